//! The letter on the page.
//!
//! Page 1 of an A4 letter (mm from the top-left corner):
//! - creditor letterhead at the top left (x 20–105, from 20 mm down);
//! - debtor address block for a DL window envelope (110 × 220 mm, window 45 × 100 mm, 20 mm from
//!   the right edge and 15 mm from the bottom — the common French "fenêtre à droite"): the sheet
//!   folded in three puts its top 99 mm behind the window, which shows x 95–195 and, as the sheet
//!   slides in the envelope, y 39–95 at worst 50–84. The block is therefore set at x 110–190,
//!   first line 50 mm from the top, at most 7 lines of 10 pt (4.5 mm): it ends before 84 mm;
//! - place and date right-aligned at 92 mm, then the registered-mail mention, the references,
//!   the title (mise en demeure, relevé), the subject, the body, the invoice table, the totals,
//!   the legal breakdown, the legal mentions, the bank details, the closing and the signature.
//!
//! Every page: a footer (creditor identity, "Page n/N"); from page 2 a running header. The invoice
//! table breaks across pages and repeats its header row.

use encours_domain::{Money, MoneyError};

use crate::format;
use crate::layout::{count, Composer, Style, CONTINUATION_TOP, LEFT, RIGHT};
use crate::letter::{
    BreakdownRow, Delivery, InvoiceRow, LegalBreakdown, Letter, LetterKind, Letterhead, Party, PaymentDetails, Tone,
};
use crate::DocumentError;

pub(crate) const BODY: Style = Style::regular(10.0);
pub(crate) const SMALL: Style = Style::regular(8.5);
pub(crate) const CELL: Style = Style::regular(8.5);
pub(crate) const CELL_BOLD: Style = Style::bold(8.5);
pub(crate) const ROW_H: f32 = 5.2;
pub(crate) const HEADER_H: f32 = 6.0;
pub(crate) const PAD: f32 = 1.5;
pub(crate) const RULE: f32 = 0.75;

/// The sums the letter prints, all in the invoices' currency.
pub(crate) struct Sums {
    pub amount: Money,
    pub paid: Money,
    pub open: Money,
    pub penalties: Money,
    pub indemnities: Money,
    pub interest: Money,
    /// What the letter asks for: open + penalties + indemnities + interest.
    pub claimed: Money,
}

impl Sums {
    pub(crate) fn of(letter: &Letter) -> Result<Sums, DocumentError> {
        Sums::of_parts(&letter.invoices, letter.legal.as_ref())
    }

    /// The sums of invoices and a legal breakdown.
    pub(crate) fn of_parts(invoices: &[InvoiceRow], legal: Option<&LegalBreakdown>) -> Result<Sums, DocumentError> {
        let currency = invoices
            .first()
            .map(|r| r.open.currency)
            .or_else(|| legal.map(|l| l.indemnity_unit.currency))
            .unwrap_or(encours_domain::Currency::EUR);
        let zero = Money::zero(currency);
        fn sum<'a>(zero: Money, values: impl Iterator<Item = &'a Money>) -> Result<Money, MoneyError> {
            values.into_iter().try_fold(zero, |acc, m| acc.checked_add(m))
        }
        let amount = sum(zero, invoices.iter().map(|r| &r.amount_incl_vat))?;
        let paid = sum(zero, invoices.iter().map(|r| &r.paid))?;
        let open = sum(zero, invoices.iter().map(|r| &r.open))?;
        let (mut penalties, mut indemnities, mut interest) = (zero, zero, zero);
        if let Some(legal) = legal {
            penalties = match legal.penalties_total {
                Some(total) => total,
                None => sum(zero, legal.penalties.iter().map(|p| &p.amount))?,
            };
            indemnities = legal.indemnity_unit.checked_mul(legal.indemnity_count.into())?;
            interest = match legal.interest_total {
                Some(total) => total,
                None => sum(zero, legal.interest.iter().map(|i| &i.amount))?,
            };
        }
        // Every line is rounded to the cent as printed, so the printed total is the sum of the
        // printed lines (no "1 cent off" between the décompte and its total).
        let claimed = [open, penalties, indemnities, interest]
            .iter()
            .map(Money::round)
            .try_fold(Money::zero(currency), |acc, m| acc.checked_add(&m))?;
        Ok(Sums { amount, paid, open, penalties, indemnities, interest, claimed })
    }
}

pub(crate) fn one_line_address(p: &Party) -> String {
    let mut parts: Vec<String> = p.address.lines.iter().filter(|l| !l.trim().is_empty()).cloned().collect();
    let city = format!("{} {}", p.address.postcode, p.address.city).trim().to_owned();
    if !city.is_empty() {
        parts.push(city);
    }
    parts.join(", ")
}

pub(crate) fn siren_text(p: &Party) -> Option<String> {
    p.siren.as_ref().map(|s| format!("SIREN {}", format::siren(s.as_str())))
}

/// The creditor's letterhead (logo, name, address, SIREN, VAT number, phone, e-mail); returns
/// the y below it.
pub(crate) fn letterhead(c: &mut Composer, creditor: &Party, head: &Letterhead) -> Result<f32, DocumentError> {
    const WIDTH: f32 = 85.0;
    let name_style = Style::bold(12.0);
    let mut y = 20.0;
    if let Some(bytes) = head.logo.as_deref() {
        // At most 45 × 18 mm, aspect kept, top-left at (20, 12).
        let image = crate::image::logo(bytes)?;
        let (w, h) = (count(image.width as usize), count(image.height as usize));
        let scale = (45.0 / w).min(18.0 / h);
        let (w, h) = (w * scale, h * scale);
        c.image(image, LEFT, 12.0, w, h);
        y = 12.0 + h + 5.0;
    }
    // At most two lines of name; a longer one ends its second line with "…".
    let name_lines = c.wrap(&creditor.name, WIDTH, name_style);
    for (i, line) in name_lines.iter().take(2).enumerate() {
        let line = if i == 1 && name_lines.len() > 2 {
            c.fit(&format!("{line} …"), WIDTH, name_style)
        } else {
            line.clone()
        };
        let line = c.fit(&line, WIDTH, name_style);
        c.text(LEFT, y, &line, name_style);
        y += name_style.line_height();
    }
    let mut lines: Vec<String> = creditor.address.lines.iter().filter(|l| !l.trim().is_empty()).cloned().collect();
    let city = format!("{} {}", creditor.address.postcode, creditor.address.city).trim().to_owned();
    if !city.is_empty() {
        lines.push(city);
    }
    let mut ids = Vec::new();
    ids.extend(siren_text(creditor));
    if let Some(vat) = head.vat_number.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        ids.push(format!("TVA {vat}"));
    }
    if !ids.is_empty() {
        lines.push(ids.join(" — "));
    }
    let contact = creditor.contact.as_ref();
    if let Some(k) = contact {
        let who = [k.name.trim(), k.role.trim()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>();
        if !who.is_empty() {
            lines.push(who.join(" — "));
        }
    }
    let phone = head.phone.as_deref().or(contact.and_then(|k| k.phone.as_deref())).filter(|s| !s.trim().is_empty());
    let email = head.email.as_deref().or(contact.and_then(|k| k.email.as_deref())).filter(|s| !s.trim().is_empty());
    match (phone, email) {
        (Some(p), Some(e)) if c.width(&format!("Tél. {p} — {e}"), SMALL) <= WIDTH => {
            lines.push(format!("Tél. {p} — {e}"))
        }
        (p, e) => {
            lines.extend(p.map(|p| format!("Tél. {p}")));
            lines.extend(e.map(str::to_owned));
        }
    }
    if let Some(site) = head.website.as_deref().filter(|s| !s.trim().is_empty()) {
        lines.push(site.trim().to_owned());
    }
    let style = SMALL.grey(0.2);
    for line in lines.into_iter().take(8) {
        let fitted = c.fit(&line, WIDTH, style);
        c.text(LEFT, y, &fitted, style);
        y += style.line_height();
    }
    Ok(y)
}

/// The debtor's address in the envelope window (see the module documentation for the geometry).
fn window_address(c: &mut Composer, debtor: &Party) {
    const X: f32 = 110.0;
    const WIDTH: f32 = 80.0;
    const MAX_LINES: usize = 7;
    let mut head = vec![debtor.name.clone()];
    if let Some(contact) = debtor.contact.as_ref().filter(|k| !k.name.trim().is_empty()) {
        head.push(format!("À l'attention de {}", contact.name.trim()));
    }
    let mut tail = Vec::new();
    let city = format!("{} {}", debtor.address.postcode, debtor.address.city.to_uppercase()).trim().to_owned();
    if !city.is_empty() {
        tail.push(city);
    }
    let country = debtor.address.country.trim();
    if !country.is_empty() && !country.eq_ignore_ascii_case("FR") {
        tail.push(country.to_uppercase());
    }
    let street_room = MAX_LINES.saturating_sub(head.len() + tail.len());
    let street = debtor.address.lines.iter().filter(|l| !l.trim().is_empty()).take(street_room).cloned();
    let lines: Vec<String> = head.into_iter().chain(street).chain(tail).collect();
    let mut y = 53.5;
    for (i, line) in lines.iter().enumerate() {
        let style = if i == 0 { Style::bold(10.0) } else { Style::regular(10.0) };
        let fitted = c.fit(line, WIDTH, style);
        c.text(X, y, &fitted, style);
        y += 4.5;
    }
}

fn delivery_mention(c: &mut Composer, delivery: &Delivery) {
    let style = Style::bold(9.5);
    match delivery {
        Delivery::Ordinary => {}
        Delivery::RegisteredPaper { tracking_number } => {
            c.y += style.line_height();
            let label = "Lettre recommandée avec accusé de réception n°";
            match tracking_number.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                Some(number) => {
                    let text = c.fit(&format!("{label} {number}"), RIGHT - LEFT, style);
                    c.text(LEFT, c.y, &text, style);
                }
                None => {
                    // A blank to fill in by hand once La Poste gives the number.
                    c.text(LEFT, c.y, label, style);
                    let start = LEFT + c.width(label, style) + 2.0;
                    c.hline(start, start + 55.0, c.y + 0.6, 0.5, 0.0);
                }
            }
        }
        Delivery::RegisteredElectronic => {
            c.y += style.line_height();
            c.text(
                LEFT,
                c.y,
                "Lettre recommandée électronique (article L100 du Code des postes et des communications électroniques)",
                Style::bold(9.0),
            );
        }
    }
}

pub(crate) struct Column {
    pub title: &'static str,
    pub width: f32,
    pub right: bool,
}

/// The invoice table; "Cumul" is the running total of what is still owed (issue 7 §1).
const INVOICE_COLUMNS: [Column; 8] = [
    Column { title: "N° de facture", width: 27.0, right: false },
    Column { title: "Date", width: 19.0, right: false },
    Column { title: "Échéance", width: 19.0, right: false },
    Column { title: "Retard", width: 13.0, right: true },
    Column { title: "Montant TTC", width: 24.0, right: true },
    Column { title: "Réglé", width: 21.0, right: true },
    Column { title: "Reste dû", width: 23.0, right: true },
    Column { title: "Cumul", width: 24.0, right: true },
];

/// A ruled table that flows across pages and repeats its header row on each.
pub(crate) struct Table<'c> {
    columns: &'c [Column],
    segment_top: f32,
    header_style: Style,
}

impl<'c> Table<'c> {
    pub(crate) fn start(c: &mut Composer, columns: &'c [Column]) -> Table<'c> {
        Table::start_with(c, columns, CELL_BOLD)
    }

    /// A table whose header row is set in `header_style` (a smaller one for a dense table).
    pub(crate) fn start_with(c: &mut Composer, columns: &'c [Column], header_style: Style) -> Table<'c> {
        c.ensure(HEADER_H + ROW_H * 2.0);
        let mut t = Table { columns, segment_top: c.y, header_style };
        t.header(c);
        t
    }

    fn header(&mut self, c: &mut Composer) {
        self.segment_top = c.y;
        c.fill_rect(LEFT, c.y, RIGHT - LEFT, HEADER_H, 0.9);
        c.hline(LEFT, RIGHT, c.y, RULE, 0.3);
        let titles = self.columns.iter().map(|col| col.title.to_owned()).collect::<Vec<_>>();
        self.cells(c, c.y + 4.2, &titles, self.header_style);
        c.y += HEADER_H;
        c.hline(LEFT, RIGHT, c.y, RULE, 0.3);
    }

    fn cells(&self, c: &mut Composer, baseline: f32, values: &[String], style: Style) {
        let mut x = LEFT;
        for (i, (col, value)) in self.columns.iter().zip(values).enumerate() {
            // A left-aligned text may run over the empty cells that follow it ("Total (60 factures)").
            let mut room = col.width;
            if !col.right {
                for (next, v) in self.columns.iter().zip(values).skip(i + 1) {
                    if !v.is_empty() {
                        break;
                    }
                    room += next.width;
                }
            }
            let text = c.fit(value, room - 2.0 * PAD, style);
            if col.right {
                c.text_right(x + col.width - PAD, baseline, &text, style);
            } else {
                c.text(x + PAD, baseline, &text, style);
            }
            x += col.width;
        }
    }

    /// The outer vertical rules of the part of the table on this page (no inner ones: a label
    /// such as "Total (60 factures)" may run over the empty cells next to it).
    fn close_segment(&self, c: &mut Composer) {
        let right = LEFT + self.columns.iter().map(|col| col.width).sum::<f32>();
        c.vline(LEFT, self.segment_top, c.y, RULE, 0.3);
        c.vline(right, self.segment_top, c.y, RULE, 0.3);
    }

    pub(crate) fn row(&mut self, c: &mut Composer, values: &[String], style: Style, rule_above: bool) {
        if c.room() < ROW_H {
            self.close_segment(c);
            c.new_page();
            self.header(c);
        }
        if rule_above {
            c.hline(LEFT, RIGHT, c.y, RULE, 0.3);
        }
        self.cells(c, c.y + 3.7, values, style);
        c.y += ROW_H;
        c.hline(LEFT, RIGHT, c.y, 0.3, 0.7);
    }

    pub(crate) fn finish(self, c: &mut Composer) {
        c.hline(LEFT, RIGHT, c.y, RULE, 0.3);
        self.close_segment(c);
    }
}

pub(crate) fn invoice_cells(r: &InvoiceRow, running: &Money) -> Vec<String> {
    vec![
        r.number.clone(),
        format::date_short(r.issue_date),
        format::date_short(r.due_date),
        if r.days_late > 0 { format!("{}{}j", format::integer(r.days_late), format::NBSP) } else { "—".to_owned() },
        format::money(&r.amount_incl_vat),
        format::money(&r.paid),
        format::money(&r.open),
        format::money(running),
    ]
}

pub(crate) fn invoice_table(c: &mut Composer, invoices: &[InvoiceRow], sums: &Sums) {
    if invoices.is_empty() {
        c.paragraph("Aucune facture ouverte à cette date.", LEFT, RIGHT - LEFT, BODY, 3.0);
        return;
    }
    let mut table = Table::start(c, &INVOICE_COLUMNS);
    let mut running = Money::zero(sums.open.currency);
    for r in invoices {
        // Same currency as the sums (checked by Sums::of); a mismatch keeps the last total.
        running = running.checked_add(&r.open).unwrap_or(running);
        table.row(c, &invoice_cells(r, &running), CELL, false);
    }
    let n = invoices.len();
    let label =
        if n == 1 { "Total (1 facture)".to_owned() } else { format!("Total ({} factures)", format::integer(n as i64)) };
    let totals = [
        label,
        String::new(),
        String::new(),
        String::new(),
        format::money(&sums.amount),
        format::money(&sums.paid),
        format::money(&sums.open),
        String::new(),
    ];
    table.row(c, &totals, CELL_BOLD, true);
    table.finish(c);
    c.y += 4.0;
}

pub(crate) const BREAKDOWN_COLUMNS: [Column; 7] = [
    Column { title: "Facture", width: 34.0, right: false },
    Column { title: "Du", width: 20.0, right: false },
    Column { title: "Au", width: 20.0, right: false },
    Column { title: "Jours", width: 14.0, right: true },
    Column { title: "Base", width: 30.0, right: true },
    Column { title: "Taux annuel", width: 22.0, right: true },
    Column { title: "Montant", width: 30.0, right: true },
];

/// Legal interest lines are not on one invoice: their first column is a label.
pub(crate) const INTEREST_COLUMNS: [Column; 7] = [
    Column { title: "Sur", width: 34.0, right: false },
    Column { title: "Du", width: 20.0, right: false },
    Column { title: "Au", width: 20.0, right: false },
    Column { title: "Jours", width: 14.0, right: true },
    Column { title: "Base", width: 30.0, right: true },
    Column { title: "Taux annuel", width: 22.0, right: true },
    Column { title: "Montant", width: 30.0, right: true },
];

pub(crate) fn breakdown_cells(r: &BreakdownRow) -> Vec<String> {
    vec![
        r.label.clone(),
        format::date_short(r.from),
        format::date_short(r.to),
        format::integer(r.days),
        format::money(&r.base),
        format::percent(r.rate_percent),
        format::money(&r.amount),
    ]
}

pub(crate) fn section_title(c: &mut Composer, title: &str) {
    let style = Style::bold(10.5);
    c.ensure(style.line_height() + HEADER_H + 2.0 * ROW_H);
    c.y += style.line_height();
    c.text(LEFT, c.y, title, style);
    c.y += 2.0;
}

pub(crate) fn breakdown(c: &mut Composer, legal: Option<&LegalBreakdown>, sums: &Sums, title: &str) {
    let Some(legal) = legal else { return };
    section_title(c, title);
    if !legal.penalties.is_empty() {
        c.paragraph(
            "Pénalités de retard (article L441-10 II du Code de commerce), intérêts simples sur le montant TTC, \
             par période au taux de chaque semestre :",
            LEFT,
            RIGHT - LEFT,
            SMALL,
            1.5,
        );
        let mut table = Table::start(c, &BREAKDOWN_COLUMNS);
        for p in &legal.penalties {
            table.row(c, &breakdown_cells(p), CELL, false);
        }
        table.finish(c);
        c.y += 3.0;
    }
    if !legal.interest.is_empty() {
        c.paragraph(
            "Intérêts au taux légal depuis la mise en demeure (articles 1231-6 et 1344-1 du Code civil) :",
            LEFT,
            RIGHT - LEFT,
            SMALL,
            1.5,
        );
        let mut table = Table::start(c, &INTEREST_COLUMNS);
        for i in &legal.interest {
            table.row(c, &breakdown_cells(i), CELL, false);
        }
        table.finish(c);
        c.y += 3.0;
    }
    // The summary: label on the left of a right-hand block, amount right-aligned.
    let mut lines = vec![("Principal restant dû".to_owned(), format::money(&sums.open))];
    if !legal.penalties.is_empty() {
        lines.push(("Pénalités de retard (L441-10)".to_owned(), format::money(&sums.penalties)));
    }
    if legal.indemnity_count > 0 {
        lines.push((
            format!(
                "Indemnités forfaitaires (D441-5) : {} × {}",
                format::integer(legal.indemnity_count.into()),
                format::money(&legal.indemnity_unit)
            ),
            format::money(&sums.indemnities),
        ));
    }
    if !legal.interest.is_empty() {
        lines.push(("Intérêts au taux légal".to_owned(), format::money(&sums.interest)));
    }
    let lh = SMALL.line_height() + 0.6;
    c.ensure(lines.iter().map(|_| lh).sum::<f32>() + lh + 2.0);
    let x_label = 90.0;
    for (label, amount) in &lines {
        c.y += lh;
        let fitted = c.fit(label, 72.0, SMALL);
        c.text(x_label, c.y, &fitted, SMALL);
        c.text_right(RIGHT - PAD, c.y, amount, SMALL);
    }
    c.y += 1.5;
    c.hline(x_label, RIGHT, c.y, RULE, 0.3);
    c.y += lh + 0.5;
    let total_style = Style::bold(10.0);
    c.text(x_label, c.y, "Total réclamé", total_style);
    c.text_right(RIGHT - PAD, c.y, &format::money(&sums.claimed), total_style);
    c.y += 5.0;
}

fn indemnity_unit_text(letter: &Letter) -> String {
    let unit = letter.legal.as_ref().map(|l| l.indemnity_unit).unwrap_or(Money::eur(rust_decimal::Decimal::from(40)));
    format::money(&unit)
}

/// The L441-10 / D441-5 reminder (legal-rules A.1.1, A.1.2, A.1.3).
fn penalty_mention(letter: &Letter) -> String {
    format!(
        "Conformément à l'article L441-10 du Code de commerce, tout retard de paiement fait courir de plein droit, \
         sans qu'un rappel soit nécessaire, des pénalités de retard à compter du lendemain de la date d'échéance \
         de chaque facture, ainsi qu'une indemnité forfaitaire pour frais de recouvrement de {} par facture payée \
         en retard (article D441-5 du Code de commerce).",
        indemnity_unit_text(letter)
    )
}

/// The mentions legal-rules A.3 lists for a mise en demeure.
fn demand_mentions(letter: &Letter, sums: &Sums, deadline_days: u32) -> Vec<(String, Style)> {
    let mut parts = vec!["aux factures listées ci-dessus"];
    if let Some(legal) = &letter.legal {
        if !legal.penalties.is_empty() {
            parts.push("aux pénalités de retard");
        }
        if legal.indemnity_count > 0 {
            parts.push("aux indemnités forfaitaires pour frais de recouvrement");
        }
        if !legal.interest.is_empty() {
            parts.push("aux intérêts au taux légal");
        }
    }
    let what = match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => {
            format!("correspondant {} et {last} (voir le décompte ci-dessus)", rest.join(", "))
        }
        _ => "correspondant aux factures listées ci-dessus".to_owned(),
    };
    vec![
        (
            format!(
                "Par la présente, nous vous mettons en demeure de nous régler, dans un délai de {} à compter de la \
                 réception de ce courrier, la somme de {} {what}.",
                format::days(deadline_days.into()),
                format::money(&sums.claimed)
            ),
            Style::bold(10.0),
        ),
        (
            "Cette lettre vaut mise en demeure au sens des articles 1344 et 1344-1 du Code civil : elle fait courir \
             les intérêts au taux légal (article 1231-6 du Code civil) sur les sommes qui ne produisent pas déjà des \
             pénalités de retard."
                .to_owned(),
            BODY,
        ),
        (penalty_mention(letter), BODY),
        (
            format!(
                "À défaut de règlement intégral dans ce délai de {}, nous saisirons sans autre avis le président du \
                 tribunal de commerce compétent d'une requête en injonction de payer (articles 1405 et suivants du \
                 Code de procédure civile), ou engagerons toute autre procédure utile au recouvrement de notre \
                 créance en principal, pénalités, indemnités, intérêts et frais.",
                format::days(deadline_days.into())
            ),
            BODY,
        ),
    ]
}

fn payment_paragraph(letter: &Letter, sums: &Sums) -> Option<String> {
    let due =
        (!matches!(letter.kind, LetterKind::AccountStatement)).then_some((&sums.claimed, letter.reference.as_str()));
    bank_text(letter.payment.as_ref(), due)
}

/// "Règlement par virement sur notre compte IBAN …, BIC … : 1 234,56 €, en rappelant la référence
/// RF…" — the RF creditor reference when there is one (it is what the bank matches on), else our
/// reference. `due`: the amount asked and our reference; `None` for a statement with no demand.
/// Spaces made unbreakable (an IBAN or a reference never splits across lines).
fn nbsp(s: &str) -> String {
    s.replace(' ', "\u{a0}")
}

pub(crate) fn bank_text(payment: Option<&PaymentDetails>, due: Option<(&Money, &str)>) -> Option<String> {
    let payment = payment?;
    let mut text = match (&payment.iban, payment.bic.as_deref().filter(|b| !b.trim().is_empty())) {
        (Some(iban), Some(bic)) => {
            format!("Règlement par virement sur notre compte IBAN {}, BIC {bic}", nbsp(&iban.grouped()))
        }
        (Some(iban), None) => format!("Règlement par virement sur notre compte IBAN {}", nbsp(&iban.grouped())),
        (None, _) => String::from("Règlement"),
    };
    if let Some((amount, reference)) = due {
        text.push_str(&format!(" : {}", format::money(amount)));
        match (&payment.creditor_reference, reference.trim()) {
            (Some(rf), _) => text.push_str(&format!(", en indiquant la référence {}", nbsp(&rf.to_string()))),
            (None, "") => {}
            (None, ours) => text.push_str(&format!(", en rappelant la référence {ours}")),
        }
    }
    text.push('.');
    if let Some(other) = payment.other.as_deref().filter(|o| !o.trim().is_empty()) {
        text.push(' ');
        text.push_str(other.trim());
    }
    Some(text)
}

pub(crate) fn signature(c: &mut Composer, creditor: &Party, signature: &crate::letter::Signature) {
    const X: f32 = 115.0;
    const WIDTH: f32 = RIGHT - X;
    c.ensure(30.0);
    c.y += 6.0;
    let pour = c.fit(&format!("Pour {}", creditor.name), WIDTH, BODY);
    c.text(X, c.y, &pour, BODY);
    // Room for the handwritten signature.
    c.y += 16.0;
    if !signature.name.trim().is_empty() {
        let name = c.fit(signature.name.trim(), WIDTH, Style::bold(10.0));
        c.text(X, c.y, &name, Style::bold(10.0));
        c.y += BODY.line_height();
    }
    if let Some(title) = signature.title.as_deref().filter(|t| !t.trim().is_empty()) {
        let t = c.fit(title.trim(), WIDTH, BODY);
        c.text(X, c.y, &t, BODY);
        c.y += BODY.line_height();
    }
}

fn title_of(kind: LetterKind) -> Option<&'static str> {
    match kind {
        LetterKind::MiseEnDemeure { .. } => Some("MISE EN DEMEURE"),
        LetterKind::AccountStatement => Some("RELEVÉ DE COMPTE"),
        // The last reminder says so at the top: the next letter is the formal notice.
        LetterKind::Reminder { tone: Tone::DernierAvis } => Some("DERNIER AVIS AVANT MISE EN DEMEURE"),
        LetterKind::Reminder { .. } => None,
    }
}

/// Lays the whole letter out.
/// The top of a first page: who writes to whom, where and when, how it is sent, references.
pub(crate) struct Heading<'a> {
    pub creditor: &'a Party,
    pub letterhead: &'a Letterhead,
    /// Printed in the envelope window.
    pub addressee: &'a Party,
    pub place: &'a str,
    pub date: chrono::NaiveDate,
    pub delivery: &'a Delivery,
    /// "Nos réf. : …", "Votre SIREN : …", one line each.
    pub refs: Vec<String>,
    /// Centred title in capitals ("MISE EN DEMEURE").
    pub title: Option<&'a str>,
}

/// The usual references: ours and the debtor's SIREN.
pub(crate) fn refs(reference: &str, debtor: &Party) -> Vec<String> {
    let mut refs = Vec::new();
    if !reference.trim().is_empty() {
        refs.push(format!("Nos réf. : {}", reference.trim()));
    }
    if let Some(siren) = &debtor.siren {
        refs.push(format!("Votre SIREN : {}", format::siren(siren.as_str())));
    }
    refs
}

/// Sets a [`Heading`]; leaves `c.y` below it.
pub(crate) fn heading(c: &mut Composer, h: &Heading) -> Result<(), DocumentError> {
    let below_head = letterhead(c, h.creditor, h.letterhead)?;
    window_address(c, h.addressee);

    c.y = below_head.max(88.0);
    c.y += BODY.line_height();
    let place_date = if h.place.trim().is_empty() {
        format!("Le {}", format::date_long(h.date))
    } else {
        format!("{}, le {}", h.place.trim(), format::date_long(h.date))
    };
    let place_date = c.fit(&place_date, RIGHT - 110.0, BODY);
    c.text_right(RIGHT, c.y, &place_date, BODY);
    c.y += 3.0;

    delivery_mention(c, h.delivery);
    for r in &h.refs {
        c.y += SMALL.line_height();
        let fitted = c.fit(r, RIGHT - LEFT, SMALL);
        c.text(LEFT, c.y, &fitted, SMALL);
    }
    c.y += 3.0;

    if let Some(title) = h.title {
        let style = Style::bold(14.0);
        c.y += style.line_height();
        c.text_center((LEFT + RIGHT) / 2.0, c.y, title, style);
        c.y += 2.0;
    }
    Ok(())
}

/// Lays the whole letter out.
pub(crate) fn compose(c: &mut Composer, letter: &Letter, sums: &Sums) -> Result<(), DocumentError> {
    heading(
        c,
        &Heading {
            creditor: &letter.creditor,
            letterhead: &letter.letterhead,
            addressee: &letter.debtor,
            place: &letter.place,
            date: letter.date,
            delivery: &letter.delivery,
            refs: refs(&letter.reference, &letter.debtor),
            title: title_of(letter.kind),
        },
    )?;
    if !letter.subject.trim().is_empty() {
        c.paragraph(&format!("Objet : {}", letter.subject.trim()), LEFT, RIGHT - LEFT, Style::bold(10.0), 3.0);
    }
    for p in letter.body.iter().filter(|p| !p.trim().is_empty()) {
        c.paragraph(p.trim(), LEFT, RIGHT - LEFT, BODY, 2.2);
    }
    c.y += 1.5;

    invoice_table(c, &letter.invoices, sums);
    breakdown(c, letter.legal.as_ref(), sums, "Décompte des sommes dues");

    let mut mentions: Vec<(String, Style)> = Vec::new();
    match letter.kind {
        LetterKind::MiseEnDemeure { deadline_days } => mentions.extend(demand_mentions(letter, sums, deadline_days)),
        LetterKind::Reminder { tone: Tone::Ferme | Tone::DernierAvis } => {
            mentions.push((penalty_mention(letter), SMALL))
        }
        LetterKind::Reminder { tone: Tone::Courtois } => {}
        LetterKind::AccountStatement => mentions.push((
            format!("Solde restant dû au {} : {}.", format::date_long(letter.date), format::money(&sums.open)),
            Style::bold(10.0),
        )),
    }
    for (text, style) in mentions {
        c.paragraph(&text, LEFT, RIGHT - LEFT, style, 2.2);
    }
    if let Some(p) = payment_paragraph(letter, sums) {
        let amount = if matches!(letter.kind, LetterKind::AccountStatement) { sums.open } else { sums.claimed };
        payment_block(c, &p, &letter.creditor, letter.payment.as_ref(), &amount)?;
    }
    for p in letter.closing.iter().filter(|p| !p.trim().is_empty()) {
        c.paragraph(p.trim(), LEFT, RIGHT - LEFT, BODY, 2.2);
    }
    signature(c, &letter.creditor, &letter.signature);
    Ok(())
}

/// The side of the SEPA QR code, in mm (EPC069-12 recommends at least 2 × 2 cm on paper).
const QR_SIZE: f32 = 26.0;

/// The bank details paragraph, with the SEPA EPC QR code on its right when the IBAN, a positive
/// amount in euros and the RF reference are known (issue 7 §2). Returns whether a QR was drawn.
pub(crate) fn payment_block(
    c: &mut Composer,
    text: &str,
    creditor: &Party,
    payment: Option<&PaymentDetails>,
    amount: &Money,
) -> Result<bool, DocumentError> {
    let qr = match payment {
        Some(PaymentDetails { iban: Some(iban), bic, creditor_reference: Some(reference), .. })
            if amount.is_positive() && amount.currency.code() == "EUR" =>
        {
            let payload = crate::epc::epc_payload(&crate::epc::EpcPayment {
                name: creditor.name.clone(),
                iban: iban.clone(),
                bic: bic.clone(),
                amount: *amount,
                reference: reference.clone(),
            })?;
            Some((crate::epc::epc_qr_modules(&payload)?, reference))
        }
        _ => None,
    };
    let Some((modules, reference)) = qr else {
        c.paragraph(text, LEFT, RIGHT - LEFT, BODY, 2.2);
        return Ok(false);
    };
    let text_width = RIGHT - LEFT - QR_SIZE - 8.0;
    let lines = c.wrap(&format::french_spacing(text), text_width, BODY).len() + 3;
    let height = (count(lines) * BODY.line_height()).max(QR_SIZE + 7.0);
    c.ensure(height + 2.0);
    let top = c.y + 1.0;
    c.stroke_rect(LEFT, top, RIGHT - LEFT, height, 0.5, 0.6);
    c.y = top;
    c.paragraph(text, LEFT + 3.0, text_width - 3.0, BODY, 1.0);
    c.paragraph(
        &format!(
            "Plus simple : scannez le code ci-contre avec l'application de votre banque ; le bénéficiaire, l'IBAN, \
             le montant et la référence {} sont remplis.",
            nbsp(&reference.to_string())
        ),
        LEFT + 3.0,
        text_width - 3.0,
        SMALL,
        0.0,
    );
    let qr_x = RIGHT - QR_SIZE - 3.0;
    c.qr(qr_x, top + 2.0, QR_SIZE, &modules);
    c.text_center(qr_x + QR_SIZE / 2.0, top + QR_SIZE + 5.5, "Virement SEPA (QR EPC)", Style::regular(6.5).grey(0.35));
    c.y = top + height + 3.0;
    Ok(true)
}

/// Footer on every page, running header from page 2.
pub(crate) fn decorate(c: &mut Composer, letter: &Letter, page: usize, count: usize) {
    let mut running = vec![letter.debtor.name.trim().to_owned()];
    if !letter.reference.trim().is_empty() {
        running.push(format!("Réf. {}", letter.reference.trim()));
    }
    running.push(format::date_long(letter.date));
    page_frame(c, &letter.creditor, &letter.letterhead, &running.join(" — "), page, count);
}

/// The footer (creditor identity, legal line, "Page n/N") and, from page 2, the running header.
pub(crate) fn page_frame(
    c: &mut Composer,
    creditor: &Party,
    head: &Letterhead,
    running: &str,
    page: usize,
    count: usize,
) {
    let style = Style::regular(7.5).grey(0.35);
    c.hline(LEFT, RIGHT, 281.0, 0.4, 0.6);
    let mut identity = vec![creditor.name.trim().to_owned()];
    match head.legal_line.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        Some(line) => identity.push(line.to_owned()),
        None => identity.extend(siren_text(creditor)),
    }
    if let Some(vat) = head.vat_number.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        identity.push(format!("TVA {vat}"));
    }
    let address = one_line_address(creditor);
    let first = c.fit(&identity.join(" — "), 145.0, style);
    c.text(LEFT, 285.0, &first, style);
    if !address.is_empty() {
        let second = c.fit(&address, 145.0, style);
        c.text(LEFT, 288.5, &second, style);
    }
    c.text_right(RIGHT, 285.0, &format!("Page {page}/{count}"), style);
    if page > 1 {
        let running = c.fit(running, 140.0, style);
        c.text(LEFT, CONTINUATION_TOP - 10.0, &running, style);
        c.text_right(RIGHT, CONTINUATION_TOP - 10.0, "(suite)", style);
        c.hline(LEFT, RIGHT, CONTINUATION_TOP - 8.0, 0.4, 0.6);
    }
}
