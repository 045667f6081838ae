"""Complaints: numbering (also under concurrency), the life-cycle, overdue flags, the supervisor's finding, links
and who sees what."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest

from core.bootstrap import open_store
from core.complaints import complaints
from core.kernel import config
from core.kernel.db import write
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import PermissionDenied
from core.qa import reviews
from tests.core.qa.test_qa_support import best, default_card, firm  # noqa: F401  (firm is a fixture)

MORNING = datetime(2026, 11, 23, 9, 0, 0)


def data(f, **changes) -> dict:
    return {
        "project_id": f.project,
        "channel": "chat",
        "buyer_id": "tb_buyer",
        "order_no": "2026112300001",
        "category": "logistics",
        "description": "快递三天没更新",
        "severity": "medium",
        **changes,
    }


def log(f, now: datetime = MORNING, who=None, **changes) -> int:
    return complaints.log_complaint(f.db, who or f.qa, data(f, **changes), now=now)


def number(f, complaint_id: int) -> str:
    return complaints.get_complaint(f.db, f.admin, complaint_id)["number"]


def test_numbers_are_sequential_per_day_and_restart_the_next_day(firm):
    first, second = log(firm), log(firm, MORNING + timedelta(hours=5))
    tomorrow = log(firm, MORNING + timedelta(days=1))
    assert [number(firm, i) for i in (first, second, tomorrow)] == [
        "TS-20261123-0001",
        "TS-20261123-0002",
        "TS-20261124-0001",
    ]


def test_a_number_is_never_reused_even_if_a_complaint_row_disappears(firm):
    log(firm)
    gone = log(firm)
    with write(firm.db):  # there is no delete function; a repair by hand
        firm.db.execute("DELETE FROM complaint_events WHERE complaint_id = ?", [gone])
        firm.db.execute("DELETE FROM complaints WHERE id = ?", [gone])
    assert number(firm, log(firm)) == "TS-20261123-0003"


def test_refused_input_takes_no_number_and_writes_nothing(firm):
    with pytest.raises(ValidationError) as caught:
        log(firm, channel="fax", category="weather", severity="extreme", buyer_id=" ", description="")
    assert {(e.field, e.key) for e in caught.value.errors} == {
        ("complaint.channel", "err.invalid_choice"),
        ("complaint.category", "err.invalid_choice"),
        ("complaint.severity", "err.invalid_choice"),
        ("complaint.buyer_id", "err.required"),
        ("complaint.description", "err.required"),
    }
    assert firm.db["complaints"].count == 0
    assert number(firm, log(firm)) == "TS-20261123-0001"


def test_two_people_logging_at_once_never_get_the_same_number(firm, tmp_path):
    path = config.db_path()
    per_thread, threads = 15, 3
    barrier = threading.Barrier(threads)
    numbers: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def desk() -> None:
        db = open_store(path)  # a connection of its own, as each Streamlit session has
        try:
            barrier.wait()
            for _ in range(per_thread):
                complaint_id = complaints.log_complaint(db, firm.qa, data(firm), now=MORNING)
                row = db.execute("SELECT number FROM complaints WHERE id = ?", [complaint_id]).fetchone()
                with lock:
                    numbers.append(row[0])
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            db.close()

    workers = [threading.Thread(target=desk) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    assert sorted(numbers) == [f"TS-20261123-{n:04d}" for n in range(1, per_thread * threads + 1)]


def test_the_promised_time_defaults_by_severity_and_cannot_be_before_logging(firm):
    high = complaints.get_complaint(firm.db, firm.qa, log(firm, severity="high"))
    low = complaints.get_complaint(firm.db, firm.qa, log(firm, severity="low"))
    assert high["promised_at"] == "2026-11-24 09:00:00" and low["promised_at"] == "2026-11-26 09:00:00"
    chosen = complaints.get_complaint(firm.db, firm.qa, log(firm, promised_at=date(2026, 11, 25)))
    assert chosen["promised_at"] == "2026-11-25 23:59:59"
    with pytest.raises(ValidationError) as caught:
        log(firm, promised_at=MORNING - timedelta(hours=1))
    assert caught.value.errors[0].key == "err.complaint.promise_past"


def test_the_life_cycle_moves_along_allowed_steps_each_with_who_when_and_a_note(firm):
    complaint_id = log(firm)
    steps = [("start", "in_progress"), ("escalate", "escalated"), ("resolve", "resolved"), ("close", "closed")]
    for hours, (action, status) in enumerate(steps, start=1):
        assert (
            complaints.advance(
                firm.db, firm.qa, complaint_id, action, f"note {action}", now=MORNING + timedelta(hours=hours)
            )
            == status
        )
    events = complaints.events(firm.db, firm.qa, complaint_id)
    assert [(e["action"], e["to_status"], e["by_name"]) for e in events] == [
        ("log", "new", "INSPECTOR"),
        ("start", "in_progress", "INSPECTOR"),
        ("escalate", "escalated", "INSPECTOR"),
        ("resolve", "resolved", "INSPECTOR"),
        ("close", "closed", "INSPECTOR"),
    ]
    assert events[3]["at"] == "2026-11-23 12:00:00" and events[3]["note"] == "note resolve"
    complaint = complaints.get_complaint(firm.db, firm.qa, complaint_id)
    assert complaint["assignee_name"] == "MGR"  # escalated to the project's supervisor
    assert complaint["resolved_at"] == "2026-11-23 12:00:00" and complaint["closed_at"] == "2026-11-23 13:00:00"


def test_a_closed_complaint_cannot_be_resolved_again_without_reopening(firm):
    complaint_id = log(firm)
    complaints.advance(firm.db, firm.qa, complaint_id, "resolve", "已退款", now=MORNING + timedelta(hours=1))
    complaints.advance(firm.db, firm.qa, complaint_id, "close", "", now=MORNING + timedelta(hours=2))
    with pytest.raises(ValidationError) as caught:
        complaints.advance(firm.db, firm.qa, complaint_id, "resolve", "再解决", now=MORNING + timedelta(hours=3))
    assert caught.value.errors[0].key == "err.bad_transition"
    with pytest.raises(ValidationError) as caught:
        complaints.advance(firm.db, firm.qa, complaint_id, "reopen", "", now=MORNING + timedelta(hours=3))
    assert caught.value.errors[0].field == "note"
    complaints.advance(firm.db, firm.qa, complaint_id, "reopen", "买家再次来电", now=MORNING + timedelta(hours=3))
    reopened = complaints.get_complaint(firm.db, firm.qa, complaint_id)
    assert reopened["status"] == "in_progress" and reopened["resolved_at"] is None and reopened["closed_at"] is None
    assert (
        complaints.advance(firm.db, firm.qa, complaint_id, "resolve", "重新处理", now=MORNING + timedelta(hours=4))
        == "resolved"
    )


@pytest.mark.parametrize(
    "status,allowed",
    [
        ("new", ("start", "escalate", "resolve")),
        ("in_progress", ("escalate", "resolve")),
        ("escalated", ("resolve",)),
        ("resolved", ("close", "reopen")),
        ("closed", ("reopen",)),
    ],
)
def test_allowed_steps_per_status(status, allowed):
    assert complaints.allowed_actions(status) == allowed


def test_resolving_needs_a_note(firm):
    with pytest.raises(ValidationError) as caught:
        complaints.advance(firm.db, firm.qa, log(firm), "resolve", " ")
    assert caught.value.errors[0].key == "err.required"


def test_open_complaints_past_their_promise_are_overdue_resolved_ones_are_not(firm):
    late = log(firm, severity="high")  # promised 2026-11-24 09:00
    done = log(firm, severity="high")
    fresh = log(firm, MORNING + timedelta(days=1), severity="high")  # promised 2026-11-25 09:00
    complaints.advance(firm.db, firm.qa, done, "resolve", "ok", now=MORNING + timedelta(hours=30))
    later = datetime(2026, 11, 24, 10, 0)
    assert complaints.is_overdue(complaints.get_complaint(firm.db, firm.qa, late), later)
    assert not complaints.is_overdue(complaints.get_complaint(firm.db, firm.qa, late), datetime(2026, 11, 24, 8, 59))
    assert [c["id"] for c in complaints.list_complaints(firm.db, firm.qa, overdue=True, now=later)] == [late]
    assert {c["id"] for c in complaints.list_complaints(firm.db, firm.qa, overdue=False, now=later)} == {done, fresh}
    assert complaints.overdue_by_project(firm.db, firm.qa, now=later) == [
        {
            "project_id": firm.project,
            "project_name": "售前",
            "merchant_name": "优品家居",
            "overdue": 1,
            "oldest_promise": "2026-11-24 09:00:00",
        }
    ]


def test_an_attitude_complaint_naming_agent_and_chat_goes_to_the_supervisor_and_creates_a_review_task(firm):
    chat_day = config.today() - timedelta(days=1)
    now = datetime.combine(config.today(), datetime.min.time()).replace(hour=10)
    complaint_id = log(
        firm, now, category="service_attitude", concerns_agent=True, agent_id=firm.agent, chat_date=chat_day
    )
    complaint = complaints.get_complaint(firm.db, firm.qa, complaint_id)
    assert complaint["status"] == "escalated" and complaint["assignee_name"] == "MGR"
    task = reviews.get_review(firm.db, firm.qa, complaint["review_id"])
    assert (
        task["status"] == "task" and task["complaint_id"] == complaint_id and task["chat_date"] == chat_day.isoformat()
    )
    assert task["chat_buyer_id"] == "tb_buyer" and task["complaint"]["number"] == complaint["number"]
    assert [t["id"] for t in reviews.tasks(firm.db, firm.qa, firm.project)] == [task["id"]]
    card = default_card(firm.db)
    reviews.score_review(firm.db, firm.qa, task["id"], best(card, 与买家争吵或嘲讽买家=0), "与买家争执", "problem")
    linked = complaints.get_complaint(firm.db, firm.qa, complaint_id)
    assert (
        linked["review_score"] == 0.0 and linked["review_critical_failed"] == 1 and linked["review_status"] == "scored"
    )
    assert reviews.tasks(firm.db, firm.qa, firm.project) == []


def test_a_complaint_without_the_chat_creates_no_task_and_others_are_not_escalated(firm):
    complaint_id = log(firm, category="refund", concerns_agent=True, agent_id=firm.agent)
    complaint = complaints.get_complaint(firm.db, firm.qa, complaint_id)
    assert complaint["status"] == "new" and complaint["review_id"] is None


def test_the_named_agent_must_be_on_the_projects_team(firm):
    with pytest.raises(ValidationError) as caught:
        log(firm, concerns_agent=True, agent_id=firm.agent_c)
    assert caught.value.errors[0].key == "err.qa.agent_not_on_team"
    with pytest.raises(ValidationError) as caught:
        log(firm, concerns_agent=True, agent_id=None)
    assert (caught.value.errors[0].field, caught.value.errors[0].key) == ("complaint.agent", "err.required")


def test_a_complaint_about_an_agent_is_resolved_only_after_the_supervisors_finding(firm):
    complaint_id = log(firm, category="wrong_answer", concerns_agent=True, agent_id=firm.agent)
    with pytest.raises(ValidationError) as caught:
        complaints.advance(firm.db, firm.qa, complaint_id, "resolve", "已补偿", now=MORNING + timedelta(hours=1))
    assert caught.value.errors[0].key == "err.complaint.finding_required"
    with pytest.raises(PermissionDenied):
        complaints.set_responsibility(firm.db, firm.qa, complaint_id, True, "客服答错")  # the supervisor decides
    complaints.set_responsibility(
        firm.db, firm.manager, complaint_id, True, "客服答错尺码", now=MORNING + timedelta(hours=2)
    )
    complaints.advance(firm.db, firm.qa, complaint_id, "resolve", "已补偿", now=MORNING + timedelta(hours=3))
    with pytest.raises(ValidationError) as caught:
        complaints.set_responsibility(firm.db, firm.manager, log(firm), True, "x")
    assert caught.value.errors[0].key == "err.complaint.no_agent"


def test_complaints_found_against_an_agent_in_a_period(firm):
    inside = log(firm, category="service_attitude", concerns_agent=True, agent_id=firm.agent)
    cleared = log(firm, category="service_attitude", concerns_agent=True, agent_id=firm.agent)
    undecided = log(firm, category="service_attitude", concerns_agent=True, agent_id=firm.agent)
    outside = log(firm, MORNING + timedelta(days=10), category="wrong_answer", concerns_agent=True, agent_id=firm.agent)
    other = log(firm, category="wrong_answer", concerns_agent=True, agent_id=firm.agent_b)
    for complaint_id, responsible in ((inside, True), (cleared, False), (outside, True), (other, True)):
        complaints.set_responsibility(
            firm.db, firm.manager, complaint_id, responsible, "认定", now=MORNING + timedelta(days=11)
        )
    found = complaints.complaints_against_agent(firm.db, None, firm.agent, date(2026, 11, 1), date(2026, 11, 30))
    assert [c["id"] for c in found] == [inside]
    assert undecided not in [c["id"] for c in found]
    assert (
        complaints.complaints_against_agent(
            firm.db, firm.agent_user, firm.agent, date(2026, 12, 1), date(2026, 12, 31)
        )[0]["id"]
        == outside
    )
    with pytest.raises(PermissionDenied):
        complaints.complaints_against_agent(
            firm.db, firm.agent_user, firm.agent_b, date(2026, 11, 1), date(2026, 11, 30)
        )


def test_a_merchant_sees_its_projects_complaints_read_only_without_agent_or_notes(firm):
    own = log(firm, category="service_attitude", concerns_agent=True, agent_id=firm.agent)
    complaints.set_responsibility(firm.db, firm.manager, own, True, "内部认定-不外传")
    foreign = log(firm, project_id=firm.other_project)
    seen = complaints.list_complaints(firm.db, firm.merchant)
    assert [c["id"] for c in seen] == [own]
    assert set(seen[0]) == set(complaints.MERCHANT_FIELDS)
    assert "内部认定" not in str(seen) and "小美" not in str(seen)
    events = complaints.events(firm.db, firm.merchant, own)
    assert all(set(e) == {"at", "action", "from_status", "to_status"} for e in events)
    assert [e["action"] for e in events] == ["log", "escalate"]  # the finding on the agent is internal
    assert [e["action"] for e in complaints.events(firm.db, firm.manager, own)] == ["log", "escalate", "responsible"]
    with pytest.raises(NotFound):
        complaints.get_complaint(firm.db, firm.merchant, foreign)  # another project's id: refused
    with pytest.raises(NotFound):
        complaints.events(firm.db, firm.merchant, foreign)
    with pytest.raises(PermissionDenied):
        complaints.advance(firm.db, firm.merchant, own, "start")
    with pytest.raises(PermissionDenied):
        log(firm, who=firm.merchant)
    with pytest.raises(PermissionDenied):
        complaints.list_complaints(firm.db, firm.agent_user)


def test_lists_filter_and_the_trend_counts_by_week_and_category(firm):
    a = log(firm, category="logistics", order_no="A-1")
    b = log(firm, MORNING + timedelta(days=1), category="refund")
    c = log(firm, MORNING + timedelta(days=7), category="logistics", concerns_agent=True, agent_id=firm.agent_b)
    complaints.advance(firm.db, firm.qa, b, "start", "")
    assert [x["id"] for x in complaints.list_complaints(firm.db, firm.qa, category="logistics")] == [c, a]
    assert [x["id"] for x in complaints.list_complaints(firm.db, firm.qa, status="in_progress")] == [b]
    assert [x["id"] for x in complaints.list_complaints(firm.db, firm.qa, agent_id=firm.agent_b)] == [c]
    assert [x["id"] for x in complaints.list_complaints(firm.db, firm.qa, search="A-1")] == [a]
    assert [
        x["id"] for x in complaints.list_complaints(firm.db, firm.qa, start=date(2026, 11, 24), end=date(2026, 11, 24))
    ] == [b]
    assert complaints.trend(firm.db, firm.qa, date(2026, 11, 1), date(2026, 12, 31)) == [
        {"week": "2026-11-23", "category": "logistics", "complaints": 1},
        {"week": "2026-11-23", "category": "refund", "complaints": 1},
        {"week": "2026-11-30", "category": "logistics", "complaints": 1},
    ]


def test_an_agent_named_is_kept_without_any_other_tick_and_makes_the_task_and_the_escalation(firm):
    chat_day = config.today() - timedelta(days=1)
    now = datetime.combine(config.today(), datetime.min.time()).replace(hour=10)
    complaint_id = log(
        firm, now, category="service_attitude", agent_id=firm.agent, chat_date=chat_day
    )  # no concerns_agent flag
    complaint = complaints.get_complaint(firm.db, firm.qa, complaint_id)
    assert (complaint["agent_name"], complaint["concerns_agent"]) == ("小美", 1)
    assert complaint["status"] == "escalated" and complaint["assignee_name"] == "MGR"
    assert reviews.get_review(firm.db, firm.qa, complaint["review_id"])["agent_name"] == "小美"
    assert [e["action"] for e in complaints.events(firm.db, firm.qa, complaint_id)] == ["log", "escalate"]


def test_an_attitude_complaint_goes_to_the_projects_supervisor_even_before_the_agent_is_known(firm):
    complaint = complaints.get_complaint(firm.db, firm.qa, log(firm, category="service_attitude"))
    assert complaint["status"] == "escalated" and complaint["assignee_name"] == "MGR" and complaint["agent_id"] is None
    other = complaints.get_complaint(firm.db, firm.qa, log(firm, category="logistics"))
    assert other["status"] == "new" and other["assignee_id"] is None
