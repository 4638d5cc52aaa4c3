//! The catalogue: every workload this binary runs, in the order `list` prints them. A
//! workload is one file exporting a `WORKLOAD` constant (its name, variants, parameter
//! defaults and `run` function); adding one means adding its file and a line here.

pub mod actors;
pub mod alloc;
pub mod echo;
pub mod membw;
pub mod noop;
pub mod pingpong;
pub mod sleepers;
pub mod spawn;
pub mod sum;

use crate::contract::Workload;

pub const CATALOGUE: &[Workload] = &[
    noop::WORKLOAD,
    membw::WORKLOAD,
    sum::WORKLOAD,
    spawn::WORKLOAD,
    alloc::WORKLOAD,
    pingpong::WORKLOAD,
    sleepers::WORKLOAD,
    actors::WORKLOAD,
    echo::WORKLOAD,
];

#[cfg(test)]
pub mod tests {
    //! Helpers that run a workload in-process the way `main` does, at tiny sizes, one
    //! sample and no warm-up, so checksum tests stay fast and never depend on timing.

    use super::CATALOGUE;
    use crate::contract::{self, Command, Failure, Report};

    /// Runs `workload --variant variant --samples 1 --warmup 0` with the given
    /// parameters (`size` becomes `--size`).
    pub fn try_run(
        workload: &str,
        variant: &str,
        params: &[(&str, u64)],
    ) -> Result<Report, Failure> {
        let mut args: Vec<String> = vec![
            workload.into(),
            "--variant".into(),
            variant.into(),
            "--samples".into(),
            "1".into(),
            "--warmup".into(),
            "0".into(),
        ];
        for (key, value) in params {
            if *key == "size" {
                args.extend(["--size".to_string(), value.to_string()]);
            } else {
                args.extend(["--param".to_string(), format!("{key}={value}")]);
            }
        }
        try_run_args(&args)
    }

    /// Runs a whole command line (everything after `versus-rs`, split at spaces), for
    /// tests of flags beyond the parameters.
    pub fn try_run_line(line: &str) -> Result<Report, Failure> {
        let args: Vec<String> = line.split_whitespace().map(String::from).collect();
        try_run_args(&args)
    }

    fn try_run_args(args: &[String]) -> Result<Report, Failure> {
        let Command::Run(invocation) = contract::parse(args, CATALOGUE)? else {
            panic!("{args:?} is not a run");
        };
        let workload = CATALOGUE
            .iter()
            .find(|w| w.name == invocation.workload)
            .unwrap();
        let mut report = Report::new(&invocation);
        (workload.run)(&invocation, &mut report)?;
        Ok(report)
    }

    /// Like [`try_run`], for a run that must succeed with one sample.
    pub fn run_quietly(workload: &str, variant: &str, params: &[(&str, u64)]) -> Report {
        let report = try_run(workload, variant, params)
            .unwrap_or_else(|failure| panic!("{workload} {variant}: {failure:?}"));
        assert_eq!(report.samples.len(), 1, "{workload} {variant}");
        assert_eq!(report.skipped, None);
        report
    }

    #[test]
    fn every_workload_has_a_unique_name_variants_and_size_first() {
        let mut names: Vec<&str> = CATALOGUE.iter().map(|w| w.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len());
        for workload in CATALOGUE {
            assert!(!workload.variants.is_empty(), "{}", workload.name);
            for variant in workload.variants {
                let defaults = (workload.defaults)(variant);
                assert_eq!(defaults[0].0, "size", "{} {variant}", workload.name);
            }
        }
    }
}
