//! # encours-readers
//!
//! Readers of the files Encours imports, pure functions from bytes to domain values with
//! diagnostics. This crate does no I/O besides [`einvoice::read_path`] reading one file, holds no
//! state, and never panics on any input (fuzz targets and a mutation test check it).
//!
//! - [`einvoice`]: Factur-X / ZUGFeRD hybrid PDFs, UN/CEFACT CII and UBL e-invoices.
//! - [`bank`]: bank statements and notifications, camt.053 / camt.054 and French CFONB 120.
//! - [`lifecycle`]: CDAR D22B lifecycle messages (statuses of the French e-invoicing reform), and the
//!   212 Encaissée Encours sends.
//! - [`fec`]: the FEC (A47 A-1) and the receivables history rebuilt from it.
//! - [`ibm_ar`]: the IBM accounts-receivable sample (the scoring benchmark).
//! - [`limits`]: every bound put on hostile input (sizes, lines, nesting, decompression).
#![deny(missing_docs)]

pub mod bank;
pub mod einvoice;
pub mod fec;
pub mod ibm_ar;
pub mod lifecycle;
pub mod limits;
mod xml;
