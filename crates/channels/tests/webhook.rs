//! Webhooks, for real: `send_webhook` posts to a receiver started on 127.0.0.1 which answers a script
//! of statuses; the test checks the signature with the secret, the payload, the retries and the errors.

use std::time::Duration;

use encours_channels::testing::{closed_port, MemoryKeyring};
use encours_channels::webhook::test_receiver::ScriptedReceiver;
use encours_channels::webhook::{signature, DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use encours_channels::{
    send_webhook, store_webhook_secret, verify_signature, webhook_secret, ChannelError, WebhookSettings,
};

const SECRET: &str = "whsec-test-0123456789";
const TS: i64 = 1_795_000_000;

fn settings(url: String) -> WebhookSettings {
    WebhookSettings { url, timeout: Duration::from_secs(10), max_attempts: 3, backoff: Duration::from_millis(20) }
}

fn payload() -> serde_json::Value {
    serde_json::json!({
        "event": "risk_alert",
        "client": { "id": 7, "name": "Dupont \"SA\" & fils" },
        "details": "Retards qui s'allongent\ndeux mois de suite",
    })
}

#[test]
fn the_receiver_gets_the_json_signed_over_timestamp_and_body() {
    let receiver = ScriptedReceiver::start(vec![200]);
    let sent =
        send_webhook(&settings(receiver.url("/hooks/encours?x=1")), SECRET, &payload(), TS, "c7:score_drop:2026-11")
            .expect("the receiver accepts");
    assert_eq!((sent.status, sent.attempts), (200, 1));
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/hooks/encours?x=1");
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header(DELIVERY_HEADER), Some("c7:score_drop:2026-11"));
    let ts: i64 = r.header(TIMESTAMP_HEADER).unwrap().parse().unwrap();
    assert_eq!(ts, TS);
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body, payload());
    // What a receiver does: recompute the HMAC with the shared secret over "<ts>.<body as received>".
    let header = r.header(SIGNATURE_HEADER).unwrap();
    assert!(verify_signature(SECRET.as_bytes(), ts, &r.body, header));
    assert_eq!(header, signature(SECRET.as_bytes(), ts, &r.body));
    assert!(!verify_signature(b"another secret", ts, &r.body, header));
    let mut tampered = r.body.clone();
    tampered[2] ^= 1;
    assert!(!verify_signature(SECRET.as_bytes(), ts, &tampered, header));
}

#[test]
fn a_500_then_a_200_is_retried_with_the_same_signature_and_delivery_id() {
    let receiver = ScriptedReceiver::start(vec![500, 200]);
    let sent = send_webhook(&settings(receiver.url("/h")), SECRET, &payload(), TS, "k1").expect("second attempt");
    assert_eq!((sent.status, sent.attempts), (200, 2));
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].body, got[1].body);
    assert_eq!(got[0].header(SIGNATURE_HEADER), got[1].header(SIGNATURE_HEADER));
    assert_eq!(got[1].header(DELIVERY_HEADER), Some("k1"));
}

#[test]
fn retries_stop_at_the_bound_and_the_error_names_the_url_status_and_attempts() {
    let receiver = ScriptedReceiver::start(vec![503, 502, 500, 200]);
    let err = send_webhook(&settings(receiver.url("/h?token=hidden")), SECRET, &payload(), TS, "k").unwrap_err();
    match &err {
        ChannelError::WebhookRejected { status, attempts, .. } => assert_eq!((*status, *attempts), (500, 3)),
        other => panic!("expected WebhookRejected, got {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("http://127.0.0.1") && text.contains("/h") && text.contains("500"), "{text}");
    assert!(!text.contains("hidden") && !text.contains(SECRET), "{text}");
    assert_eq!(receiver.received().len(), 3, "the fourth scripted answer is never asked for");
}

#[test]
fn a_4xx_is_final() {
    let receiver = ScriptedReceiver::start(vec![400, 200]);
    let err = send_webhook(&settings(receiver.url("/h")), SECRET, &payload(), TS, "k").unwrap_err();
    assert!(matches!(err, ChannelError::WebhookRejected { status: 400, attempts: 1, .. }), "{err:?}");
    assert_eq!(receiver.received().len(), 1);
}

#[test]
fn nobody_listening_is_retried_then_reported_unreachable() {
    let port = closed_port();
    let err = send_webhook(&settings(format!("http://127.0.0.1:{port}/h")), SECRET, &payload(), TS, "k").unwrap_err();
    match &err {
        ChannelError::WebhookUnreachable { attempts, url, .. } => {
            assert_eq!(*attempts, 3);
            assert!(url.contains(&port.to_string()));
        }
        other => panic!("expected WebhookUnreachable, got {other:?}"),
    }
}

#[test]
fn clear_text_to_a_remote_host_and_an_empty_secret_are_refused_before_any_connection() {
    let err = send_webhook(&settings("http://hooks.example.com/h".into()), SECRET, &payload(), TS, "k").unwrap_err();
    assert!(matches!(err, ChannelError::InvalidSettings(_)), "{err:?}");
    let err = send_webhook(&settings("https://hooks.example.com/h".into()), "", &payload(), TS, "k").unwrap_err();
    assert!(err.to_string().contains("secret"), "{err}");
}

#[test]
fn the_secret_round_trips_through_the_keyring_under_the_url() {
    MemoryKeyring::install();
    let s = settings("https://hooks.example.com/encours".into());
    assert_eq!(webhook_secret(&s).unwrap(), None);
    store_webhook_secret(&s, SECRET).unwrap();
    assert_eq!(webhook_secret(&s).unwrap().as_deref(), Some(SECRET));
    assert_eq!(webhook_secret(&settings("https://other.example.com/".into())).unwrap(), None);
}
