"""A project's QA settings: its target score and the reviews per online agent per week.

The project's QA target is a per-project setting (`qa_project_settings.target`, default 90
points). We do not reuse the order confirmation's satisfaction target: that is the buyers' rating
of the shop (a rate), a different measure from the inspectors' score.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from core.kernel import audit, config
from core.kernel.db import one, write
from core.kernel.errors import FieldError, ValidationError
from core.kernel.permissions import Actor, require_project
from core.qa.inputs import MAX_SCORE_SETTING, _number

DEFAULT_TARGET = 90.0
DEFAULT_REVIEWS_PER_WEEK = 2
MAX_REVIEWS_PER_WEEK = 50


def project_settings(db: sqlite_utils.Database, project_id: int) -> dict[str, Any]:
    """The project's QA target (points) and reviews per online agent per week (defaults until set)."""
    row = one(db, "SELECT target, reviews_per_week FROM qa_project_settings WHERE project_id = ?", [project_id])
    if row is None:
        return {"target": DEFAULT_TARGET, "reviews_per_week": DEFAULT_REVIEWS_PER_WEEK}
    return {"target": row["target"], "reviews_per_week": row["reviews_per_week"]}


def set_project_settings(
    db: sqlite_utils.Database, actor: Actor, project_id: int, target: float, reviews_per_week: int
) -> None:
    """Set a project's QA target and weekly sampling quota."""
    require_project(db, actor, project_id, "qa.settings")
    errors: list[FieldError] = []
    value = _number(target)
    if value is None or not 0 < value <= MAX_SCORE_SETTING:
        errors.append(FieldError("qa.target", "err.qa.points_range", {"max": int(MAX_SCORE_SETTING)}))
    if (
        isinstance(reviews_per_week, bool)
        or not isinstance(reviews_per_week, int)
        or not 1 <= reviews_per_week <= MAX_REVIEWS_PER_WEEK
    ):
        errors.append(FieldError("qa.reviews_per_week", "err.qa.count_range", {"max": MAX_REVIEWS_PER_WEEK}))
    if errors:
        raise ValidationError(errors)
    before = project_settings(db, project_id)
    record = {
        "project_id": project_id,
        "target": round(value, 2),
        "reviews_per_week": reviews_per_week,
        "updated_at": config.now_text(),
        "updated_by": actor.id,
    }
    with write(db):
        db["qa_project_settings"].insert(record, replace=True)
        audit.record(db, actor, "update", "qa_project_settings", project_id, before, record)
