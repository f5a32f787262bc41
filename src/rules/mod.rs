//! The rule catalog: one rule per file, grouped by area, registered in [`registry`].
//!
//! A rule reads only the [`Tenant`] model and either pushes findings or reports itself
//! skipped with a reason when the snapshot lacks its input. Its documentation lives in
//! `rules/<CODE>.md` and is compiled in, so a rule without docs does not build.

pub mod options;

mod app;
mod b2b;
mod lic;
mod listing;
mod prx;
mod role;
mod sspr;
mod upn;

use crate::model::{App, CHUNK, Contact, Group, Items, ObjKind, Sku, StrRef, Tenant, User};
use rayon::prelude::*;
use std::sync::LazyLock;

pub use options::{OptionMeta, Options};

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What kind of problem a rule finds; the category sets the default severity.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Category {
    /// Something that fails now or at the next sync, assignment or sign-in (error).
    Breakage,
    /// A risk or waste that does not break anything yet (warning).
    Hygiene,
    /// A state worth knowing about (info).
    Notice,
}

impl Category {
    pub fn severity(self) -> Severity {
        match self {
            Category::Breakage => Severity::Error,
            Category::Hygiene => Severity::Warning,
            Category::Notice => Severity::Info,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Breakage => "breakage",
            Category::Hygiene => "hygiene",
            Category::Notice => "notice",
        }
    }
}

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable public code, e.g. `LIC001`.
    pub code: &'static str,
    /// Stable public name, e.g. `missing-usage-location`.
    pub name: &'static str,
    pub category: Category,
    /// One line for `tenantlint rules`.
    pub summary: &'static str,
    /// Names of the options (see [`options::ALL`]) the rule reads.
    pub options: &'static [&'static str],
    /// What the rule reads from the snapshot, as (collection key, Graph property): a policy is
    /// `("policies", <policy key>)`. One source of truth for what an export must select
    /// (`tenantlint rules --format json` lists it; a test checks the export recipes against it).
    pub reads: &'static [(&'static str, &'static str)],
    /// The Markdown documentation, `rules/<CODE>.md`.
    pub doc: &'static str,
}

impl RuleMeta {
    pub fn default_severity(&self) -> Severity {
        self.category.severity()
    }

    /// The text of a `## Heading` section of the documentation, trimmed.
    pub fn section(&self, heading: &str) -> Option<&'static str> {
        let marker = format!("## {heading}\n");
        let start = self.doc.find(&marker)? + marker.len();
        let rest = &self.doc[start..];
        let end = rest.find("\n## ").unwrap_or(rest.len());
        Some(rest[..end].trim())
    }

    /// The first paragraph of `## How to fix`: the help line of every finding.
    pub fn help(&self) -> &'static str {
        self.section("How to fix")
            .and_then(|s| s.split("\n\n").next())
            .unwrap_or("")
    }
}

/// What a finding points at.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Object {
    pub kind: ObjKind,
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub object: Object,
    pub message: String,
    pub related: Vec<Object>,
    /// What distinguishes this finding from others of the same rule on the same object (e.g.
    /// the credential's key id); part of the fingerprint.
    pub key: String,
    /// Where the message quotes identities (set by the engine from the rule's marks, see
    /// [`crate::ident`]).
    pub idents: Vec<crate::ident::Span>,
}

impl Finding {
    /// Sets the related objects: sorted, each once, at most [`listing::MAX_RELATED`] (a rule
    /// passes the ones its message names first; the cut only guards against a rule that
    /// passes more).
    pub fn with_related(mut self, mut related: Vec<Object>) -> Self {
        related.sort();
        related.dedup();
        related.truncate(listing::MAX_RELATED);
        self.related = related;
        self
    }

    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = key.into();
        self
    }

    pub fn with_severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }
}

/// Why a rule did not run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip(pub String);

/// The result of one rule: it ran (findings were pushed), or it was skipped.
pub type Outcome = Result<(), Skip>;

/// What a rule sees: the tenant, the time, and the options.
pub struct Context<'a> {
    pub tenant: &'a Tenant,
    /// "Now", Unix seconds (from `--now`, the snapshot's `exportedAt`, or the clock).
    pub now: i64,
    pub options: &'a Options,
}

impl Context<'_> {
    pub fn finding(&self, rule: &'static RuleMeta, object: Object, message: String) -> Finding {
        Finding {
            rule,
            severity: rule.default_severity(),
            object,
            message,
            related: Vec::new(),
            key: String::new(),
            idents: Vec::new(),
        }
    }

    pub fn user_obj(&self, u: &User) -> Object {
        let t = self.tenant;
        let name = if u.upn.is_empty() {
            u.display_name
        } else {
            u.upn
        };
        Object {
            kind: ObjKind::User,
            id: u.id.to_string(),
            name: t.s(name).to_owned(),
        }
    }

    pub fn group_obj(&self, g: &Group) -> Object {
        Object {
            kind: ObjKind::Group,
            id: g.id.to_string(),
            name: self.tenant.s(g.display_name).to_owned(),
        }
    }

    pub fn contact_obj(&self, c: &Contact) -> Object {
        let t = self.tenant;
        let name = if c.display_name.is_empty() {
            c.mail
        } else {
            c.display_name
        };
        Object {
            kind: ObjKind::Contact,
            id: c.id.to_string(),
            name: t.s(name).to_owned(),
        }
    }

    pub fn sku_obj(&self, s: &Sku) -> Object {
        Object {
            kind: ObjKind::SubscribedSku,
            id: s.sku_id.to_string(),
            name: self.tenant.s(s.part_number).to_owned(),
        }
    }

    pub fn policy_obj(&self, key: &str) -> Object {
        Object {
            kind: ObjKind::Policy,
            id: key.to_owned(),
            name: key.to_owned(),
        }
    }

    pub fn tenant_obj(&self) -> Object {
        let info = &self.tenant.info;
        Object {
            kind: ObjKind::Tenant,
            id: info.id.clone().unwrap_or_else(|| "tenant".into()),
            name: info.display_name.clone().unwrap_or_default(),
        }
    }

    /// An application or a service principal (`kind` is [`ObjKind::Application`] or
    /// [`ObjKind::ServicePrincipal`]), named by its display name, else its appId.
    pub fn app_obj(&self, a: &App, kind: ObjKind) -> Object {
        let t = self.tenant;
        let name = if a.display_name.is_empty() {
            a.app_id
        } else {
            a.display_name
        };
        Object {
            kind,
            id: a.id.to_string(),
            name: t.s(name).to_owned(),
        }
    }

    pub fn option(&self, name: &str) -> i64 {
        self.options.get(name)
    }
}

/// A lint rule.
pub trait Rule: Sync + Send {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome;
}

/// Skips unless the collection is in the snapshot.
pub fn need_collection<T>(c: &crate::model::Collection<T>, key: &str) -> Outcome {
    if c.present {
        Ok(())
    } else {
        Err(Skip(format!("the snapshot has no {key}")))
    }
}

/// Skips unless some object of the collection carries the property.
pub fn need_prop<T>(
    c: &crate::model::Collection<T>,
    key: &str,
    prop: u32,
    prop_name: &str,
) -> Outcome {
    need_collection(c, key)?;
    if c.props.has(prop) {
        Ok(())
    } else {
        Err(Skip(format!(
            "no object in {key} has `{prop_name}` (add it to the export's $select)"
        )))
    }
}

/// How many items ahead [`par_ahead`] asks for the strings of the next items.
pub const AHEAD: usize = 12;

/// `items` with their indexes in parallel (in index order within each chunk), asking the CPU
/// for the strings `near(item)` of the item [`AHEAD`] places further, and calling `far(item)`
/// for the item twice as far (to prefetch the boxed slices `near` reads), before handing out
/// each item. For loops that read a string or two of every object: see
/// [`crate::model::Strs::prefetch`].
pub fn par_ahead<'a, T, I, N, F>(
    t: &'a Tenant,
    items: &'a Items<T>,
    near: N,
    far: F,
) -> impl ParallelIterator<Item = (usize, &'a T)> + 'a
where
    T: Sync,
    I: IntoIterator<Item = StrRef>,
    N: Fn(&'a T) -> I + Sync + Send + Copy + 'a,
    F: Fn(&'a T) + Sync + Send + Copy + 'a,
{
    items
        .chunks()
        .par_iter()
        .enumerate()
        .flat_map_iter(move |(c, chunk)| {
            chunk.iter().enumerate().map(move |(i, it)| {
                if let Some(later) = chunk.get(i + 2 * AHEAD) {
                    far(later);
                }
                if let Some(next) = chunk.get(i + AHEAD) {
                    for r in near(next) {
                        t.strs.prefetch(r);
                    }
                }
                (c * CHUNK + i, it)
            })
        })
}

/// Skips unless some user carries the property (see [`need_prop`]).
pub fn need_user_prop(t: &Tenant, prop: u32, prop_name: &str) -> Outcome {
    need_prop(&t.users, "users", prop, prop_name)
}

/// Every rule, in code order.
pub fn registry() -> &'static [&'static dyn Rule] {
    static ALL: LazyLock<Vec<&'static dyn Rule>> = LazyLock::new(|| {
        let mut v: Vec<&'static dyn Rule> = Vec::new();
        for area in [
            lic::RULES,
            upn::RULES,
            prx::RULES,
            b2b::RULES,
            sspr::RULES,
            role::RULES,
            app::RULES,
        ] {
            v.extend_from_slice(area);
        }
        v.sort_by_key(|r| r.meta().code);
        v
    });
    &ALL
}

/// Runs `rule` on a single-file snapshot given as JSON text, judged at time 0 with default
/// options: the findings (messages still carry their identity marks), or the skip.
#[cfg(test)]
pub(crate) fn run_on_json(rule: &dyn Rule, json: &str) -> Result<Vec<Finding>, Skip> {
    let mut f = tempfile::Builder::new()
        .suffix(".json")
        .tempfile()
        .expect("a temporary file");
    std::io::Write::write_all(&mut f, json.as_bytes()).expect("written");
    let path = f.path().to_str().expect("a UTF-8 temporary path");
    let t = crate::snapshot::load(path).unwrap_or_else(|e| panic!("{e}"));
    let options = Options::default();
    let cx = Context {
        tenant: &t,
        now: 0,
        options: &options,
    };
    let mut out = Vec::new();
    rule.check(&cx, &mut out).map(|()| out)
}

/// Finds a rule by code or name (case-insensitive).
pub fn find(query: &str) -> Option<&'static dyn Rule> {
    registry().iter().copied().find(|r| {
        r.meta().code.eq_ignore_ascii_case(query) || r.meta().name.eq_ignore_ascii_case(query)
    })
}

/// The rows of Microsoft's licensing table (`fixtures/reference/`), split into columns, without
/// the header: data-table tests check their service-plan names and GUIDs against it.
#[cfg(test)]
pub(crate) fn licensing_csv() -> Vec<Vec<String>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/reference/licensing-service-plan-reference.csv"
    );
    let text = std::fs::read_to_string(path).expect("the licensing CSV is in the repository");
    let split = |line: &str| {
        let mut cols = Vec::new();
        let mut cur = String::new();
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    cur.push('"');
                    chars.next();
                }
                '"' => quoted = !quoted,
                ',' if !quoted => cols.push(std::mem::take(&mut cur)),
                _ => cur.push(c),
            }
        }
        cols.push(cur);
        cols
    };
    text.lines().skip(1).map(split).collect()
}
