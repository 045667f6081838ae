"""The arithmetic of quotes and merchant invoices (pure, no store): seats, seat prices, surcharges, pro-rating, rebates.

Money is `Decimal`, every amount shown is rounded half-up to the fen (`core.kernel.money`), and a
total is the sum of its rounded lines, so what a merchant adds up on paper is what it is billed.

- Seats (`propose_seats`): inquiries per service day × (1 + the promotion uplift of the shop's
  promotion frequency) ÷ the price list's per-seat daily capacity, rounded up, at least 1. The
  scheduling capability's Erlang C model replaces the capacity rule where the project has it
  (`core.billing.quotes` decides): pass `per_hour` (a function from inquiries in an hour to agents
  needed) and `peak_factor` (the busiest service hour of the shop's history ÷ its average
  service hour, at least 1), and the seats become the agents needed in the busiest hour at the
  requested volume: (daily × (1 + uplift) ÷ hours) × peak factor. Everything else (prices,
  invoices) takes seats as given.
- Seat price: the price list's monthly price per seat for the service type and the smallest hours
  band (8, 12, 16, 24 hours of service a day) that covers the requested hours.
- Night surcharge: night hours are 22:00–08:00; the seat fee's share of night hours
  (night hours ÷ service hours) is charged the night rate on top. Weekend surcharge: when the
  contract serves Saturdays and Sundays, the seat fee × the weekend rate.
- Term discount: the largest discount whose minimum term (months) the contract reaches, on the
  seat fee and surcharges (never on commission).
- Pro-rating: a monthly amount × days served ÷ days of the month.
- Commission: the rate × the attributed sales of the days served (the KPI engine's `sales`).
- KPI rebate: when a KPI of the month is worse than its target (strictly: at the target is met),
  the rebate rate × the month's service fee is credited back.
- Minimum fee: the month's service fee (seats, surcharges, discount) below the minimum fee
  pro-rated to the days served is topped up to it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from core.kernel.money import ZERO, dec, fmt_pct

SERVICE_TYPES = ("presales", "aftersales", "both")
HOURS_BANDS = (8, 12, 16, 24)
NIGHT_START, NIGHT_END = time(22, 0), time(8, 0)
PROMOTION_UPLIFT_DEFAULT = {"none": 0.0, "big_sales_only": 0.1, "monthly": 0.15, "biweekly": 0.2, "weekly": 0.3}


@dataclass(frozen=True)
class SeatProposal:
    """Seats proposed for a shop and how: the inputs and the calculation, for the quote's explanation."""

    seats: int
    inquiries_per_day: Decimal
    inquiries_per_hour: Decimal
    uplift: Decimal
    capacity: Decimal
    method: str  # "capacity" (the price list's per-seat daily capacity) or "model" (a staffing model per hour)
    calc: str


def _minutes(value: str | time) -> int:
    moment = value if isinstance(value, time) else time.fromisoformat(str(value))
    return moment.hour * 60 + moment.minute


def service_hours(start: str | time, end: str | time) -> Decimal:
    """Hours of service a day.

    An end at or before the start runs past midnight (22:00–08:00 is 10 h, 00:00–00:00 is 24 h).
    """
    a, b = _minutes(start), _minutes(end)
    span = b - a if b > a else b + 24 * 60 - a
    return Decimal(span) / 60


def night_hours(start: str | time, end: str | time) -> Decimal:
    """Hours of the service window that fall in the night (22:00–08:00)."""
    a = _minutes(start)
    span = int(service_hours(start, end) * 60)
    night = 0
    for minute in range(a, a + span):  # at most 1,440 steps: exact and obvious beats clever here
        of_day = minute % (24 * 60)
        if of_day >= _minutes(NIGHT_START) or of_day < _minutes(NIGHT_END):
            night += 1
    return Decimal(night) / 60


def propose_seats(
    inquiries_per_day: Any,
    hours: Any,
    seat_daily_capacity: Any,
    promotion_frequency: str = "none",
    uplifts: dict[str, Any] | None = None,
    per_hour: Callable[[float], int] | None = None,
    peak_factor: Any = 1,
) -> SeatProposal:
    """Seats for a shop's day (see the module doc); `per_hour` plugs in the staffing model (Erlang C)
    for the busiest hour, `peak_factor` times the average hour."""
    daily, span = dec(inquiries_per_day), dec(hours)
    uplift = dec((uplifts or PROMOTION_UPLIFT_DEFAULT).get(promotion_frequency, 0))
    volume = daily * (1 + uplift)
    per_hour_volume = volume / span if span > 0 else ZERO
    capacity = dec(seat_daily_capacity)
    if per_hour is not None:
        peak = max(Decimal(1), dec(peak_factor)).quantize(Decimal("0.01"))
        busiest = per_hour_volume * peak
        seats = max(1, int(per_hour(float(busiest))))
        calc = (
            f"{daily} × (1 + {fmt_pct(uplift, 0)}) / {span} h × {peak} = {busiest.quantize(Decimal('0.1'))} / h "
            f"→ Erlang C → {seats}"
        )
        return SeatProposal(seats, daily, per_hour_volume, uplift, capacity, "model", calc)
    if capacity <= 0:
        raise ValueError("seat capacity must be positive")
    raw = volume / capacity
    seats = max(1, math.ceil(raw))
    calc = f"⌈{daily} × (1 + {fmt_pct(uplift, 0)}) / {capacity}⌉ = ⌈{raw.quantize(Decimal('0.01'))}⌉ = {seats}"
    return SeatProposal(seats, daily, per_hour_volume, uplift, capacity, "capacity", calc)


def hours_band(hours: Any) -> int:
    """The smallest priced band of service hours a day that covers `hours`."""
    value = dec(hours)
    for band in HOURS_BANDS:
        if value <= band:
            return band
    return HOURS_BANDS[-1]


def seat_price(prices: dict[str, Any], service_type: str, hours: Any) -> Decimal:
    """The monthly price of one seat for a service type and hours a day, from a price list's data."""
    return dec(prices["seat_prices"][service_type][str(hours_band(hours))])


def term_discount(discounts: list[dict[str, Any]], term_months: int) -> Decimal:
    """The discount (a fraction) of the longest minimum term the contract reaches; 0 when none."""
    reached = [
        dec(d["rate"])
        for d in sorted(discounts or [], key=lambda d: int(d["months"]))
        if term_months >= int(d["months"])
    ]
    return reached[-1] if reached else ZERO


def term_months(start: date, end: date) -> int:
    """Whole months from start to end inclusive (2026-01-01 → 2026-12-31 is 12, 2026-01-15 → 2027-01-14 is 12)."""
    after = end + timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    if after.day < start.day:
        months -= 1
    return max(0, months)


def monthly_fees(terms: dict[str, Any]) -> dict[str, Decimal]:
    """A full month's fees of a set of terms, unrounded.

    Seats, night, weekend, discount (negative) and the service fee.
    """
    seats = dec(terms["seats"]) * dec(terms["seat_price"])
    span = service_hours(terms["hours_start"], terms["hours_end"])
    night_share = night_hours(terms["hours_start"], terms["hours_end"]) / span if span else ZERO
    night = seats * night_share * dec(terms.get("night_surcharge") or 0)
    weekend = seats * dec(terms.get("weekend_surcharge") or 0) if terms.get("weekends") else ZERO
    discount = -(seats + night + weekend) * dec(terms.get("discount") or 0)
    return {
        "seats": seats,
        "night": night,
        "weekend": weekend,
        "discount": discount,
        "service": seats + night + weekend + discount,
        "night_share": night_share,
    }


def rebate_due(actual: Decimal | None, target: Any, higher_is_better: bool) -> bool:
    """True when the month's KPI is worse than its target (at the target is met; no data is no rebate)."""
    if actual is None or target is None:
        return False
    goal = dec(target)
    return actual < goal if higher_is_better else actual > goal
