"""Benchmark of the roster proposal (core/schedule/shifts.py): a month for a project of 30 agents.

Builds a temporary database with one project needing 16 agents a day (10 by day, 6 at night),
30 agents on its team (24 online, 6 reserve, all admitted), 8 weeks of raw chats for the
forecast, and a second project that already rosters four of the reserves (so the proposal must
avoid them). Then times, each repeated:

- the pure proposal (`build_proposal`) for 31 days;
- `propose` (reads the team, leave, other projects' rosters, the days before) for 31 days;
- `apply_proposal` (the same, written in one transaction) for 31 days;
- `conflicts` and `coverage` (Erlang C per forecast hour) of the month, as the roster page draws them.

Prints the machine and min / median / max seconds. Target: the month's proposal under 2 s.

Run:  .venv/bin/python bench/schedule_bench.py [--agents 30] [--repeat 5]

Not a pytest test (no ``test_`` names).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("APP_BCRYPT_ROUNDS", "4")

from core.accounts import users  # noqa: E402
from core.agents import directory
from core.bootstrap import open_store  # noqa: E402
from core.kernel import config
from core.kernel.db import write  # noqa: E402
from core.projects import merchants
from core.projects import order_confirmation as oc
from core.schedule import coverage, shift_settings, shifts
from core.team import exams


def build(folder: Path, n_agents: int) -> tuple:
    os.environ["APP_DB"] = str(folder / "app.db")
    db = open_store(folder / "app.db")
    admin_id = users.create_user(db, None, "admin", "总监", "admin", "bench-pass-1")
    admin = users.actor_from_row(users.get_user(db, admin_id))
    projects = []
    for name in ("大店", "小店"):
        merchant_id = merchants.create_merchant(db, admin, {"name": name, "platform": "tmall"})
        project_id = merchants.create_project(db, admin, merchant_id, "售前")
        oc.confirm(
            db,
            admin,
            project_id,
            {
                **oc.default_data("tmall"),
                "company_name": name,
                "contact_name": "张",
                "contact_phone": "138",
                "liaison": "张",
                "agents_required": 16,
                "target_daily_inquiries": 3000,
                "target_first_response_s": 10,
                "target_avg_response_s": 25,
                "target_response_30s_rate": 0.85,
                "target_conversion_rate": 0.2,
                "target_aov": 100,
                "target_satisfaction": 0.95,
                "materials_submitted": True,
                "materials_complete": True,
                "golive_committed_date": (config.today() + timedelta(days=10)).isoformat(),
            },
        )
        projects.append(project_id)
    big, small = projects
    start = config.today() - timedelta(days=config.today().weekday()) + timedelta(days=7)
    for i in range(n_agents):
        agent_id = directory.create_agent(
            db, admin, {"name": f"客服{i}", "employee_no": f"B{i:04d}", "status": "online"}
        )
        role = "online" if i < n_agents * 4 // 5 else "reserve"
        directory.assign(db, admin, big, agent_id, role, "day" if i % 8 < 5 else "night", start - timedelta(days=60))
        for exam in ("written", "simulation"):
            exams.record_exam(
                db, admin, {"agent_id": agent_id, "project_id": big, "exam_type": exam, "score": 90, "max_score": 100}
            )
        if role == "reserve" and i % 2:
            directory.assign(db, admin, small, agent_id, "online", "day", start - timedelta(days=60))
            shifts.save_cells(
                db,
                admin,
                small,
                [{"agent_id": agent_id, "day": start + timedelta(days=d), "shift": "day"} for d in range(0, 31, 2)],
            )
    rng = random.Random(7)
    rows = []
    for d in range(56):
        day = start - timedelta(days=56 - d)
        for n in range(rng.randint(2000, 3000)):
            hour = min(23, max(8, int(rng.gauss(15, 4))))
            rows.append(
                (
                    big,
                    day.isoformat(),
                    f"{day.isoformat()} {hour:02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
                    f"b{d}-{n}",
                    "a",
                    "buyer",
                    "在吗",
                )
            )
    with write(db):
        db.conn.executemany(
            "INSERT INTO chat_messages (project_id, day, time, buyer, agent, sender, content) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return db, admin, big, start, len(rows)


def timed(label: str, repeat: int, call) -> None:
    figures = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = call()
        figures.append(time.perf_counter() - began)
    size = len(result) if hasattr(result, "__len__") else result
    print(
        f"{label:<42} min {min(figures):6.3f} s   median {statistics.median(figures):6.3f} s   "
        f"max {max(figures):6.3f} s   ({size})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
    folder = Path(tempfile.mkdtemp(prefix="schedule-bench-"))
    began = time.perf_counter()
    db, admin, project_id, start, messages = build(folder, args.agents)
    end = start + timedelta(days=30)
    print(
        f"built in {time.perf_counter() - began:.1f} s: {args.agents} agents, {messages:,} chat messages over 8 weeks"
    )
    members = shifts.team_pool(db, admin, project_id, start, end)
    pool = [shifts.PoolAgent(m["agent_id"], m["shift"], m["role"]) for m in members]
    days = shifts.days_of(start, end)
    conf = shift_settings.settings(db, admin, project_id)
    timed(
        "build_proposal, 31 days (pure)",
        args.repeat,
        lambda: shifts.build_proposal(pool, days, {"day": conf["required_day"], "night": conf["required_night"]}),
    )
    timed("propose, 31 days", args.repeat, lambda: shifts.propose(db, admin, project_id, start, end))
    timed(
        "apply_proposal, 31 days (written)",
        args.repeat,
        lambda: shifts.apply_proposal(db, admin, project_id, start, end),
    )
    timed("conflicts of the month", args.repeat, lambda: shifts.conflicts(db, admin, project_id, start, end))
    timed(
        "coverage of the month (forecast + Erlang C)",
        args.repeat,
        lambda: coverage.coverage(db, admin, project_id, start, end),
    )
    print("target: a month's proposal for 30 agents under 2 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
