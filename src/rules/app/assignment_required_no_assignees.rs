use crate::model::{Guid, ObjKind, app_flags, app_props};
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta, need_prop};
use rayon::prelude::*;

/// APP003: an enterprise app requires assignment but nobody is assigned to it.
pub struct AssignmentRequiredNoAssignees;

static META: RuleMeta = RuleMeta {
    code: "APP003",
    name: "app-assignment-required-no-assignees",
    category: Category::Hygiene,
    summary: "service principal requires assignment but has no user, group or app assigned",
    options: &[],
    reads: &[
        ("servicePrincipals", "appRoleAssignmentRequired"),
        ("servicePrincipals", "accountEnabled"),
        ("servicePrincipals", "appOwnerOrganizationId"),
        ("servicePrincipals", "appRoleAssignedTo"),
    ],
    doc: include_str!("../../../rules/APP003.md"),
};

/// Tenants whose applications are Microsoft's own (first-party apps): Microsoft Services and
/// Microsoft's corporate tenant. Their service principals are exempt.
pub const MICROSOFT_TENANTS: [Guid; 2] = [
    // f8cdef31-a31e-4b4a-93e4-5f571e91255a
    Guid(0xf8cd_ef31_a31e_4b4a_93e4_5f57_1e91_255a),
    // 72f988bf-86f1-41af-91ab-2d7cd011db47
    Guid(0x72f9_88bf_86f1_41af_91ab_2d7c_d011_db47),
];

impl Rule for AssignmentRequiredNoAssignees {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        let sps = &t.service_principals;
        need_prop(
            sps,
            "servicePrincipals",
            app_props::APP_ROLE_ASSIGNMENT_REQUIRED,
            "appRoleAssignmentRequired",
        )?;
        need_prop(
            sps,
            "servicePrincipals",
            app_props::APP_ROLE_ASSIGNED_TO,
            "appRoleAssignedTo",
        )?;
        out.par_extend(
            sps.items
                .par_iter()
                .filter(|a| {
                    a.flags & app_flags::ASSIGNMENT_REQUIRED != 0
                        && a.flags & app_flags::DISABLED == 0
                        && a.flags & app_flags::ASSIGNMENTS_KNOWN != 0
                        && a.assigned_to.is_empty()
                        && !a.owner_org.is_some_and(|o| MICROSOFT_TENANTS.contains(&o))
                })
                .map(|a| {
                    cx.finding(
                        &META,
                        cx.app_obj(a, ObjKind::ServicePrincipal),
                        "app requires assignment (appRoleAssignmentRequired) but no user, group or service principal is assigned to it: nobody can sign in to it or see it in My Apps".into(),
                    )
                }),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::rules::run_on_json as run;

    #[test]
    fn a_service_principal_whose_assignments_were_not_exported_is_not_judged() {
        let f = run(
            &AssignmentRequiredNoAssignees,
            r#"{"servicePrincipals": [
                 {"id": "ef97cd11-ac57-542b-afbb-5bfa95db7992", "displayName": "Exported",
                  "appRoleAssignmentRequired": true, "appRoleAssignedTo": []},
                 {"id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "displayName": "Not exported",
                  "appRoleAssignmentRequired": true}]}"#,
        )
        .unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].object.name, "Exported");
    }
}
