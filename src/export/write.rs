//! Deterministic, diff-friendly snapshot files, written into a temporary directory beside the
//! output and renamed over it at the end.
//!
//! Every collection file is a bare JSON array with one object per line, objects sorted by id
//! (byte-wise), keys sorted, `@odata.*` annotations dropped (`@odata.type` is kept: it is what
//! kind of directory object a member is). An object is held as its compact text, not as a
//! tree, so a million users take about their JSON size in memory.

use crate::error::Error;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One object, ready to be written: its id (the sort key) and its canonical JSON text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Obj {
    pub id: String,
    pub json: String,
}

impl Obj {
    pub fn new(v: &Value) -> Obj {
        let id = v
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let mut json = String::new();
        canonical(v, &mut json);
        Obj { id, json }
    }
}

/// Whether a key is an OData annotation that is left out (`@odata.context`, `@odata.etag`,
/// `@odata.nextLink`, …; not `@odata.type`).
fn annotation(key: &str) -> bool {
    key.starts_with("@odata.") && key != "@odata.type"
}

/// `v` as compact JSON with the keys of every object sorted and annotations left out.
pub fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().filter(|k| !annotation(k)).collect();
            keys.sort_unstable();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(k, out);
                out.push(':');
                if let Some(x) = m.get(*k) {
                    canonical(x, out);
                }
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(x, out);
            }
            out.push(']');
        }
        Value::String(s) => string(s, out),
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

fn string(s: &str, out: &mut String) {
    // Serialising a &str cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

/// Writes a collection file to `w`: objects sorted by id, each once (a page fetched twice
/// while the tenant changed gives the same id twice: the object whose text sorts first is
/// kept), one per line. Returns how many duplicates were dropped. Streams: the file's text is
/// never held whole next to the objects.
pub fn collection_to(w: &mut dyn std::io::Write, objs: &mut Vec<Obj>) -> std::io::Result<usize> {
    objs.sort_unstable();
    let before = objs.len();
    objs.dedup_by(|b, a| a.id == b.id && !a.id.is_empty());
    let dropped = before - objs.len();
    if objs.is_empty() {
        w.write_all(b"[]\n")?;
        return Ok(dropped);
    }
    w.write_all(b"[\n")?;
    for (i, o) in objs.iter().enumerate() {
        if i > 0 {
            w.write_all(b",\n")?;
        }
        w.write_all(o.json.as_bytes())?;
    }
    w.write_all(b"\n]\n")?;
    Ok(dropped)
}

/// [`collection_to`] the file `root/rel`, creating its folder.
pub fn collection_file(root: &Path, rel: &str, objs: &mut Vec<Obj>) -> Result<usize, Error> {
    let path = root.join(rel);
    let out = |e| Error::Output {
        path: path.display().to_string(),
        source: e,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(out)?;
    }
    let mut w =
        std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path).map_err(out)?);
    let dropped = collection_to(&mut w, objs).map_err(out)?;
    std::io::Write::flush(&mut w).map_err(out)?;
    Ok(dropped)
}

/// Writes `text` to `root/rel`, creating its folder.
pub fn file(root: &Path, rel: &str, text: &str) -> Result<(), Error> {
    let path = root.join(rel);
    let out = |e| Error::Output {
        path: path.display().to_string(),
        source: e,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(out)?;
    }
    std::fs::write(&path, text).map_err(out)
}

/// Whether `name` is something the export writes at the top of a snapshot directory:
/// `tenant.json`, `policies`, and each collection's file and folder.
fn exported(name: &str) -> bool {
    name == "tenant.json"
        || name == "policies"
        || super::plan::COLLECTIONS
            .iter()
            .any(|c| name.strip_suffix(".json").unwrap_or(name) == c.key)
}

/// The export's output: a temporary directory beside `out`, renamed to `out` by
/// [`Staging::commit`]; dropped without it, the temporary directory is removed and `out`
/// is untouched.
pub struct Staging {
    tmp: tempfile::TempDir,
    out: PathBuf,
}

impl Staging {
    /// Checks `out` (a snapshot directory to replace, an empty directory, or nothing yet in
    /// an existing folder) and creates the temporary directory beside it.
    pub fn new(out: &Path) -> Result<Staging, Error> {
        let usage = |why: String| Error::Usage(format!("--out {}: {why}", out.display()));
        let name = out
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| !n.is_empty() && *n != "..")
            .ok_or_else(|| usage("name a directory (not `/`, `.` or `..`)".into()))?;
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !parent.is_dir() {
            return Err(usage(format!(
                "the folder {} does not exist",
                parent.display()
            )));
        }
        match std::fs::symlink_metadata(out) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(usage(format!("cannot read: {e}"))),
            Ok(m) if !m.is_dir() => {
                return Err(usage("exists and is not a directory".into()));
            }
            Ok(_) => {
                let mut names = Vec::new();
                for e in std::fs::read_dir(out).map_err(|e| usage(e.to_string()))? {
                    let e = e.map_err(|e| usage(e.to_string()))?;
                    names.push(e.file_name().to_string_lossy().into_owned());
                }
                if !names.is_empty() && !out.join("tenant.json").is_file() {
                    return Err(usage(
                        "exists, is not empty and has no tenant.json: it does not look like a snapshot, so it is not replaced (name a new or empty directory, or an earlier export)".into(),
                    ));
                }
                // The whole directory is replaced: never one that holds anything else (a
                // repository's .git, a tenantlint.toml, notes), which would be lost.
                names.sort();
                if let Some(other) = names.iter().find(|n| !exported(n)) {
                    return Err(usage(format!(
                        "holds {other}, which tenantlint export does not write: the directory is replaced as a whole, so it is not replaced (export into a folder of its own, e.g. {}/snapshot)",
                        out.display()
                    )));
                }
            }
        }
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}.tmp"))
            .tempdir_in(&parent)
            .map_err(|e| Error::Output {
                path: parent.display().to_string(),
                source: e,
            })?;
        Ok(Staging {
            tmp,
            out: out.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Moves the finished snapshot to `out`: an existing `out` is renamed aside, the new one
    /// renamed in, then the old one removed. If the rename in fails, the old one is put back.
    pub fn commit(self) -> Result<(), Error> {
        let out_err = |e| Error::Output {
            path: self.out.display().to_string(),
            source: e,
        };
        let aside = if self.out.exists() {
            let parent = self.tmp.path().parent().unwrap_or(Path::new("."));
            let name = self
                .out
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            // A fresh name beside it: create a directory to own the name, then rename onto
            // that (empty) directory.
            let holder = tempfile::Builder::new()
                .prefix(&format!(".{name}.old"))
                .tempdir_in(parent)
                .map_err(out_err)?
                .keep();
            std::fs::rename(&self.out, &holder).map_err(out_err)?;
            Some(holder)
        } else {
            None
        };
        let tmp = self.tmp.keep();
        if let Err(e) = std::fs::rename(&tmp, &self.out) {
            if let Some(old) = &aside {
                let _ = std::fs::rename(old, &self.out);
            }
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(out_err(e));
        }
        if let Some(old) = aside {
            let _ = std::fs::remove_dir_all(old);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_sorts_keys_and_drops_annotations() {
        let v = json!({"b": 1, "a": [{"z": null, "y": "\"q\"\n"}], "@odata.etag": "W/1",
                       "@odata.type": "#microsoft.graph.user", "id": "x"});
        let o = Obj::new(&v);
        assert_eq!(o.id, "x");
        assert_eq!(
            o.json,
            r##"{"@odata.type":"#microsoft.graph.user","a":[{"y":"\"q\"\n","z":null}],"b":1,"id":"x"}"##
        );
        assert_eq!(
            serde_json::from_str::<Value>(&o.json).unwrap()["a"][0]["y"],
            "\"q\"\n"
        );
    }

    #[test]
    fn collections_are_sorted_one_per_line_each_once() {
        let mut objs: Vec<Obj> = ["b", "a", "b", "c"]
            .iter()
            .map(|id| Obj::new(&json!({"id": id})))
            .collect();
        let mut text = Vec::new();
        let dropped = collection_to(&mut text, &mut objs).unwrap();
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "[\n{\"id\":\"a\"},\n{\"id\":\"b\"},\n{\"id\":\"c\"}\n]\n"
        );
        assert_eq!(dropped, 1);
        let mut empty = Vec::new();
        collection_to(&mut empty, &mut Vec::new()).unwrap();
        assert_eq!(empty, b"[]\n");
    }

    #[test]
    fn staging_replaces_only_snapshots_and_only_on_commit() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("snap");
        // Nothing there yet: created on commit.
        let s = Staging::new(&out).unwrap();
        file(s.path(), "tenant.json", "{}\n").unwrap();
        assert!(!out.exists());
        s.commit().unwrap();
        assert!(out.join("tenant.json").is_file());
        // A snapshot is replaced.
        let s = Staging::new(&out).unwrap();
        file(s.path(), "tenant.json", "{\"new\":1}\n").unwrap();
        s.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("tenant.json")).unwrap(),
            "{\"new\":1}\n"
        );
        // Dropped without commit: nothing changes, nothing is left behind.
        let s = Staging::new(&out).unwrap();
        file(s.path(), "tenant.json", "{\"newer\":1}\n").unwrap();
        drop(s);
        assert_eq!(
            std::fs::read_to_string(out.join("tenant.json")).unwrap(),
            "{\"new\":1}\n"
        );
        let names: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
        // A folder that is not a snapshot is refused; an empty one is fine.
        std::fs::create_dir(d.path().join("home")).unwrap();
        std::fs::write(d.path().join("home/notes.txt"), "x").unwrap();
        let e = Staging::new(&d.path().join("home"))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("does not look like a snapshot"), "{e}");
        // Nor a snapshot that holds anything the export does not write (a repository).
        std::fs::create_dir_all(out.join(".git")).unwrap();
        let e = Staging::new(&out).err().unwrap().to_string();
        assert!(e.contains("holds .git"), "{e}");
        std::fs::remove_dir(out.join(".git")).unwrap();
        std::fs::write(out.join("tenantlint.toml"), "").unwrap();
        assert!(Staging::new(&out).is_err());
        std::fs::remove_file(out.join("tenantlint.toml")).unwrap();
        std::fs::create_dir_all(out.join("policies")).unwrap();
        std::fs::write(out.join("users.json"), "[]").unwrap();
        std::fs::create_dir_all(out.join("groups")).unwrap();
        assert!(Staging::new(&out).is_ok());
        std::fs::create_dir(d.path().join("empty")).unwrap();
        assert!(Staging::new(&d.path().join("empty")).is_ok());
        std::fs::write(d.path().join("f"), "x").unwrap();
        assert!(Staging::new(&d.path().join("f")).is_err());
        assert!(Staging::new(&d.path().join("no/such")).is_err());
    }
}
