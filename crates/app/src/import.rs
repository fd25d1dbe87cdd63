//! Importing e-invoices into a dossier: files, folders (recursive) and zip archives; bank
//! statements, lifecycle messages and FEC files found among them go to [`crate::money_in`].
//!
//! What each file does: it is read, checked for duplicates (by content hash, then by business key:
//! seller, number, issue date, type, currency, grand total), its client matched or created, its
//! original kept (encrypted; XML zipped) as evidence, the invoice stored, pending lifecycle
//! statuses attached. Re-importing is idempotent.
//!
//! Atomicity and durability:
//! - **each file is all-or-nothing**: its records are written in one savepoint, kept whole or
//!   rolled back whole; a broken file in the middle of a folder leaves no trace and the others are
//!   imported;
//! - **durability is per group**: the savepoints of up to [`GROUP_FILES`] files (or what half a
//!   second brings) are committed together, and at the end, before a bank/lifecycle/FEC file (which
//!   has its own unit of work), and on cancel. A file's report line says "imported" only once its
//!   group is committed; if a commit fails, every file of that group is reported failed, and the
//!   import stops with the files not yet handled reported failed too (the dossier cannot be
//!   written). A process killed mid-group loses that group only, never part of a file.
//! - **one audit entry per group**, in the group's transaction: the records the group loaded, and
//!   for each of its files the name, SHA-256, invoice number and warning count (`detail.files`).
//!   An entry per file cost a row and a JSON document per file for what the group's entry says
//!   as well.
//!
//! Why groups: committing writes and encrypts every changed page to the WAL; once per file it was
//! ~0.9 ms, most of an import. A second thread reads, hashes, parses (and, when it is ahead, zips)
//! the next files while this one writes.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use encours_domain::{Client, Currency, PaymentTerms, Source};
use encours_readers::einvoice::{self, EInvoice, ReadError};
use encours_store::{business_key, Dossier, LedgerWriter, StoreError};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};
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
        // A symbolic link to a folder is not followed: two links back to their parent make the
        // number of paths grow exponentially (an import that never ends — issue 12 hostile input);
        // a folder the user means to import can be dropped itself.
        let is_link = std::fs::symlink_metadata(&p).map(|m| m.file_type().is_symlink()).unwrap_or(false);
        if is_link && p.is_dir() {
            report.files.push(line(&label, ImportOutcome::Ignored, "link to a folder: not followed".to_owned()));
        } else if p.is_dir() {
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

/// Reads a file given by path, refusing it before reading when it is larger than `limit` (the
/// reader's own size limit, `encours_readers::limits`), so a huge file never lands in memory whole;
/// the error names the file.
pub(crate) fn read_file_capped(path: &Path, limit: u64) -> Result<Vec<u8>, crate::ApiError> {
    let name = path.display();
    let io = |e: std::io::Error| crate::ApiError::new(crate::ErrorCode::Io, format!("{name}: {e}"));
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(crate::ApiError::invalid(format!("{name}: larger than {} MiB: refused", limit / (1024 * 1024))));
    }
    Ok(bytes)
}

/// Reads at most `MAX_FILE_BYTES` (+1 to detect larger ones) from a reader.
fn read_bounded(mut r: impl Read, size_hint: u64) -> Result<Vec<u8>, String> {
    // Room for the whole file at once (and the byte that tells a larger one).
    let mut bytes = Vec::with_capacity(usize::try_from(size_hint.min(MAX_FILE_BYTES) + 1).unwrap_or(0));
    r.by_ref().take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("larger than {} MiB: refused", MAX_FILE_BYTES / (1024 * 1024)));
    }
    Ok(bytes)
}

/// The archive last opened by [`load`], kept open for the next entries of the same archive.
type OpenZip = Option<(PathBuf, zip::ZipArchive<std::io::BufReader<std::fs::File>>)>;

fn load(item: &Item, open_zip: &mut OpenZip) -> Result<Vec<u8>, String> {
    match item {
        Item::File { path, .. } => {
            let f = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
            let size = f.metadata().map(|m| m.len()).unwrap_or(0);
            read_bounded(f, size)
        }
        Item::ZipEntry { archive, index, .. } => {
            if open_zip.as_ref().is_none_or(|(open, _)| open != archive) {
                let f = std::fs::File::open(archive).map_err(|e| format!("cannot open the archive: {e}"))?;
                let zip = zip::ZipArchive::new(std::io::BufReader::new(f)).map_err(|e| e.to_string())?;
                *open_zip = Some((archive.clone(), zip));
            }
            let Some((_, zip)) = open_zip.as_mut() else { return Err("cannot open the archive".to_owned()) };
            let entry = zip.by_index(*index).map_err(|e| format!("cannot read the entry: {e}"))?;
            let size = entry.size();
            read_bounded(entry, size)
        }
    }
}

/// Files committed together at most. Each file stays all-or-nothing (its own savepoint); the
/// group only decides when it becomes durable. Large groups matter as the dossier grows: a group
/// rewrites every leaf of the content-hash index its files land in, whatever their number.
const GROUP_FILES: usize = 2000;
/// Longest a group stays uncommitted, so that what the progress shows is soon on disk too.
const GROUP_TIME: Duration = Duration::from_millis(500);
/// Files read and parsed ahead of the writer: enough to keep reading while a group commits (the
/// reading thread then zips what it reads, and the writer finds it done).
const READ_AHEAD: usize = 1024;
/// Bytes of files read ahead at most (PDFs are larger than XML invoices).
const READ_AHEAD_BYTES: usize = 64 * 1024 * 1024;
/// Files handed over together: one wake-up of the writer per batch, not per file.
const BATCH: usize = 8;
/// The reading thread zips a file when at least this many wait for the writer (it is ahead);
/// otherwise it leaves the zipping to the writer, which would else wait for it. Either way the
/// original is kept zipped: only which thread does it changes.
const ZIP_AHEAD: usize = 2 * BATCH;

/// A file as the reading thread hands it to the writer.
enum Loaded {
    /// It could not be read.
    Unreadable(String),
    /// A text file that is none of the formats read (a note beside the invoices): left alone, not
    /// a failure; only PDF and XML files must be e-invoices.
    NotAFormat,
    /// A bank statement, lifecycle message or FEC: imported by [`crate::money_in`] in its own
    /// unit of work.
    Other { bytes: Vec<u8>, sha: String, kind: FileKind },
    /// An e-invoice, already read (whether or not it turns out to be a duplicate), with its XML
    /// original already zipped for keeping.
    EInvoice(Box<Prepared>),
}

impl Loaded {
    /// The bytes it holds (what the read-ahead is bounded by).
    fn size(&self) -> usize {
        match self {
            Loaded::Unreadable(_) | Loaded::NotAFormat => 0,
            Loaded::Other { bytes, .. } => bytes.len(),
            Loaded::EInvoice(p) => {
                p.bytes.len() + if let Zipping::Done(Some(zip)) = &p.zipping { zip.len() } else { 0 }
            }
        }
    }
}

/// An e-invoice ready to be written.
struct Prepared {
    bytes: Vec<u8>,
    sha: String,
    read: Result<EInvoice, ReadError>,
    zipping: Zipping,
}

/// Whether the original has been zipped yet.
enum Zipping {
    /// Done: the archive, or `None` when zipping is not worth it.
    Done(Option<Vec<u8>>),
    /// Left to the writer, which zips it only if it stores it.
    Left,
}

/// How an imported XML original is kept: a one-entry zip archive (deflate at its fastest level,
/// about five times smaller for invoice XML), when that saves at least a quarter. Writing the
/// original is most of what an import writes (each page is encrypted, written to the WAL, then
/// copied into the file): zipped, the dossier and the import's writes shrink about fourfold. PDFs
/// are kept as they are: their streams are already compressed.
fn zipped(file_name: &str, bytes: &[u8], at: NaiveDateTime) -> Option<Vec<u8>> {
    use chrono::{Datelike, Timelike};
    use std::io::Write;
    if !file_name.to_ascii_lowercase().ends_with(".xml") {
        return None;
    }
    let field = |v: u32| u8::try_from(v).unwrap_or(0);
    let year = u16::try_from(at.year()).unwrap_or(1980);
    let time = zip::DateTime::from_date_and_time(
        year,
        field(at.month()),
        field(at.day()),
        field(at.hour()),
        field(at.minute()),
        field(at.second()),
    )
    .unwrap_or_default();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .last_modified_time(time);
    let mut archive = zip::ZipWriter::new(std::io::Cursor::new(Vec::with_capacity(bytes.len() / 3 + 256)));
    archive.start_file(file_name, options).ok()?;
    archive.write_all(bytes).ok()?;
    let stored = archive.finish().ok()?.into_inner();
    (stored.len() <= bytes.len() / 4 * 3).then_some(stored)
}

// Read back by the tests; the evidence export (to come) is its caller.
#[cfg_attr(not(test), allow(dead_code))]
/// An original file kept in the dossier, found by its SHA-256, as it was imported: unzipped when it
/// was kept zipped, and checked against its SHA-256 (an error names a mismatch).
pub(crate) fn original(dossier: &Dossier, sha256: &str) -> Result<Option<Vec<u8>>, ApiError> {
    let Some((file_name, _, size, encoding, stored)) = dossier.original(sha256)? else { return Ok(None) };
    let bytes = match encoding.as_deref() {
        None => stored,
        Some("zip") => {
            let unzip = || -> Result<Vec<u8>, String> {
                let mut archive = zip::ZipArchive::new(std::io::Cursor::new(stored)).map_err(|e| e.to_string())?;
                let entry = archive.by_index(0).map_err(|e| e.to_string())?;
                let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
                entry.take(MAX_FILE_BYTES + 1).read_to_end(&mut out).map_err(|e| e.to_string())?;
                Ok(out)
            };
            unzip().map_err(|e| {
                ApiError::new(ErrorCode::Storage, format!("the kept original of {file_name} cannot be unzipped: {e}"))
            })?
        }
        Some(other) => {
            return Err(ApiError::new(
                ErrorCode::Storage,
                format!("the kept original of {file_name} is stored as {other:?}, which this version cannot read"),
            ))
        }
    };
    if einvoice::sha256_hex(&bytes) != sha256 {
        return Err(ApiError::new(
            ErrorCode::Storage,
            format!("the kept original of {file_name} no longer matches its SHA-256: the dossier is damaged"),
        ));
    }
    Ok(Some(bytes))
}

/// The name of a file without its folders or archive.
fn file_name(label: &str) -> &str {
    label.rsplit(['/', '\\', '!']).next().unwrap_or(label)
}

/// What the reading thread does to a file: read it, recognise it, hash it, read the e-invoice,
/// and zip it when it is ahead of the writer.
fn prepare(item: &Item, open_zip: &mut OpenZip, now: NaiveDateTime, zip: bool) -> Loaded {
    let bytes = match load(item, open_zip) {
        Ok(bytes) => bytes,
        Err(why) => return Loaded::Unreadable(why),
    };
    let kind = crate::money_in::sniff(&bytes);
    if kind == FileKind::EInvoice && !is_pdf_or_xml_name(item.label()) {
        return Loaded::NotAFormat;
    }
    let sha = einvoice::sha256_hex(&bytes);
    if kind != FileKind::EInvoice {
        return Loaded::Other { bytes, sha, kind };
    }
    let read = einvoice::read_bytes(file_name(item.label()), &bytes);
    let zipping = if zip { Zipping::Done(zipped(file_name(item.label()), &bytes, now)) } else { Zipping::Left };
    Loaded::EInvoice(Box::new(Prepared { bytes, sha, read, zipping }))
}

/// Imports files, folders and zip archives into the dossier. `progress` is called before each
/// file; `cancel` is checked between files (what was imported stays imported).
///
/// A second thread reads, hashes and parses the files while this one writes them: each
/// e-invoice in its own savepoint (all-or-nothing), inside a transaction committed every
/// [`GROUP_FILES`] files or [`GROUP_TIME`], at the end, before a file of another kind and on
/// cancel. A report line says "imported" only once its group is committed. When the dossier
/// cannot be written (a failed commit, a failed insert), the files of the uncommitted group and
/// every file not yet handled are reported failed with the reason, and the import stops.
pub fn import_paths(
    dossier: &mut Dossier,
    paths: &[PathBuf],
    now: NaiveDateTime,
    progress: &mut dyn FnMut(&ImportProgress),
    cancel: &AtomicBool,
) -> Result<ImportReport, ApiError> {
    import_in_groups(dossier, paths, now, progress, cancel, GROUP_FILES)
}

/// [`import_paths`] with groups of at most `group_files` files (tests use small groups).
fn import_in_groups(
    dossier: &mut Dossier,
    paths: &[PathBuf],
    now: NaiveDateTime,
    progress: &mut dyn FnMut(&ImportProgress),
    cancel: &AtomicBool,
    group_files: usize,
) -> Result<ImportReport, ApiError> {
    let mut report = ImportReport::default();
    let items = list(paths, &mut report);
    let total = items.len() as u32;
    let stop = AtomicBool::new(false);
    // Files sent to the writer and not yet taken, and their bytes.
    let queued = AtomicUsize::new(0);
    let queued_bytes = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Loaded>>(READ_AHEAD / BATCH);
        let (spent, freeing) = std::sync::mpsc::channel::<Vec<Prepared>>();
        let (items, stop, queued, queued_bytes) = (&items, &stop, &queued, &queued_bytes);
        scope.spawn(move || {
            let mut open_zip = None;
            let mut batch = Vec::with_capacity(BATCH);
            for item in items {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                while let Ok(written) = freeing.try_recv() {
                    drop(written);
                }
                while queued_bytes.load(Ordering::Relaxed) > READ_AHEAD_BYTES && !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(1));
                }
                let zip = queued.load(Ordering::Relaxed) >= ZIP_AHEAD;
                let loaded = prepare(item, &mut open_zip, now, zip);
                queued_bytes.fetch_add(loaded.size(), Ordering::Relaxed);
                batch.push(loaded);
                if batch.len() == BATCH {
                    queued.fetch_add(BATCH, Ordering::Relaxed);
                    if sender.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))).is_err() {
                        return;
                    }
                }
            }
            queued.fetch_add(batch.len(), Ordering::Relaxed);
            let _ = sender.send(batch);
        });
        let mut writing = Writing {
            dossier,
            now,
            group_files,
            queued,
            queued_bytes,
            spent,
            lines: Lines { report: &mut report, items, handled: 0 },
        };
        let result = writing.run(receiver, progress, cancel, total);
        // The receiver is dropped by now: the reading thread stops at its next file.
        stop.store(true, Ordering::Relaxed);
        result
    })?;
    progress(&ImportProgress { done: total, total, current: String::new() });
    Ok(report)
}

/// The writing side of an import.
struct Writing<'a, 'd> {
    dossier: &'d mut Dossier,
    now: NaiveDateTime,
    /// Files committed together at most.
    group_files: usize,
    /// Files sent by the reading thread and not yet taken, and their bytes.
    queued: &'a AtomicUsize,
    queued_bytes: &'a AtomicUsize,
    /// Files written, sent back to the reading thread to be freed.
    spent: std::sync::mpsc::Sender<Vec<Prepared>>,
    lines: Lines<'a>,
}

/// The report being written, and which file comes next.
struct Lines<'a> {
    report: &'a mut ImportReport,
    items: &'a [Item],
    /// Files handled so far (their lines are in the report).
    handled: usize,
}

impl Lines<'_> {
    /// The next file's name as shown to the user.
    fn label(&self) -> String {
        self.items.get(self.handled).map(|i| i.label().to_owned()).unwrap_or_default()
    }

    /// Adds the next file's line to the report.
    fn push(&mut self, line: ImportFileReport) {
        match line.outcome {
            ImportOutcome::Imported => self.report.imported += 1,
            ImportOutcome::Duplicate => self.report.duplicates += 1,
            ImportOutcome::Failed => self.report.failed += 1,
            ImportOutcome::Ignored => {}
        }
        self.report.files.push(line);
        self.handled += 1;
    }
}

/// Why a group ended.
enum GroupEnd {
    /// Every file was handled.
    Done,
    /// The user cancelled.
    Cancelled,
    /// A file of another kind, to import in its own unit of work.
    Other(Vec<u8>, String, FileKind),
    /// The group is full or old: commit, and go on.
    Full,
    /// The dossier could not be written: the import stops.
    Broken(String),
}

impl Writing<'_, '_> {
    fn run(
        &mut self,
        receiver: std::sync::mpsc::Receiver<Vec<Loaded>>,
        progress: &mut dyn FnMut(&ImportProgress),
        cancel: &AtomicBool,
        total: u32,
    ) -> Result<(), ApiError> {
        let mut files = receiver.into_iter().flatten();
        loop {
            match self.group(&mut files, progress, cancel, total) {
                GroupEnd::Full => {}
                GroupEnd::Done => return Ok(()),
                GroupEnd::Cancelled => {
                    self.lines.report.cancelled = true;
                    return Ok(());
                }
                GroupEnd::Other(bytes, sha, kind) => {
                    let label = self.lines.label();
                    let done = crate::money_in::import_by_kind(
                        kind,
                        self.dossier,
                        &label,
                        file_name(&label),
                        &bytes,
                        &sha,
                        self.now,
                    );
                    let line = match done {
                        Some(line) => line?,
                        None => line(&label, ImportOutcome::Failed, "not a file this import reads".to_owned()),
                    };
                    self.lines.push(line);
                }
                GroupEnd::Broken(why) => {
                    let why =
                        format!("not imported: the import stopped because the dossier could not be written ({why})");
                    while self.lines.handled < self.lines.items.len() {
                        let label = self.lines.label();
                        self.lines.push(line(&label, ImportOutcome::Failed, why.clone()));
                    }
                    return Ok(());
                }
            }
        }
    }

    /// Writes e-invoices in one transaction, one savepoint each, until the group ends; commits.
    fn group(
        &mut self,
        files: &mut impl Iterator<Item = Loaded>,
        progress: &mut dyn FnMut(&ImportProgress),
        cancel: &AtomicBool,
        total: u32,
    ) -> GroupEnd {
        let started = Instant::now();
        let mut spent = Vec::new();
        let lines = &mut self.lines;
        let mut writer = match self.dossier.writer("einvoice", self.now) {
            Ok(w) => w,
            Err(e) => return GroupEnd::Broken(e.to_string()),
        };
        // Report lines of the files this group imported: "imported" only once committed.
        let mut kept: Vec<usize> = Vec::new();
        // What the group's audit entry says of each of them.
        let mut details: Vec<serde_json::Value> = Vec::new();
        let end = loop {
            if kept.len() >= self.group_files || (!kept.is_empty() && started.elapsed() >= GROUP_TIME) {
                break GroupEnd::Full;
            }
            if cancel.load(Ordering::Relaxed) {
                break GroupEnd::Cancelled;
            }
            let Some(loaded) = files.next() else { break GroupEnd::Done };
            self.queued.fetch_sub(1, Ordering::Relaxed);
            self.queued_bytes.fetch_sub(loaded.size(), Ordering::Relaxed);
            let label = lines.label();
            progress(&ImportProgress { done: lines.handled as u32, total, current: label.clone() });
            let prepared = match loaded {
                Loaded::Unreadable(why) => {
                    lines.push(line(&label, ImportOutcome::Failed, why));
                    continue;
                }
                Loaded::NotAFormat => {
                    lines.push(line(
                        &label,
                        ImportOutcome::Ignored,
                        "not an e-invoice, bank statement (camt, CFONB 120), lifecycle message or FEC".to_owned(),
                    ));
                    continue;
                }
                Loaded::Other { bytes, sha, kind } => break GroupEnd::Other(bytes, sha, kind),
                Loaded::EInvoice(prepared) => prepared,
            };
            let Prepared { bytes, sha, read, zipping } = prepared.as_ref();
            let written =
                write_einvoice(&mut writer, &label, Original { bytes, sha, zipping, at: self.now }, read.as_ref());
            // Freed by the thread that allocated it, which frees faster and has time to spare.
            spent.push(*prepared);
            if spent.len() >= BATCH {
                let _ = self.spent.send(std::mem::take(&mut spent));
            }
            match written {
                Ok((line, detail)) => {
                    if let Some(detail) = detail {
                        kept.push(lines.report.files.len());
                        details.push(detail);
                    }
                    lines.push(line);
                }
                Err(e) => {
                    lines.push(line(&label, ImportOutcome::Failed, format!("not imported: {e}")));
                    break GroupEnd::Broken(e.to_string());
                }
            }
        };
        if kept.is_empty() {
            // Nothing kept: nothing to commit (dropping the unit rolls back nothing).
            return end;
        }
        match writer.commit("user", "import.einvoice", serde_json::json!({ "files": details })) {
            Ok(_) => end,
            Err(e) => {
                // Nothing of this group is in the dossier: say so for each of its files.
                for &i in &kept {
                    if let Some(l) = lines.report.files.get_mut(i) {
                        l.outcome = ImportOutcome::Failed;
                        l.message = format!("not imported: saving to the dossier failed ({e})");
                        l.client = None;
                        l.new_client = false;
                    }
                }
                lines.report.imported -= kept.len() as u32;
                lines.report.failed += kept.len() as u32;
                match end {
                    // Nothing is left to do, or the user stopped: the report says what was lost.
                    GroupEnd::Done | GroupEnd::Cancelled | GroupEnd::Broken(_) => end,
                    GroupEnd::Full | GroupEnd::Other(..) => GroupEnd::Broken(e.to_string()),
                }
            }
        }
    }
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

/// Imports one file's bytes in its own unit of work. Reader problems become a failed line; only a
/// storage failure is an error (it stops the import: the dossier itself is in trouble).
pub fn import_bytes(
    dossier: &mut Dossier,
    label: &str,
    bytes: &[u8],
    now: NaiveDateTime,
) -> Result<ImportFileReport, ApiError> {
    let sha = einvoice::sha256_hex(bytes);
    let file_name = file_name(label);
    // Bank statements, lifecycle messages and FEC files are recognised by their content.
    let kind = crate::money_in::sniff(bytes);
    if let Some(done) = crate::money_in::import_by_kind(kind, dossier, label, file_name, bytes, &sha, now) {
        return done;
    }
    let original = Original { bytes, sha: &sha, zipping: &Zipping::Left, at: now };
    let mut writer = dossier.writer("einvoice", now)?;
    let read = einvoice::read_bytes(file_name, bytes);
    let (line, detail) = write_einvoice(&mut writer, label, original, read.as_ref())?;
    if let Some(detail) = detail {
        writer.commit("user", "import.einvoice", serde_json::json!({ "files": [detail] }))?;
    }
    Ok(line)
}

/// An original file: its bytes, their SHA-256, whether it is zipped yet, and the time of the
/// import (the date of the zip entry).
#[derive(Clone, Copy)]
struct Original<'a> {
    bytes: &'a [u8],
    sha: &'a str,
    zipping: &'a Zipping,
    at: NaiveDateTime,
}

/// Writes one e-invoice in a part of the writer's unit of work: duplicate checks, client,
/// original, invoice, pending statuses. The part is kept when the invoice is stored — and then
/// comes with what the unit's audit entry is to say of the file — or dropped otherwise (a
/// duplicate or an unreadable file leaves nothing behind). A storage error drops the part and is
/// returned.
fn write_einvoice(
    writer: &mut LedgerWriter<'_>,
    label: &str,
    original: Original<'_>,
    read: Result<&EInvoice, &ReadError>,
) -> Result<(ImportFileReport, Option<serde_json::Value>), StoreError> {
    writer.part()?;
    let written = store_einvoice(writer, label, original, read);
    match &written {
        Ok((_, Some(_))) => {
            writer.keep_part()?;
        }
        Ok((_, None)) | Err(_) => {
            // After a storage error the part may already be gone with the transaction; the
            // error that matters is the first one.
            let dropped = writer.drop_part();
            if written.is_ok() {
                dropped?;
            }
        }
    }
    written
}

/// The checks and inserts of [`write_einvoice`]; the audit detail when the invoice was stored.
fn store_einvoice(
    writer: &mut LedgerWriter<'_>,
    label: &str,
    original: Original<'_>,
    read: Result<&EInvoice, &ReadError>,
) -> Result<(ImportFileReport, Option<serde_json::Value>), StoreError> {
    let sha = original.sha;
    if let Some((_, first)) = writer.document_by_hash(sha)? {
        let message = format!("this file was already imported (as {first})");
        return Ok((line(label, ImportOutcome::Duplicate, message), None));
    }
    let read = match read {
        Ok(r) => r,
        Err(e) => return Ok((line(label, ImportOutcome::Failed, e.to_string()), None)),
    };
    let seller_id = seller_identifier(read);
    let key = business_key(&seller_id, &read.invoice);
    if let Some((_, number, origin)) = writer.invoice_by_business_key(&key)? {
        let mut l = line(
            label,
            ImportOutcome::Duplicate,
            format!("invoice {number} is already in the dossier (imported from {origin})"),
        );
        l.invoice_number = Some(number);
        return Ok((l, None));
    }
    let outcome = store_invoice(writer, label, file_name(label), original, read, &key)?;
    // Info diagnostics (a derived value, a profile's limits) are not problems; count the others.
    let problems: Vec<&str> =
        read.diagnostics.iter().filter(|d| d.level != einvoice::Level::Info).map(|d| d.message.as_str()).collect();
    let warnings = problems.len() as u32;
    let detail =
        serde_json::json!({ "file": label, "sha256": sha, "number": read.invoice.number, "warnings": warnings });
    let message = match problems.as_slice() {
        [] => "imported".to_owned(),
        [only] => format!("imported with 1 warning: {only}"),
        [first, ..] => format!("imported with {warnings} warnings, first: {first}"),
    };
    let line = ImportFileReport {
        file: label.to_owned(),
        outcome: ImportOutcome::Imported,
        invoice_number: Some(read.invoice.number.clone()),
        client: Some(outcome.0),
        new_client: outcome.1,
        message,
        warnings,
    };
    Ok((line, Some(detail)))
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
    original: Original<'_>,
    read: &EInvoice,
    key: &str,
) -> Result<(String, bool), StoreError> {
    let (bytes, sha) = (original.bytes, original.sha);
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
    let zipped_here;
    let zip = match original.zipping {
        Zipping::Done(zip) => zip.as_deref(),
        Zipping::Left => {
            zipped_here = zipped(file_name, bytes, original.at);
            zipped_here.as_deref()
        }
    };
    let document = match zip {
        Some(zip) => writer.document_encoded(sha, file_name, media_type, bytes.len(), Some("zip"), zip)?,
        None => writer.document(sha, file_name, media_type, bytes)?,
    };
    let mut invoice = read.invoice.clone();
    invoice.id = writer.next_invoice_id()?;
    invoice.client_id = client_id;
    invoice.source = Source::at(label, invoice.source.locator.clone());
    writer.imported_invoice(&invoice, Some(document), Some(key))?;
    // The contractual penalty terms (PMD note) are kept with the invoice: the letters compute its
    // penalties at that rate (issue 6 §3, legal-rules A.1).
    writer.penalty_terms(invoice.id, &crate::letters::KeptPenaltyTerms::of(&read.penalty_terms).json())?;
    // Lifecycle statuses that arrived before their invoice are attached now (when any waits at
    // all: looking for them costs more than the rest of the invoice's inserts).
    if writer.has_pending_statuses()? {
        let seller = invoice.seller_siren.as_ref().map(|s| s.as_str().to_owned());
        crate::money_in::attach_pending(writer, invoice.id, &invoice.number, invoice.issue_date, seller.as_deref())?;
    }
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

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicBool, Ordering};

    use encours_store::{DossierKey, KeySource};

    use super::*;

    fn corpus() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
    }

    fn now() -> NaiveDateTime {
        "2026-11-23T09:30:00".parse().unwrap()
    }

    fn dossier(dir: &Path) -> Dossier {
        let keys = KeySource::Environment(DossierKey::from_hex(&"42".repeat(32)).unwrap());
        crate::create_dossier(&dir.join("d.encours"), "552081317", "ACME", &keys, now()).unwrap()
    }

    /// `count` distinct UBL invoices (the corpus example with its number rewritten) in a folder.
    fn inbox(dir: &Path, count: usize) -> PathBuf {
        let template = std::fs::read_to_string(corpus().join("ubl/01.01a-INVOICE_ubl.xml")).unwrap();
        assert_eq!(template.matches("<cbc:ID>123456XX</cbc:ID>").count(), 1, "the number to rewrite");
        let folder = dir.join("inbox");
        std::fs::create_dir(&folder).unwrap();
        for i in 0..count {
            let body = template.replace("<cbc:ID>123456XX</cbc:ID>", &format!("<cbc:ID>T-{i:05}</cbc:ID>"));
            std::fs::write(folder.join(format!("inv-{i:05}.xml")), body).unwrap();
        }
        folder
    }

    /// The files listed by the import entries of the audit journal.
    fn files_in_journal(d: &Dossier) -> Vec<String> {
        let mut files = Vec::new();
        for e in d.audit_entries(100_000).unwrap().iter().filter(|e| e.action == "import.einvoice") {
            let after: serde_json::Value = serde_json::from_str(e.after.as_deref().unwrap()).unwrap();
            let listed = after["detail"]["files"].as_array().unwrap();
            assert_eq!(after["counts"]["invoices"].as_u64(), Some(listed.len() as u64), "counts match the files");
            files.extend(listed.iter().map(|f| f["file"].as_str().unwrap().to_owned()));
        }
        files
    }

    #[test]
    fn more_files_than_a_group_are_all_imported_and_each_is_in_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let (group, count) = (40, 40 * 5 + 7);
        let folder = inbox(dir.path(), count);
        let mut d = dossier(dir.path());
        let mut calls = 0u32;
        let cancel = AtomicBool::new(false);
        let report = import_in_groups(&mut d, &[folder], now(), &mut |_| calls += 1, &cancel, group).unwrap();
        assert_eq!(
            report.imported as usize,
            count,
            "{:?}",
            report.files.iter().find(|f| f.outcome != ImportOutcome::Imported)
        );
        assert_eq!(calls as usize, count + 1, "progress before each file, and once at the end");
        assert_eq!(crate::summary(&d, now().date()).unwrap().invoices as usize, count, "every group was committed");
        let mut journal = files_in_journal(&d);
        journal.sort();
        journal.dedup();
        assert_eq!(journal.len(), count, "each imported file is in the journal once");
        let entries = d.audit_entries(100_000).unwrap().iter().filter(|e| e.action == "import.einvoice").count();
        assert!(entries >= 6, "groups of at most {group} files: {entries} entries");
        assert_eq!(crate::check_integrity(&mut d, now()).unwrap(), "ok");
    }

    #[test]
    fn a_cancelled_import_keeps_what_it_imported_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let folder = inbox(dir.path(), 20);
        let mut d = dossier(dir.path());
        let cancel = AtomicBool::new(false);
        let mut progress = |p: &ImportProgress| {
            if p.done == 5 {
                cancel.store(true, Ordering::Relaxed);
            }
        };
        let report = import_paths(&mut d, &[folder], now(), &mut progress, &cancel).unwrap();
        assert!(report.cancelled);
        assert_eq!(report.imported, 6, "the file being handled when cancel was pressed is finished: {report:?}");
        assert_eq!(report.files.len(), 6, "the files not reached are not reported");
        assert_eq!(
            crate::summary(&d, now().date()).unwrap().invoices,
            6,
            "what the report calls imported is committed"
        );
        assert_eq!(files_in_journal(&d).len(), 6);
    }

    #[test]
    fn kept_originals_come_back_byte_for_byte_xml_zipped_pdf_as_is() {
        let dir = tempfile::tempdir().unwrap();
        let xml = corpus().join("cii/CII_example1.xml");
        let pdf = corpus().join("facturx/EN16931_Einfach.pdf");
        let mut d = dossier(dir.path());
        let cancel = AtomicBool::new(false);
        let report = import_paths(&mut d, &[xml.clone(), pdf.clone()], now(), &mut |_| {}, &cancel).unwrap();
        assert_eq!(report.imported, 2, "{report:?}");
        for (path, encoding) in [(xml, Some("zip")), (pdf, None)] {
            let bytes = std::fs::read(&path).unwrap();
            let sha = einvoice::sha256_hex(&bytes);
            let (_, _, size, kept_as, stored) = d.original(&sha).unwrap().expect("the original is kept");
            assert_eq!(kept_as.as_deref(), encoding, "{}", path.display());
            assert_eq!(size as usize, bytes.len(), "the size of the original, not of what is stored");
            if encoding.is_some() {
                assert!(
                    stored.len() * 3 < bytes.len(),
                    "zipped XML is much smaller: {} of {}",
                    stored.len(),
                    bytes.len()
                );
            }
            assert_eq!(original(&d, &sha).unwrap().as_deref(), Some(&bytes[..]), "{}", path.display());
        }
        assert_eq!(original(&d, &"0".repeat(64)).unwrap(), None, "an unknown hash");
    }

    #[test]
    fn a_zipped_original_is_a_standard_archive_dated_by_the_import() {
        let bytes = std::fs::read(corpus().join("cii/CII_example1.xml")).unwrap();
        let stored = zipped("CII_example1.xml", &bytes, now()).expect("XML compresses");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(stored)).unwrap();
        assert_eq!(archive.len(), 1);
        let entry = archive.by_index(0).unwrap();
        assert_eq!(entry.name().unwrap(), "CII_example1.xml");
        assert_eq!(entry.compression(), zip::CompressionMethod::Deflated);
        let t = entry.last_modified().unwrap();
        assert_eq!((t.year(), t.month(), t.day(), t.hour(), t.minute()), (2026, 11, 23, 9, 30), "no clock read");
        assert_eq!(zipped("a.pdf", &bytes, now()), None, "PDFs are kept as they are");
        assert_eq!(zipped("tiny.xml", b"<a/>", now()), None, "not worth zipping");
    }
}
