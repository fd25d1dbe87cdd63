//! Early warnings sent out (issue 9 §3): where they go and which alert went where (migration
//! `alert_delivery`). The alert itself stays in `score_alerts`; a row here says that channel has
//! carried it, so a second delivery run sends nothing. The settings hold no secret (the webhook's
//! signing secret is in the OS keyring, `encours-channels`).

use std::collections::HashSet;

use chrono::NaiveDateTime;
use rusqlite::{params, OptionalExtension};

use crate::dossier::insert_audit;
use crate::{Dossier, StoreError};

fn at_str(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn check_channel(channel: &str) -> Result<(), StoreError> {
    if matches!(channel, "email" | "webhook") {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!("alert delivery channel {channel:?}: expected email or webhook")))
    }
}

/// The alert delivery settings as the app wrote them (JSON); `None` when never configured.
pub fn settings(d: &Dossier) -> Result<Option<serde_json::Value>, StoreError> {
    let json: Option<String> = d
        .conn
        .query_row("SELECT settings_json FROM alert_delivery_settings WHERE id = 1", [], |r| r.get(0))
        .optional()?;
    json.map(|j| serde_json::from_str(&j).map_err(StoreError::from)).transpose()
}

/// Replaces the alert delivery settings, audited with the previous and the new value (no secret).
pub fn put_settings(
    d: &mut Dossier,
    value: &serde_json::Value,
    actor: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let tx = d.conn.transaction()?;
    let before: Option<String> =
        tx.query_row("SELECT settings_json FROM alert_delivery_settings WHERE id = 1", [], |r| r.get(0)).optional()?;
    let json = value.to_string();
    tx.execute(
        "INSERT INTO alert_delivery_settings (id, settings_json, updated_at) VALUES (1, ?1, ?2)
         ON CONFLICT(id) DO UPDATE SET settings_json = excluded.settings_json, updated_at = excluded.updated_at",
        params![json, at_str(at)],
    )?;
    insert_audit(
        &tx,
        at,
        actor,
        "score.alert_delivery_settings",
        "alert_delivery_settings",
        None,
        before.as_deref(),
        Some(&json),
    )?;
    tx.commit()?;
    Ok(())
}

/// The ids of the alerts `channel` (`email` or `webhook`) has already carried.
pub fn delivered(d: &Dossier, channel: &str) -> Result<HashSet<i64>, StoreError> {
    check_channel(channel)?;
    let mut stmt = d.conn.prepare_cached("SELECT alert_id FROM alert_deliveries WHERE channel = ?1")?;
    let ids = stmt.query_map([channel], |r| r.get(0))?.collect::<Result<HashSet<i64>, _>>()?;
    Ok(ids)
}

/// Records that `channel` carried these alerts (`reference`: the email's Message-ID, or the webhook's
/// status and attempts), with one audit entry, in one transaction. An alert already recorded for the
/// channel keeps its first row. Returns the rows written.
pub fn record(
    d: &mut Dossier,
    alert_ids: &[i64],
    channel: &str,
    reference: &str,
    actor: &str,
    at: NaiveDateTime,
) -> Result<usize, StoreError> {
    check_channel(channel)?;
    let tx = d.conn.transaction()?;
    let mut written = 0;
    {
        let mut ins = tx.prepare_cached(
            "INSERT INTO alert_deliveries (alert_id, channel, delivered_at, reference) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(alert_id, channel) DO NOTHING",
        )?;
        for id in alert_ids {
            written += ins.execute(params![id, channel, at_str(at), reference])?;
        }
    }
    let after = serde_json::json!({ "channel": channel, "alerts": alert_ids, "reference": reference }).to_string();
    insert_audit(&tx, at, actor, "score.alert_delivered", "score_alert", None, None, Some(&after))?;
    tx.commit()?;
    Ok(written)
}
