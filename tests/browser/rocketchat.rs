//! `RocketChatSession`: login, logout, logging out other sessions with each two-factor method
//! and the challenge flow, error mapping, persistence, bad input and bad options.

use gloo_net::http::Method;
use session_keeper::RocketChatSession;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::web::*;

#[wasm_bindgen_test]
async fn login_stores_the_login_and_resolves_data() {
    let (rc, prefix) = rc_fresh("");
    assert!(!rc.is_authenticated());
    let data = settle(rc.login("rc-admin".into(), "admin-pass".into()))
        .await
        .expect("login");
    assert_eq!(get_str(&data, "userId").as_deref(), Some("RCadmin"));
    assert_eq!(
        get_str(&get(&data, "me"), "username").as_deref(),
        Some("rc-admin")
    );
    let token = get_str(&data, "authToken").unwrap();
    assert!(rc.is_authenticated());
    assert_eq!(rc.user_id().as_string().as_deref(), Some("RCadmin"));
    assert_eq!(rc.auth_token().as_string(), Some(token.clone()));
    assert_eq!(
        rc_stored(&prefix),
        (Some("RCadmin".into()), Some(token.clone()))
    );
    // The token works on the server.
    assert_eq!(rc_login_status(&rc_login_of(&rc)).await, 200);

    // A wrong password: unauthorized, and the stored login stays.
    let before = rc_count("/api/v1/login").await;
    let f = rejection(rc.login("rc-admin".into(), "wrong-pass".into())).await;
    assert_error(&f, "unauthorized", Some(401.0));
    assert!(!f.message.contains("wrong-pass"));
    assert_eq!(rc_count("/api/v1/login").await, before + 1);
    assert_eq!(rc.auth_token().as_string(), Some(token.clone()));
    assert_eq!(rc_stored(&prefix), (Some("RCadmin".into()), Some(token)));

    // An unknown user is refused the same way; a new instance restores the login.
    assert_eq!(
        rejection(rc.login("nobody".into(), "x".into())).await.code,
        "unauthorized"
    );
    let again = rc_session(&rc_options(&prefix, ""));
    assert_eq!(again.user_id().as_string().as_deref(), Some("RCadmin"));
}

#[wasm_bindgen_test]
async fn logout_session_with_a_totp_code() {
    let (rc, _) = rc_logged_in("rc-admin", "admin-pass").await;
    let (target, session_id) = rc_alice().await;
    assert_eq!(rc_login_status(&target).await, 200);
    let answer = rc_logout_with_totp(&rc, "rc-admin", &session_id)
        .await
        .expect("logoutSession");
    assert_eq!(
        get_str(&answer, "sessionId").as_deref(),
        Some(session_id.as_str())
    );
    assert_eq!(get(&answer, "success").as_bool(), Some(true));
    // The logged-out session's token is refused now; the caller's login is untouched.
    assert_eq!(rc_login_status(&target).await, 401);
    assert!(rc.is_authenticated());
    assert_eq!(rc_login_status(&rc_login_of(&rc)).await, 200);
}

#[wasm_bindgen_test]
async fn the_totp_challenge_and_a_wrong_code() {
    let (rc, _) = rc_logged_in("rc-admin", "admin-pass").await;
    let (target, session_id) = rc_alice().await;
    // Without twoFactor the server answers with its challenge.
    assert_rc_challenge(&rc, &session_id, "totp", false, &["totp", "email"]).await;
    // A wrong code is refused too, and the message does not repeat it.
    let (totp, _) = rc_codes("rc-admin").await;
    let wrong = if totp == "000000" { "111111" } else { "000000" };
    assert_rc_code_refused(&rc, &session_id, "totp", wrong, &target).await;
    // The right code.
    rc_logout_with_totp(&rc, "rc-admin", &session_id)
        .await
        .expect("logoutSession");
    assert_eq!(rc_login_status(&target).await, 401);
    assert!(rc.is_authenticated());
}

#[wasm_bindgen_test]
async fn the_email_challenge_sends_a_code() {
    let (rc, _) = rc_logged_in("rc-email", "email-pass").await;
    let (target, session_id) = rc_alice().await;
    assert_rc_challenge(&rc, &session_id, "email", true, &["email"]).await;
    // The code "sent by email" is readable from the control API.
    let (_, code) = rc_codes("rc-email").await;
    let code = code.expect("an email code was generated");
    assert_eq!(code.len(), 6);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_rc_code_refused(&rc, &session_id, "email", wrong, &target).await;
    let answer =
        settle(rc.logout_session(session_id.clone().into(), rc_two_factor("email", &code)))
            .await
            .expect("logoutSession");
    assert_eq!(get(&answer, "success").as_bool(), Some(true));
    assert_eq!(rc_login_status(&target).await, 401);
    // The code was single use.
    assert_eq!(rc_codes("rc-email").await.1, None);
}

#[wasm_bindgen_test]
async fn the_password_method_sends_its_sha256() {
    let (rc, _) = rc_logged_in("rc-pass", "pass-pass").await;
    let (target, session_id) = rc_alice().await;
    assert_rc_challenge(&rc, &session_id, "password", false, &["password"]).await;
    assert_rc_code_refused(&rc, &session_id, "password", "not-the-password", &target).await;
    // The devserver compares the SHA-256 of the password with what was sent.
    settle(rc.logout_session(session_id.into(), rc_two_factor("password", "pass-pass")))
        .await
        .expect("logoutSession");
    assert_eq!(rc_login_status(&target).await, 401);
}

#[wasm_bindgen_test]
async fn a_method_the_user_does_not_have_is_refused() {
    let (rc, _) = rc_logged_in("rc-pass", "pass-pass").await;
    let (target, session_id, totp) = rc_alice_and_totp("rc-pass").await;
    assert_rc_code_refused(&rc, &session_id, "totp", &totp, &target).await;
}

#[wasm_bindgen_test]
async fn an_unknown_session_is_an_http_error() {
    let (rc, _) = rc_logged_in("rc-admin", "admin-pass").await;
    let err = rc_logout_with_totp(&rc, "rc-admin", "no-such-session")
        .await
        .unwrap_err();
    let f = failure(&err);
    assert_eq!((f.code.as_str(), f.status), ("http", Some(404.0)));
    assert!(f.message.contains("Session not found"), "{}", f.message);
    assert!(f.details.is_undefined());
    assert!(rc.is_authenticated());
}

#[wasm_bindgen_test]
async fn unauthorized_clears_the_stored_login() {
    // A token the server does not know.
    let (rc, prefix) = rc_fresh("");
    rc_apply(&rc, &("RCadmin".into(), "not-a-real-token".into()));
    assert!(rc.is_authenticated());
    let f = rejection(rc.logout_session("some-session".into(), None)).await;
    assert_error(&f, "unauthorized", Some(401.0));
    assert_eq!(f.message, "You must be logged in to do this.");
    assert!(!f.message.contains("not-a-real-token"));
    assert_rc_logged_out(&rc, &prefix);

    // A real login revoked elsewhere (a direct logout with its token).
    let (rc, prefix) = rc_logged_in("rc-admin", "admin-pass").await;
    let login = rc_login_of(&rc);
    let (status, _) = rc_request(Method::POST, "/api/v1/logout", Some(&login)).await;
    assert_eq!(status, 200);
    let (_, session_id) = rc_alice().await;
    let err = rc_logout_with_totp(&rc, "rc-admin", &session_id)
        .await
        .unwrap_err();
    assert_eq!(failure(&err).code, "unauthorized");
    assert_rc_logged_out(&rc, &prefix);
    // A new instance finds nothing either.
    assert!(!rc_session(&rc_options(&prefix, "")).is_authenticated());
}

#[wasm_bindgen_test]
async fn a_401_does_not_clear_a_login_that_replaced_it() {
    let (rc, prefix) = rc_fresh("");
    rc_apply(&rc, &("RCadmin".into(), "stale-token".into()));
    // The stale call's 401 comes back only after the new login is stored.
    fault(r#"{"path":"/api/v1/sessions/logout","delayMs":800}"#).await;
    let pending = rc.logout_session("some-session".into(), None);
    // A new login lands while the stale call is in flight.
    let (user_id, token) = rc_direct_login("rc-admin", "admin-pass").await;
    rc_apply(&rc, &(user_id.clone(), token.clone()));
    assert_eq!(rejection(pending).await.code, "unauthorized");
    assert_eq!(rc_stored(&prefix), (Some(user_id), Some(token)));
}

#[wasm_bindgen_test]
async fn forbidden_without_the_permission() {
    let (rc, prefix) = rc_logged_in("rc-user", "user-pass").await;
    let (target, session_id) = rc_alice().await;
    let err = rc_logout_with_totp(&rc, "rc-user", &session_id)
        .await
        .unwrap_err();
    let f = failure(&err);
    assert_error(&f, "forbidden", Some(403.0));
    assert_eq!(
        f.message,
        "User does not have the permissions required for this action [error-unauthorized]"
    );
    // Nothing is cleared, and the target session lives on.
    assert!(rc.is_authenticated());
    assert!(rc_stored(&prefix).1.is_some());
    assert_eq!(rc_login_status(&target).await, 200);
}

#[wasm_bindgen_test]
async fn logout_clears_at_once_and_revokes_the_token() {
    let (rc, prefix) = rc_logged_in("rc-admin", "admin-pass").await;
    let login = rc_login_of(&rc);
    let before = rc_count("/api/v1/logout").await;
    let promise = rc.logout();
    // Cleared before the answer arrives.
    assert_rc_logged_out(&rc, &prefix);
    settle(promise).await.expect("logout");
    assert_rc_logged_out(&rc, &prefix);
    assert_eq!(rc_count("/api/v1/logout").await, before + 1);
    assert_eq!(rc_login_status(&login).await, 401);
    // Logging out again needs no request.
    settle(rc.logout()).await.expect("second logout");
    assert_eq!(rc_count("/api/v1/logout").await, before + 1);
}

#[wasm_bindgen_test]
async fn a_failed_logout_still_clears_then_rejects() {
    let (rc, prefix) = rc_logged_in("rc-admin", "admin-pass").await;
    fault(r#"{"path":"/api/v1/logout","status":500}"#).await;
    let promise = rc.logout();
    assert_rc_logged_out(&rc, &prefix);
    let f = rejection(promise).await;
    assert_error(&f, "http", Some(500.0));
    assert_rc_logged_out(&rc, &prefix);

    // A server that cannot be reached at all.
    clean_page();
    let rc = rc_session(r#"{"baseUrl":"http://127.0.0.1:9","storagePrefix":"down."}"#);
    rc_apply(&rc, &("u".into(), "t".into()));
    let promise = rc.logout();
    assert_rc_logged_out(&rc, "down.");
    assert_eq!(rejection(promise).await.code, "network");
    assert_rc_logged_out(&rc, "down.");
}

#[wasm_bindgen_test]
async fn a_timeout_is_reported() {
    let (rc, _) = rc_logged_in("rc-admin", "admin-pass").await;
    let login = rc_login_of(&rc);
    let prefix = rc_prefix();
    let slow = rc_session(&rc_options(&prefix, "\"requestTimeoutMs\":200"));
    rc_apply(&slow, &login);
    fault(r#"{"path":"/api/v1/sessions/logout","delayMs":1500}"#).await;
    assert_eq!(
        rejection(slow.logout_session("any".into(), None))
            .await
            .code,
        "timeout"
    );
    assert!(slow.is_authenticated());
    sleep(1_500).await;
}

#[wasm_bindgen_test]
async fn local_storage_persists_across_instances() {
    let (rc, prefix) = rc_logged_in("rc-admin", "admin-pass").await;
    let token = rc.auth_token().as_string().unwrap();
    let again = rc_session(&rc_options(&prefix, ""));
    assert!(again.is_authenticated());
    assert_eq!(again.auth_token().as_string(), Some(token));
    assert!(session_keys().iter().all(|k| !k.starts_with(&prefix)));
    // The restored login works.
    let (target, session_id) = rc_alice().await;
    rc_logout_with_totp(&again, "rc-admin", &session_id)
        .await
        .expect("logoutSession after restore");
    assert_eq!(rc_login_status(&target).await, 401);
    // Another prefix sees nothing; both instances share the storage, so a logout in one is
    // seen by the other.
    assert!(!rc_session(&rc_options("other.", "")).is_authenticated());
    settle(again.logout()).await.unwrap();
    assert!(!rc.is_authenticated());
}

#[wasm_bindgen_test]
async fn session_storage_persists_across_instances() {
    let (rc, prefix) =
        rc_logged_in_with("\"persist\":\"sessionStorage\"", "rc-admin", "admin-pass").await;
    let token = rc.auth_token().as_string().unwrap();
    assert_eq!(
        session_item(&[prefix.as_str(), "RC_TOKEN"].concat()),
        Some(token.clone())
    );
    assert_eq!(
        session_item(&[prefix.as_str(), "RC_UID"].concat()).as_deref(),
        Some("RCadmin")
    );
    assert!(local_keys().iter().all(|k| !k.starts_with(&prefix)));
    let again = rc_session(&rc_options(&prefix, "\"persist\":\"sessionStorage\""));
    assert_eq!(again.auth_token().as_string(), Some(token));
    // A localStorage instance with the same prefix does not see it.
    assert!(!rc_session(&rc_options(&prefix, "")).is_authenticated());
    settle(again.logout()).await.unwrap();
    assert_rc_logged_out(&rc, &prefix);
}

#[wasm_bindgen_test]
async fn memory_leaves_nothing_behind() {
    let (rc, prefix) = rc_logged_in_with("\"persist\":\"memory\"", "rc-admin", "admin-pass").await;
    assert!(rc.is_authenticated());
    let left: Vec<String> = local_keys()
        .into_iter()
        .chain(session_keys())
        .filter(|k| k.contains("RC_"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(!rc_session(&rc_options(&prefix, "\"persist\":\"memory\"")).is_authenticated());
    settle(rc.logout()).await.unwrap();
    assert!(!rc.is_authenticated());
}

#[wasm_bindgen_test]
async fn garbage_in_storage_is_ignored() {
    for (uid, token) in [
        ("RCadmin", "bad token"),
        ("", "token"),
        ("RCadmin", ""),
        ("RC\nadmin", "token"),
        ("RCadmin", "tökén"),
    ] {
        clean_page();
        set_local("g.RC_UID", uid);
        set_local("g.RC_TOKEN", token);
        let rc = rc_session(&rc_options("g.", ""));
        assert!(!rc.is_authenticated(), "{uid:?} {token:?}");
        assert!(rc.user_id().is_undefined());
        // Nothing is sent with it.
        assert_eq!(
            rejection(rc.logout_session("s".into(), None)).await.code,
            "unauthorized"
        );
    }
    // Only one half stored.
    clean_page();
    set_local("g.RC_TOKEN", "token");
    let rc = rc_session(&rc_options("g.", ""));
    assert!(!rc.is_authenticated());
    // The module still works.
    settle(rc.login("rc-admin".into(), "admin-pass".into()))
        .await
        .expect("login after garbage");
    assert!(rc.is_authenticated());
}

#[wasm_bindgen_test]
async fn bad_arguments_are_refused_without_a_request() {
    let (rc, prefix) = rc_logged_in("rc-admin", "admin-pass").await;
    let login = rc_login_of(&rc);
    let sent = rc_count(RC_SESSIONS_LOGOUT).await;
    let valid_two_factor = || rc_two_factor("totp", "123456");
    let expect_invalid = |err: JsValue, what: &str| {
        let f = assert_invalid(&err, what);
        assert!(!f.message.contains("123456"), "{what}: {}", f.message);
        assert!(!f.message.contains(&login.1), "{what}: {}", f.message);
    };

    // Session ids.
    for (id, what) in [
        (JsValue::from(""), "empty"),
        (JsValue::from("   "), "blank"),
        (JsValue::from(5), "number"),
        (JsValue::NULL, "null"),
        (JsValue::UNDEFINED, "undefined"),
        (json(r#"{"sessionId":"x"}"#), "object"),
    ] {
        let err = settle(rc.logout_session(id, valid_two_factor()))
            .await
            .unwrap_err();
        expect_invalid(err, what);
        // A normal call right after: the module did not panic.
        assert_eq!(rc.user_id().as_string().as_deref(), Some("RCadmin"));
    }

    // Second factors: every rule has its native table (`core::rc::rules`); here, one value of
    // each JS kind the reader converts.
    for text in [
        "5",
        r#""totp""#,
        "[]",
        r#"{"method":5,"code":"123456"}"#,
        r#"{"method":"totp","code":123456}"#,
        r#"{"method":"password","code":null}"#,
    ] {
        let value = json(text);
        let err = settle(rc.logout_session("some-session".into(), Some(value.unchecked_into())))
            .await
            .unwrap_err();
        expect_invalid(err, text);
        assert!(rc.is_authenticated(), "{text}");
    }
    // A function is not an object of the right shape either.
    let function = js_sys::Function::new_no_args("return 1");
    let err = settle(rc.logout_session("some-session".into(), Some(function.unchecked_into())))
        .await
        .unwrap_err();
    expect_invalid(err, "function");
    assert_eq!(
        rc_count(RC_SESSIONS_LOGOUT).await,
        sent,
        "a bad call was sent"
    );

    // Login arguments.
    let logins = rc_count("/api/v1/login").await;
    for (user, password) in [
        (JsValue::from(5), JsValue::from("admin-pass")),
        (JsValue::from(""), JsValue::from("admin-pass")),
        (JsValue::from("  "), JsValue::from("admin-pass")),
        (JsValue::from("rc-admin"), JsValue::from("")),
        (JsValue::from("rc-admin"), JsValue::NULL),
        (JsValue::UNDEFINED, JsValue::UNDEFINED),
    ] {
        let err = settle(rc.login(user, password)).await.unwrap_err();
        expect_invalid(err, "login");
        assert!(rc.is_authenticated());
    }
    assert_eq!(rc_count("/api/v1/login").await, logins);

    // Credentials given to apply: refused, the stored login unchanged. Every rule has its
    // native table (`core::rc::rules`); here, one value of each JS kind the reader converts.
    for text in [
        "null",
        "5",
        r#""token""#,
        r#"{"userId":"u"}"#,
        r#"{"userId":5,"authToken":"t"}"#,
        r#"{"userId":"u","authToken":["t"]}"#,
    ] {
        let err = JsValue::from(rc.apply(json(text)).expect_err(text));
        expect_invalid(err, text);
        assert_eq!(
            rc_stored(&prefix),
            (Some(login.0.clone()), Some(login.1.clone()))
        );
    }
    let err = JsValue::from(rc.apply(JsValue::UNDEFINED).unwrap_err());
    expect_invalid(err, "undefined");

    // Without a login nothing is sent.
    let (empty, _) = rc_fresh("");
    assert_eq!(
        rejection(empty.logout_session("some-session".into(), valid_two_factor()))
            .await
            .code,
        "unauthorized"
    );
    assert_eq!(rc_count(RC_SESSIONS_LOGOUT).await, sent);

    // After all of that the module works normally.
    rc_apply(&rc, &login);
    let (target, session_id) = rc_alice().await;
    rc_logout_with_totp(&rc, "rc-admin", &session_id)
        .await
        .expect("a normal call after bad input");
    assert_eq!(rc_login_status(&target).await, 401);
}

#[wasm_bindgen_test]
async fn every_invalid_option_is_refused() {
    clean_page();
    // Every rule has its native table (`core::rc::rules`); here, one value of each JS kind the
    // options reader converts: not an object, and a member of each wrong type.
    let bad = [
        "undefined",
        "null",
        "5",
        r#""http://127.0.0.1""#,
        "[]",
        r#"{"baseUrl":42}"#,
        r#"{"baseUrl":"http://x","storagePrefix":{}}"#,
        r#"{"baseUrl":"http://x","persist":true}"#,
        r#"{"baseUrl":"http://x","requestTimeoutMs":"10"}"#,
    ];
    for text in bad {
        assert_refused(RocketChatSession::new(options_value(text)), text);
        // A normal construction right after: the module did not panic.
        assert!(!rc_session(&rc_options("ok.", "")).is_authenticated());
    }
    // NaN and Infinity cannot be written in JSON.
    for n in [f64::NAN, f64::INFINITY] {
        let options = object(&[
            ("baseUrl", "http://x".into()),
            ("requestTimeoutMs", n.into()),
        ]);
        assert!(RocketChatSession::new(options).is_err());
    }
    // Every valid option, and the module still works.
    let (rc, _) = rc_logged_in_with(
        "\"persist\":\"localStorage\",\"requestTimeoutMs\":5000,\"extra\":1",
        "rc-admin",
        "admin-pass",
    )
    .await;
    assert!(rc.is_authenticated());
    let trailing = [devserver(), "/"].concat();
    let rc = rc_session(&object_text(&[("baseUrl", &trailing)], ""));
    settle(rc.login("rc-admin".into(), "admin-pass".into()))
        .await
        .expect("login with a trailing slash");
}
