"""Reviews (质检): an inspector scores one chat of an agent on the project's scorecard.

A review is recorded scored, or starts as a task (a complaint named the agent and the chat) and is
scored later; re-scoring keeps the old score in the review's history. A review may carry a case tag
(problem or excellent) for the case library.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import sqlite_utils

from core.kernel import audit
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, PermissionDenied, is_agent, require, require_project
from core.qa.access import _project_clause, on_team, own_agent_id
from core.qa.chats import _chat_of_agent_errors, transcript_text
from core.qa.inputs import MAX_COMMENT, MAX_TEXT, MAX_TRANSCRIPT, _as_date, _stamp, _text_errors, _today
from core.qa.scorecards import effective_scorecard_id, load_card
from core.qa.scoring import Card, Result, compute, rating_errors

CASE_TYPES = ("problem", "excellent")
REVIEW_STATUSES = ("task", "scored", "disputed", "locked")


def _chat_errors(db: sqlite_utils.Database, data: dict[str, Any], today: date) -> tuple[date | None, list[FieldError]]:
    errors = _text_errors(
        data,
        {
            "chat_buyer_id": ("qa.chat_buyer_id", MAX_TEXT, True),
            "transcript": ("qa.transcript", MAX_TRANSCRIPT, False),
            "comment": ("qa.comment", MAX_COMMENT, False),
        },
    )
    try:
        chat_date = _as_date(data.get("chat_date"))
    except ValueError:
        chat_date = None
        errors.append(FieldError("qa.chat_date", "err.invalid_value"))
    else:
        if chat_date is None:
            errors.append(FieldError("qa.chat_date", "err.required"))
        elif chat_date > today:
            errors.append(FieldError("qa.chat_date", "err.qa.date_future"))
    return chat_date, errors


def _agent_errors(
    db: sqlite_utils.Database, actor: Actor, project_id: int, agent_id: Any, chat_date: date | None
) -> list[FieldError]:
    agent = one(db, "SELECT id, user_id FROM agents WHERE id = ?", [agent_id]) if isinstance(agent_id, int) else None
    if agent is None:
        return [FieldError("qa.agent", "err.invalid_choice")]
    if agent["user_id"] is not None and agent["user_id"] == actor.id:
        return [FieldError("qa.agent", "err.qa.self_review")]
    if chat_date is not None and not on_team(db, project_id, agent_id, chat_date):
        return [FieldError("qa.agent", "err.qa.agent_not_on_team")]
    return []


def _case_errors(case_type: Any) -> list[FieldError]:
    return [] if case_type in (None, "", *CASE_TYPES) else [FieldError("qa.case_type", "err.invalid_choice")]


def _apply(
    db: sqlite_utils.Database,
    actor: Actor,
    review_id: int,
    card: Card,
    result: Result,
    ratings: dict[int, int | None],
    event: str,
    note: str,
    stamp: str,
    extra: dict[str, Any],
) -> None:
    """Store a computed result on a review (inside the caller's transaction) and keep it in the history."""
    db.execute("DELETE FROM qa_review_items WHERE review_id = ?", [review_id])
    for item in card.items:
        db["qa_review_items"].insert(
            {
                "review_id": review_id,
                "item_id": item.id,
                "rating": ratings.get(item.id),
                "score": None if result.item_scores[item.id] is None else round(result.item_scores[item.id], 4),
            }
        )
    changes = {
        "scorecard_id": card.id,
        "base_score": result.base,
        "bonus": result.bonus,
        "score": result.score,
        "critical_failed": int(bool(result.critical_failed)),
        "updated_at": stamp,
        **extra,
    }
    db["qa_reviews"].update(review_id, changes)
    db["qa_review_history"].insert(
        {
            "review_id": review_id,
            "at": stamp,
            "by": actor.id,
            "event": event,
            "score": result.score,
            "critical_failed": int(bool(result.critical_failed)),
            "ratings": json.dumps({str(k): v for k, v in ratings.items()}, sort_keys=True),
            "note": note,
        }
    )


def record_review(
    db: sqlite_utils.Database,
    actor: Actor,
    data: dict[str, Any],
    ratings: dict[int, int | None],
    now: datetime | None = None,
) -> int:
    """An inspector's review of one chat: project, agent, chat reference, item ratings, comment, case tag.

    data: project_id, agent_id, chat_buyer_id, chat_date, transcript, comment, case_type (problem/excellent/None).
    For a project with raw chat logs the chat (day, buyer) must be one of that agent's stored chats,
    and its messages become the transcript; without logs the transcript is the text pasted.
    The total is computed here (weights, N/A re-normalised, critical rule); returns the review id.
    """
    project_id = data.get("project_id")
    if not isinstance(project_id, int) or one(db, "SELECT id FROM projects WHERE id = ?", [project_id]) is None:
        raise ValidationError.single("qa.project", "err.invalid_choice")
    require_project(db, actor, project_id, "qa.score")
    chat_date, errors = _chat_errors(db, data, _today(now))
    agent_errors = _agent_errors(db, actor, project_id, data.get("agent_id"), chat_date)
    errors += agent_errors
    messages: list[dict] = []
    if not agent_errors:
        messages, chat_errors = _chat_of_agent_errors(
            db, project_id, data.get("agent_id"), chat_date, data.get("chat_buyer_id")
        )
        errors += chat_errors
    errors += _case_errors(data.get("case_type"))
    card = None
    try:
        card = load_card(db, effective_scorecard_id(db, project_id))
    except ValidationError as exc:
        errors += exc.errors
    if card is not None:
        errors += rating_errors(card, ratings)
    if errors:
        raise ValidationError(errors)
    result = compute(card, ratings)
    stamp = _stamp(now)
    case_type = data.get("case_type") or None
    record = {
        "kind": "review",
        "project_id": project_id,
        "agent_id": data["agent_id"],
        "scorecard_id": card.id,
        "inspector_id": actor.id,
        "chat_buyer_id": str(data["chat_buyer_id"]).strip(),
        "chat_date": chat_date.isoformat(),
        # with raw logs the stored chat is the transcript (what the inspector read), never a pasted text
        "transcript": transcript_text(messages, actor.language)
        if messages
        else str(data.get("transcript") or "").strip(),
        "comment": str(data.get("comment") or "").strip(),
        "status": "scored",
        "case_type": case_type,
        "case_status": "to_discuss" if case_type else None,
        "created_at": stamp,
        "created_by": actor.id,
        "reviewed_at": stamp,
        "updated_at": stamp,
    }
    with write(db):
        review_id = db["qa_reviews"].insert(record).last_pk
        _apply(db, actor, review_id, card, result, ratings, "scored", "", stamp, {})
        audit.record(
            db,
            actor,
            "create",
            "qa_review",
            review_id,
            None,
            {**record, "score": result.score, "critical_failed": list(result.critical_failed), "ratings": ratings},
        )
    return int(review_id)


def create_task(
    db: sqlite_utils.Database,
    actor: Actor | None,
    project_id: int,
    agent_id: int,
    chat_buyer_id: str,
    chat_date: date,
    complaint_id: int | None,
    stamp: str,
) -> int:
    """A review waiting to be scored (a complaint named the agent and the chat); joins the caller's transaction."""
    with write(db):
        review_id = (
            db["qa_reviews"]
            .insert(
                {
                    "kind": "review",
                    "project_id": project_id,
                    "agent_id": agent_id,
                    "scorecard_id": None,
                    "inspector_id": None,
                    "chat_buyer_id": chat_buyer_id,
                    "chat_date": chat_date.isoformat(),
                    "status": "task",
                    "complaint_id": complaint_id,
                    "created_at": stamp,
                    "created_by": actor.id if actor else None,
                    "updated_at": stamp,
                }
            )
            .last_pk
        )
        db["qa_review_history"].insert(
            {
                "review_id": review_id,
                "at": stamp,
                "by": actor.id if actor else None,
                "event": "task",
                "score": None,
                "critical_failed": 0,
                "ratings": "{}",
                "note": "",
            }
        )
        audit.record(
            db, actor, "create", "qa_review_task", review_id, None, {"complaint_id": complaint_id, "agent_id": agent_id}
        )
    return int(review_id)


def _review_row(db: sqlite_utils.Database, review_id: int) -> dict:
    row = one(db, "SELECT * FROM qa_reviews WHERE id = ?", [review_id])
    if row is None:
        raise NotFound(f"review {review_id}")
    return row


def score_review(
    db: sqlite_utils.Database,
    actor: Actor,
    review_id: int,
    ratings: dict[int, int | None],
    comment: str | None = None,
    case_type: str | None = None,
    transcript: str | None = None,
    note: str = "",
    now: datetime | None = None,
) -> None:
    """Score a review task, or re-score a review not under dispute or locked; the old score stays in the history.

    `comment`, `case_type` and `transcript` left as None keep what the review has; case_type "" removes its case tag.
    """
    review = _review_row(db, review_id)
    require_project(db, actor, review["project_id"], "qa.score")
    if review["kind"] != "review":
        raise NotFound(f"review {review_id}")
    if review["status"] == "locked":
        raise ValidationError.single("qa.review", "err.qa.review_locked")
    if review["status"] == "disputed":
        raise ValidationError.single("qa.review", "err.qa.review_disputed")
    errors = _agent_errors(db, actor, review["project_id"], review["agent_id"], None)
    errors += _case_errors(case_type)
    errors += _text_errors(
        {"comment": comment, "transcript": transcript, "note": note},
        {
            "comment": ("qa.comment", MAX_COMMENT, False),
            "transcript": ("qa.transcript", MAX_TRANSCRIPT, False),
            "note": ("note", MAX_COMMENT, False),
        },
    )
    card = None
    try:
        card = load_card(db, review["scorecard_id"] or effective_scorecard_id(db, review["project_id"]))
    except ValidationError as exc:
        errors += exc.errors
    if card is not None:
        errors += rating_errors(card, ratings)
    if errors:
        raise ValidationError(errors)
    result = compute(card, ratings)
    stamp = _stamp(now)
    extra: dict[str, Any] = {"status": "scored", "inspector_id": review["inspector_id"] or actor.id}
    if review["status"] == "task":
        extra["reviewed_at"] = stamp
    if comment is not None:
        extra["comment"] = comment.strip()
    if transcript is not None:
        extra["transcript"] = transcript.strip()
    if case_type is not None:
        extra |= _case_fields(review, case_type or None)
    with write(db):
        _apply(
            db,
            actor,
            review_id,
            card,
            result,
            ratings,
            "scored" if review["status"] == "task" else "rescored",
            note.strip(),
            stamp,
            extra,
        )
        audit.record(
            db,
            actor,
            "score",
            "qa_review",
            review_id,
            {"score": review["score"], "status": review["status"]},
            {"score": result.score, "critical_failed": list(result.critical_failed), "ratings": ratings},
        )


def _case_fields(review: dict, case_type: str | None) -> dict[str, Any]:
    if case_type is None:
        return {"case_type": None, "case_status": None, "case_discussed_on": None}
    if case_type == review.get("case_type"):
        return {}
    return {"case_type": case_type, "case_status": "to_discuss", "case_discussed_on": None}


_REVIEW_SELECT = (
    """
    SELECT r.id, r.kind, r.project_id, p.name AS project_name, m.name AS merchant_name, r.agent_id, """
    """a.name AS agent_name,
           r.inspector_id, u.display_name AS inspector_name, r.chat_buyer_id, r.chat_date, r.status, """
    """r.base_score, r.bonus,
           r.score, r.critical_failed, r.case_type, r.case_status, r.case_discussed_on, r.case_note, r.comment,
           r.complaint_id, c.number AS complaint_number, r.reviewed_at, r.created_at, r.scorecard_id,
           (SELECT d.status FROM qa_disputes d WHERE d.review_id = r.id ORDER BY d.id DESC LIMIT 1) AS dispute_status
    FROM qa_reviews r JOIN projects p ON p.id = r.project_id JOIN merchants m ON m.id = p.merchant_id
    JOIN agents a ON a.id = r.agent_id LEFT JOIN users u ON u.id = r.inspector_id
    LEFT JOIN complaints c ON c.id = r.complaint_id
"""
)


def list_reviews(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int | None = None,
    agent_id: int | None = None,
    inspector_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
    status: str | None = None,
    critical_only: bool = False,
    case_type: str | None = None,
    search: str = "",
) -> list[dict]:
    """Reviews (not calibration scorings), newest chat first: QA staff see their projects', an agent only its own."""
    where, params = ["r.kind = 'review'"], []
    if is_agent(actor):
        require(actor, "qa.own")
        own = own_agent_id(db, actor)
        if own is None:
            return []
        where.append("r.agent_id = ?")
        params.append(own)
    else:
        require(actor, "qa.read")
        clause, extra = _project_clause(db, actor, "r.project_id")
        where.append(clause)
        params += extra
    for column, value in (
        ("r.project_id", project_id),
        ("r.agent_id", agent_id),
        ("r.inspector_id", inspector_id),
        ("r.status", status),
        ("r.case_type", case_type),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if start:
        where.append("r.chat_date >= ?")
        params.append(start.isoformat())
    if end:
        where.append("r.chat_date <= ?")
        params.append(end.isoformat())
    if critical_only:
        where.append("r.critical_failed = 1")
    if search.strip():
        where.append("(r.chat_buyer_id LIKE ? OR a.name LIKE ? OR r.comment LIKE ? OR c.number LIKE ?)")
        params += [f"%{search.strip()}%"] * 4
    return rows(db, f"{_REVIEW_SELECT} WHERE {' AND '.join(where)} ORDER BY r.chat_date DESC, r.id DESC", params)


def _readable_review(db: sqlite_utils.Database, actor: Actor, review_id: int) -> dict:
    review = one(db, "SELECT * FROM qa_reviews WHERE id = ?", [review_id])
    if review is None:
        raise NotFound(f"review {review_id}")
    try:
        if is_agent(actor):
            require(actor, "qa.own")
            if review["kind"] != "review" or own_agent_id(db, actor) != review["agent_id"]:
                raise PermissionDenied("qa.own")
        else:
            require_project(db, actor, review["project_id"], "qa.read")
    except PermissionDenied:
        raise NotFound(f"review {review_id}") from None
    return review


def get_review(db: sqlite_utils.Database, actor: Actor, review_id: int) -> dict:
    """One review with its items, score history, disputes and complaint; staff of its project or its own agent."""
    _readable_review(db, actor, review_id)
    head = one(db, f"{_REVIEW_SELECT} WHERE r.id = ?", [review_id])
    full = one(db, "SELECT transcript FROM qa_reviews WHERE id = ?", [review_id])
    items = []
    if head["scorecard_id"]:
        items = rows(
            db,
            """SELECT i.id AS item_id, i.category, i.name, i.scale, i.kind, i.weight, i.points, i.critical, i.allow_na,
                                   ri.rating, ri.score
                            FROM qa_scorecard_items i LEFT JOIN qa_review_items ri ON ri.item_id = i.id """
            """AND ri.review_id = ?
                            WHERE i.scorecard_id = ? ORDER BY i.position, i.id""",
            [review_id, head["scorecard_id"]],
        )
    history = rows(
        db,
        """SELECT h.at, h.event, h.score, h.critical_failed, h.note, h.ratings, u.display_name AS by_name
                          FROM qa_review_history h LEFT JOIN users u ON u.id = h.by WHERE h.review_id = ? """
        """ORDER BY h.id""",
        [review_id],
    )
    disputes = rows(
        db,
        """SELECT d.*, ru.display_name AS raised_by_name, vu.display_name AS resolved_by_name
                           FROM qa_disputes d LEFT JOIN users ru ON ru.id = d.raised_by """
        """LEFT JOIN users vu ON vu.id = d.resolved_by
                           WHERE d.review_id = ? ORDER BY d.id""",
        [review_id],
    )
    complaint = None
    if head["complaint_id"]:
        complaint = one(
            db,
            """SELECT id, number, category, status, responsible, logged_at FROM complaints WHERE id = ?""",
            [head["complaint_id"]],
        )
    return {
        **head,
        "transcript": full["transcript"],
        "items": items,
        "history": history,
        "disputes": disputes,
        "complaint": complaint,
    }


def current_ratings(db: sqlite_utils.Database, review_id: int) -> dict[int, int | None]:
    """The review's ratings by item id (for pre-filling a re-score or a dispute resolution)."""
    return {
        r["item_id"]: r["rating"]
        for r in db.query("SELECT item_id, rating FROM qa_review_items WHERE review_id = ?", [review_id])
    }


def tasks(db: sqlite_utils.Database, actor: Actor, project_id: int | None = None) -> list[dict]:
    """Reviews waiting to be scored (created by complaints), oldest first."""
    found = list_reviews(db, actor, project_id=project_id, status="task")
    return sorted(found, key=lambda r: (r["created_at"], r["id"]))
