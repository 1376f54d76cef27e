//! Injected faults: delays, canned statuses and bodies, queued per path.

use std::time::Duration;

use axum::http::header::RETRY_AFTER;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::{json, raw_json, set_header};

/// `POST /__control/faults`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    path: String,
    count: Option<u32>,
    status: Option<u16>,
    delay_ms: Option<u64>,
    body: Option<Value>,
    retry_after: Option<Value>,
    project: Option<String>,
}

/// The body sent for `"body": "malformed"`: a JSON document cut short.
const MALFORMED: &str = r#"{"sessionJwt":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJVLWRlbW8i"#;

/// Delays longer than this are refused, so that a typo cannot hang a test run.
const MAX_DELAY_MS: u64 = 600_000;

#[derive(Clone, Debug)]
pub struct Fault {
    path: String,
    project: Option<String>,
    remaining: u32,
    status: Option<StatusCode>,
    delay_ms: u64,
    body: Option<Value>,
    retry_after: Option<String>,
}

impl Fault {
    pub fn from_spec(spec: FaultSpec) -> Result<Fault, String> {
        let remaining = spec.count.unwrap_or(1);
        if remaining == 0 {
            return Err("count must be at least 1".into());
        }
        let status = spec
            .status
            .map(|s| {
                StatusCode::from_u16(s)
                    .ok()
                    .filter(|_| (100..=599).contains(&s))
                    .ok_or(format!("{s} is not an HTTP status"))
            })
            .transpose()?;
        let delay_ms = spec.delay_ms.unwrap_or(0);
        if delay_ms > MAX_DELAY_MS {
            return Err(format!("delayMs may be at most {MAX_DELAY_MS}"));
        }
        let retry_after = match spec.retry_after {
            None => None,
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::String(s)) => Some(s),
            Some(_) => return Err("retryAfter must be a number or a string".into()),
        };
        Ok(Fault {
            path: spec.path,
            project: spec.project,
            remaining,
            status,
            delay_ms,
            body: spec.body,
            retry_after,
        })
    }

    pub fn delay(&self) -> Duration {
        Duration::from_millis(self.delay_ms)
    }

    /// The canned answer, when the fault has a status or a body (else the request goes on).
    pub fn answer(&self) -> Option<Response> {
        if self.status.is_none() && self.body.is_none() {
            return None;
        }
        let status = self.status.unwrap_or(StatusCode::OK);
        let mut response = match &self.body {
            Some(Value::String(s)) if s == "malformed" => raw_json(status, MALFORMED),
            Some(Value::String(s)) => raw_json(status, s.clone()),
            Some(body) => json(status, body),
            None if status.as_u16() >= 400 => {
                let message = format!("Injected fault ({})", status.as_u16());
                json(
                    status,
                    &json!({
                        "errorCode": "E999999",
                        "errorDescription": "Injected fault",
                        "errorMessage": message,
                        "message": message,
                    }),
                )
            }
            None => json(status, &json!({})),
        };
        self.decorate(&mut response);
        Some(response)
    }

    /// Adds `Retry-After` when the fault has one.
    pub fn decorate(&self, response: &mut Response) {
        if let Some(seconds) = &self.retry_after {
            set_header(response, RETRY_AFTER, seconds);
        }
    }
}

/// Pending faults, in the order they were queued.
#[derive(Default)]
pub struct Faults {
    queue: Vec<Fault>,
}

impl Faults {
    pub fn push(&mut self, fault: Fault) {
        self.queue.push(fault);
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Uses one count of the first fault for `path` (and `project`, when the fault names one).
    pub fn take(&mut self, path: &str, project: Option<&str>) -> Option<Fault> {
        let index = self.queue.iter().position(|f| {
            f.path == path && f.project.as_deref().is_none_or(|p| Some(p) == project)
        })?;
        let fault = &mut self.queue[index];
        fault.remaining -= 1;
        let taken = fault.clone();
        if fault.remaining == 0 {
            self.queue.remove(index);
        }
        Some(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(spec: &str) -> Fault {
        Fault::from_spec(serde_json::from_str(spec).unwrap()).unwrap()
    }

    #[test]
    fn queue_order_count_and_project() {
        let mut faults = Faults::default();
        faults.push(fault(
            r#"{"path": "/a", "count": 2, "status": 500, "project": "P1"}"#,
        ));
        faults.push(fault(r#"{"path": "/a", "status": 429, "retryAfter": 3}"#));
        assert_eq!(faults.take("/b", Some("P1")).map(|f| f.path), None);
        assert_eq!(faults.take("/a", Some("P2")).unwrap().status.unwrap(), 429);
        assert!(faults.take("/a", None).is_none());
        assert_eq!(faults.take("/a", Some("P1")).unwrap().status.unwrap(), 500);
        assert_eq!(faults.take("/a", Some("P1")).unwrap().status.unwrap(), 500);
        assert_eq!(faults.len(), 0);
    }

    #[test]
    fn bad_specs() {
        for spec in [
            r#"{"path": "/a", "count": 0}"#,
            r#"{"path": "/a", "status": 99}"#,
            r#"{"path": "/a", "retryAfter": []}"#,
            r#"{"path": "/a", "delayMs": 9999999}"#,
        ] {
            assert!(
                Fault::from_spec(serde_json::from_str(spec).unwrap()).is_err(),
                "{spec}"
            );
        }
        assert!(serde_json::from_str::<FaultSpec>(r#"{"count": 1}"#).is_err());
    }

    #[test]
    fn delay_only_has_no_answer() {
        assert!(fault(r#"{"path": "/a", "delayMs": 5}"#).answer().is_none());
        assert!(fault(r#"{"path": "/a", "body": "malformed"}"#)
            .answer()
            .is_some());
    }
}
