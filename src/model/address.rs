//! Addresses (UPNs, mail, proxy addresses): trimming, case folding and hashing, and the facts
//! about each proxy address that several rules read, worked out once while loading.

mod plain;

use super::StrRef;
pub use plain::plainly_valid;
use plain::scan;
use std::hash::{Hash, Hasher};

/// What is known of a proxy address's text (after trimming), kept in the low byte of
/// [`Proxy`]'s key.
pub mod proxy_flags {
    /// The entry is empty or only whitespace.
    pub const BLANK: u8 = 1 << 0;
    /// The entry starts with a `prefix:` part (see [`super::has_prefix`]).
    pub const PREFIXED: u8 = 1 << 1;
    /// The prefix is `smtp:`, in any case.
    pub const SMTP: u8 = 1 << 2;
    /// The prefix is `SMTP:` exactly: the primary SMTP address.
    pub const PRIMARY: u8 = 1 << 3;
    /// An `smtp:` entry whose address is plainly valid (see [`super::plainly_valid`]).
    pub const PLAIN: u8 = 1 << 4;
    /// An `smtp:` entry of ASCII text: its key is the [`super::address_key`] of the address
    /// alone (without the prefix), so it can be looked up among UPNs and mail addresses.
    pub const ADDRESS_KEY: u8 = 1 << 5;
    /// A user's `smtp:` entry whose domain ([`super::domain_lower`] of the address) is the
    /// domain of the user's UPN: a rule that judges domains can judge the UPN's instead of
    /// reading the entry (see `UpnDomain`).
    pub const IN_UPN_DOMAIN: u8 = 1 << 6;
    /// A user's `smtp:` entry whose address is the user's UPN ([`super::same_address`]): a
    /// rule that looks addresses up among other objects' UPNs can skip it unread.
    pub const IS_UPN: u8 = 1 << 7;
}

/// A proxy address: the text as exported, a hash of its normalised form (trimmed, lower case)
/// so that duplicates are found without allocating, and [`proxy_flags`].
///
/// The key of an ASCII `smtp:` entry hashes the address without its prefix
/// ([`proxy_flags::ADDRESS_KEY`]); any other entry's hashes the whole entry. Either way,
/// entries equal after [`normalize_address`] have equal keys.
#[derive(Clone, Copy, Debug)]
pub struct Proxy {
    pub raw: StrRef,
    /// The key in all but the low byte, which holds the flags.
    bits: u64,
}

impl Proxy {
    /// The proxy address `text` of a group or contact, stored as `raw`.
    pub fn new(raw: StrRef, text: &str) -> Proxy {
        Self::build(raw, text, None)
    }

    /// The proxy address `text` of the user whose UPN is `upn`, stored as `raw`: with
    /// [`proxy_flags::IN_UPN_DOMAIN`] set when its domain is the UPN's ([`domain_lower`] of
    /// both) and [`proxy_flags::IS_UPN`] when its address is the UPN ([`same_address`]).
    pub fn of_user(raw: StrRef, text: &str, upn: &Upn<'_>) -> Proxy {
        Self::build(raw, text, Some(upn))
    }

    /// The entry read once: trimmed, its prefix told, its address scanned and hashed, and (for
    /// a user's) compared with the UPN, from the `@` the scan found and the UPN's key.
    fn build(raw: StrRef, text: &str, upn: Option<&Upn<'_>>) -> Proxy {
        use proxy_flags::*;
        let entry = trim(text);
        let mut flags = 0;
        let key = if entry.is_empty() {
            flags |= BLANK;
            address_key(entry)
        } else if let Some(addr) = smtp_address(entry) {
            flags |= PREFIXED | SMTP;
            if entry.starts_with("SMTP:") {
                flags |= PRIMARY;
            }
            let (ascii, plain, at) = scan(addr.as_bytes());
            if plain {
                flags |= PLAIN;
            }
            let key = if ascii {
                flags |= ADDRESS_KEY;
                ascii_key(trim(addr))
            } else {
                address_key(entry)
            };
            if let Some(upn) = upn {
                flags |= upn.facts(addr, ascii, at, key);
            }
            key
        } else {
            if has_prefix(entry) {
                flags |= PREFIXED;
            }
            address_key(entry)
        };
        Proxy {
            raw,
            bits: key | u64::from(flags),
        }
    }

    /// The [`address_key`] of the entry, or of its address for [`proxy_flags::ADDRESS_KEY`].
    pub fn key(self) -> u64 {
        self.bits & !0xff
    }

    pub fn is(self, flag: u8) -> bool {
        self.bits & u64::from(flag) != 0
    }
}

/// A user's UPN as [`Proxy::of_user`] compares the user's addresses with it: read once per
/// user, not once per address.
pub struct Upn<'a> {
    /// Trimmed.
    text: &'a str,
    ascii: bool,
    /// [`address_key`] of the UPN.
    key: u64,
    /// [`domain_lower`] of the UPN; `None` for a blank UPN or one without `@`.
    domain: Option<std::borrow::Cow<'a, str>>,
}

impl<'a> Upn<'a> {
    /// `upn` as exported (empty when absent).
    pub fn new(upn: &'a str) -> Upn<'a> {
        let text = trim(upn);
        Upn {
            text,
            ascii: text.is_ascii(),
            key: address_key(text),
            domain: if text.is_empty() {
                None
            } else {
                domain_lower(text)
            },
        }
    }

    /// [`address_key`] of the UPN.
    pub fn key(&self) -> u64 {
        self.key
    }

    /// Whether the UPN is empty or only whitespace.
    pub fn is_blank(&self) -> bool {
        self.text.is_empty()
    }

    /// [`domain_lower`] of the UPN; `None` when it is blank or has no `@`.
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// The flags of `smtp:` address `addr` (as [`smtp_address`] has it) against this UPN,
    /// given what [`scan`] found (`ascii`, the last `@`) and the address's `key`.
    fn facts(&self, addr: &str, ascii: bool, at: Option<usize>, key: u64) -> u8 {
        let mut flags = 0;
        if let Some(domain) = &self.domain {
            // The UPN's domain is lower case: an ASCII domain equals it, lower-cased, exactly
            // when it equals it ignoring ASCII case.
            let inside = if ascii {
                at.and_then(|at| addr.get(at + 1..))
                    .is_some_and(|d| trim(d).eq_ignore_ascii_case(domain))
            } else {
                domain_lower(addr).is_some_and(|d| d == *domain)
            };
            if inside {
                flags |= proxy_flags::IN_UPN_DOMAIN;
            }
        }
        // Equal ASCII addresses have equal keys: most addresses differ there.
        let same = if ascii && self.ascii {
            key == self.key && trim(addr).eq_ignore_ascii_case(self.text)
        } else {
            same_address(self.text, addr)
        };
        if same {
            flags |= proxy_flags::IS_UPN;
        }
        flags
    }
}

/// `s.trim()`, without the Unicode whitespace scan when both ends are plain ASCII (the usual case).
#[inline]
pub fn trim(s: &str) -> &str {
    let plain = |c: &u8| *c > b' ' && *c < 0x80;
    let b = s.as_bytes();
    if b.first().is_some_and(plain) && b.last().is_some_and(plain) {
        s
    } else {
        s.trim()
    }
}

/// The domain of an address or UPN (after the last `@`), trimmed, lower case; `None` when the
/// text has no `@`. Borrows unless the domain has upper-case or non-ASCII letters.
pub fn domain_lower(addr: &str) -> Option<std::borrow::Cow<'_, str>> {
    use std::borrow::Cow;
    // memchr's search (std's `rsplit_once` was 2 % of a run's cycles) and the ASCII trim.
    let at = memchr::memrchr(b'@', addr.as_bytes())?;
    let d = trim(addr.get(at + 1..)?);
    if needs_folding(d.as_bytes()) {
        Some(Cow::Owned(d.to_lowercase()))
    } else {
        Some(Cow::Borrowed(d))
    }
}

/// The high bit of each byte of `v` that is in `'A'..='Z'`, for `v` with every high bit clear
/// (so that no carry crosses a byte): a byte is at least `'A'` and not above `'Z'`.
#[inline]
fn upper_bytes(v: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let ge_a = v.wrapping_add(ONES * u64::from(0x80 - b'A'));
    let gt_z = v.wrapping_add(ONES * u64::from(0x7f - b'Z'));
    ge_a & !gt_z & (ONES * 0x80)
}

/// Whether `b` has an upper-case ASCII letter or a non-ASCII byte, that is whether
/// lower-casing could change it: eight bytes at a time.
#[inline]
fn needs_folding(b: &[u8]) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let hit = |v: u64| (v & HIGH | upper_bytes(v & !HIGH)) != 0;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        if hit(u64::from_le_bytes(word)) {
            return true;
        }
    }
    hit(tail_word(b))
}

/// The normalised form of a proxy address: surrounding whitespace trimmed, lower case.
pub fn normalize_address(s: &str) -> std::borrow::Cow<'_, str> {
    let t = trim(s);
    if needs_folding(t.as_bytes()) {
        std::borrow::Cow::Owned(t.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(t)
    }
}

/// Whether `a` and `b` are equal after [`normalize_address`], without allocating when both
/// are ASCII.
pub fn same_address(a: &str, b: &str) -> bool {
    let (ta, tb) = (trim(a), trim(b));
    if ta.is_ascii() && tb.is_ascii() {
        ta.eq_ignore_ascii_case(tb)
    } else {
        normalize_address(a) == normalize_address(b)
    }
}

/// Hash of an address's normalised form; equal for addresses equal after [`normalize_address`].
/// ASCII text (nearly every address) is lower-cased and hashed eight bytes at a time. The low
/// byte is always zero ([`Proxy`] keeps its flags there).
pub fn address_key(s: &str) -> u64 {
    let t = trim(s);
    if !t.is_ascii() {
        let mut h = rustc_hash::FxHasher::default();
        t.to_lowercase().hash(&mut h);
        return (h.finish() ^ 0x100) & !0xff;
    }
    ascii_key(t)
}

/// [`address_key`] of trimmed ASCII text.
fn ascii_key(t: &str) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    // Bytes in 'A'..='Z' gain 0x20 (all bytes are ASCII here).
    let lower = |v: u64| v | (upper_bytes(v) >> 2);
    let b = t.as_bytes();
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        h.write_u64(lower(u64::from_le_bytes(word)));
    }
    h.write_u64(lower(tail_word(b)));
    h.write_usize(b.len());
    h.finish() & !0xff
}

/// The last `b.len() % 8` bytes of `b` as a little-endian word, zero above them: read with
/// (overlapping) loads of whole words instead of byte by byte, which the compiler turns into
/// a call to `memcpy`.
#[inline]
fn tail_word(b: &[u8]) -> u64 {
    let r = b.len() % 8;
    if r == 0 {
        return 0;
    }
    let le = |at: usize, n: usize| -> u64 {
        let mut w = [0u8; 8];
        if let (Some(dst), Some(src)) = (w.get_mut(..n), b.get(at..at + n)) {
            dst.copy_from_slice(src);
        }
        u64::from_le_bytes(w)
    };
    let n = b.len();
    if n >= 8 {
        // The last whole word, its first 8 - r bytes (not in the tail) shifted out.
        le(n - 8, 8) >> (64 - 8 * r)
    } else if n >= 4 {
        // Two 4-byte loads that overlap in the middle: the same bytes land on the same place.
        le(0, 4) | le(n - 4, 4) << (8 * (n - 4))
    } else if n >= 2 {
        le(0, 2) | le(n - 2, 2) << (8 * (n - 2))
    } else {
        le(0, 1)
    }
}

/// The address part of an `smtp:` proxy address (prefix compared case-insensitively, the
/// entry trimmed first), or `None` for other prefixes.
pub fn smtp_address(raw: &str) -> Option<&str> {
    let t = trim(raw);
    let (prefix, rest) = t.split_at_checked(5)?;
    prefix.eq_ignore_ascii_case("smtp:").then_some(rest)
}

/// Whether the trimmed entry starts with a `prefix:` part: one or more ASCII letters or digits
/// before the first `:`.
pub fn has_prefix(entry: &str) -> bool {
    for (i, b) in entry.bytes().enumerate() {
        if b == b':' {
            return i > 0;
        }
        if !b.is_ascii_alphanumeric() {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_word_is_the_zero_padded_remainder() {
        let text: Vec<u8> = (1..=40).collect();
        for len in 0..=text.len() {
            let b = &text[..len];
            let mut want = [0u8; 8];
            let rest = &b[len - len % 8..];
            want[..rest.len()].copy_from_slice(rest);
            assert_eq!(tail_word(b), u64::from_le_bytes(want), "{len}");
        }
    }

    #[test]
    fn address_key_ignores_case_and_surrounding_space() {
        let a = address_key(" SMTP:Megan.Bowen@Contoso.COM ");
        assert_eq!(a, address_key("smtp:megan.bowen@contoso.com"));
        assert_ne!(a, address_key("smtp:megan.bowen@contoso.co"));
        assert_eq!(
            address_key("SIP:Ünïcode@X.com"),
            address_key("sip:ünïcode@x.com")
        );
        for s in [
            "",
            "a",
            "@[\\]^_`{|}~",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        ] {
            assert_eq!(address_key(s), address_key(&s.to_lowercase()), "{s}");
        }
        assert_ne!(address_key("@"), address_key("`"));
        assert_ne!(address_key("[Z]"), address_key("[z]x"));
    }

    #[test]
    fn needs_folding_is_lower_casing_changes_it() {
        // Every byte at every position of words of up to 19 bytes.
        for len in 1..20 {
            for pos in 0..len {
                for byte in 0..=255u8 {
                    let mut b = vec![b'a'; len];
                    b[pos] = byte;
                    let want = b.iter().any(|c| c.is_ascii_uppercase() || *c >= 0x80);
                    assert_eq!(needs_folding(&b), want, "{b:?}");
                }
            }
        }
        assert!(!needs_folding(b""));
    }

    #[test]
    fn trim_matches_str_trim() {
        for s in ["", " a ", "a", "\u{a0}a\u{a0}", "a\t", "é ", " é"] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }

    #[test]
    fn equal_entries_have_equal_keys() {
        let entries = [
            "SMTP:a@contoso.com",
            "smtp:A@Contoso.com",
            " smtp:a@contoso.com\u{a0}",
            "smtp: a@contoso.com",
            "smtp:",
            "SMTP: ",
            "smtp:jürgen@müller.de",
            "SMTP:JÜRGEN@MÜLLER.DE",
            "smtp:Σ@contoso.com",
            "smtp:σ@contoso.com",
            "X500:/o=X",
            "x500:/O=x",
            "a@contoso.com",
        ];
        for a in entries {
            for b in entries {
                if normalize_address(a) == normalize_address(b) {
                    let (pa, pb) = (Proxy::new(StrRef::EMPTY, a), Proxy::new(StrRef::EMPTY, b));
                    assert_eq!(pa.key(), pb.key(), "{a:?} {b:?}");
                }
            }
        }
    }

    #[test]
    fn proxy_facts() {
        use proxy_flags::*;
        let p = |s: &str| Proxy::new(StrRef::EMPTY, s);
        let primary = p(" SMTP:Megan@Contoso.com ");
        assert!(primary.is(SMTP) && primary.is(PRIMARY) && primary.is(PLAIN));
        assert!(primary.is(PREFIXED) && primary.is(ADDRESS_KEY) && !primary.is(BLANK));
        assert_eq!(primary.key(), address_key("megan@contoso.com"));
        assert_eq!(primary.key(), p("smtp:MEGAN@contoso.COM").key());
        let secondary = p("smtp:megan@contoso");
        assert!(secondary.is(SMTP) && !secondary.is(PRIMARY) && !secondary.is(PLAIN));
        let x500 = p("X500:/o=ExchangeLabs/cn=Recipients");
        assert!(x500.is(PREFIXED) && !x500.is(SMTP) && !x500.is(ADDRESS_KEY));
        assert_eq!(
            x500.key(),
            address_key("x500:/o=exchangelabs/cn=recipients")
        );
        let bare = p("megan@contoso.com");
        assert!(!bare.is(PREFIXED) && !bare.is(SMTP) && !bare.is(BLANK));
        assert!(p("  ").is(BLANK) && !p("  ").is(PREFIXED));
        // Non-ASCII smtp entries keep the key of the whole entry.
        let u = p("smtp:jürgen@müller.de");
        assert!(u.is(SMTP) && !u.is(ADDRESS_KEY) && !u.is(PLAIN));
        assert_eq!(u.key(), address_key("SMTP:Jürgen@Müller.de"));
        // The key never spills into the flags.
        assert_eq!(address_key("x") & 0xff, 0);
        assert_eq!(address_key("é") & 0xff, 0);
    }

    #[test]
    fn user_facts() {
        use proxy_flags::*;
        let p = |s: &str, upn: &str| Proxy::of_user(StrRef::EMPTY, s, &Upn::new(upn));
        let own = p(" smtp:Megan@Contoso.COM", "megan@contoso.com ");
        assert!(own.is(IS_UPN) && own.is(IN_UPN_DOMAIN));
        let other = p("smtp:megan2@contoso.com", "megan@contoso.com");
        assert!(!other.is(IS_UPN) && other.is(IN_UPN_DOMAIN));
        let elsewhere = p("SMTP:megan@fabrikam.com", "megan@contoso.com");
        assert!(!elsewhere.is(IS_UPN) && !elsewhere.is(IN_UPN_DOMAIN));
        // Only smtp: entries, and the non-ASCII case as same_address has it.
        assert!(!p("sip:megan@contoso.com", "megan@contoso.com").is(IS_UPN));
        assert!(p("smtp:JÜRGEN@müller.de", "jürgen@MÜLLER.de").is(IS_UPN));
        // No UPN: a blank entry is the blank UPN, no domain.
        let blank = p("smtp: ", "");
        assert!(blank.is(IS_UPN) && !blank.is(IN_UPN_DOMAIN));
    }

    /// The user's flags as they were first worked out: the entry's own, then its domain and
    /// address compared with the UPN's by `domain_lower` and `same_address`.
    fn user_flags_reference(text: &str, upn: &str) -> Proxy {
        let mut p = Proxy::new(StrRef::EMPTY, text);
        let upn_domain = (!trim(upn).is_empty()).then(|| domain_lower(upn)).flatten();
        if let Some(addr) = smtp_address(text) {
            if upn_domain
                .as_deref()
                .is_some_and(|u| domain_lower(addr).is_some_and(|d| d == u))
            {
                p.bits |= u64::from(proxy_flags::IN_UPN_DOMAIN);
            }
            if same_address(upn, addr) {
                p.bits |= u64::from(proxy_flags::IS_UPN);
            }
        }
        p
    }

    /// Every pairing of entries and UPNs built from the pieces that matter (case, spacing,
    /// non-ASCII letters, a second `@`, blank parts) gets the reference's key and flags.
    #[test]
    fn user_facts_agree_with_the_reference() {
        let locals = ["a", "A", "é", "", " a", "a b"];
        let domains = [
            "x.com", "X.COM", "x.com ", "y.com", "ü.de", "Ü.DE", "", "a@x.com",
        ];
        let mut addrs = vec![String::new(), " ".to_string(), "a".to_string()];
        for l in locals {
            for d in domains {
                addrs.push(format!("{l}@{d}"));
            }
        }
        let prefixes = ["smtp:", "SMTP:", " smtp: ", "Smtp:", "sip:", ""];
        let mut checked = 0;
        for upn in &addrs {
            for addr in &addrs {
                for prefix in prefixes {
                    let entry = format!("{prefix}{addr}");
                    let got = Proxy::of_user(StrRef::EMPTY, &entry, &Upn::new(upn));
                    let want = user_flags_reference(&entry, upn);
                    assert_eq!(got.bits, want.bits, "{entry:?} of {upn:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 10_000);
    }

    #[test]
    fn smtp() {
        assert_eq!(smtp_address(" SMTP:a@b.com "), Some("a@b.com"));
        assert_eq!(smtp_address("smtp:a@b.com"), Some("a@b.com"));
        assert_eq!(smtp_address("sip:a@b.com"), None);
        assert_eq!(smtp_address("smt"), None);
        assert_eq!(smtp_address("smté:x"), None);
    }

    #[test]
    fn prefixes() {
        assert!(has_prefix("SMTP:a@b.com"));
        assert!(has_prefix("X500:/o=ExchangeLabs"));
        assert!(has_prefix("sip:a@b.com"));
        assert!(!has_prefix("a@b.com"));
        assert!(!has_prefix(":a@b.com"));
        assert!(!has_prefix("smtp :a@b.com"));
        assert!(!has_prefix(""));
    }
}
