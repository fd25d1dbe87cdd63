//! Receivables analytics: the formulas, with no I/O and no clock.
//!
//! The store rebuilds the ledger as of a date (what was issued, paid and applied on or before it)
//! and feeds the figures here; nothing in this module knows where they come from, so each formula
//! is tested on the worked examples of `collections-anchors.md` (d) to the cent and to the day.
//!
//! - [`kpi`]: DSO by the countback (épuisement) and simple (comptable) methods, best possible DSO,
//!   overdue DSO, collection effectiveness index, ratios and weighted means;
//! - [`aging`]: configurable aged-balance buckets and the accumulators of an aged balance;
//! - [`forecast`]: when each open item is expected to be paid, from the client's observed delays,
//!   and the weekly collections forecast;
//! - [`compliance`]: French rules: legal payment-term ceilings (L441-10, legal-rules A.2), the
//!   annual-report table of late receivables (D441-6), doubtful receivables and impairments
//!   (411 → 416, 491) and irrecoverable VAT (CGI 272, legal-rules A.7).
//!
//! Amounts and ratios are [`rust_decimal::Decimal`]: days and percentages keep full precision
//! here and are rounded only for display ([`kpi::round1`]).

pub mod aging;
pub mod compliance;
pub mod forecast;
pub mod kpi;

/// What an analytics input can be wrong about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnalyticsError {
    /// Aged-balance bounds must be positive and strictly increasing ("30,60,90").
    #[error("aged-balance bounds must be positive and increasing, got {0}")]
    BadBuckets(String),
}
