//! A timer for a wall-clock time, owned as a handle: dropping the handle cancels it.
//!
//! Each step waits at most what `setTimeout` accepts and then compares the wall clock with the
//! due time again ([`crate::core::schedule::tick`]), so delays longer than 2^31−1 ms are chained and a
//! timer that wakes late (sleep, throttling) fires at once.

use std::cell::Cell;
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;

use crate::core::schedule::{tick, Tick};

/// A `Cell` (taken and set, never borrowed): no borrow to fail.
type Slot = Cell<Option<Timeout>>;

/// A pending call of a function at an epoch-ms time. Cancelled on drop.
#[must_use = "dropping the timer cancels it"]
pub struct WallTimer {
    slot: Rc<Slot>,
}

impl WallTimer {
    /// Calls `f` once at epoch-ms `due` (on a later task, never synchronously).
    pub fn at(due: f64, f: impl FnOnce() + 'static) -> WallTimer {
        let slot = Rc::new(Cell::new(None));
        arm(&slot, Rc::downgrade(&slot), due, Box::new(f), 0);
        WallTimer { slot }
    }
}

impl Drop for WallTimer {
    fn drop(&mut self) {
        // Dropping the gloo Timeout clears it; nothing keeps the callback alive after this.
        drop(self.slot.take());
    }
}

/// Sets a `setTimeout` towards `due`, re-armed in steps the browser can hold.
fn arm(slot: &Slot, weak: Weak<Slot>, due: f64, f: Box<dyn FnOnce()>, first_wait: u32) {
    let wait = match tick(js_sys::Date::now(), due) {
        Tick::Fire => first_wait,
        Tick::Wait(ms) => ms as u32,
    };
    let timeout = Timeout::new(wait, move || {
        let Some(slot) = weak.upgrade() else { return };
        match tick(js_sys::Date::now(), due) {
            Tick::Fire => {
                let finished = slot.take();
                drop(slot);
                f();
                drop(finished);
            }
            Tick::Wait(_) => {
                let previous = slot.take();
                arm(&slot, weak, due, f, 0);
                drop(previous);
            }
        }
    });
    slot.set(Some(timeout));
}
