//! Public company data for client risk (issue 9 §4): SIRENE facts through the API Recherche
//! d'entreprises and BODACC notices of procédures collectives (open-data §2–4), with the services'
//! rate limit (7 requests/s, 429 with `Retry-After`), timeouts and retries.
//!
//! - [`sirene`] and [`bodacc`]: pure parsers of the documented bodies into [`CompanyFacts`] and
//!   [`BodaccNotice`]s (every notice keeps its id, record id and URL), never panicking.
//! - [`ratelimit`]: the token bucket over an injectable [`Clock`].
//! - [`client`]: [`OpenDataClient`], base URLs configurable (the public endpoints by default).
//! - [`server`] (feature `server`): the local replay server over `shared/corpus/{sirene,bodacc}`.
//!
//! Nothing here knows the dossier: the app caches the raw answers and the parsed facts in the store
//! and falls back to that cache when the services cannot be reached.

pub mod bodacc;
pub mod client;
pub mod error;
pub mod ratelimit;
#[cfg(feature = "server")]
pub mod server;
pub mod sirene;

pub use bodacc::{BodaccNotice, Judgment, NoticeKind, Procedure};
pub use client::{CompanyAnswer, NoticesAnswer, OpenDataClient, OpenDataConfig, RawPage};
pub use error::OpenDataError;
pub use ratelimit::{Clock, ManualClock, RateLimit, TokenBucket, TokioClock};
pub use sirene::CompanyFacts;
