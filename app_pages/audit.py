"""Audit log (admin): every change to business data, filtered by user, entity and date."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from core.accounts import users
from core.kernel import audit, config
from ui import context
from ui.widgets import download_xlsx

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("audit.title"))
everyone = users.list_users(db, actor)
c1, c2, c3 = st.columns([2, 2, 3])
username = (
    c1.selectbox(
        t("field.username"),
        ["", "system", *[u["username"] for u in everyone]],  # "": everyone (None reads as no choice)
        format_func=lambda u: u or t("all"),
        key="a_user",
    )
    or None
)
entity = (
    c2.selectbox(
        t("audit.entity"),
        ["", *audit.entities(db)],
        key="a_entity",
        format_func=lambda e: audit.entity_label(e, ctx.lang) if e else t("all"),
    )
    or None
)
today = config.today()
period = c3.date_input(
    t("audit.period"), value=(today - timedelta(days=30), today), format="YYYY-MM-DD", key="a_period"
)
start, end = (period[0], period[-1]) if isinstance(period, tuple) and period else (None, None)
found = audit.search(
    db, actor, username, entity, start.isoformat() if start else None, end.isoformat() if end else None
)
if not found:
    st.info(t("audit.empty"))
else:
    raw = st.toggle(t("audit.show_json"), key="a_json")  # the words first; the stored JSON for who needs it
    words = [audit.describe(r, ctx.lang) for r in found]
    table = pd.DataFrame(
        [
            {
                t("audit.at"): r["at"],
                t("field.username"): r["username"],
                t("audit.action"): w["action"],
                t("audit.entity"): w["entity"],
                t("audit.entity_id"): r["entity_id"],
                t("audit.change"): w["text"],
                t("audit.before"): r["before"] or "",
                t("audit.after"): r["after"] or "",
            }
            for r, w in zip(found, words)
        ]
    )
    st.caption(t("audit.count", n=len(found)))
    shown = table if raw else table.drop(columns=[t("audit.before"), t("audit.after")])
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={t("audit.change"): st.column_config.TextColumn(width="large")},
    )
    download_xlsx(ctx, "btn.export_excel", {"audit": table}, "audit.xlsx", "a_export")
