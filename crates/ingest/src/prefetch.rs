//! Asking memory for a value some steps before it is used.
//!
//! Matching millions of time cards to their users reads slots of an index
//! far larger than the cache, in no order. Read one at a time, each read
//! waits for memory before the next is asked for; asked for some steps
//! ahead ([`crate::join`]), the waits overlap. The one `unsafe` call is
//! kept here.

/// Asks for the cache line of `value`, without waiting for it. A hint
/// only: nothing changes that the program can see.
pub(crate) fn prefetch<T>(value: &T) {
    let line: *const T = value;
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing the program sees and cannot fault
    // (`line` is a reference's address besides); SSE, which has it, is
    // part of every x86_64 processor.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(line.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    std::hint::black_box(line);
}
