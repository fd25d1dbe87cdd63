//! The fitting machinery of the scorecard: an L2-penalised logistic regression whose weights are
//! held to the sign that makes business sense, and Platt calibration.
//!
//! Inputs are standardised on the training rows (mean 0, standard deviation 1), so the penalty
//! treats every term alike and a weight reads as "log-odds per standard deviation". The fit is
//! cyclic coordinate descent with a Newton step per coordinate, projected on the allowed half-line
//! (scoring.md §5, "monotonic constraints": a term that cannot hold its sign ends at exactly 0 and
//! gives no reason). Each step is checked to lower the penalised loss and halved otherwise, so the
//! loss never rises; the problem is convex, so the fit does not depend on a seed or on the order of
//! the rows.

use super::{count, ScoringError};

/// The direction a term is allowed to push risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sign {
    /// More of it can only mean more risk (weight ≥ 0).
    RaisesRisk,
    /// More of it can only mean less risk (weight ≤ 0).
    LowersRisk,
}

/// A fitted logistic model on standardised inputs.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LogisticFit {
    /// Training mean of each input.
    pub means: Vec<f64>,
    /// Training standard deviation of each input (1 where the input was constant).
    pub scales: Vec<f64>,
    /// Weight of each standardised input (log-odds per standard deviation), sign-constrained.
    pub weights: Vec<f64>,
    /// The intercept (not penalised).
    pub intercept: f64,
}

impl LogisticFit {
    /// Each term's share of the log-odds for one row: weight × standardised value. They sum, with
    /// the intercept, to [`LogisticFit::logit`]; a term's share is its reason's strength.
    pub fn contributions(&self, row: &[f64]) -> Vec<f64> {
        self.weights
            .iter()
            .zip(self.means.iter().zip(&self.scales))
            .zip(row)
            .map(|((w, (m, s)), x)| w * (x - m) / s)
            .collect()
    }

    /// The log-odds of one row.
    pub fn logit(&self, row: &[f64]) -> f64 {
        self.intercept + self.contributions(row).iter().sum::<f64>()
    }
}

/// The logistic function, written so that large |z| neither overflows nor loses the small side.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// log(1 + e^z) without overflow.
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// Fits a sign-constrained L2 logistic regression: minimises Σ [log(1 + e^z) − y·z] + λ/2 · Σ w²
/// over standardised inputs. `rows[i][j]` is input j of row i; `signs[j]` the direction of input j.
pub fn fit(rows: &[Vec<f64>], labels: &[bool], signs: &[Sign], l2: f64) -> Result<LogisticFit, ScoringError> {
    let d = signs.len();
    if rows.len() != labels.len() || rows.iter().any(|r| r.len() != d) {
        return Err(ScoringError::Shape("every row needs one value per term and one label".into()));
    }
    if rows.iter().flatten().any(|x| !x.is_finite()) {
        return Err(ScoringError::Shape("an input is not a finite number".into()));
    }
    let positives = labels.iter().filter(|&&y| y).count();
    if positives == 0 || positives == labels.len() {
        return Err(ScoringError::OneClass { rows: rows.len() });
    }
    let n = count(rows.len());
    let mut means = vec![0.0; d];
    let mut scales = vec![0.0; d];
    for j in 0..d {
        let m = rows.iter().map(|r| r[j]).sum::<f64>() / n;
        let v = rows.iter().map(|r| (r[j] - m).powi(2)).sum::<f64>() / n;
        means[j] = m;
        scales[j] = if v > 1e-24 { v.sqrt() } else { 1.0 };
    }
    // Column-major standardised copy: the coordinate loop reads one column at a time.
    let cols: Vec<Vec<f64>> = (0..d).map(|j| rows.iter().map(|r| (r[j] - means[j]) / scales[j]).collect()).collect();
    let y: Vec<f64> = labels.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect();
    let rate = count(positives) / n;
    let mut intercept = (rate / (1.0 - rate)).ln();
    let mut w = vec![0.0; d];
    let mut z = vec![intercept; rows.len()];
    let loss = |z: &[f64], w: &[f64]| -> f64 {
        z.iter().zip(&y).map(|(&zi, &yi)| softplus(zi) - yi * zi).sum::<f64>()
            + 0.5 * l2 * w.iter().map(|v| v * v).sum::<f64>()
    };
    let mut current = loss(&z, &w);
    for _sweep in 0..5_000 {
        let mut largest_step: f64 = 0.0;
        // Coordinates 0..d are the weights, d is the intercept.
        for j in 0..=d {
            let (mut g, mut h) = (0.0, 0.0);
            for (i, (&zi, &yi)) in z.iter().zip(&y).enumerate() {
                let p = sigmoid(zi);
                let x = if j < d { cols[j][i] } else { 1.0 };
                g += (p - yi) * x;
                h += p * (1.0 - p) * x * x;
            }
            let (old, penalty) = if j < d { (w[j], l2) } else { (intercept, 0.0) };
            g += penalty * old;
            h += penalty;
            if h <= 0.0 {
                continue;
            }
            let mut target = old - g / h;
            if j < d {
                target = match signs[j] {
                    Sign::RaisesRisk => target.max(0.0),
                    Sign::LowersRisk => target.min(0.0),
                };
            }
            let mut step = target - old;
            // Halve until the loss does not rise (a Newton step on the logistic loss can overshoot).
            for _ in 0..30 {
                if step == 0.0 {
                    break;
                }
                let trial_z: Vec<f64> =
                    z.iter().enumerate().map(|(i, zi)| zi + step * if j < d { cols[j][i] } else { 1.0 }).collect();
                let mut trial_w = w.clone();
                if j < d {
                    trial_w[j] = old + step;
                }
                let l = loss(&trial_z, &trial_w);
                if l <= current {
                    z = trial_z;
                    w = trial_w;
                    if j == d {
                        intercept = old + step;
                    }
                    current = l;
                    largest_step = largest_step.max(step.abs());
                    break;
                }
                step /= 2.0;
            }
        }
        if largest_step < 1e-10 {
            break;
        }
    }
    Ok(LogisticFit { means, scales, weights: w, intercept })
}

/// Platt calibration: p = σ(a · logit + b), fitted on a held-out slice so the probabilities follow
/// the recent base rate (scoring.md §5, calibration: rates drift from 42 % to 25 % in the IBM file).
/// A slope `a` > 0 keeps the ranking, so the AUC and the recall do not change.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Platt {
    /// Slope on the model's log-odds.
    pub slope: f64,
    /// Shift of the log-odds.
    pub shift: f64,
}

impl Platt {
    /// No recalibration.
    pub const IDENTITY: Platt = Platt { slope: 1.0, shift: 0.0 };

    /// Fits slope and shift on (logit, outcome) pairs, the slope held positive; a tiny penalty
    /// keeps a perfectly separated slice finite. Identity when the slice holds one class only.
    pub fn fit(logits: &[f64], labels: &[bool]) -> Platt {
        let rows: Vec<Vec<f64>> = logits.iter().map(|&l| vec![l]).collect();
        match fit(&rows, labels, &[Sign::RaisesRisk], 1e-3) {
            Ok(f) => {
                // Undo the standardisation: w·(l − m)/s + c = (w/s)·l + (c − w·m/s).
                let slope = f.weights[0] / f.scales[0];
                Platt { slope, shift: f.intercept - slope * f.means[0] }
            }
            Err(_) => Platt::IDENTITY,
        }
    }

    /// The calibrated probability of a model log-odds.
    pub fn probability(&self, logit: f64) -> f64 {
        sigmoid(self.slope * logit + self.shift)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic data set: risk grows with x0, falls with x1, x2 is noise that a
    /// free fit would give a negative weight.
    fn data() -> (Vec<Vec<f64>>, Vec<bool>) {
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        let mut s: u64 = 7;
        for _ in 0..600 {
            let mut next = || {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                f64::from(u32::try_from(s >> 40).unwrap_or(0)) / f64::from(1u32 << 24)
            };
            let (x0, x1, x2, u) = (next(), next(), next(), next());
            let z = 3.0 * x0 - 2.0 * x1 - 0.5 * x2 - 0.2;
            rows.push(vec![x0, x1, x2]);
            labels.push(u < sigmoid(z));
        }
        (rows, labels)
    }

    #[test]
    fn signs_are_held_and_free_directions_are_found() {
        let (rows, labels) = data();
        let f = fit(&rows, &labels, &[Sign::RaisesRisk, Sign::LowersRisk, Sign::RaisesRisk], 1.0).unwrap();
        assert!(f.weights[0] > 0.5, "{:?}", f.weights);
        assert!(f.weights[1] < -0.3, "{:?}", f.weights);
        // x2 truly lowers risk: held at the bound, exactly 0.
        assert_eq!(f.weights[2], 0.0);
        let free = fit(&rows, &labels, &[Sign::RaisesRisk, Sign::LowersRisk, Sign::LowersRisk], 1.0).unwrap();
        assert!(free.weights[2] < 0.0);
        // Contributions add up to the log-odds.
        let r = &rows[5];
        assert!((f.intercept + f.contributions(r).iter().sum::<f64>() - f.logit(r)).abs() < 1e-12);
    }

    #[test]
    fn the_fit_matches_the_optimum_and_does_not_depend_on_row_order() {
        let (rows, labels) = data();
        let signs = [Sign::RaisesRisk, Sign::LowersRisk, Sign::LowersRisk];
        let a = fit(&rows, &labels, &signs, 1.0).unwrap();
        let (mut r2, mut l2) = (rows.clone(), labels.clone());
        r2.reverse();
        l2.reverse();
        let b = fit(&r2, &l2, &signs, 1.0).unwrap();
        for (x, y) in a.weights.iter().zip(&b.weights) {
            assert!((x - y).abs() < 1e-6);
        }
        // At an interior optimum the penalised gradient is zero.
        for j in 0..3 {
            let g: f64 = rows
                .iter()
                .zip(&labels)
                .map(|(r, &y)| (sigmoid(a.logit(r)) - f64::from(u8::from(y))) * (r[j] - a.means[j]) / a.scales[j])
                .sum::<f64>()
                + a.weights[j];
            assert!(g.abs() < 1e-4, "gradient {j}: {g}");
        }
    }

    #[test]
    fn one_class_or_bad_shapes_are_errors_and_platt_recovers_a_shift() {
        assert!(matches!(fit(&[vec![1.0]], &[true], &[Sign::RaisesRisk], 1.0), Err(ScoringError::OneClass { .. })));
        assert!(fit(&[vec![1.0, 2.0]], &[true], &[Sign::RaisesRisk], 1.0).is_err());
        // Outcomes drawn at σ(l − 1): Platt finds slope ≈ 1 and shift ≈ −1.
        let (rows, _) = data();
        let logits: Vec<f64> = rows.iter().map(|r| 6.0 * r[0] - 3.0).collect();
        let labels: Vec<bool> = rows.iter().zip(&logits).map(|(r, l)| r[2] < sigmoid(l - 1.0)).collect();
        let p = Platt::fit(&logits, &labels);
        assert!((p.slope - 1.0).abs() < 0.3 && (p.shift + 1.0).abs() < 0.3, "{p:?}");
        assert_eq!(Platt::fit(&[1.0], &[true]), Platt::IDENTITY);
    }
}
