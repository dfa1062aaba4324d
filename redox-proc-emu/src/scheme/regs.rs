//! The `regs/int`, `regs/float` and `regs/env` handles, and the conversions between the Linux
//! and Redox register structs.

use syscall::{EnvRegisters, FloatRegisters, IntRegisters};

use super::{Reply, err, ok_len, val};
use crate::linux::StopKind;
use crate::server::{Emu, Kind};
use crate::sys::{self, Res};

const INT_SIZE: usize = std::mem::size_of::<IntRegisters>();
const FLOAT_SIZE: usize = std::mem::size_of::<FloatRegisters>();
const ENV_SIZE: usize = std::mem::size_of::<EnvRegisters>();
const ST_MASK: u128 = (1u128 << 80) - 1;

impl Emu {
    pub(super) fn regs_read(&mut self, id: u64, h: u32, len: usize) -> Reply {
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

    pub(super) fn regs_write(&mut self, id: u64, h: u32, data: &[u8]) -> Reply {
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
