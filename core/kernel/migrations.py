"""Numbered schema migrations keyed on `PRAGMA user_version`: the mechanism, and migration 1.

Each migration is a list of SQL statements, applied once, in order, in its own transaction together
with the bump of `user_version`; a new column is a new migration, never an edit of an old one (a test
hashes every released migration). The list itself is put together by the composition root
(`core.bootstrap`), since each capability keeps its own migrations in its `schema` module; a data
step computed in Python (e.g. the backfill that follows migration 12) is passed in beside the SQL
and runs in the same transaction, so migrations stay frozen SQL and the domain code they need is
called from above.

Migration 1 (the foundation: users, merchants, projects, uploads, order confirmations, FAQ, audit,
settings) lives here because it was released as one migration before the capabilities had packages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import sqlite_utils

from core.kernel.db import write

DataStep = Callable[[sqlite_utils.Database], object]

M001_FOUNDATION = [
    """CREATE TABLE merchants (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        platform TEXT NOT NULL,
        shop_name TEXT NOT NULL DEFAULT '',
        category TEXT NOT NULL DEFAULT '',
        contact_name TEXT NOT NULL DEFAULT '',
        contact_phone TEXT NOT NULL DEFAULT '',
        current_presales_agents INTEGER NOT NULL DEFAULT 0,
        avg_daily_inquiries INTEGER NOT NULL DEFAULT 0,
        promotion_frequency TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin','manager','trainer','qa','agent','merchant')),
        merchant_id INTEGER REFERENCES merchants(id),
        active INTEGER NOT NULL DEFAULT 1,
        password_hash TEXT NOT NULL,
        password_version INTEGER NOT NULL DEFAULT 1,
        password_changed_at TEXT NOT NULL,
        language TEXT NOT NULL DEFAULT 'zh',
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE projects (
        id INTEGER PRIMARY KEY,
        merchant_id INTEGER NOT NULL REFERENCES merchants(id),
        name TEXT NOT NULL,
        platform TEXT NOT NULL,
        status TEXT NOT NULL,
        manager_id INTEGER REFERENCES users(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (merchant_id, name)
    )""",
    "CREATE INDEX idx_projects_merchant ON projects(merchant_id)",
    """CREATE TABLE project_status_history (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        from_status TEXT,
        to_status TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        changed_by INTEGER REFERENCES users(id),
        note TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX idx_status_history_project ON project_status_history(project_id)",
    """CREATE TABLE uploads (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL,
        original_name TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        uploaded_by INTEGER REFERENCES users(id),
        uploaded_at TEXT NOT NULL
    )""",
    """CREATE TABLE order_confirmations (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        version INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('draft','confirmed')),
        data TEXT NOT NULL,
        qa_standard_upload_id INTEGER REFERENCES uploads(id),
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users(id),
        updated_at TEXT NOT NULL,
        confirmed_at TEXT,
        confirmed_by INTEGER REFERENCES users(id),
        UNIQUE (project_id, version)
    )""",
    "CREATE UNIQUE INDEX idx_one_draft_per_project ON order_confirmations(project_id) WHERE status = 'draft'",
    """CREATE TRIGGER order_confirmation_frozen BEFORE UPDATE ON order_confirmations
       WHEN OLD.status = 'confirmed'
       BEGIN SELECT RAISE(ABORT, 'a confirmed order confirmation is frozen'); END""",
    """CREATE TRIGGER order_confirmation_no_delete BEFORE DELETE ON order_confirmations
       WHEN OLD.status = 'confirmed'
       BEGIN SELECT RAISE(ABORT, 'a confirmed order confirmation is frozen'); END""",
    """CREATE TABLE faq_items (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        position INTEGER NOT NULL,
        question TEXT NOT NULL,
        answer TEXT NOT NULL DEFAULT '',
        is_standard INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL,
        updated_by INTEGER REFERENCES users(id),
        UNIQUE (project_id, question)
    )""",
    """CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        user_id INTEGER,
        username TEXT NOT NULL,
        action TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL DEFAULT '',
        before TEXT,
        after TEXT
    )""",
    "CREATE INDEX idx_audit_at ON audit_log(at)",
    "CREATE INDEX idx_audit_entity ON audit_log(entity, entity_id)",
    """CREATE TABLE extra_days_off (
        day TEXT PRIMARY KEY,
        note TEXT NOT NULL DEFAULT '',
        created_by INTEGER REFERENCES users(id),
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
]


def current_version(db: sqlite_utils.Database) -> int:
    """The schema version recorded in the database file."""
    return db.execute("PRAGMA user_version").fetchone()[0]


def apply(
    db: sqlite_utils.Database,
    migrations: Sequence[Sequence[str]],
    data_steps: Mapping[int, Sequence[DataStep]] | None = None,
) -> int:
    """Apply every pending migration (numbered from 1 in list order), each atomically.

    `data_steps[n]` run after migration n's SQL, inside its transaction, only when migration n is
    applied by this call. Returns the resulting version.
    """
    data_steps = data_steps or {}
    version = current_version(db)
    for number, statements in enumerate(migrations, start=1):
        if number <= version:
            continue
        with write(db):
            # Re-read inside the write lock: another process may have migrated meanwhile.
            if current_version(db) >= number:
                continue
            for statement in statements:
                db.execute(statement)
            for step in data_steps.get(number, ()):
                step(db)
            db.execute(f"PRAGMA user_version = {number}")
    return current_version(db)
