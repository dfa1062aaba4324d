#![allow(non_camel_case_types)]
//! C scalar types shared by the headers and the platforms.

/// Process and thread ids (`pid_t` is `int` on Linux and Redox).
pub type pid_t = core::ffi::c_int;
