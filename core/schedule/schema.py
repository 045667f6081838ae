"""Schema of scheduling, reserves and surge planning (applied by core.kernel.migrations).

A change after this migration has shipped is a new migration appended to core.kernel.migrations,
never an edit here.
"""

from __future__ import annotations

M009_SCHEDULE: list[str] = [
    """CREATE TABLE schedule_settings (
        project_id INTEGER PRIMARY KEY REFERENCES projects(id),
        day_start TEXT NOT NULL DEFAULT '08:30',
        day_end TEXT NOT NULL DEFAULT '16:00',
        night_start TEXT NOT NULL DEFAULT '16:00',
        night_end TEXT NOT NULL DEFAULT '23:30',
        required_day INTEGER,
        required_night INTEGER,
        aht_s REAL NOT NULL DEFAULT 240,
        concurrency INTEGER NOT NULL DEFAULT 3,
        shrinkage REAL NOT NULL DEFAULT 0.3,
        max_occupancy REAL NOT NULL DEFAULT 0.85,
        updated_by INTEGER REFERENCES users(id),
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE roster_entries (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        agent_id INTEGER NOT NULL REFERENCES agents(id),
        day TEXT NOT NULL,
        shift TEXT NOT NULL CHECK (shift IN ('day','night','rest','leave')),
        source TEXT NOT NULL CHECK (source IN ('proposal','manual','request')),
        updated_by INTEGER REFERENCES users(id),
        updated_at TEXT NOT NULL,
        UNIQUE (project_id, agent_id, day)
    )""",
    "CREATE INDEX idx_roster_project_day ON roster_entries(project_id, day)",
    "CREATE INDEX idx_roster_agent_day ON roster_entries(agent_id, day)",
    """CREATE TABLE handover_notes (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        day TEXT NOT NULL,
        shift TEXT NOT NULL CHECK (shift IN ('day','night')),
        marked_buyers TEXT NOT NULL DEFAULT '',
        unresolved TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        author_id INTEGER REFERENCES users(id),
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX idx_handover_project_day ON handover_notes(project_id, day)",
    """CREATE TABLE shift_requests (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        agent_id INTEGER NOT NULL REFERENCES agents(id),
        kind TEXT NOT NULL CHECK (kind IN ('leave','swap')),
        day TEXT NOT NULL,
        end_day TEXT NOT NULL,
        swap_agent_id INTEGER REFERENCES agents(id),
        reason TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('pending','approved','rejected')),
        created_by INTEGER REFERENCES users(id),
        created_at TEXT NOT NULL,
        decided_by INTEGER REFERENCES users(id),
        decided_at TEXT,
        decision_note TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX idx_shift_requests_project ON shift_requests(project_id, status)",
    """CREATE TABLE promotions (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        name TEXT NOT NULL,
        start_day TEXT NOT NULL,
        end_day TEXT NOT NULL,
        expected_rise REAL,
        announced_on TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        created_by INTEGER REFERENCES users(id),
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX idx_promotions_project ON promotions(project_id, start_day)",
]
