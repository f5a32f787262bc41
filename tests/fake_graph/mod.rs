//! A fake Microsoft Graph on 127.0.0.1 for the export tests: it serves a tenant from a
//! single-file snapshot as Graph would (pages with `@odata.nextLink`, `$select` honoured and
//! Graph's default user properties without it, `$top` capped at 999, `$batch`, the bearer
//! token checked), and misbehaves on request: throttling with `Retry-After`, 5xx, dropped
//! connections, bodies cut short or not JSON, stalls, 403s, also inside `$batch` responses.
//! Each connection gets one response and is closed.
#![allow(dead_code)]

use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a fault does.
#[derive(Clone, Debug)]
pub enum Kind {
    /// This status, with `Retry-After: n` when given, and a Graph error body.
    Status(u16, Option<u32>),
    /// Close the connection without answering.
    Drop,
    /// The full `Content-Length`, then half the body, then close.
    Truncate,
    /// A `200` whose body is half of the real one (valid HTTP, invalid JSON).
    BadJson,
    /// Wait this long before answering.
    Stall(Duration),
}

/// A fault for requests whose target contains `when`, `times` times (`usize::MAX`: always).
/// `sub`: for `$batch` sub-requests (only [`Kind::Status`]), else for HTTP requests.
#[derive(Clone, Debug)]
pub struct Fault {
    pub when: String,
    pub kind: Kind,
    pub times: usize,
    pub sub: bool,
}

pub fn fault(when: &str, kind: Kind, times: usize) -> Fault {
    Fault {
        when: when.into(),
        kind,
        times,
        sub: false,
    }
}

pub fn sub_fault(when: &str, kind: Kind, times: usize) -> Fault {
    Fault {
        sub: true,
        ..fault(when, kind, times)
    }
}

pub struct Config {
    pub token: String,
    /// The most objects in a page, whatever `$top` asks (Graph: 999).
    pub page_cap: usize,
    /// Serve every collection in reverse order.
    pub reverse: bool,
    pub faults: Vec<Fault>,
    /// The origin `@odata.nextLink`s point to (default: the server's own).
    pub next_origin: Option<String>,
    /// How long each answer takes (Graph's own latency, for measurements).
    pub latency: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            token: "fake-token-5f0c2a".into(),
            page_cap: 999,
            reverse: false,
            faults: Vec::new(),
            next_origin: None,
            latency: Duration::ZERO,
        }
    }
}

struct State {
    data: Value,
    /// Each collection as Graph lists it (members and assignments left out).
    colls: HashMap<String, Vec<Value>>,
    /// Direct members of groups and roles, and who is assigned to service principals, by
    /// owner id.
    children: HashMap<String, Vec<Value>>,
    origin: String,
    next_origin: String,
    token: String,
    page_cap: usize,
    reverse: bool,
    latency: Duration,
    faults: Mutex<Vec<Fault>>,
    /// Every request: when, method and target (sub-requests as `batch:<url>`).
    log: Mutex<Vec<(Instant, String)>>,
    requests: AtomicUsize,
}

pub struct Fake {
    pub origin: String,
    state: Arc<State>,
}

/// Graph's default properties of a user, returned without `$select`.
const USER_DEFAULT: [&str; 11] = [
    "businessPhones",
    "displayName",
    "givenName",
    "id",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
];

impl Fake {
    /// Serves `data` (a single-file snapshot's JSON).
    pub fn start(data: Value, config: Config) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let (colls, children) = index(&data);
        let state = Arc::new(State {
            data,
            colls,
            children,
            next_origin: config.next_origin.unwrap_or_else(|| origin.clone()),
            origin: origin.clone(),
            token: config.token,
            page_cap: config.page_cap,
            reverse: config.reverse,
            latency: config.latency,
            faults: Mutex::new(config.faults),
            log: Mutex::new(Vec::new()),
            requests: AtomicUsize::new(0),
        });
        let st = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let st = st.clone();
                std::thread::spawn(move || {
                    let _ = handle(&st, stream);
                });
            }
        });
        Fake { origin, state }
    }

    pub fn token(&self) -> &str {
        &self.state.token
    }

    /// HTTP requests answered so far.
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::Relaxed)
    }

    /// How many more times the faults would fire (0: every fault happened).
    pub fn faults_left(&self) -> usize {
        self.state
            .faults
            .lock()
            .unwrap()
            .iter()
            .map(|f| f.times)
            .sum()
    }

    pub fn log(&self) -> Vec<(Instant, String)> {
        self.state.log.lock().unwrap().clone()
    }
}

fn handle(st: &State, stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let target = parts.next().unwrap_or("").to_owned();
    let mut auth = String::new();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                "authorization" => auth = v.trim().to_owned(),
                "content-length" => len = v.trim().parse().unwrap_or(0),
                _ => {}
            }
        }
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    st.requests.fetch_add(1, Ordering::Relaxed);
    st.log
        .lock()
        .unwrap()
        .push((Instant::now(), format!("{method} {target}")));
    std::thread::sleep(st.latency);
    let fault = take_fault(st, &target, false);
    if let Some(Kind::Stall(d)) = &fault {
        std::thread::sleep(*d);
    }
    let (status, headers, text) = if auth != format!("Bearer {}", st.token) {
        error(
            401,
            "InvalidAuthenticationToken",
            "Access token validation failure.",
        )
    } else {
        match &fault {
            Some(Kind::Status(code, retry)) => status_fault(*code, *retry),
            _ => respond(st, &method, &target, &body),
        }
    };
    let mut out = stream;
    match fault {
        Some(Kind::Drop) => {
            let _ = out.shutdown(std::net::Shutdown::Both);
            Ok(())
        }
        Some(Kind::Truncate) => {
            let head = head(status, &headers, text.len());
            out.write_all(head.as_bytes())?;
            out.write_all(&text.as_bytes()[..text.len() / 2])?;
            out.flush()?;
            out.shutdown(std::net::Shutdown::Both)
        }
        Some(Kind::BadJson) => {
            let cut = &text.as_bytes()[..text.len() / 2];
            out.write_all(head(status, &headers, cut.len()).as_bytes())?;
            out.write_all(cut)?;
            out.flush()
        }
        _ => {
            out.write_all(head(status, &headers, text.len()).as_bytes())?;
            out.write_all(text.as_bytes())?;
            out.flush()
        }
    }
}

fn take_fault(st: &State, target: &str, sub: bool) -> Option<Kind> {
    let mut faults = st.faults.lock().unwrap();
    let f = faults
        .iter_mut()
        .find(|f| f.sub == sub && f.times > 0 && target.contains(&f.when))?;
    if f.times != usize::MAX {
        f.times -= 1;
    }
    Some(f.kind.clone())
}

fn head(status: u16, headers: &[(String, String)], len: usize) -> String {
    let mut h = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len}\r\nConnection: close\r\n"
    );
    for (k, v) in headers {
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    h.push_str("\r\n");
    h
}

type Answer = (u16, Vec<(String, String)>, String);

fn error(status: u16, code: &str, message: &str) -> Answer {
    let body =
        json!({"error": {"code": code, "message": message, "innerError": {"request-id": "0"}}});
    (status, Vec::new(), body.to_string())
}

fn status_fault(code: u16, retry: Option<u32>) -> Answer {
    let name = match code {
        429 => "TooManyRequests",
        503 => "serviceNotAvailable",
        504 => "UnknownError",
        403 => "Authorization_RequestDenied",
        _ => "generalException",
    };
    let (s, mut h, b) = error(code, name, "The fake Graph misbehaves on purpose.");
    if let Some(r) = retry {
        h.push(("Retry-After".into(), r.to_string()));
    }
    (s, h, b)
}

fn respond(st: &State, method: &str, target: &str, body: &[u8]) -> Answer {
    let Some(rel) = target.strip_prefix("/v1.0") else {
        return error(404, "BadRequest", "Invalid version.");
    };
    if method == "POST" && rel == "/$batch" {
        return batch(st, body);
    }
    if method != "GET" {
        return error(405, "BadRequest", "Unsupported method.");
    }
    let (status, v) = route(st, rel);
    (status, Vec::new(), v.to_string())
}

fn batch(st: &State, body: &[u8]) -> Answer {
    let Ok(req) = serde_json::from_slice::<Value>(body) else {
        return error(400, "BadRequest", "Invalid batch payload.");
    };
    let requests = req["requests"].as_array().cloned().unwrap_or_default();
    if requests.is_empty() || requests.len() > 20 {
        return error(400, "BadRequest", "A batch holds 1 to 20 requests.");
    }
    let mut responses = Vec::new();
    for r in &requests {
        let url = r["url"].as_str().unwrap_or("");
        st.log
            .lock()
            .unwrap()
            .push((Instant::now(), format!("batch:{url}")));
        let mut headers = json!({"Content-Type": "application/json"});
        let (status, body) = match take_fault(st, url, true) {
            Some(Kind::Status(code, retry)) => {
                if let Some(r) = retry {
                    headers["Retry-After"] = json!(r.to_string());
                }
                let (s, _, b) = status_fault(code, retry);
                (s, serde_json::from_str(&b).unwrap())
            }
            _ if !url.starts_with('/') => (400, json!({"error": {"code": "BadRequest"}})),
            _ => route(st, url),
        };
        responses.push(json!({"id": r["id"], "status": status, "headers": headers, "body": body}));
    }
    // Graph answers in any order.
    responses.reverse();
    (
        200,
        Vec::new(),
        json!({ "responses": responses }).to_string(),
    )
}

fn query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let dec = |s: &str| {
                s.replace("%24", "$")
                    .replace("%2C", ",")
                    .replace("%2c", ",")
            };
            (dec(k), dec(v))
        })
        .collect()
}

/// The collections as Graph lists them, and the children of each object by its id.
fn index(data: &Value) -> (HashMap<String, Vec<Value>>, HashMap<String, Vec<Value>>) {
    let arr = |k: &str| data[k].as_array().cloned().unwrap_or_default();
    let mut types: HashMap<String, &str> = HashMap::new();
    for (key, t) in [
        ("users", "#microsoft.graph.user"),
        ("groups", "#microsoft.graph.group"),
        ("contacts", "#microsoft.graph.orgContact"),
        ("servicePrincipals", "#microsoft.graph.servicePrincipal"),
    ] {
        for o in arr(key) {
            if let Some(id) = o["id"].as_str() {
                types.insert(id.to_owned(), t);
            }
        }
    }
    let mut colls = HashMap::new();
    let mut children = HashMap::new();
    for key in [
        "users",
        "groups",
        "contacts",
        "subscribedSkus",
        "domains",
        "directoryRoles",
        "roleAssignments",
        "applications",
        "servicePrincipals",
        "userRegistrationDetails",
    ] {
        let mut list = arr(key);
        for o in &mut list {
            let id = o["id"].as_str().unwrap_or("").to_owned();
            let Some(m) = o.as_object_mut() else { continue };
            if let Some(Value::Array(members)) = m.remove("members") {
                let members = members
                    .iter()
                    .map(|x| {
                        let mid = x.as_str().or(x["id"].as_str()).unwrap_or("").to_owned();
                        let t = types.get(&mid).copied().unwrap_or("#microsoft.graph.user");
                        let mut o = x.as_object().cloned().unwrap_or_default();
                        o.insert("id".into(), json!(mid));
                        o.insert("@odata.type".into(), json!(t));
                        Value::Object(o)
                    })
                    .collect();
                children.insert(format!("{key}/{id}"), members);
            } else if key == "groups" || key == "directoryRoles" {
                children.insert(format!("{key}/{id}"), Vec::new());
            }
            if key == "servicePrincipals" {
                let a = match m.remove("appRoleAssignedTo") {
                    Some(Value::Array(a)) => a,
                    _ => Vec::new(),
                };
                children.insert(format!("{key}/{id}"), a);
            }
        }
        colls.insert(key.to_owned(), list);
    }
    (colls, children)
}

fn route(st: &State, rel: &str) -> (u16, Value) {
    let (path, q) = rel.split_once('?').unwrap_or((rel, ""));
    let q = query(q);
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if get("$expand").is_some() {
        return (
            400,
            json!({"error": {"code": "BadRequest", "message": "no $expand here"}}),
        );
    }
    let seg: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let policies = &st.data["policies"];
    let not_found = || {
        (
            404,
            json!({"error": {"code": "Request_ResourceNotFound", "message": path}}),
        )
    };
    let org;
    let list: &[Value] = match seg.as_slice() {
        ["organization"] => {
            org = vec![json!({
                "id": st.data["tenant"]["id"], "displayName": st.data["tenant"]["displayName"],
                "countryLetterCode": "US"})];
            &org
        }
        ["roleManagement", "directory", "roleAssignments"] => &st.colls["roleAssignments"],
        [
            "reports",
            "authenticationMethods",
            "userRegistrationDetails",
        ] => &st.colls["userRegistrationDetails"],
        [key @ ("groups" | "directoryRoles"), id, "members"]
        | [key @ "servicePrincipals", id, "appRoleAssignedTo"] => {
            match st.children.get(&format!("{key}/{id}")) {
                Some(c) => c,
                None => return not_found(),
            }
        }
        ["policies", "authorizationPolicy"] => {
            let mut p = policies["authorizationPolicy"].clone();
            if let Some(m) = p.as_object_mut() {
                m.insert(
                    "@odata.context".into(),
                    json!("https://graph.microsoft.com/v1.0/$metadata#policies/authorizationPolicy/$entity"),
                );
            }
            return (200, p);
        }
        ["directory", "onPremisesSynchronization"] => {
            let o = &policies["onPremisesPasswordResetPolicy"];
            if o.is_null() {
                return (200, json!({"value": []}));
            }
            let on = o["passwordWritebackSupported"] == true && o["enablementForTenant"] == true;
            return (
                200,
                json!({"value": [{"id": st.data["tenant"]["id"], "features": {
                    "passwordSyncEnabled": true, "passwordWritebackEnabled": on,
                    "deviceWritebackEnabled": false}}]}),
            );
        }
        [key] => match st.colls.get(*key) {
            Some(l) if *key != "roleAssignments" && *key != "userRegistrationDetails" => l,
            _ => return not_found(),
        },
        _ => return not_found(),
    };
    // $select, or Graph's default user properties.
    let select: Option<Vec<String>> =
        get("$select").map(|s| s.split(',').map(str::to_owned).collect());
    let select = select.or_else(|| {
        (seg == ["users"]).then(|| USER_DEFAULT.iter().map(|s| (*s).to_owned()).collect())
    });
    let top = get("$top")
        .and_then(|t| t.parse().ok())
        .unwrap_or(100)
        .clamp(1, 999);
    let size = top.min(st.page_cap);
    let skip: usize = get("$skiptoken").and_then(|t| t.parse().ok()).unwrap_or(0);
    let n = list.len();
    let page: Vec<Value> = (skip..n.min(skip + size))
        .map(|i| {
            if st.reverse {
                &list[n - 1 - i]
            } else {
                &list[i]
            }
        })
        .map(|o| match &select {
            None => o.clone(),
            Some(sel) => {
                let mut out = Map::new();
                for (k, v) in o.as_object().into_iter().flatten() {
                    if sel.contains(k) || k == "id" || k == "@odata.type" {
                        out.insert(k.clone(), v.clone());
                    }
                }
                Value::Object(out)
            }
        })
        .collect();
    let mut out = json!({
        "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#{}", seg[0]),
        "value": page,
    });
    if skip + size < n {
        let rest: Vec<String> = q
            .iter()
            .filter(|(k, _)| k != "$skiptoken")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut link = format!("{}/v1.0{path}?", st.next_origin);
        for r in rest {
            link.push_str(&r);
            link.push('&');
        }
        link.push_str(&format!("$skiptoken={}", skip + size));
        out["@odata.nextLink"] = json!(link);
    }
    (200, out)
}
