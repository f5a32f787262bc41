//! An index of a text's lines, for reports that point at lines (SARIF, GitHub annotations):
//! per 4 KB block, the newlines and characters before it and where the last newline before it
//! is. With it a place costs a scan of at most two blocks, not of the text before it.
//!
//! The load builds it while it checks the text to be UTF-8 ([`Lines::from_blocks`] on
//! [`block`] counts), when a report will need it, so the text is read from memory once; a text
//! loaded without it gets one at its first use ([`Lines::build`]).

use rayon::prelude::*;

/// Bytes per block. A multiple of it is a multiple of the block everywhere it is used.
pub const BLOCK: usize = 4096;

/// The newlines and characters of one block, and its last newline's offset in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockCount {
    newlines: u32,
    chars: u32,
    last_newline: Option<u32>,
}

/// Counts one block (any length up to [`BLOCK`]).
pub fn block(b: &[u8]) -> BlockCount {
    let (newlines, continuations) = counts(b);
    let chars = b.len() - continuations;
    BlockCount {
        newlines: newlines as u32,
        chars: chars as u32,
        last_newline: (newlines > 0)
            .then(|| memchr::memrchr(b'\n', b))
            .flatten()
            .map(|i| i as u32),
    }
}

/// Newlines and UTF-8 continuation bytes in `b`.
pub fn counts(b: &[u8]) -> (usize, usize) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { counts_avx2(b) };
    }
    counts_any(b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn counts_avx2(b: &[u8]) -> (usize, usize) {
    counts_any(b)
}

/// [`counts`] in pieces of 128 bytes, which the compiler vectorizes whole (a u8 count per
/// piece cannot overflow; 255 bytes would leave a tail of scalar steps in each); inlined into
/// [`counts_avx2`] to be compiled for AVX2 there.
#[inline(always)]
fn counts_any(b: &[u8]) -> (usize, usize) {
    let (mut newlines, mut continuations) = (0, 0);
    for c in b.chunks(128) {
        let (mut n, mut k) = (0u8, 0u8);
        for &x in c {
            n += u8::from(x == b'\n');
            k += u8::from((x as i8) < -64);
        }
        newlines += n as usize;
        continuations += k as usize;
    }
    (newlines, continuations)
}

/// Newlines in `b`.
pub fn newlines(b: &[u8]) -> usize {
    counts(b).0
}

/// Characters in UTF-8 text `b`: its bytes that are not continuation bytes.
pub fn chars(b: &[u8]) -> usize {
    b.len() - counts(b).1
}

/// The lines of one text: one entry per block, for the text before the block's start, and
/// one for the whole text.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Lines {
    newlines: Box<[u64]>,
    chars: Box<[u64]>,
    /// One past the offset of the last newline before the block (0: there is none).
    after_newline: Box<[u64]>,
}

impl Lines {
    /// The index of a text from its blocks' counts, in order.
    pub fn from_blocks(blocks: impl ExactSizeIterator<Item = BlockCount>) -> Lines {
        let n = blocks.len();
        let (mut newlines, mut chars, mut after) = (
            Vec::with_capacity(n + 1),
            Vec::with_capacity(n + 1),
            Vec::with_capacity(n + 1),
        );
        let (mut nl, mut ch, mut last) = (0u64, 0u64, 0u64);
        for (k, b) in blocks.enumerate() {
            newlines.push(nl);
            chars.push(ch);
            after.push(last);
            nl += u64::from(b.newlines);
            ch += u64::from(b.chars);
            if let Some(i) = b.last_newline {
                last = (k * BLOCK) as u64 + u64::from(i) + 1;
            }
        }
        newlines.push(nl);
        chars.push(ch);
        after.push(last);
        Lines {
            newlines: newlines.into(),
            chars: chars.into(),
            after_newline: after.into(),
        }
    }

    /// The index of `text`, counted on every core.
    pub fn build(text: &[u8]) -> Lines {
        let blocks: Vec<BlockCount> = text.par_chunks(BLOCK).map(block).collect();
        Lines::from_blocks(blocks.into_iter())
    }

    /// The 1-based line and column (in characters) of byte `offset` of `text` (the text this
    /// index was built from), counted from `start` (a bundle's segment start; 0 otherwise).
    /// Costs a count of the bytes between `offset` and the block it is in.
    pub fn place(&self, text: &[u8], start: usize, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let start = start.min(offset);
        let k = offset / BLOCK;
        let head = text.get(k * BLOCK..offset).unwrap_or_default();
        let line = 1 + at(&self.newlines, k) + newlines(head) - self.newlines_before(text, start);
        // The line's first byte: after the last newline before `offset`, if after `start`.
        let column = match memchr::memrchr(b'\n', head) {
            Some(i) if k * BLOCK + i >= start => 1 + chars(head.get(i + 1..).unwrap_or_default()),
            _ => {
                let from = at(&self.after_newline, k).max(start);
                1 + at(&self.chars, k) + chars(head) - self.chars_before(text, from)
            }
        };
        (line, column)
    }

    /// The place of byte `end`, on from the place (`line`, `column`) of byte `offset` of the
    /// same segment: a count of the bytes between them alone.
    pub fn place_after(
        text: &[u8],
        (line, column): (usize, usize),
        offset: usize,
        end: usize,
    ) -> (usize, usize) {
        let gap = text.get(offset..end).unwrap_or_default();
        match memchr::memrchr(b'\n', gap) {
            Some(i) => (
                line + newlines(gap),
                1 + chars(gap.get(i + 1..).unwrap_or_default()),
            ),
            None => (line, column + chars(gap)),
        }
    }

    fn newlines_before(&self, text: &[u8], offset: usize) -> usize {
        let k = offset / BLOCK;
        at(&self.newlines, k) + newlines(text.get(k * BLOCK..offset).unwrap_or_default())
    }

    fn chars_before(&self, text: &[u8], offset: usize) -> usize {
        let k = offset / BLOCK;
        at(&self.chars, k) + chars(text.get(k * BLOCK..offset).unwrap_or_default())
    }
}

/// Entry `k` of an index column.
fn at(v: &[u64], k: usize) -> usize {
    v.get(k).map_or(0, |&n| n as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Line and column by walking the text's characters.
    fn slow(text: &str, start: usize, offset: usize) -> (usize, usize) {
        let (mut line, mut col) = (1, 1);
        for c in text.get(start..offset).unwrap().chars() {
            if c == '\n' {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
        }
        (line, col)
    }

    #[test]
    fn places_agree_with_walking_the_characters() {
        // Lines of every length around the block size, with multi-byte characters across
        // block boundaries, and one line far longer than a block.
        let mut text = String::new();
        for n in [0, 1, 5, 4094, 4095, 4096, 4097, 9000, 3, 20_000, 2, 4091] {
            text.push_str(&"aé€𝄞b".repeat(n / 5));
            text.push_str(&"x".repeat(n % 5));
            text.push('\n');
        }
        text.push_str("tail");
        let lines = Lines::build(text.as_bytes());
        let starts: Vec<usize> = [0, 1, 7, 4096, 30_000, text.len()]
            .into_iter()
            .filter(|&s| text.is_char_boundary(s))
            .collect();
        for start in starts {
            for offset in (start..=text.len())
                .filter(|&o| text.is_char_boundary(o))
                .step_by(7)
            {
                let here = lines.place(text.as_bytes(), start, offset);
                assert_eq!(here, slow(&text, start, offset), "from {start} to {offset}");
                let end = (offset + 5000).min(text.len());
                if text.is_char_boundary(end) {
                    assert_eq!(
                        Lines::place_after(text.as_bytes(), here, offset, end),
                        slow(&text, start, end),
                        "from {start} to {end} after {offset}"
                    );
                }
            }
        }
    }

    #[test]
    fn counts_newlines_and_characters() {
        let s = "a\nbé\n€x\n".repeat(300);
        assert_eq!(counts(s.as_bytes()), (900, 900));
        assert_eq!(counts_any(s.as_bytes()), counts(s.as_bytes()));
        assert_eq!(newlines(s.as_bytes()), 900);
        assert_eq!(chars(s.as_bytes()), s.chars().count());
        assert_eq!(block(b"").chars, 0);
        assert_eq!(block(b"ab\ncd\ne").last_newline, Some(5));
        assert_eq!(block(b"abc").last_newline, None);
    }
}
