"""Generated, seeded chat logs and orders: 90 days for the live demo projects, and bench data.

Realistic enough to exercise every rule: hour-of-day peaks, bursts of buyer messages, automatic
replies in the same second, system notices, slow and missing replies, orders paid the same day,
the next day or later, cancelled, unpaid, refunded and silent orders.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pandas as pd
import sqlite_utils

from core.kernel import config
from core.kernel.permissions import Actor
from core.kpi import daily_figures, raw_store
from core.projects import merchants

HOUR_WEIGHTS = [1, 0, 0, 0, 0, 0, 1, 3, 6, 9, 11, 10, 7, 8, 10, 10, 9, 7, 6, 8, 11, 12, 9, 4]
BUYER_LINES = ("请问有货吗", "什么时候发货", "能便宜点吗", "有优惠券吗", "尺码怎么选", "可以开发票吗", "在吗", "好的")
AGENT_LINES = (
    "亲，有货的哦",
    "今天下单明天发货",
    "可以领店铺券哦",
    "亲按平时尺码拍就可以",
    "可以开电子发票",
    "好的亲",
    "感谢支持",
)


def generate(
    rng: random.Random,
    agents: list[str],
    start: date,
    days: int,
    chats_per_day: int,
    buyer_pool: int = 5000,
    quality: dict[str, float] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Messages and orders for `days` days from `start` (columns of the import format)."""
    quality = quality or {}
    messages: list[tuple] = []
    orders: list[tuple] = []
    order_number = 0
    for offset in range(days):
        day = start + timedelta(days=offset)
        volume = int(chats_per_day * (1.25 if day.weekday() >= 5 else 1.0) * rng.uniform(0.85, 1.15))
        for _ in range(volume):
            agent = rng.choice(agents)
            slow = quality.get(agent, 1.0)
            buyer = f"buyer{rng.randrange(buyer_pool):06d}"
            hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
            moment = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60))
            if rng.random() < 0.3:
                messages.append((moment.strftime("%Y-%m-%d %H:%M:%S"), buyer, agent, "auto", "您好，欢迎光临"))
            last = moment
            for _turn in range(rng.choice((1, 1, 2, 2, 3))):
                burst = rng.choice((1, 1, 1, 2, 3))
                for _ in range(burst):
                    last += timedelta(seconds=rng.randrange(1, 20))
                    messages.append(
                        (last.strftime("%Y-%m-%d %H:%M:%S"), buyer, agent, "buyer", rng.choice(BUYER_LINES))
                    )
                if rng.random() < 0.02 * slow:
                    break  # unanswered
                wait = int(rng.expovariate(1 / (14 * slow))) if rng.random() > 0.1 else rng.randrange(30, 180)
                last += timedelta(seconds=wait)
                messages.append((last.strftime("%Y-%m-%d %H:%M:%S"), buyer, agent, "agent", rng.choice(AGENT_LINES)))
            if rng.random() < 0.05:
                messages.append((last.strftime("%Y-%m-%d %H:%M:%S"), buyer, agent, "system", "买家已下单"))
            if rng.random() < 0.27 / slow:
                order_number += 1
                created = last + timedelta(minutes=rng.randrange(1, 90))
                status = rng.choices(
                    ("paid", "shipped", "completed", "refunded", "cancelled", "unpaid"), (20, 35, 30, 5, 5, 5)
                )[0]
                paid = (
                    None
                    if status in ("unpaid", "cancelled") and rng.random() < 0.8
                    else created + timedelta(seconds=rng.choice((20, 60, 300, 3600, 20 * 3600, 40 * 3600)))
                )
                orders.append(
                    (
                        f"D{start:%y%m%d}{order_number:07d}",
                        buyer,
                        created.strftime("%Y-%m-%d %H:%M:%S"),
                        paid.strftime("%Y-%m-%d %H:%M:%S") if paid else "",
                        round(rng.uniform(29, 399), 2),
                        rng.choice((1, 1, 1, 2, 3)),
                        status,
                    )
                )
        for _ in range(max(1, volume // 20)):  # silent orders: no chat before them
            order_number += 1
            created = datetime(day.year, day.month, day.day, rng.randrange(8, 23), rng.randrange(60), rng.randrange(60))
            orders.append(
                (
                    f"D{start:%y%m%d}{order_number:07d}",
                    f"silent{rng.randrange(10**6):06d}",
                    created.strftime("%Y-%m-%d %H:%M:%S"),
                    (created + timedelta(seconds=30)).strftime("%Y-%m-%d %H:%M:%S"),
                    round(rng.uniform(29, 399), 2),
                    1,
                    "paid",
                )
            )
    message_frame = pd.DataFrame(messages, columns=["time", "buyer", "agent", "sender", "content"])
    order_frame = pd.DataFrame(
        orders, columns=["order_id", "buyer", "created_at", "paid_at", "amount", "items", "status"]
    )
    return message_frame, order_frame


def seed(db: sqlite_utils.Database, admin: Actor, days: int = 90, chats_per_day: int = 110) -> None:
    """Import 90 days of generated chats and orders, up to yesterday, for each live demo project."""
    rng = random.Random(20261102)
    start = config.today() - timedelta(days=days)
    for project in merchants.list_projects(db, admin, status="live"):
        team = [
            r["sub_account"]
            for r in db.query(
                "SELECT sub_account FROM project_agents WHERE project_id = ? AND role = 'online' AND sub_account != ''",
                [project["id"]],
            )
        ]
        if not team:
            continue
        quality = {name: rng.choice((0.7, 1.0, 1.0, 1.3, 1.8)) for name in team}
        volume = int(daily_figures.targets(db, admin, project["id"]).get("consultations", chats_per_day) * 0.95)
        messages, orders = generate(rng, team, start, days, volume, quality=quality)
        days_seen = pd.to_datetime(messages["time"]).dt.date
        preview = raw_store.RawPreview(
            messages=messages,
            orders=orders,
            date_from=days_seen.min(),
            date_to=days_seen.max(),
            unknown_agents=[],
            filenames=["demo-messages.csv", "demo-orders.csv"],
        )
        raw_store.import_raw(db, admin, project["id"], preview)
