"""Benchmark: the app's raw import of 1,000,000 chat messages (and 100,000 orders) into a project.

    .venv/bin/python bench/raw_import_bench.py [--messages 1000000] [--orders 100000] [--layout canonical|scraper]

Writes the data set of bench/kpi_bench.py as CSV, either in our canonical columns or as a scraper
writes it (GB18030, `会话ID, 买家(昵称), 客服(账号), 发送时间, 发送方, 消息内容, 消息类型` with Chinese sender
values, mapped by core.kpi.raw_import), then times what the import page runs, each with its own clock,
in a fresh temp database:

    layout     core.kpi.raw_store.raw_layout (read the file, find the template or propose the mapping)
    preview    core.kpi.raw_store.preview_raw (map, validate every row, unknown agents)
    store      core.kpi.raw_store.import_raw (insert the messages and orders, recompute every affected
               day, per-hour figures; one transaction)

and prints the machine and each figure. Target (issue 16): preview + store within 20 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_S = 20.0
SENDER_WORDS = {"buyer": "买家", "agent": "客服", "auto": "自动回复", "system": "系统"}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=1_000_000)
    p.add_argument("--orders", type=int, default=100_000)
    p.add_argument("--layout", choices=("canonical", "scraper"), default="canonical")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["APP_DB"] = str(Path(tmp) / "bench.db")
        from bench.kpi_bench import _cpu_model
        from bench.kpi_vs_duckdb import write_files
        from core.accounts import users
        from core.bootstrap import open_store
        from core.kpi import raw_import, raw_store
        from core.projects import merchants

        print(
            f"machine : {_cpu_model()}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}"
        )
        m_path, o_path = write_files(Path(tmp), args.messages, args.orders)
        if args.layout == "scraper":
            import pandas as pd

            frame = pd.read_csv(m_path, dtype=str, keep_default_na=False)
            scraped = pd.DataFrame(
                {
                    "会话ID": "s",
                    "买家(昵称)": frame["buyer"],
                    "客服(账号)": frame["agent"],
                    "发送时间": frame["time"],
                    "发送方": frame["sender"].map(SENDER_WORDS),
                    "消息内容": frame["content"],
                    "消息类型": "文本",
                }
            )
            m_path = Path(tmp) / "chat_export.csv"
            scraped.to_csv(m_path, index=False, encoding="gb18030")
        db = open_store(Path(os.environ["APP_DB"]))
        admin_id = users.create_user(db, None, "bench", "bench", "admin", "bench-pass-123")
        admin = users.actor_from_row(users.get_user(db, admin_id))
        merchant_id = merchants.create_merchant(db, admin, {"name": "bench shop", "platform": "taobao"})
        project_id = merchants.create_project(db, admin, merchant_id, "bench")
        m_data, o_data = m_path.read_bytes(), o_path.read_bytes()
        print(
            f"data    : {args.messages:,} messages ({len(m_data) / 1e6:.0f} MB, {args.layout}), {args.orders:,} orders"
        )
        t0 = time.perf_counter()
        layout = raw_store.raw_layout(db, admin, project_id, raw_import.KIND_MESSAGES, m_data, m_path.name)
        t1 = time.perf_counter()
        preview = raw_store.preview_raw(
            db, admin, project_id, m_data, m_path.name, o_data, o_path.name, messages_layout=layout
        )
        t2 = time.perf_counter()
        stages: dict[str, float] = {}
        raw_store.import_raw(
            db, admin, project_id, preview, lambda fraction, stage: stages.__setitem__(stage, time.perf_counter())
        )
        t3 = time.perf_counter()
        rows = next(db.query("SELECT COUNT(*) AS n FROM kpi_agent_daily WHERE project_id = ?", [project_id]))["n"]
        db.close()
    total = t3 - t1
    print(f"layout  : {t1 - t0:.2f} s ({layout.source})")
    print(f"preview : {t2 - t1:.2f} s")
    print(
        f"store   : {t3 - t2:.2f} s ({rows:,} agent-day rows): messages {stages['messages'] - t2:.2f} s, "
        f"orders {stages['orders'] - stages['messages']:.2f} s, recompute and commit {t3 - stages['orders']:.2f} s"
    )
    print(
        f"total   : {total:.2f} s preview + store, {t3 - t0:.2f} s with the layout (target {TARGET_S:.0f} s) -> "
        f"{'OK' if t3 - t0 <= TARGET_S else 'MISSED'}"
    )
    return 0 if t3 - t0 <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
