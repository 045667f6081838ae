"""Data import: raw chat logs and orders, or the platforms' daily per-agent summaries."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core import kpi_store, merchants
from core.errors import ValidationError
from core.permissions import can
from ui import context
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
    st.caption(t("kpi.import.raw_hint"))
    messages_file = st.file_uploader(t("kpi.import.messages_file"), type=["csv", "xlsx"], key="raw_messages")
    orders_file = st.file_uploader(t("kpi.import.orders_file"), type=["csv", "xlsx"], key="raw_orders")
    if messages_file is not None and st.button(t("kpi.import.check"), key="raw_check"):
        st.session_state.pop("raw_preview", None)
        try:
            with st.spinner(t("kpi.import.checking")):
                st.session_state["raw_preview"] = (project_id, kpi_store.preview_raw(
                    db, actor, project_id, messages_file.getvalue(), messages_file.name,
                    orders_file.getvalue() if orders_file else None, orders_file.name if orders_file else None))
        except ValidationError as exc:
            st.error(t("kpi.import.refused"))
            st.dataframe(pd.DataFrame([{t("kpi.import.where"): e.field, t("kpi.import.reason"): kpi_store.translate_reason(e.params.get("reason", ""), ctx.lang)}
                                       for e in exc.errors[:500]]), hide_index=True, width="stretch")
            if len(exc.errors) > 500:
                st.caption(t("kpi.import.more_errors", n=len(exc.errors) - 500))
    stored = st.session_state.get("raw_preview")
    if stored and stored[0] == project_id:
        preview = stored[1]
        st.success(t("kpi.import.raw_ok", messages=len(preview.messages), orders=0 if preview.orders is None else len(preview.orders),
                     start=preview.date_from.isoformat(), end=preview.date_to.isoformat()))
        st.dataframe(preview.messages.head(20), hide_index=True, width="stretch")
        agent_mapping(preview.unknown_agents, "raw")
        st.caption(t("kpi.import.replace_note", start=preview.date_from.isoformat(), end=preview.date_to.isoformat()))
        if st.button(t("kpi.import.go"), type="primary", key="raw_go"):
            bar = st.progress(0.0, text=t("kpi.import.progress"))
            import_id = kpi_store.import_raw(db, actor, project_id, preview, lambda f, stage: bar.progress(min(1.0, f), text=t("kpi.import.progress")))
            st.session_state.pop("raw_preview", None)
            st.success(t("kpi.import.done", id=import_id))
            st.page_link("app_pages/kpi_dashboard.py", label=t("kpi.import.open_dashboard"), query_params={"project": project_id}, icon=":material/monitoring:")

with summary_tab:
    summary_import_tab(ctx, project_id, agent_mapping)

with history_tab:
    history = kpi_store.imports(db, actor, project_id)
    if not history:
        st.info(t("kpi.import.no_history"))
    else:
        st.dataframe(pd.DataFrame([{t("kpi.import.when"): h["created_at"], t("kpi.import.kind"): t(f"kpi.import.kind.{h['kind']}"),
                                    t("kpi.import.files"): h["filenames"], t("kpi.import.days"): f"{h['date_from']} ~ {h['date_to']}",
                                    t("kpi.import.messages"): h["messages"], t("kpi.import.rows"): h["rows"], t("history.by"): h["created_by"]}
                                   for h in history]), hide_index=True, width="stretch")
