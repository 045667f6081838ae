"""The monthly pay run: draft, approve (locks it), reopen; reading runs and statements; the month-to-date estimate.

A run is a draft until approved. Approving locks it: the computed lines are stored and a trigger
refuses any change to the lines and statements of an approved run, so later data changes never
touch it. A month not yet begun cannot be run, a month not yet over cannot be approved, and while
some KPI figures of the month are pending (延迟统计) approval needs an explicit acceptance. Only
the admin reopens an approved month (with a reason, in the audit log).

Access: admin and managers run, approve and read every statement; an agent reads only its own
statements of approved months and its own month-to-date estimate; merchants never see pay.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import sqlite_utils

from core.agents import directory
from core.kernel import audit, config, money
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.months import month_bounds, month_of
from core.kernel.permissions import Actor, PermissionDenied, is_agent, require
from core.kpi import daily_figures
from core.salary.statement import compute_month

RUN_STATUSES = ("draft", "approved")
MAX_REASON = 500


# --- the run: draft, approve, reopen ----------------------------------------------------------------------------


def run_row(db: sqlite_utils.Database, run_id: int) -> dict:
    run = one(db, "SELECT * FROM pay_runs WHERE id = ?", [run_id])
    if run is None:
        raise NotFound(f"pay run {run_id}")
    return run


def _store_statement(db: sqlite_utils.Database, run_id: int, statement: dict[str, Any]) -> None:
    record = {
        key: float(statement[key])
        for key in ("base", "commission", "performance", "bonus", "total", "kpi_score", "sales")
    }
    record |= {"deductions": float(statement["deduction"]), "adjustments": float(statement["adjustment"])}
    statement_id = (
        db["pay_statements"]
        .insert(
            {
                "run_id": run_id,
                "agent_id": statement["agent_id"],
                "agent_name": statement["agent_name"],
                "employee_no": statement["employee_no"],
                "projects": statement["projects"],
                "main_project_id": statement["main_project_id"],
                "days": statement["days"],
                "period_start": statement["start"],
                "period_end": statement["end"],
                "grade": statement["grade"],
                "summary": json.dumps(statement["summary"], ensure_ascii=False),
                **record,
            }
        )
        .last_pk
    )
    db["pay_lines"].insert_all(
        [
            {
                "statement_id": statement_id,
                "run_id": run_id,
                "position": index,
                "kind": line["kind"],
                "label": line["label"],
                "label_params": json.dumps(line["label_params"], ensure_ascii=False),
                "project_id": line["project_id"],
                "ref": line["ref"],
                "amount": float(line["amount"]),
                "explanation": json.dumps(line["explanation"], ensure_ascii=False),
            }
            for index, line in enumerate(statement["lines"])
        ]
    )


def run_month(db: sqlite_utils.Database, actor: Actor, month: str) -> int:
    """Compute (or recompute) a month's draft run for every agent on a team; returns the run id.

    Refused for a month not yet begun, an approved (locked) month, or when any input is missing
    (every problem listed; nothing is written).
    """
    require(actor, "salary.run")
    start, _end = month_bounds(month)
    if start > config.today():
        raise ValidationError.single("salary.month", "err.salary.month_future")
    existing = one(db, "SELECT * FROM pay_runs WHERE month = ?", [month])
    if existing and existing["status"] == "approved":
        raise ValidationError.single("salary.month", "err.salary.locked", month=month)
    statements = compute_month(db, month)
    if not statements:
        raise ValidationError.single("salary.month", "err.salary.no_agents", month=month)
    stamp = config.now_text()
    total = sum((s["total"] for s in statements), Decimal(0))
    with write(db):
        # read again under the write lock: another manager may have run or approved the month meanwhile
        existing = one(db, "SELECT * FROM pay_runs WHERE month = ?", [month])
        if existing and existing["status"] == "approved":
            raise ValidationError.single("salary.month", "err.salary.locked", month=month)
        if existing:
            run_id = existing["id"]
            db.execute("DELETE FROM pay_lines WHERE run_id = ?", [run_id])
            db.execute("DELETE FROM pay_statements WHERE run_id = ?", [run_id])
            db["pay_runs"].update(
                run_id, {"computed_at": stamp, "computed_by": actor.id, "computations": existing["computations"] + 1}
            )
        else:
            run_id = (
                db["pay_runs"]
                .insert(
                    {
                        "month": month,
                        "status": "draft",
                        "computed_at": stamp,
                        "computed_by": actor.id,
                        "computations": 1,
                    }
                )
                .last_pk
            )
        for statement in statements:
            _store_statement(db, run_id, statement)
        db["pay_run_events"].insert({"run_id": run_id, "at": stamp, "by": actor.id, "action": "run", "note": ""})
        audit.record(
            db,
            actor,
            "run",
            "pay_run",
            run_id,
            {"computed_at": existing["computed_at"], "computations": existing["computations"]} if existing else None,
            {"month": month, "agents": len(statements), "total": f"{total:.2f}"},
        )
    return int(run_id)


def pending_kpi_days(db: sqlite_utils.Database, actor: Actor, month: str) -> list[str]:
    """The days of the month with KPI figures the platform has not settled (延迟统计): the pay run
    says so before it can be approved."""
    require(actor, "salary.read")
    return _pending_days(db, month)


def _pending_days(db: sqlite_utils.Database, month: str) -> list[str]:
    found = daily_figures.pending_in_period(db, *month_bounds(month))
    return sorted({day for days in found.values() for day in days})


def approve_run(db: sqlite_utils.Database, actor: Actor, run_id: int, accept_pending: bool = False) -> None:
    """Approve a draft run of a month that is over: its figures are locked from now on. While some
    KPI figures of the month are pending (延迟统计), approval needs `accept_pending`."""
    require(actor, "salary.approve")
    stamp = config.now_text()
    with write(db):  # checked under the write lock, so two approvals never both pass
        run = run_row(db, run_id)
        errors = []
        if run["status"] != "draft":
            errors.append(FieldError("salary.status", "err.salary.locked", {"month": run["month"]}))
        if month_bounds(run["month"])[1] >= config.today():
            errors.append(FieldError("salary.month", "err.salary.month_not_over", {"month": run["month"]}))
        pending = _pending_days(db, run["month"])
        if pending and not accept_pending:
            errors.append(FieldError("salary.pending", "err.pending_figures", {"days": "、".join(pending)}))
        if errors:
            raise ValidationError(errors)
        db["pay_runs"].update(run_id, {"status": "approved", "approved_at": stamp, "approved_by": actor.id})
        db["pay_run_events"].insert({"run_id": run_id, "at": stamp, "by": actor.id, "action": "approve", "note": ""})
        audit.record(
            db, actor, "approve", "pay_run", run_id, {"status": "draft"}, {"status": "approved", "month": run["month"]}
        )


def reopen_run(db: sqlite_utils.Database, actor: Actor, run_id: int, reason: str) -> None:
    """The admin reopens an approved month (with the reason, in the audit log); it is a draft again."""
    require(actor, "salary.reopen")
    reason = (reason or "").strip()
    stamp = config.now_text()
    with write(db):
        run = run_row(db, run_id)
        errors = []
        if run["status"] != "approved":
            errors.append(FieldError("salary.status", "err.salary.not_approved"))
        if not reason:
            errors.append(FieldError("salary.reason", "err.required"))
        elif len(reason) > MAX_REASON:
            errors.append(FieldError("salary.reason", "err.too_long", {"n": MAX_REASON}))
        if errors:
            raise ValidationError(errors)
        db["pay_runs"].update(run_id, {"status": "draft", "approved_at": None, "approved_by": None})
        db["pay_run_events"].insert({"run_id": run_id, "at": stamp, "by": actor.id, "action": "reopen", "note": reason})
        audit.record(
            db,
            actor,
            "reopen",
            "pay_run",
            run_id,
            {"status": "approved", "approved_at": run["approved_at"], "approved_by": run["approved_by"]},
            {"status": "draft", "month": run["month"], "reason": reason},
        )


# --- reading ----------------------------------------------------------------------------------------------------


def list_runs(db: sqlite_utils.Database, actor: Actor) -> list[dict]:
    """Every run, newest month first, with its agents and total."""
    require(actor, "salary.read")
    return rows(
        db,
        """SELECT r.*, COUNT(s.id) AS agents, ROUND(COALESCE(SUM(s.total), 0), 2) AS total,
                              u.display_name AS approved_by_name
                       FROM pay_runs r LEFT JOIN pay_statements s ON s.run_id = r.id LEFT JOIN users u """
        """ON u.id = r.approved_by
                       GROUP BY r.id ORDER BY r.month DESC""",
    )


def runs_waiting_approval(db: sqlite_utils.Database, actor: Actor) -> list[dict]:
    """Draft runs of months that are over, oldest first: what the approver has to look at."""
    require(actor, "salary.approve")
    this_month = month_of(config.today())
    return rows(db, "SELECT * FROM pay_runs WHERE status = 'draft' AND month < ? ORDER BY month", [this_month])


def get_run(db: sqlite_utils.Database, actor: Actor, month: str) -> dict | None:
    """A month's run with its events (run, approve, reopen), or None."""
    require(actor, "salary.read")
    month_bounds(month)
    run = one(
        db,
        """SELECT r.*, u.display_name AS computed_by_name, v.display_name AS approved_by_name FROM pay_runs r
                     LEFT JOIN users u ON u.id = r.computed_by LEFT JOIN users v ON v.id = r.approved_by """
        """WHERE r.month = ?""",
        [month],
    )
    if run is None:
        return None
    run["events"] = rows(
        db,
        """SELECT e.at, e.action, e.note, u.display_name AS by_name FROM pay_run_events e
                                LEFT JOIN users u ON u.id = e.by WHERE e.run_id = ? ORDER BY e.id DESC""",
        [run["id"]],
    )
    totals = one(
        db,
        "SELECT COUNT(*) AS agents, ROUND(COALESCE(SUM(total), 0), 2) AS total FROM pay_statements WHERE run_id = ?",
        [run["id"]],
    )
    return {**run, **totals}


def run_statements(
    db: sqlite_utils.Database,
    actor: Actor,
    run_id: int,
    search: str = "",
    project_id: int | None = None,
    grade: str | None = None,
) -> list[dict]:
    """The statements of a run (without their lines), filtered by name or number, project and grade."""
    require(actor, "salary.read")
    term = f"%{search.strip()}%"
    where, params = (
        ["s.run_id = ?", "(s.agent_name LIKE ? OR s.employee_no LIKE ? OR s.projects LIKE ?)"],
        [run_id, term, term, term],
    )
    if project_id is not None:
        where.append(
            "(s.main_project_id = ? OR EXISTS (SELECT 1 FROM pay_lines l WHERE l.statement_id = s.id "
            "AND l.project_id = ?))"
        )
        params += [project_id, project_id]
    if grade:
        where.append("s.grade = ?" if grade != "none" else "s.grade IS NULL")
        if grade != "none":
            params.append(grade)
    return rows(
        db,
        """SELECT s.id, s.run_id, s.agent_id, s.agent_name, s.employee_no, s.projects, s.main_project_id, s.days, """
        """s.sales,
                               s.base, s.commission, s.performance, s.bonus, s.deductions, s.adjustments, s.total, """
        """s.kpi_score, s.grade,
                               m.name || ' · ' || p.name AS main_project
                        FROM pay_statements s LEFT JOIN projects p ON p.id = s.main_project_id """
        f"""LEFT JOIN merchants m ON m.id = p.merchant_id
                        WHERE {" AND ".join(where)} ORDER BY s.employee_no""",
        params,
    )


def _shape_statement(row: dict, run: dict, lines: list[dict]) -> dict[str, Any]:
    statement = {
        key: row[key]
        for key in ("agent_id", "agent_name", "employee_no", "projects", "main_project_id", "days", "grade")
    }
    for key in ("base", "commission", "performance", "bonus", "total", "sales"):
        statement[key] = money.money(row[key])
    statement["deduction"], statement["adjustment"] = money.money(row["deductions"]), money.money(row["adjustments"])
    statement["kpi_score"] = money.round_to(row["kpi_score"])
    start, end = month_bounds(run["month"])
    statement |= {
        "id": row["id"],
        "run_id": run["id"],
        "month": run["month"],
        "status": run["status"],
        "start": row["period_start"],
        "end": row["period_end"],
        "month_days": (end - start).days + 1,
        "summary": json.loads(row["summary"]),
    }
    statement["lines"] = [
        {
            "kind": line["kind"],
            "label": line["label"],
            "label_params": json.loads(line["label_params"]),
            "project_id": line["project_id"],
            "ref": line["ref"],
            "amount": money.money(line["amount"]),
            "explanation": json.loads(line["explanation"]),
        }
        for line in lines
    ]
    return statement


def _check_statement_access(db: sqlite_utils.Database, actor: Actor, agent_id: int, run: dict) -> None:
    """Staff with salary.read see every statement; an agent only its own, of approved months; nobody else any."""
    if is_agent(actor):
        own = directory.my_agent(db, actor)
        if own is None or own["id"] != agent_id or run["status"] != "approved":
            raise PermissionDenied(f"salary.own:{agent_id}")
        require(actor, "salary.own")
        return
    require(actor, "salary.read")


def get_statement(db: sqlite_utils.Database, actor: Actor, run_id: int, agent_id: int) -> dict[str, Any]:
    """One agent's statement of a run with every line and its explanation."""
    run = run_row(db, run_id)
    _check_statement_access(db, actor, agent_id, run)
    row = one(db, "SELECT * FROM pay_statements WHERE run_id = ? AND agent_id = ?", [run_id, agent_id])
    if row is None:
        raise NotFound(f"statement {run_id}/{agent_id}")
    lines = rows(db, "SELECT * FROM pay_lines WHERE statement_id = ? ORDER BY position", [row["id"]])
    return _shape_statement(row, run, lines)


def my_statements(db: sqlite_utils.Database, actor: Actor) -> list[dict]:
    """The logged-in agent's statements of approved months, newest first (nobody else's)."""
    require(actor, "salary.own")
    own = directory.my_agent(db, actor)
    if own is None:
        return []
    return rows(
        db,
        """SELECT r.id AS run_id, r.month, s.total, s.kpi_score, s.grade, s.days, s.projects
                       FROM pay_statements s JOIN pay_runs r ON r.id = s.run_id
                       WHERE s.agent_id = ? AND r.status = 'approved' ORDER BY r.month DESC""",
        [own["id"]],
    )


def month_to_date(
    db: sqlite_utils.Database, actor: Actor, agent_id: int | None = None, today: date | None = None
) -> dict[str, Any] | None:
    """The running estimate of this month from its first day to today (not stored): the agent's own, or any for
    staff."""
    if is_agent(actor):
        require(actor, "salary.own")
        own = directory.my_agent(db, actor)
        if own is None:
            return None
        if agent_id is not None and agent_id != own["id"]:
            raise PermissionDenied(f"salary.own:{agent_id}")
        agent_id = own["id"]
    else:
        require(actor, "salary.read")
        if agent_id is None:
            raise ValidationError.single("salary.agent", "err.required")
    day = today or config.today()
    found = compute_month(db, month_of(day), end=day, agent_ids=[agent_id])
    if not found:
        return None
    return {**found[0], "status": "estimate"}
