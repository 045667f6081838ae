"""The data version: bumped by every committed write, by any connection; caches keyed on it never go stale."""

from __future__ import annotations

import pytest

from core.bootstrap import open_store
from core.complaints import complaints
from core.kernel.db import data_version, write
from tests.conftest import actor_of


def _counter(version: str) -> int:
    return int(version.split("-")[0])


def test_a_committed_write_bumps_the_version_once_even_when_nested(fresh_db):
    before = data_version(fresh_db)
    with write(fresh_db):
        fresh_db["settings"].insert({"key": "a", "value": "1"})
        with write(fresh_db):  # a savepoint of the same transaction: one commit, one bump
            fresh_db["settings"].insert({"key": "b", "value": "2"})
    after = data_version(fresh_db)
    assert _counter(after) == _counter(before) + 1
    assert after.split("-")[1] != before.split("-")[1]  # a fresh random token


def test_a_rolled_back_write_and_a_read_leave_the_version_alone(fresh_db):
    before = data_version(fresh_db)
    with pytest.raises(RuntimeError):
        with write(fresh_db):
            fresh_db["settings"].insert({"key": "a", "value": "1"})
            raise RuntimeError("boom")
    list(fresh_db.query("SELECT * FROM settings"))
    assert data_version(fresh_db) == before


def test_another_connection_sees_the_new_version(fresh_db, tmp_path):
    other = open_store(tmp_path / "app.db")
    before = data_version(other)
    with write(fresh_db):
        fresh_db["settings"].insert({"key": "a", "value": "1"})
    assert data_version(other) != before
    assert data_version(other) == data_version(fresh_db)
    other.close()


def test_two_copies_that_diverge_never_share_a_version(fresh_db, tmp_path):
    import shutil

    fresh_db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(tmp_path / "app.db", tmp_path / "copy.db")
    copy = open_store(tmp_path / "copy.db")
    assert data_version(copy) == data_version(fresh_db)  # same bytes, same data: sharing is right
    with write(fresh_db):
        fresh_db["settings"].insert({"key": "a", "value": "1"})
    with write(copy):
        copy["settings"].insert({"key": "a", "value": "other"})
    assert _counter(data_version(copy)) == _counter(data_version(fresh_db))
    assert data_version(copy) != data_version(fresh_db)
    copy.close()


def test_a_cached_read_is_recomputed_after_a_save(demo_db):
    from ui import cache

    db, _ = demo_db
    admin = actor_of(db, "admin")
    calls = []

    def complaint_numbers(db_, actor):
        calls.append(1)
        return sorted(c["number"] for c in complaints.list_complaints(db_, actor))

    numbers = cache.cached(complaint_numbers)
    first = numbers(db, admin)
    assert numbers(db, admin) == first and len(calls) == 1  # second call from the cache
    project_id = db.execute("SELECT id FROM projects WHERE status = 'live' ORDER BY id").fetchone()[0]
    new_id = complaints.log_complaint(
        db,
        admin,
        {
            "project_id": project_id,
            "channel": "chat",
            "buyer_id": "b-cache",
            "order_no": "",
            "category": "logistics",
            "description": "缓存测试",
            "severity": "low",
            "concerns_agent": False,
        },
    )
    new_number = db.execute("SELECT number FROM complaints WHERE id = ?", [new_id]).fetchone()[0]
    after = numbers(db, admin)
    assert len(calls) == 2
    assert after == sorted(first + [new_number])


def test_a_cached_read_keys_on_the_acting_user(demo_db):
    from ui import cache

    db, _ = demo_db
    listing = cache.cached(
        lambda db_, actor: [
            p["id"] for p in __import__("core.projects.merchants").projects.merchants.list_projects(db_, actor)
        ]
    )
    everything = listing(db, actor_of(db, "admin"))
    own = listing(db, actor_of(db, "merchant"))
    assert set(own) < set(everything)  # the merchant never gets the admin's cached list


def test_a_write_that_changes_no_row_keeps_the_version(fresh_db):
    fresh_db["settings"].insert({"key": "a", "value": "1"})
    before = data_version(fresh_db)
    with write(fresh_db):
        fresh_db.execute("UPDATE settings SET value = '2' WHERE key = 'no-such-key'")
    assert data_version(fresh_db) == before
    with write(fresh_db):
        fresh_db.execute("UPDATE settings SET value = '2' WHERE key = 'a'")
    assert _counter(data_version(fresh_db)) == _counter(before) + 1


def test_a_good_login_without_failures_keeps_every_cache_but_one_clearing_a_failure_bumps(fresh_db, admin):
    from core.accounts import users

    users.create_user(fresh_db, admin, "erin", "E", "agent", "password-123")
    before = data_version(fresh_db)
    assert users.authenticate(fresh_db, "erin", "password-123")[0] is not None
    assert data_version(fresh_db) == before  # logins all morning do not empty the caches
    users.authenticate(fresh_db, "erin", "wrong-password")
    failed = data_version(fresh_db)
    assert _counter(failed) == _counter(before) + 1
    assert users.authenticate(fresh_db, "erin", "password-123")[0] is not None
    assert _counter(data_version(fresh_db)) == _counter(failed) + 1
    assert users.find_by_username(fresh_db, "erin")["failed_logins"] == 0
