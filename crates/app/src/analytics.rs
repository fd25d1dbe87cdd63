//! Receivables analytics: the dashboard and the reports (aged balance, DSO, forecast, French
//! compliance), each as of any date, rebuilt from the ledger.
//!
//! The pure computations live in `encours_engines::analytics`; the read models that rebuild the
//! ledger as of a date in `encours_store::analytics`. This module joins them and shapes the DTOs.

pub mod dto;

use chrono::NaiveDate;
use encours_domain::Currency;
use encours_store::{queries, Dossier};

use crate::error::ApiError;
pub use dto::*;

fn empty_table(as_of: NaiveDate, dimension: AgingDimension) -> AgingTableView {
    let buckets = ["Non échu", "1–30 j", "31–60 j", "61–90 j", "> 90 j"];
    let bounds = [(None, None), (Some(1), Some(30)), (Some(31), Some(60)), (Some(61), Some(90)), (Some(91), None)];
    let buckets: Vec<AgingBucketView> = buckets
        .iter()
        .zip(bounds)
        .map(|(l, (min_days, max_days))| AgingBucketView { label: (*l).to_owned(), min_days, max_days })
        .collect();
    let total = AgingRowView {
        key: "total".to_owned(),
        label: "Total".to_owned(),
        items: 0,
        buckets: vec!["0.00".to_owned(); buckets.len()],
        total: "0.00".to_owned(),
        overdue: "0.00".to_owned(),
        overdue_percent: None,
        average_age_days: None,
    };
    AgingTableView {
        as_of: as_of.to_string(),
        currency: Currency::EUR.to_string(),
        dimension,
        buckets,
        rows: Vec::new(),
        total,
        unapplied_cash: "0.00".to_owned(),
        net_balance: "0.00".to_owned(),
    }
}

/// The receivables dashboard as of a date: key figures, aged balance by segment, 24 months of
/// DSO, the 13-week collections forecast, the 20 largest exposures and alerts.
pub fn dashboard(d: &Dossier, as_of: NaiveDate) -> Result<DashboardView, ApiError> {
    let s = queries::summary(d, as_of)?;
    let eur = |t: &encours_domain::Totals| t.get(Currency::EUR).round().amount.to_string();
    let key_figures = KeyFiguresView {
        net_balance: eur(&s.open_balance),
        open_items_total: eur(&s.open_balance),
        overdue: eur(&s.overdue_balance),
        overdue_percent: None,
        overdue_count_percent: None,
        period_days: 0,
        dso_countback: None,
        dso_simple: None,
        best_possible_dso: None,
        overdue_dso: None,
        average_days_delinquent: None,
        cei_percent: None,
        bad_debt_percent: None,
        dispute_resolution_days: None,
        disputed: "0.00".to_owned(),
        promise_kept_percent: None,
        cash_collected: "0.00".to_owned(),
        average_age_days: None,
        automatic_reminder_percent: None,
    };
    Ok(DashboardView {
        as_of: as_of.to_string(),
        currency: Currency::EUR.to_string(),
        key_figures,
        aging: empty_table(as_of, AgingDimension::Segment),
        dso_series: Vec::new(),
        forecast: ForecastView {
            as_of: as_of.to_string(),
            currency: Currency::EUR.to_string(),
            weeks: Vec::new(),
            total_expected: "0.00".to_owned(),
            beyond_horizon: "0.00".to_owned(),
            held_in_dispute: "0.00".to_owned(),
            not_expected: "0.00".to_owned(),
            credits: "0.00".to_owned(),
            method: String::new(),
        },
        top_exposures: Vec::new(),
        alerts: Vec::new(),
        other_currencies: Vec::new(),
        notes: vec!["work in progress: only the balances are computed".to_owned()],
    })
}
