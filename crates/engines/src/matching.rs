//! Payment matching (lettrage): which open items a bank credit line pays.
//!
//! Pure: no I/O, no clock (the booking date comes with the line). The caller loads the open items
//! and the payer memory from the store, builds a [`MatchIndex`], then asks for [`propose`] on one
//! line (the reconciliation screen) or [`auto_matches`] on a batch (after an import), and writes
//! what it accepts. All amounts are [`Money`] outside and exact integers of 10⁻⁵ currency units
//! inside (the store's unit): never a float.
//!
//! # Evidence and rules
//!
//! A line is read for four kinds of evidence:
//! 1. **Structured creditor reference** (ISO 11649 `RF…`, camt `RmtInf/Strd/CdtrRefInf/Ref`, or
//!    written in the free text with or without its spaces): the strongest, the payer copied what
//!    Encours printed and the check digits rule out typing errors.
//! 2. **Invoice numbers in the free text**, as whole words in whatever form payers write them
//!    (`F2026-000123`, `F2026000123`, `fa 2026/123`, `factures 123 et 124`); see `text.rs`.
//!    A hit is [`NumberMatch::Exact`] (same letters and digits, and long enough to be
//!    distinctive), [`NumberMatch::Digits`] (same digits, another prefix, separators or padding)
//!    or [`NumberMatch::Sequence`] (only the last segment, the weakest). Words of one digit are
//!    not read, and a word that designates several items keeps only those it designates best
//!    (`F2026-000001` is the invoice, not the credit note `A2026-000001`).
//! 3. **The payer**: an IBAN or a name remembered from earlier accepted matches ([`PayerMemory`]).
//! 4. **The amount**: equal to what the referenced items leave open, to one item of the client,
//!    or to a bounded combination of the client's items (`search.rs`), credit notes included.
//!
//! For each client the evidence points at, one allocation is built, in this order:
//! - referenced items whose open amounts add up to the line: all settled ([`Reason::ExactAmount`]);
//! - a subset of the referenced items adds up (the payer listed more than it paid);
//! - less than the referenced items, and up to three of the client's open credit notes close the
//!   gap: a payment net of a credit note ([`Reason::CreditNoteOffset`]); more than the referenced
//!   items, and up to three more invoices close it ([`Reason::AmountCombination`]). Credit notes
//!   and invoices are never mixed here, so that no pair can close a small gap by chance;
//! - less than the referenced items: a **partial payment**, allocated oldest due date first,
//!   credit notes used first, the residual left on the last invoice ([`Reason::PartialPayment`]);
//! - more: an **overpayment**, every referenced item settled and the rest left unallocated on the
//!   payment ([`Reason::Overpayment`]);
//! - no reference but a known payer: one item of that amount ([`Reason::ExactAmount`]), else a
//!   combination of 2 to `max_combination` items, oldest first ([`Reason::AmountCombination`]),
//!   else the client alone with nothing allocated;
//! - no evidence of the client at all: items of that amount anywhere, at low confidence
//!   ([`Reason::AmountOnly`]), never applied automatically.
//!
//! # Confidence (0–100)
//!
//! | allocation | RF | exact number | digits | sequence only |
//! |---|---|---|---|---|
//! | referenced items, amount equal | 99 | 96 | 93 | 88 |
//! | referenced items + credit notes | 95 | 92 | 88 | 82 |
//! | subset of the referenced items | 93 | 90 | 86 | 80 |
//! | referenced items + other invoices | 84 | 82 | 78 | 72 |
//! | partial payment | 92 | 88 | 81 | — |
//! | overpayment | 90 | 87 | 81 | — |
//!
//! A known payer of the same client adds 4 (IBAN), 3 (same name) or 2 (similar name), capped at
//! 99, except to other invoices added to the referenced ones, which rest on the amount alone; a
//! payer known as *another* client takes 6 off. A combination that is not proven unique
//! (a second subset reaches the amount, or the search budget ran out) takes 20 off. Without any
//! reference: one item of the amount 92 (IBAN) / 88 (name) / 80 (similar name); several items of
//! that amount 60 / 55; a unique combination 88 / 84 / 76, one less per item beyond two, 55 when
//! not unique; the client alone 30. Amount only: 40 when one item in the whole ledger has that
//! amount, 25 when several do. Finally, when the runner-up proposal is within `ambiguity_gap` of
//! the best, every proposal that close loses 15 ([`Reason::Ambiguous`]). With the default
//! threshold of 85, automatic lettrage takes references and numbers with a matching amount,
//! partial and overpayments backed by an RF or an exact number (or by the digits and the payer's
//! known IBAN), and amounts from a known IBAN or name when exactly one item (or one proven
//! combination) fits. Sequence numbers alone support neither a partial payment nor an
//! overpayment, and are never completed by other items.

mod engine;
mod index;
mod payer;
mod search;
mod text;

use chrono::NaiveDate;
use encours_domain::{ClientId, Currency, InvoiceId, Money};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

pub use index::MatchIndex;
pub use payer::{normalise_iban, normalise_payer_name, NameMatch, PayerKey, PayerMemory};

/// One open item of the ledger, as the engine needs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OpenItem {
    /// The invoice or credit note.
    pub invoice: InvoiceId,
    /// Its client.
    pub client: ClientId,
    /// BT-1 number as issued.
    pub number: String,
    /// BT-2 issue date: an item issued after a payment's booking date is not proposed for it on
    /// the amount alone.
    pub issue_date: NaiveDate,
    /// Due date: combinations and partial payments settle the oldest due first.
    pub due_date: NaiveDate,
    /// What is left to pay; negative for a credit note not yet used.
    pub outstanding: Money,
    /// The ISO 11649 reference printed for it (letters, payment slips, or BT-83 of the e-invoice),
    /// in any spacing or case; `None` when none was given to the payer.
    pub creditor_ref: Option<String>,
}

/// One bank credit line to match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreditLine {
    /// The caller's identifier of the line (its payment id), returned with the results.
    pub key: u64,
    /// Amount received (positive).
    pub amount: Money,
    /// Booking date.
    pub booked_on: NaiveDate,
    /// Payer name as the bank wrote it (camt `Dbtr/Nm` or `Dbtr/Pty/Nm`, CFONB `NPY`).
    pub payer_name: Option<String>,
    /// Payer account as written (camt `DbtrAcct/Id/IBAN`), valid or not.
    pub payer_iban: Option<String>,
    /// Entry label and free remittance text (camt `AddtlNtryInf`, `RmtInf/Ustrd`; CFONB `LIB`…).
    pub texts: Vec<String>,
    /// Structured references (camt `RmtInf/Strd/CdtrRefInf/Ref`).
    pub structured_refs: Vec<String>,
}

/// How an invoice number was found in a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberMatch {
    /// Only the last segment, the sequence number (`123` for `F2026-000123`).
    Sequence,
    /// The same digits with another prefix, other separators or padding (`fa 2026/123`).
    Digits,
    /// The same letters and digits (`F2026000123`, `f2026-00123`), and at least six characters.
    Exact,
}

/// Why a proposal was made: the evidence, as data (the UI words it in French or English).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The line carries the item's ISO 11649 creditor reference.
    StructuredReference {
        /// The reference, compact.
        reference: String,
        /// The item it designates.
        invoice: InvoiceId,
    },
    /// The item's number is written in the line's text.
    InvoiceNumberInText {
        /// The item.
        invoice: InvoiceId,
        /// Its number as issued.
        number: String,
        /// The word as written in the text.
        text: String,
        /// How closely it matches.
        strength: NumberMatch,
    },
    /// The amount equals what the allocated items leave open.
    ExactAmount,
    /// The amount is a combination of several items.
    AmountCombination {
        /// How many items.
        count: usize,
    },
    /// Several combinations (or items) reach the amount, or the search could not prove there is
    /// only one: the first, oldest, is proposed.
    NotUnique,
    /// Several of the client's items have exactly the amount; the oldest is proposed.
    SeveralEqualAmounts {
        /// How many.
        count: usize,
    },
    /// The payer's account is known to pay for this client.
    PayerIbanKnown {
        /// The account, as written on the line.
        iban: String,
    },
    /// The payer's name is known as this client's.
    PayerNameKnown {
        /// The name as written on the line.
        name: String,
    },
    /// The payer's name resembles one known as this client's (truncated, words missing).
    PayerNameSimilar {
        /// The name as written on the line.
        name: String,
        /// The remembered name (normalised).
        known: String,
    },
    /// The payer (IBAN or name) is known as another client: a group paying for a subsidiary, or
    /// a mistake.
    PayerKnownAsOtherClient {
        /// The client the payer is known as.
        client: ClientId,
    },
    /// Less than the item's open amount was received.
    PartialPayment {
        /// The item partly paid.
        invoice: InvoiceId,
        /// What it still owes after this allocation.
        residual: Money,
    },
    /// More was received than the items leave open; the rest stays unallocated on the payment.
    Overpayment {
        /// The unallocated rest.
        amount: Money,
    },
    /// A credit note of the client is used to settle the invoices of the same payment.
    CreditNoteOffset {
        /// The credit note.
        credit_note: InvoiceId,
        /// The amount of it used (positive).
        amount: Money,
    },
    /// Nothing but the amount links the line to this item: never applied automatically.
    AmountOnly {
        /// How many open items of the ledger have that amount.
        candidates: usize,
    },
    /// Another proposal comes close; confidence was lowered.
    Ambiguous {
        /// The runner-up's confidence before the lowering.
        runner_up: u8,
    },
}

/// A proposed lettrage of one line for one client.
///
/// The allocations and `unallocated` always add up to the line's amount. A credit note appears
/// in `allocations` with a *negative* amount: that much of it is used against the invoices of the
/// same proposal (the caller records it as credit-note allocations, `AllocationFrom::CreditNote`,
/// over those invoices), which is how a payment net of a credit note balances.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Proposal {
    /// The client the payment is attributed to.
    pub client: ClientId,
    /// `(item, amount)`, oldest due date first.
    pub allocations: Vec<(InvoiceId, Money)>,
    /// For each partly settled invoice, what it still owes after this allocation.
    pub residuals: Vec<(InvoiceId, Money)>,
    /// What is left on the payment (an overpayment, or everything when nothing is allocated).
    pub unallocated: Money,
    /// 0–100, see the module documentation.
    pub confidence: u8,
    /// The evidence.
    pub reasons: Vec<Reason>,
    /// `(item position, units)` of the allocations, for the working copy of [`auto_matches`].
    #[serde(skip)]
    positions: Vec<(u32, i64)>,
}

impl Proposal {
    /// A stable text naming the proposal (client and allocations), to remember that the user
    /// rejected it (the store's `match_rejections.proposal`): `c12:i345=100.00;i346=-20.00`.
    pub fn key(&self) -> String {
        let mut allocs: Vec<&(InvoiceId, Money)> = self.allocations.iter().collect();
        allocs.sort_by_key(|(i, _)| *i);
        let mut s = format!("c{}:", self.client.0);
        for (n, (i, m)) in allocs.into_iter().enumerate() {
            if n > 0 {
                s.push(';');
            }
            s.push_str(&format!("i{}={}", i.0, m.amount));
        }
        s
    }

    /// True when the proposal may be applied without a person: it allocates something and rests
    /// on more than the amount alone. The confidence threshold is checked separately.
    pub fn can_be_automatic(&self) -> bool {
        !self.allocations.is_empty() && !self.reasons.iter().any(|r| matches!(r, Reason::AmountOnly { .. }))
    }
}

/// Settings of the engine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MatchConfig {
    /// Lowest confidence applied by [`auto_matches`] (default 85). Amount-only proposals are never
    /// applied, whatever the threshold.
    pub auto_threshold: u8,
    /// Most items in one combination (default 6).
    pub max_combination: usize,
    /// Most nodes one subset search may visit (default 10,000): bounds the time per line. A search
    /// stopped by it proves nothing unique, so its combination is never applied automatically.
    pub search_budget: u32,
    /// Two proposals closer than this are ambiguous (default 10).
    pub ambiguity_gap: u8,
    /// Most proposals returned per line (default 5).
    pub max_proposals: usize,
    /// Threads [`auto_matches`] may use for its first pass (default 1; the caller knows the
    /// machine).
    pub threads: usize,
}

impl Default for MatchConfig {
    fn default() -> Self {
        MatchConfig {
            auto_threshold: 85,
            max_combination: 6,
            search_budget: 10_000,
            ambiguity_gap: 10,
            max_proposals: 5,
            threads: 1,
        }
    }
}

/// The result of [`auto_matches`] for one line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineMatch {
    /// The line's key.
    pub key: u64,
    /// Ranked proposals, best first, computed against the open amounts left by the automatic
    /// matches of the same run.
    pub proposals: Vec<Proposal>,
    /// True when `proposals[0]` was applied automatically.
    pub auto: bool,
}

/// Proposals for one line, best first (at most `cfg.max_proposals`); empty when nothing fits or
/// the amount is not positive.
pub fn propose(index: &MatchIndex, memory: &PayerMemory, line: &CreditLine, cfg: &MatchConfig) -> Vec<Proposal> {
    engine::propose(&engine::View::base(index), memory, line, cfg)
}

/// Matches a batch of lines and says which may be applied without a person.
///
/// A line is applied when its best proposal reaches `cfg.auto_threshold` and
/// [`Proposal::can_be_automatic`]. Lines are taken by decreasing confidence (then booking date,
/// then input order), and each applied line consumes the open amounts it allocates in a working
/// copy, so two lines never take the same invoice: a line whose items were taken meanwhile is
/// matched again against what is left. After each round, the lines left whose proposals involve
/// a client or an item just settled are matched again (a combination whose rival used an invoice
/// now paid may have become unique) and offered to the next round, four rounds at most. The
/// payer memory is not changed here; the caller learns from the applied lines
/// ([`PayerMemory::learn`]) when it records them, and may run again for the lines left. Results
/// are in the order of `lines`, with proposals computed against what the automatic matches left.
pub fn auto_matches(
    index: &MatchIndex,
    memory: &PayerMemory,
    lines: &[CreditLine],
    cfg: &MatchConfig,
) -> Vec<LineMatch> {
    engine::auto_matches(index, memory, lines, cfg)
}

/// An amount in 10⁻⁵ units (rounded half away from zero beyond five decimals, which the store
/// refuses anyway); `None` when it does not fit in an `i64`.
pub(crate) fn units_of(amount: Decimal) -> Option<i64> {
    let scale = amount.scale();
    let rounded =
        if scale > 5 { amount.round_dp_with_strategy(5, RoundingStrategy::MidpointAwayFromZero) } else { amount };
    let mantissa = rounded.mantissa();
    let factor = 10i128.checked_pow(5 - rounded.scale().min(5))?;
    i64::try_from(mantissa.checked_mul(factor)?).ok()
}

/// Money from 10⁻⁵ units, with the currency's minor-unit scale when that is exact.
pub(crate) fn money_of(units: i64, currency: Currency) -> Money {
    let digits = currency.minor_unit_digits().min(5);
    let step = 10i64.pow(5 - digits);
    let amount = if units % step == 0 {
        Decimal::new(units / step, digits)
    } else {
        let mut d = Decimal::new(units, 5).normalize();
        if d.scale() < digits {
            d.rescale(digits);
        }
        d
    };
    Money::new(amount, currency)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn units_are_exact_and_come_back_with_the_currency_scale() {
        assert_eq!(units_of(dec!(1436.5)), Some(143_650_000));
        assert_eq!(units_of(dec!(-12.00)), Some(-1_200_000));
        assert_eq!(units_of(dec!(0.000005)), Some(1), "half away from zero beyond five decimals");
        assert_eq!(units_of(Decimal::MAX), None);
        assert_eq!(money_of(143_650_000, Currency::EUR).amount.to_string(), "1436.50");
        assert_eq!(money_of(-1_200_000, Currency::EUR).amount.to_string(), "-12.00");
        assert_eq!(money_of(123_456, Currency::EUR).amount.to_string(), "1.23456");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(money_of(100_000_000, jpy).amount.to_string(), "1000");
    }
}
