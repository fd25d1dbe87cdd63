//! Hybrid PDFs (Factur-X, ZUGFeRD 1/2, XRechnung in a PDF; PDF/A-3 and PDF 2.0 / PDF/A-4): find
//! the invoice XML among the embedded files and read the XMP metadata.
//!
//! The invoice is found by name, whatever its `/AFRelationship` (`/Alternative`, `/Data`,
//! `/Source`, `/Unspecified` all occur): `factur-x.xml`, then `zugferd-invoice.xml` (also spelled
//! `ZUGFeRD-invoice.xml` by ZUGFeRD 1), then `xrechnung.xml`. Embedded files are collected from the
//! catalog's `/Names /EmbeddedFiles` name tree and from its `/AF` array: some producers fill only
//! one of them. Walking the name tree is bounded (depth, visited objects), and decompression is
//! capped, so a hostile PDF cannot loop or inflate without end.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};

use lopdf::{decode_text_string, Dictionary, Document, LoadOptions, Object, ObjectId};
use serde::Serialize;

use super::{Diagnostic, EInvoice, Level, Origin, ReadError, MAX_FILE_BYTES};
use crate::xml::{self, Tree};

/// Invoice attachment names, in order of preference (compared without regard to case).
pub const INVOICE_ATTACHMENT_NAMES: [&str; 3] = ["factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml"];

/// Most decompressed bytes accepted for one stream.
const MAX_STREAM_BYTES: usize = 64 * 1024 * 1024;
/// Deepest name-tree nesting followed.
const MAX_NAME_TREE_DEPTH: usize = 32;
/// Most embedded files listed.
const MAX_ATTACHMENTS: usize = 10_000;

/// What the PDF itself says about the invoice it carries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PdfInfo {
    /// The PDF version from the header (`1.4`, `1.7`, `2.0`).
    pub version: String,
    /// Names of every embedded file, from the name tree and `/AF`, without repeats.
    pub attachments: Vec<String>,
    /// `/AFRelationship` of the invoice attachment (`Alternative`, `Data`, `Source`…).
    pub relationship: Option<String>,
    /// The invoice attachment is listed in the catalog's `/AF` (PDF/A-3 requires it).
    pub in_catalog_af: bool,
    /// The invoice attachment is listed in the `/EmbeddedFiles` name tree.
    pub in_name_tree: bool,
    /// XMP `fx:ConformanceLevel` (`EN 16931`, `BASIC WL`…).
    pub xmp_conformance_level: Option<String>,
    /// XMP `fx:DocumentFileName`.
    pub xmp_document_file_name: Option<String>,
    /// XMP `fx:DocumentType` (`INVOICE`).
    pub xmp_document_type: Option<String>,
    /// XMP `fx:Version`.
    pub xmp_version: Option<String>,
    /// XMP `pdfaid:part` (3 for PDF/A-3, 4 for PDF/A-4).
    pub pdfa_part: Option<String>,
    /// XMP `pdfaid:conformance` (`A`, `B`, `U`; absent in PDF/A-4).
    pub pdfa_conformance: Option<String>,
}

/// The invoice XML found in a PDF.
pub(crate) struct Found {
    pub attachment_name: String,
    pub xml: Vec<u8>,
    pub info: PdfInfo,
    pub diagnostics: Vec<Diagnostic>,
}

struct Attachment {
    name: String,
    relationship: Option<String>,
    spec: ObjectId,
    in_af: bool,
    in_name_tree: bool,
}

/// Opens the PDF and extracts the invoice XML. A panic inside the PDF library is turned into
/// [`ReadError::PdfUnreadable`]: a broken PDF must never take the application down.
pub(crate) fn read(origin: &Origin, bytes: &[u8]) -> Result<Found, ReadError> {
    match catch_unwind(AssertUnwindSafe(|| find(origin, bytes))) {
        Ok(result) => result,
        Err(_) => Err(ReadError::PdfUnreadable {
            origin: origin.clone(),
            reason: "the PDF structure is too damaged to be read".to_owned(),
        }),
    }
}

fn describe(e: &lopdf::Error) -> String {
    match e {
        lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword => "it is encrypted with a password".to_owned(),
        other => other.to_string(),
    }
}

fn find(origin: &Origin, bytes: &[u8]) -> Result<Found, ReadError> {
    let options = LoadOptions { max_decompressed_size: Some(MAX_STREAM_BYTES), ..LoadOptions::default() };
    let doc = Document::load_mem_with_options(bytes, options)
        .map_err(|e| ReadError::PdfUnreadable { origin: origin.clone(), reason: describe(&e) })?;
    let catalog = doc
        .catalog()
        .map_err(|e| ReadError::PdfUnreadable { origin: origin.clone(), reason: format!("it has no catalog ({e})") })?;
    let attachments = attachments(&doc, catalog);
    let mut diagnostics = Vec::new();
    let mut info = PdfInfo {
        version: doc.version.clone(),
        attachments: attachments.iter().map(|a| a.name.clone()).collect(),
        ..PdfInfo::default()
    };
    read_xmp(&doc, catalog, &mut info, &mut diagnostics);

    let chosen = INVOICE_ATTACHMENT_NAMES
        .iter()
        .find_map(|want| attachments.iter().find(|a| a.name.eq_ignore_ascii_case(want)))
        .or_else(|| {
            // A producer may use another name; the XMP says which file is the invoice.
            let named = info.xmp_document_file_name.as_deref()?;
            let invoice = info.xmp_document_type.as_deref().is_none_or(|t| t.eq_ignore_ascii_case("INVOICE"));
            let a = attachments.iter().find(|a| a.name == named && a.name.to_ascii_lowercase().ends_with(".xml"))?;
            invoice.then_some(a)
        });
    let Some(chosen) = chosen else {
        return Err(ReadError::NoEmbeddedInvoice { origin: origin.clone(), attachments: info.attachments });
    };
    let others: Vec<&str> = attachments
        .iter()
        .filter(|a| a.spec != chosen.spec && a.name.to_ascii_lowercase().ends_with(".xml"))
        .map(|a| a.name.as_str())
        .collect();
    if !others.is_empty() {
        diagnostics.push(Diagnostic::new(
            Level::Info,
            "FX-ATTACHMENT",
            format!("the PDF also carries {}; {} was read as the invoice", others.join(", "), chosen.name),
            "",
        ));
    }
    info.relationship = chosen.relationship.clone();
    info.in_catalog_af = chosen.in_af;
    info.in_name_tree = chosen.in_name_tree;
    let xml = embedded_bytes(&doc, chosen.spec).map_err(|reason| ReadError::PdfUnreadable {
        origin: origin.clone(),
        reason: format!("the embedded {} cannot be extracted: {reason}", chosen.name),
    })?;
    Ok(Found { attachment_name: chosen.name.clone(), xml, info, diagnostics })
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    doc.dereference(o).map(|(_, o)| o).unwrap_or(o)
}

fn name_of(o: &Object) -> Option<String> {
    o.as_name().ok().map(|n| String::from_utf8_lossy(n).into_owned())
}

/// Every embedded file spec of the name tree and of the catalog's /AF, without repeats.
fn attachments(doc: &Document, catalog: &Dictionary) -> Vec<Attachment> {
    let mut specs: Vec<(Option<String>, ObjectId, bool)> = Vec::new(); // (name-tree key, spec, from AF)
    if let Some(tree) =
        catalog.get(b"Names").ok().and_then(|n| deref(doc, n).as_dict().ok()).and_then(|n| n.get(b"EmbeddedFiles").ok())
    {
        let mut visited = HashSet::new();
        walk_name_tree(doc, tree, 0, &mut visited, &mut specs);
    }
    if let Ok(af) = catalog.get(b"AF").map(|a| deref(doc, a)).and_then(Object::as_array) {
        for spec in af.iter().take(MAX_ATTACHMENTS) {
            if let Ok(id) = spec.as_reference() {
                specs.push((None, id, true));
            }
        }
    }
    let mut out: Vec<Attachment> = Vec::new();
    for (key, id, from_af) in specs {
        let Ok(spec) = doc.get_dictionary(id) else { continue };
        let name = ["UF", "F"]
            .iter()
            .find_map(|k| spec.get(k.as_bytes()).ok().and_then(|o| decode_text_string(deref(doc, o)).ok()))
            .filter(|n| !n.is_empty())
            .or(key)
            .unwrap_or_else(|| format!("unnamed attachment {} {}", id.0, id.1));
        let relationship = spec.get(b"AFRelationship").ok().and_then(|o| name_of(deref(doc, o)));
        match out.iter_mut().find(|a| a.spec == id || a.name == name) {
            Some(a) => {
                a.in_af |= from_af;
                a.in_name_tree |= !from_af;
            }
            None => out.push(Attachment { name, relationship, spec: id, in_af: from_af, in_name_tree: !from_af }),
        }
    }
    out
}

fn walk_name_tree(
    doc: &Document,
    node: &Object,
    depth: usize,
    visited: &mut HashSet<ObjectId>,
    out: &mut Vec<(Option<String>, ObjectId, bool)>,
) {
    if depth > MAX_NAME_TREE_DEPTH || out.len() >= MAX_ATTACHMENTS {
        return;
    }
    if let Ok(id) = node.as_reference() {
        if !visited.insert(id) {
            return;
        }
    }
    let Ok(dict) = deref(doc, node).as_dict() else { return };
    if let Ok(names) = dict.get(b"Names").map(|n| deref(doc, n)).and_then(Object::as_array) {
        for pair in names.chunks(2) {
            if let [key, value] = pair {
                if let Ok(id) = value.as_reference() {
                    out.push((decode_text_string(deref(doc, key)).ok(), id, false));
                }
            }
        }
    }
    if let Ok(kids) = dict.get(b"Kids").map(|k| deref(doc, k)).and_then(Object::as_array) {
        for kid in kids {
            walk_name_tree(doc, kid, depth + 1, visited, out);
        }
    }
}

/// The bytes of the file a file spec embeds (`/EF /F`, or `/EF /UF`).
fn embedded_bytes(doc: &Document, spec: ObjectId) -> Result<Vec<u8>, String> {
    let spec = doc.get_dictionary(spec).map_err(|e| e.to_string())?;
    let ef = spec
        .get(b"EF")
        .map(|o| deref(doc, o))
        .and_then(Object::as_dict)
        .map_err(|_| "the file spec has no /EF".to_owned())?;
    let stream = ef
        .get(b"F")
        .or_else(|_| ef.get(b"UF"))
        .map(|o| deref(doc, o))
        .and_then(Object::as_stream)
        .map_err(|_| "the file spec's /EF holds no stream".to_owned())?;
    let limit = usize::try_from(MAX_FILE_BYTES).unwrap_or(usize::MAX);
    stream.decompressed_content_with_limit(limit).map_err(|e| e.to_string())
}

/// Reads the Factur-X / ZUGFeRD and PDF/A properties of the catalog's XMP metadata.
fn read_xmp(doc: &Document, catalog: &Dictionary, info: &mut PdfInfo, diags: &mut Vec<Diagnostic>) {
    let Some(stream) = catalog.get(b"Metadata").ok().and_then(|m| deref(doc, m).as_stream().ok()) else {
        diags.push(Diagnostic::new(
            Level::Warning,
            "FX-XMP",
            "the PDF has no XMP metadata: it is not a valid PDF/A-3",
            "",
        ));
        return;
    };
    let bytes = match stream.decompressed_content_with_limit(MAX_STREAM_BYTES) {
        Ok(b) => b,
        Err(e) => {
            diags.push(Diagnostic::new(
                Level::Warning,
                "FX-XMP",
                format!("the XMP metadata cannot be decompressed: {e}"),
                "",
            ));
            return;
        }
    };
    let tree = xml::decode(&bytes).and_then(|d| Tree::parse(&d.text));
    let tree = match tree {
        Ok(t) => t,
        Err(e) => {
            let why = match e {
                xml::XmlError::Malformed { line, column, reason } => format!("line {line}, column {column}: {reason}"),
                xml::XmlError::Encoding { declared, reason } => format!("encoding {declared:?}: {reason}"),
                xml::XmlError::NoRoot => "it is empty".to_owned(),
            };
            diags.push(Diagnostic::new(
                Level::Warning,
                "FX-XMP",
                format!("the XMP metadata is not well-formed XML ({why}); the profile it declares was not read"),
                "",
            ));
            return;
        }
    };
    let is_fx = |ns: &str| ns.contains("factur-x") || ns.contains("ferd") || ns.contains("zugferd");
    for el in tree.elements() {
        let value = el.text();
        let fx = is_fx(el.namespace());
        let slot = match el.local() {
            "ConformanceLevel" if fx => Some(&mut info.xmp_conformance_level),
            "DocumentFileName" if fx => Some(&mut info.xmp_document_file_name),
            "DocumentType" if fx => Some(&mut info.xmp_document_type),
            "Version" if fx => Some(&mut info.xmp_version),
            "part" if el.namespace().contains("pdfa/ns/id") => Some(&mut info.pdfa_part),
            "conformance" if el.namespace().contains("pdfa/ns/id") => Some(&mut info.pdfa_conformance),
            _ => None,
        };
        if let Some(slot) = slot {
            if slot.is_none() && !value.is_empty() {
                *slot = Some(value.to_owned());
            }
        }
        // Properties may also be written as attributes of rdf:Description.
        for (key, value) in el.attrs() {
            let local = key.rsplit(':').next().unwrap_or(key);
            let slot = match local {
                "ConformanceLevel" => &mut info.xmp_conformance_level,
                "DocumentFileName" => &mut info.xmp_document_file_name,
                "DocumentType" => &mut info.xmp_document_type,
                "Version" if key.starts_with("fx:") || key.starts_with("zf:") => &mut info.xmp_version,
                "part" if key.starts_with("pdfaid:") => &mut info.pdfa_part,
                "conformance" if key.starts_with("pdfaid:") => &mut info.pdfa_conformance,
                _ => continue,
            };
            if slot.is_none() && !value.trim().is_empty() {
                *slot = Some(value.trim().to_owned());
            }
        }
    }
}

/// The profile name without spaces and generation prefix, COMFORT being ZUGFeRD's EN 16931.
fn normalised_profile(p: &str) -> String {
    let p = p.trim();
    let p = p.strip_prefix("ZUGFeRD1 ").unwrap_or(p);
    let p: String =
        p.chars().filter(|c| !c.is_whitespace() && *c != '-' && *c != '_').collect::<String>().to_ascii_uppercase();
    if p == "COMFORT" {
        "EN16931".to_owned()
    } else {
        p
    }
}

/// Compares what the PDF declares with what the XML says.
pub(crate) fn check_against_xml(info: &PdfInfo, inv: &EInvoice, d: &mut Vec<Diagnostic>) {
    let attachment = inv.attachment_name.as_deref().unwrap_or("");
    match (&info.xmp_conformance_level, &inv.profile) {
        (Some(declared), Some(profile)) if normalised_profile(declared) != normalised_profile(profile) => {
            d.push(Diagnostic::new(
                Level::Warning,
                "FX-XMP",
                format!("the PDF metadata declares the profile {declared:?} but the XML is {profile}"),
                "",
            ));
        }
        (None, _) if info.xmp_document_file_name.is_none() => d.push(Diagnostic::new(
            Level::Warning,
            "FX-XMP",
            "the PDF metadata has no Factur-X / ZUGFeRD properties (profile, file name)",
            "",
        )),
        _ => {}
    }
    if let Some(named) = &info.xmp_document_file_name {
        if !named.eq_ignore_ascii_case(attachment) {
            d.push(Diagnostic::new(
                Level::Warning,
                "FX-XMP",
                format!("the PDF metadata names the invoice file {named:?} but the invoice was read from {attachment}"),
                "",
            ));
        }
    }
    if !matches!(info.pdfa_part.as_deref(), Some("3" | "4")) {
        d.push(Diagnostic::new(
            Level::Warning,
            "PDF-A",
            match &info.pdfa_part {
                Some(p) => format!("the PDF declares PDF/A-{p}; a Factur-X must be PDF/A-3 (or PDF/A-4)"),
                None => "the PDF does not declare PDF/A-3 (no pdfaid:part in its metadata)".to_owned(),
            },
            "",
        ));
    }
    if !info.in_catalog_af {
        d.push(Diagnostic::new(
            Level::Info,
            "PDF-A",
            format!("{attachment} is not listed in the catalog's /AF array, which PDF/A-3 requires"),
            "",
        ));
    }
}
