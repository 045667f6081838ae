"""Schema additions for scale (migration 11, applied by core.kernel.migrations): the data-version row and
indexes for the heavy queries of a large firm (100 merchants, 500 agents, years of daily data).

`data_version` has one row, bumped by core.kernel.db.write() on every commit; caches key on it.
A change after this migration has shipped is a new migration appended to core.kernel.migrations,
never an edit here.
"""

from __future__ import annotations

M011_PERF: list[str] = [
    """CREATE TABLE data_version (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL,
        token TEXT NOT NULL
    )""",
    "INSERT INTO data_version (id, version, token) VALUES (1, 0, lower(hex(randomblob(8))))",
    # complaints of the whole firm by logging day (lists, trends), the open ones (home, overdue), closed in a week (meeting)
    "CREATE INDEX IF NOT EXISTS idx_complaints_logged ON complaints(logged_at)",
    "CREATE INDEX IF NOT EXISTS idx_complaints_status ON complaints(status, promised_at)",
    "CREATE INDEX IF NOT EXISTS idx_complaints_closed ON complaints(closed_at) WHERE closed_at IS NOT NULL",
    # QA reviews of every project in a period (analysis, meeting, pay), the inspector's own list
    "CREATE INDEX IF NOT EXISTS idx_qa_reviews_date ON qa_reviews(chat_date)",
    "CREATE INDEX IF NOT EXISTS idx_qa_reviews_complaint ON qa_reviews(complaint_id) WHERE complaint_id IS NOT NULL",
    # a year of KPI days: one day across all projects (home, company view), an agent's own days
    "CREATE INDEX IF NOT EXISTS idx_kpi_agent_daily_day ON kpi_agent_daily(day)",
    "CREATE INDEX IF NOT EXISTS idx_kpi_shop_daily_day ON kpi_shop_daily(day)",
    # pay statements of an agent (my pay) and the audit log by user
    "CREATE INDEX IF NOT EXISTS idx_pay_statements_agent ON pay_statements(agent_id)",
    "CREATE INDEX IF NOT EXISTS idx_audit_user ON audit_log(user_id, at)",
    "CREATE INDEX IF NOT EXISTS idx_kpi_imports_project ON kpi_imports(project_id, kind)",
]
