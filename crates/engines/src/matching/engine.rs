//! The rules: evidence from a line, one allocation per client it points at, confidence, ranking,
//! and the automatic run with its working copy of open amounts.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap, HashSet};

use encours_domain::{ClientId, CreditorRef, Currency};

use super::index::{compact_reference, MatchIndex};
use super::payer::display_name;
use super::search::{subsets, Found};
use super::text::{number_keys, reference_key, words, NumberKeys, Shape};
use super::{
    money_of, units_of, CreditLine, LineMatch, MatchConfig, NumberMatch, OpenItem, PayerMemory, Proposal, Reason,
};

/// Open amounts as seen by one matching pass: the index's, or a working copy's.
pub(crate) struct View<'a> {
    index: &'a MatchIndex,
    overlay: Option<&'a HashMap<u32, i64>>,
}

impl<'a> View<'a> {
    pub(crate) fn base(index: &'a MatchIndex) -> View<'a> {
        View { index, overlay: None }
    }

    fn open(&self, pos: u32) -> i64 {
        if let Some(v) = self.overlay.and_then(|o| o.get(&pos)) {
            return *v;
        }
        self.index.units.get(pos as usize).copied().unwrap_or(0)
    }
}

/// How strongly a hit designates its item; `Reference` above every number match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Grade {
    Sequence,
    Digits,
    Exact,
    Reference,
}

impl Grade {
    /// Column of the confidence table.
    fn column(self) -> usize {
        match self {
            Grade::Reference => 0,
            Grade::Exact => 1,
            Grade::Digits => 2,
            Grade::Sequence => 3,
        }
    }
}

/// An item designated by the line's text or references.
#[derive(Clone, Debug)]
struct Hit {
    pos: u32,
    grade: Grade,
    /// The word (or reference) as written.
    written: String,
}

/// Fewest digits a word must have to be read as an invoice number: one digit says nothing.
const MIN_DIGITS: u32 = 2;
/// Credit notes and other invoices considered when completing referenced items.
const EXTRA_CREDIT_NOTES: usize = 8;
const EXTRA_INVOICES: usize = 24;
/// Most items added to referenced ones.
const MAX_EXTRA: usize = 3;
/// Items considered for a combination without any reference.
const COMBINATION_CREDIT_NOTES: usize = 8;
const COMBINATION_INVOICES: usize = 40;
/// Rounds of the automatic run: each round matches again the lines whose clients or items the
/// previous one changed.
const AUTO_ROUNDS: usize = 4;
/// Most proposals on the amount alone.
const AMOUNT_ONLY_MAX: usize = 3;

/// Collects the items a line designates.
struct Hits<'a> {
    index: &'a MatchIndex,
    found: Vec<Hit>,
}

impl<'a> Hits<'a> {
    fn push(&mut self, pos: u32, grade: Grade, written: &str) {
        if let Some(h) = self.found.iter_mut().find(|h| h.pos == pos) {
            if grade > h.grade {
                h.grade = grade;
                h.written = written.to_owned();
            }
            return;
        }
        self.found.push(Hit { pos, grade, written: written.to_owned() });
    }

    fn item(&self, pos: u32) -> Option<&'a OpenItem> {
        self.index.item(pos)
    }

    /// A structured reference, or an `RF…` found in the text. Returns false when it is not a
    /// valid ISO 11649 reference.
    fn reference(&mut self, written: &str) -> bool {
        let Ok(r) = CreditorRef::parse(written) else { return false };
        let compact = r.as_str();
        let own: Vec<u32> = self.index.references.get(reference_key(compact)).collect();
        for pos in own {
            let same = self.item(pos).and_then(|i| i.creditor_ref.as_deref()).map(compact_reference);
            if same.as_deref() == Some(compact) {
                self.push(pos, Grade::Reference, compact);
            }
        }
        // The reference Encours prints carries the number: find the item through it.
        let body = r.body();
        if let Some(k) = number_keys(body) {
            let token = Shape::of(body);
            let mut candidates: Vec<u32> = self.index.numbers.get(k.structure).collect();
            if k.segments == 1 {
                candidates.extend(self.index.numbers.get(k.compact));
            } else {
                candidates.extend(self.index.numbers.get(k.joined));
            }
            candidates.sort_unstable();
            candidates.dedup();
            for pos in candidates {
                let Some(item) = self.item(pos) else { continue };
                let printed = item.creditor_ref.as_deref().map(compact_reference);
                if printed.as_deref() == Some(compact) {
                    self.push(pos, Grade::Reference, compact);
                } else if Shape::of(&item.number).compact == token.compact {
                    // The payer quoted a reference Encours did not record but built from the
                    // number: as good as the exact number.
                    self.push(pos, Grade::Exact, compact);
                }
            }
        }
        true
    }

    /// One word of a text. Returns true when it designated something.
    fn word(&mut self, word: &str) -> bool {
        let Some(k) = number_keys(word) else { return false };
        if k.digits < MIN_DIGITS {
            return false;
        }
        let before = self.found.len();
        let token = Shape::of(word);
        self.probe(&k, &token, word);
        if self.found.len() == before && k.segments >= 2 {
            // A list in one word, `123/124`: each part as a number, when every part is long
            // enough not to be a date or an amount (`15/03/2026`, `1234.56`).
            let parts: Vec<&str> = word.split(|c: char| !c.is_ascii_alphanumeric()).filter(|p| !p.is_empty()).collect();
            if parts.len() <= 6 && parts.iter().all(|p| p.bytes().filter(u8::is_ascii_digit).count() >= 3) {
                for p in parts {
                    if let Some(pk) = number_keys(p) {
                        self.probe(&pk, &Shape::of(p), p);
                    }
                }
            }
        }
        self.found.len() > before
    }

    /// Looks a word up by its keys. When the word designates several items, only those it
    /// designates best are kept: `F2026-000001` is the invoice of that number, not the credit
    /// note `A2026-000001` that shares its digits.
    fn probe(&mut self, k: &NumberKeys, token: &Shape, written: &str) {
        let index = self.index;
        let mut local: Vec<(u32, Grade)> = Vec::new();
        let grade_digits = |item: &Shape| {
            if item.letters == token.letters && item.compact.len() >= 6 {
                Grade::Exact
            } else {
                Grade::Digits
            }
        };
        let same_structure = |item: &Shape| item.stripped().eq(token.stripped());
        for pos in index.numbers.get(k.structure) {
            let Some(item) = self.item(pos) else { continue };
            let s = Shape::of(&item.number);
            if same_structure(&s) {
                local.push((pos, grade_digits(&s)));
            }
        }
        if k.segments == 1 {
            for pos in index.numbers.get(k.compact) {
                let Some(item) = self.item(pos) else { continue };
                let s = Shape::of(&item.number);
                if s.segments.len() >= 2 && s.digits == token.digits {
                    local.push((pos, grade_digits(&s)));
                }
            }
            for pos in index.numbers.get(k.tail) {
                let Some(item) = self.item(pos) else { continue };
                let s = Shape::of(&item.number);
                if s.segments.len() >= 2 && s.tail() == token.tail() {
                    local.push((pos, Grade::Sequence));
                }
            }
        } else {
            for pos in index.numbers.get(k.joined) {
                let Some(item) = self.item(pos) else { continue };
                let s = Shape::of(&item.number);
                if s.segments.len() == 1 && s.tail() == super::text::strip_zeros(&token.digits) {
                    local.push((pos, grade_digits(&s)));
                }
            }
        }
        if let Some(top) = local.iter().map(|&(_, g)| g).max() {
            for (pos, g) in local {
                if g == top {
                    self.push(pos, g, written);
                }
            }
        }
    }

    /// Every text of the line, word by word; an `RF` word followed by groups of up to four
    /// characters is read as one reference (`RF18 5390 0754 7034`).
    fn text(&mut self, text: &str) {
        let ws: Vec<&str> = words(text).collect();
        let mut i = 0;
        while i < ws.len() {
            let w = ws[i];
            if looks_like_rf(w) {
                let mut joined = String::with_capacity(25);
                let mut best = None;
                for (j, part) in ws[i..].iter().enumerate() {
                    if joined.len() + part.len() > 25 || (j > 0 && part.len() > 4) {
                        break;
                    }
                    joined.push_str(part);
                    if CreditorRef::parse(&joined).is_ok() {
                        best = Some((j, joined.clone()));
                    }
                }
                if let Some((j, r)) = best {
                    self.reference(&r);
                    i += j + 1;
                    continue;
                }
            }
            let designated = self.word(w);
            // `FA 2026 123`: two words of digits next to each other may be one number.
            if !designated {
                if let Some(next) = ws.get(i + 1) {
                    if is_digits(w) && is_digits(next) {
                        let joined = format!("{w}-{next}");
                        if let Some(k) = number_keys(&joined) {
                            let shape = Shape::of(&joined);
                            self.probe(&k, &shape, &joined);
                        }
                    }
                }
            }
            i += 1;
        }
    }
}

fn is_digits(w: &str) -> bool {
    !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit())
}

fn looks_like_rf(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() >= 4 && b[..2].eq_ignore_ascii_case(b"RF") && b[2].is_ascii_digit() && b[3].is_ascii_digit()
}

/// Everything the line says about which items it pays.
fn hits(index: &MatchIndex, line: &CreditLine) -> Vec<Hit> {
    let mut h = Hits { index, found: Vec::new() };
    for r in &line.structured_refs {
        if !h.reference(r) {
            // Not an RF reference: the payer's own reference or our number, read as text.
            h.text(r);
        }
    }
    for t in &line.texts {
        h.text(t);
    }
    h.found
}

/// What is known of the payer for one client.
#[derive(Clone, Debug, Default)]
struct Payer {
    iban: Option<String>,
    name: Option<(String, Option<String>)>,
}

impl Payer {
    fn known(&self) -> bool {
        self.iban.is_some() || self.name.is_some()
    }

    /// Bonus to a referenced allocation: the payer confirms the client.
    fn bonus(&self) -> u8 {
        match (&self.iban, &self.name) {
            (Some(_), _) => 4,
            (None, Some((_, None))) => 3,
            (None, Some((_, Some(_)))) => 2,
            (None, None) => 0,
        }
    }

    fn reasons(&self, out: &mut Vec<Reason>) {
        if let Some(iban) = &self.iban {
            out.push(Reason::PayerIbanKnown { iban: iban.clone() });
        }
        match &self.name {
            Some((name, None)) => out.push(Reason::PayerNameKnown { name: name.clone() }),
            Some((name, Some(known))) => {
                out.push(Reason::PayerNameSimilar { name: name.clone(), known: known.clone() })
            }
            None => {}
        }
    }
}

/// What the evidence points at for one client.
#[derive(Default)]
struct Evidence {
    hits: Vec<Hit>,
    payer: Payer,
}

/// The kind of allocation built, which sets the base confidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    ExactRefs,
    RefsWithCreditNotes,
    RefSubset,
    RefsPlus,
    Partial,
    Over,
    ExactSingle,
    SeveralEqual(usize),
    Combination(usize),
    ClientOnly,
}

const TABLE_EXACT: [u8; 4] = [99, 96, 93, 88];
const TABLE_CREDIT_NOTES: [u8; 4] = [95, 92, 88, 82];
const TABLE_SUBSET: [u8; 4] = [93, 90, 86, 80];
const TABLE_PLUS: [u8; 4] = [84, 82, 78, 72];
const TABLE_PARTIAL: [u8; 4] = [92, 88, 81, 0];
const TABLE_OVER: [u8; 4] = [90, 87, 81, 0];
const NOT_UNIQUE_PENALTY: u8 = 20;
const OTHER_CLIENT_PENALTY: u8 = 6;
const AMBIGUITY_PENALTY: u8 = 15;

/// An allocation being built, in units.
struct Draft {
    kind: Kind,
    grade: Option<Grade>,
    unique: bool,
    allocs: Vec<(u32, i64)>,
    residuals: Vec<(u32, i64)>,
    unallocated: i64,
}

struct Ctx<'a> {
    view: &'a View<'a>,
    line: &'a CreditLine,
    cfg: &'a MatchConfig,
    currency: Currency,
    amount: i64,
}

impl Ctx<'_> {
    fn item(&self, pos: u32) -> Option<&OpenItem> {
        self.view.index.item(pos)
    }

    fn open(&self, pos: u32) -> i64 {
        self.view.open(pos)
    }

    /// The client's items that may take part in this line's allocation: same currency, something
    /// open, oldest due first.
    fn client_items(&self, client: ClientId) -> impl Iterator<Item = u32> + '_ {
        self.view
            .index
            .client_items(client)
            .iter()
            .copied()
            .filter(move |&p| self.open(p) != 0 && self.view.index.currency(p) == Some(self.currency))
    }

    /// Items issued by the booking date: a payment does not settle an invoice not yet issued
    /// unless it names it.
    fn issued(&self, pos: u32) -> bool {
        self.item(pos).is_some_and(|i| i.issue_date <= self.line.booked_on)
    }

    fn with_refs(&self, client: ClientId, refs: &[&Hit]) -> Option<Draft> {
        let amount = self.amount;
        let grade = refs.iter().map(|h| h.grade).min();
        let total: i64 = refs.iter().map(|h| self.open(h.pos)).sum();
        let full = |hs: &mut dyn Iterator<Item = u32>| hs.map(|p| (p, self.open(p))).collect::<Vec<_>>();
        if amount == total {
            let has_credit = refs.iter().any(|h| self.open(h.pos) < 0);
            let kind = if has_credit { Kind::RefsWithCreditNotes } else { Kind::ExactRefs };
            let allocs = full(&mut refs.iter().map(|h| h.pos));
            return Some(Draft { kind, grade, unique: true, allocs, residuals: Vec::new(), unallocated: 0 });
        }
        if amount < total && refs.len() >= 2 {
            let amounts: Vec<i64> = refs.iter().map(|h| self.open(h.pos)).collect();
            let f = subsets(&amounts, amount, 1, self.cfg.max_combination, self.cfg.search_budget);
            if let Some(sol) = f.solutions.first() {
                if sol.iter().any(|&i| amounts[i] > 0) {
                    let chosen: Vec<&Hit> = sol.iter().map(|&i| refs[i]).collect();
                    let grade = chosen.iter().map(|h| h.grade).min();
                    let allocs = full(&mut chosen.iter().map(|h| h.pos));
                    return Some(Draft {
                        kind: Kind::RefSubset,
                        grade,
                        unique: f.unique(),
                        allocs,
                        residuals: Vec::new(),
                        unallocated: 0,
                    });
                }
            }
        }
        // Sequence numbers alone are too weak to be completed by other items: the search is
        // spared and such a proposal could not be applied anyway.
        let extra_max = MAX_EXTRA.min(self.cfg.max_combination.saturating_sub(refs.len()));
        if extra_max > 0 && grade != Some(Grade::Sequence) {
            // Less than the references: only credit notes can close the gap (a payment net of
            // a credit note); more: only invoices (the payer paid more than it listed). Mixing
            // both would let an invoice and a credit note close any small gap by chance.
            let short = amount < total;
            let keep = |p: u32| !refs.iter().any(|h| h.pos == p) && (self.open(p) < 0) == short;
            let (others, _) = self.candidates(client, keep, EXTRA_CREDIT_NOTES, EXTRA_INVOICES);
            let amounts: Vec<i64> = others.iter().map(|&p| self.open(p)).collect();
            let f = subsets(&amounts, amount - total, 1, extra_max, self.cfg.search_budget);
            if let Some(sol) = f.solutions.first() {
                let only_credit = sol.iter().all(|&i| amounts[i] < 0);
                let mut positions: Vec<u32> =
                    refs.iter().map(|h| h.pos).chain(sol.iter().map(|&i| others[i])).collect();
                self.sort_by_due(&mut positions);
                return Some(Draft {
                    kind: if only_credit { Kind::RefsWithCreditNotes } else { Kind::RefsPlus },
                    grade,
                    unique: f.unique(),
                    allocs: full(&mut positions.into_iter()),
                    residuals: Vec::new(),
                    unallocated: 0,
                });
            }
        }
        if amount < total {
            // Credit notes first (they add to what can be settled), then invoices oldest first.
            let mut allocs = Vec::new();
            let mut residuals = Vec::new();
            let mut available = amount;
            for h in refs.iter().filter(|h| self.open(h.pos) < 0) {
                let o = self.open(h.pos);
                allocs.push((h.pos, o));
                available -= o;
            }
            for h in refs.iter().filter(|h| self.open(h.pos) > 0) {
                let o = self.open(h.pos);
                let take = o.min(available);
                if take <= 0 {
                    break;
                }
                allocs.push((h.pos, take));
                available -= take;
                if take < o {
                    residuals.push((h.pos, o - take));
                }
            }
            return Some(Draft { kind: Kind::Partial, grade, unique: true, allocs, residuals, unallocated: 0 });
        }
        let allocs = full(&mut refs.iter().map(|h| h.pos));
        Some(Draft {
            kind: Kind::Over,
            grade,
            unique: true,
            allocs,
            residuals: Vec::new(),
            unallocated: amount - total,
        })
    }

    fn sort_by_due(&self, positions: &mut [u32]) {
        positions.sort_by_key(|&p| self.item(p).map(|i| (i.due_date, i.invoice)));
    }

    /// The client's items passing `keep`, issued by the booking date: up to `credit_notes` credit
    /// notes and `invoices` invoices, oldest first, in due-date order; and whether that is all of
    /// them.
    fn candidates(
        &self,
        client: ClientId,
        keep: impl Fn(u32) -> bool,
        credit_notes: usize,
        invoices: usize,
    ) -> (Vec<u32>, bool) {
        let (mut cn, mut inv, mut complete) = (0usize, 0usize, true);
        let mut out = Vec::new();
        for p in self.client_items(client).filter(|&p| keep(p) && self.issued(p)) {
            let slot = if self.open(p) < 0 { (&mut cn, credit_notes) } else { (&mut inv, invoices) };
            if *slot.0 >= slot.1 {
                complete = false;
                continue;
            }
            *slot.0 += 1;
            out.push(p);
        }
        (out, complete)
    }

    /// The allocation for a known payer without references: one item of the amount, else a
    /// combination (searched only when `combine`), else the client alone.
    fn without_refs(&self, client: ClientId, combine: bool) -> Draft {
        let amount = self.amount;
        let singles: Vec<u32> =
            self.client_items(client).filter(|&p| self.issued(p) && self.open(p) == amount).collect();
        let single = |kind| Draft {
            kind,
            grade: None,
            unique: true,
            allocs: vec![(singles[0], amount)],
            residuals: Vec::new(),
            unallocated: 0,
        };
        match singles.len() {
            1 => return single(Kind::ExactSingle),
            n if n > 1 => return single(Kind::SeveralEqual(n)),
            _ => {}
        }
        let (cands, complete) = if combine {
            self.candidates(client, |_| true, COMBINATION_CREDIT_NOTES, COMBINATION_INVOICES)
        } else {
            (Vec::new(), false)
        };
        let amounts: Vec<i64> = cands.iter().map(|&p| self.open(p)).collect();
        let f: Found = subsets(&amounts, amount, 2, self.cfg.max_combination, self.cfg.search_budget);
        if let Some(sol) = f.solutions.first() {
            if sol.iter().any(|&i| amounts[i] > 0) {
                let allocs: Vec<(u32, i64)> = sol.iter().map(|&i| (cands[i], amounts[i])).collect();
                return Draft {
                    kind: Kind::Combination(sol.len()),
                    grade: None,
                    unique: f.unique() && complete,
                    allocs,
                    residuals: Vec::new(),
                    unallocated: 0,
                };
            }
        }
        Draft {
            kind: Kind::ClientOnly,
            grade: None,
            unique: true,
            allocs: Vec::new(),
            residuals: Vec::new(),
            unallocated: amount,
        }
    }

    /// The allocation for one client, or `None` when the evidence does not hold up. `referenced
    /// elsewhere` says that the text designates another client's items by their number or
    /// reference: the payer's client then gets no combination search, which could only give a
    /// weaker, contradicted proposal and costs the most time.
    fn draft(&self, client: ClientId, ev: &Evidence, referenced_elsewhere: bool) -> Option<Draft> {
        let mut refs: Vec<&Hit> = ev
            .hits
            .iter()
            .filter(|h| self.open(h.pos) != 0 && self.view.index.currency(h.pos) == Some(self.currency))
            .collect();
        refs.sort_by_key(|h| self.item(h.pos).map(|i| (i.due_date, i.invoice)));
        if refs.iter().any(|h| self.open(h.pos) > 0) {
            if let Some(d) = self.with_refs(client, &refs) {
                let weak = d.grade == Some(Grade::Sequence) && matches!(d.kind, Kind::Partial | Kind::Over);
                if !weak {
                    return Some(d);
                }
            }
        }
        ev.payer.known().then(|| self.without_refs(client, !referenced_elsewhere))
    }

    fn confidence(&self, d: &Draft, payer: &Payer) -> u8 {
        let by_name = |iban: u8, name: u8, similar: u8| match (&payer.iban, &payer.name) {
            (Some(_), _) => iban,
            (None, Some((_, None))) => name,
            (None, Some((_, Some(_)))) => similar,
            (None, None) => 0,
        };
        let col = d.grade.map_or(3, Grade::column);
        let referenced = |table: [u8; 4]| table[col].saturating_add(payer.bonus()).min(99);
        let mut c = match d.kind {
            Kind::ExactRefs => referenced(TABLE_EXACT),
            Kind::RefsWithCreditNotes => referenced(TABLE_CREDIT_NOTES),
            Kind::RefSubset => referenced(TABLE_SUBSET),
            // The added invoices rest on the amount alone: no payer bonus, never automatic by
            // default.
            Kind::RefsPlus => TABLE_PLUS[col],
            Kind::Partial => referenced(TABLE_PARTIAL),
            Kind::Over => referenced(TABLE_OVER),
            Kind::ExactSingle => by_name(92, 88, 80),
            Kind::SeveralEqual(_) => by_name(60, 55, 50),
            Kind::Combination(n) => {
                if d.unique {
                    by_name(88, 84, 76).saturating_sub(u8::try_from(n.saturating_sub(2)).unwrap_or(u8::MAX))
                } else {
                    55
                }
            }
            Kind::ClientOnly => 30,
        };
        if !d.unique && !matches!(d.kind, Kind::Combination(_)) {
            c = c.saturating_sub(NOT_UNIQUE_PENALTY);
        }
        c
    }

    fn proposal(&self, client: ClientId, ev: &Evidence, d: Draft, other: Option<ClientId>) -> Proposal {
        let ccy = self.currency;
        let mut confidence = self.confidence(&d, &ev.payer);
        let mut reasons = Vec::new();
        for &(pos, _) in &d.allocs {
            let Some(h) = ev.hits.iter().find(|h| h.pos == pos) else { continue };
            let Some(item) = self.item(pos) else { continue };
            reasons.push(match h.grade {
                Grade::Reference => Reason::StructuredReference { reference: h.written.clone(), invoice: item.invoice },
                g => Reason::InvoiceNumberInText {
                    invoice: item.invoice,
                    number: item.number.clone(),
                    text: h.written.clone(),
                    strength: match g {
                        Grade::Sequence => NumberMatch::Sequence,
                        Grade::Digits => NumberMatch::Digits,
                        _ => NumberMatch::Exact,
                    },
                },
            });
        }
        match d.kind {
            Kind::ExactRefs | Kind::RefsWithCreditNotes | Kind::ExactSingle => reasons.push(Reason::ExactAmount),
            Kind::RefSubset | Kind::RefsPlus | Kind::Combination(_) => {
                reasons.push(Reason::AmountCombination { count: d.allocs.len() })
            }
            Kind::SeveralEqual(count) => reasons.push(Reason::SeveralEqualAmounts { count }),
            Kind::Partial | Kind::Over | Kind::ClientOnly => {}
        }
        if !d.unique {
            reasons.push(Reason::NotUnique);
        }
        for &(pos, units) in &d.allocs {
            if units < 0 {
                if let Some(item) = self.item(pos) {
                    reasons.push(Reason::CreditNoteOffset { credit_note: item.invoice, amount: money_of(-units, ccy) });
                }
            }
        }
        for &(pos, residual) in &d.residuals {
            if let Some(item) = self.item(pos) {
                reasons.push(Reason::PartialPayment { invoice: item.invoice, residual: money_of(residual, ccy) });
            }
        }
        if d.unallocated > 0 && d.kind == Kind::Over {
            reasons.push(Reason::Overpayment { amount: money_of(d.unallocated, ccy) });
        }
        ev.payer.reasons(&mut reasons);
        if let Some(o) = other {
            confidence = confidence.saturating_sub(OTHER_CLIENT_PENALTY);
            reasons.push(Reason::PayerKnownAsOtherClient { client: o });
        }
        self.finish(client, d.allocs, d.residuals, d.unallocated, confidence, reasons)
    }

    fn finish(
        &self,
        client: ClientId,
        allocs: Vec<(u32, i64)>,
        residuals: Vec<(u32, i64)>,
        unallocated: i64,
        confidence: u8,
        reasons: Vec<Reason>,
    ) -> Proposal {
        let ccy = self.currency;
        let invoice = |pos: u32| self.item(pos).map(|i| i.invoice);
        Proposal {
            client,
            allocations: allocs.iter().filter_map(|&(p, u)| Some((invoice(p)?, money_of(u, ccy)))).collect(),
            residuals: residuals.iter().filter_map(|&(p, u)| Some((invoice(p)?, money_of(u, ccy)))).collect(),
            unallocated: money_of(unallocated, ccy),
            confidence,
            reasons,
            positions: allocs,
        }
    }

    /// Items of exactly the amount anywhere in the ledger, when nothing points at a client.
    fn amount_only(&self) -> Vec<Proposal> {
        let key = super::text::amount_key(self.currency.code(), self.amount);
        let mut found: Vec<u32> = self
            .view
            .index
            .amounts
            .get(key)
            .filter(|&p| {
                self.view.index.currency(p) == Some(self.currency)
                    && self.view.index.units.get(p as usize) == Some(&self.amount)
                    && self.open(p) == self.amount
                    && self.issued(p)
            })
            .collect();
        self.sort_by_due(&mut found);
        let candidates = found.len();
        let confidence = if candidates == 1 { 40 } else { 25 };
        found
            .into_iter()
            .take(AMOUNT_ONLY_MAX)
            .filter_map(|p| {
                let client = self.item(p)?.client;
                let reasons = vec![Reason::AmountOnly { candidates }];
                Some(self.finish(client, vec![(p, self.amount)], Vec::new(), 0, confidence, reasons))
            })
            .collect()
    }
}

/// Proposals for one line against a view of the open amounts.
pub(crate) fn propose(view: &View<'_>, memory: &PayerMemory, line: &CreditLine, cfg: &MatchConfig) -> Vec<Proposal> {
    let Some(amount) = units_of(line.amount.amount) else { return Vec::new() };
    if amount <= 0 {
        return Vec::new();
    }
    let ctx = Ctx { view, line, cfg, currency: line.amount.currency, amount };
    let index = view.index;

    let mut by_client: BTreeMap<ClientId, Evidence> = BTreeMap::new();
    for h in hits(index, line) {
        if let Some(item) = index.item(h.pos) {
            by_client.entry(item.client).or_default().hits.push(h);
        }
    }
    let iban_client = line.payer_iban.as_deref().and_then(|i| memory.iban_client(i).map(|c| (c, i)));
    if let Some((c, iban)) = iban_client {
        by_client.entry(c).or_default().payer.iban = Some(iban.split_whitespace().collect());
    }
    let name_match = line.payer_name.as_deref().and_then(|n| memory.name_client(n).map(|m| (m, n)));
    if let Some((m, name)) = &name_match {
        by_client.entry(m.client).or_default().payer.name =
            Some((display_name(name), m.similar.then(|| m.known.clone())));
    }
    // The client the payer is known as, for the proposals of other clients.
    let payer_client =
        iban_client.map(|(c, _)| c).or_else(|| name_match.as_ref().filter(|(m, _)| !m.similar).map(|(m, _)| m.client));

    let strong = |ev: &Evidence| ev.hits.iter().any(|h| h.grade >= Grade::Digits);
    let mut proposals: Vec<Proposal> = Vec::new();
    for (client, ev) in &by_client {
        let elsewhere = by_client.iter().any(|(c, other)| c != client && strong(other));
        if let Some(d) = ctx.draft(*client, ev, elsewhere) {
            let other = payer_client.filter(|c| c != client && !ev.hits.is_empty());
            proposals.push(ctx.proposal(*client, ev, d, other));
        }
    }
    if proposals.iter().all(|p| p.allocations.is_empty()) {
        proposals.extend(ctx.amount_only());
    }
    rank(&mut proposals, cfg);
    proposals
}

/// Best first; proposals within `ambiguity_gap` of the best lose [`AMBIGUITY_PENALTY`].
fn rank(proposals: &mut Vec<Proposal>, cfg: &MatchConfig) {
    let order = |p: &Proposal| (Reverse(p.confidence), p.client, p.allocations.first().map(|a| a.0));
    proposals.sort_by_key(order);
    if let (Some(best), Some(second)) = (proposals.first(), proposals.get(1)) {
        let (top, runner_up) = (best.confidence, second.confidence);
        if top - runner_up < cfg.ambiguity_gap && top > 0 {
            for p in proposals.iter_mut().filter(|p| top - p.confidence < cfg.ambiguity_gap) {
                p.confidence = p.confidence.saturating_sub(AMBIGUITY_PENALTY);
                p.reasons.push(Reason::Ambiguous { runner_up });
            }
            proposals.sort_by_key(order);
        }
    }
    proposals.truncate(cfg.max_proposals.max(1));
}

fn eligible(p: Option<&Proposal>, cfg: &MatchConfig) -> bool {
    p.is_some_and(|p| p.confidence >= cfg.auto_threshold && p.can_be_automatic())
}

/// Proposals for many lines, on `cfg.threads` threads when there are enough lines to share.
fn propose_all(view: &View<'_>, memory: &PayerMemory, lines: &[&CreditLine], cfg: &MatchConfig) -> Vec<Vec<Proposal>> {
    if cfg.threads <= 1 || lines.len() < 256 {
        return lines.iter().map(|l| propose(view, memory, l, cfg)).collect();
    }
    let chunk = lines.len().div_ceil(cfg.threads);
    let parts: Vec<Option<Vec<Vec<Proposal>>>> = std::thread::scope(|s| {
        let handles: Vec<_> = lines
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(|l| propose(view, memory, l, cfg)).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().map(|h| h.join().ok()).collect()
    });
    // A worker only panics on a bug; its share is then matched again here, where the panic
    // reaches the caller as it would without threads.
    parts
        .into_iter()
        .zip(lines.chunks(chunk))
        .flat_map(|(done, part)| done.unwrap_or_else(|| part.iter().map(|l| propose(view, memory, l, cfg)).collect()))
        .collect()
}

/// See [`super::auto_matches`].
pub(crate) fn auto_matches(
    index: &MatchIndex,
    memory: &PayerMemory,
    lines: &[CreditLine],
    cfg: &MatchConfig,
) -> Vec<LineMatch> {
    let base = View::base(index);
    let all: Vec<&CreditLine> = lines.iter().collect();
    let first = propose_all(&base, memory, &all, cfg);
    let mut results: Vec<LineMatch> =
        lines.iter().zip(first).map(|(l, proposals)| LineMatch { key: l.key, proposals, auto: false }).collect();

    let mut overlay: HashMap<u32, i64> = HashMap::new();
    let mut candidates: Vec<usize> = (0..lines.len()).collect();
    for _round in 0..AUTO_ROUNDS {
        candidates.sort_by_key(|&i| {
            (Reverse(results[i].proposals.first().map_or(0, |p| p.confidence)), lines[i].booked_on, i)
        });
        // Positions and clients changed in this round: proposals that name them are stale.
        let mut touched: HashSet<u32> = HashSet::new();
        let mut clients: HashSet<ClientId> = HashSet::new();
        for &i in &candidates {
            if !eligible(results[i].proposals.first(), cfg) {
                continue;
            }
            let stale =
                results[i].proposals.first().is_some_and(|p| p.positions.iter().any(|(pos, _)| touched.contains(pos)));
            if stale {
                let view = View { index, overlay: Some(&overlay) };
                results[i].proposals = propose(&view, memory, &lines[i], cfg);
                if !eligible(results[i].proposals.first(), cfg) {
                    continue;
                }
            }
            if let Some(p) = results[i].proposals.first() {
                for &(pos, units) in &p.positions {
                    let open = overlay
                        .get(&pos)
                        .copied()
                        .unwrap_or_else(|| index.units.get(pos as usize).copied().unwrap_or(0));
                    overlay.insert(pos, open - units);
                    touched.insert(pos);
                }
                clients.insert(p.client);
                results[i].auto = true;
            }
        }
        // What is left may be clearer now: a combination whose rival used an invoice just taken,
        // an amount that was ambiguous. The lines concerned are matched again against what is
        // left and offered to the next round.
        candidates = results
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                !r.auto
                    && r.proposals.iter().any(|p| {
                        clients.contains(&p.client) || p.positions.iter().any(|(pos, _)| touched.contains(pos))
                    })
            })
            .map(|(i, _)| i)
            .collect();
        let view = View { index, overlay: Some(&overlay) };
        let again: Vec<&CreditLine> = candidates.iter().map(|&i| &lines[i]).collect();
        for (&i, proposals) in candidates.iter().zip(propose_all(&view, memory, &again, cfg)) {
            results[i].proposals = proposals;
        }
        if candidates.is_empty() {
            break;
        }
    }
    results
}
