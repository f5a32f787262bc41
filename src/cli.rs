//! The command line: clap types, converted to [`Settings`](crate::settings) at the boundary.

use crate::commands;
use crate::error::Error;
use crate::exit::Exit;
use crate::redact::Redactor;
use crate::report::Format;
use crate::rules::{Options, Severity};
use crate::settings::{CheckSettings, Command, Redaction};
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
enum FailOnArg {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Snapshot: a .json or .json.gz file, a directory of Graph responses, or - for stdin.
    #[arg(required = true, value_name = "SNAPSHOT")]
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
    /// Exit 1 when a finding has this severity or higher.
    #[arg(long, value_enum, default_value_t = FailOnArg::Error)]
    fail_on: FailOnArg,
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

fn settings(cli: Cli) -> Result<Command, Error> {
    Ok(match cli.command {
        Cmd::Rules { format } => Command::Rules {
            json: matches!(format, ListFormat::Json),
        },
        Cmd::Explain { rule } => Command::Explain { query: rule },
        Cmd::Check(a) => {
            let rules = crate::engine::select(&a.select, &a.ignore).map_err(Error::Usage)?;
            let redact = redaction(&a)?;
            let now = a
                .now
                .map(|s| {
                    crate::snapshot::wire::parse_timestamp(&s).ok_or_else(|| {
                        Error::Usage(format!(
                            "--now `{s}` is not an RFC 3339 timestamp (e.g. 2026-11-20T08:00:00Z)"
                        ))
                    })
                })
                .transpose()?;
            let mut options = Options::default();
            for o in &a.options {
                options.set(o).map_err(Error::Usage)?;
            }
            let reports = a
                .reports
                .iter()
                .map(|r| report_arg(r))
                .collect::<Result<Vec<_>, _>>()?;
            if a.threads == Some(0) {
                return Err(Error::Usage("--threads must be at least 1".into()));
            }
            Command::Check(CheckSettings {
                snapshots: a.snapshots,
                format: a.format.into(),
                output: a.output,
                reports,
                fail_on: match a.fail_on {
                    FailOnArg::Error => Some(Severity::Error),
                    FailOnArg::Warning => Some(Severity::Warning),
                    FailOnArg::Info => Some(Severity::Info),
                    FailOnArg::Never => None,
                },
                rules,
                now,
                options,
                threads: a.threads,
                quiet: a.quiet,
                redact,
            })
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
    use super::FormatArg;
    use crate::report::Format;
    use clap::ValueEnum;

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
