"""Schema of the per-hour raw-log figures (migration 12, applied by core.migrations): table kpi_hourly.

Filled at every raw import (core.kpi_store.recompute → core.kpi_hourly.store); the migration
also fills it once from the messages already stored (core.kpi_hourly.backfill), so the
hour-of-day heat map and the staffing volume read it on databases imported before it.
A change after this migration has shipped is a new migration appended to core.migrations,
never an edit here.
"""
from __future__ import annotations

import sqlite_utils


def _backfill(db: sqlite_utils.Database) -> None:
    from core import kpi_hourly  # late: it reads the KPI engine and the store

    kpi_hourly.backfill(db)


M012_KPI_HOURLY: list = [
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
    _backfill,
]
