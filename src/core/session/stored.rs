//! Where the session lives: the storage keys and cookies it reads and writes, the stored
//! record, cookie places, and the view of storage as the driver will leave it.

use super::*;

impl Session {
    pub(super) fn key(&self, suffix: &str) -> String {
        key(&self.cfg.prefix, suffix)
    }

    pub(super) fn decode(env: &dyn Env, jwt: &str) -> Option<Box<Token>> {
        let claims = env.claims(&payload_json(jwt).ok()?)?;
        Some(Box::new(Token {
            jwt: jwt.to_owned(),
            claims,
        }))
    }

    pub(super) fn cookie_config(&self, kind: Kind) -> Option<&CookieConfig> {
        match kind {
            Kind::Session => self.cfg.session_cookie.as_ref(),
            Kind::Refresh => self.cfg.refresh_cookie.as_ref(),
        }
    }

    /// Whether this tab holds a session ranked by a guess that cookies or storage still show
    /// as it holds it.
    pub(super) fn stored_as_held(&self, now: f64, env: &dyn Env) -> bool {
        self.st.guessed && {
            let stored = self.load(now, env);
            stored.refresh.is_some() && stored.refresh == self.st.refresh
        }
    }

    /// What the page shares, as it will be once this input's queued writes are performed.
    pub(super) fn seen<'a>(&'a self, env: &'a dyn Env) -> Seen<'a> {
        Seen {
            env,
            out: &self.out,
        }
    }

    /// Reads the session: cookies first (where it was written, the option's name, the
    /// default name), then storage. Values that cannot be tokens are absent.
    pub(super) fn load(&self, now: f64, env: &dyn Env) -> Stored {
        let env = &self.seen(env);
        let meta = env
            .item(&self.key(META_KEY))
            .and_then(|text| Meta::decode(&text, now));
        let cookies = env.cookies();
        // Where each token's cookie could be: where it was written, the option's name. A
        // name the other token uses is never read for this one (a refresh token must never
        // come back as the session token).
        let names = |kind: Kind| -> [Option<&str>; 2] {
            [
                meta.as_ref()
                    .and_then(|m| place_of(m, kind))
                    .map(|p| p.name.as_str()),
                self.cookie_config(kind).and_then(|c| c.name.as_deref()),
            ]
        };
        let find = |kind: Kind, suffix: &str| -> Option<String> {
            let other = names(match kind {
                Kind::Session => Kind::Refresh,
                Kind::Refresh => Kind::Session,
            });
            let [recorded, named] = names(kind);
            // A loop, not an adapter chain: no iterator instantiated for three names.
            for name in [recorded, named, Some(suffix)] {
                let Some(name) = name else { continue };
                if other.contains(&Some(name)) {
                    continue;
                }
                if let Some(token) = env.cookie(&cookies, name).filter(|t| usable_token(t)) {
                    return Some(token.to_owned());
                }
            }
            env.item(&self.key(suffix)).filter(|t| usable_token(t))
        };
        let session = find(Kind::Session, SESSION_KEY).and_then(|jwt| Self::decode(env, &jwt));
        let refresh = find(Kind::Refresh, REFRESH_KEY);
        let user = env
            .item(&self.key(USER_KEY))
            .filter(|u| u.starts_with('{') && u.ends_with('}'));
        let rcn = env.item(&self.key(RCN_KEY)).filter(|n| is_short_name(n));
        Stored {
            session,
            refresh,
            user,
            meta,
            rcn,
        }
    }

    /// Whether other tabs see the refresh token this tab stores: localStorage, or a cookie.
    pub(super) fn refresh_shared(&self) -> bool {
        self.cfg.persist == Persist::LocalStorage || self.st.meta.refresh_cookie.is_some()
    }

    pub(super) fn session_shared(&self) -> bool {
        self.cfg.persist == Persist::LocalStorage || self.st.meta.session_cookie.is_some()
    }

    /// Writes a token to its cookie (falling back to storage when the browser refuses it) or
    /// to storage; answers where the cookie went.
    pub(super) fn put(
        &mut self,
        kind: Kind,
        token: &str,
        fields: &JwtFields,
    ) -> Option<Box<CookiePlace>> {
        let key = self.key(match kind {
            Kind::Session => SESSION_KEY,
            Kind::Refresh => REFRESH_KEY,
        });
        let previous = match kind {
            Kind::Session => self.st.meta.session_cookie.take(),
            Kind::Refresh => self.st.meta.refresh_cookie.take(),
        };
        let place = match self.cookie_config(kind) {
            Some(config) if is_cookie_value(token) => {
                let place = self.place_for(kind, config, fields);
                // A response that names both cookies the same: the refresh token is kept in
                // storage rather than written over the session cookie.
                let taken = kind == Kind::Refresh
                    && self
                        .st
                        .meta
                        .session_cookie
                        .as_ref()
                        .is_some_and(|s| s.name == place.name);
                if taken {
                    None
                } else {
                    let text = set_cookie(&CookieWrite {
                        place: &place,
                        value: token,
                        max_age: fields.cookie_max_age,
                        expires: fields.cookie_expiration,
                        same_site: config.same_site,
                        secure: config.secure,
                    });
                    Some((place, text))
                }
            }
            _ => None,
        };
        if let Some(previous) = previous.filter(|p| place.as_ref().is_none_or(|(q, _)| q != &**p)) {
            self.expire(&previous);
        }
        // Remembered wherever it goes: a follower of another tab's logout removes what this
        // tab wrote (a late answer written after that logout), not a newer session's.
        let written = &mut self.st.written;
        if written.len() >= 8 {
            crate::core::take_first(written);
        }
        written.push(token.to_owned());
        match place {
            Some((place, text)) => {
                // Read back by the driver ([`Input::Cookie`]); at most a few wait at a time.
                if self.unconfirmed.len() >= 4 {
                    crate::core::take_first(&mut self.unconfirmed);
                }
                self.unconfirmed.push(Unconfirmed {
                    kind,
                    expire: expire_cookies(&place),
                    value: token.to_owned(),
                    key,
                });
                self.out.push(Effect::PutCookie(Box::new(PutCookie {
                    kind,
                    text,
                    name: place.name.clone(),
                    value: token.to_owned(),
                })));
                Some(Box::new(place))
            }
            None => {
                self.out.push(Effect::Set(key, token.to_owned()));
                None
            }
        }
    }

    pub(super) fn place_for(
        &self,
        kind: Kind,
        config: &CookieConfig,
        fields: &JwtFields,
    ) -> CookiePlace {
        let (name, domain) = match kind {
            // The official SDK writes the session cookie with `cookieDomain` when the project
            // sends no `sessionCookieDomain`; many projects only send that one.
            Kind::Session => (
                &fields.session_cookie_name,
                fields
                    .session_cookie_domain
                    .as_ref()
                    .or(fields.cookie_domain.as_ref()),
            ),
            Kind::Refresh => (&fields.cookie_name, fields.cookie_domain.as_ref()),
        };
        // Borrowed until the one copy each.
        let name = config
            .name
            .as_deref()
            .or(name.as_deref().filter(|n| is_cookie_name(n)))
            .unwrap_or(match kind {
                Kind::Session => SESSION_KEY,
                Kind::Refresh => REFRESH_KEY,
            })
            .to_owned();
        let path = fields
            .cookie_path
            .as_deref()
            .filter(|p| p.starts_with('/') && is_attribute_safe(p))
            .unwrap_or("/")
            .to_owned();
        let wanted = config.domain.as_deref().or(domain.map(String::as_str));
        CookiePlace {
            name,
            path,
            domain: cookie_domain(&self.page.host, wanted),
        }
    }

    /// The outcome of a token cookie written: kept, the token needs no copy in storage; refused,
    /// the cookie is expired again and the token kept in storage instead.
    pub(super) fn cookie_written(&mut self, now: f64, env: &dyn Env, kind: Kind, kept: bool) {
        let Some(at) = self.unconfirmed.iter().position(|p| p.kind == kind) else {
            return;
        };
        let Some(put) = crate::core::take_at(&mut self.unconfirmed, at) else {
            return;
        };
        if kept {
            self.out.push(Effect::Remove(put.key));
            return;
        }
        for text in put.expire {
            self.out.push(Effect::Cookie(text));
        }
        self.out.push(Effect::Set(put.key, put.value));
        let place = match kind {
            Kind::Session => &mut self.st.meta.session_cookie,
            Kind::Refresh => &mut self.st.meta.refresh_cookie,
        };
        if place.take().is_some() && self.st.has_session() && !self.outdated(now, env) {
            self.save_meta();
        }
    }

    pub(super) fn expire(&mut self, place: &CookiePlace) {
        for text in expire_cookies(place) {
            self.out.push(Effect::Cookie(text));
        }
    }

    /// Whether shared storage holds a newer record than this tab's (another tab wrote since,
    /// and this one has not followed yet): it must not write its older one over it.
    pub(super) fn outdated(&self, now: f64, env: &dyn Env) -> bool {
        self.cfg.persist == Persist::LocalStorage
            && self
                .seen(env)
                .item(&self.key(META_KEY))
                .and_then(|text| Meta::decode(&text, now))
                .is_some_and(|m| m.version() > self.st.meta.version())
    }

    /// Whether someone else rotated the session this tab is about to present: where storage
    /// is this tab's own, the session cookie shows a session issued after this tab's; with
    /// localStorage, a refresh token other than this tab's is stored under a record no newer
    /// than its own (a newer one [`Session::adopt_stored`] has taken already): another tab's
    /// write still arriving, or a client without this package's record (the official SDK).
    pub(super) fn rotated_elsewhere(&self, now: f64, env: &dyn Env) -> bool {
        let Some(ours) = &self.st.session else {
            return false;
        };
        let stored = self.load(now, env);
        if self.cfg.persist == Persist::LocalStorage {
            return stored.session.is_some()
                && stored
                    .refresh
                    .as_ref()
                    .is_some_and(|r| Some(r) != self.st.refresh.as_ref());
        }
        stored.session.is_some_and(|theirs| {
            theirs.jwt != ours.jwt
                && theirs.claims.iat >= ours.claims.iat
                && theirs.claims.iat.is_some()
        })
    }

    /// Writes (or, with `None`, removes) a key of localStorage shared with the official SDK.
    #[inline(never)]
    pub(super) fn shared(&mut self, key: &str, value: Option<String>) {
        self.out.push(Effect::Shared(key.into(), value));
    }

    /// Writes this session's stored key `suffix`, or removes it (`None`).
    #[inline(never)]
    pub(super) fn store_key(&mut self, suffix: &str, value: Option<String>) {
        let key = self.key(suffix);
        self.out.push(match value {
            Some(value) => Effect::Set(key, value),
            None => Effect::Remove(key),
        });
    }

    pub(super) fn save_meta(&mut self) {
        let text = self.st.meta.encode();
        self.store_key(META_KEY, Some(text));
    }

    pub(super) fn save_user(&mut self) {
        let user = self.st.user.clone();
        self.store_key(USER_KEY, user);
    }
}

/// Storage and cookies as the driver will leave them once it has performed the writes queued
/// so far: a decision never reads a value its own input has already replaced.
pub(super) struct Seen<'a> {
    env: &'a dyn Env,
    out: &'a [Effect],
}

impl<'a> Seen<'a> {
    /// Cookie `name` as the driver will leave it: its last queued write or expiry, else its
    /// value in `cookies` (the page's, read once with [`Env::cookies`]).
    pub(super) fn cookie<'c>(&'c self, cookies: &'c str, name: &str) -> Option<&'c str> {
        for effect in self.out.iter().rev() {
            match effect {
                Effect::PutCookie(put) if put.name == name => return Some(&put.value),
                Effect::Cookie(text)
                    if crate::core::split_once(text, '=').is_some_and(|(n, _)| n == name) =>
                {
                    return None
                }
                _ => {}
            }
        }
        read_cookie(cookies, name)
    }
}

impl Env for Seen<'_> {
    fn item(&self, key: &str) -> Option<String> {
        for effect in self.out.iter().rev() {
            match effect {
                Effect::Set(k, v) if k == key => return Some(v.clone()),
                Effect::Remove(k) if k == key => return None,
                _ => {}
            }
        }
        self.env.item(key)
    }
    /// The page's cookies as they are now: read them through [`Seen::cookie`], which shows
    /// the queued writes and expiries.
    fn cookies(&self) -> String {
        self.env.cookies()
    }
    fn claims(&self, payload_json: &str) -> Option<Claims> {
        self.env.claims(payload_json)
    }
    fn shared(&self, key: &str) -> Option<String> {
        for effect in self.out.iter().rev() {
            if let Effect::Shared(k, v) = effect {
                if k == key {
                    return v.clone();
                }
            }
        }
        self.env.shared(key)
    }
    fn login(&self, user_json: &str) -> Option<(String, Option<String>)> {
        self.env.login(user_json)
    }
}

pub(super) fn place_of(meta: &Meta, kind: Kind) -> Option<&CookiePlace> {
    match kind {
        Kind::Session => meta.session_cookie.as_deref(),
        Kind::Refresh => meta.refresh_cookie.as_deref(),
    }
}

#[cfg(test)]
#[path = "seen_tests.rs"]
mod seen_tests;
