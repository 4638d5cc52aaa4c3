//! The trial shape of a series, chosen from its pilot: how many measured samples each
//! trial process takes. What a paired measurement can tell in a given time is its
//! noise per second, `s²·t` (the paired variance of the trials' log-medians times the
//! seconds of a pair), and the shape moves both factors: more samples per trial average
//! away the noise *within* a process but not the process's own luck (code and heap
//! placement, the collector's pacing), and cost their time on top of the process's
//! fixed cost (start, input, page faults).
//!
//! This is the classic two-stage allocation (primary units: processes; secondary:
//! samples). From the pilot, in the catalogue's shape of `k₀` samples after `w`
//! warm-ups:
//! - `σ²_w`, the variance of ln(sample) within a trial, pooled over the trials, from
//!   the median distance of the samples from their trial's median (robust, as the
//!   trial's summary is);
//! - `σ²_p`, the process's own variance: half the paired variance of the log-ratios,
//!   less the share of within-trial noise a median of `k₀` samples keeps,
//!   `c(k₀)·σ²_w/k₀` (`c` = 1 for one or two samples, π/2 for a median of more);
//! - `t_s`, the median sample's seconds, and `t₀`, a trial's fixed seconds: its wall
//!   time less its `w + k₀` samples, plus the runner's cost per trial.
//!
//! A shape of `k` samples then has `s²(k) = 2·(σ²_p + c(k)·σ²_w/k)` and a pair costs
//! `2·(t₀ + (w + k)·t_s)`; the shape with the smallest product is chosen, and kept
//! only if it buys at least [`WORTH`] times the catalogue's shape, since a series
//! measured in another shape is another series (`compare` keeps them apart). The
//! warm-up stays the catalogue's: the workloads do not report their warm-up samples,
//! so a pilot cannot tell what dropping it would cost.

use crate::measure::catalogue::Sampling;

/// The gain in measurement per second a new shape must promise to replace the
/// catalogue's: a noisy pilot's estimate of it is rough, and a change of shape makes
/// the series incomparable with those measured in the catalogue's.
pub const WORTH: f64 = 1.5;

/// Samples per trial a chosen shape may have: one, up to four times the catalogue's
/// (at most 50), so that a trial stays well inside its time limit.
const CANDIDATES: [u32; 9] = [1, 2, 3, 5, 8, 10, 15, 20, 50];

/// One pilot trial: its samples (ns each) and its wall time (ns).
#[derive(Debug, Clone, Copy)]
pub struct PilotTrial<'a> {
    pub samples: &'a [u64],
    pub wall_ns: u64,
}

/// A shape the pilot chose, and why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShapeChoice {
    pub sampling: Sampling,
    /// How many times more the chosen shape measures per second than the catalogue's,
    /// by the model.
    pub gain: f64,
    /// The model's process and within-trial standard deviations (of ln time), and
    /// the seconds of a trial's fixed cost and of one sample.
    pub process_sd: f64,
    pub within_sd: f64,
    pub fixed_seconds: f64,
    pub sample_seconds: f64,
}

/// The shape for a series whose pilot ran in `current` with these trials (both arms)
/// and whose paired log-ratios have standard deviation `paired_sd`; `None` to keep
/// `current` (too few trials or samples to tell, or no shape worth the change).
pub fn choose(
    trials: &[PilotTrial],
    paired_sd: f64,
    current: Sampling,
    overhead_seconds: f64,
) -> Option<ShapeChoice> {
    let k0 = current.samples;
    if k0 < 2 || trials.len() < 4 || !(paired_sd.is_finite() && paired_sd > 0.0) {
        return None;
    }
    // Within-trial spread of ln(sample), robust and pooled: 1.4826 × the median of
    // every sample's distance from its own trial's median (a trial is summarised by its
    // median, which a far-out sample barely moves, so neither does this).
    let mut deviations = Vec::new();
    let mut sample_seconds = Vec::new();
    for trial in trials {
        let mut logs: Vec<f64> = trial
            .samples
            .iter()
            .filter(|&&ns| ns > 0)
            .map(|&ns| (ns as f64).ln())
            .collect();
        if logs.len() < 2 {
            continue;
        }
        let center = median(&mut logs);
        deviations.extend(logs.iter().map(|l| (l - center).abs()));
        sample_seconds.extend(trial.samples.iter().map(|&ns| ns as f64 / 1e9));
    }
    if deviations.len() < 8 {
        return None;
    }
    // A median of k samples has k − 1 free distances, not k: correct the pooled scale.
    let per_trial = k0 as f64;
    let within = (1.4826 * median(&mut deviations)).powi(2) * per_trial / (per_trial - 1.0);
    let sample = median(&mut sample_seconds);
    let mut fixed: Vec<f64> = trials
        .iter()
        .map(|t| (t.wall_ns as f64 / 1e9 - (current.warmup + k0) as f64 * sample).max(0.0))
        .collect();
    let fixed = median(&mut fixed) + overhead_seconds.max(0.0);
    let process = (paired_sd.powi(2) / 2.0 - keep(k0) * within / k0 as f64).max(0.0);
    let per_second = |k: u32| {
        let variance = 2.0 * (process + keep(k) * within / k as f64);
        let pair = 2.0 * (fixed + (current.warmup + k) as f64 * sample);
        variance * pair
    };
    let now = per_second(k0);
    let limit = (4 * k0).min(50);
    let (best, cost) = CANDIDATES
        .iter()
        .copied()
        .filter(|&k| k <= limit)
        .map(|k| (k, per_second(k)))
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    let gain = now / cost;
    (best != k0 && gain >= WORTH).then_some(ShapeChoice {
        sampling: Sampling {
            samples: best,
            warmup: current.warmup,
        },
        gain,
        process_sd: process.sqrt(),
        within_sd: within.sqrt(),
        fixed_seconds: fixed,
        sample_seconds: sample,
    })
}

/// The share of the within-trial variance the median of `k` samples keeps, times k:
/// the mean's for one or two (the median of two is their mean), π/2 beyond.
fn keep(k: u32) -> f64 {
    if k <= 2 {
        1.0
    } else {
        std::f64::consts::FRAC_PI_2
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic normal-ish stream (sum of uniforms) for simulated pilots.
    struct Noise(u64);

    impl Noise {
        fn uniform(&mut self) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }

        fn normal(&mut self) -> f64 {
            (0..12).map(|_| self.uniform()).sum::<f64>() - 6.0
        }
    }

    /// Simulated pilot trials of a series: each process has its own level (sd
    /// `process` in ln), each sample its own noise (sd `within`), samples of
    /// `sample_s` seconds, a fixed cost of `fixed_s` per process; `pairs` pairs in the
    /// shape `current`. Returns the trials and the paired sd of their log-medians.
    fn simulate(
        pairs: usize,
        process: f64,
        within: f64,
        sample_s: f64,
        fixed_s: f64,
        current: Sampling,
    ) -> (Vec<Vec<u64>>, Vec<u64>, f64) {
        let mut noise = Noise(0x9e3779b97f4a7c15);
        let (mut samples, mut walls, mut log_medians) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..2 * pairs {
            let level = process * noise.normal();
            let trial: Vec<u64> = (0..current.samples)
                .map(|_| (sample_s * 1e9 * (level + within * noise.normal()).exp()) as u64)
                .collect();
            let mut sorted: Vec<f64> = trial.iter().map(|&ns| (ns as f64).ln()).collect();
            log_medians.push(median(&mut sorted));
            let measured: u64 = trial.iter().sum();
            walls.push(
                (fixed_s * 1e9) as u64
                    + measured * (current.warmup + current.samples) as u64 / current.samples as u64,
            );
            samples.push(trial);
        }
        let ratios: Vec<f64> = log_medians.chunks(2).map(|p| p[1] - p[0]).collect();
        let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
        let sd = (ratios.iter().map(|r| (r - mean).powi(2)).sum::<f64>()
            / (ratios.len() - 1) as f64)
            .sqrt();
        (samples, walls, sd)
    }

    fn chosen(
        pairs: usize,
        process: f64,
        within: f64,
        sample_s: f64,
        fixed_s: f64,
    ) -> Option<ShapeChoice> {
        let current = Sampling {
            samples: 5,
            warmup: 1,
        };
        let (samples, walls, sd) = simulate(pairs, process, within, sample_s, fixed_s, current);
        let trials: Vec<PilotTrial> = samples
            .iter()
            .zip(&walls)
            .map(|(samples, &wall_ns)| PilotTrial { samples, wall_ns })
            .collect();
        choose(&trials, sd, current, 0.002)
    }

    #[test]
    fn a_series_whose_noise_is_the_process_s_gets_one_sample_per_trial() {
        // Go alloc/heap at its quick size: the collector's pacing makes each process
        // fast or slow (25 % between processes, little within), 30 ms samples, 17 ms of
        // fixed cost.
        let choice = chosen(8, 0.25, 0.05, 0.030, 0.017).expect("a new shape");
        assert_eq!(choice.sampling.samples, 1, "{choice:?}");
        assert_eq!(choice.sampling.warmup, 1);
        assert!(choice.gain > 2.0, "{choice:?}");
    }

    #[test]
    fn a_series_whose_noise_is_the_samples_and_whose_process_is_dear_gets_more() {
        // Rust sum/scalar at its quick size: filling the input costs far more than a
        // sample (20 ms against 0.3 ms), and the samples, not the processes, are noisy.
        let choice = chosen(8, 0.01, 0.15, 0.0003, 0.020).expect("a new shape");
        assert!(choice.sampling.samples > 5, "{choice:?}");
        assert!(choice.gain >= WORTH, "{choice:?}");
    }

    #[test]
    fn a_far_out_sample_in_every_trial_does_not_pass_for_noise_within() {
        // Process-dominated as Go alloc/heap, but each trial's second sample took three
        // times as long (a collection, a page-fault storm): its median does not care,
        // so neither may the shape.
        let current = Sampling {
            samples: 5,
            warmup: 1,
        };
        let (mut samples, walls, sd) = simulate(8, 0.25, 0.05, 0.030, 0.017, current);
        for trial in &mut samples {
            trial[1] *= 3;
        }
        let trials: Vec<PilotTrial> = samples
            .iter()
            .zip(&walls)
            .map(|(samples, &wall_ns)| PilotTrial { samples, wall_ns })
            .collect();
        let choice = choose(&trials, sd, current, 0.002).expect("a new shape");
        assert_eq!(choice.sampling.samples, 1, "{choice:?}");
        assert!(choice.within_sd < 0.1, "{choice:?}");
    }

    #[test]
    fn a_balanced_series_keeps_the_catalogue_s_shape() {
        // Process and sample noise alike and a fixed cost of about one sample: no
        // shape is worth being another series for.
        assert_eq!(chosen(8, 0.03, 0.05, 0.010, 0.010), None);
    }

    #[test]
    fn too_little_pilot_keeps_the_shape() {
        let current = Sampling {
            samples: 5,
            warmup: 1,
        };
        let one = [PilotTrial {
            samples: &[100, 110, 120],
            wall_ns: 1_000,
        }];
        assert_eq!(choose(&one, 0.2, current, 0.0), None);
        let single = [PilotTrial {
            samples: &[100],
            wall_ns: 1_000,
        }; 8];
        assert_eq!(
            choose(
                &single,
                0.2,
                Sampling {
                    samples: 1,
                    warmup: 0
                },
                0.0
            ),
            None
        );
        assert_eq!(choose(&[one[0]; 8], f64::NAN, current, 0.0), None);
    }
}
