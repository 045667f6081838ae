"""Months as 'YYYY-MM', hand-computed: first and last day, leap years, the month before, recent months."""

from __future__ import annotations

from datetime import date

import pytest

from core.kernel.errors import ValidationError
from core.kernel.months import month_bounds, month_of, previous_month, recent_months


@pytest.mark.parametrize(
    "month,first,last",
    [
        ("2026-10", date(2026, 10, 1), date(2026, 10, 31)),
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),  # leap year
        ("2000-02", date(2000, 2, 1), date(2000, 2, 29)),  # divisible by 400: leap
        ("1900-02", date(1900, 2, 1), date(1900, 2, 28)),  # divisible by 100 only: not leap
        ("2026-12", date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
def test_month_bounds_are_its_first_and_last_day(month, first, last):
    assert month_bounds(month) == (first, last)


@pytest.mark.parametrize("bad", ["", None, "2026-13", "2026-00", "2026-1", "26-10", "2026/10", "0000-01", " 2026-10"])
def test_anything_but_yyyy_mm_is_refused(bad):
    with pytest.raises(ValidationError) as caught:
        month_bounds(bad)
    assert [(e.field, e.key) for e in caught.value.errors] == [("salary.month", "err.invalid_value")]


def test_month_of_a_day():
    assert month_of(date(2026, 1, 31)) == "2026-01"
    assert month_of(date(999, 12, 1)) == "0999-12"


def test_previous_month_crosses_the_year():
    assert previous_month("2026-03") == "2026-02"
    assert previous_month("2026-01") == "2025-12"


def test_recent_months_newest_first():
    assert recent_months(3, today=date(2026, 2, 15)) == ["2026-02", "2026-01", "2025-12"]
    assert recent_months(1, today=date(2026, 3, 31)) == ["2026-03"]
    assert len(recent_months(today=date(2026, 3, 31))) == 12
