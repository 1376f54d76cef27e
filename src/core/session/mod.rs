//! The Descope session as one state machine: restoring, applying responses, the refresh cycle
//! and its cross-tab turn, the acceptance check of rotating answers, clearing, and events.
//!
//! [`Session::handle`] takes an [`Input`] and the time, reads shared storage through an
//! [`Env`], and queues [`Effect`]s; [`Session::drain`] hands them to the driver. Nothing here
//! performs I/O or calls back into JS, so no decision can interleave with another one, and
//! every rule is tested natively and in the multi-tab simulator.

use super::claims::{payload_json, Claims};
use super::cookie::{
    cookie_domain, expire_cookies, is_attribute_safe, is_cookie_name, is_cookie_value, push_uint,
    read_cookie, set_cookie, CookiePlace, CookieWrite,
};
use super::error::{ErrorCode, Result, SessionError};
use super::fields::JwtFields;
use super::io::{
    Effect, Env, Event, Expect, Grant, JwtReply, Kind, PutCookie, Reply, Request, Signal, Tokens,
    Value,
};
use super::layout::{
    usable_token, Meta, ALL_KEYS, LAST_LOGIN_ID_KEY, LAST_NAME_KEY, LOGGED_IN_KEY, MAX_NAMES,
    META_KEY, RCN_KEY, REFRESH_KEY, SESSION_KEY, USER_KEY,
};
use super::message::Message;
use super::options::{Config, CookieConfig, Persist};
use super::places;
use super::schedule::{
    catch_up, classify, due_after_response, due_on_restore, retry_delay, Failure, MIN_DELAY_MS,
};

mod adopt;
mod answers;
mod calls;
mod clearing;
mod stored;
mod timers;
mod turn;

use stored::place_of;

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
    /// `selectTenant(id)`: the tenant's id.
    SelectTenant(String),
    /// `verifySecurityQuestions(request)`: the request as JSON, checked by
    /// [`check_security_questions_request`](crate::core::fields::check_security_questions_request).
    Verify(String),
    /// `exchangeAccessKey(key, loginOptions?)`: the key, and the login options as JSON.
    Exchange(String, Option<String>),
    /// `myTenants(true | ids)`.
    MyTenants(Tenants),
}

/// Which tenants `myTenants` asks about.
#[derive(Clone, Debug, PartialEq)]
pub enum Tenants {
    /// `true`: the session's current tenant (`{"dct": true}`); `false` as the caller said.
    Current(bool),
    /// These tenant ids (`{"ids": [...]}`).
    Ids(Vec<String>),
}

impl Tenants {
    /// The request body of `POST /v1/auth/me/tenants`.
    ///
    /// ```
    /// use session_keeper::core::session::Tenants;
    /// assert_eq!(Tenants::Current(true).body(), r#"{"dct":true}"#);
    /// assert_eq!(Tenants::Ids(vec!["T1".into(), "a\"b".into()]).body(), r#"{"ids":["T1","a\"b"]}"#);
    /// ```
    pub fn body(&self) -> String {
        match self {
            Tenants::Current(dct) => {
                crate::core::cat(&["{\"dct\":", if *dct { "true" } else { "false" }, "}"])
            }
            Tenants::Ids(ids) => {
                let mut out = String::from("{\"ids\":[");
                for (i, id) in ids.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    crate::core::push_json_string(&mut out, id);
                }
                out.push_str("]}");
                out
            }
        }
    }
}

/// The request body of `POST /v1/auth/tenant/select`.
///
/// ```
/// use session_keeper::core::session::select_body;
/// assert_eq!(select_body("T1"), r#"{"tenant":"T1"}"#);
/// assert_eq!(select_body("a\"\\\n"), r#"{"tenant":"a\"\\\u000a"}"#);
/// ```
pub fn select_body(tenant: &str) -> String {
    let mut out = String::from("{\"tenant\":");
    crate::core::push_json_string(&mut out, tenant);
    out.push('}');
    out
}

/// The request body of `POST /v1/auth/accesskey/exchange`: `{}`, or the login options.
pub fn exchange_body(login_options: Option<&str>) -> String {
    match login_options {
        Some(options) => crate::core::cat(&["{\"loginOptions\":", options, "}"]),
        None => "{}".into(),
    }
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

/// Which tab decided a change: this one (it tells the others, and clears everything it
/// sees), or another one this tab follows (it leaves alone what may be a newer session).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum By {
    ThisTab,
    AnotherTab,
}

/// Who settles a call with an answer: the call itself, or the job it waits in (with the
/// job, which also releases the job's lock).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    Call,
    Job,
}

/// Whether the session a rotating request was sent for is still the one held when its answer
/// comes, or ended meanwhile (a logout here or in another tab, or another sign-in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Still {
    Held,
    Ended,
}

/// Why the refresh timer is looked at: its own time, or a wake-up signal (online, visible,
/// focus), which also cuts a backoff short.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Why {
    Timer,
    Wake,
}

/// The session JWT and what it says.
#[derive(Clone, Debug, PartialEq)]
struct Token {
    jwt: String,
    claims: Claims,
}

#[derive(Clone, Debug, Default)]
struct State {
    session: Option<Box<Token>>,
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
    /// The last token values this tab wrote (to cookies or storage): a tab that follows
    /// another tab's logout expires and removes those, also when it holds newer tokens since.
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
            Some(t) => Ok(Value::Tokens(Box::new(Tokens {
                session: t.jwt.clone(),
                refresh: self.refresh.clone(),
                user: self.user.clone(),
            }))),
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
    /// `selectTenant`: the tenant id.
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
    /// The lock was this tab's own, kept across a refresh's retry (until, next attempt): a job
    /// that borrows it keeps it held for that retry when it is done.
    borrowed: Option<(f64, f64)>,
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
    /// The answer goes to the call as it is, or settles the job that sent it.
    Plain { call: u32, owner: Owner },
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

/// A token cookie written and not read back yet: what to do when the browser refused it.
struct Unconfirmed {
    /// Which token.
    kind: Kind,
    /// The texts that expire the cookie again (with and without `Secure`).
    expire: [String; 2],
    /// The token.
    value: String,
    /// The storage key that holds the token when the cookie does not (removed when it does).
    key: String,
}

/// What storage and cookies hold.
struct Stored {
    session: Option<Box<Token>>,
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
    unconfirmed: Vec<Unconfirmed>,
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
                            self.clear(now, env, By::AnotherTab, at, 0);
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
                        self.store_key(suffix, None);
                    }
                } else {
                    self.out.push(Effect::Remove(key));
                }
                self.st.shown = false;
                result = Err(SessionError::new(ErrorCode::Storage, "storage refused"));
            }
            Input::Active => self.mark_active(now, By::ThisTab),
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

    /// `markUserActive()` here ([`By::ThisTab`], told to the other tabs once per period) or in another
    /// tab: a refresh skipped for want of activity runs now.
    fn mark_active(&mut self, now: f64, by: By) {
        if !self.cfg.activity {
            return;
        }
        self.track(now);
        if !self.active {
            self.active = true;
            if by == By::ThisTab && self.cfg.cross_tab {
                self.post(Message::Active(now));
            }
        }
        if self.skipped {
            self.skipped = false;
            self.due(now, Why::Timer);
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
