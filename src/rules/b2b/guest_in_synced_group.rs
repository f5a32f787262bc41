use crate::model::{Member, group_props, user_props};
use crate::rules::{
    Category, Context, Finding, Outcome, Rule, RuleMeta, Skip, need_collection, need_prop,
};
use rayon::prelude::*;

/// B2B001: a guest that is a direct member of a group synced from on-premises.
pub struct GuestInSyncedGroup;

static META: RuleMeta = RuleMeta {
    code: "B2B001",
    name: "guest-in-synced-group",
    category: Category::Breakage,
    summary: "guest user is a direct member of a group synced from on-premises",
    options: &[],
    reads: &[
        ("users", "userType"),
        ("users", "userPrincipalName"),
        ("groups", "members"),
        ("groups", "onPremisesSyncEnabled"),
    ],
    doc: include_str!("../../../rules/B2B001.md"),
};

impl Rule for GuestInSyncedGroup {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        need_collection(&t.users, "users")?;
        if !t.users.props.has(user_props::USER_TYPE) && !t.users.props.has(user_props::UPN) {
            return Err(Skip(
                "no object in users has `userType` or `userPrincipalName`, so guests cannot be told apart (add them to the export's $select)".into(),
            ));
        }
        need_prop(&t.groups, "groups", group_props::MEMBERS, "members")?;
        need_prop(
            &t.groups,
            "groups",
            group_props::ON_PREMISES_SYNC_ENABLED,
            "onPremisesSyncEnabled",
        )?;
        out.par_extend(
            t.groups
                .items
                .par_iter()
                .filter(|g| g.is_synced())
                .flat_map_iter(|g| {
                    let mut guests: Vec<u32> = g
                        .members
                        .iter()
                        .filter_map(|m| match *m {
                            Member::User(u) if t.users.items.at(u).is_guest() => Some(u),
                            _ => None,
                        })
                        .collect();
                    guests.sort_unstable();
                    guests.dedup();
                    guests.into_iter().map(move |u| {
                        let u = t.users.items.at(u);
                        cx.finding(
                            &META,
                            cx.user_obj(u),
                            format!(
                                "guest is a direct member of group \"{}\", which is synced from on-premises",
                                crate::ident::name(t.s(g.display_name))
                            ),
                        )
                        .with_related(vec![cx.group_obj(g)])
                        .with_key(g.id.to_string())
                    })
                }),
        );
        Ok(())
    }
}
