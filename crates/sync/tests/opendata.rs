//! The open-data clients against the local replay server over the real corpus
//! (`shared/corpus/{sirene,bodacc}`): parsed facts equal the values read independently (jq) from
//! the files, the rate limit holds per one-second window, 429 is honoured with its Retry-After,
//! 5xx are retried, a malformed body is an error naming the URL, and a stopped server is an outage
//! the caller can fall back from.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use encours_sync::opendata::bodacc::parse_notices;
use encours_sync::opendata::server::{Replay, RunningReplay};
use encours_sync::opendata::sirene::parse_search;
use encours_sync::opendata::{
    ManualClock, NoticeKind, OpenDataClient, OpenDataConfig, OpenDataError, Procedure, RateLimit, TokioClock,
};
use encours_sync::server::Faults;
use encours_sync::{RetryPolicy, TokioSleeper};
use serde_json::{json, Value};

/// `ENCOURS_CORPUS`, else `../shared/corpus` beside the repository; fails (never skips) when missing.
fn corpus() -> PathBuf {
    let p = std::env::var_os("ENCOURS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus")));
    assert!(p.join("sirene").is_dir() && p.join("bodacc").is_dir(), "the shared corpus is missing at {}", p.display());
    p
}

/// The values read from the corpus files with jq (not with the code under test): the truth of the
/// golden test. Dates as written; `null` where the file has none.
fn truth() -> Value {
    json!({
        "sirene": {
            "552032534": {"name": "DANONE", "creationDate": "1955-01-01", "legalForm": "5599", "naf": "70.10Z",
                "naf25": "70.10Y", "headcountBand": "42", "headcountYear": "2023", "category": "GE", "state": "A",
                "ceasedOn": null, "radiatedOn": null, "establishments": 19, "openEstablishments": 3,
                "headOfficeSiret": "55203253400703", "headOfficeState": "A"},
            "880878145": {"name": "GANYMEDE", "creationDate": "2020-01-13", "legalForm": "5710", "naf": "62.02A",
                "naf25": null, "headcountBand": "NN", "headcountYear": null, "category": null, "state": "C",
                "ceasedOn": "2022-10-22", "radiatedOn": "2022-11-14", "establishments": 1, "openEstablishments": 0,
                "headOfficeSiret": "88087814500015", "headOfficeState": "F"}
        },
        "bodacc": {
            "880878145": [
                {"id": "B20220227446", "publishedOn": "2022-11-23", "family": "radiation", "kind": "radiation",
                 "court": "GAAAreffe du Tribunal de Commerce de Paris", "recordId": "b3a1c40bf7cfca27d86c0251e45e1a36ef7e8fd7",
                 "url": "https://www.bodacc.fr/pages/annonces-commerciales-detail/?q.id=id:B20220227446"},
                {"id": "C202200902528", "publishedOn": "2022-05-08", "family": "dpc", "kind": "accounts_filed",
                 "court": "Greffe du Tribunal de Commerce de paris", "recordId": "1ca65450ccdf24e07e5fb64e1da9f2bb48dd5e2e",
                 "url": "https://www.bodacc.fr/pages/annonces-commerciales-detail/?q.id=id:C202200902528"},
                {"id": "C202101554392", "publishedOn": "2021-08-11", "family": "dpc", "kind": "accounts_filed",
                 "court": "GREFFE DU TRIBUNAL DE COMMERCE DE PARIS", "recordId": "34b1dda2cf2b72641886c3468d075cecaf636fd0",
                 "url": "https://www.bodacc.fr/pages/annonces-commerciales-detail/?q.id=id:C202101554392"}
            ],
            "833310592": [
                {"id": "A202002333642", "publishedOn": "2020-11-30", "family": "collective", "kind": "closure",
                 "court": "TRIBUNAL DE COMMERCE DE BORDEAUX", "recordId": null, "judgmentOn": "2020-11-19",
                 "procedure": "liquidation", "url": "https://www.bodacc.fr/annonce/detail-annonce/A/20200233/993"}
            ]
        }
    })
}

fn check_company(siren: &str, facts: &Value) {
    let expected = &truth()["sirene"][siren];
    let obj = expected.as_object().expect("truth object");
    for (k, v) in obj {
        assert_eq!(&facts[k], v, "{siren}: {k}");
    }
    assert_eq!(facts["siren"], siren);
}

/// `record_ids`: a v1 body carries them; the v2.1 body the replay server serves does not.
fn check_notices(siren: &str, notices: &[encours_sync::opendata::BodaccNotice], record_ids: bool) {
    let expected = truth()["bodacc"][siren].as_array().cloned().unwrap_or_default();
    assert_eq!(notices.len(), expected.len(), "{siren}: {notices:?}");
    for (n, e) in notices.iter().zip(&expected) {
        let got = serde_json::to_value(n).expect("serialisable");
        for k in ["id", "publishedOn", "family", "kind", "court", "url"] {
            assert_eq!(got[k], e[k], "{siren} {}: {k}", n.id);
        }
        if record_ids {
            assert_eq!(got["recordId"], e["recordId"], "{}", n.id);
        }
        if let Some(j) = e.get("judgmentOn") {
            assert_eq!(got["judgment"]["date"], *j, "{}", n.id);
            assert_eq!(got["procedure"], e["procedure"], "{}", n.id);
        }
        assert!(n.sirens.contains(&siren.to_owned()), "{}", n.id);
    }
}

#[test]
fn golden_the_corpus_samples_parse_to_the_values_read_from_the_files() {
    let dir = corpus();
    for siren in ["552032534", "880878145"] {
        let bytes = std::fs::read(dir.join(format!("sirene/recherche-entreprises_search-{siren}.json"))).expect("file");
        let wrapper: Value = serde_json::from_slice(&bytes).expect("json");
        let body = serde_json::to_vec(&wrapper["result"]).expect("body");
        let facts = parse_search("file", siren, &body).expect("parses").expect("the SIREN is there");
        check_company(siren, &serde_json::to_value(&facts).expect("json"));
        assert_eq!(facts.is_ceased(), siren == "880878145");
    }
    let v1 = std::fs::read(dir.join("bodacc/annonces-commerciales_v1_registre-880878145.json")).expect("file");
    let page = parse_notices("file", &v1).expect("v1 parses");
    assert_eq!((page.records, page.skipped, page.total), (3, 0, Some(3)));
    check_notices("880878145", &page.notices, true);
    let one =
        std::fs::read(dir.join("bodacc/EXAMPLE-composite_collective_cloture-LJ_from-field-comments.json")).expect("f");
    let page = parse_notices("file", &one).expect("record parses");
    check_notices("833310592", &page.notices, true);
    let j = page.notices.first().and_then(|n| n.judgment.clone()).unwrap_or_default();
    assert_eq!(j.nature.as_deref(), Some("Jugement de clôture pour insuffisance d'actif"));
    assert!(j.complement.unwrap_or_default().starts_with("Jugement prononçant la clôture"));
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

async fn serve(replay: &Replay) -> RunningReplay {
    replay.start(SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("the replay server starts")
}

fn config(base: &str) -> OpenDataConfig {
    OpenDataConfig {
        sirene_base_url: base.into(),
        bodacc_base_url: base.into(),
        timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(10),
        },
        rate: RateLimit::default(),
        jitter_seed: 1,
    }
}

/// A client on the real clock and sleeper (the rate limit is then real).
fn real_client(base: &str) -> OpenDataClient {
    OpenDataClient::new(config(base), Arc::new(TokioClock::new()), Arc::new(TokioSleeper)).expect("client")
}

#[test]
fn the_client_reads_every_corpus_company_and_notice_through_the_replay_server() {
    let rt = runtime();
    rt.block_on(async {
        let replay = Replay::from_corpus(&corpus()).expect("corpus loads");
        let running = serve(&replay).await;
        let client = real_client(&running.base_url());
        for siren in ["552032534", "880878145"] {
            let a = client.company(siren).await.expect("company");
            check_company(siren, &serde_json::to_value(a.facts.expect("known")).expect("json"));
            assert!(a.page.url.starts_with(&running.base_url()) && !a.page.body.is_empty());
        }
        for siren in ["880878145", "833310592"] {
            let a = client.notices(siren).await.expect("notices");
            assert_eq!(a.pages.len(), 1);
            check_notices(siren, &a.notices, false);
        }
        // Unknown SIREN: no facts, no notices, no error.
        assert_eq!(client.company("123456782").await.expect("answer").facts, None);
        assert!(client.notices("123456782").await.expect("answer").notices.is_empty());
        running.stop().await;
    });
}

/// Requests per one-second window starting at each request: never more than the limit.
fn max_per_second(log: &[Duration]) -> usize {
    log.iter().map(|t| log.iter().filter(|u| **u >= *t && **u < *t + Duration::from_secs(1)).count()).max().unwrap_or(0)
}

#[test]
fn the_rate_limit_holds_seven_requests_per_second_window() {
    let rt = runtime();
    rt.block_on(async {
        let replay = Replay::from_corpus(&corpus()).expect("corpus loads");
        let running = serve(&replay).await;
        let client = real_client(&running.base_url());
        for i in 0..22 {
            let siren = if i % 2 == 0 { "552032534" } else { "880878145" };
            client.company(siren).await.expect("company");
        }
        let log: Vec<Duration> = replay.log().iter().map(|l| l.at).collect();
        assert_eq!(log.len(), 22);
        let most = max_per_second(&log);
        assert!(most <= 7, "{most} requests in one second: {log:?}");
        // Paced, not stalled: 21 intervals of 1.15 s / 7 take about 3.45 s.
        let span = log.last().copied().unwrap_or_default().saturating_sub(log.first().copied().unwrap_or_default());
        assert!(span >= Duration::from_millis(3000) && span < Duration::from_secs(7), "{span:?}");
        // Without the limiter the same server takes many more per second: the check can fail.
        let unlimited = {
            let mut c = config(&running.base_url());
            c.rate = RateLimit { per_second: 1000, burst: 1000, margin_ms: 0 };
            OpenDataClient::new(c, Arc::new(TokioClock::new()), Arc::new(TokioSleeper)).expect("client")
        };
        let before = replay.log().len();
        for _ in 0..10 {
            unlimited.company("552032534").await.expect("company");
        }
        let fast: Vec<Duration> = replay.log().iter().skip(before).map(|l| l.at).collect();
        assert!(max_per_second(&fast) > 7, "the unlimited client stayed under 7/s: {fast:?}");
        running.stop().await;
    });
}

#[test]
fn a_429_is_honoured_with_its_retry_after_and_5xx_are_retried() {
    let rt = runtime();
    rt.block_on(async {
        let replay = Replay::from_corpus(&corpus()).expect("corpus loads");
        replay.set_faults(Faults::parse("429=3,retry-after=1").expect("spec"));
        let running = serve(&replay).await;
        let client = real_client(&running.base_url());
        for _ in 0..3 {
            let a = client.company("880878145").await.expect("answered after the 429");
            assert!(a.facts.is_some_and(|f| f.is_ceased()));
        }
        let log = replay.log();
        let i = log.iter().position(|l| l.status == 429).expect("a 429 was injected");
        let next = log.get(i + 1).expect("a request after the 429");
        let gap = next.at.saturating_sub(log[i].at);
        assert!(gap >= Duration::from_millis(1000), "the client came back after {gap:?}, Retry-After was 1 s");
        assert_eq!(next.status, 200);
        running.stop().await;

        // 503 on every other request: each answer still arrives (retried with backoff). The
        // manual clock makes the backoff and the limiter free.
        let replay = Replay::from_corpus(&corpus()).expect("corpus loads");
        replay.set_faults(Faults::parse("5xx=2").expect("spec"));
        let running = serve(&replay).await;
        let clock = ManualClock::default();
        let client =
            OpenDataClient::new(config(&running.base_url()), Arc::new(clock.clone()), Arc::new(clock.sleeper()))
                .expect("client");
        for _ in 0..4 {
            assert!(client.notices("880878145").await.expect("retried").notices.len() == 3);
        }
        assert!(replay.log().iter().filter(|l| l.status == 503).count() >= 3);
        // Always 503: the attempts run out and the error says so, with the URL.
        replay.set_faults(Faults::parse("5xx=1").expect("spec"));
        let e = client.company("552032534").await.expect_err("only 503");
        assert!(matches!(e, OpenDataError::RetriesExhausted { attempts: 6, .. }), "{e}");
        assert!(e.is_unavailable() && e.to_string().contains("/search?q=552032534") && e.to_string().contains("503"));
        running.stop().await;
    });
}

#[test]
fn a_malformed_body_is_an_error_naming_the_url_and_a_stopped_server_an_outage() {
    let rt = runtime();
    rt.block_on(async {
        let replay = Replay::empty();
        replay.add_company("552032534", json!("pas un objet"));
        replay.add_company("880878145", json!({"results": "pas une liste"}));
        replay.add_record(
            json!({"id": "A1", "registre": "123456782", "familleavis": "collective", "jugement": "{cassé"}),
        );
        let running = serve(&replay).await;
        let base = running.base_url();
        let client = real_client(&base);
        for siren in ["552032534", "880878145"] {
            let e = client.company(siren).await.expect_err("not the documented JSON");
            assert!(matches!(e, OpenDataError::Decode { .. }) && !e.is_unavailable(), "{e}");
            assert!(e.to_string().contains(&format!("{base}/search?q={siren}")), "{e}");
        }
        let n = client.notices("123456782").await.expect("a broken jugement string is kept raw");
        assert_eq!(n.notices.first().and_then(|x| x.judgment_raw.clone()).as_deref(), Some("{cassé"));
        assert_eq!(n.notices.first().map(|x| x.kind), Some(NoticeKind::OtherJudgment));
        running.stop().await;
        let e = client.company("552032534").await.expect_err("nobody listens");
        assert!(e.is_unavailable(), "{e}");
        assert!(e.to_string().contains(&base), "{e}");
    });
}

#[test]
fn an_opening_notice_added_to_the_replay_is_classified_with_its_dates() {
    let rt = runtime();
    rt.block_on(async {
        let replay = Replay::empty();
        replay.add_record(json!({
            "id": "A202601231234", "publicationavis": "A", "parution": "20260123", "numeroannonce": 1234,
            "dateparution": "2026-09-15", "familleavis": "collective", "typeavis_lib": "Avis initial",
            "registre": ["732829320", "732 829 320"], "tribunal": "TRIBUNAL DE COMMERCE DE LYON",
            "jugement": "{\"type\": \"initial\", \"famille\": \"Jugement d'ouverture\", \"nature\": \"Jugement d'ouverture de liquidation judiciaire\", \"date\": \"8 septembre 2026\"}"
        }));
        let running = serve(&replay).await;
        let n = real_client(&running.base_url()).notices("732829320").await.expect("notices");
        let first = n.notices.first().cloned().unwrap_or_default();
        assert_eq!((first.kind, first.procedure), (NoticeKind::Opening, Some(Procedure::Liquidation)));
        assert_eq!(first.published_on, chrono::NaiveDate::from_ymd_opt(2026, 9, 15));
        assert_eq!(first.judgment.and_then(|j| j.date), chrono::NaiveDate::from_ymd_opt(2026, 9, 8));
        assert_eq!(first.url.as_deref(), Some("https://www.bodacc.fr/annonce/detail-annonce/A/20260123/1234"));
        running.stop().await;
    });
}

#[test]
fn no_body_makes_the_parsers_panic_truncations_and_flipped_bytes_of_the_corpus() {
    // Every prefix of each corpus file, and seeded byte flips: an answer or an error, never a panic
    // (the test fails on a panic since parse runs outside catch_unwind).
    let dir = corpus();
    let mut files = Vec::new();
    for sub in ["sirene", "bodacc"] {
        for e in std::fs::read_dir(dir.join(sub)).expect("corpus folder") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "json") {
                files.push(std::fs::read(&p).expect("readable"));
            }
        }
    }
    assert!(files.len() >= 6, "{} corpus files", files.len());
    let mut state = 0x5eed_u64;
    let mut next = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    let mut answers = 0;
    for bytes in &files {
        let step = (bytes.len() / 200).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let part = &bytes[..cut];
            answers += usize::from(parse_search("u", "880878145", part).is_ok());
            answers += usize::from(parse_notices("u", part).is_ok());
        }
        for _ in 0..300 {
            let mut m = bytes.clone();
            for _ in 0..3 {
                let i = (next() as usize) % m.len().max(1);
                if let Some(b) = m.get_mut(i) {
                    *b = (next() & 0xff) as u8;
                }
            }
            answers += usize::from(parse_search("u", "552032534", &m).is_ok());
            answers += usize::from(parse_notices("u", &m).is_ok());
        }
    }
    // Some mutations leave valid JSON: both outcomes were exercised.
    assert!(answers > 0);
}
