"""Schema of the QA scorecards, reviews, complaints and after-sales registers (applied by core.migrations in its numbered slot).

A change after this migration has shipped is a new migration appended to core.migrations,
never an edit here.
"""
from __future__ import annotations

M005_QA: list[str] = []
