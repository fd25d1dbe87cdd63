//! `encours rates`: the tables in force, and an updated table imported into the dossier.

mod common;

use common::encours;

#[test]
fn rates_show_the_shipped_tables_and_an_imported_one_takes_over() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("r.encours");
    let init = encours(&d, &["init", "--siren", "552081317", "--name", "Taux SAS"]);
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));

    let show = |d: &std::path::Path| -> serde_json::Value {
        let o = encours(d, &["rates", "show", "--json"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let before = show(&d);
    assert_eq!(before[0]["name"], "ecb_mro");
    assert_eq!(before[0]["origin"], "shipped");
    assert_eq!(before[0]["covered_until"], "2026-02-05");

    // A file that is no rate table is refused with its name; nothing changes.
    let wrong = dir.path().join("clients.csv");
    std::fs::write(&wrong, "effective_date,discount_percent\n2026-01-01,2\ncovered_until,2026-12-31\n").unwrap();
    let o = encours(&d, &["rates", "import", wrong.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "invalid input");
    assert!(String::from_utf8_lossy(&o.stderr).contains("clients.csv: not a rate table"));
    assert_eq!(show(&d), before);

    let ecb = dir.path().join("ecb_mro.csv");
    let text = include_str!("../../../assets/rates/ecb_mro.csv")
        .replace("covered_until,2026-02-05", "covered_until,2026-12-31");
    std::fs::write(&ecb, text).unwrap();
    let o = encours(&d, &["rates", "import", ecb.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("imported ecb_mro"));
    let after = show(&d);
    assert_eq!(
        (after[0]["origin"].as_str(), after[0]["covered_until"].as_str()),
        (Some("dossier"), Some("2026-12-31"))
    );
    assert_eq!(after[1], before[1], "the legal interest table is still the shipped one");
}
