"""Working days by China's official calendar, with its swapped working days (调休).

Uses the `holidays` package's China calendar (`is_working_day` knows the weekend working days
and works for any year, unlike `chinese-calendar`, which raises for years it has no data for),
plus extra days off the admin adds (company outings, local closures).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays
import sqlite_utils

from core.kernel import audit, config
from core.kernel.db import rows, write
from core.kernel.errors import ValidationError
from core.kernel.permissions import Actor, require


@lru_cache(maxsize=8)
def _china(year: int) -> holidays.HolidayBase:
    return holidays.China(years=[year])


def is_working_day(day: date, extra_days_off: frozenset[date] = frozenset()) -> bool:
    """True when `day` is a working day in China and not one of the extra days off."""
    if day in extra_days_off:
        return False
    return bool(_china(day.year).is_working_day(day))


def add_working_days(start: date, days: int, extra_days_off: frozenset[date] = frozenset()) -> date:
    """The date `days` working days after `start` (start itself not counted)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    current = start
    counted = 0
    while counted < days:
        current += timedelta(days=1)
        if is_working_day(current, extra_days_off):
            counted += 1
    return current


def working_days_between(start: date, end: date, extra_days_off: frozenset[date] = frozenset()) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current, extra_days_off):
            count += 1
    return count


def extra_days_off(db: sqlite_utils.Database) -> frozenset[date]:
    """The admin's extra days off."""
    return frozenset(date.fromisoformat(r["day"]) for r in db.query("SELECT day FROM extra_days_off"))


def list_extra_days_off(db: sqlite_utils.Database) -> list[dict]:
    """The extra days off with their notes, newest first."""
    return rows(db, "SELECT day, note, created_at FROM extra_days_off ORDER BY day DESC")


def add_extra_day_off(db: sqlite_utils.Database, actor: Actor, day: date, note: str = "") -> None:
    """The admin marks a company day off; working-day counts skip it from now on."""
    require(actor, "calendar.write")
    if len(note) > 200:
        raise ValidationError.single("note", "err.too_long", n=200)
    with write(db):
        db["extra_days_off"].insert(
            {"day": day.isoformat(), "note": note.strip(), "created_by": actor.id, "created_at": config.now_text()},
            replace=True,
        )
        audit.record(db, actor, "create", "extra_day_off", day.isoformat(), None, {"note": note})


def remove_extra_day_off(db: sqlite_utils.Database, actor: Actor, day: date) -> None:
    """Take a day back off the list of extra days off."""
    require(actor, "calendar.write")
    with write(db):
        db.execute("DELETE FROM extra_days_off WHERE day = ?", [day.isoformat()])
        audit.record(db, actor, "delete", "extra_day_off", day.isoformat(), {"day": day.isoformat()}, None)
