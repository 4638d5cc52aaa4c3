//! Instruction counts of the trials a call of `run_rounds` ran, taken after its timed
//! rounds.
//!
//! Counting waits until every timed trial has run, since a counted process keeps a CPU
//! busy and would disturb the time of a trial beside it; then the counts run on every
//! CPU at once, because a count of instructions does not depend on the machine's load.
//! A count that fails is a warning: the trial's time stands.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use super::{workload_args, Jobs, Outcomes, TrialSettings};
use crate::measure::instructions;
use crate::measure::plan::Slot;
use crate::record::{InstructionCount, Status};

/// What a call of [`count_instructions`] did: the trials it counted and the wall time
/// it took, which a time budget has to hold as well as the timed rounds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counting {
    /// Trials whose count was attempted.
    pub trials: usize,
    pub seconds: f64,
}

impl Counting {
    /// Wall seconds per counted trial, with the counts running side by side as here.
    pub fn seconds_per_trial(&self) -> Option<f64> {
        (self.trials > 0).then(|| self.seconds / self.trials as f64)
    }
}

/// Counts the trials after `earlier[slot]` in each job's outcomes that are to be
/// counted: CPU-bound workloads, `ok`, in a counted round.
pub fn count_instructions(
    jobs: &Jobs,
    earlier: &BTreeMap<Slot, usize>,
    settings: &TrialSettings,
    outcomes: &mut Outcomes,
) -> Counting {
    let Some(counter) = &settings.instructions else {
        return Counting::default();
    };
    let wanted: Vec<(Slot, usize)> = jobs
        .slots()
        .filter(|&slot| jobs.get(slot).series.workload.counts_instructions)
        .flat_map(|slot| {
            let list = outcomes.of(slot);
            (earlier.get(&slot).copied().unwrap_or(0)..list.len())
                .filter(move |&at| {
                    let outcome = &list[at];
                    outcome.status == Status::Ok && outcome.trial.round < settings.counted_rounds
                })
                .map(move |at| (slot, at))
        })
        .collect();
    if wanted.is_empty() {
        return Counting::default();
    }
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(wanted.len());
    eprintln!(
        "counting the instructions of {} trials with {}, {workers} at a time",
        wanted.len(),
        counter.tool()
    );
    let started = Instant::now();
    // The samples of a job's counted run, once a first count has found them: later
    // counts of the job skip the pilot run.
    let samples: Mutex<BTreeMap<Slot, u32>> = Mutex::new(BTreeMap::new());
    let (next, done) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let rounds: Vec<u32> = wanted
        .iter()
        .map(|&(slot, at)| outcomes.of(slot)[at].trial.round)
        .collect();
    let counts: Mutex<Vec<Option<InstructionCount>>> = Mutex::new(vec![None; wanted.len()]);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let item = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(slot, _)) = wanted.get(item) else {
                    break;
                };
                let job = jobs.get(slot);
                let binary = settings
                    .counting_binaries
                    .get(&job.binary)
                    .unwrap_or(&job.binary);
                let known = samples
                    .lock()
                    .expect("no counter panicked")
                    .get(&slot)
                    .copied();
                match instructions::count_per_sample(
                    counter,
                    binary,
                    &workload_args(job),
                    settings.timeout_of(&job.series),
                    known,
                ) {
                    Ok((count, high)) => {
                        samples
                            .lock()
                            .expect("no counter panicked")
                            .entry(slot)
                            .or_insert(high);
                        let round = rounds[item];
                        eprintln!(
                            "[{}/{}] counted {} round {round}: {:.0} instructions per sample",
                            done.fetch_add(1, Ordering::Relaxed) + 1,
                            wanted.len(),
                            job.label(),
                            count.per_sample
                        );
                        counts.lock().expect("no counter panicked")[item] = Some(count);
                    }
                    Err(error) => eprintln!(
                        "[{}/{}] warning: {}: instructions not counted: {error:#}",
                        done.fetch_add(1, Ordering::Relaxed) + 1,
                        wanted.len(),
                        job.label()
                    ),
                }
            });
        }
    });
    let counts = counts.into_inner().expect("no counter panicked");
    let counted = counts.iter().flatten().count();
    eprintln!(
        "{counted} of {} trials counted in {:.1} s",
        wanted.len(),
        started.elapsed().as_secs_f64()
    );
    let counting = Counting {
        trials: wanted.len(),
        seconds: started.elapsed().as_secs_f64(),
    };
    for ((slot, at), count) in wanted.into_iter().zip(counts) {
        outcomes.of_mut(slot)[at].trial.instructions = count;
    }
    counting
}
