//! Clock, unique ids and small text helpers shared by every module.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    now_ms() / 1000
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// An unpredictable 64-bit number: a process-wide counter hashed with a fresh `RandomState`
/// (whose keys are random per thread), so values never repeat within a run and are not guessable.
pub fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    hasher.finish()
}

/// A unique id of `len` characters drawn from `alphabet`.
pub fn random_string(len: usize, alphabet: &[u8]) -> String {
    let mut out = String::with_capacity(len);
    let mut bits = random_u64();
    let mut left = 10; // 10 draws of 6 bits from each 64-bit number
    while out.len() < len {
        if left == 0 {
            bits = random_u64();
            left = 10;
        }
        out.push(alphabet[(bits & 63) as usize % alphabet.len()] as char);
        bits >>= 6;
        left -= 1;
    }
    out
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A 22-character unique id (about 128 bits), used for `jti`s and token families.
pub fn unique_id() -> String {
    random_string(22, BASE62)
}

/// `n` random decimal digits.
pub fn random_digits(n: usize) -> String {
    random_string(n, b"0123456789")
}

/// Decodes `%XX` escapes (and `+` as space when `plus_is_space`); `None` for invalid UTF-8.
/// A `%` not followed by two hex digits is kept as it is.
pub fn percent_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(if plus_is_space && b == b'+' { b' ' } else { b });
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// The `key=value` pairs of a query string, decoded.
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((percent_decode(k, true)?, percent_decode(v, true)?))
        })
        .collect()
}

/// The value of `key` in a query string; an empty value counts as absent.
pub fn query_param(query: Option<&str>, key: &str) -> Option<String> {
    query_pairs(query)
        .into_iter()
        .find(|(k, v)| k == key && !v.is_empty())
        .map(|(_, v)| v)
}

/// ISO 8601 UTC time with milliseconds (`2024-05-01T12:00:00.000Z`), as JavaScript's
/// `Date.prototype.toJSON` writes it.
pub fn iso8601(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(iso8601(1_714_564_800_000), "2024-05-01T12:00:00.000Z");
    }

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("a%2e%2E/b", false).unwrap(), "a../b");
        assert_eq!(percent_decode("a+b%", true).unwrap(), "a b%");
        assert_eq!(percent_decode("%4", false).unwrap(), "%4");
        assert!(percent_decode("%ff", false).is_none());
        assert_eq!(
            query_param(Some("project=&path=%2Fv1"), "path").as_deref(),
            Some("/v1")
        );
        assert_eq!(query_param(Some("project=&path=x"), "project"), None);
    }

    #[test]
    fn ids_are_unique() {
        let a = unique_id();
        let b = unique_id();
        assert_eq!(a.len(), 22);
        assert_ne!(a, b);
        assert!(random_digits(6).chars().all(|c| c.is_ascii_digit()));
    }
}
