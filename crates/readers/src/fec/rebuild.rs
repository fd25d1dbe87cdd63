//! From the ledger to receivables (open-data §1.4; "what the software must implement" 5 to 8).
//!
//! Every line on a client account (411 by default) becomes exactly one [`Item`], so that nothing
//! of a client's balance is lost; what kind of item it is follows from the *accounts* its entry
//! touches, never from the journal code (journal codes are free text: VEN, VE, ve, RCH, C1…):
//!
//! | the line is in an opening journal | → [`ItemKind::Opening`] (either side) |
//! |---|---|
//! | debit, the entry touches revenue 70x | → [`ItemKind::Invoice`] |
//! | debit, the entry touches treasury (51x, 53x, 413) | → [`ItemKind::Refund`] (money back, bounced payment) |
//! | debit, the entry touches collected VAT 4457 | → [`ItemKind::Invoice`] |
//! | credit, the entry touches treasury | → [`ItemKind::Payment`] (bank 512, cheques 511, cash 53, bills 413) |
//! | credit, the entry touches 70x or 4457 | → [`ItemKind::CreditNote`] |
//! | anything else (411↔401 offsets, 654 write-offs, 665 discounts, 658/758 roundings, transfers) | → [`ItemKind::Adjustment`] |
//!
//! Treasury is tested before VAT for credits so that a payment entry that also moves VAT (VAT on
//! receipts: 44574 → 44571) stays a payment; revenue before treasury for debits so that a cash
//! sale (411 debit and credit, 70x, 53x) gives an invoice and its payment.
//!
//! An *entry* (écriture) is the lines of one `JournalCode` + `EcritureNum`. When `EcritureNum` is
//! blank or `0` (some exports write `0` everywhere), or one number spans several dates, the lines
//! are grouped by journal, `PieceRef` and `EcritureDate` instead.
//!
//! The *opening* (à-nouveaux) journals are recognised by their content, not their code: no line on
//! a profit-and-loss account (classes 6 and 7 start every year at zero), no date after the first
//! profit-and-loss line, and either a class 1 account (equity is in every opening balance sheet)
//! or a name saying so (`AN`, `ANO`, `RAN`, `AD`, "A nouveaux"…). Their client lines are opening
//! items: one aggregated balance per client, or one line per open invoice, both exist.
//!
//! The lettrage gives the allocations: within one client's group of lines sharing an
//! `EcritureLet` code, credit items settle debit items, equal amounts first, then oldest first.
//! A group that does not balance within the file (its counterpart is in last year's file) is
//! allocated as far as it goes and reported, never forced.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::BuildHasher;

use chrono::NaiveDate;
use encours_domain::{Currency, InvoiceKind, Money, PaymentTerms, Source};
use rust_decimal::Decimal;
use serde::Serialize;

use super::clients::{self, FecClient};
use super::{Diagnostic, FecFile, FecLine, Level};

/// Most counter accounts kept on an item (a bank entry may hold hundreds of lines).
pub const MAX_COUNTER_ACCOUNTS: usize = 12;

/// Where e-invoices give due dates: for a document number (`PieceRef`) and a client, the BT-9 due
/// date of the matching e-invoice. Implemented for closures and for maps keyed by
/// (number, client key).
pub trait DueDateLookup {
    /// The due date of document `number` of `client`, if an e-invoice gives it.
    fn due_date(&self, number: &str, client: &FecClient) -> Option<NaiveDate>;
}

impl<F> DueDateLookup for F
where
    F: Fn(&str, &FecClient) -> Option<NaiveDate>,
{
    fn due_date(&self, number: &str, client: &FecClient) -> Option<NaiveDate> {
        self(number, client)
    }
}

impl DueDateLookup for BTreeMap<(String, String), NaiveDate> {
    fn due_date(&self, number: &str, client: &FecClient) -> Option<NaiveDate> {
        self.get(&(number.to_owned(), client.key.clone())).copied()
    }
}

impl<S: BuildHasher> DueDateLookup for HashMap<(String, String), NaiveDate, S> {
    fn due_date(&self, number: &str, client: &FecClient) -> Option<NaiveDate> {
        self.get(&(number.to_owned(), client.key.clone())).copied()
    }
}

/// How to rebuild.
#[derive(Clone)]
pub struct RebuildOptions<'a> {
    /// Terms for clients without their own (the legal default is 30 days, L441-10 I).
    pub default_terms: PaymentTerms,
    /// Agreed terms per client key ([`FecClient::key`]).
    pub client_terms: BTreeMap<String, PaymentTerms>,
    /// Due dates of matching e-invoices, the best source (BT-9).
    pub einvoice_due_dates: Option<&'a dyn DueDateLookup>,
    /// Take `DateRglt` (trésorerie variants) as the due date when no e-invoice gives one.
    pub use_date_rglt: bool,
    /// Account prefixes of client lines. Default `["411"]`; some ledgers also want `416` (doubtful
    /// clients) or `419` (advances received) (open-data §1.4 1.).
    pub client_account_prefixes: Vec<String>,
    /// Client names the label heuristic should recognise (clients already in the ledger).
    pub known_client_names: Vec<String>,
    /// The first day of the financial year, when the caller knows it better than the file.
    pub exercise_start: Option<NaiveDate>,
    /// The opening journals' codes, overriding the recognition by content.
    pub opening_journals: Option<Vec<String>>,
    /// Let the credits of lettrage groups whose debits are not in the file settle the client's
    /// unlettered opening balance, when they do not exceed it (see [`AllocationBasis::OpeningBalance`]).
    pub settle_opening_balances: bool,
}

impl Default for RebuildOptions<'_> {
    fn default() -> Self {
        RebuildOptions {
            default_terms: PaymentTerms::default(),
            client_terms: BTreeMap::new(),
            einvoice_due_dates: None,
            use_date_rglt: true,
            client_account_prefixes: vec!["411".to_owned()],
            known_client_names: Vec::new(),
            exercise_start: None,
            opening_journals: None,
            settle_opening_balances: true,
        }
    }
}

impl std::fmt::Debug for RebuildOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RebuildOptions")
            .field("default_terms", &self.default_terms)
            .field("client_terms", &self.client_terms)
            .field("einvoice_due_dates", &self.einvoice_due_dates.map(|_| "…"))
            .field("use_date_rglt", &self.use_date_rglt)
            .field("client_account_prefixes", &self.client_account_prefixes)
            .field("known_client_names", &self.known_client_names)
            .field("exercise_start", &self.exercise_start)
            .field("opening_journals", &self.opening_journals)
            .field("settle_opening_balances", &self.settle_opening_balances)
            .finish()
    }
}

/// The receivables history rebuilt from one FEC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rebuilt {
    /// The FEC file.
    pub file_name: String,
    /// The currency of every amount (the file's bookkeeping currency).
    pub currency: Currency,
    /// First day of the financial year: given, or the date of the opening entries, or the first
    /// date of the file.
    pub exercise_start: Option<NaiveDate>,
    /// The last date of the file.
    pub last_date: Option<NaiveDate>,
    /// The journals and what their content says they are.
    pub journals: Vec<JournalInfo>,
    /// The clients; items refer to them by index.
    pub clients: Vec<FecClient>,
    /// One item per non-zero client line, in file order.
    pub items: Vec<Item>,
    /// What settles what, from the lettrage.
    pub allocations: Vec<Allocation>,
    /// The lettrage groups (client, code).
    pub lettrage: Vec<LettrageGroup>,
    /// What was noticed, in the order of the steps.
    pub diagnostics: Vec<Diagnostic>,
}

/// Debit or credit side of a client account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Increases what the client owes.
    Debit,
    /// Decreases it.
    Credit,
}

/// What a client line is (see the module documentation for the rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A sale: debit, the entry touches revenue (or collected VAT).
    Invoice,
    /// A credit note: credit, the entry touches revenue or collected VAT.
    CreditNote,
    /// Money received: credit, the entry touches a bank, cheque, cash or bill account.
    Payment,
    /// Money given back or a bounced payment: debit against treasury.
    Refund,
    /// A line of an opening (à-nouveaux) journal.
    Opening,
    /// Any other movement of the client account, kept so that balances hold.
    Adjustment,
}

/// A due date and where it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DueDate {
    /// The date.
    pub date: NaiveDate,
    /// Its source.
    pub origin: DueDateOrigin,
}

/// Where a due date came from (the FEC has no due-date column, open-data §1.4 2.).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueDateOrigin {
    /// BT-9 of the matching e-invoice ([`RebuildOptions::einvoice_due_dates`]).
    EInvoice,
    /// The `DateRglt` zone of the trésorerie variants (A47 A-1 VIII 5°, 7°): the settlement date
    /// the file records for that line.
    DateRglt,
    /// The client's agreed terms applied to the document date.
    ClientTerms,
    /// The default terms applied to the document date.
    DefaultTerms,
    /// An opening item with nothing better: the FEC does not say when an invoice carried forward
    /// was issued, so it is taken as due on the day it was carried forward.
    OpeningDate,
}

/// One client line as a receivable item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Item {
    /// What it is.
    pub kind: ItemKind,
    /// Index of its client in [`Rebuilt::clients`].
    pub client: usize,
    /// Debit (owed) or credit (paid, credited).
    pub side: Side,
    /// The amount, positive: |debit − credit| of the line.
    pub amount: Money,
    /// What the allocations leave of it (positive; zero when settled).
    pub open: Money,
    /// `EcritureDate`.
    pub booked_on: NaiveDate,
    /// `PieceDate`, else `EcritureDate`: the invoice, credit note or payment date.
    pub date: NaiveDate,
    /// `PieceRef`: the document number for invoices and credit notes.
    pub reference: String,
    /// `EcritureLib`.
    pub label: String,
    /// `JournalCode`.
    pub journal: String,
    /// The entry: `EcritureNum`, or `date PieceRef` when the entries had to be grouped that way.
    pub entry: String,
    /// The other accounts of its entry, which decided the kind (`706000`, `445710`, `512000`…), at
    /// most [`MAX_COUNTER_ACCOUNTS`]; empty for opening items (the opening entry holds the whole
    /// balance sheet, and the journal alone decided their kind).
    pub counter_accounts: Vec<String>,
    /// `EcritureLet`, when lettered.
    pub lettrage: Option<String>,
    /// `DateLet`.
    pub lettered_on: Option<NaiveDate>,
    /// The due date: invoices, credit notes and debit opening items have one.
    pub due: Option<DueDate>,
    /// The FEC line.
    pub source: Source,
}

impl Item {
    /// The domain document kind of invoices and credit notes.
    pub fn invoice_kind(&self) -> Option<InvoiceKind> {
        match self.kind {
            ItemKind::Invoice => Some(InvoiceKind::Invoice),
            ItemKind::CreditNote => Some(InvoiceKind::CreditNote),
            _ => None,
        }
    }

    /// `open` signed: positive on the debit side, negative on the credit side.
    pub fn signed_open(&self) -> Decimal {
        match self.side {
            Side::Debit => self.open.amount,
            Side::Credit => -self.open.amount,
        }
    }
}

/// A credit item applied to a debit item of the same client (payment → invoice, credit note →
/// invoice, payment → opening balance…).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Allocation {
    /// The client.
    pub client: usize,
    /// The debit item settled (index in [`Rebuilt::items`]).
    pub debit: usize,
    /// The credit item that settles it.
    pub credit: usize,
    /// Amount applied, positive.
    pub amount: Money,
    /// When it takes effect: the later of the two items' dates.
    pub applied_on: NaiveDate,
    /// `DateLet` of the group, when the file gives it.
    pub lettered_on: Option<NaiveDate>,
    /// The lettrage code (of the credit's group for [`AllocationBasis::OpeningBalance`]).
    pub lettrage: String,
    /// What the allocation rests on.
    pub basis: AllocationBasis,
}

/// What an allocation rests on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AllocationBasis {
    /// Both items carry the same lettrage code.
    Lettrage,
    /// The credit is lettered with debits that are not in the file (last year's invoices), and the
    /// client's opening balance is one unlettered aggregated line (open-data §1.4 5., file
    /// `0000000001…`): the credit settles that balance. Applied only when such credits do not
    /// exceed the open opening balance; in the corpus they match it to the cent.
    OpeningBalance,
}

/// One client's lines sharing a lettrage code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LettrageGroup {
    /// The client.
    pub client: usize,
    /// `EcritureLet`.
    pub code: String,
    /// Its items, in file order.
    pub items: Vec<usize>,
    /// Sum of its debit items.
    pub debit: Money,
    /// Sum of its credit items.
    pub credit: Money,
    /// Debits equal credits within the file.
    pub balanced: bool,
    /// The latest `DateLet` of its lines.
    pub lettered_on: Option<NaiveDate>,
}

/// What a journal is, from the accounts it uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalRole {
    /// À-nouveaux: the opening balances.
    Opening,
    /// Touches revenue (70x).
    Sales,
    /// Touches a bank, cheque or cash account.
    Treasury,
    /// Anything else (purchases, payroll, miscellaneous).
    Other,
}

/// A journal of the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JournalInfo {
    /// `JournalCode`, trimmed.
    pub code: String,
    /// `JournalLib` of its first line.
    pub label: String,
    /// What its content says it is.
    pub role: JournalRole,
    /// Number of lines.
    pub lines: usize,
    /// Earliest `EcritureDate`.
    pub first_date: NaiveDate,
    /// Latest `EcritureDate`.
    pub last_date: NaiveDate,
}

/// The balance check of one client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BalanceCheck {
    /// The client's index.
    pub client: usize,
    /// Its key.
    pub key: String,
    /// Σ debit − Σ credit over its lines in the file.
    pub file_balance: Money,
    /// Σ open debit items − Σ open credit items, the open amounts being recomputed from the
    /// amounts and the allocations.
    pub open_balance: Money,
    /// Everything that does not hold (empty when the check passes).
    pub problems: Vec<String>,
}

impl BalanceCheck {
    /// True when the rebuilt open items sum exactly to the file's balance and the allocations
    /// are consistent.
    pub fn agrees(&self) -> bool {
        self.problems.is_empty()
    }
}

impl Rebuilt {
    /// The items of one kind, with their indices.
    pub fn items_of(&self, kind: ItemKind) -> impl Iterator<Item = (usize, &Item)> + '_ {
        self.items.iter().enumerate().filter(move |(_, i)| i.kind == kind)
    }

    /// Invoices and credit notes.
    pub fn documents(&self) -> impl Iterator<Item = (usize, &Item)> + '_ {
        self.items.iter().enumerate().filter(|(_, i)| i.invoice_kind().is_some())
    }

    /// Per client: the open items (documents less their allocations, plus opening items, less
    /// unallocated payments and credits) must sum exactly to the client's balance in the file.
    /// The open amounts are recomputed from the allocations rather than trusted, and every
    /// allocation must join a debit and a credit item of its client with a positive amount that
    /// neither item can be short of.
    pub fn check_balances(&self) -> Vec<BalanceCheck> {
        let mut allocated = vec![Decimal::ZERO; self.items.len()];
        let mut problems: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for (n, a) in self.allocations.iter().enumerate() {
            let (Some(d), Some(c)) = (self.items.get(a.debit), self.items.get(a.credit)) else {
                problems.entry(a.client).or_default().push(format!("allocation {n} points to no item"));
                continue;
            };
            if d.side != Side::Debit || c.side != Side::Credit || d.client != a.client || c.client != a.client {
                problems
                    .entry(a.client)
                    .or_default()
                    .push(format!("allocation {n} does not join a debit and a credit of its client"));
            }
            if !a.amount.is_positive() || a.amount.currency != self.currency {
                problems.entry(a.client).or_default().push(format!("allocation {n} has the amount {}", a.amount));
            }
            for i in [a.debit, a.credit] {
                if let Some(x) = allocated.get_mut(i) {
                    *x = x.checked_add(a.amount.amount).unwrap_or(Decimal::MAX);
                }
            }
        }
        let mut open: Vec<Decimal> = vec![Decimal::ZERO; self.clients.len()];
        for (n, (it, done)) in self.items.iter().zip(&allocated).enumerate() {
            let left = it.amount.amount.checked_sub(*done).unwrap_or(Decimal::MIN);
            let p = problems.entry(it.client).or_default();
            if !it.amount.is_positive() {
                p.push(format!("item {n} ({}) has the amount {}", it.source.locator, it.amount));
            }
            if left.is_sign_negative() && !left.is_zero() {
                p.push(format!("item {n} ({}) is allocated {done} for an amount of {}", it.source.locator, it.amount));
            }
            if left != it.open.amount {
                p.push(format!("item {n} ({}) says {} open, its allocations leave {left}", it.source.locator, it.open));
            }
            let signed = if it.side == Side::Debit { left } else { -left };
            if let Some(o) = open.get_mut(it.client) {
                *o = o.checked_add(signed).unwrap_or(Decimal::MAX);
            } else {
                p.push(format!("item {n} ({}) has no client", it.source.locator));
            }
        }
        self.clients
            .iter()
            .enumerate()
            .map(|(n, c)| {
                let open_balance = Money::new(open.get(n).copied().unwrap_or_default(), self.currency);
                let mut p = problems.remove(&n).unwrap_or_default();
                if open_balance.amount != c.balance.amount {
                    p.push(format!(
                        "open items sum to {}, the file's balance is {}",
                        open_balance.amount, c.balance.amount
                    ));
                }
                BalanceCheck { client: n, key: c.key.clone(), file_balance: c.balance, open_balance, problems: p }
            })
            .collect()
    }

    /// True when [`Rebuilt::check_balances`] passes for every client.
    pub fn balances_agree(&self) -> bool {
        self.check_balances().iter().all(BalanceCheck::agrees)
    }
}

/// The accounts an entry touches, besides client accounts.
#[derive(Default)]
struct Entry {
    journal: String,
    id: String,
    revenue: bool,
    vat: bool,
    treasury: bool,
    counter: BTreeSet<String>,
    debit: Decimal,
    credit: Decimal,
    first_line: usize,
    by_number: bool,
}

fn is_treasury(account: &str) -> bool {
    account.starts_with("51") || account.starts_with("53") || account.starts_with("413")
}

fn class(account: &str) -> Option<u8> {
    account.bytes().next().filter(u8::is_ascii_digit).map(|b| b - b'0')
}

/// Groups lines into entries (see the module documentation). Returns the entries and the entry
/// of every line.
fn entries(lines: &[FecLine], is_client: &[bool], diags: &mut Vec<Diagnostic>) -> (Vec<Entry>, Vec<usize>) {
    let blank = |n: &str| n.bytes().all(|b| b == b'0');
    let mut dates: HashMap<(&str, &str), BTreeSet<NaiveDate>> = HashMap::new();
    for l in lines.iter().filter(|l| !blank(&l.ecriture_num)) {
        dates.entry((&l.journal_code, &l.ecriture_num)).or_default().insert(l.ecriture_date);
    }
    let shared: HashSet<(&str, &str)> = dates.iter().filter(|(_, d)| d.len() > 1).map(|(k, _)| *k).collect();
    let mut index: HashMap<(&str, &str, &str, NaiveDate), usize> = HashMap::new();
    let mut list: Vec<Entry> = Vec::new();
    let mut of_line = Vec::with_capacity(lines.len());
    let (mut regrouped, mut blank_numbers) = (0usize, 0usize);
    for (i, l) in lines.iter().enumerate() {
        let num = l.ecriture_num.as_str();
        let by_number = !blank(num) && !shared.contains(&(l.journal_code.as_str(), num));
        if blank(num) {
            blank_numbers += 1;
        } else if !by_number {
            regrouped += 1;
        }
        let key = if by_number {
            (l.journal_code.as_str(), num, "", NaiveDate::MIN)
        } else {
            (l.journal_code.as_str(), num, l.piece_ref.as_str(), l.ecriture_date)
        };
        let n = *index.entry(key).or_insert_with(|| {
            let id = if by_number {
                num.to_owned()
            } else if blank(num) {
                format!("{} {}", l.ecriture_date, l.piece_ref).trim().to_owned()
            } else {
                format!("{num} {} {}", l.ecriture_date, l.piece_ref).trim().to_owned()
            };
            list.push(Entry { journal: l.journal_code.clone(), id, first_line: l.line, by_number, ..Entry::default() });
            list.len() - 1
        });
        of_line.push(n);
        if let Some(e) = list.get_mut(n) {
            e.debit = e.debit.checked_add(l.debit.amount).unwrap_or(e.debit);
            e.credit = e.credit.checked_add(l.credit.amount).unwrap_or(e.credit);
            if !is_client.get(i).copied().unwrap_or(false) {
                let a = l.compte_num.as_str();
                e.revenue |= a.starts_with("70");
                e.vat |= a.starts_with("4457");
                e.treasury |= is_treasury(a);
                if !a.is_empty() {
                    e.counter.insert(a.to_owned());
                }
            }
        }
    }
    if blank_numbers > 0 {
        diags.push(diag(
            Level::Info,
            "FEC-ENTRY",
            format!(
                "{blank_numbers} line(s) have a blank or zero EcritureNum: their entries are grouped by journal, \
                 PieceRef and date"
            ),
            String::new(),
        ));
    }
    if regrouped > 0 {
        diags.push(diag(
            Level::Info,
            "FEC-ENTRY",
            format!("{regrouped} line(s) share an EcritureNum across dates: grouped by number, PieceRef and date"),
            String::new(),
        ));
    }
    let unbalanced: Vec<&Entry> = list.iter().filter(|e| e.debit != e.credit).collect();
    let (numbered, grouped): (Vec<&Entry>, Vec<&Entry>) = unbalanced.into_iter().partition(|e| e.by_number);
    // An entry balances by definition (A47 A-1: debit = credit per EcritureNum); the regrouped
    // ones need not, their number being missing.
    for e in numbered.iter().take(10) {
        diags.push(diag(
            Level::Warning,
            "FEC-ENTRY-BALANCE",
            format!("entry {} {} does not balance: debit {}, credit {}", e.journal, e.id, e.debit, e.credit),
            format!("line {}", e.first_line),
        ));
    }
    if numbered.len() > 10 {
        diags.push(diag(
            Level::Warning,
            "FEC-ENTRY-BALANCE",
            format!("{} more entries do not balance ({} in all)", numbered.len() - 10, numbered.len()),
            String::new(),
        ));
    }
    if !grouped.is_empty() {
        diags.push(diag(
            Level::Info,
            "FEC-ENTRY-BALANCE",
            format!(
                "{} group(s) of lines without an entry number do not balance by journal, PieceRef and date; their \
                 lines are classified by the accounts of that group",
                grouped.len()
            ),
            String::new(),
        ));
    }
    (list, of_line)
}

fn diag(level: Level, rule: &str, message: String, path: String) -> Diagnostic {
    Diagnostic { level, rule: rule.to_owned(), message, path }
}

/// An opening journal's code or label: `AN`, `ANO`, `RAN`, `AD`, "A nouveaux", "Report à nouveau".
fn opening_name(code: &str, label: &str) -> bool {
    let code = code.to_ascii_uppercase();
    matches!(code.as_str(), "AN" | "ANO" | "ANX" | "RAN" | "AD" | "ANV" | "NOUV")
        || clients::words(label).iter().any(|w| w.starts_with("NOUV"))
}

/// The journals, their roles, and the first day of the exercise.
fn journals(
    lines: &[FecLine],
    entries: &[Entry],
    opts: &RebuildOptions<'_>,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<JournalInfo>, Option<NaiveDate>) {
    struct Acc {
        info: JournalInfo,
        pl: bool,
        class1: bool,
        /// Entries touching revenue, treasury (without revenue), neither.
        kinds: [usize; 3],
    }
    let mut order: Vec<Acc> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for l in lines {
        let n = *index.entry(l.journal_code.as_str()).or_insert_with(|| {
            order.push(Acc {
                info: JournalInfo {
                    code: l.journal_code.clone(),
                    label: l.journal_lib.clone(),
                    role: JournalRole::Other,
                    lines: 0,
                    first_date: l.ecriture_date,
                    last_date: l.ecriture_date,
                },
                pl: false,
                class1: false,
                kinds: [0; 3],
            });
            order.len() - 1
        });
        let Some(j) = order.get_mut(n) else { continue };
        j.info.lines += 1;
        j.info.first_date = j.info.first_date.min(l.ecriture_date);
        j.info.last_date = j.info.last_date.max(l.ecriture_date);
        let a = l.compte_num.as_str();
        j.pl |= matches!(class(a), Some(6 | 7));
        j.class1 |= class(a) == Some(1);
    }
    for e in entries {
        let k = if e.revenue {
            0
        } else if e.treasury {
            1
        } else {
            2
        };
        if let Some(slot) =
            index.get(e.journal.as_str()).and_then(|n| order.get_mut(*n)).and_then(|j| j.kinds.get_mut(k))
        {
            *slot += 1;
        }
    }
    let pl_first = lines.iter().filter(|l| matches!(class(&l.compte_num), Some(6 | 7))).map(|l| l.ecriture_date).min();
    let file_first = lines.iter().map(|l| l.ecriture_date).min();
    for j in &mut order {
        let opening = match &opts.opening_journals {
            Some(codes) => codes.iter().any(|c| c.trim() == j.info.code),
            None => {
                let dated = match pl_first {
                    Some(first) => j.info.last_date <= first,
                    None => Some(j.info.last_date) == file_first,
                };
                !j.pl && dated && (j.class1 || opening_name(&j.info.code, &j.info.label))
            }
        };
        // Informative only (items are classified entry by entry): what most entries are.
        let [sales, treasury, other] = j.kinds;
        j.info.role = if opening {
            JournalRole::Opening
        } else if sales >= treasury && sales >= other && sales > 0 {
            JournalRole::Sales
        } else if treasury >= other && treasury > 0 {
            JournalRole::Treasury
        } else {
            JournalRole::Other
        };
    }
    let infos: Vec<JournalInfo> = order.into_iter().map(|a| a.info).collect();
    let openings: Vec<&JournalInfo> = infos.iter().filter(|j| j.role == JournalRole::Opening).collect();
    let start = opts.exercise_start.or_else(|| openings.iter().map(|j| j.last_date).max()).or(file_first);
    if openings.is_empty() {
        diags.push(diag(
            Level::Warning,
            "FEC-OPENING",
            "no opening (à-nouveaux) journal found: balances carried from the previous year are not in the \
             rebuilt items"
                .to_owned(),
            String::new(),
        ));
    } else {
        let list: Vec<String> = openings.iter().map(|j| format!("{} ({} lines)", j.code, j.lines)).collect();
        diags.push(diag(
            Level::Info,
            "FEC-OPENING",
            format!(
                "opening journal(s) recognised by their accounts: {}; the exercise starts {}",
                list.join(", "),
                start.map(|d| d.to_string()).unwrap_or_default()
            ),
            String::new(),
        ));
    }
    (infos, start)
}

/// Rebuilds the receivables history of an FEC (see the module documentation). Pure: the same file
/// and options give the same result.
pub fn rebuild(fec: &FecFile, opts: &RebuildOptions<'_>) -> Rebuilt {
    let mut diags = Vec::new();
    let lines = &fec.lines;
    let currency = fec.currency;
    let prefixes: Vec<&str> = opts.client_account_prefixes.iter().map(|p| p.trim()).filter(|p| !p.is_empty()).collect();
    let is_client: Vec<bool> = lines.iter().map(|l| prefixes.iter().any(|p| l.compte_num.starts_with(p))).collect();
    if !is_client.contains(&true) {
        diags.push(diag(
            Level::Warning,
            "FEC-NO-CLIENT",
            format!("no line on a client account ({})", prefixes.join(", ")),
            String::new(),
        ));
    }
    let (entries, entry_of) = entries(lines, &is_client, &mut diags);
    let (journals, exercise_start) = journals(lines, &entries, opts, &mut diags);
    let opening: HashSet<&str> =
        journals.iter().filter(|j| j.role == JournalRole::Opening).map(|j| j.code.as_str()).collect();
    let attribution = clients::attribute(fec, &is_client, &opts.known_client_names, &mut diags);
    let clients = attribution.clients;

    // Items.
    let mut items: Vec<Item> = Vec::new();
    let mut zero = 0usize;
    for (i, l) in lines.iter().enumerate() {
        let Some(client) = attribution.of_line.get(i).copied().flatten() else { continue };
        let net = l.net();
        if net.is_zero() {
            zero += 1;
            continue;
        }
        let side = if net.is_sign_positive() { Side::Debit } else { Side::Credit };
        let Some(entry) = entry_of.get(i).and_then(|e| entries.get(*e)) else { continue };
        let kind = if opening.contains(l.journal_code.as_str()) {
            ItemKind::Opening
        } else {
            match side {
                Side::Debit if entry.revenue => ItemKind::Invoice,
                Side::Debit if entry.treasury => ItemKind::Refund,
                Side::Debit if entry.vat => ItemKind::Invoice,
                Side::Credit if entry.treasury => ItemKind::Payment,
                Side::Credit if entry.revenue || entry.vat => ItemKind::CreditNote,
                _ => ItemKind::Adjustment,
            }
        };
        let amount = Money::new(net.abs(), currency);
        let date = l.piece_date.unwrap_or(l.ecriture_date);
        let due = match (kind, side) {
            (ItemKind::Invoice | ItemKind::CreditNote, _) | (ItemKind::Opening, Side::Debit) => {
                clients.get(client).map(|c| due_date(kind, date, l, c, opts))
            }
            _ => None,
        };
        items.push(Item {
            kind,
            client,
            side,
            amount,
            open: amount,
            booked_on: l.ecriture_date,
            date,
            reference: l.piece_ref.clone(),
            label: l.ecriture_lib.clone(),
            journal: l.journal_code.clone(),
            entry: entry.id.clone(),
            counter_accounts: if kind == ItemKind::Opening {
                Vec::new()
            } else {
                entry.counter.iter().take(MAX_COUNTER_ACCOUNTS).cloned().collect()
            },
            lettrage: Some(l.ecriture_let.clone()).filter(|c| !c.is_empty()),
            lettered_on: l.date_let,
            due,
            source: l.source.clone(),
        });
    }
    if zero > 0 {
        diags.push(diag(
            Level::Info,
            "FEC-ZERO",
            format!("{zero} client line(s) with a zero amount make no item"),
            String::new(),
        ));
    }

    // Lettrage.
    let (allocations, lettrage) = allocate(&mut items, &clients, currency, opts.settle_opening_balances, &mut diags);

    Rebuilt {
        file_name: fec.file_name.clone(),
        currency,
        exercise_start,
        last_date: lines.iter().map(|l| l.ecriture_date).max(),
        journals,
        clients,
        items,
        allocations,
        lettrage,
        diagnostics: diags,
    }
}

/// The due date of a document: e-invoice, then `DateRglt`, then (opening items) the opening date,
/// then the client's terms, then the default terms.
fn due_date(kind: ItemKind, date: NaiveDate, l: &FecLine, client: &FecClient, opts: &RebuildOptions<'_>) -> DueDate {
    if let Some(d) = opts.einvoice_due_dates.and_then(|lookup| lookup.due_date(&l.piece_ref, client)) {
        return DueDate { date: d, origin: DueDateOrigin::EInvoice };
    }
    if let Some(d) = l.date_rglt.filter(|_| opts.use_date_rglt) {
        return DueDate { date: d, origin: DueDateOrigin::DateRglt };
    }
    if kind == ItemKind::Opening {
        return DueDate { date, origin: DueDateOrigin::OpeningDate };
    }
    match opts.client_terms.get(&client.key) {
        Some(terms) => DueDate { date: terms.due_date(date), origin: DueDateOrigin::ClientTerms },
        None => DueDate { date: opts.default_terms.due_date(date), origin: DueDateOrigin::DefaultTerms },
    }
}

/// Allocations from the lettrage groups (see the module documentation).
fn allocate(
    items: &mut [Item],
    clients: &[FecClient],
    currency: Currency,
    settle_openings: bool,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Allocation>, Vec<LettrageGroup>) {
    let mut groups: BTreeMap<(usize, String), Vec<usize>> = BTreeMap::new();
    for (n, it) in items.iter().enumerate() {
        if let Some(code) = &it.lettrage {
            groups.entry((it.client, code.clone())).or_default().push(n);
        }
    }
    // Clients with an opening item left out of the lettrage: the likely home of the credits of
    // groups whose invoices are in last year's file.
    let unlettered_opening: HashSet<usize> = items
        .iter()
        .filter(|i| i.kind == ItemKind::Opening && i.side == Side::Debit && i.lettrage.is_none())
        .map(|i| i.client)
        .collect();
    let mut allocations = Vec::new();
    let mut out = Vec::new();
    let mut unbalanced = 0usize;
    // Per client, the credits left open by groups whose debits are missing.
    let mut orphans: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    // Groups in order of their first line, for a readable report.
    let mut ordered: Vec<((usize, String), Vec<usize>)> = groups.into_iter().collect();
    ordered.sort_by_key(|(_, m)| m.first().copied());
    for ((client, code), members) in ordered {
        let pick = |side: Side, items: &[Item]| -> Vec<usize> {
            let mut v: Vec<usize> =
                members.iter().copied().filter(|n| items.get(*n).is_some_and(|i| i.side == side)).collect();
            v.sort_by_key(|n| items.get(*n).map(|i| i.date));
            v
        };
        let debits = pick(Side::Debit, items);
        let credits = pick(Side::Credit, items);
        let sum = |v: &[usize], items: &[Item]| -> Decimal {
            v.iter()
                .filter_map(|n| items.get(*n))
                .fold(Decimal::ZERO, |s, i| s.checked_add(i.amount.amount).unwrap_or(s))
        };
        let (debit, credit) = (sum(&debits, items), sum(&credits, items));
        let lettered_on = members.iter().filter_map(|n| items.get(*n).and_then(|i| i.lettered_on)).max();
        let mut apply = |d: usize, c: usize, items: &mut [Item]| {
            let (Some(od), Some(oc)) = (items.get(d).map(|i| i.open.amount), items.get(c).map(|i| i.open.amount))
            else {
                return;
            };
            let amount = od.min(oc);
            if amount.is_zero() {
                return;
            }
            let mut dates = [NaiveDate::MIN; 2];
            for (slot, n) in dates.iter_mut().zip([d, c]) {
                if let Some(it) = items.get_mut(n) {
                    it.open.amount -= amount;
                    *slot = it.date;
                }
            }
            allocations.push(Allocation {
                client,
                debit: d,
                credit: c,
                amount: Money::new(amount, currency),
                applied_on: dates[0].max(dates[1]),
                lettered_on,
                lettrage: code.clone(),
                basis: AllocationBasis::Lettrage,
            });
        };
        // Equal amounts first (same reference preferred): one payment per invoice is the common
        // case, and pairing them keeps each payment on its own invoice.
        for &c in &credits {
            let Some(oc) = items.get(c).map(|i| i.open.amount) else { continue };
            let reference = items.get(c).map(|i| i.reference.clone()).unwrap_or_default();
            let equal = |n: &usize| items.get(*n).is_some_and(|i| i.open.amount == oc && !oc.is_zero());
            let same_ref =
                debits.iter().copied().find(|n| equal(n) && items.get(*n).is_some_and(|i| i.reference == reference));
            if let Some(d) = same_ref.or_else(|| debits.iter().copied().find(equal)) {
                apply(d, c, items);
            }
        }
        // Then oldest first.
        let (mut di, mut ci) = (0, 0);
        while let (Some(&d), Some(&c)) = (debits.get(di), credits.get(ci)) {
            let open = |n: usize| items.get(n).map_or(Decimal::ZERO, |i| i.open.amount);
            if open(d).is_zero() {
                di += 1;
            } else if open(c).is_zero() {
                ci += 1;
            } else {
                apply(d, c, items);
            }
        }
        let balanced = debit == credit;
        if credit > debit {
            let left = credits.iter().copied().filter(|n| items.get(*n).is_some_and(|i| i.open.is_positive()));
            orphans.entry(client).or_default().extend(left);
        }
        if !balanced {
            unbalanced += 1;
            let name = clients.get(client).map(|c| format!("{} ({})", c.key, c.name)).unwrap_or_default();
            let hint = if credit > debit && unlettered_opening.contains(&client) {
                "; the credits probably settle the client's opening balance, whose lines are not lettered"
            } else {
                ""
            };
            let at = members.first().and_then(|n| items.get(*n)).map(|i| i.source.locator.clone()).unwrap_or_default();
            diags.push(diag(
                Level::Warning,
                "FEC-LETTRAGE",
                format!(
                    "lettrage {code} of client {name} does not balance within the file: debits {debit}, credits \
                     {credit}; {} stays open{hint}",
                    (debit - credit).abs()
                ),
                at,
            ));
        }
        out.push(LettrageGroup {
            client,
            code,
            items: members,
            debit: Money::new(debit, currency),
            credit: Money::new(credit, currency),
            balanced,
            lettered_on,
        });
    }
    if unbalanced > 0 {
        diags.push(diag(
            Level::Info,
            "FEC-LETTRAGE",
            format!(
                "{unbalanced} of {} lettrage group(s) do not balance within the file; allocated as far as they go",
                out.len()
            ),
            String::new(),
        ));
    }
    if settle_openings {
        settle_opening_balances(items, clients, orphans, currency, &mut allocations, diags);
    }
    (allocations, out)
}

/// See [`AllocationBasis::OpeningBalance`]: per client, the orphan credits settle the unlettered
/// opening debit items, oldest first, when they do not exceed them.
fn settle_opening_balances(
    items: &mut [Item],
    clients: &[FecClient],
    orphans: BTreeMap<usize, Vec<usize>>,
    currency: Currency,
    allocations: &mut Vec<Allocation>,
    diags: &mut Vec<Diagnostic>,
) {
    let open = |items: &[Item], v: &[usize]| -> Decimal {
        v.iter().filter_map(|n| items.get(*n)).fold(Decimal::ZERO, |s, i| s.checked_add(i.open.amount).unwrap_or(s))
    };
    for (client, mut credits) in orphans {
        let openings: Vec<usize> = (0..items.len())
            .filter(|n| {
                items.get(*n).is_some_and(|i| {
                    i.client == client
                        && i.kind == ItemKind::Opening
                        && i.side == Side::Debit
                        && i.lettrage.is_none()
                        && i.open.is_positive()
                })
            })
            .collect();
        let (owed, paid) = (open(items, &openings), open(items, &credits));
        if openings.is_empty() || paid > owed {
            continue;
        }
        credits.sort_by_key(|n| items.get(*n).map(|i| (i.date, i.source.locator.len(), i.source.locator.clone())));
        let (mut oi, mut ci) = (0, 0);
        while let (Some(&d), Some(&c)) = (openings.get(oi), credits.get(ci)) {
            let (Some(od), Some(oc)) = (items.get(d).map(|i| i.open.amount), items.get(c).map(|i| i.open.amount))
            else {
                break;
            };
            let amount = od.min(oc);
            if amount.is_zero() {
                if od.is_zero() {
                    oi += 1;
                } else {
                    ci += 1;
                }
                continue;
            }
            let mut dates = [NaiveDate::MIN; 2];
            for (slot, n) in dates.iter_mut().zip([d, c]) {
                if let Some(it) = items.get_mut(n) {
                    it.open.amount -= amount;
                    *slot = it.date;
                }
            }
            let credit = items.get(c);
            allocations.push(Allocation {
                client,
                debit: d,
                credit: c,
                amount: Money::new(amount, currency),
                applied_on: dates[0].max(dates[1]),
                lettered_on: credit.and_then(|i| i.lettered_on),
                lettrage: credit.and_then(|i| i.lettrage.clone()).unwrap_or_default(),
                basis: AllocationBasis::OpeningBalance,
            });
        }
        let at = openings.first().and_then(|n| items.get(*n)).map(|i| i.source.locator.clone()).unwrap_or_default();
        diags.push(diag(
            Level::Info,
            "FEC-OPENING-SETTLED",
            format!(
                "client {}: {} credit(s) lettered with debits of an earlier year settle {paid} of its unlettered \
                 opening balance of {owed}{}",
                clients.get(client).map(|c| c.key.as_str()).unwrap_or_default(),
                credits.len(),
                if paid == owed { " exactly" } else { "" }
            ),
            at,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fec::{read_fec_bytes, ClientKind, ClientOrigin};

    const HEADER: &str = "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|\
                          PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise";

    /// `journal num date account aux piece label debit credit let`, `_` for a blank zone, `~` for a
    /// space, `aux` as `CODE` or `CODE:NAME`.
    fn fec(rows: &[&str]) -> FecFile {
        let mut s = format!("{HEADER}\n");
        for r in rows {
            let z: Vec<&str> = r.split_whitespace().map(|z| if z == "_" { "" } else { z }).collect();
            let g = |i: usize| z.get(i).copied().unwrap_or("").replace('~', " ");
            let aux = g(4);
            let (aux_num, aux_lib) = aux.split_once(':').unwrap_or((&aux, &aux));
            s.push_str(&format!(
                "{}|J|{}|{}|{}|L|{}|{}|{}|{}|{}|{}|{}|{}|{}|||\n",
                g(0),
                g(1),
                g(2),
                g(3),
                aux_num,
                aux_lib,
                g(5),
                g(2),
                g(6),
                g(7),
                g(8),
                g(9),
                if g(9).is_empty() { String::new() } else { g(2) },
            ));
        }
        read_fec_bytes("t.txt", s.as_bytes()).expect("reads")
    }

    fn kinds(r: &Rebuilt) -> Vec<(ItemKind, String)> {
        r.items.iter().map(|i| (i.kind, i.amount.amount.to_string())).collect()
    }

    const OPENING: &str = "ZZ 1 20230101 101000 _ RAN ouverture 0 1000 _";

    #[test]
    fn kinds_come_from_the_accounts_not_the_journal_codes() {
        let f = fec(&[
            OPENING,
            "ZZ 1 20230101 512000 _ RAN ouverture 1000 0 _",
            // A sale in a journal called "X1", its payment in "Q", a credit note, a refund, a write-off.
            "X1 1 20230110 411000 C1 FA1 vente 120 0 _",
            "X1 1 20230110 706000 _ FA1 vente 0 100 _",
            "X1 1 20230110 445710 _ FA1 vente 0 20 _",
            "Q 7 20230120 512000 _ VIR1 virement 120 0 _",
            "Q 7 20230120 411000 C1 VIR1 virement 0 120 _",
            "X1 2 20230125 411000 C1 AV1 avoir 0 12 _",
            "X1 2 20230125 706000 _ AV1 avoir 10 0 _",
            "X1 2 20230125 445710 _ AV1 avoir 2 0 _",
            "Q 8 20230126 411000 C1 RB1 remboursement 12 0 _",
            "Q 8 20230126 512000 _ RB1 remboursement 0 12 _",
            "OD 3 20230130 411000 C1 PP perte 0 5 _",
            "OD 3 20230130 654000 _ PP perte 5 0 _",
        ]);
        let r = rebuild(&f, &RebuildOptions::default());
        assert_eq!(
            kinds(&r),
            [
                (ItemKind::Invoice, "120".into()),
                (ItemKind::Payment, "120".into()),
                (ItemKind::CreditNote, "12".into()),
                (ItemKind::Refund, "12".into()),
                (ItemKind::Adjustment, "5".into()),
            ]
        );
        assert_eq!(r.items[4].counter_accounts, ["654000"]);
        assert_eq!(r.items[0].invoice_kind(), Some(InvoiceKind::Invoice));
        assert_eq!(r.items[0].source.locator, "line 4");
        let roles: Vec<(&str, JournalRole)> = r.journals.iter().map(|j| (j.code.as_str(), j.role)).collect();
        assert_eq!(
            roles,
            [
                ("ZZ", JournalRole::Opening),
                ("X1", JournalRole::Sales),
                ("Q", JournalRole::Treasury),
                ("OD", JournalRole::Other)
            ]
        );
        assert_eq!(r.exercise_start, NaiveDate::from_ymd_opt(2023, 1, 1));
        assert!(r.balances_agree());
        assert_eq!(r.clients[0].balance.amount.to_string(), "-5", "120 - 120 - 12 + 12 - 5");
    }

    #[test]
    fn cash_sales_and_vat_on_receipts() {
        let f = fec(&[
            // A cash sale: the client is debited and credited in the same entry.
            "V 1 20230110 411000 C1 T1 comptoir 60 0 _",
            "V 1 20230110 707000 _ T1 comptoir 0 50 _",
            "V 1 20230110 445710 _ T1 comptoir 0 10 _",
            "V 1 20230110 530000 _ T1 comptoir 60 0 _",
            "V 1 20230110 411000 C1 T1 comptoir 0 60 _",
            // A payment that also moves VAT on receipts (44574 -> 44571) stays a payment.
            "B 2 20230120 512000 _ R2 vir 30 0 _",
            "B 2 20230120 411000 C1 R2 vir 0 30 _",
            "B 2 20230120 445740 _ R2 vir 5 0 _",
            "B 2 20230120 445710 _ R2 vir 0 5 _",
        ]);
        let r =
            rebuild(&f, &RebuildOptions { exercise_start: NaiveDate::from_ymd_opt(2023, 1, 1), ..Default::default() });
        assert_eq!(
            kinds(&r),
            [(ItemKind::Invoice, "60".into()), (ItemKind::Payment, "60".into()), (ItemKind::Payment, "30".into())]
        );
        assert!(r.diagnostics.iter().any(|d| d.rule == "FEC-OPENING" && d.level == Level::Warning), "no opening found");
    }

    #[test]
    fn lettrage_allocates_equal_amounts_first_and_reports_what_does_not_balance() {
        let f = fec(&[
            "V 1 20230110 411000 C1 F1 f 100 0 A",
            "V 1 20230110 706000 _ F1 f 0 100 _",
            "V 2 20230111 411000 C1 F2 f 40 0 A",
            "V 2 20230111 706000 _ F2 f 0 40 _",
            "B 3 20230120 411000 C1 P1 p 0 40 A",
            "B 3 20230120 512000 _ P1 p 40 0 _",
            "B 4 20230121 411000 C1 P2 p 0 100 A",
            "B 4 20230121 512000 _ P2 p 100 0 _",
            // Group B does not balance: 70 invoiced, 50 paid.
            "V 5 20230201 411000 C1 F3 f 70 0 B",
            "V 5 20230201 706000 _ F3 f 0 70 _",
            "B 6 20230210 411000 C1 P3 p 0 50 B",
            "B 6 20230210 512000 _ P3 p 50 0 _",
        ]);
        let r = rebuild(&f, &RebuildOptions::default());
        let allocs: Vec<(usize, usize, String)> =
            r.allocations.iter().map(|a| (a.debit, a.credit, a.amount.amount.to_string())).collect();
        assert_eq!(allocs, [(1, 2, "40".into()), (0, 3, "100".into()), (4, 5, "50".into())], "equal amounts paired");
        assert_eq!(r.allocations[1].applied_on, NaiveDate::from_ymd_opt(2023, 1, 21).unwrap(), "the later date");
        assert_eq!(r.allocations[1].lettered_on, NaiveDate::from_ymd_opt(2023, 1, 21), "DateLet of the group");
        assert_eq!(r.items[4].open.amount.to_string(), "20", "the rest stays open, not forced");
        let groups: Vec<(&str, bool)> = r.lettrage.iter().map(|g| (g.code.as_str(), g.balanced)).collect();
        assert_eq!(groups, [("A", true), ("B", false)]);
        let d = r.diagnostics.iter().find(|d| d.rule == "FEC-LETTRAGE").expect("reported");
        assert_eq!(d.path, "line 10");
        assert!(d.message.contains("debits 70, credits 50"), "{}", d.message);
        assert!(r.balances_agree());
    }

    #[test]
    fn orphan_credits_settle_the_aggregated_opening_balance() {
        let rows = [
            "AN 1 20230101 411000 C1 RAN report 300 0 _",
            "AN 1 20230101 101000 _ RAN report 0 300 _",
            "V 1 20230110 706000 _ F1 f 0 100 _",
            "B 2 20230115 411000 C1 P1 p 0 300 AB",
            "B 2 20230115 512000 _ P1 p 300 0 _",
        ];
        let r = rebuild(&fec(&rows), &RebuildOptions::default());
        assert_eq!(r.allocations.len(), 1);
        assert_eq!(r.allocations[0].basis, AllocationBasis::OpeningBalance);
        assert_eq!((r.allocations[0].debit, r.allocations[0].credit), (0, 1));
        assert!(r.diagnostics.iter().any(|d| d.rule == "FEC-OPENING-SETTLED"));
        assert!(r.balances_agree());
        let off = rebuild(&fec(&rows), &RebuildOptions { settle_opening_balances: false, ..Default::default() });
        assert!(off.allocations.is_empty());
        assert!(off.balances_agree());
    }

    #[test]
    fn due_dates_and_where_they_come_from() {
        let f = fec(&[
            OPENING,
            "V 1 20230110 411000 C1 F1 f 100 0 _",
            "V 1 20230110 706000 _ F1 f 0 100 _",
            "V 2 20230110 411000 C2 F2 f 100 0 _",
            "V 2 20230110 706000 _ F2 f 0 100 _",
        ]);
        let due = |r: &Rebuilt| -> Vec<(String, DueDateOrigin)> {
            r.documents().filter_map(|(_, i)| i.due).map(|d| (d.date.to_string(), d.origin)).collect()
        };
        let r = rebuild(&f, &RebuildOptions::default());
        assert_eq!(
            due(&r),
            [("2023-02-09".into(), DueDateOrigin::DefaultTerms), ("2023-02-09".into(), DueDateOrigin::DefaultTerms)]
        );
        let mut map = BTreeMap::new();
        map.insert(("F1".to_owned(), "C1".to_owned()), NaiveDate::from_ymd_opt(2023, 3, 1).unwrap());
        let opts = RebuildOptions {
            einvoice_due_dates: Some(&map),
            client_terms: [("C2".to_owned(), PaymentTerms::EndOfMonthThenDays { days: 45 })].into(),
            ..Default::default()
        };
        let r = rebuild(&f, &opts);
        assert_eq!(
            due(&r),
            [("2023-03-01".into(), DueDateOrigin::EInvoice), ("2023-03-17".into(), DueDateOrigin::ClientTerms)]
        );
        let by_name = |n: &str, c: &FecClient| {
            (n == "F2" && c.name == "C2").then(|| NaiveDate::from_ymd_opt(2023, 4, 2)).flatten()
        };
        let r = rebuild(&f, &RebuildOptions { einvoice_due_dates: Some(&by_name), ..Default::default() });
        assert_eq!(due(&r)[1], ("2023-04-02".into(), DueDateOrigin::EInvoice), "a closure works too");
    }

    #[test]
    fn sub_accounts_and_names_from_labels() {
        let subs = fec(&[
            "V 1 20230110 411DUPONT _ F1 f 100 0 _",
            "V 1 20230110 706000 _ F1 f 0 100 _",
            "V 2 20230110 411MARTIN _ F2 f 50 0 _",
            "V 2 20230110 706000 _ F2 f 0 50 _",
        ]);
        let r = rebuild(&subs, &RebuildOptions::default());
        let keys: Vec<(&str, ClientOrigin)> = r.clients.iter().map(|c| (c.key.as_str(), c.identified_by)).collect();
        assert_eq!(keys, [("411DUPONT", ClientOrigin::SubAccount), ("411MARTIN", ClientOrigin::SubAccount)]);

        let one = fec(&[
            "V 1 20230110 411100 _ F1 FACT~DUPONT~SARL~F1 100 0 _",
            "V 1 20230110 706000 _ F1 f 0 100 _",
            // The payment's label names nobody, but it is lettered with Dupont's invoice.
            "B 2 20230120 411100 _ VIR VIR~SEPA~4455 0 100 AA",
            "B 2 20230120 512000 _ VIR v 100 0 _",
            "V 3 20230110 411100 _ F3 FACT~MARTIN~F3 30 0 _",
            "V 3 20230110 706000 _ F3 f 0 30 _",
            "B 4 20230125 411100 _ X REGLT~MARTIN 0 30 _",
            "B 4 20230125 512000 _ X v 30 0 _",
            "B 5 20230126 411100 _ X VIR~12345 0 7 _",
            "B 5 20230126 512000 _ X v 7 0 _",
        ]);
        // The invoice's line is lettered too.
        let mut one = one;
        one.lines[0].ecriture_let = "AA".into();
        let r = rebuild(&one, &RebuildOptions::default());
        let clients: Vec<(&str, ClientOrigin, usize)> =
            r.clients.iter().map(|c| (c.key.as_str(), c.identified_by, c.lines)).collect();
        assert_eq!(
            clients,
            [
                ("DUPONT", ClientOrigin::Label, 2),
                ("MARTIN", ClientOrigin::Label, 2),
                ("?411100", ClientOrigin::Unattributed, 1)
            ]
        );
        assert_eq!(r.clients[0].name, "DUPONT SARL");
        assert_eq!(r.clients[2].kind, ClientKind::Unattributed);
        assert!(r.diagnostics.iter().any(|d| d.rule == "FEC-UNATTRIBUTED" && d.path == "line 10"));
        assert!(r.balances_agree());
    }

    #[test]
    fn zero_entry_numbers_group_by_piece_and_date() {
        let f = fec(&[
            "ve 0 20230131 411000 CCB:RECETTE~CB 01/2023 RECETTE~CB 120 0 _",
            "ve 0 20230131 706000 _ 01/2023 ventes 0 100 _",
            "ve 0 20230131 445710 _ 01/2023 tva 0 20 _",
            "bq 0 20230204 411000 CCB:RECETTE~CB REM~CB RECETTE~CB 0 120 _",
            "bq 0 20230204 512000 _ REM~CB RECETTE~CB 120 0 _",
        ]);
        let r = rebuild(&f, &RebuildOptions::default());
        assert_eq!(kinds(&r), [(ItemKind::Invoice, "120".into()), (ItemKind::Payment, "120".into())]);
        assert_eq!(r.items[0].entry, "2023-01-31 01/2023");
        assert!(r.diagnostics.iter().any(|d| d.rule == "FEC-ENTRY"));
        assert_eq!(r.clients[0].kind, ClientKind::PaymentMeans);
        assert!(r.diagnostics.iter().any(|d| d.rule == "FEC-PSEUDO-CLIENT"));
    }

    #[test]
    fn shared_numbers_overrides_and_more_client_accounts() {
        let f = fec(&[
            // One EcritureNum on two dates: two entries, each classified by its own accounts.
            "V 9 20230110 411000 C1 F1 f 100 0 _",
            "V 9 20230110 706000 _ F1 f 0 100 _",
            "V 9 20230111 411000 C1 P1 p 0 100 _",
            "V 9 20230111 512000 _ P1 p 100 0 _",
            // A doubtful client (416), and a journal "OUV" the caller says is the opening.
            "OUV 1 20230101 416000 C2 RAN report 50 0 _",
            "OUV 1 20230101 512000 _ RAN report 0 50 _",
        ]);
        let r = rebuild(&f, &RebuildOptions::default());
        assert_eq!(kinds(&r), [(ItemKind::Invoice, "100".into()), (ItemKind::Payment, "100".into())]);
        assert_ne!(r.items[0].entry, r.items[1].entry);
        assert!(r.diagnostics.iter().any(|d| d.rule == "FEC-ENTRY" && d.message.contains("across dates")));
        let opts = RebuildOptions {
            client_account_prefixes: vec!["411".into(), "416".into()],
            opening_journals: Some(vec!["OUV".into()]),
            ..Default::default()
        };
        let r = rebuild(&f, &opts);
        assert_eq!(r.items.last().map(|i| (i.kind, i.client)), Some((ItemKind::Opening, 1)));
        assert_eq!(r.clients.len(), 2);
        assert!(r.balances_agree());
    }

    #[test]
    fn the_check_fails_when_the_rebuild_is_wrong() {
        let f = fec(&[
            "V 1 20230110 411000 C1 F1 f 100 0 A",
            "V 1 20230110 706000 _ F1 f 0 100 _",
            "B 2 20230120 411000 C1 P1 p 0 60 A",
            "B 2 20230120 512000 _ P1 p 60 0 _",
        ]);
        let good = rebuild(&f, &RebuildOptions::default());
        assert!(good.balances_agree());
        let mut open_edited = good.clone();
        open_edited.items[0].open.amount = Decimal::ZERO;
        assert!(!open_edited.balances_agree(), "an open amount the allocations do not leave");
        let mut lost = good.clone();
        lost.items.pop();
        assert!(!lost.check_balances()[0].agrees(), "a lost line");
        let mut over = good.clone();
        over.allocations[0].amount.amount = Decimal::from(200);
        over.items[0].open.amount = Decimal::from(-100);
        over.items[1].open.amount = Decimal::from(-140);
        assert!(!over.balances_agree(), "over-allocation");
        let mut same_side = good;
        same_side.allocations[0].credit = 0;
        assert!(!same_side.balances_agree());
    }
}
