//! Concurrency (issue 12, "Trust"): two ingests and a `serve` receiving pushes and OTLP, all at
//! once on one data directory, store what they store one after another.

use std::path::Path;
use std::time::Duration;

use crate::support::{
    Served, TeamTraffic, admin_usage_ingest, ledger, small_demo_sources, spendlens, transcript_people, transcripts_ingest,
};

/// When, after the server listens, each round starts its ingests and its pushes: the server's
/// first flush (a second in) meets them in some rounds, requests in others.
const ROUNDS: [(Duration, Duration); 5] = [
    (Duration::ZERO, Duration::ZERO),
    (Duration::from_millis(150), Duration::ZERO),
    (Duration::from_millis(900), Duration::from_millis(850)),
    (Duration::from_millis(980), Duration::from_millis(600)),
    (Duration::ZERO, Duration::from_millis(950)),
];

/// One of a round's steps, and when it ran.
struct Step {
    name: &'static str,
    outcome: Result<(), String>,
    start: Duration,
    end: Duration,
}

fn ingest(data: &Path, args: &[String]) -> Result<(), String> {
    let output = spendlens(data, &args.iter().map(String::as_str).collect::<Vec<_>>());
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("spendlens {} failed: {}", args[..2].join(" "), String::from_utf8_lossy(&output.stderr)))
    }
}

#[test]
fn two_ingests_and_a_serve_at_once_store_what_they_store_one_after_another() {
    let dir = tempfile::tempdir().unwrap();
    let sources = small_demo_sources(dir.path());
    let people = transcript_people(&sources);
    assert!(people.len() >= 3, "the demo writes transcripts for three people or more: {people:?}");
    // Two people push from their laptop; a third's transcripts are ingested on the server itself
    // (another scope: a person's own ingest and their pushes would be one scope written two ways).
    let traffic = TeamTraffic::new(dir.path(), &sources, &people[..2]);
    let admin_usage = admin_usage_ingest(&sources);
    let transcripts = transcripts_ingest(&sources, &people[2]);

    let sequential = dir.path().join("sequential");
    traffic.configure(&sequential);
    ingest(&sequential, &admin_usage).unwrap();
    ingest(&sequential, &transcripts).unwrap();
    let served = Served::start(&sequential);
    traffic.send_all(&served.url).unwrap_or_else(|error| panic!("{error}\n{}", served.log()));
    served.stop();
    let expected = ledger(&sequential);
    for source in ["admin_usage", "transcript", "otel"] {
        assert!(expected["status"]["sources"][source]["usage_rows"].as_u64().is_some_and(|rows| rows > 0), "{source}: {expected}");
    }

    for (round, (ingests_after, pushes_after)) in ROUNDS.into_iter().enumerate() {
        let data = dir.path().join(format!("concurrent-{round}"));
        traffic.configure(&data);
        let served = Served::start(&data);
        let url = served.url.as_str();
        let ready = served.ready;
        let timed = |name: &'static str, after: Duration, work: &dyn Fn() -> Result<(), String>| {
            std::thread::sleep(after.saturating_sub(ready.elapsed()));
            let start = ready.elapsed();
            let outcome = work();
            Step { name, outcome, start, end: ready.elapsed() }
        };
        let steps: Vec<Step> = std::thread::scope(|scope| {
            let steps = [
                scope.spawn(|| timed("admin-usage ingest", ingests_after, &|| ingest(&data, &admin_usage))),
                scope.spawn(|| timed("transcripts ingest", ingests_after, &|| ingest(&data, &transcripts))),
                scope.spawn(|| timed("push 1", pushes_after, &|| traffic.push(url, 0))),
                scope.spawn(|| timed("push 2", pushes_after, &|| traffic.push(url, 1))),
                scope.spawn(|| timed("OTLP", Duration::ZERO, &|| traffic.post_telemetry(url))),
            ];
            steps.into_iter().map(|step| step.join().expect("a step panicked")).collect()
        });
        // When each step ran, from the server's start (its timer flushes at about 1 s).
        let timeline: Vec<String> =
            steps.iter().map(|step| format!("{} {:.2}-{:.2} s", step.name, step.start.as_secs_f64(), step.end.as_secs_f64())).collect();
        eprintln!("concurrency round {round}: {}", timeline.join(", "));
        for step in steps {
            step.outcome.unwrap_or_else(|error| panic!("round {round}, {}: {error}\n{}", step.name, served.log()));
        }
        let log = served.log();
        served.stop();
        assert_eq!(
            ledger(&data),
            expected,
            "round {round} (ingests {ingests_after:?}, pushes {pushes_after:?} after start); serve said:\n{log}"
        );
    }
}

/// Writers started at once on a data directory with no lake yet: each creates the lake's marker
/// (outside the writer lock), and whichever takes the lock first removes "stale" temporary files,
/// among them another process's marker on its way into place. Every one of them must succeed.
#[test]
fn regression_writers_creating_a_new_lake_at_once_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let roster = dir.path().join("roster.csv");
    std::fs::write(&roster, "email,name,team,seat_type,monthly_usd,start,end\na@x.example,A,t,team,30,2026-09-01,\n").unwrap();
    let args = ["ingest", "roster", roster.to_str().unwrap(), "--until", "2026-10-31"];
    let alone = dir.path().join("alone");
    ingest(&alone, &args.map(String::from)).unwrap();
    let expected = ledger(&alone);
    for round in 0..10 {
        let data = dir.path().join(format!("round-{round}"));
        let failures: Vec<String> = std::thread::scope(|scope| {
            let writers: Vec<_> = (0..6).map(|_| scope.spawn(|| ingest(&data, &args.map(String::from)))).collect();
            writers.into_iter().filter_map(|writer| writer.join().expect("a writer panicked").err()).collect()
        });
        assert!(failures.is_empty(), "round {round}: {} of 6 writers failed: {failures:#?}", failures.len());
        assert_eq!(ledger(&data), expected, "round {round}");
    }
}
