//! Self-service password reset rules (SSPR).
//!
//! Every SSPR rule except SSPR001 and SSPR002 judges the users *in scope* of the password reset
//! policy, computed once here by [`in_scope`]:
//!
//! - enablement `all`: every user of `users`;
//! - enablement `selected`: the transitive user members of the selected groups. The portal
//!   allows exactly one group; when the policy lists several, the scope is the union of those
//!   present in `groups` (SSPR002 reports the extra and unknown ids);
//! - enablement `none`: nobody.
//!
//! In both `all` and `selected`, guests (`userType` Guest or `#EXT#` in the UPN) and disabled
//! accounts (`accountEnabled == false`) are left out: a guest resets their password in their
//! home tenant, and a disabled account cannot sign in to reset anything.
//!
//! The rules are skipped when `policies.passwordResetPolicy` is absent or carries no
//! `enablementType`, when `users` is absent (enablement all or selected), and, for enablement
//! selected, when `groups` is absent or no group carries `members`.

mod insufficient_methods;
mod phone_format;
mod registration_missing;
mod scope_group_invalid;
mod sspr_disabled;
mod user_unlicensed;
mod writeback_disabled;

use super::{Context, Rule, Skip, need_collection, need_prop, par_ahead};
use crate::model::{
    Enablement, Guid, PasswordResetPolicy, StrRef, Tenant, User, UserHot, group_props, user_flags,
};
use rayon::iter::Either;
use rayon::prelude::*;

pub const RULES: &[&dyn Rule] = &[
    &sspr_disabled::SsprDisabled,
    &scope_group_invalid::ScopeGroupInvalid,
    &user_unlicensed::UserUnlicensed,
    &insufficient_methods::InsufficientMethods,
    &phone_format::PhoneFormat,
    &writeback_disabled::WritebackDisabled,
    &registration_missing::RegistrationMissing,
];

/// The password reset policy and its enablement, or why the SSPR rules cannot run.
fn policy(t: &Tenant) -> Result<(&PasswordResetPolicy, Enablement), Skip> {
    let p = t
        .policies
        .password_reset
        .as_ref()
        .ok_or_else(|| Skip("the snapshot has no policies.passwordResetPolicy".into()))?;
    let e = p.enablement.ok_or_else(|| {
        Skip("policies.passwordResetPolicy has no `enablementType` (none, selected or all)".into())
    })?;
    Ok((p, e))
}

/// The distinct group ids of the policy, sorted.
fn selected_group_ids(p: &PasswordResetPolicy) -> Vec<Guid> {
    let mut ids = p.group_ids.clone();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The users the password reset policy applies to.
pub(super) struct Scope {
    enablement: Enablement,
    /// Enablement selected: the transitive user members of the selected groups, sorted, not
    /// yet filtered for guests and disabled accounts.
    members: Vec<u32>,
}

/// The flags of a user of the scope's population that does not count: only enabled member
/// (non-guest) accounts do. A user and its packed record carry the same flags.
const NOT_COUNTED: u8 = user_flags::DISABLED | user_flags::GUEST;

/// Whether a user of the scope's population counts (see [`NOT_COUNTED`]).
fn counts(u: &User) -> bool {
    !u.is(NOT_COUNTED)
}

/// [`counts`], from the user's packed record.
fn counts_hot(h: UserHot) -> bool {
    !h.is(NOT_COUNTED)
}

impl Scope {
    /// The users in scope whose [`UserHot`] passes `keep` (see [`Tenant::par_users_where`]).
    pub(super) fn par_users_where<'a, F>(
        &'a self,
        t: &'a Tenant,
        keep: F,
    ) -> impl ParallelIterator<Item = &'a User> + 'a
    where
        F: Fn(UserHot) -> bool + Sync + Send + Copy + 'a,
    {
        self.par_indexed_users_where(t, move |_, h| keep(h))
            .map(|(_, u)| u)
    }

    /// The users in scope, with their numbers, whose number and [`UserHot`] pass `keep` (see
    /// [`Tenant::par_indexed_users_where`]).
    pub(super) fn par_indexed_users_where<'a, F>(
        &'a self,
        t: &'a Tenant,
        keep: F,
    ) -> impl ParallelIterator<Item = (usize, &'a User)> + 'a
    where
        F: Fn(usize, UserHot) -> bool + Sync + Send + Copy + 'a,
    {
        let keep = move |i: usize, h: UserHot| counts_hot(h) && keep(i, h);
        match self.enablement {
            Enablement::All => Either::Left(t.par_indexed_users_where(keep)),
            Enablement::Selected | Enablement::None => Either::Right(
                self.members
                    .par_iter()
                    .filter(move |&&i| keep(i as usize, t.user_hot(i)))
                    .map(move |&i| (i as usize, t.users.items.at(i))),
            ),
        }
    }

    /// The in-scope users, in parallel, asking for the strings `near(user)` a few users ahead
    /// and calling `far(user)` further ahead (see [`crate::rules::par_ahead`]); for rules that
    /// read strings of every user in scope.
    pub(super) fn par_users_ahead<'a, I, N, F>(
        &'a self,
        t: &'a Tenant,
        near: N,
        far: F,
    ) -> impl ParallelIterator<Item = &'a User> + 'a
    where
        I: IntoIterator<Item = StrRef>,
        N: Fn(&'a User) -> I + Sync + Send + Copy + 'a,
        F: Fn(&'a User) + Sync + Send + Copy + 'a,
    {
        let all = match self.enablement {
            Enablement::All => Either::Left(
                par_ahead(
                    t,
                    &t.users.items,
                    move |u| near(u).into_iter().filter(move |_| counts(u)),
                    move |u| {
                        if counts(u) {
                            far(u)
                        }
                    },
                )
                .map(|(_, u)| u),
            ),
            Enablement::Selected | Enablement::None => {
                Either::Right(self.members.par_iter().map(move |&i| t.users.items.at(i)))
            }
        };
        all.filter(|u| counts(u))
    }
}

/// The users in scope of the password reset policy (see the module documentation).
pub(super) fn in_scope(cx: &Context) -> Result<Scope, Skip> {
    let t = cx.tenant;
    let (p, enablement) = policy(t)?;
    let mut members = Vec::new();
    match enablement {
        Enablement::None => {}
        Enablement::All => need_collection(&t.users, "users")?,
        Enablement::Selected => {
            need_collection(&t.users, "users")?;
            need_prop(&t.groups, "groups", group_props::MEMBERS, "members")?;
            members = t.transitive_user_members(
                selected_group_ids(p)
                    .into_iter()
                    .filter_map(|id| t.group_index(id)),
            );
        }
    }
    Ok(Scope {
        enablement,
        members,
    })
}

#[cfg(test)]
pub(super) mod testing {
    use crate::model::Tenant;
    use crate::rules::{Context, Finding, Options, Rule, Skip};

    /// Loads a single-file snapshot from JSON text.
    pub fn tenant(json: &str) -> Tenant {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot.json");
        std::fs::write(&path, json).unwrap();
        crate::snapshot::load(path.to_str().unwrap()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Runs one rule; the findings' messages with their keys, sorted.
    pub fn run(rule: &dyn Rule, t: &Tenant) -> Result<Vec<(String, String)>, Skip> {
        let options = Options::default();
        let cx = Context {
            tenant: t,
            now: 0,
            options: &options,
        };
        let mut out: Vec<Finding> = Vec::new();
        rule.check(&cx, &mut out)?;
        let mut v: Vec<(String, String)> = out
            .into_iter()
            .map(|f| (f.key, crate::ident::plain(&f.message)))
            .collect();
        v.sort();
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::{in_scope, testing::tenant};
    use crate::model::Tenant;
    use crate::rules::{Context, Options};

    fn scope_upns(t: &Tenant) -> Result<Vec<String>, String> {
        let options = Options::default();
        let cx = Context {
            tenant: t,
            now: 0,
            options: &options,
        };
        let scope = in_scope(&cx).map_err(|s| s.0)?;
        let mut v: Vec<String> = {
            use rayon::prelude::*;
            scope
                .par_users_where(t, |_| true)
                .map(|u| t.s(u.upn).to_owned())
                .collect()
        };
        v.sort();
        Ok(v)
    }

    const USERS: &str = r#""users": [
        {"id": "00000000-0000-0000-0000-000000000001", "userPrincipalName": "a@contoso.com"},
        {"id": "00000000-0000-0000-0000-000000000002", "userPrincipalName": "b@contoso.com", "accountEnabled": false},
        {"id": "00000000-0000-0000-0000-000000000003", "userPrincipalName": "c_x.com#EXT#@contoso.onmicrosoft.com"},
        {"id": "00000000-0000-0000-0000-000000000004", "userPrincipalName": "d@contoso.com", "userType": "guest"},
        {"id": "00000000-0000-0000-0000-000000000005", "userPrincipalName": "e@contoso.com", "accountEnabled": true}
    ],
    "groups": [
        {"id": "00000000-0000-0000-0000-0000000000a1", "members": ["00000000-0000-0000-0000-0000000000a2", "00000000-0000-0000-0000-000000000001"]},
        {"id": "00000000-0000-0000-0000-0000000000a2", "members": ["00000000-0000-0000-0000-0000000000a1", "00000000-0000-0000-0000-000000000002", "00000000-0000-0000-0000-000000000003"]},
        {"id": "00000000-0000-0000-0000-0000000000a3", "members": ["00000000-0000-0000-0000-000000000005", "00000000-0000-0000-0000-000000000004"]}
    ]"#;

    fn with_policy(policy: &str) -> Tenant {
        tenant(&format!(
            r#"{{{USERS}, "policies": {{"passwordResetPolicy": {policy}}}}}"#
        ))
    }

    #[test]
    fn all_is_every_enabled_member() {
        let t = with_policy(r#"{"enablementType": "all"}"#);
        assert_eq!(scope_upns(&t).unwrap(), ["a@contoso.com", "e@contoso.com"]);
    }

    #[test]
    fn none_is_nobody() {
        let t = with_policy(
            r#"{"enablementType": 0, "passwordResetEnabledGroupIds": ["00000000-0000-0000-0000-0000000000a1"]}"#,
        );
        assert!(scope_upns(&t).unwrap().is_empty());
    }

    #[test]
    fn selected_is_the_union_of_listed_groups_transitively() {
        let t = with_policy(
            r#"{"enablementType": 1, "passwordResetEnabledGroupIds": ["00000000-0000-0000-0000-0000000000a2"]}"#,
        );
        // a2 -> a1 (cycle) -> user 1; user 2 disabled, user 3 guest.
        assert_eq!(scope_upns(&t).unwrap(), ["a@contoso.com"]);
        let t = with_policy(
            r#"{"enablementType": 1, "passwordResetEnabledGroupIds": ["00000000-0000-0000-0000-0000000000a1", "00000000-0000-0000-0000-0000000000a3", "00000000-0000-0000-0000-0000000000ff"]}"#,
        );
        assert_eq!(scope_upns(&t).unwrap(), ["a@contoso.com", "e@contoso.com"]);
    }

    #[test]
    fn skips_without_policy_enablement_or_inputs() {
        assert!(scope_upns(&tenant(&format!("{{{USERS}}}"))).is_err());
        assert!(scope_upns(&with_policy("{}")).is_err());
        let t = tenant(
            r#"{"users": [], "policies": {"passwordResetPolicy": {"enablementType": 1, "passwordResetEnabledGroupIds": []}}}"#,
        );
        assert!(scope_upns(&t).unwrap_err().contains("groups"));
        let t = tenant(r#"{"policies": {"passwordResetPolicy": {"enablementType": 2}}}"#);
        assert!(scope_upns(&t).unwrap_err().contains("users"));
    }
}
