use crate::model::user_props;
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta, need_user_prop};
use rayon::prelude::*;

/// LIC006: a disabled account that still holds licenses.
pub struct DisabledAccountLicensed;

static META: RuleMeta = RuleMeta {
    code: "LIC006",
    name: "disabled-account-licensed",
    category: Category::Hygiene,
    summary: "disabled account that still holds licenses",
    options: &[],
    reads: &[
        ("users", "accountEnabled"),
        ("users", "assignedLicenses"),
        ("subscribedSkus", "skuPartNumber"),
    ],
    doc: include_str!("../../../rules/LIC006.md"),
};

impl Rule for DisabledAccountLicensed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        need_user_prop(t, user_props::ACCOUNT_ENABLED, "accountEnabled")?;
        need_user_prop(t, user_props::ASSIGNED_LICENSES, "assignedLicenses")?;
        out.par_extend(
            t.par_users_where(|h| !h.is_enabled() && h.is_licensed())
                .map(|(_, u)| {
                    let mut related = Vec::new();
                    let mut names: Vec<String> = t
                        .licenses(u)
                        .iter()
                        .map(|l| match t.sku(l.sku) {
                            Some(s) if !t.s(s.part_number).trim().is_empty() => {
                                related.push(cx.sku_obj(s));
                                t.s(s.part_number).trim().to_owned()
                            }
                            Some(s) => {
                                related.push(cx.sku_obj(s));
                                s.sku_id.to_string()
                            }
                            None => l.sku.to_string(),
                        })
                        .collect();
                    names.sort_unstable();
                    names.dedup();
                    let n = t.licenses(u).len();
                    cx.finding(
                        &META,
                        cx.user_obj(u),
                        format!(
                            "account is disabled but holds {n} license{}: {}",
                            if n == 1 { "" } else { "s" },
                            names.join(", ")
                        ),
                    )
                    .with_related(related)
                }),
        );
        Ok(())
    }
}
