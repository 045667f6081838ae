"""The agent roster (客服花名册) and each project's team.

Agents move candidate → training → online → reserve → left, each change dated in a history.
A project's team assigns agents as online or reserve, from a date, on a day or night shift,
under the sub-account name (子账号) they use in that shop, which is how chat logs name them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlite_utils

from core.kernel import audit, config
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import AGENT, Actor, PermissionDenied, can, is_admin, is_agent, require, require_project

AGENT_STATUSES = ("candidate", "training", "online", "reserve", "left")
TEAM_ROLES = ("online", "reserve")
SHIFTS = ("day", "night")
MAX_TEXT = 200
PERSONAL_FIELDS = ("phone", "base_salary")  # pay and contact: only for whom `may_see_personal` says


def _agent_errors(db: sqlite_utils.Database, data: dict[str, Any], agent_id: int | None) -> list[FieldError]:
    errors: list[FieldError] = []
    for key in ("name", "employee_no"):
        value = str(data.get(key) or "").strip()
        if not value:
            errors.append(FieldError(f"team.{key}", "err.required"))
        elif len(value) > MAX_TEXT:
            errors.append(FieldError(f"team.{key}", "err.too_long", {"n": MAX_TEXT}))
    clash = one(db, "SELECT id FROM agents WHERE employee_no = ?", [str(data.get("employee_no") or "").strip()])
    if clash and clash["id"] != agent_id:
        errors.append(FieldError("team.employee_no", "err.duplicate"))
    since = data.get("since")
    if since is not None and (not isinstance(since, date) or since > config.today()):
        errors.append(FieldError("team.since", "err.team.date_future"))
    if data.get("status", "candidate") not in AGENT_STATUSES:
        errors.append(FieldError("team.status", "err.invalid_choice"))
    try:
        if float(data.get("base_salary", 0) or 0) < 0:
            errors.append(FieldError("team.base_salary", "err.non_negative"))
    except (TypeError, ValueError):
        errors.append(FieldError("team.base_salary", "err.invalid_value"))
    for key in ("phone", "skills"):
        if len(str(data.get(key) or "")) > MAX_TEXT:
            errors.append(FieldError(f"team.{key}", "err.too_long", {"n": MAX_TEXT}))
    user_id = data.get("user_id")
    if user_id is not None:
        user = one(db, "SELECT role FROM users WHERE id = ?", [user_id])
        linked = one(db, "SELECT id FROM agents WHERE user_id = ?", [user_id])
        if user is None or user["role"] != AGENT:
            errors.append(FieldError("team.user_id", "err.invalid_choice"))
        elif linked and linked["id"] != agent_id:
            errors.append(FieldError("team.user_id", "err.team.login_taken"))
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
        "skills": normalise_skills(str(data.get("skills") or "")),
        "status": data.get("status", "candidate"),
        "base_salary": round(float(data.get("base_salary", 0) or 0), 2),
        "user_id": data.get("user_id"),
        "created_at": stamp,
        "updated_at": stamp,
    }
    since = data.get("since")  # the day the agent joined in that status (default today)
    with write(db):
        agent_id = db["agents"].insert(record).last_pk
        db["agent_status_history"].insert(
            {
                "agent_id": agent_id,
                "from_status": None,
                "to_status": record["status"],
                "changed_at": stamp,
                "changed_by": actor.id if actor else None,
                "note": "",
                "effective_on": since.isoformat() if isinstance(since, date) else None,
            }
        )
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
        errors.append(FieldError("team.role", "err.invalid_choice"))
    if shift not in SHIFTS:
        errors.append(FieldError("team.shift", "err.invalid_choice"))
    if len(sub_account) > MAX_TEXT:
        errors.append(FieldError("team.sub_account", "err.too_long", {"n": MAX_TEXT}))
    get_agent(db, agent_id)
    if errors:
        raise ValidationError(errors)
    record = {
        "project_id": project_id,
        "agent_id": agent_id,
        "role": role,
        "shift": shift,
        "from_date": from_date.isoformat(),
        "to_date": None,
        "sub_account": sub_account.strip(),
        "created_at": config.now_text(),
    }
    with write(db):
        row_id = db["project_agents"].insert(record).last_pk
        audit.record(db, actor, "create", "project_agent", row_id, None, record)
    return int(row_id)


def project_team(db: sqlite_utils.Database, actor: Actor, project_id: int, on: date | None = None) -> list[dict]:
    """The agents on a project's team on a day (default today), with role, shift and sub-account."""
    require_project(db, actor, project_id)
    day = (on or config.today()).isoformat()
    return rows(
        db,
        """SELECT pa.id AS assignment_id, pa.role, pa.shift, pa.from_date, pa.to_date, pa.sub_account,
                              a.id AS agent_id, a.name, a.employee_no, a.status
                       FROM project_agents pa JOIN agents a ON a.id = pa.agent_id
                       WHERE pa.project_id = ? AND pa.from_date <= ? AND (pa.to_date IS NULL OR pa.to_date >= ?)
                       ORDER BY pa.role, a.name""",
        [project_id, day, day],
    )


def agent_projects(db: sqlite_utils.Database, agent_id: int, on: date | None = None) -> list[int]:
    """The projects an agent is on, on a day (default today)."""
    day = (on or config.today()).isoformat()
    return [
        r["project_id"]
        for r in db.query(
            "SELECT DISTINCT project_id FROM project_agents WHERE agent_id = ? AND from_date <= ? AND (to_date IS "
            "NULL OR to_date >= ?)",
            [agent_id, day, day],
        )
    ]


# --- roster: status changes, edits, search ------------------------------------------------------

# status -> the statuses an agent may move to (a leaver may come back as a candidate)
STATUS_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "candidate": ("training", "left"),
    "training": ("candidate", "online", "reserve", "left"),
    "online": ("reserve", "training", "left"),
    "reserve": ("online", "training", "left"),
    "left": ("candidate",),
}
MAX_NOTE = 500


def allowed_status_changes(status: str) -> tuple[str, ...]:
    """The statuses an agent in `status` may move to."""
    return STATUS_TRANSITIONS.get(status, ())


def change_status(
    db: sqlite_utils.Database, actor: Actor, agent_id: int, to_status: str, note: str = "", on: date | None = None
) -> None:
    """Move an agent along candidate → training → online/reserve → left, dated (default today)."""
    require(actor, "agent.status")
    agent = get_agent(db, agent_id)
    errors: list[FieldError] = []
    if to_status not in allowed_status_changes(agent["status"]):
        errors.append(
            FieldError("team.status", "err.team.bad_agent_transition", {"frm": agent["status"], "to": to_status})
        )
    if len(note) > MAX_NOTE:
        errors.append(FieldError("team.note", "err.too_long", {"n": MAX_NOTE}))
    effective = on or config.today()
    if effective > config.today():
        errors.append(FieldError("team.effective_on", "err.team.date_future"))
    if errors:
        raise ValidationError(errors)
    stamp = config.now_text()
    with write(db):
        db["agents"].update(agent_id, {"status": to_status, "updated_at": stamp})
        db["agent_status_history"].insert(
            {
                "agent_id": agent_id,
                "from_status": agent["status"],
                "to_status": to_status,
                "changed_at": stamp,
                "changed_by": actor.id,
                "note": note.strip(),
                "effective_on": effective.isoformat(),
            }
        )
        audit.record(
            db,
            actor,
            "status",
            "agent",
            agent_id,
            {"status": agent["status"]},
            {"status": to_status, "note": note.strip(), "effective_on": effective.isoformat()},
        )


def update_agent(db: sqlite_utils.Database, actor: Actor, agent_id: int, data: dict[str, Any]) -> None:
    """Edit an agent's name, number, phone, skills, base salary and linked login (status: `change_status`)."""
    require(actor, "agent.write")
    before = get_agent(db, agent_id)
    if not may_see_personal(
        db, actor, agent_id
    ):  # pay and contact of an agent not on one's projects: kept, never set blind
        if any(k in data and data[k] != before[k] for k in PERSONAL_FIELDS):
            raise PermissionDenied(f"agent.personal:{agent_id}")
        data = {k: v for k, v in data.items() if k not in PERSONAL_FIELDS}
    merged = {**before, **{k: v for k, v in data.items() if k != "status"}, "status": before["status"]}
    errors = _agent_errors(db, merged, agent_id)
    if errors:
        raise ValidationError(errors)
    changes = {
        "name": str(merged["name"]).strip(),
        "employee_no": str(merged["employee_no"]).strip(),
        "phone": str(merged.get("phone") or "").strip(),
        "skills": normalise_skills(str(merged.get("skills") or "")),
        "base_salary": round(float(merged.get("base_salary", 0) or 0), 2),
        "user_id": merged.get("user_id"),
        "updated_at": config.now_text(),
    }
    with write(db):
        db["agents"].update(agent_id, changes)
        audit.record(db, actor, "update", "agent", agent_id, before, {**before, **changes})


def normalise_skills(text: str) -> str:
    """Skills typed with any separator (`售前，售后 / 直播`) as one comma-separated list, no repeats."""
    parts: list[str] = []
    for raw in text.replace("，", ",").replace("、", ",").replace("/", ",").replace(";", ",").split(","):
        skill = raw.strip()
        if skill and skill not in parts:
            parts.append(skill)
    return ",".join(parts)


def all_skills(db: sqlite_utils.Database) -> list[str]:
    """Every skill some agent has, for the filter."""
    found: set[str] = set()
    for r in db.query("SELECT skills FROM agents WHERE skills != ''"):
        found |= {s for s in normalise_skills(r["skills"]).split(",") if s}
    return sorted(found)


def _personal_clause(actor: Actor) -> tuple[str, list[Any]]:
    """SQL over `agents a`: true where the actor may see the agent's phone and base salary."""
    if is_agent(actor):
        return "a.user_id = ?", [actor.id]
    if not can(actor, "agent.personal"):
        return "0", []
    if is_admin(actor):
        return "1", []
    day = (
        config.today().isoformat()
    )  # a manager: agents on (or matched to) a project it manages, now or from a later day
    return (
        """a.id IN (SELECT pa.agent_id FROM project_agents pa JOIN projects p ON p.id = pa.project_id
                        WHERE p.manager_id = ? AND (pa.to_date IS NULL OR pa.to_date >= ?)
                        UNION SELECT pc.agent_id FROM project_candidates pc JOIN projects p ON p.id = pc.project_id
                        WHERE p.manager_id = ? AND pc.withdrawn_on IS NULL)""",
        [actor.id, day, actor.id],
    )


def may_see_personal(db: sqlite_utils.Database, actor: Actor, agent_id: int) -> bool:
    """True when the actor may see this agent's phone and base salary (`agent.personal`, scoped)."""
    clause, params = _personal_clause(actor)
    return one(db, f"SELECT 1 AS x FROM agents a WHERE a.id = ? AND {clause}", [agent_id, *params]) is not None


def _private(row: dict, personal: bool) -> dict:
    return (
        {**row, "personal": personal} if personal else {**row, **{k: None for k in PERSONAL_FIELDS}, "personal": False}
    )


def read_agent(db: sqlite_utils.Database, actor: Actor, agent_id: int) -> dict:
    """One roster row, for staff or for the agent it belongs to; phone and base salary are None (and
    `personal` False) unless the actor may see them."""
    agent = get_agent(db, agent_id)
    if is_agent(actor):
        if agent["user_id"] != actor.id:
            raise NotFound(f"agent {agent_id}")
    else:
        require(actor, "agent.read")
    return _private(agent, may_see_personal(db, actor, agent_id))


def my_agent(db: sqlite_utils.Database, actor: Actor) -> dict | None:
    """The roster row of a logged-in agent (None for other roles or an unlinked login)."""
    return agent_for_user(db, actor.id) if is_agent(actor) else None


def list_agents(
    db: sqlite_utils.Database,
    actor: Actor,
    search: str = "",
    status: str | None = None,
    skill: str | None = None,
    project_id: int | None = None,
) -> list[dict]:
    """The roster, filtered: since when each agent has their status, current projects, basic exam passed.

    Phone and base salary only where the actor may see them (`personal` True), else None; the
    search matches a phone only there too, so it cannot be used to find whose number it is.
    """
    require(actor, "agent.read")
    personal, personal_params = _personal_clause(actor)
    term = f"%{search.strip()}%"
    where = [f"(a.name LIKE ? OR a.employee_no LIKE ? OR (a.phone LIKE ? AND {personal}) OR a.skills LIKE ?)"]
    params: list[Any] = [term, term, term, *personal_params, term]
    if status:
        where.append("a.status = ?")
        params.append(status)
    if skill:
        where.append("(',' || a.skills || ',') LIKE ?")
        params.append(f"%,{skill},%")
    day = config.today().isoformat()
    if project_id:
        where.append(
            """a.id IN (SELECT agent_id FROM project_agents WHERE project_id = ? AND (to_date IS NULL OR """
            """to_date >= ?)
                                 UNION SELECT agent_id FROM project_candidates WHERE project_id = ? AND """
            """withdrawn_on IS NULL)"""
        )
        params += [project_id, day, project_id]
    sql = (
        f"""
        SELECT a.id, a.name, a.employee_no, CASE WHEN {personal} THEN a.phone END AS phone, a.skills, a.status,
               CASE WHEN {personal} THEN a.base_salary END AS base_salary, ({personal}) AS personal, a.user_id, """
        f"""u.username,
               (SELECT COALESCE(h.effective_on, substr(h.changed_at, 1, 10)) FROM agent_status_history h
                 WHERE h.agent_id = a.id ORDER BY h.id DESC LIMIT 1) AS since,
               (SELECT GROUP_CONCAT(p.name, '、') FROM (SELECT DISTINCT pa.project_id FROM project_agents pa
                  WHERE pa.agent_id = a.id AND pa.from_date <= ? AND (pa.to_date IS NULL OR pa.to_date >= ?)) x
                  JOIN projects p ON p.id = x.project_id) AS projects,
               EXISTS (SELECT 1 FROM exams e WHERE e.agent_id = a.id AND e.project_id IS NULL AND e.passed = 1) AS """
        f"""basic_passed
        FROM agents a LEFT JOIN users u ON u.id = a.user_id
        WHERE {" AND ".join(where)}
        ORDER BY CASE a.status WHEN 'online' THEN 1 WHEN 'reserve' THEN 2 WHEN 'training' THEN 3
                               WHEN 'candidate' THEN 4 ELSE 5 END, a.employee_no
    """
    )
    found = rows(db, sql, [*personal_params, *personal_params, *personal_params, day, day, *params])
    return [{**r, "personal": bool(r["personal"])} for r in found]


def status_history(db: sqlite_utils.Database, actor: Actor, agent_id: int) -> list[dict]:
    """An agent's status changes, oldest first, with the day each took effect and who recorded it."""
    read_agent(db, actor, agent_id)
    return rows(
        db,
        """SELECT COALESCE(h.effective_on, substr(h.changed_at, 1, 10)) AS effective_on, h.changed_at,
                              h.from_status, h.to_status, h.note, u.display_name AS changed_by
                       FROM agent_status_history h LEFT JOIN users u ON u.id = h.changed_by
                       WHERE h.agent_id = ? ORDER BY h.id""",
        [agent_id],
    )


def linkable_users(db: sqlite_utils.Database, actor: Actor, agent_id: int | None = None) -> list[dict]:
    """Active logins of role agent not yet linked to another roster row."""
    require(actor, "agent.write")
    return rows(
        db,
        """SELECT u.id, u.username, u.display_name FROM users u
                       WHERE u.role = ? AND u.active = 1
                         AND NOT EXISTS (SELECT 1 FROM agents a WHERE a.user_id = u.id AND a.id IS NOT ?)
                       ORDER BY u.username""",
        [AGENT, agent_id],
    )


def assignments(db: sqlite_utils.Database, actor: Actor, agent_id: int) -> list[dict]:
    """Every team assignment of an agent (past, current and future), newest first."""
    read_agent(db, actor, agent_id)
    return rows(
        db,
        """SELECT pa.id AS assignment_id, pa.project_id, p.name AS project_name, m.name AS merchant_name,
                              pa.role, pa.shift, pa.from_date, pa.to_date, pa.sub_account
                       FROM project_agents pa JOIN projects p ON p.id = pa.project_id JOIN merchants m ON m.id = """
        """p.merchant_id
                       WHERE pa.agent_id = ? ORDER BY pa.from_date DESC, pa.id DESC""",
        [agent_id],
    )


def end_assignment(db: sqlite_utils.Database, actor: Actor, assignment_id: int, to_date: date) -> None:
    """Take an agent off a project's team from a day on (the assignment ends that day)."""
    row = one(db, "SELECT * FROM project_agents WHERE id = ?", [assignment_id])
    if row is None:
        raise NotFound(f"assignment {assignment_id}")
    require_project(db, actor, row["project_id"], "team.write")
    if to_date < date.fromisoformat(row["from_date"]):
        raise ValidationError.single("team.to_date", "err.end_before_start")
    with write(db):
        db["project_agents"].update(assignment_id, {"to_date": to_date.isoformat()})
        audit.record(
            db,
            actor,
            "end",
            "project_agent",
            assignment_id,
            {"to_date": row["to_date"]},
            {"to_date": to_date.isoformat()},
        )
