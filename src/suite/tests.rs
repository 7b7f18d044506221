//! The suite on a fake measurement: no process is spawned, so that the alternation, the baselines
//! and interruption are tested in milliseconds.

use std::path::{Path, PathBuf};

use super::*;
use crate::config;
use crate::measure::MethodChoice;
use crate::results::{BaselineInfo, Comparison, RunResult, Status};
use crate::testing::{self, MIB};

/// A config at a made-up path (nothing is read from it). Every benchmark: one warm-up, two runs.
fn config(benchmarks: &str) -> Config {
    let text = format!("version: 1\ndefaults:\n  runs: 2\n  warmup: 1\nbenchmarks:\n{benchmarks}");
    config::parse(&text, Path::new("/suite/memgate.yml")).expect("a valid config")
}

/// `- name: NAME` with `run: LINE`, for each pair.
fn benchmarks(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, line)| format!("  - name: {name}\n    run: {line}\n"))
        .collect()
}

fn plan(config: &Config) -> Plan<'_> {
    Plan::new(config, &Selection::default(), None, MethodChoice::Auto).expect("a plan")
}

fn head() -> Results {
    testing::results(testing::environment(Method::Sampled), vec![])
}

/// What the fake makes of a command line (`sh -c LINE`), on its `nth` call (from 0) for that
/// line: a run that exits 0 with a flat use of `peak=N` MiB plus `nth` (so that runs differ),
/// except `crash=K` (exits 1 on call K), `interrupt=K` (interrupted on call K) and `missing`
/// (cannot start).
fn outcome(line: &str, nth: usize) -> Result<Measurement, MeasureError> {
    let mut peak = 10;
    let (mut exit_code, mut signal, mut interrupted) = (Some(0), None, None);
    for word in line.split_whitespace() {
        match word.split_once('=') {
            Some(("peak", mib)) => peak = mib.parse::<u64>().unwrap(),
            Some(("crash", k)) if k.parse() == Ok(nth) => exit_code = Some(1),
            Some(("interrupt", k)) if k.parse() == Ok(nth) => {
                (exit_code, signal) = (None, Some(libc::SIGKILL));
                interrupted = Some(libc::SIGINT);
            }
            _ if word == "missing" => return Err(MeasureError::NoCgroup("fake".into())),
            _ => {}
        }
    }
    let peak = (peak + nth as u64) * MIB;
    let run = RunResult {
        exit_code,
        signal,
        interrupted,
        ..testing::run(vec![(0.0, peak), (1.0, peak)], 1.0)
    };
    Ok(Measurement {
        method: Method::CgroupV2,
        run,
    })
}

/// The fake measurement: records each command line in `calls`, answers with [`outcome`].
fn fake(calls: &mut Vec<String>) -> impl FnMut(&RunSpec) -> Result<Measurement, MeasureError> + '_ {
    |spec: &RunSpec| {
        let line = spec.launch.argv.last().cloned().unwrap_or_default();
        let nth = calls.iter().filter(|call| **call == line).count();
        calls.push(line.clone());
        outcome(&line, nth)
    }
}

/// Runs `plan` on the fake; the command lines measured, the events in short, what it gave.
fn run_fake(plan: &Plan<'_>, baseline: &Baseline) -> (Vec<String>, Vec<String>, Finished) {
    let mut calls = Vec::new();
    let mut events = Vec::new();
    let finished = run(plan, baseline, head(), fake(&mut calls), |event| {
        events.push(short(&event));
        Ok::<(), ()>(())
    })
    .expect("no event fails");
    (calls, events, finished)
}

fn short(event: &Event<'_>) -> String {
    match *event {
        Event::BenchmarkStarted { index, name } => format!("start {index} {name}"),
        Event::RunStarted {
            name,
            side,
            attempt,
            warmup,
            ..
        } => {
            let kind = if warmup { "warm-up" } else { "run" };
            format!("{side:?} {name} {kind} {attempt}")
        }
        Event::BenchmarkFinished { index, results } => {
            format!("finished {index} of {}", results.benchmarks.len())
        }
        Event::Attributing { name, side, .. } => format!("{side:?} {name} memray"),
    }
}

fn peaks(runs: &[RunResult]) -> Vec<u64> {
    runs.iter().map(|run| run.peak_bytes / MIB).collect()
}

fn base_side(pairs: &[(&str, &str)]) -> Baseline {
    Baseline::Ref(BaseSide::new(config(&benchmarks(pairs)), "b45e".into()))
}

#[test]
fn base_and_head_alternate_run_by_run_and_warm_ups_are_not_stored() {
    let head = config(&benchmarks(&[("a", "head-a peak=50"), ("b", "head-b")]));
    let baseline = base_side(&[("a", "base-a peak=40"), ("b", "base-b")]);
    let (calls, events, finished) = run_fake(&plan(&head), &baseline);

    let order: Vec<&str> = calls.iter().map(|c| &c[..6]).collect();
    let abab = ["base-a", "head-a", "base-a", "head-a", "base-a", "head-a"];
    let babab = ["base-b", "head-b", "base-b", "head-b", "base-b", "head-b"];
    // `a` regressed: after its verdict, head and base are each re-run once under memray.
    let memray = ["head-a", "base-a"];
    assert_eq!(order, [&abab[..], &memray, &babab].concat());
    assert_eq!(
        events[..4],
        [
            "start 0 a",
            "Base a warm-up 0",
            "Head a warm-up 0",
            "Base a run 1"
        ]
    );
    assert_eq!(
        events[7..11],
        [
            "Head a memray",
            "Base a memray",
            "finished 0 of 1",
            "start 1 b"
        ]
    );
    assert_eq!(events.last().unwrap(), "finished 1 of 2");

    let results = &finished.results;
    assert!(!finished.interrupted);
    let a = &results.benchmarks[0];
    // The warm-up (nth call 0) is measured and dropped: the stored runs are calls 1 and 2.
    assert_eq!(peaks(&a.runs), [51, 52]);
    assert_eq!(a.comparison, Some(Comparison::Compared));
    assert_eq!(a.baseline.as_ref().unwrap().peak_bytes, 42 * MIB);
    assert_eq!(a.config_line, Some(6));
    assert_eq!(results.environment.method, Method::CgroupV2);
    let info = results.baseline.as_ref().unwrap();
    assert_eq!(info.source, "ref:b45e");
    assert_eq!(info.git_sha.as_deref(), Some("b45e"));
}

/// `count` benchmarks `bench-I`, each run as `SIDE bench-I`.
fn numbered(side: &str, count: usize) -> Config {
    let pairs: String = (0..count)
        .map(|i| format!("  - name: bench-{i}\n    run: {side} bench-{i}\n"))
        .collect();
    config(&pairs)
}

#[test]
fn many_benchmarks_with_a_base_run_on_the_fake_alone() {
    let head = numbered("head", 20);
    let baseline = Baseline::Ref(BaseSide::new(numbered("base", 20), "b45e".into()));
    let (calls, _, finished) = run_fake(&plan(&head), &baseline);

    // 20 benchmarks × (1 warm-up + 2 runs) × 2 sides, every one on the fake: no process ran.
    assert_eq!(calls.len(), 20 * 3 * 2);
    assert_eq!(finished.results.benchmarks.len(), 20);
    assert!(finished.results.benchmarks.iter().all(|b| {
        b.status == Status::Pass && b.runs.len() == 2 && b.comparison == Some(Comparison::Compared)
    }));
}

#[test]
fn a_missing_baseline_is_stated_and_the_gate_holds_to_budgets() {
    let head = config(
        "  - name: a\n    run: head-a peak=150\n    budget: { peak: 100MiB }\n  - name: b\n    run: head-b\n",
    );
    let baseline = Baseline::Missing {
        source: "ref:origin/main".into(),
        reason: "origin/main has no memgate.yml".into(),
    };
    let (calls, _, finished) = run_fake(&plan(&head), &baseline);

    assert!(
        calls.iter().all(|call| call.starts_with("head-")),
        "{calls:?}"
    );
    let results = &finished.results;
    assert_eq!(
        results.baseline,
        Some(BaselineInfo {
            source: "ref:origin/main".into(),
            missing_reason: Some("origin/main has no memgate.yml".into()),
            ..BaselineInfo::default()
        })
    );
    let a = &results.benchmarks[0];
    assert_eq!((a.status, a.comparison.is_none()), (Status::Fail, true));
    assert!(a.reason.as_deref().unwrap().starts_with("peak "), "{a:?}");
    assert_eq!(results.status(), Status::Fail);
}

#[test]
fn a_file_baseline_compares_every_benchmark_and_marks_new_ones() {
    let head = config(&benchmarks(&[("a", "head-a peak=50"), ("b", "head-b")]));
    let base_runs = vec![testing::run(vec![(0.0, 40 * MIB)], 1.0); 2];
    let file = testing::results(
        testing::environment(Method::CgroupV2),
        vec![testing::judged("a", "x", base_runs, None)],
    );
    let baseline = Baseline::File {
        path: PathBuf::from("base/results.json"),
        results: file,
    };
    let (calls, _, finished) = run_fake(&plan(&head), &baseline);

    // Three runs of each, and `a`, a regression, re-run once for its allocation sites.
    assert_eq!(calls.len(), 7);
    let results = &finished.results;
    assert_eq!(
        results.baseline.as_ref().unwrap().source,
        "file:base/results.json"
    );
    assert_eq!(results.benchmarks[0].comparison, Some(Comparison::Compared));
    assert_eq!(results.benchmarks[1].comparison, Some(Comparison::New));
}

#[test]
fn a_crashed_run_ends_its_side_and_the_other_side_goes_on() {
    let head = config(&benchmarks(&[
        ("a", "head-a crash=1"),
        ("b", "head-b crash=0"),
        ("c", "head-c"),
    ]));
    let baseline = base_side(&[("a", "base-a"), ("b", "base-b"), ("c", "base-c")]);
    let (calls, _, finished) = run_fake(&plan(&head), &baseline);

    let order: Vec<&str> = calls.iter().map(|c| &c[..6]).collect();
    // a: the head's first measured run crashes; the base runs on alone.
    assert_eq!(
        order[..5],
        ["base-a", "head-a", "base-a", "head-a", "base-a"]
    );
    // b: the head's warm-up crashes.
    assert_eq!(order[5..9], ["base-b", "head-b", "base-b", "base-b"]);
    assert_eq!(order[9..].len(), 6, "c runs in full: {order:?}");

    let [a, b, c] = &finished.results.benchmarks[..] else {
        panic!("three benchmarks");
    };
    // The crashed run is stored (a warm-up too), and is the side's last.
    assert_eq!((a.runs.len(), a.runs[0].exit_code), (1, Some(1)));
    assert_eq!((b.runs.len(), b.runs[0].exit_code), (1, Some(1)));
    assert_eq!(
        (a.status, b.status, c.status),
        (Status::Error, Status::Error, Status::Pass)
    );
    assert!(!finished.interrupted);
}

#[test]
fn a_command_that_cannot_start_is_an_error_of_its_benchmark() {
    let head = config(&benchmarks(&[("a", "head-a missing"), ("b", "head-b")]));
    let (calls, _, finished) = run_fake(&plan(&head), &Baseline::None);

    assert_eq!(calls.len(), 1 + 3, "a tries once, b runs in full");
    let a = &finished.results.benchmarks[0];
    assert_eq!((a.status, a.runs.len()), (Status::Error, 0));
    assert_eq!(
        a.reason.as_deref(),
        Some("no memory cgroup can be made here (fake); use --method sampled or auto")
    );
    // The method is the first measured benchmark's.
    assert_eq!(finished.results.environment.method, Method::CgroupV2);
    assert!(finished.results.baseline.is_none());
}

#[test]
fn an_interrupted_run_stops_the_suite_with_the_results_so_far() {
    let head = config(&benchmarks(&[("a", "head-a interrupt=1"), ("b", "head-b")]));
    let baseline = base_side(&[("a", "base-a"), ("b", "base-b")]);
    let (calls, events, finished) = run_fake(&plan(&head), &baseline);

    // The attempt in progress ends; nothing of b runs.
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert!(finished.interrupted);
    assert_eq!(events.last().unwrap(), "finished 0 of 1", "{events:?}");
    let a = &finished.results.benchmarks[..];
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].runs.last().unwrap().interrupted, Some(libc::SIGINT));
}

/// The fake, with memgate told to stop (SIGTERM) once `after` runs were measured: a signal that
/// came between runs, which no run saw.
struct StopsAfter<'a> {
    calls: &'a mut Vec<String>,
    after: usize,
}

impl Measure for StopsAfter<'_> {
    fn measure(&mut self, spec: &RunSpec) -> Result<Measurement, MeasureError> {
        fake(self.calls)(spec)
    }

    fn stop_signal(&self) -> Option<i32> {
        (self.calls.len() >= self.after).then_some(libc::SIGTERM)
    }
}

fn run_until_stopped(head: &Config, baseline: &Baseline, after: usize) -> (Vec<String>, Finished) {
    let mut calls = Vec::new();
    let measure = StopsAfter {
        calls: &mut calls,
        after,
    };
    let finished = run(&plan(head), baseline, self::head(), measure, |_| {
        Ok::<(), ()>(())
    })
    .expect("no event fails");
    (calls, finished)
}

#[test]
fn a_signal_between_runs_starts_no_further_run_and_says_so() {
    let head = config(&benchmarks(&[("a", "head-a"), ("b", "head-b")]));
    let baseline = base_side(&[("a", "base-a"), ("b", "base-b")]);
    // Base warm-up, head warm-up, base run 1, head run 1; then the signal.
    let (calls, finished) = run_until_stopped(&head, &baseline, 4);
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert!(finished.interrupted);
    let a = &finished.results.benchmarks[..];
    assert_eq!(a.len(), 1, "nothing of b");
    assert_eq!(a[0].status, Status::Error);
    assert_eq!(
        a[0].reason.as_deref(),
        Some("stopped after 1 of 2 runs: memgate was interrupted by SIGTERM")
    );
    assert!(a[0].runs.is_empty(), "a part of the runs is no verdict");

    // During the warm-ups.
    let (calls, finished) = run_until_stopped(&head, &baseline, 1);
    assert_eq!(calls.len(), 1, "{calls:?}");
    let a = &finished.results.benchmarks[0];
    assert_eq!(a.status, Status::Error);
    assert!(
        a.reason
            .as_deref()
            .unwrap()
            .starts_with("stopped after 0 of 2 runs")
    );
}

#[test]
fn a_signal_between_benchmarks_or_after_the_last_stops_the_suite() {
    let head = config(&benchmarks(&[("a", "head-a"), ("b", "head-b")]));
    // a's warm-up and 2 runs, then the signal: a stands as judged, b never starts.
    let (calls, finished) = run_until_stopped(&head, &Baseline::None, 3);
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert!(finished.interrupted);
    assert_eq!(finished.results.benchmarks.len(), 1);
    assert_eq!(finished.results.benchmarks[0].status, Status::Pass);

    // After the last run of the last benchmark: every result, and still interrupted.
    let (calls, finished) = run_until_stopped(&head, &Baseline::None, 6);
    assert_eq!(calls.len(), 6, "{calls:?}");
    assert!(finished.interrupted);
    assert_eq!(finished.results.benchmarks.len(), 2);

    // No signal: not interrupted.
    let (_, finished) = run_until_stopped(&head, &Baseline::None, usize::MAX);
    assert!(!finished.interrupted);
}

#[test]
fn an_event_that_fails_stops_the_suite_with_its_error() {
    let head = config(&benchmarks(&[("a", "head-a"), ("b", "head-b")]));
    let mut calls = Vec::new();
    let stopped = run(
        &plan(&head),
        &Baseline::None,
        self::head(),
        fake(&mut calls),
        |event| match event {
            Event::BenchmarkFinished { .. } => Err("disk full"),
            _ => Ok(()),
        },
    );
    assert_eq!(stopped.unwrap_err(), "disk full");
    assert_eq!(calls.len(), 3);
}

#[test]
fn a_plan_selects_by_name_tag_and_shard_in_file_order() {
    let head = config(
        "  - name: a\n    run: x\n    tags: [fast]\n  - name: b\n    argv: [python3, -c, 'print(1)']\n    tags: [slow]\n    runs: 5\n  - name: c\n    run: y\n    tags: [fast]\n",
    );
    let select = |names: &[&str], tags: &[&str], shard: Option<&str>| {
        let selection = Selection {
            names: names.iter().map(|s| s.to_string()).collect(),
            tags: tags.iter().map(|s| s.to_string()).collect(),
            shard: shard.map(|s| s.parse().unwrap()),
        };
        Plan::new(&head, &selection, None, MethodChoice::Sampled).map(|plan| {
            let names: Vec<&str> = plan
                .benchmarks
                .iter()
                .map(|p| &p.benchmark.name[..])
                .collect();
            names.join(" ")
        })
    };
    assert_eq!(select(&["c", "a"], &[], None).unwrap(), "a c");
    assert_eq!(select(&[], &["fast"], None).unwrap(), "a c");
    let shards: Vec<String> = (1..=2)
        .map(|k| select(&[], &[], Some(&format!("{k}/2"))).unwrap())
        .collect();
    assert_eq!(
        shards
            .join(" ")
            .split(' ')
            .filter(|n| !n.is_empty())
            .count(),
        3
    );
    assert_eq!(
        select(&["nope"], &[], None).unwrap_err().to_string(),
        "no benchmark named `nope` in /suite/memgate.yml (known: a, b, c)"
    );
    assert_eq!(
        select(&["B"], &[], None).unwrap_err().to_string(),
        "no benchmark named `B` in /suite/memgate.yml — did you mean `b`? (known: a, b, c)"
    );
    assert_eq!(
        select(&[], &["gpu", "big"], None).unwrap_err().to_string(),
        "no benchmark has the tag(s) gpu, big"
    );
}

#[test]
fn a_plan_runs_each_benchmark_as_the_config_and_runs_option_say() {
    let head = config(
        "  - name: a\n    run: x y\n  - name: b\n    argv: [python3, -c, 'print(1)']\n    runs: 5\n    warmup: 0\n",
    );
    let plan = Plan::new(&head, &Selection::default(), None, MethodChoice::Cgroup).unwrap();
    let [a, b] = &plan.benchmarks[..] else {
        panic!("two benchmarks");
    };
    assert_eq!(a.spec.launch.argv, ["sh", "-c", "x y"]);
    assert_eq!(b.spec.launch.argv, ["python3", "-c", "print(1)"]);
    assert_eq!((a.runs, a.warmup, b.runs, b.warmup), (2, 1, 5, 0));
    assert_eq!(b.spec.method, MethodChoice::Cgroup);
    assert_eq!(plan::subject(b.benchmark).command, "python3 -c 'print(1)'");
    let overridden = Plan::new(&head, &Selection::default(), Some(1), MethodChoice::Auto).unwrap();
    assert!(overridden.benchmarks.iter().all(|p| p.runs == 1));
}

/// Captured output: each attempt gets files of its own, and an `error` benchmark keeps the last
/// lines of what its failed run wrote to stderr; one that passed keeps none.
#[test]
fn captured_output_gives_an_error_benchmark_its_stderr_tail() {
    use std::io::Write;
    let config = config(&benchmarks(&[("ok", "peak=5"), ("boom", "crash=1")]));
    let mut plan = plan(&config);
    plan.output = Output::Captured { folder: None };
    let mut calls = Vec::new();
    let mut captured = 0;
    let measure = |spec: &RunSpec| {
        let capture = spec.launch.output.as_ref().expect("captured");
        let line = spec.launch.argv.last().cloned().unwrap_or_default();
        let nth = calls.iter().filter(|call| **call == line).count();
        writeln!(&*capture.stderr, "{line}: attempt {nth}").unwrap();
        calls.push(line.clone());
        captured += 1;
        outcome(&line, nth)
    };
    let finished = run(
        &plan,
        &Baseline::None,
        head(),
        measure,
        |_| Ok::<(), ()>(()),
    )
    .unwrap();
    let [ok, boom] = &finished.results.benchmarks[..] else {
        panic!("two benchmarks")
    };
    assert_eq!(ok.status, Status::Pass);
    assert_eq!(ok.stderr_tail, None);
    assert_eq!(boom.status, Status::Error);
    // The warm-up (attempt 0) passed; attempt 1 crashed and ended the benchmark.
    assert_eq!(boom.stderr_tail.as_deref(), Some("crash=1: attempt 1"));
    assert_eq!(captured, 5);
}

#[test]
fn a_failing_benchmark_is_re_run_once_unmeasured_and_never_is_never() {
    let config = config(
        "  - name: over\n    run: peak=50\n    budget: { peak: 20MiB }\n  \
         - name: fine\n    run: peak=5\n    budget: { peak: 20MiB }\n  \
         - name: off\n    run: peak=60\n    budget: { peak: 20MiB }\n    attribution: never\n",
    );
    let (calls, events, finished) = run_fake(&plan(&config), &Baseline::None);
    // One warm-up and two runs each, and one re-run of `over` alone.
    assert_eq!(calls.iter().filter(|c| *c == "peak=50").count(), 4);
    assert_eq!(calls.iter().filter(|c| *c == "peak=5").count(), 3);
    assert_eq!(calls.iter().filter(|c| *c == "peak=60").count(), 3);
    assert!(
        events.contains(&"Head over memray".to_string()),
        "{events:?}"
    );
    let over = &finished.results.benchmarks[0];
    // The re-run (the fake's 4th call, 53 MiB) is not among the runs, nor in the figures.
    assert_eq!(peaks(&over.runs), [51, 52]);
    assert_eq!(over.peak_bytes, 52 * MIB);
    // The fake starts no Python process: the note says sites are for Python.
    let note = over.attribution.as_ref().unwrap().note.as_deref().unwrap();
    assert!(note.contains("Python benchmarks only"), "{note}");
    assert!(finished.results.benchmarks[1].attribution.is_none());
    assert!(finished.results.benchmarks[2].attribution.is_none());
}

#[test]
fn attribute_all_re_runs_every_benchmark_that_ran() {
    let config = config(&benchmarks(&[("a", "peak=5"), ("b", "peak=6")]));
    let mut plan = plan(&config);
    plan.attribute_all = true;
    let (calls, _, finished) = run_fake(&plan, &Baseline::None);
    assert_eq!(calls.len(), 8);
    assert!(
        finished
            .results
            .benchmarks
            .iter()
            .all(|b| b.attribution.is_some())
    );
}
