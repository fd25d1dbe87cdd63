//! The IBM "Accounts receivable / late payment histories" sample (`WA_Fn-UseC_-Accounts-Receivable.csv`),
//! the one public invoice-level payment history (scoring.md §2). Encours uses it only to check its
//! scoring pipeline against the published baseline; it is never imported into a dossier.
//!
//! The file is comma-separated with a header line and twelve columns: `countryCode, customerID,
//! PaperlessDate, invoiceNumber, InvoiceDate, DueDate, InvoiceAmount, Disputed, SettledDate,
//! PaperlessBill, DaysToSettle, DaysLate`. Dates are `M/D/YYYY`; the invoice number keeps its leading
//! zeros (it is read as text); the amount becomes a `Decimal` here, at the boundary, never a float.
//! Columns are found by their header name, so a reordered export reads the same.
//!
//! Like every reader, [`read`] never panics on any input: a line that cannot be read is an
//! [`IbmError`] naming the file and the line number, and every record keeps its line.

use crate::limits::{MAX_IBM_FILE_BYTES, MAX_IBM_LINE_BYTES};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use std::str::FromStr;

/// One invoice of the IBM file, as written, with the line it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IbmInvoice {
    /// The 1-based line number in the file (the header is line 1).
    pub line: usize,
    /// `countryCode`: the customer's country (a numeric code, kept as text).
    pub country_code: String,
    /// `customerID`: the customer key (`NNNN-AAAA`).
    pub customer_id: String,
    /// `PaperlessDate`: when the customer switched to electronic bills.
    pub paperless_date: Option<NaiveDate>,
    /// `invoiceNumber`, leading zeros kept.
    pub invoice_number: String,
    /// `InvoiceDate`: the issue date.
    pub invoice_date: NaiveDate,
    /// `DueDate`.
    pub due_date: NaiveDate,
    /// `InvoiceAmount` (currency unspecified in the file).
    pub amount: Decimal,
    /// `Disputed`: the invoice was disputed at some point (known only after issue).
    pub disputed: bool,
    /// `SettledDate`: the payment date; `None` when the cell is empty (an open invoice).
    pub settled_date: Option<NaiveDate>,
    /// `PaperlessBill`: this invoice was sent electronically (`Electronic`) rather than on paper.
    pub electronic: bool,
    /// `DaysLate` as written (an outcome, never a feature).
    pub days_late: Option<i64>,
}

/// A line of the IBM file that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}, line {line}: {message}")]
pub struct IbmError {
    /// The file's name as the caller gave it.
    pub file: String,
    /// The 1-based line number (0 when the problem is the file as a whole).
    pub line: usize,
    /// What is wrong, in plain words.
    pub message: String,
}

/// The columns the reader needs, by header name.
const COLUMNS: [&str; 11] = [
    "countryCode",
    "customerID",
    "PaperlessDate",
    "invoiceNumber",
    "InvoiceDate",
    "DueDate",
    "InvoiceAmount",
    "Disputed",
    "SettledDate",
    "PaperlessBill",
    "DaysLate",
];

/// Reads the whole file. `file` is the name used in errors. An empty file, a missing column or any
/// unreadable line is an error (the file is a benchmark: a partial read would make its figures lie).
pub fn read(file: &str, bytes: &[u8]) -> Result<Vec<IbmInvoice>, IbmError> {
    let err = |line: usize, message: String| IbmError { file: file.to_string(), line, message };
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_IBM_FILE_BYTES {
        return Err(err(0, format!("the file is {} bytes, more than the {MAX_IBM_FILE_BYTES} accepted", bytes.len())));
    }
    // Checked on the bytes, before any decoding: a 100 MB line is refused without being looked at.
    if let Some((n, l)) = bytes.split(|b| *b == b'\n').enumerate().find(|(_, l)| l.len() > MAX_IBM_LINE_BYTES) {
        return Err(err(
            n + 1,
            format!("the line is {} bytes long, more than the {MAX_IBM_LINE_BYTES} accepted", l.len()),
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| err(0, format!("not UTF-8 text ({e})")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate();
    let header = loop {
        match lines.next() {
            Some((_, l)) if l.trim().is_empty() => continue,
            Some((n, l)) => break (n + 1, l),
            None => return Err(err(0, "the file is empty".into())),
        }
    };
    let names: Vec<&str> = header.1.split(',').map(str::trim).collect();
    let mut idx = [0usize; COLUMNS.len()];
    for (slot, col) in idx.iter_mut().zip(COLUMNS) {
        *slot = names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(col))
            .ok_or_else(|| err(header.0, format!("the header has no column {col:?}")))?;
    }
    let mut out = Vec::new();
    for (n, raw) in lines {
        let line = n + 1;
        let l = raw.trim_end_matches('\r');
        if l.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = l.split(',').map(str::trim).collect();
        let cell = |i: usize| -> Result<&str, IbmError> {
            let at = idx.get(i).copied().unwrap_or(usize::MAX);
            cells.get(at).copied().ok_or_else(|| {
                err(line, format!("{} cells, column {:?} is missing", cells.len(), COLUMNS.get(i).unwrap_or(&"?")))
            })
        };
        let date = |i: usize| -> Result<Option<NaiveDate>, IbmError> {
            let s = cell(i)?;
            if s.is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(s, "%m/%d/%Y")
                .map(Some)
                .map_err(|_| err(line, format!("{:?} is not a M/D/YYYY date: {s:?}", COLUMNS.get(i).unwrap_or(&"?"))))
        };
        let required = |i: usize| -> Result<NaiveDate, IbmError> {
            date(i)?.ok_or_else(|| err(line, format!("{:?} is empty", COLUMNS.get(i).unwrap_or(&"?"))))
        };
        let amount_text = cell(6)?;
        let amount = Decimal::from_str(amount_text)
            .map_err(|_| err(line, format!("InvoiceAmount is not a decimal number: {amount_text:?}")))?;
        let disputed = match cell(7)? {
            s if s.eq_ignore_ascii_case("yes") => true,
            s if s.eq_ignore_ascii_case("no") || s.is_empty() => false,
            s => return Err(err(line, format!("Disputed is neither Yes nor No: {s:?}"))),
        };
        let electronic = match cell(9)? {
            s if s.eq_ignore_ascii_case("electronic") => true,
            s if s.eq_ignore_ascii_case("paper") => false,
            s => return Err(err(line, format!("PaperlessBill is neither Electronic nor Paper: {s:?}"))),
        };
        let days_late = match cell(10)? {
            "" => None,
            s => Some(s.parse::<i64>().map_err(|_| err(line, format!("DaysLate is not a whole number: {s:?}")))?),
        };
        let customer_id = cell(1)?.to_string();
        if customer_id.is_empty() {
            return Err(err(line, "customerID is empty".into()));
        }
        out.push(IbmInvoice {
            line,
            country_code: cell(0)?.to_string(),
            customer_id,
            paperless_date: date(2)?,
            invoice_number: cell(3)?.to_string(),
            invoice_date: required(4)?,
            due_date: required(5)?,
            amount,
            disputed,
            settled_date: date(8)?,
            electronic,
            days_late,
        });
    }
    if out.is_empty() {
        return Err(err(header.0, "the header is followed by no invoice".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "countryCode,customerID,PaperlessDate,invoiceNumber,InvoiceDate,DueDate,InvoiceAmount,Disputed,SettledDate,PaperlessBill,DaysToSettle,DaysLate\n";

    #[test]
    fn reads_a_line_with_its_line_number_and_leading_zeros() {
        let csv = format!("{HEAD}391,0379-NEVHP,4/6/2013,0000611365,1/2/2013,2/1/2013,55.94,No,1/15/2013,Paper,13,0\n");
        let v = read("f.csv", csv.as_bytes()).unwrap();
        assert_eq!(v.len(), 1);
        let r = &v[0];
        assert_eq!((r.line, r.invoice_number.as_str(), r.amount.to_string().as_str()), (2, "0000611365", "55.94"));
        assert_eq!(r.invoice_date, NaiveDate::from_ymd_opt(2013, 1, 2).unwrap());
        assert_eq!(r.settled_date, NaiveDate::from_ymd_opt(2013, 1, 15));
        assert!(!r.electronic && !r.disputed);
    }

    #[test]
    fn a_bad_line_names_the_file_and_the_line() {
        let csv = format!("{HEAD}391,A,4/6/2013,1,1/2/2013,2/1/2013,55.94,No,1/15/2013,Paper,13,0\n391,B,4/6/2013,2,13/45/2013,2/1/2013,1,No,,Paper,,\n");
        let e = read("ar.csv", csv.as_bytes()).unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("ar.csv", 3));
        assert!(e.to_string().starts_with("ar.csv, line 3: \"InvoiceDate\""), "{e}");
    }

    #[test]
    fn never_panics_on_truncated_or_garbled_input() {
        let good =
            format!("{HEAD}391,0379-NEVHP,4/6/2013,0000611365,1/2/2013,2/1/2013,55.94,No,1/15/2013,Paper,13,0\n");
        let bytes = good.as_bytes();
        for cut in 0..bytes.len() {
            let _ = read("x", &bytes[..cut]);
        }
        for i in 0..bytes.len() {
            for b in [0u8, b',', b'\n', 0xff, b'9'] {
                let mut m = bytes.to_vec();
                m[i] = b;
                let _ = read("x", &m);
            }
        }
        assert!(read("x", b"").is_err());
        assert!(read("x", b"a,b\n1,2\n").unwrap_err().message.contains("no column"));
    }
}
