//! `--format github`: GitHub Actions workflow commands, one annotation per finding.
//!
//! `::error file=…,line=…,endLine=…,title=LIC001 missing-usage-location::message` puts the
//! finding on the lines of the object's JSON in the pull request's diff. Each snapshot starts
//! with one `::notice` that counts its findings: GitHub shows only the first 10 annotations of
//! each level per step (50 per job), so the count is shown even when the findings are not
//! (`docs/ci.md`). The file is an absolute path, which the runner turns into a path relative
//! to the repository, whatever the step's working directory. Columns are given only when the
//! object is on one line (a minified file): GitHub drops them on a range of lines. Values are
//! escaped as the runner reads them (`%`, CR and LF everywhere; `:` and `,` in properties), so
//! tenant text can never end a command or start another.

use super::{ExemptionState, Places, Report, plural};
use crate::model::Place;
use crate::rules::{Finding, Object, Severity};
use rayon::prelude::*;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// A command's message: `%`, CR and LF escaped.
fn data(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    data_into(&mut out, s);
    // Only ASCII bytes were replaced, by ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// Appends `s` with `%`, CR and LF escaped ([`data`]).
fn data_into(out: &mut Vec<u8>, s: &str) {
    let mut rest = s.as_bytes();
    while let Some(i) = memchr::memchr3(b'%', b'\r', b'\n', rest) {
        let (head, tail) = rest.split_at(i);
        out.extend_from_slice(head);
        out.extend_from_slice(match tail.first() {
            Some(b'%') => b"%25",
            Some(b'\r') => b"%0D",
            _ => b"%0A",
        });
        rest = tail.get(1..).unwrap_or_default();
    }
    out.extend_from_slice(rest);
}

/// Appends [`object_label`](super::object_label) of `o` as [`data`], part by part (an escape is one byte: escaping
/// the parts is escaping the whole).
fn label_into(out: &mut Vec<u8>, o: &Object) {
    data_into(out, o.kind.as_str());
    out.push(b' ');
    data_into(out, &o.name);
    out.extend_from_slice(b" (");
    data_into(out, &o.id);
    out.push(b')');
}

/// A property value: as [`data`], and `:` and `,` too.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `path` made absolute against `cwd` and `.`/`..` resolved by name (links are not followed:
/// the runner compares the path with the workspace by name too).
fn absolute(path: &Path, cwd: Option<&Path>) -> PathBuf {
    let joined = match cwd {
        Some(c) if path.is_relative() => c.join(path),
        _ => path.to_path_buf(),
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Appends `file=…,line=…` for a place in a file (nothing for standard input); `file` is the
/// place's file as a property, made once per file (see [`File`]).
fn location<'p>(
    out: &mut Vec<u8>,
    place: Option<Place<'p>>,
    file: &mut File<'p>,
    cwd: Option<&Path>,
) {
    let Some(Place {
        file: Some(path),
        line,
        column,
        end_line,
        end_column,
    }) = place
    else {
        return;
    };
    let file = file.of(path, cwd);
    // Writing to a Vec cannot fail.
    let _ = if line == end_line {
        write!(
            out,
            "file={file},line={line},col={column},endColumn={end_column},"
        )
    } else {
        write!(out, "file={file},line={line},endLine={end_line},")
    };
}

/// The last file a finding was placed in, as a `file=` property: a report's findings are in
/// one file, or a few in a row.
#[derive(Default)]
struct File<'p> {
    last: Option<(&'p Path, String)>,
}

impl<'p> File<'p> {
    fn of(&mut self, path: &'p Path, cwd: Option<&Path>) -> &str {
        if self.last.as_ref().is_none_or(|(p, _)| *p != path) {
            let s = property(&absolute(path, cwd).to_string_lossy());
            self.last = Some((path, s));
        }
        self.last.as_ref().map_or("", |(_, s)| s)
    }
}

pub fn write(reports: &[Report], w: &mut dyn Write) -> io::Result<()> {
    let cwd = std::env::current_dir().ok();
    let cwd = cwd.as_deref();
    for r in reports {
        let findings = &r.result.findings;
        let mut summary = format!(
            "{}: {} ({}, {}, {} info); {} run, {} skipped{}",
            r.source,
            plural(findings.len(), "finding", "findings"),
            plural(r.count(Severity::Error), "error", "errors"),
            plural(r.count(Severity::Warning), "warning", "warnings"),
            r.count(Severity::Info),
            plural(r.result.ran.len(), "rule", "rules"),
            r.result.skipped.len(),
            r.accepted_note(),
        );
        for s in &r.result.skipped {
            summary.push_str(&format!(
                "\nskipped {} {}: {}",
                s.rule.code, s.rule.name, s.reason
            ));
        }
        if findings.len() > 10 {
            summary.push_str(
                "\nGitHub shows at most 10 annotations of each level per step: the step summary \
                 (--format markdown) and code scanning (--format sarif) have every finding",
            );
        }
        writeln!(w, "::notice title=tenantlint::{}", data(&summary))?;
        // An expired or stale exemption, on its line of the configuration file.
        for (e, state) in r.exemption_states() {
            if matches!(state, ExemptionState::Applied(_)) {
                continue;
            }
            let at = e
                .origin
                .rsplit_once(':')
                .map_or(String::new(), |(file, line)| {
                    let file = absolute(Path::new(file), cwd);
                    format!("file={},line={line},", property(&file.to_string_lossy()))
                });
            writeln!(
                w,
                "::warning {at}title=tenantlint exemption::{}",
                data(&format!(
                    "exemption of {} for {} is {}",
                    e.rule.code,
                    e.object,
                    state.label()
                ))
            )?;
        }
        let places = Places::objects(r);
        // The annotations of 1,024 findings at a time on every core, a window at a time.
        for (n, window) in findings.chunks(WINDOW).enumerate() {
            let parts: Vec<Vec<u8>> = window
                .par_chunks(TASK)
                .enumerate()
                .map(|(k, chunk)| annotations(n * WINDOW + k * TASK, chunk, &places, cwd))
                .collect();
            for p in parts {
                w.write_all(&p)?;
            }
        }
    }
    Ok(())
}

/// Findings annotated at a time (on every core, in tasks of [`TASK`]).
const WINDOW: usize = 8 * 1024;
const TASK: usize = 1024;

/// The annotation lines of `chunk`, the findings from number `first` on.
fn annotations(first: usize, chunk: &[Finding], places: &Places, cwd: Option<&Path>) -> Vec<u8> {
    let mut out = Vec::with_capacity(chunk.len() * 320);
    let mut file = File::default();
    // The title of the rule at hand (findings come sorted by rule).
    let mut title: Option<(&str, String)> = None;
    for (i, f) in (first..).zip(chunk) {
        out.extend_from_slice(b"::");
        out.extend_from_slice(command(f.severity).as_bytes());
        out.push(b' ');
        location(&mut out, places.of(i), &mut file, cwd);
        if title.as_ref().is_none_or(|(code, _)| *code != f.rule.code) {
            let t = property(&format!("{} {}", f.rule.code, f.rule.name));
            title = Some((f.rule.code, t));
        }
        out.extend_from_slice(b"title=");
        out.extend_from_slice(title.as_ref().map_or("", |t| &t.1).as_bytes());
        out.extend_from_slice(b"::");
        data_into(&mut out, &f.message);
        out.extend_from_slice(b"%0A");
        label_into(&mut out, &f.object);
        for o in &f.related {
            out.extend_from_slice(b"%0Arelated: ");
            label_into(&mut out, o);
        }
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{File, absolute, data, location, property};
    use crate::model::Place;
    use std::path::{Path, PathBuf};

    #[test]
    fn values_are_escaped_as_the_runner_reads_them() {
        assert_eq!(data("50% off\r\n::error::x"), "50%25 off%0D%0A::error::x");
        assert_eq!(property("C:\\a,b%\nc"), "C%3A\\a%2Cb%25%0Ac".to_owned());
    }

    #[test]
    fn paths_are_absolute_and_resolved_by_name() {
        let cwd = Path::new("/w/repo");
        assert_eq!(
            absolute(Path::new("./snap/../snap/users.json"), Some(cwd)),
            PathBuf::from("/w/repo/snap/users.json")
        );
        assert_eq!(
            absolute(Path::new("/tmp/x.json"), Some(cwd)),
            PathBuf::from("/tmp/x.json")
        );
    }

    #[test]
    fn columns_only_on_one_line() {
        let p = |file, line, end_line| Place {
            file: Some(Path::new(file)),
            line,
            column: 3,
            end_line,
            end_column: 9,
        };
        let mut file = File::default();
        let mut location = |place| {
            let mut out = Vec::new();
            location(&mut out, place, &mut file, None);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            location(Some(p("/w/u.json", 4, 9))),
            "file=/w/u.json,line=4,endLine=9,"
        );
        assert_eq!(
            location(Some(p("/w/u.json", 1, 1))),
            "file=/w/u.json,line=1,col=3,endColumn=9,"
        );
        // Another file, then the first again: each named as itself.
        assert_eq!(
            location(Some(p("/w/a:b,c.json", 2, 2))),
            "file=/w/a%3Ab%2Cc.json,line=2,col=3,endColumn=9,"
        );
        assert_eq!(
            location(Some(p("/w/u.json", 4, 9))),
            "file=/w/u.json,line=4,endLine=9,"
        );
        let stdin = Place {
            file: None,
            ..p("/w/u.json", 1, 1)
        };
        assert_eq!(location(Some(stdin)), "");
        assert_eq!(location(None), "");
    }
}
