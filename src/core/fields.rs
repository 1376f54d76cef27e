#![allow(missing_docs)] // The fields mirror Descope's documented wire format one to one.

//! The fields of Descope's answers that the session acts on, read through [`Obj`] (a JS
//! object in the browser, JSON in native tests); and the shapes of the other answers checked.

use super::error::{ErrorCode, Result, SessionError};
use super::obj::{opt_number, opt_string, Obj, Wrong};

/// The members of Descope's JWT response the session acts on, listed once: each field, its
/// name on the wire and how it is read (`string`; `setting`: a string where `""` means
/// absent, as Descope sends the cookie settings a project does not use; `number`). The
/// struct, its reader and [`JWT_FIELD_NAMES`] are written from this list; the TypeScript
/// `JWTResponse` declares each of them (checked by a test in `types`).
macro_rules! jwt_schema {
    ($($field:ident: $wire:literal $kind:ident,)*) => {
        /// The fields of a [`JwtResponse`] that the library acts on; everything else passes
        /// through to JS untouched.
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
        ///
        /// [`JwtResponse`]: crate::types::JwtResponse
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct JwtFields {
            $(pub $field: jwt_schema!(@type $kind),)*
        }

        /// The members [`JwtFields::read`] reads, as named on the wire.
        ///
        /// ```
        /// use session_keeper::{core::fields::JWT_FIELD_NAMES, types::JwtResponse};
        /// use tsify::Tsify;
        /// // Every one of them is declared (optional) in the TypeScript `JWTResponse`.
        /// for &name in JWT_FIELD_NAMES {
        ///     assert!(JwtResponse::DECL.contains(&[name, "?:"].concat()));
        /// }
        /// ```
        pub const JWT_FIELD_NAMES: &[&str] = &[$($wire,)*];

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
            // Filled in place on purpose: an error drops one struct, not each field read
            // before it.
            #[allow(clippy::field_reassign_with_default)]
            pub fn read<O: Obj>(o: &O) -> Result<JwtFields> {
                if !o.is_object() {
                    return Err(SessionError::invalid_response("not a JWTResponse"));
                }
                let mut f = JwtFields::default();
                $(f.$field = jwt_schema!(@read $kind)(o, $wire)?;)*
                Ok(f)
            }
        }
    };
    (@read string) => { read_string };
    (@read setting) => { read_setting };
    (@read number) => { read_number };
    (@type string) => { Option<String> };
    (@type setting) => { Option<String> };
    (@type number) => { Option<f64> };
}

jwt_schema! {
    session_jwt: "sessionJwt" string,
    refresh_jwt: "refreshJwt" string,
    cookie_domain: "cookieDomain" setting,
    cookie_path: "cookiePath" setting,
    cookie_max_age: "cookieMaxAge" number,
    cookie_expiration: "cookieExpiration" number,
    session_expiration: "sessionExpiration" number,
    next_refresh_seconds: "nextRefreshSeconds" number,
    cookie_name: "cookieName" setting,
    session_cookie_name: "sessionCookieName" setting,
    session_cookie_domain: "sessionCookieDomain" setting,
}

fn read_string<O: Obj>(o: &O, key: &'static str) -> Result<Option<String>> {
    opt_string(o, key).map_err(|w| invalid(w, "a string"))
}

fn read_setting<O: Obj>(o: &O, key: &'static str) -> Result<Option<String>> {
    read_string(o, key).map(|v| v.filter(|v| !v.is_empty()))
}

fn read_number<O: Obj>(o: &O, key: &'static str) -> Result<Option<f64>> {
    opt_number(o, key).map_err(|w| invalid(w, "a number"))
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
    let items = o.field("answers").and_then(|a| a.items());
    let mut answers_ok = items.is_some();
    for a in items.as_deref().unwrap_or_default() {
        answers_ok &= a.field("questionId").is_some_and(|v| v.is_string())
            && a.field("answer").is_some_and(|v| v.is_string());
    }
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
