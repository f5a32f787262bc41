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

use super::{ExemptionState, Places, Report, object_label, plural};
use crate::model::Place;
use crate::rules::Severity;
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
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
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

/// `file=…,line=…` for a place in a file; empty for standard input.
fn location(place: Option<Place>, cwd: Option<&Path>) -> String {
    let Some(Place {
        file: Some(file),
        line,
        column,
        end_line,
        end_column,
    }) = place
    else {
        return String::new();
    };
    let file = property(&absolute(file, cwd).to_string_lossy());
    if line == end_line {
        format!("file={file},line={line},col={column},endColumn={end_column},")
    } else {
        format!("file={file},line={line},endLine={end_line},")
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
        for (i, f) in findings.iter().enumerate() {
            let mut message = format!("{}\n{}", f.message, object_label(&f.object));
            for o in &f.related {
                message.push_str("\nrelated: ");
                message.push_str(&object_label(o));
            }
            writeln!(
                w,
                "::{} {}title={}::{}",
                command(f.severity),
                location(places.of(i), cwd),
                property(&format!("{} {}", f.rule.code, f.rule.name)),
                data(&message)
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{absolute, data, location, property};
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
        let p = |line, end_line| Place {
            file: Some(Path::new("/w/u.json")),
            line,
            column: 3,
            end_line,
            end_column: 9,
        };
        assert_eq!(
            location(Some(p(4, 9)), None),
            "file=/w/u.json,line=4,endLine=9,"
        );
        assert_eq!(
            location(Some(p(1, 1)), None),
            "file=/w/u.json,line=1,col=3,endColumn=9,"
        );
        let stdin = Place {
            file: None,
            ..p(1, 1)
        };
        assert_eq!(location(Some(stdin), None), "");
        assert_eq!(location(None, None), "");
    }
}
