"""KPI display helpers: formatting a figure by its kind and the target-line trend chart."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ui.cache import figure as cached_figure

RATE_KPIS = ("response_30s_rate", "effective_reply_rate", "conversion_rate", "satisfaction")
SECOND_KPIS = ("avg_response_s", "first_response_s")
MONEY_KPIS = ("sales", "aov")


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
