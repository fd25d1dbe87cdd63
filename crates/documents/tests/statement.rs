//! The relevé de compte: open items aged, credit notes, payments, lifecycle statuses, the balance
//! and its SEPA QR code.

mod common;

use common::*;
use encours_documents::render_statement;

#[test]
fn a_statement_ages_open_items_lists_credits_and_statuses_and_adds_up() {
    let pdf = render_statement(&statement()).unwrap();
    assert_eq!(pdf, render_statement(&statement()).unwrap(), "same statement, same bytes");
    let Some(text) = pdf_text("statement-full", &pdf) else { return };
    let flat = squeeze(&text);
    for expected in [
        "RELEVÉ DE COMPTE",
        "Situation de votre compte au 24 novembre 2026",
        "TVA FR40732829320",
        "Bœuf & Cœur Restauration SAS",
        // invoice: date, piece, due date, bucket, status, debit, open
        "02/06/2026 Facture FA-2026-00871 02/07/2026 > 90 j 205 Approuvée 2 400,00 € 2 400,00 €",
        "15/07/2026 Facture FA-2026-01014 14/08/2026 > 90 j 206 Approuvée partiellement",
        "20/10/2026 31–60 j 207 En litige 1 234,56 € 1 234,56 €",
        "02/11/2026 Facture FA-2026-01388 02/12/2026 Non échu 96,10 € 96,10 €",
        "03/10/2026 Avoir AV-2026-00112 150,00 € -150,00 €",
        "Règlement VIR 18/11 BŒUF & CŒUR 500,00 € -500,00 €",
        // 2400 + 13450 + 1234.56 + 96.10 − 150 − 500 = 16 530,66
        "Total (6 pièces) 22 180,66 € 650,00 € 16 530,66 €",
        // aged: not due, 1–30, 31–60, 61–90, > 90, credits, balance
        "96,10 € 0,00 € 1 234,56 € 0,00 € 15 850,00 € -650,00 € 16 530,66 €",
        "Solde restant dû au 24 novembre 2026 : 16 530,66 €.",
        "en indiquant la référence RF",
        "Page 1/",
    ] {
        assert!(flat.contains(expected), "missing {expected:?} in:\n{text}");
    }
}
