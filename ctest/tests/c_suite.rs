//! The C suite: every program in `tests/c/`, built against the system libc (the reference),
//! against our library, run with our `.so` preloaded, and built with the Redox backend and run
//! under `redox-proc-emu`. All must print the committed
//! expectation, which itself must equal the reference run; the Redox run may differ only as
//! `tests/c/expected/redox/<name>.diff` documents, each difference with its reason.
// Test code: a failed expectation panics, which is how a Rust test fails.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]
include!(concat!(env!("OUT_DIR"), "/c_tests.rs"));
