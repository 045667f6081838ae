"""Training plans (method, period, checklist, participants, attendance) and newcomers' tracks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.agents import directory
from core.kernel import config
from core.kernel.errors import ValidationError
from core.team import funnel, plans
from tests.core.team.team_support import confirmed_project, make_agents, user


def test_a_plan_lasts_one_to_three_working_days_by_default():
    start = date(2025, 9, 26)  # Friday; Saturday off, Sunday the 28th a swapped working day
    assert plans.default_plan_end(start) == date(2025, 9, 29)
    assert plans.plan_working_days(start, date(2025, 9, 29)) == 3
    assert plans.plan_warnings(start, date(2025, 9, 29)) == []
    [warning] = plans.plan_warnings(date(2025, 9, 22), date(2025, 9, 26))
    assert warning.key == "warn.team.plan_period" and warning.params == {"n": 5, "lo": 1, "hi": 3}


def test_plan_participants_default_to_candidates_and_the_team_reserves_included(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin)
    ids = make_agents(fresh_db, admin, 3)
    funnel.match_candidates(fresh_db, admin, project_id, ids[:1])
    funnel.add_to_team(fresh_db, admin, project_id, ids[1], "reserve", "night", config.today())
    assert plans.default_participants(fresh_db, admin, project_id) == ids[:2]


def test_a_plan_is_saved_replaced_and_validated(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin)
    ids = make_agents(fresh_db, admin, 3)
    today = config.today()
    plan_id = plans.save_plan(
        fresh_db,
        admin,
        project_id,
        "mock_practice",
        today,
        today + timedelta(days=2),
        ["scripts", "project"],
        ids[:2],
        "重点退换货",
    )
    plan = plans.get_plan(fresh_db, admin, project_id)
    assert (
        plan["content"] == ["project", "scripts"]
        and plan["participants"] == ids[:2]
        and plan["method"] == "mock_practice"
    )
    assert plans.save_plan(fresh_db, admin, project_id, "mixed", today, today, [], ids) == plan_id
    assert plans.get_plan(fresh_db, admin, project_id)["participants"] == ids
    with pytest.raises(ValidationError) as caught:
        plans.save_plan(fresh_db, admin, project_id, "lecture", today, today - timedelta(days=1), ["cooking"], [9999])
    assert {e.field for e in caught.value.errors} == {
        "team.method",
        "team.end_date",
        "team.content",
        "team.participants",
    }


def test_attendance_is_kept_per_session_with_each_participants_rate(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin)
    ids = make_agents(fresh_db, admin, 2)
    today = config.today()
    with pytest.raises(ValidationError) as caught:
        plans.add_session(fresh_db, admin, project_id, today, "产品知识", ids)
    assert caught.value.errors[0].key == "err.team.no_plan"
    plans.save_plan(fresh_db, admin, project_id, "online_course", today, today, ["business"], ids)
    plans.add_session(fresh_db, admin, project_id, today - timedelta(days=1), "产品知识", ids)
    plans.add_session(fresh_db, admin, project_id, today, "模拟对练", ids[:1])
    with pytest.raises(ValidationError):
        plans.add_session(fresh_db, admin, project_id, today + timedelta(days=1), " ", [])
    result = plans.attendance(fresh_db, admin, project_id)
    assert [s["topic"] for s in result["sessions"]] == ["产品知识", "模拟对练"]
    assert [(a["id"], a["rate"]) for a in result["agents"]] == [(ids[0], 1.0), (ids[1], 0.5)]
    history = plans.agent_training_history(fresh_db, admin, ids[1])
    assert [(p["sessions"], p["attended"]) for p in history["plans"]] == [(2, 1)]


def test_track_stages_have_planned_ends_in_working_days():
    progress = plans.track_progress("experienced", date(2025, 9, 26), [], today=date(2025, 9, 26))
    assert [(s["key"], s["planned_end"]) for s in progress["stages"]] == [
        ("product", date(2025, 9, 28)),
        ("scripts", date(2025, 9, 29)),
        ("mock", date(2025, 9, 30)),
        ("exam", date(2025, 10, 9)),
    ]
    assert progress["current"]["key"] == "product" and not progress["behind"]
    assert plans.track_progress("experienced", date(2025, 9, 26), [], today=date(2025, 9, 29))["behind"]


def test_the_templates_last_about_three_one_and_two_weeks():
    days = {name: sum(s.working_days for s in stages) for name, stages in plans.TRACKS.items()}
    assert days == {"no_experience": 15, "experienced": 5, "aftersales": 10}


def test_a_trainee_goes_through_the_stages_in_order_until_the_track_is_finished(fresh_db, admin):
    [agent_id] = make_agents(fresh_db, admin, 1)
    start = config.today() - timedelta(days=10)
    track_id = plans.start_track(fresh_db, admin, agent_id, "experienced", start)
    with pytest.raises(ValidationError) as caught:
        plans.start_track(fresh_db, admin, agent_id, "aftersales", start)
    assert caught.value.errors[0].key == "err.team.track_open"
    with pytest.raises(ValidationError):
        plans.complete_stage(fresh_db, admin, track_id, start - timedelta(days=1))
    for _ in range(3):
        plans.complete_stage(fresh_db, admin, track_id, start + timedelta(days=1))
    [track] = plans.list_tracks(fresh_db, admin, agent_id=agent_id)
    assert track["progress"]["done"] == 3 and track["progress"]["current"]["key"] == "exam"
    plans.complete_stage(fresh_db, admin, track_id, note="考核通过")
    [track] = plans.list_tracks(fresh_db, admin, agent_id=agent_id)
    assert track["progress"]["finished"] and track["completed_on"] == config.today().isoformat()
    with pytest.raises(ValidationError) as caught:
        plans.complete_stage(fresh_db, admin, track_id)
    assert caught.value.errors[0].key == "err.team.track_finished"
    assert plans.list_tracks(fresh_db, admin, open_only=True) == []


def test_an_agent_sees_their_own_track_only(fresh_db, admin):
    ids = make_agents(fresh_db, admin, 2)
    agent_user = user(fresh_db, admin, "kf", "agent")
    directory.update_agent(fresh_db, admin, ids[1], {"user_id": agent_user.id})
    for agent_id in ids:
        plans.start_track(fresh_db, admin, agent_id, "aftersales", config.today())
    assert [t["agent_id"] for t in plans.list_tracks(fresh_db, agent_user)] == [ids[1]]
    history = plans.agent_training_history(fresh_db, agent_user, ids[1])
    assert len(history["tracks"]) == 1 and len(history["exams"]) == 1
