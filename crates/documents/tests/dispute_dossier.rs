//! The dispute dossier (issue 8 §8): summary, invoices, amounts, reason with its AFNOR codes,
//! tasks, the whole timeline and the evidence list with hashes, then the evidence itself — PDF
//! pages appended, images shown, other files listed.

mod common;

use chrono::NaiveDateTime;
use common::*;
use encours_documents::{
    render_dispute_dossier, render_letter, DisputeDossier, DisputeState, DisputeTask, DisputedInvoice, EvidenceFile,
    EvidenceOutcome, PlatformOrigin, TaskState, TimelineEntry, Tone,
};
use encours_domain::{DisputeReason, LifecycleStatus, Money};
use rust_decimal_macros::dec;

fn at(y: i32, m: u32, day: u32, h: u32, min: u32) -> NaiveDateTime {
    d(y, m, day).and_hms_opt(h, min, 0).unwrap()
}

fn pages(pdf: &[u8]) -> usize {
    lopdf::Document::load_mem(pdf).expect("the dossier parses with lopdf").get_pages().len()
}

const EVIDENCE_HASH: &str = "9f2c4a1e0b7d5c3a8e6f4b2d0c9a7e5f3b1d8c6a4e2f0b9d7c5a3e1f8b6d4c2a";
const MAIL_HASH: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const PHOTO_HASH: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

fn dossier() -> DisputeDossier {
    // The evidence PDF: a rendered reminder (one page), as a client would have forwarded it.
    let bl = render_letter(&reminder(Tone::Courtois)).unwrap();
    let mut timeline = vec![
        TimelineEntry {
            at: at(2026, 10, 2, 9, 15),
            kind: "statut".to_owned(),
            text: "statut 207 En litige reçu pour FA-2026-01014 · motif QTE_ERR (2 palettes manquantes) · action \
                   demandée NIN"
                .to_owned(),
            actor: "plateforme".to_owned(),
        },
        TimelineEntry {
            at: at(2026, 10, 2, 9, 15),
            kind: "ouverture".to_owned(),
            text: "litige ouvert (Quantité) par un statut de la plateforme".to_owned(),
            actor: "plateforme".to_owned(),
        },
        TimelineEntry {
            at: at(2026, 10, 5, 14, 2),
            kind: "pièce".to_owned(),
            text: "pièce ajoutée : bon-de-livraison.pdf".to_owned(),
            actor: "utilisateur".to_owned(),
        },
        TimelineEntry {
            at: at(2026, 10, 9, 11, 40),
            kind: "appel".to_owned(),
            text: "l'acheteur confirme le manque de deux palettes sur la livraison du 14 juillet".to_owned(),
            actor: "utilisateur".to_owned(),
        },
    ];
    // A long timeline flows over pages.
    for i in 0..40 {
        timeline.push(TimelineEntry {
            at: at(2026, 10, 12, 8, 0) + chrono::Duration::hours(i * 7),
            kind: "note".to_owned(),
            text: format!("relance interne n° {i} : en attente du retour du service logistique du client"),
            actor: "utilisateur".to_owned(),
        });
    }
    timeline.push(TimelineEntry {
        at: at(2026, 11, 20, 16, 30),
        kind: "résolution".to_owned(),
        text: "accord partiel · relances reprises sur FA-2026-01014 (12 216,44 € restant dû) — geste commercial"
            .to_owned(),
        actor: "utilisateur".to_owned(),
    });
    DisputeDossier {
        creditor: creditor(),
        letterhead: letterhead(),
        debtor: debtor(),
        date: d(2026, 11, 24),
        number: 12,
        opened_on: d(2026, 10, 2),
        origin: String::new(),
        reason: DisputeReason::Quantity,
        afnor_codes: vec!["QTE_ERR".to_owned()],
        platform: Some(PlatformOrigin {
            status: LifecycleStatus::from_code(207),
            at: Some(at(2026, 10, 2, 9, 15)),
            reason_code: Some("QTE_ERR".to_owned()),
            reason_text: Some("2 palettes manquantes".to_owned()),
            action_code: Some("NIN".to_owned()),
            action_text: Some("Avoir attendu".to_owned()),
        }),
        disputed: Money::eur(dec!(1234.56)),
        undisputed: Some(Money::eur(dec!(12215.44))),
        outstanding: Money::eur(dec!(13450.00)),
        state: DisputeState::Resolved {
            on: d(2026, 11, 20),
            outcome: "accord partiel".to_owned(),
            details: "montant accepté 12 215,44 €".to_owned(),
        },
        note: "Deux palettes manquantes à la livraison.".to_owned(),
        invoices: vec![DisputedInvoice {
            number: "FA-2026-01014".to_owned(),
            issue_date: d(2026, 7, 15),
            due_date: d(2026, 8, 14),
            amount: Money::eur(dec!(18450.00)),
            outstanding: Money::eur(dec!(13450.00)),
        }],
        tasks: vec![
            DisputeTask {
                title: "Obtenir le bon de livraison signé".to_owned(),
                owner: "Claire".to_owned(),
                due_on: d(2026, 10, 20),
                state: TaskState::Done,
            },
            DisputeTask {
                title: "Rappeler l'acheteur".to_owned(),
                owner: "Marc".to_owned(),
                due_on: d(2026, 11, 10),
                state: TaskState::Todo,
            },
        ],
        timeline,
        evidence: vec![
            EvidenceFile {
                file_name: "bon-de-livraison.pdf".to_owned(),
                media_type: "application/pdf".to_owned(),
                sha256: EVIDENCE_HASH.to_owned(),
                added_at: at(2026, 10, 5, 14, 2),
                note: "BL signé du 14/07".to_owned(),
                content: bl,
            },
            EvidenceFile {
                file_name: "reclamation.eml".to_owned(),
                media_type: "message/rfc822".to_owned(),
                sha256: MAIL_HASH.to_owned(),
                added_at: at(2026, 10, 6, 10, 0),
                note: String::new(),
                content: b"From: achats@client.fr\r\nSubject: palettes\r\n\r\nIl manque 2 palettes.\r\n".to_vec(),
            },
            EvidenceFile {
                file_name: "photo-palettes.png".to_owned(),
                media_type: "image/png".to_owned(),
                sha256: PHOTO_HASH.to_owned(),
                added_at: at(2026, 10, 6, 10, 5),
                note: String::new(),
                content: logo_png(),
            },
        ],
    }
}

#[test]
fn the_dossier_prints_the_dispute_and_appends_its_evidence() {
    let dossier = dossier();
    let out = render_dispute_dossier(&dossier).unwrap();
    assert_eq!(out, render_dispute_dossier(&dossier).unwrap(), "same input, same bytes");

    // Evidence: the PDF's page appended, the image shown, the e-mail listed.
    let total = pages(&out.pdf);
    let [pdf, mail, photo] = out.evidence.as_slice() else { panic!("{:?}", out.evidence) };
    let EvidenceOutcome::Appended { first, last } = *pdf else { panic!("{pdf:?}") };
    assert_eq!(last - first + 1, pages(&dossier.evidence[0].content), "every page of the evidence PDF");
    assert!(matches!(mail, EvidenceOutcome::Listed { .. }), "{mail:?}");
    let EvidenceOutcome::Shown { page: photo_page } = *photo else { panic!("{photo:?}") };
    assert_eq!(photo_page, last + 1, "the image's page follows the PDF");
    assert_eq!(total, photo_page, "the image's page is the last");
    assert!(out.evidence.iter().map(EvidenceOutcome::reproduced).eq([true, false, true]));

    let Some(text) = pdf_text("dispute-dossier", &out.pdf) else { return };
    let flat = squeeze(&text);
    for expected in [
        "DOSSIER DE LITIGE N° 12",
        "Bœuf & Cœur Restauration SAS — état au 24 novembre 2026",
        "Ouvert le 2 octobre 2026 (49 jours)",
        "statut 207 En litige reçu de la plateforme le 02/10/2026 09:15",
        "Motif Quantité — code AFNOR (MDT-113) : QTE_ERR",
        "Motif de l'acheteur QTE_ERR — 2 palettes manquantes",
        "Action demandée (MDT-121) NIN — Avoir attendu",
        // Amounts in the French way.
        "Montant contesté 1 234,56 €",
        "Part non contestée 12 215,44 €",
        "Reste dû sur les factures 13 450,00 € au 24 novembre 2026",
        "résolu le 20 novembre 2026 : accord partiel",
        "FA-2026-01014 15/07/2026 14/08/2026 18 450,00 € 13 450,00 €",
        // Tasks, the late one said so.
        "Obtenir le bon de livraison signé Claire 20/10/2026 fait",
        "Rappeler l'acheteur Marc 10/11/2026 à faire, en retard",
        // Evidence: names, hashes, dates added, where each one is.
        "bon-de-livraison.pdf",
        EVIDENCE_HASH,
        MAIL_HASH,
        PHOTO_HASH,
        "05/10/2026",
        &format!("reproduite page {first}"),
        "annexe non reproduite",
        &format!("reproduite page {photo_page}"),
        "PIÈCE N° 1",
        "PIÈCE N° 3",
        // The appended PDF's own text.
        "Factures échues restant à régler",
    ] {
        assert!(flat.contains(&plain(expected)), "missing {expected:?} in:\n{text}");
    }
    // Every event of the timeline, in order.
    let mut from = 0;
    for e in &dossier.timeline {
        let line = squeeze(&format!("{} {}", e.at.format("%d/%m/%Y %H:%M"), e.kind));
        let found = flat[from..].find(&line).unwrap_or_else(|| panic!("missing timeline entry {line:?}:\n{text}"));
        from += found + line.len();
    }
    assert!(flat.contains("relance interne n° 39 : en attente du retour"), "the 44th event too");
    // Page numbers count the appended pages: the pages the dossier composed say "Page n/N" with N
    // the whole file's.
    let page_texts: Vec<&str> = text.split('\u{c}').filter(|p| !p.trim().is_empty()).collect();
    assert_eq!(page_texts.len(), total);
    assert!(page_texts[0].contains(&format!("Page 1/{total}")), "{}", page_texts[0]);
    assert!(page_texts[photo_page - 1].contains(&format!("Page {photo_page}/{total}")));
    assert!(page_texts[first - 2].contains("PIÈCE N° 1"), "the separator page precedes the PDF");
    assert!(page_texts[first - 1].contains("Factures échues restant à régler"), "the PDF follows its separator");
}

#[test]
fn the_summary_pages_stay_inside_the_margins() {
    let mut dossier = dossier();
    // Only the dossier's own pages (an appended PDF has margins of its own).
    dossier.evidence.retain(|e| e.media_type != "application/pdf");
    let out = render_dispute_dossier(&dossier).unwrap();
    assert_clean_layout("dispute-dossier-own", &out.pdf);
}

#[test]
fn an_unreadable_pdf_is_listed_with_its_hash_not_a_failure() {
    let mut dossier = dossier();
    dossier.evidence[0].content = b"%PDF-1.4\nthis is not a PDF at all".to_vec();
    let out = render_dispute_dossier(&dossier).unwrap();
    assert!(matches!(&out.evidence[0], EvidenceOutcome::Listed { why } if why.contains("PDF illisible")));
    let Some(text) = pdf_text("dispute-dossier-broken", &out.pdf) else { return };
    let flat = squeeze(&text);
    assert!(flat.contains("PDF illisible ou chiffré") && flat.contains(EVIDENCE_HASH), "{text}");
    assert!(!flat.contains("PIÈCE N° 1"), "no separator page for a file that is not reproduced");
}

#[test]
fn an_open_dispute_opened_by_hand_without_evidence_or_tasks() {
    let mut dossier = dossier();
    dossier.platform = None;
    dossier.origin = "à la main".to_owned();
    dossier.state = DisputeState::Open;
    dossier.undisputed = None;
    dossier.tasks.clear();
    dossier.evidence.clear();
    dossier.timeline.truncate(2);
    let out = render_dispute_dossier(&dossier).unwrap();
    assert!(out.evidence.is_empty());
    assert_eq!(pages(&out.pdf), 1);
    let Some(text) = pdf_text("dispute-dossier-open", &out.pdf) else { return };
    let flat = squeeze(&text);
    for expected in
        ["Origine à la main", "État ouvert", "Ouvert le 2 octobre 2026 (53 jours)", "Aucune tâche.", "Aucune pièce."]
    {
        assert!(flat.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(!flat.contains("Part non contestée"));
}

#[test]
fn a_dossier_without_an_invoice_is_refused() {
    let mut dossier = dossier();
    dossier.invoices.clear();
    assert!(matches!(render_dispute_dossier(&dossier), Err(encours_documents::DocumentError::NoInvoices)));
}

/// Page 1 at 60 dpi for a look (target/documents-tests/dispute-dossier-p1-60.png; the reviewed
/// one is docs/letters/dispute-dossier.png).
#[test]
fn page_one_renders_to_png() {
    let out = render_dispute_dossier(&dossier()).unwrap();
    if let Some(png) = png_page("dispute-dossier", &out.pdf, 1, 60) {
        assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
        eprintln!("page 1: {}", png.display());
    }
}
