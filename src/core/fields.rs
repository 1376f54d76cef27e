#![allow(missing_docs)] // The fields mirror Descope's documented wire format one to one.

//! The fields of Descope's answers that the session acts on, read through [`Obj`] (a JS
//! object in the browser, JSON in native tests); and the shapes of the other answers checked.

use super::error::{ErrorCode, Result, SessionError};
use super::obj::{opt_number, opt_string, Obj, Wrong};

/// The fields of a [`JwtResponse`] that the library acts on; everything else passes through
/// to JS untouched.
///
/// ```
/// use session_keeper::core::testing::parse;
/// use session_keeper::core::fields::JwtFields;
/// let response = parse(
///     r#"{"sessionJwt": "eyJ.eyJ.sig", "nextRefreshSeconds": 300, "user": {"name": "Ada"}}"#,
/// );
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
/// use session_keeper::{core::fields::JWT_FIELD_NAMES, types::JwtResponse};
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
    /// ```
    /// use session_keeper::core::testing::parse;
    /// use session_keeper::{core::fields::JwtFields, ErrorCode};
    /// let response = parse(r#"{"sessionJwt": 42}"#);
    /// let err = JwtFields::read(&response).unwrap_err();
    /// assert_eq!(err.code, ErrorCode::InvalidResponse);
    /// assert_eq!(err.message, "`sessionJwt` must be a string");
    /// ```
    // Filled in place on purpose (see below).
    #[allow(clippy::field_reassign_with_default)]
    pub fn read<O: Obj>(o: &O) -> Result<JwtFields> {
        if !o.is_object() {
            return Err(SessionError::invalid_response("not a JWTResponse"));
        }
        let s = |key| opt_string(o, key).map_err(|w| invalid(w, "a string"));
        // Descope sends `""` for the cookie settings a project does not use: absent.
        let setting = |key| s(key).map(|v| v.filter(|v: &String| !v.is_empty()));
        let n = |key| opt_number(o, key).map_err(|w| invalid(w, "a number"));
        // Filled in place: an error drops one struct, not each field read before it.
        let mut f = JwtFields::default();
        f.session_jwt = s("sessionJwt")?;
        f.refresh_jwt = s("refreshJwt")?;
        f.cookie_domain = setting("cookieDomain")?;
        f.cookie_path = setting("cookiePath")?;
        f.cookie_max_age = n("cookieMaxAge")?;
        f.cookie_expiration = n("cookieExpiration")?;
        f.session_expiration = n("sessionExpiration")?;
        f.next_refresh_seconds = n("nextRefreshSeconds")?;
        f.cookie_name = setting("cookieName")?;
        f.session_cookie_name = setting("sessionCookieName")?;
        f.session_cookie_domain = setting("sessionCookieDomain")?;
        Ok(f)
    }
}

fn invalid(wrong: Wrong, what: &str) -> SessionError {
    SessionError::new(ErrorCode::InvalidResponse, wrong.message(what))
}

/// Checks `{keyId, sessionJwt, expiration?}`.
///
/// ```
/// use session_keeper::core::testing::parse;
/// use session_keeper::core::fields::check_access_key_response;
/// let ok = parse(r#"{"keyId": "K1", "sessionJwt": "eyJ.eyJ.sig"}"#);
/// assert!(check_access_key_response(&ok).is_ok());
/// let partial = parse(r#"{"keyId": "K1"}"#);
/// assert!(check_access_key_response(&partial).is_err());
/// ```
pub fn check_access_key_response<O: Obj>(o: &O) -> Result<()> {
    let ok = o.is_object()
        && o.field("keyId").and_then(|v| v.string()).is_some()
        && o.field("sessionJwt").and_then(|v| v.string()).is_some()
        && opt_number(o, "expiration").is_ok();
    ok.then_some(())
        .ok_or(SessionError::invalid_response("invalid access key answer"))
}

/// Checks `{loginId?: string, answers: {questionId: string, answer: string}[], stepup?: boolean}`.
///
/// ```
/// use session_keeper::core::testing::parse;
/// use session_keeper::core::fields::check_security_questions_request;
/// let ok = parse(r#"{"answers": [{"questionId": "q1", "answer": "Rex"}]}"#);
/// assert!(check_security_questions_request(&ok).is_ok());
/// let bad = parse(r#"{"answers": [{"questionId": "q1"}]}"#);
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
        && super::obj::opt_bool(o, "stepup").is_ok();
    ok.then_some(())
        .ok_or(SessionError::invalid_argument("invalid request"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::parse;

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
    fn empty_cookie_settings_count_as_absent() {
        // What Descope answers for a project that sets no cookie domain, path or names.
        let f = JwtFields::read(&parse(
            r#"{"sessionJwt":"s","cookieDomain":"example.com","sessionCookieDomain":"",
                "cookiePath":"","cookieName":"","sessionCookieName":""}"#,
        ))
        .unwrap();
        assert_eq!(f.cookie_domain.as_deref(), Some("example.com"));
        assert_eq!(f.session_cookie_domain, None);
        assert_eq!(f.cookie_path, None);
        assert_eq!(f.cookie_name, None);
        assert_eq!(f.session_cookie_name, None);
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
