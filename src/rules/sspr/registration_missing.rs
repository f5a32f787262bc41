use super::in_scope;
use super::insufficient_methods::usable_count;
use crate::model::{Registration, UserHot, registration_props};
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta, need_prop};
use rayon::prelude::*;

/// SSPR007: a user in the password reset scope never registered for it.
pub struct RegistrationMissing;

static META: RuleMeta = RuleMeta {
    code: "SSPR007",
    name: "sspr-registration-missing",
    category: Category::Hygiene,
    summary: "user in the password reset scope has not registered for it and has no usable method",
    options: &[],
    reads: &[
        ("policies", "passwordResetPolicy"),
        ("users", "accountEnabled"),
        ("users", "userType"),
        ("users", "userPrincipalName"),
        ("groups", "members"),
        ("userRegistrationDetails", "isSsprRegistered"),
        ("userRegistrationDetails", "methodsRegistered"),
    ],
    doc: include_str!("../../../rules/SSPR007.md"),
};

/// Above this share of unregistered users in scope (in percent), a finding on the tenant says
/// how many: a registration campaign, not one user at a time.
const TENANT_SHARE: usize = 10;

/// Whether a record does not say "not registered" without a method usable for password reset.
fn fine(r: &Registration) -> bool {
    r.sspr_registered != Some(false) || usable_count(r.methods) > 0
}

impl Rule for RegistrationMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        let scope = in_scope(cx)?;
        need_prop(
            &t.registrations,
            "userRegistrationDetails",
            registration_props::IS_SSPR_REGISTERED,
            "isSsprRegistered",
        )?;
        need_prop(
            &t.registrations,
            "userRegistrationDetails",
            registration_props::METHODS_REGISTERED,
            "methodsRegistered",
        )?;
        let before = out.len();
        let in_scope = scope.par_users_where(t, |_| true).count();
        // A user whose own record sits at its position and does not say "not registered"
        // without a usable method passes without being read.
        let regs = &t.registrations.items;
        let passes_here =
            move |i: usize, h: UserHot| h.has_registration_here() && regs.get(i).is_some_and(fine);
        let users = scope.par_indexed_users_where(t, move |i, h| !passes_here(i, h));
        out.par_extend(users.filter_map(|(i, u)| {
            // Only a record that says "not registered": a user without a record is SSPR004's.
            let reg = t.registration_at(i, u.id)?;
            if fine(reg) {
                return None;
            }
            Some(cx.finding(
                &META,
                cx.user_obj(u),
                "user has not registered for self-service password reset and has no method usable for it: they cannot reset a forgotten password and will be asked to register at their next sign-in".into(),
            ))
        }));
        let missing = out.len() - before;
        if in_scope > 0 && missing * 100 > in_scope * TENANT_SHARE {
            out.push(
                cx.finding(
                    &META,
                    cx.tenant_obj(),
                    format!(
                        "{missing} of {in_scope} users in the password reset scope ({}%) have not registered for it: run a registration campaign (combined security info registration) rather than chase them one by one",
                        missing * 100 / in_scope
                    ),
                )
                .with_key("tenant"),
            );
        }
        Ok(())
    }
}
