//! Receivables analytics on real dossiers: figures through the whole stack (store aggregates and
//! triggers, read models, engine, DTOs), the as-of rebuild against a dossier that only holds what
//! was known on the date, and the exports.

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use encours_app::analytics::{self, export, AnalyticsOptions};
use encours_app::{Dossier, KeySource};
use encours_demo::{DemoConfig, DemoSink};
use encours_domain::{
    Allocation, AllocationFrom, AllocationId, Client, ClientId, Contact, Currency, Dispute, DisputeState, Invoice,
    InvoiceId, InvoiceKind, InvoiceTotals, Money, Payment, PaymentId, PaymentTerms, PostalAddress, Promise, Siren,
    Source, StatusEvent,
};
use encours_store::analytics::{self as store, Rebuild};
use encours_store::{DossierKey, LedgerWriter, StoreError};
use rust_decimal::Decimal;

fn keys() -> KeySource {
    KeySource::Environment(DossierKey::from_hex(&"5a".repeat(32)).unwrap())
}

fn now() -> NaiveDateTime {
    "2026-11-30T10:00:00".parse().unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn new_dossier(dir: &Path, name: &str) -> Dossier {
    encours_app::create_dossier(&dir.join(name), "552081317", "Test SAS", &keys(), now()).unwrap()
}

fn client(id: i64, segment: &str) -> Client {
    Client {
        id: ClientId(id),
        name: format!("Client {id}"),
        siren: None,
        siret: None,
        vat: None,
        legal_form: Some("SAS".into()),
        naf: None,
        segment: segment.into(),
        owner: "Claire".into(),
        address: PostalAddress::default(),
        contacts: vec![],
        terms: PaymentTerms::Net { days: 30 },
        currency: Currency::EUR,
        since: date("2020-01-01"),
        is_individual: false,
        source: Source::at("test", format!("client {id}")),
    }
}

fn invoice(id: i64, client: i64, ttc: &str, issued: &str, due: &str) -> Invoice {
    let m = Money::eur(dec(ttc));
    let ht = Money::eur((dec(ttc) / dec("1.2")).round_dp(2));
    Invoice::simple(
        InvoiceId(id),
        ClientId(client),
        format!("F-{id}"),
        380,
        (date(issued), date(due)),
        InvoiceTotals::simple(ht, m),
        Source::at("test.xml", format!("/Invoice[{id}]")),
    )
}

/// Three months of sales (September 70,000, October 80,000, November 100,000, due the first of
/// the next month, the November one at the end of December) and 38,000 paid on the September
/// invoice: 212,000 open on 30 November, the receivables of the anchor's countback example 1.
fn anchor_ledger(d: &mut Dossier) {
    let mut w = d.writer("test", now()).unwrap();
    w.client(&client(1, "PME")).unwrap();
    w.invoice(&invoice(1, 1, "70000.00", "2026-09-01", "2026-10-01")).unwrap();
    w.invoice(&invoice(2, 1, "80000.00", "2026-10-01", "2026-11-01")).unwrap();
    w.invoice(&invoice(3, 1, "100000.00", "2026-11-01", "2026-12-31")).unwrap();
    w.payment(&Payment {
        id: PaymentId(1),
        client_id: Some(ClientId(1)),
        booked_on: date("2026-11-15"),
        value_date: None,
        amount: Money::eur(dec("38000.00")),
        payer_name: None,
        payer_iban: None,
        remittance: None,
        bank_reference: None,
        source: Source::at("bank.xml", "Ntry[1]"),
    })
    .unwrap();
    w.allocation(&Allocation {
        id: AllocationId(1),
        invoice_id: InvoiceId(1),
        from: AllocationFrom::Payment(PaymentId(1)),
        amount: Money::eur(dec("38000.00")),
        applied_on: date("2026-11-15"),
    })
    .unwrap();
    w.commit("test", "test.load", serde_json::json!({})).unwrap();
}

#[test]
fn the_anchor_countback_example_through_the_whole_stack() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = new_dossier(dir.path(), "anchor.encours");
    anchor_ledger(&mut d);
    let v = analytics::dashboard(&d, date("2026-11-30")).unwrap();
    let k = &v.key_figures;
    assert_eq!(k.open_items_total, "212000.00");
    assert_eq!(k.net_balance, "212000.00");
    // 30 (November, 100,000) + 31 (October, 80,000) + 30 × 32,000 / 70,000 (September) = 74.714…
    assert_eq!(k.dso_countback.as_deref(), Some("74.7"));
    // Not yet due: the November invoice alone, exactly November's sales: 30 days.
    assert_eq!(k.best_possible_dso.as_deref(), Some("30.0"));
    assert_eq!(k.overdue_dso.as_deref(), Some("44.7"));
    // Simple: 212,000 / 250,000 × 91 days (1 September – 30 November) = 77.168.
    assert_eq!(k.period_days, 91);
    assert_eq!(k.dso_simple.as_deref(), Some("77.2"));
    // CEI: (0 + 250,000 − 212,000) / (0 + 250,000 − 100,000) = 25.33 %.
    assert_eq!(k.cei_percent.as_deref(), Some("25.3"));
    assert_eq!(k.overdue, "112000.00");
    assert_eq!(k.overdue_percent.as_deref(), Some("52.8"));
    // Average days delinquent: (32,000 × 60 + 80,000 × 29) / 112,000 = 37.857.
    assert_eq!(k.average_days_delinquent.as_deref(), Some("37.9"));
    assert_eq!(k.cash_collected, "38000.00");
    // Aged balance: not due 100,000; 1–30: 80,000 (29 days); 31–60: 32,000 (60 days).
    let total = &v.aging.total;
    assert_eq!(total.buckets, ["100000.00", "80000.00", "32000.00", "0.00", "0.00"]);
    assert_eq!(v.aging.rows.len(), 1);
    assert_eq!(v.aging.rows[0].key, "PME");
    // The series ends on the as-of date, and the month ends before it come from the flows.
    let last = v.dso_series.last().unwrap();
    assert_eq!((last.at.as_str(), last.receivables.as_str()), ("2026-11-30", "212000.00"));
    let october = &v.dso_series[v.dso_series.len() - 2];
    assert_eq!((october.at.as_str(), october.receivables.as_str()), ("2026-10-31", "150000.00"));
    assert_eq!(october.not_due, "80000.00");
    assert_eq!(october.sales, "80000.00");
    // Forecast: the client paid the September invoice 45 days late: every item is expected 45
    // days after its due date, or as late again when that has passed.
    let f = &v.forecast;
    let expected: Decimal = f.weeks.iter().map(|w| dec(&w.expected)).sum();
    assert_eq!(expected + dec(&f.beyond_horizon), dec("212000.00"));
    assert_eq!(v.top_exposures.len(), 1);
    assert_eq!(v.top_exposures[0].balance, "212000.00");
    assert_eq!(v.top_exposures[0].average_days_late.as_deref(), Some("45.0"));
    assert_eq!(v.top_exposures[0].share_percent.as_deref(), Some("100.0"));
}

/// A sink that keeps only what was known on a date: documents issued, payments booked,
/// allocations applied, statuses received, disputes opened and promises made by then; a dispute
/// resolved later is open on the date.
struct KnownOn<'w, 'd> {
    w: &'w mut LedgerWriter<'d>,
    on: NaiveDate,
    invoices: std::collections::HashSet<i64>,
    payments: std::collections::HashSet<i64>,
}

impl DemoSink for KnownOn<'_, '_> {
    type Error = StoreError;
    fn client(&mut self, c: &Client) -> Result<(), StoreError> {
        self.w.client(c)
    }
    fn invoice(&mut self, i: &Invoice) -> Result<(), StoreError> {
        if i.issue_date <= self.on {
            self.invoices.insert(i.id.0);
            self.w.invoice(i)?;
        }
        Ok(())
    }
    fn payment(&mut self, p: &Payment) -> Result<(), StoreError> {
        if p.booked_on <= self.on {
            self.payments.insert(p.id.0);
            self.w.payment(p)?;
        }
        Ok(())
    }
    fn allocation(&mut self, a: &Allocation) -> Result<(), StoreError> {
        let from_known = match a.from {
            AllocationFrom::Payment(p) => self.payments.contains(&p.0),
            AllocationFrom::CreditNote(c) => self.invoices.contains(&c.0),
        };
        if a.applied_on <= self.on {
            assert!(from_known && self.invoices.contains(&a.invoice_id.0), "an allocation before what it allocates");
            self.w.allocation(a)?;
        }
        Ok(())
    }
    fn status(&mut self, s: &StatusEvent) -> Result<(), StoreError> {
        if s.at.date() <= self.on && self.invoices.contains(&s.invoice_id.0) {
            self.w.status(s)?;
        }
        Ok(())
    }
    fn dispute(&mut self, d: &Dispute) -> Result<(), StoreError> {
        if d.opened_on <= self.on {
            let mut d = d.clone();
            if d.resolved_on.is_some_and(|r| r > self.on) {
                d.resolved_on = None;
                d.state = DisputeState::Open;
            }
            d.invoice_ids.retain(|i| self.invoices.contains(&i.0));
            self.w.dispute(&d)?;
        }
        Ok(())
    }
    fn promise(&mut self, p: &Promise) -> Result<(), StoreError> {
        if p.made_on <= self.on {
            let mut p = p.clone();
            p.invoice_ids.retain(|i| self.invoices.contains(&i.0));
            self.w.promise(&p)?;
        }
        Ok(())
    }
}

#[test]
fn a_past_date_gives_what_a_dossier_of_the_records_known_then_gives() {
    let dir = tempfile::tempdir().unwrap();
    let today = date("2026-11-23");
    let seller = Siren::parse("552081317").unwrap();
    let config = DemoConfig::new(7, 40, 2_500, today, seller);
    // The whole ledger.
    let mut full = new_dossier(dir.path(), "full.encours");
    let mut w = full.writer("demo", now()).unwrap();
    encours_demo::generate(&config, &mut KnownOnAll(&mut w)).unwrap();
    w.commit("test", "demo", serde_json::json!({})).unwrap();

    for on in [date("2026-10-12"), date("2026-06-30"), date("2025-12-31")] {
        // Only what was known on the date.
        let mut past = new_dossier(dir.path(), &format!("known-{on}.encours"));
        let mut w = past.writer("demo", now()).unwrap();
        let mut sink = KnownOn { w: &mut w, on, invoices: Default::default(), payments: Default::default() };
        encours_demo::generate(&config, &mut sink).unwrap();
        w.commit("test", "demo", serde_json::json!({})).unwrap();

        let options = AnalyticsOptions::default();
        let rebuilt = analytics::aging_report(&full, on, &options).unwrap();
        let known = analytics::aging_report(&past, on, &options).unwrap();
        assert!(rebuilt.by_client.rows.len() > 5, "a portfolio with open items on {on}");
        assert_eq!(rebuilt, known, "aged balance on {on}");
        assert_eq!(
            analytics::dashboard(&full, on).unwrap(),
            analytics::dashboard(&past, on).unwrap(),
            "whole dashboard on {on}"
        );
        assert_eq!(
            analytics::compliance_report(&full, on, &options).unwrap(),
            analytics::compliance_report(&past, on, &options).unwrap(),
            "compliance on {on}"
        );
        // The three rebuilds agree item by item.
        let items = |d: &Dossier, path: Option<Rebuild>| {
            let mut v = Vec::new();
            let used = store::for_each_item_rebuilt(d, on, path, |i| {
                v.push(*i);
                Ok(())
            })
            .unwrap();
            v.sort_by_key(|i| i.invoice_id);
            (v, used)
        };
        let (known_items, used) = items(&past, None);
        assert_eq!(used, Rebuild::Current);
        let (rewound, used) = items(&full, Some(Rebuild::Rewind));
        assert_eq!(used, Rebuild::Rewind);
        let (replayed, used) = items(&full, Some(Rebuild::Replay));
        assert_eq!(used, Rebuild::Replay);
        assert_eq!(rewound, known_items, "rewind on {on}");
        assert_eq!(replayed, known_items, "replay on {on}");
    }
}

/// Every record, unfiltered.
struct KnownOnAll<'w, 'd>(&'w mut LedgerWriter<'d>);

impl DemoSink for KnownOnAll<'_, '_> {
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

#[test]
fn the_aggregates_kept_by_triggers_equal_the_ledger_after_unmatching() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = new_dossier(dir.path(), "t.encours");
    anchor_ledger(&mut d);
    let on = date("2026-11-30");
    let before = analytics::dashboard(&d, on).unwrap();
    // Unmatching the payment puts 38,000 back on the September invoice: 250,000 open, and the
    // payment becomes unapplied cash; the net balance does not move.
    let mut w = d.writer("test", now()).unwrap();
    w.unallocate_payment(PaymentId(1)).unwrap();
    w.commit("test", "test.unmatch", serde_json::json!({})).unwrap();
    let after = analytics::dashboard(&d, on).unwrap();
    assert_eq!(after.key_figures.open_items_total, "250000.00");
    assert_eq!(after.aging.unapplied_cash, "38000.00");
    assert_eq!(after.key_figures.net_balance, before.key_figures.net_balance);
    // The November month-end from the flows is the as-of point; October did not change.
    assert_eq!(after.dso_series[after.dso_series.len() - 2], before.dso_series[before.dso_series.len() - 2]);
}

#[test]
fn compliance_flags_terms_late_table_and_proposals() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = new_dossier(dir.path(), "c.encours");
    let mut w = d.writer("test", now()).unwrap();
    w.client(&client(1, "PME")).unwrap();
    w.client(&client(2, "TPE")).unwrap();
    // 90 days net from 1 January: 15 days over the ceiling (17 March).
    w.invoice(&invoice(1, 1, "1200.00", "2026-01-01", "2026-04-01")).unwrap();
    // 45 days end of month: within.
    w.invoice(&invoice(2, 1, "600.00", "2026-10-10", "2026-12-15")).unwrap();
    // Client 2, 200 days late.
    w.invoice(&invoice(3, 2, "2400.00", "2026-04-01", "2026-05-14")).unwrap();
    w.commit("test", "load", serde_json::json!({})).unwrap();
    let on = date("2026-11-30");
    let options = AnalyticsOptions {
        insolvencies: vec![(2, encours_engines::analytics::compliance::Insolvency::Liquidation, date("2026-10-01"))],
        ..AnalyticsOptions::default()
    };
    let c = analytics::compliance_report(&d, on, &options).unwrap();
    assert_eq!(c.invoices_checked, 3);
    assert_eq!(c.terms_violations.len(), 1);
    assert_eq!((c.terms_violations[0].number.as_str(), c.terms_violations[0].days_over), ("F-1", 15));
    let l = &c.late_receivables;
    assert_eq!(l.sales, "4200.00");
    assert_eq!(l.columns[0].amount, "600.00", "not due, indicative");
    assert_eq!(l.columns[4].invoices, 2, "91 days and more");
    assert_eq!(l.columns[4].amount, "3600.00");
    assert_eq!(l.columns[5].percent_of_sales.as_deref(), Some("85.71"));
    // Invoice 1: 243 days late → 50 %; invoice 3: liquidation → 100 %, on the amount excluding VAT.
    assert_eq!(c.doubtful.len(), 2);
    assert_eq!(c.doubtful[0].impairment, "500.00");
    assert_eq!(c.doubtful[1].impairment, "2000.00");
    assert_eq!(c.doubtful_total_incl_tax, "3600.00");
    assert_eq!(c.impairment_total, "2500.00");
    assert_eq!(c.irrecoverable.len(), 1);
    assert_eq!(c.irrecoverable[0].vat, "400.00");
    assert!(c.irrecoverable[0].vat_on_debits, "goods: VAT on debits");
    assert_eq!(c.recoverable_vat_total, "400.00");
}

#[test]
fn every_report_exports_to_csv_and_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = new_dossier(dir.path(), "x.encours");
    anchor_ledger(&mut d);
    let on = date("2026-11-30");
    let options = AnalyticsOptions::default();
    let mut tables = export::aging_tables(&analytics::aging_report(&d, on, &options).unwrap());
    tables.extend(export::dso_tables(&analytics::dso_report(&d, on).unwrap()));
    tables.extend(export::forecast_tables(&analytics::forecast_report(&d, on).unwrap()));
    tables.extend(export::compliance_tables(&analytics::compliance_report(&d, on, &options).unwrap()));
    assert_eq!(tables.len(), 14);
    let mut csv = Vec::new();
    export::write_csv(&tables[0], &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("key,label,items,Non échu,1–30 j,31–60 j,61–90 j,> 90 j,total,"), "{csv}");
    assert!(csv.contains("1,Client 1,3,100000.00,80000.00,32000.00,0.00,0.00,212000.00,112000.00,52.8,"), "{csv}");
    let xlsx = dir.path().join("report.xlsx");
    export::write_xlsx(&tables, &xlsx).unwrap();
    let bytes = std::fs::read(&xlsx).unwrap();
    assert_eq!(&bytes[..2], b"PK", "an XLSX is a zip archive");
    assert!(!dir.path().join("report.xlsx.part").exists());
}

#[test]
fn the_share_of_automatic_reminders_counts_the_reminders_that_went_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = new_dossier(dir.path(), "relances");
    // One client per step of the default scenario: due 2, 16, 31 and 46 days ago (J+1 and J+15
    // emails, J+30 letter, J+45 mise en demeure).
    let mut w = d.writer("test", now()).unwrap();
    for (id, due) in [(1, "2026-11-28"), (2, "2026-11-14"), (3, "2026-10-30"), (4, "2026-10-15")] {
        let mut c = client(id, "PME");
        c.contacts = vec![Contact {
            name: "Compta".into(),
            role: "comptabilité".into(),
            email: Some(format!("compta{id}@client.fr")),
            phone: Some("0612345678".into()),
        }];
        w.client(&c).unwrap();
        w.invoice(&invoice(id, id, "1200.00", "2026-09-01", due)).unwrap();
    }
    w.commit("test", "test.load", serde_json::json!({})).unwrap();
    let as_of = now().date();
    let share = |d: &Dossier| analytics::compute_dashboard(d, as_of).unwrap().key_figures.automatic_reminder_percent;
    assert_eq!(share(&d), None, "nothing has gone out yet");

    encours_app::dunning::dunning_run(&mut d, as_of, now()).unwrap();
    assert_eq!(share(&d), None, "queued is not sent");
    // Queued: validated when nobody has to look at it first, planned (awaiting a person) otherwise.
    let planned = encours_app::dunning::dunning_actions(&d, None, 100).unwrap();
    let automatic = |a: &&encours_app::dunning::OutboxActionView| {
        !a.needs_validation && (a.channel == "email" || a.channel == "sms")
    };
    let auto: Vec<i64> = planned.iter().filter(automatic).map(|a| a.id).collect();
    let hand: Vec<i64> = planned.iter().filter(|a| !automatic(a) && a.channel != "phone").map(|a| a.id).collect();
    assert_eq!((auto.len(), hand.len()), (2, 2), "two emails, a letter and a mise en demeure: {planned:#?}");
    for &id in auto.iter().chain(&hand[..1]) {
        encours_app::dunning::set_action_state(&mut d, id, "sent", None, now()).unwrap();
    }
    // A reminder that failed did not go out.
    encours_app::dunning::set_action_state(&mut d, hand[1], "failed", Some("refused"), now()).unwrap();
    assert_eq!(share(&d).as_deref(), Some("66.7"), "2 automatic of 3 sent");
    // The stored dashboard follows the ledger: recording the actions changed its version.
    let stored = analytics::dashboard(&d, as_of).unwrap().key_figures.automatic_reminder_percent;
    assert_eq!(stored.as_deref(), Some("66.7"));
}

/// Positive open items on a date, one per client, largest client id first (a few to write on).
fn open_invoices(d: &Dossier, on: NaiveDate, n: usize) -> Vec<store::ItemAt> {
    let mut items = Vec::new();
    store::for_each_item_as_of(d, on, |i| {
        if i.open > 0 && i.currency == Currency::EUR {
            items.push(*i);
        }
        Ok(())
    })
    .unwrap();
    items.sort_by_key(|i| (std::cmp::Reverse(i.client_id), i.invoice_id));
    items.dedup_by_key(|i| i.client_id);
    items.truncate(n);
    items
}

fn pay(w: &mut LedgerWriter<'_>, id: i64, client: i64, amount: Decimal, on: NaiveDate) {
    w.payment(&Payment {
        id: PaymentId(id),
        client_id: Some(ClientId(client)),
        booked_on: on,
        value_date: None,
        amount: Money::eur(amount),
        payer_name: None,
        payer_iban: None,
        remittance: None,
        bank_reference: None,
        source: Source::at("bank.xml", format!("Ntry[{id}]")),
    })
    .unwrap();
}

/// The dashboard of the ledger's own day comes from the aggregates the triggers keep (migration
/// 0019); it must equal the reference computation from the items, to the cent, after every kind
/// of ledger write: a match, a credit note used, a dispute, a promise, a write-off, a new client
/// paying for the first time, an unmatch (which changes a client's habit). Past dates keep the
/// rebuild: the dashboard of the day before the writes does not move (but for the unmatch, which
/// rewrites history).
#[test]
fn the_dashboard_from_the_aggregates_equals_the_reference_after_every_kind_of_write() {
    let dir = tempfile::tempdir().unwrap();
    let today = date("2026-11-23");
    let config = DemoConfig::new(5, 150, 8_000, today, Siren::parse("552081317").unwrap());
    let mut d = new_dossier(dir.path(), "demo.encours");
    let mut w = d.writer("demo", now()).unwrap();
    encours_demo::generate(&config, &mut KnownOnAll(&mut w)).unwrap();
    w.commit("test", "demo", serde_json::json!({})).unwrap();

    let mut seen = [false; 3];
    let mut check = |d: &Dossier, dates: &[&str], label: &str| {
        for on in dates {
            let on = date(on);
            assert!(store::is_current(d, on).unwrap(), "{label}: {on} is the ledger's own day");
            let from_aggregates = analytics::compute_dashboard(d, on).unwrap();
            let reference = analytics::compute_dashboard_reference(d, on).unwrap();
            assert_eq!(from_aggregates, reference, "{label}: dashboard on {on}");
            assert_eq!(from_aggregates.top_exposures.len(), 20);
            let f = &from_aggregates.forecast;
            for (k, hit) in
                [f.held_in_dispute != "0.00", f.weeks.iter().any(|w| w.promised != "0.00"), f.not_expected != "0.00"]
                    .into_iter()
                    .enumerate()
            {
                seen[k] |= hit;
            }
        }
    };
    check(&d, &["2026-11-23", "2026-12-14", "2027-02-06", "2027-06-11"], "demo");
    let day_before = analytics::compute_dashboard(&d, today).unwrap();

    let on = date("2026-11-24");
    let picks = open_invoices(&d, today, 7);
    let [a, b, c, e, f, g, _] = picks.as_slice() else { panic!("seven open invoices") };
    let half = |i: &store::ItemAt| Decimal::new(i.open, 5) / Decimal::from(2);
    let mut w = d.writer("test", now()).unwrap();
    // A match: half of an invoice paid.
    pay(&mut w, 9_000_001, a.client_id, half(a).round_dp(2), on);
    w.allocation(&Allocation {
        id: AllocationId(9_000_001),
        invoice_id: InvoiceId(a.invoice_id),
        from: AllocationFrom::Payment(PaymentId(9_000_001)),
        amount: Money::eur(half(a).round_dp(2)),
        applied_on: on,
    })
    .unwrap();
    // A credit note of 100.00, 60.00 of it used on an invoice.
    let mut cn = invoice(9_000_001, b.client_id, "100.00", "2026-11-24", "2026-11-24");
    cn.kind = InvoiceKind::CreditNote;
    cn.type_code = 381;
    cn.number = "AV-9000001".into();
    w.invoice(&cn).unwrap();
    w.allocation(&Allocation {
        id: AllocationId(9_000_002),
        invoice_id: InvoiceId(b.invoice_id),
        from: AllocationFrom::CreditNote(InvoiceId(9_000_001)),
        amount: Money::eur(dec("60.00")),
        applied_on: on,
    })
    .unwrap();
    // A dispute and a promise.
    w.dispute(&Dispute {
        id: encours_domain::DisputeId(9_000_001),
        client_id: ClientId(c.client_id),
        invoice_ids: vec![InvoiceId(c.invoice_id)],
        opened_on: on,
        reason: encours_domain::DisputeReason::Price,
        disputed_amount: Money::eur(Decimal::new(c.open, 5)),
        state: DisputeState::Open,
        resolved_on: None,
        note: String::new(),
    })
    .unwrap();
    w.promise(&Promise {
        id: encours_domain::PromiseId(9_000_001),
        client_id: ClientId(e.client_id),
        invoice_ids: vec![InvoiceId(e.invoice_id)],
        made_on: on,
        promised_for: date("2026-12-10"),
        amount: Money::eur(half(e).round_dp(2)),
        state: encours_domain::PromiseState::Pending,
    })
    .unwrap();
    // A new client, paying a first invoice in part (its habit is born).
    w.client(&client(9_000_001, "Nouveaux")).unwrap();
    w.invoice(&invoice(9_000_002, 9_000_001, "1200.00", "2026-11-24", "2026-12-24")).unwrap();
    pay(&mut w, 9_000_002, 9_000_001, dec("500.00"), on);
    w.allocation(&Allocation {
        id: AllocationId(9_000_003),
        invoice_id: InvoiceId(9_000_002),
        from: AllocationFrom::Payment(PaymentId(9_000_002)),
        amount: Money::eur(dec("500.00")),
        applied_on: on,
    })
    .unwrap();
    // Cash not applied yet.
    pay(&mut w, 9_000_003, g.client_id, dec("321.09"), on);
    w.commit("test", "test.writes", serde_json::json!({})).unwrap();
    check(&d, &["2026-11-24", "2026-12-15", "2027-03-01"], "after a match, a credit note, a dispute, a promise");

    // A write-off: the invoice leaves the open balance on its date, the bad-debt ratio shows it.
    // (10.00 of it paid first, the same day: what is written off is what stays open.)
    let mut w = d.writer("test", now()).unwrap();
    pay(&mut w, 9_000_004, f.client_id, dec("10.00"), on);
    w.allocation(&Allocation {
        id: AllocationId(9_000_004),
        invoice_id: InvoiceId(f.invoice_id),
        from: AllocationFrom::Payment(PaymentId(9_000_004)),
        amount: Money::eur(dec("10.00")),
        applied_on: on,
    })
    .unwrap();
    w.commit("test", "test.partial", serde_json::json!({})).unwrap();
    let f_open = Decimal::new(f.open, 5).round_dp(2) - dec("10.00");
    let before = analytics::compute_dashboard(&d, on).unwrap();
    assert_eq!(before.key_figures.bad_debt_percent.as_deref(), Some("0.0"));
    let wo = analytics::writeoff::write_off(
        &mut d,
        f.invoice_id,
        on,
        "Liquidation clôturée pour insuffisance d'actif",
        "test",
        now(),
    )
    .unwrap();
    assert_eq!(wo.amount, format!("{f_open:.2}"));
    check(&d, &["2026-11-24", "2027-01-05"], "after a write-off");
    let after = analytics::compute_dashboard(&d, on).unwrap();
    let open = |v: &analytics::DashboardView| v.key_figures.open_items_total.parse::<Decimal>().unwrap();
    assert_eq!(open(&before) - open(&after), f_open);
    // The ratio is over a year of sales (0.0 % here, one decimal): its note says what was written off.
    assert!(after.key_figures.bad_debt_percent.is_some());
    let note = format!("pertes des 12 derniers mois ({} €)", wo.amount);
    assert!(after.notes.iter().any(|n| n.contains(&note)), "{:?}", after.notes);
    assert!(before.notes.iter().any(|n| n.contains("pertes des 12 derniers mois (0.00 €)")));
    // The day before, nothing of it happened yet.
    assert!(analytics::compute_dashboard(&d, today).unwrap() == day_before, "the day before moved");
    // The ledger's invariants count the write-off (open = receivable - allocations - written off).
    assert_eq!(encours_app::check_integrity(&mut d, now()).unwrap(), "ok");
    // The payment of 10.00 on the written-off invoice cannot be unmatched (the loss is booked).
    let mut w = d.writer("test", now()).unwrap();
    let refused = w.unallocate_payment(PaymentId(9_000_004)).unwrap_err().to_string();
    assert!(refused.contains("written off"), "{refused}");
    drop(w);

    // An unmatch: a demo payment's allocations removed (its client's habit changes).
    let mut w = d.writer("test", now()).unwrap();
    // (A payment of a written-off invoice is refused and changes nothing: the next one is taken.)
    let removed = (1..200).find(|p| w.unallocate_payment(PaymentId(*p)).is_ok_and(|r| !r.is_empty()));
    assert!(removed.is_some(), "a demo payment with allocations");
    w.commit("test", "test.unmatch", serde_json::json!({})).unwrap();
    check(&d, &["2026-11-24", "2026-12-31"], "after an unmatch");
    assert_eq!(seen, [true; 3], "held in dispute, promised, not expected");
}
