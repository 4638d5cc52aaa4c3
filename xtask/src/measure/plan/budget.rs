//! A whole-suite time budget for a paired measurement (`ab --budget 20m`): how many
//! pairs each series gets so that all detect the same smallest change, as small as the
//! budget allows; and the durations the command line writes it in.

use crate::analyse::stats;

/// A duration on the command line, in seconds: `20m`, `90s`, `1h30m`, or a number of
/// seconds.
pub fn parse_duration(text: &str) -> Result<f64, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return (seconds.is_finite() && seconds > 0.0)
            .then_some(seconds)
            .ok_or_else(|| format!("{text:?} is not a positive number of seconds"));
    }
    let (mut total, mut number) = (0.0, String::new());
    for c in text.chars() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600.0,
            'm' => 60.0,
            's' => 1.0,
            _ => return Err(format!("{text:?}: a duration is like 20m, 90s or 1h30m")),
        };
        let value: f64 = number
            .parse()
            .map_err(|_| format!("{text:?}: a number must come before {c:?}"))?;
        total += value * unit;
        number.clear();
    }
    if !number.is_empty() || total <= 0.0 {
        return Err(format!(
            "{text:?}: a duration is like 20m, 90s or 1h30m (each number with its unit)"
        ));
    }
    Ok(total)
}

/// Pairs per series for a whole-suite budget of `budget_seconds`: the smallest change
/// that every series with a known noise detects alike (with `detection`'s power), such
/// that the pairs it needs, at each series' seconds per pair, fit the budget; each
/// series gets at least `minimum` (its pilot). Equalising the detectable change rather
/// than the pair counts sends the time to the noisy series, in proportion to their
/// variance, and away from quiet ones that would detect far less than the rest. A
/// series of unknown noise gets `minimum`. `items` are (noise, seconds per pair).
pub fn budget_pairs(
    items: &[(Option<f64>, f64)],
    budget_seconds: f64,
    minimum: u32,
    detection: &stats::Detection,
) -> Vec<u32> {
    let floor = vec![minimum; items.len()];
    let time = |pairs: &[u32]| -> f64 {
        pairs
            .iter()
            .zip(items)
            .map(|(&n, (_, seconds))| n as f64 * seconds)
            .sum()
    };
    // The pairs that detect a change of `ln_change` in every series, `None` when some
    // series cannot at all (the change is not beyond the threshold).
    let pairs_for = |ln_change: f64| -> Option<Vec<u32>> {
        items
            .iter()
            .map(|(noise, _)| match noise {
                Some(noise) => detection
                    .pairs_needed(*noise, ln_change.exp())
                    .map(|n| (n as u32).max(minimum)),
                None => Some(minimum),
            })
            .collect()
    };
    let fits = |ln_change: f64| pairs_for(ln_change).filter(|p| time(p) <= budget_seconds);
    // The detectable change falls as pairs are added: bisect for the smallest that fits.
    let (mut low, mut high) = (detection.threshold_log, 1.0f64);
    if fits(high).is_none() {
        return floor;
    }
    for _ in 0..50 {
        let middle = (low + high) / 2.0;
        if fits(middle).is_some() {
            high = middle;
        } else {
            low = middle;
        }
    }
    fits(high).unwrap_or(floor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::compare;

    /// The suite's detection at 40 comparisons, as `ab` plans it.
    fn detection() -> stats::Detection {
        compare::Settings::default().detection(40)
    }

    /// Infinite where the pairs cannot reach significance at all.
    fn detectable(noise: f64, pairs: u32) -> f64 {
        detection()
            .paired(noise, pairs as usize)
            .unwrap_or(f64::INFINITY)
    }

    #[test]
    fn a_budget_equalises_the_detectable_change_and_is_not_exceeded() {
        // Known noise (sd of ln ratio) and seconds per pair, from quiet and fast to
        // noisy and slow.
        let items = [
            (Some(0.004), 0.5),
            (Some(0.01), 1.0),
            (Some(0.02), 0.2),
            (Some(0.04), 2.0),
            (Some(0.015), 0.8),
        ];
        let budget = 1200.0;
        let pairs = budget_pairs(&items, budget, 4, &detection());
        let time: f64 = pairs
            .iter()
            .zip(&items)
            .map(|(n, (_, s))| *n as f64 * s)
            .sum();
        assert!(time <= budget, "{pairs:?} take {time} s");
        assert!(
            time > 0.9 * budget,
            "{pairs:?} leave most of the budget: {time} s"
        );
        let changes: Vec<f64> = pairs
            .iter()
            .zip(&items)
            .map(|(n, (noise, _))| detectable(noise.unwrap(), *n))
            .collect();
        let (low, high) = changes
            .iter()
            .fold((f64::MAX, 0.0f64), |(l, h), c| (l.min(*c), h.max(*c)));
        // Alike: each series has the fewest pairs that detect the common change, so
        // one pair fewer would detect less than the worst of them (the quietest series
        // may detect more, from the minimum or the small-sample sign rule).
        for ((n, (noise, _)), change) in pairs.iter().zip(&items).zip(&changes) {
            assert!(*change <= high);
            if *n > 4 {
                assert!(
                    detectable(noise.unwrap(), n - 1) > high * 0.999,
                    "{changes:?} from {pairs:?}"
                );
            }
        }
        let middle: Vec<f64> = changes[1..].to_vec();
        let spread = middle.iter().cloned().fold(0.0f64, f64::max)
            / middle.iter().cloned().fold(f64::MAX, f64::min);
        assert!(spread < 1.01, "{changes:?} from {pairs:?}");
        // The same time spread as equal pairs would leave the noisiest series behind:
        // the equalised plan's worst is better (by less than the noise ratios suggest,
        // as every detectable change lies beyond the verdict's threshold).
        let total_seconds: f64 = items.iter().map(|(_, s)| s).sum();
        let equal = (budget / total_seconds).floor() as u32;
        let worst_equal = items
            .iter()
            .map(|(noise, _)| detectable(noise.unwrap(), equal))
            .fold(0.0f64, f64::max);
        assert!(high < 0.95 * worst_equal, "{high} vs {worst_equal} ({low})");
    }

    #[test]
    fn a_budget_the_pilot_already_spent_and_an_unknown_noise_get_the_minimum() {
        let items = [(Some(0.01), 10.0), (None, 1.0), (Some(0.02), 10.0)];
        assert_eq!(budget_pairs(&items, 30.0, 4, &detection()), [4, 4, 4]);
        let pairs = budget_pairs(&items, 3000.0, 4, &detection());
        assert_eq!(pairs[1], 4, "unknown noise: {pairs:?}");
        // Twice the noise, four times the pairs (to the rounding of the search).
        let ratio = pairs[2] as f64 / pairs[0] as f64;
        assert!((3.6..4.4).contains(&ratio), "{pairs:?}");
    }

    #[test]
    fn durations_are_written_with_their_units_or_as_seconds() {
        assert_eq!(parse_duration("20m"), Ok(1200.0));
        assert_eq!(parse_duration("1h30m"), Ok(5400.0));
        assert_eq!(parse_duration("90s"), Ok(90.0));
        assert_eq!(parse_duration("45"), Ok(45.0));
        for bad in ["", "0", "-5", "m", "20x", "1h30", "NaN"] {
            let error = parse_duration(bad).expect_err(bad);
            assert!(error.contains(&format!("{bad:?}")), "{bad}: {error}");
        }
    }
}
