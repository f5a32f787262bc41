#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (the enum position in its v2 `mimalloc.h`; the Rust
/// bindings do not name it). Freed memory is returned to the OS after this many
/// milliseconds instead of 10: the loader frees and reuses batch buffers continuously, and
/// purging them early made the kernel zero the same pages again and again.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // SAFETY: sets a mimalloc tunable; valid at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 1000) };
    tenantlint::cli::main().into()
}
