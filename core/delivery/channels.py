"""Delivery channels: a DingTalk, WeCom or Feishu group robot, or a list of mail addresses, and what
it receives: the daily alerts its owner sees on Home, or a project's weekly merchant report.

A channel acts for the user who set it up (its owner): it sends what that user may see, and stops
when the owner is deactivated. The robot's address carries its access token and the secret signs
each message, so both are shown masked and only the admin or the owner may change them.
"""

from __future__ import annotations

import re
from typing import Any

import sqlite_utils

from core.accounts import users
from core.kernel import audit, config
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, PermissionDenied, is_admin, require
from core.projects import merchants

KINDS = ("dingtalk", "wecom", "feishu", "email")
ROBOTS = ("dingtalk", "wecom", "feishu")
CONTENTS = ("alerts", "weekly_report")
MAX_NAME = 60
MAX_ADDRESSES = 20
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


def addresses(text: str) -> list[str]:
    """The mail addresses of a channel's address field (separated by commas, semicolons, spaces or lines)."""
    return [a for a in re.split(r"[\s,;，；]+", text.strip()) if a]


def mask(channel: dict[str, Any]) -> str:
    """The address as shown: a robot's host and the last 4 characters of its token, mail addresses in full."""
    address = channel["address"]
    if channel["kind"] == "email":
        return ", ".join(addresses(address))
    host = re.sub(r"^https?://", "", address).split("/", 1)[0]
    return f"{host}/…{address[-4:]}"


def _errors(db: sqlite_utils.Database, actor: Actor, data: dict[str, Any]) -> list[FieldError]:
    errors = []
    name = str(data.get("name") or "").strip()
    if not name:
        errors.append(FieldError("channel.name", "err.required"))
    elif len(name) > MAX_NAME:
        errors.append(FieldError("channel.name", "err.too_long", {"n": MAX_NAME}))
    kind = data.get("kind")
    if kind not in KINDS:
        errors.append(FieldError("channel.kind", "err.invalid_choice"))
    address = str(data.get("address") or "").strip()
    if not address:
        errors.append(FieldError("channel.address", "err.required"))
    elif kind == "email":
        found = addresses(address)
        bad = [a for a in found if not _EMAIL.match(a)]
        if bad:
            errors.append(FieldError("channel.address", "delivery.err.email", {"bad": "、".join(bad)}))
        elif len(found) > MAX_ADDRESSES:
            errors.append(FieldError("channel.address", "delivery.err.too_many", {"max": MAX_ADDRESSES}))
    elif kind in ROBOTS and not re.match(r"^https?://[^\s/]+/\S*$", address):
        errors.append(FieldError("channel.address", "delivery.err.url"))
    content = data.get("content")
    if content not in CONTENTS:
        errors.append(FieldError("channel.content", "err.invalid_choice"))
    project_id = data.get("project_id")
    if content == "weekly_report" and not project_id:
        errors.append(FieldError("channel.project", "delivery.err.report_needs_project"))
    if project_id:
        try:
            merchants.get_project(db, actor, int(project_id))
        except NotFound:
            errors.append(FieldError("channel.project", "err.invalid_choice"))
    return errors


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    kind = data["kind"]
    address = str(data["address"]).strip()
    return {
        "name": str(data["name"]).strip(),
        "kind": kind,
        "address": ", ".join(addresses(address)) if kind == "email" else address,
        "secret": str(data.get("secret") or "").strip() if kind in ("dingtalk", "feishu") else "",
        "project_id": int(data["project_id"]) if data.get("project_id") else None,
        "content": data["content"],
        "active": 1 if data.get("active", True) else 0,
    }


def _shown(record: dict[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of a channel: never its token or secret."""
    kept = {k: v for k, v in record.items() if k not in ("address", "secret")}
    return {**kept, "address": mask(record), "signed": bool(record.get("secret"))}


def create_channel(db: sqlite_utils.Database, actor: Actor, data: dict[str, Any]) -> int:
    """Add a channel owned by the actor; refuses bad input with every field error."""
    require(actor, "delivery.manage")
    errors = _errors(db, actor, data)
    if errors:
        raise ValidationError(errors)
    stamp = config.now_text()
    record = {**_clean(data), "created_by": actor.id, "created_at": stamp, "updated_at": stamp}
    with write(db):
        channel_id = int(db["delivery_channels"].insert(record).last_pk)
        audit.record(db, actor, "create", "delivery_channel", channel_id, None, _shown(record))
    return channel_id


def _own(db: sqlite_utils.Database, actor: Actor, channel_id: int) -> dict[str, Any]:
    require(actor, "delivery.manage")
    channel = one(db, "SELECT * FROM delivery_channels WHERE id = ?", [channel_id])
    if channel is None:
        raise NotFound(f"channel {channel_id}")
    if not is_admin(actor) and channel["created_by"] != actor.id:
        raise PermissionDenied("delivery.manage")
    return channel


def update_channel(db: sqlite_utils.Database, actor: Actor, channel_id: int, data: dict[str, Any]) -> None:
    """Change a channel; an empty secret keeps the one stored (it is never shown back)."""
    before = _own(db, actor, channel_id)
    merged = {**before, **data}
    if not str(data.get("secret") or "").strip():
        merged["secret"] = before["secret"]
    errors = _errors(db, actor, merged)
    if errors:
        raise ValidationError(errors)
    record = {**_clean(merged), "updated_at": config.now_text()}
    with write(db):
        db["delivery_channels"].update(channel_id, record)
        audit.record(db, actor, "update", "delivery_channel", channel_id, _shown(before), _shown({**before, **record}))


def delete_channel(db: sqlite_utils.Database, actor: Actor, channel_id: int) -> None:
    """Remove a channel and its outbox."""
    before = _own(db, actor, channel_id)
    with write(db):
        db.execute("DELETE FROM delivery_outbox WHERE channel_id = ?", [channel_id])
        db["delivery_channels"].delete(channel_id)
        audit.record(db, actor, "delete", "delivery_channel", channel_id, _shown(before), None)


def get_channel(db: sqlite_utils.Database, actor: Actor, channel_id: int) -> dict[str, Any]:
    """One channel the actor may manage (with its address and secret: for sending and editing)."""
    return _own(db, actor, channel_id)


def list_channels(db: sqlite_utils.Database, actor: Actor) -> list[dict[str, Any]]:
    """The channels the actor manages (the admin: all), with project and owner names, addresses masked."""
    require(actor, "delivery.manage")
    where, params = ("", []) if is_admin(actor) else ("WHERE c.created_by = ?", [actor.id])
    found = rows(
        db,
        f"""SELECT c.*, u.display_name AS owner_name, u.active AS owner_active,
                   p.name AS project_name, m.name AS merchant_name
            FROM delivery_channels c LEFT JOIN users u ON u.id = c.created_by
            LEFT JOIN projects p ON p.id = c.project_id LEFT JOIN merchants m ON m.id = p.merchant_id
            {where} ORDER BY c.name, c.id""",
        params,
    )
    return [{**c, "address": mask(c), "signed": bool(c["secret"]), "secret": ""} for c in found]


def owner(db: sqlite_utils.Database, channel: dict[str, Any]) -> Actor | None:
    """The user a channel acts for, None when that account is gone or deactivated."""
    if channel.get("created_by") is None:
        return None
    try:
        row = users.get_user(db, channel["created_by"])
    except NotFound:
        return None
    return users.actor_from_row(row) if row.get("active") else None


def active_channels(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every active channel, for the worker (no actor: it runs for the firm)."""
    return rows(db, "SELECT * FROM delivery_channels WHERE active = 1 ORDER BY id")
