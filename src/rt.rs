//! The runtime a `no_std` C library needs: a panic handler and a global allocator, both over
//! the C library the program is linked with.
//!
//! Nothing reachable from the C ABI panics on caller input (the workspace lints deny the panic
//! family); the handler exists because the language requires one.

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::{c_int, c_void};
use core::ptr;

unsafe extern "C" {
    fn abort() -> !;
    fn malloc(size: usize) -> *mut c_void;
    fn free(p: *mut c_void);
    fn posix_memalign(out: *mut *mut c_void, align: usize, size: usize) -> c_int;
}

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    // SAFETY: abort(3) has no preconditions and never returns.
    unsafe { abort() }
}

/// `malloc(3)` guarantees this alignment on every target we build for (glibc, musl and relibc
/// all align to 16 bytes on x86_64 and aarch64).
const MALLOC_ALIGN: usize = 16;

struct LibcAlloc;

// SAFETY: every block comes from malloc or posix_memalign with at least the requested size and
// alignment, and is released with free, as both functions require.
unsafe impl GlobalAlloc for LibcAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            // SAFETY: malloc accepts any size; a null return is the allocation failure that
            // GlobalAlloc::alloc reports the same way.
            return unsafe { malloc(layout.size()) }.cast();
        }
        let mut out = ptr::null_mut();
        // SAFETY: layout.align() is a power of two larger than 16, so a multiple of
        // sizeof(void *), as posix_memalign requires; `out` is a valid place to store the result.
        match unsafe { posix_memalign(&mut out, layout.align(), layout.size()) } {
            0 => out.cast(),
            _ => ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, block: *mut u8, _layout: Layout) {
        // SAFETY: `block` came from `alloc` above, so from malloc or posix_memalign.
        unsafe { free(block.cast()) }
    }
}

#[global_allocator]
static ALLOCATOR: LibcAlloc = LibcAlloc;

// The precompiled `core` of a stable Linux toolchain is built for unwinding and refers to
// `rust_eh_personality`; with `panic = "abort"` nothing ever calls it, but the shared library
// must still resolve it (a `no_std` cdylib otherwise fails at load time with "undefined symbol:
// rust_eh_personality"). The definition is weak, so a Rust runtime linked into the same program
// wins, and hidden, so LD_PRELOADing our `.so` cannot replace a Rust host program's own. Redox
// builds compile `core` themselves (`-Zbuild-std`) and need none.
#[cfg(target_os = "linux")]
core::arch::global_asm!(
    ".weak rust_eh_personality",
    ".hidden rust_eh_personality",
    ".type rust_eh_personality, %function",
    "rust_eh_personality:",
    "ret",
);
