"""A project's team building (服务之团队组建): the staffing funnel the go-live gate checks.

The funnel of the process, per project, from the order confirmation's agents required:

- screening (客服筛选): 3 × required candidates matched (1:3), drawn from agents who passed the
  basic training exam, due within the screening days (1–3 working days) of the request (the
  day the order confirmation was first confirmed, unless the manager set another day);
- admission (录取): 2 × required admitted (1:2): matched candidates who passed every exam the
  project requires (ours, the merchant's, or both, as the order confirmation says);
- go-live scheduling (排班上线): 1.5 × required on the team (1:1.5), the extra half as reserve.

Targets round up (5 required → 15, 10, 8); the ratios are per-project settings. Agents who
left count nowhere.

Go-live readiness: the order confirmation confirmed; materials complete (or the gap accepted by
the manager with a note); the admission target reached; the roster's first week filled: at
least the funnel's scheduled number of agents on the project's team (online + reserve), and,
once they are there, every shift of the seven days from the go-live date (or today, if later)
rostered with its headcount (core.schedule.shifts).
The go-live gate itself (readiness, overrides, the move to live) is core.golive.gate: it also
reads the shift plan, which builds on this package.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from typing import Any

import sqlite_utils

from core.agents import directory
from core.kernel import audit, config, workdays
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, ValidationError
from core.kernel.permissions import Actor, can, require_project
from core.projects import merchants
from core.projects import order_confirmation as oc
from core.team import exams

DEFAULT_RATIOS = {"screen_ratio": 3.0, "admit_ratio": 2.0, "schedule_ratio": 1.5}
DEFAULT_SCREENING_DAYS = 3
SCREENING_DAYS_RANGE = (1, 3)
MAX_RATIO = 10
STAGES = ("screened", "admitted", "scheduled")
STAGE_RATIO = {"screened": "screen_ratio", "admitted": "admit_ratio", "scheduled": "schedule_ratio"}
FUNNEL_STATUSES = ("signed", "training", "live")  # projects whose funnel is watched on the home page
MAX_NOTE = 500


# --- arithmetic --------------------------------------------------------------------------------


def target(required: int, ratio: float) -> int:
    """required × ratio, rounded up (decimal arithmetic: 25 × 2.2 is 55, not 56)."""
    return math.ceil(Decimal(str(required)) * Decimal(str(ratio)))


def funnel_targets(
    required: int, screen_ratio: float = 3.0, admit_ratio: float = 2.0, schedule_ratio: float = 1.5
) -> dict[str, int]:
    """The numbers each funnel stage needs: 5 required → 15 screened, 10 admitted, 8 scheduled."""
    return {
        "screened": target(required, screen_ratio),
        "admitted": target(required, admit_ratio),
        "scheduled": target(required, schedule_ratio),
    }


def screening_due(requested_on: date, days: int, extra_days_off: frozenset[date] = frozenset()) -> date:
    """The day screening must be done by: `days` working days after the request."""
    return workdays.add_working_days(requested_on, days, extra_days_off)


def screening_late(due: date, reached_on: date | None, today: date) -> bool:
    """Late when the target was reached after the due day, or is still not reached past it."""
    return (reached_on if reached_on is not None else today) > due


# --- settings ------------------------------------------------------------------------------------


def settings(db: sqlite_utils.Database, actor: Actor, project_id: int) -> dict[str, Any]:
    """The project's staffing settings, defaults filled in."""
    require_project(db, actor, project_id, "team.internal")
    row = one(db, "SELECT * FROM team_settings WHERE project_id = ?", [project_id]) or {}
    return {
        **{k: float(row.get(k) or v) for k, v in DEFAULT_RATIOS.items()},
        "screening_days": int(row.get("screening_days") or DEFAULT_SCREENING_DAYS),
        "screening_requested_on": row.get("screening_requested_on"),
        "required_exams_set": bool(row.get("required_exams")),
    }


def _upsert(db: sqlite_utils.Database, actor: Actor, project_id: int, changes: dict[str, Any]) -> None:
    stamp = {"updated_at": config.now_text(), "updated_by": actor.id}
    if one(db, "SELECT 1 AS x FROM team_settings WHERE project_id = ?", [project_id]):
        db["team_settings"].update(project_id, {**changes, **stamp})
    else:
        db["team_settings"].insert({"project_id": project_id, **changes, **stamp})


def _settings_errors(ratios: dict[str, Any], screening_days: Any) -> list[FieldError]:
    errors: list[FieldError] = []
    for key, value in ratios.items():
        try:
            if isinstance(value, bool) or not 0 < float(value) <= MAX_RATIO:
                errors.append(FieldError(f"team.{key}", "err.team.range", {"min": 0, "max": MAX_RATIO}))
        except (TypeError, ValueError):
            errors.append(FieldError(f"team.{key}", "err.invalid_value"))
    if (
        isinstance(screening_days, bool)
        or not isinstance(screening_days, int)
        or not SCREENING_DAYS_RANGE[0] <= screening_days <= SCREENING_DAYS_RANGE[1]
    ):
        errors.append(
            FieldError(
                "team.screening_days",
                "err.team.range",
                {"min": SCREENING_DAYS_RANGE[0], "max": SCREENING_DAYS_RANGE[1]},
            )
        )
    return errors


def update_settings(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    screen_ratio: float,
    admit_ratio: float,
    schedule_ratio: float,
    screening_days: int = DEFAULT_SCREENING_DAYS,
    screening_requested_on: date | None = None,
) -> None:
    """Set the project's funnel ratios, screening days (1–3) and request day (None: the confirmation day)."""
    require_project(db, actor, project_id, "team.write")
    values = {"screen_ratio": screen_ratio, "admit_ratio": admit_ratio, "schedule_ratio": schedule_ratio}
    errors = _settings_errors(values, screening_days)
    if errors:
        raise ValidationError(errors)
    before = settings(db, actor, project_id)
    changes = {
        **{k: round(float(v), 3) for k, v in values.items()},
        "screening_days": screening_days,
        "screening_requested_on": screening_requested_on.isoformat() if screening_requested_on else None,
    }
    with write(db):
        _upsert(db, actor, project_id, changes)
        audit.record(db, actor, "update", "team_settings", project_id, before, changes)


def save_settings(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    ratios: dict[str, float],
    screening_days: int,
    screening_requested_on: date | None,
    required_exams: list[str],
    pass_marks: dict[str, float],
) -> None:
    """The settings form at once: ratios, screening, required exams and pass marks (fractions), all or nothing.

    Required exams equal to what the order confirmation implies are not pinned, so a later change
    of the examiner still applies.
    """
    require_project(db, actor, project_id, "team.write")
    errors = _settings_errors(ratios, screening_days)
    if not required_exams:
        errors.append(FieldError("team.required_exams", "err.required"))
    for exam_type, mark in pass_marks.items():
        if exam_type not in exams.EXAM_TYPES:
            errors.append(FieldError("team.pass_mark", "err.invalid_choice"))
        elif isinstance(mark, bool) or not isinstance(mark, (int, float)) or not 0 < mark <= 1:
            errors.append(FieldError("team.pass_mark", "err.rate_range"))
    if errors:
        raise ValidationError(errors)
    confirmed = oc.latest_confirmed(db, actor, project_id)
    implied = exams.default_required_exams(confirmed["data"].get("examiner") if confirmed else None)
    current_marks = exams.pass_marks(db, project_id)
    with write(db):
        update_settings(
            db,
            actor,
            project_id,
            ratios["screen_ratio"],
            ratios["admit_ratio"],
            ratios["schedule_ratio"],
            screening_days,
            screening_requested_on,
        )
        exams.set_required_exams(db, actor, project_id, None if set(required_exams) == set(implied) else required_exams)
        for exam_type, mark in pass_marks.items():
            if abs(mark - current_marks[exam_type]) > 1e-9:
                exams.set_pass_mark(db, actor, project_id, exam_type, mark)


def accept_materials_gap(db: sqlite_utils.Database, actor: Actor, project_id: int, note: str) -> None:
    """The manager accepts that materials are incomplete, with a note; readiness then lets it pass."""
    require_project(db, actor, project_id, "team.write")
    note = note.strip()
    if not note:
        raise ValidationError.single("team.materials_gap_note", "err.required")
    if len(note) > MAX_NOTE:
        raise ValidationError.single("team.materials_gap_note", "err.too_long", n=MAX_NOTE)
    with write(db):
        _upsert(
            db,
            actor,
            project_id,
            {"materials_gap_note": note, "materials_gap_by": actor.id, "materials_gap_at": config.now_text()},
        )
        audit.record(db, actor, "accept_gap", "team_settings", project_id, None, {"materials_gap_note": note})


def withdraw_materials_gap(db: sqlite_utils.Database, actor: Actor, project_id: int) -> None:
    """Take back the acceptance of a materials gap."""
    require_project(db, actor, project_id, "team.write")
    with write(db):
        before = one(db, "SELECT materials_gap_note FROM team_settings WHERE project_id = ?", [project_id])
        _upsert(db, actor, project_id, {"materials_gap_note": None, "materials_gap_by": None, "materials_gap_at": None})
        audit.record(db, actor, "withdraw_gap", "team_settings", project_id, before, None)


# --- screening: candidates ---------------------------------------------------------------------------


def eligible_agents(db: sqlite_utils.Database, actor: Actor, project_id: int, skill: str | None = None) -> list[dict]:
    """Agents screening may match to the project: basic exam passed, not left, not matched yet."""
    require_project(db, actor, project_id, "team.screen")
    qualified = exams.basic_qualified_ids(db)
    matched = {
        r["agent_id"]
        for r in db.query(
            "SELECT agent_id FROM project_candidates WHERE project_id = ? AND withdrawn_on IS NULL", [project_id]
        )
    }
    pool = directory.list_agents(db, actor, skill=skill)
    return [a for a in pool if a["id"] in qualified and a["id"] not in matched and a["status"] != "left"]


def match_candidates(
    db: sqlite_utils.Database, actor: Actor, project_id: int, agent_ids: list[int], on: date | None = None
) -> int:
    """Match agents to the project as candidates (dated, default today); return how many were added.

    Only agents who passed the basic training exam and have not left may be matched.
    """
    require_project(db, actor, project_id, "team.screen")
    if not agent_ids:
        raise ValidationError.single("team.agent_ids", "err.required")
    qualified = exams.basic_qualified_ids(db)
    errors: list[FieldError] = []
    for agent_id in agent_ids:
        agent = one(db, "SELECT id, name, status FROM agents WHERE id = ?", [agent_id])
        if agent is None:
            errors.append(FieldError("team.agent_ids", "err.invalid_choice"))
        elif agent["status"] == "left":
            errors.append(FieldError("team.agent_ids", "err.team.agent_left", {"name": agent["name"]}))
        elif agent_id not in qualified:
            errors.append(FieldError("team.agent_ids", "err.team.not_basic_qualified", {"name": agent["name"]}))
    day = on or config.today()
    if day > config.today():
        errors.append(FieldError("team.matched_on", "err.team.date_future"))
    if errors:
        raise ValidationError(errors)
    added = 0
    with write(db):
        for agent_id in dict.fromkeys(agent_ids):
            existing = one(
                db, "SELECT * FROM project_candidates WHERE project_id = ? AND agent_id = ?", [project_id, agent_id]
            )
            if existing and existing["withdrawn_on"] is None:
                continue
            record = {
                "project_id": project_id,
                "agent_id": agent_id,
                "matched_on": day.isoformat(),
                "matched_by": actor.id,
                "withdrawn_on": None,
                "withdrawn_note": "",
            }
            if existing:
                db["project_candidates"].update(existing["id"], record)
            else:
                db["project_candidates"].insert(record)
            audit.record(db, actor, "match", "project_candidate", f"{project_id}/{agent_id}", existing, record)
            added += 1
    return added


def withdraw_candidate(db: sqlite_utils.Database, actor: Actor, project_id: int, agent_id: int, note: str = "") -> None:
    """Take a candidate out of the project's funnel (kept as history, with the reason)."""
    require_project(db, actor, project_id, "team.screen")
    existing = one(
        db,
        "SELECT * FROM project_candidates WHERE project_id = ? AND agent_id = ? AND withdrawn_on IS NULL",
        [project_id, agent_id],
    )
    if existing is None:
        raise ValidationError.single("team.agent_id", "err.team.not_candidate")
    if len(note) > MAX_NOTE:
        raise ValidationError.single("team.note", "err.too_long", n=MAX_NOTE)
    changes = {"withdrawn_on": config.today().isoformat(), "withdrawn_note": note.strip()}
    with write(db):
        db["project_candidates"].update(existing["id"], changes)
        audit.record(db, actor, "withdraw", "project_candidate", f"{project_id}/{agent_id}", existing, changes)


def candidates(db: sqlite_utils.Database, actor: Actor, project_id: int) -> list[dict]:
    """The project's active candidates: matched day, status, team role, and which required exams are missing."""
    require_project(db, actor, project_id, "team.internal")
    day = config.today().isoformat()
    found = rows(
        db,
        """SELECT c.agent_id, c.matched_on, a.name, a.employee_no, a.status, a.skills,
                               (SELECT pa.role || ':' || pa.shift FROM project_agents pa """
        """WHERE pa.project_id = c.project_id
                                  AND pa.agent_id = c.agent_id AND (pa.to_date IS NULL OR pa.to_date >= ?)
                                  ORDER BY pa.from_date DESC LIMIT 1) AS team
                        FROM project_candidates c JOIN agents a ON a.id = c.agent_id
                        WHERE c.project_id = ? AND c.withdrawn_on IS NULL ORDER BY c.matched_on, a.employee_no""",
        [day, project_id],
    )
    status = exams.admissions(db, actor, project_id, [c["agent_id"] for c in found])
    for c in found:
        info = status[c["agent_id"]]
        c["admitted"] = info["admitted"] and c["status"] != "left"
        c["missing"] = info["missing"]
        c["results"] = {
            t: {
                "passed": bool(e["passed"]),
                "score": e["score"],
                "max_score": e["max_score"],
                "exam_date": e["exam_date"],
            }
            for t, e in info["latest"].items()
        }
    return found


def add_to_team(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    agent_id: int,
    role: str,
    shift: str,
    from_date: date,
    sub_account: str = "",
) -> int:
    """Put an agent on the project's team (online or reserve, on a shift, from a day).

    An agent not yet matched to the project becomes its candidate too, so the funnel counts them.
    """
    require_project(db, actor, project_id, "team.write")
    agent = directory.get_agent(db, agent_id)
    if agent["status"] == "left":
        raise ValidationError.single("team.agent_id", "err.team.agent_left", name=agent["name"])
    with write(db):
        assignment_id = directory.assign(db, actor, project_id, agent_id, role, shift, from_date, sub_account)
        candidate = one(
            db, "SELECT * FROM project_candidates WHERE project_id = ? AND agent_id = ?", [project_id, agent_id]
        )
        if candidate is None or candidate["withdrawn_on"] is not None:
            record = {
                "project_id": project_id,
                "agent_id": agent_id,
                "matched_on": min(from_date, config.today()).isoformat(),
                "matched_by": actor.id,
                "withdrawn_on": None,
                "withdrawn_note": "",
            }
            if candidate:
                db["project_candidates"].update(candidate["id"], record)
            else:
                db["project_candidates"].insert(record)
    return assignment_id


MERCHANT_TEAM_FIELDS = ("assignment_id", "name", "role", "shift", "from_date", "to_date")


def team(db: sqlite_utils.Database, actor: Actor, project_id: int) -> list[dict]:
    """The project's current and future team (assignments not ended), with each member's admission.

    A merchant gets its team only: names, on duty or reserve, shift and dates (`MERCHANT_TEAM_FIELDS`);
    employee numbers and exams are ours.
    """
    require_project(db, actor, project_id, "team.read")
    day = config.today().isoformat()
    found = rows(
        db,
        """SELECT pa.id AS assignment_id, pa.role, pa.shift, pa.from_date, pa.to_date, pa.sub_account,
                               a.id AS agent_id, a.name, a.employee_no, a.status
                        FROM project_agents pa JOIN agents a ON a.id = pa.agent_id
                        WHERE pa.project_id = ? AND (pa.to_date IS NULL OR pa.to_date >= ?)
                        ORDER BY pa.role, pa.shift, a.employee_no""",
        [project_id, day],
    )
    if not can(actor, "team.internal"):
        return [{k: m[k] for k in MERCHANT_TEAM_FIELDS} for m in found]
    status = exams.admissions(db, actor, project_id, [m["agent_id"] for m in found])
    for m in found:
        m["admitted"] = status[m["agent_id"]]["admitted"]
        m["missing"] = status[m["agent_id"]]["missing"]
    return found


# --- the funnel ------------------------------------------------------------------------------------------


def _requested_on(db: sqlite_utils.Database, project_id: int, configured: str | None) -> date | None:
    if configured:
        return date.fromisoformat(configured)
    first = one(
        db,
        "SELECT MIN(confirmed_at) AS at FROM order_confirmations WHERE project_id = ? AND status = 'confirmed'",
        [project_id],
    )
    return date.fromisoformat(first["at"][:10]) if first and first["at"] else None


def funnel(db: sqlite_utils.Database, actor: Actor, project_id: int, today: date | None = None) -> dict[str, Any]:
    """The project's funnel: required, each stage's target and reached number, short or not, screening due/late."""
    require_project(db, actor, project_id, "team.internal")
    today = today or config.today()
    conf = settings(db, actor, project_id)
    confirmed = oc.latest_confirmed(db, actor, project_id)
    required = int(confirmed["data"].get("agents_required") or 0) if confirmed else None
    active = rows(
        db,
        """SELECT c.agent_id, c.matched_on FROM project_candidates c JOIN agents a ON a.id = c.agent_id
                         WHERE c.project_id = ? AND c.withdrawn_on IS NULL AND a.status != 'left' """
        """ORDER BY c.matched_on""",
        [project_id],
    )
    status = exams.admissions(db, actor, project_id, [c["agent_id"] for c in active])
    scheduled = db.execute(
        """SELECT COUNT(DISTINCT pa.agent_id) FROM project_agents pa JOIN agents a ON a.id = pa.agent_id
                              WHERE pa.project_id = ? AND (pa.to_date IS NULL OR pa.to_date >= ?) """
        """AND a.status != 'left'""",
        [project_id, today.isoformat()],
    ).fetchone()[0]
    reached = {
        "screened": len(active),
        "admitted": sum(1 for c in active if status[c["agent_id"]]["admitted"]),
        "scheduled": scheduled,
    }
    targets = (
        funnel_targets(required, conf["screen_ratio"], conf["admit_ratio"], conf["schedule_ratio"])
        if required
        else None
    )
    stages = [
        {
            "stage": s,
            "ratio": conf[STAGE_RATIO[s]],
            "target": targets[s] if targets else None,
            "reached": reached[s],
            "short": bool(targets) and reached[s] < targets[s],
        }
        for s in STAGES
    ]
    requested_on = _requested_on(db, project_id, conf["screening_requested_on"])
    screening: dict[str, Any] = {
        "requested_on": requested_on,
        "days": conf["screening_days"],
        "due": None,
        "reached_on": None,
        "late": False,
    }
    if requested_on is not None:
        due = screening_due(requested_on, conf["screening_days"], workdays.extra_days_off(db))
        reached_on = None
        if targets and len(active) >= targets["screened"]:
            reached_on = date.fromisoformat(sorted(c["matched_on"] for c in active)[targets["screened"] - 1])
        screening |= {
            "due": due,
            "reached_on": reached_on,
            "late": bool(targets) and screening_late(due, reached_on, today),
        }
    return {"required": required, "stages": stages, "short": any(s["short"] for s in stages), "screening": screening}


def short_funnels(db: sqlite_utils.Database, actor: Actor) -> list[dict]:
    """The actor's signed, training and live projects whose funnel is short, with the short stages."""
    if not can(
        actor, "team.internal"
    ):  # a role that may not see our staffing (a merchant, an agent) sees no funnel warnings
        return []
    found = []
    for project in merchants.list_projects(db, actor):
        if project["status"] not in FUNNEL_STATUSES:
            continue
        result = funnel(db, actor, project["id"])
        if result["short"]:
            found.append(
                {**project, "stages": [s for s in result["stages"] if s["short"]], "screening": result["screening"]}
            )
    return found
