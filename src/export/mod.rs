//! `tenantlint export`: a snapshot directory straight from Microsoft Graph. The only part of
//! tenantlint that touches the network.
//!
//! [`plan`] says what to request (the `$select` lists come from the rules' declared reads),
//! [`client`] sends requests with retries, [`fetch`] follows pages and batches children,
//! [`write`] writes deterministic files into a temporary directory that replaces the output
//! only when everything succeeded. See docs/export.md.

pub mod client;
pub mod fetch;
pub mod plan;
mod progress;
pub mod token;
pub mod write;

use crate::error::Error;
use crate::exit::Exit;
use crate::settings::ExportSettings;
use client::{Client, GraphError, Kind};
use plan::{Children, Collection, Shape};
use progress::Progress;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use write::Obj;

/// What every job shares.
struct Ctx<'a> {
    client: &'a Client,
    root: &'a std::path::Path,
    progress: &'a Progress,
    objects: AtomicU64,
    /// Whether `policies/onPremisesPasswordResetPolicy.json` was written.
    onprem_written: Mutex<bool>,
}

/// Work for the pool; it may hand back more work (the batches of a collection's children).
struct Job<'a>(JobFn<'a>);
type JobFn<'a> = Box<dyn FnOnce(&Ctx<'a>) -> Result<Vec<Job<'a>>, Error> + Send + 'a>;

fn job<'a>(f: impl FnOnce(&Ctx<'a>) -> Result<Vec<Job<'a>>, Error> + Send + 'a) -> Job<'a> {
    Job(Box::new(f))
}

/// Why a collection could not be exported: a request, or writing its file.
enum Failure {
    Graph(GraphError),
    Write(Error),
}

impl From<GraphError> for Failure {
    fn from(e: GraphError) -> Self {
        Failure::Graph(e)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Write(e)
    }
}

pub fn run(s: &ExportSettings) -> Result<Exit, Error> {
    let started = std::time::Instant::now();
    let progress = Progress::new(s.quiet);
    let token = token::resolve(s.token_file.as_deref(), &mut |w| progress.warn(&w))?;
    let staging = write::Staging::new(&s.out)?;
    let client = Client::new(s.origin.clone(), &token, s.retry.clone(), s.timeout);
    let ctx = Ctx {
        client: &client,
        root: staging.path(),
        progress: &progress,
        objects: AtomicU64::new(0),
        onprem_written: Mutex::new(false),
    };
    let exported_at = s.exported_at.clone().unwrap_or_else(|| {
        jiff::Timestamp::from_second(jiff::Timestamp::now().as_second())
            .map(|t| t.to_string())
            .unwrap_or_default()
    });
    let mut jobs: Vec<Job> = vec![job(move |cx| tenant(cx, &exported_at))];
    for &c in &s.collections {
        jobs.push(job(move |cx| collection(cx, c)));
    }
    run_jobs(s.concurrency, &ctx, jobs)?;
    let onprem = *ctx.onprem_written.lock().unwrap_or_else(|p| p.into_inner());
    let (reset_kept, onprem_kept) = keep_by_hand(&s.out, staging.path(), onprem, &progress)?;
    templates(&ctx, !reset_kept, !(onprem || onprem_kept))?;
    let (objects, requests, retries) = (
        ctx.objects.load(Ordering::Relaxed),
        client.stats.requests.load(Ordering::Relaxed),
        client.stats.retries.load(Ordering::Relaxed),
    );
    staging.commit()?;
    progress.note(&format!(
        "exported {}: {objects} objects, {requests} requests ({retries} retried) in {:.1} s",
        s.out.display(),
        started.elapsed().as_secs_f64()
    ));
    Ok(Exit::Clean)
}

/// Runs `jobs` (and the jobs they hand back) on `n` threads; the first error stops the rest.
fn run_jobs<'a>(n: usize, cx: &Ctx<'a>, jobs: Vec<Job<'a>>) -> Result<(), Error> {
    struct State<'a> {
        queue: VecDeque<Job<'a>>,
        running: usize,
        error: Option<Error>,
    }
    let state = Mutex::new(State {
        queue: jobs.into(),
        running: 0,
        error: None,
    });
    let cv = Condvar::new();
    let lock = || state.lock().unwrap_or_else(|p| p.into_inner());
    std::thread::scope(|sc| {
        for _ in 0..n.max(1) {
            sc.spawn(|| {
                loop {
                    let job = {
                        let mut st = lock();
                        loop {
                            if st.error.is_some() {
                                return;
                            }
                            if let Some(j) = st.queue.pop_front() {
                                st.running += 1;
                                break j;
                            }
                            if st.running == 0 {
                                cv.notify_all();
                                return;
                            }
                            st = cv.wait(st).unwrap_or_else(|p| p.into_inner());
                        }
                    };
                    let r = (job.0)(cx);
                    let mut st = lock();
                    st.running -= 1;
                    match r {
                        Ok(more) => st.queue.extend(more),
                        Err(e) => {
                            if st.error.is_none() {
                                st.error = Some(e);
                            }
                        }
                    }
                    cv.notify_all();
                }
            });
        }
    });
    let st = state.into_inner().unwrap_or_else(|p| p.into_inner());
    st.error.map_or(Ok(()), Err)
}

/// A failed request as the one line the export ends with.
fn failed(key: &str, permission: &str, e: &GraphError) -> Error {
    Error::Export(match e.kind {
        Kind::Unauthorized => format!(
            "{key}: {e}: the token was rejected (expired, or not a token for Microsoft Graph: get a new one, e.g. `az account get-access-token --resource-type ms-graph`)"
        ),
        Kind::Forbidden => format!(
            "{key}: {e}: the token lacks the permission {permission} (grant it to the app, with admin consent, or leave {key} out with --collections)"
        ),
        _ => format!("{key}: {e}"),
    })
}

/// `tenant.json`: the organization's id and name, and the time of the export.
fn tenant<'a>(cx: &Ctx<'a>, exported_at: &str) -> Result<Vec<Job<'a>>, Error> {
    let e = |e: GraphError| failed("tenant", plan::ORGANIZATION_PERMISSION, &e);
    let org = cx
        .client
        .get(&cx.client.v1(plan::ORGANIZATION))
        .map_err(e)?;
    let first = org
        .get("value")
        .and_then(Value::as_array)
        .and_then(|v| v.first())
        .cloned()
        .ok_or_else(|| {
            Error::Export(format!(
                "tenant: GET {}: no organization in the response",
                cx.client.v1(plan::ORGANIZATION)
            ))
        })?;
    let pick = |k: &str| first.get(k).cloned().unwrap_or(Value::Null);
    let t =
        json!({"id": pick("id"), "displayName": pick("displayName"), "exportedAt": exported_at});
    let mut text = String::new();
    write::canonical(&t, &mut text);
    text.push('\n');
    write::file(cx.root, "tenant.json", &text)?;
    Ok(Vec::new())
}

/// One collection (or policy): its requests, its file, and jobs for its children.
fn collection<'a>(cx: &Ctx<'a>, c: &'static Collection) -> Result<Vec<Job<'a>>, Error> {
    let url = cx.client.v1(&plan::url(c));
    let result = match c.shape {
        Shape::Collection => list(cx, c, url),
        Shape::Policy => policy(cx, c, &url).map(|()| Vec::new()),
        Shape::OnPremisesSync => onprem(cx, c, &url).map(|()| Vec::new()),
    };
    match result {
        Ok(jobs) => Ok(jobs),
        Err(Failure::Write(e)) => Err(e),
        Err(Failure::Graph(e))
            if c.optional && matches!(e.kind, Kind::Forbidden | Kind::NotFound) =>
        {
            cx.progress.warn(&format!(
                "{} left out: {e}: it needs {}{}; the rules that read it are skipped",
                c.key,
                c.permission,
                match c.key {
                    "userRegistrationDetails" => " and Microsoft Entra ID P1 or P2",
                    _ => " (a delegated permission of a Global Administrator: Graph offers no application permission for it)",
                }
            ));
            Ok(Vec::new())
        }
        Err(Failure::Graph(e)) => Err(failed(c.key, c.permission, &e)),
    }
}

/// A paged collection, written as `<key>.json`.
fn list<'a>(cx: &Ctx<'a>, c: &'static Collection, url: String) -> Result<Vec<Job<'a>>, Failure> {
    let bar = cx.progress.bar(c.key, None);
    let mut objs = Vec::new();
    let mut roles = Vec::new();
    let fetched = fetch::pages(cx.client, url, &mut |page| {
        bar.inc(page.len() as u64);
        for v in page {
            if c.children == Children::RoleMembers {
                roles.push(v);
            } else {
                objs.push(Obj::new(&v));
            }
        }
    });
    if let Err(e) = fetched {
        bar.abandon();
        return Err(e.into());
    }
    if c.children == Children::RoleMembers {
        objs = role_members(cx, roles)?;
    }
    let ids: Vec<String> = objs.iter().map(|o| o.id.clone()).collect();
    cx.objects.fetch_add(objs.len() as u64, Ordering::Relaxed);
    save(cx, c.key, &format!("{}.json", c.key), &mut objs)?;
    bar.finish("objects");
    Ok(child_jobs(cx, c, ids))
}

/// Writes a collection file, warning about duplicate ids (the tenant changed while paging).
fn save(cx: &Ctx, what: &str, rel: &str, objs: &mut Vec<Obj>) -> Result<(), Error> {
    let dropped = write::collection_file(cx.root, rel, objs)?;
    if dropped > 0 {
        cx.progress.warn(&format!(
            "{what}: {dropped} object(s) came twice (the tenant changed during the export); each is written once"
        ));
    }
    Ok(())
}

/// Directory roles, each with its members inline (a few dozen roles: batched here).
fn role_members(cx: &Ctx, roles: Vec<Value>) -> Result<Vec<Obj>, GraphError> {
    let mut out = Vec::with_capacity(roles.len());
    for chunk in roles.chunks(fetch::BATCH) {
        let urls: Vec<String> = chunk
            .iter()
            .map(|r| {
                let id = r.get("id").and_then(Value::as_str).unwrap_or_default();
                plan::child_url(Children::RoleMembers, id).map_or_else(String::new, |u| u.0)
            })
            .collect();
        let results = fetch::batch(cx.client, &urls)?;
        for (role, members) in chunk.iter().zip(results) {
            let mut members: Vec<Obj> = members?.iter().map(Obj::new).collect();
            members.sort_unstable();
            members.dedup_by(|b, a| a.id == b.id);
            let mut role = role.clone();
            if let Value::Object(m) = &mut role {
                let list: Vec<Value> = members
                    .iter()
                    .filter_map(|o| serde_json::from_str(&o.json).ok())
                    .collect();
                m.insert("members".into(), Value::Array(list));
            }
            out.push(Obj::new(&role));
        }
    }
    Ok(out)
}

/// Jobs for the children of `ids` (group members, service principal assignments): one
/// `$batch` of 20 each, each child list written to its own file as it comes.
fn child_jobs<'a>(cx: &Ctx<'a>, c: &'static Collection, ids: Vec<String>) -> Vec<Job<'a>> {
    let (name, file) = match c.children {
        Children::GroupMembers => ("groups members", "members.json"),
        Children::AssignedTo => (
            "servicePrincipals appRoleAssignedTo",
            "appRoleAssignedTo.json",
        ),
        Children::None | Children::RoleMembers => return Vec::new(),
    };
    let bar = std::sync::Arc::new(cx.progress.bar(name, Some(ids.len() as u64)));
    let left = std::sync::Arc::new(AtomicU64::new(ids.len().div_ceil(fetch::BATCH) as u64));
    if ids.is_empty() {
        bar.finish(c.key);
    }
    ids.chunks(fetch::BATCH)
        .map(|chunk| {
            let chunk = chunk.to_vec();
            let (bar, left) = (bar.clone(), left.clone());
            job(move |cx: &Ctx<'a>| {
                let run_batch = || -> Result<(), Error> {
                    let urls: Vec<(String, &str)> = chunk
                        .iter()
                        .filter_map(|id| plan::child_url(c.children, id))
                        .collect();
                    let just: Vec<String> = urls.iter().map(|u| u.0.clone()).collect();
                    let permission = urls.first().map_or("", |u| u.1);
                    let results = fetch::batch(cx.client, &just)
                        .map_err(|e| failed(c.key, permission, &e))?;
                    for (id, r) in chunk.iter().zip(results) {
                        match r {
                            Ok(values) => {
                                let mut objs: Vec<Obj> = values.iter().map(Obj::new).collect();
                                cx.objects.fetch_add(objs.len() as u64, Ordering::Relaxed);
                                save(cx, name, &format!("{}/{id}/{file}", c.key), &mut objs)?;
                            }
                            Err(e) if e.kind == Kind::NotFound => cx.progress.warn(&format!(
                                "{} {id} was deleted during the export ({e}): its {file} is left out",
                                c.key
                            )),
                            Err(e) => return Err(failed(c.key, permission, &e)),
                        }
                        bar.inc(1);
                    }
                    Ok(())
                };
                let r = run_batch();
                if r.is_err() {
                    bar.abandon();
                } else if left.fetch_sub(1, Ordering::Relaxed) == 1 {
                    bar.finish(c.key);
                }
                r.map(|()| Vec::new())
            })
        })
        .collect()
}

/// `policies/authorizationPolicy.json`: the object as Graph returns it.
fn policy(cx: &Ctx, c: &Collection, url: &str) -> Result<(), Failure> {
    let v = cx.client.get(url)?;
    let mut text = String::new();
    write::canonical(&v, &mut text);
    text.push('\n');
    cx.objects.fetch_add(1, Ordering::Relaxed);
    Ok(write::file(
        cx.root,
        &format!("policies/{}.json", c.key),
        &text,
    )?)
}

/// `policies/onPremisesPasswordResetPolicy.json` from the tenant's directory synchronization
/// features: Graph's one writeback flag, `passwordWritebackEnabled`, as both of the policy's
/// properties (see docs/export.md). No synchronization object, or no such flag: no file.
fn onprem(cx: &Ctx, c: &Collection, url: &str) -> Result<(), Failure> {
    let v = cx.client.get(url)?;
    let sync = match v.get("value") {
        Some(Value::Array(a)) => a.first().cloned(),
        Some(_) => None,
        None => Some(v),
    };
    let flag = sync
        .as_ref()
        .and_then(|s| s.get("features"))
        .and_then(|f| f.get("passwordWritebackEnabled"))
        .and_then(Value::as_bool);
    let Some(flag) = flag else {
        cx.progress.warn(&format!(
            "{}: GET {url} has no features.passwordWritebackEnabled (no directory synchronization?): {} is left out",
            c.key, c.key
        ));
        return Ok(());
    };
    let p = json!({"passwordWritebackSupported": flag, "enablementForTenant": flag});
    let mut text = String::new();
    write::canonical(&p, &mut text);
    text.push('\n');
    cx.objects.fetch_add(1, Ordering::Relaxed);
    write::file(cx.root, &format!("policies/{}.json", c.key), &text)?;
    *cx.onprem_written.lock().unwrap_or_else(|p| p.into_inner()) = true;
    Ok(())
}

/// The password reset settings Graph does not expose, as templates the loader does not read
/// (`*.template.json`): fill one in and rename it to drop `.template`.
pub const PASSWORD_RESET_TEMPLATE: &str = include_str!("passwordResetPolicy.template.json");
pub const ONPREM_TEMPLATE: &str = include_str!("onPremisesPasswordResetPolicy.template.json");

/// The policy files written by hand in the snapshot being replaced, copied into the new one:
/// the password reset policy (Graph does not expose it), and the writeback policy when Graph's
/// could not be read this time. Whether each was kept.
fn keep_by_hand(
    old: &std::path::Path,
    new: &std::path::Path,
    onprem_written: bool,
    progress: &Progress,
) -> Result<(bool, bool), Error> {
    let mut kept = [false, false];
    let files = [
        ("passwordResetPolicy.json", true),
        ("onPremisesPasswordResetPolicy.json", !onprem_written),
    ];
    for ((name, wanted), k) in files.into_iter().zip(&mut kept) {
        let from = old.join("policies").join(name);
        if !wanted || !from.is_file() {
            continue;
        }
        let to = new.join("policies").join(name);
        let err = |e| Error::Output {
            path: to.display().to_string(),
            source: e,
        };
        std::fs::create_dir_all(new.join("policies")).map_err(err)?;
        std::fs::copy(&from, &to).map_err(err)?;
        progress.note(&format!(
            "kept policies/{name} of the snapshot being replaced (not in Graph: written by hand)"
        ));
        *k = true;
    }
    Ok((kept[0], kept[1]))
}

fn templates(cx: &Ctx, reset: bool, onprem: bool) -> Result<(), Error> {
    if reset {
        write::file(
            cx.root,
            "policies/passwordResetPolicy.template.json",
            PASSWORD_RESET_TEMPLATE,
        )?;
    }
    if onprem {
        write::file(
            cx.root,
            "policies/onPremisesPasswordResetPolicy.template.json",
            ONPREM_TEMPLATE,
        )?;
    }
    Ok(())
}
