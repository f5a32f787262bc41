//! Loading a snapshot: [`load`] is the one entry point.
//!
//! The input is read once (memory-mapped when it is a plain file), checked to be UTF-8, split
//! into raw collection elements, and the elements are parsed in parallel straight into the
//! compact model. Every error names the file, line:column and JSON path.

mod convert;
mod position;
pub mod wire;

pub use position::{line_col, path_at};

use crate::error::InputError;
use crate::model::*;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use wire::*;

/// One input file, read and checked to be UTF-8.
struct File {
    name: String,
    buf: Buf,
    /// 3 when the file starts with a UTF-8 byte order mark, else 0.
    start: usize,
}

impl File {
    fn text(&self) -> &str {
        // SAFETY: `finish` checked `buf[start..]` to be UTF-8.
        unsafe { std::str::from_utf8_unchecked(&self.buf[self.start..]) }
    }

    /// An error at byte `offset` of [`File::text`].
    fn err_at(&self, offset: usize, message: impl Into<String>) -> InputError {
        let text = self.text().as_bytes();
        InputError {
            file: self.name.clone(),
            pos: Some(line_col(text, offset)),
            path: Some(path_at(text, offset)),
            message: message.into(),
        }
    }

    /// Offset of a slice of [`File::text`] within it.
    fn offset_of(&self, s: &str) -> usize {
        s.as_ptr() as usize - self.text().as_ptr() as usize
    }

    /// A serde error raised while parsing `sub`, a slice of this file's text.
    fn serde_err(&self, sub: &str, e: serde_json::Error) -> InputError {
        let local = position::offset_of(sub.as_bytes(), e.line(), e.column());
        self.err_at(self.offset_of(sub) + local, describe(&e))
    }

    /// Rejects a top-level array where an object is expected: serde would otherwise read the
    /// array as the object's fields in order and report a baffling type error.
    fn expect_object(&self, what: &str, hint: &str) -> Result<(), InputError> {
        let text = self.text();
        let lead = text.len() - text.trim_start().len();
        if text.as_bytes().get(lead) == Some(&b'[') {
            return Err(self.err_at(
                lead,
                format!("wrong type: expected {what}, found an array{hint}"),
            ));
        }
        Ok(())
    }

    fn parse<'a, T: Deserialize<'a>>(&'a self) -> Result<T, InputError> {
        serde_json::from_str(self.text()).map_err(|e| self.serde_err(self.text(), e))
    }
}

/// serde_json's message without its " at line L column C" tail (we print our own position).
fn describe(e: &serde_json::Error) -> String {
    let s = e.to_string();
    let msg = match s.rfind(" at line ") {
        Some(i) => &s[..i],
        None => &s,
    };
    match e.classify() {
        serde_json::error::Category::Syntax => format!("invalid JSON: {msg}"),
        serde_json::error::Category::Eof => format!("invalid JSON: {msg} (is the file truncated?)"),
        _ => msg.replace("invalid type: ", "wrong type: "),
    }
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

fn gunzip(name: &str, data: &[u8]) -> Result<Vec<u8>, InputError> {
    let mut out = Vec::with_capacity(data.len().saturating_mul(8));
    flate2::read::MultiGzDecoder::new(data)
        .read_to_end(&mut out)
        .map_err(|e| {
            InputError::file(
                name,
                format!(
                    "cannot decompress gzip stream after {} bytes: {e} (is the file truncated?)",
                    out.len()
                ),
            )
        })?;
    Ok(out)
}

/// Checks a buffer and wraps it as a [`File`]: gzip is inflated, a BOM skipped, UTF-8 checked.
fn finish(name: String, buf: Buf) -> Result<File, InputError> {
    let buf = if buf.starts_with(&GZIP_MAGIC) {
        Buf::Owned(gunzip(&name, &buf)?)
    } else {
        buf
    };
    let start = if buf.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let body = &buf[start..];
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(InputError::file(name, "the file is empty: expected JSON"));
    }
    if let Err(e) = std::str::from_utf8(body) {
        let off = e.valid_up_to();
        return Err(InputError {
            pos: Some(line_col(body, off)),
            path: Some(path_at(body, off)),
            file: name,
            message: "invalid UTF-8: the snapshot must be UTF-8 encoded JSON".into(),
        });
    }
    Ok(File { name, buf, start })
}

fn read_path(path: &Path) -> Result<File, InputError> {
    let name = path.display().to_string();
    let io_err = |e: std::io::Error| InputError::file(&name, format!("cannot read: {e}"));
    let f = std::fs::File::open(path).map_err(io_err)?;
    let len = f.metadata().map_err(io_err)?.len();
    if len == 0 {
        return Err(InputError::file(&name, "the file is empty: expected JSON"));
    }
    // SAFETY: the map is read-only; tenantlint never writes its input. A file truncated by
    // another process while mapped is outside what a linter can defend against.
    let buf = match unsafe { memmap2::Mmap::map(&f) } {
        Ok(m) => Buf::Mapped(m),
        Err(_) => {
            let mut v = Vec::with_capacity(len as usize);
            (&f).read_to_end(&mut v).map_err(io_err)?;
            Buf::Owned(v)
        }
    };
    finish(name, buf)
}

fn read_stdin() -> Result<File, InputError> {
    let mut v = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut v)
        .map_err(|e| InputError::file("<stdin>", format!("cannot read: {e}")))?;
    finish("<stdin>".into(), Buf::Owned(v))
}

/// What a file of a snapshot directory holds.
#[derive(Clone, Copy, Debug)]
enum Role {
    Collection(CollectionKind),
    Members(Guid),
    Tenant,
    Policies,
    Policy(PolicyKey),
}

#[derive(Clone, Copy, Debug)]
enum PolicyKey {
    Authorization,
    PasswordReset,
    OnPremPasswordReset,
}

impl PolicyKey {
    fn from_name(n: &str) -> Option<PolicyKey> {
        match n {
            "authorizationPolicy" => Some(PolicyKey::Authorization),
            "passwordResetPolicy" => Some(PolicyKey::PasswordReset),
            "onPremisesPasswordResetPolicy" => Some(PolicyKey::OnPremPasswordReset),
            _ => None,
        }
    }
}

/// `name.json` or `name.json.gz` → `name`.
fn json_stem(file_name: &str) -> Option<&str> {
    file_name
        .strip_suffix(".json")
        .or_else(|| file_name.strip_suffix(".json.gz"))
}

fn sorted_entries(dir: &Path) -> Result<Vec<(String, PathBuf, bool)>, InputError> {
    let name = dir.display().to_string();
    let io_err = |e: std::io::Error| InputError::file(&name, format!("cannot read directory: {e}"));
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).map_err(io_err)? {
        let e = e.map_err(io_err)?;
        let path = e.path();
        let is_dir = path.is_dir();
        out.push((e.file_name().to_string_lossy().into_owned(), path, is_dir));
    }
    out.sort();
    Ok(out)
}

/// The files of a snapshot directory and what each holds, in a fixed order.
fn plan_dir(dir: &Path) -> Result<Vec<(Role, PathBuf)>, InputError> {
    let mut plan = Vec::new();
    for (name, path, is_dir) in sorted_entries(dir)? {
        let key = if is_dir {
            Some(name.as_str())
        } else {
            json_stem(&name)
        };
        let Some(key) = key else { continue };
        if let Some(kind) = CollectionKind::ALL.into_iter().find(|k| k.key() == key) {
            if !is_dir {
                plan.push((Role::Collection(kind), path));
                continue;
            }
            for (sub, sub_path, sub_is_dir) in sorted_entries(&path)? {
                if !sub_is_dir {
                    if json_stem(&sub).is_some() {
                        plan.push((Role::Collection(kind), sub_path));
                    }
                } else if kind == CollectionKind::Groups
                    && let Some(id) = Guid::parse(&sub)
                {
                    for m in ["members.json", "members.json.gz"] {
                        let p = sub_path.join(m);
                        if p.is_file() {
                            plan.push((Role::Members(id), p));
                        }
                    }
                }
            }
        } else if key == "tenant" && !is_dir {
            plan.push((Role::Tenant, path));
        } else if key == "policies" {
            if !is_dir {
                plan.push((Role::Policies, path));
                continue;
            }
            for (sub, sub_path, sub_is_dir) in sorted_entries(&path)? {
                if let Some(k) = (!sub_is_dir)
                    .then(|| json_stem(&sub))
                    .flatten()
                    .and_then(PolicyKey::from_name)
                {
                    plan.push((Role::Policy(k), sub_path));
                }
            }
        }
    }
    if plan.is_empty() {
        return Err(InputError::file(
            dir.display().to_string(),
            "no snapshot files in this directory (expected users.json, groups.json, … see docs/snapshot-format.md)",
        ));
    }
    Ok(plan)
}

/// `exportedAt`: the text as written and its instant.
struct Stamp(String, i64);

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A visitor, so that the error is raised inside the parser and keeps the value's
        // position (an error built after `String::deserialize` returns is placed wherever the
        // parser stops, e.g. at the closing brace).
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Stamp;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an RFC 3339 timestamp")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Stamp, E> {
                parse_timestamp(v)
                    .map(|t| Stamp(v.to_owned(), t))
                    .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(v), &self))
            }
        }
        d.deserialize_str(V)
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawPolicies<'a> {
    #[serde(default, borrow)]
    authorization_policy: Option<&'a RawValue>,
    #[serde(default)]
    password_reset_policy: Option<WirePasswordResetPolicy>,
    #[serde(default)]
    on_premises_password_reset_policy: Option<WireOnPremPolicy>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a tenant snapshot object")]
struct RawDoc<'a> {
    #[serde(default)]
    exported_at: Option<Stamp>,
    #[serde(default)]
    tenant: Option<WireTenant>,
    #[serde(default, borrow)]
    users: Option<RawCollection<'a>>,
    #[serde(default, borrow)]
    groups: Option<RawCollection<'a>>,
    #[serde(default, borrow)]
    contacts: Option<RawCollection<'a>>,
    #[serde(default, borrow)]
    subscribed_skus: Option<RawCollection<'a>>,
    #[serde(default, borrow)]
    domains: Option<RawCollection<'a>>,
    #[serde(default, borrow)]
    directory_roles: Option<RawCollection<'a>>,
    #[serde(default, borrow)]
    role_assignments: Option<RawCollection<'a>>,
    #[serde(default, borrow)]
    applications: Option<RawCollection<'a>>,
    #[serde(default, borrow)]
    service_principals: Option<RawCollection<'a>>,
    #[serde(default, borrow)]
    user_registration_details: Option<RawCollection<'a>>,
    #[serde(default, borrow)]
    policies: Option<RawPolicies<'a>>,
}

/// An element of a collection, still raw, and the file it came from.
#[derive(Clone, Copy)]
struct Elem<'a> {
    file: usize,
    raw: &'a RawValue,
}

/// Everything found in the input files before the elements are parsed.
#[derive(Default)]
struct Gathered<'a> {
    collections: [Option<Vec<Elem<'a>>>; 10],
    extra_members: Vec<(usize, Guid, Vec<Guid>)>,
    info: TenantInfo,
    policies: Policies,
}

impl<'a> Gathered<'a> {
    fn add(&mut self, kind: CollectionKind, file: usize, rc: RawCollection<'a>) {
        let slot = self.collections[kind as usize].get_or_insert_with(Vec::new);
        slot.extend(rc.into_elements().into_iter().map(|raw| Elem { file, raw }));
    }

    fn tenant(&mut self, t: WireTenant) {
        self.info.id = t.id.or(self.info.id.take());
        self.info.display_name = t.display_name.or(self.info.display_name.take());
    }

    fn policies(&mut self, p: RawPolicies) {
        self.policies.authorization_policy |= p.authorization_policy.is_some();
        if let Some(w) = p.password_reset_policy {
            self.policies.password_reset = Some(convert::password_reset(w));
        }
        if let Some(w) = p.on_premises_password_reset_policy {
            self.policies.on_prem_password_reset = Some(convert::on_prem(w));
        }
    }
}

/// Loads a snapshot: a JSON file (optionally gzip-compressed), `-` for standard input, or a
/// directory of Graph responses. See `docs/snapshot-format.md`.
pub fn load(spec: &str) -> Result<Tenant, InputError> {
    let path = Path::new(spec);
    let (files, roles) = if spec == "-" {
        (vec![read_stdin()?], None)
    } else if path.is_dir() {
        let plan = plan_dir(path)?;
        let files = plan
            .par_iter()
            .map(|(_, p)| read_path(p))
            .collect::<Result<Vec<_>, _>>()?;
        (
            files,
            Some(plan.into_iter().map(|(r, _)| r).collect::<Vec<_>>()),
        )
    } else {
        (vec![read_path(path)?], None)
    };
    let owned = Mutex::new(Vec::new());
    let (mut parts, group_members, role_members) = {
        let g = match &roles {
            None => gather_document(&files[0])?,
            Some(roles) => gather_directory(&files, roles)?,
        };
        build_parts(&files, g, &owned)?
    };
    parts.strs = Strs::new(
        files.into_iter().map(|f| f.buf).collect(),
        owned.into_inner().unwrap_or_else(|e| e.into_inner()),
    );
    Ok(Tenant::build(parts, group_members, role_members))
}

fn gather_document(file: &File) -> Result<Gathered<'_>, InputError> {
    file.expect_object(
        "a tenant snapshot object",
        " (a single Graph response belongs in a snapshot directory, e.g. as users.json: see docs/snapshot-format.md)",
    )?;
    let doc: RawDoc = file.parse()?;
    let mut g = Gathered::default();
    use CollectionKind::*;
    let cols = [
        (Users, doc.users),
        (Groups, doc.groups),
        (Contacts, doc.contacts),
        (SubscribedSkus, doc.subscribed_skus),
        (Domains, doc.domains),
        (DirectoryRoles, doc.directory_roles),
        (RoleAssignments, doc.role_assignments),
        (Applications, doc.applications),
        (ServicePrincipals, doc.service_principals),
        (UserRegistrationDetails, doc.user_registration_details),
    ];
    for (kind, rc) in cols {
        if let Some(rc) = rc {
            g.add(kind, 0, rc);
        }
    }
    if let Some(t) = doc.tenant {
        g.tenant(t);
    }
    g.info.exported_at = doc.exported_at.map(|s| (s.0, s.1));
    if let Some(p) = doc.policies {
        g.policies(p);
    }
    Ok(g)
}

fn gather_directory<'a>(files: &'a [File], roles: &[Role]) -> Result<Gathered<'a>, InputError> {
    // Split every file into raw elements in parallel, then gather in plan order.
    enum Part<'a> {
        Collection(CollectionKind, RawCollection<'a>),
        Members(Guid, Vec<Guid>),
        Tenant(WireTenant, Option<Stamp>),
        Policies(RawPolicies<'a>),
        Policy(PolicyKey, &'a File),
    }
    // No `#[serde(flatten)]` here: it buffers the object, and an error in `exportedAt` would
    // then lose its line, column and path.
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", expecting = "a tenant object")]
    struct TenantFile {
        #[serde(default)]
        id: Option<String>,
        #[serde(default)]
        display_name: Option<String>,
        #[serde(default)]
        exported_at: Option<Stamp>,
    }
    let parts: Vec<Part> = files
        .par_iter()
        .zip(roles.par_iter())
        .map(|(f, role)| -> Result<Part, InputError> {
            Ok(match *role {
                Role::Collection(k) => Part::Collection(k, f.parse()?),
                Role::Members(id) => {
                    let rc: RawCollection = f.parse()?;
                    let ids = rc
                        .into_elements()
                        .into_iter()
                        .map(|raw| {
                            serde_json::from_str::<MemberId>(raw.get())
                                .map(|m| m.0)
                                .map_err(|e| f.serde_err(raw.get(), e))
                        })
                        .collect::<Result<_, _>>()?;
                    Part::Members(id, ids)
                }
                Role::Tenant => {
                    f.expect_object("a tenant object", "")?;
                    let t: TenantFile = f.parse()?;
                    let tenant = WireTenant {
                        id: t.id,
                        display_name: t.display_name,
                        exported_at: None,
                    };
                    Part::Tenant(tenant, t.exported_at)
                }
                Role::Policies => {
                    f.expect_object("an object of policies", "")?;
                    Part::Policies(f.parse()?)
                }
                Role::Policy(k) => {
                    f.expect_object("a policy object", "")?;
                    Part::Policy(k, f)
                }
            })
        })
        .collect::<Result<_, _>>()?;
    let mut g = Gathered::default();
    for (i, part) in parts.into_iter().enumerate() {
        match part {
            Part::Collection(k, rc) => g.add(k, i, rc),
            Part::Members(id, ids) => g.extra_members.push((i, id, ids)),
            Part::Tenant(t, stamp) => {
                g.tenant(t);
                if let Some(s) = stamp {
                    g.info.exported_at = Some((s.0, s.1));
                }
            }
            Part::Policies(p) => g.policies(p),
            Part::Policy(k, f) => {
                let mut p = RawPolicies::default();
                match k {
                    PolicyKey::Authorization => p.authorization_policy = Some(f.parse()?),
                    PolicyKey::PasswordReset => p.password_reset_policy = Some(f.parse()?),
                    PolicyKey::OnPremPasswordReset => {
                        p.on_premises_password_reset_policy = Some(f.parse()?)
                    }
                }
                g.policies(p);
            }
        }
    }
    Ok(g)
}

/// Elements parsed per parallel task: large enough to amortise, small enough to balance.
const CHUNK: usize = 1024;

/// Parses the elements of one collection in parallel, in input order.
fn parse_collection<'a, W, T, F>(
    files: &'a [File],
    sinks: &[StrSink<'a>],
    key: &str,
    elems: &[Elem<'a>],
    convert: F,
) -> Result<(Vec<T>, Props), InputError>
where
    W: Deserialize<'a>,
    T: Send,
    F: Fn(W, &StrSink<'a>, &mut u32) -> T + Sync,
{
    let chunks: Vec<Result<(Vec<T>, u32), InputError>> = elems
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut props = 0;
            let mut out = Vec::with_capacity(chunk.len());
            for e in chunk {
                let text = e.raw.get();
                if !text.starts_with('{') {
                    let f = &files[e.file];
                    let found = match text.as_bytes()[0] {
                        b'[' => "an array",
                        b'"' => "a string",
                        b'n' => "null",
                        b't' | b'f' => "a boolean",
                        _ => "a number",
                    };
                    return Err(f.err_at(
                        f.offset_of(text),
                        format!("wrong type: expected an object in {key}, found {found}"),
                    ));
                }
                let w: W =
                    serde_json::from_str(text).map_err(|err| files[e.file].serde_err(text, err))?;
                out.push(convert(w, &sinks[e.file], &mut props));
            }
            Ok((out, props))
        })
        .collect();
    let mut items = Vec::with_capacity(elems.len());
    let mut props = 0;
    for c in chunks {
        let (v, p) = c?;
        items.extend(v);
        props |= p;
    }
    Ok((items, Props(props)))
}

/// Rejects two elements of a collection with the same key (reported, never merged).
fn check_unique<K: std::hash::Hash + Eq + std::fmt::Display>(
    files: &[File],
    elems: &[Elem],
    keys: impl Iterator<Item = Option<K>>,
) -> Result<(), InputError> {
    let mut seen: FxHashMap<K, usize> = FxHashMap::default();
    seen.reserve(elems.len());
    for (i, k) in keys.enumerate() {
        let Some(k) = k else { continue };
        if let Some(&first) = seen.get(&k) {
            let (a, b) = (&elems[first], &elems[i]);
            let fa = &files[a.file];
            let first_at = path_at(fa.text().as_bytes(), fa.offset_of(a.raw.get()));
            let fb = &files[b.file];
            return Err(fb.err_at(
                fb.offset_of(b.raw.get()),
                format!(
                    "duplicate id {k}: already used by {first_at} in {}",
                    fa.name
                ),
            ));
        }
        seen.insert(k, i);
    }
    Ok(())
}

type Built = (Parts, Vec<RawMembers>, Vec<RawMembers>);

fn build_parts<'a>(
    files: &'a [File],
    mut g: Gathered<'a>,
    owned: &'a Mutex<Vec<Box<str>>>,
) -> Result<Built, InputError> {
    let sinks: Vec<StrSink> = files
        .iter()
        .enumerate()
        .map(|(i, f)| StrSink::new(i, &f.buf, owned))
        .collect();
    let mut parts = Parts {
        info: std::mem::take(&mut g.info),
        policies: std::mem::take(&mut g.policies),
        ..Parts::default()
    };

    macro_rules! collection {
        ($kind:ident, $conv:expr, $key:expr) => {{
            match g.collections[CollectionKind::$kind as usize].take() {
                None => (Collection::default(), Vec::new()),
                Some(elems) => {
                    let (items, props) = parse_collection(
                        files,
                        &sinks,
                        CollectionKind::$kind.key(),
                        &elems,
                        $conv,
                    )?;
                    check_unique(files, &elems, items.iter().map($key))?;
                    (
                        Collection {
                            present: true,
                            items,
                            props,
                        },
                        elems,
                    )
                }
            }
        }};
    }

    parts.users = collection!(Users, convert::user, |u: &User| Some(u.id)).0;
    let (groups, _) = collection!(Groups, convert::group, |g: &(Group, RawMembers)| Some(
        g.0.id
    ));
    parts.contacts = collection!(Contacts, convert::contact, |c: &Contact| Some(c.id)).0;
    parts.skus = collection!(SubscribedSkus, convert::sku, |s: &Sku| Some(s.sku_id)).0;
    parts.domains = collection!(Domains, convert::domain, |d: &Domain| Some(d.name.clone())).0;
    let (roles, _) = collection!(DirectoryRoles, convert::directory_role, |r: &(
        DirectoryRole,
        RawMembers
    )| r.0.id);
    parts.role_assignments = collection!(
        RoleAssignments,
        convert::role_assignment,
        |_: &RoleAssignment| None::<Guid>
    )
    .0;
    parts.applications = collection!(Applications, convert::app, |a: &App| Some(a.id)).0;
    parts.service_principals = collection!(ServicePrincipals, convert::app, |a: &App| Some(a.id)).0;
    parts.registrations = collection!(
        UserRegistrationDetails,
        convert::registration,
        |r: &Registration| Some(r.id)
    )
    .0;

    let (group_items, mut group_members): (Vec<Group>, Vec<RawMembers>) =
        groups.items.into_iter().unzip();
    let mut group_props = groups.props;
    for (file, id, ids) in g.extra_members {
        let Some(i) = group_items.iter().position(|g| g.id == id) else {
            return Err(InputError::file(
                &files[file].name,
                format!("members of group {id}, which is not in the snapshot's groups"),
            ));
        };
        let merged: Vec<Guid> = group_members[i].iter().copied().chain(ids).collect();
        group_members[i] = merged.into();
        group_props.0 |= group_props::MEMBERS;
    }
    parts.groups = Collection {
        present: groups.present,
        items: group_items,
        props: group_props,
    };
    let (role_items, role_members): (Vec<DirectoryRole>, Vec<RawMembers>) =
        roles.items.into_iter().unzip();
    parts.directory_roles = Collection {
        present: roles.present,
        items: role_items,
        props: roles.props,
    };
    Ok((parts, group_members, role_members))
}
