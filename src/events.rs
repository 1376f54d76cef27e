//! Subscriptions: each event keeps its callbacks in a JS `Set`, and the unsubscribe function is
//! `set.delete` bound to the callback, so no Rust closure is created or leaked per subscriber.

use std::cell::Cell;

use js_sys::{Array, Function, Reflect, Set};
use wasm_bindgen::{JsCast, JsValue};

/// The callbacks of one event.
pub struct Listeners {
    set: Set,
    /// Bumped by every dispatch, so that a dispatch can tell that a newer one has started.
    round: Cell<u32>,
}

impl Default for Listeners {
    fn default() -> Self {
        Listeners {
            set: Set::new(&JsValue::UNDEFINED),
            round: Cell::new(0),
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

    /// Calls every callback with `current()`. If a callback changes the state so that another
    /// dispatch starts, this one stops: the newer dispatch delivers the newer value to
    /// everyone, and no callback ever receives a value that is no longer true.
    pub fn dispatch(&self, current: &dyn Fn() -> JsValue) {
        let round = self.round.get().wrapping_add(1);
        self.round.set(round);
        for callback in Array::from(&self.set).iter() {
            if self.round.get() != round {
                return;
            }
            if let Ok(callback) = callback.dyn_into::<Function>() {
                if let Err(err) = callback.call1(&JsValue::UNDEFINED, &current()) {
                    // A throwing callback must not stop the others or the session logic.
                    web_sys::console::error_2(
                        &JsValue::from_str("session-keeper: an event callback threw"),
                        &err,
                    );
                }
            }
        }
    }
}
