//! Helpers shared by the integration tests.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use tenantlint::engine::{self, RunResult};
use tenantlint::model::{Member, Tenant};
use tenantlint::report::{self, Format, NowSource, Report};
use tenantlint::rules::{Options, Rule};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> String {
    root().join("fixtures").join(rel).display().to_string()
}

pub fn load(path: &str) -> Tenant {
    tenantlint::snapshot::load(path).unwrap_or_else(|e| panic!("{e}"))
}

pub fn now_of(t: &Tenant) -> i64 {
    t.info
        .exported_at
        .as_ref()
        .map(|(_, s)| *s)
        .expect("fixture must set exportedAt")
}

pub fn run_rules(t: &Tenant, rules: &[&'static dyn Rule], options: &Options) -> RunResult {
    engine::run(t, now_of(t), options, rules)
}

/// The JSON report of a run, with the source path made relative to the repository.
pub fn json_report(t: &Tenant, source: &str, result: &RunResult) -> serde_json::Value {
    let rel = Path::new(source)
        .strip_prefix(root())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| source.to_owned());
    let r = Report {
        source: &rel,
        tenant: t,
        now: now_of(t),
        now_source: NowSource::ExportedAt,
        result,
    };
    let mut buf = Vec::new();
    report::write(Format::Json, &[r], &mut buf, false).unwrap();
    serde_json::from_slice(&buf).unwrap()
}

pub fn member(t: &Tenant, m: &Member) -> String {
    match *m {
        Member::User(i) => format!("user {}", t.users.items[i as usize].id),
        Member::Group(i) => format!("group {}", t.groups.items[i as usize].id),
        Member::Contact(i) => format!("contact {}", t.contacts.items[i as usize].id),
        Member::Other(id) => format!("other {id}"),
    }
}

/// Everything the model holds, as JSON, to compare input forms with each other.
pub fn summary(t: &Tenant) -> Value {
    let s = |r| t.s(r).to_owned();
    json!({
        "info": [t.info.id, t.info.display_name, t.info.exported_at],
        "users": [t.users.present, t.users.props.0, t.users.items.iter().map(|u| json!([
            u.id.to_string(), s(u.upn), t.upn_domains.get(u.upn_domain), s(u.display_name),
            s(u.usage_location), u.flags(), s(u.mail),
            u.proxies.iter().map(|p| s(p.raw)).collect::<Vec<_>>(),
            t.licenses(u).iter().map(|l| json!([l.sku.to_string(),
                l.disabled_plans.iter().map(ToString::to_string).collect::<Vec<_>>()])).collect::<Vec<_>>(),
        ])).collect::<Vec<_>>()],
        "groups": [t.groups.present, t.groups.props.0, t.groups.items.iter().map(|g| json!([
            g.id.to_string(), s(g.display_name), s(g.mail), g.proxies.len(), g.flags,
            g.members.iter().map(|m| member(t, m)).collect::<Vec<_>>(),
            g.licenses.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ])).collect::<Vec<_>>()],
        "contacts": [t.contacts.present, t.contacts.items.iter().map(|c| json!([
            c.id.to_string(), s(c.display_name), s(c.mail)])).collect::<Vec<_>>()],
        "skus": [t.skus.present, t.skus.items.iter().map(|k| json!([
            k.sku_id.to_string(), s(k.part_number), k.consumed_units, k.prepaid_enabled,
            k.plans.iter().map(|p| json!([p.id.to_string(), s(p.name)])).collect::<Vec<_>>(),
        ])).collect::<Vec<_>>()],
        "domains": [t.domains.present, t.domains.items.iter().map(|d| json!([
            d.name, d.verified, d.federated])).collect::<Vec<_>>()],
        "directoryRoles": [t.directory_roles.present, t.directory_roles.items.iter().map(|r| json!([
            r.id.map(|x| x.to_string()), r.template.map(|x| x.to_string()), s(r.display_name),
            r.members.iter().map(|m| member(t, m)).collect::<Vec<_>>(),
        ])).collect::<Vec<_>>()],
        "roleAssignments": [t.role_assignments.present, t.role_assignments.items.iter().map(|a| json!([
            a.principal.to_string(), a.role_definition.to_string()])).collect::<Vec<_>>()],
        "applications": [t.applications.present, t.applications.items.iter().map(|a| json!([
            a.id.to_string(), s(a.app_id), s(a.display_name),
            a.credentials.iter().map(|c| json!([s(c.key_id), s(c.display_name), c.end])).collect::<Vec<_>>(),
        ])).collect::<Vec<_>>()],
        "servicePrincipals": [t.service_principals.present, t.service_principals.items.iter().map(|a| json!([
            a.id.to_string(), s(a.app_id), a.credentials.len(), a.flags,
            a.owner_org.map(|o| o.to_string()),
            a.assigned_to.iter().map(|r| json!([r.principal.to_string(),
                format!("{:?}", r.principal_type), r.app_role.to_string()])).collect::<Vec<_>>(),
        ])).collect::<Vec<_>>()],
        "registrations": [t.registrations.present, t.registrations.items.iter().map(|r| json!([
            r.id.to_string(), r.methods, r.sspr_registered])).collect::<Vec<_>>()],
        "policies": {
            "authorizationPolicy": t.policies.authorization_policy.as_ref().map(|p| json!([
                p.allow_invites_from])),
            "passwordReset": t.policies.password_reset.as_ref().map(|p| json!([
                format!("{:?}", p.enablement),
                p.group_ids.iter().map(ToString::to_string).collect::<Vec<_>>(),
                p.methods_required])),
            "onPrem": t.policies.on_prem_password_reset.as_ref().map(|p| json!([
                p.writeback_supported, p.enablement_for_tenant])),
        },
    })
}
