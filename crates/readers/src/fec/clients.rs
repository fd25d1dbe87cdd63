//! Who each client line belongs to (open-data §1.4 1., "what the software must implement" 6.).
//!
//! In order of confidence:
//! 1. **Sub-ledger**: `CompAuxNum` (with `CompAuxLib` as the name) when the line has one.
//! 2. **Sub-accounts**: when lines have no `CompAuxNum` but the client accounts differ
//!    (`411DUPONT`, `41100012`…), each account is a client, named by `CompteLib`.
//! 3. **Label**: on a *collective* account (one used with `CompAuxNum` elsewhere, or the only client
//!    account of the file), a line without `CompAuxNum` is attributed from its text, see
//!    [`candidate`]: first a known name (a name the caller passes, or the name of a sub-ledger
//!    client) written in `EcritureLib`/`PieceRef`; else the first run of words that are neither
//!    accounting words (`FACT`, `VIR`, `CLIENTS`…) nor numbers or dates (`RETROCESSION ACLA
//!    INTERCO` → `ACLA`); else a name found that way on another line; finally lines lettered
//!    together with lines of exactly one client go to that client (a lettrage group is one
//!    client's).
//! 4. **Unattributed**: what is left goes, explicitly, to one bucket per collective account.
//!
//! Then each client's name tells whether it is a real customer: takings booked by payment means
//! (`RECETTE CB`, `RECETTE ESPECES`…) and suspense accounts (`Client attente`, `CLIENTS DIVERS`) are
//! reported as such ([`ClientKind`]), never silently taken for customers.

use std::collections::{BTreeMap, BTreeSet};

use encours_domain::{Currency, Money, Source};
use serde::Serialize;

use super::{Diagnostic, FecFile, Level};

/// A client of the rebuilt receivables.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FecClient {
    /// Stable key within the file: the `CompAuxNum`, the sub-account number, the name inferred
    /// from the labels, or `?` + the account for the unattributed bucket.
    pub key: String,
    /// Name: `CompAuxLib`, `CompteLib`, the inferred name, or a description of the bucket.
    pub name: String,
    /// The general ledger account of its first line (`411000`…).
    pub account: String,
    /// How the client was identified.
    pub identified_by: ClientOrigin,
    /// Whether it is a real customer.
    pub kind: ClientKind,
    /// Σ debit − Σ credit over the client's lines in the file: its 411 balance at the end of the
    /// file.
    pub balance: Money,
    /// Number of lines of the file attributed to it.
    pub lines: usize,
    /// Its first line.
    pub source: Source,
}

/// How a client was identified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientOrigin {
    /// `CompAuxNum`, the sub-ledger account.
    AuxiliaryAccount,
    /// A client sub-account in `CompteNum`.
    SubAccount,
    /// A name found in `EcritureLib` / `PieceRef` (heuristic, to be confirmed by the user).
    Label,
    /// The bucket of lines nobody could be found for.
    Unattributed,
}

/// What a client is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    /// A customer who owes money.
    Customer,
    /// Takings by payment means booked on 411 (`RECETTE CB`, `RECETTE CHQ`…): the shop's counter
    /// sales, not a debtor.
    PaymentMeans,
    /// A waiting or miscellaneous account (`Client attente`, `CLIENTS DIVERS`): to be split by the
    /// user.
    Suspense,
    /// The unattributed bucket.
    Unattributed,
}

/// Accounting words that separate a name from the rest of a label.
const BREAKS: &[&str] = &[
    "FACT",
    "FACTURE",
    "FACTURES",
    "FAC",
    "FA",
    "FCT",
    "AV",
    "AVOIR",
    "AVOIRS",
    "REGLEMENT",
    "REGLEMENTS",
    "RGLT",
    "RGT",
    "REG",
    "REGLT",
    "REGL",
    "RGLMT",
    "VIR",
    "VIRT",
    "VRT",
    "VIREMENT",
    "VIREMENTS",
    "SEPA",
    "PRLV",
    "PRELEVEMENT",
    "CHQ",
    "CHEQUE",
    "CHEQUES",
    "CB",
    "CARTE",
    "REMISE",
    "REM",
    "ESPECES",
    "ESP",
    "RECETTE",
    "RECETTES",
    "RETROCESSION",
    "INTERCO",
    "CLIENT",
    "CLIENTS",
    "WEB",
    "NO",
    "NUM",
    "REF",
    "ACOMPTE",
    "SOLDE",
    "ENCAISSEMENT",
    "PAIEMENT",
    "IMPAYE",
    "IMPAYES",
    "EXTOURNE",
    "EXT",
    "TVA",
    "HT",
    "TTC",
    "ECHEANCE",
    "REPORT",
    "NOUVEAU",
    "NOUVEAUX",
    "RAN",
    "ANO",
    "JANVIER",
    "FEVRIER",
    "MARS",
    "AVRIL",
    "MAI",
    "JUIN",
    "JUILLET",
    "AOUT",
    "SEPTEMBRE",
    "OCTOBRE",
    "NOVEMBRE",
    "DECEMBRE",
    "JANV",
    "FEV",
    "FEVR",
    "AVR",
    "JUIL",
    "SEPT",
    "OCT",
    "NOV",
    "DEC",
    "SANS",
];
/// Words dropped at the ends of a name: articles, connectors, legal forms.
const EDGES: &[&str] = &[
    "DE", "DU", "DES", "LA", "LE", "LES", "L", "D", "ET", "A", "AU", "AUX", "EN", "PAR", "POUR", "SUR", "CIE", "SA",
    "SAS", "SASU", "SARL", "EURL", "SCEA", "SCI", "SNC", "EARL", "GAEC", "ETS", "STE", "SOC", "SC",
];
/// Payment means, for recognising takings booked per means.
const MEANS: &[&str] = &[
    "CB",
    "CARTE",
    "CARTES",
    "BANCAIRE",
    "BANCAIRES",
    "ESPECES",
    "ESPECE",
    "ESP",
    "CHQ",
    "CHEQUE",
    "CHEQUES",
    "VIREMENT",
    "VIREMENTS",
    "VIR",
    "PRELEVEMENT",
    "PRELEVEMENTS",
    "TPE",
    "TICKET",
    "TICKETS",
    "COMPTANT",
    "CAISSE",
];
/// Words that say nothing about who the client is.
const FILLERS: &[&str] = &[
    "CLIENT",
    "CLIENTS",
    "RECETTE",
    "RECETTES",
    "ENCAISSEMENT",
    "ENCAISSEMENTS",
    "VENTE",
    "VENTES",
    "REGLEMENT",
    "REGLEMENTS",
    "PAR",
    "EN",
    "DE",
    "DES",
    "ET",
];
/// Words of a waiting or catch-all account.
const SUSPENSE: &[&str] = &["ATTENTE", "DIVERS", "PASSAGE", "INCONNU", "INCONNUS", "IDENTIFIER", "IDENTIFIE"];

/// Upper case without accents, words of letters and digits.
pub(super) fn words(text: &str) -> Vec<String> {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_uppercase) {
        match c {
            'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => folded.push('A'),
            'Ç' => folded.push('C'),
            'È' | 'É' | 'Ê' | 'Ë' => folded.push('E'),
            'Ì' | 'Í' | 'Î' | 'Ï' => folded.push('I'),
            'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => folded.push('O'),
            'Ù' | 'Ú' | 'Û' | 'Ü' => folded.push('U'),
            'Ÿ' | 'Ý' => folded.push('Y'),
            'Œ' => folded.push_str("OE"),
            'Æ' => folded.push_str("AE"),
            c if c.is_alphanumeric() => folded.push(c),
            _ => folded.push(' '),
        }
    }
    folded.split_whitespace().map(str::to_owned).collect()
}

/// A client name read from a label: the first run of words that are neither accounting words nor
/// numbers, trimmed of articles and legal forms at both ends, with at least three letters.
/// Returns (key, name as displayed): the key drops the legal forms so that `SA JAUNO ET CIE` and
/// `JAUNO` meet.
pub(super) fn candidate(text: &str) -> Option<(String, String)> {
    let ws = words(text);
    let mut run: Vec<&str> = Vec::new();
    let mut runs: Vec<Vec<&str>> = Vec::new();
    for w in &ws {
        if BREAKS.contains(&w.as_str()) || w.chars().any(|c| c.is_ascii_digit()) {
            runs.push(std::mem::take(&mut run));
        } else {
            run.push(w);
        }
    }
    runs.push(run);
    runs.into_iter().find_map(|r| {
        let start = r.iter().position(|w| !EDGES.contains(w))?;
        let end = r.iter().rposition(|w| !EDGES.contains(w))?;
        let core = r.get(start..=end)?;
        let letters: usize = core.iter().map(|w| w.chars().filter(|c| c.is_alphabetic()).count()).sum();
        if letters < 3 {
            return None;
        }
        // Display: only the articles and connectors are trimmed ("SA JAUNO ET CIE").
        let article = |w: &&str| matches!(*w, "DE" | "DU" | "DES" | "L" | "D" | "ET" | "A" | "AU" | "AUX" | "EN");
        let shown_start = r.iter().position(|w| !article(w))?;
        let shown_end = r.iter().rposition(|w| !article(w))?;
        let shown = r.get(shown_start..=shown_end)?.join(" ");
        Some((core.join(" "), shown))
    })
}

/// True when `needle` (words) occurs as consecutive whole words in `hay`.
fn contains_words(hay: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Whether a client is a real customer, from its name (see [`ClientKind`]).
pub(super) fn kind_of(name: &str) -> ClientKind {
    let ws = words(name);
    if ws.is_empty() {
        return ClientKind::Customer;
    }
    let is = |set: &[&str], w: &String| set.contains(&w.as_str());
    if ws.iter().any(|w| is(MEANS, w)) && ws.iter().all(|w| is(MEANS, w) || is(FILLERS, w)) {
        return ClientKind::PaymentMeans;
    }
    if ws.iter().any(|w| is(SUSPENSE, w)) || ws.iter().all(|w| is(FILLERS, w)) {
        return ClientKind::Suspense;
    }
    ClientKind::Customer
}

/// Internal identity of a client while attributing.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Aux(String),
    Sub(String),
    Label(String),
    Unattributed(String),
}

/// The clients of a file, and for every line of the file the index of its client (`None` for
/// lines that are not on a client account).
pub(super) struct Attribution {
    pub clients: Vec<FecClient>,
    pub of_line: Vec<Option<usize>>,
}

/// Attributes every client line (`is_client[i]` for `fec.lines[i]`), see the module doc.
pub(super) fn attribute(
    fec: &FecFile,
    is_client: &[bool],
    known_names: &[String],
    diags: &mut Vec<Diagnostic>,
) -> Attribution {
    let lines = &fec.lines;
    let client_lines: Vec<usize> = (0..lines.len()).filter(|i| is_client.get(*i).copied().unwrap_or(false)).collect();
    // Collective accounts: used with a sub-ledger, or the only client account without one.
    let mut with_aux = BTreeSet::new();
    let mut without_aux = BTreeSet::new();
    for &i in &client_lines {
        let Some(l) = lines.get(i) else { continue };
        if l.comp_aux_num.is_empty() {
            without_aux.insert(l.compte_num.clone());
        } else {
            with_aux.insert(l.compte_num.clone());
        }
    }
    let single = without_aux.len() == 1;
    let collective = |acct: &str| with_aux.contains(acct) || single;

    let mut keys: Vec<Option<Key>> = vec![None; lines.len()];
    let mut pending = Vec::new();
    for &i in &client_lines {
        let Some(l) = lines.get(i) else { continue };
        let key = if !l.comp_aux_num.is_empty() {
            Some(Key::Aux(l.comp_aux_num.clone()))
        } else if !collective(&l.compte_num) {
            Some(Key::Sub(l.compte_num.clone()))
        } else {
            pending.push(i);
            None
        };
        if let Some(slot) = keys.get_mut(i) {
            *slot = key;
        }
    }

    // Names for the label heuristic: the caller's, then the identified clients'.
    let mut names: BTreeMap<Key, String> = BTreeMap::new();
    for &i in &client_lines {
        let (Some(Some(k)), Some(l)) = (keys.get(i), lines.get(i)) else { continue };
        let name = match k {
            Key::Aux(_) => &l.comp_aux_lib,
            _ => &l.compte_lib,
        };
        if !name.is_empty() {
            names.entry(k.clone()).or_insert_with(|| name.clone());
        }
    }
    let mut known: Vec<(Vec<String>, Key)> = Vec::new();
    for n in known_names {
        if let Some((key, _)) = candidate(n) {
            known.push((words(n), Key::Label(key)));
        }
    }
    for (k, n) in &names {
        if kind_of(n) == ClientKind::Customer && words(n).iter().map(String::len).sum::<usize>() >= 3 {
            known.push((words(n), k.clone()));
        }
    }
    // Longest names first, so that "JARDIN DES PAPES" wins over "JARDIN".
    known.sort_by_key(|(w, _)| std::cmp::Reverse(w.iter().map(String::len).sum::<usize>()));

    let mut shown: BTreeMap<String, String> = BTreeMap::new();
    let texts: BTreeMap<usize, Vec<String>> = pending
        .iter()
        .filter_map(|&i| lines.get(i).map(|l| (i, words(&format!("{} {}", l.ecriture_lib, l.piece_ref)))))
        .collect();
    let own: BTreeMap<usize, (String, String)> = pending
        .iter()
        .filter_map(|&i| {
            let l = lines.get(i)?;
            Some((i, candidate(&l.ecriture_lib).or_else(|| candidate(&l.piece_ref))?))
        })
        .collect();
    let others: Vec<Vec<String>> = own
        .values()
        .map(|(k, _)| words(k))
        .filter(|w| w.iter().map(String::len).sum::<usize>() >= 4)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut by_label = 0usize;
    for &i in &pending {
        let text = texts.get(&i).cloned().unwrap_or_default();
        let found = known
            .iter()
            .find(|(w, _)| contains_words(&text, w))
            .map(|(_, k)| k.clone())
            .or_else(|| {
                own.get(&i).map(|(k, s)| {
                    shown.entry(k.clone()).or_insert_with(|| s.clone());
                    Key::Label(k.clone())
                })
            })
            .or_else(|| {
                let mut found: Vec<&Vec<String>> = others.iter().filter(|w| contains_words(&text, w)).collect();
                found.sort_by_key(|w| std::cmp::Reverse(w.len()));
                found.first().map(|w| Key::Label(w.join(" ")))
            });
        if found.is_some() {
            by_label += 1;
        }
        if let Some(slot) = keys.get_mut(i) {
            *slot = found;
        }
    }
    // A lettrage group is one client's: unattributed lines lettered with lines of exactly one
    // client go to it.
    let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for &i in &pending {
        if let Some(l) = lines.get(i).filter(|l| !l.ecriture_let.is_empty()) {
            groups.entry((l.compte_num.clone(), l.ecriture_let.clone())).or_default().push(i);
        }
    }
    let mut by_lettrage = 0usize;
    for members in groups.values() {
        let owners: BTreeSet<&Key> = members.iter().filter_map(|i| keys.get(*i).and_then(Option::as_ref)).collect();
        if owners.len() != 1 {
            continue;
        }
        let Some(owner) = owners.first().map(|k| (*k).clone()) else { continue };
        for &i in members {
            if let Some(slot @ None) = keys.get_mut(i) {
                *slot = Some(owner.clone());
                by_lettrage += 1;
            }
        }
    }
    for &i in &pending {
        if let (Some(slot @ None), Some(l)) = (keys.get_mut(i), lines.get(i)) {
            *slot = Some(Key::Unattributed(l.compte_num.clone()));
        }
    }

    // The clients, in order of first line.
    let mut index: BTreeMap<Key, usize> = BTreeMap::new();
    let mut clients: Vec<FecClient> = Vec::new();
    let mut of_line = vec![None; lines.len()];
    for &i in &client_lines {
        let (Some(Some(key)), Some(l)) = (keys.get(i), lines.get(i)) else { continue };
        let n = *index.entry(key.clone()).or_insert_with(|| {
            let (k, name, origin) = match key {
                Key::Aux(k) => (k.clone(), names.get(key).cloned().unwrap_or_default(), ClientOrigin::AuxiliaryAccount),
                Key::Sub(k) => (k.clone(), names.get(key).cloned().unwrap_or_default(), ClientOrigin::SubAccount),
                Key::Label(k) => (k.clone(), shown.get(k).cloned().unwrap_or_else(|| k.clone()), ClientOrigin::Label),
                Key::Unattributed(acct) => {
                    (format!("?{acct}"), format!("unattributed lines of account {acct}"), ClientOrigin::Unattributed)
                }
            };
            let kind = if origin == ClientOrigin::Unattributed { ClientKind::Unattributed } else { kind_of(&name) };
            clients.push(FecClient {
                key: k,
                name,
                account: l.compte_num.clone(),
                identified_by: origin,
                kind,
                balance: Money::zero(Currency::EUR),
                lines: 0,
                source: l.source.clone(),
            });
            clients.len() - 1
        });
        if let Some(c) = clients.get_mut(n) {
            c.lines += 1;
            // Amounts are capped by the reader: these sums cannot overflow.
            c.balance.amount = c.balance.amount.checked_add(l.net()).unwrap_or(c.balance.amount);
        }
        if let Some(slot) = of_line.get_mut(i) {
            *slot = Some(n);
        }
    }

    if !pending.is_empty() {
        let unattributed = pending.len().saturating_sub(by_label + by_lettrage);
        diags.push(Diagnostic {
            level: Level::Info,
            rule: "FEC-CLIENT-LABEL".to_owned(),
            message: format!(
                "{} client line(s) have no sub-ledger account on a collective account: {by_label} attributed by \
                 their label, {by_lettrage} by their lettrage, {unattributed} left unattributed (heuristic: check \
                 the clients marked 'label')",
                pending.len()
            ),
            path: String::new(),
        });
    }
    for c in &clients {
        let (level, rule, what) = match c.kind {
            ClientKind::Customer => continue,
            ClientKind::PaymentMeans => (
                Level::Warning,
                "FEC-PSEUDO-CLIENT",
                "looks like takings booked by payment means, not a customer: kept apart as a pseudo-client",
            ),
            ClientKind::Suspense => (
                Level::Warning,
                "FEC-PSEUDO-CLIENT",
                "looks like a waiting or miscellaneous account, not one customer: kept apart as a pseudo-client",
            ),
            ClientKind::Unattributed => (
                Level::Warning,
                "FEC-UNATTRIBUTED",
                "holds the lines no client could be found for; to be attributed by the user",
            ),
        };
        let balance = c.balance.amount.normalize();
        diags.push(Diagnostic {
            level,
            rule: rule.to_owned(),
            message: format!("client {} ({}, {} line(s), balance {balance}) {what}", c.key, c.name, c.lines),
            path: c.source.locator.clone(),
        });
    }
    Attribution { clients, of_line }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(s: &str) -> Option<String> {
        candidate(s).map(|(k, _)| k)
    }

    #[test]
    fn names_from_labels() {
        assert_eq!(cand("RETROCESSION ACLA INTERCO").as_deref(), Some("ACLA"));
        assert_eq!(cand("RETROCESSION STEVE MC TWO  INTERCO").as_deref(), Some("STEVE MC TWO"));
        assert_eq!(cand("31-03-2022 CLIENTS"), None);
        assert_eq!(cand("CLIENTS"), None);
        assert_eq!(cand("VIR 12345 FA2023-001"), None);
        assert_eq!(cand("08-02-2022 WEB SA JAUNO ET CIE FACT DU 25").as_deref(), Some("JAUNO"));
        assert_eq!(candidate("08-02-2022 WEB SA JAUNO ET CIE FACT").map(|c| c.1).as_deref(), Some("SA JAUNO ET CIE"));
        assert_eq!(cand("Règlement Société Générale fact 12").as_deref(), Some("SOCIETE GENERALE"));
        assert_eq!(cand("LES JARDINS D ALBERT 01 AU 10.02").as_deref(), Some("JARDINS D ALBERT"));
        assert_eq!(cand("VIR DE").as_deref(), None, "too short");
    }

    #[test]
    fn pseudo_clients_by_name() {
        for n in ["RECETTE CB", "RECETTE ESPECES", "RECETTES VIREMENT", "RECETTE CHQ", "Ventes comptant", "CAISSE"] {
            assert_eq!(kind_of(n), ClientKind::PaymentMeans, "{n}");
        }
        for n in ["Client attente", "CLIENTS DIVERS", "Clients", "client de passage"] {
            assert_eq!(kind_of(n), ClientKind::Suspense, "{n}");
        }
        for n in ["JARDIN DE FLORETTE", "CAISSE D'EPARGNE", "E.LECLERC CARPENTR", "", "CB RICHARD ELLIS"] {
            assert_eq!(kind_of(n), ClientKind::Customer, "{n}");
        }
    }
}
