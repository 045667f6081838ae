"""Exams: pass marks per type and project, validation, statistics, and who sees which records."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.agents import directory
from core.kernel import config
from core.kernel.errors import ValidationError
from core.kernel.permissions import PermissionDenied
from core.projects import merchants
from core.team import exams
from tests.core.team.team_support import confirmed_project, make_agents, user


def exam(db, actor, agent_id, project_id, exam_type="written", score=80, max_score=100, **extra):
    return exams.record_exam(
        db,
        actor,
        {
            "agent_id": agent_id,
            "project_id": project_id,
            "exam_type": exam_type,
            "score": score,
            "max_score": max_score,
            **extra,
        },
    )


def test_the_default_pass_mark_is_80_percent_inclusive():
    assert exams.is_pass(80, 100, 0.8)
    assert not exams.is_pass(79.5, 100, 0.8)
    assert exams.is_pass(40, 50, 0.8)
    assert exams.is_pass(24, 30, 0.8)  # 0.8000000000000002 vs 0.8: equal after rounding


def test_a_recorded_exam_keeps_the_pass_mark_in_force(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin)
    [agent_id] = make_agents(fresh_db, admin, 1)
    first = exam(fresh_db, admin, agent_id, project_id, score=85)
    exams.set_pass_mark(fresh_db, admin, project_id, "written", 0.9)
    second = exam(fresh_db, admin, agent_id, project_id, score=85)
    by_id = {e["id"]: e for e in exams.list_exams(fresh_db, admin, project_id=project_id)}
    assert (by_id[first]["pass_mark"], by_id[first]["passed"]) == (0.8, 1)
    assert (by_id[second]["pass_mark"], by_id[second]["passed"]) == (0.9, 0)
    assert exams.pass_marks(fresh_db, project_id)["simulation"] == 0.8  # per type
    assert exams.pass_marks(fresh_db, None)["written"] == 0.8  # basic exams use the default


def test_pass_marks_are_fractions_between_0_and_1(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin)
    for bad in (0, 1.2, "x"):
        with pytest.raises(ValidationError):
            exams.set_pass_mark(fresh_db, admin, project_id, "written", bad)
    with pytest.raises(ValidationError):
        exams.set_pass_mark(fresh_db, admin, project_id, "essay", 0.7)


def test_exam_validation_reports_every_problem(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin)
    [agent_id] = make_agents(fresh_db, admin, 1)
    with pytest.raises(ValidationError) as caught:
        exams.record_exam(
            fresh_db,
            admin,
            {
                "agent_id": agent_id,
                "project_id": project_id,
                "exam_type": "written",
                "score": 120,
                "max_score": 100,
                "exam_date": (config.today() + timedelta(days=1)).isoformat(),
                "notes": "x" * 2001,
            },
        )
    assert {(e.field, e.key) for e in caught.value.errors} == {
        ("team.score", "err.team.score_above_max"),
        ("team.exam_date", "err.team.date_future"),
        ("team.notes", "err.too_long"),
    }
    with pytest.raises(ValidationError) as caught:
        exams.record_exam(
            fresh_db,
            admin,
            {"agent_id": 999, "project_id": project_id, "exam_type": "quiz", "score": None, "max_score": 0},
        )
    assert {(e.field, e.key) for e in caught.value.errors} == {
        ("team.agent_id", "err.invalid_choice"),
        ("team.exam_type", "err.invalid_choice"),
        ("team.score", "err.required"),
        ("team.max_score", "err.positive"),
    }
    with pytest.raises(ValidationError) as caught:
        exam(fresh_db, admin, agent_id, None, "merchant")
    assert caught.value.errors[0].key == "err.team.basic_exam_type"
    assert fresh_db.execute("SELECT COUNT(*) FROM exams WHERE project_id IS NOT NULL").fetchone()[0] == 0


def test_the_examiner_defaults_to_who_recorded_it(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin)
    [agent_id] = make_agents(fresh_db, admin, 1)
    exam(fresh_db, admin, agent_id, project_id)
    exam(fresh_db, admin, agent_id, project_id, "merchant", examiner="商家刘女士")
    assert [e["examiner"] for e in exams.list_exams(fresh_db, admin, project_id=project_id)] == [
        "商家刘女士",
        "总监",
    ]


def test_project_statistics_give_pass_rates_averages_and_who_failed_why(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin)
    ids = make_agents(fresh_db, admin, 3)
    exam(fresh_db, admin, ids[0], project_id, score=90)
    exam(fresh_db, admin, ids[1], project_id, score=70, notes="售后政策不熟")
    exam(fresh_db, admin, ids[2], project_id, score=80)
    exam(fresh_db, admin, ids[0], project_id, "simulation", score=45, max_score=50)
    stats = exams.project_exam_stats(fresh_db, admin, project_id)
    assert [(r["exam_type"], r["attempts"], r["passed"], r["pass_rate"], r["average"]) for r in stats["by_type"]] == [
        ("written", 3, 2, 0.6667, 0.8),
        ("simulation", 1, 1, 1.0, 0.9),
    ]
    [failure] = stats["failures"]
    assert (failure["agent_name"], failure["score"], failure["notes"]) == ("A1", 70, "售后政策不熟")


def test_an_agent_sees_only_their_own_exams_and_a_merchant_only_its_projects(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin)
    other = confirmed_project(fresh_db, admin, "别家店")
    agent_user = user(fresh_db, admin, "kf", "agent")
    ids = make_agents(fresh_db, admin, 2)
    directory.update_agent(fresh_db, admin, ids[0], {"user_id": agent_user.id})
    exam(fresh_db, admin, ids[0], project_id)
    exam(fresh_db, admin, ids[1], project_id)
    exam(fresh_db, admin, ids[1], other)
    assert {e["agent_id"] for e in exams.list_exams(fresh_db, agent_user)} == {ids[0]}  # their basic exam too
    merchant = user(
        fresh_db, admin, "shop", "merchant", merchants.get_project(fresh_db, admin, project_id)["merchant_id"]
    )
    seen = exams.list_exams(fresh_db, merchant)
    assert {e["project_id"] for e in seen} == {project_id} and len(seen) == 2
    with pytest.raises(PermissionDenied):
        exams.project_exam_stats(fresh_db, merchant, other)
    with pytest.raises(PermissionDenied):
        exam(fresh_db, merchant, ids[0], project_id)
    stranger = user(fresh_db, admin, "kf2", "agent")
    assert exams.list_exams(fresh_db, stranger) == []


def test_list_filters_by_type_result_and_basic(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin)
    ids = make_agents(fresh_db, admin, 2)
    exam(fresh_db, admin, ids[0], project_id, score=60)
    exam(fresh_db, admin, ids[1], project_id, "simulation", score=95)
    assert len(exams.list_exams(fresh_db, admin, basic_only=True)) == 2
    assert [e["agent_id"] for e in exams.list_exams(fresh_db, admin, project_id=project_id, passed=False)] == [ids[0]]
    assert [e["agent_id"] for e in exams.list_exams(fresh_db, admin, exam_type="simulation")] == [ids[1]]
    assert [e["agent_id"] for e in exams.list_exams(fresh_db, admin, project_id=project_id, search="A1")] == [ids[1]]
