"""Tests of core/kpi/daily_figures.py: targets, figures over several days, alerts (reads of stored days are in
test_kpi_store.py)."""

from __future__ import annotations

import pandas as pd

from core.kpi import daily_figures


def test_the_chosen_agents_are_one_figure_set_per_day_recomputed_from_counts():
    agent_days = pd.DataFrame(
        [
            {"day": "2026-11-01", "agent_name": "小美", "consultations": 10, "converted": 5, "sales": 500.0},
            {"day": "2026-11-01", "agent_name": "小王", "consultations": 30, "converted": 3, "sales": 300.0},
            {"day": "2026-11-01", "agent_name": "小李", "consultations": 99, "converted": 99, "sales": 9900.0},
            {"day": "2026-11-02", "agent_name": "小美", "consultations": 4, "converted": 1, "sales": 80.0},
        ]
    )
    daily = daily_figures.agents_by_day(agent_days, ["小美", "小王"]).set_index("day")
    assert daily.loc["2026-11-01", "consultations"] == 40
    assert daily.loc["2026-11-01", "conversion_rate"] == 8 / 40  # from the sums, not the mean of 0.5 and 0.1
    assert daily.loc["2026-11-01", "aov"] == 800.0 / 8
    assert daily.loc["2026-11-02", "converted"] == 1
    assert daily_figures.agents_by_day(agent_days, ["nobody"]).empty


def test_response_times_are_lower_is_better_and_the_rest_higher():
    assert daily_figures.meets_target("avg_response_s", 20, 25) == (True, -5)
    assert daily_figures.meets_target("first_response_s", 30, 25) == (False, 5)
    assert daily_figures.meets_target("conversion_rate", 0.3, 0.25)[0] is True
    assert daily_figures.meets_target("conversion_rate", None, 0.25) == (None, None)


def test_aggregate_recomputes_rates_from_counts_not_means():
    days = pd.DataFrame(
        [
            {
                "consultations": 10,
                "waits": 10,
                "fast_replies": 9,
                "converted": 5,
                "items": 5,
                "sales": 500.0,
                "avg_response_s": 10.0,
                "first_response_s": 8.0,
                "response_30s_rate": 0.9,
                "conversion_rate": 0.5,
            },
            {
                "consultations": 30,
                "waits": 30,
                "fast_replies": 15,
                "converted": 3,
                "items": 6,
                "sales": 300.0,
                "avg_response_s": 30.0,
                "first_response_s": 20.0,
                "response_30s_rate": 0.5,
                "conversion_rate": 0.1,
            },
        ]
    )
    figures = daily_figures.aggregate(days)
    assert figures["response_30s_rate"] == 24 / 40  # not (0.9 + 0.5) / 2
    assert figures["conversion_rate"] == 8 / 40
    assert figures["aov"] == 800 / 8 and figures["items_per_buyer"] == 11 / 8
    assert figures["avg_response_s"] == (10 * 10 + 30 * 30) / 40


def test_three_days_below_target_in_a_row_raise_an_alert():
    goal = {"response_30s_rate": 0.8, "avg_response_s": 30}
    shop = pd.DataFrame(
        {
            "day": ["d1", "d2", "d3", "d4"],
            "response_30s_rate": [0.9, 0.7, 0.7, 0.7],
            "avg_response_s": [40, 20, 40, 40],
            "first_response_s": [None] * 4,
            "conversion_rate": [None] * 4,
        }
    )
    assert daily_figures.below_target_streak(shop, goal) == ["response_30s_rate"]
    assert daily_figures.below_target_streak(shop.head(3), goal) == []


def test_aggregate_weights_mean_times_by_their_counts_skipping_empty_days():
    days = pd.DataFrame(
        [
            {"consultations": 10, "waits": 0, "first_response_s": 8.0, "avg_response_s": None, "satisfaction": None},
            {"consultations": 30, "waits": 0, "first_response_s": None, "avg_response_s": 40.0, "satisfaction": None},
            {
                "consultations": None,
                "waits": 0,
                "first_response_s": 100.0,
                "avg_response_s": 10.0,
                "satisfaction": None,
            },
            {"consultations": 10, "waits": 0, "first_response_s": 20.0, "avg_response_s": 30.0, "satisfaction": None},
        ],
        dtype=object,
    )  # as read from the store: None where a day has no figure
    figures = daily_figures.aggregate(days)
    assert (
        figures["first_response_s"] == (8 * 10 + 100 * 0 + 20 * 10) / 20
    )  # a day without consultations weighs nothing
    assert figures["avg_response_s"] == (40 * 30 + 10 * 0 + 30 * 10) / 40  # no waits: weighted by consultations
    assert figures["satisfaction"] is None
    unweighted = pd.DataFrame(
        [{"consultations": 0, "first_response_s": 8.0}, {"consultations": 0, "first_response_s": 12.0}]
    )
    assert daily_figures.aggregate(unweighted)["first_response_s"] == 10.0  # no weight at all: the plain mean
