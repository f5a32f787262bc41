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

    #[allow(
        clippy::indexing_slicing,
        reason = "constant ranges within a [u8; 36]; a u8 indexes the 256-entry HEX table"
    )]
    /// Exactly the 36-character hyphenated form (any case), nothing around it.
    pub(crate) fn parse36(b: &[u8]) -> Option<Guid> {
        let b: &[u8; 36] = b.try_into().ok()?;
        if b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
            return None;
        }
        // Two 64-bit halves: digits 0..16 (8 + 4 + 4) and 16..32 (4 + 12).
        let mut bad = 0u8;
        let mut hex = |range: std::ops::Range<usize>, mut acc: u64| {
            for &c in &b[range] {
                let d = HEX[c as usize];
                bad |= d;
                acc = (acc << 4) | u64::from(d & 0x0f);
            }
            acc
        };
        let hi = hex(0..8, 0);
        let hi = hex(9..13, hi);
        let hi = hex(14..18, hi);
        let lo = hex(19..23, 0);
        let lo = hex(24..36, lo);
        (bad & 0xf0 == 0).then_some(Guid((u128::from(hi) << 64) | u128::from(lo)))
    }
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
