//! The Redox side: the v2020 `proc:` scheme operations, plus `chan:` markers and the process
//! calls. Citations are to redox-os/kernel @59177587 unless said otherwise.

use std::collections::VecDeque;
use std::os::unix::fs::FileExt;

use redox_proc_wire::{self as wire, Request, op, stat};
use syscall::data::PtraceEvent;
use syscall::flag::{
    F_GETFL, F_SETFL, O_CREAT, O_EXCL, O_NONBLOCK, O_TRUNC, SEEK_CUR, SEEK_END, SEEK_SET,
};
use syscall::{EnvRegisters, FloatRegisters, IntRegisters};

use crate::linux::{EV_CLONE_BIT, StopKind};
use crate::server::{Emu, Handle, Kind, Parked, Session};
use crate::sys::{self, Res};

const EVENT_SIZE: usize = std::mem::size_of::<PtraceEvent>();
const INT_SIZE: usize = std::mem::size_of::<IntRegisters>();
const FLOAT_SIZE: usize = std::mem::size_of::<FloatRegisters>();
const ENV_SIZE: usize = std::mem::size_of::<EnvRegisters>();
/// `PtraceFlags::from_bits` rejects bits >= 0x1_0000 (redox_syscall 0.9.5 flag.rs l.381-417).
const VALID_FLAGS: u64 = 0xFFFF;
const STOP_OR_EVENT: u64 = 0x00FF | 0x0F00;
const IGNORE: u64 = 0x1000;
const ST_MASK: u128 = (1u128 << 80) - 1;

type Reply = (Res<i64>, u64, Vec<u8>);

fn ok_len(data: Vec<u8>) -> Reply {
    (Ok(data.len() as i64), 0, data)
}

fn err(e: i32) -> Reply {
    (Err(e), 0, Vec::new())
}

fn val(v: i64) -> Reply {
    (Ok(v), 0, Vec::new())
}

impl Emu {
    fn pid_of(&self, id: u64) -> i32 {
        self.conns.get(&id).map_or(0, |c| c.pid)
    }

    fn count(&mut self, id: u64, idx: usize) {
        if let Some(c) = self.conns.get_mut(&id) {
            let pid = c.pid;
            if let Some(v) = c.stats.get_mut(idx) {
                *v += 1;
            }
            if let Some(v) = self
                .clients
                .get_mut(&pid)
                .and_then(|cl| cl.stats.get_mut(idx))
            {
                *v += 1;
            }
        }
        if let Some(v) = self.totals.get_mut(idx) {
            *v += 1;
        }
    }

    fn handle(&self, id: u64, h: u32) -> Res<&Handle> {
        let pid = self.pid_of(id);
        self.clients
            .get(&pid)
            .and_then(|c| c.handles.get(&h))
            .ok_or(libc::EBADF)
    }

    fn handle_mut(&mut self, id: u64, h: u32) -> Res<&mut Handle> {
        let pid = self.pid_of(id);
        self.clients
            .get_mut(&pid)
            .and_then(|c| c.handles.get_mut(&h))
            .ok_or(libc::EBADF)
    }

    fn tracee_alive(&self, pid: i32) -> bool {
        self.tracees
            .get(&pid)
            .is_some_and(|t| t.attached && t.exited.is_none())
    }

    /// One request; `None` when it was parked (answered later by `service_parked`).
    pub(crate) fn request(&mut self, id: u64, req: &Request, payload: &[u8]) -> Option<Reply> {
        if req.op != op::STATS {
            self.count(id, stat::TOTAL);
            self.count(id, req.op as usize);
        }
        let reply = match req.op {
            op::OPEN => match self.open(id, payload, req.a) {
                Ok(h) => val(i64::from(h)),
                Err(e) => err(e),
            },
            op::DUP => self.dup(id, req.handle, payload),
            op::READ => return self.read(id, req, req.a.min(wire::MAX_PAYLOAD as u64) as usize),
            op::WRITE => self.write(id, req.handle, payload),
            op::SEEK => self.seek(id, req.handle, req.a as i64, req.b),
            op::FCNTL => self.fcntl(id, req.handle, req.a, req.b),
            op::CLOSE => match self.close_handle(self.pid_of(id), req.handle, true) {
                Ok(()) => val(0),
                Err(e) => err(e),
            },
            op::FPATH => self.fpath(id, req.handle),
            op::KILL => self.kill(id, req.a as i64, req.b),
            op::WAITPID => {
                let pid = req.a as i64 as i32;
                if pid <= 0 {
                    err(libc::EINVAL)
                } else if let Some(&st) = self.exits.get(&pid) {
                    (Ok(i64::from(pid)), st as u64, Vec::new())
                } else if !self.tracees.contains_key(&pid) {
                    err(libc::ECHILD)
                } else if req.b & libc::WNOHANG as u64 != 0 {
                    val(0)
                } else {
                    if let Some(c) = self.conns.get_mut(&id) {
                        c.parked = Some(Parked::Wait { pid, seq: req.seq });
                    }
                    return None;
                }
            }
            op::GETPID => val(i64::from(self.conns.get(&id).map_or(0, |c| c.pid))),
            op::STATS => {
                let pid = self.pid_of(id);
                let counters = match req.a {
                    wire::STATS_ALL => self.totals,
                    wire::STATS_CONN => self
                        .conns
                        .get(&id)
                        .map_or([0; wire::STATS_LEN], |c| c.stats),
                    _ => self
                        .clients
                        .get(&pid)
                        .map_or([0; wire::STATS_LEN], |c| c.stats),
                };
                if req.b & 1 != 0 {
                    match req.a {
                        wire::STATS_ALL => self.totals = [0; wire::STATS_LEN],
                        wire::STATS_CONN => {
                            if let Some(c) = self.conns.get_mut(&id) {
                                c.stats = [0; wire::STATS_LEN];
                            }
                        }
                        _ => {
                            if let Some(c) = self.clients.get_mut(&pid) {
                                c.stats = [0; wire::STATS_LEN];
                            }
                        }
                    }
                }
                ok_len(counters.iter().flat_map(|v| v.to_le_bytes()).collect())
            }
            _ => err(libc::ENOSYS),
        };
        Some(reply)
    }

    /// `open` (proc.rs l.211-300). Paths: `proc:PID/OP` or `/scheme/proc/PID/OP`;
    /// `chan:NAME` or `/scheme/chan/NAME` (relibc's TRACEME marker).
    fn open(&mut self, id: u64, path: &[u8], flags: u64) -> Res<u32> {
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
        } else {
            Err(libc::ENOENT)
        }
    }

    fn insert_handle(&mut self, id: u64, h: Handle) -> Res<u32> {
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
        let caller = self.conns.get(&id).map_or(0, |c| c.pid);
        if kind != Kind::Exe {
            // Unless uid or gid is 0: same owner AND strict ancestor (proc.rs l.247-268).
            let (uid, gid) = sys::creds(caller).ok_or(libc::ESRCH)?;
            if uid != 0 && gid != 0 {
                let (tuid, tgid) = sys::creds(pid).ok_or(libc::ESRCH)?;
                if uid != tuid && gid != tgid {
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
            // A listener is registered under the exact name (redox-os/base ipcd/src/chan.rs).
            if live {
                return Err(libc::EEXIST);
            }
            let start = sys::proc_stat(caller).map_or(0, |s| s.2);
            self.chans.insert(name.to_vec(), (caller, start));
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
    fn dup(&mut self, id: u64, h: u32, name: &[u8]) -> Reply {
        let (pid, flags, kind) = match self.handle(id, h) {
            Ok(hd) => (hd.pid, hd.flags, hd.kind),
            Err(e) => return err(e),
        };
        if kind == Kind::Chan {
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

    /// Release cloned children read through this handle that nobody traces
    /// (`continue_ignored_children`, proc.rs l.175-189; run on every write and close).
    fn release_clones(&mut self, clones: Vec<i32>) {
        for pid in clones {
            if self.sessions.contains_key(&pid) {
                continue;
            }
            if let Some(t) = self.tracees.get_mut(&pid) {
                t.frozen = false;
            }
            // Untraced: let it go (detach); if other handles still need it attached, resume.
            self.maybe_detach(pid);
            let inject = self.tracees.get(&pid).map_or(0, |t| t.pending_inject);
            self.resume(pid, inject);
        }
    }

    fn read(&mut self, id: u64, req: &Request, len: usize) -> Option<Reply> {
        let kind = match self.handle(id, req.handle) {
            Ok(h) => h.kind,
            Err(e) => return Some(err(e)),
        };
        let r = match kind {
            Kind::Trace => {
                self.count(id, stat::TRACE_READ);
                match self.trace_read(id, req.handle, len) {
                    Some(Ok(d)) => ok_len(d),
                    Some(Err(e)) => err(e),
                    None => {
                        self.count(id, stat::TRACE_READ_BLOCKED);
                        if let Some(c) = self.conns.get_mut(&id) {
                            c.parked = Some(Parked::Read {
                                handle: req.handle,
                                len,
                                seq: req.seq,
                            });
                        }
                        return None;
                    }
                }
            }
            Kind::RegsInt => {
                self.count(id, stat::REGS_INT_READ);
                self.regs_read(id, req.handle, len)
            }
            Kind::RegsFloat => {
                self.count(id, stat::REGS_FLOAT_READ);
                self.regs_read(id, req.handle, len)
            }
            Kind::RegsEnv => {
                self.count(id, stat::REGS_ENV_READ);
                self.regs_read(id, req.handle, len)
            }
            Kind::Mem => {
                self.count(id, stat::MEM_READ);
                self.mem_rw(id, req.handle, len, None)
            }
            Kind::Exe => match self.handle_mut(id, req.handle) {
                Ok(h) => {
                    let start = (h.pos as usize).min(h.data.len());
                    let d: Vec<u8> = h.data.iter().skip(start).take(len).copied().collect();
                    h.pos += d.len() as u64;
                    ok_len(d)
                }
                Err(e) => err(e),
            },
            Kind::Chan => err(libc::EBADF),
        };
        Some(r)
    }

    /// Trace read (proc.rs l.416-457; ptrace.rs `wait` l.241-270). `None` = must wait.
    pub(crate) fn trace_read(&mut self, id: u64, h: u32, len: usize) -> Option<Res<Vec<u8>>> {
        let (pid, flags) = match self.handle(id, h) {
            Ok(hd) => (hd.pid, hd.flags),
            Err(e) => return Some(Err(e)),
        };
        let alive = self.tracee_alive(pid);
        let Some(s) = self.sessions.get_mut(&pid) else {
            return Some(Err(libc::ESRCH));
        };
        if flags & O_NONBLOCK as u64 == 0 {
            // v2020 asserts on this case (blocking read, buffer < one event); refuse instead.
            if len < EVENT_SIZE {
                return Some(Err(libc::EINVAL));
            }
            if alive && !s.reached && s.queue.is_empty() {
                return None;
            }
        }
        // The context is gone or exited: ESRCH even if events are queued (l.426-427).
        if !alive {
            return Some(Err(libc::ESRCH));
        }
        let n = (len / EVENT_SIZE).min(s.queue.len());
        let mut out = Vec::with_capacity(n * EVENT_SIZE);
        let mut clones = Vec::new();
        for ev in s.queue.drain(..n) {
            if ev.cause.bits() == EV_CLONE_BIT {
                clones.push(ev.a as i32);
            }
            out.extend_from_slice(&ev);
        }
        let reached = s.reached;
        if n == 0 && !reached {
            return Some(Err(libc::EAGAIN));
        }
        if let Ok(hd) = self.handle_mut(id, h) {
            hd.clones.extend(clones);
        }
        Some(Ok(out))
    }

    fn write(&mut self, id: u64, h: u32, data: &[u8]) -> Reply {
        if data.len() > wire::MAX_PAYLOAD {
            return err(libc::EINVAL);
        }
        let kind = match self.handle_mut(id, h) {
            // continue_ignored_children first, on every write (proc.rs l.474).
            Ok(hd) => (hd.kind, std::mem::take(&mut hd.clones)),
            Err(e) => return err(e),
        };
        let (kind, clones) = kind;
        self.release_clones(clones);
        match kind {
            Kind::Trace => {
                self.count(id, stat::TRACE_WRITE);
                self.trace_write(id, h, data)
            }
            Kind::RegsInt => {
                self.count(id, stat::REGS_INT_WRITE);
                self.regs_write(id, h, data)
            }
            Kind::RegsFloat => {
                self.count(id, stat::REGS_FLOAT_WRITE);
                self.regs_write(id, h, data)
            }
            Kind::RegsEnv => {
                self.count(id, stat::REGS_ENV_WRITE);
                self.regs_write(id, h, data)
            }
            Kind::Mem => {
                self.count(id, stat::MEM_WRITE);
                self.mem_rw(id, h, data.len(), Some(data))
            }
            Kind::Exe | Kind::Chan => err(libc::EBADF),
        }
    }

    /// Trace write (proc.rs l.537-586): arm or clear, then resume.
    fn trace_write(&mut self, id: u64, h: u32, data: &[u8]) -> Reply {
        let pid = match self.handle(id, h) {
            Ok(hd) => hd.pid,
            Err(e) => return err(e),
        };
        // Fewer than 8 bytes: Ok(0), nothing done (l.538-540).
        let Some(bytes) = data.get(..8).and_then(|b| <[u8; 8]>::try_from(b).ok()) else {
            return val(0);
        };
        let flags = u64::from_le_bytes(bytes);
        if flags & !VALID_FLAGS != 0 {
            return err(libc::EINVAL);
        }
        let armed = (flags & STOP_OR_EVENT != 0).then_some(flags);
        if let Some(s) = self.sessions.get_mut(&pid) {
            // The event queue is not touched.
            s.armed = armed;
            s.reached = false;
        }
        if !self.tracee_alive(pid) {
            return err(libc::ESRCH);
        }
        let (hold, stopped, inject) = match self.tracees.get_mut(&pid) {
            Some(t) => {
                t.frozen = false;
                (t.hold, t.stop.is_some(), t.pending_inject)
            }
            None => return err(libc::ESRCH),
        };
        if hold {
            self.release_hold(pid, armed.is_some() && flags & IGNORE != 0);
        } else if stopped {
            self.resume(pid, inject);
        } else {
            self.rearm_running(pid);
        }
        val(8)
    }

    fn regs_read(&mut self, id: u64, h: u32, len: usize) -> Reply {
        let (pid, kind) = match self.handle(id, h) {
            Ok(hd) => (hd.pid, hd.kind),
            Err(e) => return err(e),
        };
        let ours = match self.ensure_stopped(pid) {
            Ok(b) => b,
            Err(e) => return err(e),
        };
        let stop = self.tracees.get(&pid).and_then(|t| t.stop);
        let pre_rax = self.tracees.get(&pid).and_then(|t| t.pre_rax);
        let out: Res<Vec<u8>> = match kind {
            Kind::RegsInt => sys::getregs(pid).map(|r| {
                let mut x = int_from_linux(&r);
                // Inside a syscall (its entry, or a clone/exec event of it) Redox's saved frame
                // still holds the number in rax (arch/x86_64/interrupt/syscall.rs @59177587);
                // Linux keeps it in orig_rax.
                if matches!(stop, Some(StopKind::SysEntry | StopKind::Event(_))) {
                    x.rax = pre_rax.unwrap_or(r.orig_rax) as usize;
                }
                x.to_vec()
            }),
            Kind::RegsFloat => sys::getfpregs(pid).map(|f| float_from_linux(&f).to_vec()),
            _ => sys::getregs(pid).map(|r| {
                EnvRegisters {
                    fsbase: r.fs_base,
                    gsbase: r.gs_base,
                }
                .to_vec()
            }),
        };
        if ours {
            self.resume(pid, 0);
        }
        match out {
            // Short buffers get a truncated struct (proc.rs l.413-414).
            Ok(mut d) => {
                d.truncate(len);
                ok_len(d)
            }
            Err(_) => err(libc::ESRCH),
        }
    }

    fn regs_write(&mut self, id: u64, h: u32, data: &[u8]) -> Reply {
        let (pid, kind) = match self.handle(id, h) {
            Ok(hd) => (hd.pid, hd.kind),
            Err(e) => return err(e),
        };
        let need = match kind {
            Kind::RegsInt => INT_SIZE,
            Kind::RegsFloat => FLOAT_SIZE,
            _ => ENV_SIZE,
        };
        // Short writes: Ok(0), no effect (proc.rs l.504-506, l.521-523).
        let Some(data) = data.get(..need) else {
            return val(0);
        };
        if kind == Kind::RegsEnv {
            let mut env = EnvRegisters::default();
            env.copy_from_slice(data);
            // Canonical user addresses only (context/arch/x86_64.rs @663e6641 write_env_regs).
            let (fs, gs) = (env.fsbase, env.gsbase);
            if fs >= 0x0000_8000_0000_0000 || gs >= 0x0000_8000_0000_0000 {
                return err(libc::EINVAL);
            }
        }
        let ours = match self.ensure_stopped(pid) {
            Ok(b) => b,
            Err(e) => return err(e),
        };
        let res = match kind {
            Kind::RegsInt => {
                let mut x = IntRegisters::default();
                x.copy_from_slice(data);
                let at_entry =
                    self.tracees.get(&pid).and_then(|t| t.stop) == Some(StopKind::SysEntry);
                sys::getregs(pid).and_then(|mut r| {
                    int_to_linux(&x, &mut r);
                    if at_entry {
                        // rax is the syscall number at PRE: it selects what runs.
                        r.orig_rax = x.rax as u64;
                        if let Some(t) = self.tracees.get_mut(&pid) {
                            t.pre_rax = Some(x.rax as u64);
                        }
                    } else {
                        r.rax = x.rax as u64;
                    }
                    sys::setregs(pid, &r)
                })
            }
            Kind::RegsFloat => {
                let mut x = FloatRegisters::default();
                x.copy_from_slice(data);
                sys::getfpregs(pid).and_then(|mut f| {
                    float_to_linux(&x, &mut f);
                    sys::setfpregs(pid, &f)
                })
            }
            _ => {
                let mut env = EnvRegisters::default();
                env.copy_from_slice(data);
                sys::getregs(pid).and_then(|mut r| {
                    r.fs_base = env.fsbase;
                    r.gs_base = env.gsbase;
                    sys::setregs(pid, &r)
                })
            }
        };
        if ours {
            self.resume(pid, 0);
        }
        match res {
            Ok(()) => val(need as i64),
            Err(_) => err(libc::ESRCH),
        }
    }

    /// `mem` read/write at the cursor: all or nothing, EFAULT otherwise; writes ignore page
    /// protection (proc.rs l.480-496; ptrace.rs `with_context_memory`). Reopened after exec.
    fn mem_rw(&mut self, id: u64, h: u32, len: usize, data: Option<&[u8]>) -> Reply {
        let pid = match self.handle(id, h) {
            Ok(hd) => hd.pid,
            Err(e) => return err(e),
        };
        if !self.tracee_alive(pid) {
            return err(libc::ESRCH);
        }
        let generation = self.tracees.get(&pid).map_or(0, |t| t.exec_gen);
        let hd = match self.handle_mut(id, h) {
            Ok(hd) => hd,
            Err(e) => return err(e),
        };
        if hd.mem.as_ref().is_none_or(|(_, g)| *g != generation) {
            match std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(format!("/proc/{pid}/mem"))
            {
                Ok(f) => hd.mem = Some((f, generation)),
                Err(_) => return err(libc::ESRCH),
            }
        }
        let Some((file, _)) = hd.mem.as_ref() else {
            return err(libc::ESRCH);
        };
        if len == 0 {
            return val(0);
        }
        let pos = hd.pos;
        if pos
            .checked_add(len as u64)
            .is_none_or(|end| end > isize::MAX as u64)
        {
            return err(libc::EFAULT);
        }
        let mut buf = vec![0u8; len];
        // Validate the whole range first (a read), so a write is never partial.
        if !matches!(file.read_at(&mut buf, pos), Ok(n) if n == len) {
            return err(libc::EFAULT);
        }
        if let Some(d) = data {
            if !matches!(file.write_at(d, pos), Ok(n) if n == len) {
                return err(libc::EFAULT);
            }
            hd.pos += len as u64;
            return val(len as i64);
        }
        hd.pos += len as u64;
        ok_len(buf)
    }

    /// `seek` (proc.rs l.324-333): `mem` only, limit `isize::MAX`; others EBADF.
    fn seek(&mut self, id: u64, h: u32, off: i64, whence: u64) -> Reply {
        let hd = match self.handle_mut(id, h) {
            Ok(hd) => hd,
            Err(e) => return err(e),
        };
        if hd.kind != Kind::Mem {
            return err(libc::EBADF);
        }
        let max = isize::MAX as i128;
        let base = match whence as usize {
            SEEK_SET => 0,
            SEEK_CUR => i128::from(hd.pos),
            SEEK_END => max,
            _ => return err(libc::EINVAL),
        };
        let new = base + i128::from(off);
        if !(0..=max).contains(&new) {
            return err(libc::EINVAL);
        }
        hd.pos = new as u64;
        val(new as i64)
    }

    /// `fcntl` (proc.rs l.589-597): F_SETFL replaces all stored flags.
    fn fcntl(&mut self, id: u64, h: u32, cmd: u64, arg: u64) -> Reply {
        let hd = match self.handle_mut(id, h) {
            Ok(hd) => hd,
            Err(e) => return err(e),
        };
        match cmd as usize {
            F_GETFL => val(hd.flags as i64),
            F_SETFL => {
                hd.flags = arg;
                val(0)
            }
            _ => err(libc::EINVAL),
        }
    }

    fn fpath(&mut self, id: u64, h: u32) -> Reply {
        let hd = match self.handle(id, h) {
            Ok(hd) => hd,
            Err(e) => return err(e),
        };
        let name = match hd.kind {
            Kind::Trace => "trace",
            Kind::RegsInt => "regs/int",
            Kind::RegsFloat => "regs/float",
            Kind::RegsEnv => "regs/env",
            Kind::Mem => "mem",
            Kind::Exe => "exe",
            Kind::Chan => return ok_len([b"chan:".as_slice(), &hd.data].concat()),
        };
        ok_len(format!("proc:{}/{name}", hd.pid).into_bytes())
    }

    /// `close` (proc.rs l.651-670; ptrace.rs `close_session` l.163-172): release clones,
    /// drop the session (the tracee continues), SIGKILL with O_EXCL, clear the freeze.
    pub(crate) fn close_handle(&mut self, client: i32, h: u32, explicit: bool) -> Res<()> {
        let hd = self
            .clients
            .get_mut(&client)
            .and_then(|c| c.handles.remove(&h))
            .ok_or(libc::EBADF)?;
        self.release_clones(hd.clones);
        match hd.kind {
            Kind::Trace => {
                let pid = hd.pid;
                self.sessions.remove(&pid);
                let excl = hd.flags & O_EXCL as u64 != 0;
                if excl && self.tracee_alive(pid) {
                    // SAFETY: plain kill(2).
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
                let inject = match self.tracees.get_mut(&pid) {
                    Some(t) => {
                        t.frozen = false;
                        t.hold = false;
                        // Leaving a SIGNAL stop without IGNORE delivers the signal.
                        match t.stop {
                            Some(StopKind::Signal(s)) => s,
                            _ => t.pending_inject,
                        }
                    }
                    None => 0,
                };
                if !excl && !self.busy(pid) {
                    // Nothing else needs it: detach straight from the stop it sits in.
                    self.maybe_detach(pid);
                }
                self.resume(pid, inject);
            }
            Kind::Chan => {
                // The marker lives while its listener is open; relibc leaks that fd, so it
                // normally lives until the process exits. A dropped connection keeps it.
                if explicit && !hd.data.is_empty() {
                    self.chans.remove(&hd.data);
                }
            }
            Kind::Exe => {}
            _ => self.maybe_detach(hd.pid),
        }
        Ok(())
    }

    /// `kill(pid, sig)` with the duplicate-event quirk: a signal waking a tracee that sleeps
    /// at a stop makes `breakpoint_callback` loop and queue the same event again
    /// (sync/wait_condition.rs and ptrace.rs l.278-316 @59177587; spec §2.5).
    fn kill(&mut self, id: u64, pid: i64, sig: u64) -> Reply {
        if pid <= 0 || pid > i64::from(i32::MAX) || sig > 64 {
            return err(libc::EINVAL);
        }
        let pid = pid as i32;
        let caller = self.conns.get(&id).map_or(0, |c| c.pid);
        let Some((uid, _)) = sys::creds(caller) else {
            return err(libc::ESRCH);
        };
        let Some((tuid, _)) = sys::creds(pid) else {
            return err(libc::ESRCH);
        };
        if uid != 0 && uid != tuid {
            return err(libc::EPERM);
        }
        let sig = sig as i32;
        let held = self.tracees.get(&pid).is_some_and(|t| t.hold);
        if held && sig != 0 && sig != libc::SIGKILL {
            let blocked = sys::sigmask(pid, "SigBlk:") & (1u64 << ((sig - 1) & 63)) != 0;
            let last = self.tracees.get(&pid).and_then(|t| t.last_event);
            if !blocked && let (Some(ev), Some(s)) = (last, self.sessions.get_mut(&pid)) {
                s.queue.push_back(ev);
            }
        }
        // SAFETY: plain kill(2).
        if unsafe { libc::kill(pid, sig) } != 0 {
            return err(sys::errno());
        }
        val(0)
    }
}

fn int_from_linux(r: &libc::user_regs_struct) -> IntRegisters {
    IntRegisters {
        r15: r.r15 as usize,
        r14: r.r14 as usize,
        r13: r.r13 as usize,
        r12: r.r12 as usize,
        rbp: r.rbp as usize,
        rbx: r.rbx as usize,
        r11: r.r11 as usize,
        r10: r.r10 as usize,
        r9: r.r9 as usize,
        r8: r.r8 as usize,
        rax: r.rax as usize,
        rcx: r.rcx as usize,
        rdx: r.rdx as usize,
        rsi: r.rsi as usize,
        rdi: r.rdi as usize,
        rip: r.rip as usize,
        cs: r.cs as usize,
        rflags: r.eflags as usize,
        rsp: r.rsp as usize,
        ss: r.ss as usize,
    }
}

/// v2020 `InterruptStack::load` writes r15..rax and rip only; rsp, rflags, cs and ss are
/// ignored (arch/x86_64/interrupt/handler.rs @59177587). rax is applied by the caller.
fn int_to_linux(x: &IntRegisters, r: &mut libc::user_regs_struct) {
    r.r15 = x.r15 as u64;
    r.r14 = x.r14 as u64;
    r.r13 = x.r13 as u64;
    r.r12 = x.r12 as u64;
    r.rbp = x.rbp as u64;
    r.rbx = x.rbx as u64;
    r.r11 = x.r11 as u64;
    r.r10 = x.r10 as u64;
    r.r9 = x.r9 as u64;
    r.r8 = x.r8 as u64;
    r.rcx = x.rcx as u64;
    r.rdx = x.rdx as u64;
    r.rsi = x.rsi as u64;
    r.rdi = x.rdi as u64;
    r.rip = x.rip as u64;
}

fn u128_at(words: &[u32], i: usize) -> u128 {
    (0..4).fold(0u128, |acc, k| {
        acc | (u128::from(words.get(i * 4 + k).copied().unwrap_or(0)) << (32 * k))
    })
}

fn put_u128(words: &mut [u32], i: usize, v: u128) {
    for k in 0..4 {
        if let Some(w) = words.get_mut(i * 4 + k) {
            *w = (v >> (32 * k)) as u32;
        }
    }
}

/// The first 416 bytes of the FXSAVE image; bits above 79 of `st_space` masked and
/// `_reserved` forced to 0 on read (context/arch/x86_64.rs @663e6641).
fn float_from_linux(f: &libc::user_fpregs_struct) -> FloatRegisters {
    let mut st = [0u128; 8];
    for (i, v) in st.iter_mut().enumerate() {
        *v = u128_at(&f.st_space, i) & ST_MASK;
    }
    let mut xmm = [0u128; 16];
    for (i, v) in xmm.iter_mut().enumerate() {
        *v = u128_at(&f.xmm_space, i);
    }
    FloatRegisters {
        fcw: f.cwd,
        fsw: f.swd,
        ftw: f.ftw as u8,
        _reserved: 0,
        fop: f.fop,
        fip: f.rip,
        fdp: f.rdp,
        mxcsr: f.mxcsr,
        mxcsr_mask: f.mxcr_mask,
        st_space: st,
        xmm_space: xmm,
    }
}

/// Bits above 79 of each `st_space` entry are preserved on write.
fn float_to_linux(x: &FloatRegisters, f: &mut libc::user_fpregs_struct) {
    f.cwd = x.fcw;
    f.swd = x.fsw;
    f.ftw = u16::from(x.ftw);
    f.fop = x.fop;
    f.rip = x.fip;
    f.rdp = x.fdp;
    f.mxcsr = x.mxcsr;
    let st = x.st_space;
    for (i, v) in st.iter().enumerate() {
        let old = u128_at(&f.st_space, i);
        put_u128(&mut f.st_space, i, (v & ST_MASK) | (old & !ST_MASK));
    }
    let xmm = x.xmm_space;
    for (i, v) in xmm.iter().enumerate() {
        put_u128(&mut f.xmm_space, i, *v);
    }
}
