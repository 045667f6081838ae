"""The agent's own roster and its leave and swap requests, decided by a supervisor.

An agent asks for leave (at most 32 days, not in the past) or to swap a day with a teammate of
the project; an approved leave writes 'leave' cells, an approved swap exchanges the two cells
(both must be rostered). A request is decided once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlite_utils

from core.agents import directory
from core.kernel import audit, config
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import (
    Actor,
    PermissionDenied,
    can,
    is_agent,
    require,
    require_project,
    visible_project_ids,
)
from core.schedule.shift_settings import MAX_REASON, WORK_SHIFTS, shift_times_of
from core.schedule.shifts import as_day, days_of, team_pool


def _own_agent(db: sqlite_utils.Database, actor: Actor) -> dict:
    require(actor, "schedule.own")
    agent = directory.my_agent(db, actor)
    if agent is None:
        raise PermissionDenied("schedule.own: no roster agent linked")
    return agent


def my_roster(db: sqlite_utils.Database, actor: Actor, start: date, end: date) -> list[dict]:
    """The agent's own cells of every project in [start, end], with the project's shift times."""
    agent = _own_agent(db, actor)
    found = rows(
        db,
        "SELECT r.project_id, r.day, r.shift, p.name AS project, m.name AS merchant_name\n"
        "                        FROM roster_entries r JOIN projects p ON p.id = r.project_id"
        " JOIN merchants m ON m.id = p.merchant_id\n"
        "                        WHERE r.agent_id = ? AND r.day BETWEEN ? AND ? ORDER BY r.day",
        [agent["id"], start.isoformat(), end.isoformat()],
    )
    for row in found:
        times = shift_times_of(db, row["project_id"])
        row["hours"] = "–".join(times[row["shift"]]) if row["shift"] in WORK_SHIFTS else ""
    return found


def my_projects(db: sqlite_utils.Database, actor: Actor) -> list[dict]:
    """The projects of the agent's teams (now or before), for its handover and request forms."""
    _own_agent(db, actor)
    ids = sorted(visible_project_ids(db, actor) or [])
    return rows(
        db,
        f"""SELECT p.id, p.name, m.name AS merchant_name FROM projects p JOIN merchants m ON m.id = p.merchant_id
                        WHERE p.id IN ({",".join("?" * len(ids)) or "NULL"}) ORDER BY m.name, p.name""",
        ids,
    )


def request_errors(kind: str, day: Any, end_day: Any, reason: str, today: date) -> list[FieldError]:
    """What is wrong with a leave or swap request."""
    errors = []
    if kind not in ("leave", "swap"):
        errors.append(FieldError("schedule.kind", "err.invalid_choice"))
    if not isinstance(day, date):
        errors.append(FieldError("schedule.day", "err.required"))
    elif day < today:
        errors.append(FieldError("schedule.day", "err.schedule.day_past"))
    if not isinstance(end_day, date):
        errors.append(FieldError("schedule.end_day", "err.required"))
    elif isinstance(day, date) and end_day < day:
        errors.append(FieldError("schedule.end_day", "err.end_before_start"))
    elif isinstance(day, date) and (end_day - day).days > 31:
        errors.append(FieldError("schedule.end_day", "err.schedule.period_too_long", {"n": 31}))
    if not reason.strip():
        errors.append(FieldError("schedule.reason", "err.required"))
    elif len(reason) > MAX_REASON:
        errors.append(FieldError("schedule.reason", "err.too_long", {"n": MAX_REASON}))
    return errors


def request_leave(
    db: sqlite_utils.Database, actor: Actor, project_id: int, day: date, end_day: date, reason: str
) -> int:
    """The agent asks for leave on [day, end_day] on a project of its team."""
    return _request(db, actor, project_id, "leave", day, end_day, None, reason)


def request_swap(
    db: sqlite_utils.Database, actor: Actor, project_id: int, day: date, swap_agent_id: int, reason: str
) -> int:
    """The agent asks to swap its shift of `day` with a teammate's."""
    return _request(db, actor, project_id, "swap", day, day, swap_agent_id, reason)


def _request(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    kind: str,
    day: date,
    end_day: date,
    swap_agent_id: int | None,
    reason: str,
) -> int:
    agent = _own_agent(db, actor)
    visible = visible_project_ids(db, actor)
    if visible is not None and project_id not in visible:
        raise PermissionDenied(f"schedule.own:{project_id}")
    day, end_day = as_day(day), as_day(end_day)
    errors = request_errors(kind, day, end_day, reason or "", config.today())
    if kind == "swap":
        team = {m["agent_id"] for m in team_pool(db, actor, project_id, day, day)} if isinstance(day, date) else set()
        if swap_agent_id is None or swap_agent_id == agent["id"] or swap_agent_id not in team:
            errors.append(FieldError("schedule.swap_agent", "err.invalid_choice"))
    if errors:
        raise ValidationError(errors)
    record = {
        "project_id": project_id,
        "agent_id": agent["id"],
        "kind": kind,
        "day": day.isoformat(),
        "end_day": end_day.isoformat(),
        "swap_agent_id": swap_agent_id,
        "reason": reason.strip(),
        "status": "pending",
        "created_by": actor.id,
        "created_at": config.now_text(),
    }
    with write(db):
        request_id = db["shift_requests"].insert(record).last_pk
        audit.record(db, actor, "create", "shift_request", request_id, None, record)
    return int(request_id)


def requests(
    db: sqlite_utils.Database, actor: Actor, project_id: int | None = None, status: str | None = None
) -> list[dict]:
    """Leave and swap requests: an agent's own, or those of the projects a supervisor may see."""
    where, params = [], []
    if is_agent(actor):
        where.append("r.agent_id = ?")
        params.append(_own_agent(db, actor)["id"])
    else:
        require(actor, "schedule.read")
        visible = visible_project_ids(db, actor)
        if visible is not None:
            where.append(f"r.project_id IN ({','.join('?' * len(visible)) or 'NULL'})")
            params += sorted(visible)
    if project_id is not None:
        where.append("r.project_id = ?")
        params.append(project_id)
    if status:
        where.append("r.status = ?")
        params.append(status)
    return rows(
        db,
        "SELECT r.*, a.name AS agent_name, s.name AS swap_name, p.name AS project, m.name AS merchant_name\n"
        "                        FROM shift_requests r JOIN agents a ON a.id = r.agent_id"
        " LEFT JOIN agents s ON s.id = r.swap_agent_id\n"
        "                        JOIN projects p ON p.id = r.project_id JOIN merchants m ON m.id = p.merchant_id\n"
        f"                        {'WHERE ' + ' AND '.join(where) if where else ''}"
        " ORDER BY r.status != 'pending', r.day, r.id",
        params,
    )


def decide(db: sqlite_utils.Database, actor: Actor, request_id: int, approve: bool, note: str = "") -> None:
    """The supervisor approves or rejects a pending request.

    Approval writes the roster (leave, or the swapped cells).
    """
    req = one(db, "SELECT * FROM shift_requests WHERE id = ?", [request_id])
    if req is None:
        raise NotFound(f"shift request {request_id}")
    require_project(db, actor, req["project_id"], "schedule.approve")
    if req["status"] != "pending":
        raise ValidationError.single("schedule.request", "err.schedule.already_decided")
    if len(note) > MAX_REASON:
        raise ValidationError.single("schedule.note", "err.too_long", n=MAX_REASON)
    stamp = config.now_text()
    with write(db):
        if approve and req["kind"] == "leave":
            for day in days_of(date.fromisoformat(req["day"]), date.fromisoformat(req["end_day"])):
                db.execute(
                    """INSERT INTO roster_entries (project_id, agent_id, day, shift, source, updated_by, updated_at)
                              VALUES (?, ?, ?, 'leave', 'request', ?, ?) ON CONFLICT (project_id, agent_id, day)
                              DO UPDATE SET shift = 'leave', source = 'request', updated_by = excluded.updated_by,
                                            updated_at = excluded.updated_at""",
                    [req["project_id"], req["agent_id"], day.isoformat(), actor.id, stamp],
                )
        elif approve:
            mine = one(
                db,
                "SELECT shift FROM roster_entries WHERE project_id = ? AND agent_id = ? AND day = ?",
                [req["project_id"], req["agent_id"], req["day"]],
            )
            theirs = one(
                db,
                "SELECT shift FROM roster_entries WHERE project_id = ? AND agent_id = ? AND day = ?",
                [req["project_id"], req["swap_agent_id"], req["day"]],
            )
            if mine is None or theirs is None:
                raise ValidationError.single("schedule.request", "err.schedule.swap_not_rostered")
            for agent_id, shift in ((req["agent_id"], theirs["shift"]), (req["swap_agent_id"], mine["shift"])):
                db.execute(
                    "UPDATE roster_entries SET shift = ?, source = 'request', updated_by = ?, updated_at = ? "
                    "WHERE project_id = ? AND agent_id = ? AND day = ?",
                    [shift, actor.id, stamp, req["project_id"], agent_id, req["day"]],
                )
        changes = {
            "status": "approved" if approve else "rejected",
            "decided_by": actor.id,
            "decided_at": stamp,
            "decision_note": note.strip(),
        }
        db["shift_requests"].update(request_id, changes)
        audit.record(db, actor, "decide", "shift_request", request_id, {"status": "pending"}, changes)


def pending_count(db: sqlite_utils.Database, actor: Actor) -> int:
    """Pending leave and swap requests the actor may decide (0 for others)."""
    if not can(actor, "schedule.approve"):
        return 0
    return sum(1 for r in requests(db, actor, status="pending"))
