"""Schema of the platform imports (migration 13, applied by core.kernel.migrations).

- `import_templates`: a file layout the user mapped once (keyed on its set of headers), per
  project and kind (`summary`, `raw_messages`, `raw_orders`), so the next file of that layout
  maps itself (core.kpi.templates).
- `platform_agent_daily`: the platform's own per-agent figures of a day as imported, every
  field it gave (also those our KPIs do not use: 纠纷退款数, 客服服务分, online time, …), the
  figures still pending (延迟统计) and the profile the file was read with. Kept beside our
  computed rows so reconciliation can compare the two (core.kpi.reconciliation).
- `platform_benchmarks`: the shop's peer benchmark rows of a platform file (同行同层优秀/均值).
- `project_import_settings`: which flavour of a two-flavour figure counts for the project's
  targets (service hours or whole day) and the reconciliation tolerance.

A change after this migration has shipped is a new migration appended to core.kernel.migrations,
never an edit here.
"""

from __future__ import annotations

M013_IMPORTS: list[str] = [
    """CREATE TABLE import_templates (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        kind TEXT NOT NULL CHECK (kind IN ('summary','raw_messages','raw_orders')),
        name TEXT NOT NULL,
        header_key TEXT NOT NULL,
        headers TEXT NOT NULL,
        mapping TEXT NOT NULL,
        options TEXT NOT NULL DEFAULT '{}',
        created_by INTEGER REFERENCES users(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (project_id, kind, header_key)
    )""",
    """CREATE TABLE platform_agent_daily (
        project_id INTEGER NOT NULL REFERENCES projects(id),
        day TEXT NOT NULL,
        agent TEXT NOT NULL,
        profile TEXT NOT NULL DEFAULT '',
        figures TEXT NOT NULL DEFAULT '{}',
        pending TEXT NOT NULL DEFAULT '[]',
        import_id INTEGER REFERENCES kpi_imports(id),
        imported_at TEXT NOT NULL,
        PRIMARY KEY (project_id, day, agent)
    )""",
    """CREATE TABLE platform_benchmarks (
        project_id INTEGER NOT NULL REFERENCES projects(id),
        day TEXT NOT NULL,
        label TEXT NOT NULL,
        profile TEXT NOT NULL DEFAULT '',
        figures TEXT NOT NULL DEFAULT '{}',
        import_id INTEGER REFERENCES kpi_imports(id),
        PRIMARY KEY (project_id, day, label)
    )""",
    """CREATE TABLE project_import_settings (
        project_id INTEGER PRIMARY KEY REFERENCES projects(id),
        flavour TEXT NOT NULL DEFAULT 'service_hours' CHECK (flavour IN ('service_hours','whole_day')),
        reconcile_tolerance REAL NOT NULL DEFAULT 0.05,
        updated_by INTEGER REFERENCES users(id),
        updated_at TEXT NOT NULL
    )""",
]
