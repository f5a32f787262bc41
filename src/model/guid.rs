//! Object and SKU identifiers: GUIDs kept as one `u128`, parsed case-insensitively.

use std::fmt;

/// A GUID such as an object id, `skuId` or `servicePlanId`.
///
/// Parsing trims surrounding whitespace (including U+00A0, which Microsoft's licensing table
/// carries) and ignores case, so `0118A350-…` and `0118a350-…` are the same id. It prints in the
/// canonical lower-case hyphenated form.
///
/// ```
/// use tenantlint::model::Guid;
/// let g = Guid::parse(" 0118A350-71FC-4EC3-8F0C-6A1CB8867561\u{a0}").unwrap();
/// assert_eq!(g.to_string(), "0118a350-71fc-4ec3-8f0c-6a1cb8867561");
/// assert_eq!(Guid::parse("not a guid"), None);
/// ```
///
/// Stored with 8-byte alignment (not `u128`'s 16) so that the model's structs pack tightly.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[repr(C, packed(8))]
pub struct Guid(pub u128);

impl Guid {
    pub fn parse(s: &str) -> Option<Guid> {
        // Fast path: the 36-character form Graph always writes.
        if let Some(g) = Self::parse36(s.as_bytes()) {
            return Some(g);
        }
        let s = s.trim_matches(char::is_whitespace);
        let s = s
            .strip_prefix('{')
            .and_then(|x| x.strip_suffix('}'))
            .unwrap_or(s);
        Self::parse36(s.as_bytes())
    }

    /// Exactly the 36-character hyphenated form (any case), nothing around it.
    pub(crate) fn parse36(b: &[u8]) -> Option<Guid> {
        let b: &[u8; 36] = b.try_into().ok()?;
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("ssse3") {
            // SAFETY: the CPU has SSSE3, checked just above.
            return unsafe { parse36_ssse3(b) };
        }
        parse36_words(b)
    }
}

/// [`Guid::parse36`] with SSSE3 (every x86_64 CPU since 2006 has it): the 36 bytes in three
/// overlapping 16-byte loads, each byte checked as a hex digit or a dash where the form wants
/// one, the 32 digits gathered in order with two byte shuffles, and digit pairs joined into
/// bytes with one multiply-add.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "ssse3")]
fn parse36_ssse3(b: &[u8; 36]) -> Option<Guid> {
    use std::arch::x86_64::*;
    // Each 16-byte load: its nibble values, and whether its bytes are hex digits exactly where
    // `dashes` (a bit per byte) has no dash, and dashes where it has.
    let read = |v: __m128i, dashes: i32| -> (__m128i, bool) {
        let set = |c: u8| _mm_set1_epi8(c as i8);
        // Signed compares: a byte from 0x80 up is negative, below '0', and so neither class.
        let within = |x: __m128i, lo: u8, hi: u8| {
            _mm_and_si128(
                _mm_cmpgt_epi8(x, set(lo - 1)),
                _mm_cmplt_epi8(x, set(hi + 1)),
            )
        };
        let digit = within(v, b'0', b'9');
        let letter = within(_mm_or_si128(v, set(0x20)), b'a', b'f');
        let hex = _mm_movemask_epi8(_mm_or_si128(digit, letter));
        let dash = _mm_movemask_epi8(_mm_cmpeq_epi8(v, set(b'-')));
        let ok = hex == 0xffff & !dashes && dash == dashes;
        let nibble = _mm_add_epi8(_mm_and_si128(v, set(0x0f)), _mm_and_si128(letter, set(9)));
        (nibble, ok)
    };
    // SAFETY: the three loads read bytes 0..16, 16..32 and 20..36 of the 36-byte array.
    let (x, y, z) = unsafe {
        let p = b.as_ptr();
        (
            _mm_loadu_si128(p.cast()),
            _mm_loadu_si128(p.add(16).cast()),
            _mm_loadu_si128(p.add(20).cast()),
        )
    };
    // Dashes at 8 and 13 (in x), 18 and 23 (bits 2 and 7 of y, bit 3 of z).
    let (x, ok_x) = read(x, 1 << 8 | 1 << 13);
    let (y, ok_y) = read(y, 1 << 2 | 1 << 7);
    let (z, ok_z) = read(z, 1 << 3);
    if !(ok_x && ok_y && ok_z) {
        return None;
    }
    // Digits 0..16: bytes 0-7, 9-12, 14-15 of x and 16-17 (0-1 of y); digits 16..32: bytes
    // 19-22 (3-6 of y) and 24-35 (4-15 of z). Index -1 (high bit set) shuffles in a zero.
    let pick = |v: __m128i, idx: [i8; 16]| {
        // SAFETY: the array is 16 bytes, read unaligned.
        let i = unsafe { _mm_loadu_si128(idx.as_ptr().cast()) };
        _mm_shuffle_epi8(v, i)
    };
    const Z: i8 = -1;
    let lo = _mm_or_si128(
        pick(x, [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, Z, Z]),
        pick(y, [Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, 0, 1]),
    );
    let hi = _mm_or_si128(
        pick(y, [3, 4, 5, 6, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z]),
        pick(z, [Z, Z, Z, Z, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
    );
    // Each pair of digits: 16 * first + second, then the sixteen bytes in order.
    let weights = _mm_set1_epi16(0x0110);
    let bytes = _mm_packus_epi16(
        _mm_maddubs_epi16(lo, weights),
        _mm_maddubs_epi16(hi, weights),
    );
    let mut out = [0u8; 16];
    // SAFETY: stores 16 bytes into the 16-byte array, unaligned.
    unsafe { _mm_storeu_si128(out.as_mut_ptr().cast(), bytes) };
    Some(Guid(u128::from_be_bytes(out)))
}

/// [`Guid::parse36`] with 64-bit words, on any CPU.
fn parse36_words(b: &[u8; 36]) -> Option<Guid> {
    // Four words of eight digits, each read with whole-word loads: 0..8, 9..13 + 14..18,
    // 19..23 + 24..28, 28..36.
    let (w8, w4) = (word8(b), word4(b));
    let a = w8(0);
    let c = w4(9) | w4(14) << 32;
    let d = w4(19) | w4(24) << 32;
    let e = w8(28);
    let dashes = [b[8], b[13], b[18], b[23]] == *b"----";
    // All four words checked before one branch: a GUID is nearly always well formed.
    let (a, ok_a) = hex8(a);
    let (c, ok_c) = hex8(c);
    let (d, ok_d) = hex8(d);
    let (e, ok_e) = hex8(e);
    if !(dashes & ok_a & ok_c & ok_d & ok_e) {
        return None;
    }
    let hi = u64::from(a) << 32 | u64::from(c);
    let lo = u64::from(d) << 32 | u64::from(e);
    Some(Guid(u128::from(hi) << 64 | u128::from(lo)))
}

/// The eight bytes of `b` from `at` as a little-endian word (0 past the end, which the
/// constant offsets of [`Guid::parse36`] never reach).
fn word8(b: &[u8; 36]) -> impl Fn(usize) -> u64 + '_ {
    move |at| {
        b.get(at..)
            .and_then(|x| x.first_chunk::<8>())
            .map_or(0, |w| u64::from_le_bytes(*w))
    }
}

/// The four bytes of `b` from `at`, as [`word8`].
fn word4(b: &[u8; 36]) -> impl Fn(usize) -> u64 + '_ {
    move |at| {
        b.get(at..)
            .and_then(|x| x.first_chunk::<4>())
            .map_or(0, |w| u64::from(u32::from_le_bytes(*w)))
    }
}

/// The value of eight hex digits (any case; the first in the lowest byte of `v`), and whether
/// all eight are hex digits (the value is meaningless when not): all eight at once in one
/// 64-bit word, without a branch.
#[inline]
fn hex8(v: u64) -> (u32, bool) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    // With every byte below 0x80, `x + (0x80 - lo)` sets a byte's high bit exactly when the
    // byte is at least `lo`, and no carry crosses into the next byte.
    let at_least = |x: u64, lo: u8| x.wrapping_add(ONES * u64::from(0x80 - lo));
    let between = |x: u64, lo: u8, hi: u8| at_least(x, lo) & !at_least(x, hi + 1) & HIGH;
    // Bytes from 0x80 up are cleared to 0 (not a digit) before the tests, and fail `ascii`.
    let ascii = v & HIGH == 0;
    let x = v & !HIGH;
    let digit = between(x, b'0', b'9');
    let letter = between(x | (ONES * 0x20), b'a', b'f');
    let ok = ascii & (digit | letter == HIGH);
    // Each byte's value (0..=15), the first digit moved to the top byte, then the low nibbles
    // packed pairwise: 8 bytes -> 4 -> 2 -> 1 word of 32 bits.
    let n = ((x & (ONES * 0x0f)) + (letter >> 7) * 9).swap_bytes();
    let n = (n | n >> 4) & 0x00ff_00ff_00ff_00ff;
    let n = (n | n >> 8) & 0x0000_ffff_0000_ffff;
    let n = (n | n >> 16) & 0x0000_0000_ffff_ffff;
    (n as u32, ok)
}

impl Guid {
    /// The canonical text: 32 lower-case hex digits in groups of 8-4-4-4-12. Written a digit
    /// at a time from a table: every finding names an object by its id, and `write!` with five
    /// hex formats cost about ten times as much.
    fn text(self) -> [u8; 36] {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let v = { self.0 };
        let mut out = [b'-'; 36];
        let mut shift = 128;
        for (i, slot) in out.iter_mut().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                continue;
            }
            shift -= 4;
            *slot = HEX
                .get(((v >> shift) & 0xf) as usize)
                .copied()
                .unwrap_or(b'0');
        }
        out
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.text();
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_as_the_five_hex_formats_do() {
        let mut v: u128 = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210;
        for _ in 0..1000 {
            let want = format!(
                "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
                (v >> 96) as u32,
                (v >> 80) as u16,
                (v >> 64) as u16,
                (v >> 48) as u16,
                v & 0xffff_ffff_ffff
            );
            assert_eq!(Guid(v).to_string(), want);
            v = v
                .wrapping_mul(0x2545_f491_4f6c_dd1d_9e37_79b9_7f4a_7c15)
                .wrapping_add(1);
        }
        assert_eq!(Guid(0).to_string(), "00000000-0000-0000-0000-000000000000");
        assert_eq!(
            Guid(u128::MAX).to_string(),
            "ffffffff-ffff-ffff-ffff-ffffffffffff"
        );
    }

    #[test]
    fn parses_and_prints_canonically() {
        let g = Guid::parse(" 0118A350-71FC-4EC3-8F0C-6A1CB8867561\u{a0}").unwrap();
        assert_eq!(g.to_string(), "0118a350-71fc-4ec3-8f0c-6a1cb8867561");
        assert_eq!(
            Guid::parse("{0118a350-71fc-4ec3-8f0c-6a1cb8867561}"),
            Some(g)
        );
    }

    /// Hex digit values; 0xff marks a non-hex byte.
    #[allow(
        clippy::indexing_slicing,
        reason = "constant evaluation: an index out of range fails the build"
    )]
    const HEX: [u8; 256] = {
        let mut t = [0xffu8; 256];
        let mut i = 0;
        while i < 10 {
            t[b'0' as usize + i] = i as u8;
            i += 1;
        }
        let mut i = 0;
        while i < 6 {
            t[b'a' as usize + i] = 10 + i as u8;
            t[b'A' as usize + i] = 10 + i as u8;
            i += 1;
        }
        t
    };

    /// The digit-by-digit reading that `parse36` replaced, kept as the reference.
    #[allow(
        clippy::indexing_slicing,
        reason = "test: a u8 indexes the 256-entry table"
    )]
    fn by_table(b: &[u8; 36]) -> Option<Guid> {
        let mut digits = b
            .iter()
            .enumerate()
            .filter(|(i, _)| ![8, 13, 18, 23].contains(i));
        let mut v = 0u128;
        for (_, &c) in digits.by_ref() {
            let d = HEX[c as usize];
            if d > 15 {
                return None;
            }
            v = v << 4 | u128::from(d);
        }
        [8, 13, 18, 23]
            .iter()
            .all(|&i| b[i] == b'-')
            .then_some(Guid(v))
    }

    #[test]
    fn every_byte_at_every_position_reads_as_the_table_does() {
        let base = *b"0118A350-71fc-4EC3-8f0C-6a1cb8867561";
        for pos in 0..36 {
            for byte in 0..=255u8 {
                let mut b = base;
                b[pos] = byte;
                assert_eq!(Guid::parse36(&b), by_table(&b), "{pos} {byte:#x}");
                assert_eq!(parse36_words(&b), by_table(&b), "{pos} {byte:#x}");
            }
        }
        let all = *b"ffffffff-FFFF-ffff-FfFf-ffffffffffff";
        assert_eq!(Guid::parse36(&all), Some(Guid(u128::MAX)));
        assert_eq!(
            Guid::parse36(b"00000000-0000-0000-0000-000000000000"),
            Some(Guid(0))
        );
    }

    #[test]
    fn rejects_non_guids() {
        for s in [
            "",
            "abc",
            "0118a350-71fc-4ec3-8f0c-6a1cb886756",
            "0118a350x71fc-4ec3-8f0c-6a1cb8867561",
            "0118a350-71fc-4ec3-8f0c-6a1cb886756g",
        ] {
            assert_eq!(Guid::parse(s), None, "{s}");
        }
    }
}
