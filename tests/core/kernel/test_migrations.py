"""Released migrations are frozen: their SQL can never be edited again, only new ones appended.

A new migration adds a line to RELEASED (its number and hash) when it is released; a change to the
text of one already listed fails here, and the fix is a new migration, not a new hash.
"""

from __future__ import annotations

import hashlib

import pytest

from core import bootstrap
from core.kernel import migrations

# migration number -> sha256 of its SQL statements joined by "\n;\n", as released
RELEASED = {
    1: "bea1b32ac742e7f82a73a36dfb086d6db615b0b6a2f2cdecd6e8116015302676",
    2: "4514f3ed05cce405ba7514fe06c9ebee0075e504b2f2fb475170a5e7a53052dc",
    3: "7dab83e68dddab666513e670f730e205e2381e77d4e024e44f00583f4cb23d7c",
    4: "43469641d0e48024670dadd54bdc17670fe48577a082dd4d30031cd209d7b329",
    5: "783a32ae0024d6dcc271ef361a60b8bf6c040074b9ab660690c3237f2731248b",
    6: "ba69d3807f86199f5034abf7e3c178e779646b1b34213a5686a0532bc0358a5a",
    7: "84e33c67a494138e1e24cfbef104195c26f4a7dd5786a3a0a9f91890fc07dd12",
    8: "7513ff13f29e3fc1c8e5538eddec2b56b0ee4309d766d7d3489a199a8a0072f7",
    9: "6dd380a1bbb8a68069ca9f4d2f0c115ac614cb73f63ec92bbcdf45a787db24ad",
    10: "ace09f1666096b86069363530094c84e65cd4dfff4177ad67f70c37e6622e189",
    11: "c05b03d64f7373e82dd9c9a0b39d0e6eaafe328fbbcc813a18adce97606bc7f6",
    12: "44cec2e6cfd46b9266eecbb70c9eaa65a88e630f8c1558b34e8fc254633c43fd",
    13: "ba907a35169e119c4c2d2f64bb763c4702d08f775963843c4dc8ed503e309161",
}


def sql_hash(statements) -> str:
    return hashlib.sha256("\n;\n".join(statements).encode()).hexdigest()


@pytest.mark.parametrize("number", sorted(RELEASED))
def test_a_released_migration_is_byte_identical_to_what_was_released(number):
    assert sql_hash(bootstrap.MIGRATIONS[number - 1]) == RELEASED[number]


def test_every_migration_is_released_or_the_newest():
    assert len(bootstrap.MIGRATIONS) in (len(RELEASED), len(RELEASED) + 1)  # at most one in the making


def test_migrations_are_sql_only_and_data_steps_follow_a_known_migration():
    assert all(isinstance(s, str) for statements in bootstrap.MIGRATIONS for s in statements)
    assert set(bootstrap.DATA_STEPS) <= set(range(1, len(bootstrap.MIGRATIONS) + 1))


def test_an_edited_statement_changes_the_hash():
    edited = [*bootstrap.MIGRATIONS[0][:-1], bootstrap.MIGRATIONS[0][-1] + " "]
    assert sql_hash(edited) != RELEASED[1]


def test_a_data_step_runs_once_in_the_transaction_of_its_migration(tmp_path):
    from core.kernel.db import connect

    db = connect(tmp_path / "steps.db")
    seen = []

    def step(database):
        seen.append(database.conn.in_transaction)
        database.execute("INSERT INTO t VALUES (1)")

    plan = [["CREATE TABLE t (x INTEGER)"], ["CREATE TABLE u (y INTEGER)"]]
    assert migrations.apply(db, plan, {1: [step]}) == 2
    assert migrations.apply(db, plan, {1: [step]}) == 2  # applied already: the step does not run again
    assert seen == [True] and db.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1
