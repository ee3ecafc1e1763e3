//! The crash loop (issue 12, "Trust"): a hundred runs that `kill -9` an ingest, or a `serve`
//! around its flush, at a random moment, check that the store still opens, then finish the work;
//! every time the totals equal a clean run's.
//!
//! The choices (which ingest, from which store, when to kill) come from a seeded generator whose
//! seed is printed; `SPENDLENS_CRASH_SEED=N` repeats them (the moments land as the machine's timing
//! lets them). Two runs go at a time, each in its own data directory. Run with `--nocapture` to see
//! how many kills landed while the process still ran, and how many left a half-written store or
//! temporary files behind.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{
    Reaped, Served, TeamTraffic, admin_usage_ingest, ledger, ok, small_demo_sources, spendlens, spendlens_command, temporaries_under,
    transcript_people, transcripts_ingest,
};

const RUNS: usize = 100;
/// Every fifth run kills a server instead of an ingest.
const SERVE_EVERY: usize = 5;
/// Runs at once.
const WORKERS: usize = 2;

/// xorshift64*: small, seeded, good enough to pick kill moments.
struct Random(u64);

impl Random {
    /// Run `run`'s own generator (splitmix64 of the seed and the run): a run's choices do not
    /// depend on which worker took it or when.
    fn for_run(seed: u64, run: usize) -> Random {
        let mut mixed = seed ^ (run as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Random((mixed ^ (mixed >> 31)).max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }

    fn pick<T: Copy>(&mut self, choices: &[T]) -> T {
        choices[self.below(choices.len() as u64) as usize]
    }

    /// A moment in `[from, to]`.
    fn between(&mut self, from: Duration, to: Duration) -> Duration {
        let span = to.saturating_sub(from).as_micros() as u64;
        from + Duration::from_micros(self.below(span + 1))
    }
}

fn seed() -> u64 {
    match std::env::var("SPENDLENS_CRASH_SEED") {
        Ok(text) => text.trim().parse().expect("SPENDLENS_CRASH_SEED is a whole number"),
        Err(_) => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64,
    }
    .max(1)
}

/// The two ingests the loop kills: both write a file per day (admin usage: 45 days, one person's
/// transcripts: about 16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    AdminUsage,
    Transcripts,
}

impl Kind {
    const ALL: [Kind; 2] = [Kind::AdminUsage, Kind::Transcripts];

    /// Its bit in a set of finished ingests (see [`Ingests::snapshots`]).
    fn bit(self) -> usize {
        match self {
            Kind::AdminUsage => 1,
            Kind::Transcripts => 2,
        }
    }
}

/// The ingest stage of the loop: stores with no, one or both ingests finished (index = set of
/// [`Kind::bit`]s), what `status` says of each, and how long each ingest ran.
struct Ingests {
    sources: PathBuf,
    person: String,
    /// Data directories with the ingests of the index's bits finished (0: an empty store).
    snapshots: [PathBuf; 4],
    ledgers: [Value; 4],
    durations: [Duration; 2],
}

impl Ingests {
    fn args(&self, kind: Kind) -> Vec<String> {
        match kind {
            Kind::AdminUsage => admin_usage_ingest(&self.sources),
            Kind::Transcripts => transcripts_ingest(&self.sources, &self.person),
        }
    }

    fn run(&self, data: &Path, kind: Kind) -> Duration {
        let started = Instant::now();
        ok(data, &self.args(kind).iter().map(String::as_str).collect::<Vec<_>>());
        started.elapsed()
    }

    /// The clean runs: each ingest into an empty store, and each onto the other's store.
    fn prepare(root: &Path, sources: &Path, person: &str) -> Ingests {
        let snapshots = [0, 1, 2, 3].map(|set| root.join(format!("snapshot-{set}")));
        let mut stage = Ingests {
            sources: sources.to_path_buf(),
            person: person.to_string(),
            snapshots: snapshots.clone(),
            ledgers: Default::default(),
            durations: [Duration::ZERO; 2],
        };
        let admin = stage.run(&snapshots[1], Kind::AdminUsage);
        let transcripts = stage.run(&snapshots[2], Kind::Transcripts);
        copy_dir(&snapshots[1], &snapshots[3]);
        let onto_admin = stage.run(&snapshots[3], Kind::Transcripts);
        stage.ledgers = snapshots.each_ref().map(|snapshot| ledger(snapshot));
        // The other order gives the same store: the reference does not depend on it.
        let other_order = root.join("other-order");
        copy_dir(&snapshots[2], &other_order);
        stage.run(&other_order, Kind::AdminUsage);
        assert_eq!(ledger(&other_order), stage.ledgers[3], "admin usage then transcripts, or the other way round");
        stage.durations = [admin, transcripts.max(onto_admin)];
        stage
    }
}

/// The serve stage: a laptop holding two people's transcript lines, the clean server's totals, and
/// when its first flush had stored the telemetry.
struct Serving {
    traffic: TeamTraffic,
    clean: Value,
    empty: Value,
    sending: Duration,
    flushed: Duration,
}

impl Serving {
    fn prepare(root: &Path, sources: &Path, people: &[String]) -> Serving {
        let traffic = TeamTraffic::new(root, sources, people);
        let data = root.join("serve-clean");
        traffic.configure(&data);
        let empty = ledger(&data);
        let served = Served::start(&data);
        traffic.send_all(&served.url).unwrap_or_else(|error| panic!("{error}\n{}", served.log()));
        let sending = served.ready.elapsed();
        // The first flush comes a second after the server starts: wait for its telemetry files.
        let otel = data.join("lake/usage/source=otel");
        while parquet_files(&otel) == 0 {
            assert!(served.ready.elapsed() < Duration::from_secs(20), "no flush within 20 s:\n{}", served.log());
            std::thread::sleep(Duration::from_millis(5));
        }
        let flushed = served.ready.elapsed();
        served.stop();
        let clean = ledger(&data);
        let laptop = ledger(&traffic.laptop);
        assert_eq!(clean["status"]["sources"]["otel"]["usage_rows"], traffic.events, "every distinct event once: {clean}");
        assert_eq!(clean["status"]["sources"]["transcript"], laptop["status"]["sources"]["transcript"], "the pushed lines: {clean}");
        Serving { traffic, clean, empty, sending, flushed }
    }
}

/// Parquet files (not temporaries) at any depth under `dir`.
fn parquet_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .map(|entry| entry.unwrap().path())
        .map(|path| {
            if path.is_dir() {
                parquet_files(&path)
            } else {
                usize::from(path.extension().is_some_and(|ext| ext == "parquet") && !path.to_string_lossy().contains(".tmp-"))
            }
        })
        .sum()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// What a kill did.
#[derive(Debug, Default, Clone, Copy)]
struct Kill {
    /// It landed while the process still ran (a kill point).
    landed: bool,
    /// It left the store between before and after: some files written, others not.
    partial: bool,
    /// It left temporary files for the next writer to remove.
    temporaries: bool,
}

/// How the kills went.
#[derive(Debug, Default)]
struct Tally {
    ingest_runs: usize,
    serve_runs: usize,
    kill_points: usize,
    partial_stores: usize,
    temporaries_left: usize,
}

impl Tally {
    fn add(&mut self, kill: Kill, serve: bool) {
        if serve {
            self.serve_runs += 1;
        } else {
            self.ingest_runs += 1;
        }
        self.kill_points += usize::from(kill.landed);
        self.partial_stores += usize::from(kill.partial);
        self.temporaries_left += usize::from(kill.temporaries);
    }
}

/// What one run is, for messages.
struct Context<'a> {
    seed: u64,
    run: usize,
    detail: &'a str,
}

impl std::fmt::Display for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "seed {}, run {}: {}", self.seed, self.run, self.detail)
    }
}

/// The store opens after the kill (what `status` says, without `data_dir`).
fn opens(data: &Path, context: &Context<'_>) -> Value {
    let output = spendlens(data, &["status", "--json"]);
    assert!(output.status.success(), "the store does not open after a kill ({context}): {}", String::from_utf8_lossy(&output.stderr));
    let mut status: Value = serde_json::from_slice(&output.stdout).expect("status prints JSON");
    status.as_object_mut().unwrap().remove("data_dir");
    status
}

/// What the kill left: `after` is neither `before` nor `done`, temporaries lie about.
fn left_by(landed: bool, data: &Path, after: &Value, before: &Value, done: &Value) -> Kill {
    Kill { landed, partial: landed && after != before && after != done, temporaries: landed && !temporaries_under(data).is_empty() }
}

fn ingest_run(stage: &Ingests, root: &Path, random: &mut Random, seed: u64, run: usize) -> Kill {
    let kind = random.pick(&Kind::ALL);
    // From an empty store or the other ingest's (the first write of its days), and for admin
    // usage also from the whole store (every day rewritten); a transcript ingest onto its own
    // store reads nothing new and writes nothing.
    let before = match kind {
        Kind::AdminUsage => random.pick(&[0, 2, 3]),
        Kind::Transcripts => random.pick(&[0, 1]),
    };
    // Across the run as measured alone, and a little past it (runs share the machine).
    let limit = stage.durations[kind.bit() - 1].mul_f64(1.5);
    let delay = random.between(Duration::ZERO, limit);
    let detail = format!("{kind:?} from store {before}, killed after {delay:?}");
    let context = Context { seed, run, detail: &detail };

    let data = root.join(format!("run-{run}"));
    if before != 0 {
        copy_dir(&stage.snapshots[before], &data);
    }
    let mut process = Reaped::spawn(
        spendlens_command(&data).args(stage.args(kind)).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()),
    );
    std::thread::sleep(delay);
    let ended = process.kill();
    if let Some(status) = ended {
        assert!(status.success(), "the ingest failed with {status} ({context})");
    }
    let after = opens(&data, &context);
    let kill = left_by(ended.is_none(), &data, &after, &stage.ledgers[before], &stage.ledgers[before | kind.bit()]);
    for finish in Kind::ALL {
        if finish == kind || before & finish.bit() == 0 {
            stage.run(&data, finish);
        }
    }
    let left = temporaries_under(&data);
    assert!(left.is_empty(), "temporaries outlived the next writer ({context}): {left:?}");
    assert_eq!(ledger(&data), stage.ledgers[3], "the totals after finishing ({context})");
    std::fs::remove_dir_all(&data).unwrap();
    kill
}

fn serve_run(stage: &Serving, root: &Path, random: &mut Random, seed: u64, run: usize) -> Kill {
    // Half the kills fall while requests arrive (pushes are stored as they come), half around the
    // first flush (a second after the start, when buffered telemetry is stored).
    let delay = if random.below(2) == 0 {
        random.between(Duration::ZERO, stage.sending)
    } else {
        random.between(Duration::from_millis(950), stage.flushed + Duration::from_millis(100))
    };
    let detail = format!("serve killed {delay:?} after it listened");
    let context = Context { seed, run, detail: &detail };

    let data = root.join(format!("run-{run}"));
    stage.traffic.configure(&data);
    let served = Served::start(&data);
    let url = served.url.clone();
    let landed = std::thread::scope(|scope| {
        // Sent until the server dies: what fails then is sent again to the next one.
        let sending = scope.spawn(|| stage.traffic.send_all(&url));
        std::thread::sleep(delay.saturating_sub(served.ready.elapsed()));
        let landed = served.kill();
        let _ = sending.join();
        landed
    });
    let after = opens(&data, &context);
    let kill = left_by(landed, &data, &after, &stage.empty, &stage.clean);
    let served = Served::start(&data);
    stage.traffic.send_all(&served.url).unwrap_or_else(|error| panic!("resending ({context}): {error}\n{}", served.log()));
    served.stop();
    let left = temporaries_under(&data);
    assert!(left.is_empty(), "temporaries outlived the next writer ({context}): {left:?}");
    assert_eq!(ledger(&data), stage.clean, "the otel and transcript totals after a restart ({context})");
    std::fs::remove_dir_all(&data).unwrap();
    kill
}

/// Tells the other workers to stop when a run fails.
struct StopOnPanic<'a>(&'a AtomicBool);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}

#[test]
fn a_crash_loop_of_kill_9_leaves_a_store_that_opens_and_totals_that_equal_a_clean_run() {
    let seed = seed();
    eprintln!("crash loop: seed {seed} (SPENDLENS_CRASH_SEED={seed} repeats the choices)");
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let sources = small_demo_sources(dir.path());
    let people = transcript_people(&sources);
    assert!(people.len() >= 3, "the demo writes transcripts for three people or more: {people:?}");
    let ingests = Ingests::prepare(dir.path(), &sources, &people[2]);
    let serving = Serving::prepare(dir.path(), &sources, &people[..2]);
    eprintln!(
        "crash loop: ingests ran {:?} (admin usage) and {:?} (transcripts); serve sent its traffic in {:?} and flushed by {:?}",
        ingests.durations[0], ingests.durations[1], serving.sending, serving.flushed
    );

    // Two runs at a time, each in its own data directory: the processes mostly wait for the disk.
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let tally = Mutex::new(Tally::default());
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                let _stop = StopOnPanic(&failed);
                while !failed.load(Ordering::Relaxed) {
                    let run = next.fetch_add(1, Ordering::Relaxed);
                    if run >= RUNS {
                        break;
                    }
                    let mut random = Random::for_run(seed, run);
                    let serve = run % SERVE_EVERY == SERVE_EVERY - 1;
                    let kill = if serve {
                        serve_run(&serving, dir.path(), &mut random, seed, run)
                    } else {
                        ingest_run(&ingests, dir.path(), &mut random, seed, run)
                    };
                    tally.lock().unwrap().add(kill, serve);
                }
            });
        }
    });
    let tally = tally.into_inner().unwrap();
    eprintln!(
        "crash loop: {} kill points landed in {RUNS} runs ({} ingest, {} serve): {} left a partial store, {} left temporaries; {:?}",
        tally.kill_points,
        tally.ingest_runs,
        tally.serve_runs,
        tally.partial_stores,
        tally.temporaries_left,
        started.elapsed()
    );
    assert!(tally.kill_points > 0, "no kill landed while a process ran (seed {seed})");
}
