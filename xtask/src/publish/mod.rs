//! Publishing: the forms in which records leave versus — the exports other tools read
//! (`export`), the static site (`site`), and Rust against Go as people read it in a
//! table (`versus`, for the site and the terminal).
//!
//! What this group may use: `record`, `analyse` (the comparisons, change points and
//! Rust-against-Go ratios it shows) and `measure::catalogue` (which workloads and
//! comparisons exist). Everything here is a pure function of records (and of the
//! site's templates), apart from writing its output files; it starts no process.

pub mod export;
pub mod github;
pub mod site;
pub mod versus;

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::record::fixtures::{record, result, FINGERPRINT};
    use crate::record::history;
    use crate::record::summary::results_table;

    /// Every reader shows one median: a full-size `sum` trial takes 30 samples, whose
    /// median is the mean of the middle two (310 and 311 ns per 1000 operations).
    #[test]
    fn the_terminal_the_site_and_every_export_show_the_same_median() {
        let mut sum = result("sum", "iter", &[0.3]);
        sum.trials[0].samples = (296..326).collect();
        let record = record(
            "20261122T080000Z-0123456789ab-c90d059c",
            None,
            FINGERPRINT,
            vec![sum],
        );
        let expected = "0.3105";
        assert!(results_table(&record).contains(expected), "the terminal");
        let history = tempfile::tempdir().unwrap();
        history::write(history.path(), &record).unwrap();
        let out = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let rendered =
            super::site::render_with(root, history.path(), out.path(), cache.path()).unwrap();
        let page = std::fs::read_to_string(rendered.index).unwrap();
        assert!(page.contains(expected), "the site: {page}");
        for format in [
            super::export::Format::Benchstat,
            super::export::Format::Bmf,
            super::export::Format::Gab,
            super::export::Format::Csv,
        ] {
            let bytes = super::export::exporter(format).export(&record).unwrap();
            let text = String::from_utf8(bytes).unwrap();
            assert!(text.contains(expected), "{format:?}: {text}");
        }
    }
}
