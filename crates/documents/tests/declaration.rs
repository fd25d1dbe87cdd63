//! The déclaration de créance (C. com. L622-24, L622-25, R622-23; open-data §3): every mandatory
//! element in the text, the deadline computed from the BODACC publication.

mod common;

use common::*;
use encours_documents::{render_declaration, DocumentError};

#[test]
fn the_declaration_states_everything_l622_25_and_r622_23_require() {
    let decl = declaration();
    let pdf = render_declaration(&decl).unwrap();
    assert_eq!(pdf, render_declaration(&decl).unwrap(), "same declaration, same bytes");
    let Some(text) = pdf_text("declaration", &pdf) else { return };
    let flat = squeeze(&text);
    for expected in [
        "DÉCLARATION DE CRÉANCE",
        "Lettre recommandée avec accusé de réception",
        "SELARL Mandataires Associés",
        "À l'attention de Maître Anne Roux",
        "Débiteur : Bœuf & Cœur Restauration SAS (SIREN 404 833 048)",
        "Publication : BODACC A n° 20260178, annonce n° 1432, du 15/09/2026",
        // Court, judgment date and nature; who receives it.
        "Par jugement du 8 septembre 2026, le Tribunal de commerce d'Aix-en-Provence a ouvert une procédure de \
         redressement judiciaire",
        "en qualité de mandataire judiciaire",
        "article L631-14",
        // The deadline: 15 September + 2 months = Sunday 15 November → Monday 16 November.
        "soit au plus tard le 16 novembre 2026",
        // Creditor identity.
        "1. Créancier Atelier Lumière & Fils SARL — SIREN 732 829 320",
        // Amount due at the opening date, with penalties and €40 indemnities accrued to it.
        "2. Sommes échues au jour du jugement d'ouverture (08/09/2026)",
        "Indemnités forfaitaires (D441-5) : 2 × 40,00 € 80,00 €",
        // 1 234,56 + 13 450,00 + 16,03 + 80,00
        "Montant échu déclaré : 14 780,59 €",
        // Sums to fall due with their dates.
        "3. Sommes à échoir et dates d'échéance",
        "FA-2026-01040 10/08/2026 09/09/2026 96,10 € 96,10 €",
        "FA-2026-01070 01/09/2026 01/10/2026 2 150,00 € 2 150,00 €",
        "Total (2 factures) 2 246,10 €",
        // Sûretés.
        "Clause de réserve de propriété (article 2367 du Code civil) — assiette : marchandises livrées",
        "non publiée",
        // Interest and litigation (R622-23 2° and 3°).
        "article L622-28",
        "Aucune instance en cours",
        "Total déclaré 17 026,69 €",
        // Bordereau and certification.
        "Pièce n° 2 — Conditions générales de vente",
        "certifie sincère et véritable la présente déclaration de créance d'un montant total de 17 026,69 €",
        "agissant en qualité de représentant légal",
        "Pour Atelier Lumière & Fils SARL",
    ] {
        assert!(flat.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn a_declaration_without_recipient_or_claim_is_refused() {
    let mut decl = declaration();
    decl.recipient.name = String::new();
    assert!(matches!(render_declaration(&decl), Err(DocumentError::MissingField(_))));
    let mut decl = declaration();
    decl.due.clear();
    decl.to_fall_due.clear();
    assert_eq!(render_declaration(&decl), Err(DocumentError::NoInvoices));
    // No sûreté: "Néant", chirographaire.
    let mut decl = declaration();
    decl.securities.clear();
    let text = squeeze(&pdf_text("declaration-no-security", &render_declaration(&decl).unwrap()).unwrap_or_default());
    assert!(text.is_empty() || text.contains("Néant : créance chirographaire"), "{text}");
}
