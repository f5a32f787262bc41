//! Loading a snapshot: [`load`] is the one entry point.
//!
//! The input is read once (memory-mapped when it is a plain file), checked to be UTF-8, split
//! into raw collection elements, and the elements are parsed in parallel straight into the
//! compact model. Every error names the file, line:column and JSON path.

mod ahead;
mod assemble;
mod coll;
mod convert;
mod encoding;
mod fast;
mod fused;
mod keys;
mod layout;
mod position;
mod read;
mod scan;
mod split;
mod utc;
pub mod wire;

pub use position::{line_col, path_at};

use crate::error::InputError;
use crate::model::*;
use coll::{Colls, Ctx};
use layout::{ObjectFile, Planned, Role, plan_dir};
use rayon::prelude::*;
use read::{File, read_path, read_stdin};
use std::path::Path;
use std::sync::Mutex;

/// Receives load progress (bytes of input scanned), e.g. to draw a progress bar.
pub trait Progress: Sync {
    fn start(&self, _total_bytes: u64) {}
    fn advance(&self, _bytes: u64) {}
    fn finish(&self) {}
}

impl Progress for () {}

/// An error and where it is (file index, byte offset), so that the first one in input order
/// is reported whatever the thread count.
struct Located {
    file: usize,
    offset: usize,
    error: InputError,
}

/// Loads a snapshot: a JSON file (optionally gzip-compressed), `-` for standard input, or a
/// directory of Graph responses. See `docs/snapshot-format.md`.
pub fn load(spec: &str) -> Result<Tenant, InputError> {
    load_with_progress(spec, &())
}

/// [`load`], reporting progress.
pub fn load_with_progress(spec: &str, progress: &dyn Progress) -> Result<Tenant, InputError> {
    load_with(spec, progress, false)
}

/// [`load`], reporting progress; with `lines`, each file's line index is built while its text
/// is checked (see [`crate::model::lines`]), for reports that place findings at lines (SARIF,
/// GitHub annotations). Without it, the first such report counts the lines itself.
pub fn load_with(spec: &str, progress: &dyn Progress, lines: bool) -> Result<Tenant, InputError> {
    let p = parse_with_progress(spec, progress, lines)?;
    Ok(phase("build", || {
        Tenant::build(p.parts, p.group_members, p.role_members)
    }))
}

/// Runs one phase of the load; with `TENANTLINT_TIMINGS` set, prints how long it took.
fn phase<T>(name: &str, f: impl FnOnce() -> T) -> T {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if !*ON.get_or_init(|| std::env::var_os("TENANTLINT_TIMINGS").is_some()) {
        return f();
    }
    let (start, cpu) = (std::time::Instant::now(), cpu_time());
    let v = f();
    let wall = start.elapsed();
    let busy = match (cpu, cpu_time()) {
        (Some(a), Some(b)) => format!(", CPU {:.2?}", b.saturating_sub(a)),
        _ => String::new(),
    };
    eprintln!("timing:   load: {name} {wall:.2?}{busy}{}", memory_note());
    v
}

/// `, CPU … so far`: the process's CPU time until now, for `TENANTLINT_TIMINGS`.
pub fn cpu_note() -> String {
    cpu_time().map_or(String::new(), |t| format!(", CPU {t:.2?} so far"))
}

/// The CPU time the process has used (user and system, every thread), where the OS tells:
/// for `TENANTLINT_TIMINGS`, beside each phase's wall time, so that a phase's parallel
/// efficiency shows even on a noisy host.
pub fn cpu_time() -> Option<std::time::Duration> {
    #[cfg(unix)]
    {
        let mut u = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: getrusage writes a `rusage` into the pointer it is given.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, u.as_mut_ptr()) } != 0 {
            return None;
        }
        // SAFETY: getrusage returned 0, so it filled the struct (zeroed before anyway).
        let u = unsafe { u.assume_init() };
        let d =
            |t: libc::timeval| std::time::Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        Some(d(u.ru_utime) + d(u.ru_stime))
    }
    #[cfg(not(unix))]
    None
}

/// `, RSS … MiB (peak … MiB)` where the OS tells (Linux), for `TENANTLINT_TIMINGS`.
pub fn memory_note() -> String {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return String::new();
    };
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    match (kib("VmRSS:"), kib("VmHWM:")) {
        (Some(rss), Some(peak)) => format!(", RSS {} MiB (peak {} MiB)", rss >> 10, peak >> 10),
        _ => String::new(),
    }
}

/// Loads a single-document snapshot held in memory (as read from a file named `name`): JSON,
/// gzip-compressed JSON, in any accepted encoding. For fuzzing and for callers that already
/// hold the bytes.
pub fn load_bytes(name: &str, bytes: Vec<u8>) -> Result<Tenant, InputError> {
    let file = read::finish(name.to_owned(), Buf::Owned(bytes), false)?;
    let p = parse_files(vec![file], None, Vec::new(), &())?;
    Ok(Tenant::build(p.parts, p.group_members, p.role_members))
}

/// A parsed snapshot before its indexes are built ([`Tenant::build`]); [`load`] is the two
/// steps together. Separate for benchmarks of the model build.
pub struct Parsed {
    pub parts: Parts,
    pub group_members: Vec<RawMembers>,
    pub role_members: Vec<RawMembers>,
}

/// [`load`] without the model build.
pub fn parse(spec: &str) -> Result<Parsed, InputError> {
    parse_with_progress(spec, &(), false)
}

fn parse_with_progress(
    spec: &str,
    progress: &dyn Progress,
    lines: bool,
) -> Result<Parsed, InputError> {
    let path = Path::new(spec);
    let mut ignored = Vec::new();
    let (mut files, roles) = if spec == "-" {
        (vec![phase("read", || read_stdin(lines))?], None)
    } else if path.is_dir() {
        let (files, roles) = phase("read", || read_dir(path, &mut ignored, lines))?;
        (files, Some(roles))
    } else {
        (vec![phase("read", || read_path(path, lines))?], None)
    };
    // The files read, for the `--output` check: a bundle's own files, or the input's path.
    let mut paths = Vec::new();
    let mut ids = Vec::new();
    let mut sources = Vec::with_capacity(files.len());
    for f in &mut files {
        sources.push(Source {
            first: (spec != "-")
                .then(|| u32::try_from(paths.len()).ok())
                .flatten(),
            start: f.text_start(),
            segments: f.segments.iter().map(|s| s.start).collect(),
            lines: f.lines.take(),
        });
        if f.segments.is_empty() && spec != "-" {
            let p = if roles.is_some() { &f.name } else { spec };
            paths.push(std::path::PathBuf::from(p));
            ids.extend(f.id);
        }
        for s in &f.segments {
            paths.push(std::path::PathBuf::from(&*s.name));
            ids.extend(s.id);
        }
    }
    if ids.len() != paths.len() {
        ids.clear();
    }
    let mut p = parse_files(files, roles, ignored, progress)?;
    p.parts.info.files = paths;
    p.parts.info.file_ids = ids;
    p.parts.info.sources = sources;
    Ok(p)
}

/// Reads the files of a snapshot directory in parallel, with their roles. Runs of
/// one-object files are read into bundles of [`bundle_size`] files: a tree of a million
/// objects becomes a few hundred buffers, not a million.
fn read_dir(
    dir: &Path,
    ignored: &mut Vec<String>,
    lines: bool,
) -> Result<(Vec<File>, Vec<Role>), InputError> {
    enum Unit {
        File(Role, std::path::PathBuf),
        Bundle(Vec<ObjectFile>),
    }
    let plan = plan_dir(dir, ignored)?;
    let objects = plan
        .iter()
        .filter(|p| matches!(p, Planned::Object(..)))
        .count();
    let size = bundle_size(objects);
    let mut units: Vec<Unit> = Vec::new();
    for p in plan {
        match p {
            Planned::File(role, path) => units.push(Unit::File(role, path)),
            Planned::Object(o) => match units.last_mut() {
                Some(Unit::Bundle(b)) if b.len() < size => b.push(o),
                _ => units.push(Unit::Bundle(vec![o])),
            },
        }
    }
    let name = |b: &[ObjectFile]| {
        let first = b.first().map(|o| o.path().display().to_string());
        format!(
            "{} (and {} more files)",
            first.unwrap_or_default(),
            b.len().saturating_sub(1)
        )
    };
    // Every unit is read, then the first error in plan order is reported (whatever the
    // thread count).
    let read_all = || -> Vec<Result<(File, Role), InputError>> {
        units
            .into_par_iter()
            .map(|u| match u {
                Unit::File(role, path) => read_path(&path, lines).map(|f| (f, role)),
                Unit::Bundle(b) => read::read_bundle(name(&b), &b).map(|f| (f, Role::Bundle)),
            })
            .collect()
    };
    // Reads of many small files mostly wait for the disk: a tree is read with
    // [`IO_THREADS`] reads in flight (a third of the time of two on a cold cache), whatever
    // the thread count that parses and checks.
    let read = match (objects > 0).then(io_pool).flatten() {
        Some(pool) => pool.install(read_all),
        None => read_all(),
    };
    let (files, roles) = read
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .unzip();
    Ok((files, roles))
}

/// Threads that read the files of an Export-Entra tree.
const IO_THREADS: usize = 16;

/// The pool of [`IO_THREADS`], made once per process (`None` if threads cannot be made: then
/// the current pool reads).
fn io_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(IO_THREADS)
            .thread_name(|i| format!("tenantlint-io-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}

/// Files per bundle: at least 1024, and no more than about 1024 bundles (a file index in
/// the model's string spans has 11 bits).
fn bundle_size(objects: usize) -> usize {
    objects.div_ceil(1024).max(1024)
}

/// Parses read files: one snapshot document (`roles` is `None`) or the files of a directory.
fn parse_files(
    files: Vec<File>,
    roles: Option<Vec<Role>>,
    ignored: Vec<String>,
    progress: &dyn Progress,
) -> Result<Parsed, InputError> {
    progress.start(files.iter().map(|f| f.text().len() as u64).sum());
    let owned = Mutex::new(Vec::new());
    let interners = Interners::default();
    let (mut parts, group_members, role_members) =
        parse_all(&files, roles.as_deref(), (&owned, &interners), progress)?;
    progress.finish();
    parts.info.ignored_files = ignored;
    // The numbers of license lists and UPN domains, in sorted order whatever the thread count.
    let (sets, licenses) = interners.licenses.finish();
    let (domains, upn_domains) = interners.upn_domains.finish();
    parts.license_sets = sets;
    parts.upn_domains = domains;
    parts.users.items.par_iter_mut().for_each(|u| {
        u.licenses = licenses.apply(u.licenses);
        u.upn_domain = upn_domains.apply(u.upn_domain);
    });
    parts.strs = Strs::new(
        files.into_iter().map(|f| f.buf).collect(),
        owned.into_inner().unwrap_or_else(|e| e.into_inner()),
    );
    Ok(Parsed {
        parts,
        group_members,
        role_members,
    })
}

type Built = (Parts, Vec<RawMembers>, Vec<RawMembers>);

/// Splits every file and parses its elements in parallel, then assembles the parts.
fn parse_all<'a>(
    files: &'a [File],
    roles: Option<&[Role]>,
    (owned, interners): (&'a Mutex<Vec<Box<str>>>, &'a Interners),
    progress: &'a dyn Progress,
) -> Result<Built, InputError> {
    let ctx = Ctx {
        files,
        sinks: files
            .iter()
            .enumerate()
            .map(|(i, f)| StrSink::new(i, &f.buf, owned, interners))
            .collect(),
        errors: Mutex::new(Vec::new()),
        progress,
    };
    let colls = Colls::new();
    let heads = phase("split and parse", || {
        rayon::scope(|scope| split::split_all(scope, &ctx, &colls, roles))
    });
    let first_error = ctx
        .errors
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .min_by_key(|e| (e.file, e.offset));
    if let Some(e) = first_error {
        return Err(e.error);
    }
    phase("assemble", || assemble::assemble(files, colls, heads))
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn cpu_time_counts_work() {
        use std::time::{Duration, Instant};
        let before = super::cpu_time().expect("getrusage answers on unix");
        let (start, mut x) = (Instant::now(), 0u64);
        // Busy for up to 2 s of wall time: long enough for 20 ms of CPU on a loaded machine.
        while start.elapsed() < Duration::from_secs(2)
            && super::cpu_time().is_some_and(|t| t < before + Duration::from_millis(20))
        {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        let after = super::cpu_time().expect("getrusage answers on unix");
        assert!(
            after >= before + Duration::from_millis(20),
            "{before:?} -> {after:?}"
        );
    }
}
