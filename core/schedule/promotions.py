"""Promotions of a project (大促): the past ones marked so the forecast learns their rise, and the announced ones.

A promotion lasts at most 32 days, is announced on or before its first day, and may carry an
expected rise in inquiries between 0 % and 500 % (none: the rise learned from past ones).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlite_utils

from core.kernel import audit, config
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, require_project
from core.schedule.shift_settings import MAX_REASON
from core.schedule.shifts import as_day, days_of


def promotion_errors(values: dict[str, Any]) -> list[FieldError]:
    """What is wrong with a promotion form (empty: fine)."""
    errors: list[FieldError] = []
    name = str(values.get("name") or "").strip()
    if not name:
        errors.append(FieldError("schedule.promo_name", "err.required"))
    elif len(name) > 100:
        errors.append(FieldError("schedule.promo_name", "err.too_long", {"n": 100}))
    start, end, announced = (as_day(values.get(key)) for key in ("start_day", "end_day", "announced_on"))
    for key, value in (("start_day", start), ("end_day", end), ("announced_on", announced)):
        if not isinstance(value, date):
            errors.append(FieldError(f"schedule.{key}", "err.required"))
    if isinstance(start, date) and isinstance(end, date):
        if end < start:
            errors.append(FieldError("schedule.end_day", "err.end_before_start"))
        elif (end - start).days > 31:
            errors.append(FieldError("schedule.end_day", "err.schedule.period_too_long", {"n": 31}))
    if isinstance(start, date) and isinstance(announced, date) and announced > start:
        errors.append(FieldError("schedule.announced_on", "err.schedule.announced_after_start"))
    rise = values.get("expected_rise")
    if rise is not None and (isinstance(rise, bool) or not isinstance(rise, (int, float)) or not 0 <= rise <= 5):
        errors.append(FieldError("schedule.expected_rise", "err.schedule.range", {"min": "0%", "max": "500%"}))
    if len(str(values.get("note") or "")) > MAX_REASON:
        errors.append(FieldError("schedule.note", "err.too_long", {"n": MAX_REASON}))
    return errors


def add_promotion(db: sqlite_utils.Database, actor: Actor, project_id: int, values: dict[str, Any]) -> int:
    """Record a promotion (a past one marked for learning, or one the merchant announced); return its id."""
    require_project(db, actor, project_id, "schedule.write")
    values = {**values, **{key: as_day(values.get(key)) for key in ("start_day", "end_day", "announced_on")}}
    errors = promotion_errors(values)
    if errors:
        raise ValidationError(errors)
    record = {
        "project_id": project_id,
        "name": str(values["name"]).strip(),
        "start_day": values["start_day"].isoformat(),
        "end_day": values["end_day"].isoformat(),
        "expected_rise": None if values.get("expected_rise") is None else round(float(values["expected_rise"]), 4),
        "announced_on": values["announced_on"].isoformat(),
        "note": str(values.get("note") or "").strip(),
        "created_by": actor.id,
        "created_at": config.now_text(),
    }
    with write(db):
        promo_id = db["promotions"].insert(record).last_pk
        audit.record(db, actor, "create", "promotion", promo_id, None, record)
    return int(promo_id)


def delete_promotion(db: sqlite_utils.Database, actor: Actor, promotion_id: int) -> None:
    """Remove a promotion (a mistaken entry)."""
    row = one(db, "SELECT * FROM promotions WHERE id = ?", [promotion_id])
    if row is None:
        raise NotFound(f"promotion {promotion_id}")
    require_project(db, actor, row["project_id"], "schedule.write")
    with write(db):
        db.execute("DELETE FROM promotions WHERE id = ?", [promotion_id])
        audit.record(db, actor, "delete", "promotion", promotion_id, row, None)


def promotions(db: sqlite_utils.Database, actor: Actor, project_id: int) -> list[dict]:
    """The project's promotions, newest first."""
    require_project(db, actor, project_id, "schedule.read")
    return rows(db, "SELECT * FROM promotions WHERE project_id = ? ORDER BY start_day DESC, id DESC", [project_id])


def promotion_days(promos: list[dict]) -> set[date]:
    """Every day of the given promotions (rows of `promotions`)."""
    return {
        day for p in promos for day in days_of(date.fromisoformat(p["start_day"]), date.fromisoformat(p["end_day"]))
    }
