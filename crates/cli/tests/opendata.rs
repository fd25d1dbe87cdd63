//! `encours opendata-serve` and `encours --dossier D opendata {refresh|show}`: the real binary as a
//! replay server (with 429 faults) and as the client; the server killed, the refresh reads the
//! dossier's cache and says so.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use common::{encours, json, ok};

fn corpus() -> PathBuf {
    std::env::var_os("ENCOURS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus")))
}

struct Server {
    child: Child,
    url: String,
    first_line: String,
}

impl Server {
    fn start(faults: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_encours"))
            .args(["opendata-serve", "--port", "0", "--faults", faults, "--corpus"])
            .arg(corpus())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("opendata-serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("address");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .map(|w| w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()).to_owned())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Server { child, url, first_line: line }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn refresh_goes_through_429s_then_reads_the_cache_when_the_server_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("o.encours");
    ok(&encours(&d, &["demo", "--clients", "6", "--invoices", "200"]));
    let server = Server::start("429=4,retry-after=1");
    // The server says which SIRENs it replays (the corpus's).
    for siren in ["552032534", "880878145", "833310592"] {
        assert!(server.first_line.contains(siren), "{}", server.first_line);
    }
    let r = json(&d, &["opendata", "refresh", "--all", "--base-url", &server.url, "--json"]);
    let clients = r["clients"].as_array().unwrap();
    assert!(!clients.is_empty());
    assert_eq!(r["fetched"].as_u64(), Some(clients.len() as u64), "{r}");
    assert_eq!(r["offline"], false);
    assert!(clients.iter().all(|c| c["sirene"]["origin"] == "fetched" && c["bodacc"]["origin"] == "fetched"));
    let client = clients[0]["clientId"].as_i64().unwrap();

    drop(server);
    let r = json(
        &d,
        &["opendata", "refresh", "--client", &client.to_string(), "--base-url", "http://127.0.0.1:9", "--json"],
    );
    assert_eq!(r["offline"], true, "{r}");
    assert_eq!(r["fromCache"], 1, "{r}");
    assert_eq!(r["clients"][0]["sirene"]["origin"], "cache");
    assert!(r["clients"][0]["sirene"]["message"].as_str().unwrap().contains("127.0.0.1:9"), "{r}");
    // Text says it too.
    let text = ok(&encours(&d, &["opendata", "refresh", "--client", &client.to_string(), "--offline"]));
    assert!(text.contains("1 from the cache") && text.contains("cache"), "{text}");
    let shown = json(&d, &["opendata", "show", &client.to_string(), "--json"]);
    assert_eq!(shown["clientId"], client);
    assert!(shown["notices"].as_array().unwrap().is_empty());
    // An unknown client is an error with a non-zero exit.
    let o = encours(&d, &["opendata", "refresh", "--client", "999999", "--offline"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("999999"));
}
