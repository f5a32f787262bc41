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

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = { self.0 };
        write!(
            f,
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            (v >> 96) as u32,
            (v >> 80) as u16,
            (v >> 64) as u16,
            (v >> 48) as u16,
            v & 0xffff_ffff_ffff
        )
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
