//! Sample letters and the poppler tools the tests read PDFs back with.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

use chrono::NaiveDate;
use encours_documents::{
    BreakdownRow, Delivery, InvoiceRow, LegalBreakdown, Letter, LetterKind, Party, PaymentDetails, Signature, Tone,
};
use encours_domain::{Contact, Iban, Money, PostalAddress, Siren};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub fn creditor() -> Party {
    Party {
        name: "Atelier Lumière & Fils SARL".to_owned(),
        siren: Some(Siren::parse("732 829 320").unwrap()),
        address: PostalAddress {
            lines: vec!["12 rue de l'Église".to_owned(), "Bâtiment B".to_owned()],
            postcode: "69003".to_owned(),
            city: "Lyon".to_owned(),
            country: "FR".to_owned(),
        },
        contact: Some(Contact {
            name: "Hélène Dupré".to_owned(),
            role: "Comptabilité clients".to_owned(),
            email: Some("recouvrement@atelier-lumiere.fr".to_owned()),
            phone: Some("04 72 00 00 00".to_owned()),
        }),
    }
}

pub fn debtor() -> Party {
    Party {
        name: "Bœuf & Cœur Restauration SAS".to_owned(),
        siren: Some(Siren::parse("404833048").unwrap()),
        address: PostalAddress {
            lines: vec!["Zone d'activité des Épinettes".to_owned(), "3 allée François-Arago".to_owned()],
            postcode: "13290".to_owned(),
            city: "Aix-en-Provence".to_owned(),
            country: "FR".to_owned(),
        },
        contact: Some(Contact {
            name: "Mme Françoise Lœwy".to_owned(),
            role: "Direction financière".to_owned(),
            ..Default::default()
        }),
    }
}

pub fn invoice(n: usize, amount: Decimal, paid: Decimal) -> InvoiceRow {
    let issue = d(2026, 7, 1) + chrono::Days::new(n as u64 % 90);
    let due = issue + chrono::Days::new(30);
    InvoiceRow {
        number: format!("FA-2026-{:05}", 1000 + n),
        issue_date: issue,
        due_date: due,
        days_late: (d(2026, 11, 24) - due).num_days(),
        amount_incl_vat: Money::eur(amount),
        paid: Money::eur(paid),
        open: Money::eur(amount - paid),
    }
}

pub fn three_invoices() -> Vec<InvoiceRow> {
    vec![
        invoice(0, dec!(1234.56), dec!(0)),
        invoice(14, dec!(18450.00), dec!(5000.00)),
        invoice(40, dec!(96.10), dec!(0)),
    ]
}

pub fn reminder(tone: Tone) -> Letter {
    Letter {
        kind: LetterKind::Reminder { tone },
        creditor: creditor(),
        letterhead: Default::default(),
        debtor: debtor(),
        place: "Lyon".to_owned(),
        date: d(2026, 11, 24),
        reference: "REL-2026-0042".to_owned(),
        subject: "Factures échues restant à régler".to_owned(),
        body: vec![
            "Madame, Monsieur,".to_owned(),
            "Sauf erreur ou omission de notre part, les factures ci-dessous, arrivées à échéance, restent à ce jour \
             impayées. Nous vous remercions de bien vouloir procéder à leur règlement dès réception de ce courrier."
                .to_owned(),
        ],
        invoices: three_invoices(),
        legal: None,
        payment: Some(PaymentDetails {
            iban: Some(Iban::parse("FR76 3000 6000 0112 3456 7890 189").unwrap()),
            bic: Some("AGRIFRPP".to_owned()),
            other: None,
            creditor_reference: None,
        }),
        closing: vec![
            "Si votre règlement a été effectué entre-temps, nous vous prions de ne pas tenir compte de ce courrier."
                .to_owned(),
            "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées.".to_owned(),
        ],
        delivery: Delivery::Ordinary,
        signature: Signature {
            name: "Hélène Dupré".to_owned(), title: Some("Responsable du recouvrement".to_owned())
        },
    }
}

pub fn legal() -> LegalBreakdown {
    LegalBreakdown {
        penalties: vec![
            BreakdownRow {
                label: "FA-2026-01000".to_owned(),
                from: d(2026, 8, 1),
                to: d(2026, 11, 24),
                days: 116,
                base: Money::eur(dec!(1234.56)),
                rate_percent: dec!(12.15),
                amount: Money::eur(dec!(47.67)),
            },
            BreakdownRow {
                label: "FA-2026-01014".to_owned(),
                from: d(2026, 8, 15),
                to: d(2026, 11, 24),
                days: 102,
                base: Money::eur(dec!(13450.00)),
                rate_percent: dec!(12.15),
                amount: Money::eur(dec!(456.67)),
            },
        ],
        penalties_total: None,
        indemnity_count: 3,
        indemnity_unit: Money::eur(dec!(40)),
        interest: Vec::new(),
        interest_total: None,
    }
}

/// Legal interest after a mise en demeure, on an amount that bears no penalty (legal-rules A.3).
pub fn interest_row() -> BreakdownRow {
    BreakdownRow {
        label: "FA-2026-01040".to_owned(),
        base: Money::eur(dec!(96.10)),
        from: d(2026, 10, 1),
        to: d(2026, 11, 24),
        days: 55,
        rate_percent: dec!(2.62),
        amount: Money::eur(dec!(0.38)),
    }
}

pub fn mise_en_demeure(tracking: Option<&str>) -> Letter {
    Letter {
        kind: LetterKind::MiseEnDemeure { deadline_days: 8 },
        reference: "MED-2026-0007".to_owned(),
        subject: "Mise en demeure de payer — factures impayées".to_owned(),
        body: vec![
            "Madame, Monsieur,".to_owned(),
            "Malgré nos relances des 2 et 16 octobre 2026, les factures suivantes demeurent impayées.".to_owned(),
        ],
        legal: Some(legal()),
        delivery: Delivery::RegisteredPaper { tracking_number: tracking.map(str::to_owned) },
        closing: vec!["Veuillez agréer, Madame, Monsieur, nos salutations distinguées.".to_owned()],
        ..reminder(Tone::Ferme)
    }
}

/// Where the tests put what they render (under target/, never committed).
pub fn out_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("documents-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn have(tool: &str) -> bool {
    let found = Command::new(tool).arg("-v").output().is_ok();
    if !found {
        eprintln!("SKIPPED: `{tool}` (poppler-utils) is not installed; install it to check the PDF text and pages");
    }
    found
}

/// Writes the PDF under target/documents-tests and returns its text as pdftotext reads it
/// (`-layout`: lines as on the page), or None when pdftotext is missing.
pub fn pdf_text(name: &str, pdf: &[u8]) -> Option<String> {
    let path = out_dir().join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    if !have("pdftotext") {
        return None;
    }
    let out = Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output().unwrap();
    assert!(out.status.success(), "pdftotext failed on {}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).unwrap())
}

/// Renders page 1 to target/documents-tests/<name>-1.png (pdftoppm, 100 dpi); None when missing.
pub fn png_page1(name: &str, pdf: &[u8]) -> Option<PathBuf> {
    let path = out_dir().join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    if !have("pdftoppm") {
        return None;
    }
    let prefix = out_dir().join(name);
    let out = Command::new("pdftoppm")
        .args(["-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&path)
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(out.status.success(), "pdftoppm failed: {}", String::from_utf8_lossy(&out.stderr));
    let png = prefix.with_extension("png");
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.len() > 10_000 && bytes.starts_with(b"\x89PNG"), "page 1 of {name} did not render to a PNG");
    Some(png)
}

/// pdftotext prints U+00A0 and U+202F as plain spaces; compare on that.
pub fn plain(s: &str) -> String {
    s.replace(['\u{a0}', '\u{202f}'], " ")
}

/// Collapses runs of white space (pdftotext -layout pads columns with spaces).
pub fn squeeze(s: &str) -> String {
    plain(s).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One word as pdftotext -bbox places it, in mm from the top-left corner.
pub struct WordBox {
    pub page: usize,
    pub x_min: f32,
    pub y_min: f32,
    pub x_max: f32,
    pub y_max: f32,
    pub word: String,
}

fn attr(tag: &str, name: &str) -> f32 {
    let key = format!("{name}=\"");
    let start = tag.find(&key).map(|i| i + key.len()).unwrap_or(0);
    let end = tag[start..].find('"').map(|i| start + i).unwrap_or(start);
    // Positions on the page (points → mm): geometry, not money.
    tag[start..end].parse::<f32>().unwrap_or(f32::NAN) * 25.4 / 72.0
}

/// Every word's box (pdftotext -bbox), or None when pdftotext is missing.
pub fn word_boxes(name: &str, pdf: &[u8]) -> Option<Vec<WordBox>> {
    let path = out_dir().join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    if !have("pdftotext") {
        return None;
    }
    let out = Command::new("pdftotext").arg("-bbox").arg(&path).arg("-").output().unwrap();
    let html = String::from_utf8(out.stdout).unwrap();
    let mut boxes = Vec::new();
    for (page, chunk) in html.split("<page ").skip(1).enumerate() {
        for tag in chunk.split("<word ").skip(1) {
            let word = tag.split_once('>').map(|(_, rest)| rest.split("</word>").next().unwrap_or("")).unwrap_or("");
            boxes.push(WordBox {
                page: page + 1,
                x_min: attr(tag, "xMin"),
                y_min: attr(tag, "yMin"),
                x_max: attr(tag, "xMax"),
                y_max: attr(tag, "yMax"),
                word: word.to_owned(),
            });
        }
    }
    Some(boxes)
}

/// Asserts that every word lies inside the 20 mm side margins and above the bottom edge, and that
/// no two words overlap (a cell spilling into the next, a line written over another).
pub fn assert_clean_layout(name: &str, pdf: &[u8]) {
    let Some(boxes) = word_boxes(name, pdf) else { return };
    assert!(!boxes.is_empty(), "{name}: no text found");
    for b in &boxes {
        assert!(
            b.x_min >= 19.5 && b.x_max <= 190.5 && b.y_min >= 5.0 && b.y_max <= 292.0,
            "{name}: {:?} on page {} is outside the margins ({:.1}–{:.1} mm, {:.1}–{:.1} mm)",
            b.word,
            b.page,
            b.x_min,
            b.x_max,
            b.y_min,
            b.y_max
        );
    }
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            // 0.3 mm of tolerance: glyph boxes of adjacent lines touch at their ascenders.
            let overlap_x = a.x_min.max(b.x_min) < a.x_max.min(b.x_max) - 0.3;
            let overlap_y = a.y_min.max(b.y_min) < a.y_max.min(b.y_max) - 0.3;
            assert!(
                !(a.page == b.page && overlap_x && overlap_y),
                "{name}: {:?} and {:?} overlap on page {}",
                a.word,
                b.word,
                a.page
            );
        }
    }
}

/// A 1×1 red PNG would be too small to see; this is a 60×20 two-colour logo made in memory.
pub fn logo_png() -> Vec<u8> {
    let (w, h) = (60u32, 20u32);
    let mut rgba = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let inside = (x / 10 + y / 10) % 2 == 0;
            rgba.extend_from_slice(if inside { &[0x1f, 0x4e, 0x8c, 0xff] } else { &[0xe8, 0x8b, 0x1a, 0x80] });
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().unwrap();
        writer.write_image_data(&rgba).unwrap();
    }
    out
}

pub fn letterhead() -> encours_documents::Letterhead {
    encours_documents::Letterhead {
        logo: Some(logo_png()),
        vat_number: Some("FR40732829320".to_owned()),
        phone: Some("04 72 00 00 01".to_owned()),
        email: Some("contact@atelier-lumiere.fr".to_owned()),
        website: None,
        legal_line: Some("SARL au capital de 20 000 € — RCS Lyon 732 829 320".to_owned()),
    }
}

pub fn payment_with_rf() -> PaymentDetails {
    PaymentDetails {
        iban: Some(Iban::parse("FR7630006000011234567890189").unwrap()),
        bic: Some("AGRIFRPP".to_owned()),
        other: None,
        creditor_reference: Some(encours_domain::CreditorRef::from_body("REL20260042").unwrap()),
    }
}

pub fn statement() -> encours_documents::Statement {
    use encours_documents::{EntryKind, StatementEntry};
    use encours_domain::LifecycleStatus;
    let entry = |kind, date: NaiveDate, number: &str, due: Option<NaiveDate>, amount, open, status: Option<u16>| {
        StatementEntry {
            kind,
            date,
            number: number.to_owned(),
            due_date: due,
            amount: Money::eur(amount),
            open: Money::eur(open),
            status: status.map(LifecycleStatus::from_code),
        }
    };
    encours_documents::Statement {
        creditor: creditor(),
        letterhead: letterhead(),
        debtor: debtor(),
        place: "Lyon".to_owned(),
        date: d(2026, 11, 24),
        reference: "REL-2026-0042".to_owned(),
        intro: vec![
            "Madame, Monsieur,".to_owned(),
            "Veuillez trouver ci-dessous le relevé de votre compte.".to_owned(),
        ],
        entries: vec![
            entry(
                EntryKind::Invoice,
                d(2026, 6, 2),
                "FA-2026-00871",
                Some(d(2026, 7, 2)),
                dec!(2400.00),
                dec!(2400.00),
                Some(205),
            ),
            entry(
                EntryKind::Invoice,
                d(2026, 7, 15),
                "FA-2026-01014",
                Some(d(2026, 8, 14)),
                dec!(18450.00),
                dec!(13450.00),
                Some(206),
            ),
            entry(
                EntryKind::Invoice,
                d(2026, 9, 20),
                "FA-2026-01240",
                Some(d(2026, 10, 20)),
                dec!(1234.56),
                dec!(1234.56),
                Some(207),
            ),
            entry(
                EntryKind::Invoice,
                d(2026, 11, 2),
                "FA-2026-01388",
                Some(d(2026, 12, 2)),
                dec!(96.10),
                dec!(96.10),
                None,
            ),
            entry(EntryKind::CreditNote, d(2026, 10, 3), "AV-2026-00112", None, dec!(150.00), dec!(150.00), None),
            entry(EntryKind::Payment, d(2026, 11, 18), "VIR 18/11 BŒUF & CŒUR", None, dec!(500.00), dec!(500.00), None),
        ],
        payment: Some(payment_with_rf()),
        closing: vec!["Nous restons à votre disposition pour tout rapprochement.".to_owned()],
        signature: Signature {
            name: "Hélène Dupré".to_owned(), title: Some("Responsable du recouvrement".to_owned())
        },
    }
}

/// Renders page `page` of a PDF to a PNG at `dpi` and returns its bytes path (pdftoppm), or None.
pub fn png_page(name: &str, pdf: &[u8], page: usize, dpi: u32) -> Option<PathBuf> {
    let path = out_dir().join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    if !have("pdftoppm") {
        return None;
    }
    let prefix = out_dir().join(format!("{name}-p{page}-{dpi}"));
    let p = page.to_string();
    let out = Command::new("pdftoppm")
        .args(["-png", "-r", &dpi.to_string(), "-f", &p, "-l", &p, "-singlefile"])
        .arg(&path)
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(out.status.success(), "pdftoppm failed: {}", String::from_utf8_lossy(&out.stderr));
    Some(prefix.with_extension("png"))
}

/// The shared corpus (real files), from `ENCOURS_CORPUS` or `../../../shared/corpus`.
pub fn corpus() -> PathBuf {
    std::env::var_os("ENCOURS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

/// A real Factur-X invoice PDF of the corpus, when the corpus is there.
pub fn corpus_invoice_pdf() -> Option<Vec<u8>> {
    let path = corpus().join("facturx/F202500001_INV_20250201.pdf");
    match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(_) => {
            eprintln!("SKIPPED part: corpus file {} not found (set ENCOURS_CORPUS)", path.display());
            None
        }
    }
}

pub fn injonction() -> encours_documents::InjonctionDossier {
    use encours_documents::{Court, Exhibit, ExhibitContent, InjonctionDossier};
    let mut exhibits = Vec::new();
    if let Some(pdf) = corpus_invoice_pdf() {
        exhibits.push(Exhibit {
            title: "Facture n° F202500001 du 01/02/2025 (original)".to_owned(),
            content: ExhibitContent::Pdf(pdf),
        });
    }
    exhibits.push(Exhibit {
        title: "Historique des statuts de la facture FA-2026-01014 (plateforme agréée)".to_owned(),
        content: ExhibitContent::Text(vec![
            "15/07/2026 10:02 — 200 Déposée — plateforme émettrice".to_owned(),
            "15/07/2026 10:05 — 202 Reçue par la plateforme — plateforme réceptrice".to_owned(),
            "17/07/2026 09:40 — 204 Prise en charge — acheteur".to_owned(),
            "22/07/2026 16:12 — 206 Approuvée partiellement, montant approuvé 13 450,00 € — acheteur".to_owned(),
        ]),
    });
    let med = encours_documents::render_letter(&mise_en_demeure(Some("1A 234 567 8901 2"))).unwrap();
    exhibits.push(Exhibit {
        title: "Mise en demeure du 24/11/2026, lettre recommandée n° 1A 234 567 8901 2".to_owned(),
        content: ExhibitContent::Pdf(med),
    });
    InjonctionDossier {
        creditor: creditor(),
        letterhead: letterhead(),
        creditor_legal_form: "SARL".to_owned(),
        debtor: debtor(),
        debtor_legal_form: "SAS".to_owned(),
        court: Court {
            name: "Tribunal de commerce d'Aix-en-Provence".to_owned(),
            address: Some(PostalAddress {
                lines: vec!["Place Verdun".to_owned()],
                postcode: "13100".to_owned(),
                city: "Aix-en-Provence".to_owned(),
                country: "FR".to_owned(),
            }),
        },
        place: "Lyon".to_owned(),
        date: d(2026, 12, 10),
        reference: "IP-2026-0003".to_owned(),
        basis: "Fournitures et prestations facturées selon nos conditions générales de vente acceptées par le débiteur"
            .to_owned(),
        invoices: three_invoices(),
        legal: Some(legal()),
        mise_en_demeure: Some(d(2026, 11, 24)),
        exhibits,
        signature: Signature { name: "Hélène Dupré".to_owned(), title: Some("Gérante".to_owned()) },
    }
}

pub fn declaration() -> encours_documents::DeclarationDeCreance {
    use encours_documents::{
        declaration_deadline, BodaccNotice, DeclarantCapacity, DeclarationDeCreance, Procedure, ProcedureKind, Security,
    };
    let judgment = d(2026, 9, 8);
    let published = d(2026, 9, 15);
    // Due on the judgment date: the first two; the third falls due the day after it.
    let mut due = three_invoices();
    let third = due.pop().unwrap();
    for r in &mut due {
        r.days_late = (judgment - r.due_date).num_days();
    }
    let mut later = invoice(70, dec!(2150.00), dec!(0));
    later.issue_date = d(2026, 9, 1);
    later.due_date = d(2026, 10, 1);
    let mut legal = LegalBreakdown::new(Money::eur(dec!(40)));
    legal.indemnity_count = 2;
    legal.penalties.push(BreakdownRow {
        label: "FA-2026-01000".to_owned(),
        from: d(2026, 8, 1),
        to: judgment,
        days: 39,
        base: Money::eur(dec!(1234.56)),
        rate_percent: dec!(12.15),
        amount: Money::eur(dec!(16.03)),
    });
    DeclarationDeCreance {
        creditor: creditor(),
        letterhead: letterhead(),
        debtor: debtor(),
        procedure: Procedure {
            kind: ProcedureKind::RedressementJudiciaire,
            court: "Tribunal de commerce d'Aix-en-Provence".to_owned(),
            judgment_date: judgment,
            bodacc: Some(BodaccNotice {
                issue: "BODACC A n° 20260178".to_owned(),
                number: "1432".to_owned(),
                published,
            }),
        },
        recipient: Party {
            name: "SELARL Mandataires Associés".to_owned(),
            siren: None,
            address: PostalAddress {
                lines: vec!["8 cours Mirabeau".to_owned()],
                postcode: "13100".to_owned(),
                city: "Aix-en-Provence".to_owned(),
                country: "FR".to_owned(),
            },
            contact: Some(Contact { name: "Maître Anne Roux".to_owned(), ..Default::default() }),
        },
        place: "Lyon".to_owned(),
        date: d(2026, 10, 5),
        reference: "DC-2026-0001".to_owned(),
        deadline: Some(declaration_deadline(published, false)),
        due,
        legal: Some(legal),
        to_fall_due: vec![third, later],
        securities: vec![Security {
            nature: "Clause de réserve de propriété (article 2367 du Code civil)".to_owned(),
            assiette: "marchandises livrées au titre de la facture FA-2026-01014".to_owned(),
            date: Some(d(2026, 1, 5)),
            published: false,
        }],
        interest_method: None,
        litigation: None,
        documents: vec![
            "Factures FA-2026-01000, FA-2026-01014, FA-2026-01040 et FA-2026-01070".to_owned(),
            "Conditions générales de vente acceptées le 05/01/2026 (clause de réserve de propriété)".to_owned(),
            "Relevé de compte au 08/09/2026".to_owned(),
        ],
        signature: Signature { name: "Hélène Dupré".to_owned(), title: Some("Gérante".to_owned()) },
        capacity: DeclarantCapacity::LegalRepresentative,
    }
}
