"""Calibration (校准): several inspectors score one chat independently, to see how far apart they are.

A calibration scoring is never a review of the agent and never counts for it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlite_utils

from core.kernel import audit
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, PermissionDenied, require, require_project
from core.qa.access import _project_clause, on_team
from core.qa.inputs import MAX_COMMENT, MAX_TEXT, _stamp, _text_errors, _today
from core.qa.reviews import _apply, _chat_errors
from core.qa.scorecards import effective_scorecard_id, load_card
from core.qa.scoring import compute, rating_errors


def create_calibration(
    db: sqlite_utils.Database, actor: Actor, data: dict[str, Any], now: datetime | None = None
) -> int:
    """A chat several inspectors score independently, to see how far apart they are (校准)."""
    project_id = data.get("project_id")
    if not isinstance(project_id, int) or one(db, "SELECT id FROM projects WHERE id = ?", [project_id]) is None:
        raise ValidationError.single("qa.project", "err.invalid_choice")
    require_project(db, actor, project_id, "qa.calibrate")
    chat_date, errors = _chat_errors(db, data, _today(now))
    errors += _text_errors(data, {"title": ("qa.title", MAX_TEXT, False)})
    agent_id = data.get("agent_id")
    if not isinstance(agent_id, int) or not one(db, "SELECT id FROM agents WHERE id = ?", [agent_id]):
        errors.append(FieldError("qa.agent", "err.invalid_choice"))
    elif chat_date is not None and not on_team(db, project_id, agent_id, chat_date):
        errors.append(FieldError("qa.agent", "err.qa.agent_not_on_team"))
    scorecard_id = None
    try:
        scorecard_id = effective_scorecard_id(db, project_id)
    except ValidationError as exc:
        errors += exc.errors
    if errors:
        raise ValidationError(errors)
    stamp = _stamp(now)
    record = {
        "project_id": project_id,
        "agent_id": agent_id,
        "scorecard_id": scorecard_id,
        "title": str(data.get("title") or "").strip(),
        "chat_buyer_id": str(data["chat_buyer_id"]).strip(),
        "chat_date": chat_date.isoformat(),
        "transcript": str(data.get("transcript") or "").strip(),
        "created_at": stamp,
        "created_by": actor.id,
    }
    with write(db):
        calibration_id = db["qa_calibrations"].insert(record).last_pk
        audit.record(db, actor, "create", "qa_calibration", calibration_id, None, record)
    return int(calibration_id)


def _calibration(db: sqlite_utils.Database, actor: Actor, calibration_id: int, action: str = "qa.read") -> dict:
    row = one(db, "SELECT * FROM qa_calibrations WHERE id = ?", [calibration_id])
    if row is None:
        raise NotFound(f"calibration {calibration_id}")
    try:
        require_project(db, actor, row["project_id"], action)
    except PermissionDenied:
        if action == "qa.read":
            raise NotFound(f"calibration {calibration_id}") from None
        raise
    return row


def list_calibrations(db: sqlite_utils.Database, actor: Actor, project_id: int | None = None) -> list[dict]:
    """Calibration sessions with how many inspectors have scored each."""
    require(actor, "qa.read")
    clause, params = _project_clause(db, actor, "c.project_id")
    where = [clause]
    if project_id is not None:
        where.append("c.project_id = ?")
        params.append(project_id)
    return rows(
        db,
        f"""SELECT c.id, c.title, c.project_id, p.name AS project_name, a.name AS agent_name, c.chat_buyer_id,
                               c.chat_date, c.created_at, c.transcript,
                               (SELECT COUNT(*) FROM qa_reviews r WHERE r.calibration_id = c.id) AS scorings
                        FROM qa_calibrations c JOIN projects p ON p.id = c.project_id JOIN agents a ON a.id = c.agent_id
                        WHERE {" AND ".join(where)} ORDER BY c.created_at DESC""",
        params,
    )


def score_calibration(
    db: sqlite_utils.Database,
    actor: Actor,
    calibration_id: int,
    ratings: dict[int, int | None],
    comment: str = "",
    now: datetime | None = None,
) -> int:
    """An inspector's own scoring of a calibration chat (scoring again replaces it); never counts for the agent."""
    session = _calibration(db, actor, calibration_id, "qa.score")
    card = load_card(db, session["scorecard_id"])
    errors = rating_errors(card, ratings) + _text_errors(
        {"comment": comment}, {"comment": ("qa.comment", MAX_COMMENT, False)}
    )
    if errors:
        raise ValidationError(errors)
    result = compute(card, ratings)
    stamp = _stamp(now)
    with write(db):
        existing = one(
            db, "SELECT id FROM qa_reviews WHERE calibration_id = ? AND inspector_id = ?", [calibration_id, actor.id]
        )
        if existing:
            review_id = existing["id"]
            db["qa_reviews"].update(review_id, {"comment": (comment or "").strip(), "reviewed_at": stamp})
        else:
            review_id = (
                db["qa_reviews"]
                .insert(
                    {
                        "kind": "calibration",
                        "project_id": session["project_id"],
                        "agent_id": session["agent_id"],
                        "scorecard_id": card.id,
                        "inspector_id": actor.id,
                        "chat_buyer_id": session["chat_buyer_id"],
                        "chat_date": session["chat_date"],
                        "transcript": "",
                        "comment": (comment or "").strip(),
                        "status": "scored",
                        "calibration_id": calibration_id,
                        "created_at": stamp,
                        "created_by": actor.id,
                        "reviewed_at": stamp,
                        "updated_at": stamp,
                    }
                )
                .last_pk
            )
        _apply(db, actor, review_id, card, result, ratings, "calibration", "", stamp, {})
        audit.record(
            db, actor, "score", "qa_calibration", calibration_id, None, {"score": result.score, "ratings": ratings}
        )
    return int(review_id)


def _pstdev(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def calibration_spread(db: sqlite_utils.Database, actor: Actor, calibration_id: int) -> dict[str, Any]:
    """How far apart the inspectors are: per item each inspector's item score, min, max, spread (max − min) and
    standard deviation."""
    session = _calibration(db, actor, calibration_id)
    card = load_card(db, session["scorecard_id"])
    scorings = rows(
        db,
        """SELECT r.id, r.inspector_id, u.display_name AS inspector_name, r.score, r.critical_failed, r.comment
                           FROM qa_reviews r LEFT JOIN users u ON u.id = r.inspector_id
                           WHERE r.calibration_id = ? ORDER BY u.display_name, r.id""",
        [calibration_id],
    )
    by_review = defaultdict(dict)
    for r in db.query(
        """SELECT ri.review_id, ri.item_id, ri.score FROM qa_review_items ri JOIN qa_reviews r ON r.id = ri.review_id
                         WHERE r.calibration_id = ?""",
        [calibration_id],
    ):
        by_review[r["review_id"]][r["item_id"]] = r["score"]
    items = []
    for item in card.items:
        per = {s["inspector_name"]: by_review[s["id"]].get(item.id) for s in scorings}
        values = [v for v in per.values() if v is not None]
        items.append(
            {
                "item_id": item.id,
                "category": item.category,
                "name": item.name,
                "scores": per,
                "min": min(values) if values else None,
                "max": max(values) if values else None,
                "spread": (max(values) - min(values)) if values else None,
                "stdev": _pstdev(values) if values else None,
            }
        )
    totals = [s["score"] for s in scorings]
    return {
        "session": session,
        "scorings": scorings,
        "items": items,
        "total": {
            "min": min(totals) if totals else None,
            "max": max(totals) if totals else None,
            "spread": (max(totals) - min(totals)) if totals else None,
            "stdev": _pstdev(totals) if totals else None,
        },
    }
