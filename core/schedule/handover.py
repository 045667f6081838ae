"""Shift handover (交接班): the outgoing shift's notes, read first by the incoming one.

Night hands over to the next day's day shift, day to the same day's night. A note holds marked
buyers, unresolved issues or anything else (at least one, each at most MAX_TEXT characters).
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlite_utils

from core.kernel import audit, config
from core.kernel.db import rows, write
from core.kernel.errors import FieldError, ValidationError
from core.kernel.permissions import Actor, require_project
from core.schedule.shift_settings import WORK_SHIFTS

MAX_TEXT = 1000


def previous_shift(day: date, shift: str) -> tuple[date, str]:
    """The shift that hands over to (day, shift).

    Night hands to the next day's day shift, day to the same day's night.
    """
    return (day - timedelta(days=1), "night") if shift == "day" else (day, "day")


def add_handover(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    day: date,
    shift: str,
    marked_buyers: str = "",
    unresolved: str = "",
    note: str = "",
) -> int:
    """The outgoing shift's notes for the next one: marked buyers, unresolved issues, anything else."""
    require_project(db, actor, project_id, "handover.write")
    errors = []
    if shift not in WORK_SHIFTS:
        errors.append(FieldError("schedule.shift", "err.invalid_choice"))
    texts = {"marked_buyers": marked_buyers.strip(), "unresolved": unresolved.strip(), "note": note.strip()}
    if not any(texts.values()):
        errors.append(FieldError("schedule.handover", "err.required"))
    for key, text in texts.items():
        if len(text) > MAX_TEXT:
            errors.append(FieldError(f"schedule.{key}", "err.too_long", {"n": MAX_TEXT}))
    if errors:
        raise ValidationError(errors)
    record = {
        "project_id": project_id,
        "day": day.isoformat(),
        "shift": shift,
        **texts,
        "author_id": actor.id,
        "created_at": config.now_text(),
    }
    with write(db):
        note_id = db["handover_notes"].insert(record).last_pk
        audit.record(db, actor, "create", "handover_note", note_id, None, record)
    return int(note_id)


def handover_for(db: sqlite_utils.Database, actor: Actor, project_id: int, day: date, shift: str) -> list[dict]:
    """What the incoming shift (day, shift) reads first: the notes the shift before it left, newest first."""
    require_project(db, actor, project_id, "handover.read")
    prev_day, prev_shift = previous_shift(day, shift)
    return rows(
        db,
        """SELECT n.*, u.display_name AS author FROM handover_notes n LEFT JOIN users u ON u.id = n.author_id
                       WHERE n.project_id = ? AND n.day = ? AND n.shift = ? ORDER BY n.id DESC""",
        [project_id, prev_day.isoformat(), prev_shift],
    )


def recent_handovers(db: sqlite_utils.Database, actor: Actor, project_id: int, days: int = 7) -> list[dict]:
    """The project's handover notes of the last days, newest first."""
    require_project(db, actor, project_id, "handover.read")
    since = (config.today() - timedelta(days=days)).isoformat()
    return rows(
        db,
        """SELECT n.*, u.display_name AS author FROM handover_notes n LEFT JOIN users u ON u.id = n.author_id
                       WHERE n.project_id = ? AND n.day >= ? ORDER BY n.day DESC, n.id DESC""",
        [project_id, since],
    )
