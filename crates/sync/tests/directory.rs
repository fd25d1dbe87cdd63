//! The Directory Service against the local platform over real HTTP on 127.0.0.1: the client's
//! lookup, the routes' objects, paging and errors, and retries under injected faults.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use encours_sync::directory::{valid_siren, SirenSearchResponse};
use encours_sync::server::{demo_clients, demo_directory, Faults, Platform, PlatformConfig, RunningPlatform};
use encours_sync::{AuthConfig, ClientConfig, FlowClient, Grant, NoSleep, RetryPolicy, SyncError};

async fn start(config: PlatformConfig) -> RunningPlatform {
    Platform::new(config).start(SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("the local platform starts")
}

fn config() -> PlatformConfig {
    let mut c = PlatformConfig::new(Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).single().unwrap_or_default());
    c.directory = demo_directory(2);
    c
}

fn client(base: String, token_url: String, sleeper: NoSleep) -> FlowClient {
    FlowClient::new(
        ClientConfig {
            base_url: base,
            auth: AuthConfig {
                token_url,
                client_id: "encours".into(),
                grant: Grant::ClientCredentials { client_secret: "secret".into() },
                scope: None,
            },
            timeout: Duration::from_secs(5),
            retry: RetryPolicy {
                max_attempts: 6,
                base_delay: Duration::from_millis(10),
                max_delay: Duration::from_secs(1),
                max_retry_after: Duration::from_secs(30),
            },
            jitter_seed: 9,
        },
        Arc::new(sleeper),
    )
    .expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_gives_the_platform_and_routing_of_a_demo_client() {
    let running = start(config()).await;
    let c = client(running.base_url(), running.token_url(), NoSleep::default());
    // The second demo buyer has a facility and a routing code (its accounts department).
    let (siren, name) = demo_clients(2).into_iter().nth(1).expect("a buyer");
    let entry = c.directory_search(&siren).await.expect("lookup").expect("the SIREN is in the directory");
    assert_eq!(
        (entry.legal_unit.siren.as_str(), entry.legal_unit.business_name.as_str()),
        (siren.as_str(), name.as_str())
    );
    assert_eq!(entry.lines.len(), 3, "{entry:?}");
    let main = entry.main_line().expect("a line for the SIREN");
    assert_eq!(main.addressing_identifier, siren);
    assert_eq!(main.platform_name.as_deref(), Some("Plateforme Demo Beta"));
    assert_eq!(
        (main.platform_type.as_deref(), main.platform_registration_number.as_deref()),
        (Some("WK"), Some("0077"))
    );
    assert_eq!(entry.routing_identifiers(), vec!["SCE-COMPTA-02".to_owned()]);
    let service = entry.lines.iter().find(|l| l.routing_code.is_some()).expect("routing line");
    assert!(service.addressing_identifier.ends_with("_SCE-COMPTA-02") && service.siret.is_some());
    let address = service.routing_code.as_ref().and_then(|r| r.address.clone()).unwrap_or_default();
    assert_eq!(address.locality.as_deref(), Some("Lyon"));

    // A closed company: known, no line. An unknown SIREN: None. Not a SIREN: refused before any call.
    let (closed, _) = demo_clients(2).into_iter().nth(4).expect("fifth buyer");
    let entry = c.directory_search(&closed).await.expect("lookup").expect("known");
    assert_eq!((entry.legal_unit.administrative_status.as_deref(), entry.lines.len()), (Some("C"), 0));
    assert!(valid_siren("552100554"));
    assert_eq!(c.directory_search("552100554").await.expect("lookup"), None);
    let e = c.directory_search("123").await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("not a SIREN"), "{e}");

    // B.4 bases: `…/flow-service` finds the Directory Service at `…/directory-service`.
    let c = client(format!("{}/flow-service", running.base_url()), running.token_url(), NoSleep::default());
    assert!(c.directory_search(&siren).await.expect("lookup").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_routes_page_count_and_refuse_bad_searches_with_a_b4_error_body() {
    let running = start(config()).await;
    let http = reqwest::Client::new();
    let token = http
        .post(running.token_url())
        .form(&[("grant_type", "client_credentials"), ("client_id", "encours"), ("client_secret", "secret")])
        .send()
        .await
        .expect("token")
        .bytes()
        .await
        .expect("body");
    let token: serde_json::Value = serde_json::from_slice(&token).expect("json");
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap_or_default());
    let post = |route: &str, body: serde_json::Value| {
        http.post(format!("{}{route}", running.base_url()))
            .header("Authorization", bearer.clone())
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
    };
    let mut seen = Vec::new();
    for page in 0..3 {
        let answer = post(
            "/v1/siren/search",
            serde_json::json!({"filters": {"businessName": {"op": "contains", "value": "client"}}, "limit": 15, "ignore": page * 15}),
        )
        .await
        .expect("search");
        assert_eq!(answer.status(), 200);
        let body: SirenSearchResponse =
            serde_json::from_slice(&answer.bytes().await.expect("body")).expect("SirenSearchResponse");
        assert_eq!(body.total_number_of_results, 40);
        seen.extend(body.results.into_iter().map(|u| u.siren));
    }
    let mut distinct = seen.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!((seen.len(), distinct.len()), (40, 40), "three pages give the 40 clients once each");

    let (siren, name) = demo_clients(2).into_iter().next().expect("a buyer");
    let get = |route: String| {
        http.get(format!("{}{route}", running.base_url())).header("Authorization", bearer.clone()).send()
    };
    let one = get(format!("/v1/siren/code-insee:{siren}")).await.expect("get");
    assert_eq!(one.status(), 200);
    let unit: serde_json::Value = serde_json::from_slice(&one.bytes().await.expect("body")).expect("json");
    assert_eq!((unit["siren"].as_str(), unit["businessName"].as_str()), (Some(siren.as_str()), Some(name.as_str())));
    assert_eq!(get("/v1/siren/code-insee:552100554".into()).await.expect("get").status(), 404);

    let answer = post("/v1/siren/search", serde_json::json!({"limit": 10})).await.expect("search");
    assert_eq!(answer.status(), 400);
    let body: serde_json::Value = serde_json::from_slice(&answer.bytes().await.expect("body")).expect("json");
    assert_eq!(body["errorCode"], "InvalidRequest", "{body}");
    let answer =
        post("/v1/directory-line/search", serde_json::json!({"filters": {"siren": {"op": "near", "value": "1"}}}))
            .await
            .expect("search");
    assert_eq!(answer.status(), 400);
    let unauthenticated = http
        .post(format!("{}/v1/siren/search", running.base_url()))
        .body(r#"{"filters": {"siren": {"op": "strict", "value": "1"}}}"#)
        .send()
        .await
        .expect("search");
    assert_eq!(unauthenticated.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_completes_through_5xx_and_429_and_names_a_refusal() {
    let mut c = config();
    c.faults = Faults::parse("5xx=2,429=3,retry-after=4").expect("faults");
    let running = start(c).await;
    let sleeper = NoSleep::default();
    let faulty = client(running.base_url(), running.token_url(), sleeper.clone());
    let (siren, _) = demo_clients(2).into_iter().next().expect("a buyer");
    let entry = faulty.directory_search(&siren).await.expect("lookup through faults").expect("known");
    assert_eq!(entry.lines.len(), 1);
    let stats = running.platform().stats();
    assert!(stats.injected_5xx >= 1 && stats.injected_429 >= 1, "{stats:?}");
    assert!(sleeper.asked().contains(&Duration::from_secs(4)), "Retry-After honoured: {:?}", sleeper.asked());

    let mut wrong = config();
    wrong.client_secret = "other".into();
    let running = start(wrong).await;
    let refused = client(running.base_url(), running.token_url(), NoSleep::default());
    match refused.directory_search(&siren).await {
        Err(SyncError::Auth { status: 401, url, .. }) => assert!(url.ends_with("/oauth/token"), "{url}"),
        other => panic!("expected an authentication error, got {other:?}"),
    }
}
