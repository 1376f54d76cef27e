//! The refresh policy as plain functions of the clock: when the next refresh is due, how long
//! a timer may wait, what a failed attempt means and when to try again.
//!
//! Every time here is in milliseconds; absolute times are epoch milliseconds from the caller's
//! clock (`Date.now()` in the browser), so the policy is tested natively with any clock.

use crate::core::error::{ErrorCode, SessionError};
use crate::core::layout::MAX_EPOCH_MS;

/// A refresh loop never waits less than this between two attempts.
///
/// ```
/// use session_keeper::core::schedule::{due_after_response, MIN_DELAY_MS};
/// // A server asking for a refresh in 0.1 s still gets a full second.
/// assert_eq!(due_after_response(0.0, Some(0.1), None, None), Some(MIN_DELAY_MS));
/// ```
pub const MIN_DELAY_MS: f64 = 1_000.0;
/// The longest delay `setTimeout` accepts (2^31 − 1 ms); longer waits are chained.
///
/// ```
/// use session_keeper::core::schedule::MAX_TIMEOUT_MS;
/// assert_eq!(MAX_TIMEOUT_MS, f64::from(i32::MAX));
/// ```
pub const MAX_TIMEOUT_MS: f64 = 2_147_483_647.0;
/// Without `nextRefreshSeconds`, refresh this long before the session JWT expires.
///
/// ```
/// use session_keeper::core::schedule::{due_after_response, EXPIRY_MARGIN_MS};
/// let exp_ms = 600_000.0;
/// assert_eq!(due_after_response(0.0, None, Some(exp_ms), None), Some(exp_ms - EXPIRY_MARGIN_MS));
/// ```
pub const EXPIRY_MARGIN_MS: f64 = 20_000.0;
/// The first retry after a transient failure waits about this long.
///
/// ```
/// use session_keeper::core::schedule::{backoff, BACKOFF_BASE_MS};
/// assert_eq!(backoff(0, 0.5), BACKOFF_BASE_MS);
/// ```
pub const BACKOFF_BASE_MS: f64 = 1_000.0;
/// Retries never wait longer than this.
///
/// ```
/// use session_keeper::core::schedule::{backoff, BACKOFF_MAX_MS};
/// assert_eq!(backoff(20, 0.99), BACKOFF_MAX_MS);
/// ```
pub const BACKOFF_MAX_MS: f64 = 60_000.0;

/// When the next refresh is due after a response arrived at `now`.
///
/// `nextRefreshSeconds` when > 0, else the session JWT's expiry (`exp_ms`) minus
/// [`EXPIRY_MARGIN_MS`], else `sessionExpiration` (epoch seconds) minus the same margin; never
/// sooner than [`MIN_DELAY_MS`] from now, so a server that keeps answering with short-lived
/// tokens cannot drive a tight loop. `None` when nothing says when the session ends.
///
/// ```
/// use session_keeper::core::schedule::due_after_response;
/// assert_eq!(due_after_response(0.0, Some(2.0), None, None), Some(2_000.0));
/// assert_eq!(due_after_response(0.0, None, Some(600_000.0), None), Some(580_000.0));
/// ```
pub fn due_after_response(
    now: f64,
    next_refresh_seconds: Option<f64>,
    exp_ms: Option<f64>,
    session_expiration_s: Option<f64>,
) -> Option<f64> {
    let due = match (
        finite_positive(next_refresh_seconds),
        finite_positive(exp_ms),
        finite_positive(session_expiration_s),
    ) {
        (Some(seconds), _, _) => now + seconds * 1000.0,
        (None, Some(exp), _) => exp - EXPIRY_MARGIN_MS,
        (None, None, Some(expiration)) => expiration * 1000.0 - EXPIRY_MARGIN_MS,
        (None, None, None) => return None,
    };
    // Too far to schedule is chained like any long delay, never infinite.
    Some(due.max(now + MIN_DELAY_MS).min(MAX_EPOCH_MS))
}

/// When the next refresh is due for a session restored from storage at start-up: the stored
/// due time, else the token's expiry minus the margin. It may lie in the past: then the
/// refresh runs at once.
///
/// ```
/// use session_keeper::core::schedule::due_on_restore;
/// assert_eq!(due_on_restore(Some(5.0), Some(100_000.0)), Some(5.0));
/// assert_eq!(due_on_restore(None, Some(100_000.0)), Some(80_000.0));
/// ```
pub fn due_on_restore(stored_due: Option<f64>, exp_ms: Option<f64>) -> Option<f64> {
    stored_due
        .filter(|d| d.is_finite())
        .or_else(|| finite_positive(exp_ms).map(|exp| exp - EXPIRY_MARGIN_MS))
        .map(|d| d.min(MAX_EPOCH_MS))
}

/// What a timer does when it is armed or fires at `now` for a refresh due at `due`.
///
/// ```
/// use session_keeper::core::schedule::{tick, Tick, MAX_TIMEOUT_MS};
/// // Due in 30 days: longer than one `setTimeout`, so the timer waits as long as it can and
/// // looks again.
/// let due = 30.0 * 86_400_000.0;
/// assert_eq!(tick(0.0, due), Tick::Wait(MAX_TIMEOUT_MS));
/// assert_eq!(tick(due, due), Tick::Fire);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tick {
    /// The refresh is due: run it.
    Fire,
    /// Sleep this many ms (at most [`MAX_TIMEOUT_MS`]) and look again.
    Wait(f64),
}

/// Decides a timer step from the wall clock. Because it compares wall-clock times, a timer that
/// fires late (a sleeping laptop, a throttled tab) fires the refresh at once, and a timer that
/// fires early (a chained long delay) waits for the rest.
///
/// ```
/// use session_keeper::core::schedule::{tick, Tick};
/// assert_eq!(tick(0.0, 5_000.0), Tick::Wait(5_000.0));
/// assert_eq!(tick(6_000.0, 5_000.0), Tick::Fire);
/// ```
pub fn tick(now: f64, due: f64) -> Tick {
    let left = due - now;
    if left.is_nan() || left <= 0.0 {
        Tick::Fire
    } else {
        Tick::Wait(left.min(MAX_TIMEOUT_MS))
    }
}

/// Whether a wake-up signal (tab visible, focus, online, page restored) must run the refresh
/// now: it was due and nothing is running.
///
/// ```
/// use session_keeper::core::schedule::catch_up;
/// assert!(catch_up(10_000.0, Some(5_000.0), false));
/// assert!(!catch_up(10_000.0, Some(5_000.0), true)); // a refresh is already running
/// assert!(!catch_up(10_000.0, Some(20_000.0), false)); // not due yet
/// ```
pub fn catch_up(now: f64, due: Option<f64>, in_flight: bool) -> bool {
    !in_flight && matches!(due, Some(due) if matches!(tick(now, due), Tick::Fire))
}

/// What a failed refresh attempt means.
///
/// ```
/// use session_keeper::{core::schedule::{classify, Failure}, ErrorCode, SessionError};
/// let offline = SessionError::new(ErrorCode::Network, "the request never got an answer");
/// assert_eq!(classify(&offline), Failure::Transient);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Failure {
    /// Worth retrying with backoff: network error, timeout, 5xx, an unusable 2xx body, or an
    /// unexpected status.
    Transient,
    /// 429: retry after the server's `Retry-After` (ms), or with backoff when it gave none.
    RateLimited(Option<f64>),
    /// 400, 401 or 403: the refresh token is no longer good; the session has ended (unless
    /// another tab has rotated it meanwhile).
    Ended,
}

/// Classifies a refresh error.
///
/// ```
/// use session_keeper::{core::schedule::{classify, Failure}, SessionError};
/// assert_eq!(classify(&SessionError::http(401, None)), Failure::Ended);
/// assert_eq!(classify(&SessionError::http(503, None)), Failure::Transient);
/// assert_eq!(classify(&SessionError::http(429, Some(2.0))), Failure::RateLimited(Some(2_000.0)));
/// ```
pub fn classify(err: &SessionError) -> Failure {
    match (err.code, err.status) {
        (ErrorCode::RateLimited, _) => Failure::RateLimited(
            err.retry_after
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| s * 1000.0),
        ),
        (ErrorCode::Unauthorized | ErrorCode::Forbidden, _) => Failure::Ended,
        (ErrorCode::Http, Some(400)) => Failure::Ended,
        _ => Failure::Transient,
    }
}

/// Exponential backoff with jitter: about 1 s, 2 s, 4 s … capped at 60 s. `attempt` counts
/// failures so far (0 for the first retry); `jitter` is uniform in [0, 1) and spreads the
/// delay over ±25 % so that many clients do not retry in step.
///
/// ```
/// use session_keeper::core::schedule::backoff;
/// assert_eq!(backoff(0, 0.5), 1_000.0);
/// assert_eq!(backoff(3, 0.5), 8_000.0);
/// assert_eq!(backoff(30, 0.99), 60_000.0);
/// ```
pub fn backoff(attempt: u32, jitter: f64) -> f64 {
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let exponential = BACKOFF_BASE_MS * f64::from(1u32 << attempt.min(7));
    (exponential * (0.75 + 0.5 * jitter)).clamp(BACKOFF_BASE_MS, BACKOFF_MAX_MS)
}

/// The delay before retrying a failed refresh, or `None` when it must not be retried.
/// `Retry-After` is honoured exactly (never earlier, at most 10 % later for spread) and may
/// exceed [`BACKOFF_MAX_MS`]: the server knows best.
///
/// ```
/// use session_keeper::core::schedule::{retry_delay, Failure};
/// assert_eq!(retry_delay(Failure::RateLimited(Some(2_000.0)), 0, 0.0), Some(2_000.0));
/// assert_eq!(retry_delay(Failure::Ended, 0, 0.0), None);
/// ```
pub fn retry_delay(failure: Failure, attempt: u32, jitter: f64) -> Option<f64> {
    match failure {
        Failure::Ended => None,
        Failure::Transient | Failure::RateLimited(None) => Some(backoff(attempt, jitter)),
        Failure::RateLimited(Some(ms)) => {
            let jitter = if jitter.is_finite() {
                jitter.clamp(0.0, 1.0)
            } else {
                0.0
            };
            Some(ms.max(MIN_DELAY_MS) * (1.0 + 0.1 * jitter))
        }
    }
}

/// When to retry after a failure at `now`: `None` once the session has expired (retrying
/// stops there; the tokens are kept, and a wake-up signal or an explicit refresh tries again).
///
/// ```
/// use session_keeper::core::schedule::retry_at;
/// assert_eq!(retry_at(0.0, 1_000.0, Some(10_000.0)), Some(1_000.0));
/// assert_eq!(retry_at(10_000.0, 1_000.0, Some(10_000.0)), None);
/// ```
pub fn retry_at(now: f64, delay: f64, session_expires_at: Option<f64>) -> Option<f64> {
    match session_expires_at {
        Some(exp) if now >= exp => None,
        _ => Some(now + delay),
    }
}

fn finite_positive(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite() && *v > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: f64 = 1_700_000_000_000.0;

    #[test]
    fn due_prefers_next_refresh_seconds() {
        let exp = NOW + 600_000.0;
        assert_eq!(
            due_after_response(NOW, Some(30.0), Some(exp), Some(1.0)),
            Some(NOW + 30_000.0)
        );
        // 0, negative, NaN and infinite mean "not given".
        for bad in [0.0, -3.0, f64::NAN, f64::INFINITY] {
            assert_eq!(
                due_after_response(NOW, Some(bad), Some(exp), None),
                Some(exp - EXPIRY_MARGIN_MS)
            );
        }
    }

    #[test]
    fn due_falls_back_to_exp_then_session_expiration() {
        let exp = NOW + 300_000.0;
        assert_eq!(
            due_after_response(NOW, None, Some(exp), Some(1.0)),
            Some(exp - 20_000.0)
        );
        let expiration_s = (NOW + 120_000.0) / 1000.0;
        assert_eq!(
            due_after_response(NOW, None, None, Some(expiration_s)),
            Some(NOW + 100_000.0)
        );
        assert_eq!(due_after_response(NOW, None, None, None), None);
        assert_eq!(
            due_after_response(NOW, Some(0.0), Some(-1.0), Some(0.0)),
            None
        );
    }

    #[test]
    fn due_is_never_a_tight_loop() {
        // A token that expires in 5 s (inside the 20 s margin) or already expired.
        for exp in [NOW + 5_000.0, NOW - 60_000.0] {
            assert_eq!(
                due_after_response(NOW, None, Some(exp), None),
                Some(NOW + MIN_DELAY_MS)
            );
        }
        assert_eq!(
            due_after_response(NOW, Some(0.01), None, None),
            Some(NOW + MIN_DELAY_MS)
        );
    }

    #[test]
    fn restore_uses_stored_due_then_exp() {
        assert_eq!(due_on_restore(Some(NOW - 5.0), None), Some(NOW - 5.0));
        assert_eq!(
            due_on_restore(Some(f64::NAN), Some(NOW)),
            Some(NOW - 20_000.0)
        );
        assert_eq!(due_on_restore(None, None), None);
    }

    #[test]
    fn long_delays_are_chained() {
        // 25 days: longer than setTimeout can wait.
        let due = NOW + 25.0 * 86_400_000.0;
        let mut now = NOW;
        let mut steps = 0;
        loop {
            match tick(now, due) {
                Tick::Fire => break,
                Tick::Wait(ms) => {
                    assert!(ms > 0.0 && ms <= MAX_TIMEOUT_MS);
                    now += ms;
                    steps += 1;
                }
            }
        }
        assert_eq!(steps, 2);
        assert_eq!(now, due);
    }

    #[test]
    fn late_timers_fire_at_once() {
        // The machine slept through the due time: the first look fires.
        assert_eq!(tick(NOW + 3_600_000.0, NOW), Tick::Fire);
        assert_eq!(tick(NOW, NOW), Tick::Fire);
        assert_eq!(tick(NOW, f64::NAN), Tick::Fire);
        assert_eq!(tick(NOW, NOW + 1.0), Tick::Wait(1.0));
    }

    #[test]
    fn catch_up_only_when_due_and_idle() {
        assert!(catch_up(NOW, Some(NOW - 1.0), false));
        assert!(!catch_up(NOW, Some(NOW - 1.0), true));
        assert!(!catch_up(NOW, Some(NOW + 1.0), false));
        assert!(!catch_up(NOW, None, false));
    }

    #[test]
    fn classification() {
        use ErrorCode::*;
        let err = |code, status| {
            let mut err = SessionError::new(code, "x");
            err.status = status;
            err
        };
        assert_eq!(classify(&err(Network, None)), Failure::Transient);
        assert_eq!(classify(&err(Timeout, None)), Failure::Transient);
        assert_eq!(
            classify(&err(InvalidResponse, Some(200))),
            Failure::Transient
        );
        for status in [500, 502, 503, 504, 599, 404, 408, 409] {
            assert_eq!(
                classify(&SessionError::http(status, None)),
                Failure::Transient,
                "{status}"
            );
        }
        for status in [400, 401, 403] {
            assert_eq!(
                classify(&SessionError::http(status, None)),
                Failure::Ended,
                "{status}"
            );
        }
        assert_eq!(
            classify(&SessionError::http(429, None)),
            Failure::RateLimited(None)
        );
        assert_eq!(
            classify(&SessionError::http(429, Some(-1.0))),
            Failure::RateLimited(None)
        );
        assert_eq!(
            classify(&SessionError::http(429, Some(120.0))),
            Failure::RateLimited(Some(120_000.0))
        );
    }

    #[test]
    fn backoff_doubles_within_jitter_bounds() {
        let mut previous_max = 0.0;
        for attempt in 0..40 {
            let low = backoff(attempt, 0.0);
            let high = backoff(attempt, 0.999_999);
            let mid = backoff(attempt, 0.5);
            assert!(low <= mid && mid <= high);
            assert!(low >= BACKOFF_BASE_MS, "attempt {attempt}: {low}");
            assert!(high <= BACKOFF_MAX_MS, "attempt {attempt}: {high}");
            assert!(high >= previous_max || high == BACKOFF_MAX_MS);
            previous_max = high;
            if attempt < 5 {
                let nominal = 1000.0 * f64::from(1u32 << attempt);
                assert!((mid - nominal).abs() < 1e-6);
                assert!(high <= nominal * 1.25 + 1e-6);
                assert!(low >= (nominal * 0.75).max(1000.0) - 1e-6);
            }
        }
        assert_eq!(backoff(6, 0.5), 60_000.0);
        // Bad jitter values do not escape the bounds.
        for jitter in [f64::NAN, -1.0, 2.0, f64::INFINITY] {
            let d = backoff(2, jitter);
            assert!((BACKOFF_BASE_MS..=BACKOFF_MAX_MS).contains(&d));
        }
    }

    #[test]
    fn retry_after_is_never_shortened() {
        for jitter in [0.0, 0.3, 0.999] {
            let d = retry_delay(Failure::RateLimited(Some(2_000.0)), 4, jitter).unwrap();
            assert!((2_000.0..=2_200.0).contains(&d));
        }
        // Longer than the backoff cap: still honoured.
        assert_eq!(
            retry_delay(Failure::RateLimited(Some(120_000.0)), 0, 0.0),
            Some(120_000.0)
        );
        // Retry-After: 0 still waits the minimum.
        assert_eq!(
            retry_delay(Failure::RateLimited(Some(0.0)), 0, 0.0),
            Some(MIN_DELAY_MS)
        );
        assert_eq!(
            retry_delay(Failure::RateLimited(None), 2, 0.5),
            Some(4_000.0)
        );
        assert_eq!(retry_delay(Failure::Transient, 0, 0.5), Some(1_000.0));
        assert_eq!(retry_delay(Failure::Ended, 0, 0.5), None);
    }

    #[test]
    fn retries_stop_when_the_session_expires() {
        assert_eq!(retry_at(NOW, 4_000.0, None), Some(NOW + 4_000.0));
        assert_eq!(retry_at(NOW, 4_000.0, Some(NOW + 1.0)), Some(NOW + 4_000.0));
        assert_eq!(retry_at(NOW, 4_000.0, Some(NOW)), None);
        assert_eq!(retry_at(NOW, 4_000.0, Some(NOW - 1.0)), None);
    }
}
