//! `encours sync accounts add|list|remove` and `encours sync [--account NAME] [--json]` with the
//! dossier's accounts, against `encours pa-serve` (the secret from ENCOURS_PA_SECRET: headless).

mod common;

use common::{encours_with_secret as encours, ok, Served, TODAY};

#[test]
fn accounts_are_added_listed_synced_and_removed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("d.encours");
    ok(&encours(&d, "secret", &["init", "--siren", "732829320", "--name", "ENCOURS DEMO SAS"]));
    let server = Served::encours(&["--today", TODAY, "pa-serve", "--port", "0", "--generate", "30", "--seed", "5"]);

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
