"""The one way into the SQLite store: connections with the house pragmas, and write transactions.

Every connection gets WAL, `foreign_keys=ON` and a busy timeout; a connection belongs to the
thread that opened it (Streamlit runs sessions on different threads, so pages open one per run).
Writes that belong together go through `write()`, which takes the write lock up front
(`BEGIN IMMEDIATE`) so two writers queue on the busy timeout instead of deadlocking on a
lock upgrade; sqlite-utils calls inside it become savepoints of the same transaction.

Data version: every committed `write()` that changed a row (SQLite's `total_changes`) also bumps
the one row of `data_version` (migration 11) in the same transaction, with a fresh random token;
a write that changed nothing (a login with no failures to reset, a page marking nothing as seen)
leaves it, so it does not throw away every session's cached figures. `data_version(db)` reads it, so a cache keyed
on it (ui/cache.py) is recomputed after any save, by this process or another one. The token, not
the counter, is the key: two copies of a file that diverge, or a restored backup, never share one.
Writes made outside `write()` do not bump it; everything that changes business data goes through
`write()` (house rule), so cached figures are never stale after a save.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from core.kernel import config

BUSY_TIMEOUT_MS = 30_000
# Writers of one process queue on a lock of their own (fair, no busy-wait) before asking SQLite
# for the write lock; other processes are covered by SQLite's busy timeout.
_WRITE_LOCKS: dict[str, threading.RLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock(conn: sqlite3.Connection) -> threading.RLock:
    path = conn.execute("PRAGMA database_list").fetchone()[2] or ":memory:"
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(path, threading.RLock())


def connect(path: str | Path | None = None) -> sqlite_utils.Database:
    """Open the store (default: `config.db_path()`) with the house pragmas.

    Opening does not migrate (so the kernel never imports the domain): the app, the demo and the
    tests open through `core.bootstrap.open_store`, which runs the migrations and data steps.
    """
    target = Path(path) if path else config.db_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(target), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return sqlite_utils.Database(conn)


@contextlib.contextmanager
def write(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One write transaction: all of it lands or none of it does.

    Nested calls join the outer transaction as savepoints, so a core function that writes can
    be called on its own or as part of a larger unit of work.
    """
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield db
        return
    lock = _write_lock(conn)
    if not lock.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
        raise sqlite3.OperationalError("database is locked (queue timeout)")
    try:
        conn.execute("BEGIN IMMEDIATE")
        changes_before = conn.total_changes
        try:
            yield db
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            if conn.total_changes != changes_before:  # a write that changed no row keeps every cache
                _bump_data_version(conn)
            conn.execute("COMMIT")
    finally:
        lock.release()


_BUMP_SQL = "UPDATE data_version SET version = version + 1, token = lower(hex(randomblob(8))) WHERE id = 1"


def _bump_data_version(conn: sqlite3.Connection) -> None:
    """Mark the data as changed, inside the transaction about to commit (atomic with the data)."""
    try:
        conn.execute(_BUMP_SQL)
    except sqlite3.OperationalError as exc:  # before migration 11 created the table
        if "no such table" not in str(exc):
            raise


def data_version(db: sqlite_utils.Database) -> str:
    """The data's version: changes on every committed write() of any connection or process.

    "<counter>-<random token>"; "0-none" before migration 11. Cheap (one row by primary key).
    """
    try:
        row = db.conn.execute("SELECT version, token FROM data_version WHERE id = 1").fetchone()
    except sqlite3.OperationalError:
        return "0-none"
    return f"{row[0]}-{row[1]}" if row else "0-none"


def rows(db: sqlite_utils.Database, sql: str, params: tuple | dict = ()) -> list[dict]:
    """Run a read query and return plain dicts."""
    return list(db.query(sql, params))


def one(db: sqlite_utils.Database, sql: str, params: tuple | dict = ()) -> dict | None:
    """The first row of a read query, or None."""
    for row in db.query(sql, params):
        return row
    return None
