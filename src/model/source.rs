//! Turning a [`Loc`] into a file, line and column, for reports that point at lines.

use super::lines::Lines;
use super::{Loc, Tenant};
use rayon::prelude::*;
use std::path::Path;

/// How one loaded file's text maps back to the files on disk.
#[derive(Debug, Default, Clone)]
pub struct Source {
    /// Index in [`TenantInfo::files`](super::TenantInfo) of this file, or of a bundle's first
    /// segment; `None` for standard input.
    pub first: Option<u32>,
    /// Bytes of the buffer before the text (a UTF-8 byte order mark).
    pub start: usize,
    /// A bundle's segment starts, as offsets into its text (one Export-Entra file each);
    /// empty for any other file.
    pub segments: Box<[usize]>,
    /// The text's line index, when the load built it (see [`Lines`]).
    pub lines: Option<Lines>,
}

/// Where an object is: its file (`None` for standard input), and the 1-based line and column
/// (counting characters) of its first and last character (`{` and `}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place<'a> {
    pub file: Option<&'a Path>,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Source {
    /// The segment of the text that `offset` is in (0 for a file that is not a bundle).
    fn segment(&self, offset: usize) -> usize {
        self.segments
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }
}

impl Tenant {
    /// The places of `locs`, in their order. Each distinct object is scanned once for its end,
    /// and its start and end are placed with its file's line index ([`Lines`]): the one the
    /// load built when asked to, or one counted here (once per call and file). The cost is
    /// linear in the input whatever the number of findings, and all of it runs on every core.
    pub fn places(&self, locs: &[Loc]) -> Vec<Option<Place<'_>>> {
        let mut uniq = locs.to_vec();
        uniq.par_sort_unstable();
        uniq.dedup();
        let mut files: Vec<u32> = uniq.iter().map(|l| l.file()).collect();
        files.dedup();
        let built: Vec<(u32, Lines)> = files
            .into_iter()
            .filter(|&f| {
                self.info
                    .sources
                    .get(f as usize)
                    .is_some_and(|s| s.lines.is_none())
            })
            .filter_map(|f| Some((f, Lines::build(self.text_of(f)?))))
            .collect();
        let lines_of = |file: u32| {
            let src = self.info.sources.get(file as usize)?;
            src.lines.as_ref().or_else(|| {
                let k = built.binary_search_by_key(&file, |b| b.0).ok()?;
                built.get(k).map(|b| &b.1)
            })
        };
        let placed: Vec<Option<Place<'_>>> = uniq
            .par_iter()
            .map(|loc| {
                let (file, offset) = (loc.file(), loc.offset());
                let src = self.info.sources.get(file as usize)?;
                let text = self.text_of(file)?;
                let lines = lines_of(file)?;
                let end = value_end(text, offset);
                // Lines and columns count from the start of the object's segment; the end is
                // placed on from the start (an object is in one segment, unless it is cut off).
                let place = |at: usize| {
                    let seg = src.segment(at);
                    let seg_start = src.segments.get(seg).copied().unwrap_or(0);
                    (seg, lines.place(text, seg_start, at))
                };
                let (seg, (line, column)) = place(offset);
                let (end_line, end_column) = if src.segment(end) == seg {
                    Lines::place_after(text, (line, column), offset, end)
                } else {
                    place(end).1
                };
                let path = src.first.and_then(|f| {
                    let k = f as usize + if src.segments.is_empty() { 0 } else { seg };
                    self.info.files.get(k).map(|p| p.as_path())
                });
                Some(Place {
                    file: path,
                    line,
                    column,
                    end_line,
                    end_column,
                })
            })
            .collect();
        locs.iter()
            .map(|loc| *placed.get(uniq.binary_search(loc).ok()?)?)
            .collect()
    }

    /// The text of loaded file `file` (after its byte order mark).
    fn text_of(&self, file: u32) -> Option<&[u8]> {
        let src = self.info.sources.get(file as usize)?;
        self.strs.buf(file as usize)?.get(src.start..)
    }
}

/// The offset of the last byte of the JSON value that starts at `start` (its closing bracket
/// or quote; the last byte of a number or literal); the end of `text` if it is not closed.
fn value_end(text: &[u8], start: usize) -> usize {
    if let Some(b'{' | b'[') = text.get(start) {
        return container_end(text, start);
    }
    scalar_end(text, start)
}

/// [`value_end`] of any value, one byte at a time (jumping through strings with memchr).
fn scalar_end(text: &[u8], start: usize) -> usize {
    let last = text.len().saturating_sub(1);
    let Some(rest) = text.get(start..) else {
        return last;
    };
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut i = 0;
    while let Some(&b) = rest.get(i) {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
                if depth == 0 {
                    return start + i;
                }
            } else {
                // Most of an object's bytes are inside strings: jump to the next quote or
                // backslash.
                let after = rest.get(i + 1..).unwrap_or_default();
                i += 1 + memchr::memchr2(b'"', b'\\', after).unwrap_or(after.len());
                continue;
            }
            i += 1;
            continue;
        }
        let at = i;
        i += 1;
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return start + at;
                }
            }
            b',' | b' ' | b'\t' | b'\r' | b'\n' if depth == 0 => {
                return (start + at).saturating_sub(1);
            }
            _ => {}
        }
    }
    last
}

/// [`value_end`] of an object or array (`text[start]` is `{` or `[`), 64 bytes at a time: the
/// quotes of a block with no backslash toggle "in a string" by a prefix XOR of their bits, and
/// only the brackets outside strings are looked at one by one. A block with a backslash, or
/// that starts just after one, goes byte by byte, as does the tail under 64 bytes.
fn container_end(text: &[u8], start: usize) -> usize {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let mut i = start;
    while let Some(block) = text.get(i..i + 64) {
        let [quote, backslash, open, close] = masks(block);
        if backslash != 0 || escaped {
            for (k, &b) in block.iter().enumerate() {
                if step(b, &mut depth, &mut in_string, &mut escaped) {
                    return i + k;
                }
            }
        } else {
            // Bit k: inside a string after byte k (an opening quote counts as inside, its
            // closing quote as outside).
            let mut inside = prefix_xor(quote);
            if in_string {
                inside = !inside;
            }
            let mut brackets = (open | close) & !inside;
            while brackets != 0 {
                let k = brackets.trailing_zeros() as usize;
                if open >> k & 1 == 1 {
                    depth += 1;
                } else {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i + k;
                    }
                }
                brackets &= brackets - 1;
            }
            in_string = inside >> 63 == 1;
        }
        i += 64;
    }
    for (k, &b) in text.get(i..).unwrap_or_default().iter().enumerate() {
        if step(b, &mut depth, &mut in_string, &mut escaped) {
            return i + k;
        }
    }
    text.len().saturating_sub(1)
}

/// One byte of a container's scan: whether it closes the container.
#[inline]
fn step(b: u8, depth: &mut usize, in_string: &mut bool, escaped: &mut bool) -> bool {
    if *in_string {
        if *escaped {
            *escaped = false;
        } else if b == b'\\' {
            *escaped = true;
        } else if b == b'"' {
            *in_string = false;
        }
        return false;
    }
    match b {
        b'"' => *in_string = true,
        b'{' | b'[' => *depth += 1,
        b'}' | b']' => {
            *depth = depth.saturating_sub(1);
            return *depth == 0;
        }
        _ => {}
    }
    false
}

/// Bit k of the result: the XOR of bits 0 to k of `x`.
fn prefix_xor(mut x: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        x ^= x << shift;
    }
    x
}

/// Bit masks of a 64-byte block: its quotes, backslashes, opening and closing brackets.
#[cfg(target_arch = "x86_64")]
fn masks(block: &[u8]) -> [u64; 4] {
    use std::arch::x86_64::*;
    let mut out = [0u64; 4];
    for (lane, part) in block.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is part of every x86_64 target; `part` is 16 readable bytes.
        let bits = unsafe {
            let v = _mm_loadu_si128(part.as_ptr().cast());
            let eq = |c: u8| _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8)));
            [
                eq(b'"'),
                eq(b'\\'),
                eq(b'{') | eq(b'['),
                eq(b'}') | eq(b']'),
            ]
        };
        for (o, b) in out.iter_mut().zip(bits) {
            *o |= u64::from(b as u16) << (16 * lane);
        }
    }
    out
}

#[cfg(not(target_arch = "x86_64"))]
fn masks(block: &[u8]) -> [u64; 4] {
    let mut out = [0u64; 4];
    for (k, &b) in block.iter().enumerate() {
        let i = match b {
            b'"' => 0,
            b'\\' => 1,
            b'{' | b'[' => 2,
            b'}' | b']' => 3,
            _ => continue,
        };
        out[i] |= 1 << k;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::value_end;

    #[test]
    fn value_end_finds_the_closing_bracket() {
        let t = br#"[{"a": "}\"{", "b": [1, {"c": 2}]}, 3]"#;
        assert_eq!(t[value_end(t, 1)], b'}');
        assert_eq!(value_end(t, 1), t.len() - 5);
        assert_eq!(value_end(t, 0), t.len() - 1);
        assert_eq!(value_end(b"12, 3", 0), 1);
        assert_eq!(value_end(br#""x\"y" "#, 0), 5);
        assert_eq!(value_end(b"{\"open", 0), 5, "unclosed: the end of the text");
    }

    /// The byte-at-a-time scan that `value_end` speeds up by jumping through strings.
    fn value_end_slow(text: &[u8], start: usize) -> usize {
        let last = text.len().saturating_sub(1);
        let Some(rest) = text.get(start..) else {
            return last;
        };
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        for (i, &b) in rest.iter().enumerate() {
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                    if depth == 0 {
                        return start + i;
                    }
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return start + i;
                    }
                }
                b',' | b' ' | b'\t' | b'\r' | b'\n' if depth == 0 => {
                    return (start + i).saturating_sub(1);
                }
                _ => {}
            }
        }
        last
    }

    #[test]
    fn long_containers_end_where_the_byte_at_a_time_scan_ends() {
        // Texts of up to 300 bytes (whole 64-byte blocks with and without backslashes, a
        // backslash at a block's last byte, strings across blocks), from every bracket.
        let alphabet = *br#""\{}[], aaaaaaaa"#;
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        // An escaped quote at every place in a block, the last one included (the next block,
        // without a backslash, starts escaped).
        for pad in 0..130 {
            let mut text = b"{\"".to_vec();
            text.extend(std::iter::repeat_n(b'a', pad));
            text.extend_from_slice(b"\\\"");
            text.extend(std::iter::repeat_n(b'a', 80));
            text.extend_from_slice(b"\"}, {\"b\": [1]}]");
            assert_eq!(value_end(&text, 0), value_end_slow(&text, 0), "pad {pad}");
            assert_eq!(value_end(&text, 0), text.len() - 14, "pad {pad}");
        }
        for round in 0..4000 {
            let len = (next() % 300) as usize;
            // Half the texts without backslashes, so that whole blocks take the fast path.
            let text: Vec<u8> = (0..len)
                .map(
                    |_| match alphabet[(next() % alphabet.len() as u64) as usize] {
                        b'\\' if round % 2 == 0 => b'a',
                        b => b,
                    },
                )
                .collect();
            for start in (0..text.len()).filter(|&k| matches!(text[k], b'{' | b'[')) {
                assert_eq!(
                    value_end(&text, start),
                    value_end_slow(&text, start),
                    "{:?} from {start}",
                    String::from_utf8_lossy(&text)
                );
            }
        }
    }

    #[test]
    fn value_end_agrees_with_the_byte_at_a_time_scan() {
        let alphabet = *br#""\{}[], a"#;
        let mut text = Vec::new();
        for n in 0..=6u32 {
            for mut k in 0..alphabet.len().pow(n) {
                text.clear();
                for _ in 0..n {
                    text.push(alphabet[k % alphabet.len()]);
                    k /= alphabet.len();
                }
                for start in 0..=text.len().min(2) {
                    assert_eq!(
                        value_end(&text, start),
                        value_end_slow(&text, start),
                        "{:?} from {start}",
                        String::from_utf8_lossy(&text)
                    );
                }
            }
        }
    }
}
