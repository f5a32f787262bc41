//! The parsing floor: a bare serde_json `IgnoredAny` parse of a file, for scripts/bench.sh.
//! It maps the file the way tenantlint does, so the two are compared on equal terms.
//!
//! `cargo run --release --example floor -- FILE`

fn main() {
    let path = std::env::args().nth(1).expect("usage: floor FILE");
    let file = std::fs::File::open(&path).expect("open");
    // SAFETY: read-only map of a file nobody writes during the run.
    let bytes = unsafe { memmap2::Mmap::map(&file) }.expect("map");
    let _: serde::de::IgnoredAny = serde_json::from_slice(&bytes).expect("valid JSON");
}
