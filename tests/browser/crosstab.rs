//! Across tabs (several managers on one page): activity in one tab counts for all and one
//! refresh serves them, and the cross-tab lock (held by another tab, refused by the browser).

use js_sys::Function;
use session_keeper::core::session::lock_name;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::web::*;

#[wasm_bindgen_test]
async fn activity_in_another_tab_counts_and_one_refresh_serves_all() {
    let project = fresh_project();
    configure(&project, r#"{"nextRefreshSeconds":1}"#).await;
    let text = options(&project, &join(&[NO_COOKIE, TRACKING]));
    // Three tabs of the origin; B signs in, A and C follow.
    let b = manager(&text);
    let a = manager(&text);
    let c = manager(&text);
    sign_in_to(&b, &project).await;
    let first = b.session_token();
    // B and C agree on a token other than `old`.
    let rotated_from =
        |old: &Option<String>| b.session_token() != *old && c.session_token() == b.session_token();
    assert!(
        eventually(1_000.0, || a.session_token() == first
            && c.session_token() == first)
        .await
    );
    // The user is active in A only, and A closes before the refresh is due: B and C refresh
    // anyway (one request between them).
    a.mark_user_active();
    sleep(100).await;
    a.dispose();
    assert_refreshes_reach(&project, 1, 2_000.0).await;
    assert!(eventually(1_000.0, || rotated_from(&first)).await);
    let second = b.session_token();
    // No activity anywhere in the new period: both skip.
    sleep(1_400).await;
    assert_eq!(count(&project, "/v1/auth/refresh").await, 1);
    assert_eq!((b.next_refresh_at(), c.next_refresh_at()), (None, None));
    // Activity in C: both were waiting for it; still one refresh for the cycle.
    c.mark_user_active();
    assert_refreshes_reach(&project, 2, 1_000.0).await;
    assert!(eventually(1_000.0, || rotated_from(&second)).await);
    sleep(300).await;
    assert_eq!(count(&project, "/v1/auth/refresh").await, 2);
    b.dispose();
    c.dispose();
}

#[wasm_bindgen_test]
async fn a_huge_request_timeout_does_not_cut_the_lock_wait_short() {
    let project = fresh_project();
    let session = signed_in(
        &project,
        r#""autoRefresh":false,"requestTimeoutMs":2147483647"#,
    )
    .await;
    // Another tab holds the cycle's lock and never lets go.
    let name = lock_name(
        &project,
        &prefix(&project),
        &session.refresh_token().unwrap(),
    );
    let hold = eval("(name) => navigator.locks.request(name, () => new Promise(() => {}))")
        .dyn_into::<Function>()
        .unwrap();
    hold.call1(&JsValue::UNDEFINED, &name.into()).unwrap();
    sleep(100).await;
    let _pending = session.refresh();
    sleep(1_500).await;
    assert_eq!(
        count(&project, "/v1/auth/refresh").await,
        0,
        "the wait ended at once"
    );
    session.dispose();
}

/// A lock request the browser rejects (a sandboxed frame, blocked site data, options made
/// invalid by a polluted `Object.prototype`) never stalls a call.
#[wasm_bindgen_test]
async fn a_refused_lock_request_never_stalls_a_call() {
    let project = fresh_project();
    let session = signed_in(&project, r#""autoRefresh":false,"requestTimeoutMs":3000"#).await;
    // The browser refuses this page the lock, as it does in a sandboxed iframe.
    eval(
        "navigator.locks.request = function () { \
           return Promise.reject(new DOMException('no locks here', 'SecurityError')); };",
    );
    let calls = [
        ("me", session.me()),
        ("refresh", session.refresh()),
        ("ready", session.ready()),
    ];
    eval("delete navigator.locks.request;");
    for (name, call) in calls {
        let outcome = within(8_000, call).await;
        assert!(outcome.is_some(), "{name}() never settled");
        assert!(outcome.unwrap().is_ok(), "{name}() failed");
    }
    // Options the browser finds invalid through inherited properties.
    for pollution in ["steal = true", "mode = 'bogus'"] {
        eval(&["Object.prototype.", pollution, ";"].concat());
        let call = session.refresh();
        eval("delete Object.prototype.steal; delete Object.prototype.mode;");
        let outcome = within(8_000, call).await;
        assert!(outcome.is_some(), "refresh() never settled ({pollution})");
        assert!(outcome.unwrap().is_ok(), "refresh() failed ({pollution})");
    }
    assert!(session.is_authenticated());
    session.dispose();
}
