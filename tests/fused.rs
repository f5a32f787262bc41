//! The parallel reader of user arrays (src/snapshot/fused.rs): its guessed cut points are
//! checked, so text that looks like an element start (in a string, in a nested object) never
//! drops, doubles or reorders a user, and it hands over to the splitter mid-array exactly as
//! the splitter alone would read (or report) the rest. Run with several thread counts: the
//! pieces, and so the guesses, differ with the count.

use assert_cmd::Command;
use serde_json::{Value, json};

const SKU: &str = "c7df2760-2c81-4ef7-b578-5b5392b571df";

fn id(i: usize) -> String {
    format!("{:08x}-0000-4000-8000-{:012x}", i, i)
}

/// `n` licensed users without a usage location (one LIC001 finding each), whose strings and
/// nested objects look like the start of a user (`{"assignedLicenses"`, the first key once
/// serde_json sorts the keys, after `},`).
fn users(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({
                "id": id(i),
                "displayName": format!("User {i} }},{{\"assignedLicenses\":[] \"id\":\"{}\"", id(i + 1)),
                "userPrincipalName": format!("user{i}@contoso.com"),
                "assignedLicenses": [{"skuId": SKU, "disabledPlans": []}],
                "usageLocation": null,
                "manager": [{"assignedLicenses": [], "id": id(i + 2)}, {"assignedLicenses": "}, {\"assignedLicenses\": x"}],
            })
        })
        .collect()
}

/// User `i` in the SDK's PascalCase spelling, which the fast reader leaves to the splitter.
fn pascal_user(i: usize) -> Value {
    json!({"Id": id(i), "UserPrincipalName": format!("user{i}@contoso.com"),
        "AssignedLicenses": [{"SkuId": SKU}], "UsageLocation": null})
}

fn snapshot(users: Vec<Value>) -> Value {
    json!({
        "exportedAt": "2026-11-20T08:00:00Z",
        "tenant": {"id": "t", "displayName": "Fused"},
        "subscribedSkus": [{"skuId": SKU, "skuPartNumber": "ENTERPRISEPACK",
            "prepaidUnits": {"enabled": 100000}, "consumedUnits": 3000}],
        "users": users,
    })
}

fn write(dir: &tempfile::TempDir, name: &str, v: &Value, pretty: bool) -> String {
    let p = dir.path().join(name);
    let text = if pretty {
        serde_json::to_string_pretty(v).unwrap()
    } else {
        serde_json::to_string(v).unwrap()
    };
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// `tenantlint check FILE --format json --threads N`: (exit code, stdout, stderr).
fn check(file: &str, threads: usize, extra: &[&str]) -> (Option<i32>, Vec<u8>, String) {
    let out = Command::cargo_bin("tenantlint")
        .unwrap()
        .args(["check", file, "--format", "json", "--fail-on", "never"])
        .args(["--threads", &threads.to_string()])
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The error of a snapshot that fails to load, read on one thread: exit code 2 and a message
/// holding `needle`, the same at 2 and 8 threads.
fn same_error(file: &str, needle: &str) -> String {
    let (code, _, first) = check(file, 1, &[]);
    assert_eq!(code, Some(2), "{first}");
    assert!(first.contains(needle), "{needle}: {first}");
    for threads in [2, 8] {
        assert_eq!(
            check(file, threads, &[]).2,
            first,
            "{file} --threads {threads}"
        );
    }
    first
}

#[test]
fn lookalike_element_starts_never_drop_or_double_a_user() {
    let n = 3000;
    let dir = tempfile::tempdir().unwrap();
    for pretty in [false, true] {
        let file = write(&dir, "users.json", &snapshot(users(n)), pretty);
        let (code, first, err) = check(&file, 1, &["--select", "LIC001"]);
        assert_eq!(code, Some(0), "{err}");
        let report: Value = serde_json::from_slice(&first).unwrap();
        let mut ids: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["object"]["id"].as_str().unwrap())
            .collect();
        ids.sort_unstable();
        let want: Vec<String> = (0..n).map(id).collect();
        assert_eq!(ids, want, "one LIC001 finding per user (pretty: {pretty})");
        for threads in [2, 3, 8, 13] {
            let (code, out, err) = check(&file, threads, &["--select", "LIC001"]);
            assert_eq!(code, Some(0), "{err}");
            assert!(out == first, "--threads {threads} (pretty: {pretty})");
        }
    }
}

#[test]
fn the_splitter_takes_over_mid_array_as_if_alone() {
    let n = 3000;
    let dir = tempfile::tempdir().unwrap();
    // A user in the SDK's PascalCase spelling, far into the array: read the usual way, the
    // same users result.
    let mut u = users(n);
    u[2100] = pascal_user(2100);
    let file = write(&dir, "keys.json", &snapshot(u), true);
    let (code, first, err) = check(&file, 1, &["--select", "LIC001"]);
    assert_eq!(code, Some(0), "{err}");
    let report: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(report["findings"].as_array().unwrap().len(), n);
    for threads in [2, 8] {
        assert!(check(&file, threads, &["--select", "LIC001"]).1 == first);
    }
    // Faults far into the array: the same one-line error whatever the thread count, naming
    // the element.
    type Fault = fn(&mut Vec<Value>);
    let faults: [(&str, Fault); 3] = [
        ("users[2345].accountEnabled", |u| {
            u[2345]["accountEnabled"] = json!("yes")
        }),
        ("users[2345]", |u| u[2345] = json!(17)),
        ("users[2346]", |u| u[2346]["id"] = u[17]["id"].clone()),
    ];
    for (path, fault) in faults {
        let mut u = users(n);
        fault(&mut u);
        for pretty in [false, true] {
            let file = write(&dir, "fault.json", &snapshot(u.clone()), pretty);
            let first = same_error(&file, path);
            assert_eq!(first.lines().count(), 1, "{first}");
        }
    }
    // A missing comma between two users, and a file cut off in the middle of the array.
    let text = serde_json::to_string(&snapshot(users(n))).unwrap();
    let k = text
        .match_indices("},{\"assignedLicenses\"")
        .nth(1500)
        .unwrap()
        .0;
    for (name, broken) in [
        ("comma.json", format!("{} {}", &text[..=k], &text[k + 2..])),
        ("cut.json", text[..text.len() * 2 / 3].to_owned()),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, &broken).unwrap();
        same_error(&p.display().to_string(), "invalid JSON");
    }
}

/// A directory of Graph page files, whose arrays are read a whole file per task ahead of the
/// splitter (src/snapshot/split.rs, `split_all`): the same findings as the single file, whatever
/// the thread count, through pages of every form (links before and after `value`, an empty
/// page, a bare array, a user the fast reader leaves to the splitter mid-page, PowerShell's
/// `Value`), in groups of files; and a fault in a late page is the same one-line error.
#[test]
fn page_files_read_ahead_are_the_single_file() {
    let n = 3000;
    let dir = tempfile::tempdir().unwrap();
    let mut u = users(n);
    u[1234] = pascal_user(1234);
    let single = write(&dir, "single.json", &snapshot(u.clone()), true);
    let (code, want, err) = check(&single, 1, &[]);
    assert_eq!(code, Some(0), "{err}");

    let tree = |u: &[Value], name: &str| -> String {
        let root = dir.path().join(name);
        let pages = root.join("users");
        std::fs::create_dir_all(&pages).unwrap();
        let mut whole = snapshot(Vec::new());
        let fields = whole.as_object_mut().unwrap();
        fields.remove("users");
        let skus = fields.remove("subscribedSkus").unwrap();
        std::fs::write(root.join("subscribedSkus.json"), skus.to_string()).unwrap();
        std::fs::write(root.join("tenant.json"), whole.to_string()).unwrap();
        let link = "https://graph.microsoft.com/v1.0/users?$skiptoken=x";
        let mut at = 0;
        for k in 0.. {
            if at >= u.len() {
                break;
            }
            let size = [70, 1, 0, 130, 55][k % 5];
            let chunk = u[at..(at + size).min(u.len())].to_vec();
            at += size;
            let page = match k % 6 {
                0 => json!({"@odata.context": "x", "value": chunk, "@odata.nextLink": link}),
                1 => json!({"@odata.nextLink": link, "value": chunk}),
                2 => json!(chunk),
                3 => json!({"Value": chunk}),
                _ => json!({"value": chunk}),
            };
            let text = if k % 2 == 0 {
                serde_json::to_string_pretty(&page).unwrap()
            } else {
                page.to_string()
            };
            std::fs::write(pages.join(format!("page-{k:04}.json")), text).unwrap();
        }
        root.display().to_string()
    };
    let pages = tree(&u, "pages");
    for threads in [1, 2, 8] {
        let (code, got, err) = check(&pages, threads, &[]);
        assert_eq!(code, Some(0), "{err}");
        let (got, want): (Value, Value) = (
            serde_json::from_slice(&got).unwrap(),
            serde_json::from_slice(&want).unwrap(),
        );
        assert_eq!(got["findings"].as_array().unwrap().len(), n);
        assert_eq!(got["findings"], want["findings"], "--threads {threads}");
        assert_eq!(got["summary"], want["summary"], "--threads {threads}");
    }

    let mut u = users(n);
    u[2900]["accountEnabled"] = json!("yes");
    let first = same_error(&tree(&u, "fault"), "accountEnabled");
    assert_eq!(first.lines().count(), 1, "{first}");
}
