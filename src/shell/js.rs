//! The JS side of the core's plain data: reading JS objects through [`Obj`] (own properties
//! only), turning a [`SessionError`] into a JS `Error`, and JSON text.

use js_sys::{Array, Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::error::SessionError;
#[cfg(feature = "descope")]
use crate::core::hooks::Fresh;
use crate::core::obj::Obj;

/// Reading JS values through the core's read-only object view.
impl Obj for JsValue {
    fn field(&self, key: &str) -> Option<JsValue> {
        if !self.is_object() {
            return None;
        }
        let key = JsValue::from_str(key);
        // Own properties only: nothing inherited from a polluted `Object.prototype` can
        // change where a request goes, what it carries, or what is stored.
        if !Object::has_own(self.unchecked_ref::<Object>(), &key) {
            return None;
        }
        // A throwing getter or proxy counts as absent.
        Reflect::get(self, &key)
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
    fn is_string(&self) -> bool {
        JsValue::is_string(self)
    }
    fn is_list(&self) -> bool {
        Array::is_array(self)
    }
    fn items(&self) -> Option<Vec<JsValue>> {
        if !Array::is_array(self) {
            return None;
        }
        // A loop of pushes: no iterator adapter instantiated for one collection.
        let array: &Array = self.unchecked_ref();
        let mut out = Vec::new();
        for at in 0..array.length() {
            out.push(array.get(at));
        }
        Some(out)
    }
    fn object_json(&self) -> Option<String> {
        stringify(self)
    }
    fn keys(&self) -> Vec<String> {
        if !Obj::is_object(self) {
            return Vec::new();
        }
        let keys = Object::keys(self.unchecked_ref::<Object>());
        let mut out = Vec::new();
        for at in 0..keys.length() {
            if let Some(key) = keys.get(at).as_string() {
                out.push(key);
            }
        }
        out
    }
}

/// Copies made of JS values: new arrays and objects (see [`crate::core::hooks::shown`]).
#[cfg(feature = "descope")]
impl Fresh for JsValue {
    fn new_list() -> JsValue {
        Array::new().into()
    }
    fn new_map() -> JsValue {
        Object::new().into()
    }
    fn push(&mut self, item: JsValue) {
        self.unchecked_ref::<Array>().push(&item);
    }
    fn insert(&mut self, key: &str, value: JsValue) {
        set(self, key, &value);
    }
}

/// Freezes `value` and everything reachable from it (a parsed JSON value: no cycles, no
/// accessors), without recursion.
pub fn deep_freeze(value: &JsValue) {
    let mut stack = vec![value.clone()];
    while let Some(next) = stack.pop() {
        if !next.is_object() {
            continue;
        }
        let object: &Object = next.unchecked_ref();
        Object::freeze(object);
        let values = Object::values(object);
        for at in 0..values.length() {
            stack.push(values.get(at));
        }
    }
}

/// `target[key] = value`; a setter that throws (or a target that is no object) changes nothing.
pub fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// `JSON.stringify(value)` of an object, or `None`.
pub fn stringify(value: &JsValue) -> Option<String> {
    if !Obj::is_object(value) {
        return None;
    }
    JSON::stringify(value).ok().and_then(|s| s.as_string())
}

/// `JSON.parse(text)`, or `undefined`.
pub fn parse(text: &str) -> JsValue {
    // The one `JSON.parse` binding of the crate (the answers' bodies use it too).
    json_parse(&JsValue::from_str(text).unchecked_into()).unwrap_or(JsValue::UNDEFINED)
}

/// The JS `Error` named `SessionError` with the error's fields.
pub fn error(err: &SessionError) -> JsValue {
    let js: JsValue = js_sys::Error::new(&err.message).into();
    // Through the `Reflect.set` of every other member, not a binding of its own.
    set(&js, "name", &"SessionError".into());
    set(&js, "code", &err.code.as_str().into());
    if let Some(status) = err.status {
        set(&js, "status", &status.into());
    }
    if let Some(code) = &err.error_code {
        set(&js, "errorCode", &code.into());
    }
    if let Some(description) = &err.error_description {
        set(&js, "errorDescription", &description.into());
    }
    if let Some(seconds) = err.retry_after {
        set(&js, "retryAfter", &seconds.into());
    }
    // Only Rocket.Chat's two-factor challenge has details.
    #[cfg(feature = "rocketchat")]
    if let Some(details) = &err.details {
        let obj: JsValue = Object::new().into();
        if let Some(method) = &details.method {
            set(&obj, "method", &method.into());
        }
        if let Some(generated) = details.code_generated {
            set(&obj, "codeGenerated", &generated.into());
        }
        if let Some(methods) = &details.available_methods {
            let list: Array = methods.iter().map(|m| JsValue::from_str(m)).collect();
            set(&obj, "availableMethods", &list);
        }
        set(&js, "details", &obj);
    }
    js
}

impl From<SessionError> for JsValue {
    fn from(err: SessionError) -> JsValue {
        error(&err)
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `JSON.parse(text)`, throwing on bad JSON (answers' bodies are read with it too).
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub fn json_parse(text: &js_sys::JsString) -> core::result::Result<JsValue, JsValue>;
}
