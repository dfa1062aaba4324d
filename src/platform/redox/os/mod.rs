//! The narrow operating-system boundary of the Redox backend: scheme files (open, read, write,
//! seek, fcntl, close) and process control (getpid, kill, waitpid). Everything else in the
//! backend is host-independent.
//!
//! Two implementations with the same free functions: [`redox`](self) on a real Redox, and the
//! client of `redox-proc-emu` on Linux (feature `redox-emulator`). Both also give the
//! thread, futex and signal-mask primitives the event thread and the lock need.

#[cfg(target_os = "redox")]
mod redox;
#[cfg(target_os = "redox")]
pub use redox::*;

#[cfg(all(target_os = "linux", feature = "redox-emulator"))]
mod emu;
#[cfg(all(target_os = "linux", feature = "redox-emulator"))]
pub use emu::*;

pub mod lock;
mod thread;
pub use thread::{at_fork, spawn};

/// A scheme file handle.
pub type Fd = usize;

/// Redox open and `fcntl` flags: redox_syscall's (`src/flag.rs`), and the two it lacks.
pub mod flags {
    pub use syscall::flag::{
        F_GETFL, F_SETFL, O_CREAT, O_EXCL, O_NONBLOCK, O_RDWR, O_TRUNC, SEEK_SET,
    };
    /// Do not leak the handle into exec'd programs (libredox's `O_CLOEXEC`, not in
    /// redox_syscall 0.9).
    pub const O_CLOEXEC: usize = 0x0100_0000;
    /// Open without reading or writing (the `chan:` marker probe; relibc `O_PATH`, not in
    /// redox_syscall 0.9).
    pub const O_PATH: usize = 0x2000_0000;
}
