"""Data import: raw chat logs and orders, or the platforms' daily per-agent summaries."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.kpi import daily_figures, roster_names
from core.kpi import settings as kpi_settings
from core.projects import merchants
from ui import context
from ui.raw_import_widgets import raw_import_tab
from ui.summary_import_widgets import summary_import_tab

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("kpi.import.title"))
projects = [p for p in merchants.list_projects(db, actor) if p["status"] != "ended"]
if not projects:
    st.info(t("projects.empty"))
    st.stop()
labels = {p["id"]: f"{p['merchant_name']} · {p['name']}" for p in projects}
project_id = st.selectbox(t("projects.choose"), list(labels), format_func=labels.get, key="import_project")
settings = kpi_settings.settings_for(db, project_id)
st.caption(
    t(
        "kpi.import.settings",
        start=settings.window_start,
        end=settings.window_end,
        fast=settings.fast_threshold_s,
        unit=t(f"choice.kpi_response_unit.{settings.response_unit}"),
        days=settings.attribution_days,
    )
)


def agent_mapping(unknown: list[str], key: str) -> None:
    """Let the user tie names the roster does not know to roster agents, once."""
    if not unknown:
        return
    st.warning(t("kpi.import.unknown_agents", n=len(unknown)))
    roster = roster_names.roster_choices(db, actor, project_id)
    with st.form(f"map_{key}"):
        choices: dict[str, int | None] = {}
        for name in unknown:
            choices[name] = st.selectbox(
                name,
                [None, *[r["id"] for r in roster]],
                format_func=lambda i: (
                    t("kpi.import.leave_unmapped")
                    if i is None
                    else next(f"{r['name']} ({r['employee_no']})" for r in roster if r["id"] == i)
                ),
                key=f"map_{key}_{name}",
            )
        if st.form_submit_button(t("kpi.import.save_mapping")):
            for name, agent_id in choices.items():
                if agent_id is not None:
                    roster_names.map_agent(db, actor, project_id, name, agent_id)
            st.success(t("msg.saved"))


raw_tab, summary_tab, history_tab = st.tabs([t("kpi.import.raw"), t("kpi.import.summary"), t("kpi.import.history")])

with raw_tab:
    raw_import_tab(ctx, project_id, agent_mapping)

with summary_tab:
    summary_import_tab(ctx, project_id, agent_mapping)

with history_tab:
    history = daily_figures.imports(db, actor, project_id)
    if not history:
        st.info(t("kpi.import.no_history"))
    else:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("kpi.import.when"): h["created_at"],
                        t("kpi.import.kind"): t(f"kpi.import.kind.{h['kind']}"),
                        t("kpi.import.files"): h["filenames"],
                        t("kpi.import.days"): f"{h['date_from']} ~ {h['date_to']}",
                        t("kpi.import.messages"): h["messages"],
                        t("kpi.import.rows"): h["rows"],
                        t("history.by"): h["created_by"],
                    }
                    for h in history
                ]
            ),
            hide_index=True,
            width="stretch",
        )
