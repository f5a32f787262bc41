//! Reading a snapshot file's bytes: memory-mapped, inflated, checked for its encoding.

use super::Located;
use super::encoding::{self, Encoding};
use super::keys;
use super::layout::{Object, ObjectFile};
use super::position::{self, line_col, line_col_chars, path_at};
use super::scan::ScanError;
use crate::error::InputError;
use crate::model::Buf;
use crate::model::lines::Lines;
use serde::de::DeserializeOwned;
use std::io::Read;
use std::path::Path;

/// One input file, read and checked to be UTF-8.
pub(super) struct File {
    pub(super) name: String,
    pub(super) buf: Buf,
    /// 3 when the file starts with a UTF-8 byte order mark, else 0.
    start: usize,
    /// Columns in messages count characters (the text was transcoded from UTF-16), not bytes.
    columns_in_chars: bool,
    /// A bundle ([`Role::Bundle`](super::layout::Role)): the one-object files it holds, in
    /// order; empty for any other file.
    pub(super) segments: Vec<Segment>,
    /// Device and inode of a file read from disk.
    pub(super) id: Option<(u64, u64)>,
    /// The text's line index, when the load was asked for it (built by the UTF-8 check).
    pub(super) lines: Option<Lines>,
}

/// One file inside a bundle: its text starts at `start` of the bundle's text and ends where
/// the next one starts.
pub(super) struct Segment {
    pub(super) start: usize,
    pub(super) name: Box<str>,
    pub(super) columns_in_chars: bool,
    pub(super) object: Object,
    pub(super) id: Option<(u64, u64)>,
}

impl File {
    pub(super) fn text(&self) -> &str {
        #[allow(
            clippy::indexing_slicing,
            reason = "start is 0 or the length of a byte order mark the buffer starts with (finish)"
        )]
        let body = &self.buf[self.start..];
        // SAFETY: `finish` checked `buf[start..]` to be UTF-8 (a bundle is UTF-8 files joined).
        unsafe { std::str::from_utf8_unchecked(body) }
    }

    /// Bytes of the buffer before [`File::text`] (a UTF-8 byte order mark).
    pub(super) fn text_start(&self) -> usize {
        self.start
    }

    /// Segment `i`'s byte range in [`File::text`].
    pub(super) fn segment_range(&self, i: usize) -> std::ops::Range<usize> {
        let start = self.segments.get(i).map_or(0, |s| s.start);
        let end = self
            .segments
            .get(i + 1)
            .map_or(self.text().len(), |s| s.start);
        start..end
    }

    /// Where byte `offset` of [`File::text`] is: the file name, the text of that file, the
    /// offset within it and whether columns count characters.
    fn locate(&self, offset: usize) -> (&str, &[u8], usize, bool) {
        let text = self.text().as_bytes();
        let i = self.segments.partition_point(|s| s.start <= offset);
        match i
            .checked_sub(1)
            .and_then(|i| Some((i, self.segments.get(i)?)))
        {
            Some((i, seg)) => {
                let r = self.segment_range(i);
                let part = text.get(r.clone()).unwrap_or_default();
                (&seg.name, part, offset - r.start, seg.columns_in_chars)
            }
            None => (&self.name, text, offset, self.columns_in_chars),
        }
    }

    /// The name of the file that holds byte `offset` (a bundle's segment, or this file).
    pub(super) fn name_at(&self, offset: usize) -> &str {
        self.locate(offset).0
    }

    /// The JSON path at byte `offset`, within the file that holds it.
    pub(super) fn path_at(&self, offset: usize) -> String {
        let (_, text, at, _) = self.locate(offset);
        path_at(text, at)
    }

    /// An error at byte `offset` of [`File::text`].
    pub(super) fn err_at(&self, offset: usize, message: impl Into<String>) -> InputError {
        let (name, text, at, chars) = self.locate(offset);
        let pos = if chars {
            line_col_chars(text, at)
        } else {
            line_col(text, at)
        };
        InputError {
            file: name.to_owned(),
            pos: Some(pos),
            path: Some(path_at(text, at)),
            message: message.into(),
        }
    }

    /// Offset of a slice of [`File::text`] within it.
    pub(super) fn offset_of(&self, s: &str) -> usize {
        s.as_ptr() as usize - self.text().as_ptr() as usize
    }

    /// Rejects a top-level array where an object is expected: serde would otherwise read the
    /// array as the object's fields in order and report a baffling type error.
    pub(super) fn expect_object(&self, file: usize, what: &str, hint: &str) -> Result<(), Located> {
        let text = self.text();
        let lead = text.len() - text.trim_start().len();
        if text.as_bytes().get(lead) == Some(&b'[') {
            return Err(Located {
                file,
                offset: lead,
                error: self.err_at(
                    lead,
                    format!("wrong type: expected {what}, found an array{hint}"),
                ),
            });
        }
        Ok(())
    }
}

/// serde_json's message without its " at line L column C" tail (we print our own position).
pub(super) fn describe(e: &serde_json::Error) -> String {
    let s = e.to_string();
    let msg = match s.rfind(" at line ") {
        Some(i) => &s[..i],
        None => &s,
    };
    match e.classify() {
        serde_json::error::Category::Syntax => format!("invalid JSON: {msg}"),
        serde_json::error::Category::Eof => format!("invalid JSON: {msg} (is the file truncated?)"),
        _ => {
            let msg = msg.replace("invalid type: ", "wrong type: ");
            // ConvertTo-Json writes an object deeper than its -Depth (2 by default) as its .NET
            // type name: `"Microsoft.Graph.PowerShell.Models.MicrosoftGraphAssignedLicense"`.
            if msg.contains("string \"Microsoft.Graph.") || msg.contains("string \"System.") {
                format!(
                    "{msg}: ConvertTo-Json cut this object off at its -Depth; re-export with `ConvertTo-Json -Depth 20`"
                )
            } else {
                msg
            }
        }
    }
}

pub(super) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// How far a gzip stream may inflate: [`INFLATE_RATIO`] times its compressed size, at least
/// [`INFLATE_FLOOR`], and never more than [`memory_cap`]. Real exports compress 5–50 times;
/// a gzip bomb (deflate reaches about 1000 times) is refused before it fills memory.
pub(super) const INFLATE_RATIO: u64 = 256;
pub(super) const INFLATE_FLOOR: u64 = 64 << 20;

/// The most input read into memory (inflated gzip, standard input, a pipe): half the machine's
/// physical memory (the model needs room too), or 8 GiB where that cannot be read.
pub(super) fn memory_cap() -> u64 {
    static CAP: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *CAP.get_or_init(|| {
        let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
            let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib * 1024)
        });
        total.map_or(8 << 30, |t| t / 2)
    })
}

fn mib(bytes: u64) -> u64 {
    bytes >> 20
}

/// The capacity to inflate `data` into: the size its gzip trailer states (ISIZE, the last
/// member's size modulo 2^32) when that is plausible, else 8 times the compressed size; never
/// more than the inflate limit, so a lying trailer reserves nothing the limit would not allow.
fn inflate_capacity(data: &[u8], limit: u64) -> usize {
    let len = data.len() as u64;
    let stated = data
        .len()
        .checked_sub(4)
        .and_then(|i| data.get(i..))
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(|b| u64::from(u32::from_le_bytes(b)));
    let hint = match stated {
        Some(n) if n >= len / 4 => n,
        _ => len.saturating_mul(8),
    };
    usize::try_from(hint.min(limit)).unwrap_or(usize::MAX)
}

pub(super) fn gunzip(name: &str, data: &[u8], limit: u64) -> Result<Vec<u8>, InputError> {
    // The whole text in one allocation when the trailer is right (a single-member file, as
    // gzip writes): growing by doubling copies the text and holds the old and the new buffer
    // at once (1.9 GiB over a 1.8 GiB text at 1M users).
    let cap = inflate_capacity(data, limit);
    let mut out = Vec::with_capacity(cap);
    flate2::read::MultiGzDecoder::new(data)
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            InputError::file(
                name,
                format!(
                    "cannot decompress gzip stream after {} bytes: {e} (is the file truncated?)",
                    out.len()
                ),
            )
        })?;
    if out.len() as u64 > limit {
        return Err(InputError::file(
            name,
            format!(
                "the gzip stream inflates to more than {} MiB ({INFLATE_RATIO} times its {} bytes, or half this machine's memory): refused as a possible gzip bomb; if it is a real snapshot, decompress it (`gunzip -k FILE`) and check the plain file, which is read without this limit",
                mib(limit),
                data.len()
            ),
        ));
    }
    Ok(out)
}

/// Checks a buffer and wraps it as a [`File`]: gzip is inflated, the encoding recognised
/// (UTF-16 transcoded, a byte order mark skipped), UTF-8 checked; with `lines`, the text's
/// line index is counted in the same pass.
pub(super) fn finish(name: String, buf: Buf, lines: bool) -> Result<File, InputError> {
    let buf = if buf.starts_with(&GZIP_MAGIC) {
        let limit = (buf.len() as u64)
            .saturating_mul(INFLATE_RATIO)
            .max(INFLATE_FLOOR)
            .min(memory_cap());
        Buf::Owned(gunzip(&name, &buf, limit)?)
    } else {
        buf
    };
    let (buf, start, columns_in_chars) =
        match encoding::detect(&buf).map_err(|m| InputError::file(&name, m))? {
            Encoding::Utf8 { bom } => (buf, bom, false),
            Encoding::Utf16 { little_endian, bom } => {
                #[allow(
                    clippy::indexing_slicing,
                    reason = "detect returns the length of a byte order mark `buf` starts with"
                )]
                let body = &buf[bom..];
                let text = encoding::utf16_to_utf8(&name, body, little_endian)?;
                (Buf::Owned(text), 0, true)
            }
        };
    #[allow(
        clippy::indexing_slicing,
        reason = "start is 0 or the length of a byte order mark `buf` starts with (detect)"
    )]
    let body = &buf[start..];
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(InputError::file(name, "the file is empty: expected JSON"));
    }
    let lines = if lines {
        Some(encoding::check_utf8_lines(&name, body)?)
    } else {
        encoding::check_utf8(&name, body)?;
        None
    };
    Ok(File {
        name,
        buf,
        start,
        columns_in_chars,
        segments: Vec::new(),
        id: None,
        lines,
    })
}

/// Reads a snapshot file: a regular file is memory-mapped (read, when small); anything else
/// that is not a directory (a pipe such as `<(gunzip -c x.gz)`, a FIFO, a character device) is
/// read as a stream.
pub(super) fn read_path(path: &Path, lines: bool) -> Result<File, InputError> {
    let name = path.display().to_string();
    let io_err = |e: std::io::Error| InputError::file(&name, format!("cannot read: {e}"));
    let f = open_nonblocking(path).map_err(io_err)?;
    read_open(name, f, lines)
}

/// [`read_path`] on an opened file.
fn read_open(name: String, f: std::fs::File, lines: bool) -> Result<File, InputError> {
    let io_err = |e: std::io::Error| InputError::file(&name, format!("cannot read: {e}"));
    let meta = f.metadata().map_err(io_err)?;
    if !meta.is_file() {
        blocking(&f);
        return read_stream(name, f, lines);
    }
    let id = file_id(&meta);
    let len = meta.len();
    if len == 0 {
        return Err(InputError::file(&name, "the file is empty: expected JSON"));
    }
    let read = || -> Result<Buf, InputError> {
        let mut v = Vec::new();
        read_known(&f, len as usize, &mut v).map_err(io_err)?;
        Ok(Buf::Owned(v))
    };
    // A small file is read: a map costs more than the copy (and a map per file of a tree of
    // one-object files would run into the kernel's limit on mappings).
    let buf = if len < MAP_MIN || !map_budget() {
        read()?
    } else {
        // The length is given (memmap2 would otherwise ask the file for it again: a second
        // `statx` per file, two thousand of them for a directory of page files).
        let map = |n: usize| {
            let mut options = memmap2::MmapOptions::new();
            options.len(n);
            if n as u64 >= POPULATE_MIN {
                options.populate();
            }
            // SAFETY: the map is read-only; tenantlint never writes its input. A file
            // truncated by another process while mapped is outside what a linter can defend
            // against.
            unsafe { options.map(&f) }.ok()
        };
        match usize::try_from(len).ok().and_then(map) {
            Some(m) => Buf::Mapped(m),
            None => read()?,
        }
    };
    let mut file = finish(name, buf, lines)?;
    file.id = id;
    Ok(file)
}

/// Appends a regular file of `len` bytes (its size when opened) to `out`: read in one call as a
/// rule, without read_to_end's probing; a file that grows meanwhile is read as it was, one that
/// shrinks as it is.
fn read_known(f: &std::fs::File, len: usize, out: &mut Vec<u8>) -> std::io::Result<()> {
    // Into reserved room: read_to_end fills spare capacity without zeroing it first (a
    // zero-filled buffer was written twice: a fifth of reading a directory of page files).
    out.reserve_exact(len);
    f.take(len as u64).read_to_end(out)?;
    Ok(())
}

/// Device and inode: what tells whether `--output` names an input file.
#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Files at least this large are memory-mapped, smaller ones read. A Graph page file of a
/// thousand users' registration details (170 KB) is worth a map: reading a million users'
/// pages took 118-128 ms instead of 151-164 with the copies.
const MAP_MIN: u64 = 64 << 10;

/// Files at least this long are mapped with `MAP_POPULATE`: the page cache may hold them in
/// 2 MB folios, which the kernel maps a 2 MB page at a time, up front. A shorter file (a Graph
/// page file) cannot have such a folio: populating its 4 KB pages one by one, under the lock
/// of the process's mappings, cost a directory of a thousand 1.8 MB page files 173–201 ms of
/// reading, against 110–124 ms when the UTF-8 check faults them in (16 pages a fault).
const POPULATE_MIN: u64 = 2 << 20;

/// Files a process maps at most; the rest are read. A directory of a hundred thousand page
/// files would otherwise take the kernel's limit on mappings (65,530 by default), and then
/// the allocator's own maps would fail. Maps are counted, not released: a process that loads
/// many snapshots (a test run, a fuzzer) reads its files once past the budget, more slowly
/// but the same.
const MAP_BUDGET: usize = 16 << 10;

/// Whether one more file may be mapped (see [`MAP_BUDGET`]).
fn map_budget() -> bool {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static MAPS: AtomicUsize = AtomicUsize::new(0);
    MAPS.fetch_add(1, Ordering::Relaxed) < MAP_BUDGET
}

/// Appends an Export-Entra object file, `<stem>.json` or else `<stem>.json.gz`, to `text`:
/// `None` when neither exists (the folder holds something else, e.g. only `members.json`).
/// A plain UTF-8 file is read straight into `text`; anything else (gzip, a byte order mark,
/// UTF-16, not a regular file) goes through [`finish`] as a file of its own would.
fn read_object(
    object: Object,
    path: &Path,
    text: &mut Vec<u8>,
) -> Result<Option<Segment>, InputError> {
    // The `.json.gz` name is made only when `.json` is missing (this runs once per object).
    let mut gz = None;
    for second in [false, true] {
        let p = match second {
            false => path,
            true => gz.insert(path.with_extension("json.gz")).as_path(),
        };
        let name = || p.display().to_string();
        let io_err = |e: std::io::Error| InputError::file(name(), format!("cannot read: {e}"));
        let f = match open_nonblocking(p) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_err(e)),
        };
        let meta = f.metadata().map_err(io_err)?;
        let start = text.len();
        let segment = |columns_in_chars, id| Segment {
            start,
            columns_in_chars,
            name: name().into_boxed_str(),
            object,
            id,
        };
        let len = meta.len() as usize;
        if meta.is_file() && len > 0 {
            read_known(&f, len, text).map_err(io_err)?;
            #[allow(
                clippy::indexing_slicing,
                reason = "read_known only appends: the text still has its start bytes"
            )]
            let body = &text[start..];
            let plain = !body.starts_with(&GZIP_MAGIC)
                && matches!(encoding::detect(body), Ok(Encoding::Utf8 { bom: 0 }));
            if plain && !body.iter().all(u8::is_ascii_whitespace) {
                encoding::check_utf8(&name(), body)?;
                return Ok(Some(segment(false, file_id(&meta))));
            }
            let own = text.split_off(start);
            let file = finish(name(), Buf::Owned(own), false)?;
            text.extend_from_slice(file.text().as_bytes());
            return Ok(Some(segment(file.columns_in_chars, file_id(&meta))));
        }
        let file = read_open(name(), f, false)?;
        text.extend_from_slice(file.text().as_bytes());
        return Ok(Some(segment(file.columns_in_chars, file.id)));
    }
    Ok(None)
}

/// Reads one-object files into one buffer, one [`Segment`] each (see
/// [`Role::Bundle`](super::layout::Role)). Each file is read and checked as on its own (gzip,
/// byte order marks and UTF-16 included), so messages name it with its own line:column.
/// `<id>.json` files that do not exist are left out.
pub(super) fn read_bundle(name: String, objects: &[ObjectFile]) -> Result<File, InputError> {
    let mut text = Vec::new();
    let mut segments = Vec::with_capacity(objects.len());
    for o in objects {
        segments.extend(read_object(o.object, &o.path(), &mut text)?);
    }
    // The model keeps the buffer: not the slack of its doublings.
    text.shrink_to_fit();
    Ok(File {
        name,
        buf: Buf::Owned(text),
        start: 0,
        columns_in_chars: false,
        segments,
        id: None,
        lines: None,
    })
}

/// Opens for reading without blocking on a FIFO that has no writer yet (then it reads as
/// empty, an error, instead of hanging); [`blocking`] turns reads back to blocking for
/// anything but a regular file (where the flag has no effect).
#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(unix)]
fn blocking(f: &std::fs::File) {
    use std::os::unix::io::AsRawFd;
    // SAFETY: fcntl on a file descriptor the caller owns, with flag arguments only.
    unsafe {
        let fd = f.as_raw_fd();
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
}

#[cfg(not(unix))]
fn blocking(_: &std::fs::File) {}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

pub(super) fn read_stdin(lines: bool) -> Result<File, InputError> {
    read_stream("<stdin>".into(), std::io::stdin().lock(), lines)
}

/// Reads a stream into memory. Its first bytes are checked to be JSON text (or gzip) before
/// the rest is read, so that `/dev/zero` or `/dev/urandom` fail at once; the whole is capped at
/// [`memory_cap`].
pub(super) fn read_stream(name: String, mut r: impl Read, lines: bool) -> Result<File, InputError> {
    let io_err = |e: std::io::Error| InputError::file(&name, format!("cannot read: {e}"));
    let mut v = Vec::new();
    let head = (&mut r)
        .take(64 << 10)
        .read_to_end(&mut v)
        .map_err(io_err)?;
    if head > 0 && !v.starts_with(&GZIP_MAGIC) {
        sniff(&name, &v)?;
    }
    let cap = memory_cap();
    r.take(cap + 1 - v.len() as u64)
        .read_to_end(&mut v)
        .map_err(io_err)?;
    if v.len() as u64 > cap {
        return Err(InputError::file(
            &name,
            format!(
                "the input is larger than {} MiB (half this machine's memory), the most tenantlint reads from a stream: save it to a file, which is memory-mapped instead",
                mib(cap)
            ),
        ));
    }
    if v.is_empty() {
        return Err(InputError::file(&name, "the file is empty: expected JSON"));
    }
    finish(name, Buf::Owned(v), lines)
}

/// Refuses the start of a stream that cannot be JSON text: an encoding tenantlint does not
/// read, or a first character other than whitespace, `{` or `[`.
fn sniff(name: &str, head: &[u8]) -> Result<(), InputError> {
    let enc = encoding::detect(head).map_err(|m| InputError::file(name, m))?;
    let (bom, little_endian) = match enc {
        Encoding::Utf8 { bom } => (bom, None),
        Encoding::Utf16 { little_endian, bom } => (bom, Some(little_endian)),
    };
    #[allow(
        clippy::indexing_slicing,
        reason = "detect returns the length of a byte order mark `head` starts with"
    )]
    let body = &head[bom..];
    let first = match little_endian {
        None => body.iter().copied().find(|b| !b.is_ascii_whitespace()),
        Some(little_endian) => body
            .as_chunks::<2>()
            .0
            .iter()
            .map(|&[a, b]| if little_endian { a } else { b })
            .find(|b| !b.is_ascii_whitespace()),
    };
    match first {
        None | Some(b'{' | b'[') => Ok(()),
        Some(b) => Err(InputError::file(
            name,
            format!(
                "not JSON: the input starts with {}",
                if b.is_ascii_graphic() {
                    format!("`{}`", b as char)
                } else {
                    format!("byte 0x{b:02X}")
                }
            ),
        )),
    }
}

impl File {
    pub(super) fn scan_err(&self, file: usize, e: ScanError) -> Located {
        Located {
            file,
            offset: e.offset,
            error: self.err_at(e.offset, e.message),
        }
    }

    pub(super) fn serde_located(&self, file: usize, sub: &str, e: serde_json::Error) -> Located {
        let offset =
            self.offset_of(sub) + position::offset_of(sub.as_bytes(), e.line(), e.column());
        Located {
            file,
            offset,
            error: self.err_at(offset, describe(&e)),
        }
    }

    /// Parses a value slice of this file with serde, locating errors in the file. Keys in the
    /// Graph PowerShell SDK's spelling are read as Graph's ([`keys::normalize`]).
    pub(super) fn parse_slice<T: DeserializeOwned>(
        &self,
        file: usize,
        sub: &str,
    ) -> Result<T, Located> {
        let copy = keys::normalize(sub);
        serde_json::from_str(copy.as_deref().unwrap_or(sub))
            .map_err(|e| self.serde_located(file, sub, e))
    }
}

#[cfg(test)]
mod inflate_tests {
    use super::inflate_capacity;

    #[test]
    fn inflate_capacity_trusts_a_plausible_trailer() {
        let mut gz = vec![0u8; 1000];
        gz[996..].copy_from_slice(&9_500u32.to_le_bytes());
        assert_eq!(inflate_capacity(&gz, u64::MAX), 9_500);
        assert_eq!(inflate_capacity(&gz, 4_000), 4_000, "never past the limit");
        gz[996..].copy_from_slice(&10u32.to_le_bytes());
        assert_eq!(
            inflate_capacity(&gz, u64::MAX),
            8_000,
            "implausible: 8 times"
        );
        assert_eq!(inflate_capacity(&[1, 2], u64::MAX), 16);
    }
}
