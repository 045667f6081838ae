"""Demo data of salary and performance: schemes, three months of attendance and pay runs, the last one a draft.

Deterministic (one seeded random.Random), relative to `config.today()`, written through the core
functions so it obeys every rule it shows. The months are the current one (a draft, from the
15th on; before that the previous one) and the two before it, which are approved; the oldest was
reopened once by the director to correct attendance, so its history shows the whole cycle.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import sqlite_utils

from core.accounts import users
from core.kernel import config
from core.kernel.months import month_bounds, month_of, previous_month
from core.kernel.permissions import Actor
from core.projects import merchants
from core.salary import attendance, payrun, schemes

SEED = 6
LATE_RATE, ABSENT_RATE, LEAVE_RATE = 0.03, 0.008, 0.01


def demo_months(today: date) -> list[str]:
    """The three months of demo runs, oldest first; the last is the current month from its 15th on."""
    last = today.replace(day=1) if today.day >= 15 else (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    months = [month_of(last)]
    for _ in range(2):
        months.insert(0, previous_month(months[0]))
    return months


def _actor(db: sqlite_utils.Database, username: str, fallback: Actor) -> Actor:
    row = users.find_by_username(db, username)
    return users.actor_from_row(row) if row else fallback


def _attendance(db: sqlite_utils.Database, manager: Actor, rng: random.Random, start: date, end: date) -> None:
    """The schedule filled in, then a few late arrivals, absences and leave days as a supervisor marks them."""
    attendance.fill_schedule(db, manager, start, end)
    changes: dict[int, list[dict]] = {}
    for row in db.query(
        "SELECT agent_id, day, shift FROM attendance WHERE day BETWEEN ? AND ? AND status = 'present' "
        "ORDER BY agent_id, day",
        [start.isoformat(), end.isoformat()],
    ):
        draw = rng.random()
        if draw < LATE_RATE:
            begin = attendance.SHIFTS[row["shift"]][0]
            minutes = begin.hour * 60 + begin.minute + rng.randrange(3, 25)
            changes.setdefault(row["agent_id"], []).append(
                {
                    "day": row["day"],
                    "shift": row["shift"],
                    "status": "late",
                    "check_in": f"{minutes // 60:02d}:{minutes % 60:02d}",
                    "note": "",
                }
            )
        elif draw < LATE_RATE + ABSENT_RATE:
            changes.setdefault(row["agent_id"], []).append(
                {"day": row["day"], "shift": row["shift"], "status": "absent", "note": "未请假未到岗"}
            )
        elif draw < LATE_RATE + ABSENT_RATE + LEAVE_RATE:
            changes.setdefault(row["agent_id"], []).append(
                {"day": row["day"], "shift": row["shift"], "status": "leave", "note": "事假"}
            )
    for agent_id, records in changes.items():
        attendance.save_days(db, manager, agent_id, records)


def seed(db: sqlite_utils.Database, admin: Actor) -> None:
    """Schemes for the company and the beauty shop, attendance, and the three monthly runs."""
    rng = random.Random(SEED)
    manager = _actor(db, "manager", admin)
    today = config.today()
    months = demo_months(today)
    first_day = month_bounds(months[0])[0]

    standard = schemes.create_scheme(
        db,
        manager,
        "标准方案（行业惯例）",
        schemes.default_scheme(),
        "底薪+业绩提成+KPI绩效：目标完成率30%、询单转化率20%、客单价20%、回复率20%、响应时长5%、出勤5%",
    )
    schemes.assign(db, manager, standard, first_day - timedelta(days=92))
    beauty = schemes.default_scheme() | {
        "commission_tiers": [{"from": 0, "rate": 0.005}, {"from": 50000, "rate": 0.01}],
        "performance_amount": 1200.0,
        "bonus_gold": 300.0,
        "bonus_silver": 150.0,
        "deduction_cap": 500.0,
        "kpis": [
            {**item, "target": 60000.0} if item["kpi"] == "sales" else item for item in schemes.default_scheme()["kpis"]
        ],
    }
    beauty_id = schemes.create_scheme(
        db, manager, "美妆小铺方案", beauty, "大促店铺：5万以上提成1%，等级奖金，扣款封顶500元"
    )
    for project in merchants.list_projects(db, admin, status="live"):
        if project["merchant_name"].startswith("美妆"):
            schemes.assign(db, manager, beauty_id, first_day, project_id=project["id"])

    _attendance(db, manager, rng, first_day, today - timedelta(days=1))
    for month in months:
        payrun.run_month(db, manager, month)
    runs = {r["month"]: r["id"] for r in payrun.list_runs(db, manager)}
    payrun.approve_run(db, manager, runs[months[0]])
    start, end = month_bounds(months[0])
    absent = next(
        iter(
            db.query(
                "SELECT agent_id, day, shift FROM attendance WHERE status = 'absent' AND day BETWEEN ? AND ? "
                "ORDER BY day, agent_id",
                [start.isoformat(), end.isoformat()],
            )
        ),
        None,
    )
    payrun.reopen_run(db, admin, runs[months[0]], "客服补交请假条：缺勤改为请假后重新核算")
    if absent:
        attendance.save_days(
            db,
            manager,
            absent["agent_id"],
            [{"day": absent["day"], "shift": absent["shift"], "status": "leave", "note": "补交请假条"}],
        )
    payrun.run_month(db, manager, months[0])
    payrun.approve_run(db, manager, runs[months[0]])
    payrun.approve_run(db, manager, runs[months[1]])
