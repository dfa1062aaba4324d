//! The C-facing items, one module per C header (relibc's layout).
//!
//! C names are kept exactly, so the naming lints are relaxed here and nowhere else.
#![allow(non_camel_case_types, non_upper_case_globals)]

pub mod sys_ptrace;
#[cfg(any(target_os = "redox", feature = "redox-emulator"))]
pub mod sys_uio;
pub mod sys_wait;
