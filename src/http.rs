//! HTTP through gloo-net's fetch: a timeout by `AbortController`, credentials included, JSON
//! decoded by the browser, and error answers mapped to [`SessionError`].

use std::cell::Cell;
use std::rc::Rc;

use gloo_net::http::{Method, RequestBuilder};
use gloo_timers::callback::Timeout;
use js_sys::{JsString, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestCredentials};

use crate::error::{parse_retry_after, ErrorCode, Result, SessionError};

/// One HTTP exchange to perform.
pub struct Call<'a> {
    /// `GET` or `POST`.
    pub method: Method,
    /// Absolute URL.
    pub url: &'a str,
    /// Request headers (name, value); values must be visible ASCII.
    pub headers: &'a [(&'a str, &'a str)],
    /// A JSON body to send (serialized by the browser).
    pub body: Option<&'a JsValue>,
    /// Abort after this many ms.
    pub timeout_ms: u32,
    /// `credentials: "include"` (cookies travel, e.g. Descope's httpOnly refresh cookie), else
    /// `"omit"` (header-authenticated APIs, which may answer CORS with `*`).
    pub include_credentials: bool,
}

/// A non-2xx answer: its status, its parsed JSON body (or `undefined`) and `Retry-After`.
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// The JSON body, or `undefined` when it was not JSON.
    pub body: JsValue,
    /// Seconds from `Retry-After`.
    pub retry_after: Option<f64>,
}

/// The outcome of a call that got an HTTP answer.
pub enum Answer {
    /// 2xx with its JSON body (`undefined` for an empty body).
    Ok(JsValue),
    /// Any other status.
    Refused(Refusal),
}

/// Sends `call`; network failures and timeouts are errors, HTTP answers are an [`Answer`].
pub async fn send(call: Call<'_>) -> Result<Answer> {
    let controller = AbortController::new()
        .map_err(|_| SessionError::new(ErrorCode::Network, "fetch is not available"))?;
    let timed_out = Rc::new(Cell::new(false));
    // Dropping the timer at the end of this function cancels it.
    let _timer = {
        let (controller, timed_out) = (controller.clone(), timed_out.clone());
        Timeout::new(call.timeout_ms, move || {
            timed_out.set(true);
            controller.abort();
        })
    };
    let failed = |timed_out: &Cell<bool>| {
        if timed_out.get() {
            SessionError::new(ErrorCode::Timeout, "the request timed out")
        } else {
            SessionError::new(ErrorCode::Network, "the request failed: network error")
        }
    };

    let mut builder = RequestBuilder::new(call.url)
        .method(call.method)
        .credentials(if call.include_credentials {
            RequestCredentials::Include
        } else {
            RequestCredentials::Omit
        })
        .abort_signal(Some(&controller.signal()));
    for (name, value) in call.headers {
        builder = builder.header(name, value);
    }
    let request = match call.body {
        Some(body) => {
            let text = js_sys::JSON::stringify(body).map_err(|_| {
                SessionError::invalid_argument("the request body cannot be serialized to JSON")
            })?;
            builder.body(text)
        }
        None => builder.build(),
    }
    .map_err(|_| SessionError::invalid_argument("the request cannot be built"))?;

    let response: web_sys::Response = request.send().await.map_err(|_| failed(&timed_out))?.into();
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .ok()
        .flatten()
        .and_then(|v| parse_retry_after(&v, js_sys::Date::now()));

    // The body is read under the same timeout; an empty or non-JSON body is `undefined`.
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .map_err(|_| failed(&timed_out))?,
        Err(_) => JsValue::UNDEFINED,
    };
    let body = text
        .dyn_ref::<JsString>()
        .filter(|t| t.length() > 0)
        .and_then(|t| json_parse(t).ok());

    if (200..300).contains(&status) {
        match body {
            Some(body) => Ok(Answer::Ok(body)),
            None if text.dyn_ref::<JsString>().is_some_and(|t| t.length() == 0) => {
                Ok(Answer::Ok(JsValue::UNDEFINED))
            }
            None => Err(SessionError {
                status: Some(status),
                ..SessionError::invalid_response("the server answered with a body that is not JSON")
            }),
        }
    } else {
        Ok(Answer::Refused(Refusal {
            status,
            body: body.unwrap_or(JsValue::UNDEFINED),
            retry_after,
        }))
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    // JSON.parse on the JS string itself: the body never has to be copied into wasm memory.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &JsString) -> core::result::Result<JsValue, JsValue>;
}

/// Maps a Descope error answer (`{errorCode, errorDescription, errorMessage}`) to an error.
pub fn descope_error(refusal: Refusal) -> SessionError {
    let mut err = SessionError::http(refusal.status, refusal.retry_after);
    err.error_code = string_field(&refusal.body, "errorCode");
    err.error_description = string_field(&refusal.body, "errorDescription");
    if let Some(message) = string_field(&refusal.body, "errorMessage")
        .or_else(|| err.error_description.clone())
        .filter(|m| !m.is_empty() && m.len() < 500)
    {
        err.message = message.into();
    }
    err
}

/// `obj[key]` when it is a string.
pub fn string_field(obj: &JsValue, key: &str) -> Option<String> {
    if !obj.is_object() {
        return None;
    }
    Reflect::get(obj, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_string())
}
