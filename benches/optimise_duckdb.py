"""The near-limit anchor of `benches/optimise.sh`: DuckDB running the two aggregations
`spendlens optimise` reads from the lake, over the same Parquet files and columns.

    python optimise_duckdb.py DATA_DIR SINCE UNTIL [--summaries]     (days inclusive, YYYY-MM-DD)

1. The usage rollup (what every ledger question reads): every usage line of the period summed per
   day, source and the twelve dimensions that change a price or an owner, with the distinct
   sessions and the lines of each group.
2. The hour profiles (the optimiser's traffic shapes): the usage report's lines summed per calendar
   month, API key, model, tier and hour of the week (UTC, weeks from Monday), with the distinct
   days of each (spendlens reads them a month at a time and keeps each month's shapes).

With `--summaries`, the rollup is summed from the rollup summaries spendlens keeps beside each
usage file (`lake/usage_rollup`: each file's lines already summed per group; a day's scopes are
summed again, sessions added), as spendlens reads it; the hour profiles still read the lines.

Both results are materialised in memory (a temporary table each), as spendlens holds its answers;
the script prints their row counts. DuckDB uses every core it finds.
"""

import atexit
import shutil
import sys
import tempfile
import time

import duckdb

ROLLUP_KEYS = [
    "day",
    "source",
    "path",
    "workspace_id",
    "api_key_id",
    "api_key_name",
    "actor_email",
    "account_id",
    "service_account_id",
    "model",
    "service_tier",
    "context_window",
    "inference_geo",
    "speed",
]
QUANTITIES = [
    "input_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
    "output_tokens",
    "web_search_requests",
    "code_execution_seconds",
    "requests",
]
TOKENS = QUANTITIES[:5]


def main() -> None:
    data_dir, since, until = sys.argv[1:4]
    from_summaries = "--summaries" in sys.argv[4:]
    lake = f"{data_dir}/lake/usage"
    con = duckdb.connect()
    # What DuckDB spills past its memory limit goes to a temporary directory of its own, never
    # into the working directory.
    spill = tempfile.mkdtemp(prefix="optimise-duckdb-")
    atexit.register(shutil.rmtree, spill, ignore_errors=True)
    con.execute(f"SET temp_directory = '{spill}'")
    period = f"\"day\" BETWEEN DATE '{since}' AND DATE '{until}'"
    scan = (
        "read_parquet('{glob}', hive_partitioning = true, union_by_name = true, "
        "hive_types = {{'source': VARCHAR, 'day': DATE}})"
    )
    keys = ", ".join(f'"{name}"' for name in ROLLUP_KEYS)
    sums = ", ".join(f'SUM("{name}") AS "{name}"' for name in QUANTITIES + ["reported_cost_usd"])
    # Distinct counts as two grouping levels (per session, then per group; per day, then per
    # hour of the week): DuckDB's fastest spelling here, where COUNT(DISTINCT ...) per group
    # costs it twice the time and 20 GB on the 100M-line lake.
    started = time.perf_counter()
    if from_summaries:
        summed = ", ".join(f'SUM("{name}") AS "{name}"' for name in QUANTITIES + ["reported_cost_usd", "sessions", "lines"])
        con.execute(
            f"CREATE TEMP TABLE rollup AS SELECT {keys}, {summed} "
            f"FROM {scan.format(glob=data_dir + '/lake/usage_rollup/*/*/*.parquet')} WHERE {period} GROUP BY {keys}"
        )
    else:
        con.execute(
            f"CREATE TEMP TABLE rollup AS SELECT {keys}, "
            + ", ".join(f'SUM("{name}") AS "{name}"' for name in QUANTITIES + ["reported_cost_usd"])
            + f", COUNT(\"session_id\") AS sessions, SUM(lines) AS lines FROM (SELECT {keys}, \"session_id\", {sums}, COUNT(*) AS lines "
            f"FROM {scan.format(glob=lake + '/*/*/*.parquet')} WHERE {period} GROUP BY ALL) GROUP BY {keys}"
        )
    rollup_seconds = time.perf_counter() - started
    token_sums = ", ".join(f'SUM("{name}") AS "{name}"' for name in TOKENS)
    # Integer arithmetic on the microseconds since the epoch: UTC whatever the session's zone.
    started = time.perf_counter()
    con.execute(
        f"CREATE TEMP TABLE hours AS SELECT month, api_key_id, model, service_tier, weekday, hour, COUNT(*) AS days, {token_sums} "
        "FROM (SELECT date_trunc('month', \"day\") AS month, api_key_id, model, service_tier, "
        "(epoch_us(\"start\") // 86400000000 + 3) % 7 AS weekday, (epoch_us(\"start\") // 3600000000) % 24 AS hour, \"day\", "
        f"{token_sums} FROM {scan.format(glob=lake + '/source=admin_usage/*/*.parquet')} WHERE {period} GROUP BY ALL) "
        "GROUP BY 1, 2, 3, 4, 5, 6"
    )
    hours_seconds = time.perf_counter() - started
    rollups = con.execute("SELECT COUNT(*), SUM(lines) FROM rollup").fetchone()
    profiles = con.execute("SELECT COUNT(*) FROM hours").fetchone()
    print(
        f"duckdb {duckdb.__version__}: rollup {rollups[0]} groups of {rollups[1]} lines in {rollup_seconds:.2f} s; "
        f"hour profiles {profiles[0]} groups in {hours_seconds:.2f} s"
    )


if __name__ == "__main__":
    main()
