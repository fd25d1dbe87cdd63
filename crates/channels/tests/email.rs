//! Email, for real: `send_email` talks to an SMTP server started on 127.0.0.1 by the test (STARTTLS or
//! implicit TLS with a certificate authority generated at run time), and the test reads back what the
//! server received.

use std::time::{Duration, Instant};

use encours_channels::testing::{closed_port, decode_words, Part, SmtpBehaviour, SmtpServer, TestPki};
use encours_channels::{send_email, Attachment, ChannelError, Email, MailAddress, Security, SmtpSettings};

const SUBJECT: &str = "Relance — facture n° F-2026-001 échue";
const USER: &str = "relances@dupont-sa.fr";
const PASSWORD: &str = "s3cret pass with spaces & àccents";

fn settings(port: u16, security: Security, ca_pem: Option<&str>) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security,
        username: Some(USER.into()),
        from: MailAddress::named(USER, "Dupont SA — Service relances"),
        reply_to: Some(MailAddress::named("compta@dupont-sa.fr", "Comptabilité Dupont")),
        timeout: Duration::from_secs(10),
        extra_root_certificate_pem: ca_pem.map(str::to_owned),
    }
}

/// A real one-page PDF made with lopdf, with the binary comment line PDF writers put in (bytes above
/// 127, so that only a byte-exact base64 round trip gives it back).
fn tiny_pdf() -> Vec<u8> {
    use lopdf::{dictionary, Document, Object};
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    assert!(bytes.starts_with(b"%PDF-1.7"));
    assert!(bytes.iter().any(|b| *b > 127), "the PDF should carry binary bytes");
    bytes
}

fn email(pdf: Vec<u8>) -> Email {
    Email {
        to: vec![MailAddress::named("compta@client-martin.fr", "Société Martin")],
        cc: vec![MailAddress::new("direction@client-martin.fr")],
        bcc: vec![MailAddress::new("archive@dupont-sa.fr")],
        subject: SUBJECT.into(),
        text: "Madame, Monsieur,\r\nsauf erreur de notre part, la facture F-2026-001 de 1 234,56 € est échue.\r\n\
               .Une ligne qui commence par un point.\r\n"
            .into(),
        html: None,
        attachments: vec![Attachment {
            file_name: "Relance-F-2026-001.pdf".into(),
            mime_type: "application/pdf".into(),
            bytes: pdf,
        }],
    }
}

fn starttls_server(pki: &TestPki) -> SmtpBehaviour {
    SmtpBehaviour {
        starttls: Some(pki.server_config.clone()),
        credentials: Some((USER.into(), PASSWORD.into())),
        ..SmtpBehaviour::plain()
    }
}

#[test]
fn an_email_with_its_pdf_reaches_the_local_server_over_starttls() {
    let pki = TestPki::new();
    let server = SmtpServer::start(starttls_server(&pki));
    let pdf = tiny_pdf();

    let sent =
        send_email(&settings(server.port, Security::StartTls, Some(&pki.ca_pem)), Some(PASSWORD), &email(pdf.clone()))
            .expect("the email is accepted");
    let session = server.session();
    assert_eq!(session.error, None);

    // STARTTLS for real: upgraded before anything else, EHLO again under TLS, then AUTH.
    assert_eq!(session.commands.first().map(|c| c.starts_with("EHLO")), Some(true));
    assert_eq!(session.commands.get(1).map(String::as_str), Some("STARTTLS"));
    assert_eq!(session.ehlo_count, 2);
    assert!(session.encrypted_at_mail);
    assert_eq!(session.auth_mechanism.as_deref(), Some("PLAIN"));
    assert_eq!(session.auth_user.as_deref(), Some(USER));
    assert_eq!(session.auth_password.as_deref(), Some(PASSWORD));

    // The envelope: the sender, and every recipient including the hidden copy.
    assert_eq!(session.mail_from.as_deref(), Some(USER));
    assert_eq!(session.rcpt_to, ["compta@client-martin.fr", "direction@client-martin.fr", "archive@dupont-sa.fr"]);
    assert_eq!(sent.recipients, session.rcpt_to);
    assert_eq!(sent.server_reply, "250 2.0.0 Ok: queued as 4XyZ12AbC");

    // The message: headers…
    let message = Part::parse(session.data.as_deref().expect("DATA was transmitted"));
    assert_eq!(decode_words(message.header("Subject").unwrap()), SUBJECT);
    let to = decode_words(message.header("To").unwrap());
    assert!(to.contains("Société Martin") && to.contains("<compta@client-martin.fr>"), "{to}");
    assert_eq!(message.header("Cc"), Some("direction@client-martin.fr"));
    assert_eq!(message.header("Bcc"), None, "the hidden copy must not show in the headers");
    assert!(decode_words(message.header("From").unwrap()).contains("Dupont SA — Service relances"));
    assert!(decode_words(message.header("Reply-To").unwrap()).contains("<compta@dupont-sa.fr>"));
    assert_eq!(message.header("Message-ID"), Some(sent.message_id.as_str()));
    assert!(sent.message_id.ends_with("@dupont-sa.fr>"), "{}", sent.message_id);
    assert!(message.header("Date").is_some());
    assert!(message.header("Content-Type").unwrap().starts_with("multipart/mixed"));

    // …the text, accents and the dot-stuffed line intact…
    let leaves = message.leaves();
    assert_eq!(leaves.len(), 2);
    assert!(leaves[0].header("Content-Type").unwrap().starts_with("text/plain"));
    let text = String::from_utf8(leaves[0].decoded_body()).unwrap();
    assert!(text.contains("1 234,56 € est échue."), "{text}");
    assert!(text.contains("\r\n.Une ligne qui commence par un point."), "{text}");

    // …and the PDF, byte for byte, still a PDF with its page.
    let attachment = &leaves[1];
    assert!(attachment.header("Content-Type").unwrap().starts_with("application/pdf"));
    assert_eq!(attachment.param("Content-Disposition", "filename").as_deref(), Some("Relance-F-2026-001.pdf"));
    assert_eq!(attachment.header("Content-Transfer-Encoding"), Some("base64"));
    let received = attachment.decoded_body();
    assert_eq!(received, pdf);
    assert_eq!(lopdf::Document::load_mem(&received).unwrap().get_pages().len(), 1);
}

#[test]
fn implicit_tls_with_auth_login_and_an_html_body() {
    let pki = TestPki::new();
    let server = SmtpServer::start(SmtpBehaviour {
        implicit_tls: Some(pki.server_config.clone()),
        auth_mechanisms: vec!["LOGIN"],
        credentials: Some((USER.into(), PASSWORD.into())),
        ..SmtpBehaviour::plain()
    });
    let mut mail = email(tiny_pdf());
    mail.html = Some("<p>Madame, Monsieur, la facture <b>F-2026-001</b> est échue.</p>".into());

    send_email(&settings(server.port, Security::ImplicitTls, Some(&pki.ca_pem)), Some(PASSWORD), &mail).unwrap();
    let session = server.session();
    assert!(session.encrypted_at_mail);
    assert!(!session.commands.iter().any(|c| c == "STARTTLS"));
    assert_eq!(session.auth_mechanism.as_deref(), Some("LOGIN"));
    assert_eq!(session.auth_password.as_deref(), Some(PASSWORD));

    let message = Part::parse(session.data.as_deref().unwrap());
    let leaves = message.leaves();
    let types: Vec<&str> =
        leaves.iter().map(|l| l.header("Content-Type").unwrap().split(';').next().unwrap()).collect();
    assert_eq!(types, ["text/plain", "text/html", "application/pdf"]);
    assert!(String::from_utf8(leaves[1].decoded_body()).unwrap().contains("<b>F-2026-001</b> est échue."));
}

#[test]
fn plain_text_to_this_machine_works_without_credentials() {
    let server = SmtpServer::start(SmtpBehaviour { auth_mechanisms: vec![], ..SmtpBehaviour::plain() });
    let mut s = settings(server.port, Security::PlainLocalOnly, None);
    s.host = "localhost".into();
    s.username = None;
    let mut mail = email(tiny_pdf());
    mail.attachments.clear();

    let sent = send_email(&s, None, &mail).unwrap();
    let session = server.session();
    assert!(!session.encrypted_at_mail);
    assert_eq!(session.auth_user, None);
    assert_eq!(session.rcpt_to.len(), 3);
    let message = Part::parse(session.data.as_deref().unwrap());
    assert!(message.header("Content-Type").unwrap().starts_with("text/plain"));
    assert_eq!(message.header("Message-ID"), Some(sent.message_id.as_str()));
}

#[test]
fn plain_text_to_another_host_is_refused_without_connecting() {
    for host in ["smtp.example.com", "192.0.2.10", "127.0.0.2", "localhost.example.com"] {
        let mut s = settings(25, Security::PlainLocalOnly, None);
        s.host = host.into();
        let started = Instant::now();
        let err = send_email(&s, Some(PASSWORD), &email(vec![1, 2, 3])).unwrap_err();
        assert!(matches!(&err, ChannelError::PlainTextToRemoteHost { host: h } if h == host), "{err:?}");
        assert!(err.to_string().contains(host), "{err}");
        assert!(started.elapsed() < Duration::from_millis(500), "no DNS lookup, no connection attempt");
    }

    // Proof that nothing connects: 127.0.0.2 is this machine on Linux, so a listener there would see a
    // connection if one were attempted; the literal is not on the allowed list, so none must come.
    #[cfg(target_os = "linux")]
    {
        let listener = std::net::TcpListener::bind("127.0.0.2:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let mut s = settings(listener.local_addr().unwrap().port(), Security::PlainLocalOnly, None);
        s.host = "127.0.0.2".into();
        let err = send_email(&s, Some(PASSWORD), &email(vec![1, 2, 3])).unwrap_err();
        assert!(matches!(err, ChannelError::PlainTextToRemoteHost { .. }), "{err:?}");
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(listener.accept().map(|_| ()).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
    }
}

#[test]
fn connection_refused_names_host_and_port() {
    let port = closed_port();
    let err = send_email(&settings(port, Security::StartTls, None), Some(PASSWORD), &email(vec![1])).unwrap_err();
    assert!(matches!(&err, ChannelError::ConnectionRefused { host, port: p } if host == "127.0.0.1" && *p == port));
    let message = err.to_string();
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(message.contains("connection refused"), "{message}");
}

#[test]
fn a_refused_recipient_is_named_with_the_server_text_and_nothing_is_sent() {
    let pki = TestPki::new();
    let server = SmtpServer::start(SmtpBehaviour {
        refused_recipients: vec!["direction@client-martin.fr".into()],
        ..starttls_server(&pki)
    });
    let err =
        send_email(&settings(server.port, Security::StartTls, Some(&pki.ca_pem)), Some(PASSWORD), &email(vec![1]))
            .unwrap_err();
    match &err {
        ChannelError::RecipientRefused { recipient, server } => {
            assert_eq!(recipient, "direction@client-martin.fr");
            assert!(server.starts_with("550"), "{server}");
            assert!(server.contains("Recipient address rejected: User unknown"), "{server}");
        }
        other => panic!("expected RecipientRefused, got {other:?}"),
    }
    assert!(err.to_string().contains("direction@client-martin.fr"), "{err}");
    let session = server.session();
    assert_eq!(session.data, None, "no DATA after a refused recipient");
    assert!(!session.commands.iter().any(|c| c == "DATA"));
    assert_eq!(session.commands.last().map(String::as_str), Some("QUIT"));
}

#[test]
fn a_wrong_password_is_an_authentication_error_and_no_mail_is_sent() {
    let pki = TestPki::new();
    let server = SmtpServer::start(starttls_server(&pki));
    let err = send_email(&settings(server.port, Security::StartTls, Some(&pki.ca_pem)), Some("wrong"), &email(vec![1]))
        .unwrap_err();
    match &err {
        ChannelError::AuthenticationRefused { host, port, username, server: text } => {
            assert_eq!((host.as_str(), *port, username.as_str()), ("127.0.0.1", server.port, USER));
            assert!(text.starts_with("535") && text.contains("bad user name or password"), "{text}");
        }
        other => panic!("expected AuthenticationRefused, got {other:?}"),
    }
    let session = server.session();
    assert_eq!(session.auth_password.as_deref(), Some("wrong"));
    assert_eq!(session.mail_from, None);
}

#[test]
fn an_untrusted_certificate_stops_before_the_password_is_sent() {
    let pki = TestPki::new();
    let server = SmtpServer::start(starttls_server(&pki));
    // Trusting another authority (and the OS store) does not make the test server trusted.
    let other_ca = TestPki::unrelated_ca_pem();
    let err = send_email(&settings(server.port, Security::StartTls, Some(&other_ca)), Some(PASSWORD), &email(vec![1]))
        .unwrap_err();
    match &err {
        ChannelError::Tls { host, port, detail } => {
            assert_eq!((host.as_str(), *port), ("127.0.0.1", server.port));
            assert!(
                detail.contains("certificate is not accepted: issued by an authority this computer does not trust"),
                "{detail}"
            );
        }
        other => panic!("expected a TLS error, got {other:?}"),
    }
    let session = server.session();
    assert_eq!(session.auth_user, None, "the password never left");
    assert_eq!(session.mail_from, None);
}

#[test]
fn a_server_without_starttls_gets_nothing() {
    let server = SmtpServer::start(SmtpBehaviour {
        credentials: Some((USER.into(), PASSWORD.into())),
        ..SmtpBehaviour::plain()
    });
    let err =
        send_email(&settings(server.port, Security::StartTls, None), Some(PASSWORD), &email(vec![1])).unwrap_err();
    assert!(matches!(&err, ChannelError::StartTlsUnavailable { port, .. } if *port == server.port), "{err:?}");
    let session = server.session();
    assert_eq!(session.auth_user, None);
    assert_eq!(session.mail_from, None);
}

#[test]
fn implicit_tls_to_a_plain_port_says_the_modes_may_be_swapped() {
    let server = SmtpServer::start(SmtpBehaviour::plain());
    let err =
        send_email(&settings(server.port, Security::ImplicitTls, None), Some(PASSWORD), &email(vec![1])).unwrap_err();
    match &err {
        ChannelError::Tls { detail, .. } => {
            assert!(detail.contains("STARTTLS and implicit TLS may be swapped"), "{detail}")
        }
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

#[test]
fn a_silent_server_times_out_with_the_configured_delay() {
    let server = SmtpServer::start(SmtpBehaviour { silent: true, ..SmtpBehaviour::plain() });
    let mut s = settings(server.port, Security::StartTls, None);
    s.timeout = Duration::from_secs(1);
    let started = Instant::now();
    let err = send_email(&s, Some(PASSWORD), &email(vec![1])).unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(&err, ChannelError::Timeout { port, timeout, .. } if *port == server.port && timeout.as_secs() == 1)
    );
    assert!(err.to_string().contains(&format!("127.0.0.1:{} did not answer within 1 s", server.port)), "{err}");
    assert!(elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(8), "{elapsed:?}");
}

#[test]
fn bad_input_is_refused_before_connecting() {
    let port = closed_port();
    let s = settings(port, Security::StartTls, None);
    let mut no_recipient = email(vec![1]);
    no_recipient.to.clear();
    assert!(matches!(send_email(&s, Some(PASSWORD), &no_recipient), Err(ChannelError::InvalidMessage(_))));

    let mut bad_address = email(vec![1]);
    bad_address.cc = vec![MailAddress::new("pas une adresse")];
    let err = send_email(&s, Some(PASSWORD), &bad_address).unwrap_err();
    assert!(matches!(&err, ChannelError::InvalidAddress { address, .. } if address == "pas une adresse"), "{err:?}");

    let err = send_email(&s, None, &email(vec![1])).unwrap_err();
    assert!(matches!(&err, ChannelError::InvalidSettings(m) if m.contains("no password")), "{err:?}");

    let mut bad_mime = email(vec![1]);
    bad_mime.attachments[0].mime_type = "pdf".into();
    assert!(matches!(send_email(&s, Some(PASSWORD), &bad_mime), Err(ChannelError::InvalidMessage(_))));
}
