//! From XML bytes to an [`EInvoice`]: decode, parse, recognise the syntax, extract the terms, then
//! build the domain [`Invoice`] with a diagnostic for every default, derivation or broken rule.

use chrono::{Days, NaiveDate};
use encours_domain::{
    ClientId, Currency, Iban, Instalment, Invoice, InvoiceId, InvoiceKind, InvoiceNote, InvoiceTotals, Money,
    PaymentTerms, Siren, Siret, Source, VatBreakdown,
};
use rust_decimal::Decimal;

use super::extract::{Amount, At, DateText, Extracted, XParty};
use super::{
    checks, cii, notes, ubl, Diagnostic, EInvoice, Format, Level, Origin, Party, PrecedingInvoice, ReadError, Stated,
    StatedTotals, XmlEncoding,
};
use crate::xml::{self, Tree, XmlError};

/// Where the XML came from.
pub(crate) struct Container<'a> {
    /// The file is a PDF (the XML is one of its attachments).
    pub pdf: bool,
    pub file_name: &'a str,
    pub attachment: Option<&'a str>,
    pub file_sha256: Option<String>,
    pub xml_sha256: Option<String>,
}

const NS_CII: &str = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
const NS_ZUGFERD1: &str = "urn:ferd:CrossIndustryDocument:invoice:1p0";
const NS_UBL_INVOICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
const NS_UBL_CREDIT_NOTE: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";

pub(crate) fn xml_error(origin: &Origin, e: XmlError) -> ReadError {
    match e {
        XmlError::Malformed { line, column, reason } => {
            ReadError::XmlMalformed { origin: origin.clone(), line, column, reason }
        }
        XmlError::Encoding { declared, reason } => {
            ReadError::UnsupportedEncoding { origin: origin.clone(), declared, reason }
        }
        XmlError::NoRoot => ReadError::XmlMalformed {
            origin: origin.clone(),
            line: 1,
            column: 1,
            reason: "the document has no root element".to_owned(),
        },
    }
}

/// Reads an invoice XML document.
pub(crate) fn read_xml(origin: &Origin, bytes: &[u8], c: Container<'_>) -> Result<EInvoice, ReadError> {
    let decoded = xml::decode(bytes).map_err(|e| xml_error(origin, e))?;
    let tree = Tree::parse(&decoded.text).map_err(|e| xml_error(origin, e))?;
    let root = tree.root();
    let (ns, local) = (root.namespace(), root.local());
    let (extracted, format) = match (ns, local) {
        (NS_CII, "CrossIndustryInvoice") => (cii::extract(root, &cii::D16B), Format::Cii),
        (NS_ZUGFERD1, "CrossIndustryDocument") => (cii::extract(root, &cii::ZUGFERD1), Format::Cii),
        (NS_UBL_INVOICE, "Invoice") => (ubl::extract(root, false), Format::Ubl),
        (NS_UBL_CREDIT_NOTE, "CreditNote") => (ubl::extract(root, true), Format::Ubl),
        _ => {
            return Err(ReadError::UnsupportedRoot {
                origin: origin.clone(),
                namespace: ns.to_owned(),
                local_name: local.to_owned(),
                what: what_is(ns, local),
            })
        }
    };
    let mut diagnostics = Vec::new();
    if let Some(w) = decoded.warning {
        diagnostics.push(Diagnostic::new(Level::Warning, "XML-ENCODING", w, ""));
    }
    let format = if c.pdf { Format::FacturxPdf } else { format };
    let encoding = XmlEncoding { bom: decoded.bom, declared_encoding: decoded.declared };
    build(origin, extracted, format, c, encoding, diagnostics)
}

/// Names a well-formed XML document that is not an invoice.
fn what_is(ns: &str, local: &str) -> String {
    match local {
        "SCRDMCCBDACIOMessageStructure" => "this is an Order-X purchase order, not an invoice".to_owned(),
        "CrossDomainAcknowledgementAndResponse" => "this is a CDAR lifecycle status message, not an invoice".to_owned(),
        "CrossIndustryInvoice" | "CrossIndustryDocument" => {
            format!("this CII document uses the namespace {ns:?}, which is not CII D16B/D22B nor ZUGFeRD 1.0 (a pre-release or unknown version)")
        }
        "Invoice" | "CreditNote" => format!("this {local} uses the namespace {ns:?}, which is not UBL 2.1"),
        "Document" if ns.contains("camt.") => "this is an ISO 20022 bank statement, not an invoice".to_owned(),
        _ => "this XML document is not an e-invoice".to_owned(),
    }
}

/// The profile named by a BT-24 guideline identifier.
pub(crate) fn profile_of(guideline: &str) -> Option<String> {
    let g = guideline.trim().to_ascii_lowercase();
    let p = if g.contains("extended-ctc-fr") {
        "EXTENDED-CTC-FR"
    } else if g.contains("xrechnung") {
        "XRECHNUNG"
    } else if g.contains("peppol.eu:2017:poacc:billing:3.0") {
        "PEPPOL BIS 3"
    } else if let Some(rest) = g.strip_prefix("urn:ferd:crossindustrydocument:invoice:1p0:") {
        return Some(format!("ZUGFeRD1 {}", rest.to_ascii_uppercase()));
    } else if g.ends_with("basicwl") || g.ends_with("basic-wl") {
        "BASIC WL"
    } else if g.ends_with("minimum") {
        "MINIMUM"
    } else if g.ends_with(":basic") {
        "BASIC"
    } else if g.ends_with("extended") {
        "EXTENDED"
    } else if g == "urn:cen.eu:en16931:2017" || g.ends_with(":en16931") || g.ends_with(":comfort") {
        "EN16931"
    } else {
        return None;
    };
    Some(p.to_owned())
}

/// Parses a date as written: CII format 102 (`YYYYMMDD`), ISO (`YYYY-MM-DD`).
pub(crate) fn parse_date(d: &DateText) -> Option<NaiveDate> {
    let t = d.text.trim();
    NaiveDate::parse_from_str(t, "%Y%m%d").or_else(|_| NaiveDate::parse_from_str(t, "%Y-%m-%d")).ok()
}

fn money(a: Decimal, c: Currency) -> Money {
    Money::new(a, c)
}

/// Builds the domain values and runs the checks.
fn build(
    origin: &Origin,
    x: Extracted<'_>,
    format: Format,
    c: Container<'_>,
    xml_encoding: XmlEncoding,
    mut diags: Vec<Diagnostic>,
) -> Result<EInvoice, ReadError> {
    let t = &x.totals;
    let issue_date = x.issue_date.as_ref().and_then(parse_date);
    let grand = t.grand_total.as_ref().and_then(|a| a.value);
    let due = t.due_payable.as_ref().and_then(|a| a.value);

    // What every invoice has: without a date and an amount this is not an invoice at all.
    if issue_date.is_none() || (grand.is_none() && due.is_none()) {
        let mut missing = Vec::new();
        if x.number.is_none() {
            missing.push("invoice number (BT-1)".to_owned());
        }
        match &x.issue_date {
            None => missing.push("issue date (BT-2)".to_owned()),
            Some(d) if issue_date.is_none() => {
                missing.push(format!("valid issue date (BT-2; {:?} is not a date)", d.text))
            }
            Some(_) => {}
        }
        if grand.is_none() && due.is_none() {
            missing.push("total amount (BT-112) or amount due (BT-115)".to_owned());
        }
        return Err(ReadError::NotAnInvoice { origin: origin.clone(), missing });
    }
    let issue_date = issue_date.unwrap_or_default();

    // BT-5 currency: as stated, else from the amounts' currencyID, else EUR (an error).
    let stated_currency = x.currency.as_ref().map(|t| t.value.to_owned());
    let currency = match &x.currency {
        Some(cur) => match Currency::parse(cur.value) {
            Ok(c) => c,
            Err(_) => {
                let fallback = currency_from_amounts(&x).unwrap_or(Currency::EUR);
                diags.push(Diagnostic::new(
                    Level::Error,
                    "BR-CL-04",
                    format!("the invoice currency {:?} is not an ISO 4217 code; {fallback} was assumed", cur.value),
                    cur.at.path(),
                ));
                fallback
            }
        },
        None => {
            let fallback = currency_from_amounts(&x);
            diags.push(Diagnostic::new(
                Level::Error,
                "BR-05",
                match fallback {
                    Some(c) => format!("the invoice currency (BT-5) is missing; {c} was taken from the amounts"),
                    None => "the invoice currency (BT-5) is missing; EUR was assumed".to_owned(),
                },
                &x.root_path,
            ));
            fallback.unwrap_or(Currency::EUR)
        }
    };

    // BT-110 is the VAT total in the invoice currency; another currency is BT-111.
    let tax_total_amount: Option<&Amount> = t
        .tax_totals
        .iter()
        .find(|a| a.currency.is_none_or(|cur| cur.eq_ignore_ascii_case(currency.code())))
        .or_else(|| t.tax_totals.first());
    let v = |a: &Option<Amount>| a.as_ref().and_then(|a| a.value);
    let stated_totals = StatedTotals {
        line_total: v(&t.line_total),
        allowance_total: v(&t.allowance_total),
        charge_total: v(&t.charge_total),
        tax_basis_total: v(&t.tax_basis_total),
        tax_total: tax_total_amount.and_then(|a| a.value),
        grand_total: grand,
        prepaid: v(&t.prepaid),
        rounding: v(&t.rounding),
        due_payable: due,
    };
    for a in [
        &t.line_total,
        &t.allowance_total,
        &t.charge_total,
        &t.tax_basis_total,
        &t.grand_total,
        &t.prepaid,
        &t.rounding,
        &t.due_payable,
    ]
    .into_iter()
    .flatten()
    .chain(tax_total_amount)
    {
        if a.value.is_none() {
            diags.push(Diagnostic::new(
                Level::Error,
                "AMOUNT",
                format!("{:?} is not a decimal amount; it was ignored", a.text),
                a.at.path(),
            ));
        }
        if let Some(cur) = a.currency {
            if !cur.eq_ignore_ascii_case(currency.code()) {
                diags.push(Diagnostic::new(
                    Level::Warning,
                    "CURRENCY",
                    format!("this amount is in {cur} while the invoice currency (BT-5) is {currency}"),
                    a.at.path(),
                ));
            }
        }
    }

    let totals = derive_totals(&x, &stated_totals, currency, &mut diags);

    // BT-3 and the kind of document.
    let (type_code, mut kind) = type_and_kind(&x, &mut diags);
    if x.credit_note_root && kind != InvoiceKind::CreditNote {
        diags.push(Diagnostic::new(
            Level::Info,
            "KIND",
            format!("a UBL CreditNote with type code {type_code}: treated as a credit note"),
            &x.root_path,
        ));
        kind = InvoiceKind::CreditNote;
    }
    let negative =
        totals.due_payable.is_negative() || (totals.due_payable.is_zero() && totals.grand_total.is_negative());
    if kind == InvoiceKind::Invoice && negative {
        diags.push(Diagnostic::new(
            Level::Info,
            "KIND",
            format!("type code {type_code} with a negative amount due: treated as a credit note"),
            t.due_payable.as_ref().or(t.grand_total.as_ref()).map_or_else(|| t.at.path(), |a| a.at.path()),
        ));
        kind = InvoiceKind::CreditNote;
    }

    // BT-9 and the due date the ledger uses.
    let due_date_stated = first_date(&x.due_dates, "BT-9 due date", &mut diags);
    let instalments: Vec<Instalment> = x
        .instalments
        .iter()
        .filter_map(|i| Some(Instalment { due_date: parse_date(&i.due)?, amount: money(i.amount.value?, currency) }))
        .collect();
    let payment_terms_note =
        (!x.payment_terms.is_empty()).then(|| x.payment_terms.iter().map(|t| t.value).collect::<Vec<_>>().join("\n"));
    let due_date = match due_date_stated {
        Some(d) => d,
        None => derive_due_date(&x, issue_date, kind, &instalments, payment_terms_note.as_deref(), &mut diags),
    };

    let seller = x.seller.as_ref().map(|p| party(p, "seller", &mut diags)).unwrap_or_default();
    let buyer = x.buyer.as_ref().map(|p| party(p, "buyer", &mut diags)).unwrap_or_default();
    let payee = x.payee.as_ref().map(|p| party(p, "payee", &mut diags));

    // BT-84 payee account and BT-83 remittance information.
    let first_account = x.payment_means.iter().find_map(|pm| pm.payee_account.as_ref());
    let payee_iban = first_account.and_then(|acc| match Iban::parse(acc.value) {
        Ok(iban) => Some(iban),
        Err(e) => {
            let looks_like_iban = acc.value.len() >= 4
                && acc.value.as_bytes()[..2].iter().all(u8::is_ascii_alphabetic)
                && acc.value.as_bytes()[2..4].iter().all(u8::is_ascii_digit);
            let (level, message) = if looks_like_iban {
                (Level::Warning, format!("the payee account {:?} is not a valid IBAN: {e}", acc.value))
            } else {
                (Level::Info, format!("the payee account {:?} is not an IBAN (a national account number)", acc.value))
            };
            diags.push(Diagnostic::new(level, "IBAN", message, acc.at.path()));
            None
        }
    });

    let guideline_id = x.guideline_id.as_ref().map(|t| t.value.to_owned());
    let profile = guideline_id.as_deref().and_then(profile_of);
    let syntax = if x.syntax == "CII-D16B" && guideline_id.as_deref().is_some_and(|g| g.contains("ctc-fr")) {
        "CII-D22B".to_owned()
    } else {
        x.syntax.to_owned()
    };

    let locator = match c.attachment {
        Some(a) => format!("{a}#{}", x.root_path),
        None => x.root_path.clone(),
    };
    let penalty_terms = notes::parse(&x.notes, &x.payment_terms);
    let vat_breakdown = x
        .vat
        .iter()
        .filter_map(|vat| {
            Some(VatBreakdown {
                category: vat.category.as_ref().map(|c| c.value.to_owned()).unwrap_or_default(),
                rate: vat.rate.as_ref().and_then(|r| r.value),
                taxable_amount: money(vat.basis.as_ref()?.value?, currency),
                tax_amount: money(vat.tax.as_ref().and_then(|a| a.value).unwrap_or(Decimal::ZERO), currency),
                exemption_reason: vat.exemption_reason.as_ref().map(|t| t.value.to_owned()),
            })
        })
        .collect();

    let invoice = Invoice {
        id: InvoiceId(0),
        client_id: ClientId(0),
        number: x.number.as_ref().map(|t| t.value.to_owned()).unwrap_or_default(),
        type_code,
        kind,
        issue_date,
        due_date,
        instalments,
        delivery_date: x.delivery_date.as_ref().and_then(parse_date),
        currency,
        totals,
        vat_breakdown,
        payment_terms_note,
        notes: x.notes.iter().map(|n| InvoiceNote { subject: n.subject.clone(), text: n.text.clone() }).collect(),
        payee_iban,
        remittance: x.remittance.as_ref().map(|t| t.value.to_owned()),
        preceding_invoice: x.preceding.first().map(|p| p.id.value.to_owned()),
        order_reference: x.order_reference.as_ref().map(|t| t.value.to_owned()),
        business_process: x.business_process.as_ref().map(|t| t.value.to_owned()),
        seller_siren: seller.siren.clone(),
        source: Source::at(c.file_name, locator),
    };

    let stated = Stated {
        invoice_number: x.number.as_ref().map(|t| t.value.to_owned()),
        type_code: x.type_code.as_ref().map(|t| t.value.to_owned()),
        issue_date: Some(issue_date),
        currency: stated_currency,
        totals: stated_totals,
        payee_account: first_account.map(|a| a.value.to_owned()),
        remittance_information: x.remittance.as_ref().map(|t| t.value.to_owned()),
    };

    let mut e = EInvoice {
        format,
        syntax,
        guideline_id,
        profile,
        attachment_name: c.attachment.map(str::to_owned),
        file_sha256: c.file_sha256,
        xml_sha256: c.xml_sha256,
        xml_encoding,
        invoice,
        due_date_stated,
        stated,
        seller,
        buyer,
        payee,
        preceding_invoices: x
            .preceding
            .iter()
            .map(|p| PrecedingInvoice {
                number: p.id.value.to_owned(),
                issue_date: p.issue_date.as_ref().and_then(parse_date),
            })
            .collect(),
        penalty_terms,
        pdf: None,
        diagnostics: Vec::new(),
    };
    checks::run(&x, &e, &mut diags);
    e.diagnostics = diags;
    Ok(e)
}

/// `a + b` (an absent `b` is zero); on overflow `a` is kept, as no invoice holds such amounts.
fn add(a: Decimal, b: Option<Decimal>) -> Decimal {
    a.checked_add(b.unwrap_or(Decimal::ZERO)).unwrap_or(a)
}

/// `a − b` (an absent `b` is zero); on overflow `a` is kept.
fn sub(a: Decimal, b: Option<Decimal>) -> Decimal {
    a.checked_sub(b.unwrap_or(Decimal::ZERO)).unwrap_or(a)
}

fn currency_from_amounts(x: &Extracted<'_>) -> Option<Currency> {
    let t = &x.totals;
    [&t.due_payable, &t.grand_total, &t.tax_basis_total, &t.line_total]
        .into_iter()
        .flatten()
        .find_map(|a| a.currency.and_then(|c| Currency::parse(c).ok()))
}

fn first_date(dates: &[DateText<'_>], what: &str, diags: &mut Vec<Diagnostic>) -> Option<NaiveDate> {
    for d in dates {
        match parse_date(d) {
            Some(date) => {
                if d.format.is_some_and(|f| f != "102") {
                    diags.push(Diagnostic::new(
                        Level::Warning,
                        "DATE",
                        format!(
                            "the {what} has date format {:?}; format 102 (YYYYMMDD) is expected",
                            d.format.unwrap_or("")
                        ),
                        d.at.path(),
                    ));
                }
                return Some(date);
            }
            None => diags.push(Diagnostic::new(
                Level::Warning,
                "DATE",
                format!("the {what} {:?} is not a date; it was ignored", d.text),
                d.at.path(),
            )),
        }
    }
    None
}

/// BT-3 as a number, with the kind the domain gives it.
fn type_and_kind(x: &Extracted<'_>, diags: &mut Vec<Diagnostic>) -> (u16, InvoiceKind) {
    let default = if x.credit_note_root { 381 } else { 380 };
    let code = match &x.type_code {
        Some(t) => match t.value.parse::<u16>() {
            Ok(c) => c,
            Err(_) => {
                diags.push(Diagnostic::new(
                    Level::Warning,
                    "BR-04",
                    format!("the document type code (BT-3) {:?} is not a number; {default} was assumed", t.value),
                    t.at.path(),
                ));
                default
            }
        },
        None => {
            diags.push(Diagnostic::new(
                Level::Warning,
                "BR-04",
                format!("the document type code (BT-3) is missing; {default} was assumed"),
                &x.root_path,
            ));
            default
        }
    };
    (code, InvoiceKind::from_type_code(code))
}

/// The BG-22 totals the ledger needs, deriving what is absent from what is stated (each
/// derivation is reported).
fn derive_totals(x: &Extracted<'_>, s: &StatedTotals, cur: Currency, diags: &mut Vec<Diagnostic>) -> InvoiceTotals {
    let path = |a: &Option<Amount<'_>>| a.as_ref().map_or_else(|| x.totals.at.path(), |a| a.at.path());
    let tax = s.tax_total;
    let zero = Decimal::ZERO;
    let mut derived = |what: &str, how: &str, p: String| {
        diags.push(Diagnostic::new(Level::Info, "DERIVED", format!("{what} is absent; {how}"), p));
    };
    // BT-112 from BT-115 (+ BT-113 − BT-114) when only the amount due is stated.
    let grand = match (s.grand_total, s.due_payable) {
        (Some(g), _) => g,
        (None, Some(d)) => {
            derived(
                "the total with VAT (BT-112)",
                "taken as amount due + paid − rounding",
                path(&x.totals.grand_total),
            );
            add(sub(d, s.rounding), s.prepaid)
        }
        (None, None) => zero, // refused before
    };
    let due = match s.due_payable {
        Some(d) => d,
        None => {
            derived(
                "the amount due (BT-115)",
                "taken as total with VAT − paid + rounding",
                path(&x.totals.due_payable),
            );
            add(sub(grand, s.prepaid), s.rounding)
        }
    };
    let basis = match (s.tax_basis_total, s.line_total) {
        (Some(b), _) => b,
        (None, Some(l)) => {
            derived(
                "the total without VAT (BT-109)",
                "taken as line total − allowances + charges",
                path(&x.totals.tax_basis_total),
            );
            add(sub(l, s.allowance_total), s.charge_total)
        }
        (None, None) => {
            derived("the total without VAT (BT-109)", "taken as total with VAT − VAT", path(&x.totals.tax_basis_total));
            sub(grand, tax)
        }
    };
    let lines = match s.line_total {
        Some(l) => l,
        None => {
            derived(
                "the sum of line amounts (BT-106)",
                "taken as total without VAT + allowances − charges",
                path(&x.totals.line_total),
            );
            sub(add(basis, s.allowance_total), s.charge_total)
        }
    };
    InvoiceTotals {
        line_total: money(lines, cur),
        allowance_total: s.allowance_total.map(|a| money(a, cur)),
        charge_total: s.charge_total.map(|a| money(a, cur)),
        tax_basis_total: money(basis, cur),
        tax_total: tax.map(|a| money(a, cur)),
        grand_total: money(grand, cur),
        prepaid: s.prepaid.map(|a| money(a, cur)),
        rounding: s.rounding.map(|a| money(a, cur)),
        due_payable: money(due, cur),
    }
}

/// The due date when BT-9 is absent: the first instalment, the credit-note payment due date, the
/// payment terms text, else 30 days after the issue date (L441-10 I, the legal default).
fn derive_due_date(
    x: &Extracted<'_>,
    issue: NaiveDate,
    kind: InvoiceKind,
    instalments: &[Instalment],
    terms_text: Option<&str>,
    diags: &mut Vec<Diagnostic>,
) -> NaiveDate {
    if let Some(first) = instalments.iter().map(|i| i.due_date).min() {
        diags.push(Diagnostic::new(
            Level::Info,
            "FR-DUE-DATE",
            "no due date (BT-9) at document level; the first instalment's due date was used",
            &x.root_path,
        ));
        return first;
    }
    if let Some((date, path)) =
        x.payment_means.iter().find_map(|pm| Some((parse_date(pm.due_date.as_ref()?)?, pm.at.path())))
    {
        diags.push(Diagnostic::new(
            Level::Info,
            "FR-DUE-DATE",
            "the due date was read from PaymentMeans/PaymentDueDate, where UBL credit notes carry BT-9",
            path,
        ));
        return date;
    }
    if let Some(terms) = terms_text.and_then(terms_from_text) {
        diags.push(Diagnostic::new(
            Level::Info,
            "FR-DUE-DATE",
            format!("no due date (BT-9); computed from the payment terms text as {}", terms.label_fr()),
            x.payment_terms.first().map_or_else(|| x.root_path.clone(), |t| t.at.path()),
        ));
        return terms.due_date(issue);
    }
    // Nobody chases a credit note or an information document: the default date is only a placeholder.
    let level =
        if matches!(kind, InvoiceKind::CreditNote | InvoiceKind::Information) { Level::Info } else { Level::Warning };
    diags.push(Diagnostic::new(
        level,
        "FR-DUE-DATE",
        "no due date (BT-9) and no readable payment terms: 30 days after the issue date was assumed (L441-10 I)",
        &x.root_path,
    ));
    issue.checked_add_days(Days::new(30)).unwrap_or(issue)
}

/// Simple payment terms written in words: "30 jours net", "45 jours fin de mois", "à réception",
/// "Zahlbar innerhalb 14 Tagen", "net 30 days", "Zahlbar sofort".
pub(crate) fn terms_from_text(text: &str) -> Option<PaymentTerms> {
    let t = text.to_lowercase();
    if ["à réception", "a reception", "dès réception", "upon receipt", "on receipt", "sofort", "comptant"]
        .iter()
        .any(|w| t.contains(w))
    {
        return Some(PaymentTerms::OnReceipt);
    }
    let words: Vec<&str> =
        t.split(|c: char| c.is_whitespace() || c == ',' || c == '.' || c == ';').filter(|w| !w.is_empty()).collect();
    for (i, w) in words.iter().enumerate() {
        if matches!(*w, "jours" | "jour" | "days" | "tagen" | "tage" | "j") {
            let Some(days) = i.checked_sub(1).and_then(|j| words[j].parse::<u16>().ok()) else { continue };
            let rest = words[i + 1..].iter().take(4).copied().collect::<Vec<_>>().join(" ");
            // A discount period ("3% Skonto innerhalb 10 Tagen") is not the payment term.
            let before = words[i.saturating_sub(4)..i].join(" ");
            if before.contains("skonto") || before.contains("escompte") || before.contains("discount") {
                continue;
            }
            return Some(
                if rest.starts_with("fin de mois") || rest.starts_with("fdm") || rest.starts_with("end of month") {
                    PaymentTerms::EndOfMonthThenDays { days }
                } else {
                    PaymentTerms::Net { days }
                },
            );
        }
    }
    None
}

fn compact_digits(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace() && *c != '.' && *c != '-').collect()
}

/// A party, with SIREN/SIRET read the way the French specifications file them.
fn party(p: &XParty<'_>, role: &str, diags: &mut Vec<Diagnostic>) -> Party {
    let id = |i: &super::extract::Id<'_>| (i.value.to_owned(), i.scheme.map(str::to_owned));
    let mut out = Party {
        name: p.name.as_ref().map(|t| t.value.to_owned()),
        trading_name: p.trading_name.as_ref().map(|t| t.value.to_owned()),
        vat_ids: p.vat_ids.iter().map(|t| t.value.to_owned()).collect(),
        identifiers: p.ids.iter().map(id).collect(),
        legal_registration_id: p.legal_ids.first().map(id),
        country: p.country.as_ref().map(|t| t.value.to_owned()),
        electronic_address: p.electronic_address.as_ref().map(id),
        address: p.address.clone(),
        ..Party::default()
    };
    // BT-30 / BT-47 with scheme 0002 holds the SIREN; some producers file a SIRET there.
    let mut siren_at = None;
    let mut siret_at = None;
    if let Some(legal) = p.legal_ids.iter().find(|i| i.scheme == Some("0002")) {
        let digits = compact_digits(legal.value);
        if digits.len() == 14 && digits.bytes().all(|b| b.is_ascii_digit()) {
            diags.push(Diagnostic::new(
                Level::Info,
                "FR-SIREN",
                format!("the {role}'s legal registration id {:?} (scheme 0002, SIREN) is a 14-digit SIRET; its first nine digits were taken as the SIREN", legal.value),
                legal.at.path(),
            ));
            out.siren_as_written = Some(digits[..9].to_owned());
            out.siret_as_written = Some(digits);
            siret_at = Some(legal.at);
        } else {
            out.siren_as_written = Some(digits);
        }
        siren_at = Some(legal.at);
    }
    // BT-29 / BT-46 with scheme 0009 is the SIRET.
    if let Some(id) = p.ids.iter().find(|i| i.scheme == Some("0009")) {
        out.siret_as_written = Some(compact_digits(id.value));
        siret_at = Some(id.at);
    }
    let path = |at: Option<At<'_>>| at.map(|a| a.path()).unwrap_or_default();
    if let Some(s) = &out.siren_as_written {
        match Siren::parse(s) {
            Ok(siren) => out.siren = Some(siren),
            Err(e) => diags.push(Diagnostic::new(
                Level::Warning,
                "FR-SIREN",
                format!("the {role}'s SIREN is not valid: {e}"),
                path(siren_at),
            )),
        }
    }
    if let Some(s) = &out.siret_as_written {
        match Siret::parse(s) {
            Ok(siret) => out.siret = Some(siret),
            Err(e) => diags.push(Diagnostic::new(
                Level::Warning,
                "FR-SIRET",
                format!("the {role}'s SIRET is not valid: {e}"),
                path(siret_at),
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_from_guidelines() {
        for (g, p) in [
            ("urn:cen.eu:en16931:2017", Some("EN16931")),
            ("urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic", Some("BASIC")),
            ("urn:factur-x.eu:1p0:basicwl", Some("BASIC WL")),
            ("urn:factur-x.eu:1p0:minimum", Some("MINIMUM")),
            ("urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended", Some("EXTENDED")),
            ("urn:cen.eu:en16931:2017#conformant#urn.cpro.gouv.fr:1p0:extended-ctc-fr", Some("EXTENDED-CTC-FR")),
            ("urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0", Some("XRECHNUNG")),
            ("urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0", Some("PEPPOL BIS 3")),
            ("urn:ferd:CrossIndustryDocument:invoice:1p0:comfort", Some("ZUGFeRD1 COMFORT")),
            ("urn:cen.eu:en16931:2017:compliant:factur-x.eu:1p0:en16931", Some("EN16931")),
            ("something else", None),
        ] {
            assert_eq!(profile_of(g).as_deref(), p, "{g}");
        }
    }

    #[test]
    fn payment_terms_in_words() {
        assert_eq!(terms_from_text("PAIEMENT 30 JOURS NET"), Some(PaymentTerms::Net { days: 30 }));
        assert_eq!(terms_from_text("45 jours fin de mois"), Some(PaymentTerms::EndOfMonthThenDays { days: 45 }));
        assert_eq!(terms_from_text("Paiement à réception"), Some(PaymentTerms::OnReceipt));
        assert_eq!(
            terms_from_text(
                "Zahlbar innerhalb 30 Tagen netto bis 04.04.2018, 3% Skonto innerhalb 10 Tagen bis 15.03.2018"
            ),
            Some(PaymentTerms::Net { days: 30 })
        );
        assert_eq!(terms_from_text("3% Skonto innerhalb 10 Tagen"), None, "a discount period is not the term");
        assert_eq!(terms_from_text("Virement"), None);
    }

    #[test]
    fn dates_in_both_syntaxes() {
        let d = |t| DateText { text: t, format: None, at: super::super::extract::At::Nowhere };
        assert_eq!(parse_date(&d("20250201")), NaiveDate::from_ymd_opt(2025, 2, 1));
        assert_eq!(parse_date(&d("2025-02-01")), NaiveDate::from_ymd_opt(2025, 2, 1));
        assert_eq!(parse_date(&d("20251301")), None);
        assert_eq!(parse_date(&d("")), None);
    }
}
