//! Hybrid PDFs (Factur-X, ZUGFeRD 1/2, XRechnung in a PDF; PDF/A-3 and PDF 2.0 / PDF/A-4): find
//! the invoice XML among the embedded files and read the XMP metadata.
//!
//! The invoice is found by name, whatever its `/AFRelationship` (`/Alternative`, `/Data`,
//! `/Source`, `/Unspecified` all occur): `factur-x.xml`, then `zugferd-invoice.xml` (also spelled
//! `ZUGFeRD-invoice.xml` by ZUGFeRD 1), then `xrechnung.xml`. Embedded files are collected from the
//! catalog's `/Names /EmbeddedFiles` name tree and from its `/AF` array: some producers fill only
//! one of them. Walking the name tree is bounded (depth, visited objects), and decompression is
//! capped, so a hostile PDF cannot loop or inflate without end.

use std::borrow::Cow;
use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};

use lopdf::{decode_text_string, Document, LoadOptions, ObjectId};

use self::lazy::{stream_content, Dict, LazyPdf, Obj};
use serde::Serialize;

use super::{Diagnostic, EInvoice, Level, Origin, ReadError, MAX_FILE_BYTES};

mod lazy;

/// Invoice attachment names, in order of preference (compared without regard to case).
pub const INVOICE_ATTACHMENT_NAMES: [&str; 3] = ["factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml"];

/// Most decompressed bytes accepted for one stream ([`crate::limits::MAX_PDF_STREAM_BYTES`]).
const MAX_STREAM_BYTES: usize = crate::limits::MAX_PDF_STREAM_BYTES;
/// Deepest name-tree nesting followed ([`crate::limits::MAX_PDF_NAME_TREE_DEPTH`]).
const MAX_NAME_TREE_DEPTH: usize = crate::limits::MAX_PDF_NAME_TREE_DEPTH;
/// Most embedded files listed ([`crate::limits::MAX_PDF_ATTACHMENTS`]).
const MAX_ATTACHMENTS: usize = crate::limits::MAX_PDF_ATTACHMENTS;

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

/// Where objects come from: the lazy reader (borrowing from the file), or lopdf's fully loaded
/// document (converted).
trait Source {
    fn object(&self, id: ObjectId) -> Option<Obj<'_>>;
}

impl Source for LazyPdf<'_> {
    fn object(&self, id: ObjectId) -> Option<Obj<'_>> {
        self.get(id).ok()
    }
}

impl Source for Document {
    fn object(&self, id: ObjectId) -> Option<Obj<'_>> {
        self.get_object(id).ok().map(Obj::from_lopdf)
    }
}

/// The object itself, references followed (a bounded number of times); borrowed when it is
/// already a direct object.
fn resolve<'o>(src: &'o dyn Source, o: &'o Obj<'o>) -> Option<Cow<'o, Obj<'o>>> {
    let Obj::Ref(mut id) = o else { return Some(Cow::Borrowed(o)) };
    for _ in 0..16 {
        match src.object(id)? {
            Obj::Ref(next) => id = next,
            other => return Some(Cow::Owned(other)),
        }
    }
    None
}

fn find(origin: &Origin, bytes: &[u8]) -> Result<Found, ReadError> {
    // Fast path: the lazy reader, trusted when every object it needed could be read.
    if let Ok(lazy) = LazyPdf::open(bytes) {
        if let Ok(catalog) = lazy.catalog() {
            let result = locate(origin, &lazy, &catalog, lazy.version.clone());
            if result.is_ok() || !lazy.had_failures() {
                return result;
            }
        }
    }
    // Full load, which repairs damaged cross-reference data and decrypts empty passwords.
    let options = LoadOptions { max_decompressed_size: Some(MAX_STREAM_BYTES), ..LoadOptions::default() };
    let doc = Document::load_mem_with_options(bytes, options)
        .map_err(|e| ReadError::PdfUnreadable { origin: origin.clone(), reason: describe(&e) })?;
    let catalog = doc
        .catalog()
        .map_err(|e| ReadError::PdfUnreadable { origin: origin.clone(), reason: format!("it has no catalog ({e})") })?;
    let catalog = Dict::from_lopdf(catalog);
    locate(origin, &doc, &catalog, doc.version.clone())
}

/// Finds the invoice attachment and reads the XMP metadata.
fn locate(origin: &Origin, src: &dyn Source, catalog: &Dict<'_>, version: String) -> Result<Found, ReadError> {
    let attachments = attachments(src, catalog);
    let mut diagnostics = Vec::new();
    let mut info =
        PdfInfo { version, attachments: attachments.iter().map(|a| a.name.clone()).collect(), ..PdfInfo::default() };
    read_xmp(src, catalog, &mut info, &mut diagnostics);

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
    let xml = embedded_bytes(src, chosen.spec).map_err(|reason| ReadError::PdfUnreadable {
        origin: origin.clone(),
        reason: format!("the embedded {} cannot be extracted: {reason}", chosen.name),
    })?;
    Ok(Found { attachment_name: chosen.name.clone(), xml, info, diagnostics })
}

fn name_of(o: &Obj<'_>) -> Option<String> {
    match o {
        Obj::Name(n) => Some(String::from_utf8_lossy(n).into_owned()),
        _ => None,
    }
}

/// A text string (names of attachments), decoded as lopdf does: UTF-16 or UTF-8 with a
/// byte-order mark, else PDFDocEncoding.
fn text_of(o: &Obj<'_>) -> Option<String> {
    match o {
        Obj::Str(bytes, format) => decode_text_string(&lopdf::Object::String(bytes.to_vec(), *format)).ok(),
        _ => None,
    }
}

/// The dictionary an object is or refers to.
fn dict_of<'o>(src: &'o dyn Source, o: &'o Obj<'o>) -> Option<Cow<'o, Dict<'o>>> {
    match resolve(src, o)? {
        Cow::Borrowed(Obj::Dict(d)) => Some(Cow::Borrowed(d)),
        Cow::Owned(Obj::Dict(d)) => Some(Cow::Owned(d)),
        _ => None,
    }
}

/// Every embedded file spec of the name tree and of the catalog's /AF, without repeats.
fn attachments(src: &dyn Source, catalog: &Dict<'_>) -> Vec<Attachment> {
    let mut specs: Vec<(Option<String>, ObjectId, bool)> = Vec::new(); // (name-tree key, spec, from AF)
    if let Some(names) = catalog.get(b"Names").and_then(|n| dict_of(src, n)) {
        if let Some(tree) = names.get(b"EmbeddedFiles") {
            let mut visited = HashSet::new();
            walk_name_tree(src, tree, 0, &mut visited, &mut specs);
        }
    }
    if let Some(af) = catalog.get(b"AF").and_then(|a| resolve(src, a)) {
        if let Obj::Array(af) = af.as_ref() {
            for spec in af.iter().take(MAX_ATTACHMENTS) {
                if let Some(id) = spec.as_ref_id() {
                    specs.push((None, id, true));
                }
            }
        }
    }
    let mut out: Vec<Attachment> = Vec::new();
    for (key, id, from_af) in specs {
        let Some(Obj::Dict(spec)) = src.object(id) else { continue };
        let name = ["UF", "F"]
            .iter()
            .find_map(|k| spec.get(k.as_bytes()).and_then(|o| resolve(src, o)).and_then(|o| text_of(&o)))
            .filter(|n| !n.is_empty())
            .or(key)
            .unwrap_or_else(|| format!("unnamed attachment {} {}", id.0, id.1));
        let relationship = spec.get(b"AFRelationship").and_then(|o| resolve(src, o)).and_then(|o| name_of(&o));
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
    src: &dyn Source,
    node: &Obj<'_>,
    depth: usize,
    visited: &mut HashSet<ObjectId>,
    out: &mut Vec<(Option<String>, ObjectId, bool)>,
) {
    if depth > MAX_NAME_TREE_DEPTH || out.len() >= MAX_ATTACHMENTS {
        return;
    }
    if let Some(id) = node.as_ref_id() {
        if !visited.insert(id) {
            return;
        }
    }
    let Some(dict) = dict_of(src, node) else { return };
    if let Some(names) = dict.get(b"Names").and_then(|n| resolve(src, n)) {
        if let Obj::Array(names) = names.as_ref() {
            for pair in names.chunks(2) {
                if let [key, value] = pair {
                    if let Some(id) = value.as_ref_id() {
                        let key = resolve(src, key).and_then(|k| text_of(&k));
                        out.push((key, id, false));
                    }
                }
            }
        }
    }
    if let Some(kids) = dict.get(b"Kids").and_then(|k| resolve(src, k)) {
        if let Obj::Array(kids) = kids.as_ref() {
            for kid in kids {
                walk_name_tree(src, kid, depth + 1, visited, out);
            }
        }
    }
}

/// The bytes of the file a file spec embeds (`/EF /F`, or `/EF /UF`).
fn embedded_bytes(src: &dyn Source, spec: ObjectId) -> Result<Vec<u8>, String> {
    let Some(Obj::Dict(spec)) = src.object(spec) else {
        return Err("the file spec is not a dictionary".to_owned());
    };
    let ef = spec.get(b"EF").and_then(|o| dict_of(src, o)).ok_or_else(|| "the file spec has no /EF".to_owned())?;
    let stream = ef.get(b"F").or_else(|| ef.get(b"UF")).and_then(|o| resolve(src, o));
    let Some(Obj::Stream(dict, content)) = stream.as_deref() else {
        return Err("the file spec's /EF holds no stream".to_owned());
    };
    let limit = usize::try_from(MAX_FILE_BYTES).unwrap_or(usize::MAX);
    stream_content(dict, content, limit).map(Cow::into_owned)
}

/// Reads the Factur-X / ZUGFeRD and PDF/A properties of the catalog's XMP metadata.
fn read_xmp(src: &dyn Source, catalog: &Dict<'_>, info: &mut PdfInfo, diags: &mut Vec<Diagnostic>) {
    let metadata = catalog.get(b"Metadata").and_then(|m| resolve(src, m));
    let Some(Obj::Stream(dict, content)) = metadata.as_deref() else {
        diags.push(Diagnostic::new(
            Level::Warning,
            "FX-XMP",
            "the PDF has no XMP metadata: it is not a valid PDF/A-3",
            "",
        ));
        return;
    };
    let bytes = match stream_content(dict, content, MAX_STREAM_BYTES) {
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
    // The properties are read by scanning rather than parsing: XMP packets are padded and carry
    // long extension schemas, and some are not well-formed (a bare `&`) yet name the profile.
    let text = String::from_utf8_lossy(&bytes);
    let [conformance_level, document_file_name, document_type, version, part, conformance] = xmp_properties(
        &text,
        [
            (None, "ConformanceLevel"),
            (None, "DocumentFileName"),
            (None, "DocumentType"),
            (None, "Version"),
            (Some("pdfaid"), "part"),
            (Some("pdfaid"), "conformance"),
        ],
    );
    info.xmp_conformance_level = conformance_level;
    info.xmp_document_file_name = document_file_name;
    info.xmp_document_type = document_type;
    info.xmp_version = version;
    info.pdfa_part = part;
    info.pdfa_conformance = conformance;
}

/// The value of an XMP property written `<prefix:Name>value</prefix:Name>` or as an attribute
/// `prefix:Name="value"`, with any prefix or the one given. Schema descriptions that merely name
/// the property (`<pdfaProperty:name>Version</pdfaProperty:name>`) do not match: the name must
/// follow a prefix and be followed by `>` or `=`.
#[cfg(test)]
fn xmp_property(text: &str, prefix: Option<&str>, name: &str) -> Option<String> {
    let [found] = xmp_properties(text, [(prefix, name)]);
    found
}

/// Several XMP properties (as [`xmp_property`] describes them) in one pass over the packet: each
/// `:` is a candidate for every name, and each property takes its first valid occurrence.
fn xmp_properties<const N: usize>(text: &str, wanted: [(Option<&str>, &str); N]) -> [Option<String>; N] {
    let mut found: [Option<String>; N] = std::array::from_fn(|_| None);
    let mut missing = N;
    for (colon, _) in text.match_indices(':') {
        if missing == 0 {
            break;
        }
        let Some(after_colon) = text.get(colon + 1..) else { continue };
        for (slot, (prefix, name)) in found.iter_mut().zip(wanted) {
            if slot.is_some() || !after_colon.starts_with(name) {
                continue;
            }
            if let Some(value) = xmp_value(text, colon, prefix, name) {
                *slot = Some(value);
                missing -= 1;
            }
        }
    }
    found
}

/// The value of the property `name` written right after the `:` at `colon`, when that occurrence
/// is a start tag or an attribute with a non-empty (or the wanted) prefix and a non-empty value.
fn xmp_value(text: &str, colon: usize, prefix: Option<&str>, name: &str) -> Option<String> {
    let before = text.get(..colon)?;
    let prefix_start = before.rfind(|c: char| c.is_whitespace() || c == '<' || c == '/').map_or(0, |i| i + 1);
    let found_prefix = &before[prefix_start..];
    if found_prefix.is_empty() || prefix.is_some_and(|p| p != found_prefix) {
        return None;
    }
    let after = text.get(colon + 1 + name.len()..)?;
    let value = if let Some(rest) = after.strip_prefix('>') {
        // An element: its start tag, not its end tag.
        if !before[..prefix_start].ends_with('<') {
            return None;
        }
        &rest[..rest.find('<')?]
    } else if let Some(rest) = after.trim_start().strip_prefix('=') {
        let rest = rest.trim_start();
        let quote = rest.chars().next().filter(|q| *q == '"' || *q == '\'')?;
        let rest = &rest[1..];
        &rest[..rest.find(quote)?]
    } else {
        return None;
    };
    let value = value.trim();
    let value = if value.contains('&') {
        value
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&")
    } else {
        value.to_owned()
    };
    (!value.is_empty()).then_some(value)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal hybrid PDF: a catalog, optionally a name tree and /AF, one file spec per
    /// attachment, no XMP.
    fn pdf(attachments: &[(&str, &[u8])], name_tree: bool, af: bool) -> Vec<u8> {
        let n = attachments.len();
        let spec_ids: Vec<usize> = (0..n).map(|i| 2 + 2 * i).collect();
        let mut catalog = String::from("<< /Type /Catalog");
        if name_tree {
            let entries: Vec<String> =
                attachments.iter().zip(&spec_ids).map(|((name, _), id)| format!("({name}) {id} 0 R")).collect();
            catalog.push_str(&format!(" /Names << /EmbeddedFiles << /Names [{}] >> >>", entries.join(" ")));
        }
        if af {
            let refs: Vec<String> = spec_ids.iter().map(|id| format!("{id} 0 R")).collect();
            catalog.push_str(&format!(" /AF [{}]", refs.join(" ")));
        }
        catalog.push_str(" >>");
        let mut bodies: Vec<Vec<u8>> = vec![catalog.into_bytes()];
        for ((name, content), id) in attachments.iter().zip(&spec_ids) {
            bodies.push(
                format!("<< /Type /Filespec /F ({name}) /AFRelationship /Alternative /EF << /F {} 0 R >> >>", id + 1)
                    .into_bytes(),
            );
            let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
            stream.extend_from_slice(content);
            stream.extend_from_slice(b"\nendstream");
            bodies.push(stream);
        }
        let mut out = b"%PDF-1.7\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in bodies.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", bodies.len() + 1).as_bytes());
        for o in offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", bodies.len() + 1).as_bytes(),
        );
        out
    }

    fn found(bytes: &[u8]) -> Result<Found, ReadError> {
        read(&Origin::file("t.pdf"), bytes)
    }

    #[test]
    fn the_invoice_is_found_in_the_name_tree_or_in_af() {
        let xml: &[u8] = b"<x/>";
        for (tree, af) in [(true, false), (false, true), (true, true)] {
            let f =
                found(&pdf(&[("factur-x.xml", xml)], tree, af)).unwrap_or_else(|e| panic!("tree {tree} af {af}: {e}"));
            assert_eq!(f.attachment_name, "factur-x.xml", "found with tree {tree}, af {af}");
            assert_eq!(f.xml, xml, "the bytes as embedded");
            assert_eq!(f.info.in_catalog_af, af, "/AF membership is recorded");
            assert_eq!(f.info.in_name_tree, tree, "name-tree membership is recorded");
        }
    }

    #[test]
    fn names_decide_not_relationships_and_factur_x_comes_first() {
        let f = found(&pdf(&[("ZUGFeRD-invoice.xml", b"<zf1/>"), ("factur-x.xml", b"<fx/>")], true, true)).unwrap();
        assert_eq!(f.attachment_name, "factur-x.xml", "factur-x.xml wins over the ZUGFeRD 1 file");
        assert!(f.diagnostics.iter().any(|d| d.rule == "FX-ATTACHMENT"), "the other XML is mentioned");
        let f = found(&pdf(&[("Bon_de_livraison.pdf", b"%PDF"), ("xrechnung.xml", b"<x/>")], true, false)).unwrap();
        assert_eq!(f.attachment_name, "xrechnung.xml", "another attachment is not the invoice");
        let err = found(&pdf(&[("order-x.xml", b"<o/>")], true, true)).err();
        assert!(
            matches!(&err, Some(ReadError::NoEmbeddedInvoice { attachments, .. }) if attachments == &["order-x.xml".to_owned()]),
            "an Order-X PDF carries no invoice, and the error lists what it carries: {err:?}"
        );
        let err = found(&pdf(&[], false, false)).err();
        assert!(matches!(err, Some(ReadError::NoEmbeddedInvoice { .. })), "a plain PDF: {err:?}");
    }

    /// The lazy reader and lopdf's full load find the same thing in every corpus PDF.
    #[test]
    fn the_lazy_reader_agrees_with_the_full_load_on_the_corpus() {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/facturx"));
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("the corpus is missing at {}: {e}", dir.display()));
        let mut compared = 0;
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            let bytes = std::fs::read(&path).expect("a corpus file");
            let origin = Origin::file(&path.display().to_string());
            let Ok(lazy) = LazyPdf::open(&bytes) else { continue };
            let Ok(catalog) = lazy.catalog() else { continue };
            let fast = locate(&origin, &lazy, &catalog, lazy.version.clone());
            let Ok(doc) = Document::load_mem(&bytes) else { continue };
            let full = locate(&origin, &doc, &Dict::from_lopdf(doc.catalog().expect("a catalog")), doc.version.clone());
            match (fast, full) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.attachment_name, b.attachment_name, "{}", path.display());
                    assert_eq!(a.xml, b.xml, "the same bytes: {}", path.display());
                    assert_eq!(a.info, b.info, "the same PDF facts: {}", path.display());
                    compared += 1;
                }
                (Err(a), Err(b)) => assert_eq!(a, b, "the same refusal: {}", path.display()),
                (a, b) => panic!(
                    "{}: lazy {:?} but full {:?}",
                    path.display(),
                    a.map(|f| f.attachment_name),
                    b.map(|f| f.attachment_name)
                ),
            }
        }
        assert!(compared >= 50, "most corpus PDFs go through both readers, {compared} did");
    }

    #[test]
    fn xmp_properties_in_both_forms() {
        let xmp = r#"<?xpacket begin="\u{feff}"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>
            <rdf:Description xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" pdfaid:part="3" pdfaid:conformance='B'/>
            <rdf:Description><dc:creator>mustang & project</dc:creator></rdf:Description>
            <rdf:Description><pdfaExtension:schemas><pdfaProperty:name>Version</pdfaProperty:name>
              <pdf:PDFVersion>1.7</pdf:PDFVersion><xmpMM:VersionID>9</xmpMM:VersionID></pdfaExtension:schemas></rdf:Description>
            <rdf:Description xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#">
              <fx:ConformanceLevel> EN 16931 </fx:ConformanceLevel><fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>
              <fx:Version>1.0</fx:Version></rdf:Description></rdf:RDF></x:xmpmeta>"#;
        assert_eq!(xmp_property(xmp, None, "ConformanceLevel").as_deref(), Some("EN 16931"));
        assert_eq!(xmp_property(xmp, None, "DocumentFileName").as_deref(), Some("factur-x.xml"));
        assert_eq!(
            xmp_property(xmp, None, "Version").as_deref(),
            Some("1.0"),
            "not the schema description, not PDFVersion"
        );
        assert_eq!(xmp_property(xmp, Some("pdfaid"), "part").as_deref(), Some("3"));
        assert_eq!(xmp_property(xmp, Some("pdfaid"), "conformance").as_deref(), Some("B"));
        assert_eq!(xmp_property(xmp, None, "DocumentType"), None);
        let zf1 = r#"<rdf:Description zf:ConformanceLevel="BASIC" zf:DocumentType="INVOICE" zf:Version="1.0"/>"#;
        assert_eq!(xmp_property(zf1, None, "ConformanceLevel").as_deref(), Some("BASIC"));
        assert_eq!(xmp_property(zf1, None, "Version").as_deref(), Some("1.0"));
        for odd in ["", ":", "<:ConformanceLevel>", "a:ConformanceLevel=", "<a:ConformanceLevel>x", "é:Version='"] {
            let _ = xmp_property(odd, None, "ConformanceLevel");
            let _ = xmp_property(odd, None, "Version");
        }
    }
}
