//! `diff --format csv`: one row per introduced or resolved finding, as `--format csv` writes
//! a finding (UTF-8 with BOM, CRLF, RFC 4180 quoting, tenant text kept from being read as a
//! formula), after a first column saying which: `introduced` rows name NEW as their snapshot,
//! `resolved` rows OLD. Unchanged findings are not rows (the other formats count them).

use super::Diff;
use crate::report::csv::{finding_cells, writer};
use std::io::{self, Write};

const HEADER: [&str; 11] = [
    "change",
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
];

pub fn write(d: &Diff, w: &mut dyn Write) -> io::Result<()> {
    let mut out = writer(w)?;
    out.write_record(HEADER)?;
    let rows = d
        .introduced
        .iter()
        .map(|f| ("introduced", d.new.source, f))
        .chain(d.resolved.iter().map(|f| ("resolved", d.old.source, f)));
    for (change, source, f) in rows {
        let cells = finding_cells(source, f);
        out.write_record(std::iter::once(change).chain(cells.iter().map(|c| c.as_ref())))?;
    }
    out.flush()
}
