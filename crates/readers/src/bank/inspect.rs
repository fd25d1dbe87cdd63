//! The JSON printed by `encours bank inspect --json`: one object per file, with the key names of
//! the corpus truth files (`../shared/corpus/truth/<file>.json`) where they share a meaning, one
//! shape for camt and CFONB, amounts as signed decimal strings as written (never floats), dates as
//! `YYYY-MM-DD`, absent values as `null`.

use serde_json::{json, Value};

use super::{BankEntry, BankError, BankFile, Diagnostic, Statement};

fn opt<T: ToString>(v: &Option<T>) -> Value {
    v.as_ref().map_or(Value::Null, |v| Value::String(v.to_string()))
}

fn diagnostics(d: &[Diagnostic]) -> Value {
    Value::Array(
        d.iter().map(|d| json!({ "level": d.level, "rule": d.rule, "message": d.message, "path": d.path })).collect(),
    )
}

fn entry(e: &BankEntry) -> Value {
    json!({
        "booking_date": opt(&e.booking_date),
        "value_date": opt(&e.value_date),
        // Signed like the truth files' CFONB amounts, credit positive and debit negative, so that
        // opening balance + amounts = closing balance reads straight off the output.
        "amount": e.signed_amount().amount.to_string(),
        "currency": e.amount.currency.code(),
        "label": e.label,
        "remittance": e.remittance_texts(),
        "payer": e.payer_name,
        "payer_account": e.payer_account,
        "reference": e.reference,
        "status": e.status,
        "reversal": e.reversal,
        "transactions": e.transactions.iter().map(|t| json!({
            "amount": opt(&t.amount.map(|m| m.amount)),
            "currency": t.amount.map(|m| m.currency.code().to_owned()),
            "end_to_end_id": t.end_to_end_id,
            "payer": t.payer_name,
            "payer_account": t.payer_account,
            "remittance": t.remittance,
            "structured_refs": t.structured_refs,
        })).collect::<Vec<_>>(),
        "source": e.source.locator,
    })
}

fn statement(s: &Statement) -> Value {
    let account = s.account_iban.as_ref().map(|i| i.as_str().to_owned()).or_else(|| s.account_other.clone());
    json!({
        "id": s.id,
        "account": account,
        "currency": s.currency.map(|c| c.code().to_owned()),
        "opening_balance": opt(&s.opening_balance.map(|m| m.amount)),
        "closing_balance": opt(&s.closing_balance.map(|m| m.amount)),
        "balance_ok": s.balance_check(),
        "entries": s.entries.iter().map(entry).collect::<Vec<_>>(),
    })
}

/// The inspection object of one bank file: `{file, format: "camt"|"cfonb120", message_type,
/// message_id, statements: [{account, currency, opening_balance, closing_balance, balance_ok,
/// entries: [{booking_date, value_date, amount, label, remittance, …}]}], diagnostics}`, or
/// `{file, error}` when the file was refused. `file` is the name as the user gave it.
pub fn inspect_json(given: &str, result: &Result<BankFile, BankError>) -> Value {
    let f = match result {
        Ok(f) => f,
        Err(e) => return json!({ "file": given, "error": e.to_string() }),
    };
    // The truth files name both camt messages "camt" and keep the message type apart.
    let format = if f.format == "cfonb120" { "cfonb120" } else { "camt" };
    json!({
        "file": given,
        "format": format,
        "message_type": (!f.message_type.is_empty()).then_some(&f.message_type),
        "message_id": f.message_id,
        "statements": f.statements.iter().map(statement).collect::<Vec<_>>(),
        "diagnostics": diagnostics(&f.diagnostics),
    })
}
