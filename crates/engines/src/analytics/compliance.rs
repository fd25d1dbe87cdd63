//! French compliance figures: payment-term ceilings, the annual-report table of late
//! receivables, doubtful receivables and impairments, irrecoverable VAT.

use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::Decimal;

use super::kpi::round2;

fn end_of_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).and_then(|first| first.pred_opt()).unwrap_or(d)
}

fn plus(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_add_days(Days::new(n)).unwrap_or(NaiveDate::MAX)
}

/// The latest due date the general rule allows for an invoice issued on `issue` (Code de
/// commerce L441-10 I, legal-rules A.2): 60 days after the invoice date, or 45 days end of month.
///
/// "45 days end of month" has two readings in use (A.2): (a) end of the invoice month + 45 days,
/// (b) invoice date + 45 days, then the end of that month. Encours flags only what exceeds every
/// reading, so that a flag is always a breach; the shorter sector ceilings of L441-11 (transport
/// 30 days, perishable food…) and the 45 days of periodic invoices depend on what is sold, which
/// the ledger does not record, and are not checked.
pub fn latest_legal_due_date(issue: NaiveDate) -> NaiveDate {
    let sixty = plus(issue, 60);
    let eom_then_45 = plus(end_of_month(issue), 45);
    let then_eom = end_of_month(plus(issue, 45));
    sixty.max(eom_then_45).max(then_eom)
}

/// Days beyond the legal ceiling of an invoice issued on `issue` and due on `due`; `None` when
/// within it.
pub fn days_over_ceiling(issue: NaiveDate, due: NaiveDate) -> Option<i64> {
    let over = (due - latest_legal_due_date(issue)).num_days();
    (over > 0).then_some(over)
}

/// One column of the late-receivables table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LateColumn {
    /// Number of invoices.
    pub invoices: u64,
    /// Open amount, tax included.
    pub amount: Decimal,
}

/// The annual-report table of late receivables (Code de commerce D441-6, model table I for
/// invoices issued: "factures émises non réglées à la date de clôture de l'exercice dont le terme
/// est échu"): 0 day (indicative: not late), 1–30, 31–60, 61–90, 91 days and more, and the
/// disputed invoices left out of it (part B).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LateTable {
    /// 0 (not yet due, indicative), 1–30, 31–60, 61–90, 91+.
    pub columns: [LateColumn; 5],
    /// (B) disputed invoices left out.
    pub excluded_disputed: LateColumn,
}

impl LateTable {
    /// Adds an open invoice (credit notes and settled items are not in the table) `days_past_due`
    /// days late at the closing date.
    pub fn add(&mut self, open: Decimal, days_past_due: i64, disputed: bool) {
        if open <= Decimal::ZERO {
            return;
        }
        let column = if disputed {
            &mut self.excluded_disputed
        } else {
            let k = match days_past_due {
                i64::MIN..=0 => 0,
                1..=30 => 1,
                31..=60 => 2,
                61..=90 => 3,
                _ => 4,
            };
            match self.columns.get_mut(k) {
                Some(c) => c,
                None => return,
            }
        };
        column.invoices += 1;
        column.amount += open;
    }

    /// The "Total (1 jour et plus)" column.
    pub fn total_late(&self) -> LateColumn {
        self.columns.iter().skip(1).fold(LateColumn::default(), |a, c| LateColumn {
            invoices: a.invoices + c.invoices,
            amount: a.amount + c.amount,
        })
    }
}

/// An insolvency event of a client, declared by the user (the ledger does not read the BODACC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Insolvency {
    /// Procédure de sauvegarde opened.
    Safeguard,
    /// Redressement judiciaire opened (a plan may waive part of the debts).
    Receivership,
    /// Liquidation judiciaire pronounced.
    Liquidation,
    /// The debtor vanished without trace, or enforcement failed (certificate of irrecoverability).
    Irrecoverable,
}

impl Insolvency {
    /// French words for reports.
    pub fn label_fr(&self) -> &'static str {
        match self {
            Insolvency::Safeguard => "procédure de sauvegarde",
            Insolvency::Receivership => "redressement judiciaire",
            Insolvency::Liquidation => "liquidation judiciaire",
            Insolvency::Irrecoverable => "créance irrécouvrable (débiteur disparu ou poursuites vaines)",
        }
    }

    /// Parses `safeguard`, `receivership`, `liquidation`, `irrecoverable` (and the French words
    /// `sauvegarde`, `redressement`, `liquidation`, `irrecouvrable`).
    pub fn parse(s: &str) -> Option<Insolvency> {
        match s.trim().to_lowercase().as_str() {
            "safeguard" | "sauvegarde" => Some(Insolvency::Safeguard),
            "receivership" | "redressement" | "rj" => Some(Insolvency::Receivership),
            "liquidation" | "lj" => Some(Insolvency::Liquidation),
            "irrecoverable" | "irrecouvrable" | "irrécouvrable" => Some(Insolvency::Irrecoverable),
            _ => None,
        }
    }

    /// True when the debt is definitively irrecoverable, so that the VAT paid on it can be
    /// recovered (CGI 272-1, legal-rules A.7): at the liquidation judgment, or when the debtor
    /// vanished / enforcement failed. A receivership opens that right only for the part a plan
    /// waives, which the ledger does not know.
    pub fn is_irrecoverable(&self) -> bool {
        matches!(self, Insolvency::Liquidation | Insolvency::Irrecoverable)
    }
}

/// Why a receivable is proposed as doubtful.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DoubtfulCause {
    /// Long past due.
    Age,
    /// Disputed.
    Dispute,
    /// Insolvency procedure.
    Insolvency,
}

/// The accountant's policy for proposing doubtful receivables and their impairment. Past due
/// alone does not make a debt doubtful (legal-rules A.7), so these are proposals with rates the
/// accountant sets; the defaults are common practice, not law.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImpairmentPolicy {
    /// Probability of loss by age: `(from days past due, percent)`, ascending; an invoice takes the
    /// last step it reaches. Below the first step nothing is proposed for age.
    pub age_steps: Vec<(i64, Decimal)>,
    /// Percent for a disputed invoice (of its open amount).
    pub dispute_percent: Decimal,
    /// Percent for a client in safeguard or receivership.
    pub procedure_percent: Decimal,
    /// Percent for a client in liquidation, or irrecoverable.
    pub liquidation_percent: Decimal,
}

impl Default for ImpairmentPolicy {
    /// 25 % from 91 days past due, 50 % from 181, 100 % from 366; disputes 25 %; safeguard and
    /// receivership 50 %; liquidation 100 %.
    fn default() -> ImpairmentPolicy {
        ImpairmentPolicy {
            age_steps: vec![(91, Decimal::from(25)), (181, Decimal::from(50)), (366, Decimal::ONE_HUNDRED)],
            dispute_percent: Decimal::from(25),
            procedure_percent: Decimal::from(50),
            liquidation_percent: Decimal::ONE_HUNDRED,
        }
    }
}

/// A proposal for one invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DoubtfulProposal {
    /// Why.
    pub cause: DoubtfulCause,
    /// Probability of loss, percent.
    pub percent: Decimal,
    /// Open amount excluding tax (the base of the impairment).
    pub open_excl_tax: Decimal,
    /// Impairment to book in 491 (excluding tax), rounded to the cent.
    pub impairment: Decimal,
}

/// The part of an open amount (tax included) that is excluding tax: the invoice's ratio
/// `tax basis / grand total` applied to what is open, rounded to the cent (a partly paid invoice
/// keeps its VAT in proportion). The whole amount when the grand total is zero.
pub fn excl_tax(open: Decimal, tax_basis_total: Decimal, grand_total: Decimal) -> Decimal {
    if grand_total.is_zero() || tax_basis_total == grand_total {
        return open;
    }
    round2(open * tax_basis_total / grand_total)
}

impl ImpairmentPolicy {
    /// The proposal for an open invoice, if any: insolvency first, then dispute, then age; the
    /// highest applicable rate wins.
    pub fn propose(
        &self,
        open: Decimal,
        open_excl_tax: Decimal,
        days_past_due: i64,
        disputed: bool,
        insolvency: Option<Insolvency>,
    ) -> Option<DoubtfulProposal> {
        if open <= Decimal::ZERO {
            return None;
        }
        let age = self.age_steps.iter().rev().find(|(from, _)| days_past_due >= *from).map(|(_, p)| *p);
        let mut best: Option<(DoubtfulCause, Decimal)> = None;
        let mut consider = |cause, percent: Option<Decimal>| {
            if let Some(p) = percent {
                if best.is_none_or(|(_, b)| p > b) {
                    best = Some((cause, p));
                }
            }
        };
        consider(
            DoubtfulCause::Insolvency,
            insolvency.map(|i| match i {
                Insolvency::Liquidation | Insolvency::Irrecoverable => self.liquidation_percent,
                Insolvency::Safeguard | Insolvency::Receivership => self.procedure_percent,
            }),
        );
        consider(DoubtfulCause::Dispute, disputed.then_some(self.dispute_percent));
        consider(DoubtfulCause::Age, age);
        let (cause, percent) = best?;
        Some(DoubtfulProposal {
            cause,
            percent,
            open_excl_tax,
            impairment: round2(open_excl_tax * percent / Decimal::ONE_HUNDRED),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn legal_ceiling_is_the_latest_reading_of_60_days_or_45_days_end_of_month() {
        // 1 Jan: 60 days → 2 March; (a) 31 Jan + 45 → 17 March; (b) 15 Feb → 28 Feb.
        assert_eq!(latest_legal_due_date(d("2026-01-01")), d("2026-03-17"));
        // 31 Jan: 60 days → 1 April wins over 17 March and 31 March.
        assert_eq!(latest_legal_due_date(d("2026-01-31")), d("2026-04-01"));
        // 20 Jan: (b) 6 March → 31 March wins.
        assert_eq!(latest_legal_due_date(d("2026-01-20")), d("2026-03-31"));
        assert_eq!(days_over_ceiling(d("2026-01-01"), d("2026-03-17")), None);
        assert_eq!(days_over_ceiling(d("2026-01-01"), d("2026-03-18")), Some(1));
        // 90 days net is over: 1 Jan + 90 = 1 April, 15 days beyond 17 March.
        assert_eq!(days_over_ceiling(d("2026-01-01"), d("2026-04-01")), Some(15));
    }

    #[test]
    fn the_late_table_counts_invoices_by_lateness_and_leaves_disputes_out() {
        let mut t = LateTable::default();
        t.add(dec!(100.00), 0, false);
        t.add(dec!(200.00), 1, false);
        t.add(dec!(300.00), 30, false);
        t.add(dec!(400.00), 31, false);
        t.add(dec!(500.00), 90, false);
        t.add(dec!(600.00), 91, false);
        t.add(dec!(700.00), 45, true);
        t.add(dec!(-50.00), 45, false);
        assert_eq!(t.columns[0], LateColumn { invoices: 1, amount: dec!(100.00) });
        assert_eq!(t.columns[1], LateColumn { invoices: 2, amount: dec!(500.00) });
        assert_eq!(t.columns[2], LateColumn { invoices: 1, amount: dec!(400.00) });
        assert_eq!(t.columns[3], LateColumn { invoices: 1, amount: dec!(500.00) });
        assert_eq!(t.columns[4], LateColumn { invoices: 1, amount: dec!(600.00) });
        assert_eq!(t.total_late(), LateColumn { invoices: 5, amount: dec!(2000.00) });
        assert_eq!(t.excluded_disputed, LateColumn { invoices: 1, amount: dec!(700.00) });
    }

    #[test]
    fn impairments_are_on_the_amount_excluding_tax() {
        // 1,200.00 TTC at 20 %: 1,000.00 HT; half paid → 600.00 open, 500.00 HT.
        assert_eq!(excl_tax(dec!(600.00), dec!(1000.00), dec!(1200.00)), dec!(500.00));
        assert_eq!(excl_tax(dec!(100.00), dec!(0), dec!(0)), dec!(100.00));
        let p = ImpairmentPolicy::default();
        assert_eq!(p.propose(dec!(600.00), dec!(500.00), 90, false, None), None, "past due alone, under 91 days");
        let age = p.propose(dec!(600.00), dec!(500.00), 200, false, None).unwrap();
        assert_eq!((age.cause, age.percent, age.impairment), (DoubtfulCause::Age, dec!(50), dec!(250.00)));
        let dispute = p.propose(dec!(600.00), dec!(500.00), 10, true, None).unwrap();
        assert_eq!((dispute.cause, dispute.impairment), (DoubtfulCause::Dispute, dec!(125.00)));
        let lj = p.propose(dec!(600.00), dec!(500.00), 10, true, Some(Insolvency::Liquidation)).unwrap();
        assert_eq!((lj.cause, lj.impairment), (DoubtfulCause::Insolvency, dec!(500.00)));
        let old = p.propose(dec!(600.00), dec!(500.00), 400, false, Some(Insolvency::Receivership)).unwrap();
        assert_eq!((old.cause, old.percent), (DoubtfulCause::Age, dec!(100)), "the highest rate wins");
        assert_eq!(p.propose(dec!(-10), dec!(-10), 400, false, None), None, "credit notes are not doubtful");
        assert!(Insolvency::Liquidation.is_irrecoverable());
        assert!(!Insolvency::Receivership.is_irrecoverable());
        assert_eq!(Insolvency::parse("LJ"), Some(Insolvency::Liquidation));
        assert_eq!(Insolvency::parse("redressement"), Some(Insolvency::Receivership));
        assert_eq!(Insolvency::parse("x"), None);
    }
}
