"""Widgets the QA pages share: the project picker, the period picker, item ratings with the live total."""

from __future__ import annotations

from datetime import date, timedelta

import plotly.graph_objects as go
import streamlit as st

from core.complaints import complaints
from core.kernel import config, formatting
from core.kernel.errors import ValidationError
from core.kernel.permissions import can
from core.qa import scoring
from ui import charts
from ui.context import Context
from ui.widgets import error_text


def score_delta(ctx: Context, summary: dict) -> str | None:
    """The mean score's distance from the target, for the tile's delta: "+2.3 对比目标 90"."""
    gap = formatting.kpi_gap("qa_score", summary["gap"], "")
    if gap is None:
        return None
    return f"{gap} {ctx.t('qa.vs_target', target=formatting.kpi('qa_score', summary['target']))}"


def period_picker(ctx: Context, key: str, days: int = 90) -> tuple[date, date]:
    """A date range ending today (default: the last `days` days)."""
    today = config.today()
    picked = st.date_input(
        ctx.t("qa.period"),
        value=(today - timedelta(days=days - 1), today),
        max_value=today,
        format="YYYY-MM-DD",
        key=key,
    )
    if isinstance(picked, (tuple, list)) and len(picked) == 2:
        return picked[0], picked[1]
    start = picked[0] if isinstance(picked, (tuple, list)) and picked else today - timedelta(days=days - 1)
    return start, today


NA = "na"  # the radio option of N/A (or no bonus): None in a radio means "not chosen yet"


def _option_label(ctx: Context, item: scoring.Item, value: int | str) -> str:
    if value == NA:
        return ctx.t("qa.no_bonus") if item.kind == "bonus" else ctx.t("qa.na")
    if item.scale == "pass_fail":
        return ctx.t("qa.pass") if value == 1 else ctx.t("qa.fail")
    return str(value)


def item_label(ctx: Context, item: scoring.Item) -> str:
    """An item as its radio is labelled: category · name, with its critical or bonus mark."""
    label = f"{item.category} · {item.name}"
    if item.critical:
        label += " :red[(" + ctx.t("qa.critical_mark") + ")]"
    if item.kind == "bonus":
        label += " · " + ctx.t("qa.bonus_mark", points=f"{item.points:g}")
    return label


def ratings_input(
    ctx: Context, card: scoring.Card, key: str, initial: dict[int, int | None] | None = None, disabled: bool = False
) -> dict[int, int | None]:
    """One horizontal radio per item (best rating first, N/A where allowed); returns {item id: rating or None (N/A)}.

    Nothing is preselected on a new review: an item the inspector has not rated is left out of the
    result, and core refuses the save naming it. A bonus item starts at "no bonus" (awarding one is
    the choice). With `initial` (a re-score) the stored ratings are preselected.
    """
    ratings: dict[int, int | None] = {}
    columns = st.columns(2)
    for index, item in enumerate(card.items):
        low, high = scoring.SCALES[item.scale]
        options: list[int | str] = list(range(high, low - 1, -1))
        if item.kind == "bonus" and item.scale == "pass_fail":
            options = [high]  # a bonus is awarded or not: "fail" would say the same as "no bonus"
        if item.allow_na or item.kind == "bonus":
            options.append(NA)
        if initial is not None and item.id in initial:
            stored = NA if initial[item.id] is None else initial[item.id]
            default = options.index(stored) if stored in options else None
        else:
            default = options.index(NA) if item.kind == "bonus" else None
        with columns[index % 2]:
            chosen = st.radio(
                item_label(ctx, item),
                options,
                index=default,
                horizontal=True,
                format_func=lambda v, i=item: _option_label(ctx, i, v),
                key=f"{key}_{item.id}",
                help=item.description or None,
                disabled=disabled,
            )
        if chosen is not None:
            ratings[item.id] = None if chosen == NA else int(chosen)
    return ratings


def live_total(ctx: Context, card: scoring.Card, ratings: dict[int, int | None]) -> scoring.Result | None:
    """The total as core computes it, shown as the inspector rates; None (with the reasons) while the ratings are
    incomplete."""
    try:
        result = scoring.compute(card, ratings)
    except ValidationError as exc:
        unrated = [e for e in exc.errors if e.key == "err.qa.unrated"]
        if len(unrated) == len(exc.errors):  # still rating: say how many are left, the save names them
            st.caption(ctx.t("qa.unrated_left", n=len(unrated)))
        else:
            st.warning("\n".join(f"- {error_text(ctx, e)}" for e in exc.errors))
        return None
    c1, c2, c3 = st.columns(3)
    c1.metric(ctx.t("qa.total"), f"{result.score:g}")
    c2.metric(ctx.t("qa.base"), f"{result.base:g}")
    c3.metric(ctx.t("qa.bonus"), f"+{result.bonus:g}")
    if result.critical_failed:
        names = "、".join(i.name for i in card.items if i.id in result.critical_failed)
        key = "qa.critical_zero" if card.critical_mode == "zero" else "qa.critical_capped"
        st.error(ctx.t(key, items=names, cap=f"{card.critical_cap:g}"))
    return result


def score_chart(ctx: Context, series: list[dict], target: float, by_agent: bool = False) -> go.Figure:
    """Weekly mean QA score as lines, with the project's target as a dashed line."""
    figure = go.Figure()
    groups: dict[str, list[dict]] = {}
    for row in series:
        groups.setdefault(row["agent"] if by_agent else ctx.t("qa.project_mean"), []).append(row)
    for name, points in groups.items():
        figure.add_trace(
            go.Scatter(
                x=[p["week"] for p in points],
                y=[p["score"] for p in points],
                mode="lines+markers",
                name=name,
                customdata=[p["reviews"] for p in points],
                hovertemplate="%{x}: %{y:.1f} (n=%{customdata})<extra>" + str(name) + "</extra>",
            )
        )
    figure.add_hline(
        y=target,
        line_dash="dash",
        line_color="#d62728",
        annotation_text=ctx.t("qa.target_line", target=f"{target:g}"),
        annotation_position="bottom right",
    )
    figure.update_layout(
        height=340, margin=dict(l=10, r=10, t=10, b=10), xaxis_title=ctx.t("qa.week"), legend_title_text=""
    )
    return charts.finish(
        ctx,
        figure,
        ctx.t("qa.chart.score_over_time"),
        x=ctx.t("chart.week"),
        y=charts.axis(ctx, ctx.t("qa.score"), "points"),
    )


def lost_chart(ctx: Context, lost: list[dict], top: int = 10) -> go.Figure:
    """The items that lose most points, as horizontal bars (most at the top)."""
    shown = [r for r in lost if r["lost"] > 0][:top][::-1]
    figure = go.Figure(
        go.Bar(
            x=[r["lost"] for r in shown],
            y=[f"{r['category']} · {r['item']}" for r in shown],
            orientation="h",
            text=[f"{r['lost']:.2f}" for r in shown],
            textposition="auto",
        )
    )
    figure.update_layout(height=max(220, 34 * len(shown) + 60), margin=dict(l=10, r=10, t=10, b=10))
    return charts.finish(
        ctx,
        figure,
        ctx.t("qa.chart.lost_points"),
        x=charts.axis(ctx, ctx.t("qa.lost_per_review"), "points"),
        y=ctx.t("qa.chart.item"),
    )


def overdue_notice(ctx: Context, project_id: int | None = None) -> None:
    """Open complaints past their promised time, as a red notice with links to them (home and project pages).

    Draws nothing for a user who may not read complaints, or when nothing is overdue.
    """
    if not can(ctx.actor, "complaint.read"):
        return
    overdue = [
        o
        for o in complaints.overdue_by_project(ctx.db, ctx.actor)
        if project_id is None or o["project_id"] == project_id
    ]
    if not overdue:
        return
    with st.container(border=True):
        st.markdown(":red[**" + ctx.t("complaints.overdue_title", n=sum(o["overdue"] for o in overdue)) + "**]")
        for o in overdue:
            st.page_link(
                "app_pages/complaints.py",
                label=ctx.t(
                    "complaints.overdue_project",
                    project=o["project_name"],
                    n=o["overdue"],
                    since=o["oldest_promise"][:16],
                ),
                query_params={"project": o["project_id"], "overdue": 1},
                icon=":material/alarm:",
            )
