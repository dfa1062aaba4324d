//! Wire format spoken between `redox-proc-emu` (the Linux-hosted emulator of the Redox v2020
//! `proc:` scheme) and its clients.
//!
//! `#![no_std]`, no dependencies, no allocation: a client written against raw Linux syscalls
//! (`socket`/`connect`/`sendmsg`/`recvmsg`) can speak it. The full description, with the
//! semantics of every operation, is `redox-proc-emu/PROTOCOL.md`.
//!
//! Transport: an abstract `AF_UNIX` `SOCK_SEQPACKET` socket whose name (without the leading
//! NUL byte) is in the environment variable [`ENV_VAR`] (or derived from the emulator's pid,
//! [`SOCKET_PREFIX`]). One request message is answered by
//! exactly one response message, in order. All integers are little-endian.
//!
//! Request message = [`Request`] header ([`REQ_HEADER_LEN`] bytes) followed by the payload
//! (path for `OPEN`/`DUP`, data for `WRITE`, nothing otherwise).
//!
//! `event:` queue handles read and write arrays of [`EVENT_LEN`]-byte events (redox_syscall
//! `Event`): `id` u64 @0, `flags` u64 @8 ([`EVENT_READ`], [`EVENT_WRITE`]), `data` u64 @16.
//! Response message = [`Response`] header ([`RESP_HEADER_LEN`] bytes) followed by the payload
//! (data for `READ`, counters for `STATS`, the path for `FPATH`).
#![no_std]

/// Environment variable holding the abstract socket name of the emulator.
pub const ENV_VAR: &str = "REDOX_PROC_EMU";

/// The emulator listens on this prefix followed by its own pid in decimal
/// (`redox-proc-emu.4242`), so a descendant without [`ENV_VAR`] finds it by trying the name
/// of each ancestor, and accepts the one whose listener (`SO_PEERCRED` pid) is that ancestor.
pub const SOCKET_PREFIX: &str = "redox-proc-emu.";

/// Size of an encoded [`Request`] header.
pub const REQ_HEADER_LEN: usize = 40;
/// Size of an encoded [`Response`] header.
pub const RESP_HEADER_LEN: usize = 24;
/// Largest payload in either direction. `READ` lengths are clamped to it; a longer `WRITE`
/// payload is refused with `EINVAL`. Clients split larger transfers.
pub const MAX_PAYLOAD: usize = 65536;
/// Largest message in either direction.
pub const MAX_MSG: usize = REQ_HEADER_LEN + MAX_PAYLOAD;

/// Operation codes ([`Request::op`]).
pub mod op {
    /// `a` = open flags (Redox `O_*` values); payload = path. Result: handle.
    pub const OPEN: u32 = 1;
    /// `handle`; `a` = buffer length. Result: bytes read; payload = the bytes.
    pub const READ: u32 = 2;
    /// `handle`; payload = bytes. Result: bytes written.
    pub const WRITE: u32 = 3;
    /// `handle`; `a` = offset (i64), `b` = whence (`SEEK_SET`/`CUR`/`END`). Result: position.
    pub const SEEK: u32 = 4;
    /// `handle`; `a` = cmd (`F_GETFL` = 3, `F_SETFL` = 4), `b` = arg. Result: value.
    pub const FCNTL: u32 = 5;
    /// `handle`. Result: 0.
    pub const CLOSE: u32 = 6;
    /// `handle`; payload = name (e.g. `regs/int`). Result: new handle for the same pid.
    pub const DUP: u32 = 7;
    /// `a` = pid (i64, > 0), `b` = signal. Result: 0.
    pub const KILL: u32 = 8;
    /// `a` = pid (i64), `b` = options. Result: pid or 0; `aux` = status. See PROTOCOL.md.
    pub const WAITPID: u32 = 9;
    /// Result: the pid this connection was opened by.
    pub const GETPID: u32 = 10;
    /// `a` = scope ([`super::STATS_SELF`], [`super::STATS_ALL`] or [`super::STATS_CONN`]),
    /// `b` bit 0 = reset
    /// afterwards. Payload: [`super::STATS_LEN`] little-endian `u64` counters. Not counted.
    pub const STATS: u32 = 11;
    /// `handle`. Payload: `proc:PID/OPERATION` (`event:` for a queue). Result: its length.
    pub const FPATH: u32 = 12;
}

/// `STATS` scope: the counters of the asking client process (all its connections).
pub const STATS_SELF: u64 = 0;
/// `STATS` scope: the sum over every connection the emulator has served.
pub const STATS_ALL: u64 = 1;
/// `STATS` scope: the counters of the asking connection only.
pub const STATS_CONN: u64 = 2;

/// Counter indices in the `STATS` payload.
pub mod stat {
    /// Total scheme operations (every op except `STATS`).
    pub const TOTAL: usize = 0;
    // Indices 1..=12: one counter per op code (`stats[op]`).
    /// `READ` of a `trace` handle.
    pub const TRACE_READ: usize = 16;
    /// `WRITE` of a `trace` handle.
    pub const TRACE_WRITE: usize = 17;
    /// `READ` of `regs/int`.
    pub const REGS_INT_READ: usize = 18;
    /// `WRITE` of `regs/int`.
    pub const REGS_INT_WRITE: usize = 19;
    /// `READ` of `regs/float`.
    pub const REGS_FLOAT_READ: usize = 20;
    /// `WRITE` of `regs/float`.
    pub const REGS_FLOAT_WRITE: usize = 21;
    /// `READ` of `regs/env`.
    pub const REGS_ENV_READ: usize = 22;
    /// `WRITE` of `regs/env`.
    pub const REGS_ENV_WRITE: usize = 23;
    /// `READ` of `mem`.
    pub const MEM_READ: usize = 24;
    /// `WRITE` of `mem`.
    pub const MEM_WRITE: usize = 25;
    /// `OPEN` of a `trace` handle (including through `DUP`).
    pub const TRACE_OPEN: usize = 26;
    /// Trace reads that had to wait (were parked by the emulator).
    pub const TRACE_READ_BLOCKED: usize = 27;
    /// `READ` of an `event:` queue handle.
    pub const EVENT_READ: usize = 28;
    /// `WRITE` of an `event:` queue handle (registrations).
    pub const EVENT_WRITE: usize = 29;
    /// `event:` reads that had to wait (were parked by the emulator).
    pub const EVENT_READ_BLOCKED: usize = 30;
}

/// Size of one `event:` event (redox_syscall 0.9.5 `data.rs` `struct Event`, x86_64):
/// `id: usize` @0, `flags: usize` @8, `data: usize` @16, little-endian.
pub const EVENT_LEN: usize = 24;
/// `EventFlags::EVENT_READ` (redox_syscall 0.9.5 `flag.rs`).
pub const EVENT_READ: u64 = 1;
/// `EventFlags::EVENT_WRITE` (redox_syscall 0.9.5 `flag.rs`).
pub const EVENT_WRITE: u64 = 2;

/// Encodes one `event:` event ([`EVENT_LEN`] bytes).
pub fn encode_event(id: u64, flags: u64, data: u64) -> [u8; EVENT_LEN] {
    let mut out = [0u8; EVENT_LEN];
    put_u64(&mut out, 0, id);
    put_u64(&mut out, 8, flags);
    put_u64(&mut out, 16, data);
    out
}

/// Decodes one `event:` event: `(id, flags, data)`. `None` if `buf` is shorter than
/// [`EVENT_LEN`].
pub fn decode_event(buf: &[u8]) -> Option<(u64, u64, u64)> {
    Some((get_u64(buf, 0)?, get_u64(buf, 8)?, get_u64(buf, 16)?))
}

/// Number of `u64` counters in a `STATS` payload.
pub const STATS_LEN: usize = 32;

/// A request header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Request {
    /// Operation code, one of [`op`].
    pub op: u32,
    /// Handle the operation applies to (0 when unused).
    pub handle: u32,
    /// First argument.
    pub a: u64,
    /// Second argument.
    pub b: u64,
    /// Third argument (reserved, send 0).
    pub c: u64,
    /// Free for the client; echoed in the response.
    pub seq: u32,
}

/// A response header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Response {
    /// `>= 0`: the value; `< 0`: `-errno` (Linux and Redox share the numbering).
    pub result: i64,
    /// Secondary value (`WAITPID` status), else 0.
    pub aux: u64,
    /// The request's `seq`.
    pub seq: u32,
}

fn put_u32(out: &mut [u8], at: usize, v: u32) {
    if let Some(dst) = out.get_mut(at..at + 4) {
        dst.copy_from_slice(&v.to_le_bytes());
    }
}

fn put_u64(out: &mut [u8], at: usize, v: u64) {
    if let Some(dst) = out.get_mut(at..at + 8) {
        dst.copy_from_slice(&v.to_le_bytes());
    }
}

fn get_u32(buf: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = buf.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

fn get_u64(buf: &[u8], at: usize) -> Option<u64> {
    let b: [u8; 8] = buf.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}

impl Request {
    /// Encodes the header: `op` u32 @0, `handle` u32 @4, `a` u64 @8, `b` u64 @16, `c` u64 @24,
    /// `seq` u32 @32, 4 zero bytes @36.
    pub fn encode(&self) -> [u8; REQ_HEADER_LEN] {
        let mut out = [0u8; REQ_HEADER_LEN];
        put_u32(&mut out, 0, self.op);
        put_u32(&mut out, 4, self.handle);
        put_u64(&mut out, 8, self.a);
        put_u64(&mut out, 16, self.b);
        put_u64(&mut out, 24, self.c);
        put_u32(&mut out, 32, self.seq);
        out
    }

    /// Decodes a message: the header and the payload that follows it. `None` if the message
    /// is shorter than a header.
    pub fn decode(msg: &[u8]) -> Option<(Request, &[u8])> {
        let req = Request {
            op: get_u32(msg, 0)?,
            handle: get_u32(msg, 4)?,
            a: get_u64(msg, 8)?,
            b: get_u64(msg, 16)?,
            c: get_u64(msg, 24)?,
            seq: get_u32(msg, 32)?,
        };
        Some((req, msg.get(REQ_HEADER_LEN..)?))
    }
}

impl Response {
    /// Encodes the header: `result` i64 @0, `aux` u64 @8, `seq` u32 @16, 4 zero bytes @20.
    pub fn encode(&self) -> [u8; RESP_HEADER_LEN] {
        let mut out = [0u8; RESP_HEADER_LEN];
        put_u64(&mut out, 0, self.result as u64);
        put_u64(&mut out, 8, self.aux);
        put_u32(&mut out, 16, self.seq);
        out
    }

    /// Decodes a message: the header and the payload that follows it.
    pub fn decode(msg: &[u8]) -> Option<(Response, &[u8])> {
        let resp = Response {
            result: get_u64(msg, 0)? as i64,
            aux: get_u64(msg, 8)?,
            seq: get_u32(msg, 16)?,
        };
        Some((resp, msg.get(RESP_HEADER_LEN..)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let r = Request {
            op: op::READ,
            handle: 7,
            a: 56,
            b: u64::MAX,
            c: 0,
            seq: 9,
        };
        let mut msg = [0u8; REQ_HEADER_LEN + 3];
        msg[..REQ_HEADER_LEN].copy_from_slice(&r.encode());
        msg[REQ_HEADER_LEN..].copy_from_slice(b"abc");
        let (d, p) = Request::decode(&msg).unwrap();
        assert_eq!(d, r);
        assert_eq!(p, b"abc");
        let s = Response {
            result: -3,
            aux: 0x137f,
            seq: 9,
        };
        let enc = s.encode();
        let (d, p) = Response::decode(&enc).unwrap();
        assert_eq!(d, s);
        assert!(p.is_empty());
        assert!(Request::decode(&[0u8; 39]).is_none());
        let ev = encode_event(3, EVENT_READ, u64::MAX);
        assert_eq!(decode_event(&ev), Some((3, EVENT_READ, u64::MAX)));
        assert!(decode_event(&ev[..23]).is_none());
    }
}
