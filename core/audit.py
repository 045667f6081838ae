"""The audit trail: who changed which business record, when, from what to what."""
from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from core import config
from core.db import rows
from core.permissions import Actor, require


def _dump(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(
    db: sqlite_utils.Database,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: Any = "",
    before: Any = None,
    after: Any = None,
) -> None:
    """Write one audit row; call it inside the same `write()` transaction as the change."""
    db["audit_log"].insert(
        {
            "at": config.now_text(),
            "user_id": actor.id if actor else None,
            "username": actor.username if actor else "system",
            "action": action,
            "entity": entity,
            "entity_id": str(entity_id),
            "before": _dump(before),
            "after": _dump(after),
        }
    )


def search(
    db: sqlite_utils.Database,
    actor: Actor,
    username: str | None = None,
    entity: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    limit: int = 1000,
) -> list[dict]:
    """Audit rows, newest first, filtered by user, entity and an inclusive date range."""
    require(actor, "audit.read")
    where, params = ["1=1"], []
    if username:
        where.append("username = ?")
        params.append(username)
    if entity:
        where.append("entity = ?")
        params.append(entity)
    if date_from:
        where.append("at >= ?")
        params.append(f"{date_from} 00:00:00")
    if date_to:
        where.append("at <= ?")
        params.append(f"{date_to} 23:59:59")
    sql = f"SELECT * FROM audit_log WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?"
    return rows(db, sql, (*params, limit))


def entities(db: sqlite_utils.Database) -> list[str]:
    """The entity names present in the log, for the filter."""
    return [r["entity"] for r in db.query("SELECT DISTINCT entity FROM audit_log ORDER BY entity")]
