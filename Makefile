# Builds and installs ptrace-compat as a C library:
#
#   make                                   # cargo build --release (the .a, the .so, the rlib)
#   make install PREFIX=/usr/local DESTDIR=/tmp/stage
#   make uninstall PREFIX=/usr/local
#   make embed-rlib                        # the rlib without the runtime, for a libc (README)
#
# Installed, under $(DESTDIR)$(PREFIX):
#   include/ptrace-compat/sys/ptrace.h     our header, in its own directory so that it shadows
#                                          the libc's <sys/ptrace.h> only for programs that ask
#                                          (pkg-config --cflags ptrace-compat)
#   lib/libptrace_compat.a                 without debug information or embedded LLVM bitcode
#   lib/libptrace_compat.so.$(VERSION)     SONAME libptrace_compat.so.$(SOVERSION) (build.rs),
#   lib/libptrace_compat.so.$(SOVERSION) -> libptrace_compat.so.$(VERSION)
#   lib/libptrace_compat.so -> libptrace_compat.so.$(SOVERSION)
#   lib/pkgconfig/ptrace-compat.pc
#
# Cross builds: TARGET=x86_64-unknown-redox (or another triple) builds with `--target`, and
# CARGO/CARGOFLAGS select the toolchain, e.g. Debian's with -Zbuild-std (README, "Redox
# builds"); SHARED=0 installs the static library only (the default for Redox targets, for
# which rustc builds no cdylib). OBJCOPY must read the target's objects (binutils-multiarch or
# llvm-objcopy for aarch64).
#
# Plain make and a POSIX shell; cargo-c would generate the same files, but it is one more tool
# to install, and what ptrace-compat installs is four files and two links.

PREFIX      ?= /usr/local
LIBDIR      ?= $(PREFIX)/lib
INCLUDEDIR  ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR     ?=

CARGO       ?= cargo
CARGOFLAGS  ?=
TARGET      ?=
TARGET_DIR  ?= target
PROFILE     ?= release
SHARED      ?= $(if $(findstring redox,$(TARGET)),0,1)
OBJCOPY     ?= objcopy
INSTALL     ?= install

# The package version (Cargo.toml), and the ABI major of the SONAME (build.rs, ABI_MAJOR).
VERSION     := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
SOVERSION   := 0

# cargo puts the `dev` profile's output in `debug/`, every other profile's under its name.
OUT := $(TARGET_DIR)/$(if $(TARGET),$(TARGET)/)$(if $(filter dev,$(PROFILE)),debug,$(PROFILE))
CARGO_TARGET := $(if $(TARGET),--target $(TARGET))

.PHONY: all build embed-rlib install uninstall

all: build

build:
	$(CARGO) build $(CARGOFLAGS) --profile $(PROFILE) --lib -p ptrace-compat \
	    --target-dir $(TARGET_DIR) $(CARGO_TARGET)

# The rlib a libc embeds: no panic handler, allocator or rust_eh_personality (feature `rt`
# off). Cargo builds every crate type of [lib] together, and the static and shared libraries
# cannot link without a runtime, so this asks for the rlib alone.
embed-rlib:
	$(CARGO) rustc $(CARGOFLAGS) --profile $(PROFILE) --lib -p ptrace-compat \
	    --no-default-features --crate-type rlib \
	    --target-dir $(TARGET_DIR)/embed $(CARGO_TARGET)

# Rust's precompiled core and alloc carry debug information and LLVM bitcode that no C linker
# uses; objcopy drops them from the installed archive (8 MB -> 1.3 MB on x86_64). Symbols stay.
install: build
	$(INSTALL) -d '$(DESTDIR)$(INCLUDEDIR)/ptrace-compat/sys' '$(DESTDIR)$(LIBDIR)' \
	    '$(DESTDIR)$(PKGCONFIGDIR)'
	$(INSTALL) -m 644 include/sys/ptrace.h '$(DESTDIR)$(INCLUDEDIR)/ptrace-compat/sys/ptrace.h'
	$(OBJCOPY) --strip-debug --remove-section=.llvmbc --remove-section=.llvmcmd \
	    $(OUT)/libptrace_compat.a '$(DESTDIR)$(LIBDIR)/libptrace_compat.a'
	chmod 644 '$(DESTDIR)$(LIBDIR)/libptrace_compat.a'
	if [ '$(SHARED)' = 1 ]; then \
	    $(INSTALL) -m 755 $(OUT)/libptrace_compat.so \
	        '$(DESTDIR)$(LIBDIR)/libptrace_compat.so.$(VERSION)' && \
	    ln -sf libptrace_compat.so.$(VERSION) '$(DESTDIR)$(LIBDIR)/libptrace_compat.so.$(SOVERSION)' && \
	    ln -sf libptrace_compat.so.$(SOVERSION) '$(DESTDIR)$(LIBDIR)/libptrace_compat.so'; \
	fi
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    ptrace-compat.pc.in > '$(DESTDIR)$(PKGCONFIGDIR)/ptrace-compat.pc'

uninstall:
	rm -f '$(DESTDIR)$(INCLUDEDIR)/ptrace-compat/sys/ptrace.h' \
	    '$(DESTDIR)$(LIBDIR)/libptrace_compat.a' \
	    '$(DESTDIR)$(LIBDIR)/libptrace_compat.so' \
	    '$(DESTDIR)$(LIBDIR)/libptrace_compat.so.$(SOVERSION)' \
	    '$(DESTDIR)$(LIBDIR)/libptrace_compat.so.$(VERSION)' \
	    '$(DESTDIR)$(PKGCONFIGDIR)/ptrace-compat.pc'
	-rmdir '$(DESTDIR)$(INCLUDEDIR)/ptrace-compat/sys' '$(DESTDIR)$(INCLUDEDIR)/ptrace-compat'
