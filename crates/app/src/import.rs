//! Importing e-invoices into a dossier: files, folders (recursive) and zip archives.
//!
//! Each file is one unit of work: read, checked for duplicates, its client matched or created,
//! the original kept (encrypted) as evidence, the invoice stored, an audit entry written — all in
//! one transaction, so a broken file in the middle of a folder leaves the others imported.
//! Duplicates are recognised by content hash and by business key (seller, number, issue date,
//! type, currency, grand total); re-importing is idempotent.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDateTime;
use encours_domain::{Client, Currency, PaymentTerms, Source};
use encours_readers::einvoice::{self, EInvoice};
use encours_store::{business_key, Dossier, LedgerWriter, StoreError};
use serde::Serialize;
use ts_rs::TS;

use crate::error::ApiError;
use crate::money_in::FileKind;

/// Largest file read (PDFs with attachments included); larger ones are reported, not read.
pub const MAX_FILE_BYTES: u64 = 50 * 1024 * 1024;
/// Most entries read from one zip archive.
pub const MAX_ZIP_ENTRIES: usize = 20_000;
/// Most bytes unpacked from one zip archive in total (zip-bomb guard).
pub const MAX_ZIP_TOTAL_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// What happened to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ImportOutcome {
    /// Stored.
    Imported,
    /// Already in the dossier (same file, or the same invoice from another file).
    Duplicate,
    /// Not imported; the message says why.
    Failed,
    /// Skipped inside a folder or archive: not an e-invoice file type.
    Ignored,
}

/// The report line of one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ImportFileReport {
    /// The file as named to the user (`folder/a.pdf`, `archive.zip!inside/b.xml`).
    pub file: String,
    /// What happened.
    pub outcome: ImportOutcome,
    /// The invoice number (BT-1), when read.
    pub invoice_number: Option<String>,
    /// The client the invoice was attached to, when imported.
    pub client: Option<String>,
    /// True when the client was created by this import.
    pub new_client: bool,
    /// Why it failed, what it duplicates, or a summary of the warnings.
    pub message: String,
    /// Number of warnings the reader found (the file is imported anyway).
    pub warnings: u32,
}

/// The report of an import.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ImportReport {
    /// One line per file, in the order they were read.
    pub files: Vec<ImportFileReport>,
    /// Files imported.
    pub imported: u32,
    /// Duplicates.
    pub duplicates: u32,
    /// Failures.
    pub failed: u32,
    /// True when the user cancelled before the end.
    pub cancelled: bool,
}

/// Progress of a running import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ImportProgress {
    /// Files handled so far.
    pub done: u32,
    /// Files found in total (known once the paths are listed).
    pub total: u32,
    /// The file being handled.
    pub current: String,
}

/// One unit to read: a file on disk or an entry of an archive.
enum Item {
    File { path: PathBuf, label: String },
    ZipEntry { archive: PathBuf, index: usize, label: String },
}

impl Item {
    fn label(&self) -> &str {
        match self {
            Item::File { label, .. } | Item::ZipEntry { label, .. } => label,
        }
    }
}

/// The names read inside folders and archives: e-invoices (PDF, XML), bank statements (XML,
/// CFONB `.cfo`/`.txt`/`.dat`), lifecycle messages (XML) and FEC (`.txt`). What a file is, is
/// then decided by its content.
fn is_invoice_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".pdf", ".xml", ".txt", ".cfo", ".cfonb", ".dat", ".fec"].iter().any(|ext| lower.ends_with(ext))
}

fn is_pdf_or_xml_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".pdf") || lower.ends_with(".xml")
}

fn is_zip_name(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".zip")
}

/// Lists what to read under the given paths: folders recursively (sorted, so reports are stable),
/// archives entry by entry. Unreadable paths become failed report lines.
fn list(paths: &[PathBuf], report: &mut ImportReport) -> Vec<Item> {
    let mut items = Vec::new();
    for p in paths {
        let label = p.display().to_string();
        if p.is_dir() {
            walk(p, &mut items, report);
        } else if is_zip_name(&label) {
            list_zip(p, &label, &mut items, report);
        } else if p.exists() {
            items.push(Item::File { path: p.clone(), label });
        } else {
            failed(report, label, "no such file or folder".to_owned());
        }
    }
    items
}

fn walk(dir: &Path, items: &mut Vec<Item>, report: &mut ImportReport) {
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            failed(report, dir.display().to_string(), format!("cannot read the folder: {e}"));
            return;
        }
    };
    entries.sort();
    for p in entries {
        let label = p.display().to_string();
        if p.is_dir() {
            walk(&p, items, report);
        } else if is_zip_name(&label) {
            list_zip(&p, &label, items, report);
        } else if is_invoice_name(&label) {
            items.push(Item::File { path: p, label });
        } else {
            report.files.push(line(&label, ImportOutcome::Ignored, "not a PDF, XML or zip file".to_owned()));
        }
    }
}

fn list_zip(path: &Path, label: &str, items: &mut Vec<Item>, report: &mut ImportReport) {
    let archive = std::fs::File::open(path).map_err(|e| e.to_string()).and_then(|f| {
        zip::ZipArchive::new(std::io::BufReader::new(f)).map_err(|e| format!("not a readable zip archive: {e}"))
    });
    let mut archive = match archive {
        Ok(a) => a,
        Err(why) => {
            failed(report, label.to_owned(), why);
            return;
        }
    };
    if archive.len() > MAX_ZIP_ENTRIES {
        failed(report, label.to_owned(), format!("more than {MAX_ZIP_ENTRIES} entries: refused"));
        return;
    }
    let mut declared_total: u64 = 0;
    for index in 0..archive.len() {
        let Ok(entry) = archive.by_index(index) else { continue };
        if entry.is_dir() {
            continue;
        }
        // Names that are not valid text are still read, under their position in the archive.
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_else(|_| format!("entry-{index}.xml"));
        declared_total = declared_total.saturating_add(entry.size());
        let entry_label = format!("{label}!{name}");
        if declared_total > MAX_ZIP_TOTAL_BYTES {
            failed(report, entry_label, "the archive unpacks to more than 2 GiB: the rest is refused".to_owned());
            return;
        }
        if is_invoice_name(&name) {
            items.push(Item::ZipEntry { archive: path.to_owned(), index, label: entry_label });
        }
    }
}

fn failed(report: &mut ImportReport, file: String, message: String) {
    report.failed += 1;
    report.files.push(line(&file, ImportOutcome::Failed, message));
}

/// Reads at most `MAX_FILE_BYTES` (+1 to detect larger ones) from a reader.
fn read_bounded(mut r: impl Read) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    r.by_ref().take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("larger than {} MiB: refused", MAX_FILE_BYTES / (1024 * 1024)));
    }
    Ok(bytes)
}

fn load(item: &Item) -> Result<Vec<u8>, String> {
    match item {
        Item::File { path, .. } => {
            let f = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
            read_bounded(f)
        }
        Item::ZipEntry { archive, index, .. } => {
            let f = std::fs::File::open(archive).map_err(|e| format!("cannot open the archive: {e}"))?;
            let mut zip = zip::ZipArchive::new(std::io::BufReader::new(f)).map_err(|e| e.to_string())?;
            let entry = zip.by_index(*index).map_err(|e| format!("cannot read the entry: {e}"))?;
            read_bounded(entry)
        }
    }
}

/// Imports files, folders and zip archives into the dossier. `progress` is called before each
/// file; `cancel` is checked between files (what was imported stays imported).
pub fn import_paths(
    dossier: &mut Dossier,
    paths: &[PathBuf],
    now: NaiveDateTime,
    progress: &mut dyn FnMut(&ImportProgress),
    cancel: &AtomicBool,
) -> Result<ImportReport, ApiError> {
    let mut report = ImportReport::default();
    let items = list(paths, &mut report);
    let total = items.len() as u32;
    for (done, item) in items.iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            report.cancelled = true;
            break;
        }
        progress(&ImportProgress { done: done as u32, total, current: item.label().to_owned() });
        let line = match load(item) {
            Err(why) => {
                failed(&mut report, item.label().to_owned(), why);
                continue;
            }
            // A text file that is none of the formats read (a note beside the invoices) is left
            // alone, not reported as a failure: only PDF and XML files must be e-invoices.
            Ok(bytes) if !is_pdf_or_xml_name(item.label()) && crate::money_in::sniff(&bytes) == FileKind::EInvoice => {
                report.files.push(line(
                    item.label(),
                    ImportOutcome::Ignored,
                    "not an e-invoice, bank statement (camt, CFONB 120), lifecycle message or FEC".to_owned(),
                ));
                continue;
            }
            Ok(bytes) => import_bytes(dossier, item.label(), &bytes, now)?,
        };
        match line.outcome {
            ImportOutcome::Imported => report.imported += 1,
            ImportOutcome::Duplicate => report.duplicates += 1,
            ImportOutcome::Failed => report.failed += 1,
            ImportOutcome::Ignored => {}
        }
        report.files.push(line);
    }
    progress(&ImportProgress { done: total, total, current: String::new() });
    Ok(report)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn line(file: &str, outcome: ImportOutcome, message: String) -> ImportFileReport {
    ImportFileReport {
        file: file.to_owned(),
        outcome,
        invoice_number: None,
        client: None,
        new_client: false,
        message,
        warnings: 0,
    }
}

/// Imports one file's bytes. Reader problems become a failed line; only a storage failure is an
/// error (it stops the import: the dossier itself is in trouble).
pub fn import_bytes(
    dossier: &mut Dossier,
    label: &str,
    bytes: &[u8],
    now: NaiveDateTime,
) -> Result<ImportFileReport, ApiError> {
    let sha = sha256_hex(bytes);
    let file_name = label.rsplit(['/', '\\', '!']).next().unwrap_or(label).to_owned();
    // Bank statements, lifecycle messages and FEC files are recognised by their content.
    let kind = crate::money_in::sniff(bytes);
    if let Some(done) = crate::money_in::import_by_kind(kind, dossier, label, &file_name, bytes, &sha, now) {
        return done;
    }
    let mut writer = dossier.writer("einvoice", now)?;
    if let Some((_, first)) = writer.document_by_hash(&sha)? {
        return Ok(line(label, ImportOutcome::Duplicate, format!("this file was already imported (as {first})")));
    }
    let read = match einvoice::read_bytes(&file_name, bytes) {
        Ok(r) => r,
        Err(e) => return Ok(line(label, ImportOutcome::Failed, e.to_string())),
    };
    let seller_id = seller_identifier(&read);
    let key = business_key(&seller_id, &read.invoice);
    if let Some((_, number, origin)) = writer.invoice_by_business_key(&key)? {
        let mut l = line(
            label,
            ImportOutcome::Duplicate,
            format!("invoice {number} is already in the dossier (imported from {origin})"),
        );
        l.invoice_number = Some(number);
        return Ok(l);
    }
    let outcome = store_invoice(&mut writer, label, &file_name, bytes, &sha, &read, &key).map_err(ApiError::from)?;
    // Info diagnostics (a derived value, a profile's limits) are not problems; count the others.
    let problems: Vec<&str> =
        read.diagnostics.iter().filter(|d| d.level != einvoice::Level::Info).map(|d| d.message.as_str()).collect();
    let warnings = problems.len() as u32;
    writer.commit(
        "user",
        "import.einvoice",
        serde_json::json!({ "file": label, "sha256": sha, "number": read.invoice.number, "warnings": warnings }),
    )?;
    let message = match problems.as_slice() {
        [] => "imported".to_owned(),
        [only] => format!("imported with 1 warning: {only}"),
        [first, ..] => format!("imported with {warnings} warnings, first: {first}"),
    };
    Ok(ImportFileReport {
        file: label.to_owned(),
        outcome: ImportOutcome::Imported,
        invoice_number: Some(read.invoice.number.clone()),
        client: Some(outcome.0),
        new_client: outcome.1,
        message,
        warnings,
    })
}

/// The seller's identity for the business key: SIREN, else the first VAT number, else the name.
fn seller_identifier(read: &EInvoice) -> String {
    if let Some(s) = &read.seller.siren {
        return s.to_string();
    }
    if let Some(v) = read.seller.vat_ids.first() {
        return v.clone();
    }
    read.seller.name.clone().unwrap_or_default()
}

/// Stores the document, the client (matched or created) and the invoice; returns the client's
/// name and whether it was created.
fn store_invoice(
    writer: &mut LedgerWriter<'_>,
    label: &str,
    file_name: &str,
    bytes: &[u8],
    sha: &str,
    read: &EInvoice,
    key: &str,
) -> Result<(String, bool), StoreError> {
    let buyer = &read.buyer;
    let buyer_vat = buyer.vat_ids.first().map(String::as_str);
    let buyer_name = buyer.name.clone().unwrap_or_else(|| "(sans nom)".to_owned());
    let siren = buyer.siren.as_ref().map(|s| s.as_str());
    let (client_id, created) = match writer.find_client(siren, buyer_vat, Some(&buyer_name))? {
        Some(id) => (id, false),
        None => {
            let id = writer.next_client_id()?;
            let client = Client {
                id,
                name: buyer_name.clone(),
                siren: buyer.siren.clone(),
                siret: buyer.siret.clone(),
                vat: buyer_vat.and_then(|v| encours_domain::VatNumber::parse(v).ok()),
                legal_form: None,
                naf: None,
                segment: String::new(),
                owner: String::new(),
                address: buyer.address.clone(),
                contacts: Vec::new(),
                terms: PaymentTerms::default(),
                currency: Currency::parse(read.invoice.currency.code()).unwrap_or(Currency::EUR),
                since: read.invoice.issue_date,
                is_individual: false,
                source: Source::at(label, "buyer (BG-7)"),
            };
            writer.client(&client)?;
            (id, true)
        }
    };
    let media_type = if bytes.starts_with(b"%PDF") { "application/pdf" } else { "application/xml" };
    let document = writer.document(sha, file_name, media_type, bytes)?;
    let mut invoice = read.invoice.clone();
    invoice.id = writer.next_invoice_id()?;
    invoice.client_id = client_id;
    invoice.source = Source::at(label, invoice.source.locator.clone());
    writer.imported_invoice(&invoice, Some(document), Some(key))?;
    // Lifecycle statuses that arrived before their invoice are attached now.
    let seller = invoice.seller_siren.as_ref().map(|s| s.as_str().to_owned());
    crate::money_in::attach_pending(writer, invoice.id, &invoice.number, invoice.issue_date, seller.as_deref())?;
    Ok((buyer_name, created))
}

/// Reads e-invoices without a dossier and describes them in the shape of the corpus truth files.
pub fn inspect(files: &[PathBuf]) -> Vec<serde_json::Value> {
    files
        .iter()
        .map(|f| {
            let given = f.display().to_string();
            let result = einvoice::read_path(f);
            einvoice::inspect_json(&given, &result)
        })
        .collect()
}
