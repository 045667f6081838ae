"""KPI display helpers: formatting a figure by its kind and the target-line trend chart."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core import formatting
from ui.cache import figure as cached_figure

RATE_KPIS = ("response_30s_rate", "effective_reply_rate", "conversion_rate", "satisfaction")
SECOND_KPIS = ("avg_response_s", "first_response_s")
MONEY_KPIS = ("sales", "aov")


def fmt(kpi_name: str, value) -> str:
    """A figure as people read it (core.formatting): percentages, seconds, yuan, counts.

    Consultations on tiles and headlines are per day (the target is per day), so a mean keeps its decimal.
    """
    return formatting.kpi(kpi_name, value, mean=kpi_name == "consultations")


@cached_figure  # six of these on every run of the KPI dashboard
def trend(frame: pd.DataFrame, kpi_name: str, title: str, target: float | None, target_label: str) -> go.Figure:
    """A daily line of one KPI with its target as a dashed line."""
    scale = 100 if kpi_name in RATE_KPIS else 1
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=frame["day"], y=frame[kpi_name] * scale, mode="lines+markers", name=title))
    if target is not None:
        figure.add_hline(y=target * scale, line_dash="dash", line_color="#d9480f", annotation_text=f"{target_label} {fmt(kpi_name, target)}")
    figure.update_layout(title=title, height=280, margin=dict(l=10, r=10, t=40, b=10), showlegend=False,
                         yaxis_ticksuffix="%" if scale == 100 else "")
    return figure


def kpi_platform_table(ctx, platform: pd.DataFrame) -> pd.DataFrame:
    """The platform-only figures per agent as people read them: labelled columns, rates as
    percentages, times in seconds, pending fields named (待更新)."""
    from core import formatting, summary_import

    t = ctx.t
    out = pd.DataFrame({t("kpi.agent"): platform["agent_name"]})
    for column in platform.columns:
        if column in ("agent", "agent_name", "pending"):
            continue
        kind = summary_import.FIELDS[column].kind if column in summary_import.FIELDS else summary_import.NUMBER
        values = platform[column]
        if kind == summary_import.RATE:
            values = values.map(formatting.percent)
        elif kind == summary_import.DURATION:
            values = values.map(lambda v: formatting.seconds(v, 0))
        elif kind == summary_import.MONEY:
            values = values.map(formatting.money)
        elif kind == summary_import.COUNT:
            values = values.map(formatting.count)
        else:
            values = values.map(formatting.ratio)
        out[t(f"kpi.f.{column}")] = values
    out[t("kpi.pending_fields")] = platform["pending"].map(lambda fields: "、".join(t(f"kpi.f.{f}") for f in fields) or "—")
    return out
