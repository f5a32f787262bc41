use crate::model::{Member, ObjKind, PrincipalType, app_props, group_props};
use crate::rules::listing::{MAX_LISTED, MAX_RELATED};
use crate::rules::{Category, Context, Finding, Object, Outcome, Rule, RuleMeta, need_prop};
use rayon::prelude::*;

/// APP004: an app is assigned to a group that has nested groups.
pub struct AssignedToNestedGroup;

static META: RuleMeta = RuleMeta {
    code: "APP004",
    name: "app-assigned-to-nested-group",
    category: Category::Hygiene,
    summary: "service principal assigned to a group with nested groups, whose members do not get the app",
    options: &[],
    reads: &[
        ("servicePrincipals", "appRoleAssignedTo"),
        ("groups", "members"),
    ],
    doc: include_str!("../../../rules/APP004.md"),
};

impl Rule for AssignedToNestedGroup {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        need_prop(
            &t.service_principals,
            "servicePrincipals",
            app_props::APP_ROLE_ASSIGNED_TO,
            "appRoleAssignedTo",
        )?;
        need_prop(&t.groups, "groups", group_props::MEMBERS, "members")?;
        // Nested groups per group, counted once for every assignment that names it.
        let nested: Vec<u32> = t
            .groups
            .items
            .par_iter()
            .map(|g| {
                let n = g
                    .members
                    .iter()
                    .filter(|m| matches!(m, Member::Group(_)))
                    .count();
                u32::try_from(n).unwrap_or(u32::MAX)
            })
            .collect();
        out.par_extend(t.service_principals.items.par_iter().filter_map(|a| {
            let mut groups: Vec<u32> = a
                .assigned_to
                .iter()
                .filter(|r| r.principal_type == PrincipalType::Group)
                .filter_map(|r| t.group_index(r.principal))
                .filter(|&g| nested.get(g as usize).is_some_and(|&n| n > 0))
                .collect();
            if groups.is_empty() {
                return None;
            }
            groups.sort_unstable();
            groups.dedup();
            let mut objs: Vec<(Object, u32)> = groups
                .iter()
                .map(|&g| (cx.group_obj(t.groups.items.at(g)), nested.get(g as usize).copied().unwrap_or(0)))
                .collect();
            objs.sort_by(|a, b| (&a.0.name, &a.0.id).cmp(&(&b.0.name, &b.0.id)));
            let named: Vec<String> = objs
                .iter()
                .take(MAX_LISTED)
                .map(|(o, n)| {
                    format!(
                        "`{}` ({n} nested group{})",
                        crate::ident::name(&o.name),
                        if *n == 1 { "" } else { "s" }
                    )
                })
                .collect();
            let mut list = named.join(", ");
            if objs.len() > MAX_LISTED {
                list.push_str(&format!(" and {} more", objs.len() - MAX_LISTED));
            }
            let n = objs.len();
            Some(
                cx.finding(
                    &META,
                    cx.app_obj(a, ObjKind::ServicePrincipal),
                    format!(
                        "app is assigned to {} with nested groups, {list}: members of the nested groups do not get the app (assignment does not cascade)",
                        if n == 1 { "a group".to_owned() } else { format!("{n} groups") }
                    ),
                )
                .with_related(objs.into_iter().take(MAX_RELATED).map(|(o, _)| o).collect()),
            )
        }));
        Ok(())
    }
}
