"""The chat under review, from the project's raw chat logs: an agent's chats of a day and their messages.

With raw logs stored, a review picks one of the agent's stored chats and keeps its messages as the
transcript; without them the inspector pastes the chat.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlite_utils

from core.kernel import i18n
from core.kernel.db import one, rows
from core.kernel.errors import FieldError
from core.kernel.permissions import Actor, require_project
from core.kpi import roster_names


def has_raw_logs(db: sqlite_utils.Database, project_id: int) -> bool:
    """True when the project's raw chat logs are stored: a review then picks one of them, never a typed chat."""
    return one(db, "SELECT 1 AS x FROM chat_messages WHERE project_id = ? LIMIT 1", [project_id]) is not None


def _agent_accounts(db: sqlite_utils.Database, project_id: int, day: date, agent_id: int) -> list[str]:
    """The account names of the day's logs that are this roster agent (sub-accounts, short forms, aliases)."""
    mapping = roster_names.agent_name_map(db, project_id)
    names = [
        r["agent"]
        for r in db.query(
            "SELECT DISTINCT agent FROM chat_messages WHERE project_id = ? AND day = ?", [project_id, day.isoformat()]
        )
    ]
    return sorted(n for n in names if roster_names.resolve_agent(mapping, n) == agent_id)


def agent_chats(db: sqlite_utils.Database, actor: Actor, project_id: int, day: date, agent_id: int) -> list[dict]:
    """The agent's stored chats of a day (one per buyer and account), earliest first: buyer, account, times,
    messages."""
    require_project(db, actor, project_id, "qa.read")
    accounts = _agent_accounts(db, project_id, day, agent_id)
    if not accounts:
        return []
    marks = ",".join("?" * len(accounts))
    return rows(
        db,
        f"""SELECT buyer, agent AS account, MIN(time) AS first_at, MAX(time) AS last_at, COUNT(*) AS messages
                        FROM chat_messages WHERE project_id = ? AND day = ? AND agent IN ({marks})
                        GROUP BY buyer, agent ORDER BY first_at, buyer""",
        [project_id, day.isoformat(), *accounts],
    )


def _messages(db: sqlite_utils.Database, project_id: int, day: date, agent_id: int, buyer: str) -> list[dict]:
    accounts = _agent_accounts(db, project_id, day, agent_id)
    if not accounts:
        return []
    marks = ",".join("?" * len(accounts))
    return rows(
        db,
        f"""SELECT time, sender, content FROM chat_messages
                        WHERE project_id = ? AND day = ? AND buyer = ? AND agent IN ({marks}) ORDER BY time, id""",
        [project_id, day.isoformat(), buyer, *accounts],
    )


def chat_messages(
    db: sqlite_utils.Database, actor: Actor, project_id: int, day: date, agent_id: int, buyer: str
) -> list[dict]:
    """The messages of the agent's chat with a buyer on a day, in time order ([] when the agent had no such chat)."""
    require_project(db, actor, project_id, "qa.read")
    return _messages(db, project_id, day, agent_id, buyer)


def transcript_text(messages: list[dict], lang: str = "zh") -> str:
    """A chat as the review keeps it: one line per message, `HH:MM:SS 发送方：内容`."""
    return "\n".join(
        f"{m['time'][11:19]} {i18n.t('kpi.sender.' + m['sender'], lang)}：{m['content']}" for m in messages
    )


def _chat_of_agent_errors(
    db: sqlite_utils.Database, project_id: int, agent_id: Any, chat_date: date | None, buyer: Any
) -> tuple[list[dict], list[FieldError]]:
    """With raw logs, the chat must be one of the agent's stored chats of that day; returns its messages."""
    if (
        chat_date is None
        or not isinstance(agent_id, int)
        or not str(buyer or "").strip()
        or not has_raw_logs(db, project_id)
    ):
        return [], []
    found = _messages(db, project_id, chat_date, agent_id, str(buyer).strip())
    if not found:
        return [], [FieldError("qa.chat_buyer_id", "err.qa.chat_not_of_agent")]
    return found, []
