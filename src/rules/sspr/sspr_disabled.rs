use super::policy;
use crate::model::Enablement;
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta};

/// SSPR001: self-service password reset is enabled for nobody.
pub struct SsprDisabled;

static META: RuleMeta = RuleMeta {
    code: "SSPR001",
    name: "sspr-disabled",
    category: Category::Notice,
    summary: "self-service password reset is not enabled for any user",
    options: &[],
    reads: &[("policies", "passwordResetPolicy")],
    doc: include_str!("../../../rules/SSPR001.md"),
};

impl Rule for SsprDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let (_, enablement) = policy(cx.tenant)?;
        if enablement == Enablement::None {
            out.push(cx.finding(
                &META,
                cx.policy_obj("passwordResetPolicy"),
                "self-service password reset is enabled for nobody (enablementType none): users who forget their password must call the help desk".into(),
            ));
        }
        Ok(())
    }
}
