//! Encrypted backups (issue 12 §2): a restore gives back the dossier as it was when the backup was
//! taken, evidence files included; a truncated, altered or corrupted backup is refused with a
//! message naming the file; generations beyond the policy are pruned; the schedule is a pure
//! decision on the date given.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use encours_app::backup::{self, BackupPolicy};
use encours_app::{disputes, DemoOptions, ErrorCode, KeySource};
use encours_store::DossierKey;

fn at(s: &str) -> NaiveDateTime {
    s.parse().unwrap()
}

fn keys() -> KeySource {
    KeySource::Environment(DossierKey::from_hex(&"b7".repeat(32)).unwrap())
}

fn demo(dir: &Path) -> encours_app::Dossier {
    let now = at("2026-11-23T09:30:00");
    let mut d = encours_app::create_dossier(
        &dir.join("demo.encours"),
        encours_app::DEMO_COMPANY_SIREN,
        encours_app::DEMO_COMPANY_NAME,
        &keys(),
        now,
    )
    .unwrap();
    encours_app::generate_demo(&mut d, DemoOptions { seed: 7, clients: 25, invoices: 500 }, now, &mut |_| {}).unwrap();
    d
}

/// The first dispute of the demo, with a piece of evidence attached (kept in the dossier).
fn attach_evidence(d: &mut encours_app::Dossier, bytes: &[u8]) -> i64 {
    let list = disputes::dispute_list(d, &Default::default(), at("2026-11-23T10:00:00").date()).unwrap();
    let id = list.disputes.first().expect("the demo has disputes").id;
    disputes::attach_evidence(d, id, "constat.pdf", bytes, "photo du colis", at("2026-11-23T10:00:00")).unwrap();
    id
}

fn evidence_bytes(d: &encours_app::Dossier, dispute: i64) -> Vec<Vec<u8>> {
    let view = disputes::dispute(d, dispute, at("2026-11-23T10:00:00").date()).unwrap();
    view.evidence.iter().map(|e| disputes::evidence_content(d, e.id).unwrap().1).collect()
}

fn client_name(d: &encours_app::Dossier, id: i64) -> String {
    let mut name = None;
    encours_store::queries::for_each_client(d, at("2026-11-23T10:00:00").date(), |c| {
        if c.id == id {
            name = Some(c.name);
        }
        Ok(())
    })
    .unwrap();
    name.unwrap()
}

#[test]
fn a_restore_gives_back_the_dossier_as_it_was_when_the_backup_was_taken() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let evidence = b"%PDF-1.4 constat d'huissier".to_vec();
    let dispute = attach_evidence(&mut d, &evidence);
    let name_before = client_name(&d, 1);
    let audit_before = d.audit_entries(100_000).unwrap().len();

    let r = backup::create_backup(&d, &keys(), None, at("2026-11-23T12:00:00")).unwrap();
    let file = PathBuf::from(&r.path);
    assert!(file.starts_with(dir.path().join("demo.encours.backups")), "default folder beside the dossier: {file:?}");
    assert!(file.is_file());
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(format!("{}.manifest.json", r.path)).unwrap()).unwrap();
    assert_eq!(manifest["format"], "encours-backup/1");
    assert_eq!(manifest["counts"]["clients"], 25);
    assert_eq!(manifest["counts"]["dispute_evidence"], 1);
    assert_eq!(manifest["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(manifest["size"].as_u64().unwrap(), fs::metadata(&file).unwrap().len());
    // Encrypted: no SQLite header, and the company's name is not in the bytes.
    let bytes = fs::read(&file).unwrap();
    assert_ne!(&bytes[..16], b"SQLite format 3\0");
    let company = encours_app::DEMO_COMPANY_NAME.as_bytes();
    assert!(!bytes.windows(company.len()).any(|w| w == company));

    // Mutate after the backup: anonymise client 1, add audit entries.
    encours_app::rgpd::anonymise_client(&mut d, 1, true, "test", at("2026-11-23T13:00:00")).unwrap();
    assert_ne!(client_name(&d, 1), name_before);
    d.audit(at("2026-11-23T13:01:00"), "test", "test.mutate", "dossier", None, None, None).unwrap();

    let target = dir.path().join("restored.encours");
    let restored = backup::restore_backup(&file, &keys(), &target).unwrap();
    assert_eq!(restored.counts["clients"], 25);
    let back = encours_app::open_dossier(&target, &keys()).unwrap();
    assert_eq!(client_name(&back, 1), name_before, "the state at backup time");
    assert_eq!(back.audit_entries(100_000).unwrap().len(), audit_before, "no later audit entry");
    assert_eq!(evidence_bytes(&back, dispute), vec![evidence], "the evidence file came back");
    assert!(back.integrity().unwrap().is_ok());
    assert_ne!(back.id(), d.id(), "the restored dossier has its own id and key");

    // Never over an existing dossier.
    let e = backup::restore_backup(&file, &keys(), &target).unwrap_err();
    assert_eq!(e.code, ErrorCode::DossierExists);
    assert!(e.message.contains("restored.encours"), "{}", e.message);
}

#[test]
fn a_truncated_altered_or_corrupted_backup_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path());
    let r = backup::create_backup(&d, &keys(), Some(&dir.path().join("b")), at("2026-11-23T12:00:00")).unwrap();
    let good = PathBuf::from(&r.path);
    let manifest = fs::read(format!("{}.manifest.json", r.path)).unwrap();
    let copy = |name: &str, bytes: &[u8], manifest: &[u8]| {
        let p = dir.path().join("b").join(name);
        fs::write(&p, bytes).unwrap();
        fs::write(format!("{}.manifest.json", p.display()), manifest).unwrap();
        p
    };
    let bytes = fs::read(&good).unwrap();

    // Truncated: half the file.
    let truncated = copy("truncated.encours-backup", &bytes[..bytes.len() / 2], &manifest);
    let e = backup::restore_backup(&truncated, &keys(), &dir.path().join("t.encours")).unwrap_err();
    assert!(e.message.contains("truncated.encours-backup") && e.message.contains("truncated"), "{}", e.message);
    assert!(!dir.path().join("t.encours").exists(), "nothing put in place");

    // Altered: same size, one byte changed — the SHA-256 differs from the manifest.
    let mut altered = bytes.clone();
    let middle = altered.len() / 2;
    altered[middle] ^= 0xff;
    let altered_file = copy("altered.encours-backup", &altered, &manifest);
    let e = backup::restore_backup(&altered_file, &keys(), &dir.path().join("a.encours")).unwrap_err();
    assert!(e.message.contains("altered.encours-backup") && e.message.contains("SHA-256"), "{}", e.message);

    // Corrupted with a manifest made to match: SQLCipher's page HMACs catch it.
    let mut m: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    let sha = {
        use sha2::Digest;
        sha2::Sha256::digest(&altered).iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    m["sha256"] = sha.into();
    let corrupted = copy("corrupted.encours-backup", &altered, &serde_json::to_vec(&m).unwrap());
    let e = backup::restore_backup(&corrupted, &keys(), &dir.path().join("c.encours")).unwrap_err();
    assert!(e.message.contains("corrupted.encours-backup"), "{}", e.message);
    assert!(e.message.contains("integrity check failed") || e.message.contains("damaged"), "{}", e.message);
    assert!(!dir.path().join("c.encours").exists());

    // No manifest.
    let lone = dir.path().join("b").join("lone.encours-backup");
    fs::write(&lone, &bytes).unwrap();
    let e = backup::restore_backup(&lone, &keys(), &dir.path().join("l.encours")).unwrap_err();
    assert!(e.message.contains("lone.encours-backup") && e.message.contains("manifest"), "{}", e.message);

    // The good one still restores.
    backup::restore_backup(&good, &keys(), &dir.path().join("ok.encours")).unwrap();
}

#[test]
fn generations_beyond_the_policy_are_pruned_after_a_successful_backup() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let policy = BackupPolicy { keep: 3, every_days: 1, dir: None };
    backup::set_backup_policy(&mut d, &policy, at("2026-11-23T10:00:00")).unwrap();
    assert_eq!(backup::backup_policy(&d).unwrap(), policy);
    let mut made = Vec::new();
    for day in 1..=5 {
        let r = backup::create_backup(&d, &keys(), None, at(&format!("2026-12-0{day}T08:00:00"))).unwrap();
        made.push(r.path.clone());
        assert_eq!(r.pruned.len(), if day > 3 { 1 } else { 0 }, "day {day}");
    }
    let list = backup::list_backups(d.path(), None).unwrap();
    let listed: Vec<&str> = list.iter().map(|b| b.path.as_str()).collect();
    assert_eq!(listed, vec![made[4].as_str(), made[3].as_str(), made[2].as_str()], "the 3 newest, newest first");
    assert!(list.iter().all(|b| b.problem.is_none() && b.manifest.is_some()));
    assert!(!Path::new(&made[0]).exists() && !Path::new(&format!("{}.manifest.json", made[0])).exists());
    // The oldest kept still restores.
    backup::restore_backup(Path::new(&made[2]), &keys(), &dir.path().join("r.encours")).unwrap();
}

#[test]
fn the_scheduled_backup_runs_once_a_day_on_the_date_given() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path());
    let policy = BackupPolicy::default();
    let first = backup::backup_if_due(&d, &keys(), at("2026-11-24T08:00:00"), &policy).unwrap();
    assert!(first.is_some(), "no backup yet: due");
    let again = backup::backup_if_due(&d, &keys(), at("2026-11-24T18:00:00"), &policy).unwrap();
    assert!(again.is_none(), "same day: not due");
    let next = backup::backup_if_due(&d, &keys(), at("2026-11-25T08:00:00"), &policy).unwrap();
    assert!(next.is_some(), "next day: due");
    assert_eq!(backup::list_backups(d.path(), None).unwrap().len(), 2);
}
