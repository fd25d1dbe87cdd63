//! Importing what tells Encours that money moved or that an invoice's status changed: bank
//! statements (camt.053 / camt.054 / CFONB 120) and CDAR lifecycle messages. Each file is one unit
//! of work (one transaction, one audit entry); the original is kept as evidence.
//!
//! A bank credit line becomes an unmatched payment (the lettrage is [`crate::matching`]); a debit
//! line is not a receivable and is only counted. The same bank line arriving in another file (the
//! camt.054 of the day, then the camt.053 of the month) is recognised by its line key and stored
//! once. A lifecycle status is attached to its invoice by number, issue date and seller SIREN
//! (legal-rules B.2); a status whose invoice is not in the dossier yet waits for it.

use chrono::NaiveDateTime;
use encours_domain::{Payment, Source, StatusEvent};
use encours_readers::bank::{BankEntry, BankFile, Statement};
use encours_readers::lifecycle::{Acknowledgement, CdarMessage};
use encours_store::money_in::{PendingStatus, StatementRecord};
use encours_store::{Dossier, LedgerWriter, StoreError};

use crate::error::ApiError;
use crate::import::{ImportFileReport, ImportOutcome};
use crate::lifecycle::apply_status;

/// The key that recognises one bank line across files: account, booking date, signed amount,
/// bank reference and remittance text.
fn line_key(statement: &Statement, e: &BankEntry) -> String {
    let account = statement
        .account_iban
        .as_ref()
        .map(|i| i.as_str().to_owned())
        .or_else(|| statement.account_other.clone())
        .unwrap_or_default();
    let sign = if e.credit { "" } else { "-" };
    format!(
        "{account}|{}|{sign}{}|{}|{}|{}",
        e.booking_date.or(e.value_date).map(|d| d.to_string()).unwrap_or_default(),
        e.amount.amount.normalize(),
        e.reference.as_deref().unwrap_or_default(),
        e.end_to_end_id.as_deref().unwrap_or_default(),
        texts(e).join(" / ")
    )
}

/// The label, the remittance text and the structured references of a line, in that order.
pub(crate) fn texts(e: &BankEntry) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in e.label.iter().chain(e.remittance.iter()).chain(e.structured_refs.iter()) {
        let t = t.trim();
        if !t.is_empty() && !out.iter().any(|o| o == t) {
            out.push(t.to_owned());
        }
    }
    out
}

/// A report line of a file that is not an e-invoice (no invoice number, no client).
pub(crate) fn report(label: &str, outcome: ImportOutcome, message: String) -> ImportFileReport {
    ImportFileReport {
        file: label.to_owned(),
        outcome,
        invoice_number: None,
        client: None,
        new_client: false,
        message,
        warnings: 0,
    }
}

/// What one bank file brought.
#[derive(Default)]
struct BankCounts {
    credits: u32,
    debits: u32,
    known: u32,
    not_booked: u32,
}

/// Imports a bank file already read. `sha` is the file's content hash.
pub(crate) fn import_bank(
    dossier: &mut Dossier,
    label: &str,
    file_name: &str,
    bytes: &[u8],
    sha: &str,
    bank: &BankFile,
    now: NaiveDateTime,
) -> Result<ImportFileReport, ApiError> {
    let mut writer = dossier.writer(bank.format, now)?;
    if let Some((_, first)) = writer.document_by_hash(sha)? {
        return Ok(report(label, ImportOutcome::Duplicate, format!("this file was already imported (as {first})")));
    }
    let media_type = if bytes.first() == Some(&b'<') || bytes.starts_with(b"\xEF\xBB\xBF<") {
        "application/xml"
    } else {
        "text/plain"
    };
    let document = writer.document(sha, file_name, media_type, bytes)?;
    let mut counts = BankCounts::default();
    for statement in &bank.statements {
        store_statement(&mut writer, label, document, bank.format, statement, &mut counts)?;
    }
    let warnings = bank.diagnostics.iter().filter(|d| d.level != encours_readers::einvoice::Level::Info).count();
    writer.commit(
        "user",
        "import.bank",
        serde_json::json!({
            "file": label, "sha256": sha, "format": bank.format, "credits": counts.credits,
            "debits": counts.debits, "known": counts.known, "not_booked": counts.not_booked,
        }),
    )?;
    let mut message = format!(
        "{} statement(s): {} credit line(s) recorded as payments to match, {} debit line(s) not receivables",
        bank.statements.len(),
        counts.credits,
        counts.debits
    );
    if counts.known > 0 {
        message.push_str(&format!(", {} line(s) already known from another file", counts.known));
    }
    if counts.not_booked > 0 {
        message.push_str(&format!(", {} pending or information line(s) skipped", counts.not_booked));
    }
    let outcome =
        if counts.credits == 0 && counts.known > 0 { ImportOutcome::Duplicate } else { ImportOutcome::Imported };
    let mut r = report(label, outcome, message);
    r.warnings = u32::try_from(warnings).unwrap_or(u32::MAX);
    Ok(r)
}

fn store_statement(
    writer: &mut LedgerWriter<'_>,
    label: &str,
    document: encours_store::DocumentId,
    format: &str,
    statement: &Statement,
    counts: &mut BankCounts,
) -> Result<(), StoreError> {
    let currency = statement
        .currency
        .or_else(|| statement.entries.first().map(|e| e.amount.currency))
        .unwrap_or(encours_domain::Currency::EUR);
    let statement_id = writer.bank_statement(&StatementRecord {
        document,
        format: format.to_owned(),
        statement_ref: statement.id.clone(),
        account: statement.account_iban.as_ref().map(|i| i.as_str().to_owned()).or(statement.account_other.clone()),
        currency,
        opening_balance: statement.opening_balance.map(|m| m.amount),
        closing_balance: statement.closing_balance.map(|m| m.amount),
        entries: u32::try_from(statement.entries.len()).unwrap_or(u32::MAX),
        source: Source::at(label, statement.source.locator.clone()),
    })?;
    for e in &statement.entries {
        // Only booked entries are on the account (camt BOOK; CFONB has only booked movements).
        if e.status.as_deref().is_some_and(|s| s != "BOOK") {
            counts.not_booked += 1;
            continue;
        }
        if !e.credit || e.reversal {
            counts.debits += 1;
            continue;
        }
        let key = line_key(statement, e);
        if writer.bank_line_exists(&key)? {
            counts.known += 1;
            continue;
        }
        let Some(booked_on) = e.booking_date.or(e.value_date) else {
            // A line without any date cannot be placed in the ledger; the reader reported it.
            counts.not_booked += 1;
            continue;
        };
        let payment = Payment {
            id: writer.next_payment_id()?,
            client_id: None,
            booked_on,
            value_date: e.value_date,
            amount: e.amount,
            payer_name: e.payer_name.clone(),
            payer_iban: e.payer_iban.clone(),
            remittance: Some(texts(e).join("\n")).filter(|t| !t.is_empty()),
            bank_reference: e.reference.clone(),
            source: Source::at(label, e.source.locator.clone()),
        };
        writer.bank_payment(&payment, statement_id, &key, &e.structured_refs)?;
        counts.credits += 1;
    }
    Ok(())
}

/// Imports a CDAR lifecycle message already read.
pub(crate) fn import_cdar(
    dossier: &mut Dossier,
    label: &str,
    file_name: &str,
    bytes: &[u8],
    sha: &str,
    message: &CdarMessage,
    now: NaiveDateTime,
) -> Result<ImportFileReport, ApiError> {
    let mut writer = dossier.writer("cdar", now)?;
    if let Some((_, first)) = writer.document_by_hash(sha)? {
        return Ok(report(label, ImportOutcome::Duplicate, format!("this file was already imported (as {first})")));
    }
    writer.document(sha, file_name, "application/xml", bytes)?;
    let (mut attached, mut waiting, mut known) = (0u32, 0u32, 0u32);
    let mut effects: Vec<String> = Vec::new();
    for ack in &message.acknowledgements {
        let source = Source::at(label, ack.source.locator.clone());
        let Some(at) = ack.status_at.or(message.issued_at) else {
            continue;
        };
        let seller = ack.seller_siren.as_ref().map(|s| s.as_str());
        match writer.invoice_for_status(&ack.invoice_number, ack.invoice_issue_date, seller)? {
            Some((invoice, _client)) => {
                if writer.status_exists(invoice, ack.status.code(), at)? {
                    known += 1;
                    continue;
                }
                let event = status_event(ack, invoice, at, source);
                effects.extend(apply_status(&mut writer, &event)?);
                attached += 1;
            }
            None => {
                let pending = PendingStatus {
                    id: 0,
                    invoice_number: ack.invoice_number.clone(),
                    issue_date: ack.invoice_issue_date,
                    seller_siren: seller.map(str::to_owned),
                    code: ack.status.code(),
                    at,
                    payload_json: serde_json::to_string(&status_event(
                        ack,
                        encours_domain::InvoiceId(0),
                        at,
                        source.clone(),
                    ))
                    .map_err(StoreError::from)?,
                    source,
                };
                if writer.pending_status(&pending)? {
                    waiting += 1;
                } else {
                    known += 1;
                }
            }
        }
    }
    writer.commit(
        "user",
        "import.lifecycle",
        serde_json::json!({ "file": label, "sha256": sha, "attached": attached, "waiting": waiting,
                            "known": known, "effects": effects }),
    )?;
    let mut text = format!("{attached} status(es) attached");
    if !effects.is_empty() {
        text.push_str(&format!(" ({})", effects.join("; ")));
    }
    if waiting > 0 {
        text.push_str(&format!(", {waiting} waiting for their invoice to be imported"));
    }
    if known > 0 {
        text.push_str(&format!(", {known} already known"));
    }
    let mut r = report(
        label,
        if attached + waiting == 0 && known > 0 { ImportOutcome::Duplicate } else { ImportOutcome::Imported },
        text,
    );
    r.invoice_number = message.acknowledgements.first().map(|a| a.invoice_number.clone());
    Ok(r)
}

fn status_event(
    ack: &Acknowledgement,
    invoice: encours_domain::InvoiceId,
    at: NaiveDateTime,
    source: Source,
) -> StatusEvent {
    let reason = ack.reasons.first();
    StatusEvent {
        invoice_id: invoice,
        status: ack.status,
        at,
        reason_code: reason.and_then(|r| r.code.clone()),
        reason: reason.and_then(|r| r.text.clone()),
        action_code: reason.and_then(|r| r.action_code.clone()),
        action: reason.and_then(|r| r.action.clone()),
        amounts: ack.amounts.clone(),
        source,
    }
}

/// Attaches the statuses that were waiting for an invoice just imported (called inside the
/// invoice's unit of work). Returns how many were attached.
pub(crate) fn attach_pending(
    writer: &mut LedgerWriter<'_>,
    invoice: encours_domain::InvoiceId,
    number: &str,
    issue_date: chrono::NaiveDate,
    seller_siren: Option<&str>,
) -> Result<u32, StoreError> {
    let mut attached = 0;
    let pending = writer.take_pending_statuses(number)?;
    for p in pending {
        let fits = p.issue_date.is_none_or(|d| d == issue_date)
            && match (&p.seller_siren, seller_siren) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            };
        if !fits {
            // Not this invoice's: put it back.
            writer.pending_status(&p)?;
            continue;
        }
        let mut event: StatusEvent = serde_json::from_str(&p.payload_json)?;
        event.invoice_id = invoice;
        apply_status(writer, &event)?;
        attached += 1;
    }
    Ok(attached)
}

/// What a file is, recognised by its content (never by its name alone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// A Factur-X / ZUGFeRD PDF, or a CII / UBL XML (and anything the e-invoice reader should
    /// explain: PDFs without an invoice, XML of another kind).
    EInvoice,
    /// camt.053 / camt.054 XML, or CFONB 120 text.
    Bank,
    /// A CDAR lifecycle message.
    Lifecycle,
    /// An FEC (Fichier des écritures comptables).
    Fec,
}

/// Recognises a file by its first bytes: the XML root element, the PDF header, the FEC header
/// line, the CFONB 120 record layout.
pub(crate) fn sniff(bytes: &[u8]) -> FileKind {
    let head = &bytes[..bytes.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if head.windows(5).any(|w| w == b"%PDF-") {
        return FileKind::EInvoice;
    }
    if body.starts_with('<') {
        if ["BkToCstmrStmt", "BkToCstmrDbtCdtNtfctn", "BkToCstmrAcctRpt"].iter().any(|r| body.contains(r)) {
            return FileKind::Bank;
        }
        if body.contains("CrossDomainAcknowledgementAndResponse") {
            return FileKind::Lifecycle;
        }
        return FileKind::EInvoice;
    }
    if encours_readers::fec::looks_like_fec(bytes) {
        return FileKind::Fec;
    }
    if looks_like_cfonb120(body) {
        return FileKind::Bank;
    }
    FileKind::EInvoice
}

/// CFONB 120: records of 120 characters (with or without line ends) starting with a record code
/// 01 (old balance), 04 (movement), 05 (complement) or 07 (new balance).
fn looks_like_cfonb120(body: &str) -> bool {
    let first: String = body.chars().take(2).collect();
    first == "01" && body.lines().next().is_some_and(|l| l.trim_end_matches('\r').chars().count() >= 120)
}

/// Imports a bank file or a lifecycle message; `None` for the other kinds.
pub(crate) fn import_by_kind(
    kind: FileKind,
    dossier: &mut Dossier,
    label: &str,
    file_name: &str,
    bytes: &[u8],
    sha: &str,
    now: NaiveDateTime,
) -> Option<Result<ImportFileReport, ApiError>> {
    match kind {
        FileKind::Bank => Some(match encours_readers::bank::read_bank_bytes(file_name, bytes) {
            Ok(bank) => import_bank(dossier, label, file_name, bytes, sha, &bank, now),
            Err(e) => Ok(report(label, ImportOutcome::Failed, e.to_string())),
        }),
        FileKind::Lifecycle => Some(match encours_readers::lifecycle::read_cdar_bytes(file_name, bytes) {
            Ok(message) => import_cdar(dossier, label, file_name, bytes, sha, &message, now),
            Err(e) => Ok(report(label, ImportOutcome::Failed, e.to_string())),
        }),
        FileKind::Fec => Some(crate::fec::import_fec(dossier, label, file_name, bytes, sha, now)),
        FileKind::EInvoice => None,
    }
}

/// Reads a file for inspection, refusing what is too large; the error names the file.
fn read_for_inspection(path: &std::path::Path) -> Result<Vec<u8>, String> {
    let name = path.display();
    let size = std::fs::metadata(path).map_err(|e| format!("{name}: {e}"))?.len();
    if size > crate::import::MAX_FILE_BYTES {
        return Err(format!("{name}: {size} bytes, larger than the {} bytes read", crate::import::MAX_FILE_BYTES));
    }
    std::fs::read(path).map_err(|e| format!("{name}: {e}"))
}

/// Reads bank statements without a dossier: one JSON object per file, in argument order.
pub fn inspect_bank(files: &[std::path::PathBuf]) -> Vec<serde_json::Value> {
    use encours_readers::bank;
    files
        .iter()
        .map(|f| {
            let given = f.display().to_string();
            let result = read_for_inspection(f)
                .map_err(|problem| bank::BankError::File { file: given.clone(), problem })
                .and_then(|bytes| bank::read_bank_bytes(&given, &bytes));
            bank::inspect_json(&given, &result)
        })
        .collect()
}

/// Reads CDAR lifecycle messages without a dossier: one JSON object per file, in argument order.
pub fn inspect_lifecycle(files: &[std::path::PathBuf]) -> Vec<serde_json::Value> {
    use encours_readers::lifecycle;
    files
        .iter()
        .map(|f| {
            let given = f.display().to_string();
            let result = read_for_inspection(f)
                .map_err(|problem| lifecycle::CdarError::File { file: given.clone(), problem })
                .and_then(|bytes| lifecycle::read_cdar_bytes(&given, &bytes));
            lifecycle::inspect_json(&given, &result)
        })
        .collect()
}
