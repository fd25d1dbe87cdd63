//! `encours directory SIREN [--account NAME] [--json]` against `encours pa-serve` (its directory
//! describes the buyers of its generated flows): the platform and routing of a client, an unknown
//! SIREN, and a refused secret reported as a platform error naming the account.

mod common;

use std::path::Path;
use std::process::Output;

use common::{encours_with_secret, ok, Served, TODAY};

const SEED: u64 = 5;

fn encours(dossier: &Path, secret: &str, args: &[&str]) -> Output {
    encours_with_secret(dossier, secret, args)
}

/// The SIREN of the demo buyer number `i` (0-based) for `SEED`: the stem the generator uses, with
/// its Luhn key (legal-rules B.6), computed here independently.
fn buyer(i: u64) -> String {
    let stem = format!("{:08}", 30_000_000 + i * 7919 + SEED % 1000);
    (0..10)
        .map(|k| format!("{stem}{k}"))
        .find(|s| {
            let sum: u32 = s
                .chars()
                .rev()
                .enumerate()
                .map(|(j, c)| {
                    let d = c.to_digit(10).unwrap_or(0);
                    if j % 2 == 1 {
                        let x = d * 2;
                        if x > 9 {
                            x - 9
                        } else {
                            x
                        }
                    } else {
                        d
                    }
                })
                .sum();
            sum.is_multiple_of(10)
        })
        .unwrap_or_default()
}

#[test]
fn a_siren_is_looked_up_with_the_dossiers_account_and_a_refusal_names_the_account() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("d.encours");
    ok(&encours(&d, "secret", &["init", "--siren", "732829320", "--name", "ENCOURS DEMO SAS"]));
    let seed = SEED.to_string();
    let server = Served::encours(&["--today", TODAY, "pa-serve", "--port", "0", "--generate", "40", "--seed", &seed]);

    // No account yet: the command says what to do.
    let none = encours(&d, "secret", &["directory", &buyer(1)]);
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no platform account"), "{none:?}");

    ok(&encours(
        &d,
        "secret",
        &["sync", "accounts", "add", "pa-locale", "--base-url", &server.url, "--client-id", "encours"],
    ));
    let out = ok(&encours(&d, "secret", &["directory", &buyer(1), "--json"]));
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["found"], true, "{v}");
    assert_eq!(v["businessName"], "CLIENT 02 SARL");
    assert_eq!(v["platformName"], "Plateforme Demo Beta");
    assert_eq!(v["platformId"], "0077");
    assert_eq!(v["routingIdentifiers"], serde_json::json!(["SCE-COMPTA-02"]));
    assert_eq!(v["account"], "pa-locale");
    assert_eq!(v["lines"].as_array().map(Vec::len), Some(3));

    let text = ok(&encours(&d, "secret", &["directory", &buyer(1)]));
    assert!(text.contains("platform: Plateforme Demo Beta (no. 0077) [WK]"), "{text}");
    assert!(text.contains("routing SCE-COMPTA-02 — Service comptabilité fournisseurs"), "{text}");

    let unknown: serde_json::Value =
        serde_json::from_str(&ok(&encours(&d, "secret", &["directory", "552100554", "--json"]))).expect("JSON");
    assert_eq!(unknown["found"], false);
    let bad = encours(&d, "secret", &["directory", "12345"]);
    assert_eq!(bad.status.code(), Some(2), "not a SIREN is the user's input");

    let refused = encours(&d, "wrong", &["directory", &buyer(1), "--account", "pa-locale"]);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("\"pa-locale\"") && err.contains("/oauth/token") && err.contains("HTTP 401"), "{err}");
}
