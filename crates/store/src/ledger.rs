//! Loading records into the ledger, one transaction per unit of work.
//!
//! A [`LedgerWriter`] holds an open transaction. Records go in through it, each keeping its
//! source; [`LedgerWriter::commit`] writes one audit entry for the whole unit (what was loaded,
//! from where, how many) and commits. Dropping the writer without committing rolls everything
//! back: an import that fails half-way leaves the dossier as it was.
//!
//! A unit of work can also be cut into *parts* (SQL savepoints), each kept or dropped whole:
//! [`LedgerWriter::part`], [`LedgerWriter::keep_part`], [`LedgerWriter::drop_part`]; the unit's
//! audit entry counts what the kept parts loaded. An import of many files uses one part per file
//! inside a unit committed every few hundred files: each file is all-or-nothing, and the commit —
//! the costly write of every changed page to the WAL — is paid once per group instead of once per
//! file.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::{
    Allocation, AllocationFrom, Client, ClientId, Dispute, DisputeReason, DisputeState, Instalment, Invoice, InvoiceId,
    InvoiceKind, InvoiceNote, Payment, Promise, PromiseState, Source, StatusEvent, VatBreakdown,
};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use crate::amount::to_units;
use crate::dossier::{insert_audit, Dossier};
use crate::error::StoreError;

/// The identity of an original file kept in the dossier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct DocumentId(pub i64);

/// The key that recognises the same invoice arriving twice: seller identifier, number, issue
/// date, type code, currency and grand total. Never the number alone: different documents reuse
/// numbers (the corpus has one number on 19 files with 12 distinct contents).
pub fn business_key(seller: &str, i: &Invoice) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}",
        seller.trim(),
        i.number.trim(),
        i.issue_date,
        i.type_code,
        i.currency,
        i.totals.grand_total.amount.normalize()
    )
}

/// How many records a unit of work loaded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LoadCounts {
    /// Clients.
    pub clients: u64,
    /// Invoices and credit notes.
    pub invoices: u64,
    /// Payments.
    pub payments: u64,
    /// Allocations.
    pub allocations: u64,
    /// Lifecycle statuses.
    pub statuses: u64,
    /// Disputes.
    pub disputes: u64,
    /// Promises to pay.
    pub promises: u64,
}

/// The invoice fields that are read whole rather than queried, stored as one JSON column.
#[derive(Serialize)]
struct InvoiceDetails<'a> {
    line_total: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowance_total: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    charge_total: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prepaid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rounding: Option<String>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    instalments: &'a [Instalment],
    /// BG-23 as rows `[category, rate, taxable amount, tax amount, exemption reason]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    vat: Vec<VatRow<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    terms: Option<&'a str>,
    /// The id of the invoice's notes in `note_sets`.
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payee_iban: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remittance: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    preceding: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    order: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    process: Option<&'a str>,
}

/// A VAT breakdown line in compact form (amounts in the invoice currency, as decimal strings).
#[derive(Serialize)]
struct VatRow<'a>(&'a str, Option<String>, String, String, Option<&'a str>);

impl<'a> From<&'a VatBreakdown> for VatRow<'a> {
    fn from(v: &'a VatBreakdown) -> Self {
        VatRow(
            &v.category,
            v.rate.map(|r| r.to_string()),
            v.taxable_amount.amount.to_string(),
            v.tax_amount.amount.to_string(),
            v.exemption_reason.as_deref(),
        )
    }
}

fn kind_str(kind: InvoiceKind) -> &'static str {
    match kind {
        InvoiceKind::Invoice => "invoice",
        InvoiceKind::CreditNote => "credit_note",
        InvoiceKind::Corrective => "corrective",
        InvoiceKind::DownPayment => "down_payment",
        InvoiceKind::Information => "information",
    }
}

pub(crate) fn dispute_reason_str(r: DisputeReason) -> &'static str {
    match r {
        DisputeReason::Price => "price",
        DisputeReason::Quantity => "quantity",
        DisputeReason::Quality => "quality",
        DisputeReason::Delivery => "delivery",
        DisputeReason::Duplicate => "duplicate",
        DisputeReason::Vat => "vat",
        DisputeReason::MissingReference => "missing_reference",
        DisputeReason::Other => "other",
    }
}

fn date(d: NaiveDate) -> String {
    d.to_string()
}

/// A unit of work that loads records into the ledger.
pub struct LedgerWriter<'d> {
    pub(crate) tx: Transaction<'d>,
    kind: String,
    sources: HashMap<String, i64>,
    note_sets: HashMap<String, i64>,
    pub(crate) counts: LoadCounts,
    pub(crate) at: NaiveDateTime,
    /// The open part, when one is.
    part: Option<Part>,
    /// Loading in bulk: the analytics triggers were dropped in this transaction; their
    /// definitions, re-created at commit after the aggregates are rebuilt.
    bulk: Option<Vec<String>>,
}

/// What to restore when an open part is dropped: the counts at its start, and the cache entries
/// it added (their rows are rolled back with it).
struct Part {
    counts: LoadCounts,
    sources: Vec<String>,
    note_sets: Vec<String>,
}

impl LoadCounts {
    /// What `self` holds beyond `earlier` (counts only grow within a unit of work).
    fn since(&self, earlier: &LoadCounts) -> LoadCounts {
        LoadCounts {
            clients: self.clients.saturating_sub(earlier.clients),
            invoices: self.invoices.saturating_sub(earlier.invoices),
            payments: self.payments.saturating_sub(earlier.payments),
            allocations: self.allocations.saturating_sub(earlier.allocations),
            statuses: self.statuses.saturating_sub(earlier.statuses),
            disputes: self.disputes.saturating_sub(earlier.disputes),
            promises: self.promises.saturating_sub(earlier.promises),
        }
    }
}

impl Dossier {
    /// Starts a unit of work that loads records. `kind` names what is loaded (`demo`, `facturx`,
    /// `camt053`…) and goes into the source table and the audit entry; `at` is the time of the load.
    pub fn writer(&mut self, kind: &str, at: NaiveDateTime) -> Result<LedgerWriter<'_>, StoreError> {
        let tx = self.conn.transaction()?;
        let mut w = LedgerWriter {
            tx,
            kind: kind.to_owned(),
            sources: HashMap::new(),
            note_sets: HashMap::new(),
            counts: LoadCounts::default(),
            at,
            part: None,
            bulk: None,
        };
        // A first load (the demo, a whole FEC) rebuilds the aggregates from the ledger once at
        // commit: that costs about what the load costs, where the triggers row by row made a
        // 200,000-invoice demo 2.7 times slower.
        let empty: bool =
            w.tx.prepare_cached(
                "SELECT NOT EXISTS (SELECT 1 FROM clients) AND NOT EXISTS (SELECT 1 FROM invoices)
             AND NOT EXISTS (SELECT 1 FROM payments)",
            )?
            .query_row([], |r| r.get(0))?;
        if empty {
            w.load_in_bulk()?;
        }
        Ok(w)
    }
}

impl LedgerWriter<'_> {
    /// Loads the rest of this unit of work in bulk: the triggers that keep the analytics
    /// aggregates (migration 0005) are dropped now, and at commit the aggregates are rebuilt from
    /// the whole ledger with set-based statements and the triggers re-created — all in this
    /// transaction, so a unit that fails or is dropped leaves the dossier as it was, triggers
    /// included. Worth it when the load is large beside the ledger (the rebuild reads all of it);
    /// a writer that starts on an empty ledger does it by itself. Not inside a part.
    pub fn load_in_bulk(&mut self) -> Result<(), StoreError> {
        if self.bulk.is_some() {
            return Ok(());
        }
        if self.part.is_some() {
            return Err(StoreError::Invalid("a bulk load starts outside a part of the unit of work".to_owned()));
        }
        self.bulk = Some(crate::analytics::drop_aggregate_triggers(&self.tx)?);
        Ok(())
    }

    /// Keeps the aggregates row by row from now on (the triggers back, the aggregates rebuilt
    /// from what is loaded so far): the opposite of [`LedgerWriter::load_in_bulk`].
    pub fn load_row_by_row(&mut self) -> Result<(), StoreError> {
        if self.part.is_some() {
            return Err(StoreError::Invalid("the triggers come back outside a part of the unit of work".to_owned()));
        }
        if let Some(triggers) = self.bulk.take() {
            crate::analytics::rebuild_aggregates(&self.tx, &triggers)?;
        }
        Ok(())
    }

    /// True when this unit of work loads in bulk (see [`LedgerWriter::load_in_bulk`]).
    pub fn is_bulk(&self) -> bool {
        self.bulk.is_some()
    }

    /// True when the dossier has no client yet (as seen inside this unit of work).
    pub fn ledger_is_empty(&self) -> Result<bool, StoreError> {
        Ok(!self.tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM clients)")?.query_row([], |r| r.get::<_, bool>(0))?)
    }

    pub(crate) fn source_id(&mut self, source: &Source) -> Result<i64, StoreError> {
        if let Some(id) = self.sources.get(&source.origin) {
            return Ok(*id);
        }
        let inserted = self
            .tx
            .prepare_cached("INSERT OR IGNORE INTO sources (origin, kind, recorded_at) VALUES (?1, ?2, ?3)")?
            .execute(params![source.origin, self.kind, self.at.format("%Y-%m-%dT%H:%M:%S").to_string()])?;
        let id: i64 = if inserted == 1 {
            self.tx.last_insert_rowid()
        } else {
            self.tx
                .prepare_cached("SELECT id FROM sources WHERE origin = ?1")?
                .query_row([&source.origin], |r| r.get(0))?
        };
        self.sources.insert(source.origin.clone(), id);
        if let Some(part) = &mut self.part {
            part.sources.push(source.origin.clone());
        }
        Ok(id)
    }

    /// The id of a set of notes, stored once however many invoices carry it.
    fn note_set(&mut self, notes: &[InvoiceNote]) -> Result<Option<i64>, StoreError> {
        if notes.is_empty() {
            return Ok(None);
        }
        let json = serde_json::to_string(notes)?;
        if let Some(id) = self.note_sets.get(&json) {
            return Ok(Some(*id));
        }
        self.tx.prepare_cached("INSERT OR IGNORE INTO note_sets (json) VALUES (?1)")?.execute([&json])?;
        let id: i64 =
            self.tx.prepare_cached("SELECT id FROM note_sets WHERE json = ?1")?.query_row([&json], |r| r.get(0))?;
        if let Some(part) = &mut self.part {
            part.note_sets.push(json.clone());
        }
        self.note_sets.insert(json, id);
        Ok(Some(id))
    }

    /// Adds a client.
    pub fn client(&mut self, c: &Client) -> Result<(), StoreError> {
        let source_id = self.source_id(&c.source)?;
        self.tx
            .prepare_cached(
                "INSERT INTO clients (id, name, siren, siret, vat, legal_form, naf, segment, owner, address_json,
                 contacts_json, terms_json, currency, since, is_individual, source_id, source_locator)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            )?
            .execute(params![
                c.id.0,
                c.name,
                c.siren.as_ref().map(|s| s.as_str()),
                c.siret.as_ref().map(|s| s.as_str()),
                c.vat.as_ref().map(|s| s.as_str()),
                c.legal_form,
                c.naf.as_ref().map(|s| s.as_str()),
                c.segment,
                c.owner,
                serde_json::to_string(&c.address)?,
                serde_json::to_string(&c.contacts)?,
                serde_json::to_string(&c.terms)?,
                c.currency.code(),
                date(c.since),
                c.is_individual,
                source_id,
                c.source.locator,
            ])?;
        self.counts.clients += 1;
        Ok(())
    }

    /// Adds an invoice or credit note; its open amount starts at its receivable effect.
    pub fn invoice(&mut self, i: &Invoice) -> Result<(), StoreError> {
        self.imported_invoice(i, None, None)
    }

    /// Adds an invoice read from a file: `document_id` is the original file kept as evidence,
    /// `business_key` recognises the same invoice arriving again (see [`business_key`]).
    pub fn imported_invoice(
        &mut self,
        i: &Invoice,
        document_id: Option<DocumentId>,
        business_key: Option<&str>,
    ) -> Result<(), StoreError> {
        let t = &i.totals;
        for m in [&t.tax_basis_total, &t.grand_total, &t.due_payable] {
            if m.currency != i.currency {
                return Err(StoreError::Invalid(format!(
                    "invoice {} mixes currencies ({} and {})",
                    i.number, i.currency, m.currency
                )));
            }
        }
        let source_id = self.source_id(&i.source)?;
        let opt = |m: &Option<encours_domain::Money>| m.map(|m| m.amount.to_string());
        let details = InvoiceDetails {
            line_total: t.line_total.amount.to_string(),
            allowance_total: opt(&t.allowance_total),
            charge_total: opt(&t.charge_total),
            prepaid: opt(&t.prepaid),
            rounding: opt(&t.rounding),
            instalments: &i.instalments,
            vat: i.vat_breakdown.iter().map(VatRow::from).collect(),
            terms: i.payment_terms_note.as_deref(),
            notes: self.note_set(&i.notes)?,
            payee_iban: i.payee_iban.as_ref().map(|x| x.as_str()),
            remittance: i.remittance.as_deref(),
            preceding: i.preceding_invoice.as_deref(),
            order: i.order_reference.as_deref(),
            process: i.business_process.as_deref(),
        };
        let receivable = to_units(i.receivable_effect().amount)?;
        self.tx
            .prepare_cached(
                "INSERT INTO invoices (id, client_id, number, type_code, kind, issue_date, due_date, delivery_date,
                 currency, tax_basis_total, tax_total, grand_total, due_payable, receivable, outstanding,
                 seller_siren, details_json, source_id, source_locator, document_id, business_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
            )?
            .execute(params![
                i.id.0,
                i.client_id.0,
                i.number,
                i.type_code,
                kind_str(i.kind),
                date(i.issue_date),
                date(i.due_date),
                i.delivery_date.map(date),
                i.currency.code(),
                to_units(t.tax_basis_total.amount)?,
                t.tax_total.map(|m| to_units(m.amount)).transpose()?,
                to_units(t.grand_total.amount)?,
                to_units(t.due_payable.amount)?,
                receivable,
                i.seller_siren.as_ref().map(|s| s.as_str()),
                serde_json::to_string(&details)?,
                source_id,
                i.source.locator,
                document_id.map(|d| d.0),
                business_key,
            ])?;
        self.counts.invoices += 1;
        Ok(())
    }

    /// Adds a payment, entirely unallocated until allocations are added.
    pub fn payment(&mut self, p: &Payment) -> Result<(), StoreError> {
        if !p.amount.is_positive() {
            return Err(StoreError::Invalid(format!("payment {} has a non-positive amount {}", p.id.0, p.amount)));
        }
        let source_id = self.source_id(&p.source)?;
        let amount = to_units(p.amount.amount)?;
        self.tx
            .prepare_cached(
                "INSERT INTO payments (id, client_id, booked_on, value_date, currency, amount, unallocated,
                 payer_name, payer_iban, remittance, bank_reference, source_id, source_locator)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                p.id.0,
                p.client_id.map(|c| c.0),
                date(p.booked_on),
                p.value_date.map(date),
                p.amount.currency.code(),
                amount,
                p.payer_name,
                p.payer_iban.as_ref().map(|x| x.as_str()),
                p.remittance,
                p.bank_reference,
                source_id,
                p.source.locator,
            ])?;
        self.counts.payments += 1;
        Ok(())
    }

    /// Applies a payment or credit note to an invoice, updating the open amounts in the same
    /// transaction. Refuses to settle more than is open, to use more of a payment or credit note
    /// than is left, or to mix currencies.
    pub fn allocation(&mut self, a: &Allocation) -> Result<(), StoreError> {
        if !a.amount.is_positive() {
            return Err(StoreError::Invalid(format!("allocation {} has a non-positive amount", a.id.0)));
        }
        let amount = to_units(a.amount.amount)?;
        let currency = a.amount.currency.code();
        let changed = self
            .tx
            .prepare_cached(
                "UPDATE invoices SET outstanding = outstanding - ?2
                 WHERE id = ?1 AND currency = ?3 AND receivable > 0 AND outstanding >= ?2",
            )?
            .execute(params![a.invoice_id.0, amount, currency])?;
        if changed != 1 {
            return Err(StoreError::Invalid(format!(
                "allocation {}: {} exceeds what is open on invoice {} (or the invoice is unknown, a credit note, or in another currency)",
                a.id.0, a.amount, a.invoice_id.0
            )));
        }
        let (payment_id, credit_note_id) = match a.from {
            AllocationFrom::Payment(p) => {
                let changed = self
                    .tx
                    .prepare_cached(
                        "UPDATE payments SET unallocated = unallocated - ?2
                         WHERE id = ?1 AND currency = ?3 AND unallocated >= ?2",
                    )?
                    .execute(params![p.0, amount, currency])?;
                if changed != 1 {
                    return Err(StoreError::Invalid(format!(
                        "allocation {}: payment {} has less than {} left to allocate (or is unknown)",
                        a.id.0, p.0, a.amount
                    )));
                }
                (Some(p.0), None)
            }
            AllocationFrom::CreditNote(c) => {
                let changed = self
                    .tx
                    .prepare_cached(
                        "UPDATE invoices SET outstanding = outstanding + ?2
                         WHERE id = ?1 AND currency = ?3 AND kind = 'credit_note' AND outstanding + ?2 <= 0",
                    )?
                    .execute(params![c.0, amount, currency])?;
                if changed != 1 {
                    return Err(StoreError::Invalid(format!(
                        "allocation {}: credit note {} has less than {} left to use (or is not a credit note)",
                        a.id.0, c.0, a.amount
                    )));
                }
                (None, Some(c.0))
            }
        };
        self.tx
            .prepare_cached(
                "INSERT INTO allocations (id, invoice_id, payment_id, credit_note_id, currency, amount, applied_on)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                a.id.0,
                a.invoice_id.0,
                payment_id,
                credit_note_id,
                currency,
                amount,
                date(a.applied_on)
            ])?;
        self.counts.allocations += 1;
        Ok(())
    }

    /// Adds a lifecycle status to an invoice's history.
    pub fn status(&mut self, s: &StatusEvent) -> Result<(), StoreError> {
        let source_id = self.source_id(&s.source)?;
        self.tx
            .prepare_cached(
                "INSERT INTO status_events (invoice_id, code, at, reason_code, reason, action_code, action,
                 amounts_json, source_id, source_locator) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                s.invoice_id.0,
                s.status.code(),
                s.at.format("%Y-%m-%dT%H:%M:%S").to_string(),
                s.reason_code,
                s.reason,
                s.action_code,
                s.action,
                serde_json::to_string(&s.amounts)?,
                source_id,
                s.source.locator,
            ])?;
        self.counts.statuses += 1;
        Ok(())
    }

    /// Adds a dispute and the invoices it concerns.
    pub fn dispute(&mut self, d: &Dispute) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO disputes (id, client_id, opened_on, reason, currency, disputed_amount, state,
                 resolved_on, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                d.id.0,
                d.client_id.0,
                date(d.opened_on),
                dispute_reason_str(d.reason),
                d.disputed_amount.currency.code(),
                to_units(d.disputed_amount.amount)?,
                match d.state {
                    DisputeState::Open => "open",
                    DisputeState::Resolved => "resolved",
                },
                d.resolved_on.map(date),
                d.note,
            ])?;
        for inv in &d.invoice_ids {
            self.tx
                .prepare_cached("INSERT INTO dispute_invoices (dispute_id, invoice_id) VALUES (?1, ?2)")?
                .execute(params![d.id.0, inv.0])?;
        }
        self.counts.disputes += 1;
        Ok(())
    }

    /// Adds a promise to pay and the invoices it covers.
    pub fn promise(&mut self, p: &Promise) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO promises (id, client_id, made_on, promised_for, currency, amount, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                p.id.0,
                p.client_id.0,
                date(p.made_on),
                date(p.promised_for),
                p.amount.currency.code(),
                to_units(p.amount.amount)?,
                match p.state {
                    PromiseState::Pending => "pending",
                    PromiseState::Kept => "kept",
                    PromiseState::Broken => "broken",
                },
            ])?;
        for inv in &p.invoice_ids {
            self.tx
                .prepare_cached("INSERT INTO promise_invoices (promise_id, invoice_id) VALUES (?1, ?2)")?
                .execute(params![p.id.0, inv.0])?;
        }
        self.counts.promises += 1;
        Ok(())
    }

    /// The next free id of a table, for records whose id the dossier assigns (imports).
    fn next_id(&self, table: &str) -> Result<i64, StoreError> {
        Ok(self
            .tx
            .prepare_cached(&format!("SELECT coalesce(max(id), 0) + 1 FROM {table}"))?
            .query_row([], |r| r.get(0))?)
    }

    /// The id a new client will get.
    pub fn next_client_id(&self) -> Result<ClientId, StoreError> {
        self.next_id("clients").map(ClientId)
    }

    /// The id a new invoice will get.
    pub fn next_invoice_id(&self) -> Result<InvoiceId, StoreError> {
        self.next_id("invoices").map(InvoiceId)
    }

    /// The client a document's buyer is, matched by SIREN, then VAT number, then name (ignoring
    /// case and surrounding spaces), in that order of trust.
    pub fn find_client(
        &self,
        siren: Option<&str>,
        vat: Option<&str>,
        name: Option<&str>,
    ) -> Result<Option<ClientId>, StoreError> {
        // The first client (lowest id) that matches. The minimum is taken here rather than with
        // `ORDER BY id LIMIT 1`, which SQLite re-plans at every new value (about 10× slower).
        let first = |sql: &str, value: &str| -> Result<Option<ClientId>, StoreError> {
            let mut stmt = self.tx.prepare_cached(sql)?;
            let ids = stmt.query_map([value], |r| r.get::<_, i64>(0))?;
            let mut min: Option<i64> = None;
            for id in ids {
                let id = id?;
                min = Some(min.map_or(id, |m| m.min(id)));
            }
            Ok(min.map(ClientId))
        };
        if let Some(s) = siren.filter(|s| !s.is_empty()) {
            if let Some(id) = first("SELECT id FROM clients WHERE siren = ?1", s)? {
                return Ok(Some(id));
            }
        }
        if let Some(v) = vat.filter(|v| !v.is_empty()) {
            if let Some(id) = first("SELECT id FROM clients WHERE vat = ?1", v)? {
                return Ok(Some(id));
            }
        }
        if let Some(n) = name.map(str::trim).filter(|n| !n.is_empty()) {
            let lower = n.to_lowercase();
            if let Some(id) = first("SELECT id FROM clients WHERE lower(name) = ?1", &lower)? {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    /// True when some lifecycle status waits for its invoice (cheap: lets an import skip looking
    /// for the statuses of each new invoice when none waits at all).
    pub fn has_pending_statuses(&self) -> Result<bool, StoreError> {
        Ok(self
            .tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM pending_statuses)")?
            .query_row([], |r| r.get::<_, bool>(0))?)
    }

    /// The document already stored with this content hash, if any: `(id, file name)`.
    pub fn document_by_hash(&self, sha256: &str) -> Result<Option<(DocumentId, String)>, StoreError> {
        Ok(self
            .tx
            .prepare_cached("SELECT id, file_name FROM documents WHERE sha256 = ?1")?
            .query_row([sha256], |r| Ok((DocumentId(r.get(0)?), r.get(1)?)))
            .optional()?)
    }

    /// The invoice already stored under this business key, if any: `(id, number, origin file)`.
    pub fn invoice_by_business_key(&self, key: &str) -> Result<Option<(InvoiceId, String, String)>, StoreError> {
        // Two lookups rather than a join: SQLite re-plans the join at every new key (about 20×
        // slower), and the second lookup only runs for a duplicate.
        let found: Option<(i64, String, i64)> = self
            .tx
            .prepare_cached("SELECT id, number, source_id FROM invoices WHERE business_key = ?1")?
            .query_row([key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((id, number, source_id)) = found else { return Ok(None) };
        let origin: String =
            self.tx.prepare_cached("SELECT origin FROM sources WHERE id = ?1")?.query_row([source_id], |r| r.get(0))?;
        Ok(Some((InvoiceId(id), number, origin)))
    }

    /// Keeps an original file (stored encrypted inside the dossier) and returns its id.
    pub fn document(
        &mut self,
        sha256: &str,
        file_name: &str,
        media_type: &str,
        content: &[u8],
    ) -> Result<DocumentId, StoreError> {
        self.document_encoded(sha256, file_name, media_type, content.len(), None, content)
    }

    /// Keeps an original file in an encoded form: `encoding` names how `stored` holds the file of
    /// `size` bytes whose SHA-256 is `sha256` (`zip`: an archive holding it as its only entry;
    /// `None`: the bytes themselves). [`Dossier::original`] gives it back as kept.
    pub fn document_encoded(
        &mut self,
        sha256: &str,
        file_name: &str,
        media_type: &str,
        size: usize,
        encoding: Option<&str>,
        stored: &[u8],
    ) -> Result<DocumentId, StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO documents (sha256, file_name, media_type, size, content, added_at, encoding)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                sha256,
                file_name,
                media_type,
                i64::try_from(size).unwrap_or(i64::MAX),
                stored,
                self.at.format("%Y-%m-%dT%H:%M:%S").to_string(),
                encoding
            ])?;
        Ok(DocumentId(self.tx.last_insert_rowid()))
    }

    /// What has been loaded so far.
    pub fn counts(&self) -> &LoadCounts {
        &self.counts
    }

    /// Starts a part of the unit of work (a savepoint): what is loaded until [`LedgerWriter::keep_part`]
    /// or [`LedgerWriter::drop_part`] is kept or dropped whole. Parts do not nest, and the unit
    /// commits only with no part open.
    pub fn part(&mut self) -> Result<(), StoreError> {
        if self.part.is_some() {
            return Err(StoreError::Invalid("a part of this unit of work is already open".to_owned()));
        }
        self.tx.prepare_cached("SAVEPOINT part")?.execute([])?;
        self.part = Some(Part { counts: self.counts.clone(), sources: Vec::new(), note_sets: Vec::new() });
        Ok(())
    }

    /// Keeps the open part: what it loaded belongs to the unit of work, durable when the unit
    /// commits. Returns what the part loaded.
    pub fn keep_part(&mut self) -> Result<LoadCounts, StoreError> {
        let Some(part) = &self.part else {
            return Err(StoreError::Invalid("no part of this unit of work is open".to_owned()));
        };
        let loaded = self.counts.since(&part.counts);
        self.tx.prepare_cached("RELEASE part")?.execute([])?;
        self.part = None;
        Ok(loaded)
    }

    /// Drops the open part: the dossier, the counts and the writer's caches are as they were when
    /// it started.
    pub fn drop_part(&mut self) -> Result<(), StoreError> {
        let Some(part) = self.part.take() else {
            return Err(StoreError::Invalid("no part of this unit of work is open".to_owned()));
        };
        for origin in &part.sources {
            self.sources.remove(origin);
        }
        for json in &part.note_sets {
            self.note_sets.remove(json);
        }
        self.counts = part.counts;
        self.tx.prepare_cached("ROLLBACK TO part")?.execute([])?;
        self.tx.prepare_cached("RELEASE part")?.execute([])?;
        Ok(())
    }

    /// Writes the audit entry for the unit of work and commits it.
    ///
    /// `action` names the operation (`demo.generate`, `import.facturx`…); `detail` is added to the
    /// entry's "after" JSON beside the counts (e.g. the generator's settings or the file's hash).
    ///
    /// Refused (and rolled back) while a part is open: it is neither kept nor dropped.
    pub fn commit(mut self, actor: &str, action: &str, detail: serde_json::Value) -> Result<LoadCounts, StoreError> {
        if self.part.is_some() {
            return Err(StoreError::Invalid("a part of this unit of work is still open".to_owned()));
        }
        // A bulk load: the aggregates from the whole ledger and the triggers back, before the
        // audit entry, in the same transaction.
        self.load_row_by_row()?;
        let after = serde_json::json!({ "kind": self.kind, "counts": self.counts, "detail": detail });
        insert_audit(&self.tx, self.at, actor, action, "ledger", None, None, Some(&after.to_string()))?;
        // Test-only: `ENCOURS_CRASH_AT=commit:<n>` dies here, the unit written and not committed.
        crate::sync::crash_point("commit");
        self.tx.commit()?;
        Ok(self.counts)
    }
}

#[cfg(test)]
mod tests {
    use encours_domain::{Client, ClientId, Currency, PaymentTerms, PostalAddress, Siren, Source};

    use super::*;
    use crate::keys::{DossierKey, KeySource};

    fn at() -> NaiveDateTime {
        "2026-11-23T10:00:00".parse().unwrap()
    }

    fn client(id: i64, origin: &str) -> Client {
        Client {
            id: ClientId(id),
            name: format!("Client {id}"),
            siren: None,
            siret: None,
            vat: None,
            legal_form: None,
            naf: None,
            segment: String::new(),
            owner: String::new(),
            address: PostalAddress::default(),
            contacts: vec![],
            terms: PaymentTerms::default(),
            currency: Currency::EUR,
            since: "2026-01-01".parse().unwrap(),
            is_individual: false,
            source: Source::at(origin, "buyer"),
        }
    }

    fn clients(d: &Dossier) -> i64 {
        d.conn.query_row("SELECT count(*) FROM clients", [], |r| r.get(0)).unwrap()
    }

    fn sources(d: &Dossier) -> i64 {
        d.conn.query_row("SELECT count(*) FROM sources", [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn parts_are_kept_or_dropped_whole_and_the_unit_records_what_was_kept() {
        let dir = tempfile::tempdir().unwrap();
        let keys = KeySource::Environment(DossierKey::from_hex(&"17".repeat(32)).unwrap());
        let siren = Siren::parse("552081317").unwrap();
        let mut d = Dossier::create(&dir.path().join("d.encours"), &siren, "ACME", &keys, at()).unwrap();
        let journal_before = d.audit_entries(100).unwrap().len();
        {
            let mut w = d.writer("einvoice", at()).unwrap();
            w.part().unwrap();
            w.client(&client(1, "a.xml")).unwrap();
            assert_eq!(w.keep_part().unwrap().clients, 1, "what the part loaded");
            // A dropped part takes its rows and its cached source with it: the same origin used
            // again later must be inserted again, not found in the cache.
            w.part().unwrap();
            w.client(&client(2, "b.xml")).unwrap();
            assert!(w.part().is_err(), "parts do not nest");
            w.drop_part().unwrap();
            assert_eq!(w.counts().clients, 1, "the dropped part's client is not counted");
            w.part().unwrap();
            w.client(&client(3, "b.xml")).unwrap();
            w.keep_part().unwrap();
            assert!(w.drop_part().is_err() && w.keep_part().is_err(), "no part is open");
            w.commit("user", "import.einvoice", serde_json::json!({ "files": ["a.xml", "b.xml"] })).unwrap();
        }
        assert_eq!(clients(&d), 2, "clients 1 and 3");
        assert_eq!(sources(&d), 2, "a.xml and b.xml, the latter inserted again after the drop");
        let journal = d.audit_entries(100).unwrap();
        assert_eq!(journal.len() - journal_before, 1, "one entry for the unit");
        let entry: serde_json::Value = serde_json::from_str(journal[0].after.as_deref().unwrap()).unwrap();
        assert_eq!(entry["counts"]["clients"], 2, "the entry counts what the kept parts loaded");
        assert_eq!(entry["detail"]["files"][1], "b.xml");
        let integrity = d.integrity().unwrap();
        assert!(integrity.is_ok(), "{}", integrity.summary());
    }

    #[test]
    fn a_unit_with_a_part_still_open_does_not_commit() {
        let dir = tempfile::tempdir().unwrap();
        let keys = KeySource::Environment(DossierKey::from_hex(&"18".repeat(32)).unwrap());
        let siren = Siren::parse("552081317").unwrap();
        let mut d = Dossier::create(&dir.path().join("d.encours"), &siren, "ACME", &keys, at()).unwrap();
        let journal_before = d.audit_entries(100).unwrap().len();
        let mut w = d.writer("einvoice", at()).unwrap();
        w.part().unwrap();
        w.client(&client(1, "open.xml")).unwrap();
        assert!(w.commit("user", "import.einvoice", serde_json::json!({})).is_err(), "a part still open");
        assert_eq!(clients(&d), 0, "the refused unit was rolled back");
        assert_eq!(d.audit_entries(100).unwrap().len(), journal_before, "and wrote no entry");
    }
}
