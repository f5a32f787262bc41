//! Turning a [`Loc`] into a file, line and column, for reports that point at lines.

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
    /// The places of `locs`, in their order. Each distinct object is scanned once for its end
    /// and each file's text is read once, up to the last place asked for in it, so the cost
    /// is linear in the input whatever the number of findings (objects do not overlap). Both
    /// run in parallel: the gaps between consecutive places are counted on every core, then a
    /// short serial pass adds them up.
    pub fn places(&self, locs: &[Loc]) -> Vec<Option<Place<'_>>> {
        let mut uniq = locs.to_vec();
        uniq.par_sort_unstable();
        uniq.dedup();
        let ends: Vec<Option<usize>> = uniq
            .par_iter()
            .map(|loc| Some(value_end(self.text_of(loc.file())?, loc.offset())))
            .collect();
        // Every start and end, as (file, offset, slot): slot 2k is object k's start, 2k+1 its end.
        let mut marks = Vec::with_capacity(uniq.len() * 2);
        for (k, (loc, end)) in uniq.iter().zip(&ends).enumerate() {
            if let Some(end) = *end {
                marks.push((loc.file(), loc.offset(), 2 * k));
                marks.push((loc.file(), end, 2 * k + 1));
            }
        }
        marks.par_sort_unstable();
        // Each mark's segment (a bundle's file) and the text since the mark before it in the
        // same segment (or since the segment's start): its newlines, and the characters after
        // the last of them (or all its characters when it has none).
        let gaps: Vec<Option<(usize, usize, usize)>> = marks
            .par_iter()
            .enumerate()
            .map(|(j, &(file, offset, _))| {
                let src = self.info.sources.get(file as usize)?;
                let text = self.text_of(file)?;
                let seg = src.segment(offset);
                let seg_start = src.segments.get(seg).copied().unwrap_or(0);
                let from = match j.checked_sub(1).and_then(|p| marks.get(p)) {
                    Some(&(f, o, _)) if f == file && src.segment(o) == seg => o,
                    _ => seg_start,
                };
                let gap = text.get(from..offset).unwrap_or_default();
                Some(match memchr::memrchr(b'\n', gap) {
                    Some(last) => (
                        seg,
                        count(gap, |b| b == b'\n'),
                        chars(gap.get(last + 1..).unwrap_or_default()),
                    ),
                    None => (seg, 0, chars(gap)),
                })
            })
            .collect();
        let mut at = vec![(0usize, 0usize, None); uniq.len() * 2];
        // The sweep: (file, segment, line, column) carried from one mark to the next within a
        // file and segment.
        let mut sweep: Option<(u32, usize, usize, usize)> = None;
        for (&(file, _, slot), gap) in marks.iter().zip(gaps) {
            let (Some(src), Some((seg, newlines, tail))) =
                (self.info.sources.get(file as usize), gap)
            else {
                continue;
            };
            let (mut line, mut col) = match sweep {
                Some((f, s, line, col)) if f == file && s == seg => (line, col),
                _ => (1, 1),
            };
            if newlines > 0 {
                line += newlines;
                col = 1 + tail;
            } else {
                col += tail;
            }
            sweep = Some((file, seg, line, col));
            let path = src.first.and_then(|f| {
                let k = f as usize + if src.segments.is_empty() { 0 } else { seg };
                self.info.files.get(k).map(|p| p.as_path())
            });
            if let Some(a) = at.get_mut(slot) {
                *a = (line, col, Some(path));
            }
        }
        locs.iter()
            .map(|loc| {
                let k = uniq.binary_search(loc).ok()?;
                let &(line, column, file) = at.get(2 * k)?;
                let &(end_line, end_column, _) = at.get(2 * k + 1)?;
                Some(Place {
                    file: file?,
                    line,
                    column,
                    end_line,
                    end_column,
                })
            })
            .collect()
    }

    /// The text of loaded file `file` (after its byte order mark).
    fn text_of(&self, file: u32) -> Option<&[u8]> {
        let src = self.info.sources.get(file as usize)?;
        self.strs.buf(file as usize)?.get(src.start..)
    }
}

/// How many bytes of `s` match `p`, in blocks of 255 that the compiler vectorizes (a u8
/// count per block cannot overflow): the sweep over a multi-gigabyte file is this loop. (An
/// AVX2 copy of it measured no faster: the sweep is bound by memory bandwidth.)
fn count(s: &[u8], p: impl Fn(u8) -> bool) -> usize {
    s.chunks(255)
        .map(|c| c.iter().map(|&b| u8::from(p(b))).sum::<u8>() as usize)
        .sum()
}

/// Characters in UTF-8 text: the bytes that are not continuation bytes.
fn chars(s: &[u8]) -> usize {
    count(s, |b| b & 0xC0 != 0x80)
}

/// The offset of the last byte of the JSON value that starts at `start` (its closing bracket
/// or quote; the last byte of a number or literal); the end of `text` if it is not closed.
fn value_end(text: &[u8], start: usize) -> usize {
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

#[cfg(test)]
mod tests {
    use super::{chars, count, value_end};

    #[test]
    fn counts_lines_and_characters() {
        let s = "a\nbé\n€x\n".repeat(300);
        assert_eq!(count(s.as_bytes(), |b| b == b'\n'), 900);
        assert_eq!(chars(s.as_bytes()), s.chars().count());
        assert_eq!(chars(b""), 0);
    }

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
