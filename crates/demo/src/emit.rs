//! The output side: assigns ids, counts records and hands them to the sink.
//!
//! Records are written into reusable templates (one `Invoice`, one `Payment`, one `StatusEvent`)
//! and lent to the sink by reference: the fields that never change within a run or a client (notes,
//! IBANs, SIREN, payer name) are set once, and the strings that change (numbers, remittances,
//! locators) are rewritten in place. A 2-million-invoice run thus allocates almost nothing per
//! record, which keeps generation far cheaper than the store's inserts.

use std::fmt::{self, Write};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use encours_domain::{
    Allocation, AllocationFrom, AllocationId, ClientId, Currency, Dispute, DisputeId, Iban, Invoice, InvoiceId,
    InvoiceKind, InvoiceNote, InvoiceTotals, LifecycleStatus, Payment, PaymentId, Promise, PromiseId, Siren, Source,
    StatusAmount, StatusEvent, VatBreakdown,
};

use crate::amounts::{eur, rate_percent, Amounts};
use crate::party::Profile;
use crate::{DemoSink, DemoStats};

/// An invoice or credit-note number: `F2026-000123` (invoices) or `A2026-000045` (credit notes,
/// a separate series as French sellers usually keep).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DocNumber {
    pub series: char,
    pub year: i32,
    pub seq: u32,
}

impl fmt::Display for DocNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}-{:06}", self.series, self.year, self.seq)
    }
}

impl DocNumber {
    /// Appends the number to `s`, as `Display` would but without the formatting machinery, which
    /// costs more than the rest of an invoice's generation.
    pub(crate) fn push_to(&self, s: &mut String) {
        s.push(self.series);
        push_int(s, u64::try_from(self.year).unwrap_or(0), 4);
        s.push('-');
        push_int(s, u64::from(self.seq), 6);
    }
}

/// "00" to "99", so that numbers are written two digits at a time from `&'static str` slices.
const PAIRS: &str = "00010203040506070809101112131415161718192021222324252627282930313233343536373839\
                     40414243444546474849505152535455565758596061626364656667686970717273747576777879\
                     8081828384858687888990919293949596979899";

/// Appends `n` in decimal, left-padded with zeros to `width` digits.
pub(crate) fn push_int(s: &mut String, n: u64, width: usize) {
    let digits = n.checked_ilog10().map_or(1, |d| d as usize + 1);
    for _ in digits..width {
        s.push('0');
    }
    push_digits(s, n, digits);
}

/// Appends the `digits` decimal digits of `n`, most significant first.
fn push_digits(s: &mut String, n: u64, digits: usize) {
    if digits > 2 {
        push_digits(s, n / 100, digits - 2);
    }
    let pair = (n % 100) as usize * 2;
    s.push_str(if digits == 1 { &PAIRS[pair + 1..pair + 2] } else { &PAIRS[pair..pair + 2] });
}

/// Rewrites `s` as `prefix` followed by `n`.
fn set_prefixed(s: &mut String, prefix: &str, n: i64) {
    s.clear();
    s.push_str(prefix);
    push_int(s, n.unsigned_abs(), 1);
}

/// What kind of document to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DocKind {
    Invoice,
    DownPayment,
    CreditNote,
}

/// One document to write, with what varies from one document to the next.
pub(crate) struct Doc<'a> {
    pub kind: DocKind,
    pub issue: NaiveDate,
    pub due: NaiveDate,
    pub delivery: Option<NaiveDate>,
    pub amounts: &'a Amounts,
    pub order_ref: Option<u64>,
    /// The credited invoice, for a credit note (BT-25).
    pub preceding: Option<DocNumber>,
}

/// One status to write.
pub(crate) struct StatusOut<'a> {
    pub invoice: InvoiceId,
    pub status: LifecycleStatus,
    pub at: NaiveDateTime,
    /// MDT-113 / MDT-114.
    pub reason: Option<(&'a str, &'a str)>,
    /// MDT-121 / MDT-122.
    pub action: Option<(&'a str, &'a str)>,
    /// MDG-43 `(type code, cents, VAT rate in basis points)`.
    pub amounts: &'a [(&'a str, i64, Option<u16>)],
}

/// Last id handed out per kind (ids start at 1).
#[derive(Default)]
struct Ids {
    invoice: i64,
    payment: i64,
    allocation: i64,
    dispute: i64,
    promise: i64,
}

pub(crate) struct Out<'s, S: DemoSink> {
    sink: &'s mut S,
    pub stats: DemoStats,
    ids: Ids,
    /// `(year, next invoice number, next credit-note number)`.
    numbers: Vec<(i32, u32, u32)>,
    invoice: Invoice,
    payment: Payment,
    allocation: Allocation,
    status: StatusEvent,
    spare_vat: Vec<VatBreakdown>,
    spare_amounts: Vec<StatusAmount>,
    /// Buffers parked while the template's optional string is `None`.
    spare_preceding: String,
    spare_order: String,
    spare_remittance: String,
}

fn blank_totals() -> InvoiceTotals {
    InvoiceTotals {
        line_total: eur(0),
        allowance_total: None,
        charge_total: None,
        tax_basis_total: eur(0),
        tax_total: None,
        grand_total: eur(0),
        prepaid: None,
        rounding: None,
        due_payable: eur(0),
    }
}

/// Mandatory notes of a French invoice (BR-FR-05: PMD, PMT and AAB once each; L441-9, D441-5).
fn seller_notes() -> Vec<InvoiceNote> {
    let note = |subject: &str, text: &str| InvoiceNote { subject: Some(subject.to_owned()), text: text.to_owned() };
    vec![
        note("PMD", "Pénalités de retard : 3 fois le taux d'intérêt légal, exigibles sans rappel (art. L441-10 du Code de commerce)"),
        note("PMT", "Indemnité forfaitaire pour frais de recouvrement : 40 € (art. D441-5 du Code de commerce)"),
        note("AAB", "Pas d'escompte pour paiement anticipé"),
    ]
}

/// Rewrites a string in place.
fn set(s: &mut String, args: fmt::Arguments<'_>) {
    s.clear();
    // Writing into a String cannot fail.
    let _ = s.write_fmt(args);
}

/// Makes an optional string `None`, parking its buffer.
fn set_none(slot: &mut Option<String>, spare: &mut String) {
    if let Some(s) = slot.take() {
        *spare = s;
    }
}

impl<'s, S: DemoSink> Out<'s, S> {
    pub(crate) fn new(sink: &'s mut S, origin: &str, seller_siren: &Siren, seller_iban: Iban) -> Out<'s, S> {
        let source = Source::at(origin, String::with_capacity(32));
        let invoice = Invoice {
            id: InvoiceId(0),
            client_id: ClientId(0),
            number: String::with_capacity(16),
            type_code: 380,
            kind: InvoiceKind::Invoice,
            issue_date: NaiveDate::MIN,
            due_date: NaiveDate::MIN,
            instalments: Vec::new(),
            delivery_date: None,
            currency: Currency::EUR,
            totals: blank_totals(),
            vat_breakdown: Vec::with_capacity(2),
            payment_terms_note: Some(String::with_capacity(64)),
            notes: seller_notes(),
            payee_iban: Some(seller_iban),
            remittance: Some(String::with_capacity(16)),
            preceding_invoice: None,
            order_reference: None,
            business_process: Some(String::with_capacity(2)),
            seller_siren: Some(seller_siren.clone()),
            source: source.clone(),
        };
        let payment = Payment {
            id: PaymentId(0),
            client_id: None,
            booked_on: NaiveDate::MIN,
            value_date: None,
            amount: eur(0),
            payer_name: Some(String::with_capacity(64)),
            payer_iban: None,
            remittance: Some(String::with_capacity(140)),
            bank_reference: Some(String::with_capacity(20)),
            source: source.clone(),
        };
        let allocation = Allocation {
            id: AllocationId(0),
            invoice_id: InvoiceId(0),
            from: AllocationFrom::Payment(PaymentId(0)),
            amount: eur(0),
            applied_on: NaiveDate::MIN,
        };
        let status = StatusEvent {
            invoice_id: InvoiceId(0),
            status: LifecycleStatus::Deposee,
            at: NaiveDateTime::MIN,
            reason_code: None,
            reason: None,
            action_code: None,
            action: None,
            amounts: Vec::with_capacity(2),
            source,
        };
        Out {
            sink,
            stats: DemoStats::default(),
            ids: Ids::default(),
            numbers: Vec::new(),
            invoice,
            payment,
            allocation,
            status,
            spare_vat: Vec::new(),
            spare_amounts: Vec::new(),
            spare_preceding: String::with_capacity(16),
            spare_order: String::with_capacity(16),
            spare_remittance: String::new(),
        }
    }

    /// Writes the client and sets the per-client fields of the templates.
    pub(crate) fn client(&mut self, p: &Profile) -> Result<(), S::Error> {
        self.sink.client(&p.client)?;
        self.stats.clients += 1;
        self.invoice.client_id = p.id();
        if let Some(note) = self.invoice.payment_terms_note.as_mut() {
            set(note, format_args!("{}", p.terms_note));
        }
        if let Some(bp) = self.invoice.business_process.as_mut() {
            set(bp, format_args!("{}", p.process));
        }
        self.payment.client_id = Some(p.id());
        if let Some(name) = self.payment.payer_name.as_mut() {
            set(name, format_args!("{}", p.payer_name));
        }
        self.payment.payer_iban = Some(p.payer_iban.clone());
        Ok(())
    }

    /// The next number of a series in the year of `d`.
    fn number(&mut self, series: char, d: NaiveDate) -> DocNumber {
        let year = d.year();
        let idx = match self.numbers.iter().position(|n| n.0 == year) {
            Some(i) => i,
            None => {
                self.numbers.push((year, 1, 1));
                self.numbers.len() - 1
            }
        };
        let slot = &mut self.numbers[idx];
        let seq = if series == 'A' { &mut slot.2 } else { &mut slot.1 };
        let n = *seq;
        *seq += 1;
        DocNumber { series, year, seq: n }
    }

    /// Writes an invoice, down-payment invoice or credit note; returns its id and number.
    pub(crate) fn document(&mut self, d: &Doc<'_>) -> Result<(InvoiceId, DocNumber), S::Error> {
        self.ids.invoice += 1;
        let id = InvoiceId(self.ids.invoice);
        let number = self.number(if d.kind == DocKind::CreditNote { 'A' } else { 'F' }, d.issue);
        let inv = &mut self.invoice;
        inv.id = id;
        inv.number.clear();
        number.push_to(&mut inv.number);
        (inv.type_code, inv.kind) = match d.kind {
            DocKind::Invoice => (380, InvoiceKind::Invoice),
            DocKind::DownPayment => (386, InvoiceKind::DownPayment),
            DocKind::CreditNote => (381, InvoiceKind::CreditNote),
        };
        inv.issue_date = d.issue;
        inv.due_date = d.due;
        inv.delivery_date = d.delivery;
        d.amounts.write_totals(&mut inv.totals);
        d.amounts.write_breakdown(&mut inv.vat_breakdown, &mut self.spare_vat);
        // A credit note asks for no payment: no reference for the payer to quote.
        if d.kind == DocKind::CreditNote {
            set_none(&mut inv.remittance, &mut self.spare_remittance);
        } else {
            let r = inv.remittance.get_or_insert_with(|| std::mem::take(&mut self.spare_remittance));
            r.clear();
            number.push_to(r);
        }
        match d.preceding {
            Some(p) => {
                let s = inv.preceding_invoice.get_or_insert_with(|| std::mem::take(&mut self.spare_preceding));
                s.clear();
                p.push_to(s);
            }
            None => set_none(&mut inv.preceding_invoice, &mut self.spare_preceding),
        }
        match d.order_ref {
            Some(po) => {
                let s = inv.order_reference.get_or_insert_with(|| std::mem::take(&mut self.spare_order));
                s.clear();
                push_int(s, po, 1);
            }
            None => set_none(&mut inv.order_reference, &mut self.spare_order),
        }
        set_prefixed(&mut inv.source.locator, "invoice #", id.0);
        self.sink.invoice(inv)?;
        self.stats.invoices += 1;
        if d.kind == DocKind::CreditNote {
            self.stats.credit_notes += 1;
        }
        Ok((id, number))
    }

    /// Writes a payment; `remittance` writes its remittance text.
    pub(crate) fn payment(
        &mut self,
        booked_on: NaiveDate,
        cents: i64,
        remittance: impl FnOnce(&mut String),
    ) -> Result<PaymentId, S::Error> {
        self.ids.payment += 1;
        let id = PaymentId(self.ids.payment);
        let p = &mut self.payment;
        p.id = id;
        p.booked_on = booked_on;
        p.value_date = Some(booked_on);
        p.amount = eur(cents);
        if let Some(r) = p.remittance.as_mut() {
            r.clear();
            remittance(r);
        }
        if let Some(b) = p.bank_reference.as_mut() {
            let (y, m, d) = (booked_on.year().rem_euclid(100), booked_on.month(), booked_on.day());
            b.clear();
            b.push_str("VIR");
            for part in [u64::try_from(y).unwrap_or(0), u64::from(m), u64::from(d)] {
                push_int(b, part, 2);
            }
            push_int(b, id.0.unsigned_abs(), 8);
        }
        set_prefixed(&mut p.source.locator, "payment #", id.0);
        self.sink.payment(p)?;
        self.stats.payments += 1;
        Ok(id)
    }

    /// Writes an allocation of a payment or credit note to an invoice.
    pub(crate) fn allocation(
        &mut self,
        invoice: InvoiceId,
        from: AllocationFrom,
        cents: i64,
        applied_on: NaiveDate,
    ) -> Result<(), S::Error> {
        self.ids.allocation += 1;
        let a = &mut self.allocation;
        a.id = AllocationId(self.ids.allocation);
        a.invoice_id = invoice;
        a.from = from;
        a.amount = eur(cents);
        a.applied_on = applied_on;
        self.sink.allocation(a)?;
        self.stats.allocations += 1;
        Ok(())
    }

    /// Writes a lifecycle status.
    pub(crate) fn status(&mut self, s: &StatusOut<'_>) -> Result<(), S::Error> {
        let ev = &mut self.status;
        ev.invoice_id = s.invoice;
        ev.status = s.status;
        ev.at = s.at;
        // Reasons and actions are rare (207, 210): plain allocation is fine for them.
        ev.reason_code = s.reason.map(|r| r.0.to_owned());
        ev.reason = s.reason.map(|r| r.1.to_owned());
        ev.action_code = s.action.map(|a| a.0.to_owned());
        ev.action = s.action.map(|a| a.1.to_owned());
        while ev.amounts.len() > s.amounts.len() {
            if let Some(a) = ev.amounts.pop() {
                self.spare_amounts.push(a);
            }
        }
        while ev.amounts.len() < s.amounts.len() {
            ev.amounts.push(self.spare_amounts.pop().unwrap_or_else(|| StatusAmount {
                type_code: String::with_capacity(8),
                amount: eur(0),
                vat_rate: None,
            }));
        }
        for (slot, &(code, cents, rate)) in ev.amounts.iter_mut().zip(s.amounts) {
            slot.type_code.clear();
            slot.type_code.push_str(code);
            slot.amount = eur(cents);
            slot.vat_rate = rate.map(rate_percent);
        }
        set_prefixed(&mut ev.source.locator, "invoice #", s.invoice.0);
        ev.source.locator.push_str(" status ");
        push_int(&mut ev.source.locator, u64::from(s.status.code()), 3);
        self.sink.status(ev)?;
        self.stats.statuses += 1;
        Ok(())
    }

    /// Writes a dispute, giving it the next id.
    pub(crate) fn dispute(&mut self, mut d: Dispute) -> Result<(), S::Error> {
        self.ids.dispute += 1;
        d.id = DisputeId(self.ids.dispute);
        self.sink.dispute(&d)?;
        self.stats.disputes += 1;
        Ok(())
    }

    /// Writes a promise to pay, giving it the next id.
    pub(crate) fn promise(&mut self, mut p: Promise) -> Result<(), S::Error> {
        self.ids.promise += 1;
        p.id = PromiseId(self.ids.promise);
        self.sink.promise(&p)?;
        self.stats.promises += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_written_like_format_does() {
        for (n, width) in [(0, 1), (7, 1), (42, 6), (123, 6), (99, 2), (100, 1), (1_234_567, 6), (u64::MAX, 1), (5, 8)]
        {
            let mut s = String::new();
            push_int(&mut s, n, width);
            assert_eq!(s, format!("{n:0width$}"), "{n} on {width} digits");
        }
        let mut s = String::new();
        DocNumber { series: 'F', year: 2026, seq: 123 }.push_to(&mut s);
        assert_eq!(s, "F2026-000123", "invoice number layout");
        assert_eq!(DocNumber { series: 'A', year: 2027, seq: 1_000_001 }.to_string(), "A2027-1000001", "seven digits");
    }
}
