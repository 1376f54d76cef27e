//! `POST /v1/auth/try-refresh`: `refresh` with a usable token, 200 `{}` instead of a 401.

use serde_json::{json, Value};

use crate::support::{claims, session_claims, Resp, Server};
use crate::{refresh_of, DEMO, P};

const TRY: &str = "/v1/auth/try-refresh";

fn try_refresh(s: &Server, project: &str, token: Option<&str>) -> Resp {
    s.descope("POST", TRY, project, token, &json!({}))
}

/// A 200 `{}` (nothing to refresh) without any `Set-Cookie`.
fn assert_empty(r: &Resp) {
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({}));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.header("set-cookie").is_none(), "{:?}", r.headers);
}

/// A 200 `{}` that expires the refresh cookie named `name`.
fn assert_empty_expiring(r: &Resp, name: &str) {
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({}));
    let cookie = r.header("set-cookie").expect("Set-Cookie");
    assert_eq!(
        cookie,
        format!("{name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
    );
}

#[test]
fn a_valid_token_is_refreshed_and_rotated() {
    let s = Server::start(&["--next-refresh-seconds", "5"]);
    let first = s.demo_token(P);
    // The SDK's query is ignored; no body at all is fine too.
    let r = s.descope(
        "POST",
        &format!("{TRY}?dcs=t&dcr=t"),
        P,
        Some(&first),
        &Value::Null,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    let second = refresh_of(&body);
    assert_ne!(second, first);
    assert_eq!(claims(&second)["sub"], "U-demo");
    let session = session_claims(&body);
    assert_eq!(
        (&session["sub"], &session["iss"]),
        (&json!("U-demo"), &json!(P))
    );
    assert_eq!(body["user"]["userId"], "U-demo");
    assert_eq!(body["firstSeen"], false);
    assert_eq!(body["sessionExpiration"], session["exp"]);
    assert_eq!(body["cookieName"], "DSR");
    assert_eq!(body["nextRefreshSeconds"], 5);

    // It is the same family: the selected dct is kept by try-refresh.
    let third = refresh_of(&s.select(P, &second, "T-acme").ok());
    let body = try_refresh(&s, P, Some(&third)).ok();
    assert_eq!(session_claims(&body)["dct"], "T-acme");
    assert_eq!(claims(&refresh_of(&body))["dct"], "T-acme");
    let fourth = refresh_of(&body);

    // The presented token was used up: presenting it to refresh is reuse.
    s.refresh(P, &third).assert_error(401, "E061005");
    s.refresh(P, &fourth).assert_error(401, "E061004");

    // The log names the token presented.
    let log = s.control("GET", &format!("/__control/log?path={TRY}"), &Value::Null);
    let entries = log.as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["tokenJti"], claims(&first)["jti"]);
    assert_eq!(entries[0]["status"], 200);
    assert_eq!(entries[0]["project"], P);
}

#[test]
fn without_rotation_the_token_is_kept() {
    let s = Server::start(&[]);
    s.project("P-keep", json!({"rotation": false}));
    let token = s.demo_token("P-keep");
    let mut sessions = Vec::new();
    for _ in 0..3 {
        let r = try_refresh(&s, "P-keep", Some(&token));
        assert_eq!(r.status, 200, "{}", r.text());
        let body = r.json();
        assert!(body.get("refreshJwt").is_none(), "refreshJwt in {body}");
        assert!(r.header("set-cookie").is_none());
        sessions.push(body["sessionJwt"].as_str().unwrap().to_string());
    }
    sessions.dedup();
    assert_eq!(sessions.len(), 3, "a new session JWT each time");
    s.select("P-keep", &token, "T-globex").ok();
    let body = try_refresh(&s, "P-keep", Some(&token)).json();
    assert_eq!(session_claims(&body)["dct"], "T-globex");
    // Still usable by refresh: nothing was rotated.
    assert_eq!(s.refresh("P-keep", &token).status, 200);
}

#[test]
fn no_token_is_an_empty_answer() {
    let s = Server::start(&[]);
    assert_empty(&try_refresh(&s, P, None));
    // No body, and a present but empty cookie header, are no token either.
    assert_empty(&s.descope("POST", TRY, P, None, &Value::Null));
    assert_empty(&s.with_cookie("POST", TRY, "DSR=", &[], b""));
    // The Authorization header itself is still required, and a body must be an object.
    s.request("POST", TRY, &[], b"{}")
        .assert_error(401, "E061004");
    s.request("POST", TRY, &[("Authorization", "Basic eA==")], b"{}")
        .assert_error(401, "E061004");
    for bad in [&b"[]"[..], b"\"x\"", b"{"] {
        s.request("POST", TRY, &[("Authorization", "Bearer P-test")], bad)
            .assert_error(400, "E011003");
    }
    // Only POST.
    s.get(TRY, &[("Authorization", "Bearer P-test")])
        .assert_error(404, "E000404");
}

#[test]
fn unusable_tokens_are_an_empty_answer() {
    let s = Server::start(&["--refresh-ttl", "1"]);
    let signed_in = s.sign_in(P, DEMO, "demo1234");
    let session = signed_in["sessionJwt"].as_str().unwrap().to_string();
    let token = refresh_of(&signed_in);
    assert_empty(&try_refresh(&s, P, Some("garbage")));
    assert_empty(&try_refresh(&s, P, Some("a.b.c")));
    // A session JWT is not a refresh JWT; another project's bearer refuses the token.
    assert_empty(&try_refresh(&s, P, Some(&session)));
    assert_empty(&try_refresh(&s, "P-other", Some(&token)));

    // Revoked by logout.
    assert_eq!(s.post_token("/v1/auth/logout", P, &token).status, 200);
    assert_empty(&try_refresh(&s, P, Some(&token)));
    s.refresh(P, &token).assert_error(401, "E061004");

    // Expired.
    let token = s.demo_token(P);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_empty(&try_refresh(&s, P, Some(&token)));
}

#[test]
fn a_reused_token_revokes_the_family() {
    let s = Server::start(&[]);
    let first = s.demo_token(P);
    let second = refresh_of(&try_refresh(&s, P, Some(&first)).ok());
    let newest = refresh_of(&s.refresh(P, &second).ok());
    let other_family = s.demo_token(P);

    // Reuse does not fail try-refresh, but the whole family is revoked.
    assert_empty(&try_refresh(&s, P, Some(&first)));
    s.refresh(P, &newest).assert_error(401, "E061004");
    assert_empty(&try_refresh(&s, P, Some(&newest)));
    // Reuse on try-refresh of a token rotated by try-refresh is reuse on refresh as well.
    s.refresh(P, &second).assert_error(401, "E061004");
    assert_eq!(s.refresh(P, &other_family).status, 200);
}

#[test]
fn refresh_cookie_mode() {
    let s = Server::start(&["--refresh-cookie"]);
    let r = s.sign_in_demo(P);
    assert_eq!(r.status, 200);
    let first = r.cookie_value();
    let with =
        |cookie: &str, extra: &[(&str, &str)]| s.with_cookie("POST", TRY, cookie, extra, b"{}");

    // Via the cookie: rotated, the new token in a new cookie, not in the body.
    let r = with(&format!("other=1; DSR={first}"), &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json().get("refreshJwt").is_none());
    assert!(r.json()["sessionJwt"].is_string());
    let set = r.header("set-cookie").unwrap();
    assert!(set.starts_with("DSR=ey"), "{set}");
    assert!(set.ends_with("; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax"));
    let second = r.cookie_value();
    assert_ne!(first, second);

    // Via a cookie of the name given by x-descope-refresh-cookie-name.
    let r = with(
        &format!("DSR=garbage; Mine={second}"),
        &[("x-descope-refresh-cookie-name", "Mine")],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let third = r.cookie_value();
    assert_ne!(third, second);

    // No cookie: `{}` and nothing to expire.
    assert_empty(&with("other=1", &[]));
    // An unusable cookie is expired, under the name the request used.
    assert_empty_expiring(&with("DSR=garbage", &[]), "DSR");
    assert_empty_expiring(
        &with("Mine=garbage", &[("x-descope-refresh-cookie-name", "Mine")]),
        "Mine",
    );
    // A rotated cookie is reuse: `{}`, the cookie expired, and the family revoked.
    assert_empty_expiring(&with(&format!("DSR={first}"), &[]), "DSR");
    let r = s.with_cookie(
        "POST",
        "/v1/auth/refresh",
        &format!("DSR={third}"),
        &[],
        b"{}",
    );
    r.assert_error(401, "E061004");
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
}

#[test]
fn refresh_cookie_mode_without_rotation_sets_no_cookie() {
    let s = Server::start(&["--refresh-cookie", "--no-rotation"]);
    let token = s.sign_in_demo(P).cookie_value();
    for _ in 0..2 {
        let r = s.with_cookie("POST", TRY, &format!("DSR={token}"), &[], b"");
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(r.json().get("refreshJwt").is_none());
        assert!(r.json()["sessionJwt"].is_string());
        assert!(r.header("set-cookie").is_none());
    }
    // The bearer still wins over the cookie.
    let r = s.bearer_over_cookie("POST", TRY, &token, b"{}");
    assert_eq!(r.status, 200);
    assert!(r.json()["sessionJwt"].is_string());
}

#[test]
fn faults_apply() {
    let s = Server::start(&[]);
    s.fault(json!({"path": TRY, "status": 503, "retryAfter": 3}));
    let r = try_refresh(&s, P, None);
    r.assert_error(503, "E999999");
    assert_eq!(r.header("retry-after"), Some("3"));
    assert_empty(&try_refresh(&s, P, None));
    let counters = s.control("GET", "/__control/counters", &Value::Null);
    assert_eq!(
        counters[TRY],
        json!({"total": 2, "byStatus": {"200": 1, "503": 1}})
    );
}
