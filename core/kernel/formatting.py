"""How numbers are written for people: one formatter each for counts, money, ratios, rates and seconds.

Pages, printouts and exports all write a figure through this module, so the same figure reads the
same everywhere (issue 18: "¥49876.33", "¥4,044.32", "¥-20.00" and "-¥20.00" on neighbouring pages):

- a count is a whole number with thousands separators (1,234), rounded half up;
- money is yuan to the fen, rounded half up, thousands separators, the minus sign before the yuan
  sign (-¥20.00); `money(v, symbol=False)` is the same without the sign, for calculations;
- a ratio (客件数, a daily mean) has a fixed number of decimals (1.61), rounded half up;
- a rate is stored as a fraction and shown as a percentage (0.853 → 85.3%);
- a duration in seconds is shown with one decimal and its unit (12.5 s).

Nothing (None, NaN) is "—", never 0 and never "None". Rounding is decimal, not binary: 2.675 yuan
is 2.68 (the float 2.675 is 2.67499…, the text people typed is what counts).
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

from core.kernel import money as money_arithmetic

NOTHING = "—"
YUAN = "¥"
# a money column of st.dataframe: numbers stay numbers (sortable); the yuan sign goes in the header
MONEY_COLUMN_FORMAT = "%,.2f"
COUNT_COLUMN_FORMAT = "%,d"

RATE_KPIS = ("response_30s_rate", "effective_reply_rate", "conversion_rate", "satisfaction", "at_target_rate")
SECOND_KPIS = ("avg_response_s", "first_response_s")
MONEY_KPIS = ("sales", "aov", "amount")
RATIO_KPIS = ("items_per_buyer",)
COUNT_KPIS = (
    "consultations",
    "converted",
    "items",
    "waits",
    "fast_replies",
    "reviews",
    "critical_failures",
    "problem_cases",
    "excellent_cases",
)
SCORE_KPIS = ("mean_score", "target")


def missing(value: Any) -> bool:
    """Whether there is no figure (None, NaN, pandas' NA)."""
    if value is None:
        return True
    try:
        return bool(value != value) or (
            isinstance(value, float) and math.isnan(value)
        )  # NaN and pd.NA are not equal to themselves
    except TypeError:  # pd.NA != pd.NA is NA, whose truth value is ambiguous
        return True


def _decimal(value: Any) -> Decimal:
    """The exact Decimal of the money arithmetic (core.kernel.money.dec); anything not a number is a TypeError."""
    try:
        return money_arithmetic.dec(value)
    except InvalidOperation as exc:
        raise TypeError(f"not a number: {value!r}") from exc


def rounded(value: Any, places: int = 0) -> Decimal:
    """The value rounded half up to `places` decimals (core.kernel.money.round_to)."""
    return money_arithmetic.round_to(_decimal(value), places)


def _grouped(amount: Decimal, places: int) -> str:
    """A non-negative rounded Decimal with thousands separators."""
    return f"{amount:,.{places}f}"


def _signed(amount: Decimal, places: int, prefix: str = "", suffix: str = "") -> str:
    if amount == 0:
        amount = abs(amount)  # never "-0"
    sign = "-" if amount < 0 else ""
    return f"{sign}{prefix}{_grouped(abs(amount), places)}{suffix}"


def count(value: Any) -> str:
    """A number of things: 1,234 (a count never has decimals; 57.0 → 57, 1.5 → 2)."""
    if missing(value):
        return NOTHING
    return _signed(rounded(value, 0), 0)


def money(value: Any, symbol: bool = True) -> str:
    """Yuan to the fen: ¥12,345.60, -¥20.00 (symbol=False: 12,345.60, -20.00)."""
    if missing(value):
        return NOTHING
    return _signed(rounded(value, 2), 2, YUAN if symbol else "")


def amount(value: Any) -> str:
    """`money` without the yuan sign, for the figures of a calculation: 12,345.60, -20.00."""
    return money(value, symbol=False)


def ratio(value: Any, places: int = 2) -> str:
    """A ratio or a mean with fixed decimals: 客件数 1.6062 → 1.61, a daily mean 110.5."""
    if missing(value):
        return NOTHING
    return _signed(rounded(value, places), places)


def percent(fraction: Any, places: int = 1) -> str:
    """A rate stored as a fraction, as a percentage: 0.853 → 85.3%."""
    if missing(fraction):
        return NOTHING
    return _signed(rounded(_decimal(fraction) * 100, places), places, suffix="%")


def seconds(value: Any, places: int = 1) -> str:
    """A duration in seconds: 12.5 s."""
    if missing(value):
        return NOTHING
    return _signed(rounded(value, places), places, suffix=" s")


def kpi(name: str, value: Any, mean: bool = False) -> str:
    """A KPI figure as people read it, by its kind: rates in %, seconds, yuan, counts, ratios.

    `mean=True` marks a count averaged over days (日均咨询人数 110.5): one decimal when it is not whole.
    """
    if missing(value):
        return NOTHING
    if name in RATE_KPIS:
        return percent(value)
    if name in SECOND_KPIS:
        return seconds(value)
    if name in MONEY_KPIS:
        return money(value)
    if name in RATIO_KPIS:
        return ratio(value, 2)
    if name in COUNT_KPIS and not mean:
        return count(value)
    # a mean or a score: one decimal when it has one (110.5, 96.3), none when whole (120, 90)
    return count(value) if rounded(value, 1) == rounded(value, 0) else ratio(value, 1)


def kpi_gap(name: str, gap: Any, points: str, mean: bool = False) -> str | None:
    """How far a figure stands from its target (or from last week), signed, for a tile's delta:
    "+16.1 s", "-5", "+¥57.91", "+2.3". A rate's gap is in percentage points, written with `points`
    ("个百分点", " pts"): 29.6% against a target of 28.0% is "+1.6个百分点", never "+1.6%", which
    reads as 1.6 % more than the target. None when there is no gap to show."""
    if missing(gap):
        return None
    amount = _decimal(gap)
    if name in RATE_KPIS:
        shown = f"{_grouped(rounded(abs(amount) * 100, 1), 1)}{points}"
    else:
        shown = kpi(name, abs(amount), mean=mean)
    below = amount < 0 and any(digit in shown for digit in "123456789")  # never "-0.0 s"
    return ("-" if below else "+") + shown


def kpi_number(name: str, value: Any, mean: bool = False) -> float | int | None:
    """A KPI figure as a number for a spreadsheet cell (rates as fractions, money to the fen, counts whole).

    Excel cells hold numbers, not text, so a merchant can add them up; the cell's number format
    (`excel_format`) shows them as people read them.
    """
    if missing(value):
        return None
    if name in MONEY_KPIS:
        return float(rounded(value, 2))
    if name in COUNT_KPIS and not mean:
        return int(rounded(value, 0))
    if name in RATE_KPIS:
        return float(rounded(value, 4))
    return float(rounded(value, 2))


def excel_format(name: str, mean: bool = False) -> str:
    """The Excel number format of a KPI column: counts whole, money to the fen, rates as %."""
    if name in MONEY_KPIS:
        return '"¥"#,##0.00;-"¥"#,##0.00'
    if name in RATE_KPIS:
        return "0.0%"
    if name in SECOND_KPIS:
        return '0.0" s"'
    if name in COUNT_KPIS and not mean:
        return "#,##0"
    if name in SCORE_KPIS or mean:
        return "#,##0.0"  # a mean (日均) keeps its decimal
    return "#,##0.00"
