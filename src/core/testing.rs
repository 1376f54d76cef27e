//! The test kit: what the native suites (the core's tables, the property tests, the
//! simulator) and the doctests share, built only for tests (`cfg(test)` or the `testing`
//! feature, which the crate's own dev-dependency turns on). Nothing here reaches the wasm.
//!
//! - [`Obj`] for `serde_json` values, so that the core reads JSON in tests exactly as it reads
//!   JS objects in the browser (own members, `null` as absent, keys in order);
//! - [`parse`] for JSON written in a test.

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

/// Parses JSON written in a test.
///
/// ```
/// use session_keeper::core::{obj::Obj, testing::parse};
/// assert_eq!(parse(r#"{"a": "b"}"#).field("a").and_then(|v| v.string()).as_deref(), Some("b"));
/// ```
pub fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("test JSON")
}
