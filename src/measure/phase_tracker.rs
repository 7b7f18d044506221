//! A run's phases as the sampler sees them: each starts when memgate reads its marker and ends at
//! the next one or at the run's end, and holds the highest sample taken in it. Pure.

use crate::results::Phase;

/// The phases so far.
#[derive(Debug, Default, Clone)]
pub struct PhaseTracker {
    phases: Vec<Phase>,
    /// How many of the phases have had a sample: those after began since the last sample.
    sampled: usize,
    /// The last sample: a phase marked after it, at the run's very end, has it.
    last_counted: u64,
}

impl PhaseTracker {
    /// Phase `name` starts at `t` (seconds since the run's start), ending the one before. A
    /// marker of the phase already under way changes nothing.
    pub fn start(&mut self, name: String, t: f64) {
        if let Some(current) = self.phases.last_mut() {
            if current.name == name {
                return;
            }
            current.end_secs = t;
        }
        self.phases.push(Phase {
            name,
            start_secs: t,
            end_secs: t,
            peak_bytes: 0,
        });
    }

    /// A sample of counted memory at `t`: the current phase's, and that of the phases that began
    /// since the last sample and ended before this one (it is the memory they left).
    pub fn observe(&mut self, t: f64, counted: u64) {
        self.last_counted = counted;
        let Some(last) = self.phases.len().checked_sub(1) else {
            return;
        };
        for phase in &mut self.phases[self.sampled.min(last)..] {
            phase.peak_bytes = phase.peak_bytes.max(counted);
        }
        let current = &mut self.phases[last];
        current.end_secs = current.end_secs.max(t);
        self.sampled = self.phases.len();
    }

    /// The phases, the last one ending at `end_secs` (the run's duration); those that began after
    /// the last sample have that sample.
    pub fn finish(mut self, end_secs: f64) -> Vec<Phase> {
        for phase in &mut self.phases[self.sampled..] {
            phase.peak_bytes = self.last_counted;
        }
        if let Some(last) = self.phases.last_mut() {
            last.end_secs = last.end_secs.max(end_secs);
        }
        self.phases
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_before_the_first_marker_belong_to_no_phase() {
        let mut tracker = PhaseTracker::default();
        tracker.observe(0.0, 900);
        tracker.start("load".into(), 0.5);
        tracker.observe(0.5, 200);
        tracker.observe(0.6, 250);
        tracker.start("train".into(), 1.0);
        tracker.observe(1.0, 100);
        tracker.start("train".into(), 1.1); // the same phase again: no new span
        tracker.observe(1.2, 120);
        let phases = tracker.finish(2.0);
        let got: Vec<(&str, f64, f64, u64)> = phases
            .iter()
            .map(|p| (p.name.as_str(), p.start_secs, p.end_secs, p.peak_bytes))
            .collect();
        assert_eq!(got, [("load", 0.5, 1.0, 250), ("train", 1.0, 2.0, 120)]);
    }

    #[test]
    fn phases_within_one_tick_share_the_sample_that_follows() {
        let mut tracker = PhaseTracker::default();
        tracker.start("a".into(), 0.1);
        tracker.start("b".into(), 0.1);
        tracker.observe(0.1, 50);
        tracker.observe(0.2, 70);
        let phases = tracker.finish(0.2);
        assert_eq!(phases[0].peak_bytes, 50);
        assert_eq!(phases[1].peak_bytes, 70);
        assert_eq!((phases[0].start_secs, phases[0].end_secs), (0.1, 0.1));
    }

    #[test]
    fn a_phase_that_ended_gets_no_sample_of_the_next_one() {
        let mut tracker = PhaseTracker::default();
        tracker.start("load".into(), 0.0);
        tracker.observe(0.0, 200);
        tracker.start("train".into(), 0.05);
        tracker.observe(0.1, 900);
        tracker.start("eval".into(), 0.2); // after the last sample
        let phases = tracker.finish(0.25);
        let peaks: Vec<u64> = phases.iter().map(|p| p.peak_bytes).collect();
        assert_eq!(peaks, [200, 900, 900]);
        assert_eq!((phases[2].start_secs, phases[2].end_secs), (0.2, 0.25));
    }

    #[test]
    fn no_marker_no_phase() {
        let mut tracker = PhaseTracker::default();
        tracker.observe(0.0, 10);
        assert!(tracker.finish(1.0).is_empty());
    }
}
