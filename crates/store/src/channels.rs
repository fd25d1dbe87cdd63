//! The sending side of dunning (migration 0008): the dossier's channel settings and the dispatch
//! journal of the outbox (`dunning_dispatch`), plus the few facts a letter needs about a client and
//! its invoices.
//!
//! Sending is not one transaction: a message that has left cannot be rolled back. So each action is
//! *claimed* in a committed transaction before its channel is called ([`begin_dispatch`], state
//! `sending`), then *finished* in another one with what came of it ([`finish_dispatch`]). Each of
//! these writes its audit entry in its own transaction, so one action's failure never undoes
//! another's outcome, and an action left `sending` by a crash is never sent again automatically
//! (the message may have gone: a person checks).
//!
//! No secret is ever stored here (the SMTP password and the provider key are in the OS keyring).

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::dunning::Channel;
use encours_domain::{Contact, Currency, InvoiceId, PostalAddress};
use rusqlite::{params, OptionalExtension};
use rust_decimal::Decimal;

use crate::amount::from_units;
use crate::dossier::insert_audit;
use crate::{Dossier, StoreError};

const AT_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

fn at_str(at: NaiveDateTime) -> String {
    at.format(AT_FORMAT).to_string()
}

fn parse_date(s: &str) -> Result<NaiveDate, StoreError> {
    s.parse().map_err(|e: chrono::ParseError| StoreError::Decode(format!("date {s:?}: {e}")))
}

fn check_channel(channel: &str) -> Result<(), StoreError> {
    if channel == "smtp" || channel == "sms" {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!("{channel:?}: expected smtp or sms")))
    }
}

// ---------------------------------------------------------------------------------------------
// Settings.
// ---------------------------------------------------------------------------------------------

/// The stored settings of a channel (`smtp` or `sms`), as the JSON the app wrote; `None` when the
/// channel was never configured.
pub fn settings(d: &Dossier, channel: &str) -> Result<Option<serde_json::Value>, StoreError> {
    check_channel(channel)?;
    let json: Option<String> = d
        .conn
        .prepare_cached("SELECT settings_json FROM channel_settings WHERE channel = ?1")?
        .query_row([channel], |r| r.get(0))
        .optional()?;
    json.map(|j| serde_json::from_str(&j).map_err(StoreError::from)).transpose()
}

/// Replaces the settings of a channel, with an audit entry holding the previous and the new
/// settings (they hold no secret).
pub fn put_settings(
    d: &mut Dossier,
    channel: &str,
    value: &serde_json::Value,
    actor: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    check_channel(channel)?;
    let tx = d.conn.transaction()?;
    let before: Option<String> = tx
        .prepare_cached("SELECT settings_json FROM channel_settings WHERE channel = ?1")?
        .query_row([channel], |r| r.get(0))
        .optional()?;
    let json = value.to_string();
    tx.prepare_cached(
        "INSERT INTO channel_settings (channel, settings_json, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(channel) DO UPDATE SET settings_json = excluded.settings_json, updated_at = excluded.updated_at",
    )?
    .execute(params![channel, json, at_str(at)])?;
    insert_audit(&tx, at, actor, "channels.settings", "channel", Some(channel), before.as_deref(), Some(&json))?;
    tx.commit()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The outbox, seen from the channels.
// ---------------------------------------------------------------------------------------------

/// An outbox action a send may take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendableAction {
    /// Outbox id.
    pub id: i64,
    /// Kind code (`reminder`, `promise_follow_up`…).
    pub kind: String,
    /// Client.
    pub client_id: i64,
    /// Client name.
    pub client_name: String,
    /// Channel.
    pub channel: Channel,
    /// Tone code.
    pub tone: String,
    /// Template family.
    pub template_id: String,
    /// Template language.
    pub language: String,
    /// `(invoice, number, due date, dunned amount)`.
    pub invoices: Vec<(InvoiceId, String, NaiveDate, Decimal)>,
    /// Currency.
    pub currency: Currency,
    /// Total dunned.
    pub amount: Decimal,
    /// Rendered subject.
    pub subject: String,
    /// Rendered body.
    pub body: String,
    /// The step needs a person's validation.
    pub needs_validation: bool,
    /// `planned`, `validated` or `failed`.
    pub state: String,
    /// The day it was planned for.
    pub planned_on: NaiveDate,
}

/// The actions a send may take, oldest first: `validated` ones, `planned` ones whose step needs no
/// validation (never a planned one that needs it), and with `retry_failed` the `failed` ones; in
/// every case only when no dispatch is under way or done for them. `only` restricts to these ids.
/// Also returns the ids left `sending` by an interrupted send, which are never taken again.
pub fn sendable(
    d: &Dossier,
    only: Option<&[i64]>,
    retry_failed: bool,
) -> Result<(Vec<SendableAction>, Vec<i64>), StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT a.id, a.kind, a.client_id, coalesce(c.name, ''), a.channel, a.tone, a.template_id, a.language,
                a.invoices_json, a.currency, a.amount, a.subject, a.body, a.needs_validation, a.state, a.planned_on,
                x.state
         FROM dunning_actions a LEFT JOIN clients c ON c.id = a.client_id
         LEFT JOIN dunning_dispatch x ON x.action_id = a.id
         WHERE a.state IN ('planned', 'validated', 'failed') ORDER BY a.id",
    )?;
    let mut rows = stmt.query([])?;
    let (mut out, mut uncertain) = (Vec::new(), Vec::new());
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        if only.is_some_and(|ids| !ids.contains(&id)) {
            continue;
        }
        let needs_validation: bool = r.get(13)?;
        let state: String = r.get(14)?;
        let dispatch: Option<String> = r.get(16)?;
        if dispatch.as_deref() == Some("sending") {
            uncertain.push(id);
            continue;
        }
        let takes = match state.as_str() {
            "validated" => true,
            "planned" => !needs_validation,
            _ => retry_failed,
        };
        if !takes || !matches!(dispatch.as_deref(), None | Some("failed")) {
            continue;
        }
        let channel: String = r.get(4)?;
        let list: Vec<(i64, String, String, i64)> = serde_json::from_str(&r.get::<_, String>(8)?)?;
        let invoices = list
            .into_iter()
            .map(|(i, n, due, units)| Ok((InvoiceId(i), n, parse_date(&due)?, from_units(units))))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let cur: String = r.get(9)?;
        out.push(SendableAction {
            id,
            kind: r.get(1)?,
            client_id: r.get(2)?,
            client_name: r.get(3)?,
            channel: Channel::parse(&channel).ok_or_else(|| StoreError::Decode(format!("channel {channel:?}")))?,
            tone: r.get(5)?,
            template_id: r.get(6)?,
            language: r.get(7)?,
            invoices,
            currency: Currency::parse(&cur).map_err(|e| StoreError::Decode(e.to_string()))?,
            amount: from_units(r.get(10)?),
            subject: r.get(11)?,
            body: r.get(12)?,
            needs_validation,
            state,
            planned_on: parse_date(&r.get::<_, String>(15)?)?,
        });
    }
    Ok((out, uncertain))
}

/// Claims an action for sending, in its own committed transaction with its audit entry: the
/// dispatch row becomes `sending` (one more attempt). Returns false, writing nothing, when the
/// action is no longer sendable (sent, cancelled, or claimed meanwhile).
pub fn begin_dispatch(d: &mut Dossier, action: i64, actor: &str, at: NaiveDateTime) -> Result<bool, StoreError> {
    let tx = d.conn.transaction()?;
    let row: Option<(String, bool, Option<String>)> = tx
        .prepare_cached(
            "SELECT a.state, a.needs_validation, x.state FROM dunning_actions a
             LEFT JOIN dunning_dispatch x ON x.action_id = a.id WHERE a.id = ?1",
        )?
        .query_row([action], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((state, needs_validation, dispatch)) = row else { return Ok(false) };
    let sendable = match state.as_str() {
        "validated" | "failed" => true,
        "planned" => !needs_validation,
        _ => false,
    };
    if !sendable || !matches!(dispatch.as_deref(), None | Some("failed")) {
        return Ok(false);
    }
    tx.prepare_cached(
        "INSERT INTO dunning_dispatch (action_id, state, attempts, started_at) VALUES (?1, 'sending', 1, ?2)
         ON CONFLICT(action_id) DO UPDATE SET state = 'sending', attempts = attempts + 1,
         started_at = excluded.started_at, finished_at = NULL",
    )?
    .execute(params![action, at_str(at)])?;
    let after = serde_json::json!({"from": state, "dispatch": "sending"}).to_string();
    insert_audit(
        &tx,
        at,
        actor,
        "dunning.dispatch_start",
        "dunning_action",
        Some(&action.to_string()),
        None,
        Some(&after),
    )?;
    tx.commit()?;
    Ok(true)
}

/// What came of sending one action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DispatchOutcome {
    /// The server or provider accepted the message.
    Sent {
        /// The email's Message-ID, or the provider's answer.
        message_id: String,
        /// The server's reply.
        detail: String,
    },
    /// A letter's PDF was saved, to print and post.
    ToPrint {
        /// Where.
        file: String,
    },
    /// Nothing was sent (or the channel could not say): the error message.
    Failed {
        /// The channel's error, as the user reads it.
        error: String,
    },
}

/// Finishes a claimed action, in its own transaction with its audit entry: the outbox state becomes
/// `sent` (also for a letter saved to print: its part is done, the dispatch row says `to_print`) or
/// `failed`, and the dispatch row keeps the message id, reply, error or file.
pub fn finish_dispatch(
    d: &mut Dossier,
    action: i64,
    outcome: &DispatchOutcome,
    actor: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let (state, dispatch, message_id, detail, file, audit_action) = match outcome {
        DispatchOutcome::Sent { message_id, detail } => {
            ("sent", "sent", Some(message_id.as_str()), Some(detail.as_str()), None, "dunning.sent")
        }
        DispatchOutcome::ToPrint { file } => ("sent", "to_print", None, None, Some(file.as_str()), "dunning.to_print"),
        DispatchOutcome::Failed { error } => {
            ("failed", "failed", None, Some(error.as_str()), None, "dunning.send_failed")
        }
    };
    let tx = d.conn.transaction()?;
    let n = tx
        .prepare_cached(
            "UPDATE dunning_dispatch SET state = ?2, message_id = ?3, detail = ?4, file_path = ?5, finished_at = ?6
             WHERE action_id = ?1 AND state = 'sending'",
        )?
        .execute(params![action, dispatch, message_id, detail, file, at_str(at)])?;
    if n == 0 {
        return Err(StoreError::Invalid(format!("dunning action {action} is not being sent")));
    }
    tx.prepare_cached("UPDATE dunning_actions SET state = ?2, updated_at = ?3 WHERE id = ?1")?.execute(params![
        action,
        state,
        at_str(at)
    ])?;
    let after = serde_json::json!({
        "state": state, "dispatch": dispatch, "messageId": message_id, "detail": detail, "file": file,
    })
    .to_string();
    insert_audit(&tx, at, actor, audit_action, "dunning_action", Some(&action.to_string()), None, Some(&after))?;
    tx.commit()?;
    Ok(())
}

/// Records the tracking number of a letter saved to print (an LRAR's La Poste number): the letter
/// becomes `posted`. Allowed again to correct a number; refused for anything that is not a letter
/// saved by a send.
pub fn record_tracking_number(
    d: &mut Dossier,
    action: i64,
    number: &str,
    actor: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let number = number.trim();
    if number.is_empty() {
        return Err(StoreError::Invalid("the tracking number is empty".into()));
    }
    let tx = d.conn.transaction()?;
    let row: Option<(Option<String>, Option<String>)> = tx
        .prepare_cached(
            "SELECT x.state, a.tracking_number FROM dunning_actions a
             LEFT JOIN dunning_dispatch x ON x.action_id = a.id WHERE a.id = ?1",
        )?
        .query_row([action], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((dispatch, before)) = row else {
        return Err(StoreError::Invalid(format!("no dunning action {action}")));
    };
    if !matches!(dispatch.as_deref(), Some("to_print") | Some("posted")) {
        return Err(StoreError::Invalid(format!(
            "dunning action {action} is not a letter saved to print (dispatch: {})",
            dispatch.as_deref().unwrap_or("none")
        )));
    }
    tx.prepare_cached("UPDATE dunning_actions SET tracking_number = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![action, number, at_str(at)])?;
    tx.prepare_cached("UPDATE dunning_dispatch SET state = 'posted' WHERE action_id = ?1")?.execute([action])?;
    let before = serde_json::json!({ "trackingNumber": before }).to_string();
    let after = serde_json::json!({ "trackingNumber": number, "dispatch": "posted" }).to_string();
    insert_audit(
        &tx,
        at,
        actor,
        "dunning.tracking_number",
        "dunning_action",
        Some(&action.to_string()),
        Some(&before),
        Some(&after),
    )?;
    tx.commit()?;
    Ok(())
}

/// One row of the dispatch journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DispatchRow {
    /// Outbox id.
    pub action_id: i64,
    /// Client name.
    pub client_name: String,
    /// Channel code.
    pub channel: String,
    /// Subject.
    pub subject: String,
    /// `sending`, `sent`, `failed`, `to_print`, `posted`.
    pub state: String,
    /// Attempts made.
    pub attempts: i64,
    /// Message-ID or provider answer.
    pub message_id: Option<String>,
    /// Server reply or error message.
    pub detail: Option<String>,
    /// The saved PDF.
    pub file_path: Option<String>,
    /// The letter's tracking number.
    pub tracking_number: Option<String>,
    /// When the last attempt ended.
    pub finished_at: Option<String>,
}

/// The dispatch journal (all, or one state), by action id.
pub fn dispatch_rows(d: &Dossier, state: Option<&str>) -> Result<Vec<DispatchRow>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT x.action_id, coalesce(c.name, ''), a.channel, a.subject, x.state, x.attempts, x.message_id,
                x.detail, x.file_path, a.tracking_number, x.finished_at
         FROM dunning_dispatch x JOIN dunning_actions a ON a.id = x.action_id
         LEFT JOIN clients c ON c.id = a.client_id
         WHERE ?1 IS NULL OR x.state = ?1 ORDER BY x.action_id",
    )?;
    let mut rows = stmt.query([state])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(DispatchRow {
            action_id: r.get(0)?,
            client_name: r.get(1)?,
            channel: r.get(2)?,
            subject: r.get(3)?,
            state: r.get(4)?,
            attempts: r.get(5)?,
            message_id: r.get(6)?,
            detail: r.get(7)?,
            file_path: r.get(8)?,
            tracking_number: r.get(9)?,
            finished_at: r.get(10)?,
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// What a letter needs.
// ---------------------------------------------------------------------------------------------

/// A client as a letter or a message addresses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientFacts {
    /// Legal name.
    pub name: String,
    /// SIREN, as stored.
    pub siren: Option<String>,
    /// Postal address.
    pub address: PostalAddress,
    /// People to contact (email, phone).
    pub contacts: Vec<Contact>,
    /// A natural person (consumer rules may apply).
    pub is_individual: bool,
    /// A collective procedure is recorded for the client.
    pub insolvent: bool,
}

/// The client's name, address and contacts; `None` when there is no such client.
pub fn client_facts(d: &Dossier, client: i64) -> Result<Option<ClientFacts>, StoreError> {
    let row: Option<(String, Option<String>, String, String, bool, bool)> = d
        .conn
        .prepare_cached(
            "SELECT name, siren, address_json, contacts_json, is_individual,
                    EXISTS (SELECT 1 FROM client_insolvency i WHERE i.client_id = clients.id)
             FROM clients WHERE id = ?1",
        )?
        .query_row([client], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .optional()?;
    let Some((name, siren, address, contacts, is_individual, insolvent)) = row else { return Ok(None) };
    Ok(Some(ClientFacts {
        name,
        siren,
        address: serde_json::from_str(&address)?,
        contacts: serde_json::from_str(&contacts)?,
        is_individual,
        insolvent,
    }))
}

/// An invoice as a letter lists it, with what was paid on it and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceFacts {
    /// Id.
    pub id: InvoiceId,
    /// Number (BT-1).
    pub number: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// Currency.
    pub currency: Currency,
    /// Amount due incl. VAT (BT-115).
    pub due_payable: Decimal,
    /// Still open.
    pub outstanding: Decimal,
    /// Allocations (payments and credit notes) with the day each was applied, oldest first.
    pub allocations: Vec<(NaiveDate, Decimal)>,
}

/// The invoices of these ids that exist, in the order given.
pub fn invoice_facts(d: &Dossier, ids: &[InvoiceId]) -> Result<Vec<InvoiceFacts>, StoreError> {
    let mut inv = d.conn.prepare_cached(
        "SELECT number, issue_date, due_date, currency, due_payable, outstanding FROM invoices WHERE id = ?1",
    )?;
    let mut alloc = d
        .conn
        .prepare_cached("SELECT applied_on, amount FROM allocations WHERE invoice_id = ?1 ORDER BY applied_on, id")?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let row: Option<(String, String, String, String, i64, i64)> = inv
            .query_row([id.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
            .optional()?;
        let Some((number, issue, due, cur, due_payable, outstanding)) = row else { continue };
        let mut allocations = Vec::new();
        let mut rows = alloc.query([id.0])?;
        while let Some(r) = rows.next()? {
            allocations.push((parse_date(&r.get::<_, String>(0)?)?, from_units(r.get(1)?)));
        }
        out.push(InvoiceFacts {
            id: *id,
            number,
            issue_date: parse_date(&issue)?,
            due_date: parse_date(&due)?,
            currency: Currency::parse(&cur).map_err(|e| StoreError::Decode(e.to_string()))?,
            due_payable: from_units(due_payable),
            outstanding: from_units(outstanding),
            allocations,
        });
    }
    Ok(out)
}
