//! # encours-domain
//!
//! The vocabulary of receivables, with no I/O: money with its currency, French and European
//! identifiers, clients, invoices (EN 16931 business terms), payments and allocations, lifecycle
//! statuses of the French e-invoicing reform, disputes and promises to pay, and the French
//! business calendar.
//!
//! Two rules hold everywhere in this crate (they are checked by `tests/invariants.rs`):
//! - amounts are [`rust_decimal::Decimal`] inside [`Money`], never floats;
//! - nothing here reads the clock: every rule that depends on "today" takes the date as a parameter.
#![deny(missing_docs)]

pub mod calendar;
pub mod client;
pub mod collection;
pub mod creditor_ref;
pub mod dunning;
pub mod id_hash;
pub mod ids;
pub mod invoice;
pub mod legal;
pub mod lifecycle;
pub mod money;
pub mod payment;
pub mod source;
pub mod terms;

pub use calendar::FrenchCalendar;
pub use client::{Client, ClientId, Contact, PostalAddress};
pub use collection::{Dispute, DisputeId, DisputeReason, DisputeState, Promise, PromiseId, PromiseState};
pub use creditor_ref::{CreditorRef, CreditorRefError};
pub use ids::{Iban, IdError, NafCode, Siren, Siret, VatNumber};
pub use invoice::{Instalment, Invoice, InvoiceId, InvoiceKind, InvoiceNote, InvoiceTotals, VatBreakdown};
pub use lifecycle::{LifecycleStatus, StatusAmount, StatusEvent, StatusSetter};
pub use money::{Currency, Money, MoneyError, Totals};
pub use payment::{Allocation, AllocationFrom, AllocationId, Payment, PaymentId};
pub use source::Source;
pub use terms::PaymentTerms;
