"""Attendance: the shop's shifts, present or late from the check-in, the six-on-one-off schedule, the rate, who may
see it."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from core.kernel import config
from core.kernel.errors import ValidationError
from core.kernel.permissions import PermissionDenied
from core.salary import attendance
from tests.core.salary.test_salary_support import payfirm  # noqa: F401  (a fixture)


@pytest.mark.parametrize(
    "shift,check_in,status",
    [
        ("day", time(8, 30), "present"),
        ("day", time(8, 31), "late"),
        ("day", time(8, 0), "present"),
        ("night", time(16, 0), "present"),
        ("night", time(16, 5), "late"),
    ],
)
def test_present_at_the_shift_start_late_after_it(shift, check_in, status):
    assert attendance.status_from_check_in(shift, check_in) == status


def test_the_shifts_are_the_shop_rules():
    assert attendance.SHIFTS == {"day": (time(8, 30), time(16, 0)), "night": (time(16, 0), time(23, 30))}


def test_six_days_on_one_off_every_week_staggered_by_agent():
    start = date(2026, 9, 1)
    for agent_id in range(1, 8):
        rests = [
            start + timedelta(days=i) for i in range(28) if attendance.is_rest_day(agent_id, start + timedelta(days=i))
        ]
        assert len(rests) == 4 and all((b - a).days == 7 for a, b in zip(rests, rests[1:]))
    assert (
        len(
            {
                next(d for d in range(7) if attendance.is_rest_day(agent_id, start + timedelta(days=d)))
                for agent_id in range(7)
            }
        )
        == 7
    )


def test_a_check_in_time_decides_present_or_late_and_is_kept(payfirm):
    f = payfirm
    attendance.save_days(
        f.db,
        f.manager,
        f.a,
        [
            {"day": "2026-09-01", "shift": "day", "check_in": "08:41"},
            {"day": "2026-09-02", "shift": "night", "check_in": "15:58"},
        ],
    )
    days = attendance.agent_days(f.db, f.manager, f.a, date(2026, 9, 1), date(2026, 9, 2))
    assert [(d["status"], d["check_in"]) for d in days] == [("late", "08:41"), ("present", "15:58")]


def test_bad_days_are_all_listed_and_nothing_is_saved(payfirm):
    f = payfirm
    future = (config.today() + timedelta(days=3)).isoformat()
    with pytest.raises(ValidationError) as caught:
        attendance.save_days(
            f.db,
            f.manager,
            f.a,
            [
                {"day": "2026-09-01", "status": "present", "shift": "day"},
                {"day": "2026-09-02", "status": "sick", "shift": "day"},
                {"day": "2026-09-03", "shift": "day", "check_in": "8h41"},
                {"day": future, "status": "present", "shift": "day"},
            ],
        )
    assert [(e.field, e.key) for e in caught.value.errors] == [
        ("2026-09-02", "err.invalid_choice"),
        ("2026-09-03", "err.time_format"),
        (future, "err.salary.attendance_future"),
    ]
    assert f.db["attendance"].count == 0
    attendance.save_days(
        f.db, f.manager, f.a, [{"day": future, "status": "leave", "shift": "day"}]
    )  # planned leave is fine


def test_filling_from_the_schedule_covers_assigned_days_to_today_and_keeps_what_was_entered(payfirm):
    f = payfirm
    attendance.set_day(f.db, f.manager, f.a, date(2026, 9, 3), "absent")
    added = attendance.fill_schedule(f.db, f.manager, date(2026, 9, 1), date(2026, 9, 30))
    assert added == 30 + 30 - 1  # two agents, 30 days each, one day already recorded
    mine = attendance.days_of(f.db, f.a, date(2026, 9, 1), date(2026, 9, 30))
    assert next(d for d in mine if d["day"] == "2026-09-03")["status"] == "absent"
    assert sum(d["status"] == "rest" for d in mine) in (4, 5)
    moved = attendance.days_of(f.db, f.b, date(2026, 9, 1), date(2026, 9, 30))
    assert {d["shift"] for d in moved if d["day"] <= "2026-09-10"} == {"day"} and {
        d["shift"] for d in moved if d["day"] > "2026-09-10"
    } == {"night"}
    assert attendance.fill_schedule(f.db, f.manager, date(2026, 9, 1), date(2026, 9, 30)) == 0
    later = config.today() + timedelta(days=5)
    attendance.fill_schedule(f.db, f.manager, config.today().replace(day=1), later)
    assert not attendance.days_of(f.db, f.a, config.today() + timedelta(days=1), later)  # never fills days not yet come


def test_the_rate_counts_present_and_late_over_scheduled_days():
    records = [{"status": s} for s in ("present",) * 20 + ("late",) * 2 + ("absent", "leave") + ("rest",) * 4]
    summary = attendance.summary(records)
    assert summary["scheduled"] == 24 and summary["worked"] == 22 and summary["rate"] == pytest.approx(22 / 24)
    assert attendance.summary([{"status": "rest"}])["rate"] is None


def test_an_agent_sees_only_its_own_days_and_cannot_record_any(payfirm):
    f = payfirm
    attendance.set_day(f.db, f.manager, f.a, date(2026, 9, 1), "present")
    assert len(attendance.agent_days(f.db, f.agent_user, f.a, date(2026, 9, 1), date(2026, 9, 30))) == 1
    with pytest.raises(PermissionDenied):
        attendance.agent_days(f.db, f.agent_user, f.b, date(2026, 9, 1), date(2026, 9, 30))
    with pytest.raises(PermissionDenied):
        attendance.set_day(f.db, f.agent_user, f.a, date(2026, 9, 2), "present")
    with pytest.raises(PermissionDenied):
        attendance.month_grid(f.db, f.merchant, date(2026, 9, 1), date(2026, 9, 30))


def test_the_month_grid_lists_every_agent_on_a_team_with_its_days(payfirm):
    f = payfirm
    attendance.set_day(f.db, f.manager, f.b, date(2026, 9, 12), "late", shift="night")
    grid = attendance.month_grid(f.db, f.manager, date(2026, 9, 1), date(2026, 9, 30))
    assert [p["name"] for p in grid] == ["小美", "阿杰"]
    assert grid[1]["days"] == {"2026-09-12": "late"} and grid[1]["summary"]["late"] == 1
    assert [
        p["name"] for p in attendance.month_grid(f.db, f.manager, date(2026, 9, 1), date(2026, 9, 30), project_id=f.p2)
    ] == ["阿杰"]
    assert [
        p["name"] for p in attendance.month_grid(f.db, f.manager, date(2026, 9, 1), date(2026, 9, 30), search="KF1")
    ] == ["小美"]


def test_filling_from_the_schedule_follows_the_roster_where_there_is_one(payfirm):
    from core.schedule import shifts

    f = payfirm
    p1 = f.db.execute("SELECT project_id FROM project_agents WHERE agent_id = ?", [f.a]).fetchone()[0]
    shifts.save_cells(
        f.db,
        f.manager,
        p1,
        [
            {"agent_id": f.a, "day": date(2026, 9, 1), "shift": "night"},
            {"agent_id": f.a, "day": date(2026, 9, 2), "shift": "rest"},
            {"agent_id": f.a, "day": date(2026, 9, 4), "shift": "leave"},
        ],
    )
    attendance.fill_schedule(f.db, f.manager, date(2026, 9, 1), date(2026, 9, 7))
    days = {
        d["day"]: (d["status"], d["shift"]) for d in attendance.days_of(f.db, f.a, date(2026, 9, 1), date(2026, 9, 7))
    }
    assert days["2026-09-01"] == ("present", "night")  # the roster's shift, not the team's default
    assert days["2026-09-02"][0] == "rest"
    assert days["2026-09-04"][0] == "leave"
    unrostered = [day for day in ("2026-09-03", "2026-09-05", "2026-09-06", "2026-09-07")]
    assert all(
        days[d][0] == ("rest" if attendance.is_rest_day(f.a, date.fromisoformat(d)) else "present") for d in unrostered
    )
