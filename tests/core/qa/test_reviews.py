"""Reviews in the store: who may score, what each role sees, staff lists, and the chat under review."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.kernel import audit, config
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import PermissionDenied
from core.projects import merchants
from core.qa import analytics, chats, reviews
from tests.core.qa.test_qa_support import (
    best,
    default_card,
    firm,  # noqa: F401  (a fixture)
    review,
)

YESTERDAY = config.today() - timedelta(days=1)


def test_a_recorded_review_is_scored_in_core_and_kept_in_history_and_audit(firm):
    card = default_card(firm.db)
    ratings = best(card, 服务态度=4, 推荐与关联销售=None)  # 4 of 5 → 75, weight 15; N/A: weight 10 left out
    review_id = review(firm, ratings, comment="语气可以更热情")
    stored = reviews.get_review(firm.db, firm.qa, review_id)
    expected = round((90 * 100 - 15 * 100 + 15 * 75) / 90, 2)  # the other weights (90 in all) score 100
    assert stored["score"] == expected == 95.83
    assert stored["status"] == "scored" and stored["inspector_name"] == "INSPECTOR"
    assert [h["event"] for h in stored["history"]] == ["scored"]
    assert audit.search(firm.db, firm.admin, entity="qa_review")[0]["action"] == "create"


def test_a_review_with_an_unrated_item_is_refused_by_name_and_nothing_is_saved(firm):
    card = default_card(firm.db)
    ratings = best(card)
    unrated = next(i for i in card.items if i.kind == "standard" and i.allow_na)
    del ratings[unrated.id]  # the inspector never touched it: not N/A, not full marks
    with pytest.raises(ValidationError) as caught:
        review(firm, ratings)
    assert [(e.field, e.key) for e in caught.value.errors] == [(unrated.name, "err.qa.unrated")]
    assert firm.db["qa_reviews"].count == 0
    task = reviews.create_task(
        firm.db, firm.admin, firm.project, firm.agent, "tb_task", YESTERDAY, None, "2026-01-01 00:00:00"
    )
    with pytest.raises(ValidationError):
        reviews.score_review(firm.db, firm.qa, task, ratings)
    assert reviews.get_review(firm.db, firm.qa, task)["status"] == "task"


def test_an_agent_cannot_score_anyone_not_even_through_core(firm):
    card = default_card(firm.db)
    for target in (firm.agent, firm.agent_b):
        with pytest.raises(PermissionDenied):
            review(firm, best(card), agent=target, who=firm.agent_user)
    assert firm.db["qa_reviews"].count == 0


def test_only_qa_inspectors_and_the_director_score(firm):
    card = default_card(firm.db)
    for actor in (firm.manager, firm.trainer, firm.merchant):
        with pytest.raises(PermissionDenied):
            review(firm, best(card), who=actor)
    assert review(firm, best(card), who=firm.admin)


def test_the_agent_must_have_been_on_the_team_and_the_chat_not_in_the_future(firm):
    card = default_card(firm.db)
    with pytest.raises(ValidationError) as caught:
        review(firm, best(card), day=config.today() + timedelta(days=1), chat_buyer_id=" ")
    assert {(e.field, e.key) for e in caught.value.errors} == {
        ("qa.chat_buyer_id", "err.required"),
        ("qa.chat_date", "err.qa.date_future"),
    }
    with pytest.raises(ValidationError) as caught:
        review(firm, best(card), agent=firm.agent_c)  # 阿杰 is on the other project
    assert caught.value.errors[0].key == "err.qa.agent_not_on_team"
    with pytest.raises(ValidationError):
        review(firm, best(card), day=config.today() - timedelta(days=90))  # before the team started


def test_an_agent_sees_only_its_own_reviews(firm):
    card = default_card(firm.db)
    mine = review(firm, best(card), comment="好")
    other = review(firm, best(card), agent=firm.agent_b)
    assert [r["id"] for r in reviews.list_reviews(firm.db, firm.agent_user)] == [mine]
    assert reviews.get_review(firm.db, firm.agent_user, mine)["comment"] == "好"
    with pytest.raises(NotFound):
        reviews.get_review(firm.db, firm.agent_user, other)
    assert reviews.list_reviews(firm.db, firm.other_agent_user) == []


def test_a_merchant_reads_no_review_only_its_projects_summary_without_comments(firm):
    card = default_card(firm.db)
    review(firm, best(card), comment="内部评语-不外传", case_type="problem", transcript="聊天原文-不外传")
    with pytest.raises(PermissionDenied):
        reviews.list_reviews(firm.db, firm.merchant)
    summary = analytics.qa_summary(firm.db, firm.merchant, firm.project, YESTERDAY, config.today())
    assert summary["reviews"] == 1 and summary["mean_score"] == 100.0 and summary["problem_cases"] == 1
    assert summary["target"] == 90.0
    assert "内部评语" not in str(summary) and "聊天原文" not in str(summary) and "tb_buyer" not in str(summary)
    with pytest.raises(PermissionDenied):
        analytics.qa_summary(firm.db, firm.merchant, firm.other_project, YESTERDAY, config.today())
    with pytest.raises(PermissionDenied):
        analytics.qa_summary(firm.db, firm.agent_user, firm.project, YESTERDAY, config.today())


def test_staff_lists_filter_by_agent_status_critical_and_search(firm):
    card = default_card(firm.db)
    a = review(firm, best(card), chat_buyer_id="tb_alpha")
    b = review(firm, best(card, 拒不承认错误=0), agent=firm.agent_b)
    assert [
        r["id"] for r in reviews.list_reviews(firm.db, firm.trainer, project_id=firm.project, critical_only=True)
    ] == [b]
    assert [r["id"] for r in reviews.list_reviews(firm.db, firm.manager, agent_id=firm.agent)] == [a]
    assert [r["id"] for r in reviews.list_reviews(firm.db, firm.qa, search="alpha")] == [a]
    assert merchants.get_project(firm.db, firm.qa, firm.project)  # staff see every project


def _log_chat(f, project: int, day, account: str, buyer: str, lines: list[tuple[str, str, str]]) -> None:
    """Raw chat messages as an import stores them (time of day, sender, content)."""
    for clock, sender, content in lines:
        f.db["chat_messages"].insert(
            {
                "project_id": project,
                "day": day.isoformat(),
                "time": f"{day.isoformat()} {clock}",
                "buyer": buyer,
                "agent": account,
                "sender": sender,
                "content": content,
            }
        )


def test_with_raw_logs_a_review_takes_one_of_the_agents_stored_chats_and_refuses_another_agents(firm):
    card = default_card(firm.db)
    _log_chat(
        firm,
        firm.project,
        YESTERDAY,
        "优品:小美",
        "tb_mei",
        [("10:00:00", "buyer", "在吗"), ("10:00:20", "agent", "在的亲")],
    )
    _log_chat(
        firm,
        firm.project,
        YESTERDAY,
        "优品:老王",
        "tb_wang",
        [("11:00:00", "buyer", "发货了吗"), ("11:00:05", "auto", "您好")],
    )
    assert chats.has_raw_logs(firm.db, firm.project) and not chats.has_raw_logs(firm.db, firm.other_project)
    assert [c["buyer"] for c in chats.agent_chats(firm.db, firm.qa, firm.project, YESTERDAY, firm.agent)] == ["tb_mei"]
    assert [
        (c["buyer"], c["account"], c["messages"])
        for c in chats.agent_chats(firm.db, firm.qa, firm.project, YESTERDAY, firm.agent_b)
    ] == [("tb_wang", "优品:老王", 2)]
    # 老王's chat saved under 小美: refused, nothing saved; a buyer nobody chatted with: refused too
    for buyer in ("tb_wang", "tb_typed"):
        with pytest.raises(ValidationError) as caught:
            review(firm, best(card), agent=firm.agent, chat_buyer_id=buyer, transcript="pasted text")
        assert [(e.field, e.key) for e in caught.value.errors] == [("qa.chat_buyer_id", "err.qa.chat_not_of_agent")]
    assert firm.db["qa_reviews"].count == 0
    # under 老王 it is saved, with the stored chat as its transcript (not the pasted text)
    review_id = review(firm, best(card), agent=firm.agent_b, chat_buyer_id="tb_wang", transcript="pasted text")
    assert (
        reviews.get_review(firm.db, firm.qa, review_id)["transcript"]
        == "11:00:00 买家：发货了吗\n11:00:05 自动回复：您好"
    )


def test_without_raw_logs_the_buyer_is_typed_and_the_transcript_pasted(firm):
    card = default_card(firm.db)
    _log_chat(firm, firm.project, YESTERDAY, "优品:小美", "tb_mei", [("10:00:00", "buyer", "在吗")])
    review_id = review(
        firm,
        best(card),
        agent=firm.agent_c,
        project_id=firm.other_project,
        chat_buyer_id="pdd_typed",
        transcript="买家：在吗",
    )
    stored = reviews.get_review(firm.db, firm.qa, review_id)
    assert (stored["chat_buyer_id"], stored["transcript"]) == ("pdd_typed", "买家：在吗")
