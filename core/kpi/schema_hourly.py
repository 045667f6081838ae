"""Schema of the per-hour raw-log figures (migration 12): table kpi_hourly.

Filled at every raw import (core.kpi.raw_store.recompute → core.kpi.hourly.store); after the
migration the composition root (core.bootstrap) fills it once from the messages already stored (core.kpi.hourly.backfill), so the
hour-of-day heat map and the staffing volume read it on databases imported before it.
A change after this migration has shipped is a new migration, never an edit here.
"""

from __future__ import annotations

M012_KPI_HOURLY: list[str] = [
    """CREATE TABLE kpi_hourly (
        project_id INTEGER NOT NULL REFERENCES projects(id),
        day TEXT NOT NULL,
        hour INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
        inquiries INTEGER NOT NULL DEFAULT 0,
        waits INTEGER NOT NULL DEFAULT 0,
        answered INTEGER NOT NULL DEFAULT 0,
        response_s_sum REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (project_id, day, hour)
    )""",
]
