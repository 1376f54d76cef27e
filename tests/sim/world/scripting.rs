//! The scripting API of the fixed scenarios (`scenarios.rs`): driving one world step by step
//! and reading what it holds.

use super::*;

impl World {
    pub fn trace(&self) -> &[String] {
        &self.trace
    }

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
        if let Some(at) = tab.timer {
            self.schedule_timer(slot, at);
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
