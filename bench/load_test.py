"""Many users at once on one SQLite file: 30 threads, each with its own connection, for N seconds.

The mix of a working day: logging complaints, recording QA reviews, saving exam scores, importing
a day of chats, reading dashboards. Prints, per operation, the count and the p50/p95 latency, and
checks afterwards that every write that reported success is in the database (zero lost writes),
that complaint numbers are unique, and that no "database is locked" error reached a user.

    .venv/bin/python bench/load_test.py [--users 30] [--seconds 60] [--db PATH]
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
import threading
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("APP_BCRYPT_ROUNDS", "4")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--db", help="database file (default: a fresh demo database in a temp folder)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="load-")
    path = Path(args.db or Path(folder) / "app.db")
    os.environ["APP_DB"] = str(path)

    from core.accounts import users
    from core.bootstrap import open_store
    from core.complaints import complaints
    from core.kernel import config
    from core.kernel.errors import ValidationError
    from core.kpi import daily_figures, raw_store
    from core.projects import merchants
    from core.qa import reviews, scorecards, scoring
    from core.team import exams
    from demo import firm, kpi

    setup = open_store(path)
    if not setup["users"].count:
        print("seeding the demo firm ...", flush=True)
        firm.seed(setup)
    admin = users.actor_from_row(users.find_by_username(setup, "admin"))
    live = merchants.list_projects(setup, admin, status="live")
    teams = {
        p["id"]: [
            r
            for r in setup.query(
                "SELECT agent_id, sub_account FROM project_agents WHERE project_id = ? AND role = 'online'", [p["id"]]
            )
        ]
        for p in live
    }
    card = scorecards.load_card(setup, scorecards.effective_scorecard_id(setup, live[0]["id"]))
    setup.close()

    stop_at = time.monotonic() + args.seconds
    latencies: dict[str, list[float]] = defaultdict(list)
    written: dict[str, list] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    refused: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    yesterday = config.today() - timedelta(days=1)

    def worker(number: int) -> None:
        rng = random.Random(number)
        db = open_store(path)
        while time.monotonic() < stop_at:
            project = rng.choice(live)
            team = teams[project["id"]]
            agent = rng.choice(team)
            operation = rng.choices(["complaint", "qa_review", "exam", "import_day", "dashboard"], [3, 3, 2, 1, 6])[0]
            started = time.perf_counter()
            try:
                if operation == "complaint":
                    result = complaints.log_complaint(
                        db,
                        admin,
                        {
                            "project_id": project["id"],
                            "channel": complaints.CHANNELS[0],
                            "buyer_id": f"load{number}-{rng.randrange(10**6)}",
                            "order_no": "",
                            "category": rng.choice(complaints.CATEGORIES),
                            "description": "负载测试投诉",
                            "severity": rng.choice(complaints.SEVERITIES),
                            "concerns_agent": False,
                        },
                    )
                elif operation == "qa_review":
                    ratings = {item.id: rng.randint(*scoring.SCALES[item.scale]) for item in card.items}
                    result = reviews.record_review(
                        db,
                        admin,
                        {
                            "project_id": project["id"],
                            "agent_id": agent["agent_id"],
                            "chat_buyer_id": f"b{rng.randrange(10**6)}",
                            "chat_date": yesterday,
                            "transcript": "",
                            "comment": "load",
                            "case_type": None,
                        },
                        ratings,
                    )
                elif operation == "exam":
                    result = exams.record_exam(
                        db,
                        admin,
                        {
                            "agent_id": agent["agent_id"],
                            "project_id": project["id"],
                            "exam_type": exams.EXAM_TYPES[0],
                            "score": rng.randrange(60, 100),
                            "max_score": 100,
                            "examiner": "负载",
                            "exam_date": yesterday,
                            "notes": "",
                        },
                    )
                elif operation == "import_day":
                    day = config.today() - timedelta(days=rng.randrange(1, 30))
                    messages, orders = kpi.generate(rng, [a["sub_account"] for a in team], day, 1, 40)
                    preview = raw_store.RawPreview(
                        messages=messages, orders=orders, date_from=day, date_to=day, unknown_agents=[]
                    )
                    result = raw_store.import_raw(db, admin, project["id"], preview)
                else:
                    daily_figures.agent_table(
                        db, admin, project["id"], config.today() - timedelta(days=30), config.today()
                    )
                    result = None
            except ValidationError:
                with lock:
                    refused[operation] += 1
                continue
            except sqlite3.OperationalError as exc:
                with lock:
                    errors[operation].append(str(exc))
                continue
            except Exception as exc:  # anything else that would reach a user
                with lock:
                    errors[operation].append(f"{type(exc).__name__}: {exc}")
                continue
            elapsed = time.perf_counter() - started
            with lock:
                latencies[operation].append(elapsed)
                if result is not None:
                    written[operation].append(result)
        db.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.users)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - began

    check = open_store(path)
    found = {
        "complaint": {r["id"] for r in check.query("SELECT id FROM complaints")},
        "qa_review": {r["id"] for r in check.query("SELECT id FROM qa_reviews")},
        "exam": {r["id"] for r in check.query("SELECT id FROM exams")} if "exams" in check.table_names() else set(),
        "import_day": {r["id"] for r in check.query("SELECT id FROM kpi_imports")},
    }
    numbers = [r["number"] for r in check.query("SELECT number FROM complaints")]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
    print(f"{args.users} users for {wall:.1f} s on {path}")
    print(f"{'operation':<12}{'count':>8}{'p50 ms':>10}{'p95 ms':>10}{'errors':>8}")
    lost = 0
    for operation in ("complaint", "qa_review", "exam", "import_day", "dashboard"):
        values = sorted(latencies[operation])
        p50 = statistics.median(values) * 1000 if values else 0
        p95 = values[int(0.95 * (len(values) - 1))] * 1000 if values else 0
        print(f"{operation:<12}{len(values):>8}{p50:>10.1f}{p95:>10.1f}{len(errors[operation]):>8}")
        if operation in found:
            missing = [w for w in written[operation] if w not in found[operation]]
            lost += len(missing)
    locked = sum(1 for e in sum(errors.values(), []) if "locked" in e)
    print(f"refused as invalid input (not errors): {dict(refused)}")
    print(
        f"lost writes: {lost}; 'database is locked' errors: {locked}; "
        f"other errors: {sum(len(e) for e in errors.values()) - locked}; "
        f"complaint numbers unique: {len(numbers) == len(set(numbers))}"
    )
    for operation, messages in errors.items():
        for message in messages[:3]:
            print(f"  {operation}: {message}")
    return 0 if lost == 0 and locked == 0 and len(numbers) == len(set(numbers)) else 1


if __name__ == "__main__":
    sys.exit(main())
