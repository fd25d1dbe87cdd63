//! Bank statements and notifications: ISO 20022 camt.053 / camt.054 (versions 001.02 to 001.08)
//! and the French CFONB 120 statement ("relevé de comptes 120 caractères").
//!
//! Both formats give the same [`BankFile`]: statements, each with its entries, every entry keeping
//! its [`Source`] (the XML path `/Document/BkToCstmrStmt/Stmt[2]/Ntry[3]`, or `line 14`). Amounts are
//! [`Money`] (a decimal, never a float) and always positive, the direction being [`BankEntry::credit`].
//!
//! The readers are pure and never panic: a file that is neither format, or is malformed, is
//! refused with a [`BankError`] naming the file and the place; recoverable oddities (a complement
//! record without its movement, balances that do not add up) become [`Diagnostic`]s.

mod camt;
mod cfonb;

use chrono::NaiveDate;
use encours_domain::{Currency, Iban, Money, Source};
use serde::Serialize;

pub use crate::einvoice::{Diagnostic, Level};

/// One bank file: one camt message, or one CFONB 120 file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BankFile {
    /// `camt053`, `camt054` or `cfonb120`.
    pub format: &'static str,
    /// The message type as declared (`camt.053.001.02`); empty for CFONB.
    pub message_type: String,
    /// camt `GrpHdr/MsgId`; `None` for CFONB, which has no message identifier.
    pub message_id: Option<String>,
    /// Statements (camt `Stmt`, CFONB 01…07 blocks) or notifications (camt.054 `Ntfctn`).
    pub statements: Vec<Statement>,
    /// What was noticed while reading, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

/// One statement or notification of one account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// camt `Stmt/Id` or `Ntfctn/Id`; for CFONB `bank desk account` of the 01 record.
    pub id: String,
    /// The account's IBAN when the file gives one (camt `Acct/Id/IBAN`; CFONB has none).
    pub account_iban: Option<Iban>,
    /// The account number as written when it is not an IBAN (camt `Acct/Id/Othr/Id`, CFONB RIB account).
    pub account_other: Option<String>,
    /// The account's currency (camt `Acct/Ccy`, else the first amount's; CFONB columns 17-19).
    pub currency: Option<Currency>,
    /// Opening balance (signed), when given (camt `Bal` OPBD/PRCD, CFONB record 01).
    pub opening_balance: Option<Money>,
    /// Closing balance (signed), when given (camt `Bal` CLBD, CFONB record 07).
    pub closing_balance: Option<Money>,
    /// The movements.
    pub entries: Vec<BankEntry>,
    /// Where the statement starts.
    pub source: Source,
}

/// One movement on the account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BankEntry {
    /// The amount, always positive.
    pub amount: Money,
    /// True for money in (camt `CdtDbtInd` CRDT; CFONB positive amount).
    pub credit: bool,
    /// True when the bank marks the entry as a reversal (camt `RvslInd`).
    pub reversal: bool,
    /// camt entry status (`Sts` up to 001.06, `Sts/Cd` from 001.07): BOOK, PDNG, INFO; only BOOK
    /// entries are on the account. `None` for CFONB, whose movements are all booked.
    pub status: Option<String>,
    /// Booking date (camt `BookgDt/Dt`, or the date of `BookgDt/DtTm` as written; CFONB 35-40).
    pub booking_date: Option<NaiveDate>,
    /// Value date (camt `ValDt`; CFONB 43-48).
    pub value_date: Option<NaiveDate>,
    /// The bank's reference (camt `AcctSvcrRef`; CFONB 105-120 or a `REF` complement).
    pub reference: Option<String>,
    /// The entry's label (camt `AddtlNtryInf`; CFONB 49-79).
    pub label: Option<String>,
    /// Unstructured remittance text (camt `RmtInf/Ustrd`; CFONB `LIB`, `LCC`, `LC2`, `RCN` complements).
    pub remittance: Vec<String>,
    /// Structured creditor references (camt `RmtInf/Strd/CdtrRefInf/Ref`, e.g. ISO 11649 `RF…`).
    pub structured_refs: Vec<String>,
    /// The debtor as the bank wrote it (camt `RltdPties/Dbtr`; CFONB `NPY` complement).
    pub payer_name: Option<String>,
    /// The debtor's IBAN (camt `RltdPties/DbtrAcct/Id/IBAN`) when it passes the ISO 13616 check.
    pub payer_iban: Option<Iban>,
    /// The debtor's account as written (`DbtrAcct/Id/IBAN` or `Othr/Id`), kept even when it is
    /// not a valid IBAN (test files and some banks send such numbers).
    pub payer_account: Option<String>,
    /// camt `Refs/EndToEndId` (the first one of a batch); CFONB has none.
    pub end_to_end_id: Option<String>,
    /// CFONB 05 complement records as (qualifier, information), in file order.
    pub complements: Vec<Complement>,
    /// Where the entry is in the file.
    pub source: Source,
}

/// A CFONB 120 complement record (05) attached to the preceding movement (04).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Complement {
    /// Columns 46-48 (`LIB`, `RCN`, `LCC`, `NPY`, `REF`…), as written.
    pub qualifier: String,
    /// Columns 49-118, trimmed at the end.
    pub info: String,
}

/// Why a bank file was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BankError {
    /// The file as a whole.
    #[error("{file}: {problem}")]
    File {
        /// The file name.
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// A place in the file (`line 7`, an XML path).
    #[error("{file} {at}: {problem}")]
    At {
        /// The file name.
        file: String,
        /// Where.
        at: String,
        /// What is wrong.
        problem: String,
    },
}

impl BankError {
    pub(crate) fn file(file: &str, problem: impl Into<String>) -> BankError {
        BankError::File { file: file.to_owned(), problem: problem.into() }
    }

    pub(crate) fn at(file: &str, at: impl Into<String>, problem: impl Into<String>) -> BankError {
        BankError::At { file: file.to_owned(), at: at.into(), problem: problem.into() }
    }
}

/// Reads a camt.053, camt.054 or CFONB 120 file, recognised by its content (not its name).
pub fn read_bank_bytes(file_name: &str, bytes: &[u8]) -> Result<BankFile, BankError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = body.iter().position(|b| !b.is_ascii_whitespace());
    match first.map(|i| body[i]) {
        None => Err(BankError::file(file_name, "the file is empty")),
        Some(b'<') => camt::read(file_name, bytes),
        Some(b'0'..=b'9') => cfonb::read(file_name, body),
        Some(_) if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") => camt::read(file_name, bytes),
        Some(_) => Err(BankError::file(file_name, "neither a camt.053/camt.054 XML message nor a CFONB 120 statement")),
    }
}

/// The Iban of a string, `None` (with no fuss) when it does not pass the mod-97 check.
pub(crate) fn iban(s: &str) -> Option<Iban> {
    Iban::parse(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_content_is_refused_with_the_file_name() {
        let e = read_bank_bytes("x.bin", b"hello").unwrap_err();
        assert!(e.to_string().starts_with("x.bin: "), "{e}");
        assert!(read_bank_bytes("e.txt", b"  \n").unwrap_err().to_string().contains("empty"));
    }
}
