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
mod inspect;

use chrono::NaiveDate;
use encours_domain::{Currency, Iban, Money, Source};
use serde::Serialize;

pub use inspect::inspect_json;

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

impl Statement {
    /// Whether the opening balance plus the booked entries gives the closing balance: `None` when
    /// either balance is missing, `Some(false)` when the balances and entries are not all in one
    /// currency, when the sum differs, or when it overflows. Only booked entries count
    /// ([`BankEntry::is_booked`]): pending and information entries are not on the account yet.
    pub fn balance_check(&self) -> Option<bool> {
        let (opening, closing) = (self.opening_balance?, self.closing_balance?);
        let mut sum = opening;
        for e in self.entries.iter().filter(|e| e.is_booked()) {
            match sum.checked_add(&e.signed_amount()) {
                Ok(s) => sum = s,
                Err(_) => return Some(false),
            }
        }
        Some(sum.currency == closing.currency && sum.amount == closing.amount)
    }

    /// Why [`Statement::balance_check`] fails, in words, for the reader's diagnostic.
    pub(crate) fn balance_mismatch(&self) -> Option<String> {
        if self.balance_check() != Some(false) {
            return None;
        }
        let (opening, closing) = (self.opening_balance?, self.closing_balance?);
        let booked: Vec<Money> = self.entries.iter().filter(|e| e.is_booked()).map(BankEntry::signed_amount).collect();
        Some(match booked.iter().try_fold(opening, |acc, m| acc.checked_add(m)) {
            Ok(sum) if sum.currency == closing.currency => format!(
                "the opening balance {opening} plus {} booked entries gives {sum}, the closing balance is {closing}",
                booked.len()
            ),
            _ => format!(
                "the opening balance {opening}, the booked entries and the closing balance {closing} are not all in one currency"
            ),
        })
    }
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
    /// Unstructured remittance text of every transaction, in file order (camt `RmtInf/Ustrd`; CFONB
    /// `LIB`, `LCC`, `LC2`, `LCS`, `RCN` complements).
    pub remittance: Vec<String>,
    /// Structured creditor references of every transaction (camt `RmtInf/Strd/CdtrRefInf/Ref`,
    /// e.g. ISO 11649 `RF…`).
    pub structured_refs: Vec<String>,
    /// The debtor as the bank wrote it (camt `RltdPties/Dbtr` of the first transaction that names
    /// one; CFONB `NPY` complement). A batch has one debtor per transaction: see `transactions`.
    pub payer_name: Option<String>,
    /// The debtor's IBAN (camt `RltdPties/DbtrAcct/Id/IBAN`) when it passes the ISO 13616 check;
    /// the first of a batch, like `payer_name`.
    pub payer_iban: Option<Iban>,
    /// The debtor's account as written (`DbtrAcct/Id/IBAN` or `Othr/Id`), kept even when it is
    /// not a valid IBAN (test files and some banks send such numbers); the first of a batch.
    pub payer_account: Option<String>,
    /// camt `Refs/EndToEndId` (the first one of a batch); CFONB has none.
    pub end_to_end_id: Option<String>,
    /// camt: one per `NtryDtls/TxDtls`, so that a batch (one entry for several payments) keeps
    /// every payment's debtor, amount and remittance for matching. Empty for CFONB.
    pub transactions: Vec<BankTransaction>,
    /// CFONB 05 complement records as (qualifier, information), in file order.
    pub complements: Vec<Complement>,
    /// Where the entry is in the file.
    pub source: Source,
}

impl BankEntry {
    /// The amount with its direction as the sign: credits positive, debits negative.
    pub fn signed_amount(&self) -> Money {
        if self.credit || self.amount.is_zero() {
            self.amount
        } else {
            self.amount.neg()
        }
    }

    /// True when the entry is on the account: camt status `BOOK` (or none given), every CFONB
    /// movement. `PDNG` (pending) and `INFO` entries are announcements.
    pub fn is_booked(&self) -> bool {
        self.status.as_deref().is_none_or(|s| s == "BOOK")
    }

    /// Every free text and reference the entry carries that may quote an invoice, for matching
    /// and display, without duplicates, in file order: per camt transaction its `Ustrd` texts,
    /// structured references, referred document numbers, additional remittance and transaction
    /// information, then its end-to-end id (`NOTPROVIDED` left out); for CFONB the information of
    /// every complement record except the party names ([`Complement::is_party_name`]). The label
    /// and the payer's name are separate fields and not repeated here.
    pub fn remittance_texts(&self) -> Vec<&str> {
        fn push<'a>(out: &mut Vec<&'a str>, s: &'a str) {
            if !s.is_empty() && !out.contains(&s) {
                out.push(s);
            }
        }
        let mut out: Vec<&str> = Vec::new();
        if self.transactions.is_empty() && self.complements.is_empty() {
            // An entry built by hand (or a camt entry without details): its own lists.
            for s in self.remittance.iter().chain(&self.structured_refs).chain(&self.end_to_end_id) {
                push(&mut out, s);
            }
        }
        for t in &self.transactions {
            let all = t.remittance.iter().chain(&t.structured_refs).chain(&t.referred_documents);
            for s in all.chain(&t.additional_info).chain(&t.end_to_end_id) {
                push(&mut out, s);
            }
        }
        for c in self.complements.iter().filter(|c| !c.is_party_name()) {
            push(&mut out, &c.info);
        }
        out
    }
}

/// One payment inside a camt entry (`NtryDtls/TxDtls`). A batch entry carries several: a client
/// paying three invoices by three transfers the bank books as one credit, or a direct-debit batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BankTransaction {
    /// The transaction's own amount (`TxDtls/Amt` from 001.03, `AmtDtls/TxAmt/Amt` in 001.02),
    /// when given and readable.
    pub amount: Option<Money>,
    /// `Refs/EndToEndId`, the payer's reference carried end to end (`NOTPROVIDED` left out).
    pub end_to_end_id: Option<String>,
    /// `RmtInf/Ustrd` texts.
    pub remittance: Vec<String>,
    /// `RmtInf/Strd/CdtrRefInf/Ref` creditor references.
    pub structured_refs: Vec<String>,
    /// `RmtInf/Strd/RfrdDocInf/Nb`: numbers of the documents paid (invoice numbers).
    pub referred_documents: Vec<String>,
    /// `RmtInf/Strd/AddtlRmtInf` and `AddtlTxInf` free texts.
    pub additional_info: Vec<String>,
    /// The debtor's name (`RltdPties/Dbtr/Nm` up to 001.06, `Dbtr/Pty/Nm` from 001.07).
    pub payer_name: Option<String>,
    /// The debtor's IBAN when it passes the ISO 13616 check.
    pub payer_iban: Option<Iban>,
    /// The debtor's account as written (`DbtrAcct/Id/IBAN` or `Othr/Id`).
    pub payer_account: Option<String>,
    /// Where the transaction is (its `TxDtls` path).
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

impl Complement {
    /// True for the qualifiers that carry a party's name rather than a reference (CFONB brochure,
    /// "enregistrement complémentaire"): `NPY` payer, `NBE` beneficiary, `NPO` ultimate debtor,
    /// `NBU` ultimate creditor.
    pub fn is_party_name(&self) -> bool {
        matches!(self.qualifier.as_str(), "NPY" | "NBE" | "NPO" | "NBU")
    }
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
    let limit = crate::limits::MAX_BANK_FILE_BYTES;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(BankError::file(
            file_name,
            format!("the file is {} bytes, more than the {limit} bytes accepted for a bank statement", bytes.len()),
        ));
    }
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
