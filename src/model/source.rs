//! Turning a [`Loc`] into a file, line and column, for reports that point at lines.

use super::{Loc, Tenant};
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

/// Where an object is: its file (`None` for standard input), 1-based line and column (the
/// column counts characters), and the byte offset in that file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place<'a> {
    pub file: Option<&'a Path>,
    pub line: usize,
    pub column: usize,
}

impl Tenant {
    /// The places of `locs`, in their order. One pass over each file's text up to the last
    /// place asked for in it (the locations are sorted first), so the cost is linear in the
    /// input whatever the number of findings.
    pub fn places(&self, locs: &[Loc]) -> Vec<Option<Place<'_>>> {
        let mut order: Vec<usize> = (0..locs.len()).collect();
        order.sort_unstable_by_key(|&i| locs.get(i).copied());
        let mut out = vec![None; locs.len()];
        // The sweep: (file, segment, offset reached, line, column) carried from one place to
        // the next within a file and segment.
        let mut at: Option<(u32, usize, usize, usize, usize)> = None;
        for i in order {
            let Some(loc) = locs.get(i).copied() else {
                continue;
            };
            let Some(src) = self.info.sources.get(loc.file() as usize) else {
                continue;
            };
            let Some(buf) = self.strs.buf(loc.file() as usize) else {
                continue;
            };
            let text = buf.get(src.start..).unwrap_or_default();
            let seg = src
                .segments
                .partition_point(|&s| s <= loc.offset())
                .saturating_sub(1);
            let seg_start = src.segments.get(seg).copied().unwrap_or(0);
            let (mut off, mut line, mut col) = match at {
                Some((f, s, off, line, col)) if f == loc.file() && s == seg => (off, line, col),
                _ => (seg_start, 1, 1),
            };
            for &b in text.get(off..loc.offset()).unwrap_or_default() {
                if b == b'\n' {
                    line += 1;
                    col = 1;
                } else if b & 0xC0 != 0x80 {
                    col += 1;
                }
            }
            off = loc.offset().max(off);
            at = Some((loc.file(), seg, off, line, col));
            let file = src.first.and_then(|f| {
                let k = f as usize + if src.segments.is_empty() { 0 } else { seg };
                self.info.files.get(k).map(|p| p.as_path())
            });
            if let Some(slot) = out.get_mut(i) {
                *slot = Some(Place {
                    file,
                    line,
                    column: col,
                });
            }
        }
        out
    }
}
