//! The calls and what they answer: `apply` and the getters it fills, `me`, `history`,
//! `validate`, security questions, access keys; how failures map to `SessionError`s, and
//! responses `apply` refuses.

use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::web::*;

#[wasm_bindgen_test]
async fn apply_fills_every_getter() {
    let s = signed("").await;
    let session_jwt = get_str(&s.response, "sessionJwt").unwrap();
    let refresh_jwt = get_str(&s.response, "refreshJwt").unwrap();
    assert_eq!(
        s.session.session_token().as_deref(),
        Some(session_jwt.as_str())
    );
    assert_eq!(
        s.session.refresh_token().as_deref(),
        Some(refresh_jwt.as_str())
    );
    assert!(s.session.is_authenticated());
    let claims = s.session.claims();
    assert_eq!(get_str(&claims, "iss").as_deref(), Some(s.project.as_str()));
    let exp = get(&claims, "exp").as_f64().unwrap();
    assert_eq!(s.session.expires_at(), Some(exp * 1000.0));
    // No nextRefreshSeconds from this server: due 20 s before expiry.
    assert_eq!(s.session.next_refresh_at(), Some(exp * 1000.0 - 20_000.0));
    let user = s.session.user();
    assert_eq!(get_str(&user, "email").as_deref(), Some(s.login.as_str()));
    assert_eq!(s.session.roles(None), ["viewer"]);
    assert_eq!(s.session.permissions(None), ["read"]);
    assert_eq!(s.session.roles(Some("T-acme".into())), ["admin"]);
    assert_eq!(
        s.session.permissions(Some("T-acme".into())),
        ["read", "write"]
    );
    assert!(s.session.roles(Some("T-none".into())).is_empty());
    assert_eq!(s.session.current_tenant(), None);
    // Default layout: session token in the DS cookie, refresh token in <prefix>DSR.
    assert_eq!(cookie("DS").as_deref(), Some(session_jwt.as_str()));
    assert_eq!(
        local(&key(&s.project, "DSR")).as_deref(),
        Some(refresh_jwt.as_str())
    );
    assert_eq!(local(&key(&s.project, "DS")), None);
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn me_and_history() {
    let s = signed("\"autoRefresh\":false").await;
    let changes = Recorder::new();
    let _unsubscribe = s.session.on_user_change(changes.function.clone());
    let user = settle(s.session.me()).await.expect("me");
    assert_eq!(get_str(&user, "email").as_deref(), Some(s.login.as_str()));
    assert_eq!(
        Array::from(&get(&user, "userTenants")).length(),
        2,
        "{}",
        stringify(&user)
    );
    assert_eq!(stringify(&s.session.user()), stringify(&user));
    // The same user again is not a change.
    assert_eq!(changes.count(), 0);
    let history = settle(s.session.history()).await.expect("history");
    let history = Array::from(&history);
    assert_eq!(history.length(), 1);
    let entry = history.get(0);
    assert!(get_str(&entry, "userId").is_some());
    assert!(get(&entry, "loginTime").as_f64().unwrap() > 1.6e9);
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn validate_sends_the_session_token() {
    let s = signed("\"autoRefresh\":false").await;
    let answer = settle(s.session.validate()).await.expect("validate");
    let parsed = get(&answer, "parsedJWT");
    assert_eq!(get_str(&parsed, "iss").as_deref(), Some(s.project.as_str()));
    assert_eq!(get_str(&parsed, "sub"), get_str(&s.session.claims(), "sub"));
    s.session.dispose();
    // Without a session there is nothing to validate.
    clean_page();
    let empty = manager(&options(&unique("P"), "\"autoRefresh\":false"));
    assert_eq!(rejection(empty.validate()).await.code, "unauthorized");
    empty.dispose();
}

#[wasm_bindgen_test]
async fn security_questions_verify_applies_the_new_session() {
    let s = signed("\"autoRefresh\":false").await;
    let old_session = s.session.session_token();
    let request = json(
        r#"{"answers":[{"questionId":"q-color","answer":"Blue"},{"questionId":"q-city","answer":" paris "}],"stepup":true}"#,
    );
    let response = settle(s.session.verify_security_questions(request))
        .await
        .expect("verify");
    assert!(get_str(&response, "sessionJwt").is_some());
    assert_ne!(s.session.session_token(), old_session);
    assert_eq!(get(&s.session.claims(), "su").as_bool(), Some(true));
    // A wrong answer: 401, the session stays.
    let before = s.session.session_token();
    let wrong = json(r#"{"answers":[{"questionId":"q-color","answer":"red"}]}"#);
    let f = rejection(s.session.verify_security_questions(wrong)).await;
    assert_eq!((f.code.as_str(), f.status), ("unauthorized", Some(401.0)));
    assert_eq!(s.session.session_token(), before);
    // A malformed request never leaves the browser.
    let sent = count(&s.project, "/v1/auth/security-questions/verify").await;
    for bad in [
        json(r#"{"answers":"blue"}"#),
        json(r#"{"answers":[{"questionId":1,"answer":"x"}]}"#),
        JsValue::from("blue"),
        JsValue::NULL,
    ] {
        assert_eq!(
            rejection(s.session.verify_security_questions(bad))
                .await
                .code,
            "invalid_argument"
        );
    }
    assert_eq!(
        count(&s.project, "/v1/auth/security-questions/verify").await,
        sent
    );
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn access_key_exchange() {
    let (_, session) = fresh_manager("\"autoRefresh\":false");
    let options = json(r#"{"customClaims":{"k":"v"}}"#);
    let answer = settle(
        session.exchange_access_key("demo-access-key".into(), Some(options.unchecked_into())),
    )
    .await
    .expect("exchange");
    assert_eq!(get_str(&answer, "keyId").as_deref(), Some("K-demo"));
    assert!(get_str(&answer, "sessionJwt").is_some());
    assert!(get(&answer, "expiration").as_f64().is_some());
    // The exchange does not sign anyone in.
    assert!(!session.is_authenticated());
    assert_eq!(
        rejection(session.exchange_access_key("wrong-key".into(), None))
            .await
            .code,
        "unauthorized"
    );
    assert_eq!(
        rejection(session.exchange_access_key("".into(), None))
            .await
            .code,
        "invalid_argument"
    );
    session.dispose();
}

#[wasm_bindgen_test]
async fn errors_map_to_session_errors() {
    let s = signed(r#""autoRefresh":false,"requestTimeoutMs":400"#).await;
    let f = me_with_fault(&s, r#""status":400,"body":{"errorCode":"E011003","errorDescription":"Request is invalid","errorMessage":"bad"}"#).await;
    assert_error(&f, "http", Some(400.0));
    assert_eq!(f.error_code.as_deref(), Some("E011003"));
    let f = me_with_fault(&s, r#""status":401"#).await;
    assert_eq!((f.code.as_str(), f.status), ("unauthorized", Some(401.0)));
    assert_eq!(f.error_code.as_deref(), Some("E999999"));
    let f = me_with_fault(&s, r#""status":403"#).await;
    assert_eq!((f.code.as_str(), f.status), ("forbidden", Some(403.0)));
    let f = me_with_fault(&s, r#""status":429,"retryAfter":7"#).await;
    assert_eq!(
        (f.code.as_str(), f.status, f.retry_after),
        ("rate_limited", Some(429.0), Some(7.0))
    );
    let f = me_with_fault(&s, r#""status":500"#).await;
    assert_eq!((f.code.as_str(), f.status), ("http", Some(500.0)));
    let f = me_with_fault(&s, r#""status":502,"body":"<html>Bad gateway</html>""#).await;
    assert_eq!((f.code.as_str(), f.status), ("http", Some(502.0)));
    let f = me_with_fault(&s, r#""delayMs":2000"#).await;
    assert_eq!(f.code, "timeout");
    let f = me_with_fault(&s, r#""body":"malformed""#).await;
    assert_eq!(f.code, "invalid_response");
    let f = me_with_fault(&s, r#""body":[1,2]"#).await;
    assert_eq!(f.code, "invalid_response");
    // None of these messages carried a token (`me_with_fault` checks each); the session is
    // untouched by them.
    assert!(s.session.is_authenticated());
    settle(s.session.me()).await.expect("me works again");
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn bad_responses_are_refused_and_change_nothing() {
    let s = signed("\"autoRefresh\":false").await;
    let token = s.session.session_token();
    let big_claim = "x".repeat(1 << 20);
    let huge = fake_jwt(
        &[
            r#"{"exp":"#,
            &(now_s() + 600.0).to_string(),
            r#","pad":""#,
            &big_claim,
            r#""}"#,
        ]
        .concat(),
    );
    let bad: Vec<JsValue> = vec![
        JsValue::from("not an object"),
        JsValue::NULL,
        JsValue::UNDEFINED,
        json("[]"),
        json("{}"),
        json(r#"{"sessionJwt":42}"#),
        json(r#"{"sessionJwt":"not-a-jwt"}"#),
        json(r#"{"sessionJwt":"a.b.c"}"#),
        json(r#"{"sessionJwt":"has spaces . in . it"}"#),
        object(&[
            ("sessionJwt", fake_jwt(r#"{"exp":1}"#).into()),
            ("refreshJwt", "bad token\n".into()),
        ]),
        object(&[
            ("sessionJwt", fake_jwt(r#"{"exp":1}"#).into()),
            ("cookieMaxAge", "soon".into()),
        ]),
        object(&[
            ("sessionJwt", fake_jwt(r#"{"exp":1}"#).into()),
            ("nextRefreshSeconds", json("{}")),
        ]),
        object(&[("sessionJwt", fake_jwt("[1,2]").into())]),
        object(&[("sessionJwt", ["x", &"y".repeat(3 << 20)].concat().into())]),
    ];
    for response in bad {
        let err = s.session.apply(response.clone()).unwrap_err();
        assert!(
            matches!(err.code, session_keeper::ErrorCode::InvalidResponse),
            "{:?} for {}",
            err.code,
            stringify(&response)
        );
        assert_eq!(s.session.session_token(), token, "{}", stringify(&response));
    }
    // A 1 MB token is too big for a cookie: it is kept in storage instead, and works.
    s.session
        .apply(object(&[
            ("sessionJwt", huge.clone().into()),
            ("refreshJwt", s.session.refresh_token().unwrap().into()),
        ]))
        .expect("a 1 MB session token");
    assert_eq!(s.session.session_token().as_deref(), Some(huge.as_str()));
    assert_eq!(cookie("DS"), None);
    assert_eq!(
        local(&key(&s.project, "DS")).as_deref(),
        Some(huge.as_str())
    );
    // The module is alive: a normal round trip works.
    settle(s.session.refresh())
        .await
        .expect("refresh after bad input");
    assert!(s.session.is_authenticated());
    s.session.dispose();
}
