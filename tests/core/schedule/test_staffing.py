"""Volume to headcount: Erlang C against published values, concurrency, shrinkage, forecast, the surge notice rules."""

from __future__ import annotations

import math
from datetime import date, timedelta
from fractions import Fraction

import pytest

from core.schedule import staffing
from core.schedule.staffing import StaffingModel

# --- Erlang C ---------------------------------------------------------------------------------


def test_erlang_c_reproduces_the_published_example_14_agents_20_with_shrinkage():
    # 100 contacts per 30 minutes, AHT 180 s, 80 % answered within 20 s
    plain = staffing.erlang_c(100, 1800, 180, 0.80, 20)
    assert plain["raw_positions"] == 14
    assert plain["service_level"] >= 0.80
    with_shrinkage = staffing.erlang_c(100, 1800, 180, 0.80, 20, shrinkage=0.30)
    assert with_shrinkage["raw_positions"] == 14
    assert with_shrinkage["positions"] == 20  # ceil(14 / 0.7)


def test_erlang_c_one_agent_fewer_misses_the_service_level():
    traffic = 100 * 180 / 1800  # 10 erlangs
    assert staffing.service_level(13, traffic, 180, 20) < 0.80 <= staffing.service_level(14, traffic, 180, 20)
    assert _reference_service_level(13, traffic, 180, 20) < 0.80 <= _reference_service_level(14, traffic, 180, 20)


def test_the_fewest_stable_agents_are_tried_first():
    # 30 chats an hour of 60 s = 0.5 erlang: one agent answers 1 − 0.5 × e^(−0.5 × 30/60) = 61.1 % within 30 s
    # (pyworkforce 0.5.1 started at round(0.5 + 1) = 2 and said 2)
    assert staffing.service_level(1, 0.5, 60, 30) == pytest.approx(1 - 0.5 * math.exp(-0.25))
    assert staffing.erlang_c(30, 3600, 60, 0.60, 30)["raw_positions"] == 1
    assert (
        staffing.agents_for_hour(
            30, StaffingModel(aht_s=60, concurrency=1, target_rate=0.6, target_s=30, shrinkage=0.0, max_occupancy=1.0)
        )
        == 1
    )


def test_shrinkage_is_exact_21_agents_at_30_percent_are_30_positions_not_31():
    # 330 contacts an hour × 180 s = 16.5 erlangs → 21 agents for 80 % within 20 s; 21 / 0.7 = 30 exactly
    plain = staffing.erlang_c(330, 3600, 180, 0.80, 20)
    assert plain["raw_positions"] == 21 == _reference_agents(330, 180, 0.80, 20)
    assert staffing.erlang_c(330, 3600, 180, 0.80, 20, shrinkage=0.30)["positions"] == 30
    assert (
        staffing.agents_for_hour(
            330, StaffingModel(aht_s=180, concurrency=1, target_rate=0.8, target_s=20, shrinkage=0.3, max_occupancy=1.0)
        )
        == 30
    )


def test_an_occupancy_bound_on_a_whole_number_is_not_rounded_up_by_float_error():
    # 17 erlangs at 85 % occupancy: 17 / 0.85 = 20 exactly (the float division gives 20.000000000000004)
    assert staffing.erlang_c(340, 3600, 180, 0.0, 30, max_occupancy=0.85)["raw_positions"] == 20
    # 360 s at 1.7 chats = 211.76… s: 17 chats an hour are exactly 1 erlang, the bound at 50 % is 2 agents
    model = StaffingModel(aht_s=360, concurrency=2, target_rate=0.0, target_s=30, shrinkage=0.0, max_occupancy=0.5)
    assert staffing.agents_for_hour(17, model) == 2


# a straightforward Erlang C, written out from the textbook formula, to check the app's against


def _reference_service_level(agents: int, traffic: float, aht: float, target_s: float) -> float:
    """P(wait) = (Aᴺ/N! · N/(N−A)) / (Σₖ₌₀ᴺ⁻¹ Aᵏ/k! + Aᴺ/N! · N/(N−A)); SL = 1 − P(wait) · e^(−(N−A)·t/AHT)."""
    total, term = 0.0, 1.0
    for k in range(agents):
        total += term  # A^k / k!
        term *= traffic / (k + 1)
    top = term * agents / (agents - traffic)
    return 1 - top / (total + top) * math.exp(-(agents - traffic) * target_s / aht)


def _reference_agents(
    contacts: float, aht: Fraction, rate: float, target_s: float, max_occupancy: float = 1.0, interval: int = 3600
) -> int:
    """The fewest agents, trying 1, 2, 3, …

    With more agents than erlangs, the service level met and occupancy ≤ the bound.
    """
    traffic = Fraction(contacts) * Fraction(aht) / interval
    agents = 1
    while not (
        agents > traffic
        and _reference_service_level(agents, float(traffic), float(aht), target_s) >= rate
        and traffic / agents <= Fraction(str(max_occupancy))
    ):
        agents += 1
    return agents


def _reference_positions(raw: int, shrinkage: float) -> int:
    """The fewest positions whose share left after shrinkage covers the raw agents."""
    positions = raw
    while positions * (1 - Fraction(str(shrinkage))) < raw:
        positions += 1
    return positions


def test_erlang_c_agrees_with_the_textbook_formula_over_a_grid_of_hours():
    factors = dict(enumerate(staffing.DEFAULT_CONCURRENCY_FACTORS, start=1))
    disagreements, checked = [], 0
    for aht_s in (60, 180, 240):
        for concurrency in (1, 3):
            aht = Fraction(aht_s) / Fraction(str(factors[concurrency]))
            for rate in (0.6, 0.8, 0.9):
                for occupancy in (0.85, 1.0):
                    for contacts in range(1, 361):
                        raw = _reference_agents(contacts, aht, rate, 30, occupancy)
                        for shrinkage in (0.0, 0.3):
                            model = StaffingModel(
                                aht_s=aht_s,
                                concurrency=concurrency,
                                target_rate=rate,
                                target_s=30,
                                shrinkage=shrinkage,
                                max_occupancy=occupancy,
                            )
                            expected = _reference_positions(raw, shrinkage)
                            checked += 1
                            if staffing.agents_for_hour(contacts, model) != expected:
                                disagreements.append(
                                    (contacts, aht_s, concurrency, rate, occupancy, shrinkage, expected)
                                )
    assert checked == 25_920
    assert disagreements == []


def test_no_contacts_need_no_agents():
    assert staffing.erlang_c(0, 3600, 180, 0.8, 20)["positions"] == 0
    assert staffing.agents_for_hour(0, StaffingModel()) == 0


def test_shrinkage_grosses_up_the_raw_agents_rounding_up():
    raw = staffing.erlang_c(100, 1800, 180, 0.80, 20)["raw_positions"]
    for shrinkage in (0.0, 0.1, 0.25, 0.35):
        result = staffing.erlang_c(100, 1800, 180, 0.80, 20, shrinkage=shrinkage)
        assert result["positions"] == math.ceil(raw / (1 - shrinkage))


def test_max_occupancy_raises_the_agents_when_they_would_be_too_busy():
    # 400 contacts/h × 180 s = 20 erlangs: at 85 % occupancy at least ceil(20 / 0.85) = 24 agents
    assert staffing.erlang_c(400, 3600, 180, 0.5, 60, max_occupancy=0.85)["raw_positions"] == 24
    assert staffing.erlang_c(400, 3600, 180, 0.5, 60)["raw_positions"] < 24


# --- concurrency -------------------------------------------------------------------------------


@pytest.mark.parametrize("chats,factor", [(1, 1.0), (2, 1.7), (3, 2.5), (4, 2.9), (5, 3.5), (8, 3.5)])
def test_concurrency_factor_of_the_common_table(chats, factor):
    assert staffing.concurrency_factor(chats) == factor


def test_concurrency_below_one_is_refused():
    with pytest.raises(ValueError):
        staffing.concurrency_factor(0)


def test_effective_handling_time_divides_aht_by_the_factor():
    assert staffing.effective_aht(240, 3) == pytest.approx(96.0)
    assert staffing.effective_aht(170, 2) == pytest.approx(100.0)


def test_agents_for_an_hour_use_the_effective_handling_time_and_the_shrinkage():
    model = StaffingModel(aht_s=360, concurrency=2, target_rate=0.8, target_s=30, shrinkage=0.3, max_occupancy=1.0)
    direct = staffing.erlang_c(120, 3600, 360 / 1.7, 0.8, 30, shrinkage=0.3)
    assert staffing.agents_for_hour(120, model) == direct["positions"]
    single = StaffingModel(aht_s=360, concurrency=1, target_rate=0.8, target_s=30, shrinkage=0.3, max_occupancy=1.0)
    assert staffing.agents_for_hour(120, single) > staffing.agents_for_hour(
        120, model
    )  # handling chats at once needs fewer agents


# --- forecast ------------------------------------------------------------------------------------

MONDAY = date(2026, 11, 2)


def _history(weeks: int, per_hour: dict[int, float], promo: dict[date, float] | None = None) -> dict:
    data = {}
    for offset in range(7 * weeks):
        day = MONDAY + timedelta(days=offset)
        for hour, volume in per_hour.items():
            data[(day, hour)] = volume * (promo or {}).get(day, 1.0)
    return data


def test_baseline_is_the_mean_by_weekday_and_hour_with_promotion_days_left_out():
    history = _history(2, {10: 10.0})
    history[(MONDAY, 10)] = 20.0  # first Monday busier
    assert staffing.baseline(history)[(0, 10)] == pytest.approx(15.0)
    assert staffing.baseline(history, [MONDAY])[(0, 10)] == pytest.approx(10.0)
    assert staffing.baseline(history)[(1, 10)] == pytest.approx(10.0)


def test_a_quiet_hour_on_a_day_with_data_counts_as_zero():
    history = {
        (MONDAY, 9): 0.0,
        (MONDAY, 10): 8.0,
        (MONDAY + timedelta(days=7), 9): 6.0,
        (MONDAY + timedelta(days=7), 10): 8.0,
    }
    assert staffing.baseline(history)[(0, 9)] == pytest.approx(3.0)


def test_learned_uplift_of_past_promotions():
    promo_day = MONDAY + timedelta(days=14)  # the third Monday, 50 % busier
    history = _history(3, {10: 10.0, 11: 20.0}, {promo_day: 1.5})
    assert staffing.learned_uplift(history, [promo_day]) == pytest.approx(0.5)
    assert staffing.learned_uplift(history, []) is None


def test_forecast_repeats_the_weekday_pattern_and_applies_a_promotion_rise():
    history = _history(2, {10: 10.0, 20: 4.0})
    start = MONDAY + timedelta(days=14)
    result = staffing.forecast(history, start, 7, [10, 20], {start + timedelta(days=1): 0.4})
    assert result[(start, 10)] == pytest.approx(10.0)
    assert result[(start + timedelta(days=1), 10)] == pytest.approx(14.0)
    assert result[(start + timedelta(days=1), 20)] == pytest.approx(5.6)
    assert len(result) == 14


def test_forecast_learns_the_rise_when_the_manager_gave_none():
    past_promo = MONDAY + timedelta(days=7)
    history = _history(3, {10: 10.0}, {past_promo: 1.3})
    start = MONDAY + timedelta(days=21)
    result = staffing.forecast(history, start, 1, [10], {start: None}, [past_promo])
    assert result[(start, 10)] == pytest.approx(13.0)


def test_required_by_hour_follows_the_volume():
    model = StaffingModel(aht_s=180, concurrency=1, target_rate=0.8, target_s=20, shrinkage=0.3, max_occupancy=1.0)
    need = staffing.required_by_hour({(MONDAY, 10): 200.0, (MONDAY, 11): 0.0}, model)
    assert need[(MONDAY, 10)] == 20  # 200 per hour = 100 per 30 minutes: the published 20 with 30 % shrinkage
    assert need[(MONDAY, 11)] == 0


# --- the surge plan's notice rules ------------------------------------------------------------------


@pytest.mark.parametrize(
    "rise,needed", [(0.0, 3), (0.10, 3), (0.30, 3), (0.3001, 7), (0.45, 7), (0.60, 7), (0.6001, None), (1.0, None)]
)
def test_notice_needed_by_rise(rise, needed):
    assert staffing.notice_needed(rise) == needed


@pytest.mark.parametrize(
    "rise,days,ok",
    [
        (0.30, 3, True),
        (0.30, 2, False),
        (0.31, 6, False),
        (0.31, 7, True),
        (0.60, 7, True),
        (0.60, 6, False),
        (0.40, 5, False),
        (0.61, 30, False),
    ],
)
def test_notice_rule_at_its_edges(rise, days, ok):
    starts = date(2026, 12, 20)
    result = staffing.check_notice(rise, starts - timedelta(days=days), starts)
    assert result["ok"] is ok
    assert result["given"] == days
    assert result["beyond_plan"] is (rise > 0.60)


@pytest.mark.parametrize("required,reserve", [(1, 1), (4, 2), (5, 3), (8, 4), (9, 5)])
def test_reserve_is_half_the_requirement_rounded_up(required, reserve):
    assert staffing.reserve_target(required) == reserve


def test_extra_agents_are_the_surged_need_minus_the_normal_one_never_negative():
    base = {(MONDAY, 10): 5, (MONDAY, 11): 4}
    surged = {(MONDAY, 10): 8, (MONDAY, 11): 3}
    assert staffing.extra_agents(base, surged) == {(MONDAY, 10): 3, (MONDAY, 11): 0}


# --- the staffing page's tables ---------------------------------------------------------------------------

MON, TUE = date(2026, 3, 2), date(2026, 3, 3)  # a Monday and the Tuesday after
NEXT_MON = MON + timedelta(days=7)


def test_daily_volume_sums_each_day_oldest_first():
    history = {(TUE, 9): 4.0, (MON, 9): 3.0, (MON, 10): 5.0, (TUE, 11): 0.0}
    assert staffing.daily_volume(history) == [(MON, 8.0), (TUE, 4.0)]


def test_weekday_hour_means_average_over_the_days_of_each_weekday_zeros_elsewhere():
    history = {(MON, 9): 3.0, (MON, 10): 5.0, (NEXT_MON, 9): 6.0, (TUE, 11): 2.0}
    hours, grid = staffing.weekday_hour_means(history)
    assert hours == [9, 10, 11]
    # Monday: two Mondays, 9 h (3 + 6) / 2 = 4.5, 10 h 5 / 2 = 2.5 (the second Monday had none at 10), 11 h none
    assert grid[0] == [4.5, 2.5, 0.0]
    assert grid[1] == [0.0, 0.0, 2.0]  # one Tuesday
    assert grid[2:] == [[0.0, 0.0, 0.0]] * 5  # no Wednesday to Sunday in the history
    assert len(grid) == 7


def test_forecast_table_totals_and_grid():
    volume = {(MON, 9): 2.34, (MON, 10): 7.25, (TUE, 9): 1.06, (TUE, 10): 0.0}
    need = {(MON, 9): 1, (MON, 10): 3, (TUE, 9): 1, (TUE, 10): 0}
    rows = staffing.forecast_table(volume, need)
    assert rows == [
        {"day": "2026-03-02", "hour": 9, "volume": 2.3, "agents": 1},
        {"day": "2026-03-02", "hour": 10, "volume": 7.2, "agents": 3},  # round half to even: 7.25 → 7.2
        {"day": "2026-03-03", "hour": 9, "volume": 1.1, "agents": 1},
        {"day": "2026-03-03", "hour": 10, "volume": 0.0, "agents": 0},
    ]
    totals = staffing.forecast_totals(rows)
    # the rounded hours: 2.3 + 7.2 + 1.1 + 0 = 10.6; the busiest hour needs 3; 1 + 3 + 1 + 0 agent-hours
    assert totals["volume"] == pytest.approx(10.6) and totals["peak"] == 3 and totals["agent_hours"] == 5
    assert staffing.need_grid(rows) == ([MON, TUE], [9, 10], [[1, 3], [1, 0]])
    assert staffing.need_grid(rows[:3]) == ([MON, TUE], [9, 10], [[1, 3], [1, None]])


def test_peak_by_day_gives_every_shift_of_every_day():
    peak = {"day": {"2026-03-03": 2, "2026-03-02": 1}, "night": {"2026-03-03": 1}}
    assert staffing.peak_by_day(peak) == [
        ("2026-03-02", {"day": 1, "night": 0}),
        ("2026-03-03", {"day": 2, "night": 1}),
    ]
