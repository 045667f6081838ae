"""Shared fixtures: every test gets a fresh temp database through APP_DB, never data/app.db."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("APP_BCRYPT_ROUNDS", "4")  # fast hashes in tests; production uses 12
os.environ.setdefault("APP_RAISE_ERRORS", "1")  # page bugs must fail tests, not hide behind the friendly message

import pytest

ROOT = Path(__file__).resolve().parent.parent
# the shared sample files of the brief: next to the checkout (../shared/samples), else the team's
# machine-wide copy (a clone elsewhere, e.g. /tmp/ci, still finds them)
SAMPLES = next(
    (p for p in (ROOT.parent / "shared" / "samples", Path("/work/shared/samples")) if p.is_dir()),
    ROOT.parent / "shared" / "samples",
)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.bootstrap import open_store  # noqa: E402
from core.kernel.permissions import Actor  # noqa: E402


@pytest.fixture
def fresh_db(tmp_path, monkeypatch):
    """An empty, migrated database in a temp folder, set as APP_DB."""
    path = tmp_path / "app.db"
    monkeypatch.setenv("APP_DB", str(path))
    db = open_store(path)
    yield db
    db.close()


@pytest.fixture
def admin(fresh_db) -> Actor:
    """The admin of a fresh database."""
    from core.accounts import users

    user_id = users.create_user(fresh_db, None, "boss", "总监", "admin", "secret-pass-1")
    return users.actor_from_row(users.get_user(fresh_db, user_id))


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory):
    """The demo firm seeded once per test session (seeding takes seconds); tests get copies."""
    from demo import firm

    folder = tmp_path_factory.mktemp("demo-template")
    previous = os.environ.get("APP_DB")
    os.environ["APP_DB"] = str(folder / "app.db")
    try:
        db = open_store(folder / "app.db")
        logins = firm.seed(db)
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
    finally:
        if previous is None:
            os.environ.pop("APP_DB", None)
        else:
            os.environ["APP_DB"] = previous
    return folder, {username: password for _role, username, password in logins}


@pytest.fixture
def demo_db(_demo_template, tmp_path, monkeypatch):
    """A private copy of the seeded demo firm (database and uploads); yields (db, {username: password})."""
    import shutil

    template, logins = _demo_template
    target = tmp_path / "demo"
    shutil.copytree(template, target)
    path = target / "app.db"
    monkeypatch.setenv("APP_DB", str(path))
    db = open_store(path)
    yield db, dict(logins)
    db.close()


def actor_of(db, username: str) -> Actor:
    """The Actor of an existing username."""
    from core.accounts import users

    return users.actor_from_row(users.find_by_username(db, username))
