use crate::model::{user_flags, user_props};
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta, need_user_prop};
use rayon::prelude::*;

/// LIC001: a licensed user without a usage location.
pub struct MissingUsageLocation;

static META: RuleMeta = RuleMeta {
    code: "LIC001",
    name: "missing-usage-location",
    category: Category::Breakage,
    summary: "licensed user without a usage location",
    options: &[],
    reads: &[("users", "assignedLicenses"), ("users", "usageLocation")],
    doc: include_str!("../../../rules/LIC001.md"),
};

impl Rule for MissingUsageLocation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        need_user_prop(cx.tenant, user_props::ASSIGNED_LICENSES, "assignedLicenses")?;
        need_user_prop(cx.tenant, user_props::USAGE_LOCATION, "usageLocation")?;
        out.par_extend(
            cx.tenant
                .par_users_where(|h| h.is_licensed() && h.is(user_flags::NO_USAGE_LOCATION))
                .map(|(_, u)| {
                    let n = cx.tenant.licenses(u).len();
                    cx.finding(
                        &META,
                        cx.user_obj(u),
                        format!(
                            "user has {n} license{} assigned but no usage location",
                            if n == 1 { "" } else { "s" }
                        ),
                    )
                }),
        );
        Ok(())
    }
}
