//! Bounded subset-sum: which of a client's open items add up to the amount received.
//!
//! A depth-first search in the order given (the caller gives oldest first, so the first solution
//! found is the one that settles the oldest items, the usual rule of French lettrage), with
//! credit notes (negative amounts) allowed so that a payment net of a credit note is found. The
//! search stops after `max_count` items per subset and after `budget` visited nodes, and it keeps
//! looking for a second solution: a sum that two different subsets reach is ambiguous, and one
//! found before the budget ran out is only *proven* unique when the whole space was explored.

/// What the search found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Found {
    /// Up to two solutions, as positions in the candidate slice, the first one preferred.
    pub solutions: Vec<Vec<usize>>,
    /// True when the budget ran out before the space was fully explored.
    pub exhausted: bool,
}

impl Found {
    /// The one solution, when there is exactly one and the search was complete.
    pub(crate) fn unique(&self) -> bool {
        self.solutions.len() == 1 && !self.exhausted
    }
}

struct Search<'a> {
    amounts: &'a [i64],
    /// Sum of the positive amounts from position i on (bound on what can still be added).
    pos_suffix: Vec<i64>,
    /// Sum of the negative amounts from position i on.
    neg_suffix: Vec<i64>,
    target: i64,
    min_count: usize,
    max_count: usize,
    budget: u32,
    found: Found,
    path: Vec<usize>,
}

impl Search<'_> {
    fn run(&mut self, from: usize, sum: i64) {
        if self.found.solutions.len() >= 2 {
            return;
        }
        if self.path.len() >= self.min_count && sum == self.target && !self.path.is_empty() {
            self.found.solutions.push(self.path.clone());
            if self.found.solutions.len() >= 2 {
                return;
            }
        }
        if self.path.len() >= self.max_count {
            return;
        }
        for i in from..self.amounts.len() {
            // What is reachable from here on brackets the target, or nothing can be found.
            let lo = sum + self.neg_suffix[i];
            let hi = sum + self.pos_suffix[i];
            if self.target < lo || self.target > hi {
                return;
            }
            // Taking item i must leave the target reachable with what follows it.
            let next = sum + self.amounts[i];
            if self.target < next + self.neg_suffix[i + 1] || self.target > next + self.pos_suffix[i + 1] {
                continue;
            }
            if self.budget == 0 {
                self.found.exhausted = true;
                return;
            }
            self.budget -= 1;
            self.path.push(i);
            self.run(i + 1, next);
            self.path.pop();
            if self.found.solutions.len() >= 2 || self.found.exhausted {
                return;
            }
        }
    }
}

/// Subsets of `amounts` (positions) of `min_count..=max_count` items summing to `target`.
pub(crate) fn subsets(amounts: &[i64], target: i64, min_count: usize, max_count: usize, budget: u32) -> Found {
    let n = amounts.len();
    let mut pos_suffix = vec![0i64; n + 1];
    let mut neg_suffix = vec![0i64; n + 1];
    for i in (0..n).rev() {
        let a = amounts[i];
        pos_suffix[i] = pos_suffix[i + 1].saturating_add(a.max(0));
        neg_suffix[i] = neg_suffix[i + 1].saturating_add(a.min(0));
    }
    let mut s = Search {
        amounts,
        pos_suffix,
        neg_suffix,
        target,
        min_count: min_count.max(1),
        max_count,
        budget,
        found: Found::default(),
        path: Vec::with_capacity(max_count),
    };
    s.run(0, 0);
    s.found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_oldest_first_subset_and_sees_a_second_one() {
        let f = subsets(&[100, 250, 40, 150, 60], 250, 1, 6, 10_000);
        assert_eq!(f.solutions, [vec![0, 3], vec![1]], "the oldest items first, then 250 alone");
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
    fn the_size_is_bounded() {
        let f = subsets(&[1, 1, 1, 1, 1, 1, 1], 7, 1, 6, 10_000);
        assert!(f.solutions.is_empty(), "seven items are needed, six at most are allowed");
    }
}
