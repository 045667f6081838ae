"""Limits and checks of what QA users type (text lengths, dates, numbers), and the time stamp of an action."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from core.kernel import config
from core.kernel.errors import FieldError

MAX_TEXT = 200
MAX_COMMENT = 2000
MAX_TRANSCRIPT = 20000
MAX_SCORE_SETTING = 100.0


def _stamp(now: datetime | None) -> str:
    return (now or config.now()).strftime("%Y-%m-%d %H:%M:%S")


def _today(now: datetime | None) -> date:
    return (now or config.now()).date()


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value in (None, ""):
        return None
    return date.fromisoformat(str(value))


def _text_errors(data: dict[str, Any], fields: dict[str, tuple[str, int, bool]]) -> list[FieldError]:
    """fields: data key -> (error field name, max length, required)."""
    errors: list[FieldError] = []
    for key, (field, limit, required) in fields.items():
        value = data.get(key)
        text = "" if value is None else str(value).strip()
        if required and not text:
            errors.append(FieldError(field, "err.required"))
        elif len(text) > limit:
            errors.append(FieldError(field, "err.too_long", {"n": limit}))
    return errors


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0.0
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number
