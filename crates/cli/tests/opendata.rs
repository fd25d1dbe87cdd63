//! `encours opendata-serve` and `encours --dossier D opendata {refresh|show}`: the real binary as a
//! replay server (with 429 faults) and as the client; the server killed, the refresh reads the
//! dossier's cache and says so.

mod common;

use std::path::PathBuf;

use common::{encours, json, ok, Served};

fn corpus() -> PathBuf {
    std::env::var_os("ENCOURS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus")))
}

#[test]
fn refresh_goes_through_429s_then_reads_the_cache_when_the_server_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("o.encours");
    ok(&encours(&d, &["demo", "--clients", "6", "--invoices", "200"]));
    let corpus_dir = corpus();
    let corpus_dir = corpus_dir.to_str().expect("a UTF-8 corpus path");
    let server =
        Served::encours(&["opendata-serve", "--port", "0", "--faults", "429=4,retry-after=1", "--corpus", corpus_dir]);
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
