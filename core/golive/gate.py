"""The go-live gate (上线条件): what a project lacks to go live, the admin's overrides, status changes.

Go-live readiness: the order confirmation confirmed; materials complete (or the gap accepted by
the manager with a note); the admission target of the team funnel reached (core.team.funnel);
the roster's first week filled: at least the funnel's scheduled number of agents on the project's
team (online + reserve), and, once they are there, every shift of the seven days from the
go-live date (or today, if later) rostered with its headcount (core.schedule.shifts).
A project moves along its life through `change_status`; to live only through `go_live` or a status
change gated by `check_can_go_live`. The admin may override a missing item with a reason, which
the audit log keeps. This package sits above team and schedule, the two things it checks.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import sqlite_utils

from core.kernel import audit, config
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, ValidationError
from core.kernel.permissions import Actor, require, require_project
from core.projects import merchants
from core.projects import order_confirmation as oc
from core.schedule import shifts
from core.team import funnel


def change_status(db: sqlite_utils.Database, actor: Actor, project_id: int, to_status: str, note: str = "") -> None:
    """Move a project along its life, dated and kept in the history; to live only through the gate."""
    require_project(db, actor, project_id, "project.write")
    project = merchants.get_project(db, actor, project_id)
    if to_status not in merchants.allowed_transitions(project["status"]):
        raise ValidationError.single("status", "err.bad_transition", frm=project["status"], to=to_status)
    if len(note) > merchants.MAX_NOTES:
        raise ValidationError.single("note", "err.too_long", n=merchants.MAX_NOTES)
    stamp = config.now_text()
    with write(db):
        if to_status == "live":
            check_can_go_live(db, actor, project_id)  # refuses unless ready or overridden by go_live
        db["projects"].update(project_id, {"status": to_status, "updated_at": stamp})
        db["project_status_history"].insert(
            {
                "project_id": project_id,
                "from_status": project["status"],
                "to_status": to_status,
                "changed_at": stamp,
                "changed_by": actor.id,
                "note": note.strip(),
            }
        )
        audit.record(
            db,
            actor,
            "status",
            "project",
            project_id,
            {"status": project["status"]},
            {"status": to_status, "note": note},
        )


def readiness(db: sqlite_utils.Database, actor: Actor, project_id: int) -> list[FieldError]:
    """What the project still lacks to go live (empty: ready), as catalogue keys with their numbers."""
    require_project(db, actor, project_id, "team.internal")
    confirmed = oc.latest_confirmed(db, actor, project_id)
    if confirmed is None:
        return [FieldError("team.go_live", "err.team.not_ready_oc")]
    missing: list[FieldError] = []
    data = confirmed["data"]
    gap = one(
        db,
        "SELECT materials_gap_note FROM team_settings WHERE project_id = ? AND materials_gap_note IS NOT NULL",
        [project_id],
    )
    if not data.get("materials_complete") and gap is None:
        missing.append(
            FieldError(
                "team.go_live",
                "err.team.not_ready_materials",
                {"missing": data.get("materials_missing") or "—", "due": data.get("materials_due_date") or "—"},
            )
        )
    stages = {s["stage"]: s for s in funnel.funnel(db, actor, project_id)["stages"]}
    if stages["admitted"]["short"]:
        missing.append(
            FieldError(
                "team.go_live",
                "err.team.not_ready_admitted",
                {"have": stages["admitted"]["reached"], "need": stages["admitted"]["target"]},
            )
        )
    if stages["scheduled"]["short"]:
        missing.append(
            FieldError(
                "team.go_live",
                "err.team.not_ready_roster",
                {"have": stages["scheduled"]["reached"], "need": stages["scheduled"]["target"]},
            )
        )
    else:  # enough people: the first week from go-live must also be rostered with every shift's headcount
        first = max(
            config.today(),
            date.fromisoformat(data["golive_committed_date"]) if data.get("golive_committed_date") else config.today(),
        )
        short = shifts.understaffed_shifts(db, project_id, first, first + timedelta(days=6))
        if short:
            missing.append(
                FieldError(
                    "team.go_live",
                    "err.team.not_ready_week_roster",
                    {"n": len(short), "start": first.isoformat(), "end": (first + timedelta(days=6)).isoformat()},
                )
            )
    return missing


def _record_override(
    db: sqlite_utils.Database, actor: Actor, project_id: int, reason: str, missing: list[FieldError], used: bool
) -> None:
    require(actor, "go_live.override")
    if len(reason) > funnel.MAX_NOTE:
        raise ValidationError.single("team.override_reason", "err.too_long", n=funnel.MAX_NOTE)
    listed = [{"key": m.key, **m.params} for m in missing]
    stamp = config.now_text()
    override_id = (
        db["go_live_overrides"]
        .insert(
            {
                "project_id": project_id,
                "reason": reason,
                "missing": json.dumps(listed, ensure_ascii=False),
                "created_by": actor.id,
                "created_at": stamp,
                "used_at": stamp if used else None,
            }
        )
        .last_pk
    )
    audit.record(
        db,
        actor,
        "go_live_override",
        "project",
        project_id,
        {"missing": listed},
        {"reason": reason, "override_id": override_id},
    )


def check_can_go_live(
    db: sqlite_utils.Database, actor: Actor, project_id: int, override_reason: str | None = None
) -> list[FieldError]:
    """Refuse going live while something is missing: raise ValidationError listing every missing item.

    The admin may override with a reason (kept in the audit log and go_live_overrides); the
    items overridden are returned ([] when ready). An override recorded by `go_live` in the
    same transaction is honoured (and used up) here, so the status change may call this too.
    """
    missing = readiness(db, actor, project_id)
    if not missing:
        return []
    reason = (override_reason or "").strip()
    with write(db):
        if reason:
            _record_override(db, actor, project_id, reason, missing, used=True)
            return missing
        pending = one(
            db,
            "SELECT id FROM go_live_overrides WHERE project_id = ? AND used_at IS NULL ORDER BY id DESC LIMIT 1",
            [project_id],
        )
        if pending:
            db["go_live_overrides"].update(pending["id"], {"used_at": config.now_text()})
            return missing
    raise ValidationError(missing)


def go_live(
    db: sqlite_utils.Database, actor: Actor, project_id: int, override_reason: str | None = None
) -> list[FieldError]:
    """Move the project to live when it is ready (or the admin overrides with a reason); return what was overridden."""
    require_project(db, actor, project_id, "project.write")
    reason = (override_reason or "").strip()
    with write(db):
        missing = readiness(db, actor, project_id)
        if missing:
            if not reason:
                raise ValidationError(missing)
            _record_override(db, actor, project_id, reason, missing, used=False)
        change_status(db, actor, project_id, "live", reason)
        # the status change may have used the override already (when it calls check_can_go_live)
        db.execute(
            "UPDATE go_live_overrides SET used_at = ? WHERE project_id = ? AND used_at IS NULL",
            [config.now_text(), project_id],
        )
    return missing


def overrides(db: sqlite_utils.Database, actor: Actor, project_id: int) -> list[dict]:
    """The admin's go-live overrides of the project, newest first."""
    require_project(db, actor, project_id, "team.internal")
    found = rows(
        db,
        """SELECT o.created_at, o.reason, o.missing, u.display_name AS by_name FROM go_live_overrides o
                        LEFT JOIN users u ON u.id = o.created_by WHERE o.project_id = ? ORDER BY o.id DESC""",
        [project_id],
    )
    for row in found:
        row["missing"] = json.loads(row["missing"])
    return found
