//! Dispute dossiers (issue 8, migration 0011): a dispute's invoices and amounts, where it came
//! from (a lifecycle status with the platform's reason and requested action, legal-rules B.2, or a
//! person), the evidence gathered (files kept encrypted in `documents`), tasks, notes and
//! decisions, and how it ended.
//!
//! Writes go through a [`LedgerWriter`] (one transaction, one audit entry at commit): a
//! resolution changes the ledger (a credit note allocated) in the same unit of work as the
//! dispute, so both commit or neither does. Reads are functions over a [`Dossier`].

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::{ClientId, Currency, DisputeId, DisputeReason, InvoiceId, Money};
use rusqlite::{params, OptionalExtension, Row};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::amount::{from_units, to_units};
use crate::ledger::{dispute_reason_str, DocumentId};
use crate::{Dossier, LedgerWriter, StoreError};

const AT_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

fn at_str(at: NaiveDateTime) -> String {
    at.format(AT_FORMAT).to_string()
}

fn parse_date(s: &str) -> Result<NaiveDate, StoreError> {
    s.parse().map_err(|e: chrono::ParseError| StoreError::Decode(format!("date {s:?}: {e}")))
}

fn currency(code: &str) -> Result<Currency, StoreError> {
    Currency::parse(code).map_err(|e| StoreError::Decode(e.to_string()))
}

/// The stored word of a reason category, and back ([`DisputeReason`] serialises the same way).
pub fn reason_str(r: DisputeReason) -> &'static str {
    dispute_reason_str(r)
}

/// The reason category of a stored word; unknown words are [`DisputeReason::Other`].
pub fn parse_reason(s: &str) -> DisputeReason {
    match s {
        "price" => DisputeReason::Price,
        "quantity" => DisputeReason::Quantity,
        "quality" => DisputeReason::Quality,
        "delivery" => DisputeReason::Delivery,
        "duplicate" => DisputeReason::Duplicate,
        "vat" => DisputeReason::Vat,
        "missing_reference" => DisputeReason::MissingReference,
        _ => DisputeReason::Other,
    }
}

/// The lifecycle status that opened a dispute, with what the platform said (legal-rules B.2:
/// reason MDT-113/114, requested action MDT-121/122).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StatusOrigin {
    /// The invoice the status concerns.
    pub invoice_id: i64,
    /// 206, 207 or 208.
    pub code: u16,
    /// The status date-time (MDT-78).
    pub at: Option<NaiveDateTime>,
    /// MDT-113 as received.
    pub reason_code: Option<String>,
    /// MDT-114.
    pub reason_text: Option<String>,
    /// MDT-121 (NIN, CNF…).
    pub action_code: Option<String>,
    /// MDT-122.
    pub action_text: Option<String>,
}

/// A new dispute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDispute {
    /// The client.
    pub client_id: ClientId,
    /// Its invoices (at least one, all the client's, one currency).
    pub invoice_ids: Vec<InvoiceId>,
    /// The reason category.
    pub reason: DisputeReason,
    /// The amount contested (the rest of what the invoices have open is undisputed).
    pub disputed: Money,
    /// What the invoices had open when the dispute was opened.
    pub invoiced: Money,
    /// `status` (a lifecycle status), `manual` (a person), `call` (a call's outcome).
    pub origin: String,
    /// The status that opened it, for `status`.
    pub status: Option<StatusOrigin>,
    /// Free text.
    pub note: String,
    /// When it was opened.
    pub opened_at: NaiveDateTime,
}

/// One invoice of a dispute, as it stands now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DisputeInvoiceRow {
    /// Id.
    pub id: i64,
    /// BT-1.
    pub number: String,
    /// `invoice`, `credit_note`, `corrective`…
    pub kind: String,
    /// BT-3.
    pub type_code: u16,
    /// BT-2.
    pub issue_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// What it adds to the balance.
    pub receivable: Decimal,
    /// What is open now.
    pub outstanding: Decimal,
}

/// A dispute as stored, with its client and invoices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DisputeRecord {
    /// Id.
    pub id: i64,
    /// Client.
    pub client_id: i64,
    /// Client name.
    pub client_name: String,
    /// Opened on.
    pub opened_on: NaiveDate,
    /// Opened at (date-time), when known.
    pub opened_at: Option<NaiveDateTime>,
    /// Reason category.
    pub reason: DisputeReason,
    /// `status`, `manual`, `call`, `recorded` (before schema 11, or generated).
    pub origin: String,
    /// The status that opened it.
    pub status: Option<StatusOrigin>,
    /// Currency.
    pub currency: Currency,
    /// Disputed amount.
    pub disputed: Decimal,
    /// What the invoices had open at opening, when known.
    pub invoiced: Option<Decimal>,
    /// `open` or `resolved`.
    pub state: String,
    /// Resolved on.
    pub resolved_on: Option<NaiveDate>,
    /// Resolved at (date-time), when known.
    pub resolved_at: Option<NaiveDateTime>,
    /// `credit_note`, `corrected`, `partial`, `rejected`, `status`.
    pub outcome: Option<String>,
    /// The resolution's details (JSON written by the app).
    pub resolution_json: Option<String>,
    /// Free text.
    pub note: String,
    /// Invoices.
    pub invoices: Vec<DisputeInvoiceRow>,
}

/// A file attached to a dispute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EvidenceRow {
    /// Id.
    pub id: i64,
    /// Dispute.
    pub dispute_id: i64,
    /// The kept file.
    pub document_id: i64,
    /// Name as given.
    pub file_name: String,
    /// Media type.
    pub media_type: String,
    /// Size in bytes of the original.
    pub size: u64,
    /// SHA-256 of the original (hex).
    pub sha256: String,
    /// When it was added.
    pub added_at: NaiveDateTime,
    /// What it is.
    pub note: String,
}

/// A task of a dispute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TaskRow {
    /// Id.
    pub id: i64,
    /// Dispute.
    pub dispute_id: i64,
    /// What to do.
    pub title: String,
    /// Who.
    pub owner: String,
    /// By when.
    pub due_on: NaiveDate,
    /// `todo`, `done`, `cancelled`.
    pub state: String,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// An event of a dispute recorded by Encours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventRow {
    /// Id.
    pub id: i64,
    /// When.
    pub at: NaiveDateTime,
    /// `opened`, `updated`, `note`, `call`, `decision`, `evidence`, `task`, `task_state`, `resolved`.
    pub kind: String,
    /// What, in words.
    pub text: String,
    /// Who.
    pub actor: String,
}

/// A lifecycle status received for one of a dispute's invoices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusRow {
    /// The invoice's number.
    pub invoice_number: String,
    /// Status code.
    pub code: u16,
    /// Status date-time.
    pub at: NaiveDateTime,
    /// MDT-113.
    pub reason_code: Option<String>,
    /// MDT-114.
    pub reason: Option<String>,
    /// MDT-121.
    pub action_code: Option<String>,
    /// The file it came from.
    pub origin: String,
}

/// A dunning action of the dispute's client that concerned one of its invoices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DunningRow {
    /// Action id.
    pub id: i64,
    /// When it was last changed (sent, failed…), else created.
    pub at: NaiveDateTime,
    /// `email`, `letter`, `lrar`, `lre`, `phone`, `sms`.
    pub channel: String,
    /// `planned`, `validated`, `sent`, `failed`, `cancelled`.
    pub state: String,
    /// Subject.
    pub subject: String,
}

/// A task past its due date, for the alerts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OverdueTask {
    /// The task.
    pub task: TaskRow,
    /// Its dispute's client.
    pub client_id: i64,
    /// Client name.
    pub client_name: String,
}

fn decode_at(s: &str) -> Result<NaiveDateTime, StoreError> {
    NaiveDateTime::parse_from_str(s, AT_FORMAT).map_err(|e| StoreError::Decode(format!("date-time {s:?}: {e}")))
}

const RECORD_SQL: &str = "SELECT d.id, d.client_id, c.name, d.opened_on, d.opened_at, d.reason, d.origin,
    d.status_invoice_id, d.status_code, d.status_at, d.reason_code, d.reason_text, d.action_code, d.action_text,
    d.currency, d.disputed_amount, d.invoiced_amount, d.state, d.resolved_on, d.resolved_at, d.outcome,
    d.resolution_json, d.note FROM disputes d JOIN clients c ON c.id = d.client_id";

fn record(r: &Row<'_>) -> Result<DisputeRecord, StoreError> {
    let opt_at = |i: usize| -> Result<Option<NaiveDateTime>, StoreError> {
        r.get::<_, Option<String>>(i)?.as_deref().map(decode_at).transpose()
    };
    let status_code: Option<u16> = r.get(8)?;
    let status = match status_code {
        Some(code) => Some(StatusOrigin {
            invoice_id: r.get::<_, Option<i64>>(7)?.unwrap_or(0),
            code,
            at: opt_at(9)?,
            reason_code: r.get(10)?,
            reason_text: r.get(11)?,
            action_code: r.get(12)?,
            action_text: r.get(13)?,
        }),
        None => None,
    };
    Ok(DisputeRecord {
        id: r.get(0)?,
        client_id: r.get(1)?,
        client_name: r.get(2)?,
        opened_on: parse_date(&r.get::<_, String>(3)?)?,
        opened_at: opt_at(4)?,
        reason: parse_reason(&r.get::<_, String>(5)?),
        origin: r.get(6)?,
        status,
        currency: currency(&r.get::<_, String>(14)?)?,
        disputed: from_units(r.get(15)?),
        invoiced: r.get::<_, Option<i64>>(16)?.map(from_units),
        state: r.get(17)?,
        resolved_on: r.get::<_, Option<String>>(18)?.as_deref().map(parse_date).transpose()?,
        resolved_at: opt_at(19)?,
        outcome: r.get(20)?,
        resolution_json: r.get(21)?,
        note: r.get(22)?,
        invoices: Vec::new(),
    })
}

fn invoices_of(conn: &rusqlite::Connection, dispute: i64) -> Result<Vec<DisputeInvoiceRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.id, i.number, i.kind, i.type_code, i.issue_date, i.due_date, i.receivable, i.outstanding
         FROM dispute_invoices di JOIN invoices i ON i.id = di.invoice_id WHERE di.dispute_id = ?1 ORDER BY i.id",
    )?;
    let mut rows = stmt.query([dispute])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(DisputeInvoiceRow {
            id: r.get(0)?,
            number: r.get(1)?,
            kind: r.get(2)?,
            type_code: r.get(3)?,
            issue_date: parse_date(&r.get::<_, String>(4)?)?,
            due_date: parse_date(&r.get::<_, String>(5)?)?,
            receivable: from_units(r.get(6)?),
            outstanding: from_units(r.get(7)?),
        });
    }
    Ok(out)
}

/// Every dispute, newest first, with its invoices.
pub fn all(d: &Dossier) -> Result<Vec<DisputeRecord>, StoreError> {
    let mut stmt = d.conn.prepare_cached(&format!("{RECORD_SQL} ORDER BY d.opened_on DESC, d.id DESC"))?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(record(r)?);
    }
    drop(rows);
    for rec in &mut out {
        rec.invoices = invoices_of(&d.conn, rec.id)?;
    }
    Ok(out)
}

/// One dispute with its invoices.
pub fn get(d: &Dossier, id: i64) -> Result<Option<DisputeRecord>, StoreError> {
    get_in(&d.conn, id)
}

fn get_in(conn: &rusqlite::Connection, id: i64) -> Result<Option<DisputeRecord>, StoreError> {
    let found = {
        let mut stmt = conn.prepare_cached(&format!("{RECORD_SQL} WHERE d.id = ?1"))?;
        let mut rows = stmt.query([id])?;
        match rows.next()? {
            Some(r) => Some(record(r)?),
            None => None,
        }
    };
    let Some(mut rec) = found else { return Ok(None) };
    rec.invoices = invoices_of(conn, id)?;
    Ok(Some(rec))
}

fn evidence_row(r: &Row<'_>) -> Result<EvidenceRow, StoreError> {
    Ok(EvidenceRow {
        id: r.get(0)?,
        dispute_id: r.get(1)?,
        document_id: r.get(2)?,
        file_name: r.get(3)?,
        media_type: r.get(4)?,
        size: u64::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
        sha256: r.get(6)?,
        added_at: decode_at(&r.get::<_, String>(7)?)?,
        note: r.get(8)?,
    })
}

const EVIDENCE_SQL: &str =
    "SELECT id, dispute_id, document_id, file_name, media_type, size, sha256, added_at, note FROM dispute_evidence";

/// The files attached to a dispute, in the order added.
pub fn evidence(d: &Dossier, dispute: i64) -> Result<Vec<EvidenceRow>, StoreError> {
    let mut stmt = d.conn.prepare_cached(&format!("{EVIDENCE_SQL} WHERE dispute_id = ?1 ORDER BY added_at, id"))?;
    let mut rows = stmt.query([dispute])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(evidence_row(r)?);
    }
    Ok(out)
}

/// One attached file's record.
pub fn evidence_item(d: &Dossier, evidence: i64) -> Result<Option<EvidenceRow>, StoreError> {
    let mut stmt = d.conn.prepare_cached(&format!("{EVIDENCE_SQL} WHERE id = ?1"))?;
    let mut rows = stmt.query([evidence])?;
    match rows.next()? {
        Some(r) => Ok(Some(evidence_row(r)?)),
        None => Ok(None),
    }
}

fn task_row(r: &Row<'_>) -> Result<TaskRow, StoreError> {
    Ok(TaskRow {
        id: r.get(0)?,
        dispute_id: r.get(1)?,
        title: r.get(2)?,
        owner: r.get(3)?,
        due_on: parse_date(&r.get::<_, String>(4)?)?,
        state: r.get(5)?,
        created_at: decode_at(&r.get::<_, String>(6)?)?,
        updated_at: decode_at(&r.get::<_, String>(7)?)?,
    })
}

const TASK_SQL: &str = "SELECT t.id, t.dispute_id, t.title, t.owner, t.due_on, t.state, t.created_at, t.updated_at
    FROM dispute_tasks t";

/// The tasks of a dispute, by due date.
pub fn tasks(d: &Dossier, dispute: i64) -> Result<Vec<TaskRow>, StoreError> {
    let mut stmt = d.conn.prepare_cached(&format!("{TASK_SQL} WHERE t.dispute_id = ?1 ORDER BY t.due_on, t.id"))?;
    let mut rows = stmt.query([dispute])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(task_row(r)?);
    }
    Ok(out)
}

/// The tasks still to do whose due date is before `as_of`, oldest first, with their client: the
/// reminders the dashboard's alerts show (issue 8 §4).
pub fn overdue_tasks(d: &Dossier, as_of: NaiveDate) -> Result<Vec<OverdueTask>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT t.id, t.dispute_id, t.title, t.owner, t.due_on, t.state, t.created_at, t.updated_at, c.id, c.name
         FROM dispute_tasks t INDEXED BY dispute_tasks_due JOIN disputes d ON d.id = t.dispute_id
         JOIN clients c ON c.id = d.client_id WHERE t.state = 'todo' AND t.due_on < ?1 ORDER BY t.due_on, t.id",
    )?;
    let mut rows = stmt.query([as_of.to_string()])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(OverdueTask { task: task_row(r)?, client_id: r.get(8)?, client_name: r.get(9)? });
    }
    Ok(out)
}

/// The events Encours recorded for a dispute, in order.
pub fn events(d: &Dossier, dispute: i64) -> Result<Vec<EventRow>, StoreError> {
    let mut stmt = d
        .conn
        .prepare_cached("SELECT id, at, kind, text, actor FROM dispute_events WHERE dispute_id = ?1 ORDER BY at, id")?;
    let mut rows = stmt.query([dispute])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(EventRow {
            id: r.get(0)?,
            at: decode_at(&r.get::<_, String>(1)?)?,
            kind: r.get(2)?,
            text: r.get(3)?,
            actor: r.get(4)?,
        });
    }
    Ok(out)
}

/// The lifecycle statuses received for these invoices, oldest first.
pub fn statuses_of(d: &Dossier, invoices: &[i64]) -> Result<Vec<StatusRow>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT i.number, s.code, s.at, s.reason_code, s.reason, s.action_code, src.origin
         FROM status_events s JOIN invoices i ON i.id = s.invoice_id JOIN sources src ON src.id = s.source_id
         WHERE s.invoice_id = ?1",
    )?;
    let mut out = Vec::new();
    for inv in invoices {
        let mut rows = stmt.query([inv])?;
        while let Some(r) = rows.next()? {
            out.push(StatusRow {
                invoice_number: r.get(0)?,
                code: r.get(1)?,
                at: decode_at(&r.get::<_, String>(2)?)?,
                reason_code: r.get(3)?,
                reason: r.get(4)?,
                action_code: r.get(5)?,
                origin: r.get(6)?,
            });
        }
    }
    out.sort_by_key(|s| s.at);
    Ok(out)
}

/// The dunning actions of a client that concerned one of these invoices (the dunning journal:
/// letters, emails, SMS, calls), oldest first. Planned actions not yet sent are left out.
pub fn dunning_of(d: &Dossier, client: i64, invoices: &[i64]) -> Result<Vec<DunningRow>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT id, updated_at, channel, state, subject, invoices_json FROM dunning_actions
         INDEXED BY dunning_actions_client WHERE client_id = ?1 AND state IN ('sent', 'failed', 'validated')",
    )?;
    let mut rows = stmt.query([client])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let json: String = r.get(5)?;
        // [[invoice id, number, due date, amount], …] (migration 0007).
        let listed: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap_or_default();
        let touches =
            listed.iter().any(|row| row.get(0).and_then(|v| v.as_i64()).is_some_and(|id| invoices.contains(&id)));
        if !touches {
            continue;
        }
        out.push(DunningRow {
            id: r.get(0)?,
            at: decode_at(&r.get::<_, String>(1)?)?,
            channel: r.get(2)?,
            state: r.get(3)?,
            subject: r.get(4)?,
        });
    }
    out.sort_by_key(|a| a.at);
    Ok(out)
}

/// A credit note of the ledger, found by number for a client: `(id, currency, what is left to
/// use, as a positive amount)`.
pub fn credit_note_by_number(
    d: &Dossier,
    client: i64,
    number: &str,
) -> Result<Option<(InvoiceId, Currency, Decimal)>, StoreError> {
    let found: Option<(i64, String, i64)> = d
        .conn
        .prepare_cached(
            "SELECT id, currency, outstanding FROM invoices WHERE client_id = ?1 AND number = ?2
             AND kind = 'credit_note' ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![client, number.trim()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    found.map(|(id, c, left)| Ok((InvoiceId(id), currency(&c)?, -from_units(left)))).transpose()
}

/// Invoices found by number (a number may be reused: every match), with their client.
pub fn invoices_by_number(d: &Dossier, number: &str) -> Result<Vec<(InvoiceId, ClientId, String)>, StoreError> {
    let mut stmt = d.conn.prepare_cached("SELECT id, client_id, kind FROM invoices WHERE number = ?1 ORDER BY id")?;
    let rows = stmt.query_map([number.trim()], |r| Ok((InvoiceId(r.get(0)?), ClientId(r.get(1)?), r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A client's open invoices (positive outstanding), oldest due first: `(id, number, outstanding,
/// currency)`.
pub fn open_invoices_of(d: &Dossier, client: i64) -> Result<Vec<(InvoiceId, String, Decimal, Currency)>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT id, number, outstanding, currency FROM invoices WHERE client_id = ?1 AND outstanding > 0
         ORDER BY due_date, id",
    )?;
    let mut rows = stmt.query([client])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push((InvoiceId(r.get(0)?), r.get(1)?, from_units(r.get(2)?), currency(&r.get::<_, String>(3)?)?));
    }
    Ok(out)
}

impl LedgerWriter<'_> {
    /// Opens a dispute and records its `opened` event; returns its id. A dispute opened by a
    /// status that already opened one is refused by the unique index (one dispute per status).
    pub fn open_dispute_record(&mut self, n: &NewDispute) -> Result<DisputeId, StoreError> {
        if n.invoice_ids.is_empty() {
            return Err(StoreError::Invalid("a dispute concerns at least one invoice".to_owned()));
        }
        let id: i64 =
            self.tx.prepare_cached("SELECT coalesce(max(id), 0) + 1 FROM disputes")?.query_row([], |r| r.get(0))?;
        let s = n.status.clone().unwrap_or_default();
        let has_status = n.status.is_some();
        self.tx
            .prepare_cached(
                "INSERT INTO disputes (id, client_id, opened_on, reason, currency, disputed_amount, state, note,
                 origin, status_invoice_id, status_code, status_at, reason_code, reason_text, action_code, action_text,
                 invoiced_amount, opened_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            )?
            .execute(params![
                id,
                n.client_id.0,
                n.opened_at.date().to_string(),
                dispute_reason_str(n.reason),
                n.disputed.currency.code(),
                to_units(n.disputed.amount)?,
                n.note,
                n.origin,
                has_status.then_some(s.invoice_id),
                has_status.then_some(s.code),
                s.at.map(at_str),
                s.reason_code,
                s.reason_text,
                s.action_code,
                s.action_text,
                to_units(n.invoiced.amount)?,
                at_str(n.opened_at),
            ])?;
        for inv in &n.invoice_ids {
            self.tx
                .prepare_cached("INSERT OR IGNORE INTO dispute_invoices (dispute_id, invoice_id) VALUES (?1, ?2)")?
                .execute(params![id, inv.0])?;
        }
        self.counts.disputes += 1;
        Ok(DisputeId(id))
    }

    /// Replaces what a newer status said of a dispute it opened (reason, action, amount).
    pub fn restate_dispute(
        &mut self,
        dispute: DisputeId,
        reason: DisputeReason,
        disputed: Money,
        status: &StatusOrigin,
    ) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "UPDATE disputes SET reason = ?2, disputed_amount = ?3, reason_code = ?4, reason_text = ?5,
                 action_code = ?6, action_text = ?7 WHERE id = ?1",
            )?
            .execute(params![
                dispute.0,
                dispute_reason_str(reason),
                to_units(disputed.amount)?,
                status.reason_code,
                status.reason_text,
                status.action_code,
                status.action_text
            ])?;
        Ok(())
    }

    /// Records an event of a dispute (its timeline), at the time of the unit of work.
    pub fn dispute_event(
        &mut self,
        dispute: DisputeId,
        kind: &str,
        text: &str,
        actor: &str,
    ) -> Result<i64, StoreError> {
        let at = self.at;
        self.dispute_event_at(dispute, at, kind, text, actor)
    }

    /// Records an event of a dispute at the time it happened (a lifecycle status's date-time, not
    /// the time its message was imported).
    pub fn dispute_event_at(
        &mut self,
        dispute: DisputeId,
        at: NaiveDateTime,
        kind: &str,
        text: &str,
        actor: &str,
    ) -> Result<i64, StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO dispute_events (dispute_id, at, kind, text, actor) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![dispute.0, at_str(at), kind, text, actor])?;
        Ok(self.tx.last_insert_rowid())
    }

    /// The state of a dispute (`open`, `resolved`) and its client, inside this unit of work.
    pub fn dispute_state(&self, dispute: DisputeId) -> Result<Option<(String, ClientId)>, StoreError> {
        Ok(self
            .tx
            .prepare_cached("SELECT state, client_id FROM disputes WHERE id = ?1")?
            .query_row([dispute.0], |r| Ok((r.get(0)?, ClientId(r.get(1)?))))
            .optional()?)
    }

    /// A dispute as seen inside this unit of work.
    pub fn dispute_record(&self, dispute: DisputeId) -> Result<Option<DisputeRecord>, StoreError> {
        get_in(&self.tx, dispute.0)
    }

    /// Attaches a file already kept in `documents` to a dispute; returns the evidence id.
    #[allow(clippy::too_many_arguments)]
    pub fn dispute_evidence(
        &mut self,
        dispute: DisputeId,
        document: DocumentId,
        file_name: &str,
        media_type: &str,
        size: u64,
        sha256: &str,
        note: &str,
    ) -> Result<i64, StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO dispute_evidence (dispute_id, document_id, file_name, media_type, size, sha256, added_at,
                 note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                dispute.0,
                document.0,
                file_name,
                media_type,
                i64::try_from(size).unwrap_or(i64::MAX),
                sha256,
                at_str(self.at),
                note
            ])?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Adds a task to a dispute; returns its id.
    pub fn dispute_task(
        &mut self,
        dispute: DisputeId,
        title: &str,
        owner: &str,
        due_on: NaiveDate,
    ) -> Result<i64, StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO dispute_tasks (dispute_id, title, owner, due_on, state, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'todo', ?5, ?5)",
            )?
            .execute(params![dispute.0, title, owner, due_on.to_string(), at_str(self.at)])?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Changes a task's state; returns `(its dispute, its title, the state before)`.
    pub fn set_dispute_task_state(
        &mut self,
        task: i64,
        state: &str,
    ) -> Result<(DisputeId, String, String), StoreError> {
        let found: Option<(i64, String, String)> = self
            .tx
            .prepare_cached("SELECT dispute_id, title, state FROM dispute_tasks WHERE id = ?1")?
            .query_row([task], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((dispute, title, before)) = found else {
            return Err(StoreError::Invalid(format!("no dispute task {task}")));
        };
        self.tx
            .prepare_cached("UPDATE dispute_tasks SET state = ?2, updated_at = ?3 WHERE id = ?1")?
            .execute(params![task, state, at_str(self.at)])?;
        Ok((DisputeId(dispute), title, before))
    }

    /// Closes a dispute with its outcome and the resolution's details.
    pub fn close_dispute(
        &mut self,
        dispute: DisputeId,
        outcome: &str,
        resolution_json: &str,
    ) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "UPDATE disputes SET state = 'resolved', resolved_on = ?2, resolved_at = ?3, outcome = ?4,
                 resolution_json = ?5 WHERE id = ?1",
            )?
            .execute(params![dispute.0, self.at.date().to_string(), at_str(self.at), outcome, resolution_json])?;
        Ok(())
    }

    /// Marks the dispute a lifecycle status closed (209 Complétée, or an end status) with the
    /// outcome `status`, unless it already has an outcome.
    pub fn dispute_closed_by_status(&mut self, dispute: DisputeId, code: u16) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "UPDATE disputes SET outcome = coalesce(outcome, 'status'), resolved_at = coalesce(resolved_at, ?2),
                 resolution_json = coalesce(resolution_json, ?3) WHERE id = ?1",
            )?
            .execute(params![dispute.0, at_str(self.at), serde_json::json!({ "status": code }).to_string()])?;
        Ok(())
    }

    /// Adds an invoice to a dispute (a corrected invoice that replaces a disputed one).
    pub fn dispute_link_invoice(&mut self, dispute: DisputeId, invoice: InvoiceId) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("INSERT OR IGNORE INTO dispute_invoices (dispute_id, invoice_id) VALUES (?1, ?2)")?
            .execute(params![dispute.0, invoice.0])?;
        Ok(())
    }

    /// What an invoice has open now, inside this unit of work.
    pub fn invoice_outstanding(&self, invoice: InvoiceId) -> Result<Option<Decimal>, StoreError> {
        Ok(self
            .tx
            .prepare_cached("SELECT outstanding FROM invoices WHERE id = ?1")?
            .query_row([invoice.0], |r| r.get::<_, i64>(0))
            .optional()?
            .map(from_units))
    }
}

#[cfg(test)]
mod tests;
