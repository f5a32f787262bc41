use crate::model::{Guid, LicenseError, user_props};
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta, need_user_prop};
use rayon::prelude::*;

/// LIC005: a license assignment in state `Error` or `ActiveWithError`.
pub struct LicenseAssignmentError;

static META: RuleMeta = RuleMeta {
    code: "LIC005",
    name: "license-assignment-error",
    category: Category::Breakage,
    summary: "license assignment that failed (licenseAssignmentStates in error)",
    options: &[],
    reads: &[
        ("users", "licenseAssignmentStates"),
        ("subscribedSkus", "skuPartNumber"),
    ],
    doc: include_str!("../../../rules/LIC005.md"),
};

/// What an `error` value of `licenseAssignmentStates` means (Microsoft's group-licensing
/// troubleshooting article), or `None` for a value we do not know.
fn explain(error: &str) -> Option<&'static str> {
    const KNOWN: [(&str, &str); 6] = [
        (
            "CountViolation",
            "not enough licenses left in the subscription",
        ),
        (
            "MutuallyExclusiveViolation",
            "service plans conflict with another license of the user",
        ),
        (
            "DependencyViolation",
            "a service plan depends on a plan the user does not have",
        ),
        (
            "ProhibitedInUsageLocationViolation",
            "a service is not available in the user's usage location",
        ),
        (
            "UniquenessViolation",
            "an address of the user is already used by another object",
        ),
        ("Others", "other failure, see the user's licenses blade"),
    ];
    KNOWN
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(error))
        .map(|&(_, v)| v)
}

impl Rule for LicenseAssignmentError {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        need_user_prop(
            t,
            user_props::LICENSE_ASSIGNMENT_STATES,
            "licenseAssignmentStates",
        )?;
        out.par_extend(
            t.par_users_where(|h| h.has_license_errors())
                .flat_map_iter(|(_, u)| {
                    // One finding per failed assignment (SKU, direct or assigning group, error
                    // code), in a fixed order; an entry repeated verbatim is reported once.
                    let key = |e: &LicenseError| -> (Option<Guid>, Option<Guid>, String) {
                        (e.sku, e.assigned_by_group, t.s(e.error).trim().to_owned())
                    };
                    let mut errs: Vec<&LicenseError> = u.license_errors().iter().collect();
                    errs.sort_by_cached_key(|e| key(e));
                    errs.dedup_by_key(|e| key(e));
                    errs.into_iter()
                        .map(|e| finding(cx, u, e))
                        .collect::<Vec<_>>()
                }),
        );
        Ok(())
    }
}

fn finding(cx: &Context, u: &crate::model::User, e: &LicenseError) -> Finding {
    let t = cx.tenant;
    let mut related = Vec::new();
    let sku = match e.sku {
        Some(id) => match t.sku(id) {
            Some(s) => {
                related.push(cx.sku_obj(s));
                let n = t.s(s.part_number).trim();
                if n.is_empty() {
                    id.to_string()
                } else {
                    n.to_owned()
                }
            }
            None => id.to_string(),
        },
        None => "an unidentified sku".to_owned(),
    };
    let via = match e.assigned_by_group {
        None => "assigned directly".to_owned(),
        Some(g) => match t.group_index(g) {
            Some(i) => {
                let grp = t.groups.items.at(i);
                related.push(cx.group_obj(grp));
                let name = t.s(grp.display_name).trim();
                if name.is_empty() {
                    format!("inherited from group {g}")
                } else {
                    format!("inherited from group '{}'", crate::ident::name(name))
                }
            }
            None => format!("inherited from group {g} (not in the snapshot)"),
        },
    };
    // The model keeps only `Error` and `ActiveWithError` (any case): print them canonically.
    let state = if t.s(e.state).trim().eq_ignore_ascii_case("ActiveWithError") {
        "ActiveWithError"
    } else {
        "Error"
    };
    let error = t.s(e.error).trim();
    let why = if error.is_empty() {
        "no error code given".to_owned()
    } else {
        match explain(error) {
            Some(x) => format!("{error} ({x})"),
            None => error.to_owned(),
        }
    };
    let key = format!(
        "{}/{}/{}",
        e.sku.map_or_else(|| "-".to_owned(), |g| g.to_string()),
        e.assigned_by_group
            .map_or_else(|| "direct".to_owned(), |g| g.to_string()),
        error.to_ascii_lowercase()
    );
    cx.finding(
        &META,
        cx.user_obj(u),
        format!("license {sku} {via} is in state {state}: {why}"),
    )
    .with_key(key)
    .with_related(related)
}
