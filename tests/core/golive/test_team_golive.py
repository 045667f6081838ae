"""Go-live readiness: what is missing, the gate on moving to live, and the admin's override."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.golive import gate
from core.kernel import audit, config
from core.kernel.errors import ValidationError
from core.kernel.permissions import PermissionDenied
from core.projects import merchants
from core.projects import order_confirmation as oc
from core.schedule import shift_settings, shifts
from core.team import funnel
from tests.core.team.team_support import confirmed_project, make_agents, pass_exams, user


def staff(db, admin, project_id, admitted: int, scheduled: int) -> None:
    """Match `admitted` agents who pass both exams, and put `scheduled` of them on the team."""
    ids = make_agents(db, admin, admitted, prefix=f"P{project_id}-")
    funnel.match_candidates(db, admin, project_id, ids)
    for index, agent_id in enumerate(ids):
        pass_exams(db, admin, project_id, agent_id)
        if index < scheduled:
            funnel.add_to_team(
                db, admin, project_id, agent_id, "online" if index % 3 else "reserve", "day", config.today()
            )


def roster_first_week(db, admin, project_id) -> None:
    """One agent a shift by day, none at night, and the first week rostered from the proposal."""
    shift_settings.save_settings(
        db,
        admin,
        project_id,
        {
            "day_start": "08:30",
            "day_end": "16:00",
            "night_start": "16:00",
            "night_end": "23:30",
            "required_day": 1,
            "required_night": 0,
            "aht_s": 240,
            "concurrency": 3,
            "shrinkage": 0.3,
            "max_occupancy": 0.85,
        },
    )
    first = max(
        config.today(), date.fromisoformat(oc.latest_confirmed(db, admin, project_id)["data"]["golive_committed_date"])
    )
    shifts.apply_proposal(db, admin, project_id, first, first + timedelta(days=6))


def keys(items):
    return [i.key for i in items]


def test_without_a_confirmed_order_the_confirmation_is_what_is_missing(fresh_db, admin):
    project_id = merchants.create_project(
        fresh_db, admin, merchants.create_merchant(fresh_db, admin, {"name": "新店", "platform": "jd"}), "售前"
    )
    assert keys(gate.readiness(fresh_db, admin, project_id)) == ["err.team.not_ready_oc"]


def test_readiness_lists_materials_admitted_and_roster_with_the_numbers(fresh_db, admin):
    project_id = confirmed_project(
        fresh_db, admin, required=2, materials_complete=False
    )  # needs 4 admitted, 3 scheduled
    staff(fresh_db, admin, project_id, admitted=3, scheduled=1)
    missing = gate.readiness(fresh_db, admin, project_id)
    assert keys(missing) == ["err.team.not_ready_materials", "err.team.not_ready_admitted", "err.team.not_ready_roster"]
    assert missing[0].params["missing"] == "售后政策"
    assert missing[1].params == {"have": 3, "need": 4}
    assert missing[2].params == {"have": 1, "need": 3}


def test_a_materials_gap_accepted_with_a_note_no_longer_blocks(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin, required=1, materials_complete=False)
    staff(fresh_db, admin, project_id, admitted=2, scheduled=2)
    with pytest.raises(ValidationError):
        funnel.accept_materials_gap(fresh_db, admin, project_id, "  ")
    funnel.accept_materials_gap(fresh_db, admin, project_id, "售后政策上线后一周内补齐，经理已确认")
    roster_first_week(fresh_db, admin, project_id)
    assert gate.readiness(fresh_db, admin, project_id) == []
    funnel.withdraw_materials_gap(fresh_db, admin, project_id)
    assert keys(gate.readiness(fresh_db, admin, project_id)) == ["err.team.not_ready_materials"]


def test_a_ready_project_goes_live(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin, required=1)
    staff(fresh_db, admin, project_id, admitted=2, scheduled=2)
    roster_first_week(fresh_db, admin, project_id)
    assert gate.readiness(fresh_db, admin, project_id) == []
    assert gate.check_can_go_live(fresh_db, admin, project_id) == []
    assert gate.go_live(fresh_db, admin, project_id) == []
    assert merchants.get_project(fresh_db, admin, project_id)["status"] == "live"


def test_with_the_team_there_the_first_week_must_be_rostered_shift_by_shift(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin, required=1)
    staff(fresh_db, admin, project_id, admitted=2, scheduled=2)
    [missing] = gate.readiness(fresh_db, admin, project_id)
    assert missing.key == "err.team.not_ready_week_roster"
    assert missing.params["n"] == 14  # nothing rostered: 7 days × (day + night)
    roster_first_week(fresh_db, admin, project_id)
    assert gate.readiness(fresh_db, admin, project_id) == []
    first = date.fromisoformat(missing.params["start"])
    agent_id = fresh_db.execute(
        "SELECT agent_id FROM roster_entries WHERE project_id = ? AND day = ? AND shift = 'day'",
        [project_id, first.isoformat()],
    ).fetchone()[0]
    shifts.save_cells(fresh_db, admin, project_id, [{"agent_id": agent_id, "day": first, "shift": "rest"}])
    [missing] = gate.readiness(fresh_db, admin, project_id)
    assert missing.key == "err.team.not_ready_week_roster" and missing.params["n"] == 1


def test_going_live_is_refused_with_every_missing_item_and_nothing_changes(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin, required=1)
    with pytest.raises(ValidationError) as caught:
        gate.go_live(fresh_db, admin, project_id)
    assert keys(caught.value.errors) == ["err.team.not_ready_admitted", "err.team.not_ready_roster"]
    with pytest.raises(ValidationError):
        gate.check_can_go_live(fresh_db, admin, project_id)
    assert merchants.get_project(fresh_db, admin, project_id)["status"] == "training"


def test_the_admin_overrides_with_a_reason_that_the_audit_log_keeps(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin, required=1)
    overridden = gate.go_live(fresh_db, admin, project_id, "商家要求提前上线，人员本周补齐")
    assert keys(overridden) == ["err.team.not_ready_admitted", "err.team.not_ready_roster"]
    assert merchants.get_project(fresh_db, admin, project_id)["status"] == "live"
    [entry] = [r for r in audit.search(fresh_db, admin, entity="project") if r["action"] == "go_live_override"]
    assert "商家要求提前上线" in entry["after"] and "err.team.not_ready_roster" in entry["before"]
    [kept] = gate.overrides(fresh_db, admin, project_id)
    assert kept["reason"].startswith("商家要求") and kept["by_name"] == admin.display_name
    assert fresh_db.execute("SELECT COUNT(*) FROM go_live_overrides WHERE used_at IS NULL").fetchone()[0] == 0


def test_only_the_admin_may_override(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin, required=1)
    manager = user(fresh_db, admin, "mgr", "manager")
    with pytest.raises(PermissionDenied):
        gate.go_live(fresh_db, manager, project_id, "我想上线")
    with pytest.raises(PermissionDenied):
        gate.check_can_go_live(fresh_db, manager, project_id, "我想上线")
    assert merchants.get_project(fresh_db, admin, project_id)["status"] == "training"
    assert fresh_db["go_live_overrides"].count == 0


def test_the_plain_status_change_to_live_is_gated_but_go_lives_override_passes(fresh_db, admin):
    """merchants.change_status refuses 'live' unless ready; go_live's admin override gets through."""
    project_id = confirmed_project(fresh_db, admin, required=1)
    with pytest.raises(ValidationError):
        gate.change_status(fresh_db, admin, project_id, "live")  # the plain path is refused
    gate.go_live(fresh_db, admin, project_id, "总监特批")
    assert merchants.get_project(fresh_db, admin, project_id)["status"] == "live"
    assert fresh_db.execute("SELECT COUNT(*) FROM go_live_overrides WHERE used_at IS NULL").fetchone()[0] == 0
    assert len([r for r in audit.search(fresh_db, admin, entity="project") if r["action"] == "go_live_override"]) == 1


def test_a_failed_status_change_leaves_no_override_behind(fresh_db, admin):
    project_id = merchants.create_project(
        fresh_db, admin, merchants.create_merchant(fresh_db, admin, {"name": "新店", "platform": "jd"}), "售前"
    )
    with pytest.raises(ValidationError) as caught:
        gate.go_live(fresh_db, admin, project_id, "试试")  # negotiating cannot move to live
    assert caught.value.errors[0].key == "err.bad_transition"
    assert fresh_db["go_live_overrides"].count == 0
