//! HTTP through gloo-net's fetch. The core decides the URL, the headers and the timeout (it
//! aborts a request that outlives it) and decodes the answer ([`crate::core::answer`]); this
//! module only performs the request, calls the hooks, and hands back what came.

use js_sys::JsString;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[cfg(feature = "descope")]
use crate::core::cookie::is_cookie_name;
use crate::core::error::{ErrorCode, Result, SessionError};
#[cfg(feature = "descope")]
use crate::core::hooks::may_set;
use crate::core::hooks::put_header;
use crate::core::io::Request;
#[cfg(feature = "descope")]
use crate::core::obj::Obj;
#[cfg(feature = "descope")]
use crate::core::options::is_header_value;
use crate::shell::web::member;
use crate::shell::{js, Plumbing};

/// What a request brought back: status, `Retry-After`, and the body parsed as JSON
/// (`undefined` when empty or not JSON).
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body (`undefined` when empty or not JSON).
    pub body: JsValue,
    /// The `Retry-After` header.
    pub retry_after: Option<String>,
    /// A body that is not empty and not JSON.
    pub garbled: bool,
}

/// Sends `req`; only network failures are errors.
///
/// The `web_sys::Request` is made here and sent with gloo-net's
/// [`Request::send`](gloo_net::http::Request::send): gloo-net's builder would parse the URL
/// again to merge query parameters this crate never uses.
pub async fn fetch(req: &Request, signal: &JsValue, plumbing: &Plumbing) -> Result<Answer> {
    let failed = || SessionError::new(ErrorCode::Network, "network error");
    // The `RequestInit` as a plain object, its members set through the `Reflect.set` the crate
    // binds anyway (not a web-sys binding per member).
    let init: JsValue = js_sys::Object::new().into();
    js::set(&init, "method", &method(req).into());
    let credentials = if req.expect.rocket_chat() {
        // Rocket.Chat authenticates by headers and may answer CORS with `*`.
        "omit"
    } else {
        // So that a refresh cookie the server set httpOnly travels.
        "include"
    };
    js::set(&init, "credentials", &credentials.into());
    js::set(&init, "signal", signal);
    // Names compared case-insensitively: a later setting replaces an earlier one (a JS
    // `Headers` would append to it), and the session's own headers come last.
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    for (name, value) in &plumbing.headers {
        put_header(&mut headers, name, value.clone());
    }
    #[cfg_attr(not(feature = "descope"), allow(unused_mut))]
    let mut body = req.body.as_ref().map(JsValue::from);
    #[cfg(feature = "descope")]
    if let Some(before) = &plumbing.before {
        // Called here, what it returns awaited here (`await` as JS would: a promise or any
        // thenable is waited for, a config is taken as it is): one future, not two.
        let changed = call_before(before, req, &headers, body.as_ref())?;
        let changed = JsFuture::from(js_sys::Promise::resolve(&changed))
            .await
            .map_err(|_| hook_failed())?;
        take_changes(&changed, &mut headers, &mut body)?;
    }
    for (name, value) in &req.headers {
        put_header(&mut headers, name, value.clone());
    }
    js::set(&init, "headers", &headers_object(&headers));
    if let Some(body) = &body {
        js::set(&init, "body", body);
    }
    let request = web_sys::Request::new_with_str_and_init(&req.url, init.unchecked_ref())
        .map_err(|_| SessionError::invalid_argument("bad request"))?;
    let response = web_sys::Response::from(
        gloo_net::http::Request::from(request)
            .send()
            .await
            .map_err(|_| failed())?,
    )
    .unchecked_into::<Response>();
    // (Members read through `Reflect.get`, as everywhere: no binding per getter.)
    let status = member(&response, "status").as_f64().unwrap_or(0.0) as u16;
    let retry_after = member(&response, "headers")
        .unchecked_into::<Headers>()
        .header("retry-after")
        .as_string();
    // (A body already read rejects the promise; `text()` itself does not throw.)
    let text = JsFuture::from(response.text())
        .await
        .map_err(|_| failed())?;
    let text = text.dyn_ref::<JsString>().filter(|t| t.length() > 0);
    // JSON.parse on the JS string itself: the body is never copied into wasm memory.
    let body = text.and_then(|t| js::json_parse(t).ok());
    Ok(Answer {
        status,
        garbled: text.is_some() && body.is_none(),
        body: body.unwrap_or(JsValue::UNDEFINED),
        retry_after,
    })
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// A fetch response, as far as the crate calls it (its `status` and `headers` are read as
    /// members). Bound here rather than through web-sys, whose `text()` catches an exception
    /// it never throws.
    type Response;

    /// `response.text()`
    #[wasm_bindgen(method)]
    fn text(this: &Response) -> js_sys::Promise;

    /// A response's headers.
    type Headers;

    /// `headers.get(name)`: the value or `null` (never throws for a valid name).
    #[wasm_bindgen(method, js_name = get)]
    fn header(this: &Headers, name: &str) -> JsValue;
}

/// The request's HTTP method.
fn method(req: &Request) -> &'static str {
    if req.post() {
        "POST"
    } else {
        "GET"
    }
}

/// The error of a `beforeRequest` hook that throws or rejects.
#[cfg(feature = "descope")]
fn hook_failed() -> SessionError {
    SessionError::invalid_argument("beforeRequest failed")
}

/// Calls `hooks.beforeRequest` with the request as a hook sees it (without the token):
/// answers what it returned (a config, or a promise of one).
#[cfg(feature = "descope")]
fn call_before(
    before: &js_sys::Function,
    req: &Request,
    headers: &[(String, String)],
    body: Option<&JsValue>,
) -> Result<JsValue> {
    let config = config(req, &headers_object(headers), body);
    before
        .call1(&JsValue::UNDEFINED, &config)
        .map_err(|_| hook_failed())
}

/// Takes the headers and body a `beforeRequest` hook returned: `Authorization` is the
/// session's alone.
#[cfg(feature = "descope")]
fn take_changes(
    changed: &JsValue,
    headers: &mut Vec<(String, String)>,
    body: &mut Option<JsValue>,
) -> Result<()> {
    if let Some(extra) = changed.field("headers") {
        for name in &extra.keys() {
            match extra.field(name).and_then(|v| v.string()) {
                Some(_) if !may_set(name) => {}
                Some(value) if is_cookie_name(name) && is_header_value(&value) => {
                    put_header(headers, name, value);
                }
                _ => return Err(SessionError::invalid_argument("beforeRequest: bad header")),
            }
        }
    }
    if let Some(new_body) = changed.field("body") {
        *body = js_sys::JSON::stringify(&new_body).ok().map(JsValue::from);
    }
    Ok(())
}

/// What the hooks see of a request: URL, path, method, headers (without `Authorization`) and
/// the JSON body.
#[cfg(feature = "descope")]
fn config(req: &Request, headers: &JsValue, body: Option<&JsValue>) -> JsValue {
    let config: JsValue = js_sys::Object::new().into();
    js::set(&config, "url", &req.url.as_str().into());
    // The path of the API, `/v1/...` (no substring search in the wasm: the URL's fourth `/`).
    let mut slashes = 0;
    let mut path = "";
    for (at, b) in req.url.bytes().enumerate() {
        if b == b'/' {
            slashes += 1;
            if slashes == 3 {
                path = req.url.get(at..).unwrap_or("");
                break;
            }
        }
    }
    js::set(&config, "path", &path.into());
    js::set(&config, "method", &method(req).into());
    if !headers.is_undefined() {
        js::set(&config, "headers", headers);
    }
    if let Some(body) = body.and_then(|b| b.dyn_ref::<JsString>()) {
        js::set(
            &config,
            "body",
            &js::json_parse(body).unwrap_or(JsValue::UNDEFINED),
        );
    }
    config
}

/// `hooks.afterRequest(request, {status, ok, body})`: the body is a deep copy without any
/// token (see [`crate::core::hooks::shown`]), so nothing the hook does reaches the session;
/// a throwing hook changes nothing.
#[cfg(feature = "descope")]
pub fn after(plumbing: &Plumbing, req: &Request, status: u16, body: &JsValue, secrets: &[String]) {
    let Some(after) = &plumbing.after else {
        return;
    };
    let shown: JsValue = js_sys::Object::new().into();
    js::set(&shown, "status", &status.into());
    js::set(&shown, "ok", &(200..300).contains(&status).into());
    if let Some(copy) = crate::core::hooks::shown(body, secrets) {
        js::set(&shown, "body", &copy);
    }
    let request = config(req, &JsValue::UNDEFINED, None);
    let _ = after.call2(&JsValue::UNDEFINED, &request, &shown);
}

/// The headers as a new plain object (for `fetch`, and for a hook before the session adds
/// `Authorization`).
fn headers_object(headers: &[(String, String)]) -> JsValue {
    let out: JsValue = js_sys::Object::new().into();
    for (name, value) in headers {
        js::set(&out, name, &value.into());
    }
    out
}
