//! Every analytics table to CSV and XLSX. A report is a list of named tables; CSV writes one table
//! (UTF-8, comma-separated, header row, amounts as decimal strings with a dot, like the other
//! exports), XLSX writes a workbook with one sheet per table, amounts as numbers with two decimals.

use std::io::Write;
use std::path::Path;

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook};

use super::dto::*;
use crate::error::{ApiError, ErrorCode};

/// One cell of a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    /// Text (names, dates, labels).
    Text(String),
    /// An amount or a ratio, written as a number in XLSX.
    Number(Decimal),
    /// A count or an id.
    Integer(i64),
    /// Nothing (a figure not available).
    Empty,
}

/// A named table of a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// Short name, used as the sheet name and the CSV file suffix (`aging-by-client`).
    pub name: String,
    /// Column headers.
    pub columns: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<Cell>>,
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

/// A decimal string of a DTO as a number cell (DTO strings are always valid decimals).
fn num(s: &str) -> Cell {
    s.parse::<Decimal>().map(Cell::Number).unwrap_or_else(|_| Cell::Text(s.to_owned()))
}

fn opt(s: &Option<String>) -> Cell {
    s.as_deref().map(num).unwrap_or(Cell::Empty)
}

fn int(n: impl TryInto<i64>) -> Cell {
    n.try_into().map(Cell::Integer).unwrap_or(Cell::Empty)
}

fn columns(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// The tables of an aged balance (one grouping).
pub fn aging_table(t: &AgingTableView, name: &str) -> Table {
    let mut cols = vec!["key".to_owned(), "label".to_owned(), "items".to_owned()];
    cols.extend(t.buckets.iter().map(|b| b.label.clone()));
    cols.extend(["total", "overdue", "overdue_percent", "average_age_days"].map(str::to_owned));
    let row = |r: &AgingRowView| {
        let mut v = vec![text(&r.key), text(&r.label), int(r.items)];
        v.extend(r.buckets.iter().map(|b| num(b)));
        v.extend([num(&r.total), num(&r.overdue), opt(&r.overdue_percent), opt(&r.average_age_days)]);
        v
    };
    let mut rows: Vec<Vec<Cell>> = t.rows.iter().map(row).collect();
    rows.push(row(&t.total));
    let mut tail = vec![text("unapplied_cash"), text("Encaissements non lettrés"), Cell::Empty];
    tail.extend(t.buckets.iter().map(|_| Cell::Empty));
    tail.extend([num(&format!("-{}", t.unapplied_cash)), Cell::Empty, Cell::Empty, Cell::Empty]);
    rows.push(tail);
    Table { name: name.to_owned(), columns: cols, rows }
}

/// The aged balance report: by client, segment, sector, owner.
pub fn aging_tables(r: &AgingReportView) -> Vec<Table> {
    vec![
        aging_table(&r.by_client, "aging-by-client"),
        aging_table(&r.by_segment, "aging-by-segment"),
        aging_table(&r.by_sector, "aging-by-sector"),
        aging_table(&r.by_owner, "aging-by-owner"),
    ]
}

fn key_figures_table(k: &KeyFiguresView) -> Table {
    let rows = [
        ("net_balance", num(&k.net_balance)),
        ("open_items_total", num(&k.open_items_total)),
        ("overdue", num(&k.overdue)),
        ("overdue_percent", opt(&k.overdue_percent)),
        ("overdue_count_percent", opt(&k.overdue_count_percent)),
        ("period_days", int(k.period_days)),
        ("dso_countback", opt(&k.dso_countback)),
        ("dso_simple", opt(&k.dso_simple)),
        ("best_possible_dso", opt(&k.best_possible_dso)),
        ("overdue_dso", opt(&k.overdue_dso)),
        ("average_days_delinquent", opt(&k.average_days_delinquent)),
        ("cei_percent", opt(&k.cei_percent)),
        ("bad_debt_percent", opt(&k.bad_debt_percent)),
        ("dispute_resolution_days", opt(&k.dispute_resolution_days)),
        ("disputed", num(&k.disputed)),
        ("promise_kept_percent", opt(&k.promise_kept_percent)),
        ("cash_collected", num(&k.cash_collected)),
        ("average_age_days", opt(&k.average_age_days)),
        ("automatic_reminder_percent", opt(&k.automatic_reminder_percent)),
    ];
    Table {
        name: "key-figures".to_owned(),
        columns: columns(&["figure", "value"]),
        rows: rows.into_iter().map(|(k, v)| vec![text(k), v]).collect(),
    }
}

fn groups_table(name: &str, value: &str, g: &[GroupFigureView]) -> Table {
    Table {
        name: name.to_owned(),
        columns: columns(&["key", "label", value]),
        rows: g.iter().map(|g| vec![text(&g.key), text(&g.label), num(&g.value)]).collect(),
    }
}

/// The DSO report: the monthly series, the key figures and the breakdowns.
pub fn dso_tables(r: &DsoReportView) -> Vec<Table> {
    let series = Table {
        name: "dso-by-month".to_owned(),
        columns: columns(&[
            "month",
            "at",
            "receivables",
            "not_due",
            "sales",
            "cash_collected",
            "dso_countback",
            "dso_simple",
            "best_possible_dso",
            "overdue_dso",
            "overdue_percent",
        ]),
        rows: r
            .months
            .iter()
            .map(|p| {
                vec![
                    text(&p.month),
                    text(&p.at),
                    num(&p.receivables),
                    num(&p.not_due),
                    num(&p.sales),
                    num(&p.cash_collected),
                    opt(&p.dso_countback),
                    opt(&p.dso_simple),
                    opt(&p.best_possible_dso),
                    opt(&p.overdue_dso),
                    opt(&p.overdue_percent),
                ]
            })
            .collect(),
    };
    vec![
        series,
        key_figures_table(&r.key_figures),
        groups_table("cash-by-segment", "cash_collected", &r.cash_by_segment),
        groups_table("age-by-owner", "average_age_days", &r.average_age_by_owner),
        groups_table("age-by-sector", "average_age_days", &r.average_age_by_sector),
    ]
}

/// The forecast: one row per week, then the amounts not in a week.
pub fn forecast_tables(f: &ForecastView) -> Vec<Table> {
    let mut rows: Vec<Vec<Cell>> = f
        .weeks
        .iter()
        .map(|w| {
            vec![
                int(w.week),
                text(&w.starts),
                text(&w.ends),
                num(&w.expected),
                num(&w.promised),
                num(&w.from_overdue),
                int(w.items),
            ]
        })
        .collect();
    for (label, amount) in [
        ("total", &f.total_expected),
        ("beyond_horizon", &f.beyond_horizon),
        ("held_in_dispute", &f.held_in_dispute),
        ("not_expected", &f.not_expected),
        ("credits", &f.credits),
    ] {
        rows.push(vec![Cell::Empty, text(label), Cell::Empty, num(amount), Cell::Empty, Cell::Empty, Cell::Empty]);
    }
    vec![Table {
        name: "forecast".to_owned(),
        columns: columns(&["week", "starts", "ends", "expected", "promised", "from_overdue", "items"]),
        rows,
    }]
}

/// The compliance report: the late-receivables table, terms over the ceilings, doubtful
/// receivables, irrecoverable VAT.
pub fn compliance_tables(c: &ComplianceReportView) -> Vec<Table> {
    let l = &c.late_receivables;
    let mut late_rows: Vec<Vec<Cell>> = l
        .columns
        .iter()
        .map(|col| vec![text(&col.label), int(col.invoices), num(&col.amount), opt(&col.percent_of_sales)])
        .collect();
    late_rows.push(vec![
        text("(B) Factures exclues : litiges"),
        int(l.excluded_disputed_invoices),
        num(&l.excluded_disputed_amount),
        Cell::Empty,
    ]);
    late_rows.push(vec![text("Chiffre d'affaires TTC de l'exercice"), Cell::Empty, num(&l.sales), Cell::Empty]);
    late_rows.push(vec![text(format!("(C) {}", l.reference_terms)), Cell::Empty, Cell::Empty, Cell::Empty]);
    let late = Table {
        name: "late-receivables".to_owned(),
        columns: columns(&["tranche", "invoices", "amount_incl_tax", "percent_of_sales"]),
        rows: late_rows,
    };
    let terms = Table {
        name: "terms-over-ceiling".to_owned(),
        columns: columns(&[
            "invoice_id",
            "number",
            "client_id",
            "client_name",
            "issue_date",
            "due_date",
            "days_granted",
            "latest_legal_due_date",
            "days_over",
            "amount",
        ]),
        rows: c
            .terms_violations
            .iter()
            .map(|v| {
                vec![
                    int(v.invoice_id),
                    text(&v.number),
                    int(v.client_id),
                    text(&v.client_name),
                    text(&v.issue_date),
                    text(&v.due_date),
                    int(v.days_granted),
                    text(&v.latest_legal_due_date),
                    int(v.days_over),
                    num(&v.amount),
                ]
            })
            .collect(),
    };
    let doubtful = Table {
        name: "doubtful-416-491".to_owned(),
        columns: columns(&[
            "invoice_id",
            "number",
            "client_id",
            "client_name",
            "issue_date",
            "due_date",
            "days_overdue",
            "reason",
            "open_incl_tax",
            "open_excl_tax",
            "rate_percent",
            "impairment",
        ]),
        rows: c
            .doubtful
            .iter()
            .map(|p| {
                vec![
                    int(p.invoice_id),
                    text(&p.number),
                    int(p.client_id),
                    text(&p.client_name),
                    text(&p.issue_date),
                    text(&p.due_date),
                    int(p.days_overdue),
                    text(match p.reason {
                        DoubtfulReason::Age => "age",
                        DoubtfulReason::Dispute => "dispute",
                        DoubtfulReason::Insolvency => "insolvency",
                    }),
                    num(&p.open_incl_tax),
                    num(&p.open_excl_tax),
                    num(&p.rate_percent),
                    num(&p.impairment),
                ]
            })
            .collect(),
    };
    let vat = Table {
        name: "irrecoverable-vat".to_owned(),
        columns: columns(&[
            "invoice_id",
            "number",
            "client_id",
            "client_name",
            "issue_date",
            "open_excl_tax",
            "vat",
            "event",
            "vat_on_debits",
        ]),
        rows: c
            .irrecoverable
            .iter()
            .map(|i| {
                vec![
                    int(i.invoice_id),
                    text(&i.number),
                    int(i.client_id),
                    text(&i.client_name),
                    text(&i.issue_date),
                    num(&i.open_excl_tax),
                    num(&i.vat),
                    text(&i.event),
                    text(if i.vat_on_debits { "yes" } else { "no" }),
                ]
            })
            .collect(),
    };
    vec![late, terms, doubtful, vat]
}

fn io(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::Io, format!("cannot write the report: {e}"))
}

/// Writes one table as CSV.
pub fn write_csv(t: &Table, out: impl Write) -> Result<(), ApiError> {
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(out);
    w.write_record(&t.columns).map_err(io)?;
    for r in &t.rows {
        w.write_record(r.iter().map(|c| match c {
            Cell::Text(s) => s.clone(),
            Cell::Number(d) => d.to_string(),
            Cell::Integer(n) => n.to_string(),
            Cell::Empty => String::new(),
        }))
        .map_err(io)?;
    }
    w.flush().map_err(io)
}

/// Writes the tables as an XLSX workbook, one sheet per table, to `path` (through a temporary
/// file renamed into place, so that a failure never leaves half a workbook).
pub fn write_xlsx(tables: &[Table], path: &Path) -> Result<(), ApiError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let amount = Format::new().set_num_format("#,##0.00");
    let xl = |e: rust_xlsxwriter::XlsxError| io(format!("{}: {e}", path.display()));
    for t in tables {
        let sheet = book.add_worksheet();
        // Sheet names: at most 31 characters.
        sheet.set_name(t.name.chars().take(31).collect::<String>()).map_err(xl)?;
        for (c, h) in t.columns.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, h, &bold).map_err(xl)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|_| io("too many rows for a sheet"))?;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) => {
                        sheet.write_string(r, c, s).map_err(xl)?;
                    }
                    Cell::Number(d) => {
                        sheet.write_with_format(r, c, *d, &amount).map_err(xl)?;
                    }
                    Cell::Integer(n) => {
                        sheet.write(r, c, *n).map_err(xl)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(xl)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".part");
    let tmp = std::path::PathBuf::from(tmp);
    book.save(&tmp).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        xl(e)
    })?;
    std::fs::rename(&tmp, path).map_err(|e| io(format!("{}: {e}", path.display())))
}

/// Writes each table to CSV: the first to `path`, the others beside it as `<stem>-<table>.csv`;
/// each through a temporary file renamed into place. Returns the files written.
pub fn write_csv_files(tables: &[Table], path: &Path) -> Result<Vec<std::path::PathBuf>, ApiError> {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "report".to_owned());
    let mut written = Vec::new();
    for (k, t) in tables.iter().enumerate() {
        let target = if k == 0 { path.to_owned() } else { path.with_file_name(format!("{stem}-{}.csv", t.name)) };
        let mut tmp = target.as_os_str().to_owned();
        tmp.push(".part");
        let tmp = std::path::PathBuf::from(tmp);
        let fail = |e: &dyn std::fmt::Display| io(format!("{}: {e}", target.display()));
        let file = std::fs::File::create(&tmp).map_err(|e| fail(&e))?;
        let result = write_csv(t, std::io::BufWriter::new(file));
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        std::fs::rename(&tmp, &target).map_err(|e| fail(&e))?;
        written.push(target);
    }
    Ok(written)
}

/// The tables as aligned plain text for a terminal, each under its name.
pub fn plain_text(tables: &[Table]) -> String {
    let mut out = String::new();
    for t in tables {
        let cells: Vec<Vec<String>> = std::iter::once(t.columns.clone())
            .chain(t.rows.iter().map(|r| {
                r.iter()
                    .map(|c| match c {
                        Cell::Text(s) => s.clone(),
                        Cell::Number(d) => d.to_string(),
                        Cell::Integer(n) => n.to_string(),
                        Cell::Empty => "-".to_owned(),
                    })
                    .collect()
            }))
            .collect();
        let width = |col: usize| cells.iter().filter_map(|r| r.get(col)).map(|s| s.chars().count()).max().unwrap_or(0);
        let widths: Vec<usize> = (0..t.columns.len()).map(width).collect();
        out.push_str(&format!("== {} ==\n", t.name));
        for row in &cells {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(s, w)| format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count()))))
                .collect();
            out.push_str(line.join("  ").trim_end());
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_writes_the_header_and_exact_decimals() {
        let t = Table {
            name: "t".to_owned(),
            columns: columns(&["a", "b", "c", "d"]),
            rows: vec![vec![text("x,y"), num("1234.50"), int(7), Cell::Empty]],
        };
        let mut out = Vec::new();
        write_csv(&t, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "a,b,c,d\n\"x,y\",1234.50,7,\n");
    }
}
