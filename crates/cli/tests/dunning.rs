//! `encours dunning plan` and `encours dunning run`, run as a user runs them on a demo dossier: the
//! plan prints as a table and as JSON, the run records it, and a second run records nothing.

mod common;

use common::{encours, json, ok, TODAY};

use rust_decimal::Decimal;

#[test]
fn the_plan_prints_as_a_table_and_json_and_a_second_run_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("r.encours");
    ok(&encours(&d, &["demo", "--clients", "30", "--invoices", "1500"]));

    let plan = json(&d, &["dunning", "plan", "--json"]);
    assert_eq!(plan["asOf"], TODAY);
    let actions = plan["actions"].as_array().unwrap();
    assert!(!actions.is_empty(), "the demo has reminders to send");
    for a in actions {
        let total: Decimal = a["invoices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["dunned"].as_str().unwrap().parse::<Decimal>().unwrap())
            .sum();
        assert_eq!(a["amount"].as_str().unwrap().parse::<Decimal>().unwrap(), total, "{a}");
        if a["tone"] == "mise_en_demeure" {
            assert_eq!(a["needsValidation"], true);
        }
    }

    let table = ok(&encours(&d, &["dunning", "plan", "--limit", "5"]));
    assert!(table.contains("days_late") && table.contains("channel"), "{table}");
    assert!(table.contains(&format!("plan of {TODAY}: {} actions", actions.len())), "{table}");

    let first = json(&d, &["dunning", "run", "--json"]);
    assert_eq!(first["recorded"].as_array().unwrap().len(), actions.len());
    assert_eq!(first["wroteDefaults"], true);
    let second = ok(&encours(&d, &["dunning", "run"]));
    assert!(second.contains("0 actions recorded"), "{second}");
    assert!(second.contains(&format!("{} already recorded", actions.len())), "{second}");
    let after = json(&d, &["dunning", "plan", "--json", "--as-of", TODAY]);
    assert!(after["actions"].as_array().unwrap().is_empty());
    assert_eq!(after["alreadyRecorded"].as_u64().unwrap() as usize, actions.len());

    let bad = encours(&d, &["dunning", "plan", "--as-of", "23/11/2026"]);
    assert!(!bad.status.success());
}
