//! Golden test: every file of the corpus's `bank/` folder against the values an independent
//! reader extracted (`truth/<file>.json`), plus a no-panic test over truncated and mutated files.

use std::str::FromStr;

use encours_readers::bank::{read_bank_bytes, BankEntry, BankFile};
use rust_decimal::Decimal;
use serde_json::Value;

mod common;
use common::truth;

fn files() -> Vec<(String, Vec<u8>)> {
    common::corpus_files("bank", 13)
}

fn s(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

fn dec(v: &Value) -> Option<Decimal> {
    v.as_str().and_then(|s| Decimal::from_str(s).ok())
}

struct Check<'a> {
    file: &'a str,
    problems: Vec<String>,
}

impl Check<'_> {
    fn eq<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, ours: T, truth: T) {
        if ours != truth {
            self.problems.push(format!("{}: {what}: ours {ours:?}, truth {truth:?}", self.file));
        }
    }
}

fn signed(e: &BankEntry) -> Decimal {
    if e.credit {
        e.amount.amount
    } else {
        -e.amount.amount
    }
}

fn check_camt(c: &mut Check<'_>, ours: &BankFile, t: &Value) {
    let kind =
        if t["message_type"].as_str().unwrap_or_default().starts_with("camt.054") { "camt054" } else { "camt053" };
    c.eq("format", ours.format, kind);
    c.eq("message type", Some(ours.message_type.clone()), s(&t["message_type"]));
    c.eq("message id", ours.message_id.clone(), s(&t["message_id"]));
    let reports = t["reports"].as_array().cloned().unwrap_or_default();
    c.eq("statement count", ours.statements.len(), reports.len());
    for (i, (st, r)) in ours.statements.iter().zip(&reports).enumerate() {
        c.eq(&format!("stmt {i} id"), Some(st.id.clone()), s(&r["id"]));
        c.eq(&format!("stmt {i} iban"), st.account_iban.as_ref().map(|x| x.as_str().to_owned()), s(&r["account_iban"]));
        // Opening (OPBD, else PRCD) and closing (CLBD) booked balances, signed by CdtDbtInd.
        let balance = |codes: &[&str]| {
            let bals = r["balances"].as_array().cloned().unwrap_or_default();
            codes.iter().find_map(|code| {
                bals.iter().find(|b| b["type"] == *code).and_then(|b| {
                    let v = dec(&b["amount"]["value"])?;
                    Some(if b["credit_debit"] == "DBIT" { -v } else { v })
                })
            })
        };
        c.eq(&format!("stmt {i} opening"), st.opening_balance.map(|m| m.amount), balance(&["OPBD", "PRCD"]));
        c.eq(&format!("stmt {i} closing"), st.closing_balance.map(|m| m.amount), balance(&["CLBD"]));
        let entries = r["entries"].as_array().cloned().unwrap_or_default();
        c.eq(&format!("stmt {i} entry count"), st.entries.len(), entries.len());
        for (j, (e, te)) in st.entries.iter().zip(&entries).enumerate() {
            let at = format!("stmt {i} entry {j}");
            c.eq(&format!("{at} amount"), Some(e.amount.amount), dec(&te["amount"]["value"]));
            c.eq(&format!("{at} currency"), Some(e.amount.currency.code().to_owned()), s(&te["amount"]["currency"]));
            c.eq(&format!("{at} credit"), e.credit, te["credit_debit"] == "CRDT");
            c.eq(&format!("{at} reversal"), e.reversal, te["reversal"] == "true");
            c.eq(&format!("{at} status"), e.status.clone(), s(&te["status"]));
            if let Some(iban) = &e.payer_iban {
                c.eq(
                    &format!("{at} payer iban is the account"),
                    Some(iban.as_str().to_owned()),
                    e.payer_account.clone(),
                );
            }
            let day = |v: &Value| v.as_str().and_then(|d| d.get(..10)).map(str::to_owned);
            c.eq(&format!("{at} booking"), e.booking_date.map(|d| d.to_string()), day(&te["booking_date"]));
            c.eq(&format!("{at} value date"), e.value_date.map(|d| d.to_string()), day(&te["value_date"]));
            c.eq(&format!("{at} reference"), e.reference.clone(), s(&te["account_servicer_ref"]));
            c.eq(&format!("{at} label"), e.label.clone(), s(&te["additional_info"]));
            let txs = te["transactions"].as_array().cloned().unwrap_or_default();
            let all = |key: &str| -> Vec<String> {
                txs.iter().flat_map(|t| t[key].as_array().cloned().unwrap_or_default()).filter_map(|v| s(&v)).collect()
            };
            c.eq(&format!("{at} remittance"), e.remittance.clone(), all("remittance_unstructured"));
            c.eq(&format!("{at} structured refs"), e.structured_refs.clone(), all("remittance_structured_refs"));
            // Every transaction of a batch keeps its own amount, references and debtor.
            c.eq(&format!("{at} transaction count"), e.transactions.len(), txs.len());
            for (k, (tx, tt)) in e.transactions.iter().zip(&txs).enumerate() {
                let at = format!("{at} tx {k}");
                c.eq(&format!("{at} amount"), tx.amount.map(|m| m.amount), dec(&tt["amount"]["value"]));
                c.eq(
                    &format!("{at} currency"),
                    tx.amount.map(|m| m.currency.code().to_owned()),
                    s(&tt["amount"]["currency"]),
                );
                c.eq(
                    &format!("{at} end to end"),
                    tx.end_to_end_id.clone(),
                    s(&tt["end_to_end_id"]).filter(|x| x != "NOTPROVIDED"),
                );
                let list = |key: &str| -> Vec<String> {
                    tt[key].as_array().cloned().unwrap_or_default().iter().filter_map(s).collect()
                };
                c.eq(&format!("{at} remittance"), tx.remittance.clone(), list("remittance_unstructured"));
                c.eq(&format!("{at} structured refs"), tx.structured_refs.clone(), list("remittance_structured_refs"));
                c.eq(&format!("{at} debtor"), tx.payer_name.clone(), s(&tt["debtor_name"]));
                c.eq(
                    &format!("{at} debtor account"),
                    tx.payer_account.as_ref().map(|x| x.replace(' ', "")),
                    s(&tt["debtor_iban"]).map(|x| x.replace(' ', "")),
                );
            }
            let first = |key: &str| txs.iter().find_map(|t| s(&t[key]));
            c.eq(&format!("{at} payer"), e.payer_name.clone(), first("debtor_name"));
            c.eq(
                &format!("{at} payer iban"),
                e.payer_account.as_ref().map(|x| x.replace(' ', "")),
                first("debtor_iban").map(|x| x.replace(' ', "")),
            );
            c.eq(
                &format!("{at} end to end"),
                e.end_to_end_id.clone(),
                first("end_to_end_id").filter(|x| x != "NOTPROVIDED"),
            );
        }
    }
}

fn check_cfonb(c: &mut Check<'_>, ours: &BankFile, t: &Value) {
    c.eq("format", ours.format, "cfonb120");
    let sts = t["statements"].as_array().cloned().unwrap_or_default();
    c.eq("statement count", ours.statements.len(), sts.len());
    for (i, (st, r)) in ours.statements.iter().zip(&sts).enumerate() {
        c.eq(&format!("stmt {i} account"), st.account_other.clone(), s(&r["account"]));
        c.eq(&format!("stmt {i} currency"), st.currency.map(|x| x.code().to_owned()), s(&r["currency"]));
        c.eq(&format!("stmt {i} opening"), st.opening_balance.map(|m| m.amount), dec(&r["opening_balance"]));
        c.eq(&format!("stmt {i} closing"), st.closing_balance.map(|m| m.amount), dec(&r["closing_balance"]));
        let entries = r["entries"].as_array().cloned().unwrap_or_default();
        c.eq(&format!("stmt {i} entry count"), st.entries.len(), entries.len());
        for (j, (e, te)) in st.entries.iter().zip(&entries).enumerate() {
            let at = format!("stmt {i} entry {j}");
            c.eq(&format!("{at} amount"), Some(signed(e)), dec(&te["amount"]));
            c.eq(&format!("{at} booking"), e.booking_date.map(|d| d.to_string()), s(&te["booking_date"]));
            c.eq(&format!("{at} value date"), e.value_date.map(|d| d.to_string()), s(&te["value_date"]));
            c.eq(&format!("{at} label"), e.label.clone(), s(&te["label"]));
            c.eq(&format!("{at} reference"), e.reference.clone(), s(&te["reference"]));
            let details: Vec<(String, String)> = te["details"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|d| (s(&d["qualifier"]).unwrap_or_default(), s(&d["info"]).unwrap_or_default()))
                .collect();
            let ours: Vec<(String, String)> =
                e.complements.iter().map(|d| (d.qualifier.clone(), d.info.clone())).collect();
            c.eq(&format!("{at} complements"), ours, details);
        }
        let balance_ok = r["balance_check_ok"].as_bool().unwrap_or(true);
        let flagged = ours.diagnostics.iter().any(|d| d.rule == "CFONB-BALANCE" && d.path == st_closing_line(ours, i));
        c.eq(&format!("stmt {i} balance flagged"), flagged, !balance_ok);
    }
    let orphan_truth = t["problems"]
        .as_array()
        .map_or(0, |p| p.iter().filter(|x| x.as_str().unwrap_or("").contains("05 without 04")).count());
    let orphan_ours = ours.diagnostics.iter().filter(|d| d.rule == "CFONB-05-WITHOUT-04").count();
    c.eq("orphan complements", orphan_ours, orphan_truth);
}

/// The line of statement `i`'s 07 record is not kept; a balance diagnostic is matched to a
/// statement by being the i-th 07 line mentioned — good enough for the corpus, where each
/// statement has one 07.
fn st_closing_line(f: &BankFile, i: usize) -> String {
    let next = f.statements.get(i + 1).map(|s| s.source.locator.clone());
    f.diagnostics
        .iter()
        .filter(|d| d.rule == "CFONB-BALANCE")
        .map(|d| d.path.clone())
        .find(|p| {
            let n = |s: &str| s.trim_start_matches("line ").parse::<usize>().unwrap_or(0);
            let start = n(&f.statements[i].source.locator);
            n(p) > start && next.as_deref().is_none_or(|nx| n(p) < n(nx))
        })
        .unwrap_or_default()
}

#[test]
fn every_bank_file_agrees_with_its_truth() {
    let mut problems = Vec::new();
    let mut agreeing = 0;
    let all = files();
    for (name, bytes) in &all {
        let t = truth(name);
        let mut c = Check { file: name, problems: Vec::new() };
        match (read_bank_bytes(name, bytes), t.get("error")) {
            (Err(e), Some(_)) => assert!(e.to_string().starts_with(name.as_str()), "{e}"),
            (Err(e), None) => c.problems.push(format!("{name}: refused but the truth reads it: {e}")),
            (Ok(_), Some(err)) => c.problems.push(format!("{name}: read but the truth says {err}")),
            (Ok(f), None) => {
                if t["format"] == "camt" {
                    check_camt(&mut c, &f, &t)
                } else {
                    check_cfonb(&mut c, &f, &t)
                }
            }
        }
        if c.problems.is_empty() {
            agreeing += 1;
        }
        problems.extend(c.problems);
    }
    eprintln!("bank golden: {agreeing}/{} files agree", all.len());
    assert!(problems.is_empty(), "{} difference(s):\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn sources_point_into_the_file() {
    let (name, bytes) = files().into_iter().find(|(n, _)| n == "camt053.v2.multi.statement.xml").expect("in corpus");
    let f = read_bank_bytes(&name, &bytes).expect("reads");
    assert_eq!(f.statements[1].entries[0].source.locator, "/Document/BkToCstmrStmt/Stmt[2]/Ntry");
    assert_eq!(f.statements[1].entries[0].source.origin, name);
    let (name, bytes) = files().into_iter().find(|(n, _)| n == "example.txt").expect("in corpus");
    let f = read_bank_bytes(&name, &bytes).expect("reads");
    assert_eq!(f.statements[0].entries[0].source.locator, "line 3");
}

#[test]
fn cfonb_without_line_separators_reads_the_same() {
    let (name, bytes) = files().into_iter().find(|(n, _)| n == "cfonb_classic.cfo").expect("in corpus");
    let with = read_bank_bytes(&name, &bytes).expect("reads");
    let mut packed = Vec::new();
    for line in bytes.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(|b| *b == b' ') {
            continue;
        }
        let mut l = line.to_vec();
        l.resize(120, b' ');
        packed.extend(l);
    }
    let without = read_bank_bytes(&name, &packed).expect("reads packed records");
    let amounts = |f: &BankFile| f.statements.iter().flat_map(|s| s.entries.iter().map(signed)).collect::<Vec<_>>();
    assert_eq!(amounts(&with), amounts(&without));
    assert!(!amounts(&with).is_empty());
}

#[test]
fn malformed_files_are_refused_with_file_and_place() {
    let (name, bytes) = files().into_iter().find(|(n, _)| n == "complex-test.txt").expect("in corpus");
    let text = String::from_utf8(bytes).expect("ascii");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[6].replace_range(0..2, "XX");
    let e = read_bank_bytes(&name, lines.join("\n").as_bytes()).unwrap_err();
    assert_eq!(e.to_string().split(" (").next().unwrap(), "complex-test.txt line 7: record type 'XX' unknown");
    let e = read_bank_bytes("camt053.bad.xml", b"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt><Stmt><Ntry><Amt Ccy=\"EUR\">1,5</Amt></Ntry></Stmt>").unwrap_err();
    assert!(e.to_string().starts_with("camt053.bad.xml line 1"), "{e}");
    let e = read_bank_bytes("camt053.bad.xml", b"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt><Stmt><Ntry><Amt Ccy=\"EUR\">1,5</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry></Stmt></BkToCstmrStmt></Document>").unwrap_err();
    assert_eq!(
        e.to_string(),
        "camt053.bad.xml /Document/BkToCstmrStmt/Stmt/Ntry/Amt: the amount \"1,5\" is not a decimal number"
    );
    let e = read_bank_bytes("x.xml", b"<Invoice/>").unwrap_err();
    assert!(e.to_string().contains("not the <Document>"), "{e}");
}

#[test]
fn five_decimals_and_datetime_bookings() {
    let xml = br#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>M</MsgId></GrpHdr>
<Ntfctn><Id>N1</Id><Ntry><Amt Ccy="EUR">1436.12345</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><DtTm>2024-03-01T23:30:00+01:00</DtTm></BookgDt>
<NtryDtls><TxDtls><RmtInf><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry></Ntfctn>
</BkToCstmrDbtCdtNtfctn></Document>"#;
    let f = read_bank_bytes("n.xml", xml).expect("reads");
    assert_eq!(f.format, "camt054");
    let e = &f.statements[0].entries[0];
    assert_eq!(e.amount.amount.to_string(), "1436.12345", "five decimals kept exactly");
    assert_eq!(e.booking_date.map(|d| d.to_string()).as_deref(), Some("2024-03-01"), "the date as written");
    assert_eq!(e.structured_refs, vec!["RF18539007547034".to_owned()]);
}

/// Truncations and byte mutations of every corpus file: the reader may refuse, never panic.
#[test]
fn no_panic_on_truncated_or_mutated_files() {
    let runs = common::assert_never_panics(&files(), 60, 0x9E37_79B9_7F4A_7C15, |name, bytes| {
        let _ = read_bank_bytes(name, bytes);
    });
    assert!(runs > 500);
}
