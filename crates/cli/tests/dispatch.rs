//! `encours settings` and the send side of dunning, run as a user runs them: settings are checked,
//! stored in the dossier without secrets, and shown back.

mod common;

use common::{encours, encours_on};

use std::process::Output;

#[test]
fn smtp_settings_are_checked_stored_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("s.encours");
    let init = encours(&d, &["init", "--siren", "100000009", "--name", "Atelier Test SAS"]);
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));

    // Clear text is refused for a remote host only when sending; a bad mode is refused at once.
    let bad = encours(&d, &["settings", "smtp", "--host", "smtp.example.fr", "--security", "ssl3", "--from", "a@b.fr"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expected starttls, tls or plain-local"));

    let set = encours(
        &d,
        &["settings", "smtp", "--host", "127.0.0.1", "--security", "plain-local", "--from", "relances@test.fr"],
    );
    assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stderr));
    let out = String::from_utf8_lossy(&set.stdout);
    assert!(out.contains("SMTP: 127.0.0.1:25 (plain-local), no authentication"), "{out}");

    let show = encours(&d, &["settings", "show", "--json"]);
    assert!(show.status.success(), "{}", String::from_utf8_lossy(&show.stderr));
    let v: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(v["smtp"]["host"], "127.0.0.1");
    assert_eq!(v["smtp"]["port"], 25, "the default port of the mode");
    assert_eq!(v["smtp"]["fromAddress"], "relances@test.fr");
    assert_eq!(v["smtp"]["hasPassword"], false);
    assert!(v["sms"].is_null());
}

#[test]
fn dunning_send_delivers_the_emails_to_the_smtp_server_once() {
    use encours_channels::testing::{SmtpBehaviour, SmtpServer};

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("relances.encours");
    let letters = dir.path().join("courrier");
    // June 2026: the shipped rate tables cover the penalties of the firmer letters.
    let today = "2026-06-15";
    let ok = |o: Output| {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    ok(encours_on(&d, today, &["demo", "--seed", "3", "--clients", "40", "--invoices", "1200"]));
    ok(encours_on(&d, today, &["dunning", "run"]));

    let server = SmtpServer::start_serving(SmtpBehaviour::plain(), 200);
    let port = server.port.to_string();
    let from = "relances@atelier-demo.fr";
    ok(encours(
        &d,
        &["settings", "smtp", "--host", "127.0.0.1", "--port", &port, "--security", "plain-local", "--from", from],
    ));

    let out = dir.path().join("courrier");
    let sent = ok(encours_on(&d, today, &["dunning", "send", "--out", out.to_str().unwrap(), "--json"]));
    let report: serde_json::Value = serde_json::from_str(&sent).unwrap();
    let outcomes = report["outcomes"].as_array().unwrap();
    let emails: Vec<&serde_json::Value> =
        outcomes.iter().filter(|o| o["channel"] == "email" && o["outcome"] == "sent").collect();
    assert!(!emails.is_empty(), "some emails go out: {sent}");
    assert_eq!(report["sent"].as_u64(), Some(emails.len() as u64), "{sent}");

    // Each email reached the server, from the dossier's sender, with its letter attached as a PDF.
    let mut sessions = Vec::new();
    for _ in 0..emails.len() {
        sessions.push(server.session());
    }
    for s in &sessions {
        assert_eq!(s.mail_from.as_deref(), Some(from));
        let data = String::from_utf8_lossy(s.data.as_deref().unwrap_or_default()).into_owned();
        assert!(data.contains("application/pdf"), "the letter is attached: {data:.400}");
        let id = data.lines().find_map(|l| l.strip_prefix("Message-ID: ")).unwrap_or_default().trim().to_owned();
        assert!(emails.iter().any(|e| e["messageId"].as_str() == Some(id.as_str())), "{id} is in the report");
    }

    // The steps that need a person (letters, mise en demeure) wait for validation: nothing to print
    // yet (letters to print are tested in crates/app/tests/dispatch.rs).
    assert_eq!(report["toPrint"].as_u64(), Some(0), "{sent}");
    assert!(!letters.exists() || std::fs::read_dir(&letters).unwrap().next().is_none());

    // A second send sends nothing: no new session, nothing to print again.
    let again = ok(encours_on(&d, today, &["dunning", "send", "--out", out.to_str().unwrap(), "--json"]));
    let again: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!((again["sent"].as_u64(), again["toPrint"].as_u64()), (Some(0), Some(0)), "{again}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(server.finished_sessions().is_empty(), "nothing reached the server the second time");
}
