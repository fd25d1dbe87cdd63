//! Benchmark of the matching engine at the largest size the app supports: 2,000,000 open items of
//! 50,000 clients, 100,000 bank credit lines drawn by the demo statement generator (RF
//! references, numbers in text, grouped, partial, net of credit notes, overpayments, no
//! reference, noise and traps).
//!
//! ```text
//! cargo run --release -p encours-engines --example matching_bench [-- ITEMS CLIENTS LINES]
//! ```
//!
//! Prints the time to build the index, the time of one automatic run on one and on two threads,
//! and how the run compares with the generator's truth. Only the build and the runs are timed:
//! generating the portfolio and the lines is not.

use std::time::Instant;

use chrono::{Datelike, NaiveDate, TimeDelta};
use encours_demo::statements::{generate_entries, StatementConfig, StatementItem, Truth};
use encours_domain::{ClientId, CreditorRef, Currency, Iban, InvoiceId, Money};
use encours_engines::matching::{auto_matches, CreditLine, MatchConfig, MatchIndex, OpenItem, PayerKey, PayerMemory};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;

const WORDS: &[&str] = &[
    "BATIMENT",
    "TRANSPORTS",
    "BOULANGERIE",
    "GARAGE",
    "PHARMACIE",
    "CONSEIL",
    "PLASTURGIE",
    "MENUISERIE",
    "ELECTRICITE",
    "NETTOYAGE",
    "LOGISTIQUE",
    "RESTAURATION",
    "IMPRIMERIE",
    "ATELIER",
    "SERVICES",
    "INDUSTRIE",
];
const NAMES: &[&str] = &[
    "MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY", "MOREAU", "SIMON",
    "LAURENT", "LEFEBVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX", "VINCENT", "FOURNIER", "MOREL", "GIRARD",
    "ANDRE", "MERCIER", "DUPONT", "LAMBERT", "BONNET", "FRANCOIS", "MARTINEZ", "LEGRAND",
];

const PLACES: &[&str] = &[
    "ALSACE",
    "ATLANTIQUE",
    "AUVERGNE",
    "BEAUCE",
    "BOCAGE",
    "BRETAGNE",
    "CENTRE",
    "CEVENNES",
    "DAUPHINE",
    "ESTUAIRE",
    "FOREZ",
    "GATINAIS",
    "JURA",
    "LIMOUSIN",
    "LITTORAL",
    "LORRAINE",
    "MEDOC",
    "MORVAN",
    "NORD",
    "PERCHE",
    "PICARDIE",
    "PROVENCE",
    "QUERCY",
    "SOLOGNE",
    "TOURAINE",
    "VALLEE",
    "VELAY",
    "VERCORS",
    "VEXIN",
    "VOSGES",
];

/// A French IBAN from a bank code and an account number (RIB key and ISO 13616 check digits).
fn iban(bank: u32, account: u64) -> Iban {
    let (branch, account) = (account % 100_000, account / 100_000 % 100_000_000_000);
    let key = 97 - (89 * u64::from(bank) + 15 * branch + 3 * account) % 97;
    let bban = format!("{bank:05}{branch:05}{account:011}{key:02}");
    let rest = format!("{bban}152700").bytes().fold(0u32, |a, b| (a * 10 + u32::from(b - b'0')) % 97);
    Iban::parse(&format!("FR{:02}{bban}", 98 - rest)).expect("computed IBANs are valid")
}

fn portfolio(items: usize, clients: usize, rng: &mut ChaCha8Rng) -> Vec<StatementItem> {
    let per_client = items / clients;
    let mut out = Vec::with_capacity(items);
    let mut seq = [0u32; 3];
    let start = NaiveDate::from_ymd_opt(2024, 10, 1).expect("valid date");
    for c in 0..clients {
        // Trade word, surname and place: homonyms happen, as in real ledgers.
        let name = format!(
            "{} {} {}",
            WORDS[rng.random_range(0..WORDS.len())],
            NAMES[rng.random_range(0..NAMES.len())],
            PLACES[rng.random_range(0..PLACES.len())]
        );
        let client_iban = Some(iban(30_004 + (c as u32 % 7) * 1_000, 10_000_000 + c as u64 * 7_919));
        let count = if c + 1 == clients { items - out.len() } else { per_client };
        // Issue dates in order, so that items come as the store lists them (client, due date, id).
        let mut issues: Vec<NaiveDate> =
            (0..count).map(|_| start + TimeDelta::days(rng.random_range(0..730))).collect();
        issues.sort_unstable();
        for issue in issues {
            let year = issue.year();
            let credit_note = rng.random_range(0..100) < 4;
            let slot = &mut seq[(year - 2024).clamp(0, 2) as usize];
            *slot += 1;
            let number = format!("{}{year}-{:06}", if credit_note { 'A' } else { 'F' }, slot);
            let cents: i64 = rng.random_range(5_000..2_000_000);
            let id = InvoiceId(out.len() as i64 + 1);
            out.push(StatementItem {
                invoice: id,
                client: ClientId(c as i64 + 1),
                client_name: name.clone(),
                client_iban: client_iban.clone(),
                creditor_ref: Some(CreditorRef::for_invoice(&number, id)),
                number,
                outstanding: Money::new(Decimal::new(if credit_note { -cents / 10 } else { cents }, 2), Currency::EUR),
                issue_date: issue,
                due_date: issue + TimeDelta::days(30),
            });
        }
    }
    out
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let items_n = args.first().copied().unwrap_or(2_000_000);
    let clients_n = args.get(1).copied().unwrap_or(50_000);
    let lines_n = args.get(2).copied().unwrap_or(100_000);
    let mut rng = ChaCha8Rng::seed_from_u64(2026);

    let t = Instant::now();
    let items = portfolio(items_n, clients_n, &mut rng);
    // Noise is 8 % of the payments: payments + noise = the credit lines asked for.
    let cfg = StatementConfig {
        seed: 7,
        account: iban(30_003, 42),
        account_owner: "BENCH".to_owned(),
        first_day: NaiveDate::from_ymd_opt(2026, 10, 1).expect("valid date"),
        days: 22,
        payments: lines_n * 100 / 108,
        noise_percent: 8,
    };
    let entries = generate_entries(&items, &cfg);
    // The payer memory learned from history: four clients in five have paid before.
    let mut memory = PayerMemory::new();
    let mut seen = std::collections::HashSet::new();
    for i in &items {
        if i.client.0 % 5 != 0 && seen.insert(i.client) {
            if let Some(iban) = &i.client_iban {
                memory.remember(&PayerKey::Iban(iban.to_string()), i.client);
            }
            memory.remember(&PayerKey::Name(i.client_name.clone()), i.client);
        }
    }
    let mut lines = Vec::with_capacity(entries.len());
    let mut truths: Vec<&Truth> = Vec::with_capacity(entries.len());
    for (n, e) in entries.iter().enumerate().filter(|(_, e)| e.credit) {
        truths.push(&e.truth);
        lines.push(CreditLine {
            key: n as u64,
            amount: e.amount,
            booked_on: e.booked_on,
            payer_name: e.payer_name.clone(),
            payer_iban: e.payer_iban.as_ref().map(ToString::to_string),
            texts: std::iter::once(e.label.clone()).chain(e.unstructured.iter().cloned()).collect(),
            structured_refs: e.structured_refs.clone(),
        });
    }
    let open: Vec<OpenItem> = items
        .into_iter()
        .map(|i| OpenItem {
            invoice: i.invoice,
            client: i.client,
            number: i.number,
            issue_date: i.issue_date,
            due_date: i.due_date,
            outstanding: i.outstanding,
            creditor_ref: i.creditor_ref.map(|r| r.to_string()),
        })
        .collect();
    println!(
        "prepared {} open items of {clients_n} clients and {} credit lines in {} ms (not timed below)",
        open.len(),
        lines.len(),
        t.elapsed().as_millis()
    );

    // A first build warms the allocator, so that both timed builds find memory in the same state.
    drop(MatchIndex::build(open.clone()));
    let t = Instant::now();
    let index = MatchIndex::build(open.clone());
    let build_1 = t.elapsed();
    drop(index);
    let t = Instant::now();
    let index = MatchIndex::build_parallel(open, 2);
    let build_2 = t.elapsed();
    println!(
        "index build: {} ms on 1 thread, {} ms on 2 ({} MB of tables)",
        build_1.as_millis(),
        build_2.as_millis(),
        index.table_bytes() >> 20
    );

    for (threads, build) in [(1, build_1), (2, build_2)] {
        let cfg = MatchConfig { threads, ..MatchConfig::default() };
        let t = Instant::now();
        let results = auto_matches(&index, &memory, &lines, &cfg);
        let run = t.elapsed();
        let (mut payments, mut right, mut wrong, mut auto) = (0usize, 0usize, 0usize, 0usize);
        for (r, truth) in results.iter().zip(&truths) {
            if truth.kind.is_payment() {
                payments += 1;
            }
            if !r.auto {
                continue;
            }
            auto += 1;
            let mut got: Vec<(InvoiceId, Decimal)> =
                r.proposals[0].allocations.iter().map(|(i, m)| (*i, m.amount.normalize())).collect();
            let mut expected: Vec<(InvoiceId, Decimal)> =
                truth.allocations.iter().map(|(i, m)| (*i, m.amount.normalize())).collect();
            got.sort();
            expected.sort();
            if got == expected && truth.kind.is_payment() {
                right += 1;
            } else {
                wrong += 1;
                if wrong <= 3 && threads == 1 {
                    let line = &lines[truths.iter().position(|t| std::ptr::eq(*t, *truth)).unwrap_or(0)];
                    println!("  WRONG {truth:?}\n    line {line:?}\n    applied {:?}", r.proposals[0]);
                }
            }
        }
        let total = build + run;
        let per_second = lines.len() as u128 * 1_000 / run.as_millis().max(1);
        println!(
            "auto_matches, {threads} thread(s): {:>6} ms; build + match {:>6} ms; {per_second} lines/s",
            run.as_millis(),
            total.as_millis(),
        );
        let per_mille = right * 1_000 / payments.max(1);
        println!(
            "  applied {auto} of {} lines: {right} of {payments} payments right ({}.{} %), {wrong} wrong",
            lines.len(),
            per_mille / 10,
            per_mille % 10
        );
    }
}
