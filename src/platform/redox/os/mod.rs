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

/// Redox open flags (redox_syscall 0.9.5 `src/flag.rs`; `O_CLOEXEC` is libredox's).
pub mod flags {
    /// Read and write.
    pub const O_RDWR: usize = 0x0003_0000;
    /// `trace`: reads do not block (EAGAIN); docs/redox-protocol.md §1.3.
    pub const O_NONBLOCK: usize = 0x0004_0000;
    /// Create (the `chan:` TRACEME marker).
    pub const O_CREAT: usize = 0x0200_0000;
    /// `trace`: freeze the tracee at open (PTRACE_ATTACH); docs/redox-protocol.md §1.3.
    pub const O_TRUNC: usize = 0x0400_0000;
    /// `trace`: SIGKILL the tracee when the handle closes (PTRACE_O_EXITKILL); docs/redox-protocol.md §1.3.
    /// With `O_CREAT`: fail if the name exists.
    pub const O_EXCL: usize = 0x0800_0000;
    /// Do not leak the handle into exec'd programs (libredox `O_CLOEXEC`).
    pub const O_CLOEXEC: usize = 0x0100_0000;
    /// Open without reading or writing (the `chan:` marker probe).
    pub const O_PATH: usize = 0x2000_0000;
    /// `fcntl`: read the handle's stored flags.
    pub const F_GETFL: usize = 3;
    /// `fcntl`: replace the handle's stored flags.
    pub const F_SETFL: usize = 4;
    /// `lseek` from the start.
    pub const SEEK_SET: usize = 0;
}
