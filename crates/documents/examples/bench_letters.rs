//! Rendering speed and size of letters (issue 7 target: ≥ 500 letters per second on one core,
//! < 60 KB per letter), for every document. Run:
//! `cargo run --release -p encours-documents --example bench_letters`. "letters/s of CPU time" counts
//! only the time this process ran (Linux), so it means "one core" even on a busy machine.

use std::time::Instant;

use chrono::NaiveDate;
use encours_documents::{
    declaration_deadline, render_declaration, render_injonction, render_statement, BodaccNotice, Court,
    DeclarationDeCreance, EntryKind, Exhibit, ExhibitContent, InjonctionDossier, Procedure, ProcedureKind, Statement,
    StatementEntry,
};
use encours_documents::{
    render_letter, Delivery, DocumentError, InvoiceRow, LegalBreakdown, Letter, LetterKind, Party, PaymentDetails,
    Signature, Tone,
};
use encours_domain::{Iban, LifecycleStatus, Money, PostalAddress, Siren};
use rust_decimal::Decimal;

fn letter(n: usize, invoices: usize, kind: LetterKind) -> Letter {
    let date = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap_or_default();
    let party = |name: String, siren: &str| Party {
        name,
        siren: Siren::parse(siren).ok(),
        address: PostalAddress {
            lines: vec!["12 rue de l'Église".to_owned()],
            postcode: "69003".to_owned(),
            city: "Lyon".to_owned(),
            country: "FR".to_owned(),
        },
        contact: None,
    };
    let rows = (0..invoices)
        .map(|i| {
            let amount = Money::eur(Decimal::new(123_456 + i as i64 * 100 + n as i64, 2));
            InvoiceRow {
                number: format!("FA-2026-{n:04}-{i:03}"),
                issue_date: date - chrono::Days::new(90),
                due_date: date - chrono::Days::new(60),
                days_late: 60,
                amount_incl_vat: amount,
                paid: Money::eur(Decimal::ZERO),
                open: amount,
            }
        })
        .collect();
    Letter {
        kind,
        creditor: party("Atelier Lumière & Fils SARL".to_owned(), "732829320"),
        letterhead: Default::default(),
        debtor: party(format!("Client n° {n} — Bœuf & Cœur SAS"), "404833048"),
        place: "Lyon".to_owned(),
        date,
        reference: format!("REL-2026-{n:05}"),
        subject: "Factures échues restant à régler".to_owned(),
        body: vec![
            "Madame, Monsieur,".to_owned(),
            "Sauf erreur de notre part, les factures ci-dessous restent impayées.".to_owned(),
        ],
        invoices: rows,
        legal: matches!(kind, LetterKind::MiseEnDemeure { .. }).then(|| {
            let mut l = LegalBreakdown::new(Money::eur(Decimal::from(40)));
            l.indemnity_count = u32::try_from(invoices).unwrap_or(0);
            l
        }),
        payment: Some(PaymentDetails {
            iban: Iban::parse("FR7630006000011234567890189").ok(),
            bic: Some("AGRIFRPP".to_owned()),
            other: None,
            creditor_reference: encours_domain::CreditorRef::from_body(&format!("REL2026{n:05}")).ok(),
        }),
        closing: vec!["Veuillez agréer, Madame, Monsieur, nos salutations distinguées.".to_owned()],
        delivery: Delivery::RegisteredPaper { tracking_number: None },
        signature: Signature { name: "Hélène Dupré".to_owned(), title: None },
    }
}

/// CPU time of this process in ns (Linux `/proc/self/schedstat`, first field), so that the
/// figure means "one core" even when the machine is busy; `None` elsewhere.
fn cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/self/schedstat").ok()?.split_whitespace().next()?.parse().ok()
}

/// Renders `count` documents made by `make`, prints letters/s (wall and CPU) and sizes.
fn run<T>(label: &str, count: usize, make: impl Fn(usize) -> T, render: impl Fn(&T) -> Result<Vec<u8>, DocumentError>) {
    let docs: Vec<T> = (0..count).map(make).collect();
    let (start, cpu_start) = (Instant::now(), cpu_ns());
    let (mut bytes, mut largest) = (0usize, 0usize);
    for d in &docs {
        match render(d) {
            Ok(pdf) => {
                bytes += pdf.len();
                largest = largest.max(pdf.len());
            }
            Err(e) => {
                eprintln!("{label}: {e}");
                return;
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    // Only printed ratios use floats here.
    let n = f64::from(u32::try_from(count).unwrap_or(u32::MAX));
    let cpu = match (cpu_start, cpu_ns()) {
        (Some(a), Some(b)) if b > a => {
            let ms = f64::from(u32::try_from((b - a) / 1_000_000).unwrap_or(u32::MAX)).max(1.0);
            format!(", {:.0} letters/s of CPU time", n * 1000.0 / ms)
        }
        _ => String::new(),
    };
    println!(
        "{label}: {count} in {elapsed:.2} s = {:.0} letters/s wall{cpu}; mean {} B, largest {} B",
        n / elapsed,
        bytes / count,
        largest
    );
}

fn statement(n: usize) -> Statement {
    let l = letter(n, 12, LetterKind::AccountStatement);
    let mut entries: Vec<StatementEntry> = l
        .invoices
        .iter()
        .map(|r| StatementEntry {
            kind: EntryKind::Invoice,
            date: r.issue_date,
            number: r.number.clone(),
            due_date: Some(r.due_date),
            amount: r.amount_incl_vat,
            open: r.open,
            status: Some(LifecycleStatus::from_code(205)),
        })
        .collect();
    entries.push(StatementEntry {
        kind: EntryKind::CreditNote,
        date: l.date,
        number: format!("AV-{n:05}"),
        due_date: None,
        amount: Money::eur(Decimal::from(150)),
        open: Money::eur(Decimal::from(150)),
        status: None,
    });
    Statement {
        creditor: l.creditor,
        letterhead: l.letterhead,
        debtor: l.debtor,
        place: l.place,
        date: l.date,
        reference: l.reference,
        intro: l.body,
        entries,
        payment: l.payment,
        closing: l.closing,
        signature: l.signature,
    }
}

fn declaration(n: usize) -> DeclarationDeCreance {
    let l = letter(n, 5, LetterKind::Reminder { tone: Tone::Ferme });
    let published = l.date - chrono::Days::new(20);
    DeclarationDeCreance {
        creditor: l.creditor,
        letterhead: l.letterhead,
        debtor: l.debtor.clone(),
        procedure: Procedure {
            kind: ProcedureKind::LiquidationJudiciaire,
            court: "Tribunal de commerce de Lyon".to_owned(),
            judgment_date: published - chrono::Days::new(7),
            bodacc: Some(BodaccNotice { issue: "BODACC A n° 20260200".to_owned(), number: format!("{n}"), published }),
        },
        recipient: Party { name: "SELARL Liquidateurs".to_owned(), ..l.debtor },
        place: l.place,
        date: l.date,
        reference: l.reference,
        deadline: Some(declaration_deadline(published, false)),
        due: l.invoices,
        legal: None,
        to_fall_due: Vec::new(),
        securities: Vec::new(),
        interest_method: None,
        litigation: None,
        documents: vec!["Factures".to_owned(), "Conditions générales de vente".to_owned()],
        signature: l.signature,
        capacity: Default::default(),
    }
}

fn injonction(n: usize, exhibit: &[u8]) -> InjonctionDossier {
    let l = letter(n, 5, LetterKind::MiseEnDemeure { deadline_days: 8 });
    InjonctionDossier {
        creditor: l.creditor,
        letterhead: l.letterhead,
        creditor_legal_form: "SARL".to_owned(),
        debtor: l.debtor,
        debtor_legal_form: "SAS".to_owned(),
        court: Court { name: "Tribunal de commerce de Lyon".to_owned(), address: None },
        place: l.place,
        date: l.date,
        reference: l.reference,
        basis: "Fournitures facturées".to_owned(),
        invoices: l.invoices,
        legal: l.legal,
        mise_en_demeure: Some(l.date - chrono::Days::new(15)),
        exhibits: vec![
            Exhibit {
                title: "Historique des statuts".to_owned(),
                content: ExhibitContent::Text(vec!["01/10/2026 205 Approuvée".to_owned(); 10]),
            },
            Exhibit { title: "Mise en demeure".to_owned(), content: ExhibitContent::Pdf(exhibit.to_vec()) },
        ],
        signature: l.signature,
    }
}

fn main() {
    // Load the fonts once before timing, as a batch run does.
    let _ = encours_documents::FontSet::embedded();
    let ferme = LetterKind::Reminder { tone: Tone::Ferme };
    let sample = letter(1, 3, ferme);
    if let Some(p) = &sample.payment {
        if let (Some(iban), Some(reference)) = (&p.iban, &p.creditor_reference) {
            let payment = encours_documents::EpcPayment {
                name: sample.creditor.name.clone(),
                iban: iban.clone(),
                bic: p.bic.clone(),
                amount: Money::eur(Decimal::new(1_478_066, 2)),
                reference: reference.clone(),
            };
            let payload = encours_documents::epc_payload(&payment).unwrap_or_default();
            let (start, cpu) = (Instant::now(), cpu_ns());
            for _ in 0..500 {
                let _ = encours_documents::epc_qr_modules(&payload);
            }
            let per = cpu_ns().zip(cpu).map(|(b, a)| b.saturating_sub(a) / 500 / 1000).unwrap_or(0);
            println!("SEPA QR code alone: {} µs wall, {per} µs CPU each", start.elapsed().as_micros() / 500);
        }
    }
    run("reminder, 3 invoices", 500, |n| letter(n, 3, ferme), render_letter);
    run(
        "reminder, 3 invoices, no QR code",
        500,
        |n| {
            let mut l = letter(n, 3, ferme);
            l.payment = None;
            l
        },
        render_letter,
    );
    run(
        "mise en demeure, 3 invoices",
        500,
        |n| letter(n, 3, LetterKind::MiseEnDemeure { deadline_days: 8 }),
        render_letter,
    );
    run("reminder, 60 invoices", 100, |n| letter(n, 60, ferme), render_letter);
    run("relevé de compte, 13 lines", 500, statement, render_statement);
    run("déclaration de créance, 5 invoices", 500, declaration, render_declaration);
    let exhibit = render_letter(&letter(0, 3, LetterKind::MiseEnDemeure { deadline_days: 8 })).unwrap_or_default();
    run("injonction de payer, 5 invoices, 1 PDF exhibit", 100, |n| injonction(n, &exhibit), render_injonction);
}
