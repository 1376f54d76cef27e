//! Decoding an HTTP answer into what a session acts on: the status, the `Retry-After` header and
//! the parsed body in, a [`Reply`] or a [`SessionError`] out. The shell (and the simulator) only
//! transport: they hand over what came back, and feed the result to the session as
//! [`Input::Answer`](crate::core::Input::Answer).

use super::error::{parse_retry_after, Result, SessionError};
use super::io::{Expect, Reply};
use super::obj::Obj;

/// What a request brought back.
pub struct Http<'a, O> {
    /// The HTTP status.
    pub status: u16,
    /// The `Retry-After` header, as sent.
    pub retry_after: Option<&'a str>,
    /// The body parsed as JSON; a value that reads as absent (JS `undefined`, JSON `null`)
    /// when it was empty or not JSON.
    pub body: &'a O,
    /// The body was not empty and not JSON.
    pub garbled: bool,
}

/// Decodes an answer as the request expected, at time `now` (for an HTTP-date `Retry-After`).
///
/// ```
/// use session_keeper::core::answer::{decode, Http};
/// use session_keeper::core::{testing::parse, Expect, Reply};
/// use session_keeper::ErrorCode;
/// let body = parse(r#"{"errorCode": "E061005", "errorDescription": "Too many"}"#);
/// let http = Http { status: 429, retry_after: Some("30"), body: &body, garbled: false };
/// let err = decode(Expect::Jwt, &http, 0.0).unwrap_err();
/// assert_eq!((err.code, err.retry_after), (ErrorCode::RateLimited, Some(30.0)));
/// let body = parse(r#"[{"loginTime": 1}]"#);
/// let http = Http { status: 200, retry_after: None, body: &body, garbled: false };
/// assert_eq!(decode(Expect::List, &http, 0.0).unwrap(), Reply::Data);
/// ```
pub fn decode<O: Obj>(expect: Expect, http: &Http<'_, O>, now: f64) -> Result<Reply> {
    let Http {
        status,
        body,
        garbled,
        ..
    } = *http;
    if !(200..300).contains(&status) {
        let retry_after = http.retry_after.and_then(|v| parse_retry_after(v, now));
        #[cfg(feature = "rocketchat")]
        if expect.rocket_chat() {
            return Err(super::rc::rules::classify(status, body).into_error(status, retry_after));
        }
        return Err(error(status, body, retry_after));
    }
    if garbled {
        let mut err = SessionError::invalid_response("not JSON");
        err.status = Some(status);
        return Err(err);
    }
    let wrong = |what: &'static str| Err(SessionError::invalid_response(what));
    match expect {
        #[cfg(feature = "descope")]
        Expect::MaybeJwt if body.is_object() && body.field("sessionJwt").is_none() => {
            Ok(Reply::Data)
        }
        // Anything but an object is "not a JWTResponse" (`JwtFields::read`).
        #[cfg(feature = "descope")]
        Expect::Jwt | Expect::MaybeJwt => super::fields::JwtFields::read(body).map(|fields| {
            let user = body.field("user").and_then(|u| u.object_json());
            Reply::Jwt(Box::new(super::io::JwtReply { fields, user }))
        }),
        #[cfg(feature = "descope")]
        Expect::User => match body.object_json() {
            Some(user) => Ok(Reply::User(user)),
            None => wrong("not an object"),
        },
        #[cfg(feature = "descope")]
        Expect::List if body.is_list() => Ok(Reply::Data),
        #[cfg(feature = "descope")]
        Expect::List => wrong("not a list"),
        #[cfg(feature = "descope")]
        Expect::Object if body.is_object() => Ok(Reply::Data),
        #[cfg(feature = "descope")]
        Expect::Object => wrong("not an object"),
        #[cfg(feature = "descope")]
        Expect::AccessKey => super::fields::check_access_key_response(body).map(|()| Reply::Data),
        #[cfg(feature = "rocketchat")]
        Expect::RcLogin => {
            let data = body.field("data");
            let member = |key| {
                data.as_ref()
                    .and_then(|d| d.field(key))
                    .and_then(|v| v.string())
            };
            match super::rc::rules::Credentials::from_parts(member("userId"), member("authToken")) {
                Some(c) => Ok(Reply::RcLogin(c.user_id, c.auth_token)),
                None => wrong("the login answer has no usable data.userId and data.authToken"),
            }
        }
        #[cfg(feature = "rocketchat")]
        Expect::RcSuccess if !super::rc::rules::logged_out(body) => {
            wrong("the answer does not say success: true")
        }
        // Anything (logout), and the requests of the other entry, which this one never sends.
        _ => Ok(Reply::Data),
    }
}

/// The member of the body a successful call resolves with, when not the whole body: a
/// Rocket.Chat login resolves with its `data`.
pub fn resolved_member(expect: Expect) -> Option<&'static str> {
    (expect == Expect::RcLogin).then_some("data")
}

/// A Descope error answer (`{errorCode, errorDescription, errorMessage}`) as an error.
fn error<O: Obj>(status: u16, body: &O, retry_after: Option<f64>) -> SessionError {
    let text = |key| body.field(key).and_then(|v| v.string());
    let mut err = SessionError::http(status, retry_after);
    err.error_code = text("errorCode");
    err.error_description = text("errorDescription");
    if let Some(message) = text("errorMessage")
        .or_else(|| err.error_description.clone())
        .filter(|m| !m.is_empty() && m.len() < 500)
    {
        err.message = message.into();
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::ErrorCode;
    use crate::core::testing::parse;

    fn answer(expect: Expect, status: u16, body: &str) -> Result<Reply> {
        let garbled = !body.is_empty() && serde_json::from_str::<serde_json::Value>(body).is_err();
        let value = if body.is_empty() || garbled {
            serde_json::Value::Null
        } else {
            parse(body)
        };
        let http = Http {
            status,
            retry_after: None,
            body: &value,
            garbled,
        };
        decode(expect, &http, 0.0)
    }

    #[test]
    fn statuses_become_errors_with_descope_fields() {
        let err = answer(
            Expect::Jwt,
            401,
            r#"{"errorCode":"E061004","errorDescription":"Invalid","errorMessage":"Refresh token revoked"}"#,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::Unauthorized);
        assert_eq!(err.status, Some(401));
        assert_eq!(err.error_code.as_deref(), Some("E061004"));
        assert_eq!(err.message, "Refresh token revoked");
        // A server's text is shown when it is short (under 500 bytes), else the code's own.
        for (len, shown) in [(499, true), (500, false)] {
            let text = "x".repeat(len);
            let body = ["{\"errorMessage\":\"", &text, "\"}"].concat();
            let err = answer(Expect::Jwt, 401, &body).unwrap_err();
            assert_eq!(err.message == text, shown, "{len}");
        }
        for (status, code) in [
            (403, ErrorCode::Forbidden),
            (429, ErrorCode::RateLimited),
            (500, ErrorCode::Http),
            (400, ErrorCode::Http),
        ] {
            assert_eq!(answer(Expect::Any, status, "").unwrap_err().code, code);
            assert_eq!(
                answer(Expect::Any, status, "<html>").unwrap_err().code,
                code
            );
        }
        let body = parse("{}");
        let http = Http {
            status: 503,
            retry_after: Some("Thu, 01 Jan 1970 00:01:00 GMT"),
            body: &body,
            garbled: false,
        };
        assert_eq!(
            decode(Expect::Jwt, &http, 0.0).unwrap_err().retry_after,
            Some(60.0)
        );
    }

    #[test]
    fn bodies_of_the_wrong_shape_are_invalid_responses() {
        for (expect, body) in [
            (Expect::Jwt, "[]"),
            (Expect::Jwt, "\"text\""),
            (Expect::Jwt, r#"{"sessionJwt":5}"#),
            (Expect::Jwt, "{\"sessionJwt\":\"a.b"),
            (Expect::Jwt, ""),
            (Expect::MaybeJwt, "[]"),
            (Expect::MaybeJwt, "null"),
            (Expect::User, "[1]"),
            (Expect::List, "{}"),
            (Expect::Object, "[]"),
            (Expect::AccessKey, r#"{"keyId":"k"}"#),
        ] {
            let err = answer(expect, 200, body).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidResponse, "{expect:?} {body}");
        }
        assert_eq!(
            answer(Expect::Any, 200, "{truncated").unwrap_err().status,
            Some(200)
        );
    }

    #[test]
    fn good_bodies_decode() {
        match answer(
            Expect::Jwt,
            200,
            r#"{"sessionJwt":"s.t.u","refreshJwt":"r","user":{"name":"Ada"}}"#,
        ) {
            Ok(Reply::Jwt(reply)) => {
                assert_eq!(reply.fields.session_jwt.as_deref(), Some("s.t.u"));
                assert_eq!(reply.user.as_deref(), Some(r#"{"name":"Ada"}"#));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(answer(Expect::MaybeJwt, 200, "{}"), Ok(Reply::Data));
        assert!(matches!(
            answer(Expect::MaybeJwt, 200, r#"{"sessionJwt":"s.t.u"}"#),
            Ok(Reply::Jwt(_))
        ));
        assert_eq!(answer(Expect::Object, 200, "{}"), Ok(Reply::Data));
        assert_eq!(
            answer(Expect::User, 200, r#"{"name":"Ada"}"#),
            Ok(Reply::User(r#"{"name":"Ada"}"#.into()))
        );
        assert_eq!(answer(Expect::List, 200, "[]"), Ok(Reply::Data));
        assert_eq!(answer(Expect::Any, 200, ""), Ok(Reply::Data));
        assert_eq!(
            answer(Expect::AccessKey, 200, r#"{"keyId":"k","sessionJwt":"s"}"#),
            Ok(Reply::Data)
        );
    }

    #[test]
    fn rocket_chat_answers() {
        assert_eq!(
            answer(
                Expect::RcLogin,
                200,
                r#"{"status":"success","data":{"userId":"u1","authToken":"t1"}}"#
            ),
            Ok(Reply::RcLogin("u1".into(), "t1".into()))
        );
        assert!(answer(Expect::RcLogin, 200, r#"{"data":{"userId":"u1"}}"#).is_err());
        assert!(answer(Expect::RcSuccess, 200, r#"{"success":false}"#).is_err());
        assert_eq!(
            answer(Expect::RcSuccess, 200, r#"{"success":true}"#),
            Ok(Reply::Data)
        );
        let err = answer(
            Expect::RcSuccess,
            400,
            r#"{"errorType":"totp-required","details":{"method":"totp"}}"#,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::TwoFactorRequired);
        assert_eq!(resolved_member(Expect::RcLogin), Some("data"));
        assert_eq!(resolved_member(Expect::Jwt), None);
    }
}
