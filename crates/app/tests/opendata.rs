//! External data end to end: the real open-data client against the local replay server on
//! 127.0.0.1. A BODACC opening of liquidation judiciaire for a demo client stops its dunning
//! (L622-21), sets the déclaration de créance deadline (R622-24, checked to the day, with its
//! working-day shift), records the claim-declaration task and makes the letter — once, however
//! many refreshes; with the server stopped, the refresh reads the cache and says so.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{NaiveDate, NaiveDateTime};
use encours_app::letters::DocumentKind;
use encours_app::opendata::{self, RefreshOptions};
use encours_app::{DemoOptions, Dossier, KeySource};
use encours_store::DossierKey;
use encours_sync::opendata::server::{Replay, RunningReplay};
use serde_json::json;

fn keys() -> KeySource {
    KeySource::Environment(DossierKey::from_hex(&"d4".repeat(32)).unwrap())
}

fn now() -> NaiveDateTime {
    "2026-06-22T10:00:00".parse().unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn corpus() -> PathBuf {
    std::env::var_os("ENCOURS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

fn demo(dir: &Path) -> Dossier {
    let path = dir.join("opendata.encours");
    let mut d = encours_app::create_dossier(
        &path,
        encours_app::DEMO_COMPANY_SIREN,
        encours_app::DEMO_COMPANY_NAME,
        &keys(),
        now(),
    )
    .unwrap();
    encours_app::generate_demo(&mut d, DemoOptions { seed: 9, clients: 40, invoices: 2_000 }, now(), &mut |_| {})
        .unwrap();
    d
}

/// The replay server over the real corpus, plus what the test adds, on a runtime of its own thread
/// (as a remote service would be).
fn serve(replay: &Replay) -> (tokio::runtime::Runtime, RunningReplay) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let running = rt.block_on(replay.start(SocketAddr::from(([127, 0, 0, 1], 0)))).expect("replay server");
    (rt, running)
}

fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext").arg("-layout").arg(path).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "pdftotext failed on {}", path.display());
    String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn a_bodacc_liquidation_stops_dunning_sets_the_deadline_and_creates_the_task_and_letter_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let judgment = day("2026-06-01");
    let published = day("2026-06-09");
    // A client owing overdue invoices on the judgment date (not the demo's own insolvent client).
    let client = encours_app::letters::sample_client(&d, DocumentKind::MiseEnDemeure, judgment).unwrap();
    let facts = encours_store::channels::client_facts(&d, client).unwrap().unwrap();
    let siren = facts.siren.clone().expect("demo clients have a SIREN");
    assert!(encours_store::letters::insolvency(&d, client).unwrap().is_none());
    let before = encours_app::dunning::dunning_plan(&d, now().date()).unwrap();
    assert!(
        before.actions.iter().any(|a| a.client_id == client && a.kind == "reminder"),
        "the client is dunned before the notice"
    );

    let replay = Replay::from_corpus(&corpus()).unwrap();
    replay.add_record(json!({
        "id": "A202601151234", "publicationavis": "A", "publicationavis_facette": "Bodacc A", "parution": "20260115",
        "numeroannonce": 1234, "dateparution": published.to_string(), "typeavis": "annonce",
        "typeavis_lib": "Avis initial", "familleavis": "collective", "familleavis_lib": "Procédures collectives",
        "registre": [siren.clone(), format!("{} {} {}", &siren[..3], &siren[3..6], &siren[6..])],
        "tribunal": "TRIBUNAL DE COMMERCE DE LYON", "commercant": facts.name,
        "jugement": json!({"type": "initial", "famille": "Jugement d'ouverture",
            "nature": "Jugement d'ouverture de liquidation judiciaire", "date": judgment.to_string(),
            "complementJugement": "Jugement prononçant l'ouverture d'une procédure de liquidation judiciaire, désignant liquidateur Maître X"}).to_string()
    }));
    replay.add_company(
        &siren,
        json!({"results": [{"siren": siren, "nom_complet": facts.name, "date_creation": "2011-03-01",
            "nature_juridique": "5499", "activite_principale": "46.90Z", "tranche_effectif_salarie": "11",
            "etat_administratif": "C", "date_fermeture": "2026-06-05", "nombre_etablissements": 2,
            "nombre_etablissements_ouverts": 0, "siege": {"siret": format!("{siren}00011"), "etat_administratif": "F"}}],
            "total_results": 1, "page": 1, "per_page": 1, "total_pages": 1}),
    );
    let (rt, running) = serve(&replay);
    let letters = dir.path().join("letters");
    let options = RefreshOptions {
        client: Some(client),
        sirene_base_url: Some(running.base_url()),
        bodacc_base_url: Some(running.base_url()),
        offline: false,
        letters_dir: Some(letters.clone()),
    };
    let report = opendata::refresh(&mut d, &options, now()).unwrap();
    assert_eq!((report.fetched, report.from_cache, report.failed, report.offline), (1, 0, 0, false), "{report:?}");
    let c = &report.clients[0];
    assert!(c.ceased && c.notices == 1 && c.sirene.origin == "fetched" && c.bodacc.origin == "fetched", "{c:?}");
    assert_eq!(report.procedures.len(), 1, "{report:?}");
    let p = &report.procedures[0];
    assert!(p.new);
    assert_eq!((p.kind.as_str(), p.notice_id.as_str()), ("liquidation", "A202601151234"));
    assert_eq!((p.judgment_on.as_str(), p.published_on.as_str()), ("2026-06-01", "2026-06-09"));
    // R622-24: two months from the publication, 2026-08-09 — a Sunday — so Monday 10 August.
    assert_eq!(p.deadline, "2026-08-10");

    // L622-21: no reminder any more; every open item paused for the procedure; a claim
    // declaration proposed instead.
    let case = encours_store::letters::insolvency(&d, client).unwrap().expect("procedure recorded");
    assert_eq!((case.kind.as_str(), case.judgment_on), ("liquidation", judgment));
    assert_eq!(encours_app::letters::publication_date_in_note(&case.note), Some(published));
    let plan = encours_app::dunning::dunning_plan(&d, now().date()).unwrap();
    assert!(!plan.actions.iter().any(|a| a.client_id == client && a.kind == "reminder"));
    assert!(plan.paused.iter().any(|x| x.client_id == client && x.rule == "insolvency"));
    // The task: the claim declaration recorded in the outbox, waiting for validation.
    let task = p.action_id.expect("a claim-declaration task was recorded");
    let outbox = encours_app::dunning::dunning_actions(&d, None, 10_000).unwrap();
    let recorded: Vec<_> = outbox.iter().filter(|a| a.client_id == client && a.kind == "claim_declaration").collect();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].id, task);
    // The letter: saved, kept in the dossier, and it prints the same deadline.
    assert!(p.letter, "{p:?}");
    let path = PathBuf::from(p.letter_path.clone().expect("saved"));
    let text = pdf_text(&path);
    assert!(text.contains("10 août 2026"), "the deadline is on the letter:\n{text}");
    assert!(text.contains("9 juin 2026"), "the publication date is on the letter:\n{text}");
    let kept = opendata::procedure_letter(&d, client, "A202601151234").unwrap().expect("kept");
    assert_eq!(kept, std::fs::read(&path).unwrap());
    // Ceased activity reaches the external facts scoring reads.
    let ext = opendata::external_facts(&d, &[client]).unwrap();
    let e = ext.get(&client).expect("facts");
    assert_eq!(
        (e.ceased_on, e.legal_form.as_deref(), e.creation_date),
        (Some(day("2026-06-05")), Some("5499"), Some(day("2011-03-01")))
    );

    // The early warning: the next scoring run raises `collective_procedure` for the client (it reads
    // the procedure recorded through the dunning path).
    encours_app::scoring::score_run(&mut d, now().date(), now(), &mut |_| {}).unwrap();
    let alerts = encours_app::scoring::score_alerts(&d, None).unwrap();
    for rule in ["collective_procedure", "ceased_activity"] {
        // The second from the SIRENE facts stored by the refresh (ceased on 2026-06-05).
        assert!(
            alerts.iter().any(|a| a.client_id == client && a.rule == rule),
            "no {rule} alert for client {client}: {:?}",
            alerts.iter().filter(|a| a.client_id == client).collect::<Vec<_>>()
        );
    }

    // Twice: nothing is created again.
    let audit_before = d.audit_entries(100_000).unwrap().len();
    let again = opendata::refresh(&mut d, &options, now()).unwrap();
    assert_eq!(again.procedures.len(), 1);
    assert!(!again.procedures[0].new);
    let outbox = encours_app::dunning::dunning_actions(&d, None, 10_000).unwrap();
    assert_eq!(outbox.iter().filter(|a| a.client_id == client && a.kind == "claim_declaration").count(), 1);
    assert_eq!(encours_store::opendata::procedures(&d, client).unwrap().len(), 1);
    let audit = d.audit_entries(100_000).unwrap();
    assert!(
        !audit[..audit.len() - audit_before]
            .iter()
            .any(|e| e.action == "dunning.insolvency" || e.action == "opendata.procedure"),
        "the second refresh recorded the procedure again"
    );
    assert_eq!(std::fs::read_dir(&letters).unwrap().count(), 1, "one letter file");

    // The server goes away: the refresh reads the cache and says so.
    rt.block_on(running.stop());
    let offline = opendata::refresh(&mut d, &options, now()).unwrap();
    assert!(offline.offline);
    let c = &offline.clients[0];
    assert_eq!((c.sirene.origin.as_str(), c.bodacc.origin.as_str()), ("cache", "cache"), "{c:?}");
    assert!(c.sirene.message.as_deref().unwrap_or_default().contains("cache"), "{c:?}");
    assert!(c.ceased && c.notices == 1);
    let view = opendata::client_external(&d, client).unwrap();
    let company = view.company.expect("facts from the cache");
    assert_eq!((company.state.as_deref(), company.ceased_on.as_deref()), (Some("C"), Some("2026-06-05")));
    assert!(company.source_url.contains("/search?q="));
    assert_eq!(view.notices.len(), 1);
    assert_eq!(view.notices[0].published_on.as_deref(), Some("2026-06-09"));
    assert!(view.notices[0].source_url.contains("annonces-commerciales"));
    assert_eq!(view.procedures.len(), 1);
}

#[test]
fn a_refresh_of_every_client_asks_once_per_siren_and_acts_on_nothing_without_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let replay = Replay::from_corpus(&corpus()).unwrap();
    let (rt, running) = serve(&replay);
    // The demo has no client with a corpus SIREN: the replay answers "unknown" for each of them,
    // and a refresh of all clients stores nothing wrong and acts on nothing.
    let options = RefreshOptions {
        sirene_base_url: Some(running.base_url()),
        bodacc_base_url: Some(running.base_url()),
        ..RefreshOptions::default()
    };
    let report = opendata::refresh(&mut d, &options, now()).unwrap();
    assert!(report.clients.len() >= 30, "{}", report.clients.len());
    assert!(report.procedures.is_empty());
    assert!(report.clients.iter().all(|c| c.sirene.origin == "fetched" && c.notices == 0));
    // Requests stayed within 7 per second window (two per client).
    let log: Vec<_> = replay.log().iter().map(|l| l.at).collect();
    assert_eq!(log.len(), report.clients.len() * 2);
    rt.block_on(running.stop());
    // An unknown client is an error naming it.
    let e = opendata::refresh(&mut d, &RefreshOptions { client: Some(999_999), ..options }, now()).unwrap_err();
    assert!(e.message.contains("999999"), "{e:?}");
}

#[test]
fn the_three_phases_run_apart_and_the_fetch_holds_no_dossier() {
    // The shell asks the network on a thread of its own with the dossier unlocked: the plan and the
    // answers cross threads (Send), and the answers are stored afterwards.
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let replay = Replay::from_corpus(&corpus()).unwrap();
    let (rt, running) = serve(&replay);
    let client = encours_store::opendata::clients_with_siren(&d, None).unwrap()[0].client_id;
    let options = RefreshOptions {
        client: Some(client),
        sirene_base_url: Some(running.base_url()),
        bodacc_base_url: Some(running.base_url()),
        ..RefreshOptions::default()
    };
    let plan = opendata::plan_refresh(&d, Some(client)).unwrap();
    let (plan, fetched, options) = std::thread::spawn(move || {
        let fetched = opendata::fetch(&plan, &options);
        (plan, fetched, options)
    })
    .join()
    .unwrap();
    assert_eq!(replay.log().len(), 2, "one SIRENE and one BODACC request");
    assert!(encours_store::opendata::latest_responses(&d, &plan_siren(&d, client), "sirene").unwrap().is_none());
    let report = opendata::apply_refresh(&mut d, &plan, fetched.unwrap(), &options, now()).unwrap();
    assert_eq!((report.fetched, report.clients.len()), (1, 1));
    assert!(encours_store::opendata::latest_responses(&d, &plan_siren(&d, client), "sirene").unwrap().is_some());
    rt.block_on(running.stop());
}

fn plan_siren(d: &Dossier, client: i64) -> String {
    encours_store::channels::client_facts(d, client).unwrap().unwrap().siren.unwrap()
}
