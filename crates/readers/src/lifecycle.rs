//! CDAR D22B lifecycle messages: the statuses of the French e-invoicing reform ("cycle de vie",
//! flux 6; AFNOR XP Z12-012 §5, DGFiP external specifications v3.2 "Tableau 8"; see legal-rules.md
//! B.2 for the table and the XPaths).
//!
//! One message gives a [`CdarMessage`]; each `AcknowledgementDocument` × `ReferenceReferencedDocument`
//! pair gives one [`Acknowledgement`]: the status (MDT-105 `ProcessConditionCode`, read with
//! [`LifecycleStatus::from_code`], unknown codes kept verbatim), its date-time (MDT-78, format 204),
//! the invoice it is about (MDT-87 number, MDT-91 type, MDT-100 date, MDT-129 seller SIREN), the
//! reasons and requested actions (MDT-113/114/121/122) and the amounts (MDG-43).
//!
//! The other way, [`build_cdar_212`] writes the 212 Encaissée the seller must send per collection
//! when VAT is due on receipt, and [`split_by_vat_rate`] splits a collection across the invoice's
//! VAT rates for it. [`inspect_json`] is what `encours lifecycle inspect --json` prints.

mod emit;
mod inspect;

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::{Currency, InvoiceId, LifecycleStatus, Money, Siren, Source, StatusAmount, StatusEvent};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::einvoice::{Diagnostic, Level};
use crate::xml::{self, El, Tree, XmlError};

pub use emit::{
    build_cdar_212, build_cdar_status, split_by_vat_rate, CdarBuildError, CdvFlow, Collected, CollectedPart,
    InvoiceReference, OutParty, SchemedId,
};
pub use inspect::inspect_json;

/// The root element of a CDAR message.
const ROOT: &str = "CrossDomainAcknowledgementAndResponse";

/// One CDAR lifecycle message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CdarMessage {
    /// MDT-4 `ExchangedDocument/ID`.
    pub message_id: String,
    /// MDT-5 `ExchangedDocument/Name`.
    pub name: Option<String>,
    /// MDT-2 business process (REGULATED, B2BINT…).
    pub business_process: Option<String>,
    /// MDT-3 profile (`urn.cpro.gouv.fr:1p0:CDV:invoice`, or `…:einvoicingF2` towards the PPF).
    pub guideline_id: Option<String>,
    /// MDT-8 creation date-time of the message.
    pub issued_at: Option<NaiveDateTime>,
    /// MDG-3 sender (a platform, role WK).
    pub sender: Option<Party>,
    /// MDG-6 issuer (BY buyer, SE seller, WK platform…).
    pub issuer: Option<Party>,
    /// MDG-9 recipients.
    pub recipients: Vec<Party>,
    /// One per referenced document of each acknowledgement, in file order.
    pub acknowledgements: Vec<Acknowledgement>,
    /// What was noticed while reading.
    pub diagnostics: Vec<Diagnostic>,
}

/// A party of the message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Party {
    /// UNCL 3035 role code (BY, SE, WK, DFH…).
    pub role: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Global identifiers as (scheme, id): 0002 SIREN, 0238 PPF…
    pub global_ids: Vec<(String, String)>,
    /// The SIREN, from a `GlobalID` of scheme 0002, when valid.
    pub siren: Option<Siren>,
}

/// One status about one invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Acknowledgement {
    /// MDT-77: 305 transmission phase, 23 processing phase.
    pub type_code: Option<String>,
    /// MDT-78 status date-time.
    pub status_at: Option<NaiveDateTime>,
    /// MDT-105 status.
    pub status: LifecycleStatus,
    /// MDT-106 label as written (`En_litige`).
    pub status_label: Option<String>,
    /// MDT-88 UNTDID 1373 status code.
    pub untdid_status: Option<String>,
    /// MDT-87 invoice number (BT-1).
    pub invoice_number: String,
    /// MDT-91 invoice type code (BT-3).
    pub invoice_type_code: Option<String>,
    /// MDT-100 invoice issue date (BT-2, format 102).
    pub invoice_issue_date: Option<NaiveDate>,
    /// MDT-95 date-time the invoice was received.
    pub received_at: Option<NaiveDateTime>,
    /// MDT-129 seller SIREN (`IssuerTradeParty/GlobalID` scheme 0002).
    pub seller_siren: Option<Siren>,
    /// MDT-113..122: reasons and requested actions, one per `SpecifiedDocumentStatus`.
    pub reasons: Vec<StatusReason>,
    /// MDG-43 characteristics that carry an amount (MEN, MPA, MAP…), with their VAT rate.
    pub amounts: Vec<StatusAmount>,
    /// Every MDG-43 characteristic as written, with or without an amount (DIV, DVA…).
    pub characteristics: Vec<Characteristic>,
    /// The `ReferenceReferencedDocument` it comes from.
    pub source: Source,
}

impl Acknowledgement {
    /// The status as an event of the invoice's history, once the caller has found the invoice
    /// (by seller SIREN, number and date: legal-rules checklist 12). The first reason and requested
    /// action are kept (the AFNOR samples carry at most one). `None` when the message gives no
    /// status date-time (MDT-78): the event's date is never made up.
    pub fn to_event(&self, invoice_id: InvoiceId) -> Option<StatusEvent> {
        let first = self.reasons.first();
        Some(StatusEvent {
            invoice_id,
            status: self.status,
            at: self.status_at?,
            reason_code: first.and_then(|r| r.code.clone()),
            reason: first.and_then(|r| r.text.clone()),
            action_code: first.and_then(|r| r.action_code.clone()),
            action: first.and_then(|r| r.action.clone()),
            amounts: self.amounts.clone(),
            source: self.source.clone(),
        })
    }
}

/// A reason and requested action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusReason {
    /// MDT-113 reason code (TX_TVA_ERR, DOUBLON…).
    pub code: Option<String>,
    /// MDT-114 reason text.
    pub text: Option<String>,
    /// MDT-121 requested action code (NIN, CNF…).
    pub action_code: Option<String>,
    /// MDT-122 requested action text.
    pub action: Option<String>,
}

/// An MDG-43 `SpecifiedDocumentCharacteristic`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Characteristic {
    /// MDT-207 type code.
    pub type_code: String,
    /// MDT-206 data id (`BT-152`).
    pub data_id: Option<String>,
    /// MDT-211 name.
    pub name: Option<String>,
    /// MDT-215 amount with its currency.
    pub amount: Option<Money>,
    /// MDT-224 percentage.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub percent: Option<Decimal>,
    /// MDT-218 value as text.
    pub value: Option<String>,
}

/// Why a CDAR message was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CdarError {
    /// The file as a whole.
    #[error("{file}: {problem}")]
    File {
        /// The file name.
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// A place in the file (an XML path, a line).
    #[error("{file} {at}: {problem}")]
    At {
        /// The file name.
        file: String,
        /// Where.
        at: String,
        /// What is wrong.
        problem: String,
    },
}

fn err_at(file: &str, at: impl Into<String>, problem: impl Into<String>) -> CdarError {
    CdarError::At { file: file.to_owned(), at: at.into(), problem: problem.into() }
}

fn err(file: &str, problem: impl Into<String>) -> CdarError {
    CdarError::File { file: file.to_owned(), problem: problem.into() }
}

fn text<'t>(el: El<'t>, path: &[&str]) -> Option<&'t str> {
    el.at(path).map(|e| e.text()).filter(|s| !s.is_empty())
}

fn owned(el: El<'_>, path: &[&str]) -> Option<String> {
    text(el, path).map(str::to_owned)
}

fn diag(level: Level, rule: &str, message: String, path: String) -> Diagnostic {
    Diagnostic { level, rule: rule.to_owned(), message, path }
}

/// A UN/CEFACT `DateTimeString` by its `format`: 204 `CCYYMMDDHHMMSS`, 203 `CCYYMMDDHHMM`,
/// 102 `CCYYMMDD` (midnight).
fn date_time(el: El<'_>) -> Option<NaiveDateTime> {
    let s = el.text();
    match el.attr("format").unwrap_or("204") {
        "204" => NaiveDateTime::parse_from_str(s, "%Y%m%d%H%M%S").ok(),
        "203" => NaiveDateTime::parse_from_str(s, "%Y%m%d%H%M").ok(),
        "102" => NaiveDate::parse_from_str(s, "%Y%m%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)),
        _ => None,
    }
}

fn date_time_at(el: El<'_>, path: &[&str], what: &str, diagnostics: &mut Vec<Diagnostic>) -> Option<NaiveDateTime> {
    let d = el.at(path)?.children().next()?;
    let parsed = date_time(d);
    if parsed.is_none() {
        diagnostics.push(diag(
            Level::Warning,
            "CDAR-DATE",
            format!("{what} {:?} (format {}) is not a date-time", d.text(), d.attr("format").unwrap_or("none")),
            d.path(),
        ));
    }
    parsed
}

fn party(el: El<'_>) -> Party {
    let global_ids: Vec<(String, String)> = el
        .all("GlobalID")
        .filter(|g| !g.text().is_empty())
        .map(|g| (g.attr("schemeID").unwrap_or_default().to_owned(), g.text().to_owned()))
        .collect();
    let siren = global_ids.iter().find(|(s, _)| s == "0002").and_then(|(_, id)| Siren::parse(id).ok());
    Party { role: owned(el, &["RoleCode"]), name: owned(el, &["Name"]), global_ids, siren }
}

/// Reads one CDAR D22B lifecycle message.
pub fn read_cdar_bytes(file_name: &str, bytes: &[u8]) -> Result<CdarMessage, CdarError> {
    let file = file_name;
    let xml_err = |e: XmlError| match e {
        XmlError::Malformed { line, column, reason } => {
            err_at(file, format!("line {line} column {column}"), format!("malformed XML: {reason}"))
        }
        XmlError::Encoding { declared, reason } => {
            err(file, format!("the declared encoding {declared:?} cannot be used: {reason}"))
        }
        XmlError::NoRoot => err(file, "no XML element at all"),
    };
    let limit = crate::limits::MAX_CDAR_BYTES;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(err(
            file,
            format!("the file is {} bytes, more than the {limit} bytes accepted for a lifecycle message", bytes.len()),
        ));
    }
    let decoded = xml::decode(bytes).map_err(xml_err)?;
    let tree = Tree::parse(&decoded.text).map_err(xml_err)?;
    let root = tree.root();
    if root.local() != ROOT {
        return Err(err(file, format!("the root element is <{}>, not a CDAR <{ROOT}>", root.local())));
    }
    let mut diagnostics = Vec::new();
    if let Some(w) = &decoded.warning {
        diagnostics.push(diag(Level::Warning, "CDAR-ENCODING", w.clone(), String::new()));
    }
    let doc = root.child("ExchangedDocument");
    let message_id = doc.and_then(|d| owned(d, &["ID"])).unwrap_or_default();
    if message_id.is_empty() {
        diagnostics.push(diag(Level::Warning, "CDAR-MDT-4", "the message has no ID (MDT-4)".into(), root.path()));
    }
    let ctx = root.child("ExchangedDocumentContext");
    let mut acknowledgements = Vec::new();
    for ack in root.all("AcknowledgementDocument") {
        let type_code = owned(ack, &["TypeCode"]);
        let status_at = date_time_at(ack, &["IssueDateTime"], "the status date-time (MDT-78)", &mut diagnostics);
        for r in ack.all("ReferenceReferencedDocument") {
            acknowledgements.push(reference(file, r, type_code.clone(), status_at, &mut diagnostics)?);
        }
    }
    if acknowledgements.is_empty() {
        return Err(err(
            file,
            "the message acknowledges no document (no AcknowledgementDocument/ReferenceReferencedDocument)",
        ));
    }
    Ok(CdarMessage {
        message_id,
        name: doc.and_then(|d| owned(d, &["Name"])),
        business_process: ctx.and_then(|c| owned(c, &["BusinessProcessSpecifiedDocumentContextParameter", "ID"])),
        guideline_id: ctx.and_then(|c| owned(c, &["GuidelineSpecifiedDocumentContextParameter", "ID"])),
        issued_at: doc
            .and_then(|d| date_time_at(d, &["IssueDateTime"], "the message date-time (MDT-8)", &mut diagnostics)),
        sender: doc.and_then(|d| d.child("SenderTradeParty")).map(party),
        issuer: doc.and_then(|d| d.child("IssuerTradeParty")).map(party),
        recipients: doc.map(|d| d.all("RecipientTradeParty").map(party).collect()).unwrap_or_default(),
        acknowledgements,
        diagnostics,
    })
}

fn reference(
    file: &str,
    r: El<'_>,
    type_code: Option<String>,
    status_at: Option<NaiveDateTime>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Acknowledgement, CdarError> {
    let path = r.path();
    let code_el = r
        .child("ProcessConditionCode")
        .ok_or_else(|| err_at(file, &path, "no status code (MDT-105 ProcessConditionCode)"))?;
    let code: u16 = code_el.text().parse().map_err(|_| {
        err_at(file, code_el.path(), format!("the status code {:?} (MDT-105) is not a number", code_el.text()))
    })?;
    let status = LifecycleStatus::from_code(code);
    if let LifecycleStatus::Unknown(c) = status {
        diagnostics.push(diag(
            Level::Warning,
            "CDAR-STATUS",
            format!("status code {c} is not in the table"),
            code_el.path(),
        ));
    }
    let invoice_number = owned(r, &["IssuerAssignedID"]).unwrap_or_default();
    if invoice_number.is_empty() {
        diagnostics.push(diag(Level::Warning, "CDAR-MDT-87", "no invoice number (MDT-87)".into(), path.clone()));
    }
    let issuer = r.child("IssuerTradeParty").map(party);
    if let Some(p) = &issuer {
        if p.siren.is_none() {
            diagnostics.push(diag(
                Level::Warning,
                "CDAR-MDT-129",
                "the seller has no valid SIREN (GlobalID scheme 0002)".into(),
                path.clone(),
            ));
        }
    }
    let mut reasons = Vec::new();
    let mut amounts = Vec::new();
    let mut characteristics = Vec::new();
    for st in r.all("SpecifiedDocumentStatus") {
        let reason = StatusReason {
            code: owned(st, &["ReasonCode"]),
            text: owned(st, &["Reason"]),
            action_code: owned(st, &["RequestedActionCode"]),
            action: owned(st, &["RequestedAction"]),
        };
        if reason.code.is_some() || reason.text.is_some() || reason.action_code.is_some() || reason.action.is_some() {
            reasons.push(reason);
        }
        for ch in st.all("SpecifiedDocumentCharacteristic") {
            let c = characteristic(ch, diagnostics);
            if let Some(amount) = c.amount {
                amounts.push(StatusAmount { type_code: c.type_code.clone(), amount, vat_rate: c.percent });
            }
            characteristics.push(c);
        }
    }
    let invoice_issue_date = r
        .at(&["FormattedIssueDateTime"])
        .and_then(|d| d.children().next())
        .and_then(|d| NaiveDate::parse_from_str(d.text(), "%Y%m%d").ok());
    Ok(Acknowledgement {
        type_code,
        status_at,
        status,
        status_label: owned(r, &["ProcessCondition"]),
        untdid_status: owned(r, &["StatusCode"]),
        invoice_number,
        invoice_type_code: owned(r, &["TypeCode"]),
        invoice_issue_date,
        received_at: date_time_at(r, &["ReceiptDateTime"], "the receipt date-time (MDT-95)", diagnostics),
        seller_siren: issuer.and_then(|p| p.siren),
        reasons,
        amounts,
        characteristics,
        source: Source::at(file, path),
    })
}

fn characteristic(ch: El<'_>, diagnostics: &mut Vec<Diagnostic>) -> Characteristic {
    let amount = ch.child("ValueAmount").and_then(|a| {
        let currency = a.attr("currencyID").and_then(|c| Currency::parse(c).ok());
        let parsed = currency.and_then(|c| Money::parse(a.text(), c).ok());
        if parsed.is_none() {
            diagnostics.push(diag(
                Level::Warning,
                "CDAR-MDT-215",
                format!("the amount {:?} has no valid currencyID or is not a decimal; ignored", a.text()),
                a.path(),
            ));
        }
        parsed
    });
    let percent = ch.child("ValuePercent").and_then(|p| {
        let d = Decimal::from_str_exact(p.text()).ok();
        if d.is_none() {
            diagnostics.push(diag(
                Level::Warning,
                "CDAR-MDT-224",
                format!("{:?} is not a percentage", p.text()),
                p.path(),
            ));
        }
        d
    });
    Characteristic {
        type_code: owned(ch, &["TypeCode"]).unwrap_or_default(),
        data_id: owned(ch, &["ID"]),
        name: owned(ch, &["Name"]),
        amount,
        percent,
        value: owned(ch, &["Value"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: &str = r#"<rsm:CrossDomainAcknowledgementAndResponse xmlns:rsm="urn:rsm" xmlns:ram="urn:ram" xmlns:udt="urn:udt">
<rsm:ExchangedDocument><ram:ID>M1</ram:ID></rsm:ExchangedDocument>
<rsm:AcknowledgementDocument><ram:TypeCode>23</ram:TypeCode>
<ram:IssueDateTime><udt:DateTimeString format="204">20250802100000</udt:DateTimeString></ram:IssueDateTime>
<ram:ReferenceReferencedDocument><ram:IssuerAssignedID>F1</ram:IssuerAssignedID>
<ram:ProcessConditionCode>CODE</ram:ProcessConditionCode>
<ram:SpecifiedDocumentStatus><ram:SpecifiedDocumentCharacteristic><ram:TypeCode>MEN</ram:TypeCode>
<ram:ValueAmount currencyID="EUR">720.50</ram:ValueAmount><ram:ValuePercent>20</ram:ValuePercent>
</ram:SpecifiedDocumentCharacteristic></ram:SpecifiedDocumentStatus>
</ram:ReferenceReferencedDocument></rsm:AcknowledgementDocument></rsm:CrossDomainAcknowledgementAndResponse>"#;

    #[test]
    fn unknown_codes_are_kept_and_amounts_are_decimal() {
        let m = read_cdar_bytes("m.xml", MIN.replace("CODE", "299").as_bytes()).unwrap();
        let a = &m.acknowledgements[0];
        assert_eq!(a.status, LifecycleStatus::Unknown(299));
        assert_eq!(a.amounts[0].amount.amount.to_string(), "720.50");
        assert_eq!(a.amounts[0].vat_rate.map(|d| d.to_string()).as_deref(), Some("20"));
        assert_eq!(a.status_at.map(|d| d.to_string()).as_deref(), Some("2025-08-02 10:00:00"));
    }

    #[test]
    fn a_status_that_is_not_a_number_is_refused() {
        let e = read_cdar_bytes("m.xml", MIN.replace("CODE", "abc").as_bytes()).unwrap_err();
        assert!(e.to_string().starts_with("m.xml /rsm:CrossDomain"), "{e}");
        let e = read_cdar_bytes("n.xml", b"<Invoice/>").unwrap_err();
        assert!(e.to_string().contains("not a CDAR"), "{e}");
    }
}
