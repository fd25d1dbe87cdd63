//! The Flow Service objects (XP Z12-013 Annexe A, legal-rules B.4), as JSON.
//!
//! Unknown fields are ignored and unknown enum values land in `Other`, because "a PA may add fields,
//! parameters and error codes" (B.4, general rules): a new value must not stop a sync.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a flow is (B.4 `FlowType`). Only the receivables types are named; the rest is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FlowType {
    /// An outgoing sales invoice (or an incoming self-billed one).
    CustomerInvoice,
    /// A CDAR lifecycle message about a customer invoice: the statuses about our sales.
    CustomerInvoiceLC,
    /// A purchase invoice (optional for a receivables ledger).
    SupplierInvoice,
    /// A lifecycle message about a purchase invoice.
    SupplierInvoiceLC,
    /// Any other type (state invoices, e-reporting); never imported.
    #[serde(other)]
    Other,
}

/// Direction of a flow as seen from the client (B.4: `In` = from the PA to the client).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FlowDirection {
    /// From the platform to us.
    In,
    /// From us to the platform (our uploads, e.g. a 212 Encaissée).
    Out,
}

/// Syntax of the file of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FlowSyntax {
    /// UN/CEFACT CII.
    #[serde(rename = "CII")]
    Cii,
    /// UBL 2.1.
    #[serde(rename = "UBL")]
    Ubl,
    /// Hybrid PDF with embedded CII.
    #[serde(rename = "Factur-X")]
    FacturX,
    /// CDAR D22B lifecycle message.
    #[serde(rename = "CDAR")]
    Cdar,
    /// E-reporting file.
    #[serde(rename = "FRR")]
    Frr,
    /// A syntax this version does not know.
    #[serde(other)]
    Other,
}

/// Acknowledgement status of a flow (`Flow.acknowledgement.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AckStatus {
    /// Not processed yet.
    Pending,
    /// Accepted.
    Ok,
    /// Refused; the details say why (B.4 error codes).
    Error,
}

/// One reason of an acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AckDetail {
    /// Severity (e.g. `Error`, `Warning`).
    #[serde(default)]
    pub level: String,
    /// What the reason is about (a field, the file).
    #[serde(default)]
    pub item: String,
    /// B.4 code, e.g. `ChecksumMismatch`, `InvoiceLCAmountError`.
    #[serde(default)]
    pub reason_code: String,
    /// Text for a person.
    #[serde(default)]
    pub reason_message: String,
}

/// `Flow.acknowledgement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    /// Pending, Ok or Error.
    pub status: AckStatus,
    /// Why, when not Ok.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<AckDetail>,
}

/// The `Flow` object returned by search and by `GET /v1/flows/{flowId}` (docType Metadata).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Flow {
    /// Platform identifier, at most 36 characters; the deduplication key.
    pub flow_id: String,
    /// When the flow was submitted to the platform.
    pub submitted_at: DateTime<Utc>,
    /// Last change (including an acknowledgement change); the sync cursor (B.4 §5.3).
    pub updated_at: DateTime<Utc>,
    /// Identifier given by the submitter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_id: Option<String>,
    /// What the flow is.
    pub flow_type: FlowType,
    /// B2B, B2BInt, B2C, OutOfScope, ArchiveOnly or NotApplicable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_rule: Option<String>,
    /// Input or Computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_rule_source: Option<String>,
    /// In (to us) or Out (from us).
    pub flow_direction: FlowDirection,
    /// Syntax of the file.
    pub flow_syntax: FlowSyntax,
    /// Basic, CIUS or Extended-CTC-FR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_profile: Option<String>,
    /// Acknowledgement state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledgement: Option<Acknowledgement>,
}

/// Which representation `GET /v1/flows/{flowId}` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocType {
    /// The flow's JSON metadata (the default).
    Metadata,
    /// The file as the emitter sent it: what we import.
    Original,
    /// A conversion made by the platform.
    Converted,
    /// A readable PDF made by the platform.
    ReadableView,
}

impl DocType {
    /// The query value.
    pub fn as_str(self) -> &'static str {
        match self {
            DocType::Metadata => "Metadata",
            DocType::Original => "Original",
            DocType::Converted => "Converted",
            DocType::ReadableView => "ReadableView",
        }
    }
}

/// `where` of `POST /v1/flows/search`: AND between criteria, OR inside lists; at least one criterion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchWhere {
    /// Strictly after this `updatedAt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_after: Option<DateTime<Utc>>,
    /// Strictly before this `updatedAt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_before: Option<DateTime<Utc>>,
    /// Any of these processing rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub processing_rule: Vec<String>,
    /// Any of these types.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flow_type: Vec<FlowType>,
    /// Any of these directions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flow_direction: Vec<FlowDirection>,
    /// This tracking id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_id: Option<String>,
    /// This acknowledgement status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack_status: Option<AckStatus>,
}

impl SearchWhere {
    /// True when no criterion is set (the platform refuses such a search).
    pub fn is_empty(&self) -> bool {
        self.updated_after.is_none()
            && self.updated_before.is_none()
            && self.processing_rule.is_empty()
            && self.flow_type.is_empty()
            && self.flow_direction.is_empty()
            && self.tracking_id.is_none()
            && self.ack_status.is_none()
    }
}

/// Body of `POST /v1/flows/search`. There is no `offset`: the data set changes (B.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchRequest {
    /// At most 100; 25 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The criteria.
    #[serde(rename = "where")]
    pub where_: SearchWhere,
}

/// Answer of `POST /v1/flows/search`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResponse {
    /// The limit applied.
    #[serde(default)]
    pub limit: u32,
    /// The criteria applied, echoed.
    #[serde(default)]
    pub filters: SearchWhere,
    /// The flows, in strictly ascending `updatedAt` (B.4 §5.3).
    #[serde(default)]
    pub results: Vec<Flow>,
}

/// The `flowInfo` part of an upload (`POST /v1/flows`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowInfo {
    /// Our own identifier, to find the flow again (e.g. the outbox key of a 212).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_id: Option<String>,
    /// File name.
    pub name: String,
    /// Processing rule asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_rule: Option<String>,
    /// Syntax of the file.
    pub flow_syntax: FlowSyntax,
    /// Profile of the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_profile: Option<String>,
    /// Type of flow (a PA extension many platforms ask for; a CDAR about our sales is CustomerInvoiceLC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_type: Option<FlowType>,
    /// SHA-256 of the file, hex; the platform answers ChecksumMismatch when it differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// Answer of an upload (HTTP 202).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FullFlowInfo {
    /// The platform's id of the new flow.
    pub flow_id: String,
    /// When it was received.
    pub submitted_at: DateTime<Utc>,
    /// Our tracking id, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_id: Option<String>,
    /// File name.
    #[serde(default)]
    pub name: String,
    /// Processing rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_rule: Option<String>,
    /// Syntax.
    pub flow_syntax: FlowSyntax,
    /// Profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_profile: Option<String>,
    /// SHA-256 of what the platform received.
    #[serde(default)]
    pub sha256: String,
}

/// Error body of the platform. The swagger's exact error schema was not available to us [U]; this is
/// the shape the local platform sends and the client reads (anything else is shown as text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// A B.4 code (e.g. `AlreadyExistingFlow`) or an HTTP-level one (`Unauthorized`, `TooManyRequests`).
    pub error_code: String,
    /// Text for a person.
    #[serde(default)]
    pub error_message: String,
}

/// OAuth2 token endpoint answer (RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The bearer token (RFC 6750).
    pub access_token: String,
    /// `Bearer`.
    #[serde(default)]
    pub token_type: String,
    /// Lifetime in seconds, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// A new refresh token, when the platform rotates them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}
