// No unwrap/expect/unchecked indexing on input outside tests; each #[allow] states the invariant.
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

#[global_allocator]
static ALLOC: tenantlint::alloc::Allocator = tenantlint::alloc::Allocator;

/// The allocator's options are set before the Rust runtime and mimalloc initialise.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array.00100")]
static TUNE_ALLOCATOR: extern "C" fn() = tenantlint::alloc::tune;

fn main() -> std::process::ExitCode {
    #[cfg(not(target_os = "linux"))]
    tenantlint::alloc::tune();
    tenantlint::cli::main().into()
}
