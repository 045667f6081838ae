"""UI text of scheduling, reserves and surge planning: (zh, en) per key, merged into core.i18n.CATALOGUE."""
from __future__ import annotations

CATALOGUE: dict[str, tuple[str, str]] = {
}
