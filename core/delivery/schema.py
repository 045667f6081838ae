"""Schema of delivery: the channels (a group robot or a mail list) and the outbox of every sending.

A change after this migration has shipped is a new migration, never an edit here.
"""

from __future__ import annotations

M014_DELIVERY: list[str] = [
    """CREATE TABLE delivery_channels (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('dingtalk','wecom','feishu','email')),
        address TEXT NOT NULL,
        secret TEXT NOT NULL DEFAULT '',
        project_id INTEGER REFERENCES projects(id),
        content TEXT NOT NULL CHECK (content IN ('alerts','weekly_report')),
        active INTEGER NOT NULL DEFAULT 1,
        created_by INTEGER REFERENCES users(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE delivery_outbox (
        id INTEGER PRIMARY KEY,
        channel_id INTEGER NOT NULL REFERENCES delivery_channels(id) ON DELETE CASCADE,
        content TEXT NOT NULL,
        period TEXT NOT NULL,
        subject TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('sent','failed','skipped')),
        attempts INTEGER NOT NULL DEFAULT 1,
        detail TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL,
        UNIQUE (channel_id, content, period)
    )""",
    "CREATE INDEX idx_delivery_outbox_at ON delivery_outbox(at)",
]
