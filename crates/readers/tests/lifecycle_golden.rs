//! Golden test: every CDAR message of the corpus's `lifecycle/` folder against the values an
//! independent reader extracted (`truth/<file>.json`), plus a no-panic test over truncated and
//! mutated messages.

use std::str::FromStr;

use encours_domain::LifecycleStatus;
use encours_readers::lifecycle::{read_cdar_bytes, CdarMessage, Party};
use rust_decimal::Decimal;
use serde_json::Value;

mod common;
use common::truth;

fn files() -> Vec<(String, Vec<u8>)> {
    common::corpus_files("lifecycle", 19)
}

fn s(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

fn dec(v: &Value) -> Option<Decimal> {
    v.as_str().and_then(|s| Decimal::from_str(s).ok())
}

fn iso(v: &Value) -> Option<String> {
    s(&v["iso"])
}

fn list(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

struct Check {
    file: String,
    problems: Vec<String>,
}

impl Check {
    fn eq<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, ours: T, truth: T) {
        if ours != truth {
            self.problems.push(format!("{}: {what}: ours {ours:?}, truth {truth:?}", self.file));
        }
    }

    fn party(&mut self, what: &str, ours: Option<&Party>, t: &Value) {
        if t.is_null() {
            self.eq(what, ours.is_some(), false);
            return;
        }
        let Some(p) = ours else {
            self.problems.push(format!("{}: {what}: missing", self.file));
            return;
        };
        self.eq(&format!("{what} role"), p.role.clone(), s(&t["role"]));
        self.eq(&format!("{what} name"), p.name.clone(), s(&t["name"]));
        let ids: Vec<(String, String)> = list(&t["global_ids"])
            .iter()
            .map(|g| (s(&g["scheme"]).unwrap_or_default(), s(&g["id"]).unwrap_or_default()))
            .collect();
        self.eq(&format!("{what} global ids"), p.global_ids.clone(), ids);
    }
}

fn check(c: &mut Check, m: &CdarMessage, t: &Value) {
    c.eq("message id", Some(m.message_id.clone()), s(&t["message_id"]));
    c.eq("name", m.name.clone(), s(&t["message_name"]));
    c.eq("guideline", m.guideline_id.clone(), s(&t["guideline_id"]));
    c.eq("business process", m.business_process.clone(), s(&t["business_process"]));
    c.eq("issued at", m.issued_at.map(|d| d.format("%Y-%m-%dT%H:%M:%S").to_string()), iso(&t["message_datetime"]));
    c.party("sender", m.sender.as_ref(), &t["sender"]);
    c.party("issuer", m.issuer.as_ref(), &t["issuer"]);
    let recipients = list(&t["recipients"]);
    c.eq("recipient count", m.recipients.len(), recipients.len());
    for (i, (p, tp)) in m.recipients.iter().zip(&recipients).enumerate() {
        c.party(&format!("recipient {i}"), Some(p), tp);
    }
    // The truth nests references in acknowledgements; ours are flat, one per reference.
    let flat: Vec<(Value, Value)> = list(&t["acknowledgements"])
        .into_iter()
        .flat_map(|a| list(&a["references"]).into_iter().map(move |r| (a.clone(), r)))
        .collect();
    c.eq("acknowledgement count", m.acknowledgements.len(), flat.len());
    for (i, (a, (ta, tr))) in m.acknowledgements.iter().zip(&flat).enumerate() {
        let at = format!("ack {i}");
        c.eq(&format!("{at} type code"), a.type_code.clone(), s(&ta["type_code"]));
        let fmt = |d: Option<chrono::NaiveDateTime>| d.map(|d| d.format("%Y-%m-%dT%H:%M:%S").to_string());
        c.eq(&format!("{at} status at"), fmt(a.status_at), iso(&ta["status_datetime"]));
        let code = s(&tr["process_condition_code"]).and_then(|c| c.parse::<u16>().ok());
        c.eq(&format!("{at} status"), Some(a.status), code.map(LifecycleStatus::from_code));
        c.eq(&format!("{at} status label"), a.status_label.clone(), s(&tr["process_condition"]));
        c.eq(&format!("{at} untdid"), a.untdid_status.clone(), s(&tr["status_code"]));
        c.eq(&format!("{at} invoice number"), Some(a.invoice_number.clone()), s(&tr["invoice_number"]));
        c.eq(&format!("{at} invoice type"), a.invoice_type_code.clone(), s(&tr["invoice_type_code"]));
        c.eq(&format!("{at} invoice date"), a.invoice_issue_date.map(|d| d.to_string()), s(&tr["invoice_issue_date"]));
        c.eq(&format!("{at} received at"), fmt(a.received_at), iso(&tr["receipt_datetime"]));
        let siren = list(&tr["issuer"]["global_ids"]).iter().find(|g| g["scheme"] == "0002").and_then(|g| s(&g["id"]));
        c.eq(&format!("{at} seller siren"), a.seller_siren.as_ref().map(|x| x.as_str().to_owned()), siren);
        let reasons: Vec<_> = list(&tr["reasons"])
            .iter()
            .map(|r| (s(&r["code"]), s(&r["text"]), s(&r["requested_action_code"]), s(&r["requested_action"])))
            .collect();
        let ours: Vec<_> = a
            .reasons
            .iter()
            .map(|r| (r.code.clone(), r.text.clone(), r.action_code.clone(), r.action.clone()))
            .collect();
        c.eq(&format!("{at} reasons"), ours, reasons);
        let chars = list(&tr["characteristics"]);
        c.eq(&format!("{at} characteristic count"), a.characteristics.len(), chars.len());
        for (j, (ch, tc)) in a.characteristics.iter().zip(&chars).enumerate() {
            c.eq(&format!("{at} char {j} type"), Some(ch.type_code.clone()), s(&tc["type_code"]));
            c.eq(&format!("{at} char {j} amount"), ch.amount.map(|m| m.amount), dec(&tc["value_amount"]["value"]));
            c.eq(
                &format!("{at} char {j} currency"),
                ch.amount.map(|m| m.currency.code().to_owned()),
                s(&tc["value_amount"]["currency"]),
            );
            c.eq(&format!("{at} char {j} percent"), ch.percent, dec(&tc["value_percent"]));
            c.eq(&format!("{at} char {j} value"), ch.value.clone(), s(&tc["value"]));
        }
        let with_amount = chars.iter().filter(|tc| !tc["value_amount"].is_null()).count();
        c.eq(&format!("{at} amounts"), a.amounts.len(), with_amount);
    }
}

#[test]
fn every_cdar_file_agrees_with_its_truth() {
    let all = files();
    let mut problems = Vec::new();
    let mut agreeing = 0;
    for (name, bytes) in &all {
        let t = truth(name);
        let mut c = Check { file: name.clone(), problems: Vec::new() };
        match (read_cdar_bytes(name, bytes), t.get("error")) {
            (Err(e), Some(_)) => assert!(e.to_string().starts_with(name.as_str()), "{e}"),
            (Err(e), None) => c.problems.push(format!("{name}: refused but the truth reads it: {e}")),
            (Ok(_), Some(err)) => c.problems.push(format!("{name}: read but the truth says {err}")),
            (Ok(m), None) => check(&mut c, &m, &t),
        }
        if c.problems.is_empty() {
            agreeing += 1;
        }
        problems.extend(c.problems);
    }
    eprintln!("lifecycle golden: {agreeing}/{} files agree", all.len());
    assert!(problems.is_empty(), "{} difference(s):\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn the_212_carries_men_per_vat_rate_and_the_207_its_reason() {
    let all = files();
    let get = |n: &str| {
        let (name, bytes) = all.iter().find(|(f, _)| f == n).expect("in corpus");
        read_cdar_bytes(name, bytes).expect("reads")
    };
    let m = get("UC1_F202500003_07-CDV-212_Encaissee.xml");
    let a = &m.acknowledgements[0];
    assert_eq!(a.status, LifecycleStatus::Encaissee);
    assert_eq!(a.amounts[0].type_code, "MEN");
    assert_eq!(a.amounts[0].amount.amount, Decimal::from(12000));
    assert_eq!(a.amounts[0].vat_rate, Some(Decimal::from_str("20.00").unwrap()));
    assert_eq!(a.seller_siren.as_ref().map(|s| s.as_str()), Some("100000009"));
    assert!(a.source.locator.ends_with("/rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument"));
    let m = get("UC4_F202500006_04-CDV-207_En_litige.xml");
    let a = &m.acknowledgements[0];
    assert_eq!(a.status, LifecycleStatus::EnLitige);
    assert_eq!(a.reasons[0].code.as_deref(), Some("TX_TVA_ERR"));
    assert_eq!(a.reasons[0].action_code.as_deref(), Some("NIN"));
    assert!(a.amounts.is_empty(), "DIV/DVA carry percentages, no amount");
    assert_eq!(m.issuer.as_ref().and_then(|p| p.role.as_deref()), Some("BY"));
}

/// Truncations and byte mutations of every message: the reader may refuse, never panic.
#[test]
fn no_panic_on_truncated_or_mutated_files() {
    let runs = common::assert_never_panics(&files(), 40, 0x2545_F491_4F6C_DD1D, |name, bytes| {
        let _ = read_cdar_bytes(name, bytes);
    });
    assert!(runs > 500);
}
