//! JUnit XML, as CI servers read it (Azure DevOps' Tests tab, GitLab's test report, Jenkins).
//!
//! One `<testsuite>` per rule and snapshot; in it one failing `<testcase>` per finding (named
//! after its object, the snapshot as class name, the message and the help in the failure), a
//! passing case when the rule found nothing, a skipped case with the reason when the rule did
//! not run. No times or timestamps: the same findings give the same bytes. Written with
//! quick-junit, which escapes the XML and drops characters XML cannot hold.

use super::{ExemptionState, Report, exemption_note, object_label};
use crate::rules::{Finding, RuleMeta};
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use std::io::{self, Write};

fn suite_name(meta: &RuleMeta, r: &Report, several: bool) -> String {
    if several {
        format!("{} {} ({})", meta.code, meta.name, r.source)
    } else {
        format!("{} {}", meta.code, meta.name)
    }
}

fn failure(r: &Report, f: &Finding) -> TestCase {
    // Every finding is a failure (warnings and info too: they are findings), its severity
    // the failure's type.
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    status
        .set_message(f.message.as_str())
        .set_type(f.severity.as_str())
        .set_description(format!(
            "{}\n\nhelp: {}\nfingerprint: {}",
            f.message,
            f.rule.help(),
            super::fingerprint(f)
        ));
    let name = format!(
        "{} {} ({})",
        f.object.kind.as_str(),
        f.object.name,
        f.object.id
    );
    let mut case = TestCase::new(name, status);
    case.set_classname(r.source);
    case
}

pub fn write(reports: &[Report], w: &mut dyn Write) -> io::Result<()> {
    let several = reports.len() > 1;
    let mut out = quick_junit::Report::new("tenantlint");
    for r in reports {
        let mut metas: Vec<(&'static RuleMeta, Option<&str>)> =
            r.result.ran.iter().map(|m| (*m, None)).collect();
        metas.extend(
            r.result
                .skipped
                .iter()
                .map(|s| (s.rule, Some(s.reason.as_str()))),
        );
        metas.sort_by_key(|(m, _)| m.code);
        let mut groups = super::by_rule(&r.result.findings).into_iter().peekable();
        let ex = &r.result.exemptions;
        let exempted = &ex.exempted;
        for (meta, skipped) in metas {
            let mine = match groups.peek() {
                Some((m, _)) if m.code == meta.code => groups.next().map_or(&[][..], |g| g.1),
                _ => &[],
            };
            let mut suite = TestSuite::new(suite_name(meta, r, several));
            match skipped {
                Some(reason) => {
                    let mut status = TestCaseStatus::skipped();
                    status.set_message(reason);
                    let mut case = TestCase::new(meta.summary, status);
                    case.set_classname(r.source);
                    suite.add_test_case(case);
                }
                None if mine.is_empty() => {
                    let mut case = TestCase::new(meta.summary, TestCaseStatus::success());
                    case.set_classname(r.source);
                    suite.add_test_case(case);
                }
                None => {
                    suite.add_test_cases(mine.iter().map(|f| failure(r, f)));
                }
            }
            // Exempted findings: skipped cases saying which exemption covers them.
            for (f, i) in exempted.iter().filter(|(f, _)| f.rule.code == meta.code) {
                let note = ex
                    .exemptions
                    .get(*i)
                    .map(exemption_note)
                    .unwrap_or_default();
                let mut status = TestCaseStatus::skipped();
                status
                    .set_message(format!("exempted: {note}"))
                    .set_type("exempted");
                let mut case = TestCase::new(object_label(&f.object), status);
                case.set_classname(r.source);
                suite.add_test_case(case);
            }
            out.add_test_suite(suite);
        }
        // The exemptions themselves: one case each, failing when expired or stale (exemptions
        // rot; this is where a reviewer sees it).
        let states = r.exemption_states();
        if !states.is_empty() {
            let name = if several {
                format!("exemptions ({})", r.source)
            } else {
                "exemptions".to_owned()
            };
            let mut suite = TestSuite::new(name);
            for (e, state) in states {
                let mut status = match state {
                    ExemptionState::Applied(_) => TestCaseStatus::success(),
                    ExemptionState::Expired | ExemptionState::Stale => {
                        let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                        s.set_message(state.label()).set_type(match state {
                            ExemptionState::Expired => "expired",
                            _ => "stale",
                        });
                        s
                    }
                };
                if let ExemptionState::Applied(_) = state {
                    status.set_message(state.label());
                }
                let mut case = TestCase::new(
                    format!("{} {}: {}", e.rule.code, e.object, exemption_note(e)),
                    status,
                );
                case.set_classname(r.source);
                suite.add_test_case(case);
            }
            out.add_test_suite(suite);
        }
    }
    out.serialize(&mut *w).map_err(io::Error::other)?;
    writeln!(w)
}
