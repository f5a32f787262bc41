//! SARIF 2.1.0, for GitHub code scanning, Azure DevOps' Scans tab and every SARIF viewer.
//!
//! One run per snapshot; one result per finding with its rule, level, message, fingerprint, a
//! logical location (the tenant object) and a physical one: the file that holds the object,
//! relative to the working directory as git sees it, and the lines of the object's JSON.
//! `tool.driver.rules` carries every rule with its documentation. Skipped rules are
//! notifications of the run's invocation. GitHub accepts at most [`MAX_RESULTS`] results per
//! run: past that the most severe are kept and a notification says how many were left out
//! (see `docs/ci.md`). No times: the same findings give the same bytes.

use super::{Places, Report, fingerprint};
use crate::model::{ObjKind, Place};
use crate::rules::{Finding, Object, RuleMeta, Severity, registry};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};
use std::io::{self, Write};
use std::path::{Component, Path};

/// Results per run that GitHub code scanning accepts (it rejects an upload with more).
pub const MAX_RESULTS: usize = 25_000;

/// Results rendered per parallel task (at most [`MAX_RESULTS`] are held rendered at once).
const RESULT_CHUNK: usize = 512;

pub(super) const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The rule descriptors, in code order (a result's `ruleIndex` is its rule's position).
pub(super) fn rules() -> Vec<Value> {
    registry()
        .iter()
        .map(|r| {
            let m = r.meta();
            json!({
                "id": m.code,
                "name": m.name,
                "shortDescription": {"text": m.summary},
                "fullDescription": {"text": m.section("What it does").unwrap_or(m.summary)},
                "help": {"text": help_text(m), "markdown": m.doc},
                "defaultConfiguration": {"level": level(m.default_severity())},
                "properties": {"category": m.category.as_str(), "tags": [m.category.as_str()]},
            })
        })
        .collect()
}

/// The help as plain text: why it matters and how to fix it.
fn help_text(m: &RuleMeta) -> String {
    let why = m.section("Why is this bad?").unwrap_or_default();
    let fix = m.section("How to fix").unwrap_or_default();
    format!("{why}\n\nHow to fix: {fix}")
}

pub(super) fn rule_index(code: &str) -> Option<usize> {
    registry().iter().position(|r| r.meta().code == code)
}

/// The collection an object kind lives in, for `fullyQualifiedName`.
fn collection(kind: ObjKind) -> &'static str {
    match kind {
        ObjKind::User => "users",
        ObjKind::Group => "groups",
        ObjKind::Contact => "contacts",
        ObjKind::SubscribedSku => "subscribedSkus",
        ObjKind::Domain => "domains",
        ObjKind::Application => "applications",
        ObjKind::ServicePrincipal => "servicePrincipals",
        ObjKind::Policy => "policies",
        ObjKind::Tenant => "tenant",
    }
}

/// `users/<upn>`, `domains/<name>`, `policies/<key>`; other objects by their id (display
/// names are not unique).
fn logical(o: &Object) -> Logical<'_> {
    let key = match o.kind {
        ObjKind::User | ObjKind::Domain | ObjKind::Policy if !o.name.is_empty() => &o.name,
        _ => &o.id,
    };
    Logical {
        fully_qualified_name: format!("{}/{key}", collection(o.kind)),
        kind: o.kind.as_str(),
        name: &o.name,
    }
}

// The result objects. Their fields are declared in the order of their JSON names, as the
// `serde_json::Value` maps that wrote results before them did (sorted), so that the bytes
// stayed the same.

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Logical<'a> {
    fully_qualified_name: String,
    kind: &'static str,
    name: &'a str,
}

#[derive(Serialize)]
struct Text<T> {
    text: T,
}

#[derive(Serialize)]
struct Uri {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    end_column: usize,
    end_line: usize,
    start_column: usize,
    start_line: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Uri,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    id: usize,
    logical_locations: [Logical<'a>; 1],
    physical_location: Physical,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Related<'a> {
    id: usize,
    logical_locations: [Logical<'a>; 1],
    message: Text<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<Physical>,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "tenantlint/v1")]
    v1: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Properties<'a> {
    object_id: &'a str,
    object_name: &'a str,
    object_type: &'static str,
}

#[derive(Serialize)]
struct Suppression {
    justification: String,
    kind: &'static str,
    status: &'static str,
}

/// One SARIF result (see [`result`]).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ResultOut<'a> {
    /// `new` against a baseline or in a diff, `absent` for a diff's resolved findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) baseline_state: Option<&'static str>,
    level: &'static str,
    locations: [Location<'a>; 1],
    message: Text<&'a str>,
    partial_fingerprints: Fingerprints,
    properties: Properties<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Related<'a>>,
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    /// An exempted finding's exemption.
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[Suppression; 1]>,
}

/// A file as a URI reference: relative to `cwd` when it is below it (forward slashes,
/// percent-encoded), else an absolute `file://` URI.
pub(super) fn uri(path: &Path, cwd: Option<&Path>) -> String {
    let rel = if path.is_absolute() {
        cwd.and_then(|c| path.strip_prefix(c).ok())
    } else {
        Some(path)
    };
    let (prefix, p) = match rel {
        Some(r) => ("", r),
        None => ("file://", path),
    };
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::RootDir => parts.push(String::new()),
            Component::Prefix(x) => {
                parts.push(format!("/{}", encode(&x.as_os_str().to_string_lossy())))
            }
            Component::ParentDir => parts.push("..".into()),
            Component::Normal(n) => parts.push(encode(&n.to_string_lossy())),
        }
    }
    let joined = parts.join("/");
    let joined = if joined.starts_with("//") {
        joined[1..].to_owned()
    } else {
        joined
    };
    format!("{prefix}{joined}")
}

/// Percent-encodes everything but unreserved characters (RFC 3986) and `:` in a path segment.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn physical(place: Option<Place>, fallback: &str, cwd: Option<&Path>) -> Physical {
    match place {
        Some(Place {
            file: Some(file),
            line,
            column,
            end_line,
            end_column,
        }) => Physical {
            artifact_location: Uri {
                uri: uri(file, cwd),
            },
            region: Some(Region {
                end_column: end_column + 1,
                end_line,
                start_column: column,
                start_line: line,
            }),
        },
        // Standard input, or an object whose place is unknown: the snapshot as named.
        _ => Physical {
            artifact_location: Uri {
                uri: uri(Path::new(fallback), cwd),
            },
            region: None,
        },
    }
}

/// The result of finding `f` of `r`, whose places are `places`' entry `i`.
pub(super) fn result<'a>(
    r: &Report,
    f: &'a Finding,
    i: usize,
    places: &Places,
    cwd: Option<&Path>,
) -> ResultOut<'a> {
    let related = f
        .related
        .iter()
        .zip(places.related(i))
        .enumerate()
        .map(|(k, (o, p))| Related {
            id: k + 1,
            logical_locations: [logical(o)],
            message: Text {
                text: super::object_label(o),
            },
            physical_location: p.map(|p| physical(Some(p), r.source, cwd)),
        })
        .collect();
    ResultOut {
        baseline_state: None,
        level: level(f.severity),
        locations: [Location {
            id: 0,
            logical_locations: [logical(&f.object)],
            physical_location: physical(places.of(i), r.source, cwd),
        }],
        message: Text { text: &f.message },
        partial_fingerprints: Fingerprints { v1: fingerprint(f) },
        properties: Properties {
            object_id: &f.object.id,
            object_name: &f.object.name,
            object_type: f.object.kind.as_str(),
        },
        related_locations: related,
        rule_id: f.rule.code,
        rule_index: rule_index(f.rule.code),
        suppressions: None,
    }
}

/// The findings a run holds: all of them, or the [`MAX_RESULTS`] most severe (in report
/// order), and how many were left out.
fn kept(findings: &[Finding]) -> (Vec<usize>, usize) {
    let mut idx: Vec<usize> = (0..findings.len()).collect();
    if findings.len() <= MAX_RESULTS {
        return (idx, 0);
    }
    idx.sort_by_key(|&i| std::cmp::Reverse(findings.get(i).map(|f| f.severity)));
    idx.truncate(MAX_RESULTS);
    idx.sort_unstable();
    (idx, findings.len() - MAX_RESULTS)
}

fn invocation(r: &Report, omitted: usize) -> Value {
    let mut notes: Vec<Value> = r
        .result
        .skipped
        .iter()
        .map(|s| {
            json!({
                "level": "note",
                "message": {"text": format!("{} {} skipped: {}", s.rule.code, s.rule.name, s.reason)},
                "descriptor": {"id": "skipped"},
                "associatedRule": {"id": s.rule.code, "index": rule_index(s.rule.code)},
            })
        })
        .collect();
    if omitted > 0 {
        notes.push(json!({
            "level": "warning",
            "message": {"text": format!(
                "{omitted} of {} findings are not in this run: GitHub code scanning takes at most {MAX_RESULTS} results per run, so the most severe were kept; the json or csv report has them all",
                r.result.findings.len()
            )},
            "descriptor": {"id": "results-capped"},
        }));
    }
    for (e, state) in r.exemption_states() {
        let id = match state {
            super::ExemptionState::Applied(_) => continue,
            super::ExemptionState::Expired => "exemption-expired",
            super::ExemptionState::Stale => "exemption-stale",
        };
        notes.push(json!({
            "level": "warning",
            "message": {"text": format!(
                "exemption of {} for {} ({}) is {}",
                e.rule.code,
                e.object,
                e.origin,
                state.label()
            )},
            "descriptor": {"id": id},
            "associatedRule": {"id": e.rule.code, "index": rule_index(e.rule.code)},
        }));
    }
    json!({"executionSuccessful": true, "toolExecutionNotifications": notes})
}

pub fn write(reports: &[Report], w: &mut dyn Write) -> io::Result<()> {
    let cwd = std::env::current_dir().ok();
    let cwd = cwd.as_deref();
    let rules = rules();
    write!(
        w,
        "{{\"$schema\":\"{SCHEMA}\",\"version\":\"2.1.0\",\"runs\":["
    )?;
    for (n, r) in reports.iter().enumerate() {
        let (kept, omitted) = kept(&r.result.findings);
        // Only the kept findings are placed (past the cap, most are not).
        let places = Places::of_findings(
            r.tenant,
            kept.iter().filter_map(|&i| r.result.findings.get(i)),
        );
        let mut run = json!({
            "tool": {"driver": {
                "name": "tenantlint",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules.clone(),
            }},
            "invocations": [invocation(r, omitted)],
            "columnKind": "unicodeCodePoints",
            "properties": {
                "snapshot": r.source,
                "tenantId": r.tenant.info.id,
                "now": r.now_rfc3339(),
                "findings": r.result.findings.len(),
                "omittedFindings": omitted,
                "exempted": r.result.exemptions.exempted.len(),
                "baselined": r.result.baseline.as_ref().map(|b| b.baselined),
                "fixed": r.result.baseline.as_ref().map(|b| b.fixed.len()),
            },
        });
        if reports.len() > 1
            && let Some(obj) = run.as_object_mut()
        {
            // Distinct categories, so that code scanning keeps each snapshot's analysis.
            obj.insert(
                "automationDetails".into(),
                json!({"id": format!("tenantlint/{}/", r.source)}),
            );
        }
        // The run without its results, then the results one per line.
        let head = serde_json::to_string(&run)?;
        let head = head.strip_suffix('}').unwrap_or(&head);
        if n > 0 {
            w.write_all(b",")?;
        }
        write!(w, "\n{head},\"results\":[")?;
        let baselined = r.result.baseline.is_some();
        // Rendered in parallel chunks, written in order: the same bytes as one by one.
        let kept: Vec<&Finding> = kept
            .iter()
            .filter_map(|&i| r.result.findings.get(i))
            .collect();
        let chunks: Vec<Vec<u8>> = kept
            .par_chunks(RESULT_CHUNK)
            .enumerate()
            .map(|(c, chunk)| -> serde_json::Result<Vec<u8>> {
                let mut out = Vec::with_capacity(chunk.len() * 1024);
                for (j, f) in chunk.iter().enumerate() {
                    let k = c * RESULT_CHUNK + j;
                    out.extend_from_slice(if k == 0 { b"\n" } else { b",\n" });
                    let mut v = result(r, f, k, &places, cwd);
                    // Only new findings are reported against a baseline.
                    v.baseline_state = baselined.then_some("new");
                    serde_json::to_writer(&mut out, &v)?;
                }
                Ok(out)
            })
            .collect::<serde_json::Result<_>>()?;
        for c in &chunks {
            w.write_all(c)?;
        }
        // Exempted findings, as suppressed results (accepted, with the exemption's reason),
        // in the room the cap leaves.
        let ex = &r.result.exemptions;
        let room = MAX_RESULTS.saturating_sub(kept.len());
        let exempted = ex
            .exempted
            .get(..room.min(ex.exempted.len()))
            .unwrap_or_default();
        let places = Places::of_findings(r.tenant, exempted.iter().map(|(f, _)| f));
        for (k, (f, e)) in exempted.iter().enumerate() {
            w.write_all(if k == 0 && kept.is_empty() {
                b"\n"
            } else {
                b",\n"
            })?;
            let mut v = result(r, f, k, &places, cwd);
            v.suppressions = ex.exemptions.get(*e).map(|e| {
                [Suppression {
                    justification: super::exemption_note(e),
                    kind: "external",
                    status: "accepted",
                }]
            });
            serde_json::to_writer(&mut *w, &v)?;
        }
        w.write_all(b"\n]}")?;
    }
    w.write_all(b"\n]}\n")
}

#[cfg(test)]
mod tests {
    use super::{MAX_RESULTS, kept, uri};
    use crate::model::ObjKind;
    use crate::rules::{Finding, Object, Severity, registry};
    use std::path::Path;

    #[test]
    fn past_the_limit_the_most_severe_are_kept_in_report_order() {
        let f = |i: usize, severity| Finding {
            rule: registry()[0].meta(),
            severity,
            object: Object {
                kind: ObjKind::User,
                id: i.to_string(),
                name: String::new(),
            },
            message: String::new(),
            related: Vec::new(),
            key: String::new(),
            idents: Vec::new(),
        };
        let few: Vec<Finding> = (0..10).map(|i| f(i, Severity::Info)).collect();
        assert_eq!(kept(&few), ((0..10).collect(), 0));
        // Infos first, then errors: every error is kept, then the first infos.
        let n = MAX_RESULTS + 100;
        let mut many: Vec<Finding> = (0..MAX_RESULTS).map(|i| f(i, Severity::Info)).collect();
        many.extend((MAX_RESULTS..n).map(|i| f(i, Severity::Error)));
        let (idx, omitted) = kept(&many);
        assert_eq!((idx.len(), omitted), (MAX_RESULTS, 100));
        assert!(idx.windows(2).all(|w| w[0] < w[1]), "report order");
        assert!(
            (MAX_RESULTS..n).all(|i| idx.binary_search(&i).is_ok()),
            "all errors kept"
        );
    }

    #[test]
    fn uris_are_relative_below_the_working_directory() {
        let cwd = Path::new("/home/a/repo");
        assert_eq!(
            uri(Path::new("snap/users.json"), Some(cwd)),
            "snap/users.json"
        );
        assert_eq!(
            uri(Path::new("./snap/a b.json"), Some(cwd)),
            "snap/a%20b.json"
        );
        assert_eq!(
            uri(Path::new("/home/a/repo/s/u.json"), Some(cwd)),
            "s/u.json"
        );
        assert_eq!(
            uri(Path::new("/tmp/s/ü.json"), Some(cwd)),
            "file:///tmp/s/%C3%BC.json"
        );
        assert_eq!(uri(Path::new("../x#1.json"), Some(cwd)), "../x%231.json");
    }
}
