//! The Paramètres checks, for real: a test email goes through STARTTLS with AUTH (password from the
//! keyring) to an SMTP server on 127.0.0.1, a refused connection is reported with host and port, a
//! test alert reaches the digest address and a signed webhook without marking any alert delivered,
//! and the rates overview gives each half-year's rates and leaves a missing one empty.

use std::path::Path;
use std::sync::Once;

use chrono::{NaiveDate, NaiveDateTime};
use encours_app::alert_delivery::{self, AlertDeliverySettingsDto};
use encours_app::dispatch::{self, SmtpSettingsDto};
use encours_app::settings;
use encours_app::{Dossier, ErrorCode, KeySource};
use encours_channels::testing::{closed_port, decode_words, MemoryKeyring, Part, SmtpBehaviour, SmtpServer, TestPki};
use encours_channels::verify_signature;
use encours_channels::webhook::test_receiver::ScriptedReceiver;
use encours_channels::webhook::{DELIVERY_HEADER, SIGNATURE_HEADER};
use encours_store::DossierKey;

const USER: &str = "relances@acme.fr";
const PASSWORD: &str = "secret SMTP de test";
const SECRET: &str = "whsec-parametres";

fn keyring() {
    static ONCE: Once = Once::new();
    ONCE.call_once(MemoryKeyring::install);
}

fn now() -> NaiveDateTime {
    "2026-11-23T14:05:00".parse().unwrap()
}

fn dossier(dir: &Path) -> Dossier {
    keyring();
    let keys = KeySource::Environment(DossierKey::from_hex(&"3e".repeat(32)).unwrap());
    encours_app::create_dossier(&dir.join("settings.encours"), "552081317", "ACME Industrie", &keys, now()).unwrap()
}

fn smtp(port: u16, security: &str, ca_pem: Option<String>, user: Option<&str>) -> SmtpSettingsDto {
    SmtpSettingsDto {
        host: "127.0.0.1".into(),
        port,
        security: security.into(),
        username: user.map(str::to_owned),
        from_address: USER.into(),
        from_name: Some("ACME — Relances".into()),
        reply_to: None,
        timeout_seconds: 10,
        extra_root_certificate_pem: ca_pem,
        has_password: false,
    }
}

#[test]
fn a_test_email_goes_through_starttls_with_the_keyring_password() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = dossier(dir.path());
    let pki = TestPki::new();
    let server = SmtpServer::start(SmtpBehaviour {
        starttls: Some(pki.server_config.clone()),
        credentials: Some((USER.into(), PASSWORD.into())),
        ..SmtpBehaviour::plain()
    });
    let dto = smtp(server.port, "starttls", Some(pki.ca_pem.clone()), Some(USER));
    dispatch::update_smtp_settings(&mut d, &dto, Some(PASSWORD), now()).unwrap();

    // Prepared under the dossier, sent without it: the dossier may be closed by then.
    let prepared = settings::prepare_test_email(&d, " camille@acme.fr ", now()).unwrap();
    drop(d);
    let report = prepared.send();
    assert_eq!(report.error, None, "{report:?}");
    assert_eq!(report.to, "camille@acme.fr");
    assert_eq!(report.server, format!("127.0.0.1:{}", server.port));

    let session = server.session();
    assert!(session.encrypted_at_mail, "STARTTLS before MAIL FROM");
    assert!(session.auth_accepted, "the password came from the keyring: {session:?}");
    assert_eq!(session.auth_password.as_deref(), Some(PASSWORD));
    assert_eq!(session.rcpt_to, vec!["camille@acme.fr".to_owned()]);
    let message = Part::parse(session.data.as_deref().unwrap());
    assert_eq!(decode_words(message.header("subject").unwrap()), "Encours : e-mail de test");
    assert_eq!(report.message_id.as_deref(), message.header("message-id"));
    let text = String::from_utf8(message.leaves()[0].decoded_body()).unwrap();
    assert!(text.contains("23/11/2026") && text.contains(&format!("127.0.0.1:{}", server.port)), "{text}");
}

#[test]
fn a_failed_test_email_says_why_and_bad_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = dossier(dir.path());
    let e = settings::send_test_email(&d, "camille@acme.fr", now()).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput, "no SMTP settings yet: {e:?}");
    assert!(e.message.contains("SMTP"), "{e:?}");

    let port = closed_port();
    dispatch::update_smtp_settings(&mut d, &smtp(port, "plain-local", None, None), None, now()).unwrap();
    for bad in ["", "camille", "camille@acme", "camille @acme.fr"] {
        let e = settings::send_test_email(&d, bad, now()).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{bad:?}: {e:?}");
    }
    let report = settings::send_test_email(&d, "camille@acme.fr", now()).unwrap();
    assert_eq!(report.message_id, None);
    let why = report.error.expect("the refused connection is reported");
    assert!(why.contains("127.0.0.1") && why.contains(&port.to_string()), "{why}");
    // A test is not a reminder: nothing in the dispatch journal.
    assert!(dispatch::dispatch_journal(&d, None).unwrap().is_empty());
}

#[test]
fn a_test_alert_reaches_both_channels_and_marks_nothing_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = dossier(dir.path());
    let server = SmtpServer::start(SmtpBehaviour { auth_mechanisms: vec![], ..SmtpBehaviour::plain() });
    dispatch::update_smtp_settings(&mut d, &smtp(server.port, "plain-local", None, None), None, now()).unwrap();
    let receiver = ScriptedReceiver::start(vec![200]);
    let alerts = AlertDeliverySettingsDto {
        email_to: Some("credit.manager@acme.fr".into()),
        webhook_url: Some(receiver.url("/hook")),
        webhook_timeout_seconds: 5,
        webhook_max_attempts: 1,
        webhook_backoff_millis: 10,
        has_webhook_secret: false,
    };
    alert_delivery::update_alert_delivery_settings(&mut d, &alerts, Some(SECRET), now()).unwrap();

    let unix = 1_795_450_000;
    let prepared = settings::prepare_test_alert(&d, now(), unix).unwrap();
    let report = prepared.send();
    assert_eq!(report.email_to.as_deref(), Some("credit.manager@acme.fr"));
    assert!(report.email_message_id.is_some() && report.email_error.is_none(), "{report:?}");
    assert_eq!(report.webhook_status, Some(200), "{report:?}");
    assert_eq!(server.session().rcpt_to, vec!["credit.manager@acme.fr".to_owned()]);

    let request = receiver.received().pop().expect("one POST");
    assert!(verify_signature(SECRET.as_bytes(), unix, &request.body, request.header(SIGNATURE_HEADER).unwrap()));
    assert_eq!(request.header(DELIVERY_HEADER), Some(format!("test:{unix}").as_str()));
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["event"], "test");

    for channel in ["email", "webhook"] {
        assert!(encours_store::alert_delivery::delivered(&d, channel).unwrap().is_empty(), "{channel}");
    }
}

#[test]
fn the_rates_overview_lists_each_half_year_and_leaves_a_missing_rate_empty() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = dossier(dir.path());
    let today: NaiveDate = "2026-11-23".parse().unwrap();
    let view = settings::rates_overview(&d, today).unwrap();
    assert_eq!(view.tables.len(), 2);
    assert!(view.tables.iter().all(|t| t.origin == "shipped" && t.source.is_none()), "{:?}", view.tables);

    // Newest first: 2026 H2 (today's, not covered by the shipped tables), then 2026 H1 … 2024 H1.
    let first = &view.half_years[0];
    assert_eq!((first.year, first.half, first.current), (2026, 2, true));
    assert_eq!(first.ecb_percent, None);
    assert_eq!(first.legal_professional_percent, None);
    let h1 = &view.half_years[1];
    assert_eq!((h1.year, h1.half, h1.current), (2026, 1, false));
    // legal-rules A.1.7: the MRO was 2.15 % on 1 January 2026; A.1.8: legal rate 2.62 % / 6.67 %.
    assert_eq!(h1.ecb_percent.as_deref(), Some("2.15"));
    assert_eq!(h1.penalty_percent.as_deref(), Some("12.15"));
    assert_eq!(h1.legal_professional_percent.as_deref(), Some("2.62"));
    assert_eq!(h1.legal_individual_percent.as_deref(), Some("6.67"));
    assert_eq!(h1.contractual_floor_percent.as_deref(), Some("7.86"));
    let last = view.half_years.last().unwrap();
    assert_eq!((last.year, last.half, last.ecb_percent.as_deref()), (2024, 1, Some("4.5")));
    assert_eq!(view.half_years.len(), 6);

    // An imported legal table covering 2026 H2 fills it, and says where it comes from.
    let csv = "effective_date,professional_percent,individual_percent\n2025-07-01,2.76,6.65\n\
               2026-01-01,2.62,6.67\n2026-07-01,2.50,6.40\ncovered_until,2026-12-31\n";
    encours_app::rates::import_rate_table(&mut d, "taux-legal-2026s2.csv", csv, now()).unwrap();
    let view = settings::rates_overview(&d, today).unwrap();
    let legal = view.tables.iter().find(|t| t.name == "legal_interest").unwrap();
    assert_eq!((legal.origin.as_str(), legal.source.as_deref()), ("dossier", Some("taux-legal-2026s2.csv")));
    assert_eq!(legal.covered_until, "2026-12-31");
    assert_eq!(view.half_years[0].legal_professional_percent.as_deref(), Some("2.5"));
    assert_eq!(view.half_years[0].ecb_percent, None, "the ECB table still stops in February 2026");
}
