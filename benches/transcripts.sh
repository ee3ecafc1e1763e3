#!/usr/bin/env bash
# Claude Code transcripts: spendlens against ccusage and `cat`, on a generated tree with known truth.
#
#   benches/transcripts.sh [BYTES]      (default 3G; e.g. 300M for a quick run)
#
# Environment: RUNS (default 3) repetitions of every timed step, the median reported; TREE=DIR to
# reuse a tree written before (DIR/truth.json must exist; it is kept); EXPLAIN=1 to split ccusage's
# cost difference into its causes afterwards (benches/ccusage_gap.py: a few minutes of Python on 3 GB).
#
# Builds release, writes a transcript tree once (spendlens-transcript-tree: ~3000 files, two of them
# 300 MB, with streamed duplicates, resumed sessions, sidechain replays, malformed lines), warms the
# page cache (every file read twice, and once more before each timed run), then times on the same
# tree: `cat` of every file (the I/O floor); ccusage 20.0.24 `daily --json --offline`; spendlens cold
# (fresh data dir: `ingest transcripts`, then `cc daily --json`); spendlens `cc daily --json` alone on
# a fresh data dir (one command, as a ccusage user runs it: it ingests first); spendlens warm (same
# data dir, nothing changed). Prints seconds, peak MB and ratios, then each tool's totals against
# truth.json.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-3G}
runs=${RUNS:-3}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/spendlens-target}"
if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq time > /dev/null; else echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 1; fi
fi
cargo build --release --quiet -p spendlens-cli -p spendlens-demo
bin="$CARGO_TARGET_DIR/release/spendlens"
generator="$CARGO_TARGET_DIR/release/spendlens-transcript-tree"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/results"

if [ -n "${TREE:-}" ] && [ -f "$TREE/truth.json" ]; then
  tree=$TREE
  echo "reusing the tree in $tree" >&2
else
  tree="$tmp/tree"
  echo "generating a $size tree..." >&2
  # Model ids ccusage's offline price table knows, so both tools' costs can be compared.
  "$generator" --out "$tree" --bytes "$size" \
    --models claude-sonnet-4-5-20250929,claude-opus-4-1-20250805,claude-haiku-4-5-20251001
fi
mapfile -d '' files < <(find "$tree/projects" -name '*.jsonl' -print0)

# The floor is only honest on a warm page cache: read everything twice, check it all stayed.
warm_cache() { cat "${files[@]}" > /dev/null; }
warm_cache
warm_cache
tree_mb=$(du -sm "$tree/projects" | cut -f1)
available_mb=$(awk '/MemAvailable/ {print int($2 / 1024)}' /proc/meminfo)
resident="unknown (no fincore)"
if command -v fincore > /dev/null; then
  resident="$(fincore --bytes --noheadings -o RES "${files[@]}" | awk -v total="$tree_mb" '{sum += $1} END {printf "%.0f%%", 100 * sum / 1048576 / total}')"
fi
echo "tree ${tree_mb} MB, memory available ${available_mb} MB, tree in the page cache after warming: $resident" >&2
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# timed NAME COMMAND...: wall seconds and peak RSS (KB) into $tmp/results/NAME, stdout into NAME.out.
timed() {
  local name=$1
  shift
  if /usr/bin/time -o "$tmp/results/$name" -f '%e %M' "$@" > "$tmp/results/$name.out" 2> "$tmp/results/$name.err"; then
    return 0
  fi
  echo "$name failed: $(tail -3 "$tmp/results/$name.err")" >&2
  rm -f "$tmp/results/$name"
}

ccusage="$tmp/npm/node_modules/.bin/ccusage"
have_ccusage=no
if npm install --silent --prefix "$tmp/npm" ccusage@20.0.24 > /dev/null 2>&1; then
  have_ccusage=yes
else
  echo "ccusage: npm install failed; skipped" >&2
fi
has_cc=yes
if ! "$bin" cc --help > /dev/null 2>&1; then
  has_cc=no
  echo "spendlens cc does not exist in this build: its timings and totals are skipped" >&2
fi

for run in $(seq "$runs"); do
  warm_cache
  timed "cat.$run" sh -c 'cat "$@" > /dev/null' cat "${files[@]}"
  if [ "$have_ccusage" = yes ]; then
    warm_cache
    timed "ccusage.$run" env HOME="$tmp/home" CLAUDE_CONFIG_DIR="$tree" "$ccusage" daily --json --offline
  fi
  data="$tmp/data.$run"
  warm_cache
  timed "ingest_cold.$run" "$bin" --data-dir "$data" ingest transcripts "$tree" --email bench@example.com
  if [ "$has_cc" = yes ]; then
    timed "cc_cold.$run" "$bin" --data-dir "$data" cc daily --json "$tree" --email bench@example.com
    # What a ccusage user types: one command on a fresh data dir (it ingests, then reports).
    warm_cache
    timed "cc_alone.$run" "$bin" --data-dir "$tmp/alone.$run" cc daily --json "$tree" --email bench@example.com
    rm -rf "$tmp/alone.$run"
  fi
done
for run in $(seq "$runs"); do
  warm_cache
  timed "ingest_warm.$run" "$bin" --data-dir "$data" ingest transcripts "$tree" --email bench@example.com
  if [ "$has_cc" = yes ]; then
    timed "cc_warm.$run" "$bin" --data-dir "$data" cc daily --json "$tree" --email bench@example.com
  fi
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$tmp/results" "$tree/truth.json" "$runs" "$(nproc)" "$load_before" "$load_after" <<'PY'
import json, os, statistics, sys
results, truth_path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
cores, load_before, load_after = sys.argv[4], sys.argv[5], sys.argv[6]
truth = json.load(open(truth_path))

def one(name, run):
    path = os.path.join(results, f"{name}.{run}")
    if not os.path.exists(path):
        return None
    seconds, kb = open(path).read().split()[-2:]
    return float(seconds), int(kb) / 1024

def measured(*names):
    """Median over runs of the summed seconds of `names`, and the largest peak RSS."""
    per_run = []
    for run in range(1, runs + 1):
        parts = [one(name, run) for name in names]
        if any(part is None for part in parts):
            return None
        per_run.append((sum(part[0] for part in parts), max(part[1] for part in parts)))
    return statistics.median(seconds for seconds, _ in per_run), max(mb for _, mb in per_run), min(seconds for seconds, _ in per_run)

rows = {
    "cat (I/O floor)": measured("cat"),
    "ccusage daily --json": measured("ccusage"),
    "spendlens ingest (cold)": measured("ingest_cold"),
    "spendlens cc daily (cold)": measured("cc_cold"),
    "spendlens cold, together": measured("ingest_cold", "cc_cold"),
    "spendlens cc daily alone (cold)": measured("cc_alone"),
    "spendlens ingest (warm)": measured("ingest_warm"),
    "spendlens cc daily (warm)": measured("cc_warm"),
    "spendlens warm, together": measured("ingest_warm", "cc_warm"),
}
print(f"tree: {truth['files']} files, {truth['bytes'] / 1e6:.0f} MB, {truth['responses']} responses; "
      f"{cores} cores, load average {load_before} before, {load_after} after; median of {runs} runs")
print(f"{'step':<32} {'seconds':>9} {'(best)':>8} {'peak MB':>9}")
for name, value in rows.items():
    print(f"{name:<32} {value[0]:>9.2f} {value[2]:>8.2f} {value[1]:>9.0f}" if value else f"{name:<32} {'-':>9} {'-':>8} {'-':>9}")

def ratio(label, top, bottom):
    if top and bottom and bottom[0] > 0:
        print(f"{label:<40} {top[0] / bottom[0]:>7.1f}x")
    else:
        print(f"{label:<40} {'-':>8}")

cold = rows["spendlens cold, together"] or rows["spendlens ingest (cold)"]
warm = rows["spendlens warm, together"] or rows["spendlens ingest (warm)"]
ratio("spendlens cold / cat", cold, rows["cat (I/O floor)"])
ratio("ccusage / spendlens cold", rows["ccusage daily --json"], cold)
ratio("ccusage / spendlens warm", rows["ccusage daily --json"], warm)
alone = rows["spendlens cc daily alone (cold)"]
ratio("spendlens cc daily alone / cat", alone, rows["cat (I/O floor)"])
ratio("ccusage / spendlens cc daily alone", rows["ccusage daily --json"], alone)

tokens = truth["tokens"]
expected = {
    "inputTokens": tokens["input"],
    "outputTokens": tokens["output"],
    "cacheCreationTokens": tokens["cache_write_5m"] + tokens["cache_write_1h"],
    "cacheReadTokens": tokens["cache_read"],
}
expected["totalTokens"] = sum(expected.values())
expected_cost = float(truth["cost_usd"])

def check(label, name):
    path = os.path.join(results, f"{name}.1.out")
    if not os.path.exists(path) or not os.path.exists(os.path.join(results, f"{name}.1")):
        print(f"{label}: no output")
        return
    try:
        totals = json.load(open(path))["totals"]
    except (ValueError, KeyError) as error:
        print(f"{label}: cannot read its JSON totals ({error!r})")
        return
    differences = [f"{key} {totals.get(key)} (truth {value}, {totals.get(key, 0) - value:+})" for key, value in expected.items() if totals.get(key) != value]
    cost = float(totals.get("totalCost", 0))
    if abs(cost - expected_cost) > 0.01:
        differences.append(f"totalCost {cost:.2f} (truth {expected_cost:.2f}, {cost - expected_cost:+.2f})")
    print(f"{label}: " + ("matches truth" if not differences else "differs: " + "; ".join(differences)))

print()
check("ccusage", "ccusage")
check("spendlens cold", "cc_cold")
check("spendlens warm", "cc_warm")
check("spendlens cc daily alone", "cc_alone")
PY

if [ "${EXPLAIN:-0}" = 1 ] && [ -f "$tmp/results/ccusage.1.out" ]; then
  echo
  python3 benches/ccusage_gap.py "$tree" "$tmp/results/ccusage.1.out"
fi
