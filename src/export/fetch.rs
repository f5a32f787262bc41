//! Collections page by page, and the children of many objects through JSON `$batch`.

use super::client::{Attempt, Client, GraphError, Kind, judge};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Graph's limit of requests in one `$batch`.
pub const BATCH: usize = 20;

/// A page's objects and its `@odata.nextLink`.
fn split_page(page: Value) -> Result<(Vec<Value>, Option<String>), String> {
    let Value::Object(mut m) = page else {
        return Err("the response is not a Graph collection (not a JSON object)".into());
    };
    let next = match m.get("@odata.nextLink") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err("@odata.nextLink is not a string".into()),
    };
    match m.remove("value") {
        Some(Value::Array(v)) => Ok((v, next)),
        _ => Err("the response is not a Graph collection (no \"value\" array)".into()),
    }
}

fn shape_error(url: &str, what: String) -> GraphError {
    GraphError {
        kind: Kind::Other,
        method: "GET",
        url: url.to_owned(),
        what,
        attempts: 1,
    }
}

/// Every page of `first` (a full URL), each page's objects handed to `sink` in order.
pub fn pages(
    client: &Client,
    first: String,
    sink: &mut dyn FnMut(Vec<Value>),
) -> Result<(), GraphError> {
    let mut url = first;
    loop {
        let page = client.get(&url)?;
        let (values, next) = split_page(page).map_err(|w| shape_error(&url, w))?;
        sink(values);
        match next {
            Some(link) => url = client.next_link(&link)?,
            None => return Ok(()),
        }
    }
}

/// The objects of a first page (a `$batch` sub-response's body) and of every page after it.
fn rest_of_pages(client: &Client, url: &str, first: Value) -> Result<Vec<Value>, GraphError> {
    let (mut all, next) = split_page(first).map_err(|w| shape_error(url, w))?;
    if let Some(link) = next {
        let link = client.next_link(&link)?;
        pages(client, link, &mut |v| all.extend(v))?;
    }
    Ok(all)
}

/// What one sub-response of a `$batch` means.
fn sub_attempt(client: &Client, r: &Value) -> Attempt {
    let Some(status) = r
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
    else {
        return Attempt::Retry {
            what: "a $batch sub-response without a status".into(),
            wait: None,
        };
    };
    let retry_after = r.get("headers").and_then(Value::as_object).and_then(|h| {
        h.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
            .and_then(|(_, v)| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
    });
    let retry_after = client.policy.retry_after(retry_after.as_deref());
    let body = r.get("body").cloned().unwrap_or(Value::Null);
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    if let Some(a) = judge(status, retry_after, &bytes) {
        return a;
    }
    if body.is_object() {
        Attempt::Done(body)
    } else {
        Attempt::Retry {
            what: format!("HTTP {status}, but the $batch sub-response has no JSON body"),
            wait: None,
        }
    }
}

/// GETs of `urls` (relative to `/v1.0`, at most [`BATCH`]) through one `$batch` request,
/// re-sending only the sub-requests that failed for a while (throttled, 5xx, missing), and
/// following each sub-response's `@odata.nextLink`. The outer `Err` is the `$batch` request
/// itself failing; each inner result is one sub-request's objects (every page) or its error.
pub fn batch(
    client: &Client,
    urls: &[String],
) -> Result<Vec<Result<Vec<Value>, GraphError>>, GraphError> {
    let n = urls.len();
    let mut out: Vec<Option<Result<Vec<Value>, GraphError>>> = vec![None; n];
    let mut attempts = vec![0u32; n];
    let mut pending: Vec<usize> = (0..n).collect();
    let batch_url = client.v1("/$batch");
    while !pending.is_empty() {
        let requests: Vec<Value> = pending
            .iter()
            .filter_map(|&i| {
                let url = urls.get(i)?;
                Some(json!({"id": i.to_string(), "method": "GET", "url": url}))
            })
            .collect();
        let resp = client.post(&batch_url, &json!({ "requests": requests }))?;
        let responses: Vec<&Value> = resp
            .get("responses")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let find = |i: usize| {
            let id = i.to_string();
            responses
                .iter()
                .find(|r| r.get("id").and_then(Value::as_str) == Some(id.as_str()))
                .copied()
        };
        let mut again = Vec::new();
        let mut wait = Duration::ZERO;
        for &i in &pending {
            let (Some(url), Some(tries), Some(slot)) =
                (urls.get(i), attempts.get_mut(i), out.get_mut(i))
            else {
                continue;
            };
            *tries += 1;
            let full = client.v1(url);
            let fail = |kind, what| GraphError {
                kind,
                method: "GET",
                url: full.clone(),
                what,
                attempts: *tries,
            };
            let verdict = match find(i) {
                None => Attempt::Retry {
                    what: "no answer in the $batch response".into(),
                    wait: None,
                },
                Some(r) => sub_attempt(client, r),
            };
            match verdict {
                Attempt::Done(body) => *slot = Some(rest_of_pages(client, &full, body)),
                Attempt::Fail(kind, what) => *slot = Some(Err(fail(kind, what))),
                Attempt::Retry { what, wait: w } => {
                    if *tries >= client.policy.max_attempts {
                        *slot = Some(Err(fail(Kind::Other, what)));
                    } else {
                        wait = wait.max(w.unwrap_or_else(|| client.policy.backoff(*tries)));
                        again.push(i);
                    }
                }
            }
        }
        if !again.is_empty() {
            client
                .stats
                .retries
                .fetch_add(again.len() as u64, Ordering::Relaxed);
            std::thread::sleep(wait);
        }
        pending = again;
    }
    Ok(out
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Ok(Vec::new())))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_split() {
        let (v, next) = split_page(json!({"value": [1, 2], "@odata.nextLink": "x"})).unwrap();
        assert_eq!((v.len(), next.as_deref()), (2, Some("x")));
        let (v, next) = split_page(json!({"value": [], "@odata.nextLink": null})).unwrap();
        assert_eq!((v.len(), next), (0, None));
        assert!(split_page(json!({"id": "x"})).is_err());
        assert!(split_page(json!([1])).is_err());
        assert!(split_page(json!({"value": [], "@odata.nextLink": 3})).is_err());
    }
}
