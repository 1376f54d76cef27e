//! The driver's side of each tab: opening and closing pages, feeding inputs to a tab's core
//! and performing its effects on the shared browser (cookies, storage, locks, channel).

use super::*;

impl World {
    /// Schedules tab `slot`'s timer, as it is now (its incarnation and generation), at `at`.
    pub(super) fn schedule_timer(&mut self, slot: usize, at: f64) {
        let tab = &self.tabs[slot];
        let (inc, gen) = (tab.inc, tab.timer_gen);
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

    pub(super) fn open_tab(&mut self, slot: Option<usize>) -> usize {
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

    pub(super) fn close_tab(&mut self, slot: usize, reload: bool) {
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
    pub(super) fn session_reachable(&self, going: Option<usize>) -> bool {
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

    /// Delivers an input now, or keeps it for when the tab wakes.
    pub(super) fn feed(&mut self, slot: usize, input: Input) {
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

    pub(super) fn perform(&mut self, slot: usize, effect: Effect) {
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
                if let Some(at) = at {
                    assert!(at.is_finite(), "a timer at {at}");
                    self.schedule_timer(slot, at);
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
                if self.p.late_denials && grant != Grant::Denied {
                    self.schedule(
                        0.2,
                        Ev::Deliver {
                            tab: slot,
                            inc,
                            input: Input::Lock(id, Grant::Denied),
                        },
                    );
                }
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

    pub(super) fn store_mut(&mut self, slot: usize) -> &mut BTreeMap<String, String> {
        if shared(self.p.persist) {
            &mut self.local
        } else {
            &mut self.tabs[slot].own
        }
    }

    /// A write to localStorage itself (the shared indicator keys), whatever `persist` says:
    /// other tabs get a storage event only where they watch localStorage.
    pub(super) fn storage_changed_shared(&mut self, slot: usize) {
        if shared(self.p.persist) {
            self.storage_changed(slot);
        }
    }

    pub(super) fn storage_changed(&mut self, slot: usize) {
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
    pub(super) fn event(&mut self, slot: usize, event: Event) {
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
}
