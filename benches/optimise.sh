#!/usr/bin/env bash
# `spendlens optimise` over a 100M-line lake, side by side with DuckDB running the aggregations it
# reads (the usage rollup and the hour profiles) over the same Parquet files: once over the lines,
# and once summing the rollup from the rollup summaries spendlens reads (`lake/usage_rollup`).
# spendlens is timed twice per run: cold (its kept months, `DATA/cache/optimise-*`, removed first,
# so every month's ledger is assembled and the months kept again) and warm (the next run, over the
# months the cold run kept: what every run after a write that kept them current sees).
#
#   benches/optimise.sh                 (defaults below; every one can be set in the environment)
#
#   DATA=/var/tmp/perf-bench/opt9/data100m       the scaled lake's data directory (made once, kept)
#   ENGINEERS=1000 FEATURES=60 DAYS=365          the demo organisation it starts from
#   COPIES=158                                   extra copies of the usage report (100M lines;
#                                                15 gives 10M, 0 the demo alone)
#   RUNS=5                                       timed runs of each side (medians reported)
#   VENV=/var/tmp/perf-bench/duckdb-venv         where `pip install duckdb` goes
#
# The lake is made once: `spendlens demo` ingests the demo organisation into DATA, then the
# bench-only tool `scale_lake` (crates/spendlens-store/examples) copies each day's usage-report
# lines COPIES more times under API keys of their own (the cost report billed as many times over),
# through the store's own writer. Each timed run reads a warm page cache.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-/var/tmp/perf-bench/opt9/data100m}
ENGINEERS=${ENGINEERS:-1000}
FEATURES=${FEATURES:-60}
DAYS=${DAYS:-365}
COPIES=${COPIES:-158}
RUNS=${RUNS:-5}
VENV=${VENV:-/var/tmp/perf-bench/duckdb-venv}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/spendlens-target}"

cargo build --release --quiet -p spendlens-cli
cargo build --release --quiet -p spendlens-store --example scale_lake
bin="$CARGO_TARGET_DIR/release/spendlens"

if [ ! -f "$DATA/lake/_spendlens.json" ]; then
  mkdir -p "$DATA"
  "$bin" --data-dir "$DATA" demo --engineers "$ENGINEERS" --features "$FEATURES" --days "$DAYS" \
    --out "$DATA/demo-sources" > /dev/null
  "$CARGO_TARGET_DIR/release/examples/scale_lake" "$DATA" "$COPIES"
fi
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet duckdb
fi

days=$(ls "$DATA/lake/usage/source=admin_usage" | sed -n 's/^day=//p' | sort)
since=$(head -1 <<<"$days")
until=$(tail -1 <<<"$days")
files=$(find "$DATA/lake" -name '*.parquet' | wc -l)
mb=$(du -sm "$DATA/lake" | cut -f1)
echo "lake: $DATA ($files Parquet files, $mb MB), days $since to $until"
find "$DATA/lake" -name '*.parquet' -exec cat {} + > /dev/null   # warm the page cache
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

spendlens_cmd=("$bin" --data-dir "$DATA" optimise --since "$since" --until "$until" --json)
duckdb_cmd=("$VENV/bin/python" benches/optimise_duckdb.py "$DATA" "$since" "$until")
summaries_cmd=("${duckdb_cmd[@]}" --summaries)
# A lake from an earlier build gets its summaries first (a no-op when they are current).
"$bin" --data-dir "$DATA" refresh-rollups
rm -rf "$DATA"/cache/optimise-*
"${spendlens_cmd[@]}" > /dev/null             # warm-up
"${duckdb_cmd[@]}"                            # warm-up, and the anchor's own split of its time
"${summaries_cmd[@]}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for run in $(seq "$RUNS"); do
  rm -rf "$DATA"/cache/optimise-*
  /usr/bin/time -f '%e %M' -o "$work/spendlens.$run" "${spendlens_cmd[@]}" > "$work/cold.json"
  /usr/bin/time -f '%e %M' -o "$work/warm.$run" "${spendlens_cmd[@]}" > "$work/warm.json"
  cmp -s "$work/cold.json" "$work/warm.json" || { echo "the warm answer differs from the cold one" >&2; exit 1; }
  /usr/bin/time -f '%e %M' -o "$work/duckdb.$run" "${duckdb_cmd[@]}" > /dev/null
  /usr/bin/time -f '%e %M' -o "$work/summaries.$run" "${summaries_cmd[@]}" > /dev/null
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work" "$RUNS" <<'PY'
import statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
def figures(name):
    rows = [open(f"{work}/{name}.{run}").read().split()[-2:] for run in range(1, runs + 1)]
    return [float(seconds) for seconds, _ in rows], [int(kb) / 1024 for _, kb in rows]
s_time, s_mem = figures("spendlens")
w_time, w_mem = figures("warm")
d_time, d_mem = figures("duckdb")
m_time, m_mem = figures("summaries")
print(f"{'':<36} {'median s':>9} {'best s':>8} {'peak MB':>8}")
print(f"{'spendlens optimise --json, cold':<36} {statistics.median(s_time):>9.2f} {min(s_time):>8.2f} {max(s_mem):>8.0f}")
print(f"{'spendlens optimise --json, warm':<36} {statistics.median(w_time):>9.2f} {min(w_time):>8.2f} {max(w_mem):>8.0f}")
print(f"{'duckdb, over the lines':<36} {statistics.median(d_time):>9.2f} {min(d_time):>8.2f} {max(d_mem):>8.0f}")
print(f"{'duckdb, rollup from the summaries':<36} {statistics.median(m_time):>9.2f} {min(m_time):>8.2f} {max(m_mem):>8.0f}")
for side, times in (("cold", s_time), ("warm", w_time)):
    for name, anchor in (("over the lines", d_time), ("from the summaries", m_time)):
        ratios = [s / d for s, d in zip(times, anchor)]
        print(f"spendlens {side} / duckdb {name}, run by run: median {statistics.median(ratios):.2f}x "
              f"(min {min(ratios):.2f}x, max {max(ratios):.2f}x)")
print("target: at most 1.5x and 10 s")
PY
