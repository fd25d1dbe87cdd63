//! What earlier accepted matches taught about payers: this IBAN pays for that client, this
//! name is that client.
//!
//! The memory is built by the caller from the stored history (`payer_memory` rows, or the
//! accepted payments themselves) with [`PayerMemory::remember`], and grows with
//! [`PayerMemory::learn`]. An account number belongs to one client at a time: the latest fact
//! wins, so a payer who changed client is followed. A name is different: French ledgers hold
//! homonyms (two *Boulangerie Martin* in two towns), so a name remembered for two clients
//! becomes ambiguous and recognises nobody, until a deliberate fact settles it
//! ([`PayerMemory::learn`] or [`PayerMemory::remember_stored`], which replace). Load the
//! ledger's history with [`PayerMemory::remember`] first, then the stored facts. It never
//! decides alone:
//! a known payer tells the engine *which client's* open items to look at; the amount or the
//! remittance text must still point at the items.

use std::collections::HashMap;

use encours_domain::ClientId;
use serde::Serialize;

use super::text::{fold_upper, name_key, name_words};
use super::CreditLine;

/// A fact remembered about a payer, in its normalised form (what the store keeps).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum PayerKey {
    /// An account number (IBAN), upper case without spaces.
    Iban(String),
    /// A payer name reduced to its significant words, sorted (see [`normalise_payer_name`]).
    Name(String),
}

impl PayerKey {
    /// `iban` or `name`, the `kind` column of the store's `payer_memory`.
    pub fn kind(&self) -> &'static str {
        match self {
            PayerKey::Iban(_) => "iban",
            PayerKey::Name(_) => "name",
        }
    }

    /// The normalised value.
    pub fn value(&self) -> &str {
        match self {
            PayerKey::Iban(v) | PayerKey::Name(v) => v,
        }
    }
}

/// An account number as the memory keys it: upper case, spaces removed; `None` when nothing is
/// left. The ISO 13616 check is not required: banks and test files send accounts that fail it,
/// and the same wrong number still identifies the same payer.
pub fn normalise_iban(iban: &str) -> Option<String> {
    let s: String = iban.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
    (s.len() >= 8).then_some(s)
}

/// A payer name as the memory keys it: accents folded, upper case, bank words (`VIR SEPA RECU
/// DE`), civilities and legal forms (`SARL`, `SAS`…) dropped, the remaining words sorted, so that
/// `SARL DUPONT BATIMENT`, `Dupont Bâtiment SARL` and `VIR SEPA DUPONT BATIMENT` are one payer.
/// `None` when no significant word is left.
pub fn normalise_payer_name(name: &str) -> Option<String> {
    name_key(&name_words(name))
}

/// How a payer name was recognised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameMatch {
    /// The client.
    pub client: ClientId,
    /// The remembered name (normalised) that matched.
    pub known: String,
    /// False when the normalised names are equal; true when the line's name is a truncated or
    /// partial form of the remembered one.
    pub similar: bool,
}

#[derive(Clone, Debug)]
struct NameEntry {
    words: Vec<String>,
    key: String,
    /// `None` once the name was remembered for two different clients.
    client: Option<ClientId>,
}

/// Most entries scanned for a similar name, so that a very common word cannot make a lookup slow.
const SIMILAR_SCAN: usize = 256;

/// What the engine knows of payers. See the module documentation.
#[derive(Clone, Debug, Default)]
pub struct PayerMemory {
    ibans: HashMap<String, ClientId>,
    names: HashMap<String, usize>,
    entries: Vec<NameEntry>,
    by_word: HashMap<String, Vec<u32>>,
}

impl PayerMemory {
    /// An empty memory.
    pub fn new() -> PayerMemory {
        PayerMemory::default()
    }

    /// Remembers a fact from the history: a later fact about the same IBAN replaces the earlier
    /// one (the store does the same); a name remembered for two different clients becomes
    /// ambiguous (see the module documentation).
    pub fn remember(&mut self, key: &PayerKey, client: ClientId) {
        match key {
            PayerKey::Iban(v) => {
                if let Some(v) = normalise_iban(v) {
                    self.ibans.insert(v, client);
                }
            }
            PayerKey::Name(v) => self.remember_name(v, client, false),
        }
    }

    /// Remembers a stored row of the store's `payer_memory` (`kind` is `iban` or `name`): a fact
    /// a person or an accepted match established deliberately, so it replaces whatever was known,
    /// ambiguity included. Returns false for an unknown kind or an empty value. Values are
    /// normalised again, which is harmless for values that already are.
    pub fn remember_stored(&mut self, kind: &str, value: &str, client: ClientId) -> bool {
        match kind {
            "iban" => match normalise_iban(value) {
                Some(v) => {
                    self.ibans.insert(v, client);
                    true
                }
                None => false,
            },
            "name" => {
                let usable = normalise_payer_name(value).is_some();
                if usable {
                    self.remember_name(value, client, true);
                }
                usable
            }
            _ => false,
        }
    }

    fn remember_name(&mut self, name: &str, client: ClientId, replace: bool) {
        let words = name_words(name);
        let Some(key) = name_key(&words) else { return };
        if let Some(&i) = self.names.get(&key) {
            if let Some(e) = self.entries.get_mut(i) {
                e.client = if replace || e.client == Some(client) { Some(client) } else { None };
            }
            return;
        }
        let i = self.entries.len();
        let mut distinct = words;
        distinct.sort_unstable();
        distinct.dedup();
        for w in &distinct {
            self.by_word.entry(w.clone()).or_default().push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        self.names.insert(key.clone(), i);
        self.entries.push(NameEntry { words: distinct, key, client: Some(client) });
    }

    /// Learns from a line the user (or the automatic lettrage) attributed to `client`: its IBAN
    /// and its payer name, both replacing what was known (the attribution is fresh and
    /// deliberate). Returns the facts learned, normalised, for the caller to store.
    pub fn learn(&mut self, line: &CreditLine, client: ClientId) -> Vec<PayerKey> {
        let mut learned = Vec::with_capacity(2);
        if let Some(iban) = line.payer_iban.as_deref().and_then(normalise_iban) {
            self.ibans.insert(iban.clone(), client);
            learned.push(PayerKey::Iban(iban));
        }
        if let Some(name) = line.payer_name.as_deref() {
            if let Some(key) = normalise_payer_name(name) {
                self.remember_name(name, client, true);
                learned.push(PayerKey::Name(key));
            }
        }
        learned
    }

    /// The client an account number is known to pay for.
    pub fn iban_client(&self, iban: &str) -> Option<ClientId> {
        self.ibans.get(&normalise_iban(iban)?).copied()
    }

    /// The client a payer name is known as: the same normalised name, or else a *similar* one —
    /// every significant word of the line's name is a word of the remembered name (its last word
    /// may be cut short, as banks truncate names), and those words make at least 60 % of the
    /// remembered name. A name similar to the names of two clients is no answer.
    pub fn name_client(&self, name: &str) -> Option<NameMatch> {
        let words = name_words(name);
        let key = name_key(&words)?;
        if let Some(e) = self.names.get(&key).and_then(|&i| self.entries.get(i)) {
            // A homonym of two clients recognises nobody, not even by resemblance.
            return e.client.map(|client| NameMatch { client, known: e.key.clone(), similar: false });
        }
        self.similar_name(&words)
    }

    fn similar_name(&self, words: &[String]) -> Option<NameMatch> {
        let (last, whole) = words.split_last()?;
        // A single word, even long, is too weak to recognise a payer by resemblance.
        if whole.is_empty() {
            return None;
        }
        // Candidates hold every whole word: the intersection of the words' postings (sorted
        // entry numbers), smallest list first.
        let mut lists: Vec<&Vec<u32>> = Vec::with_capacity(whole.len());
        for w in whole {
            lists.push(self.by_word.get(w)?);
        }
        lists.sort_by_key(|l| l.len());
        let mut candidates: Vec<u32> = lists[0].clone();
        for l in &lists[1..] {
            candidates.retain(|e| l.binary_search(e).is_ok());
            if candidates.is_empty() {
                return None;
            }
        }
        let mut line_distinct: Vec<&String> = words.iter().collect();
        line_distinct.sort_unstable();
        line_distinct.dedup();
        let mut best: Option<(usize, ClientId, &NameEntry)> = None;
        let mut tie = false;
        for &i in candidates.iter().take(SIMILAR_SCAN) {
            let Some(e) = self.entries.get(i as usize) else { continue };
            let Some(client) = e.client else {
                // An ambiguous name that fits makes the resemblance ambiguous too.
                tie = true;
                continue;
            };
            let last_found = e.words.binary_search(last).is_ok()
                || (last.len() >= 3 && e.words.iter().any(|w| w.starts_with(last.as_str())));
            // Share of the remembered name covered, in per cent.
            let cover = line_distinct.len() * 100 / e.words.len().max(1);
            if !last_found || cover < 60 {
                continue;
            }
            // Every passing candidate counts: two clients whose names both fit make the name
            // ambiguous, even when one fits better (a truncation may hide the difference).
            match best {
                Some((_, b, _)) if b != client => tie = true,
                Some((c, _, _)) if c >= cover => {}
                _ => best = Some((cover, client, e)),
            }
        }
        match best {
            Some((_, client, e)) if !tie => Some(NameMatch { client, known: e.key.clone(), similar: true }),
            _ => None,
        }
    }

    /// Number of IBANs and names remembered.
    pub fn len(&self) -> usize {
        self.ibans.len() + self.entries.len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Upper-case ASCII of a name, for reasons shown to the user.
pub(crate) fn display_name(name: &str) -> String {
    fold_upper(name).split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: Option<&str>, iban: Option<&str>) -> CreditLine {
        CreditLine {
            key: 1,
            amount: encours_domain::Money::eur(rust_decimal::Decimal::ONE),
            booked_on: chrono::NaiveDate::from_ymd_opt(2026, 5, 4).unwrap(),
            payer_name: name.map(str::to_owned),
            payer_iban: iban.map(str::to_owned),
            texts: Vec::new(),
            structured_refs: Vec::new(),
        }
    }

    #[test]
    fn learning_a_line_remembers_its_iban_and_name() {
        let mut m = PayerMemory::new();
        let learned = m.learn(
            &line(Some("VIR SEPA SARL Boulangerie Lefèvre"), Some("fr76 3000 6000 0112 3456 7890 189")),
            ClientId(7),
        );
        assert_eq!(
            learned,
            [PayerKey::Iban("FR7630006000011234567890189".into()), PayerKey::Name("BOULANGERIE LEFEVRE".into())]
        );
        assert_eq!(m.iban_client("FR76 3000 6000 0112 3456 7890 189"), Some(ClientId(7)));
        let exact = m.name_client("LEFEVRE BOULANGERIE").unwrap();
        assert_eq!((exact.client, exact.similar), (ClientId(7), false), "word order and legal form do not matter");
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn truncated_names_are_similar_and_ambiguous_ones_are_not_recognised() {
        let mut m = PayerMemory::new();
        m.remember(&PayerKey::Name("Boulangerie Pâtisserie Lefèvre et Fils".into()), ClientId(1));
        m.remember(&PayerKey::Name("Transports Martin".into()), ClientId(2));
        m.remember(&PayerKey::Name("Transports Martin Frères".into()), ClientId(3));
        let s = m.name_client("BOULANGERIE PATISSERIE LEFE").unwrap();
        assert_eq!((s.client, s.similar), (ClientId(1), true), "cut by the bank after 27 characters");
        assert_eq!(m.name_client("BOULANGERIE").map(|n| n.client), None, "one word is not enough");
        assert_eq!(m.name_client("TRANSPORTS MARTIN").map(|n| n.client), Some(ClientId(2)), "exact beats similar");
        assert_eq!(m.name_client("TRANSPORTS MAR"), None, "a prefix shared by two clients' names is ambiguous");
        assert_eq!(m.name_client("PATISSERIE DUPONT"), None);
    }

    #[test]
    fn ibans_follow_the_latest_fact_and_homonyms_recognise_nobody() {
        let mut m = PayerMemory::new();
        m.remember(&PayerKey::Iban("FR7630006000011234567890189".into()), ClientId(1));
        m.remember(&PayerKey::Iban("FR76 3000 6000 0112 3456 7890 189".into()), ClientId(2));
        m.remember(&PayerKey::Name("DUPONT BATIMENT".into()), ClientId(1));
        m.remember(&PayerKey::Name("DUPONT BATIMENT".into()), ClientId(1));
        assert_eq!(m.name_client("DUPONT BATIMENT").map(|n| n.client), Some(ClientId(1)), "the same fact twice");
        m.remember(&PayerKey::Name("SARL Dupont Bâtiment".into()), ClientId(3));
        assert_eq!(m.iban_client("FR7630006000011234567890189"), Some(ClientId(2)));
        assert_eq!(m.name_client("DUPONT BATIMENT"), None, "a homonym of clients 1 and 3");
        assert_eq!(m.name_client("DUPONT BATIM"), None, "nor by resemblance");
        assert!(m.remember_stored("name", "Dupont Batiment", ClientId(1)), "a stored fact settles it");
        assert_eq!(m.name_client("DUPONT BATIMENT").map(|n| n.client), Some(ClientId(1)));
        assert!(!m.remember_stored("phone", "0102030405", ClientId(1)));
        assert!(!m.remember_stored("name", "SARL", ClientId(1)));
        assert!(m.remember_stored("iban", "FR7630006000011234567890189", ClientId(4)));
        assert_eq!(m.iban_client("FR7630006000011234567890189"), Some(ClientId(4)));
        let mut line = super::super::CreditLine {
            key: 1,
            amount: encours_domain::Money::eur(rust_decimal::Decimal::ONE),
            booked_on: chrono::NaiveDate::from_ymd_opt(2026, 5, 4).unwrap(),
            payer_name: Some("DUPONT BATIMENT".into()),
            payer_iban: None,
            texts: Vec::new(),
            structured_refs: Vec::new(),
        };
        m.learn(&line, ClientId(3));
        assert_eq!(m.name_client("DUPONT BATIMENT").map(|n| n.client), Some(ClientId(3)), "a person decided");
        line.payer_name = None;
        assert!(m.learn(&line, ClientId(3)).is_empty());
        assert_eq!(m.len(), 2);
    }
}
