//! The injonction de payer dossier (legal-rules A.5): the Cerfa 12946 fields, the décompte, the
//! bordereau, and the exhibits appended — text ones set, PDF ones merged page by page.

mod common;

use common::*;
use encours_documents::{render_injonction, DocumentError, Exhibit, ExhibitContent};

fn pages(pdf: &[u8]) -> usize {
    lopdf::Document::load_mem(pdf).expect("the dossier parses with lopdf").get_pages().len()
}

#[test]
fn the_dossier_has_the_request_fields_the_decompte_the_bordereau_and_every_exhibit() {
    let dossier = injonction();
    let pdf = render_injonction(&dossier).unwrap();
    assert_eq!(pdf, render_injonction(&dossier).unwrap(), "same dossier, same bytes");
    let Some(text) = pdf_text("injonction", &pdf) else { return };
    let flat = squeeze(&text);
    for expected in [
        "REQUÊTE EN INJONCTION DE PAYER",
        "À l'attention de Monsieur le Président",
        "prie Monsieur le Président du Tribunal de commerce d'Aix-en-Provence",
        "Cerfa n° 12946*02",
        // CPC 1407: creditor identity and seat, debtor identity and address.
        "1. Le demandeur (créancier)",
        "Dénomination Atelier Lumière & Fils SARL",
        "Forme juridique SARL",
        "SIREN (RCS) 732 829 320",
        "Siège social 12 rue de l'Église, Bâtiment B, 69003 Lyon",
        "Représenté par Hélène Dupré, Gérante",
        "2. Le débiteur",
        "Dénomination Bœuf & Cœur Restauration SAS",
        "SIREN (RCS) 404 833 048",
        "Siège social Zone d'activité des Épinettes, 3 allée François-Arago, 13290 Aix-en-Provence",
        // The amount, its breakdown and basis.
        "Principal 14 780,66 €",
        "Indemnités forfaitaires 120,00 €",
        "mise en demeure du 24 novembre 2026 restée sans effet",
        "4. Juridiction compétente (article 1406 CPC)",
        "juridiction du lieu du siège du débiteur",
        "Pièce n° 2 Historique des statuts de la facture FA-2026-01014",
        // The décompte and the bordereau.
        "DÉCOMPTE DE LA CRÉANCE",
        "FA-2026-01014 15/07/2026 14/08/2026",
        "Total réclamé",
        "BORDEREAU DE PIÈCES",
        "Pièce n° 3 — Mise en demeure du 24/11/2026",
        // The exhibits.
        "PIÈCE N° 2",
        "22/07/2026 16:12 — 206 Approuvée partiellement, montant approuvé 13 450,00 €",
        "PIÈCE N° 3",
        "MISE EN DEMEURE",
    ] {
        assert!(flat.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // The mise en demeure exhibit (1 page) and the corpus invoice are inside, after their separators.
    let med_pages = 1;
    let invoice_pages =
        corpus_invoice_pdf().map(|b| lopdf::Document::load_mem(&b).unwrap().get_pages().len()).unwrap_or(0);
    let own =
        text.split('\u{c}').filter(|p| p.contains("Requête en injonction de payer") || p.contains("PIÈCE N°")).count();
    assert!(own >= 4, "request, décompte, bordereau and separators: {own}");
    assert_eq!(pages(&pdf), text.split('\u{c}').filter(|p| !p.is_empty()).count());
    assert!(pages(&pdf) >= 3 + dossier.exhibits.len() + med_pages + invoice_pages);
    let page_texts: Vec<&str> = text.split('\u{c}').collect();
    let sep3 = page_texts.iter().position(|p| p.contains("PIÈCE N° 3")).unwrap();
    assert!(page_texts[sep3 + 1].contains("MISE EN DEMEURE"), "the mise en demeure follows its separator page");
}

#[test]
fn a_broken_exhibit_fails_the_whole_dossier_with_its_number_and_title() {
    let mut dossier = injonction();
    dossier.exhibits.push(Exhibit {
        title: "Bon de livraison n° 4512".to_owned(),
        content: ExhibitContent::Pdf(b"%PDF-1.4\nthis is not a PDF at all".to_vec()),
    });
    let n = dossier.exhibits.len();
    match render_injonction(&dossier) {
        Err(DocumentError::Exhibit { number, title, .. }) => {
            assert_eq!(number, n);
            assert_eq!(title, "Bon de livraison n° 4512");
        }
        other => panic!("expected an exhibit error, got {:?}", other.map(|b| b.len())),
    }
    let message = render_injonction(&dossier).unwrap_err().to_string();
    assert!(message.contains(&format!("exhibit n° {n} (Bon de livraison n° 4512)")), "{message}");
}
