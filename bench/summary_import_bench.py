"""Benchmark: import of a 100,000-row platform daily summary (XLSX) — parse, validate, store.

    .venv/bin/python bench/summary_import_bench.py [--rows 100000] [--seed 7] [--keep FILE.xlsx]

Generates a seeded Douyin/Taobao-style export (Chinese headers, dates as Excel date cells,
agents "店铺:客服123", counts, rates as "84.49%" text and as percent-formatted numbers, durations
as "1分20秒" text and as seconds, money with "¥") with openpyxl's write-only mode (not timed),
then times the three steps the import page runs, each with its own clock:

    read + validate   core.kpi.summary_import.read_summary (XLSX through calamine)
    preview           core.kpi.summary_store.preview_summary's extra work (unknown agent names)
    store             core.kpi.summary_store.import_summary into a fresh temp database (one transaction)

and prints the machine (platform, CPU count, Python, pandas, calamine), the date and each
figure. Target (issue 9): the whole import of 100,000 rows in at most 15 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import random
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HEADERS = [
    "日期",
    "客服昵称",
    "接待人数",
    "询单人数",
    "支付人数",
    "30秒应答率",
    "全天3分钟回复率(人维度)",
    "全天平响时长(人维度)",
    "首次响应时长(秒)",
    "询单转化率",
    "客服询单支付额",
    "退款后销售额",
    "满意度",
]


def make_rows(rows: int, seed: int) -> list[list[object]]:
    """`rows` data rows: 500 agents a day, as many days as it takes, seeded."""
    rng = random.Random(seed)
    agents = [f"店铺{a % 5 + 1}:客服{a:03d}" for a in range(500)]
    start = dt.date(2026, 1, 1)
    out: list[list[object]] = []
    for i in range(rows):
        day = start + dt.timedelta(days=i // len(agents))
        received = rng.randint(20, 200)
        inquiries = rng.randint(0, received)
        paid = rng.randint(0, inquiries)
        sales = round(paid * rng.uniform(30, 300), 2)
        minutes, seconds = divmod(rng.randint(5, 200), 60)
        out.append(
            [
                dt.datetime(day.year, day.month, day.day),
                agents[i % len(agents)],
                received,
                inquiries,
                paid,
                f"{rng.uniform(60, 100):.2f}%",  # text with %
                round(rng.uniform(0.6, 1.0), 4),  # number formatted as percent
                f"{minutes}分{seconds}秒" if minutes else f"{seconds}秒",
                rng.randint(3, 90),
                f"{paid / inquiries * 100:.2f}%" if inquiries else "-",
                f"¥{sales:,.2f}",
                round(sales - rng.uniform(0, sales / 10), 2),
                f"{rng.uniform(80, 100):.1f}%",
            ]
        )
    return out


def make_xlsx(rows: int, seed: int) -> bytes:
    """The export as .xlsx bytes (openpyxl write-only, styles like a real export)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("客服数据")
    sheet.append(HEADERS)
    for values in make_rows(rows, seed):
        date_cell = WriteOnlyCell(sheet, values[0])
        date_cell.number_format = "yyyy-mm-dd"
        percent_cell = WriteOnlyCell(sheet, values[6])
        percent_cell.number_format = "0.00%"
        sheet.append([date_cell, *values[1:6], percent_cell, *values[7:]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in ("pandas", "python-calamine", "sqlite-utils"))
    return (
        f"{platform.platform()}; {cpu}; {os.cpu_count()} logical CPUs; Python {platform.python_version()}; {versions}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", help="also write the generated .xlsx to this path")
    parser.add_argument("--input", help="use this .xlsx instead of generating one")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        os.environ["APP_DB"] = str(Path(folder) / "bench.db")
        os.environ.setdefault("APP_BCRYPT_ROUNDS", "4")
        from core.accounts import users
        from core.bootstrap import open_store
        from core.kpi import roster_names, summary_errors, summary_import, summary_store
        from core.projects import merchants

        if args.input:
            data = Path(args.input).read_bytes()
        else:
            began = time.perf_counter()
            data = make_xlsx(args.rows, args.seed)
            print(
                f"generated {args.rows:,} rows, {len(data) / 1e6:.1f} MB xlsx "
                f"in {time.perf_counter() - began:.1f} s (not timed)"
            )
        if args.keep:
            Path(args.keep).write_bytes(data)

        db = open_store(Path(folder) / "bench.db")
        admin_id = users.create_user(db, None, "bench", "Bench", "admin", "bench-pass-1")
        admin = users.actor_from_row(users.get_user(db, admin_id))
        merchant_id = merchants.create_merchant(db, admin, {"name": "基准店铺", "platform": "douyin"})
        project_id = merchants.create_project(db, admin, merchant_id, "售前")

        t0 = time.perf_counter()
        parsed = summary_import.read_summary(data, "bench.xlsx", max_bytes=200_000_000)
        t1 = time.perf_counter()
        if not parsed.ok:
            print("the generated file has errors:", [summary_errors.format_error(e) for e in parsed.errors[:5]])
            return 1
        names = parsed.rows["agent"].astype(str).unique().tolist()
        preview = summary_store.SummaryImportPreview(
            parsed=parsed, unknown_agents=roster_names.unknown_agents(db, project_id, names)
        )
        t2 = time.perf_counter()
        summary_store.import_summary(db, admin, project_id, preview)
        t3 = time.perf_counter()
        stored = db.execute("SELECT count(*) FROM kpi_agent_daily WHERE project_id = ?", [project_id]).fetchone()[0]
        days = db.execute("SELECT count(*) FROM kpi_shop_daily WHERE project_id = ?", [project_id]).fetchone()[0]
        db.close()

    total = t3 - t0
    print(f"machine: {machine()}")
    print(f"date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"rows: {len(parsed.rows):,} data rows, {len(parsed.mapping)} columns, {len(data) / 1e6:.1f} MB")
    print(f"read + validate (calamine): {t1 - t0:6.2f} s")
    print(f"preview (agent names):      {t2 - t1:6.2f} s")
    print(f"store (one transaction):    {t3 - t2:6.2f} s  ({stored:,} agent days, {days} shop days)")
    print(
        f"total:                      {total:6.2f} s  ({len(parsed.rows) / total:,.0f} rows/s; target <= 15 s: "
        f"{'met' if total <= 15 else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
