"""Attendance (考勤): the month at a glance per agent, filled from the schedule, exceptions entered by the
supervisor."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.kernel.months import month_bounds, recent_months
from core.projects import merchants
from core.salary import attendance
from ui import context
from ui.widgets import download_xlsx, save_and_flash, show_flash

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("salary.att.title"))
st.caption(t("salary.att.rules"))
show_flash("attendance")

months = recent_months(13)
projects = merchants.list_projects(db, actor)
c1, c2, c3 = st.columns([1, 2, 2])
month = c1.selectbox(t("salary.month"), months, key="att_month")
project_id = (
    c2.selectbox(
        t("salary.c.project"),
        [0, *[p["id"] for p in projects]],
        key="att_project",  # 0: all projects
        format_func=lambda pid: (
            t("all") if not pid else next(f"{p['merchant_name']} · {p['name']}" for p in projects if p["id"] == pid)
        ),
    )
    or None
)
search = c3.text_input(t("search"), key="att_search", placeholder=t("salary.search_hint"))
start, end = month_bounds(month)

if st.button(t("salary.att.fill"), key="att_fill", icon=":material/event_repeat:", help=t("salary.att.fill_help")):
    save_and_flash(
        ctx,
        "attendance",
        lambda added: t("salary.att.filled", n=added),
        attendance.fill_schedule,
        db,
        actor,
        start,
        end,
    )

grid = attendance.month_grid(db, actor, start, end, project_id, search)
if not grid:
    st.info(t("salary.att.none"))
    st.stop()
symbols = {status: t(f"salary.att.sym.{status}") for status in attendance.STATUSES}
st.caption(" · ".join(f"{symbols[s]} = {t('salary.att.status.' + s)}" for s in attendance.STATUSES))
days = [d.isoformat() for d in pd.date_range(start, end).date]
table = pd.DataFrame(
    {
        t("salary.c.employee_no"): [p["employee_no"] for p in grid],
        t("salary.c.agent"): [p["name"] for p in grid],
        **{day[8:]: [symbols.get(p["days"].get(day), "") for p in grid] for day in days},
        t("salary.att.status.late"): [p["summary"]["late"] for p in grid],
        t("salary.att.status.absent"): [p["summary"]["absent"] for p in grid],
        t("salary.att.status.leave"): [p["summary"]["leave"] for p in grid],
        t("salary.att.rate"): [
            None if p["summary"]["rate"] is None else round(p["summary"]["rate"] * 100, 1) for p in grid
        ],
    }
)
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={t("salary.att.rate"): st.column_config.NumberColumn(format="%.1f%%")},
)
download_xlsx(ctx, "btn.export_excel", {t("salary.att.title"): table}, f"attendance-{month}.xlsx", "att_xlsx")

st.subheader(t("salary.att.edit"))
agent_id = st.selectbox(
    t("salary.c.agent"),
    [p["agent_id"] for p in grid],
    key="att_agent",
    format_func=lambda a: next(f"{p['employee_no']} · {p['name']}" for p in grid if p["agent_id"] == a),
)
person = next(p for p in grid if p["agent_id"] == agent_id)
recorded = {r["day"]: r for r in attendance.agent_days(db, actor, agent_id, start, end)}
editor = pd.DataFrame(
    [
        {
            "day": day,
            "shift": recorded.get(day, {}).get("shift") or person["shift"] or "day",
            "status": recorded.get(day, {}).get("status"),
            "check_in": recorded.get(day, {}).get("check_in") or "",
            "note": recorded.get(day, {}).get("note") or "",
        }
        for day in days
    ]
)
st.caption(t("salary.att.edit_hint"))
edited = st.data_editor(
    editor,
    hide_index=True,
    width="stretch",
    key=f"att_editor_{agent_id}_{month}",
    disabled=["day"],
    column_config={
        "day": st.column_config.TextColumn(t("salary.c.day")),
        "shift": st.column_config.SelectboxColumn(
            t("salary.c.shift"),
            options=list(attendance.SHIFTS),
            required=True,
            format_func=lambda s: t(f"salary.shift.{s}"),
        ),
        "status": st.column_config.SelectboxColumn(
            t("salary.c.status"), options=list(attendance.STATUSES), format_func=lambda s: t(f"salary.att.status.{s}")
        ),
        "check_in": st.column_config.TextColumn(
            t("salary.c.check_in"), help=t("salary.att.check_in_help"), max_chars=5
        ),
        "note": st.column_config.TextColumn(t("salary.c.note"), max_chars=attendance.MAX_NOTE),
    },
)
if st.button(t("btn.save"), type="primary", key="att_save"):
    records = [r for r in edited.to_dict("records") if r.get("status") or r.get("check_in")]
    save_and_flash(
        ctx,
        "attendance",
        lambda changed: t("salary.att.saved", n=changed),
        attendance.save_days,
        db,
        actor,
        agent_id,
        records,
    )
