//! Importing the real e-invoice corpus into an encrypted dossier.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use chrono::NaiveDateTime;
use encours_app::{ImportOutcome, ImportReport, KeySource};
use encours_store::DossierKey;

fn corpus() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    assert!(p.is_dir(), "the shared corpus must sit beside the repository at {}", p.display());
    p
}

fn now() -> NaiveDateTime {
    "2026-11-23T09:30:00".parse().unwrap()
}

fn dossier(dir: &Path) -> encours_app::Dossier {
    let keys = KeySource::Environment(DossierKey::from_hex(&"42".repeat(32)).unwrap());
    encours_app::create_dossier(&dir.join("d.encours"), "552081317", "ACME", &keys, now()).unwrap()
}

fn import(d: &mut encours_app::Dossier, paths: &[PathBuf]) -> ImportReport {
    let cancel = AtomicBool::new(false);
    encours_app::import_paths(d, paths, now(), &mut |_| {}, &cancel).unwrap()
}

/// Files whose truth says they are not invoices.
fn truth_errors() -> Vec<String> {
    let mut names = Vec::new();
    for folder in ["facturx", "cii", "ubl"] {
        for e in std::fs::read_dir(corpus().join(folder)).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            let truth = corpus().join("truth").join(format!("{name}.json"));
            let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(truth).unwrap()).unwrap();
            if v.get("error").is_some() {
                names.push(name);
            }
        }
    }
    names
}

#[test]
fn importing_the_corpus_twice_stores_each_distinct_invoice_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = dossier(dir.path());
    let folders: Vec<PathBuf> = ["facturx", "cii", "ubl"].iter().map(|f| corpus().join(f)).collect();

    let first = import(&mut d, &folders);
    let failed: Vec<&str> = first
        .files
        .iter()
        .filter(|f| f.outcome == ImportOutcome::Failed)
        .map(|f| f.file.rsplit('/').next().unwrap())
        .collect();
    // Every file the independent reader could not parse fails; a file it parsed may still be
    // refused for import when it lacks what a receivable needs (number, date, amount), and says so.
    for name in truth_errors() {
        assert!(failed.contains(&name.as_str()), "{name} is not an invoice and must fail: {failed:?}");
    }
    for f in first.files.iter().filter(|f| f.outcome == ImportOutcome::Failed) {
        assert!(!f.message.is_empty(), "{} failed without a reason", f.file);
        let name = f.file.rsplit('/').next().unwrap();
        if !truth_errors().iter().any(|t| t == name) {
            assert!(f.message.contains("cannot be an invoice"), "{}: unexpected failure: {}", f.file, f.message);
        }
    }
    let files: usize = folders.iter().map(|f| std::fs::read_dir(f).unwrap().count()).sum();
    assert_eq!((first.imported + first.duplicates + first.failed) as usize, files, "every file is accounted for");
    // The corpus holds the same invoice in several files: PDF and its XML, CII and UBL, profiles.
    assert!(first.imported > 50, "the distinct invoices are imported: {}", first.imported);
    assert!(first.duplicates > 20, "and their other copies recognised: {}", first.duplicates);
    for d in first.files.iter().filter(|f| f.outcome == ImportOutcome::Duplicate) {
        assert!(d.message.contains("already"), "{}: a duplicate names what it duplicates: {}", d.file, d.message);
    }
    let stored = encours_app::summary(&d, now().date()).unwrap();
    assert_eq!(stored.invoices, u64::from(first.imported), "one stored invoice per imported file");
    assert_eq!(encours_app::check_integrity(&mut d, now()).unwrap(), "ok");

    let second = import(&mut d, &folders);
    assert_eq!(second.imported, 0, "re-importing is idempotent");
    assert_eq!(second.duplicates, first.imported + first.duplicates, "every invoice is recognised");
    assert_eq!(encours_app::summary(&d, now().date()).unwrap().invoices, stored.invoices);
}

#[test]
fn a_broken_file_in_a_folder_leaves_the_others_imported_and_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("inbox");
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(corpus().join("cii/CII_example1.xml"), folder.join("a.xml")).unwrap();
    std::fs::write(folder.join("b.xml"), b"<rsm:CrossIndustryInvoice><broken").unwrap();
    std::fs::copy(corpus().join("facturx/EN16931_Einfach.pdf"), folder.join("c.pdf")).unwrap();
    std::fs::write(folder.join("notes.txt"), b"not an invoice").unwrap();
    let mut d = dossier(dir.path());
    let report = import(&mut d, &[folder]);
    let outcome = |name: &str| report.files.iter().find(|f| f.file.ends_with(name)).map(|f| f.outcome);
    assert_eq!(outcome("a.xml"), Some(ImportOutcome::Imported));
    assert_eq!(outcome("b.xml"), Some(ImportOutcome::Failed));
    assert_eq!(outcome("c.pdf"), Some(ImportOutcome::Imported));
    assert_eq!(outcome("notes.txt"), Some(ImportOutcome::Ignored));
    let b = report.files.iter().find(|f| f.file.ends_with("b.xml")).unwrap();
    assert!(
        b.message.contains("b.xml") || b.message.to_lowercase().contains("xml"),
        "says what is wrong: {}",
        b.message
    );
    assert_eq!(encours_app::summary(&d, now().date()).unwrap().invoices, 2);
}

#[test]
fn zip_archives_are_read_entry_by_entry() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("batch.zip");
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&archive).unwrap());
        let opts = zip::write::SimpleFileOptions::default();
        for name in ["ubl/ubl-tc434-example1.xml", "cii/CII_example2.xml"] {
            zip.start_file(name, opts).unwrap();
            zip.write_all(&std::fs::read(corpus().join(name)).unwrap()).unwrap();
        }
        zip.start_file("garbage.xml", opts).unwrap();
        zip.write_all(b"\xff\xfe not xml").unwrap();
        zip.finish().unwrap();
    }
    let mut d = dossier(dir.path());
    let report = import(&mut d, &[archive]);
    assert_eq!(report.imported, 2, "{report:?}");
    assert_eq!(report.failed, 1, "the garbage entry is reported: {report:?}");
    assert!(report.files.iter().all(|f| f.file.contains("batch.zip!")), "entries are named inside their archive");
}

#[test]
fn inspect_needs_no_dossier_and_reports_non_invoices() {
    let files = vec![corpus().join("cii/CII_example1.xml"), corpus().join("cii/xml_invalid_2.xml")];
    let values = encours_app::inspect(&files);
    assert_eq!(values.len(), 2);
    assert_eq!(values[0]["format"], "cii");
    assert!(values[0].get("error").is_none());
    assert!(values[1]["error"].as_str().is_some_and(|e| !e.is_empty()), "{}", values[1]);
    assert_eq!(values[1]["file"], files[1].display().to_string(), "file as given");
}
