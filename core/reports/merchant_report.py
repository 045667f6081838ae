"""Merchant reports (日报/周报/月报): the official read-out of a project, as data, Excel and printable HTML.

A merchant reads only its own projects: every function goes through `require_project`, so an id
changed in a URL or a widget gets PermissionDenied, not another shop's figures. A report carries
no salaries and no internal QA comments: scores and case counts only.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

import pandas as pd
import sqlite_utils

from core.agents import directory
from core.complaints import aftersales, complaints
from core.kernel import config, documents, excel, formatting, pdf, weeks
from core.kernel.permissions import Actor, require_project
from core.kpi import daily_figures
from core.projects import merchants
from core.qa import analytics

KINDS = ("daily", "weekly", "monthly")
REPORT_KPIS = (
    "consultations",
    "response_30s_rate",
    "first_response_s",
    "avg_response_s",
    "conversion_rate",
    "converted",
    "sales",
    "aov",
    "satisfaction",
)
# over several days, consultations are a daily mean (the target is per day) and converted buyers and sales are totals:
# the headline says which, so nobody divides a total by a mean
MEAN_KPIS = ("consultations",)
TOTAL_KPIS = ("converted", "sales")
# the codes of each section's columns and the catalogue prefix that turns them into words
CODE_LABELS: dict[str, dict[str, str]] = {
    "complaints": {"category": "complaint.category", "severity": "complaint.severity", "status": "complaint.status"},
    "reissues": {"reason": "as.reissue_reason"},
    "cashbacks": {"reason": "as.cashback_reason", "status": "as.cashback_status"},
    "cases": {"case_type": "as.case_type", "status": "as.case_status"},
}
QA_KPI = {
    "reviews": "reviews",
    "mean_score": "mean_score",
    "target": "target",
    "at_target_rate": "at_target_rate",
    "critical_failures": "critical_failures",
    "problem_cases": "problem_cases",
    "excellent_cases": "excellent_cases",
}


def period(kind: str, anchor: date) -> tuple[date, date]:
    """The days a report covers: the day, its Monday-to-Sunday week, or its calendar month."""
    if kind == "daily":
        return anchor, anchor
    if kind == "weekly":
        return weeks.week_of(anchor)
    if kind == "monthly":
        return anchor.replace(day=1), anchor.replace(day=calendar.monthrange(anchor.year, anchor.month)[1])
    raise ValueError(kind)


def default_anchor(kind: str, today: date | None = None) -> date:
    """The day a report opens on: the last complete period (yesterday, last week's Monday, last month's first day)."""
    day = today or config.today()
    if kind == "daily":
        return day - timedelta(days=1)
    if kind == "weekly":
        return weeks.week_start(day) - timedelta(days=7)
    if kind == "monthly":
        return (day.replace(day=1) - timedelta(days=1)).replace(day=1)
    raise ValueError(kind)


def build(
    db: sqlite_utils.Database, actor: Actor, project_id: int, kind: str, anchor: date, today: date | None = None
) -> dict[str, Any]:
    """Everything one report shows, computed from the store; refused for a project the actor may not read.

    A period that has not ended by `today` (default: the clock) is in progress: `in_progress` is
    set and `through` is its last day with data (None before any), so the title says 截至 that day.
    """
    require_project(db, actor, project_id, "report.read")
    start, end = period(kind, anchor)
    project = merchants.get_project(db, actor, project_id)
    shop = daily_figures.shop_days(db, actor, project_id, start, end)
    goal = daily_figures.targets(db, actor, project_id)
    figures = daily_figures.aggregate(shop)
    days = max(1, shop["day"].nunique()) if not shop.empty else 1
    headline = []
    for name in REPORT_KPIS:
        actual = figures.get(name)
        if name in MEAN_KPIS and actual is not None:
            actual = actual / days
        ok, gap = daily_figures.meets_target(name, actual, goal.get(name))
        headline.append(
            {
                "kpi": name,
                "actual": actual,
                "target": goal.get(name),
                "ok": ok,
                "gap": gap,
                "mean": name in MEAN_KPIS,
                "total": name in TOTAL_KPIS and kind != "daily",
            }
        )
    shown_days = shop[["day", *[k for k in REPORT_KPIS if k in shop]]].to_dict("records") if not shop.empty else []
    found_complaints = complaints.list_complaints(db, actor, project_id=project_id, start=start, end=end)
    in_progress = end >= (today or config.today())
    return {
        "company": config.COMPANY_NAME,
        "kind": kind,
        "start": start,
        "end": end,
        "in_progress": in_progress,
        "through": (date.fromisoformat(str(shop["day"].max())[:10]) if not shop.empty else None)
        if in_progress
        else None,
        "generated_at": config.now_text(),
        "project": {
            "id": project_id,
            "name": project["name"],
            "merchant": project["merchant_name"],
            "platform": project["platform"],
        },
        "headline": headline,
        "days": shown_days,
        "complaints": [
            {k: c.get(k) for k in ("number", "logged_at", "category", "severity", "status", "promised_at", "overdue")}
            for c in found_complaints
        ],
        "reissues": [
            {k: r.get(k) for k in ("day", "order_no", "buyer_id", "items", "reason", "complete")}
            for r in aftersales.list_reissues(db, actor, project_id=project_id, start=start, end=end)
        ],
        "cashbacks": [
            {k: c.get(k) for k in ("logged_at", "order_no", "buyer_id", "amount", "reason", "status")}
            for c in aftersales.list_cashbacks(db, actor, project_id=project_id)
            if start.isoformat() <= str(c.get("logged_at", ""))[:10] <= end.isoformat()
        ],
        "cases": [
            {
                "logged_at": c.get("logged_at"),
                "case_type": c.get("case_type"),
                "order_no": c.get("order_no"),
                "status": c.get("status"),
                "progress": f"{len(c.get('steps_done') or [])}/{c.get('steps_total')}",
            }
            for c in aftersales.list_cases(db, actor, project_id=project_id)
            if start.isoformat() <= str(c.get("logged_at", ""))[:10] <= end.isoformat()
        ],
        "qa": _qa_numbers(analytics.qa_summary(db, actor, project_id, start, end)),
        "team": [
            {"name": m["name"], "role": m["role"], "shift": m["shift"]}
            for m in directory.project_team(db, actor, project_id, min(end, today or config.today()))
        ],
    }


def _qa_numbers(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: summary.get(k) for k in QA_KPI}


def title(report: dict[str, Any], t) -> str:
    """'优品家居 · 售前 周报 2026-11-16 ~ 2026-11-22', and '（进行中，截至 2026-12-02）' for a period not over yet."""
    span = report["start"].isoformat() if report["start"] == report["end"] else f"{report['start']} ~ {report['end']}"
    text = f"{report['project']['merchant']} · {report['project']['name']} {t('report.kind.' + report['kind'])} {span}"
    if report.get("in_progress"):
        text += (
            t("report.in_progress_through", through=report["through"].isoformat())
            if report.get("through")
            else t("report.in_progress")
        )
    return text


def headline_label(item: dict[str, Any], kind: str, t) -> str:
    """A headline KPI's name, saying 日均 for a daily mean and 合计 for a total over several days."""
    name = t(f"kpi.m.{item['kpi']}")
    if kind != "daily" and item.get("mean"):
        return t("report.daily_mean", label=name)
    if item.get("total"):
        return t("report.total_of", label=name)
    return name


def _value(kpi_name: str, value: Any) -> str:
    """A figure of a report or the meeting's printout (consultations there are daily means)."""
    return formatting.kpi(kpi_name, value, mean=kpi_name in MEAN_KPIS)


def _headline_rows(report: dict[str, Any], t, numbers: bool) -> list[dict[str, Any]]:
    write = formatting.kpi_number if numbers else formatting.kpi
    return [
        {
            t("report.kpi"): headline_label(h, report["kind"], t),
            t("report.actual"): write(h["kpi"], h["actual"], mean=h["mean"]),
            t("report.target"): write(h["kpi"], h["target"], mean=h["mean"]),
            t("report.met"): "" if h["ok"] is None else (t("yes") if h["ok"] else t("no")),
        }
        for h in report["headline"]
    ]


def _tables(report: dict[str, Any], t, numbers: bool) -> dict[str, pd.DataFrame]:
    write = formatting.kpi_number if numbers else formatting.kpi
    days = pd.DataFrame(
        [
            {t("kpi.day"): d["day"], **{t(f"kpi.m.{k}"): write(k, d.get(k)) for k in REPORT_KPIS if k in d}}
            for d in report["days"]
        ]
    )
    qa_frame = pd.DataFrame(
        [
            {t("report.item"): t(f"report.qa.{k}"), t("report.value"): write(QA_KPI[k], v)}
            for k, v in report["qa"].items()
        ]
    )
    return {
        t("report.sheet.summary"): pd.DataFrame(_headline_rows(report, t, numbers)),
        t("report.sheet.days"): days,
        t("report.sheet.complaints"): _labelled(report["complaints"], CODE_LABELS["complaints"], t, numbers),
        t("report.sheet.reissues"): _labelled(report["reissues"], CODE_LABELS["reissues"], t, numbers),
        t("report.sheet.cashbacks"): _labelled(report["cashbacks"], CODE_LABELS["cashbacks"], t, numbers),
        t("report.sheet.cases"): _labelled(report["cases"], CODE_LABELS["cases"], t, numbers),
        t("report.sheet.qa"): qa_frame,
        t("report.sheet.team"): pd.DataFrame(
            [
                {
                    t("report.name"): m["name"],
                    t("report.role"): t(f"report.team_role.{m['role']}"),
                    t("report.shift"): t(f"report.shift.{m['shift']}"),
                }
                for m in report["team"]
            ]
        ),
    }


def sections(report: dict[str, Any], t) -> dict[str, pd.DataFrame]:
    """The report's tables as people read them (every code in words, every figure through core.kernel.formatting)."""
    return _tables(report, t, numbers=False)


def _excel_formats(report: dict[str, Any], t) -> dict[str, dict[str, str | list[str | None]]]:
    """Number formats of the workbook's cells: per row in the summary and QA sheets (their rows are different KPIs)."""
    actual = [formatting.excel_format(h["kpi"], mean=h["mean"]) for h in report["headline"]]
    target = [
        formatting.excel_format(h["kpi"]) for h in report["headline"]
    ]  # a per-day target is a whole count: 120, not 120.0
    return {
        t("report.sheet.summary"): {t("report.actual"): actual, t("report.target"): target},
        t("report.sheet.days"): {t(f"kpi.m.{k}"): formatting.excel_format(k) for k in REPORT_KPIS},
        t("report.sheet.cashbacks"): {t("report.col.amount"): formatting.excel_format("amount")},
        t("report.sheet.qa"): {t("report.value"): [formatting.excel_format(QA_KPI[k]) for k in report["qa"]]},
    }


def _labelled(records: list[dict], codes: dict[str, str], t, numbers: bool = False) -> pd.DataFrame:
    frame = pd.DataFrame(records)
    for column in frame.columns:
        if column == "amount":
            frame[column] = frame[column].map(
                lambda v: (formatting.kpi_number if numbers else formatting.kpi)("amount", v)
            )
        elif column in ("complete", "overdue"):
            frame[column] = frame[column].map(lambda v: t("yes") if v else t("no"))
        elif column in codes:
            frame[column] = frame[column].map(lambda v, prefix=codes[column]: "—" if v is None else t(f"{prefix}.{v}"))
    return frame.rename(columns={c: t(f"report.col.{c}") for c in frame.columns})


def to_xlsx(report: dict[str, Any], t) -> bytes:
    """The report as an Excel workbook: a title sheet, then one sheet per section, figures as numbers."""
    cover = pd.DataFrame(
        {
            t("report.item"): [t("report.company"), t("report.title"), t("report.generated")],
            t("report.value"): [report["company"], title(report, t), report["generated_at"]],
        }
    )
    return excel.to_xlsx(
        {t("report.sheet.cover"): cover, **_tables(report, t, numbers=True)}, _excel_formats(report, t)
    )


def to_pdf(report: dict[str, Any], t) -> bytes:
    """The report as an A4 PDF with the same title, meta line and sections as the printable page."""
    meta = f"{report['company']} · {t('report.generated')} {report['generated_at']}"
    return pdf.tables_pdf(title(report, t), meta, sections(report, t), t("report.none"), t("pdf.page"))


def to_html(report: dict[str, Any], t) -> str:
    """The report as a self-contained HTML page that prints cleanly on A4 (every value escaped)."""
    meta = f"{report['company']} · {t('report.generated')} {report['generated_at']}"
    return documents.tables_document(title(report, t), meta, sections(report, t), t("report.none"))
