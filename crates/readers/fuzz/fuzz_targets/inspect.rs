//! A valid CII invoice with fuzzed text spliced into one of its values: reaches the builder and
//! the checks (amounts, dates, identifiers, notes) far more often than raw bytes do.
#![no_main]

use libfuzzer_sys::fuzz_target;

const TEMPLATE: &str = include_str!("template.xml");

fuzz_target!(|data: &[u8]| {
    let Some((&slot, value)) = data.split_first() else { return };
    let value = String::from_utf8_lossy(value);
    let value = value.replace('&', "&amp;").replace('<', "&lt;");
    let slots: Vec<&str> = TEMPLATE.split("{}").collect();
    let chosen = usize::from(slot) % (slots.len() - 1);
    let mut xml = String::new();
    for (i, part) in slots.iter().enumerate() {
        xml.push_str(part);
        if i + 1 < slots.len() {
            xml.push_str(if i == chosen { &value } else { DEFAULTS[i % DEFAULTS.len()] });
        }
    }
    let result = encours_readers::einvoice::read_bytes("fuzz.xml", xml.as_bytes());
    let _ = encours_readers::einvoice::inspect_json("fuzz.xml", &result);
});

/// The values of the template's slots when they are not the fuzzed one, in order.
const DEFAULTS: &[&str] = &[
    "S1", "urn:cen.eu:en16931:2017", "F-1", "380", "20260115", "PMD", "3 fois le taux d'intérêt légal", "0002",
    "100000009", "FR88100000009", "0002", "200000008", "FR", "FR76 3000 6000 0112 3456 7890 189", "EUR", "200.00",
    "1000.00", "20.00", "30 jours net", "20260214", "1000.00", "1000.00", "200.00", "1200.00", "0.00", "1200.00",
];
