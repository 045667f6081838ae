"""The arithmetic of pay (pure, no store): commission, KPI achievement and score, grades, limits.

Money is `Decimal` throughout and every amount a statement shows is rounded to the fen
(2 decimals, ROUND_HALF_UP, by `core.kernel.money`), so what an agent adds up on paper is what
payroll pays:

- commission: a flat rate on attributed sales, or marginal tiers (each tier's rate on the part of
  the sales inside it: 0.5 % up to 100 000, 0.8 % above → 150 000 gives 500.00 + 400.00). Each
  tier's amount is rounded to the fen and the commission is the sum of the rounded parts;
- achievement: actual / target when higher is better, target / actual when lower is better
  (response times), capped (default 120 %); a lower-is-better actual of 0 reaches the cap;
- points of a KPI: linear (capped achievement × 100) or from tiers (the points of the highest tier
  whose threshold the capped achievement reaches, else 0);
- KPI score: Σ weight × points, kept between 0 and 100 (the cap lets one KPI above target make up
  for another below it, never lifts the score over 100);
- grade: gold from 90, silver from 80, bronze from 70 (thresholds are scheme settings).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.kernel.money import FEN, HUNDRED, ZERO, dec, money, round_to

GRADES = ("gold", "silver", "bronze")


# --- commission ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TierPart:
    """The part of the sales inside one commission tier and what it earns (rounded to the fen)."""

    lower: Decimal
    upper: Decimal | None
    rate: Decimal
    base: Decimal
    amount: Decimal


def commission(sales: Any, mode: str, rate: Any = 0, tiers: list[dict] | None = None) -> tuple[Decimal, list[TierPart]]:
    """The commission on `sales`: flat (`rate` × sales) or marginal tiers [{"from": yuan, "rate": fraction}, ...]."""
    amount = dec(sales)
    if amount <= 0:
        return ZERO.quantize(FEN), []
    if mode == "flat":
        part = TierPart(ZERO, None, dec(rate), amount, money(amount * dec(rate)))
        return part.amount, [part]
    ordered = sorted(tiers or [], key=lambda t: dec(t["from"]))
    parts: list[TierPart] = []
    for index, tier in enumerate(ordered):
        lower = dec(tier["from"])
        upper = dec(ordered[index + 1]["from"]) if index + 1 < len(ordered) else None
        if amount <= lower:
            break
        inside = (min(amount, upper) if upper is not None else amount) - lower
        parts.append(TierPart(lower, upper, dec(tier["rate"]), inside, money(inside * dec(tier["rate"]))))
    return sum((p.amount for p in parts), ZERO).quantize(FEN), parts


# --- KPI achievement, points, score, grade ---------------------------------------------------------------


def achievement(actual: Any, target: Any, higher_is_better: bool, cap: Any) -> tuple[Decimal, Decimal]:
    """(achievement, capped achievement); the target must be positive (checked by the caller)."""
    goal, limit = dec(target), dec(cap)
    value = dec(actual)
    if higher_is_better:
        raw = value / goal
    else:
        raw = limit if value <= 0 else goal / value
    return raw, min(raw, limit)


def points(capped: Decimal, scoring: str, tiers: list[dict] | None = None) -> Decimal:
    """A KPI's points: linear (capped achievement × 100) or the points of the highest tier reached."""
    if scoring == "linear":
        return capped * HUNDRED
    reached = [dec(t["points"]) for t in (tiers or []) if capped >= dec(t["from"])]
    return max(reached) if reached else ZERO


def kpi_score(weighted: list[tuple[Any, Any]]) -> tuple[Decimal, Decimal]:
    """(Σ weight × points, the score kept within 0–100 and rounded to 2 decimals)."""
    total = sum((dec(w) * dec(p) for w, p in weighted), ZERO)
    return total, round_to(max(ZERO, min(HUNDRED, total)))


def grade(score: Any, thresholds: dict[str, Any]) -> str | None:
    """gold / silver / bronze by the scheme's lower bounds (90 / 80 / 70 by default), else None."""
    value = dec(score)
    for name in GRADES:
        if value >= dec(thresholds[name]):
            return name
    return None


# --- limits ----------------------------------------------------------------------------------------------


def deduction_refund(deductions: Any, cap: Any | None) -> Decimal:
    """What is given back when the month's deductions (a positive sum) exceed the cap; 0 without a cap."""
    if cap is None:
        return ZERO.quantize(FEN)
    excess = dec(deductions) - dec(cap)
    return money(excess) if excess > 0 else ZERO.quantize(FEN)


def total_adjustment(total: Any, floor: Any | None, cap: Any | None) -> Decimal:
    """The adjustment that brings a total up to the floor (+) or down to the cap (−); 0 inside the limits."""
    value = dec(total)
    if floor is not None and value < dec(floor):
        return money(dec(floor) - value)
    if cap is not None and value > dec(cap):
        return money(dec(cap) - value)
    return ZERO.quantize(FEN)
