//! Dossier keys.
//!
//! Each dossier is encrypted with its own 32 random bytes, used by SQLCipher as a raw key (no
//! passphrase derivation). The key lives in the OS keyring (Keychain, Credential Manager, Secret
//! Service), one entry per dossier, named after the dossier id: the hex of the 16-byte salt that
//! SQLCipher writes at the start of the file. The id travels with the file, so a dossier that is
//! moved or copied still finds its key.
//!
//! Headless use (CI, scripts) is chosen explicitly by setting `ENCOURS_KEY_HEX` to 64 hex digits;
//! then that key is used for every dossier and the keyring is not touched. There is never a silent
//! fallback to an unencrypted or in-memory store: without a usable keyring and without the
//! variable, opening or creating a dossier fails with [`StoreError::KeyringUnavailable`].

use std::fmt;
use std::path::Path;

use zeroize::Zeroizing;

use crate::error::StoreError;

/// The environment variable that selects headless mode.
pub const KEY_ENV_VAR: &str = "ENCOURS_KEY_HEX";

/// The keyring service name (the application identifier).
pub const KEYRING_SERVICE: &str = "fr.encours.desktop";

/// A 32-byte dossier key, wiped from memory when dropped.
#[derive(Clone)]
pub struct DossierKey(Zeroizing<[u8; 32]>);

impl DossierKey {
    /// A fresh random key from the OS random source.
    pub fn random() -> Result<DossierKey, StoreError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut())
            .map_err(|e| StoreError::KeyringUnavailable(format!("no OS randomness: {e}")))?;
        Ok(DossierKey(bytes))
    }

    /// Parses 64 hex digits.
    pub fn from_hex(hex_digits: &str) -> Result<DossierKey, StoreError> {
        let trimmed = hex_digits.trim();
        let mut bytes = Zeroizing::new([0u8; 32]);
        if trimmed.len() != 64 {
            return Err(StoreError::BadEnvironmentKey(trimmed.len()));
        }
        hex::decode_to_slice(trimmed, bytes.as_mut()).map_err(|_| StoreError::BadEnvironmentKey(trimmed.len()))?;
        Ok(DossierKey(bytes))
    }

    /// The key as lower-case hex (for the keyring entry and the `PRAGMA key` statement).
    pub(crate) fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_ref()))
    }
}

impl fmt::Debug for DossierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material, even in debug logs.
        f.write_str("DossierKey(…)")
    }
}

/// Where dossier keys come from.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// The OS keyring (the normal desktop case).
    OsKeyring,
    /// One key for every dossier, from `ENCOURS_KEY_HEX` (explicit headless mode).
    Environment(DossierKey),
}

/// Which mode is in use, for display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyMode {
    /// OS keyring.
    Keyring,
    /// `ENCOURS_KEY_HEX`.
    Environment,
}

impl KeySource {
    /// Reads the choice from the environment: `ENCOURS_KEY_HEX` set → that key; otherwise the keyring.
    /// A set but malformed variable is an error, not a fallback.
    pub fn from_env() -> Result<KeySource, StoreError> {
        match std::env::var(KEY_ENV_VAR) {
            Ok(v) => Ok(KeySource::Environment(DossierKey::from_hex(&v)?)),
            Err(std::env::VarError::NotPresent) => Ok(KeySource::OsKeyring),
            Err(std::env::VarError::NotUnicode(_)) => Err(StoreError::BadEnvironmentKey(0)),
        }
    }

    /// The mode.
    pub fn mode(&self) -> KeyMode {
        match self {
            KeySource::OsKeyring => KeyMode::Keyring,
            KeySource::Environment(_) => KeyMode::Environment,
        }
    }

    /// The key for a dossier about to be created.
    pub(crate) fn new_key(&self) -> Result<DossierKey, StoreError> {
        match self {
            KeySource::OsKeyring => DossierKey::random(),
            KeySource::Environment(k) => Ok(k.clone()),
        }
    }

    fn entry(dossier_id: &str) -> Result<keyring::Entry, StoreError> {
        keyring::Entry::new(KEYRING_SERVICE, &format!("dossier-{dossier_id}"))
            .map_err(|e| StoreError::KeyringUnavailable(e.to_string()))
    }

    /// Records the key of a newly created dossier.
    pub(crate) fn remember(&self, dossier_id: &str, key: &DossierKey) -> Result<(), StoreError> {
        match self {
            KeySource::Environment(_) => Ok(()),
            KeySource::OsKeyring => Self::entry(dossier_id)?
                .set_password(&key.to_hex())
                .map_err(|e| StoreError::KeyringUnavailable(e.to_string())),
        }
    }

    /// The key of an existing dossier.
    pub(crate) fn key_for(&self, path: &Path, dossier_id: &str) -> Result<DossierKey, StoreError> {
        match self {
            KeySource::Environment(k) => Ok(k.clone()),
            KeySource::OsKeyring => match Self::entry(dossier_id)?.get_password() {
                Ok(hex_key) => DossierKey::from_hex(&Zeroizing::new(hex_key)).map_err(|_| {
                    StoreError::KeyringUnavailable(format!("the keyring entry of dossier {dossier_id} is corrupt"))
                }),
                Err(keyring::Error::NoEntry) => {
                    Err(StoreError::KeyNotFound { path: path.to_owned(), dossier_id: dossier_id.to_owned() })
                }
                Err(e) => Err(StoreError::KeyringUnavailable(e.to_string())),
            },
        }
    }

    /// Removes the key of a dossier from the keyring (used when creation fails half-way).
    pub(crate) fn forget(&self, dossier_id: &str) {
        if let KeySource::OsKeyring = self {
            if let Ok(e) = Self::entry(dossier_id) {
                // Best effort: the entry may not exist.
                let _ = e.delete_credential();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_keys() {
        let k = DossierKey::from_hex(&"ab".repeat(32)).unwrap();
        assert_eq!(k.to_hex().as_str(), "ab".repeat(32));
        assert!(matches!(DossierKey::from_hex("abc"), Err(StoreError::BadEnvironmentKey(3))));
        assert!(matches!(DossierKey::from_hex(&"zz".repeat(32)), Err(StoreError::BadEnvironmentKey(64))));
        assert_eq!(format!("{k:?}"), "DossierKey(…)", "key material never printed");
    }

    #[test]
    fn random_keys_differ() {
        let a = DossierKey::random().unwrap();
        let b = DossierKey::random().unwrap();
        assert_ne!(a.to_hex().as_str(), b.to_hex().as_str());
    }
}
