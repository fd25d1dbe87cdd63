//! Reading the flat file: encoding, line ends, header, zones (open-data §1.3, §1.6).

use crate::limits::{MAX_FEC_FILE_BYTES, MAX_FEC_LINES, MAX_FEC_LINE_BYTES};
use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use encours_domain::{Currency, Money, Siren, Source};

use super::zones::{self, normalised_name};
use super::{
    AmountColumns, Diagnostic, FecError, FecFile, FecLine, FecVariant, Level, LineEnding, Separator, TextEncoding,
};

const BOM: &[u8] = b"\xEF\xBB\xBF";
/// Findings kept per rule; beyond, they are counted in one closing diagnostic (a broken file of
/// a million lines must not give a million diagnostics).
const PER_RULE: usize = 20;
/// Bytes of the first line looked at by [`looks_like_fec`].
const SNIFF: usize = 4096;

/// The columns the reader knows (A47 A-1 VII 1°, VII 2°, VIII; the DGFiP validator's names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Col {
    JournalCode,
    JournalLib,
    EcritureNum,
    EcritureDate,
    CompteNum,
    CompteLib,
    CompAuxNum,
    CompAuxLib,
    PieceRef,
    PieceDate,
    EcritureLib,
    Debit,
    Credit,
    EcritureLet,
    DateLet,
    ValidDate,
    MontantDevise,
    Idevise,
    DateRglt,
    ModeRglt,
    NatOp,
    IdClient,
    Montant,
    Sens,
}

/// Normalised header name → column.
const NAMES: &[(&str, Col)] = &[
    ("journalcode", Col::JournalCode),
    ("journallib", Col::JournalLib),
    ("ecriturenum", Col::EcritureNum),
    ("ecrituredate", Col::EcritureDate),
    ("comptenum", Col::CompteNum),
    ("comptelib", Col::CompteLib),
    ("compauxnum", Col::CompAuxNum),
    ("compauxlib", Col::CompAuxLib),
    ("pieceref", Col::PieceRef),
    ("piecedate", Col::PieceDate),
    ("ecriturelib", Col::EcritureLib),
    ("debit", Col::Debit),
    ("credit", Col::Credit),
    ("ecriturelet", Col::EcritureLet),
    ("datelet", Col::DateLet),
    ("validdate", Col::ValidDate),
    ("montantdevise", Col::MontantDevise),
    ("idevise", Col::Idevise),
    ("daterglt", Col::DateRglt),
    ("moderglt", Col::ModeRglt),
    ("natop", Col::NatOp),
    ("idclient", Col::IdClient),
    ("montant", Col::Montant),
    ("sens", Col::Sens),
];

/// The 18 mandatory columns, Debit/Credit standing for Montant/Sens (VII 1°).
const MANDATORY: &[Col] = &[
    Col::JournalCode,
    Col::JournalLib,
    Col::EcritureNum,
    Col::EcritureDate,
    Col::CompteNum,
    Col::CompteLib,
    Col::CompAuxNum,
    Col::CompAuxLib,
    Col::PieceRef,
    Col::PieceDate,
    Col::EcritureLib,
    Col::EcritureLet,
    Col::DateLet,
    Col::ValidDate,
    Col::MontantDevise,
    Col::Idevise,
];

/// Text zones that may absorb a separator written inside them, most likely first (open-data §1.6:
/// a `|` in `EcritureLib` breaks naive pipe parsing).
const TEXT_ZONES: &[Col] = &[Col::EcritureLib, Col::CompteLib, Col::CompAuxLib, Col::JournalLib, Col::PieceRef];

fn column(name: &str) -> Option<Col> {
    let n = normalised_name(name);
    NAMES.iter().find(|(k, _)| *k == n).map(|(_, c)| *c)
}

fn column_name(col: Col) -> String {
    format!("{col:?}")
}

/// True when `bytes` start (after an optional UTF-8 BOM) with an FEC header line: at least three
/// of the FEC column names, among them `JournalCode`, `EcritureNum` or `CompteNum`, separated by
/// tabs or `|`. A header separated by `;` or `,` also answers true, so that the importer hands
/// the file to [`read_fec_bytes`], which refuses it with the reason (A47 A-1 VI 1° c) instead of
/// it being dismissed as an unknown file.
pub fn looks_like_fec(bytes: &[u8]) -> bool {
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let body = body.get(..SNIFF.min(body.len())).unwrap_or_default();
    let first = body.split(|b| *b == b'\n' || *b == b'\r').find(|l| !l.iter().all(u8::is_ascii_whitespace));
    let Some(first) = first else { return false };
    let text = String::from_utf8_lossy(first);
    ['\t', '|', ';', ','].iter().any(|sep| header_signature(&text, *sep))
}

/// The header line split on `sep` names at least three FEC columns, one of them a key column.
fn header_signature(text: &str, sep: char) -> bool {
    let cols: Vec<Col> = text.split(sep).filter_map(column).collect();
    let key = cols.iter().any(|c| matches!(c, Col::JournalCode | Col::EcritureNum | Col::CompteNum));
    key && cols.len() >= 3
}

/// One physical line: its 1-based number and its bytes, terminator excluded.
struct RawLine<'a> {
    number: usize,
    bytes: &'a [u8],
}

#[derive(Default)]
struct Endings {
    lf: usize,
    crlf: usize,
    crcrlf: usize,
    cr: usize,
    other: usize,
}

impl Endings {
    fn kind(&self) -> LineEnding {
        let kinds = [
            (self.lf, LineEnding::Lf),
            (self.crlf, LineEnding::CrLf),
            (self.crcrlf, LineEnding::CrCrLf),
            (self.cr, LineEnding::Cr),
            (self.other, LineEnding::Mixed),
        ];
        let present: Vec<LineEnding> = kinds.iter().filter(|(n, _)| *n > 0).map(|(_, k)| *k).collect();
        match present.as_slice() {
            [] => LineEnding::None,
            [one] => *one,
            _ => LineEnding::Mixed,
        }
    }
}

/// Splits on any line terminator: LF, CRLF, CR CR LF, CR (A47 A-1 VI 1° a). A run of CRs followed
/// by an optional LF is one terminator, so `\r\r\n` neither leaves a stray `\r` in the last zone
/// nor makes an empty line, and line numbers match what an editor counting LFs shows.
/// Splits the body into lines, refusing a line longer than [`MAX_FEC_LINE_BYTES`] or more lines
/// than [`MAX_FEC_LINES`] as soon as it is met (the error is the 1-based line and the problem).
fn split_lines(body: &[u8]) -> Result<(Vec<RawLine<'_>>, Endings), (usize, String)> {
    let check = |lines: &Vec<RawLine<'_>>, line: &RawLine<'_>| {
        if line.bytes.len() > MAX_FEC_LINE_BYTES {
            return Err((
                line.number,
                format!("the line is {} bytes long, more than the {MAX_FEC_LINE_BYTES} accepted", line.bytes.len()),
            ));
        }
        if lines.len() >= MAX_FEC_LINES {
            return Err((line.number, format!("the file has more than {MAX_FEC_LINES} lines")));
        }
        Ok(())
    };
    let mut lines = Vec::new();
    let mut endings = Endings::default();
    let (mut start, mut i, mut number) = (0usize, 0usize, 1usize);
    while let Some(&b) = body.get(i) {
        if b != b'\n' && b != b'\r' {
            i += 1;
            continue;
        }
        let line = RawLine { number, bytes: body.get(start..i).unwrap_or_default() };
        check(&lines, &line)?;
        lines.push(line);
        let mut j = i;
        while body.get(j) == Some(&b'\r') {
            j += 1;
        }
        let crs = j - i;
        if body.get(j) == Some(&b'\n') {
            j += 1;
            match crs {
                0 => endings.lf += 1,
                1 => endings.crlf += 1,
                2 => endings.crcrlf += 1,
                _ => endings.other += 1,
            }
        } else {
            endings.cr += 1;
        }
        number += 1;
        start = j;
        i = j;
    }
    if start < body.len() {
        let line = RawLine { number, bytes: body.get(start..).unwrap_or_default() };
        check(&lines, &line)?;
        lines.push(line);
    }
    Ok((lines, endings))
}

/// Collects diagnostics, keeping [`PER_RULE`] per rule and counting the rest.
#[derive(Default)]
struct Diags {
    list: Vec<Diagnostic>,
    counts: BTreeMap<String, (usize, Level)>,
}

impl Diags {
    fn push(&mut self, level: Level, rule: &str, message: impl Into<String>, path: impl Into<String>) {
        let n = self.counts.entry(rule.to_owned()).or_insert((0, level));
        n.0 += 1;
        if n.0 <= PER_RULE {
            self.list.push(Diagnostic { level, rule: rule.to_owned(), message: message.into(), path: path.into() });
        }
    }

    fn finish(mut self) -> Vec<Diagnostic> {
        for (rule, (n, level)) in &self.counts {
            if *n > PER_RULE {
                self.list.push(Diagnostic {
                    level: *level,
                    rule: rule.clone(),
                    message: format!("{} more finding(s) of this rule not listed ({n} in all)", n - PER_RULE),
                    path: String::new(),
                });
            }
        }
        self.list
    }
}

fn at(line: usize) -> String {
    format!("line {line}")
}

/// What parsing one line noticed without refusing it.
#[derive(Default)]
struct Notes {
    dot: bool,
    lenient: bool,
    warnings: Vec<(&'static str, String)>,
}

/// The header, mapped.
struct Header {
    cols: BTreeMap<Col, usize>,
    /// Index of the last non-empty name + 1: zones beyond are ignored when empty.
    width: usize,
    /// Fewest zones a line needs to reach every column the reader requires.
    min_fields: usize,
    amounts: AmountColumns,
}

impl Header {
    fn get<'f>(&self, fields: &[&'f str], col: Col) -> &'f str {
        self.cols.get(&col).and_then(|i| fields.get(*i)).map_or("", |s| s.trim())
    }
}

/// A line as text: UTF-8 when it is, else the file's single-byte charset.
fn decode<'a>(bytes: &'a [u8], single: &'static encoding_rs::Encoding) -> Cow<'a, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(single.decode_without_bom_handling(bytes).0.into_owned()),
    }
}

/// Reads an FEC from its bytes. `file_name` names the file in sources, diagnostics and errors.
/// Refuses (with [`FecError`]) only a file that is not an FEC: empty, no FEC header on its first
/// line, a `;` or `,` separator, a required column missing, or no line readable at all.
pub fn read_fec_bytes(file_name: &str, bytes: &[u8]) -> Result<FecFile, FecError> {
    let bom = bytes.starts_with(BOM);
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let mut diags = Diags::default();
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_FEC_FILE_BYTES {
        return Err(FecError::file(
            file_name,
            format!("the file is {} bytes, more than the {MAX_FEC_FILE_BYTES} bytes accepted for an FEC", bytes.len()),
        ));
    }
    let (raw_lines, endings) = split_lines(body).map_err(|(line, problem)| FecError::line(file_name, line, problem))?;
    let mut raw = raw_lines.into_iter().filter(|l| !l.bytes.iter().all(|b| b.is_ascii_whitespace() || *b == 0x1a));
    let Some(header_line) = raw.next() else {
        return Err(FecError::file(file_name, "the file is empty"));
    };
    let data: Vec<RawLine<'_>> = raw.collect();
    let line_ending = endings.kind();
    if line_ending == LineEnding::CrCrLf {
        diags.push(Level::Info, "FEC-LINE-END", "lines end with CR CR LF; read as one line end each", "");
    } else if line_ending == LineEnding::Mixed {
        diags.push(Level::Info, "FEC-LINE-END", "lines end in several ways (LF, CRLF, CR); all were accepted", "");
    }

    // Encoding: strict UTF-8 per line, else one single-byte charset for the whole file, chosen
    // from the bytes of the lines that are not UTF-8 (0x80–0x9F are C1 controls in ISO-8859-15,
    // printable only in Windows-1252).
    let not_utf8: Vec<usize> = std::iter::once(&header_line)
        .chain(data.iter())
        .filter(|l| std::str::from_utf8(l.bytes).is_err())
        .map(|l| l.number)
        .collect();
    let c1 = std::iter::once(&header_line)
        .chain(data.iter())
        .filter(|l| not_utf8.binary_search(&l.number).is_ok())
        .any(|l| l.bytes.iter().any(|b| (0x80..=0x9f).contains(b)));
    let (single, single_name) = if c1 {
        (encoding_rs::WINDOWS_1252, TextEncoding::Windows1252)
    } else {
        (encoding_rs::ISO_8859_15, TextEncoding::Iso885915)
    };
    let non_ascii_utf8 = std::iter::once(&header_line)
        .chain(data.iter())
        .any(|l| !l.bytes.is_ascii() && not_utf8.binary_search(&l.number).is_err());
    let encoding = match (not_utf8.is_empty(), non_ascii_utf8) {
        (true, _) => TextEncoding::Utf8,
        (false, false) => single_name,
        (false, true) => TextEncoding::Mixed,
    };
    if let Some(first) = not_utf8.first() {
        let listed: Vec<String> = not_utf8.iter().take(5).map(|n| n.to_string()).collect();
        diags.push(
            Level::Warning,
            "FEC-ENCODING",
            format!(
                "{} line(s) are not valid UTF-8 (line {}{}); read as {} (A47 A-1 XII 1° allows ISO 8859-15): check \
                 their accented letters",
                not_utf8.len(),
                listed.join(", "),
                if not_utf8.len() > 5 { ", …" } else { "" },
                single.name(),
            ),
            at(*first),
        );
    }

    // Header: separator, columns.
    let header_text = decode(header_line.bytes, single);
    let header_text = header_text.trim_start_matches('\u{feff}');
    let separator = if header_signature(header_text, '\t') {
        Separator::Tab
    } else if header_signature(header_text, '|') {
        Separator::Pipe
    } else if header_signature(header_text, ';') || header_signature(header_text, ',') {
        let sep = if header_signature(header_text, ';') { ';' } else { ',' };
        return Err(FecError::line(
            file_name,
            header_line.number,
            format!("the zones are separated by '{sep}': an FEC separates them by a tab or '|' (A47 A-1 VI 1° c)"),
        ));
    } else {
        return Err(FecError::line(
            file_name,
            header_line.number,
            "not an FEC: the first line does not name the FEC columns (JournalCode, EcritureNum, CompteNum…) \
             separated by tabs or '|'",
        ));
    };
    let sep = separator.char();
    let names: Vec<String> = header_text.split(sep).map(|n| n.trim().to_owned()).collect();
    let mut cols = BTreeMap::new();
    let mut unknown = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match column(name) {
            Some(c) if cols.contains_key(&c) => diags.push(
                Level::Warning,
                "FEC-HEADER",
                format!("the column {name} appears twice; the first one is read"),
                at(header_line.number),
            ),
            Some(c) => {
                cols.insert(c, i);
            }
            None if !name.is_empty() => unknown.push(name.clone()),
            None => {}
        }
    }
    if !unknown.is_empty() {
        diags.push(
            Level::Info,
            "FEC-HEADER",
            format!("columns that are not FEC columns are ignored: {}", unknown.join(", ")),
            at(header_line.number),
        );
    }
    let amounts = if cols.contains_key(&Col::Debit) && cols.contains_key(&Col::Credit) {
        AmountColumns::DebitCredit
    } else if cols.contains_key(&Col::Montant) && cols.contains_key(&Col::Sens) {
        AmountColumns::MontantSens
    } else {
        return Err(FecError::line(
            file_name,
            header_line.number,
            "the header has neither Debit and Credit nor Montant and Sens columns (A47 A-1 VII)",
        ));
    };
    let mut required = vec![Col::EcritureDate, Col::CompteNum];
    required.extend(match amounts {
        AmountColumns::DebitCredit => [Col::Debit, Col::Credit],
        AmountColumns::MontantSens => [Col::Montant, Col::Sens],
    });
    if let Some(missing) = required.iter().find(|c| !cols.contains_key(c)) {
        return Err(FecError::line(
            file_name,
            header_line.number,
            format!("the header has no {} column, without which no line can be read", column_name(*missing)),
        ));
    }
    let absent: Vec<String> = MANDATORY.iter().filter(|c| !cols.contains_key(c)).map(|c| column_name(*c)).collect();
    if !absent.is_empty() {
        diags.push(
            Level::Warning,
            "FEC-HEADER",
            format!("mandatory columns missing (A47 A-1 VII 1°), read as blank: {}", absent.join(", ")),
            at(header_line.number),
        );
    }
    let variant = match (
        [Col::DateRglt, Col::ModeRglt, Col::NatOp].iter().any(|c| cols.contains_key(c)),
        cols.contains_key(&Col::IdClient),
    ) {
        (true, true) => FecVariant::Tresorerie22,
        (true, false) => FecVariant::Tresorerie21,
        (false, _) => FecVariant::Standard,
    };
    let width = names.iter().rposition(|n| !n.is_empty()).map_or(0, |i| i + 1);
    let min_fields = required.iter().filter_map(|c| cols.get(c)).max().map_or(0, |i| i + 1);
    let header = Header { cols, width, min_fields, amounts };

    // Data lines.
    // Grown as lines are read, not reserved from the line count: a file of millions of lines that
    // are not entries must not reserve room for millions of entries.
    let mut lines = Vec::new();
    let mut skipped = 0usize;
    let mut first_problem: Option<String> = None;
    let (mut dot_lines, mut lenient_lines, mut short_lines, mut blank_records) = (Vec::new(), Vec::new(), 0usize, 0);
    for raw in &data {
        let text = decode(raw.bytes, single);
        let fields: Vec<&str> = text.split(sep).collect();
        if fields.iter().all(|f| f.trim().is_empty()) {
            blank_records += 1;
            continue;
        }
        let trimmed = trim_trailing(&fields, header.width);
        let outcome = if trimmed.len() < header.min_fields {
            Err(format!(
                "the line has {} zones, fewer than the {} needed to reach the amounts and the account",
                trimmed.len(),
                header.min_fields
            ))
        } else {
            let plain = if trimmed.len() <= header.width {
                parse(file_name, raw.number, trimmed, &header)
            } else {
                Err(format!("the line has {} zones, the header {}", trimmed.len(), header.width))
            };
            match plain {
                Ok(ok) => {
                    if trimmed.len() < header.width {
                        short_lines += 1;
                    }
                    Ok(ok)
                }
                // More zones than the header names: perhaps a separator inside a text zone.
                Err(e) if fields.len() > header.width => {
                    repair(file_name, raw.number, &fields, sep, &header, &mut diags).ok_or(e)
                }
                Err(e) => Err(e),
            }
        };
        match outcome {
            Ok((line, notes)) => {
                if notes.dot {
                    dot_lines.push(raw.number);
                }
                if notes.lenient {
                    lenient_lines.push(raw.number);
                }
                for (rule, message) in notes.warnings {
                    diags.push(Level::Warning, rule, message, at(raw.number));
                }
                lines.push(line);
            }
            Err(problem) => {
                skipped += 1;
                if first_problem.is_none() {
                    first_problem = Some(format!("line {}: {problem}", raw.number));
                }
                diags.push(Level::Error, "FEC-LINE", format!("line not read: {problem}"), at(raw.number));
            }
        }
    }
    if lines.is_empty() {
        if let Some(problem) = first_problem {
            return Err(FecError::file(file_name, format!("no line of the file could be read (first: {problem})")));
        }
        diags.push(Level::Warning, "FEC-EMPTY", "the file has a header but no accounting line", "");
    }
    let summary = |lines: &[usize]| {
        let shown: Vec<String> = lines.iter().take(5).map(|n| n.to_string()).collect();
        format!("{}{}", shown.join(", "), if lines.len() > 5 { ", …" } else { "" })
    };
    if !dot_lines.is_empty() {
        diags.push(
            Level::Warning,
            "FEC-AMOUNT",
            format!(
                "{} line(s) write amounts with a '.' instead of the ',' of A47 A-1 XII 2° (line {}); read as decimals",
                dot_lines.len(),
                summary(&dot_lines)
            ),
            at(dot_lines.first().copied().unwrap_or_default()),
        );
    }
    if !lenient_lines.is_empty() {
        diags.push(
            Level::Warning,
            "FEC-DATE",
            format!(
                "{} line(s) write dates otherwise than AAAAMMJJ (A47 A-1 XII 4°) (line {}); read as the DGFiP \
                 validator reads them",
                lenient_lines.len(),
                summary(&lenient_lines)
            ),
            at(lenient_lines.first().copied().unwrap_or_default()),
        );
    }
    if short_lines > 0 {
        diags.push(
            Level::Info,
            "FEC-ZONES",
            format!("{short_lines} line(s) have fewer zones than the header; the missing last zones are blank"),
            "",
        );
    }
    if blank_records > 0 {
        diags.push(Level::Info, "FEC-ZONES", format!("{blank_records} record(s) with only separators ignored"), "");
    }

    // Account numbers: the first three characters are digits of the PCG (A47 A-1 VII 1°).
    for l in &lines {
        let digits = l.compte_num.bytes().take(3).filter(u8::is_ascii_digit).count();
        if !l.compte_num.is_empty() && digits < 3 {
            diags.push(
                Level::Warning,
                "FEC-ACCOUNT",
                format!("the account {:?} does not start with three digits of the PCG", l.compte_num),
                at(l.line),
            );
        }
    }

    // The name: SirenFECAAAAMMJJ (A47 A-1 IX).
    let (siren_in_name, closing_date_in_name) = name_parts(file_name);
    match (&siren_in_name, closing_date_in_name) {
        (Some(siren), Some(_)) if Siren::parse(siren).is_err() || siren.len() != 9 => diags.push(
            Level::Warning,
            "FEC-NAME",
            format!("the file name's SIREN part {siren:?} is not a valid SIREN (A47 A-1 IX: SirenFECAAAAMMJJ)"),
            "",
        ),
        (_, None) => diags.push(
            Level::Info,
            "FEC-NAME",
            "the file name does not follow SirenFECAAAAMMJJ (A47 A-1 IX); the closing date is not known from it",
            "",
        ),
        _ => {}
    }
    if let Some(closing) = closing_date_in_name {
        let late: Vec<usize> = lines.iter().filter(|l| l.ecriture_date > closing).map(|l| l.line).collect();
        if let Some(first) = late.first() {
            diags.push(
                Level::Warning,
                "FEC-NAME",
                format!(
                    "{} line(s) are dated after the closing date {closing} the file name gives (line {})",
                    late.len(),
                    summary(&late)
                ),
                at(*first),
            );
        }
    }

    Ok(FecFile {
        file_name: file_name.to_owned(),
        siren_in_name,
        closing_date_in_name,
        encoding,
        bom,
        separator,
        line_ending,
        header: names,
        variant,
        amount_columns: header.amounts,
        currency: Currency::EUR,
        lines,
        skipped_lines: skipped,
        diagnostics: diags.finish(),
    })
}

/// `fields` without the empty zones beyond the header's last name (a trailing separator).
fn trim_trailing<'a, 'f>(fields: &'a [&'f str], width: usize) -> &'a [&'f str] {
    let mut n = fields.len();
    while n > width && fields.get(n - 1).is_some_and(|f| f.trim().is_empty()) {
        n -= 1;
    }
    fields.get(..n).unwrap_or(fields)
}

/// A line with more zones than the header names whose zones do not parse: a separator was
/// written inside a text zone (open-data §1.6). Tries letting each text zone absorb one, then
/// more, of the following zones (`EcritureLib` first) and keeps the first reading under which
/// every zone parses, with a warning.
fn repair(
    file: &str,
    number: usize,
    fields: &[&str],
    sep: char,
    header: &Header,
    diags: &mut Diags,
) -> Option<(FecLine, Notes)> {
    let most = fields.len().saturating_sub(header.width);
    for extra in 1..=most {
        for col in TEXT_ZONES {
            let Some(&i) = header.cols.get(col) else { continue };
            let (Some(head), Some(middle), Some(tail)) =
                (fields.get(..i), fields.get(i..=i + extra), fields.get(i + extra + 1..))
            else {
                continue;
            };
            let joined = middle.join(&sep.to_string());
            let merged: Vec<&str> =
                head.iter().copied().chain(std::iter::once(joined.as_str())).chain(tail.iter().copied()).collect();
            let merged = trim_trailing(&merged, header.width);
            if merged.len() > header.width || merged.len() < header.min_fields {
                continue;
            }
            if let Ok(ok) = parse(file, number, merged, header) {
                diags.push(
                    Level::Warning,
                    "FEC-SEPARATOR-IN-TEXT",
                    format!(
                        "the line has {extra} zone(s) more than the header: read with the '{}' kept as text in {}",
                        sep.escape_default(),
                        column_name(*col)
                    ),
                    at(number),
                );
                return Some(ok);
            }
        }
    }
    None
}

/// One line's zones into an [`FecLine`]; an error says which zone is wrong.
fn parse(file: &str, number: usize, fields: &[&str], header: &Header) -> Result<(FecLine, Notes), String> {
    let get = |c: Col| header.get(fields, c);
    let mut notes = Notes::default();
    let mut money = |c: Col| -> Result<rust_decimal::Decimal, String> {
        let a = zones::amount(get(c)).map_err(|e| format!("{}: {e}", column_name(c)))?;
        notes.dot |= a.dot;
        Ok(a.value)
    };
    let (debit, credit) = match header.amounts {
        AmountColumns::DebitCredit => (money(Col::Debit)?, money(Col::Credit)?),
        AmountColumns::MontantSens => {
            let m = money(Col::Montant)?;
            // Sens is D/C or +1/-1 (A47 A-1 VII 2°, X); +1 is the debit side.
            let debit_side = match get(Col::Sens).to_ascii_uppercase().as_str() {
                "D" | "+1" | "1" | "+" => true,
                "C" | "-1" | "-" => false,
                other => return Err(format!("Sens: {other:?} is neither D/C nor +1/-1")),
            };
            let zero = rust_decimal::Decimal::ZERO;
            if debit_side {
                (m, zero)
            } else {
                (zero, m)
            }
        }
    };
    let ecriture_date = match zones::date(get(Col::EcritureDate)) {
        Ok(Some(d)) => {
            notes.lenient |= d.lenient;
            d.value
        }
        Ok(None) => return Err("EcritureDate is empty".to_owned()),
        Err(e) => return Err(format!("EcritureDate: {e}")),
    };
    let mut optional_date = |c: Col| -> Option<NaiveDate> {
        match zones::date(get(c)) {
            Ok(d) => {
                notes.lenient |= d.is_some_and(|d| d.lenient);
                d.map(|d| d.value)
            }
            Err(e) => {
                notes.warnings.push(("FEC-DATE", format!("{}: {e}; read as blank", column_name(c))));
                None
            }
        }
    };
    let piece_date = optional_date(Col::PieceDate);
    let date_let = optional_date(Col::DateLet);
    let valid_date = optional_date(Col::ValidDate);
    let date_rglt = optional_date(Col::DateRglt);
    let montant_devise = match get(Col::MontantDevise) {
        "" => None,
        zone => match zones::amount(zone) {
            Ok(a) => Some(a.value),
            Err(e) => {
                notes.warnings.push(("FEC-AMOUNT", format!("Montantdevise: {e}; read as blank")));
                None
            }
        },
    };
    let text = |c: Col| get(c).to_owned();
    let line = FecLine {
        line: number,
        journal_code: text(Col::JournalCode),
        journal_lib: text(Col::JournalLib),
        ecriture_num: text(Col::EcritureNum),
        ecriture_date,
        compte_num: text(Col::CompteNum),
        compte_lib: text(Col::CompteLib),
        comp_aux_num: text(Col::CompAuxNum),
        comp_aux_lib: text(Col::CompAuxLib),
        piece_ref: text(Col::PieceRef),
        piece_date,
        ecriture_lib: text(Col::EcritureLib),
        debit: Money::new(debit, Currency::EUR),
        credit: Money::new(credit, Currency::EUR),
        ecriture_let: text(Col::EcritureLet),
        date_let,
        valid_date,
        montant_devise,
        idevise: text(Col::Idevise),
        date_rglt,
        mode_rglt: text(Col::ModeRglt),
        nat_op: text(Col::NatOp),
        id_client: text(Col::IdClient),
        source: Source::at(file, at(number)),
    };
    Ok((line, notes))
}

/// The SIREN part and the closing date of a `SirenFECAAAAMMJJ` name, found as the DGFiP validator
/// does (the last `FEC` followed by a date, on the upper-cased base name).
fn name_parts(file_name: &str) -> (Option<String>, Option<NaiveDate>) {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let upper = base.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    let found = (0..bytes.len()).rev().find_map(|i| {
        if bytes.get(i..i + 3) != Some(b"FEC".as_slice()) {
            return None;
        }
        let digits = std::str::from_utf8(bytes.get(i + 3..i + 11)?).ok()?;
        let date = zones::date(digits).ok().flatten().filter(|d| !d.lenient)?.value;
        Some((i, date))
    });
    match found {
        Some((i, date)) => (base.get(..i).map(str::to_owned), Some(date)),
        None => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\t\
                          CompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\t\
                          Montantdevise\tIdevise";

    fn sale(n: usize) -> String {
        format!(
            "VE\tVentes\t{n}\t20230109\t411000\tClients\tC1\tDUPONT\tFA{n}\t20230109\tDupont\t120,00\t0,00\t\t\t20230110\t\t\n\
             VE\tVentes\t{n}\t20230109\t706000\tPrestations\t\t\tFA{n}\t20230109\tDupont\t0,00\t100,00\t\t\t20230110\t\t\n\
             VE\tVentes\t{n}\t20230109\t445710\tTVA\t\t\tFA{n}\t20230109\tDupont\t0,00\t20,00\t\t\t20230110\t\t\n"
        )
    }

    fn file() -> String {
        format!("{HEADER}\n{}{}", sale(1), sale(2))
    }

    fn read(bytes: &[u8]) -> FecFile {
        read_fec_bytes("123456782FEC20231231.txt", bytes).expect("reads")
    }

    fn amounts(f: &FecFile) -> Vec<String> {
        f.lines.iter().map(|l| format!("{}/{}", l.debit.amount, l.credit.amount)).collect()
    }

    #[test]
    fn tab_lf_utf8() {
        let f = read(file().as_bytes());
        assert_eq!(f.lines.len(), 6);
        assert_eq!(
            (f.separator, f.line_ending, f.encoding, f.bom),
            (Separator::Tab, LineEnding::Lf, TextEncoding::Utf8, false)
        );
        assert_eq!(f.variant, FecVariant::Standard);
        assert_eq!(f.lines[0].source, Source::at("123456782FEC20231231.txt", "line 2"));
        assert_eq!(f.lines[5].line, 7);
        assert_eq!(f.lines[0].comp_aux_lib, "DUPONT");
        assert_eq!(f.lines[0].debit, Money::eur("120.00".parse().unwrap()));
        assert_eq!(f.siren_in_name.as_deref(), Some("123456782"));
        assert_eq!(f.closing_date_in_name, NaiveDate::from_ymd_opt(2023, 12, 31));
        assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
    }

    #[test]
    fn every_line_end_gives_the_same_lines_without_empty_records() {
        let lf = read(file().as_bytes());
        for (end, kind) in [("\r\n", LineEnding::CrLf), ("\r\r\n", LineEnding::CrCrLf), ("\r", LineEnding::Cr)] {
            let f = read(file().replace('\n', end).as_bytes());
            assert_eq!(f.line_ending, kind);
            assert_eq!(f.lines, lf.lines, "{end:?}");
            assert_eq!(f.skipped_lines, 0);
            assert!(f.lines.iter().all(|l| !l.idevise.contains('\r')), "no stray CR in the last zone");
        }
        let mixed = read(format!("{HEADER}\r\n{}\n\n\n{}", sale(1).replace('\n', "\r\r\n"), sale(2)).as_bytes());
        assert_eq!(mixed.line_ending, LineEnding::Mixed);
        assert_eq!(amounts(&mixed), amounts(&lf), "blank lines make no record");
    }

    #[test]
    fn bom_and_pipe_with_trailing_separator_and_padding() {
        let pipe = format!(
            "\u{feff}{}|\n{}",
            HEADER.replace('\t', "|").replace("Montantdevise", "MontantDevise"),
            "VE  |VE11|00000001|20230109|41100000|CLIENTS A 5.5%  |41101590|E.LECLERC CARPENTR |VE  0123|20230109|\
             VENTE NECTAR FRAISE |0000000074,70|0000000000,00|AA|20230209|20240331|||\n\
             VE  |VE11|00000001|20230109|70100000|VENTE NECTAR  |        |                   |VE  0123|20230109|\
             VENTE NECTAR FRAISE |0000000000,00|0000000074,70|  |        |\n"
        );
        let f = read(pipe.as_bytes());
        assert!(f.bom);
        assert_eq!(f.separator, Separator::Pipe);
        assert_eq!(amounts(&f), ["74.70/0.00", "0.00/74.70"]);
        assert_eq!(f.lines[0].journal_code, "VE");
        assert_eq!(f.lines[0].comp_aux_lib, "E.LECLERC CARPENTR");
        assert_eq!(f.lines[0].date_let, NaiveDate::from_ymd_opt(2023, 2, 9));
        assert_eq!(f.lines[1].comp_aux_num, "");
        assert_eq!(f.lines[1].valid_date, None, "a short line: the missing zones are blank");
        assert!(f.diagnostics.iter().any(|d| d.rule == "FEC-ZONES"), "{:?}", f.diagnostics);
    }

    #[test]
    fn invalid_utf8_falls_back_to_a_single_byte_charset() {
        let mut bytes = file().into_bytes();
        let at = bytes.windows(6).position(|w| w == b"Dupont").unwrap();
        bytes.splice(at..at + 6, b"CREAT\xf8".iter().copied());
        let f = read(&bytes);
        assert_eq!(f.encoding, TextEncoding::Iso885915);
        assert_eq!(f.lines[0].ecriture_lib, "CREATø");
        let d = f.diagnostics.iter().find(|d| d.rule == "FEC-ENCODING").expect("reported");
        assert_eq!(d.path, "line 2");
        // 0x80-0x9F only exist in Windows-1252 (0x80 is the euro sign there).
        let mut w = bytes.clone();
        w.splice(at..at, b"\x80".iter().copied());
        let f = read(&w);
        assert_eq!(f.encoding, TextEncoding::Windows1252);
        assert!(f.lines[0].ecriture_lib.starts_with('€'));
        // A file mixing UTF-8 accents and a Latin-1 line.
        let mut m = bytes;
        m.extend(
            "VE\tVentes\t3\t20230109\t411000\tClients\tC1\tDUPONT\tFA3\t20230109\tRéduction\t0,00\t1,00\t\t\t\t\t\n"
                .bytes(),
        );
        let f = read(&m);
        assert_eq!(f.encoding, TextEncoding::Mixed);
        assert_eq!(f.lines.last().unwrap().ecriture_lib, "Réduction", "UTF-8 lines stay UTF-8");
    }

    #[test]
    fn header_names_in_any_case_and_the_22_column_variant() {
        let h = format!("{}\tDateRglt\tModeRglt\tNatOp\tIdClient", HEADER.to_uppercase());
        let l =
            "ve\tVentes\t0\t20230131\t41100000\tCLIENTS\tCCB\tRECETTE CB\t01/2023\t20230131\tRECETTE CB\t26608,35\t\
                 0,00\t\t\t\t\t\t20230215\tCH\t\t";
        let f = read(format!("{h}\n{l}\n").as_bytes());
        assert_eq!(f.variant, FecVariant::Tresorerie22);
        assert_eq!(f.lines[0].date_rglt, NaiveDate::from_ymd_opt(2023, 2, 15));
        assert_eq!(f.lines[0].mode_rglt, "CH");
        let f = read(format!("{}\tDateRglt\tModeRglt\tNatOp\n{}\n", HEADER, l.rsplit_once('\t').unwrap().0).as_bytes());
        assert_eq!(f.variant, FecVariant::Tresorerie21);
    }

    #[test]
    fn montant_and_sens() {
        let h = HEADER.replace("Debit\tCredit", "Montant\tSens");
        let lines = "VE\tV\t1\t20230109\t411000\tC\t\t\tFA1\t20230109\tx\t120,00\tD\t\t\t\t\t\n\
                     VE\tV\t1\t20230109\t706000\tP\t\t\tFA1\t20230109\tx\t100,00\t-1\t\t\t\t\t\n\
                     VE\tV\t1\t20230109\t445710\tT\t\t\tFA1\t20230109\tx\t20,00\tC\t\t\t\t\t\n\
                     VE\tV\t1\t20230109\t445710\tT\t\t\tFA1\t20230109\tx\t20,00\t?\t\t\t\t\t\n";
        let f = read(format!("{h}\n{lines}").as_bytes());
        assert_eq!(f.amount_columns, AmountColumns::MontantSens);
        assert_eq!(amounts(&f), ["120.00/0", "0/100.00", "0/20.00"]);
        assert_eq!(f.skipped_lines, 1);
        let d = f.diagnostics.iter().find(|d| d.rule == "FEC-LINE").unwrap();
        assert_eq!(d.path, "line 5");
        assert!(d.message.contains("Sens"), "{}", d.message);
    }

    #[test]
    fn a_pipe_inside_a_label_is_repaired_and_flagged() {
        let h = HEADER.replace('\t', "|");
        let l = "VE|Ventes|1|20230109|411000|Clients|C1|DUPONT|FA1|20230109|Dupont | remise 2|120,00|0,00||||||\n";
        let f = read(format!("{h}\n{l}").as_bytes());
        assert_eq!(f.lines[0].ecriture_lib, "Dupont | remise 2");
        assert_eq!(amounts(&f), ["120.00/0.00"]);
        assert!(f.diagnostics.iter().any(|d| d.rule == "FEC-SEPARATOR-IN-TEXT" && d.path == "line 2"));
    }

    #[test]
    fn malformed_lines_are_diagnostics_naming_the_line() {
        let bad = file()
            .replacen("120,00", "1 200,00", 1)
            .replacen("20230109\t706000", "20231309\t706000", 1)
            .replacen("FA2\t20230109", "FA2\t2023-01-09", 1);
        let f = read(bad.as_bytes());
        assert_eq!(f.skipped_lines, 2);
        assert_eq!(f.lines.len(), 4);
        let lines: Vec<(&str, &str)> = f
            .diagnostics
            .iter()
            .filter(|d| d.rule == "FEC-LINE")
            .map(|d| (d.path.as_str(), d.message.as_str()))
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].0, "line 2");
        assert!(lines[0].1.contains("thousands"), "{}", lines[0].1);
        assert_eq!(lines[1].0, "line 3");
        assert!(lines[1].1.contains("EcritureDate"), "{}", lines[1].1);
        assert!(f.diagnostics.iter().any(|d| d.rule == "FEC-DATE" && d.path == "line 5"), "lenient PieceDate");
    }

    #[test]
    fn not_an_fec_is_refused_with_the_file_and_the_problem() {
        let e = |bytes: &[u8]| read_fec_bytes("x.txt", bytes).unwrap_err().to_string();
        assert_eq!(e(b""), "x.txt: the file is empty");
        assert_eq!(e(b"\xEF\xBB\xBF \r\n\r\n"), "x.txt: the file is empty");
        assert!(e(b"hello world\n").starts_with("x.txt line 1: not an FEC"), "{}", e(b"hello\n"));
        assert!(e(b"%PDF-1.7\n\xff\xfe\x00").starts_with("x.txt line 1: not an FEC"));
        assert!(e(HEADER.replace('\t', ";").as_bytes()).contains("separated by ';'"));
        assert!(e(HEADER.replace("\tDebit\tCredit", "").as_bytes()).contains("neither Debit and Credit"));
        assert!(e(HEADER.replace("EcritureDate", "Date").as_bytes()).contains("no EcritureDate column"));
        let broken = format!("{HEADER}\nVE\tV\t1\tsoon\t411\n");
        assert_eq!(
            e(broken.as_bytes()),
            "x.txt: no line of the file could be read (first: line 2: the line has 5 zones, fewer than the 13 needed \
             to reach the amounts and the account)"
        );
        let header_only = read(HEADER.as_bytes());
        assert!(header_only.lines.is_empty());
        assert!(header_only.diagnostics.iter().any(|d| d.rule == "FEC-EMPTY"));
    }

    #[test]
    fn sniffing() {
        assert!(looks_like_fec(file().as_bytes()));
        assert!(looks_like_fec(format!("\u{feff}{}", HEADER.replace('\t', "|")).as_bytes()));
        assert!(looks_like_fec(b"\r\nJOURNALCODE|ECRITURENUM|COMPTENUM|DEBIT"));
        assert!(looks_like_fec(HEADER.replace('\t', ";").as_bytes()), "routed to the reader, which says why not");
        assert!(!looks_like_fec(b"JournalCode\tJournalLib"), "too few FEC names");
        assert!(!looks_like_fec(b"Debit\tCredit\tEcritureLib"), "no key column");
        assert!(!looks_like_fec(b"<?xml version=\"1.0\"?><Invoice/>"));
        assert!(!looks_like_fec(b""));
        assert!(!looks_like_fec(b"\xff\xfe\xfd"));
    }

    #[test]
    fn file_names() {
        assert_eq!(
            name_parts("a/b\\0000000001FEC20220831.txt"),
            (Some("0000000001".into()), NaiveDate::from_ymd_opt(2022, 8, 31))
        );
        assert_eq!(name_parts("111111111fec20221231.TXT").1, NaiveDate::from_ymd_opt(2022, 12, 31));
        assert_eq!(name_parts("FEC.txt"), (None, None));
        assert_eq!(name_parts("éFEC2023"), (None, None));
        let f = read_fec_bytes("0000000001FEC20220831.txt", file().as_bytes()).unwrap();
        assert!(f.diagnostics.iter().any(|d| d.rule == "FEC-NAME" && d.message.contains("not a valid SIREN")));
        assert!(f.diagnostics.iter().any(|d| d.rule == "FEC-NAME" && d.message.contains("after the closing date")));
    }

    #[test]
    fn diagnostics_are_capped_per_rule() {
        let mut s = format!("{HEADER}\n");
        for _ in 0..50 {
            s.push_str("VE\tV\t1\t20230109\tABC\tC\t\t\tFA1\t20230109\tx\t1,00\t0,00\t\t\t\t\t\n");
        }
        let f = read(s.as_bytes());
        let n = f.diagnostics.iter().filter(|d| d.rule == "FEC-ACCOUNT").count();
        assert_eq!(n, PER_RULE + 1);
        assert!(f.diagnostics.last().unwrap().message.contains("30 more"));
    }
}
