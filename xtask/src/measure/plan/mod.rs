//! What a measurement runs, in which order, and how many times: the series selected
//! from the catalogue (here), the round orders (`order`) and the pairs an A/B session
//! or a calibration plans from its pilot (`pairs`), within a whole-suite time budget
//! where one is given (`budget`).

use std::collections::BTreeMap;

use anyhow::{bail, Result};

use crate::measure::catalogue::{self, Lang, Sampling, Workload};
use crate::record::summary::series_label;

mod budget;
mod order;
mod pairs;
mod shape;

pub use budget::parse_duration;
pub use order::{interleave, rounds, ArmOrder, Round, Slot};
pub use pairs::{comparisons, plan_pairs, PairPlan, PairPlanning};
pub use shape::{choose as choose_shape, PilotTrial};

/// One thing measured: a workload variant in one language, built by one toolchain, at
/// one set of parameters.
#[derive(Debug, Clone)]
pub struct Series {
    pub workload: &'static Workload,
    pub variant: &'static str,
    pub lang: Lang,
    pub toolchain: String,
    pub params: BTreeMap<String, u64>,
}

impl Series {
    /// A short name for logs and errors: `pingpong/tokio-multi rust-1.95.0 buffer=1 size=10000`.
    pub fn label(&self) -> String {
        series_label(
            self.workload.name,
            self.variant,
            &self.toolchain,
            &self.params,
        )
    }
}

/// Which series to run: the `--only`, `--variants` and `--sizes` filters of `run`.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Workload names; empty means every workload that is not a harness reference.
    pub only: Vec<String>,
    /// Variant names, or `lang:variant`; empty means all.
    pub variants: Vec<String>,
    /// Values of `size`; empty means all sizes of the chosen scale.
    pub sizes: Vec<u64>,
    pub quick: bool,
}

/// A toolchain that a selection can pick series for: its pin id and its language.
#[derive(Debug, Clone)]
pub struct ToolchainId {
    pub id: String,
    pub lang: Lang,
}

/// Expands a selection over the catalogue and the built toolchains, in catalogue order.
pub fn select(selection: &Selection, toolchains: &[ToolchainId]) -> Result<Vec<Series>> {
    for name in &selection.only {
        if catalogue::find(name).is_none() {
            bail!(
                "unknown workload {name:?} in --only; the workloads are: {}",
                catalogue::names()
            );
        }
    }
    for name in &selection.variants {
        let (lang, variant) = match name.split_once(':') {
            Some((lang, variant)) => (Lang::parse(lang), variant),
            None => (None, name.as_str()),
        };
        let known = catalogue::WORKLOADS.iter().any(|w| {
            w.variants
                .iter()
                .any(|v| v.name == variant && lang.is_none_or(|lang| lang == v.lang))
        });
        if !known {
            bail!("unknown variant {name:?} in --variants; `cargo xtask list` shows every variant");
        }
    }
    let mut series = Vec::new();
    for workload in catalogue::WORKLOADS {
        let wanted = if selection.only.is_empty() {
            !workload.reference
        } else {
            selection.only.iter().any(|name| name == workload.name)
        };
        if !wanted {
            continue;
        }
        for size in workload.sizes(selection.quick) {
            let size_value = size.iter().find(|(k, _)| *k == "size").map(|(_, v)| *v);
            if !selection.sizes.is_empty()
                && !size_value.is_some_and(|s| selection.sizes.contains(&s))
            {
                continue;
            }
            for variant in workload.variants {
                if !variant_selected(&selection.variants, variant.lang, variant.name) {
                    continue;
                }
                for toolchain in toolchains.iter().filter(|t| t.lang == variant.lang) {
                    let params = size
                        .iter()
                        .chain(variant.params)
                        .map(|(k, v)| (k.to_string(), *v))
                        .collect();
                    series.push(Series {
                        workload,
                        variant: variant.name,
                        lang: variant.lang,
                        toolchain: toolchain.id.clone(),
                        params,
                    });
                }
            }
        }
    }
    if series.is_empty() {
        bail!(
            "the selection matches nothing: check --only, --variants and --sizes against \
             `cargo xtask list` (sizes differ between --quick and full runs)"
        );
    }
    Ok(series)
}

fn variant_selected(filters: &[String], lang: Lang, name: &str) -> bool {
    filters.is_empty()
        || filters.iter().any(|filter| match filter.split_once(':') {
            Some((filter_lang, filter_name)) => filter_lang == lang.as_str() && filter_name == name,
            None => filter == name,
        })
}

/// Samples and warm-up of a series: the catalogue's, unless the person set them.
pub fn sampling(
    series: &Series,
    quick: bool,
    samples: Option<u32>,
    warmup: Option<u32>,
) -> Sampling {
    let default = series.workload.sampling(quick);
    Sampling {
        samples: samples.unwrap_or(default.samples),
        warmup: warmup.unwrap_or(default.warmup),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toolchains() -> Vec<ToolchainId> {
        vec![
            ToolchainId {
                id: "rust-1.95.0".into(),
                lang: Lang::Rust,
            },
            ToolchainId {
                id: "go-1.26.8".into(),
                lang: Lang::Go,
            },
        ]
    }

    #[test]
    fn selection_filters_workloads_variants_and_sizes() {
        let selection = Selection {
            only: vec!["sum".into(), "pingpong".into()],
            variants: vec!["iter".into(), "go:buffered".into(), "tokio-multi".into()],
            sizes: vec![],
            quick: true,
        };
        let labels: Vec<String> = select(&selection, &toolchains())
            .unwrap()
            .iter()
            .map(Series::label)
            .collect();
        expect_test::expect![[r#"
            [
                "sum/iter rust-1.95.0 size=1000000",
                "pingpong/tokio-multi rust-1.95.0 buffer=1 size=10000",
                "pingpong/tokio-multi rust-1.95.0 buffer=4096 size=10000",
                "pingpong/buffered go-1.26.8 buffer=4096 size=10000",
            ]
        "#]]
        .assert_debug_eq(&labels);
    }

    #[test]
    fn full_sizes_can_be_narrowed() {
        let selection = Selection {
            only: vec!["spawn".into()],
            variants: vec!["goroutine".into()],
            sizes: vec![100_000],
            quick: false,
        };
        let series = select(&selection, &toolchains()).unwrap();
        assert_eq!(series.len(), 1);
        assert_eq!(series[0].params["size"], 100_000);
    }

    #[test]
    fn references_run_only_by_name() {
        let all = select(
            &Selection {
                quick: true,
                ..Selection::default()
            },
            &toolchains(),
        )
        .unwrap();
        assert!(all.iter().all(|s| !s.workload.reference));
        let noop = Selection {
            only: vec!["noop".into()],
            quick: true,
            ..Selection::default()
        };
        assert_eq!(select(&noop, &toolchains()).unwrap().len(), 2);
    }

    #[test]
    fn unknown_names_are_errors_that_list_the_choices() {
        let error = select(
            &Selection {
                only: vec!["sume".into()],
                ..Selection::default()
            },
            &toolchains(),
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("unknown workload \"sume\""),
            "{error}"
        );
        assert!(error.to_string().contains("spawn"), "{error}");
        let error = select(
            &Selection {
                variants: vec!["go:iter".into()],
                ..Selection::default()
            },
            &toolchains(),
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("unknown variant \"go:iter\""),
            "{error}"
        );
    }
}
