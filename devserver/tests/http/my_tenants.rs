//! `POST /v1/auth/me/tenants` (the SDK's `myTenants`): the selected tenant, some or all of them.

use serde_json::{json, Value};

use crate::support::{Resp, Server};
use crate::{refresh_of, DEMO, P};

const TENANTS: &str = "/v1/auth/me/tenants";

fn acme() -> Value {
    json!({"id": "T-acme", "name": "Acme", "customAttributes": {}})
}

fn globex() -> Value {
    json!({"id": "T-globex", "name": "Globex", "customAttributes": {}})
}

fn my_tenants(s: &Server, project: &str, token: Option<&str>, body: &Value) -> Resp {
    s.descope("POST", TENANTS, project, token, body)
}

/// The `tenants` of a 200 answer.
fn tenants(r: Resp) -> Value {
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    let body = r.json();
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    body["tenants"].clone()
}

#[test]
fn the_selected_tenant_some_or_all() {
    let s = Server::start(&[]);
    let token = s.demo_token(P);
    // The tenants answered for `token` and `body`.
    let of = |token: &str, body: Value| tenants(my_tenants(&s, P, Some(token), &body));

    // Nothing selected yet.
    assert_eq!(of(&token, json!({"dct": true})), json!([]));
    // All of them, in the user's order.
    for all in [
        json!({}),
        json!({"dct": false}),
        json!({"dct": null}),
        Value::Null,
    ] {
        assert_eq!(of(&token, all.clone()), json!([acme(), globex()]), "{all}");
    }
    // Those among the ids, in the user's order; unknown ids left out.
    for (ids, expected) in [
        (
            json!(["T-globex", "T-initech", "T-acme", "T-acme"]),
            json!([acme(), globex()]),
        ),
        (json!(["T-globex"]), json!([globex()])),
        (json!(["T-initech"]), json!([])),
        (json!([]), json!([])),
    ] {
        assert_eq!(of(&token, json!({ "ids": ids })), expected, "{ids}");
    }
    let some = json!({"dct": false, "ids": ["T-acme"]});
    assert_eq!(of(&token, some), json!([acme()]));

    // me/tenants does not use the token up.
    let selected = refresh_of(&s.select(P, &token, "T-globex").ok());
    let dct = |token: &str| of(token, json!({"dct": true}));
    assert_eq!(dct(&selected), json!([globex()]));
    // dct wins over ids.
    let both = json!({"dct": true, "ids": ["T-acme"]});
    assert_eq!(of(&selected, both), json!([globex()]));
    // The family keeps its dct through refreshes, and a new select replaces it.
    let refreshed = refresh_of(&s.refresh(P, &selected).ok());
    assert_eq!(dct(&refreshed), json!([globex()]));
    let reselected = refresh_of(&s.select(P, &refreshed, "T-acme").ok());
    assert_eq!(dct(&reselected), json!([acme()]));
    // Another family has nothing selected.
    let other = s.demo_token(P);
    assert_eq!(dct(&other), json!([]));
    // A registered user has the same tenants.
    let new = refresh_of(&s.sign_in(P, "tenant-user@example.com", "pw"));
    assert_eq!(of(&new, json!({})), json!([acme(), globex()]));
}

#[test]
fn without_rotation_the_kept_token_remembers_the_selection() {
    let s = Server::start(&["--no-rotation"]);
    let token = s.demo_token(P);
    let dct = || tenants(my_tenants(&s, P, Some(&token), &json!({"dct": true})));
    assert_eq!(dct(), json!([]));
    s.select(P, &token, "T-acme").ok();
    assert_eq!(dct(), json!([acme()]));
    s.select(P, &token, "T-globex").ok();
    assert_eq!(dct(), json!([globex()]));
}

#[test]
fn wrong_bodies_are_400() {
    let s = Server::start(&[]);
    let token = s.demo_token(P);
    for bad in [
        json!({"dct": "yes"}),
        json!({"dct": 1}),
        json!({"ids": "T-acme"}),
        json!({"ids": [1]}),
        json!({"ids": {"T-acme": true}}),
        json!([]),
        json!("dct"),
        json!(true),
    ] {
        my_tenants(&s, P, Some(&token), &bad).assert_error(400, "E011003");
    }
    s.request(
        "POST",
        TENANTS,
        &[("Authorization", &format!("Bearer {P}:{token}"))],
        b"{\"dct\":",
    )
    .assert_error(400, "E011003");
    // The refused requests left the token usable.
    assert_eq!(
        tenants(my_tenants(&s, P, Some(&token), &json!({})))
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    // Only POST.
    s.descope("GET", TENANTS, P, Some(&token), &Value::Null)
        .assert_error(404, "E000404");
}

#[test]
fn tokens_are_checked_like_me() {
    let s = Server::start(&[]);
    my_tenants(&s, P, None, &json!({})).assert_error(401, "E061004");
    my_tenants(&s, P, Some("garbage"), &json!({"dct": true})).assert_error(401, "E061004");
    s.request("POST", TENANTS, &[], b"{}")
        .assert_error(401, "E061004");
    let signed_in = s.sign_in(P, DEMO, "demo1234");
    let token = refresh_of(&signed_in);
    let session = signed_in["sessionJwt"].as_str().unwrap();
    my_tenants(&s, P, Some(session), &json!({})).assert_error(401, "E061004");
    my_tenants(&s, "P-other", Some(&token), &json!({})).assert_error(401, "E061004");

    // Revoked.
    assert_eq!(s.post_token("/v1/auth/logout", P, &token).status, 200);
    my_tenants(&s, P, Some(&token), &json!({})).assert_error(401, "E061004");

    // A rotated token is reuse: 401 E061005, and the family's newest token is revoked.
    let first = s.demo_token(P);
    let newest = refresh_of(&s.refresh(P, &first).json());
    my_tenants(&s, P, Some(&first), &json!({"dct": true})).assert_error(401, "E061005");
    s.refresh(P, &newest).assert_error(401, "E061004");
    my_tenants(&s, P, Some(&newest), &json!({})).assert_error(401, "E061004");
}

#[test]
fn refresh_cookie_mode() {
    let s = Server::start(&["--refresh-cookie"]);
    let signed_in = s.sign_in_demo(P);
    let (cookie, token) = (signed_in.cookie_pair(), signed_in.cookie_value());
    let with = |cookie: &str, extra: &[(&str, &str)], body: &[u8]| {
        s.with_cookie("POST", TENANTS, cookie, extra, body)
    };
    let r = with(&cookie, &[], br#"{"dct": false}"#);
    assert!(r.header("set-cookie").is_none());
    assert_eq!(tenants(r), json!([acme(), globex()]));
    let named = [("x-descope-refresh-cookie-name", "Mine")];
    let r = with(&format!("Mine={token}"), &named, br#"{"ids": ["T-acme"]}"#);
    assert_eq!(tenants(r), json!([acme()]));
    // A refused cookie is expired, like me's 401.
    let r = with("DSR=garbage", &[], b"{}");
    r.assert_error(401, "E061004");
    assert_eq!(
        r.header("set-cookie"),
        Some("DSR=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
    );
    // Without a token there is no cookie to expire.
    let r = s.request(
        "POST",
        TENANTS,
        &[("Authorization", "Bearer P-test")],
        b"{}",
    );
    r.assert_error(401, "E061004");
    assert!(r.header("set-cookie").is_none());
}
