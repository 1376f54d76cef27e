//! The example app in Chrome and Firefox (`wasm-pack test`) against the devserver the test
//! command started (`SK_DEVSERVER`, read at compile time): sign in, the snapshot in the page,
//! refresh, logout — through the app's functions and through its buttons, as a user would.
#![cfg(target_arch = "wasm32")]

use session_keeper::ErrorCode;
use session_keeper_example_app::{App, Config};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlDocument, HtmlElement, HtmlInputElement, Storage};

wasm_bindgen_test_configure!(run_in_browser);

const PASSWORD: &str = "pw-12345";

fn devserver() -> &'static str {
    option_env!("SK_DEVSERVER").unwrap_or("http://127.0.0.1:18787")
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", (js_sys::Math::random() * 1e12) as u64)
}

fn document() -> HtmlDocument {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.dyn_into().ok())
        .expect("a document")
}

fn local_storage() -> Storage {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .expect("localStorage")
}

/// The names of the cookies the page sees.
fn cookie_names() -> Vec<String> {
    let cookies = document().cookie().unwrap_or_default();
    cookies
        .split(';')
        .filter_map(|pair| pair.split('=').next())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .collect()
}

/// The localStorage keys under `prefix`.
fn stored_keys(prefix: &str) -> Vec<String> {
    let storage = local_storage();
    let n = storage.length().unwrap_or(0);
    (0..n)
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter(|key| key.starts_with(prefix))
        .collect()
}

/// Expires the page's cookies and empties localStorage: each test starts signed out.
fn clean_page() {
    let document = document();
    for name in cookie_names() {
        for path in ["; Path=/", ""] {
            let _ = document.set_cookie(&format!("{name}=; Max-Age=0{path}"));
        }
    }
    let _ = local_storage().clear();
}

/// A new project and login on a clean page, and the app's config for them.
struct Setup {
    login: String,
    config: Config,
}

fn setup() -> Setup {
    clean_page();
    let project = unique("P");
    Setup {
        login: format!("{}@example.com", unique("ada")),
        config: Config {
            storage_prefix: format!("{project}."),
            project_id: project,
            base_url: devserver().to_string(),
        },
    }
}

/// A setup, and the app mounted for it in a new root.
fn mounted() -> (Setup, Element, App) {
    let s = setup();
    let root = root();
    let app = App::mount(&root, s.config.clone()).expect("mounted");
    (s, root, app)
}

/// A new element at the end of `<body>` for an app.
fn root() -> Element {
    let document = document();
    let root = document.create_element("div").expect("a div");
    document
        .body()
        .expect("a body")
        .append_child(&root)
        .expect("appended");
    root
}

/// The text of the app's part `data-sk="<name>"`.
fn text(root: &Element, name: &str) -> String {
    part(root, name).text_content().unwrap_or_default()
}

fn part(root: &Element, name: &str) -> Element {
    root.query_selector(&format!("[data-sk=\"{name}\"]"))
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no part {name}"))
}

fn has(root: &Element, name: &str, attribute: &str) -> bool {
    part(root, name).has_attribute(attribute)
}

fn click(root: &Element, name: &str) {
    part(root, name)
        .dyn_into::<HtmlElement>()
        .expect("an HTML element")
        .click();
}

fn type_in(root: &Element, name: &str, value: &str) {
    part(root, name)
        .dyn_into::<HtmlInputElement>()
        .expect("an input")
        .set_value(value);
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window()
            .expect("a window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Waits up to 5 s for `done`; answers whether it came.
async fn until(done: impl Fn() -> bool) -> bool {
    for _ in 0..100 {
        if done() {
            return true;
        }
        sleep(50).await;
    }
    done()
}

/// Asserts that the page shows no session and the browser holds none of it.
fn assert_signed_out(root: &Element, prefix: &str) {
    assert_eq!(text(root, "status"), "signed out");
    assert_eq!(text(root, "user"), "—");
    assert_eq!(text(root, "expires"), "—");
    assert!(!has(root, "sign-in", "hidden"), "the form is shown");
    assert!(has(root, "refresh", "disabled"));
    assert!(has(root, "logout", "disabled"));
    let cookies = cookie_names();
    assert!(
        !cookies.iter().any(|c| c == "DS" || c == "DSR"),
        "token cookies left: {cookies:?}"
    );
    assert_eq!(stored_keys(prefix), Vec::<String>::new(), "keys left");
}

/// Asserts that the page shows `login` signed in.
fn assert_signed_in(root: &Element, login: &str) {
    assert_eq!(text(root, "status"), "signed in");
    let name = login.split('@').next().unwrap_or_default();
    assert_eq!(text(root, "user"), format!("{name} <{login}>"));
    assert!(text(root, "expires").ends_with('Z'), "an ISO date");
    assert!(has(root, "sign-in", "hidden"), "the form is hidden");
    assert!(!has(root, "refresh", "disabled"));
    assert!(!has(root, "logout", "disabled"));
    assert_eq!(text(root, "error"), "");
}

#[wasm_bindgen_test]
async fn signs_in_shows_the_snapshot_refreshes_and_logs_out() {
    let (s, root, app) = mounted();
    assert_signed_out(&root, &s.config.storage_prefix);

    app.sign_in(&s.login, PASSWORD).await.expect("signed in");
    assert_signed_in(&root, &s.login);
    let session = app.session();
    let first = session.session_token().expect("a session token");
    let expires = text(&root, "expires");
    assert!(!stored_keys(&s.config.storage_prefix).is_empty());

    app.refresh().await.expect("refreshed");
    let second = session.session_token().expect("a session token");
    assert_ne!(first, second, "a new session token");
    assert_signed_in(&root, &s.login);
    assert!(text(&root, "expires") >= expires);

    app.logout().await.expect("logged out");
    assert_eq!(session.session_token(), None);
    assert_eq!(session.refresh_token(), None);
    assert_signed_out(&root, &s.config.storage_prefix);
}

#[wasm_bindgen_test]
async fn the_buttons_drive_the_same_flow() {
    let (s, root, app) = mounted();

    type_in(&root, "login", &s.login);
    type_in(&root, "password", PASSWORD);
    click(&root, "sign-in-button");
    assert!(until(|| text(&root, "status") == "signed in").await);
    assert_signed_in(&root, &s.login);

    let first = app.session().session_token();
    click(&root, "refresh");
    assert!(until(|| app.session().session_token() != first).await);
    assert_signed_in(&root, &s.login);

    click(&root, "logout");
    assert!(until(|| text(&root, "status") == "signed out").await);
    assert!(until(|| stored_keys(&s.config.storage_prefix).is_empty()).await);
    assert_signed_out(&root, &s.config.storage_prefix);
}

#[wasm_bindgen_test]
async fn a_refused_sign_in_is_shown_and_nothing_is_stored() {
    let (s, root, app) = mounted();
    app.sign_in(&s.login, PASSWORD).await.expect("registered");
    app.logout().await.expect("logged out");

    let err = app.sign_in(&s.login, "wrong").await.expect_err("refused");
    assert_eq!(err.code(), ErrorCode::Unauthorized);
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.error_code(), Some("E062108"));
    assert!(text(&root, "error").starts_with("unauthorized: "));
    assert_signed_out(&root, &s.config.storage_prefix);

    let err = app.sign_in(" ", PASSWORD).await.expect_err("refused");
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
    let unnamed = Config {
        project_id: String::new(),
        ..s.config.clone()
    };
    let err = App::mount(&self::root(), unnamed)
        .err()
        .expect("an empty project ID is refused");
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
}

#[wasm_bindgen_test]
async fn the_next_page_shows_the_session_at_once() {
    let (s, first, app) = mounted();
    app.sign_in(&s.login, PASSWORD).await.expect("signed in");
    drop(app);
    assert_eq!(first.inner_html(), "", "unmounted");

    // A new page of the same origin: restored from cookies and storage, no sign-in.
    let second = root();
    let app = App::mount(&second, s.config.clone()).expect("mounted");
    assert_signed_in(&second, &s.login);
    app.logout().await.expect("logged out");
    assert_signed_out(&second, &s.config.storage_prefix);
}
