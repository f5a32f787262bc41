//! `tenantlint.toml`: where it is found, what it may say, and its errors.
//!
//! Found in the working directory, then its parents up to the git root (the first folder with a
//! `.git`; outside a repository, up to the file system's root), or given with `--config FILE`.
//! Every key is declared once in the types below with its meaning; an unknown key is an error
//! that names the file, line and column and the closest valid key. Values are checked here
//! (rule codes and names, severities, options, dates), so a bad file fails before any work.

use crate::rules::{self, RuleMeta, Severity, options};
use crate::settings::FailOn;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The file name looked for.
pub const FILE_NAME: &str = "tenantlint.toml";

/// The file as written (kebab-case keys; unknown keys are errors).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    /// The lowest severity that fails the run: "error" (default), "warning", "info", "never".
    fail_on: Option<Spanned<String>>,
    /// Only these rules: codes, names or code prefixes (as `--select`).
    select: Option<Spanned<Vec<String>>>,
    /// Skip these rules (as `--ignore`).
    ignore: Option<Spanned<Vec<String>>>,
    /// Per rule (by code or name): `severity = "off" | "error" | "warning" | "info"`.
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, RawRule>,
    /// Rule options (as `--option NAME=VALUE`).
    #[serde(default)]
    options: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    /// Accepted deviations.
    #[serde(default)]
    exemptions: Vec<Spanned<RawExemption>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRule {
    severity: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawExemption {
    rule: Spanned<String>,
    object: Spanned<String>,
    reason: Spanned<String>,
    expires: Option<Spanned<toml::Value>>,
}

/// A value and the line of the file it was read from.
#[derive(Debug, Clone)]
pub struct At<T> {
    pub value: T,
    pub line: usize,
}

/// An accepted deviation: findings of `rule` on `object` do not count until `expires`.
#[derive(Debug, Clone)]
pub struct Exemption {
    pub rule: &'static RuleMeta,
    /// An object id, a UPN or display name, or the finding's address (compared without case).
    pub object: String,
    pub reason: String,
    /// The date as written, and the last second (Unix) at which the exemption applies: a date
    /// alone means to the end of that day, UTC.
    pub expires: Option<(String, i64)>,
    /// Where it is written: `tenantlint.toml:12`.
    pub origin: String,
}

/// A parsed, checked configuration file.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub fail_on: Option<At<FailOn>>,
    pub select: Option<At<Vec<String>>>,
    pub ignore: Option<At<Vec<String>>>,
    /// Severity per rule; `None` turns the rule off.
    pub severities: Vec<At<(&'static RuleMeta, Option<Severity>)>>,
    /// `NAME=VALUE` per option.
    pub options: Vec<At<String>>,
    pub exemptions: Vec<Exemption>,
}

/// The configuration file for a run started in `cwd`, if there is one.
/// The path is relative to `cwd` (`tenantlint.toml`, `../../tenantlint.toml`), so that
/// reports naming it are the same wherever the repository is checked out.
pub fn discover(cwd: &Path) -> Option<PathBuf> {
    for (up, dir) in cwd.ancestors().enumerate() {
        if dir.join(FILE_NAME).is_file() {
            let mut p: PathBuf = std::iter::repeat_n("..", up).collect();
            p.push(FILE_NAME);
            return Some(p);
        }
        if dir.join(".git").exists() {
            return None;
        }
    }
    None
}

/// Reads and checks `path`. Errors are one line: `file:line:column: what is wrong`.
pub fn load(path: &Path) -> Result<Config, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(path, &text)
}

/// 1-based line and column (in characters) of byte `offset` of `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

pub fn parse(path: &Path, text: &str) -> Result<Config, String> {
    let file = path.display().to_string();
    let at = |span: std::ops::Range<usize>| {
        let (l, c) = line_col(text, span.start);
        format!("{file}:{l}:{c}")
    };
    let line = |span: std::ops::Range<usize>| line_col(text, span.start).0;
    let raw: Raw = toml::from_str(text).map_err(|e| {
        let place = e.span().map_or_else(|| file.clone(), &at);
        let msg = e.message().trim().replace('\n', " ");
        match suggestion(&msg) {
            Some(s) => format!("{place}: {msg}; did you mean `{s}`?"),
            None => format!("{place}: {msg}"),
        }
    })?;

    let fail_on = raw
        .fail_on
        .map(|v| {
            let fail = match v.get_ref().as_str() {
                "error" => Some(Severity::Error),
                "warning" => Some(Severity::Warning),
                "info" => Some(Severity::Info),
                "never" => None,
                other => {
                    return Err(format!(
                        "{}: fail-on `{other}` is not one of \"error\", \"warning\", \"info\", \"never\"",
                        at(v.span())
                    ));
                }
            };
            Ok(At {
                value: fail,
                line: line(v.span()),
            })
        })
        .transpose()?;
    let selectors = |v: Option<Spanned<Vec<String>>>, key: &str| {
        v.map(|v| {
            let place = at(v.span());
            let line = line(v.span());
            let list = v.into_inner();
            crate::engine::select(&list, &[]).map_err(|e| format!("{place}: {key}: {e}"))?;
            Ok::<_, String>(At { value: list, line })
        })
        .transpose()
    };
    let select = selectors(raw.select, "select")?;
    let ignore = selectors(raw.ignore, "ignore")?;

    let mut severities = Vec::new();
    for (key, r) in raw.rules {
        let meta = rule(key.get_ref()).map_err(|e| format!("{}: rules.{e}", at(key.span())))?;
        if let Some(s) = r.severity {
            let sev = match s.get_ref().as_str() {
                "off" => None,
                "error" => Some(Severity::Error),
                "warning" => Some(Severity::Warning),
                "info" => Some(Severity::Info),
                other => {
                    return Err(format!(
                        "{}: severity `{other}` is not one of \"off\", \"error\", \"warning\", \"info\"",
                        at(s.span())
                    ));
                }
            };
            if let Some(prev) = severities
                .iter()
                .find(|p: &&At<(&RuleMeta, Option<Severity>)>| p.value.0.code == meta.code)
            {
                return Err(format!(
                    "{}: rule {} has a severity already (line {}; by code and by name?)",
                    at(key.span()),
                    meta.code,
                    prev.line
                ));
            }
            severities.push(At {
                value: (meta, sev),
                line: line(key.span()),
            });
        }
    }

    let mut opts = Vec::new();
    for (key, value) in raw.options {
        let name = key.get_ref().as_str();
        if options::meta(name).is_none() {
            let names: Vec<&str> = options::ALL.iter().map(|o| o.name).collect();
            let hint = closest(name, &names)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(format!(
                "{}: unknown option `{name}` (options: {}){hint}",
                at(key.span()),
                names.join(", ")
            ));
        }
        let v = match value.get_ref() {
            toml::Value::Integer(i) => i.to_string(),
            other => {
                return Err(format!(
                    "{}: option `{name}` takes a whole number ≥ 0, got a {}",
                    at(value.span()),
                    other.type_str()
                ));
            }
        };
        let spec = format!("{name}={v}");
        options::Options::default()
            .set(&spec)
            .map_err(|e| format!("{}: {e}", at(value.span())))?;
        opts.push(At {
            value: spec,
            line: line(key.span()),
        });
    }

    let mut exemptions = Vec::new();
    for e in raw.exemptions {
        let origin = format!("{file}:{}", line(e.span()));
        let e = e.into_inner();
        let meta = rule(e.rule.get_ref()).map_err(|m| format!("{}: {m}", at(e.rule.span())))?;
        let object = e.object.get_ref().trim().to_owned();
        if object.is_empty() {
            return Err(format!(
                "{}: exemption `object` is empty: give an object id, UPN, display name or address",
                at(e.object.span())
            ));
        }
        let reason = e.reason.get_ref().trim().to_owned();
        if reason.is_empty() {
            return Err(format!(
                "{}: exemption `reason` is empty: say why the deviation is accepted",
                at(e.reason.span())
            ));
        }
        let expires = e
            .expires
            .map(|v| expiry(v.get_ref()).ok_or_else(|| format!(
                "{}: exemption `expires` must be a date (2027-01-31) or an RFC 3339 time (2027-01-31T17:00:00Z)",
                at(v.span())
            )))
            .transpose()?;
        exemptions.push(Exemption {
            rule: meta,
            object,
            reason,
            expires,
            origin,
        });
    }

    Ok(Config {
        path: path.to_owned(),
        fail_on,
        select,
        ignore,
        severities,
        options: opts,
        exemptions,
    })
}

/// A rule by code or name, or an error suggesting the closest.
fn rule(query: &str) -> Result<&'static RuleMeta, String> {
    rules::find(query).map(|r| r.meta()).ok_or_else(|| {
        let hint = crate::report::rules::closest(query)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        format!("`{query}` is no rule code or name (see `tenantlint rules`){hint}")
    })
}

/// `2027-01-31` (to the end of that day, UTC) or an RFC 3339 time, as written and as the last
/// second it covers.
fn expiry(v: &toml::Value) -> Option<(String, i64)> {
    let text = match v {
        toml::Value::String(s) => s.trim().to_owned(),
        toml::Value::Datetime(d) => d.to_string(),
        _ => return None,
    };
    if let Ok(d) = text.parse::<jiff::civil::Date>()
        && text.len() == 10
    {
        let next: jiff::Timestamp = format!("{}T00:00:00Z", d.tomorrow().ok()?).parse().ok()?;
        return Some((text, next.as_second() - 1));
    }
    let t = text.parse::<jiff::Timestamp>().ok()?;
    Some((text, t.as_second()))
}

/// The closest valid key to the unknown one serde names in `unknown field `x`, expected one
/// of `a`, `b``.
fn suggestion(msg: &str) -> Option<&str> {
    let rest = msg.strip_prefix("unknown field `")?;
    let (unknown, expected) = rest.split_once('`')?;
    let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    closest(unknown, &names)
}

/// The candidate nearest to `query` by edit distance, if it is near enough to be a typo
/// (`fail_on` → `fail-on`, `exemption` → `exemptions`).
fn closest<'a>(query: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let q = query.to_ascii_lowercase().replace('_', "-");
    candidates
        .iter()
        .map(|c| (crate::report::rules::edit_distance(&q, c), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Config, String> {
        parse(Path::new("tenantlint.toml"), text)
    }

    #[test]
    fn a_full_file() {
        let c = parse_str(
            r#"fail-on = "warning"
select = ["LIC", "PRX001"]
ignore = ["SSPR001"]

[rules.LIC006]
severity = "off"

[rules.duplicate-upn]
severity = "warning"

[options]
stale-invitation-days = 45

[[exemptions]]
rule = "PRX001"
object = "alex@contoso.com"
reason = "shared mailbox being split, change 4711"
expires = "2027-01-31"

[[exemptions]]
rule = "missing-usage-location"
object = "9c87be3f-f895-5afe-9648-708ca9b31ec3"
reason = "leaver"
expires = 2027-02-01
"#,
        )
        .unwrap();
        assert_eq!(c.fail_on.as_ref().unwrap().value, Some(Severity::Warning));
        assert_eq!(c.select.as_ref().unwrap().line, 2);
        assert_eq!(c.severities.len(), 2);
        assert_eq!(c.severities[0].value.0.code, "LIC006");
        assert_eq!(c.severities[0].value.1, None);
        assert_eq!(c.severities[1].value.0.code, "UPN004");
        assert_eq!(c.severities[1].line, 8);
        assert_eq!(c.options[0].value, "stale-invitation-days=45");
        assert_eq!(c.exemptions.len(), 2);
        assert_eq!(c.exemptions[0].origin, "tenantlint.toml:14");
        // 2027-01-31T23:59:59Z
        assert_eq!(
            c.exemptions[0].expires,
            Some(("2027-01-31".into(), 1_801_439_999))
        );
        assert_eq!(c.exemptions[1].rule.code, "LIC001");
        assert_eq!(c.exemptions[1].expires.as_ref().unwrap().0, "2027-02-01");
    }

    #[test]
    fn unknown_keys_name_the_place_and_the_closest_key() {
        let e = parse_str("select = []\nfail_on = \"warning\"\n").unwrap_err();
        assert!(
            e.starts_with("tenantlint.toml:2:1: unknown field `fail_on`"),
            "{e}"
        );
        assert!(e.ends_with("did you mean `fail-on`?"), "{e}");
        let e = parse_str("[[exemption]]\nrule = \"LIC001\"\n").unwrap_err();
        assert!(e.ends_with("did you mean `exemptions`?"), "{e}");
        let e = parse_str("[rules.LIC006]\nseverty = \"off\"\n").unwrap_err();
        assert!(e.starts_with("tenantlint.toml:2:1:"), "{e}");
        assert!(e.ends_with("did you mean `severity`?"), "{e}");
        let e = parse_str("[options]\nstale-invitation-day = 3\n").unwrap_err();
        assert!(e.starts_with("tenantlint.toml:2:1: unknown option"), "{e}");
        assert!(e.ends_with("did you mean `stale-invitation-days`?"), "{e}");
        let e = parse_str("[rules.LIC06]\nseverity = \"off\"\n").unwrap_err();
        assert!(e.starts_with("tenantlint.toml:1:8: rules.`LIC06`"), "{e}");
        assert!(e.ends_with("did you mean `LIC006`?"), "{e}");
    }

    #[test]
    fn bad_values_are_errors() {
        let e = parse_str("[[exemptions]]\nrule = \"PRX001\"\nobject = \"a@b.c\"\n").unwrap_err();
        assert!(e.starts_with("tenantlint.toml:1:1:"), "{e}");
        assert!(e.contains("missing field `reason`"), "{e}");
        let e = parse_str(
            "[[exemptions]]\nrule = \"PRX001\"\nobject = \"a@b.c\"\nreason = \"x\"\nexpires = \"soon\"\n",
        )
        .unwrap_err();
        assert!(
            e.starts_with("tenantlint.toml:5:11: exemption `expires`"),
            "{e}"
        );
        let e = parse_str("fail-on = \"warn\"\n").unwrap_err();
        assert!(e.starts_with("tenantlint.toml:1:11: fail-on `warn`"), "{e}");
        let e = parse_str("[rules.LIC006]\nseverity = \"none\"\n").unwrap_err();
        assert!(
            e.starts_with("tenantlint.toml:2:12: severity `none`"),
            "{e}"
        );
        let e = parse_str("[options]\nmax-global-admins = -1\n").unwrap_err();
        assert!(e.contains("whole number"), "{e}");
        let e = parse_str("[options]\nmax-global-admins = \"5\"\n").unwrap_err();
        assert!(e.contains("whole number"), "{e}");
        let e = parse_str("select = [\"NOPE\"]\n").unwrap_err();
        assert!(e.starts_with("tenantlint.toml:1:10: select: `NOPE`"), "{e}");
        let e = parse_str("[rules.LIC006]\nseverity = \"off\"\n[rules.disabled-account-licensed]\nseverity = \"info\"\n").unwrap_err();
        assert!(e.contains("has a severity already"), "{e}");
        let e = parse_str("fail-on = \n").unwrap_err();
        assert!(e.starts_with("tenantlint.toml:1:"), "{e}");
        assert!(!e.contains('\n'));
    }

    #[test]
    fn discovery_stops_at_the_git_root() {
        let d = tempfile::tempdir().unwrap();
        let repo = d.path().join("repo");
        let deep = repo.join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(d.path().join(FILE_NAME), "").unwrap();
        // Outside a repository: the file three folders up.
        let up = |p: &str| Some(PathBuf::from(p));
        assert_eq!(discover(&deep), up("../../../tenantlint.toml"));
        std::fs::create_dir(repo.join(".git")).unwrap();
        assert_eq!(discover(&deep), None);
        std::fs::write(repo.join(FILE_NAME), "").unwrap();
        assert_eq!(discover(&deep), up("../../tenantlint.toml"));
        std::fs::write(deep.join(FILE_NAME), "").unwrap();
        assert_eq!(discover(&deep), up("tenantlint.toml"));
    }
}
