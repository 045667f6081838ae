"""Schema of the agent directory (migration 2): agents, their status history, project teams.

Released; a change is a new migration, never an edit here (tests/core/kernel/test_migrations.py
hashes every released migration).
"""

from __future__ import annotations

M002_AGENTS = [
    """CREATE TABLE agents (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        employee_no TEXT NOT NULL UNIQUE,
        phone TEXT NOT NULL DEFAULT '',
        skills TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('candidate','training','online','reserve','left')),
        base_salary REAL NOT NULL DEFAULT 0,
        user_id INTEGER UNIQUE REFERENCES users(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE agent_status_history (
        id INTEGER PRIMARY KEY,
        agent_id INTEGER NOT NULL REFERENCES agents(id),
        from_status TEXT,
        to_status TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        changed_by INTEGER REFERENCES users(id),
        note TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX idx_agent_status_history_agent ON agent_status_history(agent_id)",
    """CREATE TABLE project_agents (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        agent_id INTEGER NOT NULL REFERENCES agents(id),
        role TEXT NOT NULL CHECK (role IN ('online','reserve')),
        shift TEXT NOT NULL CHECK (shift IN ('day','night')),
        from_date TEXT NOT NULL,
        to_date TEXT,
        sub_account TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX idx_project_agents_project ON project_agents(project_id)",
    "CREATE INDEX idx_project_agents_agent ON project_agents(agent_id)",
]
