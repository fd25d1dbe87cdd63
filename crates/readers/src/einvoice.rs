//! E-invoices: Factur-X / ZUGFeRD hybrid PDFs, UN/CEFACT CII (D16B, D22B, and the ZUGFeRD 1
//! dialect) and UBL 2.1 Invoice / CreditNote, read into the domain [`Invoice`] with diagnostics.
//!
//! The pipeline is: sniff (PDF or XML) → for PDFs, find the invoice XML among the embedded files
//! ([`pdf`]) → decode and parse the XML into a tree (`crate::xml`) → extract the EN 16931 terms as
//! written ([`cii`], [`ubl`]) → build the domain values and check them ([`build`], [`checks`],
//! [`notes`]). [`inspect_json`] prints the result in the shape of the corpus truth files.
//!
//! Rules that hold for every input (checked by the golden and no-panic tests):
//! - nothing panics, whatever the bytes;
//! - a file that can be an invoice gives an [`EInvoice`], with every deviation as a [`Diagnostic`];
//!   only a file that cannot be an invoice gives a [`ReadError`];
//! - amounts are decimals with the scale as written; nothing is rounded.

use std::path::Path;

use chrono::NaiveDate;
use encours_domain::{Invoice, PostalAddress, Siren, Siret};
use rust_decimal::Decimal;
use serde::Serialize;
use sha2::{Digest, Sha256};

mod build;
#[cfg(test)]
mod cases;
mod checks;
mod cii;
mod error;
mod extract;
mod inspect;
mod notes;
mod pdf;
mod ubl;

pub use error::{Origin, ReadError};
pub use inspect::inspect_json;
pub use notes::{penalty_terms_from_texts, PenaltyRate, PenaltyTerms};
pub use pdf::PdfInfo;

/// Largest file accepted: far above any real invoice, low enough to refuse a mistaken import of a
/// disk image ([`crate::limits::MAX_EINVOICE_BYTES`]).
pub const MAX_FILE_BYTES: u64 = crate::limits::MAX_EINVOICE_BYTES;

/// How the invoice reached us.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Format {
    /// A hybrid PDF (Factur-X, ZUGFeRD, or XRechnung embedded in a PDF).
    #[serde(rename = "facturx-pdf")]
    FacturxPdf,
    /// A UN/CEFACT Cross Industry Invoice XML file (including the ZUGFeRD 1 dialect).
    #[serde(rename = "cii")]
    Cii,
    /// A UBL 2.1 Invoice or CreditNote XML file.
    #[serde(rename = "ubl")]
    Ubl,
}

impl Format {
    /// The name used in JSON: `facturx-pdf`, `cii` or `ubl`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Format::FacturxPdf => "facturx-pdf",
            Format::Cii => "cii",
            Format::Ubl => "ubl",
        }
    }
}

/// How serious a finding is. None of them stops the import; the importer decides what to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// A rule is broken in a way that changes what is owed or who owes it (inconsistent totals,
    /// missing amount due): review before relying on the invoice.
    Error,
    /// A rule is broken, or a mandatory mention is missing, without changing the amounts.
    Warning,
    /// Something worth knowing: a value was derived, a profile has limits, a document is special.
    Info,
}

/// One finding about a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// How serious it is.
    pub level: Level,
    /// The rule: an EN 16931 or French business rule id (`BR-CO-15`, `BR-FR-09`) or one of ours
    /// (`FR-PROFILE`, `FR-NOTE-PMD`, `FR-SIREN`…).
    pub rule: String,
    /// What was found, in plain English words.
    pub message: String,
    /// The XML path the finding is about, with the document's prefixes; empty when it is about the
    /// file as a whole.
    pub path: String,
}

impl Diagnostic {
    pub(crate) fn new(level: Level, rule: &str, message: impl Into<String>, path: impl Into<String>) -> Diagnostic {
        Diagnostic { level, rule: rule.to_owned(), message: message.into(), path: path.into() }
    }
}

/// A party (seller BG-4, buyer BG-7, payee BG-10) as the document describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Party {
    /// BT-27 / BT-44 / BT-59 legal name (UBL `RegistrationName`, CII `Name`), trimmed.
    pub name: Option<String>,
    /// BT-28 / BT-45 trading name, when given apart from the legal name.
    pub trading_name: Option<String>,
    /// SIREN, validated (Luhn): from the legal registration id (BT-30 / BT-47) with scheme 0002,
    /// or the first nine digits of a SIRET filed there.
    pub siren: Option<Siren>,
    /// SIRET, validated (Luhn, La Poste rule): an identifier with scheme 0009 (BT-29 / BT-46), or
    /// 14 digits filed under scheme 0002.
    pub siret: Option<Siret>,
    /// The SIREN exactly as found, even when it fails its check (what `inspect` prints).
    pub siren_as_written: Option<String>,
    /// The SIRET exactly as found, even when it fails its check.
    pub siret_as_written: Option<String>,
    /// BT-31 / BT-48 VAT identifiers as written (spaces kept).
    pub vat_ids: Vec<String>,
    /// BT-29 / BT-46 identifiers with their scheme (`0009` SIRET, `0088` GLN, `0224` routing…).
    pub identifiers: Vec<(String, Option<String>)>,
    /// BT-30 / BT-47 legal registration identifier with its scheme (`0002` SIREN).
    pub legal_registration_id: Option<(String, Option<String>)>,
    /// BT-40 / BT-55 country code.
    pub country: Option<String>,
    /// BT-34 / BT-49 electronic address (id, scheme: `0225` for the French directory, `EM` e-mail).
    pub electronic_address: Option<(String, Option<String>)>,
    /// BG-5 / BG-8 postal address.
    pub address: PostalAddress,
}

/// The document totals (BG-22) exactly as stated, before any derivation: absent stays absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StatedTotals {
    /// BT-106 sum of line net amounts.
    pub line_total: Option<Decimal>,
    /// BT-107 sum of document allowances.
    pub allowance_total: Option<Decimal>,
    /// BT-108 sum of document charges.
    pub charge_total: Option<Decimal>,
    /// BT-109 total without VAT.
    pub tax_basis_total: Option<Decimal>,
    /// BT-110 total VAT in the invoice currency.
    pub tax_total: Option<Decimal>,
    /// BT-112 total with VAT.
    pub grand_total: Option<Decimal>,
    /// BT-113 paid amount.
    pub prepaid: Option<Decimal>,
    /// BT-114 rounding amount.
    pub rounding: Option<Decimal>,
    /// BT-115 amount due for payment.
    pub due_payable: Option<Decimal>,
}

/// What the document states, as written, before defaults and validation: the values `inspect`
/// prints and the truth files record. The domain [`Invoice`] is built from these, and each default
/// or repair it needed is a [`Diagnostic`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stated {
    /// BT-1 invoice number.
    pub invoice_number: Option<String>,
    /// BT-3 type code, as written (`"380"`).
    pub type_code: Option<String>,
    /// BT-2 issue date.
    pub issue_date: Option<NaiveDate>,
    /// BT-5 currency code, as written.
    pub currency: Option<String>,
    /// BG-22 totals.
    pub totals: StatedTotals,
    /// BT-84 payee account of the first payment means, as written (may be a non-IBAN account).
    pub payee_account: Option<String>,
    /// BT-83 remittance information.
    pub remittance_information: Option<String>,
}

/// How the invoice XML was encoded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct XmlEncoding {
    /// It starts with a byte-order mark.
    pub bom: bool,
    /// The encoding named by its XML declaration, as written (`UTF-8`, `utf-8`, `ISO-8859-1`).
    pub declared_encoding: Option<String>,
}

/// A preceding invoice the document refers to (BG-3): the invoice a credit note credits or a
/// corrective invoice corrects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PrecedingInvoice {
    /// BT-25 its number.
    pub number: String,
    /// BT-26 its issue date, when given.
    pub issue_date: Option<NaiveDate>,
}

/// An e-invoice read from a file: the domain invoice, what the document states, its parties, its
/// penalty terms, and every finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EInvoice {
    /// How it reached us.
    pub format: Format,
    /// The XML syntax: `CII-D16B`, `CII-D22B`, `CII-ZUGFeRD1`, `UBL-2.1-Invoice`, `UBL-2.1-CreditNote`.
    pub syntax: String,
    /// BT-24 specification identifier (guideline), as written.
    pub guideline_id: Option<String>,
    /// The profile named by BT-24: MINIMUM, BASIC WL, BASIC, EN16931, EXTENDED, XRECHNUNG,
    /// EXTENDED-CTC-FR, PEPPOL BIS 3, ZUGFeRD1 BASIC/COMFORT/EXTENDED.
    pub profile: Option<String>,
    /// For PDFs, the embedded file the invoice was read from.
    pub attachment_name: Option<String>,
    /// SHA-256 of the file, hex, when the read was asked for it ([`read_path`],
    /// [`read_bytes_hashed`]); `None` from [`read_bytes`]. Hashing a 150 KB PDF costs about as much
    /// as reading it, and an importer hashes the file itself before reading (to skip a file it
    /// already has without reading it), so the plain read does not hash.
    pub file_sha256: Option<String>,
    /// SHA-256 of the invoice XML (the file itself for XML files, the attachment for PDFs), hex;
    /// present exactly when [`EInvoice::file_sha256`] is.
    pub xml_sha256: Option<String>,
    /// How the invoice XML was encoded.
    pub xml_encoding: XmlEncoding,
    /// The invoice for the ledger. `id` and `client_id` are placeholders (0) for the importer.
    pub invoice: Invoice,
    /// BT-9 exactly as read; `None` when the document states no due date (the invoice's due date
    /// was then derived, see the diagnostics).
    pub due_date_stated: Option<NaiveDate>,
    /// The values as written.
    pub stated: Stated,
    /// BG-4 seller.
    pub seller: Party,
    /// BG-7 buyer.
    pub buyer: Party,
    /// BG-10 payee, when other than the seller (factoring).
    pub payee: Option<Party>,
    /// BG-3 every preceding invoice referred to (the domain invoice keeps the first as BT-25).
    pub preceding_invoices: Vec<PrecedingInvoice>,
    /// The late-payment terms found in the PMD/PMT/AAB notes and the payment terms text.
    pub penalty_terms: PenaltyTerms,
    /// For PDFs, what the PDF itself says (version, attachments, XMP profile).
    pub pdf: Option<PdfInfo>,
    /// Every finding, in the order found.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads a file from disk (refusing files over [`MAX_FILE_BYTES`]), then [`read_bytes_hashed`]:
/// the result carries the SHA-256 of the file and of the invoice XML (what `inspect` prints).
pub fn read_path(path: &Path) -> Result<EInvoice, ReadError> {
    let name = path.display().to_string();
    let origin = Origin::file(&name);
    let size =
        std::fs::metadata(path).map_err(|e| ReadError::Io { origin: origin.clone(), reason: e.to_string() })?.len();
    if size > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge { origin, size, limit: MAX_FILE_BYTES });
    }
    let bytes = std::fs::read(path).map_err(|e| ReadError::Io { origin, reason: e.to_string() })?;
    read_bytes_hashed(&name, &bytes)
}

/// Reads an e-invoice from bytes: a PDF with an embedded invoice XML, or a CII / UBL XML file
/// (with or without byte-order mark). Never panics, whatever the bytes. Computes no hash
/// ([`EInvoice::file_sha256`] is `None`): see [`read_bytes_hashed`].
pub fn read_bytes(file_name: &str, bytes: &[u8]) -> Result<EInvoice, ReadError> {
    read(file_name, bytes, false)
}

/// [`read_bytes`], plus the SHA-256 of the file and of the invoice XML.
pub fn read_bytes_hashed(file_name: &str, bytes: &[u8]) -> Result<EInvoice, ReadError> {
    read(file_name, bytes, true)
}

fn read(file_name: &str, bytes: &[u8], hashed: bool) -> Result<EInvoice, ReadError> {
    let origin = Origin::file(file_name);
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge { origin, size, limit: MAX_FILE_BYTES });
    }
    let file_sha256 = hashed.then(|| sha256_hex(bytes));
    match sniff(bytes) {
        Sniffed::Pdf => {
            let found = pdf::read(&origin, bytes)?;
            let attachment_origin = origin.with_attachment(&found.attachment_name);
            let mut diagnostics = found.diagnostics;
            let xml_sha256 = hashed.then(|| sha256_hex(&found.xml));
            let mut inv = build::read_xml(
                &attachment_origin,
                &found.xml,
                build::Container {
                    pdf: true,
                    file_name,
                    attachment: Some(&found.attachment_name),
                    file_sha256,
                    xml_sha256,
                },
            )?;
            pdf::check_against_xml(&found.info, &inv, &mut diagnostics);
            diagnostics.append(&mut inv.diagnostics);
            inv.diagnostics = diagnostics;
            inv.pdf = Some(found.info);
            Ok(inv)
        }
        Sniffed::Xml => build::read_xml(
            &origin,
            bytes,
            build::Container { pdf: false, file_name, attachment: None, xml_sha256: file_sha256.clone(), file_sha256 },
        ),
        Sniffed::Other => Err(ReadError::NotPdfOrXml { origin, start: start_of(bytes) }),
    }
}

/// The invoice XML embedded in a hybrid PDF, as stored (not parsed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbeddedXml {
    /// The attachment's file name (`factur-x.xml`…).
    pub name: String,
    /// Its bytes, decompressed.
    pub bytes: Vec<u8>,
    /// What the PDF says about it.
    pub info: PdfInfo,
}

/// Extracts the invoice XML of a hybrid PDF without reading it: what the Python reference
/// `facturx.get_xml_from_pdf` does. Never panics.
pub fn embedded_xml(file_name: &str, bytes: &[u8]) -> Result<EmbeddedXml, ReadError> {
    let origin = Origin::file(file_name);
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge { origin, size, limit: MAX_FILE_BYTES });
    }
    let found = pdf::read(&origin, bytes)?;
    Ok(EmbeddedXml { name: found.attachment_name, bytes: found.xml, info: found.info })
}

enum Sniffed {
    Pdf,
    Xml,
    Other,
}

/// PDF when `%PDF-` appears in the first kilobyte (the PDF specification tolerates leading junk);
/// XML when the first non-blank character, after any byte-order mark, is `<`.
fn sniff(bytes: &[u8]) -> Sniffed {
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        return Sniffed::Pdf;
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Sniffed::Xml;
    }
    let rest = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match rest.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => Sniffed::Xml,
        _ => Sniffed::Other,
    }
}

fn start_of(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(16)];
    String::from_utf8_lossy(head).chars().map(|c| if c.is_control() { '.' } else { c }).collect()
}

/// The SHA-256 of bytes, in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0F)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_tells_pdf_xml_and_other_apart() {
        assert!(matches!(sniff(b"%PDF-1.7\n"), Sniffed::Pdf));
        assert!(matches!(sniff(b"junk before %PDF-1.4"), Sniffed::Pdf), "leading junk is tolerated");
        assert!(matches!(sniff(b"\xEF\xBB\xBF\n<?xml version='1.0'?><a/>"), Sniffed::Xml), "BOM then XML");
        assert!(matches!(sniff(b"  <Invoice/>"), Sniffed::Xml));
        assert!(matches!(sniff(b"Bad XML"), Sniffed::Other));
        assert!(matches!(sniff(b""), Sniffed::Other), "empty input is neither");
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let err = read_bytes("x.xml", b"Bad XML").unwrap_err();
        assert_eq!(err.to_string(), "x.xml: this is neither a PDF nor an XML file (it starts with \"Bad XML\")");
        let err = read_bytes("tiny.pdf", b"%PDF-1.4\n%%EOF").unwrap_err();
        assert!(matches!(err, ReadError::PdfUnreadable { .. }), "a 15-byte PDF is unreadable, got {err}");
    }

    #[test]
    fn the_size_limit_is_enforced_before_reading() {
        let big = vec![b' '; usize::try_from(MAX_FILE_BYTES).unwrap() + 1];
        assert!(matches!(read_bytes("big.xml", &big), Err(ReadError::TooLarge { .. })));
    }

    #[test]
    fn only_the_hashed_read_hashes() {
        let xml = b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'><x/></Invoice>";
        let plain = read_bytes("a.xml", xml);
        let hashed = read_bytes_hashed("a.xml", xml);
        // Not an invoice (no date, no amount) either way: the same refusal.
        assert_eq!(plain.as_ref().err(), hashed.as_ref().err(), "hashing changes nothing else");
        let ubl =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/ubl/01.01a-INVOICE_ubl.xml"))
                .expect("the corpus UBL example");
        let plain = read_bytes("b.xml", &ubl).expect("a UBL invoice");
        let hashed = read_bytes_hashed("b.xml", &ubl).expect("a UBL invoice");
        assert_eq!(plain.file_sha256, None, "the plain read does not hash");
        assert_eq!(hashed.file_sha256.as_deref(), Some(sha256_hex(&ubl).as_str()));
        assert_eq!(hashed.xml_sha256, hashed.file_sha256, "an XML file is its own invoice XML");
        assert_eq!(
            EInvoice { file_sha256: None, xml_sha256: None, ..hashed },
            plain,
            "apart from the hashes, the same result"
        );
    }

    #[test]
    fn sha256_is_hex() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
