//! The déclaration de créance of a procédure collective (Code de commerce L622-24, L622-25,
//! R622-23, R622-24; open-data §3): addressed to the mandataire judiciaire (the liquidateur in a
//! liquidation judiciaire), within two months of the BODACC publication of the opening judgment.

use chrono::{Months, NaiveDate};
use encours_domain::FrenchCalendar;

use crate::letter::{InvoiceRow, LegalBreakdown, Letterhead, Party, Signature};

/// The kind of procédure collective (decides who receives the declaration and the articles cited).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProcedureKind {
    /// Sauvegarde (L622-24 directly).
    Sauvegarde,
    /// Redressement judiciaire (L631-14, R631-27 apply L622-24).
    RedressementJudiciaire,
    /// Liquidation judiciaire (L641-3, R641-25): the declaration goes to the liquidateur.
    LiquidationJudiciaire,
}

impl ProcedureKind {
    /// "sauvegarde", "redressement judiciaire", "liquidation judiciaire".
    pub fn label_fr(self) -> &'static str {
        match self {
            ProcedureKind::Sauvegarde => "sauvegarde",
            ProcedureKind::RedressementJudiciaire => "redressement judiciaire",
            ProcedureKind::LiquidationJudiciaire => "liquidation judiciaire",
        }
    }

    /// Who receives the declaration: "mandataire judiciaire" or, in LJ, "liquidateur".
    pub fn recipient_title(self) -> &'static str {
        match self {
            ProcedureKind::LiquidationJudiciaire => "liquidateur",
            _ => "mandataire judiciaire",
        }
    }
}

/// The BODACC notice of the opening judgment (open-data §2.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodaccNotice {
    /// Edition and issue, e.g. "BODACC A n° 20260215".
    pub issue: String,
    /// Notice number in the issue (`numeroannonce`).
    pub number: String,
    /// Publication date (`dateparution`): the deadline runs from it (R622-24).
    pub published: NaiveDate,
}

/// The procedure the claim is declared in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Procedure {
    /// Sauvegarde, RJ or LJ.
    pub kind: ProcedureKind,
    /// The court that opened it (`tribunal`, e.g. "Tribunal de commerce de Bordeaux").
    pub court: String,
    /// Date of the opening judgment: the cut-off between claims to declare and later ones
    /// (open-data §3.2).
    pub judgment_date: NaiveDate,
    /// The BODACC publication, when known.
    pub bodacc: Option<BodaccNotice>,
}

/// A sûreté or privilege attached to the claim (L622-25: nature and assiette; R622-23 4°: date
/// and proof when not published), e.g. a réserve de propriété clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Security {
    /// Nature, e.g. "Clause de réserve de propriété (article 2367 du Code civil)".
    pub nature: String,
    /// What it bears on (assiette), e.g. "Marchandises livrées et impayées, factures …".
    pub assiette: String,
    /// Date of the sûreté, when it has one.
    pub date: Option<NaiveDate>,
    /// Whether it was published (a published sûreté's holder is warned personally, L622-24).
    pub published: bool,
}

/// In what capacity the declarant signs (L622-24: the creditor, a préposé or a mandataire).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum DeclarantCapacity {
    /// The creditor's legal representative.
    #[default]
    LegalRepresentative,
    /// An employee (préposé) with authority to declare.
    Employee,
    /// A mandataire of the creditor's choice (lawyer, …).
    Mandataire,
}

/// A déclaration de créance, ready for a registered letter with acknowledgement of receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclarationDeCreance {
    /// The creditor who declares.
    pub creditor: Party,
    /// Its letterhead.
    pub letterhead: Letterhead,
    /// The debtor in the procedure.
    pub debtor: Party,
    /// The procedure.
    pub procedure: Procedure,
    /// The mandataire judiciaire or liquidateur the letter goes to (name and address typed by the
    /// user; BODACC names it only in free text).
    pub recipient: Party,
    /// Town before the date.
    pub place: String,
    /// Date of the letter.
    pub date: NaiveDate,
    /// Our reference.
    pub reference: String,
    /// The deadline to print, computed with [`declaration_deadline`].
    pub deadline: Option<NaiveDate>,
    /// Invoices due on the opening date (their `open` is the principal declared; `days_late` is
    /// counted to the judgment date).
    pub due: Vec<InvoiceRow>,
    /// Penalties and indemnities accrued up to the judgment date (legal interest stops there for
    /// trade invoices, L622-28); printed in the amount due at the opening date.
    pub legal: Option<LegalBreakdown>,
    /// Invoices born before the judgment but falling due after it (L622-25: sums to fall due and
    /// their due dates).
    pub to_fall_due: Vec<InvoiceRow>,
    /// Sûretés and privileges; empty prints "Néant" (a chirographaire claim).
    pub securities: Vec<Security>,
    /// How interest still running is computed (R622-23 2°), when it runs; `None` otherwise.
    pub interest_method: Option<String>,
    /// The court seised when the claim is in litigation (R622-23 3°).
    pub litigation: Option<String>,
    /// Supporting documents attached under the bordereau (R622-23): invoices, CGV, statement…
    pub documents: Vec<String>,
    /// Who signs.
    pub signature: Signature,
    /// In what capacity.
    pub capacity: DeclarantCapacity,
}

/// The last day to declare (R622-24, open-data §3.2): the BODACC publication of the opening
/// judgment + 2 months, + 2 more when the creditor does not reside in metropolitan France
/// (`creditor_outside_metropole`, for a metropolitan court). The same day-number of the final
/// month, or that month's last day when it has none (chrono's month arithmetic clamps, e.g.
/// 31 December + 2 months = 28/29 February). A deadline on a Saturday, Sunday or public holiday
/// moves to the next working day (CPC 642; open-data §3.2 marks this "to verify").
pub fn declaration_deadline(published: NaiveDate, creditor_outside_metropole: bool) -> NaiveDate {
    let months = if creditor_outside_metropole { 4 } else { 2 };
    let raw = published.checked_add_months(Months::new(months)).unwrap_or(published);
    FrenchCalendar::default().next_business_day(raw)
}

/// The last day of the relevé de forclusion action (L622-26): publication + 6 months (no working
/// day shift: open-data §3.2 gives the raw date).
pub fn relief_from_foreclosure_deadline(published: NaiveDate) -> NaiveDate {
    published.checked_add_months(Months::new(6)).unwrap_or(published)
}

/// Whether an invoice's claim is born before the opening judgment and must be declared (open-data
/// §3.2: the cut-off is the judgment date; the service or delivery date when known, else the
/// invoice date).
pub fn born_before_judgment(fait_generateur: NaiveDate, judgment_date: NaiveDate) -> bool {
    fait_generateur < judgment_date
}
