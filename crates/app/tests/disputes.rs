//! Dispute dossiers (issue 8) on encrypted dossiers: a real AFNOR 207 En litige message opens a
//! dispute with the platform's reason and requested action and pauses dunning; the resolution by
//! credit note closes it and resumes nothing for the settled invoice; a rejected claim resumes
//! dunning; a dispute opened by hand gathers evidence, tasks and notes, shows every step in its
//! timeline and exports as one PDF with its PDF evidence appended.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use chrono::NaiveDateTime;
use encours_app::disputes::{self, DisputeFilter, NewDisputeInput, ResolveInput};
use encours_app::{dunning, ErrorCode, ImportReport, KeySource};
use encours_domain::{ClientId, Currency, Invoice, InvoiceId, InvoiceKind, InvoiceTotals, Money, Source};
use encours_store::DossierKey;
use rust_decimal::Decimal;

fn corpus() -> PathBuf {
    let p = std::env::var_os("ENCOURS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    assert!(p.is_dir(), "the shared corpus must sit beside the repository at {}", p.display());
    p
}

fn now() -> NaiveDateTime {
    "2026-11-23T09:30:00".parse().unwrap()
}

fn later(hours: i64) -> NaiveDateTime {
    now() + chrono::Duration::hours(hours)
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn dossier(dir: &Path) -> encours_app::Dossier {
    let keys = KeySource::Environment(DossierKey::from_hex(&"8d".repeat(32)).unwrap());
    encours_app::create_dossier(&dir.join("d.encours"), "552081317", "ACME Industrie", &keys, now()).unwrap()
}

fn import(d: &mut encours_app::Dossier, paths: &[PathBuf]) -> ImportReport {
    let cancel = AtomicBool::new(false);
    encours_app::import_paths(d, paths, now(), &mut |_| {}, &cancel).unwrap()
}

const UC4_INVOICE: &str = "facturx/UC4_F202500006_00-INV_20250701.pdf";
const UC4_207: &str = "lifecycle/UC4_F202500006_04-CDV-207_En_litige.xml";

/// The corpus invoice F202500006, then its 207 En litige: `(invoice id, client id, outstanding)`.
fn invoice_in_dispute(d: &mut encours_app::Dossier) -> (i64, i64, Decimal) {
    let r = import(d, &[corpus().join(UC4_INVOICE)]);
    assert_eq!(r.imported, 1, "{:#?}", r.files);
    let r = import(d, &[corpus().join(UC4_207)]);
    assert_eq!(r.imported, 1, "{:#?}", r.files);
    assert!(r.files[0].message.contains("dispute opened"), "{}", r.files[0].message);
    let mut found = None;
    encours_store::queries::for_each_open_item(d, now().date(), |row| {
        if row.number == "F202500006" {
            found = Some(row.invoice_id);
        }
        Ok(())
    })
    .unwrap();
    let id = found.expect("F202500006 is open");
    let brief = encours_store::money_in::invoice(d, InvoiceId(id)).unwrap().unwrap();
    (id, brief.client.0, brief.outstanding.amount)
}

/// A credit note of the client, as an import or the FEC would store it.
fn credit_note(d: &mut encours_app::Dossier, client: i64, number: &str, amount: Decimal) {
    document(d, client, number, amount, InvoiceKind::CreditNote, 381);
}

/// A document of the client in the ledger.
fn document(
    d: &mut encours_app::Dossier,
    client: i64,
    number: &str,
    amount: Decimal,
    kind: InvoiceKind,
    type_code: u16,
) {
    let mut w = d.writer("test", now()).unwrap();
    let id = w.next_invoice_id().unwrap();
    let m = Money::eur(amount);
    w.invoice(&Invoice {
        kind,
        preceding_invoice: Some("F202500006".to_owned()),
        ..Invoice::simple(
            id,
            ClientId(client),
            number.to_owned(),
            type_code,
            (now().date(), now().date() + chrono::Days::new(30)),
            InvoiceTotals::simple(m, m),
            Source::at("avoir-test.xml", "/CreditNote"),
        )
    })
    .unwrap();
    w.commit("test", "test.credit_note", serde_json::json!({})).unwrap();
}

fn paused_rule(d: &encours_app::Dossier, invoice: i64) -> Option<(String, String)> {
    let p = dunning::dunning_plan(d, now().date()).unwrap();
    p.paused.iter().find(|x| x.invoice_id == Some(invoice)).map(|x| (x.rule.clone(), x.reason.clone()))
}

fn dunned(d: &encours_app::Dossier, invoice: i64) -> bool {
    let p = dunning::dunning_plan(d, now().date()).unwrap();
    p.actions.iter().any(|a| a.invoices.iter().any(|i| i.invoice_id == invoice))
}

#[test]
fn a_corpus_207_opens_a_dispute_with_its_reason_pauses_dunning_and_a_credit_note_closes_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = dossier(dir.path());
    let (invoice, client, outstanding) = invoice_in_dispute(&mut d);

    // Opened, with the platform's reason (TX_TVA_ERR → VAT) and requested action (NIN) kept.
    let list = disputes::dispute_list(&d, &DisputeFilter::default(), now().date()).unwrap();
    assert_eq!(list.disputes.len(), 1, "{:#?}", list.disputes);
    let s = &list.disputes[0];
    assert_eq!((s.origin.as_str(), s.status_code, s.reason.as_str()), ("status", Some(207), "vat"));
    assert_eq!(s.reason_code.as_deref(), Some("TX_TVA_ERR"));
    assert_eq!(s.action_code.as_deref(), Some("NIN"));
    assert_eq!(s.invoices, vec!["F202500006".to_owned()]);
    assert_eq!(s.state, "open");
    assert_eq!(list.kpis.total.open, 1);
    assert_eq!(list.kpis.by_reason[0].key, "vat");
    let view = disputes::dispute(&d, s.id, now().date()).unwrap();
    assert_eq!(view.action_text.as_deref(), Some("Créer une Facture Rectificative"));

    // Dunning is paused for it, by the 207.
    assert_eq!(paused_rule(&d, invoice), Some(("dispute".into(), "207 En litige".into())));
    assert!(!dunned(&d, invoice));

    // The same message again, and under another name: still one dispute.
    let again = import(&mut d, &[corpus().join(UC4_207)]);
    assert_eq!(again.imported, 0, "{:#?}", again.files);
    let copy = dir.path().join("copie-207.xml");
    let mut bytes = std::fs::read(corpus().join(UC4_207)).unwrap();
    bytes.extend_from_slice(b"\n");
    std::fs::write(&copy, bytes).unwrap();
    import(&mut d, &[copy]);
    assert_eq!(disputes::dispute_list(&d, &DisputeFilter::default(), now().date()).unwrap().disputes.len(), 1);

    // Resolution by a credit note of the full amount: allocated, dispute closed, nothing resumed.
    credit_note(&mut d, client, "AV-2026-001", outstanding);
    disputes::resolve_dispute(
        &mut d,
        s.id,
        &ResolveInput {
            outcome: "credit_note".into(),
            credit_note: Some("AV-2026-001".into()),
            note: "taux corrigé par avoir".into(),
            ..ResolveInput::default()
        },
        later(1),
    )
    .unwrap();
    let view = disputes::dispute(&d, s.id, now().date()).unwrap();
    assert_eq!(view.summary.state, "resolved");
    assert_eq!(view.summary.outcome.as_deref(), Some("credit_note"));
    assert_eq!(dec(&view.summary.outstanding), Decimal::ZERO, "the credit note settled the invoice");
    let history: Vec<u16> =
        encours_store::money_in::status_history(&d, InvoiceId(invoice)).unwrap().iter().map(|h| h.0).collect();
    assert!(!history.contains(&209), "nothing is resumed for a settled invoice: {history:?}");
    assert_eq!(paused_rule(&d, invoice), None, "a settled invoice is neither paused…");
    assert!(!dunned(&d, invoice), "…nor dunned");
    let kinds: Vec<&str> = view.timeline.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["status", "opened", "resolved"], "{:#?}", view.timeline);
    assert!(view.timeline[2].text.contains("AV-2026-001"), "{}", view.timeline[2].text);
    let audit = d.audit_entries(5).unwrap();
    assert!(audit.iter().any(|a| a.action == "dispute.resolve"), "the resolution is audited");

    // Resolving twice is refused.
    let twice = disputes::resolve_dispute(
        &mut d,
        s.id,
        &ResolveInput { outcome: "rejected".into(), ..ResolveInput::default() },
        later(2),
    );
    assert_eq!(twice.unwrap_err().code, ErrorCode::InvalidInput);
}

#[test]
fn a_rejected_claim_closes_the_status_dispute_and_dunning_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = dossier(dir.path());
    let (invoice, _, _) = invoice_in_dispute(&mut d);
    let id = disputes::dispute_list(&d, &DisputeFilter::default(), now().date()).unwrap().disputes[0].id;
    disputes::resolve_dispute(
        &mut d,
        id,
        &ResolveInput {
            outcome: "rejected".into(),
            note: "le taux de 20 % est le bon".into(),
            ..ResolveInput::default()
        },
        later(1),
    )
    .unwrap();
    let history: Vec<u16> =
        encours_store::money_in::status_history(&d, InvoiceId(invoice)).unwrap().iter().map(|h| h.0).collect();
    assert!(history.contains(&209), "the seller's 209 Complétée lifts the 207 pause: {history:?}");
    assert_eq!(paused_rule(&d, invoice), None);
    assert!(dunned(&d, invoice), "dunning resumes on the invoice");
    let view = disputes::dispute(&d, id, now().date()).unwrap();
    assert_eq!((view.summary.state.as_str(), view.summary.outcome.as_deref()), ("resolved", Some("rejected")));
}

#[test]
fn a_corrected_invoice_replaces_the_disputed_one_which_is_cancelled_and_never_dunned() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = dossier(dir.path());
    let (invoice, client, outstanding) = invoice_in_dispute(&mut d);
    let id = disputes::dispute_list(&d, &DisputeFilter::default(), now().date()).unwrap().disputes[0].id;
    document(&mut d, client, "F202500006-R", outstanding - dec("500"), InvoiceKind::Corrective, 384);
    let missing = ResolveInput { outcome: "corrected".into(), ..ResolveInput::default() };
    assert_eq!(disputes::resolve_dispute(&mut d, id, &missing, later(1)).unwrap_err().code, ErrorCode::InvalidInput);
    disputes::resolve_dispute(
        &mut d,
        id,
        &ResolveInput {
            outcome: "corrected".into(),
            corrected_invoice: Some("F202500006-R".into()),
            ..ResolveInput::default()
        },
        later(1),
    )
    .unwrap();
    let history: Vec<u16> =
        encours_store::money_in::status_history(&d, InvoiceId(invoice)).unwrap().iter().map(|h| h.0).collect();
    assert!(history.contains(&220), "the replaced invoice gets 220 Annulée (B.2): {history:?}");
    assert_eq!(paused_rule(&d, invoice).map(|p| p.0).as_deref(), Some("cancelled"));
    let view = disputes::dispute(&d, id, now().date()).unwrap();
    assert_eq!(view.summary.invoices, vec!["F202500006".to_owned(), "F202500006-R".to_owned()]);
    assert_eq!(view.summary.outcome.as_deref(), Some("corrected"));
}

#[test]
fn a_dispute_opened_by_hand_gathers_evidence_tasks_and_notes_and_exports_as_one_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = dossier(dir.path());
    let r = import(&mut d, &[corpus().join(UC4_INVOICE)]);
    assert_eq!(r.imported, 1);
    let invoice = disputes::dispute_list(&d, &DisputeFilter::default(), now().date()).unwrap();
    assert!(invoice.disputes.is_empty());
    let mut found = None;
    encours_store::queries::for_each_open_item(&d, now().date(), |row| {
        found = Some(row.invoice_id);
        Ok(())
    })
    .unwrap();
    let invoice = found.unwrap();
    assert!(dunned(&d, invoice), "overdue and dunned before the dispute");

    // Refusals: unknown invoice, amount over what is open, unknown reason.
    let bad = |input: NewDisputeInput, d: &mut encours_app::Dossier| disputes::open_dispute(d, &input, now());
    let e = bad(
        NewDisputeInput { invoice_numbers: vec!["NOPE".into()], reason: "price".into(), ..Default::default() },
        &mut d,
    );
    assert!(e.unwrap_err().message.contains("NOPE"));
    let e = bad(
        NewDisputeInput {
            invoice_numbers: vec!["F202500006".into()],
            reason: "quantity".into(),
            amount: Some("999999".into()),
            ..Default::default()
        },
        &mut d,
    );
    assert_eq!(e.unwrap_err().code, ErrorCode::InvalidInput);
    assert!(bad(NewDisputeInput { invoice_ids: vec![invoice], reason: "météo".into(), ..Default::default() }, &mut d)
        .is_err());

    let id = disputes::open_dispute(
        &mut d,
        &NewDisputeInput {
            invoice_numbers: vec!["F202500006".into()],
            reason: "quantité".into(),
            amount: Some("100.00".into()),
            note: "2 palettes manquantes".into(),
            ..Default::default()
        },
        now(),
    )
    .unwrap();
    let view = disputes::dispute(&d, id, now().date()).unwrap();
    assert_eq!((view.summary.reason.as_str(), view.summary.disputed.as_str()), ("quantity", "100.00"));
    let open = dec(&view.summary.outstanding);
    assert_eq!(dec(view.summary.undisputed.as_deref().unwrap()), open - dec("100"), "the undisputed part");
    assert_eq!(paused_rule(&d, invoice).map(|p| p.0).as_deref(), Some("dispute"), "an open dispute pauses dunning");

    // Evidence: a PDF (its pages are appended to the export) and an e-mail; bytes come back whole.
    let pdf = std::fs::read(corpus().join(UC4_INVOICE)).unwrap();
    let e1 = disputes::attach_evidence(&mut d, id, "bon-de-livraison.pdf", &pdf, "BL signé", later(1)).unwrap();
    assert_eq!((e1.media_type.as_str(), e1.size), ("application/pdf", pdf.len() as u64));
    let eml = dir.path().join("reclamation.eml");
    std::fs::write(&eml, b"From: achats@client.fr\r\nSubject: palettes\r\n\r\nIl manque 2 palettes.\r\n").unwrap();
    let e2 = disputes::attach_evidence_file(&mut d, id, &eml, "", later(2)).unwrap();
    assert_eq!(e2.media_type, "message/rfc822");
    assert_eq!(e2.added_at, later(2).to_string(), "the time added is the one passed in");
    let (_, back) = disputes::evidence_content(&d, e1.id).unwrap();
    assert_eq!(back, pdf);
    let out = disputes::export_evidence(&d, e2.id, dir.path().join("out.eml").as_path()).unwrap();
    assert_eq!(std::fs::read(out).unwrap(), std::fs::read(&eml).unwrap());
    let huge = vec![0u8; disputes::MAX_EVIDENCE_BYTES + 1];
    let e = disputes::attach_evidence(&mut d, id, "scan.tiff", &huge, "", later(2)).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("scan.tiff") && e.message.contains("at most 25 MiB"), "{}", e.message);

    // Tasks: the overdue one is an alert for the dashboard, until done.
    let t1 = disputes::add_dispute_task(&mut d, id, "Obtenir le BL signé", "Claire", "2026-11-20", later(3)).unwrap();
    disputes::add_dispute_task(&mut d, id, "Rappeler l'acheteur", "Marc", "2026-12-15", later(3)).unwrap();
    let alerts = disputes::overdue_dispute_task_alerts(&d, now().date()).unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0].code, "overdueDisputeTask");
    assert!(alerts[0].message.contains("Obtenir le BL signé"), "{}", alerts[0].message);
    // The dashboard shows it among its alerts (issue 8 §4), computed and as the app asks for it.
    let board = encours_app::analytics::compute_dashboard(&d, now().date()).unwrap();
    assert!(board.alerts.iter().any(|a| a.code == "overdueDisputeTask"), "{:#?}", board.alerts);
    let shown = encours_app::analytics::dashboard(&d, now().date()).unwrap();
    assert!(shown.alerts.iter().any(|a| a.code == "overdueDisputeTask"), "{:#?}", shown.alerts);
    disputes::set_dispute_task_state(&mut d, t1, "done", later(4)).unwrap();
    assert!(disputes::overdue_dispute_task_alerts(&d, now().date()).unwrap().is_empty());
    disputes::add_dispute_note(&mut d, id, "call", "l'acheteur confirme le manque", later(5)).unwrap();

    // The PDF: cover, then the evidence PDF's pages.
    let evidence_pages = lopdf::Document::load_mem(&pdf).unwrap().get_pages().len();
    let (path, appended) = disputes::export_dispute_pdf(&d, id, dir.path(), now().date()).unwrap();
    assert_eq!(appended, vec![("bon-de-livraison.pdf".to_owned(), true), ("reclamation.eml".to_owned(), false)]);
    let merged = lopdf::Document::load_mem(&std::fs::read(&path).unwrap()).unwrap();
    assert!(merged.get_pages().len() > evidence_pages, "cover + {evidence_pages} page(s) of evidence");
    let text = merged.extract_text(&[1]).unwrap_or_default();
    assert!(text.contains("Dossier de litige") || text.contains("litige"), "{text}");

    // Partial agreement: the client pays all but the 100 € contested; dunning resumes.
    disputes::resolve_dispute(
        &mut d,
        id,
        &ResolveInput {
            outcome: "partial".into(),
            accepted_amount: Some((open - dec("100")).to_string()),
            note: "geste commercial".into(),
            ..ResolveInput::default()
        },
        later(6),
    )
    .unwrap();
    assert_eq!(paused_rule(&d, invoice), None);
    let view = disputes::dispute(&d, id, now().date()).unwrap();
    let kinds: Vec<&str> = view.timeline.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["opened", "evidence", "evidence", "task", "task", "task_state", "call", "resolved"]);
    assert_eq!(view.summary.outcome.as_deref(), Some("partial"));
    let kpis = disputes::dispute_kpis(&d, now().date() + chrono::Days::new(1)).unwrap();
    assert_eq!((kpis.total.open, kpis.total.resolved), (0, 1));
}

#[test]
fn on_the_demo_the_kpis_count_what_the_analytics_count_and_every_dispute_has_its_opening() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = dossier(dir.path());
    encours_app::generate_demo(
        &mut d,
        encours_app::DemoOptions { seed: 7, clients: 40, invoices: 2_000 },
        now(),
        &mut |_| {},
    )
    .unwrap();
    let as_of = now().date();
    let list = disputes::dispute_list(&d, &DisputeFilter::default(), as_of).unwrap();
    assert!(!list.disputes.is_empty(), "the demo has disputes");
    let open = encours_store::analytics::disputes_open_at(&d, as_of).unwrap();
    assert_eq!(list.kpis.total.open, open.len() as u64, "open disputes, as the dashboard counts them");
    let open_eur: Decimal =
        open.iter().filter(|r| r.currency == Currency::EUR).map(|r| encours_store::from_units(r.amount)).sum();
    assert_eq!(dec(&list.kpis.total.open_amount), open_eur.round_dp(2));
    let by_reason: u64 = list.kpis.by_reason.iter().map(|g| g.open).sum();
    assert_eq!(by_reason, list.kpis.total.open, "the reasons add up to the total");
    let resolved = DisputeFilter { state: Some("resolved".into()), ..DisputeFilter::default() };
    let resolved = disputes::dispute_list(&d, &resolved, as_of).unwrap().disputes;
    assert!(resolved.iter().all(|s| s.state == "resolved" && s.resolved_on.is_some()));
    let first = &list.disputes[0];
    let view = disputes::dispute(&d, first.id, as_of).unwrap();
    assert_eq!(view.timeline.iter().filter(|e| e.kind == "opened").count(), 1, "{:#?}", view.timeline);
}

/// The corpus invoice F202500006 and a 206 on it; returns the dossier's folder with it.
fn partially_approved() -> (tempfile::TempDir, encours_app::Dossier) {
    let dir = tempfile::tempdir().unwrap();
    let mut d = dossier(dir.path());
    assert_eq!(import(&mut d, &[corpus().join(UC4_INVOICE)]).imported, 1);
    // The corpus 207 turned into a 206 Approuvée partiellement (UNTDID 1373 code 49) of 8,000
    // approved and 3,000 not approved, incl. VAT (MDG-43 MAPTTC / MNATTC, legal-rules B.2).
    let xml = std::fs::read_to_string(corpus().join(UC4_207)).unwrap();
    let amounts = r#"<ram:SpecifiedDocumentCharacteristic><ram:TypeCode>MAPTTC</ram:TypeCode><ram:ValueAmount currencyID="EUR">8000</ram:ValueAmount></ram:SpecifiedDocumentCharacteristic>
<ram:SpecifiedDocumentCharacteristic><ram:TypeCode>MNATTC</ram:TypeCode><ram:ValueAmount currencyID="EUR">3000</ram:ValueAmount></ram:SpecifiedDocumentCharacteristic>
</ram:SpecifiedDocumentStatus>"#;
    let xml = xml
        .replace(
            "<ram:ProcessConditionCode>207</ram:ProcessConditionCode>",
            "<ram:ProcessConditionCode>206</ram:ProcessConditionCode>",
        )
        .replace("<ram:StatusCode>46</ram:StatusCode>", "<ram:StatusCode>49</ram:StatusCode>")
        .replace("</ram:SpecifiedDocumentStatus>", amounts);
    assert!(xml.contains(">206<") && xml.contains("MNATTC"));
    let file = dir.path().join("cdv-206.xml");
    std::fs::write(&file, xml).unwrap();
    let r = import(&mut d, &[file]);
    assert_eq!(r.imported, 1, "{:#?}", r.files);
    (dir, d)
}

#[test]
fn a_206_opens_a_dispute_on_the_part_not_approved() {
    let (_dir, d) = partially_approved();
    let list = disputes::dispute_list(&d, &DisputeFilter::default(), now().date()).unwrap();
    assert_eq!(list.disputes.len(), 1, "{:#?}", list.disputes);
    let s = &list.disputes[0];
    assert_eq!(s.status_code, Some(206));
    assert_eq!((s.disputed.as_str(), s.undisputed.as_deref()), ("3000.00", Some("8000.00")));
}

/// The dunning snapshot leaves out the disputes a 206 opened (crates/store/src/dunning.rs
/// `snapshot`): the status replay duns only the approved part, and the open dispute record must not
/// pause the whole invoice.
#[test]
fn after_a_206_the_approved_part_stays_dunned() {
    let (_dir, d) = partially_approved();
    let invoice = InvoiceId(encours_store::disputes::invoices_by_number(&d, "F202500006").unwrap()[0].0 .0);
    assert_eq!(paused_rule(&d, invoice.0), None, "a 206 does not pause the approved part");
    let p = dunning::dunning_plan(&d, now().date()).unwrap();
    let dunned: Vec<_> =
        p.actions.iter().flat_map(|a| a.invoices.iter()).filter(|i| i.invoice_id == invoice.0).collect();
    assert_eq!(dunned.len(), 1);
    assert_eq!(dec(&dunned[0].dunned), dec("8000"), "only the approved part is dunned");
}
