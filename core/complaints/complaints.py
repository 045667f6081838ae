"""Complaints (投诉): numbering, the life-cycle, overdue flags, the supervisor's finding, lists and trends.

A complaint gets a number TS-YYYYMMDD-NNNN, sequential per day of logging, never reused: the
number comes from a per-day counter row bumped inside the same BEGIN IMMEDIATE transaction that
inserts the complaint, so two people logging at once queue on the write lock and get different
numbers, and a failed insert rolls the counter back with it.

Life-cycle: new → in progress → escalated to the project supervisor → resolved → closed, and
reopen (from resolved or closed) back to in progress; each step is an event with who, when and a
note. A complaint about an agent's attitude or service (`SUPERVISOR_CATEGORIES`) goes straight to
the supervisor (escalated, assigned to the project's manager), whether or not it names the agent;
a complaint that names an agent concerns that agent (the agent is never dropped), and when it
names the agent and the chat, a QA review task for that chat is created and linked both ways.
A complaint that names an agent cannot be resolved before the supervisor has recorded whether the
agent was responsible; one found responsible counts against the agent (`complaints_against_agent`,
read by salary and the service quality index) by the date it was logged.

Open complaints (new, in progress, escalated) past their promised completion time are overdue.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

from core.kernel import audit, config, weeks
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, PermissionDenied, is_merchant, require, require_project, visible_project_ids
from core.qa import access, inputs, reviews

CHANNELS = ("chat", "phone", "platform", "merchant")
CATEGORIES = ("service_attitude", "wrong_answer", "product_quality", "logistics", "refund", "other")
SEVERITIES = ("low", "medium", "high")
STATUSES = ("new", "in_progress", "escalated", "resolved", "closed")
OPEN_STATUSES = ("new", "in_progress", "escalated")
# action -> (statuses it may start from, status it leads to)
ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "start": (("new",), "in_progress"),
    "escalate": (("new", "in_progress"), "escalated"),
    "resolve": (("new", "in_progress", "escalated"), "resolved"),
    "close": (("resolved",), "closed"),
    "reopen": (("resolved", "closed"), "in_progress"),
}
NOTE_REQUIRED = ("resolve", "reopen")
# Complaints about the agent's attitude or service go to the supervisor at once.
SUPERVISOR_CATEGORIES = ("service_attitude", "wrong_answer")
# Hours from logging to the promised completion, by severity (the emergency plan's rule of thumb).
PROMISE_HOURS = {"high": 24, "medium": 48, "low": 72}
NUMBER_PREFIX = "TS"
MAX_TEXT = 200
MAX_DESCRIPTION = 4000
MAX_NOTE = 2000
# What a merchant user may read of a complaint: no agent, no finding, no internal notes.
MERCHANT_FIELDS = (
    "id",
    "number",
    "project_id",
    "project_name",
    "merchant_name",
    "channel",
    "buyer_id",
    "order_no",
    "category",
    "description",
    "severity",
    "status",
    "promised_at",
    "logged_at",
    "resolved_at",
    "closed_at",
    "overdue",
)


def _now(now: datetime | None) -> datetime:
    return now or config.now()


def _text(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def format_number(day: date, sequence: int) -> str:
    """TS-20261123-0007."""
    return f"{NUMBER_PREFIX}-{day.strftime('%Y%m%d')}-{sequence:04d}"


def next_number(db: sqlite_utils.Database, day: date) -> str:
    """Take the day's next number; call only inside the write transaction that stores the complaint."""
    if not db.conn.in_transaction:
        raise RuntimeError("complaint numbers are taken inside a write transaction")
    row = db.execute(
        """INSERT INTO complaint_counters (day, last) VALUES (?, 1)
                        ON CONFLICT(day) DO UPDATE SET last = last + 1 RETURNING last""",
        [day.isoformat()],
    ).fetchall()
    return format_number(day, row[0][0])


def default_promise(severity: str, logged: datetime) -> datetime:
    """The promised completion time for a severity, counted from the logging time."""
    return logged + timedelta(hours=PROMISE_HOURS.get(severity, PROMISE_HOURS["medium"]))


def is_overdue(complaint: dict, now: datetime | None = None) -> bool:
    """An open complaint past its promised completion time."""
    return complaint["status"] in OPEN_STATUSES and complaint["promised_at"] < _text(_now(now))


def allowed_actions(status: str) -> tuple[str, ...]:
    """The steps a complaint in `status` may take."""
    return tuple(action for action, (sources, _target) in ACTIONS.items() if status in sources)


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(microsecond=0, tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time()).replace(hour=23, minute=59, second=59)
    if value in (None, ""):
        return None
    return datetime.fromisoformat(str(value).strip()).replace(
        microsecond=0, tzinfo=None
    )  # wall time, as for a datetime above


def log_complaint(db: sqlite_utils.Database, actor: Actor, data: dict[str, Any], now: datetime | None = None) -> int:
    """Log a complaint and give it its number.

    data: project_id, channel, buyer_id, order_no, category, description, severity, concerns_agent,
    agent_id, chat_date (the chat the complaint is about), promised_at (default by severity).
    """
    project_id = data.get("project_id")
    if not isinstance(project_id, int) or one(db, "SELECT id FROM projects WHERE id = ?", [project_id]) is None:
        raise ValidationError.single("complaint.project", "err.invalid_choice")
    require_project(db, actor, project_id, "complaint.write")
    logged = _now(now).replace(microsecond=0)
    errors: list[FieldError] = []
    for key, choices in (("channel", CHANNELS), ("category", CATEGORIES), ("severity", SEVERITIES)):
        if data.get(key) not in choices:
            errors.append(FieldError(f"complaint.{key}", "err.invalid_choice"))
    for key, limit, required in (
        ("buyer_id", MAX_TEXT, True),
        ("order_no", MAX_TEXT, False),
        ("description", MAX_DESCRIPTION, True),
    ):
        text = str(data.get(key) or "").strip()
        if required and not text:
            errors.append(FieldError(f"complaint.{key}", "err.required"))
        elif len(text) > limit:
            errors.append(FieldError(f"complaint.{key}", "err.too_long", {"n": limit}))
    agent_id = data.get("agent_id")
    agent_id = None if agent_id in (None, "") else agent_id
    concerns = (
        bool(data.get("concerns_agent")) or agent_id is not None
    )  # an agent named is an agent concerned, always kept
    chat_date = None
    try:
        chat_date = inputs._as_date(data.get("chat_date"))
    except ValueError:
        errors.append(FieldError("complaint.chat_date", "err.invalid_value"))
    if chat_date is not None and chat_date > logged.date():
        errors.append(FieldError("complaint.chat_date", "err.qa.date_future"))
    if concerns:
        if not isinstance(agent_id, int) or not one(db, "SELECT id FROM agents WHERE id = ?", [agent_id]):
            errors.append(
                FieldError("complaint.agent", "err.required" if agent_id in (None, "") else "err.invalid_choice")
            )
        elif not one(
            db, "SELECT 1 AS x FROM project_agents WHERE project_id = ? AND agent_id = ?", [project_id, agent_id]
        ):
            errors.append(FieldError("complaint.agent", "err.qa.agent_not_on_team"))
        elif chat_date is not None and not access.on_team(db, project_id, agent_id, chat_date):
            errors.append(FieldError("complaint.agent", "err.qa.agent_not_on_team"))
    try:
        promised = _parse_time(data.get("promised_at"))
    except ValueError:
        promised = None
        errors.append(FieldError("complaint.promised_at", "err.invalid_value"))
    else:
        if promised is not None and promised <= logged:
            errors.append(FieldError("complaint.promised_at", "err.complaint.promise_past"))
    if errors:
        raise ValidationError(errors)
    severity, category = data["severity"], data["category"]
    promised = promised or default_promise(severity, logged)
    stamp = _text(logged)
    to_supervisor = (
        category in SUPERVISOR_CATEGORIES
    )  # attitude or service: to the project's supervisor, agent named or not
    manager = one(db, "SELECT manager_id FROM projects WHERE id = ?", [project_id])
    record = {
        "project_id": project_id,
        "channel": data["channel"],
        "buyer_id": str(data["buyer_id"]).strip(),
        "order_no": str(data.get("order_no") or "").strip(),
        "category": category,
        "description": str(data["description"]).strip(),
        "severity": severity,
        "concerns_agent": int(concerns),
        "agent_id": agent_id,
        "chat_date": chat_date.isoformat() if chat_date else None,
        "status": "escalated" if to_supervisor else "new",
        "promised_at": _text(promised),
        "assignee_id": manager["manager_id"] if to_supervisor else None,
        "logged_by": actor.id,
        "logged_at": stamp,
        "updated_at": stamp,
    }
    with write(db):
        record["number"] = next_number(db, logged.date())
        complaint_id = db["complaints"].insert(record).last_pk
        db["complaint_events"].insert(
            {
                "complaint_id": complaint_id,
                "at": stamp,
                "by": actor.id,
                "action": "log",
                "from_status": None,
                "to_status": "new",
                "note": "",
            }
        )
        if to_supervisor:
            db["complaint_events"].insert(
                {
                    "complaint_id": complaint_id,
                    "at": stamp,
                    "by": actor.id,
                    "action": "escalate",
                    "from_status": "new",
                    "to_status": "escalated",
                    "note": "auto",
                }
            )
        if concerns and chat_date is not None:
            review_id = reviews.create_task(
                db, actor, project_id, agent_id, record["buyer_id"], chat_date, complaint_id, stamp
            )
            db["complaints"].update(complaint_id, {"review_id": review_id})
            record["review_id"] = review_id
        audit.record(db, actor, "create", "complaint", complaint_id, None, record)
        if to_supervisor:  # the escalation is a step of its own: its audit row as for a hand escalation
            audit.record(
                db,
                actor,
                "escalate",
                "complaint",
                complaint_id,
                {"status": "new"},
                {"status": "escalated", "assignee_id": record["assignee_id"], "note": "auto"},
            )
    return int(complaint_id)


_SELECT = (
    """
    SELECT c.*, p.name AS project_name, m.name AS merchant_name, a.name AS agent_name,
           lu.display_name AS logged_by_name, au.display_name AS assignee_name, """
    """ru.display_name AS responsibility_by_name,
           r.score AS review_score, r.critical_failed AS review_critical_failed, r.status AS review_status
    FROM complaints c JOIN projects p ON p.id = c.project_id JOIN merchants m ON m.id = p.merchant_id
    LEFT JOIN agents a ON a.id = c.agent_id LEFT JOIN users lu ON lu.id = c.logged_by
    LEFT JOIN users au ON au.id = c.assignee_id LEFT JOIN users ru ON ru.id = c.responsibility_by
    LEFT JOIN qa_reviews r ON r.id = c.review_id
"""
)


def _shape(actor: Actor, row: dict, now: datetime | None) -> dict:
    row = {**row, "overdue": is_overdue(row, now)}
    if is_merchant(actor):
        return {k: row[k] for k in MERCHANT_FIELDS}
    return row


def get_complaint(db: sqlite_utils.Database, actor: Actor, complaint_id: int, now: datetime | None = None) -> dict:
    """One complaint with its links; a merchant gets the merchant view of its own project's complaints only."""
    row = one(db, f"{_SELECT} WHERE c.id = ?", [complaint_id])
    if row is None:
        raise NotFound(f"complaint {complaint_id}")
    try:
        require_project(db, actor, row["project_id"], "complaint.read")
    except PermissionDenied:
        raise NotFound(f"complaint {complaint_id}") from None
    return _shape(actor, row, now)


def events(db: sqlite_utils.Database, actor: Actor, complaint_id: int) -> list[dict]:
    """The complaint's steps, oldest first; a merchant sees the life-cycle steps without the internal notes
    or findings."""
    get_complaint(db, actor, complaint_id)
    found = rows(
        db,
        """SELECT e.at, e.action, e.from_status, e.to_status, e.note, u.display_name AS by_name
                        FROM complaint_events e LEFT JOIN users u ON u.id = e.by """
        """WHERE e.complaint_id = ? ORDER BY e.id""",
        [complaint_id],
    )
    if is_merchant(actor):  # the steps only: no notes, and not the supervisor's finding on the agent
        return [
            {"at": e["at"], "action": e["action"], "from_status": e["from_status"], "to_status": e["to_status"]}
            for e in found
            if e["action"] in (*ACTIONS, "log")
        ]
    return found


def list_complaints(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int | None = None,
    status: str | None = None,
    category: str | None = None,
    overdue: bool | None = None,
    agent_id: int | None = None,
    search: str = "",
    start: date | None = None,
    end: date | None = None,
    open_only: bool = False,
    now: datetime | None = None,
    closed_between: tuple[date, date] | None = None,
) -> list[dict]:
    """Complaints of the projects the actor may see, newest first, with filters; `overdue` True keeps only overdue ones.

    `closed_between` keeps the complaints closed on a day of [first, last] (the Monday meeting's "closed this week").
    """
    require(actor, "complaint.read")
    visible = visible_project_ids(db, actor)
    where, params = ["1=1"], []
    if visible is not None:
        if not visible:
            return []
        where.append(f"c.project_id IN ({','.join('?' * len(visible))})")
        params += sorted(visible)
    for column, value in (("c.project_id", project_id), ("c.status", status), ("c.category", category)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if agent_id is not None and not is_merchant(actor):
        where.append("c.agent_id = ?")
        params.append(agent_id)
    if open_only:
        where.append(f"c.status IN ({','.join('?' * len(OPEN_STATUSES))})")
        params += list(OPEN_STATUSES)
    if overdue is not None:
        clause = f"(c.status IN ({','.join('?' * len(OPEN_STATUSES))}) AND c.promised_at < ?)"
        where.append(clause if overdue else f"NOT {clause}")
        params += [*OPEN_STATUSES, _text(_now(now))]
    if start:
        where.append("c.logged_at >= ?")
        params.append(f"{start.isoformat()} 00:00:00")
    if end:
        where.append("c.logged_at <= ?")
        params.append(f"{end.isoformat()} 23:59:59")
    if closed_between:
        where.append("c.status = 'closed' AND c.closed_at BETWEEN ? AND ?")
        params += [f"{closed_between[0].isoformat()} 00:00:00", f"{closed_between[1].isoformat()} 23:59:59"]
    if search.strip():
        where.append("(c.number LIKE ? OR c.buyer_id LIKE ? OR c.order_no LIKE ? OR c.description LIKE ?)")
        params += [f"%{search.strip()}%"] * 4
    found = rows(db, f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY c.logged_at DESC, c.id DESC", params)
    return [_shape(actor, r, now) for r in found]


def advance(
    db: sqlite_utils.Database, actor: Actor, complaint_id: int, action: str, note: str = "", now: datetime | None = None
) -> str:
    """Take one step of the life-cycle (start, escalate, resolve, close, reopen); returns the new status."""
    complaint = get_complaint(db, actor, complaint_id)
    require_project(db, actor, complaint["project_id"], "complaint.write")
    note = (note or "").strip()
    if action not in ACTIONS:
        raise ValidationError.single("complaint.action", "err.invalid_choice")
    sources, target = ACTIONS[action]
    errors: list[FieldError] = []
    if complaint["status"] not in sources:
        errors.append(FieldError("complaint.status", "err.bad_transition", {"frm": complaint["status"], "to": target}))
    if action in NOTE_REQUIRED and not note:
        errors.append(FieldError("note", "err.required"))
    if len(note) > MAX_NOTE:
        errors.append(FieldError("note", "err.too_long", {"n": MAX_NOTE}))
    if action == "resolve" and complaint["concerns_agent"] and complaint["responsible"] is None:
        errors.append(FieldError("complaint.responsible", "err.complaint.finding_required"))
    if errors:
        raise ValidationError(errors)
    stamp = _text(_now(now))
    changes: dict[str, Any] = {"status": target, "updated_at": stamp}
    if action == "escalate":
        manager = one(db, "SELECT manager_id FROM projects WHERE id = ?", [complaint["project_id"]])
        changes["assignee_id"] = manager["manager_id"]
    if action == "resolve":
        changes["resolved_at"] = stamp
    if action == "close":
        changes["closed_at"] = stamp
    if action == "reopen":
        changes |= {"resolved_at": None, "closed_at": None}
    with write(db):
        db["complaints"].update(complaint_id, changes)
        db["complaint_events"].insert(
            {
                "complaint_id": complaint_id,
                "at": stamp,
                "by": actor.id,
                "action": action,
                "from_status": complaint["status"],
                "to_status": target,
                "note": note,
            }
        )
        audit.record(
            db, actor, action, "complaint", complaint_id, {"status": complaint["status"]}, {**changes, "note": note}
        )
    return target


def set_responsibility(
    db: sqlite_utils.Database,
    actor: Actor,
    complaint_id: int,
    responsible: bool,
    note: str,
    now: datetime | None = None,
) -> None:
    """The supervisor's finding: was the named agent responsible? A yes counts the complaint against the agent."""
    complaint = get_complaint(db, actor, complaint_id)
    require_project(db, actor, complaint["project_id"], "complaint.judge")
    note = (note or "").strip()
    errors: list[FieldError] = []
    if not complaint["concerns_agent"]:
        errors.append(FieldError("complaint.responsible", "err.complaint.no_agent"))
    if complaint["status"] == "closed":
        errors.append(FieldError("complaint.status", "err.complaint.closed"))
    if not isinstance(responsible, bool):
        errors.append(FieldError("complaint.responsible", "err.invalid_choice"))
    if not note:
        errors.append(FieldError("note", "err.required"))
    elif len(note) > MAX_NOTE:
        errors.append(FieldError("note", "err.too_long", {"n": MAX_NOTE}))
    if errors:
        raise ValidationError(errors)
    stamp = _text(_now(now))
    changes = {
        "responsible": int(responsible),
        "responsibility_note": note,
        "responsibility_by": actor.id,
        "responsibility_at": stamp,
        "updated_at": stamp,
    }
    with write(db):
        db["complaints"].update(complaint_id, changes)
        db["complaint_events"].insert(
            {
                "complaint_id": complaint_id,
                "at": stamp,
                "by": actor.id,
                "action": "responsible" if responsible else "not_responsible",
                "from_status": complaint["status"],
                "to_status": complaint["status"],
                "note": note,
            }
        )
        audit.record(
            db, actor, "responsibility", "complaint", complaint_id, {"responsible": complaint["responsible"]}, changes
        )


def trend(db: sqlite_utils.Database, actor: Actor, start: date, end: date, project_id: int | None = None) -> list[dict]:
    """Complaints per week (Monday of the logging day) and category: {week, category, complaints}."""
    found = list_complaints(db, actor, project_id=project_id, start=start, end=end)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for c in found:
        counts[(weeks.week_start(date.fromisoformat(c["logged_at"][:10])).isoformat(), c["category"])] += 1
    return [{"week": w, "category": cat, "complaints": n} for (w, cat), n in sorted(counts.items())]


def overdue_by_project(db: sqlite_utils.Database, actor: Actor, now: datetime | None = None) -> list[dict]:
    """Open complaints past their promise, counted per project the actor may see (for the home and project pages)."""
    found = list_complaints(db, actor, overdue=True, now=now)
    per: dict[int, dict] = {}
    for c in found:
        entry = per.setdefault(
            c["project_id"],
            {
                "project_id": c["project_id"],
                "project_name": c["project_name"],
                "merchant_name": c["merchant_name"],
                "overdue": 0,
                "oldest_promise": c["promised_at"],
            },
        )
        entry["overdue"] += 1
        entry["oldest_promise"] = min(entry["oldest_promise"], c["promised_at"])
    return sorted(per.values(), key=lambda e: (-e["overdue"], e["project_name"]))


def complaints_against_agent(
    db: sqlite_utils.Database, actor: Actor | None, agent_id: int, start: date, end: date
) -> list[dict]:
    """Complaints logged in [start, end] that the supervisor found the agent responsible for (for pay and
    the service index)."""
    access._check_agent_access(db, actor, agent_id)
    return rows(
        db,
        """SELECT c.id, c.number, c.project_id, c.category, c.severity, c.logged_at, c.status, c.review_id,
                              c.responsibility_at, c.responsibility_note, r.score AS review_score, """
        """r.critical_failed AS review_critical_failed
                       FROM complaints c LEFT JOIN qa_reviews r ON r.id = c.review_id
                       WHERE c.agent_id = ? AND c.responsible = 1 AND c.logged_at BETWEEN ? AND ?
                       ORDER BY c.logged_at, c.id""",
        [agent_id, f"{start.isoformat()} 00:00:00", f"{end.isoformat()} 23:59:59"],
    )
