//! Strings the model keeps, without copying them: spans into the loaded input buffers.
//!
//! A [`StrRef`] is eight bytes. Most strings in a Graph export carry no escape sequence, so
//! serde hands them out borrowed from the input buffer and the model records only where they
//! are. The few that had escapes (or sit where a span cannot reach) are kept in a side store.

use super::{AssignedLicense, LicenseInterner, LicenseSet, UpnDomain, UpnDomainInterner};
use std::ops::Deref;
use std::sync::Mutex;

const OWNED: u64 = 1 << 63;
const LEN_BITS: u32 = 16;
const OFF_BITS: u32 = 36;
const FILE_BITS: u32 = 11;

/// A string in the model: a span into one input buffer, or an index into the owned store.
/// The default value is the empty string.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
pub struct StrRef(u64);

impl StrRef {
    pub const EMPTY: StrRef = StrRef(0);

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// One loaded input: a memory map or an owned buffer (gzip, standard input).
pub enum Buf {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Deref for Buf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Buf::Mapped(m) => m,
            Buf::Owned(v) => v,
        }
    }
}

/// Owns every input buffer and the strings that could not be spans, and resolves [`StrRef`]s.
#[derive(Default)]
pub struct Strs {
    bufs: Vec<Buf>,
    owned: Vec<Box<str>>,
}

impl Strs {
    pub fn new(bufs: Vec<Buf>, owned: Vec<Box<str>>) -> Strs {
        Strs { bufs, owned }
    }

    /// Loaded buffer `i`, as read (for turning locations into lines).
    pub fn buf(&self, i: usize) -> Option<&[u8]> {
        self.bufs.get(i).map(|b| &b[..])
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "a StrRef is only made by this module from a span of one of its buffers"
    )]
    pub fn get(&self, r: StrRef) -> &str {
        let v = r.0;
        if v == 0 {
            return "";
        }
        if v & OWNED != 0 {
            return &self.owned[(v & !OWNED) as usize];
        }
        let len = (v & ((1 << LEN_BITS) - 1)) as usize;
        let off = ((v >> LEN_BITS) & ((1 << OFF_BITS) - 1)) as usize;
        let file = (v >> (LEN_BITS + OFF_BITS)) as usize;
        let bytes = &self.bufs[file][off..off + len];
        // SAFETY: every buffer is checked to be UTF-8 before it is parsed, and spans are only
        // made from `&str`s that serde borrowed from it, so they sit on char boundaries.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    /// Asks the CPU to start loading the text of `r` (a hint: no effect on the result, and
    /// none at all off x86-64). The spans of one property lie far apart in the input, so a
    /// loop that reads one per object waits for memory at every object; asking for the text of
    /// an object a few places ahead lets those waits overlap (see `rules::par_ahead`).
    #[inline]
    pub fn prefetch(&self, r: StrRef) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            let s = self.get(r).as_bytes();
            if let (Some(first), Some(last)) = (s.first(), s.last()) {
                let (a, b) = (first as *const u8, last as *const u8);
                // SAFETY: a prefetch never faults, and both pointers are into the string.
                unsafe {
                    _mm_prefetch::<_MM_HINT_T0>(a.cast());
                    if (a as usize) >> 6 != (b as usize) >> 6 {
                        _mm_prefetch::<_MM_HINT_T0>(b.cast());
                    }
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = r;
    }
}

/// Makes [`StrRef`]s while one buffer is being parsed (shared by the parsing threads).
/// Numbers what repeats across users while the text is at hand ([`StrSink::license_set`],
/// [`StrSink::upn_domain`]), for the whole load.
#[derive(Default)]
pub struct Interners {
    pub licenses: LicenseInterner,
    pub upn_domains: UpnDomainInterner,
}

/// Also numbers users' license lists and UPN domains ([`Interners`]).
pub struct StrSink<'a> {
    file: u64,
    base: &'a [u8],
    owned: &'a Mutex<Vec<Box<str>>>,
    interners: &'a Interners,
}

impl<'a> StrSink<'a> {
    pub fn new(
        file: usize,
        base: &'a [u8],
        owned: &'a Mutex<Vec<Box<str>>>,
        interners: &'a Interners,
    ) -> Self {
        StrSink {
            file: file as u64,
            base,
            owned,
            interners,
        }
    }

    /// The number of a user's license list (see [`LicenseSets`](super::LicenseSets)).
    pub fn license_set(&self, v: &[AssignedLicense]) -> LicenseSet {
        self.interners.licenses.intern(v)
    }

    /// The number of the domain of a user's UPN (see [`UpnDomains`](super::UpnDomains)).
    pub fn upn_domain(&self, upn: &super::Upn<'_>) -> UpnDomain {
        self.interners.upn_domains.of(upn)
    }

    /// Records `s`: as a span when it lies inside this sink's buffer, else as an owned copy.
    pub fn put(&self, s: &str) -> StrRef {
        if s.is_empty() {
            return StrRef::EMPTY;
        }
        let start = self.base.as_ptr() as usize;
        let p = s.as_ptr() as usize;
        if p >= start && p + s.len() <= start + self.base.len() {
            let off = (p - start) as u64;
            let len = s.len() as u64;
            if len < (1 << LEN_BITS) && off < (1 << OFF_BITS) && self.file < (1 << FILE_BITS) {
                return StrRef((self.file << (LEN_BITS + OFF_BITS)) | (off << LEN_BITS) | len);
            }
        }
        let mut owned = self.owned.lock().unwrap_or_else(|e| e.into_inner());
        owned.push(s.into());
        StrRef(OWNED | (owned.len() - 1) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_owned_strings_resolve() {
        let buf = b"hello world".to_vec();
        let owned = Mutex::new(Vec::new());
        let (a, b, e) = {
            let text = std::str::from_utf8(&buf).unwrap();
            let sets = Interners::default();
            let sink = StrSink::new(0, &buf, &owned, &sets);
            (sink.put(&text[6..]), sink.put("elsewhere"), sink.put(""))
        };
        let strs = Strs::new(vec![Buf::Owned(buf)], owned.into_inner().unwrap());
        assert_eq!(strs.get(a), "world");
        assert_eq!(strs.get(b), "elsewhere");
        assert_eq!(strs.get(e), "");
        assert!(e.is_empty());
    }
}
