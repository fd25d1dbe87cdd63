//! ISO 20022 camt.053 (BankToCustomerStatement) and camt.054 (BankToCustomerDebitCreditNotification),
//! versions 001.02 to 001.08. Elements are matched by local name; the few that moved between
//! versions are read in both places (`Sts` vs `Sts/Cd`, `Dbtr/Nm` vs `Dbtr/Pty/Nm`).

use chrono::NaiveDate;
use encours_domain::{Currency, Money, Source};

use super::{iban, BankEntry, BankError, BankFile, BankTransaction, Diagnostic, Level, Statement};
use crate::xml::{self, El, Tree, XmlError};

const NS_PREFIX: &str = "urn:iso:std:iso:20022:tech:xsd:";

pub(super) fn read(file: &str, bytes: &[u8]) -> Result<BankFile, BankError> {
    let decoded = xml::decode(bytes).map_err(|e| xml_error(file, e))?;
    let tree = Tree::parse(&decoded.text).map_err(|e| xml_error(file, e))?;
    let root = tree.root();
    let mut diagnostics = Vec::new();
    if let Some(w) = &decoded.warning {
        diagnostics.push(diag(Level::Warning, "CAMT-ENCODING", w.clone(), ""));
    }
    if root.local() != "Document" {
        return Err(BankError::file(
            file,
            format!("the root element is <{}>, not the <Document> of a camt message", root.local()),
        ));
    }
    let ns = root.namespace();
    let (format, body_name, item_name) = if root.child("BkToCstmrStmt").is_some() {
        ("camt053", "BkToCstmrStmt", "Stmt")
    } else if root.child("BkToCstmrDbtCdtNtfctn").is_some() {
        ("camt054", "BkToCstmrDbtCdtNtfctn", "Ntfctn")
    } else {
        return Err(BankError::file(
            file,
            "the document is neither a camt.053 statement (BkToCstmrStmt) nor a camt.054 notification (BkToCstmrDbtCdtNtfctn)",
        ));
    };
    let message_type = ns.strip_prefix(NS_PREFIX).unwrap_or_default().to_owned();
    let expected = if format == "camt053" { "camt.053.001.0" } else { "camt.054.001.0" };
    match message_type.strip_prefix(expected) {
        Some("2" | "3" | "4" | "5" | "6" | "7" | "8") => {}
        _ => diagnostics.push(diag(
            Level::Warning,
            "CAMT-VERSION",
            format!("namespace {ns:?} is not a camt version 001.02 to 001.08 of this message; read as such"),
            root.path(),
        )),
    }
    let body = root.child(body_name).ok_or_else(|| BankError::file(file, "no message body"))?;
    let message_id = body.at(&["GrpHdr", "MsgId"]).map(|e| e.text().to_owned()).filter(|s| !s.is_empty());
    if message_id.is_none() {
        diagnostics.push(diag(Level::Warning, "CAMT-MSGID", "the group header has no MsgId".into(), body.path()));
    }
    let mut statements = Vec::new();
    for item in body.all(item_name) {
        statements.push(statement(file, item, &mut diagnostics)?);
    }
    if statements.is_empty() {
        diagnostics.push(diag(
            Level::Info,
            "CAMT-EMPTY",
            format!("the message holds no {item_name}, so no entry"),
            body.path(),
        ));
    }
    Ok(BankFile { format, message_type, message_id, statements, diagnostics })
}

fn xml_error(file: &str, e: XmlError) -> BankError {
    match e {
        XmlError::Malformed { line, column, reason } => {
            BankError::at(file, format!("line {line} column {column}"), format!("malformed XML: {reason}"))
        }
        XmlError::Encoding { declared, reason } => {
            BankError::file(file, format!("the declared encoding {declared:?} cannot be used: {reason}"))
        }
        XmlError::NoRoot => BankError::file(file, "no XML element at all"),
    }
}

fn diag(level: Level, rule: &str, message: String, path: impl Into<String>) -> Diagnostic {
    Diagnostic { level, rule: rule.to_owned(), message, path: path.into() }
}

fn text<'t>(el: El<'t>, path: &[&str]) -> Option<&'t str> {
    el.at(path).map(|e| e.text()).filter(|s| !s.is_empty())
}

/// The date of an ISO 20022 `ISODate` or `ISODateTime`: the first ten characters, as written
/// (the bank's local date, not converted to UTC).
fn date_of(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

fn date_choice(el: Option<El<'_>>, what: &str, diagnostics: &mut Vec<Diagnostic>) -> Option<NaiveDate> {
    let el = el?;
    let raw = text(el, &["Dt"]).or_else(|| text(el, &["DtTm"]))?;
    let d = date_of(raw);
    if d.is_none() {
        diagnostics.push(diag(Level::Warning, "CAMT-DATE", format!("{what} {raw:?} is not a date"), el.path()));
    }
    d
}

fn money(file: &str, el: El<'_>) -> Result<Money, BankError> {
    let ccy = el.attr("Ccy").unwrap_or_default();
    let currency = Currency::parse(ccy)
        .map_err(|_| BankError::at(file, el.path(), format!("the currency {ccy:?} is not an ISO 4217 code")))?;
    // ISO 20022 ActiveOrHistoricCurrencyAndAmount: up to 5 fraction digits, no sign.
    Money::parse(el.text(), currency)
        .map_err(|_| BankError::at(file, el.path(), format!("the amount {:?} is not a decimal number", el.text())))
}

fn statement(file: &str, st: El<'_>, diagnostics: &mut Vec<Diagnostic>) -> Result<Statement, BankError> {
    let id = text(st, &["Id"]).unwrap_or_default().to_owned();
    let account_iban = text(st, &["Acct", "Id", "IBAN"]).and_then(|s| {
        let parsed = iban(s);
        if parsed.is_none() {
            diagnostics.push(diag(
                Level::Warning,
                "CAMT-IBAN",
                format!("the account IBAN {s:?} fails its check digits"),
                st.path(),
            ));
        }
        parsed
    });
    let account_other = text(st, &["Acct", "Id", "Othr", "Id"]).map(str::to_owned);
    let mut currency = text(st, &["Acct", "Ccy"]).and_then(|c| Currency::parse(c).ok());
    let mut opening_balance = None;
    let mut closing_balance = None;
    for bal in st.all("Bal") {
        let code = text(bal, &["Tp", "CdOrPrtry", "Cd"]).unwrap_or_default();
        let Some(amt) = bal.child("Amt") else { continue };
        let Ok(mut m) = money(file, amt) else { continue };
        if text(bal, &["CdtDbtInd"]) == Some("DBIT") {
            m = m.neg();
        }
        match code {
            "OPBD" | "PRCD" if opening_balance.is_none() => opening_balance = Some(m),
            "CLBD" if closing_balance.is_none() => closing_balance = Some(m),
            _ => {}
        }
    }
    let mut entries = Vec::new();
    for ntry in st.all("Ntry") {
        let e = entry(file, ntry, diagnostics)?;
        currency.get_or_insert(e.amount.currency);
        entries.push(e);
    }
    let statement = Statement {
        id,
        account_iban,
        account_other,
        currency,
        opening_balance,
        closing_balance,
        entries,
        source: Source::at(file, st.path()),
    };
    if let Some(message) = statement.balance_mismatch() {
        diagnostics.push(diag(Level::Warning, "CAMT-BALANCE", message, st.path()));
    }
    Ok(statement)
}

fn entry(file: &str, ntry: El<'_>, diagnostics: &mut Vec<Diagnostic>) -> Result<BankEntry, BankError> {
    let path = ntry.path();
    let amt = ntry.child("Amt").ok_or_else(|| BankError::at(file, &path, "the entry has no amount (Amt)"))?;
    let amount = money(file, amt)?;
    if amount.is_negative() {
        return Err(BankError::at(file, amt.path(), "a camt amount is never negative; the sign is CdtDbtInd"));
    }
    let credit = match text(ntry, &["CdtDbtInd"]) {
        Some("CRDT") => true,
        Some("DBIT") => false,
        other => {
            return Err(BankError::at(
                file,
                &path,
                format!("CdtDbtInd is {:?}, expected CRDT or DBIT", other.unwrap_or("missing")),
            ))
        }
    };
    let reversal = text(ntry, &["RvslInd"]).is_some_and(|s| s == "true" || s == "1");
    let booking_date = date_choice(ntry.child("BookgDt"), "the booking date", diagnostics);
    let value_date = date_choice(ntry.child("ValDt"), "the value date", diagnostics);
    let mut e = BankEntry {
        amount,
        credit,
        reversal,
        status: text(ntry, &["Sts", "Cd"]).or_else(|| text(ntry, &["Sts"])).map(str::to_owned),
        booking_date,
        value_date,
        reference: text(ntry, &["AcctSvcrRef"]).map(str::to_owned),
        label: text(ntry, &["AddtlNtryInf"]).map(str::to_owned),
        remittance: Vec::new(),
        structured_refs: Vec::new(),
        payer_name: None,
        payer_iban: None,
        payer_account: None,
        end_to_end_id: None,
        transactions: Vec::new(),
        complements: Vec::new(),
        source: Source::at(file, path),
    };
    for tx in ntry.all_at(&["NtryDtls", "TxDtls"]) {
        let t = transaction(file, tx, diagnostics);
        // The entry-level fields keep every text and the first debtor, for callers that look at
        // the entry alone; `transactions` keeps each payment whole.
        e.remittance.extend(t.remittance.iter().cloned());
        e.structured_refs.extend(t.structured_refs.iter().cloned());
        if e.end_to_end_id.is_none() {
            e.end_to_end_id = t.end_to_end_id.clone();
        }
        if e.payer_name.is_none() {
            e.payer_name = t.payer_name.clone();
        }
        if e.payer_account.is_none() {
            e.payer_account = t.payer_account.clone();
            e.payer_iban = t.payer_iban.clone();
        }
        e.transactions.push(t);
    }
    Ok(e)
}

fn texts(el: El<'_>, path: &[&str]) -> Vec<String> {
    el.all_at(path).into_iter().map(|e| e.text()).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// One `TxDtls`: its amount, references, remittance and debtor.
fn transaction(file: &str, tx: El<'_>, diagnostics: &mut Vec<Diagnostic>) -> BankTransaction {
    // `TxDtls/Amt` from 001.03; 001.02 only has `AmtDtls/TxAmt/Amt`. A bad one is reported, not
    // fatal: the entry's own amount is what is booked.
    let amount = tx.child("Amt").or_else(|| tx.at(&["AmtDtls", "TxAmt", "Amt"])).and_then(|a| match money(file, a) {
        Ok(m) => Some(m),
        Err(e) => {
            diagnostics.push(diag(Level::Warning, "CAMT-TX-AMOUNT", e.to_string(), a.path()));
            None
        }
    });
    let mut remittance = Vec::new();
    let mut structured_refs = Vec::new();
    let mut referred_documents = Vec::new();
    let mut additional_info = Vec::new();
    for rmt in tx.all("RmtInf") {
        remittance.extend(texts(rmt, &["Ustrd"]));
        structured_refs.extend(texts(rmt, &["Strd", "CdtrRefInf", "Ref"]));
        referred_documents.extend(texts(rmt, &["Strd", "RfrdDocInf", "Nb"]));
        additional_info.extend(texts(rmt, &["Strd", "AddtlRmtInf"]));
    }
    additional_info.extend(texts(tx, &["AddtlTxInf"]));
    let raw_iban = text(tx, &["RltdPties", "DbtrAcct", "Id", "IBAN"]);
    let payer_iban = raw_iban.and_then(|raw| {
        let parsed = iban(raw);
        if parsed.is_none() {
            diagnostics.push(diag(
                Level::Warning,
                "CAMT-IBAN",
                format!("the debtor IBAN {raw:?} fails its ISO 13616 check digits; kept as written"),
                tx.path(),
            ));
        }
        parsed
    });
    BankTransaction {
        amount,
        end_to_end_id: text(tx, &["Refs", "EndToEndId"]).filter(|s| *s != "NOTPROVIDED").map(str::to_owned),
        remittance,
        structured_refs,
        referred_documents,
        additional_info,
        // Dbtr/Nm up to 001.06, Dbtr/Pty/Nm from 001.07.
        payer_name: text(tx, &["RltdPties", "Dbtr", "Nm"])
            .or_else(|| text(tx, &["RltdPties", "Dbtr", "Pty", "Nm"]))
            .map(str::to_owned),
        payer_iban,
        payer_account: raw_iban.or_else(|| text(tx, &["RltdPties", "DbtrAcct", "Id", "Othr", "Id"])).map(str::to_owned),
        source: Source::at(file, tx.path()),
    }
}
