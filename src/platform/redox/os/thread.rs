//! Threads and fork hooks through the C library's pthreads (glibc under the emulator, relibc
//! on Redox: both export these functions).

use core::ffi::{c_int, c_void};

use crate::errno::{Errno, Result};

unsafe extern "C" {
    fn pthread_create(
        thread: *mut usize,
        attr: *const c_void,
        start: extern "C" fn(*mut c_void) -> *mut c_void,
        arg: *mut c_void,
    ) -> c_int;
    fn pthread_detach(thread: usize) -> c_int;
    fn pthread_sigmask(how: c_int, set: *const c_void, old: *mut c_void) -> c_int;
    fn pthread_atfork(
        prepare: Option<extern "C" fn()>,
        parent: Option<extern "C" fn()>,
        child: Option<extern "C" fn()>,
    ) -> c_int;
}

/// `SIG_BLOCK` and `SIG_SETMASK` (the same values in glibc and relibc).
const SIG_BLOCK: c_int = 0;
const SIG_SETMASK: c_int = 2;
/// Bytes of the largest `sigset_t` among the C libraries (glibc: 1024 bits).
const SIGSET_BYTES: usize = 128;

/// The entry of a thread started by [`spawn`]: `arg` is the `fn()` it runs.
extern "C" fn thread_main(arg: *mut c_void) -> *mut c_void {
    // SAFETY: `spawn` passes exactly a `fn()` converted to a pointer; fn pointers and data
    // pointers have the same size on every target this builds for.
    let f: fn() = unsafe { core::mem::transmute::<*mut c_void, fn()>(arg) };
    f();
    core::ptr::null_mut()
}

/// Starts a detached thread running `f` with every signal blocked, through the C library's
/// `pthread_sigmask` (which leaves the C library's internal signals alone, so that e.g.
/// glibc's `setuid` broadcast still reaches it), so that no signal meant for the program is
/// ever handled on it.
pub fn spawn(f: fn()) -> Result<()> {
    let all = [0xffu8; SIGSET_BYTES];
    let mut old = [0u8; SIGSET_BYTES];
    // SAFETY: both buffers are at least the C library's `sigset_t`.
    unsafe { pthread_sigmask(SIG_BLOCK, all.as_ptr().cast(), old.as_mut_ptr().cast()) };
    let mut thread = 0usize;
    // SAFETY: `thread` is a live `pthread_t` slot; `thread_main` turns `arg` back into `f`.
    let r = unsafe {
        pthread_create(
            &mut thread,
            core::ptr::null(),
            thread_main,
            f as *mut c_void,
        )
    };
    // SAFETY: `old` is the mask read above.
    unsafe { pthread_sigmask(SIG_SETMASK, old.as_ptr().cast(), core::ptr::null_mut()) };
    if r != 0 {
        return Err(Errno(r));
    }
    // SAFETY: `thread` is the thread just created, not yet joined or detached.
    unsafe { pthread_detach(thread) };
    Ok(())
}

/// Has `child` run in the child process after every `fork` (pthread_atfork(3)).
pub fn at_fork(child: extern "C" fn()) {
    // SAFETY: a plain `extern "C" fn()` with no preconditions.
    let _ = unsafe { pthread_atfork(None, None, Some(child)) };
}
