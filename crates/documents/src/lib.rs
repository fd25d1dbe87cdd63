//! # encours-documents
//!
//! The printable documents of dunning (issue 6 §4, first part of issue 7): reminder letters in
//! three tones, the mise en demeure (legal-rules A.3) and the account statement, rendered to A4
//! PDF with printpdf 0.12.
//!
//! The input is plain data ([`Letter`]): the dunning code fills it from the ledger, renders the
//! template paragraphs and computes the legal math; this crate only sets it on paper with French
//! typography ([`format`]). No database, no clock: the letter's date is a field and is also the
//! PDF's creation date. The same letter gives the same bytes (fixed font resource names, a
//! trailer `/ID` derived from the content instead of printpdf's counter-based one).
//!
//! Fonts: a TrueType regular/bold pair embedded and subset; see [`FontSet`] for why not the PDF
//! built-in Helvetica and where the font comes from.
#![deny(missing_docs)]

mod declaration;
mod fonts;
pub mod format;
mod injonction;
mod layout;
mod letter;
mod render;
mod statement;

use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::Datelike;
use encours_domain::MoneyError;
use printpdf::{FontId, PdfDocument, PdfFont, PdfSaveOptions};

pub use declaration::{
    born_before_judgment, declaration_deadline, relief_from_foreclosure_deadline, BodaccNotice, DeclarantCapacity,
    DeclarationDeCreance, Procedure, ProcedureKind, Security,
};
pub use fonts::FontSet;
pub use injonction::{Court, Exhibit, ExhibitContent, InjonctionDossier};
pub use letter::{
    BreakdownRow, Delivery, InvoiceRow, LegalBreakdown, Letter, LetterKind, Letterhead, Party, PaymentDetails,
    Signature, Tone,
};
pub use statement::{EntryKind, Statement, StatementEntry};

/// What can stop a document from being rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// No usable font on this computer.
    #[error(
        "no font for the letters was found on this computer (tried {tried:?}{}); install Liberation Sans \
         (Debian: fonts-liberation2) or DejaVu Sans (fonts-dejavu-core), or give a font to FontSet::from_bytes",
        last_error.as_deref().map(|e| format!("; last error: {e}")).unwrap_or_default()
    )]
    NoSystemFont {
        /// Regular-face paths looked at, in order.
        tried: Vec<PathBuf>,
        /// Why the last font found could not be used, if one was found.
        last_error: Option<String>,
    },
    /// A font file could not be read.
    #[error("cannot read the font file {path:?}: {reason}")]
    FontFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        reason: String,
    },
    /// Bytes that are not a TrueType/OpenType font.
    #[error("the font {font} is not a readable TrueType/OpenType font")]
    FontUnreadable {
        /// Font name and face.
        font: String,
    },
    /// A font lacking characters a French letter needs.
    #[error("the font {font} lacks characters French letters need: {missing:?}")]
    FontCoverage {
        /// Font name and face.
        font: String,
        /// The characters it lacks.
        missing: String,
    },
    /// A field the document cannot do without is empty.
    #[error("the letter has no {0}")]
    MissingField(&'static str),
    /// A reminder or a mise en demeure about no invoice.
    #[error("a reminder or a mise en demeure must list at least one invoice")]
    NoInvoices,
    /// Amounts in different currencies, or an overflow, while adding up the letter.
    #[error("cannot add up the letter's amounts: {0}")]
    Money(#[from] MoneyError),
    /// The logo is not a PNG or JPEG image this crate can read.
    #[error("the logo cannot be used: {0}")]
    Logo(String),
    /// An exhibit of an injonction de payer dossier cannot be appended (no partial dossier).
    #[error("exhibit n° {number} ({title}) cannot be appended: {reason}")]
    Exhibit {
        /// Its number in the bordereau (from 1).
        number: usize,
        /// Its title.
        title: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The payment details cannot be put in a SEPA EPC QR code (EPC069-12).
    #[error("no SEPA QR code: {0}")]
    Qr(String),
    /// Something this version cannot render yet.
    #[error("not supported yet: {0}")]
    Unsupported(&'static str),
}

fn check(letter: &Letter) -> Result<(), DocumentError> {
    if letter.creditor.name.trim().is_empty() {
        return Err(DocumentError::MissingField("creditor name"));
    }
    if letter.debtor.name.trim().is_empty() {
        return Err(DocumentError::MissingField("debtor name"));
    }
    if letter.invoices.is_empty() && !matches!(letter.kind, LetterKind::AccountStatement) {
        return Err(DocumentError::NoInvoices);
    }
    Ok(())
}

/// The fonts found on this computer, looked up once per process (parsing a font takes longer than
/// setting a letter).
pub fn system_fonts() -> Result<&'static FontSet, DocumentError> {
    static FONTS: OnceLock<Result<FontSet, DocumentError>> = OnceLock::new();
    FONTS.get_or_init(FontSet::system).as_ref().map_err(Clone::clone)
}

/// Renders a letter to PDF bytes with the system fonts ([`system_fonts`]).
pub fn render_letter(letter: &Letter) -> Result<Vec<u8>, DocumentError> {
    render_letter_with(letter, system_fonts()?)
}

/// Renders a letter to PDF bytes with the given fonts.
pub fn render_letter_with(letter: &Letter, fonts: &FontSet) -> Result<Vec<u8>, DocumentError> {
    check(letter)?;
    let sums = render::Sums::of(letter)?;
    let mut composer = layout::Composer::new(fonts);
    render::compose(&mut composer, letter, &sums);
    let pages = composer.finish(|c, page, count| render::decorate(c, letter, page, count));

    let title = match (letter.subject.trim(), letter.kind) {
        ("", LetterKind::MiseEnDemeure { .. }) => "Mise en demeure".to_owned(),
        ("", LetterKind::AccountStatement) => "Relevé de compte".to_owned(),
        ("", LetterKind::Reminder { .. }) => "Relance".to_owned(),
        (subject, _) => subject.to_owned(),
    };
    let mut doc = PdfDocument::new(&title);
    doc.resources.fonts.map.insert(FontId(layout::REGULAR_ID.to_owned()), PdfFont::new(fonts.regular.parsed.clone()));
    doc.resources.fonts.map.insert(FontId(layout::BOLD_ID.to_owned()), PdfFont::new(fonts.bold.parsed.clone()));
    let info = &mut doc.metadata.info;
    info.author = letter.creditor.name.trim().to_owned();
    info.creator = "Encours".to_owned();
    info.producer = "Encours (printpdf)".to_owned();
    info.subject = format!("{} — {}", letter.debtor.name.trim(), letter.reference.trim());
    info.identifier = letter.reference.trim().to_owned();
    let date = printpdf::OffsetDateTime::new_in_offset(
        printpdf::Date {
            year: letter.date.year(),
            // chrono guarantees 1..=12 and 1..=31.
            month: u8::try_from(letter.date.month()).unwrap_or(1),
            day: u8::try_from(letter.date.day()).unwrap_or(1),
        },
        printpdf::Time { hour: 0, minute: 0, second: 0, millisecond: 0 },
        printpdf::Offset { hours: 0, minutes: 0, seconds: 0, milliseconds: 0 },
    );
    info.creation_date = date;
    info.modification_date = date;
    info.metadata_date = date;

    let mut warnings = Vec::new();
    let bytes = doc.with_pages(pages).save(&PdfSaveOptions::default(), &mut warnings);
    Ok(stable_trailer_id(bytes))
}

/// Renders a relevé de compte to PDF bytes with the embedded fonts.
pub fn render_statement(statement: &Statement) -> Result<Vec<u8>, DocumentError> {
    let _ = statement;
    Err(DocumentError::Unsupported("relevé de compte"))
}

/// Renders an injonction de payer dossier (request, décompte, bordereau and exhibits appended)
/// to PDF bytes with the embedded fonts.
pub fn render_injonction(dossier: &InjonctionDossier) -> Result<Vec<u8>, DocumentError> {
    let _ = dossier;
    Err(DocumentError::Unsupported("injonction de payer"))
}

/// Renders a déclaration de créance to PDF bytes with the embedded fonts.
pub fn render_declaration(declaration: &DeclarationDeCreance) -> Result<Vec<u8>, DocumentError> {
    let _ = declaration;
    Err(DocumentError::Unsupported("déclaration de créance"))
}

/// FNV-1a, 64 bits: enough to tell two documents apart in a trailer `/ID` (not a security hash).
fn fnv1a(seed: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(seed, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// printpdf writes the trailer `/ID[(…32 chars…)(…32 chars…)]` from a process-wide counter, so the
/// same letter rendered twice differs. The two strings are replaced, in place and at the same
/// length, by a hash of the rest of the file: same letter, same bytes (issue 7 §5).
fn stable_trailer_id(mut bytes: Vec<u8>) -> Vec<u8> {
    const MARK: &[u8] = b"/ID[(";
    let Some(start) = bytes.windows(MARK.len()).rposition(|w| w == MARK) else { return bytes };
    let first = start + MARK.len();
    let (second, end) = (first + 34, first + 34 + 32);
    let shape_ok =
        bytes.get(first + 32..first + 34) == Some(b")(".as_slice()) && bytes.get(end..end + 1) == Some(b")".as_slice());
    if !shape_ok {
        return bytes;
    }
    let mut content = bytes.clone();
    content.drain(first..end);
    let id = format!("{:016X}{:016X}", fnv1a(0xcbf2_9ce4_8422_2325, &content), fnv1a(0x6c62_272e_07bb_0142, &content));
    bytes[first..first + 32].copy_from_slice(id.as_bytes());
    bytes[second..end].copy_from_slice(id.as_bytes());
    bytes
}
