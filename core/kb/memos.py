"""The agent's memo (备忘录): questions and ideas noted during work, answered now or at the Monday meeting.

The shop rule: every agent keeps a memo of what they could not answer or would do better, and it
is worked through at the Monday meeting. Here an agent notes one in seconds (project, text, an
optional chat reference). A supervisor (manager, QA, trainer) answers it at once or queues it for
the meeting; in the meeting the queue is listed (`queue_for_meeting`) and answered. An answer can
become a knowledge-base article or a quick phrase in the same action, and the agent who asked
sees the answer in "my memos", marked new until they have looked at it.

Status: open (just noted) → queued (for the meeting) → answered; open → answered directly.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

from core.kb import articles, phrases
from core.kernel import audit, config
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, PermissionDenied, is_agent, is_staff, require, require_project

KINDS = ("question", "idea")
STATUSES = ("open", "queued", "answered")
MAX_TEXT = 1000
MAX_CHAT_REF = 200
MAX_ANSWER = 5000
TITLE_LENGTH = 40  # an article made from a memo is titled with the memo's first characters

_SELECT = """SELECT mm.*, u.display_name AS author_name, u.role AS author_role, ans.display_name AS answered_by_name,
                    q.display_name AS queued_by_name, p.name AS project_name, mr.name AS merchant_name
             FROM kb_memos mm JOIN users u ON u.id = mm.author_id JOIN projects p ON p.id = mm.project_id
             JOIN merchants mr ON mr.id = p.merchant_id
             LEFT JOIN users ans ON ans.id = mm.answered_by LEFT JOIN users q ON q.id = mm.queued_by"""


def _now(now: datetime | None) -> str:
    return (now or config.now()).strftime("%Y-%m-%d %H:%M:%S")


def note(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    text: str,
    kind: str = "question",
    chat_ref: str = "",
    now: datetime | None = None,
) -> int:
    """Note a question or an idea on a project one works on; returns the memo's id."""
    require_project(db, actor, project_id, "memo.write")
    text, chat_ref = text.strip(), chat_ref.strip()
    errors: list[FieldError] = []
    if not text:
        errors.append(FieldError("kb.memo_text", "err.required"))
    elif len(text) > MAX_TEXT:
        errors.append(FieldError("kb.memo_text", "err.too_long", {"n": MAX_TEXT}))
    if kind not in KINDS:
        errors.append(FieldError("kb.memo_kind", "err.invalid_choice"))
    if len(chat_ref) > MAX_CHAT_REF:
        errors.append(FieldError("kb.chat_ref", "err.too_long", {"n": MAX_CHAT_REF}))
    if errors:
        raise ValidationError(errors)
    record = {
        "project_id": project_id,
        "author_id": actor.id,
        "kind": kind,
        "text": text,
        "chat_ref": chat_ref,
        "status": "open",
        "created_at": _now(now),
    }
    with write(db):
        memo_id = int(db["kb_memos"].insert(record).last_pk)
        audit.record(db, actor, "create", "kb_memo", memo_id, None, record)
    return memo_id


def _is_new(memo: dict) -> dict:
    memo["is_new"] = bool(
        memo["status"] == "answered" and (memo["seen_at"] is None or memo["seen_at"] < memo["answered_at"])
    )
    return memo


def get_memo(db: sqlite_utils.Database, actor: Actor, memo_id: int) -> dict:
    """One memo: its author sees it, and supervisors of its project; nobody else knows it exists."""
    memo = one(db, f"{_SELECT} WHERE mm.id = ?", [memo_id])
    if memo is None:
        raise NotFound(f"memo {memo_id}")
    if memo["author_id"] != actor.id:
        try:
            require_project(db, actor, memo["project_id"], "memo.answer")
        except PermissionDenied:
            raise NotFound(f"memo {memo_id}") from None
    return _is_new(memo)


def my_memos(db: sqlite_utils.Database, actor: Actor, status: str | None = None) -> list[dict]:
    """The actor's own memos, newest first; `is_new` marks answers they have not looked at yet."""
    require(actor, "memo.write")
    where, params = ["mm.author_id = ?"], [actor.id]
    if status:
        where.append("mm.status = ?")
        params.append(status)
    return [
        _is_new(m)
        for m in rows(db, f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY mm.created_at DESC, mm.id DESC", params)
    ]


def unread_answers(db: sqlite_utils.Database, actor: Actor) -> int:
    """How many of the actor's memos have an answer they have not seen: the badge count."""
    if not (is_staff(actor) or is_agent(actor)):
        return 0
    row = one(
        db,
        """SELECT COUNT(*) AS n FROM kb_memos WHERE author_id = ? AND status = 'answered'
                     AND (seen_at IS NULL OR seen_at < answered_at)""",
        [actor.id],
    )
    return int(row["n"])


def mark_seen(db: sqlite_utils.Database, actor: Actor, now: datetime | None = None) -> int:
    """The actor has looked at their answered memos: the 'new' marks go. Returns how many were new."""
    require(actor, "memo.write")
    stamp = _now(now)
    with write(db):
        cursor = db.execute(
            """UPDATE kb_memos SET seen_at = ? WHERE author_id = ? AND status = 'answered'
                               AND (seen_at IS NULL OR seen_at < answered_at)""",
            [stamp, actor.id],
        )
    return cursor.rowcount


def inbox(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int | None = None,
    statuses: tuple[str, ...] = ("open", "queued"),
    search: str = "",
) -> list[dict]:
    """Memos of the projects a supervisor may see, oldest first (the ones waiting longest on top)."""
    require(actor, "memo.answer")
    clause, params = articles.visible_clause(db, actor, "mm.project_id")
    where = [clause, f"mm.status IN ({','.join('?' * len(statuses))})"]
    params += list(statuses)
    if project_id is not None:
        require_project(db, actor, project_id, "memo.answer")
        where.append("mm.project_id = ?")
        params.append(project_id)
    if search.strip():
        like = f"%{search.strip()}%"
        where.append("(mm.text LIKE ? OR mm.answer LIKE ? OR u.display_name LIKE ?)")
        params += [like, like, like]
    order = (
        "mm.created_at, mm.id"
        if "answered" not in statuses
        else "COALESCE(mm.answered_at, mm.created_at) DESC, mm.id DESC"
    )
    return [_is_new(m) for m in rows(db, f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY {order}", params)]


def _for_supervisor(db: sqlite_utils.Database, actor: Actor, memo_id: int) -> dict:
    require(actor, "memo.answer")
    memo = get_memo(db, actor, memo_id)
    require_project(db, actor, memo["project_id"], "memo.answer")  # an author who is not a supervisor stops here
    return memo


def queue(db: sqlite_utils.Database, actor: Actor, memo_id: int, now: datetime | None = None) -> None:
    """Put an open memo on the Monday meeting's queue."""
    memo = _for_supervisor(db, actor, memo_id)
    if memo["status"] != "open":
        raise ValidationError.single("kb.memo_status", "err.kb.memo_not_open")
    changes = {"status": "queued", "queued_at": _now(now), "queued_by": actor.id}
    with write(db):
        db["kb_memos"].update(memo_id, changes)
        audit.record(db, actor, "queue", "kb_memo", memo_id, {"status": memo["status"]}, changes)


def _answer_errors(answer: str) -> list[FieldError]:
    if not answer.strip():
        return [FieldError("kb.answer", "err.required")]
    if len(answer) > MAX_ANSWER:
        return [FieldError("kb.answer", "err.too_long", {"n": MAX_ANSWER})]
    return []


def _record_answer(
    db: sqlite_utils.Database, actor: Actor, memo: dict, answer: str, stamp: str, extra: dict | None = None
) -> None:
    changes = {
        "status": "answered",
        "answer": answer.strip(),
        "answered_at": stamp,
        "answered_by": actor.id,
        **(extra or {}),
    }
    db["kb_memos"].update(memo["id"], changes)
    audit.record(
        db, actor, "answer", "kb_memo", memo["id"], {"status": memo["status"], "answer": memo["answer"]}, changes
    )


def answer(
    db: sqlite_utils.Database, actor: Actor, memo_id: int, answer_text: str, now: datetime | None = None
) -> None:
    """Answer a memo (now, or in the meeting); the author sees it marked new. A later answer replaces it."""
    memo = _for_supervisor(db, actor, memo_id)
    errors = _answer_errors(answer_text)
    if errors:
        raise ValidationError(errors)
    with write(db):
        _record_answer(db, actor, memo, answer_text, _now(now))


def _resolve_answer(memo: dict, answer_text: str | None) -> tuple[str, list[FieldError]]:
    text = (answer_text if answer_text is not None else memo["answer"]).strip()
    return text, _answer_errors(text)


def default_title(memo: dict) -> str:
    """The title an article made from a memo gets unless one is given: the memo's first characters."""
    text = " ".join(memo["text"].split())
    return text if len(text) <= TITLE_LENGTH else text[:TITLE_LENGTH] + "…"


def to_article(
    db: sqlite_utils.Database,
    actor: Actor,
    memo_id: int,
    answer_text: str | None = None,
    title: str = "",
    category: str = "faq",
    tags: str = "",
    now: datetime | None = None,
) -> int:
    """Answer the memo (or take its answer) and make it a knowledge-base article, in one action.

    The article's body holds the question and the answer; its owner is the supervisor, its review
    date the usual one. The memo links to the article. Returns the article's id.
    """
    memo = _for_supervisor(db, actor, memo_id)
    require_project(db, actor, memo["project_id"], "kb.write")
    text, errors = _resolve_answer(memo, answer_text)
    if memo["article_id"]:
        errors.append(FieldError("kb.memo_status", "err.kb.memo_has_article"))
    if errors:
        raise ValidationError(errors)
    body = f"**问：** {memo['text']}\n\n**答：** {text}"
    stamp = _now(now)
    with write(db):
        article_id = articles.create_article(
            db,
            actor,
            memo["project_id"],
            {
                "title": title.strip() or default_title(memo),
                "category": category,
                "tags": tags,
                "body": body,
                "note": f"memo #{memo_id}",
            },
            now=now,
        )
        _record_answer(db, actor, memo, text, stamp, {"article_id": article_id})
    return article_id


def to_phrase(
    db: sqlite_utils.Database,
    actor: Actor,
    memo_id: int,
    shortcut: str,
    group_name: str = "",
    phrase_text: str | None = None,
    answer_text: str | None = None,
    now: datetime | None = None,
) -> int:
    """Answer the memo (or take its answer) and make it a quick phrase, in one action.

    The phrase's text is `phrase_text`, or the answer itself. Returns the phrase's id.
    """
    memo = _for_supervisor(db, actor, memo_id)
    require_project(db, actor, memo["project_id"], "phrase.write")
    text, errors = _resolve_answer(memo, answer_text)
    if memo["phrase_id"]:
        errors.append(FieldError("kb.memo_status", "err.kb.memo_has_phrase"))
    if errors:
        raise ValidationError(errors)
    stamp = _now(now)
    with write(db):
        phrase_id = phrases.create_phrase(
            db,
            actor,
            memo["project_id"],
            {"group_name": group_name, "shortcut": shortcut, "text": phrase_text if phrase_text is not None else text},
            source="memo",
            note=f"memo #{memo_id}",
            now=now,
        )
        _record_answer(db, actor, memo, text, stamp, {"phrase_id": phrase_id})
    return phrase_id


def queue_for_meeting(
    db: sqlite_utils.Database, actor: Actor, week_start: date, project_id: int | None = None
) -> list[dict]:
    """The memos to work through at the Monday meeting that reviews the week starting `week_start`.

    That meeting is held on the Monday after the week, so the list holds every memo still queued
    by the end of that day, oldest first; `carried_over` marks those queued before the week began
    (left over from an earlier meeting). Answered memos leave the list.
    """
    require(actor, "memo.answer")
    meeting_day = week_start + timedelta(days=7)
    found = inbox(db, actor, project_id, statuses=("queued",))
    found = [m for m in found if m["queued_at"] <= f"{meeting_day.isoformat()} 23:59:59"]
    for memo in found:
        memo["carried_over"] = memo["queued_at"] < f"{week_start.isoformat()} 00:00:00"
    return sorted(found, key=lambda m: (m["queued_at"], m["id"]))


def summary(db: sqlite_utils.Database, actor: Actor, project_id: int | None = None) -> dict[str, Any]:
    """Counts for a supervisor's header: open, queued, answered in the last seven days."""
    require(actor, "memo.answer")
    since = (config.now() - timedelta(days=7)).strftime("%Y-%m-%d %H:%M:%S")
    every = inbox(db, actor, project_id, statuses=STATUSES)
    return {
        "open": sum(m["status"] == "open" for m in every),
        "queued": sum(m["status"] == "queued" for m in every),
        "answered_7d": sum(m["status"] == "answered" and m["answered_at"] >= since for m in every),
    }
