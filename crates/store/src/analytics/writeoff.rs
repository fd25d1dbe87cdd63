//! Irrecoverable write-offs (créances irrécouvrables, legal-rules A.7; compte 654): what was
//! still open on an invoice leaves the open balance on the write-off's date, in one transaction
//! with its audit entry.
//!
//! The write-off is kept apart from the allocations (it is not money received) but moves the open
//! amounts exactly like one: `invoices.outstanding` drops to zero, the month-by-due-date flows
//! take it in its month and the as-of rebuild (rewind, replay) adds it back before its date
//! (migration 0019 and [`super::for_each_item_as_of`]). The VAT part is recorded for the CGI 272
//! recovery (only when VAT was due on debits; the caller decides and says so).

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::Currency;
use rusqlite::{params, OptionalExtension};

use super::{currency, parse_date};
use crate::dossier::{insert_audit, Dossier};
use crate::error::StoreError;

/// A recorded write-off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteOffRow {
    /// Id.
    pub id: i64,
    /// The invoice written off.
    pub invoice_id: i64,
    /// Its number.
    pub number: String,
    /// Its client.
    pub client_id: i64,
    /// Currency.
    pub currency: Currency,
    /// Amount written off, VAT included (units).
    pub amount: i64,
    /// Of which VAT (units).
    pub vat: i64,
    /// Date of the write-off (the open balance drops on that date).
    pub written_on: NaiveDate,
    /// Why the receivable is irrecoverable (judgment, certificate of irrecoverability…).
    pub reason: String,
}

/// What the caller must give to write an invoice off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewWriteOff<'a> {
    /// The invoice.
    pub invoice_id: i64,
    /// The open amount the caller saw (units): refused if the invoice changed since.
    pub amount: i64,
    /// Of which VAT (units).
    pub vat: i64,
    /// Date of the write-off.
    pub on: NaiveDate,
    /// Why.
    pub reason: &'a str,
}

/// An invoice's facts a write-off needs: `(number, client, currency, outstanding, issue date,
/// last allocation date, already written off, is a credit note)`.
pub type WriteOffFacts = (String, i64, Currency, i64, NaiveDate, Option<NaiveDate>, bool, bool);

/// Reads what a write-off of this invoice needs, if the invoice exists.
pub fn writeoff_facts(d: &Dossier, invoice: i64) -> Result<Option<WriteOffFacts>, StoreError> {
    let row = d
        .conn
        .prepare_cached(
            "SELECT number, client_id, currency, outstanding, issue_date, kind = 'credit_note' OR receivable <= 0,
                    (SELECT max(applied_on) FROM allocations INDEXED BY allocations_invoice WHERE invoice_id = i.id),
                    EXISTS (SELECT 1 FROM writeoffs w WHERE w.invoice_id = i.id)
             FROM invoices i WHERE id = ?1",
        )?
        .query_row([invoice], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, bool>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, bool>(7)?,
            ))
        })
        .optional()?;
    row.map(|(number, client, code, outstanding, issued, credit, last, done)| {
        Ok((
            number,
            client,
            currency(&code)?,
            outstanding,
            parse_date(&issued)?,
            last.as_deref().map(parse_date).transpose()?,
            done,
            credit,
        ))
    })
    .transpose()
}

/// Writes an invoice off: its open amount drops to zero, the write-off is recorded, and one audit
/// entry says so, in one transaction. Refuses a credit note, an invoice with nothing open, an
/// invoice already written off, an amount that is no longer what is open, and a date before the
/// invoice's issue or its last allocation (the ledger as of any date stays exact).
pub fn write_off(d: &mut Dossier, w: &NewWriteOff<'_>, actor: &str, at: NaiveDateTime) -> Result<i64, StoreError> {
    let Some((number, client, cur, outstanding, issued, last, done, credit)) = writeoff_facts(d, w.invoice_id)? else {
        return Err(StoreError::Invalid(format!("no invoice {}", w.invoice_id)));
    };
    if credit {
        return Err(StoreError::Invalid(format!("{number} is a credit note: nothing to write off")));
    }
    if done {
        return Err(StoreError::Invalid(format!("{number} is already written off")));
    }
    if outstanding <= 0 || w.amount != outstanding {
        return Err(StoreError::Invalid(format!("{number}: the open amount is not the one to write off")));
    }
    if w.on < issued || last.is_some_and(|l| w.on < l) {
        return Err(StoreError::Invalid(format!(
            "{number}: a write-off dated {} precedes the invoice or a payment applied to it",
            w.on
        )));
    }
    if w.vat < 0 || w.vat > w.amount {
        return Err(StoreError::Invalid(format!("{number}: the VAT part is not within the amount")));
    }
    let tx = d.conn.transaction()?;
    let changed = tx
        .prepare_cached("UPDATE invoices SET outstanding = 0 WHERE id = ?1 AND outstanding = ?2")?
        .execute(params![w.invoice_id, w.amount])?;
    if changed != 1 {
        return Err(StoreError::Invalid(format!("{number}: the open amount changed")));
    }
    tx.prepare_cached(
        "INSERT INTO writeoffs (invoice_id, currency, amount, vat, written_on, reason, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        w.invoice_id,
        cur.code(),
        w.amount,
        w.vat,
        w.on.to_string(),
        w.reason,
        at.format("%Y-%m-%dT%H:%M:%S").to_string()
    ])?;
    let id = tx.last_insert_rowid();
    let before = serde_json::json!({ "number": number, "client_id": client, "outstanding": outstanding }).to_string();
    let after = serde_json::json!({
        "writeoff_id": id, "number": number, "client_id": client, "currency": cur.code(), "amount": w.amount,
        "vat": w.vat, "written_on": w.on.to_string(), "reason": w.reason, "outstanding": 0,
    })
    .to_string();
    let entity = w.invoice_id.to_string();
    insert_audit(&tx, at, actor, "ledger.writeoff", "invoice", Some(&entity), Some(&before), Some(&after))?;
    tx.commit()?;
    Ok(id)
}

fn row(r: &rusqlite::Row<'_>) -> Result<WriteOffRow, StoreError> {
    Ok(WriteOffRow {
        id: r.get(0)?,
        invoice_id: r.get(1)?,
        number: r.get(2)?,
        client_id: r.get(3)?,
        currency: currency(&r.get::<_, String>(4)?)?,
        amount: r.get(5)?,
        vat: r.get(6)?,
        written_on: parse_date(&r.get::<_, String>(7)?)?,
        reason: r.get(8)?,
    })
}

/// The write-offs dated in `from ..= to`, by date then id.
pub fn writeoffs_between(d: &Dossier, from: NaiveDate, to: NaiveDate) -> Result<Vec<WriteOffRow>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT w.id, w.invoice_id, i.number, i.client_id, w.currency, w.amount, w.vat, w.written_on, w.reason
         FROM writeoffs w INDEXED BY writeoffs_written JOIN invoices i ON i.id = w.invoice_id
         WHERE w.written_on >= ?1 AND w.written_on <= ?2 ORDER BY w.written_on, w.id",
    )?;
    let mut rows = stmt.query(params![from.to_string(), to.to_string()])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(row(r)?);
    }
    Ok(out)
}

/// The total written off in `cur` in `from ..= to` (units).
pub fn written_off_between(d: &Dossier, cur: Currency, from: NaiveDate, to: NaiveDate) -> Result<i64, StoreError> {
    Ok(d.conn
        .prepare_cached(
            "SELECT coalesce(sum(amount), 0) FROM writeoffs INDEXED BY writeoffs_written
             WHERE written_on >= ?1 AND written_on <= ?2 AND currency = ?3",
        )?
        .query_row(params![from.to_string(), to.to_string(), cur.code()], |r| r.get(0))?)
}

/// The invoices (not credit notes) numbered `number` (BT-1), by id.
pub fn invoices_numbered(d: &Dossier, number: &str) -> Result<Vec<i64>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT id FROM invoices INDEXED BY invoices_number WHERE number = ?1 AND kind <> 'credit_note' ORDER BY id",
    )?;
    let rows = stmt.query_map([number], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
