"""From chat volume to headcount (人力测算): forecast, Erlang C, concurrency, shrinkage, the surge rules.

Pure arithmetic, no store: the schedule modules (`shift_settings`, `coverage`, `surge`) feed it
numbers read from the store; the staffing page's tables (volume per day, mean per weekday and hour,
the forecast's figures and grid, the surge peak per day) are computed here too.

- Volume: inquiries (chats started: a buyer's first message of the day) per date and hour.
- Forecast: the seasonal average by weekday and hour over the history, promotion days left out
  of the baseline; a promotion day is the baseline × (1 + uplift), the uplift entered by the
  manager or else learned from past promotions (their volume against the baseline of the same
  weekdays and hours).
- Required agents per hour: Erlang C (our own, a few lines below) on the hour's inquiries with the
  effective handling time AHT ÷ concurrency factor (one agent handles several chats at once;
  factors 1, 1.7, 2.5, 2.9, 3.5 for 1–5 simultaneous chats), the target fast-reply rate as the
  service level within the target seconds, a maximum occupancy, then grossed up for shrinkage
  (breaks, training, absence): positions = ceil(raw ÷ (1 − shrinkage)).
  The search starts at the smallest stable headcount, floor(traffic) + 1 (pyworkforce 0.5.1,
  used before, started at round(traffic + 1) and so skipped it), and the occupancy bound and the
  shrinkage are computed in exact fractions of the inputs as written (21 ÷ 0.7 is 30, not the
  float 30.000000000000004 whose ceiling is 31).
- Surge plan: a rise of up to +30 % needs at least 3 days' notice, up to +60 % at least 7;
  beyond +60 % is outside the plan. The extra agents per hour come from the reserve (kept at
  0.5 × required: the 1:1.5 rule); what the reserve cannot cover is a shortfall.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from numbers import Real
from typing import Any

import pandas as pd

DEFAULT_CONCURRENCY_FACTORS: tuple[float, ...] = (1.0, 1.7, 2.5, 2.9, 3.5)
# (rise up to, days of notice needed): the surge plan of the process
NOTICE_RULES: tuple[tuple[Decimal, int], ...] = ((Decimal("0.30"), 3), (Decimal("0.60"), 7))
RESERVE_RATIO = Decimal("0.5")  # reserve = 0.5 × required (the 1:1.5 rule)


@dataclass(frozen=True)
class StaffingModel:
    """The inputs of the headcount model of one project (a row of schedule settings)."""

    aht_s: float = 240.0  # average handling time of one chat, seconds
    concurrency: int = 3  # chats one agent handles at once
    target_rate: float = 0.80  # share of inquiries answered within target_s (the fast-reply rate)
    target_s: float = 30.0
    shrinkage: float = 0.30
    max_occupancy: float = 0.85
    concurrency_factors: tuple[float, ...] = field(default=DEFAULT_CONCURRENCY_FACTORS)


def concurrency_factor(concurrency: int, factors: Sequence[float] = DEFAULT_CONCURRENCY_FACTORS) -> float:
    """How many chats' worth of work one agent does at `concurrency` simultaneous chats (1 → 1, 3 → 2.5)."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    return float(factors[min(concurrency, len(factors)) - 1])


def effective_aht(aht_s: float, concurrency: int, factors: Sequence[float] = DEFAULT_CONCURRENCY_FACTORS) -> float:
    """The handling time one chat costs an agent who handles several at once: AHT ÷ concurrency factor."""
    return aht_s / concurrency_factor(concurrency, factors)


def _exact(value: Real | Decimal) -> Fraction:
    """A number as the exact fraction it was written as: a float by its shortest repr (0.7 → 7/10)."""
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def waiting_probability(agents: int, traffic: float) -> float:
    """Erlang C: the chance a contact waits, with `agents` serving `traffic` erlangs (1 when agents ≤ traffic)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    blocking = 1.0  # Erlang B by its recursion, B(0) = 1: stable where factorials overflow
    for k in range(1, agents + 1):
        blocking = traffic * blocking / (k + traffic * blocking)
    return agents * blocking / (agents - traffic * (1 - blocking))


def service_level(agents: int, traffic: float, aht_s: float, target_s: float) -> float:
    """The share of contacts answered within `target_s` with `agents` on `traffic` erlangs (0 when unstable)."""
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    return max(0.0, 1 - waiting_probability(agents, traffic) * math.exp(-(agents - traffic) * target_s / aht_s))


def erlang_c(
    contacts: float,
    interval_s: float,
    aht_s: float | Fraction,
    target_rate: float,
    target_s: float,
    shrinkage: float = 0.0,
    max_occupancy: float = 1.0,
) -> dict[str, Any]:
    """Agents needed for `contacts` arriving in `interval_s` (Erlang C): raw (on the phones) and with shrinkage.

    raw is the fewest agents, above the traffic, that answer `target_rate` of contacts within
    `target_s` and are busy at most `max_occupancy` of the time; positions = ceil(raw ÷ (1 −
    shrinkage)). The published example: 100 contacts in 30 minutes, AHT 180 s, 80 % answered
    within 20 s → 14 agents, 20 with 30 % shrinkage. No contacts need no agents.
    """
    if not 0 <= target_rate <= 1:
        raise ValueError("target_rate must be in [0, 1]")
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage must be in [0, 1)")
    if not 0 < max_occupancy <= 1:
        raise ValueError("max_occupancy must be in (0, 1]")
    if aht_s <= 0 or interval_s <= 0 or target_s < 0:
        raise ValueError("aht_s and interval_s must be positive, target_s not negative")
    if contacts <= 0:
        return {"raw_positions": 0, "positions": 0, "service_level": 1.0, "occupancy": 0.0, "waiting_probability": 0.0}
    exact_traffic = _exact(contacts) * _exact(aht_s) / _exact(interval_s)
    traffic, aht, target = float(exact_traffic), float(aht_s), float(target_s)
    agents = math.floor(exact_traffic) + 1  # the fewest agents with which the queue does not grow without end
    while service_level(agents, traffic, aht, target) < target_rate:
        agents += 1
    raw = max(agents, math.ceil(exact_traffic / _exact(max_occupancy)))
    return {
        "raw_positions": raw,
        "positions": math.ceil(raw / (1 - _exact(shrinkage))),
        "service_level": service_level(raw, traffic, aht, target),
        "occupancy": traffic / raw,
        "waiting_probability": waiting_probability(raw, traffic),
    }


def agents_for_hour(inquiries: float, model: StaffingModel) -> int:
    """Agents to staff an hour with `inquiries` chats starting in it, shrinkage included."""
    # the effective handling time as an exact fraction, so an hour whose traffic is a whole number of erlangs stays one
    aht = _exact(model.aht_s) / _exact(concurrency_factor(model.concurrency, model.concurrency_factors))
    return int(
        erlang_c(inquiries, 3600, aht, model.target_rate, model.target_s, model.shrinkage, model.max_occupancy)[
            "positions"
        ]
    )


def required_by_hour(forecast: dict[tuple[date, int], float], model: StaffingModel) -> dict[tuple[date, int], int]:
    """(day, hour) → agents needed, for every forecast hour."""
    cache: dict[float, int] = {}
    result = {}
    for key, volume in forecast.items():
        rounded = round(volume, 3)
        if rounded not in cache:
            cache[rounded] = agents_for_hour(rounded, model)
        result[key] = cache[rounded]
    return result


# --- forecast --------------------------------------------------------------------------------------------


def baseline(
    history: dict[tuple[date, int], float], promotion_days: Iterable[date] = ()
) -> dict[tuple[int, int], float]:
    """(weekday, hour) → mean inquiries over the history's days of that weekday, promotion days left out.

    Every non-promotion day of the history counts for each weekday it is (an hour without chats on
    a day with data is a zero, not a gap).
    """
    promos = set(promotion_days)
    days = sorted({d for d, _h in history} - promos)
    per_weekday: dict[int, int] = {}
    for day in days:
        per_weekday[day.weekday()] = per_weekday.get(day.weekday(), 0) + 1
    sums: dict[tuple[int, int], float] = {}
    for (day, hour), volume in history.items():
        if day in promos:
            continue
        key = (day.weekday(), hour)
        sums[key] = sums.get(key, 0.0) + volume
    return {key: total / per_weekday[key[0]] for key, total in sums.items()}


def learned_uplift(history: dict[tuple[date, int], float], promotion_days: Iterable[date]) -> float | None:
    """How much busier past promotion days were than the baseline of their weekdays (0.4 = +40 %); None without any."""
    promos = sorted(set(promotion_days) & {d for d, _h in history})
    base = baseline(history, promos)
    actual = expected = 0.0
    for day in promos:
        day_base = sum(v for (weekday, _h), v in base.items() if weekday == day.weekday())
        if day_base <= 0:
            continue
        actual += sum(v for (d, _h), v in history.items() if d == day)
        expected += day_base
    if expected <= 0:
        return None
    return actual / expected - 1


def forecast(
    history: dict[tuple[date, int], float],
    start: date,
    days: int,
    hours: Iterable[int],
    promotions: dict[date, float] | None = None,
    past_promotion_days: Iterable[date] = (),
) -> dict[tuple[date, int], float]:
    """(day, hour) → expected inquiries for `days` days from `start`.

    `promotions` maps a coming promotion day to its expected rise (a fraction), or to None when
    the rise is to be learned from `past_promotion_days` (no past promotion: no rise).
    """
    promotions = promotions or {}
    past = list(past_promotion_days)
    base = baseline(history, past)
    learned = learned_uplift(history, past) if any(v is None for v in promotions.values()) else None
    hours = list(hours)
    result = {}
    for offset in range(days):
        day = start + timedelta(days=offset)
        rise = 0.0
        if day in promotions:
            rise = promotions[day] if promotions[day] is not None else (learned or 0.0)
        for hour in hours:
            result[(day, hour)] = base.get((day.weekday(), hour), 0.0) * (1 + rise)
    return result


# --- surge plan ---------------------------------------------------------------------------------------


def notice_needed(rise: float) -> int | None:
    """Days of notice a rise needs: ≤ 30 % → 3, ≤ 60 % → 7; None beyond 60 % (outside the plan)."""
    value = Decimal(str(rise))
    for limit, days in NOTICE_RULES:
        if value <= limit:
            return days
    return None


def check_notice(rise: float, announced_on: date, starts_on: date) -> dict[str, Any]:
    """The notice rule on a promotion: {needed, given, ok, beyond_plan}."""
    needed = notice_needed(rise)
    given = (starts_on - announced_on).days
    return {
        "needed": needed,
        "given": given,
        "ok": needed is not None and given >= needed,
        "beyond_plan": needed is None,
    }


def reserve_target(required: int) -> int:
    """The reserve a project keeps: 0.5 × required, rounded up."""
    return math.ceil(Decimal(required) * RESERVE_RATIO)


def extra_agents(base: dict[tuple[date, int], int], surged: dict[tuple[date, int], int]) -> dict[tuple[date, int], int]:
    """(day, hour) → agents needed beyond the normal requirement during a surge."""
    return {key: max(0, surged.get(key, 0) - base.get(key, 0)) for key in surged}


# --- tables for the staffing page -----------------------------------------------------------------------------


def _volume_frame(history: dict[tuple[date, int], float]) -> pd.DataFrame:
    frame = pd.DataFrame([{"day": d, "hour": h, "n": n} for (d, h), n in history.items()])
    frame["weekday"] = pd.to_datetime(frame["day"]).dt.day_of_week
    return frame


def daily_volume(history: dict[tuple[date, int], float]) -> list[tuple[date, float]]:
    """(day, inquiries of the day) for each day of a (non-empty) history, oldest first."""
    per_day = _volume_frame(history).groupby("day", as_index=False)["n"].sum()
    return list(zip(per_day["day"], per_day["n"].tolist(), strict=True))


def weekday_hour_means(history: dict[tuple[date, int], float]) -> tuple[list[int], list[list[float]]]:
    """(hours, grid) of a (non-empty) history: mean inquiries per weekday (rows Monday..Sunday) and hour.

    The hours are the history's, in order. The mean of a weekday is over the history's days of
    that weekday (a missing hour on such a day counts as 0); a weekday without any day has zeros.
    Unlike `baseline`, promotion days count. Summed as pandas sums, so figures shown stay the same.
    """
    frame = _volume_frame(history)
    days_per_weekday = frame.groupby("weekday")["day"].nunique()
    grid = (
        frame.groupby(["weekday", "hour"])["n"]
        .sum()
        .unstack(fill_value=0)
        .div(days_per_weekday, axis=0)
        .reindex(range(7))
        .fillna(0)
    )
    return [int(h) for h in grid.columns], grid.to_numpy(dtype=float).tolist()


def forecast_table(volume: dict[tuple[date, int], float], need: dict[tuple[date, int], int]) -> list[dict[str, Any]]:
    """One row per forecast hour: {day (ISO), hour, volume (rounded to 0.1), agents needed}."""
    return [
        {"day": day.isoformat(), "hour": hour, "volume": round(value, 1), "agents": need[(day, hour)]}
        for (day, hour), value in volume.items()
    ]


def forecast_totals(table: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of a (non-empty) `forecast_table`: total inquiries (of the rounded hours, summed per day,
    then over the days), the peak agents of an hour, and the agent-hours."""
    frame = pd.DataFrame(table)
    daily = frame.groupby("day", as_index=False).agg(volume=("volume", "sum"), peak=("agents", "max"))
    return {
        "volume": float(daily["volume"].sum()),
        "peak": int(daily["peak"].max()),
        "agent_hours": int(frame["agents"].sum()),
    }


def need_grid(table: list[dict[str, Any]]) -> tuple[list[date], list[int], list[list[int | None]]]:
    """(days, hours, grid): agents needed per day (rows, in order) and hour (columns, in order); None where no row."""
    days = sorted({row["day"] for row in table})
    hours = sorted({row["hour"] for row in table})
    cells = {(row["day"], row["hour"]): row["agents"] for row in table}
    grid = [[cells.get((day, hour)) for hour in hours] for day in days]
    return [date.fromisoformat(day) for day in days], hours, grid


def peak_by_day(peak: dict[str, dict[str, int]]) -> list[tuple[str, dict[str, int]]]:
    """(day, {shift: extra agents}) for each day of a surge plan's peak, every shift given (0 where none)."""
    days = sorted(set().union(*(set(per_day) for per_day in peak.values())))
    return [(day, {shift: per_day.get(day, 0) for shift, per_day in peak.items()}) for day in days]
