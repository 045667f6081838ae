"""UI text of the QA scorecards, reviews, complaints and after-sales registers: (zh, en) per key, merged into core.i18n.CATALOGUE."""
from __future__ import annotations

CATALOGUE: dict[str, tuple[str, str]] = {}
