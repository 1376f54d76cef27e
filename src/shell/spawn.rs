//! Runs the shell's futures (its requests, which await gloo-net's fetch and JS promises): each
//! is polled on a microtask after it is spawned and after each wake-up, never synchronously.
//!
//! The crate spawns one kind of future and needs nothing else of an executor, so it has its
//! own: the futures by id in a list, the ids woken since the last run in another, and one JS
//! function queued with `queueMicrotask` whenever that list stops being empty. A waker is the
//! task's id behind the standard library's [`Wake`] (no unsafe code): a wake-up after its task
//! ended finds nothing to poll. A poll takes its future out of the list, so a future that
//! spawns or wakes while it runs finds the lists free.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Wake, Waker};

use wasm_bindgen::prelude::*;

type Task = Pin<Box<dyn Future<Output = ()>>>;

thread_local! {
    /// The futures not done yet, by id.
    static TASKS: Cell<Vec<(u32, Task)>> = const { Cell::new(Vec::new()) };
    /// The ids woken since the last run (not empty: a run is queued).
    static READY: Cell<Vec<u32>> = const { Cell::new(Vec::new()) };
    /// The last id given.
    static IDS: Cell<u32> = const { Cell::new(0) };
    /// The JS function that runs the woken futures (made once).
    static RUNNER: Cell<Option<JsValue>> = const { Cell::new(None) };
}

#[wasm_bindgen]
extern "C" {
    /// `queueMicrotask(callback)`
    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(callback: &JsValue);
}

/// Runs `future` to its end, starting on a later microtask.
pub fn spawn(future: impl Future<Output = ()> + 'static) {
    let id = IDS.get().wrapping_add(1);
    IDS.set(id);
    let mut tasks = TASKS.take();
    tasks.push((id, Box::pin(future)));
    TASKS.set(tasks);
    wake(id);
}

/// Task `id` is to be polled: on the run already queued, or on one queued now.
fn wake(id: u32) {
    let mut ready = READY.take();
    let queued = !ready.is_empty();
    ready.push(id);
    READY.set(ready);
    if !queued {
        let runner = RUNNER.take().unwrap_or_else(|| {
            // The closure type of the driver's functions: one set of closure shims.
            Closure::<dyn Fn(JsValue) -> JsValue>::new(|_: JsValue| {
                run();
                JsValue::UNDEFINED
            })
            .into_js_value()
        });
        queue_microtask(&runner);
        RUNNER.set(Some(runner));
    }
}

/// Polls every task woken before this run (a task woken meanwhile waits for the next run).
fn run() {
    let ready = READY.take();
    for &id in &ready {
        let mut tasks = TASKS.take();
        let found = tasks.iter().position(|(task, _)| *task == id);
        let task = found.map(|at| tasks.swap_remove(at).1);
        TASKS.set(tasks);
        let Some(mut task) = task else { continue };
        let waker = Waker::from(Arc::new(Woken(id)));
        if task
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
        {
            let mut tasks = TASKS.take();
            tasks.push((id, task));
            TASKS.set(tasks);
        }
    }
}

/// The waker of task `id`.
struct Woken(u32);

impl Wake for Woken {
    fn wake(self: Arc<Self>) {
        wake(self.0);
    }
}
