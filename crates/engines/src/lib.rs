//! # encours-engines
//!
//! Pure engines over the ledger, with no I/O and no clock (the date is always passed in):
//! - [`matching`]: proposes and applies the lettrage of bank credit lines against open items;
//! - [`dunning`]: today's dunning plan (scenarios, pause rules, idempotency);
//! - [`lifecycle`]: what each lifecycle status of the French e-invoicing reform does to an invoice.
#![deny(missing_docs)]

pub mod analytics;
pub mod dunning;
pub mod lifecycle;
pub mod matching;
pub mod scoring;
