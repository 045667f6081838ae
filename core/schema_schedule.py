"""Schema of scheduling, reserves and surge planning (applied by core.migrations).

A change after this migration has shipped is a new migration appended to core.migrations,
never an edit here.
"""
from __future__ import annotations

M009_SCHEDULE: list[str] = []
