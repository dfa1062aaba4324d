//! The `mem` handle: all-or-nothing reads and writes at its cursor, and `seek`.

use std::os::unix::fs::FileExt;

use syscall::flag::{SEEK_CUR, SEEK_END, SEEK_SET};

use super::{Reply, err, ok_len, val};
use crate::server::{Emu, Kind};

impl Emu {
    /// `mem` read/write at the cursor: all or nothing, EFAULT otherwise; writes ignore page
    /// protection (proc.rs l.480-496; ptrace.rs `with_context_memory`). Reopened after exec.
    pub(super) fn mem_rw(&mut self, id: u64, h: u32, len: usize, data: Option<&[u8]>) -> Reply {
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
    pub(super) fn seek(&mut self, id: u64, h: u32, off: i64, whence: u64) -> Reply {
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
}
