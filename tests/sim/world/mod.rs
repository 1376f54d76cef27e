//! One simulated world: N tabs of one origin, each a core `Session` with its own timer, sharing
//! a cookie jar, localStorage, a BroadcastChannel (with delays and reordering between senders),
//! a Web Locks manager and one strict server. A seeded PRNG drives everything; a virtual clock
//! is the only time. After every step the invariants are checked; a failure panics with the
//! seed's trace.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};
use std::fmt::Write as _;

use serde_json::{json, Value as Json};
use session_keeper::core::error::{ErrorCode, SessionError};
use session_keeper::core::hooks;
use session_keeper::core::options::{Config, Persist};
use session_keeper::core::session::lock_name;
use session_keeper::core::{
    Call, Effect, Event, Expect, Grant, Input, Kind, Page, Reply, Session, Signal, Value,
};

use crate::browser::{shared, Jar, Locks, View, HOST};
use crate::rng::Rng;
use crate::server::{Http, Outcome, Server};

mod chaos;
mod invariants;
mod network;
mod scripting;
mod tabs;

pub const PROJECT: &str = "P1";
pub const PREFIX: &str = "app.";

/// What a world is made of: each seed picks these (swarm testing).
#[derive(Clone, Debug)]
pub struct Params {
    pub tabs: usize,
    pub persist: Persist,
    pub cross_tab: bool,
    pub rotating: bool,
    pub refresh_cookie: bool,
    pub next_refresh_seconds: Option<f64>,
    pub session_ttl_ms: f64,
    pub page_path: &'static str,
    pub timeout_ms: f64,
    /// Per-request fault probabilities.
    pub p_5xx: f64,
    pub p_429: f64,
    pub p_network: f64,
    /// The server handles the request but the answer is lost (the client times out).
    pub p_lost: f64,
    /// Storage fills up now and then (quota): while it is full, every write throws.
    pub storage_full: bool,
    /// The browser refuses a token cookie.
    pub p_cookie_refused: f64,
    pub max_latency_ms: f64,
    pub max_message_delay_ms: f64,
    /// Mean ms between chaos actions (user actions, sleeps, reloads, offline periods).
    pub action_every_ms: f64,
    pub sleeps: bool,
    pub reloads: bool,
    pub offline: bool,
    pub logouts: bool,
    pub chaos_ms: f64,
    /// `autoRefresh: { customActivityTracking: true }`, and users who are active now and then.
    pub activity: bool,
    /// The server is unreachable from `.0` for `.1` ms (virtual, since the world began).
    pub outage: Option<(f64, f64)>,
    /// A 2xx answer is replaced by a body the package cannot use (truncated, not JSON, or of
    /// the wrong shape), as a broken proxy sends.
    pub p_garbage: f64,
    /// The browser refuses every Web Lock (blocked site data): tabs go on without them.
    pub locks_denied: bool,
    /// A logout revokes only the refresh token presented (else its whole family).
    pub per_token_logout: bool,
    /// Each lock request also rejects after its callback ran (as when a callback throws): the
    /// shell feeds that as `Denied`, unchecked, and the core must ignore it.
    pub late_denials: bool,
}

impl Params {
    pub fn pick(rng: &mut Rng, tabs: usize) -> Params {
        let persist = match rng.below(10) {
            0..=5 => Persist::LocalStorage,
            6..=8 => Persist::SessionStorage,
            _ => Persist::Memory,
        };
        let faulty = rng.chance(0.7);
        let fault = |rng: &mut Rng, p: f64| {
            if faulty && rng.chance(0.5) {
                p * rng.unit()
            } else {
                0.0
            }
        };
        let session_ttl_ms = [60_000.0, 120_000.0, 300_000.0][rng.below(3)];
        Params {
            tabs,
            persist,
            cross_tab: rng.chance(0.9),
            rotating: rng.chance(0.8),
            refresh_cookie: rng.chance(0.2),
            next_refresh_seconds: if rng.chance(0.6) {
                Some([0.5, 5.0, 10.0, 30.0][rng.below(4)])
            } else {
                None
            },
            session_ttl_ms,
            page_path: if rng.chance(0.2) { "/app/page" } else { "/" },
            timeout_ms: [2_000.0, 5_000.0, 10_000.0][rng.below(3)],
            p_5xx: fault(rng, 0.3),
            p_429: fault(rng, 0.1),
            p_network: fault(rng, 0.2),
            p_lost: fault(rng, 0.05),
            storage_full: faulty && rng.chance(0.2),
            p_cookie_refused: fault(rng, 0.2),
            max_latency_ms: [20.0, 200.0, 1_500.0][rng.below(3)],
            max_message_delay_ms: [1.0, 20.0, 200.0][rng.below(3)],
            action_every_ms: [2_000.0, 10_000.0, 30_000.0][rng.below(3)],
            sleeps: rng.chance(0.4),
            reloads: rng.chance(0.4) && persist != Persist::Memory,
            offline: rng.chance(0.3),
            logouts: rng.chance(0.5),
            chaos_ms: [60_000.0, 180_000.0][rng.below(2)],
            activity: rng.chance(0.25),
            outage: (faulty && rng.chance(0.15))
                .then(|| (rng.unit() * 60_000.0, 120_000.0 + rng.unit() * 180_000.0)),
            p_garbage: fault(rng, 0.1),
            locks_denied: rng.chance(0.05),
            per_token_logout: rng.chance(0.7),
            // (From a fork: the worlds of every seed stay as they were.)
            late_denials: rng.fork(0x1a7e_de41).chance(0.1),
        }
    }

    /// A fault-free world for scripted scenarios: localStorage, crossTab, a rotating server
    /// with `nextRefreshSeconds` 2 and 10-minute sessions, requests timing out after 10 s.
    /// In a scripted world `max_latency_ms` is the fixed one-way latency of every request and
    /// `max_message_delay_ms` the fixed delay of every BroadcastChannel message.
    pub fn quiet(tabs: usize) -> Params {
        Params {
            tabs,
            persist: Persist::LocalStorage,
            cross_tab: true,
            rotating: true,
            refresh_cookie: false,
            next_refresh_seconds: Some(2.0),
            session_ttl_ms: 600_000.0,
            page_path: "/",
            timeout_ms: 10_000.0,
            p_5xx: 0.0,
            p_429: 0.0,
            p_network: 0.0,
            p_lost: 0.0,
            storage_full: false,
            p_cookie_refused: 0.0,
            max_latency_ms: 10.0,
            max_message_delay_ms: 2.0,
            action_every_ms: f64::INFINITY,
            sleeps: false,
            reloads: false,
            offline: false,
            logouts: false,
            chaos_ms: 0.0,
            activity: false,
            outage: None,
            p_garbage: 0.0,
            locks_denied: false,
            per_token_logout: false,
            late_denials: false,
        }
    }
}

/// A fault a scripted world forces on the next requests of a path, as the devserver's
/// `/__control/faults` does: taken when the request arrives, it waits `delay_ms`, then answers
/// in the server's stead (`status`, `network`) or lets the server handle the request.
#[derive(Clone, Debug, Default)]
pub struct Fault {
    /// Answer with this HTTP status instead of the server.
    pub status: Option<u16>,
    /// `Retry-After` (seconds) of that answer.
    pub retry_after: Option<f64>,
    /// The request fails as a network error instead.
    pub network: bool,
    /// Wait this long before answering (or handing the request to the server).
    pub delay_ms: f64,
    /// The server handles the request at once, but its answer takes this much longer to come
    /// back (a rotation the client only learns of late).
    pub slow_answer_ms: f64,
}

impl Fault {
    pub fn status(status: u16) -> Fault {
        Fault {
            status: Some(status),
            ..Fault::default()
        }
    }

    pub fn rate_limited(retry_after_s: f64) -> Fault {
        Fault {
            status: Some(429),
            retry_after: Some(retry_after_s),
            ..Fault::default()
        }
    }

    pub fn network() -> Fault {
        Fault {
            network: true,
            ..Fault::default()
        }
    }

    /// The server handles the request after `ms`.
    pub fn delay(ms: f64) -> Fault {
        Fault {
            delay_ms: ms,
            ..Fault::default()
        }
    }

    /// The server handles the request at once; the answer arrives `ms` later than usual.
    pub fn slow_answer(ms: f64) -> Fault {
        Fault {
            slow_answer_ms: ms,
            ..Fault::default()
        }
    }

    /// The same fault, answered after `ms`.
    pub fn after(self, ms: f64) -> Fault {
        Fault {
            delay_ms: ms,
            ..self
        }
    }

    fn answer(&self) -> Option<Result<Http, SessionError>> {
        if self.network {
            Some(Err(SessionError::new(ErrorCode::Network, "network error")))
        } else {
            self.status.map(|status| {
                let mut http = Http::refused(status, "E000000", "forced by the script");
                http.retry_after = self.retry_after.map(|s| s.to_string());
                Ok(http)
            })
        }
    }
}

/// A request as the scripted world saw it.
#[derive(Clone, Debug)]
pub struct Sent {
    pub slot: usize,
    /// Sent at (ms since the world began).
    pub at: f64,
    /// The token presented.
    pub token: Option<String>,
    /// What the server (or a forced fault) answered: "200", "401", "network"; `None` while
    /// unanswered, or when the request never reached the server.
    pub status: Option<String>,
    /// When that answer was decided (ms since the world began).
    pub served_at: Option<f64>,
}

/// What makes a world scripted: no chaos, fixed latencies, faults on demand.
#[derive(Default)]
struct Script {
    /// Tabs have no BroadcastChannel (messages go nowhere; storage events only).
    no_channel: bool,
    /// Faults to force, per path, in order.
    faults: BTreeMap<String, VecDeque<Fault>>,
    /// Fixed one-way latency per path (else `max_latency_ms`).
    latency: BTreeMap<String, f64>,
    /// Options merged into a slot's configuration (e.g. `{"crossTab": false}`).
    options: BTreeMap<usize, Json>,
}

/// A holder of Web Locks outside every tab (another page of the origin that never lets go).
const OUTSIDER: (usize, u32, u32) = (usize::MAX, 0, 0);

/// What happens next in a world (`Serve`: a scripted world's request that a forced fault held
/// back reaches the server).
#[derive(Debug)]
enum Ev {
    Timer { tab: usize, inc: u32, gen: u64 },
    Deliver { tab: usize, inc: u32, input: Input },
    Arrive { req: usize },
    Answer { req: usize },
    Action,
    Wake { tab: usize, inc: u32 },
    Online,
    StorageFree,
    Logout { tab: usize, inc: u32, call: Call },
    Serve { req: usize, fault: Fault },
}

struct Queued {
    at: f64,
    seq: u64,
    ev: Ev,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.seq == other.seq
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        // A min-heap on (time, order of scheduling).
        other
            .at
            .partial_cmp(&self.at)
            .unwrap_or(Ordering::Equal)
            .then(other.seq.cmp(&self.seq))
    }
}

struct Tab {
    s: Session,
    alive: bool,
    inc: u32,
    asleep: bool,
    deferred: Vec<Input>,
    timer: Option<f64>,
    timer_gen: u64,
    /// sessionStorage (survives a reload) or memory (does not).
    own: BTreeMap<String, String>,
    /// Events seen, for once-per-change.
    last_token: Option<Option<String>>,
    last_auth: Option<bool>,
    /// When this tab sent refresh requests.
    refresh_sends: Vec<f64>,
    /// Refresh requests since the user last called refresh(), for the tight-loop check.
    loop_sends: Vec<f64>,
    /// Ids of the user's refresh() calls not settled yet.
    user_refreshes: BTreeSet<u32>,
    /// Messages from each sender are delivered in order: the last delivery time per sender.
    channel_clock: BTreeMap<usize, f64>,
    calls: u32,
    /// Timers do not fire (the wall clock jumps while no timer runs); scripted worlds only.
    frozen: bool,
    /// When it last woke or its timers thawed (it slept or was frozen before).
    awake_since: f64,
    /// `dispose()` was called: it fires no more events (its state may still follow a late
    /// answer, which it stores for the next instance).
    disposed: bool,
    /// Events seen (scripted worlds only), with their time (ms since the world began).
    events: Vec<(f64, Event)>,
    /// Settled calls (scripted worlds only): id → (time, result).
    settled: BTreeMap<u32, (f64, Result<Value, SessionError>)>,
}

struct Req {
    tab: usize,
    inc: u32,
    id: u32,
    path: String,
    token: Option<String>,
    answer: Option<Result<Http, SessionError>>,
    /// How the package decodes the answer.
    expect: Expect,
    /// The server rotated the token presented for it (its answer carries the successor).
    rotated: bool,
    /// The refresh token the server issued in its answer.
    issued: Option<String>,
    /// A 429 answered it: no refresh of its token before then (server time).
    retry_after_until: Option<f64>,
    aborted: bool,
    lost: bool,
    done: bool,
    sent: f64,
    status: Option<String>,
    served_at: Option<f64>,
}

pub struct World {
    pub seed: u64,
    pub p: Params,
    rng: Rng,
    now: f64,
    seq: u64,
    queue: BinaryHeap<Queued>,
    tabs: Vec<Tab>,
    local: BTreeMap<String, String>,
    jar: Jar,
    locks: Locks,
    server: Server,
    reqs: Vec<Req>,
    online: bool,
    trace: Vec<String>,
    /// Refresh tokens whose rotation answer no tab could read (lost, or its tab went, or a
    /// frozen holder's lock was gone around): presenting one again is excused, nothing else.
    excused: BTreeSet<String>,
    /// Refresh tokens the server issued in answers no tab read: nobody can revoke them.
    unread: BTreeSet<String>,
    /// The family of the session a logout was asked for (until a new sign-in).
    logout_family: Option<u32>,
    /// A logout or revoke since then never reached the server (offline, an outage): what it
    /// would have revoked stays active, and no client can help it.
    revoke_lost: bool,
    /// Refresh tokens a forced answer refused (401, 403, 400) as if the server had.
    refused: BTreeSet<String>,
    /// Refresh tokens answered with 429 `Retry-After`: until when (server time), the tab
    /// (slot, incarnation) that read it, and when it read it (requests sent earlier could not
    /// know).
    not_before: BTreeMap<String, (f64, usize, u32, f64)>,
    /// The parameters as the world began (`calm` turns the faults off).
    initial: Params,
    /// Refresh tokens the server took while the user was active (activity tracking).
    credited: BTreeSet<String>,
    /// The session is over on purpose (logout, or a family revoked for an excused reason).
    ended: bool,
    /// The user signed in at least once.
    signed_in: bool,
    /// A logout was asked for and no sign-in since.
    logged_out: bool,
    /// Time of the last fault or chaos event.
    pub last_chaos: f64,
    pub steps: u64,
    pub refreshes: u64,
    /// `Some` in a scripted world.
    script: Option<Script>,
    /// What performing the current input's effects reported, fed back right after.
    reports: Vec<Input>,
    /// Every storage write throws now (a quota filled up).
    storage_full: bool,
}

const START: f64 = 1_700_000_000_000.0;
impl World {
    pub fn new(seed: u64, tabs: usize) -> World {
        let mut rng = Rng::new(seed);
        let p = Params::pick(&mut rng, tabs);
        let mut world = World::build(seed, rng, p, None);
        for _ in 0..world.p.tabs {
            world.open_tab(None);
        }
        world.sign_in(0);
        world.schedule(world.p.action_every_ms, Ev::Action);
        world
    }

    /// A world that only does what its script says: `p.tabs` tabs are open, nobody is signed
    /// in, no chaos runs, latencies and message delays are fixed (`p.max_latency_ms` each
    /// way, `p.max_message_delay_ms`, storage events after 1 ms), and faults come only from
    /// [`World::fault`]. The invariants are checked as in the random worlds.
    pub fn scripted(p: Params) -> World {
        let mut world = World::build(0, Rng::new(0), p, Some(Script::default()));
        for _ in 0..world.p.tabs {
            world.open_tab(None);
        }
        world
    }

    /// Like [`World::scripted`], the tabs without a BroadcastChannel (`Input::Start { channel:
    /// false }`): they learn of each other through storage events only.
    pub fn scripted_without_channel(p: Params) -> World {
        let script = Script {
            no_channel: true,
            ..Script::default()
        };
        let mut world = World::build(0, Rng::new(0), p, Some(script));
        for _ in 0..world.p.tabs {
            world.open_tab(None);
        }
        world
    }

    fn build(seed: u64, rng: Rng, p: Params, script: Option<Script>) -> World {
        let mut server = Server::new(p.rotating, p.session_ttl_ms, p.next_refresh_seconds);
        server.per_token_logout = p.per_token_logout;
        World {
            seed,
            rng,
            now: START,
            seq: 0,
            queue: BinaryHeap::new(),
            tabs: Vec::new(),
            local: BTreeMap::new(),
            jar: Jar {
                cookies: Vec::new(),
                max_value: 4096,
            },
            locks: Locks::default(),
            server,
            reqs: Vec::new(),
            online: true,
            trace: Vec::new(),
            excused: BTreeSet::new(),
            unread: BTreeSet::new(),
            logout_family: None,
            revoke_lost: false,
            refused: BTreeSet::new(),
            not_before: BTreeMap::new(),
            initial: p.clone(),
            credited: BTreeSet::new(),
            ended: false,
            signed_in: false,
            logged_out: false,
            last_chaos: START,
            steps: 0,
            refreshes: 0,
            p,
            script,
            reports: Vec::new(),
            storage_full: false,
        }
    }

    fn config(&self, slot: usize) -> Config {
        let mut options = json!({
            "projectId": PROJECT,
            "baseUrl": "https://api.test",
            "storagePrefix": PREFIX,
            "crossTab": self.p.cross_tab,
            "requestTimeoutMs": self.p.timeout_ms,
            "persist": match self.p.persist {
                Persist::LocalStorage => "localStorage",
                Persist::SessionStorage => "sessionStorage",
                Persist::Memory => "memory",
            },
        });
        if self.p.refresh_cookie {
            options["refreshTokenViaCookie"] = json!({"secure": false});
        }
        if self.p.activity {
            options["autoRefresh"] = json!({"customActivityTracking": true});
        }
        if let Some(extra) = self
            .script
            .as_ref()
            .and_then(|s| s.options.get(&slot))
            .and_then(Json::as_object)
        {
            for (key, value) in extra {
                options[key] = value.clone();
            }
        }
        Config::read(&options).expect("valid options")
    }

    fn log(&mut self, line: String) {
        if self.trace.len() > 400 && std::env::var_os("SIM_SEED").is_none() && self.script.is_none()
        {
            self.trace.drain(..100);
        }
        self.trace.push(line);
    }

    fn t(&self) -> f64 {
        self.now - START
    }

    fn schedule(&mut self, after: f64, ev: Ev) {
        self.seq += 1;
        self.queue.push(Queued {
            at: self.now + after.max(0.0),
            seq: self.seq,
            ev,
        });
    }

    /// Panics with `what` and the world's trace.
    pub fn fail(&self, what: &str) -> ! {
        let mut out = String::new();
        if self.script.is_some() {
            let _ = writeln!(out, "scripted world failed at t={:.0} ms: {what}", self.t());
            let _ = writeln!(out, "world: {:?}", self.initial);
            let _ = writeln!(out, "trace:");
            for line in &self.trace {
                let _ = writeln!(out, "  {line}");
            }
            panic!("{out}");
        }
        let _ = writeln!(out, "invariant broken at t={:.0} ms: {what}", self.t());
        let _ = writeln!(out, "world: seed {} {:?}", self.seed, self.initial);
        let _ = writeln!(out, "last steps:");
        let keep = if std::env::var_os("SIM_SEED").is_some() {
            usize::MAX
        } else {
            60
        };
        for line in self.trace.iter().rev().take(keep).rev() {
            let _ = writeln!(out, "  {line}");
        }
        let _ = writeln!(
            out,
            "replay: SIM_SEED={} SIM_TABS={} cargo test --test sim replay -- --nocapture",
            self.seed, self.p.tabs
        );
        panic!("{out}");
    }

    /// Runs until `until` (virtual ms after the start), checking the shared invariants after
    /// every step.
    pub fn run(&mut self, until: f64) {
        while let Some(next) = self.queue.peek() {
            if next.at > START + until {
                break;
            }
            self.run_one();
        }
        self.now = self.now.max(START + until);
    }

    /// Takes the next event off the queue and handles it.
    fn run_one(&mut self) {
        let Some(next) = self.queue.pop() else { return };
        self.now = self.now.max(next.at);
        match next.ev {
            Ev::Timer { tab, inc, gen } => {
                let t = &self.tabs[tab];
                // A frozen tab's timer fires when it wakes.
                if t.alive && t.inc == inc && t.timer_gen == gen && !t.asleep && !t.frozen {
                    self.feed(tab, Input::Timer);
                }
            }
            Ev::Deliver { tab, inc, input } => {
                if self.tabs[tab].inc == inc {
                    self.feed(tab, input);
                }
            }
            Ev::Arrive { req } => self.arrive(req),
            Ev::Answer { req } => self.answer(req),
            Ev::Action => self.action(),
            Ev::Wake { tab, inc } => {
                if self.tabs[tab].inc == inc && self.tabs[tab].alive {
                    self.wake(tab);
                }
            }
            Ev::Online => {
                self.online = true;
                self.log(format!("t={:.0} online", self.t()));
                for i in 0..self.tabs.len() {
                    self.page_signal(i, Signal::Online);
                }
            }
            Ev::Serve { req, fault } => self.serve_forced(req, fault),
            Ev::Logout { tab, inc, call } => {
                let t = &self.tabs[tab];
                if t.alive && t.inc == inc && !t.asleep {
                    self.logged_out = true;
                    self.ended = true;
                    self.user_call(tab, call);
                }
            }
            Ev::StorageFree => {
                self.storage_full = false;
                self.log(format!("t={:.0} storage has room again", self.t()));
            }
        }
        self.check_world();
    }
}

/// `SIM_TRACE=1 cargo test --test sim scenarios::<name> -- --nocapture` prints a scripted
/// world's trace when it ends.
impl Drop for World {
    fn drop(&mut self) {
        if self.script.is_some() && std::env::var_os("SIM_TRACE").is_some() {
            for line in &self.trace {
                println!("{line}");
            }
        }
    }
}

impl Tab {
    fn new(s: Session, inc: u32, own: BTreeMap<String, String>) -> Tab {
        Tab {
            s,
            alive: true,
            inc,
            asleep: false,
            deferred: Vec::new(),
            timer: None,
            timer_gen: 0,
            own,
            last_token: None,
            last_auth: None,
            refresh_sends: Vec::new(),
            loop_sends: Vec::new(),
            user_refreshes: BTreeSet::new(),
            channel_clock: BTreeMap::new(),
            calls: 0,
            frozen: false,
            awake_since: f64::NEG_INFINITY,
            disposed: false,
            events: Vec::new(),
            settled: BTreeMap::new(),
        }
    }
}

/// The family of a simulated refresh token (`R<family>-<n>`).
fn family_of(token: &str) -> Option<u32> {
    family(token)
}

fn family(token: &str) -> Option<u32> {
    token.strip_prefix('R')?.split('-').next()?.parse().ok()
}

/// Presenting this token again is excused (its rotation answer was lost, or a frozen holder's
/// lock was gone around): no client can tell that the server rotated it.
fn excuse(excused: &mut BTreeSet<String>, token: Option<&str>) {
    if let Some(token) = token {
        excused.insert(token.to_string());
    }
}

fn excused(excused: &BTreeSet<String>, token: Option<&str>) -> bool {
    token.is_some_and(|t| excused.contains(t))
}

fn short(token: Option<&str>) -> String {
    match token {
        None => "-".into(),
        Some(t) if t.len() > 12 => [&t[..4], "…", &t[t.len() - 6..]].concat(),
        Some(t) => t.into(),
    }
}

fn summarize(input: &Input) -> String {
    match input {
        Input::Apply(_) => "apply".into(),
        Input::Answer(id, Ok(_)) => format!("answer #{id} ok"),
        Input::Answer(id, Err(e)) => format!(
            "answer #{id} {}",
            e.status
                .map_or(e.code.as_str().to_string(), |s| s.to_string())
        ),
        Input::Message(m) => format!(
            "message {}",
            m.split('\n')
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
                .replace("sk2 ", "")
        ),
        Input::Lock(id, g) => format!("lock {id} {g:?}"),
        Input::Cookie { kind, kept } => format!(
            "cookie {} {}",
            if *kind == Kind::Session {
                "session"
            } else {
                "refresh"
            },
            if *kept { "kept" } else { "refused" }
        ),
        other => format!("{other:?}"),
    }
}
