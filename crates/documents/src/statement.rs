//! The relevé de compte (issue 7 §3): every open item of a client on a date, aged, with the
//! credit notes and payments not yet allocated and the lifecycle status of each invoice.

use chrono::NaiveDate;
use encours_domain::{LifecycleStatus, Money};

use crate::letter::{Letterhead, Party, PaymentDetails, Signature};

/// What a line of the statement is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// An invoice (debit).
    Invoice,
    /// A credit note (credit).
    CreditNote,
    /// A payment received (credit).
    Payment,
}

/// One line of the statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementEntry {
    /// Invoice, credit note or payment.
    pub kind: EntryKind,
    /// Issue date of the invoice or credit note, value date of the payment.
    pub date: NaiveDate,
    /// Invoice or credit-note number (BT-1), or the payment's reference.
    pub number: String,
    /// Due date (BT-9) of an invoice; `None` for credits. Decides the ageing bucket.
    pub due_date: Option<NaiveDate>,
    /// The document's amount including VAT, positive (an invoice is a debit, a credit note or a
    /// payment a credit: the column is chosen by `kind`).
    pub amount: Money,
    /// What is still open on the statement's date, positive: the invoice's balance, or the part
    /// of the credit note or payment not yet allocated to an invoice.
    pub open: Money,
    /// The last lifecycle status of an invoice (printed "205 Approuvée"); `None` when none was
    /// received.
    pub status: Option<LifecycleStatus>,
}

/// A statement of account: the client's open items on `date`, aged.
///
/// Ageing (legal-rules A.1: the due date of each invoice decides): not yet due, 1–30, 31–60,
/// 61–90 and more than 90 days past due on `date`. Credits are not aged: they are deducted from
/// the balance. The balance is Σ open invoices − Σ open credits; when positive and IBAN and
/// reference are known the page carries the SEPA QR code for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The company that issues the statement.
    pub creditor: Party,
    /// Its letterhead.
    pub letterhead: Letterhead,
    /// The client.
    pub debtor: Party,
    /// Town before the date.
    pub place: String,
    /// The statement's date: items are aged on it; also the PDF's date (never the clock).
    pub date: NaiveDate,
    /// Our reference.
    pub reference: String,
    /// Paragraphs before the table (salutation first); may be empty.
    pub intro: Vec<String>,
    /// The lines, in the order given (usually by date).
    pub entries: Vec<StatementEntry>,
    /// How to pay the balance.
    pub payment: Option<PaymentDetails>,
    /// Paragraphs after the table.
    pub closing: Vec<String>,
    /// Who signs.
    pub signature: Signature,
}

/// The ageing buckets of the statement, by days past due on its date.
const BUCKETS: [&str; 5] = ["Non échu", "1–30 j", "31–60 j", "61–90 j", "> 90 j"];

/// The bucket of an invoice due on `due`, seen on `date` (index in [`BUCKETS`]).
pub(crate) fn bucket(due: NaiveDate, date: NaiveDate) -> usize {
    match (date - due).num_days() {
        i64::MIN..=0 => 0,
        1..=30 => 1,
        31..=60 => 2,
        61..=90 => 3,
        _ => 4,
    }
}

/// What the statement adds up.
pub(crate) struct StatementSums {
    pub debit: Money,
    pub credit: Money,
    /// Open invoices per bucket.
    pub aged: [Money; 5],
    /// Open credits (credit notes and payments not allocated), positive.
    pub open_credits: Money,
    /// Σ open invoices − Σ open credits.
    pub balance: Money,
}

impl StatementSums {
    pub(crate) fn of(s: &Statement) -> Result<StatementSums, crate::DocumentError> {
        let currency = s.entries.first().map(|e| e.amount.currency).unwrap_or(encours_domain::Currency::EUR);
        let zero = Money::zero(currency);
        let mut sums = StatementSums { debit: zero, credit: zero, aged: [zero; 5], open_credits: zero, balance: zero };
        for e in &s.entries {
            match e.kind {
                EntryKind::Invoice => {
                    sums.debit = sums.debit.checked_add(&e.amount)?;
                    let b = bucket(e.due_date.unwrap_or(e.date), s.date);
                    sums.aged[b] = sums.aged[b].checked_add(&e.open)?;
                    sums.balance = sums.balance.checked_add(&e.open)?;
                }
                EntryKind::CreditNote | EntryKind::Payment => {
                    sums.credit = sums.credit.checked_add(&e.amount)?;
                    sums.open_credits = sums.open_credits.checked_add(&e.open)?;
                    sums.balance = sums.balance.checked_sub(&e.open)?;
                }
            }
        }
        Ok(sums)
    }
}

mod page {
    use super::*;
    use crate::format;
    use crate::layout::{Composer, Style, LEFT, RIGHT};
    use crate::letter::Delivery;
    use crate::render::{self, Column, Table, BODY};
    use crate::DocumentError;

    const CELL: Style = Style::regular(7.0);
    const CELL_BOLD: Style = Style::bold(7.0);

    const COLUMNS: [Column; 8] = [
        Column { title: "Date", width: 16.0, right: false },
        Column { title: "Pièce", width: 32.0, right: false },
        Column { title: "Échéance", width: 17.0, right: false },
        Column { title: "Âge", width: 14.0, right: false },
        Column { title: "Statut", width: 36.0, right: false },
        Column { title: "Débit", width: 19.0, right: true },
        Column { title: "Crédit", width: 17.0, right: true },
        Column { title: "Reste dû", width: 19.0, right: true },
    ];

    const AGED: [Column; 7] = [
        Column { title: "Non échu", width: 24.0, right: true },
        Column { title: "1 à 30 j", width: 24.0, right: true },
        Column { title: "31 à 60 j", width: 24.0, right: true },
        Column { title: "61 à 90 j", width: 24.0, right: true },
        Column { title: "Plus de 90 j", width: 24.0, right: true },
        Column { title: "Crédits", width: 24.0, right: true },
        Column { title: "Solde", width: 26.0, right: true },
    ];

    fn piece(e: &StatementEntry) -> String {
        let kind = match e.kind {
            EntryKind::Invoice => "Facture",
            EntryKind::CreditNote => "Avoir",
            EntryKind::Payment => "Règlement",
        };
        format!("{kind} {}", e.number.trim())
    }

    /// "205 Approuvée" (B.2); an unknown code is printed alone, never with a made-up label.
    fn status_text(status: &LifecycleStatus) -> String {
        match status.label_fr() {
            Some(label) => format!("{} {label}", status.code()),
            None => status.code().to_string(),
        }
    }

    pub(crate) fn compose(c: &mut Composer, s: &Statement, sums: &StatementSums) -> Result<(), DocumentError> {
        render::heading(
            c,
            &render::Heading {
                creditor: &s.creditor,
                letterhead: &s.letterhead,
                addressee: &s.debtor,
                place: &s.place,
                date: s.date,
                delivery: &Delivery::Ordinary,
                refs: render::refs(&s.reference, &s.debtor),
                title: Some("RELEVÉ DE COMPTE"),
            },
        )?;
        c.paragraph(
            &format!("Situation de votre compte au {}", format::date_long(s.date)),
            LEFT,
            RIGHT - LEFT,
            Style::bold(10.0),
            2.5,
        );
        for p in s.intro.iter().filter(|p| !p.trim().is_empty()) {
            c.paragraph(p.trim(), LEFT, RIGHT - LEFT, BODY, 2.2);
        }
        c.y += 1.5;
        if s.entries.is_empty() {
            c.paragraph("Aucune pièce ouverte à cette date.", LEFT, RIGHT - LEFT, BODY, 3.0);
        } else {
            let mut table = Table::start_with(c, &COLUMNS, CELL_BOLD);
            for e in &s.entries {
                let (debit, credit, open) = match e.kind {
                    EntryKind::Invoice => (format::money(&e.amount), String::new(), format::money(&e.open)),
                    _ => (String::new(), format::money(&e.amount), format::money(&e.open.neg())),
                };
                let age = match (e.kind, e.due_date) {
                    (EntryKind::Invoice, due) => BUCKETS[bucket(due.unwrap_or(e.date), s.date)].to_owned(),
                    _ => String::new(),
                };
                let cells = [
                    format::date_short(e.date),
                    piece(e),
                    e.due_date.map(format::date_short).unwrap_or_default(),
                    age,
                    e.status.as_ref().map(status_text).unwrap_or_default(),
                    debit,
                    credit,
                    open,
                ];
                table.row(c, &cells, CELL, false);
            }
            let n = s.entries.len();
            let label = if n == 1 { "Total (1 pièce)".to_owned() } else { format!("Total ({n} pièces)") };
            let totals = [
                label,
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                format::money(&sums.debit),
                format::money(&sums.credit),
                format::money(&sums.balance),
            ];
            table.row(c, &totals, CELL_BOLD, true);
            table.finish(c);
            c.y += 3.0;

            render::section_title(c, "Balance âgée (reste dû par ancienneté de l'échéance)");
            let mut aged = Table::start_with(c, &AGED, CELL_BOLD);
            let mut cells: Vec<String> = sums.aged.iter().map(format::money).collect();
            cells.push(format::money(&sums.open_credits.neg()));
            cells.push(format::money(&sums.balance));
            aged.row(c, &cells, CELL_BOLD, false);
            aged.finish(c);
            c.y += 4.0;
        }
        let balance = if sums.balance.is_negative() {
            format!("Solde en votre faveur au {} : {}.", format::date_long(s.date), format::money(&sums.balance.neg()))
        } else {
            format!("Solde restant dû au {} : {}.", format::date_long(s.date), format::money(&sums.balance))
        };
        c.paragraph(&balance, LEFT, RIGHT - LEFT, Style::bold(10.0), 2.2);
        if sums.balance.is_positive() {
            if let Some(text) = render::bank_text(s.payment.as_ref(), Some((&sums.balance, &s.reference))) {
                render::payment_block(c, &text, &s.creditor, s.payment.as_ref(), &sums.balance)?;
            }
        }
        for p in s.closing.iter().filter(|p| !p.trim().is_empty()) {
            c.paragraph(p.trim(), LEFT, RIGHT - LEFT, BODY, 2.2);
        }
        render::signature(c, &s.creditor, &s.signature);
        Ok(())
    }
}

pub(crate) use page::compose;
