//! SMS, for real: `send_sms` posts to an HTTP server started on 127.0.0.1 by the test, which records the
//! request and answers with a chosen status.

use std::time::Duration;

use encours_channels::testing::{closed_port, HttpServer};
use encours_channels::{normalize_phone, send_sms, ApiKeyPlacement, ChannelError, SmsBody, SmsSettings};

const KEY: &str = "test-key-0123456789";
const TEXT: &str =
    "Dupont SA : la facture F-2026-001 (1 234,56 €) est échue depuis le 15/11. \"Merci\" de régler.\nRéf. {to}";

fn json_settings(port: u16) -> SmsSettings {
    SmsSettings {
        endpoint: format!("http://127.0.0.1:{port}/v1/sms?channel=relance"),
        sender: "DUPONTSA".into(),
        body: SmsBody::Json(serde_json::json!({
            "recipients": ["{to}"],
            "sender": "{from}",
            "message": "{text}",
            "options": { "type": "transactional", "count": 1 }
        })),
        key: ApiKeyPlacement::Header { name: "X-Api-Key".into(), prefix: String::new() },
        timeout: Duration::from_secs(10),
    }
}

#[test]
fn the_sms_request_reaches_the_local_provider_with_the_key_and_the_number_in_e164() {
    let server = HttpServer::start(200, r#"{"id":"msg-42","status":"queued"}"#);
    let sent = send_sms(&json_settings(server.port), KEY, "06 12 34 56 78", TEXT).expect("the provider accepts");
    let request = server.request();

    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/sms?channel=relance");
    assert_eq!(request.header("x-api-key"), Some(KEY));
    assert_eq!(request.header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&request.body).expect("a JSON body");
    // Quotes, the line break, the accents and a literal "{to}" in the text come through as typed.
    assert_eq!(
        body,
        serde_json::json!({
            "recipients": ["+33612345678"],
            "sender": "DUPONTSA",
            "message": TEXT,
            "options": { "type": "transactional", "count": 1 }
        })
    );
    assert_eq!(sent.to, "+33612345678");
    assert_eq!(sent.status, 200);
    assert_eq!(sent.response, r#"{"id":"msg-42","status":"queued"}"#);
}

#[test]
fn send_sms_works_from_inside_an_async_runtime() {
    // reqwest's blocking client panics when created or dropped in a runtime; send_sms keeps it on a
    // thread of its own, so a Tauri `async` command can call it.
    let server = HttpServer::start(200, "{}");
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let sent = runtime.block_on(async { send_sms(&json_settings(server.port), KEY, "0612345678", "Bonjour") });
    assert_eq!(sent.unwrap().to, "+33612345678");
    assert_eq!(server.request().method, "POST");
}

#[test]
fn a_form_body_with_basic_authentication() {
    let server = HttpServer::start(201, r#"{"sid":"SM1"}"#);
    let settings = SmsSettings {
        endpoint: format!("http://localhost:{}/Accounts/AC1/Messages.json", server.port),
        sender: "+33700000000".into(),
        body: SmsBody::Form(vec![
            ("To".into(), "{to}".into()),
            ("From".into(), "{from}".into()),
            ("Body".into(), "{text}".into()),
        ]),
        key: ApiKeyPlacement::BasicAuth { username: "AC1".into() },
        timeout: Duration::from_secs(10),
    };
    let sent = send_sms(&settings, KEY, "+33 (0)7 98 76 54 32", "Facture échue & impayée").unwrap();
    let request = server.request();
    let expected_auth =
        format!("Basic {}", base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("AC1:{KEY}")));
    assert_eq!(request.header("authorization"), Some(expected_auth.as_str()));
    assert_eq!(request.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(
        String::from_utf8(request.body).unwrap(),
        "To=%2B33798765432&From=%2B33700000000&Body=Facture+%C3%A9chue+%26+impay%C3%A9e"
    );
    assert_eq!((sent.to.as_str(), sent.status), ("+33798765432", 201));
}

#[test]
fn the_key_can_go_in_the_body() {
    let server = HttpServer::start(200, "OK");
    let mut settings = json_settings(server.port);
    settings.key = ApiKeyPlacement::InBody;
    settings.body = SmsBody::Json(serde_json::json!({ "apiKey": "{key}", "to": "{to}", "text": "{text}" }));
    send_sms(&settings, KEY, "0033612345678", "Bonjour").unwrap();
    let request = server.request();
    assert_eq!(request.header("x-api-key"), None);
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body, serde_json::json!({ "apiKey": KEY, "to": "+33612345678", "text": "Bonjour" }));
}

#[test]
fn a_provider_error_carries_the_status_and_the_body() {
    let server = HttpServer::start(500, r#"{"error":"internal failure, retry later"}"#);
    let err = send_sms(&json_settings(server.port), KEY, "0612345678", "Bonjour").unwrap_err();
    match &err {
        ChannelError::ProviderRejected { status, body_excerpt } => {
            assert_eq!(*status, 500);
            assert_eq!(body_excerpt, r#"{"error":"internal failure, retry later"}"#);
        }
        other => panic!("expected ProviderRejected, got {other:?}"),
    }
    assert!(err.to_string().contains("500"), "{err}");
    // The request did reach the provider.
    assert_eq!(server.request().method, "POST");
}

#[test]
fn a_closed_port_is_reported_as_refused_with_host_and_port() {
    let port = closed_port();
    let err = send_sms(&json_settings(port), KEY, "0612345678", "Bonjour").unwrap_err();
    match &err {
        ChannelError::ProviderUnreachable { detail, .. } => {
            assert!(detail.contains(&format!("connection refused by 127.0.0.1:{port}")), "{detail}")
        }
        other => panic!("expected ProviderUnreachable, got {other:?}"),
    }
}

#[test]
fn settings_that_cannot_work_are_refused_before_any_request() {
    let port = closed_port();
    let mut s = json_settings(port);
    s.endpoint = "http://sms.example.com/send".into();
    let err = send_sms(&s, KEY, "0612345678", "x").unwrap_err();
    assert!(matches!(&err, ChannelError::InvalidSettings(m) if m.contains("https")), "{err:?}");

    let mut s = json_settings(port);
    s.body = SmsBody::Json(serde_json::json!({ "to": "{to}", "message": "fixed text" }));
    let err = send_sms(&s, KEY, "0612345678", "x").unwrap_err();
    assert!(matches!(&err, ChannelError::InvalidSettings(m) if m.contains("{text}")), "{err:?}");

    let mut s = json_settings(port);
    s.key = ApiKeyPlacement::InBody;
    let err = send_sms(&s, KEY, "0612345678", "x").unwrap_err();
    assert!(matches!(&err, ChannelError::InvalidSettings(m) if m.contains("{key}")), "{err:?}");

    let mut s = json_settings(port);
    s.key = ApiKeyPlacement::Header { name: "Bad Header".into(), prefix: String::new() };
    assert!(matches!(send_sms(&s, KEY, "0612345678", "x"), Err(ChannelError::InvalidSettings(_))));

    let err = send_sms(&json_settings(port), KEY, "01 23 45 67 89", "x").unwrap_err();
    assert!(matches!(err, ChannelError::InvalidPhoneNumber { .. }), "{err:?}");
    let err = send_sms(&json_settings(port), KEY, "0612345678", "  ").unwrap_err();
    assert!(matches!(err, ChannelError::InvalidMessage(_)), "{err:?}");
}

#[test]
fn french_and_international_numbers_are_normalised_to_e164() {
    let cases = [
        ("06 12 34 56 78", "+33612345678"),
        ("07.98.76.54.32", "+33798765432"),
        ("06-12-34-56-78", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("+33 06 12 34 56 78", "+33612345678"),
        ("0033 7 98 76 54 32", "+33798765432"),
        ("\u{a0}06\u{a0}12\u{a0}34\u{a0}56\u{a0}78 ", "+33612345678"),
        // Overseas departments keep their own country codes.
        ("0690 12 34 56", "+590690123456"),
        ("0694 12 34 56", "+594694123456"),
        ("0696 12 34 56", "+596696123456"),
        ("0692 12 34 56", "+262692123456"),
        ("0639 12 34 56", "+262639123456"),
        ("+590 690 12 34 56", "+590690123456"),
        // Other countries: E.164 as given.
        ("+44 7700 900123", "+447700900123"),
        ("0049 151 23456789", "+4915123456789"),
        ("+32 470 12 34 56", "+32470123456"),
    ];
    for (input, expected) in cases {
        assert_eq!(normalize_phone(input).unwrap(), expected, "{input}");
    }

    let refused = [
        ("", "no digits"),
        ("01 23 45 67 89", "not a French mobile"),
        ("05 56 00 00 00", "not a French mobile"),
        ("08 00 12 34 56", "not a French mobile"),
        ("09 71 23 45 67", "not a French mobile"),
        ("+33 1 23 45 67 89", "not a French mobile"),
        ("06 12 34 56", "10 digits"),
        ("06 12 34 56 78 9", "10 digits"),
        ("+33 6 12 34 56", "9 digits after +33"),
        ("6 12 34 56 78", "start with 0"),
        ("06 12 AB 56 78", "unexpected character 'A'"),
        ("06+12345678", "unexpected character '+'"),
        ("+1 234", "8 to 15 digits"),
        ("+1234567890123456", "8 to 15 digits"),
        ("+0 612345678", "never starts with 0"),
    ];
    for (input, reason) in refused {
        let err = normalize_phone(input).unwrap_err();
        assert!(
            matches!(&err, ChannelError::InvalidPhoneNumber { number, reason: r } if number == input && r.contains(reason)),
            "{input}: {err:?}"
        );
    }
}
