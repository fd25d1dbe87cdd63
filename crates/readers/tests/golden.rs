//! Golden tests on the real-world corpus (`../shared/corpus`, beside the repository):
//! - every file of `facturx/`, `cii/` and `ubl/` is inspected and compared with its truth file on
//!   the fields the truth and `inspect --json` share (amounts compared as decimals);
//! - files whose truth carries an `error` must give a [`ReadError`];
//! - each file's domain values are snapshotted (insta, `tests/snapshots/`), diagnostics included,
//!   so that a change of mapping or of a message shows up in review.
//!
//! The corpus is required: if it is missing the test fails and says where it looked.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use encours_readers::einvoice::{self, EInvoice, ReadError};
use rust_decimal::Decimal;
use serde_json::{json, Value};

const FOLDERS: [&str; 3] = ["facturx", "cii", "ubl"];

fn corpus() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus"));
    assert!(
        dir.join("truth").is_dir(),
        "the test corpus is missing: expected {} (the shared corpus beside the repository, with truth/)",
        dir.display()
    );
    dir
}

fn files(folder: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", folder.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "MANIFEST.tsv" && n != "README.md"))
        .collect();
    out.sort();
    out
}

/// How a compared field is compared.
#[derive(Clone, Copy)]
enum Cmp {
    Exact,
    Amount,
}

const FIELDS: [(&str, Cmp); 24] = [
    ("format", Cmp::Exact),
    ("type_code", Cmp::Exact),
    ("invoice_number", Cmp::Exact),
    ("issue_date", Cmp::Exact),
    ("due_date", Cmp::Exact),
    ("currency", Cmp::Exact),
    ("seller/name", Cmp::Exact),
    ("seller/siren", Cmp::Exact),
    ("seller/siret", Cmp::Exact),
    ("seller/vat_ids", Cmp::Exact),
    ("buyer/name", Cmp::Exact),
    ("buyer/siren", Cmp::Exact),
    ("buyer/siret", Cmp::Exact),
    ("buyer/vat_ids", Cmp::Exact),
    ("totals/line_total", Cmp::Amount),
    ("totals/tax_basis_total", Cmp::Amount),
    ("totals/tax_total", Cmp::Amount),
    ("totals/grand_total", Cmp::Amount),
    ("totals/prepaid", Cmp::Amount),
    ("totals/due_payable", Cmp::Amount),
    ("payee_iban", Cmp::Exact),
    ("remittance_information", Cmp::Exact),
    // Not required by the issue, compared because the shapes are shared.
    ("seller/country", Cmp::Exact),
    ("buyer/country", Cmp::Exact),
];

fn get<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('/').fold(v, |v, k| v.get(k).unwrap_or(&Value::Null))
}

fn same(cmp: Cmp, got: &Value, want: &Value) -> bool {
    match cmp {
        Cmp::Exact => got == want,
        Cmp::Amount => match (got, want) {
            (Value::String(g), Value::String(w)) => {
                matches!((Decimal::from_str_exact(g), Decimal::from_str_exact(w)), (Ok(g), Ok(w)) if g == w)
            }
            (g, w) => g == w,
        },
    }
}

/// A truth that parsed the file but found none of the compared terms (no number, no date, no
/// amount) describes a document that cannot be an invoice: the reader must refuse it.
fn truth_found_nothing(truth: &Value) -> bool {
    FIELDS.iter().filter(|(f, _)| *f != "format").all(|(f, _)| get(truth, f).is_null() || get(truth, f) == &json!([]))
}

#[test]
fn every_corpus_file_agrees_with_its_truth() {
    let corpus = corpus();
    let mut mismatches: Vec<(String, String, String, String)> = Vec::new();
    let mut agreed = 0;
    let mut total = 0;
    for folder in FOLDERS {
        for path in files(&corpus.join(folder)) {
            total += 1;
            let name = path.file_name().and_then(|n| n.to_str()).expect("UTF-8 file name").to_owned();
            let truth_path = corpus.join("truth").join(format!("{name}.json"));
            let truth: Value = serde_json::from_str(
                &std::fs::read_to_string(&truth_path).unwrap_or_else(|e| panic!("{}: {e}", truth_path.display())),
            )
            .unwrap_or_else(|e| panic!("{}: {e}", truth_path.display()));
            let result = einvoice::read_path(&path);
            let got = einvoice::inspect_json(&name, &result);
            let before = mismatches.len();
            if truth.get("error").is_some() || truth_found_nothing(&truth) {
                if result.is_ok() {
                    let why = truth.get("error").and_then(Value::as_str).unwrap_or("the truth found no invoice term");
                    mismatches.push((
                        name.clone(),
                        "error".into(),
                        "an invoice".into(),
                        why.chars().take(80).collect(),
                    ));
                }
            } else {
                match &result {
                    Err(e) => mismatches.push((name.clone(), "error".into(), e.to_string(), "an invoice".into())),
                    Ok(_) => {
                        for (field, cmp) in FIELDS {
                            let (g, w) = (get(&got, field), get(&truth, field));
                            if !same(cmp, g, w) {
                                mismatches.push((name.clone(), field.into(), g.to_string(), w.to_string()));
                            }
                        }
                    }
                }
            }
            if mismatches.len() == before {
                agreed += 1;
            }
        }
    }
    let mut table = String::new();
    for (file, field, got, want) in &mismatches {
        let _ = writeln!(table, "{file:<58} {field:<24} got {got:<30} want {want}");
    }
    eprintln!("{agreed}/{total} corpus files agree with their truth");
    assert!(mismatches.is_empty(), "{agreed}/{total} files agree with their truth; mismatches:\n{table}");
    assert!(total >= 118, "the corpus has 118 e-invoice files, found {total}");
}

/// A compact, reviewable rendering of what the reader made of a file.
fn render(result: &Result<EInvoice, ReadError>) -> Value {
    let e = match result {
        Err(err) => return json!({ "error": err.to_string() }),
        Ok(e) => e,
    };
    let inv = &e.invoice;
    let t = &inv.totals;
    let m = |m: &encours_domain::Money| m.amount.to_string();
    let om = |m: &Option<encours_domain::Money>| m.as_ref().map(|m| m.amount.to_string());
    let party = |p: &einvoice::Party| {
        json!({
            "name": p.name,
            "siren": p.siren.as_ref().map(ToString::to_string),
            "siret": p.siret.as_ref().map(ToString::to_string),
            "vat_ids": p.vat_ids,
            "country": p.country,
        })
    };
    json!({
        "format": e.format.as_str(),
        "syntax": e.syntax,
        "profile": e.profile,
        "attachment": e.attachment_name,
        "number": inv.number,
        "type_code": inv.type_code,
        "kind": inv.kind,
        "issue_date": inv.issue_date.to_string(),
        "due_date": inv.due_date.to_string(),
        "due_date_stated": e.due_date_stated.map(|d| d.to_string()),
        "instalments": inv.instalments.iter().map(|i| format!("{} {}", i.due_date, i.amount)).collect::<Vec<_>>(),
        "currency": inv.currency.code(),
        "totals": {
            "line": m(&t.line_total), "allowances": om(&t.allowance_total), "charges": om(&t.charge_total),
            "basis": m(&t.tax_basis_total), "tax": om(&t.tax_total), "grand": m(&t.grand_total),
            "prepaid": om(&t.prepaid), "rounding": om(&t.rounding), "due": m(&t.due_payable),
        },
        "receivable_effect": inv.receivable_effect().to_string(),
        "vat": inv.vat_breakdown.iter().map(|v| {
            format!("{} {}% on {} = {}", v.category, v.rate.map(|r| r.to_string()).unwrap_or_default(), v.taxable_amount.amount, v.tax_amount.amount)
        }).collect::<Vec<_>>(),
        "seller": party(&e.seller),
        "buyer": party(&e.buyer),
        "payee_iban": inv.payee_iban.as_ref().map(ToString::to_string),
        "remittance": inv.remittance,
        "preceding_invoice": inv.preceding_invoice,
        "order_reference": inv.order_reference,
        "business_process": inv.business_process,
        "notes": inv.notes.iter().map(|n| format!("{}: {}", n.subject.as_deref().unwrap_or("-"), n.text.chars().take(60).collect::<String>())).collect::<Vec<_>>(),
        "penalty_terms": e.penalty_terms,
        "source": format!("{} {}", inv.source.origin, inv.source.locator),
        "diagnostics": e.diagnostics.iter().map(|d| {
            let level = format!("{:?}", d.level).to_lowercase();
            if d.path.is_empty() { format!("{level} {}: {}", d.rule, d.message) } else { format!("{level} {}: {} @ {}", d.rule, d.message, d.path) }
        }).collect::<Vec<_>>(),
    })
}

#[test]
fn domain_values_of_every_corpus_file() {
    let corpus = corpus();
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for folder in FOLDERS {
            for path in files(&corpus.join(folder)) {
                let name = path.file_name().and_then(|n| n.to_str()).expect("UTF-8 file name");
                let file_as_given = format!("{folder}/{name}");
                let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let result = einvoice::read_bytes(&file_as_given, &bytes);
                insta::assert_yaml_snapshot!(format!("{folder}__{name}"), render(&result));
            }
        }
    });
}
