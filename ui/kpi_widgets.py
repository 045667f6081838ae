"""KPI display helpers: formatting a figure by its kind and the target-line trend chart."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core.kernel import formatting
from ui import charts
from ui.cache import figure as cached_figure
from ui.context import Context

RATE_KPIS = ("response_30s_rate", "effective_reply_rate", "conversion_rate", "satisfaction")
SECOND_KPIS = ("avg_response_s", "first_response_s")
MONEY_KPIS = ("sales", "aov")
PEOPLE_KPIS = {
    "consultations": "people",
    "receptions": "people",
    "inquiries": "people",
    "converted": "people",
    "waits": "times",
}


def fmt(kpi_name: str, value) -> str:
    """A figure as people read it (core.kernel.formatting): percentages, seconds, yuan, counts.

    Consultations on tiles and headlines are per day (the target is per day), so a mean keeps its decimal.
    """
    return formatting.kpi(kpi_name, value, mean=kpi_name == "consultations")


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


@cached_figure  # six of these on every run of the KPI dashboard
def trend(ctx: Context, frame: pd.DataFrame, kpi_name: str, target: float | None) -> go.Figure:
    """A daily line of one KPI with its target as a dashed line, titled, with its unit and dates in the user's
    language."""
    title = ctx.t(f"kpi.m.{kpi_name}")
    scale = 100 if kpi_name in RATE_KPIS else 1
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=frame["day"], y=frame[kpi_name] * scale, mode="lines+markers", name=title))
    if target is not None:
        figure.add_hline(
            y=target * scale,
            line_dash="dash",
            line_color="#d9480f",
            annotation_text=f"{ctx.t('kpi.target')} {fmt(kpi_name, target)}",
        )
    figure.update_layout(
        height=280, margin=dict(l=10, r=10, t=40, b=10), showlegend=False, yaxis_ticksuffix="%" if scale == 100 else ""
    )
    return charts.finish(ctx, figure, title, x=ctx.t("chart.day"), y=charts.axis(ctx, title, unit_of(kpi_name)))


def kpi_platform_table(ctx, platform: pd.DataFrame) -> pd.DataFrame:
    """The platform-only figures per agent as people read them: labelled columns, rates as
    percentages, times in seconds, pending fields named (待更新)."""
    from core.kernel import formatting
    from core.kpi import summary_fields

    t = ctx.t
    out = pd.DataFrame({t("kpi.agent"): platform["agent_name"]})
    for column in platform.columns:
        if column in ("agent", "agent_name", "pending"):
            continue
        kind = summary_fields.FIELDS[column].kind if column in summary_fields.FIELDS else summary_fields.NUMBER
        values = platform[column]
        if kind == summary_fields.RATE:
            values = values.map(formatting.percent)
        elif kind == summary_fields.DURATION:
            values = values.map(lambda v: formatting.seconds(v, 0))
        elif kind == summary_fields.MONEY:
            values = values.map(formatting.money)
        elif kind == summary_fields.COUNT:
            values = values.map(formatting.count)
        else:
            values = values.map(formatting.ratio)
        out[t(f"kpi.f.{column}")] = values
    out[t("kpi.pending_fields")] = platform["pending"].map(
        lambda fields: "、".join(t(f"kpi.f.{f}") for f in fields) or "—"
    )
    return out
