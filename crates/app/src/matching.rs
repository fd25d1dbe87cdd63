//! The lettrage of bank payments against open items: running the matching engine over the
//! dossier, applying what is above the automatic threshold, and the reconciliation view with its
//! manual actions (accept, reject, unmatch, set aside). Every change is one unit of work with
//! its audit entry.

use serde::Serialize;
use ts_rs::TS;

/// A client as shown beside a payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClientRef {
    /// Client id in the dossier.
    #[ts(type = "number")]
    pub id: i64,
    /// Name.
    pub name: String,
}

/// One invoice a payment is (or would be) applied to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AllocationView {
    /// Invoice id in the dossier.
    #[ts(type = "number")]
    pub invoice_id: i64,
    /// BT-1 number.
    pub number: String,
    /// Amount applied (decimal string; negative when a credit note is used).
    pub amount: String,
    /// What stays open on the invoice after it (decimal string); empty for an applied allocation.
    pub residual: String,
}

/// Why the engine proposes a match: a code the UI translates and the detail it shows as is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MatchReason {
    /// `structuredReference`, `invoiceNumberInText`, `exactAmount`, `amountCombination`,
    /// `payerIbanKnown`, `payerNameKnown`, `partialPayment`, `overpayment`, `creditNoteOffset`,
    /// `ambiguous`, `amountOnly`.
    pub code: String,
    /// The value behind it (the reference, the number found, how many items…).
    pub detail: String,
}

/// A proposed match for one payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ProposalView {
    /// Stable key of the proposal (to accept or reject it).
    pub key: String,
    /// The client it attributes the payment to.
    pub client: ClientRef,
    /// The invoices it settles.
    pub allocations: Vec<AllocationView>,
    /// What would stay unallocated on the payment (an overpayment; decimal string).
    pub unallocated: String,
    /// Confidence, 0 to 100.
    pub confidence: u8,
    /// Why.
    pub reasons: Vec<MatchReason>,
}

/// A bank payment in the reconciliation view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BankLineView {
    /// Payment id in the dossier.
    #[ts(type = "number")]
    pub payment_id: i64,
    /// Booking date (ISO).
    pub booked_on: String,
    /// Amount received (decimal string).
    pub amount: String,
    /// What is not applied to invoices (decimal string).
    pub unallocated: String,
    /// Currency (ISO 4217).
    pub currency: String,
    /// Payer as the bank wrote it.
    pub payer_name: Option<String>,
    /// Payer IBAN.
    pub payer_iban: Option<String>,
    /// Label, remittance text and references, one per entry.
    pub texts: Vec<String>,
    /// `unmatched`, `auto`, `manual` or `ignored`.
    pub state: String,
    /// The client, once matched.
    pub client: Option<ClientRef>,
    /// Where it is applied, once matched.
    pub allocations: Vec<AllocationView>,
    /// For an unmatched payment: the proposals, best first (rejected ones left out).
    pub proposals: Vec<ProposalView>,
    /// The file and place it was read from.
    pub source: String,
}

/// The reconciliation view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReconciliationView {
    /// The date proposals were computed for (ISO).
    pub as_of: String,
    /// The lines shown (unmatched first, then the others by date).
    pub lines: Vec<BankLineView>,
    /// Bank payments not matched.
    pub unmatched: u32,
    /// Matched automatically.
    pub auto: u32,
    /// Matched by a person.
    pub manual: u32,
    /// Set aside.
    pub ignored: u32,
    /// Confidence from which a proposal is applied automatically.
    pub auto_threshold: u8,
}

/// What a matching run did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MatchRunReport {
    /// Unmatched payments considered.
    pub considered: u32,
    /// Applied automatically.
    pub auto_matched: u32,
    /// Left with at least one proposal to review.
    pub to_review: u32,
    /// Left without any proposal.
    pub without_proposal: u32,
    /// Total applied to invoices by this run (decimal string, EUR).
    pub allocated: String,
    /// One line per payment applied: `payment id: client ← invoices`.
    pub applied: Vec<String>,
}
