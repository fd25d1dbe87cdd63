//! Where the letters' fonts come from, and the errors when there is none.

mod common;

use std::path::Path;

use common::*;
use encours_documents::{render_letter_with, system_fonts, DocumentError, FontSet, Tone};

#[test]
fn bytes_that_are_not_a_font_are_refused_by_name() {
    let err = FontSet::from_bytes("Bidon", b"not a font", b"nor this").unwrap_err();
    assert_eq!(err, DocumentError::FontUnreadable { font: "Bidon regular".to_owned() });
}

#[test]
fn a_missing_font_file_names_the_file() {
    let missing = Path::new("/nonexistent/Font-Regular.ttf");
    let err = FontSet::from_files("X", missing, missing).unwrap_err();
    assert!(matches!(&err, DocumentError::FontFile { path, .. } if path == missing), "{err:?}");
    assert!(err.to_string().contains("/nonexistent/Font-Regular.ttf"), "{err}");
}

#[test]
fn the_no_font_error_says_what_to_install() {
    let err = DocumentError::NoSystemFont { tried: vec!["/usr/share/fonts/a.ttf".into()], last_error: None };
    let message = err.to_string();
    assert!(message.contains("fonts-liberation2") && message.contains("a.ttf"), "{message}");
}

#[test]
fn a_system_font_with_french_coverage_is_found_here() {
    let Ok(fonts) = system_fonts() else {
        eprintln!("SKIPPED: no system font on this machine: {:?}", system_fonts().err());
        return;
    };
    assert!(["Liberation Sans", "DejaVu Sans", "Arial"].contains(&fonts.name()), "{}", fonts.name());
    assert!(fonts.has_narrow_nbsp(), "Liberation and DejaVu both have U+202F");
}

#[test]
fn a_font_given_by_the_caller_is_embedded_instead() {
    let dir = Path::new("/usr/share/fonts/truetype/dejavu");
    let (regular, bold) = (dir.join("DejaVuSans.ttf"), dir.join("DejaVuSans-Bold.ttf"));
    if !regular.is_file() || !bold.is_file() {
        eprintln!("SKIPPED: DejaVu Sans is not installed here");
        return;
    }
    let fonts = FontSet::from_files("DejaVu Sans", &regular, &bold).unwrap();
    let pdf = render_letter_with(&reminder(Tone::Ferme), &fonts).unwrap();
    let path = out_dir().join("dejavu.pdf");
    std::fs::write(&path, &pdf).unwrap();
    if !have("pdffonts") {
        return;
    }
    let out = std::process::Command::new("pdffonts").arg(&path).output().unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    // Both faces embedded ("yes") with a ToUnicode map ("yes"): DejaVu Sans (700 KB) was cut down
    // to the documents' characters at load and is embedded as that cut (no subset tag, "no").
    assert!(listing.contains("DejaVuSans-Regular") && listing.contains("DejaVuSans-Bold"), "{listing}");
    let faces: Vec<&str> = listing.lines().filter(|l| l.starts_with("DejaVuSans")).collect();
    assert_eq!(faces.len(), 2, "{listing}");
    for line in faces {
        assert!(line.contains("yes no  yes"), "not embedded with Unicode: {line}");
    }
    assert!(pdf.len() < 120_000, "the cut of DejaVu Sans is embedded, not the whole font: {}", pdf.len());
    assert_clean_layout("dejavu", &pdf);
}

#[test]
fn the_embedded_fonts_cover_french_and_printpdf_embeds_them_whole() {
    // FontSet::from_bytes refuses a face lacking àâäçéèêëîïôöùûüÿœæ, their capitals, €, « », °, ’,
    // – — … and U+00A0 (FontCoverage): the compiled-in set passing it is the coverage check.
    let fonts = FontSet::embedded();
    assert_eq!(fonts.name(), "Encours Sans");
    assert!(fonts.has_narrow_nbsp(), "U+202F, the French thousands separator, is in the subset");
    let regular = include_bytes!("../../../assets/fonts/EncoursSans-Regular.ttf");
    let bold = include_bytes!("../../../assets/fonts/EncoursSans-Bold.ttf");
    assert!(regular.len() < 40_000 && bold.len() < 40_000, "the committed faces stay small");
    let pdf = encours_documents::render_letter(&reminder(Tone::Ferme)).unwrap();
    let path = out_dir().join("embedded-fonts.pdf");
    std::fs::write(&path, &pdf).unwrap();
    assert!(pdf.len() < 60_000, "a letter is under 60 KB: {}", pdf.len());
    // printpdf embeds each face as committed (already a 372-glyph subset of Liberation Sans): the
    // programs' /Length1 (uncompressed TrueType size) are the committed files' sizes.
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let programs: Vec<i64> = doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .filter_map(|s| s.dict.get(b"Length1").ok().and_then(|l| l.as_i64().ok()))
        .collect();
    assert_eq!(programs.len(), 2, "two font programs: {programs:?}");
    let mut sizes = vec![regular.len() as i64, bold.len() as i64];
    let mut programs = programs;
    sizes.sort_unstable();
    programs.sort_unstable();
    assert_eq!(programs, sizes);
    if !have("pdffonts") {
        return;
    }
    let out = std::process::Command::new("pdffonts").arg(&path).output().unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(listing.contains("EncoursSans-Regular") && listing.contains("EncoursSans-Bold"), "{listing}");
    let faces: Vec<&str> = listing.lines().filter(|l| l.starts_with("EncoursSans")).collect();
    assert_eq!(faces.len(), 2, "{listing}");
    for line in faces {
        // Embedded, no subset tag (a full embed of the cut-down face), ToUnicode.
        assert!(line.contains("CID TrueType") && line.contains("yes no  yes"), "embedded, Unicode: {line}");
    }
    // Every character of the letter comes back from the text layer (ToUnicode).
    let text = pdf_text("embedded-fonts", &pdf).unwrap_or_default();
    assert!(text.is_empty() || (text.contains("Bœuf & Cœur") && text.contains("Échéance")), "{text}");
}
