"""An agent's own KPIs and rank in each team; nobody else's details."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from core.kernel import config
from core.kpi import daily_figures
from ui import context
from ui.kpi_widgets import fmt

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("kpi.mine.title"))
today = config.today()
period = st.date_input(t("kpi.period"), value=(today - timedelta(days=30), today), format="YYYY-MM-DD", key="my_period")
start, end = (period[0], period[-1]) if isinstance(period, tuple) and period else (today - timedelta(days=30), today)
mine = daily_figures.own_kpis(db, actor, start, end)
if mine["agent"] is None:
    st.info(t("kpi.mine.not_linked"))
    st.stop()
if not mine["projects"]:
    st.info(t("kpi.no_data_period"))
    st.stop()
for project in mine["projects"]:
    st.subheader(project["project"])
    if project["rank"] is not None:
        st.markdown(t("kpi.mine.rank", rank=project["rank"], n=project["team_size"]))
    figures = project["figures"]
    columns = st.columns(5)
    for column, name in zip(
        columns, ("consultations", "response_30s_rate", "avg_response_s", "conversion_rate", "sales")
    ):
        column.metric(t(f"kpi.m.{name}"), fmt(name, figures.get(name)), border=True)
    days = project["days"]
    table = pd.DataFrame(
        {
            t("kpi.day"): days["day"],
            **{
                t(f"kpi.m.{m}"): days[m].map(lambda v, m=m: fmt(m, v))
                for m in (
                    "consultations",
                    "response_30s_rate",
                    "first_response_s",
                    "avg_response_s",
                    "conversion_rate",
                    "sales",
                )
            },
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
