"""QA scoring rules, by hand: item scales, weights, N/A re-normalised, critical items, bonus points."""

from __future__ import annotations

import pytest

from core.kernel.errors import ValidationError
from core.qa import scoring
from core.qa.schema import DEFAULT_ITEMS

A = scoring.Item(id=1, category="礼仪", name="服务态度", scale="5", weight=2)
B = scoring.Item(id=2, category="专业", name="订单核对", scale="pass_fail", weight=1, allow_na=True)
C = scoring.Item(id=3, category="销售", name="追单", scale="3", weight=1)
CRIT = scoring.Item(id=4, category="红线", name="争吵", scale="pass_fail", weight=1, critical=True)
CRIT3 = scoring.Item(id=5, category="红线", name="拒不认错", scale="3", weight=0, critical=True)
BONUS = scoring.Item(id=6, category="加分", name="超预期", scale="pass_fail", kind="bonus", points=4)
BONUS2 = scoring.Item(id=7, category="加分", name="主动回访", scale="4", kind="bonus", points=6)


def card(*items: scoring.Item, mode: str = "zero", cap: float = 60, bonus_cap: float = 5) -> scoring.Card:
    return scoring.Card(id=1, name="t", items=items, critical_mode=mode, critical_cap=cap, bonus_cap=bonus_cap)


def keys(exc: pytest.ExceptionInfo) -> set[tuple[str, str]]:
    return {(e.field, e.key) for e in exc.value.errors}


@pytest.mark.parametrize(
    "scale,rating,expected",
    [
        ("pass_fail", 1, 100.0),
        ("pass_fail", 0, 0.0),
        ("3", 2, 50.0),
        ("3", 1, 0.0),
        ("4", 2, 100 / 3),
        ("5", 4, 75.0),
        ("5", 5, 100.0),
    ],
)
def test_item_score_is_the_rating_placed_on_its_scale(scale, rating, expected):
    assert scoring.item_score(scale, rating) == pytest.approx(expected)


def test_review_score_is_the_weight_averaged_item_score():
    # A: 4 of 5 → 75, weight 2; B: fail → 0, weight 1; C: 3 of 3 → 100, weight 1 → (150 + 0 + 100) / 4
    result = scoring.compute(card(A, B, C), {1: 4, 2: 0, 3: 3})
    assert result.base == 62.5 and result.score == 62.5 and result.bonus == 0


def test_na_items_are_left_out_and_the_weights_renormalised():
    # B is N/A: (2 × 75 + 1 × 100) / 3 = 83.33
    result = scoring.compute(card(A, B, C), {1: 4, 2: None, 3: 3})
    assert result.score == 83.33
    assert result.item_scores[2] is None


def test_na_where_the_item_does_not_allow_it_is_refused():
    with pytest.raises(ValidationError) as caught:
        scoring.compute(card(A, B, C), {1: None, 2: 1, 3: 3})
    assert keys(caught) == {("服务态度", "err.qa.na_not_allowed")}


def test_a_missing_rating_and_a_rating_off_the_scale_are_each_reported():
    with pytest.raises(ValidationError) as caught:
        scoring.compute(card(A, B, C), {1: 6, 2: 1})
    assert keys(caught) == {("服务态度", "err.qa.rating_range"), ("追单", "err.qa.unrated")}
    assert caught.value.errors[0].params == {"min": 1, "max": 5}


def test_an_unrated_item_is_refused_by_name_even_where_na_is_allowed():
    # B allows N/A, but N/A is chosen, never assumed: leaving B out is refused, naming it
    with pytest.raises(ValidationError) as caught:
        scoring.compute(card(A, B, C), {1: 4, 3: 3})
    assert keys(caught) == {("订单核对", "err.qa.unrated")}
    assert scoring.compute(card(A, B, C), {1: 4, 2: None, 3: 3}).score == 83.33  # chosen N/A is fine


def test_true_is_not_a_rating():
    with pytest.raises(ValidationError):
        scoring.compute(card(A, B), {1: True, 2: 1})


def test_a_review_with_every_weighted_item_na_is_refused():
    with pytest.raises(ValidationError) as caught:
        scoring.compute(card(B, CRIT3), {2: None, 5: 3})
    assert keys(caught) == {("qa.ratings", "err.qa.all_na")}


def test_a_failed_critical_item_sets_the_review_to_zero():
    result = scoring.compute(card(A, C, CRIT), {1: 5, 3: 3, 4: 0})
    assert result.base == 75.0  # (2×100 + 100 + 0) / 4
    assert result.score == 0.0 and result.critical_failed == (4,)


def test_a_critical_item_at_exactly_half_does_not_fail():
    result = scoring.compute(card(A, CRIT3), {1: 5, 5: 2})  # 2 of 3 → 50 %, weight 0: gate only
    assert result.critical_failed == () and result.score == 100.0


def test_a_critical_item_below_half_fails_even_with_weight_zero():
    result = scoring.compute(card(A, CRIT3), {1: 5, 5: 1})
    assert result.critical_failed == (5,) and result.score == 0.0 and result.base == 100.0


def test_cap_mode_caps_a_critical_failure_instead_of_zeroing_it():
    capped = scoring.compute(card(A, C, CRIT, mode="cap", cap=60), {1: 5, 3: 3, 4: 0})
    assert capped.score == 60.0  # base 75 capped at 60
    low = scoring.compute(card(A, C, CRIT, mode="cap", cap=60), {1: 1, 3: 1, 4: 0})
    assert low.score == 0.0  # already below the cap: stays as it is


def test_bonus_points_add_above_the_base_in_proportion_and_capped():
    # base 100; bonus: pass → 4 points; 3 of 4 → 6 × 66.67 % = 4 points; 8 capped at 5
    result = scoring.compute(card(A, BONUS, BONUS2, bonus_cap=5), {1: 5, 6: 1, 7: 3})
    assert result.base == 100.0 and result.bonus == 5.0 and result.score == 105.0
    small = scoring.compute(card(A, BONUS, bonus_cap=5), {1: 4, 6: 1})
    assert small.score == 79.0  # 75 + 4


def test_bonus_items_may_be_left_unrated_and_never_count_in_the_average():
    result = scoring.compute(card(A, BONUS), {1: 4})
    assert result.base == 75.0 and result.bonus == 0.0


def test_a_critical_failure_zeroes_the_bonus_too():
    assert scoring.compute(card(A, CRIT, BONUS), {1: 5, 4: 0, 6: 1}).score == 0.0


def test_lost_points_per_item_add_up_to_what_the_base_lost():
    c = card(A, B, C)
    result = scoring.compute(c, {1: 4, 2: 0, 3: 2})  # base (150 + 0 + 50) / 4 = 50
    lost = scoring.lost_points_of(c, result.item_scores)
    assert lost == pytest.approx({1: 2 / 4 * 25, 2: 1 / 4 * 100, 3: 1 / 4 * 50})
    assert sum(lost.values()) == pytest.approx(100 - result.base)


def test_a_failed_critical_item_carries_what_the_critical_rule_took_off():
    c = card(A, C, CRIT)
    result = scoring.compute(c, {1: 5, 3: 2, 4: 0})  # base (200 + 50 + 0) / 4 = 62.5, zeroed
    lost = scoring.lost_points_of(c, result.item_scores, result.score)
    assert lost == pytest.approx({1: 0.0, 3: 12.5, 4: 25.0 + 62.5})
    assert sum(lost.values()) == pytest.approx(100.0)
    capped = card(A, C, CRIT, mode="cap", cap=60)
    result = scoring.compute(capped, {1: 5, 3: 3, 4: 0})  # base 75 capped at 60: the critical item carries 15 more
    assert scoring.lost_points_of(capped, result.item_scores, result.score)[4] == pytest.approx(25.0 + 15.0)


def test_our_default_scorecard_weights_add_up_to_100_and_it_has_critical_and_bonus_items():
    standard = [i for i in DEFAULT_ITEMS if i[3] == "standard"]
    assert sum(i[4] for i in standard) == 100
    assert {i[1] for i in DEFAULT_ITEMS if i[6]} == {"与买家争吵或嘲讽买家", "拒不承认错误"}
    assert [i[1] for i in DEFAULT_ITEMS if i[3] == "bonus"] == ["超出预期的服务"]
    names = {i[1] for i in DEFAULT_ITEMS}
    assert {
        "响应速度",
        "欢迎语与结束语",
        "产品解答准确",
        "话术使用",
        "服务态度",
        "订单信息核对",
        "推荐与关联销售",
        "追单",
    } <= names
