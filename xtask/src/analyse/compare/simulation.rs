//! Seeded simulations of A/B sessions on a noisy machine, run through `compare`
//! end to end: they check the bounds of the issue — at most 1 % of A/A comparisons
//! flagged, a 2 % slowdown detected with at least 95 % probability at 3 % paired noise
//! when the session has the pairs `Settings::pairs_needed` asks for, a 5 % one at any
//! noise — and they are deterministic: the same seed gives the same records.
//!
//! The machine model: every round has an offset shared by all its trials (a slow
//! sinusoid plus a random jump, several per cent — the drift that ruins "all of A, then
//! all of B"); within a round the trials run in a shuffled order while a random walk
//! drifts from one trial to the next; each trial adds its own lognormal noise, and
//! optionally a rare far-out process. The paired noise (the standard deviation of
//! `ln(head/base)` in one round) is set exactly by choosing the per-trial noise.
//!
//! Run `cargo test -p xtask simulation -- --nocapture` to see the rates.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{compare, Comparison, RunRecord, Settings, Verdict};
use crate::record::fixtures::{record, result, FINGERPRINT};

/// How a simulated machine misbehaves.
#[derive(Debug, Clone, Copy)]
struct Machine {
    /// Target standard deviation of the paired log-ratios.
    paired_noise: f64,
    /// Amplitude of the slow sinusoidal drift between rounds (log scale).
    drift_amplitude: f64,
    /// Standard deviation of a round's random offset (log scale).
    round_jump: f64,
    /// Standard deviation of the random walk's step from one trial to the next.
    walk_step: f64,
    /// Probability that a trial is a far-out process, and how much slower it is.
    outlier_rate: f64,
    outlier_factor: f64,
}

impl Machine {
    fn noisy(paired_noise: f64) -> Machine {
        Machine {
            paired_noise,
            drift_amplitude: 0.06,
            round_jump: 0.03,
            walk_step: 0.002,
            outlier_rate: 0.0,
            outlier_factor: 1.0,
        }
    }

    /// The per-trial noise that makes the paired noise what it should be: the walk
    /// between the two trials of a pair contributes `step²·E|Δslot|`, where the two
    /// trials of a series sit at random among `2m` slots, `E|Δslot| = (2m + 1)/3`.
    fn trial_noise(&self, series: usize) -> f64 {
        let walk = self.walk_step * self.walk_step * (2 * series + 1) as f64 / 3.0;
        ((self.paired_noise * self.paired_noise - walk) / 2.0).sqrt()
    }
}

fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller; 1 − u keeps the logarithm away from zero.
    let u: f64 = rng.random();
    let v: f64 = rng.random();
    (-2.0 * (1.0 - u).ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// One interleaved A/B session: `effects[j]` is the true ratio head/base of series `j`.
fn session(
    rng: &mut ChaCha8Rng,
    machine: &Machine,
    rounds: usize,
    effects: &[f64],
) -> (RunRecord, RunRecord) {
    let series = effects.len();
    let trial_noise = machine.trial_noise(series);
    let mut base = vec![vec![0.0; rounds]; series];
    let mut head = vec![vec![0.0; rounds]; series];
    let mut walk = 0.0;
    let phase: f64 = rng.random::<f64>() * 10.0;
    for round in 0..rounds {
        let offset = machine.drift_amplitude * (round as f64 / 2.5 + phase).sin()
            + machine.round_jump * standard_normal(rng);
        let mut slots: Vec<(usize, bool)> =
            (0..series).flat_map(|j| [(j, false), (j, true)]).collect();
        slots.shuffle(rng);
        for (j, is_head) in slots {
            walk += machine.walk_step * standard_normal(rng);
            let mut log = (100.0 * (j + 1) as f64).ln() + offset + walk;
            log += trial_noise * standard_normal(rng);
            if rng.random::<f64>() < machine.outlier_rate {
                log += machine.outlier_factor.ln();
            }
            if is_head {
                head[j][round] = (log + effects[j].ln()).exp();
            } else {
                base[j][round] = log.exp();
            }
        }
    }
    let results = |values: &[Vec<f64>]| {
        values
            .iter()
            .enumerate()
            .map(|(j, per_round)| {
                let mut result = result("sum", &format!("v{j}"), per_round);
                // Time only: an unchanging max RSS would add comparisons without news.
                for trial in &mut result.trials {
                    trial.max_rss_bytes = 0;
                }
                result
            })
            .collect()
    };
    (
        record("base", Some("sim"), FINGERPRINT, results(&base)),
        record("head", Some("sim"), FINGERPRINT, results(&head)),
    )
}

/// Rates over many simulated sessions.
#[derive(Debug, Default)]
struct Tally {
    comparisons: usize,
    /// Comparisons of series with no true change that were called faster or slower.
    false_alarms: usize,
    nulls: usize,
    /// Comparisons of changed series that got the right direction.
    detected: usize,
    changed: usize,
    unchanged_verdicts: usize,
    noise_sum: f64,
}

impl Tally {
    fn add(&mut self, comparison: &Comparison, effects: &[f64]) {
        for entry in &comparison.entries {
            let j: usize = entry.series.variant[1..].parse().unwrap();
            self.comparisons += 1;
            self.noise_sum += entry.noise_sd_log.unwrap_or(0.0);
            let flagged = entry.verdict.is_change();
            if effects[j] == 1.0 {
                self.nulls += 1;
                self.false_alarms += usize::from(flagged);
                self.unchanged_verdicts += usize::from(entry.verdict == Verdict::Unchanged);
            } else {
                self.changed += 1;
                let right = if effects[j] > 1.0 {
                    Verdict::Slower
                } else {
                    Verdict::Faster
                };
                self.detected += usize::from(entry.verdict == right);
            }
        }
    }

    fn false_alarm_rate(&self) -> f64 {
        self.false_alarms as f64 / self.nulls as f64
    }

    fn detection_rate(&self) -> f64 {
        self.detected as f64 / self.changed as f64
    }

    fn mean_noise(&self) -> f64 {
        self.noise_sum / self.comparisons as f64
    }
}

fn run(seed: u64, machine: Machine, sessions: usize, rounds: usize, effects: &[f64]) -> Tally {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let settings = Settings::default();
    let mut tally = Tally::default();
    for _ in 0..sessions {
        let (base, head) = session(&mut rng, &machine, rounds, effects);
        tally.add(&compare(&[base], &[head], &settings), effects);
    }
    tally
}

#[test]
fn a_a_false_alarms_stay_under_one_percent() {
    let settings = Settings::default();
    let rounds = settings.pairs_needed(0.03, 1.02, 1).unwrap();
    // One series per session: no help from the false discovery rate adjustment.
    let alone = run(1, Machine::noisy(0.03), 3000, rounds, &[1.0]);
    // Twenty series per session, as in a suite.
    let suite = run(2, Machine::noisy(0.03), 60, rounds, &[1.0; 20]);
    // Far-out processes: 2 % of trials 30 % slower.
    let outliers = Machine {
        outlier_rate: 0.02,
        outlier_factor: 1.3,
        ..Machine::noisy(0.03)
    };
    let dirty = run(3, outliers, 1500, rounds, &[1.0]);
    for (name, tally) in [
        ("alone", &alone),
        ("suite of 20", &suite),
        ("with outliers", &dirty),
    ] {
        println!(
            "A/A {name}: {} of {} comparisons flagged ({:.2} %), {:.1} % unchanged, \
             {rounds} pairs, measured paired noise {:.2} %",
            tally.false_alarms,
            tally.nulls,
            100.0 * tally.false_alarm_rate(),
            100.0 * tally.unchanged_verdicts as f64 / tally.nulls as f64,
            100.0 * tally.mean_noise()
        );
        assert!(tally.false_alarm_rate() <= 0.01, "{name}: {tally:?}");
    }
}

#[test]
fn a_two_percent_slowdown_is_detected_at_the_planned_pairs() {
    let settings = Settings::default();
    for noise in [0.01, 0.02, 0.03] {
        let rounds = settings.pairs_needed(noise, 1.02, 1).unwrap();
        let tally = run(10, Machine::noisy(noise), 600, rounds, &[1.02]);
        println!(
            "2 % slowdown at {:.0} % paired noise: {rounds} pairs, detected {:.1} %, \
             measured noise {:.2} %",
            noise * 100.0,
            100.0 * tally.detection_rate(),
            100.0 * tally.mean_noise()
        );
        assert!(tally.detection_rate() >= 0.95, "noise {noise}: {tally:?}");
    }
}

#[test]
fn a_five_percent_slowdown_is_detected_at_any_noise() {
    let settings = Settings::default();
    for noise in [0.03, 0.06, 0.10] {
        let rounds = settings.pairs_needed(noise, 1.05, 1).unwrap();
        let tally = run(20, Machine::noisy(noise), 400, rounds, &[1.05]);
        println!(
            "5 % slowdown at {:.0} % paired noise: {rounds} pairs, detected {:.1} %",
            noise * 100.0,
            100.0 * tally.detection_rate()
        );
        assert!(tally.detection_rate() >= 0.95, "noise {noise}: {tally:?}");
    }
}

#[test]
fn a_lone_change_in_a_suite_is_found_with_the_suite_wide_plan() {
    let settings = Settings::default();
    let series = 10;
    let rounds = settings.pairs_needed(0.03, 1.02, series).unwrap();
    let mut effects = vec![1.0; series];
    effects[3] = 1.02;
    effects[7] = 1.0 / 1.02;
    let tally = run(30, Machine::noisy(0.03), 100, rounds, &effects);
    println!(
        "suite of {series}, one 2 % slower and one 2 % faster at 3 % noise: {rounds} pairs, \
         detected {:.1} %, false alarms {:.2} % of {}",
        100.0 * tally.detection_rate(),
        100.0 * tally.false_alarm_rate(),
        tally.nulls
    );
    assert!(tally.detection_rate() >= 0.95, "{tally:?}");
    assert!(tally.false_alarm_rate() <= 0.01, "{tally:?}");
}
