//! Every CDAR message of the corpus (`lifecycle/`, the AFNOR samples) read by the readers' CDAR
//! reader, turned into status events and run through the lifecycle engine: each status gives the
//! effects legal-rules B.2 and checklist 13 call for, and each sample use case, replayed in order
//! on one invoice, ends in the state its story tells.
//!
//! Needs `encours-readers` as a dev-dependency of this crate (see the `[[test]]` entry).

use std::collections::BTreeMap;
use std::path::PathBuf;

use encours_domain::{InvoiceId, LifecycleStatus, Money, StatusEvent};
use encours_engines::lifecycle::{effects, Effect, InvoiceState};
use encours_readers::lifecycle::read_cdar_bytes;
use rust_decimal_macros::dec;

/// The shared corpus: `ENCOURS_CORPUS`, else `../shared/corpus` beside the repository. Fails,
/// never skips, when it is missing.
fn corpus() -> PathBuf {
    let p = std::env::var_os("ENCOURS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus")));
    assert!(p.join("lifecycle").is_dir(), "the shared corpus is missing at {}", p.display());
    p
}

/// Every status event of every corpus message, by file name (sorted, so each use case's files
/// come in their numbered order).
fn events() -> BTreeMap<String, Vec<StatusEvent>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(corpus().join("lifecycle")).expect("readable") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name").to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).expect("readable");
        let m = read_cdar_bytes(&name, &bytes).unwrap_or_else(|e| panic!("{e}"));
        let evs: Vec<StatusEvent> =
            m.acknowledgements.iter().map(|a| a.to_event(InvoiceId(1)).expect("status date-time")).collect();
        out.insert(name, evs);
    }
    assert_eq!(out.len(), 19, "the corpus has 19 CDAR messages");
    out
}

fn kinds(e: &[Effect]) -> Vec<&'static str> {
    e.iter().map(Effect::kind).collect()
}

/// The effect kinds each status of the corpus must give on a fresh invoice owing 12 000 €.
fn expected(status: LifecycleStatus) -> Vec<&'static str> {
    use LifecycleStatus::*;
    match status {
        Deposee | RecueParLaPlateforme => vec![],
        MiseADisposition => vec!["made_available"],
        PriseEnCharge | Approuvee => vec!["debt_acknowledged"],
        EnLitige => vec!["open_dispute", "pause_dunning"],
        PaiementTransmis => vec!["hold_dunning_until_matched"],
        Encaissee => vec!["record_collection"],
        Rejetee => vec!["not_collectable", "stop_dunning", "propose_internal_credit_note"],
        Annulee => vec!["cancelled", "stop_dunning"],
        other => panic!("status {} is not in the corpus", other.code()),
    }
}

#[test]
fn every_corpus_status_gives_the_expected_effects() {
    let mut seen = BTreeMap::new();
    for (name, evs) in events() {
        assert_eq!(evs.len(), 1, "{name}: one status per sample");
        for e in &evs {
            let fresh = InvoiceState::new(Money::eur(dec!(12000)));
            let out = effects(e, &fresh);
            assert_eq!(kinds(&out), expected(e.status), "{name}");
            *seen.entry(e.status.code()).or_insert(0) += 1;
            // Repetition: the same status twice gives nothing new.
            let mut s = fresh.clone();
            s.apply(e);
            assert!(s.apply(e).is_empty(), "{name} applied twice");
        }
    }
    let codes: Vec<u16> = seen.keys().copied().collect();
    assert_eq!(codes, [200, 202, 203, 204, 205, 207, 211, 212, 213, 220], "the statuses the corpus covers");
}

#[test]
fn the_amounts_and_reasons_of_the_samples_reach_the_effects() {
    let all = events();
    let one = |n: &str| all.get(n).and_then(|v| v.first()).cloned().expect("in corpus");
    let fresh = InvoiceState::new(Money::eur(dec!(12000)));
    let out = effects(&one("UC1_F202500003_07-CDV-212_Encaissee.xml"), &fresh);
    let Effect::RecordCollection { parts, total, .. } = &out[0] else { panic!("{out:?}") };
    assert_eq!(*total, Money::eur(dec!(12000)));
    assert_eq!(parts[0].vat_rate, Some(dec!(20.00)));
    let out = effects(&one("UC1_F202500003_06-CDV-211_Paiement_transmis.xml"), &fresh);
    assert!(
        matches!(&out[0], Effect::HoldDunningUntilMatched { announced: Some(m), .. } if *m == Money::eur(dec!(12000)))
    );
    let out = effects(&one("UC4_F202500006_04-CDV-207_En_litige.xml"), &fresh);
    let Effect::OpenDispute(d) = &out[0] else { panic!("{out:?}") };
    assert_eq!((d.reason_code.as_deref(), d.action_code.as_deref()), (Some("TX_TVA_ERR"), Some("NIN")));
    let out = effects(&one("UC2_F202500004_02-CDV-213_Rejetee.xml"), &fresh);
    assert!(matches!(&out[0], Effect::NotCollectable { reason_code: Some(c), .. } if c == "DOUBLON"));
    assert_eq!(
        out[2],
        Effect::ProposeInternalCreditNote { status: LifecycleStatus::Rejetee, amount: Money::eur(dec!(12000)) }
    );
}

/// Replays the files of one invoice in their numbered order (the `_POUR_PPF` copies are the same
/// statuses sent to the PPF, so they repeat and must give nothing new).
fn replay(prefixes: &[&str]) -> (InvoiceState, Vec<Vec<&'static str>>) {
    let mut s = InvoiceState::new(Money::eur(dec!(12000)));
    let mut steps = Vec::new();
    for (name, evs) in events() {
        if prefixes.iter().any(|p| name.starts_with(p)) {
            for e in &evs {
                steps.push(kinds(&s.apply(e)));
            }
        }
    }
    (s, steps)
}

#[test]
fn the_sample_use_cases_end_as_their_story_tells() {
    // UC1: deposited, received, made available, taken in charge, approved, paid, collected.
    let (s, steps) = replay(&["UC1_F202500003"]);
    assert_eq!(
        steps,
        [
            vec![],
            vec![], // 200 again, for the PPF
            vec![],
            vec!["made_available"],
            vec!["debt_acknowledged"],
            vec!["debt_acknowledged"],
            vec!["hold_dunning_until_matched"],
            vec!["record_collection"],
            vec![], // 212 again, for the PPF: the same collection, not a second one
        ]
    );
    assert!(s.made_available_at.is_some() && s.dispute.is_none() && s.ended.is_none());
    // UC2: rejected (twice: to the seller and to the PPF): not collectable once.
    let (s, steps) = replay(&["UC2_F202500004"]);
    assert_eq!(steps[1], ["not_collectable", "stop_dunning", "propose_internal_credit_note"]);
    assert!(steps[2].is_empty());
    assert_eq!(s.ended.map(|(st, _)| st), Some(LifecycleStatus::Rejetee));
    // UC4 / UC4b: F202500006 disputed (wrong VAT rate, corrective invoice asked), then cancelled
    // when the corrective invoice F202500010 replaced it.
    let (s, steps) = replay(&["UC4_F202500006", "UC4b_F202500006"]);
    assert_eq!(steps, [vec!["open_dispute", "pause_dunning"], vec!["cancelled", "close_dispute", "stop_dunning"]]);
    assert!(s.dispute.is_none() && s.dunning_on_hold());
}
