//! # encours-demo
//!
//! A deterministic generator of realistic French receivables portfolios, for the demo dossier and
//! for benchmarks (up to 2,000,000 invoices and 50,000 clients).
//!
//! The same [`DemoConfig`] always gives the same records in the same order: every draw comes from
//! ChaCha8 streams seeded from `seed` (one stream per client, so one client's portfolio does not
//! depend on the others'), and nothing reads the clock: `as_of` is the portfolio's "today".
//! Behaviour draws (delays, sizes) use `f64` logarithms and powers from the platform's maths
//! library, whose last bit may differ between operating systems; a cent or a day could then differ
//! in rare cases from one platform to another, never from one run to the next on the same one.
//!
//! What a credit manager will find in it:
//! - clients with plausible French names, legal forms, valid SIREN/SIRET/VAT numbers, NAF codes,
//!   real city/postcode pairs, contacts, payment terms, segments and owners;
//! - two years of invoices before `as_of`, skewed over clients (a few large accounts, many small
//!   ones), with exact EN 16931 totals and VAT breakdowns (20 %, 10 %, 5.5 %, some mixed);
//! - payments by bank transfer as banks report them (upper-case payer names, valid IBANs, the
//!   remittance texts clients really write), some partial, some grouped in pay runs;
//! - five payment habits: prompt, slow, seasonal, disputing, and deteriorating then insolvent;
//! - credit notes allocated against the invoices they credit, disputes, promises to pay, and the
//!   lifecycle statuses of the e-invoicing reform for invoices issued from 1 September 2026.
//!
//! Records are streamed to a [`DemoSink`] client by client, so memory stays bounded by the largest
//! client's in-flight invoices, never by the portfolio.
#![deny(missing_docs)]

mod amounts;
mod dates;
mod draw;
mod emit;
mod habit;
mod ident;
mod ledger;
mod party;
pub mod statements;
mod words;

use chrono::NaiveDate;
use encours_domain::{Allocation, Client, Dispute, Invoice, Payment, Promise, Siren, StatusEvent};
use rand::Rng;

use crate::emit::Out;
use crate::ledger::Ledger;
use crate::party::{client_rng, lifespans, profile, spread, Context};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoConfig {
    /// Seed of every random draw: the same seed gives the same portfolio.
    pub seed: u64,
    /// Number of clients to emit (exactly).
    pub clients: u32,
    /// Number of invoice documents (invoices and credit notes) to emit, exactly, provided there is
    /// at least one client to issue them to.
    pub invoices: u64,
    /// The "today" of the portfolio: nothing is dated after it (except due dates and pending
    /// promises, which lie in the future by nature).
    pub as_of: NaiveDate,
    /// SIREN of the seller (the dossier's company), written on every invoice (BT-30).
    pub seller_siren: Siren,
}

impl DemoConfig {
    /// A configuration.
    pub fn new(seed: u64, clients: u32, invoices: u64, as_of: NaiveDate, seller_siren: Siren) -> Self {
        DemoConfig { seed, clients, invoices, as_of, seller_siren }
    }

    /// The standard demo dossier: seed 42, 120 clients, 6,000 invoices.
    pub fn standard(as_of: NaiveDate, seller_siren: Siren) -> Self {
        DemoConfig::new(42, 120, 6_000, as_of, seller_siren)
    }
}

/// Where generated records go (a store, a counter, a test collector).
///
/// Records arrive in an order that respects references: a client before its invoices; an
/// invoice before any allocation, status, dispute or promise that names it; a payment before its
/// allocations; a credit note before the allocation that uses it. Ids are sequential from 1 per
/// kind, in emission order. The records are lent: a sink that keeps them must clone them.
pub trait DemoSink {
    /// What the sink fails with; generation stops at the first error and returns it.
    type Error;
    /// A client.
    fn client(&mut self, c: &Client) -> Result<(), Self::Error>;
    /// An invoice, down-payment invoice or credit note.
    fn invoice(&mut self, i: &Invoice) -> Result<(), Self::Error>;
    /// A payment received.
    fn payment(&mut self, p: &Payment) -> Result<(), Self::Error>;
    /// A payment or credit note applied to an invoice.
    fn allocation(&mut self, a: &Allocation) -> Result<(), Self::Error>;
    /// A lifecycle status of an invoice.
    fn status(&mut self, s: &StatusEvent) -> Result<(), Self::Error>;
    /// A dispute.
    fn dispute(&mut self, d: &Dispute) -> Result<(), Self::Error>;
    /// A promise to pay.
    fn promise(&mut self, p: &Promise) -> Result<(), Self::Error>;
}

/// How many records of each kind were emitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoStats {
    /// Clients.
    pub clients: u64,
    /// Invoice documents, credit notes included.
    pub invoices: u64,
    /// Credit notes (also counted in `invoices`).
    pub credit_notes: u64,
    /// Payments.
    pub payments: u64,
    /// Allocations (of payments and of credit notes).
    pub allocations: u64,
    /// Lifecycle statuses.
    pub statuses: u64,
    /// Disputes.
    pub disputes: u64,
    /// Promises to pay.
    pub promises: u64,
}

/// A client the generator makes deteriorate and then fail (the "deteriorating then insolvent"
/// habit): what a check of the early warnings' lead time needs to know, and the ledger does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailingClient {
    /// Its id (clients are numbered from 1 in emission order, as [`generate`] emits them).
    pub client_id: i64,
    /// The day its delays start to lengthen.
    pub decline_from: NaiveDate,
    /// Its failure date: the last day it pays anything (nothing is paid after it).
    pub stops_paying: NaiveDate,
    /// The day the seller stops invoicing it (credit hold).
    pub stops_invoicing: NaiveDate,
}

/// The clients [`generate`] makes fail with `cfg`, in id order, without generating anything else
/// (the habits are drawn from their own stream, before any client's records).
pub fn failing_clients(cfg: &DemoConfig) -> Vec<FailingClient> {
    let ctx = Context::new(cfg);
    (1i64..)
        .zip(lifespans(cfg.seed, cfg.clients, &ctx.timeline))
        .filter_map(|(client_id, life)| match life.habit {
            habit::Habit::Deteriorating { decline_from, stop_paying, stop_invoicing } => Some(FailingClient {
                client_id,
                decline_from,
                stops_paying: stop_paying,
                stops_invoicing: stop_invoicing,
            }),
            _ => None,
        })
        .collect()
}

/// Generates the portfolio described by `cfg` into `sink`, client by client.
///
/// Exactly `cfg.clients` clients and `cfg.invoices` invoice documents are emitted (when
/// `cfg.clients` is 0 there is nobody to invoice, and no document is emitted). Stops at the first
/// sink error.
pub fn generate<S: DemoSink>(cfg: &DemoConfig, sink: &mut S) -> Result<DemoStats, S::Error> {
    let ctx = Context::new(cfg);
    let lives = lifespans(cfg.seed, cfg.clients, &ctx.timeline);
    let weights: Vec<u64> = lives.iter().map(|l| l.document_weight(&ctx.timeline)).collect();
    let counts = spread(cfg.invoices, &weights);
    // The seller's own account, where the clients pay: fixed for a seed.
    let mut seller_rng = client_rng(cfg.seed, u64::MAX - 1);
    let seller_iban = ident::french_iban(
        *draw::pick(&mut seller_rng, words::BANK_CODES),
        seller_rng.random_range(1..100_000),
        seller_rng.random_range(0..100_000_000_000),
    );
    let mut out = Out::new(sink, &ctx.origin, &cfg.seller_siren, seller_iban);
    let mut ledger = Ledger::default();
    for (index, (life, &docs)) in (0u64..).zip(lives.iter().zip(&counts)) {
        let mut rng = client_rng(cfg.seed, index);
        let p = profile(&ctx, index, life, docs, &mut rng);
        ledger.run(&mut out, &p, &ctx, &mut rng)?;
    }
    Ok(out.stats)
}
