"""Home: what needs attention today, per role."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from core import merchants
from core.permissions import can
from ui import context

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("home.title", name=actor.display_name))

if actor.role == "agent":
    st.info(t("home.agent_intro"))
    st.stop()

summary = merchants.home_summary(db, actor)
if not summary["projects"]:
    st.info(t("home.merchant_empty") if actor.role == "merchant" else t("home.empty"))
    st.stop()

c1, c2, c3, c4 = st.columns(4)
c1.metric(t("home.merchants"), summary["merchants"])
c2.metric(t("home.projects"), len(summary["projects"]))
c3.metric(t("status.live"), summary["by_status"]["live"])
c4.metric(t("home.in_preparation"), summary["by_status"]["signed"] + summary["by_status"]["training"])

left, right = st.columns([3, 2])
with left:
    st.subheader(t("home.by_status"))
    frame = pd.DataFrame({"status": [t(f"status.{s}") for s in merchants.PROJECT_STATUSES],
                          "n": [summary["by_status"][s] for s in merchants.PROJECT_STATUSES]})
    chart = px.bar(frame, x="status", y="n", labels={"status": t("field.status"), "n": t("home.projects")}, text="n")
    chart.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=10))
    st.plotly_chart(chart, width="stretch")
with right:
    if can(actor, "order_confirmation.write"):
        st.subheader(t("home.drafts"))
        if summary["drafts"]:
            for d in summary["drafts"]:
                st.page_link("app_pages/projects.py", label=f"{d['merchant_name']} · {d['name']} (v{d['version']}, {d['updated_at']})",
                             query_params={"project": d["project_id"]}, icon=":material/edit_note:")
        else:
            st.caption(t("home.no_drafts"))
    st.subheader(t("home.golives"))
    if summary["golives"]:
        for g in summary["golives"]:
            st.page_link("app_pages/projects.py", label=f"{g['golive']} · {g['merchant_name']} · {g['name']}",
                         query_params={"project": g["project_id"]}, icon=":material/rocket_launch:")
    else:
        st.caption(t("home.no_golives"))

st.subheader(t("home.projects"))
st.dataframe(
    pd.DataFrame([{t("field.merchant"): p["merchant_name"], t("field.project_name"): p["name"], t("field.platform"): t(f"platform.{p['platform']}"),
                   t("field.status"): t(f"status.{p['status']}"), t("field.manager"): p["manager_name"] or "—",
                   t("merchants.open"): f"/projects?project={p['id']}"} for p in summary["projects"]]),
    hide_index=True, width="stretch",
    column_config={t("merchants.open"): st.column_config.LinkColumn(display_text=t("merchants.open"))},
)
