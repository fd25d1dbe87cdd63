//! The demo's load into a new dossier, in bulk (the analytics triggers dropped, the aggregates
//! rebuilt once at commit: what a writer on an empty ledger does) and row by row through the
//! triggers, timed one after the other on the same machine.
//!
//! ```sh
//! export ENCOURS_KEY_HEX=$(openssl rand -hex 32)
//! cargo run --release -p encours-demo --example bulk_load -- /tmp/bulk 5000 200000
//! ```
//!
//! Prints the wall-clock time of each load and its commit; the dossiers are deleted afterwards.
//! Timings are the only floats here (printing).

use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDateTime;
use encours_demo::{DemoConfig, DemoSink};
use encours_domain::{Allocation, Client, Dispute, Invoice, Payment, Promise, Siren, StatusEvent};
use encours_store::{Dossier, KeySource, LedgerWriter, StoreError};

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

fn main() {
    let mut args = std::env::args().skip(1);
    let base = PathBuf::from(args.next().unwrap_or_else(|| "/tmp/bulk".to_owned()));
    let clients: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5_000);
    let invoices: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let hex = std::env::var("ENCOURS_KEY_HEX").expect("ENCOURS_KEY_HEX (openssl rand -hex 32)");
    let keys = KeySource::Environment(encours_store::DossierKey::from_hex(&hex).expect("a 64-digit hex key"));
    let now: NaiveDateTime = "2026-11-23T09:00:00".parse().expect("a date");
    let siren = Siren::parse("552081317").expect("a SIREN");
    let config = DemoConfig::new(42, clients, invoices, now.date(), siren.clone());
    for bulk in [true, false] {
        let path = base.with_extension(if bulk { "bulk.encours" } else { "rows.encours" });
        let _ = std::fs::remove_file(&path);
        let mut d = Dossier::create(&path, &siren, "Bench SAS", &keys, now).expect("the dossier");
        let started = Instant::now();
        let mut w = d.writer("demo", now).expect("a writer");
        if !bulk {
            w.load_row_by_row().expect("the triggers");
        }
        encours_demo::generate(&config, &mut Sink(&mut w)).expect("the demo");
        let loaded = started.elapsed();
        w.commit("bench", "demo.generate", serde_json::json!({})).expect("commit");
        let total = started.elapsed();
        println!(
            "{:<12} {clients} clients, {invoices} invoices: load {:.1} s, commit {:.1} s, total {:.1} s",
            if bulk { "bulk" } else { "row by row" },
            loaded.as_secs_f64(),
            (total - loaded).as_secs_f64(),
            total.as_secs_f64()
        );
        drop(d);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
