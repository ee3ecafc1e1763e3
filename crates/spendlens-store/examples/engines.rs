//! Times every whole-lake read of a lake through both engines, the direct reads of the default
//! build (`Store`) and DataFusion SQL (`SqlLake`), and checks that their answers are equal:
//!
//!     cargo run --release -p spendlens-store --features datafusion --example engines -- DATA_DIR [RUNS]
//!
//! Each read runs `RUNS` times (3 by default) after one warm-up; the best time is printed. Not part
//! of any spendlens binary: a bench-only tool.

use std::time::{Duration, Instant};

use spendlens_model::Source;
use spendlens_store::{Lake, SqlLake, Store};

fn main() {
    if let Err(error) = run() {
        eprintln!("engines: {error}");
        std::process::exit(1);
    }
}

fn best<T: PartialEq + std::fmt::Debug>(
    runs: usize,
    read: impl Fn(&dyn Lake) -> T,
    direct: &Store,
    sql: &SqlLake,
) -> (Duration, Duration, bool) {
    let time = |lake: &dyn Lake| {
        let mut answer = read(lake);
        let mut best = Duration::MAX;
        for _ in 0..runs {
            let started = Instant::now();
            answer = read(lake);
            best = best.min(started.elapsed());
        }
        (best, answer)
    };
    let (direct_time, direct_answer) = time(direct);
    let (sql_time, sql_answer) = time(sql);
    (direct_time, sql_time, direct_answer == sql_answer)
}

/// A read timed through both engines: the best times and whether the answers were equal.
type Timed = dyn Fn(&Store, &SqlLake) -> (Duration, Duration, bool);

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(data_dir) = args.first() else { return Err("usage: engines DATA_DIR [RUNS]".into()) };
    let runs: usize = args.get(1).map(|runs| runs.parse()).transpose()?.unwrap_or(3);
    let direct = Store::open(std::path::Path::new(data_dir))?;
    let sql = SqlLake::open(std::path::Path::new(data_dir))?;
    let reads: Vec<(&str, Box<Timed>)> = vec![
        ("usage_rollup", Box::new(move |d, s| best(runs, |lake| lake.usage_rollup(None).map_err(|e| e.to_string()), d, s))),
        ("usage_lines", Box::new(move |d, s| best(runs, |lake| lake.usage_lines(None).map_err(|e| e.to_string()), d, s))),
        ("cost_lines", Box::new(move |d, s| best(runs, |lake| lake.cost_lines(None).map_err(|e| e.to_string()), d, s))),
        ("activity", Box::new(move |d, s| best(runs, |lake| lake.activity(None).map_err(|e| e.to_string()), d, s))),
        ("directory", Box::new(move |d, s| best(runs, |lake| lake.directory().map_err(|e| e.to_string()), d, s))),
        ("usage_span", Box::new(move |d, s| best(runs, |lake| lake.usage_span().map_err(|e| e.to_string()), d, s))),
        ("totals", Box::new(move |d, s| best(runs, |lake| lake.totals().map_err(|e| e.to_string()), d, s))),
        ("unknown_values", Box::new(move |d, s| best(runs, |lake| lake.unknown_values(None).map_err(|e| e.to_string()), d, s))),
        (
            "hour_profiles",
            Box::new(move |d, s| best(runs, |lake| lake.hour_profiles(Source::AdminUsage, None).map_err(|e| e.to_string()), d, s)),
        ),
    ];
    println!("{:<16} {:>12} {:>12}  equal", "read", "direct ms", "sql ms");
    for (name, read) in reads {
        let (direct_time, sql_time, equal) = read(&direct, &sql);
        println!("{name:<16} {:>12.1} {:>12.1}  {equal}", direct_time.as_secs_f64() * 1e3, sql_time.as_secs_f64() * 1e3);
    }
    Ok(())
}
