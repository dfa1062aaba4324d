#!/usr/bin/env bash
# The Linux backend on aarch64, run on a real arm64 kernel: every tests/c program is built
# statically twice with aarch64-linux-gnu-gcc, against glibc (the reference) and against our
# aarch64 libptrace_compat.a; both run inside one boot of Debian's arm64 kernel under
# qemu-system-aarch64 (TCG). Each pair must print the same, with the same exit code, and the
# reference must print tests/c/expected/aarch64/<name>.stdout (PTRACE_COMPAT_BLESS=1 rewrites
# those from the reference run, never from ours). Also checks include/sys/ptrace.h against the
# aarch64 system headers. Run as root on a fresh Debian machine: it installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }
die() { printf '\nERROR: %s\n' "$*" >&2; exit 1; }

out=target/aarch64
mkdir -p "$out"

# --- What it needs ---------------------------------------------------------------------------
# The cross compiler with a static glibc, qemu, cpio for the initramfs, and Debian's Rust with
# std sources for -Zbuild-std.
packages=(qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross cpio rustc-web cargo-web
    rust-web-src)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The arm64 kernel and busybox are downloaded (never installed) from the arm64 archive.
foreign=$(dpkg --print-foreign-architectures)
if ((${#missing[@]})) || ! grep -qx arm64 <<<"$foreign" || ! ls "$out"/root-fs/boot/vmlinuz-* >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || die "missing aarch64 test tools (${missing[*]:-arm64 kernel}); run as root"
    export DEBIAN_FRONTEND=noninteractive
    grep -qx arm64 <<<"$foreign" || dpkg --add-architecture arm64 || die "dpkg --add-architecture arm64 failed"
    apt-get update -qq || die "apt-get update failed"
    if ((${#missing[@]})); then
        say "installing: ${missing[*]}"
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
            die "apt-get install ${missing[*]} failed"
    fi
fi
if ! ls "$out"/root-fs/boot/vmlinuz-* >/dev/null 2>&1; then
    # The package the linux-image-arm64 metapackage currently points at.
    kernel=$(apt-cache depends linux-image-arm64:arm64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    [ -n "$kernel" ] || die "no arm64 kernel package found (apt-cache depends linux-image-arm64:arm64)"
    say "downloading $kernel and busybox-static:arm64"
    rm -rf "$out/debs" && mkdir -p "$out/debs"
    (cd "$out/debs" && apt-get download -o APT::Sandbox::User=root "$kernel" busybox-static:arm64) || die "apt-get download failed"
    for deb in "$out"/debs/*.deb; do dpkg-deb -x "$deb" "$out/root-fs"; done
fi
vmlinuz=$(ls "$out"/root-fs/boot/vmlinuz-* | head -1)
busybox=$out/root-fs/bin/busybox
[ -x "$busybox" ] || die "no arm64 busybox in $out/root-fs"

# --- The header, beside the aarch64 system headers ------------------------------------------
say "include/sys/ptrace.h against aarch64-linux-gnu-gcc's system headers"
PTRACE_COMPAT_CROSS_CC=aarch64-linux-gnu-gcc cargo test -q -p ptrace-compat-ctest --test header

# --- Build ------------------------------------------------------------------------------------
say "aarch64 libptrace_compat.a (Debian's rustc, -Zbuild-std)"
RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc /usr/bin/cargo rustc -q -Zbuild-std=core,alloc --release \
    --lib -p ptrace-compat --target-dir target/cross --target aarch64-unknown-linux-gnu \
    --crate-type staticlib
lib=target/cross/aarch64-unknown-linux-gnu/release/libptrace_compat.a

say "building the C suite for aarch64 (static, glibc and ours)"
initrd=$out/initrd
rm -rf "$initrd" && mkdir -p "$initrd/bin" "$initrd/t"
cp "$busybox" "$initrd/bin/busybox"
cc=(aarch64-linux-gnu-gcc -static -O1 -g -D_GNU_SOURCE -Wall -Wextra -Werror -I tests/c)
# Programs not run here, with the reason (none at present).
skip=()
programs=()
for src in tests/c/*.c; do
    name=$(basename "$src" .c)
    if [[ " ${skip[*]} " == *" $name "* ]]; then echo "SKIP $name (see skip= above)"; continue; fi
    programs+=("$name")
    "${cc[@]}" "$src" -lpthread -o "$initrd/t/$name.libc"
    "${cc[@]}" -I include "$src" "$lib" -lpthread -o "$initrd/t/$name.ours"
done
# Runs a program in its own process group, as ctest does on the host; with the loop in a
# subshell (children of init do not count) its group is not orphaned, or the kernel would
# discard SIGTSTP.
printf '#include <unistd.h>\nint main(int c, char **v) { (void)c; setpgid(0, 0); execv(v[1], v + 1); return 127; }\n' |
    "${cc[@]}" -x c - -o "$initrd/bin/pgrun"

# /init runs each program (a hung one is killed after 60 s; each also arms alarm(10)) and
# prints its exit code, stdout and stderr base64-encoded between markers, then powers off.
cat >"$initrd/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /dev /tmp && mount -t proc proc /proc && mount -t devtmpfs dev /dev
cd /t
(
    for b in *; do
        timeout 60 pgrun "./$b" >/tmp/out 2>/tmp/err </dev/null; rc=$?
        echo "@@OUT $b $rc"; base64 /tmp/out; echo "@@ERR"; base64 /tmp/err; echo "@@END"
    done
    echo "@@DONE"
)
poweroff -f
EOF
chmod +x "$initrd/init"
(cd "$initrd" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initrd.gz"

# --- Boot and run -------------------------------------------------------------------------------
say "booting $(basename "$vmlinuz") under qemu-system-aarch64"
log=$out/serial.log
start=$SECONDS
# panic=-1 reboots at once on a kernel panic and -no-reboot turns that into qemu's exit; a
# hung guest is stopped by the timeout. Either way @@DONE is missing below.
timeout 300 qemu-system-aarch64 -M virt -cpu cortex-a57 -smp 2 -m 512 -nographic -no-reboot \
    -kernel "$vmlinuz" -initrd "$out/initrd.gz" \
    -append 'console=ttyAMA0 panic=-1 quiet' </dev/null >"$log" 2>&1 || true
echo "guest ran $((SECONDS - start)) s"
tr -d '\r' <"$log" >"$log.txt"
grep -q '^@@DONE$' "$log.txt" || { tail -40 "$log.txt"; die "the guest hung or crashed: see $log"; }

# Splits the log into res/<binary>.{rc,out,err}.
res=$out/res
rm -rf "$res" && mkdir -p "$res"
awk -v dir="$res" '
    /^@@OUT / { bin = $2; print $3 > (dir "/" bin ".rc"); f = dir "/" bin ".out.b64"; printf "" > f; next }
    /^@@ERR$/ { f = dir "/" bin ".err.b64"; printf "" > f; next }
    /^@@END$/ { f = ""; next }
    f != "" { print > f }' "$log.txt"
for b in "$res"/*.b64; do base64 -d "$b" >"${b%.b64}"; done

# --- Compare ------------------------------------------------------------------------------------
pass=0
failed=()
for name in "${programs[@]}"; do
    exp=tests/c/expected/aarch64/$name.stdout
    ref=$res/$name.libc
    why=""
    if [ "$(cat "$ref.rc" 2>/dev/null)" != 0 ]; then
        why="reference exited $(cat "$ref.rc" 2>/dev/null || echo '(no result)')"
    else
        [ -z "${PTRACE_COMPAT_BLESS:-}" ] || { mkdir -p "$(dirname "$exp")" && cp "$ref.out" "$exp"; }
        if ! cmp -s "$ref.out" "$exp"; then
            why="reference differs from $exp"
        elif [ "$(cat "$res/$name.ours.rc" 2>/dev/null)" != 0 ] || ! cmp -s "$ref.out" "$res/$name.ours.out"; then
            why="ours differs from the reference (exit $(cat "$res/$name.ours.rc" 2>/dev/null || echo none))"
        fi
    fi
    if [ -z "$why" ]; then
        pass=$((pass + 1)); echo "PASS $name"
    else
        failed+=("$name"); echo "FAIL $name: $why"
        for v in libc ours; do
            diff "$exp" "$res/$name.$v.out" 2>/dev/null | head -20 | sed "s/^/  $v: /" || true
            sed "s/^/  $v stderr: /" "$res/$name.$v.err" 2>/dev/null | head -5 || true
        done
    fi
done
echo "aarch64: $pass passed, ${#failed[@]} failed"
((${#failed[@]} == 0)) || die "aarch64 C suite failed: ${failed[*]}"
