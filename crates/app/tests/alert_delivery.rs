//! Early warnings sent out, for real: after a scoring run on the demo portfolio, `deliver_alerts`
//! sends one digest to an SMTP server on 127.0.0.1 and one signed webhook per alert to a receiver on
//! 127.0.0.1 (which answers 500 once, then 200); the test checks the digest's French text, verifies
//! each webhook's HMAC with the secret, and that a second run sends nothing.

use std::path::Path;
use std::sync::Once;

use chrono::{NaiveDate, NaiveDateTime};
use encours_app::alert_delivery::{self, AlertDeliverySettingsDto};
use encours_app::dispatch::{self, SmtpSettingsDto};
use encours_app::{scoring, DemoOptions, Dossier, KeySource};
use encours_channels::testing::{decode_words, MemoryKeyring, Part, SmtpBehaviour, SmtpServer};
use encours_channels::verify_signature;
use encours_channels::webhook::test_receiver::ScriptedReceiver;
use encours_channels::webhook::{DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use encours_store::DossierKey;

const SECRET: &str = "whsec-alertes-42";
const UNIX: i64 = 1_795_400_000;

fn keyring() {
    static ONCE: Once = Once::new();
    ONCE.call_once(MemoryKeyring::install);
}

fn now() -> NaiveDateTime {
    "2026-11-23T09:30:00".parse().unwrap()
}

fn today() -> NaiveDate {
    now().date()
}

fn demo(dir: &Path) -> Dossier {
    keyring();
    let keys = KeySource::Environment(DossierKey::from_hex(&"5c".repeat(32)).unwrap());
    let mut d = encours_app::create_dossier(
        &dir.join("alerts.encours"),
        encours_app::DEMO_COMPANY_SIREN,
        encours_app::DEMO_COMPANY_NAME,
        &keys,
        now(),
    )
    .unwrap();
    encours_app::generate_demo(&mut d, DemoOptions { seed: 42, clients: 80, invoices: 4_000 }, now(), &mut |_| {})
        .unwrap();
    scoring::score_run(&mut d, "2026-10-23".parse().unwrap(), now(), &mut |_| {}).unwrap();
    scoring::score_run(&mut d, today(), now(), &mut |_| {}).unwrap();
    d
}

fn smtp(port: u16) -> SmtpSettingsDto {
    SmtpSettingsDto {
        host: "127.0.0.1".into(),
        port,
        security: "plain-local".into(),
        username: None,
        from_address: "risque@demo.fr".into(),
        from_name: Some("Encours".into()),
        reply_to: None,
        timeout_seconds: 10,
        extra_root_certificate_pem: None,
        has_password: false,
    }
}

fn settings(webhook_url: Option<String>) -> AlertDeliverySettingsDto {
    AlertDeliverySettingsDto {
        email_to: Some("credit.manager@demo.fr".into()),
        webhook_url,
        webhook_timeout_seconds: 10,
        webhook_max_attempts: 3,
        webhook_backoff_millis: 20,
        has_webhook_secret: false,
    }
}

#[test]
fn live_alerts_go_out_once_by_digest_email_and_signed_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let mut alerts = scoring::score_alerts(&d, None).unwrap();
    assert!(alerts.len() >= 3, "the demo raises alerts: {}", alerts.len());
    alerts.sort_by_key(|a| a.id);
    // One acknowledged and one snoozed (until after today) are not live: never sent.
    scoring::acknowledge_alert(&mut d, alerts[0].id, now()).unwrap();
    scoring::snooze_alert(&mut d, alerts[1].id, "2026-12-15".parse().unwrap(), now()).unwrap();
    let live: Vec<_> = alerts[2..].to_vec();

    let smtp_server = SmtpServer::start_serving(SmtpBehaviour::plain(), 2);
    // The first POST fails with a 500 and is retried; then every alert is accepted.
    let mut script = vec![500];
    // One more for the snoozed alert, once its date has come.
    script.extend(std::iter::repeat_n(200, live.len() + 1));
    let receiver = ScriptedReceiver::start(script);
    dispatch::update_smtp_settings(&mut d, &smtp(smtp_server.port), None, now()).unwrap();
    alert_delivery::update_alert_delivery_settings(
        &mut d,
        &settings(Some(receiver.url("/encours"))),
        Some(SECRET),
        now(),
    )
    .unwrap();
    let shown = alert_delivery::alert_delivery_settings(&d).unwrap().unwrap();
    assert!(shown.has_webhook_secret);
    let stored_json = encours_store::alert_delivery::settings(&d).unwrap().unwrap().to_string();
    assert!(!stored_json.contains(SECRET), "the secret never lands in the dossier: {stored_json}");

    let report = alert_delivery::deliver_alerts(&mut d, today(), now(), UNIX).unwrap();
    assert_eq!(report.live_alerts, live.len());
    assert_eq!(report.emailed, live.len(), "{report:?}");
    assert!(report.email_error.is_none(), "{report:?}");
    assert_eq!(report.webhooks_sent, live.len(), "{report:?}");
    assert!(report.webhook_errors.is_empty(), "{report:?}");

    // The digest: one message, to the credit manager, in French, naming every live alert's client,
    // its grade, reasons and the suggested action.
    let session = smtp_server.session();
    assert_eq!(session.rcpt_to, vec!["credit.manager@demo.fr".to_owned()]);
    let message = Part::parse(session.data.as_deref().unwrap());
    let subject = decode_words(message.header("subject").unwrap());
    assert_eq!(subject, format!("Encours : {} alertes risque client au 23/11/2026", live.len()));
    let leaves = message.leaves();
    let text = String::from_utf8(leaves[0].decoded_body()).unwrap().replace("\r\n", "\n");
    for a in &live {
        assert!(text.contains(&format!("{} (client n° {})", a.client_name, a.client_id)), "{}: {text}", a.client_name);
        assert!(text.contains(&a.details), "{text}");
    }
    for put_aside in &alerts[..2] {
        assert!(!live.iter().any(|a| a.id == put_aside.id));
        assert!(!text.contains(&put_aside.details) || live.iter().any(|a| a.details == put_aside.details));
    }
    assert!(text.contains("Note : "), "{text}");
    assert!(text.contains("Action suggérée : "), "{text}");
    assert!(text.contains("Raisons principales"), "{text}");
    assert_eq!(report.email_message_id.as_deref(), message.header("message-id"));

    // The webhooks: the first request twice (500 then 200), each signed over timestamp + body.
    let requests = receiver.received();
    assert_eq!(requests.len(), live.len() + 1);
    assert_eq!(requests[0].body, requests[1].body, "the 500 is retried with the same body");
    let mut keys = Vec::new();
    for r in &requests[1..] {
        let ts: i64 = r.header(TIMESTAMP_HEADER).unwrap().parse().unwrap();
        assert_eq!(ts, UNIX);
        assert!(verify_signature(SECRET.as_bytes(), ts, &r.body, r.header(SIGNATURE_HEADER).unwrap()));
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["event"], "risk_alert");
        let key = body["alert"]["key"].as_str().unwrap().to_owned();
        assert_eq!(r.header(DELIVERY_HEADER), Some(key.as_str()));
        let a = live.iter().find(|a| a.dedupe_key == key).expect("a live alert");
        assert_eq!(body["client"]["name"], a.client_name.as_str());
        assert_eq!(body["alert"]["details"], a.details.as_str());
        assert!(body["suggestedAction"].as_str().is_some_and(|s| !s.is_empty()));
        keys.push(key);
    }
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), live.len(), "one POST per live alert");

    // A second run sends nothing on either channel (the SMTP server would take one more session).
    let again = alert_delivery::deliver_alerts(&mut d, today(), now(), UNIX + 60).unwrap();
    assert_eq!((again.emailed, again.webhooks_sent), (0, 0), "{again:?}");
    assert!(again.email_message_id.is_none() && again.webhook_errors.is_empty());
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(smtp_server.finished_sessions().is_empty());
    assert!(receiver.received().is_empty());

    let journal = d.audit_entries(200).unwrap();
    assert_eq!(journal.iter().filter(|e| e.action == "score.alert_delivered").count(), 1 + live.len());
    // Nowhere in the dossier (settings, deliveries, the audit journal) is the webhook secret.
    for (column, values) in encours_store::rgpd::all_text_values(&d).unwrap() {
        assert!(!values.iter().any(|v| v.contains(SECRET)), "the secret is in {column}");
    }

    // The snoozed alert is live again once its date has come: it goes out then, alone; the
    // acknowledged one never does.
    let later: NaiveDate = "2026-12-16".parse().unwrap();
    let r = alert_delivery::deliver_alerts(&mut d, later, now(), UNIX + 3600).unwrap();
    assert_eq!((r.emailed, r.webhooks_sent), (1, 1), "{r:?}");
    let session = smtp_server.session();
    let text = String::from_utf8(Part::parse(session.data.as_deref().unwrap()).leaves()[0].decoded_body()).unwrap();
    assert!(text.contains(&alerts[1].details), "{text}");
    let posted = receiver.received();
    let body: serde_json::Value = serde_json::from_slice(&posted[0].body).unwrap();
    assert_eq!(body["alert"]["id"], alerts[1].id);
}

#[test]
fn a_failed_send_records_nothing_and_the_next_run_sends_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let live = scoring::score_alerts(&d, Some("open")).unwrap().len();
    assert!(live > 0);
    // A receiver that refuses with 400 (final: no retry), and no SMTP server configured.
    let refusing = ScriptedReceiver::start(vec![400; 1]);
    let url = refusing.url("/h");
    let mut s = settings(Some(url.clone()));
    s.webhook_max_attempts = 1;
    alert_delivery::update_alert_delivery_settings(&mut d, &s, Some(SECRET), now()).unwrap();
    let r = alert_delivery::deliver_alerts(&mut d, today(), now(), UNIX).unwrap();
    assert!(r.email_error.as_deref().is_some_and(|e| e.contains("no SMTP server")), "{r:?}");
    assert_eq!(r.webhooks_sent, 0);
    assert_eq!(r.webhook_errors.len(), live, "{r:?}");
    assert!(r.webhook_errors[0].contains("400"), "{r:?}");
    assert!(!r.webhook_errors.iter().any(|e| e.contains(SECRET)));

    // Now both work: everything goes out.
    let smtp_server = SmtpServer::start(SmtpBehaviour::plain());
    dispatch::update_smtp_settings(&mut d, &smtp(smtp_server.port), None, now()).unwrap();
    let ok = ScriptedReceiver::start(vec![200; 500]);
    // The secret lives under the URL: a new URL needs it again.
    alert_delivery::update_alert_delivery_settings(&mut d, &settings(Some(ok.url("/h"))), None, now()).unwrap();
    let r = alert_delivery::deliver_alerts(&mut d, today(), now(), UNIX).unwrap();
    assert_eq!(r.webhooks_sent, 0);
    assert!(r.webhook_errors[0].contains("no signing secret"), "{r:?}");
    assert_eq!(r.emailed, live);
    alert_delivery::update_alert_delivery_settings(&mut d, &settings(Some(ok.url("/h"))), Some(SECRET), now()).unwrap();
    let r = alert_delivery::deliver_alerts(&mut d, today(), now(), UNIX).unwrap();
    assert_eq!((r.emailed, r.webhooks_sent), (0, live), "{r:?}");
}

#[test]
fn settings_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    keyring();
    let keys = KeySource::Environment(DossierKey::from_hex(&"5d".repeat(32)).unwrap());
    let mut d = encours_app::create_dossier(
        &dir.path().join("s.encours"),
        encours_app::DEMO_COMPANY_SIREN,
        encours_app::DEMO_COMPANY_NAME,
        &keys,
        now(),
    )
    .unwrap();
    assert!(alert_delivery::alert_delivery_settings(&d).unwrap().is_none());
    let clear = settings(Some("http://hooks.example.com/x".into()));
    assert!(alert_delivery::update_alert_delivery_settings(&mut d, &clear, None, now()).is_err());
    let mut bad_mail = settings(None);
    bad_mail.email_to = Some("pas une adresse".into());
    assert!(alert_delivery::update_alert_delivery_settings(&mut d, &bad_mail, None, now()).is_err());
    assert!(alert_delivery::update_alert_delivery_settings(&mut d, &settings(None), Some("s"), now()).is_err());
    // Nothing configured, nothing live: an empty report, no error.
    let r = alert_delivery::deliver_alerts(&mut d, today(), now(), UNIX).unwrap();
    assert_eq!(r, alert_delivery::AlertDeliveryReport::default());
}
