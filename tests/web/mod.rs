//! Shared helpers of the browser tests: the devserver (its URL, sign-in, test-control API),
//! a clean page (cookies and storage), JS plumbing.
#![allow(dead_code)]

use gloo_net::http::{Method, RequestBuilder};
use js_sys::{Array, Function, Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::RequestCredentials;

use session_keeper::SessionManager;

/// The devserver the test command started (`--control`).
pub fn devserver() -> &'static str {
    match option_env!("SK_DEVSERVER") {
        Some(url) => url,
        None => "http://127.0.0.1:18787",
    }
}

/// A name nobody else uses in this run.
pub fn unique(prefix: &str) -> String {
    let n = (js_sys::Math::random() * 1e12) as u64;
    [prefix, &n.to_string()].concat()
}

/// Sleeps `ms` milliseconds.
pub async fn sleep(ms: u32) {
    let promise = Promise::new(&mut |resolve, _| {
        let window = web_sys::window().unwrap();
        window
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// Awaits a promise.
pub async fn settle(promise: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(promise).await
}

/// Parses JSON written in a test.
pub fn json(text: &str) -> JsValue {
    JSON::parse(text).expect("test JSON")
}

/// `obj[key]`.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// `obj[key]` as a string.
pub fn get_str(obj: &JsValue, key: &str) -> Option<String> {
    get(obj, key).as_string()
}

/// `JSON.stringify(value)`.
pub fn stringify(value: &JsValue) -> String {
    JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// Sends a request to the devserver; answers the status and the JSON body (or `undefined`).
pub async fn request(
    method: Method,
    path: &str,
    bearer: Option<&str>,
    body: Option<&str>,
) -> (u16, JsValue) {
    let url = [devserver(), path].concat();
    let mut builder = RequestBuilder::new(&url)
        .method(method)
        .credentials(RequestCredentials::Include);
    if let Some(bearer) = bearer {
        builder = builder.header("Authorization", &["Bearer ", bearer].concat());
    }
    send_json(builder, body).await
}

/// Sends a request with an optional JSON body; answers the status and the JSON body (or
/// `undefined`).
async fn send_json(builder: RequestBuilder, body: Option<&str>) -> (u16, JsValue) {
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

/// Signs `login` in to `project` with the password sign-in; returns the JWT response.
pub async fn sign_in(project: &str, login: &str) -> JsValue {
    let body = stringify(&json(
        &[
            "{\"loginId\":",
            &stringify(&login.into()),
            ",\"password\":\"pw-12345\"}",
        ]
        .concat(),
    ));
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

/// `POST /__control/faults` with a JSON spec.
pub async fn fault(spec: &str) {
    let (status, body) = request(Method::POST, "/__control/faults", None, Some(spec)).await;
    assert_eq!(status, 200, "fault failed: {}", stringify(&body));
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

/// How many requests `project` sent to `path`.
pub async fn count(project: &str, path: &str) -> usize {
    log(project, Some(path)).await.len()
}

/// The page's document, with `cookie`.
pub fn html_document() -> web_sys::HtmlDocument {
    web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .dyn_into()
        .unwrap()
}

/// Expires every cookie the page can see and empties both storages: each test starts clean.
pub fn clean_page() {
    let document = html_document();
    let cookies = document.cookie().unwrap_or_default();
    for pair in cookies.split(';') {
        let name = pair.split('=').next().unwrap_or("").trim();
        if !name.is_empty() {
            for path in ["/", ""] {
                let mut text = [name, "=; Max-Age=0"].concat();
                if !path.is_empty() {
                    text.push_str("; Path=");
                    text.push_str(path);
                }
                document.set_cookie(&text).unwrap();
            }
        }
    }
    let window = web_sys::window().unwrap();
    window.local_storage().unwrap().unwrap().clear().unwrap();
    window.session_storage().unwrap().unwrap().clear().unwrap();
}

/// `document.cookie`.
pub fn cookies() -> String {
    let document = html_document();
    document.cookie().unwrap_or_default()
}

/// The value of cookie `name` as the page sees it.
pub fn cookie(name: &str) -> Option<String> {
    session_keeper::core::cookie::read_cookie(&cookies(), name).map(String::from)
}

/// A localStorage item.
pub fn local(key: &str) -> Option<String> {
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .get_item(key)
        .unwrap()
}

/// Every localStorage key.
pub fn local_keys() -> Vec<String> {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    (0..storage.length().unwrap())
        .filter_map(|i| storage.key(i).unwrap())
        .collect()
}

/// A sessionStorage item.
pub fn session_item(key: &str) -> Option<String> {
    web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
        .get_item(key)
        .unwrap()
}

/// The full record of cookie `name` from the Cookie Store API (domain, path, expires, secure,
/// sameSite), where the browser gives one (Chrome does).
pub async fn cookie_record(name: &str) -> Option<JsValue> {
    let window = web_sys::window().unwrap();
    let store = get(&window, "cookieStore");
    if !store.is_object() {
        return None;
    }
    let get_fn: Function = get(&store, "get").dyn_into().ok()?;
    let promise: Promise = get_fn.call1(&store, &name.into()).ok()?.dyn_into().ok()?;
    let record = JsFuture::from(promise).await.ok()?;
    // Firefox's Cookie Store answers only {name, value}: no attributes to compare there. Say so
    // in the test output; the attributes that show in behaviour (Max-Age, a Path that hides
    // the cookie) are checked in every browser by their own tests.
    let full = record.is_object() && get(&record, "path").is_string();
    if !full {
        wasm_bindgen_test::console_log!(
            "cookie attributes of {} not read back: this browser's Cookie Store gives only name and value (Firefox); Max-Age and Path are checked by behaviour instead",
            name
        );
    }
    full.then_some(record)
}

/// Whether the browser has the Cookie Store API.
pub fn has_cookie_store() -> bool {
    get(&web_sys::window().unwrap(), "cookieStore").is_object()
}

/// A manager built from JSON options; panics when the options are refused.
pub fn manager(options: &str) -> SessionManager {
    SessionManager::new(json(options)).unwrap_or_else(|_| panic!("options refused: {options}"))
}

/// The options most tests use: this project, against the devserver, a unique prefix.
pub fn options(project: &str, extra: &str) -> String {
    let mut text = [
        "{\"projectId\":\"",
        project,
        "\",\"baseUrl\":\"",
        devserver(),
        "\",\"storagePrefix\":\"",
        project,
        ".\"",
    ]
    .concat();
    if !extra.is_empty() {
        text.push(',');
        text.push_str(extra);
    }
    text.push('}');
    text
}

/// The `SessionError` fields of a rejection.
pub struct Failure {
    pub name: String,
    pub code: String,
    pub status: Option<f64>,
    pub error_code: Option<String>,
    pub retry_after: Option<f64>,
    pub message: String,
    pub details: JsValue,
}

/// Reads a `SessionError`.
pub fn failure(err: &JsValue) -> Failure {
    assert!(
        err.is_instance_of::<js_sys::Error>(),
        "not an Error: {err:?}"
    );
    Failure {
        name: get_str(err, "name").unwrap_or_default(),
        code: get_str(err, "code").unwrap_or_default(),
        status: get(err, "status").as_f64(),
        error_code: get_str(err, "errorCode"),
        retry_after: get(err, "retryAfter").as_f64(),
        message: get_str(err, "message").unwrap_or_default(),
        details: get(err, "details"),
    }
}

/// Counts the calls of a JS callback and remembers the last argument.
pub struct Recorder {
    pub function: Function,
    calls: Array,
    _closure: Closure<dyn FnMut(JsValue)>,
}

impl Recorder {
    pub fn new() -> Recorder {
        let calls = Array::new();
        let sink = calls.clone();
        let closure = Closure::<dyn FnMut(JsValue)>::new(move |value: JsValue| {
            sink.push(&value);
        });
        Recorder {
            function: closure.as_ref().unchecked_ref::<Function>().clone(),
            calls,
            _closure: closure,
        }
    }

    pub fn count(&self) -> u32 {
        self.calls.length()
    }

    pub fn last(&self) -> JsValue {
        self.calls.get(self.calls.length().wrapping_sub(1))
    }

    pub fn all(&self) -> Vec<JsValue> {
        self.calls.iter().collect()
    }
}

/// A JWT with this payload (unsigned; the library never checks signatures).
pub fn fake_jwt(payload: &str) -> String {
    let encode = |bytes: &[u8]| -> String {
        let b64 = web_sys::window()
            .unwrap()
            .btoa(&bytes.iter().map(|b| *b as char).collect::<String>())
            .unwrap();
        b64.trim_end_matches('=')
            .replace('+', "-")
            .replace('/', "_")
    };
    [
        encode(b"{\"alg\":\"none\"}").as_str(),
        ".",
        encode(payload.as_bytes()).as_str(),
        ".sig",
    ]
    .concat()
}

/// Epoch seconds now.
pub fn now_s() -> f64 {
    (js_sys::Date::now() / 1000.0).floor()
}

/// An object literal from key/value pairs.
pub fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let obj = Object::new();
    for (key, value) in pairs {
        Reflect::set(&obj, &(*key).into(), value).unwrap();
    }
    obj.into()
}

// ---- Rocket.Chat ----------------------------------------------------------------------------

/// A Rocket.Chat login as `(userId, authToken)`.
pub type RcLogin = (String, String);

/// Sends a Rocket.Chat request to the devserver, with `X-User-Id`/`X-Auth-Token` when a login
/// is given; answers the status and the JSON body (or `undefined`).
pub async fn rc_request(
    method: Method,
    path: &str,
    login: Option<&RcLogin>,
    body: Option<&str>,
) -> (u16, JsValue) {
    let url = [devserver(), path].concat();
    let mut builder = RequestBuilder::new(&url).method(method);
    if let Some((user_id, token)) = login {
        builder = builder
            .header("X-User-Id", user_id)
            .header("X-Auth-Token", token);
    }
    send_json(builder, body).await
}

/// Logs a Rocket.Chat user in with a direct fetch (not through the library).
pub async fn rc_direct_login(user: &str, password: &str) -> RcLogin {
    let body = stringify(&object(&[
        ("user", user.into()),
        ("password", password.into()),
    ]));
    let (status, answer) = rc_request(Method::POST, "/api/v1/login", None, Some(&body)).await;
    assert_eq!(status, 200, "login failed: {}", stringify(&answer));
    let data = get(&answer, "data");
    (
        get_str(&data, "userId").unwrap(),
        get_str(&data, "authToken").unwrap(),
    )
}

/// The status of `GET /api/v1/sessions/list` with this login: 200 while it is valid, 401 once
/// it has been logged out.
pub async fn rc_login_status(login: &RcLogin) -> u16 {
    rc_request(Method::GET, "/api/v1/sessions/list", Some(login), None)
        .await
        .0
}

/// The newest session of a login's user (`GET /api/v1/sessions/list` is newest first), i.e.
/// the one a login just made.
pub async fn rc_newest_session(login: &RcLogin) -> String {
    let (status, answer) =
        rc_request(Method::GET, "/api/v1/sessions/list", Some(login), None).await;
    assert_eq!(status, 200, "sessions/list: {}", stringify(&answer));
    get_str(&Array::from(&get(&answer, "sessions")).get(0), "sessionId").unwrap()
}

/// The current TOTP code and the last unused email code of a Rocket.Chat user, from
/// `GET /__control/2fa/{user}`.
pub async fn rc_codes(user: &str) -> (String, Option<String>) {
    let (status, answer) =
        request(Method::GET, &["/__control/2fa/", user].concat(), None, None).await;
    assert_eq!(status, 200, "2fa codes: {}", stringify(&answer));
    (get_str(&answer, "totp").unwrap(), get_str(&answer, "email"))
}

/// How many requests reached `path` so far (any project, Rocket.Chat included).
pub async fn rc_count(path: &str) -> usize {
    log("", Some(path)).await.len()
}

/// Options of a `RocketChatSession` against the devserver with this storage prefix.
pub fn rc_options(prefix: &str, extra: &str) -> String {
    let mut text = [
        "{\"baseUrl\":\"",
        devserver(),
        "\",\"storagePrefix\":\"",
        prefix,
        "\"",
    ]
    .concat();
    if !extra.is_empty() {
        text.push(',');
        text.push_str(extra);
    }
    text.push('}');
    text
}

/// A `RocketChatSession` built from JSON options; panics when they are refused.
pub fn rc_session(options: &str) -> session_keeper::RocketChatSession {
    session_keeper::RocketChatSession::new(json(options))
        .unwrap_or_else(|_| panic!("options refused: {options}"))
}

/// A sessionStorage key list.
pub fn session_keys() -> Vec<String> {
    let storage = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap();
    (0..storage.length().unwrap())
        .filter_map(|i| storage.key(i).unwrap())
        .collect()
}

/// Settles `promise` within `ms`: its outcome, or `None` when it is still pending then.
pub async fn within(ms: u32, promise: Promise) -> Option<Result<JsValue, JsValue>> {
    let pending = JsValue::from_str("still pending");
    let timeout = Promise::new(&mut |resolve, _| {
        let window = web_sys::window().unwrap();
        window
            .set_timeout_with_callback_and_timeout_and_arguments_1(&resolve, ms as i32, &pending)
            .unwrap();
    });
    let race = Promise::race(&Array::of2(&promise, &timeout));
    match JsFuture::from(race).await {
        Ok(value) if value.as_string().as_deref() == Some("still pending") => None,
        outcome => Some(outcome),
    }
}

/// Runs JS source (a test's setup) and answers its value.
pub fn eval(code: &str) -> JsValue {
    js_sys::eval(code).unwrap_or_else(|e| panic!("{code}: {e:?}"))
}

/// A JS function made from source.
pub fn js_fn(args: &str, body: &str) -> Function {
    Function::new_with_args(args, body)
}
