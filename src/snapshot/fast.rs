//! A fast path for the two collections that have one element per user (`users`,
//! `userRegistrationDetails`): a strict, validating JSON reader that fills the same wire types
//! serde would, without serde's per-token overhead.
//!
//! It only ever answers "here is exactly what serde would have produced" or "I don't know"
//! (`None`): on anything unusual (an escape in a key, a duplicate key, a wrong type, a bad GUID
//! or timestamp, invalid JSON) the caller parses the element with serde, which then yields the
//! result or the precise error. So the fast path must never accept what serde rejects; it may
//! reject what serde accepts. `tests` at the bottom and `tests/fast_path.rs` compare the two.

use super::wire::*;
use crate::model::Guid;
use std::borrow::Cow;

/// The index of the first byte at or after `j` that ends a plain run inside a JSON string:
/// `"`, `\\` or a control character (or `b.len()`). Eight bytes at a time.
#[inline]
pub(super) fn special(b: &[u8], mut j: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of the x86_64 baseline; every load reads 16 bytes inside `b`
        // (the loop checks `j + 16 <= b.len()`).
        unsafe {
            let quote = _mm_set1_epi8(b'"' as i8);
            let backslash = _mm_set1_epi8(b'\\' as i8);
            let control = _mm_set1_epi8(0x1f);
            while j + 16 <= b.len() {
                let v = _mm_loadu_si128(b.as_ptr().add(j).cast());
                let hit = _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                    _mm_cmpeq_epi8(_mm_min_epu8(v, control), v),
                );
                let mask = _mm_movemask_epi8(hit) as u32;
                if mask != 0 {
                    return j + mask.trailing_zeros() as usize;
                }
                j += 16;
            }
        }
    }
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while j + 8 <= b.len() {
        let Some(&word) = b.get(j..).and_then(|r| r.first_chunk::<8>()) else {
            break;
        };
        let v = u64::from_le_bytes(word);
        let quote = v ^ (ONES * u64::from(b'"'));
        let backslash = v ^ (ONES * u64::from(b'\\'));
        // A byte is zero in `quote`/`backslash`, or below 0x20 in `v`.
        let hit = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (v.wrapping_sub(ONES * 0x20) & !v);
        let hit = hit & HIGH;
        if hit != 0 {
            return j + (hit.trailing_zeros() / 8) as usize;
        }
        j += 8;
    }
    while b
        .get(j)
        .is_some_and(|&c| c != b'"' && c != b'\\' && c >= 0x20)
    {
        j += 1;
    }
    j
}

/// Deepest nesting accepted (serde_json's limit).
const MAX_DEPTH: u32 = 128;

type R<T> = Option<T>;

/// A fast reader from a byte of a whole text: it reads the element there onto the end of a
/// vector (only when it is [`Fast::Parsed`]: the element is read in place, not moved through
/// its callers), and returns what it made of it (`Fast<()>`) and the index just past it. The
/// reader carries the key hints of the elements before it (see [`KeyHints`]); the caller
/// converts what it read (see [`super::fused`]).
pub type ReadAt<'a, W> = fn(&'a str, usize, &mut KeyHints, &mut Vec<W>) -> (Fast<()>, usize);

/// What the fast path made of an element.
pub enum Fast<W> {
    /// Exactly what serde would have produced.
    Parsed(W),
    /// A key in the Graph PowerShell SDK's spelling (PascalCase, `AdditionalProperties`): the
    /// element needs [`super::keys::normalize`] first.
    Keys,
    /// Anything else unusual: serde decides.
    Unsure,
}

impl<W> Fast<W> {
    #[cfg(test)]
    pub fn parsed(self) -> Option<W> {
        match self {
            Fast::Parsed(w) => Some(w),
            _ => None,
        }
    }

    fn of(c: &Cur, w: R<W>) -> Self {
        match w {
            Some(w) => Fast::Parsed(w),
            None if c.keys => Fast::Keys,
            None => Fast::Unsure,
        }
    }
}

/// The kinds of object the fast path reads, each with its own [`KeyHint`].
#[derive(Clone, Copy)]
enum Kind {
    User,
    License,
    LicenseState,
    Registration,
}

/// The keys of the last object of one [`Kind`], in order, with their numbers: each key of the
/// next object of that kind is first compared with the one at its position, byte for byte,
/// before being read as a string and looked up. Graph writes every element's keys in the same
/// order, so nearly every key is found by one short comparison. Only speed depends on the
/// hint: a key that matches is exactly the string the scan would have read, followed by the
/// `:` (a hint holds the key, which has no `"`, `\` or control character, its closing `"`,
/// then whitespace, `:` and whitespace, exactly as they were spaced in the last object).
#[derive(Default)]
struct KeyHint {
    /// The number of each key, and its bytes from the key to its value (see above).
    slots: Vec<(usize, Vec<u8>)>,
}

/// Keys remembered per object, and the longest remembered: anything beyond is read the usual way.
const HINT_KEYS: usize = 64;
const HINT_KEY_LEN: usize = 64;

impl KeyHint {
    fn record(&mut self, at: usize, key: &[u8], n: usize) {
        if key.len() > HINT_KEY_LEN {
            return;
        }
        if at == self.slots.len() && at < HINT_KEYS {
            self.slots.push((n, Vec::new()));
        }
        let Some(slot) = self.slots.get_mut(at) else {
            return;
        };
        slot.0 = n;
        slot.1.clear();
        slot.1.extend_from_slice(key);
    }
}

/// `a == b` for two slices of the same length, inline: a key is a few bytes, and the library's
/// comparison is a call.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    fn word(x: &[u8], at: usize) -> Option<u64> {
        x.get(at..)?
            .first_chunk::<8>()
            .map(|w| u64::from_le_bytes(*w))
    }
    fn half(x: &[u8], at: usize) -> Option<u32> {
        x.get(at..)?
            .first_chunk::<4>()
            .map(|w| u32::from_le_bytes(*w))
    }
    let len = a.len();
    if len != b.len() {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    if (16..=32).contains(&len) {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of the x86_64 baseline; the loads read bytes 0..16 and
        // len - 16..len of two slices of length len >= 16.
        return unsafe {
            let load = |x: &[u8], at: usize| _mm_loadu_si128(x.as_ptr().add(at).cast());
            let eq = _mm_and_si128(
                _mm_cmpeq_epi8(load(a, 0), load(b, 0)),
                _mm_cmpeq_epi8(load(a, len - 16), load(b, len - 16)),
            );
            _mm_movemask_epi8(eq) == 0xffff
        };
    }
    if len >= 8 {
        // Eight bytes at a time, the last word overlapping the one before.
        let mut i = 0;
        while i + 8 < len {
            if word(a, i) != word(b, i) {
                return false;
            }
            i += 8;
        }
        word(a, len - 8) == word(b, len - 8)
    } else if len >= 4 {
        half(a, 0) == half(b, 0) && half(a, len - 4) == half(b, len - 4)
    } else {
        a.iter().zip(b).all(|(x, y)| x == y)
    }
}

type Hints = [KeyHint; 4];

/// The key hints a loop reading elements one after another carries from one to the next
/// (the splitter's batches keep theirs in a thread local instead, which costs a lookup and
/// two moves an element).
#[derive(Default)]
pub struct KeyHints(Hints);

thread_local! {
    /// The hints of this thread's last elements, carried from one element to the next.
    static HINTS: std::cell::Cell<Hints> = std::cell::Cell::new(Default::default());
}

struct Cur<'a, 'h> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
    /// A key in the SDK's spelling was seen (see [`Fast::Keys`]).
    keys: bool,
    hints: &'h mut Hints,
}

impl<'a, 'h> Cur<'a, 'h> {
    fn new(text: &'a str, hints: &'h mut Hints) -> Self {
        Cur {
            text,
            b: text.as_bytes(),
            i: 0,
            keys: false,
            hints,
        }
    }

    /// Skips whitespace. Inline only as far as the first byte: in a minified export (and
    /// mostly in an indented one) the next byte is already the token, and it is above `' '`.
    #[inline(always)]
    fn ws(&mut self) {
        if self.b.get(self.i).is_some_and(|&c| c > b' ') {
            return;
        }
        self.ws_on();
    }

    /// [`Cur::ws`] past its first byte.
    #[inline(never)]
    fn ws_on(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                break;
            }
            self.i += 1;
        }
    }

    #[inline]
    fn peek(&mut self) -> R<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    #[inline]
    fn eat(&mut self, c: u8) -> R<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// A string: returns its raw contents (between the quotes) and whether it has escapes.
    /// Checks escapes and rejects control characters, as serde does.
    ///
    /// Inline up to the first stop byte: most strings end there, at their closing quote.
    #[inline(always)]
    fn raw_string(&mut self) -> R<(&'a str, bool)> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.i + 1;
        let j = special(self.b, start);
        if *self.b.get(j)? == b'"' {
            self.i = j + 1;
            return self.text.get(start..j).map(|s| (s, false));
        }
        self.raw_string_on(start, j)
    }

    /// [`Cur::raw_string`] from stop byte `j` that is not the closing quote.
    #[cold]
    #[inline(never)]
    fn raw_string_on(&mut self, start: usize, mut j: usize) -> R<(&'a str, bool)> {
        let mut escaped = false;
        loop {
            match *self.b.get(j)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    match *self.b.get(j + 1)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => j += 2,
                        b'u' => {
                            let hex = self.b.get(j + 2..j + 6)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            j += 6;
                        }
                        _ => return None,
                    }
                }
                _ => return None, // a control character
            }
            j = special(self.b, j);
        }
        self.i = j + 1;
        self.text.get(start..j).map(|s| (s, escaped))
    }

    /// A string value, decoded (borrowed from the input when it has no escapes).
    #[inline(always)]
    fn string(&mut self) -> R<Cow<'a, str>> {
        let start = self.i;
        let (raw, escaped) = self.raw_string()?;
        if !escaped {
            return Some(Cow::Borrowed(raw));
        }
        // Rare: let serde decode the escapes of this one string.
        let quoted = self.text[start..self.i].trim_start();
        serde_json::from_str::<String>(quoted).ok().map(Cow::Owned)
    }

    /// `null` (true) or not (false, nothing consumed).
    #[inline(always)]
    fn null(&mut self) -> R<bool> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            Some(true)
        } else {
            Some(false)
        }
    }

    fn literal(&mut self, lit: &[u8]) -> R<()> {
        if self.b.get(self.i..self.i + lit.len())? == lit {
            self.i += lit.len();
            Some(())
        } else {
            None
        }
    }

    fn boolean(&mut self) -> R<bool> {
        match self.peek()? {
            b't' => self.literal(b"true").map(|_| true),
            b'f' => self.literal(b"false").map(|_| false),
            _ => None,
        }
    }

    fn number(&mut self) -> R<()> {
        let b = self.b;
        let mut j = self.i;
        if b.get(j) == Some(&b'-') {
            j += 1;
        }
        match *b.get(j)? {
            b'0' => j += 1,
            b'1'..=b'9' => {
                while b.get(j).is_some_and(u8::is_ascii_digit) {
                    j += 1;
                }
            }
            _ => return None,
        }
        if b.get(j) == Some(&b'.') {
            j += 1;
            let d = j;
            while b.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            if j == d {
                return None;
            }
        }
        if matches!(b.get(j), Some(b'e' | b'E')) {
            j += 1;
            if matches!(b.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            let d = j;
            while b.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            if j == d {
                return None;
            }
        }
        self.i = j;
        Some(())
    }

    /// Skips any value, checking it fully.
    fn skip(&mut self, depth: u32) -> R<()> {
        match self.peek()? {
            b'"' => self.raw_string().map(|_| ()),
            b'{' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.i += 1;
                if self.eat(b'}').is_some() {
                    return Some(());
                }
                loop {
                    self.raw_string()?;
                    self.eat(b':')?;
                    self.skip(depth + 1)?;
                    match self.peek()? {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.i += 1;
                if self.eat(b']').is_some() {
                    return Some(());
                }
                loop {
                    self.skip(depth + 1)?;
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number(),
        }
    }

    /// Walks an object of `kind` whose known keys are `names`: calls `field(cursor, n)` for
    /// each property, with `n` the key's index in `names` (`names.len()` for any other key);
    /// `field` consumes the value.
    fn fields(
        &mut self,
        kind: Kind,
        names: &[&str],
        mut field: impl FnMut(&mut Self, usize) -> R<()>,
    ) -> R<()> {
        self.eat(b'{')?;
        if self.eat(b'}').is_some() {
            return Some(());
        }
        let mut at = 0;
        loop {
            let n = self.key(kind, at, names)?;
            at += 1;
            field(self, n)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// The key at position `at` of an object of `kind`, as its index in `names`, and the `:`
    /// after it (see [`KeyHint`]). A key with an escape, or in the SDK's spelling, is left to
    /// serde.
    ///
    /// The hinted key is checked inline; anything else is read out of line, so that the
    /// common case costs a few instructions and no call.
    #[inline(always)]
    fn key(&mut self, kind: Kind, at: usize, names: &[&str]) -> R<usize> {
        if self.peek()? != b'"' {
            return None;
        }
        if let Some((n, k)) = self.hints.get(kind as usize).and_then(|h| h.slots.get(at))
            && let Some(here) = self.b.get(self.i + 1..self.i + 1 + k.len())
            && same(here, k)
        {
            self.i += 1 + k.len();
            return Some(*n);
        }
        self.key_unhinted(kind, at, names)
    }

    /// [`Cur::key`] when the hint for `at` is not the key here: read it and the `:`, and
    /// remember them.
    #[cold]
    #[inline(never)]
    fn key_unhinted(&mut self, kind: Kind, at: usize, names: &[&str]) -> R<usize> {
        let start = self.i + 1;
        let (key, escaped) = self.raw_string()?;
        if escaped {
            return None;
        }
        if key.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
            || key == "additionalProperties"
        {
            self.keys = true;
            return None;
        }
        let n = names.iter().position(|&x| x == key).unwrap_or(names.len());
        self.eat(b':')?;
        self.ws();
        if let Some(h) = self.hints.get_mut(kind as usize)
            && let Some(seen) = self.b.get(start..self.i)
        {
            h.record(at, seen, n);
        }
        Some(n)
    }

    /// Walks an array: calls `elem(cursor)` for each element; `elem` consumes it.
    fn array(&mut self, mut elem: impl FnMut(&mut Self) -> R<()>) -> R<()> {
        self.eat(b'[')?;
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            elem(self)?;
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    #[inline(always)]
    fn guid(&mut self) -> R<Guid> {
        // The form Graph writes, read in place: 36 hex digits and dashes hold no escape.
        if self.peek()? == b'"'
            && self.b.get(self.i + 37) == Some(&b'"')
            && let Some(g) = self.b.get(self.i + 1..self.i + 37).and_then(Guid::parse36)
        {
            self.i += 38;
            return Some(g);
        }
        let s = self.string()?;
        Guid::parse(&s)
    }

    fn ts(&mut self) -> R<Ts> {
        // The form Graph writes, read in place (digits and punctuation hold no escape).
        if self.peek()? == b'"'
            && let Some((secs, len)) = self.b.get(self.i + 1..).and_then(super::utc::canonical)
            && self.b.get(self.i + 1 + len) == Some(&b'"')
        {
            self.i += len + 2;
            return Some(Ts(secs));
        }
        let s = self.string()?;
        parse_timestamp(&s).map(Ts)
    }

    #[inline(always)]
    fn str(&mut self) -> R<Str<'a>> {
        self.string().filter(|s| s.len() <= MAX_STRING).map(Str)
    }

    #[inline(always)]
    fn opt<T>(&mut self, f: impl FnOnce(&mut Self) -> R<T>) -> R<Option<T>> {
        if self.null()? {
            Some(None)
        } else {
            f(self).map(Some)
        }
    }

    #[inline(always)]
    fn tri<T>(&mut self, f: impl FnOnce(&mut Self) -> R<T>) -> R<Tri<T>> {
        Some(match self.opt(f)? {
            Some(v) => Tri::Val(v),
            None => Tri::Null,
        })
    }

    /// An array of `f`s. Room for four is made at the first element, in one call: growing
    /// from empty goes through the vector's out-of-line growth path (most arrays of a user
    /// hold one to four elements, and an empty one allocates nothing).
    fn vec<T>(&mut self, mut f: impl FnMut(&mut Self) -> R<T>) -> R<Vec<T>> {
        let mut v = Vec::new();
        self.array(|c| {
            let x = f(c)?;
            if v.capacity() == 0 {
                v = Vec::with_capacity(4);
            }
            v.push(x);
            Some(())
        })?;
        Some(v)
    }

    /// The whole input must be this one value.
    fn end(&mut self) -> R<()> {
        self.ws();
        (self.i == self.b.len()).then_some(())
    }
}

/// Marks a field seen; a second occurrence is a duplicate (serde rejects it).
#[inline]
fn once(seen: &mut u32, bit: u32) -> R<()> {
    if *seen & bit != 0 {
        return None;
    }
    *seen |= bit;
    Some(())
}

/// The known keys of an object: a table `$table` of them for [`Cur::fields`], and a constant
/// for each one's index in it (any other key gets the table's length).
macro_rules! keys {
    ($table:ident: $($name:ident = $key:literal),* $(,)?) => {
        const $table: &[&str] = &[$($key),*];
        keys!(@number 0usize; $($name)*);
    };
    (@number $n:expr; $name:ident $($rest:ident)*) => {
        const $name: usize = $n;
        keys!(@number $n + 1; $($rest)*);
    };
    (@number $n:expr;) => {};
}

fn license<'a>(c: &mut Cur<'a, '_>) -> R<WireLicense> {
    keys!(KEYS: SKU = "skuId", DISABLED = "disabledPlans");
    let (mut sku, mut disabled, mut seen) = (None, None, 0);
    c.fields(Kind::License, KEYS, |c, n| match n {
        SKU => {
            once(&mut seen, 1)?;
            sku = Some(c.guid()?);
            Some(())
        }
        DISABLED => {
            once(&mut seen, 2)?;
            disabled = c.opt(|c| c.vec(Cur::guid))?;
            Some(())
        }
        _ => c.skip(3),
    })?;
    Some(WireLicense {
        sku_id: sku?,
        disabled_plans: disabled,
    })
}

fn license_state<'a>(c: &mut Cur<'a, '_>) -> R<WireLicenseState<'a>> {
    keys!(KEYS: SKU = "skuId", STATE = "state", ERROR = "error", BY_GROUP = "assignedByGroup");
    let mut w = WireLicenseState {
        sku_id: None,
        state: None,
        error: None,
        assigned_by_group: None,
    };
    let mut seen = 0;
    c.fields(Kind::LicenseState, KEYS, |c, n| {
        match n {
            SKU => {
                once(&mut seen, 1)?;
                w.sku_id = c.opt(Cur::guid)?;
            }
            STATE => {
                once(&mut seen, 2)?;
                w.state = c.opt(Cur::str)?;
            }
            ERROR => {
                once(&mut seen, 4)?;
                w.error = c.opt(Cur::str)?;
            }
            BY_GROUP => {
                once(&mut seen, 8)?;
                w.assigned_by_group = c.opt(Cur::guid)?;
            }
            _ => c.skip(3)?,
        }
        Some(())
    })?;
    Some(w)
}

/// A user element, exactly as serde would read it into [`WireUser`], if the fast path can.
pub fn user(text: &str) -> Fast<WireUser<'_>> {
    whole(text, user_in)
}

/// The user element that starts at byte `start` of `text` (an array of users), and the index
/// just past it: [`user`] without the "nothing after it" check, for parsing straight from a
/// file (see [`ReadAt`]).
pub fn user_at<'a>(
    text: &'a str,
    start: usize,
    hints: &mut KeyHints,
    out: &mut Vec<WireUser<'a>>,
) -> (Fast<()>, usize) {
    at(text, start, hints, user_in, out)
}

/// `read` on the whole of `text`: one value and nothing after it.
fn whole<'a, W: Default>(text: &'a str, read: fn(&mut Cur<'a, '_>, &mut W) -> R<()>) -> Fast<W> {
    let mut hints = HINTS.take();
    let mut c = Cur::new(text, &mut hints);
    let mut w = W::default();
    let got = read(&mut c, &mut w).and_then(|()| c.end());
    let fast = Fast::of(&c, got.map(|()| w));
    HINTS.set(hints);
    fast
}

/// `read` from byte `start` of `text` onto the end of `out`; returns where it stopped.
#[inline(always)]
fn at<'a, W: Default>(
    text: &'a str,
    start: usize,
    hints: &mut KeyHints,
    read: fn(&mut Cur<'a, '_>, &mut W) -> R<()>,
    out: &mut Vec<W>,
) -> (Fast<()>, usize) {
    let mut c = Cur::new(text, &mut hints.0);
    c.i = start;
    out.push(W::default());
    let got = out.last_mut().and_then(|w| read(&mut c, w));
    if got.is_none() {
        out.pop();
    }
    (Fast::of(&c, got), c.i)
}

/// Reads a user into `w` (a fresh one: every property missing).
fn user_in<'a>(c: &mut Cur<'a, '_>, w: &mut WireUser<'a>) -> R<()> {
    keys!(
        KEYS:
        ID = "id",
        USER_PRINCIPAL_NAME = "userPrincipalName",
        DISPLAY_NAME = "displayName",
        MAIL = "mail",
        PROXY_ADDRESSES = "proxyAddresses",
        USAGE_LOCATION = "usageLocation",
        ACCOUNT_ENABLED = "accountEnabled",
        ON_PREMISES_SYNC_ENABLED = "onPremisesSyncEnabled",
        USER_TYPE = "userType",
        EXTERNAL_USER_STATE = "externalUserState",
        EXTERNAL_USER_STATE_CHANGE_DATE_TIME = "externalUserStateChangeDateTime",
        CREATED_DATE_TIME = "createdDateTime",
        ASSIGNED_LICENSES = "assignedLicenses",
        LICENSE_ASSIGNMENT_STATES = "licenseAssignmentStates",
        MOBILE_PHONE = "mobilePhone",
        BUSINESS_PHONES = "businessPhones",
    );
    let mut id = None;
    let mut seen = 0u32;
    c.fields(Kind::User, KEYS, |c, n| {
        match n {
            ID => {
                once(&mut seen, 1 << 0)?;
                id = Some(c.guid()?);
            }
            USER_PRINCIPAL_NAME => {
                once(&mut seen, 1 << 1)?;
                w.user_principal_name = c.tri(Cur::str)?;
            }
            DISPLAY_NAME => {
                once(&mut seen, 1 << 2)?;
                w.display_name = c.opt(Cur::str)?;
            }
            MAIL => {
                once(&mut seen, 1 << 3)?;
                w.mail = c.tri(Cur::str)?;
            }
            PROXY_ADDRESSES => {
                once(&mut seen, 1 << 4)?;
                w.proxy_addresses = c.tri(|c| c.vec(Cur::str))?;
            }
            USAGE_LOCATION => {
                once(&mut seen, 1 << 5)?;
                w.usage_location = c.tri(Cur::str)?;
            }
            ACCOUNT_ENABLED => {
                once(&mut seen, 1 << 6)?;
                w.account_enabled = c.tri(Cur::boolean)?;
            }
            ON_PREMISES_SYNC_ENABLED => {
                once(&mut seen, 1 << 7)?;
                w.on_premises_sync_enabled = c.tri(Cur::boolean)?;
            }
            USER_TYPE => {
                once(&mut seen, 1 << 8)?;
                w.user_type = c.tri(Cur::str)?;
            }
            EXTERNAL_USER_STATE => {
                once(&mut seen, 1 << 9)?;
                w.external_user_state = c.tri(Cur::str)?;
            }
            EXTERNAL_USER_STATE_CHANGE_DATE_TIME => {
                once(&mut seen, 1 << 10)?;
                w.external_user_state_change_date_time = c.tri(Cur::ts)?;
            }
            CREATED_DATE_TIME => {
                once(&mut seen, 1 << 11)?;
                w.created_date_time = c.tri(Cur::ts)?;
            }
            ASSIGNED_LICENSES => {
                once(&mut seen, 1 << 12)?;
                w.assigned_licenses = c.tri(|c| c.vec(license))?;
            }
            LICENSE_ASSIGNMENT_STATES => {
                once(&mut seen, 1 << 13)?;
                w.license_assignment_states = c.tri(|c| c.vec(license_state))?;
            }
            MOBILE_PHONE => {
                once(&mut seen, 1 << 14)?;
                w.mobile_phone = c.tri(Cur::str)?;
            }
            BUSINESS_PHONES => {
                once(&mut seen, 1 << 15)?;
                w.business_phones = c.tri(|c| c.vec(Cur::str))?;
            }
            _ => c.skip(1)?,
        }
        Some(())
    })?;
    w.id = id?;
    Some(())
}

/// A userRegistrationDetails element, exactly as serde would read it, if the fast path can.
pub fn registration(text: &str) -> Fast<WireRegistration<'_>> {
    whole(text, registration_in)
}

/// [`registration`] from byte `start` of `text`, as [`user_at`].
pub fn registration_at<'a>(
    text: &'a str,
    start: usize,
    hints: &mut KeyHints,
    out: &mut Vec<WireRegistration<'a>>,
) -> (Fast<()>, usize) {
    at(text, start, hints, registration_in, out)
}

/// Reads a userRegistrationDetails element into `w` (a fresh one).
fn registration_in<'a>(c: &mut Cur<'a, '_>, w: &mut WireRegistration<'a>) -> R<()> {
    keys!(
        KEYS: ID = "id",
        UPN = "userPrincipalName",
        METHODS = "methodsRegistered",
        SSPR = "isSsprRegistered",
    );
    let (mut id, mut upn, mut methods, mut seen) = (None, None, None, 0);
    let mut sspr = Tri::Missing;
    c.fields(Kind::Registration, KEYS, |c, n| {
        match n {
            ID => {
                once(&mut seen, 1)?;
                id = Some(c.guid()?);
            }
            UPN => {
                once(&mut seen, 2)?;
                upn = c.opt(Cur::str)?;
            }
            METHODS => {
                once(&mut seen, 4)?;
                methods = c.opt(|c| c.vec(Cur::str))?;
            }
            SSPR => {
                once(&mut seen, 8)?;
                sspr = c.tri(Cur::boolean)?;
            }
            _ => c.skip(1)?,
        }
        Some(())
    })?;
    *w = WireRegistration {
        id: id?,
        user_principal_name: upn,
        methods_registered: methods,
        is_sspr_registered: sspr,
    };
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_like_serde() {
        let ok = [
            r#"{"id":"6e7b768e-07e2-4810-8459-485f84f8f204","x":[1,-2.5e3,true,false,null,{"a":"\u00e9"}]}"#,
            r#" { "id" : "6e7b768e-07e2-4810-8459-485f84f8f204" } "#,
        ];
        for t in ok {
            assert!(user(t).parsed().is_some(), "{t}");
            assert!(serde_json::from_str::<WireUser>(t).is_ok(), "{t}");
        }
        let bad = [
            r#"{"id":"6e7b768e-07e2-4810-8459-485f84f8f204","x":[1,]}"#,
            r#"{"id":"6e7b768e-07e2-4810-8459-485f84f8f204","x":01}"#,
            r#"{"id":"6e7b768e-07e2-4810-8459-485f84f8f204","x":tru}"#,
            r#"{"id":"6e7b768e-07e2-4810-8459-485f84f8f204","x":"a\qb"}"#,
            "{\"id\":\"6e7b768e-07e2-4810-8459-485f84f8f204\",\"x\":\"a\tb\"}",
            r#"{"id":"6e7b768e-07e2-4810-8459-485f84f8f204","id":"6e7b768e-07e2-4810-8459-485f84f8f204"}"#,
            r#"{"id":"6e7b768e-07e2-4810-8459-485f84f8f204","accountEnabled":"yes"}"#,
            r#"{"id":"nope"}"#,
            r#"{"userPrincipalName":"a@b.c"}"#,
            r#"{"id":"6e7b768e-07e2-4810-8459-485f84f8f204","createdDateTime":"yesterday"}"#,
            r#"{"id":"6e7b768e-07e2-4810-8459-485f84f8f204","proxyAddresses":["a",null]}"#,
            r#"{"id":"6e7b768e-07e2-4810-8459-485f84f8f204"} x"#,
        ];
        for t in bad {
            assert!(user(t).parsed().is_none(), "fast path accepted {t}");
            assert!(
                serde_json::from_str::<WireUser>(t).is_err(),
                "serde accepted {t}"
            );
        }
        let deep = format!(
            r#"{{"id":"6e7b768e-07e2-4810-8459-485f84f8f204","x":{}{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        assert!(user(&deep).parsed().is_none());
    }

    #[test]
    fn registrations_read_as_serde_reads_them() {
        let id = r#""id":"6e7b768e-07e2-4810-8459-485f84f8f204""#;
        for rest in [
            "",
            r#","isSsprRegistered":true"#,
            r#","isSsprRegistered":false,"methodsRegistered":["email"]"#,
            r#","isSsprRegistered":null,"methodsRegistered":null"#,
            r#","methodsRegistered":[],"isSsprRegistered":false,"isSsprEnabled":true"#,
        ] {
            let t = format!("{{{id}{rest}}}");
            let a = registration(&t).parsed().map(|w| format!("{w:?}"));
            let b = serde_json::from_str::<WireRegistration>(&t).map(|w| format!("{w:?}"));
            assert!(a.is_some(), "{t}");
            assert_eq!(a, b.ok(), "{t}");
        }
        for rest in [
            r#","isSsprRegistered":"yes""#,
            r#","isSsprRegistered":1"#,
            r#","isSsprRegistered":true,"isSsprRegistered":true"#,
            r#","isSsprRegistered":tru"#,
        ] {
            let t = format!("{{{id}{rest}}}");
            assert!(
                registration(&t).parsed().is_none(),
                "fast path accepted {t}"
            );
            assert!(
                serde_json::from_str::<WireRegistration>(&t).is_err(),
                "serde accepted {t}"
            );
        }
    }

    /// Elements read one after another on a thread each meet the keys of the one before in
    /// their hints: whatever those were, an element reads as serde reads it.
    #[test]
    fn key_hints_never_change_what_is_read() {
        let id = r#""id":"6e7b768e-07e2-4810-8459-485f84f8f204""#;
        let lic = r#""assignedLicenses":[{"skuId":"6e7b768e-07e2-4810-8459-485f84f8f204","disabledPlans":[]}]"#;
        let elems = [
            format!(r#"{{{id},"mail":"a@b.c","userType":"Member",{lic}}}"#),
            format!(r#"{{{id},"mai":"a@b.c","userType":"Member"}}"#),
            format!(r#"{{{id},"mailx":"a@b.c","userType":"Member"}}"#),
            format!(r#"{{{id},"m\u0061il":"a@b.c"}}"#),
            format!(r#"{{{id},"mail":"a@b.c","mail":"d@e.f"}}"#),
            format!(r#"{{{id},"userType":"Member","mail":"a@b.c"}}"#),
            format!(r#"{{"Mail":"a@b.c",{id}}}"#),
            format!(r#"{{{id} , "mail" : "a@b.c" , "userType":"Guest"}}"#),
            format!(r#"{{{id},"mail":"a@b.c","userType":"Member",{lic}}}"#),
            format!(
                r#"{{{id},"mail":"a@b.c","userType":"Member","assignedLicenses":[{{"disabledPlans":[],"skuId":"6e7b768e-07e2-4810-8459-485f84f8f204","skuId":"6e7b768e-07e2-4810-8459-485f84f8f204"}}]}}"#
            ),
            format!(
                r#"{{{id},"mail":"a@b.c","userType":"Member","assignedLicenses":[{{"sku":"x","skuId":"6e7b768e-07e2-4810-8459-485f84f8f204"}}]}}"#
            ),
        ];
        let mut fast = 0;
        for _ in 0..2 {
            for (k, e) in elems.iter().enumerate() {
                // Each element after every other one, so that it meets every hint.
                for before in &elems {
                    let _ = user(before);
                    let a = user(e).parsed().map(|w| format!("{w:?}"));
                    let b = serde_json::from_str::<WireUser>(e).map(|w| format!("{w:?}"));
                    match a {
                        Some(a) => {
                            fast += 1;
                            assert_eq!(Some(a), b.ok(), "element {k} after {before}")
                        }
                        None => assert!(
                            matches!(k, 3 | 4 | 6 | 9),
                            "element {k} left to serde after {before}"
                        ),
                    }
                }
            }
        }
        assert!(fast > 100);
    }

    /// `same` is `==` for every length up to 40 and a difference at every position.
    #[test]
    fn same_is_equality() {
        for len in 0..40usize {
            let a: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(same(&a, &a.clone()), "{len}");
            for pos in 0..len {
                let mut b = a.clone();
                b[pos] ^= 0x20;
                assert!(!same(&a, &b), "{len} {pos}");
            }
            assert!(!same(&a, &[a.as_slice(), b"x"].concat()));
        }
    }

    #[test]
    fn special_finds_the_first_stop_byte() {
        let mut x: u64 = 7;
        for _ in 0..20_000 {
            let len = (x % 40) as usize;
            let mut b = Vec::with_capacity(len);
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Mostly plain text, sometimes a stop byte or a high byte.
                b.push(match x % 50 {
                    0 => b'"',
                    1 => b'\\',
                    2 => (x >> 8) as u8 % 0x20,
                    3 => 0x80 | (x >> 8) as u8,
                    _ => b'a' + (x >> 8) as u8 % 26,
                });
            }
            let naive = b
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .unwrap_or(b.len());
            assert_eq!(special(&b, 0), naive, "{b:?}");
        }
    }

    /// Every user and registration in the repository's fixtures and reference exports reads the
    /// same through the fast path as through serde.
    #[test]
    fn agrees_with_serde_on_every_fixture() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "json") {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
            &mut files,
        );
        let (mut users, mut regs) = (0, 0);
        for f in files {
            let bytes = std::fs::read(&f).unwrap();
            // Export-Entra trees hold UTF-16 files (Windows PowerShell 5.1).
            let raw = match bytes.strip_prefix(&[0xFF, 0xFE]) {
                Some(b) => {
                    let units: Vec<u16> = b
                        .chunks(2)
                        .map(|c| u16::from_le_bytes([c[0], c[1]]))
                        .collect();
                    String::from_utf16(&units).unwrap()
                }
                None => String::from_utf8(bytes).unwrap(),
            };
            // A user object file as written (PowerShell's own layout), not re-serialized.
            if f.components().any(|c| c.as_os_str() == "Users") {
                let a = user(raw.trim()).parsed().map(|w| format!("{w:?}"));
                let b = serde_json::from_str::<WireUser>(&raw).map(|w| format!("{w:?}"));
                assert_eq!(a, b.ok(), "{}", f.display());
                users += 1;
            }
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&raw) else {
                continue;
            };
            let mut check = |key: &str, elems: &[serde_json::Value]| {
                for e in elems {
                    let text = serde_json::to_string_pretty(e).unwrap();
                    if key == "users" {
                        let a = user(&text).parsed().map(|w| format!("{w:?}"));
                        let b = serde_json::from_str::<WireUser>(&text)
                            .ok()
                            .map(|w| format!("{w:?}"));
                        if a.is_some() {
                            assert_eq!(a, b, "{}: {text}", f.display());
                            users += 1;
                        }
                    } else {
                        let a = registration(&text).parsed().map(|w| format!("{w:?}"));
                        let b = serde_json::from_str::<WireRegistration>(&text)
                            .ok()
                            .map(|w| format!("{w:?}"));
                        if a.is_some() {
                            assert_eq!(a, b, "{}: {text}", f.display());
                            regs += 1;
                        }
                    }
                }
            };
            for key in ["users", "userRegistrationDetails"] {
                if let Some(a) = v.get(key).and_then(|x| x.as_array()) {
                    check(key, a);
                }
            }
            // Graph pages (reference exports): judge by file name.
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            if let Some(a) = v.get("value").and_then(|x| x.as_array()) {
                if name.starts_with("user") && !name.contains("registration") {
                    check("users", a);
                } else if name.contains("registration") {
                    check("userRegistrationDetails", a);
                }
            }
        }
        assert!(
            users > 100 && regs > 10,
            "{users} users, {regs} registrations compared"
        );
    }

    #[test]
    fn decodes_escaped_strings() {
        let w = user(
            r#"{"id":"6e7b768e-07e2-4810-8459-485f84f8f204","displayName":"Ren\u00e9e \"R\""}"#,
        )
        .parsed()
        .unwrap();
        assert_eq!(w.display_name.unwrap().0, "Renée \"R\"");
    }
}
