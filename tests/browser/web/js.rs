//! JS plumbing: values, JSON, promises and time, callbacks, `SessionError`s.

use js_sys::{Array, Function, Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use session_keeper::SessionError;

/// A name nobody else uses in this run.
pub fn unique(prefix: &str) -> String {
    let n = (js_sys::Math::random() * 1e12) as u64;
    [prefix, &n.to_string()].concat()
}

/// Sleeps `ms` milliseconds.
pub async fn sleep(ms: u32) {
    let promise = Promise::new(&mut |resolve, _| {
        let window = web_sys::window().unwrap();
        window
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// Awaits a promise.
pub async fn settle(promise: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(promise).await
}

/// Settles `promise` within `ms`: its outcome, or `None` when it is still pending then.
pub async fn within(ms: u32, promise: Promise) -> Option<Result<JsValue, JsValue>> {
    let pending = JsValue::from_str("still pending");
    let timeout = Promise::new(&mut |resolve, _| {
        let window = web_sys::window().unwrap();
        window
            .set_timeout_with_callback_and_timeout_and_arguments_1(&resolve, ms as i32, &pending)
            .unwrap();
    });
    let race = Promise::race(&Array::of2(&promise, &timeout));
    match JsFuture::from(race).await {
        Ok(value) if value.as_string().as_deref() == Some("still pending") => None,
        outcome => Some(outcome),
    }
}

/// Polls `condition` every 25 ms for up to `ms`; answers whether it became true.
pub async fn eventually(ms: f64, condition: impl Fn() -> bool) -> bool {
    let start = js_sys::Date::now();
    loop {
        if condition() {
            return true;
        }
        if js_sys::Date::now() - start > ms {
            return false;
        }
        sleep(25).await;
    }
}

/// Epoch seconds now.
pub fn now_s() -> f64 {
    (js_sys::Date::now() / 1000.0).floor()
}

/// Parses JSON written in a test.
pub fn json(text: &str) -> JsValue {
    JSON::parse(text).expect("test JSON")
}

/// The JSON member `"name":"value"`.
pub fn member(name: &str, value: &str) -> String {
    ["\"", name, "\":", &stringify(&value.into())].concat()
}

/// The text of a JSON object: the string members `pairs`, then the `extra` members as written.
pub fn object_text(pairs: &[(&str, &str)], extra: &str) -> String {
    let mut members: Vec<String> = pairs
        .iter()
        .map(|(name, value)| member(name, value))
        .collect();
    if !extra.is_empty() {
        members.push(extra.to_string());
    }
    ["{", &members.join(","), "}"].concat()
}

/// `JSON.stringify(value)`.
pub fn stringify(value: &JsValue) -> String {
    JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// `obj[key]`.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// `obj[key]` as a string.
pub fn get_str(obj: &JsValue, key: &str) -> Option<String> {
    get(obj, key).as_string()
}

/// An object literal from key/value pairs.
pub fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let obj = Object::new();
    for (key, value) in pairs {
        Reflect::set(&obj, &(*key).into(), value).unwrap();
    }
    obj.into()
}

/// `Object.keys(value)`.
pub fn keys(value: &JsValue) -> Vec<String> {
    Object::keys(value.unchecked_ref::<Object>())
        .iter()
        .filter_map(|k| k.as_string())
        .collect()
}

/// The items of an array.
pub fn items(value: &JsValue) -> Vec<JsValue> {
    Array::from(value).iter().collect()
}

/// The string items of an array.
pub fn strings(value: &JsValue) -> Vec<String> {
    items(value).iter().filter_map(|v| v.as_string()).collect()
}

/// A shallow copy of an object with `remove` left out and `set` set.
pub fn copy_of(value: &JsValue, remove: &[&str], set: &[(&str, JsValue)]) -> JsValue {
    let copy: JsValue = Object::assign(&Object::new(), value.unchecked_ref()).into();
    for name in remove {
        Reflect::delete_property(copy.unchecked_ref::<Object>(), &(*name).into()).unwrap();
    }
    for (name, value) in set {
        Reflect::set(&copy, &(*name).into(), value).unwrap();
    }
    copy
}

/// `obj[key]` through a getter that runs `f` first.
pub fn getter(
    obj: &JsValue,
    key: &str,
    f: impl Fn() -> JsValue + 'static,
) -> Closure<dyn Fn() -> JsValue> {
    let get = Closure::<dyn Fn() -> JsValue>::new(f);
    let descriptor = Object::new();
    Reflect::set(&descriptor, &"get".into(), get.as_ref()).unwrap();
    Reflect::set(&descriptor, &"enumerable".into(), &JsValue::TRUE).unwrap();
    Object::define_property(obj.unchecked_ref::<Object>(), &key.into(), &descriptor);
    get
}

/// Runs JS source (a test's setup) and answers its value.
pub fn eval(code: &str) -> JsValue {
    js_sys::eval(code).unwrap_or_else(|e| panic!("{code}: {e:?}"))
}

/// A JS function made from source.
pub fn js_fn(args: &str, body: &str) -> Function {
    Function::new_with_args(args, body)
}

/// The function that JS source `function (args) { body }` returns when called with `arg`.
pub fn js_made_fn(args: &str, body: &str, arg: &JsValue) -> Function {
    js_fn(args, body)
        .call1(&JsValue::UNDEFINED, arg)
        .unwrap()
        .dyn_into()
        .expect("a function")
}

/// A JWT with this payload (unsigned; the library never checks signatures).
pub fn fake_jwt(payload: &str) -> String {
    let encode = |bytes: &[u8]| -> String {
        let b64 = web_sys::window()
            .unwrap()
            .btoa(&bytes.iter().map(|b| *b as char).collect::<String>())
            .unwrap();
        b64.trim_end_matches('=')
            .replace('+', "-")
            .replace('/', "_")
    };
    [
        encode(b"{\"alg\":\"none\"}").as_str(),
        ".",
        encode(payload.as_bytes()).as_str(),
        ".sig",
    ]
    .concat()
}

/// Counts the calls of a JS callback and remembers the last argument.
pub struct Recorder {
    pub function: Function,
    calls: Array,
    _closure: Closure<dyn FnMut(JsValue)>,
}

impl Recorder {
    pub fn new() -> Recorder {
        let calls = Array::new();
        let sink = calls.clone();
        let closure = Closure::<dyn FnMut(JsValue)>::new(move |value: JsValue| {
            sink.push(&value);
        });
        Recorder {
            function: closure.as_ref().unchecked_ref::<Function>().clone(),
            calls,
            _closure: closure,
        }
    }

    pub fn count(&self) -> u32 {
        self.calls.length()
    }

    pub fn last(&self) -> JsValue {
        self.calls.get(self.calls.length().wrapping_sub(1))
    }

    pub fn all(&self) -> Vec<JsValue> {
        self.calls.iter().collect()
    }
}

/// Records every `console.error` that reports a panic of the module.
pub fn watch_panics() -> Array {
    let seen = Array::new();
    let install = eval(
        "(seen) => { const error = console.error; \
           console.error = (...args) => { \
             if (args.some((a) => String(a).includes('panicked'))) seen.push(args.map(String).join(' ')); \
             error.apply(console, args); }; }",
    )
    .dyn_into::<Function>()
    .unwrap();
    install.call1(&JsValue::UNDEFINED, &seen).unwrap();
    seen
}

/// Asserts that no panic of the module was reported since `watch_panics`.
pub fn assert_no_panic(panics: &Array) {
    assert_eq!(
        panics.length(),
        0,
        "the module panicked: {:?}",
        panics.to_vec()
    );
}

/// The `SessionError` fields of a rejection.
pub struct Failure {
    pub name: String,
    pub code: String,
    pub status: Option<f64>,
    pub error_code: Option<String>,
    pub retry_after: Option<f64>,
    pub message: String,
    pub details: JsValue,
}

/// Reads a `SessionError`.
pub fn failure(err: &JsValue) -> Failure {
    assert!(
        err.is_instance_of::<js_sys::Error>(),
        "not an Error: {err:?}"
    );
    Failure {
        name: get_str(err, "name").unwrap_or_default(),
        code: get_str(err, "code").unwrap_or_default(),
        status: get(err, "status").as_f64(),
        error_code: get_str(err, "errorCode"),
        retry_after: get(err, "retryAfter").as_f64(),
        message: get_str(err, "message").unwrap_or_default(),
        details: get(err, "details"),
    }
}

/// Awaits a call that must be rejected; answers the fields of its rejection.
pub async fn rejection(promise: Promise) -> Failure {
    failure(&settle(promise).await.expect_err("the call went through"))
}

/// Asserts that `f` is a `SessionError` with this code and status.
pub fn assert_error(f: &Failure, code: &str, status: Option<f64>) {
    assert_eq!(
        (f.name.as_str(), f.code.as_str(), f.status),
        ("SessionError", code, status),
        "{}",
        f.message
    );
}

/// Asserts that `err` is a `SessionError` `invalid_argument`; answers its fields.
pub fn assert_invalid(err: &JsValue, what: &str) -> Failure {
    let f = failure(err);
    assert_eq!(
        (f.name.as_str(), f.code.as_str()),
        ("SessionError", "invalid_argument"),
        "{what}"
    );
    f
}

/// Asserts that a constructor refused its options with a `SessionError` `invalid_argument`.
pub fn assert_refused<T>(built: Result<T, SessionError>, what: &str) {
    match built {
        Ok(_) => panic!("accepted {what}"),
        Err(err) => assert_invalid(&err.into(), what),
    };
}

/// Asserts that a constructor refuses each of these options (JSON text, or `undefined`) with a
/// `SessionError` `invalid_argument`.
pub fn assert_each_refused<T>(texts: &[&str], new: impl Fn(JsValue) -> Result<T, SessionError>) {
    for text in texts {
        assert_refused(new(options_value(text)), text);
    }
}

/// Asserts that a promise rejects with a `SessionError` `invalid_argument`.
pub async fn assert_rejected_invalid(promise: Promise, what: &str) {
    let err = settle(promise)
        .await
        .err()
        .unwrap_or_else(|| panic!("accepted {what}"));
    assert_invalid(&err, what);
}

/// Options written as JSON text, `undefined` as such.
pub fn options_value(text: &str) -> JsValue {
    if text == "undefined" {
        JsValue::UNDEFINED
    } else {
        json(text)
    }
}
