//! The generator's contract, checked through a sink that collects everything it is given and
//! checks references as records arrive.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hasher};

use chrono::{NaiveDate, NaiveTime};
use encours_demo::{generate, DemoConfig, DemoSink, DemoStats};
use encours_domain::{
    Allocation, AllocationFrom, Client, Dispute, DisputeReason, DisputeState, Iban, Invoice, InvoiceId, InvoiceKind,
    LifecycleStatus, Money, NafCode, Payment, PaymentId, Promise, Siren, Siret, StatusEvent, VatNumber,
};
use rust_decimal::{Decimal, RoundingStrategy};
use rust_decimal_macros::dec;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("test dates are valid")
}

fn seller() -> Siren {
    Siren::parse("552081317").expect("the seller SIREN is valid")
}

fn config(seed: u64, clients: u32, invoices: u64) -> DemoConfig {
    DemoConfig::new(seed, clients, invoices, d("2027-03-31"), seller())
}

/// Collects every record and checks, as each arrives, that ids are sequential and that it only
/// names records already emitted.
#[derive(Default)]
struct Collector {
    clients: Vec<Client>,
    invoices: Vec<Invoice>,
    payments: Vec<Payment>,
    allocations: Vec<Allocation>,
    statuses: Vec<StatusEvent>,
    disputes: Vec<Dispute>,
    promises: Vec<Promise>,
    /// Client of each emitted invoice id (index = id - 1).
    invoice_client: Vec<i64>,
    numbers: HashSet<String>,
}

impl Collector {
    fn current_client(&self) -> i64 {
        self.clients.last().map_or(0, |c| c.id.0)
    }

    fn check_invoice_ref(&self, id: InvoiceId, what: &str) {
        assert!(id.0 >= 1 && id.0 <= self.invoices.len() as i64, "{what} names invoice {} before it was emitted", id.0);
        assert_eq!(
            self.invoice_client[id.0 as usize - 1],
            self.current_client(),
            "{what} names an invoice of the client being generated (streaming client by client)"
        );
    }
}

impl DemoSink for Collector {
    type Error = std::convert::Infallible;

    fn client(&mut self, c: &Client) -> Result<(), Self::Error> {
        assert_eq!(c.id.0, self.clients.len() as i64 + 1, "client ids are sequential from 1");
        self.clients.push(c.clone());
        Ok(())
    }

    fn invoice(&mut self, i: &Invoice) -> Result<(), Self::Error> {
        assert_eq!(i.id.0, self.invoices.len() as i64 + 1, "invoice ids are sequential from 1");
        assert_eq!(i.client_id.0, self.current_client(), "an invoice follows its client");
        assert!(self.numbers.insert(i.number.clone()), "invoice number {} is unique", i.number);
        if i.kind == InvoiceKind::CreditNote {
            let credited = i.preceding_invoice.as_deref().expect("a credit note names the invoice it credits");
            assert!(self.numbers.contains(credited), "credit note {} credits an invoice already emitted", i.number);
        }
        self.invoice_client.push(i.client_id.0);
        self.invoices.push(i.clone());
        Ok(())
    }

    fn payment(&mut self, p: &Payment) -> Result<(), Self::Error> {
        assert_eq!(p.id.0, self.payments.len() as i64 + 1, "payment ids are sequential from 1");
        assert_eq!(p.client_id.map(|c| c.0), Some(self.current_client()), "a payment follows its client");
        self.payments.push(p.clone());
        Ok(())
    }

    fn allocation(&mut self, a: &Allocation) -> Result<(), Self::Error> {
        assert_eq!(a.id.0, self.allocations.len() as i64 + 1, "allocation ids are sequential from 1");
        self.check_invoice_ref(a.invoice_id, "an allocation");
        match a.from {
            AllocationFrom::Payment(p) => {
                assert!(p.0 >= 1 && p.0 <= self.payments.len() as i64, "allocation names a payment already emitted")
            }
            AllocationFrom::CreditNote(c) => {
                self.check_invoice_ref(c, "a credit-note allocation");
                assert_eq!(
                    self.invoices[c.0 as usize - 1].kind,
                    InvoiceKind::CreditNote,
                    "allocated from a credit note"
                );
            }
        }
        self.allocations.push(a.clone());
        Ok(())
    }

    fn status(&mut self, s: &StatusEvent) -> Result<(), Self::Error> {
        self.check_invoice_ref(s.invoice_id, "a status");
        self.statuses.push(s.clone());
        Ok(())
    }

    fn dispute(&mut self, d: &Dispute) -> Result<(), Self::Error> {
        assert_eq!(d.id.0, self.disputes.len() as i64 + 1, "dispute ids are sequential from 1");
        assert!(!d.invoice_ids.is_empty(), "a dispute concerns at least one invoice");
        for i in &d.invoice_ids {
            self.check_invoice_ref(*i, "a dispute");
        }
        self.disputes.push(d.clone());
        Ok(())
    }

    fn promise(&mut self, p: &Promise) -> Result<(), Self::Error> {
        assert_eq!(p.id.0, self.promises.len() as i64 + 1, "promise ids are sequential from 1");
        for i in &p.invoice_ids {
            self.check_invoice_ref(*i, "a promise");
        }
        self.promises.push(p.clone());
        Ok(())
    }
}

fn collect(cfg: &DemoConfig) -> (Collector, DemoStats) {
    let mut c = Collector::default();
    let Ok(stats) = generate(cfg, &mut c);
    (c, stats)
}

/// Hashes the Debug form of every record, in order: two runs are identical iff the hashes match.
#[derive(Default)]
struct Fingerprint(DefaultHasher);

impl Fingerprint {
    fn add(&mut self, record: &dyn std::fmt::Debug) -> Result<(), std::convert::Infallible> {
        self.0.write(format!("{record:?}").as_bytes());
        Ok(())
    }
}

impl DemoSink for Fingerprint {
    type Error = std::convert::Infallible;
    fn client(&mut self, c: &Client) -> Result<(), Self::Error> {
        self.add(c)
    }
    fn invoice(&mut self, i: &Invoice) -> Result<(), Self::Error> {
        self.add(i)
    }
    fn payment(&mut self, p: &Payment) -> Result<(), Self::Error> {
        self.add(p)
    }
    fn allocation(&mut self, a: &Allocation) -> Result<(), Self::Error> {
        self.add(a)
    }
    fn status(&mut self, s: &StatusEvent) -> Result<(), Self::Error> {
        self.add(s)
    }
    fn dispute(&mut self, d: &Dispute) -> Result<(), Self::Error> {
        self.add(d)
    }
    fn promise(&mut self, p: &Promise) -> Result<(), Self::Error> {
        self.add(p)
    }
}

fn fingerprint(cfg: &DemoConfig) -> u64 {
    let mut f = Fingerprint::default();
    let Ok(_) = generate(cfg, &mut f);
    f.0.finish()
}

fn cents(m: &Money) -> i64 {
    assert_eq!(m.currency.code(), "EUR", "every amount is in euros");
    assert_eq!(m.amount.scale(), 2, "every amount has two decimals ({})", m.amount);
    (m.amount * dec!(100)).try_into().expect("amounts fit in i64 cents")
}

/// `a / b` exactly, for shares and ratios: no float needed, and none of the casts the workspace
/// lints forbid.
fn ratio(a: impl Into<i128>, b: impl Into<i128>) -> Decimal {
    let b = b.into();
    Decimal::from(a.into()) / Decimal::from(if b == 0 { 1 } else { b })
}

fn count(n: usize) -> i128 {
    i128::try_from(n).expect("counts fit in i128")
}

/// Allocated cents per invoice.
fn allocated(c: &Collector) -> HashMap<i64, i64> {
    let mut out = HashMap::new();
    for a in &c.allocations {
        *out.entry(a.invoice_id.0).or_default() += cents(&a.amount);
    }
    out
}

#[test]
fn counts_are_exact_and_stats_match_the_records() {
    for (clients, invoices) in [(120, 6_000), (10, 50), (1, 1), (3, 0), (10, 3), (7, 7), (1, 500)] {
        let cfg = config(42, clients, invoices);
        let (c, stats) = collect(&cfg);
        assert_eq!(c.clients.len() as u64, u64::from(clients), "exactly {clients} clients");
        assert_eq!(c.invoices.len() as u64, invoices, "exactly {invoices} documents for {clients} clients");
        let expected = DemoStats {
            clients: c.clients.len() as u64,
            invoices: c.invoices.len() as u64,
            credit_notes: c.invoices.iter().filter(|i| i.kind == InvoiceKind::CreditNote).count() as u64,
            payments: c.payments.len() as u64,
            allocations: c.allocations.len() as u64,
            statuses: c.statuses.len() as u64,
            disputes: c.disputes.len() as u64,
            promises: c.promises.len() as u64,
        };
        assert_eq!(stats, expected, "stats count what was emitted ({clients} clients, {invoices} invoices)");
        if invoices >= u64::from(clients) {
            let with_docs: HashSet<i64> = c.invoices.iter().map(|i| i.client_id.0).collect();
            assert_eq!(with_docs.len(), clients as usize, "every client gets an invoice when there are enough");
        }
    }
}

#[test]
fn unusual_dates_never_break_the_contract() {
    for as_of in ["2027-03-28", "2000-02-29", "1999-12-31", "2026-09-01", "2030-01-01"] {
        let cfg = DemoConfig::new(9, 25, 1_500, d(as_of), seller());
        let (c, stats) = collect(&cfg);
        assert_eq!(stats.invoices, 1_500, "exact count with as_of {as_of}");
        assert!(c.invoices.iter().all(|i| i.issue_date <= cfg.as_of), "nothing issued after {as_of}");
        assert!(c.payments.iter().all(|p| p.booked_on <= cfg.as_of), "nothing paid after {as_of}");
        if cfg.as_of < d("2026-09-01") {
            assert!(c.statuses.is_empty(), "no lifecycle before the reform (as_of {as_of})");
        }
    }
    let (c, _) = collect(&DemoConfig::new(9, 2, 20, NaiveDate::MAX, seller()));
    assert_eq!(c.invoices.len(), 20, "even at the end of the calendar");
}

#[test]
fn no_client_means_no_document() {
    let (c, stats) = collect(&config(42, 0, 10));
    assert_eq!(stats, DemoStats::default(), "nothing to invoice without a client");
    assert!(c.invoices.is_empty(), "no document without a client");
}

#[test]
fn same_config_same_portfolio_other_seed_other_portfolio() {
    let cfg = config(42, 60, 3_000);
    assert_eq!(fingerprint(&cfg), fingerprint(&cfg.clone()), "generation is deterministic");
    assert_ne!(fingerprint(&cfg), fingerprint(&config(43, 60, 3_000)), "another seed gives another portfolio");
    let standard = DemoConfig::standard(d("2027-03-31"), seller());
    assert_eq!((standard.seed, standard.clients, standard.invoices), (42, 120, 6_000), "the standard dossier");
}

#[test]
fn totals_are_consistent_to_the_cent() {
    let (c, _) = collect(&config(7, 120, 6_000));
    let mut rates = HashSet::new();
    let mut mixed = 0;
    for i in &c.invoices {
        let t = &i.totals;
        let taxable: i64 = i.vat_breakdown.iter().map(|b| cents(&b.taxable_amount)).sum();
        let tax: i64 = i.vat_breakdown.iter().map(|b| cents(&b.tax_amount)).sum();
        assert_eq!(cents(&t.line_total), taxable, "{}: BT-106 = Σ taxable amounts", i.number);
        assert_eq!(t.tax_basis_total, t.line_total, "{}: BT-109 = BT-106 (no allowance, no charge)", i.number);
        assert_eq!(t.tax_total.map(|m| cents(&m)), Some(tax), "{}: BT-110 = Σ category taxes", i.number);
        assert_eq!(cents(&t.grand_total), taxable + tax, "{}: BT-112 = BT-109 + BT-110", i.number);
        assert_eq!(t.due_payable, t.grand_total, "{}: BT-115 = BT-112 (nothing prepaid)", i.number);
        assert!(t.due_payable.is_positive(), "{}: a positive amount due", i.number);
        for b in &i.vat_breakdown {
            let rate = b.rate.expect("standard-rated lines carry a rate");
            let expected = (b.taxable_amount.amount * rate / dec!(100))
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            assert_eq!(b.tax_amount.amount, expected, "{}: tax at {rate} % on {}", i.number, b.taxable_amount.amount);
            assert_eq!(b.category, "S", "standard rate category");
            rates.insert(rate);
        }
        if i.vat_breakdown.len() > 1 {
            mixed += 1;
        }
        assert_eq!(i.currency.code(), "EUR", "invoices in euros");
        assert_eq!(i.seller_siren, Some(seller()), "BT-30 is the seller's SIREN");
        let subjects: Vec<_> = i.notes.iter().filter_map(|n| n.subject.as_deref()).collect();
        assert_eq!(subjects, ["PMD", "PMT", "AAB"], "BR-FR-05 notes, once each");
        assert_eq!(i.kind, InvoiceKind::from_type_code(i.type_code), "kind follows BT-3");
    }
    for r in [dec!(20), dec!(10), dec!(5.5)] {
        assert!(rates.contains(&r), "rate {r} % appears in the portfolio");
    }
    assert!(mixed > 0, "some invoices mix two VAT rates");
}

#[test]
fn allocations_never_exceed_invoices_and_payments_are_fully_allocated() {
    let cfg = config(11, 200, 12_000);
    let (c, _) = collect(&cfg);
    let by_id: HashMap<i64, &Invoice> = c.invoices.iter().map(|i| (i.id.0, i)).collect();
    for (inv, sum) in allocated(&c) {
        let i = by_id[&inv];
        assert_ne!(i.kind, InvoiceKind::CreditNote, "nothing is allocated to a credit note");
        assert!(sum <= cents(&i.totals.due_payable), "{}: allocations {sum} ≤ amount due", i.number);
    }
    let mut per_payment: HashMap<i64, (i64, usize)> = HashMap::new();
    let mut per_credit: HashMap<i64, i64> = HashMap::new();
    for a in &c.allocations {
        assert!(a.amount.is_positive(), "allocations are positive");
        let i = by_id[&a.invoice_id.0];
        assert!(a.applied_on >= i.issue_date, "{}: settled after it was issued", i.number);
        match a.from {
            AllocationFrom::Payment(PaymentId(p)) => {
                let e = per_payment.entry(p).or_default();
                e.0 += cents(&a.amount);
                e.1 += 1;
                assert_eq!(a.applied_on, c.payments[p as usize - 1].booked_on, "applied on the booking date");
            }
            AllocationFrom::CreditNote(InvoiceId(cn)) => {
                *per_credit.entry(cn).or_default() += cents(&a.amount);
                let note = by_id[&cn];
                assert_eq!(note.client_id, i.client_id, "a credit note settles an invoice of its own client");
                assert_eq!(
                    note.preceding_invoice.as_deref(),
                    Some(i.number.as_str()),
                    "it settles the invoice it credits"
                );
                assert_eq!(a.applied_on, note.issue_date, "applied on the credit note's date");
            }
        }
    }
    for p in &c.payments {
        let (sum, _) = per_payment.get(&p.id.0).copied().unwrap_or_default();
        assert_eq!(sum, cents(&p.amount), "payment {} is fully allocated", p.id.0);
        assert!(p.amount.is_positive(), "payments are positive");
    }
    let credit_notes: Vec<&Invoice> = c.invoices.iter().filter(|i| i.kind == InvoiceKind::CreditNote).collect();
    for n in &credit_notes {
        assert_eq!(per_credit.get(&n.id.0).copied(), Some(cents(&n.totals.due_payable)), "{} is fully used", n.number);
        assert_eq!(n.type_code, 381, "credit notes are type 381");
    }
    let share = ratio(count(credit_notes.len()), count(c.invoices.len()));
    assert!((dec!(0.02)..dec!(0.06)).contains(&share), "credit notes are 3-5 % of documents ({share:.3})");
    assert!(per_payment.values().any(|(_, n)| *n >= 2), "some payments settle several invoices");
    let mut paid_in_parts = HashMap::<i64, usize>::new();
    for a in c.allocations.iter().filter(|a| matches!(a.from, AllocationFrom::Payment(_))) {
        *paid_in_parts.entry(a.invoice_id.0).or_default() += 1;
    }
    assert!(paid_in_parts.values().any(|n| *n >= 2), "some invoices are paid in several parts");
    let alloc = allocated(&c);
    let part_open = c.invoices.iter().any(|i| {
        let paid = alloc.get(&i.id.0).copied().unwrap_or(0);
        paid > 0 && paid < cents(&i.totals.due_payable)
    });
    assert!(part_open, "some invoices are partly paid with a residual still open");
}

#[test]
fn nothing_is_dated_after_as_of_and_invoices_span_two_years() {
    let cfg = config(5, 150, 8_000);
    let (c, _) = collect(&cfg);
    let end = cfg.as_of.and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("valid time"));
    let start = cfg.as_of - chrono::Days::new(730);
    for i in &c.invoices {
        assert!(i.issue_date <= cfg.as_of && i.issue_date >= start, "{} issued within the two years", i.number);
        assert!(i.due_date >= i.issue_date, "{} is due after it is issued", i.number);
        assert!(i.delivery_date.is_none_or(|d| d <= i.issue_date), "{} delivered before invoicing", i.number);
    }
    assert!(c.invoices.iter().any(|i| i.issue_date < start + chrono::Days::new(60)), "the window's start is used");
    assert!(c.invoices.iter().any(|i| i.issue_date > cfg.as_of - chrono::Days::new(10)), "recent invoices exist");
    for p in &c.payments {
        assert!(p.booked_on <= cfg.as_of, "payment {} booked by as_of", p.id.0);
        assert_eq!(p.value_date, Some(p.booked_on), "value date of a transfer");
    }
    for a in &c.allocations {
        assert!(a.applied_on <= cfg.as_of, "allocation {} applied by as_of", a.id.0);
    }
    for s in &c.statuses {
        assert!(s.at <= end, "status {} of invoice {} is dated by the end of as_of", s.status.code(), s.invoice_id.0);
    }
    for d in &c.disputes {
        assert!(d.opened_on <= cfg.as_of, "dispute {} opened by as_of", d.id.0);
        assert!(
            d.resolved_on.is_none_or(|r| r <= cfg.as_of && r >= d.opened_on),
            "dispute {} resolved in order",
            d.id.0
        );
        assert_eq!(d.state == DisputeState::Resolved, d.resolved_on.is_some(), "resolved iff it has a date");
    }
    for p in &c.promises {
        assert!(p.made_on <= cfg.as_of, "promise {} made by as_of", p.id.0);
        assert!(p.promised_for > p.made_on, "promise {} is for a later date", p.id.0);
    }
}

#[test]
fn identifiers_pass_the_domain_validators() {
    let (c, _) = collect(&config(3, 400, 2_000));
    let mut sirens = HashSet::new();
    for cl in &c.clients {
        let siren = cl.siren.as_ref().expect("French clients have a SIREN");
        assert!(Siren::parse(siren.as_str()).is_ok(), "{siren:?} is valid");
        assert_ne!(siren.as_str(), "356000000", "never La Poste");
        assert!(sirens.insert(siren.clone()), "{siren:?} is unique");
        let siret = cl.siret.as_ref().expect("clients have a SIRET");
        assert!(Siret::parse(siret.as_str()).is_ok(), "{siret:?} is valid");
        assert_eq!(siret.siren_part(), siren.as_str(), "the SIRET starts with the SIREN");
        let vat = cl.vat.as_ref().expect("clients have a VAT number");
        assert!(VatNumber::parse(vat.as_str()).is_ok(), "{vat:?} is valid");
        assert_eq!(&vat.siren(), siren, "the VAT number carries the SIREN");
        let naf = cl.naf.as_ref().expect("clients have a NAF code");
        assert!(NafCode::parse(naf.as_str()).is_ok(), "{naf:?} is valid");
        assert_eq!(cl.is_individual, cl.legal_form.as_deref() == Some("EI"), "EI marks a sole trader");
        assert!(["Grands comptes", "PME", "TPE"].contains(&cl.segment.as_str()), "known segment {}", cl.segment);
        assert!(!cl.contacts.is_empty() && cl.contacts[0].email.is_some(), "{} has a contact with an e-mail", cl.name);
        let phone = cl.contacts[0].phone.as_deref().expect("a phone number");
        assert!(phone.len() == 14 && phone.as_bytes()[2] == b' ', "phone written in pairs: {phone}");
        assert_eq!(cl.address.country, "FR", "French address");
        assert!(cl.address.postcode.len() == 5, "5-digit postcode");
        assert!(cl.since <= d("2027-03-31"), "relationship started by as_of");
        assert_eq!(cl.source.origin, "demo:seed=3", "source origin");
        assert_eq!(cl.source.locator, format!("client #{}", cl.id.0), "source locator");
    }
    for p in &c.payments {
        let iban = p.payer_iban.as_ref().expect("payments carry the payer's IBAN");
        assert!(Iban::parse(iban.as_str()).is_ok(), "{iban:?} is valid");
        let name = p.payer_name.as_deref().expect("payer name");
        assert!(name.starts_with("VIR SEPA ") && name == name.to_ascii_uppercase(), "bank-style payer name {name}");
        assert!(p.remittance.as_deref().is_some_and(|r| !r.is_empty() && r.len() <= 140), "SEPA remittance");
    }
    for i in &c.invoices {
        let iban = i.payee_iban.as_ref().expect("invoices carry the seller's IBAN");
        assert!(Iban::parse(iban.as_str()).is_ok(), "{iban:?} is valid");
        let n = i.number.as_bytes();
        let well_formed = n.len() >= 12
            && (n[0] == b'F' || n[0] == b'A')
            && n[1..5].iter().all(u8::is_ascii_digit)
            && n[5] == b'-'
            && n[6..].iter().all(u8::is_ascii_digit);
        assert!(well_formed, "number {} is F2026-000123 or A2026-000123", i.number);
    }
    let ibans: HashSet<_> = c.invoices.iter().map(|i| i.payee_iban.clone()).collect();
    assert_eq!(ibans.len(), 1, "one seller IBAN per portfolio");
}

#[test]
fn statuses_follow_the_reform_calendar_and_tell_a_consistent_story() {
    let cfg = config(21, 150, 9_000);
    let (c, _) = collect(&cfg);
    let by_id: HashMap<i64, &Invoice> = c.invoices.iter().map(|i| (i.id.0, i)).collect();
    let mut history: HashMap<i64, Vec<&StatusEvent>> = HashMap::new();
    for s in &c.statuses {
        history.entry(s.invoice_id.0).or_default().push(s);
    }
    let mut codes = HashSet::new();
    for (id, events) in &history {
        let i = by_id[id];
        assert!(i.issue_date >= d("2026-09-01"), "{}: statuses only after the reform's start", i.number);
        assert_eq!(events[0].status, LifecycleStatus::Deposee, "{}: the lifecycle starts with 200", i.number);
        assert!(events[0].at.date() == i.issue_date, "{}: deposited on its issue date", i.number);
        for w in events.windows(2) {
            assert!(w[0].at < w[1].at, "{}: statuses arrive in time order", i.number);
        }
        for e in events {
            codes.insert(e.status.code());
            match e.status {
                LifecycleStatus::EnLitige | LifecycleStatus::Refusee => {
                    assert!(
                        e.reason_code.is_some() && e.reason.is_some(),
                        "{}: a {} carries its reason",
                        i.number,
                        e.status.code()
                    )
                }
                LifecycleStatus::Encaissee => {
                    assert!(
                        e.amounts.iter().all(|a| a.type_code == "MEN" && a.vat_rate.is_some()),
                        "212 has MEN per rate"
                    );
                    let rates: HashSet<_> = e.amounts.iter().map(|a| a.vat_rate).collect();
                    assert_eq!(rates.len(), i.vat_breakdown.len(), "{}: one MEN per VAT rate", i.number);
                }
                LifecycleStatus::PaiementTransmis => {
                    assert!(e.amounts.len() == 1 && e.amounts[0].type_code == "MPA", "211 carries the MPA amount")
                }
                _ => {}
            }
        }
    }
    let refused: HashSet<&str> = c
        .statuses
        .iter()
        .filter(|s| s.status == LifecycleStatus::Refusee)
        .map(|s| by_id[&s.invoice_id.0].number.as_str())
        .collect();
    // Every document issued since the reform has a lifecycle, except the internal credit note
    // that cancels a refused invoice, which is never transmitted (XP Z12-014 §4.2).
    let reformed = c.invoices.iter().filter(|i| {
        i.issue_date >= d("2026-09-01")
            && i.issue_date < cfg.as_of
            && !i.preceding_invoice.as_deref().is_some_and(|p| refused.contains(p))
    });
    for i in reformed {
        assert!(history.contains_key(&i.id.0), "{} (issued {}) has a lifecycle", i.number, i.issue_date);
    }
    for code in [200, 203, 204, 205, 207, 211, 212] {
        assert!(codes.contains(&code), "status {code} appears in the portfolio");
    }
    for d in &c.disputes {
        let litige =
            history.get(&d.invoice_ids[0].0).and_then(|h| h.iter().find(|s| s.status == LifecycleStatus::EnLitige));
        if let Some(s) = litige {
            let code = s.reason_code.as_deref().unwrap_or_default();
            assert_eq!(DisputeReason::from_afnor(code), d.reason, "dispute {} matches its 207 reason {code}", d.id.0);
        }
    }

    let (early, _) = collect(&DemoConfig::new(21, 30, 1_000, d("2026-06-30"), seller()));
    assert!(early.statuses.is_empty(), "no lifecycle status before the reform");
}

#[test]
fn promises_agree_with_the_payments() {
    let cfg = config(17, 300, 20_000);
    let (c, _) = collect(&cfg);
    let mut paid: HashMap<i64, Vec<(NaiveDate, i64)>> = HashMap::new();
    for a in c.allocations.iter().filter(|a| matches!(a.from, AllocationFrom::Payment(_))) {
        paid.entry(a.invoice_id.0).or_default().push((a.applied_on, cents(&a.amount)));
    }
    assert!(!c.promises.is_empty(), "slow and failing clients make promises");
    let mut states = HashSet::new();
    for p in &c.promises {
        let since: i64 = p
            .invoice_ids
            .iter()
            .flat_map(|i| paid.get(&i.0).into_iter().flatten())
            .filter(|(on, _)| *on >= p.made_on)
            .map(|(_, c)| c)
            .sum();
        let paid_since = Money::eur(Decimal::new(since, 2));
        assert_eq!(p.state_on(cfg.as_of, &paid_since), p.state, "promise {} state agrees with payments", p.id.0);
        states.insert(format!("{:?}", p.state));
    }
    assert_eq!(states.len(), 3, "pending, kept and broken promises all appear: {states:?}");
    let open = c.disputes.iter().filter(|d| d.state == DisputeState::Open).count();
    assert!(open > 0 && open < c.disputes.len(), "some disputes are open, most are resolved");
}

/// Portfolio-level shape: open balance, DSO, lateness by client, failing clients.
#[test]
fn the_portfolio_looks_like_a_real_one() {
    let cfg = config(42, 600, 40_000);
    let (c, _) = collect(&cfg);
    let alloc = allocated(&c);
    let year_ago = cfg.as_of - chrono::Days::new(365);
    let (mut invoiced, mut open, mut overdue, mut last_year) = (0i64, 0i64, 0i64, 0i64);
    for i in c.invoices.iter().filter(|i| i.kind != InvoiceKind::CreditNote) {
        let due = cents(&i.totals.due_payable);
        let rest = due - alloc.get(&i.id.0).copied().unwrap_or(0);
        invoiced += due;
        open += rest;
        if i.due_date < cfg.as_of {
            overdue += rest;
        }
        if i.issue_date > year_ago {
            last_year += due;
        }
    }
    let open_ratio = ratio(open, invoiced);
    let dso = ratio(open, last_year) * dec!(365);
    let overdue_share = ratio(overdue, open);
    println!("open {open_ratio:.3} of two years, DSO {dso:.1} days, overdue {overdue_share:.2} of open");
    assert!((dec!(0.06)..dec!(0.20)).contains(&open_ratio), "about a tenth of two years is open ({open_ratio:.3})");
    assert!((dec!(40)..dec!(80)).contains(&dso), "DSO of a French SME portfolio ({dso:.1} days)");
    assert!((dec!(0.2)..dec!(0.8)).contains(&overdue_share), "not-due and overdue parts ({overdue_share:.2})");

    // Observed lateness per client (amount-weighted days past due of paid invoices).
    let by_id: HashMap<i64, &Invoice> = c.invoices.iter().map(|i| (i.id.0, i)).collect();
    let mut lateness: HashMap<i64, (i128, i128)> = HashMap::new();
    for a in c.allocations.iter().filter(|a| matches!(a.from, AllocationFrom::Payment(_))) {
        let i = by_id[&a.invoice_id.0];
        let amount = i128::from(cents(&a.amount));
        let e = lateness.entry(i.client_id.0).or_default();
        e.0 += amount * i128::from((a.applied_on - i.due_date).num_days());
        e.1 += amount;
    }
    let late = lateness.values().filter(|(w, a)| ratio(*w, *a) > dec!(12)).count();
    let late_clients = ratio(count(late), count(lateness.len()));
    println!("clients paying more than 12 days late on average: {late_clients:.2}");
    assert!((dec!(0.2)..dec!(0.6)).contains(&late_clients), "a third or so of clients pay late ({late_clients:.2})");

    // Failing clients: nothing paid for the last month, several recent overdue invoices left unpaid.
    let mut last_payment: HashMap<i64, NaiveDate> = HashMap::new();
    for p in &c.payments {
        let e = last_payment.entry(p.client_id.map_or(0, |c| c.0)).or_insert(p.booked_on);
        *e = (*e).max(p.booked_on);
    }
    let mut unpaid_recent: HashMap<i64, usize> = HashMap::new();
    for i in &c.invoices {
        let unpaid = alloc.get(&i.id.0).copied().unwrap_or(0) == 0;
        if unpaid && i.due_date < cfg.as_of && i.issue_date > cfg.as_of - chrono::Days::new(200) {
            *unpaid_recent.entry(i.client_id.0).or_default() += 1;
        }
    }
    let failing = c
        .clients
        .iter()
        .filter(|cl| {
            let stopped = last_payment.get(&cl.id.0).is_some_and(|d| *d < cfg.as_of - chrono::Days::new(30));
            stopped && unpaid_recent.get(&cl.id.0).is_some_and(|n| *n >= 2)
        })
        .count();
    let failing = ratio(count(failing), count(c.clients.len()));
    println!("clients that stopped paying: {failing:.3}");
    assert!((dec!(0.02)..dec!(0.16)).contains(&failing), "a few clients stopped paying ({failing:.3})");
}

#[test]
fn a_sink_error_stops_generation() {
    struct FailAfter(u32);
    impl DemoSink for FailAfter {
        type Error = &'static str;
        fn client(&mut self, _: &Client) -> Result<(), Self::Error> {
            Ok(())
        }
        fn invoice(&mut self, _: &Invoice) -> Result<(), Self::Error> {
            if self.0 == 0 {
                return Err("disk full");
            }
            self.0 -= 1;
            Ok(())
        }
        fn payment(&mut self, _: &Payment) -> Result<(), Self::Error> {
            Ok(())
        }
        fn allocation(&mut self, _: &Allocation) -> Result<(), Self::Error> {
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
    let mut sink = FailAfter(100);
    assert_eq!(generate(&config(1, 10, 1_000), &mut sink), Err("disk full"), "the sink's error is returned");
}
