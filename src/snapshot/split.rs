//! Splitting scanned files into collection elements, and reading everything else a file holds
//! (the snapshot head: `exportedAt`, `tenant`, policies, group members).

use super::Located;
use super::ahead;
use super::coll::{Colls, Ctx, Elem, Submit, found};
use super::fused::Stop;
use super::keys;
use super::layout::{MemberOf, Object, PolicyKey, Role};
use super::read::File;
use super::scan::{ScanError, Scanner};
use super::wire::*;
use crate::model::*;
use serde::Deserialize;

/// `exportedAt`: the text as written and its instant.
pub(super) struct Stamp(pub(super) String, pub(super) i64);

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
                    .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(&shown(v)), &self))
            }
        }
        d.deserialize_str(V)
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawPolicies {
    #[serde(default)]
    authorization_policy: Option<WireAuthorization>,
    #[serde(default)]
    password_reset_policy: Option<WirePasswordResetPolicy>,
    #[serde(default)]
    on_premises_password_reset_policy: Option<WireOnPremPolicy>,
}

/// `tenant.json` of a snapshot directory. No `#[serde(flatten)]`: it buffers the object, and
/// an error in `exportedAt` would then lose its line, column and path.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a tenant object")]
pub(super) struct TenantFile {
    #[serde(default)]
    id: Option<Text>,
    #[serde(default)]
    display_name: Option<Text>,
    #[serde(default)]
    exported_at: Option<Stamp>,
}

/// What a file contributes besides collection elements.
#[derive(Default)]
pub(super) struct Head {
    pub(super) exported_at: Option<Stamp>,
    pub(super) tenant: Option<WireTenant>,
    /// Byte offset of the tenant object in the file (where reports point tenant findings).
    pub(super) tenant_at: Option<usize>,
    /// Each policy, with the byte offset of its object in the file.
    pub(super) policies: Vec<(PolicySlot, Policy, usize)>,
    /// Members read from files: of a group or a role, its id, the byte offset where they were
    /// read (for messages), their ids.
    pub(super) members: Vec<(MemberOf, Guid, usize, Vec<Guid>)>,
    /// `appRoleAssignedTo` entries read from files: the service principal's id, the byte
    /// offset where they were read, the entries, and whether they came from an Export-Entra
    /// tree (one file per entry) rather than an `appRoleAssignedTo.json`.
    pub(super) assigned_to: Vec<(Guid, usize, Vec<AppRoleAssignment>, bool)>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum PolicySlot {
    Authorization,
    PasswordReset,
    OnPrem,
}

pub(super) enum Policy {
    Authorization(WireAuthorizationPolicy),
    PasswordReset(WirePasswordResetPolicy),
    OnPrem(WireOnPremPolicy),
}

impl PolicySlot {
    /// The policy's key in a snapshot's `policies` object (and its object id in reports).
    pub(super) fn key(self) -> &'static str {
        match self {
            PolicySlot::Authorization => "authorizationPolicy",
            PolicySlot::PasswordReset => "passwordResetPolicy",
            PolicySlot::OnPrem => "onPremisesPasswordResetPolicy",
        }
    }
}

impl Head {
    /// Adds the policies of `p`, read from `text`; `at` gives the offset of each one's value.
    fn policies(&mut self, text: &str, p: RawPolicies, at: impl Fn(PolicySlot) -> usize) {
        if let Some(w) = p.authorization_policy {
            let s = PolicySlot::Authorization;
            // In a Graph page, the policy is the element of its "value" (an empty page holds
            // none: the policy was not exported).
            let offset = match w.page {
                false => at(s),
                true => first_value_element(text, at(s)).unwrap_or_else(|| at(s)),
            };
            if let Some(policy) = w.policy {
                self.policies
                    .push((s, Policy::Authorization(policy), offset));
            }
        }
        if let Some(w) = p.password_reset_policy {
            let s = PolicySlot::PasswordReset;
            self.policies.push((s, Policy::PasswordReset(w), at(s)));
        }
        if let Some(w) = p.on_premises_password_reset_policy {
            let s = PolicySlot::OnPrem;
            self.policies.push((s, Policy::OnPrem(w), at(s)));
        }
    }
}

/// Where the value of each key of the object at `start` of `text` begins (keys as written,
/// first letter lower-cased). The object has been parsed already, so a scan error only ends
/// the list early.
fn member_offsets<'t>(text: &'t str, start: usize) -> Vec<(std::borrow::Cow<'t, str>, usize)> {
    let mut out = Vec::new();
    let mut s = Scanner::at(text, start);
    if s.expect(b'{', "an object").is_err() || s.peek() == Some(b'}') {
        return out;
    }
    while let Ok(key) = s.key() {
        s.peek();
        out.push((keys::camel(key), s.pos));
        if s.value().is_err() || !s.next_or_close(b'}', "a property").unwrap_or(false) {
            break;
        }
    }
    out
}

/// Where the first element of the `"value"` array of the Graph page at `start` begins.
fn first_value_element(text: &str, start: usize) -> Option<usize> {
    let members = member_offsets(text, start);
    let &(_, at) = members.iter().find(|(k, _)| k == "value")?;
    let mut s = Scanner::at(text, at);
    s.expect(b'[', "an array").ok()?;
    (s.peek() == Some(b'{')).then_some(s.pos)
}

/// The elements of a file that holds one object's children (`groups/<id>/members.json`,
/// `servicePrincipals/<id>/appRoleAssignedTo.json`), in any collection shape, each read as `T`.
/// The elements stay raw (borrowed), so the SDK's keys are normalised for the whole file here;
/// the copy has the file's offsets.
fn child_elements<T: serde::de::DeserializeOwned>(f: &File, fi: usize) -> Result<Vec<T>, Located> {
    let text = f.text();
    let copy = keys::normalize(text);
    let src = copy.as_deref().unwrap_or(text);
    let rc: RawCollection = serde_json::from_str(src).map_err(|e| f.serde_located(fi, text, e))?;
    rc.into_elements()
        .into_iter()
        .map(|raw| {
            let start = raw.get().as_ptr() as usize - src.as_ptr() as usize;
            let orig = &text[start..start + raw.get().len()];
            serde_json::from_str::<T>(raw.get()).map_err(|e| f.serde_located(fi, orig, e))
        })
        .collect()
}

/// The offset of `slot`'s object among `members` (from [`member_offsets`]), else `fallback`.
fn policy_at(
    members: &[(std::borrow::Cow<str>, usize)],
    slot: PolicySlot,
    fallback: usize,
) -> usize {
    members
        .iter()
        .find(|(k, _)| k == slot.key())
        .map_or(fallback, |&(_, at)| at)
}

/// Where the first non-blank character of `text` is.
fn first_char(text: &str) -> usize {
    text.len() - text.trim_start().len()
}

/// Splits one scanned collection value (an array, a Graph page, or an array of pages) into
/// batches of elements and submits them for parsing.
pub(super) struct Splitter<'r, 's, 'a> {
    scope: &'r rayon::Scope<'s>,
    ctx: &'s Ctx<'a>,
    /// The file being split (files are split one after the other, in plan order).
    file: usize,
    /// Bytes of the current file already reported to the progress bar.
    reported: usize,
    /// Per collection: elements waiting for a full batch, and the number of batches sent.
    pending: [Vec<Elem<'a>>; CollectionKind::ALL.len()],
    sent: [usize; CollectionKind::ALL.len()],
}

impl<'s, 'a: 's> Splitter<'_, 's, 'a> {
    /// The file being split.
    #[allow(
        clippy::indexing_slicing,
        reason = "`file` is set only by split_all, from its enumerate() of ctx.files"
    )]
    fn cur_file(&self) -> &'a File {
        &self.ctx.files[self.file]
    }

    /// The batch waiting for `coll`'s collection, and the number of its batches sent.
    #[allow(
        clippy::indexing_slicing,
        reason = "CollectionKind's discriminants are 0..ALL.len(), the arrays' length"
    )]
    fn queue(&mut self, coll: &dyn Submit<'a>) -> (&mut Vec<Elem<'a>>, &mut usize) {
        let k = coll.kind() as usize;
        (&mut self.pending[k], &mut self.sent[k])
    }

    fn err(&self, e: ScanError) -> Located {
        self.cur_file().scan_err(self.file, e)
    }

    /// The next value's text. When the scanner fails inside it (say, a stray quote made it
    /// read strings out of step until the end of the file), serde parses the value from its
    /// start and usually finds the real fault earlier: the earlier of the two is reported.
    fn value(&self, s: &mut Scanner<'a>) -> Result<&'a str, Located> {
        s.peek();
        let start = s.pos;
        s.value().map_err(|e| {
            let f = self.cur_file();
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
        self.cur_file()
            .parse_slice::<serde::de::IgnoredAny>(self.file, v)
            .map(|_| ())
    }

    /// Queues an element; a full batch goes to the pool.
    fn push(&mut self, coll: &'s dyn Submit<'a>, text: &'a str, pos: usize) {
        let file = self.file as u32;
        let (pending, _) = self.queue(coll);
        pending.push((file, text));
        if pending.len() == CHUNK {
            self.send(coll);
            self.ctx.progress.advance((pos - self.reported) as u64);
            self.reported = pos;
        }
    }

    fn send(&mut self, coll: &'s dyn Submit<'a>) {
        let (pending, sent) = self.queue(coll);
        if pending.is_empty() {
            return;
        }
        // What the fast reader read before these elements goes first.
        coll.flush_fused(sent);
        let elems = std::mem::replace(pending, Vec::with_capacity(CHUNK));
        let seq = *sent;
        *sent += 1;
        coll.submit(self.scope, self.ctx, seq, elems);
    }

    /// Reads the rest of an array of `coll` straight from the text, from the element at
    /// `s.pos` (see [`super::fused`]); batches already queued go first.
    fn fused(&mut self, s: &Scanner<'a>, coll: &'s dyn Submit<'a>) -> Option<Stop> {
        self.send(coll);
        let file = self.file as u32;
        let (_, sent) = self.queue(coll);
        let mut seq = *sent;
        let stop = coll.fused(self.ctx, file, s.text, s.pos, &mut seq);
        let (_, sent) = self.queue(coll);
        *sent = seq;
        let at = match stop {
            Some(Stop::Closed(i) | Stop::Here(i)) => i,
            None => s.pos,
        };
        self.ctx
            .progress
            .advance(at.saturating_sub(self.reported) as u64);
        self.reported = self.reported.max(at);
        stop
    }

    /// Sends every partial batch: after the last file.
    fn flush(&mut self, colls: &'s Colls<'a>) {
        for kind in CollectionKind::ALL {
            let coll = colls.get(kind);
            self.send(coll);
            let (_, sent) = self.queue(coll);
            coll.flush_fused(sent);
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
                if keys::camel(key) == "value" {
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
            let f = self.cur_file();
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
            if keys::camel(key) == "value" {
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
        if coll.can_fuse() {
            s.peek();
            match self.fused(s, coll) {
                Some(Stop::Closed(end)) => {
                    s.pos = end;
                    return Ok(());
                }
                Some(Stop::Here(at)) => s.pos = at,
                None => {}
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

/// Where `slice` (a part of `text`) starts in it.
fn offset_in(text: &str, slice: &str) -> usize {
    (slice.as_ptr() as usize).saturating_sub(text.as_ptr() as usize)
}

/// A single-file snapshot: `{"exportedAt": …, "tenant": …, "users": [...], …}`.
pub(super) fn split_document<'s, 'a: 's>(
    sp: &mut Splitter<'_, 's, 'a>,
    colls: &'s Colls<'a>,
) -> Result<Head, Located> {
    let f = sp.cur_file();
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
    let mut seen: Vec<std::borrow::Cow<str>> = Vec::new();
    if s.peek() == Some(b'}') {
        s.pos += 1;
    } else {
        loop {
            s.peek();
            let key_at = s.pos;
            let written = s.key().map_err(|e| sp.err(e))?;
            // `Users` as well as `users`: PowerShell scripts name their hashtable keys.
            let key = keys::camel(written);
            if seen.contains(&key) {
                let e = ScanError {
                    offset: key_at,
                    message: format!("duplicate key \"{written}\" in the snapshot object"),
                };
                return Err(sp.err(e));
            }
            seen.push(key.clone());
            let kind = CollectionKind::ALL.into_iter().find(|k| k.key() == key);
            match kind {
                Some(kind) => sp.collection(&mut s, colls.get(kind))?,
                None => {
                    let v = sp.value(&mut s)?;
                    match &*key {
                        "exportedAt" => {
                            head.exported_at = f.parse_slice::<Option<Stamp>>(sp.file, v)?
                        }
                        "tenant" => {
                            head.tenant = f.parse_slice::<Option<WireTenant>>(sp.file, v)?;
                            head.tenant_at = Some(offset_in(text, v));
                        }
                        "policies" => {
                            if let Some(p) = f.parse_slice::<Option<RawPolicies>>(sp.file, v)? {
                                let at = offset_in(text, v);
                                let members = member_offsets(text, at);
                                head.policies(text, p, |slot| policy_at(&members, slot, at));
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
pub(super) fn split_file<'s, 'a: 's>(
    sp: &mut Splitter<'_, 's, 'a>,
    colls: &'s Colls<'a>,
    role: Role,
) -> Result<Head, Located> {
    let fi = sp.file;
    let f = sp.cur_file();
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
            let ids = child_elements::<MemberId>(f, fi)?;
            let ids = ids.into_iter().map(|m| m.0).collect();
            head.members.push((MemberOf::Group, id, 0, ids));
        }
        Role::AssignedTo(id) => {
            let entries = child_elements::<WireAppRoleAssignment>(f, fi)?;
            let entries = entries
                .into_iter()
                .map(WireAppRoleAssignment::model)
                .collect();
            head.assigned_to.push((id, 0, entries, false));
        }
        Role::Bundle => split_bundle(sp, colls, &mut head)?,
        Role::Tenant => {
            f.expect_object(fi, "a tenant object", "")?;
            let t: TenantFile = f.parse_slice(fi, f.text())?;
            head.tenant = Some(WireTenant {
                id: t.id,
                display_name: t.display_name,
                exported_at: None,
            });
            head.exported_at = t.exported_at;
            head.tenant_at = Some(first_char(f.text()));
        }
        Role::Policies => {
            f.expect_object(fi, "an object of policies", "")?;
            let at = first_char(f.text());
            let members = member_offsets(f.text(), at);
            head.policies(f.text(), f.parse_slice(fi, f.text())?, |slot| {
                policy_at(&members, slot, at)
            })
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
            head.policies(f.text(), p, |_| first_char(f.text()));
        }
    }
    Ok(head)
}

/// A bundle of one-object files: each segment holds exactly one object.
fn split_bundle<'s, 'a: 's>(
    sp: &mut Splitter<'_, 's, 'a>,
    colls: &'s Colls<'a>,
    head: &mut Head,
) -> Result<(), Located> {
    let fi = sp.file;
    let f = sp.cur_file();
    for (i, seg) in f.segments.iter().enumerate() {
        let r = f.segment_range(i);
        let text = f.text().get(..r.end).unwrap_or_default();
        let mut s = Scanner::at(text, r.start);
        match seg.object {
            Object::Element(kind) => {
                let coll = colls.get(kind);
                coll.mark_present();
                if s.peek() != Some(b'{') {
                    let message = format!(
                        "wrong type: expected one object of {} in this file, found {}",
                        kind.key(),
                        found(text.get(s.pos..).unwrap_or_default())
                    );
                    return Err(sp.err(ScanError {
                        offset: s.pos,
                        message,
                    }));
                }
                let v = sp.value(&mut s)?;
                sp.push(coll, v, s.pos);
            }
            Object::Member(of, parent) => {
                let v = sp.value(&mut s)?;
                let id = f.parse_slice::<MemberId>(fi, v)?.0;
                match head.members.last_mut() {
                    Some((o, p, _, ids)) if *o == of && *p == parent => ids.push(id),
                    _ => head.members.push((of, parent, r.start, vec![id])),
                }
            }
            Object::AssignedTo(parent) => {
                let v = sp.value(&mut s)?;
                let a = f.parse_slice::<WireAppRoleAssignment>(fi, v)?.model();
                match head.assigned_to.last_mut() {
                    Some((p, _, entries, _)) if *p == parent => entries.push(a),
                    _ => head.assigned_to.push((parent, r.start, vec![a], true)),
                }
            }
        }
        if !s.at_end() {
            let e = ScanError {
                offset: s.pos,
                message: "invalid JSON: trailing characters after the object".into(),
            };
            return Err(sp.err(e));
        }
    }
    Ok(())
}

/// Splits the files one after the other on this thread (the pool parses the batches
/// meanwhile), stopping at the first file that fails. Returns each file's [`Head`].
///
/// The files of a directory are taken in groups ([`ahead::groups`]): while this thread
/// splits one group, the pool reads the arrays of the next group's Graph page files, a whole
/// file per task ([`Submit::read_ahead`]), and the splitter takes them as they are when it
/// reaches them. A page file of a thousand users is too short to be worth cutting into pieces,
/// and reading it alone, a round at a time, left the other cores waiting at every file.
pub(super) fn split_all<'s, 'a: 's>(
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
        sent: [0; CollectionKind::ALL.len()],
    };
    let mut heads = Vec::new();
    let Some(roles) = roles else {
        if split_one(&mut sp, 0, &mut heads, |sp| split_document(sp, colls)) {
            sp.flush(colls);
        }
        return heads;
    };
    let n = roles.len().min(ctx.files.len());
    let groups = ahead::groups(ctx.files.get(..n).unwrap_or_default());
    let mut split = 0..0;
    for next in groups.into_iter().map(Some).chain([None]) {
        let ok = rayon::in_place_scope(|s| {
            if let Some(next) = next.clone() {
                s.spawn(move |_| {
                    use rayon::prelude::*;
                    next.into_par_iter()
                        .for_each(|file| ahead::read(ctx, colls, roles, file));
                });
            }
            split_files(&mut sp, colls, roles, split.clone(), &mut heads)
        });
        if !ok {
            return heads;
        }
        split = next.unwrap_or(0..0);
    }
    sp.flush(colls);
    heads
}

/// Splits the files `range` in order; `false` at the first that fails (reported to the
/// context).
fn split_files<'s, 'a: 's>(
    sp: &mut Splitter<'_, 's, 'a>,
    colls: &'s Colls<'a>,
    roles: &[Role],
    range: std::ops::Range<usize>,
    heads: &mut Vec<(usize, Head)>,
) -> bool {
    range.into_iter().all(|file| {
        let Some(&role) = roles.get(file) else {
            return true;
        };
        split_one(sp, file, heads, |sp| split_file(sp, colls, role))
    })
}

/// Splits file `file` with `split`; `false` when it fails (reported to the context).
fn split_one<'s, 'a: 's, 'p>(
    sp: &mut Splitter<'p, 's, 'a>,
    file: usize,
    heads: &mut Vec<(usize, Head)>,
    split: impl FnOnce(&mut Splitter<'p, 's, 'a>) -> Result<Head, Located>,
) -> bool {
    let Some(f) = sp.ctx.files.get(file) else {
        return true;
    };
    sp.file = file;
    sp.reported = 0;
    match split(sp) {
        Ok(h) => heads.push((file, h)),
        Err(e) => {
            sp.ctx.fail(e);
            return false;
        }
    }
    sp.ctx
        .progress
        .advance((f.text().len() - sp.reported) as u64);
    true
}
