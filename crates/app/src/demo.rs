//! The demo portfolio: generated into a dossier in one unit of work.

use std::path::Path;

use chrono::NaiveDateTime;
use encours_demo::{DemoConfig, DemoSink};
use encours_domain::{Allocation, Client, Dispute, Invoice, Payment, Promise, Siren, StatusEvent};
use encours_store::{Dossier, KeySource, LedgerWriter, StoreError};

use crate::dto::DemoReport;
use crate::error::ApiError;

/// The SIREN of the demo company (a valid, fictitious number).
pub const DEMO_COMPANY_SIREN: &str = "100000009";
/// The name of the demo company.
pub const DEMO_COMPANY_NAME: &str = "Atelier Démo Lumière SAS";

/// The demo company's letterhead: fictitious, complete, so every demo letter shows an address,
/// bank details (a valid IBAN: its mod-97 key is right) and a signatory.
pub fn demo_company_profile() -> crate::dossier::CompanyProfileDto {
    match Siren::parse(DEMO_COMPANY_SIREN) {
        Ok(siren) => demo_profile_for(&siren),
        Err(_) => crate::dossier::CompanyProfileDto::default(),
    }
}

/// The demo letterhead for a dossier of this SIREN (its VAT number and RCS line carry it).
fn demo_profile_for(siren: &Siren) -> crate::dossier::CompanyProfileDto {
    let digits = siren.as_str();
    crate::dossier::CompanyProfileDto {
        address_lines: vec!["12 rue des Lumières".to_owned(), "Bâtiment B".to_owned()],
        postcode: "69002".to_owned(),
        city: "Lyon".to_owned(),
        country: "FR".to_owned(),
        // FR + the key computed from the SIREN (legal-rules B.6).
        vat_number: Some(siren.vat_number().as_str().to_owned()),
        phone: Some("04 72 00 00 00".to_owned()),
        email: Some("recouvrement@atelier-demo-lumiere.fr".to_owned()),
        website: Some("www.atelier-demo-lumiere.fr".to_owned()),
        iban: Some("FR7630006000011234567890189".to_owned()),
        bic: Some("AGRIFRPPXXX".to_owned()),
        signatory_name: "Camille Martin".to_owned(),
        signatory_title: Some("Responsable du recouvrement".to_owned()),
        town: "Lyon".to_owned(),
        legal_line: Some(format!(
            "SAS au capital de 50 000 € — RCS Lyon {} {} {}",
            digits.get(..3).unwrap_or(""),
            digits.get(3..6).unwrap_or(""),
            digits.get(6..).unwrap_or("")
        )),
        legal_form: Some("SAS".to_owned()),
        ..crate::dossier::CompanyProfileDto::default()
    }
}

/// One demo client went into redressement judiciaire two months before "today" (published at the
/// BODACC a week later), so the déclaration de créance has a client it applies to: one that owed
/// overdue invoices on the judgment date and, when the portfolio has one, owes nothing today, so
/// that today's dunning plan is the same as without the procedure; the one that owed the most then.
fn record_demo_insolvency(dossier: &mut Dossier, now: NaiveDateTime) -> Result<(), ApiError> {
    let today = now.date();
    let judgment = today - chrono::Days::new(60);
    let published = judgment + chrono::Days::new(8);
    let query =
        |as_of, filter| encours_store::items::OpenItemsQuery { as_of, filter, currency: None, limit: 1_000_000 };
    let then = encours_store::items::open_items(
        dossier,
        &query(judgment, encours_store::items::ItemFilter::DaysPastDue { min: Some(1), max: None }),
    )?;
    let owing_today: std::collections::HashSet<i64> =
        encours_store::items::open_items(dossier, &query(today, encours_store::items::ItemFilter::All))?
            .items
            .iter()
            .map(|i| i.client_id)
            .collect();
    // Per client: (owes nothing today, amount overdue on the judgment date). A client that owes
    // nothing today is preferred; a small portfolio may have none, and then the procedure adds a
    // claim declaration to today's plan.
    let mut per_client: std::collections::BTreeMap<i64, (bool, i64)> = std::collections::BTreeMap::new();
    for it in then.items.iter().filter(|i| i.open > 0 && !i.disputed) {
        let e = per_client.entry(it.client_id).or_insert((!owing_today.contains(&it.client_id), 0));
        e.1 += it.open;
    }
    let Some((client, _)) = per_client.into_iter().max_by_key(|(c, key)| (*key, std::cmp::Reverse(*c))) else {
        return Ok(());
    };
    let note = format!("BODACC A (fictif), jugement d'ouverture publié le {published}");
    crate::dunning::set_insolvency(dossier, client, Some(("redressement", judgment)), &note, now)
}

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoOptions {
    /// Random seed: the same seed gives the same portfolio.
    pub seed: u64,
    /// Number of clients.
    pub clients: u32,
    /// Number of invoices and credit notes.
    pub invoices: u64,
}

impl Default for DemoOptions {
    /// The portfolio the app opens as "la démo": 120 clients, 6,000 documents over two years.
    fn default() -> DemoOptions {
        DemoOptions { seed: 42, clients: 120, invoices: 6_000 }
    }
}

/// Feeds the generator's records into a ledger unit of work, reporting progress.
struct WriterSink<'w, 'd> {
    writer: &'w mut LedgerWriter<'d>,
    progress: &'w mut dyn FnMut(u64),
    invoices: u64,
}

impl DemoSink for WriterSink<'_, '_> {
    type Error = StoreError;
    fn client(&mut self, c: &Client) -> Result<(), StoreError> {
        self.writer.client(c)
    }
    fn invoice(&mut self, i: &Invoice) -> Result<(), StoreError> {
        self.invoices += 1;
        if self.invoices.is_multiple_of(100_000) {
            (self.progress)(self.invoices);
        }
        self.writer.invoice(i)
    }
    fn payment(&mut self, p: &Payment) -> Result<(), StoreError> {
        self.writer.payment(p)
    }
    fn allocation(&mut self, a: &Allocation) -> Result<(), StoreError> {
        self.writer.allocation(a)
    }
    fn status(&mut self, s: &StatusEvent) -> Result<(), StoreError> {
        self.writer.status(s)
    }
    fn dispute(&mut self, d: &Dispute) -> Result<(), StoreError> {
        self.writer.dispute(d)
    }
    fn promise(&mut self, p: &Promise) -> Result<(), StoreError> {
        self.writer.promise(p)
    }
}

/// Generates a demo portfolio into an empty dossier, in one unit of work: either all of it is
/// stored, or nothing. `now` dates the portfolio (its "today") and the audit entry.
/// `progress` is called every 100,000 invoices with the count so far.
pub fn generate_demo(
    dossier: &mut Dossier,
    options: DemoOptions,
    now: NaiveDateTime,
    progress: &mut dyn FnMut(u64),
) -> Result<DemoReport, ApiError> {
    let company = dossier.company()?;
    let mut writer = dossier.writer("demo", now)?;
    if !writer.ledger_is_empty()? {
        return Err(ApiError::invalid(
            "the dossier already has clients; demo data goes into a new or empty dossier (choose another --dossier path)",
        ));
    }
    let config = DemoConfig::new(options.seed, options.clients, options.invoices, now.date(), company.siren.clone());
    let mut sink = WriterSink { writer: &mut writer, progress, invoices: 0 };
    let stats = encours_demo::generate(&config, &mut sink)?;
    let detail = serde_json::json!({ "seed": options.seed, "clients": options.clients, "invoices": options.invoices });
    writer.commit("system", "demo.generate", detail)?;
    if encours_store::company::profile(dossier)?.is_none() {
        crate::dossier::update_company_profile(dossier, &demo_profile_for(&company.siren), now)?;
    }
    record_demo_insolvency(dossier, now)?;
    Ok(DemoReport {
        seed: options.seed,
        clients: stats.clients,
        invoices: stats.invoices,
        payments: stats.payments,
        allocations: stats.allocations,
        statuses: stats.statuses,
        disputes: stats.disputes,
        promises: stats.promises,
    })
}

/// Opens the demo dossier at `path`, creating and filling it first when it does not exist.
pub fn open_or_create_demo(path: &Path, keys: &KeySource, now: NaiveDateTime) -> Result<Dossier, ApiError> {
    if path.exists() {
        return Ok(Dossier::open(path, keys)?);
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            ApiError::new(crate::ErrorCode::Io, format!("{}: cannot create the folder: {e}", parent.display()))
        })?;
    }
    let siren =
        Siren::parse(DEMO_COMPANY_SIREN).map_err(|e| ApiError::new(crate::ErrorCode::Internal, e.to_string()))?;
    let mut dossier = Dossier::create(path, &siren, DEMO_COMPANY_NAME, keys, now)?;
    let filled = generate_demo(&mut dossier, DemoOptions::default(), now, &mut |_| {})
        .and_then(|_| dossier.check_integrity(now).map_err(ApiError::from));
    if let Err(e) = filled {
        // The dossier was created but could not be filled: remove it rather than leave an empty demo.
        drop(dossier);
        crate::dossier::remove_dossier_files(path);
        return Err(e);
    }
    Ok(dossier)
}
