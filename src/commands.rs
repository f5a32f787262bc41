//! The commands, given settings.

use crate::engine;
use crate::error::Error;
use crate::exit::Exit;
use crate::report::{self, NowSource, Report};
use crate::rules::{self, options};
use crate::settings::{CheckSettings, Command};
use crate::snapshot;
use std::io::{self, IsTerminal, Write};
use std::path::Path;

pub fn run(cmd: &Command) -> Result<Exit, Error> {
    match cmd {
        Command::Check(s) => check(s),
        Command::Baseline(s, out) => baseline(s, out),
        Command::Diff {
            settings,
            old,
            new,
            format,
        } => diff(settings, old, new, *format),
        Command::ShowConfig(text) => stdout(|w| w.write_all(text.as_bytes())),
        Command::Rules { json } => stdout(|w| report::rules::write(w, *json)),
        Command::Explain { query } => explain(query),
        Command::Export(s) => crate::export::run(s),
    }
}

/// Writes to standard output; a closed pipe (`tenantlint … | head`) is not an error.
fn stdout(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<Exit, Error> {
    let mut w = io::BufWriter::new(io::stdout().lock());
    match f(&mut w).and_then(|()| w.flush()) {
        Ok(()) => Ok(Exit::Clean),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(Exit::Clean),
        Err(e) => Err(Error::Output {
            path: "<stdout>".into(),
            source: e,
        }),
    }
}

fn explain(query: &str) -> Result<Exit, Error> {
    let Some(rule) = rules::find(query) else {
        let mut msg = format!("no rule `{query}`");
        if let Some(s) = report::rules::closest(query) {
            msg.push_str(&format!("; did you mean `{s}`?"));
        }
        return Err(Error::Usage(msg));
    };
    let m = rule.meta();
    stdout(|w| {
        writeln!(w, "{}", m.doc.trim_end())?;
        if !m.options.is_empty() {
            writeln!(w, "\n## Option values")?;
            for name in m.options {
                if let Some(o) = options::meta(name) {
                    writeln!(w, "- `{}` (default {}): {}", o.name, o.default, o.doc)?;
                }
            }
        }
        writeln!(
            w,
            "\nDefault severity: {} (category {}).",
            m.default_severity().as_str(),
            m.category.as_str()
        )
    })
}

/// Sizes rayon's global pool to `--threads`.
fn threads(s: &CheckSettings) {
    if let Some(n) = s.threads {
        // Fails only when the pool was already built (tests calling twice): keep that one.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
}

/// Whether standard output gets colour: a terminal, and no `NO_COLOR`.
fn color() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn check(s: &CheckSettings) -> Result<Exit, Error> {
    threads(s);
    let timings = std::env::var_os("TENANTLINT_TIMINGS").is_some();
    let files = report_files(s);
    for (i, (_, path, label)) in files.iter().enumerate() {
        output_target(label, path)?;
        if let Some((_, _, first)) = files.iter().take(i).find(|(_, p, _)| p == path) {
            return Err(Error::Usage(format!(
                "{label}: {first} writes that file already"
            )));
        }
    }
    if let Some(r) = &s.redact
        && r.random
        && !s.quiet
    {
        eprintln!(
            "note: redacting with a random key: the pseudonyms differ from run to run (give --redact-key, --redact-key-file or TENANTLINT_REDACT_KEY to keep them)"
        );
    }
    let lines = std::iter::once(s.format)
        .chain(s.reports.iter().map(|r| r.0))
        .any(report::Format::places_findings);
    let mut loaded = Vec::with_capacity(s.snapshots.len());
    for spec in &s.snapshots {
        let (tenant, now, now_source, result) = lint(s, spec, &files, lines, timings, None)?;
        loaded.push((spec, tenant, now, now_source, result));
    }
    let reports: Vec<Report> = loaded
        .iter()
        .map(|(spec, tenant, now, now_source, result)| Report {
            source: spec,
            tenant,
            now: *now,
            now_source: *now_source,
            result,
        })
        .collect();
    let worst = reports
        .iter()
        .flat_map(|r| r.result.findings.iter().map(|f| f.severity))
        .max();
    let exit = match (worst, s.fail_on) {
        (Some(w), Some(threshold)) if w >= threshold => Exit::Findings,
        _ => Exit::Clean,
    };
    let start = std::time::Instant::now();
    // Every file report is written (atomically) before standard output gets its report.
    for (format, path, _) in &files {
        write_atomically(path, |w| report::write(*format, &reports, w, false))?;
    }
    let written = if s.output.is_some() {
        Ok(exit)
    } else {
        stdout(|w| report::write(s.format, &reports, w, color())).map(|_| exit)
    };
    if timings {
        eprintln!("timing: report {:.2?}", start.elapsed());
        eprintln!(
            "timing:   after the report{}{}",
            snapshot::cpu_note(),
            snapshot::memory_note()
        );
    }
    // The process ends right after this: freeing a million users object by object would only
    // delay the exit. The OS reclaims the memory and the mappings at once.
    drop(reports);
    std::mem::forget(loaded);
    written
}

/// A snapshot, loaded and linted: the tenant, the time judged at and where it came from, and
/// the findings.
type Linted = (crate::model::Tenant, i64, NowSource, engine::RunResult);

/// Loads one snapshot and lints it: rules, severity overrides and exemptions, the baseline,
/// then redaction. `files` are the run's report files (none may be the snapshot itself).
/// Snapshots loaded at the same time share `bars`, so that their progress bars do not draw
/// over each other. With `lines`, the load builds the line index that reports placing
/// findings at lines use.
fn lint(
    s: &CheckSettings,
    spec: &str,
    files: &[(report::Format, &Path, String)],
    lines: bool,
    timings: bool,
    bars: Option<&indicatif::MultiProgress>,
) -> Result<Linted, Error> {
    let start = std::time::Instant::now();
    let tenant = if s.quiet || !io::stderr().is_terminal() {
        snapshot::load_with(spec, &(), lines)?
    } else {
        snapshot::load_with(spec, &Bar::new(spec, bars.cloned()), lines)?
    };
    let loaded_at = start.elapsed();
    for (_, out, label) in files {
        if let Some(input) = input_file(&tenant.info, out) {
            return Err(Error::Usage(format!(
                "{label} is the snapshot file {} itself: tenantlint never writes over its input",
                input.display()
            )));
        }
    }
    if !s.quiet {
        for f in &tenant.info.ignored_files {
            eprintln!(
                "warning: ignored {f}: not a snapshot file (expected users.json, groups.json, …, see docs/snapshot-format.md)"
            );
        }
    }
    let (now, now_source) = match (s.now, &tenant.info.exported_at) {
        (Some(n), _) => (n, NowSource::Option),
        (None, Some((_, t))) => (*t, NowSource::ExportedAt),
        (None, None) => (jiff::Timestamp::now().as_second(), NowSource::Clock),
    };
    let mut result = engine::run(&tenant, now, &s.options, &s.rules);
    crate::exempt::apply(&mut result, &s.severities, &s.exemptions, now);
    if let Some(b) = &s.baseline {
        crate::baseline::apply(&mut result, b);
    }
    if let Some(r) = &s.redact {
        r.redactor.result(&mut result);
    }
    if timings {
        eprintln!(
            "timing: load {loaded_at:.2?}, rules {:.2?}",
            start.elapsed() - loaded_at
        );
        eprintln!(
            "timing:   after the rules{}{}",
            snapshot::cpu_note(),
            snapshot::memory_note()
        );
        for (code, took) in &result.timings {
            eprintln!("timing:   {code} {took:.2?}");
        }
    }
    Ok((tenant, now, now_source, result))
}

/// `tenantlint baseline SNAPSHOT -o FILE`: the findings `check` would report, recorded.
fn baseline(s: &CheckSettings, out: &Path) -> Result<Exit, Error> {
    let label = format!("--output {}", out.display());
    output_target(&label, out)?;
    let files = [(report::Format::Json, out, label)];
    let spec = s.snapshots.first().map_or("-", String::as_str);
    let (tenant, _, _, result) = lint(s, spec, &files, false, false, None)?;
    write_atomically(out, |w| crate::baseline::write(&result.findings, spec, w))?;
    if !s.quiet {
        eprintln!(
            "wrote {} to {}",
            report::plural(result.findings.len(), "finding", "findings"),
            out.display()
        );
    }
    std::mem::forget(tenant);
    Ok(Exit::Clean)
}

/// `tenantlint diff OLD NEW`: both snapshots linted with the same settings, at the same time,
/// and their findings compared by fingerprint (see [`report::diff`]). Exit 1 when an
/// introduced finding is at or above `--fail-on`.
fn diff(
    s: &CheckSettings,
    old: &str,
    new: &str,
    format: report::diff::DiffFormat,
) -> Result<Exit, Error> {
    threads(s);
    if old == "-" && new == "-" {
        return Err(Error::Usage(
            "OLD and NEW are both standard input (-): at most one snapshot can be read from it"
                .into(),
        ));
    }
    let timings = std::env::var_os("TENANTLINT_TIMINGS").is_some();
    let files: Vec<(report::Format, &Path, String)> = s
        .output
        .as_deref()
        .map(|p| (report::Format::Json, p, format!("--output {}", p.display())))
        .into_iter()
        .collect();
    for (_, path, label) in &files {
        output_target(label, path)?;
    }
    let lines = format == report::diff::DiffFormat::Sarif;
    let bars = indicatif::MultiProgress::new();
    let (a, b) = rayon::join(
        || lint(s, old, &files, lines, timings, Some(&bars)),
        || lint(s, new, &files, lines, timings, Some(&bars)),
    );
    // When both fail, OLD's error is the one reported (whichever failed first).
    let (a, b) = (a?, b?);
    let d = report::diff::Diff::new(as_report(old, &a), as_report(new, &b));
    let worst = d.introduced.iter().map(|f| f.severity).max();
    let exit = match (worst, s.fail_on) {
        (Some(w), Some(threshold)) if w >= threshold => Exit::Findings,
        _ => Exit::Clean,
    };
    let start = std::time::Instant::now();
    let written = match &s.output {
        Some(path) => {
            write_atomically(path, |w| report::diff::write(format, &d, w, false)).map(|()| exit)
        }
        None => stdout(|w| report::diff::write(format, &d, w, color())).map(|_| exit),
    };
    if timings {
        eprintln!("timing: diff report {:.2?}", start.elapsed());
    }
    // As in `check`: the process ends right after this, the OS reclaims the memory at once.
    drop(d);
    std::mem::forget((a, b));
    written
}

fn as_report<'a>(source: &'a str, (tenant, now, now_source, result): &'a Linted) -> Report<'a> {
    Report {
        source,
        tenant,
        now: *now,
        now_source: *now_source,
        result,
    }
}

/// A progress bar on stderr while a large snapshot loads (only on a terminal, not with --quiet).
/// With `multi`, it is one of several drawn together.
struct Bar(indicatif::ProgressBar, Option<indicatif::MultiProgress>);

impl Bar {
    fn new(spec: &str, multi: Option<indicatif::MultiProgress>) -> Bar {
        let bar = indicatif::ProgressBar::hidden();
        #[allow(
            clippy::expect_used,
            reason = "a constant template that indicatif accepts (every bar is built from it)"
        )]
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_message(format!("loading {spec}"));
        Bar(bar, multi)
    }
}

impl snapshot::Progress for Bar {
    fn start(&self, total_bytes: u64) {
        // Small snapshots load faster than a bar can be read.
        if total_bytes >= 64 << 20 {
            match &self.1 {
                Some(multi) => {
                    multi.add(self.0.clone());
                }
                None => self
                    .0
                    .set_draw_target(indicatif::ProgressDrawTarget::stderr()),
            }
        }
        self.0.set_length(total_bytes);
    }
    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// Refuses an `--output` that cannot take a report, before any work is done: a directory, or a
/// file in a directory that does not exist.
fn output_target(label: &str, path: &Path) -> Result<(), Error> {
    if path.is_dir() {
        return Err(Error::Usage(format!(
            "{label} is a directory: give the report's file name"
        )));
    }
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() && !d.is_dir() => Err(Error::Usage(format!(
            "{label}: the directory {} does not exist",
            d.display()
        ))),
        _ => Ok(()),
    }
}

/// The report files of a run: `--output` (in `--format`) and every `--report FORMAT=FILE`,
/// each with how the command line named it (for messages).
fn report_files(s: &CheckSettings) -> Vec<(report::Format, &Path, String)> {
    let output = s.output.as_deref().map(|p| {
        let label = format!("--output {}", p.display());
        (s.format, p, label)
    });
    let reports = s.reports.iter().map(|(f, p)| {
        let label = format!("--report {}={}", f.name(), p.display());
        (*f, p.as_path(), label)
    });
    output.into_iter().chain(reports).collect()
}

/// The input file `out` names, if any (through links, too). Device and inode recorded at
/// read time are compared where there are any: one `stat` for a tree of a million files.
fn input_file<'a>(info: &'a crate::model::TenantInfo, out: &Path) -> Option<&'a Path> {
    #[cfg(unix)]
    if !info.file_ids.is_empty() {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(out).ok()?;
        let i = info
            .file_ids
            .iter()
            .position(|&id| id == (m.dev(), m.ino()))?;
        return info.files.get(i).map(|p| p.as_path());
    }
    info.files
        .iter()
        .find(|f| same_file(out, f))
        .map(|p| p.as_path())
}

/// Whether two paths name the same file (through links, too).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
    }
}

/// Writes `path` whole or not at all: into a temporary file beside it, renamed at the end. A
/// path that exists and is no regular file (`/dev/stdout`, a FIFO, `/dev/full`) is written to
/// as it is: renaming over it would replace the device.
fn write_atomically(
    path: &Path,
    f: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Error> {
    let err = |source: io::Error| Error::Output {
        path: path.display().to_string(),
        source,
    };
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(err)?;
        let mut w = io::BufWriter::new(file);
        return f(&mut w).and_then(|()| w.flush()).map_err(err);
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // Created as any file is (0666 less the umask), not 0600 like a temporary file: a report is
    // for others to read (a CI artifact, a mailed compliance report).
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let tmp = builder.tempfile_in(dir).map_err(err)?;
    let mut w = io::BufWriter::new(tmp);
    f(&mut w).and_then(|()| w.flush()).map_err(err)?;
    let tmp = w.into_inner().map_err(|e| err(e.into_error()))?;
    // The old report goes first, then the new one takes its name: renaming over an existing
    // file makes ext4 (auto_da_alloc) write the new file's blocks out before the rename
    // returns, 25 ms for a 40 MB report, 1.5 % of a run. A reader may find no report for that
    // instant, but never a partial one.
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file()) {
        std::fs::remove_file(path).map_err(err)?;
    }
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}
