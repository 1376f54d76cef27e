//! The Rust API's values to and from JS values, by hand with `js_sys` (no serde in the wasm):
//! what the JS facade takes and answers, and its `SessionError` objects. The wire structs
//! (`JwtResponse`, `User`, …) get theirs where they are declared, from `wire_struct!`.
//!
//! Reading is lenient and loses nothing: a member with a field of its own goes to that field
//! when it has that field's type, and to `extra` as a [`Value`] otherwise (so applying it
//! again gives the core exactly what came, and the core decides). `null` and `undefined`
//! members are absent.

use std::borrow::Cow;
use std::collections::BTreeMap;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use super::data::*;
use super::wire_struct::{is_object, members};
pub(crate) use super::wire_struct::{read, Wire};
use crate::core::error::{ErrorCode, ErrorFields, SessionError, TwoFactorDetails};
use crate::core::hooks::MAX_DEPTH;
use crate::core::obj::Obj;
use crate::shell::js::set;

impl Wire for String {
    fn read(v: &JsValue, _: usize) -> Option<Self> {
        v.as_string()
    }
    fn write(&self) -> JsValue {
        JsValue::from_str(self)
    }
}

impl Wire for bool {
    fn read(v: &JsValue, _: usize) -> Option<Self> {
        v.as_bool()
    }
    fn write(&self) -> JsValue {
        JsValue::from_bool(*self)
    }
}

impl Wire for f64 {
    fn read(v: &JsValue, _: usize) -> Option<Self> {
        v.as_f64()
    }
    fn write(&self) -> JsValue {
        JsValue::from_f64(*self)
    }
}

impl<T: Wire> Wire for Vec<T> {
    fn read(v: &JsValue, depth: usize) -> Option<Self> {
        if !Array::is_array(v) || depth >= MAX_DEPTH {
            return None;
        }
        Array::from(v)
            .iter()
            .map(|item| T::read(&item, depth + 1))
            .collect()
    }
    fn write(&self) -> JsValue {
        self.iter().map(Wire::write).collect::<Array>().into()
    }
}

impl<T: Wire> Wire for BTreeMap<String, T> {
    fn read(v: &JsValue, depth: usize) -> Option<Self> {
        if !is_object(v) || depth >= MAX_DEPTH {
            return None;
        }
        members(v)
            .into_iter()
            .map(|(key, value)| Some((key, T::read(&value, depth + 1)?)))
            .collect()
    }
    fn write(&self) -> JsValue {
        let out: JsValue = Object::new().into();
        for (key, value) in self {
            set(&out, key, &value.write());
        }
        out
    }
}

/// As `JSON.stringify` sees a value: functions, symbols and `undefined` are not JSON (left
/// out of objects, `null` in arrays).
impl Wire for Value {
    fn read(v: &JsValue, depth: usize) -> Option<Self> {
        if v.is_null() {
            return Some(Value::Null);
        }
        if let Some(b) = v.as_bool() {
            return Some(Value::Bool(b));
        }
        if let Some(n) = v.as_f64() {
            return Some(Value::Number(n));
        }
        if let Some(s) = v.as_string() {
            return Some(Value::String(s));
        }
        if depth >= MAX_DEPTH {
            return None;
        }
        if Array::is_array(v) {
            let items = Array::from(v);
            return Some(Value::List(
                items
                    .iter()
                    .map(|item| Value::read(&item, depth + 1).unwrap_or(Value::Null))
                    .collect(),
            ));
        }
        if v.is_object() {
            let keys = Object::keys(v.unchecked_ref::<Object>());
            return Some(Value::Map(
                keys.iter()
                    .filter_map(|key| {
                        let value = Reflect::get(v, &key).ok()?;
                        Some((key.as_string()?, Value::read(&value, depth + 1)?))
                    })
                    .collect(),
            ));
        }
        None
    }
    fn write(&self) -> JsValue {
        match self {
            Value::Null => JsValue::NULL,
            Value::Bool(b) => b.write(),
            Value::Number(n) => n.write(),
            Value::String(s) => s.write(),
            Value::List(items) => items.write(),
            Value::Map(members) => members.write(),
        }
    }
}

impl JwtResponse {
    /// Reads a JWT response from a JS value (e.g. what a Descope SDK's sign-in call resolved
    /// with). Members with a field of their own but another type, and members without a field,
    /// are kept in `extra`; [`Session::apply`](super::Session::apply) refuses what the core
    /// refuses.
    ///
    /// ```no_run
    /// use session_keeper::JwtResponse;
    /// let js = js_sys::JSON::parse(r#"{"sessionJwt": "eyJ…", "nextRefreshSeconds": 300}"#).unwrap();
    /// let response = JwtResponse::from_js(&js).unwrap();
    /// assert_eq!(response.next_refresh_seconds, Some(300.0));
    /// ```
    pub fn from_js(value: &JsValue) -> Result<JwtResponse, SessionError> {
        read(value).ok_or_else(|| SessionError::invalid_response("not a JWTResponse"))
    }

    /// A new JS object with Descope's member names (what the JS API's `apply` takes).
    ///
    /// ```no_run
    /// use session_keeper::JwtResponse;
    /// let response = JwtResponse { next_refresh_seconds: Some(300.0), ..JwtResponse::default() };
    /// let js = response.to_js();
    /// ```
    pub fn to_js(&self) -> JsValue {
        self.write()
    }
}

impl User {
    /// Reads a user from a JS value; `None` when it is not an object.
    ///
    /// ```no_run
    /// use session_keeper::User;
    /// let js = js_sys::JSON::parse(r#"{"name": "Ada", "loginIds": ["ada@example.com"]}"#).unwrap();
    /// assert_eq!(User::from_js(&js).unwrap().name.as_deref(), Some("Ada"));
    /// ```
    pub fn from_js(value: &JsValue) -> Option<User> {
        read(value)
    }

    /// A new JS object with Descope's member names.
    ///
    /// ```no_run
    /// use session_keeper::User;
    /// let js = User { name: Some("Ada".into()), ..User::default() }.to_js();
    /// ```
    pub fn to_js(&self) -> JsValue {
        self.write()
    }
}

impl AccessKeyExchange {
    /// `{keyId, sessionJwt, expiration?}` (the core checked the shape before resolving).
    pub(crate) fn read(v: &JsValue) -> Option<AccessKeyExchange> {
        if !is_object(v) {
            return None;
        }
        let text = |key: &str| v.field(key)?.as_string();
        Some(AccessKeyExchange {
            key_id: text("keyId")?,
            session_jwt: text("sessionJwt")?,
            expiration: v.field("expiration").and_then(|e| e.as_f64()),
        })
    }
}

impl SecurityQuestions {
    /// The request body of `verifySecurityQuestions`.
    pub(crate) fn write(&self) -> JsValue {
        let out: JsValue = Object::new().into();
        if let Some(login_id) = &self.login_id {
            set(&out, "loginId", &login_id.write());
        }
        let answers: Array = self
            .answers
            .iter()
            .map(|a| {
                let answer: JsValue = Object::new().into();
                set(&answer, "questionId", &a.question_id.write());
                set(&answer, "answer", &a.answer.write());
                answer
            })
            .collect();
        set(&out, "answers", &answers);
        if let Some(stepup) = self.stepup {
            set(&out, "stepup", &stepup.write());
        }
        out
    }
}

impl LoginOptions {
    /// The `loginOptions` object of `exchangeAccessKey`.
    pub(crate) fn write(&self) -> Object {
        let out = Object::new();
        let flags = [("stepup", self.stepup), ("mfa", self.mfa)];
        for (key, flag) in flags {
            if let Some(flag) = flag {
                set(&out, key, &flag.write());
            }
        }
        let maps = [
            ("customClaims", &self.custom_claims),
            ("templateOptions", &self.template_options),
        ];
        for (key, map) in maps {
            if let Some(map) = map {
                set(&out, key, &map.write());
            }
        }
        out
    }
}

/// The [`Snapshot`] of a JS snapshot object (`getSnapshot()`, `subscribe`).
pub(crate) fn snapshot(v: &JsValue) -> Snapshot {
    let member = |key: &str| v.field(key).unwrap_or(JsValue::UNDEFINED);
    Snapshot {
        is_authenticated: member("isAuthenticated").as_bool().unwrap_or(false),
        user: read(&member("user")),
        claims: read(&member("claims")),
        current_tenant: member("currentTenant").as_string(),
        expires_at: member("expiresAt").as_f64(),
    }
}

/// The [`SessionError`] of a JS `SessionError` (what the facade's promises reject with).
/// Anything else (never seen: the facade rejects with its own errors only) is an
/// `invalid_response` with the value's `message`, when it has one.
pub(crate) fn error(v: &JsValue) -> SessionError {
    // (A `SessionError`'s members are its own: the facade sets each one.)
    let text = |key: &str| v.field(key).and_then(|m| m.as_string());
    let number = |key: &str| v.field(key).and_then(|m| m.as_f64());
    let code = text("code")
        .and_then(|c| ErrorCode::parse(&c))
        .unwrap_or(ErrorCode::InvalidResponse);
    let message: Cow<'static, str> = match text("message") {
        Some(message) => message.into(),
        None => "unexpected rejection".into(),
    };
    // Rocket.Chat's two-factor challenge (`two_factor_required`).
    let details = v.field("details").filter(is_object).map(|d| {
        let field = |key: &str| d.field(key);
        Box::new(TwoFactorDetails {
            method: field("method").and_then(|m| m.as_string()),
            code_generated: field("codeGenerated").and_then(|g| g.as_bool()),
            available_methods: field("availableMethods").and_then(|m| read(&m)),
        })
    });
    SessionError::from(ErrorFields {
        code,
        message,
        details,
        status: number("status")
            .filter(|s| s.fract() == 0.0 && (0.0..=999.0).contains(s))
            .map(|s| s as u16),
        error_code: text("errorCode"),
        error_description: text("errorDescription"),
        retry_after: number("retryAfter"),
    })
}

/// An answer that is not what the call resolves with.
pub(crate) fn unexpected(what: &'static str) -> SessionError {
    SessionError::invalid_response(what)
}

#[cfg(all(test, feature = "serde"))]
mod tests {
    use super::*;

    /// The wire names the JS conversion uses are the names `serde` uses.
    #[test]
    fn wire_names_are_the_serde_names() {
        fn names<T: serde::Serialize>(value: &T) -> Vec<String> {
            match serde_json::to_value(value).unwrap() {
                serde_json::Value::Object(members) => members.keys().cloned().collect(),
                other => panic!("not an object: {other}"),
            }
        }
        fn sorted(names: &[&str]) -> Vec<String> {
            let mut names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            names.sort();
            names
        }
        let s = || Some(String::new());
        let response = JwtResponse {
            session_jwt: s(),
            refresh_jwt: s(),
            cookie_domain: s(),
            cookie_path: s(),
            cookie_max_age: Some(0.0),
            cookie_expiration: Some(0.0),
            session_expiration: Some(0.0),
            next_refresh_seconds: Some(0.0),
            cookie_name: s(),
            session_cookie_name: s(),
            session_cookie_domain: s(),
            first_seen: Some(true),
            user: Some(User::default()),
            extra: BTreeMap::new(),
        };
        assert_eq!(names(&response), sorted(JwtResponse::WIRE_NAMES));
        let user = User {
            login_ids: Some(vec![]),
            user_id: s(),
            name: s(),
            given_name: s(),
            middle_name: s(),
            family_name: s(),
            email: s(),
            phone: s(),
            verified_email: Some(true),
            verified_phone: Some(true),
            picture: s(),
            role_names: Some(vec![]),
            permissions: Some(vec![]),
            user_tenants: Some(vec![]),
            status: s(),
            created_time: Some(0.0),
            custom_attributes: Some(BTreeMap::new()),
            extra: BTreeMap::new(),
        };
        assert_eq!(names(&user), sorted(User::WIRE_NAMES));
        let tenant = UserTenant {
            tenant_id: s(),
            tenant_name: s(),
            role_names: Some(vec![]),
            permissions: Some(vec![]),
            extra: BTreeMap::new(),
        };
        assert_eq!(names(&tenant), sorted(UserTenant::WIRE_NAMES));
        let entry = UserHistory {
            user_id: s(),
            login_time: Some(0.0),
            city: s(),
            country: s(),
            ip: s(),
            extra: BTreeMap::new(),
        };
        assert_eq!(names(&entry), sorted(UserHistory::WIRE_NAMES));
        let tenant = Tenant {
            id: s(),
            name: s(),
            custom_attributes: Some(BTreeMap::new()),
            extra: BTreeMap::new(),
        };
        assert_eq!(names(&tenant), sorted(Tenant::WIRE_NAMES));
    }
}
