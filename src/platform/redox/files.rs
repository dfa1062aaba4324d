//! The tracee's register and memory files, opened on first use, with what was read at a stop
//! kept until the tracee resumes (a parked tracee's registers change only through our own
//! writes, which keep the copy current).
#![forbid(unsafe_code)]

use core::ffi::c_long;

use super::os::{self, Fd, flags::*};
use super::scheme::{self, proc_path};
use super::tracee::{File, Session};
use crate::errno::{EFAULT, EIO, ENOSYS, Errno, Result};
#[cfg(target_arch = "x86_64")]
use syscall::{EnvRegisters, IntRegisters};

/// The file `which` of the tracee, opened on first use.
pub fn open(s: &mut Session, which: File) -> Result<Fd> {
    if let Some(fd) = s.file(which) {
        return Ok(fd);
    }
    let path = proc_path(s.pid, which.name());
    let fd = os::open(path.as_str(), O_RDWR | (s.open_flags & O_CLOEXEC))?;
    s.set_file(which, fd);
    Ok(fd)
}

#[cfg(target_arch = "x86_64")]
/// `regs/int`, read once per stop.
#[cfg(target_arch = "x86_64")]
pub fn read_int(s: &mut Session) -> Result<IntRegisters> {
    if let Some(int) = s.int_cache {
        return Ok(int);
    }
    let int = read_int_now(s)?;
    if s.regs_cacheable() {
        s.int_cache = Some(int);
    }
    Ok(int)
}

/// `regs/int`, read afresh (the tracee may be running: at a clone event, docs/redox-protocol.md
/// §2.3).
#[cfg(target_arch = "x86_64")]
pub fn read_int_now(s: &mut Session) -> Result<IntRegisters> {
    let fd = open(s, File::Int)?;
    let mut int = IntRegisters::default();
    scheme::read_exact(fd, &mut int)?;
    Ok(int)
}

/// Writes `regs/int`.
#[cfg(target_arch = "x86_64")]
pub fn write_int(s: &mut Session, int: &IntRegisters) -> Result<()> {
    let fd = open(s, File::Int)?;
    // Dropped first: if the write fails, the next read asks the tracee again.
    s.int_cache = None;
    scheme::write_all(fd, int)?;
    s.int_cache = Some(*int);
    Ok(())
}

/// fs/gs base, read once per stop (they change only through `regs/env` writes, §3.2).
#[cfg(target_arch = "x86_64")]
pub fn read_env(s: &mut Session) -> Result<EnvRegisters> {
    if let Some(env) = s.env_cache {
        return Ok(env);
    }
    let fd = open(s, File::Env)?;
    let mut env = EnvRegisters::default();
    scheme::read_exact(fd, &mut env)?;
    if s.regs_cacheable() {
        s.env_cache = Some(env);
    }
    Ok(env)
}

/// Writes fs/gs base to `regs/env`.
#[cfg(target_arch = "x86_64")]
pub fn write_env(s: &mut Session, env: EnvRegisters) -> Result<()> {
    let fd = open(s, File::Env)?;
    scheme::write_all(fd, &env)?;
    s.env_cache = Some(env);
    Ok(())
}

/// Positions `mem` at `addr` unless a previous transfer left it there.
fn seek_mem(s: &mut Session, addr: usize) -> Result<Fd> {
    let fd = open(s, File::Mem)?;
    if s.mem_cursor != Some(addr) {
        let at = isize::try_from(addr).map_err(|_| EIO)?;
        // A position `mem` refuses is an address no mapping can have: Linux's EIO. A scheme
        // that went away stays ENOSYS (`os`), as for every other request.
        os::lseek(fd, at, SEEK_SET).map_err(|e| if e == ENOSYS { e } else { EIO })?;
    }
    Ok(fd)
}

/// `mem` is all-or-nothing with EFAULT for an unmapped page (§4); Linux says EIO.
fn mem_errno(e: Errno) -> Errno {
    if e == EFAULT { EIO } else { e }
}

/// The word at `addr` of the tracee's memory.
pub fn peek(s: &mut Session, addr: usize) -> Result<c_long> {
    let fd = seek_mem(s, addr)?;
    let mut word = [0u8; 8];
    let r = scheme::read_exact(fd, &mut word).map_err(mem_errno);
    s.mem_cursor = r.is_ok().then_some(addr.wrapping_add(8));
    r.map(|()| c_long::from_ne_bytes(word))
}

/// Writes the word at `addr`: `mem` writes ignore page protection (§4), so breakpoints can be
/// planted in text as on Linux.
pub fn poke(s: &mut Session, addr: usize, word: usize) -> Result<()> {
    let fd = seek_mem(s, addr)?;
    let r = scheme::write_all(fd, &word.to_ne_bytes()).map_err(mem_errno);
    s.mem_cursor = r.is_ok().then_some(addr.wrapping_add(8));
    r
}

/// Moves `buf` from (or, `write`, to) the tracee's memory at `addr` through `mem`, `fd`,
/// all or nothing (§4: EFAULT for an unmapped page).
pub fn transfer(fd: Fd, addr: usize, buf: &mut [u8], write: bool) -> Result<()> {
    let at = isize::try_from(addr).map_err(|_| EFAULT)?;
    os::lseek(fd, at, SEEK_SET).map_err(|_| EFAULT)?;
    if write {
        scheme::write_all(fd, buf)
    } else {
        scheme::read_exact(fd, buf)
    }
}

/// Closes every handle of a session that left the table (detach, or the tracee is gone).
/// Closing `trace` detaches and resumes the tracee, or kills it with `O_EXCL` (§1.5).
pub fn close_all(s: &Session) {
    for fd in s.files.iter().flatten() {
        let _ = os::close(*fd);
    }
    let _ = os::close(s.trace);
}
