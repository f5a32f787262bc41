use super::{credentials, days, need_credentials, rfc3339};
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta};

/// APP001: an application or service principal credential whose end date has passed.
pub struct AppCredentialExpired;

static META: RuleMeta = RuleMeta {
    code: "APP001",
    name: "app-credential-expired",
    category: Category::Breakage,
    summary: "application or service principal credential has expired",
    options: &[],
    reads: &[
        ("applications", "passwordCredentials"),
        ("applications", "keyCredentials"),
        ("servicePrincipals", "passwordCredentials"),
        ("servicePrincipals", "keyCredentials"),
    ],
    doc: include_str!("../../../rules/APP001.md"),
};

impl Rule for AppCredentialExpired {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        need_credentials(cx)?;
        out.extend(credentials(cx).filter_map(|c| {
            let end = c.cred.end?;
            (end < cx.now).then(|| {
                cx.finding(
                    &META,
                    cx.app_obj(c.app, c.kind),
                    format!(
                        "{} expired on {}, {} ago",
                        c.describe(cx),
                        rfc3339(end),
                        days(cx.now - end)
                    ),
                )
                .with_key(c.key(cx))
            })
        }));
        Ok(())
    }
}
