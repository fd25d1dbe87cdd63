//! Golden test of `lifecycle::inspect_json` (what `encours lifecycle inspect --json` prints)
//! against the corpus truth files, for every CDAR message of `lifecycle/`: every status field the
//! truth also gives is compared, amounts and percentages as decimals.

use std::str::FromStr;

use encours_readers::lifecycle::{inspect_json, read_cdar_bytes};
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
}

fn check(c: &mut Check, ours: &Value, t: &Value) {
    c.eq("file", s(&ours["file"]), Some(c.file.clone()));
    c.eq("message id", s(&ours["message_id"]), s(&t["message_id"]));
    c.eq("guideline", s(&ours["guideline_id"]), s(&t["guideline_id"]));
    c.eq("issued at", s(&ours["issued_at"]), s(&t["message_datetime"]["iso"]));
    c.eq("issuer role", s(&ours["issuer_role"]), s(&t["issuer"]["role"]));
    // The truth nests references in acknowledgements; the inspection lists one status per reference.
    let flat: Vec<(Value, Value)> = list(&t["acknowledgements"])
        .into_iter()
        .flat_map(|a| list(&a["references"]).into_iter().map(move |r| (a.clone(), r)))
        .collect();
    let statuses = list(&ours["statuses"]);
    c.eq("status count", statuses.len(), flat.len());
    for (i, (st, (ta, tr))) in statuses.iter().zip(&flat).enumerate() {
        let at = format!("status {i}");
        c.eq(&format!("{at} invoice number"), s(&st["invoice_number"]), s(&tr["invoice_number"]));
        c.eq(&format!("{at} invoice type"), s(&st["invoice_type_code"]), s(&tr["invoice_type_code"]));
        c.eq(&format!("{at} invoice date"), s(&st["invoice_issue_date"]), s(&tr["invoice_issue_date"]));
        let siren = list(&tr["issuer"]["global_ids"]).iter().find(|g| g["scheme"] == "0002").and_then(|g| s(&g["id"]));
        c.eq(&format!("{at} seller siren"), s(&st["seller_siren"]), siren);
        c.eq(&format!("{at} code"), s(&st["code"]), s(&tr["process_condition_code"]));
        c.eq(&format!("{at} label as written"), s(&st["label_as_written"]), s(&tr["process_condition"]));
        c.eq(&format!("{at} untdid"), s(&st["untdid_status"]), s(&tr["status_code"]));
        c.eq(&format!("{at} phase"), s(&st["phase"]), s(&ta["type_code"]));
        c.eq(&format!("{at} status date-time"), s(&st["status_datetime"]), s(&ta["status_datetime"]["iso"]));
        let reasons = list(&tr["reasons"]);
        let first = reasons.first().cloned().unwrap_or(Value::Null);
        c.eq(&format!("{at} reason code"), s(&st["reason_code"]), s(&first["code"]));
        c.eq(&format!("{at} reason"), s(&st["reason"]), s(&first["text"]));
        c.eq(&format!("{at} action code"), s(&st["requested_action_code"]), s(&first["requested_action_code"]));
        c.eq(&format!("{at} action"), s(&st["requested_action"]), s(&first["requested_action"]));
        c.eq(&format!("{at} reason count"), list(&st["reasons"]).len(), reasons.len());
        let truth_amounts: Vec<Value> =
            list(&tr["characteristics"]).into_iter().filter(|ch| !ch["value_amount"].is_null()).collect();
        let amounts = list(&st["amounts"]);
        c.eq(&format!("{at} amount count"), amounts.len(), truth_amounts.len());
        for (j, (a, ta)) in amounts.iter().zip(&truth_amounts).enumerate() {
            c.eq(&format!("{at} amount {j} type"), s(&a["type_code"]), s(&ta["type_code"]));
            c.eq(&format!("{at} amount {j} value"), dec(&a["amount"]), dec(&ta["value_amount"]["value"]));
            c.eq(&format!("{at} amount {j} currency"), s(&a["currency"]), s(&ta["value_amount"]["currency"]));
            c.eq(&format!("{at} amount {j} percent"), dec(&a["percent"]), dec(&ta["value_percent"]));
        }
    }
}

#[test]
fn the_inspection_of_every_cdar_file_agrees_with_its_truth() {
    let all = files();
    let mut problems = Vec::new();
    let (mut agreeing, mut statuses, mut amounts) = (0, 0, 0);
    for (name, bytes) in &all {
        let t = truth(name);
        let ours = inspect_json(name, &read_cdar_bytes(name, bytes));
        let mut c = Check { file: name.clone(), problems: Vec::new() };
        match (&ours["error"], t.get("error")) {
            (Value::String(e), Some(_)) => c.eq("error names the file", e.starts_with(name.as_str()), true),
            (Value::String(e), None) => c.problems.push(format!("{name}: refused but the truth reads it: {e}")),
            (_, Some(err)) => c.problems.push(format!("{name}: read but the truth says {err}")),
            (_, None) => {
                check(&mut c, &ours, &t);
                for st in list(&ours["statuses"]) {
                    statuses += 1;
                    amounts += list(&st["amounts"]).len();
                }
            }
        }
        if c.problems.is_empty() {
            agreeing += 1;
        }
        problems.extend(c.problems);
    }
    eprintln!("lifecycle inspect: {agreeing}/{} files agree; {statuses} statuses, {amounts} amounts", all.len());
    assert!(problems.is_empty(), "{} difference(s):\n{}", problems.len(), problems.join("\n"));
    assert_eq!((statuses, amounts), (19, 4), "every status and amount of the corpus was compared");
}

#[test]
fn the_212_shows_its_men_amount_and_the_207_its_reason() {
    let all = files();
    let show = |n: &str| {
        let (name, bytes) = all.iter().find(|(f, _)| f == n).expect("in corpus");
        inspect_json(name, &read_cdar_bytes(name, bytes))
    };
    let v = show("UC1_F202500003_07-CDV-212_Encaissee.xml");
    let st = &v["statuses"][0];
    assert_eq!(st["code"], "212");
    assert_eq!(st["label"], "Encaissée");
    assert_eq!(st["status_datetime"], "2025-08-02T10:00:00");
    assert_eq!(st["seller_siren"], "100000009");
    assert_eq!(
        st["amounts"][0],
        serde_json::json!({"type_code": "MEN", "amount": "12000", "currency": "EUR", "percent": "20.00"})
    );
    let v = show("UC4_F202500006_04-CDV-207_En_litige.xml");
    let st = &v["statuses"][0];
    assert_eq!(
        (&st["code"], &st["reason_code"], &st["requested_action_code"]),
        (&"207".into(), &"TX_TVA_ERR".into(), &"NIN".into())
    );
    assert_eq!(st["label_as_written"], "En_litige");
    assert_eq!(st["amounts"], serde_json::json!([]), "DIV/DVA carry percentages, no amount");
}

#[test]
fn refused_messages_give_file_and_error_only() {
    let v = inspect_json("in/x.xml", &read_cdar_bytes("x.xml", b"<Invoice/>"));
    assert_eq!(v["file"], "in/x.xml");
    assert!(v["error"].as_str().is_some_and(|e| e.starts_with("x.xml: ") && e.contains("not a CDAR")), "{v}");
    assert_eq!(v.as_object().map(|o| o.len()), Some(2));
}
