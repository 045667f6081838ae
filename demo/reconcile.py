"""The platform's own figures for the last days of the live demo projects, so reconciliation has something to show.

Derived from the stored raw-log figures with the differences real files have: the Tmall shop's
客服绩效 gives 询单人数 (not 咨询人数), final-payment figures that are still 延迟统计 on the newest
day, and one agent-day whose response time is far off; the Douyin shop's 客服表现 gives
whole-day (全天) and service-hours (工作时间) response times, counts robot replies as human, and
names agents by nickname (no shop prefix). Each file also lists an account we do not staff.
A handful of rows, written straight into `platform_agent_daily` as the summary import stores them
(without an import batch: no file was read).
"""

from __future__ import annotations

import json
import random
from typing import Any

import sqlite_utils

from core.kernel import config
from core.kernel.db import rows, write
from core.kernel.permissions import Actor
from core.projects import merchants

DAYS = 5
PROFILES = {
    "tmall": "tmall_performance",
    "taobao": "tmall_performance",
    "douyin": "douyin_performance",
    "pinduoduo": "pdd_performance",
}


def _tmall(rng: random.Random, row: dict[str, Any], newest: bool, outlier: bool) -> tuple[dict[str, Any], list[str]]:
    inquiries = max(1, round(row["consultations"] * rng.uniform(0.96, 0.995)))
    converted = row["converted"] + (1 if rng.random() < 0.2 else 0)  # final payment: a late payer the platform credits
    figures: dict[str, Any] = {
        "inquiries": inquiries,
        "converted": converted,
        "conversion_rate": round(converted / inquiries, 4),
        "sales": round((row["sales"] or 0) + (rng.uniform(29, 199) if converted > row["converted"] else 0), 2),
        "satisfaction": round(rng.uniform(0.93, 0.99), 4),
    }
    if row["first_response_s"] is not None:
        figures["first_response_s"] = round(row["first_response_s"] * rng.uniform(0.98, 1.03), 1)
    if row["avg_response_s"] is not None:
        figures["avg_response_s"] = round(row["avg_response_s"] * (1.35 if outlier else rng.uniform(0.97, 1.04)), 1)
    pending = []
    if newest:  # 询单最终付款* show 延迟统计 until the payments settle
        pending = ["converted", "conversion_rate", "sales"]
        for name in pending:
            figures.pop(name)
    return figures, pending


def _douyin(rng: random.Random, row: dict[str, Any], newest: bool, outlier: bool) -> tuple[dict[str, Any], list[str]]:
    inquiries = max(1, round(row["consultations"] * rng.uniform(0.9, 0.97)))
    figures: dict[str, Any] = {
        "receptions": row["consultations"] - rng.choice((0, 0, 1)),
        "sessions": row["consultations"] + rng.randrange(0, 4),
        "inquiries": inquiries,
        "converted": row["converted"],
        "conversion_rate": round(row["converted"] / inquiries, 4),
        "sales": round(row["sales"] or 0, 2),
        "response_3min_rate_allday": round(rng.uniform(0.9, 0.99), 4),
        "satisfaction_allday": round(rng.uniform(0.9, 0.99), 4),
    }
    if row["avg_response_s"] is not None:
        figures["avg_response_s_service"] = round(
            row["avg_response_s"] * rng.uniform(0.88, 0.96), 1
        )  # robot replies count as human
        figures["avg_response_s_allday"] = round(
            row["avg_response_s"] * rng.uniform(1.2, 1.45), 1
        )  # the night is slower
    if row["first_response_s"] is not None:
        figures["first_response_s_allday"] = round(row["first_response_s"] * rng.uniform(1.15, 1.35), 1)
    pending = ["sales_after_refund"] if newest else []
    if not newest:
        figures["sales_after_refund"] = round((row["sales"] or 0) * rng.uniform(0.9, 0.98), 2)
    return figures, pending


def seed(db: sqlite_utils.Database, admin: Actor) -> None:
    """Platform rows for the last DAYS days with raw figures of each live Tmall/Taobao or Douyin demo project."""
    rng = random.Random(20261203)
    stamp = config.now_text()
    for project in merchants.list_projects(db, admin, status="live"):
        profile = PROFILES.get(project["platform"])
        make = _douyin if project["platform"] == "douyin" else _tmall
        days = [
            r["day"]
            for r in rows(
                db,
                """SELECT DISTINCT day FROM kpi_agent_daily WHERE project_id = ? AND source = 'raw'
                                              ORDER BY day DESC LIMIT ?""",
                [project["id"], DAYS],
            )
        ]
        if profile is None or not days:
            continue
        ours = rows(
            db,
            f"""SELECT day, agent, consultations, converted, sales, first_response_s, avg_response_s
                            FROM kpi_agent_daily
                            WHERE project_id = ? AND source = 'raw' AND day IN ({",".join("?" * len(days))})
                            ORDER BY day, agent""",
            [project["id"], *days],
        )
        outlier = (days[-1], ours[0]["agent"]) if ours else None
        with write(db):
            for day in sorted(days):
                for row in (r for r in ours if r["day"] == day):
                    figures, pending = make(rng, row, day == days[0], (day, row["agent"]) == outlier)
                    name = (
                        row["agent"].split(":")[-1] if project["platform"] == "douyin" else row["agent"]
                    )  # Douyin: the nickname
                    db["platform_agent_daily"].insert(
                        {
                            "project_id": project["id"],
                            "day": day,
                            "agent": name,
                            "profile": profile,
                            "figures": json.dumps(figures, ensure_ascii=False),
                            "pending": json.dumps(pending),
                            "import_id": None,
                            "imported_at": stamp,
                        }
                    )
                shop_account = (
                    f"{project['merchant_name'][:4]}:店长"  # the merchant's own account: on the platform only
                )
                db["platform_agent_daily"].insert(
                    {
                        "project_id": project["id"],
                        "day": day,
                        "agent": shop_account,
                        "profile": profile,
                        "figures": json.dumps({"inquiries": rng.randrange(3, 12), "converted": rng.randrange(0, 3)}),
                        "pending": "[]",
                        "import_id": None,
                        "imported_at": stamp,
                    }
                )
