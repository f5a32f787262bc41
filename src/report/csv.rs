//! CSV: one row per finding, for spreadsheets and pivot tables.
//!
//! RFC 4180 quoting (the `csv` crate), UTF-8 with a byte order mark so that Excel reads it as
//! UTF-8, CRLF row ends. The first column names the snapshot, so several snapshots share one
//! file. Related objects are one cell: `type name (id)`, separated by `; `. A cell of tenant
//! text that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so
//! that a spreadsheet shows a display name such as `=HYPERLINK(…)` instead of running it
//! (OWASP's advice on CSV injection). Exempted findings follow a snapshot's findings, with
//! their exemption (reason, end date, where it is written) in the last column, empty for the
//! others.

use super::{Report, exemption_note, fingerprint, object_label};
use crate::rules::Finding;
use rayon::prelude::*;
use std::borrow::Cow;
use std::io::{self, Write};

const HEADER: [&str; 11] = [
    "snapshot",
    "rule",
    "name",
    "severity",
    "object_type",
    "object_id",
    "object_name",
    "message",
    "related",
    "fingerprint",
    "exemption",
];

/// A cell of text from the tenant, kept from being read as a formula.
pub(super) fn text(s: &str) -> Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}

/// The settings of every CSV report's rows: CRLF rows.
fn builder() -> csv::WriterBuilder {
    let mut b = csv::WriterBuilder::new();
    b.terminator(csv::Terminator::CRLF);
    b
}

/// A CSV writer as every CSV report starts: UTF-8 byte order mark (for Excel), CRLF rows.
pub(super) fn writer(w: &mut dyn Write) -> io::Result<csv::Writer<&mut dyn Write>> {
    w.write_all("\u{feff}".as_bytes())?;
    Ok(builder().from_writer(w))
}

/// The cells of a finding read from `source`, in the order of [`HEADER`]'s first ten columns
/// (borrowed but for the related objects, the fingerprint and a guarded formula).
pub(super) fn finding_cells<'a>(source: &'a str, f: &'a Finding) -> [Cow<'a, str>; 10] {
    let related = match f.related.as_slice() {
        [] => Cow::Borrowed(""),
        related => {
            let labels: Vec<String> = related.iter().map(object_label).collect();
            Cow::Owned(text(&labels.join("; ")).into_owned())
        }
    };
    [
        text(source),
        Cow::Borrowed(f.rule.code),
        Cow::Borrowed(f.rule.name),
        Cow::Borrowed(f.severity.as_str()),
        Cow::Borrowed(f.object.kind.as_str()),
        text(&f.object.id),
        text(&f.object.name),
        text(&f.message),
        related,
        Cow::Owned(fingerprint(f)),
    ]
}

/// Rows rendered at a time, on every core in tasks of [`TASK`].
const WINDOW: usize = 8 * 1024;
const TASK: usize = 1024;

/// The rows of `rows` (a finding and its exemption note), as [`writer`] writes them after its
/// byte order mark and header.
fn rows(source: &str, rows: &[(&Finding, Option<String>)]) -> io::Result<Vec<u8>> {
    let mut out = builder().from_writer(Vec::with_capacity(rows.len() * 300));
    for (f, note) in rows {
        let note = text(note.as_deref().unwrap_or(""));
        let cells = finding_cells(source, f);
        out.write_record(cells.iter().chain([&note]).map(|c| c.as_bytes()))?;
    }
    out.into_inner().map_err(|e| e.into_error())
}

pub fn write(reports: &[Report], w: &mut dyn Write) -> io::Result<()> {
    let mut out = writer(w)?;
    out.write_record(HEADER)?;
    out.flush()?;
    let w = out.into_inner().map_err(|e| e.into_error())?;
    for r in reports {
        let ex = &r.result.exemptions;
        let exempted = ex.exempted.iter().map(|(f, i)| {
            let note = ex.exemptions.get(*i).map(exemption_note);
            (f, note)
        });
        let all: Vec<(&Finding, Option<String>)> = r
            .result
            .findings
            .iter()
            .map(|f| (f, None))
            .chain(exempted)
            .collect();
        write_rows(w, r.source, &all)?;
    }
    w.flush()
}

/// The rows of `all`, rendered on every core and written in their order.
fn write_rows(
    w: &mut dyn Write,
    source: &str,
    all: &[(&Finding, Option<String>)],
) -> io::Result<()> {
    for window in all.chunks(WINDOW) {
        let parts: Vec<io::Result<Vec<u8>>> = window
            .par_chunks(TASK)
            .map(|chunk| rows(source, chunk))
            .collect();
        for p in parts {
            w.write_all(&p?)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ObjKind;
    use crate::rules::{Object, Severity, registry};

    #[test]
    fn rows_on_every_core_are_the_rows_of_one_writer() {
        let texts = ["plain", "=SUM(A1)", "a, \"quoted\"\r\nline", "", "-1", "é€"];
        let obj = |i: usize| Object {
            kind: [ObjKind::User, ObjKind::Group][i % 2],
            id: texts[i % texts.len()].to_owned(),
            name: texts[(i + 1) % texts.len()].to_owned(),
        };
        let findings: Vec<Finding> = (0..WINDOW + TASK + 7)
            .map(|i| Finding {
                rule: registry()[i % 5].meta(),
                severity: [Severity::Info, Severity::Warning, Severity::Error][i % 3],
                object: obj(i),
                message: texts[(i + 2) % texts.len()].to_owned(),
                related: (0..i % 3).map(obj).collect(),
                key: format!("k{i}"),
                idents: Vec::new(),
            })
            .collect();
        let all: Vec<(&Finding, Option<String>)> = findings
            .iter()
            .enumerate()
            .map(|(i, f)| (f, (i % 4 == 0).then(|| texts[i % texts.len()].to_owned())))
            .collect();
        let mut got = Vec::new();
        write_rows(&mut got, "=snap.json", &all).unwrap();
        let one = rows("=snap.json", &all).unwrap();
        assert_eq!(
            String::from_utf8(got).unwrap(),
            String::from_utf8(one).unwrap()
        );
    }
}
