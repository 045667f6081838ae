"""Week arithmetic: Monday-to-Sunday weeks, dates worked out by hand from a calendar."""

from __future__ import annotations

from datetime import date

import pytest

from core.kernel import config, weeks


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        (date(2026, 3, 2), date(2026, 3, 2)),  # a Monday is its own week's start
        (date(2026, 3, 4), date(2026, 3, 2)),  # Wednesday
        (date(2026, 3, 8), date(2026, 3, 2)),  # Sunday ends the week begun on Monday the 2nd
        (date(2026, 3, 9), date(2026, 3, 9)),  # the next Monday starts a new week
        (date(2027, 1, 1), date(2026, 12, 28)),  # a Friday: the week began in the old year
        (date(2024, 3, 1), date(2024, 2, 26)),  # across the end of a leap February
    ],
)
def test_week_start_is_the_monday_of_the_week(day: date, monday: date):
    assert weeks.week_start(day) == monday


def test_week_of_runs_monday_to_sunday():
    assert weeks.week_of(date(2027, 1, 1)) == (date(2026, 12, 28), date(2027, 1, 3))
    assert weeks.week_of(date(2026, 3, 8)) == (date(2026, 3, 2), date(2026, 3, 8))


def test_no_day_means_today(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(config, "today", lambda: date(2026, 3, 5))  # a Thursday
    assert weeks.week_start() == date(2026, 3, 2)
    assert weeks.week_of() == (date(2026, 3, 2), date(2026, 3, 8))
