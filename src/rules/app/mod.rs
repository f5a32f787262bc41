//! Application and service principal rules (APP).

mod app_credential_expired;
mod app_credential_expiring;
mod assigned_to_nested_group;
mod assignment_required_no_assignees;

use super::{Context, Outcome, Rule, Skip};
use crate::model::{App, Collection, Credential, CredentialKind, ObjKind, app_props};

pub const RULES: &[&dyn Rule] = &[
    &app_credential_expired::AppCredentialExpired,
    &app_credential_expiring::AppCredentialExpiring,
    &assignment_required_no_assignees::AssignmentRequiredNoAssignees,
    &assigned_to_nested_group::AssignedToNestedGroup,
];

const DAY: i64 = 86_400;

/// One credential of an application or service principal, with what names it.
struct Cred<'a> {
    kind: ObjKind,
    app: &'a App,
    cred: &'a Credential,
    /// Position among the owner's credentials of the same kind (password or key).
    index: usize,
}

/// Skips unless the snapshot has applications or service principals carrying credentials.
fn need_credentials(cx: &Context) -> Outcome {
    let t = cx.tenant;
    if !t.applications.present && !t.service_principals.present {
        return Err(Skip(
            "the snapshot has no applications and no servicePrincipals".into(),
        ));
    }
    let carried = |c: &Collection<App>| {
        c.has(app_props::PASSWORD_CREDENTIALS) || c.has(app_props::KEY_CREDENTIALS)
    };
    if !carried(&t.applications) && !carried(&t.service_principals) {
        return Err(Skip(
            "no object in applications or servicePrincipals has `passwordCredentials` or `keyCredentials` (add them to the export's $select)".into(),
        ));
    }
    Ok(())
}

/// Every credential with an end date, applications first.
fn credentials<'a>(cx: &'a Context) -> impl Iterator<Item = Cred<'a>> + 'a {
    let t = cx.tenant;
    let apps = t
        .applications
        .items
        .iter()
        .map(|a| (ObjKind::Application, a));
    let sps = t
        .service_principals
        .items
        .iter()
        .map(|a| (ObjKind::ServicePrincipal, a));
    apps.chain(sps).flat_map(|(kind, app)| {
        let (mut pw, mut key) = (0, 0);
        app.credentials.iter().map(move |cred| {
            let counter = match cred.kind {
                CredentialKind::Password => &mut pw,
                CredentialKind::Key => &mut key,
            };
            let index = *counter;
            *counter += 1;
            Cred {
                kind,
                app,
                cred,
                index,
            }
        })
    })
}

impl Cred<'_> {
    fn kind_name(&self) -> &'static str {
        match self.cred.kind {
            CredentialKind::Password => "password credential",
            CredentialKind::Key => "key credential",
        }
    }

    fn list_name(&self) -> &'static str {
        match self.cred.kind {
            CredentialKind::Password => "passwordCredentials",
            CredentialKind::Key => "keyCredentials",
        }
    }

    /// The finding key: the keyId, else the credential's position (`keyCredentials[1]`).
    fn key(&self, cx: &Context) -> String {
        let id = cx.tenant.s(self.cred.key_id).trim();
        if id.is_empty() {
            format!("{}[{}]", self.list_name(), self.index)
        } else {
            id.to_ascii_lowercase()
        }
    }

    /// `password credential "CI deploy" (keyId …)`, or the list position when there is no keyId.
    fn describe(&self, cx: &Context) -> String {
        let t = cx.tenant;
        let name = t.s(self.cred.display_name).trim();
        let id = t.s(self.cred.key_id).trim();
        let mut s = self.kind_name().to_owned();
        if !name.is_empty() {
            s.push_str(&format!(" \"{}\"", crate::ident::name(name)));
        }
        if id.is_empty() {
            s.push_str(&format!(
                " ({}[{}], no keyId)",
                self.list_name(),
                self.index
            ));
        } else {
            s.push_str(&format!(" (keyId {id})"));
        }
        s
    }
}

fn rfc3339(secs: i64) -> String {
    jiff::Timestamp::from_second(secs).map_or_else(|_| secs.to_string(), |t| t.to_string())
}

/// "3 days", "1 day", "less than a day".
fn days(secs: i64) -> String {
    match secs / DAY {
        0 => "less than a day".into(),
        1 => "1 day".into(),
        n => format!("{n} days"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Finding, Options};

    fn run(rule: &dyn Rule, json: &str, options: &Options) -> Result<Vec<Finding>, Skip> {
        let mut f = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
        std::io::Write::write_all(&mut f, json.as_bytes()).unwrap();
        let t = crate::snapshot::load(f.path().to_str().unwrap()).unwrap();
        let cx = Context {
            tenant: &t,
            now: t.info.exported_at.as_ref().unwrap().1,
            options,
        };
        let mut out = Vec::new();
        rule.check(&cx, &mut out).map(|()| out)
    }

    const SNAP: &str = r#"{"exportedAt": "2026-11-20T08:00:00Z",
        "applications": [{"id": "03ef14b0-ca33-4840-8f4f-d6e91916010e", "appId": "631a96bc-a705-4eda-9f99-fdaf9f54f6a2",
          "passwordCredentials": [{"keyId": "1f4c8a2e-3b5d-4e6f-8a7b-9c0d1e2f3a4b", "endDateTime": "2027-02-01T00:00:00Z"}]}]}"#;

    #[test]
    fn skipped_without_apps_or_credentials() {
        let o = Options::default();
        let none = r#"{"exportedAt": "2026-11-20T08:00:00Z", "users": []}"#;
        assert!(run(&app_credential_expired::AppCredentialExpired, none, &o).is_err());
        let unselected = r#"{"exportedAt": "2026-11-20T08:00:00Z",
            "servicePrincipals": [{"id": "00af5dfb-85da-4b41-a677-0c6b86dd34f8", "displayName": "x"}]}"#;
        let e = run(
            &app_credential_expiring::AppCredentialExpiring,
            unselected,
            &o,
        )
        .unwrap_err();
        assert!(e.0.contains("passwordCredentials"), "{e:?}");
    }

    #[test]
    fn expiry_window_follows_the_option() {
        let mut o = Options::default();
        let rule = &app_credential_expiring::AppCredentialExpiring;
        assert!(run(rule, SNAP, &o).unwrap().is_empty());
        o.set("credential-expiry-days=90").unwrap();
        let f = run(rule, SNAP, &o).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].object.name, "631a96bc-a705-4eda-9f99-fdaf9f54f6a2");
        assert_eq!(f[0].key, "1f4c8a2e-3b5d-4e6f-8a7b-9c0d1e2f3a4b");
        assert!(f[0].message.ends_with("in 72 days"), "{}", f[0].message);
    }
}
