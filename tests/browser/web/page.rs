//! The page: its cookies and both storages, read, written and cleaned.

use js_sys::{Function, Promise};
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use super::get;

/// The page's document, with `cookie`.
pub fn html_document() -> web_sys::HtmlDocument {
    web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .dyn_into()
        .unwrap()
}

/// localStorage.
pub fn local_storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

/// sessionStorage.
pub fn session_storage() -> web_sys::Storage {
    web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
}

/// Expires every cookie the page can see and empties both storages: each test starts clean.
pub fn clean_page() {
    let document = html_document();
    let cookies = document.cookie().unwrap_or_default();
    for pair in cookies.split(';') {
        let name = pair.split('=').next().unwrap_or("").trim();
        if !name.is_empty() {
            for path in ["/", ""] {
                let mut text = [name, "=; Max-Age=0"].concat();
                if !path.is_empty() {
                    text.push_str("; Path=");
                    text.push_str(path);
                }
                document.set_cookie(&text).unwrap();
            }
        }
    }
    local_storage().clear().unwrap();
    session_storage().clear().unwrap();
}

/// `document.cookie`.
pub fn cookies() -> String {
    html_document().cookie().unwrap_or_default()
}

/// The value of cookie `name` as the page sees it.
pub fn cookie(name: &str) -> Option<String> {
    session_keeper::core::cookie::read_cookie(&cookies(), name).map(String::from)
}

/// Sets a cookie from its `document.cookie` text.
pub fn set_cookie(text: &str) {
    html_document().set_cookie(text).unwrap();
}

/// Expires the default session cookie (written `Secure; SameSite=Strict` by the package).
pub fn expire_ds_cookie() {
    set_cookie("DS=; Max-Age=0; Path=/; Secure; SameSite=Strict");
    set_cookie("DS=; Max-Age=0; Path=/");
}

/// The full record of cookie `name` from the Cookie Store API (domain, path, expires, secure,
/// sameSite), where the browser gives one (Chrome does).
pub async fn cookie_record(name: &str) -> Option<JsValue> {
    let window = web_sys::window().unwrap();
    let store = get(&window, "cookieStore");
    if !store.is_object() {
        return None;
    }
    let get_fn: Function = get(&store, "get").dyn_into().ok()?;
    let promise: Promise = get_fn.call1(&store, &name.into()).ok()?.dyn_into().ok()?;
    let record = JsFuture::from(promise).await.ok()?;
    // Firefox's Cookie Store answers only {name, value}: no attributes to compare there. Say so
    // in the test output; the attributes that show in behaviour (Max-Age, a Path that hides
    // the cookie) are checked in every browser by their own tests.
    let full = record.is_object() && get(&record, "path").is_string();
    if !full {
        wasm_bindgen_test::console_log!(
            "cookie attributes of {} not read back: this browser's Cookie Store gives only name and value (Firefox); Max-Age and Path are checked by behaviour instead",
            name
        );
    }
    full.then_some(record)
}

/// A localStorage item.
pub fn local(key: &str) -> Option<String> {
    local_storage().get_item(key).unwrap()
}

/// Sets a localStorage item.
pub fn set_local(key: &str, value: &str) {
    local_storage().set_item(key, value).unwrap();
}

/// Every localStorage key.
pub fn local_keys() -> Vec<String> {
    keys_of_storage(&local_storage())
}

/// A sessionStorage item.
pub fn session_item(key: &str) -> Option<String> {
    session_storage().get_item(key).unwrap()
}

/// Every sessionStorage key.
pub fn session_keys() -> Vec<String> {
    keys_of_storage(&session_storage())
}

fn keys_of_storage(storage: &web_sys::Storage) -> Vec<String> {
    (0..storage.length().unwrap())
        .filter_map(|i| storage.key(i).unwrap())
        .collect()
}

/// The storage prefix the tests give `project`'s manager: `<project>.`.
pub fn prefix(project: &str) -> String {
    [project, "."].concat()
}

/// The key `suffix` (`DS`, `DSR`, `DSM`, …) under `project`'s prefix.
pub fn key(project: &str, suffix: &str) -> String {
    [project, ".", suffix].concat()
}

/// The localStorage keys that begin with `project`.
pub fn keys_of(project: &str) -> Vec<String> {
    local_keys()
        .into_iter()
        .filter(|k| k.starts_with(project))
        .collect()
}
