//! The aged balance (balance âgée): open items split by days past their due date.
//!
//! Buckets are configurable by their upper bounds: `30,60,90` gives not due, 1–30, 31–60, 61–90
//! and more than 90 days (anchor (d) "Aged trial balance"); `30,60,90,120,180` adds the buckets
//! some tools show. An item due today is not yet due (0 days past due).

use std::collections::HashMap;
use std::hash::Hash;

use rust_decimal::Decimal;

use super::kpi::WeightedMean;
use super::AnalyticsError;

/// The columns of an aged balance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgingBuckets {
    /// Upper bounds, in days past due, of the overdue buckets but the last (strictly increasing,
    /// positive).
    bounds: Vec<u32>,
}

impl Default for AgingBuckets {
    /// Not due, 1–30, 31–60, 61–90, > 90 days.
    fn default() -> AgingBuckets {
        AgingBuckets { bounds: vec![30, 60, 90] }
    }
}

impl AgingBuckets {
    /// Buckets with these upper bounds (each > 0, strictly increasing; may be empty: not due / due).
    pub fn new(bounds: Vec<u32>) -> Result<AgingBuckets, AnalyticsError> {
        let increasing = bounds.windows(2).all(|w| w.first() < w.get(1));
        if bounds.first().is_some_and(|b| *b == 0) || !increasing {
            return Err(AnalyticsError::BadBuckets(format!("{bounds:?}")));
        }
        Ok(AgingBuckets { bounds })
    }

    /// Parses `"30,60,90"`.
    pub fn parse(s: &str) -> Result<AgingBuckets, AnalyticsError> {
        let bounds: Result<Vec<u32>, _> =
            s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::parse::<u32>).collect();
        AgingBuckets::new(bounds.map_err(|_| AnalyticsError::BadBuckets(s.to_owned()))?)
    }

    /// Number of columns (not due + one per bound + the open-ended last one).
    pub fn len(&self) -> usize {
        self.bounds.len() + 2
    }

    /// Never empty: there is always a "not due" and a last column.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The column of an item `days_past_due` days past its due date (≤ 0: not due).
    pub fn index(&self, days_past_due: i64) -> usize {
        if days_past_due <= 0 {
            return 0;
        }
        1 + self.bounds.iter().take_while(|b| i64::from(**b) < days_past_due).count()
    }

    /// Each column's `(min, max)` days past due: `(None, None)` for not due, `max = None` for the last.
    pub fn ranges(&self) -> Vec<(Option<u32>, Option<u32>)> {
        let mut out = vec![(None, None)];
        let mut low = 1;
        for b in &self.bounds {
            out.push((Some(low), Some(*b)));
            low = b + 1;
        }
        out.push((Some(low), None));
        out
    }

    /// French labels: "Non échu", "1–30 j", …, "> 90 j".
    pub fn labels(&self) -> Vec<String> {
        self.ranges()
            .into_iter()
            .map(|r| match r {
                (None, _) => "Non échu".to_owned(),
                (Some(low), Some(high)) => format!("{low}–{high} j"),
                (Some(1), None) => "Échu".to_owned(),
                (Some(low), None) => format!("> {} j", low - 1),
            })
            .collect()
    }
}

/// One row of an aged balance being accumulated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgingLine {
    /// Open items counted (credit notes included).
    pub items: u64,
    /// Open invoices (positive open amounts).
    pub invoices: u64,
    /// Open invoices past due.
    pub overdue_invoices: u64,
    /// Amount per column.
    pub buckets: Vec<Decimal>,
    /// Age of open invoices (days since issue), weighted by their open amount.
    pub age: WeightedMean,
    /// Days past due of the overdue invoices, weighted by their open amount (average days delinquent).
    pub delinquency: WeightedMean,
    /// Days past due of the oldest overdue invoice.
    pub oldest_days_past_due: i64,
}

impl AgingLine {
    /// An empty row for `n` columns.
    pub fn new(n: usize) -> AgingLine {
        AgingLine { buckets: vec![Decimal::ZERO; n], ..AgingLine::default() }
    }

    /// Adds an open item: `open` (negative for a credit note), days past due and days since issue.
    pub fn add(&mut self, buckets: &AgingBuckets, open: Decimal, days_past_due: i64, age_days: i64) {
        if self.buckets.len() < buckets.len() {
            self.buckets.resize(buckets.len(), Decimal::ZERO);
        }
        self.items += 1;
        if let Some(b) = self.buckets.get_mut(buckets.index(days_past_due)) {
            *b += open;
        }
        if open > Decimal::ZERO {
            self.invoices += 1;
            self.age.add(Decimal::from(age_days), open);
            if days_past_due > 0 {
                self.overdue_invoices += 1;
                self.delinquency.add(Decimal::from(days_past_due), open);
                self.oldest_days_past_due = self.oldest_days_past_due.max(days_past_due);
            }
        }
    }

    /// Adds another row.
    pub fn merge(&mut self, other: &AgingLine) {
        if self.buckets.len() < other.buckets.len() {
            self.buckets.resize(other.buckets.len(), Decimal::ZERO);
        }
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            *a += *b;
        }
        self.items += other.items;
        self.invoices += other.invoices;
        self.overdue_invoices += other.overdue_invoices;
        self.age.merge(&other.age);
        self.delinquency.merge(&other.delinquency);
        self.oldest_days_past_due = self.oldest_days_past_due.max(other.oldest_days_past_due);
    }

    /// The sum of the columns.
    pub fn total(&self) -> Decimal {
        self.buckets.iter().sum()
    }

    /// The past-due part (every column but "not due").
    pub fn overdue(&self) -> Decimal {
        self.buckets.iter().skip(1).sum()
    }

    /// The part not yet due.
    pub fn not_due(&self) -> Decimal {
        self.buckets.first().copied().unwrap_or_default()
    }
}

/// An aged balance grouped by a key (client, segment, sector, owner), with its total.
#[derive(Clone, Debug)]
pub struct Aging<K: Eq + Hash> {
    /// The columns.
    pub buckets: AgingBuckets,
    /// One row per key.
    pub rows: HashMap<K, AgingLine>,
    /// Every item.
    pub total: AgingLine,
}

impl<K: Eq + Hash> Aging<K> {
    /// An empty aged balance.
    pub fn new(buckets: AgingBuckets) -> Aging<K> {
        let total = AgingLine::new(buckets.len());
        Aging { buckets, rows: HashMap::new(), total }
    }

    /// Adds an open item to the row of `key` and to the total.
    pub fn add(&mut self, key: K, open: Decimal, days_past_due: i64, age_days: i64) {
        let n = self.buckets.len();
        self.rows.entry(key).or_insert_with(|| AgingLine::new(n)).add(&self.buckets, open, days_past_due, age_days);
        self.total.add(&self.buckets, open, days_past_due, age_days);
    }

    /// Adds a whole row (already accumulated elsewhere) under `key`.
    pub fn add_line(&mut self, key: K, line: &AgingLine) {
        let n = self.buckets.len();
        self.rows.entry(key).or_insert_with(|| AgingLine::new(n)).merge(line);
        self.total.merge(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn standard_buckets_put_each_day_in_its_column() {
        let b = AgingBuckets::default();
        assert_eq!(b.len(), 5);
        assert_eq!(b.labels(), ["Non échu", "1–30 j", "31–60 j", "61–90 j", "> 90 j"]);
        for (days, col) in [(-10, 0), (0, 0), (1, 1), (30, 1), (31, 2), (60, 2), (61, 3), (90, 3), (91, 4), (900, 4)] {
            assert_eq!(b.index(days), col, "{days} days past due");
        }
        assert_eq!(b.ranges()[4], (Some(91), None));
    }

    #[test]
    fn configurable_buckets_are_checked() {
        let b = AgingBuckets::parse("30, 60, 90, 120, 180").unwrap();
        assert_eq!(b.len(), 7);
        assert_eq!(b.index(150), 5);
        assert_eq!(b.index(181), 6);
        assert!(AgingBuckets::parse("60,30").is_err());
        assert!(AgingBuckets::parse("0,30").is_err());
        assert!(AgingBuckets::parse("a").is_err());
        assert_eq!(AgingBuckets::parse("").unwrap().labels(), ["Non échu", "Échu"]);
    }

    #[test]
    fn an_aged_balance_sums_by_key_and_in_total() {
        let mut a: Aging<&str> = Aging::new(AgingBuckets::default());
        a.add("PME", dec!(1000.00), -5, 25);
        a.add("PME", dec!(500.00), 45, 75);
        a.add("TPE", dec!(-200.00), 10, 40);
        a.add("TPE", dec!(300.00), 120, 150);
        assert_eq!(a.total.buckets, vec![dec!(1000.00), dec!(-200.00), dec!(500.00), dec!(0), dec!(300.00)]);
        assert_eq!(a.total.total(), dec!(1600.00));
        assert_eq!(a.total.overdue(), dec!(600.00));
        assert_eq!(a.total.items, 4);
        assert_eq!(a.total.overdue_invoices, 2);
        assert_eq!(a.total.oldest_days_past_due, 120);
        // Average days delinquent: (500 × 45 + 300 × 120) / 800 = 73.125.
        assert_eq!(a.total.delinquency.mean(), Some(dec!(73.125)));
        // Average age of open invoices: (1000 × 25 + 500 × 75 + 300 × 150) / 1800 = 59.72…
        assert_eq!(a.total.age.mean().map(super::super::kpi::round1), Some(dec!(59.7)));
        assert_eq!(a.rows["PME"].total(), dec!(1500.00));
        let mut merged = AgingLine::new(5);
        merged.merge(&a.rows["PME"]);
        merged.merge(&a.rows["TPE"]);
        assert_eq!(merged, a.total);
    }
}
