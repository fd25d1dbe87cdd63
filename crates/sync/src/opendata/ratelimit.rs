//! The request rate limit: a token bucket (in its GCRA form: one "theoretical arrival time",
//! integer nanoseconds) over an injectable time source.
//!
//! recherche-entreprises allows at most 7 requests per second per IP and answers 429 with
//! `Retry-After` beyond (open-data §4.2). With a bucket of `burst` tokens refilled at `per_second`,
//! any window of one second holds at most `burst + per_second − 1` requests; the default (7/s,
//! burst 1) spaces requests by 1/7 s, so no one-second window ever sees more than 7. A 429's
//! `Retry-After` also holds the bucket: nothing leaves before it has passed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::retry::Sleeper;

/// A monotonic time source: the time elapsed since some fixed origin.
pub trait Clock: Send + Sync {
    /// Time since the origin.
    fn elapsed(&self) -> Duration;
}

/// The tokio monotonic clock (follows tokio's paused time in tests); its origin is its creation.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    origin: tokio::time::Instant,
}

impl TokioClock {
    /// A clock whose origin is now (a monotonic instant, not the calendar).
    pub fn new() -> TokioClock {
        TokioClock { origin: tokio::time::Instant::now() }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        TokioClock::new()
    }
}

impl Clock for TokioClock {
    fn elapsed(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// A clock moved by hand (tests): `advance` adds to it, and so does every sleep of the paired
/// [`ManualClock::sleeper`], so a limiter under test runs without waiting.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    at: Arc<Mutex<Duration>>,
}

impl ManualClock {
    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        if let Ok(mut at) = self.at.lock() {
            *at += by;
        }
    }

    /// A sleeper that advances this clock instead of waiting.
    pub fn sleeper(&self) -> ManualSleeper {
        ManualSleeper { clock: self.clone() }
    }
}

impl Clock for ManualClock {
    fn elapsed(&self) -> Duration {
        self.at.lock().map(|a| *a).unwrap_or_default()
    }
}

/// Sleeps by advancing a [`ManualClock`].
#[derive(Debug, Clone)]
pub struct ManualSleeper {
    clock: ManualClock,
}

impl Sleeper for ManualSleeper {
    fn sleep(&self, duration: Duration) -> crate::retry::SleepFuture<'_> {
        self.clock.advance(duration);
        Box::pin(std::future::ready(()))
    }
}

/// The limiter's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per second, sustained (at least 1).
    pub per_second: u32,
    /// Requests that may leave back to back (at least 1).
    pub burst: u32,
    /// Added to the second the rate is counted over, against network jitter (see the module doc).
    pub margin_ms: u32,
}

impl Default for RateLimit {
    /// 7 requests per second, evenly spaced, with a 150 ms margin (open-data §4.2).
    fn default() -> Self {
        RateLimit { per_second: 7, burst: 1, margin_ms: 150 }
    }
}

/// A token bucket shared by every request of a client.
pub struct TokenBucket {
    clock: Arc<dyn Clock>,
    interval: u128,
    tolerance: u128,
    /// Theoretical arrival time of the next request, in nanoseconds since the clock's origin.
    tat: Mutex<u128>,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(limit: RateLimit, clock: Arc<dyn Clock>) -> TokenBucket {
        let second = 1_000_000_000u128 + u128::from(limit.margin_ms) * 1_000_000;
        let interval = second / u128::from(limit.per_second.max(1));
        let tolerance = interval * u128::from(limit.burst.max(1) - 1);
        TokenBucket { clock, interval, tolerance, tat: Mutex::new(0) }
    }

    /// Takes a token if one is there; else how long to wait before asking again.
    pub fn try_acquire(&self) -> Result<(), Duration> {
        let now = self.clock.elapsed().as_nanos();
        let Ok(mut tat) = self.tat.lock() else { return Ok(()) };
        let earliest = tat.saturating_sub(self.tolerance);
        if now < earliest {
            return Err(Duration::from_nanos(u64::try_from(earliest - now).unwrap_or(u64::MAX)));
        }
        *tat = (*tat).max(now) + self.interval;
        Ok(())
    }

    /// Waits (through `sleeper`) until a token is there, and takes it.
    pub async fn acquire(&self, sleeper: &dyn Sleeper) {
        while let Err(wait) = self.try_acquire() {
            sleeper.sleep(wait).await;
        }
    }

    /// Holds every request until `after` from now (a 429's `Retry-After`).
    pub fn hold_for(&self, after: Duration) {
        let until = self.clock.elapsed().as_nanos() + after.as_nanos() + self.tolerance;
        if let Ok(mut tat) = self.tat.lock() {
            *tat = (*tat).max(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_one_second_window_holds_more_than_seven_requests() {
        let clock = ManualClock::default();
        let bucket = TokenBucket::new(RateLimit::default(), Arc::new(clock.clone()));
        let sleeper = clock.sleeper();
        let mut times = Vec::new();
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        for _ in 0..50 {
            rt.block_on(bucket.acquire(&sleeper));
            times.push(clock.elapsed());
        }
        for (i, t) in times.iter().enumerate() {
            let in_window = times.iter().skip(i).filter(|u| **u < *t + Duration::from_secs(1)).count();
            assert!(in_window <= 7, "{in_window} requests in the second from {t:?}");
        }
        // And it is not slower than it must be: 50 requests in 49 intervals of 1.15 s / 7.
        assert!(times.last().copied().unwrap_or_default() <= Duration::from_millis(8050), "{times:?}");
    }

    #[test]
    fn a_burst_leaves_at_once_and_retry_after_holds_the_bucket() {
        let clock = ManualClock::default();
        let bucket = TokenBucket::new(RateLimit { per_second: 2, burst: 3, margin_ms: 0 }, Arc::new(clock.clone()));
        assert!((0..3).all(|_| bucket.try_acquire().is_ok()));
        assert_eq!(bucket.try_acquire(), Err(Duration::from_millis(500)));
        clock.advance(Duration::from_secs(10));
        bucket.hold_for(Duration::from_secs(2));
        assert!(bucket.try_acquire().is_err());
        clock.advance(Duration::from_secs(2));
        assert!(bucket.try_acquire().is_ok());
    }
}
