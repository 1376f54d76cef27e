//! Events and the framework store: the change events and `onClaimsChange` (once per change,
//! unsubscribing), callbacks that throw or call back into the session, and `subscribe` /
//! `getSnapshot` with their frozen snapshots.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::web::*;

#[wasm_bindgen_test]
async fn events_fire_once_per_change_and_unsubscribe() {
    let (project, session) = fresh_manager("\"autoRefresh\":false");
    let w = watch(&session);
    let extra = Recorder::new();
    let unsubscribe = session.on_session_token_change(extra.function.clone());
    sign_in_to(&session, &project).await;
    assert_eq!((w.token.count(), w.user.count(), w.auth.count()), (1, 1, 1));
    assert_eq!(w.token.last().as_string(), session.session_token());
    assert_eq!(w.auth.last().as_bool(), Some(true));
    assert_eq!(extra.count(), 1);
    unsubscribe.call0(&JsValue::UNDEFINED).unwrap();
    settle(session.refresh()).await.unwrap();
    // A new token; same user (not a change); still authenticated (not a change).
    assert_eq!((w.token.count(), w.user.count(), w.auth.count()), (2, 1, 1));
    assert_eq!(w.token.last().as_string(), session.session_token());
    assert_eq!(extra.count(), 1, "unsubscribed callback was called");
    settle(session.logout()).await.unwrap();
    assert_eq!((w.token.count(), w.user.count(), w.auth.count()), (3, 2, 2));
    assert!(w.token.last().is_undefined());
    assert!(w.user.last().is_undefined());
    assert_eq!(w.auth.last().as_bool(), Some(false));
    // A second logout changes nothing: no events.
    let _ = settle(session.logout()).await;
    assert_eq!((w.token.count(), w.user.count(), w.auth.count()), (3, 2, 2));
    assert_eq!(w.error.count(), 0);
    session.dispose();
}

#[wasm_bindgen_test]
async fn a_callback_that_throws_does_not_break_the_others() {
    let (project, session) = fresh_manager("\"autoRefresh\":false");
    let thrower = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {
        wasm_bindgen::throw_str("callback failure");
    });
    session.on_session_token_change(thrower.as_ref().unchecked_ref::<Function>().clone());
    let after = Recorder::new();
    session.on_session_token_change(after.function.clone());
    sign_in_to(&session, &project).await;
    assert_eq!(after.count(), 1);
    assert!(session.is_authenticated());
    session.dispose();
}

#[wasm_bindgen_test]
async fn on_claims_change_fires_once_per_token_change() {
    let (project, session) = fresh_manager(r#""autoRefresh":false"#);
    let claims = Recorder::new();
    let tokens = Recorder::new();
    let unsubscribe = session.on_claims_change(claims.function.clone());
    session.on_session_token_change(tokens.function.clone());
    let response = sign_in(&project, &unique("u")).await;
    session.apply(response.clone()).unwrap();
    assert_eq!(claims.count(), 1);
    let first = claims.last();
    assert!(
        Object::is(&first, &session.claims()),
        "not the claims object"
    );
    assert_eq!(get_str(&first, "iss").as_deref(), Some(project.as_str()));
    // The same tokens again: no change, no call.
    session.apply(response).unwrap();
    assert_eq!(claims.count(), 1);
    // A refresh: one call with the new claims.
    settle(session.refresh()).await.expect("refresh");
    assert_eq!(claims.count(), 2);
    assert!(Object::is(&claims.last(), &session.claims()));
    assert!(!Object::is(&claims.last(), &first));
    // The user alone (me): no call.
    settle(session.me()).await.expect("me");
    assert_eq!(claims.count(), 2);
    // A tenant select: its dct.
    settle(session.select_tenant("T-acme".into()))
        .await
        .expect("select");
    assert_eq!(claims.count(), 3);
    assert_eq!(get_str(&claims.last(), "dct").as_deref(), Some("T-acme"));
    assert!(Object::is(&claims.last(), &session.claims()));
    // Logout: undefined, once.
    settle(session.logout()).await.expect("logout");
    assert_eq!(claims.count(), 4);
    assert!(claims.last().is_undefined());
    assert_eq!(tokens.count(), claims.count());
    // Unsubscribed: no more calls.
    unsubscribe.call0(&JsValue::UNDEFINED).unwrap();
    sign_in_to(&session, &project).await;
    assert_eq!(claims.count(), 4);
    assert_eq!(tokens.count(), 5);
    session.dispose();
}

#[wasm_bindgen_test]
async fn a_callback_that_logs_out_gets_each_change_once_in_order() {
    let panics = watch_panics();
    let (project, session) = fresh_manager(r#""autoRefresh":false"#);
    let session = Rc::new(session);
    let auth = Recorder::new();
    let tokens = Recorder::new();
    session.on_is_authenticated_change(auth.function.clone());
    let me = session.clone();
    let fired = Rc::new(Cell::new(false));
    let once = fired.clone();
    let callback = Closure::<dyn FnMut(JsValue)>::new(move |token: JsValue| {
        if token.is_string() && !once.replace(true) {
            // Reads a getter and signs out while the package is dispatching.
            let _ = me.is_authenticated();
            let _ = me.logout();
        }
    });
    session.on_session_token_change(callback.as_ref().unchecked_ref::<Function>().clone());
    session.on_session_token_change(tokens.function.clone());
    sign_in_to(&session, &project).await;
    sleep(200).await;
    assert!(fired.get());
    let auth: Vec<Option<bool>> = auth.all().iter().map(JsValue::as_bool).collect();
    assert_eq!(auth, [Some(true), Some(false)]);
    let tokens = tokens.all();
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    assert!(tokens[0].is_string() && tokens[1].is_undefined());
    assert!(keys_of(&project).is_empty());
    assert_eq!(cookie("DS"), None);
    // The module still works.
    sign_in_to(&session, &project).await;
    assert!(session.is_authenticated());
    settle(session.refresh())
        .await
        .expect("refresh after re-entrancy");
    session.dispose();
    assert_no_panic(&panics);
}

#[wasm_bindgen_test]
async fn getters_and_to_json_in_a_response_may_call_back() {
    let panics = watch_panics();
    let (project, session) = fresh_manager(r#""autoRefresh":false"#);
    let session = Rc::new(session);
    let response = sign_in(&project, &unique("u")).await;
    let user = get(&response, "user");
    // `user` is read through a getter that reads the session, and serialised through a toJSON
    // that calls refresh().
    let me = session.clone();
    let to_json = Closure::<dyn Fn() -> JsValue>::new({
        let user = user.clone();
        move || {
            let _ = me.refresh();
            json(&stringify(&user))
        }
    });
    let plain = json(&stringify(&user));
    Reflect::set(&plain, &"toJSON".into(), to_json.as_ref()).unwrap();
    let me = session.clone();
    let _get = getter(&response, "user", move || {
        let _ = me.is_authenticated();
        let _ = me.session_token();
        plain.clone()
    });
    session.apply(response).expect("apply");
    assert!(session.is_authenticated());
    sleep(300).await;
    // Nothing poisoned: every call still works.
    settle(session.me()).await.expect("me");
    settle(session.logout()).await.expect("logout");
    assert!(!session.is_authenticated());
    let other = manager(&options(&unique("P"), r#""autoRefresh":false"#));
    assert!(!other.is_authenticated());
    other.dispose();
    session.dispose();
    assert_no_panic(&panics);
}

#[wasm_bindgen_test]
async fn subscribe_and_get_snapshot_work_unbound() {
    let (project, session) = fresh_manager(r#""autoRefresh":false"#);
    // Getters answering the same functions, called here without `this`.
    let get_snapshot = session.get_snapshot();
    let subscribe = session.subscribe();
    assert!(Object::is(&get_snapshot, &session.get_snapshot()));
    assert!(Object::is(&subscribe, &session.subscribe()));
    let empty = snapshot_of(&get_snapshot);
    assert_eq!(
        keys(&empty),
        [
            "isAuthenticated",
            "user",
            "claims",
            "currentTenant",
            "expiresAt"
        ]
    );
    assert_eq!(get(&empty, "isAuthenticated").as_bool(), Some(false));
    for name in ["user", "claims", "currentTenant", "expiresAt"] {
        assert!(get(&empty, name).is_undefined(), "{name}");
    }
    assert!(Object::is_frozen(empty.unchecked_ref::<Object>()));
    assert!(Object::is(&empty, &snapshot_of(&get_snapshot)));
    // subscribe: at once with the current snapshot.
    let calls = Recorder::new();
    let unsubscribe: Function = subscribe
        .call1(&JsValue::UNDEFINED, &calls.function)
        .unwrap()
        .dyn_into()
        .expect("an unsubscribe function");
    assert_eq!(calls.count(), 1);
    assert!(Object::is(&calls.last(), &empty));
    // A sign-in (token, user and isAuthenticated change together): one call.
    let login = [unique("user").as_str(), "@example.com"].concat();
    session.apply(sign_in(&project, &login).await).unwrap();
    assert_eq!(calls.count(), 2);
    let signed = snapshot_of(&get_snapshot);
    assert!(Object::is(&calls.last(), &signed));
    assert!(!Object::is(&signed, &empty));
    assert!(Object::is_frozen(signed.unchecked_ref::<Object>()));
    assert_eq!(get(&signed, "isAuthenticated").as_bool(), Some(true));
    assert_eq!(get_str(&get(&signed, "user"), "email"), Some(login.clone()));
    assert!(Object::is(&get(&signed, "claims"), &session.claims()));
    assert!(get(&signed, "currentTenant").is_undefined());
    assert_eq!(get(&signed, "expiresAt").as_f64(), session.expires_at());
    let text = stringify(&signed);
    assert!(
        !text.contains(&session.session_token().unwrap()),
        "a token in the snapshot"
    );
    assert!(
        !text.contains(&session.refresh_token().unwrap()),
        "a token in the snapshot"
    );
    assert!(Object::is(&signed, &snapshot_of(&get_snapshot)));
    // A refresh: one call, a new object.
    settle(session.refresh()).await.expect("refresh");
    assert_eq!(calls.count(), 3);
    let refreshed = snapshot_of(&get_snapshot);
    assert!(!Object::is(&refreshed, &signed));
    assert!(Object::is(&calls.last(), &refreshed));
    // The same user again: no change, the same object.
    settle(session.me()).await.expect("me");
    assert_eq!(calls.count(), 3);
    assert!(Object::is(&refreshed, &snapshot_of(&get_snapshot)));
    // A tenant select.
    settle(session.select_tenant("T-acme".into()))
        .await
        .expect("select");
    assert_eq!(calls.count(), 4);
    assert_eq!(
        get_str(&snapshot_of(&get_snapshot), "currentTenant").as_deref(),
        Some("T-acme")
    );
    // Unsubscribed: no more calls; another subscriber gets the logout, once.
    unsubscribe.call0(&JsValue::UNDEFINED).unwrap();
    let others = Recorder::new();
    subscribe
        .call1(&JsValue::UNDEFINED, &others.function)
        .unwrap();
    assert_eq!(others.count(), 1);
    settle(session.logout()).await.expect("logout");
    assert_eq!(calls.count(), 4);
    assert_eq!(others.count(), 2);
    let out = snapshot_of(&get_snapshot);
    assert_eq!(get(&out, "isAuthenticated").as_bool(), Some(false));
    assert!(get(&out, "user").is_undefined() && get(&out, "claims").is_undefined());
    // Not a function: nothing happens, nothing breaks.
    assert!(subscribe.call1(&JsValue::UNDEFINED, &5.into()).is_ok());
    // As JS code uses it: destructured from the instance.
    let instance: JsValue = session.into();
    let check = js_fn(
        "session",
        "const { subscribe, getSnapshot } = session; const seen = []; \
         const unsubscribe = subscribe((s) => seen.push(s)); \
         const a = getSnapshot(); const b = getSnapshot(); unsubscribe(); \
         const result = [seen.length, seen[0] === a, a === b, Object.isFrozen(a), \
           typeof unsubscribe, a.isAuthenticated, session.subscribe === subscribe]; \
         session.dispose(); return result;",
    );
    let result = check.call1(&JsValue::UNDEFINED, &instance).unwrap();
    assert_eq!(
        stringify(&result),
        r#"[1,true,true,true,"function",false,true]"#
    );
}

/// The snapshot and everything reachable from it are frozen; mutating what a getter returned
/// never changes the session.
#[wasm_bindgen_test]
async fn the_snapshot_is_frozen_at_every_depth() {
    let s = signed(r#""autoRefresh":false"#).await;
    let session = &s.session;
    let snapshot = snapshot_of(&session.get_snapshot());
    let all_frozen = js_fn(
        "root",
        "const stack = [root]; while (stack.length) { const v = stack.pop(); \
         if (v && typeof v === 'object') { if (!Object.isFrozen(v)) return false; \
         stack.push(...Object.values(v)); } } return true;",
    );
    for value in [snapshot.clone(), session.claims(), session.user()] {
        assert_eq!(
            all_frozen.call1(&JsValue::UNDEFINED, &value).unwrap(),
            JsValue::TRUE,
            "{}",
            stringify(&value)
        );
    }
    let roles = stringify(&session.roles(None).into_iter().collect::<js_sys::Array>());
    let mutate = js_fn(
        "snap",
        "'use strict'; let threw = 0; \
         for (const f of [() => snap.claims.roles.push('admin'), () => { snap.claims.sub = 'x'; }, \
                          () => { snap.user.name = 'Mallory'; }]) { try { f(); } catch (e) { threw++; } } \
         return threw;",
    );
    assert_eq!(
        mutate
            .call1(&JsValue::UNDEFINED, &snapshot)
            .unwrap()
            .as_f64(),
        Some(3.0)
    );
    assert_eq!(
        stringify(&session.roles(None).into_iter().collect::<js_sys::Array>()),
        roles
    );
    assert_eq!(snapshot_of(&session.get_snapshot()), snapshot);
    session.dispose();
}

#[wasm_bindgen_test]
async fn a_call_made_while_an_answer_is_handled_and_many_at_once_all_settle() {
    let panics = watch_panics();
    let (project, session) = fresh_manager(r#""autoRefresh":false"#);
    let session = Rc::new(session);
    sign_in_to(&session, &project).await;
    // The refresh's answer fires the token event from inside the request that brought it: the
    // `me()` it starts is a new request made while the first one is still being run.
    let me = session.clone();
    let started = Rc::new(RefCell::new(None));
    let slot = started.clone();
    let callback = Closure::<dyn FnMut(JsValue)>::new(move |token: JsValue| {
        if token.is_string() && slot.borrow().is_none() {
            *slot.borrow_mut() = Some(me.me());
        }
    });
    session.on_session_token_change(callback.as_ref().unchecked_ref::<Function>().clone());
    settle(session.refresh()).await.expect("refresh");
    let inner = started
        .borrow_mut()
        .take()
        .expect("me() started from the callback");
    let user = settle(inner).await.expect("me() from the callback");
    assert!(get_str(&user, "email").is_some());
    // Many requests in flight at once, each answered.
    let calls = [
        session.me(),
        session.history(),
        session.validate(),
        session.me(),
        session.refresh(),
    ];
    for call in calls {
        settle(call).await.expect("a concurrent call");
    }
    session.dispose();
    assert_no_panic(&panics);
}
