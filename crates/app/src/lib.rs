//! # encours-app
//!
//! The single surface of Encours: every operation the desktop shell and the `encours` command line
//! perform is a function here, taking plain arguments (paths, identifiers, and the date and time,
//! which callers read from the clock and pass in) and returning DTOs or an [`ApiError`].
//! The shell and the CLI only parse their input, call one function and present the result.
//!
//! DTOs derive `ts_rs::TS`: `cargo test` writes their TypeScript twins to `ui/src/lib/bindings/`.
#![deny(missing_docs)]

pub mod alert_delivery;
pub mod analytics;
pub mod backup;
mod collect;
mod demo;
pub mod directory;
pub mod dispatch;
pub mod disputes;
mod dossier;
pub mod dto;
pub mod dunning;
mod error;
mod export;
mod fec;
mod import;
pub mod items;
pub mod jobs;
pub mod letters;
mod lifecycle;
pub mod matching;
mod money_in;
pub mod opendata;
pub mod portfolio;
pub mod rates;
pub mod rgpd;
pub mod scoring;
pub mod security;
pub mod settings;
pub mod simulate;
pub mod sync;

pub use demo::{
    demo_company_profile, generate_demo, open_or_create_demo, DemoOptions, DEMO_COMPANY_NAME, DEMO_COMPANY_SIREN,
};
pub use dossier::{
    check_bic, check_integrity, company_logo, company_profile, create_dossier, key_source, open_dossier,
    remove_dossier_files, set_company_logo, summary, update_company_profile, CompanyProfileDto,
};
pub use dto::{AppInfo, DemoReport, DossierSummary, KeyMode};
pub use encours_store::{Dossier, KeySource};
pub use error::{ApiError, ErrorCode};
pub use export::{export_all, export_clients_csv, export_open_items_csv, ExportAllReport, ExportFormat};
pub use fec::fec_balance_check;
pub use import::{
    import_bytes, import_paths, inspect, ImportFileReport, ImportOutcome, ImportProgress, ImportReport, MAX_FILE_BYTES,
};
pub use money_in::{inspect_bank, inspect_lifecycle};
