"""Today's alerts and numbers per role, for the home page: everything that needs attention, in one place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

from core.complaints import complaints
from core.kernel import config, formatting, weeks
from core.kernel.permissions import Actor, can
from core.kpi import daily_figures
from core.projects import merchants
from core.projects import order_confirmation as oc
from core.qa import analytics, disputes, reviews
from core.salary import payrun
from core.team import funnel, materials

BEFORE_GOLIVE = ("negotiating", "signed", "training")


def data_outlook(
    db: sqlite_utils.Database, actor: Actor, project_id: int, day: date | None = None
) -> dict[str, Any] | None:
    """Why a project has no figures for `day` (default yesterday) and when it will: None when it has them.

    {kind, project, date}: kind 'before_golive' (date: the go-live day of the confirmed order
    confirmation, None before one is agreed), 'awaiting_import' (live; date: the day not imported
    yet), 'paused' or 'ended'. Pages turn it into a sentence for the reader, so an empty page says
    what will happen and when instead of showing dashes.
    """
    project = merchants.get_project(db, actor, project_id)
    shown = f"{project['merchant_name']} · {project['name']}"
    day = day or config.today() - timedelta(days=1)
    if project["status"] in BEFORE_GOLIVE:
        confirmed = oc.latest_confirmed(db, actor, project_id)
        committed = (confirmed or {}).get("data", {}).get("golive_committed_date")
        return {"kind": "before_golive", "project": shown, "date": date.fromisoformat(committed) if committed else None}
    if not daily_figures.shop_days(db, actor, project_id, day, day).empty:
        return None
    if project["status"] in ("paused", "ended"):
        return {"kind": project["status"], "project": shown, "date": None}
    return {"kind": "awaiting_import", "project": shown, "date": day}


def outlook_text(outlook: dict[str, Any], t) -> str:
    """The sentence of a `data_outlook`: what the reader will see, and when."""
    if outlook["kind"] == "before_golive" and outlook["date"] is None:
        return t("outlook.before_golive_no_date", project=outlook["project"])
    return t(
        f"outlook.{outlook['kind']}", project=outlook["project"], date=str(outlook["date"]), day=str(outlook["date"])
    )


def alerts(
    db: sqlite_utils.Database, actor: Actor, today: date | None = None, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The admin's and manager's alerts: each {kind, project_id, project, detail params}.

    Kinds: below_target (a KPI below target 3 days in a row), overdue_complaints, short_funnel,
    materials_overdue, drafts (order confirmations waiting), pay_run (waiting for approval),
    shift_requests (leave and swaps waiting), roster_short (shifts below headcount in the next 7 days),
    reconcile (the latest day of the last week that has our raw figures and the platform's, with
    the number of figures apart beyond the project's tolerance: one alert per project and day).
    `now` is the moment complaints are overdue against (default: the clock).
    """
    day = today or config.today()
    found: list[dict[str, Any]] = []
    if can(actor, "kpi.company"):
        overview = daily_figures.company_overview(db, actor, day - timedelta(days=7), day)
        for record in overview.to_dict("records") if not overview.empty else []:
            if record["alerts"]:
                found.append(
                    {
                        "kind": "below_target",
                        "project_id": record["project_id"],
                        "project": record["project"],
                        "kpis": record["alerts"],
                    }
                )
    if can(actor, "complaint.read"):
        for entry in complaints.overdue_by_project(db, actor, now=now):
            found.append(
                {
                    "kind": "overdue_complaints",
                    "project_id": entry["project_id"],
                    "project": f"{entry['merchant_name']} · {entry['project_name']}",
                    "n": entry["overdue"],
                }
            )
    for entry in funnel.short_funnels(db, actor):
        found.append(
            {
                "kind": "short_funnel",
                "project_id": entry["id"],
                "project": f"{entry['merchant_name']} · {entry['name']}",
                "stages": [s.get("stage", s.get("key", "")) for s in entry["stages"]],
            }
        )
    if can(actor, "material.read"):
        for project in merchants.list_projects(db, actor):
            if project["status"] in ("signed", "training"):
                status = materials.materials_status(db, actor, project["id"], day)
                if status["overdue"]:
                    found.append(
                        {
                            "kind": "materials_overdue",
                            "project_id": project["id"],
                            "project": f"{project['merchant_name']} · {project['name']}",
                            "due": status["due_date"],
                        }
                    )
    if can(actor, "order_confirmation.write"):
        for draft in merchants.home_summary(db, actor)["drafts"]:
            found.append(
                {
                    "kind": "draft",
                    "project_id": draft["project_id"],
                    "project": f"{draft['merchant_name']} · {draft['name']}",
                    "version": draft["version"],
                }
            )
    found += _pay_run_alerts(db, actor)
    found += _schedule_alerts(db, actor, day)
    found += _overdue_invoice_alerts(db, actor, day)
    found += _reconcile_alerts(db, actor, day)
    return found


def _reconcile_alerts(db: sqlite_utils.Database, actor: Actor, day: date) -> list[dict[str, Any]]:
    """Per project, the figures of its latest reconciled day that differ from the platform's beyond the tolerance."""
    from core.kpi import reconciliation  # late: it builds on the KPI store and the summary import

    return [
        {
            "kind": "reconcile",
            "project_id": entry["project_id"],
            "project": entry["project"],
            "day": entry["day"],
            "n": entry["n"],
        }
        for entry in reconciliation.flagged_by_project(db, actor, day)
    ]


def _schedule_alerts(db: sqlite_utils.Database, actor: Actor, day: date) -> list[dict[str, Any]]:
    """Leave and swap requests waiting for a decision; live projects whose next seven days have shifts
    below headcount."""
    from core.schedule import shift_requests, shifts  # late: scheduling builds on the team, this module on everything

    found: list[dict[str, Any]] = []
    if not can(actor, "schedule.approve"):
        return found
    pending = shift_requests.pending_count(db, actor)
    if pending:
        found.append({"kind": "shift_requests", "project_id": None, "project": "", "n": pending})
    for project in merchants.list_projects(db, actor, status="live"):
        short = shifts.understaffed_shifts(db, project["id"], day, day + timedelta(days=6))
        if short:
            found.append(
                {
                    "kind": "roster_short",
                    "project_id": project["id"],
                    "project": f"{project['merchant_name']} · {project['name']}",
                    "n": len(short),
                    "first": short[0][0],
                }
            )
    return found


def _overdue_invoice_alerts(db: sqlite_utils.Database, actor: Actor, day: date) -> list[dict[str, Any]]:
    """Merchant invoices issued, past their due date and not fully paid (billing capability)."""
    if not can(actor, "billing.run"):
        return []
    from core.billing import payments  # late import: billing builds on contracts and the KPI store

    return [
        {
            "kind": "overdue_invoice",
            "project_id": None,
            "project": f"{i['merchant_name']} · {i['project_name']}",
            "number": i["number"],
            "days": i["days_overdue"],
            "amount": formatting.amount(i["outstanding"]),
        }
        for i in payments.overdue_invoices(db, actor, day)
    ]


def _pay_run_alerts(db: sqlite_utils.Database, actor: Actor) -> list[dict[str, Any]]:
    """Draft pay runs of months that are over, for the one who approves them."""
    if not can(actor, "salary.approve"):
        return []
    return [
        {"kind": "pay_run", "project_id": None, "project": "", "month": r["month"]}
        for r in payrun.runs_waiting_approval(db, actor)
    ]


def alert_text(alert: dict[str, Any], t: Callable[..., str]) -> str:
    """One alert of `alerts` as a sentence, in the language of `t` (the Home page, the pushed digest)."""
    kind = alert["kind"]
    if kind == "below_target":
        return t(
            "home.alert.below_target", project=alert["project"], kpis="、".join(t(f"kpi.m.{k}") for k in alert["kpis"])
        )
    if kind == "overdue_complaints":
        return t("home.alert.overdue_complaints", project=alert["project"], n=alert["n"])
    if kind == "short_funnel":
        return t(
            "home.alert.short_funnel",
            project=alert["project"],
            stages="、".join(t(f"team.stage.{s}") for s in alert["stages"]),
        )
    if kind == "materials_overdue":
        return t("home.alert.materials_overdue", project=alert["project"], due=alert["due"])
    if kind == "draft":
        return t("home.alert.draft", project=alert["project"], version=alert["version"])
    if kind == "shift_requests":
        return t("schedule.home.requests", n=alert["n"])
    if kind == "roster_short":
        return t("schedule.home.roster_short", project=alert["project"], n=alert["n"], first=alert["first"])
    if kind == "reconcile":
        return t("home.alert.reconcile", project=alert["project"], day=alert["day"], n=alert["n"])
    if kind == "overdue_invoice":
        return t(
            "billing.alert.overdue_invoice",
            project=alert["project"],
            number=alert["number"],
            days=alert["days"],
            amount=alert["amount"],
        )
    return t("home.alert.pay_run", month=alert.get("month", ""))


def qa_due_today(db: sqlite_utils.Database, actor: Actor, today: date | None = None) -> list[dict[str, Any]]:
    """For QA inspectors: per live project, the agents due a review of yesterday's chats, and open tasks."""
    day = (today or config.today()) - timedelta(days=1)
    result = []
    for project in merchants.list_projects(db, actor, status="live"):
        due = [a for a in analytics.sampling_proposal(db, actor, project["id"], day) if a.get("due")]
        tasks = reviews.tasks(db, actor, project["id"])
        if due or tasks:
            result.append(
                {
                    "project_id": project["id"],
                    "project": f"{project['merchant_name']} · {project['name']}",
                    "due": due,
                    "tasks": len(tasks),
                }
            )
    return result


def agent_today(db: sqlite_utils.Database, actor: Actor, today: date | None = None) -> dict[str, Any]:
    """For an agent: own KPIs of yesterday and of this week so far, and own open disputes."""
    day = today or config.today()
    monday = weeks.week_start(day)
    open_disputes = [d for d in disputes.list_disputes(db, actor) if d.get("status") == "open"]
    return {
        "yesterday": daily_figures.own_kpis(db, actor, day - timedelta(days=1), day - timedelta(days=1)),
        "week": daily_figures.own_kpis(db, actor, monday, day),
        "open_disputes": open_disputes,
    }
