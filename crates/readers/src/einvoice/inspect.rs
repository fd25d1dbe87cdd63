//! The JSON printed by `encours einvoice inspect --json`: for the keys it shares with the corpus
//! truth files (`../shared/corpus/truth/*.json`), the same names, nesting and meaning: values as
//! the document states them, amounts as decimal strings, absent as `null`.

use serde_json::{json, Map, Value};

use super::{Diagnostic, EInvoice, Party, ReadError};

fn opt<T: ToString>(v: &Option<T>) -> Value {
    v.as_ref().map_or(Value::Null, |v| Value::String(v.to_string()))
}

fn id_scheme(v: &(String, Option<String>)) -> Value {
    json!({ "id": v.0, "scheme": v.1 })
}

fn party(p: &Party) -> Value {
    json!({
        "name": p.name,
        "trading_name": p.trading_name,
        // As found (a SIREN failing its check digit is still printed; a diagnostic says so).
        "siren": p.siren_as_written,
        "siret": p.siret_as_written,
        "vat_ids": p.vat_ids,
        "country": p.country,
        "identifiers": p.identifiers.iter().map(id_scheme).collect::<Vec<_>>(),
        "legal_registration_ids": p.legal_registration_id.iter().map(id_scheme).collect::<Vec<_>>(),
        "electronic_address": p.electronic_address.as_ref().map(id_scheme),
    })
}

fn diagnostics(d: &[Diagnostic]) -> Value {
    Value::Array(
        d.iter().map(|d| json!({ "level": d.level, "rule": d.rule, "message": d.message, "path": d.path })).collect(),
    )
}

fn error_kind(e: &ReadError) -> &'static str {
    match e {
        ReadError::Io { .. } => "io",
        ReadError::TooLarge { .. } => "too_large",
        ReadError::NotPdfOrXml { .. } => "not_pdf_or_xml",
        ReadError::PdfUnreadable { .. } => "pdf_unreadable",
        ReadError::NoEmbeddedInvoice { .. } => "no_embedded_invoice",
        ReadError::XmlMalformed { .. } => "xml_malformed",
        ReadError::UnsupportedEncoding { .. } => "unsupported_encoding",
        ReadError::UnsupportedRoot { .. } => "unsupported_root",
        ReadError::NotAnInvoice { .. } => "not_an_invoice",
    }
}

/// The truth-shaped object for one file: `file` as given, the invoice's stated values and the
/// diagnostics, or `{"file": …, "error": "<plain message>", "error_kind": …}`.
pub fn inspect_json(file_as_given: &str, result: &Result<EInvoice, ReadError>) -> Value {
    let e = match result {
        Ok(e) => e,
        Err(err) => return json!({ "file": file_as_given, "error": err.to_string(), "error_kind": error_kind(err) }),
    };
    let s = &e.stated;
    let t = &s.totals;
    let inv = &e.invoice;
    let mut out = Map::new();
    let mut put = |k: &str, v: Value| {
        out.insert(k.to_owned(), v);
    };
    put("file", json!(file_as_given));
    put("sha256", json!(e.file_sha256));
    put("format", json!(e.format.as_str()));
    if let Some(pdf) = &e.pdf {
        put(
            "pdf",
            json!({
                "pdf_header": format!("%PDF-{}", pdf.version),
                "attachments": pdf.attachments,
                "invoice_attachment": e.attachment_name,
                "relationship": pdf.relationship,
                "xmp_ConformanceLevel": pdf.xmp_conformance_level,
                "xmp_DocumentFileName": pdf.xmp_document_file_name,
                "xmp_DocumentType": pdf.xmp_document_type,
                "xmp_Version": pdf.xmp_version,
                "pdfa_part": pdf.pdfa_part,
                "pdfa_conformance": pdf.pdfa_conformance,
            }),
        );
    }
    put("xml_sha256", json!(e.xml_sha256));
    put("xml_encoding", json!({ "bom": e.xml_encoding.bom, "declared_encoding": e.xml_encoding.declared_encoding }));
    put("kind", json!("invoice"));
    put("invoice_kind", json!(inv.kind));
    put("syntax", json!(e.syntax));
    put("guideline_id", json!(e.guideline_id));
    put("profile", json!(e.profile));
    put("business_process", json!(inv.business_process));
    put("invoice_number", json!(s.invoice_number));
    put("type_code", json!(s.type_code));
    put("issue_date", opt(&s.issue_date));
    put("currency", json!(s.currency));
    put("purchase_order_reference", json!(inv.order_reference));
    put(
        "preceding_invoices",
        Value::Array(
            e.preceding_invoices.iter().map(|p| json!({ "id": p.number, "issue_date": opt(&p.issue_date) })).collect(),
        ),
    );
    put("payment_terms", json!(inv.payment_terms_note));
    put("due_date", opt(&e.due_date_stated));
    put("due_date_used", json!(inv.due_date.to_string()));
    put("seller", party(&e.seller));
    put("buyer", party(&e.buyer));
    put("payee", e.payee.as_ref().map_or(Value::Null, party));
    put(
        "totals",
        json!({
            "line_total": opt(&t.line_total),
            "allowance_total": opt(&t.allowance_total),
            "charge_total": opt(&t.charge_total),
            "tax_basis_total": opt(&t.tax_basis_total),
            "tax_total": opt(&t.tax_total),
            "grand_total": opt(&t.grand_total),
            "prepaid": opt(&t.prepaid),
            "rounding": opt(&t.rounding),
            "due_payable": opt(&t.due_payable),
        }),
    );
    put(
        "vat_breakdown",
        Value::Array(
            inv.vat_breakdown
                .iter()
                .map(|v| {
                    json!({
                        "category": v.category,
                        "rate": opt(&v.rate),
                        "basis": v.taxable_amount.amount.to_string(),
                        "tax": v.tax_amount.amount.to_string(),
                        "exemption_reason": v.exemption_reason,
                    })
                })
                .collect(),
        ),
    );
    put("payee_iban", json!(s.payee_account));
    put("remittance_information", json!(s.remittance_information));
    put("penalty_terms", serde_json::to_value(&e.penalty_terms).unwrap_or(Value::Null));
    put("diagnostics", diagnostics(&e.diagnostics));
    Value::Object(out)
}
