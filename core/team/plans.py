"""Training plans and newcomers' tracks (培训计划).

- Plans: one per project: method, period (1–3 working days by default), content checklist,
  participants (reserves train with the online agents) and attendance per session.
- Tracks: the newcomers' tracks from practice, as templates with stages; a trainee's progress
  through them, with the planned end of each stage in working days.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlite_utils

from core.agents import directory
from core.kernel import audit, config, workdays
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, is_agent, require, require_project

METHODS = ("online_course", "mock_practice", "mixed")
CONTENT_ITEMS = ("project", "business", "industry", "scripts", "cases", "faq_categories", "qa_requirements")
PLAN_WORKING_DAYS = (1, 3)  # the usual period of a project's training, in working days
MAX_TITLE = 200
MAX_TEXT = 2000


@dataclass(frozen=True)
class Stage:
    """One stage of a newcomers' track and its usual length in working days."""

    key: str
    working_days: int


# The newcomers' tracks from practice: no e-commerce experience (about 3 weeks), experienced
# (about 1 week), after-sales (about 2 weeks).
TRACKS: dict[str, tuple[Stage, ...]] = {
    "no_experience": (
        Stage("platform_basics", 3),
        Stage("product", 3),
        Stage("scripts", 3),
        Stage("mock", 3),
        Stage("shadowing", 2),
        Stage("exam", 1),
    ),
    "experienced": (Stage("product", 2), Stage("scripts", 1), Stage("mock", 1), Stage("exam", 1)),
    "aftersales": (
        Stage("aftersales_process", 3),
        Stage("aftersales_tools", 2),
        Stage("disputes", 2),
        Stage("mock", 2),
        Stage("exam", 1),
    ),
}


# --- training plans ----------------------------------------------------------------------------------


def plan_working_days(start: date, end: date, extra_days_off: frozenset[date] = frozenset()) -> int:
    """Working days from start to end, both included."""
    if end < start:
        return 0
    return workdays.working_days_between(start - timedelta(days=1), end, extra_days_off)


def default_plan_end(start: date, extra_days_off: frozenset[date] = frozenset()) -> date:
    """The end of a plan of the usual longest period (3 working days) starting on `start`."""
    return workdays.add_working_days(start - timedelta(days=1), PLAN_WORKING_DAYS[1], extra_days_off)


def plan_warnings(start: date, end: date, extra_days_off: frozenset[date] = frozenset()) -> list[FieldError]:
    """A warning when the period is not the usual 1–3 working days."""
    days = plan_working_days(start, end, extra_days_off)
    if end >= start and not PLAN_WORKING_DAYS[0] <= days <= PLAN_WORKING_DAYS[1]:
        return [
            FieldError(
                "team.end_date",
                "warn.team.plan_period",
                {"n": days, "lo": PLAN_WORKING_DAYS[0], "hi": PLAN_WORKING_DAYS[1]},
            )
        ]
    return []


def get_plan(db: sqlite_utils.Database, actor: Actor, project_id: int) -> dict | None:
    """The project's training plan with its content checklist and participants, or None."""
    require_project(db, actor, project_id, "training.read")
    plan = one(db, "SELECT * FROM training_plans WHERE project_id = ?", [project_id])
    if plan is None:
        return None
    plan["content"] = json.loads(plan["content"])
    plan["participants"] = [
        r["agent_id"]
        for r in db.query(
            "SELECT agent_id FROM training_participants WHERE plan_id = ? ORDER BY agent_id", [plan["id"]]
        )
    ]
    return plan


def default_participants(db: sqlite_utils.Database, actor: Actor, project_id: int) -> list[int]:
    """The project's matched candidates and its current team, online and reserve alike (not who left)."""
    require_project(db, actor, project_id, "training.read")
    day = config.today().isoformat()
    return [
        r["agent_id"]
        for r in db.query(
            """SELECT agent_id FROM project_candidates WHERE project_id = ? AND withdrawn_on IS NULL
             AND agent_id IN (SELECT id FROM agents WHERE status != 'left')
           UNION SELECT agent_id FROM project_agents WHERE project_id = ? AND (to_date IS NULL OR to_date >= ?)
             AND agent_id IN (SELECT id FROM agents WHERE status != 'left')
           ORDER BY agent_id""",
            [project_id, project_id, day],
        )
    ]


def save_plan(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    method: str,
    start_date: date,
    end_date: date,
    content: list[str],
    participants: list[int],
    notes: str = "",
) -> int:
    """Create or replace the project's training plan; return its id."""
    require_project(db, actor, project_id, "training.write")
    errors: list[FieldError] = []
    if method not in METHODS:
        errors.append(FieldError("team.method", "err.invalid_choice"))
    if start_date is None:
        errors.append(FieldError("team.start_date", "err.required"))
    if end_date is None:
        errors.append(FieldError("team.end_date", "err.required"))
    elif start_date is not None and end_date < start_date:
        errors.append(FieldError("team.end_date", "err.end_before_start"))
    if any(item not in CONTENT_ITEMS for item in content):
        errors.append(FieldError("team.content", "err.invalid_choice"))
    known = {r["id"] for r in db.query("SELECT id FROM agents WHERE status != 'left'")}
    if any(a not in known for a in participants):
        errors.append(FieldError("team.participants", "err.invalid_choice"))
    if len(notes) > MAX_TEXT:
        errors.append(FieldError("team.notes", "err.too_long", {"n": MAX_TEXT}))
    if errors:
        raise ValidationError(errors)
    record = {
        "project_id": project_id,
        "method": method,
        "start_date": start_date.isoformat(),
        "end_date": end_date.isoformat(),
        "content": json.dumps([c for c in CONTENT_ITEMS if c in content]),
        "notes": notes.strip(),
        "updated_at": config.now_text(),
        "updated_by": actor.id,
    }
    with write(db):
        existing = one(db, "SELECT * FROM training_plans WHERE project_id = ?", [project_id])
        if existing:
            plan_id = existing["id"]
            db["training_plans"].update(plan_id, record)
        else:
            plan_id = db["training_plans"].insert(record).last_pk
        db.execute("DELETE FROM training_participants WHERE plan_id = ?", [plan_id])
        db["training_participants"].insert_all([{"plan_id": plan_id, "agent_id": a} for a in sorted(set(participants))])
        audit.record(
            db,
            actor,
            "update" if existing else "create",
            "training_plan",
            plan_id,
            existing,
            {**record, "participants": sorted(set(participants))},
        )
    return int(plan_id)


def add_session(
    db: sqlite_utils.Database, actor: Actor, project_id: int, day: date, topic: str, present: list[int]
) -> int:
    """Record a training session of the project's plan and who of the participants attended it."""
    require_project(db, actor, project_id, "training.write")
    plan = get_plan(db, actor, project_id)
    if plan is None:
        raise ValidationError.single("team.plan", "err.team.no_plan")
    errors: list[FieldError] = []
    if not topic.strip():
        errors.append(FieldError("team.topic", "err.required"))
    elif len(topic.strip()) > MAX_TITLE:
        errors.append(FieldError("team.topic", "err.too_long", {"n": MAX_TITLE}))
    if day > config.today():
        errors.append(FieldError("team.day", "err.team.date_future"))
    if any(a not in plan["participants"] for a in present):
        errors.append(FieldError("team.present", "err.team.not_participant"))
    if errors:
        raise ValidationError(errors)
    with write(db):
        session_id = (
            db["training_sessions"]
            .insert(
                {
                    "plan_id": plan["id"],
                    "day": day.isoformat(),
                    "topic": topic.strip(),
                    "created_by": actor.id,
                    "created_at": config.now_text(),
                }
            )
            .last_pk
        )
        db["training_attendance"].insert_all(
            [{"session_id": session_id, "agent_id": a, "present": int(a in present)} for a in plan["participants"]]
        )
        audit.record(
            db,
            actor,
            "create",
            "training_session",
            session_id,
            None,
            {"project_id": project_id, "day": day.isoformat(), "topic": topic.strip(), "present": sorted(present)},
        )
    return int(session_id)


def attendance(db: sqlite_utils.Database, actor: Actor, project_id: int) -> dict[str, Any]:
    """The plan's sessions and, per participant, which they attended and their attendance rate."""
    plan = get_plan(db, actor, project_id)
    if plan is None:
        return {"sessions": [], "agents": []}
    sessions = rows(db, "SELECT id, day, topic FROM training_sessions WHERE plan_id = ? ORDER BY day, id", [plan["id"]])
    marks = {
        (r["session_id"], r["agent_id"]): r["present"]
        for r in db.query(
            "SELECT ta.session_id, ta.agent_id, ta.present FROM training_attendance ta JOIN training_sessions s "
            "ON s.id = ta.session_id WHERE s.plan_id = ?",
            [plan["id"]],
        )
    }
    people = rows(
        db,
        f"""SELECT a.id, a.name, a.employee_no, a.status FROM agents a
                          WHERE a.id IN ({",".join("?" * len(plan["participants"])) or "NULL"}) """
        """ORDER BY a.employee_no""",
        plan["participants"],
    )
    result = []
    for person in people:
        attended = {s["id"]: marks.get((s["id"], person["id"])) for s in sessions}
        held = [v for v in attended.values() if v is not None]
        result.append({**person, "attended": attended, "rate": (sum(held) / len(held)) if held else None})
    return {"sessions": sessions, "agents": result}


# --- newcomers' tracks -----------------------------------------------------------------------------------


def nth_working_day(start: date, n: int, extra_days_off: frozenset[date] = frozenset()) -> date:
    """The n-th working day counting `start` itself as the first when it is a working day."""
    return workdays.add_working_days(start - timedelta(days=1), n, extra_days_off)


def track_progress(
    track: str, start: date, done: list[str], today: date, extra_days_off: frozenset[date] = frozenset()
) -> dict[str, Any]:
    """A trainee's way through a track: each stage's planned end and completion, the current stage, behind or not."""
    stages = []
    total_days = 0
    for index, stage in enumerate(TRACKS[track]):
        total_days += stage.working_days
        stages.append(
            {
                "index": index,
                "key": stage.key,
                "working_days": stage.working_days,
                "planned_end": nth_working_day(start, total_days, extra_days_off),
                "completed_on": done[index] if index < len(done) else None,
            }
        )
    current = stages[len(done)] if len(done) < len(stages) else None
    return {
        "track": track,
        "stages": stages,
        "done": len(done),
        "total": len(stages),
        "current": current,
        "finished": current is None,
        "behind": current is not None and today > current["planned_end"],
        "planned_end": stages[-1]["planned_end"],
    }


def start_track(db: sqlite_utils.Database, actor: Actor, agent_id: int, track: str, start_date: date) -> int:
    """Put a newcomer on a track from a day; one unfinished track at a time."""
    require(actor, "training.write")
    directory.get_agent(db, agent_id)
    errors: list[FieldError] = []
    if track not in TRACKS:
        errors.append(FieldError("team.track", "err.invalid_choice"))
    if one(db, "SELECT id FROM agent_tracks WHERE agent_id = ? AND completed_on IS NULL", [agent_id]):
        errors.append(FieldError("team.track", "err.team.track_open"))
    if errors:
        raise ValidationError(errors)
    record = {
        "agent_id": agent_id,
        "track": track,
        "start_date": start_date.isoformat(),
        "created_by": actor.id,
        "created_at": config.now_text(),
    }
    with write(db):
        track_id = db["agent_tracks"].insert(record).last_pk
        audit.record(db, actor, "create", "agent_track", track_id, None, record)
    return int(track_id)


def complete_stage(
    db: sqlite_utils.Database, actor: Actor, track_id: int, on: date | None = None, note: str = ""
) -> None:
    """Mark the trainee's current stage done (stages go in order); the last one finishes the track."""
    require(actor, "training.write")
    track = one(db, "SELECT * FROM agent_tracks WHERE id = ?", [track_id])
    if track is None:
        raise NotFound(f"track {track_id}")
    done = db.execute("SELECT COUNT(*) FROM agent_track_stages WHERE track_id = ?", [track_id]).fetchone()[0]
    day = on or config.today()
    errors: list[FieldError] = []
    if track["completed_on"] is not None:
        errors.append(FieldError("team.track", "err.team.track_finished"))
    if day > config.today():
        errors.append(FieldError("team.completed_on", "err.team.date_future"))
    if day < date.fromisoformat(track["start_date"]):
        errors.append(FieldError("team.completed_on", "err.team.before_track_start"))
    if len(note) > MAX_TEXT:
        errors.append(FieldError("team.note", "err.too_long", {"n": MAX_TEXT}))
    if errors:
        raise ValidationError(errors)
    finished = done + 1 == len(TRACKS[track["track"]])
    with write(db):
        db["agent_track_stages"].insert(
            {
                "track_id": track_id,
                "stage": done,
                "completed_on": day.isoformat(),
                "note": note.strip(),
                "completed_by": actor.id,
            }
        )
        if finished:
            db["agent_tracks"].update(track_id, {"completed_on": day.isoformat()})
        audit.record(
            db,
            actor,
            "stage_done",
            "agent_track",
            track_id,
            {"stages_done": done},
            {"stages_done": done + 1, "stage": TRACKS[track["track"]][done].key, "on": day.isoformat()},
        )


def list_tracks(
    db: sqlite_utils.Database,
    actor: Actor,
    agent_id: int | None = None,
    open_only: bool = False,
    today: date | None = None,
) -> list[dict]:
    """Tracks with the trainee's name and progress; an agent sees only their own."""
    require(actor, "training.read")
    where, params = ["1=1"], []
    if is_agent(actor):
        own = directory.my_agent(db, actor)
        if own is None:
            return []
        agent_id = own["id"]
    elif actor.role not in ("admin", "manager", "trainer", "qa"):
        return []
    if agent_id is not None:
        where.append("t.agent_id = ?")
        params.append(agent_id)
    if open_only:
        where.append("t.completed_on IS NULL")
    tracks = rows(
        db,
        f"""SELECT t.*, a.name AS agent_name, a.employee_no, a.status AS agent_status
                          FROM agent_tracks t JOIN agents a ON a.id = t.agent_id
                          WHERE {" AND ".join(where)} """
        """ORDER BY t.completed_on IS NOT NULL, t.start_date DESC, t.id DESC""",
        params,
    )
    days_off = workdays.extra_days_off(db)
    for track in tracks:
        done = [
            r["completed_on"]
            for r in db.query(
                "SELECT completed_on FROM agent_track_stages WHERE track_id = ? ORDER BY stage", [track["id"]]
            )
        ]
        track["progress"] = track_progress(
            track["track"], date.fromisoformat(track["start_date"]), done, today or config.today(), days_off
        )
    return tracks


def agent_training_history(db: sqlite_utils.Database, actor: Actor, agent_id: int) -> dict[str, Any]:
    """An agent's tracks, training plans (with sessions attended) and exams, for the agent's record."""
    directory.read_agent(db, actor, agent_id)
    plans = rows(
        db,
        """SELECT p.id AS project_id, p.name AS project_name, tp.method, tp.start_date, tp.end_date,
                               (SELECT COUNT(*) FROM training_sessions s WHERE s.plan_id = tp.id) AS sessions,
                               (SELECT COUNT(*) FROM training_attendance ta JOIN training_sessions s """
        """ON s.id = ta.session_id
                                 WHERE s.plan_id = tp.id AND ta.agent_id = ? AND ta.present = 1) AS attended
                        FROM training_participants tpp JOIN training_plans tp ON tp.id = tpp.plan_id
                        JOIN projects p ON p.id = tp.project_id
                        WHERE tpp.agent_id = ? ORDER BY tp.start_date DESC""",
        [agent_id, agent_id],
    )
    exams = rows(
        db,
        """SELECT e.*, p.name AS project_name, ROUND(e.score / e.max_score, 4) AS ratio
                        FROM exams e LEFT JOIN projects p ON p.id = e.project_id
                        WHERE e.agent_id = ? ORDER BY e.exam_date, e.id""",
        [agent_id],
    )
    tracks = list_tracks(db, actor, agent_id=agent_id)
    return {"tracks": tracks, "plans": plans, "exams": exams}
