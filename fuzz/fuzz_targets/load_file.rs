//! `snapshot::load_bytes` on any bytes (plain or gzip): no panic, no hang, heap linear in the
//! (inflated) input, and an error is one line that names the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tenantlint_fuzz::{LOAD_HEAP_PER_BYTE, check_error, inflated_len, within_heap_bound};

const NAME: &str = "fuzz.json";

fuzz_target!(|data: &[u8]| {
    let n = inflated_len(data);
    let loaded = within_heap_bound("load_bytes", n, LOAD_HEAP_PER_BYTE, || {
        tenantlint::snapshot::load_bytes(NAME, data.to_vec())
    });
    if let Err(e) = loaded {
        check_error(&e, NAME);
    }
});
