//! Security and discovery: who may open what (the v2020 rules, docs/redox-protocol.md §1.2),
//! judged by the process that sends each request with the ids the kernel fixed at connect;
//! the TRACEME marker; finding the emulator without the environment.
//!
//! The permission tests need root (they create processes of other uids with setresuid and a
//! setuid-root helper); without root they print `SKIPPED` and pass.

// Test code: clippy.toml relaxes the panic family only inside #[test] functions; the helpers
// and bodies shared by the tests get the same relaxation here.
#![cfg(target_arch = "x86_64")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[macro_use]
mod common;

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use common::*;

emu_tests!(
    setuid_exec_does_not_grant_root,
    unprivileged_open_and_kill_rules,
    traceme_marker_only_by_its_pid,
    descendant_without_environment_finds_emulator,
);

/// An unprivileged uid/gid for the attacker, and another user.
const USER: u32 = 1500;
const OTHER: u32 = 1600;

fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Becomes uid/gid `id` for good (in a forked child).
fn become_user(uid: u32, gid: u32) {
    // SAFETY: plain credential syscalls.
    unsafe {
        assert_eq!(libc::setgroups(0, std::ptr::null()), 0);
        assert_eq!(libc::setresgid(gid, gid, gid), 0);
        assert_eq!(libc::setresuid(uid, uid, uid), 0);
    }
}

/// Spins until killed; dies with the test (and never holds the harness's output pipes, so a
/// failed test cannot hang on it).
fn spin() -> ! {
    // SAFETY: plain prctl/open/dup2 in a forked child.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        let fd = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        libc::dup2(fd, 1);
        libc::dup2(fd, 2);
    }
    loop {
        raw_syscall0(libc::SYS_getppid);
    }
}

/// A process of `uid`/`gid` that spins until killed.
fn spinner(uid: u32, gid: u32) -> i32 {
    fork_child(move || {
        become_user(uid, gid);
        spin()
    })
}

fn reap(pid: i32) {
    kill(pid, libc::SIGKILL);
    wait(pid, 0);
}

/// Effective uid of `pid`.
fn euid_of(pid: i32) -> Option<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with("Uid:"))?
        .split_whitespace()
        .nth(2)?
        .parse()
        .ok()
}

/// A setuid-root copy of this test binary (run as the helper, `sec_helper`), in a directory
/// on a file system that honours setuid (not `nosuid`) and that every user can enter.
fn setuid_helper() -> Option<PathBuf> {
    let candidates = [
        PathBuf::from("/tmp"),
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")),
        PathBuf::from("/var/tmp"),
    ];
    for base in candidates {
        let dir = base.join(format!("redox-proc-emu-suid-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let Ok(cdir) = CString::new(dir.as_os_str().as_encoded_bytes()) else {
            continue;
        };
        // SAFETY: statvfs is plain old data; all-zero is valid.
        let mut sv: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: cdir is NUL-terminated and sv a valid out pointer.
        let failed = unsafe { libc::statvfs(cdir.as_ptr(), &mut sv) } != 0;
        if failed || sv.f_flag & libc::ST_NOSUID != 0 {
            eprintln!("{} is nosuid; trying another directory", dir.display());
            continue;
        }
        // Every user must reach it: each ancestor directory searchable by others.
        let reachable = dir.ancestors().all(|a| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(a).is_ok_and(|m| m.permissions().mode() & 0o001 != 0)
        });
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755));
        if !reachable {
            continue;
        }
        let bin = dir.join("suid-helper");
        std::fs::copy(std::env::current_exe().unwrap(), &bin).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o4755)).unwrap();
        return Some(bin);
    }
    None
}

/// `socket(AF_UNIX, SOCK_SEQPACKET)` *without* CLOEXEC (an attacker's own socket).
fn raw_socket() -> OwnedFd {
    // SAFETY: plain socket(2).
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_SEQPACKET, 0) };
    assert!(fd >= 0);
    // SAFETY: just created.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// `connect(fd, emulator)` with raw calls (safe after fork).
fn raw_connect(fd: i32, name: &[u8]) -> i32 {
    // SAFETY: sockaddr_un is plain old data.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (d, s) in addr.sun_path.iter_mut().skip(1).zip(name) {
        *d = *s as libc::c_char;
    }
    let len = 2 + 1 + name.len();
    // SAFETY: addr/len describe a valid abstract address.
    unsafe { libc::connect(fd, (&raw const addr).cast(), len as libc::socklen_t) }
}

fn emu_name() -> Vec<u8> {
    std::env::var(redox_proc_wire::ENV_VAR)
        .unwrap()
        .into_bytes()
}

/// `execve(helper, [helper, "sec_helper", "--exact", ...], env)`; never returns.
fn exec_helper(bin: &CString, env: &[CString]) -> ! {
    let args: Vec<CString> = ["sec_helper", "--exact", "--nocapture", "--test-threads=1"]
        .iter()
        .map(|a| CString::new(*a).unwrap())
        .collect();
    let mut argv: Vec<*const libc::c_char> = vec![bin.as_ptr()];
    argv.extend(args.iter().map(|a| a.as_ptr()));
    argv.push(std::ptr::null());
    let mut envp: Vec<*const libc::c_char> = env.iter().map(|e| e.as_ptr()).collect();
    envp.push(std::ptr::null());
    // SAFETY: NULL-terminated arrays of C strings that live until the call.
    unsafe {
        libc::execve(bin.as_ptr(), argv.as_ptr(), envp.as_ptr());
        libc::_exit(127)
    }
}

/// Helper side, run by the setuid-root copy (`SEC_HELPER` in the environment):
/// `sleep` — stay alive as a root process; `send` — send `OPEN SEC_TARGET` on the connection
/// inherited as fd 3 (connected before the exec, by this same process) and exit 0 if it was
/// refused with EPERM.
#[test]
fn sec_helper() {
    match std::env::var("SEC_HELPER").as_deref() {
        Ok("sleep") => std::thread::sleep(std::time::Duration::from_secs(30)),
        Ok("send") => {
            // SAFETY: fd 3 was set up by the parent before exec and is ours.
            let mut c = Client::from_fd(unsafe { OwnedFd::from_raw_fd(3) });
            let target = std::env::var("SEC_TARGET").unwrap();
            let r = c.open(&target, O_RDWR);
            eprintln!(
                "helper (euid {:?}): open {target} -> {r:?}",
                euid_of(std::process::id() as i32)
            );
            std::process::exit(if r == Err(EPERM) { 0 } else { 1 });
        }
        _ => {}
    }
}

/// A process that cleared its whole environment (`execve(path, argv, NULL)`) finds the
/// emulator through its ancestors. Argument 2 (a second test filter, matching nothing) is the
/// file to write the result to.
#[test]
fn sec_discover() {
    if std::env::vars_os().next().is_some() {
        return;
    }
    let out = std::env::args().nth(5).unwrap();
    let me = std::process::id() as i32;
    let res = match Client::connect() {
        Ok(mut c) => format!(
            "getpid {:?} server {:?} parent {}",
            c.getpid().map(|p| p == me),
            c.server_pid(),
            std::os::unix::process::parent_id()
        ),
        Err(e) => format!("no emulator: {e}"),
    };
    std::fs::write(format!("{out}.tmp"), res).unwrap();
    std::fs::rename(format!("{out}.tmp"), out).unwrap();
}

mod bodies {
    use super::*;

    /// The attack of issue #11: a uid-1500 process forks; the child connects to the
    /// emulator, then execs a setuid-root program; the parent keeps the shared connection and
    /// asks through it. Before: the emulator took the connecting process's *current* ids
    /// (euid 0) and let it trace any root process. Now: the sender of each message is the
    /// parent, not the connection's owner (EPERM); and even the owner itself, after its
    /// setuid exec, is refused (its ids are no longer those it connected with).
    pub fn setuid_exec_does_not_grant_root() {
        if !is_root() {
            println!(
                "SKIPPED setuid_exec_does_not_grant_root: needs root (setresuid, setuid helper)"
            );
            return;
        }
        let Some(helper) = setuid_helper() else {
            println!(
                "SKIPPED setuid_exec_does_not_grant_root: no suid-capable directory reachable by uid {USER}"
            );
            return;
        };
        let root_target = spinner(0, 0);
        let bin = CString::new(helper.as_os_str().as_encoded_bytes()).unwrap();
        let name = emu_name();
        let sleep_env = [CString::new("SEC_HELPER=sleep").unwrap()];
        let send_env = [
            CString::new("SEC_HELPER=send").unwrap(),
            CString::new(format!("SEC_TARGET=proc:{root_target}/trace")).unwrap(),
        ];
        let attacker = fork_child(move || {
            become_user(USER, USER);
            // Part 1: the child connects the shared socket and becomes root by exec.
            let s = raw_socket();
            let sfd = s.as_raw_fd();
            let (name2, bin2) = (name.clone(), bin.clone());
            let child = fork_child(move || {
                if raw_connect(sfd, &name2) != 0 {
                    return 50;
                }
                exec_helper(&bin2, &sleep_env)
            });
            if !eventually(|| euid_of(child) == Some(0)) {
                eprintln!("helper did not become root");
                return 2;
            }
            let mut shared_conn = Client::from_fd(s);
            let mut code = 0;
            for path in [
                format!("proc:{root_target}/trace"),
                format!("proc:{root_target}/regs/int"),
                format!("proc:{root_target}/mem"),
                format!("proc:{child}/trace"),
            ] {
                let r = shared_conn.open(&path, O_RDWR);
                if r != Err(EPERM) {
                    eprintln!("through the inherited connection: open {path} -> {r:?}");
                    code = 3;
                }
            }
            if shared_conn.kill(root_target, 0) != Err(EPERM) {
                eprintln!("through the inherited connection: kill allowed");
                code = 4;
            }
            // Its own connection: uid 1500, not an ancestor of the root process.
            let mut own = Client::connect().unwrap();
            if own.open(&format!("proc:{root_target}/trace"), O_RDWR) != Err(EPERM) {
                code = 5;
            }
            kill(child, libc::SIGKILL);
            wait(child, 0);
            // Part 2: the connection's owner itself sends after its setuid exec (a request
            // read after the exec): its ids are not those it connected with.
            let s2 = raw_socket();
            let fd2 = s2.as_raw_fd();
            let child2 = fork_child(move || {
                // SAFETY: plain dup2 in the child; fd 3 is inherited across exec.
                unsafe { libc::dup2(fd2, 3) };
                if raw_connect(3, &name) != 0 {
                    return 51;
                }
                exec_helper(&bin, &send_env)
            });
            let (_, st) = wait(child2, 0);
            if !libc::WIFEXITED(st) || libc::WEXITSTATUS(st) != 0 {
                eprintln!("the setuid-exec'd owner was not refused: status {st:#x}");
                code = 6;
            }
            code
        });
        let (_, st) = wait(attacker, 0);
        reap(root_target);
        let _ = std::fs::remove_dir_all(helper.parent().unwrap());
        assert_eq!(st, 0, "attacker outcome (exit code << 8)");
    }

    /// v2020 open rules (proc.rs l.248-268) for a non-root caller: its own child yes; another
    /// uid's process and a root process no (not owner, not ancestor); `exe` needs nothing;
    /// kill (process.rs l.1228-1230): its own child yes, another uid's process no. And the
    /// faithful v2020 looseness: a uid-`nobody` process with gid 0 counts as root.
    pub fn unprivileged_open_and_kill_rules() {
        if !is_root() {
            println!("SKIPPED unprivileged_open_and_kill_rules: needs root");
            return;
        }
        let root_target = spinner(0, 0);
        let other = spinner(OTHER, OTHER);
        let user = fork_child(move || {
            become_user(USER, USER);
            let mut c = Client::connect().unwrap();
            let own = fork_child(|| spin());
            let mut code = 0;
            let tr = Tr::open(&mut c, own, 0);
            if tr.regs(&mut c).rip == 0 {
                code = 2;
            }
            for pid in [root_target, other] {
                for op in ["trace", "regs/int", "regs/float", "mem"] {
                    let r = c.open(&format!("proc:{pid}/{op}"), O_RDWR);
                    if r != Err(EPERM) {
                        eprintln!("uid {USER}: open proc:{pid}/{op} -> {r:?}");
                        code = 3;
                    }
                }
                // v2020 checks nothing for `exe` (proc.rs l.100-107, l.248).
                if c.open(&format!("proc:{pid}/exe"), O_RDWR).is_err() {
                    code = 4;
                }
            }
            if c.kill(other, 0) != Err(EPERM) || c.kill(root_target, 0) != Err(EPERM) {
                code = 5;
            }
            if c.kill(own, 0).is_err() {
                code = 6;
            }
            kill(own, libc::SIGKILL);
            wait(own, 0);
            code
        });
        let (_, st) = wait(user, 0);
        assert_eq!(st, 0, "uid {USER} outcome (exit code << 8)");
        // v2020: egid 0 is root whatever the uid (proc.rs l.248). Reproduced, listed as a
        // security difference in docs/redox-gaps.md.
        let nobody = fork_child(move || {
            become_user(65534, 0);
            let mut c = Client::connect().unwrap();
            match c.open(&format!("proc:{root_target}/trace"), O_RDWR) {
                Ok(h) => {
                    c.close(h).unwrap();
                    0
                }
                Err(e) => {
                    eprintln!("nobody/gid 0: {e:?}");
                    1
                }
            }
        });
        assert_eq!(wait(nobody, 0).1, 0);
        // kill compares with the target's *real* uid, by the caller's euid or ruid
        // (process.rs l.1228-1230): ruid 1600/euid 1500 may signal uid 1600's process; nobody
        // with euid 1500 may signal a process of ruid 1600 and euid 1500.
        let mixed = fork_child(move || {
            // SAFETY: plain credential syscalls.
            unsafe {
                libc::setgroups(0, std::ptr::null());
                libc::setresgid(USER, USER, USER);
                libc::setresuid(OTHER, USER, USER);
            }
            spin()
        });
        let by_ruid = fork_child(move || {
            // SAFETY: plain credential syscalls.
            unsafe {
                libc::setgroups(0, std::ptr::null());
                libc::setresgid(USER, USER, USER);
                libc::setresuid(OTHER, USER, USER);
            }
            let mut c = Client::connect().unwrap();
            i32::from(c.kill(other, 0).is_err())
        });
        assert_eq!(
            wait(by_ruid, 0).1,
            0,
            "ruid {OTHER} could not signal uid {OTHER}"
        );
        let by_euid = fork_child(move || {
            become_user(USER, USER);
            let mut c = Client::connect().unwrap();
            i32::from(c.kill(mixed, 0) != Err(EPERM))
        });
        assert_eq!(
            wait(by_euid, 0).1,
            0,
            "uid {USER} signalled a process of ruid {OTHER} (euid {USER})"
        );
        reap(mixed);
        reap(root_target);
        reap(other);
    }

    /// `chan:ptrace-relibc/PID/traceme` can be created by process PID only (relibc's
    /// TRACEME creates its own): not by another user, not by root for another pid.
    pub fn traceme_marker_only_by_its_pid() {
        let mut c = Client::connect().unwrap();
        let me = std::process::id();
        let victim = fork_child(|| spin());
        let r = c.open(&format!("chan:ptrace-relibc/{victim}/traceme"), O_CREAT);
        assert_eq!(r, Err(EPERM), "root made another pid's marker");
        assert_eq!(
            c.open(&format!("chan:ptrace-relibc/{victim}/traceme"), 0),
            Err(ENOENT)
        );
        let own = c.open(&format!("chan:ptrace-relibc/{me}/traceme"), O_CREAT);
        assert!(own.is_ok(), "{own:?}");
        c.close(own.unwrap()).unwrap();
        if is_root() {
            let user = fork_child(move || {
                become_user(USER, USER);
                let mut k = Client::connect().unwrap();
                let r = k.open(&format!("chan:ptrace-relibc/{victim}/traceme"), O_CREAT);
                i32::from(r != Err(EPERM))
            });
            assert_eq!(wait(user, 0).1, 0, "uid {USER} made root's child's marker");
        } else {
            println!("SKIPPED the other-user part of traceme_marker_only_by_its_pid: needs root");
        }
        reap(victim);
    }

    /// A descendant that execs with an empty environment, and an orphan (its parent exited:
    /// reparented to the emulator, a child subreaper) that does the same, both reach the
    /// emulator by walking their ancestors.
    pub fn descendant_without_environment_finds_emulator() {
        let emu = std::os::unix::process::parent_id() as i32;
        let exe = CString::new(
            std::env::current_exe()
                .unwrap()
                .into_os_string()
                .into_encoded_bytes(),
        )
        .unwrap();
        let dir = std::env::temp_dir();
        let direct = dir.join(format!("redox-proc-emu-discover-{}-a", std::process::id()));
        let orphan = dir.join(format!("redox-proc-emu-discover-{}-b", std::process::id()));
        for p in [&direct, &orphan] {
            let _ = std::fs::remove_file(p);
        }
        let run = |out: &Path| {
            let out = CString::new(out.as_os_str().as_encoded_bytes()).unwrap();
            let args: Vec<CString> = ["sec_discover", "--exact", "--nocapture", "--test-threads=1"]
                .iter()
                .map(|a| CString::new(*a).unwrap())
                .collect();
            let exe = exe.clone();
            move || -> i32 {
                let mut argv: Vec<*const libc::c_char> = vec![exe.as_ptr()];
                argv.extend(args.iter().map(|a| a.as_ptr()));
                argv.push(out.as_ptr());
                argv.push(std::ptr::null());
                // SAFETY: NULL-terminated argv; envp NULL (an empty environment on Linux).
                unsafe {
                    libc::execve(exe.as_ptr(), argv.as_ptr(), std::ptr::null());
                    libc::_exit(127)
                }
            }
        };
        let a = fork_child(run(&direct));
        assert_eq!(wait(a, 0), (a, 0));
        let body = run(&orphan);
        let b = fork_child(move || {
            fork_child(body);
            0
        });
        assert_eq!(wait(b, 0), (b, 0));
        assert!(eventually(|| orphan.exists()), "the orphan wrote nothing");
        let me = std::process::id();
        let ra = std::fs::read_to_string(&direct).unwrap();
        assert_eq!(
            ra,
            format!("getpid Ok(true) server Some({emu}) parent {me}")
        );
        let rb = std::fs::read_to_string(&orphan).unwrap();
        assert_eq!(
            rb,
            format!("getpid Ok(true) server Some({emu}) parent {emu}")
        );
        for p in [&direct, &orphan] {
            let _ = std::fs::remove_file(p);
        }
    }
}
