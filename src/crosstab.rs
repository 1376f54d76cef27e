//! Coordination between the tabs of an origin: Web Locks (bound here through wasm-bindgen
//! externs, no unstable web-sys APIs), a `BroadcastChannel` to share results and logouts, and
//! RAII guards for DOM event listeners.
//!
//! The lock protocol: a refresh token may be sent to the server by one tab only. Each refresh
//! takes the lock named after the token's fingerprint *without waiting* (`ifAvailable`). The
//! tab that gets it refreshes, broadcasts the new tokens and keeps holding that lock for a
//! while, so a tab whose timer fires late still finds the token "taken" instead of presenting
//! an already-rotated token (which the server answers with reuse detection, revoking the whole
//! family). A tab that finds the lock taken waits, bounded, for the new tokens to arrive.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{BroadcastChannel, EventTarget, MessageEvent};

/// How long a tab keeps holding the lock of a token it has just rotated.
pub const HOLD_AFTER_ROTATION_MS: f64 = 60_000.0;

/// The name of the BroadcastChannel of a project and storage prefix, e.g.
/// `session-keeper:P1:app.`.
pub fn channel_name(project_id: &str, prefix: &str) -> String {
    ["session-keeper:", project_id, ":", prefix].concat()
}

/// The name of the lock that guards one token, `<channel name>:<fingerprint>`. The token
/// itself never appears in it.
pub fn lock_name(project_id: &str, prefix: &str, token: &str) -> String {
    let mut out = channel_name(project_id, prefix);
    out.push(':');
    out.push_str(&fingerprint(token));
    out
}

/// FNV-1a (64 bit) of `text`, as 16 hex digits: a short, stable, non-reversible tag.
pub fn fingerprint(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    (0..16)
        .rev()
        .map(|i| HEX[((hash >> (i * 4)) & 0xf) as usize] as char)
        .collect()
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
        callback: &Function,
    ) -> Result<Promise, JsValue>;
}

/// The result of asking for a lock without waiting.
pub enum Lock {
    /// This tab holds the lock until the guard is dropped.
    Acquired(LockGuard),
    /// Another tab holds it.
    Busy,
    /// The browser has no Web Locks (or refuses them here).
    Unsupported,
}

/// A held Web Lock; dropping it releases the lock.
#[must_use = "dropping the guard releases the lock"]
pub struct LockGuard {
    release: Function,
    _callback: Closure<dyn FnMut(JsValue) -> JsValue>,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = self.release.call0(&JsValue::UNDEFINED);
    }
}

fn lock_manager() -> Option<LockManager> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &JsValue::from_str("locks")).ok()?;
    locks.is_object().then(|| locks.unchecked_into())
}

/// A promise and the function that resolves it.
pub(crate) fn deferred() -> Option<(Promise, Function)> {
    let mut resolve = None;
    let promise = Promise::new(&mut |res, _rej| resolve = Some(res));
    Some((promise, resolve?))
}

/// Asks for lock `name` without waiting.
pub async fn try_lock(name: &str) -> Lock {
    let Some(locks) = lock_manager() else {
        return Lock::Unsupported;
    };
    let (Some((release_promise, release)), Some((granted, grant))) = (deferred(), deferred())
    else {
        return Lock::Unsupported;
    };
    let callback = Closure::once(move |lock: JsValue| -> JsValue {
        let held = lock.is_object();
        let _ = grant.call1(&JsValue::UNDEFINED, &JsValue::from_bool(held));
        // Returning the pending promise keeps the lock until the guard resolves it.
        if held {
            release_promise.into()
        } else {
            JsValue::UNDEFINED
        }
    });
    let options = Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
    if locks
        .request(name, &options, callback.as_ref().unchecked_ref())
        .is_err()
    {
        return Lock::Unsupported;
    }
    match JsFuture::from(granted).await.map(|v| v.as_bool()) {
        Ok(Some(true)) => Lock::Acquired(LockGuard {
            release,
            _callback: callback,
        }),
        _ => Lock::Busy,
    }
}

/// A `BroadcastChannel` with its message handler; closed on drop.
pub struct Channel {
    channel: BroadcastChannel,
    _handler: Closure<dyn FnMut(MessageEvent)>,
}

impl Channel {
    /// Opens channel `name`, or `None` where the browser has no BroadcastChannel.
    pub fn open(name: &str, mut on_message: impl FnMut(JsValue) + 'static) -> Option<Channel> {
        let window = web_sys::window()?;
        if !Reflect::has(&window, &"BroadcastChannel".into()).unwrap_or(false) {
            return None;
        }
        let channel = BroadcastChannel::new(name).ok()?;
        let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            on_message(event.data())
        });
        channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        Some(Channel {
            channel,
            _handler: handler,
        })
    }

    /// Sends `message` to the other tabs.
    pub fn post(&self, message: &JsValue) {
        let _ = self.channel.post_message(message);
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        self.channel.set_onmessage(None);
        self.channel.close();
    }
}

/// A DOM event listener, removed on drop.
pub struct Listener {
    target: EventTarget,
    kind: &'static str,
    handler: Closure<dyn FnMut(web_sys::Event)>,
}

impl Listener {
    /// Listens to `kind` events on `target`.
    pub fn new(
        target: &EventTarget,
        kind: &'static str,
        handler: impl FnMut(web_sys::Event) + 'static,
    ) -> Option<Listener> {
        let handler = Closure::<dyn FnMut(web_sys::Event)>::new(handler);
        target
            .add_event_listener_with_callback(kind, handler.as_ref().unchecked_ref())
            .ok()?;
        Some(Listener {
            target: target.clone(),
            kind,
            handler,
        })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.kind, self.handler.as_ref().unchecked_ref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        assert_eq!(fingerprint(""), "cbf29ce484222325");
        assert_eq!(fingerprint("a"), "af63dc4c8601ec8c");
        assert_ne!(fingerprint("token-1"), fingerprint("token-2"));
        assert_eq!(fingerprint("x").len(), 16);
    }

    #[test]
    fn names() {
        assert_eq!(channel_name("P1", "app."), "session-keeper:P1:app.");
        let a = lock_name("P1", "", "token-a");
        assert!(a.starts_with("session-keeper:P1::") && !a.contains("token-a"));
        assert_ne!(a, lock_name("P1", "", "token-b"));
    }

    #[test]
    fn names_separate_projects_and_prefixes() {
        assert_ne!(channel_name("P1", ""), channel_name("P2", ""));
        assert_ne!(channel_name("P1", "a"), channel_name("P1", "b"));
        assert_ne!(lock_name("P1", "", "t"), lock_name("P2", "", "t"));
    }
}
