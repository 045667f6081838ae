"""Who may do what: the permission table of the app, enforced in core.

Pages call `page_allowed` to build the navigation, but that is only a convenience: every core
function that reads or writes project data takes the acting user and calls `require` or filters
by `visible_project_ids`, so the CLI, tests and any later API get the same control.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

# The role names: the only place they are spelled. Code elsewhere asks `can(actor, action)` or one of the
# role predicates below; SQL that filters users by role takes these constants as parameters.
ADMIN = "admin"  # the director: everything, incl. payments, users, backups
MANAGER = "manager"
TRAINER = "trainer"
QA = "qa"
AGENT = "agent"
MERCHANT = "merchant"  # the client's login: its own projects only
ROLES = (ADMIN, MANAGER, TRAINER, QA, AGENT, MERCHANT)
STAFF_ROLES = (ADMIN, MANAGER, TRAINER, QA)  # our office staff: every project, no own agent record
PROJECT_MANAGER_ROLES = (MANAGER, ADMIN)  # who may be a project's manager

# page key -> roles that may open it
PAGE_ACCESS: dict[str, frozenset[str]] = {
    "home": frozenset(ROLES),
    "merchants": frozenset({"admin", "manager"}),
    "projects": frozenset({"admin", "manager", "trainer", "qa", "merchant"}),
    "users": frozenset({"admin"}),
    "audit": frozenset({"admin"}),
    "system": frozenset({"admin"}),
    "account": frozenset(ROLES),
    # -- knowledge base pages --
    "kb": frozenset(ROLES),
    "phrases": frozenset({"admin", "manager", "trainer", "qa", "agent"}),
    "memos": frozenset({"admin", "manager", "trainer", "qa", "agent"}),
    # -- meeting & reports pages --
    "monday": frozenset({"admin", "manager", "trainer", "qa"}),
    "reports": frozenset({"admin", "manager", "merchant"}),
    # -- salary pages --
    "salary": frozenset({"admin", "manager"}),
    "attendance": frozenset({"admin", "manager"}),
    "my_pay": frozenset({"agent"}),
    # -- kpi pages --
    "kpi_dashboard": frozenset({"admin", "manager", "trainer", "qa", "merchant"}),
    "kpi_company": frozenset({"admin", "manager"}),
    "kpi_import": frozenset({"admin", "manager"}),
    "reconcile": frozenset({"admin", "manager", "qa"}),  # internal comparison: never merchants
    "my_kpi": frozenset({"agent"}),
    # -- team & training pages --
    "agents": frozenset({"admin", "manager", "trainer", "qa"}),
    "team": frozenset({"admin", "manager", "trainer", "qa", "merchant"}),
    "training": frozenset(ROLES),
    # -- qa & complaints pages --
    "qa": frozenset(ROLES),
    "qa_analysis": frozenset({"admin", "manager", "trainer", "qa"}),
    "complaints": frozenset({"admin", "manager", "trainer", "qa", "merchant"}),
    "aftersales": frozenset({"admin", "manager", "qa", "agent", "merchant"}),
    # -- scheduling pages --
    "schedule": frozenset({"admin", "manager", "trainer", "qa"}),
    "staffing": frozenset({"admin", "manager"}),
    "my_schedule": frozenset({"agent"}),
    # -- billing pages --
    "quotes": frozenset({"admin", "manager", "merchant"}),
    "contracts": frozenset({"admin", "manager", "merchant"}),
    "billing": frozenset({"admin", "manager", "merchant"}),
    "receivables": frozenset({"admin"}),
    # -- delivery --
    "delivery": frozenset({"admin", "manager"}),
}

# action -> roles allowed
ACTIONS: dict[str, frozenset[str]] = {
    "merchant.read": frozenset({"admin", "manager"}),
    "merchant.write": frozenset({"admin", "manager"}),
    "project.read": frozenset({"admin", "manager", "trainer", "qa", "merchant"}),
    "project.write": frozenset({"admin", "manager"}),
    "order_confirmation.write": frozenset({"admin", "manager"}),
    "faq.write": frozenset({"admin", "manager"}),
    "user.admin": frozenset({"admin"}),
    "delivery.manage": frozenset({"admin", "manager"}),
    "audit.read": frozenset({"admin"}),
    "backup": frozenset({"admin"}),
    "calendar.write": frozenset({"admin"}),
    "agent.read": frozenset({"admin", "manager", "trainer", "qa"}),
    "agent.write": frozenset({"admin", "manager"}),
    "team.write": frozenset({"admin", "manager"}),
    # capability actions are added below their own comment lines, one block per capability
    # -- knowledge base --
    "kb.read": frozenset(ROLES),  # articles and the FAQ of the projects one may see (agents: their teams')
    "kb.write": frozenset({"admin", "manager", "trainer"}),
    "kb.comment": frozenset(ROLES),  # a merchant comments on its own projects' articles
    "phrase.read": frozenset({"admin", "manager", "trainer", "qa", "agent"}),
    "phrase.write": frozenset({"admin", "manager", "trainer"}),
    "phrase.flag": frozenset({"admin", "manager", "qa"}),  # mark a phrase wrong or outdated
    "phrase.decide": frozenset({"admin", "manager"}),  # the Monday meeting's rewrite list and decision
    "memo.write": frozenset({"admin", "manager", "trainer", "qa", "agent"}),
    "memo.answer": frozenset({"admin", "manager", "trainer", "qa"}),
    # -- meeting & reports --
    "meeting.read": frozenset({"admin", "manager", "trainer", "qa"}),
    "meeting.write": frozenset({"admin", "manager"}),
    "report.read": frozenset({"admin", "manager", "merchant"}),
    # -- salary --
    "salary.read": frozenset({"admin", "manager"}),  # every statement of every run
    "salary.run": frozenset({"admin", "manager"}),
    "salary.approve": frozenset({"admin", "manager"}),
    "salary.reopen": frozenset({"admin"}),  # only the director reopens a locked month
    "salary.scheme": frozenset({"admin", "manager"}),
    "salary.own": frozenset({"agent"}),  # an agent's own statements and month-to-date estimate
    "attendance.read": frozenset({"admin", "manager"}),
    "attendance.write": frozenset({"admin", "manager"}),
    # -- kpi --
    "kpi.import": frozenset({"admin", "manager"}),
    "kpi.read": frozenset({"admin", "manager", "trainer", "qa", "merchant"}),
    "kpi.company": frozenset({"admin", "manager"}),
    "kpi.reconcile.read": frozenset({"admin", "manager", "qa"}),  # our figures beside the platform's; merchants never
    "kpi.reconcile.write": frozenset({"admin", "manager"}),  # the project's tolerance and flavour
    # -- team & training --
    "agent.status": frozenset({"admin", "manager", "trainer"}),
    # an agent's phone and base salary: the director, and a manager for the agents of the projects it manages
    # (core.agents.directory scopes the manager to them); an agent reads its own; qa and trainers see names,
    # status, teams
    "agent.personal": frozenset({"admin", "manager"}),
    "team.read": frozenset(
        {"admin", "manager", "trainer", "qa", "merchant"}
    ),  # a merchant: names, on duty or reserve, shifts
    "team.internal": frozenset(
        {"admin", "manager", "trainer", "qa"}
    ),  # funnel, readiness, candidates, overrides, settings
    "team.screen": frozenset({"admin", "manager", "trainer"}),
    "go_live.override": frozenset({"admin"}),
    "material.read": frozenset({"admin", "manager", "trainer", "qa", "merchant", "agent"}),
    "material.write": frozenset({"admin", "manager", "trainer"}),
    "material.review": frozenset({"merchant"}),
    "training.read": frozenset({"admin", "manager", "trainer", "qa", "merchant", "agent"}),
    "training.write": frozenset({"admin", "manager", "trainer"}),
    "exam.write": frozenset({"admin", "manager", "trainer"}),
    "training.settings": frozenset({"admin"}),
    # -- qa & complaints --
    "qa.read": frozenset({"admin", "manager", "trainer", "qa"}),  # every review of the projects one may see
    "qa.score": frozenset({"admin", "qa"}),  # record and score reviews (never an agent)
    "qa.own": frozenset({"agent"}),  # an agent's own reviews
    "qa.dispute": frozenset({"agent"}),
    "qa.resolve_dispute": frozenset({"admin", "manager"}),
    "qa.summary": frozenset({"admin", "manager", "trainer", "qa", "merchant"}),  # numbers only, no comments
    "qa.case_write": frozenset({"admin", "manager", "trainer", "qa"}),
    "qa.scorecard_write": frozenset({"admin", "manager", "qa"}),
    "qa.settings": frozenset({"admin", "manager"}),
    "qa.calibrate": frozenset({"admin", "manager", "qa"}),
    "complaint.read": frozenset({"admin", "manager", "trainer", "qa", "merchant"}),
    "complaint.write": frozenset({"admin", "manager", "qa"}),
    "complaint.judge": frozenset({"admin", "manager"}),  # the supervisor's finding on the agent
    "aftersales.read": frozenset({"admin", "manager", "qa", "agent", "merchant"}),
    "aftersales.write": frozenset({"admin", "manager", "qa", "agent"}),
    "aftersales.settle": frozenset({"admin", "manager"}),
    # -- scheduling --
    "schedule.read": frozenset({"admin", "manager", "trainer", "qa"}),  # every roster of the projects one may see
    "schedule.write": frozenset({"admin", "manager"}),  # settings, proposals, edits, promotions
    "schedule.approve": frozenset({"admin", "manager"}),  # leave and swap requests
    "schedule.own": frozenset({"agent"}),  # own roster, own leave and swap requests
    "handover.read": frozenset({"admin", "manager", "trainer", "qa", "agent"}),
    "handover.write": frozenset({"admin", "manager", "agent"}),
    "staffing.read": frozenset({"admin", "manager"}),  # forecast, headcount, surge plan
    # -- billing --
    "billing.read": frozenset(
        {"admin", "manager", "merchant"}
    ),  # a merchant: its own sent quotes, contract, issued invoices, statement
    "billing.prices": frozenset({"admin", "manager"}),  # the price list
    "billing.quote": frozenset({"admin", "manager"}),  # make, send, record the merchant's answer
    "billing.contract": frozenset({"admin", "manager"}),  # contracts and amendments
    "billing.run": frozenset({"admin", "manager"}),  # compute the month's drafts, grant credits
    "billing.approve": frozenset({"admin", "manager"}),
    "billing.issue": frozenset({"admin", "manager"}),
    "billing.pay": frozenset({"admin"}),  # only the director records payments
    "billing.receivables": frozenset({"admin"}),  # only the director sees the receivables overview
}


class PermissionDenied(Exception):
    """The acting user may not do this; the message names the action."""


@dataclass(frozen=True)
class Actor:
    """The user on whose behalf core acts."""

    id: int
    username: str
    role: str
    display_name: str = ""
    merchant_id: int | None = None
    language: str = "zh"


def can(actor: Actor | None, action: str) -> bool:
    """True when the actor's role may perform the action."""
    return actor is not None and actor.role in ACTIONS.get(action, frozenset())


def require(actor: Actor | None, action: str) -> None:
    """Raise PermissionDenied unless the actor may perform the action."""
    if not can(actor, action):
        raise PermissionDenied(action)


def is_admin(actor: Actor | None) -> bool:
    """True for the director (the admin role)."""
    return actor is not None and actor.role == ADMIN


def is_merchant(actor: Actor | None) -> bool:
    """True for a merchant's login (sees its own projects only, never internal notes)."""
    return actor is not None and actor.role == MERCHANT


def is_agent(actor: Actor | None) -> bool:
    """True for an agent (sees their own records and their teams' projects)."""
    return actor is not None and actor.role == AGENT


def is_qa(actor: Actor | None) -> bool:
    """True for a QA inspector."""
    return actor is not None and actor.role == QA


def is_trainer(actor: Actor | None) -> bool:
    """True for a trainer."""
    return actor is not None and actor.role == TRAINER


def is_staff(actor: Actor | None) -> bool:
    """True for our office staff (admin, manager, trainer, QA): not an agent, not a merchant."""
    return actor is not None and actor.role in STAFF_ROLES


def page_allowed(role: str, page: str) -> bool:
    """True when a role sees this page in its navigation."""
    return role in PAGE_ACCESS.get(page, frozenset())


def visible_project_ids(db: sqlite_utils.Database, actor: Actor) -> set[int] | None:
    """The projects the actor may read: None means all, an empty set means none."""
    if is_staff(actor):
        return None
    if is_merchant(actor):
        if actor.merchant_id is None:
            return set()
        return {r["id"] for r in db.query("SELECT id FROM projects WHERE merchant_id = ?", [actor.merchant_id])}
    if is_agent(actor):  # the projects whose team the agent is (or was) on
        return {
            r["project_id"]
            for r in db.query(
                "SELECT DISTINCT pa.project_id FROM project_agents pa JOIN agents a ON a.id = pa.agent_id WHERE "
                "a.user_id = ?",
                [actor.id],
            )
        }
    return set()


def require_project(db: sqlite_utils.Database, actor: Actor, project_id: int, action: str = "project.read") -> None:
    """Raise PermissionDenied unless the actor may do `action` on this very project."""
    require(actor, action)
    visible = visible_project_ids(db, actor)
    if visible is not None and project_id not in visible:
        raise PermissionDenied(f"{action}:{project_id}")


def project_row(
    db: sqlite_utils.Database,
    actor: Actor,
    table: str,
    row_id: int,
    read_action: str,
    action: str,
    label: str | None = None,
) -> dict:
    """A row of a project-scoped table for the actor, checked for `action`.

    A row that does not exist and a row of a project the actor may not read both raise the
    same NotFound (ids tell nothing); a readable row the actor may not act on raises
    PermissionDenied.
    """
    from core.kernel.errors import NotFound

    row = next(iter(db.query(f"SELECT * FROM {table} WHERE id = ?", [row_id])), None)  # table names come from code only
    if row is None:
        raise NotFound(f"{label or table} {row_id}")
    try:
        require_project(db, actor, row["project_id"], read_action)
    except PermissionDenied:
        raise NotFound(f"{label or table} {row_id}") from None
    require_project(db, actor, row["project_id"], action)
    return row
