"""Schema of the chat KPIs: imported messages and orders, computed daily rows, summary imports.

Applied by core.kernel.migrations in its numbered slot. A change after this migration has shipped is
a new migration appended to core.kernel.migrations, never an edit here.
"""

from __future__ import annotations

_METRICS = """
        consultations INTEGER, waits INTEGER, fast_replies INTEGER,
        response_30s_rate REAL, avg_response_s REAL, first_response_s REAL,
        effective_reply_rate REAL, converted INTEGER, conversion_rate REAL,
        sales REAL, items INTEGER, aov REAL, items_per_buyer REAL, satisfaction REAL,
        source TEXT NOT NULL CHECK (source IN ('raw','summary')),
        extra TEXT NOT NULL DEFAULT '{}',
        settings TEXT NOT NULL,
        import_id INTEGER REFERENCES kpi_imports(id),
        computed_at TEXT NOT NULL"""

M003_KPI: list[str] = [
    """CREATE TABLE kpi_imports (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        kind TEXT NOT NULL CHECK (kind IN ('raw','summary')),
        filenames TEXT NOT NULL,
        date_from TEXT NOT NULL,
        date_to TEXT NOT NULL,
        messages INTEGER NOT NULL DEFAULT 0,
        orders INTEGER NOT NULL DEFAULT 0,
        rows INTEGER NOT NULL DEFAULT 0,
        settings TEXT NOT NULL,
        created_by INTEGER REFERENCES users(id),
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE chat_messages (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        day TEXT NOT NULL,
        time TEXT NOT NULL,
        buyer TEXT NOT NULL,
        agent TEXT NOT NULL,
        sender TEXT NOT NULL,
        content TEXT NOT NULL DEFAULT '',
        import_id INTEGER REFERENCES kpi_imports(id)
    )""",
    "CREATE INDEX idx_chat_messages_project_day ON chat_messages(project_id, day)",
    """CREATE TABLE chat_orders (
        project_id INTEGER NOT NULL REFERENCES projects(id),
        order_id TEXT NOT NULL,
        buyer TEXT NOT NULL,
        created_at TEXT NOT NULL,
        paid_at TEXT,
        amount REAL NOT NULL,
        items INTEGER NOT NULL,
        status TEXT NOT NULL,
        import_id INTEGER REFERENCES kpi_imports(id),
        PRIMARY KEY (project_id, order_id)
    )""",
    "CREATE INDEX idx_chat_orders_paid ON chat_orders(project_id, paid_at)",
    f"""CREATE TABLE kpi_agent_daily (
        project_id INTEGER NOT NULL REFERENCES projects(id),
        day TEXT NOT NULL,
        agent TEXT NOT NULL,{_METRICS},
        PRIMARY KEY (project_id, day, agent)
    )""",
    f"""CREATE TABLE kpi_shop_daily (
        project_id INTEGER NOT NULL REFERENCES projects(id),
        day TEXT NOT NULL,{_METRICS},
        PRIMARY KEY (project_id, day)
    )""",
    """CREATE TABLE agent_aliases (
        project_id INTEGER NOT NULL REFERENCES projects(id),
        name TEXT NOT NULL,
        agent_id INTEGER NOT NULL REFERENCES agents(id),
        created_by INTEGER REFERENCES users(id),
        created_at TEXT NOT NULL,
        PRIMARY KEY (project_id, name)
    )""",
]
