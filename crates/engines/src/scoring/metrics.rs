//! How a score is judged on a backtest (scoring.md §3, "how to compare with us"): the rank-based
//! AUC, the Brier score and the recall at a fixed alert budget, all on held-out invoices.

use super::count;

/// Area under the ROC curve: the probability that a random positive scores above a random
/// negative, ties counting one half (the Mann–Whitney statistic with mid-ranks). `None` when the
/// labels hold only one class or lengths differ, since the AUC is then undefined.
pub fn auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    if scores.len() != labels.len() {
        return None;
    }
    let positives = labels.iter().filter(|&&y| y).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Sum of the 1-based mid-ranks of the positives.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their mean.
        let mid = (count(i + 1) + count(j + 1)) / 2.0;
        rank_sum += mid * count(order[i..=j].iter().filter(|&&k| labels[k]).count());
        i = j + 1;
    }
    let (p, n) = (count(positives), count(negatives));
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

/// Mean squared difference between the predicted probability and the outcome (0 is perfect;
/// always predicting the base rate r scores r(1 − r)). `None` on empty or mismatched input.
pub fn brier(probabilities: &[f64], labels: &[bool]) -> Option<f64> {
    if probabilities.is_empty() || probabilities.len() != labels.len() {
        return None;
    }
    let sum: f64 = probabilities.iter().zip(labels).map(|(p, &y)| (p - if y { 1.0 } else { 0.0 }).powi(2)).sum();
    Some(sum / count(probabilities.len()))
}

/// The number of alerts a budget of `fraction` of `n` items allows: ⌈fraction × n⌉ (10 % of 536 is
/// 54, as in scoring.md §4), at least 1 and at most n.
pub fn alert_budget(n: usize, fraction: f64) -> usize {
    let k = (fraction * count(n)).ceil();
    // `k` is a small non-negative whole number here; the clamp keeps it in range either way.
    let k = if k.is_finite() && k > 0.0 { k as usize } else { 1 };
    k.clamp(1, n.max(1))
}

/// Share of all positives found among the `fraction` highest scores (the recall at a fixed alert
/// budget). Items tied with the last alert slot share the remaining slots: each counts as found in
/// proportion, which is the expected recall under a random tie-break — so the figure does not
/// depend on input order. `None` when there is no positive.
pub fn recall_at(scores: &[f64], labels: &[bool], fraction: f64) -> Option<f64> {
    let positives = labels.iter().filter(|&&y| y).count();
    if positives == 0 || scores.len() != labels.len() {
        return None;
    }
    let k = alert_budget(scores.len(), fraction);
    let mut sorted: Vec<f64> = scores.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let threshold = sorted[k - 1];
    let above = scores.iter().filter(|&&s| s > threshold).count();
    let (mut found_above, mut tied, mut tied_pos) = (0usize, 0usize, 0usize);
    for (s, &y) in scores.iter().zip(labels) {
        if *s > threshold && y {
            found_above += 1;
        } else if *s == threshold {
            tied += 1;
            tied_pos += usize::from(y);
        }
    }
    let slots = k - above;
    let found = count(found_above) + count(slots) * count(tied_pos) / count(tied.max(1));
    Some(found / count(positives))
}

/// The best recall a budget of `fraction` allows: min(1, k / positives) (scoring.md §5, alerting).
pub fn recall_ceiling(n: usize, positives: usize, fraction: f64) -> Option<f64> {
    (positives > 0).then(|| (count(alert_budget(n, fraction)) / count(positives)).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_ties_as_one_half() {
        assert_eq!(auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]), Some(0.75));
        assert_eq!(auc(&[0.5, 0.5], &[false, true]), Some(0.5));
        assert_eq!(auc(&[1.0, 2.0, 3.0], &[false, true, true]), Some(1.0));
        assert_eq!(auc(&[3.0, 2.0, 1.0], &[false, true, true]), Some(0.0));
        assert_eq!(auc(&[1.0, 2.0], &[true, true]), None);
        // Tied groups: positives {2, 2, 3}, negatives {1, 2}: pairs won 2·(1 + ½) + 2 = 5 of 6.
        let a = auc(&[2.0, 2.0, 3.0, 1.0, 2.0], &[true, true, true, false, false]).unwrap();
        assert!((a - 5.0 / 6.0).abs() < 1e-12, "{a}");
    }

    #[test]
    fn brier_of_the_base_rate_is_r_times_one_minus_r() {
        let labels = [true, false, false, false];
        let b = brier(&[0.25; 4], &labels).unwrap();
        assert!((b - 0.1875).abs() < 1e-12);
        assert_eq!(brier(&[1.0, 0.0], &[true, false]), Some(0.0));
        assert_eq!(brier(&[], &[]), None);
    }

    #[test]
    fn recall_at_the_budget_shares_tied_slots() {
        assert_eq!(alert_budget(536, 0.10), 54);
        assert_eq!(alert_budget(10, 0.10), 1);
        // 20 items, budget 2: the top two are one positive and one negative.
        let mut scores: Vec<f64> = (0..20).map(f64::from).collect();
        let mut labels = vec![false; 20];
        labels[19] = true;
        labels[3] = true;
        assert_eq!(recall_at(&scores, &labels, 0.10), Some(0.5));
        // All tied: expected recall is the budget's share, whatever the order.
        scores = vec![1.0; 20];
        assert_eq!(recall_at(&scores, &labels, 0.10), Some(0.1));
        assert_eq!(recall_ceiling(536, 46, 0.10), Some(1.0));
        assert!((recall_ceiling(536, 151, 0.10).unwrap() - 54.0 / 151.0).abs() < 1e-12);
    }
}
