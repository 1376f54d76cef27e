//! The browser APIs the shell performs effects with: storage, cookies, Web Locks (bound here
//! through wasm-bindgen externs, no unstable web-sys APIs), a `BroadcastChannel`, and DOM event
//! listeners as RAII guards. Also the core's [`Env`]: what it reads of them.

use std::cell::RefCell;

use js_sys::{Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::claims::Claims;
use crate::core::error::{ErrorCode, Result, SessionError};
use crate::core::io::Env;
use crate::core::options::Persist;
use crate::shell::js;

/// Where tokens that are not in cookies live.
pub enum Store {
    /// localStorage or sessionStorage.
    Web(Storage),
    /// This page only (`persist: "memory"`, or a browser that refuses storage).
    Memory(RefCell<Vec<(String, String)>>),
}

impl Store {
    /// The store `persist` chooses; memory where the browser refuses storage.
    pub fn open(persist: Persist) -> Store {
        let web = match persist {
            Persist::LocalStorage => storage("localStorage"),
            Persist::SessionStorage => storage("sessionStorage"),
            Persist::Memory => None,
        };
        match web {
            Some(storage) => Store::Web(storage),
            None => Store::Memory(RefCell::new(Vec::new())),
        }
    }

    /// `getItem`
    pub fn get(&self, key: &str) -> Option<String> {
        match self {
            Store::Web(s) => s.item(key),
            Store::Memory(m) => m
                .borrow()
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone()),
        }
    }

    /// `setItem`; an error when the browser refuses (quota, disabled storage).
    pub fn set(&self, key: &str, value: &str) -> Result<()> {
        match self {
            Store::Web(s) => s
                .set_item(key, value)
                .map_err(|_| SessionError::new(ErrorCode::Storage, "storage refused")),
            Store::Memory(m) => {
                let mut m = m.borrow_mut();
                crate::core::remove_pairs(&mut m, key, str::eq);
                m.push((key.into(), value.into()));
                Ok(())
            }
        }
    }

    /// `removeItem`
    pub fn remove(&self, key: &str) {
        match self {
            Store::Web(s) => {
                let _ = s.remove_item(key);
            }
            Store::Memory(m) => crate::core::remove_pairs(&mut m.borrow_mut(), key, str::eq),
        }
    }
}

#[wasm_bindgen]
extern "C" {
    /// `localStorage` or `sessionStorage`. Bound here rather than through web-sys: an item is
    /// answered as the JS value (`null` or a string), made a Rust string by the one string
    /// conversion the crate has anyway.
    pub type Storage;

    #[wasm_bindgen(method, catch, js_name = getItem)]
    fn get_item(this: &Storage, key: &str) -> core::result::Result<JsValue, JsValue>;

    /// `setItem` (throws when the browser refuses: quota, disabled storage)
    #[wasm_bindgen(method, catch, js_name = setItem)]
    pub fn set_item(this: &Storage, key: &str, value: &str) -> core::result::Result<(), JsValue>;

    /// `removeItem`
    #[wasm_bindgen(method, catch, js_name = removeItem)]
    pub fn remove_item(this: &Storage, key: &str) -> core::result::Result<(), JsValue>;
}

impl Storage {
    /// `getItem(key)` as a Rust string: `None` when absent or when reading throws.
    fn item(&self, key: &str) -> Option<String> {
        self.get_item(key).ok().and_then(|v| v.as_string())
    }
}

/// `document.cookie` (defined on every `Document`), or empty where there is none or reading it
/// throws (a sandboxed frame).
pub fn cookies() -> String {
    member(&window_member("document"), "cookie")
        .as_string()
        .unwrap_or_default()
}

/// `document.cookie = text` (nothing where there is no document or writing throws).
pub fn write_cookie(text: &str) {
    js::set(&window_member("document"), "cookie", &text.into());
}

/// What the core reads: the store and the cookies, and JSON through `JSON.parse`.
impl Env for Store {
    fn item(&self, key: &str) -> Option<String> {
        self.get(key)
    }
    fn cookies(&self) -> String {
        cookies()
    }
    fn claims(&self, payload_json: &str) -> Option<Claims> {
        crate::core::io::claims_of(&js::parse(payload_json))
    }
    fn shared(&self, key: &str) -> Option<String> {
        local()?.item(key)
    }
    fn login(&self, user_json: &str) -> Option<(String, Option<String>)> {
        crate::core::io::login_of(&js::parse(user_json))
    }
}

/// `localStorage`, whatever store the options chose (for the keys shared with the official SDK).
pub fn local() -> Option<Storage> {
    storage("localStorage")
}

/// `window[name]`, `undefined` where there is no window or reading it throws (storage blocked
/// by the browser's settings throws `SecurityError`). Members are read through the one
/// `Reflect.get` the crate binds anyway, not a binding per getter.
pub fn window_member(name: &str) -> JsValue {
    member(&window(), name)
}

#[wasm_bindgen]
extern "C" {
    /// `globalThis.window`, read once (js-sys's `global()` looks for the global object four
    /// ways, for engines older than any that runs this wasm).
    #[wasm_bindgen(thread_local_v2, js_namespace = globalThis, js_name = window)]
    static WINDOW: JsValue;
}

/// The page's window (`globalThis.window`: `undefined` in a worker), found without web-sys's
/// `instanceof Window` check.
pub fn window() -> JsValue {
    WINDOW.with(JsValue::clone)
}

/// `target[name]`, `undefined` when reading it throws.
pub fn member(target: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(target, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// `navigator.onLine` (online unless the browser says otherwise).
pub fn online() -> bool {
    member(&window_member("navigator"), "onLine").as_bool() != Some(false)
}

/// `document.hidden`
pub fn hidden() -> bool {
    member(&window_member("document"), "hidden").as_bool() == Some(true)
}

/// `localStorage` or `sessionStorage`, where the browser has and allows it.
fn storage(name: &str) -> Option<Storage> {
    let storage = window_member(name);
    storage.is_object().then(|| storage.unchecked_into())
}

/// `location.hostname` and `location.pathname`.
pub fn page() -> crate::core::Page {
    let location = window_member("location");
    let text = |name| member(&location, name).as_string().unwrap_or_default();
    crate::core::Page {
        host: text("hostname"),
        path: text("pathname"),
    }
}

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks`
    type LockManager;

    #[wasm_bindgen(method, catch, js_name = request)]
    fn request(
        this: &LockManager,
        name: &str,
        options: &JsValue,
        callback: &JsValue,
    ) -> core::result::Result<LockRequest, JsValue>;

    /// The promise of a lock request.
    pub type LockRequest;

    /// `promise.catch(onRejected)`
    #[wasm_bindgen(method, js_name = catch)]
    pub fn catch(this: &LockRequest, on_rejected: &JsValue) -> LockRequest;
}

/// Asks for Web Lock `name` without waiting (`ifAvailable`): `callback` gets the lock object,
/// or `null` when another tab holds it, and keeps the lock until the promise it returns
/// settles. Answers the request's promise (it rejects when the browser refuses the lock:
/// a sandboxed frame, blocked site data), or `None` where the browser has no Web Locks or
/// the request throws.
pub fn request_lock(name: &str, callback: JsValue) -> Option<LockRequest> {
    let locks = member(&window_member("navigator"), "locks");
    if !locks.is_object() {
        return None;
    }
    // No prototype: a polluted `Object.prototype.mode` or `.steal` cannot change the request.
    let none = JsValue::NULL;
    let options: JsValue = Object::create(none.unchecked_ref::<Object>()).into();
    js::set(&options, "ifAvailable", &JsValue::TRUE);
    locks
        .unchecked_into::<LockManager>()
        .request(name, &options, &callback)
        .ok()
}

#[wasm_bindgen]
extern "C" {
    /// `new Promise(executor)`, with an executor of the crate's one closure type (js-sys's
    /// `Promise::new` would bring a closure type of its own).
    #[wasm_bindgen(js_name = Promise)]
    type Executed;

    #[wasm_bindgen(constructor, js_class = "Promise")]
    fn new(executor: &JsValue) -> Executed;
}

/// `new Promise(executor)`: `executor` (a function of the driver's, [`super::On`]) gets its
/// `resolve` before this returns.
pub fn promise(executor: &JsValue) -> Promise {
    Executed::new(executor).unchecked_into()
}

#[wasm_bindgen]
extern "C" {
    /// A `BroadcastChannel` (bound here: web-sys's `postMessage` catches an exception it
    /// never throws for a string on an open channel).
    type BroadcastChannel;

    /// `new BroadcastChannel(name)` (throws where the page may not have one: an opaque
    /// origin).
    #[wasm_bindgen(catch, constructor)]
    fn new(name: &str) -> core::result::Result<BroadcastChannel, JsValue>;

    #[wasm_bindgen(method, js_name = postMessage)]
    fn post_message(this: &BroadcastChannel, message: &str);

    #[wasm_bindgen(method)]
    fn close(this: &BroadcastChannel);
}

/// A `BroadcastChannel` with its message handler; closed on drop.
pub struct Channel {
    channel: BroadcastChannel,
}

impl Channel {
    /// Opens channel `name` with `on_message` (a function of the driver's, [`super::On`],
    /// called with each message event), or `None` where the browser has no BroadcastChannel.
    pub fn open(name: &str, on_message: &JsValue) -> Option<Channel> {
        if window_member("BroadcastChannel").is_undefined() {
            return None;
        }
        let channel = BroadcastChannel::new(name).ok()?;
        js::set(&channel, "onmessage", on_message);
        Some(Channel { channel })
    }

    /// Stops delivering messages (the channel still sends).
    pub fn mute(&self) {
        js::set(&self.channel, "onmessage", &JsValue::NULL);
    }

    /// Sends `message` to the other tabs.
    pub fn post(&self, message: &str) {
        self.channel.post_message(message);
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        js::set(&self.channel, "onmessage", &JsValue::NULL);
        self.channel.close();
    }
}

#[wasm_bindgen]
extern "C" {
    /// What DOM events come from (the window, the document). Bound here rather than through
    /// web-sys, whose bindings catch exceptions `addEventListener` and `removeEventListener`
    /// never throw.
    type Target;

    #[wasm_bindgen(method, js_name = addEventListener)]
    fn listen(this: &Target, kind: &str, handler: &JsValue);

    #[wasm_bindgen(method, js_name = removeEventListener)]
    fn unlisten(this: &Target, kind: &str, handler: &JsValue);
}

#[wasm_bindgen]
extern "C" {
    /// An `AbortController` (bound here: web-sys's constructor catches an exception it never
    /// throws; every browser that runs this wasm, with its reference types, has the class).
    #[wasm_bindgen(js_name = AbortController)]
    pub type Aborter;

    #[wasm_bindgen(constructor, js_class = "AbortController")]
    pub fn new() -> Aborter;

    /// `controller.abort()`
    #[wasm_bindgen(method)]
    pub fn abort(this: &Aborter);
}

/// A DOM event listener, removed on drop.
pub struct Listener {
    target: Target,
    kind: &'static str,
    handler: JsValue,
}

impl Listener {
    /// Listens to `kind` events on `target` with `handler` (a function of the driver's,
    /// [`super::On`]).
    pub fn new(target: &JsValue, kind: &'static str, handler: JsValue) -> Listener {
        let target: Target = target.clone().unchecked_into();
        target.listen(kind, &handler);
        Listener {
            target,
            kind,
            handler,
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.target.unlisten(self.kind, &self.handler);
    }
}
