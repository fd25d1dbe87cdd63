//! Where a record came from. Every imported record keeps its source so that a diagnostic, an
//! audit entry or a court exhibit can point back to the file and the place inside it.

use serde::{Deserialize, Serialize};

/// The origin of a record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The file, platform flow or generator it came from (`invoices/F2025-001.pdf`,
    /// `platform:acme/flow/8f3…`, `demo:seed=42`, `manual`).
    pub origin: String,
    /// The place inside it: an XML path (`/rsm:CrossIndustryInvoice/...`), a line number
    /// (`line 42`), or a generator index (`invoice #1234`). Empty when the origin is the whole record.
    pub locator: String,
}

impl Source {
    /// A record typed in by a user.
    pub fn manual() -> Source {
        Source { origin: "manual".to_owned(), locator: String::new() }
    }

    /// A record from a file (or flow), at a place inside it.
    pub fn at(origin: impl Into<String>, locator: impl Into<String>) -> Source {
        Source { origin: origin.into(), locator: locator.into() }
    }
}
