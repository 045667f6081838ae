"""KPI display helpers: formatting a figure by its kind and the target-line trend chart."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ui import charts
from ui.context import Context

RATE_KPIS = ("response_30s_rate", "effective_reply_rate", "conversion_rate", "satisfaction")
SECOND_KPIS = ("avg_response_s", "first_response_s")
MONEY_KPIS = ("sales", "aov")
PEOPLE_KPIS = {"consultations": "people", "receptions": "people", "inquiries": "people", "converted": "people", "waits": "times"}


def fmt(kpi_name: str, value) -> str:
    """A figure as people read it: percentages, seconds, yuan, counts."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if kpi_name in RATE_KPIS:
        return f"{value * 100:.1f}%"
    if kpi_name in SECOND_KPIS:
        return f"{value:.1f} s"
    if kpi_name in MONEY_KPIS:
        return f"¥{value:,.2f}"
    if kpi_name == "items_per_buyer":
        return f"{value:.2f}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def unit_of(kpi_name: str) -> str | None:
    """The unit of a KPI on a chart axis (a `chart.unit.*` key's suffix)."""
    if kpi_name in RATE_KPIS:
        return "pct"
    if kpi_name in SECOND_KPIS:
        return "seconds"
    if kpi_name in MONEY_KPIS:
        return "yuan"
    if kpi_name == "items_per_buyer":
        return "items"
    return PEOPLE_KPIS.get(kpi_name)


def trend(ctx: Context, frame: pd.DataFrame, kpi_name: str, target: float | None) -> go.Figure:
    """A daily line of one KPI with its target as a dashed line, titled, with its unit and dates in the user's language."""
    title = ctx.t(f"kpi.m.{kpi_name}")
    scale = 100 if kpi_name in RATE_KPIS else 1
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=frame["day"], y=frame[kpi_name] * scale, mode="lines+markers", name=title))
    if target is not None:
        figure.add_hline(y=target * scale, line_dash="dash", line_color="#d9480f", annotation_text=f"{ctx.t('kpi.target')} {fmt(kpi_name, target)}")
    figure.update_layout(height=280, margin=dict(l=10, r=10, t=40, b=10), showlegend=False,
                         yaxis_ticksuffix="%" if scale == 100 else "")
    return charts.finish(ctx, figure, title, x=ctx.t("chart.day"), y=charts.axis(ctx, title, unit_of(kpi_name)))
