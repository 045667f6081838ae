"""UI text of the team building, training materials and exams: (zh, en) per key, merged into core.i18n.CATALOGUE."""
from __future__ import annotations

CATALOGUE: dict[str, tuple[str, str]] = {}
