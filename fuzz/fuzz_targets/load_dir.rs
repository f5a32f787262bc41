//! `snapshot::load` on a snapshot directory built from the input (see `dir_files` for the
//! format): no panic, no hang, heap linear in the input, and an error is one line that names
//! the directory or a file in it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tenantlint_fuzz::{
    LOAD_HEAP_PER_BYTE, check_error, dir_files, inflated_len, tempdir, within_heap_bound, write_dir,
};

fuzz_target!(|data: &[u8]| {
    let files = dir_files(data);
    let dir = tempdir();
    write_dir(dir.path(), &files);
    let spec = dir
        .path()
        .to_str()
        .expect("the temporary directory's path is UTF-8");
    let n: usize = files.iter().map(|(p, b)| p.len() + inflated_len(b)).sum();
    let loaded = within_heap_bound("load", n, LOAD_HEAP_PER_BYTE, || {
        tenantlint::snapshot::load(spec)
    });
    if let Err(e) = loaded {
        check_error(&e, spec);
    }
});
