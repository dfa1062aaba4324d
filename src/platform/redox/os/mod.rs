//! The narrow operating-system boundary of the Redox backend: process control now, scheme
//! files with the Redox backend issue. One implementation per host.

#[cfg(target_os = "redox")]
mod redox;
#[cfg(target_os = "redox")]
pub use redox::*;

#[cfg(all(target_os = "linux", feature = "redox-emulator"))]
mod emu;
#[cfg(all(target_os = "linux", feature = "redox-emulator"))]
pub use emu::*;
