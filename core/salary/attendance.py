"""Attendance (考勤): the shop's shifts, one record per agent per day, the six-on-one-off schedule.

Shifts follow the shop rules: day 08:30–16:00, night 16:00–23:30; agents work six days and rest
one. A day is present, late, absent, on leave, or a rest day. The supervisor enters the day (or
a check-in time, from which present or late follows: later than the shift start is late), or fills
a month from the schedule and then marks the exceptions: a day the roster (core.schedule.shifts) has a
cell for takes it (a shift: present on it; rest; leave); a day without one falls back to every
assigned day present, every seventh day a rest day, staggered per agent.

Pay reads it through `summary`: the attendance rate is (present + late) / (present + late +
absent + leave); rest days and days without a record do not count.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import sqlite_utils

from core.agents import directory
from core.kernel import audit, config
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, ValidationError
from core.kernel.permissions import Actor, PermissionDenied, is_agent, require

SHIFTS: dict[str, tuple[time, time]] = {"day": (time(8, 30), time(16, 0)), "night": (time(16, 0), time(23, 30))}
STATUSES = ("present", "late", "absent", "leave", "rest")
WORKED = ("present", "late")
SCHEDULED = ("present", "late", "absent", "leave")
DAYS_ON, DAYS_OFF = 6, 1
MAX_NOTE = 200
FUTURE_STATUSES = ("leave", "rest")  # a day not yet come can be planned leave or rest, nothing else


def is_rest_day(agent_id: int, day: date) -> bool:
    """Six days on, one off, staggered by agent so a team never rests all on the same day."""
    return (day.toordinal() + agent_id) % (DAYS_ON + DAYS_OFF) == DAYS_ON


def parse_check_in(text: str | None) -> time | None:
    """'08:41' → 08:41; empty → None; raises ValueError on anything else."""
    value = (text or "").strip()
    if not value:
        return None
    return datetime.strptime(value, "%H:%M").time()


def status_from_check_in(shift: str, check_in: time) -> str:
    """Present at or before the shift start, late after it."""
    return "late" if check_in > SHIFTS[shift][0] else "present"


def _clean(record: dict[str, Any], today: date) -> tuple[dict[str, Any] | None, list[FieldError]]:
    """One day as stored, or the problems with it; field names carry the day so a month lists every problem."""
    errors: list[FieldError] = []
    day = record.get("day")
    if isinstance(day, datetime):  # a datetime is a date too, but would store its time and never compare with today
        day = day.date()
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError:
            day = None
    label = (
        day.isoformat() if isinstance(day, date) else "salary.day"
    )  # the day itself names the field: "2026-11-03: ..."
    if not isinstance(day, date):
        return None, [FieldError(label, "err.invalid_value")]
    shift = record.get("shift") or "day"
    status = record.get("status")
    if shift not in SHIFTS:
        errors.append(FieldError(label, "err.invalid_choice"))
    check_in_text = record.get("check_in") or ""
    try:
        check_in = parse_check_in(str(check_in_text))
    except ValueError:
        check_in = None
        errors.append(FieldError(label, "err.time_format"))
    if check_in is not None and shift in SHIFTS and status in (None, "", "present", "late"):
        status = status_from_check_in(shift, check_in)
    if errors and not status:
        pass  # a bad check-in time is the problem of this day, not the status it would have given
    elif status not in STATUSES:
        errors.append(FieldError(label, "err.invalid_choice"))
    elif day > today and status not in FUTURE_STATUSES:
        errors.append(FieldError(label, "err.salary.attendance_future"))
    note = str(record.get("note") or "").strip()
    if len(note) > MAX_NOTE:
        errors.append(FieldError(label, "err.too_long", {"n": MAX_NOTE}))
    if errors:
        return None, errors
    return {
        "day": day.isoformat(),
        "shift": shift,
        "status": status,
        "check_in": check_in.strftime("%H:%M") if check_in else None,
        "note": note,
    }, []


def save_days(db: sqlite_utils.Database, actor: Actor, agent_id: int, records: list[dict[str, Any]]) -> int:
    """The supervisor records days of one agent (all or none); returns how many days changed."""
    require(actor, "attendance.write")
    directory.get_agent(db, agent_id)
    today = config.today()
    cleaned, errors = [], []
    for record in records:
        row, problems = _clean(record, today)
        errors += problems
        if row:
            cleaned.append(row)
    if errors:
        raise ValidationError(errors)
    stamp, changed = config.now_text(), 0
    with write(db):
        for row in cleaned:
            before = one(
                db,
                "SELECT day, shift, status, check_in, note FROM attendance WHERE agent_id = ? AND day = ?",
                [agent_id, row["day"]],
            )
            if before == row:
                continue
            db["attendance"].insert(
                {"agent_id": agent_id, **row, "source": "supervisor", "recorded_by": actor.id, "recorded_at": stamp},
                replace=True,
            )
            audit.record(
                db, actor, "update" if before else "create", "attendance", f"{agent_id}/{row['day']}", before, row
            )
            changed += 1
    return changed


def set_day(
    db: sqlite_utils.Database,
    actor: Actor,
    agent_id: int,
    day: date,
    status: str | None = None,
    shift: str = "day",
    check_in: str | None = None,
    note: str = "",
) -> None:
    """Record one day: a status, or a check-in time from which present or late follows."""
    save_days(db, actor, agent_id, [{"day": day, "status": status, "shift": shift, "check_in": check_in, "note": note}])


def _assigned_days(
    db: sqlite_utils.Database, start: date, end: date, agent_ids: list[int] | None
) -> dict[tuple[int, str], str]:
    """(agent, day) → shift, for every day an agent is on a team in [start, end] (the newest assignment wins)."""
    params: list[Any] = [end.isoformat(), start.isoformat()]
    where = "from_date <= ? AND (to_date IS NULL OR to_date >= ?)"
    if agent_ids is not None:
        where += f" AND agent_id IN ({','.join('?' * len(agent_ids)) or 'NULL'})"
        params += list(agent_ids)
    found: dict[tuple[int, str], str] = {}
    for row in db.query(
        f"SELECT agent_id, shift, from_date, to_date FROM project_agents WHERE {where} ORDER BY from_date, id", params
    ):
        first = max(start, date.fromisoformat(row["from_date"]))
        last = min(end, date.fromisoformat(row["to_date"])) if row["to_date"] else end
        day = first
        while day <= last:
            found[(row["agent_id"], day.isoformat())] = row["shift"]
            day += timedelta(days=1)
    return found


def fill_schedule(
    db: sqlite_utils.Database, actor: Actor, start: date, end: date, agent_ids: list[int] | None = None
) -> int:
    """Fill the days without a record, up to today, from the schedule: present on the team's shift, or a rest day."""
    require(actor, "attendance.write")
    if end < start:
        raise ValidationError.single("salary.period", "err.end_before_start")
    last = min(end, config.today())
    existing = {
        (r["agent_id"], r["day"])
        for r in db.query(
            "SELECT agent_id, day FROM attendance WHERE day BETWEEN ? AND ?", [start.isoformat(), last.isoformat()]
        )
    }
    rostered: dict[tuple[int, str], str] = {}  # the roster's cell of the day, a working shift before rest or leave
    for cell in db.query(
        "SELECT agent_id, day, shift FROM roster_entries WHERE day BETWEEN ? AND ?",
        [start.isoformat(), last.isoformat()],
    ):
        key = (cell["agent_id"], cell["day"])
        if key not in rostered or cell["shift"] in SHIFTS:
            rostered[key] = cell["shift"]
    stamp, new = config.now_text(), []
    for (agent_id, day), shift in sorted(_assigned_days(db, start, last, agent_ids).items()):
        if (agent_id, day) in existing:
            continue
        cell = rostered.get((agent_id, day))
        if cell is None:  # no roster for the day: the staggered six-on-one-off rule
            status = "rest" if is_rest_day(agent_id, date.fromisoformat(day)) else "present"
        else:
            status, shift = ("present", cell) if cell in SHIFTS else (cell, shift)
        new.append(
            {
                "agent_id": agent_id,
                "day": day,
                "shift": shift,
                "status": status,
                "check_in": None,
                "note": "",
                "source": "schedule",
                "recorded_by": actor.id,
                "recorded_at": stamp,
            }
        )
    if not new:
        return 0
    with write(db):
        db["attendance"].insert_all(new)
        audit.record(
            db,
            actor,
            "fill",
            "attendance",
            f"{start.isoformat()}..{last.isoformat()}",
            None,
            {"days": len(new), "agents": sorted({r["agent_id"] for r in new})},
        )
    return len(new)


def days_of(db: sqlite_utils.Database, agent_id: int, start: date, end: date) -> list[dict]:
    """An agent's records in [start, end], oldest first (no access check: callers check)."""
    return rows(
        db,
        """SELECT day, shift, status, check_in, note, source FROM attendance
                       WHERE agent_id = ? AND day BETWEEN ? AND ? ORDER BY day""",
        [agent_id, start.isoformat(), end.isoformat()],
    )


def agent_days(db: sqlite_utils.Database, actor: Actor, agent_id: int, start: date, end: date) -> list[dict]:
    """An agent's days: for the supervisor, or for the agent itself (nobody else's)."""
    if is_agent(actor):
        own = directory.my_agent(db, actor)
        if own is None or own["id"] != agent_id:
            raise PermissionDenied(f"attendance:{agent_id}")
    else:
        require(actor, "attendance.read")
    return days_of(db, agent_id, start, end)


def summary(records: list[dict]) -> dict[str, Any]:
    """Counts per status and the attendance rate (None when no day was scheduled)."""
    counts = {status: sum(1 for r in records if r["status"] == status) for status in STATUSES}
    scheduled = sum(counts[s] for s in SCHEDULED)
    worked = sum(counts[s] for s in WORKED)
    return {**counts, "scheduled": scheduled, "worked": worked, "rate": (worked / scheduled) if scheduled else None}


def month_grid(
    db: sqlite_utils.Database, actor: Actor, start: date, end: date, project_id: int | None = None, search: str = ""
) -> list[dict]:
    """Every agent on a team in [start, end] (optionally of one project) with their days: {agent_id, name, ..., days:
    {day: status}}."""
    require(actor, "attendance.read")
    where, params = (
        ["pa.from_date <= ?", "(pa.to_date IS NULL OR pa.to_date >= ?)", "(a.name LIKE ? OR a.employee_no LIKE ?)"],
        [end.isoformat(), start.isoformat(), f"%{search.strip()}%", f"%{search.strip()}%"],
    )
    if project_id is not None:
        where.append("pa.project_id = ?")
        params.append(project_id)
    people = rows(
        db,
        f"""SELECT a.id AS agent_id, a.name, a.employee_no,
                                 GROUP_CONCAT(DISTINCT m.name) AS projects, MAX(pa.shift) AS shift
                          FROM project_agents pa JOIN agents a ON a.id = pa.agent_id
                          JOIN projects p ON p.id = pa.project_id JOIN merchants m ON m.id = p.merchant_id
                          WHERE {" AND ".join(where)} GROUP BY a.id ORDER BY a.employee_no""",
        params,
    )
    for person in people:
        records = days_of(db, person["agent_id"], start, end)
        person["days"] = {r["day"]: r["status"] for r in records}
        person["summary"] = summary(records)
    return people
