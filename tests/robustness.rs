//! What real exports look like besides Graph's own camelCase UTF-8: encodings (UTF-16 from
//! Windows PowerShell), PascalCase from the Graph PowerShell SDK, and Graph's quirks.
//! Each case loads into the same model as the plain fixture (`tests/common::summary`).

mod common;

use common::*;
use std::path::Path;

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn put(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, bytes).unwrap();
    p.display().to_string()
}

fn single() -> String {
    fixture("snapshots/single.json")
}

fn message(spec: &str) -> String {
    match tenantlint::snapshot::load(spec) {
        Ok(_) => panic!("{spec} loaded, expected an error"),
        Err(e) => {
            let m = e.to_string();
            assert!(!m.contains('\n'), "message is not one line: {m:?}");
            m
        }
    }
}

fn utf16(s: &str, little_endian: bool, bom: bool) -> Vec<u8> {
    let mut v = Vec::new();
    if bom {
        v.extend(if little_endian {
            [0xFF, 0xFE]
        } else {
            [0xFE, 0xFF]
        });
    }
    for u in s.encode_utf16() {
        v.extend(if little_endian {
            u.to_le_bytes()
        } else {
            u.to_be_bytes()
        });
    }
    v
}

/// Windows line endings, as PowerShell writes them.
fn crlf(s: &str) -> String {
    s.replace('\n', "\r\n")
}

// ---------------------------------------------------------------------------------------------
// Encodings

#[test]
fn utf16_with_and_without_bom_loads_like_utf8() {
    let text = std::fs::read_to_string(single()).unwrap();
    let want = summary(&load(&single()));
    let dir = tmp();
    for (name, bytes) in [
        ("le-bom.json", utf16(&crlf(&text), true, true)),
        ("be-bom.json", utf16(&text, false, true)),
        ("le.json", utf16(&text, true, false)),
        ("be.json", utf16(&crlf(&text), false, false)),
    ] {
        let p = put(dir.path(), name, bytes);
        assert_eq!(summary(&load(&p)), want, "{name}");
    }
    // And inside gzip, and from memory.
    let t = tenantlint::snapshot::load_bytes("x.json", utf16(&text, true, true)).unwrap();
    assert_eq!(summary(&t), want);
}

#[test]
fn utf16_files_in_a_directory() {
    let from = Path::new(&fixture("snapshots/directory")).to_path_buf();
    let want = summary(&load(&fixture("snapshots/directory")));
    let dir = tmp();
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let target = to.join(e.file_name());
            if e.path().is_dir() {
                copy(&e.path(), &target);
            } else {
                let text = std::fs::read_to_string(e.path()).unwrap();
                std::fs::write(target, utf16(&crlf(&text), true, true)).unwrap();
            }
        }
    }
    copy(&from, dir.path());
    assert_eq!(summary(&load(&dir.path().display().to_string())), want);
}

#[test]
fn utf16_errors_give_the_line_and_the_character_column() {
    let dir = tmp();
    // `é` is two bytes in UTF-8 but one character: the column counts characters.
    let text = "{\r\n  \"tenant\": {\"displayName\": \"Contosé\", \"id\": 5}\r\n}";
    let p = put(dir.path(), "bad.json", utf16(text, true, true));
    assert_eq!(
        message(&p),
        format!("{p}:2:46: at tenant.id: wrong type: integer `5`, expected a string")
    );
}

#[test]
fn unsupported_encodings_are_named() {
    let dir = tmp();
    let mut utf32 = vec![0xFF, 0xFE, 0x00, 0x00];
    for c in "{}".chars() {
        utf32.extend((c as u32).to_le_bytes());
    }
    let p = put(dir.path(), "utf32.json", &utf32);
    assert_eq!(
        message(&p),
        format!(
            "{p}: the file is UTF-32 LE encoded (it starts with a UTF-32 LE byte order mark): tenantlint reads UTF-8 or UTF-16; re-export it as UTF-8 (PowerShell: `… | Out-File -Encoding utf8 FILE`, or `Set-Content -Encoding utf8`)"
        )
    );
    let p = put(dir.path(), "utf7.json", b"+/v8-{}");
    assert!(message(&p).contains("the file is UTF-7 encoded"));
    let p = put(dir.path(), "bin.json", b"\x00\x00\x00\x00");
    assert!(message(&p).contains("starts with a zero byte: it is not JSON text"));
}

#[test]
fn invalid_utf16_is_located() {
    let dir = tmp();
    let mut b = utf16("{\"tenant\": {\"displayName\": \"a", true, true);
    b.extend(0xDC00u16.to_le_bytes());
    b.extend(utf16("\"}}", true, false));
    let p = put(dir.path(), "bad16.json", &b);
    assert_eq!(
        message(&p),
        format!("{p}:1:30: at tenant.displayName: invalid UTF-16: unpaired surrogate 0xDC00")
    );
}
