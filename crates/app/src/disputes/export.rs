//! One dispute as a single PDF (issue 8 §8): a cover with the dispute's figures, invoices,
//! evidence list, tasks and timeline, followed by every PDF attached as evidence, page for page;
//! other files (photos, e-mails) are listed by name, size and SHA-256, which identify the copy
//! kept in the dossier.
//!
//! Written with lopdf alone. The cover uses the standard Helvetica in WinAnsi encoding rather
//! than the embedded fonts of `encours-documents` (its layout is being reworked; the letters need
//! U+202F, which WinAnsi lacks, but this export prints plain spaces instead). Layout geometry is
//! in integer points; no amount is a number here, only formatted text.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, ObjectId, Stream};

use super::{dispute, evidence_content, write_atomically, DisputeView};
use crate::error::{ApiError, ErrorCode};
use encours_store::Dossier;

/// Per evidence file, in order: its name and whether its pages were appended (a PDF that reads).
pub type Appended = Vec<(String, bool)>;

const PAGE_W: i64 = 595;
const PAGE_H: i64 = 842;
const LEFT: i64 = 50;
const TOP: i64 = 790;
const BOTTOM: i64 = 60;

/// A character in WinAnsi (PDF 32000-1 annex D.2); what it lacks becomes `?`.
fn win_ansi(c: char) -> u8 {
    match c {
        '\u{a0}' | '\u{202f}' | '\u{2009}' => b' ',
        '€' => 0x80,
        '‚' => 0x82,
        '„' => 0x84,
        '…' => 0x85,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        'œ' => 0x9c,
        'Œ' => 0x8c,
        c if (c as u32) < 0x80 => c as u8,
        c if (0xa1..=0xff).contains(&(c as u32)) => c as u32 as u8,
        _ => b'?',
    }
}

fn encode(text: &str) -> Vec<u8> {
    text.chars().map(win_ansi).collect()
}

/// Splits a text into lines of at most `max` characters, at spaces when it can.
fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split(' ') {
            let mut word = word.to_owned();
            while word.chars().count() > max {
                let head: String = word.chars().take(max).collect();
                word = word.chars().skip(max).collect();
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                lines.push(head);
            }
            if line.chars().count() + 1 + word.chars().count() > max && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&word);
        }
        lines.push(line);
    }
    lines
}

/// Pages of text lines, set top to bottom.
struct Pages {
    pages: Vec<Vec<Operation>>,
    y: i64,
}

impl Pages {
    fn new() -> Pages {
        Pages { pages: vec![Vec::new()], y: TOP }
    }

    fn line(&mut self, text: &str, size: i64, bold: bool, indent: i64) {
        let lead = size + size / 3 + 1;
        if self.y - lead < BOTTOM {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
        self.y -= lead;
        let ops = self.pages.last_mut().expect("there is always a page");
        ops.push(Operation::new("BT", vec![]));
        ops.push(Operation::new("Tf", vec![if bold { "F2" } else { "F1" }.into(), size.into()]));
        ops.push(Operation::new("Td", vec![(LEFT + indent).into(), self.y.into()]));
        ops.push(Operation::new("Tj", vec![Object::string_literal(encode(text))]));
        ops.push(Operation::new("ET", vec![]));
    }

    fn para(&mut self, text: &str, size: i64, bold: bool, indent: i64) {
        // Helvetica averages about half its size per character: 495 pt of line at 9 pt holds ~105.
        let max = usize::try_from((PAGE_W - 2 * LEFT - indent) * 2 / size).unwrap_or(80).max(20);
        for l in wrap(text, max) {
            self.line(&l, size, bold, indent);
        }
    }

    fn gap(&mut self, points: i64) {
        self.y -= points;
    }
}

fn cover(v: &DisputeView, company: &str, as_of: NaiveDate) -> Pages {
    let s = &v.summary;
    let mut p = Pages::new();
    p.line(company, 10, false, 0);
    p.gap(6);
    p.line(&format!("Dossier de litige n° {} — {}", s.id, s.client_name), 16, true, 0);
    p.line(&format!("État au {}", fr(&as_of.to_string())), 9, false, 0);
    p.gap(8);
    let state = if s.state == "open" {
        "ouvert".to_owned()
    } else {
        format!("résolu le {}", fr(s.resolved_on.as_deref().unwrap_or_default()))
    };
    p.para(&format!("Ouvert le {} ({} jours) · {state}", fr(&s.opened_on), s.age_days), 10, false, 0);
    let mut reason = format!("Motif : {}", s.reason_label);
    if let Some(code) = &s.reason_code {
        reason.push_str(&format!(" — code plateforme {code}"));
    }
    if let Some(t) = &v.reason_text {
        reason.push_str(&format!(" ({t})"));
    }
    p.para(&reason, 10, false, 0);
    if let Some(action) = s.action_code.as_ref().or(v.action_text.as_ref()) {
        p.para(&format!("Action demandée : {action}"), 10, false, 0);
    }
    if let Some(code) = s.status_code {
        p.para(&format!("Origine : statut {code} reçu de la plateforme"), 10, false, 0);
    }
    let undisputed =
        s.undisputed.as_deref().map(|u| format!(" · part non contestée {u} {}", s.currency)).unwrap_or_default();
    p.para(
        &format!(
            "Montant contesté : {} {}{undisputed} · reste dû : {} {}",
            s.disputed, s.currency, s.outstanding, s.currency
        ),
        10,
        true,
        0,
    );
    if let Some(outcome) = &s.outcome {
        p.para(&format!("Issue : {}", super::outcome_fr(outcome)), 10, false, 0);
    }
    if !v.note.is_empty() {
        p.para(&format!("Note : {}", v.note), 10, false, 0);
    }
    p.gap(8);
    p.line("Factures", 12, true, 0);
    for i in &v.invoices {
        p.para(
            &format!(
                "{} · émise le {} · échéance {} · {} {} · reste {}",
                i.number,
                fr(&i.issue_date),
                fr(&i.due_date),
                i.amount,
                s.currency,
                i.outstanding
            ),
            9,
            false,
            10,
        );
    }
    p.gap(8);
    p.line("Pièces", 12, true, 0);
    if v.evidence.is_empty() {
        p.line("aucune", 9, false, 10);
    }
    for (n, e) in v.evidence.iter().enumerate() {
        p.para(
            &format!(
                "P{} · {} · {} · {} octets · ajoutée le {} · SHA-256 {}",
                n + 1,
                e.file_name,
                e.media_type,
                e.size,
                fr(&e.added_at),
                e.sha256
            ),
            9,
            false,
            10,
        );
    }
    p.gap(8);
    p.line("Tâches", 12, true, 0);
    if v.tasks.is_empty() {
        p.line("aucune", 9, false, 10);
    }
    for t in &v.tasks {
        let state = match t.state.as_str() {
            "done" => "fait",
            "cancelled" => "annulée",
            _ if t.overdue => "à faire, en retard",
            _ => "à faire",
        };
        p.para(&format!("{} · {} · pour le {} · {state}", t.title, t.owner, fr(&t.due_on)), 9, false, 10);
    }
    p.gap(8);
    p.line("Chronologie", 12, true, 0);
    for e in &v.timeline {
        p.para(&format!("{} · {} · {}", fr(&e.at), kind_fr(&e.kind), e.text), 9, false, 10);
    }
    p
}

/// An ISO date or date-time in the French way: "2026-11-24" → "24/11/2026",
/// "2026-11-24T08:17:49" → "24/11/2026 08:17"; anything else as it is.
fn fr(iso: &str) -> String {
    let (d, time) = iso.split_once('T').unwrap_or((iso, ""));
    let parts: Vec<&str> = d.split('-').collect();
    let date = match parts.as_slice() {
        [y, m, dd] if y.len() == 4 && m.len() == 2 && dd.len() == 2 => format!("{dd}/{m}/{y}"),
        _ => return iso.to_owned(),
    };
    match time.get(..5) {
        Some(hm) => format!("{date} {hm}"),
        None => date,
    }
}

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

/// Copies the inherited page attributes (PDF 32000-1 §7.7.3.4) onto the page itself, so it keeps
/// them once it hangs from another page tree.
fn flatten_inherited(doc: &mut Document, page: ObjectId) {
    let keys: [&[u8]; 4] = [b"Resources", b"MediaBox", b"CropBox", b"Rotate"];
    let mut found: Vec<(Vec<u8>, Object)> = Vec::new();
    let mut parent =
        doc.get_dictionary(page).ok().and_then(|d| d.get(b"Parent").ok()).and_then(|o| o.as_reference().ok());
    let mut hops = 0;
    while let Some(id) = parent {
        hops += 1;
        if hops > 64 {
            break;
        }
        let Ok(node) = doc.get_dictionary(id) else { break };
        for k in keys {
            if found.iter().all(|(f, _)| f.as_slice() != k) {
                if let Ok(v) = node.get(k) {
                    found.push((k.to_vec(), v.clone()));
                }
            }
        }
        parent = node.get(b"Parent").ok().and_then(|o| o.as_reference().ok());
    }
    if let Ok(dict) = doc.get_dictionary_mut(page) {
        for (k, v) in found {
            if !dict.has(&k) {
                dict.set(k, v);
            }
        }
    }
}

/// Renders the dispute with its PDF evidence appended; returns the PDF bytes and, per evidence
/// file, whether its pages were appended.
pub fn render_dispute_pdf(d: &Dossier, id: i64, as_of: NaiveDate) -> Result<(Vec<u8>, Appended), ApiError> {
    let v = dispute(d, id, as_of)?;
    let company = d.company()?.name;
    let pdf_error = |e: lopdf::Error| ApiError::new(ErrorCode::Internal, format!("dispute {id} PDF: {e}"));

    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let regular = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let bold = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica-Bold", "Encoding" => "WinAnsiEncoding",
    });
    let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => regular, "F2" => bold } });
    let mut kids: Vec<Object> = Vec::new();
    let pages = cover(&v, &company, as_of).pages;
    let total = pages.len();
    for (n, mut ops) in pages.into_iter().enumerate() {
        ops.push(Operation::new("BT", vec![]));
        ops.push(Operation::new("Tf", vec!["F1".into(), 8.into()]));
        ops.push(Operation::new("Td", vec![LEFT.into(), 30.into()]));
        ops.push(Operation::new(
            "Tj",
            vec![Object::string_literal(encode(&format!("Litige n° {id} — page {} / {total} du dossier", n + 1)))],
        ));
        ops.push(Operation::new("ET", vec![]));
        let content = Content { operations: ops }.encode().map_err(pdf_error)?;
        let stream = doc.add_object(Stream::new(dictionary! {}, content));
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => stream, "Resources" => resources,
            "MediaBox" => vec![0.into(), 0.into(), PAGE_W.into(), PAGE_H.into()],
        });
        kids.push(page.into());
    }

    let mut appended = Vec::new();
    for e in &v.evidence {
        if e.media_type != "application/pdf" {
            appended.push((e.file_name.clone(), false));
            continue;
        }
        let (_, bytes) = evidence_content(d, e.id)?;
        let Ok(mut other) = Document::load_mem(&bytes) else {
            appended.push((e.file_name.clone(), false));
            continue;
        };
        if other.is_encrypted() {
            appended.push((e.file_name.clone(), false));
            continue;
        }
        other.renumber_objects_with(doc.max_id + 1);
        let page_ids: Vec<ObjectId> = other.get_pages().into_values().collect();
        for page in &page_ids {
            flatten_inherited(&mut other, *page);
        }
        doc.max_id = other.max_id.max(doc.max_id);
        for (oid, object) in std::mem::take(&mut other.objects) {
            doc.objects.insert(oid, object);
        }
        for page in page_ids {
            if let Ok(dict) = doc.get_dictionary_mut(page) {
                dict.set("Parent", pages_id);
                kids.push(page.into());
            }
        }
        appended.push((e.file_name.clone(), true));
    }

    let count = i64::try_from(kids.len()).unwrap_or(0);
    doc.objects
        .insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }));
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let info = doc.add_object(dictionary! {
        "Title" => Object::string_literal(encode(&format!("Litige n° {id} — {}", v.summary.client_name))),
        "Producer" => Object::string_literal("Encours"),
    });
    doc.trailer.set("Info", info);
    // Objects the appended files no longer reach (their catalogs and page trees) are dropped.
    doc.prune_objects();
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| ApiError::new(ErrorCode::Io, format!("dispute {id} PDF: {e}")))?;
    Ok((out, appended))
}

/// Writes the dispute's PDF ([`render_dispute_pdf`]) to `out` (renamed into place); returns the
/// path and, per evidence file, whether its pages were appended.
pub fn export_dispute_pdf(d: &Dossier, id: i64, out: &Path, as_of: NaiveDate) -> Result<(PathBuf, Appended), ApiError> {
    let (bytes, appended) = render_dispute_pdf(d, id, as_of)?;
    let target = if out.is_dir() { out.join(format!("litige-{id}.pdf")) } else { out.to_owned() };
    write_atomically(&target, &bytes)?;
    Ok((target, appended))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_the_french_way_and_text_fits_win_ansi() {
        assert_eq!(fr("2026-11-24"), "24/11/2026");
        assert_eq!(fr("2026-11-24T08:17:49"), "24/11/2026 08:17");
        assert_eq!(fr("bientôt"), "bientôt");
        assert_eq!(encode("Créée à 12\u{202f}€ — œuvre ✓"), b"Cr\xe9\xe9e \xe0 12 \x80 \x97 \x9cuvre ?".to_vec());
        assert_eq!(wrap("un deux trois", 7), vec!["un deux", "trois"]);
    }
}
