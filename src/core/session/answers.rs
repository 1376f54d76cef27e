//! Answers: the acceptance check of rotating answers, storing them, and failures.

use super::*;

impl Session {
    pub(super) fn answer(&mut self, now: f64, env: &dyn Env, id: u32, answer: Result<Reply>) {
        let Some(at) = self.reqs.iter().position(|p| p.id == id) else {
            return;
        };
        let Some(Pending { what, deadline, .. }) = crate::core::take_at(&mut self.reqs, at) else {
            return;
        };
        match what {
            rotate @ What::Rotate { .. } => {
                self.rotation_answered(now, env, id, rotate, deadline, answer)
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
                self.done(id, call, result, Owner::Job);
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
                self.done(id, call, answer.map(|_| Value::Body), Owner::Job);
            }
            What::Plain { call, owner } => self.done(id, call, answer.map(|_| Value::Body), owner),
            What::SignOut { call } => self
                .out
                .push(Effect::Settle(call, answer.map(|_| Value::Undefined))),
            What::Revoke => {}
        }
    }

    /// The answer to a refresh or another rotating call: whether the session it was sent for
    /// is still held decides what [`Session::rotated`] does with it.
    fn rotation_answered(
        &mut self,
        now: f64,
        env: &dyn Env,
        id: u32,
        rotate: What,
        deadline: f64,
        answer: Result<Reply>,
    ) {
        let What::Rotate {
            seq,
            born,
            cleared,
            had,
            presented,
            token,
        } = rotate
        else {
            return;
        };
        // The session the request was sent for is no longer held: a logout (here or
        // in another tab), or another sign-in.
        // Tokens whose record changed meanwhile (taken from cookies without one, ranked by a
        // guess, told again with a newer one) are still the session the request was sent for
        // unless another tab rotated them: the refresh token is spent at the server, so
        // throwing the answer away would leave the tab with a used token (and revoke the only
        // live one, when the answer carries it).
        let attempt = Attempt {
            seq,
            presented,
            token,
            lock: None,
        };
        let learned = !self.rotated_meanwhile(attempt);
        // A logout heard since the request left ends its session only when it came
        // after the session began (a tab that wakes tells old logouts again). A session
        // without its record counts from when the request left.
        let sent = deadline - f64::from(self.cfg.timeout_ms);
        let began = if born > 0.0 { born } else { sent.floor() };
        let ended = (self.st.cleared_at > cleared && self.st.cleared_at >= began)
            || (self.st.meta.born != born && !learned)
            || (had && !self.st.has_session());
        let still = if ended { Still::Ended } else { Still::Held };
        if !ended && self.st.meta.born <= 0.0 && matches!(answer, Ok(Reply::Jwt(_))) {
            // A session taken from cookies without its record was alive when the
            // request left: it ranks from then, so that a logout seen after that ends
            // it however late this answer is read (a frozen tab reads it on waking).
            self.st.meta.born = sent.floor().max(self.st.cleared_at.floor() + 1.0);
        }
        self.rotated(now, env, id, attempt, still, answer)
    }

    /// Settles the call of a request: with its job (releasing the job's turn) when it was a
    /// job's, else on its own. A job ended by a logout has settled its calls already.
    pub(super) fn done(&mut self, id: u32, call: u32, result: Result<Value>, owner: Owner) {
        match self.jobs.first() {
            Some(Job {
                phase: Phase::Sending { req, lock },
                ..
            }) if *req == id => {
                let lock = *lock;
                match self.jobs.first().and_then(|j| j.borrowed) {
                    // The refresh waiting for its retry keeps the cycle's turn: other tabs
                    // wait for it (and for the server's `Retry-After`) as before.
                    Some((until, retry)) => self.hold(lock, until, Some(retry)),
                    None => self.release(lock),
                }
                self.finish(result);
            }
            _ if owner == Owner::Call => self.out.push(Effect::Settle(call, result)),
            _ => {}
        }
    }

    /// The answer of a rotating request: the one acceptance check. After a logout (here or in
    /// another tab) it is thrown away and its new refresh token revoked, so nothing is left
    /// behind; when another tab rotated meanwhile, its tokens win. After `dispose()` it is
    /// still stored and told to the other tabs (never revoked): the next page goes on with it.
    pub(super) fn rotated(
        &mut self,
        now: f64,
        env: &dyn Env,
        id: u32,
        attempt: Attempt,
        still: Still,
        answer: Result<Reply>,
    ) {
        let lock = match self.jobs.first() {
            Some(Job {
                phase: Phase::Sending { req, lock },
                ..
            }) if *req == id => Some(*lock),
            _ => None,
        };
        let ended = still == Still::Ended;
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
            Ok(Reply::Jwt(reply)) => self.rotation_received(now, env, reply, attempt),
            Ok(_) if matches!(self.jobs.first(), Some(j) if matches!(j.kind, JobKind::TryRefresh)) =>
            {
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

    /// A JWT response to the cycle's request, with the cycle's lock: applied and held across
    /// the other tabs' next read, unless a logout or another tab's rotation came first.
    fn rotation_received(
        &mut self,
        now: f64,
        env: &dyn Env,
        reply: Box<JwtReply>,
        attempt: Attempt,
    ) {
        let lock = attempt.lock;
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
        let found = matches!(self.jobs.first(), Some(j) if matches!(j.kind, JobKind::TryRefresh));
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

    /// Whether another tab's rotation (or sign-in) replaced the session since `attempt` left:
    /// the held tokens changed, and not to the same refresh token told with its record.
    pub(super) fn rotated_meanwhile(&self, attempt: Attempt) -> bool {
        self.st.seq != attempt.seq
            && !(attempt.presented && token_hash(self.st.refresh.as_deref()) == attempt.token)
    }

    /// A rotation that arrives after `dispose()`: the server has spent the token presented,
    /// so the new tokens are stored and told to the other tabs, unless a logout came first.
    /// No events fire, no timer is armed, no request starts.
    pub(super) fn store_late(
        &mut self,
        now: f64,
        env: &dyn Env,
        attempt: Attempt,
        answer: Result<Reply>,
    ) {
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
    pub(super) fn failed(&mut self, now: f64, env: &dyn Env, err: SessionError, attempt: Attempt) {
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
                self.shared(LOGGED_IN_KEY, None);
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
        if failure == Failure::Ended {
            self.refused(now, env, err, attempt);
        } else {
            self.retry_later(now, env, err, attempt, failure);
        }
    }

    /// A definitive refusal of the refresh token presented (or of none).
    fn refused(&mut self, now: f64, env: &dyn Env, err: SessionError, attempt: Attempt) {
        let refresh = self.jobs.first().map(|j| &j.kind) == Some(&JobKind::Refresh);
        if !attempt.presented && !self.st.meta.http_only {
            // This tab holds no refresh token (a new tab that only sees the session cookie)
            // and the session is not known to live in an httpOnly cookie: the refusal says
            // nothing about the session the other tabs hold. Keep the session token until it
            // expires and ask them for the tokens.
            self.release(attempt.lock);
            self.st.parked = true;
            if self.cfg.cross_tab {
                self.post(Message::Hello(now));
            }
            self.finish(Err(err));
            return;
        }
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
                    self.clear(now, env, By::ThisTab, born, presented);
                }
                self.finish(Err(err));
            }
        }
    }

    /// A transient failure: the session is kept and the attempt comes again after a backoff
    /// (or the server's `Retry-After`), holding the cycle's turn meanwhile.
    fn retry_later(
        &mut self,
        now: f64,
        env: &dyn Env,
        err: SessionError,
        attempt: Attempt,
        failure: Failure,
    ) {
        let refresh = self.jobs.first().map(|j| &j.kind) == Some(&JobKind::Refresh);
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
                self.post(Message::Turn(at));
            }
        } else {
            self.release(attempt.lock);
        }
        self.finish(Err(err));
    }
}
