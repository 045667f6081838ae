"""One finish for every chart: a title, axis titles with their units, dates in the reader's language.

Plotly writes date ticks in English ("Nov 8 / 2026") unless its locale file is loaded, which
Streamlit does not ship; so a date axis gets an explicit tick and hover format here instead.
Every page passes its figures through `finish` (the chart test over the pages checks it).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui.context import Context

DATE_TICKS = {"zh": "%-m月%-d日", "en": "%b %-d"}
DATE_HOVER = {"zh": "%Y-%m-%d", "en": "%b %-d, %Y"}
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
TITLE_MARGIN = 48  # room above the plot for the title


def axis(ctx: Context, name: str, unit: str | None = None) -> str:
    """An axis title with its unit: 平均响应时长（秒） / Average response time (s)."""
    if not unit:
        return name
    text = ctx.t(f"chart.unit.{unit}")
    return f"{name}（{text}）" if ctx.lang != "en" else f"{name} ({text})"


def is_dates(values: Any) -> bool:
    """Whether a trace's coordinates are days (date or datetime objects, or ISO 'YYYY-MM-DD' strings)."""
    if values is None:
        return False
    items = list(values) if not isinstance(values, (str, bytes)) else [values]
    first = next((v for v in items if v is not None and not (isinstance(v, float) and np.isnan(v))), None)
    if first is None:
        return False
    if isinstance(first, (date, datetime, np.datetime64, pd.Timestamp)):
        return True
    return isinstance(first, str) and bool(_ISO_DAY.match(first))


def date_formats(lang: str) -> tuple[str, str]:
    """The (tick, hover) formats of a date axis in a language."""
    key = "en" if lang == "en" else "zh"
    return DATE_TICKS[key], DATE_HOVER[key]


def finish(
    ctx: Context, figure: go.Figure, title: str, x: str | None = None, y: str | None = None, color: str | None = None
) -> go.Figure:
    """Give a figure its title, its axis titles (with units, see `axis`) and dates in the user's language.

    `color` titles the colour scale of a heat map (what its cells count). An axis whose traces hold
    days becomes a date axis with the language's tick and hover format.
    """
    top = max(figure.layout.margin.t or 0, TITLE_MARGIN)
    figure.update_layout(title={"text": title, "x": 0, "xanchor": "left"}, margin={"t": top})
    if x is not None:
        figure.update_xaxes(title_text=x)
    if y is not None:
        figure.update_yaxes(title_text=y)
    if color is not None:
        figure.update_layout(coloraxis_colorbar_title_text=color)
        figure.update_traces(colorbar_title_text=color, selector={"type": "heatmap"})
    ticks, hover = date_formats(ctx.lang)
    for letter, update in (("x", figure.update_xaxes), ("y", figure.update_yaxes)):
        axis_type = getattr(figure.layout, f"{letter}axis").type
        if axis_type == "category":
            continue
        if any(
            is_dates(getattr(trace, letter, None)) for trace in figure.data if trace.type not in ("heatmap", "funnel")
        ):
            update(type="date", tickformat=ticks, hoverformat=hover)
    return figure
