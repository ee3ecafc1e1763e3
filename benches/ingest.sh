#!/usr/bin/env bash
# Ingest throughput of demo data, side by side with `cat` of the same files (the I/O floor).
#
#   benches/ingest.sh [ENGINEERS] [FEATURES] [DAYS]      (defaults: 1000 60 180)
#
# Builds the release binary, renders a scaled demo organisation once, then times, on a warm page
# cache: `cat` of each source's files, and `spendlens ingest` of the same files into a fresh store.
# Prints lines, megabytes, seconds, lines per second and the ratio to `cat` for each source.
set -euo pipefail
cd "$(dirname "$0")/.."
engineers=${1:-1000}
features=${2:-60}
days=${3:-180}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/spendlens-target}"
cargo build --release --quiet -p spendlens-cli
bin="$CARGO_TARGET_DIR/release/spendlens"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin" --data-dir "$work/scratch" demo --no-ingest --engineers "$engineers" --features "$features" --days "$days" --out "$work/src" 2>/dev/null

now() { date +%s.%N; }
printf '%-24s %10s %8s %8s %8s %12s %8s\n' source lines MB cat_s ingest_s lines/s vs_cat
run() {
  local kind=$1 dir=$2
  local files=("$dir"/*.json)
  cat "${files[@]}" > /dev/null                      # warm the page cache
  local bytes; bytes=$(cat "${files[@]}" | wc -c)
  local t0 t1 t2; t0=$(now)
  cat "${files[@]}" > /dev/null
  t1=$(now)
  local out; out=$("$bin" --data-dir "$work/data" ingest "$kind" "${files[@]}" 2>&1)
  t2=$(now)
  local lines; lines=$(sed -E 's/^[^:]*: ([0-9]+) lines.*/\1/' <<<"$out" | tail -1)
  python3 - "$kind" "$lines" "$bytes" "$t0" "$t1" "$t2" <<'PY'
import sys
kind, lines, size, t0, t1, t2 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *map(float, sys.argv[4:])
cat_s, ingest_s = max(t1 - t0, 1e-6), t2 - t1
print(f"{kind:<24} {lines:>10} {size/1e6:>8.1f} {cat_s:>8.3f} {ingest_s:>8.3f} {lines/ingest_s:>12.0f} {ingest_s/cat_s:>7.1f}x")
PY
}
run admin-usage "$work/src/admin/usage_report_messages"
run admin-cost "$work/src/admin/cost_report"
run claude-code-analytics "$work/src/admin/claude_code"
t0=$(now); "$bin" --data-dir "$work/data" report --month "$(date -d "2026-10-31" +%Y-%m)" > /dev/null; t1=$(now)
python3 -c "import sys; print(f'report (one month, whole org): {float(sys.argv[2])-float(sys.argv[1]):.3f}s')" "$t0" "$t1"
