//! The access token: from `--token-file` (`-` for standard input), else the environment
//! variable `TENANTLINT_GRAPH_TOKEN`, else standard input when it is not a terminal (`az account
//! get-access-token --resource-type ms-graph | tenantlint export …`). Each holds the bare token
//! or the JSON that `az account get-access-token` prints. Never printed, never logged:
//! it only goes into the `Authorization` header.

use crate::error::Error;
use std::io::{IsTerminal, Read};
use std::path::Path;

pub const ENV: &str = "TENANTLINT_GRAPH_TOKEN";

/// A bearer token. `Debug` does not show it.
pub struct Token(String);

impl Token {
    /// The `Authorization` header's value.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.0)
    }

    /// Whether `text` contains the token (tests and the error path check that it never
    /// appears in what is printed).
    pub fn appears_in(&self, text: &str) -> bool {
        text.contains(&self.0)
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(…)")
    }
}

const HOW: &str = "give --token-file FILE (a token, or the JSON of `az account get-access-token --resource-type ms-graph > token.json`; - reads standard input), set TENANTLINT_GRAPH_TOKEN, or pipe the token or that JSON in";

/// Where the token comes from, as the command line said it.
pub fn resolve(token_file: Option<&Path>, warn: &mut dyn FnMut(String)) -> Result<Token, Error> {
    let (origin, text) = match token_file {
        Some(p) if p == Path::new("-") => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).map_err(|e| {
                Error::Usage(format!("--token-file -: cannot read standard input: {e}"))
            })?;
            ("--token-file -".to_owned(), s)
        }
        Some(p) => {
            let s = std::fs::read_to_string(p).map_err(|e| {
                Error::Usage(format!("--token-file {}: cannot read: {e}", p.display()))
            })?;
            (format!("--token-file {}", p.display()), s)
        }
        None => match std::env::var(ENV) {
            Ok(s) if !s.trim().is_empty() => (ENV.to_owned(), s),
            // `az account get-access-token --resource-type ms-graph | tenantlint export …`
            _ if !std::io::stdin().is_terminal() => {
                let mut s = String::new();
                let _ = std::io::stdin().read_to_string(&mut s);
                if s.trim().is_empty() {
                    return Err(Error::Usage(format!("no access token: {HOW}")));
                }
                ("standard input".to_owned(), s)
            }
            _ => return Err(Error::Usage(format!("no access token: {HOW}"))),
        },
    };
    parse(&origin, &text, jiff::Timestamp::now().as_second(), warn)
}

/// The token in `text` (a bare token or `az`'s JSON), judged at `now` (Unix seconds).
pub fn parse(
    origin: &str,
    text: &str,
    now: i64,
    warn: &mut dyn FnMut(String),
) -> Result<Token, Error> {
    let text = text.trim_start_matches('\u{feff}').trim();
    let bad = |why: &str| Error::Usage(format!("{origin}: {why}; {HOW}"));
    let token = if text.starts_with('{') {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| bad(&format!("not valid JSON ({e})")))?;
        let token = v
            .get("accessToken")
            .and_then(|t| t.as_str())
            .ok_or_else(|| bad("the JSON has no \"accessToken\" string"))?;
        if let Some(exp) = expires(&v)
            && exp <= now
        {
            warn(format!(
                "{origin}: the token expired at {} (run `az account get-access-token --resource-type ms-graph` again); Graph will answer 401",
                jiff::Timestamp::from_second(exp)
                    .map_or_else(|_| exp.to_string(), |t| t.to_string())
            ));
        }
        token.trim().to_owned()
    } else {
        text.to_owned()
    };
    let token = token.strip_prefix("Bearer ").map_or(&*token, str::trim);
    check(Token(token.to_owned()), &bad)
}

fn check(t: Token, bad: &dyn Fn(&str) -> Error) -> Result<Token, Error> {
    if t.0.is_empty() {
        return Err(bad("the token is empty"));
    }
    if t.0
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii())
    {
        return Err(bad(
            "this is not a token (it has spaces, line breaks or non-ASCII characters inside)",
        ));
    }
    Ok(t)
}

/// When `az`'s token expires: `expires_on` (Unix seconds, newer versions) or `expiresOn`
/// (local time, `2026-11-20 09:00:00.000000`).
fn expires(v: &serde_json::Value) -> Option<i64> {
    if let Some(n) = v.get("expires_on") {
        return n
            .as_i64()
            .or_else(|| n.as_str().and_then(|s| s.trim().parse().ok()));
    }
    let s = v.get("expiresOn")?.as_str()?.trim();
    let dt: jiff::civil::DateTime = s.parse().ok()?;
    let t = jiff::tz::TimeZone::system().to_timestamp(dt).ok()?;
    Some(t.as_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str, now: i64) -> (String, Vec<String>) {
        let mut warnings = Vec::new();
        let t = parse("t", text, now, &mut |w| warnings.push(w)).unwrap();
        (t.0, warnings)
    }

    #[test]
    fn bare_tokens_and_az_json() {
        assert_eq!(ok("  eyJ0.abc.def\n", 0).0, "eyJ0.abc.def");
        assert_eq!(ok("\u{feff}Bearer eyJ0.x", 0).0, "eyJ0.x");
        let az = r#"{"accessToken": "eyJ0.az", "expiresOn": "2026-11-20 09:00:00.000000", "expires_on": 1795165200, "tokenType": "Bearer"}"#;
        let (t, w) = ok(az, 1_795_165_000);
        assert_eq!((t.as_str(), w.len()), ("eyJ0.az", 0));
        let (_, w) = ok(az, 1_795_165_201);
        assert_eq!(w.len(), 1);
        assert!(
            w[0].contains("expired") && !w[0].contains("eyJ0.az"),
            "{w:?}"
        );
        // Only the local time (older az): far in the past is expired whatever the zone.
        let old = r#"{"accessToken": "eyJ0.az", "expiresOn": "2001-01-01 09:00:00.000000"}"#;
        assert_eq!(ok(old, 1_795_165_000).1.len(), 1);
    }

    #[test]
    fn bad_tokens_are_one_line_errors_without_the_text() {
        for text in [
            "",
            "   ",
            "{\"foo\": 1}",
            "{bad json",
            "two words",
            "Bearer a b",
        ] {
            let e = parse("t", text, 0, &mut |_| {}).unwrap_err().to_string();
            assert!(!e.contains('\n'), "{e}");
            assert!(e.contains("--token-file"), "{e}");
            if text == "two words" {
                assert!(!e.contains("two words"), "{e}");
            }
        }
    }

    #[test]
    fn debug_hides_the_token() {
        let t = Token("secret".into());
        assert_eq!(format!("{t:?}"), "Token(…)");
        assert!(t.appears_in("x secret y") && t.bearer() == "Bearer secret");
    }
}
