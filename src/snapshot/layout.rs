//! Directory snapshots: which file of a directory holds what.

use crate::error::InputError;
use crate::model::{CollectionKind, Guid};
use std::path::{Path, PathBuf};

/// What a file of a snapshot directory holds.
#[derive(Clone, Copy, Debug)]
pub(super) enum Role {
    Collection(CollectionKind),
    Members(Guid),
    Tenant,
    Policies,
    Policy(PolicyKey),
}

#[derive(Clone, Copy, Debug)]
pub(super) enum PolicyKey {
    Authorization,
    PasswordReset,
    OnPremPasswordReset,
}

impl PolicyKey {
    fn from_name(n: &str) -> Option<PolicyKey> {
        match n {
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

pub(super) fn sorted_entries(dir: &Path) -> Result<Vec<(String, PathBuf, bool)>, InputError> {
    let name = dir.display().to_string();
    let io_err = |e: std::io::Error| InputError::file(&name, format!("cannot read directory: {e}"));
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).map_err(io_err)? {
        let e = e.map_err(io_err)?;
        let path = e.path();
        let is_dir = path.is_dir();
        out.push((e.file_name().to_string_lossy().into_owned(), path, is_dir));
    }
    out.sort();
    Ok(out)
}

/// The files of a snapshot directory and what each holds, in a fixed order.
pub(super) fn plan_dir(
    dir: &Path,
    ignored: &mut Vec<String>,
) -> Result<Vec<(Role, PathBuf)>, InputError> {
    let mut plan = Vec::new();
    for (name, path, is_dir) in sorted_entries(dir)? {
        let key = if is_dir {
            Some(name.as_str())
        } else {
            json_stem(&name)
        };
        let Some(key) = key else { continue };
        let known = CollectionKind::ALL.iter().any(|k| k.key() == key)
            || (key == "tenant" && !is_dir)
            || key == "policies";
        if !known {
            if !is_dir {
                ignored.push(path.display().to_string());
            }
            continue;
        }
        if let Some(kind) = CollectionKind::ALL.into_iter().find(|k| k.key() == key) {
            if !is_dir {
                plan.push((Role::Collection(kind), path));
                continue;
            }
            for (sub, sub_path, sub_is_dir) in sorted_entries(&path)? {
                if !sub_is_dir {
                    if json_stem(&sub).is_some() {
                        plan.push((Role::Collection(kind), sub_path));
                    }
                } else if kind == CollectionKind::Groups
                    && let Some(id) = Guid::parse(&sub)
                {
                    for m in ["members.json", "members.json.gz"] {
                        let p = sub_path.join(m);
                        if p.is_file() {
                            plan.push((Role::Members(id), p));
                        }
                    }
                }
            }
        } else if key == "tenant" && !is_dir {
            plan.push((Role::Tenant, path));
        } else if key == "policies" {
            if !is_dir {
                plan.push((Role::Policies, path));
                continue;
            }
            for (sub, sub_path, sub_is_dir) in sorted_entries(&path)? {
                if let Some(k) = (!sub_is_dir)
                    .then(|| json_stem(&sub))
                    .flatten()
                    .and_then(PolicyKey::from_name)
                {
                    plan.push((Role::Policy(k), sub_path));
                }
            }
        }
    }
    if plan.is_empty() {
        return Err(InputError::file(
            dir.display().to_string(),
            "no snapshot files in this directory (expected users.json, groups.json, … see docs/snapshot-format.md)",
        ));
    }
    Ok(plan)
}
