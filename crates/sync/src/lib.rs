//! Live sync with a *plateforme agréée* through the AFNOR XP Z12-013 Flow Service (legal-rules B.4).
//!
//! - [`client`]: OAuth2 bearer tokens (client credentials or refresh token; the secret is given by the
//!   caller, who keeps it in the keyring; access tokens live in memory only), `POST /v1/flows/search`,
//!   `GET /v1/flows/{flowId}`, `POST /v1/flows` (multipart `flowInfo` + `file`), `GET /v1/healthcheck`;
//!   timeouts, retries with exponential backoff and seeded jitter on 5xx and timeouts, 429 honoured
//!   with `Retry-After`.
//! - [`cursor`]: the pure cursor rules (B.4 §5.3: `updatedAfter` = the last `updatedAt` received,
//!   re-asked from the cursor minus the late-arrival window, deduplicated on `flowId`).
//! - [`sync`]: the sync loop over a [`sync::FlowSink`], which commits each flow together with the
//!   cursor, so a crash at any point loses nothing and duplicates nothing.
//! - [`directory`]: the Directory Service (`POST /v1/siren/search`, `POST /v1/directory-line/search`):
//!   a client's receiving platform and routing identifiers.
//! - [`webhook`]: flow notifications (B.4 §5.6): a receiver on 127.0.0.1 that wakes a sync.
//! - [`server`] (feature `server`): a local platform implementing the same routes and objects, with
//!   flows released over time and faults injected on demand.
//!
//! Nothing here reads the clock: waits go through a [`retry::Sleeper`], jitter comes from a seed, and
//! the local platform's `updatedAt` comes from a logical clock started at a date the caller gives.
#![deny(missing_docs)]

pub mod client;
pub mod cursor;
pub mod directory;
pub mod error;
pub mod model;
pub mod multipart;
pub mod opendata;
pub mod retry;
#[cfg(feature = "server")]
pub mod server;
pub mod sync;
pub mod webhook;

pub use client::{AuthConfig, ClientConfig, FlowClient, Grant};
pub use error::SyncError;
pub use model::{
    AckStatus, Acknowledgement, DocType, Flow, FlowDirection, FlowInfo, FlowSyntax, FlowType, FullFlowInfo,
};
pub use retry::{NoSleep, RetryPolicy, Sleeper, TokioSleeper};
pub use sync::{sync_once, FlowSink, MemorySink, SyncOptions, SyncReport};
