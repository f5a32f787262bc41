//! Identities inside finding text: the UPNs, addresses, display names and phone numbers a rule
//! quotes in a message or a skip reason, marked where the rule writes them so that `--redact`
//! can replace exactly those spans (see `docs/redaction.md`).
//!
//! A rule wraps an identity with [`addr`], [`name`] or [`phone`]; the engine then takes the
//! marks out ([`strip`]), keeping where each identity is as a [`Span`]. Reports never see a
//! mark. The marks are two private-use characters; the same characters in the input are
//! dropped from the identity text, so the input cannot forge or break a mark.

use crate::model::ObjKind;

/// Starts a marked identity; the next character is its [`Kind`].
const START: char = '\u{E000}';
/// Ends a marked identity.
const END: char = '\u{E001}';

/// What an identity is: how `--redact` replaces it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Kind {
    /// A UPN, mail or proxy address (`smtp:` and other prefixes included).
    Address,
    /// A display name of a user, group, contact, application or service principal.
    Name,
    /// A phone number.
    Phone,
}

impl Kind {
    fn tag(self) -> char {
        match self {
            Kind::Address => 'a',
            Kind::Name => 'n',
            Kind::Phone => 'p',
        }
    }

    fn of_tag(c: char) -> Option<Kind> {
        match c {
            'a' => Some(Kind::Address),
            'n' => Some(Kind::Name),
            'p' => Some(Kind::Phone),
            _ => None,
        }
    }
}

/// Where an identity is in a text: bytes `start..end`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Span {
    pub start: u32,
    pub end: u32,
    pub kind: Kind,
}

fn mark(kind: Kind, text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 7);
    s.push(START);
    s.push(kind.tag());
    // START and END are U+E000 and U+E001, whose UTF-8 starts with byte 0xEE: text without that
    // byte is copied whole (char by char costs a few percent of a run with many findings).
    if memchr::memchr(0xEE, text.as_bytes()).is_none() {
        s.push_str(text);
    } else {
        s.extend(text.chars().filter(|&c| c != START && c != END));
    }
    s.push(END);
    s
}

/// Marks a UPN, mail or proxy address.
pub fn addr(text: &str) -> String {
    mark(Kind::Address, text)
}

/// Marks a display name.
pub fn name(text: &str) -> String {
    mark(Kind::Name, text)
}

/// Marks a phone number.
pub fn phone(text: &str) -> String {
    mark(Kind::Phone, text)
}

/// How an object's name is an identity, by the object's kind: users and contacts are named by
/// an address (UPN, mail) or a display name, groups, applications, service principals and the
/// tenant by a display name; SKUs, domains and policies are not identities.
pub fn of_object(kind: ObjKind, name: &str) -> Option<Kind> {
    match kind {
        ObjKind::User | ObjKind::Contact if name.contains('@') => Some(Kind::Address),
        ObjKind::User
        | ObjKind::Contact
        | ObjKind::Group
        | ObjKind::Application
        | ObjKind::ServicePrincipal
        | ObjKind::Tenant => Some(Kind::Name),
        ObjKind::SubscribedSku | ObjKind::Domain | ObjKind::Policy => None,
    }
}

/// An object's name, marked as [`of_object`] says.
pub fn object_name(kind: ObjKind, name: &str) -> String {
    match of_object(kind, name) {
        Some(k) => mark(k, name),
        None => name.to_owned(),
    }
}

/// Takes the marks out of `text` and says where the identities were. Costs one pass, and
/// nothing when `text` has no mark.
pub fn strip(text: &mut String) -> Vec<Span> {
    if !text.contains(START) {
        return Vec::new();
    }
    let t = text.as_str();
    let b = t.as_bytes();
    let piece = |from: usize, to: usize| t.get(from..to).unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    let mut spans = Vec::new();
    let mut i = 0;
    while let Some((p, start)) = next_mark(b, i) {
        out.push_str(piece(i, p));
        i = p + MARK_LEN;
        if !start {
            // An end without a start is dropped.
            continue;
        }
        // The tag: the character after the start, whatever it is.
        let tag = t.get(i..).and_then(|rest| rest.chars().next());
        i += tag.map_or(0, char::len_utf8);
        let kind = tag.and_then(Kind::of_tag);
        let begin = out.len();
        // The identity, up to the end mark (a start inside it is dropped) or the text's end.
        loop {
            match next_mark(b, i) {
                Some((q, inner_start)) => {
                    out.push_str(piece(i, q));
                    i = q + MARK_LEN;
                    if !inner_start {
                        break;
                    }
                }
                None => {
                    out.push_str(piece(i, b.len()));
                    i = b.len();
                    break;
                }
            }
        }
        if let Some(kind) = kind {
            spans.push(Span {
                start: u32::try_from(begin).unwrap_or(u32::MAX),
                end: u32::try_from(out.len()).unwrap_or(u32::MAX),
                kind,
            });
        }
    }
    out.push_str(piece(i, b.len()));
    *text = out;
    spans
}

/// [`START`] and [`END`] in UTF-8: `EE 80 80` and `EE 80 81`.
const MARK_LEN: usize = 3;

/// The next mark at or after byte `from` of UTF-8 text `b`: its position, and whether it is
/// [`START`] (else [`END`]). `0xEE` only ever starts a character, so the search is by byte.
fn next_mark(b: &[u8], from: usize) -> Option<(usize, bool)> {
    let mut at = from;
    while let Some(k) = memchr::memchr(0xEE, b.get(at..)?) {
        let p = at + k;
        match (b.get(p + 1), b.get(p + 2)) {
            (Some(0x80), Some(0x80)) => return Some((p, true)),
            (Some(0x80), Some(0x81)) => return Some((p, false)),
            _ => at = p + 1,
        }
    }
    None
}

/// The char-by-char `strip` the byte version replaced (kept to test one against the other).
#[cfg(test)]
fn strip_by_chars(text: &mut String) -> Vec<Span> {
    if !text.contains(START) {
        return Vec::new();
    }
    let mut out = String::with_capacity(text.len());
    let mut spans = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != START {
            if c != END {
                out.push(c);
            }
            continue;
        }
        let kind = chars.next().and_then(Kind::of_tag);
        let start = out.len();
        for c in chars.by_ref() {
            if c == END {
                break;
            }
            if c != START {
                out.push(c);
            }
        }
        if let Some(kind) = kind {
            spans.push(Span {
                start: u32::try_from(start).unwrap_or(u32::MAX),
                end: u32::try_from(out.len()).unwrap_or(u32::MAX),
                kind,
            });
        }
    }
    *text = out;
    spans
}

/// `text` without its marks.
pub fn plain(text: &str) -> String {
    let mut s = text.to_owned();
    strip(&mut s);
    s
}

/// `text` with each identity of `spans` replaced by `f(kind, identity)`.
pub fn replace(text: &str, spans: &[Span], mut f: impl FnMut(Kind, &str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for s in spans {
        let (start, end) = (s.start as usize, s.end as usize);
        let (Some(before), Some(ident)) = (text.get(at..start), text.get(start..end)) else {
            continue;
        };
        out.push_str(before);
        out.push_str(&f(s.kind, ident));
        at = end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_come_out_with_their_spans() {
        let mut s = format!(
            "user {} is also {} (call {})",
            addr("a@contoso.com"),
            name("Adele"),
            phone("+31 6")
        );
        let spans = strip(&mut s);
        assert_eq!(s, "user a@contoso.com is also Adele (call +31 6)");
        let got: Vec<(&str, Kind)> = spans
            .iter()
            .map(|sp| (&s[sp.start as usize..sp.end as usize], sp.kind))
            .collect();
        assert_eq!(
            got,
            [
                ("a@contoso.com", Kind::Address),
                ("Adele", Kind::Name),
                ("+31 6", Kind::Phone)
            ]
        );
        let r = replace(&s, &spans, |k, t| format!("<{k:?}:{}>", t.len()));
        assert_eq!(r, "user <Address:13> is also <Name:5> (call <Phone:5>)");
    }

    #[test]
    fn strips_as_the_char_by_char_version_does() {
        let parts = [
            "\u{E000}", "\u{E001}", "a", "n", "p", "x", "é", "\u{E002}", "\u{EE80}", " ", "@",
        ];
        // Every string of up to five parts, and some longer ones.
        let mut cases: Vec<String> = vec![String::new()];
        let mut frontier = cases.clone();
        for _ in 0..5 {
            let mut next = Vec::new();
            for s in &frontier {
                for p in parts {
                    next.push(format!("{s}{p}"));
                }
            }
            cases.extend(next.iter().cloned());
            frontier = next;
        }
        cases.push(format!(
            "user {} is {} and {}",
            addr("a@b.c"),
            name("Ann"),
            phone("+1 2")
        ));
        for case in cases {
            let (mut a, mut b) = (case.clone(), case.clone());
            let (sa, sb) = (strip(&mut a), strip_by_chars(&mut b));
            assert_eq!((a, sa), (b, sb), "{case:?}");
        }
    }

    #[test]
    fn input_cannot_forge_a_mark() {
        let mut s = name("\u{E000}aevil\u{E001}x");
        let spans = strip(&mut s);
        assert_eq!(s, "aevilx");
        assert_eq!(spans.len(), 1);
        assert_eq!((spans[0].start, spans[0].end), (0, 6));
        let mut plain = "no marks".to_owned();
        assert!(strip(&mut plain).is_empty());
        let mut broken = "\u{E000}".to_owned();
        strip(&mut broken);
        assert_eq!(broken, "");
    }
}
