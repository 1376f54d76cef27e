//! Time and page signals: the refresh timer, what is due, wake/online/visibility, and the
//! events of a change.

use super::*;

impl Session {
    pub(super) fn timer(&mut self, now: f64, env: &dyn Env) {
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
        // In place, in order (no second vector, no vector iterator instantiated for holds).
        let mut at = 0;
        while let Some(hold) = self.holds.get(at) {
            if hold.until <= now {
                let lock = hold.lock;
                self.holds.remove(at);
                self.unlock(lock);
            } else {
                at += 1;
            }
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
        self.due(now, Why::Timer);
    }

    /// Starts the automatic refresh when it is due (or, [`Why::Wake`], when a wake-up signal comes
    /// during a backoff wait), at most once per second, never while offline.
    pub(super) fn due(&mut self, now: f64, why: Why) {
        let eager = why == Why::Wake;
        if !self.cfg.auto_refresh || !self.online || !self.st.has_session() {
            return;
        }
        if self.jobs.iter().any(|j| matches!(j.kind, JobKind::Refresh)) {
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

    pub(super) fn signal(&mut self, now: f64, env: &dyn Env, signal: Signal) {
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
        self.due(now, Why::Wake);
    }

    /// Arms the one timer at the earliest deadline.
    pub(super) fn arm(&mut self, now: f64) {
        let mut at: Option<f64> = None;
        let mut add = |t: Option<f64>| {
            if let Some(t) = t.filter(|t| !t.is_nan()) {
                at = Some(at.map_or(t, |a: f64| a.min(t)));
            }
        };
        if !self.disposed {
            let refresh_idle = !self.jobs.iter().any(|j| matches!(j.kind, JobKind::Refresh));
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
    pub(super) fn changed(&mut self) {
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
    pub(super) fn notify(&mut self, now: f64) {
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
