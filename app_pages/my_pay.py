"""An agent's own pay: this month's running estimate, the statements of approved months, its attendance; nobody
else's."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.agents import directory
from core.kernel import config
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import PermissionDenied
from core.salary import attendance, payrun
from ui import context
from ui import salary_widgets as sw
from ui.widgets import error_text, money_column, query_int

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("salary.mine.title"))
own = directory.my_agent(db, actor)
if own is None:
    st.info(t("salary.mine.not_linked"))
    st.stop()

statements = payrun.my_statements(db, actor)
requested_run, requested_agent = query_int("run"), query_int("agent")
if requested_run is not None or requested_agent is not None:  # a link to one statement: core decides whose it may be
    try:
        shown = payrun.get_statement(db, actor, requested_run or 0, requested_agent or own["id"])
    except (PermissionDenied, NotFound):
        st.error(t("msg.not_found"))
        st.stop()
    sw.statement(ctx, shown, key="linked")
    st.stop()

tab_estimate, tab_statements, tab_attendance = st.tabs(
    [t("salary.mine.estimate"), t("salary.mine.statements"), t("salary.mine.attendance")]
)
today = config.today()
with tab_estimate:
    st.caption(t("salary.mine.estimate_hint", start=today.replace(day=1).isoformat(), today=today.isoformat()))
    try:
        estimate = payrun.month_to_date(db, actor)
    except ValidationError as exc:
        st.warning(
            t("salary.mine.estimate_unavailable") + "\n\n" + "\n".join(f"- {error_text(ctx, e)}" for e in exc.errors)
        )
        estimate = None
    if estimate is None:
        st.info(t("salary.mine.no_estimate"))
    else:
        sw.statement(ctx, estimate, key="estimate")

with tab_statements:
    if not statements:
        st.info(t("salary.mine.no_statements"))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    t("salary.month"): [s["month"] for s in statements],
                    t("salary.c.total"): [s["total"] for s in statements],
                    t("salary.c.kpi_score"): [s["kpi_score"] for s in statements],
                    t("salary.c.grade"): [sw.grade_text(ctx, s["grade"]) for s in statements],
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={t("salary.c.total"): money_column(t("salary.c.total"))},
        )
        run_id = st.selectbox(
            t("salary.month"),
            [s["run_id"] for s in statements],
            key="my_pay_month",
            format_func=lambda r: next(s["month"] for s in statements if s["run_id"] == r),
        )
        sw.statement(ctx, payrun.get_statement(db, actor, run_id, own["id"]), key=f"mine_{run_id}")

with tab_attendance:
    records = attendance.agent_days(db, actor, own["id"], today.replace(day=1), today)
    if not records:
        st.info(t("salary.att.none"))
    else:
        summary = attendance.summary(records)
        st.caption(
            t(
                "salary.mine.attendance_summary",
                worked=summary["worked"],
                scheduled=summary["scheduled"],
                late=summary["late"],
                absent=summary["absent"],
                leave=summary["leave"],
            )
        )
        st.caption(t("salary.mine.attendance_hint"))
        st.dataframe(
            pd.DataFrame(
                {
                    t("salary.c.day"): [r["day"] for r in records],
                    t("salary.c.shift"): [t(f"salary.shift.{r['shift']}") for r in records],
                    t("salary.c.status"): [t(f"salary.att.status.{r['status']}") for r in records],
                    t("salary.c.check_in"): [r["check_in"] or "" for r in records],
                    t("salary.c.note"): [r["note"] for r in records],
                }
            ),
            hide_index=True,
            width="stretch",
        )
