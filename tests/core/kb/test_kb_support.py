"""Builders shared by the knowledge-base, quick-phrase and memo tests: two shops, their people, a small corpus."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlite_utils

from core.accounts import users
from core.agents import directory
from core.kernel import config
from core.kernel.permissions import Actor
from core.projects import merchants


@dataclass
class World:
    db: sqlite_utils.Database
    admin: Actor
    manager: Actor
    trainer: Actor
    qa: Actor
    agent: Actor  # on the team of `project`
    agent2: Actor  # on the team of `other`
    merchant: Actor  # owns `project`
    merchant_b: Actor  # owns `other`
    project: int
    other: int


def _user(db, admin: Actor, username: str, role: str, merchant_id: int | None = None) -> Actor:
    user_id = users.create_user(db, admin, username, username, role, "password-123", merchant_id)
    return users.actor_from_row(users.get_user(db, user_id))


def build_world(db, admin: Actor) -> World:
    shop_a = merchants.create_merchant(db, admin, {"name": "优品家居", "platform": "tmall"})
    shop_b = merchants.create_merchant(db, admin, {"name": "美妆小铺", "platform": "douyin"})
    project = merchants.create_project(db, admin, shop_a, "售前")
    other = merchants.create_project(db, admin, shop_b, "售前")
    agent, agent2 = _user(db, admin, "xiaomei", "agent"), _user(db, admin, "ajie", "agent")
    start = config.today() - timedelta(days=30)
    for index, (login, project_id) in enumerate(((agent, project), (agent2, other))):
        agent_id = directory.create_agent(
            db, admin, {"name": login.username, "employee_no": f"T{index}", "status": "online", "user_id": login.id}
        )
        directory.assign(db, admin, project_id, agent_id, "online", "day", start)
    return World(
        db=db,
        admin=admin,
        manager=_user(db, admin, "wang", "manager"),
        trainer=_user(db, admin, "li", "trainer"),
        qa=_user(db, admin, "zhao", "qa"),
        agent=agent,
        agent2=agent2,
        merchant=_user(db, admin, "shop_a", "merchant", shop_a),
        merchant_b=_user(db, admin, "shop_b", "merchant", shop_b),
        project=project,
        other=other,
    )


@pytest.fixture
def world(fresh_db, admin) -> World:
    return build_world(fresh_db, admin)


# A small corpus of a home-goods shop, as agents would search it
CORPUS = (
    (
        "发货时间说明",
        "logistics",
        "发货,物流",
        "现货商品付款后48小时内发货；预售商品按页面标注时间发货。每天16:00前付款当天发出。",
    ),
    (
        "退换货政策",
        "after_sales",
        "退换货",
        "签收后7天内支持无理由退换货。已发货的订单如需取消，请买家拒收，退回后退款。",
    ),
    ("店铺优惠券使用规则", "promotions", "优惠券,满减", "店铺券满199减20，与跨店满减可叠加，与店铺其他券不可叠加。"),
    ("四件套尺码怎么选", "product", "尺码,床品", "1.5米床选200×230cm被套，1.8米床选220×240cm被套。"),
    ("发票开具说明", "policy", "发票", "开具电子普通发票，确认收货后在订单详情申请，1-3个工作日开出。"),
    ("快递与运费", "logistics", "快递,运费", "默认中通快递，全国包邮，偏远地区补运费15元。发货后可联系快递改派。"),
    ("双11活动规则", "promotions", "大促,预售", "双11预售定金不退，尾款11月1日支付，活动商品按页面时间发货。"),
)


def write_corpus(w: World, project_id: int | None = None) -> dict[str, int]:
    from core.kb import articles

    ids = {}
    for title, category, tags, body in CORPUS:
        ids[title] = articles.create_article(
            w.db, w.manager, project_id or w.project, {"title": title, "category": category, "tags": tags, "body": body}
        )
    return ids
