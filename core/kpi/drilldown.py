"""The chats behind a day's figures (raw logs only): each chat with its first response and the
orders attributed to it, and one chat's messages in time order, for the dashboard's drill-down.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import sqlite_utils

from core.kernel.db import rows
from core.kernel.permissions import Actor, require_project
from core.kpi import engine
from core.kpi.settings import settings_for


def _orders_for_day(db: sqlite_utils.Database, project_id: int, day: date, margin: timedelta) -> pd.DataFrame:
    """The project's orders that can go to a chat of `day`; each order is attributed on its own, so the
    rest change nothing.

    A chat of the day wins an order only with a message at or before created_at (so created on or
    after the day's start) and when paid by the end of day + attribution days.
    """
    cursor = db.conn.execute(
        """SELECT order_id, buyer, created_at, paid_at, amount, items, status FROM chat_orders
                                WHERE project_id = ? AND created_at >= ? AND paid_at IS NOT NULL AND paid_at < ?""",
        [project_id, day.isoformat(), (day + margin + timedelta(days=1)).isoformat()],
    )
    frame = pd.DataFrame(
        cursor.fetchall(), columns=["order_id", "buyer", "created_at", "paid_at", "amount", "items", "status"]
    )
    frame["paid_at"] = frame["paid_at"].fillna("")
    return frame


def chats_of_day(
    db: sqlite_utils.Database, actor: Actor, project_id: int, day: date, agent: str | None = None
) -> pd.DataFrame:
    """The chats behind a day's figures (raw logs only), with first response and attributed orders."""
    require_project(db, actor, project_id, "kpi.read")
    settings = settings_for(db, project_id)
    margin = timedelta(days=settings.attribution_days)
    cursor = db.conn.execute(
        "SELECT time, buyer, agent, sender FROM chat_messages WHERE project_id = ? AND day BETWEEN ? AND ?",
        [project_id, (day - 2 * margin).isoformat(), (day + 2 * margin).isoformat()],
    )  # no text: the KPIs ignore it
    messages = pd.DataFrame(cursor.fetchall(), columns=engine.MESSAGE_COLUMNS)
    if messages.empty:
        return pd.DataFrame(columns=engine.CHAT_COLUMNS)
    chats = engine.chat_table(messages, _orders_for_day(db, project_id, day, margin), settings)
    chats = chats[chats["date"] == day.isoformat()]
    if agent:
        chats = chats[chats["agent"] == agent]
    return chats.reset_index(drop=True)


def transcript(
    db: sqlite_utils.Database, actor: Actor, project_id: int, day: date, agent: str, buyer: str
) -> pd.DataFrame:
    """The messages of one chat in time order."""
    require_project(db, actor, project_id, "kpi.read")
    data = rows(
        db,
        "SELECT time, sender, content FROM chat_messages WHERE project_id = ? AND day = ? AND agent = ? "
        "AND buyer = ? ORDER BY time, id",
        [project_id, day.isoformat(), agent, buyer],
    )
    return pd.DataFrame(data, columns=["time", "sender", "content"])


def chat_totals(chats: pd.DataFrame) -> dict[str, Any]:
    """How many chats `chats_of_day` gave, how many of them converted and their sales."""
    return {
        "chats": len(chats),
        "converted": int(chats["converted"].sum()) if len(chats) else 0,
        "sales": float(chats["sales"].sum()) if len(chats) else 0.0,
    }
