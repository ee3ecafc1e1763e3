#!/usr/bin/env bash
# The dashboard's REST answers on a large organisation: server time per endpoint, cold and warm.
#
#   benches/dashboard.sh [ENGINEERS] [DAYS] [RUNS]      (defaults: 1000 365 20)
#   DATA=DIR benches/dashboard.sh                       (reuse a data dir a run before generated)
#
# Builds the release binary, generates the demo organisation (`spendlens demo --engineers N --days D
# --features 60`) unless DATA names one, starts `spendlens serve` on 127.0.0.1 with a reader's token,
# waits until it says every page's answers for the default view (the latest month) are made, then
# asks each endpoint: the first answer (for a default view, kept by then; for another month or
# filter, made on demand: the application's own time), then RUNS times warm (the answer kept while
# the data is unchanged). Figures are the server's own `Server-Timing` (milliseconds from request
# to answer, authentication and the data directory's change check included) and curl's total
# time; the median and the slowest are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
engineers=${1:-1000}
days=${2:-365}
runs=${3:-20}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/spendlens-target}"
cargo build --release --quiet -p spendlens-cli
bin="$CARGO_TARGET_DIR/release/spendlens"
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
data=${DATA:-$work/data}
if [ -z "${DATA:-}" ]; then
  /usr/bin/time -f "demo: %e s, peak %M KB" "$bin" --data-dir "$data" demo --engineers "$engineers" --days "$days" --features 60 > /dev/null
fi
token=bench-reader-token-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
# A copy of the config with the tokens, so a reused data dir keeps its own.
cat > "$data/config.toml" <<TOML
[serve.tokens]
"bench@example.com" = "bench-writer-token-0123456789"
[serve.dashboard_tokens]
bench = "$token"
TOML
chmod 600 "$data/config.toml"
"$bin" --data-dir "$data" serve --listen 127.0.0.1:0 2> "$work/serve.log" &
server=$!
for _ in $(seq 600); do grep -q "listening on" "$work/serve.log" && break; sleep 0.1; done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/serve.log" | head -1)
month=$("$bin" --data-dir "$data" report --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["period"]["start"][:7])')
echo "server $url, month $month"

ask() { # target -> "server_ms total_s"
  curl -s -o /dev/null -D "$work/headers" -w '%{time_total}' -H "Authorization: Bearer $token" "$url$1" > "$work/total"
  local timing; timing=$(tr -d '\r' < "$work/headers" | sed -n 's/^server-timing: app;dur=//Ip')
  echo "${timing:-nan} $(cat "$work/total")"
}
# `serve` makes every page's answers for its default view (the latest month) at start, and again
# after the data changes; the figures below are taken once it says they are ready.
for _ in $(seq 3600); do grep -q "answers are ready" "$work/serve.log" && break; sleep 0.5; done
grep "answers are ready" "$work/serve.log" || { echo "the dashboard's answers were not ready within 30 minutes"; exit 1; }
previous=$(python3 -c "import datetime as d; y,m=map(int,'$month'.split('-')); print(f'{y-(m==1)}-{(m-2)%12+1:02d}')")
printf '%-44s %10s %10s %10s %10s\n' endpoint first_ms warm_med_ms warm_max_ms curl_med_ms
# Each page's default view (what the Overview and the navigation link to), then other months and
# filters: their first answer is made on demand (the application's own time).
for target in /api/v1/report /api/v1/trend /api/v1/models /api/v1/ledger /api/v1/reconcile /api/v1/budgets \
              /api/v1/optimise /api/v1/savings /api/v1/seats /api/v1/insights /api/v1/spikes /api/v1/forecast \
              "/api/v1/forecast?start=$month&horizon=2" \
              "/api/v1/report?month=$month" "/api/v1/trend?month=$month&grain=week" "/api/v1/ledger?month=$month&path=api&driver=a" \
              "/api/v1/report?month=$previous" "/api/v1/optimise?month=$previous" "/api/v1/savings?month=$month" \
              "/api/v1/seats?month=$previous"; do
  cold=$(ask "$target")
  : > "$work/warm"
  for _ in $(seq "$runs"); do ask "$target" >> "$work/warm"; done
  python3 - "$target" "$cold" "$work/warm" <<'PY'
import statistics, sys
target, cold, path = sys.argv[1], sys.argv[2].split(), sys.argv[3]
rows = [line.split() for line in open(path)]
server = [float(row[0]) for row in rows]
total = [float(row[1]) * 1000 for row in rows]
print(f"{target[:44]:<44} {float(cold[0]):>10.1f} {statistics.median(server):>10.1f} {max(server):>10.1f} {statistics.median(total):>10.1f}")
PY
done
for page in / /claude-code /api /savings /forecast /spikes /reconciliation /ledger; do
  curl -s -o /dev/null -H "Authorization: Bearer $token" "$url$page"
  python3 - "$page" "$url$page" "$token" "$runs" <<'PY'
import statistics, subprocess, sys
page, target, token, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
times = [float(subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{time_total}", "-H", f"Authorization: Bearer {token}", target],
                              capture_output=True, text=True).stdout) * 1000 for _ in range(runs)]
print(f"page {page:<39} {'':>10} {'':>10} {max(times):>10.1f} {statistics.median(times):>10.1f}")
PY
done
