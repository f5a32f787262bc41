//! Directory snapshots: which file of a directory holds what.
//!
//! Two layouts, and mixtures of them: tenantlint's own (`users.json`, `users/page-001.json`,
//! `groups/<id>/members.json`, `servicePrincipals/<id>/appRoleAssignedTo.json`, `policies/…`)
//! and the tree microsoft/EntraExporter's `Export-Entra` writes, one object per file
//! (`Users/<id>/<id>.json`, `Groups/<id>/Members/<member id>/<member id>.json`,
//! `ServicePrincipals/<id>/AppRoleAssignedTo/<id>/<id>.json`,
//! `Organization/Organization.json`, …).
//! Folder and file names match with either case of their first letter. The walk has a fixed
//! depth (it never recurses into what it finds), so a symlink loop cannot trap it.

use super::keys::camel;
use crate::error::InputError;
use crate::model::{CollectionKind, Guid};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a file of a snapshot directory holds.
#[derive(Clone, Copy, Debug)]
pub(super) enum Role {
    Collection(CollectionKind),
    /// `groups/<id>/members.json`.
    Members(Guid),
    /// `servicePrincipals/<id>/appRoleAssignedTo.json`.
    AssignedTo(Guid),
    Tenant,
    Policies,
    Policy(PolicyKey),
    /// Many one-object files read into one buffer: each segment has its own [`Object`] role.
    Bundle,
}

/// What a one-object file (an EntraExporter item) holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Object {
    /// One element of a collection.
    Element(CollectionKind),
    /// One member (a directory object with an `id`) of a group or a directory role.
    Member(MemberOf, Guid),
    /// One `appRoleAssignedTo` entry of a service principal
    /// (`ServicePrincipals/<id>/AppRoleAssignedTo/<assignment id>/<assignment id>.json`).
    AssignedTo(Guid),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum MemberOf {
    Group,
    Role,
}

/// One entry of a directory's plan.
pub(super) enum Planned {
    File(Role, PathBuf),
    Object(ObjectFile),
}

/// A one-object file, `<folder>/<name>/<name>.json`, held compactly: a tree has as many as
/// the tenant has objects.
pub(super) struct ObjectFile {
    pub(super) object: Object,
    pub(super) folder: Arc<Path>,
    pub(super) name: Box<str>,
}

impl ObjectFile {
    pub(super) fn path(&self) -> PathBuf {
        let mut p = PathBuf::with_capacity(self.folder.as_os_str().len() + 2 * self.name.len() + 7);
        p.push(&self.folder);
        p.push(&*self.name);
        p.push(&*self.name);
        p.as_mut_os_string().push(".json");
        p
    }
}

#[derive(Clone, Copy, Debug)]
pub(super) enum PolicyKey {
    Authorization,
    PasswordReset,
    OnPremPasswordReset,
}

impl PolicyKey {
    fn from_name(n: &str) -> Option<PolicyKey> {
        match &*camel(n) {
            "authorizationPolicy" => Some(PolicyKey::Authorization),
            "passwordResetPolicy" => Some(PolicyKey::PasswordReset),
            "onPremisesPasswordResetPolicy" => Some(PolicyKey::OnPremPasswordReset),
            _ => None,
        }
    }
}

/// `name.json` or `name.json.gz` → `name`.
pub(super) fn json_stem(file_name: &str) -> Option<&str> {
    file_name
        .strip_suffix(".json")
        .or_else(|| file_name.strip_suffix(".json.gz"))
}

/// A directory's entries sorted by name: (name, is a directory). Symbolic links are followed
/// to tell a directory from a file; a dangling one counts as a file.
fn sorted_names(dir: &Path) -> Result<Vec<(String, bool)>, InputError> {
    let name = dir.display().to_string();
    let io_err = |e: std::io::Error| InputError::file(&name, format!("cannot read directory: {e}"));
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).map_err(io_err)? {
        let e = e.map_err(io_err)?;
        let is_dir = match e.file_type() {
            Ok(t) if !t.is_symlink() => t.is_dir(),
            _ => e.path().is_dir(),
        };
        out.push((e.file_name().to_string_lossy().into_owned(), is_dir));
    }
    out.sort_unstable();
    Ok(out)
}

/// [`sorted_names`] with the path of each entry.
pub(super) fn sorted_entries(dir: &Path) -> Result<Vec<(String, PathBuf, bool)>, InputError> {
    Ok(sorted_names(dir)?
        .into_iter()
        .map(|(name, is_dir)| {
            let path = dir.join(&name);
            (name, path, is_dir)
        })
        .collect())
}

/// `dir/<stem>.json` or `dir/<stem>.json.gz`, whichever is a file (the first if both are).
fn object_file(dir: &Path, stem: &str) -> Option<PathBuf> {
    [".json", ".json.gz"]
        .into_iter()
        .map(|ext| dir.join(format!("{stem}{ext}")))
        .find(|p| p.is_file())
}

/// `dir/<name>` or `dir/<Name>` (first letter in either case), whichever is a directory.
fn sub_dir(dir: &Path, name: &str) -> Option<PathBuf> {
    let mut upper = name.to_owned();
    if let Some(first) = upper.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    [upper.as_str(), name]
        .into_iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_dir())
}

/// The files of a snapshot directory and what each holds, in a fixed order.
pub(super) fn plan_dir(dir: &Path, ignored: &mut Vec<String>) -> Result<Vec<Planned>, InputError> {
    let mut plan = Vec::new();
    for (name, path, is_dir) in sorted_entries(dir)? {
        let key = if is_dir {
            Some(camel(&name))
        } else {
            json_stem(&name).map(camel)
        };
        let Some(key) = key else { continue };
        let kind = CollectionKind::ALL.into_iter().find(|k| k.key() == key);
        match (kind, &*key, is_dir) {
            (Some(kind), _, false) => plan.push(Planned::File(Role::Collection(kind), path)),
            (Some(kind), _, true) => plan_collection(kind, &path, &mut plan)?,
            (None, "tenant", false) => plan.push(Planned::File(Role::Tenant, path)),
            (None, "organization", true) => {
                // EntraExporter: the `organization` object, the tenant's id and name.
                if let Some(p) = object_file(&path, "Organization")
                    .or_else(|| object_file(&path, "organization"))
                {
                    plan.push(Planned::File(Role::Tenant, p));
                }
            }
            (None, "roleManagement", true) => {
                // EntraExporter: RoleManagement/Directory/RoleAssignments/<id>/<id>.json.
                if let Some(p) = sub_dir(&path, "directory")
                    .and_then(|d| sub_dir(&d, CollectionKind::RoleAssignments.key()))
                {
                    plan_collection(CollectionKind::RoleAssignments, &p, &mut plan)?;
                }
            }
            (None, "policies", false) => plan.push(Planned::File(Role::Policies, path)),
            (None, "policies", true) => plan_policies(&path, &mut plan)?,
            _ => {
                if !is_dir {
                    ignored.push(path.display().to_string());
                }
            }
        }
    }
    if plan.is_empty() {
        return Err(InputError::file(
            dir.display().to_string(),
            "no snapshot files in this directory (expected users.json, groups.json, … or an Export-Entra tree: see docs/snapshot-format.md)",
        ));
    }
    Ok(plan)
}

/// What the folder of a group, role or service principal holds besides the object.
struct Children {
    /// The name of its file in the snapshot layout (`members.json`) and of its folder of
    /// one-object files in an Export-Entra tree (`Members/`), but for the first letter's case.
    stem: &'static str,
    /// The role of that file (directory roles have none: their members are inline).
    file: Option<fn(Guid) -> Role>,
    /// What each one-object file of that folder is.
    object: fn(Guid) -> Object,
}

/// A collection's folder: page files (`users/page-001.json`), one-object folders
/// (`Users/<id>/<id>.json`), for groups and roles their members (`groups/<id>/members.json`,
/// `Groups/<id>/Members/<member id>/<member id>.json`), and for service principals who is
/// assigned to them (`servicePrincipals/<id>/appRoleAssignedTo.json`,
/// `ServicePrincipals/<id>/AppRoleAssignedTo/<assignment id>/<assignment id>.json`).
fn plan_collection(
    kind: CollectionKind,
    dir: &Path,
    plan: &mut Vec<Planned>,
) -> Result<(), InputError> {
    let entries = sorted_names(dir)?;
    let folder: Arc<Path> = Arc::from(dir);
    // Object files are not looked up here: the reader skips a folder without its `<id>.json`.
    let entry = |name: String, is_dir: bool| {
        if is_dir {
            Some(Planned::Object(ObjectFile {
                object: Object::Element(kind),
                folder: folder.clone(),
                name: name.into_boxed_str(),
            }))
        } else {
            json_stem(&name)
                .is_some()
                .then(|| Planned::File(Role::Collection(kind), dir.join(&name)))
        }
    };
    let children = match kind {
        CollectionKind::Groups => Children {
            stem: "members",
            file: Some(Role::Members),
            object: |id| Object::Member(MemberOf::Group, id),
        },
        CollectionKind::DirectoryRoles => Children {
            stem: "members",
            file: None,
            object: |id| Object::Member(MemberOf::Role, id),
        },
        CollectionKind::ServicePrincipals => Children {
            stem: "appRoleAssignedTo",
            file: Some(Role::AssignedTo),
            object: Object::AssignedTo,
        },
        _ => {
            // One entry each, in parallel: a large tenant has hundreds of thousands.
            let planned: Vec<Planned> = entries
                .into_par_iter()
                .filter_map(|(name, is_dir)| entry(name, is_dir))
                .collect();
            plan.extend(planned);
            return Ok(());
        }
    };
    // Groups, roles and service principals: each folder is also looked into.
    let per_entry: Vec<Result<Vec<Planned>, InputError>> = entries
        .into_par_iter()
        .map(|(name, is_dir)| {
            let id = is_dir.then(|| Guid::parse(&name)).flatten();
            let path = dir.join(&name);
            let mut out: Vec<Planned> = entry(name, is_dir).into_iter().collect();
            let Some(id) = id else { return Ok(out) };
            if let Some(role) = children.file
                && let Some(p) = object_file(&path, children.stem)
            {
                out.push(Planned::File(role(id), p));
            }
            if let Some(sub) = sub_dir(&path, children.stem) {
                let folder: Arc<Path> = Arc::from(sub.as_path());
                for (m, m_is_dir) in sorted_names(&sub)? {
                    if m_is_dir {
                        out.push(Planned::Object(ObjectFile {
                            object: (children.object)(id),
                            folder: folder.clone(),
                            name: m.into_boxed_str(),
                        }));
                    }
                }
            }
            Ok(out)
        })
        .collect();
    for r in per_entry {
        plan.extend(r?);
    }
    Ok(())
}

/// `policies/`: `authorizationPolicy.json`, … or EntraExporter's
/// `Policies/AuthorizationPolicy/<id>/<id>.json` (other policy folders are not read).
fn plan_policies(dir: &Path, plan: &mut Vec<Planned>) -> Result<(), InputError> {
    for (sub, sub_path, sub_is_dir) in sorted_entries(dir)? {
        if !sub_is_dir {
            if let Some(k) = json_stem(&sub).and_then(PolicyKey::from_name) {
                plan.push(Planned::File(Role::Policy(k), sub_path));
            }
            continue;
        }
        let Some(k) = PolicyKey::from_name(&sub) else {
            continue;
        };
        for (id, id_path, id_is_dir) in sorted_entries(&sub_path)? {
            if id_is_dir && let Some(p) = object_file(&id_path, &id) {
                plan.push(Planned::File(Role::Policy(k), p));
            }
        }
    }
    Ok(())
}
