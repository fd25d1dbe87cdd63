//! # encours-store
//!
//! The dossier: one SQLCipher-encrypted SQLite file holding one company's ledger. This is the only
//! crate that knows SQL.
//!
//! - [`keys`]: where a dossier's 32-byte key lives (the OS keyring, or `ENCOURS_KEY_HEX` when headless
//!   use is chosen explicitly).
//! - [`Dossier`]: create / open (versioned migrations, WAL, foreign keys), integrity check, audit journal.
//! - [`LedgerWriter`]: one transaction per unit of work for loading records.
//! - [`audit`]: the audit journal's hash chain and its verification.
//! - [`company`]: the company's letterhead profile and logo.
//! - [`letters`]: what the legal documents read (a client's ledger as of a date, the journal).
//! - [`channels`]: the dossier's sending settings (no secrets) and the dispatch journal of the outbox.
//! - [`disputes`]: dispute dossiers (origin, evidence, tasks, events, resolution).
//! - [`dunning`]: scenarios, templates, the dunning snapshot and the outbox of dunning actions.
//! - [`portfolio`]: the portfolio (one row per client) and the client page's 360° view.
//! - [`queries`]: read models (summary, exports).
//! - [`backup`]: encrypted snapshots of a dossier and their restoration.
//! - [`rgpd`]: reversibility exports, right of access, anonymisation and retention.

pub mod alert_delivery;
mod amount;
pub mod analytics;
pub mod audit;
pub mod backup;
pub mod channels;
pub mod company;
pub mod directory;
pub mod disputes;
mod dossier;
pub mod dunning;
mod error;
pub mod items;
pub mod keys;
mod ledger;
pub mod letters;
mod migrations;
pub mod money_in;
pub mod opendata;
pub mod portfolio;
pub mod queries;
pub mod rates;
pub mod rgpd;
pub mod scoring;
pub mod sync;

pub use amount::{from_units, to_units, AMOUNT_SCALE};
pub use dossier::{AuditEntry, Company, Dossier, IntegrityReport};
pub use error::StoreError;
pub use keys::{DossierKey, KeyMode, KeySource};
pub use ledger::{business_key, DocumentId, LedgerWriter, LoadCounts};
