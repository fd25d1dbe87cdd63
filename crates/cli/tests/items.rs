//! `encours items`, run as a user runs it on a demo dossier: the lists add up to the figures of
//! `encours report aging`, today and on a past date.

mod common;

use common::{encours, json, ok, TODAY};

use rust_decimal::Decimal;

fn dec(v: &serde_json::Value) -> Decimal {
    v.as_str().unwrap_or_else(|| panic!("{v} is a decimal string")).parse().unwrap()
}

#[test]
fn items_add_up_to_the_aged_balance_and_print_as_a_table_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("i.encours");
    ok(&encours(&d, &["demo", "--clients", "30", "--invoices", "1500"]));

    for as_of in [TODAY, "2026-06-30"] {
        let aging = json(&d, &["report", "aging", "--as-of", as_of, "--json"]);
        let total = &aging["byClient"]["total"];
        // Every bucket, by its number in the report.
        for (index, amount) in total["buckets"].as_array().unwrap().iter().enumerate() {
            let v = json(&d, &["items", "--as-of", as_of, "--bucket", &index.to_string(), "--json"]);
            assert_eq!(v["total"], *amount, "bucket {index} on {as_of}");
            assert_eq!(v["asOf"], as_of);
            assert_eq!(v["filter"]["kind"], "bucket");
        }
        let overdue = json(&d, &["items", "--as-of", as_of, "--overdue", "--limit", "5", "--json"]);
        assert_eq!(overdue["total"], total["overdue"], "overdue on {as_of}");
        let listed = overdue["items"].as_array().unwrap();
        assert_eq!(listed.len(), 5, "--limit 5");
        assert!(overdue["count"].as_u64().unwrap() > 5, "the count is of every overdue item");
        let days: Vec<i64> = listed.iter().map(|i| i["daysPastDue"].as_i64().unwrap()).collect();
        assert!(days.windows(2).all(|w| w[0] >= w[1]) && days[4] > 0, "most days past due first: {days:?}");
        let all = json(&d, &["items", "--as-of", as_of, "--json", "--limit", "0"]);
        assert_eq!(all["total"], total["total"]);
        assert_eq!(all["count"], total["items"]);
    }

    // One client: its row of the aged balance by client.
    let aging = json(&d, &["report", "aging", "--json"]);
    let row = &aging["byClient"]["rows"][0];
    let client = row["key"].as_str().unwrap();
    let v = json(&d, &["items", "--client", client, "--limit", "1000", "--json"]);
    assert_eq!(v["total"], row["total"]);
    let sum: Decimal = v["items"].as_array().unwrap().iter().map(|i| dec(&i["open"])).sum();
    assert_eq!(sum, dec(&v["total"]), "every item of the client is listed");

    // Due dates: only the items due in the range.
    let v = json(&d, &["items", "--due-from", "2026-11-23", "--due-to", "2026-11-29", "--limit", "1000", "--json"]);
    for i in v["items"].as_array().unwrap() {
        let due = i["dueDate"].as_str().unwrap();
        assert!(("2026-11-23"..="2026-11-29").contains(&due), "{due}");
    }

    // Text: the table with its total line, in the style of the reports.
    let text = ok(&encours(&d, &["items", "--overdue", "--limit", "3"]));
    assert!(text.starts_with("== open-items ==\nnumber"), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with("F") || l.starts_with("A")).count(), 3, "{text}");
    let late = json(&d, &["items", "--overdue", "--json", "--limit", "0"]);
    assert!(
        text.contains(&format!("3 of {} items shown, total {} EUR", late["count"], late["total"].as_str().unwrap())),
        "{text}"
    );

    // CSV.
    let csv = dir.path().join("late.csv");
    let out = ok(&encours(&d, &["items", "--overdue", "--csv", csv.to_str().unwrap()]));
    assert!(out.contains("late.csv"), "{out}");
    let written = std::fs::read_to_string(&csv).unwrap();
    assert!(written.starts_with("number,client,issue_date,due_date,days_past_due,open,dispute\n"), "{written}");
    let shown = late["count"].as_u64().unwrap().min(50) as usize;
    assert_eq!(written.lines().count(), 1 + shown + 1, "header, the first items (50 by default), the total");

    // Bad input: one line, exit 2.
    let bad = encours(&d, &["items", "--bucket", "5"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("buckets 0 to 4"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    assert_eq!(encours(&d, &["items", "--due-from", "2026-11-01"]).status.code(), Some(2), "--due-to is needed");
    assert_eq!(encours(&d, &["items", "--overdue", "--client", "3"]).status.code(), Some(2), "one filter");
    let reversed = encours(&d, &["items", "--due-from", "2026-12-01", "--due-to", "2026-11-01"]);
    assert_eq!(reversed.status.code(), Some(2));
}
