//! The legal documents, one click away (issue 7 §3–4): a reminder in one of three tones, the mise
//! en demeure, the relevé de compte, the injonction de payer dossier and the déclaration de
//! créance, each gathered from the ledger *as of a date the caller passes* (never the clock) and
//! rendered by `encours-documents`.
//!
//! * The creditor is the dossier's company with its profile ([`crate::company_profile`]): postal
//!   address, VAT number, contact, bank details (with the RF reference of the invoice, so the
//!   payment matches by itself), signatory and town. A document that needs a detail the profile
//!   lacks fails naming every missing field, never prints a placeholder.
//! * Late-payment penalties (L441-10, legal-rules A.1) run at each invoice's contractual rate read
//!   from its PMD note ([`penalty_basis`]): a fixed rate, a multiple of the legal rate or ECB +
//!   points, floored at 3 × the legal rate by the domain's math; with no stipulation, ECB + 10.
//!   A half-year missing from the rate tables fails with the table's message.
//! * Invoices a person must not claim are left out and said so: disputed (207/208 or an open
//!   dispute), refused or rejected (210/213), cancelled (220).
//! * An invoice the client accepted only in part — a platform 206 Approuvée partiellement, or a
//!   dispute resolved by a partial agreement without a credit note — is claimed for the accepted
//!   part still unpaid only (principal and penalty base; the €40 stays per invoice), replayed as
//!   the dunning snapshot replays it ([`encours_store::dunning::PartialAgreement::status_event`]
//!   through the lifecycle engine, legal-rules B.2): demanding what the company gave up would be
//!   wrong in law. Each document names the part left out; the relevé de compte, an account
//!   statement, still shows the whole open amount and says which part is agreed.
//! * The déclaration de créance (open-data §3) uses what the dossier records of the procedure:
//!   its kind and judgment date, and the BODACC publication date when the procedure's note gives
//!   one ("publié au BODACC le 2026-10-12"); without it the deadline is stated as a rule, not a date.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use encours_documents::{
    declaration_deadline, BodaccNotice, Court, DeclarantCapacity, DeclarationDeCreance, Delivery, EntryKind, Exhibit,
    ExhibitContent, InjonctionDossier, InvoiceRow, LegalBreakdown, Letter, LetterKind, Letterhead, Party,
    PaymentDetails, Procedure, ProcedureKind, Signature, Statement, StatementEntry, Tone,
};
use encours_domain::legal::{
    late_penalties_on_balance, recovery_indemnity, CollectiveProceedings, DebtorKind, LegalError, LegalRates,
    PenaltyBasis,
};
use encours_domain::{CreditorRef, Currency, Iban, InvoiceId, LifecycleStatus, Money, PostalAddress, Siren};
use encours_engines::lifecycle::InvoiceState;
use encours_readers::einvoice::{PenaltyRate, PenaltyTerms};
use encours_store::channels::ClientFacts;
use encours_store::letters::{self as store, LedgerDocument};
use encours_store::Dossier;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::dossier::CompanyProfileDto;
use crate::error::{ApiError, ErrorCode};

/// The days a mise en demeure gives to pay (8 is usual, legal-rules A.3; the dunning template
/// says "huit jours").
pub const MISE_EN_DEMEURE_DAYS: u32 = 8;
/// Days past due from which `--sample` picks a client for a mise en demeure.
const SAMPLE_DEMEURE_DAYS: i64 = 30;
/// Days past due from which `--sample` picks a client for an injonction de payer.
const SAMPLE_INJONCTION_DAYS: i64 = 60;

// ---------------------------------------------------------------------------------------------
// Penalty terms (issue 6 §3: "the contractual rate read in the invoice (PMD note) or else ECB + 10").
// ---------------------------------------------------------------------------------------------

/// The domain's penalty basis for the terms read from an invoice: a fixed rate, a multiple of the
/// legal rate or ECB + points as written; nothing recognised → the L441-10 default (ECB + 10).
/// The 3 × legal-rate floor is the legal math's (legal-rules A.1.1).
pub fn penalty_basis(terms: &PenaltyTerms) -> PenaltyBasis {
    match terms.rate {
        Some(PenaltyRate::Fixed { percent }) => PenaltyBasis::Contractual(percent),
        Some(PenaltyRate::LegalRateMultiple { times }) => PenaltyBasis::LegalRateMultiple(times),
        Some(PenaltyRate::EcbPlus { points }) => PenaltyBasis::EcbPlus(points),
        None => PenaltyBasis::LegalDefault,
    }
}

/// What the dossier keeps of an invoice's penalty terms (`invoice_penalty_terms`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeptPenaltyTerms {
    /// The basis the penalties run at.
    pub basis: PenaltyBasis,
    /// The text it was read from (PMD note or payment terms).
    pub text: Option<String>,
    /// The €40 indemnity is mentioned on the invoice.
    pub indemnity_40_mentioned: bool,
}

impl KeptPenaltyTerms {
    pub(crate) fn of(terms: &PenaltyTerms) -> KeptPenaltyTerms {
        KeptPenaltyTerms {
            basis: penalty_basis(terms),
            text: terms.rate_text.clone(),
            indemnity_40_mentioned: terms.indemnity_40_mentioned,
        }
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// The penalty basis of each of these invoices: the terms kept at import, or else derived again
/// from the invoice's stored notes and payment terms (invoices generated or imported before the
/// terms were kept); an invoice with neither gets the L441-10 default.
pub fn penalty_bases(d: &Dossier, ids: &[InvoiceId]) -> Result<HashMap<InvoiceId, PenaltyBasis>, ApiError> {
    let sources = store::penalty_sources(d, ids)?;
    let mut derived: HashMap<String, PenaltyBasis> = HashMap::new();
    let mut out = HashMap::with_capacity(ids.len());
    for id in ids {
        let basis = match sources.get(id) {
            None => PenaltyBasis::LegalDefault,
            Some(s) => match s.stored.clone().and_then(|v| serde_json::from_value::<KeptPenaltyTerms>(v).ok()) {
                Some(kept) => kept.basis,
                None => {
                    // Invoices of one seller share their notes: derived once per distinct text.
                    let key = format!("{:?}{:?}", s.notes, s.terms);
                    *derived.entry(key).or_insert_with(|| {
                        let notes: Vec<(Option<&str>, &str)> =
                            s.notes.iter().map(|n| (n.subject.as_deref(), n.text.as_str())).collect();
                        let terms: Vec<&str> = s.terms.iter().map(String::as_str).collect();
                        penalty_basis(&encours_readers::einvoice::penalty_terms_from_texts(&notes, &terms))
                    })
                }
            },
        };
        out.insert(*id, basis);
    }
    Ok(out)
}

/// One invoice a letter claims, for the legal math.
pub(crate) struct Claim<'a> {
    pub number: &'a str,
    pub due_date: NaiveDate,
    pub currency: Currency,
    /// What the letter asks for on it.
    pub claimed: Decimal,
    /// Payments and credits applied to it up to the date, which lowered the base the day after.
    pub paid: Vec<(NaiveDate, Money)>,
    pub basis: PenaltyBasis,
}

/// L441-10 penalties on each invoice's balance day by day at its own basis, and the €40 indemnity
/// per late invoice (D441-5; none for a consumer or in a collective procedure), up to `to`.
pub(crate) fn legal_breakdown(
    claims: &[Claim<'_>],
    to: NaiveDate,
    debtor: DebtorKind,
    proceedings: CollectiveProceedings,
    rates: &LegalRates,
) -> Result<LegalBreakdown, LegalError> {
    let mut b = LegalBreakdown::new(Money::eur(Decimal::from(40)));
    for c in claims {
        // The base is what was claimable: the claimed part plus what was paid on it.
        let base: Decimal = c.claimed + c.paid.iter().map(|(_, m)| m.amount).sum::<Decimal>();
        let penalties =
            late_penalties_on_balance(Money::new(base, c.currency), c.due_date, to, &c.paid, c.basis, rates)?;
        b.add_penalties(c.number, &penalties)
            .map_err(|_| LegalError::CurrencyMismatch { left: c.currency, right: Currency::EUR })?;
        b.add_indemnity(&recovery_indemnity(c.due_date, to, debtor, proceedings));
    }
    Ok(b)
}

fn legal_error(e: LegalError) -> ApiError {
    match e {
        e @ LegalError::MissingRate { .. } => ApiError::invalid(format!(
            "the late-payment penalties cannot be computed: {e} (import the updated table: encours --dossier … rates \
             import FILE.csv)"
        )),
        e => ApiError::invalid(format!("the late-payment penalties cannot be computed: {e}")),
    }
}

// ---------------------------------------------------------------------------------------------
// Requests and results.
// ---------------------------------------------------------------------------------------------

/// Which document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    /// A reminder letter in a tone.
    Reminder(Tone),
    /// The mise en demeure (Code civil 1344, legal-rules A.3).
    MiseEnDemeure,
    /// The relevé de compte.
    Statement,
    /// The injonction de payer dossier (CPC 1405–1407, legal-rules A.5).
    Injonction,
    /// The déclaration de créance (L622-24 ff., open-data §3).
    Declaration,
}

impl DocumentKind {
    /// `reminder` (tone `courtois`, `ferme` — the default — or `dernier_avis`), `demeure`,
    /// `statement`, `injonction`, `declaration`.
    pub fn parse(kind: &str, tone: Option<&str>) -> Result<DocumentKind, ApiError> {
        Ok(match kind.trim() {
            "reminder" | "relance" => DocumentKind::Reminder(match tone.map(str::trim).unwrap_or("ferme") {
                "courtois" => Tone::Courtois,
                "ferme" | "" => Tone::Ferme,
                "dernier_avis" | "dernier-avis" => Tone::DernierAvis,
                other => {
                    return Err(ApiError::invalid(format!("tone {other:?}: expected courtois, ferme or dernier_avis")))
                }
            }),
            "demeure" | "mise_en_demeure" | "mise-en-demeure" => DocumentKind::MiseEnDemeure,
            "statement" | "releve" => DocumentKind::Statement,
            "injonction" => DocumentKind::Injonction,
            "declaration" => DocumentKind::Declaration,
            other => {
                return Err(ApiError::invalid(format!(
                    "{other:?} is not a document: expected reminder, demeure, statement, injonction or declaration"
                )))
            }
        })
    }

    /// The code [`DocumentKind::parse`] reads.
    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::Reminder(_) => "reminder",
            DocumentKind::MiseEnDemeure => "demeure",
            DocumentKind::Statement => "statement",
            DocumentKind::Injonction => "injonction",
            DocumentKind::Declaration => "declaration",
        }
    }

    fn label_fr(self) -> &'static str {
        match self {
            DocumentKind::Reminder(_) => "relance",
            DocumentKind::MiseEnDemeure => "mise en demeure",
            DocumentKind::Statement => "relevé de compte",
            DocumentKind::Injonction => "injonction de payer",
            DocumentKind::Declaration => "déclaration de créance",
        }
    }
}

/// Who the document is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A client by id.
    Client(i64),
    /// The client of an invoice, by number; the document is about that invoice only (the
    /// statement and the declaration take all of the client's).
    Invoice(String),
    /// A client of the dossier for whom the document makes sense (demonstrations, tests).
    Sample,
    /// These invoices of a client (an action of today's plan): a reminder lists them even before
    /// their due date (a courtesy reminder goes a few days before it).
    Invoices {
        /// The client.
        client: i64,
        /// The invoice numbers.
        numbers: Vec<String>,
    },
}

/// A document asked for by the UI.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LetterRequest {
    /// `reminder`, `demeure`, `statement`, `injonction`, `declaration`.
    pub kind: String,
    /// For a reminder: `courtois`, `ferme` (default) or `dernier_avis`.
    #[serde(default)]
    pub tone: Option<String>,
    /// The client.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub client_id: Option<i64>,
    /// Or an invoice number.
    #[serde(default)]
    pub invoice_number: Option<String>,
    /// Or a client picked for the document.
    #[serde(default)]
    pub sample: bool,
}

impl LetterRequest {
    /// The target: exactly one of client, invoice, sample.
    pub fn target(&self) -> Result<Target, ApiError> {
        let number = self.invoice_number.as_deref().map(str::trim).filter(|n| !n.is_empty());
        match (self.client_id, number, self.sample) {
            (Some(c), None, false) => Ok(Target::Client(c)),
            (None, Some(n), false) => Ok(Target::Invoice(n.to_owned())),
            (None, None, true) => Ok(Target::Sample),
            _ => Err(ApiError::invalid("choose one of: a client, an invoice number, or a sample client")),
        }
    }
}

/// A document generated and saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct GeneratedLetter {
    /// Where the PDF was saved.
    pub path: String,
    /// The document's code.
    pub kind: String,
    /// The client.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Its name.
    pub client_name: String,
    /// Invoices the document is about.
    #[ts(type = "number")]
    pub invoices: u64,
    /// What it claims (or the statement's balance), decimal string, and its currency.
    pub amount: String,
    /// Currency of `amount`.
    pub currency: String,
    /// Size of the PDF.
    #[ts(type = "number")]
    pub bytes: u64,
    /// What the reader should know (invoices left out and why, details the dossier lacks).
    pub notes: Vec<String>,
}

/// A document rendered, not yet saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedDocument {
    /// The PDF.
    pub pdf: Vec<u8>,
    /// Which document.
    pub kind: DocumentKind,
    /// The client.
    pub client_id: i64,
    /// Its name.
    pub client_name: String,
    /// Invoices it is about.
    pub invoices: usize,
    /// What it claims, or the statement's balance.
    pub amount: Money,
    /// Invoices left out and why, details missing.
    pub notes: Vec<String>,
}

impl RenderedDocument {
    /// `demeure-2026-11-24-c42-dupont-sa`.
    pub fn file_stem(&self, as_of: NaiveDate) -> String {
        let mut name = String::new();
        for c in self.client_name.chars() {
            if c.is_ascii_alphanumeric() {
                name.push(c.to_ascii_lowercase());
            } else if !name.ends_with('-') && !name.is_empty() {
                name.push('-');
            }
            if name.len() >= 40 {
                break;
            }
        }
        format!("{}-{as_of}-c{}-{}", self.kind.code(), self.client_id, name.trim_end_matches('-'))
    }
}

// ---------------------------------------------------------------------------------------------
// Gathering.
// ---------------------------------------------------------------------------------------------

/// Statuses after which an invoice is not claimed (legal-rules B.2): disputed or suspended,
/// refused, rejected, cancelled.
fn excluded_by_status(code: u16) -> Option<&'static str> {
    match code {
        207 => Some("en litige (207)"),
        208 => Some("suspendue (208)"),
        210 => Some("refusée (210)"),
        213 => Some("rejetée (213)"),
        220 => Some("annulée (220)"),
        _ => None,
    }
}

/// Everything a document needs about the creditor.
pub(crate) struct Creditor {
    pub(crate) party: Party,
    pub(crate) letterhead: Letterhead,
    payment_iban: Option<Iban>,
    bic: Option<String>,
    pub(crate) place: String,
    pub(crate) signature: Signature,
    legal_form: String,
    outside_metropole: bool,
}

/// The creditor of every document: the company and its profile; an error names each missing
/// detail.
pub(crate) fn creditor(d: &Dossier) -> Result<Creditor, ApiError> {
    let company = d.company()?;
    let p: CompanyProfileDto = crate::dossier::company_profile(d)?;
    let missing = p.missing_for_letters();
    if !missing.is_empty() {
        return Err(ApiError::invalid(format!(
            "the company's details are incomplete for a letter: {} is missing (Paramètres › Société, or encours \
             --dossier … settings company --set field=value)",
            missing.join(", ")
        )));
    }
    let iban = p.iban.as_deref().map(Iban::parse).transpose().map_err(|e| ApiError::invalid(format!("IBAN: {e}")))?;
    let logo = crate::dossier::company_logo(d)?;
    // Overseas departments have postcodes 971–976: a creditor there is outside metropolitan France
    // for R622-24 (the court of the debtor is assumed metropolitan).
    let outside_metropole = p.country != "FR" || p.postcode.starts_with("97") || p.postcode.starts_with("98");
    Ok(Creditor {
        party: Party {
            name: company.name.clone(),
            siren: Some(company.siren.clone()),
            address: PostalAddress {
                lines: p.address_lines.clone(),
                postcode: p.postcode.clone(),
                city: p.city.clone(),
                country: p.country.clone(),
            },
            contact: Some(encours_domain::Contact {
                name: p.signatory_name.clone(),
                role: p.signatory_title.clone().unwrap_or_default(),
                email: p.email.clone(),
                phone: p.phone.clone(),
            }),
        },
        letterhead: Letterhead {
            logo,
            vat_number: p.vat_number.clone(),
            phone: p.phone.clone(),
            email: p.email.clone(),
            website: p.website.clone(),
            legal_line: p.legal_line.clone(),
        },
        payment_iban: iban,
        bic: p.bic.clone(),
        place: p.town.clone(),
        signature: Signature { name: p.signatory_name.clone(), title: p.signatory_title.clone() },
        legal_form: p.legal_form.clone().unwrap_or_default(),
        outside_metropole,
    })
}

impl Creditor {
    /// Bank details with the RF reference of the invoice when the letter asks for one invoice.
    pub(crate) fn payment(&self, reference: Option<CreditorRef>) -> Option<PaymentDetails> {
        self.payment_iban.as_ref().map(|iban| PaymentDetails {
            iban: Some(iban.clone()),
            bic: self.bic.clone(),
            other: None,
            creditor_reference: reference,
        })
    }

    fn require_iban(&self, what: DocumentKind) -> Result<(), ApiError> {
        if self.payment_iban.is_none() {
            return Err(ApiError::invalid(format!(
                "a {} asks for payment: the company's IBAN is missing (Paramètres › Société, or encours --dossier … \
                 settings company --set iban=FR76…)",
                what.label_fr()
            )));
        }
        Ok(())
    }
}

/// A client and its ledger as of the date.
struct Debtor {
    facts: ClientFacts,
    documents: Vec<LedgerDocument>,
    disputed: HashSet<i64>,
    /// The invoices accepted only in part, with what may be claimed on each.
    accepted: Accepted,
}

/// The part of an invoice the client accepted (a 206 Approuvée partiellement from the platform,
/// or a partial agreement replayed as one) and the rest it did not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AcceptedPart {
    /// What a document may claim: the open amount less the part not accepted (never below zero).
    pub claimed: Decimal,
    /// The part not accepted, still open on the invoice: contested (206) or given up (agreement).
    pub refused: Decimal,
    /// The day of the 206 or of the agreement.
    pub on: NaiveDate,
    /// True when a partial agreement decided it (the refused part was given up), false for a 206.
    pub agreement: bool,
}

impl AcceptedPart {
    /// "dont 250,00 € abandonnés par accord du 23/11/2026" / "dont … contestés (206 du …)".
    fn refused_fr(&self, currency: Currency) -> String {
        let refused = encours_documents::format::money(&Money::new(self.refused, currency));
        let on = self.on.format("%d/%m/%Y");
        if self.agreement {
            format!("dont {refused} abandonnés par accord du {on}")
        } else {
            format!("dont {refused} contestés (statut 206 Approuvée partiellement du {on})")
        }
    }

    /// The sentence a claiming document prints about the invoice (no final stop: the caller
    /// ends it as its text requires).
    fn claim_note(&self, doc: &LedgerDocument) -> String {
        format!(
            "Facture n° {} : reste {}, {} ; seule la partie acceptée, {}, est réclamée",
            doc.number,
            encours_documents::format::money(&Money::new(doc.open, doc.currency)),
            self.refused_fr(doc.currency),
            encours_documents::format::money(&Money::new(self.claimed, doc.currency)),
        )
    }
}

/// The invoices accepted only in part, by id.
type Accepted = HashMap<InvoiceId, AcceptedPart>;

/// The accepted part of an invoice, if the client accepted only part of it: its lifecycle
/// statuses and its partial agreements replayed by the lifecycle engine in date order, exactly as
/// the dunning snapshot and plan do (the agreement enters as the 206 of
/// [`encours_store::dunning::PartialAgreement::status_event`]; the open 206 dispute's
/// not-approved part is held back, legal-rules B.2).
pub(crate) fn accepted_part(doc: &LedgerDocument) -> Option<AcceptedPart> {
    if doc.receivable <= Decimal::ZERO || doc.open <= Decimal::ZERO {
        return None;
    }
    let has_206 = doc.events.iter().any(|e| e.status == LifecycleStatus::ApprouveePartiellement);
    if !has_206 && doc.agreements.is_empty() {
        return None;
    }
    let mut history = doc.events.clone();
    history.extend(doc.agreements.iter().map(|a| a.status_event(doc.open, doc.currency)));
    history.sort_by_key(|e| e.at);
    let mut state = InvoiceState::new(Money::new(doc.open, doc.currency));
    for e in &history {
        state.apply(e);
    }
    let dispute = state.dispute.filter(|x| x.status == LifecycleStatus::ApprouveePartiellement)?;
    let refused = dispute.disputed.filter(|m| m.currency == doc.currency)?.amount.min(doc.open);
    if refused <= Decimal::ZERO {
        return None;
    }
    Some(AcceptedPart {
        claimed: doc.open - refused,
        refused,
        on: dispute.since.date(),
        agreement: doc.agreements.iter().any(|a| a.at == dispute.since),
    })
}

/// What a document claims on an invoice: its accepted part, or all that is open.
fn claimed(doc: &LedgerDocument, accepted: &Accepted) -> Decimal {
    accepted.get(&doc.id).map_or(doc.open, |a| a.claimed)
}

impl Debtor {
    fn party(&self) -> Party {
        Party {
            name: self.facts.name.clone(),
            siren: self.facts.siren.as_deref().and_then(|s| Siren::parse(s).ok()),
            address: self.facts.address.clone(),
            contact: self.facts.contacts.first().cloned(),
        }
    }

    fn debtor_kind(&self) -> DebtorKind {
        if self.facts.is_individual {
            DebtorKind::Consumer
        } else {
            DebtorKind::Professional
        }
    }

    fn proceedings(&self) -> CollectiveProceedings {
        if self.facts.insolvent {
            CollectiveProceedings::ForbidsPaymentOnDueDate
        } else {
            CollectiveProceedings::None
        }
    }

    /// Open invoices (not credit notes) the documents may claim, in order, and the notes on those
    /// left out. `overdue_only`: only those past due on `as_of`.
    fn claimable(
        &self,
        as_of: NaiveDate,
        overdue_only: bool,
        only: Option<&[String]>,
    ) -> (Vec<&LedgerDocument>, Vec<String>) {
        let mut out = Vec::new();
        let mut notes = Vec::new();
        for doc in &self.documents {
            if doc.receivable <= Decimal::ZERO || doc.open <= Decimal::ZERO {
                continue;
            }
            if only.is_some_and(|numbers| !numbers.contains(&doc.number)) {
                continue;
            }
            if overdue_only && doc.due_date >= as_of {
                continue;
            }
            if let Some(why) = doc.statuses.last().and_then(|(code, ..)| excluded_by_status(*code)) {
                notes.push(format!("facture {} non réclamée : {why}", doc.number));
                continue;
            }
            if self.disputed.contains(&doc.id.0) {
                notes.push(format!("facture {} non réclamée : litige ouvert", doc.number));
                continue;
            }
            if let Some(a) = self.accepted.get(&doc.id) {
                if a.claimed <= Decimal::ZERO {
                    notes.push(format!(
                        "facture {} non réclamée : la partie acceptée est réglée, {}",
                        doc.number,
                        a.refused_fr(doc.currency)
                    ));
                    continue;
                }
                notes.push(format!(
                    "facture {} : seule la partie acceptée est réclamée, {}",
                    doc.number,
                    a.refused_fr(doc.currency)
                ));
            }
            out.push(doc);
        }
        (out, notes)
    }
}

fn debtor(d: &Dossier, client: i64, as_of: NaiveDate) -> Result<Debtor, ApiError> {
    let facts = encours_store::channels::client_facts(d, client)?
        .ok_or_else(|| ApiError::invalid(format!("there is no client {client} in this dossier")))?;
    let documents = store::client_documents(d, client, as_of)?;
    let items = encours_store::items::open_items(
        d,
        &encours_store::items::OpenItemsQuery {
            as_of,
            filter: encours_store::items::ItemFilter::Client(client),
            currency: None,
            limit: 100_000,
        },
    )?;
    let disputed = items.items.iter().filter(|i| i.disputed).map(|i| i.invoice_id).collect();
    let accepted = documents.iter().filter_map(|x| accepted_part(x).map(|a| (x.id, a))).collect();
    Ok(Debtor { facts, documents, disputed, accepted })
}

/// The invoice's line in a claiming document: `open` is what is claimed on it (for an invoice
/// accepted in part, the accepted part: not always `amount_incl_vat - paid`).
fn row(doc: &LedgerDocument, on: NaiveDate, accepted: &Accepted) -> InvoiceRow {
    let paid: Decimal = doc.applied.iter().map(|a| a.amount).sum();
    InvoiceRow {
        number: doc.number.clone(),
        issue_date: doc.issue_date,
        due_date: doc.due_date,
        days_late: (on - doc.due_date).num_days(),
        amount_incl_vat: Money::new(doc.due_payable, doc.currency),
        paid: Money::new(paid, doc.currency),
        open: Money::new(claimed(doc, accepted), doc.currency),
    }
}

fn claims<'a>(
    docs: &[&'a LedgerDocument],
    bases: &HashMap<InvoiceId, PenaltyBasis>,
    accepted: &Accepted,
) -> Vec<Claim<'a>> {
    docs.iter()
        .map(|doc| Claim {
            number: &doc.number,
            due_date: doc.due_date,
            currency: doc.currency,
            claimed: claimed(doc, accepted),
            paid: doc.applied.iter().map(|a| (a.on, Money::new(a.amount, doc.currency))).collect(),
            basis: bases.get(&doc.id).copied().unwrap_or(PenaltyBasis::LegalDefault),
        })
        .collect()
}

fn total(docs: &[&LedgerDocument], accepted: &Accepted) -> Money {
    let currency = docs.first().map_or(Currency::EUR, |d| d.currency);
    Money::new(docs.iter().map(|d| claimed(d, accepted)).sum(), currency)
}

/// The sentences about the invoices of `docs` accepted only in part.
fn claim_notes(docs: &[&LedgerDocument], accepted: &Accepted) -> Vec<String> {
    docs.iter().filter_map(|d| accepted.get(&d.id).map(|a| a.claim_note(d))).collect()
}

/// One currency per letter: the documents of the most-used one (a letter adds its amounts up).
fn one_currency<'a>(docs: Vec<&'a LedgerDocument>, notes: &mut Vec<String>) -> Vec<&'a LedgerDocument> {
    let Some(first) = docs.first().map(|d| d.currency) else { return docs };
    if docs.iter().all(|d| d.currency == first) {
        return docs;
    }
    let mut counts: HashMap<Currency, usize> = HashMap::new();
    for d in &docs {
        *counts.entry(d.currency).or_default() += 1;
    }
    let main = counts.iter().max_by_key(|(c, n)| (**n, c.code() == "EUR")).map_or(first, |(c, _)| *c);
    let (keep, other): (Vec<_>, Vec<_>) = docs.into_iter().partition(|d| d.currency == main);
    for d in other {
        notes.push(format!("facture {} en {} : à réclamer par un courrier distinct", d.number, d.currency));
    }
    keep
}

// ---------------------------------------------------------------------------------------------
// Sample clients.
// ---------------------------------------------------------------------------------------------

/// A client for whom `kind` makes sense on `as_of`: for a reminder, the largest overdue balance
/// (1–30 days); for a mise en demeure, over 30 days; for an injonction, over 60 days; for a
/// statement, the most open items; for a declaration, a client in procédure collective. Clients
/// in procédure collective are never picked for a claim (L622-21 forbids pursuing them).
pub fn sample_client(d: &Dossier, kind: DocumentKind, as_of: NaiveDate) -> Result<i64, ApiError> {
    let insolvent: HashSet<i64> = store::insolvent_clients(d)?.into_iter().collect();
    if kind == DocumentKind::Declaration {
        for c in store::insolvent_clients(d)? {
            let Some(case) = store::insolvency(d, c)? else { continue };
            let docs = store::client_documents(d, c, case.judgment_on)?;
            if docs.iter().any(|x| x.receivable > Decimal::ZERO && x.open > Decimal::ZERO) {
                return Ok(c);
            }
        }
        return Err(ApiError::invalid(
            "no client of this dossier is in procédure collective with an open invoice born before its judgment \
             (record the procedure in Relances › client first)",
        ));
    }
    let (min, max) = match kind {
        DocumentKind::Reminder(_) => (Some(1), Some(SAMPLE_DEMEURE_DAYS)),
        DocumentKind::MiseEnDemeure => (Some(SAMPLE_DEMEURE_DAYS + 1), None),
        DocumentKind::Injonction => (Some(SAMPLE_INJONCTION_DAYS + 1), None),
        _ => (None, None),
    };
    let items = encours_store::items::open_items(
        d,
        &encours_store::items::OpenItemsQuery {
            as_of,
            filter: encours_store::items::ItemFilter::DaysPastDue { min, max },
            currency: Some(Currency::EUR),
            limit: 1_000_000,
        },
    )?;
    // Per client: the overdue amount it could be asked for (not disputed), and the count of items.
    let mut per_client: HashMap<i64, (i64, usize)> = HashMap::new();
    for it in items.items.iter().filter(|i| i.kind != "credit_note" && i.open > 0 && !i.disputed) {
        if insolvent.contains(&it.client_id) {
            continue;
        }
        let e = per_client.entry(it.client_id).or_default();
        e.0 += it.open;
        e.1 += 1;
    }
    let best = match kind {
        DocumentKind::Statement => per_client.iter().max_by_key(|(c, (_, n))| (*n, std::cmp::Reverse(**c))),
        _ => per_client.iter().max_by_key(|(c, (amount, _))| (*amount, std::cmp::Reverse(**c))),
    };
    best.map(|(c, _)| *c).ok_or_else(|| {
        ApiError::invalid(format!("no client of this dossier has invoices for a {} on {as_of}", kind.label_fr()))
    })
}

/// The client, the invoices the document is limited to, and whether they may be not yet due.
type Resolved = (i64, Option<Vec<String>>, bool);

fn resolve(d: &Dossier, kind: DocumentKind, target: &Target, as_of: NaiveDate) -> Result<Resolved, ApiError> {
    match target {
        Target::Client(c) => Ok((*c, None, false)),
        Target::Sample => Ok((sample_client(d, kind, as_of)?, None, false)),
        Target::Invoices { client, numbers } => Ok((*client, Some(numbers.clone()), true)),
        Target::Invoice(number) => {
            let found = store::invoices_numbered(d, number)?;
            let (_, client) = *found
                .first()
                .ok_or_else(|| ApiError::invalid(format!("there is no invoice numbered {number:?} in this dossier")))?;
            if found.iter().any(|(_, c)| *c != client) {
                return Err(ApiError::invalid(format!(
                    "several clients have an invoice numbered {number:?}: choose the client instead"
                )));
            }
            // The statement and the declaration are about the whole account.
            let only = match kind {
                DocumentKind::Statement | DocumentKind::Declaration => None,
                _ => Some(vec![number.clone()]),
            };
            Ok((client, only, false))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The documents.
// ---------------------------------------------------------------------------------------------

/// Gathers and renders one document as of `as_of`.
pub fn render_document(
    d: &Dossier,
    kind: DocumentKind,
    target: &Target,
    as_of: NaiveDate,
) -> Result<RenderedDocument, ApiError> {
    let (client, only, before_due) = resolve(d, kind, target, as_of)?;
    let cr = creditor(d)?;
    let rates = crate::rates::legal_rates(d)?;
    match kind {
        DocumentKind::Reminder(_) | DocumentKind::MiseEnDemeure => {
            cr.require_iban(kind)?;
            // Only a reminder may be about invoices not yet due (a courtesy reminder of the plan).
            let overdue_only = !(before_due && matches!(kind, DocumentKind::Reminder(_)));
            demand(d, &cr, &rates, kind, client, only.as_deref(), overdue_only, as_of)
        }
        DocumentKind::Statement => statement(d, &cr, client, as_of),
        DocumentKind::Injonction => injonction(d, &cr, &rates, client, only.as_deref(), as_of),
        DocumentKind::Declaration => declaration(d, &cr, &rates, client, as_of),
    }
}

fn render_error(what: DocumentKind) -> impl Fn(encours_documents::DocumentError) -> ApiError {
    move |e| ApiError::new(ErrorCode::Internal, format!("the {} cannot be rendered: {e}", what.label_fr()))
}

fn not_applicable(kind: DocumentKind, name: &str, why: &str) -> ApiError {
    ApiError::invalid(format!("a {} does not apply to {name}: {why}", kind.label_fr()))
}

fn fr_date(d: NaiveDate) -> String {
    encours_documents::format::date_long(d)
}

#[allow(clippy::too_many_arguments)]
fn demand(
    d: &Dossier,
    cr: &Creditor,
    rates: &LegalRates,
    kind: DocumentKind,
    client: i64,
    only: Option<&[String]>,
    overdue_only: bool,
    as_of: NaiveDate,
) -> Result<RenderedDocument, ApiError> {
    let debtor = debtor(d, client, as_of)?;
    if debtor.facts.insolvent {
        return Err(not_applicable(
            kind,
            &debtor.facts.name,
            "it is in procédure collective: claims are declared to the mandataire, not demanded (L622-21); \
             generate the declaration instead",
        ));
    }
    let (docs, mut notes) = debtor.claimable(as_of, overdue_only, only);
    let docs = one_currency(docs, &mut notes);
    if docs.is_empty() {
        return Err(not_applicable(
            kind,
            &debtor.facts.name,
            &format!("no overdue invoice it can be asked for on {as_of}"),
        ));
    }
    let ids: Vec<InvoiceId> = docs.iter().map(|x| x.id).collect();
    let bases = penalty_bases(d, &ids)?;
    let firm = !matches!(kind, DocumentKind::Reminder(Tone::Courtois));
    let legal = if firm {
        Some(
            legal_breakdown(
                &claims(&docs, &bases, &debtor.accepted),
                as_of,
                debtor.debtor_kind(),
                debtor.proceedings(),
                rates,
            )
            .map_err(legal_error)?,
        )
    } else {
        None
    };
    let amount = total(&docs, &debtor.accepted);
    let reference = (docs.len() == 1).then(|| CreditorRef::for_invoice(&docs[0].number, docs[0].id));
    let (letter_kind, subject, body, closing, delivery) = match kind {
        DocumentKind::MiseEnDemeure => (
            LetterKind::MiseEnDemeure { deadline_days: MISE_EN_DEMEURE_DAYS },
            "Mise en demeure de payer".to_owned(),
            // The formal demand, the deadline, the legal basis and the next step are the
            // document's own paragraphs (legal-rules A.3): the body only introduces them.
            vec![
                "Madame, Monsieur,".to_owned(),
                "Malgré nos précédentes relances, les factures ci-dessous restent impayées à ce jour.".to_owned(),
            ],
            vec!["Veuillez agréer, Madame, Monsieur, nos salutations distinguées.".to_owned()],
            Delivery::RegisteredPaper { tracking_number: None },
        ),
        DocumentKind::Reminder(tone) => {
            let (subject, text) = match tone {
                Tone::Courtois => (
                    "Rappel de facture échue",
                    "Sauf erreur de notre part, les factures ci-dessous n'ont pas encore été réglées. Il s'agit \
                     peut-être d'un simple oubli : nous vous remercions de bien vouloir procéder à leur règlement.",
                ),
                Tone::Ferme => (
                    "Relance : factures impayées",
                    "Malgré l'échéance dépassée, les factures ci-dessous restent impayées. Nous vous demandons de \
                     régulariser la situation sans délai : les pénalités de retard et l'indemnité forfaitaire dues \
                     de plein droit sont détaillées ci-dessous.",
                ),
                Tone::DernierAvis => (
                    "Dernier avis avant mise en demeure",
                    "Nos relances sont restées sans effet. Sans règlement de votre part sous huit jours, nous vous \
                     adresserons une mise en demeure par lettre recommandée, préalable à une procédure de \
                     recouvrement judiciaire. Les pénalités de retard et l'indemnité forfaitaire de 40 € par facture \
                     restent dues de plein droit.",
                ),
            };
            (
                LetterKind::Reminder { tone },
                subject.to_owned(),
                vec!["Madame, Monsieur,".to_owned(), text.to_owned()],
                vec![
                    "Si votre règlement nous est parvenu entre-temps, nous vous prions de ne pas tenir compte de ce \
                     courrier."
                        .to_owned(),
                    "Nous vous prions d'agréer, Madame, Monsieur, nos salutations distinguées.".to_owned(),
                ],
                Delivery::Ordinary,
            )
        }
        _ => unreachable_kind(kind)?,
    };
    // The part of an invoice the client did not accept is said, not claimed.
    let mut body = body;
    body.extend(claim_notes(&docs, &debtor.accepted).into_iter().map(|n| n + "."));
    let letter = Letter {
        kind: letter_kind,
        creditor: cr.party.clone(),
        letterhead: cr.letterhead.clone(),
        debtor: debtor.party(),
        place: cr.place.clone(),
        date: as_of,
        reference: format!("{}-{}-C{}", kind.code().to_uppercase(), as_of.format("%Y%m%d"), client),
        subject,
        body,
        invoices: docs.iter().map(|x| row(x, as_of, &debtor.accepted)).collect(),
        legal,
        payment: cr.payment(reference),
        closing,
        delivery,
        signature: cr.signature.clone(),
    };
    let pdf = encours_documents::render_letter(&letter).map_err(render_error(kind))?;
    Ok(RenderedDocument {
        pdf,
        kind,
        client_id: client,
        client_name: debtor.facts.name.clone(),
        invoices: docs.len(),
        amount,
        notes,
    })
}

fn unreachable_kind<T>(kind: DocumentKind) -> Result<T, ApiError> {
    Err(ApiError::new(ErrorCode::Internal, format!("{} is not a demand letter", kind.label_fr())))
}

fn statement(d: &Dossier, cr: &Creditor, client: i64, as_of: NaiveDate) -> Result<RenderedDocument, ApiError> {
    let kind = DocumentKind::Statement;
    let debtor = debtor(d, client, as_of)?;
    let currency = debtor.documents.iter().find(|x| x.open != Decimal::ZERO).map_or(Currency::EUR, |x| x.currency);
    let mut entries = Vec::new();
    let mut balance = Decimal::ZERO;
    let mut invoices = 0usize;
    let mut notes = Vec::new();
    // An account statement shows the whole open amount of an invoice accepted in part (the
    // ledger still has it open) and says which part is agreed and which is not.
    let mut agreed = Vec::new();
    for doc in debtor.documents.iter().filter(|x| x.open != Decimal::ZERO) {
        if doc.currency != currency {
            notes.push(format!("document {} en {} : hors de ce relevé", doc.number, doc.currency));
            continue;
        }
        let credit = doc.receivable < Decimal::ZERO;
        balance += doc.open;
        if !credit {
            invoices += 1;
        }
        let accepted = debtor.accepted.get(&doc.id);
        if let Some(a) = accepted {
            agreed.push(format!(
                "Facture n° {} : montant TTC {}, reste dû {}, {} ; partie acceptée restant due : {}.",
                doc.number,
                encours_documents::format::money(&Money::new(doc.due_payable, doc.currency)),
                encours_documents::format::money(&Money::new(doc.open, doc.currency)),
                a.refused_fr(doc.currency),
                encours_documents::format::money(&Money::new(a.claimed, doc.currency)),
            ));
        }
        // The agreement stands for a 206: the status column says so even without a platform one.
        let status = match accepted {
            Some(_) => Some(LifecycleStatus::ApprouveePartiellement),
            None => doc.statuses.last().map(|(code, ..)| LifecycleStatus::from_code(*code)),
        };
        entries.push(StatementEntry {
            kind: if credit { EntryKind::CreditNote } else { EntryKind::Invoice },
            date: doc.issue_date,
            number: doc.number.clone(),
            due_date: (!credit).then_some(doc.due_date),
            amount: Money::new(doc.due_payable.abs(), doc.currency),
            open: Money::new(doc.open.abs(), doc.currency),
            status,
        });
    }
    for p in store::client_payments(d, client, as_of)? {
        if p.unapplied <= Decimal::ZERO || p.currency != currency {
            continue;
        }
        balance -= p.unapplied;
        entries.push(StatementEntry {
            kind: EntryKind::Payment,
            date: p.booked_on,
            number: p.reference.clone().unwrap_or_else(|| format!("Paiement {}", p.id)),
            due_date: None,
            amount: Money::new(p.amount, p.currency),
            open: Money::new(p.unapplied, p.currency),
            status: None,
        });
    }
    entries.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.number.cmp(&b.number)));
    let one_invoice: Vec<&LedgerDocument> =
        debtor.documents.iter().filter(|x| x.receivable > Decimal::ZERO && x.open > Decimal::ZERO).collect();
    let reference =
        (one_invoice.len() == 1).then(|| CreditorRef::for_invoice(&one_invoice[0].number, one_invoice[0].id));
    let mut intro = vec![
        "Madame, Monsieur,".to_owned(),
        format!(
            "Veuillez trouver ci-dessous le relevé de votre compte client au {}, avec l'état de chaque facture sur la \
             plateforme de facturation électronique.",
            fr_date(as_of)
        ),
    ];
    intro.extend(agreed);
    let s = Statement {
        creditor: cr.party.clone(),
        letterhead: cr.letterhead.clone(),
        debtor: debtor.party(),
        place: cr.place.clone(),
        date: as_of,
        reference: format!("RELEVE-{}-C{}", as_of.format("%Y%m%d"), client),
        intro,
        entries,
        payment: cr.payment(reference),
        closing: vec![
            "Pour toute question sur ce relevé, n'hésitez pas à nous contacter.".to_owned(),
            "Nous vous prions d'agréer, Madame, Monsieur, nos salutations distinguées.".to_owned(),
        ],
        signature: cr.signature.clone(),
    };
    let pdf = encours_documents::render_statement(&s).map_err(render_error(kind))?;
    Ok(RenderedDocument {
        pdf,
        kind,
        client_id: client,
        client_name: debtor.facts.name.clone(),
        invoices,
        amount: Money::new(balance, currency),
        notes,
    })
}

fn status_line(code: u16, at: chrono::NaiveDateTime, reason: Option<&str>) -> String {
    let label = LifecycleStatus::from_code(code).label_fr().unwrap_or("statut");
    let mut line = format!("{} {code} {label}", at.format("%d/%m/%Y %H:%M"));
    if let Some(r) = reason.filter(|r| !r.trim().is_empty()) {
        line.push_str(" — ");
        line.push_str(r.trim());
    }
    line
}

fn injonction(
    d: &Dossier,
    cr: &Creditor,
    rates: &LegalRates,
    client: i64,
    only: Option<&[String]>,
    as_of: NaiveDate,
) -> Result<RenderedDocument, ApiError> {
    let kind = DocumentKind::Injonction;
    let debtor = debtor(d, client, as_of)?;
    if debtor.facts.insolvent {
        return Err(not_applicable(
            kind,
            &debtor.facts.name,
            "it is in procédure collective: the opening judgment forbids legal action (L622-21); declare the claim",
        ));
    }
    let (docs, mut notes) = debtor.claimable(as_of, true, only);
    let docs = one_currency(docs, &mut notes);
    if docs.is_empty() {
        return Err(not_applicable(kind, &debtor.facts.name, &format!("no overdue invoice to claim on {as_of}")));
    }
    let ids: Vec<InvoiceId> = docs.iter().map(|x| x.id).collect();
    let bases = penalty_bases(d, &ids)?;
    let legal = legal_breakdown(
        &claims(&docs, &bases, &debtor.accepted),
        as_of,
        debtor.debtor_kind(),
        debtor.proceedings(),
        rates,
    )
    .map_err(legal_error)?;
    let numbers: HashSet<&str> = docs.iter().map(|x| x.number.as_str()).collect();
    let sent = store::sent_reminders(d, client, as_of)?;
    let relevant: Vec<_> = sent.iter().filter(|s| s.invoices.iter().any(|n| numbers.contains(n.as_str()))).collect();
    let mise_en_demeure = relevant.iter().filter(|s| s.tone == "mise_en_demeure").map(|s| s.on).max();
    if mise_en_demeure.is_none() {
        notes.push(
            "aucune mise en demeure envoyée n'est enregistrée pour ces factures : le juge l'attend parmi les pièces"
                .to_owned(),
        );
    }

    let mut exhibits = Vec::new();
    for doc in &docs {
        let title = format!("Facture n° {} du {}", doc.number, doc.issue_date.format("%d/%m/%Y"));
        let original = match &doc.original_sha256 {
            Some(sha) => crate::import::original(d, sha)?,
            None => None,
        };
        let is_pdf = |b: &Vec<u8>| b.starts_with(b"%PDF");
        let content = match original.filter(is_pdf) {
            Some(pdf) => ExhibitContent::Pdf(pdf),
            None => {
                let mut lines = vec![
                    format!("Facture n° {}", doc.number),
                    format!("Émise le {} à {}", fr_date(doc.issue_date), debtor.facts.name),
                    format!("Échéance : {}", fr_date(doc.due_date)),
                    format!(
                        "Montant HT : {}",
                        encours_documents::format::money(&Money::new(doc.tax_basis_total, doc.currency))
                    ),
                ];
                if let Some(t) = doc.tax_total {
                    lines.push(format!("TVA : {}", encours_documents::format::money(&Money::new(t, doc.currency))));
                }
                lines.push(format!(
                    "Montant TTC : {}",
                    encours_documents::format::money(&Money::new(doc.due_payable, doc.currency))
                ));
                lines.push(format!(
                    "Reste dû au {} : {}",
                    fr_date(as_of),
                    encours_documents::format::money(&Money::new(doc.open, doc.currency))
                ));
                if let Some(a) = debtor.accepted.get(&doc.id) {
                    lines.push(format!(
                        "{} ; réclamé : {}",
                        a.refused_fr(doc.currency),
                        encours_documents::format::money(&Money::new(a.claimed, doc.currency))
                    ));
                }
                for a in &doc.applied {
                    let what = a.credit_note.as_deref().map_or("règlement".to_owned(), |n| format!("avoir {n}"));
                    lines.push(format!(
                        "Déduit le {} : {} ({what})",
                        a.on.format("%d/%m/%Y"),
                        encours_documents::format::money(&Money::new(a.amount, doc.currency))
                    ));
                }
                lines.push(format!("Source de l'enregistrement : {}", doc.source));
                ExhibitContent::Text(lines)
            }
        };
        exhibits.push(Exhibit { title, content });
    }
    for s in &relevant {
        let what = match s.tone.as_str() {
            "mise_en_demeure" => "Mise en demeure",
            _ => "Relance",
        };
        let mut lines = vec![
            format!("{what} du {} ({})", fr_date(s.on), s.channel),
            format!("Objet : {}", s.subject),
            format!("Factures : {}", s.invoices.join(", ")),
        ];
        if let Some(t) = &s.tracking_number {
            lines.push(format!("Lettre recommandée n° {t}"));
        }
        lines.push(String::new());
        lines.extend(s.body.lines().map(str::to_owned));
        exhibits.push(Exhibit {
            title: format!("{what} du {} ({})", s.on.format("%d/%m/%Y"), s.channel),
            content: ExhibitContent::Text(lines),
        });
    }
    let history: Vec<String> = docs
        .iter()
        .flat_map(|doc| {
            let mut lines = vec![format!("Facture n° {}", doc.number)];
            if doc.statuses.is_empty() {
                lines.push("  aucun statut reçu de la plateforme".to_owned());
            }
            lines.extend(doc.statuses.iter().map(|(c, at, r)| format!("  {}", status_line(*c, *at, r.as_deref()))));
            // A partial agreement is no platform status: it is stated as what it is.
            lines.extend(doc.agreements.iter().map(|a| {
                format!(
                    "  {} accord partiel (litige n° {}) : {} abandonnés, non réclamés",
                    a.at.format("%d/%m/%Y %H:%M"),
                    a.dispute_id,
                    encours_documents::format::money(&Money::new(a.not_accepted, doc.currency))
                )
            }));
            lines
        })
        .collect();
    exhibits.push(Exhibit {
        title: "Historique des statuts du cycle de vie des factures (plateforme agréée)".to_owned(),
        content: ExhibitContent::Text(history),
    });
    let city = debtor.facts.address.city.trim();
    let court = Court {
        name: if city.is_empty() {
            "Tribunal de commerce du siège du débiteur".to_owned()
        } else {
            format!("Tribunal de commerce compétent pour {city} (siège du débiteur)")
        },
        address: None,
    };
    notes.push("le tribunal de commerce est à confirmer d'après le code postal du débiteur (CPC 1406)".to_owned());
    let amount = total(&docs, &debtor.accepted);
    // The nature of the claim says which invoices are claimed for their accepted part only.
    let mut basis = "Fourniture de biens et prestations de services facturées et non réglées à leur échéance, \
                     conformément à nos conditions générales de vente (pénalités : article L441-10 du Code de commerce \
                     ; indemnité forfaitaire : article D441-5)"
        .to_owned();
    for n in claim_notes(&docs, &debtor.accepted) {
        basis.push_str(" ; ");
        basis.push_str(&n);
    }
    let dossier = InjonctionDossier {
        creditor: cr.party.clone(),
        letterhead: cr.letterhead.clone(),
        creditor_legal_form: cr.legal_form.clone(),
        debtor: debtor.party(),
        debtor_legal_form: store::client_legal_form(d, client)?.unwrap_or_default(),
        court,
        place: cr.place.clone(),
        date: as_of,
        reference: format!("IP-{}-C{}", as_of.format("%Y%m%d"), client),
        basis,
        invoices: docs.iter().map(|x| row(x, as_of, &debtor.accepted)).collect(),
        legal: Some(legal),
        mise_en_demeure,
        exhibits,
        signature: cr.signature.clone(),
    };
    let pdf = encours_documents::render_injonction(&dossier).map_err(render_error(kind))?;
    Ok(RenderedDocument {
        pdf,
        kind,
        client_id: client,
        client_name: debtor.facts.name.clone(),
        invoices: docs.len(),
        amount,
        notes,
    })
}

/// The BODACC publication date a procedure's note gives, if any: the first ISO (2026-10-12) or
/// French (12/10/2026) date after the word "BODACC" or "publi".
pub fn publication_date_in_note(note: &str) -> Option<NaiveDate> {
    let lower = note.to_lowercase();
    let start = ["bodacc", "publi"].iter().filter_map(|w| lower.find(w)).min()?;
    let tail = note.get(start..)?;
    let words: Vec<&str> =
        tail.split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '(' || c == ')').collect();
    words.iter().find_map(|w| {
        let w = w.trim_matches(|c: char| !c.is_ascii_digit());
        NaiveDate::parse_from_str(w, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(w, "%d/%m/%Y")).ok()
    })
}

fn procedure_kind(kind: &str) -> ProcedureKind {
    let k = kind.to_lowercase();
    if k.contains("liquid") {
        ProcedureKind::LiquidationJudiciaire
    } else if k.contains("sauvegarde") || k.contains("safeguard") {
        ProcedureKind::Sauvegarde
    } else {
        ProcedureKind::RedressementJudiciaire
    }
}

fn declaration(
    d: &Dossier,
    cr: &Creditor,
    rates: &LegalRates,
    client: i64,
    as_of: NaiveDate,
) -> Result<RenderedDocument, ApiError> {
    let kind = DocumentKind::Declaration;
    let case = store::insolvency(d, client)?;
    let facts = encours_store::channels::client_facts(d, client)?
        .ok_or_else(|| ApiError::invalid(format!("there is no client {client} in this dossier")))?;
    let Some(case) = case else {
        return Err(not_applicable(
            kind,
            &facts.name,
            "no procédure collective is recorded for it (record the opening judgment in Relances first)",
        ));
    };
    let judgment = case.judgment_on;
    // The amounts due on the day of the opening judgment (L622-25).
    let debtor = debtor(d, client, judgment)?;
    let mut notes = Vec::new();
    let mut born_before = Vec::new();
    for doc in &debtor.documents {
        if doc.receivable <= Decimal::ZERO || doc.open <= Decimal::ZERO {
            continue;
        }
        if let Some(a) = debtor.accepted.get(&doc.id) {
            if a.claimed <= Decimal::ZERO {
                notes.push(format!(
                    "facture {} non déclarée : la partie acceptée est réglée, {}",
                    doc.number,
                    a.refused_fr(doc.currency)
                ));
                continue;
            }
            notes.push(format!(
                "facture {} : seule la partie acceptée est déclarée, {}",
                doc.number,
                a.refused_fr(doc.currency)
            ));
        }
        let fait_generateur = doc.delivery_date.unwrap_or(doc.issue_date);
        if doc.delivery_date.is_none() && doc.issue_date >= judgment.pred_opt().unwrap_or(judgment) {
            notes.push(format!(
                "facture {} : date de livraison inconnue, la date de facture décide (open-data §3.2)",
                doc.number
            ));
        }
        if encours_documents::born_before_judgment(fait_generateur, judgment) {
            born_before.push(doc);
        }
    }
    let mut born_before = one_currency(born_before, &mut notes);
    born_before.sort_by_key(|x| (x.due_date, x.number.clone()));
    if born_before.is_empty() {
        return Err(not_applicable(
            kind,
            &debtor.facts.name,
            &format!("no open invoice was born before the opening judgment of {judgment}"),
        ));
    }
    let (due, to_fall): (Vec<&LedgerDocument>, Vec<&LedgerDocument>) =
        born_before.iter().partition(|x| x.due_date <= judgment);
    let ids: Vec<InvoiceId> = due.iter().map(|x| x.id).collect();
    let bases = penalty_bases(d, &ids)?;
    // Penalties accrued up to the judgment (open-data §3.2); no €40 once the procedure forbids
    // paying on the due date (L441-10 II, legal-rules A.1.1).
    let legal = if due.is_empty() {
        None
    } else {
        Some(
            legal_breakdown(
                &claims(&due, &bases, &debtor.accepted),
                judgment,
                debtor.debtor_kind(),
                CollectiveProceedings::ForbidsPaymentOnDueDate,
                rates,
            )
            .map_err(legal_error)?,
        )
    };
    let published = publication_date_in_note(&case.note);
    let deadline = published.map(|p| declaration_deadline(p, cr.outside_metropole));
    if published.is_none() {
        notes.push(
            "date de publication au BODACC non enregistrée : le délai (deux mois, R622-24) n'est pas daté".to_owned(),
        );
    }
    notes.push("mandataire judiciaire (nom et adresse) à compléter : le dossier ne l'enregistre pas".to_owned());
    let pkind = procedure_kind(&case.kind);
    let mut documents: Vec<String> =
        born_before.iter().map(|x| format!("Facture n° {} du {}", x.number, x.issue_date.format("%d/%m/%Y"))).collect();
    // The invoices accepted in part are declared for that part: the list of pieces says so.
    documents.extend(born_before.iter().filter_map(|x| {
        debtor.accepted.get(&x.id).map(|a| {
            format!(
                "Facture n° {} : {} — seule la partie acceptée, {}, est déclarée",
                x.number,
                a.refused_fr(x.currency),
                encours_documents::format::money(&Money::new(a.claimed, x.currency))
            )
        })
    }));
    documents.push("Conditions générales de vente".to_owned());
    documents.push(format!("Relevé de compte au {}", judgment.format("%d/%m/%Y")));
    // What is declared: the principal (due and to fall due) and the penalties accrued up to the
    // judgment, as the declaration's total says.
    let mut amount = total(&born_before, &debtor.accepted);
    if let Some(p) = legal.as_ref().and_then(|l| l.penalties_total) {
        amount = amount.checked_add(&p).unwrap_or(amount);
    }
    let decl = DeclarationDeCreance {
        creditor: cr.party.clone(),
        letterhead: cr.letterhead.clone(),
        debtor: debtor.party(),
        procedure: Procedure {
            kind: pkind,
            court: format!("Tribunal de commerce ({})", debtor.facts.address.city.trim()),
            judgment_date: judgment,
            bodacc: published.map(|p| BodaccNotice {
                issue: "BODACC A".to_owned(),
                number: String::new(),
                published: p,
            }),
        },
        recipient: Party { name: format!("Maître …, {}", pkind.recipient_title()), ..Party::default() },
        place: cr.place.clone(),
        date: as_of,
        reference: format!("DC-{}-C{}", as_of.format("%Y%m%d"), client),
        deadline,
        due: due.iter().map(|x| row(x, judgment, &debtor.accepted)).collect(),
        legal,
        to_fall_due: to_fall.iter().map(|x| row(x, judgment, &debtor.accepted)).collect(),
        securities: Vec::new(),
        interest_method: None,
        litigation: None,
        documents,
        signature: cr.signature.clone(),
        capacity: DeclarantCapacity::LegalRepresentative,
    };
    let pdf = encours_documents::render_declaration(&decl).map_err(render_error(kind))?;
    Ok(RenderedDocument {
        pdf,
        kind,
        client_id: client,
        client_name: debtor.facts.name.clone(),
        invoices: born_before.len(),
        amount,
        notes,
    })
}

// ---------------------------------------------------------------------------------------------
// Saving.
// ---------------------------------------------------------------------------------------------

/// Writes the PDF under a temporary name and renames it into place: never a half-written file.
fn save(path: &Path, pdf: &[u8]) -> Result<(), ApiError> {
    let io = |e: std::io::Error, what: &Path| ApiError::new(ErrorCode::Io, format!("{}: {e}", what.display()));
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io(e, dir))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".part");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, pdf).map_err(|e| io(e, &tmp))?;
    std::fs::rename(&tmp, path).map_err(|e| io(e, path))
}

fn generated(doc: &RenderedDocument, path: &Path) -> GeneratedLetter {
    let mut amount = doc.amount.round();
    amount.amount.rescale(2);
    GeneratedLetter {
        path: path.display().to_string(),
        kind: doc.kind.code().to_owned(),
        client_id: doc.client_id,
        client_name: doc.client_name.clone(),
        invoices: doc.invoices as u64,
        amount: amount.amount.to_string(),
        currency: amount.currency.to_string(),
        bytes: doc.pdf.len() as u64,
        notes: doc.notes.clone(),
    }
}

/// Generates one document as of `as_of` and saves it: to `out` when it names a `.pdf` file, else
/// into the folder `out` under a name saying what it is (`demeure-2026-11-24-c42-dupont-sa.pdf`).
pub fn generate_letter(
    d: &Dossier,
    request: &LetterRequest,
    as_of: NaiveDate,
    out: &Path,
) -> Result<GeneratedLetter, ApiError> {
    let kind = DocumentKind::parse(&request.kind, request.tone.as_deref())?;
    let doc = render_document(d, kind, &request.target()?, as_of)?;
    let is_file = out.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
    let path = if is_file { out.to_owned() } else { out.join(format!("{}.pdf", doc.file_stem(as_of))) };
    save(&path, &doc.pdf)?;
    Ok(generated(&doc, &path))
}

/// Where a batch is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LetterProgress {
    /// Documents done so far.
    #[ts(type = "number")]
    pub done: u64,
    /// Documents in the batch.
    #[ts(type = "number")]
    pub total: u64,
    /// The client just done.
    pub client_name: String,
}

/// What a batch did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LetterBatchReport {
    /// The date of the plan and of the documents (ISO).
    pub as_of: String,
    /// The folder they were saved in.
    pub folder: String,
    /// The documents saved.
    pub generated: Vec<GeneratedLetter>,
    /// The plan's actions that gave no document, each with why (`client — reason`).
    pub failed: Vec<String>,
    /// The batch was cancelled before its end (the documents already saved are whole and kept).
    #[serde(default)]
    pub cancelled: bool,
}

/// Generates the documents of today's dunning plan into `folder`: a reminder in its tone or a
/// mise en demeure per planned reminder (whatever its channel: an e-mail carries the same letter),
/// an injonction de payer dossier per proposed payment order, a déclaration de créance per
/// proposed claim declaration. A failure (no company details, a rate missing…) is reported for
/// its client and the others go on; `progress` is told after each. `cancel` is read before each
/// document: once set, the batch stops there, keeps what it saved and says it was cancelled.
pub fn generate_plan_letters(
    d: &Dossier,
    as_of: NaiveDate,
    folder: &Path,
    progress: &mut dyn FnMut(&LetterProgress),
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<LetterBatchReport, ApiError> {
    // The company's details are checked once: without them no document can be made.
    creditor(d)?;
    let plan = crate::dunning::dunning_plan(d, as_of)?;
    let mut jobs: Vec<(DocumentKind, Target, String)> = Vec::new();
    let mut seen = HashSet::new();
    for a in &plan.actions {
        let kind = match (a.kind.as_str(), a.tone.as_str()) {
            ("reminder", "mise_en_demeure") => DocumentKind::MiseEnDemeure,
            ("reminder", "courtois") => DocumentKind::Reminder(Tone::Courtois),
            ("reminder", "dernier_avis") => DocumentKind::Reminder(Tone::DernierAvis),
            ("reminder", _) => DocumentKind::Reminder(Tone::Ferme),
            ("payment_order", _) => DocumentKind::Injonction,
            ("claim_declaration", _) => DocumentKind::Declaration,
            _ => continue,
        };
        if seen.insert((kind.code(), a.client_id)) {
            // A reminder is about the action's invoices; the other documents about the account.
            let target = match kind {
                DocumentKind::Reminder(_) | DocumentKind::MiseEnDemeure if !a.invoices.is_empty() => Target::Invoices {
                    client: a.client_id,
                    numbers: a.invoices.iter().map(|i| i.number.to_string()).collect(),
                },
                _ => Target::Client(a.client_id),
            };
            jobs.push((kind, target, a.client_name.to_string()));
        }
    }
    let total = jobs.len() as u64;
    let mut report = LetterBatchReport {
        as_of: as_of.to_string(),
        folder: folder.display().to_string(),
        generated: Vec::new(),
        failed: Vec::new(),
        cancelled: false,
    };
    for (i, (kind, target, name)) in jobs.into_iter().enumerate() {
        if cancel.load(std::sync::atomic::Ordering::Relaxed) {
            report.cancelled = true;
            break;
        }
        let outcome = render_document(d, kind, &target, as_of).and_then(|doc| {
            let path = folder.join(format!("{}.pdf", doc.file_stem(as_of)));
            save(&path, &doc.pdf)?;
            Ok(generated(&doc, &path))
        });
        match outcome {
            Ok(g) => report.generated.push(g),
            Err(e) => report.failed.push(format!("{name} ({}) — {}", kind.label_fr(), e.message)),
        }
        progress(&LetterProgress { done: i as u64 + 1, total, client_name: name });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    fn dec(n: i64) -> Decimal {
        Decimal::from(n)
    }

    #[test]
    fn a_pmd_rate_maps_to_its_basis_and_nothing_to_the_legal_default() {
        let terms = |rate| PenaltyTerms { rate, ..PenaltyTerms::default() };
        assert_eq!(
            penalty_basis(&terms(Some(PenaltyRate::Fixed { percent: dec(15) }))),
            PenaltyBasis::Contractual(dec(15))
        );
        assert_eq!(
            penalty_basis(&terms(Some(PenaltyRate::LegalRateMultiple { times: dec(3) }))),
            PenaltyBasis::LegalRateMultiple(dec(3))
        );
        assert_eq!(
            penalty_basis(&terms(Some(PenaltyRate::EcbPlus { points: dec(10) }))),
            PenaltyBasis::EcbPlus(dec(10))
        );
        assert_eq!(penalty_basis(&terms(None)), PenaltyBasis::LegalDefault);
    }

    #[test]
    fn the_publication_date_is_read_after_bodacc_in_either_format() {
        assert_eq!(
            publication_date_in_note("BODACC A n° 123, publié le 2026-10-12"),
            NaiveDate::from_ymd_opt(2026, 10, 12)
        );
        assert_eq!(
            publication_date_in_note("jugement du 01/10/2026 ; publication BODACC 14/10/2026"),
            NaiveDate::from_ymd_opt(2026, 10, 14)
        );
        assert_eq!(publication_date_in_note("appris par le client"), None);
    }

    #[test]
    fn kinds_parse_with_their_tone_and_unknown_ones_are_named() {
        assert_eq!(DocumentKind::parse("reminder", Some("courtois")).unwrap(), DocumentKind::Reminder(Tone::Courtois));
        assert_eq!(DocumentKind::parse("reminder", None).unwrap(), DocumentKind::Reminder(Tone::Ferme));
        assert_eq!(DocumentKind::parse("demeure", None).unwrap(), DocumentKind::MiseEnDemeure);
        let e = DocumentKind::parse("facture", None).unwrap_err();
        assert!(e.message.contains("facture") && e.message.contains("declaration"), "{e:?}");
    }
}
