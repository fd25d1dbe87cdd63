//! Golden test of the FEC reader and the receivables rebuild over the four real files of the
//! corpus's `fec/` folder, each with its quirk (`corpus/fec/MANIFEST.tsv`, open-data §1.5):
//! expected figures per file, the balance check for every client (and an independent recount
//! from the file's lines), the facts the manifest states, and an insta snapshot of a compact
//! summary per file (`tests/snapshots/fec_golden__*.snap`).

use std::collections::BTreeMap;

use encours_readers::fec::{
    read_fec_bytes, rebuild, AllocationBasis, AmountColumns, ClientKind, ClientOrigin, DueDateOrigin, FecFile,
    FecVariant, ItemKind, Level, LineEnding, RebuildOptions, Rebuilt, Separator, Side, TextEncoding,
};
use rust_decimal::Decimal;
use serde_json::{json, Value};

mod common;

const KINDS: [ItemKind; 6] = [
    ItemKind::Invoice,
    ItemKind::CreditNote,
    ItemKind::Payment,
    ItemKind::Refund,
    ItemKind::Opening,
    ItemKind::Adjustment,
];

/// The four FEC files (the folder also holds its MANIFEST.tsv).
fn files() -> Vec<(String, Vec<u8>)> {
    let all: Vec<(String, Vec<u8>)> =
        common::corpus_files("fec", 5).into_iter().filter(|(n, _)| n.to_ascii_uppercase().contains("FEC2")).collect();
    assert_eq!(all.len(), 4, "the four FEC files of the corpus");
    all
}

fn file(name: &str) -> (FecFile, Rebuilt) {
    let (_, bytes) = files().into_iter().find(|(n, _)| n == name).expect("in the corpus");
    let f = read_fec_bytes(name, &bytes).unwrap_or_else(|e| panic!("{e}"));
    let r = rebuild(&f, &RebuildOptions::default());
    (f, r)
}

/// What each file must give. Figures checked against the manifest where it states them.
struct Expected {
    name: &'static str,
    lines: usize,
    encoding: TextEncoding,
    separator: Separator,
    line_ending: LineEnding,
    variant: FecVariant,
    /// Clients by kind: customers, payment means, suspense, unattributed.
    clients: [usize; 4],
    /// Items by kind, in the order of [`KINDS`].
    items: [usize; 6],
    lettrage_groups: usize,
    balanced_groups: usize,
    allocations: usize,
}

const EXPECTED: [Expected; 4] = [
    Expected {
        name: "0000000001FEC20220831.txt",
        lines: 5422,
        encoding: TextEncoding::Utf8,
        separator: Separator::Tab,
        line_ending: LineEnding::Lf,
        variant: FecVariant::Standard,
        // 17 clients on 411000 with CompAuxNum; "Client attente" is a suspense account.
        clients: [16, 0, 1, 0],
        items: [391, 9, 129, 2, 7, 0],
        // 15 groups do not balance within the exercise (the ANO lines are not lettered).
        lettrage_groups: 134,
        balanced_groups: 119,
        allocations: 381,
    },
    Expected {
        name: "000000000FEC20231231.txt",
        lines: 2102,
        encoding: TextEncoding::Utf8,
        separator: Separator::Tab,
        line_ending: LineEnding::Lf,
        variant: FecVariant::Tresorerie22,
        // CCB, CESP, CVIR, CCHQ: takings by payment means.
        clients: [0, 4, 0, 0],
        items: [14, 0, 130, 0, 9, 0],
        lettrage_groups: 0,
        balanced_groups: 0,
        allocations: 0,
    },
    Expected {
        name: "111111111FEC20221231.TXT",
        lines: 934,
        encoding: TextEncoding::Iso885915,
        separator: Separator::Pipe,
        line_ending: LineEnding::Lf,
        variant: FecVariant::Standard,
        clients: [34, 0, 0, 0],
        items: [85, 3, 46, 0, 14, 3],
        // 45 lettrage groups, all balanced.
        lettrage_groups: 45,
        balanced_groups: 45,
        allocations: 71,
    },
    Expected {
        name: "123456789FEC20500930.txt",
        lines: 10756,
        encoding: TextEncoding::Utf8,
        separator: Separator::Tab,
        line_ending: LineEnding::CrCrLf,
        variant: FecVariant::Standard,
        // ACLA and STEVE MC TWO from the labels; the opening line and its reversal unattributed.
        clients: [2, 0, 0, 1],
        items: [2, 1, 0, 0, 1, 0],
        lettrage_groups: 1,
        balanced_groups: 1,
        allocations: 1,
    },
];

fn client_kinds(r: &Rebuilt) -> [usize; 4] {
    let n = |k: ClientKind| r.clients.iter().filter(|c| c.kind == k).count();
    [n(ClientKind::Customer), n(ClientKind::PaymentMeans), n(ClientKind::Suspense), n(ClientKind::Unattributed)]
}

#[test]
fn every_file_gives_its_figures() {
    let mut problems = Vec::new();
    for e in &EXPECTED {
        let (f, r) = file(e.name);
        let ours = (
            f.lines.len(),
            f.skipped_lines,
            f.encoding,
            f.separator,
            f.line_ending,
            f.variant,
            f.amount_columns,
            client_kinds(&r),
            KINDS.map(|k| r.items_of(k).count()),
            r.lettrage.len(),
            r.lettrage.iter().filter(|g| g.balanced).count(),
            r.allocations.len(),
        );
        let want = (
            e.lines,
            0,
            e.encoding,
            e.separator,
            e.line_ending,
            e.variant,
            AmountColumns::DebitCredit,
            e.clients,
            e.items,
            e.lettrage_groups,
            e.balanced_groups,
            e.allocations,
        );
        if ours != want {
            problems.push(format!("{}:\n  ours {ours:?}\n  want {want:?}", e.name));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The check of the brief: per client, open items = the client's 411 balance in the file. Also
/// recounted independently of the rebuild's attribution: the balance per `CompAuxNum` (else
/// `CompteNum`) summed over the raw 411 lines, and the total of the account.
#[test]
fn every_client_of_every_file_balances() {
    for (name, bytes) in files() {
        let f = read_fec_bytes(&name, &bytes).expect("reads");
        let r = rebuild(&f, &RebuildOptions::default());
        let checks = r.check_balances();
        assert_eq!(checks.len(), r.clients.len());
        assert!(!checks.is_empty(), "{name}: clients");
        for c in &checks {
            assert!(c.agrees(), "{name}: client {}: {:?}", c.key, c.problems);
        }
        let client_lines: Vec<_> = f.lines.iter().filter(|l| l.compte_num.starts_with("411")).collect();
        let mut by_key: BTreeMap<String, Decimal> = BTreeMap::new();
        for l in &client_lines {
            let key = if l.comp_aux_num.is_empty() { l.compte_num.clone() } else { l.comp_aux_num.clone() };
            *by_key.entry(key).or_default() += l.debit.amount - l.credit.amount;
        }
        for (c, check) in r.clients.iter().zip(&checks) {
            if matches!(c.identified_by, ClientOrigin::AuxiliaryAccount | ClientOrigin::SubAccount) {
                assert_eq!(Some(&check.open_balance.amount), by_key.get(&c.key), "{name}: {} recounted", c.key);
            }
        }
        let total: Decimal = client_lines.iter().map(|l| l.debit.amount - l.credit.amount).sum();
        let open: Decimal = checks.iter().map(|c| c.open_balance.amount).sum();
        assert_eq!(open, total, "{name}: all clients together = the 411 account");
        let non_zero = client_lines.iter().filter(|l| !(l.debit.amount - l.credit.amount).is_zero()).count();
        assert_eq!(r.items.len(), non_zero, "{name}: one item per non-zero client line");
        let covered: usize = r.clients.iter().map(|c| c.lines).sum();
        assert_eq!(covered, client_lines.len(), "{name}: every client line has a client");
    }
}

#[test]
fn what_the_manifest_says_of_0000000001() {
    let (f, r) = file("0000000001FEC20220831.txt");
    assert!(f.bom);
    assert!(f.diagnostics.iter().any(|d| d.rule == "FEC-NAME" && d.message.contains("\"0000000001\"")), "10 digits");
    let lettered = r.items.iter().filter(|i| i.lettrage.is_some()).count();
    assert_eq!((lettered, r.items.len()), (528, 538), "528/538 client lines lettered");
    assert!(r.items.iter().all(|i| i.lettered_on.is_none()), "DateLet is empty");
    let codes: Vec<&str> = r.lettrage.iter().map(|g| g.code.as_str()).collect();
    assert!(codes.contains(&"AAAB"), "codes AAAB…");
    // Credit notes are VEN credit lines with PieceRef "AV …" (and one OD reversal of an unpaid invoice).
    let avoirs: Vec<&str> = r
        .items_of(ItemKind::CreditNote)
        .filter(|(_, i)| i.journal == "VEN")
        .map(|(_, i)| i.reference.as_str())
        .collect();
    assert_eq!(avoirs.len(), 8);
    assert!(avoirs.iter().all(|p| p.starts_with("AV")), "{avoirs:?}");
    // Cheques go 411 -> 511 in RCH: payments, by their counter account.
    let rch: Vec<_> = r.items.iter().filter(|i| i.journal == "RCH").collect();
    assert_eq!(rch.len(), 42);
    assert!(rch.iter().all(|i| i.kind == ItemKind::Payment && i.counter_accounts.iter().any(|a| a.starts_with("511"))));
    // ANO: one aggregated balance per client, settled by the credits lettered with last year's invoices.
    let openings: Vec<_> = r.items_of(ItemKind::Opening).map(|(_, i)| i).collect();
    assert!(openings.iter().all(|i| i.lettrage.is_none() && i.journal == "ANO" && i.side == Side::Debit));
    let unbalanced = r.diagnostics.iter().filter(|d| d.rule == "FEC-LETTRAGE" && d.level == Level::Warning);
    assert_eq!(unbalanced.count(), 15, "15 lettrage groups do not balance inside this exercise, each reported");
    let settled = r.allocations.iter().filter(|a| a.basis == AllocationBasis::OpeningBalance).count();
    assert_eq!(settled, 9);
    let still_open: Vec<String> =
        openings.iter().filter(|i| i.open.is_positive()).map(|i| i.open.to_string()).collect();
    assert_eq!(still_open, ["94.95 EUR"], "PERRIER's opening, cancelled by an unlettered credit note");
    let journal_roles: Vec<String> = r.journals.iter().map(|j| format!("{} {:?}", j.code, j.role)).collect();
    assert!(journal_roles.contains(&"ANO Opening".to_owned()) && journal_roles.contains(&"VEN Sales".to_owned()));
}

#[test]
fn what_the_manifest_says_of_000000000() {
    let (f, r) = file("000000000FEC20231231.txt");
    assert_eq!(f.header.len(), 22);
    assert!(!f.bom);
    let codes: Vec<&str> = r.journals.iter().map(|j| j.code.as_str()).collect();
    assert_eq!(codes, ["ac", "ve", "bq", "od", "ca", "AD"], "lower-case codes, kept as written");
    assert!(f.lines.iter().all(|l| l.ecriture_num == "0"));
    assert!(r.diagnostics.iter().any(|d| d.rule == "FEC-ENTRY" && d.message.contains("2102 line(s)")));
    // The à-nouveaux détaillés (AD): detected by their accounts, dated in earlier years.
    let ad = r.journals.iter().find(|j| j.code == "AD").expect("AD");
    assert_eq!(format!("{:?}", ad.role), "Opening");
    assert_eq!(r.exercise_start.map(|d| d.to_string()).as_deref(), Some("2023-01-01"));
    let keys: Vec<(&str, ClientKind)> = r.clients.iter().map(|c| (c.key.as_str(), c.kind)).collect();
    assert_eq!(
        keys,
        [
            ("CCB", ClientKind::PaymentMeans),
            ("CESP", ClientKind::PaymentMeans),
            ("CVIR", ClientKind::PaymentMeans),
            ("CCHQ", ClientKind::PaymentMeans)
        ]
    );
    assert_eq!(r.diagnostics.iter().filter(|d| d.rule == "FEC-PSEUDO-CLIENT").count(), 4, "reported, not silent");
    assert!(r.lettrage.is_empty(), "no lettrage on 411");
    // The 22-column variant's DateRglt gives the due dates; without it, the terms do.
    assert!(r.documents().all(|(_, i)| i.due.is_some_and(|d| d.origin == DueDateOrigin::DateRglt)));
    let terms = rebuild(&f, &RebuildOptions { use_date_rglt: false, ..Default::default() });
    assert!(terms.documents().all(|(_, i)| i.due.is_some_and(|d| d.origin == DueDateOrigin::DefaultTerms)));
    let (_, first) = terms.documents().next().expect("a document");
    assert_eq!(first.due.map(|d| (d.date - first.date).num_days()), Some(30));
}

#[test]
fn what_the_manifest_says_of_111111111() {
    let (f, r) = file("111111111FEC20221231.TXT");
    assert_eq!(f.header.len(), 19, "a trailing '|' after the 18 names");
    assert!(f.header.contains(&"MontantDevise".to_owned()));
    let l = f.lines.iter().find(|l| l.line == 779).expect("line 779");
    assert_eq!(l.ecriture_lib, "CREATø MAQUETTE ETIQ", "0xF8 read as a single-byte charset");
    assert_eq!(l.compte_lib, "SOUS TRAITANCE", "padding trimmed");
    let enc = f.diagnostics.iter().find(|d| d.rule == "FEC-ENCODING").expect("fallback reported");
    assert_eq!(enc.path, "line 779");
    assert_eq!(f.lines[0].credit.amount.to_string(), "69.60", "'0000000069,60'");
    assert!(r.clients.iter().all(|c| c.identified_by == ClientOrigin::AuxiliaryAccount && c.key.starts_with("411")));
    // AN: one line per open invoice; F100057 6 581,47 lettered AA with the CIC payment of 2023-02-10.
    let (n, f100057) = r
        .items
        .iter()
        .enumerate()
        .find(|(_, i)| i.kind == ItemKind::Opening && i.label.contains("F100057"))
        .expect("the opening invoice");
    assert_eq!(f100057.amount.amount.to_string(), "6581.47");
    let a = r.allocations.iter().find(|a| a.debit == n).expect("allocated");
    let payment = &r.items[a.credit];
    assert_eq!((payment.kind, payment.journal.as_str()), (ItemKind::Payment, "CIC"));
    assert_eq!(payment.date.to_string(), "2023-02-10");
    assert_eq!((a.amount.amount.to_string(), a.lettrage.as_str()), ("6581.47".to_owned(), "AA"));
    assert_eq!(a.lettered_on.map(|d| d.to_string()).as_deref(), Some("2023-02-10"));
    assert!(r.diagnostics.iter().all(|d| d.rule != "FEC-LETTRAGE"), "all 45 groups balance");
}

#[test]
fn what_the_manifest_says_of_123456789() {
    let (f, r) = file("123456789FEC20500930.txt");
    assert!(f.lines.iter().all(|l| !l.idevise.contains('\r') && !l.ecriture_lib.contains('\r')), "no stray CR");
    // 10 756 accounting lines after the header, the last one without a line end.
    assert_eq!(f.lines.last().map(|l| l.line), Some(10757), "line numbers count one per CR CR LF");
    assert_eq!(f.lines[0].ecriture_num, "ANO000000001");
    let clients: Vec<(&str, ClientOrigin, String)> =
        r.clients.iter().map(|c| (c.key.as_str(), c.identified_by, c.balance.amount.to_string())).collect();
    assert_eq!(
        clients,
        [
            ("?411100000", ClientOrigin::Unattributed, "0.00".to_owned()),
            ("ACLA", ClientOrigin::Label, "75784.50".to_owned()),
            ("STEVE MC TWO", ClientOrigin::Label, "52416.00".to_owned()),
        ]
    );
    assert!(r.diagnostics.iter().any(|d| d.rule == "FEC-UNATTRIBUTED" && d.path == "line 77"), "explicit bucket");
    assert!(r.diagnostics.iter().any(|d| d.rule == "FEC-CLIENT-LABEL"));
    let g = &r.lettrage[0];
    assert_eq!((g.code.as_str(), g.balanced, g.items.len()), ("AAAF", true, 2), "4-letter code");
}

/// The Montant + Sens variant (A47 A-1 VII 2°): no public sample exists (open-data §1.5), so this
/// fixture is DERIVED from two corpus files by rewriting Debit/Credit as Montant + Sens (D/C for
/// one, +1/-1 for the other). The rebuild must not see the difference.
#[test]
fn montant_and_sens_derived_from_the_corpus_read_the_same() {
    for (name, plus_minus) in [("111111111FEC20221231.TXT", false), ("0000000001FEC20220831.txt", true)] {
        let (_, bytes) = files().into_iter().find(|(n, _)| n == name).expect("in corpus");
        let sep = if name.ends_with("TXT") { b'|' } else { b'\t' };
        let mut out: Vec<u8> = Vec::new();
        for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            let mut zones: Vec<Vec<u8>> = line.split(|b| *b == sep).map(<[u8]>::to_vec).collect();
            if i == 0 {
                zones[11] = b"Montant".to_vec();
                zones[12] = b"Sens".to_vec();
            } else {
                let debit = String::from_utf8_lossy(&zones[11]).replace(['0', ',', ' '], "");
                let (amount, sens) = if debit.is_empty() {
                    (zones[12].clone(), if plus_minus { "-1" } else { "C" })
                } else {
                    (zones[11].clone(), if plus_minus { "+1" } else { "D" })
                };
                zones[11] = amount;
                zones[12] = sens.as_bytes().to_vec();
            }
            out.extend(zones.join(&sep));
            out.push(b'\n');
        }
        let original = read_fec_bytes(name, &bytes).expect("reads");
        let derived = read_fec_bytes(name, &out).expect("reads the derived fixture");
        assert_eq!(derived.amount_columns, AmountColumns::MontantSens);
        let net = |f: &FecFile| f.lines.iter().map(|l| l.debit.amount - l.credit.amount).collect::<Vec<_>>();
        assert_eq!(net(&derived), net(&original), "{name}");
        let (a, b) = (rebuild(&original, &RebuildOptions::default()), rebuild(&derived, &RebuildOptions::default()));
        let view = |r: &Rebuilt| r.items.iter().map(|i| (i.kind, i.client, i.amount, i.open)).collect::<Vec<_>>();
        assert_eq!(view(&a), view(&b), "{name}");
        assert!(b.balances_agree());
    }
}

fn line(d: &encours_readers::fec::Diagnostic) -> String {
    let level = format!("{:?}", d.level).to_lowercase();
    if d.path.is_empty() {
        format!("{level} {}: {}", d.rule, d.message)
    } else {
        format!("{level} {}: {} @ {}", d.rule, d.message, d.path)
    }
}

fn sum(items: &[&encours_readers::fec::Item], open: bool) -> String {
    items.iter().map(|i| if open { i.open.amount } else { i.amount.amount }).sum::<Decimal>().to_string()
}

/// A compact summary of what a file gives: format, clients, items per kind with their totals,
/// lettrage, due-date origins, one sample item per kind, and every diagnostic.
fn summary(f: &FecFile, r: &Rebuilt) -> Value {
    let checks = r.check_balances();
    let per_kind: BTreeMap<String, Value> = KINDS
        .iter()
        .map(|k| {
            let items: Vec<_> = r.items_of(*k).map(|(_, i)| i).collect();
            let first = items.first().map(|i| {
                format!(
                    "{} {} {:?} {} ref={:?} client={} open={} due={} ({})",
                    i.source.locator,
                    i.date,
                    i.side,
                    i.amount,
                    i.reference,
                    r.clients.get(i.client).map_or("?", |c| c.key.as_str()),
                    i.open,
                    i.due.map_or("-".to_owned(), |d| format!("{} {:?}", d.date, d.origin)),
                    i.counter_accounts.join(" "),
                )
            });
            (
                format!("{k:?}"),
                json!({"count": items.len(), "amount": sum(&items, false), "open": sum(&items, true), "first": first}),
            )
        })
        .collect();
    let mut due: BTreeMap<String, usize> = BTreeMap::new();
    for i in &r.items {
        if let Some(d) = i.due {
            *due.entry(format!("{:?}", d.origin)).or_default() += 1;
        }
    }
    let mut basis: BTreeMap<String, usize> = BTreeMap::new();
    for a in &r.allocations {
        *basis.entry(format!("{:?}", a.basis)).or_default() += 1;
    }
    json!({
        "file": f.file_name,
        "format": format!(
            "{:?} bom={} {:?} {:?} {:?} {:?} header={} lines={} skipped={}",
            f.encoding, f.bom, f.separator, f.line_ending, f.variant, f.amount_columns, f.header.len(),
            f.lines.len(), f.skipped_lines
        ),
        "name": format!("siren={:?} closing={:?}", f.siren_in_name, f.closing_date_in_name.map(|d| d.to_string())),
        "exercise": format!("{:?} .. {:?}", r.exercise_start.map(|d| d.to_string()), r.last_date.map(|d| d.to_string())),
        "journals": r.journals.iter().map(|j| format!("{} ({}) {:?} {} lines {}..{}", j.code, j.label, j.role, j.lines, j.first_date, j.last_date)).collect::<Vec<_>>(),
        "clients": r.clients.iter().zip(&checks).map(|(c, k)| {
            let open = r.items.iter().filter(|i| i.client == k.client && i.open.is_positive()).count();
            format!("{} | {} | {:?} {:?} | {} lines | balance {} | {open} open items | {}",
                c.key, c.name, c.identified_by, c.kind, c.lines, c.balance.amount, if k.agrees() { "agrees" } else { "DISAGREES" })
        }).collect::<Vec<_>>(),
        "items": per_kind,
        "lettrage": format!("{} groups, {} balanced, {} allocations {:?}", r.lettrage.len(), r.lettrage.iter().filter(|g| g.balanced).count(), r.allocations.len(), basis),
        "due_dates": due,
        "read_diagnostics": f.diagnostics.iter().map(line).collect::<Vec<_>>(),
        "rebuild_diagnostics": r.diagnostics.iter().map(line).collect::<Vec<_>>(),
    })
}

#[test]
fn summary_of_every_file() {
    for (name, bytes) in files() {
        let f = read_fec_bytes(&name, &bytes).expect("reads");
        let r = rebuild(&f, &RebuildOptions::default());
        insta::assert_yaml_snapshot!(name.clone(), summary(&f, &r));
    }
}
