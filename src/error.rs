//! Errors that stop a run (exit code 2). Findings are not errors.

use std::fmt;

/// A problem with an input snapshot, located as precisely as the input allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file (or `<stdin>`) as the user named it.
    pub file: String,
    /// 1-based line and column, when the problem is at a place in the text.
    pub pos: Option<(usize, usize)>,
    /// The JSON path of the value at fault (`users[3].assignedLicenses[0].skuId`).
    pub path: Option<String>,
    pub message: String,
}

impl InputError {
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            file: file.into(),
            pos: None,
            path: None,
            message: message.into(),
        }
    }
}

/// Writes `s` with control characters escaped, so that an error stays on one line.
fn one_line(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    for c in s.chars() {
        if c.is_control() {
            write!(f, "{}", c.escape_default())?;
        } else {
            write!(f, "{c}")?;
        }
    }
    Ok(())
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        one_line(f, &self.file)?;
        if let Some((l, c)) = self.pos {
            write!(f, ":{l}:{c}")?;
        }
        match self.path.as_deref() {
            Some("") | None => {}
            Some(p) => {
                f.write_str(": at ")?;
                one_line(f, p)?;
            }
        }
        f.write_str(": ")?;
        one_line(f, &self.message)
    }
}

impl std::error::Error for InputError {}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Input(#[from] InputError),
    #[error("{0}")]
    Usage(String),
    /// `tenantlint export` could not finish: a request that failed for good (the URL, the
    /// status and Graph's error code; never the token).
    #[error("{0}")]
    Export(String),
    #[error("cannot write {path}: {source}")]
    Output {
        path: String,
        source: std::io::Error,
    },
}
