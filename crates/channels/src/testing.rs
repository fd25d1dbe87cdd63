//! Local servers for tests (cargo feature `test-servers`): a minimal SMTP server (STARTTLS or implicit
//! TLS with a test certificate authority generated at run time, AUTH PLAIN and LOGIN, MAIL/RCPT/DATA)
//! and an HTTP server standing for an SMS provider, both on 127.0.0.1 with a port chosen by the
//! system. Plus the bits of MIME decoding the assertions need (headers, RFC 2047 words, multipart,
//! base64, quoted-printable).
//!
//! One copy for every crate that tests sending for real: the channel tests and the application's
//! dispatch tests. Not part of a release build: the feature is only enabled by dev-dependencies.
//! Test code: it panics on what it does not expect.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

use base64::Engine;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

// ---------------------------------------------------------------------------------------------------
// Certificates

/// A test certificate authority and a server certificate it signed for `localhost` and `127.0.0.1`.
pub struct TestPki {
    /// The authority's certificate, PEM: what the client is told to trust.
    pub ca_pem: String,
    /// The server's rustls configuration (certificate chain and key).
    pub server_config: Arc<rustls::ServerConfig>,
}

impl TestPki {
    /// A new authority and server certificate (a few milliseconds of key generation).
    #[allow(clippy::new_without_default)]
    pub fn new() -> TestPki {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Encours test CA");
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();

        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let mut leaf_params =
            rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        leaf_params.distinguished_name.push(rcgen::DnType::CommonName, "localhost");
        leaf_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let leaf = leaf_params.signed_by(&leaf_key, &ca).unwrap();

        let chain = vec![leaf.der().clone(), ca.der().clone()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let server_config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        TestPki { ca_pem: ca.pem(), server_config: Arc::new(server_config) }
    }

    /// Another authority's PEM, for "untrusted certificate" tests.
    pub fn unrelated_ca_pem() -> String {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.distinguished_name.push(rcgen::DnType::CommonName, "Somebody else's CA");
        params.self_signed(&key).unwrap().pem()
    }
}

// ---------------------------------------------------------------------------------------------------
// SMTP server

/// How the test SMTP server behaves.
#[derive(Clone)]
pub struct SmtpBehaviour {
    /// Offer STARTTLS with this configuration (and require it before AUTH and MAIL).
    pub starttls: Option<Arc<rustls::ServerConfig>>,
    /// Speak TLS from the first byte with this configuration.
    pub implicit_tls: Option<Arc<rustls::ServerConfig>>,
    /// The mechanisms advertised in `AUTH` (empty: no AUTH at all).
    pub auth_mechanisms: Vec<&'static str>,
    /// The only accepted credentials.
    pub credentials: Option<(String, String)>,
    /// Recipients answered with 550.
    pub refused_recipients: Vec<String>,
    /// Accept the connection and never say anything.
    pub silent: bool,
}

impl SmtpBehaviour {
    /// No TLS, AUTH PLAIN and LOGIN advertised, any credentials refused unless `credentials` is set.
    pub fn plain() -> SmtpBehaviour {
        SmtpBehaviour {
            starttls: None,
            implicit_tls: None,
            auth_mechanisms: vec!["PLAIN", "LOGIN"],
            credentials: None,
            refused_recipients: vec![],
            silent: false,
        }
    }
}

/// What the server saw during one session.
#[derive(Debug, Default, Clone)]
pub struct Session {
    /// Every command line received, in order (AUTH payloads included).
    pub commands: Vec<String>,
    /// How many EHLO/HELO the client sent (two with STARTTLS).
    pub ehlo_count: usize,
    /// Whether the session was under TLS when MAIL FROM came.
    pub encrypted_at_mail: bool,
    /// The AUTH mechanism the client chose.
    pub auth_mechanism: Option<String>,
    /// The user name it sent.
    pub auth_user: Option<String>,
    /// The password it sent.
    pub auth_password: Option<String>,
    /// Whether the credentials matched [`SmtpBehaviour::credentials`].
    pub auth_accepted: bool,
    /// The envelope sender.
    pub mail_from: Option<String>,
    /// The envelope recipients the server accepted.
    pub rcpt_to: Vec<String>,
    /// The message as transmitted after DATA, dot-stuffing undone, without the final ".".
    pub data: Option<Vec<u8>>,
    /// The first error the server hit (a TLS handshake the client aborted…).
    pub error: Option<String>,
}

/// An SMTP server on 127.0.0.1 running on a thread of its own.
pub struct SmtpServer {
    /// The port it listens on.
    pub port: u16,
    sessions: mpsc::Receiver<Session>,
    _thread: JoinHandle<()>,
}

impl SmtpServer {
    /// Starts a server that serves one connection.
    pub fn start(behaviour: SmtpBehaviour) -> SmtpServer {
        SmtpServer::start_serving(behaviour, 1)
    }

    /// Starts a server that serves `connections` connections, one after the other (one message
    /// each, as `send_email` does), then stops listening.
    pub fn start_serving(behaviour: SmtpBehaviour, connections: usize) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            for _ in 0..connections {
                let Ok((stream, _)) = listener.accept() else { return };
                stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                let mut session = Session::default();
                if let Err(e) = serve(stream, &behaviour, &mut session) {
                    session.error = Some(e.to_string());
                }
                if tx.send(session).is_err() {
                    return;
                }
            }
        });
        SmtpServer { port, sessions: rx, _thread: thread }
    }

    /// The next session, once its client has gone (waits up to 30 s).
    pub fn session(&self) -> Session {
        self.sessions.recv_timeout(Duration::from_secs(30)).expect("the SMTP server saw no session")
    }

    /// Every session finished so far, without waiting.
    pub fn finished_sessions(&self) -> Vec<Session> {
        self.sessions.try_iter().collect()
    }
}

enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

fn tls(stream: TcpStream, config: &Arc<rustls::ServerConfig>) -> io::Result<Conn> {
    let conn = rustls::ServerConnection::new(config.clone()).map_err(io::Error::other)?;
    Ok(Conn::Tls(Box::new(rustls::StreamOwned::new(conn, stream))))
}

fn reply(w: &mut impl Write, text: &str) -> io::Result<()> {
    w.write_all(text.as_bytes())?;
    w.write_all(b"\r\n")?;
    w.flush()
}

fn read_line(r: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_owned()))
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn unb64(text: &str) -> String {
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(text.trim()).unwrap_or_default())
        .unwrap_or_default()
}

fn serve(stream: TcpStream, b: &SmtpBehaviour, s: &mut Session) -> io::Result<()> {
    if b.silent {
        // Hold the connection open without a greeting until the client gives up.
        let mut sink = [0u8; 64];
        let mut stream = stream;
        while stream.read(&mut sink).unwrap_or(0) > 0 {}
        return Ok(());
    }
    let conn = match &b.implicit_tls {
        Some(config) => tls(stream, config)?,
        None => Conn::Plain(stream),
    };
    let mut r = BufReader::new(conn);
    reply(r.get_mut(), "220 test.local ESMTP Encours test server")?;
    let mut encrypted = b.implicit_tls.is_some();
    while let Some(line) = read_line(&mut r)? {
        s.commands.push(line.clone());
        let upper = line.to_ascii_uppercase();
        let verb = upper.split(' ').next().unwrap_or("").to_owned();
        let tls_missing = b.starttls.is_some() && !encrypted;
        match verb.as_str() {
            "EHLO" | "HELO" => {
                s.ehlo_count += 1;
                let mut lines = vec!["250-test.local greets you".to_owned(), "250-8BITMIME".to_owned()];
                if tls_missing {
                    lines.push("250-STARTTLS".to_owned());
                } else if !b.auth_mechanisms.is_empty() {
                    lines.push(format!("250-AUTH {}", b.auth_mechanisms.join(" ")));
                }
                lines.push("250 SIZE 10485760".to_owned());
                reply(r.get_mut(), &lines.join("\r\n"))?;
            }
            "STARTTLS" => {
                let Some(config) = &b.starttls else {
                    reply(r.get_mut(), "502 5.5.1 STARTTLS not offered")?;
                    continue;
                };
                reply(r.get_mut(), "220 2.0.0 Ready to start TLS")?;
                let Conn::Plain(tcp) = r.into_inner() else { return Err(io::Error::other("STARTTLS twice")) };
                r = BufReader::new(tls(tcp, config)?);
                encrypted = true;
            }
            "AUTH" if tls_missing => reply(r.get_mut(), "530 5.7.0 Must issue a STARTTLS command first")?,
            "AUTH" => {
                let parts: Vec<&str> = line.split(' ').collect();
                let mechanism = parts.get(1).copied().unwrap_or("").to_ascii_uppercase();
                let (user, pass) = match mechanism.as_str() {
                    "PLAIN" => {
                        let payload = match parts.get(2) {
                            Some(p) => p.to_string(),
                            None => {
                                reply(r.get_mut(), "334 ")?;
                                read_line(&mut r)?.unwrap_or_default()
                            }
                        };
                        let decoded = unb64(&payload);
                        let mut fields = decoded.split('\0').skip(1);
                        (fields.next().unwrap_or("").to_owned(), fields.next().unwrap_or("").to_owned())
                    }
                    "LOGIN" => {
                        reply(r.get_mut(), &format!("334 {}", b64("Username:")))?;
                        let user = unb64(&read_line(&mut r)?.unwrap_or_default());
                        reply(r.get_mut(), &format!("334 {}", b64("Password:")))?;
                        let pass = unb64(&read_line(&mut r)?.unwrap_or_default());
                        (user, pass)
                    }
                    _ => {
                        reply(r.get_mut(), "504 5.5.4 Unrecognized authentication type")?;
                        continue;
                    }
                };
                s.auth_mechanism = Some(mechanism);
                s.auth_user = Some(user.clone());
                s.auth_password = Some(pass.clone());
                if b.credentials.as_ref() == Some(&(user, pass)) {
                    s.auth_accepted = true;
                    reply(r.get_mut(), "235 2.7.0 Authentication successful")?;
                } else {
                    reply(r.get_mut(), "535 5.7.8 Error: authentication failed: bad user name or password")?;
                }
            }
            "MAIL" if tls_missing => reply(r.get_mut(), "530 5.7.0 Must issue a STARTTLS command first")?,
            "MAIL" if b.credentials.is_some() && !s.auth_accepted => {
                reply(r.get_mut(), "530 5.7.0 Authentication required")?
            }
            "MAIL" => {
                s.encrypted_at_mail = encrypted;
                s.mail_from = Some(angle(&line));
                reply(r.get_mut(), "250 2.1.0 Ok")?;
            }
            "RCPT" => {
                let to = angle(&line);
                if b.refused_recipients.iter().any(|x| x.eq_ignore_ascii_case(&to)) {
                    reply(r.get_mut(), &format!("550 5.1.1 <{to}>: Recipient address rejected: User unknown"))?;
                } else {
                    s.rcpt_to.push(to);
                    reply(r.get_mut(), "250 2.1.5 Ok")?;
                }
            }
            "DATA" => {
                reply(r.get_mut(), "354 End data with <CR><LF>.<CR><LF>")?;
                let mut data = Vec::new();
                loop {
                    let mut raw = Vec::new();
                    if r.read_until(b'\n', &mut raw)? == 0 {
                        return Err(io::Error::other("connection closed during DATA"));
                    }
                    if raw == b".\r\n" {
                        break;
                    }
                    // RFC 5321 §4.5.2: a leading dot was doubled by the client.
                    let line = if raw.starts_with(b"..") { &raw[1..] } else { &raw[..] };
                    data.extend_from_slice(line);
                }
                s.data = Some(data);
                reply(r.get_mut(), "250 2.0.0 Ok: queued as 4XyZ12AbC")?;
            }
            "RSET" | "NOOP" => reply(r.get_mut(), "250 2.0.0 Ok")?,
            "QUIT" => {
                reply(r.get_mut(), "221 2.0.0 Bye")?;
                break;
            }
            _ => reply(r.get_mut(), "502 5.5.2 Error: command not recognized")?,
        }
    }
    Ok(())
}

/// The address between angle brackets of `MAIL FROM:<a@b>` or `RCPT TO:<a@b>`.
fn angle(line: &str) -> String {
    let start = line.find('<').map(|i| i + 1).unwrap_or(0);
    let end = line[start..].find('>').map(|i| start + i).unwrap_or(line.len());
    line[start..end].to_owned()
}

/// A port on 127.0.0.1 where nobody listens (bound then released).
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

// ---------------------------------------------------------------------------------------------------
// HTTP server

/// One HTTP request as the server received it.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// `POST`, `GET`…
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body, as received.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A header's value, by name in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// An HTTP server on 127.0.0.1 (an SMS provider's API) running on a thread of its own.
pub struct HttpServer {
    /// The port it listens on.
    pub port: u16,
    requests: mpsc::Receiver<HttpRequest>,
    _thread: JoinHandle<()>,
}

impl HttpServer {
    /// Serves one request with this status and body.
    pub fn start(status: u16, body: &'static str) -> HttpServer {
        HttpServer::start_serving(status, body, 1)
    }

    /// Serves `requests` requests (one per connection), each with this status and body.
    pub fn start_serving(status: u16, body: &'static str, requests: usize) -> HttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            for _ in 0..requests {
                let Ok((stream, _)) = listener.accept() else { return };
                stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                if let Ok(request) = read_request(&stream) {
                    let reason = if status < 300 { "OK" } else { "Error" };
                    let response = format!(
                        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let mut w = &stream;
                    let _ = w.write_all(response.as_bytes());
                    let _ = w.flush();
                    let _ = tx.send(request);
                }
            }
        });
        HttpServer { port, requests: rx, _thread: thread }
    }

    /// The next request (waits up to 30 s).
    pub fn request(&self) -> HttpRequest {
        self.requests.recv_timeout(Duration::from_secs(30)).expect("the HTTP server received no request")
    }

    /// Every request received so far, without waiting.
    pub fn received(&self) -> Vec<HttpRequest> {
        self.requests.try_iter().collect()
    }
}

fn read_request(stream: &TcpStream) -> io::Result<HttpRequest> {
    let mut r = BufReader::new(stream);
    let request_line = read_line(&mut r)?.unwrap_or_default();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or("").to_owned();
    let path = parts.next().unwrap_or("").to_owned();
    let mut headers = Vec::new();
    while let Some(line) = read_line(&mut r)? {
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let length: usize =
        headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0u8; length];
    r.read_exact(&mut body)?;
    Ok(HttpRequest { method, path, headers, body })
}

// ---------------------------------------------------------------------------------------------------
// MIME, just enough to check what was sent

/// A MIME entity: unfolded headers and raw body.
#[derive(Debug)]
pub struct Part {
    /// Unfolded headers, in order.
    pub headers: Vec<(String, String)>,
    /// The raw body (still transfer-encoded).
    pub body: Vec<u8>,
}

impl Part {
    /// Splits headers and body.
    pub fn parse(raw: &[u8]) -> Part {
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("headers end with an empty line");
        let head = String::from_utf8(raw[..split].to_vec()).expect("headers are ASCII");
        let body = raw[split + 4..].to_vec();
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                // RFC 5322 §2.2.3 unfolding.
                if let Some(last) = headers.last_mut() {
                    last.1.push_str(line);
                }
            } else if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_owned(), value.trim().to_owned()));
            }
        }
        Part { headers, body }
    }

    /// A header's value, by name in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The value of a header parameter (`boundary`, `filename`), quotes removed.
    pub fn param(&self, header: &str, name: &str) -> Option<String> {
        let value = self.header(header)?;
        value.split(';').skip(1).find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim().trim_matches('"').to_owned())
        })
    }

    /// The sub-parts of a multipart entity.
    pub fn parts(&self) -> Vec<Part> {
        let boundary = self.param("Content-Type", "boundary").expect("a multipart boundary");
        let delimiter = format!("--{boundary}");
        let body = String::from_utf8_lossy(&self.body).into_owned();
        body.split(&delimiter)
            .skip(1)
            .take_while(|chunk| !chunk.starts_with("--"))
            .map(|chunk| {
                let chunk = chunk.strip_prefix("\r\n").unwrap_or(chunk);
                let chunk = chunk.strip_suffix("\r\n").unwrap_or(chunk);
                Part::parse(chunk.as_bytes())
            })
            .collect()
    }

    /// All leaf parts, depth first.
    pub fn leaves(&self) -> Vec<Part> {
        if self.header("Content-Type").is_some_and(|c| c.to_ascii_lowercase().starts_with("multipart/")) {
            self.parts().iter().flat_map(Part::leaves).collect()
        } else {
            vec![Part { headers: self.headers.clone(), body: self.body.clone() }]
        }
    }

    /// The body with its Content-Transfer-Encoding undone.
    pub fn decoded_body(&self) -> Vec<u8> {
        match self.header("Content-Transfer-Encoding").map(str::to_ascii_lowercase).as_deref() {
            Some("base64") => {
                let compact: Vec<u8> = self.body.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
                base64::engine::general_purpose::STANDARD.decode(compact).expect("valid base64")
            }
            Some("quoted-printable") => quoted_printable(&self.body),
            _ => self.body.clone(),
        }
    }
}

fn quoted_printable(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'=' if raw.get(i + 1..i + 3) == Some(b"\r\n") => i += 3,
            b'=' if i + 2 < raw.len() => {
                let hex = std::str::from_utf8(&raw[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).expect("=XX"));
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`); whitespace between adjacent
/// encoded words is dropped, as the RFC says.
pub fn decode_words(value: &str) -> String {
    let mut bytes = Vec::new();
    let mut previous_was_word = false;
    for (i, token) in value.split_whitespace().enumerate() {
        let word = token.strip_prefix("=?").and_then(|t| t.strip_suffix("?=")).and_then(|t| {
            let mut it = t.splitn(3, '?');
            Some((it.next()?, it.next()?, it.next()?))
        });
        match word {
            Some((_charset, encoding, text)) => {
                if i > 0 && !previous_was_word {
                    bytes.push(b' ');
                }
                if encoding.eq_ignore_ascii_case("b") {
                    bytes.extend(base64::engine::general_purpose::STANDARD.decode(text).expect("base64 word"));
                } else {
                    bytes.extend(quoted_printable(text.replace('_', " ").as_bytes()));
                }
                previous_was_word = true;
            }
            None => {
                if i > 0 {
                    bytes.push(b' ');
                }
                bytes.extend_from_slice(token.as_bytes());
                previous_was_word = false;
            }
        }
    }
    String::from_utf8(bytes).expect("UTF-8 words")
}

// ---------------------------------------------------------------------------------------------------
// Keyring

/// (service, account) → secret.
type Secrets = std::sync::Arc<std::sync::Mutex<std::collections::HashMap<(String, String), Vec<u8>>>>;

/// An in-memory keyring shared by every entry, so that what one entry stores another one reads
/// (keyring's own mock keeps each entry apart, which cannot test a round trip).
#[derive(Debug, Default)]
pub struct MemoryKeyring(Secrets);

impl MemoryKeyring {
    /// Makes a fresh in-memory keyring the process-wide default: the tests never touch the real one.
    pub fn install() {
        keyring::set_default_credential_builder(Box::<MemoryKeyring>::default());
    }
}

#[derive(Debug)]
struct MemoryCredential {
    key: (String, String),
    map: Secrets,
}

impl keyring::credential::CredentialApi for MemoryCredential {
    fn set_secret(&self, secret: &[u8]) -> keyring::Result<()> {
        self.map.lock().unwrap().insert(self.key.clone(), secret.to_vec());
        Ok(())
    }
    fn get_secret(&self) -> keyring::Result<Vec<u8>> {
        self.map.lock().unwrap().get(&self.key).cloned().ok_or(keyring::Error::NoEntry)
    }
    fn delete_credential(&self) -> keyring::Result<()> {
        self.map.lock().unwrap().remove(&self.key).map(|_| ()).ok_or(keyring::Error::NoEntry)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl keyring::credential::CredentialBuilderApi for MemoryKeyring {
    fn build(
        &self,
        _target: Option<&str>,
        service: &str,
        user: &str,
    ) -> keyring::Result<Box<keyring::credential::Credential>> {
        Ok(Box::new(MemoryCredential { key: (service.to_owned(), user.to_owned()), map: self.0.clone() }))
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
