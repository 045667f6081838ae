"""Demo data of push delivery: two example channels, switched off (启用 unticked) so that a worker
started on the demo firm sends nothing to addresses that are only examples: the director's
DingTalk group for the daily alerts, and the weekly report of the live home-goods project by mail
to the merchant. A newcomer sees how a channel looks and puts in a real address to try it."""

from __future__ import annotations

import sqlite_utils

from core.delivery import channels
from core.kernel.permissions import Actor
from core.projects import merchants


def seed(db: sqlite_utils.Database, admin: Actor) -> None:
    """The two example channels, owned by the admin, inactive."""
    live = merchants.list_projects(db, admin, status="live")
    channels.create_channel(
        db,
        admin,
        {
            "name": "示例：运营管理群（钉钉）",
            "kind": "dingtalk",
            "address": "https://oapi.dingtalk.com/robot/send?access_token=example-token-replace-me",
            "secret": "SECexample-replace-me",
            "content": "alerts",
            "active": False,
        },
    )
    if live:
        channels.create_channel(
            db,
            admin,
            {
                "name": f"示例：{live[0]['merchant_name']} 周报邮件",
                "kind": "email",
                "address": "owner@example.com",
                "content": "weekly_report",
                "project_id": live[0]["id"],
                "active": False,
            },
        )
