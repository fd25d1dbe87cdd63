//! Exports to CSV (UTF-8, comma-separated, header row, amounts as decimal strings with a dot):
//! the format spreadsheets and accounting tools import without surprises.

use std::io::Write;

use chrono::NaiveDate;
use encours_store::{queries, Dossier, StoreError};

use crate::error::{ApiError, ErrorCode};

/// Column names of the clients export, in the order of `queries::ClientRow`'s fields.
pub const CLIENT_COLUMNS: [&str; 13] = [
    "id",
    "name",
    "siren",
    "siret",
    "vat",
    "naf",
    "segment",
    "owner",
    "postcode",
    "city",
    "currency",
    "open_balance",
    "overdue_balance",
];

/// Column names of the open-items export, in the order of `queries::OpenItemRow`'s fields.
pub const OPEN_ITEM_COLUMNS: [&str; 14] = [
    "invoice_id",
    "number",
    "type_code",
    "kind",
    "client_id",
    "client_name",
    "issue_date",
    "due_date",
    "currency",
    "amount",
    "outstanding",
    "days_overdue",
    "last_status",
    "source",
];

fn io(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::Io, format!("cannot write the export: {e}"))
}

fn writer<W: Write>(out: W, columns: &[&str]) -> Result<csv::Writer<W>, ApiError> {
    // The header is written explicitly so that an empty export still says what its columns are.
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(out);
    w.write_record(columns).map_err(io)?;
    Ok(w)
}

fn row_err(e: csv::Error) -> StoreError {
    StoreError::Io { path: "export".into(), source: std::io::Error::other(e.to_string()) }
}

/// Writes every client with its open and overdue balances as of a date. Returns the row count.
pub fn export_clients_csv(dossier: &Dossier, as_of: NaiveDate, out: impl Write) -> Result<u64, ApiError> {
    let mut w = writer(out, &CLIENT_COLUMNS)?;
    let mut n = 0;
    queries::for_each_client(dossier, as_of, |row| {
        n += 1;
        w.serialize(row).map_err(row_err)
    })?;
    w.flush().map_err(io)?;
    Ok(n)
}

/// Writes every open item (invoices still due, unused credit notes) with its age as of a date.
pub fn export_open_items_csv(dossier: &Dossier, as_of: NaiveDate, out: impl Write) -> Result<u64, ApiError> {
    let mut w = writer(out, &OPEN_ITEM_COLUMNS)?;
    let mut n = 0;
    queries::for_each_open_item(dossier, as_of, |row| {
        n += 1;
        w.serialize(row).map_err(row_err)
    })?;
    w.flush().map_err(io)?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use encours_store::queries::{ClientRow, OpenItemRow};

    fn serde_header<T: serde::Serialize>(row: T) -> String {
        let mut w = csv::Writer::from_writer(vec![]);
        w.serialize(row).unwrap();
        let bytes = w.into_inner().unwrap();
        String::from_utf8(bytes).unwrap().lines().next().unwrap().to_owned()
    }

    #[test]
    fn the_written_headers_match_the_row_fields() {
        let client = ClientRow {
            id: 1,
            name: String::new(),
            siren: None,
            siret: None,
            vat: None,
            naf: None,
            segment: String::new(),
            owner: String::new(),
            postcode: String::new(),
            city: String::new(),
            currency: String::new(),
            open_balance: String::new(),
            overdue_balance: String::new(),
        };
        assert_eq!(serde_header(client), CLIENT_COLUMNS.join(","));
        let item = OpenItemRow {
            invoice_id: 1,
            number: String::new(),
            type_code: 380,
            kind: String::new(),
            client_id: 1,
            client_name: String::new(),
            issue_date: String::new(),
            due_date: String::new(),
            currency: String::new(),
            amount: String::new(),
            outstanding: String::new(),
            days_overdue: 0,
            last_status: None,
            source: String::new(),
        };
        assert_eq!(serde_header(item), OPEN_ITEM_COLUMNS.join(","));
    }
}
