//! Disputes and promises to pay: the two events that pause dunning.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::client::ClientId;
use crate::invoice::InvoiceId;
use crate::money::Money;

/// The identity of a dispute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DisputeId(pub i64);

/// Why a client disputes an invoice, in words a person understands. Each maps to the AFNOR
/// reason codes of lifecycle status 207 (legal-rules.md B.2, MDT-113).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisputeReason {
    /// Price or unit price (PU_ERR, REM_ERR, MONTANT_ERR, MONTANTTOTAL_ERR, CALCUL_ERR).
    Price,
    /// Quantity (QTE_ERR).
    Quantity,
    /// Quality of goods or service (QUALITE_ERR).
    Quality,
    /// Delivery incomplete or not received (LIVR_INCOMP).
    Delivery,
    /// Invoice already received (DOUBLON, DOUBLE_FACT).
    Duplicate,
    /// VAT rate or amount (TX_TVA_ERR).
    Vat,
    /// Missing order or contract reference (CMD_EJ_ERR, REF_CT_ABSENT, REF_ERR).
    MissingReference,
    /// Anything else (AUTRE).
    Other,
}

impl DisputeReason {
    /// The category of an AFNOR reason code; unknown codes are [`DisputeReason::Other`].
    pub fn from_afnor(code: &str) -> DisputeReason {
        match code.trim() {
            "PU_ERR" | "REM_ERR" | "MONTANT_ERR" | "MONTANTTOTAL_ERR" | "CALCUL_ERR" => DisputeReason::Price,
            "QTE_ERR" => DisputeReason::Quantity,
            "QUALITE_ERR" => DisputeReason::Quality,
            "LIVR_INCOMP" => DisputeReason::Delivery,
            "DOUBLON" | "DOUBLE_FACT" => DisputeReason::Duplicate,
            "TX_TVA_ERR" => DisputeReason::Vat,
            "CMD_EJ_ERR" | "REF_CT_ABSENT" | "REF_ERR" => DisputeReason::MissingReference,
            _ => DisputeReason::Other,
        }
    }

    /// French label.
    pub fn label_fr(&self) -> &'static str {
        match self {
            DisputeReason::Price => "Prix",
            DisputeReason::Quantity => "Quantité",
            DisputeReason::Quality => "Qualité",
            DisputeReason::Delivery => "Livraison",
            DisputeReason::Duplicate => "Doublon",
            DisputeReason::Vat => "TVA",
            DisputeReason::MissingReference => "Référence manquante",
            DisputeReason::Other => "Autre",
        }
    }
}

/// Where a dispute stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisputeState {
    /// Being handled; dunning of the disputed invoices is paused.
    Open,
    /// Closed (credit note, corrective invoice, agreement or rejected claim).
    Resolved,
}

/// A dispute over one or more invoices of a client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispute {
    /// Identity in the dossier.
    pub id: DisputeId,
    /// The client.
    pub client_id: ClientId,
    /// The invoices concerned (at least one).
    pub invoice_ids: Vec<InvoiceId>,
    /// Date opened.
    pub opened_on: NaiveDate,
    /// Reason category.
    pub reason: DisputeReason,
    /// The amount the client contests (the rest is undisputed and still due).
    pub disputed_amount: Money,
    /// State.
    pub state: DisputeState,
    /// Date resolved, when resolved.
    pub resolved_on: Option<NaiveDate>,
    /// Free text.
    pub note: String,
}

/// The identity of a promise to pay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PromiseId(pub i64);

/// Where a promise stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromiseState {
    /// Not yet due.
    Pending,
    /// Paid as promised.
    Kept,
    /// The date passed without the payment.
    Broken,
}

/// A client's promise to pay an amount by a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promise {
    /// Identity in the dossier.
    pub id: PromiseId,
    /// The client.
    pub client_id: ClientId,
    /// The invoices it covers (may be empty: a promise on the account).
    pub invoice_ids: Vec<InvoiceId>,
    /// When the promise was made.
    pub made_on: NaiveDate,
    /// The date promised.
    pub promised_for: NaiveDate,
    /// The amount promised.
    pub amount: Money,
    /// State.
    pub state: PromiseState,
}

impl Promise {
    /// The state on `as_of` given how much was paid since the promise was made: kept when the
    /// amount was reached, broken once the promised date has passed without it, pending otherwise.
    pub fn state_on(&self, as_of: NaiveDate, paid_since: &Money) -> PromiseState {
        if paid_since.currency == self.amount.currency && paid_since.amount >= self.amount.amount {
            PromiseState::Kept
        } else if as_of > self.promised_for {
            PromiseState::Broken
        } else {
            PromiseState::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn afnor_reasons_map_to_categories() {
        assert_eq!(DisputeReason::from_afnor("TX_TVA_ERR"), DisputeReason::Vat);
        assert_eq!(DisputeReason::from_afnor("DOUBLON"), DisputeReason::Duplicate);
        assert_eq!(DisputeReason::from_afnor("QTE_ERR"), DisputeReason::Quantity);
        assert_eq!(DisputeReason::from_afnor("SOMETHING_NEW"), DisputeReason::Other);
    }

    #[test]
    fn promise_state_depends_on_the_date_passed_in() {
        let p = Promise {
            id: PromiseId(1),
            client_id: ClientId(1),
            invoice_ids: vec![],
            made_on: "2026-11-01".parse().unwrap(),
            promised_for: "2026-11-15".parse().unwrap(),
            amount: Money::eur(dec!(1000)),
            state: PromiseState::Pending,
        };
        let nothing = Money::eur(dec!(0));
        assert_eq!(p.state_on("2026-11-15".parse().unwrap(), &nothing), PromiseState::Pending);
        assert_eq!(p.state_on("2026-11-16".parse().unwrap(), &nothing), PromiseState::Broken);
        assert_eq!(p.state_on("2026-11-16".parse().unwrap(), &Money::eur(dec!(1000.00))), PromiseState::Kept);
    }
}
