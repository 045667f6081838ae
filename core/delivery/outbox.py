"""Sending on schedule, once: what each channel is due at a moment, the sending itself, and the
outbox that remembers every sending (sent, failed with the reason, skipped when there was nothing).

The worker calls `run_due` every few minutes. A channel's alerts are due from 09:00 of each day,
its weekly report from Monday 09:00 for the week before (any later day of the week catches up
a missed Monday). A sent or skipped period never goes again; a failed one is tried again on the
next calls, `MAX_ATTEMPTS` times in all, and stays in the outbox with the other side's words.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

import sqlite_utils

from core.delivery import channels, messages
from core.delivery.messages import Message
from core.delivery.transport import DeliveryError, fit, post_to_robot, send_mail, smtp_settings
from core.kernel import audit, config, i18n, weeks
from core.kernel.db import one, rows, write
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import Actor

SEND_AT = time(9, 0)
MAX_ATTEMPTS = 3
LOG_LIMIT = 500


def due_period(channel: dict[str, Any], now: datetime) -> str | None:
    """The period a channel is due to send at `now` ('2026-12-04' for a day's alerts, the Monday of
    the week before for a weekly report), None before 09:00."""
    if now.time() < SEND_AT:
        return None
    if channel["content"] == "alerts":
        return now.date().isoformat()
    return (weeks.week_start(now.date()) - timedelta(days=7)).isoformat()


def _previous(db: sqlite_utils.Database, channel_id: int, content: str, period: str) -> dict | None:
    return one(
        db,
        "SELECT * FROM delivery_outbox WHERE channel_id = ? AND content = ? AND period = ?",
        [channel_id, content, period],
    )


def transmit(channel: dict[str, Any], message: Message, t: Callable[..., str]) -> None:
    """Put one message through the channel; raise DeliveryError when it did not go."""
    if channel["kind"] == "email":
        send_mail(
            smtp_settings(),
            channels.addresses(channel["address"]),
            message.subject,
            message.text,
            message.html,
            message.attachments,
            sender_name=config.COMPANY_NAME,
        )
    else:
        text = fit(message.markdown, channel["kind"], t("delivery.cut"))
        post_to_robot(channel["kind"], channel["address"], channel["secret"], message.subject, text)


def _record(
    db: sqlite_utils.Database,
    channel_id: int,
    content: str,
    period: str,
    subject: str,
    status: str,
    detail: str,
    attempts: int,
) -> dict[str, Any]:
    row = {
        "channel_id": channel_id,
        "content": content,
        "period": period,
        "subject": subject,
        "status": status,
        "attempts": attempts,
        "detail": detail[:1000],
        "at": config.now_text(),
    }
    with write(db):
        db["delivery_outbox"].upsert(row, pk=("channel_id", "content", "period"))
    return _previous(db, channel_id, content, period) or row


def compose(
    db: sqlite_utils.Database, channel: dict[str, Any], viewer: Actor, period: str, t: Callable[..., str]
) -> Message | None:
    """The channel's message of a period, as its owner `viewer` would see it; None when nothing to say."""
    day = date.fromisoformat(period)
    if channel["content"] == "alerts":
        return messages.alerts_message(db, viewer, channel["project_id"], day, t)
    return messages.weekly_report_message(db, channel["project_id"], day, t)


def _send(db: sqlite_utils.Database, channel: dict[str, Any], period: str, attempts: int) -> dict[str, Any]:
    """Compose and send a channel's period; the outbox row it leaves (sent, skipped or failed)."""
    keep = partial(_record, db, channel["id"], channel["content"], period)
    viewer = channels.owner(db, channel)
    t = i18n.translator(viewer.language if viewer else "zh")
    if viewer is None:
        return keep("", "failed", t("delivery.err.owner_gone"), MAX_ATTEMPTS)
    try:
        message = compose(db, channel, viewer, period, t)
    except Exception as exc:  # noqa: BLE001 - a message that cannot be built is a failed sending, kept
        return keep("", "failed", f"{type(exc).__name__}: {exc}", attempts)
    if message is None:
        return keep("", "skipped", t("delivery.nothing_to_send"), attempts)
    try:
        transmit(channel, message, t)
    except DeliveryError as exc:
        return keep(message.subject, "failed", str(exc), attempts)
    return keep(message.subject, "sent", "", attempts)


def send_due(db: sqlite_utils.Database, channel: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    """Send what one channel is due at `now`, once; the outbox row written, or None when nothing was due."""
    period = due_period(channel, now)
    if period is None:
        return None
    before = _previous(db, channel["id"], channel["content"], period)
    if before is not None and (before["status"] != "failed" or before["attempts"] >= MAX_ATTEMPTS):
        return None
    return _send(db, channel, period, (before["attempts"] if before else 0) + 1)


def run_due(db: sqlite_utils.Database, now: datetime | None = None) -> list[dict[str, Any]]:
    """What the worker does on each call: every active channel's due sending; the outbox rows written."""
    moment = now or config.now()
    done = []
    for channel in channels.active_channels(db):
        row = send_due(db, channel, moment)
        if row is not None:
            done.append(row)
    return done


def send_test(db: sqlite_utils.Database, actor: Actor, channel_id: int) -> dict[str, Any]:
    """Send a test message through a channel now; the outbox row (sent, or failed with the reason)."""
    channel = channels.get_channel(db, actor, channel_id)
    t = i18n.translator(actor.language)
    message = messages.test_message(channel, t)
    keep = partial(_record, db, channel_id, "test", config.now_text(), message.subject)
    try:
        transmit(channel, message, t)
    except DeliveryError as exc:
        return keep("failed", str(exc), 1)
    return keep("sent", "", 1)


def resend(db: sqlite_utils.Database, actor: Actor, outbox_id: int) -> dict[str, Any]:
    """Send a failed period of a channel again now, past its attempts; the outbox row written."""
    row = one(db, "SELECT * FROM delivery_outbox WHERE id = ?", [outbox_id])
    if row is None:
        raise NotFound(f"outbox {outbox_id}")
    channel = channels.get_channel(db, actor, row["channel_id"])
    if row["content"] == "test" or row["status"] != "failed":
        raise ValidationError.single("delivery.outbox", "delivery.err.not_failed")
    result = _send(db, channel, row["period"], row["attempts"] + 1)
    with write(db):
        audit.record(
            db, actor, "resend", "delivery_outbox", outbox_id, {"status": "failed"}, {"status": result["status"]}
        )
    return result


def outbox_log(db: sqlite_utils.Database, actor: Actor, search: str = "") -> list[dict[str, Any]]:
    """The latest sendings of the channels the actor manages, newest first (a search on channel or subject)."""
    mine = {c["id"]: c for c in channels.list_channels(db, actor)}
    if not mine:
        return []
    marks = ",".join("?" * len(mine))
    like = f"%{search.strip()}%"
    found = rows(
        db,
        f"""SELECT o.*, c.name AS channel_name, c.kind FROM delivery_outbox o
            JOIN delivery_channels c ON c.id = o.channel_id
            WHERE o.channel_id IN ({marks}) AND (c.name LIKE ? OR o.subject LIKE ? OR o.detail LIKE ?)
            ORDER BY o.at DESC, o.id DESC LIMIT {LOG_LIMIT}""",
        [*mine, like, like, like],
    )
    return found
