use super::{DAY, credentials, days, need_credentials, rfc3339};
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta};

/// APP002: an application or service principal credential that expires soon.
pub struct AppCredentialExpiring;

static META: RuleMeta = RuleMeta {
    code: "APP002",
    name: "app-credential-expiring",
    category: Category::Hygiene,
    summary: "application or service principal credential expires within credential-expiry-days",
    options: &["credential-expiry-days"],
    reads: &[
        ("applications", "passwordCredentials"),
        ("applications", "keyCredentials"),
        ("servicePrincipals", "passwordCredentials"),
        ("servicePrincipals", "keyCredentials"),
    ],
    doc: include_str!("../../../rules/APP002.md"),
};

impl Rule for AppCredentialExpiring {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        need_credentials(cx)?;
        let horizon = cx
            .now
            .saturating_add(cx.option("credential-expiry-days").saturating_mul(DAY));
        out.extend(credentials(cx).filter_map(|c| {
            let end = c.cred.end?;
            (end >= cx.now && end <= horizon).then(|| {
                cx.finding(
                    &META,
                    cx.app_obj(c.app, c.kind),
                    format!(
                        "{} expires on {}, in {}",
                        c.describe(cx),
                        rfc3339(end),
                        days(end - cx.now)
                    ),
                )
                .with_key(c.key(cx))
            })
        }));
        Ok(())
    }
}
