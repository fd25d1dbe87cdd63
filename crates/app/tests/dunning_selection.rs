//! Today's plan, action by action: the preview shows the text a run records (filled with the same
//! values), and a run of selected clients or actions records only those, once.

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use encours_app::dunning::{self, RunSelection, TemplateDto};
use encours_app::{DemoOptions, ErrorCode, KeySource};
use encours_store::DossierKey;

fn now() -> NaiveDateTime {
    "2026-11-23T09:30:00".parse().unwrap()
}

fn today() -> NaiveDate {
    now().date()
}

fn demo(dir: &Path) -> encours_app::Dossier {
    let keys = KeySource::Environment(DossierKey::from_hex(&"63".repeat(32)).unwrap());
    let mut d = encours_app::create_dossier(
        &dir.join("demo.encours"),
        encours_app::DEMO_COMPANY_SIREN,
        encours_app::DEMO_COMPANY_NAME,
        &keys,
        now(),
    )
    .unwrap();
    encours_app::generate_demo(&mut d, DemoOptions { seed: 7, clients: 60, invoices: 3_000 }, now(), &mut |_| {})
        .unwrap();
    d
}

#[test]
fn the_preview_is_the_text_the_run_records() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let plan = dunning::dunning_plan(&d, today()).unwrap();
    assert!(plan.actions.len() > 10, "the demo plans reminders: {}", plan.actions.len());
    let previews: Vec<_> =
        plan.actions.iter().map(|a| dunning::dunning_preview(&d, today(), a.client_id, &a.key).unwrap()).collect();
    for (a, p) in plan.actions.iter().zip(&previews) {
        assert!(p.missing_variables.is_empty(), "{}: {:?}", a.key, p.missing_variables);
        assert!(!p.body.contains('{') && !p.subject.contains('{'), "{}", p.body);
        assert_eq!((p.client_name.as_str(), p.channel.as_str()), (a.client_name.as_str(), a.channel));
        assert_eq!(p.language, "fr");
    }
    // The raw template is not what is shown: the invoices and the amount are written in.
    let (a, p) = plan.actions.iter().zip(&previews).find(|(a, _)| &*a.template_id == "relance_courtoise").unwrap();
    assert!(p.body.contains(&*a.invoices[0].number), "{}", p.body);
    assert!(p.subject.contains(encours_app::DEMO_COMPANY_NAME), "{}", p.subject);

    // Run everything: each recorded text is its preview, word for word.
    dunning::dunning_run(&mut d, today(), now()).unwrap();
    let outbox = dunning::dunning_actions(&d, None, 100_000).unwrap();
    assert_eq!(outbox.len(), previews.len());
    for p in &previews {
        let row = outbox
            .iter()
            .find(|r| r.client_id == p.client_id && r.subject == p.subject && r.body == p.body)
            .unwrap_or_else(|| panic!("the preview of {} is what was recorded", p.key));
        assert_eq!(row.channel, p.channel);
    }
    // Once recorded, an action is no longer in the plan: its preview says so.
    let e = dunning::dunning_preview(&d, today(), previews[0].client_id, &previews[0].key).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("not in the plan"), "{}", e.message);
}

#[test]
fn a_preview_follows_the_edited_template_and_a_key_of_another_client_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let plan = dunning::dunning_plan(&d, today()).unwrap();
    let a = plan.actions.iter().find(|a| &*a.template_id == "relance_courtoise").unwrap();
    // The preview follows the dossier's edited template at once.
    let mut t: TemplateDto = dunning::templates(&d).unwrap().into_iter().find(|t| t.id == "relance_courtoise").unwrap();
    t.body = "Reste dû : {montant_du}.".into();
    dunning::update_template(&mut d, &t, now()).unwrap();
    let p = dunning::dunning_preview(&d, today(), a.client_id, &a.key).unwrap();
    assert!(p.body.starts_with("Reste dû : ") && p.body.ends_with(" €."), "{}", p.body);
    assert!(p.missing_variables.is_empty());
    let other = plan.actions.iter().find(|x| x.client_id != a.client_id).unwrap();
    let e = dunning::dunning_preview(&d, today(), other.client_id, &a.key).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
}

#[test]
fn a_selected_run_records_only_the_selection_and_never_twice() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let plan = dunning::dunning_plan(&d, today()).unwrap();
    let client = plan.actions[0].client_id;
    let of_client: Vec<&str> = plan.actions.iter().filter(|a| a.client_id == client).map(|a| a.key.as_str()).collect();
    let single = plan.actions.iter().find(|a| a.client_id != client).unwrap().key.clone();

    let empty = dunning::dunning_run_selected(&mut d, today(), now(), &RunSelection::default()).unwrap_err();
    assert_eq!(empty.code, ErrorCode::InvalidInput);
    assert!(dunning::dunning_actions(&d, None, 100).unwrap().is_empty(), "an empty selection records nothing");

    let sel = RunSelection { client_ids: vec![client], keys: vec![single.clone()] };
    let first = dunning::dunning_run_selected(&mut d, today(), now(), &sel).unwrap();
    assert_eq!(first.recorded.len(), of_client.len() + 1);
    assert!(first.not_planned.is_empty());
    let outbox = dunning::dunning_actions(&d, None, 100_000).unwrap();
    assert_eq!(outbox.len(), of_client.len() + 1);
    assert!(outbox.iter().all(|r| r.client_id == client || r.client_name == plan_client(&plan, &single)));

    // The same selection again records nothing; the keys asked for are reported as not planned.
    let second = dunning::dunning_run_selected(&mut d, today(), now(), &sel).unwrap();
    assert!(second.recorded.is_empty(), "{:?}", second.recorded);
    assert_eq!(second.not_planned, vec![single.clone()]);
    // The rest of the plan is still there, and the whole run records only the rest.
    let after = dunning::dunning_plan(&d, today()).unwrap();
    assert_eq!(after.actions.len(), plan.actions.len() - first.recorded.len());
    assert!(after.actions.iter().all(|a| a.client_id != client && a.key != single));
    assert_eq!(after.already_recorded as usize, first.recorded.len());
    let rest = dunning::dunning_run(&mut d, today(), now()).unwrap();
    assert_eq!(rest.recorded.len(), after.actions.len());
    assert_eq!(dunning::dunning_actions(&d, None, 100_000).unwrap().len(), plan.actions.len());
}

fn plan_client(plan: &dunning::PlanView, key: &str) -> String {
    plan.actions.iter().find(|a| a.key == key).map(|a| a.client_name.clone()).unwrap_or_default()
}
