//! Text encodings of snapshot files.
//!
//! Accepted: UTF-8 with or without a byte order mark, and UTF-16 little- or big-endian with or
//! without one (Windows PowerShell 5.1's `>` and `Out-File` write UTF-16 LE with a BOM). UTF-16
//! is transcoded to UTF-8 once, before anything else reads the text; errors in it still give
//! the line and the column (in characters) of the original. Anything else (UTF-32, UTF-7, a
//! legacy 8-bit code page, binary data) is refused with an error that names what was found and
//! how to export UTF-8 instead.

use super::position::{line_col, line_col_chars, path_at};
use crate::error::InputError;
use crate::model::lines::{self, Lines};

/// How to re-export a snapshot as UTF-8, for error messages.
const REEXPORT: &str = "re-export it as UTF-8 (PowerShell: `… | Out-File -Encoding utf8 FILE`, or `Set-Content -Encoding utf8`)";

/// What the start of a file says about its encoding.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Encoding {
    /// UTF-8; `bom` is the length of its byte order mark (0 or 3).
    Utf8 { bom: usize },
    /// UTF-16; `bom` is the length of its byte order mark (0 or 2).
    Utf16 { little_endian: bool, bom: usize },
}

/// Recognises the encoding from a byte order mark, else from the pattern of zero bytes at the
/// start (JSON text starts with an ASCII character, RFC 8259 §8.1 / RFC 4627 §3), else UTF-8.
/// An encoding tenantlint does not read is an error naming it.
pub(super) fn detect(b: &[u8]) -> Result<Encoding, String> {
    const BOMS: [(&[u8], &str); 9] = [
        (&[0x00, 0x00, 0xFE, 0xFF], "UTF-32 BE"),
        (&[0xFF, 0xFE, 0x00, 0x00], "UTF-32 LE"),
        (&[0x2B, 0x2F, 0x76], "UTF-7"),
        (&[0xF7, 0x64, 0x4C], "UTF-1"),
        (&[0xDD, 0x73, 0x66, 0x73], "UTF-EBCDIC"),
        (&[0x0E, 0xFE, 0xFF], "SCSU"),
        (&[0xFB, 0xEE, 0x28], "BOCU-1"),
        (&[0x84, 0x31, 0x95, 0x33], "GB 18030"),
        (&[0xEF, 0xBB, 0xBF], "UTF-8"),
    ];
    for (bom, name) in BOMS {
        if b.starts_with(bom) {
            if name == "UTF-8" {
                return Ok(Encoding::Utf8 { bom: 3 });
            }
            return Err(format!(
                "the file is {name} encoded (it starts with a {name} byte order mark): tenantlint reads UTF-8 or UTF-16; {REEXPORT}"
            ));
        }
    }
    match b {
        [0xFF, 0xFE, ..] => Ok(Encoding::Utf16 {
            little_endian: true,
            bom: 2,
        }),
        [0xFE, 0xFF, ..] => Ok(Encoding::Utf16 {
            little_endian: false,
            bom: 2,
        }),
        [0, 0, 0, c, ..] | [c, 0, 0, 0, ..] if *c != 0 => Err(format!(
            "the file looks UTF-32 encoded (three zero bytes beside each character): tenantlint reads UTF-8 or UTF-16; {REEXPORT}"
        )),
        [0, c, ..] if *c != 0 && c.is_ascii() => Ok(Encoding::Utf16 {
            little_endian: false,
            bom: 0,
        }),
        [c, 0, ..] if *c != 0 && c.is_ascii() => Ok(Encoding::Utf16 {
            little_endian: true,
            bom: 0,
        }),
        [0, ..] => Err(format!(
            "the file starts with a zero byte: it is not JSON text (binary data, or an encoding tenantlint does not read); {REEXPORT}"
        )),
        _ => Ok(Encoding::Utf8 { bom: 0 }),
    }
}

/// Checks UTF-8 text (after its BOM). The error names the byte and, when the bytes look like a
/// single-byte code page (a lone byte ≥ 0x80), says so.
pub(super) fn check_utf8(name: &str, body: &[u8]) -> Result<(), InputError> {
    if is_utf8_parallel(body) {
        return Ok(());
    }
    let Err(e) = std::str::from_utf8(body) else {
        return Ok(());
    };
    let off = e.valid_up_to();
    let byte = body.get(off).copied().unwrap_or(0);
    let lone = body
        .get(off + 1)
        .is_none_or(|&next| next & 0xC0 != 0x80 || byte < 0xC2);
    let what = if lone && byte >= 0x80 {
        format!(
            "invalid UTF-8 (byte 0x{byte:02X}): this looks like a legacy 8-bit encoding such as Windows-1252, which Windows PowerShell 5.1 writes with `Set-Content` or `Out-File -Encoding Default`; {REEXPORT}"
        )
    } else {
        format!(
            "invalid UTF-8 (byte 0x{byte:02X}): the snapshot must be UTF-8 or UTF-16 encoded JSON"
        )
    };
    Err(InputError {
        pos: Some(line_col(body, off)),
        path: Some(path_at(body, off)),
        file: name.to_owned(),
        message: what,
    })
}

/// [`check_utf8`], counting the text's line index in the same pass: each stretch of 256 KB
/// is counted ([`lines::block`]), then checked while the core's cache still holds it, on every
/// core. Reading a multi-gigabyte text from memory twice (the check, then the count when a
/// report places its findings) cost more than counting.
pub(super) fn check_utf8_lines(name: &str, body: &[u8]) -> Result<Lines, InputError> {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    const STRETCH: usize = 64 * lines::BLOCK;
    let bad = AtomicBool::new(false);
    let blocks: Vec<lines::BlockCount> = (0..body.len().div_ceil(STRETCH))
        .into_par_iter()
        .flat_map_iter(|k| {
            let (a, b) = (k * STRETCH, ((k + 1) * STRETCH).min(body.len()));
            let stretch = body.get(a..b).unwrap_or_default();
            let counted: Vec<_> = stretch.chunks(lines::BLOCK).map(lines::block).collect();
            if !piece_is_utf8(body, k, STRETCH) {
                bad.store(true, Ordering::Relaxed);
            }
            counted
        })
        .collect();
    if bad.into_inner() {
        check_utf8(name, body)?;
    }
    Ok(Lines::from_blocks(blocks.into_iter()))
}

/// Whether `body` is UTF-8, checked in pieces of 16 MiB on every core with `simdutf8` (its
/// SIMD code is chosen at run time: 1.8 GB in 130 ms on one core here, against 210 ms for
/// `std::str::from_utf8`). The error of invalid text comes from the whole check after this.
fn is_utf8_parallel(body: &[u8]) -> bool {
    use rayon::prelude::*;
    const PIECE: usize = 16 << 20;
    (0..body.len().div_ceil(PIECE))
        .into_par_iter()
        .all(|k| piece_is_utf8(body, k, PIECE))
}

/// Whether piece `k` of `body`, cut every `size` bytes, is UTF-8. A piece starts where [`cut`]
/// puts it, so the text is valid exactly when every piece is.
fn piece_is_utf8(body: &[u8], k: usize, size: usize) -> bool {
    let piece = body.get(cut(body, k * size)..cut(body, (k + 1) * size));
    piece.is_some_and(|p| simdutf8::basic::from_utf8(p).is_ok())
}

/// Where a piece of `body` that is checked on its own starts, for a cut wanted at `at`: the
/// first byte from `at` on that is not a continuation byte, or the fifth (no valid text has
/// four continuation bytes in a row, so the piece before it is invalid then). The first piece
/// starts at 0, whatever the byte there; a cut past the end is the end.
fn cut(body: &[u8], at: usize) -> usize {
    if at == 0 {
        return 0;
    }
    let mut c = at;
    while c < at + 4 && body.get(c).is_some_and(|&b| b & 0xC0 == 0x80) {
        c += 1;
    }
    c.min(body.len())
}

/// Transcodes UTF-16 (after its BOM) to UTF-8. An odd byte count or an unpaired surrogate is an
/// error at its line and column.
pub(super) fn utf16_to_utf8(
    name: &str,
    body: &[u8],
    little_endian: bool,
) -> Result<Vec<u8>, InputError> {
    let units = body.as_chunks::<2>().0.iter().map(|&pair| {
        if little_endian {
            u16::from_le_bytes(pair)
        } else {
            u16::from_be_bytes(pair)
        }
    });
    // ASCII text halves; the rest is rare in a tenant export.
    let mut out = Vec::with_capacity(body.len() / 2 + body.len() / 16);
    let mut buf = [0u8; 4];
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) if c.is_ascii() => out.push(c as u8),
            Ok(c) => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
            Err(e) => {
                return Err(at_end(
                    name,
                    &out,
                    format!(
                        "invalid UTF-16: unpaired surrogate 0x{:04X}",
                        e.unpaired_surrogate()
                    ),
                ));
            }
        }
    }
    if body.len() % 2 == 1 {
        return Err(at_end(
            name,
            &out,
            "invalid UTF-16: the file ends in the middle of a character (is it truncated?)".into(),
        ));
    }
    Ok(out)
}

/// An error located just after the text transcoded so far.
fn at_end(name: &str, done: &[u8], message: String) -> InputError {
    InputError {
        pos: Some(line_col_chars(done, done.len())),
        path: Some(path_at(done, done.len())),
        file: name.to_owned(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_utf8_check_agrees_with_the_whole_check() {
        // Multi-byte characters across every cut point (16 MiB apart).
        let valid = "aé€😀".repeat((40 << 20) / 10).into_bytes();
        assert!(is_utf8_parallel(&valid));
        let piece = 16usize << 20;
        for at in [
            0,
            1,
            piece - 1,
            piece,
            piece + 1,
            piece + 2,
            2 * piece + 3,
            valid.len() - 1,
        ] {
            for bad in [0xFFu8, 0x80, 0xE2] {
                let mut v = valid.clone();
                v[at] = bad;
                assert_eq!(
                    is_utf8_parallel(&v),
                    std::str::from_utf8(&v).is_ok(),
                    "byte 0x{bad:02X} at {at}"
                );
            }
        }
        // Continuation bytes in a row across a cut.
        let mut v = vec![b'a'; 2 * piece];
        v[piece - 2..piece + 4].fill(0x80);
        assert!(!is_utf8_parallel(&v));
    }

    #[test]
    fn utf8_check_with_lines_agrees_with_the_check_and_the_count() {
        // Lines of many lengths and multi-byte characters across the 256 KB stretches.
        let mut text = String::new();
        let mut n = 0;
        while text.len() < 1 << 20 {
            text.push_str(&"aé€😀\n".repeat(n % 7));
            text.push_str(&"x".repeat(n * 37 % 5000));
            n += 1;
        }
        let valid = text.into_bytes();
        let lines = check_utf8_lines("f", &valid).unwrap();
        assert_eq!(lines, Lines::build(&valid));
        let stretch = 64 * lines::BLOCK;
        for at in [
            0,
            1,
            stretch - 1,
            stretch,
            stretch + 1,
            3 * stretch + 2,
            valid.len() - 1,
        ] {
            for bad in [0xFFu8, 0x80, 0xE2] {
                let mut v = valid.clone();
                v[at] = bad;
                let whole = check_utf8("f", &v).map_err(|e| e.to_string());
                let with_lines = check_utf8_lines("f", &v).map_err(|e| e.to_string());
                assert_eq!(with_lines.map(|_| ()), whole, "byte 0x{bad:02X} at {at}");
            }
        }
    }

    fn utf16(s: &str, le: bool, bom: bool) -> Vec<u8> {
        let mut v = Vec::new();
        if bom {
            v.extend(if le { [0xFF, 0xFE] } else { [0xFE, 0xFF] });
        }
        for u in s.encode_utf16() {
            v.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        v
    }

    #[test]
    fn detects_boms_and_zero_patterns() {
        let text = "{\"a\": \"é😀\"}";
        for le in [true, false] {
            for bom in [true, false] {
                let b = utf16(text, le, bom);
                let Ok(Encoding::Utf16 {
                    little_endian,
                    bom: n,
                }) = detect(&b)
                else {
                    panic!("{le} {bom}: {:?}", detect(&b));
                };
                assert_eq!((little_endian, n), (le, if bom { 2 } else { 0 }));
                let out = utf16_to_utf8("f", &b[n..], le).unwrap();
                assert_eq!(std::str::from_utf8(&out).unwrap(), text);
            }
        }
        assert_eq!(detect(b"\xEF\xBB\xBF{}"), Ok(Encoding::Utf8 { bom: 3 }));
        assert_eq!(detect(b"{}"), Ok(Encoding::Utf8 { bom: 0 }));
        assert_eq!(detect(b" "), Ok(Encoding::Utf8 { bom: 0 }));
        for (b, name) in [
            (&b"\x00\x00\xFE\xFF\x00\x00\x00{"[..], "UTF-32 BE"),
            (b"\xFF\xFE\x00\x00{\x00\x00\x00", "UTF-32 LE"),
            (b"+/v8-", "UTF-7"),
            (b"\x84\x31\x95\x33{", "GB 18030"),
            (b"{\x00\x00\x00", "UTF-32"),
            (b"\x00\x00\x00{", "UTF-32"),
            (b"\x00\x00", "zero byte"),
        ] {
            let e = detect(b).unwrap_err();
            assert!(e.contains(name), "{e}");
        }
    }

    #[test]
    fn utf16_errors_are_located() {
        // An unpaired high surrogate on line 2, after 3 characters.
        let mut b = utf16("{\n\"é\"", true, false);
        b.extend(0xD800u16.to_le_bytes());
        b.extend(utf16("x}", true, false));
        let e = utf16_to_utf8("f.json", &b, true).unwrap_err();
        assert_eq!(
            e.to_string(),
            "f.json:2:4: at é: invalid UTF-16: unpaired surrogate 0xD800"
        );
        let mut b = utf16("{}", true, false);
        b.push(b' ');
        let e = utf16_to_utf8("f.json", &b, true).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("f.json:1:3: invalid UTF-16: the file ends")
        );
    }

    #[test]
    fn invalid_utf8_names_the_byte() {
        let e = check_utf8("f", b"{\"a\": \"Ren\xe9\"}").unwrap_err();
        assert!(
            e.message.contains("0xE9") && e.message.contains("Windows-1252"),
            "{e}"
        );
        // A broken multi-byte sequence is not called a code page.
        let e = check_utf8("f", b"{\"a\": \"\xe2\x82\"}").unwrap_err();
        assert!(!e.message.contains("Windows-1252"), "{e}");
        assert!(check_utf8("f", "{\"a\": \"é\"}".as_bytes()).is_ok());
    }
}
