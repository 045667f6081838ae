"""Disputes: raised by the reviewed agent, resolved by a manager, counted per inspector."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.kernel import config
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import PermissionDenied
from core.qa import analytics, disputes, reviews
from tests.core.qa.test_qa_support import (
    best,
    default_card,
    firm,  # noqa: F401  (a fixture)
    review,
)

YESTERDAY = config.today() - timedelta(days=1)


def test_a_dispute_partly_accepted_rescores_and_keeps_the_history_then_a_rejected_one_locks(firm):
    card = default_card(firm.db)
    review_id = review(firm, best(card, 响应速度=1, 话术使用=1))  # 0 on 15 and 0 on 10 → 75
    assert reviews.get_review(firm.db, firm.qa, review_id)["score"] == 75.0
    dispute_id = disputes.raise_dispute(firm.db, firm.agent_user, review_id, "系统卡顿")
    with pytest.raises(ValidationError) as caught:
        reviews.score_review(firm.db, firm.qa, review_id, best(card))
    assert caught.value.errors[0].key == "err.qa.review_disputed"
    with pytest.raises(PermissionDenied):
        disputes.resolve_dispute(firm.db, firm.qa, dispute_id, "accepted", "ok", best(card))
    disputes.resolve_dispute(firm.db, firm.manager, dispute_id, "partly_accepted", "响应慢属实", best(card, 响应速度=1))
    after = reviews.get_review(firm.db, firm.agent_user, review_id)
    assert after["score"] == 85.0 and after["status"] == "scored"
    assert [(h["event"], h["score"]) for h in after["history"]] == [
        ("scored", 75.0),
        ("disputed", 75.0),
        ("dispute_partly_accepted", 85.0),
    ]
    assert after["disputes"][0]["score_before"] == 75.0 and after["disputes"][0]["score_after"] == 85.0
    second = disputes.raise_dispute(firm.db, firm.agent_user, review_id, "响应也不慢")
    disputes.resolve_dispute(firm.db, firm.manager, second, "rejected", "记录显示首响超时")
    locked = reviews.get_review(firm.db, firm.qa, review_id)
    assert locked["status"] == "locked" and locked["score"] == 85.0
    with pytest.raises(ValidationError) as caught:
        disputes.raise_dispute(firm.db, firm.agent_user, review_id, "再申诉")
    assert caught.value.errors[0].key == "err.qa.review_locked"
    with pytest.raises(ValidationError):
        reviews.score_review(firm.db, firm.qa, review_id, best(card))
    with pytest.raises(ValidationError) as caught:
        disputes.resolve_dispute(firm.db, firm.manager, second, "accepted", "改判", best(card))
    assert caught.value.errors[0].key == "err.qa.dispute_closed"


def test_an_agent_disputes_only_its_own_reviews_with_a_reason(firm):
    card = default_card(firm.db)
    other = review(firm, best(card), agent=firm.agent_b)
    with pytest.raises(NotFound):
        disputes.raise_dispute(firm.db, firm.agent_user, other, "不服")
    mine = review(firm, best(card))
    with pytest.raises(ValidationError) as caught:
        disputes.raise_dispute(firm.db, firm.agent_user, mine, "  ")
    assert caught.value.errors[0].key == "err.required"
    with pytest.raises(PermissionDenied):
        disputes.raise_dispute(firm.db, firm.qa, mine, "代申诉")


def test_accepting_a_dispute_needs_the_new_ratings_and_a_comment(firm):
    card = default_card(firm.db)
    dispute_id = disputes.raise_dispute(firm.db, firm.agent_user, review(firm, best(card, 追单=1)), "买家已下单")
    with pytest.raises(ValidationError) as caught:
        disputes.resolve_dispute(firm.db, firm.manager, dispute_id, "accepted", "")
    assert {(e.field, e.key) for e in caught.value.errors} == {
        ("qa.resolution_comment", "err.required"),
        ("qa.ratings", "err.required"),
    }


def test_dispute_counts_and_mean_resolution_time_per_inspector(firm):
    card = default_card(firm.db)
    t0 = datetime.combine(config.today() - timedelta(days=3), datetime.min.time()).replace(hour=9)
    first = review(firm, best(card), now=t0, day=config.today() - timedelta(days=4))
    second = review(firm, best(card), now=t0, day=config.today() - timedelta(days=4))
    third = review(firm, best(card), who=firm.qa2, now=t0, day=config.today() - timedelta(days=4))
    d1 = disputes.raise_dispute(firm.db, firm.agent_user, first, "a", now=t0 + timedelta(hours=1))
    d2 = disputes.raise_dispute(firm.db, firm.agent_user, second, "b", now=t0 + timedelta(hours=1))
    disputes.raise_dispute(firm.db, firm.agent_user, third, "c", now=t0 + timedelta(hours=1))
    disputes.resolve_dispute(firm.db, firm.manager, d1, "rejected", "维持", now=t0 + timedelta(hours=3))  # 2 h
    disputes.resolve_dispute(
        firm.db, firm.manager, d2, "accepted", "成立", best(card), now=t0 + timedelta(hours=5)
    )  # 4 h
    stats = {s["inspector_name"]: s for s in disputes.dispute_stats(firm.db, firm.manager)}
    assert stats["INSPECTOR"] | {} == {
        "inspector_id": firm.qa.id,
        "inspector_name": "INSPECTOR",
        "disputes": 2,
        "open": 0,
        "accepted": 1,
        "partly_accepted": 0,
        "rejected": 1,
        "mean_resolution_s": 3 * 3600,
    }
    assert stats["INSPECTOR2"]["open"] == 1 and stats["INSPECTOR2"]["mean_resolution_s"] is None


def test_an_accepted_dispute_that_clears_the_critical_item_removes_the_critical_failure(firm):
    card = default_card(firm.db)
    review_id = review(firm, best(card, 与买家争吵或嘲讽买家=0))
    dispute_id = disputes.raise_dispute(firm.db, firm.agent_user, review_id, "是买家先辱骂")
    disputes.resolve_dispute(firm.db, firm.manager, dispute_id, "accepted", "申诉成立", best(card))
    assert analytics.critical_failures(firm.db, None, firm.agent, YESTERDAY, YESTERDAY) == []
    assert analytics.agent_iqs(firm.db, None, firm.agent, YESTERDAY, YESTERDAY) == 100.0
