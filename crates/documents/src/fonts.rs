//! The fonts a letter is set in: a regular and a bold TrueType face, embedded and subset in the PDF.
//!
//! Why not the PDF built-in Helvetica (no file needed at all)? It was tried (printpdf 0.12.8,
//! rendered with pdftoppm and read back with pdftotext, 2026-11-24): accents, "€", "œ" and « »
//! come out right, because the 14 standard fonts use WinAnsiEncoding, but the narrow no-break
//! space U+202F that French number formats put between thousands ("1 234,56 €") is not in
//! WinAnsi and printed as "1?234,56"; and a built-in font is not embedded, so the page looks like
//! whatever the reader substitutes and can never be PDF/A (issue 7 §5). So letters embed a real
//! TrueType font, subset to the glyphs used (a letter stays in the tens of KB).
//!
//! No font file is committed (no vendored blobs): [`FontSet::system`] looks for a font that every
//! desktop already has, in this order — Liberation Sans (metric-compatible with Arial, so a letter
//! lays out the same on Linux, macOS and Windows), DejaVu Sans, then Arial on macOS and Windows.
//! A caller that ships its own font (issue 7 wants them in `assets/fonts` with their licence)
//! passes the bytes to [`FontSet::from_bytes`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use printpdf::ParsedFont;

use crate::format::{NARROW_NBSP, NBSP};
use crate::DocumentError;

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

/// One parsed face with the advance widths the line breaker needs.
#[derive(Debug)]
pub(crate) struct Face {
    pub(crate) parsed: ParsedFont,
    units_per_em: f32,
    /// Advance widths (font units) of the characters already measured; Latin-1 and the French
    /// punctuation are measured at load, anything else on first use.
    widths: HashMap<char, u16>,
    /// The font has U+202F; when not, it is printed as U+00A0 (a slightly wider space).
    has_narrow_nbsp: bool,
}

impl Face {
    fn parse(bytes: &[u8], font: &str, face: &str) -> Result<Face, DocumentError> {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut warnings)
            .ok_or_else(|| DocumentError::FontUnreadable { font: format!("{font} {face}") })?;
        let units_per_em = f32::from(parsed.pdf_font_metrics.units_per_em.max(1));
        let missing: String = REQUIRED.chars().filter(|c| parsed.lookup_glyph_index(*c as u32).is_none()).collect();
        if !missing.is_empty() {
            return Err(DocumentError::FontCoverage { font: format!("{font} {face}"), missing });
        }
        let has_narrow_nbsp = parsed.lookup_glyph_index(NARROW_NBSP as u32).is_some();
        let mut f = Face { parsed, units_per_em, widths: HashMap::new(), has_narrow_nbsp };
        let common = (' '..='~').chain('\u{a0}'..='\u{ff}').chain(REQUIRED.chars()).chain([NARROW_NBSP]);
        for c in common {
            let w = f.measure(c);
            f.widths.insert(c, w);
        }
        Ok(f)
    }

    fn measure(&self, c: char) -> u16 {
        self.parsed
            .lookup_glyph_index(c as u32)
            .and_then(|gid| self.parsed.get_or_decode_glyph(gid))
            .map(|g| g.horz_advance)
            .unwrap_or(0)
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
        if self.widths.contains_key(&c) || self.parsed.lookup_glyph_index(c as u32).is_some() {
            c
        } else {
            '?'
        }
    }

    /// Width of a text in points at a size in points.
    pub(crate) fn width_pt(&self, text: &str, size_pt: f32) -> f32 {
        // Font units → points: layout geometry, not money, so a float is the right type here.
        let units: f32 = text
            .chars()
            .map(|c| {
                let c = self.printable(c);
                f32::from(self.widths.get(&c).copied().unwrap_or_else(|| self.measure(c)))
            })
            .sum();
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
