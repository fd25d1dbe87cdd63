//! The portfolio, the client page and the palette search on the demo dossier: the portfolio's rows
//! add up to the dossier's open and overdue balances, each client's page to its portfolio row; a
//! call note lands in the timeline; the palette finds a client by SIREN and by name, and an invoice
//! by its number.

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use encours_app::portfolio::{self, overdue_bucket, ClientNoteInput};
use encours_app::{DemoOptions, ErrorCode, KeySource};
use encours_store::DossierKey;
use rust_decimal::Decimal;

fn now() -> NaiveDateTime {
    "2026-11-23T09:30:00".parse().unwrap()
}

fn today() -> NaiveDate {
    now().date()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|_| panic!("{s:?} is a decimal string"))
}

fn demo(dir: &Path) -> encours_app::Dossier {
    let keys = KeySource::Environment(DossierKey::from_hex(&"62".repeat(32)).unwrap());
    let mut d = encours_app::create_dossier(
        &dir.join("demo.encours"),
        encours_app::DEMO_COMPANY_SIREN,
        encours_app::DEMO_COMPANY_NAME,
        &keys,
        now(),
    )
    .unwrap();
    encours_app::generate_demo(&mut d, DemoOptions { seed: 7, clients: 60, invoices: 3_000 }, now(), &mut |_| {})
        .unwrap();
    d
}

#[test]
fn the_portfolio_adds_up_to_the_summary_and_each_client_page_to_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path());
    let summary = encours_app::summary(&d, today()).unwrap();
    let view = portfolio::portfolio(&d, today()).unwrap();
    assert_eq!(view.rows.len() as u64, summary.clients);
    let open: Decimal = view.rows.iter().map(|r| dec(&r.outstanding)).sum();
    let overdue: Decimal = view.rows.iter().map(|r| dec(&r.overdue)).sum();
    assert_eq!(open, dec(&summary.open_balance), "open balance");
    assert_eq!(overdue, dec(&summary.overdue_balance), "overdue balance");
    let items: u64 = view.rows.iter().map(|r| u64::from(r.open_items)).sum();
    assert_eq!(items, summary.open_items);
    assert!(view.rows.windows(2).all(|w| w[0].client_id < w[1].client_id), "rows in client-id order");
    assert!(view.rows.iter().any(|r| r.open_disputes > 0), "the demo has open disputes");
    assert!(view.rows.iter().any(|r| r.last_status.is_some()), "the demo has lifecycle statuses");
    assert!(view.rows.iter().any(|r| r.bucket == "d90"), "the demo has items more than 90 days late");
    for r in &view.rows {
        assert_eq!(r.bucket, overdue_bucket(r.oldest_days_overdue));
        assert_eq!(r.oldest_days_overdue > 0, r.bucket != "none");
        assert!(r.grade.is_none(), "not scored yet");
    }

    // Every client's page agrees with its row.
    for r in view.rows.iter().take(25) {
        let page = portfolio::client_page(&d, r.client_id, today()).unwrap();
        assert_eq!(page.identity.name, r.name);
        assert_eq!(page.outstanding, r.outstanding, "{}", r.name);
        assert_eq!(page.overdue, r.overdue, "{}", r.name);
        let open_listed = page.invoices.iter().filter(|i| dec(&i.outstanding) != Decimal::ZERO).count();
        assert_eq!(open_listed as u32, r.open_items, "{}", r.name);
        assert!(page.timeline.windows(2).all(|w| w[0].at >= w[1].at), "timeline newest first");
        for p in &page.payments {
            let allocated: Decimal = p.allocations.iter().map(|a| dec(&a.amount)).sum();
            assert_eq!(allocated + dec(&p.unallocated), dec(&p.amount), "payment {} lettrage", p.id);
        }
    }
}

#[test]
fn grades_appear_once_the_portfolio_is_scored() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    encours_app::scoring::score_run(&mut d, today(), now(), &mut |_| {}).unwrap();
    let view = portfolio::portfolio(&d, today()).unwrap();
    assert!(view.rows.iter().all(|r| r.grade.is_some() && r.score.is_some()));
    let first = &view.rows[0];
    let page = portfolio::client_page(&d, first.client_id, today()).unwrap();
    let score = page.score.expect("a score on the page");
    assert_eq!(Some(score.grade.clone()), first.grade);
    assert!(!score.reasons.is_empty());
}

#[test]
fn a_call_note_lands_in_the_timeline_and_the_audit_journal() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let client = portfolio::portfolio(&d, today()).unwrap().rows[3].client_id;
    let note = ClientNoteInput { kind: "call".into(), text: "Promet un virement vendredi".into() };
    portfolio::add_client_note(&mut d, client, &note, now()).unwrap();
    let page = portfolio::client_page(&d, client, today()).unwrap();
    let first = &page.timeline[0];
    assert_eq!((first.kind.as_str(), first.title.as_str()), ("call", "Promet un virement vendredi"));
    assert!(d.audit_entries(5).unwrap().iter().any(|e| e.action == "client.note"));

    let empty = ClientNoteInput { kind: "note".into(), text: "  ".into() };
    assert_eq!(portfolio::add_client_note(&mut d, client, &empty, now()).unwrap_err().code, ErrorCode::InvalidInput);
    let bad = ClientNoteInput { kind: "sms".into(), text: "x".into() };
    assert_eq!(portfolio::add_client_note(&mut d, client, &bad, now()).unwrap_err().code, ErrorCode::InvalidInput);
    assert_eq!(portfolio::add_client_note(&mut d, 999_999, &note, now()).unwrap_err().code, ErrorCode::InvalidInput);
    assert_eq!(portfolio::client_page(&d, 999_999, today()).unwrap_err().code, ErrorCode::InvalidInput);
}

#[test]
fn the_palette_finds_clients_by_siren_and_name_and_invoices_by_number() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path());
    let rows = portfolio::portfolio(&d, today()).unwrap().rows;
    let with_siren = rows.iter().find(|r| r.siren.is_some()).unwrap();
    let siren = with_siren.siren.clone().unwrap();
    let found = portfolio::palette_search(&d, &siren[..6], 10).unwrap();
    assert!(found.clients.iter().any(|c| c.id == with_siren.client_id), "by SIREN prefix");
    let word = with_siren.name.split_whitespace().next().unwrap().to_lowercase();
    let found = portfolio::palette_search(&d, &word, 50).unwrap();
    assert!(found.clients.iter().all(|c| c.name.to_lowercase().contains(&word)));
    assert!(found.clients.iter().any(|c| c.id == with_siren.client_id), "by name, any case");

    let page = portfolio::client_page(&d, with_siren.client_id, today()).unwrap();
    let number = page.invoices[0].number.clone();
    let found = portfolio::palette_search(&d, &number, 10).unwrap();
    assert!(found.invoices.iter().any(|i| i.number == number && i.client_id == with_siren.client_id));
    assert!(portfolio::palette_search(&d, "   ", 10).unwrap().clients.is_empty());
    // LIKE wildcards are searched as themselves.
    assert!(portfolio::palette_search(&d, "%", 10).unwrap().clients.is_empty());
}

#[test]
fn the_portfolio_follows_a_change_of_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let before = portfolio::portfolio(&d, today()).unwrap();
    let quiet = before.rows.iter().find(|r| r.open_disputes == 0 && r.open_items > 0).unwrap();
    let input = encours_app::disputes::NewDisputeInput {
        invoice_ids: Vec::new(),
        invoice_numbers: Vec::new(),
        client_id: Some(quiet.client_id),
        reason: "price".into(),
        amount: None,
        note: "Prix contesté".into(),
    };
    encours_app::disputes::open_dispute(&mut d, &input, now()).unwrap();
    let after = portfolio::portfolio(&d, today()).unwrap();
    let row = after.rows.iter().find(|r| r.client_id == quiet.client_id).unwrap();
    assert_eq!(row.open_disputes, 1, "served again only while the ledger version stays the same");
    assert_eq!(portfolio::portfolio(&d, today()).unwrap(), after);
}

#[test]
fn a_client_plan_is_the_client_part_of_today_plan() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path());
    let plan = encours_app::dunning::dunning_plan(&d, today()).unwrap();
    let first = plan.actions.first().expect("the demo has reminders due today");
    let mine = portfolio::client_plan(&d, first.client_id, today()).unwrap();
    let expected: Vec<_> = plan.actions.iter().filter(|a| a.client_id == first.client_id).cloned().collect();
    assert_eq!(mine.actions, expected);
    assert!(mine.paused.iter().all(|p| p.client_id == first.client_id));
}
