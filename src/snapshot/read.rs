//! Reading a snapshot file's bytes: memory-mapped, inflated, checked for its encoding.

use super::Located;
use super::position::{self, line_col, path_at};
use super::scan::ScanError;
use crate::error::InputError;
use crate::model::Buf;
use serde::Deserialize;
use std::io::Read;
use std::path::Path;

/// One input file, read and checked to be UTF-8.
pub(super) struct File {
    pub(super) name: String,
    pub(super) buf: Buf,
    /// 3 when the file starts with a UTF-8 byte order mark, else 0.
    start: usize,
}

impl File {
    pub(super) fn text(&self) -> &str {
        // SAFETY: `finish` checked `buf[start..]` to be UTF-8.
        unsafe { std::str::from_utf8_unchecked(&self.buf[self.start..]) }
    }

    /// An error at byte `offset` of [`File::text`].
    pub(super) fn err_at(&self, offset: usize, message: impl Into<String>) -> InputError {
        let text = self.text().as_bytes();
        InputError {
            file: self.name.clone(),
            pos: Some(line_col(text, offset)),
            path: Some(path_at(text, offset)),
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
        _ => msg.replace("invalid type: ", "wrong type: "),
    }
}

pub(super) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

pub(super) fn gunzip(name: &str, data: &[u8]) -> Result<Vec<u8>, InputError> {
    let mut out = Vec::with_capacity(data.len().saturating_mul(8));
    flate2::read::MultiGzDecoder::new(data)
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
    Ok(out)
}

/// Checks a buffer and wraps it as a [`File`]: gzip is inflated, a BOM skipped, UTF-8 checked.
pub(super) fn finish(name: String, buf: Buf) -> Result<File, InputError> {
    let buf = if buf.starts_with(&GZIP_MAGIC) {
        Buf::Owned(gunzip(&name, &buf)?)
    } else {
        buf
    };
    let start = if buf.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let body = &buf[start..];
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(InputError::file(name, "the file is empty: expected JSON"));
    }
    if let Err(e) = std::str::from_utf8(body) {
        let off = e.valid_up_to();
        return Err(InputError {
            pos: Some(line_col(body, off)),
            path: Some(path_at(body, off)),
            file: name,
            message: "invalid UTF-8: the snapshot must be UTF-8 encoded JSON".into(),
        });
    }
    Ok(File { name, buf, start })
}

pub(super) fn read_path(path: &Path) -> Result<File, InputError> {
    let name = path.display().to_string();
    let io_err = |e: std::io::Error| InputError::file(&name, format!("cannot read: {e}"));
    let f = std::fs::File::open(path).map_err(io_err)?;
    let len = f.metadata().map_err(io_err)?.len();
    if len == 0 {
        return Err(InputError::file(&name, "the file is empty: expected JSON"));
    }
    // SAFETY: the map is read-only; tenantlint never writes its input. A file truncated by
    // another process while mapped is outside what a linter can defend against.
    let buf = match unsafe { memmap2::MmapOptions::new().populate().map(&f) } {
        Ok(m) => Buf::Mapped(m),
        Err(_) => {
            let mut v = Vec::with_capacity(len as usize);
            (&f).read_to_end(&mut v).map_err(io_err)?;
            Buf::Owned(v)
        }
    };
    finish(name, buf)
}

pub(super) fn read_stdin() -> Result<File, InputError> {
    let mut v = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut v)
        .map_err(|e| InputError::file("<stdin>", format!("cannot read: {e}")))?;
    finish("<stdin>".into(), Buf::Owned(v))
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

    /// Parses a value slice of this file with serde, locating errors in the file.
    pub(super) fn parse_slice<'a, T: Deserialize<'a>>(
        &'a self,
        file: usize,
        sub: &'a str,
    ) -> Result<T, Located> {
        serde_json::from_str(sub).map_err(|e| self.serde_located(file, sub, e))
    }
}
