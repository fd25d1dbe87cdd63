//! Faults the local platform injects on demand, per run, deterministically ("every Nth").
//!
//! Spec: comma-separated `key=value`, e.g. `5xx=7,429=11,retry-after=1,slow=13,slow-ms=300,dup=17,late=19`.
//! - `5xx=N`: every Nth API request answers 503 with an error body.
//! - `429=N`: every Nth API request answers 429 with `Retry-After: retry-after` seconds (default 1).
//! - `slow=N`: every Nth API request is answered after `slow-ms` milliseconds (default 2000).
//! - `dup=N`: every Nth published flow is published again later, same `flowId`, newer `updatedAt`.
//! - `late=N`: every Nth published flow is held back for `late-searches` searches (default 2), then
//!   appears with its original, older `updatedAt` (B.4 §5.3: a PA may hold back its newest items).
//! - `expire=N`: an access token is refused (401) after N API requests.

use crate::error::SyncError;

/// The faults of a run; `None` everywhere is a well-behaved platform.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    /// Every Nth API request answers 503.
    pub server_error_every: Option<u64>,
    /// Every Nth API request answers 429.
    pub too_many_every: Option<u64>,
    /// The `Retry-After` of a 429, in seconds.
    pub retry_after_secs: u64,
    /// Every Nth API request is slow.
    pub slow_every: Option<u64>,
    /// How slow, in milliseconds.
    pub slow_ms: u64,
    /// Every Nth published flow is published twice.
    pub duplicate_every: Option<u64>,
    /// Every Nth published flow arrives late.
    pub late_every: Option<u64>,
    /// For how many searches a late flow is held back.
    pub late_searches: u64,
    /// Access tokens last this many API requests.
    pub token_uses: Option<u64>,
}

impl Faults {
    /// No fault.
    pub fn none() -> Faults {
        Faults { retry_after_secs: 1, slow_ms: 2000, late_searches: 2, ..Faults::default() }
    }

    /// Parses a spec (see the module doc). An empty spec is [`Faults::none`].
    pub fn parse(spec: &str) -> Result<Faults, SyncError> {
        let mut f = Faults::none();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, value) =
                item.split_once('=').ok_or_else(|| SyncError::Server(format!("fault `{item}`: expected key=value")))?;
            let n: u64 = value
                .trim()
                .parse()
                .map_err(|_| SyncError::Server(format!("fault `{item}`: `{value}` is not a whole number")))?;
            let every = |n: u64| if n == 0 { None } else { Some(n) };
            match key.trim() {
                "5xx" => f.server_error_every = every(n),
                "429" => f.too_many_every = every(n),
                "retry-after" => f.retry_after_secs = n,
                "slow" => f.slow_every = every(n),
                "slow-ms" => f.slow_ms = n,
                "dup" => f.duplicate_every = every(n),
                "late" => f.late_every = every(n),
                "late-searches" => f.late_searches = n,
                "expire" => f.token_uses = every(n),
                other => {
                    return Err(SyncError::Server(format!(
                        "unknown fault `{other}` (known: 5xx, 429, retry-after, slow, slow-ms, dup, late, late-searches, expire)"
                    )))
                }
            }
        }
        Ok(f)
    }
}

/// True when the `n`th event (1-based) is hit by "every".
pub(crate) fn hits(every: Option<u64>, n: u64) -> bool {
    every.is_some_and(|e| n.is_multiple_of(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_parses_and_mistakes_are_named() {
        let f =
            Faults::parse("5xx=7, 429=11,retry-after=3,slow=13,slow-ms=50,dup=17,late=19,late-searches=4,expire=40")
                .unwrap_or_default();
        assert_eq!(f.server_error_every, Some(7));
        assert_eq!(f.too_many_every, Some(11));
        assert_eq!(f.retry_after_secs, 3);
        assert_eq!((f.slow_every, f.slow_ms), (Some(13), 50));
        assert_eq!((f.duplicate_every, f.late_every, f.late_searches), (Some(17), Some(19), 4));
        assert_eq!(f.token_uses, Some(40));
        assert_eq!(Faults::parse("").ok(), Some(Faults::none()));
        let e = Faults::parse("boom=1").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("unknown fault `boom`"), "{e}");
        assert!(Faults::parse("5xx=x").is_err());
        assert!(hits(Some(3), 6) && !hits(Some(3), 7) && !hits(None, 6));
    }
}
