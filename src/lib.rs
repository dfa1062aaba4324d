//! ptrace-compat: Linux `ptrace(2)` and the `wait` family as a C ABI library.
//!
//! The C-facing items live in [`header`] (one module per C header, as in relibc); the operating
//! system behind them is chosen once in [`platform`]: the raw Linux syscalls, or Redox's `proc:`
//! scheme (natively on Redox, or on Linux through `redox-proc-emu` with the `redox-emulator`
//! feature). The library is `no_std` so that it can live inside a libc.
#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod errno;
pub mod header;
pub mod platform;
// The stand-alone runtime, left out of unit tests (they link std) and of an rlib built for a
// libc that provides its own (`--no-default-features`).
#[cfg(all(feature = "rt", not(test)))]
mod rt;
