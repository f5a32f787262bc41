//! A structural JSON scanner: finds where values start and end without building them.
//!
//! The loader uses it to split a snapshot into collection elements quickly (one pass, strings
//! skipped with SIMD `memchr`) and hand each element to serde on another core. It checks the
//! structure it walks (brackets, commas, colons, nesting depth); serde checks each element's
//! contents when it parses them.

/// Deepest nesting accepted, as serde_json's own limit.
pub const MAX_DEPTH: usize = 128;

/// A problem at a byte offset of the scanned text.
#[derive(Debug)]
pub struct ScanError {
    pub offset: usize,
    pub message: String,
}

fn err<T>(offset: usize, message: impl Into<String>) -> Result<T, ScanError> {
    Err(ScanError {
        offset,
        message: message.into(),
    })
}

pub struct Scanner<'a> {
    pub text: &'a str,
    pub pos: usize,
    stack: Vec<u8>,
}

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str) -> Self {
        Scanner {
            text,
            pos: 0,
            stack: Vec::new(),
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    pub fn ws(&mut self) {
        let b = self.bytes();
        while matches!(b.get(self.pos), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.pos += 1;
        }
    }

    /// The next non-whitespace byte, if any (not consumed).
    pub fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.bytes().get(self.pos).copied()
    }

    pub fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// Consumes `c` (after whitespace), or fails saying what was expected.
    pub fn expect(&mut self, c: u8, expected: &str) -> Result<(), ScanError> {
        match self.peek() {
            Some(b) if b == c => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => err(self.pos, format!("invalid JSON: expected {expected}")),
            None => err(
                self.pos,
                format!(
                    "invalid JSON: expected {expected}, found the end of the file (is the file truncated?)"
                ),
            ),
        }
    }

    /// Index just past the closing quote of the string whose content starts at `i`.
    fn string_end(&self, open: usize) -> Result<usize, ScanError> {
        let b = self.bytes();
        let mut i = open + 1;
        loop {
            // Control characters also stop `special`; serde rejects them later, here we step over.
            i = super::fast::special(b, i);
            match b.get(i) {
                Some(b'"') => return Ok(i + 1),
                Some(b'\\') => i += 2,
                Some(_) => i += 1,
                None => break,
            }
            if i > b.len() {
                break;
            }
        }
        err(
            open,
            "invalid JSON: unterminated string (is the file truncated?)",
        )
    }

    /// Reads an object key (a string followed by `:`); returns its raw text between quotes.
    pub fn key(&mut self) -> Result<&'a str, ScanError> {
        match self.peek() {
            Some(b'"') => {}
            Some(_) => {
                return err(
                    self.pos,
                    "invalid JSON: expected a property name in double quotes",
                );
            }
            None => {
                return err(
                    self.pos,
                    "invalid JSON: expected a property name in double quotes, found the end of the file (is the file truncated?)",
                );
            }
        }
        let start = self.pos;
        self.pos = self.string_end(start)?;
        let raw = &self.text[start + 1..self.pos - 1];
        self.expect(b':', "`:` after a property name")?;
        Ok(raw)
    }

    /// After a member of an object or array: consumes `,` (returns true) or `close` (false).
    pub fn next_or_close(&mut self, close: u8, what: &str) -> Result<bool, ScanError> {
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(c) if c == close => {
                self.pos += 1;
                Ok(false)
            }
            Some(_) => err(
                self.pos,
                format!(
                    "invalid JSON: expected `,` or `{}` after {what}",
                    close as char
                ),
            ),
            None => err(
                self.pos,
                format!(
                    "invalid JSON: expected `,` or `{}` after {what}, found the end of the file (is the file truncated?)",
                    close as char
                ),
            ),
        }
    }

    /// Skips one value; returns its text. Nested brackets must match and nest at most
    /// [`MAX_DEPTH`] deep; everything else inside is left for serde to check.
    pub fn value(&mut self) -> Result<&'a str, ScanError> {
        let b = self.bytes();
        let (start, first) = match self.peek() {
            Some(c) => (self.pos, c),
            None => {
                return err(
                    self.pos,
                    "invalid JSON: expected a value, found the end of the file (is the file truncated?)",
                );
            }
        };
        match first {
            b'"' => self.pos = self.string_end(start)?,
            b'{' | b'[' => {
                self.stack.clear();
                let mut i = start;
                loop {
                    // Jump to the next byte that matters.
                    let Some((k, &c)) = b
                        .get(i..)
                        .unwrap_or_default()
                        .iter()
                        .enumerate()
                        .find(|&(_, &c)| matches!(c, b'"' | b'{' | b'[' | b'}' | b']'))
                    else {
                        return err(
                            start,
                            "invalid JSON: unclosed object or array (is the file truncated?)",
                        );
                    };
                    i += k;
                    match c {
                        b'"' => {
                            i = self.string_end(i)?;
                            continue;
                        }
                        open @ (b'{' | b'[') => {
                            if self.stack.len() >= MAX_DEPTH {
                                return err(i, format!("nesting deeper than {MAX_DEPTH} levels"));
                            }
                            self.stack.push(open);
                        }
                        close => {
                            let want = if close == b'}' { b'{' } else { b'[' };
                            if self.stack.pop() != Some(want) {
                                return err(
                                    i,
                                    format!("invalid JSON: unexpected `{}`", close as char),
                                );
                            }
                            if self.stack.is_empty() {
                                self.pos = i + 1;
                                break;
                            }
                        }
                    }
                    i += 1;
                }
            }
            b',' | b':' | b'}' | b']' => {
                return err(
                    start,
                    format!("invalid JSON: expected a value, found `{}`", first as char),
                );
            }
            _ => {
                let k = b
                    .get(start..)
                    .unwrap_or_default()
                    .iter()
                    .position(|&c| {
                        matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t' | b':')
                    })
                    .unwrap_or(b.len() - start);
                self.pos = start + k;
            }
        }
        Ok(&self.text[start..self.pos])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_values_and_reports_structure_errors() {
        let mut s = Scanner::new(r#" {"a": ["x\"]", {"b": 1}], "c": null} tail"#);
        assert_eq!(
            s.value().unwrap(),
            r#"{"a": ["x\"]", {"b": 1}], "c": null}"#
        );
        assert_eq!(s.value().unwrap(), "tail");
        let mut s = Scanner::new(r#"[1, {"a": 2]"#);
        assert!(s.value().unwrap_err().message.contains("unexpected `]`"));
        let deep = "[".repeat(200) + &"]".repeat(200);
        let e = Scanner::new(&deep).value().unwrap_err();
        assert_eq!(
            (e.offset, e.message.as_str()),
            (128, "nesting deeper than 128 levels")
        );
        let e = Scanner::new(r#"{"a": "unterminated"#).value().unwrap_err();
        assert!(e.message.contains("unterminated string"));
    }

    #[test]
    fn reads_keys_and_separators() {
        let mut s = Scanner::new(r#"{"users": [], "x": 1}"#);
        s.expect(b'{', "an object").unwrap();
        assert_eq!(s.key().unwrap(), "users");
        assert_eq!(s.value().unwrap(), "[]");
        assert!(s.next_or_close(b'}', "a property").unwrap());
        assert_eq!(s.key().unwrap(), "x");
        assert_eq!(s.value().unwrap(), "1");
        assert!(!s.next_or_close(b'}', "a property").unwrap());
        assert!(s.at_end());
    }
}
