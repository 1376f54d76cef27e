//! The devserver the test command started (`--control`): requests, sign-in, its test-control
//! API (project config, faults, the request log).

use gloo_net::http::{Method, RequestBuilder};
use js_sys::{Array, JSON};
use wasm_bindgen::prelude::*;
use web_sys::RequestCredentials;

use super::{object_text, sleep, stringify};

/// The devserver's URL.
pub fn devserver() -> &'static str {
    match option_env!("SK_DEVSERVER") {
        Some(url) => url,
        None => "http://127.0.0.1:18787",
    }
}

/// Sends a request to the devserver with these headers and, when given, `credentials` and a
/// JSON body; answers the status and the JSON body (or `undefined`).
pub(super) async fn send(
    method: Method,
    path: &str,
    credentials: Option<RequestCredentials>,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, JsValue) {
    let url = [devserver(), path].concat();
    let mut builder = RequestBuilder::new(&url).method(method);
    if let Some(credentials) = credentials {
        builder = builder.credentials(credentials);
    }
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    let request = match body {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(body)
            .unwrap(),
        None => builder.build().unwrap(),
    };
    let response = request.send().await.expect("devserver reachable");
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    (status, JSON::parse(&text).unwrap_or(JsValue::UNDEFINED))
}

/// Sends a request to the devserver with its cookies, and `Authorization: Bearer <bearer>`
/// when given; answers the status and the JSON body (or `undefined`).
pub async fn request(
    method: Method,
    path: &str,
    bearer: Option<&str>,
    body: Option<&str>,
) -> (u16, JsValue) {
    let authorization = bearer.map(|bearer| ["Bearer ", bearer].concat());
    let headers: Vec<(&str, &str)> = authorization
        .iter()
        .map(|value| ("Authorization", value.as_str()))
        .collect();
    send(
        method,
        path,
        Some(RequestCredentials::Include),
        &headers,
        body,
    )
    .await
}

/// The status of `POST /v1/auth/refresh` with `refresh_jwt` of `project`, sent directly (not
/// through the library): 200 while the server takes the token.
pub async fn refresh_status(project: &str, refresh_jwt: &str) -> u16 {
    let bearer = [project, ":", refresh_jwt].concat();
    request(Method::POST, "/v1/auth/refresh", Some(&bearer), Some("{}"))
        .await
        .0
}

/// Signs `login` in to `project` with the password sign-in; returns the JWT response.
pub async fn sign_in(project: &str, login: &str) -> JsValue {
    let body = object_text(&[("loginId", login), ("password", "pw-12345")], "");
    let (status, response) = request(
        Method::POST,
        "/v1/auth/password/signin",
        Some(project),
        Some(&body),
    )
    .await;
    assert_eq!(status, 200, "sign-in failed: {}", stringify(&response));
    response
}

/// `PUT /__control/projects/{project}` with a JSON config.
pub async fn configure(project: &str, config: &str) {
    let (status, body) = request(
        Method::PUT,
        &["/__control/projects/", project].concat(),
        None,
        Some(config),
    )
    .await;
    assert_eq!(status, 200, "configure failed: {}", stringify(&body));
}

/// Configures `project` to keep the refresh token in an httpOnly cookie named `name`.
pub async fn configure_refresh_cookie(project: &str, name: &str) {
    configure(
        project,
        &object_text(&[("cookieName", name)], r#""refreshCookie":true"#),
    )
    .await;
}

/// `POST /__control/faults` with a JSON spec.
pub async fn fault(spec: &str) {
    let (status, body) = request(Method::POST, "/__control/faults", None, Some(spec)).await;
    assert_eq!(status, 200, "fault failed: {}", stringify(&body));
}

/// A fault on `project`'s next request to `path`; `spec` is the rest of it as JSON members
/// (`"status":503`, `"delayMs":800`, …).
pub async fn fault_on(project: &str, path: &str, spec: &str) {
    fault(&object_text(&[("path", path), ("project", project)], spec)).await;
}

/// The devserver's log entries for `project` (and `path`, when given).
pub async fn log(project: &str, path: Option<&str>) -> Vec<JsValue> {
    let mut query = ["/__control/log?project=", project].concat();
    if let Some(path) = path {
        query.push_str("&path=");
        query.push_str(path);
    }
    let (status, body) = request(Method::GET, &query, None, None).await;
    assert_eq!(status, 200);
    Array::from(&body).iter().collect()
}

/// The last log entry of `project`'s requests to `path`.
pub async fn last_entry(project: &str, path: &str) -> JsValue {
    log(project, Some(path))
        .await
        .pop()
        .unwrap_or_else(|| panic!("no request to {path}"))
}

/// How many requests `project` sent to `path`.
pub async fn count(project: &str, path: &str) -> usize {
    log(project, Some(path)).await.len()
}

/// Waits up to `ms` for `project`'s `n`th refresh request; asserts that it sent `n` then.
pub async fn assert_refreshes_reach(project: &str, n: usize, ms: f64) {
    assert_eq!(
        count_reaches(project, "/v1/auth/refresh", n, ms).await,
        n,
        "refresh requests"
    );
}

/// Polls the devserver until `project` sent `n` requests to `path` (or `ms` passed); answers
/// the count then.
async fn count_reaches(project: &str, path: &str, n: usize, ms: f64) -> usize {
    let start = js_sys::Date::now();
    loop {
        let seen = count(project, path).await;
        if seen >= n || js_sys::Date::now() - start > ms {
            return seen;
        }
        sleep(50).await;
    }
}
