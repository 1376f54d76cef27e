//! The request log and the counters derived from it.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value};

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    pub seq: u64,
    /// Epoch milliseconds when the request arrived.
    pub at: u64,
    pub method: String,
    pub path: String,
    pub project: Option<String>,
    pub status: u16,
    pub token_jti: Option<String>,
    pub origin: Option<String>,
    /// The `Content-Type` header as received (values a client appended show comma-joined).
    pub content_type: Option<String>,
    /// How many `Bearer` credentials the `Authorization` header held (1 when well-formed).
    pub bearers: usize,
    /// `x-descope-refresh-cookie-name`, when sent.
    pub refresh_cookie_name: Option<String>,
}

/// Entries are numbered on arrival and recorded when answered, kept in arrival order.
#[derive(Default)]
pub struct RequestLog {
    next_seq: u64,
    /// Requests numbered below this arrived before the last reset and are not recorded.
    floor: u64,
    entries: Vec<LogEntry>,
}

impl RequestLog {
    /// The number of a request that has just arrived.
    pub fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    pub fn record(&mut self, entry: LogEntry) {
        if entry.seq < self.floor {
            return;
        }
        let at = self.entries.partition_point(|e| e.seq < entry.seq);
        self.entries.insert(at, entry);
    }

    /// Forgets every entry, including those of requests still being answered.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.floor = self.next_seq + 1;
    }

    pub fn entries<'a>(
        &'a self,
        project: Option<&'a str>,
        path: Option<&'a str>,
    ) -> impl Iterator<Item = &'a LogEntry> + 'a {
        self.entries.iter().filter(move |e| {
            project.is_none_or(|p| e.project.as_deref() == Some(p))
                && path.is_none_or(|p| e.path == p)
        })
    }

    /// `{<path>: {total, byStatus: {<status>: n}}}`.
    pub fn counters(&self, project: Option<&str>) -> Value {
        let mut counts: BTreeMap<&str, BTreeMap<u16, u64>> = BTreeMap::new();
        for entry in self.entries(project, None) {
            *counts
                .entry(&entry.path)
                .or_default()
                .entry(entry.status)
                .or_default() += 1;
        }
        let map = counts
            .into_iter()
            .map(|(path, by_status)| {
                let total: u64 = by_status.values().sum();
                let by_status: serde_json::Map<String, Value> = by_status
                    .into_iter()
                    .map(|(status, n)| (status.to_string(), n.into()))
                    .collect();
                (
                    path.to_string(),
                    json!({ "total": total, "byStatus": by_status }),
                )
            })
            .collect();
        Value::Object(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: u64, path: &str, status: u16) -> LogEntry {
        LogEntry {
            seq,
            at: 0,
            method: "GET".into(),
            path: path.into(),
            project: Some("P".into()),
            status,
            token_jti: None,
            origin: None,
            content_type: None,
            bearers: 0,
            refresh_cookie_name: None,
        }
    }

    #[test]
    fn arrival_order_and_counters() {
        let mut log = RequestLog::default();
        let (a, b) = (log.next_seq(), log.next_seq());
        log.record(entry(b, "/x", 500));
        log.record(entry(a, "/x", 200));
        let seqs: Vec<u64> = log.entries(None, None).map(|e| e.seq).collect();
        assert_eq!(seqs, [a, b]);
        assert_eq!(
            log.counters(Some("P")),
            json!({"/x": {"total": 2, "byStatus": {"200": 1, "500": 1}}})
        );
        assert_eq!(log.counters(Some("Q")), json!({}));
        let c = log.next_seq();
        log.clear();
        log.record(entry(c, "/y", 200));
        assert_eq!(log.entries(None, None).count(), 0);
    }
}
