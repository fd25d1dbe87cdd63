//! The checks that matter for receivables, run on every invoice read. Each finding is a
//! [`Diagnostic`] with the rule it is about; none of them refuses the document.
//!
//! - EN 16931 totals: BR-CO-10 to BR-CO-16 (exact decimal arithmetic, nothing rounded);
//! - BR-CO-25: an amount due needs a due date or payment terms;
//! - mandatory terms: BR-02 (number), BR-06 / BR-07 (names);
//! - identifiers: SIREN / SIRET check digits (domain rules), BR-FR-09, French VAT keys;
//! - for French sellers: the profile accepted by the reform (XP Z12-012 §4.2), the mandatory
//!   notes PMT/PMD/AAB (BR-FR-05/06), BT-23 (BR-FR-08), the buyer's SIREN, BT-3 in the French list
//!   (BR-FR-04), electronic addresses (BR-FR-12/13);
//! - the kind of document: self-billing, down payment, corrective invoice without BT-25.

use encours_domain::invoice::is_self_billed;
use encours_domain::{InvoiceKind, VatNumber};
use rust_decimal::Decimal;

use super::extract::{Amount, Extracted, XParty};
use super::{Diagnostic, EInvoice, Level, Party};

pub(crate) fn run(x: &Extracted<'_>, e: &EInvoice, d: &mut Vec<Diagnostic>) {
    mandatory(x, d);
    totals(x, e, d);
    due_or_terms(x, e, d);
    for (role, p, xp) in [("seller", &e.seller, &x.seller), ("buyer", &e.buyer, &x.buyer)] {
        identifiers(role, p, xp.as_ref(), d);
    }
    if is_french(&e.seller) {
        french(x, e, d);
    }
    kinds(x, e, d);
}

fn mandatory(x: &Extracted<'_>, d: &mut Vec<Diagnostic>) {
    if x.number.is_none() {
        d.push(Diagnostic::new(Level::Error, "BR-02", "the invoice number (BT-1) is missing", &x.root_path));
    }
    for (rule, role, p) in [("BR-06", "seller", &x.seller), ("BR-07", "buyer", &x.buyer)] {
        match p {
            None => d.push(Diagnostic::new(Level::Warning, rule, format!("the {role} is missing"), &x.root_path)),
            Some(p) if p.name.is_none() => {
                d.push(Diagnostic::new(Level::Warning, rule, format!("the {role}'s name is missing"), p.at.path()))
            }
            Some(_) => {}
        }
    }
}

/// Sum of values, `None` when one is absent or the sum overflows.
fn sum<'a, 't: 'a>(amounts: impl IntoIterator<Item = &'a Amount<'t>>) -> Option<Decimal> {
    amounts.into_iter().try_fold(Decimal::ZERO, |acc, a| acc.checked_add(a.value?))
}

fn val(a: &Option<Amount<'_>>) -> Option<Decimal> {
    a.as_ref().and_then(|a| a.value)
}

fn where_(a: &Option<Amount<'_>>, x: &Extracted<'_>) -> String {
    a.as_ref().map_or_else(|| x.totals.at.path(), |a| a.at.path())
}

fn totals(x: &Extracted<'_>, e: &EInvoice, d: &mut Vec<Diagnostic>) {
    let t = &x.totals;
    let zero = Decimal::ZERO;
    let mut mismatch = |level: Level, rule: &str, stated: Decimal, expected: Decimal, how: String, path: String| {
        if stated != expected {
            d.push(Diagnostic::new(level, rule, format!("{how}: {expected} expected, {stated} stated"), path));
        }
    };
    // BR-CO-10: BT-106 = Σ BT-131.
    if let (Some(lines), Some(stated)) = (sum(&x.line_amounts), val(&t.line_total)) {
        if !x.line_amounts.is_empty() {
            mismatch(
                Level::Warning,
                "BR-CO-10",
                stated,
                lines,
                format!(
                    "the sum of line amounts (BT-106) differs from the {} line net amounts (BT-131)",
                    x.line_amounts.len()
                ),
                where_(&t.line_total, x),
            );
        }
    }
    // BR-CO-11 / BR-CO-12: BT-107 = Σ BT-92, BT-108 = Σ BT-99.
    for (rule, what, items, total) in [
        ("BR-CO-11", "allowances (BT-107)", &x.allowances, &t.allowance_total),
        ("BR-CO-12", "charges (BT-108)", &x.charges, &t.charge_total),
    ] {
        if items.is_empty() && total.is_none() {
            continue;
        }
        if let Some(s) = sum(items.iter()) {
            mismatch(
                Level::Warning,
                rule,
                val(total).unwrap_or(zero),
                s,
                format!("the sum of document {what} differs from the {} document-level amounts", items.len()),
                where_(total, x),
            );
        }
    }
    let lines = val(&t.line_total);
    let allowances = val(&t.allowance_total).unwrap_or(zero);
    let charges = val(&t.charge_total).unwrap_or(zero);
    let basis = val(&t.tax_basis_total);
    let tax = e.stated.totals.tax_total;
    // BR-CO-13: BT-109 = BT-106 − BT-107 + BT-108.
    if let (Some(l), Some(b)) = (lines, basis) {
        if let Some(expected) = l.checked_sub(allowances).and_then(|v| v.checked_add(charges)) {
            mismatch(
                Level::Warning,
                "BR-CO-13",
                b,
                expected,
                format!(
                    "the total without VAT (BT-109) is not lines {l} − allowances {allowances} + charges {charges}"
                ),
                where_(&t.tax_basis_total, x),
            );
        }
    }
    // BR-CO-14: BT-110 = Σ BT-117.
    if let Some(stated) = tax {
        let vat_taxes: Vec<&Amount<'_>> = x.vat.iter().filter_map(|v| v.tax.as_ref()).collect();
        if !vat_taxes.is_empty() && vat_taxes.len() == x.vat.len() {
            if let Some(s) = sum(vat_taxes) {
                let path = t.tax_totals.first().map_or_else(|| t.at.path(), |a| a.at.path());
                mismatch(
                    Level::Warning,
                    "BR-CO-14",
                    stated,
                    s,
                    "the VAT total (BT-110) differs from the sum of the VAT breakdown amounts (BT-117)".to_owned(),
                    path,
                );
            }
        }
    }
    // BR-CO-15: BT-112 = BT-109 + BT-110.
    if let (Some(b), Some(g)) = (basis, val(&t.grand_total)) {
        if let Some(expected) = b.checked_add(tax.unwrap_or(zero)) {
            mismatch(
                Level::Error,
                "BR-CO-15",
                g,
                expected,
                format!("the total with VAT (BT-112) is not the total without VAT {b} + VAT {}", tax.unwrap_or(zero)),
                where_(&t.grand_total, x),
            );
        }
    }
    // BR-CO-16: BT-115 = BT-112 − BT-113 + BT-114.
    if let (Some(g), Some(due)) = (val(&t.grand_total), val(&t.due_payable)) {
        let prepaid = val(&t.prepaid).unwrap_or(zero);
        let rounding = val(&t.rounding).unwrap_or(zero);
        // The MINIMUM profile cannot carry BT-113: a lower amount due is then a prepayment.
        let minimum_without_prepaid = t.prepaid.is_none() && e.profile.as_deref() == Some("MINIMUM") && due < g;
        if minimum_without_prepaid {
            d.push(Diagnostic::new(
                Level::Info,
                "BR-CO-16",
                format!(
                    "the amount due {due} is below the total {g}; the MINIMUM profile cannot state the paid amount (BT-113), so the difference is taken as already paid"
                ),
                where_(&t.due_payable, x),
            ));
        } else if let Some(expected) = g.checked_sub(prepaid).and_then(|v| v.checked_add(rounding)) {
            mismatch(
                Level::Error,
                "BR-CO-16",
                due,
                expected,
                format!("the amount due (BT-115) is not the total {g} − paid {prepaid} + rounding {rounding}"),
                where_(&t.due_payable, x),
            );
        }
    }
}

fn due_or_terms(x: &Extracted<'_>, e: &EInvoice, d: &mut Vec<Diagnostic>) {
    // BR-CO-25: a positive amount due needs a due date (BT-9) or payment terms (BT-20).
    if e.invoice.totals.due_payable.is_positive() && e.due_date_stated.is_none() && x.payment_terms.is_empty() {
        d.push(Diagnostic::new(
            Level::Warning,
            "BR-CO-25",
            "an amount is due but the invoice states neither a due date (BT-9) nor payment terms (BT-20)",
            &x.root_path,
        ));
    }
}

fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace() && *c != '.' && *c != '-').collect::<String>().to_ascii_uppercase()
}

fn identifiers(role: &str, p: &Party, xp: Option<&XParty<'_>>, d: &mut Vec<Diagnostic>) {
    let Some(xp) = xp else { return };
    // BR-FR-09: the SIRET starts with the SIREN.
    if let (Some(siren), Some(siret)) = (&p.siren_as_written, &p.siret_as_written) {
        if siret.is_ascii() && siret.len() >= 9 && &siret[..9] != siren.as_str() {
            let path = xp.ids.iter().find(|i| i.scheme == Some("0009")).map_or_else(|| xp.at.path(), |i| i.at.path());
            d.push(Diagnostic::new(
                Level::Warning,
                "BR-FR-09",
                format!("the {role}'s SIRET {siret} does not start with its SIREN {siren}"),
                path,
            ));
        }
    }
    // French VAT numbers: the key must match the SIREN inside, and that SIREN the party's.
    for vat in &xp.vat_ids {
        let c = compact(vat.value);
        if !c.starts_with("FR") || !c.is_ascii() {
            continue;
        }
        match VatNumber::parse(&c) {
            Ok(number) => {
                if let Some(siren) = &p.siren_as_written {
                    if number.siren().as_str() != siren {
                        d.push(Diagnostic::new(
                            Level::Warning,
                            "FR-VAT-SIREN",
                            format!("the {role}'s VAT number {} does not contain its SIREN {siren}", vat.value),
                            vat.at.path(),
                        ));
                    }
                }
            }
            Err(e) => d.push(Diagnostic::new(
                Level::Warning,
                "FR-VAT-KEY",
                format!("the {role}'s French VAT number {:?} is not valid: {e}", vat.value),
                vat.at.path(),
            )),
        }
    }
}

/// A French seller: country FR, a SIREN, or a French VAT number.
fn is_french(p: &Party) -> bool {
    p.country.as_deref().is_some_and(|c| c.eq_ignore_ascii_case("FR"))
        || p.siren_as_written.is_some()
        || p.vat_ids.iter().any(|v| compact(v).starts_with("FR"))
}

/// BT-3 codes of the French list (XP Z12-012, legal-rules.md B.3).
const FRENCH_TYPE_CODES: [u16; 17] =
    [380, 389, 393, 501, 386, 500, 384, 471, 472, 473, 381, 261, 262, 396, 502, 503, 751];

/// BT-23 "cadre de facturation" values (BR-FR-08, legal-rules.md B.5).
const FRENCH_BUSINESS_PROCESSES: [&str; 17] =
    ["B1", "S1", "M1", "B2", "S2", "M2", "B4", "S4", "M4", "S3", "S5", "S6", "B7", "S7", "B8", "S8", "M8"];

fn french(x: &Extracted<'_>, e: &EInvoice, d: &mut Vec<Diagnostic>) {
    let guideline_path = || x.guideline_id.as_ref().map_or_else(|| x.root_path.clone(), |g| g.at.path());
    // The profiles of the reform's minimum base (XP Z12-012 §4.2).
    match e.profile.as_deref() {
        Some("EN16931" | "EXTENDED" | "EXTENDED-CTC-FR") => {}
        Some("BASIC WL") => d.push(Diagnostic::new(
            Level::Info,
            "FR-PROFILE",
            "the BASIC WL profile is accepted by the French reform only until 1 September 2027",
            guideline_path(),
        )),
        Some(p @ ("XRECHNUNG" | "PEPPOL BIS 3")) => d.push(Diagnostic::new(
            Level::Info,
            "FR-PROFILE",
            format!("{p} is a specialisation of EN 16931 from another country; French platforms expect BT-24 urn:cen.eu:en16931:2017 or a Factur-X profile"),
            guideline_path(),
        )),
        Some(p) => d.push(Diagnostic::new(
            Level::Warning,
            "FR-PROFILE",
            format!("the {p} profile is not accepted by the French reform (EN 16931, EXTENDED, EXTENDED-CTC-FR, or BASIC WL until 1 September 2027)"),
            guideline_path(),
        )),
        None => d.push(Diagnostic::new(
            Level::Warning,
            "FR-PROFILE",
            match &e.guideline_id {
                Some(g) => format!("the specification identifier (BT-24) {g:?} is not a profile the French reform accepts"),
                None => "the specification identifier (BT-24) is missing".to_owned(),
            },
            guideline_path(),
        )),
    }
    // BR-FR-05 / BR-FR-06: one note each with subject PMT, PMD, AAB.
    for (code, what) in [
        ("PMT", "the €40 flat indemnity for recovery costs"),
        ("PMD", "the late-payment penalty rate"),
        ("AAB", "the early-payment discount, or that there is none"),
    ] {
        let found: Vec<_> = x.notes.iter().filter(|n| n.subject.as_deref() == Some(code)).collect();
        let rule = format!("FR-NOTE-{code}");
        match found.len() {
            0 => d.push(Diagnostic::new(
                Level::Warning,
                &rule,
                format!(
                    "no note with subject {code} (BR-FR-05): the invoice does not state {what} in the required note"
                ),
                &x.root_path,
            )),
            1 => {}
            n => d.push(Diagnostic::new(
                Level::Warning,
                "BR-FR-06",
                format!("{n} notes have the subject {code}; only one is allowed"),
                found[1].at.path(),
            )),
        }
        if let Some(note) = found.first() {
            if code == "PMD" && e.penalty_terms.rate.is_none() {
                d.push(Diagnostic::new(
                    Level::Info,
                    &rule,
                    "the penalty rate could not be read from the PMD note; the legal default will apply unless the contract says otherwise",
                    note.at.path(),
                ));
            }
            if code == "PMT" && !e.penalty_terms.indemnity_40_mentioned {
                d.push(Diagnostic::new(
                    Level::Warning,
                    &rule,
                    "the PMT note does not mention the €40 indemnity for recovery costs (D441-5)",
                    note.at.path(),
                ));
            }
        }
    }
    // BR-FR-08: BT-23 carries the nature of the operations.
    match &x.business_process {
        None => d.push(Diagnostic::new(
            Level::Warning,
            "BR-FR-08",
            "the business process (BT-23, cadre de facturation: B1, S1, M1…) is missing",
            &x.root_path,
        )),
        Some(bp) if !FRENCH_BUSINESS_PROCESSES.contains(&bp.value) => d.push(Diagnostic::new(
            Level::Warning,
            "BR-FR-08",
            format!("the business process (BT-23) {:?} is not a French cadre de facturation (B1, S1, M1…)", bp.value),
            bp.at.path(),
        )),
        Some(_) => {}
    }
    // The seller's SIREN (BT-30) and, for a French buyer, the buyer's (BT-47, a new mandatory mention).
    if e.seller.siren_as_written.is_none() {
        let path = x.seller.as_ref().map_or_else(|| x.root_path.clone(), |p| p.at.path());
        d.push(Diagnostic::new(
            Level::Warning,
            "FR-SELLER-SIREN",
            "the seller's SIREN (BT-30, scheme 0002) is missing",
            path,
        ));
    }
    if is_french(&e.buyer) && e.buyer.siren_as_written.is_none() {
        let path = x.buyer.as_ref().map_or_else(|| x.root_path.clone(), |p| p.at.path());
        d.push(Diagnostic::new(
            Level::Warning,
            "FR-BUYER-SIREN",
            "the buyer's SIREN (BT-47, scheme 0002) is missing; it is a mandatory mention since the reform",
            path,
        ));
    }
    // BR-FR-04: BT-3 in the French list.
    if !FRENCH_TYPE_CODES.contains(&e.invoice.type_code) {
        let path = x.type_code.as_ref().map_or_else(|| x.root_path.clone(), |t| t.at.path());
        d.push(Diagnostic::new(
            Level::Warning,
            "BR-FR-04",
            format!("the document type code {} is not in the French list (BR-FR-04)", e.invoice.type_code),
            path,
        ));
    }
    // BR-FR-12 / BR-FR-13: electronic addresses, needed for routing by the platforms.
    for (rule, role, party, xp) in
        [("BR-FR-13", "seller", &e.seller, &x.seller), ("BR-FR-12", "buyer", &e.buyer, &x.buyer)]
    {
        if party.electronic_address.is_none() {
            let path = xp.as_ref().map_or_else(|| x.root_path.clone(), |p| p.at.path());
            d.push(Diagnostic::new(
                Level::Info,
                rule,
                format!("the {role}'s electronic address (BT-{}) is missing", if role == "seller" { 34 } else { 49 }),
                path,
            ));
        }
    }
}

fn kinds(x: &Extracted<'_>, e: &EInvoice, d: &mut Vec<Diagnostic>) {
    let code = e.invoice.type_code;
    let path = || x.type_code.as_ref().map_or_else(|| x.root_path.clone(), |t| t.at.path());
    if is_self_billed(code) {
        d.push(Diagnostic::new(
            Level::Info,
            "SELF-BILLING",
            format!("a self-billed document (BT-3 {code}): the buyer issued it on the seller's behalf"),
            path(),
        ));
    }
    match e.invoice.kind {
        InvoiceKind::DownPayment => d.push(Diagnostic::new(
            Level::Info,
            "DOWN-PAYMENT",
            format!("a down-payment invoice (BT-3 {code}): VAT is due on collection, and the final invoice deducts it"),
            path(),
        )),
        InvoiceKind::Corrective if e.invoice.preceding_invoice.is_none() => d.push(Diagnostic::new(
            Level::Warning,
            "BT-25",
            format!("a corrective invoice (BT-3 {code}) that does not name the invoice it corrects (BT-25)"),
            path(),
        )),
        InvoiceKind::CreditNote if e.invoice.preceding_invoice.is_none() => d.push(Diagnostic::new(
            Level::Info,
            "BT-25",
            "a credit note that does not name the invoice it credits (BT-25); it has to be allocated by hand",
            path(),
        )),
        InvoiceKind::Information => d.push(Diagnostic::new(
            Level::Info,
            "KIND",
            format!("an information document (BT-3 {code}): it asks for no payment"),
            path(),
        )),
        _ => {}
    }
    if matches!(code, 875..=877) {
        d.push(Diagnostic::new(
            Level::Info,
            "KIND",
            format!("a construction-work invoice (BT-3 {code}: 875 partial, 876 partial final, 877 final)"),
            path(),
        ));
    }
}
