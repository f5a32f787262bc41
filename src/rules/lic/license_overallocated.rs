use crate::rules::{
    Category, Context, Finding, Outcome, Rule, RuleMeta, Severity, Skip, need_collection,
};

/// LIC003: a subscription with more units consumed than enabled, or too few seats left.
pub struct LicenseOverallocated;

static META: RuleMeta = RuleMeta {
    code: "LIC003",
    name: "license-overallocated",
    category: Category::Breakage,
    summary: "subscription with more licenses assigned than enabled seats",
    options: &["min-free-seats"],
    reads: &[
        ("subscribedSkus", "consumedUnits"),
        ("subscribedSkus", "prepaidUnits"),
    ],
    doc: include_str!("../../../rules/LIC003.md"),
};

impl Rule for LicenseOverallocated {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let skus = &cx.tenant.skus;
        need_collection(skus, "subscribedSkus")?;
        if !skus.items.is_empty()
            && !skus
                .items
                .iter()
                .any(|s| s.consumed_units.is_some() && s.prepaid_enabled.is_some())
        {
            return Err(Skip(
                "no object in subscribedSkus has both `consumedUnits` and `prepaidUnits.enabled`"
                    .into(),
            ));
        }
        let min_free = cx.option("min-free-seats");
        for s in &skus.items {
            let (Some(consumed), Some(enabled)) = (s.consumed_units, s.prepaid_enabled) else {
                continue;
            };
            if consumed > enabled {
                let seats = if enabled <= 0 {
                    "no enabled seat".to_owned()
                } else {
                    format!("only {enabled} enabled seat{}", plural(enabled))
                };
                out.push(cx.finding(
                    &META,
                    cx.sku_obj(s),
                    format!(
                        "{consumed} license{} assigned but {seats} ({} over)",
                        plural(consumed),
                        consumed - enabled
                    ),
                ));
                continue;
            }
            let free = enabled - consumed;
            // A subscription with no enabled seat and none in use (a lapsed trial, a
            // subscription kept for its history) has nothing to run out of.
            if free < min_free && !(enabled == 0 && consumed == 0) {
                out.push(
                    cx.finding(
                        &META,
                        cx.sku_obj(s),
                        format!(
                            "only {free} of {enabled} enabled seat{} left unassigned, fewer than min-free-seats ({min_free})",
                            plural(enabled)
                        ),
                    )
                    .with_severity(Severity::Warning),
                );
            }
        }
        Ok(())
    }
}

fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Options;

    fn run(options: &Options) -> Vec<(String, Severity, String)> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/LIC003/fail.json");
        let t = crate::snapshot::load(path).unwrap();
        let r = crate::engine::run(&t, 0, options, &[&LicenseOverallocated]);
        assert!(r.skipped.is_empty());
        r.findings
            .into_iter()
            .map(|f| (f.object.name, f.severity, f.message))
            .collect()
    }

    #[test]
    fn min_free_seats_warns_only_when_set() {
        let base = run(&Options::default());
        assert!(base.iter().all(|f| f.1 == Severity::Error), "{base:?}");
        let mut o = Options::default();
        o.set("min-free-seats=5").unwrap();
        let with = run(&o);
        let mut warned: Vec<&str> = with
            .iter()
            .filter(|f| f.1 == Severity::Warning)
            .map(|f| f.0.as_str())
            .collect();
        warned.sort_unstable();
        // SPE_E3 has no free seat left, STANDARDPACK 2; the lapsed trial (0 of 0) and the
        // over-allocated subscriptions (already errors) get no warning.
        assert_eq!(warned, ["SPE_E3", "STANDARDPACK"]);
        assert_eq!(with.len(), base.len() + 2);
    }
}
