"""Deterministic demo data, so a newcomer can log in as every role and see a working firm.

`python -m demo` seeds an empty database (and does nothing to one that has users);
`--reset` deletes the database first. One account per role is created with a random password;
the logins are printed and written to data/demo-logins.txt (owner-readable only).
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

import sqlite_utils

from core.accounts import users
from core.agents import directory
from core.bootstrap import open_store
from core.golive import gate
from core.kernel import config, workdays
from core.kernel.permissions import Actor
from core.projects import faq, merchants
from core.projects import order_confirmation as oc

DEMO_USERS = (
    ("admin", "admin", "陈总监"),
    ("manager", "manager", "王经理"),
    ("trainer", "trainer", "李培训"),
    ("qa", "qa", "赵质检"),
    ("agent", "agent", "小美"),
    ("merchant", "merchant", "优品家居-张总"),
)

DEMO_MERCHANTS = (
    # name, platform, shop, category, contact, presales, inquiries, promo, target project status
    ("优品家居旗舰店", "tmall", "优品家居官方旗舰店", "家居日用", "张先生", 3, 1800, "monthly", "live"),
    ("鲜果坊", "pinduoduo", "鲜果坊水果店", "生鲜水果", "刘女士", 1, 2600, "weekly", "training"),
    ("潮流服饰", "taobao", "潮流服饰馆", "女装", "陈小姐", 2, 1200, "biweekly", "signed"),
    ("数码先锋", "jd", "数码先锋自营店", "3C数码", "周先生", 4, 900, "big_sales_only", "negotiating"),
    ("美妆小铺", "douyin", "美妆小铺直播间", "美妆个护", "吴女士", 0, 3200, "weekly", "live"),
    ("宠物乐园", "taobao", "宠物乐园", "宠物用品", "郑先生", 1, 700, "monthly", "paused"),
)
PATHS = {
    "negotiating": (),
    "signed": ("signed",),
    "training": ("signed", "training"),
    "live": ("signed", "training", "live"),
    "paused": ("signed", "training", "live", "paused"),
}
ANSWERS = (
    "页面能拍的都有现货，48小时内发货。",
    "最多可优惠5元或赠送小样，超过请转主管。",
    "非质量问题换货，我们承担寄回的一程运费。",
    "可以，先给顾客5-20元优惠券处理，最多20元。",
    "增值税普通发票，随货寄出；补寄运费由店铺承担。",
    "有收据，可以与发票同寄。",
    "每单附发货清单。",
    "7天无理由退换，假一赔三。",
    "发货后不能更换快递，可以联系快递改派。",
    "有好评返现，确认收货好评后返3元红包。",
    "有赠品，每单1份，不可多送。",
)


def _confirmation(merchant: tuple, agents: int, day_offset: int) -> dict:
    today = config.today()
    golive = workdays.add_working_days(today, 5 + day_offset)
    return {
        **oc.default_data(merchant[1]),
        "company_name": merchant[0] + "有限公司",
        "contact_name": merchant[4],
        "contact_phone": "13800000000",
        "service_type": "both" if agents > 4 else "presales",
        "agents_required": agents,
        "liaison": merchant[4],
        "target_daily_inquiries": merchant[6] // 15,
        "target_first_response_s": 20,
        "target_avg_response_s": 30,
        "target_response_30s_rate": 0.80,
        "target_conversion_rate": 0.22,
        "target_aov": 150.0,
        "target_satisfaction": 0.95,
        "materials_submitted": True,
        "materials_complete": day_offset % 2 == 0,
        "materials_missing": "" if day_offset % 2 == 0 else "售后政策、活动规则",
        "materials_due_date": (today + timedelta(days=3)).isoformat(),
        "trainer": "us",
        "examiner": "both" if day_offset % 2 else "us",
        "training_requirements": "重点培训退换货话术",
        "golive_requested_date": golive.isoformat(),
        "golive_committed_date": golive.isoformat(),
        "qa_standard": "ours",
        "other_requests": "",
    }


def seed(db: sqlite_utils.Database) -> list[tuple[str, str, str]]:
    """Fill an empty database with the demo firm; return the (role, username, password) logins."""
    logins: list[tuple[str, str, str]] = []
    ids: dict[str, int] = {}
    for role, username, name in DEMO_USERS:
        if role == "merchant":
            continue
        password = users.generate_password()
        ids[role] = users.create_user(db, None, username, name, role, password)
        logins.append((role, username, password))
    admin = Actor(id=ids["admin"], username="admin", role="admin", display_name="陈总监")
    manager = Actor(id=ids["manager"], username="manager", role="manager", display_name="王经理")
    merchant_ids = []
    for index, m in enumerate(DEMO_MERCHANTS):
        merchant_id = merchants.create_merchant(
            db,
            admin,
            {
                "name": m[0],
                "platform": m[1],
                "shop_name": m[2],
                "category": m[3],
                "contact_name": m[4],
                "contact_phone": "13800000000",
                "current_presales_agents": m[5],
                "avg_daily_inquiries": m[6],
                "promotion_frequency": m[7],
                "notes": "",
            },
        )
        merchant_ids.append(merchant_id)
        project_id = merchants.create_project(db, admin, merchant_id, f"{m[0]}-售前客服", ids["manager"])
        agents = max(2, m[6] // 300)
        data = _confirmation(m, agents, index)
        if m[8] == "negotiating":
            oc.save_draft(db, manager, project_id, {**data, "golive_committed_date": None, "target_aov": None})
        else:
            oc.confirm(db, manager, project_id, data)
            if index == 0:  # a second version, so "compare versions" has something to show
                oc.confirm(
                    db, manager, project_id, {**data, "agents_required": agents + 2, "target_conversion_rate": 0.28}
                )
            if index == 2:  # a confirmed version with a newer draft on top
                oc.save_draft(db, manager, project_id, {**data, "target_daily_inquiries": m[6] + 300})
        for status in PATHS[m[8]]:
            if status == "live":  # before the app, these shops were already live: the director's override
                gate.go_live(db, admin, project_id, "演示数据：系统启用前已上线")
            else:
                gate.change_status(db, manager, project_id, status, "演示数据")
        items = faq.list_items(db, manager, project_id)
        answered = len(ANSWERS) if index % 2 == 0 else 6
        faq.save_items(
            db,
            manager,
            project_id,
            [
                {"id": item["id"], "question": item["question"], "answer": ANSWERS[i] if i < answered else ""}
                for i, item in enumerate(items)
            ]
            + ([{"question": "支持7天无理由退货吗", "answer": "支持，需保持商品完好。"}] if index == 0 else []),
        )
    password = users.generate_password()
    users.create_user(db, None, "merchant", DEMO_USERS[-1][2], "merchant", password, merchant_ids[0])
    logins.append(("merchant", "merchant", password))
    password = users.generate_password()
    users.create_user(db, None, "merchant2", "鲜果坊-刘女士", "merchant", password, merchant_ids[1])
    logins.append(("merchant", "merchant2", password))
    seed_roster(db, admin, ids["agent"])
    # capability seeds (each adds its own demo data; keep this order)
    from demo import kb, kpi, qa, salary  # late: each builds on what is above
    from demo import team as demo_team

    kpi.seed(db, admin)  # -- kpi seed --
    demo_team.seed(db, admin)  # -- team & training seed --
    qa.seed(db, admin)  # -- qa & complaints seed --
    salary.seed(db, admin)  # -- salary seed --: pays for the kpi, team and qa data
    kb.seed(db, admin)  # -- knowledge base seed --
    from demo import schedule  # noqa: E402

    schedule.seed(db, admin)  # -- scheduling seed --
    from demo import billing

    billing.seed(db, admin)  # -- billing seed --
    from demo import reconcile

    reconcile.seed(db, admin)  # -- reconciliation seed --: the platform's figures of the last days
    from demo import delivery

    delivery.seed(db, admin)  # -- push delivery seed --: example channels, switched off
    return logins


DEMO_AGENTS = (
    "小美",
    "阿杰",
    "Amy",
    "晓晓",
    "老王",
    "bob",
    "cc",
    "小雨",
    "阿丽",
    "大伟",
    "静静",
    "小林",
    "阿峰",
    "婷婷",
)


def seed_roster(db: sqlite_utils.Database, admin: Actor, agent_user_id: int) -> None:
    """Fourteen agents; the two live projects get teams of online agents and reserves."""
    start = config.today() - timedelta(days=120)
    live = [p for p in merchants.list_projects(db, admin) if p["status"] == "live"]
    for index, name in enumerate(DEMO_AGENTS):
        status = "online" if index < 10 else ("reserve" if index < 12 else "training")
        agent_id = directory.create_agent(
            db,
            admin,
            {
                "name": name,
                "employee_no": f"KF{index + 1:04d}",
                "phone": f"1390000{index:04d}",
                "skills": "售前,售后" if index % 3 == 0 else "售前",
                "status": status,
                "base_salary": 3500 + 100 * (index % 5),
                "user_id": agent_user_id if index == 0 else None,
            },
        )
        if index < 12:
            project = live[0] if index % 2 == 0 else live[1]
            prefix = project["merchant_name"][:4]
            directory.assign(
                db,
                admin,
                project["id"],
                agent_id,
                "online" if index < 10 else "reserve",
                "day" if index % 4 < 2 else "night",
                start,
                f"{prefix}:{name}",
            )


def main(argv: list[str] | None = None) -> int:
    """Command line: seed the demo firm into APP_DB (or data/app.db)."""
    parser = argparse.ArgumentParser(prog="python -m demo", description="Seed deterministic demo data.")
    parser.add_argument("--reset", action="store_true", help="delete the database first")
    args = parser.parse_args(argv)
    path = config.db_path()
    if args.reset:
        for suffix in ("", "-wal", "-shm"):
            target = path.with_name(path.name + suffix)
            if target.exists():
                target.unlink()
    db = open_store(path)
    if db["users"].count:
        print(f"database {path} already has users: demo data not seeded (make reset-demo rebuilds it)")
        return 0
    logins = seed(db)
    file = users.write_logins_file(logins)
    print("demo logins (role username password), also in", file)
    for line in logins:
        print("  ", *line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
