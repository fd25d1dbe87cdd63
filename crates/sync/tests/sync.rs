//! The sync client against the local platform: full syncs, faults, crashes and resumes, uploads.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use encours_sync::server::{demo_flows, from_dir, Faults, Platform, PlatformConfig, RunningPlatform};
use encours_sync::{
    sync_once, AckStatus, AuthConfig, ClientConfig, FlowClient, FlowInfo, FlowSyntax, FlowType, Grant, MemorySink,
    NoSleep, RetryPolicy, SyncError, SyncOptions,
};

fn start_date() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 1, 8, 0, 0).single().unwrap_or_default()
}

async fn platform(config: PlatformConfig, flows: usize, seed: u64) -> RunningPlatform {
    let p = Platform::new(config);
    p.add(demo_flows(flows, seed));
    p.start(SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("the local platform starts")
}

fn client(running: &RunningPlatform, timeout: Duration, sleeper: NoSleep) -> FlowClient {
    let config = ClientConfig {
        base_url: running.base_url(),
        auth: AuthConfig {
            token_url: running.token_url(),
            client_id: "encours".into(),
            grant: Grant::ClientCredentials { client_secret: "secret".into() },
            scope: None,
        },
        timeout,
        retry: RetryPolicy {
            max_attempts: 12,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
        },
        jitter_seed: 42,
    };
    FlowClient::new(config, Arc::new(sleeper)).expect("client")
}

fn served(running: &RunningPlatform) -> BTreeMap<String, String> {
    running.platform().served().into_iter().collect()
}

/// The sink holds exactly the files served (same flowIds, same bytes); says how it differs if not.
fn assert_same(sink: &MemorySink, running: &RunningPlatform, what: &str) {
    let served = served(running);
    let missing: Vec<_> = served.keys().filter(|k| !sink.flows.contains_key(*k)).take(5).collect();
    let extra: Vec<_> = sink.flows.keys().filter(|k| !served.contains_key(*k)).take(5).collect();
    let differ: Vec<_> = served.iter().filter(|(k, v)| sink.flows.get(*k).is_some_and(|s| s != *v)).take(5).collect();
    assert!(
        missing.is_empty() && extra.is_empty() && differ.is_empty(),
        "{what}: {} stored, {} served; missing {missing:?}, extra {extra:?}, different bytes {differ:?}",
        sink.flows.len(),
        served.len()
    );
}

/// Runs passes (as the app's schedule would) until the platform holds nothing back and a pass
/// brings nothing new; returns the number of passes.
async fn sync_until_quiet(
    client: &FlowClient,
    sink: &mut MemorySink,
    options: &SyncOptions,
    running: &RunningPlatform,
) -> usize {
    for pass in 1..=200 {
        let report = sync_once(client, sink, options).await.expect("the sync pass completes");
        if report.stored == 0 && running.platform().withheld() == 0 && running.platform().queued() == 0 {
            return pass;
        }
    }
    panic!("the sync did not settle in 200 passes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sync_of_1000_flows_stores_exactly_the_files_served() {
    let running = platform(PlatformConfig::new(start_date()), 1000, 1).await;
    let client = client(&running, Duration::from_secs(10), NoSleep::default());
    client.healthcheck().await.expect("healthcheck");
    let mut sink = MemorySink::default();
    let report = sync_once(&client, &mut sink, &SyncOptions::default()).await.expect("sync");
    assert_eq!(report.stored, 1000);
    assert_eq!(report.pages, 11, "ten full pages of 100 and the empty one that says the run caught up");
    assert_same(&sink, &running, "sync");
    assert_eq!(sink.cursor, Some(start_date() + chrono::Duration::seconds(1000)), "the last updatedAt");
    assert!(sink.duplicates.is_empty());

    // A second run re-asks the late-arrival window (15 minutes = the last 900 flows here) and
    // recognises them by flowId: nothing is downloaded again.
    let downloads = running.platform().stats().downloads;
    let again = sync_once(&client, &mut sink, &SyncOptions::default()).await.expect("second sync");
    assert_eq!((again.stored, again.known), (0, 900));
    assert_eq!(running.platform().stats().downloads, downloads);
    assert_eq!(running.platform().stats().tokens_issued, 1, "one token serves the whole run");
}

/// The 10,000 flows, in every `cargo test` (about 5 s in a debug build on a quiet machine;
/// `-- --nocapture 10000` prints the time).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sync_of_10000_flows_stores_exactly_the_files_served() {
    let running = platform(PlatformConfig::new(start_date()), 10_000, 2).await;
    let client = client(&running, Duration::from_secs(10), NoSleep::default());
    let mut sink = MemorySink::default();
    let started = Instant::now();
    let report = sync_once(&client, &mut sink, &SyncOptions::default()).await.expect("sync");
    let elapsed = started.elapsed();
    println!("10,000 flows synced in {} ms ({} searches)", elapsed.as_millis(), report.pages);
    assert_eq!(report.stored, 10_000);
    assert_same(&sink, &running, "sync");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_faults_injected_the_sync_completes_with_the_same_result() {
    let mut config = PlatformConfig::new(start_date());
    config.faults =
        Faults::parse("5xx=7,429=11,retry-after=2,slow=13,slow-ms=400,dup=17,late=19,late-searches=2,expire=40")
            .expect("fault spec");
    // Flows arrive over time (60 per search), as on a real platform: a held-back flow is then at most
    // a few minutes older than the newest one, inside the 15-minute window.
    config.release_per_search = Some(60);
    let running = platform(config, 1000, 3).await;
    let sleeper = NoSleep::default();
    let client = client(&running, Duration::from_millis(150), sleeper.clone());
    let mut sink = MemorySink::default();
    let passes = sync_until_quiet(&client, &mut sink, &SyncOptions::default(), &running).await;

    assert_same(&sink, &running, "same set as without faults");
    assert!(sink.duplicates.is_empty(), "no flow committed twice");
    let stats = running.platform().stats();
    assert!(stats.injected_5xx > 10 && stats.injected_429 > 5 && stats.injected_slow > 5, "{stats:?}");
    assert!(stats.duplicated > 10 && stats.held_back > 10 && stats.expired_tokens > 5, "{stats:?}");
    assert!(stats.tokens_issued > stats.expired_tokens, "a refused token is replaced: {stats:?}");
    let asked = sleeper.asked();
    assert!(
        asked.iter().filter(|d| **d == Duration::from_secs(2)).count() as u64 >= stats.injected_429,
        "Retry-After honoured"
    );
    assert!(asked.iter().any(|d| *d < Duration::from_secs(1)), "backoff on 5xx and timeouts");
    assert!(passes >= 2, "held-back flows come in a later pass inside the window");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_late_arrival_window_held_back_flows_would_be_lost() {
    async fn run(window: chrono::Duration) -> (usize, usize, u64) {
        let mut config = PlatformConfig::new(start_date());
        config.faults = Faults::parse("late=19,late-searches=2").expect("fault spec");
        config.release_per_search = Some(37);
        let running = platform(config, 1000, 4).await;
        let client = client(&running, Duration::from_secs(10), NoSleep::default());
        let options = SyncOptions { late_window: window, ..SyncOptions::default() };
        let mut sink = MemorySink::default();
        sync_until_quiet(&client, &mut sink, &options, &running).await;
        assert!(sink.duplicates.is_empty());
        (served(&running).len(), sink.flows.len(), running.platform().stats().held_back)
    }
    let (served, stored, held_back) = run(chrono::Duration::zero()).await;
    let missed = served - stored;
    assert!(missed > 10 && missed as u64 <= held_back, "{missed} of {held_back} late flows missed without the window");
    // The same platform run with the 15-minute window: every late flow is found again by
    // re-asking from the cursor minus the window, and recognised by flowId when seen before.
    let (served, stored, held_back) = run(chrono::Duration::seconds(900)).await;
    assert_eq!((stored, served), (1000, 1000), "{held_back} late flows, none missed with the window");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flows_released_over_time_arrive_over_several_passes() {
    let mut config = PlatformConfig::new(start_date());
    config.release_per_search = Some(37);
    let running = platform(config, 500, 5).await;
    let client = client(&running, Duration::from_secs(10), NoSleep::default());
    let mut sink = MemorySink::default();
    let passes = sync_until_quiet(&client, &mut sink, &SyncOptions::default(), &running).await;
    assert!(passes > 3, "{passes} passes");
    assert_same(&sink, &running, "sync");
    assert_eq!(sink.flows.len(), 500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_interrupted_at_random_points_resumes_without_loss_or_duplicate() {
    interrupted_runs_resume(false).await;
}

/// The same with a sink that stores each page in one transaction ([`encours_sync::FlowSink::commit_batch`]):
/// a refused batch leaves neither its flows nor the cursor past them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_one_commit_per_page_an_interrupted_sync_resumes_without_loss_or_duplicate() {
    interrupted_runs_resume(true).await;
}

async fn interrupted_runs_resume(batch_commits: bool) {
    let mut config = PlatformConfig::new(start_date());
    config.faults = Faults::parse("5xx=9,dup=13,late=23").expect("fault spec");
    config.release_per_search = Some(50);
    let running = platform(config, 1000, 6).await;
    let client = client(&running, Duration::from_secs(10), NoSleep::default());
    // What the dossier holds survives each "crash"; the process state (the client's token, the run's
    // page position) does not matter: a new run starts from the stored cursor.
    let mut kept = MemorySink { batch_commits, ..MemorySink::default() };
    let mut rng = 0x5eed_u64;
    let mut next = move |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    let mut interrupted = 0;
    for round in 0..20 {
        let mut sink = MemorySink { crash_at_commit: None, commits: 0, ..kept.clone() };
        if round % 2 == 0 {
            // The store refuses the k-th commit and every later one: the process dies mid-flow.
            // A run commits one batch per page, and with 50 flows released per search a run is a page or two.
            let commits = if batch_commits { 2 } else { 120 };
            sink.crash_at_commit = Some(usize::try_from(next(commits)).unwrap_or(0));
            if sync_once(&client, &mut sink, &SyncOptions::default()).await.is_err() {
                interrupted += 1;
            }
        } else {
            // The run is dropped wherever it is (between a download and a commit, mid-page...).
            let limit = Duration::from_millis(5 + next(60));
            if tokio::time::timeout(limit, sync_once(&client, &mut sink, &SyncOptions::default())).await.is_err() {
                interrupted += 1;
            }
        }
        assert!(sink.duplicates.is_empty(), "round {round}: a flow was stored twice");
        kept = MemorySink { crash_at_commit: None, ..sink };
    }
    assert!(interrupted >= 15, "the runs were really interrupted ({interrupted} of 20)");
    assert!(kept.flows.len() < 1000, "the interruptions left work to do");
    let mut sink = kept;
    sync_until_quiet(&client, &mut sink, &SyncOptions::default(), &running).await;
    assert_same(&sink, &running, "same set as an uninterrupted run");
    assert!(sink.duplicates.is_empty());
}

fn corpus() -> PathBuf {
    std::env::var_os("ENCOURS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_files_served_from_folders_sync_byte_for_byte() {
    let p = Platform::new(PlatformConfig::new(start_date()));
    let mut expected = 0;
    for dir in ["lifecycle", "cii", "ubl"] {
        let (files, _skipped) = from_dir(&corpus().join(dir)).expect("corpus folder");
        expected += files.len();
        p.add(files);
    }
    assert!(expected > 60, "{expected} corpus files");
    let running = p.start(SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("start");
    let client = client(&running, Duration::from_secs(10), NoSleep::default());
    let mut sink = MemorySink { keep_bytes: true, ..MemorySink::default() };
    sync_once(&client, &mut sink, &SyncOptions::default()).await.expect("sync");
    assert_same(&sink, &running, "sync");
    let original = std::fs::read(corpus().join("lifecycle/UC1_F202500003_07-CDV-212_Encaissee.xml")).expect("file");
    assert!(sink.bytes.values().any(|b| *b == original), "the original bytes, untouched (BOM included)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uploaded_212_is_acknowledged_and_a_bad_one_gets_the_b4_reason() {
    let running = platform(PlatformConfig::new(start_date()), 10, 7).await;
    let client = client(&running, Duration::from_secs(10), NoSleep::default());
    let cdar = std::fs::read(corpus().join("lifecycle/UC1_F202500003_07-CDV-212_Encaissee.xml")).expect("212");
    let info = FlowInfo {
        tracking_id: Some("outbox-212-1".into()),
        name: "F202500003-212.xml".into(),
        processing_rule: Some("B2B".into()),
        flow_syntax: FlowSyntax::Cdar,
        flow_profile: None,
        flow_type: Some(FlowType::CustomerInvoiceLC),
        sha256: None,
    };
    let answer = client.upload(&info, &cdar).await.expect("upload accepted");
    assert_eq!(answer.tracking_id.as_deref(), Some("outbox-212-1"));
    assert_eq!(answer.sha256.len(), 64);
    let flow = client.metadata(&answer.flow_id).await.expect("metadata");
    assert_eq!(flow.acknowledgement.map(|a| a.status), Some(AckStatus::Ok), "acknowledged");
    let (uploaded, bytes) = running.platform().uploads().into_iter().next().expect("one upload");
    assert_eq!((uploaded.flow_id, bytes), (answer.flow_id, cdar.clone()));

    // The same tracking id again: AlreadyExistingFlow. A 212 without MEN: InvoiceLCAmountError.
    let again = client.upload(&info, &cdar).await.expect("upload accepted");
    let text = String::from_utf8_lossy(&cdar).replace(">MEN<", ">MPA<");
    let bad_info = FlowInfo { tracking_id: Some("outbox-212-2".into()), ..info.clone() };
    let bad = client.upload(&bad_info, text.as_bytes()).await.expect("upload accepted");
    for (id, code) in [(again.flow_id, "AlreadyExistingFlow"), (bad.flow_id, "InvoiceLCAmountError")] {
        let ack = client.metadata(&id).await.expect("metadata").acknowledgement.expect("ack");
        assert_eq!(ack.status, AckStatus::Error);
        assert_eq!(ack.details.first().map(|d| d.reason_code.as_str()), Some(code));
    }

    // Our own uploads come back in searches (direction Out) and are not imported.
    let mut sink = MemorySink::default();
    let report = sync_once(&client, &mut sink, &SyncOptions::default()).await.expect("sync");
    assert_eq!((report.stored, report.ignored), (10, 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_and_an_unreachable_platform_are_named_errors() {
    let running = platform(PlatformConfig::new(start_date()), 5, 8).await;
    let mut config_client = client(&running, Duration::from_secs(5), NoSleep::default());
    let mut sink = MemorySink::default();
    let bad = ClientConfig {
        base_url: running.base_url(),
        auth: AuthConfig {
            token_url: running.token_url(),
            client_id: "encours".into(),
            grant: Grant::ClientCredentials { client_secret: "wrong".into() },
            scope: None,
        },
        timeout: Duration::from_secs(5),
        retry: RetryPolicy::default(),
        jitter_seed: 1,
    };
    let bad = FlowClient::new(bad, Arc::new(NoSleep::default())).expect("client");
    match sync_once(&bad, &mut sink, &SyncOptions::default()).await {
        Err(SyncError::Auth { status: 401, message, .. }) => {
            assert!(message.contains("invalid_client") || !message.is_empty())
        }
        other => panic!("expected an authentication error, got {other:?}"),
    }
    assert!(sink.flows.is_empty() && sink.cursor.is_none());

    let addr = running.addr;
    running.stop().await;
    let sleeper = NoSleep::default();
    config_client = {
        let _ = config_client;
        let cfg = ClientConfig {
            base_url: format!("http://{addr}"),
            auth: AuthConfig {
                token_url: format!("http://{addr}/oauth/token"),
                client_id: "encours".into(),
                grant: Grant::ClientCredentials { client_secret: "secret".into() },
                scope: None,
            },
            timeout: Duration::from_secs(2),
            retry: RetryPolicy { max_attempts: 3, ..RetryPolicy::default() },
            jitter_seed: 1,
        };
        FlowClient::new(cfg, Arc::new(sleeper.clone())).expect("client")
    };
    match config_client.healthcheck().await {
        Err(SyncError::RetriesExhausted { attempts: 3, url, last }) => {
            assert!(url.ends_with("/v1/healthcheck") && last.contains("cannot reach"), "{url} {last}")
        }
        other => panic!("expected retries exhausted, got {other:?}"),
    }
    assert_eq!(sleeper.asked().len(), 2, "two waits between three attempts");
}
