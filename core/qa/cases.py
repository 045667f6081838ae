"""The case library: reviews tagged as problem or excellent cases, discussed in improvement training (提升培训)."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlite_utils

from core.kernel import audit, config
from core.kernel.db import rows, write
from core.kernel.errors import FieldError, ValidationError
from core.kernel.permissions import Actor, require, require_project
from core.qa.access import _project_clause
from core.qa.inputs import MAX_COMMENT
from core.qa.reviews import _REVIEW_SELECT, _case_errors, _case_fields, _review_row

CASE_STATUSES = ("to_discuss", "discussed")


def set_case(db: sqlite_utils.Database, actor: Actor, review_id: int, case_type: str | None, note: str = "") -> None:
    """Tag a review as a problem or an excellent case (or untag it); a new tag starts as 'to discuss'."""
    review = _review_row(db, review_id)
    require_project(db, actor, review["project_id"], "qa.score")
    errors = _case_errors(case_type)
    if len(note or "") > MAX_COMMENT:
        errors.append(FieldError("qa.case_note", "err.too_long", {"n": MAX_COMMENT}))
    if review["status"] == "task":
        errors.append(FieldError("qa.review", "err.qa.not_scored"))
    if errors:
        raise ValidationError(errors)
    changes = {
        **_case_fields(review, case_type or None),
        "case_note": (note or "").strip(),
        "updated_at": config.now_text(),
    }
    with write(db):
        db["qa_reviews"].update(review_id, changes)
        audit.record(
            db,
            actor,
            "case",
            "qa_review",
            review_id,
            {"case_type": review["case_type"], "case_status": review["case_status"]},
            changes,
        )


def mark_case(
    db: sqlite_utils.Database,
    actor: Actor,
    review_id: int,
    status: str,
    discussed_on: date | None = None,
    note: str | None = None,
) -> None:
    """A trainer records that a case was discussed in improvement training (提升培训) on a date, or puts it back to
    discuss."""
    review = _review_row(db, review_id)
    require_project(db, actor, review["project_id"], "qa.case_write")
    errors: list[FieldError] = []
    if review["case_type"] is None:
        errors.append(FieldError("qa.case_type", "err.qa.not_a_case"))
    if status not in CASE_STATUSES:
        errors.append(FieldError("qa.case_status", "err.invalid_choice"))
    if status == "discussed" and discussed_on is None:
        errors.append(FieldError("qa.case_discussed_on", "err.required"))
    if discussed_on is not None and discussed_on > config.today():
        errors.append(FieldError("qa.case_discussed_on", "err.qa.date_future"))
    if note is not None and len(note) > MAX_COMMENT:
        errors.append(FieldError("qa.case_note", "err.too_long", {"n": MAX_COMMENT}))
    if errors:
        raise ValidationError(errors)
    changes: dict[str, Any] = {
        "case_status": status,
        "case_discussed_on": discussed_on.isoformat() if status == "discussed" else None,
        "updated_at": config.now_text(),
    }
    if note is not None:
        changes["case_note"] = note.strip()
    with write(db):
        db["qa_reviews"].update(review_id, changes)
        audit.record(
            db,
            actor,
            "case_status",
            "qa_review",
            review_id,
            {"case_status": review["case_status"], "case_discussed_on": review["case_discussed_on"]},
            changes,
        )


def case_library(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int | None = None,
    case_type: str | None = None,
    status: str | None = None,
) -> list[dict]:
    """Problem and excellent cases for improvement training, to-discuss first."""
    require(actor, "qa.read")
    clause, params = _project_clause(db, actor, "r.project_id")
    where = ["r.kind = 'review'", "r.case_type IS NOT NULL", clause]
    for column, value in (("r.project_id", project_id), ("r.case_type", case_type), ("r.case_status", status)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    return rows(
        db,
        f"{_REVIEW_SELECT} WHERE {' AND '.join(where)} ORDER BY r.case_status = 'discussed', r.chat_date DESC",
        params,
    )
