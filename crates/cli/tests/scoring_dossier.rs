//! `encours score run|show|alerts|ack|snooze|backtest` on a demo dossier, as a user runs them:
//! a rerun of the same date gives the same scores and raises no alert twice; a score comes with
//! at most three French reasons; the dossier backtest prints its targets.

mod common;

use std::collections::HashSet;

use common::{encours, json, ok, TODAY};

fn clients_scores(d: &std::path::Path, ids: &[i64]) -> Vec<(i64, u64, String, Vec<String>)> {
    ids.iter()
        .map(|id| {
            let v = json(d, &["score", "show", &id.to_string(), "--json"]);
            let reasons = v["reasons"].as_array().unwrap().iter().map(|r| r["text"].as_str().unwrap().to_string());
            (*id, v["score"].as_u64().unwrap(), v["suggestedLimit"].as_str().unwrap().to_string(), reasons.collect())
        })
        .collect()
}

#[test]
fn a_rerun_gives_the_same_scores_and_no_duplicate_alert_and_the_backtest_prints_its_targets() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("s.encours");
    ok(&encours(&d, &["demo", "--clients", "60", "--invoices", "4000"]));

    let first = json(&d, &["score", "run", "--json"]);
    assert_eq!(first["asOf"], TODAY);
    let scored = first["clientsScored"].as_u64().unwrap();
    assert!(scored >= 50, "{first}");
    assert_eq!(first["replaced"], 0);
    assert_eq!(first["modelRefitted"], true);
    let grades: u64 = first["grades"].as_array().unwrap().iter().map(|g| g["clients"].as_u64().unwrap()).sum();
    assert_eq!(grades, scored);
    let alerts_1 = json(&d, &["score", "alerts", "--json"]);
    let n_alerts = alerts_1.as_array().unwrap().len();
    assert_eq!(n_alerts as u64, first["newAlerts"].as_u64().unwrap());

    let ids: Vec<i64> = (1..=60).collect();
    let before = clients_scores(&d, &ids);

    let second = json(&d, &["score", "run", "--json"]);
    assert_eq!(second["clientsScored"].as_u64().unwrap(), scored);
    assert_eq!(second["replaced"].as_u64().unwrap(), scored, "the date's scores are replaced, not added");
    assert_eq!(second["newAlerts"], 0, "{second}");
    assert_eq!(second["modelRefitted"], false, "the fit of the day is reused");
    let after = clients_scores(&d, &ids);
    assert_eq!(before, after, "the same date gives the same scores");

    let alerts_2 = json(&d, &["score", "alerts", "--json"]);
    let keys: Vec<&str> = alerts_2.as_array().unwrap().iter().map(|a| a["dedupeKey"].as_str().unwrap()).collect();
    assert_eq!(keys.len(), n_alerts, "no duplicate alert");
    assert_eq!(keys.iter().collect::<HashSet<_>>().len(), keys.len());

    // Reasons: at most three, in French words; some client of a demo portfolio has three.
    assert!(after.iter().all(|c| c.3.len() <= 3));
    let (id, _, limit, reasons) = after.iter().find(|c| c.3.len() == 3).expect("a client with three reasons");
    assert!(reasons.iter().all(|r| !r.is_empty() && r.chars().any(char::is_alphabetic)), "{reasons:?}");
    assert!(limit.parse::<rust_decimal::Decimal>().is_ok(), "the limit is a decimal string: {limit}");
    let text = ok(&encours(&d, &["score", "show", &id.to_string()]));
    assert_eq!(text.lines().filter(|l| l.starts_with("reason")).count(), 3, "{text}");
    let shown = json(&d, &["score", "show", &id.to_string(), "--json"]);
    assert_eq!(shown["history"].as_array().unwrap().len(), 1, "one scoring date, kept once");

    // The alert workflow: acknowledge and snooze, filtered by state.
    if let Some(a) = alerts_2.as_array().unwrap().first() {
        let id = a["id"].as_i64().unwrap().to_string();
        ok(&encours(&d, &["score", "ack", &id]));
        let acked = json(&d, &["score", "alerts", "--state", "acknowledged", "--json"]);
        assert_eq!(acked.as_array().unwrap().len(), 1);
        ok(&encours(&d, &["score", "snooze", &id, "--until", "2026-12-31"]));
        let snoozed = json(&d, &["score", "alerts", "--state", "snoozed", "--json"]);
        assert_eq!(snoozed[0]["snoozedUntil"], "2026-12-31");
        assert!(!encours(&d, &["score", "snooze", &id, "--until", "2026-01-01"]).status.success(), "a past date");
    }

    let bt = json(&d, &["score", "backtest", "--json"]);
    let targets = bt["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 1);
    let t = &targets[0];
    assert_eq!(t["name"], "over_60_days_within_90_days");
    for k in ["auc", "brier", "recall_at_10pct", "naive_auc"] {
        let v = t[k].as_f64().unwrap_or_else(|| panic!("{k} in {t}"));
        assert!((0.0..=1.0).contains(&v), "{k} = {v}");
    }
    assert!(t["n_test"].as_u64().unwrap() > 0);
    let text = ok(&encours(&d, &["score", "backtest"]));
    assert!(text.contains("over_60_days_within_90_days"), "{text}");
}

/// `score leadtime` on the standard demo: one line per client the generator made fail, the lead of
/// its first alert, and the false-alert share (the figures are in the app's lead-time test); on a
/// dossier the demo did not fill, it says there are no known failures.
#[test]
fn leadtime_reports_every_failing_demo_client_and_the_false_alert_share() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("demo.encours");
    ok(&encours(&d, &["demo"]));
    let r = json(&d, &["score", "leadtime", "--json"]);
    let failures = r["failures"].as_array().unwrap();
    assert!(failures.len() >= 3, "{r}");
    for f in failures {
        assert!(f["failedOn"].as_str().unwrap() < TODAY, "{f}");
        assert_eq!(f["firstAlertOn"].is_null(), f["leadDays"].is_null(), "{f}");
    }
    let within = failures.iter().filter(|f| f["within3To6Months"] == true).count() as u64;
    assert_eq!(r["alerted3To6Months"].as_u64().unwrap(), within);
    let (healthy, alerted) = (r["healthyClients"].as_u64().unwrap(), r["healthyAlerted"].as_u64().unwrap());
    assert!(healthy > 100 && alerted <= healthy, "{r}");
    assert_eq!(healthy + failures.len() as u64, 120, "every client of the demo has invoices: {r}");
    let text = ok(&encours(&d, &["score", "leadtime"]));
    assert!(text.contains("false alerts:") && text.contains("alerted 3 to 6 months ahead:"), "{text}");

    let other = dir.path().join("plain.encours");
    ok(&encours(&other, &["init", "--siren", "552081317", "--name", "Plain"]));
    let out = encours(&other, &["score", "leadtime"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a demo dossier"));
}
