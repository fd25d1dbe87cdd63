//! Bank statements for demonstrations and tests: the payments the dossier's clients would make
//! of its open items, written as the bank reports them (camt.053.001.08), with what each entry
//! really is. The payments are drawn by `encours_demo::statements` (references, invoice numbers in
//! free text, grouped, partial and overpayments, payments without reference, and noise).

use std::collections::HashMap;

use chrono::NaiveDate;
use encours_demo::statements::{camt053, generate_entries, StatementConfig, StatementEntry, StatementItem};
use encours_domain::{ClientId, CreditorRef, Iban};
use encours_store::money_in;
use encours_store::Dossier;

use crate::error::ApiError;

/// A generated statement file and the truth of its entries.
#[derive(Clone, Debug)]
pub struct SimulatedStatement {
    /// The camt.053.001.08 file.
    pub camt: Vec<u8>,
    /// Every entry, with what it really is.
    pub entries: Vec<StatementEntry>,
}

/// The account the simulated statements are for (the ECBS example IBAN, valid).
const ACCOUNT: &str = "FR1420041010050500013M02606";

/// Draws `payments` client payments of the dossier's open items (plus noise), booked over the
/// business days from `first_day`.
pub fn simulate_statement(
    d: &Dossier,
    seed: u64,
    payments: usize,
    first_day: NaiveDate,
) -> Result<SimulatedStatement, ApiError> {
    let names = money_in::client_names(d)?;
    // Each client's usual account and payer name: the latest it paid with.
    let mut payers: HashMap<ClientId, (Option<Iban>, Option<String>)> = HashMap::new();
    for (client, iban, name) in money_in::payer_history(d)? {
        let entry = payers.entry(client).or_insert((None, None));
        if entry.0.is_none() {
            entry.0 = iban.as_deref().and_then(|i| Iban::parse(i).ok());
        }
        if entry.1.is_none() {
            entry.1 = name;
        }
    }
    let mut items = Vec::new();
    money_in::for_each_match_item(d, |r| {
        items.push(StatementItem {
            invoice: r.invoice,
            client: r.client,
            client_name: names.get(&r.client.0).cloned().unwrap_or_default(),
            client_iban: payers.get(&r.client).and_then(|p| p.0.clone()),
            creditor_ref: Some(CreditorRef::for_invoice(&r.number, r.invoice)),
            number: r.number,
            outstanding: r.outstanding,
            issue_date: r.issue_date,
            due_date: r.due_date,
        });
        Ok(())
    })?;
    let company = d.company()?;
    let cfg = StatementConfig {
        seed,
        account: Iban::parse(ACCOUNT).map_err(|e| ApiError::invalid(e.to_string()))?,
        account_owner: company.name,
        first_day,
        days: 10,
        payments,
        noise_percent: 8,
    };
    let entries = generate_entries(&items, &cfg);
    Ok(SimulatedStatement { camt: camt053(&entries, &cfg), entries })
}
