//! `SessionManager` set-ups and checks: options, signed-in managers, event recorders, request
//! hooks that record what they are shown, and the keys shared with `@descope/web-js-sdk`.

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;

use session_keeper::SessionManager;

use super::*;

/// The logged-in indicator the official SDK keeps in localStorage, unprefixed.
pub const LOGGED_IN: &str = "DSLI";
/// The last user's login id, unprefixed as the official SDK keeps it.
pub const LAST_LOGIN_ID: &str = "dls_last_user_login_id";
/// The last user's display name, unprefixed as the official SDK keeps it.
pub const LAST_NAME: &str = "dls_last_user_display_name";
/// Activity tracking on.
pub const TRACKING: &str = r#""autoRefresh":{"customActivityTracking":true}"#;
/// Tokens in storage only: managers of several projects on one page do not share the `DS`
/// cookie.
pub const NO_COOKIE: &str = r#""sessionTokenViaCookie":false"#;

/// JSON members joined with commas, empty ones left out.
pub fn join(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(",")
}

/// The `DSLI` value a session expiry (epoch seconds) is written as.
pub fn seconds_text(seconds: f64) -> String {
    (seconds as u64).to_string()
}

/// The options most tests use: this project, against the devserver, the prefix `<project>.`.
pub fn options(project: &str, extra: &str) -> String {
    options_in(project, Some(&prefix(project)), extra)
}

/// The options of this project against the devserver with this storage prefix (`None`: no
/// `storagePrefix`, the keys the official SDK uses) and `extra` JSON members.
pub fn options_in(project: &str, storage_prefix: Option<&str>, extra: &str) -> String {
    let mut pairs = vec![("projectId", project), ("baseUrl", devserver())];
    if let Some(storage_prefix) = storage_prefix {
        pairs.push(("storagePrefix", storage_prefix));
    }
    object_text(&pairs, extra)
}

/// The test options of `project` with `extra` JSON members and JS values set on top.
pub fn options_with(project: &str, extra: &str, values: &[(&str, JsValue)]) -> JsValue {
    options_object(&options(project, extra), values)
}

/// JSON options with JS values (functions, objects) set on top.
pub fn options_object(text: &str, values: &[(&str, JsValue)]) -> JsValue {
    let options = json(text);
    for (name, value) in values {
        Reflect::set(&options, &(*name).into(), value).unwrap();
    }
    options
}

/// A manager built from JSON options; panics when the options are refused.
pub fn manager(options: &str) -> SessionManager {
    SessionManager::new(json(options)).unwrap_or_else(|_| panic!("options refused: {options}"))
}

/// A manager from an options object; panics when it is refused.
pub fn build(options: JsValue) -> SessionManager {
    match SessionManager::new(options.clone()) {
        Ok(session) => session,
        Err(err) => panic!(
            "options refused ({}): {}",
            failure(&JsValue::from(err)).message,
            stringify(&options)
        ),
    }
}

/// A clean page and a new project: where most tests begin.
pub fn fresh_project() -> String {
    clean_page();
    unique("P")
}

/// A clean page, a new project and a manager of it with the test options and `extra`, not
/// signed in.
pub fn fresh_manager(extra: &str) -> (String, SessionManager) {
    let project = fresh_project();
    let session = manager(&options(&project, extra));
    (project, session)
}

/// A clean page, a new project with this devserver config, and a manager of it with the test
/// options and `extra`, not signed in.
pub async fn fresh_configured(config: &str, extra: &str) -> (String, SessionManager) {
    let project = fresh_project();
    configure(&project, config).await;
    let session = manager(&options(&project, extra));
    (project, session)
}

/// A clean page, a new project, request hooks that record what they are shown, and a manager
/// of the project with the test options, `extra` and those hooks, not signed in.
pub fn hooked(extra: &str) -> (String, Hooks, SessionManager) {
    let project = fresh_project();
    let hooks = Hooks::new();
    let session = build(options_with(&project, extra, &[("hooks", hooks.option())]));
    (project, hooks, session)
}

/// A manager of `project` with the test options and `extra`, signed in as a new user.
pub async fn signed_in(project: &str, extra: &str) -> SessionManager {
    signed_in_as(project, &unique("u"), extra).await
}

/// Signs a new user of `project` in and applies the response to `session`.
pub async fn sign_in_to(session: &SessionManager, project: &str) {
    session.apply(sign_in(project, &unique("u")).await).unwrap();
}

/// A manager of `project` with the test options and `extra`, signed in as `login`.
pub async fn signed_in_as(project: &str, login: &str, extra: &str) -> SessionManager {
    let session = manager(&options(project, extra));
    session.apply(sign_in(project, login).await).unwrap();
    session
}

/// Refreshes (`what` names the refresh) and asserts that the session token changed.
pub async fn assert_rotates(session: &SessionManager, what: &str) {
    let before = session.session_token();
    settle(session.refresh()).await.expect(what);
    assert_ne!(session.session_token(), before, "{what}");
}

/// A fresh project, user and clean page, signed in and applied to a new manager.
pub struct Signed {
    pub project: String,
    pub login: String,
    pub session: SessionManager,
    pub response: JsValue,
}

/// A clean page and a new manager with the test options and `extra_options`, signed in as a
/// new user of a new project.
pub async fn signed(extra_options: &str) -> Signed {
    clean_page();
    let project = unique("P");
    let login = [unique("user").as_str(), "@example.com"].concat();
    let session = manager(&options(&project, extra_options));
    let response = sign_in(&project, &login).await;
    session.apply(response.clone()).expect("apply");
    Signed {
        project,
        login,
        session,
        response,
    }
}

/// Injects one fault on `/v1/auth/me` of the signed-in project (`spec`: its JSON members) and
/// returns the rejection of `me()`, whose message must carry no token the session holds.
pub async fn me_with_fault(s: &Signed, spec: &str) -> Failure {
    fault_on(&s.project, "/v1/auth/me", spec).await;
    let f = rejection(s.session.me()).await;
    for token in [s.session.session_token(), s.session.refresh_token()]
        .into_iter()
        .flatten()
    {
        assert!(!f.message.contains(&token), "a token in: {}", f.message);
    }
    f
}

/// A recorder subscribed to each event.
pub struct Watch {
    pub token: Recorder,
    pub user: Recorder,
    pub auth: Recorder,
    pub error: Recorder,
}

/// Subscribes a recorder to every event.
pub fn watch(session: &SessionManager) -> Watch {
    let w = Watch {
        token: Recorder::new(),
        user: Recorder::new(),
        auth: Recorder::new(),
        error: Recorder::new(),
    };
    session.on_session_token_change(w.token.function.clone());
    session.on_user_change(w.user.function.clone());
    session.on_is_authenticated_change(w.auth.function.clone());
    session.on_refresh_error(w.error.function.clone());
    w
}

/// Asserts that the session holds nothing: no getter answers, no `DS` cookie, no key of
/// `project` in localStorage.
pub fn assert_cleared(project: &str, session: &SessionManager) {
    assert_eq!(session.session_token(), None);
    assert_eq!(session.refresh_token(), None);
    assert!(session.user().is_undefined());
    assert!(!session.is_authenticated());
    assert!(session.claims().is_undefined());
    assert_eq!(session.next_refresh_at(), None);
    assert_eq!(cookie("DS"), None);
    let leftovers = keys_of(project);
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

/// What a `getSnapshot` function answers.
pub fn snapshot_of(get_snapshot: &Function) -> JsValue {
    get_snapshot.call0(&JsValue::UNDEFINED).unwrap()
}

/// The `id`s of a `{tenants: [...]}` answer.
pub fn tenant_ids(answer: &JsValue) -> Vec<String> {
    items(&get(answer, "tenants"))
        .iter()
        .filter_map(|t| get_str(t, "id"))
        .collect()
}

/// Request hooks that record what they are shown: `beforeRequest` records each config and
/// answers what the function set with `answer` answers (when none is set, nothing: the
/// request as it is); `afterRequest` records `[request, response]`, and throws once
/// `throw_after` was called.
pub struct Hooks {
    state: JsValue,
}

impl Hooks {
    pub fn new() -> Hooks {
        Hooks {
            state: object(&[
                ("seen", Array::new().into()),
                ("after", Array::new().into()),
            ]),
        }
    }

    /// The `hooks` option.
    pub fn option(&self) -> JsValue {
        let before = js_made_fn(
            "state",
            "return function (config) { state.seen.push(config); \
             return state.impl ? state.impl(config) : undefined; };",
            &self.state,
        );
        let after = js_made_fn(
            "state",
            "return function (request, response) { state.after.push([request, response]); \
             if (state.afterThrows) throw new Error('afterRequest failed on purpose'); };",
            &self.state,
        );
        object(&[
            ("beforeRequest", before.into()),
            ("afterRequest", after.into()),
        ])
    }

    /// From now on `beforeRequest` answers what `function (args) { body }` answers.
    pub fn answer(&self, args: &str, body: &str) {
        Reflect::set(&self.state, &"impl".into(), &js_fn(args, body)).unwrap();
    }

    /// From now on `beforeRequest` answers nothing.
    pub fn answer_nothing(&self) {
        Reflect::set(&self.state, &"impl".into(), &JsValue::UNDEFINED).unwrap();
    }

    /// From now on `afterRequest` throws.
    pub fn throw_after(&self) {
        Reflect::set(&self.state, &"afterThrows".into(), &JsValue::TRUE).unwrap();
    }

    /// The configs `beforeRequest` was shown.
    pub fn seen(&self) -> Vec<JsValue> {
        items(&get(&self.state, "seen"))
    }

    /// The `[request, response]` pairs `afterRequest` was shown.
    pub fn after(&self) -> Vec<JsValue> {
        items(&get(&self.state, "after"))
    }
}
