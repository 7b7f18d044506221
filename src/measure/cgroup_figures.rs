//! The peak of a run measured through a cgroup: one metric with the sampled path, anonymous +
//! shared memory, with file pages and kernel memory beside it. Pure.
//!
//! A cgroup's kernel-kept peak (`memory.peak`, `memory.max_usage_in_bytes`) counts everything
//! charged: user pages, page cache and kernel memory (v1 feeds `memory.kmem.usage_in_bytes` into
//! the same counter; v2 charges page tables, slab and sockets to `memory.current`). The counted
//! peak is that peak less the file pages and kernel memory of the reading with the highest total:
//! exact when those two are steady around the peak, as they usually are.

use crate::results::{Method, Uncertainty};
use crate::units::format_size;

use super::cgroup::CgroupVersion;
use super::cgroup_probe::CgroupReadings;
use super::figures::Peak;
use super::sampler::Recorder;
use super::shared_meter::KernelPeak;

const MIB: u64 = 1024 * 1024;

/// The peak of a run's own leaf; `kernel_peak` is its peak file, when there is one.
pub(super) fn leaf_peak(
    version: CgroupVersion,
    kernel_peak: Option<u64>,
    readings: &CgroupReadings,
    recorder: &Recorder,
) -> Peak {
    let method = match version {
        CgroupVersion::V1 => Method::CgroupV1,
        CgroupVersion::V2 => Method::CgroupV2,
    };
    let (counted, total) = from_peak(kernel_peak, readings, recorder);
    Peak {
        method,
        counted,
        total,
        kernel: Some(readings.kernel_max),
        uncertainty: None,
    }
}

/// (counted, counted + file) from the kernel's peak of all that was charged, raised to the
/// samples (a peak file that could not be read, or none: kernels before 5.19).
fn from_peak(
    kernel_peak: Option<u64>,
    readings: &CgroupReadings,
    recorder: &Recorder,
) -> (u64, u64) {
    let at = readings.at_highest;
    let counted = kernel_peak
        .unwrap_or(0)
        .saturating_sub(at.file + at.kernel)
        .max(recorder.max_counted);
    let total = (counted + at.file).max(recorder.max_total.0);
    (counted, total)
}

/// The peak of a run read on the shared cgroup (`cgroup-shared`): the highest sample, or the
/// rise of the cgroup's lifetime peak when the run raised it; when it did not, the old peak
/// bounds the run from above, and a range is stated when that bound is well above the samples
/// but at most twice them. A looser bound (an earlier, larger workload set the old peak) says
/// nothing about this run, so no range is made of it.
pub(super) fn shared_peak(
    kernel_peak: Option<KernelPeak>,
    readings: &CgroupReadings,
    recorder: &Recorder,
) -> Peak {
    let raised = kernel_peak.map(|k| k.run_total());
    let exact = raised.and_then(|(total, raised)| raised.then_some(total));
    let (counted, total) = from_peak(exact, readings, recorder);
    let bound = raised.filter(|(_, raised)| !raised).map(|(total, _)| {
        total.saturating_sub(readings.at_highest.file + readings.at_highest.kernel)
    });
    let margin = (8 * MIB).max(counted * 3 / 100);
    let telling = |b: &u64| *b > counted + margin && *b <= counted.saturating_mul(2);
    let uncertainty = bound.filter(telling).map(|upper| Uncertainty {
        lower_bytes: counted,
        upper_bytes: upper,
        reason: format!(
            "read on a shared cgroup between samples; the run stayed below the cgroup's earlier peak ({} above what was there before it)",
            format_size(upper)
        ),
    });
    Peak {
        method: Method::CgroupShared,
        counted,
        total,
        kernel: Some(readings.kernel_max),
        uncertainty,
    }
}

#[cfg(test)]
mod tests {
    use super::super::cgroup::CgroupMemory;
    use super::super::sampler::Sample;
    use super::*;

    fn recorder(samples: &[(u64, u64)]) -> Recorder {
        let mut recorder = Recorder::new(super::super::sampler::MAX_POINTS);
        for (i, &(counted, file)) in samples.iter().enumerate() {
            let sample = Sample {
                counted,
                file,
                processes: 1,
            };
            recorder.push(i as f64 * 0.01, sample);
        }
        recorder
    }

    fn readings(counted: u64, file: u64, kernel: u64) -> CgroupReadings {
        CgroupReadings {
            at_highest: CgroupMemory {
                counted,
                file,
                kernel,
                total: counted + file + kernel,
            },
            kernel_max: kernel,
        }
    }

    #[test]
    fn a_leafs_peak_loses_file_pages_and_kernel_memory() {
        let recorder = recorder(&[(100 * MIB, 10 * MIB), (200 * MIB, 30 * MIB)]);
        let read = readings(200 * MIB, 30 * MIB, 20 * MIB);
        let peak = leaf_peak(CgroupVersion::V2, Some(270 * MIB), &read, &recorder);
        assert_eq!(peak.method, Method::CgroupV2);
        assert_eq!((peak.counted, peak.total), (220 * MIB, 250 * MIB));
        assert_eq!(peak.kernel, Some(20 * MIB));
        // No peak file (v2 before 5.19): the samples.
        let unread = leaf_peak(CgroupVersion::V1, None, &read, &recorder);
        assert_eq!((unread.counted, unread.total), (200 * MIB, 230 * MIB));
    }

    #[test]
    fn a_shared_peak_is_exact_when_raised_and_bounded_when_not() {
        let recorder = recorder(&[(100 * MIB, 0), (150 * MIB, 0)]);
        let read = readings(150 * MIB, 0, 5 * MIB);
        let raised = KernelPeak {
            before: 300 * MIB,
            after: 500 * MIB,
            baseline_total: 300 * MIB,
        };
        let peak = shared_peak(Some(raised), &read, &recorder);
        assert_eq!(
            (peak.method, peak.counted),
            (Method::CgroupShared, 195 * MIB)
        );
        assert_eq!(peak.uncertainty, None);
        let not_raised = |old_peak| KernelPeak {
            before: old_peak,
            after: old_peak,
            baseline_total: 300 * MIB,
        };
        let peak = shared_peak(Some(not_raised(520 * MIB)), &read, &recorder);
        assert_eq!(peak.counted, 150 * MIB);
        let range = peak.uncertainty.expect("a range");
        assert_eq!(
            (range.lower_bytes, range.upper_bytes),
            (150 * MIB, 215 * MIB)
        );
        // Close to the samples: no range; far above them (an earlier workload's): none either.
        for old_peak in [460 * MIB, 900 * MIB] {
            let peak = shared_peak(Some(not_raised(old_peak)), &read, &recorder);
            assert_eq!((peak.counted, peak.uncertainty), (150 * MIB, None));
        }
        let no_file = shared_peak(None, &read, &recorder);
        assert_eq!((no_file.counted, no_file.uncertainty), (150 * MIB, None));
    }
}
