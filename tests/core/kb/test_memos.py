"""The agent's memo: noted in seconds, answered now or queued for Monday, turned into an article or phrase."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from core.kb import articles, memos, phrases
from core.kernel import weeks
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import PermissionDenied
from tests.core.kb.test_kb_support import World, world  # noqa: F401


def test_agent_notes_a_memo_on_its_project_with_a_chat_reference(world: World):
    memo_id = memos.note(world.db, world.agent, world.project, "  买家问能不能开专票？ ", "question", "订单尾号3321")
    memo = memos.get_memo(world.db, world.agent, memo_id)
    assert (memo["text"], memo["chat_ref"], memo["status"], memo["author_id"]) == (
        "买家问能不能开专票？",
        "订单尾号3321",
        "open",
        world.agent.id,
    )
    assert [m["id"] for m in memos.my_memos(world.db, world.agent)] == [memo_id]


def test_memo_on_a_project_one_is_not_on_or_by_a_merchant_is_refused(world: World):
    with pytest.raises(PermissionDenied):
        memos.note(world.db, world.agent, world.other, "x")
    with pytest.raises(PermissionDenied):
        memos.note(world.db, world.merchant, world.project, "x")
    with pytest.raises(ValidationError) as exc:
        memos.note(world.db, world.agent, world.project, " ", "gossip", "r" * 201)
    assert {e.field for e in exc.value.errors} == {"kb.memo_text", "kb.memo_kind", "kb.chat_ref"}


def test_an_agent_sees_only_its_own_memos(world: World):
    own = memos.note(world.db, world.agent, world.project, "我的问题")
    memos.note(world.db, world.agent2, world.other, "别人的问题")
    assert [m["id"] for m in memos.my_memos(world.db, world.agent)] == [own]
    theirs = memos.my_memos(world.db, world.agent2)[0]["id"]
    with pytest.raises(NotFound):
        memos.get_memo(world.db, world.agent, theirs)
    with pytest.raises(PermissionDenied):
        memos.inbox(world.db, world.agent)


def test_supervisor_answers_now_and_the_agent_sees_a_new_answer_once(world: World):
    memo_id = memos.note(world.db, world.agent, world.project, "枕套能单买吗？")
    assert [m["id"] for m in memos.inbox(world.db, world.qa)] == [memo_id]
    memos.answer(world.db, world.qa, memo_id, "可以，39元一对。")
    assert memos.inbox(world.db, world.qa) == []
    assert memos.unread_answers(world.db, world.agent) == 1
    mine = memos.my_memos(world.db, world.agent)[0]
    assert (mine["status"], mine["answer"], mine["answered_by_name"], mine["is_new"]) == (
        "answered",
        "可以，39元一对。",
        "zhao",
        True,
    )
    assert memos.mark_seen(world.db, world.agent) == 1
    assert memos.unread_answers(world.db, world.agent) == 0
    assert memos.my_memos(world.db, world.agent)[0]["is_new"] is False


def test_answering_needs_a_supervisor_of_the_project(world: World):
    memo_id = memos.note(world.db, world.agent, world.project, "问题")
    with pytest.raises(PermissionDenied):
        memos.answer(world.db, world.agent, memo_id, "自问自答")
    with pytest.raises(ValidationError):
        memos.answer(world.db, world.manager, memo_id, "  ")


def test_supervisor_queues_a_memo_for_the_monday_meeting(world: World):
    memo_id = memos.note(world.db, world.agent, world.project, "建议做一条顺丰短语", "idea")
    memos.queue(world.db, world.trainer, memo_id)
    memo = memos.get_memo(world.db, world.agent, memo_id)
    assert (memo["status"], memo["queued_by"]) == ("queued", world.trainer.id)
    with pytest.raises(ValidationError):
        memos.queue(world.db, world.trainer, memo_id)  # already queued


def test_queue_for_meeting_lists_what_is_queued_by_the_meeting_day_oldest_first(world: World):
    week = date(2026, 3, 2)  # the meeting on Monday 9 March reviews this week

    def queued(text: str, at: datetime) -> int:
        memo_id = memos.note(world.db, world.agent, world.project, text, now=at)
        memos.queue(world.db, world.manager, memo_id, now=at)
        return memo_id

    carried = queued("上上周留下的", datetime(2026, 2, 26, 9, 0))
    this_week = queued("本周排入的", datetime(2026, 3, 4, 15, 0))
    meeting_morning = queued("例会当天早上", datetime(2026, 3, 9, 8, 30))
    queued("例会之后才排入", datetime(2026, 3, 10, 9, 0))
    answered = queued("已回答的", datetime(2026, 3, 3, 9, 0))
    memos.answer(world.db, world.manager, answered, "已答", now=datetime(2026, 3, 3, 10, 0))
    memos.note(world.db, world.agent, world.project, "未排入的", now=datetime(2026, 3, 5, 9, 0))
    listed = memos.queue_for_meeting(world.db, world.manager, week)
    assert [(m["id"], m["carried_over"]) for m in listed] == [
        (carried, True),
        (this_week, False),
        (meeting_morning, False),
    ]
    assert memos.queue_for_meeting(world.db, world.manager, week, project_id=world.other) == []
    with pytest.raises(PermissionDenied):
        memos.queue_for_meeting(world.db, world.agent, week)


def test_an_answer_becomes_an_article_in_one_action_and_the_agent_is_told(world: World):
    memo_id = memos.note(world.db, world.agent, world.project, "买家问能不能开增值税专用发票？")
    memos.queue(world.db, world.manager, memo_id)
    article_id = memos.to_article(
        world.db, world.manager, memo_id, "可以，备注税号等信息，3个工作日内寄出。", "专票怎么开", "policy", "发票"
    )
    article = articles.get_article(world.db, world.agent, article_id)
    assert (article["title"], article["category"], article["project_id"], article["owner_id"]) == (
        "专票怎么开",
        "policy",
        world.project,
        world.manager.id,
    )
    assert "买家问能不能开增值税专用发票？" in article["body"] and "3个工作日内寄出" in article["body"]
    memo = memos.my_memos(world.db, world.agent)[0]
    assert (memo["status"], memo["article_id"], memo["is_new"]) == ("answered", article_id, True)
    assert memos.queue_for_meeting(world.db, world.manager, weeks.week_start()) == []
    assert articles.search(world.db, world.agent, "专用发票")[0]["ref_id"] == article_id


def test_an_article_from_a_memo_is_titled_with_the_memo_when_no_title_is_given(world: World):
    memo_id = memos.note(world.db, world.agent, world.project, "买家问" + "很长的问题" * 20)
    article_id = memos.to_article(world.db, world.manager, memo_id, "答案")
    title = articles.get_article(world.db, world.manager, article_id)["title"]
    assert title.startswith("买家问很长的问题") and title.endswith("…") and len(title) == memos.TITLE_LENGTH + 1


def test_a_failed_article_leaves_the_memo_unanswered(world: World):
    memo_id = memos.note(world.db, world.agent, world.project, "问题")
    with pytest.raises(ValidationError):
        memos.to_article(world.db, world.manager, memo_id, "答案", category="gossip")
    assert memos.get_memo(world.db, world.manager, memo_id)["status"] == "open"
    assert world.db["kb_articles"].count == 0
    with pytest.raises(PermissionDenied):
        memos.to_article(world.db, world.qa, memo_id, "答案")  # QA answers memos but does not write articles


def test_an_answer_becomes_a_quick_phrase_in_one_action(world: World):
    memo_id = memos.note(world.db, world.agent, world.project, "补差价发顺丰要做成短语", "idea")
    phrase_id = memos.to_phrase(
        world.db, world.manager, memo_id, "sf", "物流", "亲，补差价10元可发顺丰哦～", "同意，已加短语"
    )
    phrase = phrases.get_phrase(world.db, world.agent, phrase_id)
    assert (phrase["shortcut"], phrase["group_name"], phrase["text"]) == ("/sf", "物流", "亲，补差价10元可发顺丰哦～")
    assert phrases.history(world.db, world.manager, phrase_id)[0]["source"] == "memo"
    memo = memos.get_memo(world.db, world.agent, memo_id)
    assert (memo["answer"], memo["phrase_id"]) == ("同意，已加短语", phrase_id)


def test_a_phrase_with_a_taken_shortcut_leaves_the_memo_unanswered(world: World):
    phrases.create_phrase(world.db, world.manager, world.project, {"shortcut": "/sf", "text": "已有"})
    memo_id = memos.note(world.db, world.agent, world.project, "问题")
    with pytest.raises(ValidationError):
        memos.to_phrase(world.db, world.manager, memo_id, "/sf", answer_text="答案")
    assert memos.get_memo(world.db, world.manager, memo_id)["status"] == "open"


def test_supervisors_see_memos_of_their_visible_projects_only(world: World):
    memos.note(world.db, world.agent, world.project, "a")
    memos.note(world.db, world.agent2, world.other, "b")
    assert len(memos.inbox(world.db, world.manager)) == 2
    assert [m["text"] for m in memos.inbox(world.db, world.manager, world.other)] == ["b"]
    assert memos.summary(world.db, world.manager) == {"open": 2, "queued": 0, "answered_7d": 0}
