//! Redox: Linux ptrace emulated on the v2020 `proc:` scheme (docs/redox-protocol.md, design
//! rules in §9.1). Each request becomes a few scheme operations on the tracee's `trace`, `mem`
//! and `regs/*` files, kept in a process-wide session table; an event thread reads the stops
//! from every `trace` handle at once and `waitpid` reports them with Linux's wait statuses.
//!
//! Where this Redox has no `trace` handle (current Redox, §0) every request fails with
//! ENOSYS. What v2020 cannot express fails with EIO, the Linux answer for an unsupported
//! request; `docs/redox-gaps.md` lists it.
//!
//! Modules, each depending only on those listed after it: `dispatch` (the `Pal` impl, where
//! the caller's pointers are decoded), `wait`, `request`, `pump`, `driver`, `registers`,
//! `files`, `table`, `tracee` (the state machine), `status`, `regs`, `scheme`, `os`.

mod dispatch;
mod driver;
mod files;
pub mod os;
mod pump;
#[cfg(target_arch = "x86_64")]
mod registers;
#[cfg(target_arch = "x86_64")]
mod regs;
mod request;
mod scheme;
mod status;
mod table;
mod tracee;
mod wait;

pub use dispatch::{Sys, process_vm};
