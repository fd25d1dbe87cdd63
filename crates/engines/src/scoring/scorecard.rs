//! A client's score from its ledger features: probability, 0–100 score, grade, the top three
//! reasons in French, how many invoices it rests on, and a suggested credit limit.
//!
//! The model is a logistic scorecard over [`Term`]s, each held to the sign that makes business
//! sense and each giving one reason (scoring.md §5, "model form" and "monotonic constraints").
//! [`Scorecard::fit`] fits it on a dossier's own history (its backtest decides whether it ships);
//! until then [`Scorecard::prior`] is an expert prior with documented weights, not fitted on data.
//!
//! # Score and grade
//! `score = round(100 × (1 − p))`, p the calibrated probability that the client pays late. Grades:
//! **A** ≥ 85 (p < 15 %), **B** ≥ 70, **C** ≥ 55, **D** ≥ 40, **E** below (p > 60 %).
//!
//! # Shrinkage
//! Besides the smoothed rates of the features, the final log-odds is pulled toward the intercept
//! (the portfolio's log-odds) with weight n / (n + 3), n the invoices the score rests on: a client
//! with no settled invoice scores as the portfolio does, and says so.
//!
//! # Suggested credit limit
//! The limit is months of the client's usual business it may owe (collections-anchors e.3, a
//! "discretionary limit" from one's own payment experience): average monthly invoicing of the last
//! 12 months × **3** (A), **2** (B), **1.5** (C), **1** (D), **0.5** (E), rounded down to 100. With
//! fewer than 3 invoices scored the factor is at most 1. It is **0** under a collective procedure
//! (new credit would fall outside the claim; L622-7) or when activity has ceased.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::features::{ClientFeatures, ExternalFacts, ProcedureKind};
use super::logistic::{self, LogisticFit, Platt, Sign};
use super::ScoringError;

/// One input of the ledger scorecard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Term {
    /// Share paid late, smoothed toward the portfolio.
    LateRate,
    /// Amount-weighted days beyond terms, 12 months.
    DaysBeyondTerms,
    /// Delays lengthening (3 months vs 12).
    DelayTrend,
    /// Oldest overdue open invoice, days past due (capped at 120).
    DaysOverdue,
    /// Overdue share of the open balance.
    OverdueShare,
    /// Open balance in months of invoicing (capped at 12).
    Exposure,
    /// Disputes (207) in 12 months.
    Disputes,
    /// Refusals (210) in 12 months.
    Refusals,
    /// Partial approvals (206) in 12 months.
    PartialApprovals,
    /// Share of invoices paid in several parts.
    PartialPayments,
    /// Credit notes ÷ invoices.
    CreditNotes,
    /// Activity vs a year before (more activity, less risk).
    Activity,
    /// Days from 203 to 205.
    ApprovalTime,
    /// Days from 211 to 212.
    CollectionGap,
    /// Broken promises in 12 months.
    BrokenPromises,
    /// Share of e-invoices (more, less risk).
    Electronic,
    /// Months of relationship (longer, less risk).
    Relationship,
}

impl Term {
    /// Every term, in the scorecard's order.
    pub const ALL: [Term; 17] = [
        Term::LateRate,
        Term::DaysBeyondTerms,
        Term::DelayTrend,
        Term::DaysOverdue,
        Term::OverdueShare,
        Term::Exposure,
        Term::Disputes,
        Term::Refusals,
        Term::PartialApprovals,
        Term::PartialPayments,
        Term::CreditNotes,
        Term::Activity,
        Term::ApprovalTime,
        Term::CollectionGap,
        Term::BrokenPromises,
        Term::Electronic,
        Term::Relationship,
    ];

    /// The direction the term may push risk.
    pub fn sign(self) -> Sign {
        match self {
            Term::Activity | Term::Electronic | Term::Relationship => Sign::LowersRisk,
            _ => Sign::RaisesRisk,
        }
    }

    /// The term's value for a client; a missing figure takes the neutral value (no delay, no
    /// trend, no activity change…), so absence is neither rewarded nor punished.
    pub fn value(self, f: &ClientFeatures) -> f64 {
        match self {
            Term::LateRate => f.smoothed_late_rate,
            Term::DaysBeyondTerms => f.dbt_12m.unwrap_or(0.0),
            Term::DelayTrend => f.delay_trend.unwrap_or(0.0),
            Term::DaysOverdue => f64::from(i32::try_from(f.max_days_overdue.clamp(0, 120)).unwrap_or(120)),
            Term::OverdueShare => f.overdue_share.unwrap_or(0.0),
            Term::Exposure => f.exposure_months.unwrap_or(0.0).clamp(0.0, 12.0),
            Term::Disputes => f64::from(f.disputes_12m),
            Term::Refusals => f64::from(f.refusals_12m),
            Term::PartialApprovals => f64::from(f.partial_approvals_12m),
            Term::PartialPayments => f.partial_payment_share.unwrap_or(0.0),
            Term::CreditNotes => f.credit_note_ratio.unwrap_or(0.0),
            Term::Activity => f.activity_trend.unwrap_or(0.0).clamp(-1.0, 2.0),
            Term::ApprovalTime => f.days_203_to_205.unwrap_or(0.0),
            Term::CollectionGap => f.days_211_to_212.unwrap_or(0.0),
            Term::BrokenPromises => f64::from(f.broken_promises_12m),
            Term::Electronic => f.electronic_share.unwrap_or(0.0),
            Term::Relationship => f64::from(f.relationship_months.min(120)),
        }
    }

    /// The reason in French words, with the client's figure.
    pub fn reason(self, f: &ClientFeatures) -> String {
        let pct = |x: f64| format!("{:.0} %", (x * 100.0).round());
        let n = |x: f64| format!("{x:.0}");
        match self {
            Term::LateRate => {
                format!("paie en retard {} de ses factures", pct(f.share_paid_late.unwrap_or(f.smoothed_late_rate)))
            }
            Term::DaysBeyondTerms => format!("paie en moyenne {} jours après l'échéance", n(self.value(f))),
            Term::DelayTrend => format!("retards qui s'allongent depuis 3 mois (+{} jours)", n(self.value(f))),
            Term::DaysOverdue => format!("une facture reste impayée {} jours après l'échéance", f.max_days_overdue),
            Term::OverdueShare => format!("{} de l'encours est échu", pct(self.value(f))),
            Term::Exposure => {
                format!("encours égal à {} mois de facturation", format!("{:.1}", self.value(f)).replace('.', ","))
            }
            Term::Disputes => format!("{} litiges (statut 207) en 12 mois", f.disputes_12m),
            Term::Refusals => format!("{} factures refusées (statut 210) en 12 mois", f.refusals_12m),
            Term::PartialApprovals => {
                format!("{} approbations partielles (statut 206) en 12 mois", f.partial_approvals_12m)
            }
            Term::PartialPayments => format!("paiements partiels sur {} des factures", pct(self.value(f))),
            Term::CreditNotes => format!("avoirs égaux à {} du facturé", pct(self.value(f))),
            Term::Activity => format!("activité en baisse de {} sur un an", pct(-self.value(f))),
            Term::ApprovalTime => format!("factures approuvées en {} jours en moyenne", n(self.value(f))),
            Term::CollectionGap => {
                format!("{} jours entre paiement annoncé (211) et encaissement (212)", n(self.value(f)))
            }
            Term::BrokenPromises => format!(
                "{} en 12 mois",
                plural(f.broken_promises_12m, "promesse de paiement non tenue", "promesses de paiement non tenues")
            ),
            Term::Electronic => "factures surtout hors facturation électronique".to_string(),
            Term::Relationship => format!("relation commerciale récente ({} mois)", f.relationship_months),
        }
    }
}

/// "1 litige", "2 litiges" (French: 0 and 1 take the singular).
fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n > 1 { many } else { one })
}

/// The letter grade of a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Grade {
    /// Score ≥ 85.
    A,
    /// 70–84.
    B,
    /// 55–69.
    C,
    /// 40–54.
    D,
    /// Below 40.
    E,
}

impl Grade {
    /// The grade of a 0–100 score.
    pub fn of(score: u8) -> Grade {
        match score {
            85.. => Grade::A,
            70..=84 => Grade::B,
            55..=69 => Grade::C,
            40..=54 => Grade::D,
            _ => Grade::E,
        }
    }

    /// Months of invoicing the suggested limit allows.
    pub fn limit_factor(self) -> Decimal {
        match self {
            Grade::A => Decimal::from(3),
            Grade::B => Decimal::from(2),
            Grade::C => Decimal::new(15, 1),
            Grade::D => Decimal::ONE,
            Grade::E => Decimal::new(5, 1),
        }
    }
}

/// One reason behind a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// The term.
    pub term: Term,
    /// Its share of the log-odds (positive: raises risk).
    pub contribution: f64,
    /// The French phrase shown to the user.
    pub text: String,
}

/// A client's score as of a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientScore {
    /// The scoring date.
    pub as_of: NaiveDate,
    /// Calibrated probability of paying late.
    pub probability: f64,
    /// 0–100, higher is safer.
    pub score: u8,
    /// A–E.
    pub grade: Grade,
    /// The (up to) three terms that raise the risk most, strongest first.
    pub reasons: Vec<Reason>,
    /// How many settled invoices the score rests on ("basé sur N factures").
    pub invoices_scored: u32,
    /// Suggested credit limit.
    pub suggested_limit: Decimal,
    /// Why that limit, in French.
    pub limit_rule: String,
    /// External facts shown next to the score (never inside it), in French.
    pub external_notes: Vec<String>,
}

/// A fitted (or prior) ledger scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    /// The terms, in the order of the fit's weights.
    pub terms: Vec<Term>,
    /// The logistic model over them.
    pub fit: LogisticFit,
    /// The calibration of its log-odds.
    pub calibration: Platt,
}

/// Pseudo-count of the final shrinkage toward the portfolio.
const SHRINK: f64 = 3.0;
/// A term must add at least this much log-odds to be given as a reason (smaller pushes would list
/// details that do not change the grade).
const MIN_REASON: f64 = 0.15;

impl Scorecard {
    /// The expert prior: weights set by hand on typical scales (mean, standard deviation per term),
    /// in log-odds per standard deviation, around a 25 % portfolio late rate. Not fitted on data:
    /// it orders clients by the signals of collections-anchors e.4 until the dossier's own history
    /// can be fitted and backtested.
    pub fn prior() -> Scorecard {
        // (term, typical mean, typical standard deviation, weight)
        let table: [(Term, f64, f64, f64); 17] = [
            (Term::LateRate, 0.5, 0.3, 0.4),
            (Term::DaysBeyondTerms, 8.0, 12.0, 0.9),
            (Term::DelayTrend, 0.0, 8.0, 0.4),
            (Term::DaysOverdue, 10.0, 30.0, 0.6),
            (Term::OverdueShare, 0.2, 0.3, 0.3),
            (Term::Exposure, 1.5, 1.5, 0.2),
            (Term::Disputes, 0.3, 1.0, 0.3),
            (Term::Refusals, 0.05, 0.3, 0.2),
            (Term::PartialApprovals, 0.1, 0.4, 0.15),
            (Term::PartialPayments, 0.05, 0.15, 0.3),
            (Term::CreditNotes, 0.02, 0.05, 0.1),
            (Term::Activity, 0.0, 0.3, -0.2),
            (Term::ApprovalTime, 5.0, 5.0, 0.1),
            (Term::CollectionGap, 3.0, 4.0, 0.1),
            (Term::BrokenPromises, 0.1, 0.5, 0.3),
            (Term::Electronic, 0.5, 0.4, -0.1),
            (Term::Relationship, 36.0, 30.0, -0.2),
        ];
        Scorecard {
            terms: table.iter().map(|t| t.0).collect(),
            fit: LogisticFit {
                means: table.iter().map(|t| t.1).collect(),
                scales: table.iter().map(|t| t.2).collect(),
                weights: table.iter().map(|t| t.3).collect(),
                intercept: (0.25f64 / 0.75).ln(),
            },
            calibration: Platt::IDENTITY,
        }
    }

    /// Fits the scorecard on labelled feature rows of a dossier's history (each row's features as
    /// of a past date, its label what happened after), with the L2 penalty `l2`.
    pub fn fit(terms: &[Term], rows: &[(ClientFeatures, bool)], l2: f64) -> Result<Scorecard, ScoringError> {
        let x: Vec<Vec<f64>> = rows.iter().map(|(f, _)| terms.iter().map(|t| t.value(f)).collect()).collect();
        let y: Vec<bool> = rows.iter().map(|(_, y)| *y).collect();
        let signs: Vec<Sign> = terms.iter().map(|t| t.sign()).collect();
        let fit = logistic::fit(&x, &y, &signs, l2)?;
        Ok(Scorecard { terms: terms.to_vec(), fit, calibration: Platt::IDENTITY })
    }

    /// The same scorecard with a calibration fitted on a recent held-out slice.
    pub fn calibrated(self, calibration: Platt) -> Scorecard {
        Scorecard { calibration, ..self }
    }

    /// Scores one client.
    pub fn score(&self, f: &ClientFeatures, external: &ExternalFacts) -> ClientScore {
        let row: Vec<f64> = self.terms.iter().map(|t| t.value(f)).collect();
        let contributions = self.fit.contributions(&row);
        let model = self.fit.intercept + contributions.iter().sum::<f64>();
        let n = f64::from(f.invoices_scored);
        let a = n / (n + SHRINK);
        let logit = a * model + (1.0 - a) * self.fit.intercept;
        let probability = self.calibration.probability(logit);
        let score = score_of(probability);
        let grade = Grade::of(score);
        let mut reasons: Vec<Reason> = self
            .terms
            .iter()
            .zip(&contributions)
            .filter(|(_, c)| **c > MIN_REASON)
            .map(|(t, c)| Reason { term: *t, contribution: a * c, text: t.reason(f) })
            .collect();
        reasons.sort_by(|x, y| y.contribution.total_cmp(&x.contribution));
        reasons.truncate(3);
        let (suggested_limit, limit_rule) = credit_limit(grade, f, external);
        ClientScore {
            as_of: f.as_of,
            probability,
            score,
            grade,
            reasons,
            invoices_scored: f.invoices_scored,
            suggested_limit,
            limit_rule,
            external_notes: external_notes(external, f.as_of),
        }
    }
}

/// `round(100 × (1 − p))`, clamped to 0–100.
pub fn score_of(probability: f64) -> u8 {
    let s = (100.0 * (1.0 - probability)).round().clamp(0.0, 100.0);
    // In 0..=100 after the clamp; NaN maps to 0.
    if s.is_nan() {
        0
    } else {
        s as u8
    }
}

/// The suggested credit limit and its rule (module doc).
pub fn credit_limit(grade: Grade, f: &ClientFeatures, external: &ExternalFacts) -> (Decimal, String) {
    if let Some(p) = external.collective_procedure {
        return (Decimal::ZERO, format!("aucun crédit : {} ouverte le {}", procedure_name(p.kind), p.judgment_date));
    }
    if let Some(c) = external.ceased_on {
        return (Decimal::ZERO, format!("aucun crédit : activité cessée le {c}"));
    }
    if f.monthly_invoicing <= Decimal::ZERO {
        return (Decimal::ZERO, "aucune facturation sur 12 mois : pas de base de calcul".to_string());
    }
    let mut factor = grade.limit_factor();
    let mut note = String::new();
    if f.invoices_scored < 3 {
        factor = factor.min(Decimal::ONE);
        note = " (historique de moins de 3 factures : 1 mois au plus)".to_string();
    }
    let hundred = Decimal::from(100);
    let limit = (f.monthly_invoicing * factor / hundred).floor() * hundred;
    let months = factor.normalize().to_string().replace('.', ",");
    (limit, format!("{months} mois de facturation moyenne (note {grade:?}){note}"))
}

fn procedure_name(kind: ProcedureKind) -> &'static str {
    match kind {
        ProcedureKind::Sauvegarde => "procédure de sauvegarde",
        ProcedureKind::Redressement => "redressement judiciaire",
        ProcedureKind::Liquidation => "liquidation judiciaire",
    }
}

/// External facts in French, shown beside the score.
pub fn external_notes(e: &ExternalFacts, as_of: NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(p) = e.collective_procedure {
        out.push(format!("{} ouverte le {}", procedure_name(p.kind), p.judgment_date));
    }
    if let Some(c) = e.ceased_on {
        out.push(format!("activité cessée le {c}"));
    }
    if let Some(b) = &e.bdf_cotation {
        out.push(format!("cotation Banque de France {b} (saisie)"));
    }
    if let Some(created) = e.creation_date {
        if (as_of - created).num_days() < 730 {
            out.push(format!("entreprise créée le {created} (moins de 2 ans)"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::features::{client_features, tests::*, ClientLedger, CollectiveProcedure};
    use rust_decimal_macros::dec;

    fn ledger(late_days: i64) -> ClientLedger {
        let mut invoices = Vec::new();
        for m in 1..=10u32 {
            let issue = d(2025, m, 1);
            let paid = issue + chrono::Duration::days(30 + late_days);
            invoices.push(invoice(&format!("i{m}"), issue, dec!(1200), &[(paid, dec!(1200))]));
        }
        ClientLedger { client_id: "c".into(), invoices, ..ClientLedger::default() }
    }

    #[test]
    fn a_prompt_payer_grades_better_than_a_late_one_and_reasons_are_french() {
        let as_of = d(2026, 1, 15);
        let good = client_features(&ledger(0), as_of, 0.25);
        let bad = client_features(&ledger(45), as_of, 0.25);
        let card = Scorecard::prior();
        let (g, b) = (card.score(&good, &ExternalFacts::default()), card.score(&bad, &ExternalFacts::default()));
        assert!(g.score > b.score && g.grade < b.grade, "{g:?} {b:?}");
        assert_eq!(b.reasons.len(), 3);
        let texts: Vec<&str> = b.reasons.iter().map(|r| r.text.as_str()).collect();
        assert!(texts.contains(&"paie en retard 100 % de ses factures"), "{texts:?}");
        assert!(texts.contains(&"paie en moyenne 45 jours après l'échéance"), "{texts:?}");
        assert!(b.reasons.windows(2).all(|w| w[0].contribution >= w[1].contribution));
        assert_eq!(b.invoices_scored, 10);
        // Monthly invoicing: the 9 invoices issued in the 12 months, 10,800 / 12 = 900.
        assert_eq!(g.suggested_limit, (dec!(900) * g.grade.limit_factor() / dec!(100)).floor() * dec!(100));
    }

    #[test]
    fn no_history_scores_as_the_portfolio_and_the_limit_is_capped() {
        let mut l = ledger(0);
        l.invoices.truncate(1);
        l.invoices[0].payments.clear();
        let f = client_features(&l, d(2025, 1, 20), 0.25);
        let s = Scorecard::prior().score(&f, &ExternalFacts::default());
        assert_eq!(s.invoices_scored, 0);
        assert!((s.probability - 0.25).abs() < 1e-9);
        assert_eq!(s.score, 75);
        assert_eq!(s.grade, Grade::B);
        assert_eq!(s.suggested_limit, dec!(100)); // 1200 / 12 × 1, rounded down to 100
        assert!(s.limit_rule.contains("moins de 3 factures"), "{}", s.limit_rule);
    }

    #[test]
    fn a_collective_procedure_sets_the_limit_to_zero_and_is_shown_beside_the_score() {
        let f = client_features(&ledger(0), d(2026, 1, 15), 0.25);
        let ext = ExternalFacts {
            collective_procedure: Some(CollectiveProcedure {
                kind: ProcedureKind::Redressement,
                judgment_date: d(2025, 12, 1),
            }),
            ..ExternalFacts::default()
        };
        let s = Scorecard::prior().score(&f, &ext);
        assert_eq!(s.suggested_limit, Decimal::ZERO);
        assert_eq!(s.external_notes, vec!["redressement judiciaire ouverte le 2025-12-01".to_string()]);
        // The external fact is not inside the score.
        assert_eq!(s.score, Scorecard::prior().score(&f, &ExternalFacts::default()).score);
    }

    #[test]
    fn grades_and_scores_follow_the_documented_bands() {
        assert_eq!(score_of(0.0), 100);
        assert_eq!(score_of(0.15), 85);
        assert_eq!(Grade::of(85), Grade::A);
        assert_eq!(Grade::of(84), Grade::B);
        assert_eq!(Grade::of(39), Grade::E);
        assert_eq!(score_of(f64::NAN), 0);
    }

    #[test]
    fn fitting_on_history_holds_every_sign() {
        // Late payers (label true) have higher late rates and longer delays.
        let as_of = d(2026, 1, 15);
        let rows: Vec<(ClientFeatures, bool)> =
            (0..40).map(|i| (client_features(&ledger(i % 20), as_of, 0.25), i % 20 > 8)).collect();
        let card = Scorecard::fit(&Term::ALL, &rows, 1.0).unwrap();
        for (t, w) in card.terms.iter().zip(&card.fit.weights) {
            match t.sign() {
                Sign::RaisesRisk => assert!(*w >= 0.0, "{t:?} {w}"),
                Sign::LowersRisk => assert!(*w <= 0.0, "{t:?} {w}"),
            }
        }
        assert!(card.fit.weights[1] > 0.0, "days beyond terms should carry weight: {:?}", card.fit.weights);
    }
}
