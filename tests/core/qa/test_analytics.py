"""The QA numbers: sampling against the week's pace, IQS, weekly series and the items losing most points."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.kernel import config, weeks
from core.kernel.permissions import PermissionDenied
from core.qa import analytics, reviews, settings
from tests.core.qa.test_qa_support import (
    best,
    default_card,
    firm,  # noqa: F401  (a fixture)
    review,
)


def test_sampling_proposes_the_online_agents_behind_the_weeks_pace(firm):
    card = default_card(firm.db)
    today = config.today()
    thursday = today - timedelta(days=(today.weekday() - 3) % 7 + 7)  # a Thursday at least a week ago
    monday = thursday - timedelta(days=3)
    review(firm, best(card), agent=firm.agent_b, day=monday, now=datetime.combine(thursday, datetime.min.time()))
    review(
        firm,
        best(card),
        agent=firm.agent_b,
        day=monday + timedelta(days=1),
        now=datetime.combine(thursday, datetime.min.time()),
    )
    review(
        firm,
        best(card),
        agent=firm.agent,
        day=monday - timedelta(days=1),
        now=datetime.combine(thursday, datetime.min.time()),
    )  # last week
    proposal = analytics.sampling_proposal(firm.db, firm.qa, firm.project, thursday)
    assert [(p["agent_name"], p["reviews_this_week"], p["pace"], p["remaining"], p["due"]) for p in proposal] == [
        ("小美", 0, 2, 2, True),
        ("老王", 2, 2, 0, False),
    ]  # pace by Thursday: ceil(2 × 4 / 7) = 2
    settings.set_project_settings(firm.db, firm.manager, firm.project, 90, 4)
    assert analytics.sampling_proposal(firm.db, firm.qa, firm.project, monday)[0]["pace"] == 1  # ceil(4 × 1 / 7)


def test_iqs_is_the_mean_of_the_periods_scored_reviews_and_tasks_do_not_count(firm):
    card = default_card(firm.db)
    d1, d2 = config.today() - timedelta(days=10), config.today() - timedelta(days=3)
    review(firm, best(card), day=d1)  # 100
    review(firm, best(card, 服务态度=3), day=d2)  # 50 on weight 15 → 92.5
    review(firm, best(card, 拒不承认错误=0), day=d2)  # critical → 0
    reviews.create_task(firm.db, firm.qa, firm.project, firm.agent, "tb_t", d2, None, config.now_text())
    assert analytics.agent_iqs(firm.db, None, firm.agent, d1, d2) == round((100 + 92.5 + 0) / 3, 2)
    assert analytics.agent_iqs(firm.db, firm.agent_user, firm.agent, d2, d2) == 46.25
    assert analytics.agent_iqs(firm.db, firm.qa, firm.agent_b, d1, d2) is None
    failures = analytics.critical_failures(firm.db, None, firm.agent, d1, d2)
    assert [(f["chat_date"], f["score"], f["failed_items"]) for f in failures] == [
        (d2.isoformat(), 0.0, "拒不承认错误")
    ]
    with pytest.raises(PermissionDenied):
        analytics.agent_iqs(firm.db, firm.agent_user, firm.agent_b, d1, d2)  # an agent reads only itself
    with pytest.raises(PermissionDenied):
        analytics.critical_failures(firm.db, firm.merchant, firm.agent, d1, d2)


def test_weekly_series_and_items_losing_most_points(firm):
    card = default_card(firm.db)
    day = config.today() - timedelta(days=2)
    review(firm, best(card, 产品解答准确=3), day=day)  # 50 % on weight 20: loses 10
    review(firm, best(card, 产品解答准确=1, 追单=None), day=day)  # 0 on 20 of 95: loses 21.05
    series = analytics.score_series(firm.db, firm.qa, firm.project, day, day)
    assert series == [
        {
            "week": weeks.week_start(day).isoformat(),
            "agent": None,
            "score": round((90 + round(75 / 95 * 100, 2)) / 2, 2),
            "reviews": 2,
        }
    ]
    lost = analytics.lost_points(firm.db, firm.merchant, firm.project, day, day)
    assert lost[0]["item"] == "产品解答准确" and lost[0]["lost"] == round((10 + 20 / 95 * 100) / 2, 2)
    assert all(r["lost"] == 0 for r in lost[1:])
