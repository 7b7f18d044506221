//! Tests of the timeline statistics.

use super::*;

const MIB_U: u64 = 1 << 20;

/// Samples every `dt` seconds from 0 to `duration` inclusive; `f` gives bytes (as f64) at time t.
fn series(duration: f64, dt: f64, mut f: impl FnMut(usize, f64) -> f64) -> Vec<(f64, u64)> {
    let n = (duration / dt).round() as usize;
    (0..=n)
        .map(|i| {
            let t = i as f64 * dt;
            (t, f(i, t).round() as u64)
        })
        .collect()
}

/// Deterministic pseudo-random numbers in [0, 1) (xorshift), so tests need no dependency.
fn noise(seed: &mut u64) -> f64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    (*seed >> 11) as f64 / (1u64 << 53) as f64
}

// ---- medians ----

#[test]
fn median_u64_odd_even_empty() {
    assert_eq!(median_u64(&[]), 0);
    assert_eq!(median_u64(&[7]), 7);
    assert_eq!(median_u64(&[9, 1, 5]), 5);
    // Even: mean of the two middle values, rounded down.
    assert_eq!(median_u64(&[1, 2, 3, 4]), 2);
    assert_eq!(median_u64(&[4, 1, 3, 10]), 3);
    assert_eq!(median_u64(&[10, 20]), 15);
    assert_eq!(median_u64(&[5, 5, 5, 5]), 5);
    // No overflow near u64::MAX.
    assert_eq!(median_u64(&[u64::MAX, u64::MAX - 2]), u64::MAX - 1);
    assert_eq!(median_u64(&[u64::MAX, 0]), u64::MAX / 2);
}

#[test]
fn median_u64_does_not_reorder_input() {
    let values = [3, 1, 2];
    assert_eq!(median_u64(&values), 2);
    assert_eq!(values, [3, 1, 2]);
}

#[test]
fn median_f64_odd_even_empty_nan() {
    assert_eq!(median_f64(&[]), 0.0);
    assert_eq!(median_f64(&[2.5]), 2.5);
    assert_eq!(median_f64(&[3.0, -1.0, 2.0]), 2.0);
    assert_eq!(median_f64(&[1.0, 2.0, 3.0, 4.0]), 2.5);
    assert_eq!(median_f64(&[f64::NAN, 1.0, 3.0, f64::NAN]), 2.0);
    assert_eq!(median_f64(&[f64::NAN]), 0.0);
    assert_eq!(median_f64(&[f64::MAX, f64::MAX]), f64::MAX);
    assert_eq!(median_f64(&[-f64::MAX, f64::MAX]), 0.0);
}

// ---- steady_bytes ----

#[test]
fn steady_empty_and_single() {
    assert_eq!(steady_bytes(&[]), 0);
    assert_eq!(steady_bytes(&[(0.0, 42)]), 42);
}

#[test]
fn steady_constant_is_exact() {
    let tl = series(10.0, 0.01, |_, _| 300.0 * MIB);
    assert_eq!(steady_bytes(&tl), 300 * MIB_U);
}

#[test]
fn steady_is_plateau_after_warmup_ramp() {
    // Ramps from 0 to 200 MiB during the first 1.5 s (inside the 2 s warm-up), then flat.
    let tl = series(10.0, 0.01, |_, t| {
        if t < 1.5 {
            200.0 * MIB * t / 1.5
        } else {
            200.0 * MIB
        }
    });
    assert_eq!(steady_bytes(&tl), 200 * MIB_U);
}

#[test]
fn steady_is_plateau_after_step_past_warmup() {
    // 100 MiB until 3 s, 300 MiB after: the window [2 s, 9.8 s] is mostly the plateau.
    let tl = series(
        10.0,
        0.01,
        |_, t| if t < 3.0 { 100.0 * MIB } else { 300.0 * MIB },
    );
    assert_eq!(steady_bytes(&tl), 300 * MIB_U);
}

#[test]
fn steady_excludes_warmup_spike_and_teardown() {
    // A 2 GiB spike during warm-up, a drop to 1 MiB during teardown (last 2% = last 0.2 s).
    let tl = series(10.0, 0.01, |_, t| {
        if (0.5..1.0).contains(&t) {
            2048.0 * MIB
        } else if t > 9.85 {
            MIB
        } else {
            100.0 * MIB
        }
    });
    assert_eq!(steady_bytes(&tl), 100 * MIB_U);
}

#[test]
fn steady_window_is_by_time_not_by_count() {
    // Dense sampling at 500 MiB during warm-up (0–2 s), sparse at 100 MiB after: a count-based
    // window would see mostly 500 MiB samples.
    let mut tl: Vec<(f64, u64)> = (0..200).map(|i| (i as f64 * 0.01, 500 * MIB_U)).collect();
    tl.extend((2..=10).map(|s| (s as f64, 100 * MIB_U)));
    assert_eq!(steady_bytes(&tl), 100 * MIB_U);
}

#[test]
fn steady_falls_back_to_whole_series_when_window_empty() {
    // Two samples: window [0.2, 0.98] holds neither; median of both = mean rounded down.
    assert_eq!(steady_bytes(&[(0.0, 10), (1.0, 21)]), 15);
    // NaN time: no window at all, still no panic, whole-series median.
    assert_eq!(steady_bytes(&[(f64::NAN, 4), (1.0, 8), (2.0, 6)]), 6);
}

// ---- growth ----

#[test]
fn growth_empty_and_tiny() {
    assert_eq!(growth(&[]), Growth::default());
    assert_eq!(growth(&[(0.0, 5)]), Growth::default());
    let two = growth(&[(0.0, 5), (10.0, 500 * MIB_U)]);
    assert_eq!(two.bytes_per_sec, 0.0);
    assert!(!two.leak);
    assert!(two.windows < 3);
}

#[test]
fn growth_leak_of_a_five_second_run_is_detected() {
    // Runs of 3–6.5 s once had 2–5 windows, too few for Mann–Kendall to ever be significant.
    let rate = 20.0 * MIB;
    let tl = series(5.0, 0.01, |_, t| 100.0 * MIB + rate * t);
    let g = growth(&tl);
    assert!(g.leak, "{g:?}");
    assert!((g.bytes_per_sec - rate).abs() / rate < 0.02);
}

#[test]
fn a_load_phase_that_outlasts_the_warm_up_is_not_growth() {
    // 400 MiB read in over the first 45% of a 6 s run, then flat: no leak, no slope.
    let tl = series(6.0, 0.01, |_, t| {
        let loaded = (t / 2.7).min(1.0);
        20.0 * MIB + 400.0 * MIB * loaded
    });
    let g = growth(&tl);
    assert!(!g.leak, "{g:?}");
    assert!(
        g.bytes_per_sec.abs() < MIB,
        "slope {} MiB/s",
        g.bytes_per_sec / MIB
    );
}

#[test]
fn growth_constant_is_zero() {
    let tl = series(10.0, 0.01, |_, _| 300.0 * MIB);
    let g = growth(&tl);
    assert_eq!(g.bytes_per_sec, 0.0);
    assert_eq!(g.mann_kendall_z, 0.0);
    assert!(!g.leak);
    // Steady span 7.8 s -> 10 windows (of 0.78 s); the later 5 give the slope.
    assert_eq!(g.windows, 5);
}

#[test]
fn growth_linear_leak_measured_within_2_percent() {
    let rate = 6.7 * MIB;
    let tl = series(10.0, 0.01, |_, t| 100.0 * MIB + rate * t);
    let g = growth(&tl);
    let error = (g.bytes_per_sec - rate).abs() / rate;
    assert!(error < 0.02, "slope {} MiB/s", g.bytes_per_sec / MIB);
    assert!(g.leak);
    // The later 5 of 10 strictly increasing minima: S = 10, var = 5·4·15/18 = 16.67,
    // z = 9/4.08 = 2.205.
    assert_eq!(g.windows, 5);
    assert!((g.mann_kendall_z - 9.0 / (5.0f64 * 4.0 * 15.0 / 18.0).sqrt()).abs() < 1e-9);
}

#[test]
fn growth_leak_in_sawtooth_is_found() {
    // 4 MiB/s rising floor under a 0–300 MiB sawtooth of period 0.5 s, over 20 s.
    let rate = 4.0 * MIB;
    let tl = series(20.0, 0.01, |i, t| {
        100.0 * MIB + rate * t + 300.0 * MIB * (i % 50) as f64 / 50.0
    });
    let g = growth(&tl);
    assert!(
        (g.bytes_per_sec - rate).abs() / rate < 0.05,
        "{}",
        g.bytes_per_sec / MIB
    );
    assert!(g.mann_kendall_z > 1.96);
    assert!(g.leak);
}

#[test]
fn growth_sawtooth_is_not_a_leak() {
    // Rises from 100 to 400 MiB and drops back, period 0.5 s, over 10 s: raw samples would give a
    // slope depending on where the run is cut; the envelope is flat.
    let tl = series(10.0, 0.01, |i, _| {
        100.0 * MIB + 300.0 * MIB * (i % 50) as f64 / 50.0
    });
    let g = growth(&tl);
    assert!(g.bytes_per_sec.abs() < MIB, "{}", g.bytes_per_sec / MIB);
    assert!(!g.leak);
}

#[test]
fn growth_unaligned_triangle_wave_is_not_a_leak() {
    // Period 0.37 s (not a multiple of the sample interval or the window), phase from time.
    let tl = series(10.0, 0.01, |_, t| {
        let phase = (t % 0.37) / 0.37;
        let tri = if phase < 0.5 {
            phase * 2.0
        } else {
            2.0 - phase * 2.0
        };
        100.0 * MIB + 300.0 * MIB * tri
    });
    let g = growth(&tl);
    assert!(g.bytes_per_sec.abs() < MIB, "{}", g.bytes_per_sec / MIB);
    assert!(!g.leak);
}

#[test]
fn growth_noise_is_not_a_leak() {
    let mut seed = 0x9E37_79B9_7F4A_7C15;
    let tl = series(30.0, 0.01, |_, _| {
        500.0 * MIB + 40.0 * MIB * noise(&mut seed)
    });
    let g = growth(&tl);
    assert!(g.bytes_per_sec.abs() < MIB, "{}", g.bytes_per_sec / MIB);
    assert!(!g.leak);
}

#[test]
fn growth_small_drift_is_not_a_leak() {
    // 1 MiB over 10 s: a real, significant trend, but 0.78 MiB over the window < 16 MiB.
    let rate = 0.1 * MIB;
    let tl = series(10.0, 0.01, |_, t| 200.0 * MIB + rate * t);
    let g = growth(&tl);
    assert!((g.bytes_per_sec - rate).abs() / rate < 0.05);
    assert!(g.mann_kendall_z > 1.96);
    assert!(!g.leak);
}

#[test]
fn growth_threshold_scales_with_steady() {
    // 3 MiB/s over a 7.8 s window = 23.4 MiB: above 16 MiB, a leak at 100 MiB steady...
    let rate = 3.0 * MIB;
    let small = series(10.0, 0.01, |_, t| 100.0 * MIB + rate * t);
    assert!(growth(&small).leak);
    // ...but below 2% of a 10 GiB steady (~205 MiB): not a leak.
    let big = series(10.0, 0.01, |_, t| 10240.0 * MIB + rate * t);
    let g = growth(&big);
    assert!((g.bytes_per_sec - rate).abs() / rate < 0.02);
    assert!(g.mann_kendall_z > 1.96);
    assert!(!g.leak);
}

#[test]
fn growth_falling_memory_is_not_a_leak() {
    let rate = 5.0 * MIB;
    let tl = series(10.0, 0.01, |_, t| 500.0 * MIB - rate * t);
    let g = growth(&tl);
    assert!((g.bytes_per_sec + rate).abs() / rate < 0.02);
    assert!(g.mann_kendall_z < -1.96);
    assert!(!g.leak);
}

#[test]
fn growth_ignores_warmup_and_teardown() {
    // Steep ramp in warm-up, steep fall in teardown, flat in between.
    let tl = series(10.0, 0.01, |_, t| {
        if t < 1.9 {
            800.0 * MIB * t / 1.9
        } else if t > 9.85 {
            10.0 * MIB
        } else {
            800.0 * MIB
        }
    });
    let g = growth(&tl);
    assert_eq!(g.bytes_per_sec, 0.0);
    assert!(!g.leak);
}

#[test]
fn growth_with_sampling_gap() {
    // No samples between 4 s and 6.5 s: empty windows are skipped, slope still right.
    let rate = 6.7 * MIB;
    let tl: Vec<(f64, u64)> = series(12.0, 0.01, |_, t| 50.0 * MIB + rate * t)
        .into_iter()
        .filter(|&(t, _)| !(4.0..6.5).contains(&t))
        .collect();
    let g = growth(&tl);
    assert!((g.bytes_per_sec - rate).abs() / rate < 0.02);
    // Span [2.4 s, 11.76 s] -> 9 windows of 1.04 s; the gap empties one, [4.48 s, 5.52 s).
    assert_eq!(g.windows, 8);
    assert!(g.leak);
}

#[test]
fn growth_short_run_does_not_panic() {
    // 0.5 s at 10 ms: 10 windows of 39 ms over the steady span.
    let flat = series(0.5, 0.01, |_, _| 64.0 * MIB);
    let g = growth(&flat);
    assert_eq!(g.bytes_per_sec, 0.0);
    assert!(!g.leak);
    assert_eq!(g.windows, 5);
    // A fast leak in a short run is still measured (50 MiB/s over 0.39 s = 19.5 MiB > 16 MiB).
    let rate = 50.0 * MIB;
    let tl = series(0.5, 0.01, |_, t| 64.0 * MIB + rate * t);
    let g = growth(&tl);
    assert!(
        (g.bytes_per_sec - rate).abs() / rate < 0.05,
        "{}",
        g.bytes_per_sec / MIB
    );
    assert!(g.leak);
    // Very few samples: fewer windows than samples, never a panic.
    let g = growth(&[(0.0, 1), (0.01, 2), (0.02, 3), (0.03, 4)]);
    assert_eq!(g.bytes_per_sec, 0.0);
    assert!(!g.leak);
}

#[test]
fn growth_degenerate_times_do_not_panic() {
    assert_eq!(growth(&[(1.0, 5), (1.0, 6), (1.0, 7)]), Growth::default());
    assert_eq!(
        growth(&[(0.0, 5), (f64::NAN, 6), (f64::INFINITY, 7)]),
        Growth::default()
    );
    assert_eq!(growth(&[(5.0, 5), (3.0, 6), (1.0, 7)]), Growth::default());
}

#[test]
fn growth_long_run_caps_windows() {
    // 2000 s at 0.5 s: span 1560 s would be 1560 windows; capped at 1000, the later 500 used.
    let rate = 0.5 * MIB;
    let tl = series(2000.0, 0.5, |_, t| 100.0 * MIB + rate * t);
    let g = growth(&tl);
    assert_eq!(g.windows, 500);
    assert!((g.bytes_per_sec - rate).abs() / rate < 0.02);
    assert!(g.leak);
}

#[test]
fn mann_kendall_known_values() {
    // Strictly increasing, n = 5: S = 10, var = 5·4·15/18 = 16.667, z = 9/4.082 = 2.2045.
    let z = mann_kendall_z(&[1.0, 2.0, 3.0, 4.0, 5.0]);
    assert!((z - 9.0 / (50.0f64 / 3.0).sqrt()).abs() < 1e-12);
    // n = 4 can never be significant: z = 5/√8.667 = 1.698.
    assert!(mann_kendall_z(&[1.0, 2.0, 3.0, 4.0]) < 1.96);
    // Ties: [1,1,2,3]: S = 5, var = (4·3·13 − 2·1·9)/18 = 7.667, z = 4/2.769.
    let z = mann_kendall_z(&[1.0, 1.0, 2.0, 3.0]);
    assert!((z - 4.0 / (138.0f64 / 18.0).sqrt()).abs() < 1e-12);
    assert_eq!(mann_kendall_z(&[2.0, 2.0, 2.0]), 0.0);
    assert_eq!(mann_kendall_z(&[]), 0.0);
}

#[test]
fn theil_sen_ignores_outlier() {
    // y = 2x except one wild point: the median of pairwise slopes stays 2.
    let points: Vec<(f64, f64)> = (0..9)
        .map(|i| (i as f64, if i == 4 { 1000.0 } else { 2.0 * i as f64 }))
        .collect();
    assert_eq!(theil_sen_slope(&points), 2.0);
}

// ---- downsample ----

fn assert_shape_kept(input: &[(f64, u64)], output: &[(f64, u64)], max_points: usize) {
    assert!(
        output.len() <= max_points,
        "{} > {max_points}",
        output.len()
    );
    assert_eq!(output.first(), input.first());
    assert_eq!(output.last(), input.last());
    let max_in = input.iter().map(|p| p.1).max();
    let max_out = output.iter().map(|p| p.1).max();
    assert_eq!(max_in, max_out);
    let min_in = input.iter().map(|p| p.1).min();
    let min_out = output.iter().map(|p| p.1).min();
    assert_eq!(min_in, min_out);
    assert!(
        output.windows(2).all(|w| w[0].0 < w[1].0),
        "not in time order"
    );
    assert!(output.iter().all(|p| input.contains(p)), "not a subset");
}

#[test]
fn downsample_keeps_peak_first_last() {
    // 10 s of sawtooth at 1 ms with one narrow 1 GiB spike at 6.1234 s.
    let mut tl = series(10.0, 0.001, |i, _| 100.0 * MIB + MIB * (i % 300) as f64);
    tl[6123].1 = 1024 * MIB_U;
    for max_points in [3, 4, 5, 7, 100, 1000] {
        let out = downsample(&tl, max_points);
        assert_shape_kept(&tl, &out, max_points);
        assert!(out.contains(&tl[6123]));
    }
    // With an even budget every bucket has both min and max, so the budget is filled.
    assert_eq!(downsample(&tl, 100).len(), 100);
}

#[test]
fn downsample_identity_when_small() {
    let tl = vec![(0.0, 1), (0.5, 9), (1.0, 3)];
    assert_eq!(downsample(&tl, 3), tl);
    assert_eq!(downsample(&tl, 100), tl);
    assert_eq!(downsample(&[], 10), Vec::<(f64, u64)>::new());
    assert_eq!(downsample(&[], 0), Vec::<(f64, u64)>::new());
}

#[test]
fn downsample_degenerate_budgets() {
    let tl = vec![(0.0, 1), (1.0, 9), (2.0, 3), (3.0, 2)];
    assert_eq!(downsample(&tl, 0), vec![]);
    assert_eq!(downsample(&tl, 1), vec![(1.0, 9)]);
    assert_eq!(downsample(&tl, 2), vec![(0.0, 1), (1.0, 9)]);
    assert_eq!(downsample(&tl, 3), vec![(0.0, 1), (1.0, 9), (3.0, 2)]);
    // Max at the end: 2 points are first and last.
    let rising = vec![(0.0, 1), (1.0, 2), (2.0, 3)];
    assert_eq!(downsample(&rising, 2), vec![(0.0, 1), (2.0, 3)]);
    assert_eq!(downsample(&rising, 1), vec![(2.0, 3)]);
}

#[test]
fn downsample_with_gap_and_equal_times() {
    // A gap: buckets over the gap are empty and spend nothing.
    let mut tl = series(2.0, 0.01, |i, _| (i % 7) as f64);
    tl.extend(
        series(2.0, 0.01, |i, _| 50.0 + (i % 5) as f64)
            .into_iter()
            .map(|(t, b)| (t + 8.0, b)),
    );
    let out = downsample(&tl, 20);
    assert_shape_kept(&tl, &out, 20);
    // All samples at one time: no panic, still ≤ max_points and the max kept.
    let same: Vec<(f64, u64)> = (0..50).map(|i| (1.0, (i * 37) % 101)).collect();
    let out = downsample(&same, 10);
    assert!(out.len() <= 10);
    assert_eq!(out.iter().map(|p| p.1).max(), Some(100));
}

// ---- the warm-up a benchmark sets (`steady_after`) ----

#[test]
fn a_ramp_longer_than_a_fifth_of_a_short_run_is_left_out_by_steady_after() {
    // A 5 s script: imports ramp memory up to 100 MiB over its first 3.5 s, then it sits flat.
    // The default window (after 1 s) lies mostly in the ramp and reads a lower steady state.
    let timeline = series(5.0, 0.01, |_, t| (t / 3.5).min(1.0) * 100.0 * MIB);
    assert!(steady_bytes(&timeline) < 100 * MIB_U);
    assert_eq!(
        steady_bytes_after(&timeline, WarmUp::Secs(3.5)),
        100 * MIB_U
    );
    let after = growth_after(&timeline, WarmUp::Secs(3.5));
    assert_eq!(after.bytes_per_sec, 0.0, "{after:?}");
    assert!(!after.leak);
}

#[test]
fn steady_span_and_the_run_it_needs_are_inverses() {
    for warm_up in [WarmUp::Share(0.2), WarmUp::Secs(2.0), WarmUp::Share(0.0)] {
        let needed = run_secs_for(5.0, warm_up);
        assert!(
            (steady_span(needed, warm_up) - 5.0).abs() < 1e-9,
            "{warm_up:?}"
        );
    }
    assert!((steady_span(10.0, WarmUp::default()) - 7.8).abs() < 1e-9);
    // A warm-up longer than the run leaves no window, not a negative one.
    assert_eq!(steady_span(1.0, WarmUp::Secs(3.0)), 0.0);
}
