//! The EN 16931 terms as written in a document, with the XML path of each, independent of the
//! syntax. The CII and UBL readers fill an [`Extracted`]; the builder turns it into domain values.

use encours_domain::PostalAddress;
use rust_decimal::Decimal;

use crate::xml::El;

/// Where a term was found. Its XML path is computed only when a diagnostic needs it: most terms
/// of a valid invoice never need theirs, and building a path walks the tree.
#[derive(Clone, Copy, Debug)]
pub(crate) enum At<'t> {
    /// This element.
    El(El<'t>),
    /// Where an absent child of this element would be (`name` as it would be written).
    Missing(El<'t>, &'static str),
    /// No particular place: an empty path (the totals of a CII document without settlement).
    Nowhere,
}

impl At<'_> {
    /// The XML path, with the document's prefixes and sibling indexes.
    pub(crate) fn path(&self) -> String {
        match self {
            At::El(el) => el.path(),
            At::Missing(parent, name) => format!("{}/{name}", parent.path()),
            At::Nowhere => String::new(),
        }
    }
}

/// A non-empty text value (trimmed) and where it was.
#[derive(Clone, Debug)]
pub(crate) struct Text<'t> {
    pub value: &'t str,
    pub at: At<'t>,
}

impl<'t> Text<'t> {
    /// The trimmed text of an element, `None` when absent or empty.
    pub(crate) fn of(el: Option<El<'t>>) -> Option<Text<'t>> {
        let el = el?;
        let value = el.text();
        (!value.is_empty()).then_some(Text { value, at: At::El(el) })
    }
}

/// An identifier with its scheme (`schemeID`).
#[derive(Clone, Debug)]
pub(crate) struct Id<'t> {
    pub value: &'t str,
    pub scheme: Option<&'t str>,
    pub at: At<'t>,
}

impl<'t> Id<'t> {
    pub(crate) fn of(el: Option<El<'t>>) -> Option<Id<'t>> {
        let el = el?;
        let value = el.text();
        (!value.is_empty()).then(|| Id {
            value,
            scheme: el.attr("schemeID").map(str::trim).filter(|s| !s.is_empty()),
            at: At::El(el),
        })
    }
}

/// An amount as written: its text, its decimal value when it is one, its `currencyID`.
#[derive(Clone, Debug)]
pub(crate) struct Amount<'t> {
    pub text: &'t str,
    pub value: Option<Decimal>,
    pub currency: Option<&'t str>,
    pub at: At<'t>,
}

impl<'t> Amount<'t> {
    pub(crate) fn of(el: Option<El<'t>>) -> Option<Amount<'t>> {
        let el = el?;
        let text = el.text();
        if text.is_empty() {
            return None;
        }
        Some(Amount {
            text,
            value: parse_decimal(text),
            currency: el.attr("currencyID").map(str::trim).filter(|s| !s.is_empty()),
            at: At::El(el),
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
#[derive(Clone, Debug)]
pub(crate) struct DateText<'t> {
    pub text: &'t str,
    pub format: Option<&'t str>,
    pub at: At<'t>,
}

impl<'t> DateText<'t> {
    /// A UBL date element (`2026-11-23`).
    pub(crate) fn of(el: Option<El<'t>>) -> Option<DateText<'t>> {
        let el = el?;
        let text = el.text();
        (!text.is_empty()).then(|| DateText { text, format: el.attr("format"), at: At::El(el) })
    }

    /// A CII date: the element holding a `DateTimeString` (or, in some files, the text itself).
    pub(crate) fn of_cii(el: Option<El<'t>>) -> Option<DateText<'t>> {
        let el = el?;
        DateText::of(el.child("DateTimeString").or_else(|| el.child("DateString"))).or_else(|| DateText::of(Some(el)))
    }
}

/// A note (BG-1): subject code BT-21 and text BT-22.
#[derive(Clone, Debug)]
pub(crate) struct Note<'t> {
    pub subject: Option<String>,
    pub text: String,
    pub at: At<'t>,
}

/// A party as written.
#[derive(Clone, Debug)]
pub(crate) struct XParty<'t> {
    pub at: At<'t>,
    pub name: Option<Text<'t>>,
    pub trading_name: Option<Text<'t>>,
    pub ids: Vec<Id<'t>>,
    pub legal_ids: Vec<Id<'t>>,
    pub vat_ids: Vec<Text<'t>>,
    pub country: Option<Text<'t>>,
    pub electronic_address: Option<Id<'t>>,
    pub address: PostalAddress,
}

impl<'t> XParty<'t> {
    /// A party read from this element, with nothing found yet.
    pub(crate) fn at(el: El<'t>) -> XParty<'t> {
        XParty {
            at: At::El(el),
            name: None,
            trading_name: None,
            ids: Vec::new(),
            legal_ids: Vec::new(),
            vat_ids: Vec::new(),
            country: None,
            electronic_address: None,
            address: PostalAddress::default(),
        }
    }
}

/// BG-22 totals as written; `tax_totals` keeps every BT-110/BT-111 with its currency.
#[derive(Clone, Debug)]
pub(crate) struct XTotals<'t> {
    pub at: At<'t>,
    pub line_total: Option<Amount<'t>>,
    pub allowance_total: Option<Amount<'t>>,
    pub charge_total: Option<Amount<'t>>,
    pub tax_basis_total: Option<Amount<'t>>,
    pub tax_totals: Vec<Amount<'t>>,
    pub grand_total: Option<Amount<'t>>,
    pub prepaid: Option<Amount<'t>>,
    pub rounding: Option<Amount<'t>>,
    pub due_payable: Option<Amount<'t>>,
}

impl<'t> XTotals<'t> {
    /// Totals at this place, with nothing found yet.
    pub(crate) fn at(at: At<'t>) -> XTotals<'t> {
        XTotals {
            at,
            line_total: None,
            allowance_total: None,
            charge_total: None,
            tax_basis_total: None,
            tax_totals: Vec::new(),
            grand_total: None,
            prepaid: None,
            rounding: None,
            due_payable: None,
        }
    }
}

/// One VAT breakdown (BG-23).
#[derive(Clone, Debug)]
pub(crate) struct XVat<'t> {
    pub category: Option<Text<'t>>,
    pub rate: Option<Amount<'t>>,
    pub basis: Option<Amount<'t>>,
    pub tax: Option<Amount<'t>>,
    pub exemption_reason: Option<Text<'t>>,
}

/// One payment means (BG-16).
#[derive(Clone, Debug)]
pub(crate) struct XPaymentMeans<'t> {
    pub at: At<'t>,
    /// BT-84 payee account (CII IBANID, else ProprietaryID; UBL PayeeFinancialAccount/ID).
    pub payee_account: Option<Text<'t>>,
    /// UBL CreditNote: PaymentMeans/PaymentDueDate, the binding of BT-9 in credit notes.
    pub due_date: Option<DateText<'t>>,
    /// UBL: PaymentMeans/PaymentID (BT-83).
    pub payment_id: Option<Text<'t>>,
}

/// A preceding invoice reference (BG-3).
#[derive(Clone, Debug)]
pub(crate) struct XPreceding<'t> {
    pub id: Text<'t>,
    pub issue_date: Option<DateText<'t>>,
}

/// An instalment: a due date with its amount (CII EXTENDED PartialPaymentAmount, UBL
/// PaymentTerms/Amount).
#[derive(Clone, Debug)]
pub(crate) struct XInstalment<'t> {
    pub due: DateText<'t>,
    pub amount: Amount<'t>,
}

/// Everything the builder needs, as written, borrowing from the parsed document.
#[derive(Clone, Debug)]
pub(crate) struct Extracted<'t> {
    pub root_path: String,
    pub syntax: &'static str,
    /// The document is a UBL CreditNote (its root says so, whatever BT-3 says).
    pub credit_note_root: bool,
    pub guideline_id: Option<Text<'t>>,
    pub business_process: Option<Text<'t>>,
    pub number: Option<Text<'t>>,
    pub type_code: Option<Text<'t>>,
    pub issue_date: Option<DateText<'t>>,
    /// BT-9 as the truth reads it: CII payment terms due dates in order; UBL root `DueDate`.
    pub due_dates: Vec<DateText<'t>>,
    pub delivery_date: Option<DateText<'t>>,
    pub currency: Option<Text<'t>>,
    pub notes: Vec<Note<'t>>,
    /// BT-20 payment terms texts.
    pub payment_terms: Vec<Text<'t>>,
    pub instalments: Vec<XInstalment<'t>>,
    pub seller: Option<XParty<'t>>,
    pub buyer: Option<XParty<'t>>,
    pub payee: Option<XParty<'t>>,
    pub totals: XTotals<'t>,
    pub vat: Vec<XVat<'t>>,
    /// Document-level allowances (BT-92) and charges (BT-99).
    pub allowances: Vec<Amount<'t>>,
    pub charges: Vec<Amount<'t>>,
    /// BT-131 of each invoice line that counts in BT-106 (sub-lines and information lines excluded).
    pub line_amounts: Vec<Amount<'t>>,
    pub payment_means: Vec<XPaymentMeans<'t>>,
    /// BT-83 remittance information.
    pub remittance: Option<Text<'t>>,
    /// BG-3: BT-25 preceding invoice references, with BT-26 their issue dates.
    pub preceding: Vec<XPreceding<'t>>,
    /// BT-13 purchase order reference.
    pub order_reference: Option<Text<'t>>,
}

impl<'t> Extracted<'t> {
    /// Nothing found yet in the document whose root is `root`.
    pub(crate) fn new(root: El<'t>, syntax: &'static str) -> Extracted<'t> {
        Extracted {
            root_path: root.path(),
            syntax,
            credit_note_root: false,
            guideline_id: None,
            business_process: None,
            number: None,
            type_code: None,
            issue_date: None,
            due_dates: Vec::new(),
            delivery_date: None,
            currency: None,
            notes: Vec::new(),
            payment_terms: Vec::new(),
            instalments: Vec::new(),
            seller: None,
            buyer: None,
            payee: None,
            totals: XTotals::at(At::Nowhere),
            vat: Vec::new(),
            allowances: Vec::new(),
            charges: Vec::new(),
            line_amounts: Vec::new(),
            payment_means: Vec::new(),
            remittance: None,
            preceding: Vec::new(),
            order_reference: None,
        }
    }
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
