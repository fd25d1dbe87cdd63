//! The dispute dossier's storage: opening (one per status event), evidence, tasks and their
//! overdue list, events, closing.

use super::*;
use crate::{DossierKey, KeySource};
use encours_domain::{
    Client, ClientId, Invoice, InvoiceId, InvoiceTotals, Money, PaymentTerms, PostalAddress, Siren, Source,
};

fn at(s: &str) -> NaiveDateTime {
    s.parse().unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn client(id: i64) -> Client {
    Client {
        id: ClientId(id),
        name: format!("Client {id}"),
        siren: None,
        siret: None,
        vat: None,
        legal_form: None,
        naf: None,
        segment: String::new(),
        owner: String::new(),
        address: PostalAddress::default(),
        contacts: vec![],
        terms: PaymentTerms::default(),
        currency: Currency::EUR,
        since: "2020-01-01".parse().unwrap(),
        is_individual: false,
        source: Source::at("test", format!("client {id}")),
    }
}

fn invoice(id: i64, amount: &str) -> Invoice {
    let m = Money::eur(dec(amount));
    Invoice::simple(
        InvoiceId(id),
        ClientId(1),
        format!("F-{id}"),
        380,
        ("2026-09-01".parse().unwrap(), "2026-10-01".parse().unwrap()),
        InvoiceTotals::simple(m, m),
        Source::at("test.xml", format!("/Invoice[{id}]")),
    )
}

fn dossier(dir: &std::path::Path) -> Dossier {
    let keys = KeySource::Environment(DossierKey::from_hex(&"5d".repeat(32)).unwrap());
    let siren = Siren::parse("552081317").unwrap();
    let mut d =
        Dossier::create(&dir.join("disputes.encours"), &siren, "ACME", &keys, at("2026-11-01T08:00:00")).unwrap();
    let mut w = d.writer("test", at("2026-11-01T08:00:00")).unwrap();
    w.client(&client(1)).unwrap();
    w.invoice(&invoice(1, "1200.00")).unwrap();
    w.invoice(&invoice(2, "300.00")).unwrap();
    w.commit("test", "test.load", serde_json::json!({})).unwrap();
    d
}

fn from_status(code: u16, when: &str) -> NewDispute {
    NewDispute {
        client_id: ClientId(1),
        invoice_ids: vec![InvoiceId(1)],
        reason: DisputeReason::Vat,
        disputed: Money::eur(dec("200.00")),
        invoiced: Money::eur(dec("1200.00")),
        origin: "status".into(),
        status: Some(StatusOrigin {
            invoice_id: 1,
            code,
            at: Some(at(when)),
            reason_code: Some("TX_TVA_ERR".into()),
            reason_text: Some("Taux de TVA erroné".into()),
            action_code: Some("NIN".into()),
            action_text: None,
        }),
        note: String::new(),
        opened_at: at(when),
    }
}

#[test]
fn a_status_opens_one_dispute_that_keeps_the_platform_codes_and_a_second_opening_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = dossier(dir.path());
    let mut w = d.writer("dispute", at("2026-11-02T09:00:00")).unwrap();
    let id = w.open_dispute_record(&from_status(207, "2026-11-02T08:30:00")).unwrap();
    w.dispute_event(id, "opened", "207 En litige", "platform").unwrap();
    w.commit("test", "dispute.open", serde_json::json!({})).unwrap();

    let rec = get(&d, id.0).unwrap().expect("stored");
    assert_eq!(rec.origin, "status");
    assert_eq!(rec.reason, DisputeReason::Vat);
    let s = rec.status.expect("the status that opened it");
    assert_eq!((s.code, s.reason_code.as_deref(), s.action_code.as_deref()), (207, Some("TX_TVA_ERR"), Some("NIN")));
    assert_eq!(rec.invoiced.unwrap() - rec.disputed, dec("1000.00"), "the undisputed part");
    assert_eq!(rec.invoices.len(), 1);

    let mut w = d.writer("dispute", at("2026-11-03T09:00:00")).unwrap();
    let again = w.open_dispute_record(&from_status(207, "2026-11-02T08:30:00"));
    assert!(matches!(again, Err(StoreError::Sql(_))), "one dispute per status event: {again:?}");
    drop(w);
    assert_eq!(all(&d).unwrap().len(), 1);
}

#[test]
fn evidence_tasks_events_and_closing_are_read_back_and_overdue_tasks_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = dossier(dir.path());
    let mut w = d.writer("dispute", at("2026-11-02T09:00:00")).unwrap();
    let mut manual = from_status(0, "2026-11-02T09:00:00");
    manual.origin = "manual".into();
    manual.status = None;
    manual.invoice_ids = vec![InvoiceId(1), InvoiceId(2)];
    let id = w.open_dispute_record(&manual).unwrap();
    let doc = w.document("ab".repeat(32).as_str(), "bl.pdf", "application/pdf", b"%PDF-1.4 bl").unwrap();
    w.dispute_evidence(id, doc, "bl.pdf", "application/pdf", 11, &"ab".repeat(32), "bon de livraison").unwrap();
    let late = w.dispute_task(id, "Obtenir le BL signé", "Claire", "2026-11-05".parse().unwrap()).unwrap();
    let later = w.dispute_task(id, "Rappeler", "Marc", "2026-12-01".parse().unwrap()).unwrap();
    w.dispute_event(id, "note", "le client conteste la quantité", "user").unwrap();
    w.commit("test", "dispute.open", serde_json::json!({})).unwrap();

    let ev = evidence(&d, id.0).unwrap();
    assert_eq!((ev.len(), ev[0].size, ev[0].file_name.as_str()), (1, 11, "bl.pdf"));
    assert_eq!(evidence_item(&d, ev[0].id).unwrap().unwrap(), ev[0]);
    let overdue = overdue_tasks(&d, "2026-11-10".parse().unwrap()).unwrap();
    assert_eq!(overdue.iter().map(|o| o.task.id).collect::<Vec<_>>(), vec![late]);
    assert_eq!(overdue[0].client_name, "Client 1");

    let mut w = d.writer("dispute", at("2026-11-12T10:00:00")).unwrap();
    let (of, _, before) = w.set_dispute_task_state(late, "done").unwrap();
    assert_eq!((of, before.as_str()), (id, "todo"));
    w.close_dispute(id, "rejected", "{}").unwrap();
    w.commit("test", "dispute.resolve", serde_json::json!({})).unwrap();
    assert!(overdue_tasks(&d, "2026-11-10".parse().unwrap()).unwrap().is_empty(), "a done task is not overdue");
    assert_eq!(tasks(&d, id.0).unwrap().iter().find(|t| t.id == later).unwrap().state, "todo");
    let rec = get(&d, id.0).unwrap().unwrap();
    assert_eq!((rec.state.as_str(), rec.outcome.as_deref()), ("resolved", Some("rejected")));
    assert_eq!(rec.resolved_on, Some("2026-11-12".parse().unwrap()));
    assert_eq!(rec.invoices.len(), 2);
    assert_eq!(events(&d, id.0).unwrap()[0].kind, "note");
}
