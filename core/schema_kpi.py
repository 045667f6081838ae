"""Schema of the chat KPIs: imported messages and orders, computed daily rows, summary imports (applied by core.migrations in its numbered slot).

A change after this migration has shipped is a new migration appended to core.migrations,
never an edit here.
"""
from __future__ import annotations

M003_KPI: list[str] = []
