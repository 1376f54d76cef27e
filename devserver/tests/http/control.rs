//! The test-control API: project overrides, faults, log, counters, reset; and its absence.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{bearer, claims, Server};
use crate::{refresh_of, DEMO, P};

#[test]
fn per_project_overrides() {
    let s = Server::start(&[]);
    let config = json!({"sessionTtl": 42, "refreshCookie": true, "cookieName": "R2", "cookieDomain": "example.com", "nextRefreshSeconds": 5});
    let effective = s.project("P-cookie", config);
    assert_eq!(effective["projectId"], "P-cookie");
    assert_eq!(effective["sessionTtl"], 42);
    assert_eq!(effective["refreshTtl"], 2_592_000);
    assert_eq!(effective["cookieMaxAge"], 2_592_000);
    assert_eq!(effective["refreshCookie"], true);
    assert_eq!(effective["sessionCookieName"], "DS");

    let r = s.sign_in_demo("P-cookie");
    let body = r.json();
    assert!(body.get("refreshJwt").is_none());
    assert!(r.header("set-cookie").unwrap().starts_with("R2=ey"));
    assert_eq!(body["cookieName"], "R2");
    assert_eq!(body["cookieDomain"], "example.com");
    assert_eq!(body["nextRefreshSeconds"], 5);
    let c = claims(body["sessionJwt"].as_str().unwrap());
    assert_eq!(c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(), 42);

    // Other projects keep the flags; a later PUT replaces the override.
    let other = s.sign_in(P, DEMO, "demo1234");
    assert_eq!(other["cookieName"], "DSR");
    let effective = s.project("P-cookie", json!({"sessionTtl": 10}));
    assert_eq!(
        (
            effective["cookieName"].as_str(),
            effective["refreshCookie"].as_bool()
        ),
        (Some("DSR"), Some(false))
    );

    for bad in [
        json!({"sessionTtl": "long"}),
        json!({"sessionTTL": 1}),
        json!([1]),
    ] {
        let r = s.request(
            "PUT",
            "/__control/projects/P-cookie",
            &[],
            bad.to_string().as_bytes(),
        );
        r.assert_error(400, "E011003");
    }
}

#[test]
fn faults_answer_delay_and_run_out() {
    let s = Server::start(&[]);
    let token = s.demo_token(P);

    s.fault(json!({"path": "/v1/auth/me", "count": 2, "status": 503, "retryAfter": 7}));
    s.fault(json!({"path": "/v1/auth/me", "status": 429, "body": {"errorCode": "E130429"}}));
    let me = || s.get_token("/v1/auth/me", P, &token);
    for _ in 0..2 {
        let r = me();
        assert_eq!(r.status, 503);
        assert_eq!(r.header("retry-after"), Some("7"));
        assert_eq!(r.json()["errorCode"], "E999999");
    }
    let r = me();
    assert_eq!(r.status, 429);
    assert_eq!(r.json(), json!({"errorCode": "E130429"}));
    assert_eq!(r.header("retry-after"), None);
    assert_eq!(me().status, 200);

    // Delay only: handled normally afterwards.
    s.fault(json!({"path": "/v1/auth/me", "delayMs": 400}));
    let start = Instant::now();
    let r = me();
    assert!(start.elapsed() >= Duration::from_millis(400));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["userId"], "U-demo");

    // A truncated document, with the default status 200; a raw string body.
    s.fault(json!({"path": "/v1/auth/me", "body": "malformed"}));
    let r = me();
    assert_eq!(r.status, 200);
    assert!(serde_json::from_slice::<Value>(&r.body).is_err());
    assert!(r.text().starts_with('{'));
    s.fault(json!({"path": "/v1/auth/me", "status": 502, "body": "<html>bad gateway</html>"}));
    assert_eq!(me().text(), "<html>bad gateway</html>");

    // Project filter.
    s.fault(json!({"path": "/v1/auth/me", "status": 500, "project": "P-other"}));
    assert_eq!(me().status, 200);
    let other = s.demo_token("P-other");
    assert_eq!(s.get_token("/v1/auth/me", "P-other", &other).status, 500);

    // Faults apply to Rocket.Chat too, and can be dropped.
    s.fault(json!({"path": "/api/v1/login", "status": 500, "count": 5}));
    let login = || {
        s.post(
            "/api/v1/login",
            &[],
            &json!({"user": "rc-user", "password": "user-pass"}),
        )
    };
    assert_eq!(login().status, 500);
    assert_eq!(
        s.control("DELETE", "/__control/faults", &Value::Null)["pending"],
        0
    );
    assert_eq!(login().status, 200);

    for bad in [
        json!({"count": 1}),
        json!({"path": "/x", "count": 0}),
        json!({"path": "/x", "status": 1000}),
    ] {
        s.request("POST", "/__control/faults", &[], bad.to_string().as_bytes())
            .assert_error(400, "E011003");
    }
}

#[test]
fn log_and_counters() {
    let s = Server::start(&[]);
    let r = s.sign_in(P, DEMO, "demo1234");
    let token = refresh_of(&r);
    let origin = ("Origin", "http://localhost:5173");
    s.request(
        "POST",
        "/v1/auth/refresh",
        &[("Authorization", &bearer(P, Some(&token))), origin],
        b"{}",
    );
    s.refresh(P, &token); // reuse: 401
    s.descope("GET", "/v1/auth/me", "P-other", None, &Value::Null); // 401, no token
    s.request(
        "OPTIONS",
        "/v1/auth/refresh",
        &[origin, ("Access-Control-Request-Method", "POST")],
        b"",
    );
    s.get("/nowhere", &[]);

    let log = s.control("GET", "/__control/log", &Value::Null);
    let log = log.as_array().unwrap();
    let paths: Vec<&str> = log.iter().map(|e| e["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        [
            "/v1/auth/password/signin",
            "/v1/auth/refresh",
            "/v1/auth/refresh",
            "/v1/auth/me",
            "/nowhere"
        ]
    );
    let seqs: Vec<u64> = log.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    let refresh = &log[1];
    assert_eq!(refresh["method"], "POST");
    assert_eq!(refresh["project"], P);
    assert_eq!(refresh["status"], 200);
    assert_eq!(refresh["tokenJti"], claims(&token)["jti"]);
    assert_eq!(refresh["origin"], "http://localhost:5173");
    assert!(refresh["at"].as_u64().unwrap() >= log[0]["at"].as_u64().unwrap());
    assert_eq!(log[2]["status"], 401);
    assert_eq!(log[0]["tokenJti"], Value::Null);
    assert_eq!(log[3]["project"], "P-other");
    assert_eq!(log[4]["project"], Value::Null);
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains(&token), "the log never holds a token");

    let filtered = s.control(
        "GET",
        "/__control/log?project=P-test&path=%2Fv1%2Fauth%2Frefresh",
        &Value::Null,
    );
    assert_eq!(filtered.as_array().unwrap().len(), 2);

    let counters = s.control("GET", "/__control/counters", &Value::Null);
    assert_eq!(
        counters["/v1/auth/refresh"],
        json!({"total": 2, "byStatus": {"200": 1, "401": 1}})
    );
    assert_eq!(counters["/nowhere"]["byStatus"]["404"], 1);
    assert!(counters.get("/__control/log").is_none());
    let counters = s.control("GET", "/__control/counters?project=P-other", &Value::Null);
    assert_eq!(
        counters,
        json!({"/v1/auth/me": {"total": 1, "byStatus": {"401": 1}}})
    );
}

#[test]
fn reset_forgets_everything() {
    let s = Server::start(&[]);
    let token = refresh_of(&s.sign_in(P, "temp@example.com", "pw"));
    s.project("P-test", json!({"cookieName": "X"}));
    s.fault(json!({"path": "/v1/auth/password/signin", "status": 500, "count": 3}));
    let rc = s
        .post(
            "/api/v1/login",
            &[],
            &json!({"user": "rc-user", "password": "user-pass"}),
        )
        .json();

    assert_eq!(
        s.control("POST", "/__control/reset", &Value::Null),
        json!({"ok": true})
    );
    assert_eq!(s.control("GET", "/__control/log", &Value::Null), json!([]));
    assert_eq!(
        s.control("GET", "/__control/counters", &Value::Null),
        json!({})
    );
    s.get_token("/v1/auth/me", P, &token)
        .assert_error(401, "E061004");
    let again = s.sign_in(P, "temp@example.com", "another-password");
    assert_eq!(again["firstSeen"], true);
    assert_eq!(again["cookieName"], "DSR");
    let r = s.get(
        "/api/v1/sessions/list",
        &[
            ("X-User-Id", rc["data"]["userId"].as_str().unwrap()),
            ("X-Auth-Token", rc["data"]["authToken"].as_str().unwrap()),
        ],
    );
    assert_eq!(r.status, 401);
}

#[test]
fn control_api_is_absent_without_the_flag() {
    let s = Server::spawn(&["--port", "0"], &[]);
    for (method, path) in [
        ("POST", "/__control/reset"),
        ("GET", "/__control/log"),
        ("POST", "/__control/faults"),
    ] {
        s.request(method, path, &[], b"{\"path\": \"/v1/auth/me\"}")
            .assert_error(404, "E000404");
    }
    assert_eq!(s.sign_in(P, DEMO, "demo1234")["user"]["userId"], "U-demo");
}
