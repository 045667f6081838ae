"""System (admin): database backup download and the company's extra days off."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.kernel import backup, config, workdays
from core.kernel.errors import ValidationError
from ui import context
from ui.widgets import show_validation

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("system.title"))

st.subheader(t("system.backup"))
st.caption(t("system.backup_hint"))
if st.button(t("system.make_backup"), icon=":material/backup:"):
    st.session_state["backup_bytes"] = backup.backup_bytes(db, actor)
    st.session_state["backup_name"] = f"app-backup-{config.now().strftime('%Y%m%d-%H%M%S')}.db"
if "backup_bytes" in st.session_state:
    st.download_button(
        t("system.download_backup"),
        st.session_state["backup_bytes"],
        file_name=st.session_state["backup_name"],
        mime="application/x-sqlite3",
        icon=":material/download:",
    )

st.subheader(t("system.days_off"))
st.caption(t("system.days_off_hint"))
days = workdays.list_extra_days_off(db)
if days:
    st.dataframe(
        pd.DataFrame([{t("system.day"): d["day"], t("history.note"): d["note"]} for d in days]), hide_index=True
    )
else:
    st.info(t("system.no_days_off"))
with st.form("add_day_off"):
    c1, c2 = st.columns([1, 2])
    day = c1.date_input(t("system.day"), value=config.today(), format="YYYY-MM-DD")
    note = c2.text_input(t("history.note"))
    if st.form_submit_button(t("btn.add")):
        try:
            workdays.add_extra_day_off(db, actor, day, note)
        except ValidationError as exc:
            show_validation(ctx, exc)
        else:
            st.rerun()
if days:
    c1, c2 = st.columns([1, 2])
    victim = c1.selectbox(t("system.day"), [d["day"] for d in days], key="day_off_remove")
    sure = c2.checkbox(t("confirm_delete"), key="day_off_sure")
    if st.button(t("btn.delete"), disabled=not sure):
        from datetime import date

        workdays.remove_extra_day_off(db, actor, date.fromisoformat(victim))
        st.rerun()
