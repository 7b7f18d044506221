//! What the breakdown at the peak costs the sampler (issue 14: "adds ≤ 1% to sampler CPU").
//!
//!     cargo bench --bench breakdown_cost [-- ROUNDS]
//!
//! Measures `workers_at_once.py 4 100 3` (a parent and 4 forked workers of 100 MiB: a 5-process
//! tree that rises, holds 3 s and ends) through `measure::measure`, with the cgroup method and
//! sampled, breakdown on and off in turn, ROUNDS times (default 10). Per run it reads memgate's
//! own CPU time (`CLOCK_PROCESS_CPUTIME_ID`: the sampler thread, the waiting main thread; not the
//! workload) and the time the probes spent on the breakdown (snapshots, command lines, PSS
//! reads). Prints, per method, the medians and the breakdown's time as a share of the sampler's
//! CPU, as a Markdown table.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use memgate::measure::{self, Launch, MethodChoice, RunSpec, peak_shares};

fn cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into `ts`, which lives on this stack frame.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn python() -> String {
    let output = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// One run: memgate's CPU time, the breakdown's time and of it the PSS reads', in ms, and the
/// method.
fn run(argv: &[String], method: MethodChoice, breakdown: bool) -> (f64, f64, f64, String) {
    peak_shares::set_enabled(breakdown);
    let spec = RunSpec {
        launch: Launch {
            argv: argv.to_vec(),
            cwd: None,
            env: Vec::new(),
            output: None,
        },
        interval: Duration::from_millis(10),
        timeout: None,
        method,
        cgroup: None,
    };
    let (cpu, spent, pss) = (cpu_time(), peak_shares::spent(), peak_shares::pss_spent());
    let measured = measure::measure(&spec).expect("a measurement");
    assert!(measured.run.succeeded(), "{:?}", measured.run);
    assert_eq!(measured.run.breakdown.is_some(), breakdown);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(cpu_time() - cpu),
        ms(peak_shares::spent() - spent),
        ms(peak_shares::pss_spent() - pss),
        measured.method.to_string(),
    )
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/workloads/workers_at_once.py");
    let argv: Vec<String> = vec![
        python(),
        script.to_string_lossy().into_owned(),
        "4".into(),
        "100".into(),
        "3".into(),
    ];
    println!(
        "| method | rounds | memgate CPU per run, breakdown off (ms) | breakdown on (ms) | \
         difference | breakdown's own time per run (ms) | of it PSS reads (ms) | \
         own time / CPU off | without PSS reads |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for method in [MethodChoice::Auto, MethodChoice::Sampled] {
        let (mut off, mut on, mut own, mut pss) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut name = String::new();
        for _ in 0..rounds {
            off.push(run(&argv, method, false).0);
            let (cpu, spent, spent_pss, method) = run(&argv, method, true);
            on.push(cpu);
            own.push(spent);
            pss.push(spent_pss);
            name = method;
        }
        let (off, on, own, pss) = (median(off), median(on), median(own), median(pss));
        println!(
            "| {name} | {rounds} | {off:.1} | {on:.1} | {:+.1}% | {own:.2} | {pss:.2} | {:.2}% | {:.2}% |",
            (on - off) / off * 100.0,
            own / off * 100.0,
            (own - pss) / off * 100.0
        );
    }
    peak_shares::set_enabled(true);
    measure::release();
}
