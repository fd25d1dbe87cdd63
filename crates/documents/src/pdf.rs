//! Writes the PDF file from the composed pages: catalog, page tree, the two embedded faces
//! (Type0/CIDFontType2, Identity-H, with a ToUnicode map so the text can be searched and copied),
//! images, and the document information.
//!
//! Why not printpdf's serializer: it subsets every font again for every document and compresses
//! every stream, ~4 ms a letter (BENCHMARKS "PDF letters", 240 letters/s). Here the font objects
//! are built once per process ([`crate::fonts::FacePdf`]) and only the page streams are
//! compressed, at a fast level. Output is deterministic: fixed object order, no clock, no random
//! ids; the trailer `/ID` is a hash of the file's body.

use std::io::Write;

use chrono::{Datelike, NaiveDate};

use crate::fonts::{Face, FontSet};
use crate::image::Encoding;
use crate::layout::{Composed, PAGE_H, PAGE_W};

/// The document information dictionary (also what a PDF/A XMP packet would repeat).
pub(crate) struct Info {
    pub title: String,
    pub author: String,
    pub subject: String,
    pub keywords: String,
    /// Creation and modification date: the document's own date, never the clock.
    pub date: NaiveDate,
}

/// A PDF text string: UTF-16BE with a byte-order mark, as hex.
fn text_string(s: &str) -> String {
    let mut out = String::with_capacity(6 + s.len() * 4);
    out.push_str("<FEFF");
    for u in s.encode_utf16() {
        out.push_str(&format!("{u:04X}"));
    }
    out.push('>');
    out
}

struct Writer {
    buf: Vec<u8>,
    offsets: Vec<usize>,
}

impl Writer {
    fn begin(&mut self, id: usize) {
        if self.offsets.len() <= id {
            self.offsets.resize(id + 1, 0);
        }
        self.offsets[id] = self.buf.len();
        let _ = writeln!(self.buf, "{id} 0 obj");
    }

    fn object(&mut self, id: usize, body: &str) {
        self.begin(id);
        self.buf.extend_from_slice(body.as_bytes());
        self.buf.extend_from_slice(b"\nendobj\n");
    }

    fn stream(&mut self, id: usize, dict: &str, data: &[u8]) {
        self.begin(id);
        let _ = write!(self.buf, "<< {dict} /Length {} >>\nstream\n", data.len());
        self.buf.extend_from_slice(data);
        self.buf.extend_from_slice(b"\nendstream\nendobj\n");
    }
}

/// FNV-1a, 64 bits: enough to tell two documents apart in a trailer `/ID` (not a security hash).
fn fnv1a(seed: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(seed, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3))
}

fn font_objects(w: &mut Writer, first: usize, face: &Face) {
    let p = &face.pdf;
    let [type0, cid, descriptor, file, unicode] = [first, first + 1, first + 2, first + 3, first + 4];
    w.object(
        type0,
        &format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /{} /Encoding /Identity-H /DescendantFonts [{cid} 0 R] \
             /ToUnicode {unicode} 0 R >>",
            p.base_font
        ),
    );
    w.object(
        cid,
        &format!(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{} /CIDSystemInfo << /Registry (Adobe) /Ordering \
             (Identity) /Supplement 0 >> /FontDescriptor {descriptor} 0 R /CIDToGIDMap /Identity /DW 0 /W {} >>",
            p.base_font, p.widths
        ),
    );
    w.object(
        descriptor,
        &format!(
            "<< /Type /FontDescriptor /FontName /{} /Flags 32 /FontBBox [{} {} {} {}] /ItalicAngle 0 /Ascent {} \
             /Descent {} /CapHeight {} /StemV {} /FontFile2 {file} 0 R >>",
            p.base_font, p.bbox[0], p.bbox[1], p.bbox[2], p.bbox[3], p.ascent, p.descent, p.cap_height, p.stem_v
        ),
    );
    w.stream(file, &format!("/Filter /FlateDecode /Length1 {}", p.font_file_len), &p.font_file);
    w.stream(unicode, "/Filter /FlateDecode", &p.to_unicode);
}

/// The whole file.
pub(crate) fn write(info: &Info, fonts: &FontSet, composed: &Composed) -> Vec<u8> {
    let pages = &composed.pages;
    let mut w = Writer { buf: Vec::with_capacity(48 * 1024), offsets: vec![0] };
    // Binary comment: tells transfer tools the file is binary (PDF 32000 7.5.2).
    w.buf.extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
    const CATALOG: usize = 1;
    const PAGES: usize = 2;
    const INFO: usize = 3;
    const REGULAR: usize = 4;
    const BOLD: usize = 9;
    let mut next = 14;
    let mut image_ids = Vec::new();
    for placed in &composed.images {
        let img = &placed.image;
        let id = next;
        next += 1;
        let smask_id = img.smask.as_ref().map(|_| {
            next += 1;
            next - 1
        });
        image_ids.push((id, smask_id));
        let colour = match img.components {
            1 => "/DeviceGray",
            4 => "/DeviceCMYK",
            _ => "/DeviceRGB",
        };
        let filter = match img.encoding {
            Encoding::Dct => "/DCTDecode",
            Encoding::Flate => "/FlateDecode",
        };
        let mut dict = format!(
            "/Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace {colour} /BitsPerComponent 8 /Filter {filter}",
            img.width, img.height
        );
        if img.components == 4 {
            // Adobe writes CMYK JPEGs inverted.
            dict.push_str(" /Decode [1 0 1 0 1 0 1 0]");
        }
        if let Some(s) = smask_id {
            dict.push_str(&format!(" /SMask {s} 0 R"));
        }
        w.stream(id, &dict, &img.data);
        if let (Some(s), Some(mask)) = (smask_id, &img.smask) {
            w.stream(
                s,
                &format!(
                    "/Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace /DeviceGray /BitsPerComponent 8 \
                     /Filter /FlateDecode",
                    img.width, img.height
                ),
                mask,
            );
        }
    }
    font_objects(&mut w, REGULAR, &fonts.regular);
    font_objects(&mut w, BOLD, &fonts.bold);

    let mut resources = format!("<< /Font << /F1 {REGULAR} 0 R /F2 {BOLD} 0 R >>");
    if !image_ids.is_empty() {
        resources.push_str(" /XObject <<");
        for (i, (id, _)) in image_ids.iter().enumerate() {
            resources.push_str(&format!(" /Im{i} {id} 0 R"));
        }
        resources.push_str(" >>");
    }
    resources.push_str(" >>");
    let page_w = PAGE_W * 72.0 / 25.4;
    let page_h = PAGE_H * 72.0 / 25.4;
    let mut kids = String::new();
    for content in pages {
        let (page, stream) = (next, next + 1);
        next += 2;
        kids.push_str(&format!("{page} 0 R "));
        w.object(
            page,
            &format!(
                "<< /Type /Page /Parent {PAGES} 0 R /MediaBox [0 0 {page_w:.2} {page_h:.2}] /Resources {resources} \
                 /Contents {stream} 0 R >>"
            ),
        );
        // Fast level: a page stream is mostly text operators; level 1 gets most of the gain.
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(content, 1);
        w.stream(stream, "/Filter /FlateDecode", &compressed);
    }
    w.object(PAGES, &format!("<< /Type /Pages /Kids [{}] /Count {} >>", kids.trim_end(), pages.len()));
    w.object(CATALOG, &format!("<< /Type /Catalog /Pages {PAGES} 0 R /Lang (fr-FR) >>"));
    let date = format!("(D:{:04}{:02}{:02}000000Z)", info.date.year(), info.date.month(), info.date.day());
    w.object(
        INFO,
        &format!(
            "<< /Title {} /Author {} /Subject {} /Keywords {} /Creator (Encours) /Producer (Encours) \
             /CreationDate {date} /ModDate {date} >>",
            text_string(&info.title),
            text_string(&info.author),
            text_string(&info.subject),
            text_string(&info.keywords)
        ),
    );

    let xref = w.buf.len();
    let count = w.offsets.len();
    let id = format!("{:016X}{:016X}", fnv1a(0xcbf2_9ce4_8422_2325, &w.buf), fnv1a(0x6c62_272e_07bb_0142, &w.buf));
    let mut tail = format!("xref\n0 {count}\n0000000000 65535 f \n");
    for off in w.offsets.iter().skip(1) {
        tail.push_str(&format!("{off:010} 00000 n \n"));
    }
    tail.push_str(&format!(
        "trailer\n<< /Size {count} /Root {CATALOG} 0 R /Info {INFO} 0 R /ID [<{id}> <{id}>] >>\nstartxref\n{xref}\n%%EOF\n"
    ));
    w.buf.extend_from_slice(tail.as_bytes());
    w.buf
}
