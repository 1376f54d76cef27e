//! HTTP through gloo-net's fetch, and the decoding of answers into the core's [`Reply`]. The
//! core decides the URL, the headers and the timeout (it aborts a request that outlives it);
//! this module only performs the request and reads the answer.

use gloo_net::http::{Method, RequestBuilder};
use js_sys::{Array, JsString};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, RequestCredentials};

use crate::core::error::{parse_retry_after, ErrorCode, Result, SessionError};
use crate::core::fields::{check_access_key_response, JwtFields};
use crate::core::io::{Expect, JwtReply, Reply, Request};
use crate::core::obj::Obj;
use crate::shell::js;

/// An HTTP answer: status, JSON body (`undefined` when empty or not JSON), `Retry-After`.
pub struct Answer {
    status: u16,
    body: JsValue,
    retry_after: Option<f64>,
    /// A 2xx body that is not JSON.
    garbled: bool,
}

/// Sends `req`; only network failures are errors.
pub async fn fetch(req: &Request, signal: Option<&AbortSignal>) -> Result<Answer> {
    let failed = || SessionError::new(ErrorCode::Network, "the request failed: network error");
    let mut builder = RequestBuilder::new(&req.url)
        .method(if req.post { Method::POST } else { Method::GET })
        .credentials(if req.expect.rocket_chat() {
            // Rocket.Chat authenticates by headers and may answer CORS with `*`.
            RequestCredentials::Omit
        } else {
            // So that a refresh cookie the server set httpOnly travels.
            RequestCredentials::Include
        })
        .abort_signal(signal)
        .header("Content-Type", "application/json");
    for (name, value) in &req.headers {
        builder = builder.header(name, value);
    }
    let request = match &req.body {
        Some(body) => builder.body(body.as_str()),
        None => builder.build(),
    }
    .map_err(|_| SessionError::invalid_argument("the request cannot be built"))?;
    let response: web_sys::Response = request.send().await.map_err(|_| failed())?.into();
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .ok()
        .flatten()
        .and_then(|v| parse_retry_after(&v, js_sys::Date::now()));
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise).await.map_err(|_| failed())?,
        Err(_) => JsValue::UNDEFINED,
    };
    let text = text.dyn_ref::<JsString>().filter(|t| t.length() > 0);
    // JSON.parse on the JS string itself: the body is never copied into wasm memory.
    let body = text.and_then(|t| json_parse(t).ok());
    Ok(Answer {
        status,
        garbled: text.is_some() && body.is_none(),
        body: body.unwrap_or(JsValue::UNDEFINED),
        retry_after,
    })
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &JsString) -> core::result::Result<JsValue, JsValue>;
}

/// Decodes an answer as the request expected: the [`Reply`] for the core, and the JS value a
/// call settled with [`Value::Body`](crate::core::Value::Body) resolves with.
pub fn decode(expect: Expect, answer: Result<Answer>) -> (Result<Reply>, JsValue) {
    let answer = match answer {
        Ok(answer) => answer,
        Err(err) => return (Err(err), JsValue::UNDEFINED),
    };
    let Answer {
        status,
        body,
        retry_after,
        garbled,
    } = answer;
    if !(200..300).contains(&status) {
        let err = if expect.rocket_chat() {
            crate::core::rc::rules::classify(status, &body).into_error(status, retry_after)
        } else {
            descope_error(status, &body, retry_after)
        };
        return (Err(err), body);
    }
    if garbled {
        let err = SessionError {
            status: Some(status),
            ..SessionError::invalid_response("the server answered with a body that is not JSON")
        };
        return (Err(err), JsValue::UNDEFINED);
    }
    let wrong = |what: &'static str| Err(SessionError::invalid_response(what));
    let reply = match expect {
        Expect::Jwt if Obj::is_object(&body) => JwtFields::read(&body).map(|fields| {
            let user = body.field("user").and_then(|u| js::stringify(&u));
            Reply::Jwt(Box::new(JwtReply { fields, user }))
        }),
        Expect::Jwt => wrong("the answer is not a JWTResponse object"),
        Expect::User => match js::stringify(&body) {
            Some(user) => Ok(Reply::User(user)),
            None => wrong("the user is not an object"),
        },
        Expect::List if Array::is_array(&body) => Ok(Reply::Data),
        Expect::List => wrong("the answer is not a list"),
        Expect::Object if Obj::is_object(&body) => Ok(Reply::Data),
        Expect::Object => wrong("the answer is not an object"),
        Expect::AccessKey => check_access_key_response(&body).map(|()| Reply::Data),
        Expect::Any | Expect::RcAny => Ok(Reply::Data),
        Expect::RcLogin => {
            let data = body.field("data").unwrap_or(JsValue::UNDEFINED);
            let user_id = data.field("userId").and_then(|v| v.string());
            let token = data.field("authToken").and_then(|v| v.string());
            return match crate::core::rc::rules::Credentials::from_parts(user_id, token) {
                Some(c) => (Ok(Reply::RcLogin(c.user_id, c.auth_token)), data),
                None => (
                    wrong("the login answer has no usable data.userId and data.authToken"),
                    JsValue::UNDEFINED,
                ),
            };
        }
        Expect::RcSuccess if crate::core::rc::rules::logged_out(&body) => Ok(Reply::Data),
        Expect::RcSuccess => wrong("the answer does not say success: true"),
    };
    (reply, body)
}

/// Maps a Descope error answer (`{errorCode, errorDescription, errorMessage}`) to an error.
fn descope_error(status: u16, body: &JsValue, retry_after: Option<f64>) -> SessionError {
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
