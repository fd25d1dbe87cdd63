//! Retry timing: exponential backoff with seeded jitter, `Retry-After`, and the sleeper that waits.
//!
//! Waiting goes through [`Sleeper`] so that tests run retries without waiting (and record the
//! delays), and so that nothing here reads the clock. All arithmetic is on integer nanoseconds.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A boxed future of a sleep.
pub type SleepFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Waits. The client calls it between attempts; the app gives [`TokioSleeper`], tests [`NoSleep`].
pub trait Sleeper: Send + Sync {
    /// Waits for `duration`.
    fn sleep(&self, duration: Duration) -> SleepFuture<'_>;
}

/// Sleeps for real on the tokio timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> SleepFuture<'_> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Does not wait; records every delay asked for (tests check backoff and `Retry-After` with it).
#[derive(Debug, Clone, Default)]
pub struct NoSleep {
    asked: Arc<Mutex<Vec<Duration>>>,
}

impl NoSleep {
    /// The delays asked for so far, in order.
    pub fn asked(&self) -> Vec<Duration> {
        self.asked.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl Sleeper for NoSleep {
    fn sleep(&self, duration: Duration) -> SleepFuture<'_> {
        if let Ok(mut v) = self.asked.lock() {
            v.push(duration);
        }
        Box::pin(std::future::ready(()))
    }
}

/// How hard to insist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// Delay before the first retry, before jitter; doubled at each retry.
    pub base_delay: Duration,
    /// Ceiling of the backoff.
    pub max_delay: Duration,
    /// Ceiling of a `Retry-After` we accept to wait; a longer one ends the attempts.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

/// Deterministic jitter source (splitmix64) from a seed: the same seed gives the same delays.
#[derive(Debug)]
pub struct Jitter {
    state: AtomicU64,
}

impl Jitter {
    /// A source started at `seed`.
    pub fn new(seed: u64) -> Jitter {
        Jitter { state: AtomicU64::new(seed) }
    }

    /// The next pseudo-random number.
    pub fn next_u64(&self) -> u64 {
        let mut z = self.state.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Delay before retry number `retry` (0 for the first retry): `base × 2^retry` capped at `max_delay`,
/// then "equal jitter": half of it fixed, the other half uniform, so clients that failed together
/// do not come back together, and a delay never collapses to zero.
pub fn backoff(policy: &RetryPolicy, retry: u32, jitter: &Jitter) -> Duration {
    let base = policy.base_delay.as_nanos();
    let cap = policy.max_delay.as_nanos();
    let exp = base.checked_shl(retry.min(63)).unwrap_or(cap).min(cap);
    let half = exp / 2;
    let spread = u128::from(jitter.next_u64()) % (half + 1);
    let nanos = half + spread;
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// `Retry-After` as delay-seconds (RFC 9110 §10.2.3). An HTTP-date would need the clock: it is
/// treated as absent, and the backoff applies instead.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_stays_within_bounds_and_is_reproducible() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(60),
        };
        let a = Jitter::new(7);
        let b = Jitter::new(7);
        for retry in 0..10 {
            let exp = Duration::from_millis(100 * (1u64 << retry)).min(Duration::from_secs(2));
            let d = backoff(&policy, retry, &a);
            assert!(d >= exp / 2 && d <= exp, "retry {retry}: {d:?} not in [{:?}, {exp:?}]", exp / 2);
            assert_eq!(d, backoff(&policy, retry, &b));
        }
        let c = Jitter::new(8);
        let differ = (0..10).any(|r| backoff(&policy, r, &Jitter::new(7)) != backoff(&policy, r, &c));
        assert!(differ, "another seed gives other delays");
    }

    #[test]
    fn retry_after_takes_seconds_and_ignores_dates() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }
}
