//! The devserver over real HTTP: each test starts its own process.

mod common;

use std::time::{Duration, Instant};

use common::{bearer, claims, Server};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const P: &str = "P-test";
const DEMO: &str = "demo@example.com";

fn refresh_of(r: &Value) -> String {
    r["refreshJwt"].as_str().expect("refreshJwt").to_string()
}

// ---------------------------------------------------------------- Descope

#[test]
fn sign_in_registers_and_checks_passwords() {
    let s = Server::start(&[]);
    let r = s.sign_in(P, DEMO, "demo1234");
    assert_eq!(r["firstSeen"], false);
    assert_eq!(r["user"]["userId"], "U-demo");
    assert_eq!(r["user"]["name"], "Demo User");
    assert_eq!(r["cookieName"], "DSR");
    assert_eq!(r["sessionCookieName"], "DS");
    assert_eq!(r["cookiePath"], "/");
    assert_eq!(r["cookieMaxAge"], 2_592_000);
    for absent in ["cookieDomain", "sessionCookieDomain", "nextRefreshSeconds"] {
        assert!(r.get(absent).is_none(), "{absent}");
    }
    let session = claims(r["sessionJwt"].as_str().unwrap());
    assert_eq!(session["sub"], "U-demo");
    assert_eq!(session["iss"], P);
    assert_eq!(session["roles"], json!(["viewer"]));
    assert_eq!(session["permissions"], json!(["read"]));
    assert_eq!(session["tenants"]["T-acme"]["roles"], json!(["admin"]));
    assert_eq!(
        session["tenants"]["T-globex"]["permissions"],
        json!(["read"])
    );
    assert_eq!(r["sessionExpiration"], session["exp"]);
    assert_eq!(
        session["exp"].as_u64().unwrap() - session["iat"].as_u64().unwrap(),
        300
    );
    assert!(session.get("dct").is_none() && session.get("su").is_none());
    let refresh = claims(&refresh_of(&r));
    assert_eq!(refresh["sub"], "U-demo");
    assert_ne!(refresh["jti"], session["jti"]);
    let expiration = r["cookieExpiration"].as_u64().unwrap();
    assert_eq!(expiration, refresh["iat"].as_u64().unwrap() + 2_592_000);

    let new = s.sign_in(P, "new-user@example.com", "pw-1");
    assert_eq!(new["firstSeen"], true);
    assert_eq!(new["user"]["email"], "new-user@example.com");
    assert!(new["user"]["userId"].as_str().unwrap().starts_with("U-"));
    assert_eq!(
        s.sign_in(P, "new-user@example.com", "pw-1")["firstSeen"],
        false
    );

    let wrong = json!({"loginId": "new-user@example.com", "password": "nope"});
    s.descope("POST", "/v1/auth/password/signin", P, None, &wrong)
        .assert_error(401, "E062108");
}

#[test]
fn refresh_rotates_and_reuse_revokes_the_family() {
    let s = Server::start(&[]);
    let first = refresh_of(&s.sign_in(P, DEMO, "demo1234"));
    let r = s.descope(
        "POST",
        "/v1/auth/refresh?dcs=t&dcr=t",
        P,
        Some(&first),
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let second = refresh_of(&r.json());
    assert_ne!(first, second);
    assert_eq!(claims(&first)["sub"], claims(&second)["sub"]);
    // No body at all is fine too.
    let r = s.descope("POST", "/v1/auth/refresh", P, Some(&second), &Value::Null);
    assert_eq!(r.status, 200);
    let third = refresh_of(&r.json());

    // Presenting a rotated token is reuse: 401, and the family's newest token dies with it.
    s.descope("POST", "/v1/auth/refresh", P, Some(&first), &json!({}))
        .assert_error(401, "E061005");
    s.descope("POST", "/v1/auth/refresh", P, Some(&third), &json!({}))
        .assert_error(401, "E061004");
    // Another project's bearer does not accept the token either.
    let other = refresh_of(&s.sign_in(P, DEMO, "demo1234"));
    s.descope(
        "POST",
        "/v1/auth/refresh",
        "P-other",
        Some(&other),
        &json!({}),
    )
    .assert_error(401, "E061004");
}

#[test]
fn logout_revokes_one_family_and_logout_all_every_family_of_the_project() {
    let s = Server::start(&[]);
    let a = refresh_of(&s.sign_in(P, DEMO, "demo1234"));
    let b = refresh_of(&s.sign_in(P, DEMO, "demo1234"));
    let c = refresh_of(&s.sign_in(P, DEMO, "demo1234"));
    let elsewhere = refresh_of(&s.sign_in("P-elsewhere", DEMO, "demo1234"));
    let someone = refresh_of(&s.sign_in(P, "someone@example.com", "pw"));

    let r = s.descope("POST", "/v1/auth/logout", P, Some(&a), &json!({}));
    assert_eq!(r.status, 200);
    let body = r.json();
    assert_eq!(body["sessionJwt"], "");
    assert_eq!(body["refreshJwt"], "");
    assert_eq!(body["cookieMaxAge"], 0);
    assert!(body.get("user").is_none());
    s.descope("GET", "/v1/auth/me", P, Some(&a), &Value::Null)
        .assert_error(401, "E061004");
    assert_eq!(
        s.descope("GET", "/v1/auth/me", P, Some(&b), &Value::Null)
            .status,
        200
    );

    let r = s.descope("POST", "/v1/auth/logoutall", P, Some(&b), &json!({}));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["sessionJwt"], "");
    for token in [&b, &c] {
        s.descope("POST", "/v1/auth/refresh", P, Some(token), &json!({}))
            .assert_error(401, "E061004");
    }
    let still = |project: &str, token: &str| {
        s.descope("POST", "/v1/auth/refresh", project, Some(token), &json!({}))
            .status
    };
    assert_eq!(still("P-elsewhere", &elsewhere), 200);
    assert_eq!(still(P, &someone), 200);
}

#[test]
fn me_history_and_tenant_select() {
    let s = Server::start(&[]);
    s.sign_in(P, DEMO, "demo1234");
    let token = refresh_of(&s.sign_in(P, DEMO, "demo1234"));

    let me = s.descope("GET", "/v1/auth/me", P, Some(&token), &Value::Null);
    assert_eq!(me.status, 200);
    let me = me.json();
    assert_eq!(me["userId"], "U-demo");
    assert_eq!(me["loginIds"], json!([DEMO]));
    assert_eq!(me["roleNames"], json!(["viewer"]));
    assert_eq!(
        me["userTenants"][0],
        json!({"tenantId": "T-acme", "roleNames": ["admin"], "tenantName": "Acme", "permissions": ["read", "write"]})
    );
    for key in [
        "name",
        "email",
        "phone",
        "verifiedEmail",
        "verifiedPhone",
        "status",
        "externalIds",
        "picture",
        "test",
        "customAttributes",
        "createdTime",
        "TOTP",
        "SAML",
        "OAuth",
        "webauthn",
        "password",
        "ssoAppIds",
        "givenName",
        "middleName",
        "familyName",
        "editable",
        "SCIM",
        "push",
        "permissions",
        "OIDC",
        "consentExpiration",
    ] {
        assert!(me.get(key).is_some(), "User.{key}");
    }

    let history = s.descope("GET", "/v1/auth/me/history", P, Some(&token), &Value::Null);
    assert_eq!(history.status, 200);
    let history = history.json();
    let entries = history.as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["userId"], "U-demo");
    assert_eq!(entries[0]["ip"], "127.0.0.1");
    assert!(entries[0]["loginTime"].as_u64() >= entries[1]["loginTime"].as_u64());
    for key in ["city", "country"] {
        assert!(entries[0][key].is_string());
    }

    let r = s.descope(
        "POST",
        "/v1/auth/tenant/select",
        P,
        Some(&token),
        &json!({"tenant": "T-acme"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let selected = r.json();
    assert_eq!(
        claims(selected["sessionJwt"].as_str().unwrap())["dct"],
        "T-acme"
    );
    let rotated = refresh_of(&selected);
    assert_eq!(claims(&rotated)["dct"], "T-acme");
    // Selecting rotated the refresh token.
    let r = s.descope("POST", "/v1/auth/refresh", P, Some(&rotated), &json!({}));
    assert_eq!(r.status, 200);
    let after = r.json();
    assert_eq!(
        claims(after["sessionJwt"].as_str().unwrap())["dct"],
        "T-acme"
    );
    let token = refresh_of(&after);

    s.descope(
        "POST",
        "/v1/auth/tenant/select",
        P,
        Some(&token),
        &json!({"tenant": "T-initech"}),
    )
    .assert_error(400, "E011003");
    s.descope(
        "POST",
        "/v1/auth/tenant/select",
        P,
        Some(&token),
        &json!({}),
    )
    .assert_error(400, "E011003");
    // A refused select leaves the token usable.
    let r = s.descope(
        "POST",
        "/v1/auth/tenant/select",
        P,
        Some(&token),
        &json!({"tenant": "T-globex"}),
    );
    assert_eq!(
        claims(r.json()["sessionJwt"].as_str().unwrap())["dct"],
        "T-globex"
    );
    s.descope(
        "POST",
        "/v1/auth/tenant/select",
        P,
        Some(&token),
        &json!({"tenant": "T-acme"}),
    )
    .assert_error(401, "E061005");
}

#[test]
fn validate_checks_session_tokens_only() {
    let s = Server::start(&[]);
    let r = s.sign_in(P, DEMO, "demo1234");
    let session = r["sessionJwt"].as_str().unwrap();
    let v = s.descope("POST", "/v1/auth/validate", P, Some(session), &json!({}));
    assert_eq!(v.status, 200);
    assert_eq!(v.json()["parsedJWT"]["sub"], "U-demo");
    assert_eq!(v.json()["parsedJWT"]["jti"], claims(session)["jti"]);

    s.descope(
        "POST",
        "/v1/auth/validate",
        P,
        Some(&refresh_of(&r)),
        &json!({}),
    )
    .assert_error(401, "E061004");
    s.descope(
        "POST",
        "/v1/auth/validate",
        "P-other",
        Some(session),
        &json!({}),
    )
    .assert_error(401, "E061004");
    // A forged signature.
    let mut forged: Vec<&str> = session.split('.').collect();
    let other = s.sign_in(P, "mallory@example.com", "pw");
    let other_payload = other["sessionJwt"]
        .as_str()
        .unwrap()
        .split('.')
        .nth(1)
        .unwrap()
        .to_string();
    forged[1] = &other_payload;
    s.descope(
        "POST",
        "/v1/auth/validate",
        P,
        Some(&forged.join(".")),
        &json!({}),
    )
    .assert_error(401, "E061004");

    // Logout does not end a session JWT.
    s.descope(
        "POST",
        "/v1/auth/logout",
        P,
        Some(&refresh_of(&r)),
        &json!({}),
    );
    assert_eq!(
        s.descope("POST", "/v1/auth/validate", P, Some(session), &json!({}))
            .status,
        200
    );
}

#[test]
fn tokens_expire() {
    let s = Server::start(&["--session-ttl", "1", "--refresh-ttl", "1"]);
    let r = s.sign_in(P, DEMO, "demo1234");
    std::thread::sleep(Duration::from_millis(2100));
    s.descope(
        "POST",
        "/v1/auth/validate",
        P,
        r["sessionJwt"].as_str(),
        &json!({}),
    )
    .assert_error(401, "E061004");
    s.descope(
        "POST",
        "/v1/auth/refresh",
        P,
        Some(&refresh_of(&r)),
        &json!({}),
    )
    .assert_error(401, "E061004");
}

#[test]
fn security_questions() {
    let s = Server::start(&[]);
    let path = "/v1/auth/security-questions/verify";
    let right = json!([{"questionId": "q-color", "answer": " BLUE "}, {"questionId": "q-city", "answer": "paris"}]);

    let r = s.descope(
        "POST",
        path,
        P,
        None,
        &json!({"loginId": DEMO, "answers": right}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert_eq!(body["user"]["userId"], "U-demo");
    assert!(claims(body["sessionJwt"].as_str().unwrap())
        .get("su")
        .is_none());
    let token = refresh_of(&body);

    let wrong = json!([{"questionId": "q-color", "answer": "red"}]);
    s.descope(
        "POST",
        path,
        P,
        None,
        &json!({"loginId": DEMO, "answers": wrong}),
    )
    .assert_error(401, "E062108");
    s.descope(
        "POST",
        path,
        P,
        None,
        &json!({"loginId": DEMO, "answers": []}),
    )
    .assert_error(401, "E062108");
    let unknown = json!([{"questionId": "q-pet", "answer": "blue"}]);
    s.descope(
        "POST",
        path,
        P,
        None,
        &json!({"loginId": DEMO, "answers": unknown}),
    )
    .assert_error(401, "E062108");
    s.descope("POST", path, P, None, &json!({"answers": right}))
        .assert_error(401, "E061004");
    s.descope("POST", path, P, None, &json!({"loginId": DEMO}))
        .assert_error(400, "E011003");

    // Step-up with the refresh token: a new sign-in whose session carries su.
    let r = s.descope(
        "POST",
        path,
        P,
        Some(&token),
        &json!({"answers": right, "stepup": true}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let stepped = r.json();
    assert_eq!(claims(stepped["sessionJwt"].as_str().unwrap())["su"], true);
    assert_ne!(refresh_of(&stepped), token);
    // It was a new sign-in: the old token still works, and history has it.
    let h = s.descope("GET", "/v1/auth/me/history", P, Some(&token), &Value::Null);
    assert_eq!(h.json().as_array().unwrap().len(), 2);
    s.descope(
        "POST",
        path,
        P,
        Some("garbage"),
        &json!({"loginId": DEMO, "answers": right}),
    )
    .assert_error(401, "E061004");
}

#[test]
fn access_key_exchange() {
    let s = Server::start(&[]);
    let path = "/v1/auth/accesskey/exchange";
    let r = s.descope(
        "POST",
        path,
        P,
        Some("demo-access-key"),
        &json!({"loginOptions": {"customClaims": {"a": 1}}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert_eq!(body["keyId"], "K-demo");
    let session = body["sessionJwt"].as_str().unwrap();
    let c = claims(session);
    assert_eq!(c["sub"], "K-demo");
    assert_eq!(c["roles"], json!(["service"]));
    assert_eq!(body["expiration"], c["exp"]);
    assert_eq!(
        s.descope("POST", "/v1/auth/validate", P, Some(session), &json!({}))
            .status,
        200
    );
    assert_eq!(
        s.descope("POST", path, P, Some("demo-access-key"), &Value::Null)
            .status,
        200
    );

    s.descope("POST", path, P, Some("wrong-key"), &json!({}))
        .assert_error(401, "E061004");
    s.descope("POST", path, P, None, &json!({}))
        .assert_error(401, "E061004");
    s.descope(
        "POST",
        path,
        P,
        Some("demo-access-key"),
        &json!({"loginOptions": "x"}),
    )
    .assert_error(400, "E011003");
}

#[test]
fn refresh_token_in_cookie_mode() {
    let s = Server::start(&["--refresh-cookie"]);
    let r = s.descope(
        "POST",
        "/v1/auth/password/signin",
        P,
        None,
        &json!({"loginId": DEMO, "password": "demo1234"}),
    );
    assert_eq!(r.status, 200);
    assert!(r.json().get("refreshJwt").is_none());
    let cookie = r.header("set-cookie").expect("Set-Cookie").to_string();
    assert!(cookie.starts_with("DSR=ey"), "{cookie}");
    for part in ["Path=/", "Max-Age=2592000", "HttpOnly", "SameSite=Lax"] {
        assert!(cookie.split("; ").any(|p| p == part), "{part} in {cookie}");
    }
    let first = cookie.split(';').next().unwrap().to_string(); // DSR=<jwt>

    let with_cookie = |path: &str, cookie: &str| {
        s.request(
            "POST",
            path,
            &[("Authorization", "Bearer P-test"), ("Cookie", cookie)],
            b"{}",
        )
    };
    let r = with_cookie("/v1/auth/refresh", &format!("other=1; {first}"));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json().get("refreshJwt").is_none());
    let second = r
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_ne!(first, second);

    // The rotated cookie is reuse: 401 and the cookie is expired.
    let r = with_cookie("/v1/auth/refresh", &first);
    r.assert_error(401, "E061005");
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));

    // The bearer wins over the cookie; the cookie's name may come from a header.
    let token = s.sign_in_cookie();
    let r = s.request(
        "GET",
        "/v1/auth/me",
        &[
            ("Authorization", &bearer(P, Some(&token))),
            ("Cookie", "DSR=garbage"),
        ],
        b"",
    );
    assert_eq!(r.status, 200);
    let r = s.request(
        "GET",
        "/v1/auth/me",
        &[
            ("Authorization", "Bearer P-test"),
            ("Cookie", &format!("Mine={token}")),
            ("x-descope-refresh-cookie-name", "Mine"),
        ],
        b"",
    );
    assert_eq!(r.status, 200);

    let r = with_cookie("/v1/auth/logout", &format!("DSR={token}"));
    assert_eq!(r.status, 200);
    let expired = r.header("set-cookie").unwrap();
    assert!(
        expired.starts_with("DSR=;") && expired.contains("Max-Age=0"),
        "{expired}"
    );
    let r = s.request(
        "GET",
        "/v1/auth/me",
        &[
            ("Authorization", "Bearer P-test"),
            ("Cookie", &format!("DSR={token}")),
        ],
        b"",
    );
    r.assert_error(401, "E061004");
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
}

trait CookieSignIn {
    fn sign_in_cookie(&self) -> String;
}

impl CookieSignIn for Server {
    /// Signs in in cookie mode and returns the refresh token from `Set-Cookie`.
    fn sign_in_cookie(&self) -> String {
        let r = self.descope(
            "POST",
            "/v1/auth/password/signin",
            P,
            None,
            &json!({"loginId": DEMO, "password": "demo1234"}),
        );
        let cookie = r.header("set-cookie").expect("Set-Cookie");
        cookie
            .split(';')
            .next()
            .unwrap()
            .split_once('=')
            .unwrap()
            .1
            .to_string()
    }
}

#[test]
fn every_cookie_field_is_configurable() {
    let s = Server::start(&[
        "--cookie-name",
        "RT",
        "--session-cookie-name",
        "ST",
        "--cookie-domain",
        "example.com",
        "--session-cookie-domain",
        "app.example.com",
        "--cookie-path",
        "/app",
        "--cookie-max-age",
        "0",
        "--cookie-expiration",
        "0",
        "--next-refresh-seconds",
        "7",
        "--session-ttl",
        "60",
    ]);
    let r = s.sign_in(P, DEMO, "demo1234");
    assert_eq!(r["cookieName"], "RT");
    assert_eq!(r["sessionCookieName"], "ST");
    assert_eq!(r["cookieDomain"], "example.com");
    assert_eq!(r["sessionCookieDomain"], "app.example.com");
    assert_eq!(r["cookiePath"], "/app");
    assert_eq!(r["cookieMaxAge"], 0);
    assert_eq!(r["cookieExpiration"], 0);
    assert_eq!(r["nextRefreshSeconds"], 7);
    let c = claims(r["sessionJwt"].as_str().unwrap());
    assert_eq!(c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(), 60);

    let s = Server::start(&[
        "--cookie-max-age",
        "123",
        "--cookie-expiration",
        "1999999999",
    ]);
    let r = s.sign_in(P, DEMO, "demo1234");
    assert_eq!(
        (r["cookieMaxAge"].as_u64(), r["cookieExpiration"].as_u64()),
        (Some(123), Some(1_999_999_999))
    );
}

#[test]
fn environment_variables_configure_and_flags_win() {
    let env = [
        ("DEVSERVER_NEXT_REFRESH_SECONDS", "2"),
        ("DEVSERVER_COOKIE_NAME", "EnvName"),
        ("DEVSERVER_CONTROL", "1"),
    ];
    let s = Server::spawn(&["--port", "0", "--cookie-name", "FlagName"], &env);
    let r = s.sign_in(P, DEMO, "demo1234");
    assert_eq!(r["nextRefreshSeconds"], 2);
    assert_eq!(r["cookieName"], "FlagName");
    assert_eq!(s.request("POST", "/__control/reset", &[], b"").status, 200);
}

#[test]
fn per_project_overrides() {
    let s = Server::start(&[]);
    let effective = s.control(
        "PUT",
        "/__control/projects/P-cookie",
        &json!({"sessionTtl": 42, "refreshCookie": true, "cookieName": "R2", "cookieDomain": "example.com", "nextRefreshSeconds": 5}),
    );
    assert_eq!(effective["projectId"], "P-cookie");
    assert_eq!(effective["sessionTtl"], 42);
    assert_eq!(effective["refreshTtl"], 2_592_000);
    assert_eq!(effective["cookieMaxAge"], 2_592_000);
    assert_eq!(effective["refreshCookie"], true);
    assert_eq!(effective["sessionCookieName"], "DS");

    let r = s.descope(
        "POST",
        "/v1/auth/password/signin",
        "P-cookie",
        None,
        &json!({"loginId": DEMO, "password": "demo1234"}),
    );
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
    let effective = s.control(
        "PUT",
        "/__control/projects/P-cookie",
        &json!({"sessionTtl": 10}),
    );
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

// ---------------------------------------------------------------- faults, log, counters

#[test]
fn faults_answer_delay_and_run_out() {
    let s = Server::start(&[]);
    let token = refresh_of(&s.sign_in(P, DEMO, "demo1234"));
    let fault = |spec: Value| s.control("POST", "/__control/faults", &spec);

    fault(json!({"path": "/v1/auth/me", "count": 2, "status": 503, "retryAfter": 7}));
    fault(json!({"path": "/v1/auth/me", "status": 429, "body": {"errorCode": "E130429"}}));
    let me = || s.descope("GET", "/v1/auth/me", P, Some(&token), &Value::Null);
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
    fault(json!({"path": "/v1/auth/me", "delayMs": 400}));
    let start = Instant::now();
    let r = me();
    assert!(start.elapsed() >= Duration::from_millis(400));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["userId"], "U-demo");

    // A truncated document, with the default status 200; a raw string body.
    fault(json!({"path": "/v1/auth/me", "body": "malformed"}));
    let r = me();
    assert_eq!(r.status, 200);
    assert!(serde_json::from_slice::<Value>(&r.body).is_err());
    assert!(r.text().starts_with('{'));
    fault(json!({"path": "/v1/auth/me", "status": 502, "body": "<html>bad gateway</html>"}));
    assert_eq!(me().text(), "<html>bad gateway</html>");

    // Project filter.
    fault(json!({"path": "/v1/auth/me", "status": 500, "project": "P-other"}));
    assert_eq!(me().status, 200);
    let other = refresh_of(&s.sign_in("P-other", DEMO, "demo1234"));
    assert_eq!(
        s.descope("GET", "/v1/auth/me", "P-other", Some(&other), &Value::Null)
            .status,
        500
    );

    // Faults apply to Rocket.Chat too, and can be dropped.
    fault(json!({"path": "/api/v1/login", "status": 500, "count": 5}));
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
    s.descope("POST", "/v1/auth/refresh", P, Some(&token), &json!({})); // reuse: 401
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
    s.control(
        "PUT",
        "/__control/projects/P-test",
        &json!({"cookieName": "X"}),
    );
    s.control(
        "POST",
        "/__control/faults",
        &json!({"path": "/v1/auth/password/signin", "status": 500, "count": 3}),
    );
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
    s.descope("GET", "/v1/auth/me", P, Some(&token), &Value::Null)
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

// ---------------------------------------------------------------- CORS and control access

#[test]
fn cors_for_loopback_origins_only() {
    let s = Server::start(&[]);
    let pre = s.request(
        "OPTIONS",
        "/v1/auth/refresh",
        &[
            ("Origin", "http://localhost:5173"),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "authorization,content-type,x-descope-sdk-name",
            ),
        ],
        b"",
    );
    assert_eq!(pre.status, 204);
    assert_eq!(
        pre.header("access-control-allow-origin"),
        Some("http://localhost:5173")
    );
    assert_eq!(pre.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(
        pre.header("access-control-allow-methods"),
        Some("GET, POST, PUT, DELETE, OPTIONS")
    );
    assert_eq!(
        pre.header("access-control-allow-headers"),
        Some("authorization,content-type,x-descope-sdk-name")
    );
    assert_eq!(pre.header("access-control-max-age"), Some("600"));

    for origin in [
        "http://127.0.0.1:9000",
        "https://app.localhost",
        "http://[::1]:8080",
        "http://localhost",
    ] {
        let r = s.request("POST", "/v1/auth/refresh", &[("Origin", origin)], b"{}");
        assert_eq!(r.status, 401);
        assert_eq!(r.header("access-control-allow-origin"), Some(origin));
        assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
        assert_eq!(
            r.header("access-control-expose-headers"),
            Some("Retry-After")
        );
        assert_eq!(r.header("vary"), Some("Origin"));
    }
    for origin in [
        "https://evil.example",
        "http://localhost.evil.example",
        "null",
    ] {
        let r = s.request(
            "OPTIONS",
            "/v1/auth/refresh",
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "POST"),
            ],
            b"",
        );
        assert_eq!(r.status, 204);
        let r2 = s.request("POST", "/v1/auth/refresh", &[("Origin", origin)], b"{}");
        for r in [&r, &r2] {
            assert!(
                r.headers
                    .iter()
                    .all(|(k, _)| !k.starts_with("access-control-")),
                "{origin}: {:?}",
                r.headers
            );
        }
    }
    // The control API has CORS too.
    let r = s.request(
        "GET",
        "/__control/log",
        &[("Origin", "http://localhost:1")],
        b"",
    );
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://localhost:1")
    );
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

#[test]
fn unknown_paths_and_methods_are_404() {
    let s = Server::start(&[]);
    s.get("/v1/auth/nothing", &[]).assert_error(404, "E000404");
    s.get("/v1/auth/refresh", &[]).assert_error(404, "E000404");
    s.request("DELETE", "/api/v1/login", &[], b"")
        .assert_error(404, "E000404");
    s.get("/__control/nothing", &[])
        .assert_error(404, "E000404");
    s.get("/__control/2fa/nobody", &[])
        .assert_error(404, "E000404");
}

#[test]
fn sigterm_exits_cleanly() {
    let mut s = Server::start(&[]);
    let status = std::process::Command::new("kill")
        .args(["-TERM", &s.pid().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = s.wait_exit(Duration::from_secs(5)).expect("exited");
    assert!(exit.success(), "{exit:?}");
}

// ---------------------------------------------------------------- Rocket.Chat

struct RcLogin {
    user_id: String,
    token: String,
}

impl RcLogin {
    fn headers(&self) -> [(&str, &str); 2] {
        [("X-User-Id", &self.user_id), ("X-Auth-Token", &self.token)]
    }
}

fn rc_login(s: &Server, user: &str, password: &str) -> RcLogin {
    let r = s.post(
        "/api/v1/login",
        &[("User-Agent", "Mozilla/5.0 Chrome/120")],
        &json!({"user": user, "password": password}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert_eq!(body["status"], "success");
    RcLogin {
        user_id: body["data"]["userId"].as_str().unwrap().into(),
        token: body["data"]["authToken"].as_str().unwrap().into(),
    }
}

fn sessions(s: &Server, who: &RcLogin, all: bool) -> Value {
    let path = if all {
        "/api/v1/sessions/list.all"
    } else {
        "/api/v1/sessions/list"
    };
    let r = s.get(path, &who.headers());
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

/// The sessionId of `who`'s newest session.
fn session_id(s: &Server, who: &RcLogin) -> String {
    sessions(s, who, false)["sessions"][0]["sessionId"]
        .as_str()
        .unwrap()
        .into()
}

fn logout_session(
    s: &Server,
    who: &RcLogin,
    session: &str,
    two_fa: &[(&str, &str)],
) -> common::Resp {
    let mut headers = who.headers().to_vec();
    headers.extend_from_slice(two_fa);
    s.post(
        "/api/v1/sessions/logout",
        &headers,
        &json!({"sessionId": session}),
    )
}

fn totp(s: &Server, user: &str) -> String {
    s.control("GET", &format!("/__control/2fa/{user}"), &Value::Null)["totp"]
        .as_str()
        .unwrap()
        .into()
}

#[test]
fn rc_login_logout_and_session_lists() {
    let s = Server::start(&[]);
    let r = s.post(
        "/api/v1/login",
        &[],
        &json!({"username": "rc-admin", "password": "admin-pass"}),
    );
    let body = r.json();
    assert_eq!(body["data"]["userId"], "RCadmin");
    assert_eq!(body["data"]["me"]["_id"], "RCadmin");
    assert_eq!(body["data"]["me"]["username"], "rc-admin");
    assert!(body["data"]["me"]["name"].is_string());
    let admin = rc_login(&s, "rc-admin", "admin-pass");
    let alice = rc_login(&s, "rc-alice", "alice-pass");
    assert_eq!(alice.user_id, "RCalice");

    let mine = sessions(&s, &alice, false);
    assert_eq!(
        (
            mine["count"].as_u64(),
            mine["total"].as_u64(),
            mine["offset"].as_u64()
        ),
        (Some(1), Some(1), Some(0))
    );
    assert_eq!(mine["success"], true);
    let session = &mine["sessions"][0];
    assert_eq!(session["userId"], "RCalice");
    assert_eq!(session["username"], "rc-alice");
    assert_eq!(session["ip"], "127.0.0.1");
    assert_eq!(
        session["device"],
        json!({"name": "Chrome", "type": "browser"})
    );
    assert!(session["_id"].is_string() && session["sessionId"].is_string());
    assert!(session["loginAt"].as_str().unwrap().ends_with('Z'));

    let all = sessions(&s, &admin, true);
    assert_eq!(all["total"], 3);
    assert_eq!(sessions(&s, &admin, false)["total"], 2);
    s.get("/api/v1/sessions/list.all", &alice.headers())
        .assert_status_json(403);

    let r = s.post("/api/v1/logout", &alice.headers(), &json!({}));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"status": "success", "data": {"message": "You've been logged out!"}})
    );
    let r = s.get("/api/v1/sessions/list", &alice.headers());
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        json!({"status": "error", "message": "You must be logged in to do this."})
    );
    assert_eq!(sessions(&s, &admin, true)["total"], 2);

    let r = s.post(
        "/api/v1/login",
        &[],
        &json!({"user": "rc-admin", "password": "nope"}),
    );
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        json!({"status": "error", "error": "Unauthorized", "message": "Unauthorized"})
    );
    let wrong_pair = [
        ("X-User-Id", "RCalice"),
        ("X-Auth-Token", admin.token.as_str()),
    ];
    assert_eq!(s.get("/api/v1/sessions/list", &wrong_pair).status, 401);
}

trait StatusJson {
    fn assert_status_json(&self, status: u16);
}

impl StatusJson for common::Resp {
    fn assert_status_json(&self, status: u16) {
        assert_eq!(self.status, status, "{}", self.text());
        self.json();
    }
}

#[test]
fn rc_sessions_logout_with_totp() {
    let s = Server::start(&[]);
    let admin = rc_login(&s, "rc-admin", "admin-pass");
    let alice = rc_login(&s, "rc-alice", "alice-pass");
    let victim = session_id(&s, &alice);

    let r = logout_session(&s, &admin, &victim, &[]);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({
            "success": false,
            "error": "TOTP Required [totp-required]",
            "errorType": "totp-required",
            "details": {"method": "totp", "codeGenerated": false, "availableMethods": ["totp", "email"]},
        })
    );
    let r = logout_session(&s, &admin, &victim, &[("X-2fa-Code", "000000x")]);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({"success": false, "error": "TOTP Invalid [totp-invalid]", "errorType": "totp-invalid", "details": {"method": "totp"}})
    );

    let code = totp(&s, "rc-admin");
    let r = logout_session(
        &s,
        &admin,
        &victim,
        &[("x-2fa-code", &code), ("X-2FA-METHOD", "TOTP")],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"sessionId": victim, "success": true}));
    assert_eq!(s.get("/api/v1/sessions/list", &alice.headers()).status, 401);

    let r = logout_session(&s, &admin, &victim, &[("X-2fa-Code", &code)]);
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"success": false, "error": "Session not found [error-session-not-found]"})
    );
    // A method the user does not have.
    let r = logout_session(
        &s,
        &admin,
        &victim,
        &[("X-2fa-Code", "x"), ("X-2fa-Method", "password")],
    );
    assert_eq!(r.json()["details"], json!({"method": "password"}));
}

#[test]
fn rc_sessions_logout_with_email_codes() {
    let s = Server::start(&[]);
    let boss = rc_login(&s, "rc-email", "email-pass");
    let user = rc_login(&s, "rc-user", "user-pass");
    let victim = session_id(&s, &user);
    let codes = || s.control("GET", "/__control/2fa/rc-email", &Value::Null);
    assert_eq!(codes()["email"], Value::Null);

    let r = logout_session(&s, &boss, &victim, &[]);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["details"],
        json!({"method": "email", "codeGenerated": true, "availableMethods": ["email"]})
    );
    let code = codes()["email"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 6);
    let r = logout_session(
        &s,
        &boss,
        &victim,
        &[("X-2fa-Code", "999999x"), ("X-2fa-Method", "email")],
    );
    assert_eq!(r.json()["errorType"], "totp-invalid");
    let r = logout_session(
        &s,
        &boss,
        &victim,
        &[("X-2fa-Code", &code), ("X-2fa-Method", "email")],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(s.get("/api/v1/sessions/list", &user.headers()).status, 401);
    // Single use.
    let r = logout_session(&s, &boss, &victim, &[("X-2fa-Code", &code)]);
    assert_eq!(r.json()["errorType"], "totp-invalid");

    // rc-admin may ask for the email method.
    let admin = rc_login(&s, "rc-admin", "admin-pass");
    let r = logout_session(&s, &admin, "x", &[("X-2fa-Method", "email")]);
    assert_eq!(r.json()["details"]["codeGenerated"], true);
    let code = s.control("GET", "/__control/2fa/rc-admin", &Value::Null)["email"]
        .as_str()
        .unwrap()
        .to_string();
    let r = logout_session(
        &s,
        &admin,
        "x",
        &[("X-2fa-Code", &code), ("X-2fa-Method", "email")],
    );
    assert_eq!(r.status, 404);
}

#[test]
fn rc_sessions_logout_with_password_hash() {
    let s = Server::start(&[]);
    let boss = rc_login(&s, "rc-pass", "pass-pass");
    let alice = rc_login(&s, "rc-alice", "alice-pass");
    let victim = session_id(&s, &alice);
    let r = logout_session(&s, &boss, &victim, &[]);
    assert_eq!(
        r.json()["details"],
        json!({"method": "password", "codeGenerated": false, "availableMethods": ["password"]})
    );
    let r = logout_session(
        &s,
        &boss,
        &victim,
        &[("X-2fa-Code", "pass-pass"), ("X-2fa-Method", "password")],
    );
    assert_eq!(r.json()["errorType"], "totp-invalid");
    let hash: String = Sha256::digest(b"pass-pass")
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    let r = logout_session(
        &s,
        &boss,
        &victim,
        &[("X-2fa-Code", &hash), ("X-2fa-Method", "password")],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(s.get("/api/v1/sessions/list", &alice.headers()).status, 401);
}

#[test]
fn rc_sessions_logout_checks_in_order() {
    let s = Server::start(&[]);
    let plain = rc_login(&s, "rc-user", "user-pass");
    let admin = rc_login(&s, "rc-admin", "admin-pass");

    let r = s.post("/api/v1/sessions/logout", &[], &json!({"sessionId": "x"}));
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        json!({"status": "error", "message": "You must be logged in to do this."})
    );

    let r = logout_session(&s, &plain, "x", &[]);
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json(),
        json!({"success": false, "error": "User does not have the permissions required for this action [error-unauthorized]"})
    );

    let required = json!({"success": false, "error": "The 'sessionId' param is required"});
    for body in [&b"{}"[..], b"{\"sessionId\": 5}", b"not json", b""] {
        let mut headers = admin.headers().to_vec();
        headers.push(("Content-Type", "application/json"));
        let r = s.request("POST", "/api/v1/sessions/logout", &headers, body);
        assert_eq!(r.status, 400);
        assert_eq!(r.json(), required);
    }
    let code = totp(&s, "rc-admin");
    assert_eq!(
        logout_session(&s, &admin, "no-such-session", &[("X-2fa-Code", &code)]).status,
        404
    );
}

// ---------------------------------------------------------------- garbage input

#[test]
fn garbage_is_refused_and_the_server_keeps_serving() {
    let s = Server::start(&[]);
    let signin = "/v1/auth/password/signin";
    let auth = [("Authorization", "Bearer P-test")];
    for body in [
        &b"{\"loginId\": \"a\""[..],
        b"not json",
        b"[1, 2]",
        b"\"text\"",
        b"{\"loginId\": 5, \"password\": \"x\"}",
        b"{\"loginId\": \"a@b.c\"}",
        b"{\"loginId\": \"\", \"password\": \"x\"}",
        b"{\"loginId\": null, \"password\": \"x\"}",
        b"\xff\xfe",
        b"",
    ] {
        s.request("POST", signin, &auth, body)
            .assert_error(400, "E011003");
    }
    let token = refresh_of(&s.sign_in(P, DEMO, "demo1234"));
    let auth = bearer(P, Some(&token));
    s.request(
        "POST",
        "/v1/auth/refresh",
        &[("Authorization", &auth)],
        b"{oops",
    )
    .assert_error(400, "E011003");
    s.request(
        "POST",
        "/v1/auth/tenant/select",
        &[("Authorization", &auth)],
        b"{\"tenant\": [1]}",
    )
    .assert_error(400, "E011003");
    let verify = b"{\"answers\": \"blue\"}";
    s.request(
        "POST",
        "/v1/auth/security-questions/verify",
        &[("Authorization", &auth)],
        verify,
    )
    .assert_error(400, "E011003");

    for header in [
        "",
        "Bearer",
        "Bearer ",
        "Bearer :token",
        "Basic dXNlcjpwYXNz",
        "Bearer P-test:",
        "Bearer P-test:garbage",
        "Bearer P-test:a.b.c",
        "Bearer P-test:eyJhbGciOiJub25lIn0.eyJzdWIiOiJVLWRlbW8ifQ.",
    ] {
        let headers = [("Authorization", header)];
        let headers: &[(&str, &str)] = if header.is_empty() { &[] } else { &headers };
        s.request("POST", "/v1/auth/refresh", headers, b"{}")
            .assert_error(401, "E061004");
        s.request("GET", "/v1/auth/me", headers, b"")
            .assert_error(401, "E061004");
    }
    // A non-UTF-8 header value.
    let mut raw =
        b"GET /v1/auth/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer P:"
            .to_vec();
    raw.extend_from_slice(b"\xff\xfe\r\n\r\n");
    s.raw(&raw).assert_error(401, "E061004");

    // About 1 MB of garbage, then a JSON document with a huge field, then 3 MB.
    let big = vec![b'a'; 1_000_000];
    s.request("POST", signin, &[("Authorization", "Bearer P-test")], &big)
        .assert_error(400, "E011003");
    let huge_id = format!(
        "{{\"loginId\": \"{}\", \"password\": \"x\"}}",
        "x".repeat(1_000_000)
    );
    s.request(
        "POST",
        signin,
        &[("Authorization", "Bearer P-test")],
        huge_id.as_bytes(),
    )
    .assert_error(400, "E011003");
    let r = s.request(
        "POST",
        signin,
        &[("Authorization", "Bearer P-test")],
        &vec![b'{'; 3_000_000],
    );
    assert!(r.status == 413 || r.status == 400, "{}", r.status);

    // Rocket.Chat garbage.
    let r = s.request("POST", "/api/v1/login", &[], b"{\"user\": 1}");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["status"], "error");
    assert_eq!(s.request("POST", "/api/v1/login", &[], &big).status, 400);
    let r = s.get(
        "/api/v1/sessions/list",
        &[("X-User-Id", "RCadmin"), ("X-Auth-Token", "garbage")],
    );
    assert_eq!(r.status, 401);

    // Not even HTTP.
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    std::io::Write::write_all(&mut stream, b"\x00\x01garbage\r\n\r\n").unwrap();
    drop(stream);

    // Still serving.
    assert_eq!(s.sign_in(P, DEMO, "demo1234")["user"]["userId"], "U-demo");
    assert_eq!(
        s.descope("GET", "/v1/auth/me", P, Some(&token), &Value::Null)
            .status,
        200
    );
}

// ---------------------------------------------------------------- static files

#[test]
fn static_files() {
    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("static-{}", std::process::id()));
    let site = root.join("site");
    let pkg = root.join("pkg");
    let extra = root.join("extra");
    for dir in [&site, &pkg, &extra, &site.join("sub")] {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(root.join("secret.txt"), "secret").unwrap();
    std::fs::write(site.join("index.html"), "<h1>home</h1>").unwrap();
    std::fs::write(site.join("sub").join("index.html"), "<h1>sub</h1>").unwrap();
    let types = [
        ("a.html", "text/html; charset=utf-8"),
        ("a.js", "text/javascript; charset=utf-8"),
        ("a.mjs", "text/javascript; charset=utf-8"),
        ("a.css", "text/css; charset=utf-8"),
        ("a.json", "application/json"),
        ("a.wasm", "application/wasm"),
        ("a.js.map", "application/json"),
        ("a.d.ts", "text/typescript; charset=utf-8"),
        ("a.svg", "image/svg+xml"),
        ("a.png", "image/png"),
        ("favicon.ico", "image/x-icon"),
        ("a.txt", "text/plain; charset=utf-8"),
        ("a.bin", "application/octet-stream"),
    ];
    for (name, _) in types {
        std::fs::write(pkg.join(name), name).unwrap();
    }
    std::fs::write(extra.join("x.js"), "x").unwrap();
    let s = Server::start(&[
        "--www",
        site.to_str().unwrap(),
        "--pkg",
        pkg.to_str().unwrap(),
        "--static",
        &format!("/assets={}", extra.display()),
    ]);

    for (name, content_type) in types {
        let r = s.get(&format!("/pkg/{name}"), &[]);
        assert_eq!(r.status, 200, "{name}");
        assert_eq!(r.header("content-type"), Some(content_type), "{name}");
        assert_eq!(r.header("cache-control"), Some("no-store"));
        assert_eq!(r.text(), name);
    }
    let r = s.get("/", &[]);
    assert_eq!((r.status, r.text().as_str()), (200, "<h1>home</h1>"));
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(s.get("/sub/", &[]).text(), "<h1>sub</h1>");
    let r = s.get("/sub", &[]);
    assert_eq!((r.status, r.header("location")), (301, Some("/sub/")));
    assert_eq!(s.get("/assets/x.js", &[]).text(), "x");
    assert_eq!(s.get("/pkg/a%2Etxt", &[]).text(), "a.txt");
    assert_eq!(s.request("HEAD", "/pkg/a.txt", &[], b"").status, 200);
    s.get("/pkg/missing.js", &[]).assert_error(404, "E000404");
    s.request("POST", "/pkg/a.txt", &[], b"")
        .assert_error(404, "E000404");

    for path in [
        "/pkg/../secret.txt",
        "/../secret.txt",
        "/pkg/%2e%2e/secret.txt",
        "/assets/..%2Fsecret.txt",
        "/pkg/..\\secret.txt",
    ] {
        let r = s.get(path, &[]);
        assert!(r.status == 403 || r.status == 400, "{path}: {}", r.status);
        assert!(
            !r.text().contains("secret\n") && r.text() != "secret",
            "{path}"
        );
    }
    // Static files are logged but never faulted.
    s.control(
        "POST",
        "/__control/faults",
        &json!({"path": "/pkg/a.txt", "status": 500}),
    );
    assert_eq!(s.get("/pkg/a.txt", &[]).status, 200);
    let log = s.control("GET", "/__control/log?path=/pkg/a.txt", &Value::Null);
    let statuses: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["status"])
        .collect();
    assert_eq!(statuses, [200, 200, 404, 200]); // GET, HEAD, POST, GET
                                                // The API wins over a static file at the same path.
    std::fs::create_dir_all(site.join("v1").join("auth")).unwrap();
    std::fs::write(site.join("v1").join("auth").join("me"), "file").unwrap();
    s.get("/v1/auth/me", &[]).assert_error(401, "E061004");
    let _ = std::fs::remove_dir_all(&root);
}
