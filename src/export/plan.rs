//! What an export requests: every collection the rules read, with `$select` lists derived from
//! what the registered rules declare they read ([`RuleMeta::reads`](crate::rules::RuleMeta)).
//!
//! One source of truth: a rule that starts reading a property declares it, and the export
//! selects it. The export reads rule metadata; rules know nothing of the export.

use crate::error::Error;
use crate::rules::registry;

/// Properties fetched by their own requests, not through `$select` on their collection.
pub const FETCHED_APART: [(&str, &str); 3] = [
    ("groups", "members"),
    ("directoryRoles", "members"),
    ("servicePrincipals", "appRoleAssignedTo"),
];

/// What a collection's objects bring along, fetched per object through `$batch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Children {
    None,
    /// `groups/<id>/members.json`: `GET /groups/{id}/members?$select=id&$top=999`.
    GroupMembers,
    /// `"members"` inline in each role: `GET /directoryRoles/{id}/members?$select=id`.
    RoleMembers,
    /// `servicePrincipals/<id>/appRoleAssignedTo.json`:
    /// `GET /servicePrincipals/{id}/appRoleAssignedTo?$top=999`.
    AssignedTo,
}

/// How a response becomes a snapshot file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A collection (pages with `value`), written as `<key>.json`.
    Collection,
    /// One object, written as `policies/authorizationPolicy.json`.
    Policy,
    /// `directory/onPremisesSynchronization`, mapped to
    /// `policies/onPremisesPasswordResetPolicy.json`.
    OnPremisesSync,
}

/// One thing the export requests.
#[derive(Debug)]
pub struct Collection {
    /// The `--collections` key: the snapshot's collection or policy key.
    pub key: &'static str,
    /// The Graph v1.0 path.
    pub path: &'static str,
    /// Properties the model reads besides what rules declare: names of objects in findings,
    /// and what the loader keeps (`Group::is_role_assignable`, the role assignment's scope).
    pub extra: &'static [&'static str],
    /// Exported with every property (no `$select`): small collections, or ones whose
    /// properties Graph returns in full anyway.
    pub whole: bool,
    /// Asks for pages of 999 (`$top=999`), Graph's maximum for directory objects.
    pub top: bool,
    /// The least application permission that reads it.
    pub permission: &'static str,
    /// A 403 leaves it out with a warning (its rules are then skipped) instead of failing.
    pub optional: bool,
    pub shape: Shape,
    pub children: Children,
}

const fn coll(key: &'static str, path: &'static str, permission: &'static str) -> Collection {
    Collection {
        key,
        path,
        extra: &[],
        whole: false,
        top: true,
        permission,
        optional: false,
        shape: Shape::Collection,
        children: Children::None,
    }
}

/// Everything `tenantlint export` requests, in the order of the snapshot format's table.
pub static COLLECTIONS: [Collection; 12] = [
    Collection {
        extra: &["displayName"],
        ..coll("users", "/users", "User.Read.All")
    },
    Collection {
        extra: &["displayName", "isAssignableToRole"],
        children: Children::GroupMembers,
        ..coll("groups", "/groups", "GroupMember.Read.All")
    },
    Collection {
        extra: &["displayName"],
        ..coll("contacts", "/contacts", "OrgContact.Read.All")
    },
    Collection {
        whole: true,
        top: false,
        ..coll("subscribedSkus", "/subscribedSkus", "Organization.Read.All")
    },
    Collection {
        whole: true,
        top: false,
        ..coll("domains", "/domains", "Domain.Read.All")
    },
    Collection {
        whole: true,
        top: false,
        children: Children::RoleMembers,
        ..coll(
            "directoryRoles",
            "/directoryRoles",
            "RoleManagement.Read.Directory",
        )
    },
    Collection {
        extra: &["directoryScopeId"],
        top: false,
        ..coll(
            "roleAssignments",
            "/roleManagement/directory/roleAssignments",
            "RoleManagement.Read.Directory",
        )
    },
    Collection {
        extra: &["appId", "displayName"],
        ..coll("applications", "/applications", "Application.Read.All")
    },
    Collection {
        extra: &["appId", "displayName"],
        children: Children::AssignedTo,
        ..coll(
            "servicePrincipals",
            "/servicePrincipals",
            "Application.Read.All",
        )
    },
    Collection {
        whole: true,
        optional: true,
        ..coll(
            "userRegistrationDetails",
            "/reports/authenticationMethods/userRegistrationDetails",
            "AuditLog.Read.All",
        )
    },
    Collection {
        whole: true,
        top: false,
        shape: Shape::Policy,
        ..coll(
            "authorizationPolicy",
            "/policies/authorizationPolicy",
            "Policy.Read.All",
        )
    },
    Collection {
        whole: true,
        top: false,
        optional: true,
        shape: Shape::OnPremisesSync,
        ..coll(
            "onPremisesPasswordResetPolicy",
            "/directory/onPremisesSynchronization",
            "OnPremDirectorySynchronization.Read.All",
        )
    },
];

/// The tenant's id and name, for `tenant.json`: always requested.
pub const ORGANIZATION: &str = "/organization?$select=id,displayName";
pub const ORGANIZATION_PERMISSION: &str = "Organization.Read.All";

/// The request of one object's children, relative to `/v1.0`.
pub fn child_url(children: Children, id: &str) -> Option<(String, &'static str)> {
    Some(match children {
        Children::None => return None,
        Children::GroupMembers => (
            format!("/groups/{id}/members?$select=id&$top=999"),
            "GroupMember.Read.All",
        ),
        Children::RoleMembers => (
            format!("/directoryRoles/{id}/members?$select=id"),
            "RoleManagement.Read.Directory",
        ),
        Children::AssignedTo => (
            format!("/servicePrincipals/{id}/appRoleAssignedTo?$top=999"),
            "Application.Read.All",
        ),
    })
}

/// The `$select` list of a collection: `id`, its [`extra`](Collection::extra) properties and
/// every property a registered rule reads from it (less those [`FETCHED_APART`]), sorted and
/// each once; `None` for a collection exported whole.
pub fn select(c: &Collection) -> Option<Vec<&'static str>> {
    if c.whole {
        return None;
    }
    let mut v: Vec<&'static str> = vec!["id"];
    v.extend_from_slice(c.extra);
    for r in registry() {
        for &(coll, prop) in r.meta().reads {
            if coll == c.key && !FETCHED_APART.contains(&(coll, prop)) {
                v.push(prop);
            }
        }
    }
    v.sort_unstable();
    v.dedup();
    Some(v)
}

/// The first request of a collection, relative to `/v1.0`.
pub fn url(c: &Collection) -> String {
    let mut q = Vec::new();
    if let Some(s) = select(c) {
        q.push(format!("$select={}", s.join(",")));
    }
    if c.top {
        q.push("$top=999".to_owned());
    }
    if q.is_empty() {
        c.path.to_owned()
    } else {
        format!("{}?{}", c.path, q.join("&"))
    }
}

/// `--collections`: the keys, each known (a typo gets a suggestion), in table order.
pub fn parse_keys(keys: &[String]) -> Result<Vec<&'static Collection>, Error> {
    if keys.is_empty() {
        return Ok(COLLECTIONS.iter().collect());
    }
    let mut chosen = Vec::new();
    for k in keys {
        let k = k.trim();
        let Some(c) = COLLECTIONS.iter().find(|c| c.key.eq_ignore_ascii_case(k)) else {
            let names: Vec<&str> = COLLECTIONS.iter().map(|c| c.key).collect();
            let near = names
                .iter()
                .map(|n| {
                    let d = crate::report::rules::edit_distance(
                        &k.to_ascii_lowercase(),
                        &n.to_ascii_lowercase(),
                    );
                    (d, *n)
                })
                .filter(|(d, n)| *d <= (n.len() / 3).max(2))
                .min();
            let mut msg = format!("--collections: no collection `{k}`");
            match near {
                Some((_, n)) => msg.push_str(&format!("; did you mean `{n}`?")),
                None => msg.push_str(&format!(" (expected any of {})", names.join(", "))),
            }
            return Err(Error::Usage(msg));
        };
        chosen.push(c);
    }
    let mut out: Vec<&'static Collection> = COLLECTIONS
        .iter()
        .filter(|c| chosen.iter().any(|x| std::ptr::eq(*x, *c)))
        .collect();
    out.dedup_by(|a, b| std::ptr::eq(*a, *b));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_read_of_a_rule_is_selected_or_fetched_apart() {
        for r in registry() {
            for &(coll, prop) in r.meta().reads {
                if coll == "policies" {
                    continue;
                }
                let c = COLLECTIONS
                    .iter()
                    .find(|c| c.key == coll)
                    .unwrap_or_else(|| {
                        panic!("{}: reads {coll}, which is not exported", r.meta().code)
                    });
                if c.whole || FETCHED_APART.contains(&(coll, prop)) {
                    continue;
                }
                let s = select(c).unwrap();
                assert!(s.contains(&prop), "{coll}.{prop} not in {s:?}");
            }
        }
    }

    #[test]
    fn select_lists_are_sorted_and_start_from_id() {
        let users = select(&COLLECTIONS[0]).unwrap();
        assert!(users.contains(&"id") && users.contains(&"displayName"));
        assert!(users.windows(2).all(|w| w[0] < w[1]));
        assert!(url(&COLLECTIONS[0]).ends_with("&$top=999"));
        assert_eq!(url(&COLLECTIONS[3]), "/subscribedSkus");
        assert!(!url(&COLLECTIONS[1]).contains("members"));
        assert!(!url(&COLLECTIONS[8]).contains("appRoleAssignedTo"));
    }

    #[test]
    fn collection_keys_are_checked() {
        let all = parse_keys(&[]).unwrap();
        assert_eq!(all.len(), COLLECTIONS.len());
        let two = parse_keys(&["groups".into(), "Users".into(), "users".into()]).unwrap();
        assert_eq!(
            two.iter().map(|c| c.key).collect::<Vec<_>>(),
            ["users", "groups"]
        );
        let e = parse_keys(&["user".into()]).unwrap_err().to_string();
        assert!(e.contains("did you mean `users`?"), "{e}");
        let e = parse_keys(&["devices".into()]).unwrap_err().to_string();
        assert!(e.contains("expected any of users, groups"), "{e}");
    }
}
