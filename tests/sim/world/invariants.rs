//! The invariants, checked after every step: no session lost, no reuse, plans and backoff
//! within the contract, no token in a hook's view, logouts that settle, convergence.

use super::*;

impl World {
    /// What one input did to a tab, checked at the step it happens.
    pub(super) fn check_step(
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

    pub(super) fn check_tab(&mut self, slot: usize) {
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

    /// What `hooks.afterRequest` is shown of an answer (the core computes it) holds no token:
    /// none the tab holds, none the server ever issued, no token member at any depth.
    pub(super) fn check_hook_view(&mut self, slot: usize, http: &Http) {
        let mut secrets: Vec<String> = self.server.tokens.keys().cloned().collect();
        secrets.extend(self.tabs[slot].s.session_token().map(String::from));
        secrets.extend(self.tabs[slot].s.refresh_token().map(String::from));
        for key in ["sessionJwt", "refreshJwt"] {
            secrets.extend(http.body.get(key).and_then(Json::as_str).map(String::from));
        }
        let shell: Vec<String> = [
            self.tabs[slot].s.session_token(),
            self.tabs[slot].s.refresh_token(),
            http.body.get("sessionJwt").and_then(Json::as_str),
            http.body.get("refreshJwt").and_then(Json::as_str),
        ]
        .into_iter()
        .flatten()
        .map(String::from)
        .collect();
        let Some(view) = hooks::shown(&http.body, &shell) else {
            return;
        };
        let mut stack = vec![&view];
        while let Some(value) = stack.pop() {
            match value {
                Json::String(text) if secrets.contains(text) || text.starts_with("TD") => {
                    self.fail(&format!("a hook would see the token {}", short(Some(text))));
                }
                Json::Array(items) => stack.extend(items),
                Json::Object(members) => {
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
    pub(super) fn check_planned(&mut self, slot: usize) {
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
    pub(super) fn check_backoff(
        &mut self,
        slot: usize,
        attempt: u32,
        failure: Option<&SessionError>,
    ) {
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

    /// After a logout settles, no tab, cookie or storage key holds a token.
    pub(super) fn check_world(&mut self) {
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
    pub(super) fn settled(&self) -> bool {
        self.tabs
            .iter()
            .all(|t| !t.alive || (!t.asleep && t.deferred.is_empty()))
            && !self
                .queue
                .iter()
                .any(|q| matches!(q.ev, Ev::Deliver { .. } | Ev::Wake { .. }))
    }

    /// Once a logout settled (no request of its session in flight), nothing of that session
    /// is left active at the server but what answers no tab read (nobody can revoke those).
    pub(super) fn check_logout_settled(&mut self) {
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
}
