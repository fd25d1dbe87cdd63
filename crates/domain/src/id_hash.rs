//! A cheap hasher for the integer ids the dossier assigns (invoice, client and row ids): the
//! dunning snapshot and plan look one up per row, and SipHash would cost more than the lookup. Ids
//! are small integers never chosen by an attacker, so hash flooding is not a concern here.

use std::hash::{BuildHasherDefault, Hasher};

/// The hasher: Fibonacci hashing of the id.
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_i64(&mut self, n: i64) {
        // Fibonacci hashing: the high bits (those hashbrown uses) depend on every bit of the id.
        self.0 = (self.0 ^ n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A `HashMap`/`HashSet` state with [`IdHasher`].
pub type IdHash = BuildHasherDefault<IdHasher>;
