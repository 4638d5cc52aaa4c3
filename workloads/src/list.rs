//! `versus-rs list`: every workload and its variants as one JSON object, so the
//! orchestrator (and the tidy test that checks both languages list the same
//! workloads) never has to parse source code.

use serde_json::{json, Map, Value};

use crate::contract::Workload;

/// `{"lang": "rust", "workloads": {"sum": ["iter", "scalar"], ...}}`
pub fn to_json(catalogue: &[Workload]) -> String {
    let workloads: Map<String, Value> = catalogue
        .iter()
        .map(|workload| (workload.name.to_string(), json!(workload.variants)))
        .collect();
    json!({"lang": "rust", "workloads": workloads}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::CATALOGUE;

    #[test]
    fn lists_every_workload_with_its_variants() {
        let listed: Value = serde_json::from_str(&to_json(CATALOGUE)).unwrap();
        assert_eq!(listed["lang"], "rust");
        assert_eq!(listed["workloads"]["sum"], json!(["iter", "scalar"]));
        assert_eq!(
            listed["workloads"]["pingpong"],
            json!(["std-thread", "tokio-current", "tokio-multi"])
        );
        assert_eq!(listed["workloads"].as_object().unwrap().len(), 9);
    }
}
