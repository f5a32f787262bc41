#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/seeds/<target>/ from fixtures/.

load_file, check_all_formats: every fixtures/**/*.json as it is, plus gzip, concatenated gzip
and BOM variants of the sample snapshots.
load_dir: fixtures/snapshots/directory, and every single-file fixture split into a directory
(one file per collection, users in pages, policies in policies/), in the record format of
fuzz/src/lib.rs (`<name>\\n<contents>` records separated by 0xFF 0xFF).

Usage: scripts/fuzz-seeds.py  (from anywhere; the output folders are emptied first)
"""
import gzip
import json
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEEDS = ROOT / "fuzz" / "seeds"
SEP = b"\xff\xff"
# Must match NAMES in fuzz/src/lib.rs (others are mapped onto those).
COLLECTIONS = [
    "users", "groups", "contacts", "subscribedSkus", "domains", "directoryRoles",
    "roleAssignments", "applications", "servicePrincipals", "userRegistrationDetails",
]
POLICIES = ["authorizationPolicy", "passwordResetPolicy", "onPremisesPasswordResetPolicy"]


def fresh(target):
    d = SEEDS / target
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    return d


def records(files):
    """files: [(name, bytes)] -> the load_dir input."""
    return SEP.join(name.encode() + b"\n" + data for name, data in files)


def split_single(doc, gz=False):
    """A single-file snapshot as directory files (None if it is not an object)."""
    if not isinstance(doc, dict):
        return None
    files = []
    ext = ".json.gz" if gz else ".json"

    def put(name, value, compact=False):
        text = json.dumps(value, separators=(",", ":") if compact else None, indent=None if compact else 2)
        files.append((name + ext, text.encode()))

    tenant = dict(doc.get("tenant") or {})
    if "exportedAt" in doc:
        tenant["exportedAt"] = doc["exportedAt"]
    if tenant:
        put("tenant", tenant)
    for i, key in enumerate(COLLECTIONS):
        if key not in doc:
            continue
        items = doc[key]
        if isinstance(items, dict):
            items = items.get("value", [])
        if key in ("users", "groups") and isinstance(items, list) and len(items) > 1:
            half = len(items) // 2
            pages = [items[:half], items[half:]]
            if key == "users":
                put("users/page-001", {"value": pages[0], "@odata.nextLink": "https://graph/next"})
                put("users/page-002", pages[1], compact=True)
            else:
                put("groups", [{"value": pages[0], "@odata.nextLink": "x"}, {"value": pages[1]}])
        elif i % 2:
            put(key, items)
        else:
            put(key, {"@odata.context": "https://graph/$metadata", "value": items})
    for key, value in (doc.get("policies") or {}).items():
        if key in POLICIES:
            put("policies/" + key, value)
    return files


def main():
    fixtures = sorted(p for p in FIXTURES.rglob("*.json") if p.is_file())
    for target in ("load_file", "check_all_formats"):
        out = fresh(target)
        for p in fixtures:
            name = str(p.relative_to(FIXTURES)).replace("/", "_")
            shutil.copyfile(p, out / name)
        for rel in ("snapshots/single.json", "tenants/contoso.json", "LIC001/fail.json"):
            data = (FIXTURES / rel).read_bytes()
            stem = rel.replace("/", "_")
            (out / (stem + ".gz")).write_bytes(gzip.compress(data, mtime=0))
            half = len(data) // 2
            (out / (stem + ".concat.gz")).write_bytes(
                gzip.compress(data[:half], mtime=0) + gzip.compress(data[half:], mtime=0))
            (out / (stem + ".bom")).write_bytes(b"\xef\xbb\xbf" + data)
            crlf = json.dumps(json.loads(data), indent=4).replace("\n", "\r\n").encode()
            (out / (stem + ".crlf")).write_bytes(crlf)
    out = fresh("load_dir")
    directory = FIXTURES / "snapshots" / "directory"
    files = [(str(p.relative_to(directory)), p.read_bytes())
             for p in sorted(directory.rglob("*.json")) if p.is_file()]
    (out / "snapshots_directory").write_bytes(records(files))
    # Export-Entra trees (names in NAMES of fuzz/src/lib.rs; the loader skips the rest).
    for style in ("ps5", "ps7"):
        tree = FIXTURES / "snapshots" / f"entra-exporter-{style}"
        files = [(str(p.relative_to(tree)), p.read_bytes())
                 for p in sorted(tree.rglob("*.json")) if p.is_file()]
        (out / f"entra_exporter_{style}").write_bytes(records(files))
    gz = [(name + ".gz", data) for name, data in files]
    (out / "snapshots_directory_gz").write_bytes(records(gz))
    for p in fixtures:
        try:
            doc = json.loads(p.read_bytes())
        except ValueError:
            continue
        name = str(p.relative_to(FIXTURES)).replace("/", "_")
        for gz in (False, True):
            files = split_single(doc, gz)
            if files:
                (out / (name + (".gz" if gz else ""))).write_bytes(records(files))
    for target in ("load_file", "check_all_formats", "load_dir"):
        print(f"{target}: {len(list((SEEDS / target).iterdir()))} seeds in {SEEDS / target}")


if __name__ == "__main__":
    main()
