//! Bank statements for a demo portfolio: the payments its clients make after `as_of`, written as
//! the seller's bank reports them (camt.053.001.08), with the truth to score a matching engine.
//!
//! The payments are drawn the way French business clients pay (shares are of client payments):
//! - 40 % quote the ISO 11649 RF reference printed on the invoice (`RmtInf/Strd`), a few of them
//!   typed in the free text with their spaces instead;
//! - 22 % write the invoice number in the free text, in the forms people use: `FACT F2026-000123`,
//!   `VIREMENT FACT F2026000123`, `fa 2026/123`, `FACT F2026-00123`, `Facture n° … du 02/03/2026`;
//! - 9 % pay several invoices of one client at once, listing them (`REGLEMENT FACTURES F… F…`,
//!   `reglement factures 123 et 124`) or quoting each RF reference;
//! - 6 % are deposits (partial payments) of one invoice, 4 % pay an invoice net of an open credit
//!   note, 4 % pay too much (the €40 recovery indemnity, or a rounded amount);
//! - 15 % carry no reference at all: the amount of one invoice, or of the client's oldest two or
//!   three, and the payer's name and account.
//!
//! Payer names are written as banks print them: upper case without accents, the legal form before
//! or after the name, cut at 18 to 35 characters, sometimes behind `VIR SEPA`. Most payments carry
//! the client's usual IBAN, some none, some a new account the seller has never seen.
//!
//! Around them, credits that pay no invoice (noise): supplier refunds quoting *their* numbers,
//! interest, tax refunds, private persons, and two traps — a stranger paying exactly the open
//! amount of some client's invoice, and a refund quoting the digits of one of our invoice numbers
//! with another prefix. A few debits (fees, direct debits) complete the account's movements.
//!
//! Everything is drawn from the seed; nothing reads the clock.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::fmt::Write;

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};
use encours_domain::{
    Allocation, AllocationFrom, Client, ClientId, CreditorRef, Currency, Dispute, Iban, Invoice, InvoiceId,
    LifecycleStatus, Money, Payment, Promise, StatusEvent,
};
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

use crate::amounts::eur;
use crate::draw::{chance, pick, weighted, DemoRng};
use crate::ident::french_iban;
use crate::words::BANK_CODES;
use crate::DemoSink;

/// One open item of the portfolio, with what a payer knows of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementItem {
    /// The invoice or credit note.
    pub invoice: InvoiceId,
    /// Its client.
    pub client: ClientId,
    /// The client's legal name.
    pub client_name: String,
    /// The account the client usually pays from, when known.
    pub client_iban: Option<Iban>,
    /// BT-1 number.
    pub number: String,
    /// The RF reference printed for it, if any.
    pub creditor_ref: Option<CreditorRef>,
    /// What is left to pay (negative for an open credit note).
    pub outstanding: Money,
    /// BT-2 issue date.
    pub issue_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
}

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementConfig {
    /// Seed of every draw.
    pub seed: u64,
    /// The seller's account (the statement's `Acct/Id/IBAN`).
    pub account: Iban,
    /// The account holder's name.
    pub account_owner: String,
    /// First booking day; statements cover the business days from it.
    pub first_day: NaiveDate,
    /// Number of business days covered (one `Stmt` per day that has entries).
    pub days: u32,
    /// Client payments to draw (fewer when the portfolio runs out of open invoices).
    pub payments: usize,
    /// Credits that pay no invoice, in per cent of the payments.
    pub noise_percent: u32,
}

/// What an entry is, for the figures of a scoring run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntryKind {
    /// One invoice, RF reference.
    Reference,
    /// One invoice, number in the free text.
    NumberInText,
    /// Several invoices of one client, listed or with their references.
    Grouped,
    /// A deposit on one invoice.
    Partial,
    /// One invoice net of an open credit note.
    NetOfCreditNote,
    /// More than the invoice.
    Overpayment,
    /// One invoice, no reference.
    NoReference,
    /// The client's oldest invoices, no reference.
    GroupedNoReference,
    /// A credit that pays no invoice.
    Noise,
    /// A credit that pays no invoice but looks like it could: the exact amount of some client's
    /// invoice, or the digits of one of our numbers.
    Trap,
    /// Money out.
    Debit,
}

impl EntryKind {
    /// True for the kinds whose truth is a set of allocations.
    pub fn is_payment(self) -> bool {
        !matches!(self, EntryKind::Noise | EntryKind::Trap | EntryKind::Debit)
    }
}

/// What an entry really is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Truth {
    /// Its kind.
    pub kind: EntryKind,
    /// The client who paid, for payments.
    pub client: Option<ClientId>,
    /// `(item, amount)` the payment settles, credit notes negative; empty when it pays nothing.
    pub allocations: Vec<(InvoiceId, Money)>,
    /// What the payment leaves unallocated (an overpayment).
    pub unallocated: Money,
}

/// One entry of the statements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementEntry {
    /// The bank's reference (`AcctSvcrRef`), unique across the generated entries.
    pub bank_ref: String,
    /// Amount, positive.
    pub amount: Money,
    /// Money in.
    pub credit: bool,
    /// Booking date.
    pub booked_on: NaiveDate,
    /// Value date.
    pub value_date: NaiveDate,
    /// The debtor's name as the bank prints it.
    pub payer_name: Option<String>,
    /// The debtor's account.
    pub payer_iban: Option<Iban>,
    /// The entry label (`AddtlNtryInf`).
    pub label: String,
    /// Free remittance text (`RmtInf/Ustrd`), 140 characters at most each.
    pub unstructured: Vec<String>,
    /// Structured creditor references (`RmtInf/Strd/CdtrRefInf/Ref`).
    pub structured_refs: Vec<String>,
    /// `Refs/EndToEndId`, when the payer gave one.
    pub end_to_end_id: Option<String>,
    /// What it really is.
    pub truth: Truth,
}

/// Collects what [`crate::generate`] emits and keeps what the statements need: the open items at
/// `as_of` (invoices minus their allocations, credit notes not used up, without the invoices
/// refused, rejected or cancelled), each client's name, and the payer name and IBAN each client
/// used in its past payments (what a payer memory learns from history).
#[derive(Clone, Debug, Default)]
pub struct PortfolioCollector {
    names: HashMap<ClientId, String>,
    payers: HashMap<ClientId, (Option<Iban>, Option<String>)>,
    invoices: Vec<Invoice>,
    positions: HashMap<InvoiceId, usize>,
    open: Vec<Decimal>,
    closed: HashSet<InvoiceId>,
    history: Vec<(ClientId, Option<Iban>, Option<String>)>,
    credit_notes_open_since: Option<NaiveDate>,
}

impl PortfolioCollector {
    /// An empty collector.
    pub fn new() -> PortfolioCollector {
        PortfolioCollector::default()
    }

    /// A collector that leaves open the partial credit notes applied on or after `since`, with
    /// the invoices they credit: the state of a ledger where recent credit notes are not lettered
    /// yet and the client will deduct them from its next payment. The demo generator applies
    /// every credit note at once, so without this there are no open credit notes to pay net of.
    pub fn leaving_credit_notes_open_since(since: NaiveDate) -> PortfolioCollector {
        PortfolioCollector { credit_notes_open_since: Some(since), ..PortfolioCollector::default() }
    }

    /// The open items, in emission order (client by client, oldest first), with their RF
    /// reference as Encours prints it ([`CreditorRef::for_invoice`]).
    pub fn open_items(&self) -> Vec<StatementItem> {
        let mut out = Vec::new();
        for (inv, open) in self.invoices.iter().zip(&self.open) {
            if open.is_zero() || self.closed.contains(&inv.id) {
                continue;
            }
            let payer = self.payers.get(&inv.client_id);
            out.push(StatementItem {
                invoice: inv.id,
                client: inv.client_id,
                client_name: self.names.get(&inv.client_id).cloned().unwrap_or_default(),
                client_iban: payer.and_then(|p| p.0.clone()),
                number: inv.number.clone(),
                creditor_ref: Some(CreditorRef::for_invoice(&inv.number, inv.id)),
                outstanding: Money::new(*open, inv.currency),
                issue_date: inv.issue_date,
                due_date: inv.due_date,
            });
        }
        out.sort_by_key(|i| (i.client, i.due_date, i.issue_date, i.invoice));
        out
    }

    /// Every past payment's `(client, payer IBAN, payer name)`, in emission order: what the
    /// dossier's payer memory is built from.
    pub fn payment_history(&self) -> &[(ClientId, Option<Iban>, Option<String>)] {
        &self.history
    }

    fn apply(&mut self, id: InvoiceId, delta: Decimal) {
        if let Some(&p) = self.positions.get(&id) {
            if let Some(o) = self.open.get_mut(p) {
                *o += delta;
            }
        }
    }
}

impl DemoSink for PortfolioCollector {
    type Error = Infallible;

    fn client(&mut self, c: &Client) -> Result<(), Infallible> {
        self.names.insert(c.id, c.name.clone());
        Ok(())
    }

    fn invoice(&mut self, i: &Invoice) -> Result<(), Infallible> {
        self.positions.insert(i.id, self.invoices.len());
        self.open.push(i.receivable_effect().amount);
        self.invoices.push(i.clone());
        Ok(())
    }

    fn payment(&mut self, p: &Payment) -> Result<(), Infallible> {
        if let Some(c) = p.client_id {
            self.payers.entry(c).or_insert_with(|| (p.payer_iban.clone(), p.payer_name.clone()));
            self.history.push((c, p.payer_iban.clone(), p.payer_name.clone()));
        }
        Ok(())
    }

    fn allocation(&mut self, a: &Allocation) -> Result<(), Infallible> {
        if let (AllocationFrom::CreditNote(_), Some(since)) = (a.from, self.credit_notes_open_since) {
            // A credit note that cancels its invoice entirely stays lettered with it: only
            // partial credits are left for the client to deduct.
            let cancels = self
                .positions
                .get(&a.invoice_id)
                .and_then(|&p| self.invoices.get(p))
                .is_some_and(|inv| inv.receivable_effect().amount == a.amount.amount);
            if a.applied_on >= since && !cancels {
                return Ok(());
            }
        }
        self.apply(a.invoice_id, -a.amount.amount);
        if let AllocationFrom::CreditNote(cn) = a.from {
            // The credit note is used by as much (its open amount is negative).
            self.apply(cn, a.amount.amount);
        }
        Ok(())
    }

    fn status(&mut self, s: &StatusEvent) -> Result<(), Infallible> {
        // No payment is expected for a refused, rejected or cancelled invoice (the store leaves
        // them out of the open items too).
        if matches!(s.status, LifecycleStatus::Refusee | LifecycleStatus::Rejetee | LifecycleStatus::Annulee) {
            self.closed.insert(s.invoice_id);
        }
        Ok(())
    }

    fn dispute(&mut self, _: &Dispute) -> Result<(), Infallible> {
        Ok(())
    }

    fn promise(&mut self, _: &Promise) -> Result<(), Infallible> {
        Ok(())
    }
}

/// Cents of an amount, when it is a euro amount with at most two decimals.
fn cents(m: &Money) -> Option<i64> {
    if m.currency != Currency::EUR {
        return None;
    }
    let scaled = m.amount.checked_mul(Decimal::ONE_HUNDRED)?;
    if !scaled.fract().is_zero() {
        return None;
    }
    i64::try_from(scaled.mantissa() / 10i128.checked_pow(scaled.scale())?).ok()
}

/// `F2026-000123` as `("F", "2026", "000123")`: the numbering the demo uses.
fn demo_shape(number: &str) -> Option<(&str, &str, &str)> {
    let letters_end = number.find(|c: char| !c.is_ascii_alphabetic())?;
    let (letters, rest) = number.split_at(letters_end);
    let (year, seq) = rest.split_once('-')?;
    let ok = !letters.is_empty()
        && year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && !seq.is_empty()
        && seq.bytes().all(|b| b.is_ascii_digit());
    ok.then_some((letters, year, seq))
}

fn strip_zeros(s: &str) -> &str {
    let t = s.trim_start_matches('0');
    if t.is_empty() {
        "0"
    } else {
        t
    }
}

/// Upper-case ASCII, accents folded, other characters as spaces (bank printing).
fn bank_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let f = match c {
            'à' | 'â' | 'ä' | 'á' | 'À' | 'Â' | 'Ä' | 'Á' => "A",
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => "E",
            'î' | 'ï' | 'Î' | 'Ï' => "I",
            'ô' | 'ö' | 'Ô' | 'Ö' => "O",
            'ù' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => "U",
            'ç' | 'Ç' => "C",
            'œ' | 'Œ' => "OE",
            'æ' | 'Æ' => "AE",
            c if c.is_ascii_alphanumeric() => {
                out.push(c.to_ascii_uppercase());
                continue;
            }
            '&' | '-' | '.' | '/' => {
                out.push(c);
                continue;
            }
            _ => " ",
        };
        if f == " " {
            if !out.ends_with(' ') && !out.is_empty() {
                out.push(' ');
            }
        } else {
            out.push_str(f);
        }
    }
    out.trim_end().to_owned()
}

const LEGAL_FORMS: &[&str] = &["SARL", "SAS", "SA", "EURL", "SASU", "SNC", "EI"];

/// The client's name as one bank or another prints it.
fn payer_name(rng: &mut DemoRng, client_name: &str) -> String {
    let name = bank_case(client_name);
    let words: Vec<&str> = name.split(' ').collect();
    let form = words.iter().position(|w| LEGAL_FORMS.contains(w));
    let style = weighted(rng, &[(0u8, 40), (1, 20), (2, 25), (3, 15)]);
    let moved = |name: &str| -> String {
        match form {
            Some(i) => {
                let mut rest: Vec<&str> = words.clone();
                let f = rest.remove(i);
                if i == 0 {
                    format!("{} {f}", rest.join(" "))
                } else {
                    format!("{f} {}", rest.join(" "))
                }
            }
            None => name.to_owned(),
        }
    };
    match style {
        0 => name,
        1 => moved(&name),
        2 => {
            let cut = rng.random_range(18..=35);
            let mut n = name.clone();
            if n.len() > cut {
                n.truncate(cut);
            }
            n.trim_end().to_owned()
        }
        _ => {
            let mut n = format!("{}{}", pick(rng, &["VIR SEPA ", "VIREMENT DE ", "VIR SEPA RECU /DE "]), moved(&name));
            n.truncate(70);
            n.trim_end().to_owned()
        }
    }
}

/// The free text quoting one invoice number, in one of the forms payers write.
fn number_text(rng: &mut DemoRng, item: &StatementItem) -> String {
    let n = item.number.as_str();
    let Some((letters, year, seq)) = demo_shape(n) else {
        return match rng.random_range(0..4) {
            0 => format!("FACT {n}"),
            1 => n.to_owned(),
            2 => format!("facture {}", n.to_lowercase()),
            _ => format!("REGLEMENT {}", n.replace('-', "/")),
        };
    };
    let short = strip_zeros(seq);
    let one_zero_less = seq.strip_prefix('0').filter(|s| !s.is_empty()).unwrap_or(seq);
    let issue = item.issue_date;
    match weighted(
        rng,
        &[(0u8, 20), (1, 12), (2, 10), (3, 10), (4, 10), (5, 8), (6, 8), (7, 6), (8, 6), (9, 5), (10, 5)],
    ) {
        0 => format!("FACT {n}"),
        1 => n.to_owned(),
        2 => format!("REGLEMENT FACTURE {n}"),
        3 => format!("VIREMENT FACT {letters}{year}{seq}"),
        4 => format!("fa {year}/{short}"),
        5 => format!("FACT {letters}{year}-{one_zero_less}"),
        6 => format!("Facture n° {n} du {:02}/{:02}/{}", issue.day(), issue.month(), issue.year()),
        7 => format!("PAIEMENT {n} MERCI"),
        8 => format!("fact {}", n.to_lowercase()),
        9 => format!("FACTURE {year}-{short}"),
        _ => format!("INV {year}{seq}"),
    }
}

/// The free text of a payment of several invoices; `None` when the references go in `Strd`.
fn grouped_text(rng: &mut DemoRng, items: &[&StatementItem]) -> Option<String> {
    let numbers: Vec<&str> = items.iter().map(|i| i.number.as_str()).collect();
    let sequences: Option<Vec<&str>> =
        items.iter().map(|i| demo_shape(&i.number).map(|(_, _, s)| strip_zeros(s))).collect();
    let text = match rng.random_range(0..4) {
        0 => format!("REGLEMENT FACTURES {}", numbers.join(" ")),
        1 => match numbers.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("FACT {} ET {last}", rest.join(", ")),
            _ => format!("FACT {}", numbers.join(" ")),
        },
        2 => match sequences {
            Some(s) => match s.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("reglement factures {} et {last}", rest.join(", ")),
                _ => format!("reglement facture {}", s.join(" ")),
            },
            None => format!("REGLEMENT {}", numbers.join(" / ")),
        },
        _ => return None,
    };
    Some(text)
}

/// A deposit on an invoice: 30–70 %, rounded as people round transfers.
fn deposit(rng: &mut DemoRng, open: i64) -> i64 {
    let raw = open * rng.random_range(30..=70) / 100;
    let rounded = match raw {
        500_000.. => raw / 10_000 * 10_000,
        10_000.. => raw / 100 * 100,
        _ => raw,
    };
    rounded.clamp(1, open - 1)
}

/// Business days from `first`, `count` of them.
fn business_days(first: NaiveDate, count: u32) -> Vec<NaiveDate> {
    let mut out = Vec::with_capacity(count as usize);
    let mut d = first;
    while out.len() < count.max(1) as usize {
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            out.push(d);
        }
        d += TimeDelta::days(1);
    }
    out
}

const SUPPLIERS: &[&str] = &[
    "ORANGE BUSINESS SERVICES",
    "EDF ENTREPRISES",
    "BUREAU VALLEE PRO",
    "TOTALENERGIES MARKETING",
    "LOCAMAT ENGINS",
    "AXA FRANCE IARD",
];
const STRANGERS: &[&str] = &[
    "M OU MME PONCELET GERARD",
    "MME ABGRALL NOLWENN",
    "M KERJEAN YANN",
    "SCI DU QUEMENER",
    "ASSOC GYM VOLONTAIRE GUILLOU",
    "M VASSEUR DIDIER",
];

struct Draft {
    kind: EntryKind,
    client: Option<ClientId>,
    cents: i64,
    credit: bool,
    payer_name: Option<String>,
    payer_iban: Option<Iban>,
    label: String,
    unstructured: Vec<String>,
    structured: Vec<String>,
    end_to_end_id: Option<String>,
    allocations: Vec<(InvoiceId, i64)>,
    unallocated: i64,
    /// Not booked before this day (the latest issue date of what it pays).
    not_before: NaiveDate,
}

struct Generator<'a> {
    rng: DemoRng,
    items: &'a [StatementItem],
    /// Positive open invoices of each client, oldest first, as positions in `items`.
    invoices: HashMap<ClientId, Vec<usize>>,
    credit_notes: HashMap<ClientId, Vec<usize>>,
    used: Vec<bool>,
}

impl Generator<'_> {
    fn open(&self, i: usize) -> i64 {
        self.items.get(i).and_then(|it| cents(&it.outstanding)).unwrap_or(0)
    }

    fn unused_of(&self, client: ClientId, from: &HashMap<ClientId, Vec<usize>>) -> Vec<usize> {
        from.get(&client).map(|v| v.iter().copied().filter(|&i| !self.used[i]).collect()).unwrap_or_default()
    }

    fn payer(&mut self, item: &StatementItem, draft: &mut Draft) {
        let name = payer_name(&mut self.rng, &item.client_name);
        draft.payer_name = Some(name.clone());
        let roll = self.rng.random_range(0..100);
        draft.payer_iban = match (roll, &item.client_iban) {
            (0..85, Some(iban)) => Some(iban.clone()),
            (85..95, _) => None,
            _ => {
                // A new account (or a client who never paid before): unknown to the seller.
                let bank = *pick(&mut self.rng, BANK_CODES);
                Some(french_iban(bank, self.rng.random_range(1..100_000), self.rng.random_range(0..100_000_000_000)))
            }
        };
        draft.label = if name.starts_with("VIR") { name } else { format!("VIR SEPA RECU /DE {name}") };
    }

    fn draft(&self, kind: EntryKind, client: Option<ClientId>) -> Draft {
        Draft {
            kind,
            client,
            cents: 0,
            credit: true,
            payer_name: None,
            payer_iban: None,
            label: String::new(),
            unstructured: Vec::new(),
            structured: Vec::new(),
            end_to_end_id: None,
            allocations: Vec::new(),
            unallocated: 0,
            not_before: NaiveDate::MIN,
        }
    }

    fn settle(&mut self, d: &mut Draft, positions: &[usize]) {
        for &p in positions {
            self.used[p] = true;
            let amount = self.open(p);
            d.allocations.push((self.items[p].invoice, amount));
            d.cents += amount;
            d.not_before = d.not_before.max(self.items[p].issue_date);
        }
    }

    /// What goes in `Strd/CdtrRefInf/Ref`: the RF reference, compact as banks transmit it, or the
    /// number when the item has none.
    fn reference(&self, p: usize) -> String {
        self.items[p]
            .creditor_ref
            .as_ref()
            .map(|r| r.as_str().to_owned())
            .unwrap_or_else(|| self.items[p].number.clone())
    }

    /// One client payment starting from invoice `p`; `None` when the style needs what the client
    /// does not have (the caller then draws another style).
    fn payment(&mut self, p: usize, kind: EntryKind) -> Option<Draft> {
        let items = self.items;
        let item = &items[p];
        let client = item.client;
        let mut d = self.draft(kind, Some(client));
        match kind {
            EntryKind::Reference => {
                let rf = self.items[p].creditor_ref.clone()?;
                self.settle(&mut d, &[p]);
                if chance(&mut self.rng, 0.1) {
                    d.unstructured.push(format!("REF {rf}"));
                } else {
                    d.structured.push(rf.as_str().to_owned());
                }
            }
            EntryKind::NumberInText => {
                let text = number_text(&mut self.rng, item);
                self.settle(&mut d, &[p]);
                d.unstructured.push(text);
            }
            EntryKind::Grouped => {
                let others: Vec<usize> =
                    self.unused_of(client, &self.invoices).into_iter().filter(|&o| o != p).collect();
                if others.is_empty() {
                    return None;
                }
                let extra = self.rng.random_range(1..=others.len().min(3));
                let mut chosen = vec![p];
                chosen.extend(others.iter().take(extra));
                chosen.sort_by_key(|&i| (self.items[i].due_date, self.items[i].invoice));
                let refs: Vec<&StatementItem> = chosen.iter().map(|&i| &self.items[i]).collect();
                match grouped_text(&mut self.rng, &refs) {
                    Some(t) if t.len() <= 140 => d.unstructured.push(t),
                    _ => d.structured = chosen.iter().map(|&i| self.reference(i)).collect(),
                }
                self.settle(&mut d, &chosen);
            }
            EntryKind::Partial => {
                let open = self.open(p);
                if open < 200 {
                    return None;
                }
                let amount = deposit(&mut self.rng, open);
                self.used[p] = true;
                d.cents = amount;
                d.allocations.push((item.invoice, amount));
                d.not_before = item.issue_date;
                match self.rng.random_range(0..10) {
                    0..5 => d.unstructured.push(format!("ACOMPTE FACT {}", item.number)),
                    5..8 => d.structured.push(self.reference(p)),
                    _ => d.unstructured.push(format!("REGLEMENT PARTIEL {}", item.number)),
                }
            }
            EntryKind::NetOfCreditNote => {
                let open = self.open(p);
                let cn = self.unused_of(client, &self.credit_notes).into_iter().find(|&c| -self.open(c) < open)?;
                let text = match self.rng.random_range(0..4) {
                    0 => format!("FACT {} MOINS AVOIR {}", item.number, self.items[cn].number),
                    1 => format!("FACT {} - AVOIR {} DEDUIT", item.number, self.items[cn].number),
                    2 => format!("FACT {}", item.number),
                    _ => String::new(),
                };
                if text.is_empty() {
                    d.structured.push(self.reference(p));
                } else {
                    d.unstructured.push(text);
                }
                self.settle(&mut d, &[p, cn]);
            }
            EntryKind::Overpayment => {
                let open = self.open(p);
                let extra = if chance(&mut self.rng, 0.4) {
                    4_000
                } else {
                    let step = if open >= 100_000 { 10_000 } else { 1_000 };
                    let up = (open / step + 1) * step - open;
                    if up == 0 {
                        step
                    } else {
                        up
                    }
                };
                if extra == 4_000 {
                    d.unstructured.push(format!("FACT {} + INDEMNITE 40 EUR", item.number));
                } else if chance(&mut self.rng, 0.5) {
                    d.unstructured.push(number_text(&mut self.rng, item));
                } else {
                    d.structured.push(self.reference(p));
                }
                self.settle(&mut d, &[p]);
                d.cents += extra;
                d.unallocated = extra;
            }
            EntryKind::NoReference => {
                self.settle(&mut d, &[p]);
                let text = *pick(&mut self.rng, &["", "VIREMENT", "REGLEMENT", "PAIEMENT FOURNISSEUR"]);
                if !text.is_empty() {
                    d.unstructured.push(text.to_owned());
                }
            }
            EntryKind::GroupedNoReference => {
                let unused = self.unused_of(client, &self.invoices);
                if unused.len() < 2 {
                    return None;
                }
                let n = self.rng.random_range(2..=unused.len().min(3));
                let chosen: Vec<usize> = unused.into_iter().take(n).collect();
                self.settle(&mut d, &chosen);
                if chance(&mut self.rng, 0.5) {
                    d.unstructured.push("REGLEMENT ECHEANCES".to_owned());
                }
            }
            _ => return None,
        }
        self.payer(item, &mut d);
        if chance(&mut self.rng, 0.6) {
            d.end_to_end_id = Some(format!("E2E{:08}{}", self.rng.random_range(0..100_000_000u32), item.invoice.0));
        }
        Some(d)
    }

    fn noise(&mut self) -> Draft {
        let roll = self.rng.random_range(0..100);
        let mut d = self.draft(EntryKind::Noise, None);
        d.cents = self.rng.random_range(1_000..500_000);
        match roll {
            0..25 => {
                let who = *pick(&mut self.rng, SUPPLIERS);
                d.payer_name = Some(who.to_owned());
                d.label = format!("VIR SEPA RECU /DE {who}");
                let their = self.rng.random_range(10_000..99_999);
                d.unstructured.push(
                    (*pick(&mut self.rng, &["REMBOURSEMENT AVOIR AV-{}", "REMB TROP PERCU FACTURE {}", "AVOIR N {}"]))
                        .replace("{}", &their.to_string()),
                );
            }
            25..35 => {
                d.cents = self.rng.random_range(1..5_000);
                d.label = "INTERETS CREDITEURS".to_owned();
                d.unstructured.push(format!("INTERETS CREDITEURS {}E TRIMESTRE", self.rng.random_range(1..=4)));
            }
            35..40 => {
                d.payer_name = Some("DGFIP".to_owned());
                d.label = "VIR SEPA RECU /DE DGFIP".to_owned();
                d.unstructured.push("REMBOURSEMENT CREDIT TVA".to_owned());
            }
            40..60 => {
                let who = *pick(&mut self.rng, STRANGERS);
                d.payer_name = Some(who.to_owned());
                d.label = format!("VIR SEPA RECU /DE {who}");
                if chance(&mut self.rng, 0.5) {
                    d.unstructured.push("REMBOURSEMENT".to_owned());
                }
            }
            60..90 => {
                // A stranger pays exactly what some client's invoice leaves open.
                d.kind = EntryKind::Trap;
                let p = self.rng.random_range(0..self.items.len().max(1));
                if let Some(open) = self.items.get(p).map(|_| self.open(p)).filter(|o| *o > 0) {
                    d.cents = open;
                }
                let who = *pick(&mut self.rng, STRANGERS);
                d.payer_name = Some(who.to_owned());
                d.label = format!("VIR SEPA RECU /DE {who}");
                if chance(&mut self.rng, 0.5) {
                    d.unstructured.push((*pick(&mut self.rng, &["LOYER", "REMBOURSEMENT", "CAUTION"])).to_owned());
                }
            }
            _ => {
                // A supplier's refund quoting the digits of one of our numbers with its own prefix.
                d.kind = EntryKind::Trap;
                let p = self.rng.random_range(0..self.items.len().max(1));
                let who = *pick(&mut self.rng, SUPPLIERS);
                d.payer_name = Some(who.to_owned());
                d.label = format!("VIR SEPA RECU /DE {who}");
                let digits = self
                    .items
                    .get(p)
                    .and_then(|i| demo_shape(&i.number).map(|(_, y, s)| format!("{y}-{}", strip_zeros(s))))
                    .unwrap_or_else(|| "2026-4512".to_owned());
                d.unstructured.push(format!("REMB TROP PERCU FACT FRN{digits}"));
            }
        }
        d
    }

    fn debit(&mut self) -> Draft {
        let mut d = self.draft(EntryKind::Debit, None);
        d.credit = false;
        match self.rng.random_range(0..3) {
            0 => {
                d.cents = self.rng.random_range(500..6_000);
                d.label = "FRAIS TENUE DE COMPTE".to_owned();
            }
            1 => {
                d.cents = self.rng.random_range(50_000..900_000);
                d.label = "PRLV SEPA URSSAF".to_owned();
            }
            _ => {
                let who = *pick(&mut self.rng, SUPPLIERS);
                d.cents = self.rng.random_range(10_000..400_000);
                d.label = format!("VIR SEPA EMIS /A {who}");
            }
        }
        d
    }
}

/// Draws the entries (payments, noise, debits) for the open items, in booking order.
pub fn generate_entries(items: &[StatementItem], cfg: &StatementConfig) -> Vec<StatementEntry> {
    let mut g = Generator {
        rng: DemoRng::seed_from_u64(cfg.seed ^ 0x5354_4154_454d_454e),
        items,
        invoices: HashMap::new(),
        credit_notes: HashMap::new(),
        used: vec![false; items.len()],
    };
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| (items[i].client, items[i].due_date, items[i].issue_date, items[i].invoice));
    for &i in &order {
        match cents(&items[i].outstanding) {
            Some(c) if c > 0 => g.invoices.entry(items[i].client).or_default().push(i),
            Some(c) if c < 0 => g.credit_notes.entry(items[i].client).or_default().push(i),
            _ => {}
        }
    }
    // Invoices in a random order: the next one not yet used starts the next payment.
    let mut queue: Vec<usize> =
        order.iter().copied().filter(|&i| cents(&items[i].outstanding).unwrap_or(0) > 0).collect();
    for i in (1..queue.len()).rev() {
        let j = g.rng.random_range(0..=i);
        queue.swap(i, j);
    }
    let styles = [
        (EntryKind::Reference, 400u32),
        (EntryKind::NumberInText, 220),
        (EntryKind::Grouped, 90),
        (EntryKind::Partial, 60),
        (EntryKind::NetOfCreditNote, 40),
        (EntryKind::Overpayment, 40),
        (EntryKind::NoReference, 100),
        (EntryKind::GroupedNoReference, 50),
    ];
    let mut drafts = Vec::with_capacity(cfg.payments + cfg.payments / 5);
    let mut payments = 0;
    for p in queue {
        if payments >= cfg.payments {
            break;
        }
        if g.used[p] {
            continue;
        }
        let kind = weighted(&mut g.rng, &styles);
        let d = match g.payment(p, kind) {
            Some(d) => d,
            None => match g.payment(p, EntryKind::NumberInText) {
                Some(d) => d,
                None => continue,
            },
        };
        drafts.push(d);
        payments += 1;
    }
    let noise = payments * cfg.noise_percent as usize / 100;
    for _ in 0..noise {
        let d = g.noise();
        drafts.push(d);
    }
    for _ in 0..payments / 20 {
        let d = g.debit();
        drafts.push(d);
    }
    // Booking days: each entry on a business day, never before what it pays was issued.
    let days = business_days(cfg.first_day, cfg.days);
    let mut dated: Vec<(NaiveDate, usize, Draft)> = drafts
        .into_iter()
        .enumerate()
        .map(|(n, d)| {
            let mut day = *pick(&mut g.rng, &days);
            if day < d.not_before {
                day = days.iter().copied().find(|x| *x >= d.not_before).unwrap_or(d.not_before);
            }
            (day, n, d)
        })
        .collect();
    dated.sort_by_key(|(day, n, _)| (*day, *n));
    let mut seq_of_day: (NaiveDate, u32) = (NaiveDate::MIN, 0);
    dated
        .into_iter()
        .map(|(day, _, d)| {
            if seq_of_day.0 != day {
                seq_of_day = (day, 0);
            }
            seq_of_day.1 += 1;
            let value_date = if d.credit && chance(&mut g.rng, 0.2) { day + TimeDelta::days(1) } else { day };
            StatementEntry {
                bank_ref: format!("{}{:05}", day.format("%Y%m%d"), seq_of_day.1),
                amount: eur(d.cents),
                credit: d.credit,
                booked_on: day,
                value_date,
                payer_name: d.payer_name,
                payer_iban: d.payer_iban,
                label: d.label,
                unstructured: d.unstructured,
                structured_refs: d.structured,
                end_to_end_id: d.end_to_end_id,
                truth: Truth {
                    kind: d.kind,
                    client: d.client,
                    allocations: d.allocations.into_iter().map(|(i, c)| (i, eur(c))).collect(),
                    unallocated: eur(d.unallocated),
                },
            }
        })
        .collect()
}

/// XML text with `&`, `<`, `>`, `"` and `'` escaped.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// `1234.56` from cents (absolute value).
fn amount_text(cents: i64) -> String {
    let c = cents.unsigned_abs();
    format!("{}.{:02}", c / 100, c % 100)
}

fn entry_cents(e: &StatementEntry) -> i64 {
    cents(&e.amount).unwrap_or(0)
}

/// Writes the entries as one camt.053.001.08 message: a group header, then one statement per
/// booking day (opening and closing booked balances that chain from day to day, a transactions
/// summary, the entries with their transaction details). The opening balance of the first day is
/// drawn from the seed.
pub fn camt053(entries: &[StatementEntry], cfg: &StatementConfig) -> Vec<u8> {
    let mut rng = DemoRng::seed_from_u64(cfg.seed ^ 0x4241_4c41_4e43_4521);
    let mut balance: i64 = rng.random_range(2_000_000..15_000_000);
    let last_day = entries.last().map_or(cfg.first_day, |e| e.booked_on);
    let mut x = String::with_capacity(entries.len() * 1_400 + 2_000);
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\">\n\
         <BkToCstmrStmt>\n\
         <GrpHdr><MsgId>ENCOURS-DEMO-{seed}-{first}</MsgId><CreDtTm>{last}T20:00:00+01:00</CreDtTm>\
         <MsgPgntn><PgNb>1</PgNb><LastPgInd>true</LastPgInd></MsgPgntn></GrpHdr>\n",
        seed = cfg.seed,
        first = cfg.first_day.format("%Y%m%d"),
        last = last_day,
    );
    let mut start = 0;
    let mut seq = 0u32;
    while start < entries.len() {
        let day = entries[start].booked_on;
        let end = entries[start..].iter().position(|e| e.booked_on != day).map_or(entries.len(), |n| start + n);
        let today = &entries[start..end];
        seq += 1;
        let credits: i64 = today.iter().filter(|e| e.credit).map(entry_cents).sum();
        let debits: i64 = today.iter().filter(|e| !e.credit).map(entry_cents).sum();
        let n_credit = today.iter().filter(|e| e.credit).count();
        let opening = balance;
        balance += credits - debits;
        let net = credits - debits;
        let bal = |kind: &str, cents: i64| {
            format!(
                "<Bal><Tp><CdOrPrtry><Cd>{kind}</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{}</Amt>\
                 <CdtDbtInd>{}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>\n",
                amount_text(cents),
                if cents < 0 { "DBIT" } else { "CRDT" }
            )
        };
        let _ = write!(
            x,
            "<Stmt>\n<Id>{id}-{date}</Id><ElctrncSeqNb>{seq}</ElctrncSeqNb><CreDtTm>{day}T20:00:00+01:00</CreDtTm>\
             <FrToDt><FrDtTm>{day}T00:00:00+01:00</FrDtTm><ToDtTm>{day}T23:59:59+01:00</ToDtTm></FrToDt>\n\
             <Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy><Ownr><Nm>{owner}</Nm></Ownr></Acct>\n{ob}{cb}\
             <TxsSummry><TtlNtries><NbOfNtries>{n}</NbOfNtries><Sum>{sum}</Sum><TtlNetNtry><Amt>{net}</Amt>\
             <CdtDbtInd>{netind}</CdtDbtInd></TtlNetNtry></TtlNtries>\
             <TtlCdtNtries><NbOfNtries>{nc}</NbOfNtries><Sum>{cs}</Sum></TtlCdtNtries>\
             <TtlDbtNtries><NbOfNtries>{nd}</NbOfNtries><Sum>{ds}</Sum></TtlDbtNtries></TxsSummry>\n",
            id = &cfg.account.as_str()[cfg.account.as_str().len().saturating_sub(11)..],
            date = day.format("%Y%m%d"),
            iban = cfg.account.as_str(),
            owner = esc(&cfg.account_owner),
            ob = bal("OPBD", opening),
            cb = bal("CLBD", balance),
            n = today.len(),
            sum = amount_text(credits + debits),
            net = amount_text(net),
            netind = if net < 0 { "DBIT" } else { "CRDT" },
            nc = n_credit,
            cs = amount_text(credits),
            nd = today.len() - n_credit,
            ds = amount_text(debits),
        );
        for e in today {
            entry_xml(&mut x, e);
        }
        x.push_str("</Stmt>\n");
        start = end;
    }
    x.push_str("</BkToCstmrStmt>\n</Document>\n");
    x.into_bytes()
}

fn entry_xml(x: &mut String, e: &StatementEntry) {
    let ind = if e.credit { "CRDT" } else { "DBIT" };
    let amt = amount_text(entry_cents(e));
    let (family, sub) = match (e.credit, e.label.starts_with("PRLV")) {
        (true, _) => ("RCDT", "ESCT"),
        (false, true) => ("IDDT", "ESDD"),
        (false, false) => ("ICDT", "ESCT"),
    };
    let _ = write!(
        x,
        "<Ntry><Amt Ccy=\"EUR\">{amt}</Amt><CdtDbtInd>{ind}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>\
         <BookgDt><Dt>{}</Dt></BookgDt><ValDt><Dt>{}</Dt></ValDt><AcctSvcrRef>{}</AcctSvcrRef>\
         <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn></BkTxCd>\n\
         <NtryDtls><TxDtls><Refs><AcctSvcrRef>{}</AcctSvcrRef><EndToEndId>{}</EndToEndId></Refs>\
         <Amt Ccy=\"EUR\">{amt}</Amt><CdtDbtInd>{ind}</CdtDbtInd>",
        e.booked_on,
        e.value_date,
        esc(&e.bank_ref),
        esc(&e.bank_ref),
        esc(e.end_to_end_id.as_deref().unwrap_or("NOTPROVIDED")),
    );
    if e.credit && (e.payer_name.is_some() || e.payer_iban.is_some()) {
        x.push_str("<RltdPties>");
        if let Some(n) = &e.payer_name {
            let _ = write!(x, "<Dbtr><Pty><Nm>{}</Nm></Pty></Dbtr>", esc(n));
        }
        if let Some(i) = &e.payer_iban {
            let _ = write!(x, "<DbtrAcct><Id><IBAN>{}</IBAN></Id></DbtrAcct>", i.as_str());
        }
        x.push_str("</RltdPties>");
    }
    if !e.unstructured.is_empty() || !e.structured_refs.is_empty() {
        x.push_str("<RmtInf>");
        for u in &e.unstructured {
            let _ = write!(x, "<Ustrd>{}</Ustrd>", esc(u));
        }
        for r in &e.structured_refs {
            let _ = write!(
                x,
                "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp>\
                 <Ref>{}</Ref></CdtrRefInf></Strd>",
                esc(r)
            );
        }
        x.push_str("</RmtInf>");
    }
    let _ = writeln!(x, "</TxDtls></NtryDtls><AddtlNtryInf>{}</AddtlNtryInf></Ntry>", esc(&e.label));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{generate, DemoConfig};
    use encours_domain::Siren;

    fn portfolio() -> PortfolioCollector {
        let siren = Siren::parse("552081317").unwrap();
        let cfg = DemoConfig::new(7, 120, 6_000, NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(), siren);
        let mut c = PortfolioCollector::leaving_credit_notes_open_since(NaiveDate::from_ymd_opt(2026, 6, 1).unwrap());
        let _ = generate(&cfg, &mut c);
        c
    }

    fn config(payments: usize) -> StatementConfig {
        StatementConfig {
            seed: 11,
            account: Iban::parse("FR7630006000011234567890189").unwrap(),
            account_owner: "Atelier Démo & Fils".to_owned(),
            first_day: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            days: 20,
            payments,
            noise_percent: 10,
        }
    }

    #[test]
    fn open_items_follow_the_allocations() {
        let c = portfolio();
        let items = c.open_items();
        assert!(items.len() > 100, "a two-year portfolio leaves open items: {}", items.len());
        assert!(items.iter().any(|i| i.outstanding.is_negative()), "some credit notes are still open");
        assert!(items.iter().all(|i| !i.outstanding.is_zero()));
        assert!(items.iter().all(|i| i.creditor_ref.as_ref().is_some_and(|r| r.body() == i.number.replace('-', ""))));
        assert!(items.iter().filter(|i| i.client_iban.is_some()).count() > items.len() / 2);
        assert!(!c.payment_history().is_empty());
    }

    #[test]
    fn entries_are_deterministic_and_their_truth_adds_up() {
        let items = portfolio().open_items();
        let a = generate_entries(&items, &config(320));
        let b = generate_entries(&items, &config(320));
        assert_eq!(a, b, "same seed, same statements");
        let paid: Vec<&StatementEntry> = a.iter().filter(|e| e.truth.kind.is_payment()).collect();
        assert_eq!(paid.len(), 320, "as many payments as asked for when the portfolio has enough open invoices");
        let mut seen = HashSet::new();
        for e in &a {
            let total: Decimal =
                e.truth.allocations.iter().map(|(_, m)| m.amount).sum::<Decimal>() + e.truth.unallocated.amount;
            if e.truth.kind.is_payment() {
                assert_eq!(total, e.amount.amount, "{e:?}");
                for (inv, _) in &e.truth.allocations {
                    assert!(seen.insert(*inv), "an invoice is paid by one entry at most: {inv:?}");
                }
            } else {
                assert!(e.truth.allocations.is_empty());
            }
            assert!(e.amount.is_positive());
            assert!(e.unstructured.iter().all(|u| u.chars().count() <= 140));
        }
        let kinds: HashSet<EntryKind> = a.iter().map(|e| e.truth.kind).collect();
        assert_eq!(kinds.len(), 11, "every kind of entry appears: {kinds:?}");
        assert!(a.windows(2).all(|w| w[0].booked_on <= w[1].booked_on), "booking order");
    }

    #[test]
    fn the_bank_reader_reads_the_statements_back_as_written() {
        let items = portfolio().open_items();
        let cfg = config(200);
        let entries = generate_entries(&items, &cfg);
        let xml = camt053(&entries, &cfg);
        let file = encours_readers::bank::read_bank_bytes("demo.camt053.xml", &xml).expect("the reader accepts it");
        assert_eq!(file.format, "camt053");
        assert_eq!(file.message_type, "camt.053.001.08");
        assert!(file.diagnostics.is_empty(), "{:?}", file.diagnostics);
        let read: Vec<&encours_readers::bank::BankEntry> = file.statements.iter().flat_map(|s| &s.entries).collect();
        assert_eq!(read.len(), entries.len());
        let mut previous_closing = None;
        for st in &file.statements {
            assert_eq!(st.account_iban.as_ref(), Some(&cfg.account));
            let (open, close) = (st.opening_balance.unwrap(), st.closing_balance.unwrap());
            let mut running = open;
            for e in &st.entries {
                running =
                    if e.credit { running.checked_add(&e.amount) } else { running.checked_sub(&e.amount) }.unwrap();
            }
            assert_eq!(running, close, "opening + credits − debits = closing in {}", st.id);
            if let Some(prev) = previous_closing {
                assert_eq!(open, prev, "each day opens on the previous day's closing balance");
            }
            previous_closing = Some(close);
        }
        for (e, r) in entries.iter().zip(read) {
            assert_eq!((r.amount, r.credit), (e.amount, e.credit), "{}", e.bank_ref);
            assert_eq!(r.reference.as_deref(), Some(e.bank_ref.as_str()));
            assert_eq!((r.booking_date, r.value_date), (Some(e.booked_on), Some(e.value_date)));
            assert_eq!(r.status.as_deref(), Some("BOOK"));
            assert_eq!(r.label.as_deref(), Some(e.label.as_str()).filter(|l| !l.is_empty()));
            if e.credit {
                assert_eq!(r.payer_name, e.payer_name, "Dbtr/Pty/Nm");
                assert_eq!(r.payer_iban, e.payer_iban, "DbtrAcct/Id/IBAN");
                assert_eq!(r.remittance, e.unstructured, "RmtInf/Ustrd");
                assert_eq!(r.structured_refs, e.structured_refs, "RmtInf/Strd/CdtrRefInf/Ref");
            }
            assert_eq!(r.end_to_end_id, e.end_to_end_id);
        }
    }

    #[test]
    fn payer_names_look_like_bank_prints() {
        let mut rng = DemoRng::seed_from_u64(3);
        let names: HashSet<String> = (0..200).map(|_| payer_name(&mut rng, "Boulangerie Lefèvre SARL")).collect();
        assert!(names.contains("BOULANGERIE LEFEVRE SARL"));
        assert!(names.contains("SARL BOULANGERIE LEFEVRE"));
        assert!(names.iter().any(|n| n.starts_with("VIR SEPA")));
        assert!(names.iter().any(|n| n.len() < "BOULANGERIE LEFEVRE SARL".len() && !n.starts_with("VIR")));
        assert!(names.iter().all(|n| n.is_ascii() && n == &n.to_uppercase()));
    }
}
