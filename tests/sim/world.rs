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

    // ---- tabs ---------------------------------------------------------------------------

    fn open_tab(&mut self, slot: Option<usize>) -> usize {
        let seed = self.rng.next();
        let target = slot.unwrap_or(self.tabs.len());
        let session = Session::new(
            self.config(target),
            Page {
                host: HOST.into(),
                path: self.p.page_path.into(),
            },
            seed,
        );
        let slot = match slot {
            Some(slot) => {
                let own = if self.p.persist == Persist::SessionStorage {
                    std::mem::take(&mut self.tabs[slot].own)
                } else {
                    BTreeMap::new()
                };
                let inc = self.tabs[slot].inc + 1;
                self.tabs[slot] = Tab::new(session, inc, own);
                slot
            }
            None => {
                self.tabs.push(Tab::new(session, 0, BTreeMap::new()));
                self.tabs.len() - 1
            }
        };
        let online = self.online;
        let channel = self.p.cross_tab && !self.script.as_ref().is_some_and(|s| s.no_channel);
        // A page that loads starts active, as the official SDK's tracker does.
        self.credit();
        self.feed(slot, Input::Start { online, channel });
        slot
    }

    fn close_tab(&mut self, slot: usize, reload: bool) {
        let inc = self.tabs[slot].inc;
        self.tabs[slot].alive = false;
        self.locks.release_tab(slot, inc);
        // Where nothing but a tab's memory keeps the refresh token (memory mode, storage that
        // refused it, sessionStorage of a tab that goes), closing the last tab that holds it
        // ends the session by design. (A reload keeps sessionStorage.)
        let survives = reload && self.p.persist == Persist::SessionStorage;
        if !self.session_reachable(if survives { None } else { Some(slot) }) {
            self.ended = true;
        }
        // Its requests in flight lose their answers.
        for r in self
            .reqs
            .iter_mut()
            .filter(|r| r.tab == slot && r.inc == inc && !r.done)
        {
            r.aborted = true;
            if r.rotated {
                // Rotated on the server, answer lost with the tab.
                excuse(&mut self.excused, r.token.as_deref());
            }
        }
    }

    /// Whether a refresh token the server takes is still somewhere a tab can find it: held by
    /// an open tab, in localStorage, in a tab's own storage, or in a cookie.
    /// (`going`: a tab whose own storage goes with it.)
    fn session_reachable(&self, going: Option<usize>) -> bool {
        let active = |t: &str| self.server.active(t);
        self.tabs
            .iter()
            .any(|t| t.alive && t.s.refresh_token().is_some_and(active))
            || self.local.values().any(|v| active(v))
            || self
                .tabs
                .iter()
                .enumerate()
                .any(|(i, t)| Some(i) != going && t.own.values().any(|v| active(v)))
            || self.jar.cookies.iter().any(|c| active(&c.value))
    }

    // ---- feeding a tab ------------------------------------------------------------------

    /// Delivers an input now, or keeps it for when the tab wakes.
    fn feed(&mut self, slot: usize, input: Input) {
        if !self.tabs[slot].alive {
            return;
        }
        if self.tabs[slot].asleep {
            self.tabs[slot].deferred.push(input);
            return;
        }
        let summary = summarize(&input);
        let now = self.now;
        let before = (
            self.tabs[slot].s.session_token().map(String::from),
            self.tabs[slot].s.refresh_token().map(String::from),
            self.tabs[slot].s.attempts(),
        );
        let reporting = matches!(input, Input::Cookie { .. } | Input::StorageRefused(_));
        let failure = match &input {
            Input::Answer(_, Err(e)) => Some(e.clone()),
            _ => None,
        };
        let effects = {
            let tab = &mut self.tabs[slot];
            let store = if shared(self.p.persist) {
                &self.local
            } else {
                &tab.own
            };
            let view = View {
                store,
                local: &self.local,
                cookies: self.jar.read(now, self.p.page_path),
            };
            let _ = tab.s.handle(now, input, &view);
            tab.s.drain()
        };
        self.steps += 1;
        let (born, gen) = self.tabs[slot].s.version();
        let state = format!(
            "[{} {} v{:.0}/{gen}]",
            short(self.tabs[slot].s.session_token()),
            short(self.tabs[slot].s.refresh_token()),
            born - START
        );
        let dsm = self
            .local
            .get("app.DSM")
            .map(|m| m.split('\n').nth(1).unwrap_or("").to_string())
            .unwrap_or_default();
        let jar: Vec<String> = self
            .jar
            .cookies
            .iter()
            .map(|c| format!("{}={}", c.name, short(Some(&c.value))))
            .collect();
        self.log(format!(
            "t={:.0} tab{slot}: {summary} {state} dsm={dsm} jar[{}]",
            self.t(),
            jar.join(" ")
        ));
        for effect in effects {
            self.perform(slot, effect);
        }
        // What performing the effects reported goes back before anything else happens, as
        // the browser shell feeds it.
        let reports = std::mem::take(&mut self.reports);
        for report in reports {
            self.feed(slot, report);
        }
        if !reporting {
            self.check_step(slot, before, failure);
        }
        self.check_tab(slot);
    }

    /// What one input did to a tab, checked at the step it happens.
    fn check_step(
        &mut self,
        slot: usize,
        before: (Option<String>, Option<String>, u32),
        failure: Option<SessionError>,
    ) {
        let tab = &self.tabs[slot];
        if !tab.alive || tab.asleep {
            return;
        }
        let (session, refresh, attempts) = before;
        let now_refresh = tab.s.refresh_token().map(String::from);
        // No session is lost to a transient fault: a tab drops no refresh token the server
        // still takes, of the current sign-in, unless a logout was asked.
        if let Some(held) = refresh.as_deref() {
            let current = family(held) == Some(self.server.families);
            let kept = now_refresh
                .as_deref()
                .is_some_and(|r| self.server.active(r));
            let refused = self.refused.contains(held);
            if current && !kept && self.server.active(held) && !self.logged_out && !refused {
                self.fail(&format!(
                    "tab{slot} dropped the refresh token {} the server still takes",
                    short(Some(held))
                ));
            }
        }
        // A failed attempt waits its backoff.
        let unchanged = tab.s.session_token() == session.as_deref() && now_refresh == refresh;
        if unchanged && tab.s.attempts() == attempts + 1 {
            self.check_backoff(slot, attempts, failure.as_ref());
        }
    }

    fn perform(&mut self, slot: usize, effect: Effect) {
        let inc = self.tabs[slot].inc;
        match effect {
            Effect::Send(request) => {
                let path = request
                    .url
                    .trim_start_matches("https://api.test")
                    .to_string();
                let token = request
                    .headers
                    .iter()
                    .find(|(name, _)| *name == "Authorization")
                    .and_then(|(_, v)| v.split_once(':').map(|(_, t)| t.to_string()));
                if path == "/v1/auth/refresh"
                    && self.p.activity
                    && self.p.next_refresh_seconds.is_some()
                    && token.as_ref().is_some_and(|t| !self.credited.contains(t))
                    && self.tabs[slot].user_refreshes.is_empty()
                {
                    self.fail("an idle session was refreshed without activity");
                }
                if path == "/v1/auth/refresh" {
                    // Never a tight loop: an attempt the user did not ask for comes at least
                    // 1 s after this tab's last one.
                    let last = self.tabs[slot].refresh_sends.last().copied();
                    let automatic = self.tabs[slot].user_refreshes.is_empty();
                    if let (Some(last), true) = (last, automatic) {
                        if self.now - last < 1_000.0 - 1e-6 {
                            self.fail(&format!(
                                "tab{slot}: refresh attempts {:.0} ms apart",
                                self.now - last
                            ));
                        }
                    }
                    self.tabs[slot].refresh_sends.push(self.now);
                    self.tabs[slot].loop_sends.push(self.now);
                    self.refreshes += 1;
                }
                // Every request that presents the refresh token takes the cycle's turn.
                let turn = !path.ends_with("/logout") && !path.ends_with("/logoutall");
                if let (true, true, Some(token)) = (turn, self.p.cross_tab, token.as_deref()) {
                    let name = lock_name(PROJECT, PREFIX, token);
                    if let Some(&holder) = self.locks.held.get(&name) {
                        if (holder.0, holder.1) != (slot, inc) {
                            // Going around a lock is allowed only when its holder cannot
                            // answer: asleep or frozen (now, or within the bounded wait that
                            // ran out: a holder that wakes as the wait ends is a race no
                            // timeout can close), or not this package (an outsider).
                            // Duplicates are excused from here on.
                            let bound = 2.0 * (self.p.timeout_ms + 1_000.0);
                            let now = self.now;
                            let silent = holder == OUTSIDER
                                || self.tabs.get(holder.0).is_none_or(|t| {
                                    t.inc != holder.1
                                        || !t.alive
                                        || t.asleep
                                        || t.frozen
                                        || now - t.awake_since < bound
                                });
                            if !silent {
                                self.fail(&format!(
                                    "tab{slot} went around the lock of tab{}, which is awake",
                                    holder.0
                                ));
                            }
                            self.log("  goes on without the lock".into());
                            excuse(&mut self.excused, Some(token));
                        }
                    }
                }
                self.log(format!(
                    "  send #{} {path} token={}",
                    request.id,
                    short(token.as_deref())
                ));
                self.reqs.push(Req {
                    tab: slot,
                    inc,
                    id: request.id,
                    path,
                    token,
                    answer: None,
                    expect: request.expect,
                    rotated: false,
                    issued: None,
                    retry_after_until: None,
                    aborted: false,
                    lost: false,
                    done: false,
                    sent: self.now,
                    status: None,
                    served_at: None,
                });
                let req = self.reqs.len() - 1;
                if !self.online {
                    if self.reqs[req].path.starts_with("/v1/auth/logout") {
                        self.revoke_lost = true;
                    }
                    self.reqs[req].answer =
                        Some(Err(SessionError::new(ErrorCode::Network, "offline")));
                    self.schedule(1.0, Ev::Answer { req });
                } else {
                    let up = match self.fixed_latency(req) {
                        Some(fixed) => fixed,
                        None => self.rng.unit() * self.p.max_latency_ms,
                    };
                    self.schedule(up, Ev::Arrive { req });
                }
            }
            Effect::Abort(id) => {
                if let Some(r) = self
                    .reqs
                    .iter_mut()
                    .find(|r| r.tab == slot && r.inc == inc && r.id == id)
                {
                    r.aborted = true;
                    // The server may have rotated already: that answer is lost (a timeout after
                    // the server handled the request, which no client can tell apart).
                    if r.rotated {
                        excuse(&mut self.excused, r.token.as_deref());
                    }
                }
            }
            Effect::Timer(at) => {
                let tab = &mut self.tabs[slot];
                tab.timer = at;
                tab.timer_gen += 1;
                let gen = tab.timer_gen;
                if let Some(at) = at {
                    assert!(at.is_finite(), "a timer at {at}");
                    let after = at - self.now;
                    self.schedule(
                        after,
                        Ev::Timer {
                            tab: slot,
                            inc,
                            gen,
                        },
                    );
                }
            }
            Effect::Set(key, value) => {
                if self.storage_full {
                    // Quota exceeded, private browsing: the write throws.
                    self.log(format!("  storage refuses {key}"));
                    self.last_chaos = self.now;
                    self.reports.push(Input::StorageRefused(key));
                    return;
                }
                self.store_mut(slot).insert(key, value);
                self.storage_changed(slot);
            }
            Effect::Shared(key, value) => {
                match value {
                    Some(value) => self.local.insert(key, value),
                    None => self.local.remove(&key),
                };
                self.storage_changed_shared(slot);
            }
            Effect::Remove(key) => {
                if self.store_mut(slot).remove(&key).is_some() {
                    self.storage_changed(slot);
                }
            }
            Effect::Cookie(text) => {
                if std::env::var_os("SIM_SEED").is_some() {
                    self.log(format!(
                        "  cookie {}",
                        &text[..text.find(';').unwrap_or(text.len())]
                    ));
                }
                self.jar.write(self.now, &text);
            }
            Effect::PutCookie(put) => {
                let refused = self.rng.chance(self.p.p_cookie_refused);
                let kept = !refused
                    && self.jar.write(self.now, &put.text)
                    && self
                        .jar
                        .read(self.now, self.p.page_path)
                        .split("; ")
                        .any(|c| c == [put.name.as_str(), "=", &put.value].concat());
                if refused {
                    self.log(format!("  the browser refuses cookie {}", put.name));
                }
                self.reports.push(Input::Cookie {
                    kind: put.kind,
                    kept,
                });
            }
            Effect::Post(message) => {
                if !self.p.cross_tab || !self.tabs[slot].s.config().cross_tab {
                    self.fail(&format!(
                        "a tab without crossTab posted a message: {}",
                        message.split('\n').next().unwrap_or("")
                    ));
                }
                if self.script.as_ref().is_some_and(|s| s.no_channel) {
                    // No BroadcastChannel: the message goes nowhere.
                    return;
                }
                for other in 0..self.tabs.len() {
                    // A tab without crossTab opened no channel.
                    if other == slot
                        || !self.tabs[other].alive
                        || !self.tabs[other].s.config().cross_tab
                    {
                        continue;
                    }
                    // In order per sender, reordered between senders.
                    let delay = if self.script.is_some() {
                        self.p.max_message_delay_ms
                    } else {
                        self.rng.unit() * self.p.max_message_delay_ms
                    };
                    let last = self.tabs[other]
                        .channel_clock
                        .get(&slot)
                        .copied()
                        .unwrap_or(0.0);
                    let at = (self.now + delay).max(last);
                    self.tabs[other].channel_clock.insert(slot, at);
                    let other_inc = self.tabs[other].inc;
                    self.schedule(
                        at - self.now,
                        Ev::Deliver {
                            tab: other,
                            inc: other_inc,
                            input: Input::Message(message.clone()),
                        },
                    );
                }
            }
            Effect::Lock(id, name) => {
                let grant = if self.p.locks_denied {
                    // The browser refuses Web Locks (blocked site data): the request rejects.
                    Grant::Denied
                } else if self.locks.request(&name, (slot, inc, id)) {
                    Grant::Granted
                } else {
                    Grant::Busy
                };
                self.schedule(
                    0.1,
                    Ev::Deliver {
                        tab: slot,
                        inc,
                        input: Input::Lock(id, grant),
                    },
                );
            }
            Effect::Unlock(id) => self.locks.release((slot, inc, id)),
            Effect::Emit(event) => self.event(slot, event),
            Effect::Settle(id, result) => {
                self.tabs[slot].user_refreshes.remove(&id);
                if self.script.is_some() {
                    let t = self.t();
                    self.log(format!(
                        "  settles call {id}: {}",
                        match &result {
                            Ok(_) => "ok".to_string(),
                            Err(e) => e
                                .status
                                .map_or(e.code.as_str().to_string(), |s| s.to_string()),
                        }
                    ));
                    self.tabs[slot].settled.insert(id, (t, result));
                }
            }
        }
    }

    fn store_mut(&mut self, slot: usize) -> &mut BTreeMap<String, String> {
        if shared(self.p.persist) {
            &mut self.local
        } else {
            &mut self.tabs[slot].own
        }
    }

    /// A write to localStorage itself (the shared indicator keys), whatever `persist` says:
    /// other tabs get a storage event only where they watch localStorage.
    fn storage_changed_shared(&mut self, slot: usize) {
        if shared(self.p.persist) {
            self.storage_changed(slot);
        }
    }

    fn storage_changed(&mut self, slot: usize) {
        if !shared(self.p.persist) || !self.p.cross_tab {
            return;
        }
        for other in 0..self.tabs.len() {
            // A tab without crossTab does not listen to storage events.
            if other != slot && self.tabs[other].alive && self.tabs[other].s.config().cross_tab {
                let inc = self.tabs[other].inc;
                let delay = if self.script.is_some() {
                    1.0
                } else {
                    self.rng.unit() * 5.0
                };
                self.schedule(
                    delay,
                    Ev::Deliver {
                        tab: other,
                        inc,
                        input: Input::StorageChanged,
                    },
                );
            }
        }
    }

    /// Every event fires once per change, in order: never the same value twice in a row, and
    /// always the value that holds after the input.
    fn event(&mut self, slot: usize, event: Event) {
        let t = self.t();
        let tab = &mut self.tabs[slot];
        if self.script.is_some() {
            tab.events.push((t, event.clone()));
        }
        match event {
            Event::Token(token) => {
                if tab.last_token.as_ref() == Some(&token) {
                    self.fail(&format!(
                        "tab{slot}: the token event fired twice with the same value"
                    ));
                }
                tab.last_token = Some(token);
            }
            Event::Auth(auth) => {
                if tab.last_auth == Some(auth) {
                    self.fail(&format!(
                        "tab{slot}: isAuthenticated fired {auth} twice in a row"
                    ));
                }
                tab.last_auth = Some(auth);
            }
            Event::User(_) | Event::RefreshError(_) => {}
        }
    }

    fn check_tab(&mut self, slot: usize) {
        let now = self.now;
        let tab = &self.tabs[slot];
        if !tab.alive || tab.asleep {
            return;
        }
        if tab.disposed {
            if tab.s.next_refresh_at().is_some() || tab.s.pending().0 > 0 {
                self.fail(&format!("tab{slot} plans work after dispose()"));
            }
            return;
        }
        let token = tab.s.session_token().map(String::from);
        let emitted = tab.last_token.clone().unwrap_or(token.clone());
        if emitted != token {
            self.fail(&format!(
                "tab{slot}: the last token event is not the token held"
            ));
        }
        let auth = tab.s.is_authenticated(now);
        if let Some(last) = tab.last_auth {
            // At the instant of expiry the timer may be due in this same millisecond.
            let exp = tab.s.expires_at().unwrap_or(f64::MAX);
            if last != auth && !(last && now >= exp) {
                self.fail(&format!(
                    "tab{slot}: the last isAuthenticated event is {last}, the state {auth}"
                ));
            }
        }
        if let Some(next) = tab.s.next_refresh_at() {
            if !next.is_finite() {
                self.fail(&format!("tab{slot}: nextRefreshAt {next}"));
            }
            // Never later than the contract allows: nextRefreshSeconds, else 20 s before
            // expiry (backoff may wait up to 60 s, and Retry-After is honoured).
            // A tab that never saw a response (a session cookie only) goes by the expiry.
            if let Some(exp) = tab.s.expires_at() {
                let by = self
                    .p
                    .next_refresh_seconds
                    .map_or(exp - 20_000.0, |s| (now + s * 1000.0).max(exp - 20_000.0));
                // Backoff waits at most 60 s (+ jitter), also past the expiry.
                if next > by.max(now) + 70_000.0 {
                    self.fail(&format!(
                        "tab{slot}: refresh planned {:.0} ms ahead",
                        next - now
                    ));
                }
            }
        }
        // Never in a tight loop: at most 3 refresh requests from a tab within a second that the
        // user did not ask for.
        let sends = &tab.loop_sends;
        if sends.len() >= 4 && sends[sends.len() - 1] - sends[sends.len() - 4] < 1_000.0 {
            self.fail(&format!("tab{slot}: refresh requests in a tight loop"));
        }
        let (_, requests, holds) = tab.s.pending();
        if requests > 64 || holds > 64 {
            self.fail(&format!(
                "tab{slot}: {requests} requests, {holds} locks held"
            ));
        }
    }

    // ---- the server ---------------------------------------------------------------------

    fn arrive(&mut self, req: usize) {
        if self.script.is_some() {
            self.arrive_scripted(req);
            return;
        }
        let path = self.reqs[req].path.clone();
        let token = self.reqs[req].token.clone();
        if path == "/v1/auth/refresh" && !self.reqs[req].aborted {
            let from = (self.reqs[req].tab, self.reqs[req].inc);
            // The tab told waits it out, and with crossTab (and Web Locks) every tab while that
            // tab keeps the turn: once it is closed or reloaded, its lock is free and nothing
            // remembers the wait for a page that opens next (storage may be per tab).
            let sent = self.reqs[req].sent;
            let tabs = &self.tabs;
            let bound = |(_, tab, inc, read): &(f64, usize, u32, f64)| {
                let holder_alive = tabs[*tab].alive && tabs[*tab].inc == *inc;
                sent >= *read
                    && ((*tab, *inc) == from
                        || (self.p.cross_tab && !self.p.locks_denied && holder_alive))
            };
            // (A token the server no longer takes has nothing to wait for.)
            if let Some((until, ..)) = token
                .as_ref()
                .filter(|t| self.server.active(t))
                .and_then(|t| self.not_before.get(t))
                .filter(|nb| bound(nb))
            {
                if self.now < *until {
                    self.fail(&format!(
                        "a refresh came {:.0} ms before the Retry-After the server gave",
                        until - self.now
                    ));
                }
            }
        }
        let t = self.t();
        let down = self
            .p
            .outage
            .is_some_and(|(start, len)| t >= start && t < start + len);
        let r = self.rng.unit();
        let p = &self.p;
        let fault = if down {
            Some(Err(SessionError::new(
                ErrorCode::Network,
                "server unreachable",
            )))
        } else if path == "/v1/auth/logout" || path == "/v1/auth/logoutall" {
            None
        } else if r < p.p_5xx {
            Some(Ok(Http::status(503)))
        } else if r < p.p_5xx + p.p_429 {
            let mut limited = Http::refused(429, "E011004", "Too many requests");
            limited.retry_after = Some("2".into());
            // Binding once the tab reads it (an answer it gave up on tells it nothing).
            self.reqs[req].retry_after_until = Some(self.now + 2_000.0);
            Some(Ok(limited))
        } else if r < p.p_5xx + p.p_429 + p.p_network {
            Some(Err(SessionError::new(ErrorCode::Network, "network error")))
        } else if r < p.p_5xx + p.p_429 + p.p_network + p.p_garbage {
            // A broken proxy answers instead of the server: cut short, not JSON, or the wrong
            // shape.
            let mut broken = match self.rng.below(3) {
                0 => Http::ok(json!({"sessionJwt": 5, "refreshJwt": ["x"]})),
                1 => Http::ok(json!(["not", "an", "object"])),
                _ => Http::ok(Json::Null),
            };
            broken.garbled = broken.body.is_null();
            Some(Ok(broken))
        } else {
            None
        };
        if fault.is_some() {
            self.last_chaos = self.now;
        }
        let answer = match fault {
            Some(answer) => answer,
            None => self.serve(req),
        };
        self.respond(req, answer, 0.0);
    }

    /// A scripted world's request reaches the server: a fault forced on its path is taken now
    /// and may hold it back, as the devserver's faults do.
    fn arrive_scripted(&mut self, req: usize) {
        let path = self.reqs[req].path.clone();
        let fault = self
            .script
            .as_mut()
            .and_then(|s| s.faults.get_mut(&path))
            .and_then(VecDeque::pop_front);
        match fault {
            Some(fault) if fault.delay_ms > 0.0 => {
                self.log(format!(
                    "  server holds #{} {path} back for {:.0} ms",
                    self.reqs[req].id, fault.delay_ms
                ));
                let after = fault.delay_ms;
                let fault = Fault {
                    delay_ms: 0.0,
                    ..fault
                };
                self.schedule(after, Ev::Serve { req, fault });
            }
            Some(fault) => self.serve_forced(req, fault),
            None => {
                let answer = self.serve(req);
                self.respond(req, answer, 0.0);
            }
        }
    }

    fn serve_forced(&mut self, req: usize, fault: Fault) {
        let answer = match fault.answer() {
            Some(answer) => answer,
            None => self.serve(req),
        };
        self.respond(req, answer, fault.slow_answer_ms);
    }

    /// The server handles a request (the invariants about what it sees are checked here).
    fn serve(&mut self, req: usize) -> Result<Http, SessionError> {
        let path = self.reqs[req].path.clone();
        let token = self.reqs[req].token.clone();
        // Concurrent requests for one refresh token from two tabs. A request of a tab closed
        // mid-refresh is sent by the browser with nobody waiting for it (its lock went with the
        // tab): not a second refresh.
        // (Without Web Locks the tabs cannot take turns: the contract asks only that nothing
        // stalls.)
        if path == "/v1/auth/refresh"
            && token.is_some()
            && !self.reqs[req].aborted
            && self.p.cross_tab
            && !self.p.locks_denied
            && !excused(&self.excused, token.as_deref())
            && !self.logged_out
        {
            let busy = self.reqs.iter().enumerate().any(|(i, o)| {
                i != req
                    && o.path == path
                    && o.token == token
                    && o.tab != self.reqs[req].tab
                    && !o.done
                    && o.answer.is_some()
                    && !o.aborted
            });
            if busy {
                self.fail("two tabs had a refresh for the same token in flight");
            }
        }
        let (answer, outcome) = self.server.handle(self.now, &path, token.as_deref());
        if path.ends_with("/logout") || path.ends_with("/logoutall") {
            // A logout the user asked for may reach the server after a new sign-in
            // (logout-all ends that one too): the session ended on purpose.
            if !self.server.current_alive() {
                self.ended = true;
            }
        }
        match outcome {
            Outcome::Reuse { presented } => {
                self.log(format!("  server: reuse of {}", short(Some(&presented))));
                // A request of a tab closed mid-refresh races its successor: the
                // browser sent it, nobody waits for it.
                // A logout presenting a token rotated meanwhile revokes the family,
                // as a logout does.
                let orphan = self.reqs[req].aborted || path.contains("/logout");
                if self.p.cross_tab
                    && !self.p.locks_denied
                    && !excused(&self.excused, token.as_deref())
                    && !self.logged_out
                    && !orphan
                {
                    self.fail("the server saw a rotated refresh token again (reuse)");
                }
                self.ended = true;
            }
            Outcome::Rotated { issued, .. } => {
                self.reqs[req].rotated = true;
                self.reqs[req].issued = issued.clone();
                if self.reqs[req].aborted {
                    // The client gave up before the server rotated: a lost answer.
                    excuse(&mut self.excused, token.as_deref());
                    self.unread.extend(issued.clone());
                }
                if self.script.is_none() && self.rng.chance(self.p.p_lost) {
                    // Handled, but the answer never comes back.
                    self.reqs[req].lost = true;
                    excuse(&mut self.excused, token.as_deref());
                    self.unread.extend(issued);
                    self.last_chaos = self.now;
                }
            }
            _ => {}
        }
        Ok(answer)
    }

    /// The answer of a request is decided: it travels back (`slower`: extra ms).
    fn respond(&mut self, req: usize, answer: Result<Http, SessionError>, slower: f64) {
        let path = &self.reqs[req].path;
        if path.starts_with("/v1/auth/logout") && answer.is_err() {
            self.revoke_lost = true;
        }
        if let (Ok(http), Some(token)) = (&answer, &self.reqs[req].token) {
            if matches!(http.status, 400 | 401 | 403) && self.server.active(token) {
                self.refused.insert(token.clone());
            }
        }
        let status = match &answer {
            Ok(http) => http.status.to_string(),
            Err(e) => e.code.as_str().to_string(),
        };
        self.log(format!(
            "  server #{} {} → {status}",
            self.reqs[req].id, self.reqs[req].path
        ));
        self.reqs[req].answer = Some(answer);
        self.reqs[req].status = Some(status);
        self.reqs[req].served_at = Some(self.t());
        let lost = self.reqs[req].lost;
        if !lost {
            let down = match self.fixed_latency(req) {
                Some(fixed) => fixed + slower,
                None => self.rng.unit() * self.p.max_latency_ms,
            };
            self.schedule(down, Ev::Answer { req });
        }
    }

    /// A scripted world's one-way latency for a request.
    fn fixed_latency(&self, req: usize) -> Option<f64> {
        let script = self.script.as_ref()?;
        let path = &self.reqs[req].path;
        Some(
            script
                .latency
                .get(path)
                .copied()
                .unwrap_or(self.p.max_latency_ms),
        )
    }

    fn answer(&mut self, req: usize) {
        let r = &mut self.reqs[req];
        r.done = true;
        if r.aborted {
            if r.rotated {
                // A rotation whose answer nobody takes: the token presented is now stale.
                excuse(&mut self.excused, r.token.as_deref());
                let issued = r.issued.clone();
                self.unread.extend(issued);
            }
            return;
        }
        let (tab, inc, id, expect, rotated) = (r.tab, r.inc, r.id, r.expect, r.rotated);
        let token = r.token.clone();
        let issued = r.issued.clone();
        let answer = r
            .answer
            .take()
            .unwrap_or(Err(SessionError::new(ErrorCode::Network, "x")));
        if self.tabs[tab].inc != inc || !self.tabs[tab].alive {
            if rotated {
                excuse(&mut self.excused, token.as_deref());
                self.unread.extend(issued);
            }
            return;
        }
        if let Ok(http) = &answer {
            self.check_hook_view(tab, http);
        }
        if let (Some(until), Some(token), true) = (
            self.reqs[req].retry_after_until,
            token.clone(),
            self.reqs[req].path == "/v1/auth/refresh",
        ) {
            self.not_before.insert(token, (until, tab, inc, self.now));
        }
        // Read by the package's own decoder, as the browser shell reads it.
        let now = self.now;
        let reply = answer.and_then(|http| http.decode(expect, now));
        let answered = match &reply {
            Ok(Reply::Jwt(r)) => r.fields.session_jwt.clone(),
            _ => None,
        };
        self.feed(tab, Input::Answer(id, reply));
        if answered.is_some() && self.tabs[tab].s.session_token() == answered.as_deref() {
            self.check_planned(tab);
        }
    }

    /// What `hooks.afterRequest` is shown of an answer (the core computes it) holds no token:
    /// none the tab holds, none the server ever issued, no token member at any depth.
    fn check_hook_view(&mut self, slot: usize, http: &Http) {
        let mut secrets: Vec<String> = self.server.tokens.keys().cloned().collect();
        secrets.extend(self.tabs[slot].s.session_token().map(String::from));
        secrets.extend(self.tabs[slot].s.refresh_token().map(String::from));
        for key in ["sessionJwt", "refreshJwt"] {
            secrets.extend(http.body.get(key).and_then(Json::as_str).map(String::from));
        }
        let shell: Vec<&str> = [
            self.tabs[slot].s.session_token(),
            self.tabs[slot].s.refresh_token(),
            http.body.get("sessionJwt").and_then(Json::as_str),
            http.body.get("refreshJwt").and_then(Json::as_str),
        ]
        .into_iter()
        .flatten()
        .collect();
        let Some(view) = hooks::shown(&http.body, &shell) else {
            return;
        };
        let mut stack = vec![&view];
        while let Some(tree) = stack.pop() {
            match tree {
                hooks::Tree::Str(text) if secrets.contains(text) || text.starts_with("TD") => {
                    self.fail(&format!("a hook would see the token {}", short(Some(text))));
                }
                hooks::Tree::List(items) => stack.extend(items),
                hooks::Tree::Map(members) => {
                    for (key, value) in members {
                        if hooks::TOKEN_FIELDS.contains(&key.as_str()) {
                            self.fail(&format!("a hook would see the member {key}"));
                        }
                        stack.push(value);
                    }
                }
                _ => {}
            }
        }
    }

    /// After new tokens the refresh is planned as the contract says: at `nextRefreshSeconds`
    /// when > 0, else 20 s before the session expires; never sooner than 1 s.
    fn check_planned(&mut self, slot: usize) {
        let now = self.now;
        let Some(next) = self.tabs[slot].s.next_refresh_at() else {
            return;
        };
        let due = match self.p.next_refresh_seconds.filter(|s| *s > 0.0) {
            Some(seconds) => now + seconds * 1_000.0,
            None => match self.tabs[slot].s.expires_at() {
                Some(exp) => exp - 20_000.0,
                None => return,
            },
        };
        let due = due.max(now + 1_000.0);
        if (next - due).abs() > 1.0 {
            self.fail(&format!(
                "tab{slot}: refresh planned {:.0} ms ahead, the contract says {:.0}",
                next - now,
                due - now
            ));
        }
    }

    /// After a failed attempt the next one waits the backoff of that attempt (about 1 s
    /// doubling, jittered ±25 %, at most 60 s), or the `Retry-After` of a 429 (+10 %).
    fn check_backoff(&mut self, slot: usize, attempt: u32, failure: Option<&SessionError>) {
        let now = self.now;
        let Some(next) = self.tabs[slot].s.next_refresh_at() else {
            return;
        };
        let wait = next - now;
        let (low, high) =
            match failure.and_then(|e| e.retry_after.filter(|_| e.status == Some(429))) {
                Some(seconds) => {
                    let ms = (seconds * 1_000.0).max(1_000.0);
                    (ms, ms * 1.1)
                }
                None => {
                    let base = 1_000.0 * f64::from(1u32 << attempt.min(7));
                    (
                        (base * 0.75).clamp(1_000.0, 60_000.0),
                        (base * 1.25).clamp(1_000.0, 60_000.0),
                    )
                }
            };
        if wait < low - 1.0 || wait > high + 1.0 {
            self.fail(&format!(
                "tab{slot}: after failed attempt {} the next waits {wait:.0} ms, not {low:.0}–{high:.0}",
                attempt + 1
            ));
        }
    }

    // ---- user actions and chaos -----------------------------------------------------------

    /// The user signs in in this tab (a new session family on the server).
    pub fn sign_in(&mut self, slot: usize) {
        self.check_logout_settled();
        let (reply, _) = self.server.sign_in(self.now);
        self.signed_in = true;
        self.logged_out = false;
        self.ended = false;

        self.log(format!("t={:.0} tab{slot}: user signs in", self.t()));
        self.feed(slot, Input::Apply(Box::new(reply)));
        self.check_planned(slot);
    }

    /// A tab the user can act in: open and awake.
    fn live_tab(&mut self) -> Option<usize> {
        let live: Vec<usize> = (0..self.tabs.len())
            .filter(|&i| self.tabs[i].alive && !self.tabs[i].asleep)
            .collect();
        (!live.is_empty()).then(|| live[self.rng.below(live.len())])
    }

    fn action(&mut self) {
        let chaos = self.now < START + self.p.chaos_ms;
        if chaos {
            let after = self.rng.unit() * 2.0 * self.p.action_every_ms;
            self.schedule(after, Ev::Action);
        } else {
            return;
        }
        let Some(slot) = self.live_tab() else {
            self.open_tab(None);
            return;
        };
        self.last_chaos = self.now;
        let roll = self.rng.below(100);
        let p = self.p.clone();
        match roll {
            0..=9 if p.logouts => {
                let call = if self.rng.chance(0.8) {
                    Call::Logout
                } else {
                    Call::LogoutAll
                };
                if self.rng.chance(0.3) {
                    // The logout comes while a refresh is in flight.
                    self.user_call(slot, Call::Refresh);
                    let inc = self.tabs[slot].inc;
                    let after = self.rng.unit() * 2.0 * self.p.max_latency_ms;
                    self.schedule(
                        after,
                        Ev::Logout {
                            tab: slot,
                            inc,
                            call,
                        },
                    );
                    return;
                }
                self.logged_out = true;
                self.ended = true;
                self.user_call(slot, call);
            }
            10..=19 if p.logouts || !self.signed_in || self.logged_out => {
                if self.logged_out || self.ended || self.rng.chance(0.2) {
                    self.sign_in(slot);
                }
            }
            20..=34 if p.sleeps => {
                let inc = self.tabs[slot].inc;
                if !self.tabs[slot].asleep {
                    self.tabs[slot].asleep = true;
                    let nap = self.rng.unit() * 120_000.0;
                    self.log(format!(
                        "t={:.0} tab{slot}: sleeps for {nap:.0} ms",
                        self.t()
                    ));
                    self.schedule(nap, Ev::Wake { tab: slot, inc });
                }
            }
            35..=44 if p.reloads => {
                self.log(format!("t={:.0} tab{slot}: reload", self.t()));
                self.close_tab(slot, true);
                self.open_tab(Some(slot));
            }
            45..=49 if p.reloads && self.tabs.iter().filter(|t| t.alive).count() > 1 => {
                self.log(format!("t={:.0} tab{slot}: closed", self.t()));
                self.close_tab(slot, false);
                if self.p.persist != Persist::LocalStorage {
                    // sessionStorage dies with the tab; a new tab only sees cookies.
                    self.tabs[slot].own.clear();
                }
            }
            50..=54 if p.reloads && self.tabs.iter().filter(|t| t.alive).count() < 12 => {
                let slot = self.open_tab(None);
                self.log(format!("t={:.0} tab{slot}: opened", self.t()));
            }
            60..=64 if p.storage_full && !self.storage_full => {
                self.storage_full = true;
                let until = self.rng.unit() * 60_000.0;
                self.log(format!("t={:.0} storage full for {until:.0} ms", self.t()));
                self.schedule(until, Ev::StorageFree);
            }
            55..=64 if p.offline && self.online => {
                self.online = false;
                for i in 0..self.tabs.len() {
                    self.feed(i, Input::Signal(Signal::Offline));
                }
                let back = self.rng.unit() * 90_000.0;
                self.log(format!("t={:.0} offline for {back:.0} ms", self.t()));
                self.schedule(back, Ev::Online);
            }
            65..=79 => self.user_call(slot, Call::Refresh),
            80..=84 => self.user_call(slot, Call::Me),
            85..=89 if p.cross_tab => {
                self.user_call(slot, Call::SelectTenant("{\"tenant\":\"T1\"}".into()))
            }
            95..=99 if p.activity => self.user_active(slot),
            90..=99 => {
                let signal = [Signal::Focus, Signal::Visible, Signal::PageShow][self.rng.below(3)];
                self.page_signal(slot, signal);
            }
            _ => {}
        }
    }

    /// `markUserActive()` in a tab: the tokens the server takes now may be refreshed.
    pub fn user_active(&mut self, slot: usize) {
        self.credit();
        self.log(format!("t={:.0} tab{slot}: user is active", self.t()));
        self.feed(slot, Input::Active);
    }

    /// A page signal; one that finds the session expired may refresh an idle session (the
    /// official SDK refreshes an expired session when the page becomes visible).
    fn page_signal(&mut self, slot: usize, signal: Signal) {
        if !self.tabs[slot].s.is_authenticated(self.now) {
            self.credit();
        }
        self.feed(slot, Input::Signal(signal));
    }

    /// Activity (or a new page, or a call): every refresh token the server issued so far may
    /// be presented by the automatic refresh.
    fn credit(&mut self) {
        let issued: Vec<String> = self.server.tokens.keys().cloned().collect();
        self.credited.extend(issued);
    }

    fn user_call(&mut self, slot: usize, call: Call) {
        self.credit();
        if matches!(call, Call::Logout | Call::LogoutAll) {
            // The session the logout ends: the one this tab holds (with crossTab, every tab's).
            self.logout_family = self.tabs[slot]
                .s
                .refresh_token()
                .and_then(family)
                .filter(|_| self.p.cross_tab);
            self.revoke_lost = false;
        }
        self.tabs[slot].calls += 1;
        let id = self.tabs[slot].calls;
        if matches!(call, Call::Refresh) {
            // Requests the user asks for are not the library looping.
            self.tabs[slot].loop_sends.clear();
            self.tabs[slot].user_refreshes.insert(id);
        }
        self.log(format!("t={:.0} tab{slot}: user calls {call:?}", self.t()));
        self.feed(slot, Input::Call(id, call));
    }

    fn wake(&mut self, slot: usize) {
        self.tabs[slot].asleep = false;
        self.tabs[slot].awake_since = self.now;
        let deferred = std::mem::take(&mut self.tabs[slot].deferred);
        self.log(format!(
            "t={:.0} tab{slot}: wakes ({} inputs waited)",
            self.t(),
            deferred.len()
        ));
        for input in deferred {
            self.feed(slot, input);
        }
        self.page_signal(slot, Signal::Visible);
        // A timer that came due while frozen fires now.
        if let Some(at) = self.tabs[slot].timer {
            if at <= self.now {
                self.feed(slot, Input::Timer);
            }
        }
    }

    // ---- the loop -------------------------------------------------------------------------

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

    /// After a logout settles, no tab, cookie or storage key holds a token.
    fn check_world(&mut self) {
        if !self.logged_out || !self.p.cross_tab || !self.settled() {
            return;
        }
        for (i, tab) in self.tabs.iter().enumerate() {
            if tab.alive && (tab.s.session_token().is_some() || tab.s.refresh_token().is_some()) {
                self.fail(&format!("tab{i} holds a token after the logout settled"));
            }
        }
        let now = self.now;
        if let Some(c) = self.jar.tokens(now).first() {
            self.fail(&format!(
                "cookie {}={} (domain {:?}, path {}) survived the logout",
                c.name,
                short(Some(&c.value)),
                c.domain,
                c.path
            ));
        }
        if let Some(key) = self
            .local
            .keys()
            .find(|k| k.starts_with(PREFIX) || k.as_str() == "DSLI")
        {
            self.fail(&format!("storage key {key} survived the logout"));
        }
        for (i, tab) in self.tabs.iter().enumerate() {
            if tab.alive
                && tab
                    .own
                    .keys()
                    .any(|k| k.ends_with("DS") || k.ends_with("DSR"))
            {
                self.fail(&format!(
                    "tab{i}'s own storage kept a token after the logout"
                ));
            }
        }
    }

    /// No message, storage event or lock grant is on its way and every tab is awake.
    fn settled(&self) -> bool {
        self.tabs
            .iter()
            .all(|t| !t.alive || (!t.asleep && t.deferred.is_empty()))
            && !self
                .queue
                .iter()
                .any(|q| matches!(q.ev, Ev::Deliver { .. } | Ev::Wake { .. }))
    }

    /// Quiet time: no faults, everyone awake and online. Then every tab must converge.
    pub fn calm(&mut self) {
        self.p.p_5xx = 0.0;
        self.p.p_429 = 0.0;
        self.p.p_network = 0.0;
        self.p.p_lost = 0.0;
        self.p.p_garbage = 0.0;
        self.p.p_cookie_refused = 0.0;
        self.p.outage = None;
        self.storage_full = false;
        // No answer slower than its timeout either (a timeout is a fault too).
        self.p.max_latency_ms = self.p.max_latency_ms.min(self.p.timeout_ms / 4.0);
        for slot in 0..self.tabs.len() {
            if self.tabs[slot].alive && self.tabs[slot].asleep {
                self.wake(slot);
            }
        }
        if !self.online {
            self.online = true;
            for i in 0..self.tabs.len() {
                self.page_signal(i, Signal::Online);
            }
        }
        self.last_chaos = self.now;
    }

    /// Once a logout settled (no request of its session in flight), nothing of that session
    /// is left active at the server but what answers no tab read (nobody can revoke those).
    fn check_logout_settled(&mut self) {
        let Some(family) = self
            .logout_family
            .filter(|_| self.logged_out && !self.revoke_lost)
        else {
            return;
        };
        // Also an answer that reached a sleeping tab, which reads it when it wakes.
        let unread = |r: &Req| {
            let tab = &self.tabs[r.tab];
            tab.alive
                && tab.inc == r.inc
                && tab
                    .deferred
                    .iter()
                    .any(|i| matches!(i, Input::Answer(id, _) if *id == r.id))
        };
        let in_flight = self.reqs.iter().any(|r| {
            (!r.done || unread(r))
                && !r.lost
                && r.token.as_deref().and_then(family_of) == Some(family)
        });
        if in_flight {
            return;
        }
        let left: Vec<&String> = self
            .server
            .tokens
            .iter()
            .filter(|(t, e)| {
                e.family == family
                    && e.status == crate::server::Status::Active
                    && !self.unread.contains(*t)
            })
            .map(|(t, _)| t)
            .collect();
        if !left.is_empty() {
            self.fail(&format!(
                "after the logout the server still takes {left:?} of that session"
            ));
        }
    }

    /// After faults stopped for a refresh cycle, every tab holds the same, working tokens
    /// (looked at once no request is in flight and no message on its way).
    pub fn check_converged(&mut self) {
        let until = self.now - START + 60_000.0;
        while self.reqs.iter().any(|r| !r.done && !r.lost) || !self.settled() {
            let before = self.now;
            self.run_one();
            if self.now - START > until || self.queue.is_empty() || self.now < before {
                break;
            }
        }
        let now = self.now;
        self.check_logout_settled();
        // (Without crossTab, or without Web Locks, the tabs cannot take turns: each may hold
        // its own copy.)
        if self.logged_out
            || self.ended
            || !self.signed_in
            || !self.p.cross_tab
            || self.p.locks_denied
        {
            return;
        }
        let live: Vec<usize> = (0..self.tabs.len())
            .filter(|&i| self.tabs[i].alive)
            .collect();
        let holders: Vec<usize> = live
            .iter()
            .copied()
            .filter(|&i| self.tabs[i].s.refresh_token().is_some())
            .collect();
        if holders.is_empty() {
            self.fail("no tab holds the session: it was lost to transient faults");
        }
        // With activity tracking an idle origin rotates nothing, so a tab that opened while
        // the others were frozen may hold only the session cookie until the user returns.
        let compared = if self.p.activity { &holders } else { &live };
        let mut tokens: Vec<(Option<&str>, Option<&str>)> = compared
            .iter()
            .map(|&i| {
                (
                    self.tabs[i].s.session_token(),
                    self.tabs[i].s.refresh_token(),
                )
            })
            .collect();
        tokens.sort();
        tokens.dedup();
        if tokens.len() > 1 {
            self.fail(&format!(
                "the tabs disagree on the tokens after the faults stopped: {} versions",
                tokens.len()
            ));
        }
        if let Some((_, Some(refresh))) = tokens.first() {
            // (Unless the server rotated it and the answer was lost: no client can know.)
            if !self.server.active(refresh) && !self.excused.contains(*refresh) {
                self.fail("the tabs hold a refresh token the server no longer takes");
            }
        }
        for &i in &live {
            // With activity tracking an idle user's session expires by design.
            if !self.p.activity
                && !self.tabs[i].s.is_authenticated(now)
                && self.tabs[i].s.session_token().is_some()
            {
                self.fail(&format!(
                    "tab{i} holds an expired session after the faults stopped"
                ));
            }
        }
    }

    pub fn trace(&self) -> &[String] {
        &self.trace
    }

    // ---- scripting ------------------------------------------------------------------------

    /// Virtual ms since the world began.
    pub fn now(&self) -> f64 {
        self.t()
    }

    /// Runs the world for `ms` of virtual time (the invariants checked after every step).
    pub fn advance(&mut self, ms: f64) {
        let until = self.t() + ms;
        self.run(until);
    }

    /// Runs the world until `done` holds (looked at after every step) or `ms` have passed;
    /// answers the time at which it held.
    pub fn advance_until(&mut self, ms: f64, done: impl Fn(&World) -> bool) -> Option<f64> {
        let until = self.now + ms;
        if done(self) {
            return Some(self.t());
        }
        while let Some(next) = self.queue.peek() {
            if next.at > until {
                break;
            }
            self.run_one();
            if done(self) {
                return Some(self.t());
            }
        }
        self.now = self.now.max(until);
        None
    }

    /// A user's call in a tab; answers its id (see [`World::result`]).
    pub fn call(&mut self, slot: usize, call: Call) -> u32 {
        if matches!(call, Call::Logout | Call::LogoutAll) {
            self.logged_out = true;
            self.ended = true;
        }
        self.user_call(slot, call);
        self.tabs[slot].calls
    }

    /// A page signal in one tab (`visibilitychange`, `focus`, `online`, `pageshow` …).
    pub fn signal(&mut self, slot: usize, signal: Signal) {
        self.log(format!("t={:.0} tab{slot}: signal {signal:?}", self.t()));
        self.page_signal(slot, signal);
    }

    /// The tab is frozen for `ms`: nothing reaches it, its timer does not fire; then it wakes
    /// with what it missed, `Visible`, and its timer when that came due meanwhile.
    pub fn sleep(&mut self, slot: usize, ms: f64) {
        let inc = self.tabs[slot].inc;
        self.tabs[slot].asleep = true;
        self.log(format!(
            "t={:.0} tab{slot}: sleeps for {ms:.0} ms",
            self.t()
        ));
        self.schedule(ms, Ev::Wake { tab: slot, inc });
    }

    /// The tab's timers stop firing while everything else goes on (the wall clock jumps ahead
    /// of the page's timers, as after a machine slept).
    pub fn freeze_timers(&mut self, slot: usize) {
        self.log(format!("t={:.0} tab{slot}: timers frozen", self.t()));
        self.tabs[slot].frozen = true;
    }

    /// The tab's timer fires again (at once when it came due meanwhile).
    pub fn thaw_timers(&mut self, slot: usize) {
        self.log(format!("t={:.0} tab{slot}: timers thawed", self.t()));
        let tab = &mut self.tabs[slot];
        tab.frozen = false;
        tab.awake_since = self.now;
        let (inc, gen) = (tab.inc, tab.timer_gen);
        if let Some(at) = tab.timer {
            let after = at - self.now;
            self.schedule(
                after,
                Ev::Timer {
                    tab: slot,
                    inc,
                    gen,
                },
            );
        }
    }

    /// Reloads a tab: its page goes (locks released, requests abandoned), a new session
    /// starts from storage.
    pub fn reload(&mut self, slot: usize) {
        self.log(format!("t={:.0} tab{slot}: reload", self.t()));
        self.close_tab(slot, true);
        self.open_tab(Some(slot));
    }

    /// Replaces a tab's session with one created with these options merged in (e.g.
    /// `{"crossTab": false, "autoRefresh": false}`), as `dispose()` and a new
    /// `SessionManager` in the same page do. The options stay for later reloads of the slot.
    pub fn recreate_with(&mut self, slot: usize, options: Json) {
        self.log(format!(
            "t={:.0} tab{slot}: recreated with {options}",
            self.t()
        ));
        if let Some(script) = self.script.as_mut() {
            script.options.insert(slot, options);
        }
        self.close_tab(slot, true);
        self.open_tab(Some(slot));
    }

    /// Options merged into the sessions of every tab opened or reloaded from now on.
    pub fn options_for_all(&mut self, options: Json) {
        if let Some(script) = self.script.as_mut() {
            for slot in 0..16 {
                script.options.insert(slot, options.clone());
            }
        }
    }

    /// Opens a new tab; answers its slot.
    pub fn open(&mut self) -> usize {
        let slot = self.open_tab(None);
        self.log(format!("t={:.0} tab{slot}: opened", self.t()));
        slot
    }

    /// Closes a tab (its own storage goes with it, unless it is localStorage).
    pub fn close(&mut self, slot: usize) {
        self.log(format!("t={:.0} tab{slot}: closed", self.t()));
        self.close_tab(slot, false);
        if self.p.persist != Persist::LocalStorage {
            self.tabs[slot].own.clear();
        }
    }

    /// `dispose()` in a tab.
    pub fn dispose(&mut self, slot: usize) {
        self.log(format!("t={:.0} tab{slot}: dispose", self.t()));
        self.tabs[slot].disposed = true;
        self.feed(slot, Input::Dispose);
    }

    /// Forces `fault` on the next `count` requests of `path` (scripted worlds).
    pub fn fault(&mut self, path: &str, count: usize, fault: Fault) {
        if let Some(script) = self.script.as_mut() {
            let queue = script.faults.entry(path.into()).or_default();
            queue.extend(std::iter::repeat_n(fault, count));
        }
    }

    /// A fixed one-way latency for every request of `path` from now on (scripted worlds).
    pub fn latency(&mut self, path: &str, ms: f64) {
        if let Some(script) = self.script.as_mut() {
            script.latency.insert(path.into(), ms);
        }
    }

    /// The browser goes offline: every tab hears `offline`; requests fail at once.
    pub fn offline(&mut self) {
        self.log(format!("t={:.0} offline", self.t()));
        self.online = false;
        for i in 0..self.tabs.len() {
            self.feed(i, Input::Signal(Signal::Offline));
        }
    }

    /// The browser is back online: every tab hears `online`.
    pub fn online(&mut self) {
        self.log(format!("t={:.0} online", self.t()));
        self.online = true;
        for i in 0..self.tabs.len() {
            self.page_signal(i, Signal::Online);
        }
    }

    /// Something outside the tabs (another page of the origin) takes the Web Lock that guards
    /// the refresh cycle of `token` and never releases it. Answers the lock's name.
    pub fn hold_lock_forever(&mut self, token: &str) -> String {
        let name = lock_name(PROJECT, PREFIX, token);
        self.log(format!(
            "t={:.0} an outsider takes the lock of {}",
            self.t(),
            short(Some(token))
        ));
        self.locks.held.insert(name.clone(), OUTSIDER);
        name
    }

    /// Another client of the origin (the official SDK in another tab, or the app) refreshes
    /// the session with the refresh token stored now and writes what it got the way
    /// `@descope/web-js-sdk` does: `<prefix>DSR` in localStorage and the `DS` cookie, without
    /// this package's record. Answers the new refresh token.
    pub fn foreign_rotation(&mut self) -> Option<String> {
        let key = [PREFIX, "DSR"].concat();
        let presented = self.local.get(&key).cloned()?;
        let (answer, _) = self
            .server
            .handle(self.now, "/v1/auth/refresh", Some(&presented));
        let refresh = answer.body.get("refreshJwt")?.as_str()?.to_string();
        let session = answer.body.get("sessionJwt")?.as_str()?.to_string();
        self.log(format!(
            "t={:.0} another client rotates {} to {}",
            self.t(),
            short(Some(&presented)),
            short(Some(&refresh))
        ));
        self.local.insert(key, refresh.clone());
        self.jar
            .write(self.now, &["DS=", &session, "; Path=/"].concat());
        self.storage_changed(usize::MAX);
        Some(refresh)
    }

    /// Whether the outsider still holds the lock `name`.
    pub fn outsider_holds(&self, name: &str) -> bool {
        self.locks.held.get(name) == Some(&OUTSIDER)
    }

    // ---- what the assertions read -------------------------------------------------------

    /// How many tabs were ever opened (slots).
    pub fn slots(&self) -> usize {
        self.tabs.len()
    }

    /// Whether the tab in `slot` is open.
    pub fn is_open(&self, slot: usize) -> bool {
        self.tabs[slot].alive
    }

    pub fn session_token(&self, slot: usize) -> Option<String> {
        self.tabs[slot].s.session_token().map(String::from)
    }

    pub fn refresh_token(&self, slot: usize) -> Option<String> {
        self.tabs[slot].s.refresh_token().map(String::from)
    }

    pub fn is_authenticated(&self, slot: usize) -> bool {
        self.tabs[slot].s.is_authenticated(self.now)
    }

    /// `nextRefreshAt` (ms since the world began).
    pub fn next_refresh_at(&self, slot: usize) -> Option<f64> {
        self.tabs[slot].s.next_refresh_at().map(|at| at - START)
    }

    /// When the tab (since its last reload) sent refresh requests (ms since the world began).
    pub fn refresh_sends(&self, slot: usize) -> Vec<f64> {
        self.tabs[slot]
            .refresh_sends
            .iter()
            .map(|at| at - START)
            .collect()
    }

    /// Every request of `path` any tab sent, in the order they were sent.
    pub fn requests(&self, path: &str) -> Vec<Sent> {
        self.reqs
            .iter()
            .filter(|r| r.path == path)
            .map(|r| Sent {
                slot: r.tab,
                at: r.sent - START,
                token: r.token.clone(),
                status: r.status.clone(),
                served_at: r.served_at,
            })
            .collect()
    }

    /// How many requests were sent, whatever their path.
    pub fn request_count(&self) -> usize {
        self.reqs.len()
    }

    /// The keys under the storage prefix in the store this tab uses.
    pub fn storage_keys(&self, slot: usize) -> Vec<String> {
        let store = if shared(self.p.persist) {
            &self.local
        } else {
            &self.tabs[slot].own
        };
        store
            .keys()
            .filter(|k| k.starts_with(PREFIX))
            .cloned()
            .collect()
    }

    /// The value of `<prefix><suffix>` (e.g. `DSR`) in the store this tab uses.
    pub fn stored(&self, slot: usize, suffix: &str) -> Option<String> {
        let store = if shared(self.p.persist) {
            &self.local
        } else {
            &self.tabs[slot].own
        };
        store.get(&[PREFIX, suffix].concat()).cloned()
    }

    /// Unexpired cookies with a value, as (name, value).
    pub fn token_cookies(&self) -> Vec<(String, String)> {
        self.jar
            .tokens(self.now)
            .into_iter()
            .map(|c| (c.name.clone(), c.value.clone()))
            .collect()
    }

    /// The events the tab (since its last reload) fired, with their time.
    pub fn events(&self, slot: usize) -> &[(f64, Event)] {
        &self.tabs[slot].events
    }

    /// How a call settled (time, result), once it has.
    pub fn result(&self, slot: usize, id: u32) -> Option<&(f64, Result<Value, SessionError>)> {
        self.tabs[slot].settled.get(&id)
    }

    /// Whether the server still takes this refresh token.
    pub fn server_accepts(&self, token: &str) -> bool {
        self.server.active(token)
    }

    /// How many refresh tokens the server still takes.
    pub fn server_active_tokens(&self) -> usize {
        self.server
            .tokens
            .values()
            .filter(|t| t.status == crate::server::Status::Active)
            .count()
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
