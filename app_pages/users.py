"""Users (admin): create accounts, set roles, tie merchant users to their merchant, deactivate."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.accounts import users
from core.kernel.errors import ValidationError
from core.kernel.permissions import ROLES
from core.projects import merchants
from ui import context
from ui.widgets import download_xlsx, show_validation

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("users.title"))
merchant_rows = merchants.list_merchants(db, actor)
merchant_names = {m["id"]: m["name"] for m in merchant_rows}

c1, c2 = st.columns([3, 2])
search = c1.text_input(t("search"), placeholder=t("users.search_hint"), key="u_search")
role_filter = c2.selectbox(
    t("field.role"), [None, *ROLES], format_func=lambda r: t("all") if r is None else t(f"role.{r}"), key="u_role"
)
found = users.list_users(db, actor, search, role_filter)
table = pd.DataFrame(
    [
        {
            t("field.username"): u["username"],
            t("field.display_name"): u["display_name"],
            t("field.role"): t(f"role.{u['role']}"),
            t("field.merchant"): merchant_names.get(u["merchant_id"], ""),
            t("field.active"): t("yes") if u["active"] else t("no"),
            t("users.locked_until"): u["locked_until"] or "",
            t("users.created_at"): u["created_at"],
        }
        for u in found
    ]
)
if table.empty:
    st.info(t("users.empty"))
else:
    st.dataframe(table, hide_index=True, width="stretch")
    download_xlsx(ctx, "btn.export_excel", {"users": table}, "users.xlsx", "u_export")

new_tab, edit_tab = st.tabs([t("users.new"), t("users.edit")])
with new_tab:
    with st.form("new_user", clear_on_submit=False):
        c1, c2 = st.columns(2)
        username = c1.text_input(t("field.username"), help=t("users.username_help"))
        display_name = c2.text_input(t("field.display_name"))
        role = c1.selectbox(t("field.role"), ROLES, index=ROLES.index("agent"), format_func=lambda r: t(f"role.{r}"))
        merchant_id = c2.selectbox(
            t("field.merchant"),
            [None, *merchant_names],
            format_func=lambda m: "—" if m is None else merchant_names[m],
            help=t("users.merchant_help"),
        )
        password = c1.text_input(t("field.password"), type="password", help=t("users.password_help"))
        if st.form_submit_button(t("btn.create"), type="primary"):
            try:
                users.create_user(db, actor, username, display_name, role, password, merchant_id)
            except ValidationError as exc:
                show_validation(ctx, exc)
            else:
                st.success(t("users.created", username=username.strip().lower()))

with edit_tab:
    everyone = users.list_users(db, actor)
    pick = st.selectbox(
        t("field.username"),
        [u["id"] for u in everyone],
        format_func=lambda i: next(f"{u['username']} · {u['display_name']}" for u in everyone if u["id"] == i),
        key="u_pick",
    )
    if pick is not None:
        user = users.get_user(db, pick)
        with st.form(f"edit_user_{pick}"):
            display_name = st.text_input(t("field.display_name"), value=user["display_name"])
            role = st.selectbox(
                t("field.role"), ROLES, index=ROLES.index(user["role"]), format_func=lambda r: t(f"role.{r}")
            )
            options = [None, *merchant_names]
            merchant_id = st.selectbox(
                t("field.merchant"),
                options,
                index=options.index(user["merchant_id"]) if user["merchant_id"] in options else 0,
                format_func=lambda m: "—" if m is None else merchant_names[m],
            )
            active = st.checkbox(t("field.active"), value=bool(user["active"]), help=t("users.active_help"))
            if st.form_submit_button(t("btn.save"), type="primary"):
                try:
                    users.update_user(db, actor, pick, display_name, role, merchant_id, active)
                except ValidationError as exc:
                    show_validation(ctx, exc)
                else:
                    st.success(t("msg.saved"))
        with st.form(f"reset_pw_{pick}"):
            st.markdown(f"**{t('users.reset_password')}**")
            new_password = st.text_input(t("field.new_password"), type="password", help=t("users.password_help"))
            if st.form_submit_button(t("users.reset_password")):
                try:
                    users.reset_password(db, actor, pick, new_password)
                except ValidationError as exc:
                    show_validation(ctx, exc)
                else:
                    st.success(t("users.password_reset_done", username=user["username"]))
