//! Turning byte offsets into what a person can find: line, column and JSON path.
//! Only error paths call these, so they favour simplicity over speed.

/// 1-based line and column (in bytes, as serde_json counts them) of `offset` in `text`.
pub fn line_col(text: &[u8], offset: usize) -> (usize, usize) {
    let (before, _) = text.split_at(offset.min(text.len()));
    let offset = before.len();
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    (line, offset - line_start + 1)
}

/// 1-based line and column of `offset` in `text`, the column counted in characters: for text
/// transcoded from UTF-16, whose editors count characters, not UTF-8 bytes.
pub fn line_col_chars(text: &[u8], offset: usize) -> (usize, usize) {
    let (line, col) = line_col(text, offset);
    let offset = offset.min(text.len());
    let line_start = offset + 1 - col;
    let chars = text
        .get(line_start..offset)
        .unwrap_or_default()
        .iter()
        .filter(|&&b| b & 0xC0 != 0x80)
        .count();
    (line, chars + 1)
}

/// Byte offset of 1-based `line`/`col` in `text` (serde_json reports column 0 at a line's
/// start in some cases; that maps to the line's first byte).
pub fn offset_of(text: &[u8], line: usize, col: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text
            .get(start..)
            .and_then(|t| t.iter().position(|&b| b == b'\n'))
        {
            Some(p) => start += p + 1,
            None => return text.len(),
        }
    }
    (start + col.saturating_sub(1)).min(text.len())
}

enum Frame {
    Object {
        key: Option<String>,
        expecting_key: bool,
    },
    Array {
        index: usize,
    },
}

/// The JSON path (`users[3].assignedLicenses[0].skuId`) of the value that contains byte
/// `offset`, found by scanning `text` from the start. The root is the empty path.
#[allow(
    clippy::indexing_slicing,
    reason = "every index is checked against text.len() by its loop condition"
)]
pub fn path_at(text: &[u8], offset: usize) -> String {
    let mut stack: Vec<Frame> = Vec::new();
    let end = offset.min(text.len());
    let mut i = 0;
    while i < end {
        match text[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < text.len() && text[i] != b'"' {
                    if text[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if let Some(Frame::Object { key, expecting_key }) = stack.last_mut()
                    && *expecting_key
                {
                    let raw = &text[start..i.min(text.len())];
                    // A key is shown whole up to 80 bytes (no Graph key is longer).
                    let mut k = String::from_utf8_lossy(&raw[..raw.len().min(80)]).into_owned();
                    if raw.len() > 80 {
                        k.push('…');
                    }
                    *key = Some(k);
                    *expecting_key = false;
                }
            }
            b'{' => stack.push(Frame::Object {
                key: None,
                expecting_key: true,
            }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { key, expecting_key }) => {
                    *key = None;
                    *expecting_key = true;
                }
                Some(Frame::Array { index }) => *index += 1,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    // An error reported at an object's closing brace (serde's "missing field") is about the
    // object itself, not about its last property.
    if text.get(end) == Some(&b'}')
        && let Some(Frame::Object { key, .. }) = stack.last_mut()
    {
        *key = None;
    }
    let mut out = String::new();
    // A path through pathological nesting is cut short: its start says where it is.
    const SHOWN: usize = 24;
    for f in stack.iter().take(SHOWN) {
        match f {
            Frame::Object { key: Some(k), .. } => {
                let plain = !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '@' | '$'));
                if plain {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                } else {
                    // `@odata.type`, or a "key" that a broken document made up: quoted, escaped.
                    out.push('[');
                    out.push_str(&serde_json::to_string(k).unwrap_or_default());
                    out.push(']');
                }
            }
            Frame::Object { key: None, .. } => {}
            Frame::Array { index } => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
    if stack.len() > SHOWN {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_line_and_column() {
        let t = b"{\n  \"a\": 1,\n  \"b\": x\n}";
        let off = t.iter().position(|&b| b == b'x').unwrap();
        assert_eq!(line_col(t, off), (3, 8));
        assert_eq!(offset_of(t, 3, 8), off);
    }

    #[test]
    fn finds_paths() {
        let t =
            br#"{"users": [{"id": "1"}, {"id": "2", "assignedLicenses": [{"skuId": "oops"}]}]}"#;
        let off = t.windows(4).position(|w| w == b"oops").unwrap();
        assert_eq!(path_at(t, off), "users[1].assignedLicenses[0].skuId");
        let t = br#"{"a,b": {"c]": [1, 2, "x"]}}"#;
        let off = t.iter().position(|&b| b == b'x').unwrap();
        assert_eq!(path_at(t, off), r#"["a,b"]["c]"][2]"#);
        let t = b"{\"value\": [{\"@odata.type\": 1, \"bad\nkey\": x}]}";
        let off = t.iter().position(|&b| b == b'x').unwrap();
        assert_eq!(path_at(t, off), r#"value[0]["bad\nkey"]"#);
        // At an object's closing brace: the object, not its last property.
        let t = br#"{"users": [{"displayName": "x"}]}"#;
        let off = t.iter().rposition(|&b| b == b'}').unwrap() - 2;
        assert_eq!(t[off], b'}');
        assert_eq!(path_at(t, off), "users[0]");
    }
}
