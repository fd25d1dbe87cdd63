//! Invoices, with the EN 16931 business terms a receivables ledger needs.
//!
//! Field comments give the business term (BT) or group (BG) of EN 16931. Document type codes
//! (BT-3) follow the French list of XP Z12-012 (legal-rules.md B.3).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::client::ClientId;
use crate::ids::{Iban, Siren};
use crate::money::{Currency, Money};
use crate::source::Source;

/// The identity of an invoice inside one dossier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct InvoiceId(pub i64);

/// What a document is, for the ledger (derived from BT-3 and, for 380 with negative amounts, from
/// its sign).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceKind {
    /// A commercial invoice: 380, 389 (self-billed), 393 (factored), 501, and other invoice codes.
    Invoice,
    /// A credit note: 381, 261, 262, 396, 502, 503 — or a 380 with negative amounts.
    CreditNote,
    /// A corrective invoice that replaces another (BT-25): 384, 471, 472, 473.
    Corrective,
    /// A down-payment invoice: 386, 500.
    DownPayment,
    /// A document that asks for no payment (751 invoice information).
    Information,
}

impl InvoiceKind {
    /// The kind of a BT-3 code, before looking at the amounts.
    pub fn from_type_code(code: u16) -> InvoiceKind {
        match code {
            381 | 261 | 262 | 396 | 502 | 503 => InvoiceKind::CreditNote,
            384 | 471 | 472 | 473 => InvoiceKind::Corrective,
            386 | 500 => InvoiceKind::DownPayment,
            751 => InvoiceKind::Information,
            _ => InvoiceKind::Invoice,
        }
    }

    /// The French word used in the app and on letters.
    pub fn label_fr(&self) -> &'static str {
        match self {
            InvoiceKind::Invoice => "Facture",
            InvoiceKind::CreditNote => "Avoir",
            InvoiceKind::Corrective => "Facture rectificative",
            InvoiceKind::DownPayment => "Facture d'acompte",
            InvoiceKind::Information => "Facture pour information",
        }
    }
}

/// True for self-billed documents (the buyer issued them: 389, 261, 471, 473, 500, 501, 502).
pub fn is_self_billed(type_code: u16) -> bool {
    matches!(type_code, 389 | 261 | 471 | 473 | 500 | 501 | 502)
}

/// True for factored documents (393, 396, 472, 473, 501, 502).
pub fn is_factored(type_code: u16) -> bool {
    matches!(type_code, 393 | 396 | 472 | 473 | 501 | 502)
}

/// Document totals (BG-22).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceTotals {
    /// BT-106 sum of invoice line net amounts.
    pub line_total: Money,
    /// BT-107 sum of allowances on document level.
    pub allowance_total: Option<Money>,
    /// BT-108 sum of charges on document level.
    pub charge_total: Option<Money>,
    /// BT-109 invoice total amount without VAT.
    pub tax_basis_total: Money,
    /// BT-110 invoice total VAT amount.
    pub tax_total: Option<Money>,
    /// BT-112 invoice total amount with VAT.
    pub grand_total: Money,
    /// BT-113 paid amount (prepaid).
    pub prepaid: Option<Money>,
    /// BT-114 rounding amount.
    pub rounding: Option<Money>,
    /// BT-115 amount due for payment.
    pub due_payable: Money,
}

/// One VAT breakdown line (BG-23).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatBreakdown {
    /// BT-118 VAT category code (S, Z, E, AE, K, G, O, L, M).
    pub category: String,
    /// BT-119 VAT rate, in percent; absent for category O.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub rate: Option<Decimal>,
    /// BT-116 VAT category taxable amount.
    pub taxable_amount: Money,
    /// BT-117 VAT category tax amount.
    pub tax_amount: Money,
    /// BT-120 VAT exemption reason text.
    pub exemption_reason: Option<String>,
}

/// A note of the document (BG-1): subject code BT-21, text BT-22. French invoices carry PMT
/// (€40 indemnity), PMD (late-payment penalties) and AAB (discount) notes (BR-FR-05).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceNote {
    /// BT-21 subject code (PMT, PMD, AAB, …), when given.
    pub subject: Option<String>,
    /// BT-22 text.
    pub text: String,
}

/// One instalment when the amount is due in several parts (BT-9/BT-20 repeated, CII extended).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    /// Due date of this part.
    pub due_date: NaiveDate,
    /// Amount due on that date.
    pub amount: Money,
}

/// An invoice, credit note or other billing document issued to a client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    /// Identity in the dossier.
    pub id: InvoiceId,
    /// The client (buyer) it was issued to.
    pub client_id: ClientId,
    /// BT-1 invoice number. Not unique on its own: a number identifies an invoice only together
    /// with its seller and issue date.
    pub number: String,
    /// BT-3 document type code, as written.
    pub type_code: u16,
    /// What the document is for the ledger.
    pub kind: InvoiceKind,
    /// BT-2 issue date.
    pub issue_date: NaiveDate,
    /// BT-9 payment due date, or the date computed from the agreed terms when BT-9 is absent.
    pub due_date: NaiveDate,
    /// Instalments when the amount is split (empty otherwise).
    pub instalments: Vec<Instalment>,
    /// BT-72 actual delivery date, when known (start of the limitation period).
    pub delivery_date: Option<NaiveDate>,
    /// BT-5 invoice currency.
    pub currency: Currency,
    /// BG-22 totals.
    pub totals: InvoiceTotals,
    /// BG-23 VAT breakdown.
    pub vat_breakdown: Vec<VatBreakdown>,
    /// BT-20 payment terms text.
    pub payment_terms_note: Option<String>,
    /// BG-1 notes (PMD, PMT, AAB…).
    pub notes: Vec<InvoiceNote>,
    /// BT-84 payee IBAN.
    pub payee_iban: Option<Iban>,
    /// BT-83 remittance information (the reference the payer should quote).
    pub remittance: Option<String>,
    /// BT-25 preceding invoice number (for corrective invoices and credit notes).
    pub preceding_invoice: Option<String>,
    /// BT-13 purchase order reference.
    pub order_reference: Option<String>,
    /// BT-23 business process type (French "cadre de facturation": B1, S1, M1…).
    pub business_process: Option<String>,
    /// BT-30 seller legal registration identifier (SIREN), used to match lifecycle statuses.
    pub seller_siren: Option<Siren>,
    /// Where the record came from.
    pub source: Source,
}

impl InvoiceTotals {
    /// The totals of a document without allowances, charges, prepayment or rounding: `net` before
    /// VAT (BT-106 = BT-109) and `payable` after it (BT-112 = BT-115); the VAT (BT-110) is the
    /// difference, absent when there is none.
    pub fn simple(net: Money, payable: Money) -> InvoiceTotals {
        InvoiceTotals {
            line_total: net,
            allowance_total: None,
            charge_total: None,
            tax_basis_total: net,
            tax_total: (payable.amount != net.amount)
                .then(|| Money::new(payable.amount - net.amount, payable.currency)),
            grand_total: payable,
            prepaid: None,
            rounding: None,
            due_payable: payable,
        }
    }
}

impl Invoice {
    /// A document with what every ledger entry has and none of the optional parts (no
    /// instalments, delivery date, VAT breakdown, notes, payee, remittance, references or seller):
    /// its kind is its BT-3 code's, its currency its totals'. A record with more sets the other
    /// fields on top of this one.
    pub fn simple(
        id: InvoiceId,
        client_id: ClientId,
        number: String,
        type_code: u16,
        (issue_date, due_date): (NaiveDate, NaiveDate),
        totals: InvoiceTotals,
        source: Source,
    ) -> Invoice {
        Invoice {
            id,
            client_id,
            number,
            type_code,
            kind: InvoiceKind::from_type_code(type_code),
            issue_date,
            due_date,
            instalments: Vec::new(),
            delivery_date: None,
            currency: totals.due_payable.currency,
            totals,
            vat_breakdown: Vec::new(),
            payment_terms_note: None,
            notes: Vec::new(),
            payee_iban: None,
            remittance: None,
            preceding_invoice: None,
            order_reference: None,
            business_process: None,
            seller_siren: None,
            source,
        }
    }

    /// What this document adds to the client's balance: the amount due for invoices, minus its
    /// absolute value for credit notes (a 381 with a positive amount and a 380 with a negative
    /// amount both reduce what the client owes), nothing for information documents.
    pub fn receivable_effect(&self) -> Money {
        let due = self.totals.due_payable;
        match self.kind {
            InvoiceKind::CreditNote => Money::new(-due.amount.abs(), due.currency),
            InvoiceKind::Information => Money::zero(due.currency),
            _ => due,
        }
    }

    /// Days past the due date on `as_of` (0 when not yet due).
    pub fn days_overdue(&self, as_of: NaiveDate) -> i64 {
        (as_of - self.due_date).num_days().max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_simple_document_takes_its_kind_from_its_code_and_its_vat_from_its_totals() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap_or_default();
        let (net, payable) = (Money::eur(Decimal::new(1000, 0)), Money::eur(Decimal::new(1200, 0)));
        let inv = Invoice::simple(
            InvoiceId(4),
            ClientId(2),
            "F-4".into(),
            381,
            (d("2026-09-01"), d("2026-10-01")),
            InvoiceTotals::simple(net, payable),
            Source::at("f.xml", "/Invoice"),
        );
        assert_eq!(inv.kind, InvoiceKind::CreditNote);
        assert_eq!(inv.currency, Currency::EUR);
        assert_eq!(inv.totals.tax_total, Some(Money::eur(Decimal::new(200, 0))));
        assert_eq!((inv.totals.tax_basis_total, inv.totals.due_payable), (net, payable));
        assert_eq!(InvoiceTotals::simple(net, net).tax_total, None, "no VAT: none written");
    }

    #[test]
    fn kinds_follow_the_french_bt3_list() {
        for (code, kind) in [
            (380, InvoiceKind::Invoice),
            (389, InvoiceKind::Invoice),
            (393, InvoiceKind::Invoice),
            (501, InvoiceKind::Invoice),
            (386, InvoiceKind::DownPayment),
            (500, InvoiceKind::DownPayment),
            (384, InvoiceKind::Corrective),
            (471, InvoiceKind::Corrective),
            (472, InvoiceKind::Corrective),
            (473, InvoiceKind::Corrective),
            (381, InvoiceKind::CreditNote),
            (261, InvoiceKind::CreditNote),
            (262, InvoiceKind::CreditNote),
            (396, InvoiceKind::CreditNote),
            (502, InvoiceKind::CreditNote),
            (503, InvoiceKind::CreditNote),
            (751, InvoiceKind::Information),
        ] {
            assert_eq!(InvoiceKind::from_type_code(code), kind, "BT-3 {code}");
        }
        assert!(is_self_billed(389) && is_self_billed(500) && !is_self_billed(380));
        assert!(is_factored(393) && is_factored(473) && !is_factored(381));
    }
}
