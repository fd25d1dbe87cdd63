//! The local platform's webhooks (legal-rules B.4 §5.6; see [`crate::webhook`] for the routes and
//! the signature): subscriptions, and the delivery of a signed `WebhookCallbackContent` to each
//! matching subscriber whenever a flow appears or its `updatedAt` changes (republished,
//! acknowledged). Deliveries leave through a channel to a task of the running platform, so
//! publishing never waits on a subscriber; a delivery is tried three times, then counted as failed
//! (the subscriber's scheduled search still finds the flow).

use std::time::Duration;

use tokio::sync::mpsc;

use crate::model::Flow;
use crate::webhook::{sign, Webhook, WebhookCallbackContent, CONTENT_DIGEST, SIGNATURE, SIGNATURE_INPUT};

/// A subscription with its secret.
#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    pub(crate) webhook: Webhook,
    pub(crate) secret: String,
}

/// One callback to send.
#[derive(Debug)]
pub(crate) struct Delivery {
    pub(crate) url: String,
    pub(crate) body: Vec<u8>,
    pub(crate) content_digest: String,
    pub(crate) signature_input: String,
    pub(crate) signature: String,
}

/// The callbacks `flow` causes, signed; `created` is the flow's `updatedAt` (the platform's clock).
pub(crate) fn deliveries(subscriptions: &[Subscription], flow: &Flow) -> Vec<Delivery> {
    let body = match serde_json::to_vec(&WebhookCallbackContent { flow_info: flow.clone() }) {
        Ok(b) => b,
        Err(_) => return Vec::new(),
    };
    subscriptions
        .iter()
        .filter(|s| s.webhook.wants(flow))
        .map(|s| {
            let signed = sign(&s.secret, &s.webhook.webhook_id, flow.updated_at.timestamp(), &body);
            Delivery {
                url: s.webhook.callback_url.clone(),
                body: body.clone(),
                content_digest: signed.content_digest,
                signature_input: signed.signature_input,
                signature: signed.signature,
            }
        })
        .collect()
}

/// Sends deliveries until the channel closes; reports each outcome (true = the subscriber answered 2xx).
pub(crate) async fn deliver(mut rx: mpsc::UnboundedReceiver<Delivery>, outcome: impl Fn(bool) + Send + 'static) {
    let Ok(http) = reqwest::Client::builder().timeout(Duration::from_secs(5)).build() else {
        return;
    };
    while let Some(d) = rx.recv().await {
        let mut ok = false;
        for attempt in 0..3u32 {
            let sent = http
                .post(&d.url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(CONTENT_DIGEST, &d.content_digest)
                .header(SIGNATURE_INPUT, &d.signature_input)
                .header(SIGNATURE, &d.signature)
                .body(d.body.clone())
                .send()
                .await;
            if sent.is_ok_and(|r| r.status().is_success()) {
                ok = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
        }
        outcome(ok);
    }
}
