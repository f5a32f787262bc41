//! Hostile or broken input, through the binary: every case ends with exit code 2, one line on
//! stderr (file, line:column, JSON path where there is one, what was expected), nothing on
//! stdout, and an existing `--output` file left exactly as it was.

mod common;

use assert_cmd::Command;
use common::*;
use std::io::Write;
use std::path::{Path, PathBuf};

const CONTOSO: &str = "fixtures/tenants/contoso.json";
const SENTINEL: &str = "an earlier report, which a failed run must not touch\n";

fn bin() -> Command {
    let mut c = Command::cargo_bin("tenantlint").unwrap();
    c.current_dir(root());
    c
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn put(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, bytes).unwrap();
    p.display().to_string()
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Runs `check` on `input` with an existing `--output` file; asserts the failure contract and
/// returns the one line of stderr (without `error: `).
fn fails_with(args: &[&str], stdin: Option<Vec<u8>>) -> String {
    let dir = tmp();
    let out = put(dir.path(), "report.json", SENTINEL);
    let mut cmd = bin();
    cmd.arg("check")
        .args(args)
        .args(["--format", "json", "--output", &out]);
    if let Some(s) = stdin {
        cmd.write_stdin(s);
    }
    let o = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(o.stdout.is_empty(), "{args:?}: stdout {:?}", o.stdout);
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err:?}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        SENTINEL,
        "{args:?}: --output was touched"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "{args:?}: a temporary file was left behind");
    err.trim_end()
        .strip_prefix("error: ")
        .unwrap_or_else(|| panic!("{err}"))
        .to_owned()
}

fn fails(input: &str) -> String {
    fails_with(&[input], None)
}

/// `file:line:col: ` at the start of a message.
fn located(m: &str, file: &str) -> (usize, usize) {
    let rest = m
        .strip_prefix(file)
        .and_then(|r| r.strip_prefix(':'))
        .unwrap_or_else(|| panic!("{m}"));
    let mut it = rest.splitn(3, ':');
    let line = it.next().and_then(|x| x.parse().ok());
    let col = it.next().and_then(|x| x.parse().ok());
    match (line, col) {
        (Some(l), Some(c)) => (l, c),
        _ => panic!("no line:column in {m}"),
    }
}

#[test]
fn invalid_json_at_many_positions() {
    let text = std::fs::read(root().join(CONTOSO)).unwrap();
    let dir = tmp();
    // A stray character at 40 places spread over the file; where that is still JSON (inside a
    // string, say), the case does not count.
    let mut cases = 0;
    for k in 1..=40 {
        let at = text.len() * k / 41;
        for stray in [&b"\""[..], b"}", b",,", b"x"] {
            let mut bad = text[..at].to_vec();
            bad.extend_from_slice(stray);
            bad.extend_from_slice(&text[at..]);
            if serde_json::from_slice::<serde::de::IgnoredAny>(&bad).is_ok() {
                continue;
            }
            cases += 1;
            let p = put(dir.path(), "bad.json", &bad);
            let m = fails(&p);
            located(&m, &p);
        }
    }
    assert!(cases >= 60, "{cases} cases");
}

#[test]
fn truncated_file_and_truncated_gzip() {
    let text = std::fs::read(root().join(CONTOSO)).unwrap();
    let dir = tmp();
    let p = put(dir.path(), "cut.json", &text[..text.len() / 2]);
    let m = fails(&p);
    located(&m, &p);
    assert!(m.contains("(is the file truncated?)"), "{m}");
    let z = gz(&text);
    let p = put(dir.path(), "cut.json.gz", &z[..z.len() / 2]);
    let m = fails(&p);
    assert!(
        m.starts_with(&format!("{p}: cannot decompress gzip stream after ")),
        "{m}"
    );
}

#[test]
fn gzip_bomb_is_refused_before_it_fills_memory() {
    // 16 MiB of spaces compress to a few kilobytes; 64 such members (concatenated gzip streams
    // are one stream) would inflate to 1 GiB from about 1 MB.
    let member = gz(&vec![b' '; 16 << 20]);
    let bomb: Vec<u8> = std::iter::repeat_n(&member, 64)
        .flatten()
        .copied()
        .collect();
    assert!(bomb.len() < 2 << 20, "{}", bomb.len());
    let dir = tmp();
    let p = put(dir.path(), "bomb.json.gz", &bomb);
    let m = fails(&p);
    assert!(
        m.starts_with(&format!(
            "{p}: the gzip stream inflates to more than 255 MiB (256 times its "
        )),
        "{m}"
    );
    assert!(m.contains("possible gzip bomb"), "{m}");
    // From standard input as well.
    let m = fails_with(&["-"], Some(bomb));
    assert!(m.starts_with("<stdin>: the gzip stream inflates"), "{m}");
}

#[test]
fn invalid_utf8_names_its_place() {
    let dir = tmp();
    let p = put(
        dir.path(),
        "latin1.json",
        b"{\"tenant\": {\"displayName\": \"Caf\xe9\"}}",
    );
    let m = fails(&p);
    assert_eq!(located(&m, &p), (1, 32));
    assert!(
        m.contains("at tenant.displayName: invalid UTF-8 (byte 0xE9)"),
        "{m}"
    );
}

/// A snapshot with one user whose property `key` holds a string of `len` bytes.
fn long_string(key: &str, len: usize) -> Vec<u8> {
    let mut v = format!(
        "{{\"users\": [{{\"id\": \"6e7b768e-07e2-4810-8459-485f84f8f204\", \"userPrincipalName\": \"a@contoso.com\", \"{key}\": \""
    )
    .into_bytes();
    v.resize(v.len() + len, b'x');
    v.extend_from_slice(b"\"}]}");
    v
}

#[test]
fn a_gigabyte_string() {
    // In memory where the machine has a tmpfs: two 1 GiB files are slow to write to a disk.
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tmp()
    };
    // In a property tenantlint reads: refused, not copied into every finding that names it.
    let p = put(dir.path(), "name.json", long_string("displayName", 1 << 30));
    let m = fails(&p);
    assert_eq!(
        m,
        format!(
            "{p}:1:1073741937: at users[0].displayName: a string of 1073741824 bytes: longer than the 65535 bytes any property tenantlint reads can hold"
        )
    );
    // In a property it does not read: skipped like any other.
    let p = put(dir.path(), "other.json", long_string("aboutMe", 1 << 30));
    bin().args(["check", &p, "--quiet"]).assert().code(0);
}

#[test]
fn nesting_far_past_the_limit() {
    let dir = tmp();
    for depth in [129, 100_000] {
        let mut v =
            b"{\"users\": [{\"id\": \"6e7b768e-07e2-4810-8459-485f84f8f204\", \"x\": ".to_vec();
        v.extend(std::iter::repeat_n(b'[', depth));
        v.extend(std::iter::repeat_n(b']', depth));
        v.extend_from_slice(b"}]}");
        let p = put(dir.path(), "deep.json", &v);
        let m = fails(&p);
        located(&m, &p);
        assert!(m.contains("nest"), "{m}");
    }
}

#[test]
fn top_level_array_and_duplicate_ids() {
    let dir = tmp();
    let p = put(
        dir.path(),
        "array.json",
        "[{\"id\": \"6e7b768e-07e2-4810-8459-485f84f8f204\"}]",
    );
    assert!(fails(&p).starts_with(&format!(
        "{p}:1:1: wrong type: expected a tenant snapshot object, found an array"
    )));
    let u = "{\"id\": \"6e7b768e-07e2-4810-8459-485f84f8f204\"}";
    let p = put(
        dir.path(),
        "dup.json",
        format!("{{\"users\": [{u},\n{u}]}}"),
    );
    assert_eq!(
        fails(&p),
        format!(
            "{p}:2:1: at users[1]: duplicate id 6e7b768e-07e2-4810-8459-485f84f8f204 in users: already used by users[0] in {p}"
        )
    );
}

#[test]
fn missing_unreadable_and_dangling() {
    let dir = tmp();
    let p = dir.path().join("nope.json").display().to_string();
    assert!(fails(&p).starts_with(&format!("{p}: cannot read: ")));
    let link = dir.path().join("dangling.json");
    std::os::unix::fs::symlink(dir.path().join("gone.json"), &link).unwrap();
    let p = link.display().to_string();
    assert!(fails(&p).starts_with(&format!("{p}: cannot read: ")));
}

#[test]
fn fifo_and_devices() {
    let dir = tmp();
    let fifo = dir.path().join("pipe.json");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let p = fifo.display().to_string();
    // Nobody writes: the read ends at once (no hang), an empty input.
    assert_eq!(fails(&p), format!("{p}: the file is empty: expected JSON"));
    // Something writes a snapshot into it: it is read like a file.
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let text = std::fs::read(root().join(CONTOSO)).unwrap();
            std::fs::OpenOptions::new()
                .write(true)
                .open(&fifo)
                .and_then(|mut f| f.write_all(&text))
        })
    };
    // Give the writer its open; a reader that opens first reads an empty FIFO, as above.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let o = bin().args(["check", &p, "--quiet"]).output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    writer.join().unwrap().unwrap();
    // /dev/zero never ends: refused from its first bytes.
    assert_eq!(
        fails("/dev/zero"),
        "/dev/zero: the file starts with a zero byte: it is not JSON text (binary data, or an encoding tenantlint does not read); re-export it as UTF-8 (PowerShell: `… | Out-File -Encoding utf8 FILE`, or `Set-Content -Encoding utf8`)"
    );
    let m = fails("/dev/urandom");
    assert!(m.starts_with("/dev/urandom: "), "{m}");
    assert_eq!(
        fails("/dev/null"),
        "/dev/null: the file is empty: expected JSON"
    );
}

#[test]
fn symlink_loops_in_a_snapshot_directory() {
    let dir = tmp();
    put(dir.path(), "domains.json", "[]");
    // A link to itself: reading it fails with the OS's message.
    std::os::unix::fs::symlink("users.json", dir.path().join("users.json")).unwrap();
    let m = fails(&dir.path().display().to_string());
    let users = dir.path().join("users.json").display().to_string();
    assert!(m.starts_with(&format!("{users}: cannot read: ")), "{m}");
    // A page folder that links back to the snapshot: not followed in circles.
    let dir = tmp();
    put(dir.path(), "domains.json", "[]");
    std::os::unix::fs::symlink("..", dir.path().join("users")).unwrap();
    std::os::unix::fs::symlink(".", dir.path().join("groups")).unwrap();
    let o = bin()
        .args(["check", &dir.path().display().to_string(), "--quiet"])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    assert!(matches!(o.status.code(), Some(0..=2)), "{o:?}");
}

#[test]
fn a_directory_with_no_known_collection() {
    let dir = tmp();
    put(dir.path(), "notes.txt", "hello");
    put(dir.path(), "user.json", "[]");
    let p = dir.path().display().to_string();
    assert_eq!(
        fails(&p),
        format!(
            "{p}: no snapshot files in this directory (expected users.json, groups.json, … or an Export-Entra tree: see docs/snapshot-format.md)"
        )
    );
}

#[test]
fn output_onto_the_input_is_refused() {
    let dir = tmp();
    let text = std::fs::read(root().join(CONTOSO)).unwrap();
    let p = put(dir.path(), "tenant.json", &text);
    for out in [p.clone(), format!("{}/./tenant.json", dir.path().display())] {
        let o = bin()
            .args(["check", &p, "--format", "json", "-o", &out])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert_eq!(
            err.trim_end(),
            format!(
                "error: --output {out} is the snapshot file {p} itself: tenantlint never writes over its input"
            )
        );
        assert_eq!(std::fs::read(&p).unwrap(), text, "the input was changed");
    }
    // A hard link is the same file too; and a file of a snapshot directory.
    let link = dir.path().join("link.json");
    std::fs::hard_link(&p, &link).unwrap();
    let o = bin()
        .args(["check", &p, "-o", &link.display().to_string()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let snap = dir.path().join("snap");
    put(&snap, "domains.json", "[]");
    let target = snap.join("domains.json").display().to_string();
    let o = bin()
        .args(["check", &snap.display().to_string(), "-o", &target])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "[]");
}

#[test]
fn output_a_directory_or_in_a_missing_one() {
    let dir = tmp();
    let d = dir.path().display().to_string();
    let o = bin().args(["check", CONTOSO, "-o", &d]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr).trim_end(),
        format!("error: --output {d} is a directory: give the report's file name")
    );
    let missing: PathBuf = dir.path().join("no/such/report.json");
    let o = bin()
        .args(["check", CONTOSO, "-o", &missing.display().to_string()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("does not exist"),
        "{o:?}"
    );
}

#[test]
fn dev_full_is_a_write_error_and_stays_a_device() {
    use std::os::unix::fs::FileTypeExt;
    for args in [
        &["check", CONTOSO, "-o", "/dev/full"][..],
        &["check", CONTOSO],
    ] {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("tenantlint"));
        cmd.current_dir(root()).args(args);
        if args.len() == 2 {
            cmd.stdout(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap(),
            );
        }
        let o = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("No space left on device"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    let kind = std::fs::metadata("/dev/full").unwrap().file_type();
    assert!(kind.is_char_device(), "/dev/full was replaced");
}

#[test]
fn zero_threads() {
    let o = bin()
        .args(["check", CONTOSO, "--threads", "0"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr).trim_end(),
        "error: --threads must be at least 1"
    );
}
