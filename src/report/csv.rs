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
pub(super) fn text(s: &str) -> std::borrow::Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}

/// A CSV writer as every CSV report starts: UTF-8 byte order mark (for Excel), CRLF rows.
pub(super) fn writer(w: &mut dyn Write) -> io::Result<csv::Writer<&mut dyn Write>> {
    w.write_all("\u{feff}".as_bytes())?;
    Ok(csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(w))
}

/// The cells of a finding read from `source`, in the order of [`HEADER`]'s first ten columns.
pub(super) fn finding_cells(source: &str, f: &Finding) -> [String; 10] {
    let related: Vec<String> = f.related.iter().map(object_label).collect();
    [
        text(source).into_owned(),
        f.rule.code.to_owned(),
        f.rule.name.to_owned(),
        f.severity.as_str().to_owned(),
        f.object.kind.as_str().to_owned(),
        text(&f.object.id).into_owned(),
        text(&f.object.name).into_owned(),
        text(&f.message).into_owned(),
        text(&related.join("; ")).into_owned(),
        fingerprint(f),
    ]
}

pub fn write(reports: &[Report], w: &mut dyn Write) -> io::Result<()> {
    let mut out = writer(w)?;
    out.write_record(HEADER)?;
    for r in reports {
        let ex = &r.result.exemptions;
        let exempted = ex.exempted.iter().map(|(f, i)| {
            let note = ex.exemptions.get(*i).map(exemption_note);
            (f, note)
        });
        for (f, note) in r.result.findings.iter().map(|f| (f, None)).chain(exempted) {
            let note = text(note.as_deref().unwrap_or("")).into_owned();
            out.write_record(finding_cells(r.source, f).iter().chain([&note]))?;
        }
    }
    out.flush()
}
