//! The command line: clap types, converted to [`Settings`](crate::settings) at the boundary.

use crate::commands;
use crate::config::{self, Exemption};
use crate::error::Error;
use crate::exit::Exit;
use crate::redact::Redactor;
use crate::report::Format;
use crate::report::diff::DiffFormat;
use crate::rules::{self, Rule, RuleMeta};
use crate::rules::{Options, Severity};
use crate::settings::{CheckSettings, Command, ExportSettings, FailOn, Redaction};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Offline linter for Microsoft Entra ID / Microsoft 365 tenant snapshots.
#[derive(Parser)]
#[command(name = "tenantlint", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Lint one or more tenant snapshots.
    Check(Box<CheckArgs>),
    /// Compare two snapshots: the findings introduced, resolved and unchanged from OLD to NEW.
    Diff(Box<DiffArgs>),
    /// Record a snapshot's findings as accepted, for `check --baseline FILE`.
    Baseline(Box<BaselineArgs>),
    /// List every rule.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Print a rule's documentation.
    Explain {
        /// A rule code (LIC001) or name (missing-usage-location).
        rule: String,
    },
    /// Export a snapshot directory from Microsoft Graph (the only command that uses the
    /// network; see docs/export.md).
    #[command(after_help = EXPORT_HELP, args_override_self = true)]
    Export(Box<ExportArgs>),
}

const EXPORT_HELP: &str = "\
Token: --token-file FILE, else TENANTLINT_GRAPH_TOKEN, else standard input when piped; each
  holds the token or the JSON of `az account get-access-token --resource-type ms-graph`
Application permissions (read): User.Read.All, GroupMember.Read.All, OrgContact.Read.All,
  Organization.Read.All, Domain.Read.All, RoleManagement.Read.Directory, Application.Read.All,
  Policy.Read.All, AuditLog.Read.All (userRegistrationDetails, with Entra ID P1/P2; optional),
  OnPremDirectorySynchronization.Read.All (delegated only; optional). Directory.Read.All covers
  most of them.
Collections: users, groups (and their members), contacts, subscribedSkus, domains,
  directoryRoles (and their members), roleAssignments, applications, servicePrincipals (and
  their appRoleAssignedTo), userRegistrationDetails, authorizationPolicy,
  onPremisesPasswordResetPolicy; tenant.json always.
The snapshot is written into a temporary directory beside DIR and replaces DIR only when the
export succeeded. Password reset settings that Graph does not expose are written as
policies/*.template.json to fill in by hand.
Exit codes: 0 exported, 2 error (one line naming the request, its status and Graph's code).";

#[derive(clap::Args)]
struct ExportArgs {
    /// The snapshot directory to write (replaced only when the export succeeds; an existing
    /// directory must be an earlier snapshot or empty).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Microsoft Graph's address (a national cloud's, e.g. https://graph.microsoft.us);
    /// requests go to <URL>/v1.0/….
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://graph.microsoft.com"
    )]
    graph_url: String,
    /// The access token: a file holding it, or the JSON of `az account get-access-token
    /// --resource-type ms-graph`; - reads standard input. Default: TENANTLINT_GRAPH_TOKEN, else
    /// standard input when it is piped.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Only these collections, comma-separated (default: all).
    #[arg(long, value_delimiter = ',', value_name = "KEYS")]
    collections: Vec<String>,
    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    concurrency: usize,
    /// Attempts per request before the export fails (throttling, 5xx, timeouts, dropped
    /// connections, bodies cut short).
    #[arg(long, value_name = "N", default_value_t = 6)]
    max_attempts: u32,
    /// Seconds one request may take (connecting at most 10 of them).
    #[arg(long, value_name = "SECONDS", default_value_t = 100)]
    timeout: u64,
    /// The longest Retry-After honoured, in seconds (a longer one is cut to this).
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    max_retry_after: u64,
    /// The first backoff of a retry without Retry-After, in milliseconds (doubling, jittered).
    #[arg(long, value_name = "MS", default_value_t = 500, hide = true)]
    backoff_ms: u64,
    /// tenant.json's exportedAt instead of the time of the export (RFC 3339; for tests).
    #[arg(long, value_name = "RFC3339", hide = true)]
    exported_at: Option<String>,
    /// No progress output and no warnings.
    #[arg(long, short)]
    quiet: bool,
}

fn export_settings(a: ExportArgs) -> Result<ExportSettings, Error> {
    let origin = crate::export::client::origin(&a.graph_url).map_err(Error::Usage)?;
    if a.concurrency == 0 || a.concurrency > 64 {
        return Err(Error::Usage(
            "--concurrency must be between 1 and 64".into(),
        ));
    }
    if a.max_attempts == 0 {
        return Err(Error::Usage("--max-attempts must be at least 1".into()));
    }
    if a.timeout == 0 {
        return Err(Error::Usage("--timeout must be at least 1 second".into()));
    }
    if let Some(t) = &a.exported_at
        && crate::snapshot::wire::parse_timestamp(t).is_none()
    {
        return Err(Error::Usage(format!(
            "--exported-at `{t}` is not an RFC 3339 timestamp"
        )));
    }
    Ok(ExportSettings {
        out: a.out,
        origin,
        token_file: a.token_file,
        collections: crate::export::plan::parse_keys(&a.collections)?,
        concurrency: a.concurrency,
        retry: crate::export::client::RetryPolicy {
            max_attempts: a.max_attempts,
            backoff_base: std::time::Duration::from_millis(a.backoff_ms),
            max_retry_after: std::time::Duration::from_secs(a.max_retry_after),
        },
        timeout: std::time::Duration::from_secs(a.timeout),
        quiet: a.quiet,
        exported_at: a.exported_at,
    })
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Text,
    Json,
    Csv,
    Junit,
    Markdown,
    Sarif,
    Github,
    Html,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Csv => Format::Csv,
            FormatArg::Junit => Format::Junit,
            FormatArg::Markdown => Format::Markdown,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Github => Format::Github,
            FormatArg::Html => Format::Html,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormatArg {
    Text,
    Json,
    Markdown,
    Html,
    Csv,
    Sarif,
}

impl From<DiffFormatArg> for DiffFormat {
    fn from(f: DiffFormatArg) -> DiffFormat {
        match f {
            DiffFormatArg::Text => DiffFormat::Text,
            DiffFormatArg::Json => DiffFormat::Json,
            DiffFormatArg::Markdown => DiffFormat::Markdown,
            DiffFormatArg::Html => DiffFormat::Html,
            DiffFormatArg::Csv => DiffFormat::Csv,
            DiffFormatArg::Sarif => DiffFormat::Sarif,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOnArg {
    Error,
    Warning,
    Info,
    Never,
}

/// What every linting command shares: which rules, their options and the configuration.
#[derive(clap::Args)]
struct LintArgs {
    /// Only these rules: codes, names or code prefixes (LIC, SSPR002, duplicate-upn).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    select: Vec<String>,
    /// Skip these rules: codes, names or code prefixes.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    ignore: Vec<String>,
    /// The time to judge dates against (RFC 3339); default: the snapshot's exportedAt, else now.
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// Set a rule option, e.g. --option stale-invitation-days=45 (see `tenantlint explain`).
    #[arg(long = "option", value_name = "NAME=VALUE")]
    options: Vec<String>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// No progress output.
    #[arg(long, short)]
    quiet: bool,
    /// Read the settings from FILE (default: tenantlint.toml in the working directory or a
    /// parent, up to the git root).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Ignore any tenantlint.toml.
    #[arg(long)]
    no_config: bool,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Snapshot: a .json or .json.gz file, a directory of Graph responses, or - for stdin.
    #[arg(required_unless_present = "show_config", value_name = "SNAPSHOT")]
    snapshots: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Write the report to FILE (written whole, or not at all) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also write the report in FORMAT to FILE (repeatable; each written whole, or not at all),
    /// e.g. --report json=tenantlint.json --report csv=findings.csv.
    #[arg(long = "report", value_name = "FORMAT=FILE")]
    reports: Vec<String>,
    /// Exit 1 when a finding has this severity or higher [default: error, or the config's].
    #[arg(long, value_enum)]
    fail_on: Option<FailOnArg>,
    #[command(flatten)]
    lint: LintArgs,
    /// Report only findings that are not in FILE (written by `tenantlint baseline`).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Print the effective settings, and where each came from, instead of linting.
    #[arg(long)]
    show_config: bool,
    /// Replace UPNs, mail and proxy addresses, display names and phone numbers in the report
    /// with stable pseudonyms (domains and object ids kept); see docs/redaction.md.
    #[arg(long)]
    redact: bool,
    /// The key of the pseudonyms, in hex (at least 32 digits; implies --redact). Default:
    /// TENANTLINT_REDACT_KEY, else a random key per run.
    #[arg(long, value_name = "HEX", conflicts_with = "redact_key_file")]
    redact_key: Option<String>,
    /// Read the redaction key (hex) from FILE (implies --redact).
    #[arg(long, value_name = "FILE")]
    redact_key_file: Option<PathBuf>,
}

#[derive(clap::Args)]
struct DiffArgs {
    /// The earlier snapshot (before the migration, last month's export): a .json or .json.gz
    /// file, a directory of Graph responses, or - for stdin.
    #[arg(value_name = "OLD")]
    old: String,
    /// The later snapshot, in the same forms.
    #[arg(value_name = "NEW")]
    new: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormatArg::Text)]
    format: DiffFormatArg,
    /// Write the diff to FILE (written whole, or not at all) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit 1 when an introduced finding has this severity or higher [default: error, or the
    /// config's].
    #[arg(long, value_enum)]
    fail_on: Option<FailOnArg>,
    #[command(flatten)]
    lint: LintArgs,
}

#[derive(clap::Args)]
struct BaselineArgs {
    /// The snapshot whose findings are accepted.
    #[arg(value_name = "SNAPSHOT")]
    snapshot: String,
    /// The baseline file to write (whole, or not at all).
    #[arg(long, short, value_name = "FILE", required = true)]
    output: PathBuf,
    #[command(flatten)]
    lint: LintArgs,
}

/// The redaction the arguments ask for: none, a given key, or a random one.
fn redaction(a: &CheckArgs) -> Result<Option<Redaction>, Error> {
    let bad = |what: &str, e: String| Error::Usage(format!("{what}: {e}"));
    let hex = if let Some(k) = &a.redact_key {
        Some(("--redact-key".to_owned(), k.clone()))
    } else if let Some(path) = &a.redact_key_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Usage(format!("--redact-key-file {}: {e}", path.display())))?;
        Some((format!("--redact-key-file {}", path.display()), text))
    } else if a.redact {
        std::env::var("TENANTLINT_REDACT_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty())
            .map(|k| ("TENANTLINT_REDACT_KEY".to_owned(), k))
    } else {
        return Ok(None);
    };
    Ok(Some(match hex {
        Some((what, hex)) => Redaction {
            redactor: Redactor::from_hex(&hex).map_err(|e| bad(&what, e))?,
            random: false,
        },
        None => Redaction {
            redactor: Redactor::random().map_err(Error::Usage)?,
            random: true,
        },
    }))
}

/// `--report FORMAT=FILE`.
fn report_arg(arg: &str) -> Result<(Format, PathBuf), Error> {
    let bad = |why: String| Error::Usage(format!("--report {arg}: {why}"));
    let Some((format, file)) = arg.split_once('=') else {
        return Err(bad("expected FORMAT=FILE, e.g. csv=findings.csv".into()));
    };
    let format = FormatArg::from_str(format, true).map_err(|_| {
        let names: Vec<String> = FormatArg::value_variants()
            .iter()
            .filter_map(|v| Some(v.to_possible_value()?.get_name().to_owned()))
            .collect();
        bad(format!(
            "unknown format `{format}` (expected one of {})",
            names.join(", ")
        ))
    })?;
    if file.is_empty() {
        return Err(bad("no file name after `=`".into()));
    }
    Ok((format.into(), PathBuf::from(file)))
}

fn fail_on(a: FailOnArg) -> FailOn {
    match a {
        FailOnArg::Error => Some(Severity::Error),
        FailOnArg::Warning => Some(Severity::Warning),
        FailOnArg::Info => Some(Severity::Info),
        FailOnArg::Never => None,
    }
}

/// The settings every linting command shares, merged from the defaults, the configuration
/// file and the command line (which wins), with a record of where each came from.
struct Effective {
    rules: Vec<&'static dyn Rule>,
    severities: Vec<(&'static RuleMeta, Severity)>,
    options: Options,
    exemptions: Vec<Exemption>,
    fail_on: FailOn,
    now: Option<i64>,
    /// What `--show-config` prints.
    shown: String,
}

fn effective(lint: &LintArgs, cli_fail_on: Option<FailOnArg>) -> Result<Effective, Error> {
    use std::fmt::Write as _;
    let config = if lint.no_config {
        None
    } else if let Some(p) = &lint.config {
        Some(config::load(p).map_err(Error::Usage)?)
    } else {
        let cwd =
            std::env::current_dir().map_err(|e| Error::Usage(format!("working directory: {e}")))?;
        config::discover(&cwd)
            .map(|p| config::load(&p))
            .transpose()
            .map_err(Error::Usage)?
    };
    let mut shown = format!(
        "# tenantlint {}: effective settings\n",
        env!("CARGO_PKG_VERSION")
    );
    let from = |line: usize| {
        config
            .as_ref()
            .map_or(String::new(), |c| format!("{}:{line}", c.path.display()))
    };
    let _ = match (&config, lint.no_config) {
        (Some(c), _) => writeln!(shown, "# configuration: {}", c.path.display()),
        (None, true) => writeln!(shown, "# configuration: none (--no-config)"),
        (None, false) => writeln!(
            shown,
            "# configuration: none ({} not found in the working directory or its parents up to the git root)",
            config::FILE_NAME
        ),
    };
    let fail = match (
        cli_fail_on,
        config.as_ref().and_then(|c| c.fail_on.as_ref()),
    ) {
        (Some(a), _) => (fail_on(a), "--fail-on".to_owned()),
        (None, Some(c)) => (c.value, from(c.line)),
        (None, None) => (Some(Severity::Error), "default".to_owned()),
    };
    let _ = writeln!(
        shown,
        "fail-on = \"{}\"  # {}",
        fail.0.map_or("never", |s| s.as_str()),
        fail.1
    );
    let pick = |cli: &[String], conf: Option<&config::At<Vec<String>>>, flag: &str| {
        if !cli.is_empty() {
            (cli.to_vec(), flag.to_owned())
        } else if let Some(c) = conf {
            (c.value.clone(), from(c.line))
        } else {
            (Vec::new(), "default".to_owned())
        }
    };
    let select = pick(
        &lint.select,
        config.as_ref().and_then(|c| c.select.as_ref()),
        "--select",
    );
    let ignore = pick(
        &lint.ignore,
        config.as_ref().and_then(|c| c.ignore.as_ref()),
        "--ignore",
    );
    for (key, (list, origin)) in [("select", &select), ("ignore", &ignore)] {
        let _ = writeln!(
            shown,
            "{key} = {}  # {origin}",
            serde_json::to_string(list).unwrap_or_default()
        );
    }
    let mut rules = crate::engine::select(&select.0, &ignore.0).map_err(Error::Usage)?;
    let mut severities = Vec::new();
    let mut rule_lines = String::new();
    for c in config.iter().flat_map(|c| &c.severities) {
        let (meta, sev) = c.value;
        match sev {
            None => rules.retain(|r| r.meta().code != meta.code),
            Some(s) => severities.push((meta, s)),
        }
        let _ = writeln!(
            rule_lines,
            "{}.severity = \"{}\"  # {}",
            meta.code,
            sev.map_or("off", |s| s.as_str()),
            from(c.line)
        );
    }
    let codes: Vec<&str> = rules.iter().map(|r| r.meta().code).collect();
    let _ = writeln!(shown, "# {} rules run: {}", codes.len(), codes.join(", "));
    if !rule_lines.is_empty() {
        let _ = write!(shown, "\n[rules]\n{rule_lines}");
    }
    let mut options = Options::default();
    for o in config.iter().flat_map(|c| &c.options) {
        options.set(&o.value).map_err(Error::Usage)?;
    }
    for o in &lint.options {
        options.set(o).map_err(Error::Usage)?;
    }
    let _ = writeln!(shown, "\n[options]");
    for o in rules::options::ALL {
        let given = |spec: &str| {
            spec.split_once('=')
                .is_some_and(|(n, _)| n.trim() == o.name)
        };
        let origin = if lint.options.iter().any(|s| given(s)) {
            "--option".to_owned()
        } else if let Some(c) = config
            .iter()
            .flat_map(|c| &c.options)
            .find(|c| given(&c.value))
        {
            from(c.line)
        } else {
            "default".to_owned()
        };
        let _ = writeln!(shown, "{} = {}  # {origin}", o.name, options.get(o.name));
    }
    let exemptions = config.map(|c| c.exemptions).unwrap_or_default();
    for e in &exemptions {
        let _ = write!(
            shown,
            "\n[[exemptions]]  # {}\nrule = \"{}\"\nobject = {}\nreason = {}\n",
            e.origin,
            e.rule.code,
            serde_json::to_string(&e.object).unwrap_or_default(),
            serde_json::to_string(&e.reason).unwrap_or_default()
        );
        if let Some((d, _)) = &e.expires {
            let _ = writeln!(shown, "expires = \"{d}\"");
        }
    }
    let now = lint
        .now
        .as_ref()
        .map(|s| {
            crate::snapshot::wire::parse_timestamp(s).ok_or_else(|| {
                Error::Usage(format!(
                    "--now `{s}` is not an RFC 3339 timestamp (e.g. 2026-11-20T08:00:00Z)"
                ))
            })
        })
        .transpose()?;
    if lint.threads == Some(0) {
        return Err(Error::Usage("--threads must be at least 1".into()));
    }
    Ok(Effective {
        rules,
        severities,
        options,
        exemptions,
        fail_on: fail.0,
        now,
        shown,
    })
}

fn check_settings(
    lint: &LintArgs,
    e: Effective,
    format: Format,
    output: Option<PathBuf>,
) -> CheckSettings {
    CheckSettings {
        snapshots: Vec::new(),
        format,
        output,
        reports: Vec::new(),
        fail_on: e.fail_on,
        rules: e.rules,
        now: e.now,
        options: e.options,
        threads: lint.threads,
        quiet: lint.quiet,
        redact: None,
        severities: e.severities,
        exemptions: e.exemptions,
        baseline: None,
    }
}

fn settings(cli: Cli) -> Result<Command, Error> {
    Ok(match cli.command {
        Cmd::Rules { format } => Command::Rules {
            json: matches!(format, ListFormat::Json),
        },
        Cmd::Explain { rule } => Command::Explain { query: rule },
        Cmd::Export(a) => Command::Export(export_settings(*a)?),
        Cmd::Baseline(a) => {
            let e = effective(&a.lint, None)?;
            let mut s = check_settings(&a.lint, e, Format::Json, None);
            s.snapshots = vec![a.snapshot];
            Command::Baseline(s, a.output)
        }
        Cmd::Diff(a) => {
            let a = *a;
            let e = effective(&a.lint, a.fail_on)?;
            let settings = check_settings(&a.lint, e, Format::Json, a.output);
            Command::Diff {
                settings,
                old: a.old,
                new: a.new,
                format: a.format.into(),
            }
        }
        Cmd::Check(a) => {
            let e = effective(&a.lint, a.fail_on)?;
            if a.show_config {
                return Ok(Command::ShowConfig(e.shown));
            }
            let redact = redaction(&a)?;
            let reports = a
                .reports
                .iter()
                .map(|r| report_arg(r))
                .collect::<Result<Vec<_>, _>>()?;
            let baseline = a
                .baseline
                .as_deref()
                .map(crate::baseline::read)
                .transpose()
                .map_err(Error::Usage)?;
            let mut s = check_settings(&a.lint, e, a.format.into(), a.output);
            s.snapshots = a.snapshots;
            s.reports = reports;
            s.redact = redact;
            s.baseline = baseline;
            Command::Check(s)
        }
    })
}

/// Parses the command line, runs the command, and reports errors on stderr.
pub fn main() -> Exit {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Error
            } else {
                Exit::Clean
            };
        }
    };
    match settings(cli).and_then(|s| commands::run(&s)) {
        Ok(exit) => exit,
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Error
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{DiffFormatArg, FormatArg};
    use crate::report::Format;
    use crate::report::diff::DiffFormat;
    use clap::ValueEnum;

    /// `DiffFormat::ALL` likewise holds every format `diff --format` offers, each once, under
    /// its command-line name.
    #[test]
    fn diff_format_all_lists_every_cli_format() {
        let cli: Vec<DiffFormat> = DiffFormatArg::value_variants()
            .iter()
            .map(|&f| f.into())
            .collect();
        for f in &cli {
            assert!(
                DiffFormat::ALL.contains(f),
                "{f:?} is missing from DiffFormat::ALL"
            );
            let named = DiffFormatArg::from_str(f.name(), false)
                .ok()
                .map(DiffFormat::from);
            assert_eq!(named, Some(*f), "{f:?}'s name is not its --format value");
        }
        assert_eq!(
            cli.len(),
            DiffFormat::ALL.len(),
            "DiffFormat::ALL has duplicates or extras"
        );
    }

    /// `Format::ALL` is what tests and fuzz targets iterate over: it must hold every format
    /// the command line offers, each once.
    #[test]
    fn format_all_lists_every_cli_format() {
        let cli: Vec<Format> = FormatArg::value_variants()
            .iter()
            .map(|&f| f.into())
            .collect();
        for f in &cli {
            assert!(Format::ALL.contains(f), "{f:?} is missing from Format::ALL");
        }
        assert_eq!(
            cli.len(),
            Format::ALL.len(),
            "Format::ALL has duplicates or extras"
        );
    }
}
