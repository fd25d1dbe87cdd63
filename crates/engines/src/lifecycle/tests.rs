//! One test per status (legal-rules B.2, checklist 13), then the order and repetition rules.

use chrono::NaiveDateTime;
use encours_domain::{DisputeReason, InvoiceId, LifecycleStatus, Money, Source, StatusAmount, StatusEvent};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use LifecycleStatus::*;

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("test date-time")
}

fn ev(status: LifecycleStatus, when: &str) -> StatusEvent {
    StatusEvent {
        invoice_id: InvoiceId(7),
        status,
        at: at(when),
        reason_code: None,
        reason: None,
        action_code: None,
        action: None,
        amounts: Vec::new(),
        source: Source::at("test.xml", ""),
    }
}

fn amount(type_code: &str, value: Decimal, rate: Option<Decimal>) -> StatusAmount {
    StatusAmount { type_code: type_code.to_owned(), amount: Money::eur(value), vat_rate: rate }
}

fn with(mut e: StatusEvent, amounts: Vec<StatusAmount>) -> StatusEvent {
    e.amounts = amounts;
    e
}

fn disputed(mut e: StatusEvent, code: &str, action: &str) -> StatusEvent {
    e.reason_code = Some(code.to_owned());
    e.reason = Some("Taux de TVA erroné".to_owned());
    e.action_code = Some(action.to_owned());
    e.action = Some("Créer une Facture Rectificative".to_owned());
    e
}

fn state() -> InvoiceState {
    InvoiceState::new(Money::eur(dec!(1200.00)))
}

fn kinds(effects: &[Effect]) -> Vec<&'static str> {
    effects.iter().map(Effect::kind).collect()
}

#[test]
fn made_available_203_records_the_earliest_date() {
    let mut s = state();
    assert_eq!(
        s.apply(&ev(MiseADisposition, "2025-07-01 16:25")),
        [Effect::MadeAvailable { at: at("2025-07-01 16:25") }]
    );
    assert_eq!(s.made_available_at, Some(at("2025-07-01 16:25")));
    assert!(s.apply(&ev(MiseADisposition, "2025-07-02 09:00")).is_empty(), "a later 203 changes nothing");
    assert_eq!(
        s.apply(&ev(MiseADisposition, "2025-07-01 08:00")),
        [Effect::MadeAvailable { at: at("2025-07-01 08:00") }]
    );
    assert_eq!(s.made_available_at, Some(at("2025-07-01 08:00")));
    assert!(!s.dunning_on_hold());
}

#[test]
fn taken_in_charge_204_and_approved_205_are_evidence_only() {
    let mut s = state();
    for status in [PriseEnCharge, Approuvee] {
        assert_eq!(
            s.apply(&ev(status, "2025-07-02 10:00")),
            [Effect::DebtAcknowledged { status, at: at("2025-07-02 10:00") }]
        );
    }
    assert!(!s.dunning_on_hold());
    assert_eq!(s.dispute, None);
}

#[test]
fn disputed_207_opens_a_dispute_with_reason_and_action_and_pauses_dunning() {
    let mut s = state();
    let e = disputed(ev(EnLitige, "2025-07-01 18:00"), "TX_TVA_ERR", "NIN");
    let out = s.apply(&e);
    assert_eq!(kinds(&out), ["open_dispute", "pause_dunning"]);
    let Effect::OpenDispute(d) = &out[0] else { panic!("{out:?}") };
    assert_eq!(d.reason, DisputeReason::Vat);
    assert_eq!(d.reason_code.as_deref(), Some("TX_TVA_ERR"));
    assert_eq!(d.action_code.as_deref(), Some("NIN"));
    assert_eq!(d.disputed, None, "no amount: the whole invoice");
    assert!(s.dunning_on_hold());
    // A newer 207 (another reason) updates it; dunning is already paused.
    let out = s.apply(&disputed(ev(EnLitige, "2025-07-03 09:00"), "QTE_ERR", "CNF"));
    assert_eq!(kinds(&out), ["update_dispute"]);
    let Effect::UpdateDispute(d) = &out[0] else { panic!("{out:?}") };
    assert_eq!(d.reason, DisputeReason::Quantity);
}

#[test]
fn a_207_with_a_non_approved_amount_disputes_that_amount_including_vat() {
    let e = with(ev(EnLitige, "2025-07-01 18:00"), vec![amount("MNA", dec!(100), Some(dec!(20)))]);
    let out = effects(&e, &state());
    let Effect::OpenDispute(d) = &out[0] else { panic!("{out:?}") };
    assert_eq!(d.disputed, Some(Money::eur(dec!(120.00))));
}

#[test]
fn suspended_208_pauses_and_completed_209_closes_and_resumes() {
    let mut s = state();
    let mut e = ev(Suspendue, "2025-07-01 18:00");
    e.reason_code = Some("JUSTIF_ABS".to_owned());
    assert_eq!(kinds(&s.apply(&e)), ["open_dispute", "pause_dunning"]);
    assert!(s.dunning_on_hold());
    let out = s.apply(&ev(Completee, "2025-07-04 10:00"));
    assert_eq!(
        out,
        [
            Effect::CloseDispute { status: Completee, at: at("2025-07-04 10:00") },
            Effect::ResumeDunning { at: at("2025-07-04 10:00") }
        ]
    );
    assert_eq!(s.dispute, None);
    assert!(!s.dunning_on_hold());
}

#[test]
fn completed_209_without_a_dispute_does_nothing() {
    assert!(effects(&ev(Completee, "2025-07-04 10:00"), &state()).is_empty());
}

#[test]
fn partially_approved_206_splits_approved_and_not_approved() {
    let mut s = state();
    let e = with(
        ev(ApprouveePartiellement, "2025-07-02 10:00"),
        vec![amount("MAPTTC", dec!(800.00), None), amount("MNATTC", dec!(400.00), None)],
    );
    let out = s.apply(&e);
    assert_eq!(kinds(&out), ["split_approval", "open_dispute"]);
    assert_eq!(
        out[0],
        Effect::SplitApproval {
            at: at("2025-07-02 10:00"),
            approved: Money::eur(dec!(800.00)),
            not_approved: Money::eur(dec!(400.00))
        }
    );
    let Effect::OpenDispute(d) = &out[1] else { panic!("{out:?}") };
    assert_eq!(d.disputed, Some(Money::eur(dec!(400.00))));
    assert!(!s.dunning_on_hold(), "the approved part is still dunned");
}

#[test]
fn partially_approved_206_derives_the_missing_side_from_the_outstanding() {
    // Only the non-approved part, excluding VAT at two rates: 100 at 20 % and 200 at 10 %.
    let e = with(
        ev(ApprouveePartiellement, "2025-07-02 10:00"),
        vec![amount("MNA", dec!(100), Some(dec!(20))), amount("MNA", dec!(200), Some(dec!(10)))],
    );
    let out = effects(&e, &state());
    assert_eq!(
        out[0],
        Effect::SplitApproval {
            at: at("2025-07-02 10:00"),
            approved: Money::eur(dec!(860.00)),
            not_approved: Money::eur(dec!(340.00))
        }
    );
    // Only the approved part, the whole outstanding: nothing disputed, no dispute opened.
    let e = with(ev(ApprouveePartiellement, "2025-07-02 10:00"), vec![amount("MAPTTC", dec!(1200.00), None)]);
    assert_eq!(kinds(&effects(&e, &state())), ["split_approval"]);
}

#[test]
fn partially_approved_206_without_usable_amounts_needs_review() {
    for amounts in [
        vec![],
        vec![amount("MAP", dec!(100), None)],
        vec![amount("MNATTC", dec!(5000), None)],
        vec![StatusAmount {
            type_code: "MAPTTC".into(),
            amount: Money::new(dec!(1), "USD".parse().unwrap()),
            vat_rate: None,
        }],
    ] {
        let out = effects(&with(ev(ApprouveePartiellement, "2025-07-02 10:00"), amounts.clone()), &state());
        assert_eq!(kinds(&out), ["needs_review"], "{amounts:?}");
    }
}

#[test]
fn refused_210_and_rejected_213_make_it_not_collectable_and_propose_an_internal_credit_note() {
    for status in [Refusee, Rejetee] {
        let mut s = state();
        let mut e = ev(status, "2025-07-01 16:10");
        e.reason_code = Some("DOUBLON".to_owned());
        let out = s.apply(&e);
        assert_eq!(kinds(&out), ["not_collectable", "stop_dunning", "propose_internal_credit_note"], "{status:?}");
        assert_eq!(out[2], Effect::ProposeInternalCreditNote { status, amount: Money::eur(dec!(1200.00)) });
        let Effect::NotCollectable { reason_code, .. } = &out[0] else { panic!() };
        assert_eq!(reason_code.as_deref(), Some("DOUBLON"));
        assert_eq!(s.ended, Some((status, at("2025-07-01 16:10"))));
        assert!(s.dunning_on_hold());
    }
    // Nothing outstanding (already settled): nothing to cancel.
    let settled = InvoiceState::new(Money::eur(dec!(0)));
    assert_eq!(kinds(&effects(&ev(Refusee, "2025-07-01 16:10"), &settled)), ["not_collectable", "stop_dunning"]);
}

#[test]
fn a_refusal_closes_an_open_dispute() {
    let mut s = state();
    s.apply(&disputed(ev(EnLitige, "2025-07-01 18:00"), "TX_TVA_ERR", "NIN"));
    let out = s.apply(&ev(Refusee, "2025-07-02 18:00"));
    assert_eq!(kinds(&out), ["not_collectable", "close_dispute", "stop_dunning", "propose_internal_credit_note"]);
    assert_eq!(s.dispute, None);
}

#[test]
fn payment_transmitted_211_holds_dunning_until_matched() {
    let mut s = state();
    let e = with(ev(PaiementTransmis, "2025-07-30 10:00"), vec![amount("MPA", dec!(1200), None)]);
    assert_eq!(
        s.apply(&e),
        [Effect::HoldDunningUntilMatched { at: at("2025-07-30 10:00"), announced: Some(Money::eur(dec!(1200))) }]
    );
    assert!(s.dunning_on_hold());
    // Without an amount (the UC4b sample) the hold stands all the same.
    assert_eq!(
        effects(&ev(PaiementTransmis, "2025-07-30 10:00"), &state()),
        [Effect::HoldDunningUntilMatched { at: at("2025-07-30 10:00"), announced: None }]
    );
}

#[test]
fn collected_212_records_men_amounts_per_rate_and_each_partial_collection() {
    let mut s = state();
    let first = with(
        ev(Encaissee, "2025-08-02 10:00"),
        vec![amount("MEN", dec!(720), Some(dec!(20))), amount("MEN", dec!(440), Some(dec!(10)))],
    );
    let out = s.apply(&first);
    let Effect::RecordCollection { parts, total, .. } = &out[0] else { panic!("{out:?}") };
    assert_eq!(parts.len(), 2);
    assert_eq!(*total, Money::eur(dec!(1160)));
    assert_eq!(s.outstanding, Money::eur(dec!(1200.00)), "no ledger change from the status itself");
    let second = with(ev(Encaissee, "2025-08-20 10:00"), vec![amount("MEN", dec!(40), Some(dec!(20)))]);
    assert_eq!(kinds(&s.apply(&second)), ["record_collection"], "a second partial collection is recorded too");
    let none = with(ev(Encaissee, "2025-08-02 10:00"), vec![amount("MPA", dec!(720), None)]);
    assert_eq!(kinds(&effects(&none, &state())), ["needs_review"], "BR-FR-CDV-14: at least one MEN");
}

#[test]
fn cancelled_220_closes_the_invoice_and_its_dispute() {
    let mut s = state();
    s.apply(&disputed(ev(EnLitige, "2025-07-01 18:00"), "TX_TVA_ERR", "NIN"));
    let out = s.apply(&ev(Annulee, "2025-07-02 16:05"));
    assert_eq!(kinds(&out), ["cancelled", "close_dispute", "stop_dunning"]);
    assert_eq!(out[0], Effect::Cancelled { at: at("2025-07-02 16:05"), outstanding: Money::eur(dec!(1200.00)) });
    assert_eq!(s.ended, Some((Annulee, at("2025-07-02 16:05"))));
    assert_eq!(s.dispute, None);
}

#[test]
fn transmission_and_technical_statuses_have_no_effect_and_routing_errors_need_review() {
    for status in [Deposee, EmiseParLaPlateforme, RecueParLaPlateforme, Recevable, Irrecevable, Unknown(299)] {
        assert!(effects(&ev(status, "2025-07-01 15:10"), &state()).is_empty(), "{status:?}");
    }
    assert_eq!(kinds(&effects(&ev(ErreurRoutage, "2025-07-01 15:10"), &state())), ["needs_review"]);
}

/// Every status of the table, applied twice: the second time gives nothing and leaves the state
/// as it was.
#[test]
fn applying_the_same_status_twice_gives_no_new_effect() {
    let amounts = vec![
        amount("MEN", dec!(1200), Some(dec!(20))),
        amount("MPA", dec!(1200), None),
        amount("MNATTC", dec!(200), None),
    ];
    let mut with_effect = 0;
    for status in LifecycleStatus::ALL {
        let mut s = state();
        let e = with(disputed(ev(status, "2025-07-05 10:00"), "TX_TVA_ERR", "NIN"), amounts.clone());
        if !s.apply(&e).is_empty() {
            with_effect += 1;
        }
        let before = s.clone();
        assert!(s.apply(&e).is_empty(), "{status:?} twice");
        assert_eq!(s, before, "{status:?}: the repetition leaves the state as it was");
    }
    assert_eq!(with_effect, 12, "203-213 and 220, 221 have effects");
}

#[test]
fn an_older_status_does_not_reopen_what_a_newer_one_settled() {
    // 209 (newer) arrives before the 208 it completes: the late 208 does not open a dispute.
    let mut s = state();
    assert!(s.apply(&ev(Completee, "2025-07-04 10:00")).is_empty());
    assert!(s.apply(&ev(Suspendue, "2025-07-03 10:00")).is_empty());
    assert!(!s.dunning_on_hold());
    // A late 209 does not close a newer 207.
    let mut s = state();
    s.apply(&disputed(ev(EnLitige, "2025-07-05 10:00"), "TX_TVA_ERR", "NIN"));
    assert!(s.apply(&ev(Completee, "2025-07-04 10:00")).is_empty());
    assert!(s.dispute.is_some());
    // After an end, nothing reopens, older or newer; 203 and 212 are still recorded.
    let mut s = state();
    s.apply(&ev(Annulee, "2025-07-02 16:05"));
    for e in [
        disputed(ev(EnLitige, "2025-07-01 18:00"), "TX_TVA_ERR", "NIN"),
        disputed(ev(EnLitige, "2025-07-03 18:00"), "TX_TVA_ERR", "NIN"),
        ev(PaiementTransmis, "2025-07-30 10:00"),
        ev(Refusee, "2025-07-03 10:00"),
        ev(Approuvee, "2025-07-03 10:00"),
    ] {
        assert!(s.apply(&e).is_empty(), "{:?} after 220", e.status);
    }
    assert_eq!(s.dispute, None);
    assert_eq!(s.ended, Some((Annulee, at("2025-07-02 16:05"))), "the first end stays");
    assert_eq!(kinds(&s.apply(&ev(MiseADisposition, "2025-07-01 16:25"))), ["made_available"]);
    let men = with(ev(Encaissee, "2025-08-02 10:00"), vec![amount("MEN", dec!(100), Some(dec!(20)))]);
    assert_eq!(kinds(&s.apply(&men)), ["record_collection"]);
}
