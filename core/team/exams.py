"""Exams (考核): records, pass marks, the exam types a project requires, and who is admitted.

An exam has a type, a score out of a maximum, an examiner, a date and notes. The pass mark
(default 80 %) is set per project and type, and the mark in force is kept with each exam. A
project requires the exam types its order confirmation's examiner implies (or the types its
manager set); an agent is admitted when the latest attempt of every required type passed.
project_id NULL is the company's basic training exam (written and simulation only).
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

import sqlite_utils

from core.agents import directory
from core.kernel import audit, config
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, ValidationError
from core.kernel.permissions import Actor, is_agent, require, require_project, visible_project_ids
from core.projects import order_confirmation as oc

EXAM_TYPES = ("written", "simulation", "merchant", "mystery_shopper")
BASIC_EXAM_TYPES = ("written", "simulation")  # the company's own basic exam has no merchant in it
DEFAULT_PASS_MARK = 0.8
# the order confirmation's "who examines" -> the exam types a project requires by default
EXAMINER_EXAMS: dict[str, tuple[str, ...]] = {
    "us": ("written", "simulation"),
    "merchant": ("merchant",),
    "both": ("written", "simulation", "merchant"),
}
MAX_TEXT = 2000
MAX_EXAMINER = 100


# --- exams: configuration --------------------------------------------------------------------------


def pass_marks(db: sqlite_utils.Database, project_id: int | None) -> dict[str, float]:
    """The pass mark of each exam type for a project (basic exams: the default)."""
    marks = {t: DEFAULT_PASS_MARK for t in EXAM_TYPES}
    if project_id is not None:
        for r in db.query("SELECT exam_type, pass_mark FROM exam_pass_marks WHERE project_id = ?", [project_id]):
            marks[r["exam_type"]] = r["pass_mark"]
    return marks


def set_pass_mark(db: sqlite_utils.Database, actor: Actor, project_id: int, exam_type: str, pass_mark: float) -> None:
    """Set the pass mark (a fraction, 0.8 = 80 %) of an exam type for a project; later exams use it."""
    require_project(db, actor, project_id, "team.write")
    errors: list[FieldError] = []
    if exam_type not in EXAM_TYPES:
        errors.append(FieldError("team.exam_type", "err.invalid_choice"))
    try:
        mark = float(pass_mark)
        if not 0 < mark <= 1:
            errors.append(FieldError("team.pass_mark", "err.rate_range"))
    except (TypeError, ValueError):
        errors.append(FieldError("team.pass_mark", "err.invalid_value"))
    if errors:
        raise ValidationError(errors)
    before = pass_marks(db, project_id)[exam_type]
    with write(db):
        db["exam_pass_marks"].insert(
            {"project_id": project_id, "exam_type": exam_type, "pass_mark": round(mark, 4)}, replace=True
        )
        audit.record(
            db,
            actor,
            "update",
            "exam_pass_mark",
            f"{project_id}/{exam_type}",
            {"pass_mark": before},
            {"pass_mark": round(mark, 4)},
        )


def default_required_exams(examiner: str | None) -> tuple[str, ...]:
    """The exam types implied by the order confirmation's "who examines" (ours when unknown)."""
    return EXAMINER_EXAMS.get(examiner or "us", EXAMINER_EXAMS["us"])


def required_exams(db: sqlite_utils.Database, actor: Actor, project_id: int) -> tuple[str, ...]:
    """The exam types an agent must pass to be admitted to the project."""
    require_project(db, actor, project_id)
    row = one(db, "SELECT required_exams FROM team_settings WHERE project_id = ?", [project_id])
    if row and row["required_exams"]:
        chosen = json.loads(row["required_exams"])
        return tuple(t for t in EXAM_TYPES if t in chosen)
    confirmed = oc.latest_confirmed(db, actor, project_id)
    return default_required_exams(confirmed["data"].get("examiner") if confirmed else None)


def set_required_exams(db: sqlite_utils.Database, actor: Actor, project_id: int, exam_types: list[str] | None) -> None:
    """The manager sets which exam types the project requires (None: back to the order confirmation's)."""
    require_project(db, actor, project_id, "team.write")
    if exam_types is not None:
        if not exam_types:
            raise ValidationError.single("team.required_exams", "err.required")
        if any(t not in EXAM_TYPES for t in exam_types):
            raise ValidationError.single("team.required_exams", "err.invalid_choice")
    before = required_exams(db, actor, project_id)
    value = None if exam_types is None else json.dumps([t for t in EXAM_TYPES if t in exam_types])
    stamp = config.now_text()
    with write(db):
        if one(db, "SELECT 1 AS x FROM team_settings WHERE project_id = ?", [project_id]):
            db["team_settings"].update(
                project_id, {"required_exams": value, "updated_at": stamp, "updated_by": actor.id}
            )
        else:
            db["team_settings"].insert(
                {"project_id": project_id, "required_exams": value, "updated_at": stamp, "updated_by": actor.id}
            )
        audit.record(
            db,
            actor,
            "update",
            "required_exams",
            project_id,
            {"required_exams": list(before)},
            {"required_exams": value},
        )


# --- exams: records ----------------------------------------------------------------------------------


def is_pass(score: float, max_score: float, pass_mark: float) -> bool:
    """True when score / max reaches the pass mark (80 of 100 at 80 % passes)."""
    return round(score / max_score, 6) >= round(pass_mark, 6)


def _number(data: dict, key: str, errors: list[FieldError]) -> float | None:
    value = data.get(key)
    if value is None or value == "":
        errors.append(FieldError(f"team.{key}", "err.required"))
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value)
        if not math.isfinite(number):  # NaN would pass every comparison below, and "1e400" is infinite
            raise ValueError
        return number
    except (TypeError, ValueError, OverflowError):
        errors.append(FieldError(f"team.{key}", "err.invalid_value"))
        return None


def record_exam(db: sqlite_utils.Database, actor: Actor, data: dict[str, Any]) -> int:
    """Record an exam: agent, project (None: the basic exam), type, score, maximum, examiner, date, notes."""
    require(actor, "exam.write")
    try:
        project_id = None if data.get("project_id") is None else int(data["project_id"])
        if project_id is not None and one(db, "SELECT id FROM projects WHERE id = ?", [project_id]) is None:
            raise ValueError(project_id)
    except (TypeError, ValueError, OverflowError):  # OverflowError: beyond SQLite's integers, no such project either
        raise ValidationError.single("team.project_id", "err.invalid_choice") from None
    if project_id is not None:
        require_project(db, actor, project_id, "exam.write")
    errors: list[FieldError] = []
    agent = one(db, "SELECT id, status FROM agents WHERE id = ?", [data.get("agent_id")])
    if agent is None:
        errors.append(FieldError("team.agent_id", "err.invalid_choice"))
    exam_type = data.get("exam_type")
    if exam_type not in EXAM_TYPES:
        errors.append(FieldError("team.exam_type", "err.invalid_choice"))
    elif project_id is None and exam_type not in BASIC_EXAM_TYPES:
        errors.append(FieldError("team.exam_type", "err.team.basic_exam_type"))
    score = _number(data, "score", errors)
    max_score = _number(data, "max_score", errors)
    if score is not None and score < 0:
        errors.append(FieldError("team.score", "err.non_negative"))
    if max_score is not None and max_score <= 0:
        errors.append(FieldError("team.max_score", "err.positive"))
    if score is not None and max_score is not None and max_score > 0 and score > max_score:
        errors.append(FieldError("team.score", "err.team.score_above_max"))
    exam_date = data.get("exam_date") or config.today()
    try:
        if isinstance(exam_date, datetime):
            exam_date = exam_date.date()
        exam_day = exam_date if isinstance(exam_date, date) else date.fromisoformat(str(exam_date))
        if exam_day > config.today():
            errors.append(FieldError("team.exam_date", "err.team.date_future"))
    except ValueError:
        errors.append(FieldError("team.exam_date", "err.invalid_value"))
        exam_day = config.today()
    examiner = str(data.get("examiner") or "").strip()
    if len(examiner) > MAX_EXAMINER:
        errors.append(FieldError("team.examiner", "err.too_long", {"n": MAX_EXAMINER}))
    notes = str(data.get("notes") or "").strip()
    if len(notes) > MAX_TEXT:
        errors.append(FieldError("team.notes", "err.too_long", {"n": MAX_TEXT}))
    if errors:
        raise ValidationError(errors)
    mark = pass_marks(db, project_id)[exam_type]
    record = {
        "agent_id": agent["id"],
        "project_id": project_id,
        "exam_type": exam_type,
        "score": round(score, 2),
        "max_score": round(max_score, 2),
        "pass_mark": mark,
        "passed": int(is_pass(score, max_score, mark)),
        "examiner": examiner or actor.display_name or actor.username,
        "exam_date": exam_day.isoformat(),
        "notes": notes,
        "created_by": actor.id,
        "created_at": config.now_text(),
    }
    with write(db):
        exam_id = db["exams"].insert(record).last_pk
        audit.record(db, actor, "create", "exam", exam_id, None, record)
    return int(exam_id)


def list_exams(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int | None = None,
    agent_id: int | None = None,
    exam_type: str | None = None,
    basic_only: bool = False,
    passed: bool | None = None,
    search: str = "",
) -> list[dict]:
    """Exam records, newest first: staff see all, a merchant its projects' exams, an agent their own."""
    require(actor, "training.read")
    where, params = (
        ["(a.name LIKE ? OR a.employee_no LIKE ? OR e.examiner LIKE ? OR e.notes LIKE ?)"],
        [f"%{search.strip()}%"] * 4,
    )
    if is_agent(actor):
        own = directory.my_agent(db, actor)
        if own is None:
            return []
        where.append("e.agent_id = ?")
        params.append(own["id"])
    elif actor.role not in ("admin", "manager", "trainer", "qa"):
        visible = sorted(visible_project_ids(db, actor) or set())
        if not visible:
            return []
        where.append(f"e.project_id IN ({','.join('?' * len(visible))})")
        params += visible
    if project_id is not None:
        where.append("e.project_id = ?")
        params.append(project_id)
    if basic_only:
        where.append("e.project_id IS NULL")
    if agent_id is not None:
        where.append("e.agent_id = ?")
        params.append(agent_id)
    if exam_type:
        where.append("e.exam_type = ?")
        params.append(exam_type)
    if passed is not None:
        where.append("e.passed = ?")
        params.append(int(passed))
    return rows(
        db,
        f"""SELECT e.*, a.name AS agent_name, a.employee_no, p.name AS project_name,
                               ROUND(e.score / e.max_score, 4) AS ratio
                        FROM exams e JOIN agents a ON a.id = e.agent_id LEFT JOIN projects p ON p.id = e.project_id
                        WHERE {" AND ".join(where)} ORDER BY e.exam_date DESC, e.id DESC""",
        params,
    )


def admission(required: tuple[str, ...], exams: list[dict]) -> dict[str, Any]:
    """Whether an agent is admitted, from their exams on the project (any order).

    The latest attempt of each required type counts (a failed retake undoes an earlier pass);
    returns {"admitted", "missing": required types without a passed latest attempt, "latest": {type: exam}}.
    """
    latest: dict[str, dict] = {}
    for exam in sorted(exams, key=lambda e: (e["exam_date"], e["id"])):
        latest[exam["exam_type"]] = exam
    missing = [t for t in required if t not in latest or not latest[t]["passed"]]
    return {"admitted": not missing, "missing": missing, "latest": latest}


def admissions(
    db: sqlite_utils.Database, actor: Actor, project_id: int, agent_ids: list[int] | None = None
) -> dict[int, dict]:
    """`admission` of each agent with exams on the project (or of the agents given)."""
    require_project(db, actor, project_id)
    required = required_exams(db, actor, project_id)
    by_agent: dict[int, list[dict]] = {a: [] for a in (agent_ids or [])}
    for exam in db.query(
        "SELECT id, agent_id, exam_type, exam_date, passed, score, max_score FROM exams WHERE project_id = ?",
        [project_id],
    ):
        if agent_ids is None or exam["agent_id"] in by_agent:
            by_agent.setdefault(exam["agent_id"], []).append(exam)
    return {agent_id: admission(required, exams) for agent_id, exams in by_agent.items()}


def basic_qualified_ids(db: sqlite_utils.Database) -> set[int]:
    """Agents who passed the basic training exam (the pool screening draws from)."""
    return {
        r["agent_id"] for r in db.query("SELECT DISTINCT agent_id FROM exams WHERE project_id IS NULL AND passed = 1")
    }


def project_exam_stats(db: sqlite_utils.Database, actor: Actor, project_id: int) -> dict[str, Any]:
    """Per exam type: attempts, passes, pass rate and average score; and who failed, why."""
    require_project(db, actor, project_id, "training.read")
    by_type = rows(
        db,
        """SELECT exam_type, COUNT(*) AS attempts, SUM(passed) AS passed,
                                 ROUND(1.0 * SUM(passed) / COUNT(*), 4) AS pass_rate,
                                 ROUND(AVG(score / max_score), 4) AS average
                          FROM exams WHERE project_id = ? GROUP BY exam_type""",
        [project_id],
    )
    order = {t: i for i, t in enumerate(EXAM_TYPES)}
    by_type.sort(key=lambda r: order[r["exam_type"]])
    failures = rows(
        db,
        """SELECT e.exam_date, e.exam_type, e.score, e.max_score, e.pass_mark, e.examiner, e.notes,
                                  a.name AS agent_name, a.employee_no
                           FROM exams e JOIN agents a ON a.id = e.agent_id
                           WHERE e.project_id = ? AND e.passed = 0 ORDER BY e.exam_date DESC, e.id DESC""",
        [project_id],
    )
    return {"by_type": by_type, "failures": failures}
