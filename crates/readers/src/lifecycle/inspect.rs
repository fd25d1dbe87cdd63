//! The JSON printed by `encours lifecycle inspect --json`: one object per CDAR file, one status
//! per referenced invoice, with the key names of the corpus truth files where they share a
//! meaning (`invoice_number`, `invoice_issue_date`, `status_datetime`, `type_code`…), amounts and
//! percentages as decimal strings as written, date-times as `YYYY-MM-DDTHH:MM:SS`.

use serde_json::{json, Value};

use super::{Acknowledgement, CdarError, CdarMessage};

fn stamp(d: Option<chrono::NaiveDateTime>) -> Value {
    d.map_or(Value::Null, |d| Value::String(d.format("%Y-%m-%dT%H:%M:%S").to_string()))
}

fn status(a: &Acknowledgement) -> Value {
    // One status carries at most one reason in the AFNOR samples; every one is kept in `reasons`
    // and the first is repeated flat for the common case.
    let first = a.reasons.first();
    json!({
        "invoice_number": a.invoice_number,
        "invoice_type_code": a.invoice_type_code,
        "invoice_issue_date": a.invoice_issue_date.map(|d| d.to_string()),
        "seller_siren": a.seller_siren.as_ref().map(|s| s.as_str().to_owned()),
        "code": a.status.code().to_string(),
        "label": a.status.label_fr(),
        "label_as_written": a.status_label,
        "phase": a.type_code,
        "untdid_status": a.untdid_status,
        "status_datetime": stamp(a.status_at),
        "reason_code": first.and_then(|r| r.code.clone()),
        "reason": first.and_then(|r| r.text.clone()),
        "requested_action_code": first.and_then(|r| r.action_code.clone()),
        "requested_action": first.and_then(|r| r.action.clone()),
        "reasons": a.reasons.iter().map(|r| json!({
            "code": r.code, "text": r.text, "requested_action_code": r.action_code, "requested_action": r.action,
        })).collect::<Vec<_>>(),
        "amounts": a.characteristics.iter().filter_map(|c| {
            let m = c.amount?;
            Some(json!({
                "type_code": c.type_code,
                "amount": m.amount.to_string(),
                "currency": m.currency.code(),
                "percent": c.percent.map(|p| p.to_string()),
            }))
        }).collect::<Vec<_>>(),
        "source": a.source.locator,
    })
}

/// The inspection object of one CDAR file: `{file, message_id, guideline_id, issued_at,
/// issuer_role, statuses: [{invoice_number, invoice_issue_date, seller_siren, code ("212"),
/// status_datetime, reason_code, requested_action_code, amounts: [{type_code, amount, currency,
/// percent}], …}], diagnostics}`, or `{file, error}` when the file was refused. `file` is the name
/// as the user gave it.
pub fn inspect_json(given: &str, result: &Result<CdarMessage, CdarError>) -> Value {
    let m = match result {
        Ok(m) => m,
        Err(e) => return json!({ "file": given, "error": e.to_string() }),
    };
    json!({
        "file": given,
        "message_id": m.message_id,
        "guideline_id": m.guideline_id,
        "issued_at": stamp(m.issued_at),
        "issuer_role": m.issuer.as_ref().and_then(|p| p.role.clone()),
        "statuses": m.acknowledgements.iter().map(status).collect::<Vec<_>>(),
        "diagnostics": m.diagnostics.iter().map(|d| json!({
            "level": d.level, "rule": d.rule, "message": d.message, "path": d.path,
        })).collect::<Vec<_>>(),
    })
}
