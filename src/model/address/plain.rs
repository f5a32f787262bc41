//! Whether an address is plainly valid, told in one pass over it (see [`scan`]).

/// The bytes [`plainly_valid`] accepts anywhere in an address.
#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
const PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = (c as u8).is_ascii_alphanumeric();
        c += 1;
    }
    let extra = b"!#$%&'*+-/=?^_`{|}~.@";
    let mut i = 0;
    while i < extra.len() {
        t[extra[i] as usize] = true;
        i += 1;
    }
    t
};

/// In one pass over an address: whether it is ASCII, whether it is [`plainly_valid`], and
/// (for ASCII) where its last `@` is.
pub(super) fn scan(b: &[u8]) -> (bool, bool, Option<usize>) {
    #[cfg(target_arch = "x86_64")]
    if let Some(r) = scan64(b) {
        return r;
    }
    scan_bytes(b)
}

/// [`scan`] of an address of at most 64 bytes, sixteen bytes at a time: a bit per byte for
/// each class that matters (high bit, not [`PLAIN`], `@`, `.`), then the rules of
/// [`plainly_valid`] on those masks. `None` for a longer address.
#[cfg(target_arch = "x86_64")]
fn scan64(b: &[u8]) -> Option<(bool, bool, Option<usize>)> {
    use std::arch::x86_64::*;
    let len = b.len();
    if len == 0 {
        return Some((true, false, None));
    }
    // Padded with a plain letter, which sets no bit.
    let mut buf = [b'a'; 64];
    buf.get_mut(..len)?.copy_from_slice(b);
    let (mut high, mut bad, mut at, mut dot) = (0u64, 0u64, 0u64, 0u64);
    for k in 0..len.div_ceil(16) {
        // SAFETY: SSE2 is part of the x86_64 baseline; the load reads bytes 16k..16k + 16 of
        // the 64-byte buffer, and k < 4 since len <= 64.
        let (h, n, a, d) = unsafe {
            let v = _mm_loadu_si128(buf.as_ptr().add(16 * k).cast());
            let eq = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
            // Bytes up to the space (unsigned), DEL, and the punctuation PLAIN leaves out.
            let mut n = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x20)), v);
            for c in [
                0x7f, b'"', b'(', b')', b',', b':', b';', b'<', b'>', b'[', b'\\', b']',
            ] {
                n = _mm_or_si128(n, eq(c));
            }
            let mask = |x: __m128i| u64::from(_mm_movemask_epi8(x) as u16);
            (mask(v), mask(n), mask(eq(b'@')), mask(eq(b'.')))
        };
        high |= h << (16 * k);
        bad |= n << (16 * k);
        at |= a << (16 * k);
        dot |= d << (16 * k);
    }
    if high != 0 {
        return Some((false, false, None));
    }
    let last = 1u64 << (len - 1);
    let first_at = at.trailing_zeros();
    let plain = bad == 0
        // One `@`, not first, not after a dot.
        && at.count_ones() == 1
        && at & 1 == 0
        && dot & (at >> 1) == 0
        // No dot first, doubled, or right after the `@`.
        && dot & 1 == 0
        && dot & (dot << 1) == 0
        && dot & (at << 1) == 0
        // A dot in the domain, and neither a dot nor the `@` last.
        && dot.checked_shr(first_at + 1).unwrap_or(0) != 0
        && (dot | at) & last == 0;
    let last_at = (at != 0).then(|| 63 - at.leading_zeros() as usize);
    Some((true, plain, last_at))
}

/// [`scan`] byte by byte.
fn scan_bytes(b: &[u8]) -> (bool, bool, Option<usize>) {
    let mut plain = true;
    let mut at = None;
    let mut dot_in_domain = false;
    let mut prev = 0u8;
    for (i, &c) in b.iter().enumerate() {
        if c >= 0x80 {
            return (false, false, None);
        }
        if PLAIN.get(usize::from(c)) != Some(&true) {
            plain = false;
        }
        if c == b'@' {
            // A second `@`, an empty local part, or one ending with a dot.
            plain &= at.is_none() && i > 0 && prev != b'.';
            at = Some(i);
        } else if c == b'.' {
            // A leading or doubled dot in either part.
            plain &= i > 0 && prev != b'.' && prev != b'@';
            dot_in_domain |= at.is_some();
        }
        prev = c;
    }
    // The domain has a dot, and does not end with one (nor is it empty).
    plain &= at.is_some() && dot_in_domain && prev != b'.' && prev != b'@';
    (true, plain, at)
}

/// Whether `addr` is an ordinary valid address: ASCII letters, digits and the usual address
/// punctuation, one `@`, a dot in the domain, and no dot at either end of a part or doubled.
/// A quick test for the common case: `false` says only that a closer look is needed.
pub fn plainly_valid(addr: &str) -> bool {
    let b = addr.as_bytes();
    if !b.iter().all(|&c| PLAIN.get(usize::from(c)) == Some(&true)) {
        return false;
    }
    let Some((local, domain)) = addr.split_once('@') else {
        return false;
    };
    let (local, domain) = (local.as_bytes(), domain.as_bytes());
    let dots_ok = |p: &[u8]| {
        p.first().is_some_and(|&c| c != b'.')
            && p.last().is_some_and(|&c| c != b'.')
            && !p.windows(2).any(|w| w == b"..")
    };
    !domain.contains(&b'@') && dots_ok(local) && dots_ok(domain) && domain.contains(&b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_agrees_with_plainly_valid() {
        // Every string of up to six characters from an alphabet of the bytes that matter.
        let alphabet = ["a", ".", "@", "é", " ", "<"];
        let mut words = vec![String::new()];
        for _ in 0..6 {
            let longer: Vec<String> = words
                .iter()
                .filter(|w| w.chars().count() == words.last().map_or(0, |l| l.chars().count()))
                .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
                .collect();
            words.extend(longer);
        }
        assert!(words.len() > 50_000);
        // And longer ones, across the words of eight bytes and the SIMD blocks of `memchr`.
        let pieces = ["a", "b", ".", "@", "é", " ", "<", "-", "Z", "..", "x.y"];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 48) as usize;
            let mut w = String::new();
            for k in 0..len {
                // Mostly letters, as addresses are.
                let r = (x >> (k % 50)) as usize;
                let p = if r.is_multiple_of(3) {
                    pieces[r / 3 % pieces.len()]
                } else {
                    "a"
                };
                w.push_str(p);
            }
            words.push(w);
        }
        for w in &words {
            let at = w.rfind('@').filter(|_| w.is_ascii());
            let want = (w.is_ascii(), plainly_valid(w), at);
            assert_eq!(scan(w.as_bytes()), want, "{w:?}");
            assert_eq!(scan_bytes(w.as_bytes()), want, "{w:?}");
        }
    }
}
