//! Typed reads of JSON-like objects: the JS objects the browser decoded, or `serde_json`
//! values in native tests. The pure modules read through [`Obj`], so the same code decides in
//! the browser and in `cargo test`, and the wasm build carries no deserialization framework.

/// A JSON-like value.
pub trait Obj: Sized {
    /// The member `key`, when present and neither `null` nor `undefined`.
    fn field(&self, key: &str) -> Option<Self>;
    /// The value as a string.
    fn string(&self) -> Option<String>;
    /// The value as a number.
    fn number(&self) -> Option<f64>;
    /// The value as a boolean.
    fn boolean(&self) -> Option<bool>;
    /// Whether the value is an object (not an array).
    fn is_object(&self) -> bool;
    /// The elements, when the value is an array.
    fn items(&self) -> Option<Vec<Self>>;
}

/// The name of a member that has the wrong type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wrong(pub &'static str);

impl Wrong {
    /// "`key` must be <what>".
    pub fn message(self, what: &str) -> String {
        ["`", self.0, "` must be ", what].concat()
    }
}

/// An optional string member.
pub fn opt_string<O: Obj>(o: &O, key: &'static str) -> Result<Option<String>, Wrong> {
    o.field(key)
        .map(|v| v.string().ok_or(Wrong(key)))
        .transpose()
}

/// An optional number member.
pub fn opt_number<O: Obj>(o: &O, key: &'static str) -> Result<Option<f64>, Wrong> {
    o.field(key)
        .map(|v| v.number().ok_or(Wrong(key)))
        .transpose()
}

/// An optional boolean member.
pub fn opt_bool<O: Obj>(o: &O, key: &'static str) -> Result<Option<bool>, Wrong> {
    o.field(key)
        .map(|v| v.boolean().ok_or(Wrong(key)))
        .transpose()
}

/// The strings of an array member; members of another kind, and non-string items, are
/// skipped (for claims, where an odd shape must not make a session unusable).
pub fn strings_lenient<O: Obj>(o: &O, key: &str) -> Vec<String> {
    o.field(key)
        .and_then(|v| v.items())
        .map(|items| items.iter().filter_map(Obj::string).collect())
        .unwrap_or_default()
}

mod js {
    use js_sys::{Array, Reflect};
    use wasm_bindgen::JsValue;

    impl super::Obj for JsValue {
        fn field(&self, key: &str) -> Option<JsValue> {
            if !self.is_object() {
                return None;
            }
            // A throwing getter or proxy counts as absent.
            Reflect::get(self, &JsValue::from_str(key))
                .ok()
                .filter(|v| !v.is_undefined() && !v.is_null())
        }
        fn string(&self) -> Option<String> {
            self.as_string()
        }
        fn number(&self) -> Option<f64> {
            self.as_f64()
        }
        fn boolean(&self) -> Option<bool> {
            self.as_bool()
        }
        fn is_object(&self) -> bool {
            JsValue::is_object(self) && !Array::is_array(self)
        }
        fn items(&self) -> Option<Vec<JsValue>> {
            Array::is_array(self).then(|| Array::from(self).iter().collect())
        }
    }
}

#[cfg(test)]
pub(crate) mod json {
    use serde_json::Value;

    impl super::Obj for Value {
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
    }

    /// Parses test JSON.
    pub fn parse(text: &str) -> Value {
        serde_json::from_str(text).expect("test JSON")
    }
}

#[cfg(test)]
mod tests {
    use super::json::parse;
    use super::*;

    #[test]
    fn typed_members() {
        let v = parse(r#"{"s":"x","n":2.5,"b":true,"z":null,"a":["p",1,"q"]}"#);
        assert_eq!(opt_string(&v, "s"), Ok(Some("x".into())));
        assert_eq!(opt_string(&v, "missing"), Ok(None));
        assert_eq!(opt_string(&v, "z"), Ok(None));
        assert_eq!(opt_string(&v, "n"), Err(Wrong("n")));
        assert_eq!(opt_number(&v, "n"), Ok(Some(2.5)));
        assert_eq!(opt_number(&v, "s"), Err(Wrong("s")));
        assert_eq!(opt_bool(&v, "b"), Ok(Some(true)));
        assert_eq!(opt_bool(&v, "a"), Err(Wrong("a")));
        assert_eq!(strings_lenient(&v, "a"), ["p", "q"]);
        assert!(strings_lenient(&v, "s").is_empty());
        assert_eq!(Wrong("n").message("a string"), "`n` must be a string");
    }
}
