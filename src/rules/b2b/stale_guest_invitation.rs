use crate::model::{User, user_flags, user_props};
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta, Skip, need_prop};
use rayon::prelude::*;

/// B2B002: an invitation still pending acceptance after `stale-invitation-days`.
pub struct StaleGuestInvitation;

static META: RuleMeta = RuleMeta {
    code: "B2B002",
    name: "stale-guest-invitation",
    category: Category::Hygiene,
    summary: "guest invitation still pending acceptance after stale-invitation-days",
    options: &["stale-invitation-days"],
    reads: &[
        ("users", "externalUserState"),
        ("users", "externalUserStateChangeDateTime"),
        ("users", "createdDateTime"),
        ("users", "mail"),
    ],
    doc: include_str!("../../../rules/B2B002.md"),
};

const DAY: i64 = 86_400;

/// The time the invitation has been pending since, and which property said so:
/// `externalUserStateChangeDateTime`, else `createdDateTime`.
fn pending_since(u: &User) -> Option<(i64, &'static str)> {
    u.external_state_changed()
        .map(|t| (t, "pending since"))
        .or(u.created().map(|t| (t, "account created")))
}

fn rfc3339(secs: i64) -> String {
    jiff::Timestamp::from_second(secs).map_or_else(|_| secs.to_string(), |t| t.to_string())
}

impl Rule for StaleGuestInvitation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        let users = &t.users;
        need_prop(
            users,
            "users",
            user_props::EXTERNAL_USER_STATE,
            "externalUserState",
        )?;
        if !users.props.has(user_props::EXTERNAL_USER_STATE_CHANGE)
            && !users.props.has(user_props::CREATED)
        {
            return Err(Skip(
                "no object in users has `externalUserStateChangeDateTime` or `createdDateTime` (add them to the export's $select)".into(),
            ));
        }
        let max_age = cx.option("stale-invitation-days").saturating_mul(DAY);
        let now = cx.now;
        out.par_extend(
            cx.tenant
                .par_users_where(|h| h.is(user_flags::PENDING_ACCEPTANCE))
                .filter_map(|(_, u)| {
                    let (since, what) = pending_since(u)?;
                    let age = now.saturating_sub(since);
                    (age > max_age).then_some((u, since, what, age))
                })
                .map(|(u, since, what, age)| {
                    let days = age / DAY;
                    let mail = t.s(u.mail).trim();
                    let to = if mail.is_empty() {
                        String::new()
                    } else {
                        format!(" to {}", crate::ident::addr(mail))
                    };
                    cx.finding(
                        &META,
                        cx.user_obj(u),
                        format!(
                            "invitation{to} still pending acceptance after {days} day{} ({what} {}): re-invite the guest at the address they sign in with, since an invitation sent to a proxy address cannot be redeemed",
                            if days == 1 { "" } else { "s" },
                            rfc3339(since)
                        ),
                    )
                }),
        );
        Ok(())
    }
}
