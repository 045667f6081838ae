"""Data import: raw chat logs and orders, or the platforms' daily per-agent summaries."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core import kpi_store, merchants, summary_import
from core.errors import ValidationError
from core.permissions import can
from ui import context
from ui.raw_import_widgets import raw_import_tab
from ui.widgets import show_validation

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("kpi.import.title"))
projects = [p for p in merchants.list_projects(db, actor) if p["status"] != "ended"]
if not projects:
    st.info(t("projects.empty"))
    st.stop()
labels = {p["id"]: f"{p['merchant_name']} · {p['name']}" for p in projects}
project_id = st.selectbox(t("projects.choose"), list(labels), format_func=labels.get, key="import_project")
settings = kpi_store.settings_for(db, project_id)
st.caption(t("kpi.import.settings", start=settings.window_start, end=settings.window_end, fast=settings.fast_threshold_s,
             unit=t(f"choice.kpi_response_unit.{settings.response_unit}"), days=settings.attribution_days))


def agent_mapping(unknown: list[str], key: str) -> None:
    """Let the user tie names the roster does not know to roster agents, once."""
    if not unknown:
        return
    st.warning(t("kpi.import.unknown_agents", n=len(unknown)))
    roster = kpi_store.roster_choices(db, actor, project_id)
    with st.form(f"map_{key}"):
        choices: dict[str, int | None] = {}
        for name in unknown:
            choices[name] = st.selectbox(name, [None, *[r["id"] for r in roster]],
                                         format_func=lambda i: t("kpi.import.leave_unmapped") if i is None else next(f"{r['name']} ({r['employee_no']})" for r in roster if r["id"] == i),
                                         key=f"map_{key}_{name}")
        if st.form_submit_button(t("kpi.import.save_mapping")):
            for name, agent_id in choices.items():
                if agent_id is not None:
                    kpi_store.map_agent(db, actor, project_id, name, agent_id)
            st.success(t("msg.saved"))


raw_tab, summary_tab, history_tab = st.tabs([t("kpi.import.raw"), t("kpi.import.summary"), t("kpi.import.history")])

with raw_tab:
    raw_import_tab(ctx, project_id, agent_mapping)

with summary_tab:
    st.caption(t("kpi.import.summary_hint"))
    summary_file = st.file_uploader(t("kpi.import.summary_file"), type=["csv", "xlsx"], key="summary_file")
    if summary_file is not None and st.button(t("kpi.import.check"), key="summary_check"):
        checking = st.progress(0.0, text=t("kpi.import.checking"))
        st.session_state["summary_preview"] = (project_id, kpi_store.preview_summary(
            db, actor, project_id, summary_file.getvalue(), summary_file.name,
            lambda f, stage: checking.progress(min(1.0, f), text=t("kpi.import.checking"))))
        checking.empty()
    stored = st.session_state.get("summary_preview")
    if stored and stored[0] == project_id:
        preview = stored[1]
        mapping = pd.DataFrame([{t("kpi.import.header"): source, t("kpi.import.maps_to"): t(f"kpi.f.{target}") if target else t("kpi.import.ignored")}
                                for source, target in preview.parsed.mapping])
        st.markdown(f"**{t('kpi.import.mapping')}**")
        st.dataframe(mapping, hide_index=True, width="stretch")
        if not preview.ok:
            st.error(t("kpi.import.refused"))
            st.dataframe(pd.DataFrame([{t("kpi.import.reason"): summary_import.format_error(e, ctx.lang)} for e in preview.parsed.errors[:500]]),
                         hide_index=True, width="stretch")
        else:
            st.success(t("kpi.import.summary_ok", rows=len(preview.parsed.rows)))
            st.dataframe(preview.parsed.rows.head(30), width="stretch")
            agent_mapping(preview.unknown_agents, "summary")
            if st.button(t("kpi.import.go"), type="primary", key="summary_go"):
                saving = st.progress(0.0, text=t("kpi.import.progress"))
                try:
                    import_id = kpi_store.import_summary(db, actor, project_id, preview,
                                                         lambda f, stage: saving.progress(min(1.0, f), text=t("kpi.import.progress")))
                except ValidationError as exc:
                    show_validation(ctx, exc)
                else:
                    st.session_state.pop("summary_preview", None)
                    st.success(t("kpi.import.done", id=import_id))

with history_tab:
    history = kpi_store.imports(db, actor, project_id)
    if not history:
        st.info(t("kpi.import.no_history"))
    else:
        st.dataframe(pd.DataFrame([{t("kpi.import.when"): h["created_at"], t("kpi.import.kind"): t(f"kpi.import.kind.{h['kind']}"),
                                    t("kpi.import.files"): h["filenames"], t("kpi.import.days"): f"{h['date_from']} ~ {h['date_to']}",
                                    t("kpi.import.messages"): h["messages"], t("kpi.import.rows"): h["rows"], t("history.by"): h["created_by"]}
                                   for h in history]), hide_index=True, width="stretch")
