"""The store: pragmas on every connection, migrations applied once, writes all or nothing."""

from __future__ import annotations

import pytest

from core import bootstrap
from core.bootstrap import open_store
from core.kernel import migrations
from core.kernel.db import write


def test_every_connection_has_wal_foreign_keys_and_busy_timeout(fresh_db):
    assert fresh_db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert fresh_db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert fresh_db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_migrations_set_user_version_and_apply_once(fresh_db, tmp_path):
    assert migrations.current_version(fresh_db) == len(bootstrap.MIGRATIONS)
    again = open_store(tmp_path / "app.db")  # reopening must not re-run (CREATE TABLE would fail)
    assert migrations.current_version(again) == len(bootstrap.MIGRATIONS)


def test_write_rolls_back_everything_on_error(fresh_db):
    with pytest.raises(RuntimeError):
        with write(fresh_db):
            fresh_db["settings"].insert({"key": "a", "value": "1"})
            with write(fresh_db):  # nested: a savepoint of the same transaction
                fresh_db["settings"].insert({"key": "b", "value": "2"})
            raise RuntimeError("boom")
    assert fresh_db["settings"].count == 0


def test_foreign_keys_are_enforced(fresh_db):
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError):
        with write(fresh_db):
            fresh_db.execute(
                "INSERT INTO projects (merchant_id, name, platform, status, created_at, updated_at) VALUES (999, 'x', "
                "'taobao', 'negotiating', '', '')"
            )


def test_thirty_concurrent_writers_lose_nothing_and_never_see_locked(fresh_db, tmp_path):
    import threading

    failures: list[Exception] = []

    def writer(number: int) -> None:
        db = open_store(tmp_path / "app.db")
        try:
            for index in range(20):
                with write(db):
                    db["settings"].insert({"key": f"{number}-{index}", "value": "x"})
        except Exception as exc:  # noqa: BLE001 - any failure is what the test looks for
            failures.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert fresh_db["settings"].count == 600
