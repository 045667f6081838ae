"""The staffing funnel (screening 1:3, admission 1:2, scheduling 1:1.5), screening due dates, admission."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.agents import directory
from core.kernel import config
from core.kernel.errors import ValidationError
from core.kernel.permissions import PermissionDenied
from core.projects import merchants
from core.team import exams as team_exams
from core.team import funnel as team
from tests.core.team.team_support import confirmed_project, make_agents, pass_exams, user

# --- arithmetic -------------------------------------------------------------------------------------


def test_five_required_need_15_screened_10_admitted_8_scheduled():
    assert team.funnel_targets(5) == {"screened": 15, "admitted": 10, "scheduled": 8}


def test_targets_round_up():
    assert team.funnel_targets(3) == {"screened": 9, "admitted": 6, "scheduled": 5}  # 4.5 → 5
    assert team.funnel_targets(1) == {"screened": 3, "admitted": 2, "scheduled": 2}  # 1.5 → 2
    assert team.target(7, 1.25) == 9  # 8.75 → 9


def test_targets_use_decimal_arithmetic_so_exact_products_are_not_rounded_up():
    assert 25 * 2.2 > 55  # the float trap: 55.00000000000001
    assert team.target(25, 2.2) == 55
    assert team.target(4, 1.5) == 6


def test_screening_is_due_three_working_days_after_the_request():
    assert team.screening_due(date(2025, 9, 26), 1) == date(
        2025, 9, 28
    )  # Friday + 1: Sunday the 28th is a swapped working day
    assert team.screening_due(date(2025, 9, 30), 3) == date(2025, 10, 11)  # over the National Day week
    assert team.screening_due(date(2025, 9, 30), 3, frozenset({date(2025, 10, 10)})) == date(
        2025, 10, 13
    )  # an extra day off


def test_screening_is_late_when_reached_after_the_due_day_or_not_reached_past_it():
    due = date(2025, 3, 5)
    assert not team.screening_late(due, date(2025, 3, 5), today=date(2025, 3, 20))
    assert team.screening_late(due, date(2025, 3, 6), today=date(2025, 3, 20))
    assert not team.screening_late(due, None, today=date(2025, 3, 5))
    assert team.screening_late(due, None, today=date(2025, 3, 6))


# --- screening ---------------------------------------------------------------------------------------


def test_only_agents_who_passed_the_basic_exam_and_have_not_left_can_be_matched(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin)
    qualified = make_agents(fresh_db, admin, 2, "Q")
    untrained = make_agents(fresh_db, admin, 1, "U", basic=False)
    failed = make_agents(fresh_db, admin, 1, "F", basic=False)
    team_exams.record_exam(
        fresh_db, admin, {"agent_id": failed[0], "exam_type": "written", "score": 70, "max_score": 100}
    )
    leaver = make_agents(fresh_db, admin, 1, "L")
    directory.change_status(fresh_db, admin, leaver[0], "left")
    assert {a["id"] for a in team.eligible_agents(fresh_db, admin, project_id)} == set(qualified)
    with pytest.raises(ValidationError) as caught:
        team.match_candidates(fresh_db, admin, project_id, qualified + untrained + failed + leaver)
    assert [e.key for e in caught.value.errors] == [
        "err.team.not_basic_qualified",
        "err.team.not_basic_qualified",
        "err.team.agent_left",
    ]
    assert fresh_db["project_candidates"].count == 0  # nothing half-written
    assert team.match_candidates(fresh_db, admin, project_id, qualified) == 2
    assert team.match_candidates(fresh_db, admin, project_id, qualified) == 0  # already matched
    assert team.eligible_agents(fresh_db, admin, project_id) == []


def test_a_withdrawn_candidate_leaves_the_funnel_and_can_be_matched_again(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin, required=1)
    ids = make_agents(fresh_db, admin, 2)
    team.match_candidates(fresh_db, admin, project_id, ids)
    team.withdraw_candidate(fresh_db, admin, project_id, ids[0], "另有安排")
    assert team.funnel(fresh_db, admin, project_id)["stages"][0]["reached"] == 1
    assert [c["agent_id"] for c in team.candidates(fresh_db, admin, project_id)] == [ids[1]]
    team.match_candidates(fresh_db, admin, project_id, [ids[0]])
    assert team.funnel(fresh_db, admin, project_id)["stages"][0]["reached"] == 2


def test_screening_due_date_and_lateness_come_from_the_confirmation_day(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin, required=1)
    ids = make_agents(fresh_db, admin, 3)
    today = config.today()
    result = team.funnel(fresh_db, admin, project_id)
    assert result["screening"]["requested_on"] == today
    assert result["screening"]["due"] == team.screening_due(today, 3)
    assert not result["screening"]["late"]
    long_ago = today - timedelta(days=30)
    team.update_settings(fresh_db, admin, project_id, 3, 2, 1.5, 2, long_ago)
    result = team.funnel(fresh_db, admin, project_id)
    assert result["screening"]["due"] == team.screening_due(long_ago, 2) and result["screening"]["late"]
    team.match_candidates(fresh_db, admin, project_id, ids, on=today - timedelta(days=29))
    result = team.funnel(fresh_db, admin, project_id)
    assert result["screening"]["reached_on"] == today - timedelta(days=29)
    assert result["screening"]["late"] is (today - timedelta(days=29) > result["screening"]["due"])


def test_screening_days_are_one_to_three_and_ratios_positive(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin)
    with pytest.raises(ValidationError) as caught:
        team.update_settings(fresh_db, admin, project_id, 0, -1, "x", 4)
    assert {(e.field, e.key) for e in caught.value.errors} == {
        ("team.screen_ratio", "err.team.range"),
        ("team.admit_ratio", "err.team.range"),
        ("team.schedule_ratio", "err.invalid_value"),
        ("team.screening_days", "err.team.range"),
    }


# --- admission -------------------------------------------------------------------------------------------


def test_admission_needs_every_required_exam_and_says_which_is_missing():
    required = ("written", "simulation", "merchant")
    exams = [
        {"id": 1, "exam_type": "written", "exam_date": "2025-03-01", "passed": 1},
        {"id": 2, "exam_type": "simulation", "exam_date": "2025-03-02", "passed": 0},
    ]
    result = team_exams.admission(required, exams)
    assert not result["admitted"] and result["missing"] == ["simulation", "merchant"]
    exams += [
        {"id": 3, "exam_type": "simulation", "exam_date": "2025-03-03", "passed": 1},
        {"id": 4, "exam_type": "merchant", "exam_date": "2025-03-03", "passed": 1},
    ]
    assert team_exams.admission(required, exams) == {
        **team_exams.admission(required, exams),
        "admitted": True,
        "missing": [],
    }


def test_the_latest_attempt_counts_so_a_failed_retake_undoes_a_pass():
    exams = [
        {"id": 1, "exam_type": "written", "exam_date": "2025-03-01", "passed": 1},
        {"id": 2, "exam_type": "written", "exam_date": "2025-03-05", "passed": 0},
    ]
    assert team_exams.admission(("written",), exams)["missing"] == ["written"]


def test_required_exams_follow_the_order_confirmations_examiner(fresh_db, admin):
    ours = confirmed_project(fresh_db, admin, "我方考核店", examiner="us")
    both = confirmed_project(fresh_db, admin, "双方考核店", examiner="both")
    merchant_only = confirmed_project(fresh_db, admin, "商家考核店", examiner="merchant")
    assert team_exams.required_exams(fresh_db, admin, ours) == ("written", "simulation")
    assert team_exams.required_exams(fresh_db, admin, both) == ("written", "simulation", "merchant")
    assert team_exams.required_exams(fresh_db, admin, merchant_only) == ("merchant",)
    team_exams.set_required_exams(fresh_db, admin, ours, ["written"])
    assert team_exams.required_exams(fresh_db, admin, ours) == ("written",)
    team_exams.set_required_exams(fresh_db, admin, ours, None)
    assert team_exams.required_exams(fresh_db, admin, ours) == ("written", "simulation")
    with pytest.raises(ValidationError):
        team_exams.set_required_exams(fresh_db, admin, ours, [])


def test_when_the_merchant_examines_our_exams_alone_do_not_admit(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin, examiner="both", required=1)
    [agent_id] = make_agents(fresh_db, admin, 1)
    team.match_candidates(fresh_db, admin, project_id, [agent_id])
    pass_exams(fresh_db, admin, project_id, agent_id)
    [candidate] = team.candidates(fresh_db, admin, project_id)
    assert not candidate["admitted"] and candidate["missing"] == ["merchant"]
    pass_exams(fresh_db, admin, project_id, agent_id, ["merchant"])
    [candidate] = team.candidates(fresh_db, admin, project_id)
    assert candidate["admitted"] and candidate["missing"] == []


# --- the funnel ----------------------------------------------------------------------------------------------


def test_funnel_counts_matched_admitted_and_scheduled_agents(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin, required=2)  # needs 6 screened, 4 admitted, 3 scheduled
    ids = make_agents(fresh_db, admin, 7)
    team.match_candidates(fresh_db, admin, project_id, ids[:5])
    for agent_id in ids[:3]:
        pass_exams(fresh_db, admin, project_id, agent_id)
    pass_exams(fresh_db, admin, project_id, ids[3], ["written"])  # simulation missing: not admitted
    pass_exams(fresh_db, admin, project_id, ids[6])  # passed, but never matched: not in the funnel
    team.add_to_team(fresh_db, admin, project_id, ids[0], "online", "day", config.today())
    team.add_to_team(fresh_db, admin, project_id, ids[1], "reserve", "night", config.today() + timedelta(days=3))
    result = team.funnel(fresh_db, admin, project_id)
    assert result["required"] == 2
    assert [(s["stage"], s["target"], s["reached"], s["short"]) for s in result["stages"]] == [
        ("screened", 6, 5, True),
        ("admitted", 4, 3, True),
        ("scheduled", 3, 2, True),
    ]
    assert result["short"]


def test_putting_an_agent_on_the_team_makes_them_a_candidate(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin, required=1)
    [agent_id] = make_agents(fresh_db, admin, 1, basic=False)
    team.add_to_team(fresh_db, admin, project_id, agent_id, "online", "day", config.today())
    assert [c["agent_id"] for c in team.candidates(fresh_db, admin, project_id)] == [agent_id]


def test_agents_who_left_count_nowhere_and_ended_assignments_are_not_scheduled(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin, required=1)
    ids = make_agents(fresh_db, admin, 2)
    team.match_candidates(fresh_db, admin, project_id, ids)
    for agent_id in ids:
        pass_exams(fresh_db, admin, project_id, agent_id)
    first = team.add_to_team(fresh_db, admin, project_id, ids[0], "online", "day", config.today() - timedelta(days=10))
    team.add_to_team(fresh_db, admin, project_id, ids[1], "online", "day", config.today() - timedelta(days=10))
    directory.change_status(fresh_db, admin, ids[1], "online")
    directory.change_status(fresh_db, admin, ids[1], "left")
    directory.end_assignment(fresh_db, admin, first, config.today() - timedelta(days=1))
    reached = {s["stage"]: s["reached"] for s in team.funnel(fresh_db, admin, project_id)["stages"]}
    assert reached == {"screened": 1, "admitted": 1, "scheduled": 0}


def test_ratios_are_per_project_settings(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin, required=4)
    team.update_settings(fresh_db, admin, project_id, 2.5, 1.5, 1.25)
    assert [s["target"] for s in team.funnel(fresh_db, admin, project_id)["stages"]] == [10, 6, 5]


def test_a_project_without_a_confirmed_order_has_no_targets(fresh_db, admin):
    merchant_id = merchants.create_merchant(fresh_db, admin, {"name": "洽谈中", "platform": "taobao"})
    project_id = merchants.create_project(fresh_db, admin, merchant_id, "售前")
    result = team.funnel(fresh_db, admin, project_id)
    assert result["required"] is None and not result["short"]
    assert [s["target"] for s in result["stages"]] == [None, None, None]


def test_short_funnels_lists_the_projects_to_show_in_red(fresh_db, admin):
    short = confirmed_project(fresh_db, admin, "差人店", required=1)
    full = confirmed_project(fresh_db, admin, "满员店", required=1)
    ids = make_agents(fresh_db, admin, 3)
    team.match_candidates(fresh_db, admin, full, ids)
    for agent_id in ids[:2]:
        pass_exams(fresh_db, admin, full, agent_id)
        team.add_to_team(fresh_db, admin, full, agent_id, "online", "day", config.today())
    found = team.short_funnels(fresh_db, admin)
    assert [p["id"] for p in found] == [short]
    assert [s["stage"] for s in found[0]["stages"]] == ["screened", "admitted", "scheduled"]
    agent_user = user(fresh_db, admin, "kf", "agent")
    assert team.short_funnels(fresh_db, agent_user) == []


def test_a_merchant_reads_its_own_team_only_never_our_funnel_and_cannot_screen(fresh_db, admin):
    # issue 18: the funnel is our internal staffing; a merchant sees its team (names, on duty or reserve, shifts)
    own = confirmed_project(fresh_db, admin, "自家店")
    other = confirmed_project(fresh_db, admin, "别家店")
    merchant = user(fresh_db, admin, "shop", "merchant", merchants.get_project(fresh_db, admin, own)["merchant_id"])
    assert team.funnel(fresh_db, admin, own)["required"] == 5
    assert team.team(fresh_db, merchant, own) == []
    with pytest.raises(PermissionDenied):
        team.funnel(fresh_db, merchant, own)
    with pytest.raises(PermissionDenied):
        team.team(fresh_db, merchant, other)
    with pytest.raises(PermissionDenied):
        team.funnel(fresh_db, merchant, other)
    ids = make_agents(fresh_db, admin, 1)
    with pytest.raises(PermissionDenied):
        team.match_candidates(fresh_db, merchant, own, ids)
    with pytest.raises(PermissionDenied):
        team.eligible_agents(fresh_db, merchant, own)


def test_the_settings_form_saves_all_or_nothing_and_does_not_pin_the_implied_exams(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin, required=4, examiner="us")
    ratios = {"screen_ratio": 2.5, "admit_ratio": 1.5, "schedule_ratio": 1.25}
    with pytest.raises(ValidationError) as caught:
        team.save_settings(fresh_db, admin, project_id, ratios, 5, None, [], {"written": 1.5})
    assert {(e.field, e.key) for e in caught.value.errors} == {
        ("team.screening_days", "err.team.range"),
        ("team.required_exams", "err.required"),
        ("team.pass_mark", "err.rate_range"),
    }
    assert [s["target"] for s in team.funnel(fresh_db, admin, project_id)["stages"]] == [12, 8, 6]  # nothing saved
    team.save_settings(
        fresh_db, admin, project_id, ratios, 2, None, ["written", "simulation"], {"written": 0.9, "simulation": 0.8}
    )
    assert [s["target"] for s in team.funnel(fresh_db, admin, project_id)["stages"]] == [10, 6, 5]
    assert team_exams.pass_marks(fresh_db, project_id)["written"] == 0.9
    assert not team.settings(fresh_db, admin, project_id)[
        "required_exams_set"
    ]  # the order confirmation's choice still rules
    team.save_settings(fresh_db, admin, project_id, ratios, 2, None, ["written"], {})
    assert team.settings(fresh_db, admin, project_id)["required_exams_set"]
    assert team_exams.required_exams(fresh_db, admin, project_id) == ("written",)
