//! What the CLI tests share: the real `encours` binary run on a dossier in headless mode, as a
//! script would run it. Each test binary uses the part it needs.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The headless key of every test dossier (each test works in a folder of its own).
pub const KEY: &str = "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988";
/// The date the commands run on unless a test says otherwise.
pub const TODAY: &str = "2026-11-23";

/// Runs `encours --dossier DOSSIER --today TODAY ARGS…`.
pub fn encours(dossier: &Path, args: &[&str]) -> Output {
    encours_on(dossier, TODAY, args)
}

/// Runs `encours --dossier DOSSIER --today today ARGS…` (no SMTP password in the environment).
pub fn encours_on(dossier: &Path, today: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_encours"))
        .arg("--dossier")
        .arg(dossier)
        .args(["--today", today])
        .args(args)
        .env("ENCOURS_KEY_HEX", KEY)
        .env_remove("ENCOURS_SMTP_PASSWORD")
        .output()
        .expect("the encours binary runs")
}

/// Standard output of a command that must have succeeded (else its standard error in the panic).
pub fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The JSON a successful command printed.
pub fn json(dossier: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(&encours(dossier, args))).expect("JSON on standard output")
}
