//! Reversibility and personal data (issue 12 §2, §4): every table a user may want to take away, in
//! open form; everything the dossier holds about one client (RGPD art. 15, right of access); the
//! anonymisation of a client (art. 17) that keeps amounts and dates, so the ledger, the aged balance
//! and every analytic still add up; and the clients the retention policy may anonymise.
//!
//! Rows come out as [`Cell`]s: stored amounts (integer units) become exact decimals, never floats;
//! dates stay ISO text; the file formats are the application's business.

use std::collections::{BTreeMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{params_from_iter, Connection, OptionalExtension};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::amount::from_units;
use crate::dossier::{insert_audit, Dossier};
use crate::error::StoreError;

/// One value of an exported row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    /// No value.
    Null,
    /// An identifier, a count or a code.
    Integer(i64),
    /// Text, dates (ISO) and JSON documents as stored.
    Text(String),
    /// An amount (its currency is in the row's `currency` column), serialised as a decimal string.
    Amount(#[serde(with = "rust_decimal::serde::str")] Decimal),
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Null => Ok(()),
            Cell::Integer(i) => write!(f, "{i}"),
            Cell::Text(t) => f.write_str(t),
            Cell::Amount(d) => write!(f, "{d}"),
        }
    }
}

/// The tables of the reversibility export and of the right-of-access export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportTable {
    /// Clients with their identity, address, contacts and terms.
    Clients,
    /// Invoices and credit notes, with their last lifecycle status.
    Invoices,
    /// Every lifecycle status received (200–221, 500/501).
    LifecycleStatuses,
    /// Payments (bank credits) and their lettrage state.
    Payments,
    /// What settled what: payment or credit note → invoice.
    Allocations,
    /// Disputes, with the invoices they concern.
    Disputes,
    /// The timeline of each dispute (notes, calls, decisions).
    DisputeEvents,
    /// Payment promises.
    Promises,
    /// Dunning actions: reminders, letters, e-mails, SMS, with their rendered text.
    DunningActions,
    /// Phone tasks (calls) and what they gave.
    Calls,
    /// Notes typed about a client.
    ClientNotes,
    /// Daily risk scores.
    Scores,
    /// Risk alerts.
    ScoreAlerts,
    /// The audit journal.
    Audit,
}

impl ExportTable {
    /// The tables of `export all` (the ledger and its history; scores are derived and left out).
    pub const ALL: [ExportTable; 11] = [
        ExportTable::Clients,
        ExportTable::Invoices,
        ExportTable::LifecycleStatuses,
        ExportTable::Payments,
        ExportTable::Allocations,
        ExportTable::Disputes,
        ExportTable::DisputeEvents,
        ExportTable::Promises,
        ExportTable::DunningActions,
        ExportTable::Calls,
        ExportTable::Audit,
    ];

    /// Every table that can concern one client (the right-of-access export).
    pub const CLIENT: [ExportTable; 14] = [
        ExportTable::Clients,
        ExportTable::Invoices,
        ExportTable::LifecycleStatuses,
        ExportTable::Payments,
        ExportTable::Allocations,
        ExportTable::Disputes,
        ExportTable::DisputeEvents,
        ExportTable::Promises,
        ExportTable::DunningActions,
        ExportTable::Calls,
        ExportTable::ClientNotes,
        ExportTable::Scores,
        ExportTable::ScoreAlerts,
        ExportTable::Audit,
    ];

    /// The file / sheet / key name.
    pub fn name(self) -> &'static str {
        match self {
            ExportTable::Clients => "clients",
            ExportTable::Invoices => "invoices",
            ExportTable::LifecycleStatuses => "lifecycle_statuses",
            ExportTable::Payments => "payments",
            ExportTable::Allocations => "allocations",
            ExportTable::Disputes => "disputes",
            ExportTable::DisputeEvents => "dispute_events",
            ExportTable::Promises => "promises",
            ExportTable::DunningActions => "dunning_actions",
            ExportTable::Calls => "calls",
            ExportTable::ClientNotes => "client_notes",
            ExportTable::Scores => "scores",
            ExportTable::ScoreAlerts => "score_alerts",
            ExportTable::Audit => "audit_journal",
        }
    }

    /// The query (with `{w}` where the one-client condition goes) and the amount columns.
    fn spec(self) -> (&'static str, &'static [&'static str]) {
        match self {
            ExportTable::Clients => (
                "SELECT c.id, c.name, c.siren, c.siret, c.vat, c.legal_form, c.naf, c.segment, c.owner,
                        c.address_json AS address, c.contacts_json AS contacts, c.terms_json AS terms, c.currency,
                        c.since, c.is_individual, s.origin AS source, c.source_locator
                 FROM clients c JOIN sources s ON s.id = c.source_id WHERE {w} c.id = c.id ORDER BY c.id",
                &[],
            ),
            ExportTable::Invoices => (
                "SELECT i.id, i.client_id, i.number, i.type_code, i.kind, i.issue_date, i.due_date, i.delivery_date,
                        i.currency, i.tax_basis_total, i.tax_total, i.grand_total, i.due_payable, i.receivable,
                        i.outstanding,
                        (SELECT e.code FROM status_events e WHERE e.invoice_id = i.id ORDER BY e.at DESC, e.id DESC
                         LIMIT 1) AS last_status,
                        (SELECT e.at FROM status_events e WHERE e.invoice_id = i.id ORDER BY e.at DESC, e.id DESC
                         LIMIT 1) AS last_status_at,
                        ic.dunning_hold, coalesce(ic.not_collectable, 0) AS not_collectable,
                        ic.approved_amount, ic.disputed_amount, coalesce(ic.closed, 0) AS closed,
                        s.origin AS source, i.source_locator
                 FROM invoices i JOIN sources s ON s.id = i.source_id
                 LEFT JOIN invoice_collection ic ON ic.invoice_id = i.id
                 WHERE {w} i.client_id = i.client_id ORDER BY i.id",
                &[
                    "tax_basis_total",
                    "tax_total",
                    "grand_total",
                    "due_payable",
                    "receivable",
                    "outstanding",
                    "approved_amount",
                    "disputed_amount",
                ],
            ),
            ExportTable::LifecycleStatuses => (
                "SELECT e.id, e.invoice_id, i.number AS invoice_number, i.client_id, e.code, e.at, e.reason_code,
                        e.reason, e.action_code, e.action, e.amounts_json AS amounts, s.origin AS source,
                        e.source_locator
                 FROM status_events e JOIN invoices i ON i.id = e.invoice_id JOIN sources s ON s.id = e.source_id
                 WHERE {w} i.client_id = i.client_id ORDER BY e.id",
                &[],
            ),
            ExportTable::Payments => (
                "SELECT p.id, p.client_id, p.booked_on, p.value_date, p.currency, p.amount, p.unallocated,
                        p.payer_name, p.payer_iban, p.remittance, p.bank_reference, p.match_state,
                        s.origin AS source, p.source_locator
                 FROM payments p JOIN sources s ON s.id = p.source_id
                 WHERE {w} p.id = p.id ORDER BY p.id",
                &["amount", "unallocated"],
            ),
            ExportTable::Allocations => (
                "SELECT a.id, a.invoice_id, i.client_id, a.payment_id, a.credit_note_id, a.currency, a.amount,
                        a.applied_on
                 FROM allocations a JOIN invoices i ON i.id = a.invoice_id
                 WHERE {w} a.id = a.id ORDER BY a.id",
                &["amount"],
            ),
            ExportTable::Disputes => (
                "SELECT d.id, d.client_id, d.opened_on, d.reason, d.currency, d.disputed_amount, d.invoiced_amount,
                        d.state, d.resolved_on, d.origin, d.status_code, d.reason_code, d.reason_text, d.action_code,
                        d.action_text, d.outcome, d.note,
                        (SELECT group_concat(di.invoice_id, ' ') FROM dispute_invoices di WHERE di.dispute_id = d.id)
                          AS invoice_ids
                 FROM disputes d WHERE {w} d.id = d.id ORDER BY d.id",
                &["disputed_amount", "invoiced_amount"],
            ),
            ExportTable::DisputeEvents => (
                "SELECT v.id, v.dispute_id, d.client_id, v.at, v.kind, v.text, v.actor
                 FROM dispute_events v JOIN disputes d ON d.id = v.dispute_id WHERE {w} v.id = v.id ORDER BY v.id",
                &[],
            ),
            ExportTable::Promises => (
                "SELECT p.id, p.client_id, p.made_on, p.promised_for, p.currency, p.amount, p.state, p.channel,
                        (SELECT group_concat(pi.invoice_id, ' ') FROM promise_invoices pi WHERE pi.promise_id = p.id)
                          AS invoice_ids
                 FROM promises p WHERE {w} p.id = p.id ORDER BY p.id",
                &["amount"],
            ),
            ExportTable::DunningActions => (
                "SELECT a.id, a.client_id, a.kind, a.level, a.channel, a.tone, a.language, a.invoices_json AS invoices,
                        a.currency, a.amount, a.subject, a.body, a.state, a.outcome, a.planned_on, a.created_at,
                        a.updated_at, a.tracking_number
                 FROM dunning_actions a WHERE {w} a.id = a.id ORDER BY a.id",
                &["amount"],
            ),
            ExportTable::Calls => (
                "SELECT t.id, t.client_id, t.action_id, t.due_on, t.subject, t.body, t.state, t.outcome,
                        t.outcome_json AS outcome_detail, t.done_at
                 FROM phone_tasks t WHERE {w} t.id = t.id ORDER BY t.id",
                &[],
            ),
            ExportTable::ClientNotes => (
                "SELECT n.id, n.client_id, n.at, n.kind, n.author, n.text
                 FROM client_notes n WHERE {w} n.id = n.id ORDER BY n.id",
                &[],
            ),
            ExportTable::Scores => (
                "SELECT s.client_id, s.scored_on, s.score, s.grade, s.probability_bp, s.reasons_json AS reasons,
                        c.currency, s.suggested_limit, s.limit_rule, s.invoices_scored
                 FROM score_days dd CROSS JOIN client_scores s ON s.scored_on = dd.scored_on
                 JOIN clients c ON c.id = s.client_id
                 WHERE {w} s.client_id = s.client_id ORDER BY s.scored_on, s.client_id",
                &["suggested_limit"],
            ),
            ExportTable::ScoreAlerts => (
                "SELECT a.id, a.client_id, a.rule, a.raised_on, a.details, a.state, a.snoozed_until
                 FROM score_alerts a WHERE {w} a.id = a.id ORDER BY a.id",
                &[],
            ),
            ExportTable::Audit => (
                "SELECT l.seq, l.at, l.actor, l.action, l.entity, l.entity_id, l.before_json AS before,
                        l.after_json AS after
                 FROM audit_log l WHERE {w} l.seq = l.seq ORDER BY l.seq",
                &[],
            ),
        }
    }

    /// The condition selecting one client's rows (`?1` is the client id, `?2` … the audit patterns).
    fn client_condition(self) -> &'static str {
        match self {
            ExportTable::Clients => "c.id = ?1 AND",
            ExportTable::Invoices => "i.client_id = ?1 AND",
            ExportTable::LifecycleStatuses => "i.client_id = ?1 AND",
            ExportTable::Payments => "p.client_id = ?1 AND",
            ExportTable::Allocations => "i.client_id = ?1 AND",
            ExportTable::Disputes => "d.client_id = ?1 AND",
            ExportTable::DisputeEvents => "d.client_id = ?1 AND",
            ExportTable::Promises => "p.client_id = ?1 AND",
            ExportTable::DunningActions => "a.client_id = ?1 AND",
            ExportTable::Calls => "t.client_id = ?1 AND",
            ExportTable::ClientNotes => "n.client_id = ?1 AND",
            ExportTable::Scores => "s.client_id = ?1 AND",
            ExportTable::ScoreAlerts => "a.client_id = ?1 AND",
            // An entry about the client itself, or whose JSON names the client by id or by name.
            ExportTable::Audit => {
                "((l.entity = 'client' AND l.entity_id = CAST(?1 AS TEXT))
                  OR instr(coalesce(l.before_json, '') || coalesce(l.after_json, ''), ?2) > 0
                  OR instr(coalesce(l.before_json, '') || coalesce(l.after_json, ''), ?3) > 0
                  OR instr(coalesce(l.before_json, '') || coalesce(l.after_json, ''), ?4) > 0
                  OR instr(coalesce(l.before_json, '') || coalesce(l.after_json, ''), ?5) > 0) AND"
            }
        }
    }
}

/// The column names of a table's export, in row order.
pub fn columns(d: &Dossier, table: ExportTable) -> Result<Vec<String>, StoreError> {
    let sql = table.spec().0.replace("{w}", "");
    let stmt = d.conn.prepare(&sql)?;
    Ok(stmt.column_names().map(str::to_owned).collect())
}

/// Streams the rows of one table, all of them or one client's, in id order, with the columns of
/// [`columns`]. Returns the row count.
pub fn for_each_row(
    d: &Dossier,
    table: ExportTable,
    client: Option<i64>,
    mut row: impl FnMut(Vec<Cell>) -> Result<(), StoreError>,
) -> Result<u64, StoreError> {
    let (sql, amounts) = table.spec();
    let sql = sql.replace("{w}", if client.is_some() { table.client_condition() } else { "" });
    let mut stmt = d.conn.prepare(&sql)?;
    let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    let is_amount: Vec<bool> = names.iter().map(|n| amounts.contains(&n.as_str())).collect();
    let mut params: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(id) = client {
        params.push(id.into());
        // Parameters used by the audit condition only; a statement without them ignores nothing,
        // so they are bound only when the query has them.
        if table == ExportTable::Audit {
            let name: Option<String> =
                d.conn.query_row("SELECT name FROM clients WHERE id = ?1", [id], |r| r.get(0)).optional()?;
            params.push(format!("\"client\":{id},").into());
            params.push(format!("\"client\":{id}}}").into());
            params.push(format!("\"client_id\":{id},").into());
            params.push(name.filter(|n| n.len() >= 3).unwrap_or_else(|| format!("\"clientId\":{id},")).into());
        }
    }
    let mut rows = stmt.query(params_from_iter(params.iter()))?;
    let mut n = 0u64;
    while let Some(r) = rows.next()? {
        let mut cells = Vec::with_capacity(names.len());
        for (i, amount) in is_amount.iter().enumerate() {
            use rusqlite::types::ValueRef;
            cells.push(match r.get_ref(i)? {
                ValueRef::Null => Cell::Null,
                ValueRef::Integer(v) if *amount => Cell::Amount(from_units(v)),
                ValueRef::Integer(v) => Cell::Integer(v),
                // No column of the dossier is REAL; kept as written rather than dropped.
                ValueRef::Real(v) => Cell::Text(v.to_string()),
                ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(_) => Cell::Null,
            });
        }
        row(cells)?;
        n += 1;
    }
    Ok(n)
}

/// True when the client exists.
pub fn client_exists(d: &Dossier, client: i64) -> Result<bool, StoreError> {
    Ok(d.conn.query_row("SELECT EXISTS (SELECT 1 FROM clients WHERE id = ?1)", [client], |r| r.get(0))?)
}

/// When a client was anonymised, when it was: `(at, reason, pseudonym)`.
pub fn anonymisation(d: &Dossier, client: i64) -> Result<Option<(String, String, String)>, StoreError> {
    Ok(d.conn
        .query_row("SELECT at, reason, pseudonym FROM client_anonymisations WHERE client_id = ?1", [client], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?)
}

/// An original file or piece of evidence about a client (its content stays in the dossier).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientDocument {
    /// `invoice` (the original of an invoice) or `evidence` (attached to a dispute).
    pub kind: String,
    /// The invoice or dispute it belongs to.
    pub record_id: i64,
    /// The file name.
    pub file_name: String,
    /// Its media type.
    pub media_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// Its SHA-256 (how `encours` finds it).
    pub sha256: String,
}

/// The originals of a client's invoices and the evidence of its disputes.
pub fn client_documents(d: &Dossier, client: i64) -> Result<Vec<ClientDocument>, StoreError> {
    let mut stmt = d.conn.prepare(
        "SELECT 'invoice', i.id, doc.file_name, doc.media_type, doc.size, doc.sha256
         FROM invoices i JOIN documents doc ON doc.id = i.document_id WHERE i.client_id = ?1
         UNION ALL
         SELECT 'evidence', e.dispute_id, e.file_name, e.media_type, e.size, e.sha256
         FROM dispute_evidence e JOIN disputes x ON x.id = e.dispute_id WHERE x.client_id = ?1
         ORDER BY 1, 2",
    )?;
    let rows = stmt.query_map([client], |r| {
        Ok(ClientDocument {
            kind: r.get(0)?,
            record_id: r.get(1)?,
            file_name: r.get(2)?,
            media_type: r.get(3)?,
            size: r.get(4)?,
            sha256: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

// ---------------------------------------------------------------------------------------------
// Anonymisation.
// ---------------------------------------------------------------------------------------------

/// Why a client is anonymised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnonymiseReason {
    /// The person asked for it (RGPD art. 17).
    Request,
    /// The retention policy: no open item and no activity past the prescription period plus a margin.
    Retention,
}

impl AnonymiseReason {
    fn code(self) -> &'static str {
        match self {
            AnonymiseReason::Request => "request",
            AnonymiseReason::Retention => "retention",
        }
    }
}

/// What an anonymisation changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AnonymiseOutcome {
    /// The clients anonymised, with their pseudonyms.
    pub clients: Vec<(i64, String)>,
    /// Text values rewritten across the dossier (personal data replaced by pseudonyms).
    pub values_rewritten: u64,
    /// Original files and evidence replaced by a placeholder.
    pub documents_blanked: u64,
    /// Audit journal entries whose text named the client and was redacted.
    pub audit_entries_redacted: u64,
}

/// The stable pseudonym of a client: its id, never anything derived from its data.
pub fn pseudonym(client: i64) -> String {
    format!("ANON-{client:06}")
}

/// What replaces a free-text note.
const REDACTED: &str = "[anonymisé]";

/// Placeholder content of an original file or piece of evidence that named the client.
const BLANKED: &str = "[pièce supprimée : anonymisation RGPD]";

/// Anonymises clients in one transaction (all or none): their names, addresses, contacts,
/// identifiers, payer names and IBANs, free-text notes, the rendered text of their letters, their
/// original files and evidence are replaced by stable pseudonyms or placeholders; amounts, dates,
/// codes and every link between records stay, so totals and the aged balance are unchanged. Every
/// text of the dossier that still names them (sources, statuses, other records, the audit journal)
/// is rewritten. One audit entry per client records the anonymisation (not the data).
///
/// The audit journal is append-only: its update triggers are lifted for the redaction only, inside
/// this transaction, and put back from their own definitions before it commits.
pub fn anonymise_clients(
    d: &mut Dossier,
    clients: &[i64],
    reason: AnonymiseReason,
    actor: &str,
    at: NaiveDateTime,
) -> Result<AnonymiseOutcome, StoreError> {
    // The replaced values must not survive in the file's free space or in the WAL (decrypted, an
    // old page would still hold them): SQLite zeroes what it frees while `secure_delete` is on, and
    // the WAL is folded into the file and truncated once the change has committed.
    let secure_before: i64 = d.conn.query_row("PRAGMA secure_delete", [], |r| r.get(0))?;
    d.conn.execute_batch("PRAGMA secure_delete = ON;")?;
    let result = anonymise_in_transaction(d, clients, reason, actor, at);
    let _ = d.conn.execute_batch(&format!("PRAGMA secure_delete = {secure_before};"));
    let out = result?;
    // A reader elsewhere (a backup running) may keep the checkpoint from completing; the pages it
    // could not copy are overwritten by later checkpoints. Best effort, never an error.
    let _ = d.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    Ok(out)
}

fn anonymise_in_transaction(
    d: &mut Dossier,
    clients: &[i64],
    reason: AnonymiseReason,
    actor: &str,
    at: NaiveDateTime,
) -> Result<AnonymiseOutcome, StoreError> {
    let tx = d.conn.transaction()?;
    let mut out = AnonymiseOutcome::default();
    let mut replacements: Vec<(String, String)> = Vec::new();
    for &client in clients {
        let row: Option<ClientIdentity> = tx
            .query_row(
                "SELECT name, siren, siret, vat, address_json, contacts_json FROM clients WHERE id = ?1",
                [client],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .optional()?;
        let Some((name, siren, siret, vat, address_json, contacts_json)) = row else {
            return Err(StoreError::Invalid(format!("no client {client}")));
        };
        let done: bool =
            tx.query_row("SELECT EXISTS (SELECT 1 FROM client_anonymisations WHERE client_id = ?1)", [client], |r| {
                r.get(0)
            })?;
        if done {
            return Err(StoreError::Invalid(format!("client {client} is already anonymised")));
        }
        let pseudo = pseudonym(client);
        let mut personal: Vec<(String, String)> = vec![(name.clone(), pseudo.clone())];
        for id in [siren, siret, vat].into_iter().flatten() {
            personal.push((id, pseudo.clone()));
        }
        // The address: street lines, postcode and city go; the country stays (analytics by country).
        let mut address: serde_json::Value = serde_json::from_str(&address_json)?;
        if let Some(lines) = address.get("lines").and_then(|l| l.as_array()) {
            for line in lines.iter().filter_map(|l| l.as_str()) {
                personal.push((line.to_owned(), pseudo.clone()));
            }
        }
        if let Some(obj) = address.as_object_mut() {
            obj.insert("lines".into(), serde_json::json!([]));
            obj.insert("postcode".into(), serde_json::json!(""));
            obj.insert("city".into(), serde_json::json!(""));
        }
        // Contacts: names, e-mails and phones become "Contact k" and an address in `.invalid`.
        let mut contacts: serde_json::Value = serde_json::from_str(&contacts_json)?;
        if let Some(list) = contacts.as_array_mut() {
            for (k, c) in list.iter_mut().enumerate() {
                let Some(obj) = c.as_object_mut() else { continue };
                let contact = format!("Contact {} {pseudo}", k + 1);
                let email = format!("{}-{}@anonyme.invalid", pseudo.to_lowercase(), k + 1);
                for (field, replacement) in
                    [("name", contact.clone()), ("email", email.clone()), ("phone", pseudo.clone())]
                {
                    if let Some(v) = obj.get(field).and_then(|v| v.as_str()) {
                        personal.push((v.to_owned(), replacement.clone()));
                    }
                }
                obj.insert("name".into(), serde_json::json!(contact));
                if obj.get("email").is_some_and(|v| !v.is_null()) {
                    obj.insert("email".into(), serde_json::json!(email));
                }
                if obj.contains_key("phone") {
                    obj.insert("phone".into(), serde_json::Value::Null);
                }
            }
        }
        // What the bank said about the payer, and what matching learned from it.
        let mut stmt = tx.prepare(
            "SELECT payer_name FROM payments WHERE client_id = ?1 AND payer_name IS NOT NULL
             UNION SELECT payer_iban FROM payments WHERE client_id = ?1 AND payer_iban IS NOT NULL
             UNION SELECT value FROM payer_memory WHERE client_id = ?1",
        )?;
        for v in stmt.query_map([client], |r| r.get::<_, String>(0))? {
            personal.push((v?, pseudo.clone()));
        }
        drop(stmt);

        tx.execute(
            "UPDATE clients SET name = ?2, siren = NULL, siret = NULL, vat = NULL, address_json = ?3,
                    contacts_json = ?4 WHERE id = ?1",
            rusqlite::params![client, pseudo, address.to_string(), contacts.to_string()],
        )?;
        tx.execute(
            "UPDATE payments SET payer_name = CASE WHEN payer_name IS NULL THEN NULL ELSE ?2 END, payer_iban = NULL
             WHERE client_id = ?1",
            rusqlite::params![client, pseudo],
        )?;
        tx.execute("DELETE FROM payer_memory WHERE client_id = ?1", [client])?;
        // Free-text notes go whole: nobody can list every way a note may name a person.
        let free_text = [
            "UPDATE disputes SET note = '' WHERE client_id = ?1",
            "UPDATE dispute_events SET text = ?2 WHERE dispute_id IN (SELECT id FROM disputes WHERE client_id = ?1)",
            "UPDATE dispute_evidence SET note = '', file_name = 'piece-' || id || '.txt'
             WHERE dispute_id IN (SELECT id FROM disputes WHERE client_id = ?1)",
            "UPDATE client_notes SET text = ?2 WHERE client_id = ?1",
            "UPDATE dunning_actions SET body = ?2 WHERE client_id = ?1",
            "UPDATE phone_tasks SET body = ?2 WHERE client_id = ?1",
            "UPDATE dunning_overrides SET reason = ?2 WHERE client_id = ?1",
            "UPDATE client_insolvency SET note = ?2 WHERE client_id = ?1",
            "UPDATE score_alerts SET details = ?2 WHERE client_id = ?1",
        ];
        for sql in free_text {
            let mut stmt = tx.prepare(sql)?;
            let n = if sql.contains("?2") {
                stmt.execute(rusqlite::params![client, REDACTED])?
            } else {
                stmt.execute([client])?
            };
            out.values_rewritten += n as u64;
        }
        // Originals and evidence: the client's invoice files (unless another client's invoice or a
        // bank statement shares them) and its disputes' evidence.
        let blank: Vec<i64> = {
            let mut stmt = tx.prepare(
                "SELECT id FROM documents
                 WHERE (id IN (SELECT document_id FROM invoices WHERE client_id = ?1 AND document_id IS NOT NULL)
                        OR id IN (SELECT e.document_id FROM dispute_evidence e JOIN disputes d ON d.id = e.dispute_id
                                  WHERE d.client_id = ?1))
                   AND id NOT IN (SELECT document_id FROM invoices WHERE client_id <> ?1 AND document_id IS NOT NULL)
                   AND id NOT IN (SELECT document_id FROM bank_statements)",
            )?;
            let ids = stmt.query_map([client], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
            ids
        };
        for id in blank {
            // One placeholder per document (the SHA-256 is unique and is checked when a file is read).
            let content = format!("{BLANKED} document {id}");
            let sha = {
                use sha2::Digest;
                hex::encode(sha2::Sha256::digest(content.as_bytes()))
            };
            tx.execute(
                "UPDATE documents SET content = ?2, encoding = NULL, size = ?3, media_type = 'text/plain',
                        file_name = 'anonymised-' || id || '.txt', sha256 = ?4 WHERE id = ?1",
                rusqlite::params![id, content.as_bytes(), content.len() as i64, sha],
            )?;
            out.documents_blanked += 1;
        }
        tx.execute(
            "UPDATE dispute_evidence SET sha256 = (SELECT sha256 FROM documents WHERE id = document_id),
                    size = (SELECT size FROM documents WHERE id = document_id),
                    media_type = (SELECT media_type FROM documents WHERE id = document_id)
             WHERE dispute_id IN (SELECT id FROM disputes WHERE client_id = ?1)",
            [client],
        )?;
        tx.execute(
            "INSERT INTO client_anonymisations (client_id, at, reason, pseudonym) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![client, at.format("%Y-%m-%dT%H:%M:%S").to_string(), reason.code(), pseudo],
        )?;
        out.clients.push((client, pseudo));
        replacements.extend(personal);
    }
    let head_before = audit_head(&tx)?;
    let replacements = Replacements::new(replacements);
    let (rewritten, audit) = sweep(&tx, &replacements)?;
    out.values_rewritten += rewritten;
    out.audit_entries_redacted = audit;
    for (client, pseudo) in &out.clients {
        let after = serde_json::json!({
            "reason": reason.code(),
            "pseudonym": pseudo,
            "documentsBlanked": out.documents_blanked,
            "auditEntriesRedacted": out.audit_entries_redacted,
            // A redaction rewrites the chain from the first redacted entry: the head before it is
            // recorded here, so a head noted earlier is accounted for.
            "auditHeadBefore": head_before.as_ref().map(|(seq, hash)| serde_json::json!({"seq": seq, "hash": hash})),
        });
        insert_audit(
            &tx,
            at,
            actor,
            "client.anonymise",
            "client",
            Some(&client.to_string()),
            None,
            Some(&after.to_string()),
        )?;
    }
    tx.commit()?;
    Ok(out)
}

/// A client's name, SIREN, SIRET, VAT number, address JSON and contacts JSON, as stored.
type ClientIdentity = (String, Option<String>, Option<String>, Option<String>, String, String);

/// A row to rewrite: its key values, and the new text of each changed column (by position).
type RowChange = (Vec<rusqlite::types::Value>, Vec<(usize, String)>);

/// The personal strings to replace, longest first (a name inside a longer one goes with it).
struct Replacements {
    pairs: Vec<(String, String)>,
    /// The first word of each needle, to skip quickly the texts that contain none.
    first_words: HashSet<String>,
}

impl Replacements {
    fn new(raw: Vec<(String, String)>) -> Replacements {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut seen = HashSet::new();
        for (needle, with) in raw {
            let needle = needle.trim().to_owned();
            // Too short to be told from an ordinary word or number: replaced in its own fields only.
            if needle.chars().count() < 4 || needle == with {
                continue;
            }
            for variant in [needle.clone(), needle.to_uppercase(), needle.to_lowercase()] {
                if seen.insert(variant.clone()) {
                    pairs.push((variant, with.clone()));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        let first_words = pairs.iter().filter_map(|(n, _)| words(n).next().map(str::to_owned)).collect();
        Replacements { pairs, first_words }
    }

    /// The text with every needle replaced where it stands as whole words; None when unchanged.
    fn apply(&self, text: &str) -> Option<String> {
        if !words(text).any(|w| self.first_words.contains(w)) {
            return None;
        }
        let mut current = text.to_owned();
        let mut changed = false;
        for (needle, with) in &self.pairs {
            if let Some(next) = replace_words(&current, needle, with) {
                current = next;
                changed = true;
            }
        }
        changed.then_some(current)
    }
}

/// The alphanumeric runs of a text.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

/// Replaces `needle` where it is not glued to a letter or digit on either side ("Bois" is not
/// replaced inside "Boissons"); None when nothing was replaced.
fn replace_words(text: &str, needle: &str, with: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(pos) = rest.find(needle) {
        let before = rest.get(..pos).and_then(|b| b.chars().next_back());
        let after = rest.get(pos + needle.len()..).and_then(|a| a.chars().next());
        let glued = |c: Option<char>, edge: Option<char>| {
            c.is_some_and(|c| c.is_alphanumeric()) && edge.is_some_and(|e| e.is_alphanumeric())
        };
        let first = needle.chars().next();
        let last = needle.chars().next_back();
        let advance = pos + needle.len();
        if glued(before, first) || glued(after, last) {
            out.push_str(rest.get(..advance).unwrap_or(rest));
        } else {
            out.push_str(rest.get(..pos).unwrap_or_default());
            out.push_str(with);
            changed = true;
        }
        rest = rest.get(advance..).unwrap_or_default();
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// Rewrites every text value of every table that names a client being anonymised. Returns the
/// values rewritten outside the journal and the journal entries redacted.
fn sweep(conn: &Connection, replacements: &Replacements) -> Result<(u64, u64), StoreError> {
    if replacements.pairs.is_empty() {
        return Ok((0, 0));
    }
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         AND name NOT IN ('client_anonymisations') ORDER BY name",
    )?;
    let tables = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    drop(stmt);
    let mut rewritten = 0;
    let mut audit = 0;
    for table in tables {
        let quoted = format!("\"{}\"", table.replace('"', "\"\""));
        let mut info = conn.prepare(&format!("PRAGMA table_info({quoted})"))?;
        let columns: Vec<(String, String, i64)> = info
            .query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(5)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        drop(info);
        let text: Vec<&String> = columns
            .iter()
            .filter(|(_, ty, _)| ty.eq_ignore_ascii_case("TEXT") || ty.is_empty())
            .map(|c| &c.0)
            .collect();
        if text.is_empty() {
            continue;
        }
        let mut key: Vec<(i64, &String)> = columns.iter().filter(|c| c.2 > 0).map(|c| (c.2, &c.0)).collect();
        key.sort();
        let key: Vec<String> =
            if key.is_empty() { vec!["rowid".to_owned()] } else { key.into_iter().map(|k| k.1.clone()).collect() };
        let q = |c: &str| format!("\"{}\"", c.replace('"', "\"\""));
        let select = format!(
            "SELECT {}, {} FROM {quoted}",
            key.iter().map(|k| if k == "rowid" { k.clone() } else { q(k) }).collect::<Vec<_>>().join(", "),
            text.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
        );
        // Collect the changes first (a statement reading the table stays open while it is read).
        let mut changes: Vec<RowChange> = Vec::new();
        {
            let mut stmt = conn.prepare(&select)?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let mut changed = Vec::new();
                for (i, _) in text.iter().enumerate() {
                    if let rusqlite::types::ValueRef::Text(t) = r.get_ref(key.len() + i)? {
                        if let Some(new) = std::str::from_utf8(t).ok().and_then(|t| replacements.apply(t)) {
                            changed.push((i, new));
                        }
                    }
                }
                if !changed.is_empty() {
                    let ids =
                        (0..key.len()).map(|i| r.get::<_, rusqlite::types::Value>(i)).collect::<Result<Vec<_>, _>>()?;
                    changes.push((ids, changed));
                }
            }
        }
        if changes.is_empty() {
            continue;
        }
        // The journal refuses updates: its BEFORE UPDATE triggers are lifted for the redaction and
        // recreated from their stored definitions, in this same transaction.
        let lifted: Vec<(String, String)> = if table == "audit_log" {
            let mut stmt = conn.prepare(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'
                 AND sql LIKE '%BEFORE UPDATE%'",
            )?;
            let found = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            for (name, _) in &found {
                conn.execute_batch(&format!("DROP TRIGGER {}", q(name)))?;
            }
            found
        } else {
            Vec::new()
        };
        let where_key = key
            .iter()
            .enumerate()
            .map(|(i, k)| format!("{} = ?{}", if k == "rowid" { k.clone() } else { q(k) }, i + 1));
        let where_key = where_key.collect::<Vec<_>>().join(" AND ");
        for (ids, changed) in &changes {
            let sets = changed
                .iter()
                .enumerate()
                .map(|(j, (i, _))| format!("{} = ?{}", q(text[*i]), key.len() + j + 1))
                .collect::<Vec<_>>()
                .join(", ");
            let mut params: Vec<rusqlite::types::Value> = ids.clone();
            params.extend(changed.iter().map(|(_, v)| rusqlite::types::Value::Text(v.clone())));
            conn.prepare_cached(&format!("UPDATE {quoted} SET {sets} WHERE {where_key}"))?
                .execute(params_from_iter(params.iter()))?;
            if table == "audit_log" {
                audit += 1;
            } else {
                rewritten += changed.len() as u64;
            }
        }
        if table == "audit_log" {
            let first = changes.iter().filter_map(|(ids, _)| match ids.first() {
                Some(rusqlite::types::Value::Integer(seq)) => Some(*seq),
                _ => None,
            });
            if let Some(first) = first.min() {
                rechain_from(conn, first)?;
            }
        }
        for (_, sql) in lifted {
            conn.execute_batch(&sql)?;
        }
    }
    Ok((rewritten, audit))
}

/// Recomputes the journal's hash chain from entry `first` to the head, after the redaction of
/// entries that named an anonymised client (see [`crate::audit`]). The anonymisation's own entry,
/// written next, records the head as it was before, so a head noted elsewhere earlier is explained.
fn rechain_from(conn: &Connection, first: i64) -> Result<(), StoreError> {
    use crate::audit::{entry_hash, Fields, GENESIS};
    let mut prev: Vec<u8> = conn
        .query_row("SELECT hash FROM audit_log WHERE seq < ?1 ORDER BY seq DESC LIMIT 1", [first], |r| {
            r.get::<_, Option<Vec<u8>>>(0)
        })
        .optional()?
        .flatten()
        .unwrap_or_else(|| GENESIS.to_vec());
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, entity, entity_id, before_json, after_json FROM audit_log
         WHERE seq >= ?1 ORDER BY seq",
    )?;
    type Entry = (i64, String, String, String, String, Option<String>, Option<String>, Option<String>);
    let rows = stmt
        .query_map([first], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
        })?
        .collect::<Result<Vec<Entry>, _>>()?;
    drop(stmt);
    let mut update = conn.prepare("UPDATE audit_log SET prev_hash = ?2, hash = ?3 WHERE seq = ?1")?;
    for (seq, at, actor, action, entity, entity_id, before, after) in rows {
        let fields = Fields {
            at: &at,
            actor: &actor,
            action: &action,
            entity: &entity,
            entity_id: entity_id.as_deref(),
            before: before.as_deref(),
            after: after.as_deref(),
        };
        let hash = entry_hash(&prev, &fields);
        update.execute(rusqlite::params![seq, prev, &hash[..]])?;
        prev = hash.to_vec();
    }
    Ok(())
}

/// The journal's head `(seq, hash hex)` (what `audit verify` reports), if any.
fn audit_head(conn: &Connection) -> Result<Option<(i64, String)>, StoreError> {
    Ok(conn
        .query_row("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Option<Vec<u8>>>(1)?))
        })
        .optional()?
        .map(|(seq, hash)| (seq, hash.map(hex::encode).unwrap_or_default())))
}

// ---------------------------------------------------------------------------------------------
// Retention.
// ---------------------------------------------------------------------------------------------

/// A client the retention policy may anonymise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RetentionCandidate {
    /// Its id.
    pub client_id: i64,
    /// Its name (shown in a dry run, so the user sees who goes).
    pub name: String,
    /// The last day anything happened with it (invoice, due date, payment, status, reminder,
    /// dispute, promise, note), or the day it was first known.
    pub last_activity: NaiveDate,
}

/// Clients not yet anonymised, with nothing open (no invoice or credit note with an open amount, no
/// unallocated payment, no unresolved dispute, no pending promise) and no activity on or after
/// `cutoff`.
pub fn retention_candidates(d: &Dossier, cutoff: NaiveDate) -> Result<Vec<RetentionCandidate>, StoreError> {
    let mut stmt = d.conn.prepare(
        "WITH activity (client_id, day) AS (
             SELECT client_id, max(issue_date, due_date) FROM invoices
             UNION ALL SELECT client_id, booked_on FROM payments WHERE client_id IS NOT NULL
             UNION ALL SELECT i.client_id, a.applied_on FROM allocations a JOIN invoices i ON i.id = a.invoice_id
             UNION ALL SELECT i.client_id, substr(e.at, 1, 10) FROM status_events e JOIN invoices i ON i.id = e.invoice_id
             UNION ALL SELECT client_id, substr(created_at, 1, 10) FROM dunning_actions
             UNION ALL SELECT client_id, max(opened_on, coalesce(resolved_on, '')) FROM disputes
             UNION ALL SELECT client_id, max(made_on, promised_for) FROM promises
             UNION ALL SELECT client_id, substr(at, 1, 10) FROM client_notes
             UNION ALL SELECT client_id, substr(coalesce(done_at, due_on), 1, 10) FROM phone_tasks
             UNION ALL SELECT id, since FROM clients
         )
         SELECT c.id, c.name, max(a.day) AS last FROM clients c JOIN activity a ON a.client_id = c.id
         WHERE c.id NOT IN (SELECT client_id FROM client_anonymisations)
           AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.client_id = c.id AND i.outstanding <> 0)
           AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.client_id = c.id AND p.unallocated <> 0)
           AND NOT EXISTS (SELECT 1 FROM disputes x WHERE x.client_id = c.id AND x.resolved_on IS NULL)
           AND NOT EXISTS (SELECT 1 FROM promises p WHERE p.client_id = c.id AND p.state = 'pending')
         GROUP BY c.id HAVING last < ?1 ORDER BY c.id",
    )?;
    let rows = stmt.query_map([cutoff.to_string()], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (client_id, name, last) = row?;
        let last_activity = last.get(..10).unwrap_or(&last).parse().map_err(|e: chrono::ParseError| {
            StoreError::Decode(format!("client {client_id}: last activity {last:?}: {e}"))
        })?;
        out.push(RetentionCandidate { client_id, name, last_activity });
    }
    Ok(out)
}

/// Every text value of the dossier, table by table (`table.column` → values), for tests and audits
/// that must prove a name is gone from the decrypted file.
pub fn all_text_values(d: &Dossier) -> Result<BTreeMap<String, Vec<String>>, StoreError> {
    let mut stmt =
        d.conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")?;
    let tables = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    let mut out = BTreeMap::new();
    for table in tables {
        let quoted = format!("\"{}\"", table.replace('"', "\"\""));
        let mut info = d.conn.prepare(&format!("PRAGMA table_info({quoted})"))?;
        let columns = info.query_map([], |r| r.get::<_, String>(1))?.collect::<Result<Vec<_>, _>>()?;
        for column in columns {
            let mut s = d.conn.prepare(&format!("SELECT \"{}\" FROM {quoted}", column.replace('"', "\"\"")))?;
            let mut rows = s.query([])?;
            let mut values = Vec::new();
            while let Some(r) = rows.next()? {
                match r.get_ref(0)? {
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                        values.push(String::from_utf8_lossy(t).into_owned())
                    }
                    _ => {}
                }
            }
            out.insert(format!("{table}.{column}"), values);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_only() {
        assert_eq!(replace_words("Bois & Cie, Boissons Bois", "Bois", "X").as_deref(), Some("X & Cie, Boissons X"));
        assert_eq!(replace_words("Boissons", "Bois", "X"), None);
        assert_eq!(replace_words("a jean.dupont@x.fr b", "jean.dupont@x.fr", "E").as_deref(), Some("a E b"));
        let r = Replacements::new(vec![("Dupont SARL".into(), "ANON".into()), ("ab".into(), "ANON".into())]);
        assert_eq!(r.apply("chez DUPONT SARL, Dupont SARL").as_deref(), Some("chez ANON, ANON"));
        assert_eq!(r.apply("ab ab"), None, "needles under 4 characters are not swept");
    }
}
