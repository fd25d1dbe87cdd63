//! Webhooks (B.4 §5.6) over real HTTP on 127.0.0.1: the local platform notifies a subscriber with a
//! signed callback, the receiver checks it, and a notification triggers a sync at once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use encours_sync::server::{demo_flows, Platform, PlatformConfig, RunningPlatform};
use encours_sync::webhook::{sync_on_notification, Receiver, WebhookRequest};
use encours_sync::{
    AuthConfig, ClientConfig, FlowClient, FlowType, Grant, MemorySink, NoSleep, RetryPolicy, SyncOptions,
};

const SECRET: &str = "a webhook secret of the account";

async fn start() -> RunningPlatform {
    let p =
        Platform::new(PlatformConfig::new(Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).single().unwrap_or_default()));
    p.queue(demo_flows(30, 5));
    p.start(SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("the local platform starts")
}

fn client(running: &RunningPlatform) -> FlowClient {
    FlowClient::new(
        ClientConfig {
            base_url: running.base_url(),
            auth: AuthConfig {
                token_url: running.token_url(),
                client_id: "encours".into(),
                grant: Grant::ClientCredentials { client_secret: "secret".into() },
                scope: None,
            },
            timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
            jitter_seed: 1,
        },
        Arc::new(NoSleep::default()),
    )
    .expect("client")
}

fn request(url: String, secret: &str) -> WebhookRequest {
    WebhookRequest {
        callback_url: url,
        flow_type: vec![FlowType::CustomerInvoice, FlowType::CustomerInvoiceLC],
        secret: secret.into(),
        ..WebhookRequest::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_is_notified_with_a_signed_callback_and_the_notification_triggers_a_sync() {
    let running = start().await;
    let client = client(&running);
    let mut receiver = Receiver::start(0, Some(SECRET.into())).expect("receiver");
    let hook = client.subscribe_webhook(&request(receiver.url(), SECRET)).await.expect("subscribe");
    assert!(hook.webhook_id.starts_with("wh-") && hook.callback_url == receiver.url());

    // Nothing published yet: no notification, and the sync waits for none.
    let mut sink = MemorySink::default();
    let idle =
        sync_on_notification(&mut receiver, Duration::from_millis(200), &client, &mut sink, &SyncOptions::default())
            .await
            .expect("wait");
    assert_eq!(idle, None);

    // Three flows appear on the platform: the subscriber hears of them and syncs at once.
    assert_eq!(running.platform().release(3), 3);
    let report =
        sync_on_notification(&mut receiver, Duration::from_secs(10), &client, &mut sink, &SyncOptions::default())
            .await
            .expect("sync")
            .expect("a notification came");
    assert_eq!(report.stored, 3, "{report:?}");
    let served: Vec<String> = running.platform().served().into_iter().map(|(id, _)| id).collect();
    assert_eq!(sink.flows.keys().cloned().collect::<Vec<_>>(), served);
    for _ in 0..50 {
        if running.platform().stats().webhooks_sent >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(running.platform().stats().webhooks_sent, 3, "one signed callback per flow, each answered 2xx");
    while let Some(n) = receiver.try_next() {
        assert_eq!(n.webhook_id, hook.webhook_id, "the keyid names the subscription");
        assert!(served.contains(&n.flow.flow_id));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_signed_with_another_secret_or_unsigned_is_refused() {
    let running = start().await;
    let client = client(&running);
    let mut receiver = Receiver::start(0, Some(SECRET.into())).expect("receiver");
    client.subscribe_webhook(&request(receiver.url(), "not the receiver's secret")).await.expect("subscribe");
    running.platform().release(1);
    assert!(receiver.next(Duration::from_millis(1500)).await.is_none(), "a wrongly signed callback never gets through");
    for _ in 0..100 {
        if running.platform().stats().webhooks_failed >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(running.platform().stats().webhooks_failed, 1, "refused three times, then counted failed");

    let forged = reqwest::Client::new()
        .post(receiver.url())
        .header("Content-Type", "application/json")
        .body(r#"{"flowInfo":{}}"#)
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), 401);
    let short = client.subscribe_webhook(&request(receiver.url(), "short")).await.err().map(|e| e.to_string());
    assert!(short.unwrap_or_default().contains("16 characters"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_choose_what_is_notified_and_a_late_flow_is_notified_when_it_appears() {
    // Every flow is held back for one search (the `late` fault), then appears with its older updatedAt.
    let mut config = PlatformConfig::new(Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).single().unwrap_or_default());
    config.faults = encours_sync::server::Faults::parse("late=1,late-searches=1").expect("faults");
    let p = Platform::new(config);
    p.queue(demo_flows(2, 9));
    let running = p.start(SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("start");
    let client = client(&running);
    let mut incoming = Receiver::start(0, Some(SECRET.into())).expect("receiver");
    let mut acks = Receiver::start(0, Some(SECRET.into())).expect("receiver");
    client.subscribe_webhook(&request(incoming.url(), SECRET)).await.expect("subscribe");
    let ours = WebhookRequest {
        callback_url: acks.url(),
        flow_direction: vec![encours_sync::FlowDirection::Out],
        ack_status: Some(encours_sync::AckStatus::Ok),
        secret: SECRET.into(),
        ..WebhookRequest::default()
    };
    client.subscribe_webhook(&ours).await.expect("subscribe");

    running.platform().release(1);
    assert!(incoming.next(Duration::from_millis(300)).await.is_none(), "held back: not announced yet");
    let mut sink = MemorySink::default();
    let first = encours_sync::sync_once(&client, &mut sink, &SyncOptions::default()).await.expect("sync");
    assert_eq!(first.stored, 0, "not visible at the first search");
    let second = encours_sync::sync_once(&client, &mut sink, &SyncOptions::default()).await.expect("sync");
    assert_eq!(second.stored, 1);
    let n = incoming.next(Duration::from_secs(10)).await.expect("announced when it appeared");
    assert!(sink.flows.contains_key(&n.flow.flow_id));
    assert!(acks.try_next().is_none(), "an incoming flow is not for the Out subscriber");

    // Our upload: Pending at first (not notified to the Ok-only subscriber), then Ok.
    let corpus = std::env::var_os("ENCOURS_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    let cdar = std::fs::read(corpus.join("lifecycle/UC1_F202500003_07-CDV-212_Encaissee.xml")).expect("212");
    let info = encours_sync::FlowInfo {
        tracking_id: Some("outbox-hook-1".into()),
        name: "F202500003-212.xml".into(),
        processing_rule: Some("B2B".into()),
        flow_syntax: encours_sync::FlowSyntax::Cdar,
        flow_profile: None,
        flow_type: Some(FlowType::CustomerInvoiceLC),
        sha256: None,
    };
    let uploaded = client.upload(&info, &cdar).await.expect("upload");
    assert!(acks.next(Duration::from_millis(300)).await.is_none(), "Pending is not Ok");
    client.metadata(&uploaded.flow_id).await.expect("metadata"); // the next request settles the acknowledgement
    let ack = acks.next(Duration::from_secs(10)).await.expect("the acknowledgement is notified");
    assert_eq!(ack.flow.flow_id, uploaded.flow_id);
    assert_eq!(ack.flow.acknowledgement.map(|a| a.status), Some(encours_sync::AckStatus::Ok));
}
