//! Collections being loaded: batches of raw elements are parsed in parallel into the model.

use super::convert;
use super::fast;
use super::fused::{Piece, Reader, Stop};
use super::keys;
use super::read::File;
use super::wire::*;
use super::{Located, Progress};
use crate::model::*;
use serde::Deserialize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// What kind of JSON value `text` starts with, for "found …" in messages.
pub(super) fn found(text: &str) -> &'static str {
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
pub(super) struct Batch<T> {
    /// The batch's place in its collection. The splitter's batches are full ([`CHUNK`]
    /// elements) but the last; [`super::fused`]'s are of any size.
    seq: usize,
    items: Vec<T>,
    /// Where each element is (file index, byte offset): for error messages and finding
    /// locations.
    at: Vec<Loc>,
}

/// Elements read by [`super::fused`] and where they are, waiting for a full batch.
type Carry<T> = (Vec<T>, Vec<Loc>);

/// An element to parse: its file and its text.
pub(super) type Elem<'a> = (u32, &'a str);

/// One collection being loaded: batches of elements are parsed in parallel into `T`.
pub(super) struct Coll<'a, W, T> {
    pub(super) kind: CollectionKind,
    present: AtomicBool,
    props: AtomicU32,
    batches: Mutex<Vec<Batch<T>>>,
    /// Elements read by [`super::fused`] that do not fill a batch yet.
    carry: Mutex<Carry<T>>,
    conv: fn(W, &StrSink<'a>, &mut u32) -> T,
    /// A fast reader that yields what serde would, or leaves the element to serde.
    fast: Option<fn(&'a str) -> fast::Fast<W>>,
    /// The same reader from a byte of a whole file, returning where the element ends: reads
    /// arrays straight from the file, in parallel (see [`super::fused`]).
    pub(super) fast_at: Option<fast::ReadAt<'a, W>>,
    /// Arrays read ahead of the splitter ([`Submit::read_ahead`]), by file, until the
    /// splitter reaches them.
    ahead: Mutex<Vec<(u32, Piece<T>)>>,
}

impl<'a, W, T> Coll<'a, W, T> {
    fn new(kind: CollectionKind, conv: fn(W, &StrSink<'a>, &mut u32) -> T) -> Self {
        Coll {
            kind,
            present: AtomicBool::new(false),
            props: AtomicU32::new(0),
            batches: Mutex::new(Vec::new()),
            carry: Mutex::new((Vec::new(), Vec::new())),
            conv,
            fast: None,
            fast_at: None,
            ahead: Mutex::new(Vec::new()),
        }
    }

    fn with_fast(
        mut self,
        fast: fn(&'a str) -> fast::Fast<W>,
        fast_at: fast::ReadAt<'a, W>,
    ) -> Self {
        self.fast = Some(fast);
        self.fast_at = Some(fast_at);
        self
    }

    /// The fast reader and the conversion, for [`super::fused`].
    fn reader(&self) -> Option<Reader<'a, W, T>> {
        Some(Reader {
            read: self.fast_at?,
            conv: self.conv,
        })
    }

    /// Adds elements read by [`super::fused`] (any number) after those added before: they
    /// become full batches numbered from `*seq` on as they fill one, so that the collection is
    /// made of the batches as they are (see [`Coll::finish`]). The rest waits in the carry,
    /// for the next call or for [`Coll::flush_carry`].
    pub(super) fn add_elements(&self, seq: &mut usize, items: Vec<T>, at: Vec<Loc>, props: u32) {
        let mut guard = self.carry.lock().unwrap_or_else(|e| e.into_inner());
        let (carry, carry_at) = &mut *guard;
        for (x, a) in items.into_iter().zip(at) {
            if carry.capacity() == 0 {
                carry.reserve_exact(CHUNK);
                carry_at.reserve_exact(CHUNK);
            }
            carry.push(x);
            carry_at.push(a);
            if carry.len() == CHUNK {
                let (full, full_at) = (std::mem::take(carry), std::mem::take(carry_at));
                self.add_batch(*seq, full, full_at, 0);
                *seq += 1;
            }
        }
        self.add_props(props);
    }

    /// Sends the elements waiting in the carry as a batch numbered `*seq`: before a batch
    /// of the splitter's, and at the end.
    pub(super) fn flush_carry(&self, seq: &mut usize) {
        let mut guard = self.carry.lock().unwrap_or_else(|e| e.into_inner());
        let (carry, carry_at) = &mut *guard;
        if !carry.is_empty() {
            let (rest, rest_at) = (std::mem::take(carry), std::mem::take(carry_at));
            self.add_batch(*seq, rest, rest_at, 0);
            *seq += 1;
        }
    }

    /// Records which properties the elements had.
    fn add_props(&self, props: u32) {
        if self.props.load(Ordering::Relaxed) | props != self.props.load(Ordering::Relaxed) {
            self.props.fetch_or(props, Ordering::Relaxed);
        }
    }

    /// Adds the elements of a batch parsed elsewhere.
    fn add_batch(&self, seq: usize, items: Vec<T>, at: Vec<Loc>, props: u32) {
        self.add_props(props);
        self.batches
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Batch { seq, items, at });
    }

    /// The elements in input order (the batches become the chunks as they are), with the
    /// (file, offset) of each, and the property bits.
    pub(super) fn finish(self) -> (bool, Items<T>, Items<Loc>, Props) {
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
            Items::from_batches(chunks),
            Items::from_batches(at),
            Props(self.props.into_inner()),
        )
    }
}

/// Shared state of one load.
pub(super) struct Ctx<'a> {
    pub(super) files: &'a [File],
    pub(super) sinks: Vec<StrSink<'a>>,
    pub(super) errors: Mutex<Vec<Located>>,
    pub(super) progress: &'a dyn Progress,
}

impl Ctx<'_> {
    pub(super) fn fail(&self, e: Located) {
        self.errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(e);
    }
}

/// A collection that accepts batches of raw elements (type-erased over `W` and `T`).
pub(super) trait Submit<'a>: Sync {
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
    /// Whether [`Submit::fused`] reads this collection (it has a fast reader).
    fn can_fuse(&self) -> bool;
    /// Sends what [`Submit::fused`] read but did not batch yet, as batch `*seq`.
    fn flush_fused(&self, seq: &mut usize);
    /// Reads the elements of an array in `text` (of file `file`) from byte `start`, where an
    /// element is expected, as batches numbered from `*seq` on; `None` when the collection
    /// has no fast reader. See [`super::fused`].
    fn fused(
        &self,
        ctx: &Ctx<'a>,
        file: u32,
        text: &'a str,
        start: usize,
        seq: &mut usize,
    ) -> Option<Stop>;
    /// Reads the array that starts at `start` of file `file` ahead of the splitter, for
    /// [`Submit::fused`] to take when the splitter gets there (nothing when the collection has
    /// no fast reader; see [`super::fused::read_ahead`]).
    fn read_ahead(&self, ctx: &Ctx<'a>, file: u32, text: &'a str, start: usize);
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

    fn can_fuse(&self) -> bool {
        self.fast_at.is_some()
    }

    fn flush_fused(&self, seq: &mut usize) {
        self.flush_carry(seq);
    }

    fn fused(
        &self,
        ctx: &Ctx<'a>,
        file: u32,
        text: &'a str,
        start: usize,
        seq: &mut usize,
    ) -> Option<Stop> {
        let reader = self.reader()?;
        // What was read ahead of this file; anything left of the files before it is dropped
        // (the splitter passed them without reaching their arrays).
        let ahead = {
            let mut ahead = self.ahead.lock().unwrap_or_else(|e| e.into_inner());
            let mine = ahead
                .iter()
                .position(|(f, _)| *f == file)
                .map(|k| ahead.swap_remove(k).1);
            ahead.retain(|(f, _)| *f > file);
            mine
        };
        Some(super::fused::array(
            self,
            reader,
            ctx,
            (file, text),
            start,
            seq,
            ahead,
        ))
    }

    fn read_ahead(&self, ctx: &Ctx<'a>, file: u32, text: &'a str, start: usize) {
        let Some(reader) = self.reader() else {
            return;
        };
        if let Some(p) = super::fused::read_ahead(reader, ctx, file, text, start) {
            self.ahead
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((file, p));
        }
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
                #[allow(
                    clippy::indexing_slicing,
                    reason = "elements carry the index of the file the splitter read them from; one sink per file"
                )]
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
                let parsed = match self.fast.map(|f| f(text)) {
                    Some(fast::Fast::Parsed(w)) => Ok(w),
                    Some(fast::Fast::Keys) => parse_normalized(text),
                    Some(fast::Fast::Unsure) | None if keys::needs(text) => parse_normalized(text),
                    _ => serde_json::from_str::<W>(text),
                };
                match parsed {
                    Ok(w) => {
                        items.push((self.conv)(w, sink, &mut props));
                        at.push(Loc::new(file, offset).unwrap_or_default());
                    }
                    Err(e) => return ctx.fail(f.serde_located(fi, text, e)),
                }
            }
            self.add_batch(seq, items, at, props);
        });
    }
}

/// Parses an element written with the Graph PowerShell SDK's keys ([`keys::normalize`]). The
/// copy has the input's offsets, so serde's errors locate in the input as they are. Its strings
/// are owned (the copy is dropped), which is slower than spans: the camelCase path never
/// comes here.
fn parse_normalized<'a, W: Deserialize<'a>>(text: &'a str) -> Result<W, serde_json::Error> {
    let Some(copy) = keys::normalize(text) else {
        return serde_json::from_str(text);
    };
    let mut de = serde_json::Deserializer::from_reader(copy.as_bytes());
    let w = W::deserialize(&mut de)?;
    de.end()?;
    Ok(w)
}

/// Every collection of a snapshot, being loaded.
pub(super) struct Colls<'a> {
    pub(super) users: Coll<'a, WireUser<'a>, User>,
    pub(super) groups: Coll<'a, WireGroup<'a>, (Group, RawMembers)>,
    pub(super) contacts: Coll<'a, WireContact<'a>, Contact>,
    pub(super) skus: Coll<'a, WireSku<'a>, Sku>,
    pub(super) domains: Coll<'a, WireDomain<'a>, Domain>,
    pub(super) roles: Coll<'a, WireDirectoryRole<'a>, (DirectoryRole, RawMembers)>,
    pub(super) role_assignments: Coll<'a, WireRoleAssignment, RoleAssignment>,
    pub(super) applications: Coll<'a, WireApp<'a>, App>,
    pub(super) service_principals: Coll<'a, WireServicePrincipal<'a>, App>,
    pub(super) registrations: Coll<'a, WireRegistration<'a>, Registration>,
}

impl<'a> Colls<'a> {
    pub(super) fn new() -> Self {
        use CollectionKind::*;
        Colls {
            users: Coll::new(Users, convert::user).with_fast(fast::user, fast::user_at),
            groups: Coll::new(Groups, convert::group),
            contacts: Coll::new(Contacts, convert::contact),
            skus: Coll::new(SubscribedSkus, convert::sku),
            domains: Coll::new(Domains, convert::domain),
            roles: Coll::new(DirectoryRoles, convert::directory_role),
            role_assignments: Coll::new(RoleAssignments, convert::role_assignment),
            applications: Coll::new(Applications, convert::app),
            service_principals: Coll::new(ServicePrincipals, convert::service_principal),
            registrations: Coll::new(UserRegistrationDetails, convert::registration)
                .with_fast(fast::registration, fast::registration_at),
        }
    }

    pub(super) fn get(&self, kind: CollectionKind) -> &dyn Submit<'a> {
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
