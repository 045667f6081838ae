"""Schema of the Monday meeting: action items carried week to week, and minutes (applied by core.kernel.migrations).

A change after this migration has shipped is a new migration appended to core.kernel.migrations,
never an edit here.
"""

from __future__ import annotations

M007_MEETING: list[str] = [
    """CREATE TABLE meeting_actions (
        id INTEGER PRIMARY KEY,
        project_id INTEGER REFERENCES projects(id),
        week_start TEXT NOT NULL,
        text TEXT NOT NULL,
        owner_id INTEGER REFERENCES users(id),
        due_date TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open','done')),
        created_by INTEGER REFERENCES users(id),
        created_at TEXT NOT NULL,
        done_at TEXT
    )""",
    "CREATE INDEX idx_meeting_actions_week ON meeting_actions(week_start)",
    """CREATE TABLE meeting_minutes (
        week_start TEXT NOT NULL,
        scope TEXT NOT NULL,
        notes TEXT NOT NULL,
        updated_by INTEGER REFERENCES users(id),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (week_start, scope)
    )""",
]
