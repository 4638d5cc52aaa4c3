//! Reading an instruction count out of what `perf stat -x,` and Valgrind's cachegrind
//! print on stderr.
//!
//! Both tools share stderr with the workload, whose diagnostics may be any text, so each
//! parser looks only for the one line shape its tool writes and ignores everything else.
//! These are pure functions over captured text, so the tests need neither tool.

use anyhow::{bail, Context, Result};

/// The perf event counted: instructions retired in user space only. Kernel work (page
/// faults while filling the input, system calls) varies with the machine's state, not
/// with the workload's code.
pub const PERF_EVENT: &str = "instructions:u";

/// The count perf printed for [`PERF_EVENT`] in its `-x,` CSV format.
///
/// perf-stat(1), "CSV format": the fields are (without `-I`, `-a` or `--per-*`)
/// counter value, unit, event name, run time of the counter, percentage of the
/// measurement time it ran, then optional variance, metric value and metric unit. A
/// machine without the counter prints `<not supported>` as the value; a counter that
/// never ran prints `<not counted>`. On a hybrid CPU perf prints one line per core type
/// (`cpu_core/instructions:u/`, `cpu_atom/instructions:u/`), and the process's count is
/// their sum.
pub fn perf_instructions(stderr: &str) -> Result<u64> {
    let mut total: Option<u64> = None;
    let mut unavailable = Vec::new();
    for line in stderr.lines() {
        let fields: Vec<&str> = line.split(',').collect();
        let [value, _unit, event, ..] = fields[..] else {
            continue;
        };
        if !is_instruction_event(event) {
            continue;
        }
        if value.starts_with('<') {
            // `<not counted>` on one core type of a hybrid CPU is that type's zero.
            unavailable.push(format!("{value} for {event}"));
            continue;
        }
        let count: u64 = value
            .trim()
            .parse()
            .with_context(|| format!("perf printed {value:?} as the count of {event}"))?;
        total = Some(total.unwrap_or(0) + count);
    }
    match total {
        Some(count) => Ok(count),
        None if !unavailable.is_empty() => bail!(
            "perf could not count: {} (this machine does not expose the counter to this \
             process)",
            unavailable.join(", ")
        ),
        None => bail!("perf printed no {PERF_EVENT} line"),
    }
}

fn is_instruction_event(event: &str) -> bool {
    event == PERF_EVENT
        || event
            .strip_suffix(&format!("/{PERF_EVENT}/"))
            .is_some_and(|pmu| !pmu.is_empty() && !pmu.contains('/'))
}

/// The total of instructions executed (`I refs`) that cachegrind prints when the
/// program ends: `==1234== I   refs:      4,142,038`.
///
/// The last such line counts: it is the summary of the process valgrind started (with
/// `--trace-children=no`, the default, there is only one).
pub fn cachegrind_instructions(stderr: &str) -> Result<u64> {
    let found = stderr.lines().rev().find_map(|line| {
        let rest = strip_pid_prefix(line)?.trim_start();
        let rest = rest.strip_prefix('I')?.trim_start();
        let digits = rest.strip_prefix("refs:")?.trim();
        Some(digits)
    });
    let Some(digits) = found else {
        bail!("valgrind printed no `I refs:` summary");
    };
    let count: String = digits.chars().filter(|c| *c != ',').collect();
    count
        .parse()
        .with_context(|| format!("valgrind printed {digits:?} as `I refs`"))
}

/// The rest of a line that valgrind itself wrote, `==PID== ...`; None for a line of the
/// program's own stderr.
fn strip_pid_prefix(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("==")?;
    let end = rest.find("==")?;
    if end == 0 || !rest[..end].bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(&rest[end + 2..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured on the development VM: `valgrind --tool=cachegrind --cache-sim=no
    /// --cachegrind-out-file=/dev/null versus-rs sum --variant iter --size 1000000
    /// --samples 1 --warmup 0` (Valgrind 3.19.0).
    const CACHEGRIND_RUST_SUM: &str = "\
==17169== Cachegrind, a cache and branch-prediction profiler
==17169== Copyright (C) 2002-2017, and GNU GPL'd, by Nicholas Nethercote et al.
==17169== Using Valgrind-3.19.0 and LibVEX; rerun with -h for copyright info
==17169== Command: target/versus/rust-1.95.0/versus-rs sum --variant iter --size 1000000 --samples 1 --warmup 0
==17169== 
--17169-- warning: L3 cache found, using its data for the LL simulation.
--17169-- warning: specified LL cache: line_size 64  assoc 1  total_size 335,544,320
--17169-- warning: simulated LL cache: line_size 64  assoc 1  total_size 268,435,456
==17169== 
==17169== I   refs:      4,142,038
";

    /// Captured likewise for a usage error of the Go binary: the workload's own
    /// diagnostic sits between valgrind's lines, and valgrind still prints its summary.
    const CACHEGRIND_GO_USAGE_ERROR: &str = "\
==17172== Cachegrind, a cache and branch-prediction profiler
==17172== Copyright (C) 2002-2017, and GNU GPL'd, by Nicholas Nethercote et al.
==17172== Using Valgrind-3.19.0 and LibVEX; rerun with -h for copyright info
==17172== Command: target/versus/go-1.26.8/versus-go sum --variant nope --size 1000 --samples 1 --warmup 0
==17172== 
--17172-- warning: L3 cache found, using its data for the LL simulation.
--17172-- warning: specified LL cache: line_size 64  assoc 1  total_size 335,544,320
--17172-- warning: simulated LL cache: line_size 64  assoc 1  total_size 268,435,456
versus-go sum: unknown variant \"nope\" (one of range, unrolled)
==17172== 
==17172== I   refs:      1,033,251
";

    #[test]
    fn cachegrind_summary_is_read_with_its_thousands_separators() {
        assert_eq!(
            cachegrind_instructions(CACHEGRIND_RUST_SUM).unwrap(),
            4_142_038
        );
        assert_eq!(
            cachegrind_instructions(CACHEGRIND_GO_USAGE_ERROR).unwrap(),
            1_033_251
        );
    }

    #[test]
    fn cachegrind_lines_the_workload_printed_are_not_taken_for_the_summary() {
        let stderr = "I refs: 5\n==x== I refs: 6\n====  I refs: 7\n";
        let error = cachegrind_instructions(stderr).unwrap_err();
        assert!(format!("{error:#}").contains("no `I refs:` summary"));
    }

    #[test]
    fn cachegrind_without_a_summary_says_so() {
        // Captured: valgrind's own message when the program does not exist.
        let stderr = "valgrind: /nonexistent: No such file or directory\n";
        let error = cachegrind_instructions(stderr).unwrap_err();
        assert!(format!("{error:#}").contains("no `I refs:` summary"));
        let garbled = "==1== I   refs:      12x,4\n";
        assert!(format!("{:#}", cachegrind_instructions(garbled).unwrap_err()).contains("12x,4"));
    }

    /// Captured on the development VM, whose hypervisor hides the counters:
    /// `perf stat -e instructions:u -x, true` (perf 6.1).
    const PERF_NOT_SUPPORTED: &str = "<not supported>,,instructions:u,0,100.00,,\n";

    /// Written by hand from perf-stat(1)'s CSV format, as perf 6.1 prints it for a
    /// machine with counters when only this event is asked for: value, empty unit,
    /// event, counter run time in ns, percentage running, empty metric fields. The
    /// workload's own stdout/stderr lines around it are what a real trial adds.
    const PERF_COUNTED: &str = "\
versus-rs sum: some diagnostic, with a comma
1750431207,,instructions:u,1203411871,100.00,,
";

    /// A hybrid CPU (perf 6.1 on an Alder Lake laptop prints one line per core type),
    /// also by hand from the same format.
    const PERF_HYBRID: &str = "\
6403,,cpu_atom/instructions:u/,20184,3.00,,
1744027780,,cpu_core/instructions:u/,652911010,97.00,,
";

    #[test]
    fn perf_count_is_the_value_field_of_the_instruction_line() {
        assert_eq!(perf_instructions(PERF_COUNTED).unwrap(), 1_750_431_207);
    }

    #[test]
    fn perf_counts_of_both_core_types_of_a_hybrid_cpu_add_up() {
        assert_eq!(perf_instructions(PERF_HYBRID).unwrap(), 1_744_034_183);
        let atom_idle = "<not counted>,,cpu_atom/instructions:u/,0,0.00,,\n\
                         99,,cpu_core/instructions:u/,10,100.00,,\n";
        assert_eq!(perf_instructions(atom_idle).unwrap(), 99);
    }

    #[test]
    fn perf_without_the_counter_says_the_machine_does_not_expose_it() {
        let message = format!("{:#}", perf_instructions(PERF_NOT_SUPPORTED).unwrap_err());
        assert!(
            message.contains("<not supported> for instructions:u"),
            "{message}"
        );
        assert!(message.contains("does not expose"), "{message}");
    }

    #[test]
    fn perf_output_without_the_event_is_an_error() {
        let other_event = "123,,cycles:u,10,100.00,,\n";
        assert!(format!("{:#}", perf_instructions(other_event).unwrap_err())
            .contains("no instructions:u line"));
        assert!(perf_instructions("").is_err());
        let not_a_number = "12.5k,,instructions:u,10,100.00,,\n";
        assert!(
            format!("{:#}", perf_instructions(not_a_number).unwrap_err()).contains("\"12.5k\"")
        );
    }
}
