//! Ending a session: every token cookie wherever it could be, every key of the package,
//! held locks and waiting calls.

use super::*;

impl Session {
    /// Forgets the session: every token cookie wherever it could be, every key of the
    /// package, held locks and waiting calls. [`By::ThisTab`]: this tab decided it (it tells the
    /// others); else it follows another tab's logout at `at`, and leaves a newer session that
    /// a third tab stored since then alone.
    /// `presented`: the hash of the refresh token the logout presented to the server, told
    /// with it.
    pub(super) fn clear(&mut self, now: f64, env: &dyn Env, by: By, at: f64, presented: u64) {
        let own = by == By::ThisTab;
        // Whole ms, as every tab reads them from messages and storage.
        let at = at.floor().max(self.st.cleared_at);
        // What shared storage holds now may be a newer session than the one that ended: one
        // whose record is newer, or a refresh token this tab neither holds nor wrote under no
        // newer record (a sign-in whose record storage refused, or another client's).
        let newer_stored =
            !own && self.cfg.persist == Persist::LocalStorage && self.stored_after(now, env, at);
        if !newer_stored {
            self.expire_everywhere(env, by, at);
            for suffix in ALL_KEYS {
                self.store_key(suffix, None);
                if own && self.cfg.persist != Persist::LocalStorage {
                    // Tokens another client (the official SDK) keeps in localStorage under
                    // this prefix end with this session too.
                    self.shared(&self.key(suffix), None);
                }
            }
        }
        // The logged-in indicator holds the expiry of the session that wrote it: a follower
        // removes it only when it is not a newer session's (a later sign-in in a third tab).
        let expiry = self.st.expires_at().map_or(0.0, |ms| ms / 1000.0);
        let indicator = self
            .seen(env)
            .shared(LOGGED_IN_KEY)
            .map(|v| crate::core::parse_uint(&v).map_or(0.0, |s| s as f64));
        if own || (!newer_stored && indicator.is_some_and(|s| s <= expiry)) {
            self.shared(LOGGED_IN_KEY, None);
        }
        let seq = self.st.seq.wrapping_add(1);
        self.st = State {
            seq,
            cleared_at: at,
            ..State::default()
        };
        self.drop_jobs();
        // A follower that told the others of this session after the logout (a frozen tab
        // reads an answer before the logout message) tells the logout again: a tab that
        // reloaded since may know of neither.
        if (own || self.told_at >= at) && self.cfg.cross_tab {
            self.post(Message::Logout(at, presented));
        }
        self.changed();
    }

    /// Whether shared storage holds a session that began after a logout at `at`: its record
    /// says so, or (without a newer record) its refresh token is not this tab's.
    fn stored_after(&self, now: f64, env: &dyn Env, at: f64) -> bool {
        let stored = self.load(now, env);
        let newer = |m: &Meta| m.born > at && m.born > self.st.meta.born;
        if stored.meta.as_ref().is_some_and(newer) {
            return true;
        }
        stored
            .refresh
            .is_some_and(|r| self.st.refresh.as_ref() != Some(&r) && !self.st.written.contains(&r))
    }

    /// Expires every token cookie name this page could have, at every place it could be.
    /// A tab that follows another tab's logout ([`By::AnotherTab`]) only expires cookies that hold
    /// tokens of the session that ended: anything else may be a newer session that a third
    /// tab signed in while this one slept (the logging-out tab clears everything it sees).
    pub(super) fn expire_everywhere(&mut self, env: &dyn Env, by: By, at: f64) {
        let own = by == By::ThisTab;
        let meta = &self.st.meta;
        // Borrowed, not cloned: the places below are made from them once.
        let mut names: Vec<&str> = Vec::new();
        let mut recorded: Vec<&CookiePlace> = Vec::new();
        for kind in [Kind::Session, Kind::Refresh] {
            if let Some(place) = place_of(meta, kind) {
                recorded.push(place);
                names.push(&place.name);
            }
            if let Some(name) = self.cookie_config(kind).and_then(|c| c.name.as_deref()) {
                names.push(name);
            }
        }
        for name in &meta.names {
            names.push(name);
        }
        names.push(SESSION_KEY);
        names.push(REFRESH_KEY);
        let seen = self.seen(env);
        let cookies = seen.cookies();
        // A follower's own tokens, what it wrote, and tokens issued before the logout; a
        // token issued after it is a newer sign-in's.
        let ours = |value: &str| {
            self.st.session.as_ref().is_some_and(|t| t.jwt == value)
                || self.st.refresh.as_deref() == Some(value)
                || self.st.written.iter().any(|w| w == value)
                || Self::decode(env, value)
                    .and_then(|t| t.claims.iat)
                    .is_some_and(|iat| iat * 1000.0 <= at)
        };
        // Names that no cookie visible to this page has need no search.
        let mut visible: Vec<&str> = Vec::new();
        for name in names {
            let shown = seen.cookie(&cookies, name);
            if shown.is_some_and(|v| own || ours(v)) && !visible.contains(&name) {
                visible.push(name);
            }
        }
        // Where this tab wrote, also when it is invisible from here (another path); a
        // follower only where it can see that the cookie is its own.
        if !own {
            let mut kept = Vec::new();
            for p in recorded {
                if visible.contains(&p.name.as_str()) {
                    kept.push(p);
                }
            }
            recorded = kept;
        }
        let mut extra: Vec<&str> = Vec::new();
        for place in &recorded {
            extra.push(&place.path);
        }
        let mut places = places::places(&self.page.host, &self.page.path, &visible, &extra);
        for place in recorded {
            if !places.contains(place) {
                places.push(place.clone());
            }
        }
        for place in &places {
            self.expire(place);
        }
    }
}
