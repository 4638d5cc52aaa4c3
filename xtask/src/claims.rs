//! `cargo xtask claims`: every published claim judged on every machine and toolchain in
//! the history (`analyse::claims`, rules in docs/claims.md).

use std::path::Path;

use anyhow::Result;

use crate::analyse::claims::{self, Claims, RunClaims};
use crate::cli::{self, ClaimsFormat};
use crate::record::history;
use crate::record::summary::machine_label;

impl cli::Claims {
    pub fn run(self, root: &Path) -> Result<()> {
        let history_dir = history::resolve(root, self.history);
        let data = Claims::built_in();
        let mut runs = Vec::new();
        // One record at a time: a record can hold megabytes of samples, and only its
        // measurements are kept.
        for path in history::record_files(&history_dir)? {
            match history::read(&path) {
                Ok(record) => runs.push(RunClaims {
                    run: record.id.clone(),
                    started: started_seconds(&record.started_at),
                    machine: record.machine.fingerprint.clone(),
                    machine_label: machine_label(&record.machine),
                    measurements: claims::measure(&data, &record),
                }),
                Err(error) => eprintln!("warning: skipped {}: {error:#}", path.display()),
            }
        }
        let judged = claims::judge(&data, &runs);
        match self.format {
            ClaimsFormat::Text => print!("{}", claims::text(&data, &judged)),
            ClaimsFormat::Md => {
                for paragraph in claims::paragraphs(&data, &judged) {
                    println!(
                        "**{}. \"{}\"** ({}): {}\n",
                        paragraph.id, paragraph.title, paragraph.hardware, paragraph.text
                    );
                }
                print!("{}", claims::markdown(&data, &judged));
            }
            ClaimsFormat::Json => println!("{}", serde_json::to_string_pretty(&judged)?),
        }
        Ok(())
    }
}

/// Seconds since the epoch of an RFC 3339 time; 0 where it does not parse (the run then
/// counts as the oldest).
fn started_seconds(text: &str) -> i64 {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_or(0, |t| t.unix_timestamp())
}
