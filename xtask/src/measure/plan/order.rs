//! The order trials run in: every round order of the harness, in one place.
//!
//! A measurement is a grid of jobs: each series in each of its arms (a plain run has one
//! arm; an A/B session two, base and head; a calibration A, A′ and each injected
//! slowdown). A round runs one trial of every series whose target is beyond it; the
//! series come in an order shuffled by a seeded generator, so that slow drift of a noisy
//! machine (thermal state, a neighbour's load) falls on every series alike instead of
//! on whichever ran last. A series' arms run back to back: on a machine whose slow
//! phases last longer than a trial, only adjacent trials share them, and paired
//! comparison needs its pairs to share them. The seed is recorded in the run record:
//! the same seed and the same grid give the same order.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// One trial to run: series `series` (an index into the measurement's series) in arm
/// `arm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot {
    pub series: usize,
    pub arm: usize,
}

/// The slots of one round, in the order they run.
pub type Round = Vec<Slot>;

/// How a series' arms are ordered within a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArmOrder {
    /// ABBA, for two arms: arm 0 first in even rounds, arm 1 first in odd ones, so that
    /// neither side of an A/B session always runs second.
    Alternating,
    /// Shuffled afresh in every round (calibration's A, A′ and slowdowns).
    Shuffled,
}

/// Rounds `from..max(targets)` of a grid of `targets.len()` series in `arms` arms: each
/// round holds the series whose target is beyond it, shuffled, each with its arms back
/// to back in `arm_order`. Later rounds of the same measurement continue with `from`
/// where earlier ones stopped; their seed must differ, or they would repeat the order.
pub fn rounds(
    targets: &[u32],
    from: u32,
    arms: usize,
    arm_order: ArmOrder,
    seed: u64,
) -> Vec<Round> {
    let last = targets.iter().copied().max().unwrap_or(0);
    let count = last.saturating_sub(from);
    let series_orders = shuffles(targets.len(), count, seed);
    let arm_orders = shuffles(arms, count, seed ^ 0x00a5_a5a5_a5a5_a5a5);
    (from..last)
        .zip(series_orders.into_iter().zip(arm_orders))
        .map(|(round, (series_order, shuffled_arms))| {
            let arm_sequence: Vec<usize> = match arm_order {
                ArmOrder::Shuffled => shuffled_arms,
                ArmOrder::Alternating if round % 2 == 0 => (0..arms).collect(),
                ArmOrder::Alternating => (0..arms).rev().collect(),
            };
            series_order
                .into_iter()
                .filter(|&series| targets[series] > round)
                .flat_map(|series| arm_sequence.iter().map(move |&arm| Slot { series, arm }))
                .collect()
        })
        .collect()
}

/// `rounds` rounds of every one of `series` series, in one arm: a plain run.
pub fn interleave(series: usize, rounds_count: u32, seed: u64) -> Vec<Round> {
    rounds(&vec![rounds_count; series], 0, 1, ArmOrder::Shuffled, seed)
}

/// `rounds` permutations of `0..n`, one per round, from one seeded generator.
fn shuffles(n: usize, rounds: u32, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..rounds)
        .map(|_| {
            let mut order: Vec<usize> = (0..n).collect();
            order.shuffle(&mut rng);
            order
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series_of(round: &Round) -> Vec<usize> {
        round.iter().map(|slot| slot.series).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_order() {
        // Pinned: a change of generator or shuffle algorithm would make recorded seeds
        // replay a different order, so it must show up here.
        assert_eq!(interleave(5, 3, 42), interleave(5, 3, 42));
        let orders: Vec<Vec<usize>> = interleave(5, 3, 42).iter().map(series_of).collect();
        assert_eq!(
            orders,
            [[2, 1, 0, 4, 3], [0, 4, 2, 3, 1], [4, 2, 0, 1, 3]],
            "the recorded seeds of earlier runs replay this order"
        );
    }

    #[test]
    fn every_round_runs_every_series_once() {
        for round in interleave(17, 10, 7) {
            let mut sorted = series_of(&round);
            sorted.sort_unstable();
            assert_eq!(sorted, (0..17).collect::<Vec<_>>());
            assert!(round.iter().all(|slot| slot.arm == 0));
        }
        assert_ne!(
            interleave(17, 1, 1),
            interleave(17, 1, 2),
            "the seed changes the order"
        );
    }

    #[test]
    fn abba_alternates_which_side_runs_first_and_stops_series_at_their_targets() {
        let order = rounds(&[4, 2], 0, 2, ArmOrder::Alternating, 9);
        assert_eq!(order.len(), 4);
        for (round, slots) in order.iter().enumerate() {
            let expected_series = if round < 2 { 2 } else { 1 };
            assert_eq!(slots.len(), 2 * expected_series, "round {round}: {slots:?}");
            for pair in slots.chunks(2) {
                assert_eq!(
                    pair[0].series, pair[1].series,
                    "a series' two arms run back to back"
                );
                let base_first = pair[0].arm == 0;
                assert_eq!(base_first, round % 2 == 0, "ABBA: round {round}: {pair:?}");
            }
        }
        assert!(order[2].iter().chain(&order[3]).all(|s| s.series == 0));
        // Later rounds continue from where the pilot stopped.
        let more = rounds(&[4, 2], 2, 2, ArmOrder::Alternating, 9);
        assert_eq!(more.len(), 2);
        let slot = |series, arm| Slot { series, arm };
        assert_eq!(
            more[0],
            [slot(0, 0), slot(0, 1)],
            "round 2 is even: base first, series 0 only"
        );
        assert_eq!(
            more[1],
            [slot(0, 1), slot(0, 0)],
            "round 3 is odd: head first"
        );
    }

    #[test]
    fn series_with_fewer_pairs_leave_the_later_rounds() {
        let order = rounds(&[7, 3], 2, 2, ArmOrder::Shuffled, 5);
        assert_eq!(order.len(), 5, "rounds 2..7");
        for (offset, round) in order.iter().enumerate() {
            let mut slots = round.clone();
            slots.sort_unstable();
            let expected: Vec<usize> = if offset < 1 {
                vec![0, 0, 1, 1]
            } else {
                vec![0, 0]
            };
            assert_eq!(series_of(&slots), expected, "round {}", offset + 2);
        }
    }

    #[test]
    fn each_series_runs_its_arms_back_to_back() {
        let order = rounds(&[4, 4, 4], 0, 5, ArmOrder::Shuffled, 11);
        assert_eq!(order.len(), 4);
        for round in &order {
            let mut sorted = round.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), 15, "every slot once per round");
            for block in round.chunks(5) {
                assert!(
                    block.iter().all(|s| s.series == block[0].series),
                    "{round:?}"
                );
            }
        }
        assert_ne!(
            order[0][..5],
            order[1][..5],
            "orders change from round to round"
        );
    }
}
