//! Random draws of *behaviour* (counts, delays, shares, choices).
//!
//! Floats appear here and only here, for shapes of distributions; every amount of money drawn
//! with them is turned into integer cents before it becomes a [`encours_domain::Money`].

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// The one generator type of the crate: ChaCha8 is portable and reproducible across platforms and
/// `rand` versions, which a seeded demo dossier needs.
pub(crate) type DemoRng = ChaCha8Rng;

/// A standard normal draw (Box–Muller; the second value of the pair is dropped, which costs one
/// uniform and keeps the generator free of hidden state).
pub(crate) fn normal(rng: &mut DemoRng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// True with probability `p` (clamped to [0, 1], so a computed rate can never panic).
pub(crate) fn chance(rng: &mut DemoRng, p: f64) -> bool {
    rng.random::<f64>() < p.clamp(0.0, 1.0)
}

/// A whole number of days in `lo..=hi`.
pub(crate) fn days(rng: &mut DemoRng, lo: i64, hi: i64) -> i64 {
    if hi <= lo {
        lo
    } else {
        rng.random_range(lo..=hi)
    }
}

/// One element of a non-empty list.
pub(crate) fn pick<'a, T>(rng: &mut DemoRng, items: &'a [T]) -> &'a T {
    debug_assert!(!items.is_empty(), "pick needs a non-empty list");
    &items[rng.random_range(0..items.len())]
}

/// One value of a weighted list `(value, weight)`; the weights need not sum to anything.
pub(crate) fn weighted<T: Copy>(rng: &mut DemoRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| *w).sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (value, w) in items {
        if roll < *w {
            return *value;
        }
        roll -= w;
    }
    items[items.len() - 1].0
}

/// One element of a non-empty list, chosen with the weight `weight` gives it.
pub(crate) fn weighted_by<'a, T>(rng: &mut DemoRng, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
    let total: u32 = items.iter().map(&weight).sum();
    let mut roll = rng.random_range(0..total.max(1));
    for item in items {
        let w = weight(item);
        if roll < w {
            return item;
        }
        roll -= w;
    }
    &items[items.len() - 1]
}

/// A count or a day number as a float, for the shape computations above. Saturates instead of
/// losing precision silently (the clippy lint `cast_precision_loss` is on in the workspace).
pub(crate) fn as_f64(n: i64) -> f64 {
    f64::from(i32::try_from(n).unwrap_or(if n < 0 { i32::MIN } else { i32::MAX }))
}
