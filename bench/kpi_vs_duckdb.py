"""Benchmark: `python -m core.kpi` against DuckDB on the same CSV files, side by side in one run.

    .venv/bin/python bench/kpi_vs_duckdb.py [--messages 1000000] [--orders 100000] [--repeat 7] [--keep DIR]

Writes a seeded message log and order file as CSV (the canonical columns of shared/spec/kpi.md,
the data of bench/kpi_bench.py: several hundred agents over a month, bursts, auto replies and
system notices, same-second replies, late, cancelled, unpaid, refunded and silent orders), then
times two whole processes, each from CSV in to CSV out:

    core.kpi.engine   `python -m core.kpi --messages M.csv --orders O.csv --out A.csv` (read, validate
               every row, compute the agent-day KPIs, write)
    duckdb     a `python` process that reads the same files with DuckDB and runs the equivalent
               SQL (response time to the next agent message of the chat, 30-second waits, mean
               and first response inside the service window, effective replies, orders
               attributed to the buyer's latest chat message at or before the order through an
               ASOF join) and COPYs the agent-day table to CSV.

The SQL does less than the engine (it validates nothing, and breaks attribution ties by DuckDB's
choice, not by agent name), so the comparison is kind to DuckDB. Prints the machine, both times
of `--repeat` interleaved runs, the ratio of the best times (the runs least disturbed by other
work on the machine) and of the medians. Target (issue 16): core.kpi.engine within 1.5 x DuckDB.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.kpi_bench import _cpu_model, make_data  # noqa: E402

TARGET_RATIO = 1.5

DUCKDB_SQL = """
CREATE TEMP TABLE m AS
  SELECT CAST(time AS TIMESTAMP) AS t, buyer, agent, sender = 'agent' AS is_agent
  FROM read_csv('{messages}', header = true, all_varchar = true)
  WHERE sender IN ('buyer', 'agent');
CREATE TEMP TABLE x AS
  SELECT t, buyer, agent, CAST(t AS DATE) AS d, is_agent,
         MIN(CASE WHEN is_agent THEN t END) OVER (PARTITION BY buyer, agent, CAST(t AS DATE)
             ORDER BY t, is_agent ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS nxt
  FROM m;
CREATE TEMP TABLE chats AS
  SELECT d, agent, buyer,
         COUNT(*) FILTER (WHERE inwin) AS waits,
         COUNT(*) FILTER (WHERE inwin AND resp <= 30) AS fast,
         SUM(resp) FILTER (WHERE inwin) AS rsum,
         COUNT(resp) FILTER (WHERE inwin) AS rcnt,
         arg_min(resp, t) FILTER (WHERE inwin) AS first_resp,
         arg_min(nxt IS NOT NULL, t) AS eff,
         MIN(t) AS first_t
  FROM (SELECT d, agent, buyer, t, nxt, epoch(nxt) - epoch(t) AS resp,
               hour(t) >= 8 AND hour(t) < 23 AS inwin
        FROM x WHERE NOT is_agent)
  GROUP BY ALL;
CREATE TEMP TABLE elig AS
  SELECT x.buyer, x.agent, x.d, x.t FROM x JOIN chats c USING (d, agent, buyer) WHERE x.t >= c.first_t;
CREATE TEMP TABLE o AS
  SELECT order_id, buyer, CAST(created_at AS TIMESTAMP) AS c, TRY_CAST(NULLIF(paid_at, '') AS TIMESTAMP) AS p,
         CAST(amount AS DOUBLE) AS amount, CAST(items AS BIGINT) AS items, status
  FROM read_csv('{orders}', header = true, all_varchar = true);
CREATE TEMP TABLE att AS
  SELECT e.d, e.agent, e.buyer, SUM(o.amount) AS sales, SUM(o.items) AS items, COUNT(*) AS n
  FROM o ASOF JOIN elig e ON o.buyer = e.buyer AND o.c >= e.t
  WHERE o.p IS NOT NULL AND o.status NOT IN ('cancelled', 'unpaid') AND CAST(o.p AS DATE) <= e.d + 1
  GROUP BY ALL;
COPY (
  SELECT c.d AS date, c.agent, COUNT(*) AS consultations, SUM(waits) AS waits, SUM(fast) AS fast_replies,
         SUM(fast) / NULLIF(SUM(waits), 0) AS response_30s_rate, SUM(rsum) / NULLIF(SUM(rcnt), 0) AS avg_response_s,
         AVG(first_resp) AS first_response_s, AVG(CAST(eff AS DOUBLE)) AS effective_reply_rate,
         COUNT(a.n) AS converted, COUNT(a.n) / COUNT(*) AS conversion_rate,
         ROUND(COALESCE(SUM(a.sales), 0), 2) AS sales,
         COALESCE(SUM(a.items), 0) AS items, SUM(a.sales) / NULLIF(COUNT(a.n), 0) AS aov,
         SUM(a.items) / NULLIF(COUNT(a.n), 0) AS items_per_buyer
  FROM chats c LEFT JOIN att a USING (d, agent, buyer)
  GROUP BY c.d, c.agent ORDER BY c.d, c.agent
) TO '{out}' (HEADER, DELIMITER ',');
"""


def write_files(folder: Path, n_messages: int, n_orders: int) -> tuple[Path, Path]:
    """The bench data set as the two canonical CSV files."""
    messages, orders = make_data(n_messages, n_orders)
    messages = messages.assign(time=messages["time"].dt.strftime("%Y-%m-%d %H:%M:%S"), content="好的亲")
    orders = orders.assign(
        created_at=orders["created_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        paid_at=orders["paid_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        amount=orders["amount"].map("{:.2f}".format),
    )
    m_path, o_path = folder / "messages.csv", folder / "orders.csv"
    messages.to_csv(m_path, index=False)
    orders.to_csv(o_path, index=False, na_rep="")
    return m_path, o_path


def _run(cmd: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{cmd[:3]} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=1_000_000)
    p.add_argument("--orders", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--keep", help="write the files into this folder and keep them")
    args = p.parse_args()
    try:
        import duckdb  # noqa: F401  (bench-only dependency, requirements-dev.txt)
    except ImportError:
        print("duckdb is not installed: pip install -r requirements-dev.txt", file=sys.stderr)
        return 2
    print(f"machine : {_cpu_model()}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}")
    print(
        f"python  : {platform.python_version()}  pandas {metadata.version('pandas')}  "
        f"pyarrow {metadata.version('pyarrow')}  "
        f"duckdb {metadata.version('duckdb')}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        m_path, o_path = write_files(folder, args.messages, args.orders)
        print(
            f"data    : {args.messages:,} messages ({m_path.stat().st_size / 1e6:.0f} MB), {args.orders:,} orders "
            f"({o_path.stat().st_size / 1e6:.0f} MB); written in {time.perf_counter() - t0:.1f} s"
        )
        ours_cmd = [
            sys.executable,
            "-m",
            "core.kpi",
            "--messages",
            str(m_path),
            "--orders",
            str(o_path),
            "--out",
            str(folder / "ours.csv"),
        ]
        sql = DUCKDB_SQL.format(messages=m_path, orders=o_path, out=folder / "duck.csv")
        duck_cmd = [sys.executable, "-c", f"import duckdb; duckdb.connect().execute({sql!r})"]
        ours, duck = [], []
        for _ in range(args.repeat):  # interleaved, so both see the same machine load
            ours.append(_run(ours_cmd))
            duck.append(_run(duck_cmd))
        best_ours, best_duck = min(ours), min(duck)
        rows_ours = sum(1 for _ in open(folder / "ours.csv", encoding="utf-8")) - 1
        rows_duck = sum(1 for _ in open(folder / "duck.csv", encoding="utf-8")) - 1
    ratio = best_ours / best_duck
    median_ratio = statistics.median(ours) / statistics.median(duck)
    print(
        f"core.kpi.engine: {best_ours:.2f} s (runs {', '.join(f'{s:.2f}' for s in ours)}), {rows_ours:,} agent-day rows"
    )
    print(f"duckdb  : {best_duck:.2f} s (runs {', '.join(f'{s:.2f}' for s in duck)}), {rows_duck:,} agent-day rows")
    print(f"ratio   : {ratio:.2f} x DuckDB best against best (median against median {median_ratio:.2f} x)")
    print(f"target  : <= {TARGET_RATIO} x -> {'OK' if ratio <= TARGET_RATIO else 'MISSED'}")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
