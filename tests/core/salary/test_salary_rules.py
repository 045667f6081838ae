"""The arithmetic of pay, with hand-computed figures: commission tiers, rounding, achievement, points, score, grades,
limits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.salary import rules

TIERS = [{"from": 0, "rate": 0.005}, {"from": 100000, "rate": 0.008}]


def test_marginal_tiers_150k_pay_500_plus_400():
    amount, parts = rules.commission(150000, "tiers", tiers=TIERS)
    assert amount == Decimal("900.00")
    assert [(p.base, p.amount) for p in parts] == [
        (Decimal(100000), Decimal("500.00")),
        (Decimal(50000), Decimal("400.00")),
    ]


@pytest.mark.parametrize(
    "sales,expected",
    [
        ("100000", "500.00"),  # exactly at the boundary: all of it in the first tier
        ("99999.99", "500.00"),  # 499.99995 rounds half up to 500.00
        ("100000.01", "500.00"),  # 0.01 × 0.8 % = 0.00008 → 0.00
        ("100001", "500.01"),  # 1 × 0.8 % = 0.008 → 0.01
        ("100062.50", "500.50"),  # 62.50 × 0.8 % = 0.50
        ("0", "0.00"),
    ],
)
def test_tiers_at_their_boundaries(sales, expected):
    assert rules.commission(Decimal(sales), "tiers", tiers=TIERS)[0] == Decimal(expected)


def test_tiers_given_in_any_order_are_sorted_by_their_start():
    assert rules.commission(150000, "tiers", tiers=list(reversed(TIERS)))[0] == Decimal("900.00")


def test_flat_rate_is_rate_times_sales_rounded_to_the_fen():
    assert rules.commission(Decimal("12345.67"), "flat", rate=0.01)[0] == Decimal("123.46")  # 123.4567


def test_higher_is_better_achievement_is_actual_over_target_capped():
    assert rules.achievement(Decimal("0.30"), Decimal("0.25"), True, 1.2) == (Decimal("1.2"), Decimal("1.2"))
    raw, capped = rules.achievement(Decimal("0.20"), Decimal("0.25"), True, 1.2)
    assert raw == capped == Decimal("0.8")
    raw, capped = rules.achievement(150000, 90000, True, 1.2)
    assert raw > Decimal("1.66") and capped == Decimal("1.2")


def test_lower_is_better_achievement_is_target_over_actual():
    assert rules.achievement(40, 30, False, 1.2) == (Decimal("0.75"), Decimal("0.75"))
    raw, capped = rules.achievement(20, 30, False, 1.2)
    assert raw == Decimal("1.5") and capped == Decimal("1.2")
    assert rules.achievement(0, 30, False, 1.2) == (Decimal("1.2"), Decimal("1.2"))  # no wait at all reaches the cap


def test_points_in_tiers_at_their_boundaries():
    tiers = [{"from": 1.0, "points": 100}, {"from": 0.9, "points": 90}, {"from": 0.6, "points": 60}]
    assert rules.points(Decimal("0.9"), "tiers", tiers) == 90
    assert rules.points(Decimal("0.8999"), "tiers", tiers) == 60
    assert rules.points(Decimal("1.2"), "tiers", tiers) == 100
    assert rules.points(Decimal("0.5999"), "tiers", tiers) == 0


def test_linear_points_are_capped_achievement_times_100():
    assert rules.points(Decimal("0.75"), "linear") == Decimal("75.00")


def test_score_is_the_weighted_sum_kept_within_0_and_100():
    assert rules.kpi_score([(0.5, 120), (0.5, 75)]) == (Decimal("97.5"), Decimal("97.50"))
    assert rules.kpi_score([(0.5, 120), (0.5, 110)])[1] == Decimal("100.00")
    assert rules.kpi_score([(Decimal(1) / 3, 100), (Decimal(2) / 3, 50)])[1] == Decimal("66.67")


@pytest.mark.parametrize(
    "score,grade",
    [(100, "gold"), (90, "gold"), ("89.99", "silver"), (80, "silver"), (70, "bronze"), ("69.99", None), (0, None)],
)
def test_grades_gold_from_90_silver_from_80_bronze_from_70(score, grade):
    assert rules.grade(Decimal(str(score)), {"gold": 90, "silver": 80, "bronze": 70}) == grade


def test_deduction_cap_gives_back_the_excess_only():
    assert rules.deduction_refund(270, 100) == Decimal("170.00")
    assert rules.deduction_refund(80, 100) == Decimal("0.00")
    assert rules.deduction_refund(270, None) == Decimal("0.00")


def test_floor_tops_up_and_cap_cuts_down_the_total():
    assert rules.total_adjustment(Decimal("2400.50"), 2690, None) == Decimal("289.50")
    assert rules.total_adjustment(Decimal("9000"), 0, 8000) == Decimal("-1000.00")
    assert rules.total_adjustment(Decimal("5000"), 2690, 8000) == Decimal("0.00")
