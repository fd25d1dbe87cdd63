//! Importing an FEC: the receivables history the accounting ledger holds (open-data §1), rebuilt
//! by [`encours_readers::fec::rebuild`] and stored as clients, invoices, credit notes, payments and
//! the lettrage as allocations, in one unit of work.
//!
//! Mapping (each record keeps its FEC line as source):
//! - a client of the rebuild is matched by name or created; payment-means pseudo-clients,
//!   suspense accounts and the unattributed bucket are created too (their balance is real money
//!   on 411) but their segment says what they are, so that no one chases a "RECETTE CB";
//! - debit items (invoices, opening items, refunds, other debits) become invoices; credit notes
//!   become credit notes; payments and the other credit items become payments;
//! - the lettrage becomes allocations (payment → invoice, credit note → invoice);
//! - the FEC has no due dates: each document's due date comes from a matching e-invoice, the
//!   client's terms or the default terms, and the invoice's payment-terms text says which.
//!
//! After the import, every client's ledger balance is compared with its 411 balance in the file;
//! a difference is reported (it would mean a lost or doubled line).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use encours_domain::{
    Allocation, AllocationFrom, Client, ClientId, InvoiceId, InvoiceKind, InvoiceTotals, Money, Payment, PaymentId,
    PaymentTerms, Source,
};
use encours_readers::fec::{self, ClientKind, DueDateOrigin, ItemKind, RebuildOptions, Side};
use encours_store::{Dossier, LedgerWriter, StoreError};
use rust_decimal::Decimal;

use crate::error::ApiError;
use crate::import::{ImportFileReport, ImportOutcome};

/// A report line with its warnings count.
fn line(label: &str, outcome: ImportOutcome, message: String, warnings: u32) -> ImportFileReport {
    ImportFileReport { warnings, ..crate::money_in::report(label, outcome, message) }
}

/// Where a rebuilt item went in the ledger.
#[derive(Clone, Copy)]
enum Stored {
    Invoice(InvoiceId),
    CreditNote(InvoiceId),
    Payment(PaymentId),
}

/// Reads, rebuilds and imports an FEC file.
pub(crate) fn import_fec(
    dossier: &mut Dossier,
    label: &str,
    file_name: &str,
    bytes: &[u8],
    sha: &str,
    now: NaiveDateTime,
) -> Result<ImportFileReport, ApiError> {
    let file = match fec::read_fec_bytes(file_name, bytes) {
        Ok(f) => f,
        Err(e) => return Ok(line(label, ImportOutcome::Failed, e.to_string(), 0)),
    };
    // Due dates: a matching e-invoice's first (the same number in the dossier, from an e-invoice
    // file, with one due date), else the terms (open-data §1.4).
    let einvoices = encours_store::money_in::einvoice_due_dates(dossier)?;
    let lookup = |number: &str, _client: &fec::FecClient| match einvoices.get(number).map(Vec::as_slice) {
        Some([only]) => Some(*only),
        _ => None,
    };
    let options = RebuildOptions { einvoice_due_dates: Some(&lookup), ..RebuildOptions::default() };
    let rebuilt = fec::rebuild(&file, &options);
    let mut writer = dossier.writer("fec", now)?;
    if let Some((_, first)) = writer.document_by_hash(sha)? {
        return Ok(line(label, ImportOutcome::Duplicate, format!("this file was already imported (as {first})"), 0));
    }
    writer.document(sha, file_name, "text/plain", bytes)?;
    let (clients, created) = store_clients(&mut writer, label, &rebuilt)?;
    let stored = store_items(&mut writer, label, &rebuilt, &clients)?;
    let allocations = store_allocations(&mut writer, &rebuilt, &stored)?;
    let counts = writer.counts().clone();
    let warnings = rebuilt.diagnostics.iter().filter(|d| d.level != encours_readers::einvoice::Level::Info).count();
    writer.commit(
        "user",
        "import.fec",
        serde_json::json!({ "file": label, "sha256": sha, "clients": rebuilt.clients.len(),
                            "new_clients": created, "allocations": allocations }),
    )?;
    let mismatches = check_balances(dossier, &rebuilt, &clients)?;
    let mut message = format!(
        "FEC: {} client account(s) ({} new), {} invoice(s) and credit note(s), {} payment(s), {} lettrage allocation(s)",
        rebuilt.clients.len(),
        created,
        counts.invoices,
        counts.payments,
        allocations
    );
    if mismatches.is_empty() {
        message.push_str("; every client's open items equal its 411 balance in the file");
    } else {
        message.push_str(&format!("; balance differences: {}", mismatches.join(", ")));
    }
    let mut r = line(label, ImportOutcome::Imported, message, u32::try_from(warnings).unwrap_or(u32::MAX));
    r.new_client = created > 0;
    Ok(r)
}

fn segment(kind: ClientKind) -> &'static str {
    match kind {
        ClientKind::Customer => "",
        ClientKind::PaymentMeans => "fec:payment_means",
        ClientKind::Suspense => "fec:suspense",
        ClientKind::Unattributed => "fec:unattributed",
    }
}

fn store_clients(
    writer: &mut LedgerWriter<'_>,
    label: &str,
    rebuilt: &fec::Rebuilt,
) -> Result<(Vec<ClientId>, u32), StoreError> {
    let mut ids = Vec::with_capacity(rebuilt.clients.len());
    let mut created = 0;
    for c in &rebuilt.clients {
        if let Some(id) = writer.find_client(None, None, Some(&c.name))? {
            ids.push(id);
            continue;
        }
        let id = writer.next_client_id()?;
        let since = rebuilt.exercise_start.or(rebuilt.last_date).unwrap_or(chrono::NaiveDate::MIN);
        writer.client(&Client {
            id,
            name: c.name.clone(),
            siren: None,
            siret: None,
            vat: None,
            legal_form: None,
            naf: None,
            segment: segment(c.kind).to_owned(),
            owner: String::new(),
            address: Default::default(),
            contacts: Vec::new(),
            terms: PaymentTerms::default(),
            currency: rebuilt.currency,
            since,
            is_individual: false,
            source: Source::at(label, c.source.locator.clone()),
        })?;
        ids.push(id);
        created += 1;
    }
    Ok((ids, created))
}

fn due_origin_words(origin: DueDateOrigin) -> &'static str {
    match origin {
        DueDateOrigin::EInvoice => "due date from the matching e-invoice (BT-9)",
        DueDateOrigin::DateRglt => "due date from the FEC DateRglt zone",
        DueDateOrigin::ClientTerms => "due date from the client's terms (the FEC has no due dates)",
        DueDateOrigin::DefaultTerms => "due date from the default terms, 30 days (the FEC has no due dates)",
        DueDateOrigin::OpeningDate => "opening item: due on the day it was carried forward",
    }
}

fn store_items(
    writer: &mut LedgerWriter<'_>,
    label: &str,
    rebuilt: &fec::Rebuilt,
    clients: &[ClientId],
) -> Result<Vec<Option<Stored>>, StoreError> {
    let mut stored = Vec::with_capacity(rebuilt.items.len());
    for item in &rebuilt.items {
        let Some(&client) = clients.get(item.client) else {
            stored.push(None);
            continue;
        };
        let source = Source::at(label, item.source.locator.clone());
        let number = if item.reference.trim().is_empty() { item.entry.clone() } else { item.reference.clone() };
        let is_credit_note = item.kind == ItemKind::CreditNote;
        if item.side == Side::Debit || is_credit_note {
            let id = writer.next_invoice_id()?;
            let due = item.due.map(|d| d.date).unwrap_or(item.date);
            let terms = item.due.map(|d| due_origin_words(d.origin).to_owned());
            let kind = if is_credit_note { InvoiceKind::CreditNote } else { InvoiceKind::Invoice };
            let amount = item.amount;
            writer.invoice(&encours_domain::Invoice {
                id,
                client_id: client,
                number,
                type_code: if is_credit_note { 381 } else { 380 },
                kind,
                issue_date: item.date,
                due_date: due,
                instalments: Vec::new(),
                delivery_date: None,
                currency: amount.currency,
                totals: InvoiceTotals {
                    line_total: amount,
                    allowance_total: None,
                    charge_total: None,
                    tax_basis_total: amount,
                    tax_total: None,
                    grand_total: amount,
                    prepaid: None,
                    rounding: None,
                    due_payable: amount,
                },
                vat_breakdown: Vec::new(),
                payment_terms_note: terms,
                notes: Vec::new(),
                payee_iban: None,
                remittance: None,
                preceding_invoice: None,
                order_reference: None,
                business_process: Some(format!("FEC {} {}", item.journal, kind_words(item.kind))),
                seller_siren: None,
                source,
            })?;
            stored.push(Some(if is_credit_note { Stored::CreditNote(id) } else { Stored::Invoice(id) }));
        } else {
            let id = writer.next_payment_id()?;
            writer.payment(&Payment {
                id,
                client_id: Some(client),
                booked_on: item.booked_on,
                value_date: None,
                amount: item.amount,
                payer_name: None,
                payer_iban: None,
                remittance: Some(item.label.clone()).filter(|l| !l.trim().is_empty()),
                bank_reference: Some(number),
                source,
            })?;
            stored.push(Some(Stored::Payment(id)));
        }
    }
    Ok(stored)
}

fn kind_words(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Invoice => "invoice",
        ItemKind::CreditNote => "credit note",
        ItemKind::Payment => "payment",
        ItemKind::Refund => "refund",
        ItemKind::Opening => "opening item",
        ItemKind::Adjustment => "adjustment",
    }
}

fn store_allocations(
    writer: &mut LedgerWriter<'_>,
    rebuilt: &fec::Rebuilt,
    stored: &[Option<Stored>],
) -> Result<u32, StoreError> {
    let mut n = 0;
    for a in &rebuilt.allocations {
        let (Some(Some(Stored::Invoice(invoice))), Some(Some(credit))) = (stored.get(a.debit), stored.get(a.credit))
        else {
            continue;
        };
        let from = match credit {
            Stored::Payment(p) => AllocationFrom::Payment(*p),
            Stored::CreditNote(c) => AllocationFrom::CreditNote(*c),
            Stored::Invoice(_) => continue,
        };
        let id = writer.next_allocation_id()?;
        writer.allocation(&Allocation {
            id,
            invoice_id: *invoice,
            from,
            amount: a.amount,
            applied_on: a.applied_on,
        })?;
        n += 1;
    }
    Ok(n)
}

/// Compares each client's ledger balance with its 411 balance in the file; returns the clients
/// that differ, in words.
fn check_balances(dossier: &Dossier, rebuilt: &fec::Rebuilt, clients: &[ClientId]) -> Result<Vec<String>, ApiError> {
    let ledger = encours_store::money_in::client_balances(dossier)?;
    // Several FEC clients may map to one ledger client (same name): compare sums.
    let mut expected: HashMap<i64, Decimal> = HashMap::new();
    for (c, id) in rebuilt.clients.iter().zip(clients) {
        *expected.entry(id.0).or_default() += c.balance.amount;
    }
    let mut out = Vec::new();
    for (id, want) in expected {
        let have = ledger.get(&id).copied().unwrap_or_default();
        if have != want {
            let name = rebuilt
                .clients
                .iter()
                .zip(clients)
                .find(|(_, c)| c.0 == id)
                .map(|(c, _)| c.name.clone())
                .unwrap_or_default();
            out.push(format!("{name}: ledger {have}, file {want}"));
        }
    }
    out.sort();
    Ok(out)
}

/// The per-client balance check of an FEC already imported, for tests and the CLI:
/// `(client name, ledger balance, 411 balance in the file)`.
pub fn fec_balance_check(dossier: &Dossier, path: &std::path::Path) -> Result<Vec<(String, Money, Money)>, ApiError> {
    let bytes = crate::import::read_file_capped(path, encours_readers::limits::MAX_FEC_FILE_BYTES)?;
    let name = path.display().to_string();
    let file = fec::read_fec_bytes(&name, &bytes).map_err(|e| ApiError::invalid(e.to_string()))?;
    let rebuilt = fec::rebuild(&file, &RebuildOptions::default());
    let ledger = encours_store::money_in::client_balances(dossier)?;
    let names = encours_store::money_in::client_names(dossier)?;
    let by_name: HashMap<&str, i64> = names.iter().map(|(id, n)| (n.as_str(), *id)).collect();
    Ok(rebuilt
        .clients
        .iter()
        .map(|c| {
            let have = by_name.get(c.name.as_str()).and_then(|id| ledger.get(id)).copied().unwrap_or_default();
            (c.name.clone(), Money::new(have, c.balance.currency), c.balance)
        })
        .collect())
}
