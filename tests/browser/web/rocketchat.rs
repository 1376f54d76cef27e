//! `RocketChatSession` set-ups and checks, and Rocket.Chat requests sent directly to the
//! devserver (not through the library).

use gloo_net::http::Method;
use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use session_keeper::RocketChatSession;

use super::*;

/// The path of `logoutSession`'s request.
pub const RC_SESSIONS_LOGOUT: &str = "/api/v1/sessions/logout";

/// A Rocket.Chat login as `(userId, authToken)`.
pub type RcLogin = (String, String);

/// Sends a Rocket.Chat request without a body to the devserver, with `X-User-Id` and
/// `X-Auth-Token` when a login is given; answers the status and the JSON body (or `undefined`).
pub async fn rc_request(method: Method, path: &str, login: Option<&RcLogin>) -> (u16, JsValue) {
    let headers: Vec<(&str, &str)> = match login {
        Some((user_id, token)) => vec![("X-User-Id", user_id), ("X-Auth-Token", token)],
        None => Vec::new(),
    };
    send(method, path, None, &headers, None).await
}

/// Logs a Rocket.Chat user in with a direct fetch (not through the library).
pub async fn rc_direct_login(user: &str, password: &str) -> RcLogin {
    let body = object_text(&[("user", user), ("password", password)], "");
    let (status, answer) = send(Method::POST, "/api/v1/login", None, &[], Some(&body)).await;
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
    rc_request(Method::GET, "/api/v1/sessions/list", Some(login))
        .await
        .0
}

/// The newest session of a login's user (`GET /api/v1/sessions/list` is newest first), i.e.
/// the one a login just made.
pub async fn rc_newest_session(login: &RcLogin) -> String {
    let (status, answer) = rc_request(Method::GET, "/api/v1/sessions/list", Some(login)).await;
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
    object_text(
        &[("baseUrl", devserver()), ("storagePrefix", prefix)],
        extra,
    )
}

/// A `RocketChatSession` built from JSON options; panics when they are refused.
pub fn rc_session(options: &str) -> RocketChatSession {
    RocketChatSession::new(json(options)).unwrap_or_else(|_| panic!("options refused: {options}"))
}

/// A storage prefix no other session uses (`rc<unique>.`).
pub fn rc_prefix() -> String {
    [unique("rc").as_str(), "."].concat()
}

/// A clean page and a session with a fresh prefix.
pub fn rc_fresh(extra: &str) -> (RocketChatSession, String) {
    clean_page();
    let prefix = rc_prefix();
    (rc_session(&rc_options(&prefix, extra)), prefix)
}

/// A session logged in through the library as `user`.
pub async fn rc_logged_in(user: &str, password: &str) -> (RocketChatSession, String) {
    rc_logged_in_with("", user, password).await
}

/// A clean page and a session with a fresh prefix and `extra` options, logged in through the
/// library as `user`.
pub async fn rc_logged_in_with(
    extra: &str,
    user: &str,
    password: &str,
) -> (RocketChatSession, String) {
    let (rc, prefix) = rc_fresh(extra);
    settle(rc.login(user.into(), password.into()))
        .await
        .expect("login");
    (rc, prefix)
}

/// The login a session holds.
pub fn rc_login_of(rc: &RocketChatSession) -> RcLogin {
    (
        rc.user_id().as_string().unwrap(),
        rc.auth_token().as_string().unwrap(),
    )
}

/// Gives a session this login, as `apply` takes it.
pub fn rc_apply(rc: &RocketChatSession, login: &RcLogin) {
    rc.apply(object(&[
        ("userId", login.0.clone().into()),
        ("authToken", login.1.clone().into()),
    ]))
    .unwrap();
}

/// A second factor `{method, code}`.
pub fn rc_two_factor(method: &str, code: &str) -> Option<Object> {
    Some(object(&[("method", method.into()), ("code", code.into())]).unchecked_into())
}

/// A new login of rc-alice (made with a direct fetch) and its session id: the session to log
/// out.
pub async fn rc_alice() -> (RcLogin, String) {
    let login = rc_direct_login("rc-alice", "alice-pass").await;
    let session = rc_newest_session(&login).await;
    (login, session)
}

/// A new session of rc-alice to log out (as [`rc_alice`]), and `user`'s current TOTP code.
pub async fn rc_alice_and_totp(user: &str) -> (RcLogin, String, String) {
    let (target, session_id) = rc_alice().await;
    let (totp, _) = rc_codes(user).await;
    (target, session_id, totp)
}

/// The login stored in localStorage under `prefix`: `(RC_UID, RC_TOKEN)`.
pub fn rc_stored(prefix: &str) -> (Option<String>, Option<String>) {
    (
        local(&[prefix, "RC_UID"].concat()),
        local(&[prefix, "RC_TOKEN"].concat()),
    )
}

/// Asserts that the session holds no login, in its getters and in both storages.
pub fn assert_rc_logged_out(rc: &RocketChatSession, prefix: &str) {
    assert!(!rc.is_authenticated());
    assert!(rc.user_id().is_undefined());
    assert!(rc.auth_token().is_undefined());
    assert_rc_nothing_stored(prefix);
}

/// Asserts that neither storage holds a key under `prefix`.
pub fn assert_rc_nothing_stored(prefix: &str) {
    let left: Vec<String> = local_keys()
        .into_iter()
        .chain(session_keys())
        .filter(|k| k.starts_with(prefix))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// Asserts a two-factor refusal and answers its `details`.
pub fn assert_rc_two_factor(err: &JsValue, error_type: &str, method: &str) -> JsValue {
    let f = failure(err);
    assert_error(&f, "two_factor_required", Some(400.0));
    assert_eq!(f.error_code.as_deref(), Some(error_type));
    assert_eq!(get_str(&f.details, "method").as_deref(), Some(method));
    f.details
}

/// The `availableMethods` of a two-factor refusal's details.
pub fn rc_methods(details: &JsValue) -> Vec<String> {
    strings(&get(details, "availableMethods"))
}

/// `logoutSession(session_id)` without a second factor: asserts the server's challenge for
/// `method` (whether it generated a code, the methods it offers).
pub async fn assert_rc_challenge(
    rc: &RocketChatSession,
    session_id: &str,
    method: &str,
    generated: bool,
    methods: &[&str],
) {
    let err = settle(rc.logout_session(session_id.into(), None))
        .await
        .unwrap_err();
    let details = assert_rc_two_factor(&err, "totp-required", method);
    assert_eq!(get(&details, "codeGenerated").as_bool(), Some(generated));
    assert_eq!(rc_methods(&details), methods);
}

/// `logoutSession(session_id)` with a `code` of `method` the server refuses: asserts the
/// refusal, that its message does not repeat the code, and that `target` lives on.
pub async fn assert_rc_code_refused(
    rc: &RocketChatSession,
    session_id: &str,
    method: &str,
    code: &str,
    target: &RcLogin,
) {
    let err = settle(rc.logout_session(session_id.into(), rc_two_factor(method, code)))
        .await
        .unwrap_err();
    assert_rc_two_factor(&err, "totp-invalid", method);
    assert!(!failure(&err).message.contains(code));
    assert_eq!(rc_login_status(target).await, 200);
}

/// `logoutSession(session_id)` with `user`'s current TOTP code.
pub async fn rc_logout_with_totp(
    rc: &RocketChatSession,
    user: &str,
    session_id: &str,
) -> Result<JsValue, JsValue> {
    let (totp, _) = rc_codes(user).await;
    settle(rc.logout_session(session_id.into(), rc_two_factor("totp", &totp))).await
}
