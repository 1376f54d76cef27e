//! Descope: sign-in, rotation, reuse, logout, me, history, tenants, validate, security
//! questions, access keys, the refresh cookie and the cookie fields.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::{claims, session_claims, Server};
use crate::{refresh_of, DEMO, P};

const ME: &str = "/v1/auth/me";
const VALIDATE: &str = "/v1/auth/validate";

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
    // Descope answers `""` for the domains a project does not set.
    assert_eq!(r["cookieDomain"], "");
    assert_eq!(r["sessionCookieDomain"], "");
    assert!(r.get("nextRefreshSeconds").is_none());
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
    let first = s.demo_token(P);
    let second = refresh_of(&s.post_token("/v1/auth/refresh?dcs=t&dcr=t", P, &first).ok());
    assert_ne!(first, second);
    assert_eq!(claims(&first)["sub"], claims(&second)["sub"]);
    // No body at all is fine too.
    let r = s.descope("POST", "/v1/auth/refresh", P, Some(&second), &Value::Null);
    assert_eq!(r.status, 200);
    let third = refresh_of(&r.json());

    // Presenting a rotated token is reuse: 401, and the family's newest token dies with it.
    s.refresh(P, &first).assert_error(401, "E061005");
    s.refresh(P, &third).assert_error(401, "E061004");
    // Another project's bearer does not accept the token either.
    let other = s.demo_token(P);
    s.refresh("P-other", &other).assert_error(401, "E061004");
}

#[test]
fn logout_revokes_one_family_and_logout_all_every_family_of_the_project() {
    let s = Server::start(&[]);
    let a = s.demo_token(P);
    let b = s.demo_token(P);
    let c = s.demo_token(P);
    let elsewhere = s.demo_token("P-elsewhere");
    let someone = refresh_of(&s.sign_in(P, "someone@example.com", "pw"));

    let body = s.post_token("/v1/auth/logout", P, &a).ok();
    assert_eq!(body["sessionJwt"], "");
    assert_eq!(body["refreshJwt"], "");
    assert_eq!(body["cookieMaxAge"], 0);
    assert!(body.get("user").is_none());
    s.get_token(ME, P, &a).assert_error(401, "E061004");
    assert_eq!(s.get_token(ME, P, &b).status, 200);

    let body = s.post_token("/v1/auth/logoutall", P, &b).ok();
    assert_eq!(body["sessionJwt"], "");
    for token in [&b, &c] {
        s.refresh(P, token).assert_error(401, "E061004");
    }
    assert_eq!(s.refresh("P-elsewhere", &elsewhere).status, 200);
    assert_eq!(s.refresh(P, &someone).status, 200);
}

#[test]
fn me_history_and_tenant_select() {
    let s = Server::start(&[]);
    s.sign_in(P, DEMO, "demo1234");
    let token = s.demo_token(P);

    let me = s.get_token(ME, P, &token).ok();
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

    let history = s.get_token("/v1/auth/me/history", P, &token).ok();
    let entries = history.as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["userId"], "U-demo");
    assert_eq!(entries[0]["ip"], "127.0.0.1");
    assert!(entries[0]["loginTime"].as_u64() >= entries[1]["loginTime"].as_u64());
    for key in ["city", "country"] {
        assert!(entries[0][key].is_string());
    }

    let selected = s.select(P, &token, "T-acme").ok();
    assert_eq!(session_claims(&selected)["dct"], "T-acme");
    let rotated = refresh_of(&selected);
    assert_eq!(claims(&rotated)["dct"], "T-acme");
    // Selecting rotated the refresh token.
    let after = s.refresh(P, &rotated).ok();
    assert_eq!(session_claims(&after)["dct"], "T-acme");
    let token = refresh_of(&after);

    s.select(P, &token, "T-initech")
        .assert_error(400, "E011003");
    s.post_token("/v1/auth/tenant/select", P, &token)
        .assert_error(400, "E011003");
    // A refused select leaves the token usable.
    let r = s.select(P, &token, "T-globex");
    assert_eq!(session_claims(&r.json())["dct"], "T-globex");
    s.select(P, &token, "T-acme").assert_error(401, "E061005");
}

#[test]
fn validate_checks_session_tokens_only() {
    let s = Server::start(&[]);
    let r = s.sign_in(P, DEMO, "demo1234");
    let session = r["sessionJwt"].as_str().unwrap();
    let v = s.post_token(VALIDATE, P, session).ok();
    assert_eq!(v["parsedJWT"]["sub"], "U-demo");
    assert_eq!(v["parsedJWT"]["jti"], claims(session)["jti"]);

    s.post_token(VALIDATE, P, &refresh_of(&r))
        .assert_error(401, "E061004");
    s.post_token(VALIDATE, "P-other", session)
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
    s.post_token(VALIDATE, P, &forged.join("."))
        .assert_error(401, "E061004");

    // Logout does not end a session JWT.
    s.post_token("/v1/auth/logout", P, &refresh_of(&r));
    assert_eq!(s.post_token(VALIDATE, P, session).status, 200);
}

#[test]
fn tokens_expire() {
    let s = Server::start(&["--session-ttl", "1", "--refresh-ttl", "1"]);
    let r = s.sign_in(P, DEMO, "demo1234");
    std::thread::sleep(Duration::from_millis(2100));
    s.post_token(VALIDATE, P, r["sessionJwt"].as_str().unwrap())
        .assert_error(401, "E061004");
    s.refresh(P, &refresh_of(&r)).assert_error(401, "E061004");
}

#[test]
fn security_questions() {
    let s = Server::start(&[]);
    let path = "/v1/auth/security-questions/verify";
    let verify = |token: Option<&str>, body: Value| s.descope("POST", path, P, token, &body);
    let right = json!([{"questionId": "q-color", "answer": " BLUE "}, {"questionId": "q-city", "answer": "paris"}]);

    let body = verify(None, json!({"loginId": DEMO, "answers": right})).ok();
    assert_eq!(body["user"]["userId"], "U-demo");
    assert!(session_claims(&body).get("su").is_none());
    let token = refresh_of(&body);

    let wrong = json!([{"questionId": "q-color", "answer": "red"}]);
    let unknown = json!([{"questionId": "q-pet", "answer": "blue"}]);
    for answers in [wrong, json!([]), unknown] {
        verify(None, json!({"loginId": DEMO, "answers": answers})).assert_error(401, "E062108");
    }
    verify(None, json!({"answers": right})).assert_error(401, "E061004");
    verify(None, json!({"loginId": DEMO})).assert_error(400, "E011003");

    // Step-up with the refresh token: a new sign-in whose session carries su.
    let stepped = verify(Some(&token), json!({"answers": right, "stepup": true})).ok();
    assert_eq!(session_claims(&stepped)["su"], true);
    assert_ne!(refresh_of(&stepped), token);
    // It was a new sign-in: the old token still works, and history has it.
    let h = s.get_token("/v1/auth/me/history", P, &token);
    assert_eq!(h.json().as_array().unwrap().len(), 2);
    verify(Some("garbage"), json!({"loginId": DEMO, "answers": right}))
        .assert_error(401, "E061004");
}

#[test]
fn access_key_exchange() {
    let s = Server::start(&[]);
    let exchange = |key: Option<&str>, body: Value| {
        s.descope("POST", "/v1/auth/accesskey/exchange", P, key, &body)
    };
    let key = Some("demo-access-key");
    let body = exchange(key, json!({"loginOptions": {"customClaims": {"a": 1}}})).ok();
    assert_eq!(body["keyId"], "K-demo");
    let session = body["sessionJwt"].as_str().unwrap();
    let c = claims(session);
    assert_eq!(c["sub"], "K-demo");
    assert_eq!(c["roles"], json!(["service"]));
    assert_eq!(body["expiration"], c["exp"]);
    assert_eq!(s.post_token(VALIDATE, P, session).status, 200);
    assert_eq!(exchange(key, Value::Null).status, 200);

    exchange(Some("wrong-key"), json!({})).assert_error(401, "E061004");
    exchange(None, json!({})).assert_error(401, "E061004");
    exchange(key, json!({"loginOptions": "x"})).assert_error(400, "E011003");
}

#[test]
fn refresh_token_in_cookie_mode() {
    let s = Server::start(&["--refresh-cookie"]);
    let r = s.sign_in_demo(P);
    assert_eq!(r.status, 200);
    assert!(r.json().get("refreshJwt").is_none());
    let cookie = r.header("set-cookie").expect("Set-Cookie").to_string();
    assert!(cookie.starts_with("DSR=ey"), "{cookie}");
    for part in ["Path=/", "Max-Age=2592000", "HttpOnly", "SameSite=Lax"] {
        assert!(cookie.split("; ").any(|p| p == part), "{part} in {cookie}");
    }
    let first = r.cookie_pair(); // DSR=<jwt>

    let with_cookie = |path: &str, cookie: &str| s.with_cookie("POST", path, cookie, &[], b"{}");
    let r = with_cookie("/v1/auth/refresh", &format!("other=1; {first}"));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json().get("refreshJwt").is_none());
    let second = r.cookie_pair();
    assert_ne!(first, second);

    // The rotated cookie is reuse: 401 and the cookie is expired.
    let r = with_cookie("/v1/auth/refresh", &first);
    r.assert_error(401, "E061005");
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));

    // The bearer wins over the cookie; the cookie's name may come from a header.
    let token = s.sign_in_demo(P).cookie_value();
    assert_eq!(s.bearer_over_cookie("GET", ME, &token, b"").status, 200);
    let mine = format!("Mine={token}");
    let named = [("x-descope-refresh-cookie-name", "Mine")];
    assert_eq!(s.with_cookie("GET", ME, &mine, &named, b"").status, 200);

    let r = with_cookie("/v1/auth/logout", &format!("DSR={token}"));
    assert_eq!(r.status, 200);
    let expired = r.header("set-cookie").unwrap();
    assert!(
        expired.starts_with("DSR=;") && expired.contains("Max-Age=0"),
        "{expired}"
    );
    let r = s.with_cookie("GET", ME, &format!("DSR={token}"), &[], b"");
    r.assert_error(401, "E061004");
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
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
