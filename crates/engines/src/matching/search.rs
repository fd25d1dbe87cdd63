//! Bounded subset-sum: which of a client's open items add up to the amount received.
//!
//! A depth-first search with credit notes (negative amounts) allowed, so that a payment net of a
//! credit note is found. Items are explored largest first, which lets two bounds cut most of the
//! tree: with `r` picks left, what can still be added lies between the `r` most negative and the
//! `r` largest remaining amounts. The search stops after `max_count` items per subset and after
//! `budget` visited nodes, and it keeps looking for other solutions: a sum that two different
//! subsets reach is ambiguous, and a solution found before the budget ran out is only *proven*
//! unique when the whole space was explored. A solution that only adds items summing to zero to
//! another one (a credit note and the invoice it cancels, both still open) is not a different
//! answer: such supersets are dropped. Solutions are returned in the caller's order of positions,
//! the lexicographically smallest first: given oldest first, that is the one settling the oldest
//! items, the usual rule of French lettrage.

/// What the search found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Found {
    /// Distinct solutions (none a superset of another), as increasing positions in the candidate
    /// slice, the preferred (oldest) first.
    pub solutions: Vec<Vec<usize>>,
    /// True when the space was not fully explored (budget or solution cap reached).
    pub exhausted: bool,
}

impl Found {
    /// The one solution, when there is exactly one and the search was complete.
    pub(crate) fn unique(&self) -> bool {
        self.solutions.len() == 1 && !self.exhausted
    }
}

struct Search {
    /// Amounts, positives largest first, then negatives most negative first.
    amounts: Vec<i64>,
    /// `pos[i]` = sum of the positive amounts before i (prefix sums over the positive region).
    pos: Vec<i64>,
    /// `neg[i]` = sum of the negative amounts before i.
    neg: Vec<i64>,
    /// Where the negatives start.
    split: usize,
    target: i64,
    min_count: usize,
    max_count: usize,
    budget: u32,
    solutions: Vec<Vec<usize>>,
    exhausted: bool,
    path: Vec<usize>,
}

/// Solutions collected before the search stops: enough to see past a few zero-sum supersets.
const SOLUTION_CAP: usize = 8;

impl Search {
    /// The most and the least that `r` more picks from position `i` on can add.
    fn reach(&self, i: usize, r: usize) -> (i64, i64) {
        let n = self.amounts.len();
        let hi = if i < self.split { self.pos[(i + r).min(self.split)] - self.pos[i] } else { 0 };
        let from = i.max(self.split);
        let lo = self.neg[(from + r).min(n)] - self.neg[from];
        (lo, hi)
    }

    fn run(&mut self, from: usize, sum: i64) {
        if self.path.len() >= self.min_count && sum == self.target && !self.path.is_empty() {
            self.solutions.push(self.path.clone());
            if self.solutions.len() >= SOLUTION_CAP {
                // More answers may exist: the space was not explored to the end.
                self.exhausted = true;
                return;
            }
        }
        let left = self.max_count.saturating_sub(self.path.len());
        if left == 0 {
            return;
        }
        let (lo, hi) = self.reach(from, left);
        if self.target < sum + lo || self.target > sum + hi {
            return;
        }
        let n = self.amounts.len();
        // Positives, largest first: skip at once those that overshoot even with the most
        // negative amounts left (the same for every positive), stop at the first that cannot
        // reach the target any more (the next ones are smaller).
        let mut i = from;
        if i < self.split {
            let most_negative = self.neg[(self.split + left - 1).min(n)] - self.neg[self.split];
            let bound = self.target - sum - most_negative;
            i += self.amounts[from..self.split].partition_point(|&a| a > bound);
        }
        while i < n {
            let next = sum + self.amounts[i];
            let (lo, hi) = self.reach(i + 1, left - 1);
            if i < self.split {
                if self.target > next + hi {
                    // Smaller positives next, with smaller room, and negatives only lower the
                    // sum: nothing further can reach the target.
                    return;
                }
            } else if self.target < next + lo {
                // Negatives grow towards zero along the order: all further ones overshoot too.
                return;
            } else if self.target > next + hi {
                i += 1;
                continue;
            }
            if self.budget == 0 {
                self.exhausted = true;
                return;
            }
            self.budget -= 1;
            self.path.push(i);
            self.run(i + 1, next);
            self.path.pop();
            if self.exhausted {
                return;
            }
            i += 1;
        }
    }
}

/// Subsets of `amounts` (positions) of `min_count..=max_count` items summing to `target`.
pub(crate) fn subsets(amounts: &[i64], target: i64, min_count: usize, max_count: usize, budget: u32) -> Found {
    let mut order: Vec<usize> = (0..amounts.len()).collect();
    // Positives largest first, then negatives most negative first; ties by position.
    order.sort_by_key(|&i| (amounts[i] <= 0, if amounts[i] > 0 { -amounts[i] } else { amounts[i] }, i));
    let sorted: Vec<i64> = order.iter().map(|&i| amounts[i]).collect();
    let split = sorted.iter().position(|&a| a <= 0).unwrap_or(sorted.len());
    let mut pos = vec![0i64; sorted.len() + 1];
    let mut neg = vec![0i64; sorted.len() + 1];
    for (i, &a) in sorted.iter().enumerate() {
        pos[i + 1] = pos[i].saturating_add(a.max(0));
        neg[i + 1] = neg[i].saturating_add(a.min(0));
    }
    let mut s = Search {
        amounts: sorted,
        pos,
        neg,
        split,
        target,
        min_count: min_count.max(1),
        max_count,
        budget,
        solutions: Vec::new(),
        exhausted: false,
        path: Vec::with_capacity(max_count),
    };
    s.run(0, 0);
    let mut solutions: Vec<Vec<usize>> = s
        .solutions
        .into_iter()
        .map(|sol| {
            let mut v: Vec<usize> = sol.into_iter().map(|i| order[i]).collect();
            v.sort_unstable();
            v
        })
        .collect();
    let contains = |big: &[usize], small: &[usize]| small.iter().all(|x| big.binary_search(x).is_ok());
    let all = solutions.clone();
    solutions.retain(|sol| !all.iter().any(|other| other.len() < sol.len() && contains(sol, other)));
    solutions.sort();
    Found { solutions, exhausted: s.exhausted }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_oldest_first_subset_and_sees_a_second_one() {
        let f = subsets(&[100, 250, 40, 150, 60], 250, 1, 6, 10_000);
        assert_eq!(f.solutions, [vec![0, 3], vec![1], vec![2, 3, 4]], "the oldest items first");
        assert!(!f.unique(), "100 + 150 and 250 both make 250");
        let g = subsets(&[100, 250, 40, 150, 60], 250, 2, 6, 10_000);
        assert_eq!(g.solutions, [vec![0, 3], vec![2, 3, 4]], "250 alone is below min_count");
    }

    #[test]
    fn credit_notes_offset_invoices() {
        // Invoices 500 and 300, credit note -120: the client pays 680.
        let f = subsets(&[500, 300, -120], 680, 1, 6, 10_000);
        assert_eq!(f.solutions, [vec![0, 1, 2]]);
        assert!(f.unique());
    }

    #[test]
    fn the_budget_bounds_the_work_and_is_reported() {
        let amounts: Vec<i64> = (0..60).map(|i| 1_000 + i * 7).collect();
        let f = subsets(&amounts, 1, 1, 6, 50);
        assert!(f.solutions.is_empty());
        assert!(!f.exhausted, "1 is below every amount: pruned at once, not exhausted");
        let g = subsets(&amounts, 6_300, 6, 6, 50);
        assert!(g.exhausted, "a reachable target in a large space hits the budget");
        assert!(!g.unique());
        let none = subsets(&[], 10, 1, 6, 50);
        assert!(none.solutions.is_empty() && !none.exhausted);
    }

    #[test]
    fn a_zero_sum_addition_is_not_another_answer() {
        // Invoice 300 with its full credit note −300, both open: adding them changes nothing.
        let f = subsets(&[500, 300, -300, 200], 700, 1, 6, 10_000);
        assert_eq!(f.solutions, [vec![0, 3]], "{f:?}");
        assert!(f.unique());
    }

    #[test]
    fn the_size_is_bounded() {
        let f = subsets(&[1, 1, 1, 1, 1, 1, 1], 7, 1, 6, 10_000);
        assert!(f.solutions.is_empty(), "seven items are needed, six at most are allowed");
    }
}
