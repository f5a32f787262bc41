//! Load, run every rule, render every report format (`Format::ALL`): no panic, no hang, heap
//! and `related` lists linear in the input, valid JSON, and the same bytes when rendered twice
//! and when run on 1 or 3 threads (errors too).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tenantlint::error::InputError;
use tenantlint::report::Format;
use tenantlint_fuzz::{
    CHECK_HEAP_PER_BYTE, check_error, inflated_len, pool, render_all, within_heap_bound,
};

const NAME: &str = "fuzz.json";

type Rendered = Vec<(Format, bool, Vec<u8>)>;

fn run(data: &[u8], n: usize) -> Result<Rendered, InputError> {
    let t = tenantlint::snapshot::load_bytes(NAME, data.to_vec())?;
    let first = render_all(&t, NAME, n);
    let again = render_all(&t, NAME, n);
    for ((f, color, a), (_, _, b)) in first.iter().zip(&again) {
        assert!(
            a == b,
            "{f:?} (colour {color}): rendering twice gave different bytes"
        );
    }
    for (f, color, bytes) in &first {
        let text = std::str::from_utf8(bytes)
            .unwrap_or_else(|e| panic!("{f:?} (colour {color}): report is not UTF-8: {e}"));
        if *f == Format::Json {
            serde_json::from_str::<serde_json::Value>(text)
                .unwrap_or_else(|e| panic!("JSON report does not parse: {e}"));
        }
    }
    Ok(first)
}

fuzz_target!(|data: &[u8]| {
    let n = inflated_len(data);
    let one = within_heap_bound("check", n, CHECK_HEAP_PER_BYTE, || {
        pool(1).install(|| run(data, n))
    });
    let three = pool(3).install(|| run(data, n));
    match (one, three) {
        (Ok(a), Ok(b)) => {
            for ((f, color, a), (_, _, b)) in a.iter().zip(&b) {
                assert!(
                    a == b,
                    "{f:?} (colour {color}): 1 and 3 threads gave different bytes"
                );
            }
        }
        (Err(a), Err(b)) => {
            check_error(&a, NAME);
            assert_eq!(a, b, "1 and 3 threads gave different errors");
        }
        (a, b) => panic!(
            "1 thread: {}, 3 threads: {}",
            a.map_or_else(|e| e.to_string(), |_| "loaded".into()),
            b.map_or_else(|e| e.to_string(), |_| "loaded".into())
        ),
    }
});
