use crate::model::{Member, group_props};
use crate::rules::listing::{MAX_LISTED, MAX_RELATED};
use crate::rules::{Category, Context, Finding, Object, Outcome, Rule, RuleMeta, need_prop};

/// LIC007: a group that assigns licenses has groups among its direct members.
pub struct GroupLicenseNestedMembers;

static META: RuleMeta = RuleMeta {
    code: "LIC007",
    name: "group-license-nested-members",
    category: Category::Hygiene,
    summary: "group that assigns licenses has nested groups, whose members get no license from it",
    options: &[],
    reads: &[
        ("groups", "assignedLicenses"),
        ("groups", "members"),
        ("subscribedSkus", "skuPartNumber"),
    ],
    doc: include_str!("../../../rules/LIC007.md"),
};

/// Member edges the rule may follow in all, per member edge of the snapshot (plus a floor):
/// counting the users of nested groups stays linear in the input however the groups nest.
const WORK_PER_EDGE: usize = 4;
const WORK_FLOOR: usize = 1 << 20;

impl Rule for GroupLicenseNestedMembers {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        let groups = &t.groups;
        need_prop(
            groups,
            "groups",
            group_props::ASSIGNED_LICENSES,
            "assignedLicenses",
        )?;
        need_prop(groups, "groups", group_props::MEMBERS, "members")?;

        let edges: usize = groups.items.iter().map(|g| g.members.len()).sum();
        let mut budget = edges.saturating_mul(WORK_PER_EDGE).max(WORK_FLOOR);
        // Epoch marks, reused for every licensed group: one u32 per group and per user.
        let mut group_mark = vec![0u32; groups.items.len()];
        let mut user_mark = vec![0u32; t.users.items.len()];
        let mut epoch = 0u32;
        let mut stack: Vec<u32> = Vec::new();

        for (gi, g) in groups.items.iter().enumerate() {
            if g.licenses.is_empty() {
                continue;
            }
            let mut nested: Vec<u32> = g
                .members
                .iter()
                .filter_map(|m| match *m {
                    Member::Group(n) if n as usize != gi => Some(n),
                    _ => None,
                })
                .collect();
            if nested.is_empty() {
                continue;
            }
            nested.sort_unstable();
            nested.dedup();
            epoch += 1;
            // The group's direct users are licensed by it: marked first, not counted.
            for m in g.members.iter() {
                if let Member::User(u) = *m
                    && let Some(mark) = user_mark.get_mut(u as usize)
                {
                    *mark = epoch;
                }
            }
            if let Some(mark) = group_mark.get_mut(gi) {
                *mark = epoch;
            }
            // Users reached only through nested groups (any depth), within the budget.
            let mut unlicensed = 0usize;
            let mut counted = true;
            stack.clear();
            for &n in &nested {
                if let Some(mark) = group_mark.get_mut(n as usize)
                    && *mark != epoch
                {
                    *mark = epoch;
                    stack.push(n);
                }
            }
            'walk: while let Some(n) = stack.pop() {
                let members = &groups.items.at(n).members;
                if members.len() > budget {
                    counted = false;
                    break 'walk;
                }
                budget -= members.len();
                for m in members.iter() {
                    match *m {
                        Member::User(u) => {
                            if let Some(mark) = user_mark.get_mut(u as usize)
                                && *mark != epoch
                            {
                                *mark = epoch;
                                unlicensed += 1;
                            }
                        }
                        Member::Group(x) => {
                            if let Some(mark) = group_mark.get_mut(x as usize)
                                && *mark != epoch
                            {
                                *mark = epoch;
                                stack.push(x);
                            }
                        }
                        Member::Contact(_) | Member::Other(_) => {}
                    }
                }
            }

            let mut objs: Vec<Object> = nested
                .iter()
                .map(|&n| cx.group_obj(groups.items.at(n)))
                .collect();
            objs.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
            let names: Vec<String> = objs
                .iter()
                .take(MAX_LISTED)
                .map(|o| format!("`{}`", crate::ident::name(&o.name)))
                .collect();
            let mut list = names.join(", ");
            if objs.len() > MAX_LISTED {
                list.push_str(&format!(" and {} more", objs.len() - MAX_LISTED));
            }
            let skus: Vec<String> = {
                let mut v: Vec<String> = g
                    .licenses
                    .iter()
                    .map(|&id| {
                        t.sku(id)
                            .map(|s| t.s(s.part_number).trim().to_owned())
                            .filter(|p| !p.is_empty())
                            .unwrap_or_else(|| id.to_string())
                    })
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            };
            let users = if counted {
                match unlicensed {
                    0 => "no user that the group does not hold directly".to_owned(),
                    1 => "1 user that the group does not hold directly".to_owned(),
                    n => format!("{n} users that the group does not hold directly"),
                }
            } else {
                "users not counted (the nesting is too large to count)".to_owned()
            };
            let n = nested.len();
            out.push(
                cx.finding(
                    &META,
                    cx.group_obj(g),
                    format!(
                        "group assigns {} but has {} nested group{} ({list}) holding {users}: group-based licensing does not reach members of nested groups",
                        skus.join(", "),
                        n,
                        if n == 1 { "" } else { "s" },
                    ),
                )
                .with_related(objs.into_iter().take(MAX_RELATED).collect()),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::rules::run_on_json as run;

    #[test]
    fn nested_cycles_are_counted_once_and_self_membership_is_no_nesting() {
        // A licensed group nesting B, which nests A back and holds one user; A also lists itself.
        let f = run(
            &GroupLicenseNestedMembers,
            r#"{"users": [{"id": "6e7b768e-07e2-4810-8459-485f84f8f204"}, {"id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd"}],
               "groups": [
                 {"id": "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4", "displayName": "A",
                  "assignedLicenses": [{"skuId": "05e9a617-0261-4cee-bb44-138d3ef5d965"}],
                  "members": ["45b7d2e7-b882-4a80-ba97-10b7a63b8fa4", "02bd9fd6-8f93-4758-87c3-1fb73740a315",
                              "6e7b768e-07e2-4810-8459-485f84f8f204"]},
                 {"id": "02bd9fd6-8f93-4758-87c3-1fb73740a315", "displayName": "B", "assignedLicenses": [],
                  "members": ["45b7d2e7-b882-4a80-ba97-10b7a63b8fa4", "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
                              "6e7b768e-07e2-4810-8459-485f84f8f204"]}]}"#,
        )
        .unwrap();
        assert_eq!(f.len(), 1);
        let msg = crate::ident::plain(&f[0].message);
        assert!(msg.contains("1 nested group (`B`) holding 1 user"), "{msg}");
        let f = run(
            &GroupLicenseNestedMembers,
            r#"{"groups": [{"id": "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4", "displayName": "A",
                  "assignedLicenses": [{"skuId": "05e9a617-0261-4cee-bb44-138d3ef5d965"}],
                  "members": ["45b7d2e7-b882-4a80-ba97-10b7a63b8fa4"]}]}"#,
        )
        .unwrap();
        assert!(f.is_empty(), "a group listing itself nests nothing");
    }
}
