//! The C suite: every program in `tests/c/`, built against the system libc (the reference),
//! against our library, and run with our `.so` preloaded; all must print the committed
//! expectation, which itself must equal the reference run.
// Test code: a failed expectation panics, which is how a Rust test fails.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]
include!(concat!(env!("OUT_DIR"), "/c_tests.rs"));
