use super::in_scope;
use crate::model::{Guid, User, user_props};
use crate::rules::{
    Category, Context, Finding, Outcome, Rule, RuleMeta, need_collection, need_user_prop,
};
use rayon::prelude::*;
use serde::Deserialize;
use std::sync::LazyLock;

/// SSPR003: an in-scope user without a license that covers self-service password reset.
pub struct UserUnlicensed;

static META: RuleMeta = RuleMeta {
    code: "SSPR003",
    name: "sspr-user-unlicensed",
    category: Category::Breakage,
    summary: "user in the password reset scope without a license that covers self-service password reset",
    options: &[],
    reads: &[
        ("policies", "passwordResetPolicy"),
        ("users", "accountEnabled"),
        ("users", "userType"),
        ("users", "userPrincipalName"),
        ("groups", "members"),
        ("users", "assignedLicenses"),
        ("users", "onPremisesSyncEnabled"),
        ("subscribedSkus", "servicePlans"),
    ],
    doc: include_str!("../../../rules/SSPR003.md"),
};

/// One row of `rules/data/sspr-licensing.json`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PlanRow {
    service_plan_name: String,
    service_plan_id: Guid,
    /// Where the row comes from; checked by the tests, not read by the rule.
    #[cfg_attr(not(test), allow(dead_code))]
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    #[allow(dead_code)]
    description: String,
    cloud: Vec<PlanRow>,
    synced: Vec<PlanRow>,
}

#[allow(
    clippy::expect_used,
    reason = "the table is compiled in, and the unit tests parse it"
)]
static TABLE: LazyLock<Table> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../../rules/data/sspr-licensing.json"))
        .expect("rules/data/sspr-licensing.json is valid")
});

/// The plan ids of one list of the table.
struct PlanSet {
    ids: Vec<Guid>,
    /// The plan names, sorted and joined, for messages.
    names: String,
}

impl PlanSet {
    fn of(rows: &[PlanRow]) -> PlanSet {
        PlanSet {
            ids: rows.iter().map(|r| r.service_plan_id).collect(),
            names: {
                let mut n: Vec<&str> = rows.iter().map(|r| r.service_plan_name.as_str()).collect();
                n.sort_unstable();
                n.dedup();
                n.join(", ")
            },
        }
    }
    fn contains(&self, id: Guid) -> bool {
        self.ids.contains(&id)
    }
}

static CLOUD: LazyLock<PlanSet> = LazyLock::new(|| PlanSet::of(&TABLE.cloud));
static SYNCED: LazyLock<PlanSet> = LazyLock::new(|| PlanSet::of(&TABLE.synced));

impl Rule for UserUnlicensed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        let scope = in_scope(cx)?;
        need_collection(&t.skus, "subscribedSkus")?;
        need_user_prop(t, user_props::ASSIGNED_LICENSES, "assignedLicenses")?;
        let (cloud, synced) = (&*CLOUD, &*SYNCED);
        // Whether each distinct license list qualifies a cloud-only user (bit 0) and a synced
        // one (bit 1): judged once per list, not once per user.
        let qualifies: Vec<u8> = t
            .license_sets
            .lists()
            .par_iter()
            .map(|licenses| {
                let has = |set: &PlanSet| t.plans_of(licenses).any(|(_, p)| set.contains(p.id));
                u8::from(has(cloud)) | u8::from(has(synced)) << 1
            })
            .collect();
        let qualifies = &qualifies;
        out.par_extend(
            scope
                .par_users_where(t, move |h| {
                    let bit = if h.is_synced() { 2 } else { 1 };
                    qualifies
                        .get(h.licenses.index())
                        .is_some_and(|&q| q & bit == 0)
                })
                .map(|u| cx.finding(&META, cx.user_obj(u), message(cx, u))),
        );
        Ok(())
    }
}

fn message(cx: &Context, u: &User) -> String {
    let t = cx.tenant;
    let (set, mut msg) = if u.is_synced() {
        (
            &*SYNCED,
            format!(
                "synced user in the password reset scope has no enabled Entra ID P1 or P2 plan ({})",
                SYNCED.names
            ),
        )
    } else {
        (
            &*CLOUD,
            "cloud-only user in the password reset scope has no enabled plan that covers self-service password reset (a paid Office 365 workload, or Entra ID Basic, P1 or P2)".to_owned(),
        )
    };
    if !u.is_licensed() {
        msg.push_str("; no license is assigned");
        return msg;
    }
    let mut skus: Vec<String> = Vec::new();
    let mut disabled: Vec<String> = Vec::new();
    for l in t.licenses(u).iter() {
        match t.sku(l.sku) {
            Some(sku) => {
                let part = t.s(sku.part_number);
                let name = if part.is_empty() {
                    l.sku.to_string()
                } else {
                    part.to_owned()
                };
                for p in sku.plans.iter() {
                    if set.contains(p.id) && l.disabled_plans.contains(&p.id) {
                        disabled.push(format!("{} in {name}", t.s(p.name)));
                    }
                }
                skus.push(name);
            }
            None => skus.push(format!("{} (not in subscribedSkus)", l.sku)),
        }
    }
    skus.sort();
    skus.dedup();
    disabled.sort();
    disabled.dedup();
    msg.push_str("; licenses: ");
    msg.push_str(&skus.join(", "));
    if !disabled.is_empty() {
        msg.push_str("; disabled: ");
        msg.push_str(&disabled.join(", "));
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::sspr::testing::{run, tenant};

    #[test]
    fn every_row_parses_and_has_a_source() {
        assert!(!TABLE.cloud.is_empty() && !TABLE.synced.is_empty());
        for r in TABLE.cloud.iter().chain(&TABLE.synced) {
            assert!(!r.source.trim().is_empty(), "{}", r.service_plan_name);
            assert!(!r.service_plan_name.trim().is_empty());
        }
        let synced: Vec<&str> = TABLE
            .synced
            .iter()
            .map(|r| r.service_plan_name.as_str())
            .collect();
        assert_eq!(synced, ["AAD_PREMIUM", "AAD_PREMIUM_P2"]);
        for r in &TABLE.synced {
            assert!(
                CLOUD.contains(r.service_plan_id),
                "synced plans qualify cloud users too"
            );
        }
    }

    #[test]
    fn rows_match_the_licensing_csv() {
        let trim = |s: &str| s.trim_matches(|c: char| c.is_whitespace()).to_owned();
        let pairs: std::collections::HashSet<(String, Option<Guid>)> =
            crate::rules::licensing_csv()
                .into_iter()
                .filter(|f| f.len() >= 5)
                .map(|f| (trim(&f[3]), Guid::parse(&f[4])))
                .collect();
        for r in TABLE.cloud.iter().chain(&TABLE.synced) {
            assert!(
                pairs.contains(&(r.service_plan_name.clone(), Some(r.service_plan_id))),
                "{} {} is not a pair of the licensing CSV",
                r.service_plan_name,
                r.service_plan_id
            );
        }
    }

    #[test]
    fn skipped_without_subscribed_skus() {
        let t = tenant(
            r#"{"users": [{"id": "9a7ca979-43db-4976-83f8-bdf21a4b0fd1", "assignedLicenses": []}],
                "policies": {"passwordResetPolicy": {"enablementType": "all"}}}"#,
        );
        assert!(run(&UserUnlicensed, &t).is_err());
    }
}
