"""Scoring rules (pure): a scorecard's items, and a review's score from its item ratings.

Scoring follows the established QA tools (Zendesk QA / Klaus, MaestroQA, Playvox):

- each item has a rating scale: pass/fail (0 = fail, 1 = pass) or 3, 4 or 5 points (1..n);
- an item's score is (rating − scale minimum) / (scale maximum − scale minimum) × 100;
- the review's base score is the weight-averaged score of its standard items, N/A items left out
  (the remaining weights are re-normalised);
- a critical item scoring below 50 % sets the review to 0, or caps it at the scorecard's
  `critical_cap` when the scorecard's `critical_mode` is "cap";
- bonus items add up to their `points` each (in proportion to their item score), the sum capped
  at the scorecard's `bonus_cap`: a review can score above 100.

Scores are points on that 0–100(+bonus) scale, not fractions. Nothing here reads or writes the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.kernel.errors import FieldError, ValidationError

SCALES: dict[str, tuple[int, int]] = {"pass_fail": (0, 1), "3": (1, 3), "4": (1, 4), "5": (1, 5)}
ITEM_KINDS = ("standard", "bonus")
CRITICAL_MODES = ("zero", "cap")
CRITICAL_THRESHOLD = 50.0  # a critical item scoring below this (percent) fails the review


@dataclass(frozen=True)
class Item:
    """One scorecard item as scoring needs it."""

    id: int
    category: str
    name: str
    scale: str
    kind: str = "standard"
    weight: float = 1.0
    points: float = 0.0
    critical: bool = False
    allow_na: bool = False
    position: int = 0
    description: str = ""


@dataclass(frozen=True)
class Card:
    """A scorecard: its items and the rules for critical and bonus items."""

    id: int
    name: str
    items: tuple[Item, ...]
    critical_mode: str = "zero"
    critical_cap: float = 60.0
    bonus_cap: float = 5.0


@dataclass(frozen=True)
class Result:
    """A computed review: base, bonus, final score, the failed critical items and every item's score."""

    base: float
    bonus: float
    score: float
    critical_failed: tuple[int, ...]
    item_scores: dict[int, float | None]


def item_score(scale: str, rating: int) -> float:
    """(rating − min) / (max − min) × 100 on the item's scale."""
    low, high = SCALES[scale]
    return (rating - low) / (high - low) * 100


def rating_errors(card: Card, ratings: dict[int, int | None]) -> list[FieldError]:
    """Every problem with a set of ratings: an unrated item, N/A where not allowed, a rating off the scale.

    `ratings` holds the items the inspector rated: None is N/A (or no bonus); a standard item absent
    from it is unrated and refused by name, even where N/A is allowed (N/A is a choice, not a default).
    A bonus item absent is no bonus.
    """
    errors: list[FieldError] = []
    for item in card.items:
        present = item.id in ratings
        rating = ratings.get(item.id)
        if not present and item.kind != "bonus":
            # an item left unrated is refused, N/A or not: only a rating the inspector chose is recorded
            errors.append(FieldError(item.name, "err.qa.unrated"))
            continue
        if rating is None:
            if item.kind == "bonus" or item.allow_na:
                continue
            errors.append(FieldError(item.name, "err.qa.na_not_allowed"))
            continue
        low, high = SCALES[item.scale]
        if isinstance(rating, bool) or not isinstance(rating, int) or not low <= rating <= high:
            errors.append(FieldError(item.name, "err.qa.rating_range", {"min": low, "max": high}))
    unknown = set(ratings) - {i.id for i in card.items}
    if unknown:
        errors.append(FieldError("qa.ratings", "err.invalid_choice"))
    if not errors:
        weighted = [i for i in card.items if i.kind == "standard" and ratings.get(i.id) is not None and i.weight > 0]
        if not weighted:
            errors.append(FieldError("qa.ratings", "err.qa.all_na"))
    return errors


def compute(card: Card, ratings: dict[int, int | None]) -> Result:
    """The review's score from item ratings (None = N/A); raises ValidationError on bad ratings."""
    errors = rating_errors(card, ratings)
    if errors:
        raise ValidationError(errors)
    scores: dict[int, float | None] = {}
    weighted_sum = weight_total = bonus = 0.0
    failed: list[int] = []
    for item in card.items:
        rating = ratings.get(item.id)
        if rating is None:
            scores[item.id] = None
            continue
        value = item_score(item.scale, rating)
        scores[item.id] = value
        if item.kind == "bonus":
            bonus += item.points * value / 100
            continue
        weighted_sum += item.weight * value
        weight_total += item.weight
        if item.critical and value < CRITICAL_THRESHOLD:
            failed.append(item.id)
    base = weighted_sum / weight_total
    bonus = min(bonus, card.bonus_cap)
    score = base + bonus
    if failed:
        score = 0.0 if card.critical_mode == "zero" else min(score, card.critical_cap)
    return Result(round(base, 2), round(bonus, 2), round(score, 2), tuple(failed), scores)


def lost_points_of(card: Card, item_scores: dict[int, float | None], score: float | None = None) -> dict[int, float]:
    """Points each standard item cost the review: its weight share × (100 − its score).

    A failed critical item also carries what the critical rule took off (base − final score, split
    between the failed critical items), so the losses add up to 100 − min(base, final score): the
    chart of the items that lose most points adds these up.
    """
    scored = [i for i in card.items if i.kind == "standard" and item_scores.get(i.id) is not None]
    total = sum(i.weight for i in scored)
    if total <= 0:
        return {}
    lost = {i.id: i.weight / total * (100 - float(item_scores[i.id])) for i in scored}
    failed = [i.id for i in scored if i.critical and float(item_scores[i.id]) < CRITICAL_THRESHOLD]
    if failed and score is not None:
        base = sum(i.weight * float(item_scores[i.id]) for i in scored) / total
        penalty = max(0.0, base - score)
        for item_id in failed:
            lost[item_id] += penalty / len(failed)
    return lost
