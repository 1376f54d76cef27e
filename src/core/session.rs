//! The Descope session as one state machine: restoring, applying responses, the refresh cycle
//! and its cross-tab turn, the acceptance check of rotating answers, clearing, and events.
//!
//! [`Session::handle`] takes an [`Input`] and the time, reads shared storage through an
//! [`Env`], and queues [`Effect`]s; [`Session::drain`] hands them to the driver. Nothing here
//! performs I/O or calls back into JS, so no decision can interleave with another one, and
//! every rule is tested natively and in the multi-tab simulator.

use super::claims::{payload_json, Claims};
use super::clear;
use super::cookie::{
    cookie_domain, expire_cookies, is_attribute_safe, is_cookie_name, is_cookie_value, push_uint,
    read_cookie, set_cookie, CookiePlace, CookieWrite,
};
use super::error::{ErrorCode, Result, SessionError};
use super::fields::JwtFields;
use super::io::{
    Effect, Env, Event, Expect, Grant, JwtReply, Kind, PutCookie, Reply, Request, Signal, Value,
};
use super::message::Message;
use super::meta::{
    usable_token, Meta, ALL_KEYS, LAST_LOGIN_ID_KEY, LAST_NAME_KEY, LOGGED_IN_KEY, MAX_NAMES,
    META_KEY, RCN_KEY, REFRESH_KEY, SESSION_KEY, USER_KEY,
};
use super::options::{Config, CookieConfig, Persist};
use super::schedule::{
    catch_up, classify, due_after_response, due_on_restore, retry_delay, Failure, MIN_DELAY_MS,
};

/// How long a tab keeps holding the lock of a token it has just rotated, so that a tab whose
/// timer fires late finds the cycle taken instead of presenting a rotated token.
pub const HOLD_AFTER_ROTATION_MS: f64 = 60_000.0;

/// Locks kept after rotations, at most.
pub const MAX_HOLDS: usize = 2;

/// Bounded waits for the cycle's lock before a tab goes on without it.
pub const LOCK_ROUNDS: u8 = 2;

/// How long a lock request may go unanswered before the tab goes on as if it were denied (a
/// browser whose Web Locks never call back must not stall anything).
pub const LOCK_ANSWER_MS: f64 = 2_000.0;

/// How long a tab's question for the tokens ([`Message::Hello`]) is answered.
pub const HELLO_MS: f64 = 2_000.0;

/// A user's call, to be settled with [`Effect::Settle`] under its id.
#[derive(Clone, Debug, PartialEq)]
pub enum Call {
    /// `ready()`
    Ready,
    /// `refresh()`
    Refresh,
    /// `logout()`
    Logout,
    /// `logoutAll()`
    LogoutAll,
    /// `me()`
    Me,
    /// `history()`
    History,
    /// `validate()`
    Validate,
    /// `selectTenant(id)`, with its JSON body.
    SelectTenant(String),
    /// `verifySecurityQuestions(request)`, with its JSON body.
    Verify(String),
    /// `exchangeAccessKey(key, options)`: the key and the JSON body.
    Exchange(String, String),
    /// `myTenants(true | ids)`, with its JSON body.
    MyTenants(String),
}

/// What happens to a session.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// Restore from storage and plan the next refresh (once, right after construction).
    Start {
        /// `navigator.onLine`
        online: bool,
        /// A BroadcastChannel carries the other tabs' tokens (else only storage does).
        channel: bool,
    },
    /// `apply(response)`: a sign-in (or any JWT response) to store.
    Apply(Box<JwtReply>),
    /// A user's call with its id.
    Call(u32, Call),
    /// The timer of [`Effect::Timer`] fired.
    Timer,
    /// A page signal.
    Signal(Signal),
    /// The answer to request `id` (or why there is none).
    Answer(u32, Result<Reply>),
    /// The outcome of [`Effect::Lock`] `id`.
    Lock(u32, Grant),
    /// A message from another tab.
    Message(String),
    /// Another tab changed storage.
    StorageChanged,
    /// A token cookie of [`Effect::PutCookie`] was written: `kept` when reading it back shows
    /// it (else the browser refused it: too large, `Secure` on plain http, a foreign domain).
    Cookie {
        /// Which token.
        kind: Kind,
        /// The browser kept it.
        kept: bool,
    },
    /// The browser refused to store this key ([`Effect::Set`]): quota, disabled storage,
    /// private browsing.
    StorageRefused(String),
    /// `markUserActive()`
    Active,
    /// `dispose()`
    Dispose,
}

/// The page the session lives on, for cookie domains and paths.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    /// `location.hostname`
    pub host: String,
    /// `location.pathname`
    pub path: String,
}

/// The session JWT and what it says.
#[derive(Clone, Debug, PartialEq)]
struct Token {
    jwt: String,
    claims: Claims,
}

#[derive(Clone, Debug, Default)]
struct State {
    session: Option<Token>,
    refresh: Option<String>,
    user: Option<String>,
    meta: Meta,
    /// Bumped by every change of the tokens in this tab.
    seq: u32,
    /// Failed attempts since the last success (drives the backoff).
    attempt: u32,
    /// When the last logout this tab saw happened (epoch ms).
    cleared_at: f64,
    /// No refresh attempt until a wake-up signal or `refresh()` (a tab without a refresh
    /// token whose attempt was refused).
    parked: bool,
    /// The refresh cookie's name the server gave (`DSRCN`), sent back as
    /// `x-descope-refresh-cookie-name`.
    rcn: Option<String>,
    /// The last token values this tab wrote to cookies: a tab that follows another tab's
    /// logout expires those, also when it holds newer tokens since.
    written: Vec<String>,
    /// Shared storage has shown this session's refresh token: only then does its absence
    /// there mean that another tab signed out (a tab whose storage refused the token told it
    /// by message).
    shown: bool,
    /// The tokens were taken from cookies or storage without their record: where they rank
    /// is a guess, so a logout message is believed only when storage shows it too.
    guessed: bool,
    /// A logout told while storage still showed the guessed session: believed once storage
    /// shows it (a browser may deliver the message before the storage it wrote).
    doubted_logout: Option<f64>,
}

impl State {
    fn has_session(&self) -> bool {
        self.session.is_some() || self.refresh.is_some()
    }
    fn expires_at(&self) -> Option<f64> {
        self.session.as_ref().and_then(|t| t.claims.expires_at_ms())
    }
    fn authenticated(&self, now: f64) -> bool {
        self.session.is_some() && self.expires_at().is_none_or(|exp| exp > now)
    }
    fn tokens(&self) -> Result<Value> {
        match &self.session {
            Some(t) => Ok(Value::Tokens {
                session: t.jwt.clone(),
                refresh: self.refresh.clone(),
                user: self.user.clone(),
            }),
            None => Err(no_session()),
        }
    }
}

/// What the events last reported, so that each change fires exactly once.
#[derive(Default)]
struct Emitted {
    token: Option<String>,
    user: Option<String>,
    auth: bool,
}

#[derive(Clone, Debug, PartialEq)]
enum JobKind {
    Refresh,
    Select(String),
    /// `me()`: presents the refresh token, so it takes the cycle's turn too: a rotation in
    /// another tab while it is out would make the server see the token again (reuse).
    Me,
    /// `history()`, for the same reason.
    History,
    /// `verifySecurityQuestions()`: a new sign-in, presenting the refresh token when held.
    Verify(String),
    /// At start-up with no readable token but a logged-in indicator: `try-refresh` asks the
    /// server for the session an httpOnly refresh cookie may hold (rotating it, so it takes
    /// a turn too).
    TryRefresh,
    /// `myTenants()`, presenting the refresh token.
    Tenants(String),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    /// Not started (queued behind another job, or just created).
    Queued,
    /// Asked for the cycle's lock (`round`: how many bounded waits came before); the answer
    /// is due by `until`.
    Locking { lock: u32, round: u8, until: f64 },
    /// Another tab holds the lock: wait for its result until then.
    Waiting { until: f64, round: u8 },
    /// The request is out.
    Sending { req: u32, lock: Option<u32> },
}

/// A rotating request (refresh or tenant select) and the calls waiting for it. One runs at a
/// time; the others queue behind it.
struct Job {
    kind: JobKind,
    calls: Vec<u32>,
    readies: Vec<u32>,
    phase: Phase,
    /// `seq` when the turn began: a change since then means another tab rotated.
    seq: u32,
    /// The name of the cycle's lock.
    lock_name: String,
    /// When the wait for the lock began, or the holder's next attempt it last told of: a tab
    /// goes around the lock only after a bounded wait with no news of a live holder.
    news: f64,
    /// Not sent before then: the holder's next attempt (its backoff, `Retry-After`).
    not_before: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum What {
    /// The request of the head job, sent with the session of this `born` and `seq`.
    Rotate {
        seq: u32,
        born: f64,
        cleared: f64,
        had: bool,
        /// A refresh token was presented (else only an httpOnly cookie could be).
        presented: bool,
        /// Which one ([`token_hash`]).
        token: u64,
    },
    /// Security questions: a new sign-in unless a logout came first.
    Verify { call: u32, cleared: f64 },
    /// `me`: stores the user while the session it asked for is still held.
    Me { call: u32, born: f64 },
    /// The answer goes to the call as it is (`job`: a job's request, settled with the job).
    Plain { call: u32, job: bool },
    /// Logout: resolves with `undefined`.
    SignOut { call: u32 },
    /// Revoking a refresh token nobody may use: nobody waits.
    Revoke,
}

/// A lock kept after a rotation: its id, name and until when.
struct Hold {
    lock: u32,
    name: String,
    until: f64,
    /// Kept across a retry: this tab's next attempt.
    retry: Option<f64>,
}

struct Pending {
    id: u32,
    what: What,
    deadline: f64,
}

/// What storage and cookies hold.
struct Stored {
    session: Option<Token>,
    refresh: Option<String>,
    user: Option<String>,
    meta: Option<Meta>,
    rcn: Option<String>,
}

enum Adopt {
    Nothing,
    Changed,
    LoggedOut,
}

/// Why a tab re-reads what other tabs (or other clients) stored.
#[derive(Clone, Debug, PartialEq)]
enum Reread {
    /// To follow other tabs of this package (a storage event, a wake-up, before a turn).
    Follow,
    /// The server refused this refresh token (which it presented): a different refresh token
    /// stored since, by anyone, is the session now.
    Refused(Option<String>),
    /// After `dispose()`: only to see whether a logout or a newer session came first.
    Late,
}

/// Where the tokens of a response come from.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Origin {
    /// A new sign-in (`apply`, verify, a session `try-refresh` found): a new session.
    SignIn,
    /// A rotation of the session held.
    Rotation,
}

/// The attempt of a rotating request that an answer or a failure belongs to.
#[derive(Clone, Copy, Debug)]
struct Attempt {
    /// `seq` when it was sent: a change since means another tab rotated (unless the refresh
    /// token held is still the one presented: another tab told the same session).
    seq: u32,
    /// A refresh token was presented (else only an httpOnly cookie could be).
    presented: bool,
    /// Which one ([`token_hash`]).
    token: u64,
    /// The cycle's lock it holds.
    lock: Option<u32>,
}

/// The Descope session state machine.
pub struct Session {
    cfg: Config,
    page: Page,
    st: State,
    emitted: Emitted,
    jobs: Vec<Job>,
    reqs: Vec<Pending>,
    /// Locks held after a rotation, and until when.
    holds: Vec<Hold>,
    ids: u32,
    rng: u64,
    online: bool,
    /// Other tabs' tokens arrive as messages.
    channel: bool,
    disposed: bool,
    armed: Option<f64>,
    last_attempt: f64,
    /// Activity tracking: the user was active (in any tab) since the tokens last changed.
    active: bool,
    /// When the tokens last changed here: activity reported from before is stale.
    active_since: f64,
    /// A due refresh was skipped for want of activity; the next activity starts it.
    skipped: bool,
    /// `st.seq` when activity was last reset.
    activity_seq: u32,
    /// When this tab last told the others its tokens.
    told_at: f64,
    /// Token cookies written and not read back yet, oldest first.
    unconfirmed: Vec<PutCookie>,
    /// The next attempt of another tab backing off after a failed refresh (the latest heard):
    /// a turn of this tab waits for it.
    retry_heard: f64,
    /// Until when the server asked this tab not to refresh (`Retry-After` of a 429): a
    /// `refresh()` the user calls meanwhile waits too.
    rate_limited_until: f64,
    out: Vec<Effect>,
}

fn no_session() -> SessionError {
    SessionError::new(ErrorCode::Unauthorized, "no session")
}

fn ended_error() -> SessionError {
    SessionError::new(ErrorCode::Unauthorized, "session ended")
}

/// A refresh cookie name that can travel as `x-descope-refresh-cookie-name`: an HTTP token
/// of at most 64 characters (a long planted one would make every request fail).
fn is_short_name(name: &str) -> bool {
    name.len() <= 64 && is_cookie_name(name)
}

fn key(prefix: &str, suffix: &str) -> String {
    super::cat(&[prefix, suffix])
}

impl Session {
    /// A session for these options on this page; `seed` drives the backoff jitter.
    pub fn new(cfg: Config, page: Page, seed: u64) -> Session {
        Session {
            cfg,
            page,
            st: State::default(),
            emitted: Emitted::default(),
            jobs: Vec::new(),
            reqs: Vec::new(),
            holds: Vec::new(),
            ids: 0,
            rng: seed | 1,
            online: true,
            channel: false,
            disposed: false,
            armed: None,
            last_attempt: f64::NEG_INFINITY,
            active: true,
            active_since: 0.0,
            skipped: false,
            activity_seq: 0,
            told_at: 0.0,
            unconfirmed: Vec::new(),
            retry_heard: 0.0,
            rate_limited_until: 0.0,
            out: Vec::new(),
        }
    }

    /// The effects queued so far, in order.
    pub fn drain(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.out)
    }

    /// The options.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    // ---- state for the getters ----------------------------------------------------------

    /// The session JWT.
    pub fn session_token(&self) -> Option<&str> {
        self.st.session.as_ref().map(|t| t.jwt.as_str())
    }
    /// The refresh JWT.
    pub fn refresh_token(&self) -> Option<&str> {
        self.st.refresh.as_deref()
    }
    /// The user as JSON.
    pub fn user(&self) -> Option<&str> {
        self.st.user.as_deref()
    }
    /// What the session JWT says.
    pub fn claims(&self) -> Option<&Claims> {
        self.st.session.as_ref().map(|t| &t.claims)
    }
    /// A non-expired session JWT is held.
    pub fn is_authenticated(&self, now: f64) -> bool {
        self.st.authenticated(now)
    }
    /// When the session JWT expires (epoch ms).
    pub fn expires_at(&self) -> Option<f64> {
        self.st.expires_at()
    }
    /// When the next refresh attempt is planned (epoch ms).
    pub fn next_refresh_at(&self) -> Option<f64> {
        let st = &self.st;
        (self.cfg.auto_refresh && st.has_session() && !self.disposed && !self.skipped)
            .then_some(st.meta.due_at)
            .flatten()
    }
    /// How much the machine holds: jobs, requests in flight, locks kept after a rotation.
    pub fn pending(&self) -> (usize, usize, usize) {
        (self.jobs.len(), self.reqs.len(), self.holds.len())
    }
    /// Failed refresh attempts since the last success or new tokens: the exponent of the
    /// backoff.
    pub fn attempts(&self) -> u32 {
        self.st.attempt
    }
    /// `(born, gen)` of the session held.
    pub fn version(&self) -> (f64, u64) {
        self.st.meta.version()
    }

    // ---- inputs -------------------------------------------------------------------------

    /// Handles one input at time `now` (epoch ms). Only [`Input::Apply`] can fail: its
    /// response is refused as a whole, and nothing changes.
    pub fn handle(&mut self, now: f64, input: Input, env: &dyn Env) -> Result<()> {
        let mut result = Ok(());
        match input {
            Input::Start { online, channel } => {
                self.online = online;
                self.channel = channel && self.cfg.cross_tab;
                self.restore(now, env);
            }
            Input::Apply(reply) => result = self.apply(now, env, &reply, Origin::SignIn),
            Input::Call(id, call) => self.call(now, env, id, call),
            Input::Timer => self.timer(now, env),
            Input::Signal(signal) => self.signal(now, env, signal),
            Input::Answer(id, answer) => self.answer(now, env, id, answer),
            Input::Lock(id, grant) => self.lock(now, env, id, grant),
            Input::Message(text) => {
                if let Some(message) = Message::decode(&text, now) {
                    self.message(now, env, message);
                }
            }
            Input::StorageChanged => {
                if let Some(at) = self.st.doubted_logout {
                    let stored = self.load(now, env).refresh;
                    if stored.is_none() || stored != self.st.refresh {
                        // Storage shows the logout now.
                        self.st.doubted_logout = None;
                        if self.st.has_session() {
                            self.clear(now, env, false, at, 0);
                        }
                    }
                }
                self.adopt_stored(now, env, Reread::Follow);
            }
            Input::Cookie { kind, kept } => self.cookie_written(now, env, kind, kept),
            Input::StorageRefused(key) => {
                // No stale copy stays behind to be restored later (a spent refresh token would
                // be presented): the key goes, the session goes on in this page (the other tabs
                // hear of it by message), and the caller hears of it. When the record itself
                // could not be written, the old record and the tokens go too: a tab that opens
                // now would rank what it restores by a stale record (and would not follow the
                // tabs that rotated since); with nothing stored it asks them instead.
                if key == self.key(META_KEY) {
                    for suffix in [SESSION_KEY, REFRESH_KEY, USER_KEY, META_KEY] {
                        self.out.push(Effect::Remove(self.key(suffix)));
                    }
                } else {
                    self.out.push(Effect::Remove(key));
                }
                self.st.shown = false;
                result = Err(SessionError::new(ErrorCode::Storage, "storage refused"));
            }
            Input::Active => self.mark_active(now, true),
            Input::Dispose => {
                self.disposed = true;
                self.drop_jobs();
            }
        }
        self.track(now);
        if !self.disposed {
            self.run(now, env);
            self.notify(now);
        }
        self.arm(now);
        result
    }

    /// New tokens start a new activity period (as each session response does in
    /// `@descope/web-js-sdk`).
    fn track(&mut self, now: f64) {
        if self.activity_seq != self.st.seq {
            self.activity_seq = self.st.seq;
            self.active = false;
            self.skipped = false;
            self.active_since = now;
        }
    }

    /// `markUserActive()` here (`own`, told to the other tabs once per period) or in another
    /// tab: a refresh skipped for want of activity runs now.
    fn mark_active(&mut self, now: f64, own: bool) {
        if !self.cfg.activity {
            return;
        }
        self.track(now);
        if !self.active {
            self.active = true;
            if own && self.cfg.cross_tab {
                self.out.push(Effect::Post(Message::Active(now).encode()));
            }
        }
        if self.skipped {
            self.skipped = false;
            self.due(now, false);
        }
    }

    fn next_id(&mut self) -> u32 {
        self.ids = self.ids.wrapping_add(1);
        self.ids
    }

    fn random(&mut self) -> f64 {
        // xorshift64*
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    // ---- storage --------------------------------------------------------------------------

    fn key(&self, suffix: &str) -> String {
        key(&self.cfg.prefix, suffix)
    }

    fn decode(env: &dyn Env, jwt: &str) -> Option<Token> {
        let claims = env.claims(&payload_json(jwt).ok()?)?;
        Some(Token {
            jwt: jwt.to_owned(),
            claims,
        })
    }

    fn cookie_config(&self, kind: Kind) -> Option<&CookieConfig> {
        match kind {
            Kind::Session => self.cfg.session_cookie.as_ref(),
            Kind::Refresh => self.cfg.refresh_cookie.as_ref(),
        }
    }

    /// Whether this tab holds a session ranked by a guess that cookies or storage still show
    /// as it holds it.
    fn stored_as_held(&self, now: f64, env: &dyn Env) -> bool {
        self.st.guessed && {
            let stored = self.load(now, env);
            stored.refresh.is_some() && stored.refresh == self.st.refresh
        }
    }

    /// What the page shares, as it will be once this input's queued writes are performed.
    fn seen<'a>(&'a self, env: &'a dyn Env) -> Seen<'a> {
        Seen {
            env,
            out: &self.out,
        }
    }

    /// Reads the session: cookies first (where it was written, the option's name, the
    /// default name), then storage. Values that cannot be tokens are absent.
    fn load(&self, now: f64, env: &dyn Env) -> Stored {
        let env = &self.seen(env);
        let meta = env
            .item(&self.key(META_KEY))
            .and_then(|text| Meta::decode(&text, now));
        let cookies = env.cookies();
        // Where each token's cookie could be: where it was written, the option's name. A
        // name the other token uses is never read for this one (a refresh token must never
        // come back as the session token).
        let names = |kind: Kind| -> [Option<&str>; 2] {
            [
                meta.as_ref()
                    .and_then(|m| place_of(m, kind))
                    .map(|p| p.name.as_str()),
                self.cookie_config(kind).and_then(|c| c.name.as_deref()),
            ]
        };
        let find = |kind: Kind, suffix: &str| -> Option<String> {
            let other = names(match kind {
                Kind::Session => Kind::Refresh,
                Kind::Refresh => Kind::Session,
            });
            let [recorded, named] = names(kind);
            [recorded, named, Some(suffix)]
                .into_iter()
                .flatten()
                .filter(|name| !other.contains(&Some(*name)))
                .find_map(|name| read_cookie(&cookies, name).filter(|t| usable_token(t)))
                .map(String::from)
                .or_else(|| env.item(&self.key(suffix)).filter(|t| usable_token(t)))
        };
        let session = find(Kind::Session, SESSION_KEY).and_then(|jwt| Self::decode(env, &jwt));
        let refresh = find(Kind::Refresh, REFRESH_KEY);
        let user = env
            .item(&self.key(USER_KEY))
            .filter(|u| u.starts_with('{') && u.ends_with('}'));
        let rcn = env.item(&self.key(RCN_KEY)).filter(|n| is_short_name(n));
        Stored {
            session,
            refresh,
            user,
            meta,
            rcn,
        }
    }

    /// Whether other tabs see the refresh token this tab stores: localStorage, or a cookie.
    fn refresh_shared(&self) -> bool {
        self.cfg.persist == Persist::LocalStorage || self.st.meta.refresh_cookie.is_some()
    }

    fn session_shared(&self) -> bool {
        self.cfg.persist == Persist::LocalStorage || self.st.meta.session_cookie.is_some()
    }

    /// Writes a token to its cookie (falling back to storage when the browser refuses it) or
    /// to storage; answers where the cookie went.
    fn put(&mut self, kind: Kind, token: &str, fields: &JwtFields) -> Option<CookiePlace> {
        let key = self.key(match kind {
            Kind::Session => SESSION_KEY,
            Kind::Refresh => REFRESH_KEY,
        });
        let previous = match kind {
            Kind::Session => self.st.meta.session_cookie.take(),
            Kind::Refresh => self.st.meta.refresh_cookie.take(),
        };
        let place = match self.cookie_config(kind) {
            Some(config) if is_cookie_value(token) => {
                let config = config.clone();
                let place = self.place_for(kind, &config, fields);
                // A response that names both cookies the same: the refresh token is kept in
                // storage rather than written over the session cookie.
                let taken = kind == Kind::Refresh
                    && self
                        .st
                        .meta
                        .session_cookie
                        .as_ref()
                        .is_some_and(|s| s.name == place.name);
                if taken {
                    None
                } else {
                    let text = set_cookie(&CookieWrite {
                        place: &place,
                        value: token,
                        max_age: fields.cookie_max_age,
                        expires: fields.cookie_expiration,
                        same_site: config.same_site,
                        secure: config.secure,
                    });
                    Some((place, text))
                }
            }
            _ => None,
        };
        if let Some(previous) = previous.filter(|p| place.as_ref().is_none_or(|(q, _)| q != p)) {
            self.expire(&previous);
        }
        match place {
            Some((place, text)) => {
                let written = &mut self.st.written;
                if written.len() >= 4 {
                    super::take_first(written);
                }
                written.push(token.to_owned());
                let put = PutCookie {
                    kind,
                    text,
                    expire: expire_cookies(&place),
                    name: place.name.clone(),
                    value: token.to_owned(),
                    key,
                };
                // Read back by the driver ([`Input::Cookie`]); at most a few wait at a time.
                if self.unconfirmed.len() >= 4 {
                    super::take_first(&mut self.unconfirmed);
                }
                self.unconfirmed.push(put.clone());
                self.out.push(Effect::PutCookie(Box::new(put)));
                Some(place)
            }
            None => {
                self.out.push(Effect::Set(key, token.to_owned()));
                None
            }
        }
    }

    fn place_for(&self, kind: Kind, config: &CookieConfig, fields: &JwtFields) -> CookiePlace {
        let (name, domain) = match kind {
            // The official SDK writes the session cookie with `cookieDomain` when the project
            // sends no `sessionCookieDomain`; many projects only send that one.
            Kind::Session => (
                &fields.session_cookie_name,
                fields
                    .session_cookie_domain
                    .as_ref()
                    .or(fields.cookie_domain.as_ref()),
            ),
            Kind::Refresh => (&fields.cookie_name, fields.cookie_domain.as_ref()),
        };
        let name = config
            .name
            .clone()
            .or_else(|| name.clone().filter(|n| is_cookie_name(n)))
            .unwrap_or_else(|| match kind {
                Kind::Session => SESSION_KEY.to_owned(),
                Kind::Refresh => REFRESH_KEY.to_owned(),
            });
        let path = fields
            .cookie_path
            .clone()
            .filter(|p| p.starts_with('/') && is_attribute_safe(p))
            .unwrap_or_else(|| "/".to_owned());
        let wanted = config.domain.as_deref().or(domain.map(String::as_str));
        CookiePlace {
            name,
            path,
            domain: cookie_domain(&self.page.host, wanted),
        }
    }

    /// The outcome of a token cookie written: kept, the token needs no copy in storage; refused,
    /// the cookie is expired again and the token kept in storage instead.
    fn cookie_written(&mut self, now: f64, env: &dyn Env, kind: Kind, kept: bool) {
        let Some(at) = self.unconfirmed.iter().position(|p| p.kind == kind) else {
            return;
        };
        let Some(put) = super::take_at(&mut self.unconfirmed, at) else {
            return;
        };
        if kept {
            self.out.push(Effect::Remove(put.key));
            return;
        }
        for text in put.expire {
            self.out.push(Effect::Cookie(text));
        }
        self.out.push(Effect::Set(put.key, put.value));
        let place = match kind {
            Kind::Session => &mut self.st.meta.session_cookie,
            Kind::Refresh => &mut self.st.meta.refresh_cookie,
        };
        if place.take().is_some() && self.st.has_session() && !self.outdated(now, env) {
            self.save_meta();
        }
    }

    fn expire(&mut self, place: &CookiePlace) {
        for text in expire_cookies(place) {
            self.out.push(Effect::Cookie(text));
        }
    }

    /// Whether shared storage holds a newer record than this tab's (another tab wrote since,
    /// and this one has not followed yet): it must not write its older one over it.
    fn outdated(&self, now: f64, env: &dyn Env) -> bool {
        self.cfg.persist == Persist::LocalStorage
            && self
                .seen(env)
                .item(&self.key(META_KEY))
                .and_then(|text| Meta::decode(&text, now))
                .is_some_and(|m| m.version() > self.st.meta.version())
    }

    /// Whether someone else rotated the session this tab is about to present: where storage
    /// is this tab's own, the session cookie shows a session issued after this tab's; with
    /// localStorage, a refresh token other than this tab's is stored under a record no newer
    /// than its own (a newer one [`Session::adopt_stored`] has taken already): another tab's
    /// write still arriving, or a client without this package's record (the official SDK).
    fn rotated_elsewhere(&self, now: f64, env: &dyn Env) -> bool {
        let Some(ours) = &self.st.session else {
            return false;
        };
        let stored = self.load(now, env);
        if self.cfg.persist == Persist::LocalStorage {
            return stored.session.is_some()
                && stored
                    .refresh
                    .as_ref()
                    .is_some_and(|r| Some(r) != self.st.refresh.as_ref());
        }
        stored.session.is_some_and(|theirs| {
            theirs.jwt != ours.jwt
                && theirs.claims.iat >= ours.claims.iat
                && theirs.claims.iat.is_some()
        })
    }

    fn save_meta(&mut self) {
        let text = self.st.meta.encode();
        self.out.push(Effect::Set(self.key(META_KEY), text));
    }

    fn save_user(&mut self) {
        let key = self.key(USER_KEY);
        self.out.push(match &self.st.user {
            Some(user) => Effect::Set(key, user.clone()),
            None => Effect::Remove(key),
        });
    }

    // ---- restoring and applying ---------------------------------------------------------

    fn restore(&mut self, now: f64, env: &dyn Env) {
        let stored = self.load(now, env);
        self.st.session = stored.session;
        self.st.refresh = stored.refresh;
        self.st.shown = self.st.refresh.is_some();
        self.st.guessed = stored.meta.is_none() && self.st.has_session();
        self.st.user = stored.user;
        self.st.meta = stored.meta.unwrap_or_default();
        self.st.rcn = stored.rcn;
        self.emitted = Emitted {
            token: self.session_token().map(String::from),
            user: self.st.user.clone(),
            auth: self.st.authenticated(now),
        };
        let due = if self.st.authenticated(now) {
            due_on_restore(self.st.meta.due_at, self.st.expires_at())
        } else if self.st.has_session() {
            // An expired session, or only a refresh token: refresh at once.
            Some(now)
        } else {
            None
        };
        self.st.meta.due_at = due;
        if self.cfg.cross_tab
            && self.cfg.persist != Persist::LocalStorage
            && !self.st.meta.http_only
        {
            // A tab whose storage is its own (sessionStorage or memory) may hold nothing, or a
            // copy that another tab rotated while this one reloaded: it asks the others.
            self.out.push(Effect::Post(Message::Hello(now).encode()));
        }
        if self.cfg.auto_refresh && self.online && due.is_some_and(|d| d <= now) {
            self.push_job(JobKind::Refresh, None);
        }
        // Nothing readable, but this browser was signed in (the indicator `@descope/web-js-sdk`
        // keeps too): the refresh token may be an httpOnly cookie only the server reads.
        let signed_in = [LOGGED_IN_KEY, LAST_LOGIN_ID_KEY, "DSLI_DISABLED"]
            .iter()
            .any(|key| env.shared(key).is_some_and(|v| !v.is_empty()));
        if !self.st.has_session() && signed_in && self.online {
            self.push_job(JobKind::TryRefresh, None);
        }
    }

    /// Stores the tokens of a JWT response (a new sign-in, or a rotation of the session held)
    /// and posts them to the other tabs.
    fn apply(&mut self, now: f64, env: &dyn Env, reply: &JwtReply, origin: Origin) -> Result<()> {
        let fresh = origin == Origin::SignIn;
        let fields = &reply.fields;
        let session = fields
            .session_jwt
            .as_deref()
            .filter(|s| !s.is_empty())
            .ok_or(SessionError::invalid_response("no sessionJwt"))?;
        if !usable_token(session) {
            return Err(SessionError::invalid_response("invalid sessionJwt"));
        }
        let token = Self::decode(env, session)
            .ok_or(SessionError::invalid_response("invalid sessionJwt"))?;
        let refresh = match fields.refresh_jwt.as_deref().filter(|r| !r.is_empty()) {
            Some(r) if !usable_token(r) => {
                return Err(SessionError::invalid_response("invalid refreshJwt"))
            }
            other => other.map(String::from),
        };
        let st = &mut self.st;
        if fresh || st.meta.born <= 0.0 || !st.has_session() {
            // Strictly after the last logout seen, even within the same millisecond.
            st.meta.born = now.floor().max(st.cleared_at.floor() + 1.0);
            st.meta.gen = 0;
        } else {
            st.meta.gen += 1;
        }
        st.meta.due_at = due_after_response(
            now,
            fields.next_refresh_seconds,
            token.claims.expires_at_ms(),
            fields.session_expiration,
        );
        st.seq = st.seq.wrapping_add(1);
        st.attempt = 0;
        st.parked = false;
        st.guessed = false;
        st.doubted_logout = None;
        if reply.user.is_some() {
            st.user = reply.user.clone();
        }
        let cookie = self.put(Kind::Session, &token.jwt, fields);
        self.st.meta.session_cookie = cookie;
        self.st.session = Some(token);
        // Without a new refresh token (a project without rotation, or an httpOnly refresh
        // cookie) the one held stays.
        if let Some(refresh) = refresh {
            let cookie = self.put(Kind::Refresh, &refresh, fields);
            self.st.meta.refresh_cookie = cookie;
            self.st.refresh = Some(refresh);
            self.st.shown = false;
        }
        if fresh {
            self.st.meta.http_only = self.st.refresh.is_none();
        }
        for name in [&fields.session_cookie_name, &fields.cookie_name]
            .into_iter()
            .flatten()
        {
            let names = &mut self.st.meta.names;
            if is_cookie_name(name) && !names.contains(name) {
                if names.len() >= MAX_NAMES {
                    super::take_first(names);
                }
                names.push(name.clone());
            }
        }
        if reply.user.is_some() {
            self.save_user();
        }
        self.st.meta.idle = fields.next_refresh_seconds.is_some_and(|s| s > 0.0);
        self.save_meta();
        // What `@descope/web-js-sdk` keeps next to the tokens: the refresh cookie's name, the
        // logged-in indicator (the session's expiry, epoch seconds) and the last user.
        match &fields.cookie_name {
            Some(name) if is_short_name(name) => {
                self.st.rcn = Some(name.clone());
                self.out.push(Effect::Set(self.key(RCN_KEY), name.clone()));
            }
            _ if fields.refresh_jwt.is_some() => {
                self.st.rcn = None;
                self.out.push(Effect::Remove(self.key(RCN_KEY)));
            }
            _ => {}
        }
        let expiry = fields
            .session_expiration
            .or(self.st.expires_at().map(|ms| ms / 1000.0))
            .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e13);
        if let Some(seconds) = expiry {
            let mut text = String::new();
            push_uint(&mut text, seconds as u64, 1);
            self.out
                .push(Effect::Shared(LOGGED_IN_KEY.into(), Some(text)));
        }
        self.remember_user(env, reply.user.as_deref());
        self.tell(now);
        self.changed();
        Ok(())
    }

    /// Keeps the last user's login id and name, as `@descope/web-js-sdk` does (its sign-in
    /// screens offer them), unless `storeLastAuthenticatedUser: false`.
    fn remember_user(&mut self, env: &dyn Env, user: Option<&str>) {
        let Some((login_id, name)) = user
            .filter(|_| self.cfg.store_last_user)
            .and_then(|u| env.login(u))
        else {
            return;
        };
        self.out
            .push(Effect::Shared(LAST_LOGIN_ID_KEY.into(), Some(login_id)));
        self.out.push(Effect::Shared(LAST_NAME_KEY.into(), name));
    }

    fn tell(&mut self, now: f64) {
        if !self.cfg.cross_tab {
            return;
        }
        self.told_at = now;
        if let Some(t) = &self.st.session {
            let message = Message::Sync {
                meta: self.st.meta.clone(),
                session: t.jwt.clone(),
                refresh: self.st.refresh.clone(),
                user: self.st.user.clone(),
            };
            self.out.push(Effect::Post(message.encode()));
        }
    }

    /// Takes tokens another tab holds (from a message or from shared storage).
    fn adopt(
        &mut self,
        session: Token,
        refresh: Option<String>,
        user: Option<String>,
        meta: Meta,
    ) -> bool {
        let st = &self.st;
        if st.guessed && st.session.as_ref() == Some(&session) && st.refresh == refresh {
            // The record of tokens this tab ranked by a guess: where they rank is known now,
            // and so whether a logout it doubted came after they began.
            if self.st.doubted_logout.is_some_and(|at| at < meta.born) {
                self.st.doubted_logout = None;
            }
            self.st.meta = meta;
            self.st.guessed = false;
            return false;
        }
        // A session from before the last logout seen, or older than the one held: stale.
        if meta.born <= st.cleared_at || (st.has_session() && meta.version() < st.meta.version()) {
            return false;
        }
        // Where the held session ranks by a guess, the server's own clock orders them: tokens
        // issued before the ones held are stale whatever their record says.
        let issued = |t: Option<&Token>| t.and_then(|t| t.claims.iat);
        if st.guessed && issued(Some(&session)) < issued(st.session.as_ref()) {
            return false;
        }
        if st.session.as_ref() == Some(&session) && st.refresh == refresh {
            if meta.version() > st.meta.version() {
                self.st.meta = meta;
            }
            // Another tab told these tokens with their record: known now.
            self.st.guessed = false;
            // The same tokens with a user this tab lacks or holds older (a sign-in whose
            // user arrived after its tokens, a `me()` in another tab).
            if user.is_some() && user != self.st.user {
                self.st.user = user;
                if self.cfg.persist != Persist::LocalStorage {
                    self.save_user();
                }
            }
            return false;
        }
        let shared = self.cfg.persist == Persist::LocalStorage;
        let st = &mut self.st;
        // The same version, told again: it only fills in what this tab lacks (a new tab that
        // restored a refresh token without its session token). Two copies of one version
        // that disagree come from a rotation without the lock; this tab keeps its own.
        let same = st.has_session() && meta.version() == st.meta.version();
        if same {
            let filled = st.session.is_none() || (st.refresh.is_none() && refresh.is_some());
            if !filled {
                return false;
            }
            if st.session.is_none() {
                st.session = Some(session.clone());
            }
            if st.refresh.is_none() {
                st.refresh = refresh.clone();
            }
        }
        if user.is_some() {
            st.user = user;
        }
        if !same {
            st.session = Some(session);
            st.refresh = refresh;
            st.shown = false;
            st.guessed = false;
            st.meta = meta;
            // Another tab's rotation or sign-in: a turn this tab waits for is over.
            st.seq = st.seq.wrapping_add(1);
        }
        if st.meta.due_at.is_none() {
            st.meta.due_at = due_on_restore(None, st.expires_at());
        }
        st.attempt = 0;
        st.parked = false;
        if !shared {
            // Storage of its own: keep a copy for a reload. Cookies are the origin's, and
            // were written by the other tab.
            for (kind, suffix) in [(Kind::Session, SESSION_KEY), (Kind::Refresh, REFRESH_KEY)] {
                let key = self.key(suffix);
                let token = match kind {
                    Kind::Session => self.st.session.as_ref().map(|t| t.jwt.clone()),
                    Kind::Refresh => self.st.refresh.clone(),
                };
                self.out.push(match token {
                    Some(token) if place_of(&self.st.meta, kind).is_none() => {
                        Effect::Set(key, token)
                    }
                    _ => Effect::Remove(key),
                });
            }
            self.save_user();
            self.save_meta();
        }
        self.changed();
        true
    }

    /// Follows what other tabs stored, where this tab can see it: adopts tokens they rotated
    /// or signed in with, or signs out when they removed the refresh token this tab shares.
    fn adopt_stored(&mut self, now: f64, env: &dyn Env, why: Reread) -> Adopt {
        if self.disposed && why != Reread::Late {
            return Adopt::Nothing;
        }
        // localStorage holds a record that orders copies of a session; cookies alone do not
        // tell a rotation from another tab's new sign-in, so they are followed only where no
        // channel carries the tokens with their record. After a refusal, everything this
        // page can read counts.
        let refused = match &why {
            Reread::Refused(presented) => Some(presented.clone()),
            _ => None,
        };
        let sees = refused.is_some()
            || self.cfg.persist == Persist::LocalStorage
            || (!self.channel
                && (self.refresh_shared() || (self.st.refresh.is_none() && self.session_shared())));
        if !sees {
            return Adopt::Nothing;
        }
        let stored = self.load(now, env);
        let local = self.cfg.persist == Persist::LocalStorage;
        let ours = self.st.meta.version();
        let same_session =
            stored.session.as_ref().map(|t| &t.jwt) == self.st.session.as_ref().map(|t| &t.jwt);
        if let Some(presented) = refused {
            // A refresh token other than the refused one, whoever wrote it: the session now,
            // ranked after this tab's copy unless its record is newer.
            return match (stored.session, stored.refresh) {
                (Some(theirs), Some(refresh)) if Some(&refresh) != presented.as_ref() => {
                    let guessed = !stored
                        .meta
                        .as_ref()
                        .is_some_and(|m| local && m.version() > ours);
                    let meta = match stored.meta {
                        Some(meta) if local && meta.version() > ours => meta,
                        // Their own expiry plans their refresh (`adopt`).
                        _ => Meta {
                            gen: self.st.meta.gen + 1,
                            due_at: None,
                            ..self.st.meta.clone()
                        },
                    };
                    self.st.rcn = stored.rcn;
                    if !self.adopt(theirs, Some(refresh), stored.user, meta) {
                        return Adopt::Nothing;
                    }
                    self.st.shown = true;
                    self.st.guessed = guessed;
                    // The other tabs learn it from this tab's record and message.
                    self.save_meta();
                    self.tell(now);
                    Adopt::Changed
                }
                _ => Adopt::Nothing,
            };
        }
        if same_session && stored.refresh == self.st.refresh {
            self.st.shown |= stored.refresh.is_some();
            // The same tokens with a newer record (the rest of another tab's write, which
            // arrives key by key): take its due time, and the user written with them. Their
            // record is stored now: where they rank is known.
            if let Some(meta) = stored.meta.filter(|m| local && m.version() >= ours) {
                if self.st.doubted_logout.is_some_and(|at| at < meta.born) {
                    self.st.doubted_logout = None;
                }
                self.st.guessed = false;
                if meta.version() > ours {
                    self.st.meta = meta;
                }
            }
            if local && stored.user.is_some() && stored.user != self.st.user {
                self.st.user = stored.user;
            }
            return Adopt::Nothing;
        }
        let held = self.st.refresh.is_some();
        match stored.session {
            Some(theirs) if stored.refresh.is_some() || !held => {
                let guessed = !(local && stored.meta.is_some());
                let meta = match stored.meta {
                    // Another tab's write is complete when its record is newer than ours;
                    // tokens that changed under an older or equal record are a write still
                    // arriving, or a stale copy.
                    Some(meta) if local => {
                        if self.st.has_session() && meta.version() <= ours {
                            return Adopt::Nothing;
                        }
                        meta
                    }
                    // No shared record (cookies only, or tokens another library wrote): a
                    // rotation of the session held, or a sign-in this tab did not hear of,
                    // ranked just after the last logout seen.
                    _ if self.st.has_session() => Meta {
                        gen: self.st.meta.gen + 1,
                        ..self.st.meta.clone()
                    },
                    _ => Meta {
                        born: self.st.cleared_at.floor() + 1.0,
                        ..Meta::default()
                    },
                };
                self.st.rcn = stored.rcn;
                if self.adopt(theirs, stored.refresh, stored.user, meta) {
                    self.st.shown = self.st.refresh.is_some();
                    self.st.guessed = guessed;
                    Adopt::Changed
                } else {
                    Adopt::Nothing
                }
            }
            // (With localStorage the record goes with a logout; a refresh token missing under
            // a record is a write the browser refused, not a logout.)
            // Only where no channel carries the logout (none, or a disposed session's, which
            // listens no more): missing keys may also be writes the browser refused.
            _ if held
                && self.cfg.cross_tab
                && (!self.channel || self.disposed)
                && self.st.shown
                && self.refresh_shared()
                && stored.refresh.is_none()
                && !(local && stored.meta.is_some()) =>
            {
                // Another tab signed out and its message has not come (or cannot). When is
                // not known: just after this session began, so that a sign-in told later (a
                // tab that slept reads storage as it is now, and its messages after) is kept.
                let at = self.st.meta.born + 1.0;
                self.clear(now, env, false, at, 0);
                Adopt::LoggedOut
            }
            _ => Adopt::Nothing,
        }
    }

    fn message(&mut self, now: f64, env: &dyn Env, message: Message) {
        match message {
            Message::Logout(at, presented) => {
                // A session ranked by a guess may be a later sign-in than the logout (a tab
                // that woke reads storage as it is now, and its messages after): still stored
                // as this tab holds it, the logout was of an older one.
                let outlived = self.stored_as_held(now, env);
                if outlived && at >= self.st.meta.born {
                    self.st.doubted_logout = Some(at);
                } else if self.st.has_session() && at >= self.st.meta.born {
                    // This tab rotated the tokens after the other tab read them (or that tab
                    // presented none): the server has not heard of the refresh token held
                    // here, which it revokes before forgetting it.
                    if let Some(held) = self.st.refresh.clone() {
                        if token_hash(Some(&held)) != presented {
                            self.send_revoke(now, held);
                        }
                    }
                    self.clear(now, env, false, at, presented);
                } else {
                    // A logout older than the session held, or nothing to clear: remember it,
                    // so that late answers and messages from before it are recognised.
                    self.st.cleared_at = self.st.cleared_at.max(at);
                }
            }
            Message::Sync {
                meta,
                session,
                refresh,
                user,
            } => {
                // A session ranked by a guess is defended by what is stored: while cookies or
                // storage still show its refresh token, other tokens told (a tab that woke
                // tells what it held before) are older.
                if refresh != self.st.refresh && self.stored_as_held(now, env) {
                    return;
                }
                if let Some(token) = Self::decode(env, &session) {
                    self.adopt(token, refresh, user, meta);
                }
            }
            Message::Turn(at) => self.turn_elsewhere(now, at),
            Message::Ask(at) => {
                if now - at <= HELLO_MS {
                    self.answer_ask(now);
                }
            }
            Message::Active(at) => {
                if at >= self.active_since {
                    self.mark_active(now, false);
                }
            }
            Message::Hello(at) => {
                // Only a fresh question: a tab that wakes from a freeze and works through
                // what it missed holds a session that may have ended since.
                if now - at <= HELLO_MS {
                    // A tab that holds the cycle's turn says so: the asking tab may be waiting
                    // for the lock (a tab that opened while this one backs off).
                    self.answer_ask(now);
                    if self.st.refresh.is_some() {
                        self.tell(now);
                    } else if self.st.cleared_at > 0.0 && !self.st.has_session() {
                        // The asking tab may hold (or be about to hear of) a session that
                        // ended while it reloaded: it learns when the last logout was.
                        let at = self.st.cleared_at;
                        self.out.push(Effect::Post(Message::Logout(at, 0).encode()));
                    }
                }
            }
        }
    }

    // ---- clearing -----------------------------------------------------------------------

    /// Forgets the session: every token cookie wherever it could be, every key of the
    /// package, held locks and waiting calls. `own`: this tab decided it (it tells the
    /// others); else it follows another tab's logout at `at`, and leaves a newer session that
    /// a third tab stored since then alone.
    /// `presented`: the hash of the refresh token the logout presented to the server, told
    /// with it.
    fn clear(&mut self, now: f64, env: &dyn Env, own: bool, at: f64, presented: u64) {
        // Whole ms, as every tab reads them from messages and storage.
        let at = at.floor().max(self.st.cleared_at);
        let newer_stored = !own
            && self.cfg.persist == Persist::LocalStorage
            && self
                .load(now, env)
                .meta
                .is_some_and(|m| m.born > at && m.born > self.st.meta.born);
        if !newer_stored {
            self.expire_everywhere(env, own, at);
            for suffix in ALL_KEYS {
                self.out.push(Effect::Remove(self.key(suffix)));
                if own && self.cfg.persist != Persist::LocalStorage {
                    // Tokens another client (the official SDK) keeps in localStorage under
                    // this prefix end with this session too.
                    self.out.push(Effect::Shared(self.key(suffix), None));
                }
            }
        }
        // The logged-in indicator holds the expiry of the session that wrote it: a follower
        // removes it only when it is not a newer session's (a later sign-in in a third tab).
        let expiry = self.st.expires_at().map_or(0.0, |ms| ms / 1000.0);
        let indicator = self
            .seen(env)
            .shared(LOGGED_IN_KEY)
            .map(|v| super::parse_uint(&v).map_or(0.0, |s| s as f64));
        if own || (!newer_stored && indicator.is_some_and(|s| s <= expiry)) {
            self.out.push(Effect::Shared(LOGGED_IN_KEY.into(), None));
        }
        let seq = self.st.seq.wrapping_add(1);
        self.st = State {
            seq,
            cleared_at: at,
            ..State::default()
        };
        self.drop_jobs();
        // A follower that told the others of this session after the logout (a frozen tab
        // reads an answer before the logout message) tells the logout again: a tab that
        // reloaded since may know of neither.
        if (own || self.told_at >= at) && self.cfg.cross_tab {
            self.out
                .push(Effect::Post(Message::Logout(at, presented).encode()));
        }
        self.changed();
    }

    /// Expires every token cookie name this page could have, at every place it could be.
    /// A tab that follows another tab's logout (`own` false) only expires cookies that hold
    /// tokens of the session that ended: anything else may be a newer session that a third
    /// tab signed in while this one slept (the logging-out tab clears everything it sees).
    fn expire_everywhere(&mut self, env: &dyn Env, own: bool, at: f64) {
        let meta = &self.st.meta;
        let mut names: Vec<String> = Vec::new();
        let mut recorded: Vec<CookiePlace> = Vec::new();
        for kind in [Kind::Session, Kind::Refresh] {
            if let Some(place) = place_of(meta, kind) {
                recorded.push(place.clone());
                names.push(place.name.clone());
            }
            names.extend(self.cookie_config(kind).and_then(|c| c.name.clone()));
        }
        names.extend(meta.names.iter().cloned());
        names.push(SESSION_KEY.into());
        names.push(REFRESH_KEY.into());
        let cookies = self.seen(env).cookies();
        // A follower's own tokens, what it wrote, and tokens issued before the logout; a
        // token issued after it is a newer sign-in's.
        let ours = |value: &str| {
            self.st.session.as_ref().is_some_and(|t| t.jwt == value)
                || self.st.refresh.as_deref() == Some(value)
                || self.st.written.iter().any(|w| w == value)
                || Self::decode(env, value)
                    .and_then(|t| t.claims.iat)
                    .is_some_and(|iat| iat * 1000.0 <= at)
        };
        // Names that no cookie visible to this page has need no search.
        let mut visible: Vec<String> = Vec::new();
        for name in names {
            let shown = read_cookie(&cookies, &name);
            if shown.is_some_and(|v| own || ours(v)) && !visible.contains(&name) {
                visible.push(name);
            }
        }
        // Where this tab wrote, also when it is invisible from here (another path); a
        // follower only where it can see that the cookie is its own.
        recorded.retain(|p| own || visible.contains(&p.name));
        let extra: Vec<&str> = recorded.iter().map(|p| p.path.as_str()).collect();
        let mut places = clear::places(&self.page.host, &self.page.path, &visible, &extra);
        for place in recorded {
            if !places.contains(&place) {
                places.push(place);
            }
        }
        for place in &places {
            self.expire(place);
        }
    }

    // ---- calls --------------------------------------------------------------------------

    fn call(&mut self, now: f64, env: &dyn Env, id: u32, call: Call) {
        if self.disposed && call != Call::Ready {
            // A disposed session still answers, but starts nothing.
            self.out.push(Effect::Settle(
                id,
                Err(SessionError::new(ErrorCode::InvalidArgument, "disposed")),
            ));
            return;
        }
        let refresh = self.st.refresh.clone();
        match call {
            Call::Ready => match self
                .jobs
                .iter_mut()
                .find(|j| matches!(j.kind, JobKind::Refresh | JobKind::TryRefresh))
            {
                Some(job) => job.readies.push(id),
                None => self.out.push(Effect::Settle(id, Ok(Value::Undefined))),
            },
            Call::Refresh => {
                self.st.parked = false;
                self.push_job(JobKind::Refresh, Some(id));
            }
            Call::SelectTenant(body) => self.push_job(JobKind::Select(body), Some(id)),
            Call::Logout | Call::LogoutAll => {
                let path = if call == Call::Logout {
                    "/v1/auth/logout"
                } else {
                    "/v1/auth/logoutall"
                };
                // Built before clearing, with what presents the session (the refresh token,
                // and the refresh cookie's name a server with an httpOnly cookie needs).
                self.send(
                    now,
                    What::SignOut { call: id },
                    path,
                    refresh.as_deref(),
                    Some("{}".into()),
                    Expect::Any,
                );
                self.clear(now, env, true, now, token_hash(refresh.as_deref()));
                if !self.cfg.keep_last_user {
                    self.out
                        .push(Effect::Shared(LAST_LOGIN_ID_KEY.into(), None));
                    self.out.push(Effect::Shared(LAST_NAME_KEY.into(), None));
                }
            }
            Call::Me => self.push_job(JobKind::Me, Some(id)),
            Call::History => self.push_job(JobKind::History, Some(id)),
            Call::Validate => match self.st.session.as_ref().map(|t| t.jwt.clone()) {
                Some(jwt) => {
                    self.send(
                        now,
                        What::Plain {
                            call: id,
                            job: false,
                        },
                        "/v1/auth/validate",
                        Some(&jwt),
                        Some("{}".into()),
                        Expect::Object,
                    );
                }
                None => self.out.push(Effect::Settle(
                    id,
                    Err(SessionError::new(ErrorCode::Unauthorized, "no session")),
                )),
            },
            Call::Verify(body) => self.push_job(JobKind::Verify(body), Some(id)),
            Call::MyTenants(body) => self.push_job(JobKind::Tenants(body), Some(id)),
            Call::Exchange(key, body) => {
                self.send(
                    now,
                    What::Plain {
                        call: id,
                        job: false,
                    },
                    "/v1/auth/accesskey/exchange",
                    Some(&key),
                    Some(body),
                    Expect::AccessKey,
                );
            }
        }
    }

    fn request(
        &mut self,
        now: f64,
        what: What,
        post: bool,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
        expect: Expect,
    ) -> u32 {
        let id = self.next_id();
        let bearer = match token {
            Some(token) => super::cat(&["Bearer ", &self.cfg.project_id, ":", token]),
            None => super::cat(&["Bearer ", &self.cfg.project_id]),
        };
        let mut headers = vec![("Authorization", bearer)];
        if let Some(name) = self
            .cfg
            .refresh_cookie_name
            .as_ref()
            .or(self.st.rcn.as_ref())
        {
            headers.push(("x-descope-refresh-cookie-name", name.clone()));
        }
        self.out.push(Effect::Send(Request {
            id,
            post,
            url: super::cat(&[&self.cfg.base_url, path]),
            headers,
            body,
            expect,
        }));
        self.reqs.push(Pending {
            id,
            what,
            deadline: now + f64::from(self.cfg.timeout_ms),
        });
        id
    }

    fn send(
        &mut self,
        now: f64,
        what: What,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
        expect: Expect,
    ) -> u32 {
        self.request(now, what, true, path, token, body, expect)
    }

    fn revoke(&mut self, now: f64, reply: &Result<Reply>) {
        if let Ok(Reply::Jwt(r)) = reply {
            if let Some(token) = r.fields.refresh_jwt.clone().filter(|t| usable_token(t)) {
                self.send_revoke(now, token);
            }
        }
    }

    /// Ends a refresh token at the server that this tab will not keep.
    fn send_revoke(&mut self, now: f64, token: String) {
        self.send(
            now,
            What::Revoke,
            "/v1/auth/logout",
            Some(&token),
            Some("{}".into()),
            Expect::Any,
        );
    }

    // ---- the rotating jobs ----------------------------------------------------------------

    fn push_job(&mut self, kind: JobKind, call: Option<u32>) {
        if kind == JobKind::Refresh {
            if let Some(job) = self.jobs.iter_mut().find(|j| j.kind == JobKind::Refresh) {
                job.calls.extend(call);
                return;
            }
        }
        self.jobs.push(Job {
            kind,
            calls: call.into_iter().collect(),
            readies: Vec::new(),
            phase: Phase::Queued,
            seq: self.st.seq,
            lock_name: String::new(),
            news: 0.0,
            not_before: 0.0,
        });
    }

    /// Advances the head job as far as it goes without waiting for an input.
    fn run(&mut self, now: f64, env: &dyn Env) {
        while let Some(job) = self.jobs.first() {
            if job.phase != Phase::Queued {
                return;
            }
            let is_refresh = job.kind == JobKind::Refresh;
            let automatic = is_refresh || job.kind == JobKind::TryRefresh;
            if automatic && job.calls.is_empty() && job.seq != self.st.seq {
                // The automatic refresh was due for tokens that changed while it queued (a
                // rotation or a sign-in): the new ones set their own due time.
                let tokens = self.st.tokens();
                self.finish(tokens);
                continue;
            }
            let seq = self.st.seq;
            if let Some(head) = self.jobs.first_mut() {
                head.seq = seq;
            }
            match self.adopt_stored(now, env, Reread::Follow) {
                Adopt::LoggedOut => continue,
                Adopt::Changed if is_refresh => {
                    let tokens = self.st.tokens();
                    self.finish(tokens);
                    continue;
                }
                _ => {}
            }
            // A user's call goes out even without a token: the server may hold an httpOnly
            // refresh cookie. The automatic refresh needs one.
            let has_session = self.st.has_session();
            let seq = self.st.seq;
            // (`first_mut`, not `[0]`: no panic path; the head is still there.)
            let Some(head) = self.jobs.first_mut() else {
                continue;
            };
            if !has_session && head.calls.is_empty() && head.kind != JobKind::TryRefresh {
                self.finish(Err(no_session()));
                continue;
            }
            head.seq = seq;
            head.news = head.news.max(now).max(self.retry_heard);
            if head.kind == JobKind::Refresh {
                head.not_before = head
                    .not_before
                    .max(self.retry_heard)
                    .max(self.rate_limited_until);
                if now < self.rate_limited_until {
                    // The server's `Retry-After` holds for refresh() too.
                    head.phase = Phase::Waiting {
                        until: self.rate_limited_until,
                        round: 0,
                    };
                    return;
                }
            }
            self.take_turn(now, env, 0);
            return;
        }
    }

    /// The head job's turn: the cycle's lock with crossTab, else the request at once.
    fn take_turn(&mut self, now: f64, env: &dyn Env, round: u8) {
        if self.cfg.cross_tab {
            self.request_lock(now, env, round);
        } else {
            self.send_rotating(now, None);
        }
    }

    fn request_lock(&mut self, now: f64, env: &dyn Env, round: u8) {
        let lock = self.next_id();
        // Named after the refresh token the cycle presents (or the session token when the
        // refresh token is an httpOnly cookie), never the token itself.
        let token = self
            .st
            .refresh
            .as_deref()
            .or(self.st.session.as_ref().map(|t| t.jwt.as_str()))
            .unwrap_or("");
        let name = lock_name(&self.cfg.project_id, &self.cfg.prefix, token);
        // A project without rotation presents the same token every cycle: the lock this tab
        // still holds from the last one is its own turn.
        let held = self.holds.iter().position(|h| h.name == name);
        let until = now + LOCK_ANSWER_MS;
        if let Some(job) = self.jobs.first_mut() {
            job.phase = Phase::Locking { lock, round, until };
            job.lock_name = name.clone();
        }
        match held {
            Some(at) => {
                let Some(hold) = super::take_at(&mut self.holds, at) else {
                    return;
                };
                if let Some(job) = self.jobs.first_mut() {
                    job.phase = Phase::Locking {
                        lock: hold.lock,
                        round,
                        until,
                    };
                }
                self.lock(now, env, hold.lock, Grant::Granted);
            }
            None => self.out.push(Effect::Lock(lock, name)),
        }
    }

    fn send_rotating(&mut self, now: f64, lock: Option<u32>) {
        let Some(job) = self.jobs.first() else { return };
        let call = job.calls.first().copied().unwrap_or(0);
        let rotate = What::Rotate {
            seq: self.st.seq,
            born: self.st.meta.born,
            cleared: self.st.cleared_at,
            had: self.st.has_session(),
            presented: self.st.refresh.is_some(),
            token: token_hash(self.st.refresh.as_deref()),
        };
        let (what, path, body, expect) = match &job.kind {
            JobKind::Refresh => (
                rotate,
                "/v1/auth/refresh",
                Some("{}".to_owned()),
                Expect::Jwt,
            ),
            JobKind::Select(body) => (
                rotate,
                "/v1/auth/tenant/select",
                Some(body.clone()),
                Expect::Jwt,
            ),
            JobKind::TryRefresh => (
                rotate,
                "/v1/auth/try-refresh",
                Some("{}".to_owned()),
                Expect::MaybeJwt,
            ),
            JobKind::Tenants(body) => (
                What::Plain { call, job: true },
                "/v1/auth/me/tenants",
                Some(body.clone()),
                Expect::Object,
            ),
            JobKind::Me => (
                What::Me {
                    call,
                    born: self.st.meta.born,
                },
                "/v1/auth/me",
                None,
                Expect::User,
            ),
            JobKind::History => (
                What::Plain { call, job: true },
                "/v1/auth/me/history",
                None,
                Expect::List,
            ),
            JobKind::Verify(body) => (
                What::Verify {
                    call,
                    cleared: self.st.cleared_at,
                },
                "/v1/auth/security-questions/verify",
                Some(body.clone()),
                Expect::Jwt,
            ),
        };
        if matches!(what, What::Rotate { .. }) {
            self.last_attempt = now;
        }
        if lock.is_some() && self.cfg.cross_tab {
            // The tabs waiting for the lock hear that a live tab holds it.
            self.out.push(Effect::Post(Message::Turn(now).encode()));
        }
        let refresh = self.st.refresh.clone();
        let post = body.is_some();
        let req = self.request(now, what, post, path, refresh.as_deref(), body, expect);
        if let Some(job) = self.jobs.first_mut() {
            job.phase = Phase::Sending { req, lock };
        }
    }

    fn locking(&self, id: u32) -> Option<u8> {
        match self.jobs.first() {
            Some(Job {
                phase: Phase::Locking { lock, round, .. },
                ..
            }) if *lock == id => Some(*round),
            _ => None,
        }
    }

    fn lock(&mut self, now: f64, env: &dyn Env, id: u32, grant: Grant) {
        let Some(round) = self.locking(id) else {
            // Not (or no longer) the head job's: a grant is released at once.
            if grant == Grant::Granted {
                self.out.push(Effect::Unlock(id));
            }
            return;
        };
        let (news, not_before) = self
            .jobs
            .first()
            .map_or((now, 0.0), |j| (j.news, j.not_before));
        match grant {
            Grant::Granted => {
                // Another tab may have rotated between the due time and the grant: adopting
                // its tokens settles the job (see `changed`).
                self.adopt_stored(now, env, Reread::Follow);
                if self.locking(id).is_none() {
                    self.out.push(Effect::Unlock(id));
                } else if now < not_before {
                    // The holder that released the lock (or closed) was backing off: its wait
                    // holds for this tab too.
                    self.out.push(Effect::Unlock(id));
                    self.wait_for_lock(not_before, round);
                } else if self.rotated_elsewhere(now, env) {
                    // The tab that rotated may have closed (releasing its lock) before its
                    // message (or the rest of its write) reached this one: wait for it instead
                    // of presenting a token the server has rotated. Still nothing after the
                    // bounded waits: whoever wrote the stored tokens (the official SDK in
                    // another tab), they are the session now.
                    if round < LOCK_ROUNDS {
                        self.out.push(Effect::Unlock(id));
                        let wait = 1_000.0 + 500.0 * self.random();
                        self.wait_for_lock(now + wait, round + 1);
                    } else {
                        let ours = self.st.refresh.clone();
                        match self.adopt_stored(now, env, Reread::Refused(ours)) {
                            // Nothing usable after all: go on with what this tab holds, in
                            // its turn.
                            Adopt::Nothing if self.locking(id).is_some() => {
                                self.send_rotating(now, Some(id))
                            }
                            _ => self.out.push(Effect::Unlock(id)),
                        }
                    }
                } else {
                    self.send_rotating(now, Some(id));
                }
            }
            // A live holder answers within its request timeout, and tells the other tabs when
            // it backs off; a holder that has said nothing for two bounded waits is frozen:
            // go on without it rather than hang.
            Grant::Busy if now >= news + self.lock_bound() && now >= not_before => {
                self.send_rotating(now, None)
            }
            Grant::Busy => {
                if round == 0 && self.cfg.cross_tab {
                    // Who holds it, and until when? (A holder backing off answers with its
                    // next attempt.)
                    self.out.push(Effect::Post(Message::Ask(now).encode()));
                }
                // Spread the waits, so that waiters who started together do not all ask again
                // at the same instant.
                let wait = f64::from(self.cfg.timeout_ms) + 1_000.0 + 500.0 * self.random();
                self.wait_for_lock(now + wait, round.saturating_add(1));
            }
            // No Web Locks, or the browser refused this page the lock (a sandboxed frame,
            // blocked site data): go on as after a bounded wait.
            Grant::Unsupported | Grant::Denied => self.send_rotating(now, None),
        }
    }

    /// Tells the tabs waiting for the cycle's lock when this tab, which holds it, acts next.
    fn answer_ask(&mut self, now: f64) {
        if let Some(at) = self.turn_held(now) {
            self.out.push(Effect::Post(Message::Turn(at).encode()));
        }
    }

    /// When this tab acts next with the cycle's lock it holds: now (a request is out) or its
    /// next attempt (kept across a retry); `None` when it holds no turn.
    fn turn_held(&self, now: f64) -> Option<f64> {
        let sending = matches!(
            self.jobs.first(),
            Some(Job {
                phase: Phase::Sending { lock: Some(_), .. },
                ..
            })
        );
        if sending {
            return Some(now);
        }
        self.holds.iter().filter_map(|h| h.retry).reduce(f64::max)
    }

    /// How long a tab waits for the cycle's lock with no news of its holder: two bounded
    /// waits, each longer than a live holder's request may take.
    fn lock_bound(&self) -> f64 {
        2.0 * (f64::from(self.cfg.timeout_ms) + 1_000.0)
    }

    fn wait_for_lock(&mut self, until: f64, round: u8) {
        if let Some(job) = self.jobs.first_mut() {
            job.phase = Phase::Waiting { until, round };
        }
    }

    /// Another tab holds the cycle's turn and acts at `at` (now, or its next attempt after a
    /// failure): a job waiting for the lock waits for that, and a refresh sends nothing
    /// before it.
    fn turn_elsewhere(&mut self, now: f64, at: f64) {
        let at = at.min(now + super::schedule::BACKOFF_MAX_MS * 10.0);
        self.retry_heard = self.retry_heard.max(at);
        let Some(job) = self.jobs.first_mut() else {
            return;
        };
        if !matches!(job.phase, Phase::Locking { .. } | Phase::Waiting { .. }) {
            return;
        }
        job.news = job.news.max(at);
        if job.kind == JobKind::Refresh {
            job.not_before = job.not_before.max(at);
        }
    }

    /// The head job found the tokens changed by another tab: a refresh is done; a tenant
    /// select starts over with them.
    fn adopted(&mut self) {
        let Some(job) = self.jobs.first_mut() else {
            return;
        };
        if matches!(job.kind, JobKind::Refresh | JobKind::TryRefresh) {
            let tokens = self.st.tokens();
            self.finish(tokens);
        } else {
            job.phase = Phase::Queued;
        }
    }

    /// Settles the head job (the next one starts in [`Session::run`]).
    fn finish(&mut self, result: Result<Value>) {
        if let Some(job) = super::take_first(&mut self.jobs) {
            self.settle_job(job, result);
        }
    }

    fn settle_job(&mut self, job: Job, result: Result<Value>) {
        for call in job.calls {
            self.out.push(Effect::Settle(call, result.clone()));
        }
        for ready in job.readies {
            self.out.push(Effect::Settle(ready, Ok(Value::Undefined)));
        }
    }

    /// Ends every job (logout, dispose): their calls fail, their locks are released, and
    /// answers still to come are checked and revoked as they arrive.
    fn drop_jobs(&mut self) {
        for hold in std::mem::take(&mut self.holds) {
            self.out.push(Effect::Unlock(hold.lock));
        }
        for job in std::mem::take(&mut self.jobs) {
            if let Phase::Sending {
                lock: Some(lock), ..
            } = job.phase
            {
                self.out.push(Effect::Unlock(lock));
            }
            self.settle_job(job, Err(ended_error()));
        }
    }

    fn release(&mut self, lock: Option<u32>) {
        if let Some(lock) = lock {
            self.out.push(Effect::Unlock(lock));
        }
    }

    /// Keeps the head job's lock until `until` (after a rotation, or across retries).
    fn hold(&mut self, lock: Option<u32>, until: f64, retry: Option<f64>) {
        if let (Some(lock), Some(job)) = (lock, self.jobs.first()) {
            self.holds.push(Hold {
                lock,
                name: job.lock_name.clone(),
                until,
                retry,
            });
            // The last two rotated tokens stay guarded: a tab further behind has the messages
            // of the rotations since waiting for it, and refresh() in a loop holds O(1) locks.
            if self.holds.len() > MAX_HOLDS {
                if let Some(oldest) = super::take_first(&mut self.holds) {
                    self.out.push(Effect::Unlock(oldest.lock));
                }
            }
        }
    }

    // ---- answers ------------------------------------------------------------------------

    fn answer(&mut self, now: f64, env: &dyn Env, id: u32, answer: Result<Reply>) {
        let Some(at) = self.reqs.iter().position(|p| p.id == id) else {
            return;
        };
        let Some(Pending { what, deadline, .. }) = super::take_at(&mut self.reqs, at) else {
            return;
        };
        match what {
            What::Rotate {
                seq,
                born,
                cleared,
                had,
                presented,
                token,
            } => {
                // The session the request was sent for is no longer held: a logout (here or
                // in another tab), or another sign-in.
                // A session taken from cookies without its record that learned its record
                // from another tab meanwhile (the same tokens: `seq` unchanged) is still the
                // session the request was sent for: its refresh token is spent at the server,
                // so throwing the answer away would leave the tab with a used token.
                let same_token = presented && token_hash(self.st.refresh.as_deref()) == token;
                let learned =
                    born <= 0.0 && self.st.meta.born > 0.0 && (self.st.seq == seq || same_token);
                // A logout heard since the request left ends its session only when it came
                // after the session began (a tab that wakes tells old logouts again). A session
                // without its record counts from when the request left.
                let sent = deadline - f64::from(self.cfg.timeout_ms);
                let began = if born > 0.0 { born } else { sent.floor() };
                let ended = (self.st.cleared_at > cleared && self.st.cleared_at >= began)
                    || (self.st.meta.born != born && !learned)
                    || (had && !self.st.has_session());
                if !ended && self.st.meta.born <= 0.0 && matches!(answer, Ok(Reply::Jwt(_))) {
                    // A session taken from cookies without its record was alive when the
                    // request left: it ranks from then, so that a logout seen after that ends
                    // it however late this answer is read (a frozen tab reads it on waking).
                    self.st.meta.born = sent.floor().max(self.st.cleared_at.floor() + 1.0);
                }
                let attempt = Attempt {
                    seq,
                    presented,
                    token,
                    lock: None,
                };
                self.rotated(now, env, id, attempt, ended, answer)
            }
            What::Verify { call, cleared } => {
                let result = match answer {
                    Ok(Reply::Jwt(reply)) => {
                        // After `dispose()` the sign-in is still stored (never revoked).
                        let reread = if self.disposed {
                            Reread::Late
                        } else {
                            Reread::Follow
                        };
                        // A logout heard since it left, made after it left.
                        let sent = (deadline - f64::from(self.cfg.timeout_ms)).floor();
                        let logged_out = (self.st.cleared_at > cleared
                            && self.st.cleared_at >= sent)
                            || matches!(self.adopt_stored(now, env, reread), Adopt::LoggedOut);
                        if logged_out {
                            self.revoke(now, &Ok(Reply::Jwt(reply)));
                            Err(ended_error())
                        } else {
                            self.apply(now, env, &reply, Origin::SignIn)
                                .map(|()| Value::Body)
                        }
                    }
                    Ok(_) => Err(SessionError::invalid_response("not a JWTResponse")),
                    Err(err) => Err(err),
                };
                self.done(id, call, result, true);
            }
            What::Me { call, born } => {
                if let Ok(Reply::User(user)) = &answer {
                    if self.st.has_session()
                        && self.st.meta.born == born
                        && !self.outdated(now, env)
                    {
                        self.st.user = Some(user.clone());
                        self.save_user();
                        self.remember_user(env, Some(user));
                    }
                }
                self.done(id, call, answer.map(|_| Value::Body), true);
            }
            What::Plain { call, job } => self.done(id, call, answer.map(|_| Value::Body), job),
            What::SignOut { call } => self
                .out
                .push(Effect::Settle(call, answer.map(|_| Value::Undefined))),
            What::Revoke => {}
        }
    }

    /// Settles the call of a request: with its job (releasing the job's turn) when it was a
    /// job's, else on its own. A job ended by a logout has settled its calls already.
    fn done(&mut self, id: u32, call: u32, result: Result<Value>, job: bool) {
        match self.jobs.first() {
            Some(Job {
                phase: Phase::Sending { req, lock },
                ..
            }) if *req == id => {
                let lock = *lock;
                self.release(lock);
                self.finish(result);
            }
            _ if !job => self.out.push(Effect::Settle(call, result)),
            _ => {}
        }
    }

    /// The answer of a rotating request: the one acceptance check. After a logout (here or in
    /// another tab) it is thrown away and its new refresh token revoked, so nothing is left
    /// behind; when another tab rotated meanwhile, its tokens win. After `dispose()` it is
    /// still stored and told to the other tabs (never revoked): the next page goes on with it.
    fn rotated(
        &mut self,
        now: f64,
        env: &dyn Env,
        id: u32,
        attempt: Attempt,
        ended: bool,
        answer: Result<Reply>,
    ) {
        let lock = match self.jobs.first() {
            Some(Job {
                phase: Phase::Sending { req, lock },
                ..
            }) if *req == id => Some(*lock),
            _ => None,
        };
        if self.disposed && !ended {
            self.store_late(now, env, attempt, answer);
            return;
        }
        if ended || self.disposed {
            self.revoke(now, &answer);
            if let Some(lock) = lock {
                self.release(lock);
                let result = if self.disposed {
                    Err(ended_error())
                } else {
                    self.st.tokens().map_err(|_| ended_error())
                };
                self.finish(result);
            }
            return;
        }
        // A job only ends with its answer, or with the session (then the answer is `ended`).
        let Some(lock) = lock else { return };
        let attempt = Attempt { lock, ..attempt };
        match answer {
            Ok(Reply::Jwt(reply)) => {
                if let Adopt::LoggedOut = self.adopt_stored(now, env, Reread::Follow) {
                    self.revoke(now, &Ok(Reply::Jwt(reply)));
                    self.release(lock);
                    self.finish(Err(ended_error()));
                    return;
                }
                if self.rotated_meanwhile(attempt) {
                    // Another tab's rotation arrived first; its tokens are held now.
                    self.release(lock);
                    let tokens = self.st.tokens();
                    self.finish(tokens);
                    return;
                }
                // A session found by `try-refresh` is new to this tab.
                let found = matches!(self.jobs.first(), Some(j) if j.kind == JobKind::TryRefresh);
                let origin = if found {
                    Origin::SignIn
                } else {
                    Origin::Rotation
                };
                match self.apply(now, env, &reply, origin) {
                    // A project without rotation presents the same token next cycle: there is
                    // no spent token to guard, and the lock would only hold other tabs up.
                    Ok(()) if reply.fields.refresh_jwt.is_some() => {
                        self.hold(lock, now + HOLD_AFTER_ROTATION_MS, None);
                        self.finish(Ok(Value::Body));
                    }
                    Ok(()) => {
                        self.release(lock);
                        self.finish(Ok(Value::Body));
                    }
                    Err(err) => self.failed(now, env, err, attempt),
                }
            }
            Ok(_) if matches!(self.jobs.first(), Some(j) if j.kind == JobKind::TryRefresh) => {
                // `try-refresh` found no session: nothing to restore.
                self.release(lock);
                self.finish(Ok(Value::Undefined));
            }
            Ok(_) => self.failed(
                now,
                env,
                SessionError::invalid_response("not a JWTResponse"),
                attempt,
            ),
            Err(err) => self.failed(now, env, err, attempt),
        }
    }

    /// Whether another tab's rotation (or sign-in) replaced the session since `attempt` left:
    /// the held tokens changed, and not to the same refresh token told with its record.
    fn rotated_meanwhile(&self, attempt: Attempt) -> bool {
        self.st.seq != attempt.seq
            && !(attempt.presented && token_hash(self.st.refresh.as_deref()) == attempt.token)
    }

    /// A rotation that arrives after `dispose()`: the server has spent the token presented,
    /// so the new tokens are stored and told to the other tabs, unless a logout came first.
    /// No events fire, no timer is armed, no request starts.
    fn store_late(&mut self, now: f64, env: &dyn Env, attempt: Attempt, answer: Result<Reply>) {
        let Ok(Reply::Jwt(reply)) = answer else {
            return;
        };
        match self.adopt_stored(now, env, Reread::Late) {
            Adopt::LoggedOut => self.revoke(now, &Ok(Reply::Jwt(reply))),
            // Another tab's rotation was stored first: its tokens stay.
            _ if self.rotated_meanwhile(attempt) => {}
            _ => {
                let _ = self.apply(now, env, &reply, Origin::Rotation);
            }
        }
    }

    /// A failed attempt of the head job: reports it, then retries with backoff, or ends the
    /// session when the server refused the token (unless another tab rotated it meanwhile).
    fn failed(&mut self, now: f64, env: &dyn Env, err: SessionError, attempt: Attempt) {
        if let Failure::RateLimited(Some(ms)) = classify(&err) {
            // Whatever happens next, no refresh before the server's `Retry-After`.
            self.rate_limited_until = self.rate_limited_until.max(now + ms.max(MIN_DELAY_MS));
        }
        let kind = self.jobs.first().map(|j| &j.kind);
        let refresh = kind == Some(&JobKind::Refresh);
        if refresh || kind == Some(&JobKind::TryRefresh) {
            self.out
                .push(Effect::Emit(Event::RefreshError(err.clone())));
        }
        if kind == Some(&JobKind::TryRefresh) {
            // One attempt at start-up; there is no session to keep or to end. A refusal says
            // the indicator is stale: the next page load makes no request (as the official
            // SDK removes it on a 4xx).
            self.release(attempt.lock);
            if err.status.is_some_and(|s| (400..500).contains(&s)) {
                self.out.push(Effect::Shared(LOGGED_IN_KEY.into(), None));
            }
            self.finish(Err(err));
            return;
        }
        if self.rotated_meanwhile(attempt) {
            self.release(attempt.lock);
            self.finish(Err(err));
            return;
        }
        let failure = classify(&err);
        if failure == Failure::Ended && !attempt.presented && !self.st.meta.http_only {
            // This tab holds no refresh token (a new tab that only sees the session cookie)
            // and the session is not known to live in an httpOnly cookie: the refusal says
            // nothing about the session the other tabs hold. Keep the session token until it
            // expires and ask them for the tokens.
            self.release(attempt.lock);
            self.st.parked = true;
            if self.cfg.cross_tab {
                self.out.push(Effect::Post(Message::Hello(now).encode()));
            }
            self.finish(Err(err));
            return;
        }
        if failure == Failure::Ended {
            self.release(attempt.lock);
            // Whoever rotated the tokens meanwhile (another tab of this package, the official
            // SDK in another tab, the app), a refresh token other than the one refused is the
            // session now.
            let presented = self.st.refresh.clone();
            match self.adopt_stored(now, env, Reread::Refused(presented)) {
                Adopt::Changed => {
                    let tokens = self.st.tokens();
                    self.finish(tokens);
                }
                Adopt::LoggedOut => self.finish(Err(err)),
                Adopt::Nothing => {
                    if refresh && self.st.has_session() {
                        // Ends this session (and older ones) in every tab, not a newer
                        // sign-in another tab made meanwhile.
                        let born = self.st.meta.born;
                        let presented = token_hash(self.st.refresh.as_deref());
                        self.clear(now, env, true, born, presented);
                    }
                    self.finish(Err(err));
                }
            }
            return;
        }
        // A tab that slept through another tab's sign-in or rotations learns of them here,
        // before it writes its own (older) record over theirs.
        if matches!(
            self.adopt_stored(now, env, Reread::Follow),
            Adopt::Changed | Adopt::LoggedOut
        ) {
            self.release(attempt.lock);
            let tokens = self.st.tokens();
            self.finish(tokens.map_err(|_| err));
            return;
        }
        if refresh && self.st.has_session() {
            let jitter = self.random();
            let delay = retry_delay(failure, self.st.attempt, jitter).unwrap_or(MIN_DELAY_MS);
            self.st.attempt = self.st.attempt.saturating_add(1);
            // Also past the session's expiry: the refresh token usually outlives it, and a
            // flaky network must not cost the session (the backoff caps the rate).
            let at = now + delay;
            self.st.meta.due_at = Some(at);
            self.save_meta();
            if attempt.lock.is_some() {
                // This tab keeps the cycle across its retries: the lock stays held until its
                // next attempt (which takes it again), and the tabs waiting for it hear when
                // that is, so that none goes around a live holder or before its backoff.
                self.hold(attempt.lock, at + f64::from(self.cfg.timeout_ms), Some(at));
            }
            if self.cfg.cross_tab {
                // (Also without the lock, gone around a frozen holder: the server's
                // `Retry-After` holds for every tab.)
                self.out.push(Effect::Post(Message::Turn(at).encode()));
            }
        } else {
            self.release(attempt.lock);
        }
        self.finish(Err(err));
    }

    // ---- time and signals ---------------------------------------------------------------

    fn timer(&mut self, now: f64, env: &dyn Env) {
        // Requests past their deadline: aborted, answered as timeouts.
        while let Some(id) = self.reqs.iter().find(|p| p.deadline <= now).map(|p| p.id) {
            self.out.push(Effect::Abort(id));
            self.answer(
                now,
                env,
                id,
                Err(SessionError::new(ErrorCode::Timeout, "timed out")),
            );
        }
        let (done, kept): (Vec<Hold>, Vec<Hold>) = std::mem::take(&mut self.holds)
            .into_iter()
            .partition(|h| h.until <= now);
        self.holds = kept;
        for hold in done {
            self.out.push(Effect::Unlock(hold.lock));
        }
        match self.jobs.first().map(|j| j.phase) {
            Some(Phase::Waiting { until, round }) if until <= now => {
                if now - until > MIN_DELAY_MS {
                    // This tab was frozen (its timer fired late): it heard nothing because it
                    // listened to nothing, which says nothing of the holder. It waits anew.
                    if let Some(job) = self.jobs.first_mut() {
                        job.news = job.news.max(now);
                    }
                }
                self.take_turn(now, env, round);
            }
            // The browser never answered the lock request: go on as if it were denied.
            Some(Phase::Locking { lock, until, .. }) if until <= now => {
                self.lock(now, env, lock, Grant::Denied);
            }
            _ => {}
        }
        self.due(now, false);
    }

    /// Starts the automatic refresh when it is due (or, `eager`, when a wake-up signal comes
    /// during a backoff wait), at most once per second, never while offline.
    fn due(&mut self, now: f64, eager: bool) {
        if !self.cfg.auto_refresh || !self.online || !self.st.has_session() {
            return;
        }
        if self.jobs.iter().any(|j| j.kind == JobKind::Refresh) {
            return;
        }
        self.track(now);
        let Some(due) = self.st.meta.due_at else {
            return;
        };
        let backing_off = self.st.attempt > 0;
        if !(catch_up(now, Some(due), false) || (eager && backing_off)) {
            return;
        }
        if self.st.parked && !eager {
            return;
        }
        let earliest = self.last_attempt + MIN_DELAY_MS;
        if now < earliest {
            self.st.meta.due_at = Some(earliest);
            self.st.parked = false;
            return;
        }
        // With activity tracking, a server that ends idle sessions gets no refresh from an idle
        // user; the next `markUserActive()` (in any tab) runs it. A tab that comes back after
        // the session expired refreshes anyway, as the official SDK does on visibility.
        let expired_wake = eager && !self.st.authenticated(now);
        if self.cfg.activity && self.st.meta.idle && !self.active && !expired_wake {
            self.skipped = true;
            return;
        }
        self.st.parked = false;
        self.push_job(JobKind::Refresh, None);
    }

    fn signal(&mut self, now: f64, env: &dyn Env, signal: Signal) {
        match signal {
            Signal::Offline => {
                self.online = false;
                return;
            }
            Signal::Hidden => return,
            Signal::Online => self.online = true,
            Signal::Visible | Signal::Focus | Signal::PageShow => {}
        }
        self.adopt_stored(now, env, Reread::Follow);
        self.due(now, true);
    }

    /// Arms the one timer at the earliest deadline.
    fn arm(&mut self, now: f64) {
        let mut at: Option<f64> = None;
        let mut add = |t: Option<f64>| {
            if let Some(t) = t.filter(|t| !t.is_nan()) {
                at = Some(at.map_or(t, |a: f64| a.min(t)));
            }
        };
        if !self.disposed {
            let refresh_idle = !self.jobs.iter().any(|j| j.kind == JobKind::Refresh);
            if self.cfg.auto_refresh
                && self.online
                && refresh_idle
                && !self.st.parked
                && !self.skipped
                && self.st.has_session()
            {
                add(self.st.meta.due_at);
            }
            if self.st.authenticated(now) {
                add(self.st.expires_at());
            }
            if let Some(Job {
                phase: Phase::Waiting { until, .. } | Phase::Locking { until, .. },
                ..
            }) = self.jobs.first()
            {
                add(Some(*until));
            }
            for hold in &self.holds {
                add(Some(hold.until));
            }
        }
        for p in &self.reqs {
            add(Some(p.deadline));
        }
        if at != self.armed {
            self.armed = at;
            self.out.push(Effect::Timer(at));
        }
    }

    /// After a change of the tokens: a job waiting for another tab's result is done.
    fn changed(&mut self) {
        let waiting = matches!(
            self.jobs.first(),
            Some(Job { phase: Phase::Waiting { .. } | Phase::Locking { .. }, seq, .. }) if *seq != self.st.seq
        );
        if waiting {
            // A lock grant still to come is released then, as not this job's.
            self.adopted();
        }
    }

    /// Queues the events whose value changed since they last fired, in a fixed order.
    fn notify(&mut self, now: f64) {
        let token = self.st.session.as_ref().map(|t| t.jwt.as_str());
        if self.emitted.token.as_deref() != token {
            let token = token.map(String::from);
            self.emitted.token = token.clone();
            self.out.push(Effect::Emit(Event::Token(token)));
        }
        if self.emitted.user != self.st.user {
            self.emitted.user = self.st.user.clone();
            self.out
                .push(Effect::Emit(Event::User(self.st.user.clone())));
        }
        let auth = self.st.authenticated(now);
        if self.emitted.auth != auth {
            self.emitted.auth = auth;
            self.out.push(Effect::Emit(Event::Auth(auth)));
        }
    }
}

/// Storage and cookies as the driver will leave them once it has performed the writes queued
/// so far: a decision never reads a value its own input has already replaced.
struct Seen<'a> {
    env: &'a dyn Env,
    out: &'a [Effect],
}

impl Env for Seen<'_> {
    fn item(&self, key: &str) -> Option<String> {
        for effect in self.out.iter().rev() {
            match effect {
                Effect::Set(k, v) if k == key => return Some(v.clone()),
                Effect::Remove(k) if k == key => return None,
                _ => {}
            }
        }
        self.env.item(key)
    }
    fn cookies(&self) -> String {
        let mut cookies = self.env.cookies();
        for effect in self.out {
            let (name, value) = match effect {
                Effect::PutCookie(put) => (put.name.as_str(), Some(put.value.as_str())),
                Effect::Cookie(text) => match super::split_once(text, '=') {
                    Some((name, _)) => (name, None),
                    None => continue,
                },
                _ => continue,
            };
            let mut next = String::new();
            for pair in super::split(&cookies, ';') {
                let pair = pair.trim();
                let other = super::split_once(pair, '=').is_some_and(|(n, _)| n.trim() != name);
                if other {
                    if !next.is_empty() {
                        next.push_str("; ");
                    }
                    next.push_str(pair);
                }
            }
            if let Some(value) = value {
                if !next.is_empty() {
                    next.push_str("; ");
                }
                next.push_str(name);
                next.push('=');
                next.push_str(value);
            }
            cookies = next;
        }
        cookies
    }
    fn claims(&self, payload_json: &str) -> Option<Claims> {
        self.env.claims(payload_json)
    }
    fn shared(&self, key: &str) -> Option<String> {
        for effect in self.out.iter().rev() {
            if let Effect::Shared(k, v) = effect {
                if k == key {
                    return v.clone();
                }
            }
        }
        self.env.shared(key)
    }
    fn login(&self, user_json: &str) -> Option<(String, Option<String>)> {
        self.env.login(user_json)
    }
}

fn place_of(meta: &Meta, kind: Kind) -> Option<&CookiePlace> {
    match kind {
        Kind::Session => meta.session_cookie.as_ref(),
        Kind::Refresh => meta.refresh_cookie.as_ref(),
    }
}

/// FNV-1a (64 bit) of a token (0 for none): which token a request presented, without keeping
/// the token.
fn token_hash(token: Option<&str>) -> u64 {
    let Some(token) = token else { return 0 };
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in token.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The name of the BroadcastChannel of a project and storage prefix.
///
/// ```
/// use session_keeper::core::session::channel_name;
/// assert_eq!(channel_name("P1", "app."), "session-keeper:P1:app.");
/// ```
pub fn channel_name(project_id: &str, prefix: &str) -> String {
    super::cat(&["session-keeper:", project_id, ":", prefix])
}

/// The name of the lock of one refresh cycle: the channel name and a fingerprint of the token
/// the cycle refreshes (never the token itself).
pub fn lock_name(project_id: &str, prefix: &str, token: &str) -> String {
    let mut out = channel_name(project_id, prefix);
    out.push(':');
    out.push_str(&fingerprint(token));
    out
}

/// FNV-1a (64 bit) of `text`, as 16 hex digits: a short, stable, non-reversible tag.
pub fn fingerprint(text: &str) -> String {
    let hash = token_hash(Some(text));
    let mut out = String::with_capacity(16);
    for i in (0..16).rev() {
        let nibble = ((hash >> (i * 4)) & 0xf) as u32;
        out.push(char::from_digit(nibble, 16).unwrap_or('0'));
    }
    out
}
