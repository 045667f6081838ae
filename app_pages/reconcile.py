"""Reconciliation: our figures from the raw logs beside the platform's, per agent and day (managers, admin; QA
reads)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core.kernel.permissions import can, page_allowed
from core.kpi import reconcile_display
from core.kpi import reconciliation as recon
from ui import context
from ui.cache import cached
from ui.widgets import download_xlsx, project_picker, save_and_flash, show_flash

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("recon.title"))
st.caption(t("recon.intro"))
show_flash("reconcile")

project_id = project_picker(ctx, "recon_project", default_live=True, with_status=False, remember=False)["id"]


def open_import() -> None:
    if page_allowed(actor.role, "kpi_import"):
        st.page_link(
            "app_pages/kpi_import.py",
            label=t("recon.open_import"),
            query_params={"project": project_id},
            icon=":material/upload_file:",
        )


span = recon.data_span(db, actor, project_id)
if span["raw"] is None or span["platform"] is None:
    key = (
        "recon.empty.none"
        if span["raw"] is None and span["platform"] is None
        else ("recon.empty.no_raw" if span["raw"] is None else "recon.empty.no_platform")
    )
    st.info(t(key))
    open_import()
    st.stop()

first_day = min(span["raw"][0], span["platform"][0])
last_day = max(span["raw"][1], span["platform"][1])
asked = st.query_params.get("day")
try:
    asked_day = date.fromisoformat(asked) if asked else None
except ValueError:
    asked_day = None
period_default = (
    (asked_day, asked_day) if asked_day and first_day <= asked_day <= last_day else recon.default_period(span)
)
c1, c2, c3 = st.columns([2, 2, 2])
period = c1.date_input(
    t("recon.period"),
    value=period_default,
    min_value=first_day,
    max_value=last_day,
    format="YYYY-MM-DD",
    key=f"recon_period_{project_id}",
)
start, end = (period[0], period[-1]) if isinstance(period, tuple) and period else period_default
query = c2.text_input(t("recon.search"), key=f"recon_search_{project_id}", placeholder=t("recon.search_hint"))
c3.write("")
flagged_only = c3.toggle(t("recon.flagged_only"), key=f"recon_flagged_{project_id}")

result = cached(recon.reconcile)(db, actor, project_id, start, end)
settings = result.settings
st.caption(
    t(
        "recon.context",
        window=f"{settings['window_start']}–{settings['window_end']}",
        unit=t(f"recon.dim.{settings['response_unit']}"),
        days=settings["attribution_days"],
        platform="、".join(reconcile_display.profile_text(p, ctx.lang) for p in result.profiles) or "—",
        tolerance=t("recon.tolerance_rule", pct=f"{result.tolerance * 100:g}"),
    )
)
if result.missing_platform:
    st.warning(t("recon.missing_platform", days="、".join(result.missing_platform)))
if result.missing_raw:
    st.warning(t("recon.missing_raw", days="、".join(result.missing_raw)))
if (result.missing_platform or result.missing_raw) and not result.both_days:
    open_import()

cells = result.cells
m1, m2, m3, m4 = st.columns(4)
m1.metric(t("recon.m.agents"), len(cells[["day", "agent"]].drop_duplicates()) if len(cells) else 0, border=True)
m2.metric(t("recon.m.cells"), len(cells), border=True)
m3.metric(t("recon.m.flagged"), result.flagged_count, border=True)
m4.metric(t("recon.m.pending"), int(cells["pending"].sum()) if len(cells) else 0, border=True)

st.subheader(t("recon.table"))
shown = recon.filter_cells(cells, query, flagged_only)
if not result.both_days:
    st.info(t("recon.empty.no_overlap"))
elif cells.empty:
    st.info(t("recon.no_cells"))
elif shown.empty:
    st.info(t("recon.no_match") if query.strip() else t("recon.no_flagged"))
else:
    st.dataframe(
        reconcile_display.table(shown, ctx.lang),
        hide_index=True,
        width="stretch",
        column_config={
            t("recon.col.reasons"): st.column_config.TextColumn(width="large"),
            t("recon.col.variant"): st.column_config.TextColumn(width="medium"),
        },
    )
    download_xlsx(
        ctx,
        "recon.export",
        reconcile_display.export_sheets(result, shown, ctx.lang),
        f"reconcile-{project_id}-{start}-{end}.xlsx",
        "recon_export",
    )

only_ours, only_platform = recon.filter_side(result.only_ours, query), recon.filter_side(result.only_platform, query)
if len(only_ours) or len(only_platform):
    with st.expander(t("recon.one_side", n=len(only_ours) + len(only_platform))):
        st.caption(t("recon.one_side_hint"))
        for label, frame in (("recon.only_ours", only_ours), ("recon.only_platform", only_platform)):
            if len(frame):
                st.markdown(f"**{t(label)}**")
                st.dataframe(
                    frame.rename(
                        columns={"day": t("recon.col.day"), "agent": t("recon.col.agent"), "name": t("recon.col.name")}
                    ).drop(columns=["agent_id"]),
                    hide_index=True,
                    width="stretch",
                )

st.subheader(t("recon.settings"))
st.caption(t("recon.settings_hint"))
if can(actor, recon.WRITE):
    with st.form(f"recon_settings_{project_id}"):
        tolerance = st.number_input(
            t("recon.tolerance"), min_value=0.0, max_value=100.0, step=0.5, value=float(result.tolerance * 100)
        )
        flavour = st.radio(
            t("recon.flavour"),
            recon.FLAVOURS,
            index=recon.FLAVOURS.index(result.flavour),
            format_func=lambda f: t(f"recon.flavour.{f}"),
            horizontal=True,
        )
        if st.form_submit_button(t("btn.save")):
            save_and_flash(
                ctx,
                "reconcile",
                t("msg.saved"),
                recon.save_settings,
                db,
                actor,
                project_id,
                tolerance=round(tolerance / 100, 6),
                flavour=flavour,
            )
else:
    st.caption(t("recon.read_only"))
    st.markdown(
        f"- {t('recon.set.tolerance')}: {t('recon.tolerance_rule', pct=f'{result.tolerance * 100:g}')}\n"
        f"- {t('recon.flavour')}: {t('recon.flavour.' + result.flavour)}"
    )
