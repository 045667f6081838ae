"""Company view: every live project against its own targets, with 3-day alerts (系统预警)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from core.kernel import config
from core.kpi import daily_figures
from ui import context
from ui.cache import cached
from ui.kpi_widgets import fmt
from ui.widgets import download_xlsx

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("kpi.company.title"))
today = config.today()
period = st.date_input(
    t("kpi.period"),
    value=(today - timedelta(days=7), today - timedelta(days=1)),
    format="YYYY-MM-DD",
    key="company_period",
)
start, end = (
    (period[0], period[-1])
    if isinstance(period, tuple) and period
    else (today - timedelta(days=7), today - timedelta(days=1))
)
overview = cached(daily_figures.company_overview)(db, actor, start, end)  # per data version: fresh after any save
if overview.empty:
    st.info(t("kpi.company.empty"))
    st.stop()

alerts = overview[overview["alerts"].map(bool)]
if not alerts.empty:
    for _, row in alerts.iterrows():
        st.error(
            t(
                "kpi.company.alert",
                project=row["project"],
                kpis="、".join(t(f"kpi.m.{k}") for k in row["alerts"]),
                n=daily_figures.ALERT_STREAK_DAYS,
            )
        )
else:
    st.success(t("kpi.company.no_alerts"))

shown_kpis = list(daily_figures.TARGETS)
table = pd.DataFrame({t("field.project_name"): overview["project"], t("kpi.days"): overview["days"]})
for name in shown_kpis:
    table[t(f"kpi.m.{name}")] = [
        f"{'✅' if ok else '❌' if ok is False else '·'} {fmt(name, actual)} / {fmt(name, target)}"
        for actual, target, ok in zip(overview[name], overview[f"{name}_target"], overview[f"{name}_ok"])
    ]
st.caption(t("kpi.company.legend"))
st.dataframe(table, hide_index=True, width="stretch")
download_xlsx(ctx, "btn.export_excel", {"projects": table}, f"company-kpi-{start}-{end}.xlsx", "company_export")
for _, row in overview.iterrows():
    st.page_link(
        "app_pages/kpi_dashboard.py",
        label=row["project"],
        query_params={"project": row["project_id"]},
        icon=":material/monitoring:",
    )
