use crate::model::{user_flags, user_props};
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta, Skip};

/// B2B003: guest invitations are turned off (or limited while invitations are pending).
pub struct GuestInvitationsDisabled;

static META: RuleMeta = RuleMeta {
    code: "B2B003",
    name: "guest-invitations-disabled",
    category: Category::Notice,
    summary: "nobody can invite guests (allowInvitesFrom none), or only admins while invitations are pending",
    options: &[],
    reads: &[
        ("policies", "authorizationPolicy"),
        ("users", "externalUserState"),
    ],
    doc: include_str!("../../../rules/B2B003.md"),
};

impl Rule for GuestInvitationsDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        let Some(policy) = &t.policies.authorization_policy else {
            return Err(Skip(
                "the snapshot has no authorizationPolicy (export GET /policies/authorizationPolicy)"
                    .into(),
            ));
        };
        let Some(from) = policy.allow_invites_from.as_deref() else {
            return Err(Skip("authorizationPolicy has no `allowInvitesFrom`".into()));
        };
        let obj = || cx.policy_obj("authorizationPolicy");
        if from.eq_ignore_ascii_case("none") {
            out.push(cx.finding(
                &META,
                obj(),
                "guest invitations are turned off for everyone, admins included (allowInvitesFrom none): inviting a guest fails with \"Invitations have been disabled for directory\"".into(),
            ));
        } else if from.eq_ignore_ascii_case("adminsAndGuestInviters") {
            // Only worth knowing when invitations are waiting: re-sending one needs a role.
            if !t.users.props.has(user_props::EXTERNAL_USER_STATE) {
                return Ok(());
            }
            let pending = t
                .users
                .items
                .iter()
                .filter(|u| u.is(user_flags::PENDING_ACCEPTANCE))
                .count();
            if pending > 0 {
                out.push(cx.finding(
                    &META,
                    obj(),
                    format!(
                        "only admins and Guest Inviters can invite guests (allowInvitesFrom adminsAndGuestInviters) while {pending} guest invitation{} {} pending acceptance: a member who re-sends one gets \"you don't have permission to invite\"",
                        if pending == 1 { "" } else { "s" },
                        if pending == 1 { "is" } else { "are" },
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::rules::run_on_json as run;

    fn tenant(from: &str, state: &str) -> String {
        format!(
            r#"{{"users": [{{"id": "6e7b768e-07e2-4810-8459-485f84f8f204", "userType": "Guest",
                "externalUserState": "{state}"}}],
              "policies": {{"authorizationPolicy": {{"allowInvitesFrom": "{from}"}}}}}}"#
        )
    }

    #[test]
    fn admins_only_is_reported_only_with_pending_invitations() {
        let f = run(
            &GuestInvitationsDisabled,
            &tenant("adminsAndGuestInviters", "PendingAcceptance"),
        )
        .unwrap();
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("while 1 guest invitation is pending"),
            "{}",
            f[0].message
        );
        assert!(
            run(
                &GuestInvitationsDisabled,
                &tenant("adminsAndGuestInviters", "Accepted")
            )
            .unwrap()
            .is_empty()
        );
        assert!(
            run(
                &GuestInvitationsDisabled,
                &tenant("everyone", "PendingAcceptance")
            )
            .unwrap()
            .is_empty()
        );
        assert_eq!(
            run(&GuestInvitationsDisabled, &tenant("None", "Accepted"))
                .unwrap()
                .len(),
            1,
            "any case"
        );
    }

    #[test]
    fn skips_without_the_setting() {
        assert!(run(&GuestInvitationsDisabled, r#"{"users": []}"#).is_err());
        let e = run(
            &GuestInvitationsDisabled,
            r#"{"policies": {"authorizationPolicy": {"id": "authorizationPolicy"}}}"#,
        )
        .unwrap_err();
        assert!(e.0.contains("allowInvitesFrom"), "{e:?}");
    }
}
