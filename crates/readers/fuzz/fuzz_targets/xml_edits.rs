//! Structure-aware XML mutations: the fuzzer's bytes are an edit script applied to a real corpus
//! document (an e-invoice, a camt statement or a CDAR message), element by element, so mutants
//! stay mostly well-formed and reach the readers' extraction, checks and diagnostics rather than
//! stopping at the tokenizer. Every reader that takes XML is then called on the result.
//!
//! Edits (one per 3 bytes: operation, target element, argument): delete an element, duplicate it,
//! move it inside its neighbour, replace its text by a fuzzed value (numbers, dates, huge or empty
//! strings, markup characters, references), rename its tag, or wrap it in itself many times.
//!
//! The documents come from `seeds/xml_edits/` (filled by `seed.sh` from ../shared/corpus); the
//! libFuzzer corpus of this target holds edit scripts, not documents.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn seeds() -> &'static Vec<Vec<u8>> {
    static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/xml_edits");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        let seeds: Vec<Vec<u8>> = files.iter().filter_map(|p| std::fs::read(p).ok()).collect();
        assert!(!seeds.is_empty(), "no seed documents in {} (run fuzz/seed.sh)", dir.display());
        seeds
    })
}

/// Byte ranges of the elements of a document: (start of `<tag`, end after `</tag>`), found by a
/// simple scan (a mutant may not be well-formed; the ranges are only where edits apply).
fn elements(doc: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut i = 0;
    while let Some(off) = doc.get(i..).and_then(|r| r.iter().position(|b| *b == b'<')) {
        let at = i + off;
        let Some(end) = doc.get(at..).and_then(|r| r.iter().position(|b| *b == b'>')).map(|e| at + e + 1) else {
            break;
        };
        let tag = &doc[at..end];
        if tag.starts_with(b"</") {
            if let Some(start) = stack.pop() {
                out.push((start, end));
            }
        } else if !tag.starts_with(b"<?") && !tag.starts_with(b"<!") && !tag.ends_with(b"/>") {
            stack.push(at);
        }
        i = end;
    }
    out
}

const VALUES: &[&str] = &[
    "", "0", "-1", "1e400", "99999999999999999999999999999.99999", "NaN", "20261301", "2026-02-30", "&amp;&lt;",
    "&#0;", "&#x110000;", "]]>", "FR", "EUR", "XXX", "\u{FEFF}", "\u{202E}abc", "380", "381", "0002",
];

fuzz_target!(|data: &[u8]| {
    let seeds = seeds();
    let Some((&pick, script)) = data.split_first() else { return };
    let mut doc = seeds[usize::from(pick) % seeds.len()].clone();
    for edit in script.chunks(3).take(16) {
        let [op, which, arg] = [edit[0], *edit.get(1).unwrap_or(&0), *edit.get(2).unwrap_or(&0)];
        let els = elements(&doc);
        if els.is_empty() {
            break;
        }
        let (s, e) = els[usize::from(which) * els.len() / 256];
        let element = doc[s..e].to_vec();
        match op % 6 {
            0 => {
                doc.drain(s..e);
            }
            1 => {
                doc.splice(e..e, element);
            }
            2 => {
                // Move inside the next element, just after its start tag.
                doc.drain(s..e);
                if let Some(gt) = doc.get(s..).and_then(|r| r.iter().position(|b| *b == b'>')) {
                    doc.splice(s + gt + 1..s + gt + 1, element);
                }
            }
            3 => {
                // Replace the text of a leaf element.
                if let (Some(gt), Some(lt)) =
                    (element.iter().position(|b| *b == b'>'), element.iter().rposition(|b| *b == b'<'))
                {
                    if gt < lt {
                        let value = VALUES[usize::from(arg) % VALUES.len()].repeat(1 + usize::from(arg / 64) * 50);
                        doc.splice(s + gt + 1..s + lt, value.into_bytes());
                    }
                }
            }
            4 => {
                // Rename the start tag (unbalanced on purpose half of the time).
                if let Some(name_end) = element.iter().position(|b| *b == b' ' || *b == b'>') {
                    let name = if arg % 2 == 0 { b"x:Unknown".to_vec() } else { b"ram:ID".to_vec() };
                    doc.splice(s + 1..s + name_end, name);
                }
            }
            _ => {
                // Wrap in itself: nesting grows fast, towards the depth limit.
                let mut wrapped = element.clone();
                for _ in 0..(arg % 8) {
                    let open_end = element.iter().position(|b| *b == b'>').map_or(0, |p| p + 1);
                    let close_start = element.iter().rposition(|b| *b == b'<').unwrap_or(element.len());
                    let mut w = element[..open_end].to_vec();
                    w.extend_from_slice(&wrapped);
                    w.extend_from_slice(&element[close_start..]);
                    wrapped = w;
                    if wrapped.len() > 1 << 20 {
                        break;
                    }
                }
                doc.splice(s..e, wrapped);
            }
        }
    }
    let result = encours_readers::einvoice::read_bytes("fuzz.xml", &doc);
    let _ = encours_readers::einvoice::inspect_json("fuzz.xml", &result);
    let bank = encours_readers::bank::read_bank_bytes("fuzz.xml", &doc);
    let _ = encours_readers::bank::inspect_json("fuzz.xml", &bank);
    let cdar = encours_readers::lifecycle::read_cdar_bytes("fuzz.xml", &doc);
    let _ = encours_readers::lifecycle::inspect_json("fuzz.xml", &cdar);
});
