"""Schema of quotes, contracts and monthly billing of merchants (applied by core.migrations).

A change after this migration has shipped is a new migration appended to core.migrations,
never an edit here.
"""
from __future__ import annotations

M010_BILLING: list[str] = []
