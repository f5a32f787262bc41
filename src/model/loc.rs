//! Where an object was read: its file and the byte offset of its `{`, for reports that point
//! at lines (SARIF, GitHub annotations). Eight bytes per object.

/// A file index (in load order) and a byte offset into that file's text (UTF-8, after a byte
/// order mark; for a UTF-16 file, into its transcoded text; for a bundle of Export-Entra
/// object files, into the bundle). Packed: 20 bits of file, 44 of offset.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Loc(u64);

const OFFSET_BITS: u32 = 44;
const OFFSET_MASK: u64 = (1 << OFFSET_BITS) - 1;

impl Loc {
    /// `None` past what fits (a millionth file, a 16 TiB file): such an object has no place.
    pub fn new(file: u32, offset: usize) -> Option<Loc> {
        let offset = u64::try_from(offset).ok()?;
        (file < (1 << (64 - OFFSET_BITS)) && offset <= OFFSET_MASK)
            .then(|| Loc(u64::from(file) << OFFSET_BITS | offset))
    }

    pub fn file(self) -> u32 {
        (self.0 >> OFFSET_BITS) as u32
    }

    pub fn offset(self) -> usize {
        (self.0 & OFFSET_MASK) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::Loc;

    #[test]
    fn packs_and_unpacks() {
        let l = Loc::new(1000, 123_456_789_012).unwrap();
        assert_eq!((l.file(), l.offset()), (1000, 123_456_789_012));
        assert!(Loc::new(1 << 20, 0).is_none());
        assert!(Loc::new(0, 1 << 44).is_none());
        assert_eq!(
            Loc::new((1 << 20) - 1, (1 << 44) - 1).unwrap().file(),
            (1 << 20) - 1
        );
    }
}
