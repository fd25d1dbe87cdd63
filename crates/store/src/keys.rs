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
//!
//! **Passphrase mode** (machines without a usable keyring): the key is
//! `Argon2id(passphrase, salt)` with the dossier's own salt — the 16 random bytes SQLCipher keeps
//! in clear at the start of the file, which are also the dossier id — so nothing but the file is
//! needed to open it again. Parameters [`KdfParams::DEFAULT`]: 64 MiB, 3 passes, 1 lane, 32-byte
//! output (Argon2 version 0x13). The passphrase and the derived key are wiped when dropped; neither
//! is ever stored or printed.
//!
//! **Key rotation** ([`crate::Dossier::rekey`]) stores the new key under a *pending* keyring entry
//! (`dossier-<id>.pending`) before the file is re-encrypted, and promotes it to the main entry only
//! once the file has reopened with it. Opening tries the main entry, then the pending one — so a
//! crash at any point of a rotation leaves a key that opens the file.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Wipes its content when dropped (re-exported so callers can hold passphrases without a dependency).
pub use zeroize::Zeroizing;

use crate::error::StoreError;

/// The environment variable that selects headless mode.
pub const KEY_ENV_VAR: &str = "ENCOURS_KEY_HEX";

/// The keyring service name (the application identifier).
pub const KEYRING_SERVICE: &str = "fr.encours.desktop";

/// A 32-byte dossier key, wiped from memory when dropped.
#[derive(Clone)]
pub struct DossierKey {
    bytes: Zeroizing<[u8; 32]>,
    /// The salt to give SQLCipher with the key, for a file about to be created whose key was
    /// derived from a salt chosen in advance (passphrase mode); `None`: the file's own salt.
    pub(crate) salt: Option<[u8; 16]>,
}

impl DossierKey {
    /// A fresh random key from the OS random source.
    pub fn random() -> Result<DossierKey, StoreError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut())
            .map_err(|e| StoreError::KeyringUnavailable(format!("no OS randomness: {e}")))?;
        Ok(DossierKey { bytes, salt: None })
    }

    /// Parses 64 hex digits.
    pub fn from_hex(hex_digits: &str) -> Result<DossierKey, StoreError> {
        let trimmed = hex_digits.trim();
        let mut bytes = Zeroizing::new([0u8; 32]);
        if trimmed.len() != 64 {
            return Err(StoreError::BadEnvironmentKey(trimmed.len()));
        }
        hex::decode_to_slice(trimmed, bytes.as_mut()).map_err(|_| StoreError::BadEnvironmentKey(trimmed.len()))?;
        Ok(DossierKey { bytes, salt: None })
    }

    /// The key as lower-case hex (for the keyring entry).
    pub(crate) fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.bytes.as_ref()))
    }

    /// The value of SQLCipher's raw-key pragma: the key's hex, followed by the salt's when the key
    /// was derived for a salt chosen before the file exists.
    pub(crate) fn pragma_hex(&self) -> Zeroizing<String> {
        let mut s = self.to_hex();
        if let Some(salt) = &self.salt {
            s.push_str(&hex::encode(salt));
        }
        s
    }

    /// True when both keys have the same bytes.
    pub(crate) fn same_as(&self, other: &DossierKey) -> bool {
        self.bytes[..] == other.bytes[..]
    }
}

impl fmt::Debug for DossierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material, even in debug logs.
        f.write_str("DossierKey(…)")
    }
}

/// Argon2id parameters of passphrase mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory, KiB.
    pub memory_kib: u32,
    /// Passes.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl KdfParams {
    /// What Encours uses: 64 MiB, 3 passes, 1 lane (OWASP's Argon2id floor is 19 MiB, 2 passes;
    /// this costs about a quarter of a second on a desktop, once per opening).
    pub const DEFAULT: KdfParams = KdfParams { memory_kib: 64 * 1024, iterations: 3, parallelism: 1 };

    /// Other parameters (tests use small ones; a dossier must always be opened with those it was
    /// keyed with, since they are not stored).
    pub const fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> KdfParams {
        KdfParams { memory_kib, iterations, parallelism }
    }
}

/// A passphrase and the parameters to derive a dossier key from it. Wiped when dropped.
#[derive(Clone)]
pub struct Passphrase {
    secret: Zeroizing<String>,
    params: KdfParams,
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Passphrase").field("secret", &"…").field("params", &self.params).finish()
    }
}

/// The shortest passphrase accepted when a dossier is keyed with one.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

impl Passphrase {
    /// A passphrase with [`KdfParams::DEFAULT`]. The trailing line break a terminal or a file
    /// leaves is not part of it.
    pub fn new(secret: Zeroizing<String>) -> Passphrase {
        Passphrase::with_params(secret, KdfParams::DEFAULT)
    }

    /// A passphrase with other Argon2id parameters.
    pub fn with_params(mut secret: Zeroizing<String>, params: KdfParams) -> Passphrase {
        while secret.ends_with('\n') || secret.ends_with('\r') {
            secret.pop();
        }
        Passphrase { secret, params }
    }

    /// Refuses a passphrase too short to key a dossier with (checked when a dossier is created or
    /// rekeyed to it, not when one is opened).
    pub fn check_strength(&self) -> Result<(), StoreError> {
        if self.secret.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(StoreError::Invalid(format!(
                "the passphrase must have at least {MIN_PASSPHRASE_CHARS} characters"
            )));
        }
        Ok(())
    }

    /// `Argon2id(passphrase, salt)`, 32 bytes.
    pub fn derive(&self, salt: &[u8; 16]) -> Result<DossierKey, StoreError> {
        use argon2::{Algorithm, Argon2, Params, Version};
        let p = self.params;
        let params = Params::new(p.memory_kib, p.iterations, p.parallelism, Some(32))
            .map_err(|e| StoreError::Invalid(format!("Argon2id parameters: {e}")))?;
        let mut bytes = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(self.secret.as_bytes(), salt, bytes.as_mut())
            .map_err(|e| StoreError::Invalid(format!("Argon2id: {e}")))?;
        Ok(DossierKey { bytes, salt: None })
    }
}

/// A keyring-like store of secrets, one per account name. The OS keyring is one ([`OsKeyring`]);
/// [`MemorySecrets`] keeps them in memory (tests, or an embedder with its own vault).
pub trait SecretStore: Send + Sync {
    /// The secret of an account, if any.
    fn get(&self, account: &str) -> Result<Option<Zeroizing<String>>, StoreError>;
    /// Sets the secret of an account.
    fn set(&self, account: &str, secret: &str) -> Result<(), StoreError>;
    /// Removes an account (no error when it does not exist).
    fn delete(&self, account: &str) -> Result<(), StoreError>;
}

/// The OS keyring, under [`KEYRING_SERVICE`].
#[derive(Clone, Copy, Debug, Default)]
pub struct OsKeyring;

impl OsKeyring {
    fn entry(account: &str) -> Result<keyring::Entry, StoreError> {
        keyring::Entry::new(KEYRING_SERVICE, account).map_err(|e| StoreError::KeyringUnavailable(e.to_string()))
    }
}

impl SecretStore for OsKeyring {
    fn get(&self, account: &str) -> Result<Option<Zeroizing<String>>, StoreError> {
        match Self::entry(account)?.get_password() {
            Ok(s) => Ok(Some(Zeroizing::new(s))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(StoreError::KeyringUnavailable(e.to_string())),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), StoreError> {
        Self::entry(account)?.set_password(secret).map_err(|e| StoreError::KeyringUnavailable(e.to_string()))
    }

    fn delete(&self, account: &str) -> Result<(), StoreError> {
        match Self::entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(StoreError::KeyringUnavailable(e.to_string())),
        }
    }
}

/// Secrets kept in memory, wiped when dropped.
#[derive(Default)]
pub struct MemorySecrets(Mutex<HashMap<String, Zeroizing<String>>>);

impl MemorySecrets {
    /// An empty store.
    pub fn new() -> MemorySecrets {
        MemorySecrets::default()
    }

    /// The account names held (never the secrets), sorted.
    pub fn accounts(&self) -> Vec<String> {
        let mut v: Vec<String> = self.0.lock().map(|m| m.keys().cloned().collect()).unwrap_or_default();
        v.sort();
        v
    }
}

impl fmt::Debug for MemorySecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemorySecrets").field("accounts", &self.accounts()).finish()
    }
}

impl SecretStore for MemorySecrets {
    fn get(&self, account: &str) -> Result<Option<Zeroizing<String>>, StoreError> {
        let m = self.0.lock().map_err(|_| StoreError::KeyringUnavailable("poisoned".to_owned()))?;
        Ok(m.get(account).cloned())
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), StoreError> {
        let mut m = self.0.lock().map_err(|_| StoreError::KeyringUnavailable("poisoned".to_owned()))?;
        m.insert(account.to_owned(), Zeroizing::new(secret.to_owned()));
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<(), StoreError> {
        let mut m = self.0.lock().map_err(|_| StoreError::KeyringUnavailable("poisoned".to_owned()))?;
        m.remove(account);
        Ok(())
    }
}

/// Where dossier keys come from.
#[derive(Clone)]
pub enum KeySource {
    /// The OS keyring (the normal desktop case).
    OsKeyring,
    /// One key for every dossier, from `ENCOURS_KEY_HEX` (explicit headless mode).
    Environment(DossierKey),
    /// A keyring-like store given by the caller (tests, embedders); behaves as the OS keyring.
    Secrets(Arc<dyn SecretStore>),
    /// A passphrase: the key is derived from it and the dossier's salt; nothing is stored.
    Passphrase(Passphrase),
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::OsKeyring => f.write_str("OsKeyring"),
            KeySource::Environment(k) => f.debug_tuple("Environment").field(k).finish(),
            KeySource::Secrets(_) => f.write_str("Secrets(…)"),
            KeySource::Passphrase(p) => f.debug_tuple("Passphrase").field(p).finish(),
        }
    }
}

/// Which mode is in use, for display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyMode {
    /// OS keyring (or a keyring-like store given by the caller).
    Keyring,
    /// A key given explicitly, without the keyring: `ENCOURS_KEY_HEX`, or a passphrase
    /// (see [`KeySource::is_passphrase`]).
    Environment,
}

/// The keyring account of a dossier's key.
fn account(dossier_id: &str) -> String {
    format!("dossier-{dossier_id}")
}

/// The keyring account of a dossier's key during a rotation.
fn pending_account(dossier_id: &str) -> String {
    format!("dossier-{dossier_id}.pending")
}

/// The 16 salt bytes of a dossier id.
pub(crate) fn salt_of(dossier_id: &str) -> Result<[u8; 16], StoreError> {
    let mut salt = [0u8; 16];
    hex::decode_to_slice(dossier_id, &mut salt)
        .map_err(|_| StoreError::Invalid(format!("{dossier_id:?} is not a dossier id")))?;
    Ok(salt)
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
            KeySource::OsKeyring | KeySource::Secrets(_) => KeyMode::Keyring,
            KeySource::Environment(_) | KeySource::Passphrase(_) => KeyMode::Environment,
        }
    }

    /// True for passphrase mode.
    pub fn is_passphrase(&self) -> bool {
        matches!(self, KeySource::Passphrase(_))
    }

    /// A short name of the mode for the audit journal and messages: `keyring`, `environment`,
    /// `passphrase`.
    pub fn mode_name(&self) -> &'static str {
        match self {
            KeySource::OsKeyring | KeySource::Secrets(_) => "keyring",
            KeySource::Environment(_) => "environment",
            KeySource::Passphrase(_) => "passphrase",
        }
    }

    /// The store of keys, for the keyring modes.
    fn secrets(&self) -> Option<&dyn SecretStore> {
        match self {
            KeySource::OsKeyring => Some(&OsKeyring),
            KeySource::Secrets(s) => Some(s.as_ref()),
            KeySource::Environment(_) | KeySource::Passphrase(_) => None,
        }
    }

    /// The key for a dossier about to be created.
    pub(crate) fn new_key(&self) -> Result<DossierKey, StoreError> {
        match self {
            KeySource::OsKeyring | KeySource::Secrets(_) => DossierKey::random(),
            KeySource::Environment(k) => Ok(k.clone()),
            KeySource::Passphrase(p) => {
                p.check_strength()?;
                // The salt is chosen here and given to SQLCipher with the key, so it becomes the
                // file's salt (and its id).
                let mut salt = [0u8; 16];
                getrandom::fill(&mut salt)
                    .map_err(|e| StoreError::KeyringUnavailable(format!("no OS randomness: {e}")))?;
                let mut key = p.derive(&salt)?;
                key.salt = Some(salt);
                Ok(key)
            }
        }
    }

    /// The key a rotation to this source gives the dossier `dossier_id`: a fresh random one for
    /// the keyring, the passphrase's for its salt, the given one in headless mode.
    pub(crate) fn rotation_key(&self, dossier_id: &str) -> Result<DossierKey, StoreError> {
        match self {
            KeySource::OsKeyring | KeySource::Secrets(_) => DossierKey::random(),
            KeySource::Environment(k) => Ok(k.clone()),
            KeySource::Passphrase(p) => {
                p.check_strength()?;
                p.derive(&salt_of(dossier_id)?)
            }
        }
    }

    /// Records the key of a newly created dossier.
    pub(crate) fn remember(&self, dossier_id: &str, key: &DossierKey) -> Result<(), StoreError> {
        match self.secrets() {
            Some(s) => s.set(&account(dossier_id), &key.to_hex()),
            None => Ok(()),
        }
    }

    /// Records the key a rotation is about to give the dossier, before the file changes.
    pub(crate) fn stage(&self, dossier_id: &str, key: &DossierKey) -> Result<(), StoreError> {
        match self.secrets() {
            Some(s) => s.set(&pending_account(dossier_id), &key.to_hex()),
            None => Ok(()),
        }
    }

    /// Makes the staged key the dossier's key, once the file has reopened with it.
    pub(crate) fn promote(&self, dossier_id: &str, key: &DossierKey) -> Result<(), StoreError> {
        match self.secrets() {
            Some(s) => {
                s.set(&account(dossier_id), &key.to_hex())?;
                s.delete(&pending_account(dossier_id))
            }
            None => Ok(()),
        }
    }

    /// Drops a staged key (the rotation failed before the file changed).
    pub(crate) fn unstage(&self, dossier_id: &str) {
        if let Some(s) = self.secrets() {
            let _ = s.delete(&pending_account(dossier_id));
        }
    }

    /// True when both sources keep keys in the same keyring (so a rotation's promotion replaced
    /// the old key and there is nothing else to remove).
    pub(crate) fn same_store(&self, other: &KeySource) -> bool {
        match (self, other) {
            (KeySource::OsKeyring, KeySource::OsKeyring) => true,
            (KeySource::Secrets(a), KeySource::Secrets(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// The keys to try for an existing dossier, in order: its key, then the key of a rotation
    /// that was interrupted (keyring modes). At least one, or the reason there is none.
    pub(crate) fn candidates(&self, path: &Path, dossier_id: &str) -> Result<Vec<DossierKey>, StoreError> {
        let Some(s) = self.secrets() else {
            return Ok(vec![match self {
                KeySource::Environment(k) => k.clone(),
                KeySource::Passphrase(p) => p.derive(&salt_of(dossier_id)?)?,
                KeySource::OsKeyring | KeySource::Secrets(_) => unreachable!("keyring modes have a store"),
            }]);
        };
        let parse = |hex_key: Zeroizing<String>| {
            DossierKey::from_hex(&hex_key).map_err(|_| {
                StoreError::KeyringUnavailable(format!("the keyring entry of dossier {dossier_id} is corrupt"))
            })
        };
        let mut keys = Vec::new();
        if let Some(k) = s.get(&account(dossier_id))? {
            keys.push(parse(k)?);
        }
        if let Some(k) = s.get(&pending_account(dossier_id))? {
            keys.push(parse(k)?);
        }
        if keys.is_empty() {
            return Err(StoreError::KeyNotFound { path: path.to_owned(), dossier_id: dossier_id.to_owned() });
        }
        Ok(keys)
    }

    /// The key of an existing dossier (its main key; see [`KeySource::candidates`] for opening).
    pub(crate) fn key_for(&self, path: &Path, dossier_id: &str) -> Result<DossierKey, StoreError> {
        self.candidates(path, dossier_id)?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::KeyNotFound { path: path.to_owned(), dossier_id: dossier_id.to_owned() })
    }

    /// Removes the key of a dossier (and any pending one) from the keyring: when creation fails
    /// half-way, or after a rotation moved the dossier to another mode. Best effort.
    pub(crate) fn forget(&self, dossier_id: &str) {
        if let Some(s) = self.secrets() {
            let _ = s.delete(&account(dossier_id));
            let _ = s.delete(&pending_account(dossier_id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_keys() {
        let k = DossierKey::from_hex(&"ab".repeat(32)).unwrap();
        assert_eq!(k.pragma_hex().as_str(), "ab".repeat(32));
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

#[cfg(test)]
mod passphrase_tests {
    use super::*;

    fn pass(s: &str) -> Passphrase {
        Passphrase::with_params(Zeroizing::new(s.to_owned()), KdfParams::new(256, 1, 1))
    }

    #[test]
    fn the_key_depends_on_the_passphrase_and_the_salt_only() {
        let a = pass("correct horse battery").derive(&[1; 16]).unwrap();
        let b = pass("correct horse battery\n").derive(&[1; 16]).unwrap();
        assert!(a.same_as(&b), "a trailing line break is not part of the passphrase");
        assert!(!a.same_as(&pass("correct horse battery").derive(&[2; 16]).unwrap()));
        assert!(!a.same_as(&pass("correct horse batterY").derive(&[1; 16]).unwrap()));
        assert!(pass("short").check_strength().is_err());
        assert!(!format!("{:?}", pass("correct horse battery")).contains("horse"), "never printed");
    }

    #[test]
    fn a_new_passphrase_key_carries_its_salt() {
        let k = KeySource::Passphrase(pass("correct horse battery")).new_key().unwrap();
        assert_eq!(k.pragma_hex().len(), 96);
        let salt = k.salt.unwrap();
        assert!(k.same_as(&pass("correct horse battery").derive(&salt).unwrap()));
    }
}
