"""My account: change one's own password (the language switch is in the sidebar)."""

from __future__ import annotations

import streamlit as st

from core.accounts import users
from core.kernel.errors import ValidationError
from ui import context
from ui.widgets import show_validation

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("account.title"))
st.write(f"{t('field.username')}: **{actor.username}** · {t('field.role')}: **{t('role.' + actor.role)}**")
with st.form("change_password", clear_on_submit=True):
    st.subheader(t("account.change_password"))
    old = st.text_input(t("field.old_password"), type="password")
    new = st.text_input(t("field.new_password"), type="password", help=t("users.password_help"))
    again = st.text_input(t("field.new_password_again"), type="password")
    if st.form_submit_button(t("btn.save"), type="primary"):
        if new != again:
            st.error(t("err.password_mismatch"))
        else:
            try:
                users.change_own_password(db, actor, old, new)
            except ValidationError as exc:
                show_validation(ctx, exc)
            else:
                st.session_state["pw_version"] = users.find_by_username(db, actor.username)["password_version"]
                st.success(t("account.password_changed"))
