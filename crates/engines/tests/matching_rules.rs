//! One test per rule of the matching engine, on a small ledger whose traps are written out:
//! two clients with an invoice of the same amount, sequence numbers shared across years and
//! clients, an open credit note, a number too long for an RF reference.

use chrono::NaiveDate;
use encours_domain::{ClientId, CreditorRef, Currency, InvoiceId, Money};
use encours_engines::matching::{
    auto_matches, propose, CreditLine, MatchConfig, MatchIndex, NumberMatch, OpenItem, PayerKey, PayerMemory, Proposal,
    Reason,
};
use rust_decimal::Decimal;

const IBAN_LEFEVRE: &str = "FR7630006000011234567890189";

fn d(s: &str) -> NaiveDate {
    s.parse().expect("test dates are valid")
}

fn eur(s: &str) -> Money {
    Money::parse(s, Currency::EUR).expect("test amounts are valid")
}

fn item(id: i64, client: i64, number: &str, issued: &str, due: &str, amount: &str) -> OpenItem {
    OpenItem {
        invoice: InvoiceId(id),
        client: ClientId(client),
        number: number.to_owned(),
        issue_date: d(issued),
        due_date: d(due),
        outstanding: eur(amount),
        creditor_ref: Some(CreditorRef::for_invoice(number, InvoiceId(id)).to_string()),
    }
}

/// Client 1 Boulangerie Lefèvre (IBAN known), client 2 Transports Martin (name known), client 3
/// with a contract number too long for ISO 11649, client 4 numbering with bare digits.
fn ledger() -> MatchIndex {
    MatchIndex::build(vec![
        item(1, 1, "F2026-000101", "2026-03-01", "2026-03-31", "1200.00"),
        item(2, 1, "F2026-000102", "2026-03-31", "2026-04-30", "480.00"),
        item(3, 1, "F2026-000103", "2026-05-01", "2026-05-31", "300.00"),
        item(4, 1, "A2026-000011", "2026-05-10", "2026-05-10", "-80.00"),
        item(5, 2, "F2026-000201", "2026-03-15", "2026-04-15", "1200.00"),
        item(6, 2, "F2025-000102", "2025-11-15", "2025-12-15", "750.00"),
        item(7, 2, "F2026-000123", "2026-04-01", "2026-05-01", "99.90"),
        item(8, 3, "CONTRAT-2026-DIRECTION-REGIONALE-0042", "2026-02-01", "2026-03-01", "5000.00"),
        item(9, 4, "12345", "2026-04-01", "2026-05-01", "640.00"),
        item(10, 4, "F2026-000900", "2026-07-01", "2026-07-31", "310.55"),
    ])
}

fn memory() -> PayerMemory {
    let mut m = PayerMemory::new();
    m.remember(&PayerKey::Iban(IBAN_LEFEVRE.into()), ClientId(1));
    m.remember(&PayerKey::Name("VIR SEPA TRANSPORTS MARTIN".into()), ClientId(2));
    m
}

fn line(amount: &str, texts: &[&str]) -> CreditLine {
    CreditLine {
        key: 1,
        amount: eur(amount),
        booked_on: d("2026-06-10"),
        payer_name: None,
        payer_iban: None,
        texts: texts.iter().map(|t| (*t).to_owned()).collect(),
        structured_refs: Vec::new(),
    }
}

fn best(l: &CreditLine) -> Proposal {
    propose(&ledger(), &memory(), l, &MatchConfig::default())
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("a proposal for {l:?}"))
}

fn allocations(p: &Proposal) -> Vec<(i64, String)> {
    p.allocations.iter().map(|(i, m)| (i.0, m.amount.to_string())).collect()
}

fn has(p: &Proposal, f: impl Fn(&Reason) -> bool) -> bool {
    p.reasons.iter().any(f)
}

#[test]
fn a_structured_rf_reference_settles_its_invoice_with_the_highest_confidence() {
    let mut l = line("1200.00", &[]);
    l.structured_refs = vec![CreditorRef::for_invoice("F2026-000101", InvoiceId(1)).to_string()];
    let p = best(&l);
    assert_eq!((p.client, allocations(&p)), (ClientId(1), vec![(1, "1200.00".into())]));
    assert_eq!(p.confidence, 99, "{p:?}");
    assert!(has(&p, |r| matches!(r, Reason::StructuredReference { invoice: InvoiceId(1), .. })));
    assert!(has(&p, |r| matches!(r, Reason::ExactAmount)));
    assert!(p.unallocated.is_zero());
}

#[test]
fn an_rf_reference_typed_in_the_free_text_with_its_spaces_counts_too() {
    let rf = CreditorRef::for_invoice("F2026-000102", InvoiceId(2));
    let p = best(&line("480.00", &[&format!("VIR RECU {}", rf.to_string().to_lowercase())]));
    assert_eq!(allocations(&p), [(2, "480.00".to_owned())]);
    assert!(has(&p, |r| matches!(r, Reason::StructuredReference { .. })), "{p:?}");
}

#[test]
fn the_id_reference_of_a_number_too_long_for_iso_11649_is_found() {
    let rf = CreditorRef::for_invoice("CONTRAT-2026-DIRECTION-REGIONALE-0042", InvoiceId(8));
    assert_eq!(rf.body(), "ID8");
    let mut l = line("5000.00", &[]);
    l.structured_refs = vec![rf.to_string()];
    let p = best(&l);
    assert_eq!((p.client, allocations(&p)), (ClientId(3), vec![(8, "5000.00".into())]));
    assert_eq!(p.confidence, 99);
}

#[test]
fn an_rf_reference_with_wrong_check_digits_is_not_a_reference() {
    let mut l = line("1200.00", &[]);
    l.structured_refs = vec!["RF00F2026000101".into()];
    let p = best(&l);
    assert!(!has(&p, |r| matches!(r, Reason::StructuredReference { .. })), "{p:?}");
}

#[test]
fn invoice_numbers_are_found_in_the_forms_payers_write_them() {
    for (text, strength, confidence) in [
        ("FACT F2026-000102", NumberMatch::Exact, 96),
        ("REGLEMENT FACTURE F2026000102", NumberMatch::Exact, 96),
        ("f2026-00102", NumberMatch::Exact, 96),
        ("fa 2026/102", NumberMatch::Digits, 93),
        ("FACTURE N°2026-0102 DU 31/03", NumberMatch::Digits, 93),
        ("FA 2026 102", NumberMatch::Digits, 93),
    ] {
        let p = best(&line("480.00", &[text]));
        assert_eq!(allocations(&p), [(2, "480.00".to_owned())], "{text}");
        assert!(
            has(
                &p,
                |r| matches!(r, Reason::InvoiceNumberInText { invoice: InvoiceId(2), strength: s, .. } if *s == strength)
            ),
            "{text}: {p:?}"
        );
        assert_eq!(p.confidence, confidence, "{text}");
    }
}

#[test]
fn a_number_is_never_found_inside_a_longer_one() {
    for text in ["FACT F2026-0001020", "F2026-1102", "REF 123456", "F2026-000102X9"] {
        let ps = propose(&ledger(), &memory(), &line("480.00", &[text]), &MatchConfig::default());
        assert!(
            ps.iter().all(|p| !has(p, |r| matches!(r, Reason::InvoiceNumberInText { invoice: InvoiceId(2), .. }))),
            "{text} must not designate F2026-000102: {ps:?}"
        );
    }
}

#[test]
fn sequence_numbers_alone_need_the_amount_to_close() {
    // "101 et 102": 102 is also the sequence of client 2's F2025-000102, which does not add up.
    let p = best(&line("1680.00", &["REGLEMENT FACTURES 101 ET 102"]));
    assert_eq!((p.client, allocations(&p)), (ClientId(1), vec![(1, "1200.00".into()), (2, "480.00".into())]));
    assert_eq!(p.confidence, 88);
    // The sequence alone with another amount is not evidence enough for a partial payment.
    let ps = propose(&ledger(), &memory(), &line("100.00", &["FACTURE 102"]), &MatchConfig::default());
    assert!(ps.iter().all(|p| p.confidence < 50), "{ps:?}");
}

#[test]
fn a_known_iban_and_an_amount_equal_to_one_open_item() {
    let mut l = line("300.00", &[]);
    l.payer_iban = Some("FR76 3000 6000 0112 3456 7890 189".into());
    let p = best(&l);
    assert_eq!((p.client, allocations(&p)), (ClientId(1), vec![(3, "300.00".into())]));
    assert_eq!(p.confidence, 92);
    assert!(has(&p, |r| matches!(r, Reason::PayerIbanKnown { .. })));
}

#[test]
fn a_known_name_in_another_word_order_with_its_legal_form() {
    let mut l = line("99.90", &["VIREMENT"]);
    l.payer_name = Some("SARL TRANSPORTS MARTIN".into());
    let p = best(&l);
    assert_eq!((p.client, allocations(&p)), (ClientId(2), vec![(7, "99.90".into())]));
    assert_eq!(p.confidence, 88);
    assert!(has(&p, |r| matches!(r, Reason::PayerNameKnown { .. })));
}

#[test]
fn a_combination_of_the_clients_items_oldest_first_credit_notes_included() {
    let mut l = line("1680.00", &[]);
    l.payer_iban = Some(IBAN_LEFEVRE.into());
    let p = best(&l);
    assert_eq!(allocations(&p), [(1, "1200.00".to_owned()), (2, "480.00".to_owned())]);
    assert!(has(&p, |r| matches!(r, Reason::AmountCombination { count: 2 })));
    assert_eq!(p.confidence, 88);
    // 480 + 300 − 80: two invoices net of the credit note.
    l.amount = eur("700.00");
    let p = best(&l);
    let expected = [(2, "480.00".to_owned()), (4, "-80.00".to_owned()), (3, "300.00".to_owned())];
    assert_eq!(allocations(&p), expected, "in due-date order");
    assert!(has(&p, |r| matches!(r, Reason::CreditNoteOffset { credit_note: InvoiceId(4), .. })));
    assert_eq!(p.confidence, 87);
    let total: Decimal = p.allocations.iter().map(|(_, m)| m.amount).sum();
    assert_eq!(total + p.unallocated.amount, l.amount.amount, "allocations add up to the line");
}

#[test]
fn a_partial_payment_leaves_a_residual_on_the_invoice() {
    let p = best(&line("500.00", &["ACOMPTE FACT F2026-000101"]));
    assert_eq!(allocations(&p), [(1, "500.00".to_owned())]);
    assert_eq!(p.residuals, [(InvoiceId(1), eur("700.00"))]);
    assert!(has(&p, |r| matches!(r, Reason::PartialPayment { invoice: InvoiceId(1), .. })));
    assert_eq!(p.confidence, 88);
    // With the digits only and no known payer, a partial payment is left to a person.
    let q = best(&line("500.00", &["fa 2026/101"]));
    assert_eq!(q.confidence, 81);
}

#[test]
fn a_partial_payment_of_several_invoices_settles_the_oldest_first() {
    // No subset of the three makes 1600: 1200 settles the oldest, 400 goes to the next.
    let p = best(&line("1600.00", &["FACT F2026-000103 F2026-000101 F2026-000102"]));
    assert_eq!(allocations(&p), [(1, "1200.00".to_owned()), (2, "400.00".to_owned())]);
    assert_eq!(p.residuals, [(InvoiceId(2), eur("80.00"))]);
    assert_eq!(p.confidence, 88);
}

#[test]
fn an_overpayment_settles_the_invoice_and_leaves_the_rest_unallocated() {
    let p = best(&line("340.00", &["FACT F2026-000103 + INDEMNITE 40 EUR"]));
    assert_eq!(allocations(&p), [(3, "300.00".to_owned())]);
    assert_eq!(p.unallocated, eur("40.00"));
    assert!(has(&p, |r| matches!(r, Reason::Overpayment { .. })));
    assert_eq!(p.confidence, 87);
}

#[test]
fn a_payment_net_of_a_credit_note_uses_the_credit_note() {
    let p = best(&line("400.00", &["FACT F2026-000102"]));
    assert_eq!(allocations(&p), [(2, "480.00".to_owned()), (4, "-80.00".to_owned())]);
    assert!(has(&p, |r| matches!(r, Reason::CreditNoteOffset { credit_note: InvoiceId(4), .. })));
    assert_eq!(p.confidence, 92);
    // Quoting both documents is an exact match.
    let q = best(&line("400.00", &["FACT F2026-000102 AVOIR A2026-000011"]));
    assert_eq!(allocations(&q), allocations(&p));
}

#[test]
fn the_payer_listed_more_invoices_than_it_paid() {
    let p = best(&line("780.00", &["FACTURES F2026-000101 F2026-000102 F2026-000103"]));
    assert_eq!(allocations(&p), [(2, "480.00".to_owned()), (3, "300.00".to_owned())]);
    assert_eq!(p.confidence, 90);
}

#[test]
fn the_amount_alone_is_never_applied_automatically() {
    let ps = propose(&ledger(), &memory(), &line("1200.00", &["VIREMENT"]), &MatchConfig::default());
    assert_eq!(ps.len(), 2, "two clients have an invoice of 1200.00: {ps:?}");
    assert!(ps.iter().all(|p| p.confidence <= 25 && has(p, |r| matches!(r, Reason::AmountOnly { candidates: 2 }))));
    let cfg = MatchConfig { auto_threshold: 0, ..MatchConfig::default() };
    let runs = auto_matches(&ledger(), &memory(), &[line("99.90", &[])], &cfg);
    assert_eq!(runs[0].proposals[0].confidence, 40, "one item of that amount in the ledger");
    assert!(!runs[0].auto, "not even with a threshold of 0");
}

#[test]
fn an_item_issued_after_the_payment_is_not_proposed_on_the_amount() {
    let mut l = line("310.55", &[]);
    l.booked_on = d("2026-06-10");
    assert!(propose(&ledger(), &memory(), &l, &MatchConfig::default()).is_empty());
    l.texts = vec!["FACT F2026-000900".into()];
    assert_eq!(allocations(&best(&l)), [(10, "310.55".to_owned())], "named, it is proposed");
}

#[test]
fn two_close_proposals_are_ambiguous() {
    let mut l = line("1200.00", &[]);
    l.payer_iban = Some(IBAN_LEFEVRE.into());
    l.payer_name = Some("TRANSPORTS MARTIN".into());
    let ps = propose(&ledger(), &memory(), &l, &MatchConfig::default());
    assert_eq!(ps.len(), 2, "{ps:?}");
    assert_eq!((ps[0].client, ps[0].confidence), (ClientId(1), 77), "92 − 15");
    assert!(has(&ps[0], |r| matches!(r, Reason::Ambiguous { runner_up: 88 })));
    assert!(!auto_matches(&ledger(), &memory(), &[l], &MatchConfig::default())[0].auto);
}

#[test]
fn a_payer_known_as_another_client_lowers_the_confidence() {
    let mut l = line("99.90", &["FACT F2026-000123"]);
    l.payer_iban = Some(IBAN_LEFEVRE.into());
    let p = best(&l);
    assert_eq!(p.client, ClientId(2));
    assert_eq!(p.confidence, 90, "96 − 6");
    assert!(has(&p, |r| matches!(r, Reason::PayerKnownAsOtherClient { client: ClientId(1) })));
}

#[test]
fn an_automatic_run_never_gives_the_same_invoice_twice() {
    let mut rf_line = line("300.00", &[]);
    rf_line.key = 2;
    rf_line.structured_refs = vec![CreditorRef::for_invoice("F2026-000103", InvoiceId(3)).to_string()];
    let mut by_iban = line("300.00", &[]);
    by_iban.key = 1;
    by_iban.payer_iban = Some(IBAN_LEFEVRE.into());
    let mut again = line("300.00", &["FACT F2026-000103"]);
    again.key = 3;
    let runs = auto_matches(&ledger(), &memory(), &[by_iban, rf_line, again], &MatchConfig::default());
    assert_eq!(runs.iter().map(|r| r.key).collect::<Vec<_>>(), [1, 2, 3], "results in the order of the lines");
    assert!(runs[1].auto, "the RF line is the strongest and takes the invoice: {:?}", runs[1]);
    assert!(!runs[0].auto && !runs[2].auto, "{runs:?}");
    assert!(
        runs[0].proposals.iter().chain(&runs[2].proposals).all(|p| p.allocations.iter().all(|(i, _)| i.0 != 3)),
        "what is left to a person no longer proposes the invoice taken: {runs:?}"
    );
}

#[test]
fn a_partial_payment_then_the_balance_in_one_run() {
    let mut first = line("500.00", &["ACOMPTE FACT F2026-000101"]);
    first.key = 1;
    let mut second = line("700.00", &["SOLDE FACT F2026-000101"]);
    second.key = 2;
    let runs = auto_matches(&ledger(), &memory(), &[first, second], &MatchConfig::default());
    assert!(runs[0].auto && runs[1].auto, "{runs:?}");
    assert_eq!(allocations(&runs[1].proposals[0]), [(1, "700.00".to_owned())], "the balance, exactly");
}

#[test]
fn learning_a_line_lets_the_next_one_be_recognised() {
    let mut m = memory();
    let mut l = line("640.00", &[]);
    l.payer_name = Some("GARAGE DURAND".into());
    l.payer_iban = Some("FR7610107001011234567890129".into());
    assert!(propose(&ledger(), &m, &l, &MatchConfig::default()).iter().all(|p| p.confidence <= 40));
    let learned = m.learn(&l, ClientId(4));
    assert_eq!(learned.iter().map(PayerKey::kind).collect::<Vec<_>>(), ["iban", "name"]);
    let p = propose(&ledger(), &m, &l, &MatchConfig::default()).remove(0);
    assert_eq!((p.client, p.confidence), (ClientId(4), 92));
}

#[test]
fn lines_that_cannot_be_matched_give_nothing() {
    assert!(propose(&ledger(), &memory(), &line("0.00", &["FACT F2026-000101"]), &MatchConfig::default()).is_empty());
    let mut usd = line("1200.00", &["FACT F2026-000101"]);
    usd.amount = Money::new(usd.amount.amount, Currency::parse("USD").unwrap());
    assert!(propose(&ledger(), &memory(), &usd, &MatchConfig::default()).is_empty(), "no EUR item for a USD line");
    assert!(
        propose(&MatchIndex::build(Vec::new()), &memory(), &line("1.00", &["F1"]), &MatchConfig::default()).is_empty()
    );
}

#[test]
fn reasons_serialise_with_their_tag_and_proposals_have_a_stable_key() {
    let p = best(&line("400.00", &["FACT F2026-000102"]));
    let json = serde_json::to_value(&p).unwrap();
    let kinds: Vec<&str> = json["reasons"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["invoice_number_in_text", "exact_amount", "credit_note_offset"]);
    assert_eq!(json["reasons"][0]["strength"], "exact");
    assert_eq!(json["allocations"][1][1]["amount"], "-80.00", "money as a decimal string");
    assert_eq!(p.key(), "c1:i2=480.00;i4=-80.00");
}

#[test]
fn invoices_added_to_the_referenced_ones_rest_on_the_amount_and_are_left_to_a_person() {
    // The payer quotes F2026-000101 (1200) but pays 1500: with F2026-000103 (300) it adds up.
    let p = best(&line("1500.00", &["FACT F2026-000101"]));
    assert_eq!(allocations(&p), [(1, "1200.00".to_owned()), (3, "300.00".to_owned())]);
    assert!(has(&p, |r| matches!(r, Reason::AmountCombination { count: 2 })));
    assert_eq!(p.confidence, 82, "below the automatic threshold, whatever the payer");
}

#[test]
fn a_combination_made_unique_by_another_line_is_applied_in_the_next_round() {
    let index = MatchIndex::build(vec![
        item(1, 1, "F2026-000001", "2026-01-05", "2026-02-05", "100.00"),
        item(2, 1, "F2026-000002", "2026-01-10", "2026-02-10", "200.00"),
        item(3, 1, "F2026-000003", "2026-01-15", "2026-02-15", "150.00"),
        item(4, 1, "F2026-000004", "2026-01-20", "2026-02-20", "150.00"),
    ]);
    let mut grouped = line("300.00", &[]);
    grouped.key = 1;
    grouped.payer_iban = Some(IBAN_LEFEVRE.into());
    let alone = propose(&index, &memory(), &grouped, &MatchConfig::default());
    assert!(has(&alone[0], |r| matches!(r, Reason::NotUnique)), "100 + 200 and 150 + 150: {alone:?}");
    let mut by_rf = line("200.00", &[]);
    by_rf.key = 2;
    by_rf.structured_refs = vec![CreditorRef::for_invoice("F2026-000002", InvoiceId(2)).to_string()];
    let runs = auto_matches(&index, &memory(), &[grouped, by_rf], &MatchConfig::default());
    assert!(runs[1].auto);
    assert!(runs[0].auto, "once F2026-000002 is paid, only 150 + 150 is left: {:?}", runs[0]);
    assert_eq!(allocations(&runs[0].proposals[0]), [(3, "150.00".to_owned()), (4, "150.00".to_owned())]);
}

#[test]
fn the_index_is_the_same_whatever_the_order_of_items_and_the_threads() {
    // 60,000 items so that the parallel build really uses two threads.
    let mut items: Vec<OpenItem> = (1..=60_000)
        .map(|n| {
            let number = format!("F{}-{:06}", 2025 + n % 2, n);
            let due = if n % 3 == 0 { "2026-04-30" } else { "2026-03-31" };
            item(n, n % 997, &number, "2026-03-01", due, &format!("{}.{:02}", 100 + n % 5_000, n % 100))
        })
        .collect();
    let sequential = MatchIndex::build(items.clone());
    items.reverse();
    let parallel = MatchIndex::build_parallel(items, 2);
    let cfg = MatchConfig::default();
    let mut lines = Vec::new();
    for n in [7, 12_345, 59_999] {
        let number = format!("F{}-{:06}", 2025 + n % 2, n);
        let amount = format!("{}.{:02}", 100 + n % 5_000, n % 100);
        lines.push(line(&amount, &[number.as_str()]));
        let mut by_payer = line(&amount, &[]);
        by_payer.payer_iban = Some(IBAN_LEFEVRE.into());
        lines.push(by_payer);
        lines.push(line(&amount, &["VIREMENT"]));
    }
    let m = memory();
    for l in &lines {
        let a = propose(&sequential, &m, l, &cfg);
        let b = propose(&parallel, &m, l, &cfg);
        // Compared as the caller sees them (item positions inside the index differ).
        assert_eq!(serde_json::to_value(&a).unwrap(), serde_json::to_value(&b).unwrap(), "{l:?}");
        assert!(!a.is_empty(), "{l:?}");
    }
}
