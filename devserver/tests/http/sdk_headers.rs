//! The headers the SDK and session-keeper add (`x-descope-sdk-*`, `x-descope-refresh-cookie-name`,
//! any `x-*`) are accepted and ignored by every endpoint, and echoed by preflights.

use serde_json::{json, Value};

use crate::support::{bearer, Resp, Server};
use crate::{refresh_of, DEMO, P};

const EXTRA: &[(&str, &str)] = &[
    ("x-descope-sdk-name", "web-js"),
    ("x-descope-sdk-version", "1.53.0"),
    ("x-descope-sdk-session-id", "abc123"),
    ("x-descope-project-id", P),
    // The bearer wins over any cookie, so this names a cookie that is not even sent.
    ("x-descope-refresh-cookie-name", "NoSuchCookie"),
    ("X-Descope-Flow-Nonce", "n-1"),
    ("x-session-keeper", "1"),
    ("X-Anything-Else", "with spaces, and; punctuation"),
    ("Origin", "http://localhost:5173"),
];

/// A Descope call with the extra headers.
fn call(s: &Server, method: &str, path: &str, token: Option<&str>, body: &Value) -> Resp {
    let auth = bearer(P, token);
    let mut headers = vec![
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    headers.extend_from_slice(EXTRA);
    let text = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let r = s.request(method, path, &headers, text.as_bytes());
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://localhost:5173")
    );
    r
}

#[test]
fn every_endpoint_ignores_the_extra_headers() {
    let s = Server::start(&[]);
    // A 200 answer to a POST (or a GET) with the extra headers.
    let post =
        |path: &str, token: Option<&str>, body: Value| call(&s, "POST", path, token, &body).ok();
    let get = |path: &str, token: &str| call(&s, "GET", path, Some(token), &Value::Null).ok();

    let signed_in = post(
        "/v1/auth/password/signin",
        None,
        json!({"loginId": DEMO, "password": "demo1234"}),
    );
    let session = signed_in["sessionJwt"].as_str().unwrap().to_string();
    let token = refresh_of(&signed_in);
    let token = refresh_of(&post(
        "/v1/auth/refresh?dcs=t&dcr=t",
        Some(&token),
        json!({}),
    ));
    let token = refresh_of(&post(
        "/v1/auth/try-refresh?dcs=t&dcr=t",
        Some(&token),
        json!({}),
    ));
    assert_eq!(post("/v1/auth/try-refresh", None, json!({})), json!({}));
    assert_eq!(get("/v1/auth/me", &token)["userId"], "U-demo");
    let history = get("/v1/auth/me/history", &token);
    assert_eq!(history.as_array().map(Vec::len), Some(1));
    let selected = post(
        "/v1/auth/tenant/select",
        Some(&token),
        json!({"tenant": "T-acme"}),
    );
    let token = refresh_of(&selected);
    let tenants = post("/v1/auth/me/tenants", Some(&token), json!({"dct": true}));
    assert_eq!(tenants["tenants"][0]["id"], "T-acme");
    let validated = post("/v1/auth/validate", Some(&session), json!({}));
    assert_eq!(validated["parsedJWT"]["sub"], "U-demo");
    let answers = json!([{"questionId": "q-color", "answer": "blue"}]);
    let verify = json!({ "answers": answers });
    post("/v1/auth/security-questions/verify", Some(&token), verify);
    post(
        "/v1/auth/accesskey/exchange",
        Some("demo-access-key"),
        json!({}),
    );
    post("/v1/auth/logout", Some(&token), json!({}));
    let other = s.demo_token(P);
    post("/v1/auth/logoutall", Some(&other), json!({}));
    // And errors are the usual ones.
    call(&s, "GET", "/v1/auth/me", Some(&other), &Value::Null).assert_error(401, "E061004");
}

#[test]
fn preflights_echo_any_requested_header() {
    let s = Server::start(&[]);
    let asked = "authorization,content-type,x-descope-sdk-name,x-descope-sdk-version,\
                 x-descope-sdk-session-id,x-descope-project-id,x-descope-refresh-cookie-name,\
                 x-descope-flow-nonce,x-session-keeper,x-whatever-else";
    for path in [
        "/v1/auth/try-refresh",
        "/v1/auth/me/tenants",
        "/v1/auth/refresh",
        "/v1/auth/me",
        "/api/v1/sessions/logout",
    ] {
        let r = s.request(
            "OPTIONS",
            path,
            &[
                ("Origin", "http://127.0.0.1:3000"),
                ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", asked),
            ],
            b"",
        );
        assert_eq!(r.status, 204, "{path}");
        assert_eq!(
            r.header("access-control-allow-headers"),
            Some(asked),
            "{path}"
        );
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some("http://127.0.0.1:3000")
        );
    }
    // Preflights are not logged.
    let log = s.control("GET", "/__control/log", &Value::Null);
    assert_eq!(log, json!([]));
}
