//! Generates the benchmark portfolio (2,000,000 invoices, 50,000 clients) into a sink that only
//! counts, and prints how long generation alone takes.
//!
//! `cargo run --release -p encours-demo --example throughput [invoices] [clients]`
//!
//! A second pass, not timed, prints the portfolio's shape (open balance, DSO, aged balance) as a
//! credit manager would read it.

use std::time::Instant;

use chrono::NaiveDate;
use encours_demo::{generate, DemoConfig, DemoSink};
use encours_domain::{Allocation, Client, Dispute, Invoice, InvoiceKind, Payment, Promise, Siren, StatusEvent};
use rust_decimal::Decimal;

/// Counts records and looks at one field of each, so the optimiser cannot skip building them.
#[derive(Default)]
struct Counting {
    records: u64,
    touched: u64,
}

impl DemoSink for Counting {
    type Error = std::convert::Infallible;
    fn client(&mut self, c: &Client) -> Result<(), Self::Error> {
        self.records += 1;
        self.touched += c.name.len() as u64;
        Ok(())
    }
    fn invoice(&mut self, i: &Invoice) -> Result<(), Self::Error> {
        self.records += 1;
        self.touched += i.number.len() as u64;
        Ok(())
    }
    fn payment(&mut self, p: &Payment) -> Result<(), Self::Error> {
        self.records += 1;
        self.touched += p.remittance.as_ref().map_or(0, |r| r.len() as u64);
        Ok(())
    }
    fn allocation(&mut self, a: &Allocation) -> Result<(), Self::Error> {
        self.records += 1;
        self.touched += a.invoice_id.0 as u64 & 1;
        Ok(())
    }
    fn status(&mut self, s: &StatusEvent) -> Result<(), Self::Error> {
        self.records += 1;
        self.touched += u64::from(s.status.code());
        Ok(())
    }
    fn dispute(&mut self, d: &Dispute) -> Result<(), Self::Error> {
        self.records += 1;
        self.touched += d.note.len() as u64;
        Ok(())
    }
    fn promise(&mut self, p: &Promise) -> Result<(), Self::Error> {
        self.records += 1;
        self.touched += p.invoice_ids.len() as u64;
        Ok(())
    }
}

/// Open balance per invoice, for the shape report.
struct Shape {
    as_of: NaiveDate,
    /// Per invoice id: (amount due in cents, allocated cents, issue date, due date); credit notes skipped.
    invoices: Vec<Option<(i64, i64, NaiveDate, NaiveDate)>>,
}

fn cents(d: Decimal) -> i64 {
    (d * Decimal::ONE_HUNDRED).try_into().unwrap_or(0)
}

impl DemoSink for Shape {
    type Error = std::convert::Infallible;
    fn client(&mut self, _: &Client) -> Result<(), Self::Error> {
        Ok(())
    }
    fn invoice(&mut self, i: &Invoice) -> Result<(), Self::Error> {
        let row = (i.kind != InvoiceKind::CreditNote)
            .then(|| (cents(i.totals.due_payable.amount), 0, i.issue_date, i.due_date));
        self.invoices.push(row);
        Ok(())
    }
    fn payment(&mut self, _: &Payment) -> Result<(), Self::Error> {
        Ok(())
    }
    fn allocation(&mut self, a: &Allocation) -> Result<(), Self::Error> {
        if let Some(Some(row)) = self.invoices.get_mut(a.invoice_id.0 as usize - 1) {
            row.1 += cents(a.amount.amount);
        }
        Ok(())
    }
    fn status(&mut self, _: &StatusEvent) -> Result<(), Self::Error> {
        Ok(())
    }
    fn dispute(&mut self, _: &Dispute) -> Result<(), Self::Error> {
        Ok(())
    }
    fn promise(&mut self, _: &Promise) -> Result<(), Self::Error> {
        Ok(())
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let invoices: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000_000);
    let clients: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(50_000);
    let as_of = NaiveDate::from_ymd_opt(2027, 3, 31).expect("valid date");
    let seller = Siren::parse("552081317").expect("valid SIREN");
    let cfg = DemoConfig::new(42, clients, invoices, as_of, seller);

    let mut sink = Counting::default();
    let started = Instant::now();
    let Ok(stats) = generate(&cfg, &mut sink);
    let elapsed = started.elapsed();
    let per_second = |n: u64| u128::from(n) * 1_000_000_000 / elapsed.as_nanos().max(1);
    println!(
        "generated in {:.3} s ({} invoices/s, {} records/s)",
        elapsed.as_secs_f64(),
        per_second(stats.invoices),
        per_second(sink.records)
    );
    println!("{stats:#?}");
    println!("(checksum {})", sink.touched);

    let mut shape = Shape { as_of, invoices: Vec::with_capacity(invoices as usize) };
    let Ok(_) = generate(&cfg, &mut shape);
    let (mut total, mut open, mut last_year) = (0i64, 0i64, 0i64);
    let mut buckets = [0i64; 6];
    for (due, paid, issued, due_on) in shape.invoices.iter().flatten() {
        let rest = due - paid;
        total += due;
        open += rest;
        if (shape.as_of - *issued).num_days() < 365 {
            last_year += due;
        }
        let late = (shape.as_of - *due_on).num_days();
        let b = match late {
            ..=0 => 0,
            1..=30 => 1,
            31..=60 => 2,
            61..=90 => 3,
            91..=180 => 4,
            _ => 5,
        };
        buckets[b] += rest;
    }
    // Shares as exact decimals: amounts never go through floats, even in a report.
    let share = |x: i64, of: i64| (Decimal::from(x) * Decimal::ONE_HUNDRED / Decimal::from(of.max(1))).round_dp(1);
    println!(
        "open balance {} % of two years' invoicing, DSO {} days (simple, 12 months)",
        share(open, total),
        (Decimal::from(open) * Decimal::from(365) / Decimal::from(last_year.max(1))).round_dp(1)
    );
    println!(
        "aged balance: not due {} %, 1-30 {} %, 31-60 {} %, 61-90 {} %, 91-180 {} %, >180 {} %",
        share(buckets[0], open),
        share(buckets[1], open),
        share(buckets[2], open),
        share(buckets[3], open),
        share(buckets[4], open),
        share(buckets[5], open)
    );
}
