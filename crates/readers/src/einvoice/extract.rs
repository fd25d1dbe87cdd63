//! The EN 16931 terms as written in a document, with the XML path of each, independent of the
//! syntax. The CII and UBL readers fill an [`Extracted`]; the builder turns it into domain values.

use encours_domain::PostalAddress;
use rust_decimal::Decimal;

use crate::xml::El;

/// A non-empty text value (trimmed) and where it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Text {
    pub value: String,
    pub path: String,
}

impl Text {
    /// The trimmed text of an element, `None` when absent or empty.
    pub(crate) fn of(el: Option<El<'_>>) -> Option<Text> {
        let el = el?;
        let value = el.text();
        (!value.is_empty()).then(|| Text { value: value.to_owned(), path: el.path() })
    }
}

/// An identifier with its scheme (`schemeID`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Id {
    pub value: String,
    pub scheme: Option<String>,
    pub path: String,
}

impl Id {
    pub(crate) fn of(el: Option<El<'_>>) -> Option<Id> {
        let el = el?;
        let value = el.text();
        (!value.is_empty()).then(|| Id {
            value: value.to_owned(),
            scheme: el.attr("schemeID").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
            path: el.path(),
        })
    }
}

/// An amount as written: its text, its decimal value when it is one, its `currencyID`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Amount {
    pub text: String,
    pub value: Option<Decimal>,
    pub currency: Option<String>,
    pub path: String,
}

impl Amount {
    pub(crate) fn of(el: Option<El<'_>>) -> Option<Amount> {
        let el = el?;
        let text = el.text();
        if text.is_empty() {
            return None;
        }
        Some(Amount {
            text: text.to_owned(),
            value: parse_decimal(text),
            currency: el.attr("currencyID").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
            path: el.path(),
        })
    }
}

/// A decimal as XML Schema writes it: optional sign, digits, optional fraction. No exponent,
/// no thousands separator, no comma.
pub(crate) fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    let digits = t.strip_prefix('-').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    Decimal::from_str_exact(t).ok()
}

/// A date as written, with its `format` attribute (CII `102` = `YYYYMMDD`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DateText {
    pub text: String,
    pub format: Option<String>,
    pub path: String,
}

impl DateText {
    /// A UBL date element (`2026-11-23`).
    pub(crate) fn of(el: Option<El<'_>>) -> Option<DateText> {
        let el = el?;
        let text = el.text();
        (!text.is_empty()).then(|| DateText {
            text: text.to_owned(),
            format: el.attr("format").map(str::to_owned),
            path: el.path(),
        })
    }

    /// A CII date: the element holding a `DateTimeString` (or, in some files, the text itself).
    pub(crate) fn of_cii(el: Option<El<'_>>) -> Option<DateText> {
        let el = el?;
        DateText::of(el.child("DateTimeString").or_else(|| el.child("DateString"))).or_else(|| DateText::of(Some(el)))
    }
}

/// A note (BG-1): subject code BT-21 and text BT-22.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Note {
    pub subject: Option<String>,
    pub text: String,
    pub path: String,
}

/// A party as written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct XParty {
    pub path: String,
    pub name: Option<Text>,
    pub trading_name: Option<Text>,
    pub ids: Vec<Id>,
    pub legal_ids: Vec<Id>,
    pub vat_ids: Vec<Text>,
    pub country: Option<Text>,
    pub electronic_address: Option<Id>,
    pub address: PostalAddress,
}

/// BG-22 totals as written; `tax_totals` keeps every BT-110/BT-111 with its currency.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct XTotals {
    pub path: String,
    pub line_total: Option<Amount>,
    pub allowance_total: Option<Amount>,
    pub charge_total: Option<Amount>,
    pub tax_basis_total: Option<Amount>,
    pub tax_totals: Vec<Amount>,
    pub grand_total: Option<Amount>,
    pub prepaid: Option<Amount>,
    pub rounding: Option<Amount>,
    pub due_payable: Option<Amount>,
}

/// One VAT breakdown (BG-23).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct XVat {
    pub path: String,
    pub category: Option<Text>,
    pub rate: Option<Amount>,
    pub basis: Option<Amount>,
    pub tax: Option<Amount>,
    pub exemption_reason: Option<Text>,
    pub exemption_reason_code: Option<Text>,
}

/// One payment means (BG-16).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct XPaymentMeans {
    pub path: String,
    pub code: Option<Text>,
    /// BT-84 payee account (CII IBANID, else ProprietaryID; UBL PayeeFinancialAccount/ID).
    pub payee_account: Option<Text>,
    /// The account is a CII ProprietaryID rather than an IBAN.
    pub proprietary: bool,
    /// UBL CreditNote: PaymentMeans/PaymentDueDate, the binding of BT-9 in credit notes.
    pub due_date: Option<DateText>,
    /// UBL: PaymentMeans/PaymentID (BT-83).
    pub payment_id: Option<Text>,
}

/// A preceding invoice reference (BG-3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct XPreceding {
    pub id: Text,
    pub issue_date: Option<DateText>,
}

/// An instalment: a due date with its amount (CII EXTENDED PartialPaymentAmount, UBL
/// PaymentTerms/Amount).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct XInstalment {
    pub due: DateText,
    pub amount: Amount,
}

/// Everything the builder needs, as written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Extracted {
    pub root_path: String,
    pub syntax: String,
    /// The document is a UBL CreditNote (its root says so, whatever BT-3 says).
    pub credit_note_root: bool,
    pub guideline_id: Option<Text>,
    pub business_process: Option<Text>,
    pub number: Option<Text>,
    pub type_code: Option<Text>,
    pub issue_date: Option<DateText>,
    /// BT-9 as the truth reads it: CII payment terms due dates in order; UBL root `DueDate`.
    pub due_dates: Vec<DateText>,
    pub delivery_date: Option<DateText>,
    pub currency: Option<Text>,
    pub tax_currency: Option<Text>,
    pub notes: Vec<Note>,
    /// BT-20 payment terms texts.
    pub payment_terms: Vec<Text>,
    pub instalments: Vec<XInstalment>,
    pub seller: Option<XParty>,
    pub buyer: Option<XParty>,
    pub payee: Option<XParty>,
    pub totals: XTotals,
    pub vat: Vec<XVat>,
    /// Document-level allowances (BT-92) and charges (BT-99).
    pub allowances: Vec<Amount>,
    pub charges: Vec<Amount>,
    /// BT-131 of each invoice line that counts in BT-106 (sub-lines and information lines excluded).
    pub line_amounts: Vec<Amount>,
    pub line_count: usize,
    pub payment_means: Vec<XPaymentMeans>,
    /// BT-83 remittance information.
    pub remittance: Option<Text>,
    /// BG-3: BT-25 preceding invoice references, with BT-26 their issue dates.
    pub preceding: Vec<XPreceding>,
    /// BT-13 purchase order reference.
    pub order_reference: Option<Text>,
    /// BT-10 buyer reference.
    pub buyer_reference: Option<Text>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_follow_xml_schema() {
        assert_eq!(parse_decimal("1436.5").map(|d| d.to_string()).as_deref(), Some("1436.5"));
        assert_eq!(parse_decimal(" -233.47 ").map(|d| d.to_string()).as_deref(), Some("-233.47"));
        assert_eq!(parse_decimal("+12").map(|d| d.to_string()).as_deref(), Some("12"));
        assert_eq!(parse_decimal("12."), Decimal::from_str_exact("12").ok(), "a trailing dot is a valid xs:decimal");
        for bad in ["", "-", "1,5", "1e3", "NaN", "1 000.00", ".5x", "--1", "1.2.3", "-+1"] {
            assert_eq!(parse_decimal(bad), None, "{bad:?} is not a decimal");
        }
    }
}
