"""Demo data of scheduling: rosters of the live projects, promotions, handover notes, leave and swap requests."""

from __future__ import annotations

from datetime import timedelta

import sqlite_utils

from core.accounts import users
from core.agents import directory
from core.kernel import config
from core.kernel.permissions import Actor
from core.projects import merchants
from core.schedule import handover, promotions, shift_requests, shift_settings, shifts


def seed(db: sqlite_utils.Database, admin: Actor) -> None:
    """Six weeks of roster (two past, four coming) for each live project, and the rest around it."""
    today = config.today()
    monday = today - timedelta(days=today.weekday())
    manager = users.actor_from_row(users.find_by_username(db, "manager"))
    for number, project in enumerate(merchants.list_projects(db, admin, status="live")):
        project_id = project["id"]
        if number == 0:  # the first live project has its scheduling model saved: its quotes size seats by Erlang C
            conf = shift_settings.settings(db, manager, project_id)
            shift_settings.save_settings(
                db,
                manager,
                project_id,
                {
                    key: conf[key]
                    for key in (
                        "day_start",
                        "day_end",
                        "night_start",
                        "night_end",
                        "required_day",
                        "required_night",
                        "aht_s",
                        "concurrency",
                        "shrinkage",
                        "max_occupancy",
                    )
                },
            )
        shifts.apply_proposal(db, manager, project_id, monday - timedelta(days=14), monday + timedelta(days=27))
        promotions.add_promotion(
            db,
            manager,
            project_id,
            {
                "name": "周年庆",
                "start_day": monday - timedelta(days=23),
                "end_day": monday - timedelta(days=22),
                "announced_on": monday - timedelta(days=40),
                "expected_rise": None,
                "note": "往期活动",
            },
        )
        promotions.add_promotion(
            db,
            manager,
            project_id,
            {
                "name": "月中大促",
                "start_day": today + timedelta(days=11),
                "end_day": today + timedelta(days=11),
                "announced_on": today - timedelta(days=3),
                "expected_rise": 0.4,
                "note": "商家在群里通知",
            },
        )
        promotions.add_promotion(
            db,
            manager,
            project_id,
            {
                "name": "年终清仓",
                "start_day": today + timedelta(days=2),
                "end_day": today + timedelta(days=3),
                "announced_on": today,
                "expected_rise": 0.25,
                "note": "临时加场",
            },
        )
        team = shifts.team_pool(db, manager, project_id, today, today)
        if len(team) >= 2:
            author = team[0]
            handover.add_handover(
                db,
                manager,
                project_id,
                today - timedelta(days=1),
                "night",
                marked_buyers="tb_88231（要求改收货地址，已备注）",
                unresolved=f"{author['name']}：订单 3921 补发单号未回传，请白班跟进仓库",
                note="23:10 后咨询量偏高，优惠券问题集中",
            )
            handover.add_handover(
                db,
                manager,
                project_id,
                today,
                "day",
                unresolved="一位买家投诉物流慢，已登记投诉，等待商家回复",
                note="下午有直播，晚班注意催付",
            )
    agent_user = users.find_by_username(db, "agent")
    own = directory.agent_for_user(db, agent_user["id"]) if agent_user else None
    if own:
        actor = users.actor_from_row(agent_user)
        project_id = directory.agent_projects(db, own["id"])[0]
        shift_requests.request_leave(
            db, actor, project_id, today + timedelta(days=8), today + timedelta(days=9), "家里有事，请两天事假"
        )
        rejected = shift_requests.request_leave(
            db, actor, project_id, today + timedelta(days=1), today + timedelta(days=1), "想调休一天"
        )
        shift_requests.decide(db, manager, rejected, False, "明天人手紧，请改到下周")
