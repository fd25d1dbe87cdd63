//! # encours-documents
//!
//! The printable documents of collection (issues 6 and 7), A4 PDF, pure (no database, no clock):
//! - reminder letters in three tones and the mise en demeure (legal-rules A.3) — [`Letter`],
//!   [`render_letter`];
//! - the relevé de compte: open items aged, credits, lifecycle statuses — [`Statement`],
//!   [`render_statement`];
//! - the injonction de payer dossier (legal-rules A.5, Cerfa 12946*02) with its exhibits
//!   appended — [`InjonctionDossier`], [`render_injonction`];
//! - the déclaration de créance (C. com. L622-24, L622-25, R622-23) and its deadline
//!   ([`declaration_deadline`], open-data §3) — [`DeclarationDeCreance`], [`render_declaration`].
//!
//! Every payment request carries the SEPA EPC QR code ([`epc_payload`], EPC069-12) when the IBAN,
//! the amount and the RF creditor reference are known.
//!
//! The input is plain data: the app fills it from the ledger, renders the template paragraphs and
//! computes the legal math; this crate sets it on paper with French typography ([`format`]). The
//! documents' date is a field and is also the PDF's date. The same input gives the same bytes:
//! fixed object order, no random ids, a trailer `/ID` hashed from the content.
//!
//! Fonts: "Encours Sans" (Liberation Sans subset once, `assets/fonts`) compiled in and embedded as
//! it is ([`FontSet::embedded`]); the PDF file is written by this crate (`pdf.rs`), which keeps the
//! font objects compressed once per process — a letter takes well under a millisecond.
#![deny(missing_docs)]

mod declaration;
mod dispute_dossier;
mod epc;
mod fonts;
pub mod format;
mod image;
mod injonction;
mod layout;
mod letter;
mod merge;
mod pdf;
mod render;
mod statement;

use std::path::PathBuf;
use std::sync::OnceLock;

use encours_domain::MoneyError;

pub use declaration::{
    born_before_judgment, declaration_deadline, relief_from_foreclosure_deadline, BodaccNotice, DeclarantCapacity,
    DeclarationDeCreance, Procedure, ProcedureKind, Security,
};
pub use dispute_dossier::{
    render_dispute_dossier, render_dispute_dossier_with, DisputeDossier, DisputeState, DisputeTask, DisputedInvoice,
    EvidenceFile, EvidenceOutcome, PlatformOrigin, RenderedDispute, TaskState, TimelineEntry,
};
pub use epc::{epc_payload, epc_qr_modules, EpcPayment};
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
    /// Something this version cannot render (no renderer returns it today; kept so that callers'
    /// error handling stays stable).
    #[error("not supported yet: {0}")]
    Unsupported(&'static str),
}

fn check(letter: &Letter) -> Result<(), DocumentError> {
    check_parties(&letter.creditor, &letter.debtor)?;
    if letter.invoices.is_empty() && !matches!(letter.kind, LetterKind::AccountStatement) {
        return Err(DocumentError::NoInvoices);
    }
    Ok(())
}

/// The fonts found on this computer, looked up once per process (parsing a font takes longer than
/// setting a letter). Documents no longer need them ([`FontSet::embedded`] is compiled in); kept
/// for a caller that wants the system's font.
pub fn system_fonts() -> Result<&'static FontSet, DocumentError> {
    static FONTS: OnceLock<Result<FontSet, DocumentError>> = OnceLock::new();
    FONTS.get_or_init(FontSet::system).as_ref().map_err(Clone::clone)
}

/// Renders a letter to PDF bytes with the embedded fonts ([`FontSet::embedded`]).
pub fn render_letter(letter: &Letter) -> Result<Vec<u8>, DocumentError> {
    render_letter_with(letter, FontSet::embedded())
}

/// Renders a letter to PDF bytes with the given fonts.
pub fn render_letter_with(letter: &Letter, fonts: &FontSet) -> Result<Vec<u8>, DocumentError> {
    check(letter)?;
    let sums = render::Sums::of(letter)?;
    let mut composer = layout::Composer::new(fonts);
    render::compose(&mut composer, letter, &sums)?;
    let composed = composer.finish(|c, page, count| render::decorate(c, letter, page, count));
    let title = match (letter.subject.trim(), letter.kind) {
        ("", LetterKind::MiseEnDemeure { .. }) => "Mise en demeure".to_owned(),
        ("", LetterKind::AccountStatement) => "Relevé de compte".to_owned(),
        ("", LetterKind::Reminder { .. }) => "Relance".to_owned(),
        (subject, _) => subject.to_owned(),
    };
    let info = pdf::Info {
        title,
        author: letter.creditor.name.trim().to_owned(),
        subject: format!("{} — {}", letter.debtor.name.trim(), letter.reference.trim()),
        keywords: letter.reference.trim().to_owned(),
        date: letter.date,
    };
    Ok(pdf::write(&info, fonts, &composed))
}

/// Renders a relevé de compte to PDF bytes with the embedded fonts.
pub fn render_statement(statement: &Statement) -> Result<Vec<u8>, DocumentError> {
    render_statement_with(statement, FontSet::embedded())
}

/// Renders a relevé de compte to PDF bytes with the given fonts.
pub fn render_statement_with(statement: &Statement, fonts: &FontSet) -> Result<Vec<u8>, DocumentError> {
    check_parties(&statement.creditor, &statement.debtor)?;
    let sums = statement::StatementSums::of(statement)?;
    let mut composer = layout::Composer::new(fonts);
    statement::compose(&mut composer, statement, &sums)?;
    let running = running_header(&statement.debtor, &statement.reference, statement.date);
    let composed = composer.finish(|c, page, count| {
        render::page_frame(c, &statement.creditor, &statement.letterhead, &running, page, count)
    });
    let info = pdf::Info {
        title: format!("Relevé de compte au {}", format::date_long(statement.date)),
        author: statement.creditor.name.trim().to_owned(),
        subject: format!("{} — {}", statement.debtor.name.trim(), statement.reference.trim()),
        keywords: statement.reference.trim().to_owned(),
        date: statement.date,
    };
    Ok(pdf::write(&info, fonts, &composed))
}

fn check_parties(creditor: &Party, debtor: &Party) -> Result<(), DocumentError> {
    if creditor.name.trim().is_empty() {
        return Err(DocumentError::MissingField("creditor name"));
    }
    if debtor.name.trim().is_empty() {
        return Err(DocumentError::MissingField("debtor name"));
    }
    Ok(())
}

fn running_header(debtor: &Party, reference: &str, date: chrono::NaiveDate) -> String {
    let mut running = vec![debtor.name.trim().to_owned()];
    if !reference.trim().is_empty() {
        running.push(format!("Réf. {}", reference.trim()));
    }
    running.push(format::date_long(date));
    running.join(" — ")
}

/// Renders an injonction de payer dossier (request, décompte, bordereau and exhibits appended)
/// to PDF bytes with the embedded fonts.
pub fn render_injonction(dossier: &InjonctionDossier) -> Result<Vec<u8>, DocumentError> {
    render_injonction_with(dossier, FontSet::embedded())
}

/// Renders an injonction de payer dossier with the given fonts.
pub fn render_injonction_with(dossier: &InjonctionDossier, fonts: &FontSet) -> Result<Vec<u8>, DocumentError> {
    check_parties(&dossier.creditor, &dossier.debtor)?;
    if dossier.invoices.is_empty() {
        return Err(DocumentError::NoInvoices);
    }
    let sums = render::Sums::of_parts(&dossier.invoices, dossier.legal.as_ref())?;
    let mut composer = layout::Composer::new(fonts);
    let inserts = injonction::compose(&mut composer, dossier, &sums)?;
    let running = format!(
        "Requête en injonction de payer — {}",
        running_header(&dossier.debtor, &dossier.reference, dossier.date)
    );
    let composed = composer
        .finish(|c, page, count| render::page_frame(c, &dossier.creditor, &dossier.letterhead, &running, page, count));
    let info = pdf::Info {
        title: format!("Requête en injonction de payer — {}", dossier.debtor.name.trim()),
        author: dossier.creditor.name.trim().to_owned(),
        subject: format!("{} — {}", dossier.debtor.name.trim(), dossier.reference.trim()),
        keywords: dossier.reference.trim().to_owned(),
        date: dossier.date,
    };
    let bytes = pdf::write(&info, fonts, &composed);
    if inserts.is_empty() {
        return Ok(bytes);
    }
    let inserts: Vec<merge::Insert> = inserts
        .iter()
        .filter_map(|(i, after)| match dossier.exhibits.get(*i).map(|e| (&e.title, &e.content)) {
            Some((title, ExhibitContent::Pdf(pdf))) => {
                Some(merge::Insert { number: i + 1, title, pdf, after_page: *after })
            }
            _ => None,
        })
        .collect();
    merge::append(&bytes, &inserts)
}

/// Renders a déclaration de créance to PDF bytes with the embedded fonts.
pub fn render_declaration(declaration: &DeclarationDeCreance) -> Result<Vec<u8>, DocumentError> {
    render_declaration_with(declaration, FontSet::embedded())
}

/// Renders a déclaration de créance with the given fonts.
pub fn render_declaration_with(d: &DeclarationDeCreance, fonts: &FontSet) -> Result<Vec<u8>, DocumentError> {
    check_parties(&d.creditor, &d.debtor)?;
    if d.recipient.name.trim().is_empty() {
        return Err(DocumentError::MissingField("mandataire judiciaire (recipient)"));
    }
    if d.due.is_empty() && d.to_fall_due.is_empty() {
        return Err(DocumentError::NoInvoices);
    }
    let due = render::Sums::of_parts(&d.due, d.legal.as_ref())?;
    let to_fall_due = d
        .to_fall_due
        .iter()
        .try_fold(encours_domain::Money::zero(due.claimed.currency), |acc, r| acc.checked_add(&r.open.round()))?;
    let total = due.claimed.checked_add(&to_fall_due)?;
    let mut composer = layout::Composer::new(fonts);
    declaration::compose(&mut composer, d, &due, &to_fall_due, &total)?;
    let running = format!("Déclaration de créance — {}", running_header(&d.debtor, &d.reference, d.date));
    let composed =
        composer.finish(|c, page, count| render::page_frame(c, &d.creditor, &d.letterhead, &running, page, count));
    let info = pdf::Info {
        title: format!("Déclaration de créance — {}", d.debtor.name.trim()),
        author: d.creditor.name.trim().to_owned(),
        subject: format!("{} — {}", d.procedure.kind.label_fr(), d.debtor.name.trim()),
        keywords: d.reference.trim().to_owned(),
        date: d.date,
    };
    Ok(pdf::write(&info, fonts, &composed))
}
