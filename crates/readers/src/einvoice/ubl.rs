//! UBL 2.1 Invoice and CreditNote (PEPPOL BIS 3, EN 16931, XRechnung UBL, EXTENDED-CTC-FR).

use encours_domain::PostalAddress;

use super::extract::{
    Amount, At, DateText, Extracted, Id, Note, Text, XInstalment, XParty, XPaymentMeans, XPreceding, XVat,
};
use crate::xml::El;

/// Reads the EN 16931 terms of a UBL Invoice or CreditNote.
pub(crate) fn extract<'t>(root: El<'t>, credit_note: bool) -> Extracted<'t> {
    let mut x = Extracted::new(root, if credit_note { "UBL-2.1-CreditNote" } else { "UBL-2.1-Invoice" });
    x.credit_note_root = credit_note;
    x.guideline_id = Text::of(root.child("CustomizationID")); // BT-24
    x.business_process = Text::of(root.child("ProfileID")); // BT-23
    x.number = Text::of(root.child("ID")); // BT-1
    x.issue_date = DateText::of(root.child("IssueDate")); // BT-2
    x.due_dates.extend(DateText::of(root.child("DueDate"))); // BT-9 (Invoice)
    x.type_code = Text::of(root.child(if credit_note { "CreditNoteTypeCode" } else { "InvoiceTypeCode" })); // BT-3
    for note in root.all("Note") {
        // BG-1: the EN 16931 UBL binding writes the subject code as a "#CODE#" prefix.
        let raw = note.text();
        if raw.is_empty() {
            continue;
        }
        let (subject, text) = split_subject(raw);
        x.notes.push(Note { subject, text, at: At::El(note) });
    }
    x.currency = Text::of(root.child("DocumentCurrencyCode")); // BT-5
    x.order_reference = Text::of(root.at(&["OrderReference", "ID"])); // BT-13
    for r in root.all_at(&["BillingReference", "InvoiceDocumentReference"]) {
        // BG-3: BT-25 preceding invoice, BT-26 its date.
        if let Some(id) = Text::of(r.child("ID")) {
            x.preceding.push(XPreceding { id, issue_date: DateText::of(r.child("IssueDate")) });
        }
    }
    x.seller = root.at(&["AccountingSupplierParty", "Party"]).map(party); // BG-4
    x.buyer = root.at(&["AccountingCustomerParty", "Party"]).map(party); // BG-7
    x.payee = root.child("PayeeParty").map(party); // BG-10
    x.delivery_date = DateText::of(root.at(&["Delivery", "ActualDeliveryDate"])); // BT-72
    for pm in root.all("PaymentMeans") {
        // BG-16: BT-81 code, BT-83 payment id, BT-84 payee account; BT-9 of credit notes.
        x.payment_means.push(XPaymentMeans {
            at: At::El(pm),
            payee_account: Text::of(pm.at(&["PayeeFinancialAccount", "ID"])),
            due_date: DateText::of(pm.child("PaymentDueDate")),
            payment_id: Text::of(pm.child("PaymentID")),
        });
    }
    x.remittance = x.payment_means.iter().find_map(|pm| pm.payment_id.clone());
    for terms in root.all("PaymentTerms") {
        x.payment_terms.extend(Text::of(terms.child("Note"))); // BT-20
        if let (Some(due), Some(amount)) =
            (DateText::of(terms.child("PaymentDueDate")), Amount::of(terms.child("Amount")))
        {
            x.instalments.push(XInstalment { due, amount });
        }
    }
    for ac in root.all("AllowanceCharge") {
        // BG-20 / BG-21 at document level.
        let Some(amount) = Amount::of(ac.child("Amount")) else { continue };
        match ac.child("ChargeIndicator").map(|c| c.text().to_ascii_lowercase()).as_deref() {
            Some("true") | Some("1") => x.charges.push(amount),
            _ => x.allowances.push(amount),
        }
    }
    for total in root.all("TaxTotal") {
        // BT-110 / BT-111 with their currencies; BG-23 in the subtotals.
        x.totals.tax_totals.extend(Amount::of(total.child("TaxAmount")));
        for sub in total.all("TaxSubtotal") {
            let category = sub.child("TaxCategory");
            x.vat.push(XVat {
                category: Text::of(category.and_then(|c| c.child("ID"))),
                rate: Amount::of(category.and_then(|c| c.child("Percent"))),
                basis: Amount::of(sub.child("TaxableAmount")),
                tax: Amount::of(sub.child("TaxAmount")),
                exemption_reason: Text::of(category.and_then(|c| c.child("TaxExemptionReason"))),
            });
        }
    }
    if let Some(m) = root.child("LegalMonetaryTotal") {
        x.totals.at = At::El(m);
        x.totals.line_total = Amount::of(m.child("LineExtensionAmount")); // BT-106
        x.totals.tax_basis_total = Amount::of(m.child("TaxExclusiveAmount")); // BT-109
        x.totals.grand_total = Amount::of(m.child("TaxInclusiveAmount")); // BT-112
        x.totals.allowance_total = Amount::of(m.child("AllowanceTotalAmount")); // BT-107
        x.totals.charge_total = Amount::of(m.child("ChargeTotalAmount")); // BT-108
        x.totals.prepaid = Amount::of(m.child("PrepaidAmount")); // BT-113
        x.totals.rounding = Amount::of(m.child("PayableRoundingAmount")); // BT-114
        x.totals.due_payable = Amount::of(m.child("PayableAmount")); // BT-115
    } else {
        x.totals.at = At::Missing(root, "cac:LegalMonetaryTotal");
    }
    for line in root.all(if credit_note { "CreditNoteLine" } else { "InvoiceLine" }) {
        x.line_amounts.extend(Amount::of(line.child("LineExtensionAmount"))); // BT-131
    }
    x
}

/// `#PMD#Pénalités…` → (`PMD`, `Pénalités…`); a note without the prefix has no subject.
pub(crate) fn split_subject(raw: &str) -> (Option<String>, String) {
    if let Some(rest) = raw.strip_prefix('#') {
        if let Some((code, text)) = rest.split_once('#') {
            let code = code.trim();
            if !code.is_empty() && code.len() <= 5 && code.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return (Some(code.to_ascii_uppercase()), text.trim().to_owned());
            }
        }
    }
    (None, raw.to_owned())
}

/// A UBL party.
fn party(p: El<'_>) -> XParty<'_> {
    let mut x = XParty::at(p);
    x.electronic_address = Id::of(p.child("EndpointID")); // BT-34 / BT-49
    x.ids.extend(p.all_at(&["PartyIdentification", "ID"]).into_iter().filter_map(|e| Id::of(Some(e)))); // BT-29 / BT-46
    x.trading_name = Text::of(p.at(&["PartyName", "Name"])); // BT-28 / BT-45
    if let Some(addr) = p.child("PostalAddress") {
        let text = |path: &[&str]| addr.at(path).map(|e| e.text().to_owned()).filter(|t| !t.is_empty());
        let mut lines: Vec<String> = ["StreetName", "AdditionalStreetName"].iter().filter_map(|n| text(&[n])).collect();
        lines.extend(
            addr.all_at(&["AddressLine", "Line"]).iter().map(|e| e.text().to_owned()).filter(|t| !t.is_empty()),
        );
        x.address = PostalAddress {
            lines,
            postcode: text(&["PostalZone"]).unwrap_or_default(),
            city: text(&["CityName"]).unwrap_or_default(),
            country: text(&["Country", "IdentificationCode"]).unwrap_or_default(),
        };
        x.country = Text::of(addr.at(&["Country", "IdentificationCode"])); // BT-40 / BT-55
    }
    for scheme in p.all("PartyTaxScheme") {
        // BT-31 / BT-48 when the tax scheme is VAT; another scheme is the seller's tax number.
        let is_vat = scheme.at(&["TaxScheme", "ID"]).is_none_or(|id| id.text().eq_ignore_ascii_case("VAT"));
        if is_vat {
            x.vat_ids.extend(Text::of(scheme.child("CompanyID")));
        }
    }
    if let Some(legal) = p.child("PartyLegalEntity") {
        x.name = Text::of(legal.child("RegistrationName")); // BT-27 / BT-44
        x.legal_ids.extend(Id::of(legal.child("CompanyID"))); // BT-30 / BT-47
    }
    if x.name.is_none() {
        x.name = x.trading_name.clone();
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_codes_come_from_the_hash_prefix() {
        assert_eq!(split_subject("#PMD#Pénalités : 3 fois"), (Some("PMD".into()), "Pénalités : 3 fois".into()));
        assert_eq!(split_subject("note sans sujet !"), (None, "note sans sujet !".into()));
        assert_eq!(split_subject("#hashtag without end"), (None, "#hashtag without end".into()));
        assert_eq!(split_subject("##empty code"), (None, "##empty code".into()));
    }
}
