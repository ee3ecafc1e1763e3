#!/usr/bin/env bash
# benches/statusline.sh [TREE]: `spendlens cc statusline` on a warm transcript history (default
# the 3 GB tree benches/transcripts.sh writes, /var/tmp/perf-bench/tree3g), timed with farm-bench
# against two yardsticks: `cat` of the state file the statusline keeps (the floor of reading
# anything at all) and ccusage 20.0.24's own statusline (when npm is here), each run on the same
# hook input. Warm means the data dir has ingested the tree and nothing changed since: what a
# status line meets between two prompts. The bar (issue 17): at most 50 ms.
#
# Release build: CARGO_TARGET_DIR=/var/tmp/spendlens-target cargo build --release -p spendlens-cli
set -euo pipefail
cd "$(dirname "$0")/.."
TREE="${1:-/var/tmp/perf-bench/tree3g}"
TARGET="${CARGO_TARGET_DIR:-/var/tmp/spendlens-target}"
BIN="${BIN:-$TARGET/release/spendlens}"
RUNS="${RUNS:-15}"
[ -d "$TREE/projects" ] || { echo "no transcript tree at $TREE (benches/transcripts.sh writes one)"; exit 1; }
[ -x "$BIN" ] || { echo "no release binary at $BIN"; exit 1; }
command -v farm-bench > /dev/null || { echo "farm-bench is not installed"; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
DATA="$WORK/data"
# The largest transcript stands for the session being worked in.
TRANSCRIPT="$(find "$TREE/projects" -name '*.jsonl' -printf '%s %p\n' | sort -n | tail -1 | cut -d' ' -f2-)"
SESSION="$(basename "$TRANSCRIPT" .jsonl)"
printf '{"session_id":"%s","transcript_path":"%s","model":{"id":"claude-sonnet-4-5-20250929","display_name":"Sonnet 4.5"},"workspace":{"current_dir":"/"}}' \
    "$SESSION" "$TRANSCRIPT" > "$WORK/hook.json"
run() { "$BIN" --data-dir "$DATA" cc statusline --email bench@example.com "$TREE/projects" < "$WORK/hook.json"; }

echo "tree: $TREE ($(du -sh "$TREE" | cut -f1), $(find "$TREE/projects" -name '*.jsonl' | wc -l) files)"
echo "cold (first run: ingests the whole tree):"
/usr/bin/time -f "  %e s, %M KB peak" "$BIN" --data-dir "$DATA" cc statusline --email bench@example.com "$TREE/projects" < "$WORK/hook.json"
echo "warm line: $(run)"
STATE="$DATA/transcripts-state.bin"

echo
echo "== spendlens cc statusline (warm) vs cat of the state file ($(stat -c %s "$STATE") bytes)"
farm-bench -n "$RUNS" --vs "cat $STATE" -- sh -c "exec '$BIN' --data-dir '$DATA' cc statusline --email bench@example.com '$TREE/projects' < '$WORK/hook.json'"

CCUSAGE="$TARGET/ccusage-20.0.24/node_modules/.bin/ccusage"
if [ ! -x "$CCUSAGE" ] && command -v npm > /dev/null; then
    npm install --no-audit --no-fund --prefix "$TARGET/ccusage-20.0.24" ccusage@20.0.24 > /dev/null
fi
if [ -x "$CCUSAGE" ]; then
    mkdir -p "$WORK/home"
    echo
    echo "== spendlens cc statusline (warm) vs ccusage statusline --no-cache (ccusage reads every file each run)"
    farm-bench -n 5 --timeout 600 \
        --vs "sh -c 'HOME=$WORK/home CLAUDE_CONFIG_DIR=$TREE exec $CCUSAGE statusline --no-cache < $WORK/hook.json'" \
        -- sh -c "exec '$BIN' --data-dir '$DATA' cc statusline --email bench@example.com '$TREE/projects' < '$WORK/hook.json'"
fi
