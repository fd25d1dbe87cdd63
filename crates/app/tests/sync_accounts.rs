//! Platform accounts and the app's sync (issue 10 §4) against the local platform of encours-sync,
//! started in-process on an ephemeral port: accounts with their secret in a keyring (in memory
//! here) and never in the dossier, the connection test, a sync with progress cancelled and resumed,
//! the status panel and the schedule.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use chrono::{NaiveDateTime, TimeZone, Utc};
use encours_app::sync::{self, GrantKind, OutgoingState, PlatformAccount, SyncPhase, SyncProgress};
use encours_app::{Dossier, ErrorCode, KeySource};
use encours_store::keys::{DossierKey, MemorySecrets, SecretStore};
use encours_sync::server::{demo_flows, FlowFile, Platform, PlatformConfig};

fn now() -> NaiveDateTime {
    "2026-11-24T10:00:00".parse().unwrap()
}

fn keys() -> KeySource {
    KeySource::Environment(DossierKey::from_hex(&"5e".repeat(32)).unwrap())
}

fn corpus() -> std::path::PathBuf {
    std::env::var_os("ENCOURS_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

/// The local platform on a runtime of its own thread, as a remote platform would be.
struct Served {
    base: String,
    stop: std::sync::mpsc::Sender<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.stop.send(());
    }
}

fn serve(files: Vec<FlowFile>) -> Served {
    let (tx_addr, rx_addr) = std::sync::mpsc::channel();
    let (tx_stop, rx_stop) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        rt.block_on(async move {
            let p = Platform::new(PlatformConfig::new(Utc.with_ymd_and_hms(2026, 9, 1, 8, 0, 0).unwrap()));
            p.add(files);
            let running = p.start(std::net::SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
            let _ = tx_addr.send(running.base_url());
            let _ = tokio::task::spawn_blocking(move || rx_stop.recv()).await;
            running.stop().await;
        });
    });
    Served { base: rx_addr.recv().unwrap(), stop: tx_stop }
}

fn account(name: &str, base: &str) -> PlatformAccount {
    PlatformAccount::new(name, base, &format!("{base}/oauth/token"), "encours")
}

fn dossier(dir: &std::path::Path, name: &str) -> Dossier {
    encours_app::create_dossier(&dir.join(name), "732829320", "ENCOURS DEMO SAS", &keys(), now()).unwrap()
}

fn figures(d: &Dossier) -> (u64, u64, u64, String, String) {
    let s = encours_app::summary(d, now().date()).unwrap();
    (s.clients, s.invoices, s.open_items, s.open_balance.to_string(), s.overdue_balance.to_string())
}

#[test]
fn accounts_are_kept_in_the_dossier_and_their_secrets_only_in_the_keyring() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = dossier(dir.path(), "acc.encours");
    let keyring = MemorySecrets::new();
    let secret = "s3cr3t-never-in-the-dossier";

    let mut a = account("PA principale", "https://pa.example/flow-service");
    a.scopes = Some("flows.read flows.write".into());
    a.schedule_minutes = Some(30);
    let added = sync::add_account(&mut d, &keyring, &a, secret, now()).unwrap();
    assert!(added.has_secret);
    let mut b = account("Secours", "http://127.0.0.1:9");
    b.grant = GrantKind::RefreshToken;
    b.flow_types = vec!["CustomerInvoice".into(), "SupplierInvoice".into()];
    sync::add_account(&mut d, &keyring, &b, "refresh-token-xyz", now()).unwrap();

    // The name is unique (whatever the case), a secret is required, fields are checked.
    let e = sync::add_account(&mut d, &keyring, &account("pa PRINCIPALE", "https://x.example"), "s", now());
    assert!(e.unwrap_err().message.starts_with("account name"), "unique name");
    let e = sync::add_account(&mut d, &keyring, &account("Autre", "https://x.example"), " ", now()).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("client secret"), "{}", e.message);
    let e = sync::add_account(&mut d, &keyring, &account("Autre", "pa.example"), "s", now()).unwrap_err();
    assert!(e.message.starts_with("platform URL"), "{}", e.message);

    let listed = sync::list_accounts(&d, &keyring).unwrap();
    assert_eq!(listed.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["PA principale", "Secours"]);
    assert!(listed.iter().all(|a| a.has_secret));
    assert_eq!(listed[1].grant, GrantKind::RefreshToken);
    assert_eq!(listed[0].scopes.as_deref(), Some("flows.read flows.write"));
    assert_eq!(
        keyring.accounts(),
        vec![sync::secret_key(d.id(), "PA principale"), sync::secret_key(d.id(), "Secours")],
        "keyed by dossier id and account name"
    );

    // An update without a secret keeps the keyring's; with one, replaces it.
    let mut changed = listed[0].clone();
    changed.schedule_minutes = None;
    changed.enabled = false;
    let updated = sync::update_account(&mut d, &keyring, &changed, None, now()).unwrap();
    assert!(updated.has_secret && !updated.enabled && updated.schedule_minutes.is_none());
    assert_eq!(sync::account_secret(&d, &keyring, "PA principale").unwrap(), secret);
    sync::update_account(&mut d, &keyring, &changed, Some("rotated-secret"), now()).unwrap();
    assert_eq!(sync::account_secret(&d, &keyring, "PA principale").unwrap(), "rotated-secret");
    let e = sync::update_account(&mut d, &keyring, &account("Inconnu", "https://x.example"), None, now());
    assert!(e.is_err());

    // Nothing secret in the dossier: neither the stored setting nor the audit journal.
    let stored = encours_store::sync::sync_accounts_json(&d).unwrap().unwrap();
    assert!(stored.contains("PA principale") && stored.contains("flows.read"), "{stored}");
    let audit: Vec<String> = d
        .audit_entries(1000)
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {:?} {:?}", e.action, e.before, e.after))
        .collect();
    assert!(audit.iter().any(|a| a.contains("Secours")), "the changes are audited");
    for text in audit.iter().chain([&stored]) {
        for s in [secret, "rotated-secret", "refresh-token-xyz"] {
            assert!(!text.contains(s), "a secret reached the dossier: {text}");
        }
        assert!(!text.contains("\"hasSecret\":true"), "{text}");
    }

    // Deleting removes the account and its keyring entry.
    sync::delete_account(&mut d, &keyring, "Secours", now()).unwrap();
    assert_eq!(sync::list_accounts(&d, &keyring).unwrap().len(), 1);
    assert_eq!(keyring.accounts(), vec![sync::secret_key(d.id(), "PA principale")]);
    assert!(keyring.get(&sync::secret_key(d.id(), "Secours")).unwrap().is_none());
    assert!(sync::delete_account(&mut d, &keyring, "Secours", now()).is_err());
}

#[test]
fn the_connection_test_says_ok_or_which_step_failed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dossier(dir.path(), "test.encours");
    let keyring = MemorySecrets::new();
    let served = serve(demo_flows(3, 1));
    let a = account("pa", &served.base);

    let ok = sync::test_connection(&d, &keyring, &a, Some("secret"), now()).unwrap();
    assert!(ok.ok, "{ok:?}");
    assert_eq!(ok.step, "done");

    let refused = sync::test_connection(&d, &keyring, &a, Some("wrong"), now()).unwrap();
    assert!(!refused.ok);
    assert_eq!((refused.step.as_str(), refused.status), ("token", Some(401)), "{refused:?}");
    assert!(refused.message.contains("invalid_client"), "{}", refused.message);

    // Nothing listens on port 9 (discard): the healthcheck step fails, without a status.
    let nowhere = account("pa", "http://127.0.0.1:9");
    let down = sync::test_connection(&d, &keyring, &nowhere, Some("secret"), now()).unwrap();
    assert_eq!((down.ok, down.step.as_str(), down.status), (false, "healthcheck", None), "{down:?}");

    // Without a typed secret, the keyring's; none there: an error saying so.
    let e = sync::test_connection(&d, &keyring, &a, None, now()).unwrap_err();
    assert_eq!(e.code, ErrorCode::KeyUnavailable);
}

#[test]
fn a_sync_cancelled_midway_and_resumed_equals_an_uninterrupted_one_and_the_status_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let files = demo_flows(120, 21);
    let served = serve(files.clone());
    let keyring = MemorySecrets::new();

    // Uninterrupted.
    let mut whole = dossier(dir.path(), "whole.encours");
    sync::add_account(&mut whole, &keyring, &account("pa", &served.base), "secret", now()).unwrap();
    let never = AtomicBool::new(false);
    let all = sync::sync_with_progress(&mut whole, &keyring, None, now(), &|_| {}, &never).unwrap();
    assert!(!all.cancelled && !all.has_errors(), "{all:?}");
    assert_eq!(all.runs[0].downloaded as usize, files.len());

    // Cancelled after 40 flows, from the progress callback (as the UI's cancel button would).
    let mut cut = dossier(dir.path(), "cut.encours");
    sync::add_account(&mut cut, &keyring, &account("pa", &served.base), "secret", now()).unwrap();
    let cancel = AtomicBool::new(false);
    let events: Mutex<Vec<SyncProgress>> = Mutex::new(Vec::new());
    let on_progress = |p: SyncProgress| {
        if p.phase == SyncPhase::Downloading && p.downloaded >= 40 {
            cancel.store(true, Ordering::Relaxed);
        }
        events.lock().unwrap().push(p);
    };
    let first = sync::sync_with_progress(&mut cut, &keyring, None, now(), &on_progress, &cancel).unwrap();
    assert!(first.cancelled, "{first:?}");
    assert_eq!(first.runs[0].downloaded, 40, "stopped between flows, right after the one that asked");
    assert_eq!(first.runs[0].error.as_deref(), Some("cancelled"));
    let events = events.into_inner().unwrap();
    assert_eq!(events.first().map(|e| e.phase), Some(SyncPhase::Connecting));
    assert_eq!(events.iter().filter(|e| e.phase == SyncPhase::Downloading).count(), 40);
    let last = events.last().unwrap();
    assert_eq!((last.phase, last.cancelled, last.downloaded), (SyncPhase::Finished, true, 40));
    assert_eq!(encours_app::sync::synced_flows(&cut, "pa").unwrap().len(), 40, "what was committed stays");

    // The status shows the cancelled run.
    let status = sync::sync_status(&cut, now(), 50).unwrap();
    let run = status.accounts[0].last_run.clone().unwrap();
    assert_eq!((run.stored, run.error.as_deref()), (40, Some("cancelled")));

    // Resumed: the rest, nothing twice, the same dossier as the uninterrupted run.
    let again = AtomicBool::new(false);
    let rest = sync::sync_with_progress(&mut cut, &keyring, Some("pa"), now(), &|_| {}, &again).unwrap();
    assert!(!rest.cancelled && !rest.has_errors(), "{rest:?}");
    assert_eq!(rest.runs[0].downloaded as usize, files.len() - 40, "{rest:?}");
    assert_eq!(rest.runs[0].duplicates, 0);
    assert_eq!(figures(&cut), figures(&whole));
    assert_eq!(
        encours_app::sync::synced_flows(&cut, "pa").unwrap(),
        encours_app::sync::synced_flows(&whole, "pa").unwrap(),
        "each flow taken once, with the same outcome"
    );
}

#[test]
fn the_outgoing_212_goes_through_the_first_enabled_account_and_the_queue_shows_its_state() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(vec![]);
    let keyring = MemorySecrets::new();
    let mut d = dossier(dir.path(), "queue.encours");
    let mut off = account("a-off", &served.base);
    off.enabled = false;
    sync::add_account(&mut d, &keyring, &off, "secret", now()).unwrap();
    let mut on = account("b-on", &served.base);
    on.schedule_minutes = Some(15);
    sync::add_account(&mut d, &keyring, &on, "secret", now()).unwrap();

    let xml = std::fs::read_to_string(corpus().join("lifecycle/UC1_F202500003_07-CDV-212_Encaissee.xml")).unwrap();
    let bad = xml.replace(">MEN<", ">MPA<");
    {
        let mut w = d.writer("test", now()).unwrap();
        w.enqueue("cdar212", None, None, &xml).unwrap();
        w.enqueue("cdar212", None, None, &bad).unwrap();
        w.commit("test", "test.enqueue", serde_json::json!({})).unwrap();
    }
    let before = sync::sync_status(&d, now(), 50).unwrap();
    assert_eq!(before.outbox_account.as_deref(), Some("b-on"));
    assert_eq!(before.queue_counts.waiting, 2);
    assert!(before.queue.iter().all(|m| m.state == OutgoingState::Waiting && m.flow_id.is_none()));
    // Never run: due now; the disabled account has no schedule.
    assert_eq!(before.accounts[1].next_run.as_deref(), Some("2026-11-24T10:00:00"));
    assert_eq!(before.accounts[0].next_run, None);
    assert_eq!(sync::due_accounts(&d, now()).unwrap(), vec!["b-on".to_owned()]);

    let cancel = AtomicBool::new(false);
    let summary = sync::sync_with_progress(&mut d, &keyring, None, now(), &|_| {}, &cancel).unwrap();
    assert_eq!(summary.runs.len(), 1, "the disabled account is not synced: {summary:?}");
    let upload = summary.upload.clone().unwrap();
    assert_eq!((upload.uploaded, upload.acknowledged, upload.refused.len()), (2, 1, 1), "{upload:?}");

    let after = sync::sync_status(&d, now(), 50).unwrap();
    assert_eq!(after.queue_counts.acknowledged, 1, "{after:?}");
    assert_eq!(after.queue_counts.failed, 1, "{after:?}");
    let failed = after.queue.iter().find(|m| m.state == OutgoingState::Failed).unwrap();
    assert!(failed.error.as_deref().is_some_and(|e| e.contains("InvoiceLCAmountError")), "{failed:?}");
    assert!(failed.flow_id.is_some() && failed.account.as_deref() == Some("b-on"));
    let b = &after.accounts[1];
    assert_eq!(b.last_run.as_ref().map(|r| r.started_at.as_str()), Some("2026-11-24T10:00:00"));
    assert_eq!(b.next_run.as_deref(), Some("2026-11-24T10:15:00"), "15 minutes after the last run");
    let later: NaiveDateTime = "2026-11-24T10:14:59".parse().unwrap();
    assert!(sync::due_accounts(&d, later).unwrap().is_empty());
    let due: NaiveDateTime = "2026-11-24T10:15:00".parse().unwrap();
    assert_eq!(sync::due_accounts(&d, due).unwrap(), vec!["b-on".to_owned()]);

    // An account without its secret in the keyring: its run says so, the others go on.
    let empty = MemorySecrets::new();
    let s = sync::sync_with_progress(&mut d, &empty, None, now(), &|_| {}, &cancel).unwrap();
    assert!(s.has_errors());
    assert!(s.runs[0].error.as_deref().is_some_and(|e| e.contains("keyring")), "{s:?}");
    // Journaled: the panel says why, and the schedule waits its interval before the next try.
    let later: NaiveDateTime = "2026-11-24T10:20:00".parse().unwrap();
    let status = sync::sync_status(&d, later, 50).unwrap();
    let run = status.accounts[1].last_run.clone().unwrap();
    assert!(run.error.is_some_and(|e| e.contains("keyring")));
    assert_eq!(run.started_at, "2026-11-24T10:00:00");
    let s = sync::sync_with_progress(&mut d, &empty, None, later, &|_| {}, &cancel).unwrap();
    assert!(s.has_errors());
    assert_eq!(sync::due_accounts(&d, "2026-11-24T10:34:59".parse().unwrap()).unwrap(), Vec::<String>::new());
}

/// A refresh token is spent once used (the local platform, as RFC 6749 §6 allows, accepts each
/// only once and hands a new one with every token): the sync keeps the rotated one in the keyring,
/// so the next run (and the upload of the same run) still authenticates.
#[test]
fn a_rotated_refresh_token_is_kept_for_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(demo_flows(12, 5));
    // A first refresh token, as an operator would obtain it from the platform's console: one
    // client-credentials request to the token endpoint, by hand.
    let first = {
        use std::io::{Read, Write};
        let host = served.base.trim_start_matches("http://").split('/').next().unwrap().to_owned();
        let form = "grant_type=client_credentials&client_id=encours&client_secret=secret";
        let mut tcp = std::net::TcpStream::connect(&host).unwrap();
        write!(
            tcp,
            "POST /oauth/token HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
            form.len()
        )
        .unwrap();
        let mut answer = String::new();
        tcp.read_to_string(&mut answer).unwrap();
        let body = &answer[answer.find('{').expect("a JSON body")..];
        let json: serde_json::Value = serde_json::from_str(body.trim_end()).unwrap();
        json["refresh_token"].as_str().expect("the platform hands a refresh token").to_owned()
    };
    let keyring = MemorySecrets::new();
    let mut d = dossier(dir.path(), "rt.encours");
    let mut a = account("rt", &served.base);
    a.grant = GrantKind::RefreshToken;
    sync::add_account(&mut d, &keyring, &a, &first, now()).unwrap();
    let never = AtomicBool::new(false);
    for run in 0..3 {
        let s = sync::sync_with_progress(&mut d, &keyring, None, now(), &|_| {}, &never).unwrap();
        assert!(!s.has_errors(), "run {run}: {s:?}");
    }
    let kept = sync::account_secret(&d, &keyring, "rt").unwrap();
    assert_ne!(kept, first, "the spent token was replaced in the keyring");
    assert_eq!(encours_app::sync::synced_flows(&d, "rt").unwrap().len(), 12);
}
