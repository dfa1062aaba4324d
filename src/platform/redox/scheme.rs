//! Paths of the `proc:` and `chan:` schemes, and the reads and writes of fixed-size records
//! on them.

use super::os::{self, Fd};
use crate::errno::{EIO, Result};
use crate::platform::types::pid_t;

/// A path built on the stack (`/scheme/proc/<pid>/regs/float` fits easily).
pub struct Path {
    buf: [u8; 64],
    len: usize,
}

impl Path {
    fn new() -> Self {
        Path {
            buf: [0; 64],
            len: 0,
        }
    }

    fn push(&mut self, s: &[u8]) {
        for &b in s {
            if let Some(slot) = self.buf.get_mut(self.len) {
                *slot = b;
                self.len += 1;
            }
        }
    }

    fn push_pid(&mut self, pid: pid_t) {
        let mut digits = [0u8; 10];
        let mut n = pid.unsigned_abs();
        let mut i = digits.len();
        loop {
            i -= 1;
            if let Some(d) = digits.get_mut(i) {
                *d = b'0' + (n % 10) as u8;
            }
            n /= 10;
            if n == 0 || i == 0 {
                break;
            }
        }
        self.push(digits.get(i..).unwrap_or_default());
    }

    /// The path as text (always ASCII).
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(self.buf.get(..self.len).unwrap_or_default()).unwrap_or_default()
    }
}

/// `/scheme/proc/<pid>/<name>` (docs/redox-protocol.md §1.1; the `/scheme/` spelling since relibc `49c708f5`).
pub fn proc_path(pid: pid_t, name: &str) -> Path {
    let mut p = Path::new();
    p.push(b"/scheme/proc/");
    p.push_pid(pid);
    p.push(b"/");
    p.push(name.as_bytes());
    p
}

/// The `chan:` marker relibc's PTRACE_TRACEME creates (docs/redox-protocol.md §6.3).
pub fn traceme_marker(pid: pid_t) -> Path {
    let mut p = Path::new();
    p.push(b"/scheme/chan/ptrace-relibc/");
    p.push_pid(pid);
    p.push(b"/traceme");
    p
}

/// Reads exactly `buf.len()` bytes in one call; a short read is EIO.
pub fn read_exact(fd: Fd, buf: &mut [u8]) -> Result<()> {
    match os::read(fd, buf)? {
        n if n == buf.len() => Ok(()),
        _ => Err(EIO),
    }
}

/// Writes exactly `buf` in one call; a short write is EIO.
pub fn write_all(fd: Fd, buf: &[u8]) -> Result<()> {
    match os::write(fd, buf)? {
        n if n == buf.len() => Ok(()),
        _ => Err(EIO),
    }
}

/// Words from native-endian bytes.
pub fn words<const N: usize>(bytes: &[u8]) -> [u64; N] {
    let mut out = [0u64; N];
    for (w, chunk) in out.iter_mut().zip(bytes.chunks_exact(8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        *w = u64::from_ne_bytes(b);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_the_scheme_spelling() {
        assert_eq!(
            proc_path(1234, "regs/int").as_str(),
            "/scheme/proc/1234/regs/int"
        );
        assert_eq!(
            traceme_marker(7).as_str(),
            "/scheme/chan/ptrace-relibc/7/traceme"
        );
    }
}
