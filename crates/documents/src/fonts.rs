//! The fonts a document is set in: a regular and a bold TrueType face, embedded in the PDF.
//!
//! Why not the PDF built-in Helvetica (no file needed at all)? It was tried (printpdf 0.12.8,
//! rendered with pdftoppm and read back with pdftotext, 2026-11-24): accents, "€", "œ" and « »
//! come out right, because the 14 standard fonts use WinAnsiEncoding, but the narrow no-break
//! space U+202F that French number formats put between thousands ("1 234,56 €") is not in
//! WinAnsi and printed as "1?234,56"; and a built-in font is not embedded, so the page looks like
//! whatever the reader substitutes and can never be PDF/A (issue 7 §5).
//!
//! The documents use "Encours Sans" ([`FontSet::embedded`]): Liberation Sans 2.1.5 subset once to
//! the 372 glyphs French business documents print (see `assets/fonts/README.md`), compiled into
//! the binary and parsed once per process ([`Face`] keeps printpdf's `ParsedFont`). printpdf embeds
//! it whole (~23 KB a face) rather than subsetting it again for every document: subsetting per
//! document made a letter ~20 KB instead of ~40 KB but cost ~0.6 ms (allsorts subset, re-parse,
//! glyph outlines decoded again for the widths, font program compressed again), which put the
//! letters under the 500 a second of issue 7 (BENCHMARKS "PDF documents"). A font given at run time
//! ([`FontSet::from_bytes`], [`FontSet::system`]) larger than 120 KB is subset once, at load, to
//! the same characters, then embedded whole the same way.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use std::sync::OnceLock;

use printpdf::ParsedFont;

use crate::format::{NARROW_NBSP, NBSP};
use crate::DocumentError;

const EMBEDDED_REGULAR: &[u8] = include_bytes!("../../../assets/fonts/EncoursSans-Regular.ttf");
const EMBEDDED_BOLD: &[u8] = include_bytes!("../../../assets/fonts/EncoursSans-Bold.ttf");

/// Characters a French letter cannot do without: a font missing one is refused with its name.
const REQUIRED: &str = "àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ€«»°’–—…\u{a0}";

/// Places where a sans-serif regular/bold pair with full French coverage is found on each system.
const CANDIDATES: &[(&str, &str, &str)] = &[
    (
        "Liberation Sans",
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
    ),
    (
        "Liberation Sans",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
    (
        "Liberation Sans",
        "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
        "/usr/share/fonts/liberation-sans/LiberationSans-Bold.ttf",
    ),
    (
        "Liberation Sans",
        "/usr/share/fonts/TTF/LiberationSans-Regular.ttf",
        "/usr/share/fonts/TTF/LiberationSans-Bold.ttf",
    ),
    (
        "DejaVu Sans",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    ("DejaVu Sans", "/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("DejaVu Sans", "/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    ("Arial", "/System/Library/Fonts/Supplemental/Arial.ttf", "/System/Library/Fonts/Supplemental/Arial Bold.ttf"),
    ("Arial", "/Library/Fonts/Arial.ttf", "/Library/Fonts/Arial Bold.ttf"),
    ("Arial", "C:\\Windows\\Fonts\\arial.ttf", "C:\\Windows\\Fonts\\arialbd.ttf"),
];

/// The characters a document can print (the set `assets/fonts/make-fonts.sh` keeps): ASCII,
/// Latin-1, Latin Extended-A, typographic punctuation, U+202F, ‰ ‹ › € № ™ −. Anything else is
/// printed "?" (never an invisible .notdef box).
const CHARSET: &[(u32, u32)] = &[
    (0x20, 0x7E),
    (0xA0, 0x17F),
    (0x192, 0x192),
    (0x2C6, 0x2C6),
    (0x2DC, 0x2DC),
    (0x2010, 0x2027),
    (0x202F, 0x2030),
    (0x2039, 0x203A),
    (0x20AC, 0x20AC),
    (0x2116, 0x2116),
    (0x2122, 0x2122),
    (0x2212, 0x2212),
];

/// Above this size a font given at run time is subset at load (a whole DejaVu Sans is 700 KB).
const SUBSET_ABOVE: usize = 120_000;

fn charset() -> impl Iterator<Item = char> {
    CHARSET.iter().flat_map(|(a, b)| (*a..=*b).filter_map(char::from_u32))
}

/// One face, ready to set text and to be embedded: glyph ids and advance widths of every
/// printable character, and printpdf's parsed font, which `pdf.rs` hands to the document.
#[derive(Debug)]
pub(crate) struct Face {
    units_per_em: f32,
    /// Glyph id and advance width (font units) of each printable character.
    glyphs: HashMap<char, (u16, u16)>,
    /// The same for U+0000–U+017F, by code point: most characters of a French document, found
    /// without hashing (setting a letter measures every line several times while wrapping).
    latin: Vec<(u16, u16)>,
    /// The font has U+202F; when not, it is printed as U+00A0 (a slightly wider space).
    has_narrow_nbsp: bool,
    /// What printpdf embeds.
    pub(crate) parsed: ParsedFont,
    /// The TrueType program printpdf embeds (the bytes `parsed` was read from) and the same
    /// zlib-compressed once, so that a document does not compress 23 KB a face again (`pdf.rs`).
    pub(crate) program: Vec<u8>,
    pub(crate) program_compressed: Vec<u8>,
}

impl Face {
    fn parse(bytes: &[u8], font: &str, face: &str) -> Result<Face, DocumentError> {
        let unreadable = || DocumentError::FontUnreadable { font: format!("{font} {face}") };
        let mut warnings = Vec::new();
        let mut parsed = ParsedFont::from_bytes(bytes, 0, &mut warnings).ok_or_else(unreadable)?;
        let mut program = bytes.to_vec();
        if bytes.len() > SUBSET_ABOVE {
            // A large font given at run time: keep the document characters only, once.
            let ids: std::collections::BTreeMap<u16, String> =
                charset().filter_map(|c| parsed.lookup_glyph_index(c as u32).map(|g| (g, c.to_string()))).collect();
            let subset = printpdf::subset_font(&parsed, &ids).map_err(|_| unreadable())?;
            parsed = ParsedFont::from_bytes(&subset.bytes, 0, &mut warnings).ok_or_else(unreadable)?;
            program = subset.bytes;
        }
        let missing: String = REQUIRED.chars().filter(|c| parsed.lookup_glyph_index(*c as u32).is_none()).collect();
        if !missing.is_empty() {
            return Err(DocumentError::FontCoverage { font: format!("{font} {face}"), missing });
        }
        let mut glyphs = HashMap::new();
        for c in charset() {
            if let Some(gid) = parsed.lookup_glyph_index(c as u32).filter(|g| *g != 0) {
                let width = parsed.get_or_decode_glyph(gid).map(|g| g.horz_advance).unwrap_or(0);
                glyphs.insert(c, (gid, width));
            }
        }
        let has_narrow_nbsp = glyphs.contains_key(&NARROW_NBSP);
        let upem = parsed.pdf_font_metrics.units_per_em.max(1);
        // The PostScript name printpdf writes after the subset tag (`/BaseFont /ENCREG+…`): ours,
        // so that a font given at run time is named after its family and face.
        parsed.font_name =
            Some(format!("{}{}", font.replace(' ', ""), if face == "bold" { "-Bold" } else { "-Regular" }));
        let latin = (0u32..0x180)
            .map(|cp| char::from_u32(cp).and_then(|c| glyphs.get(&c)).copied().unwrap_or((0, 0)))
            .collect();
        Ok(Face {
            units_per_em: f32::from(upem),
            glyphs,
            latin,
            has_narrow_nbsp,
            parsed,
            program_compressed: miniz_oxide::deflate::compress_to_vec_zlib(&program, 9),
            program,
        })
    }

    /// The character as it will be printed: U+202F becomes U+00A0 when the font lacks it, other
    /// characters the font lacks become "?" (never an invisible .notdef box).
    pub(crate) fn printable(&self, c: char) -> char {
        if c == NARROW_NBSP && !self.has_narrow_nbsp {
            return NBSP;
        }
        if c.is_control() {
            return ' ';
        }
        if self.glyph(c).0 != 0 {
            c
        } else {
            '?'
        }
    }

    /// Glyph id and advance of a character; (0, 0) when the font lacks it.
    fn glyph(&self, c: char) -> (u16, u16) {
        match self.latin.get(c as usize) {
            Some(g) => *g,
            None => self.glyphs.get(&c).copied().unwrap_or((0, 0)),
        }
    }

    /// Glyph id and advance of a character as printed.
    fn printed_glyph(&self, c: char) -> (u16, u16) {
        let g = self.glyph(c);
        if g.0 != 0 {
            return g;
        }
        self.glyph(self.printable(c))
    }

    /// The text as it will be printed ([`Face::printable`] for each character): what the page's
    /// `ShowText` carries, so printpdf finds a glyph for every character.
    pub(crate) fn printed(&self, text: &str) -> String {
        text.chars().map(|c| if self.glyph(c).0 != 0 { c } else { self.printable(c) }).collect()
    }

    /// Width of a text in points at a size in points.
    pub(crate) fn width_pt(&self, text: &str, size_pt: f32) -> f32 {
        // Font units → points: layout geometry, not money, so a float is the right type here.
        let units: f32 = text.chars().map(|c| f32::from(self.printed_glyph(c).1)).sum();
        units * size_pt / self.units_per_em
    }
}

/// A regular and a bold face, parsed once and reused for every letter.
#[derive(Debug)]
pub struct FontSet {
    name: String,
    pub(crate) regular: Face,
    pub(crate) bold: Face,
}

impl FontSet {
    /// Parses a regular and a bold TrueType face (`.ttf` bytes). Refused when a face cannot be
    /// read or lacks a character French letters need (the error names the characters).
    pub fn from_bytes(name: &str, regular: &[u8], bold: &[u8]) -> Result<FontSet, DocumentError> {
        Ok(FontSet {
            name: name.to_owned(),
            regular: Face::parse(regular, name, "regular")?,
            bold: Face::parse(bold, name, "bold")?,
        })
    }

    /// Encours Sans, compiled into the binary (`assets/fonts`): what every document is set in
    /// unless the caller gives other fonts. Parsed once per process.
    pub fn embedded() -> &'static FontSet {
        static FONTS: OnceLock<FontSet> = OnceLock::new();
        FONTS.get_or_init(|| {
            FontSet::from_bytes("Encours Sans", EMBEDDED_REGULAR, EMBEDDED_BOLD)
                // The files are checked by the crate's tests (fonts.rs): they always parse.
                .unwrap_or_else(|e| panic!("the embedded fonts of assets/fonts are broken: {e}"))
        })
    }

    /// Reads a regular and a bold face from two files.
    pub fn from_files(name: &str, regular: &Path, bold: &Path) -> Result<FontSet, DocumentError> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| DocumentError::FontFile { path: p.to_path_buf(), reason: e.to_string() })
        };
        FontSet::from_bytes(name, &read(regular)?, &read(bold)?)
    }

    /// Finds a font installed on this computer (see the module documentation for the order);
    /// the error lists every path tried and the packages that provide one.
    pub fn system() -> Result<FontSet, DocumentError> {
        let mut tried = Vec::new();
        let mut last_error = None;
        for (name, regular, bold) in CANDIDATES {
            let (r, b) = (Path::new(regular), Path::new(bold));
            if r.is_file() && b.is_file() {
                match FontSet::from_files(name, r, b) {
                    Ok(set) => return Ok(set),
                    Err(e) => last_error = Some(e.to_string()),
                }
            }
            tried.push(PathBuf::from(regular));
        }
        Err(DocumentError::NoSystemFont { tried, last_error })
    }

    /// The family name, e.g. "Liberation Sans".
    pub fn name(&self) -> &str {
        &self.name
    }

    /// True when the font prints U+202F itself (else thousands are separated by U+00A0).
    pub fn has_narrow_nbsp(&self) -> bool {
        self.regular.has_narrow_nbsp && self.bold.has_narrow_nbsp
    }
}
