"""Builders shared by the team & training tests: a project with a confirmed order, agents, exams."""

from __future__ import annotations

from datetime import timedelta

from core.accounts import users
from core.agents import directory
from core.golive import gate
from core.kernel import config
from core.kernel.permissions import Actor
from core.projects import merchants
from core.projects import order_confirmation as oc
from core.team import exams


def confirmed_project(
    db,
    admin: Actor,
    name: str = "鲜果坊",
    required: int = 5,
    examiner: str = "us",
    materials_complete: bool = True,
    due_in_days: int = 3,
) -> int:
    """A project whose order confirmation is confirmed with `required` agents and `examiner`."""
    merchant_id = merchants.create_merchant(db, admin, {"name": name, "platform": "pinduoduo"})
    project_id = merchants.create_project(db, admin, merchant_id, "售前")
    data = {
        **oc.default_data("pinduoduo"),
        "company_name": name + "有限公司",
        "contact_name": "刘女士",
        "contact_phone": "13800000000",
        "liaison": "刘女士",
        "agents_required": required,
        "target_daily_inquiries": 2000,
        "target_first_response_s": 10,
        "target_avg_response_s": 25,
        "target_response_30s_rate": 0.85,
        "target_conversion_rate": 0.25,
        "target_aov": 88.5,
        "target_satisfaction": 0.95,
        "materials_submitted": True,
        "materials_complete": materials_complete,
        "examiner": examiner,
        "materials_missing": "" if materials_complete else "售后政策",
        "materials_due_date": (config.today() + timedelta(days=due_in_days)).isoformat(),
        "golive_committed_date": (config.today() + timedelta(days=10)).isoformat(),
    }
    oc.confirm(db, admin, project_id, data)
    gate.change_status(db, admin, project_id, "signed")
    gate.change_status(db, admin, project_id, "training")
    return project_id


def make_agents(db, admin: Actor, n: int, prefix: str = "A", status: str = "training", basic: bool = True) -> list[int]:
    """n agents; with `basic`, each passed the basic exam (so screening may match them)."""
    ids = []
    for i in range(n):
        agent_id = directory.create_agent(
            db, admin, {"name": f"{prefix}{i}", "employee_no": f"{prefix}{i:03d}", "status": status}
        )
        if basic:
            exams.record_exam(
                db,
                admin,
                {"agent_id": agent_id, "project_id": None, "exam_type": "written", "score": 90, "max_score": 100},
            )
        ids.append(agent_id)
    return ids


def pass_exams(
    db, admin: Actor, project_id: int, agent_id: int, types=("written", "simulation"), score: float = 90
) -> None:
    for exam_type in types:
        exams.record_exam(
            db,
            admin,
            {"agent_id": agent_id, "project_id": project_id, "exam_type": exam_type, "score": score, "max_score": 100},
        )


def user(db, admin: Actor, username: str, role: str, merchant_id: int | None = None) -> Actor:
    user_id = users.create_user(db, admin, username, username, role, "password-123", merchant_id)
    return users.actor_from_row(users.get_user(db, user_id))
