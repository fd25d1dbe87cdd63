//! The SEPA EPC QR code as a bank app reads it: the page rendered at 300 dpi (pdftoppm) and the
//! code decoded by zbarimg (Debian zbar-tools) gives back the IBAN, amount and RF reference.

mod common;

use std::process::Command;

use common::*;
use encours_documents::{render_letter, render_statement, Tone};

/// The payload zbarimg decodes on page `page`, or None when zbarimg or pdftoppm are missing.
fn decode(name: &str, pdf: &[u8], page: usize) -> Option<String> {
    if Command::new("zbarimg").arg("--version").output().is_err() {
        eprintln!("SKIPPED: zbarimg (Debian package zbar-tools) is not installed");
        return None;
    }
    let png = png_page(name, pdf, page, 300)?;
    // -Sbinary: the bytes as encoded (UTF-8, EPC069-12 character set 1), without zbar guessing a
    // Japanese character set for "è".
    let out = Command::new("zbarimg").args(["--raw", "-q", "-Sbinary"]).arg(&png).output().unwrap();
    assert!(out.status.success(), "zbarimg found no QR code on page {page} of {name}");
    Some(String::from_utf8(out.stdout).unwrap().trim_end_matches('\n').to_owned())
}

#[test]
fn the_qr_code_of_a_reminder_decodes_to_iban_amount_and_reference() {
    let mut letter = reminder(Tone::Ferme);
    letter.payment = Some(payment_with_rf());
    let pdf = render_letter(&letter).unwrap();
    let Some(payload) = decode("qr-reminder", &pdf, 1) else { return };
    let lines: Vec<&str> = payload.split('\n').collect();
    assert_eq!(lines.first(), Some(&"BCD"), "{payload:?}");
    assert_eq!(lines.get(1..4), Some(["002", "1", "SCT"].as_slice()));
    assert_eq!(lines.get(4), Some(&"AGRIFRPP"));
    assert_eq!(lines.get(5), Some(&"Atelier Lumière & Fils SARL"));
    assert_eq!(lines.get(6), Some(&"FR7630006000011234567890189"));
    // 1 234,56 + 13 450,00 + 96,10: the open amount the reminder asks for.
    assert_eq!(lines.get(7), Some(&"EUR14780.66"));
    let rf = payment_with_rf().creditor_reference.unwrap();
    assert_eq!(lines.get(9), Some(&rf.as_str()));
    assert_eq!(lines.len(), 10, "{payload:?}");
}

#[test]
fn the_qr_code_of_a_statement_asks_for_the_balance_and_a_letter_without_reference_has_none() {
    let pdf = render_statement(&statement()).unwrap();
    if let Some(payload) = decode("qr-statement", &pdf, 1) {
        assert!(payload.contains("\nEUR16530.66\n"), "{payload:?}");
    }
    // No RF reference: no QR code (a transfer without the reference would not match).
    let mut letter = reminder(Tone::Ferme);
    letter.payment.as_mut().unwrap().creditor_reference = None;
    let pdf = render_letter(&letter).unwrap();
    let text = squeeze(&pdf_text("qr-none", &pdf).unwrap_or_default());
    assert!(!text.contains("QR EPC"), "{text}");
}
