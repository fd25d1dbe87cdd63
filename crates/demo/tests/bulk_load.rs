//! The demo's bulk load: a unit of work that starts on an empty ledger drops the analytics
//! triggers, loads, then rebuilds the aggregates set-based and re-creates the triggers in the same
//! transaction. The aggregates must be exactly those the triggers keep row by row, the triggers
//! must be back for the next writes, and a load that does not commit must leave nothing behind.

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use encours_demo::{DemoConfig, DemoSink};
use encours_domain::{Allocation, Client, Dispute, Invoice, Payment, PaymentId, Promise, Siren, StatusEvent};
use encours_store::analytics::aggregates_dump;
use encours_store::queries::{summary, summary_from_tables};
use encours_store::{Dossier, DossierKey, KeySource, LedgerWriter, StoreError};

fn keys() -> KeySource {
    KeySource::Environment(DossierKey::from_hex(&"3c".repeat(32)).unwrap())
}

fn now() -> NaiveDateTime {
    "2026-11-23T10:00:00".parse().unwrap()
}

fn config() -> DemoConfig {
    let today: NaiveDate = "2026-11-23".parse().unwrap();
    DemoConfig::new(11, 60, 3_000, today, Siren::parse("552081317").unwrap())
}

struct Sink<'w, 'd>(&'w mut LedgerWriter<'d>);

impl DemoSink for Sink<'_, '_> {
    type Error = StoreError;
    fn client(&mut self, c: &Client) -> Result<(), StoreError> {
        self.0.client(c)
    }
    fn invoice(&mut self, i: &Invoice) -> Result<(), StoreError> {
        self.0.invoice(i)
    }
    fn payment(&mut self, p: &Payment) -> Result<(), StoreError> {
        self.0.payment(p)
    }
    fn allocation(&mut self, a: &Allocation) -> Result<(), StoreError> {
        self.0.allocation(a)
    }
    fn status(&mut self, s: &StatusEvent) -> Result<(), StoreError> {
        self.0.status(s)
    }
    fn dispute(&mut self, d: &Dispute) -> Result<(), StoreError> {
        self.0.dispute(d)
    }
    fn promise(&mut self, p: &Promise) -> Result<(), StoreError> {
        self.0.promise(p)
    }
}

fn create(dir: &Path, name: &str) -> Dossier {
    Dossier::create(&dir.join(name), &Siren::parse("552081317").unwrap(), "Test SAS", &keys(), now()).unwrap()
}

/// The demo into an empty dossier, in bulk (as the generator does) or forced row by row.
fn demo(d: &mut Dossier, bulk: bool) {
    let mut w = d.writer("demo", now()).unwrap();
    assert!(w.is_bulk(), "a writer on an empty ledger loads in bulk");
    if !bulk {
        w.load_row_by_row().unwrap();
        assert!(!w.is_bulk());
    }
    encours_demo::generate(&config(), &mut Sink(&mut w)).unwrap();
    w.commit("test", "demo.generate", serde_json::json!({})).unwrap();
}

/// A later write (not a bulk one: the ledger is not empty): unmatching a payment moves the flows,
/// the daily allocations and the client's habit, through the triggers.
fn unmatch(d: &mut Dossier) {
    let mut w = d.writer("matching", now()).unwrap();
    assert!(!w.is_bulk(), "a writer on a ledger with records keeps the aggregates row by row");
    assert!(!w.unallocate_payment(PaymentId(1)).unwrap().is_empty(), "payment 1 was applied");
    w.commit("test", "matching.unmatch", serde_json::json!({})).unwrap();
}

#[test]
fn a_bulk_demo_leaves_the_aggregates_the_triggers_keep_row_by_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut bulk = create(dir.path(), "bulk.encours");
    let mut rows = create(dir.path(), "rows.encours");
    demo(&mut bulk, true);
    demo(&mut rows, false);
    let loaded = aggregates_dump(&bulk).unwrap();
    assert!(loaded.len() > 500, "flows, days and clients: {}", loaded.len());
    assert_eq!(loaded, aggregates_dump(&rows).unwrap(), "bulk rebuild = triggers row by row");

    // The triggers are back after the bulk load: the next write moves both dossiers alike.
    unmatch(&mut bulk);
    unmatch(&mut rows);
    let after = aggregates_dump(&bulk).unwrap();
    assert_ne!(after, loaded, "the unmatch moved the aggregates of the bulk-loaded dossier");
    assert_eq!(after, aggregates_dump(&rows).unwrap());
}

#[test]
fn the_summary_read_from_the_aggregates_is_the_one_counted_from_the_tables() {
    let dir = tempfile::tempdir().unwrap();
    let mut bulk = create(dir.path(), "bulk.encours");
    let mut rows = create(dir.path(), "rows.encours");
    let empty = summary(&bulk, "2026-11-23".parse().unwrap()).unwrap();
    assert_eq!(empty, summary_from_tables(&bulk, "2026-11-23".parse().unwrap()).unwrap());
    demo(&mut bulk, true);
    demo(&mut rows, false);
    unmatch(&mut bulk);
    unmatch(&mut rows);
    for day in ["2025-01-01", "2026-06-30", "2026-11-23", "2027-12-31"] {
        let day: NaiveDate = day.parse().unwrap();
        for d in [&bulk, &rows] {
            let s = summary(d, day).unwrap();
            assert_eq!(s, summary_from_tables(d, day).unwrap(), "{day}");
            assert_eq!((s.clients, s.invoices), (60, 3_000));
            assert!(s.payments > 1_000 && s.open_items > 0 && s.overdue_items > 0, "{s:?}");
        }
    }
}

#[test]
fn a_bulk_load_that_does_not_commit_leaves_nothing_and_the_triggers_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = create(dir.path(), "dropped.encours");
    {
        let mut w = d.writer("demo", now()).unwrap();
        assert!(w.is_bulk());
        encours_demo::generate(&config(), &mut Sink(&mut w)).unwrap();
        // Dropped without commit: rolled back, the dropped triggers with it.
    }
    assert!(aggregates_dump(&d).unwrap().is_empty(), "nothing half-written");
    {
        let w = d.writer("demo", now()).unwrap();
        assert!(w.is_bulk(), "still an empty ledger");
    }
    // The same dossier, now loaded row by row: had the triggers been lost with the dropped unit,
    // the unmatch below would not move the aggregates and the dossier would differ from the
    // reference.
    demo(&mut d, false);
    unmatch(&mut d);
    let mut reference = create(dir.path(), "reference.encours");
    demo(&mut reference, true);
    unmatch(&mut reference);
    assert_eq!(aggregates_dump(&d).unwrap(), aggregates_dump(&reference).unwrap());
}
