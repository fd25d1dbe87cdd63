//! Payments received and their allocation to invoices (lettrage).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::client::ClientId;
use crate::ids::Iban;
use crate::invoice::InvoiceId;
use crate::money::Money;
use crate::source::Source;

/// The identity of a payment inside one dossier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PaymentId(pub i64);

/// Money received from a client (a credit line of a bank statement, a cheque, a card payment).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Identity in the dossier.
    pub id: PaymentId,
    /// The client who paid, once known (a bank line may arrive before it is matched).
    pub client_id: Option<ClientId>,
    /// Booking date on the account.
    pub booked_on: NaiveDate,
    /// Value date, when the bank gives one.
    pub value_date: Option<NaiveDate>,
    /// Amount received (positive).
    pub amount: Money,
    /// Payer's name as the bank wrote it.
    pub payer_name: Option<String>,
    /// Payer's IBAN.
    pub payer_iban: Option<Iban>,
    /// Remittance text (camt `RmtInf/Ustrd`, CFONB complement records) or structured reference.
    pub remittance: Option<String>,
    /// The bank's reference of the entry.
    pub bank_reference: Option<String>,
    /// Where the record came from.
    pub source: Source,
}

/// The identity of an allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AllocationId(pub i64);

/// What settles (part of) an invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum AllocationFrom {
    /// A payment received.
    Payment(PaymentId),
    /// A credit note offset against the invoice.
    CreditNote(InvoiceId),
}

/// A payment or credit note applied to an invoice; partial allocations are allowed, and one
/// payment may be split across several invoices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// Identity in the dossier.
    pub id: AllocationId,
    /// The invoice being settled.
    pub invoice_id: InvoiceId,
    /// What settles it.
    pub from: AllocationFrom,
    /// Amount applied (positive, in the invoice's currency).
    pub amount: Money,
    /// Date the allocation takes effect (the payment's booking date, or the credit note's date).
    pub applied_on: NaiveDate,
}
