//! Prefetch hints for loops that read objects ahead.

/// Asks the CPU to start loading `*x` (a hint; see [`Strs::prefetch`]).
#[inline]
pub(super) fn prefetch<T>(x: &T) {
    prefetch_ptr((x as *const T).cast());
}

/// Asks the CPU to start loading the items of `s` (the first and last cache line): a hint for
/// loops that read the boxed slices of objects ahead (see [`Strs::prefetch`]).
#[inline]
pub fn prefetch_slice<T>(s: &[T]) {
    if let Some(first) = s.first() {
        let a: *const u8 = (first as *const T).cast();
        let b = a.wrapping_add(std::mem::size_of_val(s) - 1);
        prefetch_ptr(a);
        if (a as usize) >> 6 != (b as usize) >> 6 {
            prefetch_ptr(b);
        }
    }
}

#[inline]
fn prefetch_ptr(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
