"""Merchants: the searchable list, a merchant's detail with its projects, and new merchants."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import can
from core.projects import merchants
from ui import context
from ui.widgets import download_xlsx, query_int, show_validation

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("merchants.title"))


def merchant_form(key: str, initial: dict | None = None) -> dict | None:
    """The merchant fields; returns the entered data when submitted."""
    initial = initial or {}
    with st.form(key, clear_on_submit=False):
        c1, c2 = st.columns(2)
        name = c1.text_input(t("field.name"), value=initial.get("name", ""))
        platform = c2.selectbox(
            t("field.platform"),
            merchants.PLATFORMS,
            format_func=lambda p: t(f"platform.{p}"),
            index=merchants.PLATFORMS.index(initial.get("platform", "taobao")),
        )
        shop_name = c1.text_input(t("field.shop_name"), value=initial.get("shop_name", ""))
        category = c2.text_input(t("field.category"), value=initial.get("category", ""))
        contact_name = c1.text_input(t("field.contact_name"), value=initial.get("contact_name", ""))
        contact_phone = c2.text_input(t("field.contact_phone"), value=initial.get("contact_phone", ""))
        presales = c1.number_input(
            t("field.current_presales_agents"),
            min_value=0,
            step=1,
            value=int(initial.get("current_presales_agents", 0)),
        )
        inquiries = c2.number_input(
            t("field.avg_daily_inquiries"), min_value=0, step=1, value=int(initial.get("avg_daily_inquiries", 0))
        )
        frequency = c1.selectbox(
            t("field.promotion_frequency"),
            merchants.PROMOTION_FREQUENCIES,
            format_func=lambda f: t(f"promo.{f}"),
            index=merchants.PROMOTION_FREQUENCIES.index(initial.get("promotion_frequency", "none")),
        )
        notes = st.text_area(t("field.notes"), value=initial.get("notes", ""))
        if st.form_submit_button(t("btn.save"), type="primary"):
            return {
                "name": name,
                "platform": platform,
                "shop_name": shop_name,
                "category": category,
                "contact_name": contact_name,
                "contact_phone": contact_phone,
                "current_presales_agents": int(presales),
                "avg_daily_inquiries": int(inquiries),
                "promotion_frequency": frequency,
                "notes": notes,
            }
    return None


selected_id = query_int("merchant")

if selected_id is None:
    manager_rows = merchants.managers(db)
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    search = c1.text_input(t("search"), placeholder=t("merchants.search_hint"), key="m_search")
    platform = c2.selectbox(
        t("field.platform"),
        [None, *merchants.PLATFORMS],
        format_func=lambda p: t("all") if p is None else t(f"platform.{p}"),
        key="m_platform",
    )
    status = c3.selectbox(
        t("field.status"),
        [None, *merchants.PROJECT_STATUSES],
        format_func=lambda s: t("all") if s is None else t(f"status.{s}"),
        key="m_status",
    )
    manager = c4.selectbox(
        t("field.manager"),
        [None, *[m["id"] for m in manager_rows]],
        format_func=lambda m: t("all") if m is None else next(r["display_name"] for r in manager_rows if r["id"] == m),
        key="m_manager",
    )
    found = merchants.list_merchants(db, actor, search, platform, status, manager)
    if not found:
        st.info(t("merchants.empty"))
    else:
        table = pd.DataFrame(
            {
                t("field.name"): [r["name"] for r in found],
                t("field.platform"): [t(f"platform.{r['platform']}") for r in found],
                t("field.category"): [r["category"] for r in found],
                t("field.avg_daily_inquiries"): [r["avg_daily_inquiries"] for r in found],
                t("merchants.projects"): [r["projects"] for r in found],
                t("field.status"): [
                    ", ".join(t(f"status.{s}") for s in (r["statuses"] or "").split(",") if s) for r in found
                ],
                t("field.manager"): [r["managers"] or "" for r in found],
                t("merchants.open"): [f"/merchants?merchant={r['id']}" for r in found],
            }
        )
        st.caption(t("merchants.count", n=len(found)))
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_config={t("merchants.open"): st.column_config.LinkColumn(display_text=t("merchants.open"))},
        )
        download_xlsx(
            ctx,
            "btn.export_excel",
            {"merchants": table.drop(columns=[t("merchants.open")])},
            "merchants.xlsx",
            "m_export",
        )
    if can(actor, "merchant.write"):
        with st.expander(t("merchants.new"), icon=":material/add:"):
            data = merchant_form("new_merchant")
            if data is not None:
                try:
                    new_id = merchants.create_merchant(db, actor, data)
                except ValidationError as exc:
                    show_validation(ctx, exc)
                else:
                    st.query_params["merchant"] = str(new_id)
                    st.rerun()
else:
    try:
        merchant = merchants.get_merchant(db, actor, selected_id)
    except NotFound:
        st.error(t("msg.not_found"))
        st.stop()
    if st.button(t("btn.back_to_list"), icon=":material/arrow_back:"):
        del st.query_params["merchant"]
        st.rerun()
    st.subheader(f"{merchant['name']} · {t('platform.' + merchant['platform'])}")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("field.category"), merchant["category"] or "—")
    c2.metric(t("field.current_presales_agents"), merchant["current_presales_agents"])
    c3.metric(t("field.avg_daily_inquiries"), merchant["avg_daily_inquiries"])
    c4.metric(t("field.promotion_frequency"), t(f"promo.{merchant['promotion_frequency']}"))
    st.write(
        f"{t('field.shop_name')}: {merchant['shop_name'] or '—'} · {t('field.contact_name')}: "
        f"{merchant['contact_name'] or '—'} · {t('field.contact_phone')}: {merchant['contact_phone'] or '—'}"
    )
    if merchant["notes"]:
        st.caption(merchant["notes"])

    st.subheader(t("merchants.projects"))
    projects = merchants.list_projects(db, actor, merchant_id=selected_id)
    if projects:
        for p in projects:
            st.page_link(
                "app_pages/projects.py",
                label=f"{p['name']} · {t('status.' + p['status'])} · {p['manager_name'] or '—'}",
                query_params={"project": p["id"]},
                icon=":material/assignment:",
            )
    else:
        st.info(t("merchants.no_projects"))

    if can(actor, "merchant.write"):
        with st.expander(t("projects.new"), icon=":material/add:"):
            manager_rows = merchants.managers(db)
            with st.form("new_project"):
                name = st.text_input(t("field.project_name"))
                manager = st.selectbox(
                    t("field.manager"),
                    [None, *[m["id"] for m in manager_rows]],
                    format_func=lambda m: (
                        "—" if m is None else next(r["display_name"] for r in manager_rows if r["id"] == m)
                    ),
                )
                if st.form_submit_button(t("btn.create"), type="primary"):
                    try:
                        project_id = merchants.create_project(db, actor, selected_id, name, manager)
                    except ValidationError as exc:
                        show_validation(ctx, exc)
                    else:
                        st.switch_page("app_pages/projects.py", query_params={"project": project_id})
        with st.expander(t("merchants.edit"), icon=":material/edit:"):
            data = merchant_form("edit_merchant", merchant)
            if data is not None:
                try:
                    merchants.update_merchant(db, actor, selected_id, data)
                except ValidationError as exc:
                    show_validation(ctx, exc)
                else:
                    st.success(t("msg.saved"))
                    st.rerun()
