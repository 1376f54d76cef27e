//! Tenants: `selectTenant` (the `dct` claim, a rotation), the `tenants` getter and `myTenants`.

use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::web::*;

#[wasm_bindgen_test]
async fn select_tenant_sets_dct_and_rotates() {
    let s = signed("\"autoRefresh\":false").await;
    let old_refresh = s.session.refresh_token();
    let response = settle(s.session.select_tenant("T-acme".into()))
        .await
        .expect("select");
    assert!(get_str(&response, "sessionJwt").is_some());
    assert_eq!(s.session.current_tenant().as_deref(), Some("T-acme"));
    assert_eq!(
        get_str(&s.session.claims(), "dct").as_deref(),
        Some("T-acme")
    );
    assert_ne!(s.session.refresh_token(), old_refresh);
    // A tenant that is not the user's: 400, session kept.
    let f = rejection(s.session.select_tenant("T-other".into())).await;
    assert_eq!((f.code.as_str(), f.status), ("http", Some(400.0)));
    assert_eq!(f.error_code.as_deref(), Some("E011003"));
    assert!(s.session.is_authenticated());
    // Bad argument: no request at all.
    let before = count(&s.project, "/v1/auth/tenant/select").await;
    assert_eq!(
        rejection(s.session.select_tenant(JsValue::from(5)))
            .await
            .code,
        "invalid_argument"
    );
    assert_eq!(
        rejection(s.session.select_tenant("".into())).await.code,
        "invalid_argument"
    );
    assert_eq!(count(&s.project, "/v1/auth/tenant/select").await, before);
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn tenants_and_my_tenants() {
    let (project, session) = fresh_manager(r#""autoRefresh":false"#);
    assert!(session.tenants().is_undefined());
    sign_in_to(&session, &project).await;
    assert_eq!(strings(&session.tenants()), ["T-acme", "T-globex"]);
    assert!(Array::is_array(&session.tenants()));
    // `true`: the selected tenant (none yet).
    let answer = settle(session.my_tenants(JsValue::TRUE))
        .await
        .expect("myTenants(true)");
    assert_eq!(
        tenant_ids(&answer),
        Vec::<String>::new(),
        "{}",
        stringify(&answer)
    );
    // Ids: those of the user's among them.
    let ids: JsValue = Array::of2(&"T-globex".into(), &"T-none".into()).into();
    let answer = settle(session.my_tenants(ids))
        .await
        .expect("myTenants(ids)");
    assert_eq!(tenant_ids(&answer), ["T-globex"]);
    assert_eq!(
        get_str(&items(&get(&answer, "tenants"))[0], "name").as_deref(),
        Some("Globex")
    );
    let answer = settle(session.my_tenants(Array::new().into()))
        .await
        .expect("myTenants([])");
    assert_eq!(tenant_ids(&answer), Vec::<String>::new());
    settle(session.select_tenant("T-acme".into()))
        .await
        .expect("select");
    let answer = settle(session.my_tenants(JsValue::TRUE))
        .await
        .expect("myTenants(true)");
    assert_eq!(tenant_ids(&answer), ["T-acme"]);
    assert_eq!(strings(&session.tenants()), ["T-acme", "T-globex"]);
    let sent = count(&project, "/v1/auth/me/tenants").await;
    assert_eq!(sent, 4);
    // Bad arguments: rejected, nothing sent.
    let bad: Vec<(&str, JsValue)> = vec![
        ("5", 5.into()),
        ("a string", "T-acme".into()),
        ("[1]", json("[1]")),
        ("[\"a\", 2]", json(r#"["a",2]"#)),
        ("[null]", json("[null]")),
        ("null", JsValue::NULL),
        ("undefined", JsValue::UNDEFINED),
        ("{}", json("{}")),
        ("{ids}", json(r#"{"ids":["T-acme"]}"#)),
    ];
    for (what, value) in bad {
        assert_rejected_invalid(session.my_tenants(value), what).await;
    }
    assert_eq!(count(&project, "/v1/auth/me/tenants").await, sent);
    // Still works.
    let answer = settle(session.my_tenants(json(r#"["T-acme","T-globex"]"#)))
        .await
        .expect("myTenants after bad input");
    assert_eq!(tenant_ids(&answer), ["T-acme", "T-globex"]);
    settle(session.logout()).await.expect("logout");
    assert!(session.tenants().is_undefined());
    session.dispose();
}
