"""UI text of the chat KPIs: imported messages and orders, computed daily rows, summary imports: (zh, en) per key, merged into core.i18n.CATALOGUE."""
from __future__ import annotations

CATALOGUE: dict[str, tuple[str, str]] = {}
