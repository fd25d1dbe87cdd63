//! The dispute dossier (issue 8 §8): one dispute as a single PDF — who, which invoices, the
//! disputed and the undisputed amounts, the reason in words and as the AFNOR codes (legal-rules
//! B.2, MDT-113), the platform's requested action, the tasks, the whole timeline and the list of
//! evidence with each file's SHA-256 and the time it was added — followed by the evidence itself:
//! each PDF's pages appended behind a "PIÈCE N° k" page (with the merge of the injonction
//! dossier), each PNG or JPEG image set on its own page, every other file (an e-mail, a
//! spreadsheet) listed as an annex that its hash identifies in the Encours dossier.
//!
//! Unlike an injonction dossier, an evidence PDF that cannot be read does not fail the document:
//! the user attached it as it came, the dossier must still be exported, and the file is then
//! listed with what is wrong with it and its hash. [`RenderedDispute::evidence`] tells the caller
//! what became of each file.
//!
//! "Page n/N" counts the appended pages too: the footer of the dossier's own pages carries their
//! number in the whole file, and the evidence list gives the pages of each reproduced file.

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::{DisputeReason, LifecycleStatus, Money};

use crate::fonts::FontSet;
use crate::layout::{count, Composer, Style, CONTENT_BOTTOM, LEFT, RIGHT};
use crate::letter::{Letterhead, Party};
use crate::render::{self, Column, Table, BODY, CELL, CELL_BOLD, PAD, RULE, SMALL};
use crate::{format, merge, pdf, DocumentError};

/// Where a dispute is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DisputeState {
    /// Still open on the dossier's date.
    Open,
    /// Resolved.
    Resolved {
        /// On that day.
        on: NaiveDate,
        /// How it ended, in French ("accord partiel", "avoir émis"…).
        outcome: String,
        /// The resolution's details in French (credit note allocated, amount accepted…); may be
        /// empty.
        details: String,
    },
}

/// The lifecycle status that opened the dispute (206, 207 or 208) with what the buyer's platform
/// said (legal-rules B.2: MDT-113/114 reason, MDT-121/122 requested action).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformOrigin {
    /// The status received.
    pub status: LifecycleStatus,
    /// When it was issued, if known.
    pub at: Option<NaiveDateTime>,
    /// MDT-113 as received (an AFNOR reason code).
    pub reason_code: Option<String>,
    /// MDT-114.
    pub reason_text: Option<String>,
    /// MDT-121 (NIN, CNF…).
    pub action_code: Option<String>,
    /// MDT-122.
    pub action_text: Option<String>,
}

/// An invoice of the dispute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisputedInvoice {
    /// BT-1.
    pub number: String,
    /// BT-2.
    pub issue_date: NaiveDate,
    /// BT-9.
    pub due_date: NaiveDate,
    /// Amount including VAT.
    pub amount: Money,
    /// What is open on the dossier's date.
    pub outstanding: Money,
}

/// Where a task is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// To do.
    Todo,
    /// Done.
    Done,
    /// Cancelled.
    Cancelled,
}

/// Who does what by when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisputeTask {
    /// What to do.
    pub title: String,
    /// Who.
    pub owner: String,
    /// By when.
    pub due_on: NaiveDate,
    /// Its state; a task still to do after `due_on` is printed late (on the dossier's date).
    pub state: TaskState,
}

/// One event of the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEntry {
    /// When.
    pub at: NaiveDateTime,
    /// What kind of event, in French ("statut", "relance", "appel", "pièce", "résolution"…).
    pub kind: String,
    /// What happened, in French.
    pub text: String,
    /// Who ("plateforme", "utilisateur", "relances"…); may be empty.
    pub actor: String,
}

/// A file attached as evidence, with its bytes as they were added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceFile {
    /// File name.
    pub file_name: String,
    /// Media type: `application/pdf` is appended, `image/png` and `image/jpeg` are shown, any
    /// other is listed.
    pub media_type: String,
    /// SHA-256 of the bytes, hex (what identifies the copy kept in the Encours dossier).
    pub sha256: String,
    /// When it was added.
    pub added_at: NaiveDateTime,
    /// What it is; may be empty.
    pub note: String,
    /// The bytes.
    pub content: Vec<u8>,
}

/// A dispute dossier: what the app read from the ledger, plain data (no database, no clock).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisputeDossier {
    /// The company (letterhead and footer).
    pub creditor: Party,
    /// Its letterhead.
    pub letterhead: Letterhead,
    /// The client.
    pub debtor: Party,
    /// The dossier's date: the state printed is the one of that day; also the PDF's date.
    pub date: NaiveDate,
    /// The dispute's number.
    pub number: i64,
    /// Opened on.
    pub opened_on: NaiveDate,
    /// How it was opened, in French ("à la main", "à l'issue d'un appel"); a status origin is
    /// given by `platform`.
    pub origin: String,
    /// The reason category.
    pub reason: DisputeReason,
    /// The AFNOR reason codes (MDT-113) the category stands for, the first being Encours's own.
    pub afnor_codes: Vec<String>,
    /// The status that opened it, when a status did.
    pub platform: Option<PlatformOrigin>,
    /// The amount contested.
    pub disputed: Money,
    /// The part of what the invoices had open at opening that is not contested, when known.
    pub undisputed: Option<Money>,
    /// What the invoices have open on the dossier's date.
    pub outstanding: Money,
    /// Open or resolved.
    pub state: DisputeState,
    /// What the client says; may be empty.
    pub note: String,
    /// The invoices.
    pub invoices: Vec<DisputedInvoice>,
    /// Tasks, by due date.
    pub tasks: Vec<DisputeTask>,
    /// Every event, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// The evidence, numbered "Pièce n° 1, 2…" in this order.
    pub evidence: Vec<EvidenceFile>,
}

/// What became of an evidence file in the PDF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvidenceOutcome {
    /// A PDF whose pages were appended: pages `first..=last` of the dossier.
    Appended {
        /// First page (from 1) in the whole file.
        first: usize,
        /// Last page.
        last: usize,
    },
    /// An image set on page `page` of the dossier.
    Shown {
        /// The page (from 1) in the whole file.
        page: usize,
    },
    /// Listed only (name, type, size, SHA-256), with why in French ("message électronique
    /// conservé dans le dossier Encours", "PDF illisible : …").
    Listed {
        /// Why it is not reproduced.
        why: String,
    },
}

impl EvidenceOutcome {
    /// True when the file's content is in the PDF (pages appended or image shown).
    pub fn reproduced(&self) -> bool {
        !matches!(self, EvidenceOutcome::Listed { .. })
    }
}

/// The rendered dossier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedDispute {
    /// The PDF bytes.
    pub pdf: Vec<u8>,
    /// Per evidence file, in order, what became of it.
    pub evidence: Vec<EvidenceOutcome>,
}

/// How an evidence file can go into the PDF, decided before any layout.
enum Content {
    Pdf { pages: usize },
    Image(std::sync::Arc<crate::image::Image>),
    Listed(String),
}

fn content_of(e: &EvidenceFile) -> Content {
    let media = e.media_type.to_ascii_lowercase();
    if media == "application/pdf" {
        return match merge::page_count(&e.content) {
            Ok(pages) => Content::Pdf { pages },
            // merge::page_count says why in English for the logs; the dossier says it in French.
            Err(_) => Content::Listed("PDF illisible ou chiffré".to_owned()),
        };
    }
    if media == "image/png" || media == "image/jpeg" {
        return match crate::image::logo(&e.content) {
            Ok(image) => Content::Image(image),
            Err(_) => Content::Listed("image illisible".to_owned()),
        };
    }
    let what = match media.as_str() {
        "message/rfc822" => "message électronique",
        m if m.starts_with("image/") => "image d'un format que le PDF ne reproduit pas",
        m if m.starts_with("text/") => "fichier texte",
        _ => "fichier",
    };
    Content::Listed(format!("{what} ; l'original est conservé dans le dossier Encours"))
}

/// The bytes in words: "834 octets", "12,4 Ko", "3,2 Mo".
fn size_text(bytes: usize) -> String {
    let n = i64::try_from(bytes).unwrap_or(i64::MAX);
    if n < 1024 {
        return format!("{}{}octets", format::integer(n), format::NBSP);
    }
    // Tenths of a Ko/Mo in integers (no float).
    let (unit, div) = if n < 1024 * 1024 { ("Ko", 1024) } else { ("Mo", 1024 * 1024) };
    let tenths = (n * 10 + div / 2) / div;
    format!("{},{}{}{unit}", format::integer(tenths / 10), tenths % 10, format::NBSP)
}

fn date_time(at: NaiveDateTime) -> String {
    format!("{} {}", format::date_short(at.date()), at.format("%H:%M"))
}

fn status_text(s: &LifecycleStatus) -> String {
    match s.label_fr() {
        Some(label) => format!("{} {label}", s.code()),
        None => s.code().to_string(),
    }
}

/// A column of a [`Grid`].
struct GridColumn {
    title: &'static str,
    width: f32,
    right: bool,
}

/// A ruled table whose cells wrap over several lines (the timeline's texts, a file's hash): a
/// row never breaks across pages, the header row repeats on each page.
struct Grid<'c> {
    columns: &'c [GridColumn],
    top: f32,
}

const GRID_LH: f32 = 3.9;

impl<'c> Grid<'c> {
    fn start(c: &mut Composer, columns: &'c [GridColumn]) -> Grid<'c> {
        c.ensure(render::HEADER_H + 2.0 * render::ROW_H);
        let mut g = Grid { columns, top: c.y };
        g.header(c);
        g
    }

    fn header(&mut self, c: &mut Composer) {
        self.top = c.y;
        c.fill_rect(LEFT, c.y, RIGHT - LEFT, render::HEADER_H, 0.9);
        c.hline(LEFT, RIGHT, c.y, RULE, 0.3);
        let mut x = LEFT;
        for col in self.columns {
            let t = c.fit(col.title, col.width - 2.0 * PAD, CELL_BOLD);
            if col.right {
                c.text_right(x + col.width - PAD, c.y + 4.2, &t, CELL_BOLD);
            } else {
                c.text(x + PAD, c.y + 4.2, &t, CELL_BOLD);
            }
            x += col.width;
        }
        c.y += render::HEADER_H;
        c.hline(LEFT, RIGHT, c.y, RULE, 0.3);
    }

    fn close(&self, c: &mut Composer) {
        c.vline(LEFT, self.top, c.y, RULE, 0.3);
        c.vline(RIGHT, self.top, c.y, RULE, 0.3);
    }

    /// One row; `cells[i]` is a list of (text, style) paragraphs for column i.
    fn row(&mut self, c: &mut Composer, cells: &[Vec<(String, Style)>]) {
        let mut columns: Vec<Vec<(String, Style)>> = Vec::with_capacity(cells.len());
        for (col, paragraphs) in self.columns.iter().zip(cells) {
            let mut lines = Vec::new();
            for (text, style) in paragraphs {
                for line in c.wrap(&format::french_spacing(text), col.width - 2.0 * PAD, *style) {
                    lines.push((line, *style));
                }
            }
            columns.push(lines);
        }
        // A row taller than a page keeps what fits on one (never seen with real timelines).
        let page_lines = ((CONTENT_BOTTOM - crate::layout::CONTINUATION_TOP - 20.0) / GRID_LH) as usize;
        for lines in &mut columns {
            lines.truncate(page_lines);
        }
        let n = columns.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let h = count(n) * GRID_LH + 1.6;
        if c.room() < h {
            self.close(c);
            c.new_page();
            self.header(c);
        }
        let mut x = LEFT;
        for (col, lines) in self.columns.iter().zip(&columns) {
            let mut y = c.y + 3.5;
            for (line, style) in lines {
                if col.right {
                    c.text_right(x + col.width - PAD, y, line, *style);
                } else {
                    c.text(x + PAD, y, line, *style);
                }
                y += GRID_LH;
            }
            x += col.width;
        }
        c.y += h;
        c.hline(LEFT, RIGHT, c.y, 0.3, 0.7);
    }

    fn finish(self, c: &mut Composer) {
        c.hline(LEFT, RIGHT, c.y, RULE, 0.3);
        self.close(c);
    }
}

fn plain(text: impl Into<String>) -> Vec<(String, Style)> {
    vec![(text.into(), CELL)]
}

/// A labelled line of the summary: label in small grey, value wrapped beside it, ruled below.
fn field(c: &mut Composer, label: &str, value: &str, style: Style) {
    const LABEL_W: f32 = 50.0;
    let lines = c.wrap(&format::french_spacing(value), RIGHT - LEFT - LABEL_W - 2.0, style);
    let lh = style.line_height();
    let h = count(lines.len().max(1)) * lh + 2.2;
    c.ensure(h);
    let top = c.y;
    let fitted = c.fit(label, LABEL_W - 2.0, SMALL.grey(0.35));
    c.text(LEFT + 1.0, top + lh, &fitted, SMALL.grey(0.35));
    let mut y = top;
    for line in lines {
        y += lh;
        c.text(LEFT + LABEL_W, y, &line, style);
    }
    c.y = top + h;
    c.hline(LEFT, RIGHT, c.y - 0.6, 0.3, 0.75);
}

fn section(c: &mut Composer, title: &str) {
    let style = Style::bold(10.5);
    c.ensure(style.line_height() * 2.0 + 14.0);
    c.y += style.line_height() + 3.0;
    c.fill_rect(LEFT, c.y - style.line_height() + 0.6, RIGHT - LEFT, style.line_height() + 1.2, 0.92);
    c.text(LEFT + 1.5, c.y, title, style);
    c.y += 3.0;
}

/// The client's block on the right of the letterhead; returns the y below it.
fn client_block(c: &mut Composer, debtor: &Party) -> f32 {
    const X: f32 = 112.0;
    const W: f32 = RIGHT - X;
    let mut y = 20.0;
    c.text(X, y, "Client", SMALL.grey(0.35));
    y += Style::bold(11.0).line_height();
    for line in c.wrap(debtor.name.trim(), W, Style::bold(11.0)).into_iter().take(2) {
        c.text(X, y, &line, Style::bold(11.0));
        y += Style::bold(11.0).line_height();
    }
    let mut lines: Vec<String> = debtor.address.lines.iter().filter(|l| !l.trim().is_empty()).cloned().collect();
    let city = format!("{} {}", debtor.address.postcode, debtor.address.city).trim().to_owned();
    if !city.is_empty() {
        lines.push(city);
    }
    lines.extend(render::siren_text(debtor));
    if let Some(k) = debtor.contact.as_ref().filter(|k| !k.name.trim().is_empty()) {
        lines.push(format!("Contact : {}", k.name.trim()));
    }
    for line in lines.into_iter().take(6) {
        let fitted = c.fit(&format::french_spacing(&line), W, SMALL);
        c.text(X, y, &fitted, SMALL);
        y += SMALL.line_height();
    }
    y
}

fn invoice_columns() -> [Column; 5] {
    [
        Column { title: "N° de facture", width: 46.0, right: false },
        Column { title: "Émise le", width: 26.0, right: false },
        Column { title: "Échéance", width: 26.0, right: false },
        Column { title: "Montant TTC", width: 36.0, right: true },
        Column { title: "Reste dû", width: 36.0, right: true },
    ]
}

const TASK_COLUMNS: [GridColumn; 4] = [
    GridColumn { title: "Tâche", width: 82.0, right: false },
    GridColumn { title: "Responsable", width: 36.0, right: false },
    GridColumn { title: "Pour le", width: 22.0, right: false },
    GridColumn { title: "État", width: 30.0, right: false },
];

const TIMELINE_COLUMNS: [GridColumn; 4] = [
    GridColumn { title: "Date", width: 27.0, right: false },
    GridColumn { title: "Événement", width: 22.0, right: false },
    GridColumn { title: "Détail", width: 99.0, right: false },
    GridColumn { title: "Par", width: 22.0, right: false },
];

const EVIDENCE_COLUMNS: [GridColumn; 4] = [
    GridColumn { title: "N°", width: 9.0, right: false },
    GridColumn { title: "Pièce, empreinte SHA-256", width: 89.0, right: false },
    GridColumn { title: "Ajoutée le", width: 24.0, right: false },
    GridColumn { title: "Dans ce dossier", width: 48.0, right: false },
];

/// Where each piece ended up (pages in the whole file), known after a first layout.
type Placement = Vec<Option<EvidenceOutcome>>;

/// The "Dans ce dossier" cell: where the piece is reproduced, or why it is only listed.
fn outcome_cell(o: Option<&EvidenceOutcome>, content: &Content) -> Vec<(String, Style)> {
    let text = match (o, content) {
        (Some(EvidenceOutcome::Appended { first, last }), _) if first == last => format!("reproduite page {first}"),
        (Some(EvidenceOutcome::Appended { first, last }), _) => format!("reproduite pages {first} à {last}"),
        (Some(EvidenceOutcome::Shown { page }), _) => format!("reproduite page {page}"),
        (_, Content::Listed(why)) | (Some(EvidenceOutcome::Listed { why }), _) => {
            return vec![("annexe non reproduite".to_owned(), CELL_BOLD), (why.clone(), CELL)]
        }
        // First pass: a placeholder as wide as the final text.
        (None, Content::Pdf { .. }) => "reproduite pages 00 à 00".to_owned(),
        (None, Content::Image(_)) => "reproduite page 00".to_owned(),
    };
    plain(text)
}

fn amount_line(d: &DisputeDossier) -> Vec<(&'static str, String)> {
    let mut out = vec![("Montant contesté", format::money(&d.disputed))];
    if let Some(u) = &d.undisputed {
        out.push(("Part non contestée", format::money(u)));
    }
    out.push((
        "Reste dû sur les factures",
        format!("{} au {}", format::money(&d.outstanding), format::date_long(d.date)),
    ));
    out
}

/// Lays the dossier out; returns, per evidence, the own page (from 1) after which its PDF pages go
/// or on which its image is.
fn compose(
    c: &mut Composer,
    d: &DisputeDossier,
    contents: &[Content],
    placement: &Placement,
) -> Result<Vec<Option<usize>>, DocumentError> {
    let below_head = render::letterhead(c, &d.creditor, &d.letterhead)?;
    let below_client = client_block(c, &d.debtor);
    c.y = below_head.max(below_client) + 6.0;
    let title = Style::bold(15.0);
    c.y += title.line_height();
    c.text_center((LEFT + RIGHT) / 2.0, c.y, &format!("DOSSIER DE LITIGE N° {}", d.number), title);
    c.y += SMALL.line_height() + 1.0;
    let sub = format!("{} — état au {}", d.debtor.name.trim(), format::date_long(d.date));
    let sub = c.fit(&sub, RIGHT - LEFT, SMALL);
    c.text_center((LEFT + RIGHT) / 2.0, c.y, &sub, SMALL);
    c.y += 2.0;

    section(c, "1. Le litige");
    let age = match &d.state {
        DisputeState::Resolved { on, .. } => (*on - d.opened_on).num_days().max(0),
        DisputeState::Open => (d.date - d.opened_on).num_days().max(0),
    };
    field(c, "Ouvert le", &format!("{} ({})", format::date_long(d.opened_on), format::days(age)), BODY);
    let origin = match &d.platform {
        Some(p) => {
            let mut t = format!("statut {} reçu de la plateforme", status_text(&p.status));
            if let Some(at) = p.at {
                t.push_str(&format!(" le {}", date_time(at)));
            }
            t
        }
        None if d.origin.trim().is_empty() => "ouvert à la main".to_owned(),
        None => d.origin.trim().to_owned(),
    };
    field(c, "Origine", &origin, BODY);
    let mut reason = d.reason.label_fr().to_owned();
    if !d.afnor_codes.is_empty() {
        let s = if d.afnor_codes.len() > 1 { "s" } else { "" };
        reason.push_str(&format!(" — code{s} AFNOR (MDT-113) : {}", d.afnor_codes.join(", ")));
    }
    field(c, "Motif", &reason, BODY);
    if let Some(p) = &d.platform {
        let said = [p.reason_code.as_deref(), p.reason_text.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>();
        if !said.is_empty() {
            field(c, "Motif de l'acheteur", &said.join(" — "), BODY);
        }
        let asked = [p.action_code.as_deref(), p.action_text.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>();
        if !asked.is_empty() {
            field(c, "Action demandée (MDT-121)", &asked.join(" — "), BODY);
        }
    }
    for (i, (label, value)) in amount_line(d).into_iter().enumerate() {
        field(c, label, &value, if i == 0 { Style::bold(10.0) } else { BODY });
    }
    match &d.state {
        DisputeState::Open => field(c, "État", "ouvert", BODY),
        DisputeState::Resolved { on, outcome, details } => {
            field(c, "État", &format!("résolu le {} : {}", format::date_long(*on), outcome.trim()), Style::bold(10.0));
            if !details.trim().is_empty() {
                field(c, "Résolution", details.trim(), BODY);
            }
        }
    }
    if !d.note.trim().is_empty() {
        field(c, "Note", d.note.trim(), BODY);
    }

    section(c, "2. Factures concernées");
    let columns = invoice_columns();
    let mut table = Table::start(c, &columns);
    let zero = Money::zero(d.outstanding.currency);
    let (mut amount, mut open) = (zero, zero);
    for i in &d.invoices {
        amount = amount.checked_add(&i.amount)?;
        open = open.checked_add(&i.outstanding)?;
        let cells = [
            i.number.clone(),
            format::date_short(i.issue_date),
            format::date_short(i.due_date),
            format::money(&i.amount),
            format::money(&i.outstanding),
        ];
        table.row(c, &cells, CELL, false);
    }
    let n = d.invoices.len();
    let label = if n == 1 { "Total (1 facture)".to_owned() } else { format!("Total ({n} factures)") };
    table.row(c, &[label, String::new(), String::new(), format::money(&amount), format::money(&open)], CELL_BOLD, true);
    table.finish(c);

    section(c, "3. Tâches");
    if d.tasks.is_empty() {
        c.paragraph("Aucune tâche.", LEFT, RIGHT - LEFT, BODY, 1.0);
    } else {
        let mut grid = Grid::start(c, &TASK_COLUMNS);
        for t in &d.tasks {
            let state = match t.state {
                TaskState::Done => ("fait".to_owned(), CELL),
                TaskState::Cancelled => ("annulée".to_owned(), CELL),
                TaskState::Todo if t.due_on < d.date => ("à faire, en retard".to_owned(), CELL_BOLD),
                TaskState::Todo => ("à faire".to_owned(), CELL),
            };
            grid.row(
                c,
                &[plain(t.title.trim()), plain(t.owner.trim()), plain(format::date_short(t.due_on)), vec![state]],
            );
        }
        grid.finish(c);
    }

    section(c, "4. Chronologie");
    if d.timeline.is_empty() {
        c.paragraph("Aucun événement.", LEFT, RIGHT - LEFT, BODY, 1.0);
    } else {
        let mut grid = Grid::start(c, &TIMELINE_COLUMNS);
        for e in &d.timeline {
            grid.row(c, &[plain(date_time(e.at)), plain(e.kind.trim()), plain(e.text.trim()), plain(e.actor.trim())]);
        }
        grid.finish(c);
    }

    section(c, "5. Pièces");
    if d.evidence.is_empty() {
        c.paragraph("Aucune pièce.", LEFT, RIGHT - LEFT, BODY, 1.0);
    } else {
        c.paragraph(
            "Chaque fichier est conservé chiffré dans le dossier Encours ; son empreinte SHA-256 permet de vérifier \
             qu'une copie est identique à l'original.",
            LEFT,
            RIGHT - LEFT,
            SMALL.grey(0.3),
            1.5,
        );
        let mut grid = Grid::start(c, &EVIDENCE_COLUMNS);
        for (i, (e, content)) in d.evidence.iter().zip(contents).enumerate() {
            let mut what =
                vec![(e.file_name.trim().to_owned(), CELL_BOLD), (describe(e), CELL), (e.sha256.clone(), HASH)];
            if !e.note.trim().is_empty() {
                what.push((e.note.trim().to_owned(), CELL));
            }
            let place = outcome_cell(placement.get(i).and_then(Option::as_ref), content);
            let added =
                vec![(format::date_short(e.added_at.date()), CELL), (e.added_at.format("%H:%M").to_string(), CELL)];
            grid.row(c, &[plain(format!("{}", i + 1)), what, added, place]);
        }
        grid.finish(c);
    }

    // The reproduced pieces: a page each; a PDF's pages go right after it, an image is on it.
    let mut after = vec![None; d.evidence.len()];
    for (i, (e, content)) in d.evidence.iter().zip(contents).enumerate() {
        if matches!(content, Content::Listed(_)) {
            continue;
        }
        c.new_page();
        let style = Style::bold(16.0);
        c.y += style.line_height() + 2.0;
        c.text_center((LEFT + RIGHT) / 2.0, c.y, &format!("PIÈCE N° {}", i + 1), style);
        c.y += 3.0;
        for line in c.wrap(e.file_name.trim(), RIGHT - LEFT, Style::bold(11.0)) {
            c.y += Style::bold(11.0).line_height();
            c.text_center((LEFT + RIGHT) / 2.0, c.y, &line, Style::bold(11.0));
        }
        c.y += 3.0;
        c.paragraph(&format!("{} — ajoutée le {}", describe(e), date_time(e.added_at)), LEFT, RIGHT - LEFT, SMALL, 0.5);
        c.paragraph(&format!("SHA-256 : {}", e.sha256), LEFT, RIGHT - LEFT, SMALL, 0.5);
        if !e.note.trim().is_empty() {
            c.paragraph(e.note.trim(), LEFT, RIGHT - LEFT, SMALL, 0.5);
        }
        c.y += 3.0;
        match content {
            Content::Pdf { .. } => {
                c.paragraph(
                    "Le document est reproduit aux pages suivantes, tel qu'il a été joint.",
                    LEFT,
                    RIGHT - LEFT,
                    SMALL.grey(0.35),
                    0.0,
                );
            }
            Content::Image(image) => {
                // The image as large as the page allows, aspect kept, centred.
                let (w, h) = (count(image.width as usize), count(image.height as usize));
                let (max_w, max_h) = (RIGHT - LEFT, CONTENT_BOTTOM - c.y - 2.0);
                let scale = (max_w / w).min(max_h / h);
                let (w, h) = (w * scale, h * scale);
                c.stroke_rect((LEFT + RIGHT - w) / 2.0, c.y, w, h, 0.4, 0.6);
                c.image(std::sync::Arc::clone(image), (LEFT + RIGHT - w) / 2.0, c.y, w, h);
                c.y += h;
            }
            Content::Listed(_) => {}
        }
        after[i] = Some(c.pages_so_far());
    }
    Ok(after)
}

/// The hash at 6.5 pt: its 64 digits (about 82 mm) fit the column on one line.
const HASH: Style = Style::regular(6.5);

fn describe(e: &EvidenceFile) -> String {
    let kind = match e.media_type.as_str() {
        "application/pdf" => "PDF".to_owned(),
        "image/png" => "image PNG".to_owned(),
        "image/jpeg" => "image JPEG".to_owned(),
        "message/rfc822" => "e-mail".to_owned(),
        other => other.to_owned(),
    };
    format!("{kind}, {}", size_text(e.content.len()))
}

/// Renders a dispute dossier with the embedded fonts.
pub fn render_dispute_dossier(d: &DisputeDossier) -> Result<RenderedDispute, DocumentError> {
    render_dispute_dossier_with(d, FontSet::embedded())
}

/// Renders a dispute dossier with the given fonts: the summary pages, then each reproduced piece
/// behind its own page; "Page n/N" on the summary pages counts the appended ones.
pub fn render_dispute_dossier_with(d: &DisputeDossier, fonts: &FontSet) -> Result<RenderedDispute, DocumentError> {
    if d.creditor.name.trim().is_empty() {
        return Err(DocumentError::MissingField("creditor name"));
    }
    if d.debtor.name.trim().is_empty() {
        return Err(DocumentError::MissingField("debtor name"));
    }
    if d.invoices.is_empty() {
        return Err(DocumentError::NoInvoices);
    }
    let mut contents: Vec<Content> = d.evidence.iter().map(content_of).collect();
    // A PDF that reads but cannot be merged (a page tree the merge rejects) is listed like an
    // unreadable one, and the dossier laid out again: the export never fails on a piece.
    loop {
        match render_contents(d, fonts, &contents) {
            Err(DocumentError::Exhibit { number, .. })
                if matches!(contents.get(number.wrapping_sub(1)), Some(Content::Pdf { .. })) =>
            {
                contents[number - 1] = Content::Listed("PDF illisible ou chiffré".to_owned());
            }
            other => return other,
        }
    }
}

fn render_contents(
    d: &DisputeDossier,
    fonts: &FontSet,
    contents: &[Content],
) -> Result<RenderedDispute, DocumentError> {
    let running =
        format!("Dossier de litige n° {} — {} — {}", d.number, d.debtor.name.trim(), format::date_long(d.date));
    // Pages of the evidence depend on the layout, and the layout prints them: lay out until the
    // placement no longer changes (the second pass in practice: the placeholders are as wide).
    let mut placement: Placement = vec![None; d.evidence.len()];
    let mut attempt = 0;
    let (composed, outcomes, after) = loop {
        attempt += 1;
        let mut c = Composer::new(fonts);
        let after = compose(&mut c, d, contents, &placement)?;
        let own = c.pages_so_far();
        let (outcomes, global) = place(contents, &after, own);
        let stable = placement.iter().zip(&outcomes).all(|(a, b)| a.as_ref() == Some(b));
        if stable || attempt >= 4 {
            let total = global.last().copied().unwrap_or(own) + inserted_after(contents, &after, own);
            let composed = c.finish(|c, page, _| {
                let number = global.get(page - 1).copied().unwrap_or(page);
                render::page_frame(c, &d.creditor, &d.letterhead, &running, number, total)
            });
            break (composed, outcomes, after);
        }
        placement = outcomes.into_iter().map(Some).collect();
    };
    let info = pdf::Info {
        title: format!("Dossier de litige n° {} — {}", d.number, d.debtor.name.trim()),
        author: d.creditor.name.trim().to_owned(),
        subject: format!("Litige {} — {}", d.reason.label_fr(), d.debtor.name.trim()),
        keywords: format!("litige {}", d.number),
        date: d.date,
    };
    let bytes = pdf::write(&info, fonts, &composed);
    let inserts: Vec<merge::Insert> = d
        .evidence
        .iter()
        .zip(contents)
        .zip(&after)
        .enumerate()
        .filter_map(|(i, ((e, content), after))| match (content, after) {
            (Content::Pdf { .. }, Some(after_page)) => {
                Some(merge::Insert { number: i + 1, title: &e.file_name, pdf: &e.content, after_page: *after_page })
            }
            _ => None,
        })
        .collect();
    let pdf = if inserts.is_empty() { bytes } else { merge::append(&bytes, &inserts)? };
    Ok(RenderedDispute { pdf, evidence: outcomes })
}

/// Pages of the PDFs inserted after own page `page` (from 1).
fn pdf_pages_after(contents: &[Content], after: &[Option<usize>], page: usize) -> usize {
    contents
        .iter()
        .zip(after)
        .filter_map(|(c, a)| match (c, a) {
            (Content::Pdf { pages }, Some(a)) if *a == page => Some(*pages),
            _ => None,
        })
        .sum()
}

/// Pages inserted after the last own page.
fn inserted_after(contents: &[Content], after: &[Option<usize>], own: usize) -> usize {
    pdf_pages_after(contents, after, own)
}

/// What became of each piece, and the number in the whole file of each own page.
fn place(contents: &[Content], after: &[Option<usize>], own: usize) -> (Vec<EvidenceOutcome>, Vec<usize>) {
    let mut global = Vec::with_capacity(own);
    let mut shift = 0;
    for page in 1..=own {
        global.push(page + shift);
        shift += pdf_pages_after(contents, after, page);
    }
    let outcomes = contents
        .iter()
        .zip(after)
        .map(|(content, a)| {
            let at = a.and_then(|p| global.get(p.wrapping_sub(1)).copied());
            match (content, at) {
                (Content::Pdf { pages }, Some(g)) => EvidenceOutcome::Appended { first: g + 1, last: g + pages },
                (Content::Image(_), Some(g)) => EvidenceOutcome::Shown { page: g },
                (Content::Listed(why), _) => EvidenceOutcome::Listed { why: why.clone() },
                // Every reproduced piece has its page (compose gives one to each).
                (_, None) => EvidenceOutcome::Listed { why: "non reproduite".to_owned() },
            }
        })
        .collect();
    (outcomes, global)
}
