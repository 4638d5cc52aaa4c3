//! What fuzzing found in the parsers (docs/fuzzing.md), kept as tests of the inputs
//! that showed it. All four are fixed in `record::histogram`, which checks a
//! histogram's header and counts before `hdrhistogram` decodes it; a bug found and not
//! fixed yet goes here as an ignored test stating what should hold.

use super::histogram;

/// Peak resident memory of this process so far, in bytes.
fn peak_rss_bytes() -> u64 {
    // SAFETY: getrusage writes the struct it is given and nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let status = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    assert_eq!(status, 0, "getrusage");
    u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024
}

/// A V2 histogram of 40 bytes, a header only, whose payload length says 4 GiB:
/// `hdrhistogram`'s `Deserializer::deser_v2` (hdrhistogram 7.6.0, line 164 of its
/// `serialization::deserializer` module) resizes its buffer to that length, zeroed,
/// before reading a byte of it, so `histogram::decode`
/// (xtask/src/record/histogram.rs:15), and through it `measure::trial::interpret` on a
/// workload's stdout, allocates and writes 4 GiB for 40 bytes of input. The fuzz target
/// `workload_output` found it as `out-of-memory (malloc(4294967295))`; so does the same
/// header deflated, as the workloads write histograms. Fixed: the payload length is
/// checked against the bytes that follow the header.
#[test]
fn a_histogram_header_claiming_4_gib_is_refused_without_allocating_it() {
    const HEADER_ONLY: [&str; 2] = [
        "HISTE/////8AAAAAAAAAAwAAAAAAAAABAAAAAAAAAAI/8AAAAAAAAA==",
        "HISTFAAAABt4nJNpmSz8HwgYIIAZSjNCaSb7DxAGAMOhBng=",
    ];
    for text in HEADER_ONLY {
        let before = peak_rss_bytes();
        let error = histogram::decode(text).expect_err("a header without its payload");
        let grown = peak_rss_bytes().saturating_sub(before);
        assert!(
            grown < 64 << 20,
            "decoding {text} ({error:#}) took {} MiB",
            grown >> 20
        );
    }
}

/// A V2 histogram whose one count is `i64::MIN` (nine bytes of 0xff, zigzag-decoded):
/// `hdrhistogram`'s `DecodeLoopState::on_decoded_num` (line 347 of the same module)
/// negates it, which overflows, so where overflow checks are on — xtask's dev profile,
/// which `cargo xtask` runs, and `cargo test` — `histogram::decode` panics
/// ("attempt to negate with overflow") instead of refusing the histogram, and with it
/// `measure::trial::interpret` on that workload's stdout and `compare` on a record that
/// holds it. The fuzz target `workload_output` found it in its first minute. Fixed:
/// every count is read and checked before the decoder sees it.
#[test]
fn a_histogram_count_of_i64_min_is_refused_not_a_panic() {
    let text = "HISTEwAAAAkAAAAAAAAAAwAAAAAAAAABAAAAAAAAAAI/8AAAAAAAAP///////////w==";
    let decoded = std::panic::catch_unwind(|| histogram::decode(text).is_err());
    assert_eq!(decoded.ok(), Some(true), "decode panicked or accepted it");
}

/// Runs of zeros that add up to `usize::MAX` and then a zero count: the index of the
/// next count is one past the largest `usize`, and `histogram::quantiles`
/// (xtask/src/record/histogram.rs:98, `index += 1`) panics with "attempt to add with
/// overflow" where overflow checks are on. It reads the histograms of run records for
/// the site and the result tables. Found by reading the function beside the decoder's
/// fuzz runs; fixed with a checked index, and `workload_output` now calls it too.
#[test]
fn quantiles_of_zero_runs_to_usize_max_then_a_zero_count_is_an_error_not_a_panic() {
    let text = "HISTEwAAABMAAAAAAAAAAwAAAAAAAAABAAAAAAAAAAI/8AAAAAAAAP////////////3//////////wA=";
    let result = std::panic::catch_unwind(|| histogram::quantiles(text, &[0.5]).is_err());
    assert_eq!(result.ok(), Some(true), "quantiles panicked or accepted it");
}

/// A V2 histogram whose integer-to-double ratio is not 1.0 (2.0 here; the fuzzer's
/// were arbitrary bits): `hdrhistogram`'s decoder refuses it (`UnsupportedFeature`),
/// and `histogram::quantiles`, which reads the encoding itself, read it as if it were
/// 1.0, so that the site and the tables showed percentiles of a histogram that
/// `compare` and `trial::interpret` refuse. The fuzz target `workload_output` found the
/// disagreement 56 times in its third run, the first that compared the two readers.
/// Fixed: both refuse it. The same histogram with a ratio of 1.0 is read by both.
#[test]
fn a_histogram_of_another_double_ratio_is_refused_by_both_readers() {
    let ratio_two = "HISTEwAAAAEAAAAAAAAAAwAAAAAAAAABAAAAAAAAAAJAAAAAAAAAAAI=";
    assert!(histogram::decode(ratio_two).is_err());
    let error = histogram::quantiles(ratio_two, &[0.5]).unwrap_err();
    assert!(format!("{error:#}").contains("ratio of 2"), "{error:#}");
    let ratio_one = "HISTEwAAAAEAAAAAAAAAAwAAAAAAAAABAAAAAAAAAAI/8AAAAAAAAAI=";
    assert_eq!(histogram::decode(ratio_one).unwrap().len(), 1);
    assert_eq!(histogram::quantiles(ratio_one, &[0.5]).unwrap().0, 1);
}
