"""Merchant reports (日报/周报/月报): the official read-out of a project, as data, Excel and printable HTML.

A merchant reads only its own projects: every function goes through `require_project`, so an id
changed in a URL or a widget gets PermissionDenied, not another shop's figures. A report carries
no salaries and no internal QA comments: scores and case counts only.
"""
from __future__ import annotations

import calendar
import html
from datetime import date, timedelta
from typing import Any

import pandas as pd
import sqlite_utils

from core import aftersales, agents, complaints, config, excel, kpi_store, merchants, qa
from core.permissions import Actor, require_project

KINDS = ("daily", "weekly", "monthly")
REPORT_KPIS = ("consultations", "response_30s_rate", "first_response_s", "avg_response_s", "conversion_rate", "converted", "sales", "aov", "satisfaction")


def period(kind: str, anchor: date) -> tuple[date, date]:
    """The days a report covers: the day, its Monday-to-Sunday week, or its calendar month."""
    if kind == "daily":
        return anchor, anchor
    if kind == "weekly":
        monday = anchor - timedelta(days=anchor.weekday())
        return monday, monday + timedelta(days=6)
    if kind == "monthly":
        return anchor.replace(day=1), anchor.replace(day=calendar.monthrange(anchor.year, anchor.month)[1])
    raise ValueError(kind)


def build(db: sqlite_utils.Database, actor: Actor, project_id: int, kind: str, anchor: date) -> dict[str, Any]:
    """Everything one report shows, computed from the store; refused for a project the actor may not read."""
    require_project(db, actor, project_id, "report.read")
    start, end = period(kind, anchor)
    project = merchants.get_project(db, actor, project_id)
    shop = kpi_store.shop_days(db, actor, project_id, start, end)
    goal = kpi_store.targets(db, actor, project_id)
    figures = kpi_store.aggregate(shop)
    days = max(1, shop["day"].nunique()) if not shop.empty else 1
    headline = []
    for name in REPORT_KPIS:
        actual = figures.get(name)
        if name == "consultations" and actual is not None:
            actual = actual / days
        ok, gap = kpi_store.meets_target(name, actual, goal.get(name))
        headline.append({"kpi": name, "actual": actual, "target": goal.get(name), "ok": ok, "gap": gap})
    shown_days = shop[["day", *[k for k in REPORT_KPIS if k in shop]]].to_dict("records") if not shop.empty else []
    found_complaints = complaints.list_complaints(db, actor, project_id=project_id, start=start, end=end)
    return {
        "company": config.COMPANY_NAME,
        "kind": kind,
        "start": start,
        "end": end,
        "generated_at": config.now_text(),
        "project": {"id": project_id, "name": project["name"], "merchant": project["merchant_name"], "platform": project["platform"]},
        "headline": headline,
        "days": shown_days,
        "complaints": [{k: c.get(k) for k in ("number", "logged_at", "category", "severity", "status", "promised_at", "overdue")} for c in found_complaints],
        "reissues": [{k: r.get(k) for k in ("day", "order_no", "buyer_id", "items", "reason", "complete")}
                     for r in aftersales.list_reissues(db, actor, project_id=project_id, start=start, end=end)],
        "cashbacks": [{k: c.get(k) for k in ("logged_at", "order_no", "buyer_id", "amount", "reason", "status")}
                      for c in aftersales.list_cashbacks(db, actor, project_id=project_id)
                      if start.isoformat() <= str(c.get("logged_at", ""))[:10] <= end.isoformat()],
        "cases": [{k: c.get(k) for k in ("logged_at", "case_type", "order_no", "status", "progress")}
                  for c in aftersales.list_cases(db, actor, project_id=project_id)
                  if start.isoformat() <= str(c.get("logged_at", ""))[:10] <= end.isoformat()],
        "qa": _qa_numbers(qa.qa_summary(db, actor, project_id, start, end)),
        "team": [{"name": m["name"], "role": m["role"], "shift": m["shift"]} for m in agents.project_team(db, actor, project_id, end)],
    }


def _qa_numbers(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: summary.get(k) for k in ("reviews", "mean_score", "target", "at_target_rate", "critical_failures", "problem_cases", "excellent_cases")}


def title(report: dict[str, Any], t) -> str:
    """'优品家居 · 售前 周报 2026-11-16 ~ 2026-11-22'."""
    span = report["start"].isoformat() if report["start"] == report["end"] else f"{report['start']} ~ {report['end']}"
    return f"{report['project']['merchant']} · {report['project']['name']} {t('report.kind.' + report['kind'])} {span}"


def _value(kpi_name: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if kpi_name in ("response_30s_rate", "conversion_rate", "satisfaction", "at_target_rate"):
        return f"{float(value) * 100:.1f}%"
    if kpi_name in ("first_response_s", "avg_response_s"):
        return f"{float(value):.1f} s"
    if kpi_name in ("sales", "aov", "amount"):
        return f"¥{float(value):,.2f}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def sections(report: dict[str, Any], t) -> dict[str, pd.DataFrame]:
    headline = pd.DataFrame([{t("report.kpi"): t(f"kpi.m.{h['kpi']}"), t("report.actual"): _value(h["kpi"], h["actual"]),
                              t("report.target"): _value(h["kpi"], h["target"]),
                              t("report.met"): "" if h["ok"] is None else (t("yes") if h["ok"] else t("no"))} for h in report["headline"]])
    days = pd.DataFrame([{t("kpi.day"): d["day"], **{t(f"kpi.m.{k}"): _value(k, d.get(k)) for k in REPORT_KPIS if k in d}} for d in report["days"]])
    qa_frame = pd.DataFrame([{t("report.item"): t(f"report.qa.{k}"), t("report.value"): _value(k, v) if k != "mean_score" else ("—" if v is None else f"{v:.1f}")}
                             for k, v in report["qa"].items()])
    return {
        t("report.sheet.summary"): headline,
        t("report.sheet.days"): days,
        t("report.sheet.complaints"): _labelled(report["complaints"], t),
        t("report.sheet.reissues"): _labelled(report["reissues"], t),
        t("report.sheet.cashbacks"): _labelled(report["cashbacks"], t),
        t("report.sheet.cases"): _labelled(report["cases"], t),
        t("report.sheet.qa"): qa_frame,
        t("report.sheet.team"): pd.DataFrame([{t("report.name"): m["name"], t("report.role"): t(f"report.team_role.{m['role']}"),
                                               t("report.shift"): t(f"report.shift.{m['shift']}")} for m in report["team"]]),
    }


def _labelled(records: list[dict], t) -> pd.DataFrame:
    frame = pd.DataFrame(records)
    for column in frame.columns:
        if column == "amount":
            frame[column] = frame[column].map(lambda v: _value("amount", v))
        elif column in ("complete", "overdue"):
            frame[column] = frame[column].map(lambda v: t("yes") if v else t("no"))
    return frame.rename(columns={c: t(f"report.col.{c}") for c in frame.columns})


def to_xlsx(report: dict[str, Any], t) -> bytes:
    """The report as an Excel workbook: a title sheet, then one sheet per section."""
    cover = pd.DataFrame({t("report.item"): [t("report.company"), t("report.title"), t("report.generated")],
                          t("report.value"): [report["company"], title(report, t), report["generated_at"]]})
    return excel.to_xlsx({t("report.sheet.cover"): cover, **sections(report, t)})


def to_html(report: dict[str, Any], t) -> str:
    """The report as a self-contained HTML page that prints cleanly on A4 (every value escaped)."""
    meta = f"{report['company']} · {t('report.generated')} {report['generated_at']}"
    return html_document(title(report, t), meta, sections(report, t), t("report.none"))


def html_document(heading: str, meta: str, tables: dict[str, pd.DataFrame], empty_text: str, charts: dict[str, str] | None = None) -> str:
    """A printable A4 HTML page: a title, a meta line, one section per table (escaped), optional chart HTML per section."""
    parts = [f"<h1>{html.escape(heading)}</h1>", f"<p class='meta'>{html.escape(meta)}</p>"]
    for name, frame in tables.items():
        parts.append(f"<section><h2>{html.escape(name)}</h2>")
        if charts and name in charts:
            parts.append(charts[name])  # produced by plotly's own to_html, not from user text
        if frame.empty:
            parts.append(f"<p class='empty'>{html.escape(empty_text)}</p>")
        else:
            parts.append(frame.to_html(index=False, escape=True, border=0, na_rep="—"))
        parts.append("</section>")
    style = ("@page{size:A4;margin:14mm}body{font-family:'Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif;font-size:11pt;color:#222}"
             "h1{font-size:16pt;margin:0 0 4px}h2{font-size:13pt;border-bottom:2px solid #d9480f;padding-bottom:2px;margin-top:18px}"
             ".meta{color:#666}table{border-collapse:collapse;width:100%;page-break-inside:auto}tr{page-break-inside:avoid}"
             "th,td{border:1px solid #ccc;padding:3px 6px;text-align:left}th{background:#f6f1ee}.empty{color:#888}")
    return f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{html.escape(heading)}</title><style>{style}</style></head><body>{''.join(parts)}</body></html>"
