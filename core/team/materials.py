"""Training materials (培训资料): the merchant's documents and our courseware, per project, in versions.

Files are uploaded through `core.kernel.uploads` (content-hash storage) under the app-wide
allowed types and size limit. Every version is a row of one series; a new version keeps the old
ones. Courseware goes to the merchant for confirmation (提请商家核实确认): confirmed, or returned
with a comment.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlite_utils

from core.kernel import audit, config, uploads
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, PermissionDenied, require_project
from core.projects import order_confirmation as oc

CATEGORIES = ("product", "platform_rules", "scripts", "aftersales", "qa_standard", "courseware", "other")
REVIEW_STATUSES = ("not_required", "pending", "confirmed", "returned")
REVIEW_DECISIONS = ("confirmed", "returned")
MAX_TITLE = 200
MAX_TEXT = 2000


# --- materials -----------------------------------------------------------------------------------


def _material_errors(title: str, category: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if not title.strip():
        errors.append(FieldError("team.title", "err.required"))
    elif len(title.strip()) > MAX_TITLE:
        errors.append(FieldError("team.title", "err.too_long", {"n": MAX_TITLE}))
    if category not in CATEGORIES:
        errors.append(FieldError("team.category", "err.invalid_choice"))
    return errors


def _file_errors(db: sqlite_utils.Database, data: bytes, filename: str) -> list[FieldError]:
    try:
        uploads.validate(data, filename, uploads.allowed_extensions(db), uploads.max_upload_mb(db) * 1024 * 1024)
    except ValidationError as exc:
        return exc.errors
    return []


def _store(db: sqlite_utils.Database, actor: Actor, data: bytes, filename: str, content_type: str) -> int:
    return uploads.store(
        db,
        actor,
        data,
        filename,
        content_type or "application/octet-stream",
        uploads.allowed_extensions(db),
        uploads.max_upload_mb(db) * 1024 * 1024,
    )


def upload_material(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    data: bytes,
    filename: str,
    title: str,
    category: str,
    content_type: str = "",
    ask_confirmation: bool | None = None,
) -> int:
    """Upload a material to a project as version 1 of a new series; return its id.

    Courseware goes to the merchant for confirmation by default; other materials when asked. An
    untitled material is named after its file.
    """
    require_project(db, actor, project_id, "material.write")
    if not title.strip():  # untitled: the file's name without its extension
        title = uploads.safe_display_name(filename).rsplit(".", 1)[0]
    errors = _material_errors(title, category) + _file_errors(db, data, filename)
    if errors:
        raise ValidationError(errors)
    confirm = category == "courseware" if ask_confirmation is None else ask_confirmation
    stamp = config.now_text()
    with write(db):
        upload_id = _store(db, actor, data, filename, content_type)
        record = {
            "project_id": project_id,
            "version": 1,
            "title": title.strip(),
            "category": category,
            "upload_id": upload_id,
            "review_status": "pending" if confirm else "not_required",
            "uploaded_by": actor.id,
            "uploaded_at": stamp,
        }
        material_id = db["training_materials"].insert(record).last_pk
        db["training_materials"].update(material_id, {"series_id": material_id})
        audit.record(db, actor, "create", "training_material", material_id, None, record)
    return int(material_id)


def get_material(db: sqlite_utils.Database, actor: Actor, material_id: int) -> dict:
    """One material version, if the actor may read the project's materials."""
    row = one(
        db,
        """SELECT tm.*, u.original_name, u.size, u.content_type, u.sha256, us.display_name AS uploader,
                            rv.display_name AS reviewer
                     FROM training_materials tm JOIN uploads u ON u.id = tm.upload_id
                     LEFT JOIN users us ON us.id = tm.uploaded_by LEFT JOIN users rv ON rv.id = tm.reviewed_by
                     WHERE tm.id = ?""",
        [material_id],
    )
    if row is None:
        raise NotFound(f"material {material_id}")
    try:
        require_project(db, actor, row["project_id"], "material.read")
    except PermissionDenied:
        raise NotFound(f"material {material_id}") from None
    return row


def _latest_of_series(db: sqlite_utils.Database, series_id: int) -> dict:
    return one(db, "SELECT * FROM training_materials WHERE series_id = ? ORDER BY version DESC LIMIT 1", [series_id])


def upload_new_version(
    db: sqlite_utils.Database,
    actor: Actor,
    material_id: int,
    data: bytes,
    filename: str,
    content_type: str = "",
    title: str | None = None,
) -> int:
    """Upload the next version of a material; the old versions stay. Return the new version's id.

    A material under the merchant's confirmation goes back to them (pending) with each version.
    """
    current = get_material(db, actor, material_id)
    require_project(db, actor, current["project_id"], "material.write")
    latest = _latest_of_series(db, current["series_id"])
    new_title = latest["title"] if title is None or not title.strip() else title
    errors = _material_errors(new_title, latest["category"]) + _file_errors(db, data, filename)
    if errors:
        raise ValidationError(errors)
    stamp = config.now_text()
    with write(db):
        upload_id = _store(db, actor, data, filename, content_type)
        record = {
            "project_id": latest["project_id"],
            "series_id": latest["series_id"],
            "version": latest["version"] + 1,
            "title": new_title.strip(),
            "category": latest["category"],
            "upload_id": upload_id,
            "review_status": "not_required" if latest["review_status"] == "not_required" else "pending",
            "uploaded_by": actor.id,
            "uploaded_at": stamp,
        }
        new_id = db["training_materials"].insert(record).last_pk
        audit.record(
            db,
            actor,
            "new_version",
            "training_material",
            new_id,
            {"id": latest["id"], "version": latest["version"]},
            record,
        )
    return int(new_id)


def list_materials(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    search: str = "",
    category: str | None = None,
    review_status: str | None = None,
) -> list[dict]:
    """The latest version of each of the project's materials, with how many versions it has."""
    require_project(db, actor, project_id, "material.read")
    where = [
        "tm.project_id = ?",
        "tm.version = (SELECT MAX(x.version) FROM training_materials x WHERE x.series_id = tm.series_id)",
        "(tm.title LIKE ? OR u.original_name LIKE ?)",
    ]
    params: list[Any] = [project_id, f"%{search.strip()}%", f"%{search.strip()}%"]
    if category:
        where.append("tm.category = ?")
        params.append(category)
    if review_status:
        where.append("tm.review_status = ?")
        params.append(review_status)
    return rows(
        db,
        f"""SELECT tm.id, tm.series_id, tm.version, tm.title, tm.category, tm.review_status, tm.review_comment,
                               tm.reviewed_at, tm.uploaded_at, u.original_name, u.size, us.display_name AS uploader,
                               rv.display_name AS reviewer
                        FROM training_materials tm JOIN uploads u ON u.id = tm.upload_id
                        LEFT JOIN users us ON us.id = tm.uploaded_by LEFT JOIN users rv ON rv.id = tm.reviewed_by
                        WHERE {" AND ".join(where)}
                        ORDER BY CASE tm.category WHEN 'courseware' THEN 0 ELSE 1 END, tm.category, tm.title""",
        params,
    )


def material_versions(db: sqlite_utils.Database, actor: Actor, material_id: int) -> list[dict]:
    """Every version of a material's series, newest first."""
    current = get_material(db, actor, material_id)
    return rows(
        db,
        """SELECT tm.id, tm.version, tm.title, tm.review_status, tm.review_comment, tm.uploaded_at, tm.reviewed_at,
                              u.original_name, u.size, us.display_name AS uploader, rv.display_name AS reviewer
                       FROM training_materials tm JOIN uploads u ON u.id = tm.upload_id
                       LEFT JOIN users us ON us.id = tm.uploaded_by LEFT JOIN users rv ON rv.id = tm.reviewed_by
                       WHERE tm.series_id = ? ORDER BY tm.version DESC""",
        [current["series_id"]],
    )


def material_file(db: sqlite_utils.Database, actor: Actor, material_id: int) -> tuple[str, bytes, str]:
    """(file name, bytes, content type) of one material version, for a download button; the type
    comes from the name's safe list (never what the uploading browser claimed)."""
    material = get_material(db, actor, material_id)
    row, data = uploads.read_bytes(db, material["upload_id"])
    return row["original_name"], data, uploads.content_type_for(row["original_name"])


def review_material(
    db: sqlite_utils.Database, actor: Actor, material_id: int, decision: str, comment: str = ""
) -> None:
    """The merchant confirms a material or returns it with a comment (its latest version, while pending)."""
    material = get_material(db, actor, material_id)
    require_project(db, actor, material["project_id"], "material.review")
    latest = _latest_of_series(db, material["series_id"])
    errors: list[FieldError] = []
    if decision not in REVIEW_DECISIONS:
        errors.append(FieldError("team.decision", "err.invalid_choice"))
    if latest["id"] != material_id:
        errors.append(FieldError("team.version", "err.team.not_latest_version"))
    elif material["review_status"] != "pending":
        errors.append(FieldError("team.review_status", "err.team.not_pending"))
    if decision == "returned" and not comment.strip():
        errors.append(FieldError("team.review_comment", "err.team.comment_required"))
    if len(comment) > MAX_TEXT:
        errors.append(FieldError("team.review_comment", "err.too_long", {"n": MAX_TEXT}))
    if errors:
        raise ValidationError(errors)
    changes = {
        "review_status": decision,
        "review_comment": comment.strip(),
        "reviewed_by": actor.id,
        "reviewed_at": config.now_text(),
    }
    with write(db):
        db["training_materials"].update(material_id, changes)
        audit.record(
            db, actor, "review", "training_material", material_id, {"review_status": material["review_status"]}, changes
        )


def request_review(db: sqlite_utils.Database, actor: Actor, material_id: int) -> None:
    """Send a material's latest version to the merchant for confirmation (again)."""
    material = get_material(db, actor, material_id)
    require_project(db, actor, material["project_id"], "material.write")
    latest = _latest_of_series(db, material["series_id"])
    if latest["review_status"] == "pending":
        return
    with write(db):
        db["training_materials"].update(
            latest["id"], {"review_status": "pending", "review_comment": "", "reviewed_by": None, "reviewed_at": None}
        )
        audit.record(
            db,
            actor,
            "request_review",
            "training_material",
            latest["id"],
            {"review_status": latest["review_status"]},
            {"review_status": "pending"},
        )


def materials_status(
    db: sqlite_utils.Database, actor: Actor, project_id: int, today: date | None = None
) -> dict[str, Any]:
    """What the order confirmation says of the materials, whether its due date is overdue, and review counts."""
    require_project(db, actor, project_id, "material.read")
    confirmed = oc.latest_confirmed(db, actor, project_id)
    data = confirmed["data"] if confirmed else {}
    complete = bool(data.get("materials_complete")) if confirmed else None
    due = data.get("materials_due_date")
    overdue = bool(confirmed and not complete and due and date.fromisoformat(due) < (today or config.today()))
    counts = {s: 0 for s in REVIEW_STATUSES}
    for m in list_materials(db, actor, project_id):
        counts[m["review_status"]] += 1
    gap = one(
        db,
        """SELECT s.materials_gap_note AS note, s.materials_gap_at AS at, u.display_name AS by_name
                     FROM team_settings s LEFT JOIN users u ON u.id = s.materials_gap_by
                     WHERE s.project_id = ? AND s.materials_gap_note IS NOT NULL""",
        [project_id],
    )
    return {
        "confirmed": confirmed is not None,
        "submitted": bool(data.get("materials_submitted")),
        "complete": complete,
        "missing": data.get("materials_missing") or "",
        "due_date": due,
        "overdue": overdue,
        "gap": gap,
        "reviews": counts,
    }
