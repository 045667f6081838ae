"""Faults: the app killed in the middle of a write, and a backup taken while users write.

Kill tests: a subprocess opens a copy of the demo firm and starts an operation (a platform
summary import, a raw chat import, a month's pay run). Right inside the operation's transaction,
after part of the rows are written (and, with a tiny page cache, spilled into the WAL file on
disk), it prints a marker and waits; the test SIGKILLs it at that moment, so the kill point is
fixed, not a race against a timer. Then the database must be exactly as before the operation
(every table's rows, hashed), pass `integrity_check` and `foreign_key_check`, open cleanly with
the migrations, and let the same operation run to the end.

Backup under writes: writer threads (each with its own connection, as Streamlit sessions have)
log complaints, move them through their life-cycle and import summary days while backups are
taken through `core.kernel.backup`; every backup is a consistent database in which every row is
complete: each complaint has its log event, its last event's status, its audit row and its
counter; each import has all its rows. The backup is then restored the documented way and opened
by the app.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from core.bootstrap import open_store
from core.complaints import complaints
from core.kernel import backup
from core.kpi import daily_figures, raw_store, summary_store
from core.salary import payrun
from tests.conftest import ROOT, actor_of

MARKER = "IN_TRANSACTION"

# Runs in the subprocess: argv[1] is a JSON job. Each job stops inside its transaction, prints
# MARKER with what its own connection sees there, and sleeps until it is killed.
CHILD = r"""
import json, os, sys, time
sys.path.insert(0, sys.argv[2])
job = json.loads(sys.argv[1])
from core.accounts import users
from core.kpi import raw_store, summary_store
from core.salary import payrun
from core.bootstrap import open_store

db = open_store(os.environ["APP_DB"])
db.conn.execute("PRAGMA cache_size = -64")  # 64 KiB: written pages spill into the WAL before commit
actor = users.actor_from_row(users.find_by_username(db, job["username"]))


def stop(count_sql):
    count = db.execute(count_sql).fetchone()[0]
    print(json.dumps({"marker": "IN_TRANSACTION", "in_transaction": db.conn.in_transaction, "rows": count}), flush=True)
    time.sleep(600)


def after_first_chunk(count_sql):
    def progress(fraction, stage):
        if stage in ("rows", "messages"):
            stop(count_sql)
    return progress


if job["kind"] == "summary":
    data = open(job["file"], "rb").read()
    preview = summary_store.preview_summary(db, actor, job["project_id"], data, "summary.csv")
    assert preview.ok, preview.parsed.errors[:3]
    summary_store.import_summary(db, actor, job["project_id"], preview,
                             after_first_chunk("SELECT count(*) FROM kpi_agent_daily WHERE source = 'summary'"))
elif job["kind"] == "raw":
    data = open(job["file"], "rb").read()
    preview = raw_store.preview_raw(db, actor, job["project_id"], data, "messages.csv")
    raw_store.import_raw(db, actor, job["project_id"], preview, after_first_chunk("SELECT count(*) FROM chat_messages"))
elif job["kind"] == "pay_run":
    store = payrun._store_statement
    stored = []

    def store_then_stop(db_, run_id, statement):
        store(db_, run_id, statement)
        stored.append(statement["agent_id"])
        if len(stored) == 3:
            stop("SELECT count(*) FROM pay_lines")

    payrun._store_statement = store_then_stop
    payrun.run_month(db, actor, job["month"])
print("FINISHED", flush=True)  # the job never gets here: it is killed first
"""


# ---------------------------------------------------------------------------------------------
# helpers


def fingerprint(path: Path) -> dict[str, tuple[int, str]]:
    """Every table's row count and a hash of its rows (order-free), read by a fresh connection."""
    conn = sqlite3.connect(str(path))
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name"
            )
        ]
        out = {}
        for table in tables:
            rows = sorted(repr(row) for row in conn.execute(f'SELECT * FROM "{table}"'))
            out[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
        return out
    finally:
        conn.close()


def health(path: Path) -> tuple[str, list, int]:
    """(integrity_check, foreign_key_check rows, user_version) of the file at `path`."""
    conn = sqlite3.connect(str(path))
    try:
        return (
            conn.execute("PRAGMA integrity_check").fetchone()[0],
            conn.execute("PRAGMA foreign_key_check").fetchall(),
            conn.execute("PRAGMA user_version").fetchone()[0],
        )
    finally:
        conn.close()


def wal_size(path: Path) -> int:
    wal = Path(str(path) + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def run_and_kill(path: Path, job: dict) -> dict:
    """Start the job in a subprocess on the database at `path`, wait for its marker (inside the
    transaction), SIGKILL it, and return what it reported."""
    env = {**os.environ, "APP_DB": str(path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(job), str(ROOT)],
        env=env,
        cwd=str(ROOT),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        line = ""
        while MARKER not in line:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([proc.stdout], [], [], max(0.0, remaining))
            if not ready:
                pytest.fail(f"no marker from the {job['kind']} job within 180 s")
            line = proc.stdout.readline()
            if line == "":
                pytest.fail(f"the {job['kind']} job ended before its marker: {proc.stderr.read()[-3000:]}")
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    return json.loads(line)


def quiesce(db, path: Path) -> None:
    """Checkpoint and close the test's own connection so the child is the only writer and the
    WAL starts empty (what the kill leaves in it is then the child's alone)."""
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    assert wal_size(path) == 0


def assert_as_before(path: Path, before: dict, report: dict) -> None:
    # the kill really happened inside the transaction, after rows were written and spilled to disk
    assert report["in_transaction"] is True and report["rows"] > 0
    assert wal_size(path) > 0, "the killed transaction left nothing on disk: the test proves nothing"
    check, foreign, _version = health(path)
    assert check == "ok"
    assert foreign == []
    after = fingerprint(path)
    changed = sorted(t for t in before if before[t] != after.get(t))
    assert changed == [] and after.keys() == before.keys()


def live_project(db) -> int:
    return db.execute("SELECT id FROM projects WHERE status = 'live' ORDER BY id LIMIT 1").fetchone()[0]


def summary_csv(path: Path, rows: int, agents: list[str], first_day: dt.date) -> Path:
    """A platform daily summary in CSV: `rows` rows, one per (day, agent), seeded."""
    rng = random.Random(9)
    lines = ["日期,客服昵称,咨询人数,30秒应答率,平均响应时长,询单销售额"]
    for i in range(rows):
        day = first_day + dt.timedelta(days=i // len(agents))
        lines.append(
            f"{day.isoformat()},{agents[i % len(agents)]},{rng.randint(1, 300)},{rng.uniform(50, 100):.2f}%,"
            f"{rng.randint(5, 120)},{rng.uniform(0, 9999):.2f}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# killed in the middle


def test_a_summary_import_killed_mid_transaction_leaves_the_database_as_it_was(demo_db, tmp_path):
    db, _ = demo_db
    path = Path(os.environ["APP_DB"])
    project_id = live_project(db)
    # 50,000 rows: three chunks of daily_figures.INSERT_CHUNK; the kill comes after the first
    source = summary_csv(tmp_path / "summary.csv", 50_000, [f"客服{n:03d}" for n in range(250)], dt.date(2025, 1, 1))
    quiesce(db, path)
    before = fingerprint(path)
    report = run_and_kill(
        path, {"kind": "summary", "file": str(source), "project_id": project_id, "username": "manager"}
    )
    assert report["rows"] >= daily_figures.INSERT_CHUNK  # its own connection saw the first chunk written
    assert_as_before(path, before, report)

    # the next start is clean: migrations open it, and the same import then runs to the end
    db = open_store(path)
    try:
        manager = actor_of(db, "manager")
        preview = summary_store.preview_summary(db, manager, project_id, source.read_bytes(), "summary.csv")
        import_id = summary_store.import_summary(db, manager, project_id, preview)
        assert (
            db.execute("SELECT count(*) FROM kpi_agent_daily WHERE import_id = ?", [import_id]).fetchone()[0] == 50_000
        )
        assert db.execute("SELECT count(*) FROM kpi_shop_daily WHERE import_id = ?", [import_id]).fetchone()[0] == 200
    finally:
        db.close()
    assert health(path)[:2] == ("ok", [])


def test_a_raw_chat_import_killed_mid_transaction_leaves_the_database_as_it_was(demo_db, tmp_path):
    db, _ = demo_db
    path = Path(os.environ["APP_DB"])
    project_id = live_project(db)
    # the project's own stored chats as an upload: re-importing replaces exactly those days
    messages = list(
        db.query(
            "SELECT time, buyer, agent, sender, content FROM chat_messages WHERE project_id = ? ORDER BY time, id",
            [project_id],
        )
    )
    assert len(messages) > daily_figures.INSERT_CHUNK  # more than one chunk, so the kill is mid-import
    source = tmp_path / "messages.csv"
    with open(source, "w", encoding="utf-8", newline="") as fh:
        import csv

        writer = csv.DictWriter(fh, ["time", "buyer", "agent", "sender", "content"])
        writer.writeheader()
        writer.writerows(messages)
    before_counts = db.execute("SELECT count(*) FROM chat_messages WHERE project_id = ?", [project_id]).fetchone()[0]
    quiesce(db, path)
    before = fingerprint(path)
    report = run_and_kill(path, {"kind": "raw", "file": str(source), "project_id": project_id, "username": "manager"})
    assert_as_before(path, before, report)

    db = open_store(path)
    try:
        manager = actor_of(db, "manager")
        preview = raw_store.preview_raw(db, manager, project_id, source.read_bytes(), "messages.csv")
        raw_store.import_raw(db, manager, project_id, preview)
        assert (
            db.execute("SELECT count(*) FROM chat_messages WHERE project_id = ?", [project_id]).fetchone()[0]
            == before_counts
        )
    finally:
        db.close()
    assert health(path)[:2] == ("ok", [])


def test_a_pay_run_killed_mid_transaction_keeps_the_previous_draft_intact(demo_db):
    db, _ = demo_db
    path = Path(os.environ["APP_DB"])
    draft = db.execute("SELECT id, month, computations FROM pay_runs WHERE status = 'draft'").fetchone()
    assert draft is not None  # the demo firm's current month is a draft: a rerun replaces its statements
    run_id, month, computations = draft
    statements = db.execute("SELECT count(*) FROM pay_statements WHERE run_id = ?", [run_id]).fetchone()[0]
    assert statements > 3  # the kill comes after the third statement of the rerun
    quiesce(db, path)
    before = fingerprint(path)
    report = run_and_kill(path, {"kind": "pay_run", "month": month, "username": "manager"})
    assert_as_before(path, before, report)

    db = open_store(path)
    try:
        assert db.execute("SELECT count(*) FROM pay_statements WHERE run_id = ?", [run_id]).fetchone()[0] == statements
        assert payrun.run_month(db, actor_of(db, "manager"), month) == run_id
        assert db.execute("SELECT computations FROM pay_runs WHERE id = ?", [run_id]).fetchone()[0] == computations + 1
    finally:
        db.close()
    assert health(path)[:2] == ("ok", [])


# ---------------------------------------------------------------------------------------------
# backup while users write, then restore


def _writer(path: Path, stop: threading.Event, seed: int, project_id: int, done: list, errors: list) -> None:
    db = open_store(path)
    rng = random.Random(seed)
    admin = actor_of(db, "admin")
    try:
        while not stop.is_set():
            complaint_id = complaints.log_complaint(
                db,
                admin,
                {
                    "project_id": project_id,
                    "channel": "chat",
                    "buyer_id": f"fault-{seed}-{rng.randrange(10**9)}",
                    "order_no": "",
                    "category": rng.choice(complaints.CATEGORIES),
                    "description": "备份时写入",
                    "severity": rng.choice(complaints.SEVERITIES),
                    "concerns_agent": False,
                },
            )
            for action in ("start", "escalate")[: rng.randrange(3)]:
                status = db.execute("SELECT status FROM complaints WHERE id = ?", [complaint_id]).fetchone()[0]
                if status in complaints.ACTIONS[action][0]:  # a 服务态度 complaint is escalated on logging already
                    complaints.advance(db, admin, complaint_id, action, "处理中")
            done.append(complaint_id)
    except Exception as exc:  # noqa: BLE001 - reported to the test thread
        errors.append(exc)
    finally:
        db.close()


def _importer(path: Path, stop: threading.Event, project_id: int, done: list, errors: list) -> None:
    db = open_store(path)
    manager = actor_of(db, "manager")
    day = dt.date(2024, 1, 1)
    try:
        while not stop.is_set():
            lines = ["日期,客服,咨询人数,30秒应答率"] + [
                f"{day.isoformat()},备份客服{n},{n + 1},0.9" for n in range(300)
            ]
            preview = summary_store.preview_summary(db, manager, project_id, "\n".join(lines).encode(), "day.csv")
            done.append(summary_store.import_summary(db, manager, project_id, preview))
            day += dt.timedelta(days=1)  # a new day each time: no import replaces another's rows
    except Exception as exc:  # noqa: BLE001
        errors.append(exc)
    finally:
        db.close()


def assert_consistent(path: Path) -> dict[str, int]:
    """The checks a restored database must pass; returns a few counts."""
    check, foreign, _ = health(path)
    assert check == "ok" and foreign == []
    conn = sqlite3.connect(str(path))
    try:
        q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
        # every complaint has its log event, its status is its last event's, it has an audit row
        assert (
            q("""SELECT c.id FROM complaints c WHERE NOT EXISTS
                    (SELECT 1 FROM complaint_events e WHERE e.complaint_id = c.id AND e.action = 'log')""")
            == []
        )
        assert (
            q("""SELECT c.id FROM complaints c WHERE c.status !=
                    (SELECT e.to_status FROM complaint_events e WHERE e.complaint_id = c.id
                     ORDER BY e.id DESC LIMIT 1)""")
            == []
        )
        assert (
            q("""SELECT c.id FROM complaints c WHERE NOT EXISTS
                    (SELECT 1 FROM audit_log a WHERE a.entity = 'complaint' AND a.entity_id = CAST(c.id AS TEXT)
                     AND a.action = 'create')""")
            == []
        )
        # each step the writers took has its audit row (the demo's own seeded history is not checked)
        assert (
            q("""SELECT e.id FROM complaint_events e JOIN complaints c ON c.id = e.complaint_id
                    WHERE c.buyer_id LIKE 'fault-%' AND e.action != 'log' AND NOT EXISTS
                    (SELECT 1 FROM audit_log a WHERE a.entity = 'complaint'
                     AND a.entity_id = CAST(e.complaint_id AS TEXT) AND a.action = e.action)""")
            == []
        )
        # numbers: unique by the schema; the day's counter is at least the highest number handed out
        assert (
            q("""SELECT c.number FROM complaints c JOIN complaint_counters k ON k.day = substr(c.logged_at, 1, 10)
                    WHERE CAST(substr(c.number, 13) AS INTEGER) > k.last""")
            == []
        )
        # every import has all of its rows and its audit row
        assert (
            q("""SELECT i.id FROM kpi_imports i WHERE i.kind = 'summary' AND i.rows !=
                    (SELECT count(*) FROM platform_agent_daily d WHERE d.import_id = i.id)""")
            == []
        )
        assert (
            q("""SELECT i.id FROM kpi_imports i WHERE i.kind = 'summary' AND NOT EXISTS
                    (SELECT 1 FROM audit_log a WHERE a.entity = 'kpi_summary' AND a.entity_id = CAST(i.id AS TEXT))""")
            == []
        )
        return {
            "complaints": q("SELECT count(*) FROM complaints")[0][0],
            "imports": q("SELECT count(*) FROM kpi_imports")[0][0],
        }
    finally:
        conn.close()


def test_a_backup_taken_while_users_write_is_consistent_and_restores(demo_db, tmp_path):
    db, _ = demo_db
    path = Path(os.environ["APP_DB"])
    project_id = live_project(db)
    start = assert_consistent(path)
    stop = threading.Event()
    done: list[int] = []
    imported: list[int] = []
    errors: list[Exception] = []
    threads = [threading.Thread(target=_writer, args=(path, stop, seed, project_id, done, errors)) for seed in range(3)]
    threads.append(threading.Thread(target=_importer, args=(path, stop, project_id, imported, errors)))
    for thread in threads:
        thread.start()
    backups = []
    try:
        for n in range(3):
            deadline = time.monotonic() + 60
            while len(done) < 5 * (n + 1) or len(imported) < n + 1:  # writes land between backups
                assert time.monotonic() < deadline and not errors, errors
                time.sleep(0.05)
            target = tmp_path / f"backup-{n}.db"
            if n == 2:  # the admin's download button
                target.write_bytes(backup.backup_bytes(db, actor_of(db, "admin")))
            else:
                backup.backup_to(db.conn, target)
            backups.append(target)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    assert errors == []
    counts = [assert_consistent(b) for b in backups]
    # each backup caught the writers in the middle: more than at the start, fewer than at the end
    final = assert_consistent(path)
    assert start["complaints"] < counts[0]["complaints"] <= counts[1]["complaints"] <= counts[2]["complaints"]
    assert counts[0]["complaints"] < final["complaints"]
    assert start["imports"] < counts[0]["imports"] and counts[-1]["imports"] <= final["imports"]

    # restore as the README says: stop the app, remove -wal/-shm, copy the file to APP_DB
    db.close()
    restored = tmp_path / "restored" / "app.db"
    restored.parent.mkdir()
    shutil.copyfile(backups[1], restored)
    assert not Path(str(restored) + "-wal").exists()
    version = health(path)[2]
    again = open_store(restored)
    try:
        assert again.execute("PRAGMA user_version").fetchone()[0] == version  # nothing left to migrate
        admin = actor_of(again, "admin")
        listed = complaints.list_complaints(again, admin)
        assert len(listed) == counts[1]["complaints"]
        # and the restored firm takes new writes
        complaints.log_complaint(
            again,
            admin,
            {
                "project_id": project_id,
                "channel": "phone",
                "buyer_id": "after-restore",
                "order_no": "",
                "category": "other",
                "description": "恢复后新增",
                "severity": "low",
                "concerns_agent": False,
            },
        )
    finally:
        again.close()
    assert assert_consistent(restored)["complaints"] == counts[1]["complaints"] + 1
