//! Requests to Graph, with retries: 429, 503 and 504 wait for `Retry-After` (capped), else
//! for a jittered exponential backoff, as do 500, 502, timeouts, dropped connections and
//! bodies that are cut short or not JSON. A request that keeps failing, or fails for good
//! (401, 403, another 4xx), is a [`GraphError`] naming the URL (never the token: it is only
//! in the `Authorization` header), the status and Graph's error code.

use super::token::Token;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The origin of `--graph-url` (`https://graph.microsoft.com`, a national cloud's, or a test
/// server's): `https://` with a host and an optional port (a trailing `/` or `/v1.0` is
/// dropped). Plain `http://` only to the loopback address, so a token never travels in clear.
pub fn origin(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    let url = url.strip_suffix("/v1.0").unwrap_or(url);
    let bad = |why: &str| Err(format!("--graph-url {url}: {why}"));
    let lower = url.to_ascii_lowercase();
    let (scheme, rest) = if let Some(r) = lower.strip_prefix("https://") {
        ("https", r)
    } else if let Some(r) = lower.strip_prefix("http://") {
        ("http", r)
    } else {
        return bad("expected https://HOST, e.g. https://graph.microsoft.com");
    };
    if rest.is_empty()
        || rest
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || "-.:[]".contains(c)))
    {
        return bad("expected https://HOST[:PORT] with no path, query or user name");
    }
    let host = match rest.rsplit_once(':') {
        Some((h, port)) if !h.ends_with(':') && port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => rest,
    };
    if scheme == "http" && !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        return bad("plain http would send the token unencrypted: use https");
    }
    Ok(format!("{scheme}://{rest}"))
}

/// How requests are retried.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// The first backoff; each retry doubles it (at most [`MAX_BACKOFF`]), jittered to
    /// between half and all of it.
    pub backoff_base: Duration,
    /// The longest `Retry-After` honoured; a longer one is cut to this.
    pub max_retry_after: Duration,
}

/// The longest backoff without `Retry-After`.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (after `attempt` failures), jittered.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .backoff_base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(MAX_BACKOFF);
        let mut b = [0u8; 2];
        let r = getrandom::fill(&mut b).map_or(u16::MAX, |()| u16::from_le_bytes(b));
        exp / 2 + exp.mul_f64(f64::from(r) / f64::from(u16::MAX) / 2.0)
    }

    /// A `Retry-After` value (seconds; an HTTP date is not used by Graph and counts as
    /// absent), capped.
    pub fn retry_after(&self, header: Option<&str>) -> Option<Duration> {
        let secs: f64 = header?.trim().parse().ok()?;
        if !secs.is_finite() || secs < 0.0 {
            return None;
        }
        Some(Duration::from_secs_f64(secs.min(1e6)).min(self.max_retry_after))
    }
}

/// Why a request failed for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// 401: the token was rejected.
    Unauthorized,
    /// 403: a permission is missing.
    Forbidden,
    /// 404.
    NotFound,
    /// Anything else, retried or not.
    Other,
}

#[derive(Debug, Clone)]
pub struct GraphError {
    pub kind: Kind,
    pub method: &'static str,
    pub url: String,
    /// What happened: `HTTP 503 (serviceNotAvailable: …)`, `the connection failed: …`.
    pub what: String,
    pub attempts: u32,
}

impl std::fmt::Display for GraphError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.method, self.url, self.what)?;
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

/// Graph's `{"error": {"code": …, "message": …}}`, as `code: message`, on one line and cut.
pub fn graph_error(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let e = v.get("error")?;
    let code = e.get("code").and_then(Value::as_str).unwrap_or("");
    let msg = e.get("message").and_then(Value::as_str).unwrap_or("");
    let mut s = match (code.is_empty(), msg.is_empty()) {
        (true, true) => return None,
        (false, true) => code.to_owned(),
        (true, false) => msg.to_owned(),
        (false, false) => format!("{code}: {msg}"),
    };
    s = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.chars().count() > 300 {
        s = s.chars().take(300).collect::<String>() + "…";
    }
    Some(s)
}

/// The outcome of one attempt.
pub enum Attempt {
    Done(Value),
    /// Worth another try, after `wait` (else the backoff).
    Retry {
        what: String,
        wait: Option<Duration>,
    },
    Fail(Kind, String),
}

/// What an HTTP status means for a request that got it (for `$batch` sub-responses too).
pub fn judge(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Option<Attempt> {
    if (200..300).contains(&status) {
        return None;
    }
    let what = match graph_error(body) {
        Some(e) => format!("HTTP {status} ({e})"),
        None => format!("HTTP {status}"),
    };
    Some(match status {
        429 | 503 | 504 => Attempt::Retry {
            what,
            wait: retry_after,
        },
        500 | 502 => Attempt::Retry { what, wait: None },
        401 => Attempt::Fail(Kind::Unauthorized, what),
        403 => Attempt::Fail(Kind::Forbidden, what),
        404 => Attempt::Fail(Kind::NotFound, what),
        _ => Attempt::Fail(Kind::Other, what),
    })
}

/// Counts for the summary and the measurements.
#[derive(Default, Debug)]
pub struct Stats {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
}

pub struct Client {
    agent: ureq::Agent,
    /// `https://graph.microsoft.com`, without a trailing slash.
    origin: String,
    bearer: String,
    pub policy: RetryPolicy,
    pub stats: Stats,
}

/// The biggest response body read (a page of 999 users with every property is a few MB).
const BODY_LIMIT: u64 = 1 << 30;

impl Client {
    pub fn new(origin: String, token: &Token, policy: RetryPolicy, timeout: Duration) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(Duration::from_secs(10).min(timeout)))
            .timeout_per_call(Some(timeout))
            .user_agent(concat!("tenantlint/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            agent,
            origin,
            bearer: token.bearer(),
            policy,
            stats: Stats::default(),
        }
    }

    /// `<origin>/v1.0<path>`.
    pub fn v1(&self, path: &str) -> String {
        format!("{}/v1.0{path}", self.origin)
    }

    /// An `@odata.nextLink` to follow, if it stays on the Graph origin the token is for.
    pub fn next_link(&self, link: &str) -> Result<String, GraphError> {
        let same = link.len() > self.origin.len()
            && link.is_char_boundary(self.origin.len())
            && link[..self.origin.len()].eq_ignore_ascii_case(&self.origin)
            && link[self.origin.len()..].starts_with('/');
        if same {
            return Ok(link.to_owned());
        }
        let shown: String = link.chars().take(120).collect();
        Err(GraphError {
            kind: Kind::Other,
            method: "GET",
            url: shown,
            what: format!(
                "refused: an @odata.nextLink that leaves {} (the token is only ever sent there)",
                self.origin
            ),
            attempts: 0,
        })
    }

    /// GET a JSON document, with retries.
    pub fn get(&self, url: &str) -> Result<Value, GraphError> {
        self.with_retries("GET", url, None)
    }

    /// POST a JSON body, with retries (for `$batch`: reading is idempotent).
    pub fn post(&self, url: &str, body: &Value) -> Result<Value, GraphError> {
        self.with_retries("POST", url, Some(body))
    }

    fn with_retries(
        &self,
        method: &'static str,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Value, GraphError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
            let err = |kind, what| GraphError {
                kind,
                method,
                url: url.to_owned(),
                what,
                attempts: attempt,
            };
            match self.once(url, body) {
                Attempt::Done(v) => return Ok(v),
                Attempt::Fail(kind, what) => return Err(err(kind, what)),
                Attempt::Retry { what, wait } => {
                    if attempt >= self.policy.max_attempts {
                        return Err(err(Kind::Other, what));
                    }
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(wait.unwrap_or_else(|| self.policy.backoff(attempt)));
                }
            }
        }
    }

    fn once(&self, url: &str, body: Option<&Value>) -> Attempt {
        let sent = match body {
            None => self
                .agent
                .get(url)
                .header("Authorization", &self.bearer)
                .header("Accept", "application/json")
                .call(),
            Some(b) => self
                .agent
                .post(url)
                .header("Authorization", &self.bearer)
                .header("Accept", "application/json")
                .header("Content-Type", "application/json")
                .send(b.to_string().as_bytes()),
        };
        let mut resp = match sent {
            Ok(r) => r,
            Err(e) => return transport(&e),
        };
        let status = resp.status().as_u16();
        let retry_after = self.policy.retry_after(
            resp.headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
        );
        let bytes = match resp
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_vec()
        {
            Ok(b) => b,
            Err(e) => {
                return Attempt::Retry {
                    what: format!("HTTP {status}, but the body was cut short ({e})"),
                    wait: retry_after,
                };
            }
        };
        if let Some(a) = judge(status, retry_after, &bytes) {
            return a;
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v) => Attempt::Done(v),
            Err(e) => Attempt::Retry {
                what: format!(
                    "HTTP {status}, but the body ({} bytes) is not valid JSON ({e})",
                    bytes.len()
                ),
                wait: None,
            },
        }
    }
}

/// A request that did not get a response.
fn transport(e: &ureq::Error) -> Attempt {
    use ureq::Error as E;
    let what = match e {
        E::Timeout(t) => format!("no answer in time ({t})"),
        E::Io(io) => format!("the connection failed ({io})"),
        E::ConnectionFailed => "the connection failed".to_owned(),
        E::HostNotFound => "the host name was not found".to_owned(),
        E::Protocol(p) => format!("the response was not valid HTTP ({p})"),
        other => return Attempt::Fail(Kind::Other, format!("cannot send the request ({other})")),
    };
    Attempt::Retry { what, wait: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 6,
            backoff_base: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(120),
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let p = policy();
        for attempt in 1..=10 {
            let full = Duration::from_millis(500)
                .saturating_mul(1 << (attempt - 1))
                .min(MAX_BACKOFF);
            let b = p.backoff(attempt);
            assert!(b >= full / 2 && b <= full, "{attempt}: {b:?} vs {full:?}");
        }
        assert!(p.backoff(40) <= MAX_BACKOFF);
    }

    #[test]
    fn retry_after_is_seconds_and_capped() {
        let p = policy();
        assert_eq!(p.retry_after(Some(" 7 ")), Some(Duration::from_secs(7)));
        assert_eq!(
            p.retry_after(Some("100000")),
            Some(Duration::from_secs(120))
        );
        assert_eq!(p.retry_after(Some("-1")), None);
        assert_eq!(p.retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
        assert_eq!(p.retry_after(None), None);
    }

    #[test]
    fn statuses_are_judged() {
        let body = br#"{"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges\nto complete the operation."}}"#;
        match judge(403, None, body) {
            Some(Attempt::Fail(Kind::Forbidden, what)) => assert_eq!(
                what,
                "HTTP 403 (Authorization_RequestDenied: Insufficient privileges to complete the operation.)"
            ),
            _ => panic!("403 fails"),
        }
        assert!(matches!(
            judge(429, Some(Duration::from_secs(3)), b""),
            Some(Attempt::Retry { wait: Some(_), .. })
        ));
        assert!(matches!(
            judge(500, None, b"x"),
            Some(Attempt::Retry { wait: None, .. })
        ));
        assert!(matches!(
            judge(401, None, b""),
            Some(Attempt::Fail(Kind::Unauthorized, _))
        ));
        assert!(matches!(
            judge(400, None, b""),
            Some(Attempt::Fail(Kind::Other, _))
        ));
        assert!(judge(200, None, b"").is_none());
    }

    #[test]
    fn graph_urls_are_origins() {
        assert_eq!(
            origin("https://graph.microsoft.com").unwrap(),
            "https://graph.microsoft.com"
        );
        assert_eq!(
            origin("https://Graph.Microsoft.US/v1.0/").unwrap(),
            "https://graph.microsoft.us"
        );
        assert_eq!(
            origin("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(origin("http://[::1]:80").unwrap(), "http://[::1]:80");
        for bad in [
            "graph.microsoft.com",
            "http://graph.microsoft.com",
            "https://graph.microsoft.com/beta",
            "https://user@graph.microsoft.com",
            "https://graph.microsoft.com?x=1",
            "https://",
            "ftp://x",
        ] {
            assert!(origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn next_links_stay_on_the_origin() {
        let t = super::super::token::parse("t", "tok", 0, &mut |_| {}).unwrap();
        let c = Client::new(
            "https://graph.microsoft.com".into(),
            &t,
            policy(),
            Duration::from_secs(5),
        );
        assert!(
            c.next_link("https://graph.microsoft.com/v1.0/users?$skiptoken=x")
                .is_ok()
        );
        assert!(
            c.next_link("HTTPS://Graph.Microsoft.com/v1.0/users")
                .is_ok()
        );
        for bad in [
            "https://graph.microsoft.com.evil.example/v1.0/users",
            "https://evil.example/v1.0/users",
            "http://graph.microsoft.com/v1.0/users",
            "https://graph.microsoft.com@evil.example/",
            "/v1.0/users",
            "https://graph.microsoft.com",
        ] {
            let e = c.next_link(bad).unwrap_err().to_string();
            assert!(e.contains("refused"), "{bad}: {e}");
        }
    }
}
