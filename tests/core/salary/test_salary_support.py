"""Shared setup of the salary tests: a small firm paid for September 2026 (30 days), with hand-checkable inputs.

This module holds no tests; the test modules import `payfirm` (a fixture) and the builders from it.

The firm: project P1 (targets from its order confirmation: conversion 25 %, AOV 100, 30-second
rate 80 %, average response 30 s) and project P2 (conversion 20 %, AOV 200). The company scheme
"simple" pays the roster base, commission 0.5 % up to 100 000 and 0.8 % above, and a performance
amount of 1 000 scored on sales (monthly target 90 000, weight 50 %, linear) and average response
time (order confirmation's 30 s, weight 50 %, linear); deductions 50 per complaint, 100 per
critical failure, 100 per absence, 20 per late arrival; a gold bonus of 200.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import sqlite_utils

from core.accounts import users
from core.agents import directory
from core.kernel.permissions import Actor
from core.projects import merchants
from core.projects import order_confirmation as oc
from core.salary import payrun, schemes
from core.salary.statement import compute_month

MONTH = "2026-09"
START, END = date(2026, 9, 1), date(2026, 9, 30)


@dataclass
class PayFirm:
    db: sqlite_utils.Database
    admin: Actor
    manager: Actor
    trainer: Actor
    merchant: Actor
    agent_user: Actor  # linked to agent a
    other_agent_user: Actor  # linked to agent b
    p1: int
    p2: int
    a: int  # on P1 all month, base 3000
    b: int  # on P1 to 09-10, then P2; base 3000
    simple: int  # the company scheme


def user(db, admin: Actor, username: str, role: str, merchant_id: int | None = None) -> Actor:
    user_id = users.create_user(db, admin, username, username.upper(), role, "password-123", merchant_id)
    return users.actor_from_row(users.get_user(db, user_id))


def project(db, admin: Actor, name: str, targets: dict[str, Any] | None) -> tuple[int, int]:
    merchant_id = merchants.create_merchant(db, admin, {"name": name, "platform": "tmall"})
    project_id = merchants.create_project(db, admin, merchant_id, "售前")
    if targets is not None:
        data = {
            **oc.default_data("tmall"),
            "company_name": name + "有限公司",
            "contact_name": "张",
            "contact_phone": "13800000000",
            "liaison": "张",
            "agents_required": 2,
            "target_daily_inquiries": 100,
            "target_first_response_s": 10,
            "target_satisfaction": 0.95,
            "materials_submitted": True,
            "materials_complete": True,
            "golive_committed_date": "2026-08-01",
            **targets,
        }
        oc.confirm(db, admin, project_id, data, today=date(2026, 7, 1))
    return merchant_id, project_id


def simple_scheme(**changes: Any) -> dict[str, Any]:
    data = schemes.default_scheme() | {
        "commission_mode": "tiers",
        "commission_tiers": [{"from": 0, "rate": 0.005}, {"from": 100000, "rate": 0.008}],
        "performance_amount": 1000.0,
        "achievement_cap": 1.2,
        "kpis": [
            {"kpi": "sales", "weight": 0.5, "target": 90000.0, "scoring": "linear"},
            {"kpi": "avg_response_s", "weight": 0.5, "target": None, "scoring": "linear"},
        ],
        "bonus_gold": 200.0,
        "bonus_silver": 0.0,
        "bonus_bronze": 0.0,
        "deduct_complaint": 50.0,
        "deduct_critical": 100.0,
        "deduct_absence": 100.0,
        "deduct_late": 20.0,
        "deduct_leave": 0.0,
        "deduction_cap": None,
        "total_floor": 0.0,
        "total_cap": None,
    }
    return data | changes


def kpi_row(
    db,
    project_id: int,
    day: str,
    agent: str,
    sales: float = 0.0,
    consultations: int = 100,
    converted: int = 25,
    avg_response_s: float | None = 30.0,
    **extra: Any,
) -> None:
    """One stored agent day of KPIs, as an import would leave it."""
    db["kpi_agent_daily"].insert(
        {
            "project_id": project_id,
            "day": day,
            "agent": agent,
            "consultations": consultations,
            "waits": consultations,
            "fast_replies": int(consultations * 0.8),
            "response_30s_rate": 0.8,
            "avg_response_s": avg_response_s,
            "first_response_s": 10.0,
            "effective_reply_rate": 0.99,
            "converted": converted,
            "conversion_rate": converted / consultations if consultations else None,
            "sales": sales,
            "items": converted,
            "aov": sales / converted if converted else None,
            "items_per_buyer": 1.0,
            "source": "summary",
            "extra": "{}",
            "settings": "{}",
            "computed_at": "2026-10-01 00:00:00",
            **extra,
        },
        replace=True,
    )


@pytest.fixture
def payfirm(fresh_db, admin) -> PayFirm:
    db = fresh_db
    manager = user(db, admin, "mgr", "manager")
    m1, p1 = project(
        db,
        admin,
        "优品家居",
        {
            "target_conversion_rate": 0.25,
            "target_aov": 100.0,
            "target_response_30s_rate": 0.8,
            "target_avg_response_s": 30,
        },
    )
    _m2, p2 = project(
        db,
        admin,
        "美妆小铺",
        {
            "target_conversion_rate": 0.20,
            "target_aov": 200.0,
            "target_response_30s_rate": 0.8,
            "target_avg_response_s": 30,
        },
    )
    agent_user = user(db, admin, "xiaomei", "agent")
    other_agent_user = user(db, admin, "ajie", "agent")
    a = directory.create_agent(
        db,
        admin,
        {"name": "小美", "employee_no": "KF1", "status": "online", "base_salary": 3000, "user_id": agent_user.id},
    )
    b = directory.create_agent(
        db,
        admin,
        {"name": "阿杰", "employee_no": "KF2", "status": "online", "base_salary": 3000, "user_id": other_agent_user.id},
    )
    directory.assign(db, admin, p1, a, "online", "day", date(2026, 8, 1), "优品:小美")
    first = directory.assign(db, admin, p1, b, "online", "day", date(2026, 8, 1), "优品:阿杰")
    directory.end_assignment(db, admin, first, date(2026, 9, 10))
    directory.assign(db, admin, p2, b, "online", "night", date(2026, 9, 11), "美妆:阿杰")
    simple = schemes.create_scheme(db, manager, "simple", simple_scheme())
    schemes.assign(db, manager, simple, date(2026, 1, 1))
    return PayFirm(
        db=db,
        admin=admin,
        manager=manager,
        trainer=user(db, admin, "coach", "trainer"),
        merchant=user(db, admin, "shop", "merchant", m1),
        agent_user=agent_user,
        other_agent_user=other_agent_user,
        p1=p1,
        p2=p2,
        a=a,
        b=b,
        simple=simple,
    )


def lines_of(statement: dict, kind: str | None = None) -> list[dict]:
    return [line for line in statement["lines"] if kind is None or line["kind"] == kind]


def amounts(statement: dict, kind: str) -> list[str]:
    return [f"{line['amount']:.2f}" for line in lines_of(statement, kind)]


def statement_of(f, agent_id: int, month: str = MONTH) -> dict:
    return next(s for s in compute_month(f.db, month) if s["agent_id"] == agent_id)


def run_and_read(f, agent_id: int) -> dict:
    run_id = payrun.run_month(f.db, f.manager, MONTH)
    return payrun.get_statement(f.db, f.manager, run_id, agent_id)
