//! The change-point detector against fixed vectors, synthetic series of known noise and
//! steps, and Apache Otava's own output over the fixture series (tests/changepoint).

use super::*;

fn indices(cps: &[ChangePoint]) -> Vec<usize> {
    cps.iter().map(|c| c.index).collect()
}

// ---- fixed vectors with hand-checked answers ----

#[test]
fn degenerate_inputs_give_no_change_points() {
    let p = Params::default();
    assert!(detect(&[], &p).is_empty());
    assert!(detect(&[42.0], &p).is_empty());
    assert!(detect(&[1.0, 2.0], &p).is_empty()); // two values: p-value 1
    assert!(detect(&[7.5; 300], &p).is_empty()); // constant: 0/0 t-test, p 1
    assert!(detect(&[f64::NAN; 10], &p).is_empty());
    assert!(detect(&[f64::NAN, 3.0, f64::INFINITY], &p).is_empty());
}

#[test]
fn clean_step_is_found_with_exact_statistics() {
    // Q(tau=5, kappa=10) = 2/10 * 25 * 10 = 50 is the maximum; both halves
    // have zero spread and different means, so t is infinite and p = 0.
    let v = [10.0, 10.0, 10.0, 10.0, 10.0, 20.0, 20.0, 20.0, 20.0, 20.0];
    let cps = detect(&v, &Params::default());
    assert_eq!(
        cps,
        vec![ChangePoint {
            index: 5,
            mean_before: 10.0,
            mean_after: 20.0,
            stddev_before: 0.0,
            stddev_after: 0.0,
            pvalue: 0.0,
            forward_change: 1.0,
        }]
    );
    assert_eq!(magnitude(cps[0].mean_before, cps[0].mean_after), 1.0);
    let seg = segments(&v, &cps);
    assert_eq!(
        seg,
        vec![
            Segment {
                start: 0,
                end: 5,
                mean: 10.0
            },
            Segment {
                start: 5,
                end: 10,
                mean: 20.0
            }
        ]
    );
}

#[test]
fn otava_unit_test_series() {
    // Otava's tests/analysis_test.py::test_single_series.
    let v = [
        1.02, 0.95, 0.99, 1.00, 1.12, 1.00, 1.01, 0.98, 1.01, 0.96, 0.50, 0.51, 0.48, 0.48, 0.55,
        0.50, 0.49, 0.51, 0.50, 0.49,
    ];
    let p = Params {
        window: 10,
        max_pvalue: 0.0001,
        min_magnitude: 0.0,
        min_segment: 1,
    };
    assert_eq!(indices(&detect(&v, &p)), vec![10]);
    assert_eq!(indices(&detect(&v, &Params::default())), vec![10]);
}

#[test]
fn t_test_matches_hand_computation() {
    // Otava's test_significance_tester: identical halves give p = 1.
    let same = compare(
        &[1.00, 1.02, 1.05, 0.95, 0.98],
        &[1.00, 1.02, 1.05, 0.95, 0.98],
    );
    assert!((same.pvalue - 1.0).abs() < 1e-12);
    // Halves 1.00 vs 0.806: population variances 0.0058/5 = 0.00116 and
    // 0.00372/5 = 0.000744, pooled (4*0.00116 + 4*0.000744)/8 = 0.000952,
    // t = 0.194/sqrt(0.000952*0.4) = 9.94153..., df = 8; scipy's
    // ttest_ind_from_stats on the same inputs gives p = 8.867907052957251e-06.
    let step = compare(
        &[1.00, 1.02, 1.05, 0.95, 0.98],
        &[0.80, 0.82, 0.85, 0.79, 0.77],
    );
    assert!((step.mean_before - 1.0).abs() < 1e-15);
    assert!((step.mean_after - 0.806).abs() < 1e-15);
    assert!((step.std_before - 0.00116f64.sqrt()).abs() < 1e-12);
    assert!((step.std_after - 0.000744f64.sqrt()).abs() < 1e-12);
    let t = 0.194 / (0.000952f64 * 0.4).sqrt();
    assert!(close(t_two_sided_pvalue(t, 8.0), step.pvalue, 1e-12, 0.0));
    assert!(close(step.pvalue, 8.867_907_052_957_251e-6, 1e-9, 0.0));
    assert!(step.pvalue > 0.0 && step.pvalue < 0.001);
    // One value on each side: p = 1 by definition.
    assert_eq!(compare(&[1.0], &[2.0]).pvalue, 1.0);
}

#[test]
fn student_t_closed_forms() {
    for &t in &[0.1f64, 0.5, 1.0, 2.0, 3.5, 10.0, 100.0, 1e4] {
        // df = 1 (Cauchy): p = 1 - 2 atan(|t|) / pi.
        let p1 = 1.0 - 2.0 * t.atan() / std::f64::consts::PI;
        assert!(
            close(t_two_sided_pvalue(t, 1.0), p1, 1e-12, 1e-300),
            "df=1 t={t}"
        );
        assert!(close(t_two_sided_pvalue(-t, 1.0), p1, 1e-12, 1e-300));
        // df = 2: p = 1 - |t| / sqrt(t^2 + 2).  (Use 2/(sqrt(t^2+2)(sqrt(t^2+2)+t))
        // to avoid cancellation for large t.)
        let r = (t * t + 2.0).sqrt();
        let p2 = 2.0 / (r * (r + t));
        assert!(
            close(t_two_sided_pvalue(t, 2.0), p2, 1e-12, 1e-300),
            "df=2 t={t}"
        );
    }
    // Large df approaches the normal distribution: 2(1 - Phi(1.959964)) = 0.05.
    assert!((t_two_sided_pvalue(1.959_963_985, 1e7) - 0.05).abs() < 1e-6);
    // Two-sided values 2 * scipy.special.stdtr(df, -t) from scipy 1.16.3.
    for (t, df, p) in [
        (3.0, 10.0, 0.013_343_655_022_569_565),
        (12.0, 98.0, 6.000_153_201_837_787e-21),
        (0.7, 9998.0, 0.483_943_591_437_453_25),
        (1.959_963_985, 1e7, 0.050_000_027_675_749_45),
        (40.0, 48.0, 1.614_480_425_066_232_7e-38),
    ] {
        let ours = t_two_sided_pvalue(t, df);
        assert!(close(ours, p, 1e-9, 0.0), "t={t} df={df}: {ours} vs {p}");
    }
    assert_eq!(t_two_sided_pvalue(f64::INFINITY, 5.0), 0.0);
    assert_eq!(t_two_sided_pvalue(0.0, 5.0), 1.0);
}

#[test]
fn ln_gamma_known_values() {
    for (a, b) in [(20.0, 0.5), (35.5, 0.5), (50.0, 3.0), (500.0, 0.5)] {
        let direct = ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b);
        assert!((ln_beta(a, b) - direct).abs() < 1e-11, "{a} {b}");
        assert!((ln_beta(b, a) - direct).abs() < 1e-11, "{a} {b}");
    }
    assert!(ln_gamma(1.0).abs() < 1e-14);
    assert!(ln_gamma(2.0).abs() < 1e-14);
    assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-14);
    assert!((ln_gamma(10.0) - 362_880f64.ln()).abs() < 1e-12);
    assert!((ln_gamma(0.1) - 2.252_712_651_734_205_5).abs() < 1e-12);
}

/// Q computed straight from its definition, for checking `best_split`.
fn naive_q(z: &[f64], tau: usize, kappa: usize) -> f64 {
    let (x, y) = (&z[..tau], &z[tau..kappa]);
    let (n1, n2) = (x.len() as f64, y.len() as f64);
    let pairs = |a: &[f64]| -> f64 {
        let mut s = 0.0;
        for i in 0..a.len() {
            for j in i + 1..a.len() {
                s += (a[i] - a[j]).abs();
            }
        }
        s
    };
    let cross: f64 = x
        .iter()
        .map(|a| y.iter().map(|b| (a - b).abs()).sum::<f64>())
        .sum();
    let mut e = 2.0 / (n1 * n2) * cross;
    if x.len() > 1 {
        e -= pairs(x) / (n1 * (n1 - 1.0) / 2.0);
    }
    if y.len() > 1 {
        e -= pairs(y) / (n2 * (n2 - 1.0) / 2.0);
    }
    n1 * n2 / (n1 + n2) * e
}

#[test]
fn best_split_matches_naive_definition() {
    let mut rng = SplitMix64(7);
    for trial in 0..60 {
        let m = 2 + trial % 23;
        let z: Vec<f64> = (0..m + 6)
            .map(|i| 100.0 + rng.gauss() + (i / 9) as f64)
            .collect();
        let (s, e) = (3, 3 + m);
        let c = best_split(&z, s, e);
        let mut best = (f64::NEG_INFINITY, 0);
        for tau in 1..m {
            for kappa in tau + 1..=m {
                let q = naive_q(&z[s..e], tau, kappa);
                if q > best.0 + 1e-9 {
                    best = (q, tau);
                }
            }
        }
        assert_eq!(c.tau, s + best.1, "trial {trial}");
        assert!(
            close(c.q, best.0, 1e-9, 1e-9),
            "trial {trial}: {} vs {}",
            c.q,
            best.0
        );
    }
}

#[test]
fn non_finite_values_are_skipped_and_indices_kept() {
    let v = [
        10.0,
        10.0,
        10.0,
        10.0,
        f64::NAN,
        20.0,
        20.0,
        f64::INFINITY,
        20.0,
        20.0,
    ];
    let cps = detect(&v, &Params::default());
    assert_eq!(indices(&cps), vec![5]);
    assert_eq!((cps[0].mean_before, cps[0].mean_after), (10.0, 20.0));
    let seg = segments(&v, &cps);
    assert_eq!((seg[0].start, seg[0].end, seg[0].mean), (0, 5, 10.0));
    assert_eq!((seg[1].start, seg[1].end, seg[1].mean), (5, 10, 20.0));
    // A NaN just after the step: the change point is the first finite value.
    let v = [1.0, 1.0, 1.0, 1.0, 2.0, f64::NAN, 2.0, 2.0, 2.0];
    assert_eq!(indices(&detect(&v, &Params::default())), vec![4]);
    let v = [1.0, 1.0, 1.0, 1.0, f64::NAN, 2.0, 2.0, 2.0, 2.0];
    assert_eq!(indices(&detect(&v, &Params::default())), vec![5]);
}

#[test]
fn segments_edge_cases() {
    assert!(segments(&[], &[]).is_empty());
    assert_eq!(
        segments(&[1.0, 3.0], &[]),
        vec![Segment {
            start: 0,
            end: 2,
            mean: 2.0
        }]
    );
    let cp = |index| ChangePoint {
        index,
        mean_before: 0.0,
        mean_after: 0.0,
        stddev_before: 0.0,
        stddev_after: 0.0,
        pvalue: 0.0,
        forward_change: 0.0,
    };
    // 0, repeats, out-of-range and decreasing indices are ignored.
    let seg = segments(&[1.0, 2.0, 3.0, 4.0], &[cp(0), cp(2), cp(2), cp(1), cp(9)]);
    assert_eq!(
        seg.iter().map(|s| (s.start, s.end)).collect::<Vec<_>>(),
        vec![(0, 2), (2, 4)]
    );
    assert!(segments(&[f64::NAN], &[])[0].mean.is_nan());
}

#[test]
fn parameters_behave_as_documented() {
    assert_eq!(first_pass_pvalue(0.001), 0.01);
    assert_eq!(first_pass_pvalue(0.1), 0.2);
    assert_eq!(first_pass_pvalue(0.6), 0.6);
    let mut rng = SplitMix64(99);
    let v: Vec<f64> = (0..100)
        .map(|i| if i < 50 { 100.0 } else { 105.0 } * (1.0 + 0.01 * rng.gauss()))
        .collect();
    let found = |min_magnitude| {
        indices(&detect(
            &v,
            &Params {
                min_magnitude,
                ..Params::default()
            },
        ))
    };
    assert_eq!(found(0.0), vec![50]);
    assert_eq!(found(0.01), vec![50]);
    assert!(found(0.10).is_empty()); // a 5 % step is below a 10 % floor
    let strict = Params {
        max_pvalue: 1e-300,
        ..Params::default()
    };
    assert!(detect(&v, &strict).is_empty());
    // Windows below 2 behave as 2 (which can never reach significance).
    for window in [0, 1, 2] {
        assert!(detect(
            &v,
            &Params {
                window,
                ..Params::default()
            }
        )
        .is_empty());
    }
    // Deterministic: the same input always gives the same output.
    assert_eq!(
        detect(&v, &Params::default()),
        detect(&v, &Params::default())
    );
}

// ---- synthetic bounds with an inline seeded PRNG ----

/// SplitMix64 (Steele, Lea and Flood, 2014) with Box-Muller normals.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in (0, 1].
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }
    fn gauss(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

const SEEDS: u64 = 200;

#[test]
fn flat_series_at_2_percent_noise_has_few_false_change_points() {
    let mut total = 0;
    let mut series_with_any = 0;
    for seed in 0..SEEDS {
        let mut rng = SplitMix64(seed);
        let v: Vec<f64> = (0..100)
            .map(|_| 1500.0 * (1.0 + 0.02 * rng.gauss()))
            .collect();
        let n = detect(&v, &Params::default()).len();
        total += n;
        series_with_any += usize::from(n > 0);
    }
    let rate = total as f64 / SEEDS as f64; // per 100 points
    println!(
        "flat, 2% noise: {total} false change points in {SEEDS} x 100 points \
         = {rate:.3} per 100 points; {series_with_any} series with any"
    );
    assert!(rate <= 1.0, "false change points per 100 points: {rate}");
}

#[test]
fn three_percent_step_at_1_percent_noise_is_found_near_its_position() {
    let mut hits = 0;
    let mut distance_sum = 0;
    let mut max_distance = 0;
    let mut extra = 0;
    for seed in 0..SEEDS {
        let mut rng = SplitMix64(1_000_000 + seed);
        let at = 20 + (rng.next_u64() % 61) as usize; // step position 20..=80
        let factor = if seed % 2 == 0 { 1.03 } else { 1.0 / 1.03 };
        let v: Vec<f64> = (0..100)
            .map(|i| 800.0 * if i < at { 1.0 } else { factor } * (1.0 + 0.01 * rng.gauss()))
            .collect();
        let cps = detect(&v, &Params::default());
        let nearest = cps.iter().map(|c| c.index.abs_diff(at)).min();
        if let Some(d) = nearest.filter(|&d| d <= 10) {
            hits += 1;
            distance_sum += d;
            max_distance = max_distance.max(d);
            extra += cps.len() - 1;
        } else {
            extra += cps.len();
        }
    }
    let rate = hits as f64 / SEEDS as f64;
    println!(
        "3% step, 1% noise: found within 10 points in {hits}/{SEEDS} = {:.1}%; \
         mean distance {:.2}, max {max_distance}; {extra} other change points",
        rate * 100.0,
        distance_sum as f64 / hits.max(1) as f64
    );
    assert!(rate >= 0.95, "detection rate {rate}");
}

#[test]
fn ten_thousand_points_are_fast() {
    let mut rng = SplitMix64(2024);
    let v: Vec<f64> = (0..10_000)
        .map(|i| 1000.0 * (1.0 + 0.02 * ((i / 1000) % 3) as f64) * (1.0 + 0.02 * rng.gauss()))
        .collect();
    let started = std::time::Instant::now();
    let cps = detect(&v, &Params::default());
    let elapsed = started.elapsed();
    println!(
        "10,000 points: {} change points in {:.1} ms ({} build)",
        cps.len(),
        elapsed.as_secs_f64() * 1e3,
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    let limit = if cfg!(debug_assertions) { 20.0 } else { 0.5 };
    assert!(elapsed.as_secs_f64() < limit, "{elapsed:?}");
}

// ---- oracle: apache-otava 0.8.0 over fixtures/ ----

/// Oracle fixtures, relative to the crate root (adjust when moving the file).
const FIXTURES: &str = "tests/changepoint";

fn fixtures_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURES)
}

fn read_json(path: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

fn as_indices(v: &serde_json::Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_u64().unwrap() as usize)
        .collect()
}

/// (name, values) of every fixture series, sorted by name.
fn fixture_series() -> Vec<(String, Vec<f64>)> {
    let mut paths: Vec<_> = std::fs::read_dir(fixtures_dir().join("series"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let j = read_json(p);
            let values = j["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            (j["name"].as_str().unwrap().to_string(), values)
        })
        .collect()
}

fn close(a: f64, b: f64, rel: f64, abs: f64) -> bool {
    (a - b).abs() <= abs + rel * a.abs().max(b.abs())
}

fn assert_stats(name: &str, ours: &ChangePoint, theirs: &serde_json::Value) {
    let f = |k: &str| theirs[k].as_f64().unwrap_or(f64::NAN);
    assert!(
        close(ours.pvalue, f("pvalue"), 1e-7, 1e-300),
        "{name}@{}: pvalue {} vs otava {}",
        ours.index,
        ours.pvalue,
        f("pvalue")
    );
    for (label, a, b) in [
        ("forward_change", ours.forward_change, f("forward_change")),
        ("mean_before", ours.mean_before, f("mean_before")),
        ("mean_after", ours.mean_after, f("mean_after")),
        ("stddev_before", ours.stddev_before, f("stddev_before")),
        ("stddev_after", ours.stddev_after, f("stddev_after")),
    ] {
        assert!(
            close(a, b, 1e-9, 1e-12),
            "{name}@{}: {label} {a} vs otava {b}",
            ours.index
        );
    }
}

#[test]
fn oracle_parameters_are_the_defaults() {
    let expected = read_json(&fixtures_dir().join("otava-expected.json"));
    let p = Params::default();
    assert_eq!(expected["otava_version"], "0.8.0");
    assert_eq!(
        expected["params"]["window_len"].as_u64(),
        Some(p.window as u64)
    );
    assert_eq!(
        expected["params"]["max_pvalue"].as_f64(),
        Some(p.max_pvalue)
    );
    assert_eq!(
        expected["params"]["min_magnitude"].as_f64(),
        Some(p.min_magnitude)
    );
}

/// With Otava's neighbour re-testing, the split step, the merge step and
/// every reported statistic must reproduce Otava on every fixture.
#[test]
fn otava_compatible_mode_reproduces_otava_exactly() {
    let expected = read_json(&fixtures_dir().join("otava-expected.json"));
    let series = fixture_series();
    assert!(series.len() >= 8, "too few fixtures");
    for (name, values) in &series {
        let exp = &expected["series"][name.as_str()];
        assert!(exp.is_object(), "{name}: missing from otava-expected.json");
        let p = Params::default();
        let weak = split(values, p.window, first_pass_pvalue(p.max_pvalue));
        assert_eq!(
            weak,
            as_indices(&exp["weak_indices"]),
            "{name}: weak points"
        );
        let cps = detect_with(values, &p, Recompute::OtavaCompatible);
        assert_eq!(
            indices(&cps),
            as_indices(&exp["indices"]),
            "{name}: indices"
        );
        for (ours, theirs) in cps.iter().zip(exp["change_points"].as_array().unwrap()) {
            assert_stats(name, ours, theirs);
        }
    }
}

/// The public `detect` must give Otava's indices except where
/// tests/changepoint/otava-differences.json documents a difference (and there it
/// must give exactly the documented indices); its statistics must match
/// Otava's statistics re-tested against the final neighbours.
#[test]
fn detect_matches_otava_except_documented_differences() {
    let expected = read_json(&fixtures_dir().join("otava-expected.json"));
    let differences = read_json(&fixtures_dir().join("otava-differences.json"));
    let documented = differences["series"].as_object().unwrap();
    let series = fixture_series();
    for (name, _) in documented {
        assert!(
            series.iter().any(|(n, _)| n == name),
            "{name}: documented difference for a missing fixture"
        );
    }
    for (name, values) in &series {
        let exp = &expected["series"][name.as_str()];
        let cps = detect(values, &Params::default());
        match documented.get(name) {
            Some(d) => {
                assert_eq!(
                    as_indices(&d["otava"]),
                    as_indices(&exp["indices"]),
                    "{name}"
                );
                assert_eq!(indices(&cps), as_indices(&d["rust"]), "{name}");
                assert!(d["reason"].as_str().is_some_and(|r| r.len() > 20), "{name}");
            }
            None => {
                assert_eq!(indices(&cps), as_indices(&exp["indices"]), "{name}");
                let retested = exp["retested_change_points"].as_array().unwrap();
                for (ours, theirs) in cps.iter().zip(retested) {
                    assert_stats(name, ours, theirs);
                }
            }
        }
    }
}

#[test]
fn outlier_spike_fixture_is_not_a_change_point() {
    let (_, values) = fixture_series()
        .into_iter()
        .find(|(n, _)| n == "outlier_spike")
        .unwrap();
    let cps = detect(&values, &Params::default());
    assert!(cps.iter().all(|c| !(49..=52).contains(&c.index)), "{cps:?}");
}

#[test]
fn a_single_outlier_is_two_change_points_unless_segments_have_a_minimum_length() {
    // A run at 4.5 % above its neighbours, at 0.5 % noise: Otava's method reports a
    // step up and a step down around it; a minimum segment of 5 reports nothing, and
    // keeps a real step.
    let mut rng = SplitMix64(7);
    let mut v: Vec<f64> = (0..400)
        .map(|_| 0.362 * (1.0 + 0.005 * rng.gauss()))
        .collect();
    v[174] = 0.378;
    let otava = indices(&detect(&v, &Params::default()));
    assert_eq!(otava, vec![174, 175], "the spike as Otava's method sees it");
    let sustained = Params {
        min_segment: 5,
        ..Params::default()
    };
    assert!(detect(&v, &sustained).is_empty());
    for x in &mut v[300..] {
        *x *= 1.03;
    }
    assert_eq!(indices(&detect(&v, &sustained)), vec![300]);
}
