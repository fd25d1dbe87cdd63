//! Rate tables as data: the ECB MRO rate and the French legal interest rate, read from small CSV
//! texts (the defaults ship in `assets/rates/`, compiled in with `include_str!`), so that a new rate
//! is a new line in a file, never a code change (legal-rules checklist 4: "keep it as data and
//! version it").
//!
//! Format, one table per text:
//! ```text
//! # comment lines start with '#', blank lines are ignored
//! effective_date,mro_percent            <- header: "effective_date" then one name per rate column
//! 2024-06-12,4.25                       <- a row: the date the values take effect, then the values
//! covered_until,2026-02-05              <- last day the table is known to be right (mandatory, last)
//! ```
//! A table is a step function: the values of a row hold from its date until the next row's date,
//! and the last row holds until `covered_until`. A date before the first row or after
//! `covered_until` has no rate: asking for it is an error naming the missing rate, never a silent 0
//! (legal-rules checklist 4: "Refuse to compute for a half-year with no row, rather than guessing").

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::{HalfYear, LegalError};

/// The ECB MRO table shipped with the application (legal-rules A.1.7).
const ECB_MRO_CSV: &str = include_str!("../../../../assets/rates/ecb_mro.csv");
/// The legal interest table shipped with the application (legal-rules A.1.8).
const LEGAL_INTEREST_CSV: &str = include_str!("../../../../assets/rates/legal_interest.csv");

/// Column of the ECB table.
pub const ECB_MRO_COLUMN: &str = "mro_percent";
/// Column of the legal interest table for professional creditors ("tous les autres cas").
pub const LEGAL_PROFESSIONAL_COLUMN: &str = "professional_percent";
/// Column of the legal interest table for creditors who are individuals acting outside a profession.
pub const LEGAL_INDIVIDUAL_COLUMN: &str = "individual_percent";

/// One row: the date its values take effect and one rate (in percent) per column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateRow {
    /// First day the values hold.
    pub effective: NaiveDate,
    /// One rate per column, in percent (4.50 means 4.50 %).
    pub percents: Vec<Decimal>,
}

/// A table of rates that change on given dates, with the last date it is known to be right.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateTable {
    columns: Vec<String>,
    rows: Vec<RateRow>,
    covered_until: NaiveDate,
}

impl RateTable {
    /// Parses a table from its CSV text (format in the module documentation). Errors carry the
    /// 1-based line number of the offending line.
    pub fn parse(text: &str) -> Result<RateTable, LegalError> {
        let err = |line: usize, message: String| LegalError::RateTableSyntax { line, message };
        let mut columns: Option<Vec<String>> = None;
        let mut rows: Vec<RateRow> = Vec::new();
        let mut covered_until: Option<(usize, NaiveDate)> = None;
        // A file saved by a spreadsheet may start with a byte-order mark; it is not part of the text.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = trimmed.split(',').map(str::trim).collect();
            let Some(header) = &columns else {
                if fields.first() != Some(&"effective_date") || fields.len() < 2 {
                    return Err(err(
                        line,
                        format!("expected the header 'effective_date,<rate column>…', found {trimmed:?}"),
                    ));
                }
                if let Some(empty) = fields.iter().position(|f| f.is_empty()) {
                    return Err(err(line, format!("column {} of the header has no name", empty + 1)));
                }
                columns = Some(fields.iter().skip(1).map(|f| (*f).to_owned()).collect());
                continue;
            };
            if covered_until.is_some() {
                return Err(err(line, "nothing may follow the covered_until line".to_owned()));
            }
            if fields.first() == Some(&"covered_until") {
                let date = match fields.as_slice() {
                    [_, date] => parse_date(date).map_err(|m| err(line, m))?,
                    _ => return Err(err(line, "expected 'covered_until,YYYY-MM-DD'".to_owned())),
                };
                if let Some(last) = rows.last() {
                    if date < last.effective {
                        return Err(err(
                            line,
                            format!("covered_until {date} is before the last row ({})", last.effective),
                        ));
                    }
                }
                covered_until = Some((line, date));
                continue;
            }
            if fields.len() != header.len() + 1 {
                return Err(err(
                    line,
                    format!(
                        "expected {} fields (date and {}), found {}",
                        header.len() + 1,
                        header.join(", "),
                        fields.len()
                    ),
                ));
            }
            let effective = parse_date(fields.first().copied().unwrap_or_default()).map_err(|m| err(line, m))?;
            if let Some(last) = rows.last() {
                if effective <= last.effective {
                    return Err(err(line, format!("dates must increase: {effective} is not after {}", last.effective)));
                }
            }
            let mut percents = Vec::with_capacity(header.len());
            for (name, value) in header.iter().zip(fields.iter().skip(1)) {
                let rate = Decimal::from_str_exact(value).map_err(|_| {
                    err(line, format!("{name}: {value:?} is not a decimal rate in percent (use a dot)"))
                })?;
                // A rate outside ±100 % is a typo (a rate written per mille, a missing dot), not a rate.
                if rate.abs() > Decimal::ONE_HUNDRED {
                    return Err(err(line, format!("{name}: {value} % is not a plausible annual rate")));
                }
                percents.push(rate);
            }
            rows.push(RateRow { effective, percents });
        }
        let last_line = text.lines().count().max(1);
        let Some(columns) = columns else {
            return Err(err(last_line, "no header line 'effective_date,<rate column>…'".to_owned()));
        };
        if rows.is_empty() {
            return Err(err(last_line, "the table has no rate row".to_owned()));
        }
        let Some((_, covered_until)) = covered_until else {
            return Err(err(last_line, "missing the final 'covered_until,YYYY-MM-DD' line".to_owned()));
        };
        Ok(RateTable { columns, rows, covered_until })
    }

    /// The ECB MRO table shipped in `assets/rates/ecb_mro.csv` (legal-rules A.1.7).
    pub fn ecb_default() -> RateTable {
        // The shipped file is checked by a unit test; an empty table would only make every lookup
        // fail with MissingRate, never produce a wrong figure.
        RateTable::parse(ECB_MRO_CSV).unwrap_or_else(|_| RateTable::empty(ECB_MRO_COLUMN))
    }

    /// The legal interest table shipped in `assets/rates/legal_interest.csv` (legal-rules A.1.8).
    pub fn legal_interest_default() -> RateTable {
        RateTable::parse(LEGAL_INTEREST_CSV).unwrap_or_else(|_| RateTable::empty(LEGAL_PROFESSIONAL_COLUMN))
    }

    fn empty(column: &str) -> RateTable {
        RateTable { columns: vec![column.to_owned()], rows: Vec::new(), covered_until: NaiveDate::MIN }
    }

    /// The rate columns, in file order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The rows, in date order.
    pub fn rows(&self) -> &[RateRow] {
        &self.rows
    }

    /// The last day the table is known to be right.
    pub fn covered_until(&self) -> NaiveDate {
        self.covered_until
    }

    /// The first day the table has a rate for, if it has any row.
    pub fn covered_from(&self) -> Option<NaiveDate> {
        self.rows.first().map(|r| r.effective)
    }

    /// True when the table has the column.
    pub fn has_column(&self, column: &str) -> bool {
        self.columns.iter().any(|c| c == column)
    }

    /// The rate of `column` in force on `date`, in percent: the last row on or before the date.
    /// An error naming the column and the date when the date is outside the table's coverage.
    pub fn rate_on(&self, column: &str, date: NaiveDate) -> Result<Decimal, LegalError> {
        let index = self
            .columns
            .iter()
            .position(|c| c == column)
            .ok_or_else(|| LegalError::UnknownRateColumn { column: column.to_owned() })?;
        let missing = || LegalError::MissingRate {
            column: column.to_owned(),
            date,
            covered_from: self.covered_from(),
            covered_until: self.covered_until,
        };
        if date > self.covered_until {
            return Err(missing());
        }
        let row = self.rows.iter().rev().find(|r| r.effective <= date).ok_or_else(missing)?;
        row.percents.get(index).copied().ok_or_else(missing)
    }
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| format!("{text:?} is not a date YYYY-MM-DD"))
}

/// The two tables the late-payment math needs, checked to have the columns it reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegalRates {
    ecb: RateTable,
    legal: RateTable,
}

impl LegalRates {
    /// Pairs an ECB MRO table (column `mro_percent`) with a legal interest table (columns
    /// `professional_percent` and `individual_percent`, rows starting on 1 January or 1 July, since
    /// the legal rate is fixed per half-year: Code monétaire et financier L313-2, legal-rules A.1.8).
    pub fn new(ecb: RateTable, legal: RateTable) -> Result<LegalRates, LegalError> {
        if !ecb.has_column(ECB_MRO_COLUMN) {
            return Err(LegalError::UnknownRateColumn { column: ECB_MRO_COLUMN.to_owned() });
        }
        for column in [LEGAL_PROFESSIONAL_COLUMN, LEGAL_INDIVIDUAL_COLUMN] {
            if !legal.has_column(column) {
                return Err(LegalError::UnknownRateColumn { column: column.to_owned() });
            }
        }
        if let Some(row) = legal.rows.iter().find(|r| r.effective.day() != 1 || ![1, 7].contains(&r.effective.month()))
        {
            return Err(LegalError::NotAHalfYearStart { date: row.effective });
        }
        Ok(LegalRates { ecb, legal })
    }

    /// The tables shipped with the application.
    pub fn defaults() -> LegalRates {
        LegalRates { ecb: RateTable::ecb_default(), legal: RateTable::legal_interest_default() }
    }

    /// The ECB MRO table.
    pub fn ecb(&self) -> &RateTable {
        &self.ecb
    }

    /// The legal interest table.
    pub fn legal(&self) -> &RateTable {
        &self.legal
    }

    /// The ECB MRO rate in force on the first day of the half-year, in percent (1 January for H1,
    /// 1 July for H2: L441-10 II, legal-rules A.1.6).
    pub fn ecb_mro(&self, half_year: HalfYear) -> Result<Decimal, LegalError> {
        self.ecb.rate_on(ECB_MRO_COLUMN, half_year.start())
    }

    /// The default L441-10 rate of the half-year: ECB MRO on its first day + 10 points.
    pub fn default_penalty_rate(&self, half_year: HalfYear) -> Result<Decimal, LegalError> {
        Ok(self.ecb_mro(half_year)? + Decimal::TEN)
    }

    /// The legal interest rate of the half-year, in percent, for the creditor's kind.
    pub fn legal_rate(&self, half_year: HalfYear, creditor: CreditorKind) -> Result<Decimal, LegalError> {
        let column = match creditor {
            CreditorKind::Professional => LEGAL_PROFESSIONAL_COLUMN,
            CreditorKind::Individual => LEGAL_INDIVIDUAL_COLUMN,
        };
        // The legal rate is fixed for the whole half-year, so the half-year's last day must be
        // covered too: a table ending mid-half-year does not cover it.
        self.legal.rate_on(column, half_year.end())?;
        self.legal.rate_on(column, half_year.start())
    }

    /// The floor of a contractual penalty rate: three times the professional legal rate of the
    /// half-year (L441-10 II, legal-rules A.1.8 and checklist 4).
    pub fn contractual_floor(&self, half_year: HalfYear) -> Result<Decimal, LegalError> {
        Ok(self.legal_rate(half_year, CreditorKind::Professional)? * Decimal::from(3))
    }
}

/// Whose legal interest rate applies: the rate depends on the creditor (legal-rules A.1.8 and
/// checklist 7). The user of this software, a company, is a professional creditor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditorKind {
    /// "Tous les autres cas": every creditor that is not an individual acting outside a profession.
    Professional,
    /// An individual (personne physique) not acting for professional needs.
    Individual,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_shipped_tables_parse() {
        // ecb_default() falls back to an empty table on a parse error: prove it does not here.
        let ecb = RateTable::parse(ECB_MRO_CSV).expect("assets/rates/ecb_mro.csv");
        assert_eq!(ecb.rows().len(), 9, "the nine MRO changes of legal-rules A.1.7");
        assert_eq!(ecb.covered_until(), d(2026, 2, 5));
        let legal = RateTable::parse(LEGAL_INTEREST_CSV).expect("assets/rates/legal_interest.csv");
        assert_eq!(legal.rows().len(), 5, "H1 2024 to H1 2026, legal-rules A.1.8");
        assert_eq!(legal.columns(), [LEGAL_PROFESSIONAL_COLUMN, LEGAL_INDIVIDUAL_COLUMN]);
        assert!(LegalRates::new(ecb, legal).is_ok());
    }

    #[test]
    fn a_rate_is_the_last_change_on_or_before_the_date() {
        let ecb = RateTable::ecb_default();
        assert_eq!(ecb.rate_on(ECB_MRO_COLUMN, d(2024, 6, 11)).unwrap(), dec!(4.50));
        assert_eq!(ecb.rate_on(ECB_MRO_COLUMN, d(2024, 6, 12)).unwrap(), dec!(4.25), "in force on its effective day");
        assert_eq!(ecb.rate_on(ECB_MRO_COLUMN, d(2026, 2, 5)).unwrap(), dec!(2.15));
    }

    #[test]
    fn outside_the_coverage_is_an_error_naming_the_rate() {
        let ecb = RateTable::ecb_default();
        let after = ecb.rate_on(ECB_MRO_COLUMN, d(2026, 7, 1)).unwrap_err();
        assert_eq!(
            after,
            LegalError::MissingRate {
                column: ECB_MRO_COLUMN.to_owned(),
                date: d(2026, 7, 1),
                covered_from: Some(d(2023, 9, 20)),
                covered_until: d(2026, 2, 5),
            }
        );
        let message = after.to_string();
        assert!(message.contains("mro_percent") && message.contains("2026-07-01"), "{message}");
        assert!(matches!(ecb.rate_on(ECB_MRO_COLUMN, d(2023, 9, 19)), Err(LegalError::MissingRate { .. })));
        assert!(matches!(ecb.rate_on("nope", d(2024, 1, 1)), Err(LegalError::UnknownRateColumn { .. })));
    }

    #[test]
    fn syntax_errors_give_the_line() {
        let line_of = |text: &str| match RateTable::parse(text) {
            Err(LegalError::RateTableSyntax { line, .. }) => line,
            other => panic!("expected a syntax error, got {other:?}"),
        };
        let header = "# comment\neffective_date,mro_percent\n";
        assert_eq!(line_of("2024-01-01,4.5\n"), 1, "a row before the header");
        assert_eq!(line_of(&format!("{header}2024-01-01,4,5\ncovered_until,2024-12-31\n")), 3, "a comma decimal");
        assert_eq!(line_of(&format!("{header}2024-13-01,4.5\ncovered_until,2024-12-31\n")), 3, "month 13");
        assert_eq!(line_of(&format!("{header}2024-01-01,abc\ncovered_until,2024-12-31\n")), 3, "not a number");
        assert_eq!(line_of(&format!("{header}2024-01-01,450\ncovered_until,2024-12-31\n")), 3, "450 %");
        assert_eq!(line_of(&format!("{header}2024-02-01,4.5\n\n2024-01-01,4\ncovered_until,2024-12-31\n")), 5);
        assert_eq!(line_of(&format!("{header}2024-01-01,4.5\n")), 3, "no covered_until");
        assert_eq!(line_of(&format!("{header}2024-01-01,4.5\ncovered_until,2023-12-31\n")), 4);
        assert_eq!(line_of(&format!("{header}2024-01-01,4.5\ncovered_until,2024-12-31\n2025-01-01,4\n")), 5);
        assert_eq!(line_of("# only a comment\n"), 1, "no header");
        assert_eq!(line_of(&format!("{header}covered_until,2024-12-31\n")), 3, "no row");
    }

    #[test]
    fn a_file_saved_by_a_spreadsheet_parses() {
        let table =
            RateTable::parse("\u{feff}effective_date,mro_percent\r\n2024-06-12, 4.25 \r\ncovered_until,2024-12-31\r\n")
                .unwrap();
        assert_eq!(table.rate_on(ECB_MRO_COLUMN, d(2024, 12, 31)).unwrap(), dec!(4.25));
    }

    #[test]
    fn a_legal_table_must_be_set_per_half_year() {
        let legal = RateTable::parse(
            "effective_date,professional_percent,individual_percent\n2024-02-01,5,8\ncovered_until,2024-06-30\n",
        )
        .unwrap();
        assert_eq!(
            LegalRates::new(RateTable::ecb_default(), legal),
            Err(LegalError::NotAHalfYearStart { date: d(2024, 2, 1) })
        );
        assert!(matches!(
            LegalRates::new(RateTable::legal_interest_default(), RateTable::legal_interest_default()),
            Err(LegalError::UnknownRateColumn { .. })
        ));
    }

    #[test]
    fn a_half_year_not_covered_to_its_end_has_no_legal_rate() {
        let legal = RateTable::parse(
            "effective_date,professional_percent,individual_percent\n2024-01-01,5.07,8.01\ncovered_until,2024-03-31\n",
        )
        .unwrap();
        let rates = LegalRates::new(RateTable::ecb_default(), legal).unwrap();
        let h1 = HalfYear { year: 2024, half: 1 };
        assert!(matches!(rates.legal_rate(h1, CreditorKind::Professional), Err(LegalError::MissingRate { .. })));
    }
}
