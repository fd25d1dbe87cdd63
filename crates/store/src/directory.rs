//! What the platform's Directory Service said of a client (legal-rules B.4, Annexe B): its
//! receiving platform and routing identifiers, as last looked up, so the client page shows them
//! without calling the platform each time.
//!
//! Kept as one dossier setting per client (`directory.client.<id>`, the JSON the app shapes) rather
//! than a table: a lookup is a handful of lines read and written whole, and a setting is audited
//! like every other (who looked up what, when). No schema change.

use chrono::NaiveDateTime;
use rusqlite::OptionalExtension;

use crate::{Dossier, StoreError};

fn key(client_id: i64) -> String {
    format!("directory.client.{client_id}")
}

/// The SIREN and name of a client, `None` when there is no such client.
pub fn client_identity(d: &Dossier, client_id: i64) -> Result<Option<(Option<String>, String)>, StoreError> {
    Ok(d.conn
        .prepare_cached("SELECT siren, name FROM clients WHERE id = ?1")?
        .query_row([client_id], |r| Ok((r.get::<_, Option<String>>(0)?, r.get::<_, String>(1)?)))
        .optional()?)
}

/// The last lookup stored for a client (JSON text), `None` before any.
pub fn client_routing_json(d: &Dossier, client_id: i64) -> Result<Option<String>, StoreError> {
    crate::backup::setting(d, &key(client_id))
}

/// Stores a client's lookup (JSON text), with its audit entry, in one transaction.
pub fn put_client_routing_json(
    d: &mut Dossier,
    client_id: i64,
    json: &str,
    actor: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    crate::backup::set_setting(d, &key(client_id), json, actor, at)
}

/// The client with this SIREN, `None` when there is none.
pub fn client_by_siren(d: &Dossier, siren: &str) -> Result<Option<i64>, StoreError> {
    Ok(d.conn
        .prepare_cached("SELECT id FROM clients WHERE siren = ?1 ORDER BY id LIMIT 1")?
        .query_row([siren], |r| r.get(0))
        .optional()?)
}
