//! FEC — the *fichier des écritures comptables* every French business hands over on a tax audit
//! (LPF art. L47 A; format of art. A47 A-1; open-data §1), and the receivables history rebuilt
//! from it.
//!
//! Two steps, both pure:
//! - [`read_fec_bytes`] reads the flat file into [`FecFile`]: one [`FecLine`] per accounting line,
//!   each keeping its line number ([`Source`] `line N`). It survives what real files do (open-data
//!   §1.5, §1.6): tab or `|` separators (with a trailing `|`), UTF-8 with or without BOM and
//!   single-byte lines (ISO-8859-15 / Windows-1252 fallback, reported), LF, CRLF, CR and CR CR LF
//!   line ends, fixed-width padded zones, zero-padded comma amounts, the 18-, 21- and 22-column
//!   variants, `Montant` + `Sens` instead of `Debit` + `Credit`, header names in any case.
//!   A line it cannot read becomes a [`Diagnostic`] naming the line; only a file that is not an
//!   FEC at all is a [`FecError`] naming the file and the problem. [`looks_like_fec`] recognises
//!   an FEC by its header line, for the importer.
//! - [`rebuild`] turns the ledger into receivables: clients (411 sub-ledger, sub-accounts, or
//!   names inferred from the labels), invoices and credit notes, payments, opening items, the
//!   allocations given by the lettrage, and due dates from e-invoices or terms. [`Rebuilt::check_balances`]
//!   proves that, per client, what stays open equals the client's 411 balance in the file.
//!
//! Never panics on any input (the fuzz target `read_fec` and `tests/fec_golden.rs` check it).

mod clients;
mod read;
mod rebuild;
mod zones;

use chrono::NaiveDate;
use encours_domain::{Currency, Money, Source};
use rust_decimal::Decimal;
use serde::Serialize;

pub use crate::einvoice::{Diagnostic, Level};
pub use clients::{ClientKind, ClientOrigin, FecClient};
pub use read::{looks_like_fec, read_fec_bytes};
pub use rebuild::{
    rebuild, Allocation, AllocationBasis, BalanceCheck, DueDate, DueDateLookup, DueDateOrigin, Item, ItemKind,
    JournalInfo, JournalRole, LettrageGroup, RebuildOptions, Rebuilt, Side, MAX_COUNTER_ACCOUNTS,
};

/// One FEC file, read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FecFile {
    /// The file name as given to the reader.
    pub file_name: String,
    /// The SIREN part of a `SirenFECAAAAMMJJ` name (A47 A-1 IX), as written, when the name has
    /// that shape (a warning says when it is not a valid SIREN).
    pub siren_in_name: Option<String>,
    /// The closing date of the financial year given by the name (`…FEC20221231…`).
    pub closing_date_in_name: Option<NaiveDate>,
    /// How the text was encoded.
    pub encoding: TextEncoding,
    /// The file starts with a UTF-8 byte-order mark.
    pub bom: bool,
    /// The zone separator.
    pub separator: Separator,
    /// How the lines end.
    pub line_ending: LineEnding,
    /// The header names as written (trimmed), in file order.
    pub header: Vec<String>,
    /// Which list of columns the header gives.
    pub variant: FecVariant,
    /// Whether amounts are in `Debit`/`Credit` or `Montant`/`Sens` columns.
    pub amount_columns: AmountColumns,
    /// The bookkeeping currency of `Debit` and `Credit`. An FEC has no column for it: it is the
    /// company's accounting currency, the euro for a French company (`Idevise` only qualifies
    /// `Montantdevise`).
    pub currency: Currency,
    /// The accounting lines, in file order.
    pub lines: Vec<FecLine>,
    /// Number of data lines that could not be read (each has an error diagnostic).
    pub skipped_lines: usize,
    /// What was noticed while reading, in file order (`path` is `line N`, or empty for the file).
    pub diagnostics: Vec<Diagnostic>,
}

/// One accounting line (one record of the file). Text zones are trimmed of their padding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FecLine {
    /// 1-based line number in the file (the header is line 1).
    pub line: usize,
    /// `JournalCode`, trimmed (journal codes are free text: `VEN`, `ve`, `OD `…).
    pub journal_code: String,
    /// `JournalLib`.
    pub journal_lib: String,
    /// `EcritureNum`: the entry number (`0` everywhere in some exports).
    pub ecriture_num: String,
    /// `EcritureDate`: booking date.
    pub ecriture_date: NaiveDate,
    /// `CompteNum`: general ledger account (`411000`, `41100000`…).
    pub compte_num: String,
    /// `CompteLib`.
    pub compte_lib: String,
    /// `CompAuxNum`: sub-ledger (auxiliary) account, empty when not used.
    pub comp_aux_num: String,
    /// `CompAuxLib`.
    pub comp_aux_lib: String,
    /// `PieceRef`: the voucher reference (usually the invoice number).
    pub piece_ref: String,
    /// `PieceDate`: the voucher's date.
    pub piece_date: Option<NaiveDate>,
    /// `EcritureLib`: the line's label.
    pub ecriture_lib: String,
    /// `Debit` (or `Montant` when `Sens` is D / +1), in [`FecFile::currency`].
    pub debit: Money,
    /// `Credit` (or `Montant` when `Sens` is C / -1), in [`FecFile::currency`].
    pub credit: Money,
    /// `EcritureLet`: the lettrage code, empty when not lettered.
    pub ecriture_let: String,
    /// `DateLet`: when the lettrage was made (often empty even when lettered).
    pub date_let: Option<NaiveDate>,
    /// `ValidDate`.
    pub valid_date: Option<NaiveDate>,
    /// `Montantdevise`: the amount in the foreign currency, when used.
    pub montant_devise: Option<Decimal>,
    /// `Idevise`: the foreign currency's code, as written.
    pub idevise: String,
    /// `DateRglt` (21- and 22-column trésorerie variants, A47 A-1 VIII 5° and 7°).
    pub date_rglt: Option<NaiveDate>,
    /// `ModeRglt` (trésorerie variants).
    pub mode_rglt: String,
    /// `NatOp` (trésorerie variants).
    pub nat_op: String,
    /// `IdClient` (22-column variant).
    pub id_client: String,
    /// Where the line is: the file and `line N`.
    pub source: Source,
}

impl FecLine {
    /// Debit minus credit.
    pub fn net(&self) -> Decimal {
        self.debit.amount - self.credit.amount
    }

    /// `Montantdevise` in `Idevise`, when both are given and the code is an ISO 4217 code.
    pub fn foreign_amount(&self) -> Option<Money> {
        let currency = Currency::parse(&self.idevise).ok()?;
        self.montant_devise.map(|a| Money::new(a, currency))
    }
}

/// The text encoding of the file (A47 A-1 XII 1°: ASCII, ISO 8859-15 or UTF-8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    /// Every line is valid UTF-8 (ASCII included).
    Utf8,
    /// No line is valid UTF-8 beyond ASCII; the others were read as ISO-8859-15.
    Iso885915,
    /// As [`TextEncoding::Iso885915`], but bytes 0x80–0x9F show Windows-1252.
    Windows1252,
    /// Some lines are UTF-8, others had to be read with a single-byte charset.
    Mixed,
}

/// The zone separator (A47 A-1 VI 1° c: a tab or `|`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Separator {
    /// Tabulation.
    Tab,
    /// Vertical bar.
    Pipe,
}

impl Separator {
    fn char(self) -> char {
        match self {
            Separator::Tab => '\t',
            Separator::Pipe => '|',
        }
    }
}

/// How records end (A47 A-1 VI 1° a: CR and/or LF).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineEnding {
    /// `\n`.
    Lf,
    /// `\r\n`.
    CrLf,
    /// `\r\r\n`, an export that wrote CRLF through a text-mode stream.
    CrCrLf,
    /// `\r` alone.
    Cr,
    /// Several kinds in one file.
    Mixed,
    /// A single line without terminator.
    None,
}

/// Which list of columns the header gives (A47 A-1 VII 1°, VIII).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FecVariant {
    /// The 18 columns of VII 1° (BIC/IS, and BNC/BA keeping commercial accounts).
    Standard,
    /// 21 columns: + `DateRglt`, `ModeRglt`, `NatOp` (BA trésorerie, VIII 5°).
    Tresorerie21,
    /// 22 columns: + `IdClient` (BNC trésorerie, VIII 7°).
    Tresorerie22,
}

/// Where the amounts are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AmountColumns {
    /// `Debit` and `Credit`.
    DebitCredit,
    /// `Montant` and `Sens` (D/C or +1/-1), allowed by A47 A-1 VII 2° in every variant.
    MontantSens,
}

/// Why a file was refused as an FEC.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FecError {
    /// The file as a whole.
    #[error("{file}: {problem}")]
    File {
        /// The file name.
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// A line of the file (the header, usually).
    #[error("{file} line {line}: {problem}")]
    Line {
        /// The file name.
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        problem: String,
    },
}

impl FecError {
    fn file(file: &str, problem: impl Into<String>) -> FecError {
        FecError::File { file: file.to_owned(), problem: problem.into() }
    }

    fn line(file: &str, line: usize, problem: impl Into<String>) -> FecError {
        FecError::Line { file: file.to_owned(), line, problem: problem.into() }
    }
}
