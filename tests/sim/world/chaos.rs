//! The chaos: user actions, sign-ins, logouts, sleeps, reloads, offline periods, and the calm
//! that ends them.

use super::*;

impl World {
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
    pub(super) fn live_tab(&mut self) -> Option<usize> {
        let live: Vec<usize> = (0..self.tabs.len())
            .filter(|&i| self.tabs[i].alive && !self.tabs[i].asleep)
            .collect();
        (!live.is_empty()).then(|| live[self.rng.below(live.len())])
    }

    pub(super) fn action(&mut self) {
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
            10..=19
                if (p.logouts || !self.signed_in || self.logged_out)
                    && (self.logged_out || self.ended || self.rng.chance(0.2)) =>
            {
                self.sign_in(slot);
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
            85..=89 if p.cross_tab => self.user_call(slot, Call::SelectTenant("T1".into())),
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
    pub(super) fn page_signal(&mut self, slot: usize, signal: Signal) {
        if !self.tabs[slot].s.is_authenticated(self.now) {
            self.credit();
        }
        self.feed(slot, Input::Signal(signal));
    }

    /// Activity (or a new page, or a call): every refresh token the server issued so far may
    /// be presented by the automatic refresh.
    pub(super) fn credit(&mut self) {
        let issued: Vec<String> = self.server.tokens.keys().cloned().collect();
        self.credited.extend(issued);
    }

    pub(super) fn user_call(&mut self, slot: usize, call: Call) {
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

    pub(super) fn wake(&mut self, slot: usize) {
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
}
