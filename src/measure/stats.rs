//! Statistics over memory timelines: steady state, leak slope, downsampling, medians.
//!
//! A timeline is `&[(f64, u64)]`: (seconds since start, bytes), sorted by time, sampled at roughly a
//! fixed interval (e.g. 10 ms) but possibly with gaps. Everything here is pure and allocation-light;
//! no I/O, no dependencies.
//!
//! Why these estimators:
//! - The **median** after warm-up and before teardown is the level a program sits at, unmoved by the
//!   allocation burst at start, the free/exit at the end, or short spikes in between.
//! - A **leak** shows as a rising *floor*: garbage-collected and arena allocators saw up and down all
//!   the time, so a slope fitted to raw samples follows the teeth. The minimum of each window (the
//!   lower envelope) sits on the floor. **Theil–Sen** (median of pairwise slopes) ignores the odd
//!   outlier window, and the **Mann–Kendall** test says whether the rise is a trend rather than noise.
//!   A trend alone is not enough to call a leak: the growth over the window must also be material
//!   (at least 16 MiB and 2% of steady), so a slow drift of a few MiB never fails a gate.

use crate::results::WarmUp;

/// One mebibyte, in bytes.
const MIB: f64 = 1024.0 * 1024.0;
/// Fraction of the run (by time) at the end treated as teardown and excluded.
const TEARDOWN_FRACTION: f64 = 0.02;
/// Width of the lower-envelope windows for ordinary runs: long enough to span a few GC/arena cycles.
const WINDOW_SECS: f64 = 1.0;
/// The steady span is split into at least this many windows (of less than 1 s on short runs).
const SHORT_RUN_WINDOWS: usize = 10;
/// Windows the later half must have to be used on its own (Mann–Kendall reaches significance from 5).
const MIN_RECENT_WINDOWS: usize = 5;
/// Fewer non-empty windows than this give no slope at all (a line through 2 points is not a trend).
const MIN_WINDOWS: usize = 3;
/// Upper bound on the number of windows: Theil–Sen and Mann–Kendall are O(m²) in windows, so very
/// long runs get wider windows instead of more of them (1000 windows = 500k pairs, well under 1 ms).
const MAX_WINDOWS: usize = 1000;
/// Two-sided 5% critical value of the standard normal, for the Mann–Kendall z.
const Z_CRITICAL: f64 = 1.96;
/// Minimum growth over the steady window for a leak, in bytes.
const MIN_LEAK_BYTES: f64 = 16.0 * MIB;
/// Minimum growth over the steady window for a leak, as a fraction of steady memory.
const MIN_LEAK_FRACTION: f64 = 0.02;

/// Seconds from a run's start to its steady window, for a run of `duration` seconds.
pub fn warm_up_secs(duration: f64, warm_up: WarmUp) -> f64 {
    match warm_up {
        WarmUp::Share(share) => share * duration,
        WarmUp::Secs(secs) => secs,
    }
}

/// Length in seconds of the steady window of a run of `duration` seconds (0 when the warm-up and
/// teardown take it all).
pub fn steady_span(duration: f64, warm_up: WarmUp) -> f64 {
    (duration * (1.0 - TEARDOWN_FRACTION) - warm_up_secs(duration, warm_up)).max(0.0)
}

/// How long a run must be for its steady window to last `span` seconds: the inverse of
/// [`steady_span`], for "runs of at least … s" (infinite when a warm-up share leaves no room).
pub fn run_secs_for(span: f64, warm_up: WarmUp) -> f64 {
    match warm_up {
        WarmUp::Share(share) => span / (1.0 - TEARDOWN_FRACTION - share),
        WarmUp::Secs(secs) => (span + secs) / (1.0 - TEARDOWN_FRACTION),
    }
}

/// The steady window `[lo, hi]` in seconds, and the run's duration.
///
/// `None` for an empty timeline or one whose duration is not a finite, non-negative number (e.g.
/// unsorted or NaN times), so that callers fall back instead of computing with garbage.
fn steady_window(timeline: &[(f64, u64)], warm_up: WarmUp) -> Option<(f64, f64, f64)> {
    let (&(t0, _), &(t1, _)) = (timeline.first()?, timeline.last()?);
    let duration = t1 - t0;
    if !duration.is_finite() || duration < 0.0 {
        return None;
    }
    let lo = t0 + warm_up_secs(duration, warm_up);
    let hi = t1 - TEARDOWN_FRACTION * duration;
    Some((lo, hi, duration))
}

/// The samples whose time lies in the steady window (both ends inclusive).
fn steady_samples(timeline: &[(f64, u64)], warm_up: WarmUp) -> Vec<(f64, u64)> {
    match steady_window(timeline, warm_up) {
        Some((lo, hi, _)) => timeline
            .iter()
            .copied()
            .filter(|&(t, _)| t >= lo && t <= hi)
            .collect(),
        None => Vec::new(),
    }
}

/// Steady-state memory: median of the series after warm-up (first 20% of the run's duration) and
/// before teardown (last 2%). Falls back to the median of the whole series when that window is
/// empty; 0 for an empty series. [`steady_bytes_after`] with the default warm-up.
///
/// Why: start-up allocations and exit-time frees are not what a program "uses"; the median over the
/// middle of the run is the level it sits at, robust to short spikes (which are the peak's business,
/// not steady state's). The window is defined by time, not by sample count, so gaps in sampling do not
/// shift it. Both ends of the window are inclusive.
pub fn steady_bytes(timeline: &[(f64, u64)]) -> u64 {
    steady_bytes_after(timeline, WarmUp::default())
}

/// [`steady_bytes`] with the steady window starting after `warm_up` (a benchmark's
/// `steady_after`).
pub fn steady_bytes_after(timeline: &[(f64, u64)], warm_up: WarmUp) -> u64 {
    let window: Vec<u64> = steady_samples(timeline, warm_up)
        .iter()
        .map(|&(_, b)| b)
        .collect();
    if window.is_empty() {
        let all: Vec<u64> = timeline.iter().map(|&(_, b)| b).collect();
        median_u64(&all)
    } else {
        median_u64(&window)
    }
}

/// Memory growth over the steady window of a run (see [`growth`]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Growth {
    /// Theil–Sen slope of the lower envelope, in bytes per second (negative when memory falls).
    /// 0 when there were fewer than 3 windows.
    pub bytes_per_sec: f64,
    /// True when the trend is significant and positive, and material (see [`growth`]).
    pub leak: bool,
    /// Mann–Kendall z statistic (tie- and continuity-corrected) of the window minima; > 1.96 is a
    /// significant rise at the 5% level. 0 when there were fewer than 3 windows.
    pub mann_kendall_z: f64,
    /// Number of non-empty windows the slope and trend were computed from (the later half).
    pub windows: usize,
}

/// Leak slope: Theil–Sen slope of the lower envelope (the minimum of each window, at the window's
/// centre time) over the later half of the steady window (after 20% warm-up, before the last 2%).
/// `leak` is true when the Mann–Kendall trend of those window minima is significant (z > 1.96,
/// rising) AND slope × duration of the steady window exceeds max(16 MiB, 2% of steady). With fewer
/// than 3 non-empty windows: slope 0, z 0, leak false.
///
/// Why the lower envelope: allocators and garbage collectors saw up and down; the minimum of each
/// window sits on the floor, and a leak is a rising floor. A sawtooth with no trend has a flat floor.
/// Why the later half: a leak is memory still rising at the end; a load phase that outlasts the
/// warm-up rises, then stays flat. Why Theil–Sen: the median of pairwise slopes ignores a few
/// outlier windows (a GC pause, a burst), where least squares would be pulled by them. Why
/// Mann–Kendall: it is distribution-free and says whether the rise is a trend or noise. Why the size
/// threshold: a significant but tiny drift (a cache filling up by a few MiB) must not fail a gate.
///
/// Windows: the steady span is split into equal windows of min(1 s, span/10) — at least 10, so the
/// later half has at least 5, enough for Mann–Kendall to reach significance — capped at 1000
/// windows for very long runs (and at one per sample). Windows with no sample (gaps) are skipped.
///
/// Cost: O(n) over samples plus O(m²) over the m ≤ 1000 window minima.
pub fn growth(timeline: &[(f64, u64)]) -> Growth {
    growth_after(timeline, WarmUp::default())
}

/// [`growth`] with the steady window starting after `warm_up` (a benchmark's `steady_after`).
pub fn growth_after(timeline: &[(f64, u64)], warm_up: WarmUp) -> Growth {
    let Some((lo, hi, _)) = steady_window(timeline, warm_up) else {
        return Growth::default();
    };
    let span = hi - lo;
    if !span.is_finite() || span <= 0.0 {
        return Growth::default();
    }
    let samples = steady_samples(timeline, warm_up);

    // Number of windows over the steady span; all of equal width `span / count`.
    // Windows of min(1 s, span/10): at least 10 windows, so that Mann–Kendall can reach
    // significance on runs of a few seconds too (with 2–5 windows it never can).
    // `as usize` saturates; the cap keeps the O(m²) part small.
    let count = ((span / WINDOW_SECS).floor() as usize)
        .clamp(SHORT_RUN_WINDOWS, MAX_WINDOWS)
        .min(samples.len());
    if count < MIN_WINDOWS {
        return Growth::default();
    }
    let width = span / count as f64;

    // Lower envelope: min bytes per window (None = empty window, a gap in sampling).
    let mut minima: Vec<Option<u64>> = vec![None; count];
    for &(t, bytes) in &samples {
        let index = (((t - lo) / width).floor() as usize).min(count - 1);
        let slot = &mut minima[index];
        *slot = Some(slot.map_or(bytes, |m| m.min(bytes)));
    }
    let envelope: Vec<(f64, f64)> = minima
        .iter()
        .enumerate()
        .filter_map(|(i, m)| m.map(|b| (lo + (i as f64 + 0.5) * width, b as f64)))
        .collect();
    if envelope.len() < MIN_WINDOWS {
        return Growth {
            windows: envelope.len(),
            ..Growth::default()
        };
    }

    // The later half of the envelope: a leak is memory still rising at the end of the run. A
    // load phase that outlasts the warm-up (a big file read into memory, then work on it) rises
    // and then stays flat; over the whole window its slope would pass for a leak.
    let recent = &envelope[envelope.len() / 2..];
    let envelope = if recent.len() >= MIN_RECENT_WINDOWS {
        recent
    } else {
        &envelope[..]
    };
    let slope = theil_sen_slope(envelope);
    let values: Vec<f64> = envelope.iter().map(|&(_, y)| y).collect();
    let z = mann_kendall_z(&values);
    let steady = steady_bytes_after(timeline, warm_up) as f64;
    let threshold = MIN_LEAK_BYTES.max(MIN_LEAK_FRACTION * steady);
    let leak = z > Z_CRITICAL && slope * span > threshold;
    Growth {
        bytes_per_sec: slope,
        leak,
        mann_kendall_z: z,
        windows: envelope.len(),
    }
}

/// Theil–Sen estimator: the median of the slopes of all pairs of points with distinct x.
/// O(m²) time and memory in the number of points: only ever called on window minima.
fn theil_sen_slope(points: &[(f64, f64)]) -> f64 {
    let mut slopes = Vec::with_capacity(points.len() * points.len().saturating_sub(1) / 2);
    for (i, &(xi, yi)) in points.iter().enumerate() {
        for &(xj, yj) in &points[i + 1..] {
            let dx = xj - xi;
            if dx != 0.0 {
                slopes.push((yj - yi) / dx);
            }
        }
    }
    median_f64(&slopes)
}

/// Mann–Kendall trend test: z statistic of S = Σ_{i<j} sign(x_j − x_i), with the variance
/// n(n−1)(2n+5)/18 corrected for ties (− Σ t(t−1)(2t+5)/18 over groups of t equal values) and a
/// continuity correction of 1 towards zero. 0 when the variance is 0 (fewer than 2 points or all
/// values equal).
fn mann_kendall_z(values: &[f64]) -> f64 {
    let n = values.len();
    let mut s: i64 = 0;
    for (i, &xi) in values.iter().enumerate() {
        for &xj in &values[i + 1..] {
            s += match xj.partial_cmp(&xi) {
                Some(std::cmp::Ordering::Greater) => 1,
                Some(std::cmp::Ordering::Less) => -1,
                _ => 0,
            };
        }
    }

    let term = |k: usize| {
        let k = k as f64;
        k * (k - 1.0) * (2.0 * k + 5.0)
    };
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut ties = 0.0;
    let mut start = 0;
    while start < sorted.len() {
        let mut end = start + 1;
        while end < sorted.len() && sorted[end] == sorted[start] {
            end += 1;
        }
        ties += term(end - start);
        start = end;
    }
    let variance = (term(n) - ties) / 18.0;
    if variance <= 0.0 {
        return 0.0;
    }
    let s = s as f64;
    let corrected = if s > 0.0 {
        s - 1.0
    } else if s < 0.0 {
        s + 1.0
    } else {
        0.0
    };
    corrected / variance.sqrt()
}

/// Reduce a timeline to at most `max_points` points keeping its shape for charts and storage: split
/// into buckets by time and keep, per bucket, the min and max points in time order (so peaks
/// survive). The result's global max value equals the input's global max (and likewise the min);
/// first and last points are kept. Identity when `len <= max_points`.
///
/// Why min and max rather than averages: a budget gate is about peaks, and a chart whose peak is
/// lower than the reported peak is wrong. Buckets are by time, not by index, so a gap in sampling
/// stays a gap. The output is a subset of the input, in input order.
///
/// Degenerate budgets, where not every guarantee can hold, prefer the peak: `max_points == 0` gives
/// an empty vector, `1` the (first) max point alone, `2` the first point and the max point (or first
/// and last when the max is one of them). From 3 up, all guarantees hold; 3 keeps first, max, last.
pub fn downsample(timeline: &[(f64, u64)], max_points: usize) -> Vec<(f64, u64)> {
    let n = timeline.len();
    if n <= max_points {
        return timeline.to_vec();
    }
    if max_points == 0 {
        return Vec::new();
    }
    // n > max_points >= 1, so n >= 2 from here on.
    let global_max = first_max_index(timeline);
    let mut keep: Vec<usize> = match max_points {
        1 => vec![global_max],
        2 if global_max == 0 || global_max == n - 1 => vec![0, n - 1],
        2 => vec![0, global_max],
        _ => {
            // First and last are reserved; each bucket spends up to 2 points (its min and max).
            let budget = max_points - 2;
            let only_max = budget == 1;
            let buckets = (budget / 2).max(1);
            let (t_first, t_last) = (timeline[0].0, timeline[n - 1].0);
            let span = t_last - t_first;
            // (min index, max index) per bucket, first occurrence of each.
            let mut extremes: Vec<Option<(usize, usize)>> = vec![None; buckets];
            for (i, &(t, bytes)) in timeline.iter().enumerate().take(n - 1).skip(1) {
                let position = if span > 0.0 && span.is_finite() {
                    (t - t_first) / span * buckets as f64
                } else {
                    0.0
                };
                // `as usize` maps NaN and negatives to 0; `min` clamps the end.
                let bucket = (position as usize).min(buckets - 1);
                extremes[bucket] = Some(match extremes[bucket] {
                    None => (i, i),
                    Some((lo, hi)) => (
                        if bytes < timeline[lo].1 { i } else { lo },
                        if bytes > timeline[hi].1 { i } else { hi },
                    ),
                });
            }
            let mut keep = vec![0, n - 1];
            for &(lo, hi) in extremes.iter().flatten() {
                keep.push(hi);
                if !only_max {
                    keep.push(lo);
                }
            }
            keep
        }
    };
    keep.sort_unstable();
    keep.dedup();
    keep.into_iter().map(|i| timeline[i]).collect()
}

/// Index of the first sample with the largest byte count (`timeline` must be non-empty).
fn first_max_index(timeline: &[(f64, u64)]) -> usize {
    let mut best = 0;
    for (i, &(_, bytes)) in timeline.iter().enumerate() {
        if bytes > timeline[best].1 {
            best = i;
        }
    }
    best
}

/// Median of u64s; 0 for empty.
///
/// For an even count this is the mean of the two middle values rounded down, computed as
/// `lower + (upper - lower) / 2` so it cannot overflow and always lies between the two. Rounding down
/// (at most half a byte) keeps the result an integer byte count without favouring either side in any
/// way that matters. O(n) by selection on a copy; the input is not reordered.
pub fn median_u64(values: &[u64]) -> u64 {
    let n = values.len();
    if n == 0 {
        return 0;
    }
    let mut v = values.to_vec();
    let (left, &mut upper, _) = v.select_nth_unstable(n / 2);
    if n % 2 == 1 {
        return upper;
    }
    // `left` holds the n/2 smallest values; its max is the lower middle.
    let lower = left.iter().copied().max().unwrap_or(upper);
    lower + (upper - lower) / 2
}

/// Median of f64s; 0.0 for empty.
///
/// NaNs are ignored (they have no place in an order; 0.0 when every value is NaN). For an even
/// count, the mean of the two middle values, computed as `lower / 2 + upper / 2` so that it cannot
/// overflow to infinity. O(n) by selection on a copy.
pub fn median_f64(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    let (left, &mut upper, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        return upper;
    }
    let lower = left.iter().copied().max_by(f64::total_cmp).unwrap_or(upper);
    lower / 2.0 + upper / 2.0
}

#[cfg(test)]
mod tests;
