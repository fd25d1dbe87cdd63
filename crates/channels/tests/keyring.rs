//! The SMTP password and the SMS key in the keyring, with keyring's mock credential builder (and an
//! in-memory store for the round trip, since each mock entry is independent): never the real keyring.
//! One test function, because the default credential builder is process-wide.

use std::time::Duration;

use encours_channels::testing::MemoryKeyring;
use encours_channels::{
    forget_smtp_password, sms_api_key, sms_api_key_entry, smtp_password, smtp_password_entry, store_sms_api_key,
    store_smtp_password, ApiKeyPlacement, MailAddress, Security, SmsBody, SmsSettings, SmtpSettings,
};

fn smtp(host: &str, port: u16) -> SmtpSettings {
    SmtpSettings {
        host: host.into(),
        port,
        security: Security::StartTls,
        username: Some("relances@dupont-sa.fr".into()),
        from: MailAddress::new("relances@dupont-sa.fr"),
        reply_to: None,
        timeout: Duration::from_secs(30),
        extra_root_certificate_pem: None,
    }
}

#[test]
fn secrets_go_to_named_keyring_entries() {
    // The entry names the user, host and port; a new server is a new entry.
    let settings = smtp(" SMTP.Dupont-SA.fr ", 587);
    assert_eq!(
        smtp_password_entry(&settings),
        ("fr.encours.desktop".to_owned(), "smtp:relances@dupont-sa.fr@smtp.dupont-sa.fr:587".to_owned())
    );
    assert_ne!(smtp_password_entry(&settings), smtp_password_entry(&smtp("smtp.dupont-sa.fr", 465)));

    // keyring's own mock: storing works, reading an entry never written is "no password", not an error.
    keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
    store_smtp_password(&settings, "secret").unwrap();
    assert_eq!(smtp_password(&smtp("smtp.other.fr", 587)).unwrap(), None);
    forget_smtp_password(&smtp("smtp.other.fr", 587)).unwrap();
    assert!(store_smtp_password(&settings, "").is_err(), "an empty password is not stored");

    // Round trip through one shared store: what is stored under these settings is read back, and only there.
    MemoryKeyring::install();
    store_smtp_password(&settings, "pâssword 1").unwrap();
    assert_eq!(smtp_password(&smtp("smtp.dupont-sa.fr", 587)).unwrap().as_deref(), Some("pâssword 1"));
    assert_eq!(smtp_password(&smtp("smtp.dupont-sa.fr", 465)).unwrap(), None);
    store_smtp_password(&settings, "pâssword 2").unwrap();
    assert_eq!(smtp_password(&settings).unwrap().as_deref(), Some("pâssword 2"));
    forget_smtp_password(&settings).unwrap();
    assert_eq!(smtp_password(&settings).unwrap(), None);

    let sms = SmsSettings {
        endpoint: "https://api.sms.example/v1/send".into(),
        sender: "DUPONTSA".into(),
        body: SmsBody::Json(serde_json::json!({ "to": "{to}", "text": "{text}" })),
        key: ApiKeyPlacement::Header { name: "Authorization".into(), prefix: "Bearer ".into() },
        timeout: Duration::from_secs(10),
    };
    assert_eq!(sms_api_key_entry(&sms).1, "sms:https://api.sms.example/v1/send");
    assert_eq!(sms_api_key(&sms).unwrap(), None);
    store_sms_api_key(&sms, "key-1").unwrap();
    assert_eq!(sms_api_key(&sms).unwrap().as_deref(), Some("key-1"));
}
