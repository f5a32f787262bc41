//! What a run is asked to do, independent of how the command line spelled it.

use crate::config::Exemption;
use crate::redact::Redactor;
use crate::report::Format;
use crate::rules::{Options, Rule, RuleMeta, Severity};
use std::path::PathBuf;

pub enum Command {
    Check(CheckSettings),
    /// `baseline SNAPSHOT -o FILE`: the settings of a check of that snapshot, and the file.
    Baseline(CheckSettings, PathBuf),
    /// `diff OLD NEW`: the settings both snapshots are linted with (`output` is `--output`),
    /// the two snapshots, and the diff's format.
    Diff {
        settings: CheckSettings,
        old: String,
        new: String,
        format: crate::report::diff::DiffFormat,
    },
    /// `check --show-config`: the effective settings, each with where it came from.
    ShowConfig(String),
    Rules {
        json: bool,
    },
    Explain {
        query: String,
    },
    Export(ExportSettings),
}

/// `tenantlint export`.
pub struct ExportSettings {
    pub out: PathBuf,
    /// `https://graph.microsoft.com` (no trailing slash, no `/v1.0`).
    pub origin: String,
    pub token_file: Option<PathBuf>,
    pub collections: Vec<&'static crate::export::plan::Collection>,
    pub concurrency: usize,
    pub retry: crate::export::client::RetryPolicy,
    pub timeout: std::time::Duration,
    pub quiet: bool,
    /// `tenant.json`'s `exportedAt` (RFC 3339); default: when the export starts.
    pub exported_at: Option<String>,
}

/// The lowest severity that makes `check` exit 1; `None` never fails.
pub type FailOn = Option<Severity>;

pub struct CheckSettings {
    pub snapshots: Vec<String>,
    pub format: Format,
    pub output: Option<PathBuf>,
    /// `--report FORMAT=FILE`: more reports of the same run, each to its file.
    pub reports: Vec<(Format, PathBuf)>,
    pub fail_on: FailOn,
    pub rules: Vec<&'static dyn Rule>,
    /// `--now`, Unix seconds.
    pub now: Option<i64>,
    pub options: Options,
    pub threads: Option<usize>,
    pub quiet: bool,
    /// `--redact`: how identities are replaced in the reports.
    pub redact: Option<Redaction>,
    /// Severities the configuration sets per rule (rules it turns off are not in `rules`).
    pub severities: Vec<(&'static RuleMeta, Severity)>,
    /// The configuration's exemptions.
    pub exemptions: Vec<Exemption>,
    /// `--baseline FILE`: its entries.
    pub baseline: Option<Vec<crate::baseline::Entry>>,
}

pub struct Redaction {
    pub redactor: Redactor,
    /// The key is random (none was given): the pseudonyms hold for this run only.
    pub random: bool,
}
