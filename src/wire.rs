//! Wire types of Descope's session API and Rocket.Chat's session API. The TypeScript
//! declarations of the package are generated from these definitions.
//!
//! Data the library does not act on (the user object, `idpResponse`, `claims`) stays a JS value
//! and reaches the caller untouched: it is typed here for TypeScript, never re-encoded in wasm.

#![allow(missing_docs)] // The fields mirror Descope's documented wire format one to one.

use std::collections::BTreeMap;

use tsify::Tsify;
use wasm_bindgen::JsValue;

use crate::error::{ErrorCode, Result, SessionError};
use crate::obj::{opt_number, opt_string, Obj, Wrong};

/// Every sign-in, verify, refresh and tenant-select answer of Descope.
///
/// ```js
/// const { sessionJwt, nextRefreshSeconds } = await session.refresh();
/// ```
#[derive(Clone, Debug, Default, Tsify)]
#[serde(rename_all = "camelCase", default)]
#[tsify(rename = "JWTResponse")]
pub struct JwtResponse {
    pub session_jwt: Option<String>,
    pub refresh_jwt: Option<String>,
    pub cookie_domain: Option<String>,
    pub cookie_path: Option<String>,
    /// Seconds.
    pub cookie_max_age: Option<f64>,
    /// Epoch seconds.
    pub cookie_expiration: Option<f64>,
    #[tsify(type = "User")]
    pub user: JsValue,
    pub first_seen: Option<bool>,
    #[tsify(type = "IDPResponse")]
    pub idp_response: JsValue,
    /// Epoch seconds.
    pub session_expiration: Option<f64>,
    pub external_token: Option<String>,
    #[tsify(type = "Record<string, unknown>")]
    pub claims: JsValue,
    #[serde(rename = "tenantSSOID")]
    pub tenant_ssoid: Option<String>,
    pub trusted_device_jwt: Option<String>,
    /// Seconds until the client should refresh.
    pub next_refresh_seconds: Option<f64>,
    /// Name of the refresh token cookie.
    pub cookie_name: Option<String>,
    /// Name of the session token cookie.
    pub session_cookie_name: Option<String>,
    pub session_cookie_domain: Option<String>,
    #[serde(rename = "unsavedSSO")]
    pub unsaved_sso: Option<bool>,
}

/// A Descope user, as `me()` and every JWT response carry it.
///
/// ```js
/// const user = await session.me();
/// console.log(user.name, user.loginIds);
/// ```
#[derive(Clone, Debug, Default, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct User {
    pub login_ids: Option<Vec<String>>,
    pub user_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub verified_email: Option<bool>,
    pub verified_phone: Option<bool>,
    pub role_names: Option<Vec<String>>,
    pub user_tenants: Option<Vec<UserTenants>>,
    pub status: Option<String>,
    pub external_ids: Option<Vec<String>>,
    pub picture: Option<String>,
    pub test: Option<bool>,
    /// Custom attributes: strings, numbers, booleans or arrays.
    #[tsify(type = "Record<string, unknown>")]
    pub custom_attributes: Option<()>,
    /// Epoch seconds.
    pub created_time: Option<f64>,
    #[serde(rename = "TOTP")]
    pub totp: Option<bool>,
    #[serde(rename = "SAML")]
    pub saml: Option<bool>,
    #[serde(rename = "OAuth")]
    #[tsify(type = "Record<string, boolean>")]
    pub oauth: Option<BTreeMap<String, bool>>,
    pub webauthn: Option<bool>,
    pub password: Option<bool>,
    pub sso_app_ids: Option<Vec<String>>,
    pub given_name: Option<String>,
    pub middle_name: Option<String>,
    pub family_name: Option<String>,
    pub editable: Option<bool>,
    #[serde(rename = "SCIM")]
    pub scim: Option<bool>,
    pub push: Option<bool>,
    pub permissions: Option<Vec<String>>,
    #[serde(rename = "OIDC")]
    pub oidc: Option<bool>,
    pub consent_expiration: Option<f64>,
}

/// A user's membership in one tenant.
///
/// ```js
/// const tenantIds = (session.user?.userTenants ?? []).map((t) => t.tenantId);
/// ```
#[derive(Clone, Debug, Default, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct UserTenants {
    pub tenant_id: Option<String>,
    pub role_names: Option<Vec<String>>,
    pub tenant_name: Option<String>,
    pub permissions: Option<Vec<String>>,
}

/// What an identity provider answered, when the sign-in went through SSO or OIDC.
///
/// ```js
/// // `response`: the JWTResponse of an SSO sign-in
/// const groups = response.idpResponse?.idpGroups ?? [];
/// ```
#[derive(Clone, Debug, Default, Tsify)]
#[serde(rename_all = "camelCase", default)]
#[tsify(rename = "IDPResponse")]
pub struct IdpResponse {
    pub saml_response: Option<String>,
    pub saml_generated_user: Option<String>,
    pub saml_generated_roles: Option<String>,
    pub oidc_response: Option<String>,
    pub oidc_generated_user: Option<String>,
    pub oidc_generated_roles: Option<String>,
    pub idp_groups: Option<Vec<String>>,
    #[serde(rename = "idpSAMLAttributes")]
    pub idp_saml_attributes: Option<bool>,
    #[serde(rename = "idpOIDCClaims")]
    #[tsify(type = "Record<string, unknown>")]
    pub idp_oidc_claims: Option<()>,
}

/// One sign-in of the user, from `GET /v1/auth/me/history`.
///
/// ```js
/// const [latest] = await session.history();
/// console.log(latest?.city, latest?.loginTime);
/// ```
#[derive(Clone, Debug, Default, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct UserHistory {
    pub user_id: Option<String>,
    /// Epoch seconds.
    pub login_time: Option<f64>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub ip: Option<String>,
}

/// The answer of `POST /v1/auth/validate`.
///
/// ```js
/// const { parsedJWT } = await session.validate();
/// ```
#[derive(Clone, Debug, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ValidateResponse {
    /// The claims of the validated session JWT.
    #[serde(rename = "parsedJWT")]
    #[tsify(type = "Record<string, unknown>")]
    pub parsed_jwt: (),
}

/// The answer of `POST /v1/auth/accesskey/exchange`.
///
/// ```js
/// const { keyId, sessionJwt, expiration } = await session.exchangeAccessKey(accessKey);
/// ```
#[derive(Clone, Debug, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct AccessKeyExchangeResponse {
    pub key_id: String,
    pub session_jwt: String,
    /// Epoch seconds.
    #[serde(default)]
    #[tsify(optional)]
    pub expiration: Option<f64>,
}

/// Options of a sign-in that Descope applies to the issued token.
///
/// ```js
/// await session.exchangeAccessKey(accessKey, { customClaims: { plan: "pro" } });
/// ```
#[derive(Clone, Debug, Default, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct LoginOptions {
    pub stepup: Option<bool>,
    pub mfa: Option<bool>,
    /// Extra claims for the session JWT.
    #[tsify(type = "Record<string, unknown>")]
    pub custom_claims: Option<()>,
    #[tsify(type = "Record<string, unknown>")]
    pub template_options: Option<()>,
}

/// One answer to a security question.
///
/// ```js
/// const answer = { questionId: "q1", answer: "Rex" };
/// await session.verifySecurityQuestions({ answers: [answer] });
/// ```
#[derive(Clone, Debug, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct SecurityQuestionAnswer {
    pub question_id: String,
    pub answer: String,
}

/// The argument of `verifySecurityQuestions`, sent as the request body.
///
/// ```js
/// await session.verifySecurityQuestions({
///   loginId: "ada@example.com",
///   answers: [{ questionId: "q1", answer: "Rex" }],
/// });
/// ```
#[derive(Clone, Debug, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct SecurityQuestionsVerifyRequest {
    #[serde(default)]
    #[tsify(optional)]
    pub login_id: Option<String>,
    pub answers: Vec<SecurityQuestionAnswer>,
    #[serde(default)]
    #[tsify(optional)]
    pub stepup: Option<bool>,
}

/// The fields of a [`JwtResponse`] that the library acts on; everything else passes through
/// to JS untouched.
///
/// ```no_run
/// use session_keeper::wire::JwtFields;
/// let response = js_sys::JSON::parse(
///     r#"{"sessionJwt": "eyJ.eyJ.sig", "nextRefreshSeconds": 300, "user": {"name": "Ada"}}"#,
/// )
/// .unwrap();
/// let fields = JwtFields::read(&response).unwrap();
/// assert_eq!(fields.session_jwt.as_deref(), Some("eyJ.eyJ.sig"));
/// assert_eq!(fields.next_refresh_seconds, Some(300.0));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JwtFields {
    pub session_jwt: Option<String>,
    pub refresh_jwt: Option<String>,
    pub cookie_domain: Option<String>,
    pub cookie_path: Option<String>,
    pub cookie_max_age: Option<f64>,
    pub cookie_expiration: Option<f64>,
    pub session_expiration: Option<f64>,
    pub next_refresh_seconds: Option<f64>,
    pub cookie_name: Option<String>,
    pub session_cookie_name: Option<String>,
    pub session_cookie_domain: Option<String>,
}

/// The members [`JwtFields::read`] reads, as named on the wire.
///
/// ```
/// use session_keeper::wire::{JwtResponse, JWT_FIELD_NAMES};
/// use tsify::Tsify;
/// // Every one of them is declared (optional) in the TypeScript `JWTResponse`.
/// for name in JWT_FIELD_NAMES {
///     assert!(JwtResponse::DECL.contains(&[name, "?:"].concat()));
/// }
/// ```
pub const JWT_FIELD_NAMES: [&str; 11] = [
    "sessionJwt",
    "refreshJwt",
    "cookieDomain",
    "cookiePath",
    "cookieMaxAge",
    "cookieExpiration",
    "sessionExpiration",
    "nextRefreshSeconds",
    "cookieName",
    "sessionCookieName",
    "sessionCookieDomain",
];

impl JwtFields {
    /// Reads a JWT response; a member of the wrong type is an `invalid_response` error.
    ///
    /// ```no_run
    /// use session_keeper::{wire::JwtFields, ErrorCode};
    /// let response = js_sys::JSON::parse(r#"{"sessionJwt": 42}"#).unwrap();
    /// let err = JwtFields::read(&response).unwrap_err();
    /// assert_eq!(err.code, ErrorCode::InvalidResponse);
    /// assert_eq!(err.message, "`sessionJwt` must be a string");
    /// ```
    pub fn read<O: Obj>(o: &O) -> Result<JwtFields> {
        if !o.is_object() {
            return Err(SessionError::invalid_response(
                "the response is not a JWTResponse object",
            ));
        }
        let s = |key| opt_string(o, key).map_err(|w| invalid(w, "a string"));
        let n = |key| opt_number(o, key).map_err(|w| invalid(w, "a number"));
        Ok(JwtFields {
            session_jwt: s("sessionJwt")?,
            refresh_jwt: s("refreshJwt")?,
            cookie_domain: s("cookieDomain")?,
            cookie_path: s("cookiePath")?,
            cookie_max_age: n("cookieMaxAge")?,
            cookie_expiration: n("cookieExpiration")?,
            session_expiration: n("sessionExpiration")?,
            next_refresh_seconds: n("nextRefreshSeconds")?,
            cookie_name: s("cookieName")?,
            session_cookie_name: s("sessionCookieName")?,
            session_cookie_domain: s("sessionCookieDomain")?,
        })
    }
}

fn invalid(wrong: Wrong, what: &str) -> SessionError {
    SessionError::new(ErrorCode::InvalidResponse, wrong.message(what))
}

/// Checks `{keyId, sessionJwt, expiration?}`.
///
/// ```no_run
/// use session_keeper::wire::check_access_key_response;
/// let ok = js_sys::JSON::parse(r#"{"keyId": "K1", "sessionJwt": "eyJ.eyJ.sig"}"#).unwrap();
/// assert!(check_access_key_response(&ok).is_ok());
/// let partial = js_sys::JSON::parse(r#"{"keyId": "K1"}"#).unwrap();
/// assert!(check_access_key_response(&partial).is_err());
/// ```
pub fn check_access_key_response<O: Obj>(o: &O) -> Result<()> {
    let ok = o.is_object()
        && o.field("keyId").and_then(|v| v.string()).is_some()
        && o.field("sessionJwt").and_then(|v| v.string()).is_some()
        && opt_number(o, "expiration").is_ok();
    ok.then_some(()).ok_or(SessionError::invalid_response(
        "the answer is not {keyId, sessionJwt, expiration?}",
    ))
}

/// Checks `{loginId?: string, answers: {questionId: string, answer: string}[], stepup?: boolean}`.
///
/// ```no_run
/// use session_keeper::wire::check_security_questions_request;
/// let ok = js_sys::JSON::parse(r#"{"answers": [{"questionId": "q1", "answer": "Rex"}]}"#).unwrap();
/// assert!(check_security_questions_request(&ok).is_ok());
/// let bad = js_sys::JSON::parse(r#"{"answers": [{"questionId": "q1"}]}"#).unwrap();
/// assert!(check_security_questions_request(&bad).is_err());
/// ```
pub fn check_security_questions_request<O: Obj>(o: &O) -> Result<()> {
    let answers_ok = o
        .field("answers")
        .and_then(|a| a.items())
        .is_some_and(|items| {
            items.iter().all(|a| {
                a.field("questionId").and_then(|v| v.string()).is_some()
                    && a.field("answer").and_then(|v| v.string()).is_some()
            })
        });
    let ok = o.is_object()
        && answers_ok
        && opt_string(o, "loginId").is_ok()
        && crate::obj::opt_bool(o, "stepup").is_ok();
    ok.then_some(()).ok_or(SessionError::invalid_argument(
        "the request must be {loginId?: string, answers: {questionId: string, answer: string}[], stepup?: boolean}",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::obj::json::parse;

    #[test]
    fn every_field_read_is_declared_in_the_typescript() {
        for name in JWT_FIELD_NAMES {
            let declared = [name, "?:"].concat();
            assert!(
                <JwtResponse as Tsify>::DECL.contains(&declared),
                "{name} is read but not declared"
            );
        }
    }

    #[test]
    fn reads_the_fields_acted_on() {
        let f = JwtFields::read(&parse(
            r#"{"sessionJwt":"s","refreshJwt":"r","cookieDomain":"d","cookiePath":"/p",
                "cookieMaxAge":60,"cookieExpiration":1.5,"sessionExpiration":2,
                "nextRefreshSeconds":3,"cookieName":"R","sessionCookieName":"S",
                "sessionCookieDomain":"sd","user":{"x":1},"firstSeen":"odd but ignored"}"#,
        ))
        .unwrap();
        assert_eq!(f.session_jwt.as_deref(), Some("s"));
        assert_eq!(f.refresh_jwt.as_deref(), Some("r"));
        assert_eq!(f.cookie_max_age, Some(60.0));
        assert_eq!(f.next_refresh_seconds, Some(3.0));
        assert_eq!(f.session_cookie_domain.as_deref(), Some("sd"));
        assert_eq!(JwtFields::read(&parse("{}")).unwrap(), JwtFields::default());
    }

    #[test]
    fn wrong_types_are_invalid_responses() {
        for (json, field) in [
            (r#"{"sessionJwt":42}"#, "sessionJwt"),
            (r#"{"refreshJwt":{}}"#, "refreshJwt"),
            (r#"{"cookieMaxAge":"60"}"#, "cookieMaxAge"),
            (r#"{"nextRefreshSeconds":[1]}"#, "nextRefreshSeconds"),
            (r#"{"cookieName":true}"#, "cookieName"),
        ] {
            let err = JwtFields::read(&parse(json)).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidResponse);
            assert!(err.message.contains(field), "{}", err.message);
        }
        for json in ["[]", "\"text\"", "3"] {
            assert!(JwtFields::read(&parse(json)).is_err());
        }
    }

    #[test]
    fn request_and_answer_checks() {
        assert!(check_access_key_response(&parse(
            r#"{"keyId":"k","sessionJwt":"s","expiration":1}"#
        ))
        .is_ok());
        assert!(check_access_key_response(&parse(r#"{"keyId":"k"}"#)).is_err());
        assert!(check_access_key_response(&parse(
            r#"{"keyId":"k","sessionJwt":"s","expiration":"x"}"#
        ))
        .is_err());
        assert!(check_security_questions_request(&parse(
            r#"{"answers":[{"questionId":"q","answer":"a"}]}"#
        ))
        .is_ok());
        assert!(check_security_questions_request(&parse(
            r#"{"loginId":"u","answers":[],"stepup":true}"#
        ))
        .is_ok());
        for bad in [
            r#"{}"#,
            r#"{"answers":"a"}"#,
            r#"{"answers":[{"questionId":"q"}]}"#,
            r#"{"answers":[{"questionId":1,"answer":"a"}]}"#,
            r#"{"answers":[],"loginId":5}"#,
            r#"{"answers":[],"stepup":"yes"}"#,
        ] {
            assert!(
                check_security_questions_request(&parse(bad)).is_err(),
                "{bad}"
            );
        }
    }
}
