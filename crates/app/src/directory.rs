//! A client's receiving platform and routing, from the platform's Directory Service (issue 10 §5,
//! legal-rules B.4 Annexe B): `POST /v1/siren/search` and its directory lines, through
//! [`encours_sync::FlowClient::directory_search`] with the account's token, timeouts and retries.
//!
//! [`client_directory_lookup`] looks a client's SIREN up with one of the dossier's platform
//! accounts and keeps the answer (`encours_store::directory`, an audited setting), so the client page
//! shows it without calling the platform; [`client_routing`] reads it back.
//!
//! [`platform_error`] is the one mapping of a platform failure to [`ErrorCode::Platform`]: the
//! message names the account, the URL, the HTTP status and the platform's error code and message.

use std::time::Duration;

use chrono::NaiveDateTime;
use encours_store::directory as store;
use encours_store::keys::SecretStore;
use encours_store::Dossier;
use encours_sync::directory::{DirectoryEntry, DirectoryLine};
use encours_sync::{FlowClient, SyncError};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};
use crate::sync::PlatformAccount;

/// One directory line, for the UI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RoutingLineView {
    /// The addressing identifier (`SIREN`, `SIREN_SIRET` or `SIREN_SIRET_CODE`).
    pub addressing_identifier: String,
    /// The facility, when the line is for one.
    pub siret: Option<String>,
    /// The routing identifier, when the line is for a routing code (a service).
    pub routing_identifier: Option<String>,
    /// The routing code's name.
    pub routing_name: Option<String>,
    /// The routing code's address on one line ("10 rue …, 69002 Lyon").
    pub address: Option<String>,
    /// The receiving platform's name.
    pub platform_name: Option<String>,
    /// Its registration number.
    pub platform_id: Option<String>,
}

/// What the directory says of a client's SIREN (or that it does not know it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DirectoryEntryView {
    /// The SIREN looked up.
    pub siren: String,
    /// False when the directory does not know it.
    pub found: bool,
    /// The registered name.
    pub business_name: Option<String>,
    /// `A` active, `C` closed.
    pub administrative_status: Option<String>,
    /// The platform invoices to the SIREN go to (its main line).
    pub platform_name: Option<String>,
    /// Its registration number.
    pub platform_id: Option<String>,
    /// `WK` a plateforme agréée, `DFH` the PPF.
    pub platform_type: Option<String>,
    /// The routing identifiers of its services, in order.
    pub routing_identifiers: Vec<String>,
    /// Every active line.
    pub lines: Vec<RoutingLineView>,
    /// The platform account asked.
    pub account: String,
    /// When (`YYYY-MM-DDTHH:MM:SS`, the caller's clock).
    pub checked_at: String,
}

fn line_view(l: &DirectoryLine) -> RoutingLineView {
    let address = l.routing_code.as_ref().and_then(|r| r.address.as_ref()).map(|a| {
        let town =
            [a.postal_code.as_deref(), a.locality.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
        [a.address_line1.as_deref(), Some(town.as_str()).filter(|t| !t.is_empty())]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    });
    RoutingLineView {
        addressing_identifier: l.addressing_identifier.clone(),
        siret: l.siret.clone(),
        routing_identifier: l.routing_code.as_ref().map(|r| r.routing_identifier.clone()),
        routing_name: l.routing_code.as_ref().and_then(|r| r.routing_code_name.clone()),
        address,
        platform_name: l.platform_name.clone(),
        platform_id: l.platform_registration_number.clone(),
    }
}

/// Shapes a directory answer for the UI.
pub fn entry_view(
    siren: &str,
    entry: Option<&DirectoryEntry>,
    account: &str,
    now: NaiveDateTime,
) -> DirectoryEntryView {
    let main = entry.and_then(DirectoryEntry::main_line);
    DirectoryEntryView {
        siren: siren.to_owned(),
        found: entry.is_some(),
        business_name: entry.map(|e| e.legal_unit.business_name.clone()),
        administrative_status: entry.and_then(|e| e.legal_unit.administrative_status.clone()),
        platform_name: main.and_then(|l| l.platform_name.clone()),
        platform_id: main.and_then(|l| l.platform_registration_number.clone()),
        platform_type: main.and_then(|l| l.platform_type.clone()),
        routing_identifiers: entry.map(DirectoryEntry::routing_identifiers).unwrap_or_default(),
        lines: entry.map(|e| e.lines.iter().map(line_view).collect()).unwrap_or_default(),
        account: account.to_owned(),
        checked_at: now.format("%Y-%m-%dT%H:%M:%S").to_string(),
    }
}

/// A platform failure as an [`ApiError`]: [`ErrorCode::Platform`], naming the account; the sync
/// error already names the URL, the HTTP status and the platform's error code and message. A
/// configuration mistake (not a SIREN, a bad limit) is the user's input, not the platform's.
pub fn platform_error(account: &str, e: &SyncError) -> ApiError {
    match e {
        SyncError::Config(m) => ApiError::invalid(format!("platform account {account:?}: {m}")),
        other => ApiError::new(ErrorCode::Platform, format!("platform account {account:?}: {other}")),
    }
}

fn client_for(account: &PlatformAccount, secret: &str, now: NaiveDateTime) -> Result<FlowClient, ApiError> {
    // A lookup is interactive: a shorter wait and fewer attempts than a background sync.
    crate::sync::client_with(account, secret, now, Duration::from_secs(15), Some(4))
}

/// Looks `siren` up in the directory of `account`'s platform. `secret` is the account's secret
/// (from the keyring); the access token stays in this call's memory.
pub fn directory_lookup(
    account: &PlatformAccount,
    secret: &str,
    siren: &str,
    now: NaiveDateTime,
) -> Result<DirectoryEntryView, ApiError> {
    let siren = siren.trim();
    if !encours_sync::directory::valid_siren(siren) {
        return Err(ApiError::invalid(format!("{siren:?} is not a SIREN (nine digits with a valid key)")));
    }
    let client = client_for(account, secret, now)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("directory runtime: {e}")))?;
    let entry = runtime.block_on(client.directory_search(siren)).map_err(|e| platform_error(&account.name, &e))?;
    Ok(entry_view(siren, entry.as_ref(), &account.name, now))
}

/// The account a lookup uses: the one named, else the first enabled account (name order).
pub fn lookup_account(dossier: &Dossier, name: Option<&str>) -> Result<PlatformAccount, ApiError> {
    match name {
        Some(n) => crate::sync::account(dossier, n),
        None => crate::sync::stored_accounts(dossier)?.into_iter().find(|a| a.enabled).ok_or_else(|| {
            ApiError::invalid("no platform account is set up: add one in Settings › Platforms to consult the directory")
        }),
    }
}

/// What a client lookup needs, read from the dossier: the account, its secret (from `secrets`)
/// and the client's SIREN. The shell reads it under the dossier's lock, then calls the platform
/// without holding the dossier ([`directory_lookup`]), then keeps the answer ([`keep_client_routing`]).
pub fn prepare_client_lookup(
    dossier: &Dossier,
    secrets: &dyn SecretStore,
    client_id: i64,
    account: Option<&str>,
) -> Result<(PlatformAccount, String, String), ApiError> {
    let (siren, name) = store::client_identity(dossier, client_id)?
        .ok_or_else(|| ApiError::invalid(format!("no client {client_id}")))?;
    let siren = siren.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
        ApiError::invalid(format!("the client {name:?} has no SIREN: the directory is searched by SIREN"))
    })?;
    let account = lookup_account(dossier, account)?;
    let secret = crate::sync::account_secret(dossier, secrets, &account.name)?;
    Ok((account, secret, siren))
}

/// Keeps a client's lookup for its page (an audited setting).
pub fn keep_client_routing(
    dossier: &mut Dossier,
    client_id: i64,
    view: &DirectoryEntryView,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let json = serde_json::to_string(view).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    store::put_client_routing_json(dossier, client_id, &json, "user", now)?;
    Ok(())
}

/// Looks a client's SIREN up with the dossier's account `account` (or the first enabled one), its
/// secret read from `secrets`, and keeps the answer for the client page.
pub fn client_directory_lookup(
    dossier: &mut Dossier,
    secrets: &dyn SecretStore,
    client_id: i64,
    account: Option<&str>,
    now: NaiveDateTime,
) -> Result<DirectoryEntryView, ApiError> {
    let (account, secret, siren) = prepare_client_lookup(dossier, secrets, client_id, account)?;
    let view = directory_lookup(&account, &secret, &siren, now)?;
    keep_client_routing(dossier, client_id, &view, now)?;
    Ok(view)
}

/// The client of the dossier with this SIREN, if any.
pub fn client_with_siren(dossier: &Dossier, siren: &str) -> Result<Option<i64>, ApiError> {
    Ok(store::client_by_siren(dossier, siren.trim())?)
}

/// The last lookup kept for a client, `None` before any.
pub fn client_routing(dossier: &Dossier, client_id: i64) -> Result<Option<DirectoryEntryView>, ApiError> {
    store::client_routing_json(dossier, client_id)?
        .map(|json| {
            serde_json::from_str(&json)
                .map_err(|e| ApiError::new(ErrorCode::Storage, format!("the stored directory lookup: {e}")))
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};
    use encours_store::{DossierKey, KeySource};
    use encours_sync::server::{demo_clients, demo_directory, demo_flows, Platform, PlatformConfig};

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 24).and_then(|d| d.and_hms_opt(9, 0, 0)).unwrap_or_default()
    }

    /// The local platform on a runtime of its own thread, as a remote platform would be.
    fn serve() -> (String, std::sync::mpsc::Sender<()>) {
        let (tx_addr, rx_addr) = std::sync::mpsc::channel();
        let (tx_stop, rx_stop) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("rt");
            rt.block_on(async move {
                let mut config =
                    PlatformConfig::new(Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).single().unwrap_or_default());
                config.directory = demo_directory(7);
                let running =
                    Platform::new(config).start(std::net::SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("start");
                let _ = tx_addr.send(running.base_url());
                let _ = tokio::task::spawn_blocking(move || rx_stop.recv()).await;
                running.stop().await;
            });
        });
        (rx_addr.recv().expect("address"), tx_stop)
    }

    #[test]
    fn a_client_lookup_shows_its_platform_and_routing_and_is_kept_for_the_client_page() {
        let dir = std::env::temp_dir().join(format!("encours-directory-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("d.encours");
        let _ = std::fs::remove_file(&path);
        let keys = KeySource::Environment(DossierKey::from_hex(&"5d".repeat(32)).expect("key"));
        let mut d = crate::create_dossier(&path, "732829320", "ENCOURS DEMO SAS", &keys, now()).expect("dossier");
        // The demo flows' invoices create their buyers as clients, with their SIRENs.
        for f in demo_flows(60, 7).iter().filter(|f| f.name.ends_with(".xml") && !f.name.contains("-CDV-")) {
            crate::import::import_bytes(&mut d, &f.name, &f.bytes, now()).expect("import");
        }
        let (base, stop) = serve();
        let secrets = crate::sync::FixedSecret::new("secret");
        let account = PlatformAccount::new("pa-demo", &base, &format!("{base}/oauth/token"), "encours");
        crate::sync::add_account(&mut d, &secrets, &account, "secret", now()).expect("account");

        // A client whose SIREN has a routing code (the second demo buyer), if it was invoiced.
        let buyers = demo_clients(7);
        let (client_id, siren) = buyers
            .iter()
            .find_map(|(s, _)| store::client_by_siren(&d, s).ok().flatten().map(|id| (id, s.clone())))
            .expect("an invoiced buyer");
        assert_eq!(client_routing(&d, client_id).expect("read"), None, "nothing looked up yet");
        let view = client_directory_lookup(&mut d, &secrets, client_id, None, now()).expect("lookup");
        assert!(view.found && view.siren == siren, "{view:?}");
        assert!(view.platform_name.as_deref().is_some_and(|p| p.starts_with("Plateforme Demo")), "{view:?}");
        assert_eq!(view.platform_type.as_deref(), Some("WK"));
        assert_eq!((view.account.as_str(), view.checked_at.as_str()), ("pa-demo", "2026-11-24T09:00:00"));
        assert_eq!(client_routing(&d, client_id).expect("read"), Some(view.clone()), "kept for the client page");

        // The routing of a buyer with a service line, looked up by SIREN.
        let (with_code, _) = buyers.get(1).cloned().expect("second buyer");
        let routed = directory_lookup(&account, "secret", &with_code, now()).expect("lookup");
        assert_eq!(routed.routing_identifiers, vec!["SCE-COMPTA-02".to_owned()]);
        let line = routed.lines.iter().find(|l| l.routing_identifier.is_some()).expect("service line");
        assert!(line.address.as_deref().is_some_and(|a| a.ends_with("69002 Lyon")), "{line:?}");

        // An unknown SIREN is "not found", not an error; a wrong secret is a Platform error naming the account.
        assert!(!directory_lookup(&account, "secret", "552100554", now()).expect("lookup").found);
        let e = directory_lookup(&account, "wrong", &siren, now()).expect_err("refused");
        assert_eq!(e.code, ErrorCode::Platform);
        assert!(
            e.message.contains("pa-demo") && e.message.contains("/oauth/token") && e.message.contains("401"),
            "{}",
            e.message
        );
        let _ = stop.send(());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn platform_failures_get_their_code_and_name_account_url_status_and_platform_code() {
        let e = SyncError::Http {
            url: "https://pa.example/v1/siren/search".into(),
            status: 403,
            code: "AccessDenied".into(),
            message: "not allowed".into(),
        };
        let api = platform_error("Plateforme A", &e);
        assert_eq!(api.code, ErrorCode::Platform);
        for part in ["Plateforme A", "https://pa.example/v1/siren/search", "403", "AccessDenied", "not allowed"] {
            assert!(api.message.contains(part), "{part} in {}", api.message);
        }
        assert_eq!(platform_error("A", &SyncError::Config("bad".into())).code, ErrorCode::InvalidInput);
    }
}
