//! The Rust `RocketChatSession` (features `rust` and `rocketchat`, API.md §4 and §7) against
//! the devserver: options, login and the stored login (shared with a JS `RocketChatSession`),
//! apply, each two-factor method with Rocket.Chat's challenge flow, errors with their fields
//! and `details`, and logout.

use session_keeper::rust::{
    LogoutSessionResult, RocketChatCredentials, RocketChatOptions, RocketChatSession, TwoFactor,
    TwoFactorMethod,
};
use session_keeper::{ErrorCode, Persist, SessionError};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::web::*;

/// A clean page and a Rust session with a fresh prefix (and `options` on top).
fn fresh(
    options: impl FnOnce(RocketChatOptions) -> RocketChatOptions,
) -> (RocketChatSession, String) {
    clean_page();
    let prefix = rc_prefix();
    let rc = RocketChatSession::new(options(
        RocketChatOptions::new(devserver()).storage_prefix(prefix.clone()),
    ))
    .expect("options");
    (rc, prefix)
}

/// A Rust session logged in as `user`.
async fn logged_in(user: &str, password: &str) -> (RocketChatSession, String) {
    let (rc, prefix) = fresh(|o| o);
    rc.login(user, password).await.expect("login");
    (rc, prefix)
}

/// The stored login as the kit's `(userId, authToken)`.
fn login_of(rc: &RocketChatSession) -> RcLogin {
    let login = rc.credentials().expect("a login");
    (login.user_id, login.auth_token)
}

/// Asserts that nothing of the login is left, in the getters and in storage.
fn assert_logged_out(rc: &RocketChatSession, prefix: &str) {
    assert!(!rc.is_authenticated());
    assert_eq!((rc.user_id(), rc.auth_token()), (None, None));
    assert_eq!(rc.credentials(), None);
    assert_rc_nothing_stored(prefix);
}

/// Asserts that a call failed with `code` and `status`; answers the error.
fn failed<T: std::fmt::Debug>(
    result: Result<T, SessionError>,
    code: ErrorCode,
    status: u16,
) -> SessionError {
    let err = result.expect_err("an error");
    assert_eq!((err.code(), err.status()), (code, Some(status)), "{err}");
    err
}

/// Asserts a two-factor challenge or refusal for `method`; answers the error.
fn assert_two_factor(err: &SessionError, error_type: &str, method: &str) {
    assert_eq!(err.code(), ErrorCode::TwoFactorRequired, "{err}");
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.error_code(), Some(error_type));
    let details = err.details.as_ref().expect("details");
    assert_eq!(details.method.as_deref(), Some(method));
}

/// `logout_session(session_id)` without a second factor: asserts the server's challenge for
/// `method` and answers it.
async fn challenge(rc: &RocketChatSession, session_id: &str, method: &str) -> SessionError {
    let err = rc
        .logout_session(session_id, None)
        .await
        .expect_err("challenge");
    assert_two_factor(&err, "totp-required", method);
    err
}

/// `logout_session(session_id)` with a code the server refuses: asserts the refusal for its
/// method, that the message does not repeat the code, and that `target` lives on.
async fn assert_refused(
    rc: &RocketChatSession,
    session_id: &str,
    factor: &TwoFactor,
    target: &RcLogin,
) {
    let err = rc
        .logout_session(session_id, Some(factor))
        .await
        .expect_err("refused");
    assert_two_factor(&err, "totp-invalid", factor.method.as_str());
    assert!(!err.to_string().contains(&factor.code));
    assert_eq!(rc_login_status(target).await, 200);
}

/// `logout_session(session_id)` with the right code: asserts that `target` is logged out;
/// answers the result.
async fn log_out(
    rc: &RocketChatSession,
    session_id: &str,
    factor: &TwoFactor,
    target: &RcLogin,
) -> LogoutSessionResult {
    let done = rc
        .logout_session(session_id, Some(factor))
        .await
        .expect("logged out");
    assert_eq!(rc_login_status(target).await, 401);
    done
}

#[wasm_bindgen_test]
fn bad_options_are_refused_with_invalid_argument() {
    clean_page();
    let refused = [
        ("an empty baseUrl", RocketChatOptions::new("")),
        (
            "a baseUrl without a scheme",
            RocketChatOptions::new("chat.example.com"),
        ),
        (
            "a request timeout of 0",
            RocketChatOptions::new(devserver()).request_timeout_ms(0),
        ),
    ];
    for (what, options) in refused {
        let err = RocketChatSession::new(options).expect_err(what);
        assert_eq!(err.code(), ErrorCode::InvalidArgument, "{what}: {err}");
        assert!(err.to_string().starts_with("invalid_argument: "), "{err}");
    }
    let rc = RocketChatSession::new(
        RocketChatOptions::new(devserver())
            .storage_prefix("rrc.")
            .persist(Persist::Memory)
            .request_timeout_ms(5_000),
    )
    .expect("valid options");
    assert!(!rc.is_authenticated());
}

#[wasm_bindgen_test]
async fn login_stores_the_login_and_answers_rust_values() {
    let (rc, prefix) = fresh(|o| o);
    assert_logged_out(&rc, &prefix);
    let data = rc.login("rc-admin", "admin-pass").await.expect("login");
    assert_eq!(data.user_id, "RCadmin");
    assert_eq!(data.me.id.as_deref(), Some("RCadmin"));
    assert_eq!(data.me.username.as_deref(), Some("rc-admin"));
    assert!(!format!("{data:?}").contains(&data.auth_token), "{data:?}");
    assert_eq!(rc.credentials(), Some(data.credentials()));
    assert_eq!(rc.user_id().as_deref(), Some("RCadmin"));
    assert_eq!(rc.auth_token(), Some(data.auth_token.clone()));
    assert_eq!(
        rc_stored(&prefix),
        (Some("RCadmin".into()), Some(data.auth_token.clone()))
    );
    assert_eq!(rc_login_status(&login_of(&rc)).await, 200);

    // The same storage seen by another Rust handle and by the JS facade.
    let again =
        RocketChatSession::new(RocketChatOptions::new(devserver()).storage_prefix(prefix.clone()))
            .expect("options");
    assert_eq!(again.credentials(), Some(data.credentials()));
    let js = rc_session(&rc_options(&prefix, ""));
    assert_eq!(js.auth_token().as_string(), Some(data.auth_token.clone()));

    // A wrong password: unauthorized, the login stays; empty arguments: no request.
    let err = failed(
        rc.login("rc-admin", "wrong-pass").await,
        ErrorCode::Unauthorized,
        401,
    );
    assert!(!err.to_string().contains("wrong-pass"));
    assert_eq!(rc.auth_token(), Some(data.auth_token.clone()));
    let before = rc_count("/api/v1/login").await;
    for (user, password) in [("", "x"), (" ", "x"), ("rc-admin", "")] {
        let err = rc.login(user, password).await.expect_err("refused");
        assert_eq!(err.code(), ErrorCode::InvalidArgument);
    }
    assert_eq!(rc_count("/api/v1/login").await, before);
}

#[wasm_bindgen_test]
async fn apply_stores_a_login_and_refuses_a_bad_one() {
    let (rc, prefix) = fresh(|o| o);
    let (user_id, token) = rc_direct_login("rc-admin", "admin-pass").await;
    let bad = [
        RocketChatCredentials::new("", token.clone()),
        RocketChatCredentials::new(user_id.clone(), ""),
        RocketChatCredentials::new(user_id.clone(), "a token"),
    ];
    for login in bad {
        let err = rc.apply(&login).expect_err("refused");
        assert_eq!(err.code(), ErrorCode::InvalidArgument);
        assert_logged_out(&rc, &prefix);
    }
    let login = RocketChatCredentials::new(user_id.clone(), token.clone());
    assert!(!format!("{login:?}").contains(&token));
    rc.apply(&login).expect("applied");
    assert_eq!(rc.credentials(), Some(login));
    assert_eq!(rc_stored(&prefix), (Some(user_id), Some(token)));
}

#[wasm_bindgen_test]
async fn the_totp_challenge_then_the_code() {
    let (rc, _) = logged_in("rc-admin", "admin-pass").await;
    let (target, session_id) = rc_alice().await;
    let err = challenge(&rc, &session_id, "totp").await;
    let details = err.details.as_ref().expect("details");
    assert_eq!(details.code_generated, Some(false));
    assert!(details
        .available_methods
        .as_ref()
        .is_some_and(|m| m.iter().any(|m| m == "totp")));
    assert_eq!(rc_login_status(&target).await, 200);

    // A wrong code is refused, and not repeated in the error.
    let (totp, _) = rc_codes("rc-admin").await;
    let wrong = if totp == "000000" { "111111" } else { "000000" };
    let factor = TwoFactor::new(TwoFactorMethod::Totp, wrong);
    assert_refused(&rc, &session_id, &factor, &target).await;

    let factor = TwoFactor::new(TwoFactorMethod::Totp, totp);
    let done = log_out(&rc, &session_id, &factor, &target).await;
    assert_eq!(done.session_id, session_id);
    assert!(done.success);
    assert!(rc.is_authenticated(), "our own login stays");
}

#[wasm_bindgen_test]
async fn the_email_and_password_methods() {
    // Email: the challenge makes the server send a code.
    let (rc, _) = logged_in("rc-email", "email-pass").await;
    let (target, session_id) = rc_alice().await;
    let err = challenge(&rc, &session_id, "email").await;
    assert_eq!(
        err.details.as_ref().and_then(|d| d.code_generated),
        Some(true)
    );
    let code = rc_codes("rc-email").await.1.expect("an email code");
    let factor = TwoFactor::new(TwoFactorMethod::Email, code);
    log_out(&rc, &session_id, &factor, &target).await;

    // Password: only its SHA-256 is sent, and the server takes it.
    let (rc, _) = logged_in("rc-pass", "pass-pass").await;
    let (target, session_id) = rc_alice().await;
    let wrong = TwoFactor::new(TwoFactorMethod::Password, "not-the-password");
    assert_refused(&rc, &session_id, &wrong, &target).await;
    let factor = TwoFactor::new(TwoFactorMethod::Password, "pass-pass");
    assert!(!format!("{factor:?}").contains("pass-pass"));
    log_out(&rc, &session_id, &factor, &target).await;
}

#[wasm_bindgen_test]
async fn server_refusals_are_session_errors() {
    // 403 without the permission: the message is the server's, nothing is cleared.
    let (rc, prefix) = logged_in("rc-user", "user-pass").await;
    let (target, session_id, totp) = rc_alice_and_totp("rc-user").await;
    let factor = TwoFactor::new(TwoFactorMethod::Totp, totp);
    let err = failed(
        rc.logout_session(&session_id, Some(&factor)).await,
        ErrorCode::Forbidden,
        403,
    );
    assert!(err.message().contains("[error-unauthorized]"), "{err}");
    assert!(err.details.is_none());
    assert!(rc_stored(&prefix).1.is_some());
    assert_eq!(rc_login_status(&target).await, 200);

    // 401 for a token the server does not know: the stored login is cleared.
    let (rc, prefix) = fresh(|o| o);
    rc.apply(&RocketChatCredentials::new("RCadmin", "not-a-real-token"))
        .expect("applied");
    let err = failed(
        rc.logout_session("some-session", None).await,
        ErrorCode::Unauthorized,
        401,
    );
    assert!(!err.to_string().contains("not-a-real-token"));
    assert_logged_out(&rc, &prefix);

    // Without a login, and with a blank session id: refused without a request.
    let err = rc
        .logout_session("some-session", None)
        .await
        .expect_err("no login");
    assert_eq!(err.code(), ErrorCode::Unauthorized);
    let (rc, _) = logged_in("rc-admin", "admin-pass").await;
    let err = rc.logout_session(" ", None).await.expect_err("blank id");
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
    let factor = TwoFactor::new(TwoFactorMethod::Totp, "");
    let err = rc
        .logout_session("s1", Some(&factor))
        .await
        .expect_err("empty code");
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
}

#[wasm_bindgen_test]
async fn logout_clears_first_even_when_the_request_fails() {
    let (rc, prefix) = logged_in("rc-admin", "admin-pass").await;
    let login = login_of(&rc);
    let pending = rc.logout();
    assert_logged_out(&rc, &prefix);
    pending.await.expect("logout");
    assert_eq!(rc_login_status(&login).await, 401);
    // Again, without a login: no request.
    let before = rc_count("/api/v1/logout").await;
    rc.logout().await.expect("second logout");
    assert_eq!(rc_count("/api/v1/logout").await, before);

    let (rc, prefix) = logged_in("rc-admin", "admin-pass").await;
    fault(r#"{"path":"/api/v1/logout","status":500}"#).await;
    failed(rc.logout().await, ErrorCode::Http, 500);
    assert_logged_out(&rc, &prefix);
}
