//! What a results file may hold. A results file may come from a fork's artifact, so while it is
//! parsed every list has a cap and everything read is weighed against a memory budget of a few
//! times the file's size (a hostile file is refused before it fills memory: JSON's shortest forms,
//! `[0,0]` for a point or an array for a whole run, take many times their size once read); and
//! once it is read every number that reporters compute with is checked (a finite duration within a
//! year, ordered timelines), so that no reporter can panic or run for minutes on a value memgate
//! would never have written.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::mem::size_of;

use serde::de::{Deserialize, Deserializer, Error as _, SeqAccess, Visitor};

use super::breakdown::ProcessGroup;
use super::{
    BenchmarkResult, Check, MAX_PHASES, Phase, PhaseBudget, PhasePeak, Results, RunResult,
    STORED_TIMELINE_POINTS, Site, SiteChange,
};

/// Benchmarks in one file.
pub const MAX_BENCHMARKS: usize = 10_000;
/// Measured runs of one benchmark (a config's `runs`).
pub const MAX_RUNS: usize = 1_000;
/// Points of one timeline: what memgate stores, with room for a later version storing more.
pub const MAX_TIMELINE_POINTS: usize = 2 * STORED_TIMELINE_POINTS;
/// Notes of one run, tags and checks of one benchmark: memgate writes a handful.
pub const MAX_NOTES: usize = 32;
pub const MAX_TAGS: usize = 64;
pub const MAX_CHECKS: usize = 64;
/// Allocation sites of one benchmark, and sites grown: memgate writes ten.
pub const MAX_SITES: usize = 64;
/// The longest file name or function name of a site, in bytes.
pub const MAX_SITE_TEXT: usize = 4096;
/// Groups of one breakdown: memgate writes at most 9 (`breakdown::KEPT_GROUPS` and "other").
pub const MAX_GROUPS: usize = 32;
/// Characters of a breakdown's role, example command line and note: memgate writes at most 60,
/// 160 and 300.
pub const MAX_ROLE_CHARS: usize = 200;
pub const MAX_GROUP_COMMAND_CHARS: usize = 1000;
pub const MAX_BREAKDOWN_NOTE_CHARS: usize = 1000;
/// The longest duration a results file may state, in seconds: a year. A run is killed at its
/// timeout long before; a larger figure is not a measurement (and would overflow a `Duration`).
pub const MAX_DURATION_SECS: f64 = 365.0 * 24.0 * 3600.0;

/// Memory that what is read may take, per byte of the file. memgate's own files take less than
/// half a byte per byte (they are pretty-printed: a timeline point is 40 bytes of JSON and 16 in
/// memory); a hostile file can take 3 (a run as a 62-byte array is 184 bytes in memory) and
/// more with short strings. With 2, memgate's peak while it reads (the file's bytes are held too)
/// and then renders stays under 4 times the file's size and 64 MiB (benches/hostile_results.sh).
pub const MEMORY_PER_FILE_BYTE: usize = 2;
/// ... and per file, whatever its size.
pub const MEMORY_PER_FILE: usize = 1 << 20;

thread_local! {
    /// Bytes left to spend by the parse under way on this thread; `None`: no budget (a parse
    /// that did not go through [`with_budget`], of memgate's own output).
    static BUDGET: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Runs `parse` with what it reads weighed against the budget for a file of `file_bytes`.
pub(super) fn with_budget<R>(file_bytes: usize, parse: impl FnOnce() -> R) -> R {
    let budget = file_bytes
        .saturating_mul(MEMORY_PER_FILE_BYTE)
        .saturating_add(MEMORY_PER_FILE);
    within(budget, parse)
}

/// Runs `parse` with `budget` bytes to spend on what it reads.
fn within<R>(budget: usize, parse: impl FnOnce() -> R) -> R {
    struct Restore(Option<usize>);
    impl Drop for Restore {
        fn drop(&mut self) {
            BUDGET.set(self.0);
        }
    }
    let _restore = Restore(BUDGET.replace(Some(budget)));
    parse()
}

/// Takes `bytes` from the budget; false when it does not hold them.
fn spend(bytes: usize) -> bool {
    match BUDGET.get() {
        None => true,
        Some(left) if left >= bytes => {
            BUDGET.set(Some(left - bytes));
            true
        }
        Some(_) => false,
    }
}

/// What an item of a capped list takes in memory: its own size and the heap blocks of its
/// strings (the lists it holds are weighed as they are read).
pub(super) trait Weight {
    fn weight(&self) -> usize;
}

/// A heap block of `len` bytes as a malloc hands it out (glibc: 8 bytes of header, 16-byte
/// steps, 32 at least); nothing for an empty string or list.
fn block(len: usize) -> usize {
    if len == 0 {
        0
    } else {
        (len + 8).next_multiple_of(16).max(32)
    }
}

impl Weight for (f64, u64) {
    fn weight(&self) -> usize {
        size_of::<Self>()
    }
}

impl Weight for String {
    fn weight(&self) -> usize {
        size_of::<Self>() + block(self.len())
    }
}

impl Weight for Check {
    fn weight(&self) -> usize {
        size_of::<Self>()
            + self.detail.as_ref().map_or(0, |d| block(d.len()))
            + self.phase.as_ref().map_or(0, |p| block(p.len()))
    }
}

impl Weight for RunResult {
    fn weight(&self) -> usize {
        size_of::<Self>()
            + self
                .uncertainty
                .as_ref()
                .map_or(0, |u| block(u.reason.len()))
            + self.breakdown.as_ref().map_or(0, |b| {
                size_of::<super::Breakdown>() + b.approximate.as_ref().map_or(0, |n| block(n.len()))
            })
    }
}

impl Weight for ProcessGroup {
    fn weight(&self) -> usize {
        size_of::<Self>() + block(self.role.len()) + block(self.command.len())
    }
}

impl Weight for Site {
    fn weight(&self) -> usize {
        size_of::<Self>() + block(self.function.len()) + block(self.file.len())
    }
}

impl Weight for SiteChange {
    fn weight(&self) -> usize {
        size_of::<Self>() + block(self.function.len()) + block(self.file.len())
    }
}

impl Weight for Phase {
    fn weight(&self) -> usize {
        size_of::<Self>() + block(self.name.len())
    }
}

impl Weight for PhasePeak {
    fn weight(&self) -> usize {
        size_of::<Self>() + block(self.name.len())
    }
}

impl Weight for PhaseBudget {
    fn weight(&self) -> usize {
        size_of::<Self>() + block(self.name.len())
    }
}

impl Weight for BenchmarkResult {
    fn weight(&self) -> usize {
        let texts = [Some(&self.name), Some(&self.command), self.reason.as_ref()];
        size_of::<Self>()
            + texts
                .into_iter()
                .flatten()
                .map(|t| block(t.len()))
                .sum::<usize>()
    }
}

/// A list of at most `max` items, refused as soon as it holds one more (nothing past the cap is
/// kept) or its items outweigh the budget; the `Vec` is shrunk to its length, so that what was
/// read takes no more memory than it needs.
fn at_most<'de, D, T>(deserializer: D, max: usize, what: &'static str) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Weight,
{
    struct Bounded<T> {
        max: usize,
        what: &'static str,
        item: PhantomData<T>,
    }
    impl<'de, T: Deserialize<'de> + Weight> Visitor<'de> for Bounded<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a list of at most {} {}", self.max, self.what)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element::<T>()? {
                if items.len() == self.max {
                    return Err(A::Error::custom(format_args!(
                        "more than {} {}; memgate reads at most {}",
                        self.max, self.what, self.max
                    )));
                }
                if !spend(item.weight()) {
                    return Err(A::Error::custom(format_args!(
                        "the file holds more than memgate reads from a file of its size (its \
                         items would take over {MEMORY_PER_FILE_BYTE} times its size in \
                         memory); memgate's own results files take far less"
                    )));
                }
                items.push(item);
            }
            items.shrink_to_fit();
            Ok(items)
        }
    }
    deserializer.deserialize_seq(Bounded {
        max,
        what,
        item: PhantomData,
    })
}

/// One function per capped field, for `#[serde(deserialize_with = "…")]`.
macro_rules! capped {
    ($($name:ident: $max:expr, $what:literal;)*) => {$(
        pub(super) fn $name<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
        where
            D: Deserializer<'de>,
            T: Deserialize<'de> + Weight,
        {
            at_most(d, $max, $what)
        }
    )*};
}

capped! {
    benchmarks: MAX_BENCHMARKS, "benchmarks";
    runs: MAX_RUNS, "runs";
    timeline: MAX_TIMELINE_POINTS, "timeline points";
    notes: MAX_NOTES, "notes";
    tags: MAX_TAGS, "tags";
    checks: MAX_CHECKS, "checks";
    sites: MAX_SITES, "allocation sites";
    changes: MAX_SITES, "grown allocation sites";
    phases: MAX_PHASES, "phases";
    phase_peaks: MAX_PHASES, "phase peaks";
    phase_budgets: MAX_PHASES, "phase budgets";
    groups: MAX_GROUPS, "process groups";
}

/// A string of at most `max` characters, refused past it.
fn short_text<'de, D: Deserializer<'de>>(d: D, max: usize, what: &str) -> Result<String, D::Error> {
    let text = String::deserialize(d)?;
    if text.chars().count() > max {
        return Err(D::Error::custom(format_args!(
            "a {what} of more than {max} characters; memgate reads at most {max}"
        )));
    }
    Ok(text)
}

pub(super) fn role<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    short_text(d, MAX_ROLE_CHARS, "role")
}

pub(super) fn group_command<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    short_text(d, MAX_GROUP_COMMAND_CHARS, "command line")
}

pub(super) fn breakdown_note<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    short_text(d, MAX_BREAKDOWN_NOTE_CHARS, "note").map(Some)
}

/// Checks the numbers of results just read; the error names the field by its path in the file
/// (`benchmarks[2].runs[0].duration_secs`) and says what would be right.
pub fn check(results: &Results) -> Result<(), String> {
    for (i, benchmark) in results.benchmarks.iter().enumerate() {
        check_benchmark(benchmark).map_err(|err| {
            let name: String = benchmark.name.chars().take(80).collect();
            format!("benchmarks[{i}]{err} (benchmark {name:?})")
        })?;
    }
    Ok(())
}

fn check_benchmark(b: &BenchmarkResult) -> Result<(), String> {
    duration(".duration_secs", b.duration_secs)?;
    finite(".growth_bytes_per_sec", b.growth_bytes_per_sec)?;
    for (j, run) in b.runs.iter().enumerate() {
        check_run(run).map_err(|err| format!(".runs[{j}]{err}"))?;
    }
    if let Some(budget) = &b.budget {
        if let Some(growth) = budget.growth_bytes_per_sec {
            finite(".budget.growth_bytes_per_sec", growth)?;
        }
        if !(0.0..=1.0).contains(&budget.warn_at) {
            return Err(format!(
                ".budget.warn_at is {}; it is a fraction from 0 to 1",
                number(budget.warn_at)
            ));
        }
    }
    for (k, c) in b.checks.iter().enumerate() {
        let at = |field: &str| format!(".checks[{k}].{field}");
        finite(&at("limit"), c.limit)?;
        finite(&at("actual"), c.actual)?;
        if let Some(base) = c.base {
            finite(&at("base"), base)?;
        }
    }
    if let Some(attribution) = &b.attribution {
        check_attribution(attribution).map_err(|err| format!(".attribution{err}"))?;
    }
    if let Some(base) = &b.baseline {
        finite(".baseline.growth_bytes_per_sec", base.growth_bytes_per_sec)?;
        check_timeline(".baseline.timeline", &base.timeline)?;
    }
    Ok(())
}

/// An attribution's numbers are sane and its texts short: a name of a site is a file's or a
/// function's, never a page.
fn check_attribution(a: &super::Attribution) -> Result<(), String> {
    duration(".wall_secs", a.wall_secs)?;
    let texts = [&a.tool]
        .into_iter()
        .chain(a.flamegraph.as_ref())
        .chain(a.note.as_ref())
        .chain(a.sites.iter().flat_map(|s| [&s.file, &s.function]))
        .chain(a.grown.iter().flat_map(|s| [&s.file, &s.function]));
    for text in texts {
        if text.len() > MAX_SITE_TEXT {
            return Err(format!(
                " holds a text of {} bytes; memgate reads at most {MAX_SITE_TEXT}",
                text.len()
            ));
        }
    }
    for (k, site) in a.sites.iter().enumerate() {
        if !(0.0..=1.0).contains(&site.share) {
            return Err(format!(
                ".sites[{k}].share is {}; it is a fraction from 0 to 1",
                number(site.share)
            ));
        }
    }
    Ok(())
}

fn check_run(run: &RunResult) -> Result<(), String> {
    duration(".duration_secs", run.duration_secs)?;
    finite(".growth_bytes_per_sec", run.growth_bytes_per_sec)?;
    check_timeline(".timeline", &run.timeline)?;
    if let Some(breakdown) = &run.breakdown {
        duration(".breakdown.at_secs", breakdown.at_secs)?;
    }
    check_phases(&run.phases)
}

/// A run's phases are spans of it, in time order, each ending after it starts.
fn check_phases(phases: &[Phase]) -> Result<(), String> {
    let mut last = 0.0;
    for (n, phase) in phases.iter().enumerate() {
        duration(&format!(".phases[{n}].start_secs"), phase.start_secs)?;
        duration(&format!(".phases[{n}].end_secs"), phase.end_secs)?;
        if phase.start_secs < last || phase.end_secs < phase.start_secs {
            return Err(format!(
                ".phases[{n}] runs from {} s to {} s; phases are in time order and end after they start",
                number(phase.start_secs),
                number(phase.end_secs)
            ));
        }
        last = phase.end_secs;
    }
    Ok(())
}

/// A timeline's times are durations since the start, in order.
fn check_timeline(field: &str, timeline: &[(f64, u64)]) -> Result<(), String> {
    let mut last = 0.0;
    for (n, &(secs, _)) in timeline.iter().enumerate() {
        duration(&format!("{field}[{n}][0]"), secs)?;
        if secs < last {
            return Err(format!(
                "{field}[{n}][0] is {} s, before the point ahead of it ({} s); a timeline is in time order",
                number(secs),
                number(last)
            ));
        }
        last = secs;
    }
    Ok(())
}

fn duration(field: &str, secs: f64) -> Result<(), String> {
    if (0.0..=MAX_DURATION_SECS).contains(&secs) {
        Ok(())
    } else {
        Err(format!(
            "{field} is {} s; a duration is from 0 to {MAX_DURATION_SECS} s (a year)",
            number(secs)
        ))
    }
}

fn finite(field: &str, value: f64) -> Result<(), String> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(format!("{field} is {value}; it must be a finite number"))
    }
}

/// A number as a reader takes it in: `1e300`, not three hundred digits.
fn number(value: f64) -> String {
    if value != 0.0 && !(1e-6..1e9).contains(&value.abs()) {
        format!("{value:e}")
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Method, STORED_TIMELINE_POINTS};
    use crate::testing;

    /// Results as memgate writes them: full timelines, three runs, notes, a budget and checks.
    fn written_by_memgate() -> String {
        let timeline: Vec<(f64, u64)> = (0..STORED_TIMELINE_POINTS)
            .map(|i| {
                (
                    i as f64 * 0.013,
                    (300 << 20) + (i as u64 * 7919) % (1 << 20),
                )
            })
            .collect();
        let run = RunResult {
            notes: vec!["sampled: no memory cgroup here (read-only /sys/fs/cgroup)".into()],
            ..testing::run(timeline, 26.0)
        };
        let benchmarks = (0..5)
            .map(|i| {
                let runs = vec![run.clone(), run.clone(), run.clone()];
                let budget = Some(testing::budget(Some(400)));
                testing::judged(&format!("bench-{i}"), "python3 train.py", runs, budget)
            })
            .collect();
        testing::results(testing::environment(Method::CgroupV2), benchmarks).to_json()
    }

    /// The budget is 2 bytes per byte; memgate's own files need less than half a byte.
    #[test]
    fn memgates_own_files_weigh_less_than_half_their_size() {
        let json = written_by_memgate();
        let read = within(json.len() / 2, || serde_json::from_str::<Results>(&json));
        assert!(read.is_ok(), "{read:?}");
    }

    #[test]
    fn a_file_over_its_budget_is_refused_at_the_item_that_tips_it() {
        let json = written_by_memgate();
        let err = within(json.len() / 8, || serde_json::from_str::<Results>(&json)).unwrap_err();
        assert!(err.to_string().contains("more than memgate reads"), "{err}");
        // Outside a budgeted read, nothing is weighed.
        assert!(serde_json::from_str::<Results>(&json).is_ok());
    }

    /// A results file with `phases` on its one benchmark's one run.
    fn with_phases(phases: serde_json::Value) -> serde_json::Value {
        let run = RunResult {
            phases: vec![],
            ..testing::run(vec![(0.0, 1), (1.0, 2)], 1.0)
        };
        let b = testing::judged("b", "true", vec![run], None);
        let results = testing::results(testing::environment(Method::CgroupV2), vec![b]);
        let mut json = serde_json::to_value(&results).unwrap();
        json["benchmarks"][0]["runs"][0]["phases"] = phases;
        json
    }

    #[test]
    fn phases_read_from_a_file_are_capped_cleaned_and_in_order() {
        let phase = |name: &str, start: f64, end: f64| serde_json::json!({"name": name, "start_secs": start, "end_secs": end, "peak_bytes": 1});
        let many: Vec<_> = (0..=MAX_PHASES)
            .map(|i| phase("p", i as f64, i as f64))
            .collect();
        let err = serde_json::from_value::<Results>(with_phases(many.into())).unwrap_err();
        assert!(err.to_string().contains("more than 100 phases"), "{err}");

        let hostile = "\u{1b}]0;x\u{7}::error::y".to_string() + &"z".repeat(10_000);
        let read: Results =
            serde_json::from_value(with_phases(vec![phase(&hostile, 0.0, 1.0)].into())).unwrap();
        let name = &read.benchmarks[0].runs[0].phases[0].name;
        assert!(
            name.starts_with("?]0;x?::error::y") && name.chars().count() == 64,
            "{name}"
        );

        let backwards = with_phases(vec![phase("a", 2.0, 3.0), phase("b", 1.0, 4.0)].into());
        let read: Results = serde_json::from_value(backwards).unwrap();
        let err = check(&read).unwrap_err();
        assert!(
            err.starts_with("benchmarks[0].runs[0].phases[1] runs from 1 s"),
            "{err}"
        );
    }

    #[test]
    fn an_attribution_reads_back_and_a_page_long_name_is_refused() {
        let runs = vec![testing::run(vec![(0.0, 1 << 20)], 1.0)];
        let mut b = testing::judged("b", "python x.py", runs, None);
        b.attribution = Some(testing::hostile_attribution());
        let results = testing::results(testing::environment(Method::Sampled), vec![b]);
        let json = results.to_json();
        let read: Results = serde_json::from_str(&json).unwrap();
        assert_eq!(
            read.benchmarks[0].attribution,
            results.benchmarks[0].attribution
        );
        assert_eq!(check(&read), Ok(()));
        let mut long = read.clone();
        long.benchmarks[0].attribution.as_mut().unwrap().sites[0].file = "x".repeat(5000);
        let err = check(&long).unwrap_err();
        assert!(
            err.contains(".attribution holds a text of 5000 bytes"),
            "{err}"
        );
    }

    #[test]
    fn numbers_read_as_written() {
        assert_eq!(number(1e300), "1e300");
        assert_eq!(number(-2.5e-9), "-2.5e-9");
        assert_eq!(number(26.5), "26.5");
        assert_eq!(number(0.0), "0");
    }
}
