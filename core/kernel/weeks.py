"""Week arithmetic in one place: weeks run Monday to Sunday (the working week the team, its reports and
the Monday meeting all count in).

`week_start` is the Monday of a day's week, `week_of` its Monday and Sunday. A day given as None
means today (config.today(), which demos and tests may pin).
"""

from __future__ import annotations

from datetime import date, timedelta

from core.kernel import config


def week_start(day: date | None = None) -> date:
    """The Monday of the day's week (of today's when `day` is None)."""
    day = day or config.today()
    return day - timedelta(days=day.weekday())


def week_of(day: date | None = None) -> tuple[date, date]:
    """The Monday and the Sunday of the day's week (of today's when `day` is None)."""
    monday = week_start(day)
    return monday, monday + timedelta(days=6)
