//! The same snapshot in other forms: shuffled, in other whitespace, as a directory of Graph
//! pages, and with unrelated objects added.

use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::path::Path;

/// splitmix64: a small deterministic generator, seeded by proptest.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

/// Every array of the document shuffled: collections, members, addresses, licenses, plans,
/// methods, credentials, selected groups. (Object key order is shuffled by [`write`].)
pub fn shuffle_arrays(v: &mut Value, rng: &mut Rng) {
    match v {
        Value::Array(a) => {
            rng.shuffle(a);
            for x in a {
                shuffle_arrays(x, rng);
            }
        }
        Value::Object(o) => {
            for (_, x) in o.iter_mut() {
                shuffle_arrays(x, rng);
            }
        }
        _ => {}
    }
}

/// Shuffles the elements of an array, not what is inside them.
pub fn shuffle_top(v: &mut Value, rng: &mut Rng) {
    if let Value::Array(a) = v {
        rng.shuffle(a);
    }
}

/// Keeps, in every `proxyAddresses` list, one spelling of each address (the first; addresses
/// compare trimmed and case-insensitively, prefix included, as the rules compare them).
///
/// Which spelling a finding quotes when one object holds an address twice (`SMTP:a@x` and
/// `smtp:A@x`) follows the list's order: see the ignored regression tests in
/// `tests/regressions.rs`. Graph never returns such a list (Exchange keeps proxy addresses
/// unique per object), so the order property is checked without it.
pub fn one_spelling_per_address(v: &mut Value) {
    match v {
        Value::Array(a) => a.iter_mut().for_each(one_spelling_per_address),
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                match x {
                    Value::Array(list) if k == "proxyAddresses" => {
                        let mut seen = BTreeSet::new();
                        list.retain(|p| seen.insert(p.as_str().map(|s| s.trim().to_lowercase())));
                    }
                    _ => one_spelling_per_address(x),
                }
            }
        }
        _ => {}
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Style {
    /// No whitespace at all.
    Compact,
    /// Two spaces, LF (serde_json's and jq's pretty form).
    Pretty,
    /// What Windows PowerShell writes: a UTF-8 byte order mark, four spaces, CRLF, two spaces
    /// after the colon.
    PowerShell,
}

/// The document as JSON text in `style`, object keys in sorted order or, with `keys`, in an
/// order drawn from it.
pub fn write(v: &Value, style: Style, mut keys: Option<&mut Rng>) -> Vec<u8> {
    let mut out = String::new();
    if let Style::PowerShell = style {
        out.push('\u{feff}');
    }
    write_value(v, style, &mut keys, 0, &mut out);
    if !matches!(style, Style::Compact) {
        out.push_str(newline(style));
    }
    out.into_bytes()
}

fn newline(style: Style) -> &'static str {
    match style {
        Style::Compact => "",
        Style::Pretty => "\n",
        Style::PowerShell => "\r\n",
    }
}

fn indent(style: Style, depth: usize, out: &mut String) {
    out.push_str(newline(style));
    let unit = match style {
        Style::Compact => return,
        Style::Pretty => "  ",
        Style::PowerShell => "    ",
    };
    for _ in 0..depth {
        out.push_str(unit);
    }
}

fn write_value(v: &Value, style: Style, keys: &mut Option<&mut Rng>, d: usize, out: &mut String) {
    match v {
        Value::Array(a) if !a.is_empty() => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(style, d + 1, out);
                write_value(x, style, keys, d + 1, out);
            }
            indent(style, d, out);
            out.push(']');
        }
        Value::Object(o) if !o.is_empty() => {
            let mut entries: Vec<(&String, &Value)> = o.iter().collect();
            if let Some(rng) = keys.as_deref_mut() {
                rng.shuffle(&mut entries);
            }
            out.push('{');
            for (i, (k, x)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(style, d + 1, out);
                out.push_str(&Value::String(k.clone()).to_string());
                out.push_str(match style {
                    Style::Compact => ":",
                    Style::Pretty => ": ",
                    Style::PowerShell => ":  ",
                });
                write_value(x, style, keys, d + 1, out);
            }
            indent(style, d, out);
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// The snapshot as a directory of Graph responses: `tenant.json`, users in `users.json` as one
/// page or in two page files, groups as an array of pages with every other group's members in
/// `groups/<id>/members.json`, the other collections as one page or a bare array, and the
/// policies in `policies/`.
pub fn write_dir(doc: &Value, dir: &Path) {
    let put = |name: &str, v: &Value| {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, write(v, Style::Pretty, None)).unwrap();
    };
    let page = |items: &[Value], next: bool| {
        let mut o = Map::new();
        o.insert(
            "@odata.context".into(),
            json!("https://graph.microsoft.com/v1.0/$metadata#users"),
        );
        o.insert("value".into(), Value::Array(items.to_vec()));
        if next {
            o.insert(
                "@odata.nextLink".into(),
                json!("https://graph.microsoft.com/v1.0/users?$skiptoken=X"),
            );
        }
        Value::Object(o)
    };
    let doc = doc.as_object().unwrap();
    let mut tenant = doc["tenant"].clone();
    tenant["exportedAt"] = doc["exportedAt"].clone();
    put("tenant.json", &tenant);
    for (i, (key, v)) in doc.iter().enumerate() {
        let Some(items) = v.as_array() else { continue };
        match key.as_str() {
            // An even number of users in users.json as one page, an odd one in a folder of
            // two pages.
            "users" if items.len() % 2 == 0 => put("users.json", &page(items, false)),
            "users" => {
                let half = items.len() / 2;
                put("users/page-001.json", &page(&items[..half], true));
                put("users/page-002.json", &page(&items[half..], false));
            }
            "groups" => {
                let mut groups = items.clone();
                for (k, g) in groups.iter_mut().enumerate() {
                    if k % 2 == 1
                        && let Some(members) = g.as_object_mut().unwrap().remove("members")
                    {
                        let id = g["id"].as_str().unwrap().to_owned();
                        let members = members.as_array().unwrap().clone();
                        put(&format!("groups/{id}/members.json"), &page(&members, false));
                    }
                }
                let half = groups.len() / 2;
                put(
                    "groups.json",
                    &json!([page(&groups[..half], true), page(&groups[half..], false)]),
                );
            }
            _ if i % 2 == 0 => put(&format!("{key}.json"), &page(items, false)),
            _ => put(&format!("{key}.json"), v),
        }
    }
    if let Some(policies) = doc.get("policies").and_then(Value::as_object) {
        for (key, v) in policies {
            put(&format!("policies/{key}.json"), v);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Unrelated objects
//
// An object is *unrelated* when nothing in the snapshot refers to it and it shares nothing with
// the other objects, so that no rule's judgement of an original object can depend on it:
//
// - a fresh id (no member list, role, assignment, policy or license names it), and fresh
//   names: its UPN, mail and proxy addresses are in its own domain `unrelated-N.test`, which no
//   original address is in or under (UPN004, PRX001, PRX002, UPN001, UPN002);
// - no membership in either direction, no role, no license (LIC*, ROLE001, B2B001, SSPR002);
//   a user is a cloud-only enabled member account: in SSPR scope "all" it is in scope itself,
//   but SSPR006 counts only synced users, and its own findings are about itself;
// - only properties that some original object of its collection already carries. A property
//   that no object carries means "not exported", and rules that need it are skipped: an
//   unrelated object must not switch a rule on for the original objects (LIC001 judges every
//   licensed user once one user has `usageLocation`);
// - subscriptions with no service plan and free seats, domains verified and managed, roles
//   other than Global Administrator with no member, assignments of such roles to unrelated
//   users, applications and service principals with no credential, registrations of
//   unrelated users only.
//
// The property is then: the findings about original objects (and about the tenant and its
// policies) are the same, byte for byte, with or without unrelated objects, wherever in the
// collections they are inserted; findings about unrelated objects are left out of the
// comparison.

/// Properties an object cannot be without (the loader rejects it).
const REQUIRED: [&str; 4] = ["id", "skuId", "principalId", "roleDefinitionId"];

/// Adds `n` unrelated objects to every collection the document has, at positions drawn from
/// `rng`. Returns the ids (as reports write them) of everything added.
pub fn add_unrelated(doc: &mut Value, n: usize, rng: &mut Rng) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let doc = doc.as_object_mut().unwrap();
    let fresh = |kind: u8, k: usize| format!("ffffffff-0000-4000-8000-{kind:x}{k:011x}");
    let users: Vec<String> = (0..n).map(|k| fresh(1, k)).collect();
    let objects = |key: &str, k: usize| -> Option<(String, Value)> {
        let dom = format!("unrelated-{k}.test");
        Some(match key {
            "users" => (
                users[k].clone(),
                json!({
                    "id": users[k], "displayName": format!("Unrelated {k}"),
                    "userPrincipalName": format!("unrelated-{k}@{dom}"),
                    "mail": format!("unrelated-{k}@{dom}"),
                    "proxyAddresses": [format!("SMTP:unrelated-{k}@{dom}")],
                    "accountEnabled": true, "userType": "Member",
                    "createdDateTime": "2025-01-01T00:00:00Z", "onPremisesSyncEnabled": false,
                    "usageLocation": "NL", "assignedLicenses": [], "licenseAssignmentStates": [],
                    "mobilePhone": null, "businessPhones": [],
                }),
            ),
            "groups" => (
                fresh(2, k),
                json!({
                    "id": fresh(2, k), "displayName": format!("Unrelated group {k}"),
                    "mail": format!("group-{k}@{dom}"),
                    "proxyAddresses": [format!("SMTP:group-{k}@{dom}")],
                    "onPremisesSyncEnabled": false, "members": [],
                }),
            ),
            "contacts" => (
                fresh(3, k),
                json!({
                    "id": fresh(3, k), "displayName": format!("Unrelated contact {k}"),
                    "mail": format!("contact-{k}@{dom}"),
                    "proxyAddresses": [format!("SMTP:contact-{k}@{dom}")],
                }),
            ),
            "subscribedSkus" => (
                fresh(8, k),
                json!({
                    "skuId": fresh(8, k), "skuPartNumber": format!("UNRELATED_{k}"),
                    "consumedUnits": 0, "prepaidUnits": {"enabled": 10}, "servicePlans": [],
                }),
            ),
            "domains" => (
                dom.clone(),
                json!({"id": dom, "isVerified": true, "authenticationType": "Managed"}),
            ),
            "directoryRoles" => (
                fresh(6, k),
                json!({
                    "id": fresh(6, k), "roleTemplateId": "fe930be7-5e62-47db-91af-98c3a49a38b1",
                    "displayName": "User Administrator", "members": [],
                }),
            ),
            "roleAssignments" => (
                fresh(9, k),
                json!({
                    "principalId": users[k],
                    "roleDefinitionId": "fe930be7-5e62-47db-91af-98c3a49a38b1",
                    "directoryScopeId": "/",
                }),
            ),
            "applications" | "servicePrincipals" => {
                let kind = if key == "applications" { 4 } else { 5 };
                (
                    fresh(kind, k),
                    json!({
                        "id": fresh(kind, k), "appId": fresh(kind + 6, k),
                        "displayName": format!("Unrelated {key} {k}"),
                        "passwordCredentials": [], "keyCredentials": [],
                    }),
                )
            }
            "userRegistrationDetails" => (
                users[k].clone(),
                json!({"id": users[k], "methodsRegistered": ["email", "mobilePhone"]}),
            ),
            _ => return None,
        })
    };
    let has_users = doc.contains_key("users");
    for (key, v) in doc.iter_mut() {
        let Some(items) = v.as_array_mut() else {
            continue;
        };
        // Registrations and assignments name unrelated users: only with users.
        if matches!(key.as_str(), "userRegistrationDetails" | "roleAssignments") && !has_users {
            continue;
        }
        let carried: BTreeSet<String> = items
            .iter()
            .flat_map(|o| o.as_object().unwrap().keys().cloned())
            .collect();
        for k in 0..n {
            let Some((id, Value::Object(mut o))) = objects(key, k) else {
                break;
            };
            o.retain(|p, _| REQUIRED.contains(&p.as_str()) || carried.contains(p));
            ids.insert(id);
            let at = rng.below(items.len() + 1);
            items.insert(at, Value::Object(o));
        }
    }
    ids
}

/// Adds `copies - 1` copies of every user (and of its registration), each with its own id and
/// its own addresses (`name+cN@domain`), so that the users span several of the loader's
/// batches and the model's chunks. Group and role memberships stay with the originals.
pub fn copy_users(doc: &mut Value, copies: usize) {
    let doc = doc.as_object_mut().unwrap();
    let id = |orig: &str, c: usize| format!("{}{:04x}{}", &orig[..19], 0x8000 + c, &orig[23..]);
    let tag = |s: &str, c: usize| s.replacen('@', &format!("+c{c}@"), 1);
    for key in ["users", "userRegistrationDetails"] {
        let Some(items) = doc.get_mut(key).and_then(Value::as_array_mut) else {
            continue;
        };
        let originals = items.clone();
        for c in 1..copies {
            for o in &originals {
                let mut o = o.clone();
                let m = o.as_object_mut().unwrap();
                let orig = m["id"].as_str().unwrap().to_owned();
                m.insert("id".into(), json!(id(&orig, c)));
                for (k, v) in m.iter_mut() {
                    match v {
                        Value::String(s) if k == "userPrincipalName" || k == "mail" => {
                            *s = tag(s, c);
                        }
                        Value::Array(a) if k == "proxyAddresses" => {
                            for p in a.iter_mut() {
                                if let Value::String(s) = p {
                                    *s = tag(s, c);
                                }
                            }
                        }
                        _ => {}
                    }
                }
                items.push(o);
            }
        }
    }
}
