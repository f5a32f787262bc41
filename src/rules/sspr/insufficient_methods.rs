use super::{in_scope, policy};
use crate::model::{UserHot, methods, registration_props};
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta, need_prop};
use rayon::prelude::*;

/// SSPR004: an in-scope user registered fewer password reset methods than the policy requires.
pub struct InsufficientMethods;

static META: RuleMeta = RuleMeta {
    code: "SSPR004",
    name: "sspr-insufficient-methods",
    category: Category::Hygiene,
    summary: "user in the password reset scope registered fewer usable methods than the policy requires",
    options: &[],
    reads: &[
        ("policies", "passwordResetPolicy"),
        ("users", "accountEnabled"),
        ("users", "userType"),
        ("users", "userPrincipalName"),
        ("groups", "members"),
        ("userRegistrationDetails", "methodsRegistered"),
    ],
    doc: include_str!("../../../rules/SSPR004.md"),
};

/// The password reset methods, as `methodsRegistered` names that provide each. Methods in one
/// family count once: SSPR offers the Authenticator notification OR its code, and one "mobile
/// phone" method whichever authentication phone is used.
const FAMILIES: [(&str, &[&str]); 5] = [
    ("email", &["email"]),
    ("mobile phone", &["mobilePhone", "alternateMobilePhone"]),
    ("office phone", &["officePhone"]),
    ("security questions", &["securityQuestion"]),
    (
        "authenticator app or OATH code",
        &[
            "microsoftAuthenticatorPush",
            "softwareOneTimePasscode",
            "hardwareOneTimePasscode",
        ],
    ),
];

fn mask(names: &[&str]) -> u32 {
    names.iter().fold(0, |m, n| m | methods::bit(n))
}

/// The `methods` bits of each of [`FAMILIES`], worked out once (a name's bit is found by
/// searching the names: too slow for every user).
static MASKS: std::sync::LazyLock<[u32; FAMILIES.len()]> =
    std::sync::LazyLock::new(|| FAMILIES.map(|(_, names)| mask(names)));

/// The families a registration covers (labels, in [`FAMILIES`] order).
fn usable(bits: u32) -> impl Iterator<Item = &'static str> {
    FAMILIES
        .iter()
        .zip(MASKS.iter())
        .filter(move |(_, m)| bits & **m != 0)
        .map(|((label, _), _)| *label)
}

pub(super) fn usable_count(bits: u32) -> u32 {
    usable(bits).count() as u32
}

impl Rule for InsufficientMethods {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        let (p, _) = policy(t)?;
        let scope = in_scope(cx)?;
        need_prop(
            &t.registrations,
            "userRegistrationDetails",
            registration_props::METHODS_REGISTERED,
            "methodsRegistered",
        )?;
        let required = p.methods_required.unwrap_or(1).max(1);
        // A user whose own record sits at its position and has enough methods passes without
        // being read.
        let regs = &t.registrations.items;
        let enough = move |i: usize, h: UserHot| {
            h.has_registration_here()
                && regs
                    .get(i)
                    .is_some_and(|r| usable_count(r.methods) >= required)
        };
        let users = scope.par_indexed_users_where(t, move |i, h| !enough(i, h));
        out.par_extend(users.filter_map(|(i, u)| {
            let reg = t.registration_at(i, u.id);
            let bits = reg.map_or(0, |r| r.methods);
            let have = usable_count(bits);
            if have >= required {
                return None;
            }
            let mut msg = if have == 0 {
                format!(
                    "user has no method usable for password reset but the policy requires {required}"
                )
            } else {
                let list: Vec<&str> = usable(bits).collect();
                format!(
                    "user has {have} method{} usable for password reset ({}) but the policy requires {required}",
                    if have == 1 { "" } else { "s" },
                    list.join(", ")
                )
            };
            if reg.is_none() {
                msg.push_str(" (no userRegistrationDetails record)");
            } else {
                let all_usable = MASKS.iter().fold(0, |m, x| m | x);
                let mut other: Vec<&str> = methods::NAMES
                    .iter()
                    .filter(|n| bits & methods::bit(n) & !all_usable != 0)
                    .copied()
                    .collect();
                if !other.is_empty() {
                    other.sort_unstable();
                    msg.push_str("; registered but not used by password reset: ");
                    msg.push_str(&other.join(", "));
                }
            }
            Some(cx.finding(&META, cx.user_obj(u), msg))
        }));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_name_known_methods_and_count_once() {
        for (_, names) in FAMILIES {
            for n in names {
                assert_ne!(methods::bit(n), 0, "{n} is not in methods::NAMES");
            }
        }
        let push_and_code =
            methods::bit("microsoftAuthenticatorPush") | methods::bit("softwareOneTimePasscode");
        assert_eq!(usable_count(push_and_code), 1);
        assert_eq!(usable_count(methods::bit("fido2SecurityKey")), 0);
        assert_eq!(
            usable_count(methods::bit("email") | methods::bit("officePhone")),
            2
        );
    }
}
