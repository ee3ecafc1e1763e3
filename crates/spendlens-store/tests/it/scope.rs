//! One scope's usage read straight from its partition files: whole, by column projection, and
//! folded a run of days at a time.

use spendlens_model::{Period, Source, UsageLine};
use spendlens_store::{Lake, LakeExt};
use spendlens_store::{Replace, UsageDetail};

use crate::support::{day, fresh_store, money, usage};

/// A transcript line of `email` with every identity and the reported cost filled in.
fn line(email: &str, start: &str, request: &str, input: u64) -> UsageLine {
    let mut line = usage(Source::Transcript, start, input, input / 10);
    line.identity.actor_email = Some(email.into());
    line.identity.request_id = Some(request.into());
    line.identity.session_id = Some(format!("session-{}", &start[..10]));
    line.identity.project = Some("/home/ana/shop".into());
    line.identity.workspace_id = Some("wrkspc_1".into());
    line.identity.api_key_id = Some("apikey_1".into());
    line.identity.api_key_name = Some("ana's key".into());
    line.reported_cost = Some(money("0.25"));
    line.quantities.requests = Some(1);
    line
}

fn by_time(mut lines: Vec<UsageLine>) -> Vec<UsageLine> {
    lines.sort_by(|a, b| (a.start, &a.identity.request_id).cmp(&(b.start, &b.identity.request_id)));
    lines
}

#[test]
fn a_scope_reads_whole_projected_and_folded_alike() {
    let (_directory, store) = fresh_store();
    let ana: Vec<UsageLine> =
        ["2026-10-01T09:00:00Z", "2026-10-01T10:00:00Z", "2026-10-02T09:00:00Z", "2026-10-04T23:59:00Z", "2026-10-07T00:00:00Z"]
            .iter()
            .enumerate()
            .map(|(index, start)| line("ana@acme.example", start, &format!("req_{index}"), 1_000 * (index as u64 + 1)))
            .collect();
    store.replace_usage(Source::Transcript, "ana@acme.example", Replace::Days, &ana).unwrap();
    let bo = [line("bo@acme.example", "2026-10-02T11:00:00Z", "req_bo", 7)];
    store.replace_usage(Source::Transcript, "bo@acme.example", Replace::Days, &bo).unwrap();

    let full = store.scope_usage_lines(Source::Transcript, "ana@acme.example", None, UsageDetail::Full).unwrap();
    assert_eq!(by_time(full.clone()), by_time(ana.clone()), "every field of the scope's lines, and only its lines");

    // Priced leaves out what names single requests, keys and workspaces, and the reported cost.
    let priced = store.scope_usage_lines(Source::Transcript, "ana@acme.example", None, UsageDetail::Priced).unwrap();
    let expected: Vec<UsageLine> = full
        .iter()
        .cloned()
        .map(|mut line| {
            line.identity.request_id = None;
            line.identity.workspace_id = None;
            line.identity.api_key_id = None;
            line.identity.api_key_name = None;
            line.reported_cost = None;
            line
        })
        .collect();
    assert_eq!(priced, expected);
    assert!(
        priced
            .iter()
            .all(|line| line.identity.session_id.is_some() && line.identity.project.is_some() && line.quantities.requests == Some(1))
    );

    // A period keeps its days only.
    let period = Period::new(day("2026-10-02"), day("2026-10-05"));
    let within = store.scope_usage_lines(Source::Transcript, "ana@acme.example", Some(period), UsageDetail::Full).unwrap();
    assert_eq!(within.iter().map(|line| line.identity.request_id.clone().unwrap()).collect::<Vec<_>>(), ["req_2", "req_3"]);

    // Folded: consecutive runs of days, in day order, that add up to the whole.
    let runs = store
        .scope_usage_fold(Source::Transcript, "ana@acme.example", None, UsageDetail::Full, Vec::new, |run: &mut Vec<UsageLine>, lines| {
            run.extend(lines)
        })
        .unwrap();
    assert!(!runs.is_empty());
    for pair in runs.windows(2) {
        let (last, first) = (pair[0].iter().map(UsageLine::day).max(), pair[1].iter().map(UsageLine::day).min());
        assert!(last < first, "runs are consecutive: {last:?} then {first:?}");
    }
    assert_eq!(runs.concat(), full);
    assert!(store.scope_usage_fold(Source::Transcript, "cy@acme.example", None, UsageDetail::Full, || 0, |_, _| ()).unwrap().is_empty());
}
