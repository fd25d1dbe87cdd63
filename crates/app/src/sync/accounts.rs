//! The platform accounts of a dossier (issue 10 §4): where each platform is, how to get a token,
//! what to ask for and how often. The dossier keeps the description (one audited setting, see
//! `encours_store::sync::ACCOUNTS_SETTING`); the secret — the client secret or the refresh token —
//! only ever goes to the OS keyring, under the dossier id and the account name, and the access
//! tokens only live in the client's memory during a call (legal-rules B.4 §4.2, issue 10 §1).

use std::sync::Arc;

use chrono::NaiveDateTime;
use encours_store::keys::{OsKeyring, SecretStore, Zeroizing};
use encours_store::sync as store;
use encours_store::{Dossier, StoreError};
use encours_sync::FlowType;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::PlatformAccount;
use crate::error::{ApiError, ErrorCode};

/// The OAuth2 grant of an account (the standard names none, B.4 §4.2 [U]: both usual ones).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum GrantKind {
    /// `client_credentials`: the keyring holds the client secret.
    #[default]
    ClientCredentials,
    /// `refresh_token`: the keyring holds the refresh token.
    RefreshToken,
}

/// The flow types an account may ask for (B.4 receivables recipe; SupplierInvoice optional).
pub const FLOW_TYPES: [&str; 3] = ["CustomerInvoice", "CustomerInvoiceLC", "SupplierInvoice"];

/// Longest interval of a schedule: one day.
pub const MAX_SCHEDULE_MINUTES: u32 = 24 * 60;

/// Platform accounts a dossier may hold (a handful in practice).
pub const MAX_ACCOUNTS: usize = 20;

/// The environment variable that, when set, is the secret of every account and keeps the keyring
/// out of it (headless machines and tests, as `ENCOURS_KEY_HEX` is for dossier keys).
pub const SECRET_ENV_VAR: &str = "ENCOURS_PA_SECRET";

/// The keyring account of a platform account's secret: dossier id + account name, so two
/// dossiers with an account of the same name never share a secret.
pub fn secret_key(dossier_id: &str, account: &str) -> String {
    format!("platform-{dossier_id}-{account}")
}

/// Where platform secrets live: the OS keyring, or the one secret of [`SECRET_ENV_VAR`] when it is set.
pub fn secret_store_from_env() -> Arc<dyn SecretStore> {
    match std::env::var(SECRET_ENV_VAR) {
        Ok(s) if !s.is_empty() => Arc::new(FixedSecret(Zeroizing::new(s))),
        _ => Arc::new(OsKeyring),
    }
}

/// One secret for every account, never stored anywhere (see [`SECRET_ENV_VAR`]).
pub struct FixedSecret(Zeroizing<String>);

impl FixedSecret {
    /// The store answering `secret` for every account.
    pub fn new(secret: &str) -> FixedSecret {
        FixedSecret(Zeroizing::new(secret.to_owned()))
    }
}

impl SecretStore for FixedSecret {
    fn get(&self, _account: &str) -> Result<Option<Zeroizing<String>>, StoreError> {
        Ok(Some(self.0.clone()))
    }
    fn set(&self, _account: &str, _secret: &str) -> Result<(), StoreError> {
        Ok(())
    }
    fn delete(&self, _account: &str) -> Result<(), StoreError> {
        Ok(())
    }
}

pub(super) fn keyring_error(e: StoreError) -> ApiError {
    ApiError::new(ErrorCode::KeyUnavailable, format!("the platform secret in the system keyring: {e}"))
}

/// The accounts of the dossier, in name order, each saying whether the keyring holds its secret.
pub fn list_accounts(d: &Dossier, secrets: &dyn SecretStore) -> Result<Vec<PlatformAccount>, ApiError> {
    let mut accounts = stored_accounts(d)?;
    for a in &mut accounts {
        // A keyring that cannot be read says "no secret" here; the sync says why when it runs.
        a.has_secret = secrets.get(&secret_key(d.id(), &a.name)).ok().flatten().is_some();
    }
    Ok(accounts)
}

/// The accounts as stored (no keyring access).
pub fn stored_accounts(d: &Dossier) -> Result<Vec<PlatformAccount>, ApiError> {
    let Some(json) = store::sync_accounts_json(d)? else { return Ok(Vec::new()) };
    let mut accounts: Vec<PlatformAccount> = serde_json::from_str(&json)
        .map_err(|e| ApiError::new(ErrorCode::Storage, format!("the stored platform accounts: {e}")))?;
    accounts.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(accounts)
}

/// One account by name.
pub fn account(d: &Dossier, name: &str) -> Result<PlatformAccount, ApiError> {
    stored_accounts(d)?
        .into_iter()
        .find(|a| a.name == name)
        .ok_or_else(|| ApiError::invalid(format!("no platform account is named {name:?}")))
}

fn save(d: &mut Dossier, accounts: &[PlatformAccount], now: NaiveDateTime) -> Result<(), ApiError> {
    let mut clean: Vec<PlatformAccount> = accounts.to_vec();
    for a in &mut clean {
        a.has_secret = false;
    }
    let json = serde_json::to_string(&clean).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    store::put_sync_accounts_json(d, &json, "user", now)?;
    Ok(())
}

/// Adds an account; `secret` (the client secret or the refresh token) goes to the keyring, never
/// to the dossier. The secret is required: an account without one cannot connect.
pub fn add_account(
    d: &mut Dossier,
    secrets: &dyn SecretStore,
    account: &PlatformAccount,
    secret: &str,
    now: NaiveDateTime,
) -> Result<PlatformAccount, ApiError> {
    let account = normalized(account)?;
    let mut accounts = stored_accounts(d)?;
    if accounts.iter().any(|a| a.name.eq_ignore_ascii_case(&account.name)) {
        return Err(ApiError::invalid(format!("account name: a platform account is already named {:?}", account.name)));
    }
    if accounts.len() >= MAX_ACCOUNTS {
        return Err(ApiError::invalid(format!("a dossier holds at most {MAX_ACCOUNTS} platform accounts")));
    }
    if secret.trim().is_empty() {
        return Err(ApiError::invalid(secret_label(account.grant) + ": required"));
    }
    secrets.set(&secret_key(d.id(), &account.name), secret.trim()).map_err(keyring_error)?;
    accounts.push(account.clone());
    save(d, &accounts, now)?;
    Ok(PlatformAccount { has_secret: true, ..account })
}

/// Replaces an account's settings (found by name; the name itself does not change, since the
/// dossier's cursor and flow list are kept under it). `secret`: a new secret, or `None`/empty to
/// keep the one in the keyring.
pub fn update_account(
    d: &mut Dossier,
    secrets: &dyn SecretStore,
    account: &PlatformAccount,
    secret: Option<&str>,
    now: NaiveDateTime,
) -> Result<PlatformAccount, ApiError> {
    let account = normalized(account)?;
    let mut accounts = stored_accounts(d)?;
    let slot = accounts
        .iter_mut()
        .find(|a| a.name == account.name)
        .ok_or_else(|| ApiError::invalid(format!("no platform account is named {:?}", account.name)))?;
    *slot = account.clone();
    let key = secret_key(d.id(), &account.name);
    if let Some(s) = secret.map(str::trim).filter(|s| !s.is_empty()) {
        secrets.set(&key, s).map_err(keyring_error)?;
    }
    save(d, &accounts, now)?;
    let has_secret = secrets.get(&key).ok().flatten().is_some();
    Ok(PlatformAccount { has_secret, ..account })
}

/// Removes an account and its secret from the keyring. What it synced stays in the dossier (the
/// flows, the cursor and the journal, under its name): an account added again under the same name
/// resumes where it stopped.
pub fn delete_account(
    d: &mut Dossier,
    secrets: &dyn SecretStore,
    name: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let mut accounts = stored_accounts(d)?;
    let before = accounts.len();
    accounts.retain(|a| a.name != name);
    if accounts.len() == before {
        return Err(ApiError::invalid(format!("no platform account is named {name:?}")));
    }
    save(d, &accounts, now)?;
    secrets.delete(&secret_key(d.id(), name)).map_err(keyring_error)?;
    Ok(())
}

/// The secret of an account from the keyring (an error naming the account when there is none).
pub fn account_secret(d: &Dossier, secrets: &dyn SecretStore, name: &str) -> Result<String, ApiError> {
    match secrets.get(&secret_key(d.id(), name)).map_err(keyring_error)? {
        Some(s) => Ok(s.as_str().to_owned()),
        None => Err(ApiError::new(
            ErrorCode::KeyUnavailable,
            format!("the system keyring holds no secret for the platform account {name:?}: enter it again"),
        )),
    }
}

fn secret_label(grant: GrantKind) -> String {
    match grant {
        GrantKind::ClientCredentials => "client secret".to_owned(),
        GrantKind::RefreshToken => "refresh token".to_owned(),
    }
}

/// Checks an account and returns it trimmed. Messages start with the field they are about.
pub fn normalized(a: &PlatformAccount) -> Result<PlatformAccount, ApiError> {
    let name = a.name.trim().to_owned();
    if name.is_empty() {
        return Err(ApiError::invalid("account name: required"));
    }
    if name.chars().count() > 60 {
        return Err(ApiError::invalid("account name: 60 characters at most"));
    }
    // The name keys the keyring entry and is typed on the command line (`--account NAME`).
    if !name.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.')) {
        return Err(ApiError::invalid("account name: letters, digits, spaces, '-', '_' and '.' only"));
    }
    let base_url = check_url("platform URL", &a.base_url)?;
    let token_url = check_url("token endpoint", &a.token_url)?;
    let client_id = a.client_id.trim().to_owned();
    if client_id.is_empty() {
        return Err(ApiError::invalid("client id: required"));
    }
    let scopes = a.scopes.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let mut flow_types: Vec<String> = Vec::new();
    for t in &a.flow_types {
        if !FLOW_TYPES.contains(&t.as_str()) {
            return Err(ApiError::invalid(format!("flow types: {t:?} is not one of {}", FLOW_TYPES.join(", "))));
        }
        if !flow_types.contains(t) {
            flow_types.push(t.clone());
        }
    }
    if flow_types.is_empty() {
        return Err(ApiError::invalid("flow types: choose at least one"));
    }
    if let Some(m) = a.schedule_minutes {
        if !(1..=MAX_SCHEDULE_MINUTES).contains(&m) {
            return Err(ApiError::invalid(format!(
                "schedule: every 1 to {MAX_SCHEDULE_MINUTES} minutes, or manual only"
            )));
        }
    }
    Ok(PlatformAccount {
        name,
        base_url,
        token_url,
        grant: a.grant,
        client_id,
        scopes,
        flow_types,
        schedule_minutes: a.schedule_minutes,
        enabled: a.enabled,
        has_secret: false,
    })
}

/// An absolute http(s) URL with a host; plain http only to this machine (the local platform):
/// a secret and invoices never travel in clear over a network.
fn check_url(field: &str, url: &str) -> Result<String, ApiError> {
    let url = url.trim().trim_end_matches('/').to_owned();
    if url.is_empty() {
        return Err(ApiError::invalid(format!("{field}: required")));
    }
    if url.chars().any(char::is_whitespace) {
        return Err(ApiError::invalid(format!("{field}: {url:?} contains spaces")));
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| ApiError::invalid(format!("{field}: {url:?} is not a URL (https://...)")))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    if host.is_empty() {
        return Err(ApiError::invalid(format!("{field}: {url:?} has no host name")));
    }
    if let Some((_, port)) = host_port.rsplit_once(':').filter(|_| !host_port.ends_with(']')) {
        if !port.is_empty() && port.parse::<u16>().is_err() {
            return Err(ApiError::invalid(format!("{field}: {url:?} has an invalid port")));
        }
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(url),
        "http" if matches!(host, "localhost" | "127.0.0.1" | "::1") => Ok(url),
        "http" => Err(ApiError::invalid(format!(
            "{field}: {url:?} must use https (plain http only to this machine, for the local platform)"
        ))),
        _ => Err(ApiError::invalid(format!("{field}: {url:?} is not an http(s) URL"))),
    }
}

/// The flow types of an account as the client asks for them.
pub fn flow_types(a: &PlatformAccount) -> Vec<FlowType> {
    a.flow_types
        .iter()
        .filter_map(|t| match t.as_str() {
            "CustomerInvoice" => Some(FlowType::CustomerInvoice),
            "CustomerInvoiceLC" => Some(FlowType::CustomerInvoiceLC),
            "SupplierInvoice" => Some(FlowType::SupplierInvoice),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> PlatformAccount {
        PlatformAccount {
            name: " PA 1 ".into(),
            base_url: "https://pa.example/flow-service/".into(),
            token_url: "https://pa.example/oauth/token".into(),
            grant: GrantKind::ClientCredentials,
            client_id: "encours".into(),
            scopes: Some("  ".into()),
            flow_types: vec!["CustomerInvoice".into(), "CustomerInvoice".into()],
            schedule_minutes: Some(15),
            enabled: true,
            has_secret: true,
        }
    }

    #[test]
    fn an_account_is_trimmed_and_each_field_checked_with_a_message_naming_it() {
        let a = normalized(&account()).expect("valid");
        assert_eq!(a.name, "PA 1");
        assert_eq!(a.base_url, "https://pa.example/flow-service");
        assert_eq!(a.scopes, None);
        assert_eq!(a.flow_types, vec!["CustomerInvoice".to_owned()]);
        assert!(!a.has_secret, "never stored as true");
        let bad = |f: &dyn Fn(&mut PlatformAccount)| {
            let mut a = account();
            f(&mut a);
            normalized(&a).expect_err("refused").message
        };
        assert!(bad(&|a| a.name = " ".into()).starts_with("account name"));
        assert!(bad(&|a| a.name = "a/b".into()).starts_with("account name"));
        assert!(bad(&|a| a.base_url = "pa.example".into()).starts_with("platform URL"));
        assert!(bad(&|a| a.base_url = "http://pa.example".into()).contains("https"));
        assert!(bad(&|a| a.base_url = "https://:80/x".into()).contains("no host"));
        assert!(bad(&|a| a.token_url = "ftp://pa.example".into()).starts_with("token endpoint"));
        assert!(bad(&|a| a.client_id = "".into()).starts_with("client id"));
        assert!(bad(&|a| a.flow_types = vec![]).starts_with("flow types"));
        assert!(bad(&|a| a.flow_types = vec!["Invoice".into()]).starts_with("flow types"));
        assert!(bad(&|a| a.schedule_minutes = Some(0)).starts_with("schedule"));
        let mut local = account();
        local.base_url = "http://127.0.0.1:8080".into();
        local.token_url = "http://localhost:8080/oauth/token".into();
        assert!(normalized(&local).is_ok(), "plain http to this machine (the local platform)");
    }
}
