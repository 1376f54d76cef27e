//! Subscriptions: each event keeps its callbacks in a JS `Set`, and the unsubscribe function is
//! `set.delete` bound to the callback, so no Rust closure is created or leaked per subscriber.

use js_sys::{Array, Function, Reflect, Set};
use wasm_bindgen::{JsCast, JsValue};

/// The callbacks of one event.
pub struct Listeners {
    set: Set,
}

impl Default for Listeners {
    fn default() -> Self {
        Listeners {
            set: Set::new(&JsValue::UNDEFINED),
        }
    }
}

impl Listeners {
    /// Adds `callback`; returns the function that removes it again.
    pub fn add(&self, callback: &Function) -> Function {
        self.set.add(callback);
        // Set.prototype.delete always exists.
        let delete: Function<fn(JsValue) -> JsValue> =
            Reflect::get(&self.set, &JsValue::from_str("delete"))
                .unwrap_or_default()
                .unchecked_into();
        delete.bind1(&self.set, callback.as_ref()).unchecked_into()
    }

    /// Whether nobody is subscribed.
    pub fn is_empty(&self) -> bool {
        self.set.size() == 0
    }

    /// Calls every callback (those subscribed now) with `value`. No state of the session is
    /// borrowed meanwhile: a callback may call back into the package.
    pub fn dispatch(&self, value: &JsValue) {
        let callbacks = Array::from(&self.set);
        for at in 0..callbacks.length() {
            let callback = callbacks.get(at);
            if callback.is_function() {
                let callback: Function = callback.unchecked_into();
                if let Err(err) = callback.call1(&JsValue::UNDEFINED, value) {
                    // A throwing callback must not stop the others or the session logic.
                    web_sys::console::error_2(
                        &JsValue::from_str("session-keeper: callback threw"),
                        &err,
                    );
                }
            }
        }
    }
}
