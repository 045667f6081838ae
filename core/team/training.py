"""Training materials, training plans, newcomers' tracks and exams (服务之培训及考核).

- Materials: the merchant's documents and our courseware, uploaded per project through
  `core.kernel.uploads` (content-hash storage) under the allowed types and size limit kept in the
  `settings` table. Every version is a row of one series; a new version keeps the old ones.
  Courseware goes to the merchant for confirmation (提请商家核实确认): confirmed, or returned
  with a comment.
- Plans: one per project: method, period (1–3 working days by default), content checklist,
  participants (reserves train with the online agents) and attendance per session.
- Tracks: the newcomers' tracks from practice, as templates with stages; a trainee's progress
  through them, with the planned end of each stage in working days.
- Exams: type, score out of a maximum, examiner, date and notes. The pass mark (default 80 %)
  is set per project and type, and the mark in force is kept with each exam. A project requires
  the exam types its order confirmation's examiner implies (or the types its manager set); an
  agent is admitted when the latest attempt of every required type passed.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

from core.agents import directory
from core.kernel import audit, config, uploads, workdays
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, PermissionDenied, require, require_project, visible_project_ids
from core.projects import order_confirmation as oc

CATEGORIES = ("product", "platform_rules", "scripts", "aftersales", "qa_standard", "courseware", "other")
REVIEW_STATUSES = ("not_required", "pending", "confirmed", "returned")
REVIEW_DECISIONS = ("confirmed", "returned")
EXAM_TYPES = ("written", "simulation", "merchant", "mystery_shopper")
BASIC_EXAM_TYPES = ("written", "simulation")  # the company's own basic exam has no merchant in it
DEFAULT_PASS_MARK = 0.8
# the order confirmation's "who examines" -> the exam types a project requires by default
EXAMINER_EXAMS: dict[str, tuple[str, ...]] = {
    "us": ("written", "simulation"),
    "merchant": ("merchant",),
    "both": ("written", "simulation", "merchant"),
}
METHODS = ("online_course", "mock_practice", "mixed")
CONTENT_ITEMS = ("project", "business", "industry", "scripts", "cases", "faq_categories", "qa_requirements")
PLAN_WORKING_DAYS = (1, 3)  # the usual period of a project's training, in working days
MAX_TITLE = 200
MAX_TEXT = 2000
MAX_EXAMINER = 100

SETTING_EXTENSIONS = "training.allowed_extensions"
SETTING_MAX_MB = "training.max_upload_mb"
STREAMLIT_MAX_UPLOAD_MB = 60  # .streamlit/config.toml server.maxUploadSize: the browser cannot send more
EXTENSION_PATTERN = re.compile(r"^[a-z0-9]{1,10}$")


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


# --- settings: allowed upload types and size ---------------------------------------------------


def _get_setting(db: sqlite_utils.Database, key: str) -> str | None:
    row = one(db, "SELECT value FROM settings WHERE key = ?", [key])
    return row["value"] if row else None


def allowed_extensions(db: sqlite_utils.Database) -> tuple[str, ...]:
    """The file types a training material may have (default: core.kernel.uploads' list)."""
    value = _get_setting(db, SETTING_EXTENSIONS)
    return tuple(value.split(",")) if value else uploads.DEFAULT_ALLOWED_EXTENSIONS


def max_upload_mb(db: sqlite_utils.Database) -> int:
    """The size limit of a training material in MB (default: core.kernel.uploads' limit)."""
    value = _get_setting(db, SETTING_MAX_MB)
    return int(value) if value else round(uploads.DEFAULT_MAX_BYTES / 1024 / 1024)


def parse_extensions(text: str) -> tuple[tuple[str, ...], list[FieldError]]:
    """`.pdf, DOCX xlsx` → ('pdf', 'docx', 'xlsx'), and the errors of what is not a file extension."""
    found: list[str] = []
    errors: list[FieldError] = []
    for raw in re.split(r"[\s,，;；、]+", text):
        ext = raw.strip().lstrip(".").lower()
        if not ext:
            continue
        if not EXTENSION_PATTERN.match(ext):
            errors.append(FieldError("team.allowed_extensions", "err.team.bad_extension", {"ext": raw.strip()}))
        elif ext in uploads.NEVER_ALLOWED_EXTENSIONS:  # a browser would render or run it
            errors.append(FieldError("team.allowed_extensions", "err.team.unsafe_extension", {"ext": ext}))
        elif ext not in found:
            found.append(ext)
    if not found and not errors:
        errors.append(FieldError("team.allowed_extensions", "err.required"))
    return tuple(found), errors


def set_upload_settings(db: sqlite_utils.Database, actor: Actor, extensions_text: str, max_mb: int) -> None:
    """The admin sets the allowed types (comma separated) and the size limit (1–60 MB)."""
    require(actor, "training.settings")
    extensions, errors = parse_extensions(extensions_text)
    if isinstance(max_mb, bool) or not isinstance(max_mb, int) or not 1 <= max_mb <= STREAMLIT_MAX_UPLOAD_MB:
        errors.append(FieldError("team.max_upload_mb", "err.team.range", {"min": 1, "max": STREAMLIT_MAX_UPLOAD_MB}))
    if errors:
        raise ValidationError(errors)
    before = {"extensions": ",".join(allowed_extensions(db)), "max_mb": max_upload_mb(db)}
    after = {"extensions": ",".join(extensions), "max_mb": max_mb}
    with write(db):
        db["settings"].insert({"key": SETTING_EXTENSIONS, "value": after["extensions"]}, replace=True)
        db["settings"].insert({"key": SETTING_MAX_MB, "value": str(max_mb)}, replace=True)
        audit.record(db, actor, "update", "setting", "training.uploads", before, after)


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
        uploads.validate(data, filename, allowed_extensions(db), max_upload_mb(db) * 1024 * 1024)
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
        allowed_extensions(db),
        max_upload_mb(db) * 1024 * 1024,
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
    if actor.role == "agent":
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
            "SELECT ta.session_id, ta.agent_id, ta.present FROM training_attendance ta JOIN training_sessions s ON s.id = ta.session_id WHERE s.plan_id = ?",
            [plan["id"]],
        )
    }
    people = rows(
        db,
        f"""SELECT a.id, a.name, a.employee_no, a.status FROM agents a
                          WHERE a.id IN ({",".join("?" * len(plan["participants"])) or "NULL"}) ORDER BY a.employee_no""",
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
    if actor.role == "agent":
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
                          WHERE {" AND ".join(where)} ORDER BY t.completed_on IS NOT NULL, t.start_date DESC, t.id DESC""",
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
                               (SELECT COUNT(*) FROM training_attendance ta JOIN training_sessions s ON s.id = ta.session_id
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
