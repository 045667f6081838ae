"""The large demo firm for speed and scale tests: `make demo-large` (python -m demo.large).

100 merchants, 500 agents, 365 days of daily KPI rows per agent, raw chats for 10 projects over
90 days (about 5 million messages), 100,000 QA reviews, 20,000 complaints, 12 pay runs; written
to `data/large.db` unless `APP_DB` or `--db` says otherwise (never over `data/app.db` by default).

How each part is written, so that the rows are what the app itself would have stored:
- The demo firm first (demo.firm.seed: users and logins, six merchants, 14 agents, its own data).
- Merchants, projects, confirmed order confirmations, go-live, agents and team assignments through
  the core functions (audited, validated), as an admin would enter them.
- Raw chats: a vectorised seeded generator; each project's 90 days go through
  raw_store.import_raw, the import path of the app (rows stored, KPIs computed by core.kpi.engine).
- The other days of the year are stored as a platform summary import would store them
  (source 'summary', one kpi_imports row per project, shop days derived from the agent days by
  the formula of summary_store.shop_from_agent_summaries, vectorised).
- QA reviews: scored by core.qa.scoring.compute on the project's scorecard; complaints numbered
  TS-YYYYMMDD-NNNN per day with the day counters, their events and statuses; both in bulk
  (executemany, one transaction per chunk) with one audit row per bulk load, not one per row.
- Pay runs: core.salary.payrun.run_month for each month missing (the demo firm has three), the past
  ones approved.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlite_utils

from core.accounts import users
from core.agents import directory
from core.bootstrap import open_store
from core.complaints import complaints
from core.golive import gate
from core.kernel import audit, config
from core.kernel.db import write
from core.kernel.months import month_bounds, previous_month
from core.kernel.permissions import Actor
from core.kpi import engine, raw_store
from core.projects import merchants
from core.projects import order_confirmation as oc
from core.qa import scorecards, scoring
from core.salary import payrun, schemes

SEED = 20261201
PLATFORMS = ("tmall", "taobao", "pinduoduo", "jd", "douyin")
CATEGORIES = ("家居日用", "生鲜水果", "女装", "3C数码", "美妆个护", "宠物用品", "母婴", "食品", "运动户外", "家电")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = (
    "小美",
    "阿杰",
    "晓晓",
    "丽丽",
    "大伟",
    "静静",
    "小林",
    "阿峰",
    "婷婷",
    "思思",
    "若兰",
    "小雨",
    "佳佳",
    "明明",
    "欢欢",
)
BUYER_LINES = np.array(
    ["请问有货吗", "什么时候发货", "能便宜点吗", "有优惠券吗", "尺码怎么选", "可以开发票吗", "在吗", "好的"],
    dtype=object,
)
AGENT_LINES = np.array(
    [
        "亲，有货的哦",
        "今天下单明天发货",
        "可以领店铺券哦",
        "亲按平时尺码拍就可以",
        "可以开电子发票",
        "好的亲",
        "感谢支持",
    ],
    dtype=object,
)
HOUR_WEIGHTS = np.array([1, 0.3, 0.2, 0.1, 0.1, 0.2, 1, 3, 6, 9, 11, 10, 7, 8, 10, 10, 9, 7, 6, 8, 11, 12, 9, 4], float)
CHUNK = 20_000
SUMMARY_FILE = "demo-large-platform-summary.xlsx"


@dataclass(frozen=True)
class Scale:
    """How big the firm is; `Scale()` is the issue's firm, tests use a tiny one."""

    merchants: int = 100
    agents: int = 500
    kpi_days: int = 365
    raw_projects: int = 10
    raw_days: int = 90
    messages: int = 5_000_000
    qa_reviews: int = 100_000
    complaints: int = 20_000
    pay_months: int = 12


TINY = Scale(
    merchants=10,
    agents=130,
    kpi_days=20,
    raw_projects=2,
    raw_days=5,
    messages=4_000,
    qa_reviews=300,
    complaints=120,
    pay_months=2,
)


def _log(message: str, started: float) -> None:
    print(f"[{time.perf_counter() - started:6.1f} s] {message}", flush=True)


def _admin(db: sqlite_utils.Database) -> Actor:
    return users.actor_from_row(users.find_by_username(db, "admin"))


# --- merchants, projects, agents (through core) ------------------------------------------------------------------


def _confirmation(platform: str, name: str, rng: random.Random, agents_required: int) -> dict[str, Any]:
    today = config.today()
    return {
        **oc.default_data(platform),
        "company_name": name + "有限公司",
        "contact_name": "联系人",
        "contact_phone": "13800000000",
        "service_type": "presales",
        "agents_required": agents_required,
        "liaison": "联系人",
        "target_daily_inquiries": rng.choice((300, 400, 500, 600)),
        "target_first_response_s": 20,
        "target_avg_response_s": 30,
        "target_response_30s_rate": 0.80,
        "target_conversion_rate": rng.choice((0.18, 0.2, 0.22)),
        "target_aov": 150.0,
        "target_satisfaction": 0.95,
        "materials_submitted": True,
        "materials_complete": True,
        "materials_missing": "",
        "materials_due_date": (today + timedelta(days=3)).isoformat(),
        "trainer": "us",
        "examiner": "us",
        "training_requirements": "",
        "golive_requested_date": (today + timedelta(days=10)).isoformat(),
        "golive_committed_date": (today + timedelta(days=10)).isoformat(),
        "qa_standard": "ours",
        "other_requests": "",
    }


def add_firm(db: sqlite_utils.Database, scale: Scale, rng: random.Random) -> list[int]:
    """Merchants and projects up to scale.merchants, agents up to scale.agents; return the new live project ids."""

    admin = _admin(db)
    manager_id = users.find_by_username(db, "manager")["id"]
    existing = db["merchants"].count
    new_live: list[int] = []
    statuses = ("signed", "training", "negotiating", "paused")
    for number in range(existing, scale.merchants):
        platform = PLATFORMS[number % len(PLATFORMS)]
        name = f"{CATEGORIES[number % len(CATEGORIES)][:2]}商家{number + 1:03d}"
        merchant_id = merchants.create_merchant(
            db,
            admin,
            {
                "name": name,
                "platform": platform,
                "shop_name": name + "店",
                "category": CATEGORIES[number % len(CATEGORIES)],
                "contact_name": "联系人",
                "contact_phone": "13800000000",
                "current_presales_agents": 2,
                "avg_daily_inquiries": 1500,
                "promotion_frequency": "monthly",
                "notes": "",
            },
        )
        project_id = merchants.create_project(db, admin, merchant_id, f"{name}-售前客服", manager_id)
        # about one in six projects is not live: signed, training, negotiating or paused
        target = statuses[(number // 6) % len(statuses)] if number % 6 == 5 else "live"
        if target == "negotiating":
            continue
        oc.confirm(db, admin, project_id, _confirmation(platform, name, rng, 5))
        for status in ("signed", "training", "live", "paused"):
            if status == "live":
                gate.go_live(db, admin, project_id, "演示数据：大型演示公司，系统启用前已上线")
            else:
                gate.change_status(db, admin, project_id, status, "演示数据")
            if status == target:
                break
        if target == "live":
            new_live.append(project_id)
    # agents: a team of online agents and one reserve per new live project, the rest in training
    start = config.today() - timedelta(days=scale.kpi_days + 30)
    count = db["agents"].count
    # every new agent is online on a new live project, dealt round-robin (teams of 4-5 at full scale)
    available = max(0, scale.agents - count)
    slots = sorted(((new_live[k % len(new_live)], "online") for k in range(available)) if new_live else [])
    for index in range(count, scale.agents):
        name = SURNAMES[index % len(SURNAMES)] + GIVEN[(index // len(SURNAMES)) % len(GIVEN)]
        slot = slots[index - count] if index - count < len(slots) else None
        status = "training" if slot is None else ("online" if slot[1] == "online" else "reserve")
        agent_id = directory.create_agent(
            db,
            admin,
            {
                "name": name,
                "employee_no": f"KL{index + 1:05d}",
                "phone": f"139{index:08d}",
                "skills": "售前",
                "status": status,
                "base_salary": 3500 + 100 * (index % 5),
                "user_id": None,
            },
        )
        if slot is not None:
            directory.assign(
                db,
                admin,
                slot[0],
                agent_id,
                slot[1],
                "day" if index % 2 else "night",
                start,
                f"L{slot[0]}:{name}{index}",
            )
    return new_live


def live_teams(db: sqlite_utils.Database) -> dict[int, list[dict]]:
    """Online team members of every live project: agent_id, sub_account, from_date."""
    teams: dict[int, list[dict]] = {}
    for row in db.query("""SELECT pa.project_id, pa.agent_id, pa.sub_account, pa.from_date FROM project_agents pa
                           JOIN projects p ON p.id = pa.project_id
                           WHERE p.status = 'live' AND pa.role = 'online' AND pa.sub_account != ''
                           ORDER BY pa.project_id, pa.agent_id"""):
        teams.setdefault(row["project_id"], []).append(row)
    return teams


# --- raw chats (vectorised generator, stored by the app's import path) ------------------------------------------------


def generate_chats(
    rng: np.random.Generator, team: list[str], start: date, days: int, n_messages: int, order_prefix: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """About n_messages messages and their orders over `days` days from `start`, in the import format."""
    n_chats = max(1, int(n_messages / 6.6))
    day = rng.integers(0, days, n_chats)
    agent = rng.integers(0, len(team), n_chats)
    buyer_pool = np.array([f"buyer{x:06d}" for x in range(max(1000, n_chats // 3))], dtype=object)
    buyer = rng.integers(0, len(buyer_pool), n_chats)
    hour = rng.choice(24, n_chats, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    begin = hour * 3600 + rng.integers(0, 3600, n_chats)
    counts = np.maximum(1, rng.poisson(5.6, n_chats) + 1)
    chat_of = np.repeat(np.arange(n_chats), counts)
    first = np.r_[0, np.cumsum(counts)[:-1]]
    position = np.arange(len(chat_of)) - np.repeat(first, counts)
    draw = rng.random(len(chat_of))
    sender = np.where(
        draw < 0.5, 0, np.where(draw < 0.93, 1, np.where(draw < 0.97, 2, 3))
    )  # buyer, agent, auto, system
    sender[position == 0] = 0
    sender[(position == 1) & (rng.random(len(chat_of)) < 0.3)] = 2
    gap = rng.exponential(16.0, len(chat_of)).astype(np.int64)
    slow = rng.random(len(chat_of)) < 0.08
    gap[slow] = rng.integers(30, 180, int(slow.sum()))
    gap[position == 0] = 0
    offset = np.cumsum(gap)
    offset -= np.repeat(offset[first], counts)
    seconds = np.minimum(begin[chat_of] + offset, 86399)  # a chat stays in its day
    day0 = np.datetime64(start.isoformat(), "s")
    stamps = day0 + (day[chat_of] * 86400 + seconds).astype("timedelta64[s]")
    times = pd.Series(np.datetime_as_string(stamps, unit="s")).str.replace("T", " ", regex=False)
    names = np.array(engine.SENDERS, dtype=object)
    content = np.where(
        sender == 0,
        BUYER_LINES[rng.integers(0, len(BUYER_LINES), len(chat_of))],
        np.where(
            sender == 1,
            AGENT_LINES[rng.integers(0, len(AGENT_LINES), len(chat_of))],
            np.where(sender == 2, "您好，欢迎光临", "买家已下单"),
        ),
    )
    team_array = np.array(team, dtype=object)
    messages = pd.DataFrame(
        {
            "time": times,
            "buyer": buyer_pool[buyer[chat_of]],
            "agent": team_array[agent[chat_of]],
            "sender": names[sender],
            "content": content,
        }
    )
    # orders: about a quarter of the chats, placed 1-90 minutes after the chat began; some silent buyers
    ordering = np.flatnonzero(rng.random(n_chats) < 0.26)
    n_orders = len(ordering)
    created_s = np.minimum(begin[ordering] + rng.integers(60, 5400, n_orders), 86399)
    created = day0 + (day[ordering] * 86400 + created_s).astype("timedelta64[s]")
    status = rng.choice(np.array(engine.ORDER_STATUSES, dtype=object), n_orders, p=[0.2, 0.35, 0.3, 0.05, 0.05, 0.05])
    paid = created + rng.choice(np.array([20, 60, 300, 3600, 72000, 144000]), n_orders).astype("timedelta64[s]")
    paid_text = pd.Series(np.datetime_as_string(paid, unit="s")).str.replace("T", " ", regex=False)
    unpaid = ((status == "unpaid") | (status == "cancelled")) & (rng.random(n_orders) < 0.8)
    paid_text[unpaid] = ""
    orders = pd.DataFrame(
        {
            "order_id": [f"{order_prefix}{i:08d}" for i in range(n_orders)],
            "buyer": buyer_pool[buyer[ordering]],
            "created_at": pd.Series(np.datetime_as_string(created, unit="s")).str.replace("T", " ", regex=False),
            "paid_at": paid_text,
            "amount": np.round(rng.uniform(29, 399, n_orders), 2),
            "items": rng.choice(np.array([1, 1, 1, 2, 3]), n_orders),
            "status": status,
        }
    )
    return messages, orders


def add_raw_chats(db: sqlite_utils.Database, scale: Scale, project_ids: list[int], started: float) -> tuple[date, date]:
    """Raw chats for the projects, imported with raw_store.import_raw (the app's path); return the days covered."""
    admin = _admin(db)
    teams = live_teams(db)
    end = config.today() - timedelta(days=1)
    start = end - timedelta(days=scale.raw_days - 1)
    per_project = scale.messages // max(1, len(project_ids))
    for index, project_id in enumerate(project_ids):
        rng = np.random.default_rng(SEED + project_id)
        team = [m["sub_account"] for m in teams[project_id]]
        messages, orders = generate_chats(rng, team, start, scale.raw_days, per_project, f"L{project_id}-")
        preview = raw_store.RawPreview(
            messages=messages,
            orders=orders,
            date_from=start,
            date_to=end,
            unknown_agents=[],
            filenames=["large-messages.csv", "large-orders.csv"],
        )
        raw_store.import_raw(db, admin, project_id, preview)
        _log(
            f"raw chats {index + 1}/{len(project_ids)}: project {project_id}, "
            f"{len(messages):,} messages, {len(orders):,} orders",
            started,
        )
    return start, end


# --- summary KPI days (bulk, as the summary import stores them) ------------------------------------------------------


SUMMARY_AGENT_COLUMNS = (
    "consultations",
    "response_30s_rate",
    "avg_response_s",
    "first_response_s",
    "effective_reply_rate",
    "converted",
    "conversion_rate",
    "sales",
    "items",
    "aov",
    "items_per_buyer",
    "satisfaction",
)


def summary_agent_days(rng: np.random.Generator, members: list[dict], days: list[str]) -> pd.DataFrame:
    """Per-agent daily figures as a platform summary gives them (no buyer ids, no wait counts)."""
    grid = [(d, m["sub_account"]) for m in members for d in days if d >= m["from_date"]]
    frame = pd.DataFrame(grid, columns=["day", "agent"])
    n = len(frame)
    skill = (
        frame["agent"].map({m["sub_account"]: rng.uniform(0.8, 1.2) for m in members}).to_numpy(float)
        if n
        else np.zeros(0)
    )
    consultations = rng.poisson(90 * skill)
    conversion = np.clip(rng.normal(0.21, 0.04, n) * skill, 0.02, 0.6)
    converted = rng.binomial(consultations, conversion)
    items = converted + rng.binomial(converted, 0.3)
    sales = np.round(converted * rng.normal(150, 25, n).clip(40), 2)
    frame["consultations"] = consultations
    frame["response_30s_rate"] = np.clip(rng.normal(0.86, 0.05, n) * skill, 0.3, 1.0)
    frame["avg_response_s"] = np.clip(rng.normal(24, 6, n) / skill, 3, 300).round(1)
    frame["first_response_s"] = np.clip(rng.normal(16, 5, n) / skill, 2, 300).round(1)
    frame["effective_reply_rate"] = np.clip(rng.normal(0.96, 0.02, n), 0.5, 1.0)
    frame["converted"] = converted
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["conversion_rate"] = np.where(consultations > 0, converted / np.maximum(consultations, 1), np.nan)
        frame["sales"] = sales
        frame["items"] = items
        frame["aov"] = np.where(converted > 0, sales / np.maximum(converted, 1), np.nan)
        frame["items_per_buyer"] = np.where(converted > 0, items / np.maximum(converted, 1), np.nan)
    frame["satisfaction"] = np.clip(rng.normal(0.95, 0.02, n), 0.6, 1.0)
    return frame


def shop_days_from_agents(frame: pd.DataFrame) -> pd.DataFrame:
    """summary_store.shop_from_agent_summaries for every day at once (the same formula, vectorised)."""
    grouped = frame.groupby("day", sort=True)
    shop = grouped[["consultations", "converted", "items"]].sum().astype(int)
    shop["sales"] = grouped["sales"].sum().round(2)
    shop["conversion_rate"] = np.where(
        shop["consultations"] > 0, shop["converted"] / shop["consultations"].where(shop["consultations"] > 0), np.nan
    )
    shop["aov"] = np.where(
        shop["converted"] > 0, shop["sales"] / shop["converted"].where(shop["converted"] > 0), np.nan
    )
    weights = frame["consultations"].astype(float)
    for column in ("response_30s_rate", "avg_response_s", "first_response_s", "effective_reply_rate", "satisfaction"):
        weighted = (frame[column] * weights).groupby(frame["day"]).sum()
        total = weights.groupby(frame["day"]).sum()
        shop[column] = np.where(total > 0, weighted / total.where(total > 0), frame.groupby("day")[column].mean())
    return shop.reset_index()


def add_summary_days(
    db: sqlite_utils.Database,
    scale: Scale,
    raw_range: tuple[date, date] | None,
    raw_projects: list[int],
    started: float,
) -> int:
    """Every live project's agent days of the year not covered by raw chats, as summary rows; return rows written."""
    admin = _admin(db)
    end = config.today() - timedelta(days=1)
    all_days = [(end - timedelta(days=k)).isoformat() for k in range(scale.kpi_days - 1, -1, -1)]
    stamp = config.now_text()
    settings_json = json.dumps({"source": "summary", "file": SUMMARY_FILE})
    written = 0
    agent_sql = (
        f"INSERT OR IGNORE INTO kpi_agent_daily (project_id, day, agent, {', '.join(SUMMARY_AGENT_COLUMNS)}, "
        f"source, extra, settings, "
        f"import_id, computed_at) VALUES ({', '.join('?' * (len(SUMMARY_AGENT_COLUMNS) + 8))})"
    )
    shop_columns = (
        "consultations",
        "converted",
        "items",
        "sales",
        "conversion_rate",
        "aov",
        "response_30s_rate",
        "avg_response_s",
        "first_response_s",
        "effective_reply_rate",
        "satisfaction",
    )
    shop_sql = (
        f"INSERT OR IGNORE INTO kpi_shop_daily (project_id, day, {', '.join(shop_columns)}, "
        f"source, extra, settings, import_id, "
        f"computed_at) VALUES ({', '.join('?' * (len(shop_columns) + 7))})"
    )
    for project_id, members in live_teams(db).items():
        covered = set()
        existing = {
            r["day"] for r in db.query("SELECT DISTINCT day FROM kpi_shop_daily WHERE project_id = ?", [project_id])
        }
        covered |= existing
        days = [d for d in all_days if d not in covered]
        if not days:
            continue
        rng = np.random.default_rng(SEED + 7 * project_id)
        frame = summary_agent_days(rng, members, days)
        if frame.empty:
            continue
        shop = shop_days_from_agents(frame)
        with write(db):
            import_id = (
                db["kpi_imports"]
                .insert(
                    {
                        "project_id": project_id,
                        "kind": "summary",
                        "filenames": SUMMARY_FILE,
                        "date_from": days[0],
                        "date_to": days[-1],
                        "rows": len(frame),
                        "settings": settings_json,
                        "created_by": admin.id,
                        "created_at": stamp,
                    }
                )
                .last_pk
            )
            tail = ["summary", json.dumps({"dimensions": {}}), settings_json, import_id, stamp]
            values = (
                frame[["day", "agent", *SUMMARY_AGENT_COLUMNS]]
                .astype(object)
                .where(frame[["day", "agent", *SUMMARY_AGENT_COLUMNS]].notna(), None)
            )
            db.conn.executemany(agent_sql, [[project_id, *row, *tail] for row in values.values.tolist()])
            tail = ["summary", json.dumps({"derived_from": "agent summaries"}), settings_json, import_id, stamp]
            values = shop[["day", *shop_columns]].astype(object).where(shop[["day", *shop_columns]].notna(), None)
            db.conn.executemany(shop_sql, [[project_id, *row, *tail] for row in values.values.tolist()])
            audit.record(
                db,
                admin,
                "import",
                "kpi_summary",
                import_id,
                None,
                {"project_id": project_id, "days": len(days), "rows": len(frame), "demo_large": True},
            )
        written += len(frame) + len(shop)
    _log(f"summary KPI days: {written:,} rows", started)
    return written


# --- QA reviews and complaints (bulk) ------------------------------------------------------------------------------


def add_qa_reviews(db: sqlite_utils.Database, scale: Scale, started: float) -> int:
    """scale.qa_reviews scored reviews of the live teams' chats over the year, scored by core.qa.scoring.compute."""
    rng = random.Random(SEED + 1)
    inspector = users.find_by_username(db, "qa")["id"]
    teams = live_teams(db)
    members = [(p, m) for p, team in teams.items() for m in team]
    cards: dict[int, scoring.Card] = {}
    end = config.today() - timedelta(days=1)
    review_sql = """INSERT INTO qa_reviews (kind, project_id, agent_id, scorecard_id, inspector_id, chat_buyer_id,
                    chat_date, transcript, comment, status, base_score, bonus, score, critical_failed, case_type,
                    case_status, created_at, created_by, reviewed_at, updated_at)
                    VALUES ('review',?,?,?,?,?,?,'',?,'scored',?,?,?,?,?,?,?,?,?,?)"""
    done = 0
    while done < scale.qa_reviews:
        batch = min(CHUNK // 4, scale.qa_reviews - done)
        reviews, ratings_of = [], []
        for _ in range(batch):
            project_id, member = rng.choice(members)
            card_id = (
                scorecards.effective_scorecard_id(db, project_id) if project_id not in cards else cards[project_id].id
            )
            card = cards.setdefault(project_id, scorecards.load_card(db, card_id))
            first = max(date.fromisoformat(member["from_date"]), end - timedelta(days=scale.kpi_days - 1))
            chat_day = first + timedelta(days=rng.randrange((end - first).days + 1))
            good = rng.random() > 0.04
            ratings: dict[int, int | None] = {}
            for item in card.items:
                low, high = scoring.SCALES[item.scale]
                if item.kind == "bonus":
                    ratings[item.id] = high if rng.random() < 0.05 else None
                elif item.allow_na and rng.random() < 0.1:
                    ratings[item.id] = None
                else:
                    ratings[item.id] = rng.choice((high, high, high - 1 if high > low else high)) if good else low
            result = scoring.compute(card, ratings)
            stamp = (
                f"{(chat_day + timedelta(days=1)).isoformat()} {rng.randrange(9, 18):02d}:{rng.randrange(60):02d}:00"
            )
            case_type = (
                "problem"
                if result.score < 60 and rng.random() < 0.5
                else ("excellent" if result.score >= 99 and rng.random() < 0.01 else None)
            )
            reviews.append(
                (
                    project_id,
                    member["agent_id"],
                    card.id,
                    inspector,
                    f"buyer{rng.randrange(10**6):06d}",
                    chat_day.isoformat(),
                    "",
                    result.base,
                    result.bonus,
                    result.score,
                    int(bool(result.critical_failed)),
                    case_type,
                    "discussed"
                    if case_type and chat_day < end - timedelta(days=14)
                    else ("to_discuss" if case_type else None),
                    stamp,
                    inspector,
                    stamp,
                    stamp,
                )
            )
            ratings_of.append((card, result, ratings, stamp))
        with write(db):
            first_id = (db.execute("SELECT COALESCE(MAX(id), 0) FROM qa_reviews").fetchone()[0]) + 1
            db.conn.executemany(review_sql, reviews)
            items, history = [], []
            for offset, (card, result, ratings, stamp) in enumerate(ratings_of):
                review_id = first_id + offset
                for item in card.items:
                    score = result.item_scores[item.id]
                    items.append((review_id, item.id, ratings.get(item.id), None if score is None else round(score, 4)))
                history.append(
                    (
                        review_id,
                        stamp,
                        inspector,
                        "scored",
                        result.score,
                        int(bool(result.critical_failed)),
                        json.dumps({str(k): v for k, v in ratings.items()}, sort_keys=True),
                        "",
                    )
                )
            db.conn.executemany(
                "INSERT INTO qa_review_items (review_id, item_id, rating, score) VALUES (?,?,?,?)", items
            )
            db.conn.executemany(
                "INSERT INTO qa_review_history (review_id, at, by, event, score, critical_failed, ratings, note) "
                "VALUES (?,?,?,?,?,?,?,?)",
                history,
            )
            audit.record(
                db,
                _admin(db),
                "bulk_create",
                "qa_review",
                f"{first_id}-{first_id + batch - 1}",
                None,
                {"reviews": batch, "demo_large": True},
            )
        done += batch
    _log(f"QA reviews: {done:,}", started)
    return done


def add_complaints(db: sqlite_utils.Database, scale: Scale, started: float) -> int:
    """scale.complaints complaints over the year, numbered per day; old ones resolved and closed."""
    rng = random.Random(SEED + 2)
    admin = _admin(db)
    projects = [p for p in live_teams(db)]
    managers = {r["id"]: r["manager_id"] for r in db.query("SELECT id, manager_id FROM projects")}
    end = config.now().replace(microsecond=0, tzinfo=None)
    per_day: dict[date, int] = {}
    logged_times = sorted(
        end - timedelta(seconds=rng.randrange(scale.kpi_days * 86400)) for _ in range(scale.complaints)
    )
    counters = {r["day"]: r["last"] for r in db.query("SELECT day, last FROM complaint_counters")}
    rows_, events_meta = [], []
    for logged in logged_times:
        day = logged.date()
        sequence = max(per_day.get(day, 0), counters.get(day.isoformat(), 0)) + 1
        per_day[day] = sequence
        project_id = rng.choice(projects)
        severity = rng.choice(complaints.SEVERITIES)
        category = rng.choice(("product_quality", "logistics", "refund", "other", "logistics", "product_quality"))
        promised = complaints.default_promise(severity, logged)
        age = (end - logged).days
        status = (
            "closed"
            if age > 14
            else ("resolved" if age > 4 else rng.choice(("new", "in_progress", "escalated", "resolved")))
        )
        resolved = logged + timedelta(hours=rng.randrange(2, 60)) if status in ("resolved", "closed") else None
        closed = resolved + timedelta(days=1) if status == "closed" else None
        text = complaints._text
        rows_.append(
            (
                complaints.format_number(day, sequence),
                project_id,
                rng.choice(complaints.CHANNELS),
                f"buyer{rng.randrange(10**6):06d}",
                f"D{rng.randrange(10**10):010d}",
                category,
                "顾客反映的问题（演示数据）",
                severity,
                status,
                text(promised),
                managers[project_id] if status == "escalated" else None,
                admin.id,
                text(logged),
                text(resolved) if resolved else None,
                text(closed) if closed else None,
                text(closed or resolved or logged),
            )
        )
        events_meta.append(
            (status, text(logged), text(resolved) if resolved else None, text(closed) if closed else None)
        )
    with write(db):
        first_id = db.execute("SELECT COALESCE(MAX(id), 0) FROM complaints").fetchone()[0] + 1
        db.conn.executemany(
            """INSERT INTO complaints (number, project_id, channel, buyer_id, order_no, category, description, severity,
                               concerns_agent, status, promised_at, assignee_id, logged_by, logged_at, resolved_at,
                               closed_at, updated_at)
                               VALUES (?,?,?,?,?,?,?,?,0,?,?,?,?,?,?,?,?)""",
            rows_,
        )
        events = []
        for offset, (status, logged, resolved, closed) in enumerate(events_meta):
            complaint_id = first_id + offset
            events.append((complaint_id, logged, admin.id, "log", None, "new", ""))
            if status in ("in_progress", "resolved", "closed"):
                events.append((complaint_id, logged, admin.id, "start", "new", "in_progress", ""))
            if status == "escalated":
                events.append((complaint_id, logged, admin.id, "escalate", "new", "escalated", ""))
            if status in ("resolved", "closed"):
                events.append(
                    (complaint_id, resolved, admin.id, "resolve", "in_progress", "resolved", "已处理（演示数据）")
                )
            if status == "closed":
                events.append((complaint_id, closed, admin.id, "close", "resolved", "closed", ""))
        db.conn.executemany(
            "INSERT INTO complaint_events (complaint_id, at, by, action, from_status, to_status, note) "
            "VALUES (?,?,?,?,?,?,?)",
            events,
        )
        db.conn.executemany(
            "INSERT INTO complaint_counters (day, last) VALUES (?, ?) "
            "ON CONFLICT(day) DO UPDATE SET last = excluded.last",
            [(d.isoformat(), n) for d, n in per_day.items()],
        )
        audit.record(
            db,
            admin,
            "bulk_create",
            "complaint",
            f"{first_id}-{first_id + len(rows_) - 1}",
            None,
            {"complaints": len(rows_), "demo_large": True},
        )
    _log(f"complaints: {len(rows_):,}", started)
    return len(rows_)


# --- pay runs (through core.salary.payrun) ---------------------------------------------------------------------------


def add_pay_runs(db: sqlite_utils.Database, scale: Scale, started: float) -> int:
    """Run (and approve, when over) every month of the last scale.pay_months without a run."""
    admin = _admin(db)
    from demo import salary as demo_salary

    months = [demo_salary.demo_months(config.today())[-1]]  # the demo's newest run (the current month from its 15th on)
    for _ in range(scale.pay_months - 1):
        months.insert(0, previous_month(months[0]))
    have = {r["month"] for r in db.query("SELECT month FROM pay_runs")}
    standard = db.execute("SELECT id FROM salary_schemes ORDER BY id LIMIT 1").fetchone()
    first_day = month_bounds(months[0])[0]
    if (
        standard
        and not db.execute(
            "SELECT 1 FROM salary_scheme_assignments WHERE project_id IS NULL AND agent_id IS NULL AND from_date <= ?",
            [first_day.isoformat()],
        ).fetchone()
    ):
        schemes.assign(db, admin, standard[0], first_day)  # the company scheme, from the first month of the year
    made = 0
    for month in months:
        if month in have:
            continue
        run_id = payrun.run_month(db, admin, month)
        if month_bounds(month)[1] < config.today():
            payrun.approve_run(db, admin, run_id)
        made += 1
        _log(f"pay run {month}", started)
    return made


# --- the whole firm -----------------------------------------------------------------------------------------------


def build(db: sqlite_utils.Database, scale: Scale = Scale(), quiet: bool = False) -> dict[str, Any]:
    """Seed the demo firm (if empty) and grow it to `scale`; return the logins (if seeded) and the counts."""
    from demo import firm

    started = time.perf_counter()
    log = (lambda m: None) if quiet else (lambda m: _log(m, started))
    logins = firm.seed(db) if not db["users"].count else []
    log("demo firm seeded")
    rng = random.Random(SEED)
    new_live = add_firm(db, scale, rng)
    log(f"firm: {db['merchants'].count} merchants, {db['projects'].count} projects, {db['agents'].count} agents")
    raw_projects = new_live[: scale.raw_projects]
    raw_range = add_raw_chats(db, scale, raw_projects, started) if raw_projects else None
    add_summary_days(db, scale, raw_range, raw_projects, started)
    add_qa_reviews(db, scale, started)
    add_complaints(db, scale, started)
    add_pay_runs(db, scale, started)
    counts = {
        table: db[table].count
        for table in (
            "merchants",
            "projects",
            "agents",
            "chat_messages",
            "chat_orders",
            "kpi_agent_daily",
            "kpi_shop_daily",
            "qa_reviews",
            "complaints",
            "pay_runs",
            "pay_statements",
            "audit_log",
        )
    }
    log("done: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return {"logins": logins, "counts": counts, "seconds": time.perf_counter() - started}


def default_path() -> Path:
    """APP_DB when set, else data/large.db (the everyday data/app.db is never overwritten by default)."""
    return Path(os.environ["APP_DB"]) if os.environ.get("APP_DB") else config.db_path().with_name("large.db")


def write_logins(path: Path, logins: list[tuple[str, str, str]]) -> Path:
    """`role username password` lines in <db name>-logins.txt next to the database, owner-readable only.

    Not data/demo-logins.txt: that one belongs to the everyday demo database in the same folder.
    """
    target = path.with_name(f"{path.stem}-logins.txt")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        for role, username, password in logins:
            handle.write(f"{role} {username} {password}\n")
    os.chmod(target, 0o600)
    return target


def main(argv: list[str] | None = None) -> int:
    """Command line: build the large firm into a fresh database file."""
    parser = argparse.ArgumentParser(prog="python -m demo.large", description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database file (default: APP_DB, else data/large.db); replaced")
    parser.add_argument("--tiny", action="store_true", help="a tiny firm (seconds), for trying it out")
    args = parser.parse_args(argv)
    path = Path(args.db) if args.db else default_path()
    os.environ["APP_DB"] = str(path)  # uploads and the logins file go next to it
    for suffix in ("", "-wal", "-shm"):
        target = path.with_name(path.name + suffix)
        if target.exists():
            target.unlink()
    db = open_store(path)
    result = build(db, TINY if args.tiny else Scale())
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("ANALYZE")
    db.close()
    if result["logins"]:
        file = write_logins(path, result["logins"])
        print("demo logins (role username password), also in", file)
        for line in result["logins"]:
            print("  ", *line)
    size = path.stat().st_size
    print(f"{path}: {size / 2**20:,.0f} MB, built in {result['seconds']:.0f} s")
    print(f"start it: APP_DB={path} .venv/bin/streamlit run Home.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
