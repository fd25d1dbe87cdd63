//! Scores the matching engine end to end on a demo portfolio: the demo generator's open items at
//! `as_of`, a month of bank statements drawn by `encours_demo::statements` (written as camt.053
//! and read back with the bank reader, as the app will), the payer memory learned from the
//! portfolio's past payments, then one automatic run.
//!
//! Requirements: at least 95 % of the payments are applied automatically and exactly as the truth
//! says; no automatic allocation differs from the truth; no noise credit is applied.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use encours_demo::statements::{camt053, generate_entries, EntryKind, PortfolioCollector, StatementConfig, Truth};
use encours_demo::{generate, DemoConfig};
use encours_domain::{Iban, InvoiceId, Siren};
use encours_engines::matching::{auto_matches, CreditLine, MatchConfig, MatchIndex, OpenItem, PayerKey, PayerMemory};
use encours_readers::bank::read_bank_bytes;
use rust_decimal::Decimal;

fn date(s: &str) -> NaiveDate {
    s.parse().expect("test dates are valid")
}

/// `(invoice, amount)` in a canonical order and scale, to compare allocations.
fn canonical(allocs: impl Iterator<Item = (InvoiceId, Decimal)>) -> Vec<(InvoiceId, Decimal)> {
    let mut v: Vec<(InvoiceId, Decimal)> = allocs.map(|(i, a)| (i, a.normalize())).collect();
    v.sort();
    v
}

#[derive(Default)]
struct Tally {
    entries: usize,
    auto_right: usize,
    auto_wrong: usize,
    left: usize,
}

#[test]
fn demo_statements_are_matched_automatically_without_a_single_wrong_allocation() {
    let as_of = date("2026-09-30");
    let seller = Siren::parse("552081317").expect("valid SIREN");
    let mut portfolio = PortfolioCollector::leaving_credit_notes_open_since(date("2026-06-01"));
    let _ = generate(&DemoConfig::new(2026, 400, 20_000, as_of, seller), &mut portfolio);
    let items = portfolio.open_items();

    let mut memory = PayerMemory::new();
    for (client, iban, name) in portfolio.payment_history() {
        if let Some(iban) = iban {
            memory.remember(&PayerKey::Iban(iban.to_string()), *client);
        }
        if let Some(name) = name {
            memory.remember(&PayerKey::Name(name.clone()), *client);
        }
    }

    let cfg = StatementConfig {
        seed: 99,
        account: Iban::parse("FR7630006000011234567890189").expect("valid IBAN"),
        account_owner: "Atelier Démo".to_owned(),
        first_day: date("2026-10-01"),
        days: 22,
        payments: 1_500,
        noise_percent: 10,
    };
    let generated = generate_entries(&items, &cfg);
    let xml = camt053(&generated, &cfg);
    let file = read_bank_bytes("october.camt053.xml", &xml).expect("the bank reader reads the generated statements");
    let truth: BTreeMap<&str, &Truth> = generated.iter().map(|e| (e.bank_ref.as_str(), &e.truth)).collect();

    // What the app feeds the engine: booked credit lines, label and remittance as texts.
    let mut lines = Vec::new();
    let mut line_truth = Vec::new();
    for (n, e) in file.statements.iter().flat_map(|s| &s.entries).enumerate() {
        if !e.credit || e.reversal || e.status.as_deref().is_some_and(|s| s != "BOOK") {
            continue;
        }
        let reference = e.reference.as_deref().expect("every generated entry has its AcctSvcrRef");
        line_truth.push(*truth.get(reference).expect("the truth of every entry"));
        lines.push(CreditLine {
            key: n as u64,
            amount: e.amount,
            booked_on: e.booking_date.expect("booking date"),
            payer_name: e.payer_name.clone(),
            payer_iban: e.payer_account.clone(),
            texts: e.label.iter().chain(&e.remittance).cloned().collect(),
            structured_refs: e.structured_refs.clone(),
        });
    }

    let open: Vec<OpenItem> = items
        .iter()
        .map(|i| OpenItem {
            invoice: i.invoice,
            client: i.client,
            number: i.number.clone(),
            issue_date: i.issue_date,
            due_date: i.due_date,
            outstanding: i.outstanding,
            creditor_ref: i.creditor_ref.as_ref().map(ToString::to_string),
        })
        .collect();
    let index = MatchIndex::build(open);
    let results = auto_matches(&index, &memory, &lines, &MatchConfig::default());

    // MATCHING_SCORE_VERBOSE=1 prints every payment left to a person, to see why.
    let verbose = std::env::var_os("MATCHING_SCORE_VERBOSE").is_some();
    let mut by_kind: BTreeMap<EntryKind, Tally> = BTreeMap::new();
    let mut wrong = Vec::new();
    for ((line, r), t) in lines.iter().zip(&results).zip(&line_truth) {
        let tally = by_kind.entry(t.kind).or_default();
        tally.entries += 1;
        if !r.auto {
            tally.left += 1;
            if verbose && t.kind.is_payment() {
                println!("LEFT {:?}: {line:?}\n  truth {:?}\n  best {:?}", t.kind, t.allocations, r.proposals.first());
            }
            continue;
        }
        let applied = &r.proposals[0];
        let got = canonical(applied.allocations.iter().map(|(i, m)| (*i, m.amount)));
        let expected = canonical(t.allocations.iter().map(|(i, m)| (*i, m.amount)));
        if t.kind.is_payment() && got == expected && Some(applied.client) == t.client {
            tally.auto_right += 1;
        } else {
            tally.auto_wrong += 1;
            wrong.push((line.clone(), t.kind, applied.clone(), expected));
        }
    }

    println!("{:<20} {:>7} {:>7} {:>7} {:>7}", "kind", "entries", "auto ok", "wrong", "left");
    let (mut payments, mut right, mut wrong_count) = (0, 0, 0);
    for (kind, t) in &by_kind {
        println!("{:<20} {:>7} {:>7} {:>7} {:>7}", format!("{kind:?}"), t.entries, t.auto_right, t.auto_wrong, t.left);
        if kind.is_payment() {
            payments += t.entries;
            right += t.auto_right;
        }
        wrong_count += t.auto_wrong;
    }
    let rate = right * 1000 / payments.max(1);
    println!(
        "open items {}, lines {}, payments {payments}, applied right {right} ({}.{} %), wrong {wrong_count}",
        index.len(),
        lines.len(),
        rate / 10,
        rate % 10
    );
    for (line, kind, applied, expected) in wrong.iter().take(10) {
        println!("WRONG {kind:?}: {line:?}\n  applied {applied:?}\n  expected {expected:?}");
    }
    assert!(payments >= 1_400, "the portfolio yields enough payments to score: {payments}");
    assert!(wrong.is_empty(), "{} wrong automatic allocations", wrong.len());
    assert!(rate >= 950, "only {right} of {payments} payments applied automatically");
}
