//! The 212 Encaissée we write (legal-rules B.2, checklist 14): read back by our own CDAR reader
//! with every field intact, element for element the structure of the AFNOR 212 samples of the
//! corpus, and the per-VAT-rate split of a collection.

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::{
    ClientId, Currency, Invoice, InvoiceId, InvoiceTotals, LifecycleStatus, Money, Siren, Source, VatBreakdown,
};
use encours_readers::lifecycle::{
    build_cdar_212, read_cdar_bytes, split_by_vat_rate, CdarBuildError, CdvFlow, Collected, CollectedPart,
    InvoiceReference, OutParty,
};
use proptest::prelude::*;
use quick_xml::events::Event;
use rust_decimal::Decimal;

mod common;

fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("test date-time")
}

fn siren(s: &str) -> Siren {
    Siren::parse(s).expect("valid SIREN")
}

fn d(s: &str) -> Decimal {
    Decimal::from_str_exact(s).expect("decimal")
}

fn eur(s: &str) -> Money {
    Money::eur(d(s))
}

/// The collection of the AFNOR sample UC1 (invoice F202500003, 12 000 € at 20 %), as our app
/// would describe it.
fn uc1(flow: CdvFlow) -> Collected {
    let (sender, recipients) = match flow {
        CdvFlow::BetweenPlatforms => (
            OutParty::platform(None, None),
            vec![OutParty::buyer(&siren("200000008"), "ACHETEUR", Some("200000008")), OutParty::ppf()],
        ),
        CdvFlow::ToPpf => (OutParty::platform(Some("PA-E Vendeur"), Some("0003")), vec![OutParty::ppf()]),
    };
    Collected {
        message_id: match flow {
            CdvFlow::BetweenPlatforms => "F202500003_212_20250701151000#380_20250701".to_owned(),
            CdvFlow::ToPpf => "FFE0614A_CC0238_5118445863362991847".to_owned(),
        },
        message_name: Some("UC1_F202500003_07-CDV-212_Encaissee".to_owned()),
        flow,
        issued_at: dt("2025-08-02 10:05:00"),
        sender,
        issuer: OutParty::seller(&siren("100000009"), "VENDEUR"),
        recipients,
        invoice: InvoiceReference {
            number: "F202500003".to_owned(),
            type_code: 380,
            issue_date: NaiveDate::from_ymd_opt(2025, 7, 1).expect("date"),
            seller_siren: siren("100000009"),
        },
        received_at: Some(dt("2025-07-01 15:10:00")),
        status_at: dt("2025-08-02 10:00:00"),
        parts: vec![CollectedPart { amount: eur("12000"), vat_rate: d("20") }],
    }
}

fn corpus_file(name: &str) -> Vec<u8> {
    common::corpus_files("lifecycle", 19).into_iter().find(|(n, _)| n == name).expect("in corpus").1
}

/// Every element as its path of qualified names with its attribute names, in document order:
/// the structure of a message, without its values.
fn structure(xml: &[u8]) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_reader(xml.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(xml));
    let mut stack: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).expect("well-formed");
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                stack.push(e.name().0.to_owned());
                let mut attrs: Vec<String> = e.attributes().map(|a| a.expect("attribute").key.0.to_owned()).collect();
                attrs.sort();
                out.push(format!("/{} {}", stack.join("/"), attrs.join(" ")).trim_end().to_owned());
                if matches!(event, Event::Empty(_)) {
                    stack.pop();
                }
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

#[test]
fn our_212_has_the_structure_of_the_afnor_samples() {
    for (sample, flow) in [
        ("UC1_F202500003_07-CDV-212_Encaissee.xml", CdvFlow::BetweenPlatforms),
        ("UC4b_F202500010_07-CDV-212_Encaissee.xml", CdvFlow::BetweenPlatforms),
        ("UC1_F202500003_07-CDV-212_Encaissee_POUR_PPF.xml", CdvFlow::ToPpf),
    ] {
        let ours = build_cdar_212(&uc1(flow)).expect("builds");
        let theirs = corpus_file(sample);
        let (a, b) = (structure(ours.as_bytes()), structure(&theirs));
        assert!(a.len() > 40, "{a:?}");
        assert_eq!(a, b, "element paths and attributes of {sample}");
    }
}

#[test]
fn our_212_reads_back_exactly_as_the_afnor_sample_does() {
    for (sample, flow) in [
        ("UC1_F202500003_07-CDV-212_Encaissee.xml", CdvFlow::BetweenPlatforms),
        ("UC1_F202500003_07-CDV-212_Encaissee_POUR_PPF.xml", CdvFlow::ToPpf),
    ] {
        let ours = read_cdar_bytes(sample, build_cdar_212(&uc1(flow)).expect("builds").as_bytes()).expect("reads");
        let theirs = read_cdar_bytes(sample, &corpus_file(sample)).expect("reads");
        // Whole messages compared: ids, dates, parties, status, invoice, amounts, XML paths.
        assert_eq!(ours, theirs, "{sample}");
        assert!(ours.diagnostics.is_empty(), "{:?}", ours.diagnostics);
    }
}

fn several_rates() -> Collected {
    let mut c = uc1(CdvFlow::BetweenPlatforms);
    c.message_id = "F2026-017_212_20260315#386_20260301 <&>".to_owned();
    c.message_name = None;
    c.issuer = OutParty::seller(&siren("100000009"), "Dupont & Fils <SARL>");
    c.invoice = InvoiceReference {
        number: "F2026-017".to_owned(),
        type_code: 386,
        issue_date: NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"),
        seller_siren: siren("100000009"),
    };
    c.received_at = None;
    c.issued_at = dt("2026-03-16 08:00:00");
    c.status_at = dt("2026-03-15 17:45:30");
    // A partial collection of a down-payment invoice at three rates.
    c.parts = vec![
        CollectedPart { amount: eur("310.34"), vat_rate: d("20") },
        CollectedPart { amount: eur("189.66"), vat_rate: d("5.5") },
        CollectedPart { amount: eur("0.004"), vat_rate: d("0") },
    ];
    c
}

#[test]
fn every_field_round_trips_through_our_reader() {
    let input = several_rates();
    let xml = build_cdar_212(&input).expect("builds");
    let m = read_cdar_bytes("out.xml", xml.as_bytes()).expect("reads back");
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    assert_eq!(m.message_id, input.message_id);
    assert_eq!(m.name, None);
    assert_eq!(m.business_process.as_deref(), Some("REGULATED"));
    assert_eq!(m.guideline_id.as_deref(), Some("urn.cpro.gouv.fr:1p0:CDV:invoice"));
    assert_eq!(m.issued_at, Some(input.issued_at));
    let sender = m.sender.as_ref().expect("sender");
    assert_eq!((sender.role.as_deref(), sender.global_ids.len()), (Some("WK"), 0));
    let issuer = m.issuer.as_ref().expect("issuer");
    assert_eq!(issuer.role.as_deref(), Some("SE"));
    assert_eq!(issuer.name.as_deref(), Some("Dupont & Fils <SARL>"), "escaped and restored");
    assert_eq!(issuer.siren.as_ref().map(|s| s.as_str()), Some("100000009"));
    let roles: Vec<_> = m.recipients.iter().map(|p| p.role.as_deref()).collect();
    assert_eq!(roles, [Some("BY"), Some("DFH")]);
    assert_eq!(m.recipients[0].siren.as_ref().map(|s| s.as_str()), Some("200000008"));
    assert_eq!(m.recipients[1].global_ids, [("0238".to_owned(), "9998".to_owned())]);
    assert_eq!(m.acknowledgements.len(), 1);
    let a = &m.acknowledgements[0];
    assert_eq!(a.type_code.as_deref(), Some("23"), "processing phase");
    assert_eq!(a.status_at, Some(input.status_at));
    assert_eq!(a.status, LifecycleStatus::Encaissee);
    assert_eq!(a.status_label.as_deref(), Some("Encaissée"));
    assert_eq!(a.untdid_status.as_deref(), Some("47"));
    assert_eq!(a.invoice_number, "F2026-017");
    assert_eq!(a.invoice_type_code.as_deref(), Some("386"));
    assert_eq!(a.invoice_issue_date, NaiveDate::from_ymd_opt(2026, 3, 1));
    assert_eq!(a.received_at, None);
    assert_eq!(a.seller_siren.as_ref().map(|s| s.as_str()), Some("100000009"));
    assert!(a.reasons.is_empty());
    let parts: Vec<(String, String, Option<String>)> = a
        .amounts
        .iter()
        .map(|x| (x.type_code.clone(), x.amount.to_string(), x.vat_rate.map(|r| r.to_string())))
        .collect();
    assert_eq!(
        parts,
        [
            ("MEN".to_owned(), "310.34 EUR".to_owned(), Some("20.00".to_owned())),
            ("MEN".to_owned(), "189.66 EUR".to_owned(), Some("5.50".to_owned())),
            ("MEN".to_owned(), "0.00 EUR".to_owned(), Some("0.00".to_owned())),
        ],
        "amounts rounded to the cent, rates with two decimals"
    );
    // The event the engines consume carries the same.
    let e = a.to_event(InvoiceId(3)).expect("has a status date-time");
    assert_eq!((e.status, e.at, e.amounts.len()), (LifecycleStatus::Encaissee, input.status_at, 3));
}

#[test]
fn nothing_is_written_without_what_a_212_needs() {
    let base = several_rates();
    let mut c = base.clone();
    c.parts.clear();
    assert_eq!(build_cdar_212(&c), Err(CdarBuildError::NoAmount));
    let mut c = base.clone();
    c.parts[1].vat_rate = d("20");
    assert_eq!(build_cdar_212(&c), Err(CdarBuildError::DuplicateRate(d("20"))));
    let mut c = base.clone();
    c.parts[1].amount = Money::new(d("1"), Currency::parse("USD").expect("code"));
    assert!(matches!(build_cdar_212(&c), Err(CdarBuildError::MixedCurrencies(..))));
    let mut c = base.clone();
    c.parts[0].amount = eur("-1");
    assert!(matches!(build_cdar_212(&c), Err(CdarBuildError::Negative(_))));
    let mut c = base.clone();
    c.parts[0].vat_rate = d("120");
    assert!(matches!(build_cdar_212(&c), Err(CdarBuildError::BadRate(_))));
    let mut c = base.clone();
    c.invoice.number = " ".to_owned();
    assert!(matches!(build_cdar_212(&c), Err(CdarBuildError::Missing(_))));
    let mut c = base;
    c.recipients.clear();
    assert!(matches!(build_cdar_212(&c), Err(CdarBuildError::Missing(_))));
}

/// An invoice with one VAT breakdown line per `(rate, taxable, tax)`.
fn invoice(lines: &[(Option<&str>, &str, &str)]) -> Invoice {
    let total = lines.iter().fold(Decimal::ZERO, |acc, (_, b, t)| acc + d(b) + d(t));
    Invoice {
        vat_breakdown: lines
            .iter()
            .map(|(rate, base, tax)| VatBreakdown {
                category: if rate.is_some() { "S" } else { "O" }.to_owned(),
                rate: rate.map(d),
                taxable_amount: eur(base),
                tax_amount: eur(tax),
                exemption_reason: None,
            })
            .collect(),
        seller_siren: Some(siren("100000009")),
        ..Invoice::simple(
            InvoiceId(1),
            ClientId(1),
            "F1".to_owned(),
            380,
            (NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"), NaiveDate::from_ymd_opt(2026, 3, 31).expect("date")),
            InvoiceTotals::simple(Money::eur(total), Money::eur(total)),
            Source::manual(),
        )
    }
}

fn split(collected: &str, inv: &Invoice) -> Vec<(String, String)> {
    split_by_vat_rate(eur(collected), inv)
        .expect("splits")
        .into_iter()
        .map(|p| (p.amount.amount.to_string(), p.vat_rate.to_string()))
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

#[test]
fn the_xp_z12_014_example_splits_720_at_20_and_440_at_10() {
    // XP Z12-014 §4.2.1: a 1 160 € invoice, part at 20 % and part at 10 %.
    let inv = invoice(&[(Some("20"), "600", "120"), (Some("10"), "400", "40")]);
    assert_eq!(split("1160", &inv), pairs(&[("720.00", "20"), ("440.00", "10")]));
    // A partial collection: pro rata, the remainder on the last rate, the parts add up exactly.
    assert_eq!(split("500", &inv), pairs(&[("310.34", "20"), ("189.66", "10")]));
    assert_eq!(split("0.01", &inv), pairs(&[("0.01", "20"), ("0.00", "10")]));
}

#[test]
fn lines_of_one_rate_go_together_and_out_of_scope_counts_as_zero() {
    let inv = invoice(&[(Some("20.00"), "100", "20"), (None, "30", "0"), (Some("20"), "50", "10")]);
    // 20 %: 120 + 60 = 180 of 210 including VAT; out of scope: 30 of 210.
    assert_eq!(split("100", &inv), pairs(&[("85.71", "20"), ("14.29", "0")]));
}

#[test]
fn a_split_that_cannot_be_made_is_an_error() {
    let inv = invoice(&[]);
    assert!(matches!(split_by_vat_rate(eur("10"), &inv), Err(CdarBuildError::Split(_))));
    let inv = invoice(&[(Some("20"), "0", "0")]);
    assert!(matches!(split_by_vat_rate(eur("10"), &inv), Err(CdarBuildError::Split(_))));
    let inv = invoice(&[(Some("20"), "100", "20")]);
    let usd = Money::new(d("10"), Currency::parse("USD").expect("code"));
    assert!(matches!(split_by_vat_rate(usd, &inv), Err(CdarBuildError::MixedCurrencies(..))));
}

proptest! {
    /// Whatever the breakdown and the collection: the parts add up to the collection exactly,
    /// each within a cent of its exact pro rata share (the last one absorbs the rounding of the
    /// others), and the message built from them reads back with the same amounts.
    #[test]
    fn parts_add_up_exactly(
        lines in prop::collection::vec((0u32..=3, 1i64..10_000_000, 0i64..2_000_000), 1..5),
        collected in 1i64..20_000_000,
    ) {
        let rates = ["20", "10", "5.5", "2.1"];
        let owned: Vec<(Option<&str>, String, String)> = lines
            .iter()
            .map(|(r, b, t)| (Some(rates[*r as usize]), Decimal::new(*b, 2).to_string(), Decimal::new(*t, 2).to_string()))
            .collect();
        let borrowed: Vec<(Option<&str>, &str, &str)> = owned.iter().map(|(r, b, t)| (*r, b.as_str(), t.as_str())).collect();
        let inv = invoice(&borrowed);
        let collected = Money::eur(Decimal::new(collected, 2));
        let parts = split_by_vat_rate(collected, &inv).expect("splits");
        let sum = parts.iter().fold(Decimal::ZERO, |acc, p| acc + p.amount.amount);
        prop_assert_eq!(sum, collected.amount);
        let total: Decimal = lines.iter().map(|(_, b, t)| Decimal::new(*b + *t, 2)).sum();
        let n = Decimal::from(parts.len());
        for p in &parts {
            let of_rate: Decimal = borrowed.iter().filter(|(r, _, _)| r.map(d) == Some(p.vat_rate))
                .map(|(_, b, t)| d(b) + d(t)).sum();
            let exact = collected.amount * of_rate / total;
            prop_assert!((p.amount.amount - exact).abs() <= Decimal::new(1, 2) * n, "{} vs {}", p.amount, exact);
        }
        let mut c = uc1(CdvFlow::BetweenPlatforms);
        c.parts = parts.clone();
        if parts.iter().all(|p| !p.amount.is_negative()) {
            let m = read_cdar_bytes("p.xml", build_cdar_212(&c).expect("builds").as_bytes()).expect("reads");
            let back: Vec<Decimal> = m.acknowledgements[0].amounts.iter().map(|a| a.amount.amount).collect();
            prop_assert_eq!(back, parts.iter().map(|p| p.amount.amount).collect::<Vec<_>>());
        }
    }
}
