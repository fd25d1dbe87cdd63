//! What the CLI tests share: the real `encours` binary run on a dossier in headless mode, as a
//! script would run it. Each test binary uses the part it needs.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

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

/// A local server the binary runs (`pa-serve`, `opendata-serve`) until dropped: its process, the
/// `http://…` address it printed on its first line, and that line.
pub struct Served {
    child: Child,
    /// Its base URL.
    pub url: String,
    /// The first line it printed.
    pub first_line: String,
}

impl Served {
    /// Starts `program ARGS…` (the `encours` binary, or the one a test names) and reads its address.
    pub fn start(program: &Path, args: &[&str]) -> Served {
        let mut child = Command::new(program)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} {args:?} starts: {e}", program.display()));
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the server prints its address");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .map(|w| w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()).to_owned())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Served { child, url, first_line: line }
    }

    /// Starts `encours ARGS…`.
    pub fn encours(args: &[&str]) -> Served {
        Served::start(Path::new(env!("CARGO_BIN_EXE_encours")), args)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `encours --dossier DOSSIER --today TODAY ARGS…` with `secret` as every platform account's
/// secret (ENCOURS_PA_SECRET: headless, no keyring).
pub fn encours_with_secret(dossier: &Path, secret: &str, args: &[&str]) -> Output {
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
