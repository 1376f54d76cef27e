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

fn select(s: &Server, project: &str, token: &str, tenant: &str) -> Value {
    let r = s.descope(
        "POST",
        "/v1/auth/tenant/select",
        project,
        Some(token),
        &json!({ "tenant": tenant }),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

#[test]
fn the_selected_tenant_some_or_all() {
    let s = Server::start(&[]);
    let token = refresh_of(&s.sign_in(P, DEMO, "demo1234"));

    // Nothing selected yet.
    assert_eq!(
        tenants(my_tenants(&s, P, Some(&token), &json!({"dct": true}))),
        json!([])
    );
    // All of them, in the user's order.
    for all in [
        json!({}),
        json!({"dct": false}),
        json!({"dct": null}),
        Value::Null,
    ] {
        assert_eq!(
            tenants(my_tenants(&s, P, Some(&token), &all)),
            json!([acme(), globex()]),
            "{all}"
        );
    }
    // Those among the ids, in the user's order; unknown ids left out.
    let ids = json!({"ids": ["T-globex", "T-initech", "T-acme", "T-acme"]});
    assert_eq!(
        tenants(my_tenants(&s, P, Some(&token), &ids)),
        json!([acme(), globex()])
    );
    let ids = json!({"ids": ["T-globex"]});
    assert_eq!(
        tenants(my_tenants(&s, P, Some(&token), &ids)),
        json!([globex()])
    );
    let ids = json!({"ids": ["T-initech"]});
    assert_eq!(tenants(my_tenants(&s, P, Some(&token), &ids)), json!([]));
    assert_eq!(
        tenants(my_tenants(&s, P, Some(&token), &json!({"ids": []}))),
        json!([])
    );
    assert_eq!(
        tenants(my_tenants(
            &s,
            P,
            Some(&token),
            &json!({"dct": false, "ids": ["T-acme"]})
        )),
        json!([acme()])
    );

    // me/tenants does not use the token up.
    let selected = refresh_of(&select(&s, P, &token, "T-globex"));
    let dct = |token: &str| tenants(my_tenants(&s, P, Some(token), &json!({"dct": true})));
    assert_eq!(dct(&selected), json!([globex()]));
    // dct wins over ids.
    assert_eq!(
        tenants(my_tenants(
            &s,
            P,
            Some(&selected),
            &json!({"dct": true, "ids": ["T-acme"]})
        )),
        json!([globex()])
    );
    // The family keeps its dct through refreshes, and a new select replaces it.
    let r = s.descope("POST", "/v1/auth/refresh", P, Some(&selected), &json!({}));
    assert_eq!(r.status, 200);
    let refreshed = refresh_of(&r.json());
    assert_eq!(dct(&refreshed), json!([globex()]));
    let reselected = refresh_of(&select(&s, P, &refreshed, "T-acme"));
    assert_eq!(dct(&reselected), json!([acme()]));
    // Another family has nothing selected.
    let other = refresh_of(&s.sign_in(P, DEMO, "demo1234"));
    assert_eq!(dct(&other), json!([]));
    // A registered user has the same tenants.
    let new = refresh_of(&s.sign_in(P, "tenant-user@example.com", "pw"));
    assert_eq!(
        tenants(my_tenants(&s, P, Some(&new), &json!({}))),
        json!([acme(), globex()])
    );
}

#[test]
fn without_rotation_the_kept_token_remembers_the_selection() {
    let s = Server::start(&["--no-rotation"]);
    let token = refresh_of(&s.sign_in(P, DEMO, "demo1234"));
    let dct = || tenants(my_tenants(&s, P, Some(&token), &json!({"dct": true})));
    assert_eq!(dct(), json!([]));
    select(&s, P, &token, "T-acme");
    assert_eq!(dct(), json!([acme()]));
    select(&s, P, &token, "T-globex");
    assert_eq!(dct(), json!([globex()]));
}

#[test]
fn wrong_bodies_are_400() {
    let s = Server::start(&[]);
    let token = refresh_of(&s.sign_in(P, DEMO, "demo1234"));
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
    let r = s.descope("POST", "/v1/auth/logout", P, Some(&token), &json!({}));
    assert_eq!(r.status, 200);
    my_tenants(&s, P, Some(&token), &json!({})).assert_error(401, "E061004");

    // A rotated token is reuse: 401 E061005, and the family's newest token is revoked.
    let first = refresh_of(&s.sign_in(P, DEMO, "demo1234"));
    let r = s.descope("POST", "/v1/auth/refresh", P, Some(&first), &json!({}));
    let newest = refresh_of(&r.json());
    my_tenants(&s, P, Some(&first), &json!({"dct": true})).assert_error(401, "E061005");
    s.descope("POST", "/v1/auth/refresh", P, Some(&newest), &json!({}))
        .assert_error(401, "E061004");
    my_tenants(&s, P, Some(&newest), &json!({})).assert_error(401, "E061004");
}

#[test]
fn refresh_cookie_mode() {
    let s = Server::start(&["--refresh-cookie"]);
    let r = s.descope(
        "POST",
        "/v1/auth/password/signin",
        P,
        None,
        &json!({"loginId": DEMO, "password": "demo1234"}),
    );
    let cookie = r
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let token = cookie.split_once('=').unwrap().1.to_string();
    let with = |headers: &[(&str, &str)], body: &[u8]| {
        let mut all = vec![("Authorization", "Bearer P-test")];
        all.extend_from_slice(headers);
        s.request("POST", TENANTS, &all, body)
    };
    let r = with(&[("Cookie", &cookie)], br#"{"dct": false}"#);
    assert!(r.header("set-cookie").is_none());
    assert_eq!(tenants(r), json!([acme(), globex()]));
    let r = with(
        &[
            ("Cookie", &format!("Mine={token}")),
            ("x-descope-refresh-cookie-name", "Mine"),
        ],
        br#"{"ids": ["T-acme"]}"#,
    );
    assert_eq!(tenants(r), json!([acme()]));
    // A refused cookie is expired, like me's 401.
    let r = with(&[("Cookie", "DSR=garbage")], b"{}");
    r.assert_error(401, "E061004");
    assert_eq!(
        r.header("set-cookie"),
        Some("DSR=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
    );
    // Without a token there is no cookie to expire.
    let r = with(&[], b"{}");
    r.assert_error(401, "E061004");
    assert!(r.header("set-cookie").is_none());
}
