use crate::model::{AssignedLicense, Guid, Sku, Tenant, UserHot, user_props};
use crate::rules::{
    Category, Context, Finding, Object, Outcome, Rule, RuleMeta, Severity, need_collection,
    need_user_prop,
};
use rayon::prelude::*;
use serde::Deserialize;
use std::sync::LazyLock;

/// LIC002: a user whose enabled service plans contain a pair of the conflict table.
pub struct ConflictingServicePlans;

static META: RuleMeta = RuleMeta {
    code: "LIC002",
    name: "conflicting-service-plans",
    category: Category::Breakage,
    summary: "user with mutually exclusive service plans enabled",
    options: &[],
    reads: &[
        ("users", "assignedLicenses"),
        ("subscribedSkus", "servicePlans"),
    ],
    doc: include_str!("../../../rules/LIC002.md"),
};

/// The conflict table, `rules/data/service-plan-conflicts.json`.
const TABLE_JSON: &str = include_str!("../../../rules/data/service-plan-conflicts.json");

#[derive(Deserialize)]
struct RawTable {
    conflicts: Vec<RawRow>,
}

#[derive(Deserialize)]
struct RawRow {
    a: RawPlan,
    b: RawPlan,
    severity: String,
    source: String,
}

#[derive(Deserialize)]
struct RawPlan {
    name: String,
    id: String,
}

struct Plan {
    name: String,
    id: Guid,
}

struct Row {
    a: Plan,
    b: Plan,
    severity: Severity,
    #[cfg_attr(not(test), allow(dead_code))]
    source: String,
}

/// The parsed table, with every distinct plan id given a bit so that a user's conflicting
/// plans are found without allocating.
struct Table {
    rows: Vec<Row>,
    /// Distinct plan ids of the table; plan `plans[i]` is bit `1 << i`.
    plans: Vec<Guid>,
    /// Per row, the bits of plan a and plan b.
    bits: Vec<(u64, u64)>,
}

fn severity(s: &str) -> Result<Severity, String> {
    match s {
        "error" => Ok(Severity::Error),
        "warning" => Ok(Severity::Warning),
        "info" => Ok(Severity::Info),
        _ => Err(format!("unknown severity `{s}`")),
    }
}

fn parse_table(json: &str) -> Result<Table, String> {
    let raw: RawTable = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let plan = |p: RawPlan| -> Result<Plan, String> {
        let id = Guid::parse(&p.id).ok_or_else(|| format!("bad servicePlanId `{}`", p.id))?;
        Ok(Plan { name: p.name, id })
    };
    let mut rows = Vec::new();
    for r in raw.conflicts {
        rows.push(Row {
            a: plan(r.a)?,
            b: plan(r.b)?,
            severity: severity(&r.severity)?,
            source: r.source,
        });
    }
    let mut plans: Vec<Guid> = Vec::new();
    let mut bit = |id: Guid| -> Result<u64, String> {
        let i = match plans.iter().position(|&p| p == id) {
            Some(i) => i,
            None => {
                plans.push(id);
                plans.len() - 1
            }
        };
        if i >= 64 {
            return Err("more than 64 distinct plans in the conflict table".into());
        }
        Ok(1 << i)
    };
    let mut bits = Vec::new();
    for r in &rows {
        bits.push((bit(r.a.id)?, bit(r.b.id)?));
    }
    Ok(Table { rows, plans, bits })
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    parse_table(TABLE_JSON)
        .unwrap_or_else(|e| panic!("rules/data/service-plan-conflicts.json: {e}"))
});

impl Table {
    /// The bits of the table's plans among the enabled plans of `licenses`.
    fn mask(&self, t: &Tenant, licenses: &[AssignedLicense]) -> u64 {
        let mut m = 0;
        for (_, p) in t.plans_of(licenses) {
            if let Some(i) = self.plans.iter().position(|&id| id == p.id) {
                m |= 1 << i;
            }
        }
        m
    }
}

/// The part numbers (or ids) of the SKUs of `licenses` that give plan `id`, sorted.
fn skus_with<'a>(t: &'a Tenant, licenses: &'a [AssignedLicense], id: Guid) -> Vec<&'a Sku> {
    let mut v: Vec<&Sku> = t
        .plans_of(licenses)
        .filter(|(_, p)| p.id == id)
        .map(|(s, _)| s)
        .collect();
    v.sort_by_key(|s| (t.s(s.part_number), s.sku_id));
    v.dedup_by_key(|s| s.sku_id);
    v
}

fn sku_label(t: &Tenant, s: &Sku) -> String {
    let n = t.s(s.part_number).trim();
    if n.is_empty() {
        s.sku_id.to_string()
    } else {
        n.to_owned()
    }
}

impl Rule for ConflictingServicePlans {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        need_user_prop(t, user_props::ASSIGNED_LICENSES, "assignedLicenses")?;
        need_collection(&t.skus, "subscribedSkus")?;
        // A finding depends only on the user's license list: judged once per distinct list.
        let verdicts: Vec<Option<Verdict>> = t
            .license_sets
            .lists()
            .par_iter()
            .map(|licenses| verdict(cx, licenses))
            .collect();
        let verdicts = &verdicts;
        let conflicting = move |h: UserHot| {
            verdicts
                .get(h.licenses.index())
                .is_some_and(Option::is_some)
        };
        out.par_extend(t.par_users_where(conflicting).filter_map(|(_, u)| {
            let (msg, related, severity) = verdicts.get(u.licenses.index())?.as_ref()?;
            Some(
                cx.finding(&META, cx.user_obj(u), msg.clone())
                    .with_related(related.clone())
                    .with_severity(*severity),
            )
        }));
        Ok(())
    }
}

/// A finding's message, related objects and severity.
type Verdict = (String, Vec<Object>, Severity);

/// The finding of a user holding `licenses`, if any.
fn verdict(cx: &Context, licenses: &[AssignedLicense]) -> Option<Verdict> {
    let t = cx.tenant;
    let table = &*TABLE;
    if licenses.is_empty() {
        return None;
    }
    let mask = table.mask(t, licenses);
    if mask.count_ones() < 2 {
        return None;
    }
    let mut hits: Vec<(usize, &Row)> = table
        .rows
        .iter()
        .zip(&table.bits)
        .enumerate()
        .filter(|&(_, (_, &(a, b)))| mask & a != 0 && mask & b != 0)
        .map(|(i, (row, _))| (i, row))
        .collect();
    // Most severe pairs first, then table order.
    hits.sort_by_key(|&(i, row)| (std::cmp::Reverse(row.severity), i));
    let severity = hits.first()?.1.severity;
    let mut related = Vec::new();
    let mut parts = Vec::new();
    for &(_, row) in &hits {
        let mut side = |p: &Plan| {
            let skus = skus_with(t, licenses, p.id);
            related.extend(skus.iter().map(|s| cx.sku_obj(s)));
            let labels: Vec<String> = skus.iter().map(|s| sku_label(t, s)).collect();
            format!("{} (from {})", p.name, labels.join(", "))
        };
        let a = side(&row.a);
        let b = side(&row.b);
        let note = if row.severity < Severity::Error {
            format!(" [{}]", row.severity.as_str())
        } else {
            String::new()
        };
        parts.push(format!("{a} with {b}{note}"));
    }
    let n = hits.len();
    let msg = format!(
        "{} conflicting service plan pair{} enabled: {}",
        n,
        if n == 1 { "" } else { "s" },
        parts.join("; ")
    );
    Some((msg, related, severity))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    #[test]
    fn every_row_parses_and_has_a_source() {
        let t = parse_table(TABLE_JSON).unwrap();
        assert!(!t.rows.is_empty());
        let mut seen = HashSet::new();
        for r in &t.rows {
            assert!(
                !r.source.trim().is_empty(),
                "{} / {}: no source",
                r.a.name,
                r.b.name
            );
            assert_ne!(
                r.a.id, r.b.id,
                "{}: a plan cannot conflict with itself",
                r.a.name
            );
            for p in [&r.a, &r.b] {
                assert!(!p.name.trim().is_empty());
                assert_eq!(p.name, p.name.trim());
            }
            let key = (r.a.id.min(r.b.id), r.a.id.max(r.b.id));
            assert!(
                seen.insert(key),
                "{} / {}: duplicate row",
                r.a.name,
                r.b.name
            );
        }
        // The rows the contract names.
        let has = |a: &str, b: &str, s: Severity| {
            t.rows
                .iter()
                .any(|r| r.a.name == a && r.b.name == b && r.severity == s)
        };
        assert!(has(
            "SHAREPOINTSTANDARD",
            "SHAREPOINTENTERPRISE",
            Severity::Error
        ));
        assert!(has(
            "EXCHANGE_S_STANDARD",
            "EXCHANGE_S_ENTERPRISE",
            Severity::Warning
        ));
    }

    #[test]
    fn bad_tables_are_rejected() {
        let row = |id: &str, sev: &str| {
            format!(
                r#"{{"conflicts":[{{"a":{{"name":"A","id":"{id}"}},"b":{{"name":"B","id":"5dbe027f-2339-4123-9542-606e4d348a72"}},"severity":"{sev}","source":"x"}}]}}"#
            )
        };
        assert!(parse_table(&row("c7699d2e-19aa-44de-8edf-1736da088ca1", "error")).is_ok());
        assert!(parse_table(&row("not-a-guid", "error")).is_err());
        assert!(parse_table(&row("c7699d2e-19aa-44de-8edf-1736da088ca1", "fatal")).is_err());
    }

    /// Names and ids must be those of Microsoft's licensing table, when it is at hand.
    #[test]
    fn names_and_ids_match_the_licensing_csv() {
        // Service_Plan_Name (column 4) -> Service_Plan_Id (column 5). Values may carry a
        // trailing U+00A0; product names may be quoted with commas, so split from a known
        // shape: the GUID columns are never quoted.
        let mut ids: HashMap<String, HashSet<Guid>> = HashMap::new();
        for cols in crate::rules::licensing_csv() {
            if cols.len() < 5 {
                continue;
            }
            let name = cols[3].trim_matches(char::is_whitespace).to_owned();
            if let Some(id) = Guid::parse(&cols[4]) {
                ids.entry(name).or_default().insert(id);
            }
        }
        let t = parse_table(TABLE_JSON).unwrap();
        for r in &t.rows {
            for p in [&r.a, &r.b] {
                let known = ids
                    .get(&p.name)
                    .unwrap_or_else(|| panic!("{} is not a service plan name of the CSV", p.name));
                assert!(
                    known.contains(&p.id),
                    "{}: id {} is not the CSV's ({known:?})",
                    p.name,
                    p.id
                );
            }
        }
    }
}
