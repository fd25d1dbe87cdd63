//! One client's ledger, simulated in date order and streamed out as it goes.
//!
//! The client's documents are issued on sorted dates ("slots"). Before each slot, every payment
//! planned on or before that date is written; then the slot becomes either a credit note (when a
//! dispute, a return or a refusal is waiting for one) or a new invoice. Only what is still in
//! flight is kept in memory: invoices waiting for a payment (a heap ordered by planned payment
//! date) and invoices waiting for a credit note. Invoices that will never be paid by `as_of` are
//! forgotten at once; they simply stay open in the store.
//!
//! This order gives the emission contract for free: an invoice is written before anything that
//! names it, a payment before its allocations, a credit note before the allocation that uses it.

use std::cmp::{Ordering, Reverse};
use std::collections::binary_heap::PeekMut;
use std::collections::BinaryHeap;
use std::fmt::Write;

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use encours_domain::{
    AllocationFrom, Dispute, DisputeId, DisputeReason, DisputeState, InvoiceId, LifecycleStatus, Promise, PromiseId,
    PromiseState,
};
use rand::Rng;

use crate::amounts::{eur, Amounts, INTERMEDIATE, REDUCED, STANDARD};
use crate::dates::{at, shift, SortedUniforms, Timeline, REFORM_START};
use crate::draw::{chance, days, normal, pick, weighted_by, DemoRng};
use crate::emit::{Doc, DocKind, DocNumber, Out, StatusOut};
use crate::party::{Context, Profile};
use crate::words::VatProfile;
use crate::DemoSink;

/// Why a client disputes an invoice (status 207), what it asks for, and how much credit it gets.
struct Reason {
    /// MDT-113 reason code (legal-rules.md B.2).
    code: &'static str,
    text: &'static str,
    /// MDT-121 requested action: NIN "Créer une facture rectificative", CNF "Créer un avoir total".
    action: Option<(&'static str, &'static str)>,
    /// Share of the invoice credited, in per mille; `None` when the dispute ends without a credit note.
    credit: Option<(i64, i64)>,
    weight: u32,
}

const NIN: Option<(&str, &str)> = Some(("NIN", "Créer une facture rectificative"));
const CNF: Option<(&str, &str)> = Some(("CNF", "Créer un avoir total"));

const REASONS: &[Reason] = &[
    Reason {
        code: "QTE_ERR",
        text: "Quantité facturée supérieure à la quantité livrée",
        action: NIN,
        credit: Some((100, 400)),
        weight: 24,
    },
    Reason {
        code: "PU_ERR",
        text: "Prix unitaire différent du tarif négocié",
        action: NIN,
        credit: Some((50, 200)),
        weight: 22,
    },
    Reason { code: "LIVR_INCOMP", text: "Livraison incomplète", action: NIN, credit: Some((150, 500)), weight: 18 },
    Reason {
        code: "QUALITE_ERR",
        text: "Marchandise non conforme ou endommagée",
        action: NIN,
        credit: Some((100, 600)),
        weight: 12,
    },
    Reason {
        code: "REM_ERR",
        text: "Remise contractuelle non appliquée",
        action: NIN,
        credit: Some((30, 100)),
        weight: 6,
    },
    Reason { code: "TX_TVA_ERR", text: "Taux de TVA erroné", action: CNF, credit: Some((1000, 1000)), weight: 6 },
    Reason { code: "DOUBLON", text: "Facture déjà reçue", action: CNF, credit: Some((1000, 1000)), weight: 6 },
    Reason { code: "CMD_EJ_ERR", text: "Numéro de commande absent ou erroné", action: None, credit: None, weight: 6 },
];

/// Reasons for 210 Refusée: only regulatory or contractual ones, never a disagreement on content,
/// which is 207 (XP Z12-014 §4.2).
const REFUSALS: &[(&str, &str)] = &[
    ("REF_CT_ABSENT", "Référence du contrat absente"),
    ("TRANSAC_INC", "Transaction inconnue"),
    ("DEST_ERR", "Destinataire erroné"),
    ("SIRET_ERR", "SIRET du destinataire erroné"),
];

/// Share of post-reform invoices refused (210).
const REFUSAL_RATE: f64 = 0.004;

/// Open invoices older than this at `as_of` with a dispute still waiting are closed as unfounded.
const OPEN_DISPUTE_DAYS: i64 = 90;

/// An invoice as the ledger follows it after issue.
#[derive(Clone, Copy, Debug)]
struct Item {
    id: InvoiceId,
    number: DocNumber,
    amounts: Amounts,
    /// Cents not yet settled.
    open: i64,
    /// Time of its last lifecycle status; `None` when it has none (issued before the reform).
    last_status: Option<NaiveDateTime>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Full,
    Deposit,
    Balance,
}

/// A planned payment of (part of) one invoice.
#[derive(Debug)]
struct Due {
    date: NaiveDate,
    seq: u64,
    item: Item,
    amount: i64,
    /// Date of the balance after a deposit; `None` leaves the balance open.
    then: Option<NaiveDate>,
    part: Part,
    /// Paid on its own, never within a pay run (deposits, balances, promised payments).
    solo: bool,
}

#[derive(Clone, Copy, Debug)]
enum Cause {
    Dispute { opened: NaiveDate, reason: &'static Reason },
    Return,
    Refusal,
}

/// An invoice waiting for a credit note.
#[derive(Debug)]
struct Pending {
    earliest: NaiveDate,
    seq: u64,
    item: Item,
    credit: Amounts,
    cause: Cause,
    /// When the client would pay what remains after the credit note.
    resume: Option<NaiveDate>,
}

impl std::fmt::Debug for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code)
    }
}

macro_rules! order_by_date_then_seq {
    ($t:ty, $date:ident) => {
        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                (self.$date, self.seq) == (other.$date, other.seq)
            }
        }
        impl Eq for $t {}
        impl PartialOrd for $t {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Ord for $t {
            fn cmp(&self, other: &Self) -> Ordering {
                (self.$date, self.seq).cmp(&(other.$date, other.seq))
            }
        }
    };
}
order_by_date_then_seq!(Due, date);
order_by_date_then_seq!(Pending, earliest);

/// The in-flight state of the current client; reused from one client to the next.
#[derive(Default)]
pub(crate) struct Ledger {
    dues: BinaryHeap<Reverse<Due>>,
    pending: BinaryHeap<Reverse<Pending>>,
    batch: Vec<Due>,
    seq: u64,
    next_po: u64,
}

/// What the ledger functions share for one client.
struct Client<'a> {
    p: &'a Profile,
    tl: &'a Timeline,
}

impl Ledger {
    /// Writes one client and all its documents, payments and events.
    pub(crate) fn run<S: DemoSink>(
        &mut self,
        out: &mut Out<'_, S>,
        p: &Profile,
        ctx: &Context,
        rng: &mut DemoRng,
    ) -> Result<(), S::Error> {
        let c = Client { p, tl: &ctx.timeline };
        out.client(p)?;
        self.dues.clear();
        self.pending.clear();
        self.next_po = p.po_base.unwrap_or(0);
        let mut slots = SortedUniforms::new(p.docs);
        while let Some(u) = slots.next(rng) {
            let day = c.tl.date(c.tl.day_at(p.first_day, p.last_day, u));
            self.pay_until(out, &c, rng, day)?;
            let ready = match self.pending.peek_mut() {
                Some(top) if top.0.earliest <= day => Some(PeekMut::pop(top).0),
                _ => None,
            };
            match ready {
                Some(w) => self.credit_note(out, &c, rng, day, w)?,
                None => self.invoice(out, &c, rng, day)?,
            }
        }
        self.close_pending(out, &c, rng)?;
        self.pay_until(out, &c, rng, NaiveDate::MAX)
    }

    /// Plans a payment; drops it when it falls after `as_of` (not paid yet) or after the day a
    /// failing client stopped paying. Returns the booking date when planned.
    #[allow(clippy::too_many_arguments)]
    fn schedule(
        &mut self,
        c: &Client<'_>,
        date: NaiveDate,
        item: Item,
        amount: i64,
        then: Option<NaiveDate>,
        part: Part,
        solo: bool,
    ) -> Option<NaiveDate> {
        let mut d = date;
        if let (Some(day), false) = (c.p.pay_day, solo) {
            d = pay_run(d, day);
        }
        d = c.tl.next_business_day(d);
        if d > c.tl.as_of || c.p.habit.stop_paying().is_some_and(|s| d > s) || amount <= 0 {
            return None;
        }
        self.seq += 1;
        self.dues.push(Reverse(Due { date: d, seq: self.seq, item, amount, then, part, solo }));
        Some(d)
    }

    /// Writes every planned payment dated on or before `limit`, one payment per pay run for
    /// clients that pay in batches.
    fn pay_until<S: DemoSink>(
        &mut self,
        out: &mut Out<'_, S>,
        c: &Client<'_>,
        rng: &mut DemoRng,
        limit: NaiveDate,
    ) -> Result<(), S::Error> {
        let mut batch = std::mem::take(&mut self.batch);
        while let Some(date) = self.dues.peek().map(|Reverse(d)| d.date).filter(|d| *d <= limit) {
            batch.clear();
            while let Some(Reverse(d)) = self.dues.peek() {
                if d.date != date {
                    break;
                }
                if let Some(Reverse(d)) = self.dues.pop() {
                    batch.push(d);
                }
            }
            // Pay-run entries first (stable sort keeps their planning order), then solo ones.
            let grouped = if c.p.pay_day.is_some() {
                batch.sort_by_key(|d| d.solo);
                batch.iter().position(|d| d.solo).unwrap_or(batch.len())
            } else {
                0
            };
            if grouped > 0 {
                self.pay(out, c, rng, date, &batch[..grouped])?;
            }
            for i in grouped..batch.len() {
                self.pay(out, c, rng, date, &batch[i..=i])?;
            }
        }
        self.batch = batch;
        Ok(())
    }

    /// Writes one payment settling `entries`, its allocations and the statuses around it.
    fn pay<S: DemoSink>(
        &mut self,
        out: &mut Out<'_, S>,
        c: &Client<'_>,
        rng: &mut DemoRng,
        date: NaiveDate,
        entries: &[Due],
    ) -> Result<(), S::Error> {
        let total: i64 = entries.iter().map(|e| e.amount).sum();
        let style = c.p.remittance_style;
        let payment = out.payment(date, total, |r| remittance(r, entries, style, date))?;
        for e in entries {
            let mut item = e.item;
            if c.p.sends_211 {
                let day = shift(date, -days(rng, 1, 2));
                if let Some(t) = stamp(c.tl, rng, &mut item.last_status, day, (9, 17)) {
                    let amounts = [("MPA", e.amount, None)];
                    out.status(&status(item.id, LifecycleStatus::PaiementTransmis, t, &amounts))?;
                }
            }
            out.allocation(item.id, AllocationFrom::Payment(payment), e.amount, date)?;
            item.open -= e.amount;
            if c.p.sends_212 {
                let day = shift(date, days(rng, 0, 2));
                if let Some(t) = stamp(c.tl, rng, &mut item.last_status, day, (8, 18)) {
                    let mut men = [(0, 0); 2];
                    let n = item.amounts.split_by_rate(e.amount, &mut men);
                    let amounts = [("MEN", men[0].1, Some(men[0].0)), ("MEN", men[1].1, Some(men[1].0))];
                    out.status(&status(item.id, LifecycleStatus::Encaissee, t, &amounts[..n]))?;
                }
            }
            if let (Some(next), true) = (e.then, item.open > 0) {
                self.schedule(c, next, item, item.open, None, Part::Balance, true);
            }
        }
        Ok(())
    }

    /// Issues an invoice on `day` and decides its fate: refused, disputed, partly returned,
    /// promised, paid in two parts, paid in full, or left open.
    fn invoice<S: DemoSink>(
        &mut self,
        out: &mut Out<'_, S>,
        c: &Client<'_>,
        rng: &mut DemoRng,
        day: NaiveDate,
    ) -> Result<(), S::Error> {
        let (p, tl) = (c.p, c.tl);
        let kind = if chance(rng, p.down_payment_rate) { DocKind::DownPayment } else { DocKind::Invoice };
        let amounts = draw_amounts(rng, p);
        let due = p.client.terms.due_date(day);
        let delivery = (p.process != "S1").then(|| shift(day, -days(rng, 0, 4)));
        let order_ref = match p.po_base {
            Some(_) if chance(rng, 0.85) => {
                self.next_po += rng.random_range(1..=40);
                Some(self.next_po)
            }
            _ => None,
        };
        let doc = Doc { kind, issue: day, due, delivery, amounts: &amounts, order_ref, preceding: None };
        let (id, number) = out.document(&doc)?;
        let mut item = Item { id, number, amounts, open: amounts.total(), last_status: None };
        if day >= REFORM_START {
            transmitted(out, tl, rng, id, day, &mut item.last_status)?;
        }
        let habit = p.habit;

        if item.last_status.is_some() && chance(rng, REFUSAL_RATE) {
            let &(code, text) = pick(rng, REFUSALS);
            let refused_on = shift(day, days(rng, 1, 6));
            if let Some(t) = stamp(tl, rng, &mut item.last_status, refused_on, (9, 18)) {
                let s = StatusOut { reason: Some((code, text)), ..status(id, LifecycleStatus::Refusee, t, &[]) };
                out.status(&s)?;
                let earliest = shift(refused_on, days(rng, 1, 5));
                self.wait_for_credit(earliest, item, amounts, Cause::Refusal, None);
                return Ok(());
            }
        }

        if chance(rng, habit.dispute_rate()) {
            let opened = shift(day, days(rng, 5, 30));
            if opened <= tl.as_of {
                return self.dispute(out, c, rng, item, day, due, opened);
            }
        }

        if chance(rng, habit.return_rate()) {
            self.acknowledge(out, tl, rng, &mut item, day)?;
            let resume = habit.planned_payment(day, due, rng);
            let credit = amounts.share(days(rng, 50, 400));
            self.wait_for_credit(shift(day, days(rng, 4, 20)), item, credit, Cause::Return, resume);
            return Ok(());
        }

        self.acknowledge(out, tl, rng, &mut item, day)?;
        if chance(rng, habit.approval_rate()) {
            let approved_on = shift(day, days(rng, 2, 14));
            if let Some(t) = stamp(tl, rng, &mut item.last_status, approved_on, (9, 18)) {
                out.status(&status(id, LifecycleStatus::Approuvee, t, &[]))?;
            }
        }
        let planned = habit.planned_payment(day, due, rng);
        let late = planned.is_none_or(|d| d > shift(due, 20));
        if late && chance(rng, habit.promise_rate(due)) {
            let made_on = shift(due, days(rng, 8, 25));
            if made_on <= tl.as_of {
                return self.promise(out, c, rng, item, made_on, planned);
            }
        }
        let Some(pay_on) = planned else { return Ok(()) };
        if item.open >= 20_000 && chance(rng, habit.partial_rate(due)) {
            let deposit = deposit(rng, item.open);
            let then = shift(pay_on, days(rng, 15, 60));
            self.schedule(c, pay_on, item, deposit, Some(then), Part::Deposit, true);
        } else {
            self.schedule(c, pay_on, item, item.open, None, Part::Full, false);
        }
        Ok(())
    }

    /// 204 Prise en charge, for most buyers a day or two after the invoice is made available.
    fn acknowledge<S: DemoSink>(
        &mut self,
        out: &mut Out<'_, S>,
        tl: &Timeline,
        rng: &mut DemoRng,
        item: &mut Item,
        day: NaiveDate,
    ) -> Result<(), S::Error> {
        if item.last_status.is_some() && chance(rng, 0.6) {
            let taken_on = shift(day, days(rng, 1, 3));
            if let Some(t) = stamp(tl, rng, &mut item.last_status, taken_on, (9, 18)) {
                out.status(&status(item.id, LifecycleStatus::PriseEnCharge, t, &[]))?;
            }
        }
        Ok(())
    }

    fn wait_for_credit(
        &mut self,
        earliest: NaiveDate,
        item: Item,
        credit: Amounts,
        cause: Cause,
        resume: Option<NaiveDate>,
    ) {
        self.seq += 1;
        self.pending.push(Reverse(Pending { earliest, seq: self.seq, item, credit, cause, resume }));
    }

    /// A disputed invoice: 207 En litige, then either a credit note on a later slot, or (for a
    /// missing purchase-order number) a resolution without one.
    #[allow(clippy::too_many_arguments)]
    fn dispute<S: DemoSink>(
        &mut self,
        out: &mut Out<'_, S>,
        c: &Client<'_>,
        rng: &mut DemoRng,
        mut item: Item,
        day: NaiveDate,
        due: NaiveDate,
        opened: NaiveDate,
    ) -> Result<(), S::Error> {
        let tl = c.tl;
        let reason = weighted_by(rng, REASONS, |r| r.weight);
        self.acknowledge(out, tl, rng, &mut item, day)?;
        if let Some(t) = stamp(tl, rng, &mut item.last_status, opened, (9, 18)) {
            let s = StatusOut {
                reason: Some((reason.code, reason.text)),
                action: reason.action,
                ..status(item.id, LifecycleStatus::EnLitige, t, &[])
            };
            out.status(&s)?;
        }
        let resume = c.p.habit.planned_payment(day, due, rng);
        if let Some((lo, hi)) = reason.credit {
            let credit = item.amounts.share(days(rng, lo, hi));
            let earliest = shift(opened, days(rng, 10, 45));
            self.wait_for_credit(earliest, item, credit, Cause::Dispute { opened, reason }, resume);
            return Ok(());
        }
        let resolved = shift(opened, days(rng, 7, 25));
        let mut d = Dispute {
            id: DisputeId(0),
            client_id: c.p.id(),
            invoice_ids: vec![item.id],
            opened_on: opened,
            reason: DisputeReason::from_afnor(reason.code),
            disputed_amount: eur(item.open),
            state: DisputeState::Open,
            resolved_on: None,
            note: format!("{} : vérification en cours", reason.text),
        };
        if resolved <= tl.as_of {
            if let Some(t) = stamp(tl, rng, &mut item.last_status, resolved, (9, 18)) {
                out.status(&status(item.id, LifecycleStatus::Completee, t, &[]))?;
            }
            d.state = DisputeState::Resolved;
            d.resolved_on = Some(resolved);
            d.note = format!("{} : référence communiquée, facture maintenue", reason.text);
            if let Some(r) = resume {
                let pay_on = r.max(shift(resolved, days(rng, 5, 15)));
                self.schedule(c, pay_on, item, item.open, None, Part::Full, true);
            }
        }
        out.dispute(d)
    }

    /// A late invoice brings a promise to pay; kept, broken or still pending at `as_of`.
    ///
    /// The state is made consistent with `Promise::state_on`: a kept promise is followed by a
    /// payment of the full amount; a broken one leaves the invoice unpaid at `as_of` (so only
    /// recent promises are broken, as a credit manager would still be chasing them).
    fn promise<S: DemoSink>(
        &mut self,
        out: &mut Out<'_, S>,
        c: &Client<'_>,
        rng: &mut DemoRng,
        item: Item,
        made_on: NaiveDate,
        planned: Option<NaiveDate>,
    ) -> Result<(), S::Error> {
        let tl = c.tl;
        let promised_for = shift(made_on, days(rng, 7, 21));
        let amount = item.open;
        let state = if promised_for >= tl.as_of {
            PromiseState::Pending
        } else if planned.is_some() && (promised_for < shift(tl.as_of, -120) || chance(rng, 0.6)) {
            let pay_on = shift(promised_for, -days(rng, 0, 3)).max(made_on);
            match self.schedule(c, pay_on, item, amount, None, Part::Full, true) {
                Some(_) => PromiseState::Kept,
                None => PromiseState::Broken,
            }
        } else {
            PromiseState::Broken
        };
        out.promise(Promise {
            id: PromiseId(0),
            client_id: c.p.id(),
            invoice_ids: vec![item.id],
            made_on,
            promised_for,
            amount: eur(amount),
            state,
        })
    }

    /// Turns the slot on `day` into the credit note an invoice was waiting for.
    fn credit_note<S: DemoSink>(
        &mut self,
        out: &mut Out<'_, S>,
        c: &Client<'_>,
        rng: &mut DemoRng,
        day: NaiveDate,
        w: Pending,
    ) -> Result<(), S::Error> {
        let tl = c.tl;
        let mut item = w.item;
        if let Cause::Return = w.cause {
            let approved_on = shift(day, -1);
            if let Some(t) = stamp(tl, rng, &mut item.last_status, approved_on, (9, 17)) {
                let approved = item.amounts.taxable() - w.credit.taxable();
                let amounts = [("MAP", approved, None), ("MNA", w.credit.taxable(), None)];
                out.status(&status(item.id, LifecycleStatus::ApprouveePartiellement, t, &amounts))?;
            }
        }
        let doc = Doc {
            kind: DocKind::CreditNote,
            issue: day,
            due: day,
            delivery: None,
            amounts: &w.credit,
            order_ref: None,
            preceding: Some(item.number),
        };
        let (credit_id, credit_number) = out.document(&doc)?;
        // The internal credit note cancelling a refused invoice is neither transmitted nor
        // reported (XP Z12-014 §4.2): no lifecycle for it.
        if day >= REFORM_START && !matches!(w.cause, Cause::Refusal) {
            transmitted(out, tl, rng, credit_id, day, &mut None)?;
        }
        let amount = w.credit.total().min(item.open);
        out.allocation(item.id, AllocationFrom::CreditNote(credit_id), amount, day)?;
        item.open -= amount;
        if let Cause::Dispute { opened, reason } = w.cause {
            out.dispute(Dispute {
                id: DisputeId(0),
                client_id: c.p.id(),
                invoice_ids: vec![item.id],
                opened_on: opened,
                reason: DisputeReason::from_afnor(reason.code),
                disputed_amount: eur(amount),
                state: DisputeState::Resolved,
                resolved_on: Some(day),
                note: format!("{} : avoir {credit_number} émis", reason.text),
            })?;
        }
        if let (Some(resume), true) = (w.resume, item.open > 0) {
            let pay_on = resume.max(shift(day, days(rng, 3, 20)));
            self.schedule(c, pay_on, item, item.open, None, Part::Balance, true);
        }
        Ok(())
    }

    /// The client has no slot left for the credit notes still awaited: recent disputes stay open,
    /// old ones are closed as unfounded and paid, returns are paid in full, refused invoices stay
    /// refused.
    fn close_pending<S: DemoSink>(
        &mut self,
        out: &mut Out<'_, S>,
        c: &Client<'_>,
        rng: &mut DemoRng,
    ) -> Result<(), S::Error> {
        let tl = c.tl;
        while let Some(Reverse(w)) = self.pending.pop() {
            match w.cause {
                Cause::Dispute { opened, reason } => {
                    let recent = (tl.as_of - opened).num_days() <= OPEN_DISPUTE_DAYS;
                    let resolved = w.earliest.min(tl.as_of);
                    let mut d = Dispute {
                        id: DisputeId(0),
                        client_id: c.p.id(),
                        invoice_ids: vec![w.item.id],
                        opened_on: opened,
                        reason: DisputeReason::from_afnor(reason.code),
                        disputed_amount: eur(w.credit.total().min(w.item.open)),
                        state: DisputeState::Open,
                        resolved_on: None,
                        note: format!("{} : vérification en cours", reason.text),
                    };
                    if !recent {
                        d.state = DisputeState::Resolved;
                        d.resolved_on = Some(resolved);
                        d.note = format!("{} : réclamation non fondée, facture maintenue", reason.text);
                        if let Some(r) = w.resume {
                            let pay_on = r.max(shift(resolved, days(rng, 5, 20)));
                            self.schedule(c, pay_on, w.item, w.item.open, None, Part::Full, true);
                        }
                    }
                    out.dispute(d)?;
                }
                Cause::Return => {
                    if let Some(r) = w.resume {
                        self.schedule(c, r, w.item, w.item.open, None, Part::Full, false);
                    }
                }
                Cause::Refusal => {}
            }
        }
        Ok(())
    }
}

/// A status without reason, action or amounts unless the caller adds them.
fn status<'a>(
    invoice: InvoiceId,
    status: LifecycleStatus,
    at: NaiveDateTime,
    amounts: &'a [(&'a str, i64, Option<u16>)],
) -> StatusOut<'a> {
    StatusOut { invoice, status, at, reason: None, action: None, amounts }
}

/// The time of a status on `day`, after the invoice's previous status and no later than the end of
/// `as_of`; `None` (and nothing written) otherwise, or when the invoice has no lifecycle.
fn stamp(
    tl: &Timeline,
    rng: &mut DemoRng,
    last: &mut Option<NaiveDateTime>,
    day: NaiveDate,
    hours: (u32, u32),
) -> Option<NaiveDateTime> {
    let previous = (*last)?;
    // People and platforms act on working days.
    let day = tl.next_business_day(day);
    let mut t = at(day, rng.random_range(hours.0..=hours.1), rng.random_range(0..60));
    if t <= previous {
        t = previous + TimeDelta::minutes(rng.random_range(3..=90));
    }
    if t > tl.as_of_end {
        return None;
    }
    *last = Some(t);
    Some(t)
}

/// 200 Déposée and 203 Mise à disposition on the issue day: the two transmission statuses every
/// e-invoice gets. Starts the document's lifecycle (`last` becomes `Some`).
fn transmitted<S: DemoSink>(
    out: &mut Out<'_, S>,
    tl: &Timeline,
    rng: &mut DemoRng,
    id: InvoiceId,
    day: NaiveDate,
    last: &mut Option<NaiveDateTime>,
) -> Result<(), S::Error> {
    let deposited = at(day, rng.random_range(7..=18), rng.random_range(0..60));
    if deposited > tl.as_of_end {
        return Ok(());
    }
    out.status(&status(id, LifecycleStatus::Deposee, deposited, &[]))?;
    *last = Some(deposited);
    if let Some(t) = stamp(tl, rng, last, day, (0, 0)) {
        out.status(&status(id, LifecycleStatus::MiseADisposition, t, &[]))?;
    }
    Ok(())
}

/// The first pay run on or after `d` for a client paying on day `pay_day` of each month.
fn pay_run(d: NaiveDate, pay_day: u32) -> NaiveDate {
    let this_month = d.with_day(pay_day.min(days_in_month(d.year(), d.month())));
    match this_month {
        Some(run) if run >= d => run,
        _ => {
            let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
            NaiveDate::from_ymd_opt(y, m, pay_day.min(days_in_month(y, m))).unwrap_or(d)
        }
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    match (NaiveDate::from_ymd_opt(year, month, 1), NaiveDate::from_ymd_opt(ny, nm, 1)) {
        (Some(a), Some(b)) => u32::try_from((b - a).num_days()).unwrap_or(28),
        _ => 28,
    }
}

/// Invoice amounts: a log-normal around the client's typical amount, in cents, with the VAT
/// rates of what the seller sells to that trade.
fn draw_amounts(rng: &mut DemoRng, p: &Profile) -> Amounts {
    let taxable = (p.median_cents * (0.75 * normal(rng)).exp()).clamp(1_500.0, 40_000_000.0) as i64;
    match p.vat {
        VatProfile::Standard => Amounts::new(&[(STANDARD, taxable)]),
        VatProfile::Building if chance(rng, 0.15) => Amounts::new(&[(INTERMEDIATE, taxable)]),
        VatProfile::Building => Amounts::new(&[(STANDARD, taxable)]),
        VatProfile::Food => {
            let roll: f64 = rng.random();
            if roll < 0.6 {
                let food = taxable * days(rng, 30, 80) / 100;
                Amounts::new(&[(REDUCED, food), (STANDARD, taxable - food)])
            } else if roll < 0.9 {
                Amounts::new(&[(REDUCED, taxable)])
            } else {
                Amounts::new(&[(STANDARD, taxable)])
            }
        }
    }
}

/// A deposit on an invoice: 30–70 % of it, rounded as people round transfers.
fn deposit(rng: &mut DemoRng, open: i64) -> i64 {
    let raw = open * days(rng, 30, 70) / 100;
    let rounded = match raw {
        500_000.. => raw / 10_000 * 10_000,
        10_000.. => raw / 100 * 100,
        _ => raw,
    };
    rounded.clamp(1, open - 1)
}

/// The remittance text of a transfer, as clients actually write them: one invoice number, a
/// list, or a statement reference when the list does not fit in 140 characters (SEPA).
fn remittance(r: &mut String, entries: &[Due], style: u8, date: NaiveDate) {
    const SEPA_MAX: usize = 140;
    if let [e] = entries {
        let n = e.item.number;
        match (e.part, style) {
            (Part::Deposit, _) => r.push_str("ACOMPTE FACT "),
            (Part::Balance, _) => r.push_str("SOLDE FACT "),
            (Part::Full, 0) => r.push_str("FACT "),
            (Part::Full, 1) => r.push_str("REGLEMENT FACTURE "),
            (Part::Full, 2) => {}
            (Part::Full, _) => {
                // Some clients drop the dash: the matching engine has to cope with it.
                r.push_str("VIREMENT FACT ");
                n.push_to(r);
                if let Some(dash) = r.rfind('-') {
                    r.remove(dash);
                }
                return;
            }
        }
        n.push_to(r);
        return;
    }
    r.push_str("REGLEMENT FACTURES");
    for e in entries {
        if r.len() + 14 > SEPA_MAX {
            r.clear();
            let _ = write!(r, "REGLEMENT RELEVE {:02}/{} {} FACTURES", date.month(), date.year(), entries.len());
            return;
        }
        r.push(' ');
        e.item.number.push_to(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test dates are valid")
    }

    #[test]
    fn pay_runs_fall_on_the_next_run_day() {
        assert_eq!(pay_run(d("2026-03-03"), 10), d("2026-03-10"), "before the run day: this month");
        assert_eq!(pay_run(d("2026-03-10"), 10), d("2026-03-10"), "on the run day: that day");
        assert_eq!(pay_run(d("2026-03-11"), 10), d("2026-04-10"), "after it: next month");
        assert_eq!(pay_run(d("2026-02-27"), 30), d("2026-02-28"), "end-of-month runs in February");
        assert_eq!(pay_run(d("2026-12-31"), 5), d("2027-01-05"), "over the year end");
    }

    #[test]
    fn deposits_leave_a_balance() {
        let mut rng = <DemoRng as rand::SeedableRng>::seed_from_u64(9);
        for open in [20_000, 123_456, 9_999_999] {
            let dep = deposit(&mut rng, open);
            assert!(dep > 0 && dep < open, "a deposit of {dep} on {open} leaves something to pay");
        }
    }

    #[test]
    fn long_remittance_lists_become_a_statement_reference() {
        let item = Item {
            id: InvoiceId(1),
            number: DocNumber { series: 'F', year: 2026, seq: 123 },
            amounts: Amounts::new(&[(STANDARD, 10_000)]),
            open: 12_000,
            last_status: None,
        };
        let due = |seq| Due { date: d("2026-05-10"), seq, item, amount: 1, then: None, part: Part::Full, solo: false };
        let mut r = String::new();
        remittance(&mut r, &[due(1), due(2)], 0, d("2026-05-10"));
        assert_eq!(r, "REGLEMENT FACTURES F2026-000123 F2026-000123", "two numbers are listed");
        r.clear();
        let many: Vec<Due> = (0..20).map(due).collect();
        remittance(&mut r, &many, 0, d("2026-05-10"));
        assert_eq!(r, "REGLEMENT RELEVE 05/2026 20 FACTURES", "twenty numbers do not fit in 140 characters");
    }
}
