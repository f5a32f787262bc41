//! Loading a snapshot: [`load`] is the one entry point.
//!
//! The input is read once (memory-mapped when it is a plain file), checked to be UTF-8, split
//! into raw collection elements, and the elements are parsed in parallel straight into the
//! compact model. Every error names the file, line:column and JSON path.

mod convert;
mod fast;
mod position;
mod scan;
pub mod wire;

pub use position::{line_col, path_at};

use crate::error::InputError;
use crate::model::*;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use scan::{ScanError, Scanner};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
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

    /// Rejects a top-level array where an object is expected: serde would otherwise read the
    /// array as the object's fields in order and report a baffling type error.
    fn expect_object(&self, file: usize, what: &str, hint: &str) -> Result<(), Located> {
        let text = self.text();
        let lead = text.len() - text.trim_start().len();
        if text.as_bytes().get(lead) == Some(&b'[') {
            return Err(Located {
                file,
                offset: lead,
                error: self.err_at(
                    lead,
                    format!("wrong type: expected {what}, found an array{hint}"),
                ),
            });
        }
        Ok(())
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
    let buf = match unsafe { memmap2::MmapOptions::new().populate().map(&f) } {
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
fn plan_dir(dir: &Path, ignored: &mut Vec<String>) -> Result<Vec<(Role, PathBuf)>, InputError> {
    let mut plan = Vec::new();
    for (name, path, is_dir) in sorted_entries(dir)? {
        let key = if is_dir {
            Some(name.as_str())
        } else {
            json_stem(&name)
        };
        let Some(key) = key else { continue };
        let known = CollectionKind::ALL.iter().any(|k| k.key() == key)
            || (key == "tenant" && !is_dir)
            || key == "policies";
        if !known {
            if !is_dir {
                ignored.push(path.display().to_string());
            }
            continue;
        }
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

/// `tenant.json` of a snapshot directory. No `#[serde(flatten)]`: it buffers the object, and
/// an error in `exportedAt` would then lose its line, column and path.
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

impl File {
    fn scan_err(&self, file: usize, e: ScanError) -> Located {
        Located {
            file,
            offset: e.offset,
            error: self.err_at(e.offset, e.message),
        }
    }

    fn serde_located(&self, file: usize, sub: &str, e: serde_json::Error) -> Located {
        let offset =
            self.offset_of(sub) + position::offset_of(sub.as_bytes(), e.line(), e.column());
        Located {
            file,
            offset,
            error: self.err_at(offset, describe(&e)),
        }
    }

    /// Parses a value slice of this file with serde, locating errors in the file.
    fn parse_slice<'a, T: Deserialize<'a>>(
        &'a self,
        file: usize,
        sub: &'a str,
    ) -> Result<T, Located> {
        serde_json::from_str(sub).map_err(|e| self.serde_located(file, sub, e))
    }
}

/// What kind of JSON value `text` starts with, for "found …" in messages.
fn found(text: &str) -> &'static str {
    match text.as_bytes().first() {
        Some(b'[') => "an array",
        Some(b'{') => "an object",
        Some(b'"') => "a string",
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        Some(_) => "a number",
        None => "the end of the file",
    }
}

/// The parsed elements of one batch.
struct Batch<T> {
    /// The batch's place in its collection: batches are full ([`CHUNK`] elements) but the last.
    seq: usize,
    items: Vec<T>,
    /// (file index, byte offset) of each element, for error messages.
    at: Vec<(u32, usize)>,
}

/// An element to parse: its file and its text.
type Elem<'a> = (u32, &'a str);

/// One collection being loaded: batches of elements are parsed in parallel into `T`.
struct Coll<'a, W, T> {
    kind: CollectionKind,
    present: AtomicBool,
    props: AtomicU32,
    batches: Mutex<Vec<Batch<T>>>,
    conv: fn(W, &StrSink<'a>, &mut u32) -> T,
    /// A fast reader that yields what serde would, or `None` (then serde parses the element).
    fast: Option<fn(&'a str) -> Option<W>>,
}

impl<'a, W, T> Coll<'a, W, T> {
    fn new(kind: CollectionKind, conv: fn(W, &StrSink<'a>, &mut u32) -> T) -> Self {
        Coll {
            kind,
            present: AtomicBool::new(false),
            props: AtomicU32::new(0),
            batches: Mutex::new(Vec::new()),
            conv,
            fast: None,
        }
    }

    fn with_fast(mut self, fast: fn(&'a str) -> Option<W>) -> Self {
        self.fast = Some(fast);
        self
    }

    /// The elements in input order, with (file, offset) of each, and the property bits.
    /// The elements in input order (the batches become the chunks as they are), with the
    /// (file, offset) of each, and the property bits.
    fn finish(self) -> (bool, Items<T>, Items<(u32, usize)>, Props) {
        let mut batches = self.batches.into_inner().unwrap_or_else(|e| e.into_inner());
        batches.sort_unstable_by_key(|b| b.seq);
        let mut at = Vec::with_capacity(batches.len());
        let mut chunks = Vec::with_capacity(batches.len());
        for b in batches {
            at.push(b.at);
            chunks.push(b.items);
        }
        (
            self.present.into_inner(),
            Items::from_chunks(chunks),
            Items::from_chunks(at),
            Props(self.props.into_inner()),
        )
    }
}

/// Shared state of one load.
struct Ctx<'a> {
    files: &'a [File],
    sinks: Vec<StrSink<'a>>,
    errors: Mutex<Vec<Located>>,
    progress: &'a dyn Progress,
}

impl Ctx<'_> {
    fn fail(&self, e: Located) {
        self.errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(e);
    }
}

/// A collection that accepts batches of raw elements (type-erased over `W` and `T`).
trait Submit<'a>: Sync {
    fn kind(&self) -> CollectionKind;
    fn mark_present(&self);
    fn submit<'s>(
        &'s self,
        scope: &rayon::Scope<'s>,
        ctx: &'s Ctx<'a>,
        seq: usize,
        elems: Vec<Elem<'a>>,
    ) where
        'a: 's;
}

impl<'a, W, T> Submit<'a> for Coll<'a, W, T>
where
    W: Deserialize<'a> + 'a,
    T: Send + 'a,
{
    fn kind(&self) -> CollectionKind {
        self.kind
    }

    fn mark_present(&self) {
        self.present.store(true, Ordering::Relaxed);
    }

    fn submit<'s>(
        &'s self,
        scope: &rayon::Scope<'s>,
        ctx: &'s Ctx<'a>,
        seq: usize,
        elems: Vec<Elem<'a>>,
    ) where
        'a: 's,
    {
        scope.spawn(move |_| {
            let mut items = Vec::with_capacity(elems.len());
            let mut at = Vec::with_capacity(elems.len());
            let mut props = 0;
            for (file, text) in elems {
                let fi = file as usize;
                let (f, sink) = (&ctx.files[fi], &ctx.sinks[fi]);
                let offset = f.offset_of(text);
                if !text.starts_with('{') {
                    let found = found(text);
                    let msg = format!(
                        "wrong type: expected an object in {}, found {found}",
                        self.kind.key()
                    );
                    return ctx.fail(Located {
                        file: fi,
                        offset,
                        error: f.err_at(offset, msg),
                    });
                }
                let parsed = match self.fast.and_then(|f| f(text)) {
                    Some(w) => Ok(w),
                    None => serde_json::from_str::<W>(text),
                };
                match parsed {
                    Ok(w) => {
                        items.push((self.conv)(w, sink, &mut props));
                        at.push((file, offset));
                    }
                    Err(e) => return ctx.fail(f.serde_located(fi, text, e)),
                }
            }
            if self.props.load(Ordering::Relaxed) | props != self.props.load(Ordering::Relaxed) {
                self.props.fetch_or(props, Ordering::Relaxed);
            }
            self.batches
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(Batch { seq, items, at });
        });
    }
}

/// Every collection of a snapshot, being loaded.
struct Colls<'a> {
    users: Coll<'a, WireUser<'a>, User>,
    groups: Coll<'a, WireGroup<'a>, (Group, RawMembers)>,
    contacts: Coll<'a, WireContact<'a>, Contact>,
    skus: Coll<'a, WireSku<'a>, Sku>,
    domains: Coll<'a, WireDomain<'a>, Domain>,
    roles: Coll<'a, WireDirectoryRole<'a>, (DirectoryRole, RawMembers)>,
    role_assignments: Coll<'a, WireRoleAssignment, RoleAssignment>,
    applications: Coll<'a, WireApp<'a>, App>,
    service_principals: Coll<'a, WireApp<'a>, App>,
    registrations: Coll<'a, WireRegistration<'a>, Registration>,
}

impl<'a> Colls<'a> {
    fn new() -> Self {
        use CollectionKind::*;
        Colls {
            users: Coll::new(Users, convert::user).with_fast(fast::user),
            groups: Coll::new(Groups, convert::group),
            contacts: Coll::new(Contacts, convert::contact),
            skus: Coll::new(SubscribedSkus, convert::sku),
            domains: Coll::new(Domains, convert::domain),
            roles: Coll::new(DirectoryRoles, convert::directory_role),
            role_assignments: Coll::new(RoleAssignments, convert::role_assignment),
            applications: Coll::new(Applications, convert::app),
            service_principals: Coll::new(ServicePrincipals, convert::app),
            registrations: Coll::new(UserRegistrationDetails, convert::registration)
                .with_fast(fast::registration),
        }
    }

    fn get(&self, kind: CollectionKind) -> &dyn Submit<'a> {
        use CollectionKind::*;
        match kind {
            Users => &self.users,
            Groups => &self.groups,
            Contacts => &self.contacts,
            SubscribedSkus => &self.skus,
            Domains => &self.domains,
            DirectoryRoles => &self.roles,
            RoleAssignments => &self.role_assignments,
            Applications => &self.applications,
            ServicePrincipals => &self.service_principals,
            UserRegistrationDetails => &self.registrations,
        }
    }
}

/// What a file contributes besides collection elements.
#[derive(Default)]
struct Head {
    exported_at: Option<Stamp>,
    tenant: Option<WireTenant>,
    policies: Vec<(PolicySlot, Policy)>,
    members: Option<(Guid, Vec<Guid>)>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PolicySlot {
    Authorization,
    PasswordReset,
    OnPrem,
}

enum Policy {
    Present,
    PasswordReset(WirePasswordResetPolicy),
    OnPrem(WireOnPremPolicy),
}

impl Head {
    fn policies(&mut self, p: RawPolicies) {
        if p.authorization_policy.is_some() {
            self.policies
                .push((PolicySlot::Authorization, Policy::Present));
        }
        if let Some(w) = p.password_reset_policy {
            self.policies
                .push((PolicySlot::PasswordReset, Policy::PasswordReset(w)));
        }
        if let Some(w) = p.on_premises_password_reset_policy {
            self.policies.push((PolicySlot::OnPrem, Policy::OnPrem(w)));
        }
    }
}

/// Splits one scanned collection value (an array, a Graph page, or an array of pages) into
/// batches of elements and submits them for parsing.
struct Splitter<'r, 's, 'a> {
    scope: &'r rayon::Scope<'s>,
    ctx: &'s Ctx<'a>,
    /// The file being split (files are split one after the other, in plan order).
    file: usize,
    /// Bytes of the current file already reported to the progress bar.
    reported: usize,
    /// Per collection: elements waiting for a full batch, and the number of batches sent.
    pending: [Vec<Elem<'a>>; 10],
    sent: [usize; 10],
}

impl<'s, 'a: 's> Splitter<'_, 's, 'a> {
    fn err(&self, e: ScanError) -> Located {
        self.ctx.files[self.file].scan_err(self.file, e)
    }

    /// The next value's text. When the scanner fails inside it (say, a stray quote made it
    /// read strings out of step until the end of the file), serde parses the value from its
    /// start and usually finds the real fault earlier: the earlier of the two is reported.
    fn value(&self, s: &mut Scanner<'a>) -> Result<&'a str, Located> {
        s.peek();
        let start = s.pos;
        s.value().map_err(|e| {
            let f = &self.ctx.files[self.file];
            let rest = &s.text[start..];
            let mut de =
                serde_json::Deserializer::from_str(rest).into_iter::<serde::de::IgnoredAny>();
            match de.next() {
                Some(Err(se)) if !se.is_eof() => {
                    let l = f.serde_located(self.file, rest, se);
                    if l.offset < e.offset { l } else { self.err(e) }
                }
                _ => self.err(e),
            }
        })
    }

    /// Checks an ignored value with serde (it is small: an `@odata` link or an unknown key).
    fn ignored(&self, v: &'a str) -> Result<(), Located> {
        self.ctx.files[self.file]
            .parse_slice::<serde::de::IgnoredAny>(self.file, v)
            .map(|_| ())
    }

    /// Queues an element; a full batch goes to the pool.
    fn push(&mut self, coll: &'s dyn Submit<'a>, text: &'a str, pos: usize) {
        let k = coll.kind() as usize;
        self.pending[k].push((self.file as u32, text));
        if self.pending[k].len() == CHUNK {
            self.send(coll);
            self.ctx.progress.advance((pos - self.reported) as u64);
            self.reported = pos;
        }
    }

    fn send(&mut self, coll: &'s dyn Submit<'a>) {
        let k = coll.kind() as usize;
        if self.pending[k].is_empty() {
            return;
        }
        let elems = std::mem::replace(&mut self.pending[k], Vec::with_capacity(CHUNK));
        coll.submit(self.scope, self.ctx, self.sent[k], elems);
        self.sent[k] += 1;
    }

    /// Sends every partial batch: after the last file.
    fn flush(&mut self, colls: &'s Colls<'a>) {
        for kind in CollectionKind::ALL {
            self.send(colls.get(kind));
        }
    }

    fn collection(&mut self, s: &mut Scanner<'a>, coll: &'s dyn Submit<'a>) -> Result<(), Located> {
        match s.peek() {
            Some(b'n') => {
                let v = self.value(s)?;
                self.ignored(v)
            }
            Some(b'{') => {
                coll.mark_present();
                self.page(s, coll)
            }
            Some(b'[') => {
                coll.mark_present();
                self.array(s, coll, true)
            }
            _ => {
                let msg = format!(
                    "wrong type: expected an array or a Graph page with a \"value\" array for {}, found {}",
                    coll.kind().key(),
                    found(&s.text[s.pos..])
                );
                Err(self.err(ScanError {
                    offset: s.pos,
                    message: msg,
                }))
            }
        }
    }

    /// A Graph page `{"@odata.context": …, "value": […], "@odata.nextLink": …}`.
    fn page(&mut self, s: &mut Scanner<'a>, coll: &'s dyn Submit<'a>) -> Result<(), Located> {
        s.expect(b'{', "a Graph page").map_err(|e| self.err(e))?;
        let mut found = false;
        if s.peek() == Some(b'}') {
            s.pos += 1;
        } else {
            loop {
                let key = s.key().map_err(|e| self.err(e))?;
                if key == "value" {
                    found = true;
                    if s.peek() != Some(b'[') {
                        let msg = "wrong type: expected an array for \"value\"";
                        return Err(self.err(ScanError {
                            offset: s.pos,
                            message: msg.into(),
                        }));
                    }
                    self.array(s, coll, false)?;
                } else {
                    let v = self.value(s)?;
                    self.ignored(v)?;
                }
                if !s
                    .next_or_close(b'}', "a property")
                    .map_err(|e| self.err(e))?
                {
                    break;
                }
            }
        }
        if !found {
            let f = &self.ctx.files[self.file];
            let msg = format!(
                "a Graph page for {} without a \"value\" array",
                coll.kind().key()
            );
            return Err(self.err(ScanError {
                offset: s.pos.min(f.text().len()) - 1,
                message: msg,
            }));
        }
        Ok(())
    }

    /// Whether the element is a Graph page (an object with a "value" array).
    fn is_page(&self, text: &'a str, start: usize) -> bool {
        let mut s = Scanner::at(text, start);
        if s.expect(b'{', "").is_err() || s.peek() == Some(b'}') {
            return false;
        }
        loop {
            let Ok(key) = s.key() else { return false };
            if key == "value" {
                return s.peek() == Some(b'[');
            }
            if s.value().is_err() || !matches!(s.next_or_close(b'}', ""), Ok(true)) {
                return false;
            }
        }
    }

    /// An array of elements, or (when `pages_allowed`) an array of Graph pages.
    fn array(
        &mut self,
        s: &mut Scanner<'a>,
        coll: &'s dyn Submit<'a>,
        pages_allowed: bool,
    ) -> Result<(), Located> {
        s.expect(b'[', "an array").map_err(|e| self.err(e))?;
        if s.peek() == Some(b']') {
            s.pos += 1;
            return Ok(());
        }
        let text = s.text;
        if pages_allowed && s.peek() == Some(b'{') && self.is_page(text, s.pos) {
            loop {
                if s.peek() != Some(b'{') {
                    let msg = "an array of Graph pages where one element is not a page";
                    return Err(self.err(ScanError {
                        offset: s.pos,
                        message: msg.into(),
                    }));
                }
                self.page(s, coll)?;
                if !s.next_or_close(b']', "a page").map_err(|e| self.err(e))? {
                    return Ok(());
                }
            }
        }
        loop {
            let v = self.value(s)?;
            self.push(coll, v, s.pos);
            if !s
                .next_or_close(b']', "an element")
                .map_err(|e| self.err(e))?
            {
                return Ok(());
            }
        }
    }
}

impl<'a> Scanner<'a> {
    fn at(text: &'a str, pos: usize) -> Self {
        let mut s = Scanner::new(text);
        s.pos = pos;
        s
    }
}

/// A single-file snapshot: `{"exportedAt": …, "tenant": …, "users": [...], …}`.
fn split_document<'s, 'a: 's>(
    sp: &mut Splitter<'_, 's, 'a>,
    colls: &'s Colls<'a>,
) -> Result<Head, Located> {
    let f = &sp.ctx.files[sp.file];
    let text = f.text();
    let mut s = Scanner::new(text);
    let mut head = Head::default();
    f.expect_object(
        sp.file,
        "a tenant snapshot object",
        " (a single Graph response belongs in a snapshot directory, e.g. as users.json: see docs/snapshot-format.md)",
    )?;
    s.expect(b'{', "a tenant snapshot object")
        .map_err(|e| sp.err(e))?;
    let mut seen: Vec<&str> = Vec::new();
    if s.peek() == Some(b'}') {
        s.pos += 1;
    } else {
        loop {
            s.peek();
            let key_at = s.pos;
            let key = s.key().map_err(|e| sp.err(e))?;
            if seen.contains(&key) {
                let e = ScanError {
                    offset: key_at,
                    message: format!("duplicate key \"{key}\" in the snapshot object"),
                };
                return Err(sp.err(e));
            }
            seen.push(key);
            match CollectionKind::ALL.into_iter().find(|k| k.key() == key) {
                Some(kind) => sp.collection(&mut s, colls.get(kind))?,
                None => {
                    let v = sp.value(&mut s)?;
                    match key {
                        "exportedAt" => {
                            head.exported_at = f.parse_slice::<Option<Stamp>>(sp.file, v)?
                        }
                        "tenant" => {
                            head.tenant = f.parse_slice::<Option<WireTenant>>(sp.file, v)?
                        }
                        "policies" => {
                            if let Some(p) = f.parse_slice::<Option<RawPolicies>>(sp.file, v)? {
                                head.policies(p);
                            }
                        }
                        "value" => {
                            let e = ScanError {
                                offset: key_at,
                                message: "this is a single Graph response (a page with \"value\"), not a snapshot: put it in a snapshot directory as users.json, groups.json, … (see docs/snapshot-format.md)".into(),
                            };
                            return Err(sp.err(e));
                        }
                        _ => sp.ignored(v)?,
                    }
                }
            }
            if !s.next_or_close(b'}', "a property").map_err(|e| sp.err(e))? {
                break;
            }
        }
    }
    if !s.at_end() {
        let e = ScanError {
            offset: s.pos,
            message: "invalid JSON: trailing characters after the snapshot object".into(),
        };
        return Err(sp.err(e));
    }
    Ok(head)
}

/// One file of a snapshot directory.
fn split_file<'s, 'a: 's>(
    sp: &mut Splitter<'_, 's, 'a>,
    colls: &'s Colls<'a>,
    role: Role,
) -> Result<Head, Located> {
    let fi = sp.file;
    let f = &sp.ctx.files[fi];
    let mut head = Head::default();
    match role {
        Role::Collection(kind) => {
            let mut s = Scanner::new(f.text());
            sp.collection(&mut s, colls.get(kind))?;
            if !s.at_end() {
                let e = ScanError {
                    offset: s.pos,
                    message: "invalid JSON: trailing characters after the collection".into(),
                };
                return Err(sp.err(e));
            }
        }
        Role::Members(id) => {
            let rc: RawCollection = f.parse_slice(fi, f.text())?;
            let ids = rc
                .into_elements()
                .into_iter()
                .map(|raw| f.parse_slice::<MemberId>(fi, raw.get()).map(|m| m.0))
                .collect::<Result<_, _>>()?;
            head.members = Some((id, ids));
        }
        Role::Tenant => {
            f.expect_object(fi, "a tenant object", "")?;
            let t: TenantFile = f.parse_slice(fi, f.text())?;
            head.tenant = Some(WireTenant {
                id: t.id,
                display_name: t.display_name,
                exported_at: None,
            });
            head.exported_at = t.exported_at;
        }
        Role::Policies => {
            f.expect_object(fi, "an object of policies", "")?;
            head.policies(f.parse_slice(fi, f.text())?)
        }
        Role::Policy(k) => {
            f.expect_object(fi, "a policy object", "")?;
            let mut p = RawPolicies::default();
            match k {
                PolicyKey::Authorization => {
                    p.authorization_policy = Some(f.parse_slice(fi, f.text())?)
                }
                PolicyKey::PasswordReset => {
                    p.password_reset_policy = Some(f.parse_slice(fi, f.text())?)
                }
                PolicyKey::OnPremPasswordReset => {
                    p.on_premises_password_reset_policy = Some(f.parse_slice(fi, f.text())?)
                }
            }
            head.policies(p);
        }
    }
    Ok(head)
}

/// Loads a snapshot: a JSON file (optionally gzip-compressed), `-` for standard input, or a
/// directory of Graph responses. See `docs/snapshot-format.md`.
pub fn load(spec: &str) -> Result<Tenant, InputError> {
    load_with_progress(spec, &())
}

/// [`load`], reporting progress.
pub fn load_with_progress(spec: &str, progress: &dyn Progress) -> Result<Tenant, InputError> {
    let p = parse_with_progress(spec, progress)?;
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
    parse_with_progress(spec, &())
}

fn parse_with_progress(spec: &str, progress: &dyn Progress) -> Result<Parsed, InputError> {
    let path = Path::new(spec);
    let mut ignored = Vec::new();
    let (files, roles) = if spec == "-" {
        (vec![read_stdin()?], None)
    } else if path.is_dir() {
        let plan = plan_dir(path, &mut ignored)?;
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
    progress.start(files.iter().map(|f| f.text().len() as u64).sum());
    let owned = Mutex::new(Vec::new());
    let (mut parts, group_members, role_members) =
        parse_all(&files, roles.as_deref(), &owned, progress)?;
    progress.finish();
    parts.info.ignored_files = ignored;
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

/// Splits the files one after the other on this thread (the pool parses the batches
/// meanwhile), stopping at the first file that fails. Returns each file's [`Head`].
fn split_all<'s, 'a: 's>(
    scope: &rayon::Scope<'s>,
    ctx: &'s Ctx<'a>,
    colls: &'s Colls<'a>,
    roles: Option<&[Role]>,
) -> Vec<(usize, Head)> {
    let mut sp = Splitter {
        scope,
        ctx,
        file: 0,
        reported: 0,
        pending: Default::default(),
        sent: [0; 10],
    };
    let mut heads = Vec::new();
    let n = roles.map_or(1, <[Role]>::len);
    for file in 0..n {
        sp.file = file;
        sp.reported = 0;
        let r = match roles {
            None => split_document(&mut sp, colls),
            Some(roles) => split_file(&mut sp, colls, roles[file]),
        };
        match r {
            Ok(h) => heads.push((file, h)),
            Err(e) => {
                ctx.fail(e);
                return heads;
            }
        }
        ctx.progress
            .advance((ctx.files[file].text().len() - sp.reported) as u64);
    }
    sp.flush(colls);
    heads
}

/// Splits every file and parses its elements in parallel, then assembles the parts.
fn parse_all<'a>(
    files: &'a [File],
    roles: Option<&[Role]>,
    owned: &'a Mutex<Vec<Box<str>>>,
    progress: &'a dyn Progress,
) -> Result<Built, InputError> {
    let ctx = Ctx {
        files,
        sinks: files
            .iter()
            .enumerate()
            .map(|(i, f)| StrSink::new(i, &f.buf, owned))
            .collect(),
        errors: Mutex::new(Vec::new()),
        progress,
    };
    let colls = Colls::new();
    let heads = rayon::scope(|scope| split_all(scope, &ctx, &colls, roles));
    let first_error = ctx
        .errors
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .min_by_key(|e| (e.file, e.offset));
    if let Some(e) = first_error {
        return Err(e.error);
    }
    assemble(files, colls, heads)
}

/// Rejects two elements of a collection with the same key (reported, never merged).
/// Rejects two elements of a collection with the same key (reported, never merged). Only
/// positions are stored (a `u32` per element); `at` gives each element's (file, offset).
fn check_unique<T, K: std::hash::Hash + Eq + std::fmt::Display>(
    files: &[File],
    name: &str,
    items: &Items<T>,
    at: &Items<(u32, usize)>,
    key: impl Fn(&T) -> Option<K>,
) -> Result<(), InputError> {
    let hash = |k: &K| {
        use std::hash::BuildHasher;
        rustc_hash::FxBuildHasher.hash_one(k)
    };
    let mut seen: hashbrown::HashTable<u32> = hashbrown::HashTable::with_capacity(items.len());
    for (i, it) in items.enumerate() {
        let Some(k) = key(it) else { continue };
        let h = hash(&k);
        let same = |&j: &u32| key(&items[j as usize]).as_ref() == Some(&k);
        if let Some(&first) = seen.find(h, same) {
            let ((fa, oa), (fb, ob)) = (at[first as usize], at[i]);
            let (fa, fb) = (fa as usize, fb as usize);
            let first_at = path_at(files[fa].text().as_bytes(), oa);
            return Err(files[fb].err_at(
                ob,
                format!(
                    "duplicate id {k} in {name}: already used by {first_at} in {}",
                    files[fa].name
                ),
            ));
        }
        seen.insert_unique(h, i as u32, |&j| {
            key(&items[j as usize]).map_or(0, |k| hash(&k))
        });
    }
    Ok(())
}

fn assemble(files: &[File], colls: Colls, heads: Vec<(usize, Head)>) -> Result<Built, InputError> {
    let mut parts = Parts::default();
    let mut policies = Vec::new();
    let mut extra_members = Vec::new();
    for (file, h) in heads {
        if let Some(t) = h.tenant {
            parts.info.id = t.id.or(parts.info.id.take());
            parts.info.display_name = t.display_name.or(parts.info.display_name.take());
        }
        if let Some(s) = h.exported_at {
            parts.info.exported_at = Some((s.0, s.1));
        }
        policies.extend(h.policies);
        if let Some((id, ids)) = h.members {
            extra_members.push((file, id, ids));
        }
    }
    for (_, p) in policies {
        match p {
            Policy::Present => parts.policies.authorization_policy = true,
            Policy::PasswordReset(w) => {
                parts.policies.password_reset = Some(convert::password_reset(w))
            }
            Policy::OnPrem(w) => parts.policies.on_prem_password_reset = Some(convert::on_prem(w)),
        }
    }

    macro_rules! collection {
        ($coll:expr, $key:expr) => {{
            let c = $coll;
            let name = c.kind.key();
            let (present, items, at, props) = c.finish();
            check_unique(files, name, &items, &at, $key)?;
            Collection {
                present,
                items,
                props,
            }
        }};
    }
    parts.users = collection!(colls.users, |u: &User| Some(u.id));
    let groups = collection!(colls.groups, |g: &(Group, RawMembers)| Some(g.0.id));
    parts.contacts = collection!(colls.contacts, |c: &Contact| Some(c.id));
    parts.skus = collection!(colls.skus, |s: &Sku| Some(s.sku_id));
    parts.domains = collection!(colls.domains, |d: &Domain| Some(d.name.clone()));
    let roles = collection!(colls.roles, |r: &(DirectoryRole, RawMembers)| r.0.id);
    parts.role_assignments = collection!(colls.role_assignments, |_: &RoleAssignment| None::<Guid>);
    parts.applications = collection!(colls.applications, |a: &App| Some(a.id));
    parts.service_principals = collection!(colls.service_principals, |a: &App| Some(a.id));
    parts.registrations = collection!(colls.registrations, |r: &Registration| Some(r.id));

    let (group_items, mut group_members): (Vec<Group>, Vec<RawMembers>) =
        groups.items.into_vec().into_iter().unzip();
    let mut group_props = groups.props;
    if !extra_members.is_empty() {
        let index: FxHashMap<Guid, usize> = group_items
            .iter()
            .enumerate()
            .map(|(i, g)| (g.id, i))
            .collect();
        for (file, id, ids) in extra_members {
            let Some(&i) = index.get(&id) else {
                return Err(InputError::file(
                    &files[file].name,
                    format!("members of group {id}, which is not in the snapshot's groups"),
                ));
            };
            let merged: Vec<Guid> = group_members[i].iter().copied().chain(ids).collect();
            group_members[i] = merged.into();
            group_props.0 |= group_props::MEMBERS;
        }
    }
    parts.groups = Collection {
        present: groups.present,
        items: Items::from_vec(group_items),
        props: group_props,
    };
    let (role_items, role_members): (Vec<DirectoryRole>, Vec<RawMembers>) =
        roles.items.into_vec().into_iter().unzip();
    parts.directory_roles = Collection {
        present: roles.present,
        items: Items::from_vec(role_items),
        props: roles.props,
    };
    Ok((parts, group_members, role_members))
}
