//! One dispute as a single PDF (issue 8 §8). The app reads the dispute, its company and client,
//! its tasks, timeline and evidence (with the bytes kept in the dossier) and hands them to
//! `encours-documents` as plain data ([`encours_documents::DisputeDossier`]); the documents
//! crate sets the summary with the letters' fonts and layout and appends the evidence PDFs with
//! the injonction dossier's merge. The file is written beside its target and renamed into place:
//! never half-written.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use encours_documents::{
    DisputeDossier, DisputeState, DisputeTask, DisputedInvoice, EvidenceFile, Letterhead, Party, PlatformOrigin,
    TaskState, TimelineEntry,
};
use encours_domain::{LifecycleStatus, Money, PostalAddress, Siren};
use encours_store::disputes as store;
use encours_store::Dossier;
use rust_decimal::Decimal;

use super::{afnor_codes, outcome_fr, record, timeline_at, write_atomically};
use crate::error::{ApiError, ErrorCode};

/// Per evidence file, in order: its name and whether its content is reproduced in the PDF (a PDF's
/// pages appended, an image shown); the others are listed by name, size and SHA-256.
pub type Appended = Vec<(String, bool)>;

/// The timeline kind in French.
fn kind_fr(kind: &str) -> &str {
    match kind {
        "status" => "statut",
        "dunning" => "relance",
        "opened" => "ouverture",
        "updated" => "mise à jour",
        "note" => "note",
        "call" => "appel",
        "decision" => "décision",
        "evidence" => "pièce",
        "task" | "task_state" => "tâche",
        "resolved" => "résolution",
        other => other,
    }
}

fn actor_fr(actor: &str) -> &str {
    match actor {
        "platform" => "plateforme",
        "user" => "utilisateur",
        "dunning" => "relances",
        other => other,
    }
}

/// The resolution's details (the JSON `resolve_dispute` writes) in French.
fn resolution_fr(json: Option<&str>, currency: encours_domain::Currency) -> String {
    let Some(v) = json.and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok()) else {
        return String::new();
    };
    let text = |key: &str| v.get(key).and_then(|x| x.as_str()).map(str::trim).filter(|s| !s.is_empty());
    let amount = |key: &str| {
        text(key)
            .and_then(|a| a.parse::<Decimal>().ok())
            .map(|a| encours_documents::format::money(&Money::new(a, currency)))
    };
    let mut parts = Vec::new();
    if let Some(cn) = text("credit_note") {
        match amount("allocated") {
            Some(a) => parts.push(format!("avoir {cn} imputé pour {a}")),
            None => parts.push(format!("avoir {cn}")),
        }
    }
    if let Some(f) = text("corrected_invoice") {
        parts.push(format!("remplacée par la facture rectificative {f}"));
    }
    if let Some(a) = amount("accepted_amount") {
        parts.push(format!("montant accepté par le client : {a}"));
    }
    if let Some(n) = text("note") {
        parts.push(n.to_owned());
    }
    parts.join(" ; ")
}

/// The company as the dossier knows it: a dispute dossier is an internal document, so an
/// incomplete letterhead profile is no reason to refuse it (unlike a letter).
fn creditor(d: &Dossier) -> Result<(Party, Letterhead), ApiError> {
    let company = d.company()?;
    let p = crate::dossier::company_profile(d)?;
    let party = Party {
        name: company.name,
        siren: Some(company.siren),
        address: PostalAddress { lines: p.address_lines, postcode: p.postcode, city: p.city, country: p.country },
        contact: (!p.signatory_name.trim().is_empty()).then(|| encours_domain::Contact {
            name: p.signatory_name.clone(),
            role: p.signatory_title.clone().unwrap_or_default(),
            email: p.email.clone(),
            phone: p.phone.clone(),
        }),
    };
    let letterhead = Letterhead {
        logo: crate::dossier::company_logo(d)?,
        vat_number: p.vat_number,
        phone: p.phone,
        email: p.email,
        website: p.website,
        legal_line: p.legal_line,
    };
    Ok((party, letterhead))
}

fn debtor(d: &Dossier, client: i64, name: &str) -> Result<Party, ApiError> {
    Ok(match encours_store::channels::client_facts(d, client)? {
        Some(f) => Party {
            name: f.name,
            siren: f.siren.as_deref().and_then(|s| Siren::parse(s).ok()),
            address: f.address,
            contact: f.contacts.into_iter().next(),
        },
        None => Party { name: name.to_owned(), ..Party::default() },
    })
}

/// The dispute as the documents crate renders it, as of `as_of`.
pub fn dispute_dossier(d: &Dossier, id: i64, as_of: NaiveDate) -> Result<DisputeDossier, ApiError> {
    let r = record(d, id)?;
    let currency = r.currency;
    let m = |a: Decimal| Money::new(a, currency);
    let (creditor, letterhead) = creditor(d)?;
    let outstanding: Decimal = r.invoices.iter().map(|i| i.outstanding).sum();
    let state = match (r.state.as_str(), r.resolved_on) {
        ("resolved", Some(on)) if on <= as_of => DisputeState::Resolved {
            on,
            outcome: outcome_fr(r.outcome.as_deref().unwrap_or_default()).to_owned(),
            details: resolution_fr(r.resolution_json.as_deref(), currency),
        },
        _ => DisputeState::Open,
    };
    let origin = match r.origin.as_str() {
        "manual" => "ouvert à la main",
        "call" => "ouvert à l'issue d'un appel",
        "status" => "ouvert par un statut de la plateforme",
        _ => "enregistré",
    };
    let mut evidence = Vec::new();
    for e in store::evidence(d, id)? {
        let content = crate::import::original(d, &e.sha256)?.ok_or_else(|| {
            ApiError::new(ErrorCode::Storage, format!("the file of evidence {} ({}) is missing", e.id, e.file_name))
        })?;
        evidence.push(EvidenceFile {
            file_name: e.file_name,
            media_type: e.media_type,
            sha256: e.sha256,
            added_at: e.added_at,
            note: e.note,
            content,
        });
    }
    Ok(DisputeDossier {
        debtor: debtor(d, r.client_id, &r.client_name)?,
        creditor,
        letterhead,
        date: as_of,
        number: r.id,
        opened_on: r.opened_on,
        origin: origin.to_owned(),
        reason: r.reason,
        afnor_codes: afnor_codes(r.reason).iter().map(|c| (*c).to_owned()).collect(),
        platform: r.status.as_ref().map(|s| PlatformOrigin {
            status: LifecycleStatus::from_code(s.code),
            at: s.at,
            reason_code: s.reason_code.clone(),
            reason_text: s.reason_text.clone(),
            action_code: s.action_code.clone(),
            action_text: s.action_text.clone(),
        }),
        disputed: m(r.disputed),
        undisputed: r.invoiced.map(|i| m((i - r.disputed).max(Decimal::ZERO))),
        outstanding: m(outstanding),
        state,
        note: r.note.clone(),
        invoices: r
            .invoices
            .iter()
            .map(|i| DisputedInvoice {
                number: i.number.clone(),
                issue_date: i.issue_date,
                due_date: i.due_date,
                amount: m(i.receivable),
                outstanding: m(i.outstanding),
            })
            .collect(),
        tasks: store::tasks(d, id)?
            .into_iter()
            .map(|t| DisputeTask {
                state: match t.state.as_str() {
                    "done" => TaskState::Done,
                    "cancelled" => TaskState::Cancelled,
                    _ => TaskState::Todo,
                },
                title: t.title,
                owner: t.owner,
                due_on: t.due_on,
            })
            .collect(),
        timeline: timeline_at(d, &r)?
            .into_iter()
            .filter(|(at, _)| at.date() <= as_of)
            .map(|(at, v)| TimelineEntry {
                at,
                kind: kind_fr(&v.kind).to_owned(),
                actor: actor_fr(&v.actor).to_owned(),
                text: v.text,
            })
            .collect(),
        evidence,
    })
}

/// Renders the dispute with its evidence appended (`encours-documents`); returns the PDF bytes
/// and, per evidence file, whether its content is reproduced.
pub fn render_dispute_pdf(d: &Dossier, id: i64, as_of: NaiveDate) -> Result<(Vec<u8>, Appended), ApiError> {
    let dossier = dispute_dossier(d, id, as_of)?;
    let rendered = encours_documents::render_dispute_dossier(&dossier)
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("the PDF of dispute {id} cannot be rendered: {e}")))?;
    let appended =
        dossier.evidence.iter().zip(&rendered.evidence).map(|(e, o)| (e.file_name.clone(), o.reproduced())).collect();
    Ok((rendered.pdf, appended))
}

/// Writes the dispute's PDF ([`render_dispute_pdf`]) to `out` (a file, or a folder where it is
/// named `litige-<id>.pdf`), beside and renamed into place; returns the path and, per evidence
/// file, whether its content is reproduced.
pub fn export_dispute_pdf(d: &Dossier, id: i64, out: &Path, as_of: NaiveDate) -> Result<(PathBuf, Appended), ApiError> {
    let (bytes, appended) = render_dispute_pdf(d, id, as_of)?;
    let target = if out.is_dir() { out.join(format!("litige-{id}.pdf")) } else { out.to_owned() };
    write_atomically(&target, &bytes)?;
    Ok((target, appended))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::sync::atomic::AtomicBool;

    use chrono::NaiveDateTime;
    use encours_store::{DossierKey, KeySource};

    fn now() -> NaiveDateTime {
        "2026-11-23T09:30:00".parse().unwrap()
    }

    fn corpus() -> PathBuf {
        std::env::var_os("ENCOURS_CORPUS")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
    }

    fn pdftotext(pdf: &Path) -> Option<String> {
        let out = std::process::Command::new("pdftotext").arg("-layout").arg(pdf).arg("-").output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).replace(['\u{a0}', '\u{202f}'], " "))
    }

    /// Through the app: the corpus 207 En litige opens a dispute; a PDF, an e-mail and a task are
    /// added; the export holds the platform's reason, the amounts the French way, every timeline
    /// entry, each evidence hash, and the evidence PDF's pages; the same dossier gives the same bytes.
    #[test]
    fn a_dispute_opened_by_a_207_exports_with_its_evidence_through_the_documents_crate() {
        let dir = tempfile::tempdir().unwrap();
        let keys = KeySource::Environment(DossierKey::from_hex(&"5e".repeat(32)).unwrap());
        let mut d =
            crate::create_dossier(&dir.path().join("d.encours"), "552081317", "ACME Industrie", &keys, now()).unwrap();
        let cancel = AtomicBool::new(false);
        let files = [
            corpus().join("facturx/UC4_F202500006_00-INV_20250701.pdf"),
            corpus().join("lifecycle/UC4_F202500006_04-CDV-207_En_litige.xml"),
        ];
        for f in &files {
            let r = crate::import_paths(&mut d, std::slice::from_ref(f), now(), &mut |_| {}, &cancel).unwrap();
            assert_eq!(r.imported, 1, "{:#?}", r.files);
        }
        let id = store::all(&d).unwrap().first().expect("the 207 opened a dispute").id;
        let pdf = std::fs::read(&files[0]).unwrap();
        let later = |h| now() + chrono::Duration::hours(h);
        let e1 = super::super::attach_evidence(&mut d, id, "facture.pdf", &pdf, "l'original", later(1)).unwrap();
        let mail = b"From: achats@client.fr\r\nSubject: litige\r\n\r\nQuantite contestee.\r\n";
        let e2 = super::super::attach_evidence(&mut d, id, "reclamation.eml", mail, "", later(2)).unwrap();
        super::super::add_dispute_task(&mut d, id, "Obtenir le BL signé", "Claire", "2026-11-30", later(3)).unwrap();

        let (bytes, appended) = render_dispute_pdf(&d, id, now().date()).unwrap();
        assert_eq!(bytes, render_dispute_pdf(&d, id, now().date()).unwrap().0, "same dossier, same bytes");
        assert_eq!(appended, vec![("facture.pdf".to_owned(), true), ("reclamation.eml".to_owned(), false)]);
        let (path, _) = export_dispute_pdf(&d, id, dir.path(), now().date()).unwrap();
        assert_eq!(path.file_name().and_then(|n| n.to_str()), Some(format!("litige-{id}.pdf").as_str()));
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
        assert!(!dir.path().join(format!("litige-{id}.pdf.part")).exists(), "no temporary file left");
        let merged = lopdf::Document::load_mem(&bytes).unwrap().get_pages().len();
        let evidence = lopdf::Document::load_mem(&pdf).unwrap().get_pages().len();
        assert!(merged >= 2 + evidence, "summary, separator and the {evidence} page(s) of the evidence: {merged}");

        let Some(text) = pdftotext(&path) else {
            eprintln!("SKIPPED part: pdftotext (poppler-utils) is not installed");
            return;
        };
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let view = super::super::dispute(&d, id, now().date()).unwrap();
        let disputed: Decimal = view.summary.disputed.parse().unwrap();
        let disputed = encours_documents::format::money(&Money::eur(disputed)).replace(['\u{a0}', '\u{202f}'], " ");
        for expected in [
            format!("DOSSIER DE LITIGE N° {id}"),
            "statut 207 En litige reçu de la plateforme".to_owned(),
            format!("Montant contesté {disputed}"),
            "F202500006".to_owned(),
            e1.sha256.clone(),
            e2.sha256.clone(),
            "Obtenir le BL signé Claire 30/11/2026 à faire".to_owned(),
        ] {
            assert!(flat.contains(&expected), "missing {expected:?} in:\n{text}");
        }
        assert!(disputed.ends_with(" €") && disputed.contains(','), "French amount: {disputed}");
        for entry in &view.timeline {
            let at: NaiveDateTime = entry.at.replace(' ', "T").parse().unwrap();
            let line = format!("{} {}", at.format("%d/%m/%Y %H:%M"), kind_fr(&entry.kind));
            assert!(flat.contains(&line), "missing timeline entry {line:?} in:\n{text}");
        }
    }

    #[test]
    fn the_resolution_reads_in_french() {
        let json = r#"{"outcome":"partial","credit_note":"AV-7","allocated":"100.5","corrected_invoice":null,
            "accepted_amount":"1234.56","note":"geste commercial"}"#;
        let text = resolution_fr(Some(json), encours_domain::Currency::EUR);
        assert_eq!(
            text.replace(['\u{a0}', '\u{202f}'], " "),
            "avoir AV-7 imputé pour 100,50 € ; montant accepté par le client : 1 234,56 € ; geste commercial"
        );
        assert_eq!(resolution_fr(None, encours_domain::Currency::EUR), "");
        assert_eq!(kind_fr("task_state"), "tâche");
        assert_eq!(actor_fr("platform"), "plateforme");
    }
}
