//! The binary's global allocator: mimalloc, set up for a short batch run.

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::c_void;
use libmimalloc_sys as mi;

/// The alignment every `mi_malloc` block has when its size is at least this much (mimalloc's
/// `MI_MAX_ALIGN_SIZE` on 64-bit targets); smaller blocks are aligned to their size class,
/// which is a multiple of any alignment a Rust type of that size can have.
const MIN_ALIGN: usize = 16;

/// mimalloc, calling its plain `mi_malloc` family when the layout's alignment is one every
/// block already has, and the `_aligned` family only otherwise.
///
/// The `mimalloc` crate's allocator calls `mi_malloc_aligned` for every allocation. In
/// mimalloc v3 that takes a fast path only for blocks up to 1 KB that happen to be aligned
/// already, and otherwise a generic path: on a lean million-user snapshot, about 125
/// instructions per allocation against about 40 (callgrind). Earlier versions of the crate
/// made the same choice as this type.
pub struct Allocator;

fn plain(layout: &Layout) -> bool {
    layout.align() <= MIN_ALIGN && layout.align() <= layout.size()
}

// SAFETY: every pointer comes from mimalloc and goes back to it; `mi_malloc`, `mi_zalloc` and
// `mi_realloc` return blocks aligned to MIN_ALIGN or, below it, to their size class, so a
// layout that `plain` accepts is satisfied; any other takes the `_aligned` call.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: plain C allocation calls, valid for any size.
        unsafe {
            if plain(&layout) {
                mi::mi_malloc(layout.size()).cast()
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        unsafe {
            if plain(&layout) {
                mi::mi_zalloc(layout.size()).cast()
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` was returned by this allocator (GlobalAlloc's contract).
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` was returned by this allocator with `layout` (GlobalAlloc's contract).
        unsafe {
            if layout.align() <= MIN_ALIGN && layout.align() <= new_size {
                mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

/// mimalloc's `mi_option_purge_delay` (the enum position in its `mimalloc.h`, the same in v2
/// and v3; the Rust bindings do not name it). -1: freed memory is never returned to the OS
/// before exit. tenantlint is a short batch run that frees and reuses buffers continuously
/// while loading; returning them made the kernel zero the same (huge) pages again and again:
/// on a million users 0.2 s of system time instead of 0.4 to 1.3 s, with the same peak RSS.
const MI_OPTION_PURGE_DELAY: mi::mi_option_t = 15;

/// mimalloc's `mi_option_arena_eager_commit` (same header). 0: arena memory is committed as it
/// is used, not up front in huge pages: on a million users 75 MB less resident memory and
/// steadier (lower) system time.
const MI_OPTION_ARENA_EAGER_COMMIT: mi::mi_option_t = 4;

/// Sets the allocator's options. It must run before anything allocates: the Rust runtime
/// allocates before `main`, and mimalloc reads the arena options when it reserves its first
/// arena, so the binary calls it from a prioritised `.init_array` entry (ELF targets).
pub extern "C" fn tune() {
    // SAFETY: mi_option_set only stores a value in mimalloc's option table; it is valid before
    // mimalloc has initialised.
    unsafe {
        mi::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
        mi::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every size and alignment up to a few KB, through both paths: the block is aligned,
    /// writable, keeps its bytes when grown and shrunk, and zeroed when asked.
    #[test]
    fn blocks_are_aligned_and_keep_their_bytes() {
        let a = Allocator;
        for align in [1usize, 2, 4, 8, 16, 32, 64, 4096] {
            for size in (1..=3000).step_by(7).chain([align, 2 * align, 3 * align]) {
                let layout = Layout::from_size_align(size, align).unwrap();
                unsafe {
                    for new in [size * 2 + 5, size / 2 + 1] {
                        let p = a.alloc(layout);
                        assert!(
                            !p.is_null() && (p as usize).is_multiple_of(align),
                            "{size} {align}"
                        );
                        for i in 0..size {
                            *p.add(i) = i as u8;
                        }
                        let q = a.realloc(p, layout, new);
                        assert!(
                            !q.is_null() && (q as usize).is_multiple_of(align),
                            "{size}->{new} {align}"
                        );
                        for i in 0..size.min(new) {
                            assert_eq!(*q.add(i), i as u8);
                        }
                        a.dealloc(q, Layout::from_size_align(new, align).unwrap());
                    }
                    let z = a.alloc_zeroed(layout);
                    assert!((z as usize).is_multiple_of(align));
                    assert!((0..size).all(|i| *z.add(i) == 0));
                    a.dealloc(z, layout);
                }
            }
        }
    }
}
