"""The agent roster (客服花名册) and each project's team.

Agents move candidate → training → online → reserve → left, each change dated in a history.
A project's team assigns agents as online or reserve, from a date, on a day or night shift,
under the sub-account name (子账号) they use in that shop, which is how chat logs name them.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import sqlite_utils

from core import audit, config
from core.db import one, rows, write
from core.errors import FieldError, NotFound, ValidationError
from core.permissions import Actor, require, require_project

AGENT_STATUSES = ("candidate", "training", "online", "reserve", "left")
TEAM_ROLES = ("online", "reserve")
SHIFTS = ("day", "night")
MAX_TEXT = 200


def _agent_errors(db: sqlite_utils.Database, data: dict[str, Any], agent_id: int | None) -> list[FieldError]:
    errors: list[FieldError] = []
    for key in ("name", "employee_no"):
        value = str(data.get(key) or "").strip()
        if not value:
            errors.append(FieldError(key, "err.required"))
        elif len(value) > MAX_TEXT:
            errors.append(FieldError(key, "err.too_long", {"n": MAX_TEXT}))
    clash = one(db, "SELECT id FROM agents WHERE employee_no = ?", [str(data.get("employee_no") or "").strip()])
    if clash and clash["id"] != agent_id:
        errors.append(FieldError("employee_no", "err.duplicate"))
    if data.get("status", "candidate") not in AGENT_STATUSES:
        errors.append(FieldError("status", "err.invalid_choice"))
    try:
        if float(data.get("base_salary", 0) or 0) < 0:
            errors.append(FieldError("base_salary", "err.non_negative"))
    except (TypeError, ValueError):
        errors.append(FieldError("base_salary", "err.invalid_value"))
    user_id = data.get("user_id")
    if user_id is not None:
        user = one(db, "SELECT role FROM users WHERE id = ?", [user_id])
        if user is None or user["role"] != "agent":
            errors.append(FieldError("user_id", "err.invalid_choice"))
    return errors


def create_agent(db: sqlite_utils.Database, actor: Actor | None, data: dict[str, Any]) -> int:
    """Add an agent to the roster (status defaults to candidate)."""
    if actor is not None:
        require(actor, "agent.write")
    errors = _agent_errors(db, data, None)
    if errors:
        raise ValidationError(errors)
    stamp = config.now_text()
    record = {
        "name": str(data["name"]).strip(),
        "employee_no": str(data["employee_no"]).strip(),
        "phone": str(data.get("phone") or "").strip(),
        "skills": str(data.get("skills") or "").strip(),
        "status": data.get("status", "candidate"),
        "base_salary": round(float(data.get("base_salary", 0) or 0), 2),
        "user_id": data.get("user_id"),
        "created_at": stamp,
        "updated_at": stamp,
    }
    with write(db):
        agent_id = db["agents"].insert(record).last_pk
        db["agent_status_history"].insert({"agent_id": agent_id, "from_status": None, "to_status": record["status"],
                                           "changed_at": stamp, "changed_by": actor.id if actor else None, "note": ""})
        audit.record(db, actor, "create", "agent", agent_id, None, record)
    return int(agent_id)


def get_agent(db: sqlite_utils.Database, agent_id: int) -> dict:
    """One roster row."""
    row = one(db, "SELECT * FROM agents WHERE id = ?", [agent_id])
    if row is None:
        raise NotFound(f"agent {agent_id}")
    return row


def agent_for_user(db: sqlite_utils.Database, user_id: int) -> dict | None:
    """The roster row linked to a login of role agent, or None."""
    return one(db, "SELECT * FROM agents WHERE user_id = ?", [user_id])


def assign(
    db: sqlite_utils.Database,
    actor: Actor | None,
    project_id: int,
    agent_id: int,
    role: str,
    shift: str,
    from_date: date,
    sub_account: str = "",
) -> int:
    """Put an agent on a project's team as online or reserve, from a date, on a shift."""
    if actor is not None:
        require_project(db, actor, project_id, "team.write")
    errors: list[FieldError] = []
    if role not in TEAM_ROLES:
        errors.append(FieldError("role", "err.invalid_choice"))
    if shift not in SHIFTS:
        errors.append(FieldError("shift", "err.invalid_choice"))
    if len(sub_account) > MAX_TEXT:
        errors.append(FieldError("sub_account", "err.too_long", {"n": MAX_TEXT}))
    get_agent(db, agent_id)
    if errors:
        raise ValidationError(errors)
    record = {"project_id": project_id, "agent_id": agent_id, "role": role, "shift": shift,
              "from_date": from_date.isoformat(), "to_date": None, "sub_account": sub_account.strip(),
              "created_at": config.now_text()}
    with write(db):
        row_id = db["project_agents"].insert(record).last_pk
        audit.record(db, actor, "create", "project_agent", row_id, None, record)
    return int(row_id)


def project_team(db: sqlite_utils.Database, actor: Actor, project_id: int, on: date | None = None) -> list[dict]:
    """The agents on a project's team on a day (default today), with role, shift and sub-account."""
    require_project(db, actor, project_id)
    day = (on or config.today()).isoformat()
    return rows(db, """SELECT pa.id AS assignment_id, pa.role, pa.shift, pa.from_date, pa.to_date, pa.sub_account,
                              a.id AS agent_id, a.name, a.employee_no, a.status
                       FROM project_agents pa JOIN agents a ON a.id = pa.agent_id
                       WHERE pa.project_id = ? AND pa.from_date <= ? AND (pa.to_date IS NULL OR pa.to_date >= ?)
                       ORDER BY pa.role, a.name""", [project_id, day, day])


def agent_projects(db: sqlite_utils.Database, agent_id: int, on: date | None = None) -> list[int]:
    """The projects an agent is on, on a day (default today)."""
    day = (on or config.today()).isoformat()
    return [r["project_id"] for r in db.query(
        "SELECT DISTINCT project_id FROM project_agents WHERE agent_id = ? AND from_date <= ? AND (to_date IS NULL OR to_date >= ?)",
        [agent_id, day, day])]
