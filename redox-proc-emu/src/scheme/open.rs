//! Opening handles: `open` of `proc:` and `chan:` paths under the v2020 open rules, and `dup`.

use std::collections::VecDeque;

use redox_proc_wire::stat;
use syscall::flag::{O_CREAT, O_TRUNC};

use super::{Reply, err, val};
use crate::server::{Emu, Handle, Kind, Session};
use crate::sys::{self, Res};

impl Emu {
    /// `open` (proc.rs l.211-300). Paths: `proc:PID/OP` or `/scheme/proc/PID/OP`;
    /// `chan:NAME` or `/scheme/chan/NAME` (relibc's TRACEME marker); `event:` or
    /// `/scheme/event` (a new event queue; what follows is ignored, scheme/event.rs l.12).
    pub(super) fn open(&mut self, id: u64, path: &[u8], flags: u64) -> Res<u32> {
        let path = std::str::from_utf8(path).map_err(|_| libc::EINVAL)?;
        if let Some(rest) = path
            .strip_prefix("proc:")
            .or_else(|| path.strip_prefix("/scheme/proc/"))
        {
            self.open_proc(id, rest, flags)
        } else if let Some(name) = path
            .strip_prefix("chan:")
            .or_else(|| path.strip_prefix("/scheme/chan/"))
        {
            self.open_chan(id, name.as_bytes(), flags)
        } else if path.starts_with("event:")
            || path == "/scheme/event"
            || path.starts_with("/scheme/event/")
        {
            self.open_event(id, flags)
        } else {
            Err(libc::ENOENT)
        }
    }

    pub(super) fn insert_handle(&mut self, id: u64, h: Handle) -> Res<u32> {
        let pid = self.pid_of(id);
        let c = self.clients.get_mut(&pid).ok_or(libc::EBADF)?;
        let n = c.next_handle;
        c.next_handle += 1;
        c.handles.insert(n, h);
        Ok(n)
    }

    fn open_proc(&mut self, id: u64, rest: &str, flags: u64) -> Res<u32> {
        let (pid_s, opname) = rest.split_once('/').unwrap_or((rest, ""));
        let pid: i32 = pid_s.parse().map_err(|_| libc::EINVAL)?;
        let kind = match opname {
            "trace" => Kind::Trace,
            "regs/int" => Kind::RegsInt,
            "regs/float" => Kind::RegsFloat,
            "regs/env" => Kind::RegsEnv,
            "mem" => Kind::Mem,
            "exe" => Kind::Exe,
            _ => return Err(libc::EINVAL),
        };
        // Missing or exited (zombie) target: ESRCH (proc.rs l.229, l.243-245).
        if pid <= 0 || !sys::alive(pid) {
            return Err(libc::ESRCH);
        }
        // Pin the target before judging it: if it dies and its pid is reused before the
        // attach below, the check was about another process and the open fails (ESRCH).
        let target = sys::pidfd_open(pid);
        let caller = self.conns.get(&id).map_or(0, |c| c.pid);
        // `exe` needs no permission at all in v2020 (`Operation::Static`,
        // `needs_child_process` false, proc.rs l.100-107 and l.248): anyone may read any
        // process's name. Reproduced; listed in docs/redox-gaps.md as looser than Linux.
        if kind != Kind::Exe {
            // v2020 (proc.rs l.248-268), with the caller's euid/egid (fs.rs l.92-96): unless
            // the euid or the egid is 0, the caller must own the target — same euid **or**
            // same egid as the target's — and be a strict ancestor of it. (Looser than Linux:
            // egid 0 alone counts as root, and a shared egid alone as owner; reproduced.)
            let me = self.caller_ids(id)?;
            if me.euid != 0 && me.egid != 0 {
                let t = sys::ids(pid).ok_or(libc::ESRCH)?;
                if me.euid != t.euid && me.egid != t.egid {
                    return Err(libc::EPERM);
                }
                if !sys::is_ancestor(caller, pid) {
                    return Err(libc::EPERM);
                }
            }
        }
        // One session per tracee (ptrace.rs try_new_session l.141-160, proc.rs l.273-278).
        if kind == Kind::Trace && self.sessions.contains_key(&pid) {
            return Err(libc::EBUSY);
        }
        let mut data = Vec::new();
        if kind == Kind::Exe {
            data = std::fs::read_link(format!("/proc/{pid}/exe"))
                .map(|p| p.into_os_string().into_encoded_bytes())
                .unwrap_or_default();
        } else {
            self.attach(pid)?;
            if target.as_ref().is_some_and(sys::pidfd_exited) {
                self.maybe_detach(pid);
                return Err(libc::ESRCH);
            }
            // An auto-attached child opened before its parent's clone event was seen: the
            // open decides (it is traced, not frozen unless O_TRUNC).
            let claimed = match self.tracees.get_mut(&pid) {
                Some(t) if t.new_child => {
                    t.new_child = false;
                    true
                }
                _ => false,
            };
            if claimed && !(kind == Kind::Trace && flags & O_TRUNC as u64 != 0) {
                self.resume(pid, 0);
            }
        }
        let h = self.insert_handle(
            id,
            Handle {
                pid,
                kind,
                flags,
                pos: 0,
                mem: None,
                clones: Vec::new(),
                data,
            },
        )?;
        if kind == Kind::Trace {
            self.count(id, stat::TRACE_OPEN);
            self.sessions.insert(
                pid,
                Session {
                    owner: self.pid_of(id),
                    handle: h,
                    armed: None,
                    reached: false,
                    queue: VecDeque::new(),
                },
            );
            // O_TRUNC: stop the tracee now, no event queued (proc.rs l.280-283).
            if flags & O_TRUNC as u64 != 0 {
                if let Some(t) = self.tracees.get_mut(&pid) {
                    t.frozen = true;
                }
                let _ = self.ensure_stopped(pid);
            }
        }
        Ok(h)
    }

    fn open_chan(&mut self, id: u64, name: &[u8], flags: u64) -> Res<u32> {
        let caller = self.conns.get(&id).map_or(0, |c| c.pid);
        let live = self.chans.get(name).is_some_and(|&(owner, start)| {
            matches!(sys::proc_stat(owner), Some((s, _, st)) if st == start && s != b'Z' && s != b'X')
        });
        if flags & O_CREAT as u64 != 0 {
            // relibc's TRACEME marker: only process PID creates `ptrace-relibc/PID/traceme`,
            // for itself (relibc src/platform/redox/ptrace.rs `PTRACE_TRACEME`: `getpid()`).
            // ipcd's `chan:` itself lets anyone create any name; reproducing that would let
            // any user make a tracer's `waitpid(WUNTRACED)` attach to and resume another
            // user's child, so the emulator keeps relibc's rule (docs/redox-gaps.md).
            if name.starts_with(b"ptrace-relibc/")
                && name != format!("ptrace-relibc/{caller}/traceme").as_bytes()
            {
                return Err(libc::EPERM);
            }
            // A listener is registered under the exact name (redox-os/base ipcd/src/chan.rs).
            if live {
                return Err(libc::EEXIST);
            }
            let start = sys::proc_stat(caller).map_or(0, |s| s.2);
            self.chans.insert(name.to_vec(), (caller, start));
            if name.starts_with(b"ptrace-relibc/") {
                // The process asked to be traced: the emulator traces it (with EXITKILL) from
                // now on, before it stops itself, so that it cannot be left stopped with
                // nobody to trace it if the emulator is killed (README "Containment"). Kept
                // attached while the marker lives (`busy`); invisible to the client.
                let _ = self.attach(caller);
            }
        } else if !live {
            return Err(libc::ENOENT);
        }
        let data = if flags & O_CREAT as u64 != 0 {
            name.to_vec()
        } else {
            Vec::new()
        };
        self.insert_handle(
            id,
            Handle {
                pid: caller,
                kind: Kind::Chan,
                flags,
                pos: 0,
                mem: None,
                clones: Vec::new(),
                data,
            },
        )
    }

    /// `dup(handle, NAME)` opens `PID/NAME` with the original flags (proc.rs l.304-322).
    pub(super) fn dup(&mut self, id: u64, h: u32, name: &[u8]) -> Reply {
        let (pid, flags, kind) = match self.handle(id, h) {
            Ok(hd) => (hd.pid, hd.flags, hd.kind),
            Err(e) => return err(e),
        };
        // `event:` has no `dup`: the `Scheme` default is EBADF (redox-os/syscall @b12d582d
        // src/scheme/scheme.rs l.86-88).
        if matches!(kind, Kind::Chan | Kind::EventQueue) {
            return err(libc::EBADF);
        }
        let Ok(name) = std::str::from_utf8(name) else {
            return err(libc::EINVAL);
        };
        match self.open_proc(id, &format!("{pid}/{name}"), flags) {
            Ok(n) => val(i64::from(n)),
            Err(e) => err(e),
        }
    }
}
