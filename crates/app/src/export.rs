//! Exports to open formats.
//!
//! - `export_clients_csv` / `export_open_items_csv`: CSV (UTF-8, comma-separated, header row,
//!   amounts as decimal strings with a dot), the format accounting tools import without surprises.
//! - [`export_all`] (issue 12 §2, reversibility): every record of the dossier a user may want to
//!   take elsewhere — clients, invoices with their lifecycle state, lifecycle statuses, payments,
//!   allocations, disputes and their events, promises, dunning actions, calls, the audit journal —
//!   as CSV (UTF-8 with a byte-order mark, `;` separator, header row: what French Excel opens
//!   directly), JSON (one array of objects per table) or XLSX (one sheet per table). Amounts are
//!   decimal strings beside their currency column, never floats (in XLSX too: text cells); dates are
//!   ISO. Every file is written under a temporary name and renamed into place.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use encours_store::rgpd::{self, Cell, ExportTable};
use encours_store::{queries, Dossier, StoreError};
use serde::Serialize;
use ts_rs::TS;

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

/// The open formats of [`export_all`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// One `<table>.csv` per table: UTF-8 with BOM, `;`, header row.
    Csv,
    /// One `<table>.json` per table: an array of objects.
    Json,
    /// One `encours-export.xlsx`, a sheet per table.
    Xlsx,
}

impl std::str::FromStr for ExportFormat {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<Self, ApiError> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(ExportFormat::Csv),
            "json" => Ok(ExportFormat::Json),
            "xlsx" => Ok(ExportFormat::Xlsx),
            other => Err(ApiError::invalid(format!("export format {other:?}: csv, json or xlsx"))),
        }
    }
}

/// What [`export_all`] wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ExportAllReport {
    /// The files written.
    pub files: Vec<String>,
    /// Rows per table, in export order.
    #[ts(type = "Array<[string, number]>")]
    pub rows: Vec<(String, u64)>,
}

fn part(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".part");
    PathBuf::from(p)
}

/// Creates `path` through a temporary file: `fill` writes it, then it is synced and renamed into
/// place; on failure nothing is left.
pub(crate) fn write_file_atomically<T>(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<fs::File>) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let io_err = |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("{}: {e}", path.display()));
    let tmp = part(path);
    let file = fs::File::create(&tmp).map_err(io_err)?;
    let mut buf = std::io::BufWriter::new(file);
    let result = fill(&mut buf).and_then(|v| {
        buf.flush().map_err(io_err)?;
        buf.get_ref().sync_all().map_err(io_err)?;
        Ok(v)
    });
    drop(buf);
    match result {
        Ok(v) => {
            fs::rename(&tmp, path).map_err(io_err)?;
            Ok(v)
        }
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn store_io(e: impl std::fmt::Display) -> StoreError {
    StoreError::Io { path: "export".into(), source: std::io::Error::other(e.to_string()) }
}

/// A cell as JSON: identifiers and codes as numbers, amounts as decimal strings, text as strings.
pub(crate) fn cell_json(c: &Cell) -> serde_json::Value {
    match c {
        Cell::Null => serde_json::Value::Null,
        Cell::Integer(i) => serde_json::Value::from(*i),
        Cell::Text(t) => serde_json::Value::from(t.as_str()),
        Cell::Amount(d) => serde_json::Value::from(d.to_string()),
    }
}

/// Writes one table's rows (all, or one client's) as a JSON array of objects.
pub(crate) fn write_table_json(
    dossier: &Dossier,
    table: ExportTable,
    client: Option<i64>,
    out: &mut impl Write,
) -> Result<u64, ApiError> {
    let names = rgpd::columns(dossier, table)?;
    let mut first = true;
    out.write_all(b"[").map_err(io)?;
    let n = rgpd::for_each_row(dossier, table, client, |row| {
        let object: serde_json::Map<String, serde_json::Value> =
            names.iter().cloned().zip(row.iter().map(cell_json)).collect();
        if !first {
            out.write_all(b",").map_err(store_io)?;
        }
        first = false;
        out.write_all(b"\n").map_err(store_io)?;
        serde_json::to_writer(&mut *out, &object).map_err(store_io)?;
        Ok(())
    })?;
    out.write_all(b"\n]\n").map_err(io)?;
    Ok(n)
}

/// Writes every table of the reversibility export into `dir` (created if needed) in `format`
/// (see the module documentation). Returns the files and the rows per table.
pub fn export_all(dossier: &Dossier, format: ExportFormat, dir: &Path) -> Result<ExportAllReport, ApiError> {
    fs::create_dir_all(dir)
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("{}: cannot create the folder: {e}", dir.display())))?;
    let mut report = ExportAllReport { files: Vec::new(), rows: Vec::new() };
    match format {
        ExportFormat::Csv => {
            for table in ExportTable::ALL {
                let path = dir.join(format!("{}.csv", table.name()));
                let n = write_file_atomically(&path, |f| {
                    // The BOM makes Excel read UTF-8; `;` is the separator of French-locale Excel.
                    f.write_all("\u{feff}".as_bytes()).map_err(io)?;
                    let mut w = csv::WriterBuilder::new().delimiter(b';').has_headers(false).from_writer(f);
                    w.write_record(rgpd::columns(dossier, table)?).map_err(io)?;
                    let n = rgpd::for_each_row(dossier, table, None, |row| {
                        w.write_record(row.iter().map(|c| c.to_string())).map_err(row_err)
                    })?;
                    w.flush().map_err(io)?;
                    Ok(n)
                })?;
                report.files.push(path.display().to_string());
                report.rows.push((table.name().to_owned(), n));
            }
        }
        ExportFormat::Json => {
            for table in ExportTable::ALL {
                let path = dir.join(format!("{}.json", table.name()));
                let n = write_file_atomically(&path, |f| write_table_json(dossier, table, None, f))?;
                report.files.push(path.display().to_string());
                report.rows.push((table.name().to_owned(), n));
            }
        }
        ExportFormat::Xlsx => {
            let path = dir.join("encours-export.xlsx");
            report.rows = write_xlsx_all(dossier, &path)?;
            report.files.push(path.display().to_string());
        }
    }
    Ok(report)
}

/// Rows of a sheet after its header (Excel's limit is 1,048,576 rows): a longer table continues on
/// sheets named `<table> 2`, `<table> 3`…
const XLSX_ROWS_PER_SHEET: u32 = 1_048_575;

/// The workbook is built in memory (the workspace's rust_xlsxwriter is built without its
/// `constant_memory` feature): measured ≈ 1 GB peak for a 100,000-invoice demo dossier, so beyond
/// this many cells (≈ 60,000 invoices with their payments and statuses) XLSX is refused with a
/// message pointing to CSV or JSON, which stream in bounded memory.
const XLSX_MAX_CELLS: u64 = 3_000_000;

fn write_xlsx_all(dossier: &Dossier, path: &Path) -> Result<Vec<(String, u64)>, ApiError> {
    use rust_xlsxwriter::{Format, Workbook, Worksheet};
    let xl = |e: rust_xlsxwriter::XlsxError| ApiError::new(ErrorCode::Io, format!("{}: {e}", path.display()));
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let mut rows = Vec::new();
    let mut cells = 0u64;
    for table in ExportTable::ALL {
        let header = rgpd::columns(dossier, table)?;
        let new_sheet = |n: usize| -> Result<Worksheet, rust_xlsxwriter::XlsxError> {
            let mut sheet = Worksheet::new();
            let name = if n == 1 { table.name().to_owned() } else { format!("{} {n}", table.name()) };
            sheet.set_name(name.chars().take(31).collect::<String>())?;
            for (c, h) in header.iter().enumerate() {
                sheet.write_string_with_format(0, c as u16, h, &bold)?;
            }
            sheet.set_freeze_panes(1, 0)?;
            Ok(sheet)
        };
        let mut sheets: Vec<Worksheet> = vec![new_sheet(1).map_err(xl)?];
        let mut r = 0u32;
        let n = rgpd::for_each_row(dossier, table, None, |row| {
            cells += row.len() as u64;
            if cells > XLSX_MAX_CELLS {
                return Err(store_io(format!(
                    "more than {XLSX_MAX_CELLS} cells: too large for an XLSX workbook built in memory; \
                     export as CSV or JSON instead"
                )));
            }
            if r == XLSX_ROWS_PER_SHEET {
                sheets.push(new_sheet(sheets.len() + 1).map_err(store_io)?);
                r = 0;
            }
            r += 1;
            let Some(sheet) = sheets.last_mut() else { return Ok(()) };
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Null => {}
                    Cell::Integer(i) => {
                        sheet.write_string(r, c, i.to_string()).map_err(store_io)?;
                    }
                    // Amounts stay exact decimal text (a number cell would be a binary float).
                    Cell::Amount(d) => {
                        sheet.write_string(r, c, d.to_string()).map_err(store_io)?;
                    }
                    Cell::Text(t) => {
                        sheet.write_string(r, c, t).map_err(store_io)?;
                    }
                }
            }
            Ok(())
        })?;
        for sheet in sheets {
            book.push_worksheet(sheet);
        }
        rows.push((table.name().to_owned(), n));
    }
    let tmp = part(path);
    book.save(&tmp).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        xl(e)
    })?;
    fs::File::open(&tmp).and_then(|f| f.sync_all()).map_err(|e| ApiError::new(ErrorCode::Io, e.to_string()))?;
    fs::rename(&tmp, path).map_err(|e| ApiError::new(ErrorCode::Io, format!("{}: {e}", path.display())))?;
    Ok(rows)
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
