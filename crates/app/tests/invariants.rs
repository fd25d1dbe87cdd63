//! Architecture invariants of ARCHITECTURE.md that a test can check by reading the sources.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The `[dependencies]` section of a manifest (not dev- or build-dependencies).
fn dependencies(manifest: &Path) -> String {
    let text = std::fs::read_to_string(manifest).unwrap();
    let mut out = String::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with('[') {
            let header = line.trim();
            // `[dependencies]` and `[target.'cfg(…)'.dependencies]`, not dev- or build-dependencies.
            inside =
                header == "[dependencies]" || (header.starts_with("[target.") && header.ends_with(".dependencies]"));
            continue;
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn crates() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(root().join("crates")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    v.sort();
    v
}

#[test]
fn only_the_shell_and_the_cli_read_the_clock() {
    let allowed = [root().join("crates/cli/src/main.rs"), root().join("src-tauri/src/lib.rs")];
    let mut files = Vec::new();
    for c in crates() {
        rust_files(&c.join("src"), &mut files);
    }
    rust_files(&root().join("src-tauri/src"), &mut files);
    let clock = ["Local::now", "Utc::now", "SystemTime::now", "Local::today", "Utc::today"];
    let offenders: Vec<String> = files
        .iter()
        .filter(|f| !allowed.contains(f))
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            clock.iter().any(|c| text.contains(c))
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "business logic must take the date as a parameter: {offenders:?}");
}

#[test]
fn the_domain_does_no_io_and_knows_no_sql_tauri_or_json() {
    let deps = dependencies(&root().join("crates/domain/Cargo.toml"));
    for forbidden in ["rusqlite", "tauri", "serde_json", "reqwest", "tokio", "keyring", "lopdf", "quick-xml"] {
        assert!(!deps.contains(forbidden), "encours-domain must not depend on {forbidden}");
    }
    let mut files = Vec::new();
    rust_files(&root().join("crates/domain/src"), &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for io in ["std::fs", "std::net", "std::process", "std::env", "File::open"] {
            assert!(!text.contains(io), "{} uses {io}: the domain does no I/O", f.display());
        }
    }
}

#[test]
fn only_the_store_knows_sql_and_only_the_root_package_knows_tauri() {
    for c in crates() {
        let deps = dependencies(&c.join("Cargo.toml"));
        let name = c.file_name().unwrap().to_string_lossy().into_owned();
        if name != "store" {
            assert!(!deps.contains("rusqlite"), "crate {name} must not depend on rusqlite: SQL stays in encours-store");
        }
        assert!(!deps.contains("tauri"), "crate {name} must not depend on Tauri: only the root package does");
    }
}

#[test]
fn no_float_money_in_the_core() {
    // Floats may describe behaviour (a random delay), never an amount: no f32/f64 next to the
    // words that name money in the domain, store and app crates.
    for krate in ["domain", "store", "app"] {
        let mut files = Vec::new();
        rust_files(&root().join("crates").join(krate).join("src"), &mut files);
        for f in files {
            for (n, line) in std::fs::read_to_string(&f).unwrap().lines().enumerate() {
                let l = line.to_lowercase();
                let money_word = ["amount", "balance", "total", "money", "price"].iter().any(|w| l.contains(w));
                let float = l.contains("f64") || l.contains("f32");
                assert!(!(money_word && float), "{}:{}: a float next to money: {line}", f.display(), n + 1);
            }
        }
    }
}
