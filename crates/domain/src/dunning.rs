//! Dunning (relances): scenarios of ordered steps, the templates their messages are written from,
//! per-client overrides, phone tasks and their outcomes, and the snapshot of the portfolio the
//! dunning engine plans from.
//!
//! The model follows collections-anchors (b.2) and (f) "design hints": a scenario selects clients by
//! filters; its steps are anchored on the due date, on the 203 Mise à disposition date (legal-rules
//! B.2) or on the previous step, with an offset in days (negative = before the due date); each step has
//! a channel, a template (per language and tone) and says whether a person must validate it.
//! Nothing here reads the clock or does I/O.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::client::ClientId;
use crate::invoice::InvoiceId;
use crate::lifecycle::StatusEvent;
use crate::money::Currency;

/// The identity of a scenario in the dossier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ScenarioId(pub i64);

/// What a step's date is counted from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// The due date of the oldest overdue invoice (BT-9).
    DueDate,
    /// The date the buyer's platform made the invoice available (status 203, legal-rules B.2): proof
    /// the buyer had it. An invoice without a 203 falls back to its due date.
    MadeAvailable,
    /// The date the previous step of the scenario was done for the same invoice.
    PreviousStep,
}

/// A registered letter: on paper with acknowledgement of receipt, or electronic (LRE, equivalent
/// under CPCE L100 when eIDAS art. 44 qualified — legal-rules A.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegisteredKind {
    /// Lettre recommandée avec accusé de réception.
    Lrar,
    /// Lettre recommandée électronique.
    Lre,
}

/// How a step reaches the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// E-mail.
    Email,
    /// A letter to print and post.
    Letter,
    /// A registered letter.
    RegisteredLetter(RegisteredKind),
    /// A call for a person to make: a phone task in the to-do list.
    PhoneTask,
    /// A text message.
    Sms,
}

impl Channel {
    /// Stable code stored in the dossier and shown in the CLI.
    pub fn code(&self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Letter => "letter",
            Channel::RegisteredLetter(RegisteredKind::Lrar) => "lrar",
            Channel::RegisteredLetter(RegisteredKind::Lre) => "lre",
            Channel::PhoneTask => "phone",
            Channel::Sms => "sms",
        }
    }

    /// Reads [`Channel::code`].
    pub fn parse(code: &str) -> Option<Channel> {
        Some(match code {
            "email" => Channel::Email,
            "letter" => Channel::Letter,
            "lrar" => Channel::RegisteredLetter(RegisteredKind::Lrar),
            "lre" => Channel::RegisteredLetter(RegisteredKind::Lre),
            "phone" => Channel::PhoneTask,
            "sms" => Channel::Sms,
            _ => return None,
        })
    }
}

/// The tone of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    /// Courteous reminder (before or just after the due date).
    Courtois,
    /// Firm reminder.
    Ferme,
    /// Last notice before formal steps.
    DernierAvis,
    /// Formal notice (Code civil 1344; legal-rules A.3): always validated by a person.
    MiseEnDemeure,
}

impl Tone {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Tone::Courtois => "courtois",
            Tone::Ferme => "ferme",
            Tone::DernierAvis => "dernier_avis",
            Tone::MiseEnDemeure => "mise_en_demeure",
        }
    }

    /// Reads [`Tone::code`].
    pub fn parse(code: &str) -> Option<Tone> {
        Some(match code {
            "courtois" => Tone::Courtois,
            "ferme" => Tone::Ferme,
            "dernier_avis" => Tone::DernierAvis,
            "mise_en_demeure" => Tone::MiseEnDemeure,
            _ => return None,
        })
    }
}

/// One step of a scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Short name shown in the plan ("J+15 relance ferme").
    pub name: String,
    /// What the offset is counted from.
    pub anchor: Anchor,
    /// Days after the anchor (negative: before the due date).
    pub offset_days: i32,
    /// How it reaches the client.
    pub channel: Channel,
    /// The tone of its message.
    pub tone: Tone,
    /// The template family; the text is the template of this id in the client's language.
    pub template_id: String,
    /// A person must validate the action before anything is sent (always true for a mise en demeure).
    pub needs_validation: bool,
}

/// Which clients a scenario applies to. Every filter set must match; an empty filter matches all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentFilter {
    /// Minimum overdue amount of the client (inclusive).
    pub min_amount: Option<Decimal>,
    /// Maximum overdue amount of the client (inclusive).
    pub max_amount: Option<Decimal>,
    /// Risk grades the client must have one of (empty: any).
    pub risk_grades: Vec<String>,
    /// NAF code prefixes (sector), e.g. "41" for building construction (empty: any).
    pub naf_prefixes: Vec<String>,
    /// Named clients (empty: any).
    pub client_ids: Vec<ClientId>,
}

impl SegmentFilter {
    /// True when the client matches every filter set.
    pub fn matches(&self, client: &DunningClient, overdue: Decimal) -> bool {
        self.min_amount.is_none_or(|m| overdue >= m)
            && self.max_amount.is_none_or(|m| overdue <= m)
            && (self.risk_grades.is_empty()
                || client.risk_grade.as_ref().is_some_and(|g| self.risk_grades.iter().any(|x| x == g)))
            && (self.naf_prefixes.is_empty()
                || client.naf.as_ref().is_some_and(|n| self.naf_prefixes.iter().any(|p| n.starts_with(p.as_str()))))
            && (self.client_ids.is_empty() || self.client_ids.contains(&client.id))
    }
}

/// A dunning scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    /// Identity in the dossier.
    pub id: ScenarioId,
    /// Name.
    pub name: String,
    /// Lower is tried first; the first active scenario whose filter matches a client applies.
    pub priority: i32,
    /// Inactive scenarios are never chosen.
    pub active: bool,
    /// Which clients.
    pub filter: SegmentFilter,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// A per-client exception to the scenarios.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClientOverride {
    /// This client follows another scenario whatever the filters say.
    Scenario {
        /// The scenario.
        scenario: ScenarioId,
    },
    /// No reminder for this client until the date (inclusive; none: until lifted).
    Pause {
        /// Last paused day.
        until: Option<NaiveDate>,
        /// Why, shown in the plan.
        reason: String,
    },
}

/// A collective insolvency procedure of a client (procédure collective), declared by the user: no
/// reminder at all; the creditor declares its claim to the court's representative instead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsolvencyCase {
    /// `safeguard`, `receivership` or `liquidation` (the words of the compliance report).
    pub kind: String,
    /// The date of the opening judgment.
    pub judgment_on: NaiveDate,
}

/// How a promise to pay was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromiseChannel {
    /// On the phone.
    Phone,
    /// By e-mail.
    Email,
    /// By letter.
    Letter,
    /// Through the e-invoicing platform (a 211 Paiement transmis is not a promise but a fact).
    Platform,
    /// In person or otherwise.
    Other,
}

impl PromiseChannel {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            PromiseChannel::Phone => "phone",
            PromiseChannel::Email => "email",
            PromiseChannel::Letter => "letter",
            PromiseChannel::Platform => "platform",
            PromiseChannel::Other => "other",
        }
    }

    /// Reads [`PromiseChannel::code`].
    pub fn parse(code: &str) -> Option<PromiseChannel> {
        Some(match code {
            "phone" => PromiseChannel::Phone,
            "email" => PromiseChannel::Email,
            "letter" => PromiseChannel::Letter,
            "platform" => PromiseChannel::Platform,
            "other" => PromiseChannel::Other,
            _ => return None,
        })
    }
}

/// What a phone call gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PhoneOutcome {
    /// The client promised to pay an amount by a date (recorded as a promise to pay).
    Promise {
        /// The date promised.
        date: NaiveDate,
        /// The amount promised.
        amount: Decimal,
    },
    /// The client disputes (recorded as a dispute; dunning of the invoices pauses).
    Dispute {
        /// What the client says.
        note: String,
    },
    /// The number or the person was wrong.
    WrongContact,
    /// Nobody answered.
    NoAnswer,
}

impl PhoneOutcome {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            PhoneOutcome::Promise { .. } => "promise",
            PhoneOutcome::Dispute { .. } => "dispute",
            PhoneOutcome::WrongContact => "wrong_contact",
            PhoneOutcome::NoAnswer => "no_answer",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Snapshot: what the engine plans from.
// ---------------------------------------------------------------------------------------------

/// Serde for shared text (`Arc<str>`), written as a plain string. The plan of a large portfolio
/// repeats the same invoice numbers and client names from the snapshot to the plan to the view:
/// sharing them instead of copying each is a large part of planning two million invoices fast
/// (and serde's own `Arc` support needs a feature the workspace does not enable).
pub mod shared_text {
    use super::*;

    /// Writes the text as a string.
    pub fn serialize<S: Serializer>(text: &Arc<str>, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(text)
    }

    /// Reads a string.
    pub fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<Arc<str>, D::Error> {
        String::deserialize(de).map(Arc::from)
    }
}

/// Serde for an optional shared text, as an optional string.
pub mod shared_text_opt {
    use super::*;

    /// Writes the text as a string, or null.
    pub fn serialize<S: Serializer>(text: &Option<Arc<str>>, ser: S) -> Result<S::Ok, S::Error> {
        text.as_deref().serialize(ser)
    }

    /// Reads a string or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Arc<str>>, D::Error> {
        Option::<String>::deserialize(de).map(|o| o.map(Arc::from))
    }
}

/// A client as the dunning engine sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DunningClient {
    /// Identity.
    pub id: ClientId,
    /// Name (shared by every action and held-back item of the client).
    #[serde(with = "shared_text")]
    pub name: Arc<str>,
    /// NAF code, when known.
    pub naf: Option<String>,
    /// Risk grade, when scored.
    pub risk_grade: Option<String>,
    /// Language of its messages ("fr").
    pub language: String,
}

/// An open invoice overdue or soon due, with what the e-invoicing lifecycle says of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DunningItem {
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// Its client.
    pub client_id: ClientId,
    /// BT-1 (shared with the plan and its view).
    #[serde(with = "shared_text")]
    pub number: Arc<str>,
    /// BT-2.
    pub issue_date: NaiveDate,
    /// BT-9.
    pub due_date: NaiveDate,
    /// Currency.
    pub currency: Currency,
    /// What is still open on it.
    pub outstanding: Decimal,
    /// Its lifecycle status history (legal-rules B.2), in any order.
    pub statuses: Vec<StatusEvent>,
    /// The collection state stored when statuses were imported: the hold reason recorded, if a row
    /// exists (`Some(None)`: a row without hold — e.g. a 211 released by the payment's match).
    pub stored_hold: Option<Option<String>>,
}

/// A dispute open on the as-of date (from the disputes table: statuses, calls or by hand).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenDispute {
    /// Id.
    pub id: i64,
    /// Client.
    pub client_id: ClientId,
    /// Invoices concerned.
    pub invoice_ids: Vec<InvoiceId>,
    /// Opened on.
    pub opened_on: NaiveDate,
}

/// A promise to pay that matters on the as-of date: pending, or broken not long ago.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromiseFact {
    /// Id.
    pub id: i64,
    /// Client.
    pub client_id: ClientId,
    /// Invoices covered (empty: the client's account).
    pub invoice_ids: Vec<InvoiceId>,
    /// Made on.
    pub made_on: NaiveDate,
    /// Promised for.
    pub promised_for: NaiveDate,
    /// Amount promised.
    pub amount: Decimal,
    /// What the client paid from `made_on` to the as-of date (payments booked).
    pub paid_since: Decimal,
}

/// An action already recorded by an earlier run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionDone {
    /// The idempotency key ([`action_key`]).
    pub key: String,
    /// The day it was planned for.
    pub on: NaiveDate,
}

/// The portfolio the engine plans from, read by the store.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DunningSnapshot {
    /// Clients having at least one item.
    pub clients: BTreeMap<ClientId, DunningClient>,
    /// Open invoices due on or before the horizon.
    pub items: Vec<DunningItem>,
    /// Open disputes.
    pub disputes: Vec<OpenDispute>,
    /// Promises pending or recently broken.
    pub promises: Vec<PromiseFact>,
    /// Clients in a collective procedure.
    pub insolvencies: BTreeMap<ClientId, InsolvencyCase>,
    /// Per-client overrides.
    pub overrides: BTreeMap<ClientId, ClientOverride>,
    /// Actions already recorded.
    pub history: Vec<ActionDone>,
}

/// What an action is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// A step of a scenario.
    Reminder,
    /// A promise's date passed without the payment: follow it up.
    PromiseFollowUp,
    /// The client is in a collective procedure: declare the claim (déclaration de créance).
    ClaimDeclaration,
    /// After a mise en demeure without payment: propose an injonction de payer (CPC 1405, legal-rules A.5).
    PaymentOrder,
}

impl ActionKind {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ActionKind::Reminder => "reminder",
            ActionKind::PromiseFollowUp => "promise_follow_up",
            ActionKind::ClaimDeclaration => "claim_declaration",
            ActionKind::PaymentOrder => "payment_order",
        }
    }
}

/// The idempotency key of an action: the same action planned twice has the same key, so a second
/// run recognises it. A reminder is keyed by client, scenario, step and the invoice its level
/// follows (the oldest overdue one): when that invoice is paid, the next oldest starts its own
/// sequence.
pub fn action_key(
    kind: ActionKind,
    client: ClientId,
    scenario: Option<ScenarioId>,
    step: usize,
    anchor: i64,
) -> String {
    match kind {
        ActionKind::Reminder => {
            format!("reminder:{}:{}:{}:{}", client.0, scenario.map(|s| s.0).unwrap_or(0), step, anchor)
        }
        other => format!("{}:{}:{}", other.code(), client.0, anchor),
    }
}

// ---------------------------------------------------------------------------------------------
// Templates.
// ---------------------------------------------------------------------------------------------

/// The variables a template may use, with what they hold.
pub const TEMPLATE_VARIABLES: &[(&str, &str)] = &[
    ("client", "the client's name"),
    ("societe", "our company's name"),
    ("factures", "the invoices concerned, one per line"),
    ("montant_du", "the amount due, with its currency"),
    ("date_echeance", "the due date of the oldest invoice"),
    ("jours_retard", "days past that due date"),
    ("penalites", "late-payment penalties (L441-10 C. com.)"),
    ("indemnite", "the fixed recovery indemnity, 40 € per late invoice (D441-5)"),
    ("date", "the date of the message"),
    ("delai", "the deadline given in a mise en demeure"),
];

/// A message template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    /// The family id steps refer to.
    pub id: String,
    /// Language ("fr").
    pub language: String,
    /// Tone.
    pub tone: Tone,
    /// Subject (e-mail subject, letter object).
    pub subject: String,
    /// Body, with `{variable}` placeholders.
    pub body: String,
}

/// A template with its variables filled in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendered {
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
}

/// Why a template cannot be rendered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A `{name}` that is not one of [`TEMPLATE_VARIABLES`].
    #[error("template {template}: unknown variable {{{name}}} (known: {known})")]
    UnknownVariable {
        /// Template id.
        template: String,
        /// The variable.
        name: String,
        /// The known variables.
        known: String,
    },
    /// A known variable without a value (or with an empty one).
    #[error("template {template}: variable {{{name}}} has no value")]
    MissingValue {
        /// Template id.
        template: String,
        /// The variable.
        name: String,
    },
    /// A `{` without its `}`.
    #[error("template {template}: a '{{' is not closed")]
    Unclosed {
        /// Template id.
        template: String,
    },
}

/// The variables a text uses, in order of first use; errors on unknown names and unclosed braces.
pub fn template_variables(template: &str, text: &str) -> Result<Vec<String>, TemplateError> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(TemplateError::Unclosed { template: template.to_owned() });
        };
        let name = &after[..close];
        if !TEMPLATE_VARIABLES.iter().any(|(k, _)| *k == name) {
            return Err(TemplateError::UnknownVariable {
                template: template.to_owned(),
                name: name.to_owned(),
                known: TEMPLATE_VARIABLES.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", "),
            });
        }
        if !out.iter().any(|n| n == name) {
            out.push(name.to_owned());
        }
        rest = &after[close + 1..];
    }
    Ok(out)
}

impl Template {
    /// Checks every variable of the subject and body is known.
    pub fn check(&self) -> Result<(), TemplateError> {
        template_variables(&self.id, &self.subject)?;
        template_variables(&self.id, &self.body)?;
        Ok(())
    }

    /// Fills the variables; every variable used must be known and have a non-empty value, so that
    /// nothing half-written is ever queued.
    pub fn render(&self, values: &BTreeMap<String, String>) -> Result<Rendered, TemplateError> {
        let fill = |text: &str| -> Result<String, TemplateError> {
            let mut out = text.to_owned();
            for name in template_variables(&self.id, text)? {
                let value = values
                    .get(&name)
                    .filter(|v| !v.trim().is_empty())
                    .ok_or_else(|| TemplateError::MissingValue { template: self.id.clone(), name: name.clone() })?;
                out = out.replace(&format!("{{{name}}}"), value);
            }
            Ok(out)
        };
        Ok(Rendered { subject: fill(&self.subject)?, body: fill(&self.body)? })
    }

    /// Fills what can be filled, for a preview: a variable without a value (or unknown) stays
    /// written `{name}` and is listed, in order of first use, instead of failing as
    /// [`Template::render`] does. Filled values are the same as `render`'s, so a preview with
    /// nothing missing is exactly the text a run records.
    pub fn preview(&self, values: &BTreeMap<String, String>) -> (Rendered, Vec<String>) {
        let mut missing: Vec<String> = Vec::new();
        let mut fill = |text: &str| -> String {
            let mut out = String::with_capacity(text.len());
            let mut rest = text;
            while let Some(open) = rest.find('{') {
                out.push_str(&rest[..open]);
                let after = &rest[open + 1..];
                let Some(close) = after.find('}') else {
                    // An unclosed brace is kept as written (`check` refuses it on saving).
                    out.push_str(&rest[open..]);
                    return out;
                };
                let name = &after[..close];
                match values.get(name).filter(|v| !v.trim().is_empty()) {
                    Some(v) if TEMPLATE_VARIABLES.iter().any(|(k, _)| *k == name) => out.push_str(v),
                    _ => {
                        out.push_str(&rest[open..open + close + 2]);
                        if !missing.iter().any(|m| m == name) {
                            missing.push(name.to_owned());
                        }
                    }
                }
                rest = &after[close + 1..];
            }
            out.push_str(rest);
            out
        };
        let subject = fill(&self.subject);
        let body = fill(&self.body);
        (Rendered { subject, body }, missing)
    }
}

// ---------------------------------------------------------------------------------------------
// Defaults.
// ---------------------------------------------------------------------------------------------

/// The French default scenario (issue 6): J-5 courtesy e-mail, J+1 e-mail, J+15 firm e-mail, J+20
/// call, J+30 letter (last notice), J+45 mise en demeure by registered letter (validated by a person).
pub fn default_scenario() -> Scenario {
    let step = |name: &str, offset: i32, channel: Channel, tone: Tone, template: &str, validate: bool| Step {
        name: name.to_owned(),
        anchor: Anchor::DueDate,
        offset_days: offset,
        channel,
        tone,
        template_id: template.to_owned(),
        needs_validation: validate,
    };
    Scenario {
        id: ScenarioId(1),
        name: "Standard".to_owned(),
        priority: 100,
        active: true,
        filter: SegmentFilter::default(),
        steps: vec![
            step("J-5 rappel courtois", -5, Channel::Email, Tone::Courtois, "rappel_avant_echeance", false),
            step("J+1 relance courtoise", 1, Channel::Email, Tone::Courtois, "relance_courtoise", false),
            step("J+15 relance ferme", 15, Channel::Email, Tone::Ferme, "relance_ferme", false),
            step("J+20 appel", 20, Channel::PhoneTask, Tone::Ferme, "appel", false),
            step("J+30 dernier avis", 30, Channel::Letter, Tone::DernierAvis, "dernier_avis", false),
            step(
                "J+45 mise en demeure",
                45,
                Channel::RegisteredLetter(RegisteredKind::Lrar),
                Tone::MiseEnDemeure,
                "mise_en_demeure",
                true,
            ),
        ],
    }
}

/// The default templates: one per template id of [`default_scenario`] (and the broken promise's
/// follow-up) in French, and the same in English ([`default_templates_en`]) for clients whose
/// language is English. A step's template is taken in the client's language, else in French.
pub fn default_templates() -> Vec<Template> {
    let mut all = default_templates_fr();
    all.extend(default_templates_en());
    all
}

/// The English default templates: the same ids, tones and variables as the French ones. The
/// variables are filled in English for them (amounts, invoice lines, the legal basis of the
/// penalties: L441-10 and D441-5 of the French Commercial Code still apply to a French seller).
pub fn default_templates_en() -> Vec<Template> {
    let t = |id: &str, tone: Tone, subject: &str, body: &str| Template {
        id: id.to_owned(),
        language: "en".to_owned(),
        tone,
        subject: subject.to_owned(),
        body: body.to_owned(),
    };
    vec![
        t(
            "rappel_avant_echeance",
            Tone::Courtois,
            "{societe}: payment due soon",
            "Hello,\n\nThis is a reminder that the following invoices fall due on {date_echeance}:\n{factures}\n\n\
             Amount: {montant_du}. If payment has already been made, please disregard this message.\n\n\
             Kind regards,\n{societe}",
        ),
        t(
            "relance_courtoise",
            Tone::Courtois,
            "{societe}: overdue invoice(s)",
            "Hello,\n\nUnless we are mistaken, the following invoices remain unpaid to date:\n{factures}\n\n\
             Amount due: {montant_du} (due on {date_echeance}, {jours_retard} days overdue). We would be grateful \
             if you could arrange payment.\n\nKind regards,\n{societe}",
        ),
        t(
            "relance_ferme",
            Tone::Ferme,
            "{societe}: reminder, unpaid invoices",
            "Dear Sir or Madam,\n\nDespite our previous reminder, the following invoices remain unpaid:\n{factures}\n\n\
             Amount due: {montant_du}, overdue for {jours_retard} days. Please note that any late payment \
             automatically incurs late-payment penalties ({penalites}) and a fixed recovery indemnity of \
             {indemnite}. Please settle without delay.\n\n{societe}",
        ),
        t(
            "appel",
            Tone::Ferme,
            "Call {client}",
            "Call {client} about {montant_du} overdue for {jours_retard} days:\n{factures}",
        ),
        t(
            "dernier_avis",
            Tone::DernierAvis,
            "Final notice before formal demand",
            "Dear Sir or Madam,\n\nThe following invoices remain unpaid despite our reminders:\n{factures}\n\n\
             Amount due: {montant_du}, due since {date_echeance}. Late-payment penalties: {penalites}. Fixed \
             recovery indemnity: {indemnite}.\nWithout payment from you, we will send you a formal demand for \
             payment.\n\n{societe}",
        ),
        t(
            "mise_en_demeure",
            Tone::MiseEnDemeure,
            "Formal demand for payment",
            "Dear Sir or Madam,\n\nWe hereby formally demand that you pay us, within {delai}, the sum of \
             {montant_du} for the following invoices:\n{factures}\n\nThis sum bears late-payment penalties \
             ({penalites}, art. L441-10 of the French Commercial Code) and the fixed recovery indemnity \
             ({indemnite}, art. D441-5). This formal demand starts interest at the statutory rate (art. 1344-1 \
             and 1231-6 of the French Civil Code).\nFailing payment within this period, we will apply to the \
             commercial court for an order for payment (injonction de payer).\n\nDone on {date}.\n{societe}",
        ),
        t(
            "suivi_promesse",
            Tone::Ferme,
            "{client}: broken promise to pay",
            "Follow up {client}: the payment promised for {date_echeance} has not arrived. Amount due: \
             {montant_du}.\n{factures}",
        ),
    ]
}

/// The French default templates.
pub fn default_templates_fr() -> Vec<Template> {
    let t = |id: &str, tone: Tone, subject: &str, body: &str| Template {
        id: id.to_owned(),
        language: "fr".to_owned(),
        tone,
        subject: subject.to_owned(),
        body: body.to_owned(),
    };
    vec![
        t(
            "rappel_avant_echeance",
            Tone::Courtois,
            "{societe} : échéance prochaine",
            "Bonjour,\n\nNous vous rappelons que les factures suivantes arrivent à échéance le {date_echeance} :\n\
             {factures}\n\nMontant : {montant_du}. Si le règlement est déjà parti, merci de ne pas tenir compte \
             de ce message.\n\nCordialement,\n{societe}",
        ),
        t(
            "relance_courtoise",
            Tone::Courtois,
            "{societe} : facture(s) échue(s)",
            "Bonjour,\n\nSauf erreur de notre part, les factures suivantes restent impayées à ce jour :\n{factures}\n\n\
             Montant dû : {montant_du} (échéance du {date_echeance}, {jours_retard} jours de retard). Nous vous \
             remercions de bien vouloir procéder à leur règlement.\n\nCordialement,\n{societe}",
        ),
        t(
            "relance_ferme",
            Tone::Ferme,
            "{societe} : relance, factures impayées",
            "Madame, Monsieur,\n\nMalgré notre précédent rappel, les factures suivantes demeurent impayées :\n{factures}\n\n\
             Montant dû : {montant_du}, échu depuis {jours_retard} jours. Nous vous rappelons que tout retard \
             entraîne de plein droit des pénalités ({penalites}) et une indemnité forfaitaire pour frais de \
             recouvrement de {indemnite}. Merci de régulariser sans délai.\n\n{societe}",
        ),
        t(
            "appel",
            Tone::Ferme,
            "Appeler {client}",
            "Appeler {client} au sujet de {montant_du} échus depuis {jours_retard} jours :\n{factures}",
        ),
        t(
            "dernier_avis",
            Tone::DernierAvis,
            "Dernier avis avant mise en demeure",
            "Madame, Monsieur,\n\nLes factures suivantes restent impayées malgré nos relances :\n{factures}\n\n\
             Montant dû : {montant_du}, échu depuis le {date_echeance}. Pénalités de retard : {penalites}. \
             Indemnité forfaitaire pour frais de recouvrement : {indemnite}.\nSans règlement de votre part, nous \
             vous adresserons une mise en demeure.\n\n{societe}",
        ),
        t(
            "mise_en_demeure",
            Tone::MiseEnDemeure,
            "Mise en demeure de payer",
            "Madame, Monsieur,\n\nPar la présente, nous vous mettons en demeure de nous régler, dans un délai de \
             {delai}, la somme de {montant_du} au titre des factures suivantes :\n{factures}\n\nCette somme \
             porte pénalités de retard ({penalites}, art. L441-10 du Code de commerce) et indemnité forfaitaire \
             pour frais de recouvrement ({indemnite}, art. D441-5). La présente mise en demeure fait courir les \
             intérêts au taux légal (art. 1344-1 et 1231-6 du Code civil).\nÀ défaut de paiement dans ce délai, \
             nous saisirons le tribunal de commerce d'une requête en injonction de payer.\n\nFait le {date}.\n\
             {societe}",
        ),
        t(
            "suivi_promesse",
            Tone::Ferme,
            "{client} : promesse de paiement non tenue",
            "Relancer {client} : le paiement promis pour le {date_echeance} n'est pas arrivé. Montant dû : \
             {montant_du}.\n{factures}",
        ),
    ]
}

/// Why no reminder goes to a client or for an invoice: every pause rule, shown in the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum PauseReason {
    /// An open dispute (dispute record, or status 207 En litige / 208 Suspendue).
    Dispute {
        /// 207, 208, or `None` for a dispute recorded otherwise.
        status: Option<u16>,
    },
    /// A promise to pay until its date.
    Promise {
        /// The promise.
        promise_id: i64,
        /// Its date.
        until: NaiveDate,
    },
    /// 211 Paiement transmis until the payment is matched.
    PaymentTransmitted {
        /// When the buyer announced the payment.
        at: NaiveDateTime,
    },
    /// The client is in a collective procedure: no reminders (a claim declaration is proposed).
    Insolvency {
        /// Kind of procedure.
        kind: String,
        /// Opening judgment.
        since: NaiveDate,
    },
    /// 210 Refusée or 213 Rejetée: not a receivable to dun (an internal credit note is due).
    NotCollectable {
        /// 210 or 213.
        status: u16,
    },
    /// 220 Annulée.
    Cancelled,
    /// A per-client pause.
    ClientPaused {
        /// Until (inclusive).
        until: Option<NaiveDate>,
        /// Why.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> BTreeMap<String, String> {
        TEMPLATE_VARIABLES.iter().map(|(k, _)| (k.to_string(), format!("<{k}>"))).collect()
    }

    #[test]
    fn every_default_template_renders_with_every_variable_filled() {
        let templates = default_templates();
        for step in default_scenario().steps {
            for language in ["fr", "en"] {
                let t = templates
                    .iter()
                    .find(|t| t.id == step.template_id && t.language == language)
                    .expect("a template per step and language");
                assert_eq!(t.tone, step.tone, "{} {language}", t.id);
                let r = t.render(&values()).unwrap();
                assert!(!r.body.contains('{'), "{}: {}", t.id, r.body);
            }
        }
        // English and French say the same things: the same ids, tones and variables.
        let (fr, en) = (default_templates_fr(), default_templates_en());
        assert_eq!(fr.len(), en.len());
        for f in &fr {
            let e = en.iter().find(|e| e.id == f.id).unwrap_or_else(|| panic!("{} in English", f.id));
            assert_eq!(e.tone, f.tone);
            let vars = |t: &Template| {
                let mut v = template_variables(&t.id, &t.subject).unwrap();
                v.extend(template_variables(&t.id, &t.body).unwrap());
                v.sort();
                v.dedup();
                v
            };
            assert_eq!(vars(e), vars(f), "{}", f.id);
        }
        assert!(default_scenario().steps.iter().all(|s| s.tone != Tone::MiseEnDemeure || s.needs_validation));
    }

    #[test]
    fn an_unknown_or_empty_variable_is_an_error_naming_it() {
        let mut t = default_templates().remove(0);
        t.body.push_str(" {montant_ttc}");
        let e = t.render(&values()).unwrap_err();
        assert!(matches!(&e, TemplateError::UnknownVariable { name, .. } if name == "montant_ttc"));
        assert!(e.to_string().contains("{montant_ttc}"), "{e}");
        let t = default_templates().remove(1);
        let mut v = values();
        v.insert("jours_retard".into(), " ".into());
        let e = t.render(&v).unwrap_err();
        assert_eq!(e, TemplateError::MissingValue { template: t.id.clone(), name: "jours_retard".into() });
        let mut v = values();
        v.remove("factures");
        assert!(matches!(t.render(&v), Err(TemplateError::MissingValue { name, .. }) if name == "factures"));
        let bad = Template { body: "reste {montant_du".into(), ..t };
        assert!(matches!(bad.check(), Err(TemplateError::Unclosed { .. })));
    }

    #[test]
    fn a_preview_fills_what_it_can_and_lists_the_rest() {
        let t = default_templates().into_iter().find(|t| t.id == "relance_courtoise").unwrap();
        // Everything known and filled: the preview is the rendered text, nothing missing.
        let (r, missing) = t.preview(&values());
        assert_eq!(r, t.render(&values()).unwrap());
        assert!(missing.is_empty());
        // A value missing and an unknown variable stay written and are listed once each.
        let mut v = values();
        v.remove("factures");
        v.insert("jours_retard".into(), "".into());
        let t = Template { body: format!("{} {{inconnue}} {{factures}}", t.body), ..t };
        let (r, missing) = t.preview(&v);
        assert_eq!(missing, vec!["factures".to_owned(), "jours_retard".to_owned(), "inconnue".to_owned()]);
        assert!(r.body.contains("{factures}") && r.body.contains("{inconnue}") && r.body.contains("<societe>"));
        assert!(r.body.ends_with("{inconnue} {factures}"), "{}", r.body);
        // An unclosed brace is kept as written.
        let t = Template { subject: "reste {montant_du".into(), ..t };
        assert_eq!(t.preview(&values()).0.subject, "reste {montant_du");
    }

    #[test]
    fn filters_select_by_amount_sector_grade_and_name() {
        let c = DunningClient {
            id: ClientId(7),
            name: Arc::from("X"),
            naf: Some("41.20A".into()),
            risk_grade: Some("C".into()),
            language: "fr".into(),
        };
        let f = SegmentFilter { min_amount: Some(Decimal::from(1000)), ..Default::default() };
        assert!(!f.matches(&c, Decimal::from(999)));
        assert!(f.matches(&c, Decimal::from(1000)));
        let f = SegmentFilter { naf_prefixes: vec!["41".into()], risk_grades: vec!["C".into()], ..Default::default() };
        assert!(f.matches(&c, Decimal::ZERO));
        let f = SegmentFilter { client_ids: vec![ClientId(8)], ..Default::default() };
        assert!(!f.matches(&c, Decimal::ZERO));
        for ch in [Channel::Email, Channel::RegisteredLetter(RegisteredKind::Lre), Channel::PhoneTask, Channel::Sms] {
            assert_eq!(Channel::parse(ch.code()), Some(ch));
        }
    }
}
