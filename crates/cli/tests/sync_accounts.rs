//! `encours sync accounts add|list|remove` and `encours sync [--account NAME] [--json]` with the
//! dossier's accounts, against `encours pa-serve` (the secret from ENCOURS_PA_SECRET: headless).

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use common::{ok, KEY, TODAY};

struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(flows: usize) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_encours"))
            .args(["--today", TODAY, "pa-serve", "--port", "0", "--generate", &flows.to_string(), "--seed", "5"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("pa-serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("address");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .map(|w| w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()).to_owned())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Server { child, url }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn encours(dossier: &Path, secret: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_encours"))
        .arg("--dossier")
        .arg(dossier)
        .args(["--today", TODAY])
        .args(args)
        .env("ENCOURS_KEY_HEX", KEY)
        .env("ENCOURS_PA_SECRET", secret)
        .output()
        .expect("the encours binary runs")
}

#[test]
fn accounts_are_added_listed_synced_and_removed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("d.encours");
    ok(&encours(&d, "secret", &["init", "--siren", "732829320", "--name", "ENCOURS DEMO SAS"]));
    let server = Server::start(30);

    let added = ok(&encours(
        &d,
        "secret",
        &["sync", "accounts", "add", "pa-locale", "--base-url", &server.url, "--client-id", "encours", "--every", "15"],
    ));
    assert!(added.contains("pa-locale"), "{added}");
    let bad =
        encours(&d, "secret", &["sync", "accounts", "add", "pa-locale", "--base-url", &server.url, "--client-id", "x"]);
    assert!(!bad.status.success(), "the name is unique");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("already named"), "{}", String::from_utf8_lossy(&bad.stderr));
    let clear =
        encours(&d, "secret", &["sync", "accounts", "add", "b", "--base-url", "http://pa.example", "--client-id", "x"]);
    assert!(!clear.status.success(), "plain http to another machine is refused");

    let list: serde_json::Value =
        serde_json::from_str(&ok(&encours(&d, "secret", &["sync", "accounts", "list", "--json"]))).unwrap();
    assert_eq!(list[0]["name"], "pa-locale");
    assert_eq!(list[0]["scheduleMinutes"], 15);
    assert_eq!(list[0]["tokenUrl"], format!("{}/oauth/token", server.url));

    let run: serde_json::Value =
        serde_json::from_str(&ok(&encours(&d, "secret", &["sync", "--account", "pa-locale", "--json"]))).unwrap();
    assert_eq!(run["runs"][0]["account"], "pa-locale");
    assert_eq!(run["runs"][0]["downloaded"], 30, "{run}");
    assert_eq!(run["cancelled"], false);
    let again = ok(&encours(&d, "secret", &["sync"]));
    assert!(again.contains("pa-locale: 0 flows downloaded"), "{again}");

    // A wrong secret: the run fails (non-zero exit) after saying why.
    let refused = encours(&d, "wrong", &["sync"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stdout).contains("401"), "{}", String::from_utf8_lossy(&refused.stdout));

    ok(&encours(&d, "secret", &["sync", "accounts", "remove", "pa-locale"]));
    assert!(ok(&encours(&d, "secret", &["sync", "accounts", "list"])).contains("no platform account"));
    let none = encours(&d, "secret", &["sync"]);
    assert!(!none.status.success(), "nothing to sync");
}
