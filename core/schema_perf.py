"""Schema additions for scale: indexes for the heavy queries of a large firm (applied by core.migrations).

A change after this migration has shipped is a new migration appended to core.migrations,
never an edit here.
"""
from __future__ import annotations

M011_PERF: list[str] = []
