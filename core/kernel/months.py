"""Months as 'YYYY-MM' text: their first and last day, the month of a day, the one before, recent ones.

Pay runs and merchant invoices are both kept by calendar month. A month is written 'YYYY-MM'
(month 01–12, never year 0000); anything else is refused with a ValidationError on the field
`salary.month` (the message pages show under a month picker).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from core.kernel import config
from core.kernel.errors import ValidationError

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_bounds(month: str) -> tuple[date, date]:
    """'2026-10' → (2026-10-01, 2026-10-31); ValidationError on anything else."""
    match = MONTH_PATTERN.match(str(month or ""))
    if not match or match.group(1) == "0000":  # there is no year 0
        raise ValidationError.single("salary.month", "err.invalid_value")
    year, number = int(match.group(1)), int(match.group(2))
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


def month_of(day: date) -> str:
    """The month a day falls in, as 'YYYY-MM'."""
    return f"{day.year:04d}-{day.month:02d}"


def previous_month(month: str) -> str:
    """The month before."""
    start, _ = month_bounds(month)
    return month_of(start - timedelta(days=1))


def recent_months(count: int = 12, today: date | None = None) -> list[str]:
    """This month and the ones before it, newest first (for pickers)."""
    months, day = [], (today or config.today()).replace(day=1)
    for _ in range(count):
        months.append(month_of(day))
        day = (day - timedelta(days=1)).replace(day=1)
    return months
