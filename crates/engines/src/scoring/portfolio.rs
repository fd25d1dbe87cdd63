//! A day's scoring run over a whole portfolio, pure: every client's features, score and new
//! alerts from plain ledgers, so the app only has to read the ledgers from the store, call this
//! and keep the scores and the raised keys. Also the dossier's history in the shape of the
//! backtest, so the dossier backtest runs the very protocol the IBM sample checks.

use std::collections::{HashMap, HashSet};

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::backtest::HistoryInvoice;
use super::count;
use super::features::{client_features, habit_break, monthly_delays, settled_on, ClientLedger, DocumentKind};
use super::scorecard::{ClientScore, Scorecard};
use super::warnings::{early_warnings, not_yet_raised, payment_signals, Alert, WarningInput};

/// The prior late rate when the portfolio has no settled invoice yet (scoring.md §4 train rates
/// are 28–37 %; a quarter is a cautious middle).
pub const DEFAULT_LATE_RATE: f64 = 0.25;

/// Months of delays the lengthening rule may look back over (three with payments among them).
pub const MONTHS_OF_DELAYS: u32 = 5;

/// One client's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientResult {
    /// The client.
    pub client_id: String,
    /// Its score.
    pub score: ClientScore,
}

/// A day's run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortfolioRun {
    /// The scoring date.
    pub as_of: NaiveDate,
    /// The portfolio's late rate every client's rate is shrunk toward.
    pub portfolio_late_rate: f64,
    /// One result per client, in input order.
    pub clients: Vec<ClientResult>,
    /// The alerts not raised before (their keys are to be kept with the run).
    pub alerts: Vec<Alert>,
}

/// Share of the portfolio's invoices settled in the 12 months before `as_of` that were paid late.
pub fn portfolio_late_rate(ledgers: &[ClientLedger], as_of: NaiveDate) -> f64 {
    let from = as_of.checked_sub_months(Months::new(12)).unwrap_or(NaiveDate::MIN);
    let (mut n, mut late) = (0usize, 0usize);
    let invoices = ledgers.iter().flat_map(|l| &l.invoices).filter(|i| i.kind == DocumentKind::Invoice);
    // Only an invoice with a payment in the window can have been settled in it.
    for inv in invoices.filter(|i| i.payments.iter().any(|p| p.date >= from && p.date < as_of)) {
        if let Some(on) = settled_on(inv, as_of).filter(|d| *d >= from) {
            n += 1;
            late += usize::from(on > inv.due_date);
        }
    }
    if n == 0 {
        DEFAULT_LATE_RATE
    } else {
        count(late) / count(n)
    }
}

/// Scores every client on `as_of` and raises the alerts whose key is not in `raised`.
/// `previous` holds each client's last score (for the score-drop rule).
pub fn score_portfolio(
    ledgers: &[ClientLedger],
    as_of: NaiveDate,
    card: &Scorecard,
    previous: &HashMap<String, u8>,
    raised: &HashSet<String>,
) -> PortfolioRun {
    let prior = portfolio_late_rate(ledgers, as_of);
    let mut clients = Vec::with_capacity(ledgers.len());
    let mut alerts = Vec::new();
    for l in ledgers {
        let features = client_features(l, as_of, prior);
        let score = card.score(&features, &l.external);
        let habit = habit_break(l, as_of);
        let input = WarningInput {
            client_id: l.client_id.clone(),
            as_of,
            monthly: monthly_delays(l, as_of, MONTHS_OF_DELAYS),
            features,
            score_now: Some(score.score),
            score_before: previous.get(&l.client_id).copied(),
            score_between: None,
            external: l.external.clone(),
            signals: payment_signals(l, as_of, habit.as_ref()),
            habit,
        };
        alerts.extend(early_warnings(&input));
        clients.push(ClientResult { client_id: l.client_id.clone(), score });
    }
    PortfolioRun { as_of, portfolio_late_rate: prior, clients, alerts: not_yet_raised(alerts, raised) }
}

/// A dossier's invoices as the backtest reads them, as known on `as_of` (payments strictly before
/// it): credit notes left out, an invoice disputed when it received a 207.
pub fn history_from_ledgers(ledgers: &[ClientLedger], as_of: NaiveDate) -> Vec<HistoryInvoice> {
    ledgers
        .iter()
        .flat_map(|l| l.invoices.iter().map(move |i| (l, i)))
        .filter(|(_, i)| i.kind == DocumentKind::Invoice && i.issue_date < as_of)
        .map(|(l, i)| HistoryInvoice {
            customer: l.client_id.clone(),
            issue_date: i.issue_date,
            due_date: i.due_date,
            amount: i.amount,
            settled_date: settled_on(i, as_of),
            electronic: i.electronic,
            disputed: i.statuses.iter().any(|s| s.code == 207 && s.date < as_of),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::features::tests::{d, invoice};
    use crate::scoring::features::{CollectiveProcedure, ProcedureKind};
    use crate::scoring::warnings::AlertKind;
    use rust_decimal_macros::dec;

    fn portfolio() -> Vec<ClientLedger> {
        let mut good = ClientLedger { client_id: "good".into(), ..ClientLedger::default() };
        let mut bad = ClientLedger { client_id: "bad".into(), ..ClientLedger::default() };
        // Issued on the 10th: one invoice falls due every month, so the due-date series of the
        // lengthening rule has no empty month.
        for m in 1..=9u32 {
            let issue = d(2025, m, 10);
            good.invoices.push(invoice(
                &format!("g{m}"),
                issue,
                dec!(500),
                &[(issue + chrono::Duration::days(28), dec!(500))],
            ));
            // Delays lengthen month after month: 5, 10, … 45 days beyond terms.
            let late = i64::from(m) * 5;
            bad.invoices.push(invoice(
                &format!("b{m}"),
                issue,
                dec!(500),
                &[(issue + chrono::Duration::days(30 + late), dec!(500))],
            ));
        }
        bad.external.collective_procedure =
            Some(CollectiveProcedure { kind: ProcedureKind::Redressement, judgment_date: d(2025, 11, 20) });
        vec![good, bad]
    }

    #[test]
    fn a_day_run_scores_everyone_and_raises_each_alert_once() {
        let ledgers = portfolio();
        let card = Scorecard::prior();
        let run = score_portfolio(&ledgers, d(2025, 10, 20), &card, &HashMap::new(), &HashSet::new());
        assert_eq!(run.clients.len(), 2);
        assert!(run.clients[0].score.score > run.clients[1].score.score);
        let kinds: Vec<AlertKind> = run.alerts.iter().map(|a| a.kind).collect();
        assert!(kinds.contains(&AlertKind::DelaysLengthening), "{kinds:?}");
        assert!(kinds.contains(&AlertKind::CollectiveProcedure), "{kinds:?}");
        assert!(run.alerts.iter().all(|a| a.client_id == "bad"));
        // The next day, with the keys kept, nothing is raised again.
        let raised: HashSet<String> = run.alerts.iter().map(|a| a.key.clone()).collect();
        let previous: HashMap<String, u8> = run.clients.iter().map(|c| (c.client_id.clone(), c.score.score)).collect();
        let next = score_portfolio(&ledgers, d(2025, 10, 21), &card, &previous, &raised);
        assert!(next.alerts.is_empty(), "{:?}", next.alerts);
    }

    #[test]
    fn the_history_knows_only_what_was_paid_before_its_date() {
        let ledgers = portfolio();
        let h = history_from_ledgers(&ledgers, d(2025, 6, 1));
        // Invoices issued Jan–May of both clients.
        assert_eq!(h.len(), 10);
        let bad_may = h.iter().find(|i| i.customer == "bad" && i.issue_date == d(2025, 5, 10)).unwrap();
        assert_eq!(bad_may.settled_date, None);
        let good_jan = h.iter().find(|i| i.customer == "good" && i.issue_date == d(2025, 1, 10)).unwrap();
        assert_eq!(good_jan.settled_date, Some(d(2025, 2, 7)));
        // Settled by then: the first four of each client, the good one's on time, the bad one's late.
        assert!((portfolio_late_rate(&ledgers, d(2025, 6, 1)) - 4.0 / 8.0).abs() < 1e-12);
    }
}
