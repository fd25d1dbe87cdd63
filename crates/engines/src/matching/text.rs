//! Reading invoice numbers and payer names the way people and banks write them.
//!
//! Invoice numbers: a number such as `F2026-000123` is seen as its letters (`F`) and its digit
//! segments (`2026`, `000123`). Payers drop or change the separators (`F2026000123`,
//! `2026/123`), add or drop padding zeros (`F2026-00123`), change the prefix (`FA 2026-123`,
//! `INV`, `FACT`) or quote only the sequence (`factures 123 et 124`). Three keys per number cover
//! these forms, each a 64-bit hash so that the index stores no strings:
//! - *structure*: the digit segments without their leading zeros, in order (`2026.123`);
//! - *compact*: every digit, zeros kept, separators dropped (`2026000123`), for numbers of two
//!   segments or more (for one segment it would repeat the structure key);
//! - *tail*: the last segment without leading zeros (`123`), also for two segments or more.
//!
//! Tokens of a remittance text are whole words (split on spaces and punctuation other than the
//! separators `-`, `/`, `.`, `_` that numbers contain), so a number is never found inside a
//! longer one: `123` does not match `1234`, and `2026-123` does not match `2026-1234`.

/// Kinds of key, mixed into the hash so that the three kinds never collide with each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Structure = 1,
    Compact = 2,
    Tail = 3,
    Amount = 4,
    Reference = 5,
}

/// A 64-bit FNV-1a accumulator with a final avalanche, seeded by the key kind. Not a
/// cryptographic hash: collisions are possible and every hit is verified against the item.
#[derive(Clone, Copy)]
pub(crate) struct KeyHash(u64);

impl KeyHash {
    pub(crate) fn new(kind: KeyKind) -> KeyHash {
        KeyHash(0xcbf2_9ce4_8422_2325 ^ (kind as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    pub(crate) fn byte(&mut self, b: u8) {
        self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }

    pub(crate) fn bytes(&mut self, bs: &[u8]) {
        for &b in bs {
            self.byte(b);
        }
    }

    pub(crate) fn finish(self) -> u64 {
        // Final mix so that the low bits (the bucket) depend on every input byte.
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The hash of an amount in units of 10⁻⁵ and its currency code.
pub(crate) fn amount_key(currency: &str, units: i64) -> u64 {
    let mut h = KeyHash::new(KeyKind::Amount);
    h.bytes(currency.as_bytes());
    h.bytes(&units.to_le_bytes());
    h.finish()
}

/// The hash of a compact creditor reference (`RF18539007547034`).
pub(crate) fn reference_key(compact: &str) -> u64 {
    let mut h = KeyHash::new(KeyKind::Reference);
    h.bytes(compact.as_bytes());
    h.finish()
}

/// What an invoice-number-like string is made of.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Shape {
    /// Upper-case ASCII letters, in order (`F` for `F2026-000123`).
    pub letters: String,
    /// Digit segments as written, zeros kept.
    pub segments: Vec<(usize, usize)>,
    /// The digits, as written (byte ranges in `segments` point into it).
    pub digits: String,
    /// Letters and digits, upper case, separators dropped (`F2026000123`).
    pub compact: String,
}

impl Shape {
    /// Reads a string as letters and digit segments. Any character that is not an ASCII letter
    /// or digit separates segments; a letter next to a digit does too (`F2026` is `F` + `2026`).
    pub(crate) fn of(s: &str) -> Shape {
        let mut shape = Shape::default();
        let mut in_digits = false;
        let mut start = 0;
        for c in s.chars() {
            if c.is_ascii_digit() {
                if !in_digits {
                    start = shape.digits.len();
                    in_digits = true;
                }
                shape.digits.push(c);
                shape.compact.push(c);
            } else {
                if in_digits {
                    shape.segments.push((start, shape.digits.len()));
                    in_digits = false;
                }
                if c.is_ascii_alphabetic() {
                    shape.letters.push(c.to_ascii_uppercase());
                    shape.compact.push(c.to_ascii_uppercase());
                }
            }
        }
        if in_digits {
            shape.segments.push((start, shape.digits.len()));
        }
        shape
    }

    fn segment(&self, i: usize) -> &str {
        self.segments.get(i).and_then(|&(a, b)| self.digits.get(a..b)).unwrap_or_default()
    }

    /// The last segment without leading zeros.
    pub(crate) fn tail(&self) -> &str {
        self.segments.len().checked_sub(1).map(|i| strip_zeros(self.segment(i))).unwrap_or_default()
    }

    /// Every segment without leading zeros, for comparisons.
    pub(crate) fn stripped(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.segments.len()).map(|i| strip_zeros(self.segment(i)))
    }
}

/// The keys of a number or a token, computed in one pass without allocating (the index computes
/// them for millions of items).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NumberKeys {
    /// How many digit segments.
    pub segments: u32,
    /// How many digits.
    pub digits: u32,
    /// Structure key: segments without leading zeros, joined by a dot.
    pub structure: u64,
    /// Every digit, zeros kept, as one run.
    pub compact: u64,
    /// The last segment without leading zeros.
    pub tail: u64,
    /// The structure key of all the digits read as one segment (`2026-123` → `2026123`): what an
    /// item numbered without separators (`F2026123`) has as structure key.
    pub joined: u64,
}

/// The keys of a string; `None` when it holds no digit. Bytes that are not ASCII letters or
/// digits separate segments, and so do letters (`F2026` is `F` + `2026`).
pub(crate) fn number_keys(s: &str) -> Option<NumberKeys> {
    let mut structure = KeyHash::new(KeyKind::Structure);
    let mut compact = KeyHash::new(KeyKind::Compact);
    let mut joined = KeyHash::new(KeyKind::Structure);
    let mut tail = KeyHash::new(KeyKind::Tail);
    let (mut segments, mut digits) = (0u32, 0u32);
    let (mut in_segment, mut seg_nonzero, mut any_nonzero) = (false, false, false);
    for &b in s.as_bytes() {
        if b.is_ascii_digit() {
            if !in_segment {
                in_segment = true;
                seg_nonzero = false;
                segments += 1;
                if segments > 1 {
                    structure.byte(b'.');
                }
                tail = KeyHash::new(KeyKind::Tail);
            }
            digits += 1;
            compact.byte(b);
            if b != b'0' || seg_nonzero {
                seg_nonzero = true;
                structure.byte(b);
                tail.byte(b);
            }
            if b != b'0' || any_nonzero {
                any_nonzero = true;
                joined.byte(b);
            }
        } else if in_segment {
            in_segment = false;
            if !seg_nonzero {
                structure.byte(b'0');
                tail.byte(b'0');
            }
        }
    }
    if segments == 0 {
        return None;
    }
    if in_segment && !seg_nonzero {
        structure.byte(b'0');
        tail.byte(b'0');
    }
    if !any_nonzero {
        joined.byte(b'0');
    }
    Some(NumberKeys {
        segments,
        digits,
        structure: structure.finish(),
        compact: compact.finish(),
        tail: tail.finish(),
        joined: joined.finish(),
    })
}

/// `"000123"` → `"123"`, `"000"` → `"0"`.
pub(crate) fn strip_zeros(s: &str) -> &str {
    let t = s.trim_start_matches('0');
    if t.is_empty() && !s.is_empty() {
        &s[s.len() - 1..]
    } else {
        t
    }
}

/// True for the characters that may sit inside an invoice number.
fn inner_separator(c: char) -> bool {
    matches!(c, '-' | '/' | '.' | '_')
}

/// Splits a text into words: runs of ASCII letters, digits and the inner separators, with
/// separators trimmed at both ends.
pub(crate) fn words(text: &str) -> impl Iterator<Item = &str> + '_ {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || inner_separator(c)))
        .map(|w| w.trim_matches(inner_separator))
        .filter(|w| !w.is_empty())
}

/// Folds a name to upper-case ASCII words: accents removed, everything else a separator.
pub(crate) fn fold_upper(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
            continue;
        }
        let folded = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' | 'À' | 'Â' | 'Ä' | 'Á' | 'Ã' | 'Å' => "A",
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => "E",
            'î' | 'ï' | 'í' | 'ì' | 'Î' | 'Ï' | 'Í' | 'Ì' => "I",
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' | 'Ô' | 'Ö' | 'Ó' | 'Ò' | 'Õ' => "O",
            'ù' | 'û' | 'ü' | 'ú' | 'Ù' | 'Û' | 'Ü' | 'Ú' => "U",
            'ç' | 'Ç' => "C",
            'ñ' | 'Ñ' => "N",
            'ÿ' | 'Ÿ' => "Y",
            'œ' | 'Œ' => "OE",
            'æ' | 'Æ' => "AE",
            _ => " ",
        };
        out.push_str(folded);
    }
    out
}

/// Words that say nothing about who paid: bank wording, articles, civilities and legal forms.
/// Dropping them makes `SARL DUPONT` and `DUPONT SARL` and `VIR SEPA DUPONT` the same payer.
const NAME_NOISE: &[&str] = &[
    "A", "ASSOC", "AU", "AUX", "CIE", "D", "DE", "DES", "DU", "EARL", "EI", "EIRL", "EMIS", "EN", "ET", "ETS", "EURL",
    "FROM", "GAEC", "GIE", "INST", "L", "LA", "LE", "LES", "M", "MADAME", "MLLE", "MME", "MONSIEUR", "MR", "PAR",
    "POUR", "RECU", "SA", "SARL", "SAS", "SASU", "SC", "SCA", "SCI", "SCM", "SCOP", "SCP", "SCS", "SCT", "SEL",
    "SELARL", "SELAS", "SEM", "SEPA", "SNC", "SOC", "SOCIETE", "SPL", "STE", "VIR", "VIREMENT",
];

/// The significant words of a payer name, upper case, in the order written.
pub(crate) fn name_words(name: &str) -> Vec<String> {
    fold_upper(name)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && NAME_NOISE.binary_search(w).is_err())
        .map(str::to_owned)
        .collect()
}

/// The memory key of a name: its significant words, distinct, sorted, joined by a space. `None`
/// when nothing significant is left.
pub(crate) fn name_key(words: &[String]) -> Option<String> {
    if words.is_empty() {
        return None;
    }
    let mut sorted: Vec<&str> = words.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    Some(sorted.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_words_are_sorted_for_binary_search() {
        assert!(NAME_NOISE.windows(2).all(|w| w[0] < w[1]), "NAME_NOISE must stay sorted");
    }

    #[test]
    fn shapes_split_letters_and_digit_segments() {
        let s = Shape::of("F2026-000123");
        assert_eq!(s.letters, "F");
        assert_eq!(s.compact, "F2026000123");
        assert_eq!(s.stripped().collect::<Vec<_>>(), ["2026", "123"]);
        assert_eq!(s.tail(), "123");
        assert_eq!(strip_zeros("000"), "0");
        assert_eq!(strip_zeros(""), "");
    }

    #[test]
    fn number_keys_cover_the_written_variants() {
        let k = |s: &str| number_keys(s).unwrap();
        let item = k("F2026-000123");
        assert_eq!((item.segments, item.digits), (2, 10));
        assert_eq!(k("fa 2026/0123").structure, item.structure, "separators and zeros");
        assert_eq!(k("F2026-00123").structure, item.structure, "one padding zero less");
        assert_ne!(k("F2026-1234").structure, item.structure, "a longer number is another number");
        assert_ne!(k("F2026-000123").structure, k("F2026-000012").structure);
        assert_eq!(k("F2026000123").compact, item.compact, "separator dropped");
        assert_eq!(k("123").tail, item.tail, "the sequence alone");
        assert_eq!(k("0123").tail, item.tail);
        assert_eq!(k("2026-123").joined, k("F2026123").structure, "item written without separator");
        assert_eq!(k("F2026-000").structure, k("2026/0").structure, "a segment of zeros is 0");
        assert_ne!(k("20-26").structure, k("2026").structure);
        assert_eq!(number_keys("FACT"), None);
        assert_eq!(k("A2026-000123").structure, item.structure, "letters are compared later, not hashed");
    }

    #[test]
    fn words_keep_number_separators_only() {
        let w: Vec<&str> = words("REGLT FACT. F2026-000123, fa 2026/123 (N°45) -RF18-").collect();
        assert_eq!(w, ["REGLT", "FACT", "F2026-000123", "fa", "2026/123", "N", "45", "RF18"]);
    }

    #[test]
    fn payer_names_lose_bank_words_legal_forms_and_accents() {
        let a = name_words("VIR SEPA RECU /DE SARL Boulangerie Lefèvre");
        assert_eq!(a, ["BOULANGERIE", "LEFEVRE"]);
        let b = name_words("LEFEVRE BOULANGERIE SARL");
        assert_eq!(name_key(&a), name_key(&b));
        assert_eq!(name_key(&name_words("SARL")), None);
    }
}
