//! Client tests (`tests/clients/`): unmodified Debian gdb and strace, scripted, on debuggees of
//! our own, each run three ways:
//!
//! * **plain**: the tool alone, the reference;
//! * **linux**: the tool with `LD_PRELOAD` of our Linux-backend `libptrace_compat.so`, which
//!   must print exactly what the plain tool prints (after normalisation), or the test fails;
//! * **redox**: under `redox-proc-emu`, the tool with
//!   `LD_PRELOAD="libptrace_compat.so redox-shim.so"` (the Redox backend, and a shim that takes
//!   `/proc/PID/mem` and `process_vm_readv`/`writev` away, as on Redox). Its output must be the
//!   plain tool's with the differences recorded in `tests/clients/expected/redox/NAME.diff`
//!   applied (the format of `tests/c/expected/redox/`, [`apply_diff_file`]).
//!
//! Every run has a time limit, after which everything in its session is killed; a hang is
//! recorded as such. Outputs are normalised (`normalise`, `tests/clients/normalise.sed`,
//! `tests/clients/README.md`) for what varies from run to run only: pids, addresses, timings.
//! `PTRACE_COMPAT_BLESS=1` records a Redox run that matches none of the recorded outcomes as
//! a new one (the reference is always the plain tool's run of the same test).
// Test code: a failed expectation panics, which is how a Rust test fails.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ptrace_compat_ctest::{
    apply_diff_file, c_compiler, emulator, linux_library, redox_library, root, work_dir,
};

/// How long the plain tool and the Linux-backend run may take (they take well under a second).
const TIME_LIMIT: Duration = Duration::from_secs(60);
/// How long a Redox-backend run may take before it is recorded as hung.
const REDOX_TIME_LIMIT: Duration = Duration::from_secs(20);

/// The debuggees, `tests/clients/NAME.c`.
const DEBUGGEES: [&str; 5] = ["calls", "forks", "threads", "sig", "sleeper"];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tool {
    Gdb,
    Strace,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Plain,
    Linux,
    Redox,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Plain => "plain",
            Mode::Linux => "linux",
            Mode::Redox => "redox",
        }
    }
}

/// One scripted run. In `argv`, `{bin}` is the debuggees' directory and `{clients}` is
/// `tests/clients`. A strace run gets `-o trace -E LD_PRELOAD -E REDOX_PROC_EMU` (the tracee
/// runs without our libraries in every mode). `must` are lines or parts of lines the plain
/// tool's normalised output must contain: they check the scenario does what it says.
struct Scenario<'a> {
    name: &'a str,
    tool: Tool,
    argv: &'static [&'static str],
    must: &'static [&'static str],
}

fn clients_dir() -> PathBuf {
    root().join("tests/clients")
}

fn out_dir() -> PathBuf {
    let dir = work_dir().join("clients");
    fs::create_dir_all(dir.join("bin")).expect("create target/ctest/clients/bin");
    dir
}

/// gdb and strace, which must be installed (scripts/test-all.sh installs them).
fn check_tools() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        for (tool, arg) in [
            ("gdb", "--version"),
            ("strace", "-V"),
            ("setsid", "--version"),
        ] {
            let ok = Command::new(tool)
                .arg(arg)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            assert!(
                ok,
                "{tool} is missing: the client tests need gdb, strace and util-linux's setsid \
                 (apt-get install gdb strace)"
            );
        }
    });
}

/// Compiles the debuggees (from `tests/clients`, with relative source names, so gdb shows
/// `calls.c:9`) and the shim, once.
fn build() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let bin = out_dir().join("bin");
        for name in DEBUGGEES {
            let mut cmd = c_compiler();
            cmd.current_dir(clients_dir())
                .args(["-O0", &format!("{name}.c"), "-lpthread", "-o"])
                .arg(bin.join(name));
            compile(cmd, name);
        }
        let mut cmd = c_compiler();
        cmd.current_dir(clients_dir())
            .args(["-shared", "-fPIC", "redox-shim.c", "-ldl", "-o"])
            .arg(bin.join("redox-shim.so"));
        compile(cmd, "redox-shim.so");
        bin
    })
}

fn compile(mut cmd: Command, what: &str) {
    let out = cmd.output().expect("the C compiler runs");
    assert!(
        out.status.success(),
        "compiling {what} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What a run left behind, assembled into one text: exit status, stdout, stderr and, for
/// strace, the trace file.
fn run_mode(sc: &Scenario, mode: Mode) -> String {
    let bin = build();
    // Runs are made in target/ctest/clients/run/NAME, and name the debuggees relatively, so
    // that what strace prints of their paths (cut at 32 characters) is the same in any checkout.
    let dir = out_dir().join("run").join(sc.name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create the run directory");
    let subst = |a: &str| {
        a.replace("{bin}", "../../bin")
            .replace("{clients}", clients_dir().to_str().expect("UTF-8 path"))
    };
    let mut argv: Vec<String> = sc.argv.iter().map(|a| subst(a)).collect();
    if sc.tool == Tool::Strace && argv[0] == "strace" {
        let fixed = ["-o", "trace", "-E", "LD_PRELOAD", "-E", "REDOX_PROC_EMU"];
        argv.splice(1..1, fixed.iter().map(|s| s.to_string()));
    }
    let preload = match mode {
        Mode::Plain => String::new(),
        Mode::Linux => linux_library().shared.display().to_string(),
        // The library first: its process_vm_readv/writev (over `mem`) are what a Redox port
        // has; the shim then refuses /proc/PID/mem and turns vfork into fork.
        Mode::Redox => format!(
            "{} {}",
            redox_library().shared.display(),
            bin.join("redox-shim.so").display()
        ),
    };
    // A new session (util-linux `setsid` execs in place: the child's pid is the session id),
    // so that whatever the tool starts, in whatever process group, is found and killed.
    let mut cmd = Command::new("setsid");
    if mode == Mode::Redox {
        cmd.arg(emulator()).arg("--");
    }
    // attach.sh starts the sleeper itself and preloads only the tool.
    let attach = argv[0] == "bash";
    cmd.arg("env");
    if attach {
        cmd.arg(format!("CLIENT_PRELOAD={preload}"));
    } else if !preload.is_empty() {
        cmd.arg(format!("LD_PRELOAD={preload}"));
    }
    cmd.args(&argv)
        .current_dir(&dir)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
        .env("HOME", &dir)
        .env("LANG", "C")
        .env("TERM", "dumb")
        .stdin(Stdio::null())
        .stdout(fs::File::create(dir.join("stdout")).expect("stdout file"))
        .stderr(fs::File::create(dir.join("stderr")).expect("stderr file"));
    let limit = if mode == Mode::Redox {
        REDOX_TIME_LIMIT
    } else {
        TIME_LIMIT
    };
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn setsid");
    let sid = child.id();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if start.elapsed() > limit {
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    kill_session(sid);
    if status.is_none() {
        let _ = child.wait();
    }
    let read = |f: &str| fs::read_to_string(dir.join(f)).unwrap_or_default();
    let mut text = String::new();
    match status {
        None => writeln!(text, "== hung: killed after {} s", limit.as_secs()).unwrap(),
        Some(s) => match s.code() {
            Some(code) => writeln!(text, "== exit status {code}").unwrap(),
            None => writeln!(text, "== killed by a signal ({s})").unwrap(),
        },
    }
    for (title, file) in [
        ("stdout", "stdout"),
        ("stderr", "stderr"),
        ("trace", "trace"),
    ] {
        if title != "trace" || dir.join(file).exists() {
            write!(text, "== {title}\n{}", read(file)).unwrap();
            if !text.ends_with('\n') {
                text.push('\n');
            }
        }
    }
    fs::write(
        out_dir().join(format!("{}.{}.raw", sc.name, mode.name())),
        &text,
    )
    .unwrap();
    eprintln!(
        "{} ({}): {:.1} s",
        sc.name,
        mode.name(),
        start.elapsed().as_secs_f64()
    );
    text
}

/// Kills every process of session `sid` (the tool, its inferiors in their own process
/// groups, the sleeper), until none is left.
fn kill_session(sid: u32) {
    for _ in 0..50 {
        let mut pids = Vec::new();
        for entry in fs::read_dir("/proc").expect("/proc").flatten() {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // pid (comm) state ppid pgrp session ...; comm may contain anything but ')'.
            let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
                continue;
            };
            let fields: Vec<&str> = rest.split_whitespace().collect();
            if fields.get(3) == Some(&sid.to_string().as_str()) && fields.first() != Some(&"Z") {
                pids.push(pid.to_string());
            }
        }
        if pids.is_empty() {
            return;
        }
        let _ = Command::new("kill")
            .arg("-KILL")
            .args(&pids)
            .stderr(Stdio::null())
            .status();
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `s` at byte `i` starts a whole number (no letter, digit or `_` just before it).
fn word_start(s: &str, i: usize) -> bool {
    i == 0 || {
        let c = s.as_bytes()[i - 1];
        !(c.is_ascii_alphanumeric() || c == b'_')
    }
}

/// The number that starts at byte `i` of `s`, if it is a whole word.
fn number_at(s: &str, i: usize) -> Option<u64> {
    let digits: String = s[i..].chars().take_while(char::is_ascii_digit).collect();
    let end = i + digits.len();
    let next = s.as_bytes().get(end).copied().unwrap_or(b' ');
    (!(digits.is_empty() || next.is_ascii_alphanumeric() || next == b'_'))
        .then(|| digits.parse().ok())
        .flatten()
}

/// Process and thread ids in `text`: numbers after the phrases the tools print them with.
fn find_pids(text: &str, tool: Tool) -> Vec<u64> {
    let phrases: &[&str] = match tool {
        Tool::Gdb => &["process ", "LWP ", "Process ", "lwp "],
        Tool::Strace => &["[pid ", "Process ", "si_pid=", "getpid() = ", "gettid() = "],
    };
    let mut pids = Vec::new();
    for phrase in phrases {
        for (i, _) in text.match_indices(phrase) {
            if let Some(n) = number_at(text, i + phrase.len()) {
                pids.push(n);
            }
        }
    }
    if tool == Tool::Strace {
        // strace's own messages: `strace: attach: ptrace(PTRACE_SEIZE, 1234): ...`.
        for (i, _) in text.match_indices("ptrace(PTRACE_") {
            if let Some(comma) = text[i..].find(", ") {
                pids.extend(number_at(text, i + comma + 2));
            }
        }
        for line in text.lines() {
            // `strace -f -o FILE` starts every line with the pid.
            let (call, rest) = match split_pid(line) {
                Some((pid, rest)) => {
                    pids.push(pid);
                    (rest, rest)
                }
                None => (line, line),
            };
            // System calls that return a process or thread id.
            // `-i`: the instruction pointer in brackets first.
            let call = match call.strip_prefix('[').and_then(|c| c.split_once("] ")) {
                Some((_, after)) => after,
                None => call,
            };
            let returns_pid = [
                "set_tid_address(",
                "getppid(",
                "clone(",
                "clone3(",
                "fork(",
                "vfork(",
                "wait4(",
            ]
            .iter()
            .any(|c| call.starts_with(c));
            if returns_pid && let Some(at) = rest.rfind(" = ") {
                pids.extend(number_at(rest, at + 3));
            }
        }
    }
    // Below 300 are boot-time processes (after a wrap at pid_max the kernel starts again at
    // 300, RESERVED_PIDS) and values that are no process of the run, such as the sender
    // `si_pid=0` of a signal whose sender is unknown.
    pids.retain(|&p| p >= 300);
    pids.sort_unstable();
    pids.dedup();
    creation_order(pids)
}

/// `pids`, sorted, in the order they were handed out: numeric, except when the kernel wrapped
/// around at `pid_max` during the run; then the ones after the wrap come last. The pids of one
/// run lie close together, so the largest gap between neighbours (counting the one across
/// the wrap) is where the order starts.
fn creation_order(mut pids: Vec<u64>) -> Vec<u64> {
    let pid_max: u64 = fs::read_to_string("/proc/sys/kernel/pid_max")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(4_194_304);
    let Some(&last) = pids.last() else {
        return pids;
    };
    let mut start = 0;
    let mut widest = pids[0] + pid_max - last;
    for i in 1..pids.len() {
        if pids[i] - pids[i - 1] > widest {
            widest = pids[i] - pids[i - 1];
            start = i;
        }
    }
    pids.rotate_left(start);
    pids
}

/// A `strace -f -o` line: the pid, then the rest after the padding.
fn split_pid(line: &str) -> Option<(u64, &str)> {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || line.as_bytes().get(digits) != Some(&b' ') {
        return None;
    }
    Some((line[..digits].parse().ok()?, line[digits..].trim_start()))
}

/// Replaces the pids, as whole numbers, by PID1, PID2, ... in numeric (creation) order.
fn rename_pids(text: &str, pids: &[u64]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text.as_bytes()[i].is_ascii_digit() && word_start(text, i) {
            let len = text[i..].bytes().take_while(u8::is_ascii_digit).count();
            match number_at(text, i).and_then(|n| pids.iter().position(|&p| p == n)) {
                Some(k) => write!(out, "PID{}", k + 1).unwrap(),
                None => out.push_str(&text[i..i + len]),
            }
            i += len;
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// strace's trace with `-f`: lines grouped per process (in creation order, each process's lines
/// in their order), and a call split by another process's line (`<unfinished ...>`, then
/// `<... NAME resumed>`) joined again, so that how the processes interleaved does not matter.
fn group_trace(trace: &str) -> String {
    let mut groups: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let mut loose = Vec::new();
    for line in trace.lines() {
        let Some((pid, rest)) = split_pid(line) else {
            loose.push(line.to_string());
            continue;
        };
        let group = groups.entry(pid).or_default();
        if let Some(after) = rest.strip_prefix("<... ")
            && let Some(at) = after.find(" resumed>")
            && let Some(last) = group.last_mut()
            && let Some(head) = last.strip_suffix(" <unfinished ...>")
        {
            *last = format!("{head}{}", &after[at + " resumed>".len()..]);
            continue;
        }
        group.push(format!("{pid} {rest}"));
    }
    let mut out = loose;
    for pid in creation_order(groups.keys().copied().collect()) {
        out.extend(sort_reaping(groups.remove(&pid).unwrap_or_default()));
    }
    out.iter().map(|l| format!("{l}\n")).collect()
}

/// One process's lines of strace -f: in a run of consecutive `wait4`, `--- SIGCHLD` and
/// `rt_sigreturn` lines (a shell reaping children that end at about the same time) the
/// SIGCHLD and rt_sigreturn lines are dropped and the wait4 lines sorted: whether a SIGCHLD
/// comes before or after a wait4 is a race, and two SIGCHLDs pending at once are delivered
/// as one.
fn sort_reaping(lines: Vec<String>) -> Vec<String> {
    let reaping = |l: &str| {
        let call = l.split_once(' ').map_or(l, |(_, rest)| rest);
        ["wait4(", "--- SIGCHLD ", "rt_sigreturn("]
            .iter()
            .any(|p| call.starts_with(p))
    };
    let mut out = Vec::new();
    let mut block: Vec<String> = Vec::new();
    for line in lines.into_iter().chain([String::new()]) {
        if reaping(&line) {
            if line.contains(" wait4(") {
                block.push(line);
            }
            continue;
        }
        block.sort();
        out.append(&mut block);
        if !line.is_empty() {
            out.push(line);
        }
    }
    out
}

/// `strace -c`'s table without its timings (% time, seconds, usecs/call), rows sorted by
/// name: calls, errors and the system call name are what is the same from run to run.
fn summarise_table(text: &str) -> String {
    let mut out = Vec::new();
    let mut rows: Vec<String> = Vec::new();
    let mut in_table = false;
    for line in text.lines() {
        if line.starts_with("% time") {
            in_table = true;
            out.push("syscall calls errors".to_string());
            continue;
        }
        if in_table && line.starts_with("------") {
            rows.sort();
            out.append(&mut rows);
            out.push("------".to_string());
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if in_table && (5..=6).contains(&fields.len()) {
            let errors = if fields.len() == 6 { fields[4] } else { "-" };
            let name = fields[fields.len() - 1];
            rows.push(format!("{name} calls {} errors {errors}", fields[3]));
            continue;
        }
        in_table = false;
        rows.sort();
        out.append(&mut rows);
        out.push(line.to_string());
    }
    rows.sort();
    out.append(&mut rows);
    out.iter().map(|l| format!("{l}\n")).collect()
}

/// gdb's `[Thread ... exited]` lines of one exit_group, in one order: the kernel ends a
/// process's threads in no fixed order. When the main thread's exit is seen before the
/// process's, gdb 13 also prints `[Thread … (LWP N) exited]` and `[New process N]` for it,
/// now and then (a race in gdb itself, seen without any preload): that pair is dropped.
fn sort_thread_exits(text: &str) -> String {
    let is_exit = |l: &str| l.starts_with("[Thread ") && l.ends_with(" exited]");
    let mut out: Vec<&str> = Vec::new();
    let mut block: Vec<&str> = Vec::new();
    for line in text.lines() {
        if is_exit(line) {
            block.push(line);
            continue;
        }
        if let Some(n) = line
            .strip_prefix("[New process ")
            .and_then(|r| r.strip_suffix(']'))
            && !block.is_empty()
        {
            let lwp = format!("(LWP {n})");
            block.retain(|l| !l.contains(&lwp));
            continue;
        }
        block.sort_unstable();
        out.append(&mut block);
        out.push(line);
    }
    block.sort_unstable();
    out.append(&mut block);
    out.iter().map(|l| format!("{l}\n")).collect()
}

/// The normalisation (tests/clients/README.md): the checkout's path becomes ROOT; strace's
/// trace is grouped per process and its `-c` table loses its timings; pids become PIDn;
/// then `tests/clients/normalise.sed` replaces addresses and the remaining run-varying values.
fn normalise(text: &str, tool: Tool) -> String {
    let mut text = text.replace(root().to_str().expect("UTF-8 path"), "ROOT");
    if tool == Tool::Strace
        && let Some(at) = text.find("== trace\n")
    {
        let head = at + "== trace\n".len();
        text = format!("{}{}", &text[..head], group_trace(&text[head..]));
    }
    let pids = find_pids(&text, tool);
    if tool == Tool::Strace {
        text = summarise_table(&text);
    }
    let mut text = rename_pids(&text, &pids);
    if tool == Tool::Gdb {
        text = sort_thread_exits(&text);
        // gdb pads table columns (info threads, info inferiors) to their widest entry, whose
        // width depends on the pids' number of digits: runs of blanks become one.
        text = text
            .lines()
            .map(|l| {
                l.split(' ')
                    .filter(|w| !w.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
                    + "\n"
            })
            .collect();
    }
    let mut sed = Command::new("sed")
        .arg("-E")
        .arg("-f")
        .arg(clients_dir().join("normalise.sed"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sed runs");
    sed.stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = sed.wait_with_output().expect("sed runs");
    assert!(out.status.success(), "sed -f normalise.sed failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One edit of a line diff: the old lines `a..b` become the new lines `c..d`.
#[derive(Clone, Copy, Debug)]
struct Edit {
    a: usize,
    b: usize,
    c: usize,
    d: usize,
}

/// The edits that turn `old` into `new` (longest common subsequence; beyond 4M cells of the
/// middle part, where the two differ, one edit replaces all of it).
fn line_diff(old: &[&str], new: &[&str]) -> Vec<Edit> {
    let pre = old.iter().zip(new).take_while(|(x, y)| x == y).count();
    let suf = old[pre..]
        .iter()
        .rev()
        .zip(new[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (o, n) = (&old[pre..old.len() - suf], &new[pre..new.len() - suf]);
    if o.is_empty() && n.is_empty() {
        return Vec::new();
    }
    if o.len() * n.len() > 4_000_000 || o.is_empty() || n.is_empty() {
        return vec![Edit {
            a: pre,
            b: pre + o.len(),
            c: pre,
            d: pre + n.len(),
        }];
    }
    // lcs[i][j]: the longest common subsequence of o[i..] and n[j..].
    let w = n.len() + 1;
    let mut lcs = vec![0u32; (o.len() + 1) * w];
    for i in (0..o.len()).rev() {
        for j in (0..n.len()).rev() {
            lcs[i * w + j] = if o[i] == n[j] {
                lcs[(i + 1) * w + j + 1] + 1
            } else {
                lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut edits: Vec<Edit> = Vec::new();
    let mut open: Option<Edit> = None;
    while i < o.len() || j < n.len() {
        if i < o.len() && j < n.len() && o[i] == n[j] {
            edits.extend(open.take());
            i += 1;
            j += 1;
            continue;
        }
        let e = open.get_or_insert(Edit {
            a: pre + i,
            b: pre + i,
            c: pre + j,
            d: pre + j,
        });
        if j == n.len() || (i < o.len() && lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
            i += 1;
            e.b = pre + i;
        } else {
            j += 1;
            e.d = pre + j;
        }
    }
    edits.extend(open);
    edits
}

/// A unified-style listing of the differences, for failure messages.
fn render_diff(old: &str, new: &str) -> String {
    let (o, n): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let mut out = String::new();
    for e in line_diff(&o, &n) {
        writeln!(out, "@@ line {} @@", e.a + 1).unwrap();
        o[e.a..e.b]
            .iter()
            .for_each(|l| writeln!(out, "-{l}").unwrap());
        n[e.c..e.d]
            .iter()
            .for_each(|l| writeln!(out, "+{l}").unwrap());
    }
    out
}

/// The difference file (format of `tests/c/expected/redox/`) that turns the plain tool's
/// output into the Redox run's, with a summary line. A hunk that only inserts, or whose `-`
/// lines occur earlier too (the lines are searched from the previous hunk on), takes
/// preceding lines as context until it applies where it belongs.
fn make_diff_file(name: &str, plain: &str, redox: &str) -> (String, String) {
    let (o, n): (Vec<&str>, Vec<&str>) = (plain.lines().collect(), redox.lines().collect());
    let edits = line_diff(&o, &n);
    let changed: usize = edits.iter().map(|e| (e.b - e.a) + (e.d - e.c)).sum();
    let summary = if edits.is_empty() {
        "identical to the plain tool".to_string()
    } else if redox.starts_with("== hung") {
        format!("hangs (killed at the time limit); {changed} lines differ from the plain tool")
    } else {
        format!(
            "differs from the plain tool by {changed} lines in {} hunks",
            edits.len()
        )
    };
    let mut file = format!(
        "# {name}, Redox backend under redox-proc-emu: {summary}.\n\
         # Recorded with PTRACE_COMPAT_BLESS=1 (ctest/tests/clients.rs); \
         see tests/clients/README.md.\n"
    );
    // Each hunk's `-` lines are searched in the old text from where the previous hunk ended
    // (`old_from`); a hunk takes preceding lines as context until the first match is its own.
    let mut old_from = 0;
    for (k, e) in edits.iter().enumerate() {
        let first_match =
            |a: usize, b: usize| (old_from..=a).find(|&i| o.get(i..i + (b - a)) == Some(&o[a..b]));
        let (mut a, mut b) = (e.a, e.b);
        while a > old_from && (a == b || first_match(a, b) != Some(a)) {
            a -= 1;
        }
        if a == b {
            // An insertion right at the start: the next line is the context.
            b += 1;
        }
        if k > 0 {
            file.push_str("# continued\n");
        }
        o[a..b].iter().for_each(|l| writeln!(file, "-{l}").unwrap());
        o[a..e.a]
            .iter()
            .for_each(|l| writeln!(file, "+{l}").unwrap());
        n[e.c..e.d]
            .iter()
            .for_each(|l| writeln!(file, "+{l}").unwrap());
        o[e.b..b]
            .iter()
            .for_each(|l| writeln!(file, "+{l}").unwrap());
        old_from = b;
    }
    (file, summary)
}

/// What the Redox run must print: the plain run's output with the recorded differences, or
/// None when they do not apply to it (lines not found).
fn redox_expectation(path: &Path, plain: &str) -> Option<String> {
    let text = fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: record the Redox run with PTRACE_COMPAT_BLESS=1",
            path.display()
        )
    });
    if !text.lines().any(|l| l.starts_with('-')) {
        return Some(plain.to_string());
    }
    // apply_diff_file panics on lines it does not find (its message goes to this test's
    // captured output); here that only means that this outcome is not the one.
    std::panic::catch_unwind(|| apply_diff_file(path, plain).0).ok()
}

fn run_scenario(sc: &Scenario) {
    check_tools();
    let plain = normalise(&run_mode(sc, Mode::Plain), sc.tool);
    fs::write(out_dir().join(format!("{}.plain.txt", sc.name)), &plain).unwrap();
    for must in sc.must {
        assert!(
            plain.contains(must),
            "{}: the plain tool's output lacks {must:?}; the scenario does not do what it \
             says:\n{plain}",
            sc.name
        );
    }
    assert!(
        !plain.starts_with("== hung"),
        "{}: the plain tool hung:\n{plain}",
        sc.name
    );

    let linux = normalise(&run_mode(sc, Mode::Linux), sc.tool);
    fs::write(out_dir().join(format!("{}.linux.txt", sc.name)), &linux).unwrap();
    assert!(
        linux == plain,
        "{}: with LD_PRELOAD of the Linux-backend libptrace_compat.so the tool's output differs \
         from the plain tool's (- plain, + ours):\n{}",
        sc.name,
        render_diff(&plain, &linux)
    );

    let redox = normalise(&run_mode(sc, Mode::Redox), sc.tool);
    fs::write(out_dir().join(format!("{}.redox.txt", sc.name)), &redox).unwrap();
    // The recorded outcomes: NAME.diff, and NAME.2.diff, NAME.3.diff, ... for a scenario
    // whose Redox run does not always end the same way (a race in the backend).
    let dir = clients_dir().join("expected/redox");
    let alternative = |k: usize| match k {
        1 => dir.join(format!("{}.diff", sc.name)),
        _ => dir.join(format!("{}.{k}.diff", sc.name)),
    };
    let recorded: Vec<PathBuf> = (1..).map(alternative).take_while(|p| p.exists()).collect();
    let (file, summary) = make_diff_file(sc.name, &plain, &redox);
    eprintln!("{}: Redox backend: {summary}", sc.name);
    if recorded
        .iter()
        .any(|p| redox_expectation(p, &plain).as_ref() == Some(&redox))
    {
        return;
    }
    if std::env::var_os("PTRACE_COMPAT_BLESS").is_some() {
        let path = alternative(recorded.len() + 1);
        fs::write(&path, &file).expect("write the Redox difference file");
        assert_eq!(
            redox_expectation(&path, &plain).as_ref(),
            Some(&redox),
            "{}: the recorded difference file does not reproduce the run (a bug in \
             make_diff_file)",
            sc.name
        );
        eprintln!("{}: recorded as {}", sc.name, path.display());
        return;
    }
    let first = alternative(1);
    let expected = redox_expectation(&first, &plain)
        .unwrap_or_else(|| format!("({} does not apply to the plain output)\n", first.display()));
    panic!(
        "{}: the Redox backend's run matches none of the {} outcome(s) recorded in {} \
         (differences from the first, - recorded, + now); record a new outcome with \
         PTRACE_COMPAT_BLESS=1, after deleting outdated ones:\n{}",
        sc.name,
        recorded.len(),
        dir.display(),
        render_diff(&expected, &redox)
    );
}

macro_rules! scenarios {
    ($($test:ident: $tool:ident $argv:expr, must $must:expr;)*) => {$(
        #[test]
        fn $test() {
            run_scenario(&Scenario {
                name: &stringify!($test).replace('_', "-"),
                tool: Tool::$tool,
                argv: $argv,
                must: $must,
            });
        }
    )*};
}

scenarios! {
    gdb_basics: Gdb &["gdb", "-batch", "-nx", "-x", "{clients}/gdb/basics.gdb", "{bin}/calls"],
        must &["Value returned is $4 = 25", "rip ", "=> 0xADDR <square+",
               "sum of squares to 3: 35", "exited with code 01]"];
    gdb_watch_hw: Gdb &["gdb", "-batch", "-nx", "-x", "{clients}/gdb/watch-hw.gdb", "{bin}/calls"],
        must &["Hardware watchpoint 2: total", "New value = 14", "exited with code 04]"];
    gdb_watch_sw: Gdb &["gdb", "-batch", "-nx", "-x", "{clients}/gdb/watch-sw.gdb", "{bin}/calls"],
        must &["\nWatchpoint 2: total", "New value = 5", "exited with code 04]"];
    gdb_fork_child: Gdb &["gdb", "-batch", "-nx", "-x",
        "{clients}/gdb/fork-child.gdb", "{bin}/forks"],
        must &["fork to child process PID", "hit Breakpoint 1, child_work (x=1)",
               "[Inferior 2 (process PID"];
    gdb_fork_parent: Gdb &["gdb", "-batch", "-nx", "-x",
        "{clients}/gdb/fork-parent.gdb", "{bin}/forks"],
        must &["[Detaching after fork from child process PID", "$1 = 2", "is executing new program",
               "Program received signal SIGUSR1"];
    gdb_detach_on_fork_off: Gdb &["gdb", "-batch", "-nx", "-x",
        "{clients}/gdb/detach-on-fork-off.gdb", "{bin}/forks"],
        must &["[New inferior 2 (process PID", "hit Breakpoint 1.2, child_work",
               "[Inferior 2 (process PID2) detached]", "received signal SIGUSR1"];
    gdb_threads: Gdb &["gdb", "-batch", "-nx", "-x", "{clients}/gdb/threads.gdb", "{bin}/threads"],
        must &["* 1 Thread", "Thread 3 (Thread", "in worker (arg=0x0) at threads.c:",
               "exited with code 04]"];
    gdb_signal: Gdb &["gdb", "-batch", "-nx", "-x", "{clients}/gdb/signal.gdb", "{bin}/sig"],
        must &["Program received signal SIGUSR1", "handled: 0", "exited with code 04]"];
    gdb_attach_detach: Gdb &["bash",
        "{clients}/attach.sh", "gdb", "{bin}/sleeper", "{clients}/gdb/attach-detach.gdb"],
        must &["in wait_here () at sleeper.c:", "[Inferior 1 (process PID", "detached]",
               "sleeper still running after gdb", "sleeper ended with status 143"];
    gdb_attach_kill: Gdb &["bash",
        "{clients}/attach.sh", "gdb", "{bin}/sleeper", "{clients}/gdb/attach-kill.gdb"],
        must &["[Inferior 1 (process PID", "killed]", "sleeper gone after gdb",
               "sleeper ended with status 137"];
    gdb_catch_syscall: Gdb &["gdb", "-batch", "-nx", "-x",
        "{clients}/gdb/catch-syscall.gdb", "{bin}/calls"],
        must &["(call to syscall write)", "(returned from syscall write)", "exited with code 04]"];
    gdb_catch_fork_exec: Gdb &["gdb", "-batch", "-nx", "-x",
        "{clients}/gdb/catch-fork-exec.gdb", "{bin}/forks"],
        must &["Catchpoint 1 (forked process PID", "Catchpoint 2 (exec'd ROOT/",
               "exited with code 04]"];

    strace_f: Strace &["strace", "-f", "{bin}/forks"],
        must &["execve(\"../../bin/forks\", [\"../../bin/forks\", \"exec\"]",
               "--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL", "+++ exited with 2 +++",
               "+++ exited with 4 +++", "== exit status 4"];
    strace_trace: Strace &["strace", "-f", "-e", "trace=execve,write,kill,tgkill,exit_group",
        "{bin}/forks"],
        must &["write(1, \"child exited with 2\\n\", 20) = 20", "exit_group(4)"];
    strace_signal: Strace &["strace", "-f", "-e", "signal=SIGUSR1", "{bin}/forks"],
        must &["--- SIGUSR1 {si_signo=SIGUSR1"];
    strace_c: Strace &["strace", "-f", "-c", "{bin}/forks"],
        must &["syscall calls errors", "\nexecve calls 2 errors -\n", "\nclone calls 1 errors -\n",
               "\ntotal calls "];
    strace_i: Strace &["strace", "-i", "{bin}/calls"],
        must &["[ADDR] write(1, \"sum of squares to 3: 14\\n\", 24) = 24"];
    strace_y: Strace &["strace", "-y", "{bin}/calls"],
        must &["write(1<ROOT/target/ctest/clients/run/strace-y/stdout>"];
    strace_k: Strace &["strace", "-k", "-e", "trace=write", "{bin}/calls"],
        must &["write(1, \"sum of squares to 3: 14\\n\", 24) = 24", "(exit+", "(__libc_start_main",
               "bin/calls(_start+"];
    strace_p: Strace &["bash", "{clients}/attach.sh", "strace", "{bin}/sleeper"],
        must &["strace: Process PID1 attached", "pause(", "strace: Process PID1 detached",
               "sleeper still running after strace"];
    strace_sh_pipe: Strace &["strace", "-f", "sh", "-c", "ls / | wc -l"],
        must &["execve(\"/usr/bin/ls\"", "execve(\"/usr/bin/wc\"", "+++ exited with 0 +++"];
}
