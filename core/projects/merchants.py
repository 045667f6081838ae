"""Merchants (the shops we serve) and their projects, with each project's status history."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from core.kernel import audit, config
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import (
    PROJECT_MANAGER_ROLES,
    Actor,
    PermissionDenied,
    is_merchant,
    require,
    require_project,
    visible_project_ids,
)

PLATFORMS = ("taobao", "tmall", "pinduoduo", "jd", "douyin")
PROJECT_STATUSES = ("negotiating", "signed", "training", "live", "paused", "ended")
# status -> the statuses it may move to
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "negotiating": ("signed", "ended"),
    "signed": ("training", "paused", "ended"),
    "training": ("live", "paused", "ended"),
    "live": ("paused", "ended"),
    "paused": ("training", "live", "ended"),
    "ended": (),
}
PROMOTION_FREQUENCIES = ("none", "monthly", "biweekly", "weekly", "big_sales_only")
MAX_TEXT = 200
MAX_NOTES = 2000
MAX_COUNT = 10_000_000  # agents and daily inquiries: far above any shop, far below SQLite's integer limit
MERCHANT_TEXT_FIELDS = ("shop_name", "category", "contact_name", "contact_phone")


def _merchant_errors(db: sqlite_utils.Database, data: dict[str, Any], merchant_id: int | None) -> list[FieldError]:
    errors: list[FieldError] = []
    name = str(data.get("name") or "").strip()
    if not name:
        errors.append(FieldError("name", "err.required"))
    elif len(name) > MAX_TEXT:
        errors.append(FieldError("name", "err.too_long", {"n": MAX_TEXT}))
    else:
        clash = one(db, "SELECT id FROM merchants WHERE name = ?", [name])
        if clash and clash["id"] != merchant_id:
            errors.append(FieldError("name", "err.duplicate"))
    if data.get("platform") not in PLATFORMS:
        errors.append(FieldError("platform", "err.invalid_choice"))
    for key in MERCHANT_TEXT_FIELDS:
        if len(str(data.get(key) or "")) > MAX_TEXT:
            errors.append(FieldError(key, "err.too_long", {"n": MAX_TEXT}))
    if len(str(data.get("notes") or "")) > MAX_NOTES:
        errors.append(FieldError("notes", "err.too_long", {"n": MAX_NOTES}))
    for key in ("current_presales_agents", "avg_daily_inquiries"):
        value = data.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors.append(FieldError(key, "err.non_negative_int"))
        elif value > MAX_COUNT:
            errors.append(FieldError(key, "err.max", {"max": MAX_COUNT}))
    if data.get("promotion_frequency", "none") not in PROMOTION_FREQUENCIES:
        errors.append(FieldError("promotion_frequency", "err.invalid_choice"))
    return errors


def _clean_merchant(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": str(data["name"]).strip(),
        "platform": data["platform"],
        **{k: str(data.get(k) or "").strip() for k in MERCHANT_TEXT_FIELDS},
        "current_presales_agents": int(data.get("current_presales_agents", 0)),
        "avg_daily_inquiries": int(data.get("avg_daily_inquiries", 0)),
        "promotion_frequency": data.get("promotion_frequency", "none"),
        "notes": str(data.get("notes") or "").strip(),
    }


def create_merchant(db: sqlite_utils.Database, actor: Actor | None, data: dict[str, Any]) -> int:
    """Add a merchant with its shop facts; refuses bad or duplicate input with field errors."""
    if actor is not None:
        require(actor, "merchant.write")
    errors = _merchant_errors(db, data, None)
    if errors:
        raise ValidationError(errors)
    stamp = config.now_text()
    record = {**_clean_merchant(data), "created_at": stamp, "updated_at": stamp}
    with write(db):
        merchant_id = db["merchants"].insert(record).last_pk
        audit.record(db, actor, "create", "merchant", merchant_id, None, record)
    return int(merchant_id)


def update_merchant(db: sqlite_utils.Database, actor: Actor, merchant_id: int, data: dict[str, Any]) -> None:
    """Edit a merchant's name, platform and shop facts."""
    require(actor, "merchant.write")
    before = get_merchant(db, actor, merchant_id)
    errors = _merchant_errors(db, data, merchant_id)
    if errors:
        raise ValidationError(errors)
    changes = {**_clean_merchant(data), "updated_at": config.now_text()}
    with write(db):
        db["merchants"].update(merchant_id, changes)
        audit.record(db, actor, "update", "merchant", merchant_id, before, {**before, **changes})


def get_merchant(db: sqlite_utils.Database, actor: Actor, merchant_id: int) -> dict:
    """One merchant; staff see any, a merchant user only its own."""
    if is_merchant(actor):
        if actor.merchant_id != merchant_id:
            raise NotFound(f"merchant {merchant_id}")
    else:
        require(actor, "merchant.read")
    row = one(db, "SELECT * FROM merchants WHERE id = ?", [merchant_id])
    if row is None:
        raise NotFound(f"merchant {merchant_id}")
    return row


def list_merchants(
    db: sqlite_utils.Database,
    actor: Actor,
    search: str = "",
    platform: str | None = None,
    status: str | None = None,
    manager_id: int | None = None,
) -> list[dict]:
    """Merchants with their project count, statuses and managers, filtered for the list page."""
    require(actor, "merchant.read")
    where, params = (
        ["(m.name LIKE ? OR m.shop_name LIKE ? OR m.contact_name LIKE ? OR m.category LIKE ?)"],
        [f"%{search.strip()}%"] * 4,
    )
    if platform:
        where.append("m.platform = ?")
        params.append(platform)
    if status:
        where.append("EXISTS (SELECT 1 FROM projects p2 WHERE p2.merchant_id = m.id AND p2.status = ?)")
        params.append(status)
    if manager_id:
        where.append("EXISTS (SELECT 1 FROM projects p3 WHERE p3.merchant_id = m.id AND p3.manager_id = ?)")
        params.append(manager_id)
    sql = f"""
        SELECT m.id, m.name, m.platform, m.shop_name, m.category, m.contact_name,
               m.avg_daily_inquiries, m.current_presales_agents, m.promotion_frequency,
               COUNT(p.id) AS projects,
               GROUP_CONCAT(DISTINCT p.status) AS statuses,
               GROUP_CONCAT(DISTINCT u.display_name) AS managers
        FROM merchants m
        LEFT JOIN projects p ON p.merchant_id = m.id
        LEFT JOIN users u ON u.id = p.manager_id
        WHERE {" AND ".join(where)}
        GROUP BY m.id ORDER BY m.name
    """
    return rows(db, sql, params)


def managers(db: sqlite_utils.Database) -> list[dict]:
    """Active users who can manage a project (managers and admins)."""
    return rows(
        db,
        "SELECT id, display_name, username FROM users WHERE active = 1 AND role IN (?, ?) ORDER BY display_name",
        list(PROJECT_MANAGER_ROLES),
    )


# --- projects --------------------------------------------------------------------------------


def create_project(
    db: sqlite_utils.Database,
    actor: Actor | None,
    merchant_id: int,
    name: str,
    manager_id: int | None = None,
    platform: str | None = None,
) -> int:
    """Open a project (an engagement) for a merchant; it starts as `negotiating`."""
    if actor is not None:
        require(actor, "project.write")
    merchant = one(db, "SELECT * FROM merchants WHERE id = ?", [merchant_id])
    errors: list[FieldError] = []
    if merchant is None:
        errors.append(FieldError("merchant_id", "err.invalid_choice"))
    name = name.strip()
    if not name:
        errors.append(FieldError("name", "err.required"))
    elif len(name) > MAX_TEXT:
        errors.append(FieldError("name", "err.too_long", {"n": MAX_TEXT}))
    elif merchant and one(db, "SELECT id FROM projects WHERE merchant_id = ? AND name = ?", [merchant_id, name]):
        errors.append(FieldError("name", "err.duplicate"))
    if platform is not None and platform not in PLATFORMS:
        errors.append(FieldError("platform", "err.invalid_choice"))
    if manager_id is not None and not one(
        db, "SELECT id FROM users WHERE id = ? AND role IN (?, ?)", [manager_id, *PROJECT_MANAGER_ROLES]
    ):
        errors.append(FieldError("manager_id", "err.invalid_choice"))
    if errors:
        raise ValidationError(errors)
    stamp = config.now_text()
    record = {
        "merchant_id": merchant_id,
        "name": name,
        "platform": platform or merchant["platform"],
        "status": "negotiating",
        "manager_id": manager_id,
        "created_at": stamp,
        "updated_at": stamp,
    }
    with write(db):
        project_id = db["projects"].insert(record).last_pk
        db["project_status_history"].insert(
            {
                "project_id": project_id,
                "from_status": None,
                "to_status": "negotiating",
                "changed_at": stamp,
                "changed_by": actor.id if actor else None,
                "note": "",
            }
        )
        audit.record(db, actor, "create", "project", project_id, None, record)
        from core.projects import faq  # late import: faq builds on projects

        faq.ensure_standard_questions(db, int(project_id))
    return int(project_id)


def get_project(db: sqlite_utils.Database, actor: Actor, project_id: int) -> dict:
    """One project with its merchant's name and manager; refused when the actor may not see it."""
    try:
        require_project(db, actor, project_id)
    except PermissionDenied:
        raise NotFound(f"project {project_id}") from None
    row = one(
        db,
        """SELECT p.*, m.name AS merchant_name, u.display_name AS manager_name
           FROM projects p JOIN merchants m ON m.id = p.merchant_id
           LEFT JOIN users u ON u.id = p.manager_id WHERE p.id = ?""",
        [project_id],
    )
    if row is None:
        raise NotFound(f"project {project_id}")
    return row


def list_projects(
    db: sqlite_utils.Database,
    actor: Actor,
    search: str = "",
    status: str | None = None,
    merchant_id: int | None = None,
) -> list[dict]:
    """The projects the actor may see, with merchant and manager names."""
    require(actor, "project.read")
    where, params = ["(p.name LIKE ? OR m.name LIKE ?)"], [f"%{search.strip()}%"] * 2
    visible = visible_project_ids(db, actor)
    if visible is not None:
        if not visible:
            return []
        where.append(f"p.id IN ({','.join('?' * len(visible))})")
        params += sorted(visible)
    if status:
        where.append("p.status = ?")
        params.append(status)
    if merchant_id:
        where.append("p.merchant_id = ?")
        params.append(merchant_id)
    sql = f"""SELECT p.id, p.name, p.platform, p.status, p.merchant_id, m.name AS merchant_name,
                     p.manager_id, u.display_name AS manager_name, p.updated_at
              FROM projects p JOIN merchants m ON m.id = p.merchant_id
              LEFT JOIN users u ON u.id = p.manager_id
              WHERE {" AND ".join(where)} ORDER BY m.name, p.name"""
    return rows(db, sql, params)


def allowed_transitions(status: str) -> tuple[str, ...]:
    """The statuses a project in `status` may move to."""
    return TRANSITIONS.get(status, ())


def update_project(db: sqlite_utils.Database, actor: Actor, project_id: int, name: str, manager_id: int | None) -> None:
    """Rename a project or change its manager."""
    require_project(db, actor, project_id, "project.write")
    before = get_project(db, actor, project_id)
    name = name.strip()
    errors: list[FieldError] = []
    if not name:
        errors.append(FieldError("name", "err.required"))
    elif len(name) > MAX_TEXT:
        errors.append(FieldError("name", "err.too_long", {"n": MAX_TEXT}))
    elif one(
        db,
        "SELECT id FROM projects WHERE merchant_id = ? AND name = ? AND id != ?",
        [before["merchant_id"], name, project_id],
    ):
        errors.append(FieldError("name", "err.duplicate"))
    if manager_id is not None and not one(
        db, "SELECT id FROM users WHERE id = ? AND role IN (?, ?)", [manager_id, *PROJECT_MANAGER_ROLES]
    ):
        errors.append(FieldError("manager_id", "err.invalid_choice"))
    if errors:
        raise ValidationError(errors)
    changes = {"name": name, "manager_id": manager_id, "updated_at": config.now_text()}
    with write(db):
        db["projects"].update(project_id, changes)
        audit.record(
            db,
            actor,
            "update",
            "project",
            project_id,
            {"name": before["name"], "manager_id": before["manager_id"]},
            changes,
        )


def status_history(db: sqlite_utils.Database, actor: Actor, project_id: int) -> list[dict]:
    """The project's status changes, oldest first, with who made them."""
    require_project(db, actor, project_id)
    return rows(
        db,
        """SELECT h.changed_at, h.from_status, h.to_status, h.note, u.display_name AS changed_by
           FROM project_status_history h LEFT JOIN users u ON u.id = h.changed_by
           WHERE h.project_id = ? ORDER BY h.id""",
        [project_id],
    )


def home_summary(db: sqlite_utils.Database, actor: Actor) -> dict[str, Any]:
    """What the home page shows: projects by status, drafts to confirm, upcoming go-lives."""
    projects = list_projects(db, actor)
    ids = [p["id"] for p in projects]
    by_status = {s: sum(1 for p in projects if p["status"] == s) for s in PROJECT_STATUSES}
    if not ids:
        return {"projects": projects, "by_status": by_status, "drafts": [], "golives": [], "merchants": 0}
    marks = ",".join("?" * len(ids))
    drafts = rows(
        db,
        f"""SELECT o.project_id, o.version, o.updated_at, p.name, m.name AS merchant_name
                          FROM order_confirmations o JOIN projects p ON p.id = o.project_id
                          JOIN merchants m ON m.id = p.merchant_id
                          WHERE o.status = 'draft' AND o.project_id IN ({marks}) ORDER BY o.updated_at""",
        ids,
    )
    golives = rows(
        db,
        f"""SELECT o.project_id, json_extract(o.data, '$.golive_committed_date') AS golive, p.name, p.status,
                                  m.name AS merchant_name
                           FROM order_confirmations o JOIN projects p ON p.id = o.project_id
                           JOIN merchants m ON m.id = p.merchant_id
                           WHERE o.status = 'confirmed' AND p.status IN ('signed','training') AND o.project_id IN """
        f"""({marks})
                             AND o.version = (SELECT MAX(version) FROM order_confirmations x WHERE x.project_id = """
        f"""o.project_id AND x.status = 'confirmed')
                           ORDER BY golive""",
        ids,
    )
    merchant_count = len({p["merchant_id"] for p in projects})
    return {
        "projects": projects,
        "by_status": by_status,
        "drafts": drafts,
        "golives": golives,
        "merchants": merchant_count,
    }
