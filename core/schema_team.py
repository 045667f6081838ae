"""Schema of the team building, training materials and exams (applied by core.migrations in its numbered slot).

A change after this migration has shipped is a new migration appended to core.migrations,
never an edit here.
"""
from __future__ import annotations

M004_TEAM: list[str] = []
