//! The published claims, checked against the history (`docs/claims.md`).
//!
//! - this module: the claims as data (`claims.toml` at the repository's root, compiled
//!   in), read strictly and checked for sense;
//! - `measure`: what one run record measured of each claim's tests, per toolchain
//!   pair: the two sides' values and the ratio with its 95 % interval, paired by round;
//! - `judge`: the newest measurement per machine × toolchain pair and its verdict;
//! - `render`: the verdicts as a terminal table, Markdown and per-article paragraphs.
//!
//! Pure functions of records, as everything in `analyse`; the site keeps each record's
//! measurements in its summary cache, the command computes them from the records.

mod judge;
mod measure;
mod render;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

pub use judge::{judge, Row, RunClaims};
pub use measure::{measure, Measurements};
pub use render::{limits_report, markdown, paragraphs, text};

/// The claims file's text, as the build saw it.
pub const CLAIMS_TOML: &str = include_str!("../../../../claims.toml");

/// Every claim, the articles they come from and the tolerance of "reproduced".
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    /// The published ratio is reproduced when it lies within the measured interval
    /// widened by this factor each way.
    pub tolerance: f64,
    pub article: Vec<Article>,
    pub claim: Vec<Claim>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    pub id: String,
    pub title: String,
    pub hardware: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    pub id: String,
    pub article: String,
    pub statement: String,
    /// The published figures, copied exactly.
    pub published: String,
    pub test: Vec<Test>,
}

/// One comparison (or, with side `a` only, one absolute figure) that checks a claim.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Test {
    pub label: String,
    pub workload: String,
    pub metric: Metric,
    pub a: Side,
    pub b: Option<Side>,
    /// The side the article found better (lower time, memory or latency).
    pub winner: Option<Which>,
    /// How many times better: the loser's value over the winner's.
    pub ratio: Option<f64>,
    /// An absolute published figure, in the metric's unit.
    pub value: Option<f64>,
    /// Applied to every measured value (0.5: one switch of a round trip).
    #[serde(default = "one")]
    pub scale: f64,
    /// The article's own setup, where it differs from the fair one.
    #[serde(default)]
    pub published_setup: bool,
    /// How the published setup's work differs, where it does.
    pub unequal_work: Option<String>,
    /// Kernel settings the published run needed.
    #[serde(default)]
    pub limits: Vec<Limit>,
}

fn one() -> f64 {
    1.0
}

/// One side of a test: the results it matches have this language and variant and at
/// least these parameters.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Side {
    pub lang: String,
    pub variant: String,
    #[serde(default)]
    pub params: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Which {
    A,
    B,
}

/// A kernel setting a published run needed, as `sysctl` names it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub sysctl: String,
    pub needs: u64,
}

/// What a test compares; lower is better for every one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    TimePerOp,
    MaxRss,
    BytesPerTask,
    TotalBytesPerTask,
    LatencyP99,
    TotalNs,
}

impl Metric {
    /// The word for "better" on this metric.
    pub fn better(self) -> &'static str {
        match self {
            Metric::TimePerOp | Metric::TotalNs => "faster",
            Metric::MaxRss | Metric::BytesPerTask | Metric::TotalBytesPerTask => "smaller",
            Metric::LatencyP99 => "lower",
        }
    }

    pub fn is_bytes(self) -> bool {
        matches!(
            self,
            Metric::MaxRss | Metric::BytesPerTask | Metric::TotalBytesPerTask
        )
    }
}

impl Side {
    /// "Go goroutine", with the parameters that tell it from `other` where the two
    /// share a language and variant ("Rust tokio-current buffer=4096").
    pub fn name(&self, other: Option<&Side>) -> String {
        let lang = match self.lang.as_str() {
            "rust" => "Rust",
            "go" => "Go",
            other => other,
        };
        let mut name = format!("{lang} {}", self.variant);
        if let Some(other) = other {
            for (key, value) in &self.params {
                if other.params.get(key) != Some(value) && key != "size" {
                    name.push_str(&format!(" {key}={value}"));
                }
            }
            if other.lang == self.lang
                && other.variant == self.variant
                && self.params.get("size") != other.params.get("size")
            {
                if let Some(size) = self.params.get("size") {
                    name.push_str(&format!(" size={size}"));
                }
            }
        }
        name
    }
}

impl Test {
    /// The two sides as (winner, loser), where the test compares two.
    pub fn ranked(&self) -> Option<(&Side, &Side)> {
        let b = self.b.as_ref()?;
        match self.winner? {
            Which::A => Some((&self.a, b)),
            Which::B => Some((b, &self.a)),
        }
    }
}

impl Claims {
    /// The claims this build carries.
    pub fn built_in() -> Claims {
        Claims::parse(CLAIMS_TOML).expect("claims.toml is checked by the tests")
    }

    /// [`Claims::built_in`], parsed once per process.
    pub fn shared() -> &'static Claims {
        static CLAIMS: std::sync::OnceLock<Claims> = std::sync::OnceLock::new();
        CLAIMS.get_or_init(Claims::built_in)
    }

    /// Reads and checks a claims file's text.
    pub fn parse(text: &str) -> Result<Claims> {
        // toml's errors name the line, the column and the key.
        let claims: Claims = toml::from_str(text).context("reading claims.toml")?;
        claims.check()?;
        Ok(claims)
    }

    fn check(&self) -> Result<()> {
        if !(self.tolerance >= 1.0 && self.tolerance.is_finite()) {
            bail!(
                "claims.toml: tolerance is {}, but it widens an interval and must be at least 1",
                self.tolerance
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for claim in &self.claim {
            let at = |what: &str| format!("claims.toml, claim {}: {what}", claim.id);
            if !seen.insert(claim.id.as_str()) {
                bail!("{}", at("the id is used twice"));
            }
            if !self.article.iter().any(|a| a.id == claim.article) {
                bail!(
                    "{}",
                    at(&format!(
                        "article `{}` is not listed under [[article]]",
                        claim.article
                    ))
                );
            }
            if claim.test.is_empty() {
                bail!(
                    "{}",
                    at("has no [[claim.test]]; every claim names what tests it")
                );
            }
            for (index, test) in claim.test.iter().enumerate() {
                let at = |what: &str| at(&format!("test {} (`{}`): {what}", index + 1, test.label));
                for side in std::iter::once(&test.a).chain(&test.b) {
                    if side.lang != "rust" && side.lang != "go" {
                        bail!(
                            "{}",
                            at(&format!("lang is `{}`; use `rust` or `go`", side.lang))
                        );
                    }
                }
                match (&test.b, test.winner, test.value) {
                    (Some(_), Some(_), None) => {}
                    (None, None, Some(value)) if value > 0.0 => {}
                    _ => bail!(
                        "{}",
                        at("a comparison has sides a and b and a winner; an absolute figure has side a only and a positive value")
                    ),
                }
                if let Some(ratio) = test.ratio {
                    if !(ratio >= 1.0 && ratio.is_finite()) {
                        bail!("{}", at(&format!("ratio is {ratio}; it is the loser's value over the winner's, at least 1")));
                    }
                }
                if !(test.scale > 0.0 && test.scale.is_finite()) {
                    bail!("{}", at("scale must be positive"));
                }
                if test.unequal_work.is_some() && !test.published_setup {
                    bail!(
                        "{}",
                        at("unequal_work describes a published setup; set published_setup = true")
                    );
                }
                if test.published_setup && !claim.test.iter().any(|t| !t.published_setup) {
                    bail!("{}", at("a published setup is shown beside a fair test, and this claim has none"));
                }
            }
        }
        Ok(())
    }
}
