//! `redox-proc-emu`: Redox OS's v2020 `proc:` scheme (ptrace) served on Linux over real ptrace.
//!
//! The binary (`redox-proc-emu -- PROGRAM [ARGS...]`) starts PROGRAM with the socket name in
//! `REDOX_PROC_EMU`, is the real Linux tracer of every tracee, and exits with PROGRAM's
//! status. The wire format is in the `redox-proc-wire` crate and `PROTOCOL.md`.
//!
//! This library exposes the daemon entry point ([`run`]) and a small std client
//! ([`client::Client`]) used by the protocol tests and benchmarks.

pub mod client;
#[cfg(target_arch = "x86_64")]
mod linux;
#[cfg(target_arch = "x86_64")]
mod scheme;
#[cfg(target_arch = "x86_64")]
mod server;
#[cfg(target_arch = "x86_64")]
mod sys;

#[cfg(target_arch = "x86_64")]
pub use server::run;

/// The v2020 kernel had no ptrace on other architectures: every `proc:` read and write was
/// `EINVAL` on aarch64 and there were no stop sites (`src/scheme/proc.rs` @59177587, the
/// `#[cfg(target_arch = "aarch64")]` stubs). This emulator is x86_64 only; elsewhere it
/// refuses to start, so clients see no emulator (ENOSYS).
#[cfg(not(target_arch = "x86_64"))]
pub fn run(_program: &str, _args: &[String]) -> i32 {
    eprintln!("redox-proc-emu: only x86_64 is supported (v2020 Redox had ptrace only there)");
    125
}
