//! One client's read-model rows in one BLOB (migration 0023): what a rescoring reads instead of the
//! client's index entries when nothing of the client changed since its last run.
//!
//! The layout is private to this module and versioned by its first byte. Numbers are LEB128
//! varints, signed ones zigzagged; dates are day numbers relative to the invoice's issue day, ids
//! and issue days relative to the previous invoice's (invoices come in id order), so a typical
//! invoice with one payment takes about 14 bytes where its three index entries take about 60:
//!
//! ```text
//! format (1) · invoices n · n × { id Δ · issue Δ · due − issue · amount (units) · flags (bit 0
//! credit note, bit 1 has its document) · allocations k · k × { day − issue · amount · from a credit
//! note (0/1) } · statuses m · m × { day − issue · code } }
//! ```
//!
//! A pack that does not decode completely — another format, truncated, trailing bytes, a number out
//! of range — is treated as absent: the client is read from the tables again (never a panic, never a
//! half-read client).

use super::{AllocRow, InvoiceRow, Rows, StatusRow};

/// The layout's version (first byte).
const FORMAT: u8 = 1;

fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(u8::try_from(v & 0x7f).unwrap_or(0) | 0x80);
        v >>= 7;
    }
    out.push(u8::try_from(v).unwrap_or(0));
}

fn put_signed(out: &mut Vec<u8>, v: i64) {
    // Zigzag: 0, -1, 1, -2, … → 0, 1, 2, 3, …
    put(out, ((v << 1) ^ (v >> 63)).cast_unsigned());
}

fn put_count(out: &mut Vec<u8>, n: usize) {
    put(out, u64::try_from(n).unwrap_or(u64::MAX));
}

/// Appends the pack of one client's rows: `invoices` with, for each, its allocations and statuses.
pub(super) fn encode<'a>(
    out: &mut Vec<u8>,
    invoices: impl ExactSizeIterator<Item = (&'a InvoiceRow, &'a [AllocRow], &'a [StatusRow])>,
) {
    out.push(FORMAT);
    put_count(out, invoices.len());
    let (mut prev_id, mut prev_issue) = (0i64, 0i32);
    for (inv, allocs, statuses) in invoices {
        put_signed(out, inv.id.wrapping_sub(prev_id));
        put_signed(out, i64::from(inv.issue) - i64::from(prev_issue));
        put_signed(out, i64::from(inv.due) - i64::from(inv.issue));
        put_signed(out, inv.amount);
        out.push(u8::from(inv.credit_note) | (u8::from(inv.has_document) << 1));
        put_count(out, allocs.len());
        for a in allocs {
            put_signed(out, i64::from(a.0) - i64::from(inv.issue));
            put_signed(out, a.1);
            out.push(u8::from(a.2));
        }
        put_count(out, statuses.len());
        for s in statuses {
            put_signed(out, i64::from(s.0) - i64::from(inv.issue));
            put(out, u64::from(s.1));
        }
        (prev_id, prev_issue) = (inv.id, inv.issue);
    }
}

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.data.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b < 0x80 {
                return Some(v);
            }
        }
        None
    }

    fn signed(&mut self) -> Option<i64> {
        let v = self.varint()?;
        Some((v >> 1).cast_signed() ^ -((v & 1).cast_signed()))
    }

    /// A count, bounded by the bytes left (each counted item takes at least one byte), so that a
    /// corrupt count cannot ask for a huge allocation.
    fn count(&mut self) -> Option<usize> {
        let n = usize::try_from(self.varint()?).ok()?;
        (n <= self.data.len().saturating_sub(self.at)).then_some(n)
    }

    fn day(&mut self, from: i32) -> Option<i32> {
        i32::try_from(i64::from(from).checked_add(self.signed()?)?).ok()
    }
}

/// Appends the rows of `client`'s pack to `rows`; `None` (and `rows` as it was) when the pack does
/// not decode completely.
pub(super) fn decode(data: &[u8], client: i64, rows: &mut Rows) -> Option<()> {
    let mark = rows.mark();
    let done = decode_into(data, client, rows);
    if done.is_none() {
        rows.truncate(mark);
    }
    done
}

fn decode_into(data: &[u8], client: i64, rows: &mut Rows) -> Option<()> {
    let mut r = Reader { data, at: 0 };
    if r.byte()? != FORMAT {
        return None;
    }
    let n = r.count()?;
    let (mut id, mut issue) = (0i64, 0i32);
    for _ in 0..n {
        id = id.checked_add(r.signed()?)?;
        issue = r.day(issue)?;
        let due = r.day(issue)?;
        let amount = r.signed()?;
        let flags = r.byte()?;
        if flags > 3 {
            return None;
        }
        rows.invoices.push(InvoiceRow {
            id,
            client,
            issue,
            due,
            amount,
            credit_note: flags & 1 != 0,
            has_document: flags & 2 != 0,
        });
        for _ in 0..r.count()? {
            let day = r.day(issue)?;
            let units = r.signed()?;
            let from_credit_note = match r.byte()? {
                0 => false,
                1 => true,
                _ => return None,
            };
            rows.allocs.push((day, units, from_credit_note));
        }
        for _ in 0..r.count()? {
            let day = r.day(issue)?;
            let code = u16::try_from(r.varint()?).ok()?;
            rows.statuses.push((day, code));
        }
        rows.close_invoice()?;
    }
    (r.at == data.len()).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Rows {
        let mut rows = Rows::default();
        let inv = |id, issue, due, amount, credit_note, has_document| InvoiceRow {
            id,
            client: 7,
            issue,
            due,
            amount,
            credit_note,
            has_document,
        };
        rows.invoices.push(inv(12, 739_000, 739_030, 1_234_560_000, false, true));
        rows.allocs.extend([(739_020, 34_560_000, true), (739_045, 1_200_000_000, false)]);
        rows.statuses.extend([(739_000, 200), (739_001, 203), (739_044, 211)]);
        rows.close_invoice();
        rows.invoices.push(inv(15, 738_990, 738_990, -5, true, false));
        rows.close_invoice();
        rows.invoices.push(inv(4_000_000_000, 739_100, 739_160, i64::MAX, false, false));
        rows.statuses.push((739_099, u16::MAX));
        rows.close_invoice();
        rows
    }

    fn pack(rows: &Rows) -> Vec<u8> {
        let mut out = Vec::new();
        encode(&mut out, (0..rows.invoices.len()).map(|k| rows.invoice(k)));
        out
    }

    #[test]
    fn a_pack_gives_back_the_rows_it_was_made_of() {
        let rows = sample();
        let data = pack(&rows);
        let mut back = one_invoice_of_another_client();
        assert_eq!(decode(&data, 7, &mut back), Some(()));
        assert_eq!(back.invoices.len(), 4, "appended after what was there");
        for k in 0..3 {
            let (a, b) = (rows.invoice(k), back.invoice(k + 1));
            assert_eq!(a, b, "invoice {k}");
        }
        assert_eq!(encode_len(&Rows::default()), 2, "an empty ledger is the format and a zero");
    }

    fn encode_len(rows: &Rows) -> usize {
        pack(rows).len()
    }

    /// Rows already read before a pack is decoded: one invoice of client 3 with one allocation.
    fn one_invoice_of_another_client() -> Rows {
        let mut r = Rows::default();
        r.invoices.push(InvoiceRow {
            id: 1,
            client: 3,
            issue: 1,
            due: 1,
            amount: 1,
            credit_note: false,
            has_document: false,
        });
        r.allocs.push((1, 1, false));
        r.close_invoice();
        r
    }

    #[test]
    fn a_damaged_pack_is_refused_and_leaves_the_rows_as_they_were() {
        let data = pack(&sample());
        let mut damaged: Vec<Vec<u8>> = (0..data.len()).map(|n| data[..n].to_vec()).collect();
        damaged.push([data.as_slice(), &[0]].concat());
        let mut other_format = data.clone();
        other_format[0] = 2;
        damaged.push(other_format);
        damaged.push(vec![FORMAT, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        // Every single byte changed to every value: decoded or refused, never a panic.
        for i in 0..data.len() {
            for v in [0u8, 1, 2, 3, 4, 0x7f, 0x80, 0xff] {
                let mut d = data.clone();
                d[i] = v;
                let mut r = Rows::default();
                let _ = decode(&d, 7, &mut r);
            }
        }
        for d in damaged {
            let mut r = one_invoice_of_another_client();
            assert_eq!(decode(&d, 7, &mut r), None, "{d:?}");
            assert_eq!((r.invoices.len(), r.allocs.len(), r.statuses.len()), (1, 1, 0));
            assert_eq!((r.alloc_ends.len(), r.status_ends.len()), (1, 1));
        }
    }
}
