//! Clients: how many documents each one gets, who they are, and how they pay.
//!
//! Sizes follow a Pareto law, as receivables portfolios do: a few large accounts carry a large
//! share of the invoicing and many small ones carry the rest. The segment follows from the size,
//! and the legal form, payment terms, invoice amounts and habits follow from the segment.

use chrono::NaiveDate;
use encours_domain::{
    Client, ClientId, Contact, Currency, Iban, NafCode, PaymentTerms, PostalAddress, Siren, Source, VatNumber,
};
use rand::{Rng, SeedableRng};

use crate::dates::{shift, Timeline, WINDOW_DAYS};
use crate::draw::{as_f64, chance, days, normal, pick, weighted, weighted_by, DemoRng};
use crate::habit::{Habit, HabitKind, HABIT_SHARES};
use crate::ident::{french_iban, siret, SirenPlan};
use crate::words::{
    VatProfile, BANK_CODES, BRANDS, BUSINESS_PARKS, CITIES, CREDIT_MANAGERS, FIRST_NAMES, PLACES, RESTAURANTS, SECTORS,
    STREETS, SURNAMES, TREES,
};
use crate::DemoConfig;

/// The generator stream that draws the client sizes; client `i` uses stream `i`.
const SIZE_STREAM: u64 = u64::MAX;

/// Shape of the client-size law: with 1.35, the top fifth of clients carry about two thirds of
/// the documents and, larger accounts placing larger orders, about four fifths of the amounts.
const PARETO_ALPHA: f64 = 1.35;

/// Client segments, by size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Segment {
    Large,
    Mid,
    Small,
}

impl Segment {
    /// Size weights are in per mille of the smallest possible client (Pareto, minimum 1).
    pub(crate) fn of_weight(weight: u64) -> Segment {
        match weight {
            9_000.. => Segment::Large,
            2_000.. => Segment::Mid,
            _ => Segment::Small,
        }
    }

    pub(crate) fn label(&self) -> &'static str {
        match self {
            Segment::Large => "Grands comptes",
            Segment::Mid => "PME",
            Segment::Small => "TPE",
        }
    }
}

/// What every client needs from the configuration.
pub(crate) struct Context {
    pub timeline: Timeline,
    /// `demo:seed=N`, the origin of every record.
    pub origin: String,
    pub sirens: SirenPlan,
}

impl Context {
    pub(crate) fn new(cfg: &DemoConfig) -> Context {
        let mixed = cfg.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
        Context {
            timeline: Timeline::new(cfg.as_of),
            origin: format!("demo:seed={}", cfg.seed),
            sirens: SirenPlan::new(mixed, &cfg.seller_siren),
        }
    }
}

/// The generator of client `index`: one ChaCha stream per client, so a client's portfolio does
/// not depend on how many numbers the previous clients consumed.
pub(crate) fn client_rng(seed: u64, stream: u64) -> DemoRng {
    let mut rng = DemoRng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// What must be known about every client before documents are spread over them: its size, its
/// habit, and the stretch of the window in which it is invoiced.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lifespan {
    /// Size weight in per mille of the smallest client (Pareto, minimum 1, capped so that no client
    /// takes the whole portfolio).
    pub weight: u64,
    pub habit: Habit,
    /// Start of the business relationship.
    pub since: NaiveDate,
    /// Window offsets of the first and last possible issue date.
    pub first_day: u32,
    pub last_day: u32,
}

impl Lifespan {
    /// The weight that decides the client's share of documents: its size times the share of the
    /// window's invoicing it is active for. Without it, clients acquired last year would get a full
    /// two years' worth of invoices packed into a few months, and the portfolio would look far more
    /// recent (and its DSO far longer) than it is.
    pub(crate) fn document_weight(&self, tl: &Timeline) -> u64 {
        let active = tl.activity(self.first_day, self.last_day);
        ((as_f64(i64::try_from(self.weight).unwrap_or(i64::MAX)) * active) as u64).max(1)
    }
}

/// Draws every client's lifespan from one stream of its own (a few dozen bytes per client, so even
/// 50,000 clients cost little), in client order.
pub(crate) fn lifespans(seed: u64, clients: u32, tl: &Timeline) -> Vec<Lifespan> {
    let mut rng = client_rng(seed, SIZE_STREAM);
    // The cap grows with the portfolio so that the largest account of a 120-client demo holds a
    // few percent of the invoices, not half of them, while a 50,000-client benchmark keeps a tail.
    let cap = (f64::from(clients) / 8.0).clamp(20.0, 400.0);
    (0..clients).map(|_| lifespan(&mut rng, tl, cap)).collect()
}

fn lifespan(rng: &mut DemoRng, tl: &Timeline, cap: f64) -> Lifespan {
    let u: f64 = rng.random();
    let weight = ((1.0 - u).powf(-1.0 / PARETO_ALPHA).min(cap) * 1000.0) as u64;
    let mut kind = weighted(rng, HABIT_SHARES);
    // Large accounts rarely fail outright; one drawn as failing is made a prompt payer instead.
    if kind == HabitKind::Deteriorating && Segment::of_weight(weight) == Segment::Large {
        kind = HabitKind::Prompt;
    }
    // Failing clients are old clients: their decline needs a history to show against.
    let old_client = kind == HabitKind::Deteriorating || chance(rng, 0.7);
    let since = if old_client {
        shift(tl.start, -days(rng, 30, 5_000))
    } else {
        tl.date(u32::try_from(days(rng, 0, i64::from(WINDOW_DAYS) - 60)).unwrap_or(0))
    };
    let habit = match kind {
        HabitKind::Prompt => Habit::Prompt,
        HabitKind::Slow => Habit::Slow { mean_late: 12.0 + 28.0 * rng.random::<f64>() },
        HabitKind::Seasonal => Habit::Seasonal,
        HabitKind::Disputing => Habit::Disputing,
        HabitKind::Deteriorating => {
            let stop_paying = shift(tl.as_of, -days(rng, 40, 140));
            Habit::Deteriorating {
                decline_from: shift(stop_paying, -days(rng, 150, 240)),
                stop_paying,
                stop_invoicing: shift(stop_paying, days(rng, 15, 45)).min(tl.as_of),
            }
        }
    };
    let first_day = tl.offset(since);
    let last_day = match habit {
        Habit::Deteriorating { stop_invoicing, .. } => tl.offset(stop_invoicing),
        _ => WINDOW_DAYS,
    }
    .max(first_day);
    Lifespan { weight, habit, since, first_day, last_day }
}

/// Spreads `total` documents over clients in proportion to their weights, exactly: every client
/// gets one first when there are enough, then the rest goes by cumulative rounding (the count of
/// client `i` is ⌊R·Cᵢ/W⌋ − ⌊R·Cᵢ₋₁/W⌋), which sums to `total` without any correction step.
pub(crate) fn spread(total: u64, weights: &[u64]) -> Vec<u64> {
    let n = weights.len() as u64;
    if n == 0 {
        return Vec::new();
    }
    let base = u64::from(total >= n);
    let rest = u128::from(total - base * n);
    let sum: u128 = weights.iter().map(|w| u128::from((*w).max(1))).sum();
    let mut cumulative = 0u128;
    let mut given = 0u128;
    weights
        .iter()
        .map(|w| {
            cumulative += u128::from((*w).max(1));
            let upto = rest * cumulative / sum;
            let share = upto - given;
            given = upto;
            base + u64::try_from(share).unwrap_or(u64::MAX)
        })
        .collect()
}

/// Everything the ledger needs to know about one client.
pub(crate) struct Profile {
    pub client: Client,
    pub habit: Habit,
    /// Documents (invoices and credit notes) to issue.
    pub docs: u64,
    /// Window offsets of the first and last possible issue date.
    pub first_day: u32,
    pub last_day: u32,
    /// Typical invoice amount before VAT, in cents (the median of a log-normal).
    pub median_cents: f64,
    pub vat: VatProfile,
    /// BT-23 business process: B1 goods, S1 services, M1 mixed.
    pub process: &'static str,
    /// Day of the month of the client's pay run, for clients that settle invoices in batches.
    pub pay_day: Option<u32>,
    /// The buyer sends 211 Paiement transmis.
    pub sends_211: bool,
    /// The seller sends 212 Encaissée (always for services, where VAT is due on receipt).
    pub sends_212: bool,
    /// How the client's bank transfers quote invoices (0..=3).
    pub remittance_style: u8,
    /// First purchase-order number, for accounts that issue purchase orders.
    pub po_base: Option<u64>,
    pub down_payment_rate: f64,
    /// BT-20 text.
    pub terms_note: String,
    /// Payer name as the bank writes it.
    pub payer_name: String,
    pub payer_iban: Iban,
}

impl Profile {
    pub(crate) fn id(&self) -> ClientId {
        self.client.id
    }
}

/// Draws client `index` (0-based) with its lifespan and its document count.
pub(crate) fn profile(ctx: &Context, index: u64, life: &Lifespan, docs: u64, rng: &mut DemoRng) -> Profile {
    let segment = Segment::of_weight(life.weight);
    let large = segment == Segment::Large;
    let fits = |p: &&(&str, &str, bool)| p.2 || !large;
    let sector = weighted_by(rng, SECTORS, |s| if s.patterns.iter().any(|p| fits(&p)) { s.weight } else { 0 });
    let &(pattern, naf, _) = weighted_by(rng, sector.patterns, |p| u32::from(fits(&p)));
    let forms: &[(&str, u32)] = match segment {
        Segment::Large => &[("SA", 40), ("SAS", 60)],
        Segment::Mid => &[("SAS", 50), ("SARL", 40), ("SA", 10)],
        Segment::Small => &[("SARL", 30), ("SAS", 15), ("EURL", 20), ("EI", 35)],
    };
    let mut legal_form = weighted(rng, forms);
    if legal_form == "EI" && !(sector.individuals && pattern.contains("{nom}")) {
        legal_form = "SARL";
    }
    let is_individual = legal_form == "EI";
    let (first, last) = (*pick(rng, FIRST_NAMES), *pick(rng, SURNAMES));
    let trade_name = fill(pattern, rng, if is_individual { format!("{first} {last}") } else { last.to_owned() });
    let name =
        if !is_individual && chance(rng, 0.4) { format!("{trade_name} {legal_form}") } else { trade_name.clone() };
    let domain = format!("{}.fr", slug(&trade_name));

    let siren: Siren = ctx.sirens.siren(index);
    let nic_stem = if chance(rng, 0.5) { rng.random_range(1..=9) } else { rng.random_range(10..=99) };
    let siret = siret(&siren, nic_stem);
    let vat = VatNumber::parse(siren.vat_number().as_str()).expect("the VAT number computed from a SIREN is valid");
    let naf = NafCode::parse(naf).expect("NAF codes of the word list are well formed");

    let &(city, postcode, area) = pick(rng, CITIES);
    let industrial = sector.industrial;
    let street = format!("{} {}", rng.random_range(1..=180), pick(rng, STREETS));
    let lines =
        if industrial && chance(rng, 0.5) { vec![pick(rng, BUSINESS_PARKS).to_string(), street] } else { vec![street] };
    let address =
        PostalAddress { lines, postcode: postcode.to_owned(), city: city.to_owned(), country: "FR".to_owned() };
    let contacts = contacts(rng, is_individual, segment, &domain, area, first, last);

    let owner =
        if segment == Segment::Large && chance(rng, 0.7) { CREDIT_MANAGERS[0] } else { *pick(rng, CREDIT_MANAGERS) };
    let terms = draw_terms(rng, segment);

    let median_euros = match segment {
        Segment::Large => 4_000.0,
        Segment::Mid => 1_500.0,
        Segment::Small => 450.0,
    };
    let process = weighted(rng, &[("B1", 55), ("S1", 35), ("M1", 10)]);
    let grouped = match segment {
        Segment::Large => 0.5,
        Segment::Mid => 0.3,
        Segment::Small => 0.1,
    };
    let pay_day = chance(rng, grouped).then(|| *pick(rng, &[5, 10, 15, 20, 25, 30]));
    let sends_211 = chance(rng, 0.5);
    let sends_212 = process != "B1" || chance(rng, 0.2);
    let remittance_style = rng.random_range(0..=3);
    let po_base =
        (segment == Segment::Large && chance(rng, 0.7)).then(|| 4_500_000_000 + rng.random_range(0..400_000) * 10);
    let down_payment_rate = match (segment, sector.vat) {
        (Segment::Large, VatProfile::Building) => 0.03,
        (Segment::Large, _) => 0.008,
        _ => 0.0,
    };
    let terms_note = match terms {
        PaymentTerms::OnReceipt => "Paiement à réception, par virement".to_owned(),
        t => format!("Paiement à {}, par virement", t.label_fr()),
    };
    let mut payer_name = format!("VIR SEPA {}", bank_upper(&name));
    payer_name.truncate(70);
    let payer_iban =
        french_iban(*pick(rng, BANK_CODES), rng.random_range(1..100_000), rng.random_range(0..100_000_000_000));

    let client = Client {
        id: ClientId(i64::try_from(index + 1).unwrap_or(i64::MAX)),
        name,
        siren: Some(siren),
        siret: Some(siret),
        vat: Some(vat),
        legal_form: Some(legal_form.to_owned()),
        naf: Some(naf),
        segment: segment.label().to_owned(),
        owner: owner.to_owned(),
        address,
        contacts,
        terms,
        currency: Currency::EUR,
        since: life.since,
        is_individual,
        source: Source::at(ctx.origin.clone(), format!("client #{}", index + 1)),
    };
    Profile {
        client,
        habit: life.habit,
        docs,
        first_day: life.first_day,
        last_day: life.last_day,
        median_cents: median_euros * 100.0 * (0.5 * normal(rng)).exp(),
        vat: sector.vat,
        process,
        pay_day,
        sends_211,
        sends_212,
        remittance_style,
        po_base,
        down_payment_rate,
        terms_note,
        payer_name,
        payer_iban,
    }
}

/// Fills a name pattern of the word list.
fn fill(pattern: &str, rng: &mut DemoRng, surname: String) -> String {
    let mut name = pattern.replace("{nom}", &surname);
    let lists: [(&str, &[&str]); 4] =
        [("{lieu}", PLACES), ("{arbre}", TREES), ("{mot}", BRANDS), ("{resto}", RESTAURANTS)];
    for (key, list) in lists {
        if name.contains(key) {
            let word = *pick(rng, list);
            name = name.replace(key, word);
        }
    }
    name
}

/// Payment terms by segment: mostly 30 days net; large accounts negotiate 45 end of month or 60 days.
fn draw_terms(rng: &mut DemoRng, segment: Segment) -> PaymentTerms {
    use PaymentTerms::*;
    let table: &[(PaymentTerms, u32)] = match segment {
        Segment::Large => &[
            (Net { days: 30 }, 35),
            (Net { days: 45 }, 25),
            (Net { days: 60 }, 15),
            (EndOfMonthThenDays { days: 45 }, 25),
        ],
        Segment::Mid => &[
            (Net { days: 30 }, 55),
            (Net { days: 45 }, 13),
            (Net { days: 60 }, 8),
            (EndOfMonthThenDays { days: 45 }, 14),
            (DaysThenEndOfMonth { days: 30 }, 10),
        ],
        Segment::Small => {
            &[(Net { days: 30 }, 72), (OnReceipt, 12), (Net { days: 45 }, 6), (DaysThenEndOfMonth { days: 30 }, 10)]
        }
    };
    weighted(rng, table)
}

/// The people a credit manager calls: accounts payable first.
fn contacts(
    rng: &mut DemoRng,
    individual: bool,
    segment: Segment,
    domain: &str,
    area: &str,
    first: &str,
    last: &str,
) -> Vec<Contact> {
    let person_email = |f: &str, l: &str| format!("{}.{}@{domain}", slug(f), slug(l));
    if individual {
        let prefix = if chance(rng, 0.6) { "06" } else { area };
        return vec![Contact {
            name: format!("{first} {last}"),
            role: "Dirigeant".to_owned(),
            email: Some(person_email(first, last)),
            phone: Some(phone(rng, prefix)),
        }];
    }
    let (f, l) = (*pick(rng, FIRST_NAMES), *pick(rng, SURNAMES));
    let mut out = vec![Contact {
        name: format!("{f} {l}"),
        role: "Comptabilité fournisseurs".to_owned(),
        email: Some(if chance(rng, 0.5) { format!("compta@{domain}") } else { person_email(f, l) }),
        phone: Some(phone(rng, area)),
    }];
    if segment != Segment::Small && chance(rng, 0.6) {
        let (f, l) = (*pick(rng, FIRST_NAMES), *pick(rng, SURNAMES));
        out.push(Contact {
            name: format!("{f} {l}"),
            role: "Direction administrative et financière".to_owned(),
            email: Some(person_email(f, l)),
            phone: Some(phone(rng, area)),
        });
    }
    out
}

/// A French phone number written in pairs, "01 23 45 67 89".
fn phone(rng: &mut DemoRng, prefix: &str) -> String {
    let n: u32 = rng.random_range(10_000_000..100_000_000);
    format!("{prefix} {:02} {:02} {:02} {:02}", n / 1_000_000, n / 10_000 % 100, n / 100 % 100, n % 100)
}

/// A letter without its accent, for e-mail domains and bank labels (which are plain ASCII).
fn fold(c: char) -> &'static str {
    match c {
        'à' | 'â' | 'ä' | 'á' => "a",
        'À' | 'Â' | 'Ä' | 'Á' => "A",
        'é' | 'è' | 'ê' | 'ë' => "e",
        'É' | 'È' | 'Ê' | 'Ë' => "E",
        'î' | 'ï' => "i",
        'Î' | 'Ï' => "I",
        'ô' | 'ö' => "o",
        'Ô' | 'Ö' => "O",
        'ù' | 'û' | 'ü' => "u",
        'Ù' | 'Û' | 'Ü' => "U",
        'ç' => "c",
        'Ç' => "C",
        'œ' => "oe",
        'Œ' => "OE",
        'æ' => "ae",
        _ => "",
    }
}

/// `"Bureau d'études Martin"` → `"bureau-d-etudes-martin"`.
pub(crate) fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let folded = fold(c);
        if !folded.is_empty() {
            out.push_str(&folded.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// `"Boulangerie Lefèvre"` → `"BOULANGERIE LEFEVRE"`, as bank statements print names.
fn bank_upper(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let folded = fold(c);
        if !folded.is_empty() {
            out.push_str(&folded.to_ascii_uppercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn timeline() -> Timeline {
        Timeline::new("2027-03-31".parse().expect("date"))
    }

    fn weights(clients: u32) -> Vec<u64> {
        let tl = timeline();
        lifespans(42, clients, &tl).iter().map(|l| l.document_weight(&tl)).collect()
    }

    #[test]
    fn spread_is_exact_and_gives_everyone_one() {
        let w = weights(1_000);
        for total in [0, 1, 999, 1_000, 1_001, 123_457] {
            let counts = spread(total, &w);
            assert_eq!(counts.iter().sum::<u64>(), total, "exactly {total} documents are spread");
            if total >= 1_000 {
                assert!(counts.iter().all(|c| *c >= 1), "every client gets a document when there are enough");
            }
        }
        assert!(spread(10, &[]).is_empty(), "no client, nothing to spread");
    }

    #[test]
    fn sizes_are_skewed() {
        let w = weights(10_000);
        let mut counts = spread(1_000_000, &w);
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let top_fifth: u64 = counts[..2_000].iter().sum();
        assert!(top_fifth > 500_000, "the top 20 % of clients carry most invoices ({top_fifth})");
        assert!(counts[0] < 50_000, "no client takes the portfolio ({})", counts[0]);
    }

    #[test]
    fn habit_shares_are_as_designed() {
        let cfg = DemoConfig::standard("2027-03-31".parse().expect("date"), Siren::parse("552081317").expect("siren"));
        let ctx = Context::new(&cfg);
        let lives = lifespans(cfg.seed, 20_000, &ctx.timeline);
        let mut by_kind: HashMap<HabitKind, u32> = HashMap::new();
        let mut by_segment: HashMap<&str, u32> = HashMap::new();
        for (i, life) in lives.iter().enumerate() {
            let mut rng = client_rng(cfg.seed, i as u64);
            let p = profile(&ctx, i as u64, life, 1, &mut rng);
            *by_kind.entry(p.habit.kind()).or_default() += 1;
            *by_segment.entry(Segment::of_weight(life.weight).label()).or_default() += 1;
            assert!(p.first_day <= p.last_day, "client {i} has a non-empty invoicing range");
            if matches!(p.habit, Habit::Deteriorating { .. }) {
                assert_ne!(Segment::of_weight(life.weight), Segment::Large, "large accounts are not drawn as failing");
                assert!(p.client.since < ctx.timeline.start, "failing clients have a history");
            }
        }
        let share = |k| f64::from(by_kind.get(&k).copied().unwrap_or(0)) / 20_000.0;
        assert!(
            (0.44..0.51).contains(&share(HabitKind::Prompt)),
            "prompt payers ≈ 47 % ({})",
            share(HabitKind::Prompt)
        );
        assert!((0.23..0.27).contains(&share(HabitKind::Slow)), "slow payers ≈ 25 % ({})", share(HabitKind::Slow));
        assert!((0.08..0.12).contains(&share(HabitKind::Seasonal)), "seasonal ≈ 10 % ({})", share(HabitKind::Seasonal));
        assert!(
            (0.10..0.14).contains(&share(HabitKind::Disputing)),
            "disputing ≈ 12 % ({})",
            share(HabitKind::Disputing)
        );
        let failing = share(HabitKind::Deteriorating);
        assert!((0.045..0.07).contains(&failing), "deteriorating ≈ 6 % of small and mid accounts ({failing})");
        let large = f64::from(by_segment["Grands comptes"]) / 20_000.0;
        assert!((0.03..0.08).contains(&large), "a few large accounts ({large})");
    }

    #[test]
    fn names_fold_to_ascii() {
        assert_eq!(slug("Bureau d'études Lefèvre"), "bureau-d-etudes-lefevre");
        assert_eq!(bank_upper("Boulangerie Lefèvre SAS"), "BOULANGERIE LEFEVRE SAS");
        assert_eq!(bank_upper("Crêperie de l'Ouest"), "CREPERIE DE L OUEST");
    }
}
