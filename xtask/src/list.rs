//! `cargo xtask list`: the catalogue as a person or a script reads it.

use anyhow::Result;
use serde_json::json;

use crate::cli::List;
use crate::measure::catalogue::{Lang, WORKLOADS};

impl List {
    pub fn run(self) -> Result<()> {
        if self.json {
            let workloads: Vec<_> = WORKLOADS
                .iter()
                .map(|w| {
                    json!({
                        "name": w.name,
                        "reference": w.reference,
                        "variants": w.variants.iter().map(|v| json!({
                            "lang": v.lang.as_str(), "name": v.name,
                            "params": v.params.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>()
                        })).collect::<Vec<_>>(),
                        "full": w.full.iter().map(|p| p.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>()).collect::<Vec<_>>(),
                        "quick": w.quick.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&workloads)?);
            return Ok(());
        }
        for workload in WORKLOADS {
            let sizes: Vec<String> = workload
                .full
                .iter()
                .map(|p| {
                    p.iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            let quick: Vec<String> = workload
                .quick
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let note = if workload.reference {
                " (harness reference: run with --only)"
            } else {
                ""
            };
            println!("{}{note}", workload.name);
            for lang in Lang::ALL {
                println!(
                    "  {:<5} {}",
                    lang.as_str(),
                    workload.variant_names(lang).join(", ")
                );
            }
            println!("  full  {}", sizes.join(" | "));
            println!("  quick {}", quick.join(" "));
        }
        Ok(())
    }
}
