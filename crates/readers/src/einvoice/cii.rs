//! UN/CEFACT Cross Industry Invoice: D16B and D22B (`rsm:CrossIndustryInvoice`, the syntax of
//! Factur-X and ZUGFeRD 2), and the ZUGFeRD 1 dialect (`rsm:CrossIndustryDocument`, namespace
//! `urn:ferd:CrossIndustryDocument:invoice:1p0`), whose aggregates have older names.
//!
//! Elements are matched by local name below the root (whose namespace the caller checked):
//! prefixes vary between producers and nothing else in these documents shares the names read here.

use encours_domain::PostalAddress;

use super::extract::{
    Amount, At, DateText, Extracted, Id, Note, Text, XInstalment, XParty, XPaymentMeans, XPreceding, XTotals, XVat,
};
use crate::xml::El;

/// The aggregate names that differ between the two CII generations.
pub(crate) struct Dialect {
    pub syntax: &'static str,
    context: &'static str,
    document: &'static str,
    transaction: &'static str,
    agreement: &'static str,
    delivery: &'static str,
    settlement: &'static str,
    summation: &'static str,
    line_settlement: &'static str,
    line_summation: &'static str,
}

/// CII D16B / D22B (Factur-X, ZUGFeRD 2, XRechnung CII, French CTC).
pub(crate) const D16B: Dialect = Dialect {
    syntax: "CII-D16B",
    context: "ExchangedDocumentContext",
    document: "ExchangedDocument",
    transaction: "SupplyChainTradeTransaction",
    agreement: "ApplicableHeaderTradeAgreement",
    delivery: "ApplicableHeaderTradeDelivery",
    settlement: "ApplicableHeaderTradeSettlement",
    summation: "SpecifiedTradeSettlementHeaderMonetarySummation",
    line_settlement: "SpecifiedLineTradeSettlement",
    line_summation: "SpecifiedTradeSettlementLineMonetarySummation",
};

/// ZUGFeRD 1.0 (`urn:ferd:CrossIndustryDocument:invoice:1p0`).
pub(crate) const ZUGFERD1: Dialect = Dialect {
    syntax: "CII-ZUGFeRD1",
    context: "SpecifiedExchangedDocumentContext",
    document: "HeaderExchangedDocument",
    transaction: "SpecifiedSupplyChainTradeTransaction",
    agreement: "ApplicableSupplyChainTradeAgreement",
    delivery: "ApplicableSupplyChainTradeDelivery",
    settlement: "ApplicableSupplyChainTradeSettlement",
    summation: "SpecifiedTradeSettlementMonetarySummation",
    line_settlement: "SpecifiedSupplyChainTradeSettlement",
    line_summation: "SpecifiedTradeSettlementMonetarySummation",
};

/// Reads the EN 16931 terms of a CII document.
pub(crate) fn extract<'t>(root: El<'t>, d: &Dialect) -> Extracted<'t> {
    let context = root.child(d.context);
    let document = root.child(d.document);
    let transaction = root.child(d.transaction);
    let agreement = transaction.and_then(|t| t.child(d.agreement));
    let delivery = transaction.and_then(|t| t.child(d.delivery));
    let settlement = transaction.and_then(|t| t.child(d.settlement));
    let summation = settlement.and_then(|s| s.child(d.summation));

    let mut x = Extracted::new(root, d.syntax);
    if let Some(ctx) = context {
        // BT-24 and BT-23.
        x.guideline_id = Text::of(ctx.at(&["GuidelineSpecifiedDocumentContextParameter", "ID"]));
        x.business_process = Text::of(ctx.at(&["BusinessProcessSpecifiedDocumentContextParameter", "ID"]));
    }
    if let Some(doc) = document {
        x.number = Text::of(doc.child("ID")); // BT-1
        x.type_code = Text::of(doc.child("TypeCode")); // BT-3
        x.issue_date = DateText::of_cii(doc.child("IssueDateTime")); // BT-2
        for note in doc.all("IncludedNote") {
            // BG-1: BT-21 subject code, BT-22 text (ZUGFeRD 1 may split the text over several Content).
            let text: Vec<&str> = note.all("Content").map(|c| c.text()).filter(|t| !t.is_empty()).collect();
            if text.is_empty() {
                continue;
            }
            x.notes.push(Note {
                subject: Text::of(note.child("SubjectCode")).map(|t| t.value.to_owned()),
                text: text.join("\n"),
                at: At::El(note),
            });
        }
    }
    if let Some(a) = agreement {
        x.seller = a.child("SellerTradeParty").map(party); // BG-4
        x.buyer = a.child("BuyerTradeParty").map(party); // BG-7
                                                         // BT-13: D16B IssuerAssignedID, ZUGFeRD 1 ID.
        x.order_reference = Text::of(
            a.child("BuyerOrderReferencedDocument").and_then(|r| r.child("IssuerAssignedID").or_else(|| r.child("ID"))),
        );
    }
    if let Some(dl) = delivery {
        x.delivery_date = DateText::of_cii(dl.at(&["ActualDeliverySupplyChainEvent", "OccurrenceDateTime"]));
        // BT-72
    }
    if let Some(s) = settlement {
        x.remittance = Text::of(s.child("PaymentReference")); // BT-83
        x.currency = Text::of(s.child("InvoiceCurrencyCode")); // BT-5
        x.payee = s.child("PayeeTradeParty").map(party); // BG-10
        for pm in s.all("SpecifiedTradeSettlementPaymentMeans") {
            // BG-16: BT-81 code; BT-84 IBAN (or proprietary id) of the payee account.
            let account = pm.child("PayeePartyCreditorFinancialAccount");
            let iban = Text::of(account.and_then(|a| a.child("IBANID")));
            let payee_account = iban.or_else(|| Text::of(account.and_then(|a| a.child("ProprietaryID"))));
            x.payment_means.push(XPaymentMeans { at: At::El(pm), payee_account, due_date: None, payment_id: None });
        }
        for tax in s.all("ApplicableTradeTax") {
            // BG-23: BT-116 basis, BT-117 tax, BT-118 category, BT-119 rate, BT-120 reason.
            x.vat.push(XVat {
                category: Text::of(tax.child("CategoryCode")),
                rate: Amount::of(tax.child("RateApplicablePercent").or_else(|| tax.child("ApplicablePercent"))),
                basis: Amount::of(tax.child("BasisAmount")),
                tax: Amount::of(tax.child("CalculatedAmount")),
                exemption_reason: Text::of(tax.child("ExemptionReason")),
            });
        }
        for ac in s.all("SpecifiedTradeAllowanceCharge") {
            // BG-20 / BG-21: BT-92 / BT-99 amounts, told apart by the charge indicator.
            let Some(amount) = Amount::of(ac.child("ActualAmount")) else { continue };
            let indicator = ac.at(&["ChargeIndicator", "Indicator"]).map(|i| i.text().to_ascii_lowercase());
            match indicator.as_deref() {
                Some("true") | Some("1") => x.charges.push(amount),
                _ => x.allowances.push(amount),
            }
        }
        for lsc in s.all("SpecifiedLogisticsServiceCharge") {
            // ZUGFeRD 1 and EXTENDED: logistics service charges count in BT-108.
            x.charges.extend(Amount::of(lsc.child("AppliedAmount")));
        }
        for terms in s.all("SpecifiedTradePaymentTerms") {
            // BT-20 description; BT-9 due date; EXTENDED instalments (PartialPaymentAmount).
            if let Some(t) = Text::of(terms.child("Description")) {
                x.payment_terms.push(t);
            }
            let due = DateText::of_cii(terms.child("DueDateDateTime"));
            if let Some(due) = &due {
                x.due_dates.push(due.clone());
            }
            if let (Some(due), Some(amount)) = (due, Amount::of(terms.child("PartialPaymentAmount"))) {
                x.instalments.push(XInstalment { due, amount });
            }
        }
        if let Some(m) = summation {
            x.totals = XTotals {
                at: At::El(m),
                line_total: Amount::of(m.child("LineTotalAmount")), // BT-106
                charge_total: Amount::of(m.child("ChargeTotalAmount")), // BT-108
                allowance_total: Amount::of(m.child("AllowanceTotalAmount")), // BT-107
                tax_basis_total: Amount::of(m.child("TaxBasisTotalAmount")), // BT-109
                tax_totals: m.all("TaxTotalAmount").filter_map(|e| Amount::of(Some(e))).collect(), // BT-110/111
                rounding: Amount::of(m.child("RoundingAmount")),    // BT-114
                grand_total: Amount::of(m.child("GrandTotalAmount")), // BT-112
                prepaid: Amount::of(m.child("TotalPrepaidAmount")), // BT-113
                due_payable: Amount::of(m.child("DuePayableAmount")), // BT-115
            };
        } else {
            x.totals = XTotals::at(At::Missing(s, d.summation));
        }
        for r in s.all("InvoiceReferencedDocument") {
            // BG-3: BT-25 preceding invoice, BT-26 its date.
            if let Some(id) = Text::of(r.child("IssuerAssignedID").or_else(|| r.child("ID"))) {
                let issue_date =
                    DateText::of_cii(r.child("FormattedIssueDateTime").or_else(|| r.child("IssueDateTime")));
                x.preceding.push(XPreceding { id, issue_date });
            }
        }
    }
    if let Some(t) = transaction {
        for line in t.all("IncludedSupplyChainTradeLineItem") {
            let doc = line.child("AssociatedDocumentLineDocument");
            // EXTENDED sub-lines (ParentLineID) and DETAIL/INFORMATION lines do not count in BT-106.
            let sub_line = doc.and_then(|d| d.child("ParentLineID")).is_some_and(|p| !p.text().is_empty());
            let status = doc.and_then(|d| d.child("LineStatusReasonCode")).map(|s| s.text().to_ascii_uppercase());
            if sub_line || matches!(status.as_deref(), Some("DETAIL") | Some("INFORMATION")) {
                continue;
            }
            // BT-131 line net amount.
            if let Some(a) = Amount::of(line.at(&[d.line_settlement, d.line_summation, "LineTotalAmount"])) {
                x.line_amounts.push(a);
            }
        }
    }
    x
}

/// A trade party (seller, buyer, payee).
fn party(p: El<'_>) -> XParty<'_> {
    let mut x = XParty { name: Text::of(p.child("Name")), ..XParty::at(p) };
    // BT-29 / BT-46: ID (no scheme) then GlobalID (with scheme).
    x.ids.extend(p.all("ID").filter_map(|e| Id::of(Some(e))));
    x.ids.extend(p.all("GlobalID").filter_map(|e| Id::of(Some(e))));
    if let Some(org) = p.child("SpecifiedLegalOrganization") {
        // BT-30 / BT-47 legal registration id; BT-28 / BT-45 trading name.
        x.legal_ids.extend(Id::of(org.child("ID")));
        x.trading_name = Text::of(org.child("TradingBusinessName"));
    }
    if let Some(addr) = p.child("PostalTradeAddress") {
        let line = |n: &str| addr.child(n).map(|e| e.text().to_owned()).filter(|t| !t.is_empty());
        x.address = PostalAddress {
            lines: ["LineOne", "LineTwo", "LineThree"].iter().filter_map(|n| line(n)).collect(),
            postcode: line("PostcodeCode").unwrap_or_default(),
            city: line("CityName").unwrap_or_default(),
            country: line("CountryID").unwrap_or_default(),
        };
        x.country = Text::of(addr.child("CountryID")); // BT-40 / BT-55
    }
    // BT-34 / BT-49 electronic address.
    x.electronic_address = Id::of(p.at(&["URIUniversalCommunication", "URIID"]));
    for reg in p.all("SpecifiedTaxRegistration") {
        // BT-31 / BT-48 VAT id (scheme VA); FC is the seller's tax number (BT-32), not kept here.
        if let Some(id) = Id::of(reg.child("ID")) {
            if id.scheme.is_none_or(|s| s.eq_ignore_ascii_case("VA")) {
                x.vat_ids.push(Text { value: id.value, at: id.at });
            }
        }
    }
    x
}
