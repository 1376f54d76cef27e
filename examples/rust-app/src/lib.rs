//! A small app on session-keeper's Rust API, in plain `web-sys` (no framework, no JS written):
//! a sign-in form (Descope's password sign-in, `POST /v1/auth/password/signin`), the session's
//! [`Snapshot`] shown as it changes, a Refresh button and a Log out button.
//!
//! [`App::mount`] builds it in an element; [`App::sign_in`], [`App::refresh`] and
//! [`App::logout`] are what its buttons call, so the tests drive the same code as a user.
//! `run` (exported to JS) mounts it in `#app` for `index.html`.
#![deny(missing_docs)]

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::{Object, Reflect, JSON};
use session_keeper::{
    ErrorCode, JwtResponse, Options, Session, SessionError, Snapshot, Subscription,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{
    Element, Event, Headers, HtmlInputElement, Request, RequestCredentials, RequestInit, Response,
};

/// Where the app signs in.
#[derive(Clone, Debug)]
pub struct Config {
    /// The Descope project ID.
    pub project_id: String,
    /// The Descope API (or the devserver), e.g. `http://127.0.0.1:8787`.
    pub base_url: String,
    /// Prefix of the session's storage keys.
    pub storage_prefix: String,
}

/// The page: its elements are found by their `data-sk` attribute. Text goes in with
/// `set_text_content` only, so nothing from the server is ever parsed as HTML.
const TEMPLATE: &str = r#"
<form data-sk="sign-in">
  <input data-sk="login" name="login" autocomplete="username" placeholder="Login ID">
  <input data-sk="password" name="password" type="password" autocomplete="current-password" placeholder="Password">
  <button data-sk="sign-in-button" type="submit">Sign in</button>
</form>
<dl>
  <dt>Status</dt><dd data-sk="status"></dd>
  <dt>User</dt><dd data-sk="user"></dd>
  <dt>Tenant</dt><dd data-sk="tenant"></dd>
  <dt>Expires</dt><dd data-sk="expires"></dd>
</dl>
<button data-sk="refresh" type="button">Refresh</button>
<button data-sk="logout" type="button">Log out</button>
<p data-sk="error" role="alert"></p>
"#;

/// The mounted app. Dropping it removes its listeners and its subscription, and disposes of
/// the session (the stored session stays for the next page).
pub struct App {
    inner: Rc<Inner>,
}

/// A DOM listener the app added, removed again on drop.
type Listener = (Element, &'static str, Closure<dyn Fn(Event)>);

struct Inner {
    config: Config,
    root: Element,
    session: Session,
    subscription: RefCell<Option<Subscription>>,
    listeners: RefCell<Vec<Listener>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        for (element, event, listener) in self.listeners.take() {
            let _ = element
                .remove_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
        }
        self.subscription.take();
        self.root.set_inner_html("");
    }
}

/// An `invalid_argument` error for what the page lacks.
fn missing(what: &'static str) -> SessionError {
    SessionError::invalid_argument(what)
}

impl App {
    /// Builds the app in `root` and shows the session restored from storage (a user signed in
    /// on an earlier page is still signed in). An error for bad options or a broken page.
    pub fn mount(root: &Element, config: Config) -> Result<App, SessionError> {
        let session = Session::new(
            Options::new(config.project_id.clone())
                .base_url(config.base_url.clone())
                .storage_prefix(config.storage_prefix.clone()),
        )?;
        root.set_inner_html(TEMPLATE);
        let inner = Rc::new(Inner {
            config,
            root: root.clone(),
            session,
            subscription: RefCell::new(None),
            listeners: RefCell::new(Vec::new()),
        });
        // Weak: the subscription lives in the app, and must not keep it alive.
        let view = Rc::downgrade(&inner);
        let subscription = inner.session.subscribe(move |snapshot| {
            if let Some(view) = view.upgrade() {
                view.render(snapshot);
            }
        });
        inner.subscription.replace(Some(subscription));
        inner.listen("sign-in", "submit", |inner, event| {
            event.prevent_default();
            let login = inner.input("login");
            let password = inner.input("password");
            spawn_local(async move {
                let result = inner.sign_in(&login, &password).await;
                inner.report(&result);
            });
        })?;
        inner.listen("refresh", "click", |inner, _| {
            spawn_local(async move {
                let result = inner.refresh().await;
                inner.report(&result);
            });
        })?;
        inner.listen("logout", "click", |inner, _| {
            spawn_local(async move {
                let result = inner.logout().await;
                inner.report(&result);
            });
        })?;
        Ok(App { inner })
    }

    /// The session the app keeps.
    pub fn session(&self) -> &Session {
        &self.inner.session
    }

    /// Signs `login` in with `password` and applies the answer; the snapshot shows the user.
    /// A refused sign-in is shown in the error line and answered.
    pub async fn sign_in(&self, login: &str, password: &str) -> Result<(), SessionError> {
        let result = self.inner.sign_in(login, password).await;
        self.inner.report(&result);
        result
    }

    /// Refreshes the session now (new tokens, a new expiry).
    pub async fn refresh(&self) -> Result<(), SessionError> {
        let result = self.inner.refresh().await;
        self.inner.report(&result);
        result
    }

    /// Logs out: tokens, cookies and storage are cleared even when the request fails.
    pub async fn logout(&self) -> Result<(), SessionError> {
        let result = self.inner.logout().await;
        self.inner.report(&result);
        result
    }
}

impl Inner {
    /// The element `data-sk="<name>"`.
    fn part(&self, name: &str) -> Option<Element> {
        let selector = ["[data-sk=\"", name, "\"]"].concat();
        self.root.query_selector(&selector).ok().flatten()
    }

    /// The value of the input `data-sk="<name>"` (empty when there is none).
    fn input(&self, name: &str) -> String {
        self.part(name)
            .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
            .map(|input| input.value())
            .unwrap_or_default()
    }

    fn text(&self, name: &str, text: &str) {
        if let Some(element) = self.part(name) {
            element.set_text_content(Some(text));
        }
    }

    fn flag(&self, name: &str, attribute: &str, on: bool) {
        if let Some(element) = self.part(name) {
            let _ = if on {
                element.set_attribute(attribute, "")
            } else {
                element.remove_attribute(attribute)
            };
        }
    }

    /// Calls `handler` with the app on each `event` of `data-sk="<name>"`; the handler holds
    /// the app weakly, so the listener never keeps a dropped app alive.
    fn listen(
        self: &Rc<Self>,
        name: &'static str,
        event: &'static str,
        handler: fn(Rc<Inner>, Event),
    ) -> Result<(), SessionError> {
        let element = self
            .part(name)
            .ok_or(missing("the page lost a part of the app"))?;
        let app: Weak<Inner> = Rc::downgrade(self);
        let listener = Closure::<dyn Fn(Event)>::new(move |e: Event| {
            if let Some(app) = app.upgrade() {
                handler(app, e);
            }
        });
        element
            .add_event_listener_with_callback(event, listener.as_ref().unchecked_ref())
            .map_err(|_| missing("cannot listen to the page"))?;
        self.listeners.borrow_mut().push((element, event, listener));
        Ok(())
    }

    /// Shows a snapshot: called at once and on every change of the session.
    fn render(&self, snapshot: &Snapshot) {
        let signed_in = snapshot.is_authenticated;
        self.text("status", if signed_in { "signed in" } else { "signed out" });
        let user = snapshot.user.as_ref();
        let name = user.and_then(|u| u.name.as_deref()).unwrap_or("");
        let email = user.and_then(|u| u.email.as_deref()).unwrap_or("");
        let user = match (name, email) {
            ("", "") => "—".to_string(),
            (name, "") => name.to_string(),
            ("", email) => email.to_string(),
            (name, email) => format!("{name} <{email}>"),
        };
        self.text("user", &user);
        self.text("tenant", snapshot.current_tenant.as_deref().unwrap_or("—"));
        let expires = snapshot.expires_at.map(|ms| {
            let date = js_sys::Date::new(&JsValue::from_f64(ms));
            date.to_iso_string().as_string().unwrap_or_default()
        });
        self.text("expires", expires.as_deref().unwrap_or("—"));
        self.flag("sign-in", "hidden", signed_in);
        self.flag("refresh", "disabled", !signed_in);
        self.flag("logout", "disabled", !signed_in);
    }

    /// Shows the outcome of an action in the error line (empty on success).
    fn report(&self, result: &Result<(), SessionError>) {
        match result {
            Ok(()) => self.text("error", ""),
            Err(err) => self.text("error", &err.to_string()),
        }
    }

    async fn sign_in(&self, login: &str, password: &str) -> Result<(), SessionError> {
        let response = password_sign_in(&self.config, login, password).await?;
        self.session.apply(&response)
    }

    async fn refresh(&self) -> Result<(), SessionError> {
        self.session.refresh().await.map(|_| ())
    }

    async fn logout(&self) -> Result<(), SessionError> {
        self.session.logout().await
    }
}

/// `POST /v1/auth/password/signin` with `Authorization: Bearer <projectId>`: the JWT
/// response, or the refusal as a `SessionError` with Descope's `errorCode`.
async fn password_sign_in(
    config: &Config,
    login: &str,
    password: &str,
) -> Result<JwtResponse, SessionError> {
    if login.trim().is_empty() || password.is_empty() {
        return Err(missing("enter a login ID and a password"));
    }
    let body = Object::new();
    let _ = Reflect::set(&body, &"loginId".into(), &login.into());
    let _ = Reflect::set(&body, &"password".into(), &password.into());
    let body = JSON::stringify(&body).map_err(|_| missing("cannot write the request"))?;

    let headers = Headers::new().map_err(|_| missing("no Headers"))?;
    let bearer = ["Bearer ", config.project_id.as_str()].concat();
    for (name, value) in [
        ("Content-Type", "application/json"),
        ("Authorization", &bearer),
    ] {
        headers
            .set(name, value)
            .map_err(|_| missing("the project ID cannot be sent as a header"))?;
    }
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_credentials(RequestCredentials::Include);
    init.set_headers(&headers);
    init.set_body(&body);
    let url = [
        config.base_url.trim_end_matches('/'),
        "/v1/auth/password/signin",
    ]
    .concat();
    let request =
        Request::new_with_str_and_init(&url, &init).map_err(|_| missing("invalid baseUrl"))?;

    let window = web_sys::window().ok_or(missing("no window"))?;
    let network = |_| SessionError::new(ErrorCode::Network, "the sign-in request failed");
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(network)?
        .dyn_into()
        .map_err(network)?;
    let json = match response.json() {
        Ok(promise) => JsFuture::from(promise).await.unwrap_or(JsValue::UNDEFINED),
        Err(_) => JsValue::UNDEFINED,
    };
    if !response.ok() {
        let text = |key: &str| Reflect::get(&json, &key.into()).ok()?.as_string();
        let mut err = SessionError::http(response.status(), None);
        err.error_code = text("errorCode");
        err.error_description = text("errorDescription");
        return Err(err);
    }
    JwtResponse::from_js(&json)
}

thread_local! {
    /// The app of `index.html`, for the page's life.
    static PAGE_APP: RefCell<Option<App>> = const { RefCell::new(None) };
}

/// Mounts the app in `#app` (or a new element at the end of `<body>`): `index.html` calls it
/// after `init()`. Without `baseUrl` the page's own origin is the API (the devserver serving
/// the page).
#[wasm_bindgen]
pub fn run(project_id: String, base_url: Option<String>) -> Result<(), JsValue> {
    let fail = |what: &str| JsValue::from_str(what);
    let window = web_sys::window().ok_or_else(|| fail("no window"))?;
    let document = window.document().ok_or_else(|| fail("no document"))?;
    let root = match document.get_element_by_id("app") {
        Some(root) => root,
        None => {
            let root = document.create_element("div")?;
            document
                .body()
                .ok_or_else(|| fail("no body"))?
                .append_child(&root)?;
            root
        }
    };
    let base_url = match base_url {
        Some(url) => url,
        None => window.location().origin()?,
    };
    let config = Config {
        project_id,
        base_url,
        storage_prefix: "example.".into(),
    };
    let app = App::mount(&root, config).map_err(|e| fail(&e.to_string()))?;
    PAGE_APP.with(|slot| slot.replace(Some(app)));
    Ok(())
}
