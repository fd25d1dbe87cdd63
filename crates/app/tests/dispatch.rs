//! Dispatch on the demo dossier, for real: the dunning run fills the outbox, then `send_outbox`
//! sends it to an SMTP server (STARTTLS, certificate authority made at run time, AUTH with the
//! password from the keyring) and to an SMS provider the tests start on 127.0.0.1
//! (`encours_channels::testing`), and saves the letters as PDF files. A second send sends nothing;
//! a refused connection fails only its own actions, with a message naming host and port; a missing
//! rate fails the letters that claim penalties with the rate table's own message.

use std::path::Path;
use std::process::Command;
use std::sync::Once;

use chrono::{NaiveDate, NaiveDateTime};
use encours_app::dispatch::{self, SendReport, SendSelection, SmsSettingsDto, SmtpSettingsDto};
use encours_app::dunning::{self, OutboxActionView, ScenarioDto, StepDto, TemplateDto};
use encours_app::{DemoOptions, Dossier, KeySource};
use encours_channels::testing::{closed_port, MemoryKeyring, Part, SmtpBehaviour, SmtpServer, TestPki};
use encours_channels::{normalize_phone, testing::HttpServer};
use encours_store::DossierKey;

const USER: &str = "relances@demo.fr";
const PASSWORD: &str = "mot de passe SMTP";
const SMS_KEY: &str = "sms-key-123";

/// One in-memory keyring for the whole test process (the default credential builder is
/// process-wide: installing one per test would let a test wipe another's secrets).
fn keyring() {
    static ONCE: Once = Once::new();
    ONCE.call_once(MemoryKeyring::install);
}

/// A demo portfolio generated as of `at`, with its dunning run recorded.
fn demo_dossier(dir: &Path, at: NaiveDateTime) -> Dossier {
    keyring();
    let keys = KeySource::Environment(DossierKey::from_hex(&"a7".repeat(32)).unwrap());
    let path = dir.join("dispatch.encours");
    let mut d =
        encours_app::create_dossier(&path, encours_app::DEMO_COMPANY_SIREN, encours_app::DEMO_COMPANY_NAME, &keys, at)
            .unwrap();
    let options = DemoOptions { seed: 7, clients: 60, invoices: 3_000 };
    encours_app::generate_demo(&mut d, options, at, &mut |_| {}).unwrap();
    d
}

fn november() -> NaiveDateTime {
    "2026-11-23T09:30:00".parse().unwrap()
}

/// A date the shipped rate tables cover (they end with 2026 H1).
fn june() -> NaiveDateTime {
    "2026-06-22T09:30:00".parse().unwrap()
}

fn smtp(port: u16, security: &str, ca_pem: Option<String>, user: Option<&str>) -> SmtpSettingsDto {
    SmtpSettingsDto {
        host: "127.0.0.1".into(),
        port,
        security: security.into(),
        username: user.map(str::to_owned),
        from_address: USER.into(),
        from_name: Some("Demo SAS — Relances".into()),
        reply_to: None,
        timeout_seconds: 10,
        extra_root_certificate_pem: ca_pem,
        has_password: false,
    }
}

fn outbox(d: &Dossier) -> Vec<OutboxActionView> {
    dunning::dunning_actions(d, None, 100_000).unwrap()
}

fn only(ids: &[i64]) -> SendSelection {
    SendSelection { action_ids: Some(ids.to_vec()), retry_failed: false }
}

fn outcome(r: &SendReport, action: i64) -> &dispatch::SendOutcomeView {
    r.outcomes.iter().find(|o| o.action_id == action).unwrap_or_else(|| panic!("no outcome for {action}: {r:?}"))
}

/// The text of a PDF, by pdftotext when installed, else by lopdf.
fn pdf_text(pdf: &[u8], dir: &Path) -> String {
    let path = dir.join("attachment.pdf");
    std::fs::write(&path, pdf).unwrap();
    if let Ok(out) = Command::new("pdftotext").arg(&path).arg("-").output() {
        if out.status.success() {
            return String::from_utf8_lossy(&out.stdout).into_owned();
        }
    }
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).unwrap()
}

/// Gives a client a scenario whose every step is an SMS, so that the run plans one for it.
fn sms_scenario_for(d: &mut Dossier, client: i64) {
    let step = |name: &str, offset: i32| StepDto {
        name: name.into(),
        anchor: "due_date".into(),
        offset_days: offset,
        channel: "sms".into(),
        tone: "courtois".into(),
        template_id: "relance_courtoise".into(),
        needs_validation: false,
    };
    let scenario = ScenarioDto {
        id: 0,
        name: "SMS".into(),
        priority: 1,
        active: true,
        min_amount: None,
        max_amount: None,
        risk_grades: vec![],
        naf_prefixes: vec![],
        client_ids: vec![client],
        steps: vec![step("J+1 SMS", 1), step("J+15 SMS", 15), step("J+30 SMS", 30), step("J+45 SMS", 45)],
    };
    dunning::update_scenario(d, &scenario, november()).unwrap();
}

#[test]
fn an_email_with_its_pdf_and_an_sms_reach_the_local_servers_and_a_second_send_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo_dossier(dir.path(), november());
    let today = november().date();

    // A client the plan duns whose contacts include a mobile number gets the SMS scenario.
    let plan = dunning::dunning_plan(&d, today).unwrap();
    let mobile_client = plan
        .actions
        .iter()
        .filter(|a| a.kind == "reminder" && a.days_late > 0)
        .find(|a| {
            let facts = encours_store::channels::client_facts(&d, a.client_id).unwrap().unwrap();
            facts.contacts.iter().filter_map(|c| c.phone.as_deref()).any(|p| normalize_phone(p).is_ok())
        })
        .expect("a dunned demo client with a mobile number")
        .client_id;
    sms_scenario_for(&mut d, mobile_client);
    dunning::dunning_run(&mut d, today, november()).unwrap();
    let actions = outbox(&d);
    let email = actions
        .iter()
        .find(|a| a.channel == "email" && a.tone == "courtois" && a.state == "validated")
        .expect("a courteous email in the outbox")
        .clone();
    let sms = actions.iter().find(|a| a.channel == "sms").expect("the SMS in the outbox").clone();
    assert_eq!(sms.client_id, mobile_client);

    // The channels: SMTP over STARTTLS with a password in the keyring, an SMS provider with its key.
    let pki = TestPki::new();
    let server = SmtpServer::start_serving(
        SmtpBehaviour {
            starttls: Some(pki.server_config.clone()),
            credentials: Some((USER.into(), PASSWORD.into())),
            ..SmtpBehaviour::plain()
        },
        2,
    );
    let settings = smtp(server.port, "starttls", Some(pki.ca_pem.clone()), Some(USER));
    dispatch::update_smtp_settings(&mut d, &settings, Some(PASSWORD), november()).unwrap();
    let stored = dispatch::smtp_settings(&d).unwrap().unwrap();
    assert!(stored.has_password, "the password is in the keyring");
    assert_eq!(SmtpSettingsDto { has_password: false, ..stored }, settings, "the settings round-trip");
    let provider = HttpServer::start_serving(200, r#"{"id":"sms-1"}"#, 2);
    let sms_settings = SmsSettingsDto {
        endpoint: format!("http://127.0.0.1:{}/v1/sms", provider.port),
        sender: "DEMOSAS".into(),
        body_kind: "json".into(),
        body_template: r#"{"to": "{to}", "from": "{from}", "text": "{text}"}"#.into(),
        key_placement: "header".into(),
        key_header: Some("X-Api-Key".into()),
        key_prefix: None,
        basic_username: None,
        timeout_seconds: 10,
        has_key: false,
    };
    dispatch::update_sms_settings(&mut d, &sms_settings, Some(SMS_KEY), november()).unwrap();
    assert!(dispatch::sms_settings(&d).unwrap().unwrap().has_key);

    let report = dispatch::send_outbox(&mut d, today, november(), &only(&[email.id, sms.id]), None).unwrap();
    assert_eq!((report.sent, report.failed, report.to_print), (2, 0, 0), "{report:?}");
    let sent_email = outcome(&report, email.id);
    assert_eq!(sent_email.outcome, "sent");
    let message_id = sent_email.message_id.clone().unwrap();
    assert!(message_id.ends_with("@demo.fr>"), "{message_id}");

    // The SMTP server received the email over TLS, authenticated, with the letter as a PDF.
    let session = server.session();
    assert_eq!(session.error, None);
    assert!(session.encrypted_at_mail && session.auth_accepted);
    let message = Part::parse(session.data.as_deref().unwrap());
    assert_eq!(message.header("Message-ID"), Some(message_id.as_str()));
    let leaves = message.leaves();
    let text = String::from_utf8(leaves[0].decoded_body()).unwrap().replace("\r\n", "\n");
    assert_eq!(text.trim_end(), email.body.trim_end(), "the rendered text is the body");
    let pdf = leaves.iter().find(|p| p.header("Content-Type").is_some_and(|c| c.starts_with("application/pdf")));
    let pdf = pdf.expect("a PDF attachment").decoded_body();
    assert!(pdf.starts_with(b"%PDF-"));
    let pdf_text = pdf_text(&pdf, dir.path());
    let first_invoice = email.body.lines().find_map(|l| l.strip_prefix("- facture n° ")).unwrap();
    let number = first_invoice.split(' ').next().unwrap();
    assert!(pdf_text.contains(number), "the invoice {number} in the PDF:\n{pdf_text}");
    assert!(pdf_text.contains(&email.client_name), "the client in the PDF:\n{pdf_text}");

    // The provider received the SMS with its key, to the client's mobile in E.164.
    let request = provider.request();
    assert_eq!(request.header("x-api-key"), Some(SMS_KEY));
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert!(body["to"].as_str().unwrap().starts_with("+33"), "{body}");
    assert_eq!(body["text"].as_str(), Some(sms.body.as_str()));
    assert_eq!(body["from"].as_str(), Some("DEMOSAS"));

    // The outbox and the journal say so, one entry per action.
    for a in outbox(&d).iter().filter(|a| a.id == email.id || a.id == sms.id) {
        assert_eq!(a.state, "sent", "{}", a.id);
    }
    let journal = d.audit_entries(1_000_000).unwrap();
    for id in [email.id, sms.id] {
        let entries: Vec<_> =
            journal.iter().filter(|e| e.entity_id.as_deref() == Some(id.to_string().as_str())).collect();
        assert!(entries.iter().any(|e| e.action == "dunning.dispatch_start"), "{id}");
        let sent = entries.iter().find(|e| e.action == "dunning.sent").expect("the send is audited");
        assert!(sent.after.as_deref().unwrap().contains("sent"));
    }
    assert!(journal.iter().any(|e| e.action == "channels.settings" && e.entity_id.as_deref() == Some("smtp")));
    assert!(
        !journal.iter().any(|e| e.after.as_deref().is_some_and(|a| a.contains(PASSWORD) || a.contains(SMS_KEY))),
        "no secret in the journal"
    );

    // A second send sends nothing: both actions are sent, and nothing else was selected.
    let again = dispatch::send_outbox(&mut d, today, november(), &only(&[email.id, sms.id]), None).unwrap();
    assert!(again.outcomes.is_empty() && again.sent == 0, "{again:?}");
    assert!(server.finished_sessions().is_empty() && provider.received().is_empty(), "nothing reached the servers");
    let journal_after = d.audit_entries(1_000_000).unwrap();
    assert_eq!(journal_after.len(), journal.len(), "a send that sends nothing writes nothing");
}

#[test]
fn a_refused_connection_fails_only_the_emails_naming_host_and_port_and_a_retry_sends_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo_dossier(dir.path(), november());
    let today = november().date();
    dunning::dunning_run(&mut d, today, november()).unwrap();
    let actions = outbox(&d);
    let emails: Vec<i64> = actions
        .iter()
        .filter(|a| a.channel == "email" && a.tone == "courtois" && a.state == "validated")
        .take(2)
        .map(|a| a.id)
        .collect();
    assert_eq!(emails.len(), 2, "two courteous emails in the demo outbox");
    let port = closed_port();
    dispatch::update_smtp_settings(&mut d, &smtp(port, "plain-local", None, None), None, november()).unwrap();

    // Nobody listens: each email fails with the channel's message, the rest of the outbox is untouched.
    let report = dispatch::send_outbox(&mut d, today, november(), &only(&emails), None).unwrap();
    assert_eq!((report.sent, report.failed), (0, 2), "{report:?}");
    for id in &emails {
        let detail = outcome(&report, *id).detail.clone().unwrap();
        assert!(detail.contains(&format!("127.0.0.1:{port}")), "{detail}");
    }
    let after = outbox(&d);
    for a in &after {
        let expected = if emails.contains(&a.id) {
            "failed"
        } else {
            actions.iter().find(|b| b.id == a.id).unwrap().state.as_str()
        };
        assert_eq!(a.state, expected, "action {}", a.id);
    }
    let failures = dispatch::dispatch_journal(&d, Some("failed")).unwrap();
    assert_eq!(failures.len(), 2);
    assert!(failures.iter().all(|f| f.detail.as_deref().unwrap().contains("connection refused")));

    // A failed action is not retried unless asked; once the server is up, a retry sends them.
    let quiet = dispatch::send_outbox(&mut d, today, november(), &only(&emails), None).unwrap();
    assert!(quiet.outcomes.is_empty(), "{quiet:?}");
    let server = SmtpServer::start_serving(SmtpBehaviour { auth_mechanisms: vec![], ..SmtpBehaviour::plain() }, 2);
    dispatch::update_smtp_settings(&mut d, &smtp(server.port, "plain-local", None, None), None, november()).unwrap();
    let retry = SendSelection { action_ids: Some(emails.clone()), retry_failed: true };
    let report = dispatch::send_outbox(&mut d, today, november(), &retry, None).unwrap();
    assert_eq!((report.sent, report.failed), (2, 0), "{report:?}");
    for _ in &emails {
        assert_eq!(server.session().rcpt_to.len(), 1);
    }
    let sent = dispatch::dispatch_journal(&d, Some("sent")).unwrap();
    assert!(sent.iter().all(|s| s.attempts == 2), "{sent:?}");

    // A send interrupted after its claim (the process stopped while the server answered) is
    // reported, never sent again blindly: the message may have left.
    let third = actions
        .iter()
        .find(|a| a.channel == "email" && a.state == "validated" && !emails.contains(&a.id))
        .expect("a third email")
        .id;
    assert!(encours_store::channels::begin_dispatch(&mut d, third, "test", november()).unwrap());
    let report = dispatch::send_outbox(&mut d, today, november(), &only(&[third]), None).unwrap();
    assert_eq!(report.interrupted, vec![third]);
    assert!(report.outcomes.is_empty(), "{report:?}");
    assert!(server.finished_sessions().is_empty(), "nothing reached the server");
}

#[test]
fn letters_land_as_pdfs_to_print_with_their_legal_breakdown_and_take_a_tracking_number() {
    let dir = tempfile::tempdir().unwrap();
    let letters = dir.path().join("à imprimer");
    let mut d = demo_dossier(dir.path(), june());
    let today = june().date();
    dunning::dunning_run(&mut d, today, june()).unwrap();
    let actions = outbox(&d);
    let letter = actions.iter().find(|a| a.channel == "letter" && a.state == "validated").expect("a J+30 letter");
    let lrar = actions.iter().find(|a| a.channel == "lrar").expect("a mise en demeure");
    assert_eq!(lrar.state, "planned", "a mise en demeure waits for a person");

    // The mise en demeure is not sent before it is validated.
    let report = dispatch::send_outbox(&mut d, today, june(), &only(&[letter.id, lrar.id]), Some(&letters)).unwrap();
    assert_eq!(report.to_print, 1, "{report:?}");
    assert!(report.outcomes.iter().all(|o| o.action_id != lrar.id));
    dunning::set_action_state(&mut d, lrar.id, "validated", None, june()).unwrap();
    let report = dispatch::send_outbox(&mut d, today, june(), &only(&[lrar.id]), Some(&letters)).unwrap();
    assert_eq!(report.to_print, 1, "{report:?}");

    let files: Vec<_> = std::fs::read_dir(&letters).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 2, "{files:?}");
    for (a, marker) in [(letter, "Dernier avis"), (lrar, "Lettre recommandée avec accusé de réception")] {
        let file = dispatch::dispatch_journal(&d, None)
            .unwrap()
            .into_iter()
            .find(|x| x.action_id == a.id)
            .and_then(|x| x.file)
            .unwrap();
        let text = pdf_text(&std::fs::read(&file).unwrap(), dir.path());
        assert!(text.contains(&a.client_name) && text.contains(marker), "{file}: {text}");
        // The legal breakdown computed from the rate tables is printed (legal-rules A.1).
        assert!(text.contains("Décompte des sommes dues"), "{file}: {text}");
    }

    // To print, then posted once its tracking number is recorded.
    let to_print = dispatch::dispatch_journal(&d, Some("to_print")).unwrap();
    assert_eq!(to_print.len(), 2);
    assert!(dispatch::record_tracking_number(&mut d, lrar.id, "  ", june()).is_err());
    dispatch::record_tracking_number(&mut d, lrar.id, "1A 234 567 8901 2", june()).unwrap();
    let posted = dispatch::dispatch_journal(&d, Some("posted")).unwrap();
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].tracking_number.as_deref(), Some("1A 234 567 8901 2"));
    let email = actions.iter().find(|a| a.channel == "email").unwrap();
    assert!(dispatch::record_tracking_number(&mut d, email.id, "X", june()).is_err(), "only letters to print");
    assert!(d.audit_entries(1_000_000).unwrap().iter().any(|e| e.action == "dunning.tracking_number"));

    // Sending again writes no file twice.
    let again = dispatch::send_outbox(&mut d, today, june(), &only(&[letter.id, lrar.id]), Some(&letters)).unwrap();
    assert!(again.outcomes.is_empty(), "{again:?}");
    assert_eq!(std::fs::read_dir(&letters).unwrap().count(), 2);
}

#[test]
fn a_missing_rate_fails_only_the_letters_that_claim_penalties_with_the_rate_tables_message() {
    let dir = tempfile::tempdir().unwrap();
    let letters = dir.path().join("letters");
    let mut d = demo_dossier(dir.path(), november());
    let today = november().date();
    dunning::dunning_run(&mut d, today, november()).unwrap();
    let letter_ids: Vec<i64> =
        outbox(&d).iter().filter(|a| a.channel == "letter" && a.state == "validated").map(|a| a.id).collect();
    assert!(!letter_ids.is_empty());

    // The shipped tables end in 2026 H1: the dernier avis speaks of penalties, so it is not sent.
    let report = dispatch::send_outbox(&mut d, today, november(), &only(&letter_ids), Some(&letters)).unwrap();
    assert_eq!(report.failed as usize, letter_ids.len(), "{report:?}");
    let detail = outcome(&report, letter_ids[0]).detail.clone().unwrap();
    // The demo's invoices stipulate 3 × the legal rate (their PMD note): the legal-interest table
    // is the one missing the half-year.
    assert!(detail.contains("rate for 2026-12-31") && detail.contains("add the published rate"), "{detail}");

    // A dernier avis that does not speak of penalties goes without the breakdown.
    let mut template: TemplateDto =
        dunning::templates(&d).unwrap().into_iter().find(|t| t.id == "dernier_avis").unwrap();
    template.body = "Madame, Monsieur,\n\nLes factures suivantes restent impayées :\n{factures}\n\nMontant dû : \
                     {montant_du}.\n\n{societe}"
        .into();
    dunning::update_template(&mut d, &template, november()).unwrap();
    let retry = SendSelection { action_ids: Some(letter_ids.clone()), retry_failed: true };
    let report = dispatch::send_outbox(&mut d, today, november(), &retry, Some(&letters)).unwrap();
    assert_eq!(report.to_print as usize, letter_ids.len(), "{report:?}");
    assert_eq!(std::fs::read_dir(&letters).unwrap().count(), letter_ids.len());
}

#[test]
fn rate_tables_imported_into_the_dossier_let_the_penalties_run_into_a_new_half_year() {
    let dir = tempfile::tempdir().unwrap();
    let letters = dir.path().join("letters");
    let mut d = demo_dossier(dir.path(), november());
    let today = november().date();
    dunning::dunning_run(&mut d, today, november()).unwrap();
    let letter_ids: Vec<i64> =
        outbox(&d).iter().filter(|a| a.channel == "letter" && a.state == "validated").map(|a| a.id).collect();
    assert!(!letter_ids.is_empty());
    let shipped = encours_app::rates::rate_tables(&d).unwrap();
    assert!(shipped.iter().all(|t| t.origin == "shipped"), "{shipped:?}");

    // A broken file changes nothing and says where it is broken.
    let err = encours_app::rates::import_rate_table(
        &mut d,
        "ecb.csv",
        "effective_date,mro_percent\n2026-01-01,x\n",
        november(),
    )
    .unwrap_err();
    assert!(err.message.starts_with("ecb.csv: ") && err.message.contains("line 2"), "{}", err.message);
    assert_eq!(encours_app::rates::rate_tables(&d).unwrap(), shipped);

    // The user imports the tables once the H2 2026 rates are known (test values: the ECB held its
    // rate; a legal rate for the half-year).
    let ecb = include_str!("../../../assets/rates/ecb_mro.csv")
        .replace("covered_until,2026-02-05", "covered_until,2026-12-31");
    let legal = include_str!("../../../assets/rates/legal_interest.csv")
        .replace("covered_until,2026-06-30", "2026-07-01,2.50,6.50\ncovered_until,2026-12-31");
    for (file, text) in [("ecb_mro.csv", &ecb), ("legal_interest.csv", &legal)] {
        let t = encours_app::rates::import_rate_table(&mut d, file, text, november()).unwrap();
        assert_eq!((t.origin.as_str(), t.covered_until.to_string().as_str()), ("dossier", "2026-12-31"));
    }
    // The letters that claim penalties now go, with their breakdown.
    let report = dispatch::send_outbox(&mut d, today, november(), &only(&letter_ids), Some(&letters)).unwrap();
    assert_eq!(report.to_print as usize, letter_ids.len(), "{report:?}");
    let file = outcome(&report, letter_ids[0]).file.clone().unwrap();
    let text = pdf_text(&std::fs::read(file).unwrap(), dir.path());
    assert!(text.contains("Décompte des sommes dues"), "{text}");
    // And the journal says which tables were imported.
    let journal = d.audit_entries(1_000_000).unwrap();
    let imported: Vec<&str> =
        journal.iter().filter(|e| e.action == "rates.import").filter_map(|e| e.entity_id.as_deref()).collect();
    assert_eq!(imported.len(), 2, "{imported:?}");
    assert!(imported.contains(&"ecb_mro") && imported.contains(&"legal_interest"));
}

#[test]
fn settings_are_checked_before_they_are_stored() {
    let dir = tempfile::tempdir().unwrap();
    keyring();
    let keys = KeySource::Environment(DossierKey::from_hex(&"a8".repeat(32)).unwrap());
    let mut d = encours_app::create_dossier(
        &dir.path().join("s.encours"),
        encours_app::DEMO_COMPANY_SIREN,
        encours_app::DEMO_COMPANY_NAME,
        &keys,
        november(),
    )
    .unwrap();
    assert_eq!(dispatch::smtp_settings(&d).unwrap(), None);
    let bad = [
        SmtpSettingsDto { host: " ".into(), ..smtp(587, "starttls", None, None) },
        SmtpSettingsDto { port: 0, ..smtp(587, "starttls", None, None) },
        smtp(587, "ssl3", None, None),
        SmtpSettingsDto { timeout_seconds: 0, ..smtp(587, "starttls", None, None) },
    ];
    for s in &bad {
        assert!(dispatch::update_smtp_settings(&mut d, s, None, november()).is_err(), "{s:?}");
    }
    assert_eq!(dispatch::smtp_settings(&d).unwrap(), None, "nothing stored");
    let sms = SmsSettingsDto {
        endpoint: "https://api.sms.example/send".into(),
        sender: "DEMO".into(),
        body_kind: "form".into(),
        body_template: "To={to}&Body={text}".into(),
        key_placement: "basic".into(),
        key_header: None,
        key_prefix: None,
        basic_username: None,
        timeout_seconds: 5,
        has_key: false,
    };
    assert!(dispatch::update_sms_settings(&mut d, &sms, None, november()).is_err(), "basic needs a user name");
    let sms = SmsSettingsDto { basic_username: Some("AC1".into()), ..sms };
    dispatch::update_sms_settings(&mut d, &sms, None, november()).unwrap();
    let stored = dispatch::sms_settings(&d).unwrap().unwrap();
    assert!(!stored.has_key);
    assert_eq!(stored.body_template, "To={to}&Body={text}");

    // An empty outbox: a send does nothing and writes nothing.
    let today: NaiveDate = november().date();
    let report = dispatch::send_outbox(&mut d, today, november(), &SendSelection::default(), None).unwrap();
    assert!(report.outcomes.is_empty(), "an empty outbox sends nothing");
}
