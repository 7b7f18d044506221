//! The sampling thread: reads a [`Probe`] at a fixed interval and records the timeline.
//!
//! It runs on its own OS thread, not on tokio timers (millisecond granularity), with an
//! absolute schedule so that slow reads do not stretch the interval, and stops at once when told.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::phase_pipe::PhaseReader;
use super::phase_tracker::PhaseTracker;

/// One reading of the tree's memory, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sample {
    /// Anonymous + shared memory, shared pages counted once: what budgets count.
    pub counted: u64,
    /// File-backed pages beside it.
    pub file: u64,
    /// Live processes in the tree.
    pub processes: usize,
}

/// A source of samples: a cgroup, the /proc tree, or `sysinfo`.
pub trait Probe: Send {
    fn sample(&mut self) -> Sample;
}

/// Points kept in memory before the timeline is halved; bounds memory on long runs at a fine
/// interval (100,000 points = 1000 s at 10 ms, 1.6 MB).
pub const MAX_POINTS: usize = 100_000;

/// The timeline at the sampling interval, halved (keeping each pair's maximum) whenever it reaches
/// its cap, so long runs keep their whole span and every peak in bounded memory.
#[derive(Debug, Clone)]
pub struct Recorder {
    points: Vec<(f64, u64)>,
    cap: usize,
    /// Samples folded into one point (doubles at each halving).
    stride: usize,
    pending: Option<((f64, u64), usize)>,
    pub max_counted: u64,
    pub max_file: u64,
    /// Highest counted + file of one sample, and the file part of that sample.
    pub max_total: (u64, u64),
    pub max_processes: usize,
    pub samples: u64,
    /// The phases the command marked, each with its highest sample.
    pub phases: PhaseTracker,
}

impl Recorder {
    pub fn new(cap: usize) -> Self {
        Self {
            points: Vec::new(),
            cap: cap.max(4),
            stride: 1,
            pending: None,
            max_counted: 0,
            max_file: 0,
            max_total: (0, 0),
            max_processes: 0,
            samples: 0,
            phases: PhaseTracker::default(),
        }
    }

    pub fn push(&mut self, t: f64, sample: Sample) {
        self.samples += 1;
        self.max_counted = self.max_counted.max(sample.counted);
        self.max_file = self.max_file.max(sample.file);
        self.max_processes = self.max_processes.max(sample.processes);
        // A sample of nothing is of a tree already gone (or a read that failed): no phase's.
        if sample.counted > 0 {
            self.phases.observe(t, sample.counted);
        }
        let total = sample.counted + sample.file;
        if total > self.max_total.0 {
            self.max_total = (total, sample.file);
        }
        let point = (t, sample.counted);
        let (folded, count) = match self.pending.take() {
            None => (point, 1),
            Some((kept, n)) => (if point.1 > kept.1 { point } else { kept }, n + 1),
        };
        if count < self.stride {
            self.pending = Some((folded, count));
            return;
        }
        self.points.push(folded);
        if self.points.len() >= self.cap {
            self.halve();
        }
    }

    fn halve(&mut self) {
        self.points = self
            .points
            .chunks(2)
            .map(|pair| *pair.iter().max_by_key(|p| p.1).expect("chunk is not empty"))
            .collect();
        self.stride *= 2;
    }

    /// The timeline, including a partly folded last point.
    pub fn into_timeline(mut self) -> Vec<(f64, u64)> {
        if let Some((point, _)) = self.pending.take() {
            self.points.push(point);
        }
        self.points
    }
}

/// Samples `probe` every `interval` from `start` until `stop` receives (or its sender is dropped),
/// taking one last sample then. Before each sample, the phase markers written since the last
/// one start their phases (one non-blocking read when there is nothing).
pub fn run(
    probe: &mut dyn Probe,
    start: Instant,
    interval: Duration,
    stop: &Receiver<()>,
    recorder: &mut Recorder,
    mut marks: Option<&mut PhaseReader>,
) {
    let mut tick: u32 = 0;
    loop {
        if let Some(marks) = marks.as_deref_mut() {
            let now = start.elapsed().as_secs_f64();
            for name in marks.poll() {
                recorder.phases.start(name, now);
            }
        }
        let sample = probe.sample();
        recorder.push(start.elapsed().as_secs_f64(), sample);
        // Next tick on the absolute schedule; skip ticks that a slow read already overran.
        let elapsed = start.elapsed();
        tick = tick.saturating_add(1);
        let mut next = interval * tick;
        if next <= elapsed {
            tick = (elapsed.as_nanos() / interval.as_nanos()) as u32 + 1;
            next = interval * tick;
        }
        match stop.recv_timeout(next - elapsed) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(counted: u64) -> Sample {
        Sample {
            counted,
            file: 1,
            processes: 1,
        }
    }

    #[test]
    fn recorder_keeps_every_point_below_its_cap() {
        let mut recorder = Recorder::new(100);
        for i in 0..50 {
            recorder.push(i as f64, sample(i));
        }
        let timeline = recorder.into_timeline();
        assert_eq!(timeline.len(), 50);
        assert_eq!(timeline[49], (49.0, 49));
    }

    #[test]
    fn recorder_halves_at_its_cap_and_keeps_the_peak_and_span() {
        let mut recorder = Recorder::new(64);
        for i in 0..10_000u64 {
            let value = if i == 7777 { 1_000_000 } else { i % 100 };
            recorder.push(i as f64 * 0.01, sample(value));
        }
        assert_eq!(recorder.max_counted, 1_000_000);
        assert_eq!(recorder.samples, 10_000);
        let timeline = recorder.into_timeline();
        assert!(timeline.len() <= 64, "{} points", timeline.len());
        assert!(timeline.iter().any(|p| p.1 == 1_000_000));
        assert!(timeline.last().unwrap().0 > 99.0);
        assert!(timeline.windows(2).all(|w| w[0].0 < w[1].0));
    }

    struct Counting(u64);
    impl Probe for Counting {
        fn sample(&mut self) -> Sample {
            self.0 += 1;
            sample(self.0)
        }
    }

    #[test]
    fn sampler_stops_when_its_sender_is_dropped_and_samples_once_more() {
        let (tx, rx) = std::sync::mpsc::channel();
        drop(tx);
        let mut recorder = Recorder::new(100);
        run(
            &mut Counting(0),
            Instant::now(),
            Duration::from_millis(1),
            &rx,
            &mut recorder,
            None,
        );
        assert_eq!(recorder.samples, 1);
    }

    #[test]
    fn sampler_takes_samples_at_its_interval() {
        let (tx, rx) = std::sync::mpsc::channel();
        let handle = std::thread::spawn(move || {
            let mut recorder = Recorder::new(1000);
            run(
                &mut Counting(0),
                Instant::now(),
                Duration::from_millis(2),
                &rx,
                &mut recorder,
                None,
            );
            recorder.samples
        });
        std::thread::sleep(Duration::from_millis(100));
        tx.send(()).unwrap();
        let samples = handle.join().unwrap();
        // 50 ticks in 100 ms; a loaded machine may skip some, never add.
        assert!((5..=52).contains(&samples), "{samples} samples");
    }
}
