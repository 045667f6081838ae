"""The figures behind a pay run's charts: pay against KPI score, month-over-month change, the KPI that moved most."""

from __future__ import annotations

import json

import pandas as pd
import sqlite_utils

from core.kernel import money
from core.kernel.db import one, rows
from core.kernel.months import previous_month
from core.kernel.permissions import Actor, require
from core.salary.payrun import run_row, run_statements


def chart_frame(db: sqlite_utils.Database, actor: Actor, run_id: int) -> pd.DataFrame:
    """One row per agent of a run: total, KPI score, grade, main project (for the scatter and the distribution)."""
    found = run_statements(db, actor, run_id)
    return pd.DataFrame(
        [
            {
                "agent": s["agent_name"],
                "employee_no": s["employee_no"],
                "project": s["main_project"] or "",
                "total": float(s["total"]),
                "kpi_score": float(s["kpi_score"]),
                "grade": s["grade"] or "none",
            }
            for s in found
        ],
        columns=["agent", "employee_no", "project", "total", "kpi_score", "grade"],
    )


def _previous_run(db: sqlite_utils.Database, run_id: int) -> dict | None:
    run = run_row(db, run_id)
    return one(db, "SELECT * FROM pay_runs WHERE month = ?", [previous_month(run["month"])])


def month_over_month(db: sqlite_utils.Database, actor: Actor, run_id: int) -> pd.DataFrame:
    """Per agent: this month's total, last month's, and the change (agents in both runs only)."""
    require(actor, "salary.read")
    previous = _previous_run(db, run_id)
    columns = ["agent", "employee_no", "total", "previous", "change"]
    if previous is None:
        return pd.DataFrame(columns=columns)
    found = rows(
        db,
        """SELECT s.agent_name AS agent, s.employee_no, s.total, p.total AS previous FROM pay_statements s
                        JOIN pay_statements p ON p.agent_id = s.agent_id AND p.run_id = ? WHERE s.run_id = ? """
        """ORDER BY s.employee_no""",
        [previous["id"], run_id],
    )
    frame = pd.DataFrame(found, columns=columns[:-1])
    frame["change"] = [
        float(money.money(money.dec(a) - money.dec(b))) for a, b in zip(frame["total"], frame["previous"])
    ]
    return frame[columns]


def kpi_moves(db: sqlite_utils.Database, actor: Actor, run_id: int) -> pd.DataFrame:
    """Per agent: the KPI whose share of performance pay changed most since last month, and by how much."""
    require(actor, "salary.read")
    previous = _previous_run(db, run_id)
    columns = ["agent", "employee_no", "kpi", "change", "this", "previous"]
    if previous is None:
        return pd.DataFrame(columns=columns)
    found = rows(
        db,
        """SELECT s.agent_name, s.employee_no, s.summary, p.summary AS previous FROM pay_statements s
                        JOIN pay_statements p ON p.agent_id = s.agent_id AND p.run_id = ? WHERE s.run_id = ? """
        """ORDER BY s.employee_no""",
        [previous["id"], run_id],
    )
    result = []
    for row in found:
        now_pay = json.loads(row["summary"]).get("kpi_pay", {})
        before_pay = json.loads(row["previous"]).get("kpi_pay", {})
        changes = {
            k: money.dec(now_pay.get(k, "0")) - money.dec(before_pay.get(k, "0"))
            for k in set(now_pay) | set(before_pay)
        }
        if not changes:
            continue
        kpi = max(sorted(changes), key=lambda k: abs(changes[k]))
        result.append(
            {
                "agent": row["agent_name"],
                "employee_no": row["employee_no"],
                "kpi": kpi,
                "change": float(money.money(changes[kpi])),
                "this": float(money.money(now_pay.get(kpi, "0"))),
                "previous": float(money.money(before_pay.get(kpi, "0"))),
            }
        )
    return pd.DataFrame(result, columns=columns)
