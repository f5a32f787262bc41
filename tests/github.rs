//! `--format github`: one workflow command per finding, on the lines SARIF gives the object,
//! escaped so that tenant text reads back exactly and never starts a command of its own.

mod common;

use assert_cmd::Command;
use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// One parsed workflow command: its name, properties and message, unescaped.
#[derive(Debug)]
struct Cmd {
    name: String,
    props: BTreeMap<String, String>,
    message: String,
}

fn unescape(s: &str) -> String {
    s.replace("%0A", "\n")
        .replace("%0D", "\r")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

/// Parses a line as the runner does: `::name k=v,k=v::message`.
fn parse(line: &str) -> Cmd {
    let rest = line.strip_prefix("::").expect("a workflow command");
    let (head, message) = rest.split_once("::").expect("`::` before the message");
    let (name, props) = head.split_once(' ').unwrap_or((head, ""));
    let props = props
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').expect("key=value");
            (k.to_owned(), unescape(v))
        })
        .collect();
    Cmd {
        name: name.to_owned(),
        props,
        message: unescape(message),
    }
}

fn run(dir: &Path, args: &[&str]) -> String {
    let out = Command::cargo_bin("tenantlint")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn commands(dir: &Path, snapshot: &str) -> Vec<Cmd> {
    run(dir, &["check", snapshot, "--format", "github"])
        .lines()
        .map(parse)
        .collect()
}

fn report(dir: &Path, snapshot: &str, format: &str) -> Value {
    serde_json::from_str(&run(dir, &["check", snapshot, "--format", format])).unwrap()
}

/// The commands say what the JSON report says, in its order, at the lines of the SARIF region.
fn agrees_with_json_and_sarif(snapshot: &str) {
    let cmds = commands(&root(), snapshot);
    let json = report(&root(), snapshot, "json");
    let sarif = report(&root(), snapshot, "sarif");
    let findings = json["findings"].as_array().unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let (summary, rest) = cmds.split_first().unwrap();
    assert_eq!(summary.name, "notice");
    assert_eq!(summary.props["title"], "tenantlint");
    assert!(
        summary
            .message
            .starts_with(&format!("{snapshot}: {} findings (", findings.len())),
        "{}",
        summary.message
    );
    assert_eq!(rest.len(), findings.len());
    for ((c, f), r) in rest.iter().zip(findings).zip(results) {
        let level = match f["severity"].as_str().unwrap() {
            "info" => "notice",
            s => s,
        };
        assert_eq!(c.name, level);
        assert_eq!(
            c.props["title"],
            format!(
                "{} {}",
                f["rule"].as_str().unwrap(),
                f["name"].as_str().unwrap()
            )
        );
        let o = &f["object"];
        let mut message = format!(
            "{}\n{} {} ({})",
            f["message"].as_str().unwrap(),
            o["type"].as_str().unwrap(),
            o["name"].as_str().unwrap(),
            o["id"].as_str().unwrap()
        );
        for x in f["related"].as_array().unwrap() {
            message.push_str(&format!(
                "\nrelated: {} {} ({})",
                x["type"].as_str().unwrap(),
                x["name"].as_str().unwrap(),
                x["id"].as_str().unwrap()
            ));
        }
        assert_eq!(c.message, message);
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert_eq!(
            Path::new(&c.props["file"]),
            root().canonicalize().unwrap().join(uri.replace("%20", " ")),
            "an absolute path the runner makes relative to the repository"
        );
        let region = &loc["region"];
        assert_eq!(c.props["line"], region["startLine"].to_string());
        if region["startLine"] == region["endLine"] {
            assert_eq!(c.props["col"], region["startColumn"].to_string());
        } else {
            assert_eq!(c.props["endLine"], region["endLine"].to_string());
            assert!(!c.props.contains_key("col"));
        }
    }
}

#[test]
fn sample_tenant_annotations_land_on_each_objects_lines() {
    agrees_with_json_and_sarif("fixtures/tenants/contoso.json");
}

#[test]
fn directory_and_entra_trees_annotate_each_file() {
    for s in [
        "fixtures/snapshots/directory",
        "fixtures/snapshots/entra-exporter-ps5",
        "fixtures/snapshots/entra-exporter-ps7",
    ] {
        agrees_with_json_and_sarif(s);
    }
}

/// A minified snapshot is one line: the columns cut out exactly the object.
#[test]
fn minified_snapshot_gets_columns() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("fixtures/tenants/contoso.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    std::fs::write(
        dir.path().join("min.json"),
        serde_json::to_string(&v).unwrap(),
    )
    .unwrap();
    let cmds = commands(dir.path(), "min.json");
    let json = report(dir.path(), "min.json", "json");
    let line: Vec<char> = serde_json::to_string(&v).unwrap().chars().collect();
    let findings = json["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for (c, f) in cmds[1..].iter().zip(findings) {
        assert_eq!(c.props["line"], "1");
        assert!(!c.props.contains_key("endLine"));
        let col: usize = c.props["col"].parse().unwrap();
        let end: usize = c.props["endColumn"].parse().unwrap();
        let cut: String = line[col - 1..end].iter().collect();
        let obj: Value = serde_json::from_str(&cut).unwrap();
        let id = f["object"]["id"].as_str().unwrap();
        match f["object"]["type"].as_str().unwrap() {
            "subscribedSku" => assert_eq!(obj["skuId"], id),
            "policy" | "tenant" => assert!(obj.is_object()),
            _ => assert_eq!(obj["id"], id),
        }
    }
}

/// Tenant text with `%`, `:`, `,`, CR and LF reads back exactly, and every line of output is
/// one command: a display name cannot end a command or start another.
#[test]
fn tenant_text_cannot_forge_a_command() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = "Tail%25spin\r\n::error file=x,line=1::forged, 100% : done";
    let text = std::fs::read_to_string(root().join("fixtures/tenants/contoso.json"))
        .unwrap()
        .replace(
            "\"displayName\": \"Tailspin Staff\"",
            &format!(
                "\"displayName\": {}",
                serde_json::to_string(hostile).unwrap()
            ),
        );
    let path = dir.path().join("odd,name: 100%.json");
    std::fs::write(&path, text).unwrap();
    let out = run(
        dir.path(),
        &["check", "odd,name: 100%.json", "--format", "github"],
    );
    let json = report(dir.path(), "odd,name: 100%.json", "json");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), json["findings"].as_array().unwrap().len() + 1);
    assert!(!out.contains('\r'));
    let cmds: Vec<Cmd> = lines.iter().map(|l| parse(l)).collect();
    for c in &cmds {
        assert!(["notice", "warning", "error"].contains(&c.name.as_str()));
    }
    let forged: Vec<&Cmd> = cmds
        .iter()
        .filter(|c| c.message.contains(hostile))
        .collect();
    assert!(!forged.is_empty(), "the hostile name is in some message");
    for c in forged {
        assert_eq!(Path::new(&c.props["file"]), path.canonicalize().unwrap());
        assert!(c.props["line"].parse::<usize>().is_ok());
    }
}
