//! The index of open items the matching engine searches.
//!
//! Built once per matching run over every open item of the dossier (2 million in the largest
//! benchmark), so it is made of flat arrays rather than maps of vectors: each lookup table is a
//! [`Buckets`] multimap from a 64-bit key hash to item positions, built by one counting sort
//! without a single per-key allocation. Hash collisions are possible and harmless: every hit is
//! checked against the item itself before it counts.

use std::collections::HashMap;

use encours_domain::{ClientId, Currency};

use super::text::{amount_key, number_keys, reference_key};
use super::{units_of, OpenItem};

/// A multimap `u64 key → u32 item`, as one array of entries grouped by bucket (the top bits of
/// the key) with the start of each bucket: a compressed sparse row layout. An entry packs the low
/// 32 bits of its key with the item, so a lookup reads one word per candidate; the rare entry of
/// another key with the same bucket and low bits is removed by the callers' checks.
#[derive(Clone, Debug, Default)]
pub(crate) struct Buckets {
    shift: u32,
    starts: Vec<u32>,
    entries: Vec<u64>,
}

impl Buckets {
    /// Builds the multimap from `(key, item)` pairs; items of one key keep the pairs' order.
    pub(crate) fn build(pairs: &[(u64, u32)]) -> Buckets {
        // About two entries per bucket: half as many buckets as pairs, a power of two.
        let bits = (pairs.len() / 2).max(2).next_power_of_two().trailing_zeros().max(1);
        let shift = 64 - bits;
        let n = 1usize << bits;
        let mut starts = vec![0u32; n + 1];
        for &(k, _) in pairs {
            starts[(k >> shift) as usize + 1] += 1;
        }
        for i in 0..n {
            starts[i + 1] += starts[i];
        }
        let mut fill = starts.clone();
        let mut entries = vec![0u64; pairs.len()];
        for &(k, item) in pairs {
            let slot = &mut fill[(k >> shift) as usize];
            entries[*slot as usize] = (k << 32) | u64::from(item);
            *slot += 1;
        }
        Buckets { shift, starts, entries }
    }

    /// The items stored under `key` (and, rarely, under another key of the same bucket and low
    /// bits: callers verify).
    pub(crate) fn get(&self, key: u64) -> impl Iterator<Item = u32> + '_ {
        let b = (key >> self.shift) as usize;
        let (lo, hi) = match (self.starts.get(b), self.starts.get(b + 1)) {
            (Some(&lo), Some(&hi)) => (lo as usize, hi as usize),
            _ => (0, 0),
        };
        let low = key << 32;
        self.entries
            .get(lo..hi)
            .unwrap_or_default()
            .iter()
            .filter(move |e| *e & 0xffff_ffff_0000_0000 == low)
            .map(|e| (*e & 0xffff_ffff) as u32)
    }

    /// Bytes held, for the benchmark's report.
    pub(crate) fn bytes(&self) -> usize {
        self.starts.len() * 4 + self.entries.len() * 8
    }
}

/// Everything the engine looks items up by. Built by [`MatchIndex::build`].
#[derive(Clone, Debug)]
pub struct MatchIndex {
    pub(crate) items: Vec<OpenItem>,
    /// Outstanding amount of each item in 10⁻⁵ currency units (the store's unit), so that sums
    /// and subset searches run on integers; `0` for an amount that does not fit.
    pub(crate) units: Vec<i64>,
    /// Item positions grouped by client, each group oldest due date first.
    pub(crate) by_client: Vec<u32>,
    /// Where each client's group is in `by_client`.
    pub(crate) clients: HashMap<ClientId, (u32, u32)>,
    /// Structure, compact and tail keys of invoice numbers.
    pub(crate) numbers: Buckets,
    /// Creditor references that cannot be found from the number (see [`MatchIndex::build`]).
    pub(crate) references: Buckets,
    /// `(currency, outstanding)` keys, for proposals on the amount alone.
    pub(crate) amounts: Buckets,
}

/// True when a creditor reference's body is the item's number reduced to upper-case letters and
/// digits, i.e. when the reference can be found through the number keys (the references
/// `CreditorRef::for_invoice` prints always are, unless the number was too long).
fn reference_follows_number(reference: &str, number: &str) -> bool {
    let mut body = reference.bytes().filter(|b| !b.is_ascii_whitespace()).skip(4).map(|b| b.to_ascii_uppercase());
    let mut num = number.bytes().filter(u8::is_ascii_alphanumeric).map(|b| b.to_ascii_uppercase());
    loop {
        match (body.next(), num.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
}

/// A reference in the compact upper-case form used as key: `rf18 5390…` → `RF185390…`.
pub(crate) fn compact_reference(reference: &str) -> String {
    reference.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect()
}

impl MatchIndex {
    /// Indexes the open items (invoices with something left to pay, credit notes not used up).
    ///
    /// - invoice numbers by three keys (structure, compact, tail; see `text.rs`), so a number is
    ///   found whatever separators, padding zeros or prefix the payer wrote;
    /// - creditor references: a reference whose body is the number itself (what
    ///   `CreditorRef::for_invoice` prints) is found through the number keys and then compared
    ///   whole; any other reference gets its own entry;
    /// - items per client, oldest due date first (then issue date, then id), for amount and
    ///   combination searches;
    /// - `(currency, outstanding)` for proposals on the amount alone.
    ///
    /// Items with a zero outstanding are kept (they may be referenced) but never allocated.
    pub fn build(items: Vec<OpenItem>) -> MatchIndex {
        MatchIndex::build_parallel(items, 1)
    }

    /// [`MatchIndex::build`] on up to two threads (the number keys on one, the rest on the
    /// other); the index is the same.
    pub fn build_parallel(items: Vec<OpenItem>, threads: usize) -> MatchIndex {
        let (numbers, (units, references, amounts, (by_client, clients))) = if threads > 1 && items.len() >= 50_000 {
            std::thread::scope(|s| {
                let numbers = s.spawn(|| number_table(&items));
                let rest = other_tables(&items);
                // The worker cannot panic on valid data; if it did, build its table here.
                (numbers.join().unwrap_or_else(|_| number_table(&items)), rest)
            })
        } else {
            (number_table(&items), other_tables(&items))
        };
        MatchIndex { numbers, references, amounts, items, units, by_client, clients }
    }

    /// Number of items indexed.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there is no open item.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items, in the order given to [`MatchIndex::build`].
    pub fn items(&self) -> &[OpenItem] {
        &self.items
    }

    /// Approximate memory held by the lookup tables (not the items themselves), in bytes.
    pub fn table_bytes(&self) -> usize {
        self.numbers.bytes()
            + self.references.bytes()
            + self.amounts.bytes()
            + self.units.len() * 8
            + self.by_client.len() * 4
            + self.clients.len() * 24
    }

    /// A client's item positions, oldest due date first.
    pub(crate) fn client_items(&self, client: ClientId) -> &[u32] {
        match self.clients.get(&client) {
            Some(&(a, b)) => self.by_client.get(a as usize..b as usize).unwrap_or_default(),
            None => &[],
        }
    }

    pub(crate) fn item(&self, pos: u32) -> Option<&OpenItem> {
        self.items.get(pos as usize)
    }

    pub(crate) fn currency(&self, pos: u32) -> Option<Currency> {
        self.item(pos).map(|i| i.outstanding.currency)
    }
}

/// The structure, compact and tail keys of every number.
fn number_table(items: &[OpenItem]) -> Buckets {
    let mut numbers = Vec::with_capacity(items.len() * 3);
    for (pos, item) in items.iter().enumerate() {
        let pos = u32::try_from(pos).unwrap_or(u32::MAX);
        if let Some(k) = number_keys(&item.number) {
            numbers.push((k.structure, pos));
            if k.segments >= 2 {
                numbers.push((k.compact, pos));
                numbers.push((k.tail, pos));
            }
        }
    }
    Buckets::build(&numbers)
}

type ClientGroups = (Vec<u32>, HashMap<ClientId, (u32, u32)>);

/// Amounts in units, the references that need their own entry, the amount table and the
/// per-client groups.
fn other_tables(items: &[OpenItem]) -> (Vec<i64>, Buckets, Buckets, ClientGroups) {
    let units: Vec<i64> = items.iter().map(|i| units_of(i.outstanding.amount).unwrap_or(0)).collect();
    let mut references = Vec::new();
    let mut amounts = Vec::with_capacity(items.len());
    for (pos, (item, &u)) in items.iter().zip(&units).enumerate() {
        let pos = u32::try_from(pos).unwrap_or(u32::MAX);
        if let Some(r) = item.creditor_ref.as_deref() {
            if !reference_follows_number(r, &item.number) {
                references.push((reference_key(&compact_reference(r)), pos));
            }
        }
        if u != 0 {
            amounts.push((amount_key(item.outstanding.currency.code(), u), pos));
        }
    }
    (units, Buckets::build(&references), Buckets::build(&amounts), client_groups(items))
}

/// Item positions grouped by client, each group by due date then id, with where each group is.
/// The store gives items in that order already (`ORDER BY client, due date, id`), which is
/// checked in one pass; otherwise items are grouped by a counting sort on the client and each
/// (small) group is sorted.
fn client_groups(items: &[OpenItem]) -> ClientGroups {
    let key = |i: &OpenItem| (i.client, i.due_date, i.invoice);
    let n = items.len();
    let mut order: Vec<u32> = Vec::with_capacity(n);
    if items.windows(2).all(|w| key(&w[0]) <= key(&w[1])) {
        order.extend((0..n).map(|i| u32::try_from(i).unwrap_or(u32::MAX)));
    } else {
        let mut dense: HashMap<ClientId, u32> = HashMap::new();
        let ids: Vec<u32> = items
            .iter()
            .map(|i| {
                let next = u32::try_from(dense.len()).unwrap_or(u32::MAX);
                *dense.entry(i.client).or_insert(next)
            })
            .collect();
        let mut starts = vec![0u32; dense.len() + 1];
        for &d in &ids {
            starts[d as usize + 1] += 1;
        }
        for i in 0..dense.len() {
            starts[i + 1] += starts[i];
        }
        let mut fill = starts.clone();
        order.resize(n, 0);
        for (pos, &d) in ids.iter().enumerate() {
            order[fill[d as usize] as usize] = u32::try_from(pos).unwrap_or(u32::MAX);
            fill[d as usize] += 1;
        }
        for w in starts.windows(2) {
            order[w[0] as usize..w[1] as usize]
                .sort_by_key(|&p| (items[p as usize].due_date, items[p as usize].invoice));
        }
    }
    let mut clients: HashMap<ClientId, (u32, u32)> = HashMap::new();
    let mut start = 0usize;
    while start < order.len() {
        let client = items[order[start] as usize].client;
        let mut end = start + 1;
        while end < order.len() && items[order[end] as usize].client == client {
            end += 1;
        }
        clients.insert(client, (start as u32, end as u32));
        start = end;
    }
    (order, clients)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_return_every_item_of_a_key_in_order() {
        // Keys are hashes: their top bits choose the bucket, their low bits are compared.
        let k = |n: i64| amount_key("EUR", n);
        let pairs = [(k(1), 1u32), (k(2), 2), (k(1), 3), (k(4), 4), (k(5), 5)];
        let b = Buckets::build(&pairs);
        assert_eq!(b.get(k(1)).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(b.get(k(4)).collect::<Vec<_>>(), [4]);
        assert_eq!(b.get(k(5)).collect::<Vec<_>>(), [5]);
        assert_eq!(b.get(k(6)).count(), 0);
        let many: Vec<(u64, u32)> = (0..10_000).map(|n| (k(n), n as u32)).collect();
        let b = Buckets::build(&many);
        assert!((0..10_000).all(|n| b.get(k(n)).collect::<Vec<_>>() == [n as u32]), "each key finds its item only");
        let empty = Buckets::build(&[]);
        assert_eq!(empty.get(42).count(), 0);
        assert_eq!(Buckets::default().get(42).count(), 0, "a default multimap answers nothing, without panicking");
    }

    #[test]
    fn references_that_follow_the_number_are_recognised() {
        assert!(reference_follows_number("RF86F2026000123", "F2026-000123"));
        assert!(reference_follows_number("rf86 f202 6000 123", "f 2026/000123"));
        assert!(!reference_follows_number("RF31ID123", "F2026-000123"));
        assert!(!reference_follows_number("RF86F202600012", "F2026-000123"));
    }
}
