use crate::model::{Guid, UserHot, user_props};
use crate::rules::{
    Category, Context, Finding, Outcome, Rule, RuleMeta, need_collection, need_user_prop,
};
use rayon::prelude::*;

/// LIC004: a user assigned a SKU that the tenant's subscribedSkus do not list.
pub struct UnknownLicenseSku;

static META: RuleMeta = RuleMeta {
    code: "LIC004",
    name: "unknown-license-sku",
    category: Category::Hygiene,
    summary: "user assigned a license sku the tenant has no subscription for",
    options: &[],
    reads: &[("users", "assignedLicenses"), ("subscribedSkus", "skuId")],
    doc: include_str!("../../../rules/LIC004.md"),
};

impl Rule for UnknownLicenseSku {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        need_user_prop(t, user_props::ASSIGNED_LICENSES, "assignedLicenses")?;
        need_collection(&t.skus, "subscribedSkus")?;
        // Whether each distinct license list names only known SKUs: once per list.
        let known: Vec<bool> = t
            .license_sets
            .lists()
            .par_iter()
            .map(|licenses| licenses.iter().all(|l| t.sku(l.sku).is_some()))
            .collect();
        let known = &known;
        let unknown_list = move |h: UserHot| known.get(h.licenses.index()).is_some_and(|&k| !k);
        out.par_extend(t.par_users_where(unknown_list).filter_map(|(_, u)| {
            let mut unknown: Vec<Guid> = t
                .licenses(u)
                .iter()
                .map(|l| l.sku)
                .filter(|&id| t.sku(id).is_none())
                .collect();
            unknown.sort_unstable();
            unknown.dedup();
            let ids: Vec<String> = unknown.iter().map(Guid::to_string).collect();
            let msg = if let [id] = ids.as_slice() {
                format!("assigned license sku {id} is not in the tenant's subscribedSkus")
            } else {
                format!(
                    "{} assigned license skus are not in the tenant's subscribedSkus: {}",
                    ids.len(),
                    ids.join(", ")
                )
            };
            Some(cx.finding(&META, cx.user_obj(u), msg))
        }));
        Ok(())
    }
}
