"""Widgets of the team & training pages: project picker, funnel chart, readiness list, short-funnel alert."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import streamlit as st

from core.kernel.errors import FieldError
from core.kernel.permissions import can
from core.team import funnel as team
from ui import charts
from ui.context import Context

SHORT_COLOR = "#d9480f"
REACHED_COLOR = "#2f9e44"
TARGET_COLOR = "#ced4da"
READINESS_ITEMS = (
    "err.team.not_ready_oc",
    "err.team.not_ready_materials",
    "err.team.not_ready_admitted",
    "err.team.not_ready_roster",
    "err.team.not_ready_week_roster",
)


def funnel_chart(ctx: Context, result: dict[str, Any]) -> None:
    """The funnel as bars needed vs reached per stage, a short stage in red."""
    stages = result["stages"]
    names = [ctx.t(f"team.stage.{s['stage']}") for s in stages]
    figure = go.Figure()
    figure.add_trace(
        go.Funnel(
            name=ctx.t("team.needed"),
            y=names,
            x=[s["target"] or 0 for s in stages],
            connector={"visible": False},
            marker={"color": TARGET_COLOR},
            textinfo="value",
            textfont={"color": "#495057"},
        )
    )
    figure.add_trace(
        go.Funnel(
            name=ctx.t("team.reached"),
            y=names,
            x=[s["reached"] for s in stages],
            connector={"visible": False},
            marker={"color": [SHORT_COLOR if s["short"] else REACHED_COLOR for s in stages]},
            textinfo="value",
        )
    )
    figure.update_layout(
        funnelmode="group",
        height=280,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.1},
    )
    charts.finish(
        ctx,
        figure,
        ctx.t("team.funnel_title"),
        x=charts.axis(ctx, ctx.t("team.funnel_people"), "agents"),
        y=ctx.t("team.funnel_stage"),
    )
    st.plotly_chart(figure, width="stretch")


def funnel_metrics(ctx: Context, result: dict[str, Any]) -> None:
    """One metric per stage: reached of needed, and the ratio of the process."""
    columns = st.columns(len(result["stages"]))
    for column, s in zip(columns, result["stages"]):
        value = f"{s['reached']} / {s['target']}" if s["target"] is not None else str(s["reached"])
        label = ctx.t(f"team.stage.{s['stage']}") + f" (1:{s['ratio']:g})"
        delta = None if s["target"] is None else s["reached"] - s["target"]
        column.metric(label, value, delta=None if not delta else delta, delta_color="normal")


def readiness_list(ctx: Context, missing: list[FieldError]) -> None:
    """The four go-live conditions, each ticked or with what is missing."""
    by_key = {m.key: m for m in missing}
    not_confirmed = "err.team.not_ready_oc" in by_key
    for key in READINESS_ITEMS:
        label = ctx.t(key.replace("err.team.not_ready_", "team.ready."))
        if key in by_key:
            st.markdown(f":red[:material/cancel: **{label}**] — {ctx.t(key, **by_key[key].params)}")
        elif not_confirmed:
            st.markdown(f":gray[:material/help: {label}]")
        else:
            st.markdown(f":green[:material/check_circle: {label}]")


def short_funnel_alert(ctx: Context) -> None:
    """For the home page: the actor's projects whose funnel is short, in red, linked to their team page.

    Plain links (not st.page_link), so the widget also works outside the app's navigation.
    """
    for project in team.short_funnels(ctx.db, ctx.actor):
        stages = "、".join(
            ctx.t("team.short_stage", stage=ctx.t(f"team.stage.{s['stage']}"), reached=s["reached"], target=s["target"])
            for s in project["stages"]
        )
        label = ctx.t("team.short_funnel", project=f"{project['merchant_name']} · {project['name']}", stages=stages)
        st.markdown(f":red[:material/warning: {label}] · [{ctx.t('team.open_team')}](/team?project={project['id']})")


def exam_cell(ctx: Context, result: dict | None) -> str:
    """An exam result in a table cell: ✓ 90/100, ✗ 60/100 or —."""
    if result is None:
        return "—"
    mark = "✓" if result["passed"] else "✗"
    return f"{mark} {result['score']:g}/{result['max_score']:g}"


def project_funnel_warning(ctx: Context, project_id: int) -> None:
    """For a project's own page: its short funnel stages in red, linked to its team page (nothing when full)."""
    if not can(ctx.actor, "team.internal"):
        return
    result = team.funnel(ctx.db, ctx.actor, project_id)
    short = [s for s in result["stages"] if s["short"]]
    if short:
        stages = "、".join(
            ctx.t("team.short_stage", stage=ctx.t(f"team.stage.{s['stage']}"), reached=s["reached"], target=s["target"])
            for s in short
        )
        st.error(
            f"{ctx.t('team.funnel_short', stages=stages)} · [{ctx.t('team.open_team')}](/team?project={project_id})",
            icon=":material/warning:",
        )
