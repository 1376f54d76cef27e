//! The rotating jobs and the cross-tab turn: one refresh (or other rotating call) per
//! cycle across tabs, taken with a Web Lock and held across retries and after a rotation.

use super::*;

impl Session {
    pub(super) fn push_job(&mut self, kind: JobKind, call: Option<u32>) {
        if matches!(kind, JobKind::Refresh) {
            if let Some(job) = self
                .jobs
                .iter_mut()
                .find(|j| matches!(j.kind, JobKind::Refresh))
            {
                if let Some(call) = call {
                    job.calls.push(call);
                }
                return;
            }
        }
        let mut calls = Vec::new();
        if let Some(call) = call {
            calls.push(call);
        }
        self.jobs.push(Job {
            kind,
            calls,
            readies: Vec::new(),
            phase: Phase::Queued,
            seq: self.st.seq,
            lock_name: String::new(),
            news: 0.0,
            not_before: 0.0,
            borrowed: None,
        });
    }

    /// Advances the head job as far as it goes without waiting for an input.
    pub(super) fn run(&mut self, now: f64, env: &dyn Env) {
        while let Some(job) = self.jobs.first() {
            if !matches!(job.phase, Phase::Queued) {
                return;
            }
            let is_refresh = matches!(job.kind, JobKind::Refresh);
            let automatic = is_refresh || matches!(job.kind, JobKind::TryRefresh);
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
            if !has_session && head.calls.is_empty() && !matches!(head.kind, JobKind::TryRefresh) {
                self.finish(Err(no_session()));
                continue;
            }
            head.seq = seq;
            head.news = head.news.max(now).max(self.retry_heard);
            if matches!(head.kind, JobKind::Refresh) {
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
    pub(super) fn take_turn(&mut self, now: f64, env: &dyn Env, round: u8) {
        if self.cfg.cross_tab {
            self.request_lock(now, env, round);
        } else {
            self.send_rotating(now, None);
        }
    }

    pub(super) fn request_lock(&mut self, now: f64, env: &dyn Env, round: u8) {
        let lock = self.next_id();
        let name = self.turn_lock();
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
                let Some(hold) = crate::core::take_at(&mut self.holds, at) else {
                    return;
                };
                if let Some(job) = self.jobs.first_mut() {
                    job.phase = Phase::Locking {
                        lock: hold.lock,
                        round,
                        until,
                    };
                    // A refresh is the retry itself; any other job gives the turn back to it.
                    if !matches!(job.kind, JobKind::Refresh) {
                        job.borrowed = hold.retry.map(|retry| (hold.until, retry));
                    }
                }
                self.lock(now, env, hold.lock, Grant::Granted);
            }
            None => self.out.push(Effect::Lock(lock, name)),
        }
    }

    /// The name of the cycle's lock for the tokens held: after the refresh token the cycle
    /// presents (or the session token when the refresh token is an httpOnly cookie), never the
    /// token itself.
    fn turn_lock(&self) -> String {
        let token = self
            .st
            .refresh
            .as_deref()
            .or(self.st.session.as_ref().map(|t| t.jwt.as_str()))
            .unwrap_or("");
        lock_name(&self.cfg.project_id, &self.cfg.prefix, token)
    }

    /// What a job's request is for, its path, body and expected answer: every request of the
    /// session's cycle is built here, where its path is.
    fn job_request(
        &self,
        kind: &JobKind,
        call: u32,
    ) -> (What, &'static str, Option<String>, Expect) {
        let rotate = What::Rotate {
            seq: self.st.seq,
            born: self.st.meta.born,
            cleared: self.st.cleared_at,
            had: self.st.has_session(),
            presented: self.st.refresh.is_some(),
            token: token_hash(self.st.refresh.as_deref()),
        };
        match kind {
            JobKind::Refresh => (
                rotate,
                "/v1/auth/refresh",
                Some("{}".to_owned()),
                Expect::Jwt,
            ),
            JobKind::Select(tenant) => (
                rotate,
                "/v1/auth/tenant/select",
                Some(select_body(tenant)),
                Expect::Jwt,
            ),
            JobKind::TryRefresh => (
                rotate,
                "/v1/auth/try-refresh",
                Some("{}".to_owned()),
                Expect::MaybeJwt,
            ),
            JobKind::Tenants(body) => (
                What::Plain {
                    call,
                    owner: Owner::Job,
                },
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
                What::Plain {
                    call,
                    owner: Owner::Job,
                },
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
        }
    }

    pub(super) fn send_rotating(&mut self, now: f64, lock: Option<u32>) {
        let Some(job) = self.jobs.first() else { return };
        let call = job.calls.first().copied().unwrap_or(0);
        let (what, path, body, expect) = self.job_request(&job.kind, call);
        if matches!(what, What::Rotate { .. }) {
            self.last_attempt = now;
        }
        if lock.is_some() && self.cfg.cross_tab {
            // The tabs waiting for the lock hear that a live tab holds it.
            self.post(Message::Turn(now));
        }
        let refresh = self.st.refresh.clone();
        let req = self.request(now, what, path, refresh.as_deref(), body, expect);
        if let Some(job) = self.jobs.first_mut() {
            job.phase = Phase::Sending { req, lock };
        }
    }

    pub(super) fn locking(&self, id: u32) -> Option<u8> {
        match self.jobs.first() {
            Some(Job {
                phase: Phase::Locking { lock, round, .. },
                ..
            }) if *lock == id => Some(*round),
            _ => None,
        }
    }

    pub(super) fn lock(&mut self, now: f64, env: &dyn Env, id: u32, grant: Grant) {
        let Some(round) = self.locking(id) else {
            // Not (or no longer) the head job's: a grant is released at once.
            if grant == Grant::Granted {
                self.unlock(id);
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
                    self.unlock(id);
                } else if self
                    .jobs
                    .first()
                    .is_some_and(|j| j.lock_name != self.turn_lock())
                {
                    // The tokens changed while the lock was asked for (a tab that woke took
                    // another tab's rotation from what it missed): that lock guards a token
                    // this tab no longer presents. It asks for the one it does.
                    self.unlock(id);
                    self.request_lock(now, env, round);
                } else if now < not_before {
                    // The holder that released the lock (or closed) was backing off: its wait
                    // holds for this tab too.
                    self.unlock(id);
                    self.wait_for_lock(not_before, round);
                } else if self.rotated_elsewhere(now, env) {
                    // The tab that rotated may have closed (releasing its lock) before its
                    // message (or the rest of its write) reached this one: wait for it instead
                    // of presenting a token the server has rotated. Still nothing after the
                    // bounded waits: whoever wrote the stored tokens (the official SDK in
                    // another tab), they are the session now.
                    if round < LOCK_ROUNDS {
                        self.unlock(id);
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
                            _ => self.unlock(id),
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
                    self.post(Message::Ask(now));
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
    pub(super) fn answer_ask(&mut self, now: f64) {
        if let Some(at) = self.turn_held(now) {
            self.post(Message::Turn(at));
        }
    }

    /// When this tab acts next with the cycle's lock it holds: now (a request is out) or its
    /// next attempt (kept across a retry); `None` when it holds no turn.
    pub(super) fn turn_held(&self, now: f64) -> Option<f64> {
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
        let mut at: Option<f64> = None;
        for retry in self.holds.iter().filter_map(|h| h.retry) {
            at = Some(at.map_or(retry, |at| at.max(retry)));
        }
        at
    }

    /// How long a tab waits for the cycle's lock with no news of its holder: two bounded
    /// waits, each longer than a live holder's request may take.
    pub(super) fn lock_bound(&self) -> f64 {
        2.0 * (f64::from(self.cfg.timeout_ms) + 1_000.0)
    }

    pub(super) fn wait_for_lock(&mut self, until: f64, round: u8) {
        if let Some(job) = self.jobs.first_mut() {
            job.phase = Phase::Waiting { until, round };
        }
    }

    /// Another tab holds the cycle's turn and acts at `at` (now, or its next attempt after a
    /// failure): a job waiting for the lock waits for that, and a refresh sends nothing
    /// before it.
    pub(super) fn turn_elsewhere(&mut self, now: f64, at: f64) {
        let at = at.min(now + crate::core::schedule::BACKOFF_MAX_MS * 10.0);
        self.retry_heard = self.retry_heard.max(at);
        let Some(job) = self.jobs.first_mut() else {
            return;
        };
        if !matches!(job.phase, Phase::Locking { .. } | Phase::Waiting { .. }) {
            return;
        }
        job.news = job.news.max(at);
        if matches!(job.kind, JobKind::Refresh) {
            job.not_before = job.not_before.max(at);
        }
    }

    /// The head job found the tokens changed by another tab: a refresh is done; a tenant
    /// select starts over with them.
    pub(super) fn adopted(&mut self) {
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
    pub(super) fn finish(&mut self, result: Result<Value>) {
        if let Some(job) = crate::core::take_first(&mut self.jobs) {
            self.settle_job(&job, result);
        }
    }

    pub(super) fn settle_job(&mut self, job: &Job, result: Result<Value>) {
        // By reference: ids are copied, and no vector iterator is instantiated for them.
        for &call in &job.calls {
            self.out.push(Effect::Settle(call, result.clone()));
        }
        for &ready in &job.readies {
            self.out.push(Effect::Settle(ready, Ok(Value::Undefined)));
        }
    }

    /// Ends every job (logout, dispose): their calls fail, their locks are released, and
    /// answers still to come are checked and revoked as they arrive.
    pub(super) fn drop_jobs(&mut self) {
        // Taken, then walked by reference (no vector iterator instantiated per type).
        let holds = std::mem::take(&mut self.holds);
        for hold in &holds {
            self.unlock(hold.lock);
        }
        let jobs = std::mem::take(&mut self.jobs);
        for job in &jobs {
            if let Phase::Sending {
                lock: Some(lock), ..
            } = job.phase
            {
                self.unlock(lock);
            }
            self.settle_job(job, Err(ended_error()));
        }
    }

    pub(super) fn release(&mut self, lock: Option<u32>) {
        if let Some(lock) = lock {
            self.unlock(lock);
        }
    }

    /// Releases a held lock.
    #[inline(never)]
    pub(super) fn unlock(&mut self, lock: u32) {
        self.out.push(Effect::Unlock(lock));
    }

    /// Tells the other tabs.
    #[inline(never)]
    pub(super) fn post(&mut self, message: Message) {
        self.out.push(Effect::Post(message.encode()));
    }

    /// Keeps the head job's lock until `until` (after a rotation, or across retries).
    pub(super) fn hold(&mut self, lock: Option<u32>, until: f64, retry: Option<f64>) {
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
                if let Some(oldest) = crate::core::take_first(&mut self.holds) {
                    self.unlock(oldest.lock);
                }
            }
        }
    }
}
