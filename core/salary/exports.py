"""A pay run to take away: the payroll workbook (one row per agent, every line with its calculation) and
one statement as a printable page.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import sqlite_utils

from core.kernel import config, documents, formatting, i18n, money
from core.kernel.db import rows
from core.kernel.permissions import Actor, require
from core.salary import schemes
from core.salary.explain import line_label
from core.salary.payrun import run_row, run_statements
from core.salary.statement import fmt_value


def payroll_frames(db: sqlite_utils.Database, actor: Actor, run_id: int, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The month's payroll sheet (one row per agent) and every line with its calculation, for Excel."""
    require(actor, "salary.read")
    run = run_row(db, run_id)
    t = i18n.translator(lang)
    statements = run_statements(db, actor, run_id)
    sheet = pd.DataFrame(
        [
            {
                t("salary.c.employee_no"): s["employee_no"],
                t("salary.c.agent"): s["agent_name"],
                t("salary.c.projects"): s["projects"],
                t("salary.c.days"): s["days"],
                t("salary.c.sales"): float(money.money(s["sales"])),
                t("salary.c.base"): float(money.money(s["base"])),
                t("salary.c.commission"): float(money.money(s["commission"])),
                t("salary.c.performance"): float(money.money(s["performance"])),
                t("salary.c.bonus"): float(money.money(s["bonus"])),
                t("salary.c.deductions"): float(money.money(s["deductions"])),
                t("salary.c.adjustments"): float(money.money(s["adjustments"])),
                t("salary.c.total"): float(money.money(s["total"])),
                t("salary.c.kpi_score"): float(money.round_to(s["kpi_score"])),
                t("salary.c.grade"): t(f"salary.grade.{s['grade']}") if s["grade"] else "",
            }
            for s in statements
        ]
    )
    detail = []
    for s in statements:
        for line in rows(
            db,
            """SELECT l.* FROM pay_lines l JOIN pay_statements s ON s.id = l.statement_id
                                WHERE s.run_id = ? AND s.agent_id = ? ORDER BY l.position""",
            [run_id, s["agent_id"]],
        ):
            explanation = json.loads(line["explanation"])
            detail.append(
                {
                    t("salary.c.employee_no"): s["employee_no"],
                    t("salary.c.agent"): s["agent_name"],
                    t("salary.c.item"): line_label(
                        {"label": line["label"], "label_params": json.loads(line["label_params"])}, lang
                    ),
                    t("salary.c.formula"): t(explanation["formula"]),
                    t("salary.c.calc"): explanation.get("calc", ""),
                    t("salary.c.amount"): float(money.money(line["amount"])),
                }
            )
    status = t(f"salary.status.{run['status']}")
    return {
        t("salary.sheet.payroll", month=run["month"], status=status): sheet,
        t("salary.sheet.lines"): pd.DataFrame(detail),
    }


def statement_html(statement: dict[str, Any], lang: str = "zh") -> str:
    """A one-page printable statement: every value escaped, fits A4 when printed."""
    t = i18n.translator(lang)
    e = documents.escape
    status = t(f"salary.status.{statement.get('status', 'draft')}")
    grade = t(f"salary.grade.{statement['grade']}") if statement.get("grade") else "—"
    meta = [
        (t("salary.c.agent"), statement["agent_name"]),
        (t("salary.c.employee_no"), statement["employee_no"]),
        (t("salary.c.projects"), statement["projects"]),
        (t("salary.c.period"), f"{statement['start']} – {statement['end']}"),
        (t("salary.c.days"), f"{statement['days']} / {statement['month_days']}"),
        (t("salary.c.kpi_score"), money.fmt_num(statement["kpi_score"])),
        (t("salary.c.grade"), grade),
        (t("salary.c.status"), status),
    ]
    line_rows = "".join(
        f"<tr><td>{e(line_label(line, lang))}</td>"
        f"<td class='calc'>{e(t(line['explanation']['formula']))}<br>{e(line['explanation'].get('calc', ''))}</td>"
        f"<td class='num'>{e(formatting.amount(line['amount']))}</td></tr>"
        for line in statement["lines"]
    )
    kpi_rows = ""
    for segment in statement["summary"].get("segments", []):
        for k in segment["kpis"]:
            unit = schemes.KPIS[k["kpi"]][1]
            actual = fmt_value(unit, money.dec(k["actual"])) if k["actual"] is not None else t("salary.no_data")
            achievement = money.fmt_pct(money.dec(k["achievement"])) if k["achievement"] is not None else "—"
            kpi_rows += (
                f"<tr><td>{e(segment['project'])}</td><td>{e(t('salary.kpi.' + k['kpi']))}</td>"
                f"<td class='num'>{e(actual)}</td>"
                f"<td class='num'>{e(fmt_value(unit, money.dec(k['target'])))}</td>"
                f"<td class='num'>{e(achievement)}</td>"
                f"<td class='num'>{e(money.fmt_num(money.dec(k['points'])))}</td>"
                f"<td class='num'>{e(money.fmt_pct(money.dec(k['weight']), 0))}</td></tr>"
            )
    title = t("salary.statement.title", month=statement["month"])
    not_final = None if statement.get("status") == "approved" else t("salary.statement.not_final", status=status)
    lines_head = (
        f"<tr><th>{e(t('salary.c.item'))}</th><th>{e(t('salary.c.calc'))}</th>"
        f'<th class="num">{e(t("salary.c.amount"))}</th></tr>'
    )
    total_row = (
        f'<tr class="total"><td colspan="2">{e(t("salary.c.total"))}</td>'
        f'<td class="num">{e(formatting.amount(statement["total"]))}</td></tr>'
    )
    kpi_head = (
        f"<tr><th>{e(t('salary.c.project'))}</th><th>{e(t('salary.c.kpi'))}</th>"
        f'<th class="num">{e(t("salary.c.actual"))}</th>\n'
        f'<th class="num">{e(t("salary.c.target"))}</th><th class="num">{e(t("salary.c.achievement"))}</th>'
        f'<th class="num">{e(t("salary.c.points"))}</th>\n'
        f'<th class="num">{e(t("salary.c.weight"))}</th></tr>'
    )
    body = (
        f"<h2>{e(t('salary.statement.lines'))}</h2>\n<table>{lines_head}\n{line_rows}\n{total_row}</table>\n"
        f"<h2>{e(t('salary.statement.kpis'))}</h2>\n<table>{kpi_head}{kpi_rows}</table>"
    )
    footer = t("salary.statement.footer", at=config.now_text())
    return documents.statement(f"{title} · {statement['agent_name']}", title, not_final, meta, body, footer, lang)
