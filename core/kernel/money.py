"""Money arithmetic (pure): exact Decimals, rounding half up to the fen, pro-rating.

Money is `Decimal` throughout and every amount a statement or an invoice shows is rounded to the
fen (2 decimals, ROUND_HALF_UP), so what people add up on paper is what is paid and billed:
1866.665 → 1866.67, 0.005 → 0.01. A float enters through its shortest text, so 0.1 stays 0.1.

`fmt_pct` and `fmt_num` write the figures of a calculation as its explanation shows them (plain
Decimal text, rounded half up, no thousands separators); how figures are shown to people
elsewhere (yuan sign, separators, '—' for nothing) is `core.kernel.formatting`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

FEN = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)


def dec(value: Any) -> Decimal:
    """A number as an exact Decimal (floats through their shortest text, so 0.1 stays 0.1)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or value is None:
        raise TypeError(f"not a number: {value!r}")
    return Decimal(str(value))


def money(value: Any) -> Decimal:
    """Rounded to the fen, half up (1866.665 → 1866.67)."""
    return dec(value).quantize(FEN, rounding=ROUND_HALF_UP)


def round_to(value: Any, places: int = 2) -> Decimal:
    """Rounded half up to `places` decimals (scores, percentages)."""
    return dec(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def fmt_pct(fraction: Any, digits: int = 2) -> str:
    """A fraction as a percentage: 0.005 → 0.50%."""
    return f"{round_to(dec(fraction) * HUNDRED, digits)}%"


def fmt_num(value: Any, digits: int = 2) -> str:
    """A plain number, rounded half up."""
    return f"{round_to(value, digits)}"


def prorate(amount: Any, days: int, month_days: int) -> Decimal:
    """A monthly amount for `days` of a month of `month_days` days (not rounded)."""
    return dec(amount) * Decimal(days) / Decimal(month_days)
