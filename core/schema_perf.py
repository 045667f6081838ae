"""Schema additions for scale (migration 11, applied by core.migrations): the data-version row and
indexes for the heavy queries of a large firm (100 merchants, 500 agents, years of daily data).

`data_version` has one row, bumped by core.db.write() on every commit; caches key on it.
A change after this migration has shipped is a new migration appended to core.migrations,
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
]
