//! Thin wrappers over the Linux calls the emulator makes (ptrace, wait, /proc parsing).
//! Every wrapper returns `Err(errno)` with a Linux errno value.

use std::fs;

/// Result with a Linux errno as error.
pub type Res<T> = Result<T, i32>;

/// The errno of the last failed libc call.
pub fn errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

/// `ptrace(req, pid, addr, data)`.
pub fn ptrace(req: libc::c_uint, pid: i32, addr: usize, data: usize) -> Res<libc::c_long> {
    // SAFETY: the caller passes a request whose addr/data are either integers or pointers to
    // buffers that are large enough for that request (checked at each call site).
    let r = unsafe {
        libc::ptrace(
            req,
            pid,
            addr as *mut libc::c_void,
            data as *mut libc::c_void,
        )
    };
    if r == -1 { Err(errno()) } else { Ok(r) }
}

/// `waitpid(pid, &status, flags)`: `Ok(None)` when `WNOHANG` found nothing.
pub fn waitpid(pid: i32, flags: i32) -> Res<Option<(i32, i32)>> {
    let mut status = 0;
    // SAFETY: `status` is a valid out pointer for the duration of the call.
    let r = unsafe { libc::waitpid(pid, &mut status, flags) };
    match r {
        -1 => Err(errno()),
        0 => Ok(None),
        p => Ok(Some((p, status))),
    }
}

/// `PTRACE_GETREGS`.
pub fn getregs(pid: i32) -> Res<libc::user_regs_struct> {
    // SAFETY: user_regs_struct is plain old data; all-zero is a valid value.
    let mut regs: libc::user_regs_struct = unsafe { std::mem::zeroed() };
    ptrace(libc::PTRACE_GETREGS, pid, 0, &raw mut regs as usize)?;
    Ok(regs)
}

/// `PTRACE_SETREGS`.
pub fn setregs(pid: i32, regs: &libc::user_regs_struct) -> Res<()> {
    ptrace(libc::PTRACE_SETREGS, pid, 0, regs as *const _ as usize).map(|_| ())
}

/// `PTRACE_GETFPREGS`.
pub fn getfpregs(pid: i32) -> Res<libc::user_fpregs_struct> {
    // SAFETY: user_fpregs_struct is plain old data; all-zero is a valid value.
    let mut regs: libc::user_fpregs_struct = unsafe { std::mem::zeroed() };
    ptrace(libc::PTRACE_GETFPREGS, pid, 0, &raw mut regs as usize)?;
    Ok(regs)
}

/// `PTRACE_SETFPREGS`.
pub fn setfpregs(pid: i32, regs: &libc::user_fpregs_struct) -> Res<()> {
    ptrace(libc::PTRACE_SETFPREGS, pid, 0, regs as *const _ as usize).map(|_| ())
}

/// `PTRACE_GETEVENTMSG`.
pub fn geteventmsg(pid: i32) -> Res<u64> {
    let mut msg: libc::c_ulong = 0;
    ptrace(libc::PTRACE_GETEVENTMSG, pid, 0, &raw mut msg as usize)?;
    Ok(msg)
}

/// `PTRACE_GETSIGINFO`, returning `si_code`.
pub fn sigcode(pid: i32) -> Res<i32> {
    // SAFETY: siginfo_t is plain old data; all-zero is a valid value.
    let mut si: libc::siginfo_t = unsafe { std::mem::zeroed() };
    ptrace(libc::PTRACE_GETSIGINFO, pid, 0, &raw mut si as usize)?;
    Ok(si.si_code)
}

/// `PTRACE_GET_SYSCALL_INFO`, returning `op` (1 = entry, 2 = exit).
pub fn syscall_op(pid: i32) -> Res<u8> {
    let mut buf = [0u64; 12];
    ptrace(
        libc::PTRACE_GET_SYSCALL_INFO,
        pid,
        std::mem::size_of_val(&buf),
        buf.as_mut_ptr() as usize,
    )?;
    Ok(buf.first().map_or(0, |w| (*w & 0xff) as u8))
}

/// What `/proc/PID/stat` says: state letter and parent pid.
pub fn proc_stat(pid: i32) -> Option<(u8, i32, u64)> {
    let s = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = s.get(s.rfind(')')? + 2..)?;
    let mut it = rest.split(' ');
    let state = it.next()?.bytes().next()?;
    let ppid = it.next()?.parse().ok()?;
    // field 22 (starttime) is the 20th after the state.
    let start = it.nth(17)?.parse().ok()?;
    Some((state, ppid, start))
}

/// True when the pid exists and is neither a zombie nor dead.
pub fn alive(pid: i32) -> bool {
    matches!(proc_stat(pid), Some((s, _, _)) if s != b'Z' && s != b'X' && s != b'x')
}

/// One `Key:` line of `/proc/PID/status`, split into whitespace-separated fields.
pub fn status_field(pid: i32, key: &str) -> Option<Vec<String>> {
    let s = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with(key))?;
    Some(
        line.get(key.len()..)?
            .split_whitespace()
            .map(String::from)
            .collect(),
    )
}

/// A signal mask line of `/proc/PID/status` (`SigBlk:`, `SigIgn:`, `SigCgt:`).
pub fn sigmask(pid: i32, key: &str) -> u64 {
    status_field(pid, key)
        .and_then(|f| f.first().and_then(|h| u64::from_str_radix(h, 16).ok()))
        .unwrap_or(0)
}

/// Is `ancestor` a strict ancestor of `pid` (walking the real-parent chain from its ppid)?
pub fn is_ancestor(ancestor: i32, pid: i32) -> bool {
    let mut cur = match proc_stat(pid) {
        Some((_, ppid, _)) => ppid,
        None => return false,
    };
    let mut guard = 0;
    while cur > 0 && guard < 4096 {
        if cur == ancestor {
            return true;
        }
        cur = match proc_stat(cur) {
            Some((_, ppid, _)) => ppid,
            None => return false,
        };
        guard += 1;
    }
    false
}

/// The ids `open`, `dup` and `kill` are judged by (Redox `Context::{ruid, euid, egid}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ids {
    pub ruid: u32,
    pub euid: u32,
    pub egid: u32,
}

/// Real and effective uid, effective gid of a process (`/proc/PID/status` `Uid:`/`Gid:`, whose
/// fields are real, effective, saved, filesystem — fs/proc/array.c `task_state`).
pub fn ids(pid: i32) -> Option<Ids> {
    let uid = status_field(pid, "Uid:")?;
    let gid = status_field(pid, "Gid:")?;
    Some(Ids {
        ruid: uid.first()?.parse().ok()?,
        euid: uid.get(1)?.parse().ok()?,
        egid: gid.get(1)?.parse().ok()?,
    })
}

/// `pidfd_open(pid, 0)` (Linux 5.3): a reference to this very process, which a later process
/// with the same pid number is not. `None` when the kernel has no pidfds or `pid` is gone.
pub fn pidfd_open(pid: i32) -> Option<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: plain syscall with integer arguments.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let fd = i32::try_from(fd).ok().filter(|&f| f >= 0)?;
    // SAFETY: the kernel just returned this descriptor (O_CLOEXEC by default); nobody else
    // owns it.
    Some(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) })
}

/// Whether the process a pidfd refers to has exited: a pidfd polls readable once its
/// thread group has exited (kernel/pid.c `pidfd_poll`). While it has not, its pid number
/// cannot belong to anyone else (a pid is freed only when the task is released,
/// kernel/pid.c `free_pid` via `release_task`).
pub fn pidfd_exited(fd: &std::os::fd::OwnedFd) -> bool {
    use std::os::fd::AsRawFd;
    let mut p = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, no timeout.
    let n = unsafe { libc::poll(&mut p, 1, 0) };
    n != 0 && p.revents != 0
}
