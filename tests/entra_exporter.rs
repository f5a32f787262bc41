//! Trees written by microsoft/EntraExporter's `Export-Entra`: one object per file under
//! per-type folders. `fixtures/snapshots/entra-exporter-ps5` and `-ps7` are
//! `fixtures/snapshots/single.json` written by `scripts/entra-exporter-tree.py` as Windows
//! PowerShell 5.1 (UTF-16 LE with BOM, its own indentation) and PowerShell 7 (UTF-8) write it.

mod common;

use assert_cmd::Command;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const MEGAN: &str = "6e7b768e-07e2-4810-8459-485f84f8f204";
const SALES: &str = "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4";

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn ps5() -> String {
    fixture("snapshots/entra-exporter-ps5")
}

fn ps7() -> String {
    fixture("snapshots/entra-exporter-ps7")
}

fn bin() -> Command {
    Command::cargo_bin("tenantlint").unwrap()
}

/// `single.json` without what Export-Entra does not export (contacts, registration details,
/// the SSPR policies, `exportedAt`), written to `dir/single.json`.
fn single_as_exported(dir: &Path) -> String {
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("snapshots/single.json")).unwrap())
            .unwrap();
    let o = v.as_object_mut().unwrap();
    for k in ["contacts", "userRegistrationDetails", "exportedAt"] {
        o.remove(k);
    }
    let auth = o["policies"]["authorizationPolicy"].clone();
    o["policies"] = serde_json::json!({ "authorizationPolicy": auth });
    let p = dir.join("single.json");
    std::fs::write(&p, serde_json::to_vec(&v).unwrap()).unwrap();
    p.display().to_string()
}

/// Every array sorted, at every depth: the model as sets, whatever the objects' order.
fn sorted(v: Value) -> Value {
    match v {
        Value::Array(a) => {
            let mut a: Vec<Value> = a.into_iter().map(sorted).collect();
            a.sort_by_key(|x| x.to_string());
            Value::Array(a)
        }
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, sorted(v))).collect()),
        v => v,
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&t).unwrap();
            copy_tree(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), t).unwrap();
        }
    }
}

/// A writable copy of a fixture tree.
fn tree_copy(src: &str) -> (tempfile::TempDir, PathBuf) {
    let d = tmp();
    let root = d.path().join("export");
    std::fs::create_dir_all(&root).unwrap();
    copy_tree(Path::new(src), &root);
    (d, root)
}

fn user_file(root: &Path, id: &str) -> PathBuf {
    root.join("Users").join(id).join(format!("{id}.json"))
}

fn utf16le_bom(s: &str) -> Vec<u8> {
    let mut v = vec![0xFF, 0xFE];
    for u in s.encode_utf16() {
        v.extend(u.to_le_bytes());
    }
    v
}

fn message(spec: &Path) -> String {
    match tenantlint::snapshot::load(&spec.display().to_string()) {
        Ok(_) => panic!("{} loaded, expected an error", spec.display()),
        Err(e) => {
            let m = e.to_string();
            assert!(!m.contains('\n'), "message is not one line: {m:?}");
            m
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Accepted trees

#[test]
fn the_fixtures_are_written_as_export_entra_writes_them() {
    let f = user_file(Path::new(&ps5()), MEGAN);
    let b = std::fs::read(&f).unwrap();
    assert_eq!(&b[..2], [0xFF, 0xFE], "PS 5.1 Out-File: UTF-16 LE with BOM");
    let text = String::from_utf16(
        &b[2..]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(text.starts_with("{\r\n    \"@odata.type\":  \"#microsoft.graph.user\",\r\n"));
    let f = user_file(Path::new(&ps7()), MEGAN);
    let text = std::fs::read_to_string(f).unwrap();
    assert!(text.starts_with("{\r\n  \"@odata.type\": \"#microsoft.graph.user\",\r\n"));
}

#[test]
fn both_trees_load_as_the_single_file() {
    let d = tmp();
    // Objects come in folder-name order, not the single file's order.
    let want = sorted(summary(&load(&single_as_exported(d.path()))));
    assert_eq!(sorted(summary(&load(&ps5()))), want);
    assert_eq!(sorted(summary(&load(&ps7()))), want);
    let t = load(&ps5());
    assert_eq!(t.info.display_name.as_deref(), Some("Contoso"));
    assert!(t.groups.items.iter().any(|g| g.id.to_string() == SALES));
    assert_eq!(t.directory_roles.items[0].members.len(), 1);
    // Every file read is listed (so that --output cannot name one), none of those not read.
    let files = &t.info.files;
    assert_eq!(files.len(), 21, "{files:?}");
    assert!(!files.iter().any(|f| f.to_string_lossy().contains("Owners")));
}

#[test]
fn check_reports_a_tree_as_the_single_file() {
    let d = tmp();
    let single = single_as_exported(d.path());
    let report = |spec: &str| {
        let o = bin()
            .args(["check", spec, "--format", "json", "--quiet"])
            .args(["--now", "2026-11-20T08:00:00Z"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{o:?}");
        let mut v: Value = serde_json::from_slice(&o.stdout).unwrap();
        v["snapshot"]["source"] = Value::Null;
        v
    };
    let want = report(&single);
    assert_eq!(report(&ps5()), want);
    assert_eq!(report(&ps7()), want);
}

#[test]
fn hand_added_policies_and_pages_are_read_with_the_tree() {
    let (_d, root) = tree_copy(&ps5());
    let single: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("snapshots/single.json")).unwrap())
            .unwrap();
    let pol = &single["policies"]["passwordResetPolicy"];
    std::fs::write(
        root.join("Policies/passwordResetPolicy.json"),
        pol.to_string(),
    )
    .unwrap();
    let contacts = serde_json::json!({ "value": single["contacts"] });
    std::fs::write(root.join("contacts.json"), contacts.to_string()).unwrap();
    let t = load(&root.display().to_string());
    assert!(t.policies.password_reset.is_some());
    assert_eq!(t.contacts.items.len(), 1);
}

#[test]
fn output_naming_a_file_of_the_tree_is_refused() {
    let (_d, root) = tree_copy(&ps7());
    let f = user_file(&root, MEGAN);
    let before = std::fs::read(&f).unwrap();
    let o = bin()
        .args(["check", &root.display().to_string(), "--quiet", "-o"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("tenantlint never writes over its input"),
        "{err}"
    );
    assert_eq!(std::fs::read(&f).unwrap(), before);
}

#[test]
fn symlink_loops_in_a_tree_end() {
    let (_d, root) = tree_copy(&ps7());
    std::os::unix::fs::symlink("..", root.join("Users/loop")).unwrap();
    std::os::unix::fs::symlink("../..", root.join(format!("Groups/{SALES}/Members/up"))).unwrap();
    std::os::unix::fs::symlink(".", root.join("Groups/self")).unwrap();
    let t = load(&root.display().to_string());
    assert_eq!(t.users.items.len(), 4);
}

// ---------------------------------------------------------------------------------------------
// Errors name the object's own file, with its own line:column

#[test]
fn invalid_json_in_a_utf16_object_names_that_file() {
    let (_d, root) = tree_copy(&ps5());
    let f = user_file(&root, MEGAN);
    let text = "{\r\n    \"id\":  \"6e7b768e-07e2-4810-8459-485f84f8f204\",\r\n    \"displayName\":  \"Mégan\" \"x\"\r\n}\r\n";
    std::fs::write(&f, utf16le_bom(text)).unwrap();
    // Columns count characters (the file was UTF-16): `"x"` starts at column 29.
    assert_eq!(
        message(&root),
        format!(
            "{}:3:29: at displayName: invalid JSON: expected `,` or `}}`",
            f.display()
        )
    );
}

#[test]
fn a_file_that_is_not_one_object_is_an_error() {
    let (_d, root) = tree_copy(&ps7());
    let f = user_file(&root, MEGAN);
    std::fs::write(&f, "[{\"id\": \"6e7b768e-07e2-4810-8459-485f84f8f204\"}]").unwrap();
    assert_eq!(
        message(&root),
        format!(
            "{}:1:1: wrong type: expected one object of users in this file, found an array",
            f.display()
        )
    );
    std::fs::write(
        &f,
        "{\"id\": \"6e7b768e-07e2-4810-8459-485f84f8f204\"}\n{\"id\": \"x\"}\n",
    )
    .unwrap();
    assert_eq!(
        message(&root),
        format!(
            "{}:2:1: invalid JSON: trailing characters after the object",
            f.display()
        )
    );
}

#[test]
fn the_same_id_in_two_folders_is_a_duplicate() {
    let (_d, root) = tree_copy(&ps7());
    let other = "0a6f4c6e-3b1d-4c55-9f27-7f0b1d3c9e21";
    let f = user_file(&root, other);
    let text = std::fs::read_to_string(&f).unwrap().replace(other, MEGAN);
    std::fs::write(&f, text).unwrap();
    // `other`'s folder comes first in name order: Megan's own file is the duplicate.
    assert_eq!(
        message(&root),
        format!(
            "{}:1:1: duplicate id {MEGAN} in users: already used by {}",
            user_file(&root, MEGAN).display(),
            f.display()
        )
    );
}

#[test]
fn members_of_a_missing_group_name_their_file() {
    let (_d, root) = tree_copy(&ps7());
    let gone = "11111111-2222-3333-4444-555555555555";
    let f = root.join(format!("Groups/{gone}/Members/{MEGAN}/{MEGAN}.json"));
    std::fs::create_dir_all(f.parent().unwrap()).unwrap();
    std::fs::write(&f, format!("{{\"id\": \"{MEGAN}\"}}")).unwrap();
    assert_eq!(
        message(&root),
        format!(
            "{}: members of group {gone}, which is not in the snapshot's groups",
            f.display()
        )
    );
}

#[test]
fn a_member_without_an_id_is_an_error() {
    let (_d, root) = tree_copy(&ps7());
    let f = root.join(format!("Groups/{SALES}/Members/{MEGAN}/{MEGAN}.json"));
    std::fs::write(&f, "{\r\n  \"displayName\": \"Megan\"\r\n}\r\n").unwrap();
    let m = message(&root);
    assert_eq!(m, format!("{}:3:1: missing field `id`", f.display()));
}

// ---------------------------------------------------------------------------------------------
// Many objects: bundles of files, errors in input order

/// A tree of `n` users (one folder each) and the same users as one `users.json`.
fn many(n: usize, dir: &Path) -> (PathBuf, PathBuf) {
    let tree = dir.join("tree");
    let flat = dir.join("flat");
    std::fs::create_dir_all(&flat).unwrap();
    let mut all = Vec::new();
    for i in 0..n {
        let id = format!("00000000-0000-4000-8000-{i:012}");
        let u = serde_json::json!({
            "id": id, "userPrincipalName": format!("u{i}@contoso.com"),
            "accountEnabled": true, "usageLocation": if i % 7 == 0 { Value::Null } else { "NL".into() },
            "assignedLicenses": [{"skuId": "c7df2760-2c81-4ef7-b578-5b5392b571df", "disabledPlans": []}],
        });
        let f = user_file(&tree, &id);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        // Every third file as Windows PowerShell 5.1 writes it.
        if i % 3 == 0 {
            std::fs::write(&f, utf16le_bom(&serde_json::to_string_pretty(&u).unwrap())).unwrap();
        } else {
            std::fs::write(&f, serde_json::to_string_pretty(&u).unwrap()).unwrap();
        }
        all.push(u);
    }
    std::fs::write(
        flat.join("users.json"),
        serde_json::to_vec(&serde_json::json!({ "value": all })).unwrap(),
    )
    .unwrap();
    (tree, flat)
}

#[test]
fn thousands_of_object_files_load_as_one_collection() {
    let d = tmp();
    // More than one bundle of 1024 files.
    let (tree, flat) = many(3000, d.path());
    let a = load(&tree.display().to_string());
    let b = load(&flat.display().to_string());
    assert_eq!(summary(&a), summary(&b));
    assert_eq!(a.users.items.len(), 3000);
    assert_eq!(a.info.files.len(), 3000);

    // Two broken files in different bundles: the first in name order is reported, whatever
    // the thread count.
    let bad = |i: usize| user_file(&tree, &format!("00000000-0000-4000-8000-{i:012}"));
    std::fs::write(bad(2500), "{\"id\": 1}").unwrap();
    std::fs::write(bad(1700), "{\"id\": }").unwrap();
    for threads in ["1", "2"] {
        let o = bin()
            .args([
                "check",
                &tree.display().to_string(),
                "--quiet",
                "--threads",
                threads,
            ])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!(
                "{}:1:8: invalid JSON: expected value",
                bad(1700).display()
            )),
            "{err}"
        );
    }
}

#[test]
fn object_files_may_be_gzip_or_carry_a_bom_and_empty_folders_are_skipped() {
    let (_d, root) = tree_copy(&ps7());
    let want = sorted(summary(&load(&root.display().to_string())));
    let ids = [MEGAN, "87d349ed-44d7-43e1-9a83-5f2406dee5bd"];
    // One user as `<id>.json.gz`, one with a UTF-8 byte order mark.
    let f = user_file(&root, ids[0]);
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut e, &std::fs::read(&f).unwrap()).unwrap();
    std::fs::write(f.with_extension("json.gz"), e.finish().unwrap()).unwrap();
    std::fs::remove_file(&f).unwrap();
    let f = user_file(&root, ids[1]);
    let mut b = vec![0xEF, 0xBB, 0xBF];
    b.extend(std::fs::read(&f).unwrap());
    std::fs::write(&f, b).unwrap();
    // A folder Export-Entra would not leave, without its object file.
    std::fs::create_dir_all(root.join("Users/stray")).unwrap();
    assert_eq!(sorted(summary(&load(&root.display().to_string()))), want);

    let f = user_file(&root, ids[1]);
    std::fs::write(&f, "  \r\n").unwrap();
    assert_eq!(
        message(&root),
        format!("{}: the file is empty: expected JSON", f.display())
    );
}

/// Trees are read by one pool of I/O threads per process, made at the first tree: not one per
/// load (the load_dir fuzzer's LeakSanitizer caught each load's exiting threads).
#[cfg(target_os = "linux")]
#[test]
fn one_io_pool_per_process() {
    let io_threads = || {
        std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
            .filter(|c| c.starts_with("tenantlint-io-"))
            .count()
    };
    for _ in 0..3 {
        load(&ps7());
    }
    assert_eq!(io_threads(), 16);
}
