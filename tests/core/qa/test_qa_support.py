"""Shared setup of the QA, complaint and register tests: a small firm with two projects and their teams.

This module holds no tests; the test modules import `firm` (a fixture) from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
import sqlite_utils

from core.accounts import users
from core.agents import directory
from core.kernel import config
from core.kernel.permissions import Actor
from core.projects import merchants
from core.qa import reviews, scorecards, scoring

MERCHANT = {
    "name": "优品家居",
    "platform": "tmall",
    "category": "家居",
    "current_presales_agents": 2,
    "avg_daily_inquiries": 1500,
    "promotion_frequency": "monthly",
}


@dataclass
class Firm:
    db: sqlite_utils.Database
    admin: Actor
    qa: Actor
    qa2: Actor
    manager: Actor
    trainer: Actor
    agent_user: Actor
    other_agent_user: Actor
    merchant: Actor
    merchant2: Actor
    project: int
    other_project: int
    agent: int  # linked to agent_user, on `project`
    agent_b: int  # on `project`
    agent_c: int  # on `other_project`, linked to other_agent_user


def _user(db, admin, username: str, role: str, merchant_id: int | None = None) -> Actor:
    user_id = users.create_user(db, admin, username, username.upper(), role, "password-123", merchant_id)
    return users.actor_from_row(users.get_user(db, user_id))


@pytest.fixture
def firm(fresh_db, admin) -> Firm:
    db = fresh_db
    m1 = merchants.create_merchant(db, admin, MERCHANT)
    m2 = merchants.create_merchant(db, admin, {**MERCHANT, "name": "鲜果坊", "platform": "pinduoduo"})
    manager = _user(db, admin, "mgr", "manager")
    p1 = merchants.create_project(db, admin, m1, "售前", manager.id)
    p2 = merchants.create_project(db, admin, m2, "售前", manager.id)
    agent_user = _user(db, admin, "xiaomei", "agent")
    other_agent_user = _user(db, admin, "ajie", "agent")
    start = config.today() - timedelta(days=60)
    a = directory.create_agent(
        db, admin, {"name": "小美", "employee_no": "KF1", "status": "online", "user_id": agent_user.id}
    )
    b = directory.create_agent(db, admin, {"name": "老王", "employee_no": "KF2", "status": "online"})
    c = directory.create_agent(
        db, admin, {"name": "阿杰", "employee_no": "KF3", "status": "online", "user_id": other_agent_user.id}
    )
    directory.assign(db, admin, p1, a, "online", "day", start, "优品:小美")
    directory.assign(db, admin, p1, b, "online", "night", start, "优品:老王")
    directory.assign(db, admin, p2, c, "online", "day", start, "鲜果:阿杰")
    return Firm(
        db=db,
        admin=admin,
        qa=_user(db, admin, "inspector", "qa"),
        qa2=_user(db, admin, "inspector2", "qa"),
        manager=manager,
        trainer=_user(db, admin, "coach", "trainer"),
        agent_user=agent_user,
        other_agent_user=other_agent_user,
        merchant=_user(db, admin, "shop", "merchant", m1),
        merchant2=_user(db, admin, "shop2", "merchant", m2),
        project=p1,
        other_project=p2,
        agent=a,
        agent_b=b,
        agent_c=c,
    )


def default_card(db) -> scoring.Card:
    return scorecards.load_card(db, scorecards.default_scorecard_id(db))


def best(card: scoring.Card, **changes: int | None) -> dict[int, int | None]:
    """Top ratings on every standard item (bonus not awarded), then the changes by item name."""
    ratings = {i.id: (scoring.SCALES[i.scale][1] if i.kind == "standard" else None) for i in card.items}
    by_name = {i.name: i.id for i in card.items}
    for name, value in changes.items():
        ratings[by_name[name]] = value
    return ratings


def item_id(card: scoring.Card, name: str) -> int:
    return next(i.id for i in card.items if i.name == name)


def review(
    f: Firm,
    ratings: dict,
    agent: int | None = None,
    day: date | None = None,
    who: Actor | None = None,
    now: datetime | None = None,
    **data,
) -> int:
    """Record a review of a chat of `day` (default yesterday) on the firm's project."""
    return reviews.record_review(
        f.db,
        who or f.qa,
        {
            "project_id": data.pop("project_id", f.project),
            "agent_id": agent or f.agent,
            "chat_buyer_id": data.pop("chat_buyer_id", "tb_buyer"),
            "chat_date": day or config.today() - timedelta(days=1),
            **data,
        },
        ratings,
        now=now,
    )
