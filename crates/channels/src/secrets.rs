//! The OS keyring, for the SMTP password and the SMS provider's API key.
//!
//! Secrets never live in the dossier or in the settings: the dossier can be copied or sent for support,
//! the keyring stays on the user's computer, protected by the session (Keychain, Credential Manager,
//! Secret Service). Tests install keyring's mock credential builder and never touch the real keyring.

use crate::error::ChannelError;

fn entry(service: &str, account: &str) -> Result<keyring::Entry, ChannelError> {
    keyring::Entry::new(service, account)
        .map_err(|e| ChannelError::Keyring(format!("cannot open the entry {service}/{account}: {e}")))
}

pub(crate) fn store(service: &str, account: &str, secret: &str) -> Result<(), ChannelError> {
    if secret.is_empty() {
        return Err(ChannelError::Keyring(format!("refusing to store an empty secret for {account}")));
    }
    entry(service, account)?
        .set_password(secret)
        .map_err(|e| ChannelError::Keyring(format!("cannot store the secret of {account}: {e}")))
}

pub(crate) fn read(service: &str, account: &str) -> Result<Option<String>, ChannelError> {
    match entry(service, account)?.get_password() {
        Ok(secret) => Ok(Some(secret)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(ChannelError::Keyring(format!("cannot read the secret of {account}: {e}"))),
    }
}

pub(crate) fn forget(service: &str, account: &str) -> Result<(), ChannelError> {
    match entry(service, account)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(ChannelError::Keyring(format!("cannot remove the secret of {account}: {e}"))),
    }
}
