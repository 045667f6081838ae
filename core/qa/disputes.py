"""Disputes: the reviewed agent disputes a scored review; a manager accepts, partly accepts or rejects it.

An accepted dispute re-scores the review with new ratings; a rejected one locks the review.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import sqlite_utils

from core.kernel import audit
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, is_agent, require, require_project
from core.qa.access import _project_clause, own_agent_id
from core.qa.inputs import MAX_COMMENT, _stamp
from core.qa.reviews import _apply, _readable_review, _review_row, current_ratings
from core.qa.scorecards import load_card
from core.qa.scoring import compute, rating_errors

DISPUTE_STATUSES = ("open", "accepted", "partly_accepted", "rejected")
DISPUTE_OUTCOMES = ("accepted", "partly_accepted", "rejected")


def raise_dispute(
    db: sqlite_utils.Database, actor: Actor, review_id: int, reason: str, now: datetime | None = None
) -> int:
    """The reviewed agent disputes a scored review with a reason."""
    require(actor, "qa.dispute")
    review = _readable_review(db, actor, review_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError.single("qa.dispute_reason", "err.required")
    if len(reason) > MAX_COMMENT:
        raise ValidationError.single("qa.dispute_reason", "err.too_long", n=MAX_COMMENT)
    if review["status"] != "scored":
        key = {"locked": "err.qa.review_locked", "disputed": "err.qa.review_disputed"}.get(
            review["status"], "err.qa.not_scored"
        )
        raise ValidationError.single("qa.review", key)
    stamp = _stamp(now)
    record = {
        "review_id": review_id,
        "raised_by": actor.id,
        "raised_at": stamp,
        "reason": reason,
        "status": "open",
        "score_before": review["score"],
    }
    with write(db):
        dispute_id = db["qa_disputes"].insert(record).last_pk
        db["qa_reviews"].update(review_id, {"status": "disputed", "updated_at": stamp})
        db["qa_review_history"].insert(
            {
                "review_id": review_id,
                "at": stamp,
                "by": actor.id,
                "event": "disputed",
                "score": review["score"],
                "critical_failed": review["critical_failed"],
                "ratings": json.dumps({str(k): v for k, v in current_ratings(db, review_id).items()}, sort_keys=True),
                "note": reason,
            }
        )
        audit.record(db, actor, "create", "qa_dispute", dispute_id, None, record)
    return int(dispute_id)


def resolve_dispute(
    db: sqlite_utils.Database,
    actor: Actor,
    dispute_id: int,
    outcome: str,
    comment: str,
    ratings: dict[int, int | None] | None = None,
    now: datetime | None = None,
) -> None:
    """A manager accepts or partly accepts a dispute (with the new item ratings) or rejects it, which locks the
    review."""
    dispute = one(db, "SELECT * FROM qa_disputes WHERE id = ?", [dispute_id])
    if dispute is None:
        raise NotFound(f"dispute {dispute_id}")
    review = _review_row(db, dispute["review_id"])
    require_project(db, actor, review["project_id"], "qa.resolve_dispute")
    errors: list[FieldError] = []
    if dispute["status"] != "open":
        raise ValidationError.single("qa.dispute", "err.qa.dispute_closed")
    if outcome not in DISPUTE_OUTCOMES:
        errors.append(FieldError("qa.outcome", "err.invalid_choice"))
    comment = (comment or "").strip()
    if not comment:
        errors.append(FieldError("qa.resolution_comment", "err.required"))
    elif len(comment) > MAX_COMMENT:
        errors.append(FieldError("qa.resolution_comment", "err.too_long", {"n": MAX_COMMENT}))
    card = load_card(db, review["scorecard_id"])
    result = None
    if outcome in ("accepted", "partly_accepted"):
        if ratings is None:
            errors.append(FieldError("qa.ratings", "err.required"))
        else:
            errors += rating_errors(card, ratings)
    if errors:
        raise ValidationError(errors)
    if ratings is not None and outcome != "rejected":
        result = compute(card, ratings)
    stamp = _stamp(now)
    score_after = result.score if result else review["score"]
    with write(db):
        db["qa_disputes"].update(
            dispute_id,
            {
                "status": outcome,
                "resolved_by": actor.id,
                "resolved_at": stamp,
                "resolution_comment": comment,
                "score_after": score_after,
            },
        )
        if result is not None:
            _apply(
                db,
                actor,
                review["id"],
                card,
                result,
                ratings,
                f"dispute_{outcome}",
                comment,
                stamp,
                {"status": "scored"},
            )
        else:
            db["qa_reviews"].update(review["id"], {"status": "locked", "updated_at": stamp})
            db["qa_review_history"].insert(
                {
                    "review_id": review["id"],
                    "at": stamp,
                    "by": actor.id,
                    "event": "dispute_rejected",
                    "score": review["score"],
                    "critical_failed": review["critical_failed"],
                    "ratings": json.dumps(
                        {str(k): v for k, v in current_ratings(db, review["id"]).items()}, sort_keys=True
                    ),
                    "note": comment,
                }
            )
        audit.record(
            db,
            actor,
            "resolve",
            "qa_dispute",
            dispute_id,
            {"status": "open", "score": review["score"]},
            {"status": outcome, "score": score_after, "comment": comment},
        )


def list_disputes(
    db: sqlite_utils.Database, actor: Actor, project_id: int | None = None, status: str | None = None
) -> list[dict]:
    """Disputes with their review, agent and inspector: QA staff of the projects, or an agent's own."""
    where, params = ["1=1"], []
    if is_agent(actor):
        require(actor, "qa.own")
        where.append("r.agent_id = ?")
        params.append(own_agent_id(db, actor) or -1)
    else:
        require(actor, "qa.read")
        clause, extra = _project_clause(db, actor, "r.project_id")
        where.append(clause)
        params += extra
    if project_id is not None:
        where.append("r.project_id = ?")
        params.append(project_id)
    if status is not None:
        where.append("d.status = ?")
        params.append(status)
    return rows(
        db,
        f"""SELECT d.id, d.review_id, d.status, d.reason, d.raised_at, d.resolved_at, d.resolution_comment,
                               d.score_before, d.score_after, r.project_id, p.name AS project_name, """
        f"""a.name AS agent_name,
                               r.chat_date, r.chat_buyer_id, r.inspector_id, u.display_name AS inspector_name,
                               vu.display_name AS resolved_by_name
                        FROM qa_disputes d JOIN qa_reviews r ON r.id = d.review_id """
        f"""JOIN projects p ON p.id = r.project_id
                        JOIN agents a ON a.id = r.agent_id LEFT JOIN users u ON u.id = r.inspector_id
                        LEFT JOIN users vu ON vu.id = d.resolved_by
                        WHERE {" AND ".join(where)} ORDER BY d.status != 'open', d.raised_at DESC""",
        params,
    )


def _seconds_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def dispute_stats(
    db: sqlite_utils.Database, actor: Actor, start: date | None = None, end: date | None = None
) -> list[dict]:
    """Per inspector: disputes raised against their reviews, how they ended, and the mean resolution time in seconds."""
    require(actor, "qa.read")
    clause, params = _project_clause(db, actor, "r.project_id")
    where = [clause]
    if start:
        where.append("d.raised_at >= ?")
        params.append(f"{start.isoformat()} 00:00:00")
    if end:
        where.append("d.raised_at <= ?")
        params.append(f"{end.isoformat()} 23:59:59")
    found = rows(
        db,
        f"""SELECT r.inspector_id, u.display_name AS inspector_name, d.status, d.raised_at, d.resolved_at
                         FROM qa_disputes d JOIN qa_reviews r ON r.id = d.review_id """
        f"""LEFT JOIN users u ON u.id = r.inspector_id
                         WHERE {" AND ".join(where)}""",
        params,
    )
    stats: dict[Any, dict] = {}
    for row in found:
        entry = stats.setdefault(
            row["inspector_id"],
            {
                "inspector_id": row["inspector_id"],
                "inspector_name": row["inspector_name"],
                "disputes": 0,
                "open": 0,
                "accepted": 0,
                "partly_accepted": 0,
                "rejected": 0,
                "_durations": [],
            },
        )
        entry["disputes"] += 1
        entry[row["status"]] += 1
        if row["resolved_at"]:
            entry["_durations"].append(_seconds_between(row["raised_at"], row["resolved_at"]))
    result = []
    for entry in stats.values():
        durations = entry.pop("_durations")
        entry["mean_resolution_s"] = round(sum(durations) / len(durations)) if durations else None
        result.append(entry)
    return sorted(result, key=lambda e: (-e["disputes"], e["inspector_name"] or ""))
