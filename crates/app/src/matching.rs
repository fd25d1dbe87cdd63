//! The lettrage of bank payments against open items: running the matching engine over the
//! dossier, applying what is above the automatic threshold, and the reconciliation view with its
//! manual actions (accept, reject, unmatch, set aside). Every change is one unit of work with
//! its audit entry.

use serde::Serialize;
use ts_rs::TS;

/// A client as shown beside a payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClientRef {
    /// Client id in the dossier.
    #[ts(type = "number")]
    pub id: i64,
    /// Name.
    pub name: String,
}

/// One invoice a payment is (or would be) applied to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AllocationView {
    /// Invoice id in the dossier.
    #[ts(type = "number")]
    pub invoice_id: i64,
    /// BT-1 number.
    pub number: String,
    /// Amount applied (decimal string; negative when a credit note is used).
    pub amount: String,
    /// What stays open on the invoice after it (decimal string); empty for an applied allocation.
    pub residual: String,
}

/// Why the engine proposes a match: a code the UI translates and the detail it shows as is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MatchReason {
    /// `structuredReference`, `invoiceNumberInText`, `exactAmount`, `amountCombination`,
    /// `payerIbanKnown`, `payerNameKnown`, `partialPayment`, `overpayment`, `creditNoteOffset`,
    /// `ambiguous`, `amountOnly`.
    pub code: String,
    /// The value behind it (the reference, the number found, how many items…).
    pub detail: String,
}

/// A proposed match for one payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ProposalView {
    /// Stable key of the proposal (to accept or reject it).
    pub key: String,
    /// The client it attributes the payment to.
    pub client: ClientRef,
    /// The invoices it settles.
    pub allocations: Vec<AllocationView>,
    /// What would stay unallocated on the payment (an overpayment; decimal string).
    pub unallocated: String,
    /// Confidence, 0 to 100.
    pub confidence: u8,
    /// Why.
    pub reasons: Vec<MatchReason>,
}

/// A bank payment in the reconciliation view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BankLineView {
    /// Payment id in the dossier.
    #[ts(type = "number")]
    pub payment_id: i64,
    /// Booking date (ISO).
    pub booked_on: String,
    /// Amount received (decimal string).
    pub amount: String,
    /// What is not applied to invoices (decimal string).
    pub unallocated: String,
    /// Currency (ISO 4217).
    pub currency: String,
    /// Payer as the bank wrote it.
    pub payer_name: Option<String>,
    /// Payer IBAN.
    pub payer_iban: Option<String>,
    /// Label, remittance text and references, one per entry.
    pub texts: Vec<String>,
    /// `unmatched`, `auto`, `manual` or `ignored`.
    pub state: String,
    /// The client, once matched.
    pub client: Option<ClientRef>,
    /// Where it is applied, once matched.
    pub allocations: Vec<AllocationView>,
    /// For an unmatched payment: the proposals, best first (rejected ones left out).
    pub proposals: Vec<ProposalView>,
    /// The file and place it was read from.
    pub source: String,
}

/// The reconciliation view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReconciliationView {
    /// The date proposals were computed for (ISO).
    pub as_of: String,
    /// The lines shown (unmatched first, then the others by date).
    pub lines: Vec<BankLineView>,
    /// Bank payments not matched.
    pub unmatched: u32,
    /// Matched automatically.
    pub auto: u32,
    /// Matched by a person.
    pub manual: u32,
    /// Set aside.
    pub ignored: u32,
    /// Confidence from which a proposal is applied automatically.
    pub auto_threshold: u8,
}

/// What a matching run did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MatchRunReport {
    /// Unmatched payments considered.
    pub considered: u32,
    /// Applied automatically.
    pub auto_matched: u32,
    /// Left with at least one proposal to review.
    pub to_review: u32,
    /// Left without any proposal.
    pub without_proposal: u32,
    /// Total applied to invoices by this run (decimal string, EUR).
    pub allocated: String,
    /// One line per payment applied: `payment id: client ← invoices`.
    pub applied: Vec<String>,
}

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::creditor_ref::CreditorRef;
use encours_domain::{Allocation, AllocationFrom, ClientId, InvoiceId, Money, PaymentId};
use encours_engines::matching::{
    self as engine, CreditLine, MatchConfig, MatchIndex, OpenItem, PayerKey, PayerMemory, Proposal, Reason,
};
use encours_store::money_in::{self, BankPaymentRow, MatchState};
use encours_store::{Dossier, LedgerWriter, StoreError};
use rust_decimal::Decimal;

use crate::error::ApiError;

/// Each open item's number and open amount, to describe proposals.
type Numbers = HashMap<InvoiceId, (String, Money)>;

/// Most unmatched lines the reconciliation view computes proposals for at once (the oldest).
pub const VIEW_LIMIT: usize = 500;

/// The engine settings Encours uses: the default threshold, both cores.
fn config() -> MatchConfig {
    MatchConfig { threads: 2, ..MatchConfig::default() }
}

/// The open items of the dossier, with the RF reference Encours prints for each.
fn load_index(d: &Dossier) -> Result<(MatchIndex, Numbers), ApiError> {
    let mut items = Vec::new();
    let mut numbers = HashMap::new();
    money_in::for_each_match_item(d, |r| {
        numbers.insert(r.invoice, (r.number.clone(), r.outstanding));
        items.push(OpenItem {
            invoice: r.invoice,
            client: r.client,
            creditor_ref: Some(CreditorRef::for_invoice(&r.number, r.invoice).as_str().to_owned()),
            number: r.number,
            issue_date: r.issue_date,
            due_date: r.due_date,
            outstanding: r.outstanding,
        });
        Ok(())
    })?;
    Ok((MatchIndex::build_parallel(items, 2), numbers))
}

fn load_memory(d: &Dossier) -> Result<PayerMemory, ApiError> {
    let mut memory = PayerMemory::new();
    // The ledger's matched payments first (oldest facts), then what accepted matches taught
    // (stored facts win: a later fact about the same IBAN or name replaces an earlier one).
    let mut history = money_in::payer_history(d)?;
    history.reverse();
    // History facts use `remember`: a name two clients paid under stays ambiguous instead of
    // going to whichever was read last.
    for (client, iban, name) in history {
        if let Some(iban) = iban.as_deref().and_then(engine::normalise_iban) {
            memory.remember(&PayerKey::Iban(iban), client);
        }
        if let Some(name) = name.as_deref().and_then(engine::normalise_payer_name) {
            memory.remember(&PayerKey::Name(name), client);
        }
    }
    for (kind, value, client) in money_in::payer_memory(d)? {
        memory.remember_stored(&kind, &value, client);
    }
    Ok(memory)
}

fn credit_line(p: &BankPaymentRow) -> CreditLine {
    CreditLine {
        key: u64::try_from(p.payment.0).unwrap_or_default(),
        amount: p.unallocated,
        booked_on: p.booked_on,
        payer_name: p.payer_name.clone(),
        payer_iban: p.payer_iban.clone(),
        texts: p.remittance.iter().flat_map(|r| r.lines()).map(str::to_owned).collect(),
        structured_refs: p.structured_refs.clone(),
    }
}

/// How a proposal is recorded: by whom (state), on which date, for which company, when.
#[derive(Clone, Copy)]
struct Applying<'a> {
    state: MatchState,
    on: NaiveDate,
    company: &'a encours_store::Company,
    now: NaiveDateTime,
}

/// Records a proposal: the credit notes it uses are applied to its invoices first, the payment
/// covers the rest; the payment is attributed to the client and the payer remembered.
fn apply(
    writer: &mut LedgerWriter<'_>,
    memory: &mut PayerMemory,
    line: &CreditLine,
    proposal: &Proposal,
    how: &Applying<'_>,
) -> Result<Vec<String>, StoreError> {
    let Applying { state, on, company, now } = *how;
    let payment = PaymentId(i64::try_from(line.key).unwrap_or_default());
    let mut paid: Vec<(InvoiceId, Money)> = Vec::new();
    let mut credit_notes: Vec<(InvoiceId, Money)> = proposal
        .allocations
        .iter()
        .filter(|(_, m)| m.is_negative())
        .map(|(i, m)| (*i, Money::new(-m.amount, m.currency)))
        .collect();
    for (invoice, settled) in proposal.allocations.iter().filter(|(_, m)| m.is_positive()) {
        let mut rest = *settled;
        for (note, left) in credit_notes.iter_mut() {
            if !rest.is_positive() {
                break;
            }
            let used = if left.amount < rest.amount { *left } else { rest };
            if used.is_positive() {
                let id = writer.next_allocation_id()?;
                let from = AllocationFrom::CreditNote(*note);
                writer.allocation(&Allocation { id, invoice_id: *invoice, from, amount: used, applied_on: on })?;
                *left = Money::new(left.amount - used.amount, left.currency);
                rest = Money::new(rest.amount - used.amount, rest.currency);
            }
        }
        if rest.is_positive() {
            let id = writer.next_allocation_id()?;
            let from = AllocationFrom::Payment(payment);
            writer.allocation(&Allocation { id, invoice_id: *invoice, from, amount: rest, applied_on: on })?;
            paid.push((*invoice, rest));
        }
    }
    writer.set_payment_match(payment, Some(proposal.client), state)?;
    for key in memory.learn(line, proposal.client) {
        writer.learn_payer(key.kind(), key.value(), proposal.client, on)?;
    }
    let collected_at = line.booked_on.and_time(chrono::NaiveTime::MIN);
    crate::collect::after_payment_applied(writer, company, payment, &paid, collected_at, now)
}

fn describe(proposal: &Proposal, numbers: &Numbers) -> String {
    let invoices: Vec<String> = proposal
        .allocations
        .iter()
        .map(|(i, m)| format!("{} {}", numbers.get(i).map(|n| n.0.as_str()).unwrap_or("?"), m.amount))
        .collect();
    format!("client {} ← {} (confidence {})", proposal.client.0, invoices.join(", "), proposal.confidence)
}

/// Runs the matching engine over every unmatched bank payment. With `auto`, applies the
/// proposals above the automatic threshold (one unit of work, one audit entry listing each
/// application); without, only counts what it would propose.
pub fn run_matching(
    d: &mut Dossier,
    today: NaiveDate,
    now: NaiveDateTime,
    auto: bool,
) -> Result<MatchRunReport, ApiError> {
    let (index, numbers) = load_index(d)?;
    let mut memory = load_memory(d)?;
    let rows = money_in::bank_payments(d, Some(MatchState::Unmatched))?;
    let lines: Vec<CreditLine> = rows.iter().map(credit_line).collect();
    let mut rejected: HashMap<u64, HashSet<String>> = HashMap::new();
    for l in &lines {
        let r = money_in::rejections(d, PaymentId(i64::try_from(l.key).unwrap_or_default()))?;
        if !r.is_empty() {
            rejected.insert(l.key, r.into_iter().collect());
        }
    }
    let cfg = config();
    let company = d.company()?;
    let results = engine::auto_matches(&index, &memory, &lines, &cfg);
    let mut consequences = Vec::new();
    let mut report = MatchRunReport {
        considered: u32::try_from(lines.len()).unwrap_or(u32::MAX),
        auto_matched: 0,
        to_review: 0,
        without_proposal: 0,
        allocated: "0".to_owned(),
        applied: Vec::new(),
    };
    let mut allocated = Decimal::ZERO;
    let mut writer = d.writer("matching", now)?;
    for (line, result) in lines.iter().zip(&results) {
        let refused = rejected.get(&line.key);
        let best = result.proposals.iter().find(|p| refused.is_none_or(|r| !r.contains(&p.key())));
        match best {
            Some(p) if result.auto && std::ptr::eq(p, &result.proposals[0]) => {
                if auto {
                    consequences.extend(apply(
                        &mut writer,
                        &mut memory,
                        line,
                        p,
                        &Applying { state: MatchState::Auto, on: today, company: &company, now },
                    )?);
                }
                report.auto_matched += 1;
                allocated += p
                    .allocations
                    .iter()
                    .filter(|(_, m)| m.is_positive())
                    .map(|(_, m)| m.amount)
                    .sum::<Decimal>()
                    - p.allocations.iter().filter(|(_, m)| m.is_negative()).map(|(_, m)| -m.amount).sum::<Decimal>();
                report.applied.push(format!("payment {}: {}", line.key, describe(p, &numbers)));
            }
            Some(_) => report.to_review += 1,
            None => report.without_proposal += 1,
        }
    }
    report.allocated = allocated.to_string();
    if auto && report.auto_matched > 0 {
        writer.commit(
            "matching",
            "match.auto",
            serde_json::json!({ "threshold": cfg.auto_threshold, "applied": report.applied,
                                "consequences": consequences }),
        )?;
    }
    Ok(report)
}

fn reason_view(r: &Reason, numbers: &Numbers) -> MatchReason {
    let number = |i: &InvoiceId| numbers.get(i).map(|n| n.0.clone()).unwrap_or_default();
    let (code, detail) = match r {
        Reason::StructuredReference { reference, .. } => ("structuredReference", reference.clone()),
        Reason::InvoiceNumberInText { text, .. } => ("invoiceNumberInText", text.clone()),
        Reason::ExactAmount => ("exactAmount", String::new()),
        Reason::AmountCombination { count } => ("amountCombination", count.to_string()),
        Reason::NotUnique => ("ambiguous", String::new()),
        Reason::SeveralEqualAmounts { count } => ("ambiguous", count.to_string()),
        Reason::PayerIbanKnown { iban } => ("payerIbanKnown", iban.clone()),
        Reason::PayerNameKnown { name } => ("payerNameKnown", name.clone()),
        Reason::PayerNameSimilar { name, known } => ("payerNameKnown", format!("{name} ≈ {known}")),
        Reason::PayerKnownAsOtherClient { client } => ("payerKnownAsOtherClient", client.0.to_string()),
        Reason::PartialPayment { residual, .. } => ("partialPayment", residual.amount.to_string()),
        Reason::Overpayment { amount } => ("overpayment", amount.amount.to_string()),
        Reason::CreditNoteOffset { credit_note, .. } => ("creditNoteOffset", number(credit_note)),
        Reason::AmountOnly { candidates } => ("amountOnly", candidates.to_string()),
        Reason::Ambiguous { runner_up } => ("ambiguous", runner_up.to_string()),
    };
    MatchReason { code: code.to_owned(), detail }
}

fn proposal_view(p: &Proposal, numbers: &Numbers, names: &HashMap<i64, String>) -> ProposalView {
    ProposalView {
        key: p.key(),
        client: client_ref(p.client, names),
        allocations: p
            .allocations
            .iter()
            .map(|(i, m)| AllocationView {
                invoice_id: i.0,
                number: numbers.get(i).map(|n| n.0.clone()).unwrap_or_default(),
                amount: m.amount.to_string(),
                residual: p
                    .residuals
                    .iter()
                    .find(|(r, _)| r == i)
                    .map(|(_, m)| m.amount.to_string())
                    .unwrap_or_else(|| "0".to_owned()),
            })
            .collect(),
        unallocated: p.unallocated.amount.to_string(),
        confidence: p.confidence,
        reasons: p.reasons.iter().map(|r| reason_view(r, numbers)).collect(),
    }
}

fn client_ref(id: ClientId, names: &HashMap<i64, String>) -> ClientRef {
    ClientRef { id: id.0, name: names.get(&id.0).cloned().unwrap_or_else(|| format!("#{}", id.0)) }
}

fn line_view(
    d: &Dossier,
    row: &BankPaymentRow,
    proposals: Vec<ProposalView>,
    names: &HashMap<i64, String>,
) -> Result<BankLineView, ApiError> {
    let allocations = money_in::payment_allocations(d, row.payment)?
        .into_iter()
        .map(|(i, number, m)| AllocationView {
            invoice_id: i.0,
            number,
            amount: m.amount.to_string(),
            residual: String::new(),
        })
        .collect();
    Ok(BankLineView {
        payment_id: row.payment.0,
        booked_on: row.booked_on.to_string(),
        amount: row.amount.amount.to_string(),
        unallocated: row.unallocated.amount.to_string(),
        currency: row.amount.currency.code().to_owned(),
        payer_name: row.payer_name.clone(),
        payer_iban: row.payer_iban.clone(),
        texts: row.remittance.iter().flat_map(|r| r.lines()).map(str::to_owned).collect(),
        state: row.state.as_str().to_owned(),
        client: row.client.map(|c| client_ref(c, names)),
        allocations,
        proposals,
        source: row.source.clone(),
    })
}

/// The proposals of one line, rejected ones left out.
fn proposals_for(
    d: &Dossier,
    index: &MatchIndex,
    memory: &PayerMemory,
    row: &BankPaymentRow,
) -> Result<Vec<Proposal>, ApiError> {
    let rejected: HashSet<String> = money_in::rejections(d, row.payment)?.into_iter().collect();
    Ok(engine::propose(index, memory, &credit_line(row), &config())
        .into_iter()
        .filter(|p| !rejected.contains(&p.key()))
        .collect())
}

/// The reconciliation view: the unmatched bank payments (the oldest [`VIEW_LIMIT`]) with their
/// proposals; with `all`, the matched and set-aside ones too.
pub fn reconciliation(d: &Dossier, today: NaiveDate, all: bool) -> Result<ReconciliationView, ApiError> {
    let rows = money_in::bank_payments(d, None)?;
    let (index, numbers) = load_index(d)?;
    let memory = load_memory(d)?;
    let names = money_in::client_names(d)?;
    let mut view = ReconciliationView {
        as_of: today.to_string(),
        lines: Vec::new(),
        unmatched: 0,
        auto: 0,
        manual: 0,
        ignored: 0,
        auto_threshold: config().auto_threshold,
    };
    let mut unmatched_shown = 0;
    let mut others = Vec::new();
    for row in &rows {
        match row.state {
            MatchState::Unmatched => {
                view.unmatched += 1;
                if unmatched_shown < VIEW_LIMIT {
                    unmatched_shown += 1;
                    let proposals = proposals_for(d, &index, &memory, row)?
                        .iter()
                        .map(|p| proposal_view(p, &numbers, &names))
                        .collect();
                    view.lines.push(line_view(d, row, proposals, &names)?);
                }
            }
            MatchState::Auto => view.auto += 1,
            MatchState::Manual => view.manual += 1,
            MatchState::Ignored => view.ignored += 1,
        }
        if all && row.state != MatchState::Unmatched {
            others.push(line_view(d, row, Vec::new(), &names)?);
        }
    }
    view.lines.extend(others);
    Ok(view)
}

fn payment_row(d: &Dossier, payment: i64) -> Result<BankPaymentRow, ApiError> {
    money_in::bank_payments(d, None)?
        .into_iter()
        .find(|r| r.payment.0 == payment)
        .ok_or_else(|| ApiError::invalid(format!("no bank payment {payment} in this dossier")))
}

fn fresh_line(d: &Dossier, payment: i64) -> Result<BankLineView, ApiError> {
    let row = payment_row(d, payment)?;
    let names = money_in::client_names(d)?;
    let proposals = if row.state == MatchState::Unmatched {
        let (index, numbers) = load_index(d)?;
        let memory = load_memory(d)?;
        proposals_for(d, &index, &memory, &row)?.iter().map(|p| proposal_view(p, &numbers, &names)).collect()
    } else {
        Vec::new()
    };
    line_view(d, &row, proposals, &names)
}

/// Accepts one of the proposals of an unmatched payment (a person's decision: state `manual`).
pub fn accept_proposal(
    d: &mut Dossier,
    payment: i64,
    key: &str,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<BankLineView, ApiError> {
    let row = payment_row(d, payment)?;
    if row.state != MatchState::Unmatched {
        return Err(ApiError::invalid(format!("payment {payment} is already {}", row.state.as_str())));
    }
    let (index, numbers) = load_index(d)?;
    let mut memory = load_memory(d)?;
    let proposal = proposals_for(d, &index, &memory, &row)?
        .into_iter()
        .find(|p| p.key() == key)
        .ok_or_else(|| ApiError::invalid(format!("the proposal {key} no longer applies to payment {payment}")))?;
    let company = d.company()?;
    let mut writer = d.writer("matching", now)?;
    let consequences = apply(
        &mut writer,
        &mut memory,
        &credit_line(&row),
        &proposal,
        &Applying { state: MatchState::Manual, on: today, company: &company, now },
    )?;
    writer.commit(
        "user",
        "match.accept",
        serde_json::json!({ "payment": payment, "proposal": key, "applied": describe(&proposal, &numbers),
                            "consequences": consequences }),
    )?;
    fresh_line(d, payment)
}

/// Rejects a proposal: it is not proposed again for this payment.
pub fn reject_proposal(d: &mut Dossier, payment: i64, key: &str, now: NaiveDateTime) -> Result<BankLineView, ApiError> {
    payment_row(d, payment)?;
    let mut writer = d.writer("matching", now)?;
    writer.reject_proposal(PaymentId(payment), key)?;
    writer.commit("user", "match.reject", serde_json::json!({ "payment": payment, "proposal": key }))?;
    fresh_line(d, payment)
}

/// Undoes the lettrage of a payment: its invoices are open again, the payment unmatched.
pub fn unmatch_payment(d: &mut Dossier, payment: i64, now: NaiveDateTime) -> Result<BankLineView, ApiError> {
    let row = payment_row(d, payment)?;
    let mut writer = d.writer("matching", now)?;
    let removed = writer.unallocate_payment(PaymentId(payment))?;
    writer.set_payment_match(PaymentId(payment), None, MatchState::Unmatched)?;
    let before: Vec<String> = removed.iter().map(|(i, a)| format!("invoice {} {a}", i.0)).collect();
    writer.commit(
        "user",
        "match.unmatch",
        serde_json::json!({ "payment": payment, "was": row.state.as_str(), "client": row.client.map(|c| c.0),
                            "removed": before }),
    )?;
    fresh_line(d, payment)
}

/// Sets a payment aside: not a customer payment (a supplier refund, interest…).
pub fn ignore_payment(d: &mut Dossier, payment: i64, now: NaiveDateTime) -> Result<BankLineView, ApiError> {
    let row = payment_row(d, payment)?;
    if row.state != MatchState::Unmatched {
        return Err(ApiError::invalid(format!("payment {payment} is {}: unmatch it first", row.state.as_str())));
    }
    let mut writer = d.writer("matching", now)?;
    writer.set_payment_match(PaymentId(payment), None, MatchState::Ignored)?;
    writer.commit("user", "match.ignore", serde_json::json!({ "payment": payment }))?;
    fresh_line(d, payment)
}

/// Matches a payment by hand to invoices named by their numbers (one client's): they are settled
/// oldest due date first, up to what each leaves open; what remains stays unallocated on the
/// payment (a credit). A number that names no open item, or items of several clients, is refused.
pub fn manual_match(
    d: &mut Dossier,
    payment: i64,
    numbers: &[String],
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<BankLineView, ApiError> {
    let row = payment_row(d, payment)?;
    if row.state != MatchState::Unmatched {
        return Err(ApiError::invalid(format!("payment {payment} is already {}", row.state.as_str())));
    }
    let wanted: Vec<String> = numbers.iter().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()).collect();
    if wanted.is_empty() {
        return Err(ApiError::invalid("name at least one invoice number"));
    }
    let mut items: Vec<money_in::MatchItemRow> = Vec::new();
    money_in::for_each_match_item(d, |r| {
        if wanted.contains(&r.number) && r.outstanding.is_positive() {
            items.push(r);
        }
        Ok(())
    })?;
    for n in &wanted {
        if !items.iter().any(|i| &i.number == n) {
            return Err(ApiError::invalid(format!("no open invoice numbered {n}")));
        }
    }
    let client = items[0].client;
    if items.iter().any(|i| i.client != client) {
        return Err(ApiError::invalid("these invoices belong to several clients: match them one client at a time"));
    }
    if items.iter().any(|i| i.outstanding.currency != row.amount.currency) {
        return Err(ApiError::invalid("an invoice is in another currency than the payment"));
    }
    items.sort_by_key(|i| (i.due_date, i.invoice));
    let mut left = row.unallocated.amount;
    let mut allocations = Vec::new();
    for i in &items {
        if left <= Decimal::ZERO {
            break;
        }
        let take = left.min(i.outstanding.amount);
        allocations.push((i.invoice, Money::new(take, i.outstanding.currency)));
        left -= take;
    }
    let proposal_text: Vec<String> = allocations.iter().map(|(i, m)| format!("invoice {} {}", i.0, m.amount)).collect();
    let company = d.company()?;
    let mut memory = load_memory(d)?;
    let line = credit_line(&row);
    let mut writer = d.writer("matching", now)?;
    let mut paid = Vec::new();
    for (invoice, amount) in &allocations {
        let id = writer.next_allocation_id()?;
        let from = AllocationFrom::Payment(PaymentId(payment));
        writer.allocation(&Allocation { id, invoice_id: *invoice, from, amount: *amount, applied_on: today })?;
        paid.push((*invoice, *amount));
    }
    writer.set_payment_match(PaymentId(payment), Some(client), MatchState::Manual)?;
    for key in memory.learn(&line, client) {
        writer.learn_payer(key.kind(), key.value(), client, today)?;
    }
    let collected_at = line.booked_on.and_time(chrono::NaiveTime::MIN);
    let consequences =
        crate::collect::after_payment_applied(&mut writer, &company, PaymentId(payment), &paid, collected_at, now)?;
    writer.commit(
        "user",
        "match.manual",
        serde_json::json!({ "payment": payment, "numbers": wanted, "allocations": proposal_text,
                            "unallocated": left.to_string(), "consequences": consequences }),
    )?;
    fresh_line(d, payment)
}
