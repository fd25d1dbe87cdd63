//! What a letter says: plain data, filled by the dunning code (templates already rendered, legal
//! math already computed). Nothing here reads a database, a file or the clock: the letter's date is
//! a field.

use chrono::NaiveDate;
use encours_domain::legal::{IndemnityReason, InterestBreakdown, InterestLine, RecoveryIndemnity};
use encours_domain::{Contact, CreditorRef, Iban, Money, MoneyError, PostalAddress, Siren};
use rust_decimal::Decimal;

/// The tone of a reminder letter (issue 6 §6: three tones before the mise en demeure).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tone {
    /// First, friendly reminder: no legal mention, the client may simply have forgotten.
    Courtois,
    /// Firm reminder: reminds the client of the late-payment penalties and the €40 indemnity.
    Ferme,
    /// Last notice before the mise en demeure.
    DernierAvis,
}

/// Which document the letter is; it decides the title and the legal mentions printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LetterKind {
    /// A reminder (relance) in one of three tones.
    Reminder {
        /// How firm the letter is.
        tone: Tone,
    },
    /// The formal notice of Code civil 1344 (legal-rules A.3): formal demand, deadline, penalties,
    /// €40 indemnities, legal interest, warning of legal action.
    MiseEnDemeure {
        /// Days given to pay, counted from receipt of the letter (8 or 15 are usual, legal-rules A.3).
        deadline_days: u32,
    },
    /// A statement of the open items (relevé de compte), with no demand.
    AccountStatement,
}

/// A company (or person) named on the letter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Party {
    /// Company name (raison sociale) or full name.
    pub name: String,
    /// SIREN, printed in full (legal-rules A.3: the identities of both parties).
    pub siren: Option<Siren>,
    /// Postal address; for the debtor it is printed in the envelope window.
    pub address: PostalAddress,
    /// Who to write to or who writes: for the debtor "À l'attention de …" in the window, for the
    /// creditor the name, phone and e-mail in the letterhead.
    pub contact: Option<Contact>,
}

/// How the debtor can pay (printed under the amounts).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PaymentDetails {
    /// The creditor's IBAN for a transfer.
    pub iban: Option<Iban>,
    /// Its BIC.
    pub bic: Option<String>,
    /// Free text added after the bank details (e.g. "ou par chèque à l'ordre de …").
    pub other: Option<String>,
    /// The ISO 11649 structured reference the payer must quote (`encours_domain::CreditorRef`).
    /// With an IBAN and an amount to pay, it puts the SEPA EPC QR code on the page (EPC069-12),
    /// so the payment can be made from a phone and matched automatically.
    pub creditor_reference: Option<CreditorRef>,
}

/// One invoice in the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceRow {
    /// Invoice number as issued (BT-1).
    pub number: String,
    /// Issue date (BT-2).
    pub issue_date: NaiveDate,
    /// Due date (BT-9).
    pub due_date: NaiveDate,
    /// Days past the due date on the letter's date (negative or zero when not yet due).
    pub days_late: i64,
    /// Amount including VAT.
    pub amount_incl_vat: Money,
    /// Already paid or credited.
    pub paid: Money,
    /// Still owed (what the letter asks for; for a partly approved invoice, status 206, only the
    /// approved part: it is not always `amount_incl_vat - paid`).
    pub open: Money,
}

/// One line of the décompte: interest (late-payment penalties or legal interest) on one base over
/// one period at one rate. A delay spanning two half-years gives two lines, each at its half-year's
/// rate (legal-rules A.1.5); a partial payment changes the base and starts a new line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BreakdownRow {
    /// What the line is on: the invoice number for penalties, a label for legal interest.
    pub label: String,
    /// First day counted.
    pub from: NaiveDate,
    /// Last day counted (inclusive).
    pub to: NaiveDate,
    /// Days counted.
    pub days: i64,
    /// The amount the interest runs on (incl. VAT for penalties, legal-rules A.1.5).
    pub base: Money,
    /// Annual rate in percent (12.15 means 12,15 %).
    pub rate_percent: Decimal,
    /// Interest for the line, rounded to the cent.
    pub amount: Money,
}

impl BreakdownRow {
    /// A line of the domain's legal math ([`InterestLine`]) under a label.
    pub fn from_line(label: impl Into<String>, line: &InterestLine) -> BreakdownRow {
        BreakdownRow {
            label: label.into(),
            from: line.from,
            to: line.to,
            days: line.days,
            base: line.base,
            rate_percent: line.rate_percent,
            amount: line.amount,
        }
    }
}

/// The amounts owed on top of the invoices, computed by the legal math (`encours_domain::legal`,
/// issue 6 §3); the letter prints them and adds them up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegalBreakdown {
    /// Late-payment penalty lines (L441-10 II), per invoice and period.
    pub penalties: Vec<BreakdownRow>,
    /// The penalties owed: the legal math's total, computed from the exact figures and rounded once
    /// (it may differ by a cent from the sum of the rounded lines). `None`: the sum of the lines.
    pub penalties_total: Option<Money>,
    /// Number of late invoices that each owe the flat collection indemnity (D441-5).
    pub indemnity_count: u32,
    /// The indemnity per invoice: €40 (D441-5).
    pub indemnity_unit: Money,
    /// Legal interest lines from the mise en demeure (Code civil 1231-6, 1344-1); never on the same
    /// days as penalties (legal-rules A.3). Empty for reminders.
    pub interest: Vec<BreakdownRow>,
    /// The legal interest owed, as for `penalties_total`.
    pub interest_total: Option<Money>,
}

impl LegalBreakdown {
    /// An empty breakdown whose indemnity is `indemnity_unit` per late invoice.
    pub fn new(indemnity_unit: Money) -> LegalBreakdown {
        LegalBreakdown {
            penalties: Vec::new(),
            penalties_total: None,
            indemnity_count: 0,
            indemnity_unit,
            interest: Vec::new(),
            interest_total: None,
        }
    }

    /// Adds the penalties of one invoice ([`encours_domain::legal::late_penalties`]): its lines
    /// and its total.
    pub fn add_penalties(&mut self, invoice: &str, penalties: &InterestBreakdown) -> Result<(), MoneyError> {
        self.penalties.extend(penalties.lines.iter().map(|l| BreakdownRow::from_line(invoice, l)));
        self.penalties_total = Some(add_total(self.penalties_total, &penalties.total)?);
        Ok(())
    }

    /// Adds legal interest ([`encours_domain::legal::legal_interest`]) under a label.
    pub fn add_interest(&mut self, label: &str, interest: &InterestBreakdown) -> Result<(), MoneyError> {
        self.interest.extend(interest.lines.iter().map(|l| BreakdownRow::from_line(label, l)));
        self.interest_total = Some(add_total(self.interest_total, &interest.total)?);
        Ok(())
    }

    /// Counts the €40 indemnity of one invoice when it is owed
    /// ([`encours_domain::legal::recovery_indemnity`]; €0 in a procédure collective).
    pub fn add_indemnity(&mut self, indemnity: &RecoveryIndemnity) {
        if indemnity.reason == IndemnityReason::Owed && indemnity.amount.is_positive() {
            self.indemnity_unit = indemnity.amount;
            self.indemnity_count += 1;
        }
    }
}

fn add_total(total: Option<Money>, more: &Money) -> Result<Money, MoneyError> {
    match total {
        Some(t) => t.checked_add(more),
        None => Ok(*more),
    }
}

/// How the letter is sent; registered letters carry the mention the post office and the judge expect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Ordinary mail (or a PDF attached to an e-mail).
    Ordinary,
    /// Paper registered letter with acknowledgement of receipt (LRAR).
    RegisteredPaper {
        /// The La Poste tracking number; `None` prints a blank line to fill in by hand.
        tracking_number: Option<String>,
    },
    /// Electronic registered letter (LRE, CPCE L100, eIDAS art. 44; legal-rules A.3).
    RegisteredElectronic,
}

/// The company's letterhead beyond its [`Party`] (name, SIREN, address): the company profile
/// settings. Printed at the top left of the first page of every document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Letterhead {
    /// The logo, PNG or JPEG bytes; drawn at most 45 × 18 mm above the company name. A logo that
    /// cannot be read is refused ([`crate::DocumentError::Logo`]) rather than silently dropped.
    pub logo: Option<Vec<u8>>,
    /// Intra-community VAT number (e.g. "FR40732829320").
    pub vat_number: Option<String>,
    /// Switchboard phone number, as written (printed "Tél. …"); when `None`, the creditor
    /// contact's phone is used.
    pub phone: Option<String>,
    /// Company e-mail address; when `None`, the creditor contact's e-mail is used.
    pub email: Option<String>,
    /// Web site, printed as given.
    pub website: Option<String>,
    /// Legal line of the footer, e.g. "SARL au capital de 20 000 € — RCS Lyon 732 829 320"
    /// (printed in the footer of every page after the name).
    pub legal_line: Option<String>,
}

/// Who signs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Signature {
    /// Name of the signatory.
    pub name: String,
    /// Title (e.g. "Responsable du recouvrement").
    pub title: Option<String>,
}

/// A letter to print: everything the PDF shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Letter {
    /// Which document.
    pub kind: LetterKind,
    /// Who writes and is owed the money.
    pub creditor: Party,
    /// The creditor's letterhead: logo, VAT number, phone, e-mail (`Letterhead::default()`: the
    /// creditor [`Party`] alone).
    pub letterhead: Letterhead,
    /// Who owes it.
    pub debtor: Party,
    /// Town written before the date ("Lyon, le 24 novembre 2026").
    pub place: String,
    /// Date of the letter; also the PDF's creation date (never the clock).
    pub date: NaiveDate,
    /// Our reference (dossier or letter number).
    pub reference: String,
    /// The subject line ("Objet : …").
    pub subject: String,
    /// Paragraphs before the invoice table, already rendered from the templates (salutation first).
    pub body: Vec<String>,
    /// The invoices the letter is about.
    pub invoices: Vec<InvoiceRow>,
    /// Penalties, indemnities and interest to add to the open amounts, when the letter claims them.
    pub legal: Option<LegalBreakdown>,
    /// Bank details printed with the amount to pay.
    pub payment: Option<PaymentDetails>,
    /// Paragraphs after the table and the legal mentions (closing formula last).
    pub closing: Vec<String>,
    /// How the letter is sent.
    pub delivery: Delivery,
    /// Who signs.
    pub signature: Signature,
}
