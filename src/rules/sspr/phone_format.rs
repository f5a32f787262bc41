use super::in_scope;
use crate::model::{user_flags, user_props};
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta, Skip};
use rayon::prelude::*;

/// SSPR005: a phone number of an in-scope user that SSPR cannot dial as stored.
pub struct PhoneFormat;

static META: RuleMeta = RuleMeta {
    code: "SSPR005",
    name: "sspr-phone-format",
    category: Category::Hygiene,
    summary: "phone number of a user in the password reset scope is not in the form +<country code> <number> or has an extension",
    options: &[],
    reads: &[
        ("policies", "passwordResetPolicy"),
        ("users", "accountEnabled"),
        ("users", "userType"),
        ("users", "userPrincipalName"),
        ("groups", "members"),
        ("users", "mobilePhone"),
        ("users", "businessPhones"),
    ],
    doc: include_str!("../../../rules/SSPR005.md"),
};

/// What is wrong with a phone number, or `None` when it is empty or well formed
/// (`+<1-3 digit country code> <number>`, the number digits in groups separated by single
/// spaces, at most 15 digits in all).
fn problem(phone: &str) -> Option<&'static str> {
    let p = crate::model::trim(phone);
    if p.is_empty() {
        return None;
    }
    if p.bytes()
        .any(|b| matches!(b, b'x' | b'X' | b',' | b';' | b'#'))
    {
        return Some("carries an extension, which password reset drops");
    }
    let Some(rest) = p.strip_prefix('+') else {
        return Some("has no +<country code>");
    };
    let cc_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let after = &rest[cc_len..];
    if cc_len > 0 && after.is_empty() {
        return Some("has no space between the country code and the number");
    }
    const SHAPE: &str = "is not in the form +<country code> <number>";
    if !(1..=3).contains(&cc_len) || rest.starts_with('0') {
        return Some(SHAPE);
    }
    let Some(number) = after.strip_prefix(' ') else {
        return Some(SHAPE);
    };
    let digits = number.bytes().filter(u8::is_ascii_digit).count();
    let groups_ok = number
        .split(' ')
        .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()));
    if !groups_ok || digits < 4 || cc_len + digits > 15 {
        return Some(SHAPE);
    }
    None
}

impl Rule for PhoneFormat {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        let scope = in_scope(cx)?;
        if t.users.present
            && !t.users.has(user_props::MOBILE_PHONE)
            && !t.users.has(user_props::BUSINESS_PHONES)
        {
            return Err(Skip(
                "no object in users has `mobilePhone` or `businessPhones` (add them to the export's $select)".into(),
            ));
        }
        let users = scope.par_users_where(t, |h| !h.is(user_flags::PLAIN_PHONES));
        out.par_extend(users.filter_map(|u| {
            let mut bad: Vec<String> = Vec::new();
            let mobile = t.s(u.mobile_phone());
            if let Some(why) = problem(mobile) {
                bad.push(format!(
                    "mobilePhone \"{}\" {why}",
                    crate::ident::phone(mobile.trim())
                ));
            }
            for (i, &p) in u.business_phones().iter().enumerate() {
                let p = t.s(p);
                if let Some(why) = problem(p) {
                    bad.push(format!(
                        "businessPhones[{i}] \"{}\" {why}",
                        crate::ident::phone(p.trim())
                    ));
                }
            }
            // Each number judged once; a user whose numbers all pass has no finding.
            (!bad.is_empty()).then(|| cx.finding(&META, cx.user_obj(u), bad.join("; ")))
        }));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn well_formed_numbers_pass() {
        for p in [
            "+1 4251234567",
            "+31 612345678",
            "+1 425 555 0109",
            "",
            "  ",
        ] {
            assert_eq!(problem(p), None, "{p}");
        }
    }

    #[test]
    fn a_plain_number_has_no_problem() {
        // The loader's PLAIN_PHONES flag lets the rule skip reading numbers: sound only if
        // every plain number passes. Every string over an alphabet that reaches each branch.
        let alphabet = [b'+', b'0', b'1', b'4', b' ', b'x', b'-'];
        let mut plain = 0;
        for len in 0..=7u32 {
            for mut n in 0..alphabet.len().pow(len) {
                let mut s = Vec::new();
                for _ in 0..len {
                    s.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                let s = String::from_utf8(s).unwrap();
                if crate::model::plain_phone(&s) {
                    plain += 1;
                    assert_eq!(problem(&s), None, "{s:?}");
                }
            }
        }
        assert!(plain > 100, "{plain}");
        for p in [
            "+1 4251234567",
            "+31 612345678",
            "+1 425 555 0109",
            "+353 861 734 074",
        ] {
            assert!(crate::model::plain_phone(p), "{p}");
        }
        for p in [
            "",
            " +1 4251234567",
            "+1 4251234567 ",
            "+1  4251234567",
            "+1 123",
        ] {
            assert!(!crate::model::plain_phone(p), "{p}");
        }
    }

    #[test]
    fn malformed_numbers_are_named() {
        let cases = [
            ("+1 4251234567 x123", "extension"),
            ("+1 4251234567 ext. 12", "extension"),
            ("+1 4251234567,,12", "extension"),
            ("4251234567", "no +<country code>"),
            ("0894079520", "no +<country code>"),
            ("425-555-0101", "no +<country code>"),
            ("+353861734074", "no space"),
            ("+1 (425) 555-0100", "not in the form"),
            ("+1-425-555-0100", "not in the form"),
            ("+1  4251234567", "not in the form"),
            ("+3538 61734074", "not in the form"),
            ("+0 4251234567", "not in the form"),
            ("+ 4251234567", "not in the form"),
            ("+1 123", "not in the form"),
        ];
        for (p, want) in cases {
            let got = problem(p).unwrap_or_else(|| panic!("{p} passed"));
            assert!(got.contains(want), "{p}: {got}");
        }
    }
}
