//! The data of the Rust API: Descope's wire types as plain structs (camelCase members as
//! snake_case fields), a small JSON [`Value`] for what has no fixed shape (claims, custom
//! attributes), and the [`Snapshot`]. With the `serde` feature they derive `Serialize` and
//! `Deserialize` with Descope's member names, so an app can decode a sign-in response it
//! received as JSON text.
//!
//! Every wire struct keeps the members it has no field for in `extra`, as they came: applying
//! a response or storing a user loses nothing, whichever way it was made (`serde`, `from_js`,
//! or by hand).

use std::collections::BTreeMap;
use std::fmt;

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use super::wire_struct::wire_struct;

/// A struct that, with the `serde` feature, derives `Serialize` and `Deserialize` with its
/// members in camelCase; after `default;`, a missing member takes the field's default.
macro_rules! camel_case {
    (@serde [$($serde:tt)*] $(#[$meta:meta])* pub struct $($rest:tt)*) => {
        #[cfg_attr(
            feature = "serde",
            derive(::serde::Serialize, ::serde::Deserialize),
            serde($($serde)*)
        )]
        $(#[$meta])*
        pub struct $($rest)*
    };
    (default; $($item:tt)*) => {
        camel_case!(@serde [rename_all = "camelCase", default] $($item)*);
    };
    ($($item:tt)*) => {
        camel_case!(@serde [rename_all = "camelCase"] $($item)*);
    };
}
#[cfg(feature = "rocketchat")]
pub(super) use camel_case;

/// `{:?}` of a struct that holds secrets: each field as itself, or as `wrapper(&field)` for a
/// field named `field: wrapper` ([`redacted`], [`Hidden`], [`HiddenExtra`]).
macro_rules! debug_redacted {
    ($name:ident { $($field:ident $(: $wrapper:ident)?),* $(,)? }) => {
        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($name))
                    $(.field(
                        stringify!($field),
                        &$($wrapper)?(&self.$field),
                    ))*
                    .finish()
            }
        }
    };
}
pub(super) use debug_redacted;

/// A JSON value, for what has no fixed shape: claims, custom attributes, members of a response
/// without a field of their own. Objects are maps sorted by key (the order of members is not
/// kept).
///
/// ```
/// use session_keeper::rust::Value;
/// let roles = Value::List(vec![Value::from("admin")]);
/// assert_eq!(roles.as_list().map(|r| r.len()), Some(1));
/// assert_eq!(roles.as_list().unwrap()[0].as_str(), Some("admin"));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize), serde(untagged))]
pub enum Value {
    /// `null`
    #[default]
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number (JS numbers are `f64`).
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    List(Vec<Value>),
    /// An object.
    Map(BTreeMap<String, Value>),
}

impl Value {
    /// The string, when this is one.
    ///
    /// ```
    /// use session_keeper::rust::Value;
    /// assert_eq!(Value::from("T-acme").as_str(), Some("T-acme"));
    /// assert_eq!(Value::Null.as_str(), None);
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, when this is one.
    ///
    /// ```
    /// use session_keeper::rust::Value;
    /// assert_eq!(Value::Number(1.7e9).as_f64(), Some(1.7e9));
    /// ```
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The boolean, when this is one.
    ///
    /// ```
    /// use session_keeper::rust::Value;
    /// assert_eq!(Value::Bool(true).as_bool(), Some(true));
    /// ```
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The items, when this is an array.
    ///
    /// ```
    /// use session_keeper::rust::Value;
    /// assert_eq!(Value::List(vec![]).as_list(), Some(&[][..]));
    /// ```
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// The members, when this is an object.
    ///
    /// ```
    /// use session_keeper::rust::Value;
    /// let value = Value::Map([("plan".to_string(), Value::from("pro"))].into());
    /// assert_eq!(value.as_map().map(|m| m.len()), Some(1));
    /// ```
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(members) => Some(members),
            _ => None,
        }
    }

    /// The member `key`, when this is an object that has it.
    ///
    /// ```
    /// use session_keeper::rust::Value;
    /// let tenant = Value::Map([("roles".to_string(), Value::List(vec!["admin".into()]))].into());
    /// assert!(tenant.get("roles").is_some());
    /// assert!(tenant.get("permissions").is_none());
    /// ```
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_map().and_then(|m| m.get(key))
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::String(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::String(text)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Value {
        Value::Number(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

/// The decoded payload of a session JWT (`sub`, `iss`, `exp`, `dct`, `roles`, `tenants`, …),
/// member by member.
///
/// ```
/// use session_keeper::rust::{Claims, Value};
/// let claims: Claims = [("dct".to_string(), Value::from("T-acme"))].into();
/// assert_eq!(claims.get("dct").and_then(Value::as_str), Some("T-acme"));
/// ```
pub type Claims = BTreeMap<String, Value>;

/// What `{:?}` shows of a secret (a token, a code, a password), whatever it holds.
pub(super) fn redacted<T>(_secret: &T) -> &'static str {
    "…"
}

/// Shows a token as `"…"`: a `{:?}` of a response must not print it (API.md §5).
struct Hidden<'a>(&'a Option<String>);

impl fmt::Debug for Hidden<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(_) => f.write_str("Some(\"…\")"),
            None => f.write_str("None"),
        }
    }
}

/// The members of `extra` with the tokens hidden.
struct HiddenExtra<'a>(&'a BTreeMap<String, Value>);

impl fmt::Debug for HiddenExtra<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (key, value) in self.0 {
            if crate::core::hooks::TOKEN_FIELDS.contains(&key.as_str()) {
                map.entry(key, &"…");
            } else {
                map.entry(key, value);
            }
        }
        map.finish()
    }
}

wire_struct! {
    /// Every sign-in, verify, refresh and tenant-select answer of Descope (`JWTResponse`), as
    /// [`Session::apply`](super::Session::apply) takes it and [`Session::refresh`](super::Session::refresh)
    /// answers it. `{:?}` does not print the tokens.
    ///
    /// ```
    /// use session_keeper::JwtResponse;
    /// let response = JwtResponse {
    ///     session_jwt: Some("eyJ…".into()),
    ///     next_refresh_seconds: Some(300.0),
    ///     ..JwtResponse::default()
    /// };
    /// assert!(!format!("{response:?}").contains("eyJ"));
    /// ```
    ///
    /// With the `serde` feature, decode the JSON text of a sign-in answer (then
    /// `session.apply(&response)?`):
    #[cfg_attr(
        feature = "serde",
        doc = r##"
```
use session_keeper::JwtResponse;
let text = r#"{"sessionJwt": "eyJ…", "refreshJwt": "eyJ…", "user": {"name": "Ada"}}"#;
let response: JwtResponse = serde_json::from_str(text).unwrap();
assert_eq!(response.user.and_then(|u| u.name).as_deref(), Some("Ada"));
```
"##
    )]
    #[derive(Clone, Default, PartialEq)]
    pub struct JwtResponse {
        /// `sessionJwt`: the session token.
        pub session_jwt: Option<String> = "sessionJwt",
        /// `refreshJwt`: the refresh token (absent when the server keeps it in an httpOnly cookie).
        pub refresh_jwt: Option<String> = "refreshJwt",
        /// `cookieDomain`
        pub cookie_domain: Option<String> = "cookieDomain",
        /// `cookiePath`
        pub cookie_path: Option<String> = "cookiePath",
        /// `cookieMaxAge`, seconds.
        pub cookie_max_age: Option<f64> = "cookieMaxAge",
        /// `cookieExpiration`, epoch seconds.
        pub cookie_expiration: Option<f64> = "cookieExpiration",
        /// `sessionExpiration`, epoch seconds.
        pub session_expiration: Option<f64> = "sessionExpiration",
        /// `nextRefreshSeconds`: seconds until the client should refresh.
        pub next_refresh_seconds: Option<f64> = "nextRefreshSeconds",
        /// `cookieName`: the name of the refresh token cookie.
        pub cookie_name: Option<String> = "cookieName",
        /// `sessionCookieName`: the name of the session token cookie.
        pub session_cookie_name: Option<String> = "sessionCookieName",
        /// `sessionCookieDomain`
        pub session_cookie_domain: Option<String> = "sessionCookieDomain",
        /// `firstSeen`: the user signed up with this call.
        pub first_seen: Option<bool> = "firstSeen",
        /// `user`
        pub user: Option<User> = "user",
    }
    /// The other members (`claims`, `idpResponse`, `trustedDeviceJwt`, …), as they came.
    extra
}

debug_redacted!(JwtResponse {
    session_jwt: Hidden,
    refresh_jwt: Hidden,
    cookie_domain,
    cookie_path,
    cookie_max_age,
    cookie_expiration,
    session_expiration,
    next_refresh_seconds,
    cookie_name,
    session_cookie_name,
    session_cookie_domain,
    first_seen,
    user,
    extra: HiddenExtra,
});

wire_struct! {
    /// A Descope user, as [`Session::me`](super::Session::me), every JWT response and the
    /// [`Snapshot`] carry it.
    ///
    /// ```
    /// use session_keeper::User;
    /// let user = User { name: Some("Ada".into()), ..User::default() };
    /// assert_eq!(user.name.as_deref(), Some("Ada"));
    /// ```
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct User {
        /// `loginIds`
        pub login_ids: Option<Vec<String>> = "loginIds",
        /// `userId`
        pub user_id: Option<String> = "userId",
        /// `name`
        pub name: Option<String> = "name",
        /// `givenName`
        pub given_name: Option<String> = "givenName",
        /// `middleName`
        pub middle_name: Option<String> = "middleName",
        /// `familyName`
        pub family_name: Option<String> = "familyName",
        /// `email`
        pub email: Option<String> = "email",
        /// `phone`
        pub phone: Option<String> = "phone",
        /// `verifiedEmail`
        pub verified_email: Option<bool> = "verifiedEmail",
        /// `verifiedPhone`
        pub verified_phone: Option<bool> = "verifiedPhone",
        /// `picture`: a URL.
        pub picture: Option<String> = "picture",
        /// `roleNames`: project-level roles.
        pub role_names: Option<Vec<String>> = "roleNames",
        /// `permissions`: project-level permissions.
        pub permissions: Option<Vec<String>> = "permissions",
        /// `userTenants`: the user's tenants and roles in each.
        pub user_tenants: Option<Vec<UserTenant>> = "userTenants",
        /// `status`: `"enabled"`, `"disabled"` or `"invited"`.
        pub status: Option<String> = "status",
        /// `createdTime`, epoch seconds.
        pub created_time: Option<f64> = "createdTime",
        /// `customAttributes`: strings, numbers, booleans or arrays.
        pub custom_attributes: Option<BTreeMap<String, Value>> = "customAttributes",
    }
    /// The other members (`externalIds`, `TOTP`, `OAuth`, `SAML`, …), as they came.
    extra
}

wire_struct! {
    /// A user's membership in one tenant (`User::user_tenants`).
    ///
    /// ```
    /// use session_keeper::rust::UserTenant;
    /// let tenant = UserTenant { tenant_id: Some("T-acme".into()), ..UserTenant::default() };
    /// assert_eq!(tenant.tenant_id.as_deref(), Some("T-acme"));
    /// ```
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct UserTenant {
        /// `tenantId`
        pub tenant_id: Option<String> = "tenantId",
        /// `tenantName`
        pub tenant_name: Option<String> = "tenantName",
        /// `roleNames`
        pub role_names: Option<Vec<String>> = "roleNames",
        /// `permissions`
        pub permissions: Option<Vec<String>> = "permissions",
    }
    /// The other members, as they came.
    extra
}

wire_struct! {
    /// One sign-in of the user, from [`Session::history`](super::Session::history).
    ///
    /// ```
    /// use session_keeper::rust::UserHistory;
    /// let entry = UserHistory { city: Some("Lisbon".into()), ..UserHistory::default() };
    /// assert_eq!(entry.city.as_deref(), Some("Lisbon"));
    /// ```
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct UserHistory {
        /// `userId`
        pub user_id: Option<String> = "userId",
        /// `loginTime`, epoch seconds.
        pub login_time: Option<f64> = "loginTime",
        /// `city`
        pub city: Option<String> = "city",
        /// `country`
        pub country: Option<String> = "country",
        /// `ip`
        pub ip: Option<String> = "ip",
    }
    /// The other members, as they came.
    extra
}

wire_struct! {
    /// A tenant of the user, from [`Session::my_tenants`](super::Session::my_tenants).
    ///
    /// ```
    /// use session_keeper::rust::Tenant;
    /// let tenant = Tenant { id: Some("T-acme".into()), ..Tenant::default() };
    /// assert_eq!(tenant.id.as_deref(), Some("T-acme"));
    /// ```
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct Tenant {
        /// `id`
        pub id: Option<String> = "id",
        /// `name`
        pub name: Option<String> = "name",
        /// `customAttributes`
        pub custom_attributes: Option<BTreeMap<String, Value>> = "customAttributes",
    }
    /// The other members, as they came.
    extra
}

camel_case! {
    default;
    /// The answer of [`Session::exchange_access_key`](super::Session::exchange_access_key).
    /// `{:?}` does not print the token.
    ///
    /// ```
    /// use session_keeper::rust::AccessKeyExchange;
    /// let answer = AccessKeyExchange { key_id: "K1".into(), ..AccessKeyExchange::default() };
    /// assert_eq!(answer.key_id, "K1");
    /// ```
    #[derive(Clone, Default, PartialEq)]
    pub struct AccessKeyExchange {
        /// `keyId`
        pub key_id: String,
        /// `sessionJwt`: a session token for the access key (not stored by the session).
        pub session_jwt: String,
        /// `expiration`, epoch seconds.
        #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
        pub expiration: Option<f64>,
    }
}

debug_redacted!(AccessKeyExchange {
    key_id,
    session_jwt: redacted,
    expiration
});

camel_case! {
    default;
    /// The state for UI frameworks, as [`Session::snapshot`](super::Session::snapshot) and
    /// [`Session::subscribe`](super::Session::subscribe) give it: no tokens.
    ///
    /// ```
    /// use session_keeper::Snapshot;
    /// let signed_out = Snapshot::default();
    /// assert!(!signed_out.is_authenticated && signed_out.user.is_none());
    /// ```
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct Snapshot {
        /// A non-expired session token is held.
        pub is_authenticated: bool,
        /// The signed-in user.
        pub user: Option<User>,
        /// The decoded payload of the session JWT.
        pub claims: Option<Claims>,
        /// The selected tenant (`dct` claim).
        pub current_tenant: Option<String>,
        /// When the session JWT expires, epoch ms.
        pub expires_at: Option<f64>,
    }
}

/// One answer to a security question ([`SecurityQuestions::answers`]).
///
/// ```
/// use session_keeper::rust::SecurityAnswer;
/// let answer = SecurityAnswer { question_id: "q1".into(), answer: "Rex".into() };
/// assert_eq!(answer.question_id, "q1");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SecurityAnswer {
    /// `questionId`
    pub question_id: String,
    /// `answer`
    pub answer: String,
}

debug_redacted!(SecurityAnswer {
    question_id,
    answer: redacted
});

/// The argument of [`Session::verify_security_questions`](super::Session::verify_security_questions),
/// sent as the request body. `{:?}` does not print the answers.
///
/// ```
/// use session_keeper::rust::{SecurityAnswer, SecurityQuestions};
/// let request = SecurityQuestions {
///     login_id: Some("ada@example.com".into()),
///     answers: vec![SecurityAnswer { question_id: "q1".into(), answer: "Rex".into() }],
///     stepup: None,
/// };
/// assert_eq!(request.answers.len(), 1);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecurityQuestions {
    /// `loginId`
    pub login_id: Option<String>,
    /// `answers`
    pub answers: Vec<SecurityAnswer>,
    /// `stepup`
    pub stepup: Option<bool>,
}

/// Options of a sign-in that Descope applies to the issued token
/// ([`Session::exchange_access_key`](super::Session::exchange_access_key)).
///
/// ```
/// use session_keeper::rust::{LoginOptions, Value};
/// let options = LoginOptions {
///     custom_claims: Some([("plan".to_string(), Value::from("pro"))].into()),
///     ..LoginOptions::default()
/// };
/// assert!(options.custom_claims.is_some());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoginOptions {
    /// `stepup`
    pub stepup: Option<bool>,
    /// `mfa`
    pub mfa: Option<bool>,
    /// `customClaims`: extra claims for the session JWT.
    pub custom_claims: Option<BTreeMap<String, Value>>,
    /// `templateOptions`
    pub template_options: Option<BTreeMap<String, Value>>,
}

/// Which tenants [`Session::my_tenants`](super::Session::my_tenants) asks about.
///
/// ```
/// use session_keeper::rust::TenantQuery;
/// let query = TenantQuery::Ids(vec!["T-acme".into()]);
/// assert_ne!(query, TenantQuery::Current);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TenantQuery {
    /// The selected tenant (`dct`): JS `myTenants(true)`.
    Current,
    /// These tenants: JS `myTenants(ids)`.
    Ids(Vec<String>),
}

#[cfg(all(test, feature = "serde"))]
mod tests {
    use super::*;

    #[test]
    fn a_sign_in_answer_decodes_with_every_member_kept() {
        let text = r#"{
            "sessionJwt": "s.t.x", "refreshJwt": "r.t.x", "cookieDomain": "", "cookiePath": "/",
            "cookieMaxAge": 2592000, "cookieExpiration": 1900000000, "sessionExpiration": 1800000000,
            "nextRefreshSeconds": 300, "cookieName": "DSR", "sessionCookieName": "DS",
            "firstSeen": false, "claims": {"sub": "U1"}, "trustedDeviceJwt": "d.t.x",
            "user": {"loginIds": ["ada@example.com"], "userId": "U1", "name": "Ada",
                     "verifiedEmail": true, "userTenants": [{"tenantId": "T1", "roleNames": ["admin"], "x": 1}],
                     "customAttributes": {"plan": "pro", "seats": 3, "beta": true, "tags": ["a"]},
                     "TOTP": false, "OAuth": {"google": true}}
        }"#;
        let response: JwtResponse = serde_json::from_str(text).unwrap();
        assert_eq!(response.session_jwt.as_deref(), Some("s.t.x"));
        assert_eq!(response.cookie_max_age, Some(2_592_000.0));
        assert_eq!(response.next_refresh_seconds, Some(300.0));
        assert_eq!(response.first_seen, Some(false));
        assert_eq!(
            response.extra.get("trustedDeviceJwt"),
            Some(&Value::from("d.t.x"))
        );
        assert_eq!(
            response.extra["claims"].get("sub").and_then(Value::as_str),
            Some("U1")
        );
        let user = response.user.as_ref().unwrap();
        assert_eq!(
            user.login_ids.as_deref(),
            Some(&["ada@example.com".into()][..])
        );
        assert_eq!(user.verified_email, Some(true));
        let tenants = user.user_tenants.as_ref().unwrap();
        assert_eq!(tenants[0].tenant_id.as_deref(), Some("T1"));
        assert_eq!(tenants[0].extra["x"], Value::Number(1.0));
        let attributes = user.custom_attributes.as_ref().unwrap();
        assert_eq!(attributes["seats"], Value::Number(3.0));
        assert_eq!(attributes["beta"], Value::Bool(true));
        assert_eq!(attributes["tags"], Value::List(vec!["a".into()]));
        assert_eq!(user.extra["TOTP"], Value::Bool(false));
        assert_eq!(user.extra["OAuth"].get("google"), Some(&Value::Bool(true)));
        // Serialized again: the same members (numbers as JSON numbers), nothing added.
        let again: serde_json::Value = serde_json::to_value(&response).unwrap();
        let original: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(normalize(again), normalize(original));
        // And the tokens stay out of `{:?}`.
        let debug = format!("{response:?}");
        assert!(!debug.contains("s.t.x") && !debug.contains("r.t.x") && !debug.contains("d.t.x"));
    }

    /// Numbers as `f64`, so that `3` and `3.0` compare equal.
    fn normalize(value: serde_json::Value) -> serde_json::Value {
        use serde_json::Value as J;
        match value {
            J::Number(n) => J::from(n.as_f64().unwrap()),
            J::Array(items) => J::Array(items.into_iter().map(normalize).collect()),
            J::Object(members) => J::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (k, normalize(v)))
                    .collect(),
            ),
            other => other,
        }
    }

    #[test]
    fn a_wrongly_typed_member_is_a_decoding_error() {
        assert!(serde_json::from_str::<JwtResponse>(r#"{"sessionJwt": 42}"#).is_err());
        assert!(serde_json::from_str::<User>(r#"{"name": ["Ada"]}"#).is_err());
    }

    #[test]
    fn null_members_are_absent() {
        let user: User = serde_json::from_str(r#"{"name": null, "email": "a@b.c"}"#).unwrap();
        assert_eq!((user.name, user.email.as_deref()), (None, Some("a@b.c")));
    }

    /// Framework state (Leptos signals) needs `Send + Sync` values: the README's recipes rely
    /// on it.
    #[test]
    fn snapshots_are_send_and_sync() {
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<Snapshot>();
    }

    #[test]
    fn snapshots_serialize_with_camel_case_members() {
        let snapshot = Snapshot {
            is_authenticated: true,
            current_tenant: Some("T1".into()),
            ..Snapshot::default()
        };
        let text = serde_json::to_string(&snapshot).unwrap();
        assert!(text.contains(r#""isAuthenticated":true"#), "{text}");
        assert!(text.contains(r#""currentTenant":"T1""#), "{text}");
        assert_eq!(serde_json::from_str::<Snapshot>(&text).unwrap(), snapshot);
    }
}
