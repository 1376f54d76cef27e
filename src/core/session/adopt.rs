//! Taking tokens in: restoring at start-up, applying a response, and adopting what another
//! tab told (a message) or stored (a storage event).

use super::*;

impl Session {
    pub(super) fn restore(&mut self, now: f64, env: &dyn Env) {
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
            self.post(Message::Hello(now));
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
    pub(super) fn apply(
        &mut self,
        now: f64,
        env: &dyn Env,
        reply: &JwtReply,
        origin: Origin,
    ) -> Result<()> {
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
        self.record_cookie_names(fields);
        if reply.user.is_some() {
            self.save_user();
        }
        self.st.meta.idle = fields.next_refresh_seconds.is_some_and(|s| s > 0.0);
        self.save_meta();
        self.keep_what_the_sdk_keeps(fields);
        self.remember_user(env, reply.user.as_deref());
        self.tell(now);
        self.changed();
        Ok(())
    }

    /// The record keeps the cookie names a response gave (the last few), so that a logout
    /// clears them wherever they are.
    fn record_cookie_names(&mut self, fields: &JwtFields) {
        for name in [&fields.session_cookie_name, &fields.cookie_name] {
            let Some(name) = name else { continue };
            let names = &mut self.st.meta.names;
            if is_cookie_name(name) && !names.contains(name) {
                if names.len() >= MAX_NAMES {
                    crate::core::take_first(names);
                }
                names.push(name.clone());
            }
        }
    }

    /// What `@descope/web-js-sdk` keeps next to the tokens: the refresh cookie's name and the
    /// logged-in indicator (the session's expiry, epoch seconds).
    fn keep_what_the_sdk_keeps(&mut self, fields: &JwtFields) {
        match &fields.cookie_name {
            Some(name) if is_short_name(name) => {
                self.st.rcn = Some(name.clone());
                self.store_key(RCN_KEY, Some(name.clone()));
            }
            _ if fields.refresh_jwt.is_some() => {
                self.st.rcn = None;
                self.store_key(RCN_KEY, None);
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
            self.shared(LOGGED_IN_KEY, Some(text));
        }
    }

    /// Keeps the last user's login id and name, as `@descope/web-js-sdk` does (its sign-in
    /// screens offer them), unless `storeLastAuthenticatedUser: false`.
    pub(super) fn remember_user(&mut self, env: &dyn Env, user: Option<&str>) {
        let Some((login_id, name)) = user
            .filter(|_| self.cfg.store_last_user)
            .and_then(|u| env.login(u))
        else {
            return;
        };
        self.shared(LAST_LOGIN_ID_KEY, Some(login_id));
        self.shared(LAST_NAME_KEY, name);
    }

    pub(super) fn tell(&mut self, now: f64) {
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
            self.post(message);
        }
    }

    /// Takes tokens another tab holds (from a message or from shared storage).
    pub(super) fn adopt(
        &mut self,
        session: Box<Token>,
        refresh: Option<String>,
        user: Option<String>,
        meta: Meta,
    ) -> bool {
        let held = self.st.session.as_ref() == Some(&session) && self.st.refresh == refresh;
        if held && self.st.guessed {
            self.rank_learned(meta);
            return false;
        }
        if self.stale(&session, &meta) {
            return false;
        }
        if held {
            self.told_again(user, meta);
            return false;
        }
        let shared = self.cfg.persist == Persist::LocalStorage;
        let st = &mut self.st;
        // The same version, told again: it only fills in what this tab lacks (a new tab that
        // restored a refresh token without its session token). Two copies of one version
        // that disagree on the refresh token come from a rotation without the lock; this tab
        // keeps its own. With one refresh token (the server does not rotate), two tabs that
        // refreshed before hearing of each other hold two valid session tokens: every tab
        // keeps the later issued, so that they agree.
        let later = refresh == st.refresh
            && st
                .session
                .as_ref()
                .is_some_and(|held| issued_after(&session, held));
        let same = st.has_session() && meta.version() == st.meta.version() && !later;
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
            self.keep_a_copy();
        }
        self.changed();
        true
    }

    /// The record of tokens this tab ranked by a guess: where they rank is known now, and so
    /// whether a logout it doubted came after they began.
    fn rank_learned(&mut self, meta: Meta) {
        self.rank_known(meta.born);
        self.st.meta = meta;
    }

    /// The session held is known to have begun at `born` (its record came): no longer ranked
    /// by a guess, and a logout it doubted stands only if it came after that.
    fn rank_known(&mut self, born: f64) {
        if self.st.doubted_logout.is_some_and(|at| at < born) {
            self.st.doubted_logout = None;
        }
        self.st.guessed = false;
    }

    /// Whether tokens told by another tab are older than the session held: from before the
    /// last logout seen, of an older version, or (where the held session ranks by a guess)
    /// issued before it by the server's own clock, whatever their record says.
    fn stale(&self, session: &Token, meta: &Meta) -> bool {
        let st = &self.st;
        let issued = |t: Option<&Token>| t.and_then(|t| t.claims.iat);
        meta.born <= st.cleared_at
            || (st.has_session() && meta.version() < st.meta.version())
            || (st.guessed && issued(Some(session)) < issued(st.session.as_deref()))
    }

    /// The tokens held, told again by another tab: their record is known now, and a user
    /// this tab lacks or holds older comes with them (a sign-in whose user arrived after its
    /// tokens, a `me()` in another tab).
    fn told_again(&mut self, user: Option<String>, meta: Meta) {
        if meta.version() > self.st.meta.version() {
            self.st.meta = meta;
        }
        self.st.guessed = false;
        if user.is_some() && user != self.st.user {
            self.st.user = user;
            if self.cfg.persist != Persist::LocalStorage {
                self.save_user();
            }
        }
    }

    /// With storage of its own, a tab keeps a copy of adopted tokens for a reload (cookies are
    /// the origin's, and were written by the other tab).
    fn keep_a_copy(&mut self) {
        for (kind, suffix) in [(Kind::Session, SESSION_KEY), (Kind::Refresh, REFRESH_KEY)] {
            let token = match kind {
                Kind::Session => self.st.session.as_ref().map(|t| t.jwt.clone()),
                Kind::Refresh => self.st.refresh.clone(),
            };
            let kept = token.filter(|_| place_of(&self.st.meta, kind).is_none());
            self.store_key(suffix, kept);
        }
        self.save_user();
        self.save_meta();
    }

    /// Follows what other tabs stored, where this tab can see it: adopts tokens they rotated
    /// or signed in with, or signs out when they removed the refresh token this tab shares.
    pub(super) fn adopt_stored(&mut self, now: f64, env: &dyn Env, why: Reread) -> Adopt {
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
        let same_session =
            stored.session.as_ref().map(|t| &t.jwt) == self.st.session.as_ref().map(|t| &t.jwt);
        if let Some(presented) = refused {
            return self.adopt_after_refusal(now, stored, presented.as_ref());
        }
        if same_session && stored.refresh == self.st.refresh {
            self.complete_the_write(stored);
            return Adopt::Nothing;
        }
        let held = self.st.refresh.is_some();
        match stored.session {
            Some(theirs) if stored.refresh.is_some() || !held => {
                let guessed = !(local && stored.meta.is_some());
                let Some(meta) = self.rank_of_stored(stored.meta, local) else {
                    return Adopt::Nothing;
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
                self.clear(now, env, By::AnotherTab, at, 0);
                Adopt::LoggedOut
            }
            _ => Adopt::Nothing,
        }
    }

    /// Where stored tokens rank, or `None` for a write still arriving or a stale copy.
    fn rank_of_stored(&self, stored: Option<Meta>, local: bool) -> Option<Meta> {
        match stored {
            // Another tab's write is complete when its record is newer than ours; tokens that
            // changed under an older or equal record are a write still arriving, or a stale
            // copy.
            Some(meta) if local => {
                let stale = self.st.has_session() && meta.version() <= self.st.meta.version();
                (!stale).then_some(meta)
            }
            // No shared record (cookies only, or tokens another library wrote): a rotation of
            // the session held, or a sign-in this tab did not hear of, ranked just after the
            // last logout seen.
            _ if self.st.has_session() => Some(Meta {
                gen: self.st.meta.gen + 1,
                ..self.st.meta.clone()
            }),
            _ => Some(Meta {
                born: self.st.cleared_at.floor() + 1.0,
                ..Meta::default()
            }),
        }
    }

    /// After a refusal: a refresh token other than the refused one, whoever wrote it, is the
    /// session now, ranked after this tab's copy unless its record is newer.
    fn adopt_after_refusal(
        &mut self,
        now: f64,
        stored: Stored,
        presented: Option<&String>,
    ) -> Adopt {
        let local = self.cfg.persist == Persist::LocalStorage;
        let ours = self.st.meta.version();
        match (stored.session, stored.refresh) {
            (Some(theirs), Some(refresh)) if Some(&refresh) != presented => {
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
        }
    }

    /// The same tokens as held, with a newer record (the rest of another tab's write, which
    /// arrives key by key): takes its due time, and the user written with them. Their record
    /// is stored now: where they rank is known.
    fn complete_the_write(&mut self, stored: Stored) {
        let local = self.cfg.persist == Persist::LocalStorage;
        let ours = self.st.meta.version();
        self.st.shown |= stored.refresh.is_some();
        if let Some(meta) = stored.meta.filter(|m| local && m.version() >= ours) {
            self.rank_known(meta.born);
            if meta.version() > ours {
                self.st.meta = meta;
            }
        }
        if local && stored.user.is_some() && stored.user != self.st.user {
            self.st.user = stored.user;
        }
    }

    pub(super) fn message(&mut self, now: f64, env: &dyn Env, message: Message) {
        match message {
            Message::Logout(at, presented) => {
                // A session ranked by a guess may be a later sign-in than the logout (a tab
                // that woke reads storage as it is now, and its messages after): still stored
                // as this tab holds it, the logout was of an older one.
                // A session adopted from storage alone after a logout was ranked by a guess
                // just after it; that logout told again (by the tab whose late answer wrote
                // it) says the guess was wrong, once storage no longer shows that session.
                let anchored = self.st.guessed && at.floor() + 1.0 == self.st.meta.born;
                let ends = at >= self.st.meta.born || anchored;
                let outlived = self.stored_as_held(now, env);
                if outlived && ends {
                    self.st.doubted_logout = Some(at);
                } else if self.st.has_session() && ends {
                    // This tab rotated the tokens after the other tab read them (or that tab
                    // presented none): the server has not heard of the refresh token held
                    // here, which it revokes before forgetting it.
                    if let Some(held) = self.st.refresh.clone() {
                        if token_hash(Some(&held)) != presented {
                            self.send_revoke(now, &held);
                        }
                    }
                    self.clear(now, env, By::AnotherTab, at, presented);
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
                    self.mark_active(now, By::AnotherTab);
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
                        self.post(Message::Logout(at, 0));
                    }
                }
            }
        }
    }
}

/// Whether `a` was issued after `b`: by the server's `iat`, then (issued in the same second, or
/// without one) by the text, an order every tab agrees on.
fn issued_after(a: &Token, b: &Token) -> bool {
    match a.claims.iat.partial_cmp(&b.claims.iat) {
        Some(std::cmp::Ordering::Equal) | None => a.jwt > b.jwt,
        Some(order) => order == std::cmp::Ordering::Greater,
    }
}
