//! Reporters: one per output format, behind one `match`. They render findings, not input.

mod csv;
pub mod diff;
mod github;
mod html;
mod json;
mod junit;
mod markdown;
pub mod rules;
mod sarif;
mod text;

use crate::engine::RunResult;
use crate::model::{CollectionKind, Place, Tenant};
use crate::rules::{Finding, Severity};
use std::io::{self, Write};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    Text,
    Json,
    Csv,
    Junit,
    Markdown,
    Sarif,
    Github,
    Html,
}

impl Format {
    /// Every report format. Tests and the fuzz targets render each of them, so a format added
    /// here is covered at once; a test in `cli.rs` fails if the command line offers a format
    /// that is missing from this list.
    pub const ALL: [Format; 8] = [
        Format::Text,
        Format::Json,
        Format::Csv,
        Format::Junit,
        Format::Markdown,
        Format::Sarif,
        Format::Github,
        Format::Html,
    ];

    /// Whether the format places findings at lines of the snapshot (SARIF, GitHub
    /// annotations): a run that writes one has the load build each file's line index.
    pub fn places_findings(self) -> bool {
        matches!(self, Format::Sarif | Format::Github)
    }

    /// The name `--format` and `--report` take.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Html => "html",
        }
    }
}

/// Where "now" came from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NowSource {
    Option,
    ExportedAt,
    Clock,
}

impl NowSource {
    pub fn as_str(self) -> &'static str {
        match self {
            NowSource::Option => "option",
            NowSource::ExportedAt => "exportedAt",
            NowSource::Clock => "clock",
        }
    }
}

/// One checked snapshot, ready to render.
pub struct Report<'a> {
    /// The snapshot as the user named it.
    pub source: &'a str,
    pub tenant: &'a Tenant,
    pub now: i64,
    pub now_source: NowSource,
    pub result: &'a RunResult,
}

impl Report<'_> {
    pub fn count(&self, s: Severity) -> usize {
        self.result
            .findings
            .iter()
            .filter(|f| f.severity == s)
            .count()
    }

    /// Objects per collection, in snapshot-key order.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        let t = self.tenant;
        CollectionKind::ALL
            .iter()
            .map(|k| {
                let n = match k {
                    CollectionKind::Users => t.users.items.len(),
                    CollectionKind::Groups => t.groups.items.len(),
                    CollectionKind::Contacts => t.contacts.items.len(),
                    CollectionKind::SubscribedSkus => t.skus.items.len(),
                    CollectionKind::Domains => t.domains.items.len(),
                    CollectionKind::DirectoryRoles => t.directory_roles.items.len(),
                    CollectionKind::RoleAssignments => t.role_assignments.items.len(),
                    CollectionKind::Applications => t.applications.items.len(),
                    CollectionKind::ServicePrincipals => t.service_principals.items.len(),
                    CollectionKind::UserRegistrationDetails => t.registrations.items.len(),
                };
                (k.key(), n)
            })
            .collect()
    }

    pub fn now_rfc3339(&self) -> String {
        rfc3339(self.now)
    }
}

pub fn rfc3339(secs: i64) -> String {
    jiff::Timestamp::from_second(secs).map_or_else(|_| secs.to_string(), |t| t.to_string())
}

/// Where each finding's object and related objects were read (for SARIF and GitHub
/// annotations): found through the model's indexes, then placed with each file's line index
/// ([`Tenant::places`]).
struct Places<'t> {
    places: Vec<Option<Place<'t>>>,
    /// Where each finding's entries start in `places`: its object, then its related objects.
    starts: Vec<usize>,
}

impl<'t> Places<'t> {
    /// The places of the report's findings' own objects, not their related ones (GitHub
    /// annotations point at one place each).
    fn objects(r: &Report<'t>) -> Places<'t> {
        Places::placed(r.tenant, &r.result.findings, false)
    }

    /// The places of `findings`' objects and related objects in `tenant`.
    fn of_findings<'f>(
        tenant: &'t Tenant,
        findings: impl IntoIterator<Item = &'f Finding>,
    ) -> Places<'t> {
        Places::placed(tenant, findings, true)
    }

    /// The places of `findings`' objects in `tenant`, and of their related objects when
    /// `related` is set (else [`Places::related`] is empty).
    fn placed<'f>(
        tenant: &'t Tenant,
        findings: impl IntoIterator<Item = &'f Finding>,
        related: bool,
    ) -> Places<'t> {
        let findings = findings.into_iter();
        let mut starts = Vec::with_capacity(findings.size_hint().0 + 1);
        let mut objects = Vec::new();
        for f in findings {
            starts.push(objects.len());
            objects.push((f.object.kind, f.object.id.as_str()));
            if related {
                objects.extend(f.related.iter().map(|o| (o.kind, o.id.as_str())));
            }
        }
        starts.push(objects.len());
        let found = tenant.locate(objects);
        let locs: Vec<_> = found.iter().flatten().copied().collect();
        let mut placed = tenant.places(&locs).into_iter();
        let places = found
            .iter()
            .map(|l| l.and_then(|_| placed.next().flatten()))
            .collect();
        Places { places, starts }
    }

    fn range(&self, i: usize) -> &[Option<Place<'t>>] {
        let (Some(&a), Some(&b)) = (self.starts.get(i), self.starts.get(i + 1)) else {
            return &[];
        };
        self.places.get(a..b).unwrap_or_default()
    }

    /// Where finding `i`'s object is.
    fn of(&self, i: usize) -> Option<Place<'t>> {
        self.range(i).first().copied().flatten()
    }

    /// Where finding `i`'s related objects are, in their order.
    fn related(&self, i: usize) -> &[Option<Place<'t>>] {
        self.range(i).get(1..).unwrap_or_default()
    }
}

/// Each rule's findings, in code order: the findings are sorted by rule code, so each rule's
/// are one run of them.
fn by_rule(findings: &[Finding]) -> Vec<(&'static crate::rules::RuleMeta, &[Finding])> {
    let mut groups = Vec::new();
    let mut rest = findings;
    while let Some(first) = rest.first() {
        let n = rest.partition_point(|f| f.rule.code == first.rule.code);
        let (mine, tail) = rest.split_at(n);
        groups.push((first.rule, mine));
        rest = tail;
    }
    groups
}

/// What one exemption did in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExemptionState {
    /// It covers this many findings.
    Applied(usize),
    /// Past its `expires`: it no longer applies.
    Expired,
    /// In force, but no finding matches it.
    Stale,
}

impl ExemptionState {
    pub fn label(self) -> String {
        match self {
            ExemptionState::Applied(n) => format!("exempts {}", plural(n, "finding", "findings")),
            ExemptionState::Expired => "expired: no longer applies".into(),
            ExemptionState::Stale => "stale: matches no finding".into(),
        }
    }
}

impl Report<'_> {
    /// Each exemption of the run, in file order, with what it did.
    pub fn exemption_states(&self) -> Vec<(&crate::config::Exemption, ExemptionState)> {
        let ex = &self.result.exemptions;
        let mut applied = vec![0usize; ex.exemptions.len()];
        for (_, i) in &ex.exempted {
            if let Some(n) = applied.get_mut(*i) {
                *n += 1;
            }
        }
        ex.exemptions
            .iter()
            .zip(applied)
            .enumerate()
            .map(|(i, (e, n))| {
                let state = if ex.expired.contains(&i) {
                    ExemptionState::Expired
                } else if n == 0 {
                    ExemptionState::Stale
                } else {
                    ExemptionState::Applied(n)
                };
                (e, state)
            })
            .collect()
    }

    /// `; 2 exempted; 31 baselined, 1 fixed`, or nothing without exemptions or a baseline.
    pub fn accepted_note(&self) -> String {
        let mut s = String::new();
        if self.result.exemptions.any() {
            s.push_str(&format!(
                "; {} exempted",
                self.result.exemptions.exempted.len()
            ));
        }
        if let Some(b) = &self.result.baseline {
            s.push_str(&format!(
                "; {} baselined, {} fixed",
                b.baselined,
                b.fixed.len()
            ));
        }
        s
    }
}

/// An exemption as one line: `reason (until 2027-01-31; tenantlint.toml:13)`.
pub fn exemption_note(e: &crate::config::Exemption) -> String {
    match &e.expires {
        Some((d, _)) => format!("{} (until {d}; {})", e.reason, e.origin),
        None => format!("{} ({})", e.reason, e.origin),
    }
}

/// `3 findings`, `1 finding`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// An object as one line of plain text: `user AdeleV@contoso.com (87d349ed-…)`.
pub fn object_label(o: &crate::rules::Object) -> String {
    format!("{} {} ({})", o.kind.as_str(), o.name, o.id)
}

/// A stable fingerprint of a finding: FNV-1a 64 over rule code, object id and key.
pub fn fingerprint(f: &Finding) -> String {
    format!("{:016x}", fingerprint_u64(f))
}

/// [`fingerprint`]'s sixteen hex digits, without allocating.
fn fingerprint_hex(f: &Finding) -> [u8; 16] {
    let h = fingerprint_u64(f);
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        let d = ((h >> (60 - 4 * i)) & 15) as u8;
        *b = if d < 10 { b'0' + d } else { b'a' + d - 10 };
    }
    out
}

/// The number whose sixteen hex digits are [`fingerprint`].
pub(crate) fn fingerprint_u64(f: &Finding) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [f.rule.code, f.object.id.as_str(), f.key.as_str()] {
        for b in part.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// How many findings ahead a reporter's loop asks for the text of (see [`prefetch`]).
const AHEAD: usize = 4;

/// Asks the CPU to start loading the text of `f` (a hint, no effect on the output). Each
/// finding's strings were allocated by whichever rule task made it, so after the sort they lie
/// anywhere in the heap: the first read of each is a cache miss. Rendering 102k findings as
/// JSON spent 70 % of its time escaping in the first load of each string; asking a few
/// findings ahead halved the rendering (27-30 → 14-17 ms).
fn prefetch(f: &Finding) {
    use crate::model::prefetch_slice;
    prefetch_slice(f.message.as_bytes());
    prefetch_slice(f.object.id.as_bytes());
    prefetch_slice(f.object.name.as_bytes());
    prefetch_slice(f.key.as_bytes());
    prefetch_slice(&f.related);
}

/// Renders the reports in the chosen format.
pub fn write(format: Format, reports: &[Report], w: &mut dyn Write, color: bool) -> io::Result<()> {
    match format {
        Format::Text => text::write(reports, w, color),
        Format::Json => json::write(reports, w),
        Format::Csv => csv::write(reports, w),
        Format::Junit => junit::write(reports, w),
        Format::Markdown => markdown::write(reports, w),
        Format::Sarif => sarif::write(reports, w),
        Format::Github => github::write(reports, w),
        Format::Html => html::write(reports, w),
    }
}
