//! The relevé de compte (issue 7 §3): every open item of a client on a date, aged, with the
//! credit notes and payments not yet allocated and the lifecycle status of each invoice.

use chrono::NaiveDate;
use encours_domain::{LifecycleStatus, Money};

use crate::letter::{Letterhead, Party, PaymentDetails, Signature};

/// What a line of the statement is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// An invoice (debit).
    Invoice,
    /// A credit note (credit).
    CreditNote,
    /// A payment received (credit).
    Payment,
}

/// One line of the statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementEntry {
    /// Invoice, credit note or payment.
    pub kind: EntryKind,
    /// Issue date of the invoice or credit note, value date of the payment.
    pub date: NaiveDate,
    /// Invoice or credit-note number (BT-1), or the payment's reference.
    pub number: String,
    /// Due date (BT-9) of an invoice; `None` for credits. Decides the ageing bucket.
    pub due_date: Option<NaiveDate>,
    /// The document's amount including VAT, positive (an invoice is a debit, a credit note or a
    /// payment a credit: the column is chosen by `kind`).
    pub amount: Money,
    /// What is still open on the statement's date, positive: the invoice's balance, or the part
    /// of the credit note or payment not yet allocated to an invoice.
    pub open: Money,
    /// The last lifecycle status of an invoice (printed "205 Approuvée"); `None` when none was
    /// received.
    pub status: Option<LifecycleStatus>,
}

/// A statement of account: the client's open items on `date`, aged.
///
/// Ageing (legal-rules A.1: the due date of each invoice decides): not yet due, 1–30, 31–60,
/// 61–90 and more than 90 days past due on `date`. Credits are not aged: they are deducted from
/// the balance. The balance is Σ open invoices − Σ open credits; when positive and IBAN and
/// reference are known the page carries the SEPA QR code for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The company that issues the statement.
    pub creditor: Party,
    /// Its letterhead.
    pub letterhead: Letterhead,
    /// The client.
    pub debtor: Party,
    /// Town before the date.
    pub place: String,
    /// The statement's date: items are aged on it; also the PDF's date (never the clock).
    pub date: NaiveDate,
    /// Our reference.
    pub reference: String,
    /// Paragraphs before the table (salutation first); may be empty.
    pub intro: Vec<String>,
    /// The lines, in the order given (usually by date).
    pub entries: Vec<StatementEntry>,
    /// How to pay the balance.
    pub payment: Option<PaymentDetails>,
    /// Paragraphs after the table.
    pub closing: Vec<String>,
    /// Who signs.
    pub signature: Signature,
}
