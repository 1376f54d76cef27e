//! The end-to-end scenarios (`tests/e2e/crosstab.test.mjs`, `tests/e2e/refresh.test.mjs`)
//! replayed as fixed scripts in scripted worlds: no chaos, fixed latencies (10 ms each way,
//! messages 2 ms, storage events 1 ms), faults only where the script forces them, and the
//! simulator's invariants checked after every step as in the random worlds. Each scenario
//! asserts what its browser test asserts; a failure prints the world's trace.

use serde_json::json;
use session_keeper::core::error::ErrorCode;
use session_keeper::core::options::Persist;
use session_keeper::core::{Call, Event, Signal, Value};

use crate::world::{Fault, Params, Sent, World};

const REFRESH: &str = "/v1/auth/refresh";
const LOGOUT: &str = "/v1/auth/logout";

/// Fails the world (with its trace) unless `cond` holds.
macro_rules! check {
    ($w:expr, $cond:expr, $($fmt:tt)+) => {
        let held: bool = $cond;
        if !held {
            $w.fail(&format!($($fmt)+));
        }
    };
}

fn params(tabs: usize, next_refresh_seconds: f64) -> Params {
    Params {
        next_refresh_seconds: Some(next_refresh_seconds),
        ..Params::quiet(tabs)
    }
}

/// The world's tabs, the first one signed in, and every other tab holding its session (as
/// the e2e tests' `tabsSignedIn`: within 2 s).
fn signed_in(w: &mut World) {
    w.sign_in(0);
    let token = w.session_token(0);
    check!(
        w,
        token.is_some(),
        "the sign-in left tab0 without a session"
    );
    let everyone = w.advance_until(2_000.0, |w| {
        (0..w.slots()).all(|i| w.session_token(i) == token && w.refresh_token(i).is_some())
    });
    check!(
        w,
        everyone.is_some(),
        "not every tab got the session within 2 s"
    );
}

fn world(p: Params) -> World {
    let mut w = World::scripted(p);
    signed_in(&mut w);
    w
}

fn statuses(log: &[Sent]) -> Vec<&str> {
    log.iter()
        .map(|e| e.status.as_deref().unwrap_or("-"))
        .collect()
}

fn count(w: &World, slot: usize, what: impl Fn(&Event) -> bool) -> usize {
    w.events(slot).iter().filter(|(_, e)| what(e)).count()
}

fn auth_false(e: &Event) -> bool {
    matches!(e, Event::Auth(false))
}

fn token_gone(e: &Event) -> bool {
    matches!(e, Event::Token(None))
}

fn refresh_error(e: &Event) -> bool {
    matches!(e, Event::RefreshError(_))
}

/// Runs until call `id` of `slot` settled (at most `ms`); answers whether it succeeded.
fn settle(w: &mut World, slot: usize, id: u32, ms: f64) -> bool {
    let done = w.advance_until(ms, |w| w.result(slot, id).is_some());
    check!(
        w,
        done.is_some(),
        "call {id} of tab{slot} did not settle within {ms} ms"
    );
    w.result(slot, id).is_some_and(|(_, r)| r.is_ok())
}

/// No tab holds a token, nothing is left in storage under the prefix or in a token cookie.
fn assert_signed_out(w: &World) {
    for i in (0..w.slots()).filter(|&i| w.is_open(i)) {
        check!(
            w,
            !w.is_authenticated(i) && w.session_token(i).is_none() && w.refresh_token(i).is_none(),
            "tab{i} still holds a session"
        );
        let keys = w.storage_keys(i);
        check!(w, keys.is_empty(), "tab{i} sees storage keys {keys:?}");
    }
    let cookies = w.token_cookies();
    check!(w, cookies.is_empty(), "token cookies survived: {cookies:?}");
}

// ---- cross-tab ------------------------------------------------------------------------------

/// `assertOneRefreshPerCycle`: `tabs` tabs with nextRefreshSeconds 2 send exactly one refresh
/// per cycle, each presenting a new token, and end with the same working tokens.
fn one_refresh_per_cycle(tabs: usize, cycles: usize) {
    let mut w = world(params(tabs, 2.0));
    let reached = w.advance_until(cycles as f64 * 2_000.0 + 3_000.0, |w| {
        w.requests(REFRESH).len() >= cycles
    });
    check!(w, reached.is_some(), "fewer than {cycles} refreshes");
    // Let the last cycle settle in every tab, but stop before the next one.
    w.advance(600.0);
    let log = w.requests(REFRESH);
    check!(
        w,
        log.len() == cycles,
        "{} refresh requests for {cycles} cycles with {tabs} tabs",
        log.len()
    );
    check!(
        w,
        log.iter().all(|e| e.status.as_deref() == Some("200")),
        "statuses {:?}",
        statuses(&log)
    );
    let mut presented: Vec<_> = log.iter().map(|e| e.token.clone()).collect();
    presented.sort();
    presented.dedup();
    check!(
        w,
        presented.len() == cycles,
        "a refresh token was presented twice"
    );
    for i in 1..tabs {
        check!(
            w,
            w.refresh_token(i) == w.refresh_token(0) && w.session_token(i) == w.session_token(0),
            "tab{i} disagrees with tab0 on the tokens"
        );
    }
    check!(
        w,
        (0..tabs).all(|i| w.is_authenticated(i)),
        "a tab is not authenticated"
    );
    let last = log.last().and_then(|e| e.token.clone());
    check!(
        w,
        last.is_some() && w.refresh_token(0) != last,
        "the tabs do not hold the last rotation's token"
    );
    // The final token is the one the server issued last, and it works.
    let me = w.call(tabs - 1, Call::Me);
    check!(
        w,
        settle(&mut w, tabs - 1, me, 1_000.0),
        "me() failed with the tokens held"
    );
}

#[test]
fn five_tabs_over_three_cycles_send_exactly_three_refreshes() {
    one_refresh_per_cycle(5, 3);
}

#[test]
fn one_tab_sends_one_refresh_per_cycle() {
    one_refresh_per_cycle(1, 2);
}

#[test]
fn ten_tabs_send_one_refresh_per_cycle() {
    one_refresh_per_cycle(10, 2);
}

#[test]
fn logout_in_one_tab_signs_every_tab_out_within_a_second() {
    let mut w = world(params(5, 3600.0));
    let started = w.now();
    let logout = w.call(2, Call::Logout);
    let out = w.advance_until(1_000.0, |w| {
        (0..5).all(|i| {
            !w.is_authenticated(i) && w.session_token(i).is_none() && w.refresh_token(i).is_none()
        })
    });
    check!(w, out.is_some(), "not every tab signed out within 1 s");
    check!(
        w,
        out.is_some_and(|t| t - started <= 1_000.0),
        "took {out:?}"
    );
    check!(w, settle(&mut w, 2, logout, 1_000.0), "logout() failed");
    w.advance(500.0);
    for i in 0..5 {
        check!(
            w,
            count(&w, i, auth_false) == 1,
            "tab{i}: isAuthenticated false fired {} times",
            count(&w, i, auth_false)
        );
        check!(
            w,
            count(&w, i, token_gone) == 1,
            "tab{i}: the token event fired undefined {} times",
            count(&w, i, token_gone)
        );
    }
    assert_signed_out(&w);
    check!(
        w,
        w.requests(LOGOUT).len() == 1,
        "{} logout requests",
        w.requests(LOGOUT).len()
    );
    check!(
        w,
        w.server_active_tokens() == 0,
        "the server still takes a token"
    );
}

/// With sessionStorage, each tab's storage is its own: only the BroadcastChannel carries the
/// rotated refresh token to the other tabs (and the logout, below).
#[test]
fn five_tabs_with_session_storage_send_one_refresh_per_cycle() {
    let mut w = world(Params {
        persist: Persist::SessionStorage,
        ..params(5, 2.0)
    });
    let reached = w.advance_until(3.0 * 2_000.0 + 3_000.0, |w| w.requests(REFRESH).len() >= 3);
    check!(w, reached.is_some(), "fewer than 3 refreshes");
    w.advance(600.0);
    let log = w.requests(REFRESH);
    check!(
        w,
        log.len() == 3,
        "{} refresh requests for 3 cycles",
        log.len()
    );
    check!(
        w,
        log.iter().all(|e| e.status.as_deref() == Some("200")),
        "statuses {:?}",
        statuses(&log)
    );
    for i in 0..5 {
        check!(
            w,
            w.is_authenticated(i)
                && w.refresh_token(i) == w.refresh_token(0)
                && w.stored(i, "DSR") == w.refresh_token(0),
            "tab{i} does not hold (and keep for a reload) the last rotation"
        );
    }
}

#[test]
fn logout_reaches_every_tab_with_session_storage() {
    let mut w = world(Params {
        persist: Persist::SessionStorage,
        ..params(3, 3600.0)
    });
    let started = w.now();
    w.call(0, Call::Logout);
    let out = w.advance_until(1_000.0, |w| {
        (0..3).all(|i| w.session_token(i).is_none() && w.refresh_token(i).is_none())
    });
    check!(w, out.is_some(), "not every tab signed out within 1 s");
    check!(
        w,
        out.is_some_and(|t| t - started <= 1_000.0),
        "took {out:?}"
    );
    w.advance(500.0);
    for i in 0..3 {
        check!(
            w,
            count(&w, i, auth_false) == 1 && count(&w, i, token_gone) == 1,
            "tab{i}: the sign-out events did not fire exactly once"
        );
    }
    assert_signed_out(&w);
}

/// Tab 0's refresh, held back by `fault`, is overtaken by tab 1's logout: the refresh must not
/// succeed, every tab is signed out, and nothing issued is usable on the server. `rotated`:
/// the server rotated before the logout (its answer comes back after it). Answers the world.
fn refresh_overtaken_by_logout(fault: Fault, rotated: bool) -> World {
    let mut w = world(params(3, 3600.0));
    let refresh_token = w.refresh_token(0).unwrap();
    w.fault(REFRESH, 1, fault);
    let slow = w.call(0, Call::Refresh);
    w.advance(300.0);
    if rotated {
        check!(
            w,
            w.requests(REFRESH)[0].status.as_deref() == Some("200"),
            "the server did not rotate before the logout"
        );
    }
    // A logout that presents the token the server has just rotated ends the family, and may
    // answer 401; the local state is cleared either way.
    let logout = w.call(1, Call::Logout);
    let logged_out = settle(&mut w, 1, logout, 1_000.0);
    check!(w, logged_out || rotated, "logout() failed");
    check!(
        w,
        !settle(&mut w, 0, slow, 3_000.0),
        "the overtaken refresh must not succeed"
    );
    w.advance(700.0);
    assert_signed_out(&w);
    // Nothing that was issued is still usable on the server.
    check!(
        w,
        !w.server_accepts(&refresh_token),
        "the signed-in refresh token still works"
    );
    check!(
        w,
        w.server_active_tokens() == 0,
        "the server still takes a token (a late rotation's?)"
    );
    w
}

/// A refresh held back by the server (as the devserver's `delayMs` does: it handles the request
/// only after the delay) is overtaken by a logout in another tab.
#[test]
fn a_slow_refresh_overtaken_by_logout_resurrects_nothing() {
    refresh_overtaken_by_logout(Fault::delay(1_500.0), false);
}

/// Harder than the browser test: the server rotates at once, but its answer (with new tokens)
/// comes back only after the logout; the tab must throw it away and revoke what it carries.
#[test]
fn a_rotation_answered_after_the_logout_resurrects_nothing() {
    let w = refresh_overtaken_by_logout(Fault::slow_answer(1_500.0), true);
    for i in 0..3 {
        check!(
            w,
            count(&w, i, auth_false) == 1,
            "tab{i}: isAuthenticated false fired {} times",
            count(&w, i, auth_false)
        );
    }
}

/// Tab 1 hears nothing from tab 0 (a manager without crossTab: no channel, no lock, no storage
/// events) and never refreshes by itself. It presents the signed-in token first; its 401 is
/// held back until tab 0 has rotated that token and stored the new ones. Tab 1 must adopt
/// them instead of ending the session.
#[test]
fn a_401_on_refresh_first_adopts_what_another_tab_rotated() {
    let mut w = world(params(2, 3600.0));
    let signed_in_refresh = w.refresh_token(0);
    w.recreate_with(1, json!({"crossTab": false, "autoRefresh": false}));
    check!(
        w,
        w.refresh_token(1) == signed_in_refresh,
        "tab1 did not restore the session"
    );
    w.fault(REFRESH, 1, Fault::status(401).after(800.0));
    let refused = w.call(1, Call::Refresh);
    w.advance(100.0);
    let rotated = w.call(0, Call::Refresh);
    check!(
        w,
        settle(&mut w, 0, rotated, 1_000.0),
        "tab0's refresh failed"
    );
    let (rotated_session, rotated_refresh) = (w.session_token(0), w.refresh_token(0));
    check!(
        w,
        rotated_refresh != signed_in_refresh,
        "tab0 did not rotate"
    );
    check!(
        w,
        w.stored(0, "DSR") == rotated_refresh,
        "the rotation is not in localStorage"
    );
    // The 401 has not arrived yet.
    let answered = w
        .requests(REFRESH)
        .iter()
        .filter(|e| e.status.is_some())
        .count();
    check!(w, answered == 1, "{answered} refreshes answered already");
    check!(
        w,
        w.result(1, refused).is_none(),
        "tab1's refresh settled early"
    );

    let ok = settle(&mut w, 1, refused, 2_000.0);
    check!(
        w,
        ok,
        "tab1's refresh after the 401 failed: {:?}",
        w.result(1, refused)
    );
    let adopted = match w.result(1, refused) {
        Some((_, Ok(Value::Tokens(tokens)))) => Some(tokens.session.clone()),
        _ => None,
    };
    check!(
        w,
        adopted == rotated_session,
        "not resolved with the adopted session token"
    );
    check!(
        w,
        w.is_authenticated(1)
            && w.session_token(1) == w.session_token(0)
            && w.refresh_token(1) == w.refresh_token(0),
        "tab1 does not hold what tab0 rotated"
    );
    check!(
        w,
        w.refresh_token(0) == rotated_refresh && w.is_authenticated(0),
        "tab0 lost its rotation"
    );
    let log = w.requests(REFRESH);
    check!(
        w,
        statuses(&log) == ["401", "200"],
        "statuses {:?}: the injected 401 (tab1), then the rotation (tab0)",
        statuses(&log)
    );
    check!(
        w,
        log[0].slot == 1 && log[1].slot == 0,
        "tab1 was not first"
    );
    check!(
        w,
        log[0].token == signed_in_refresh && log[1].token == signed_in_refresh,
        "both must present the signed-in refresh token"
    );
    check!(w, log[1].at - log[0].at >= 50.0, "tab1 was not first");
    for i in 0..2 {
        check!(
            w,
            count(&w, i, auth_false) == 0,
            "tab{i} dropped the session"
        );
    }
    // What tab1 adopted works.
    let me = w.call(1, Call::Me);
    check!(
        w,
        settle(&mut w, 1, me, 1_000.0),
        "me() with the adopted tokens failed"
    );
}

#[test]
fn a_sign_in_after_a_logout_reaches_every_tab_also_tabs_opened_later() {
    let mut w = world(params(2, 3600.0));
    let logout = w.call(1, Call::Logout);
    check!(w, settle(&mut w, 1, logout, 1_000.0), "logout() failed");
    let out = w.advance_until(1_000.0, |w| !w.is_authenticated(0));
    check!(w, out.is_some(), "the logout did not reach tab0");
    // A tab opened now has never seen a session; it signs in, and the old tabs follow.
    let late = w.open();
    check!(w, !w.is_authenticated(late), "the new tab found a session");
    w.sign_in(late);
    let token = w.session_token(late);
    let all = w.advance_until(1_000.0, |w| {
        (0..3).all(|i| w.session_token(i) == token && w.refresh_token(i).is_some())
    });
    check!(w, all.is_some(), "not every tab took the new sign-in");
    // And a second logout/sign-in round, started from the other side.
    let logout = w.call(0, Call::Logout);
    check!(
        w,
        settle(&mut w, 0, logout, 1_000.0),
        "the second logout() failed"
    );
    let out = w.advance_until(1_000.0, |w| !w.is_authenticated(late));
    check!(
        w,
        out.is_some(),
        "the second logout did not reach the late tab"
    );
    w.sign_in(1);
    let second = w.session_token(1);
    check!(
        w,
        second != token,
        "the second sign-in has the first one's token"
    );
    let all = w.advance_until(1_000.0, |w| {
        w.session_token(late) == second && w.session_token(0) == second
    });
    check!(
        w,
        all.is_some(),
        "the second sign-in did not reach every tab"
    );
    w.advance(500.0);
    for i in 0..3 {
        check!(
            w,
            w.is_authenticated(i) && w.refresh_token(i) == w.refresh_token(1),
            "tab{i} does not hold the second sign-in"
        );
    }
}

/// Something outside the tabs holds the lock that guards the current refresh token and never
/// lets go: the refresh still happens after the bounded waits.
#[test]
fn a_lock_that_is_never_released_does_not_hang_the_refresh() {
    let mut w = world(Params {
        timeout_ms: 1_000.0,
        ..params(2, 3600.0)
    });
    let token = w.refresh_token(0).unwrap();
    let name = w.hold_lock_forever(&token);
    w.advance(100.0);
    let started = w.now();
    let id = w.call(0, Call::Refresh);
    let ok = settle(&mut w, 0, id, 10_000.0);
    let took = w.result(0, id).map_or(f64::NAN, |(t, _)| t - started);
    check!(w, ok, "the refresh failed: {:?}", w.result(0, id));
    check!(
        w,
        (1_500.0..5_000.0).contains(&took),
        "the refresh took {took:.0} ms"
    );
    check!(
        w,
        w.requests(REFRESH).len() == 1,
        "{} refresh requests",
        w.requests(REFRESH).len()
    );
    check!(w, w.outsider_holds(&name), "the outsider lost its lock");
    w.advance(100.0);
    check!(
        w,
        w.refresh_token(1) == w.refresh_token(0) && w.refresh_token(0) != Some(token),
        "tab1 did not take the rotation"
    );
}

#[test]
fn without_broadcast_channel_storage_events_carry_rotation_and_logout() {
    let mut w = World::scripted_without_channel(params(2, 3600.0));
    w.sign_in(0);
    let signed = w.advance_until(2_000.0, |w| w.is_authenticated(1));
    check!(w, signed.is_some(), "the second tab did not sign in");
    let first = w.refresh_token(0);
    let id = w.call(0, Call::Refresh);
    check!(w, settle(&mut w, 0, id, 1_000.0), "the refresh failed");
    check!(w, w.refresh_token(0) != first, "tab0 did not rotate");
    let arrived = w.advance_until(2_000.0, |w| {
        w.refresh_token(1) == w.refresh_token(0) && w.session_token(1) == w.session_token(0)
    });
    check!(w, arrived.is_some(), "the rotation did not arrive in tab1");
    check!(
        w,
        w.requests(REFRESH).len() == 1,
        "{} refresh requests",
        w.requests(REFRESH).len()
    );
    let started = w.now();
    w.call(0, Call::Logout);
    let out = w.advance_until(1_000.0, |w| {
        !w.is_authenticated(1) && w.refresh_token(1).is_none() && w.session_token(1).is_none()
    });
    check!(w, out.is_some(), "the logout did not arrive in tab1");
    check!(
        w,
        out.is_some_and(|t| t - started <= 1_000.0),
        "the logout took {out:?}"
    );
    w.advance(500.0);
    assert_signed_out(&w);
}

// ---- the refresh engine (one tab) ---------------------------------------------------------

#[test]
fn refreshes_at_the_scheduled_time_and_stores_the_new_tokens() {
    let mut w = world(params(1, 2.0));
    let (first_session, first_refresh) = (w.session_token(0), w.refresh_token(0));
    let first_due = w.next_refresh_at(0).unwrap_or(f64::NAN);
    check!(
        w,
        (first_due - w.now() - 2_000.0).abs() < 300.0,
        "due in {:.0} ms, not about 2 s",
        first_due - w.now()
    );
    let sent = w.advance_until(4_000.0, |w| !w.requests(REFRESH).is_empty());
    check!(w, sent.is_some(), "no refresh");
    let entry = w.requests(REFRESH)[0].clone();
    let lateness = entry.at - first_due;
    check!(
        w,
        (-5.0..500.0).contains(&lateness),
        "fired {lateness:.0} ms after the due time"
    );
    let new = w.advance_until(1_000.0, |w| w.session_token(0) != first_session);
    check!(w, new.is_some(), "no new tokens");
    let (session, refresh) = (w.session_token(0), w.refresh_token(0));
    check!(
        w,
        refresh != first_refresh,
        "the refresh token did not rotate"
    );
    check!(
        w,
        w.stored(0, "DSR") == refresh,
        "DSR does not hold the new token"
    );
    let cookie = w
        .token_cookies()
        .into_iter()
        .find(|(name, _)| name == "DS")
        .map(|(_, value)| value);
    check!(
        w,
        cookie == session,
        "the DS cookie does not hold the new session"
    );
    check!(
        w,
        w.next_refresh_at(0)
            .is_some_and(|at| at > first_due + 1_500.0),
        "the next refresh is not planned a cycle later"
    );
}

#[test]
fn retries_5xx_with_backoff_and_keeps_the_session() {
    let mut w = world(params(1, 2.0));
    w.fault(REFRESH, 2, Fault::status(500));
    let ok = w.advance_until(9_000.0, |w| {
        w.requests(REFRESH)
            .iter()
            .any(|e| e.status.as_deref() == Some("200"))
    });
    check!(w, ok.is_some(), "no successful refresh after two failures");
    let log = w.requests(REFRESH);
    check!(
        w,
        statuses(&log) == ["500", "500", "200"],
        "statuses {:?}",
        statuses(&log)
    );
    let (gap1, gap2) = (log[1].at - log[0].at, log[2].at - log[1].at);
    // About 1 s, then about 2 s (±25 % jitter).
    check!(
        w,
        (700.0..=1_400.0).contains(&gap1),
        "first retry after {gap1:.0} ms"
    );
    check!(
        w,
        (1_450.0..=2_700.0).contains(&gap2),
        "second retry after {gap2:.0} ms"
    );
    w.advance(100.0);
    check!(w, w.is_authenticated(0), "the session was lost");
    let errors: Vec<Option<u16>> = w
        .events(0)
        .iter()
        .filter_map(|(_, e)| match e {
            Event::RefreshError(err) => Some(err.status),
            _ => None,
        })
        .collect();
    check!(
        w,
        errors == [Some(500), Some(500)],
        "refresh errors {errors:?}"
    );
    check!(
        w,
        count(&w, 0, auth_false) == 0,
        "isAuthenticated went false"
    );
}

#[test]
fn waits_at_least_retry_after_after_a_429() {
    let mut w = world(params(1, 2.0));
    w.fault(REFRESH, 1, Fault::rate_limited(2.0));
    let retried = w.advance_until(7_000.0, |w| w.requests(REFRESH).len() >= 2);
    check!(w, retried.is_some(), "no retry");
    let log = w.requests(REFRESH);
    check!(
        w,
        statuses(&log[..2]) == ["429", "-"] || statuses(&log[..2]) == ["429", "200"],
        "statuses {:?}",
        statuses(&log)
    );
    let gap = log[1].at - log[0].at;
    check!(
        w,
        gap >= 2_000.0,
        "retried after {gap:.0} ms, before Retry-After"
    );
    check!(w, gap < 2_600.0, "retried after {gap:.0} ms");
    w.advance(100.0);
    check!(
        w,
        w.requests(REFRESH)[1].status.as_deref() == Some("200"),
        "the retry failed"
    );
    let error = w.events(0).iter().find_map(|(_, e)| match e {
        Event::RefreshError(err) => Some((err.code, err.retry_after)),
        _ => None,
    });
    check!(
        w,
        error == Some((ErrorCode::RateLimited, Some(2.0))),
        "refresh error {error:?}"
    );
    check!(w, w.is_authenticated(0), "the session was lost");
}

#[test]
fn clears_the_session_once_on_a_401() {
    let mut w = world(params(1, 2.0));
    w.fault(REFRESH, 1, Fault::status(401));
    let ended = w.advance_until(4_000.0, |w| !w.is_authenticated(0));
    check!(w, ended.is_some(), "the session did not end");
    w.advance(2_500.0);
    check!(
        w,
        count(&w, 0, token_gone) == 1,
        "the token event fired undefined {} times",
        count(&w, 0, token_gone)
    );
    check!(
        w,
        count(&w, 0, auth_false) == 1,
        "isAuthenticated false fired {} times",
        count(&w, 0, auth_false)
    );
    check!(
        w,
        count(&w, 0, refresh_error) == 1,
        "{} refresh errors",
        count(&w, 0, refresh_error)
    );
    check!(
        w,
        w.requests(REFRESH).len() == 1,
        "retried after a 401: {} refresh requests",
        w.requests(REFRESH).len()
    );
    assert_signed_out(&w);
}

/// The tab is frozen past its due time (nothing runs in it); the refresh comes within 1 s of
/// its waking.
#[test]
fn catches_up_within_a_second_when_a_sleeping_tab_wakes() {
    let mut w = world(params(1, 1.0));
    let slept = w.now();
    w.sleep(0, 2_500.0);
    w.advance(2_499.0);
    check!(
        w,
        w.requests(REFRESH).is_empty(),
        "a sleeping tab ran its timer"
    );
    let woke = slept + 2_500.0;
    let caught = w.advance_until(1_500.0, |w| !w.requests(REFRESH).is_empty());
    check!(w, caught.is_some(), "no catch-up refresh");
    let at = w.requests(REFRESH)[0].at;
    check!(
        w,
        at >= woke && at - woke <= 1_000.0,
        "caught up {:.0} ms after waking",
        at - woke
    );
    w.advance(100.0);
    check!(w, w.is_authenticated(0), "the session was lost");
}

/// The wall clock jumps two hours while the page's timers do not fire (a machine that slept):
/// the signal alone must run the overdue refresh, within 1 s.
fn catches_up_on(signal: Signal) {
    let mut w = world(Params {
        session_ttl_ms: 4.0 * 3_600_000.0,
        ..params(1, 3600.0)
    });
    let first = w.refresh_token(0);
    w.freeze_timers(0);
    w.advance(2.0 * 3_600_000.0);
    check!(w, w.requests(REFRESH).is_empty(), "a frozen timer fired");
    let woke = w.now();
    w.signal(0, signal);
    let caught = w.advance_until(1_000.0, |w| !w.requests(REFRESH).is_empty());
    check!(w, caught.is_some(), "no refresh within 1 s of {signal:?}");
    let at = w.requests(REFRESH)[0].at;
    check!(w, at - woke <= 1_000.0, "{signal:?}: {:.0} ms", at - woke);
    w.thaw_timers(0);
    w.advance(100.0);
    check!(
        w,
        w.is_authenticated(0) && w.refresh_token(0) != first,
        "{signal:?}: the catch-up did not rotate the session"
    );
    check!(
        w,
        w.requests(REFRESH).len() == 1,
        "{signal:?}: {} refresh requests",
        w.requests(REFRESH).len()
    );
}

#[test]
fn catches_up_on_visibilitychange() {
    catches_up_on(Signal::Visible);
}

#[test]
fn catches_up_on_focus() {
    catches_up_on(Signal::Focus);
}

#[test]
fn catches_up_on_online() {
    catches_up_on(Signal::Online);
}

#[test]
fn catches_up_on_pageshow() {
    catches_up_on(Signal::PageShow);
}

/// (`tests/e2e/hardening.test.mjs`) `failures` refreshes fail with 503, the browser goes
/// offline right after the last one for `offline_ms` (wake-up signals arrive meanwhile): no
/// attempt is spent offline, the session is kept, and coming back online retries at once.
/// Answers (went online, the backoff window after the last failure).
fn offline_during_backoff(failures: usize, offline_ms: f64) -> (f64, (f64, f64)) {
    let mut w = world(params(1, 1.0));
    let signed_in = (w.session_token(0), w.refresh_token(0));
    w.fault(REFRESH, failures, Fault::status(503));
    let failed = w.advance_until(12_000.0, |w| count(w, 0, refresh_error) >= failures);
    check!(
        w,
        failed.is_some(),
        "fewer than {failures} failed refreshes"
    );
    w.offline();
    let log = w.requests(REFRESH);
    check!(
        w,
        statuses(&log) == vec!["503"; failures],
        "statuses {:?}",
        statuses(&log)
    );
    let last = log[failures - 1].at;
    let backoff = 1_000.0 * f64::from(1u32 << (failures - 1));
    let window = (last + backoff * 0.75, last + backoff * 1.25);
    // Wake-up signals (which retry at once during a backoff) arrive while offline: at 0.8 s
    // (as in the browser test), and again at 1.5 s, once a second has passed since the last
    // attempt (attempts are at least 1 s apart anyway).
    w.advance(800.0);
    for signal in [Signal::Focus, Signal::Visible, Signal::PageShow] {
        w.signal(0, signal);
    }
    w.advance(700.0);
    for signal in [Signal::Focus, Signal::Visible, Signal::PageShow] {
        w.signal(0, signal);
    }
    w.advance(offline_ms - 1_500.0);
    check!(
        w,
        w.requests(REFRESH).len() == failures,
        "a refresh was started while offline"
    );
    check!(
        w,
        w.is_authenticated(0) && (w.session_token(0), w.refresh_token(0)) == signed_in,
        "the session was not kept while offline"
    );
    check!(
        w,
        count(&w, 0, refresh_error) == failures,
        "an attempt was spent while offline"
    );
    let went_online = w.now();
    w.online();
    let retried = w.advance_until(2_500.0, |w| w.requests(REFRESH).len() > failures);
    check!(w, retried.is_some(), "no refresh after going online");
    let retry = w.requests(REFRESH)[failures].clone();
    check!(
        w,
        retry.at - went_online <= 1_000.0,
        "the retry came {:.0} ms after going online",
        retry.at - went_online
    );
    w.advance(100.0);
    check!(
        w,
        w.requests(REFRESH)[failures].status.as_deref() == Some("200"),
        "the retry failed"
    );
    check!(
        w,
        w.is_authenticated(0) && w.refresh_token(0) != signed_in.1,
        "no new tokens after the retry"
    );
    check!(
        w,
        w.stored(0, "DSR") == w.refresh_token(0),
        "DSR does not hold the new token"
    );
    let auth: Vec<&Event> = w
        .events(0)
        .iter()
        .map(|(_, e)| e)
        .filter(|e| matches!(e, Event::Auth(_)))
        .collect();
    check!(
        w,
        auth == [&Event::Auth(true)],
        "the session was dropped: {auth:?}"
    );
    w.advance(300.0);
    check!(
        w,
        w.requests(REFRESH).len() == failures + 1,
        "one retry, not several"
    );
    (went_online, window)
}

#[test]
fn offline_during_a_backoff_spends_no_attempt_and_online_retries_without_waiting_it_out() {
    // The fourth failure starts a wait of 6–10 s; the tab is back online well before it ends.
    let (went_online, window) = offline_during_backoff(4, 3_000.0);
    assert!(
        went_online < window.0 - 1_500.0,
        "the scenario went online too late to tell"
    );
}

#[test]
fn a_backoff_that_ends_offline_spends_no_attempt_and_online_retries_at_once() {
    // The second failure starts a wait of 1.5–2.5 s, which passes offline.
    let (went_online, window) = offline_during_backoff(2, 3_500.0);
    assert!(
        went_online > window.1 + 500.0,
        "the backoff had not ended offline"
    );
}

#[test]
fn restores_after_a_reload_without_any_network_request() {
    let mut w = world(params(1, 3600.0));
    let before = (w.session_token(0), w.refresh_token(0), w.next_refresh_at(0));
    let sent = w.request_count();
    w.reload(0);
    let ready = w.call(0, Call::Ready);
    check!(w, settle(&mut w, 0, ready, 1_000.0), "ready() failed");
    check!(
        w,
        w.is_authenticated(0),
        "not authenticated after the reload"
    );
    let after = (w.session_token(0), w.refresh_token(0), w.next_refresh_at(0));
    check!(
        w,
        after == before,
        "the reload restored {after:?}, not {before:?}"
    );
    w.advance(300.0);
    check!(
        w,
        w.request_count() == sent,
        "the reload sent {} requests",
        w.request_count() - sent
    );
}

#[test]
fn refreshes_at_once_after_a_reload_when_the_refresh_is_overdue() {
    let mut w = world(params(1, 1.0));
    let first = w.refresh_token(0);
    w.dispose(0);
    w.advance(1_500.0);
    check!(
        w,
        w.requests(REFRESH).is_empty(),
        "a disposed session refreshed"
    );
    w.reload(0);
    let ready = w.call(0, Call::Ready);
    check!(w, settle(&mut w, 0, ready, 2_000.0), "ready() failed");
    let log = w.requests(REFRESH);
    check!(w, log.len() == 1, "{} refresh requests", log.len());
    let ready_at = w.result(0, ready).map_or(f64::NAN, |(t, _)| *t);
    check!(
        w,
        log[0].served_at.is_some_and(|s| ready_at >= s),
        "ready() resolved before the start-up refresh settled"
    );
    check!(
        w,
        w.is_authenticated(0) && w.refresh_token(0) != first,
        "the start-up refresh did not rotate the session"
    );
}

// ---- activity tracking and try-refresh across tabs -----------------------------------------

#[test]
fn an_idle_origin_skips_refreshes_and_activity_in_any_tab_runs_exactly_one() {
    let mut w = world(Params {
        activity: true,
        ..params(3, 2.0)
    });
    // Three cycles with nobody active: no refresh, in any tab (the simulator also checks
    // that no refresh presents a token issued after the last activity).
    w.advance(6_500.0);
    check!(
        w,
        w.requests(REFRESH).is_empty(),
        "an idle origin refreshed"
    );
    check!(
        w,
        (0..3).all(|i| w.next_refresh_at(i).is_none()),
        "a refresh is still planned while idle"
    );
    // The user moves in tab 2: one refresh for the origin, every tab takes its tokens.
    w.user_active(2);
    let all = w.advance_until(1_000.0, |w| {
        let token = w.refresh_token(0);
        token != Some("R1-1".into()) && (0..3).all(|i| w.refresh_token(i) == token)
    });
    check!(w, all.is_some(), "the activity did not refresh every tab");
    check!(
        w,
        w.requests(REFRESH).len() == 1,
        "{} refreshes for one activity",
        w.requests(REFRESH).len()
    );
    // And idle again.
    w.advance(6_500.0);
    check!(w, w.requests(REFRESH).len() == 1, "refreshed while idle");
}

#[test]
fn new_tabs_without_tokens_try_refresh_in_turn_and_a_logout_stops_it() {
    // sessionStorage and no session cookie: a new tab reads no token; the signed-in
    // indicator is in localStorage.
    let mut w = World::scripted(Params {
        persist: Persist::SessionStorage,
        ..params(1, 3600.0)
    });
    w.options_for_all(json!({"sessionTokenViaCookie": false}));
    w.recreate_with(0, json!({"sessionTokenViaCookie": false}));
    signed_in(&mut w);
    let before = w.requests("/v1/auth/try-refresh").len();
    let a = w.open();
    let b = w.open();
    // The others tell them the tokens (Hello); their try-refresh finds no cookie to use.
    let both = w.advance_until(2_000.0, |w| {
        w.refresh_token(a).is_some() && w.refresh_token(b).is_some()
    });
    check!(w, both.is_some(), "the new tabs did not get the session");
    w.advance(1_000.0);
    // One at a time (the turn's lock): the second tab had the tokens before its turn came.
    let tries = w.requests("/v1/auth/try-refresh");
    check!(
        w,
        (1..=2).contains(&(tries.len() - before))
            && tries
                .iter()
                .all(|t| t.token.is_none() && t.status.is_some()),
        "try-refresh: {tries:?}"
    );
    check!(w, w.requests(REFRESH).is_empty(), "a refresh was sent");
    // After a logout nothing is tried: the indicator is gone.
    w.call(0, Call::Logout);
    w.advance(1_000.0);
    let c = w.open();
    w.advance(1_000.0);
    check!(
        w,
        w.requests("/v1/auth/try-refresh").len() == tries.len() && w.session_token(c).is_none(),
        "a tab opened after the logout tried to refresh"
    );
}

// ---- hardening round 3 ------------------------------------------------------------------------

/// Item 7: the official SDK in another tab rotates the tokens and writes them without this
/// package's record. The tabs take them over: none presents the replaced token again (the
/// server would see reuse and end the session), nobody is signed out, and the next cycles run
/// on the new tokens.
#[test]
fn a_rotation_by_another_client_is_adopted_without_presenting_the_replaced_token() {
    let mut w = world(params(3, 5.0));
    w.advance(1_000.0);
    let theirs = w.foreign_rotation();
    check!(w, theirs.is_some(), "the other client could not rotate");
    // The next cycle was due 4 s later: every tab ends up on the other client's tokens (whose
    // own expiry plans their next refresh).
    w.advance(12_000.0);
    for i in 0..3 {
        check!(
            w,
            count(&w, i, auth_false) == 0 && w.is_authenticated(i),
            "tab{i} dropped the session"
        );
        let refresh = w.refresh_token(i);
        check!(
            w,
            refresh.as_deref().is_some_and(|r| w.server_accepts(r)),
            "tab{i} holds a refresh token the server no longer takes"
        );
    }
    let log = w.requests(REFRESH);
    check!(
        w,
        log.iter().all(|e| e.status.as_deref() == Some("200")),
        "statuses {:?}",
        statuses(&log)
    );
    for i in 0..3 {
        check!(
            w,
            w.refresh_token(i) == theirs,
            "tab{i} holds {:?}, not the other client's token",
            w.refresh_token(i)
        );
    }
    // They work.
    let call = w.call(1, Call::Refresh);
    check!(w, settle(&mut w, 1, call, 1_000.0), "refresh failed");
    let log = w.requests(REFRESH);
    check!(
        w,
        log.last().is_some_and(|e| e.token == theirs),
        "the adopted token was not the one refreshed"
    );
}

/// Item 10: `dispose()` while a refresh is out (React StrictMode's first mount, a hot reload):
/// the answer is stored and told to the other tabs, never revoked; the disposed session fires
/// no event and starts no request; the next instance goes on with the rotated tokens.
#[test]
fn a_refresh_answered_after_dispose_is_kept_for_the_next_instance() {
    let mut w = world(params(2, 3600.0));
    w.fault(REFRESH, 1, Fault::slow_answer(500.0));
    let call = w.call(0, Call::Refresh);
    w.advance(50.0);
    w.dispose(0);
    let events = w.events(0).len();
    w.advance(1_000.0);
    let log = w.requests(REFRESH);
    check!(
        w,
        statuses(&log) == ["200"],
        "statuses {:?}",
        statuses(&log)
    );
    check!(w, w.requests(LOGOUT).is_empty(), "the rotation was revoked");
    let rotated = w.stored(0, "DSR");
    check!(
        w,
        rotated.is_some() && rotated != log[0].token,
        "the rotation was not stored"
    );
    check!(
        w,
        rotated.as_deref().is_some_and(|r| w.server_accepts(r)),
        "the stored token is dead"
    );
    check!(
        w,
        w.refresh_token(1) == rotated,
        "the other tab was not told"
    );
    check!(
        w,
        w.events(0).len() == events,
        "the disposed session fired events"
    );
    check!(
        w,
        matches!(w.result(0, call), Some((_, Err(_)))),
        "the call of the disposed session did not settle"
    );
    // The next instance (StrictMode's second mount) goes on with it.
    w.reload(0);
    check!(
        w,
        w.refresh_token(0) == rotated && w.is_authenticated(0),
        "the next instance did not restore the rotation"
    );
    let again = w.call(0, Call::Refresh);
    check!(
        w,
        settle(&mut w, 0, again, 1_000.0),
        "refresh after the handover failed"
    );
}
