//! Property names as the Graph PowerShell SDK writes them.
//!
//! `Get-MgUser … | ConvertTo-Json` writes `UserPrincipalName`, `AssignedLicenses`, `SkuId`, …
//! (PascalCase), and puts the properties its model does not know under `AdditionalProperties`
//! (`{"Id": "…", "AdditionalProperties": {"@odata.type": "#microsoft.graph.user", …}}`). Graph
//! itself writes camelCase. tenantlint reads both: a key's first letter is compared
//! case-insensitively, and the members of an `AdditionalProperties` object count as members of
//! the object that holds it, at every depth.
//!
//! Both are done by [`normalize`], which rewrites a value's text into a copy **of the same
//! length**: the first letter of every key lower-cased, and `"AdditionalProperties": {` and
//! its closing brace (and a comma, where the object is empty) overwritten with spaces. Byte
//! offsets, lines and columns stay those of the input, so the parsers and every error message
//! work on the copy unchanged. Graph's own camelCase output never needs it: the user parser
//! notices a PascalCase key for free, and [`needs`] is one quick pass for the rest.

use super::fast::special;

/// Deeper values are left to the parser, which rejects them.
const MAX_DEPTH: u32 = 128;

/// Whether the value in `text` has a key that starts with an ASCII capital letter or an
/// `additionalProperties` key (any case of its first letter), at any depth.
pub(super) fn needs(text: &str) -> bool {
    let mut w = Walker::new(text, None);
    w.value(0);
    w.changed
}

/// The same-length rewrite described in the module docs, or `None` when nothing needs it.
/// Malformed JSON is copied as far as it could be walked: the parser then reports it.
pub(super) fn normalize(text: &str) -> Option<String> {
    let mut w = Walker::new(text, Some(text.as_bytes().to_vec()));
    w.value(0);
    let out = w.out?;
    // SAFETY: only ASCII bytes were replaced, by ASCII bytes (a lower-case letter or a space),
    // so the copy is as much UTF-8 as `text` is.
    w.changed
        .then(|| unsafe { String::from_utf8_unchecked(out) })
}

/// A key with its first letter lower-cased when it is an ASCII capital (`Users` → `users`), to
/// match the snapshot's own keys (`users`, `exportedAt`, `value`) in either spelling.
pub(super) fn camel(key: &str) -> std::borrow::Cow<'_, str> {
    match key.as_bytes().first() {
        Some(c) if c.is_ascii_uppercase() => {
            let mut s = key.to_owned();
            s[..1].make_ascii_lowercase();
            std::borrow::Cow::Owned(s)
        }
        _ => std::borrow::Cow::Borrowed(key),
    }
}

/// A tolerant walk over JSON text: it never validates (the parser does), it only finds keys.
struct Walker<'a> {
    b: &'a [u8],
    i: usize,
    /// The copy being rewritten; `None` when only asked whether a rewrite is needed.
    out: Option<Vec<u8>>,
    changed: bool,
}

impl<'a> Walker<'a> {
    fn new(text: &'a str, out: Option<Vec<u8>>) -> Self {
        Walker {
            b: text.as_bytes(),
            i: 0,
            out,
            changed: false,
        }
    }

    /// Stops the walk: a question ([`needs`]) is answered at the first change.
    fn done(&self) -> bool {
        self.changed && self.out.is_none()
    }

    fn ws(&mut self) {
        while self
            .b
            .get(self.i)
            .is_some_and(|c| matches!(c, b' ' | b'\n' | b'\r' | b'\t'))
        {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    /// Skips a string (the cursor on its opening quote); returns the range of its contents.
    fn string(&mut self) -> Option<(usize, usize)> {
        let start = self.i + 1;
        let mut j = start;
        loop {
            j = special(self.b, j);
            match self.b.get(j)? {
                b'"' => break,
                b'\\' => j += 2,
                _ => j += 1, // a control character: the parser will reject it
            }
        }
        self.i = j + 1;
        Some((start, j))
    }

    /// Overwrites `from..to` of the copy with spaces, keeping line breaks.
    fn blank(&mut self, from: usize, to: usize) {
        self.changed = true;
        if let Some(out) = self.out.as_mut() {
            for c in out.get_mut(from..to).into_iter().flatten() {
                if !matches!(*c, b'\n' | b'\r') {
                    *c = b' ';
                }
            }
        }
    }

    fn value(&mut self, depth: u32) -> Option<()> {
        if depth > MAX_DEPTH || self.done() {
            return None;
        }
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' => {
                self.i += 1;
                self.members(depth + 1).map(|_| ())
            }
            b'[' => {
                self.i += 1;
                if self.peek()? == b']' {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.value(depth + 1)?;
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
            _ => {
                // A number or a literal: up to the next structural character.
                while self.b.get(self.i).is_some_and(|c| {
                    !matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
                }) {
                    self.i += 1;
                }
                Some(())
            }
        }
    }

    /// The members of an object up to and including its closing brace (the opening one is
    /// consumed). Returns how many members are left in place (flattened ones count as theirs).
    fn members(&mut self, depth: u32) -> Option<usize> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut kept = 0;
        // The comma before the current member, if it is still in the copy.
        let mut last_comma: Option<usize> = None;
        loop {
            match self.peek()? {
                b'}' => {
                    self.i += 1;
                    return Some(kept);
                }
                b'"' => {}
                _ => return None,
            }
            let key_at = self.i;
            let (ks, ke) = self.string()?;
            let key = self.b.get(ks..ke)?;
            if key.first().is_some_and(u8::is_ascii_uppercase) {
                self.changed = true;
                if let Some(c) = self.out.as_mut().and_then(|o| o.get_mut(ks)) {
                    c.make_ascii_lowercase();
                }
            }
            let additional = key.eq_ignore_ascii_case(b"AdditionalProperties")
                && key.get(1..) == Some(b"dditionalProperties".as_slice());
            if self.peek()? != b':' {
                return None;
            }
            self.i += 1;
            if self.done() {
                return None;
            }
            let removed = if additional {
                if self.peek()? == b'{' {
                    self.blank(key_at, self.i + 1);
                    self.i += 1;
                    let inner = self.members(depth + 1)?;
                    self.blank(self.i - 1, self.i);
                    kept += inner;
                    inner == 0
                } else {
                    // `null` (or anything else): the member goes.
                    self.value(depth)?;
                    self.blank(key_at, self.i);
                    true
                }
            } else {
                self.value(depth)?;
                kept += 1;
                false
            };
            match self.peek()? {
                b',' => {
                    if removed {
                        // Drop the comma after a member that is gone; the one before stays.
                        self.blank(self.i, self.i + 1);
                    } else {
                        last_comma = Some(self.i);
                    }
                    self.i += 1;
                }
                b'}' => {
                    if removed && let Some(c) = last_comma {
                        // A member that is gone was the last: no trailing comma before `}`.
                        self.blank(c, c + 1);
                    }
                    self.i += 1;
                    return Some(kept);
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        let out = normalize(s).unwrap_or_else(|| s.to_owned());
        assert_eq!(out.len(), s.len(), "{s}");
        assert_eq!(needs(s), out != s, "{s}");
        out
    }

    /// The normalised text parses, and equals `want` as JSON.
    fn same(s: &str, want: &str) {
        let out = norm(s);
        let got: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{out:?}: {e}"));
        let want: serde_json::Value = serde_json::from_str(want).unwrap();
        assert_eq!(got, want, "{s} -> {out}");
    }

    #[test]
    fn camel_case_is_left_alone() {
        let s = r#"{"id": "X", "userPrincipalName": "A@b", "proxyAddresses": ["SMTP:A@b"], "@odata.type": "U", "x": {"y": [1, {"z": null}]}}"#;
        assert!(!needs(s));
        assert_eq!(normalize(s), None);
    }

    #[test]
    fn first_letters_are_lower_cased_at_every_depth() {
        same(
            r#"{"Id":"X","AssignedLicenses":[{"SkuId":"S","DisabledPlans":[]}],"Mail":"Ab@c"}"#,
            r#"{"id":"X","assignedLicenses":[{"skuId":"S","disabledPlans":[]}],"mail":"Ab@c"}"#,
        );
        // Values, including strings that look like keys, are not touched.
        same(
            r#"{"A": "B\"C", "D": ["E"]}"#,
            r#"{"a": "B\"C", "d": ["E"]}"#,
        );
    }

    #[test]
    fn additional_properties_are_flattened() {
        same(
            r#"{"Id":"X","AdditionalProperties":{"@odata.type":"u","mail":"m"},"DisplayName":"D"}"#,
            r#"{"id":"X","@odata.type":"u","mail":"m","displayName":"D"}"#,
        );
        same(r#"{"AdditionalProperties":{"a":1}}"#, r#"{"a":1}"#);
        same(
            r#"{"AdditionalProperties":{"a":1},"B":2}"#,
            r#"{"a":1,"b":2}"#,
        );
        same(r#"{"Id":"X","AdditionalProperties":{}}"#, r#"{"id":"X"}"#);
        same(r#"{"AdditionalProperties":{},"Id":"X"}"#, r#"{"id":"X"}"#);
        same(r#"{"AdditionalProperties":{}}"#, r#"{}"#);
        same(
            r#"{"A":1,"AdditionalProperties":null,"B":2}"#,
            r#"{"a":1,"b":2}"#,
        );
        same(r#"{"A":1,"additionalProperties":null}"#, r#"{"a":1}"#);
        same(
            r#"{"A":1,"AdditionalProperties":{"b":2,"AdditionalProperties":{}}}"#,
            r#"{"a":1,"b":2}"#,
        );
        same(
            r#"[{"Licenses":[{"SkuId":"s","AdditionalProperties":{}}],"AdditionalProperties":{"x":[{"AdditionalProperties":{"y":1}}]}}]"#,
            r#"[{"licenses":[{"skuId":"s"}],"x":[{"y":1}]}]"#,
        );
    }

    #[test]
    fn lines_and_offsets_are_kept() {
        let s = "{\r\n    \"Id\":  \"X\",\r\n    \"AdditionalProperties\":  {\r\n        \"a\":  1\r\n    }\r\n}";
        let out = norm(s);
        assert_eq!(out.matches('\n').count(), s.matches('\n').count());
        assert_eq!(out.find("\"a\""), s.find("\"a\""));
        same(s, r#"{"id":"X","a":1}"#);
    }

    #[test]
    fn malformed_input_does_not_panic() {
        for s in [
            "",
            "{",
            "{\"A\"",
            "{\"A\":",
            "{\"A\":1",
            "[{\"A\":1,",
            "{\"AdditionalProperties\":{",
            "{\"AdditionalProperties\":",
            "\"",
            "{\"a\\",
            "{1:2}",
            "{\"A\" 1}",
        ] {
            let _ = needs(s);
            if let Some(out) = normalize(s) {
                assert_eq!(out.len(), s.len());
            }
        }
        let deep = format!("{}{}", "[".repeat(500), "]".repeat(500));
        assert!(!needs(&deep));
    }
}
