//! The test kit: what the native suites (the core's tables, the property tests, the
//! simulator) and the doctests share, built only for tests (`cfg(test)` or the `testing`
//! feature, which the crate's own dev-dependency turns on). Nothing here reaches the wasm.
//!
//! - [`Obj`] for `serde_json` values, so that the core reads JSON in tests exactly as it reads
//!   JS objects in the browser (own members, `null` as absent, keys in order);
//! - [`parse`] for JSON written in a test;
//! - [`base64url`] and [`base64`] (the encoders the core only decodes), and [`jwt`], a
//!   JWT-shaped token with a given payload.

use serde_json::Value;

use super::obj::Obj;

impl Obj for Value {
    fn field(&self, key: &str) -> Option<Value> {
        self.get(key).filter(|v| !v.is_null()).cloned()
    }
    fn string(&self) -> Option<String> {
        self.as_str().map(String::from)
    }
    fn number(&self) -> Option<f64> {
        self.as_f64()
    }
    fn boolean(&self) -> Option<bool> {
        self.as_bool()
    }
    fn is_object(&self) -> bool {
        self.is_object()
    }
    fn items(&self) -> Option<Vec<Value>> {
        self.as_array().cloned()
    }
    fn keys(&self) -> Vec<String> {
        self.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }
    fn object_json(&self) -> Option<String> {
        self.is_object().then(|| self.to_string())
    }
}

/// Copies made of `serde_json` values, as of JS values in the browser.
impl super::hooks::Fresh for Value {
    fn new_list() -> Value {
        Value::Array(Vec::new())
    }
    fn new_map() -> Value {
        Value::Object(serde_json::Map::new())
    }
    fn push(&mut self, item: Value) {
        if let Value::Array(items) = self {
            items.push(item);
        }
    }
    fn insert(&mut self, key: &str, value: Value) {
        if let Value::Object(members) = self {
            members.insert(key.to_owned(), value);
        }
    }
}

/// Parses JSON written in a test.
///
/// ```
/// use session_keeper::core::{obj::Obj, testing::parse};
/// assert_eq!(parse(r#"{"a": "b"}"#).field("a").and_then(|v| v.string()).as_deref(), Some("b"));
/// ```
pub fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("test JSON")
}

/// [`Env::claims`](super::io::Env::claims) as the browser answers it, for test
/// environments: JSON text parsed, then read as the shell reads it.
pub fn claims(payload_json: &str) -> Option<super::claims::Claims> {
    super::io::claims_of(&serde_json::from_str::<Value>(payload_json).ok()?)
}

/// [`Env::login`](super::io::Env::login) as the browser answers it, for test environments.
pub fn login(user_json: &str) -> Option<(String, Option<String>)> {
    super::io::login_of(&serde_json::from_str::<Value>(user_json).ok()?)
}

/// The base64url alphabet (RFC 4648 §5).
pub const URL_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/// The standard base64 alphabet (RFC 4648 §4).
pub const STD_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `bytes` in base64 with `alphabet`, without padding.
///
/// ```
/// use session_keeper::core::testing::{base64, STD_ALPHABET};
/// assert_eq!(base64(b"\xfb\xff", STD_ALPHABET), "+/8");
/// ```
pub fn base64(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(alphabet[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// `bytes` in base64url without padding, as JWTs carry them.
///
/// ```
/// use session_keeper::core::testing::base64url;
/// assert_eq!(base64url(b"{}"), "e30");
/// ```
pub fn base64url(bytes: &[u8]) -> String {
    base64(bytes, URL_ALPHABET)
}

/// A JWT-shaped token (header `{}`, signature `sig`) whose payload is the JSON `payload`.
///
/// ```
/// use session_keeper::core::testing::jwt;
/// assert_eq!(jwt("{}"), "e30.e30.sig");
/// ```
pub fn jwt(payload: &str) -> String {
    ["e30.", &base64url(payload.as_bytes()), ".sig"].concat()
}
