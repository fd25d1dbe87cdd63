use std::path::PathBuf;

/// What can go wrong with a dossier. Every variant that concerns a file names it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file does not exist.
    #[error("no dossier at {0}")]
    NotFound(PathBuf),
    /// Creating a dossier where a file already exists.
    #[error("a file already exists at {0}; choose another name or open it")]
    AlreadyExists(PathBuf),
    /// A plain (unencrypted) SQLite file: never opened as a dossier.
    #[error("{0} is an unencrypted SQLite file, not an Encours dossier")]
    NotEncrypted(PathBuf),
    /// The key does not open the file, or the file is not a dossier at all.
    #[error("cannot decrypt {0}: wrong key, or not an Encours dossier")]
    CannotDecrypt(PathBuf),
    /// The file is too short or unreadable as a dossier.
    #[error("{path} is not an Encours dossier: {why}")]
    NotADossier {
        /// The file.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// No usable keyring and no `ENCOURS_KEY_HEX`.
    #[error("the OS keyring is unavailable ({0}); for headless use (CI, scripts) set ENCOURS_KEY_HEX to 64 hexadecimal digits")]
    KeyringUnavailable(String),
    /// The keyring has no key for this dossier.
    #[error("the OS keyring holds no key for the dossier {path} (id {dossier_id}); it was created on another machine or account, or its key was removed")]
    KeyNotFound {
        /// The file.
        path: PathBuf,
        /// The dossier id (hex of the file's salt).
        dossier_id: String,
    },
    /// `ENCOURS_KEY_HEX` is set but is not 64 hexadecimal digits.
    #[error("ENCOURS_KEY_HEX must be 64 hexadecimal digits (32 bytes); found {0} characters or a non-hex digit")]
    BadEnvironmentKey(usize),
    /// The dossier was written by a newer version of Encours.
    #[error("{path} has schema version {found}, newer than this version of Encours supports ({supported})")]
    SchemaTooNew {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest this build knows.
        supported: i64,
    },
    /// A record refers to something missing or breaks a ledger rule.
    #[error("invalid record: {0}")]
    Invalid(String),
    /// An amount that cannot be stored exactly (more than 5 decimals, or too large).
    #[error("amount {0} cannot be stored exactly (at most 5 decimals and 92 trillion)")]
    AmountOutOfRange(String),
    /// File-system error, with the file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// SQLite / SQLCipher error.
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    /// A stored JSON column could not be read back.
    #[error("stored data could not be decoded: {0}")]
    Decode(String),
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Decode(e.to_string())
    }
}
