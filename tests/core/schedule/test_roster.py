"""The roster: the proposal's rest-day rules, edits, conflicts, coverage, handover, leave and swaps, access."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.agents import directory
from core.golive import gate
from core.kernel import config
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import PermissionDenied
from core.kpi import hourly
from core.schedule import coverage, handover, promotions, shift_requests, shift_settings, shifts, surge
from core.schedule.shifts import PoolAgent, build_proposal
from tests.core.team.team_support import confirmed_project, make_agents, pass_exams, user

MONDAY = date(2026, 11, 30)


def _week(n: int = 1) -> list[date]:
    return shifts.days_of(MONDAY, MONDAY + timedelta(days=7 * n - 1))


# --- the proposal (pure) ---------------------------------------------------------------------------------


def test_every_online_agent_works_six_days_and_rests_one_in_each_week():
    pool = [PoolAgent(i, "day", "online") for i in range(1, 8)]
    result = build_proposal(pool, _week(4), {"day": 6, "night": 0})
    for agent in pool:
        for week in range(4):
            cells = [result[(agent.agent_id, MONDAY + timedelta(days=7 * week + d))] for d in range(7)]
            assert cells.count("rest") == 1 and cells.count("day") == 6


def test_rest_days_are_staggered_so_seven_agents_cover_six_every_day():
    pool = [PoolAgent(i, "day", "online") for i in range(1, 8)]
    result = build_proposal(pool, _week(2), {"day": 6, "night": 0})
    for day in _week(2):
        assert sum(1 for a in pool if result[(a.agent_id, day)] == "day") == 6


def test_no_agent_works_a_seventh_day_in_a_row_counting_the_days_before():
    pool = [PoolAgent(1, "day", "online", streak_before=6), PoolAgent(2, "day", "online", streak_before=3)]
    result = build_proposal(pool, _week(), {"day": 1, "night": 0})
    assert result[(1, MONDAY)] == "rest"
    runs = shifts.longest_runs(
        [MONDAY - timedelta(days=i) for i in range(1, 4)] + [d for d in _week() if result[(2, d)] == "day"]
    )
    assert max(length for _first, length in runs) <= 6


def test_reserves_fill_a_short_shift_and_only_then():
    pool = [PoolAgent(1, "day", "online"), PoolAgent(2, "day", "online"), PoolAgent(9, "night", "reserve")]
    result = build_proposal(pool, _week(), {"day": 2, "night": 0})
    for day in _week():
        on_duty = [a for a in (1, 2, 9) if result[(a, day)] == "day"]
        resting_online = [a for a in (1, 2) if result[(a, day)] == "rest"]
        assert len(on_duty) == 2 if not resting_online or result[(9, day)] == "day" else len(on_duty) < 2
        assert (result[(9, day)] == "day") == bool(
            resting_online
        )  # the reserve comes in exactly when an online agent rests


def test_leave_is_kept_and_a_reserve_covers_it():
    pool = [PoolAgent(1, "day", "online"), PoolAgent(9, "day", "reserve")]
    leave_day = MONDAY + timedelta(days=2)
    result = build_proposal(pool, _week(), {"day": 1, "night": 0}, leave={(1, leave_day)})
    assert result[(1, leave_day)] == "leave"
    assert result[(9, leave_day)] == "day"


def test_a_reserve_busy_on_another_project_is_not_called_in():
    pool = [PoolAgent(1, "day", "online"), PoolAgent(9, "day", "reserve")]
    rest_day = next(d for d in _week() if build_proposal(pool, _week(), {"day": 1, "night": 0})[(1, d)] == "rest")
    result = build_proposal(pool, _week(), {"day": 1, "night": 0}, busy={(9, rest_day)})
    assert (9, rest_day) not in result


def test_a_month_for_thirty_agents_never_breaks_the_rules():
    pool = [PoolAgent(i, "day" if i % 2 else "night", "online" if i <= 24 else "reserve") for i in range(1, 31)]
    days = shifts.days_of(MONDAY, MONDAY + timedelta(days=30))
    result = build_proposal(pool, days, {"day": 10, "night": 10})
    for agent in pool:
        worked = [d for d in days if result[(agent.agent_id, d)] in shift_settings.WORK_SHIFTS]
        assert max((n for _f, n in shifts.longest_runs(worked)), default=0) <= 6
    for day in days:
        for shift in shift_settings.WORK_SHIFTS:
            assert sum(1 for a in pool if result[(a.agent_id, day)] == shift) >= 10


def test_shift_hours_count_an_agent_when_the_shift_covers_the_middle_of_the_hour():
    assert shift_settings.shift_hours("08:30", "16:00") == list(range(8, 16))
    assert shift_settings.shift_hours("16:00", "23:30") == list(range(16, 23))
    assert shift_settings.service_hours("08:00", "23:00") == list(range(8, 23))
    assert shift_settings.service_hours("08:30", "23:30") == list(range(8, 24))


@pytest.mark.parametrize("required,day,night", [(1, 1, 1), (5, 3, 2), (8, 5, 3), (10, 6, 4)])
def test_default_headcount_per_shift(required, day, night):
    assert shift_settings.default_required(required) == {"day": day, "night": night}


# --- the store -----------------------------------------------------------------------------------------------


@pytest.fixture
def setup(fresh_db, admin):
    """A project needing 5 (3 by day, 2 at night) with 4 day + 3 night online agents and 2 reserves, all admitted."""
    project_id = confirmed_project(fresh_db, admin, required=5)
    ids = make_agents(fresh_db, admin, 9, status="online")
    for i, agent_id in enumerate(ids):
        role = "online" if i < 7 else "reserve"
        shift = "day" if i < 4 or i == 7 else "night"
        directory.assign(fresh_db, admin, project_id, agent_id, role, shift, MONDAY - timedelta(days=30))
        pass_exams(fresh_db, admin, project_id, agent_id)
    return fresh_db, admin, project_id, ids


def test_proposal_meets_the_headcount_with_no_conflicts(setup):
    db, admin, project_id, _ids = setup
    n = shifts.apply_proposal(db, admin, project_id, MONDAY, MONDAY + timedelta(days=27))
    assert n == 9 * 28
    assert shifts.conflicts(db, admin, project_id, MONDAY, MONDAY + timedelta(days=27)) == []


def test_proposal_continues_the_streak_of_the_period_before(setup):
    db, admin, project_id, ids = setup
    before = MONDAY - timedelta(days=6)
    shifts.save_cells(
        db,
        admin,
        project_id,
        [{"agent_id": ids[0], "day": before + timedelta(days=i), "shift": "day"} for i in range(6)],
    )
    proposal = shifts.propose(db, admin, project_id, MONDAY, MONDAY + timedelta(days=6))
    assert proposal[(ids[0], MONDAY)] == "rest"


def test_an_edit_that_breaks_a_rule_is_saved_and_shown_as_a_conflict(setup):
    db, admin, project_id, ids = setup
    end = MONDAY + timedelta(days=6)
    shifts.apply_proposal(db, admin, project_id, MONDAY, end)
    rest_days = [d for d, v in shifts.grid(db, admin, project_id, MONDAY, end)[0]["days"].items() if v == "rest"]
    changed = shifts.save_cells(db, admin, project_id, [{"agent_id": ids[0], "day": rest_days[0], "shift": "day"}])
    assert changed == 1  # saved: the manager may knowingly plan it
    found = [c for c in shifts.conflicts(db, admin, project_id, MONDAY, end) if c["agent_id"] == ids[0]]
    assert [(c["kind"], c["day"], c["detail"]) for c in found] == [("seventh_day", end.isoformat(), "7")]
    shifts.save_cells(db, admin, project_id, [{"agent_id": ids[0], "day": MONDAY + timedelta(days=3), "shift": "rest"}])
    assert [c for c in shifts.conflicts(db, admin, project_id, MONDAY, end) if c["agent_id"] == ids[0]] == []
    shifts.save_cells(
        db,
        admin,
        project_id,
        [{"agent_id": ids[0], "day": MONDAY - timedelta(days=i), "shift": "day"} for i in range(1, 5)],
    )
    found = [c for c in shifts.conflicts(db, admin, project_id, MONDAY, end) if c["agent_id"] == ids[0]]
    assert [(c["kind"], c["day"]) for c in found] == [
        ("seventh_day", (MONDAY + timedelta(days=2)).isoformat())
    ]  # 4 before + Mon–Wed


def test_an_understaffed_shift_is_a_conflict_with_its_numbers(setup):
    db, admin, project_id, ids = setup
    shifts.save_cells(db, admin, project_id, [{"agent_id": ids[0], "day": MONDAY, "shift": "day"}])
    found = [c for c in shifts.conflicts(db, admin, project_id, MONDAY, MONDAY) if c["kind"] == "understaffed"]
    assert {(c["shift"], c["detail"]) for c in found} == {("day", "1/3"), ("night", "0/2")}


def test_an_agent_on_two_projects_at_overlapping_times_is_a_conflict(setup, admin):
    db, _admin, project_id, ids = setup
    other = confirmed_project(db, admin, name="潮流服饰", required=1)
    directory.assign(db, admin, other, ids[0], "online", "day", MONDAY - timedelta(days=30))
    shifts.save_cells(
        db,
        admin,
        project_id,
        [
            {"agent_id": ids[0], "day": MONDAY, "shift": "day"},
            {"agent_id": ids[0], "day": MONDAY + timedelta(days=1), "shift": "day"},
        ],
    )
    shifts.save_cells(
        db,
        admin,
        other,
        [
            {"agent_id": ids[0], "day": MONDAY, "shift": "day"},
            {"agent_id": ids[0], "day": MONDAY + timedelta(days=1), "shift": "night"},
        ],
    )
    found = [
        c
        for c in shifts.conflicts(db, admin, project_id, MONDAY, MONDAY + timedelta(days=1))
        if c["kind"] == "double_booked"
    ]
    assert [(c["day"], c["agent_id"]) for c in found] == [(MONDAY.isoformat(), ids[0])]  # day and night do not overlap


def test_the_proposal_leaves_out_days_the_agent_works_elsewhere(setup, admin):
    db, _admin, project_id, ids = setup
    other = confirmed_project(db, admin, name="潮流服饰", required=1)
    shifts.save_cells(
        db, admin, other, [{"agent_id": ids[7], "day": MONDAY + timedelta(days=d), "shift": "day"} for d in range(7)]
    )
    proposal = shifts.propose(db, admin, project_id, MONDAY, MONDAY + timedelta(days=6))
    assert not any(proposal.get((ids[7], MONDAY + timedelta(days=d))) in shift_settings.WORK_SHIFTS for d in range(7))


def test_bad_cells_are_refused_and_nothing_is_written(setup):
    db, admin, project_id, ids = setup
    with pytest.raises(ValidationError):
        shifts.save_cells(
            db,
            admin,
            project_id,
            [
                {"agent_id": ids[0], "day": MONDAY, "shift": "day"},
                {"agent_id": ids[1], "day": MONDAY, "shift": "evening"},
            ],
        )
    assert db["roster_entries"].count == 0


def test_a_period_longer_than_62_days_is_refused(setup):
    db, admin, project_id, _ids = setup
    with pytest.raises(ValidationError):
        shifts.propose(db, admin, project_id, MONDAY, MONDAY + timedelta(days=62))


def test_coverage_without_chat_history_uses_the_headcount(setup):
    db, admin, project_id, ids = setup
    shifts.save_cells(db, admin, project_id, [{"agent_id": ids[i], "day": MONDAY, "shift": "day"} for i in range(4)])
    cover = {c["hour"]: c for c in coverage.coverage(db, admin, project_id, MONDAY, MONDAY)}
    assert cover[10]["staffed"] == 4 and cover[10]["required"] == 3 and cover[10]["gap"] == 1
    assert cover[20]["staffed"] == 0 and cover[20]["required"] == 2 and cover[20]["gap"] == -2
    assert cover[10]["basis"] == "headcount"


def _chat(db, project_id: int, day: date, hour: int, buyer: str, minute: int = 0) -> None:
    """A stored buyer message, and the day's per-hour figures recomputed from the stored messages as an import does."""
    stamp = f"{day.isoformat()} {hour:02d}:{minute:02d}:00"
    db["chat_messages"].insert(
        {
            "project_id": project_id,
            "day": day.isoformat(),
            "time": stamp,
            "buyer": buyer,
            "agent": "a",
            "sender": "buyer",
            "content": "在吗",
        }
    )
    hourly.refresh(db, project_id, day, day)


def test_inquiries_count_each_buyers_first_message_of_the_day(setup):
    db, admin, project_id, _ids = setup
    day = MONDAY - timedelta(days=7)
    _chat(db, project_id, day, 10, "b1")
    _chat(db, project_id, day, 10, "b1", 30)  # the same buyer again: no new inquiry
    _chat(db, project_id, day, 11, "b1")
    _chat(db, project_id, day, 11, "b2")
    _chat(db, project_id, day + timedelta(days=1), 9, "b1")  # next day: a new inquiry
    history = coverage.inquiry_history(db, admin, project_id, day, day + timedelta(days=1))
    assert history[(day, 10)] == 1 and history[(day, 11)] == 1 and history[(day, 12)] == 0
    assert history[(day + timedelta(days=1), 9)] == 1
    assert len(history) == 48


def test_requirement_from_history_repeats_the_weekday_pattern(setup):
    db, admin, project_id, _ids = setup
    for week in range(1, 3):
        for n in range(200):  # 200 inquiries at 10:00 on the two Mondays before
            _chat(db, project_id, MONDAY - timedelta(days=7 * week), 10, f"b{week}-{n}", n % 60)
    need = coverage.requirement(db, admin, project_id, MONDAY, MONDAY + timedelta(days=1))
    assert need[(MONDAY, 10)] > 0 and need[(MONDAY, 11)] == 0
    assert need[(MONDAY + timedelta(days=1), 10)] == 0  # Tuesday had no chats
    cover = coverage.coverage(db, admin, project_id, MONDAY, MONDAY)
    assert cover[0]["basis"] == "forecast"


# --- promotions and the surge plan -----------------------------------------------------------------------------


def test_a_plus_40_percent_promotion_with_5_days_notice_is_a_risk(setup, monkeypatch):
    db, admin, project_id, ids = setup
    monkeypatch.setattr(config, "today", lambda: MONDAY)
    promo = promotions.add_promotion(
        db,
        admin,
        project_id,
        {
            "name": "双12",
            "start_day": MONDAY + timedelta(days=5),
            "end_day": MONDAY + timedelta(days=5),
            "announced_on": MONDAY,
            "expected_rise": 0.4,
        },
    )
    plan = surge.surge_plan(db, admin, promo)
    assert plan["notice"] == {"needed": 7, "given": 5, "ok": False, "beyond_plan": False}
    assert "short_notice" in plan["risks"]
    day = (MONDAY + timedelta(days=5)).isoformat()
    assert plan["peak"]["day"][day] == 2  # ceil(3 × 0.4) without chat history
    assert plan["peak"]["night"][day] == 1  # ceil(2 × 0.4)
    assert plan["shortfall"] == 1  # two reserves, three extra agents
    assert {p["agent_id"] for p in plan["proposal"]} == {ids[7], ids[8]}
    assert next(p for p in plan["proposal"] if p["agent_id"] == ids[7])["shift"] == "day"  # own shift first
    assert plan["reserve_target"] == 3
    assert plan["reserve_delta"] == -1  # two reserves, three kept
    assert promotions.promotion_days(promotions.promotions(db, admin, project_id)) == {MONDAY + timedelta(days=5)}


def test_a_reserve_without_the_projects_exams_is_not_proposed(setup):
    db, admin, project_id, _ids = setup
    extra = make_agents(db, admin, 1, prefix="R", status="reserve")[0]
    directory.assign(db, admin, project_id, extra, "reserve", "day", MONDAY - timedelta(days=1))
    promo = promotions.add_promotion(
        db,
        admin,
        project_id,
        {
            "name": "大促",
            "start_day": MONDAY + timedelta(days=10),
            "end_day": MONDAY + timedelta(days=10),
            "announced_on": MONDAY,
            "expected_rise": 0.2,
        },
    )
    plan = surge.surge_plan(db, admin, promo)
    assert "reserve_not_admitted" in plan["risks"]
    assert extra not in {p["agent_id"] for p in plan["proposal"]}


def test_a_rise_beyond_60_percent_is_outside_the_plan(setup):
    db, admin, project_id, _ids = setup
    promo = promotions.add_promotion(
        db,
        admin,
        project_id,
        {
            "name": "双11",
            "start_day": MONDAY + timedelta(days=20),
            "end_day": MONDAY + timedelta(days=21),
            "announced_on": MONDAY,
            "expected_rise": 0.8,
        },
    )
    assert "beyond_plan" in surge.surge_plan(db, admin, promo)["risks"]


def test_promotion_form_errors_name_every_field():
    errors = promotions.promotion_errors(
        {
            "name": "",
            "start_day": MONDAY,
            "end_day": MONDAY - timedelta(days=1),
            "announced_on": MONDAY + timedelta(days=1),
            "expected_rise": -0.1,
        }
    )
    assert {e.field for e in errors} == {
        "schedule.promo_name",
        "schedule.end_day",
        "schedule.announced_on",
        "schedule.expected_rise",
    }


def test_staff_loss_lists_the_reserves_and_whether_they_passed(setup):
    db, admin, project_id, ids = setup
    directory.change_status(db, admin, ids[0], "left", "辞职")
    loss = surge.replacements(db, admin, project_id)
    assert [r["agent_id"] for r in loss["left"]] == [ids[0]]
    assert loss["online"] == 6 and loss["required"] == 5 and loss["gap"] == 0
    # 6 online − 5 required; 2 reserves − the target ceil(0.5 × 5) = 3
    assert loss["online_delta"] == 1 and loss["reserve_delta"] == -1
    assert {r["agent_id"]: r["admitted"] for r in loss["reserves"]} == {ids[7]: True, ids[8]: True}


# --- handover, leave and swaps -----------------------------------------------------------------------------------


@pytest.fixture
def agent_user(setup):
    db, admin, project_id, ids = setup
    actor = user(db, admin, "xiaomei", "agent")
    directory.update_agent(db, admin, ids[0], {**directory.get_agent(db, ids[0]), "user_id": actor.id})
    return actor


def test_the_incoming_day_shift_reads_last_nights_notes_first(setup, agent_user):
    db, admin, project_id, _ids = setup
    handover.add_handover(
        db, agent_user, project_id, MONDAY, "night", marked_buyers="buyer123 要求改地址", unresolved="补发未确认"
    )
    handover.add_handover(db, admin, project_id, MONDAY + timedelta(days=1), "day", note="白班留给晚班")
    notes = handover.handover_for(db, agent_user, project_id, MONDAY + timedelta(days=1), "day")
    assert [n["marked_buyers"] for n in notes] == ["buyer123 要求改地址"]
    assert [n["note"] for n in handover.handover_for(db, admin, project_id, MONDAY + timedelta(days=1), "night")] == [
        "白班留给晚班"
    ]


def test_an_empty_handover_is_refused(setup, agent_user):
    db, _admin, project_id, _ids = setup
    with pytest.raises(ValidationError):
        handover.add_handover(db, agent_user, project_id, MONDAY, "day", "  ", "", "")


def test_approved_leave_is_written_to_the_roster_and_a_second_decision_is_refused(setup, agent_user, monkeypatch):
    db, admin, project_id, ids = setup
    monkeypatch.setattr(config, "today", lambda: MONDAY)
    request_id = shift_requests.request_leave(
        db, agent_user, project_id, MONDAY + timedelta(days=2), MONDAY + timedelta(days=3), "家里有事"
    )
    assert [r["status"] for r in shift_requests.requests(db, admin, project_id)] == ["pending"]
    shift_requests.decide(db, admin, request_id, True, "同意")
    cells = {c["day"]: c["shift"] for c in shift_requests.my_roster(db, agent_user, MONDAY, MONDAY + timedelta(days=6))}
    assert cells == {
        (MONDAY + timedelta(days=2)).isoformat(): "leave",
        (MONDAY + timedelta(days=3)).isoformat(): "leave",
    }
    with pytest.raises(ValidationError):
        shift_requests.decide(db, admin, request_id, False)
    proposal = shifts.propose(db, admin, project_id, MONDAY, MONDAY + timedelta(days=6))
    assert proposal[(ids[0], MONDAY + timedelta(days=2))] == "leave"


def test_an_approved_swap_exchanges_the_two_cells(setup, agent_user, monkeypatch):
    db, admin, project_id, ids = setup
    monkeypatch.setattr(config, "today", lambda: MONDAY)
    day = MONDAY + timedelta(days=1)
    shifts.save_cells(
        db,
        admin,
        project_id,
        [{"agent_id": ids[0], "day": day, "shift": "day"}, {"agent_id": ids[4], "day": day, "shift": "night"}],
    )
    request_id = shift_requests.request_swap(db, agent_user, project_id, day, ids[4], "换晚班")
    shift_requests.decide(db, admin, request_id, True)
    cells = {r["agent_id"]: r["days"][day.isoformat()] for r in shifts.grid(db, admin, project_id, day, day)}
    assert cells[ids[0]] == "night" and cells[ids[4]] == "day"


def test_a_swap_with_someone_not_rostered_that_day_is_refused_on_approval(setup, agent_user, monkeypatch):
    db, admin, project_id, ids = setup
    monkeypatch.setattr(config, "today", lambda: MONDAY)
    request_id = shift_requests.request_swap(db, agent_user, project_id, MONDAY + timedelta(days=1), ids[4], "换班")
    with pytest.raises(ValidationError):
        shift_requests.decide(db, admin, request_id, True)
    assert shift_requests.requests(db, admin, project_id)[0]["status"] == "pending"


def test_a_leave_request_in_the_past_or_without_reason_is_refused(setup, agent_user, monkeypatch):
    db, _admin, project_id, _ids = setup
    monkeypatch.setattr(config, "today", lambda: MONDAY)
    with pytest.raises(ValidationError) as exc:
        shift_requests.request_leave(db, agent_user, project_id, MONDAY - timedelta(days=1), MONDAY, " ")
    assert {e.field for e in exc.value.errors} == {"schedule.day", "schedule.reason"}
    assert db["shift_requests"].count == 0


# --- access -----------------------------------------------------------------------------------------------------


def test_an_agent_cannot_request_on_a_project_it_is_not_on(setup, agent_user, admin):
    db, _admin, _project_id, _ids = setup
    other = confirmed_project(db, admin, name="潮流服饰", required=1)
    with pytest.raises(PermissionDenied):
        shift_requests.request_leave(
            db, agent_user, other, config.today() + timedelta(days=1), config.today() + timedelta(days=1), "事假"
        )


def test_an_agent_sees_only_its_own_requests_and_cannot_read_the_grid_or_decide(setup, agent_user, monkeypatch):
    db, admin, project_id, ids = setup
    monkeypatch.setattr(config, "today", lambda: MONDAY)
    mine = shift_requests.request_leave(
        db, agent_user, project_id, MONDAY + timedelta(days=1), MONDAY + timedelta(days=1), "事假"
    )
    other_actor = user(db, admin, "ajie", "agent")
    directory.update_agent(db, admin, ids[1], {**directory.get_agent(db, ids[1]), "user_id": other_actor.id})
    shift_requests.request_leave(
        db, other_actor, project_id, MONDAY + timedelta(days=2), MONDAY + timedelta(days=2), "病假"
    )
    assert [r["id"] for r in shift_requests.requests(db, agent_user)] == [mine]
    with pytest.raises(PermissionDenied):
        shifts.grid(db, agent_user, project_id, MONDAY, MONDAY)
    with pytest.raises(PermissionDenied):
        shift_requests.decide(db, agent_user, mine, True)


def test_trainer_reads_the_roster_but_cannot_change_it(setup):
    db, admin, project_id, ids = setup
    trainer = user(db, admin, "trainer1", "trainer")
    assert shifts.grid(db, trainer, project_id, MONDAY, MONDAY)
    with pytest.raises(PermissionDenied):
        shifts.save_cells(db, trainer, project_id, [{"agent_id": ids[0], "day": MONDAY, "shift": "day"}])
    with pytest.raises(PermissionDenied):
        shifts.apply_proposal(db, trainer, project_id, MONDAY, MONDAY)


def test_a_merchant_sees_no_roster_and_no_surge_plan(setup):
    db, admin, project_id, _ids = setup
    merchant_id = db.execute("SELECT merchant_id FROM projects WHERE id = ?", [project_id]).fetchone()[0]
    merchant = user(db, admin, "shop", "merchant", merchant_id)
    promo = promotions.add_promotion(
        db,
        admin,
        project_id,
        {
            "name": "大促",
            "start_day": MONDAY + timedelta(days=10),
            "end_day": MONDAY + timedelta(days=10),
            "announced_on": MONDAY,
            "expected_rise": 0.2,
        },
    )
    for call in (
        lambda: shifts.grid(db, merchant, project_id, MONDAY, MONDAY),
        lambda: surge.surge_plan(db, merchant, promo),
        lambda: shift_settings.settings(db, merchant, project_id),
        lambda: shift_requests.requests(db, merchant),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_an_unknown_request_or_promotion_is_not_found(setup):
    db, admin, _project_id, _ids = setup
    with pytest.raises(NotFound):
        shift_requests.decide(db, admin, 999, True)
    with pytest.raises(NotFound):
        surge.surge_plan(db, admin, 999)


def test_every_change_is_audited(setup):
    db, admin, project_id, ids = setup
    shifts.save_cells(db, admin, project_id, [{"agent_id": ids[0], "day": MONDAY, "shift": "day"}])
    shift_settings.save_settings(
        db,
        admin,
        project_id,
        {
            "day_start": "09:00",
            "day_end": "17:00",
            "night_start": "17:00",
            "night_end": "23:30",
            "required_day": 3,
            "required_night": 2,
            "aht_s": 200,
            "concurrency": 2,
            "shrinkage": 0.25,
            "max_occupancy": 0.9,
        },
    )
    entities = {r["entity"] for r in db.query("SELECT entity FROM audit_log")}
    assert {"roster", "schedule_settings"} <= entities
    assert shift_settings.settings(db, admin, project_id)["day_start"] == "09:00"


def test_settings_errors_name_the_fields():
    errors = shift_settings.settings_errors(
        {
            "day_start": "9点",
            "day_end": "17:00",
            "night_start": "23:00",
            "night_end": "17:00",
            "required_day": -1,
            "required_night": 2,
            "aht_s": 0,
            "concurrency": 2,
            "shrinkage": 0.95,
            "max_occupancy": 0.9,
        }
    )
    assert {e.field for e in errors} == {
        "schedule.day_start",
        "schedule.night_end",
        "schedule.required_day",
        "schedule.aht_s",
        "schedule.shrinkage",
    }


def test_a_headcount_of_zero_means_no_night_shift_not_the_default(setup):
    db, admin, project_id, _ids = setup
    shift_settings.save_settings(
        db,
        admin,
        project_id,
        {
            "day_start": "08:30",
            "day_end": "16:00",
            "night_start": "16:00",
            "night_end": "23:30",
            "required_day": 3,
            "required_night": 0,
            "aht_s": 240,
            "concurrency": 3,
            "shrinkage": 0.3,
            "max_occupancy": 0.85,
        },
    )
    assert shift_settings.settings(db, admin, project_id)["required_night"] == 0
    assert shifts.understaffed_shifts(db, project_id, MONDAY, MONDAY) == [(MONDAY.isoformat(), "day")]


def test_an_edited_grid_saves_only_the_cells_that_changed(setup):
    db, admin, project_id, ids = setup
    shifts.apply_proposal(db, admin, project_id, MONDAY, MONDAY + timedelta(days=1))
    members = shifts.grid(db, admin, project_id, MONDAY, MONDAY + timedelta(days=1))
    edited = {(m["agent_id"], d): v for m in members for d, v in m["days"].items()}
    first = members[0]
    edited[(first["agent_id"], MONDAY.isoformat())] = "leave"
    edited[(first["agent_id"], (MONDAY + timedelta(days=1)).isoformat())] = ""  # cleared
    changes = shifts.changed_cells(members, edited)
    assert changes == [
        {"agent_id": first["agent_id"], "day": MONDAY.isoformat(), "shift": "leave"},
        {"agent_id": first["agent_id"], "day": (MONDAY + timedelta(days=1)).isoformat(), "shift": None},
    ]
    assert shifts.save_cells(db, admin, project_id, changes) == 2
    after = shifts.grid(db, admin, project_id, MONDAY, MONDAY + timedelta(days=1))[0]["days"]
    assert after == {MONDAY.isoformat(): "leave", (MONDAY + timedelta(days=1)).isoformat(): ""}


def test_the_home_page_alerts_for_waiting_requests_and_a_short_week(setup, agent_user, monkeypatch):
    from core.overview import home
    from core.projects import merchants as m

    db, admin, project_id, _ids = setup
    monkeypatch.setattr(config, "today", lambda: MONDAY)

    gate.go_live(db, admin, project_id, "测试")
    shifts.apply_proposal(db, admin, project_id, MONDAY, MONDAY + timedelta(days=6))
    assert not [a for a in home.alerts(db, admin, MONDAY) if a["kind"] in ("shift_requests", "roster_short")]
    shift_requests.request_leave(
        db, agent_user, project_id, MONDAY + timedelta(days=1), MONDAY + timedelta(days=1), "事假"
    )
    shifts.save_cells(
        db,
        admin,
        project_id,
        [
            {"agent_id": m["agent_id"], "day": MONDAY, "shift": "rest"}
            for m in shifts.grid(db, admin, project_id, MONDAY, MONDAY)
        ],
    )
    kinds = {a["kind"]: a for a in home.alerts(db, admin, MONDAY)}
    assert kinds["shift_requests"]["n"] == 1
    assert kinds["roster_short"]["project_id"] == project_id and kinds["roster_short"]["first"] == MONDAY.isoformat()
    assert m.get_project(db, admin, project_id)["status"] == "live"
