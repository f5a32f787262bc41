//! What the fuzz targets share: the checks every target makes on every input (one-line
//! errors, memory linear in the input, deterministic output) and the input format of
//! `load_dir`.
//!
//! The invariants come from the project's standards: never panic on input, errors on one line,
//! cost linear in the input for any input, the same bytes out whatever the thread count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use tenantlint::engine;
use tenantlint::error::InputError;
use tenantlint::model::Tenant;
use tenantlint::report::{self, Format, NowSource, Report};
use tenantlint::rules::{Options, registry};

// ---------------------------------------------------------------------------------------------
// Memory: a counting allocator, so that a target can assert that the heap used for an input
// stays linear in its size (libFuzzer's -rss_limit_mb only catches the gross cases).

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            grow(l.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            grow(l.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            LIVE.fetch_sub(l.size(), Ordering::Relaxed);
            grow(new);
        }
        q
    }
}

fn grow(n: usize) {
    let now = LIVE.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f` and returns its result with the most heap it held at once beyond what was live
/// before (bytes).
pub fn peak_heap<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let r = f();
    (r, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

/// Heap allowed for an input of `n` bytes: `per_byte` bytes for each byte of input (what
/// the target keeps per byte: the model, findings, rendered reports), plus room for fixed costs
/// (the rule tables, per-collection buffers, a report's header). A quadratic expansion of a
/// few kilobytes of input goes past it.
pub fn heap_bound(n: usize, per_byte: usize) -> usize {
    per_byte * n + HEAP_FIXED
}

pub const HEAP_FIXED: usize = 2 << 20;

/// Heap per input byte for loading: the model takes 3 to 9 bytes per byte of JSON on the
/// fixtures (TENANTLINT_FUZZ_STATS=1 on the seeds).
pub const LOAD_HEAP_PER_BYTE: usize = 32;

/// Heap per input byte for loading, checking and rendering: a small object can have several
/// findings, each rendered with a help paragraph, and the target keeps both renderings of every
/// format (4 to 7 bytes per byte on the fixtures).
pub const CHECK_HEAP_PER_BYTE: usize = 1024;

/// Runs `f`, asserting that it held at most [`heap_bound`]`(n, per_byte)` bytes of heap.
/// With `TENANTLINT_FUZZ_STATS` set, prints the peak (to calibrate `per_byte` on the seeds).
pub fn within_heap_bound<R>(what: &str, n: usize, per_byte: usize, f: impl FnOnce() -> R) -> R {
    let (r, peak) = peak_heap(f);
    if std::env::var_os("TENANTLINT_FUZZ_STATS").is_some() {
        eprintln!(
            "stats: {what}: {n} input bytes, peak heap {peak} ({:.1} per byte)",
            peak as f64 / n.max(1) as f64
        );
    }
    let bound = heap_bound(n, per_byte);
    assert!(
        peak <= bound,
        "{what}: {peak} bytes of heap for {n} bytes of input (bound {bound})"
    );
    r
}

/// The size of the input once inflated, if it is gzip (the loader reads the inflated text, so
/// that is what its cost is linear in); else its size.
pub fn inflated_len(bytes: &[u8]) -> usize {
    use std::io::Read;
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return bytes.len();
    }
    let mut n = 0usize;
    let mut d = flate2::read::MultiGzDecoder::new(bytes);
    let mut buf = [0u8; 1 << 16];
    loop {
        match d.read(&mut buf) {
            Ok(0) | Err(_) => return n.max(bytes.len()),
            Ok(k) => n += k,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

/// An input error must be one line and name the input it is about.
pub fn check_error(e: &InputError, source: &str) {
    let m = e.to_string();
    assert!(
        !m.contains('\n') && !m.contains('\r'),
        "error message is not one line: {m:?}"
    );
    assert!(
        m.starts_with(source),
        "error message does not start with the input's name {source:?}: {m:?}"
    );
    assert!(!e.message.is_empty(), "error without a message: {m:?}");
}

// ---------------------------------------------------------------------------------------------
// Checking and rendering

/// The fixed "now" of the targets: 2026-11-20T08:00:00Z, the fixtures' export time.
pub const NOW: i64 = 1_795_161_600;

/// How many bytes of input each `related` entry of a finding must cost at least. Every
/// related object stands for a reference in the input (a member id, a license, an address that
/// two objects share), each longer than this; `n` objects that all relate to each other would
/// need `n²` entries.
pub const INPUT_BYTES_PER_RELATED: usize = 8;

/// Runs every rule and renders every format (text both plain and coloured): the bytes of each.
/// `n` is the input's size: the findings' `related` lists must stay linear in it.
pub fn render_all(t: &Tenant, source: &str, n: usize) -> Vec<(Format, bool, Vec<u8>)> {
    let result = engine::run(t, NOW, &Options::default(), registry());
    let related: usize = result.findings.iter().map(|f| f.related.len()).sum();
    if std::env::var_os("TENANTLINT_FUZZ_STATS").is_some() {
        eprintln!(
            "stats: {} findings, {related} related entries, {n} input bytes",
            result.findings.len()
        );
    }
    assert!(
        related * INPUT_BYTES_PER_RELATED <= n,
        "{related} related entries in {} findings for {n} bytes of input: not linear",
        result.findings.len()
    );
    let r = Report {
        source,
        tenant: t,
        now: NOW,
        now_source: NowSource::Option,
        result: &result,
    };
    let mut out = Vec::new();
    for format in Format::ALL {
        for color in [false, true] {
            let mut buf = Vec::new();
            report::write(format, std::slice::from_ref(&r), &mut buf, color)
                .expect("writing to memory does not fail");
            out.push((format, color, buf));
        }
    }
    out
}

/// A rayon pool of `n` threads, built once.
pub fn pool(n: usize) -> &'static rayon::ThreadPool {
    static POOLS: [OnceLock<rayon::ThreadPool>; 4] = [
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
    ];
    POOLS[n].get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .expect("a rayon pool")
    })
}

// ---------------------------------------------------------------------------------------------
// The input of `load_dir`: a snapshot directory, as records separated by [`SEP`].
//
// A record is `<name>\n<contents>`. The name is looked up in [`NAMES`]; a name that is not
// there is mapped onto one that is (by a hash), so every record writes a file the loader may
// read and no input can name a path outside the directory. `<name>.gz` writes the
// gzip-compressed contents under that name. A later record of the same name replaces an
// earlier one. `scripts/fuzz-seeds.py` writes the fixtures in this form.

/// Separates records. 0xFF never occurs in UTF-8 text, so JSON contents cannot contain it.
pub const SEP: &[u8] = b"\xff\xff";

/// At most this many records are read (the rest of the input is ignored).
pub const MAX_FILES: usize = 48;

/// The file names a directory snapshot may hold, and a few it must ignore or reject.
pub const NAMES: &[&str] = &[
    "tenant.json",
    "users.json",
    "groups.json",
    "contacts.json",
    "subscribedSkus.json",
    "domains.json",
    "directoryRoles.json",
    "roleAssignments.json",
    "applications.json",
    "servicePrincipals.json",
    "userRegistrationDetails.json",
    "policies.json",
    "policies/authorizationPolicy.json",
    "policies/passwordResetPolicy.json",
    "policies/onPremisesPasswordResetPolicy.json",
    "users/page-001.json",
    "users/page-002.json",
    "users/page-003.json",
    "groups/page-001.json",
    "groups/page-002.json",
    "groups/45b7d2e7-b882-4a80-ba97-10b7a63b8fa4/members.json",
    "groups/d7797254-3084-44d0-99c9-a3b5ab149538/members.json",
    "groups/{D7797254-3084-44D0-99C9-A3B5AB149538}/members.json",
    "groups/not-a-guid/members.json",
    "contacts/page-001.json",
    "subscribedSkus/page-001.json",
    "userRegistrationDetails/page-001.json",
    "servicePrincipals/page-001.json",
    "policies/unknownPolicy.json",
    "user.json",
    "devices.json",
    "README.md",
    // Export-Entra trees (fixtures/snapshots/entra-exporter-*): one object per file.
    "Organization/Organization.json",
    "Users/6e7b768e-07e2-4810-8459-485f84f8f204/6e7b768e-07e2-4810-8459-485f84f8f204.json",
    "Users/87d349ed-44d7-43e1-9a83-5f2406dee5bd/87d349ed-44d7-43e1-9a83-5f2406dee5bd.json",
    "Users/5f2b6c1e-2d3a-4f4e-8a9b-1c2d3e4f5a6b/5f2b6c1e-2d3a-4f4e-8a9b-1c2d3e4f5a6b.json",
    "Users/0a6f4c6e-3b1d-4c55-9f27-7f0b1d3c9e21/0a6f4c6e-3b1d-4c55-9f27-7f0b1d3c9e21.json",
    "Users/stray/other.json",
    "Groups/45b7d2e7-b882-4a80-ba97-10b7a63b8fa4/45b7d2e7-b882-4a80-ba97-10b7a63b8fa4.json",
    "Groups/45b7d2e7-b882-4a80-ba97-10b7a63b8fa4/Members/6e7b768e-07e2-4810-8459-485f84f8f204/6e7b768e-07e2-4810-8459-485f84f8f204.json",
    "Groups/45b7d2e7-b882-4a80-ba97-10b7a63b8fa4/Members/d7797254-3084-44d0-99c9-a3b5ab149538/d7797254-3084-44d0-99c9-a3b5ab149538.json",
    "Groups/d7797254-3084-44d0-99c9-a3b5ab149538/d7797254-3084-44d0-99c9-a3b5ab149538.json",
    "Groups/d7797254-3084-44d0-99c9-a3b5ab149538/Members/5f2b6c1e-2d3a-4f4e-8a9b-1c2d3e4f5a6b/5f2b6c1e-2d3a-4f4e-8a9b-1c2d3e4f5a6b.json",
    "Groups/11111111-2222-3333-4444-555555555555/Members/6e7b768e-07e2-4810-8459-485f84f8f204/6e7b768e-07e2-4810-8459-485f84f8f204.json",
    "Domains/contoso.com/contoso.com.json",
    "SubscribedSkus/b8f3c0a4-5b6e-4a51-9d3e-0f6f3f0c1a10_c7df2760-2c81-4ef7-b578-5b5392b571df/b8f3c0a4-5b6e-4a51-9d3e-0f6f3f0c1a10_c7df2760-2c81-4ef7-b578-5b5392b571df.json",
    "DirectoryRoles/9ed3a0c4-53e1-498c-ab4d-2473476fde14/9ed3a0c4-53e1-498c-ab4d-2473476fde14.json",
    "DirectoryRoles/9ed3a0c4-53e1-498c-ab4d-2473476fde14/Members/87d349ed-44d7-43e1-9a83-5f2406dee5bd/87d349ed-44d7-43e1-9a83-5f2406dee5bd.json",
    "RoleManagement/Directory/RoleAssignments/lAPpYvVpN0KRkAEhdxReEO1zSdfEQ0Sa42t1RsT63S8-1/lAPpYvVpN0KRkAEhdxReEO1zSdfEQ0Sa42t1RsT63S8-1.json",
    "Policies/AuthorizationPolicy/authorizationPolicy/authorizationPolicy.json",
];

/// FNV-1a 64: a stable hash to map unknown names onto [`NAMES`].
fn fnv(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325, |h, &x| {
        (h ^ u64::from(x)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The files (relative path, bytes to write) that `data` describes, in write order.
pub fn dir_files(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut rest = data;
    while !rest.is_empty() && files.len() < MAX_FILES {
        let (record, next) = match memchr_sep(rest) {
            Some(i) => (&rest[..i], &rest[i + SEP.len()..]),
            None => (rest, &[][..]),
        };
        rest = next;
        let (name, contents) = match record.iter().position(|&b| b == b'\n') {
            Some(i) => (&record[..i], &record[i + 1..]),
            None => (record, &[][..]),
        };
        let (stem, gz) = match name.strip_suffix(b".gz") {
            Some(s) if s.ends_with(b".json") => (s, true),
            _ => (name, false),
        };
        let (name, gz) = match NAMES.iter().find(|n| n.as_bytes() == stem) {
            Some(n) => (*n, gz),
            None => (NAMES[(fnv(name) % NAMES.len() as u64) as usize], false),
        };
        let (path, bytes) = if gz {
            (format!("{name}.gz"), gzip(contents))
        } else {
            (name.to_owned(), contents.to_vec())
        };
        files.retain(|(p, _)| *p != path);
        files.push((path, bytes));
    }
    files
}

fn memchr_sep(b: &[u8]) -> Option<usize> {
    b.windows(SEP.len()).position(|w| w == SEP)
}

fn gzip(b: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).expect("writing to memory");
    e.finish().expect("writing to memory")
}

/// Writes `files` under `dir`.
pub fn write_dir(dir: &Path, files: &[(String, Vec<u8>)]) {
    for (path, bytes) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().expect("a relative path has a parent"))
            .expect("creating a folder of the temporary directory");
        std::fs::write(&p, bytes).expect("writing a file of the temporary directory");
    }
}

/// A fresh temporary directory, in memory (/dev/shm) where there is one.
pub fn tempdir() -> tempfile::TempDir {
    let b = {
        let mut b = tempfile::Builder::new();
        b.prefix("tenantlint-fuzz-");
        b
    };
    let shm = Path::new("/dev/shm");
    if shm.is_dir()
        && let Ok(d) = b.tempdir_in(shm)
    {
        return d;
    }
    b.tempdir().expect("a temporary directory")
}
