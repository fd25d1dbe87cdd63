//! Turns the composed pages into a PDF file with printpdf: a `PdfDocument` with the two faces
//! (printpdf writes them as Type0/CIDFontType2, Identity-H, with the widths and a ToUnicode map of
//! the glyphs the document uses), the images as XObjects, one `PdfPage` of `Op`s per page, and
//! the document information.
//!
//! The faces are embedded whole (`FontEmbeddingMode::Full`): they are already subset once, at
//! load, to the documents' character set (`fonts.rs` says why not again for every document). As
//! a full embed, printpdf names them without a subset tag (`/BaseFont /EncoursSans-Regular`).
//!
//! Same input, same bytes (issue 7 §5). printpdf on its own is not deterministic: its resource
//! ids and the trailer `/ID` come from a process-wide counter, and its dates default to 1970.
//! So the fonts and images get fixed resource names (`layout::REGULAR_ID`, `layout::image_id`),
//! the dates are the document's own date (never the clock), and the file is saved the way
//! `PdfDocument::save` does it (`to_lopdf_document`, then lopdf writes it) with two changes: the
//! trailer `/ID` is a hash of the file's body instead of a random string, and the streams are
//! compressed at zlib level 1 instead of lopdf's level 9 ([`LEVEL`]), except the font programs,
//! compressed once per process at load.
//!
//! Cost (issue 7 benchmark, BENCHMARKS "PDF documents", one core): printpdf builds the whole
//! object graph and translates every operation for each document — a one-page reminder without
//! QR code takes ~0.65 ms of CPU in all, against ~0.23 ms with the writer this replaced.

use chrono::NaiveDate;
use printpdf::{
    DictItem, ExternalStream, ExternalXObject, FontEmbeddingMode, FontId, Mm, OffsetDateTime, PdfDocument, PdfFont,
    PdfPage, PdfSaveOptions, XObject,
};

use crate::fonts::{Face, FontSet};
use crate::image::{Encoding, Image};
use crate::layout::{image_id, Composed, BOLD_ID, PAGE_H, PAGE_W, REGULAR_ID};

/// The lopdf printpdf 0.12 builds its documents with (0.44; the crate's own `lopdf` is a later
/// version used for merging exhibits — types are not shared between the two).
use lopdf_printpdf as lo;

/// The document information dictionary (also what a PDF/A XMP packet would repeat).
pub(crate) struct Info {
    pub title: String,
    pub author: String,
    pub subject: String,
    pub keywords: String,
    /// Creation and modification date: the document's own date, never the clock.
    pub date: NaiveDate,
}

/// FNV-1a, 64 bits, twice with two offsets: enough to tell two documents apart in a trailer `/ID`
/// (not a security hash).
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn name(n: &str) -> DictItem {
    DictItem::Name(n.as_bytes().to_vec())
}

fn int(n: u32) -> DictItem {
    DictItem::Int(i64::from(n))
}

/// An image as an external XObject stream, already encoded: printpdf copies it as it is.
fn image_xobject(img: &Image) -> XObject {
    let colour = match img.components {
        1 => "DeviceGray",
        4 => "DeviceCMYK",
        _ => "DeviceRGB",
    };
    let filter = match img.encoding {
        Encoding::Dct => "DCTDecode",
        Encoding::Flate => "FlateDecode",
    };
    let mut dict = std::collections::BTreeMap::from([
        ("Type".to_owned(), name("XObject")),
        ("Subtype".to_owned(), name("Image")),
        ("Width".to_owned(), int(img.width)),
        ("Height".to_owned(), int(img.height)),
        ("ColorSpace".to_owned(), name(colour)),
        ("BitsPerComponent".to_owned(), int(u32::from(img.bits))),
        ("Filter".to_owned(), name(filter)),
        // No smoothing: a QR module stays a square (and PDF/A forbids /Interpolate true).
        ("Interpolate".to_owned(), DictItem::Bool(false)),
    ]);
    if img.components == 4 {
        // Adobe writes CMYK JPEGs inverted.
        dict.insert("Decode".to_owned(), DictItem::Array([1, 0, 1, 0, 1, 0, 1, 0].map(int).to_vec()));
    }
    if let Some(mask) = &img.smask {
        let mask_dict = std::collections::BTreeMap::from([
            ("Type".to_owned(), name("XObject")),
            ("Subtype".to_owned(), name("Image")),
            ("Width".to_owned(), int(img.width)),
            ("Height".to_owned(), int(img.height)),
            ("ColorSpace".to_owned(), name("DeviceGray")),
            ("BitsPerComponent".to_owned(), int(8)),
            ("Filter".to_owned(), name("FlateDecode")),
        ]);
        // printpdf makes a stream nested in a dictionary an indirect object (PDF 32000 7.3.8.1).
        dict.insert(
            "SMask".to_owned(),
            DictItem::Stream { stream: ExternalStream { dict: mask_dict, content: mask.clone(), compress: false } },
        );
    }
    XObject::External(ExternalXObject {
        stream: ExternalStream { dict, content: img.data.clone(), compress: false },
        width: None,
        height: None,
        dpi: None,
    })
}

/// The document's date at midnight UTC, as printpdf's date type.
fn pdf_date(date: NaiveDate) -> OffsetDateTime {
    let seconds = date.and_hms_opt(0, 0, 0).map(|d| d.and_utc().timestamp()).unwrap_or(0);
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::epoch())
}

/// zlib level of the streams printpdf leaves uncompressed (page contents, font programs, ToUnicode
/// maps): level 1 costs a third of level 6 for a file ~10 % larger, far below the 60 KB a letter
/// may weigh (issue 7).
const LEVEL: u8 = 1;

/// Placeholder for the trailer `/ID` until the body it is hashed from is written.
const ID_PLACEHOLDER: [u8; 16] = [0xEE; 16];

/// The whole file.
pub(crate) fn write(info: &Info, fonts: &FontSet, composed: &Composed) -> Vec<u8> {
    let mut doc = PdfDocument::new(&info.title);
    let meta = &mut doc.metadata.info;
    meta.author = info.author.clone();
    meta.subject = info.subject.clone();
    meta.keywords = vec![info.keywords.clone()];
    meta.creator = "Encours".to_owned();
    meta.producer = "Encours (printpdf 0.12)".to_owned();
    meta.creation_date = pdf_date(info.date);
    meta.modification_date = meta.creation_date;
    meta.metadata_date = meta.creation_date;
    // `PdfDocument::add_font` would name the font with a random id; the map is public.
    let whole = |face: &Face| {
        let mut font = PdfFont::new(face.parsed.clone());
        font.meta.embedding_mode = FontEmbeddingMode::Full;
        font.meta.requires_subsetting = false;
        font
    };
    doc.resources.fonts.map.insert(FontId(REGULAR_ID.to_owned()), whole(&fonts.regular));
    doc.resources.fonts.map.insert(FontId(BOLD_ID.to_owned()), whole(&fonts.bold));
    for (i, placed) in composed.images.iter().enumerate() {
        doc.resources.xobjects.map.insert(image_id(i), image_xobject(&placed.image));
    }
    doc.pages = composed.pages.iter().map(|ops| PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops.clone())).collect();

    let options = PdfSaveOptions {
        // Compression is done below, at a faster level than lopdf's; nothing to prune.
        optimize: false,
        // The faces are marked `Full` above: nothing to subset.
        subset_fonts: true,
        secure: true,
        // The images are already encoded (external streams): nothing for printpdf to optimise.
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lo_doc = doc.to_lopdf_document(&options, &mut warnings);
    // Transparency (a logo's soft mask) needs 1.4; 1.7 is ISO 32000-1.
    lo_doc.version = "1.7".to_owned();
    if let Ok(catalog) = lo_doc.catalog_mut() {
        // Screen readers and spell checkers: the documents are in French.
        catalog.set("Lang", lo::Object::string_literal("fr-FR"));
    }
    for object in lo_doc.objects.values_mut() {
        if let lo::Object::Stream(stream) = object {
            if stream.allows_compression && stream.dict.get(b"Filter").is_err() {
                // A face's program, as printpdf copied it: the copy compressed at load.
                let program = [&fonts.regular, &fonts.bold].into_iter().find(|f| f.program == stream.content);
                let compressed = match program {
                    Some(face) => face.program_compressed.clone(),
                    None => miniz_oxide::deflate::compress_to_vec_zlib(&stream.content, LEVEL),
                };
                if compressed.len() < stream.content.len() {
                    stream.dict.set("Filter", "FlateDecode");
                    stream.set_content(compressed);
                }
            }
        }
    }
    let placeholder = lo::Object::String(ID_PLACEHOLDER.to_vec(), lo::StringFormat::Hexadecimal);
    lo_doc.trailer.set("ID", lo::Object::Array(vec![placeholder.clone(), placeholder]));
    let mut bytes = Vec::with_capacity(48 * 1024);
    // Writing into a Vec cannot fail.
    let _ = lo_doc.save_to(&mut bytes);
    set_id(&mut bytes);
    bytes
}

/// Replaces the two placeholder `/ID` strings of the trailer with a hash of the file (same length:
/// no offset moves).
fn set_id(bytes: &mut [u8]) {
    let hex: String = ID_PLACEHOLDER.iter().map(|b| format!("{b:02X}")).collect();
    // Two FNV-1a states over one pass (two passes cost ~2 % of a letter).
    let (a, b) = bytes.iter().fold((0xcbf2_9ce4_8422_2325u64, 0x6c62_272e_07bb_0142u64), |(a, b), byte| {
        ((a ^ u64::from(*byte)).wrapping_mul(FNV_PRIME), (b ^ u64::from(*byte)).wrapping_mul(FNV_PRIME))
    });
    let id = format!("{a:016X}{b:016X}");
    // Only after the last "trailer" keyword (lopdf writes the trailer last, after the xref).
    let tail_start = bytes.windows(7).rposition(|w| w == b"trailer").unwrap_or(bytes.len());
    let needle = hex.as_bytes();
    let mut i = tail_start;
    while i + needle.len() <= bytes.len() {
        if bytes.get(i..i + needle.len()) == Some(needle) {
            if let Some(slot) = bytes.get_mut(i..i + needle.len()) {
                slot.copy_from_slice(id.as_bytes());
            }
            i += needle.len();
        } else {
            i += 1;
        }
    }
}
