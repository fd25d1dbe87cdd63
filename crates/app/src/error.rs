//! The one error that crosses the IPC boundary and reaches the CLI: a closed code the UI can map
//! to what the user sees, and a message in plain words that names the file and the problem.

use encours_store::StoreError;
use serde::Serialize;
use ts_rs::TS;

/// What kind of failure, for the UI's table of messages. The UI never parses messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub enum ErrorCode {
    /// No dossier at that path.
    DossierNotFound,
    /// A file already exists where a dossier was to be created.
    DossierExists,
    /// The file is not an Encours dossier (or from a newer version).
    NotADossier,
    /// No key is available: keyring unusable or without this dossier's key, or `ENCOURS_KEY_HEX` malformed.
    KeyUnavailable,
    /// The key does not decrypt the file.
    WrongKey,
    /// Bad input from the user (an invalid SIREN, an empty name, a record that breaks a rule).
    InvalidInput,
    /// An operation that needs an open dossier was called without one.
    NoDossierOpen,
    /// The database failed.
    Storage,
    /// The file system failed.
    Io,
    /// A plateforme agréée refused or failed a request (XP Z12-013, legal-rules B.4): the message
    /// names the account and URL, the HTTP status and the platform's error code and message.
    Platform,
    /// A bug.
    Internal,
}

/// `{code, message}`: the serialisable error of every command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[ts(export)]
#[error("{message}")]
pub struct ApiError {
    /// The kind of failure.
    pub code: ErrorCode,
    /// What happened, naming the file and the problem.
    pub message: String,
}

impl ApiError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into() }
    }

    /// Bad user input.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::InvalidInput, message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        let code = match &e {
            StoreError::NotFound(_) => ErrorCode::DossierNotFound,
            StoreError::AlreadyExists(_) => ErrorCode::DossierExists,
            StoreError::NotEncrypted(_) | StoreError::NotADossier { .. } | StoreError::SchemaTooNew { .. } => {
                ErrorCode::NotADossier
            }
            StoreError::CannotDecrypt(_) => ErrorCode::WrongKey,
            StoreError::KeyringUnavailable(_) | StoreError::KeyNotFound { .. } | StoreError::BadEnvironmentKey(_) => {
                ErrorCode::KeyUnavailable
            }
            StoreError::Invalid(_) | StoreError::AmountOutOfRange(_) => ErrorCode::InvalidInput,
            StoreError::Io { .. } => ErrorCode::Io,
            StoreError::Sql(_) | StoreError::Decode(_) => ErrorCode::Storage,
        };
        ApiError::new(code, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_shape_is_code_and_message() {
        let e =
            ApiError::new(ErrorCode::WrongKey, "cannot decrypt /tmp/x.encours: wrong key, or not an Encours dossier");
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"code":"WrongKey","message":"cannot decrypt /tmp/x.encours: wrong key, or not an Encours dossier"}"#
        );
    }

    #[test]
    fn store_errors_map_to_codes_and_keep_the_file_name() {
        let e: ApiError = StoreError::NotFound("/data/acme.encours".into()).into();
        assert_eq!(e.code, ErrorCode::DossierNotFound);
        assert!(e.message.contains("/data/acme.encours"), "the message names the file");
        let e: ApiError = StoreError::KeyringUnavailable("no session bus".into()).into();
        assert_eq!(e.code, ErrorCode::KeyUnavailable);
        assert!(e.message.contains("ENCOURS_KEY_HEX"), "the message says how to run headless");
    }
}
