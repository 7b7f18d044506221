//! A finished run's figures, from what the sampler recorded and what the probe and the kernel
//! learned. Pure: no process, no file.

use crate::measure::stats;
use crate::results::{Method, RunResult, STORED_TIMELINE_POINTS, Uncertainty};
use crate::units::format_size;

use super::probe::ProbeSummary;
use super::sampler::Recorder;
use super::spawn::TreeExit;

const MIB: u64 = 1024 * 1024;

/// The peak of a run and the method that found it. Sizes in bytes.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Peak {
    pub method: Method,
    /// Anonymous + shared memory: what budgets count.
    pub counted: u64,
    /// With file-backed pages.
    pub total: u64,
    /// Kernel memory beside it (cgroup paths only).
    pub kernel: Option<u64>,
    pub uncertainty: Option<Uncertainty>,
}

/// The peak from samples, raised to the highest per-process high-water mark. When that mark is
/// well above every sample of a tree of several processes, the others' memory at that moment is
/// unknown: the peak is then a range.
pub(super) fn sampled_peak(recorder: &Recorder, probe: &ProbeSummary) -> Peak {
    let sampled = recorder.max_counted;
    let spike = probe.largest_process_peak;
    let peak = sampled.max(spike);
    let margin = (8 * MIB).max(sampled * 3 / 100);
    let uncertainty = (spike > sampled + margin && recorder.max_processes > 1).then(|| Uncertainty {
        lower_bytes: peak,
        upper_bytes: spike + sampled,
        reason: format!(
            "one process peaked at {} between samples (its high-water mark); the others' memory at that moment is unknown",
            format_size(spike)
        ),
    });
    Peak {
        method: Method::Sampled,
        counted: peak,
        total: recorder.max_total.0.max(peak),
        kernel: None,
        uncertainty,
    }
}

/// How the run ended, beside its samples.
#[derive(Debug, Clone, Copy)]
pub(super) struct Finish {
    pub exit: TreeExit,
    pub duration_secs: f64,
    pub oom_killed: bool,
}

/// The run as results store it: steady state and growth from the whole timeline, then the
/// timeline cut down to what a results file keeps.
pub(super) fn into_run(
    mut recorder: Recorder,
    probe: &ProbeSummary,
    peak: Peak,
    finish: Finish,
    mut notes: Vec<String>,
) -> RunResult {
    if probe.no_pss_shmem {
        notes.push(
            "this kernel's smaps_rollup has no Pss_Shmem (kernel < 5.0): shared memory (/dev/shm, memfd, MAP_SHARED) is counted once per process that maps it".to_string(),
        );
    }
    if probe.pss_reads > 0 {
        notes.push(format!(
            "shared pages counted once: {} PSS reads ({:.1} ms)",
            probe.pss_reads,
            probe.pss_time.as_secs_f64() * 1000.0
        ));
    }
    let processes = probe.processes_seen.max(finish.exit.reaped as usize).max(1);
    let (file_peak_bytes, samples) = (recorder.max_file, recorder.samples);
    let phases = std::mem::take(&mut recorder.phases).finish(finish.duration_secs);
    let timeline = recorder.into_timeline();
    let growth = stats::growth(&timeline);
    RunResult {
        peak_bytes: peak.counted,
        peak_total_bytes: peak.total,
        file_peak_bytes,
        kernel_bytes: peak.kernel,
        steady_bytes: stats::steady_bytes(&timeline),
        growth_bytes_per_sec: growth.bytes_per_sec,
        leak: growth.leak,
        duration_secs: finish.duration_secs,
        exit_code: finish.exit.exit_code,
        signal: finish.exit.signal,
        timed_out: finish.exit.timed_out,
        oom_killed: finish.oom_killed,
        interrupted: finish.exit.interrupted,
        processes,
        samples,
        uncertainty: peak.uncertainty,
        notes,
        phases,
        breakdown: probe.breakdown.clone().map(Box::new),
        timeline: stats::downsample(&timeline, STORED_TIMELINE_POINTS),
    }
}

#[cfg(test)]
mod tests {
    use super::super::sampler::Sample;
    use super::*;

    fn recorder(samples: &[(u64, u64, usize)]) -> Recorder {
        let mut recorder = Recorder::new(super::super::sampler::MAX_POINTS);
        for (i, &(counted, file, processes)) in samples.iter().enumerate() {
            let sample = Sample {
                counted,
                file,
                processes,
            };
            recorder.push(i as f64 * 0.01, sample);
        }
        recorder
    }

    #[test]
    fn a_sampled_peak_is_a_range_when_one_process_spiked_between_samples() {
        let recorder = recorder(&[(100 * MIB, 0, 3), (120 * MIB, 0, 3)]);
        let spiked = ProbeSummary {
            largest_process_peak: 300 * MIB,
            ..ProbeSummary::default()
        };
        let peak = sampled_peak(&recorder, &spiked);
        assert_eq!(peak.counted, 300 * MIB);
        let range = peak.uncertainty.expect("a range");
        assert_eq!(
            (range.lower_bytes, range.upper_bytes),
            (300 * MIB, 420 * MIB)
        );
        let calm = sampled_peak(&recorder, &ProbeSummary::default());
        assert_eq!((calm.counted, calm.uncertainty), (120 * MIB, None));
    }

    #[test]
    fn the_stored_timeline_is_cut_after_the_figures_are_taken() {
        let samples: Vec<(u64, u64, usize)> = (0..5000).map(|i| (i * MIB, 0, 1)).collect();
        let recorder = recorder(&samples);
        let peak = sampled_peak(&recorder, &ProbeSummary::default());
        let finish = Finish {
            exit: TreeExit {
                exit_code: Some(0),
                reaped: 2,
                ..TreeExit::default()
            },
            duration_secs: 50.0,
            oom_killed: false,
        };
        let full = recorder.clone().into_timeline();
        let run = into_run(recorder, &ProbeSummary::default(), peak, finish, vec![]);
        assert!((1000..=STORED_TIMELINE_POINTS).contains(&run.timeline.len()));
        assert_eq!(run.steady_bytes, stats::steady_bytes(&full));
        assert_eq!(run.growth_bytes_per_sec, stats::growth(&full).bytes_per_sec);
        assert_eq!((run.samples, run.processes), (5000, 2));
        assert!(run.succeeded());
    }
}
