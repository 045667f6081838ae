"""Small widgets several pages share: error display, Excel download, formatting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from core.kernel import excel, formatting
from core.kernel.errors import FieldError, ValidationError
from ui.context import Context


def error_text(ctx: Context, error: FieldError) -> str:
    """One field error as a sentence: '<field label>: <message>'."""
    field = error.field
    prefix = ""
    if field.startswith("row ") and ": " in field:
        row, field = field.split(": ", 1)
        prefix = ctx.t("row_n", n=row.removeprefix("row ")) + " "
    label_key = f"field.{field}"
    label = ctx.t(label_key)
    label = field if label == label_key else label
    return f"{prefix}{label}: {ctx.t(error.key, **error.params)}"


def show_validation(ctx: Context, exc: ValidationError) -> None:
    """A refused save: one error box listing every problem, nothing was written."""
    lines = "\n".join(f"- {error_text(ctx, e)}" for e in exc.errors)
    st.error(f"{ctx.t('msg.not_saved')}\n\n{lines}")


def flash(page: str, message: str, level: str = "success") -> None:
    """Keep a message for the next run of `page` (a save reruns the page, and the message would be lost).

    One session key per page, `flash.<page>`; `level` is the st call that shows it (success, warning, info).
    """
    st.session_state[f"flash.{page}"] = (level, message)


def show_flash(page: str, container: Any = None, toast: bool = False) -> None:
    """Show (once) the message the last action of `page` left before its rerun; `container` is where (a
    placeholder kept at the top of the page), the page itself by default. `toast` shows it as a toast too,
    which outlives one more rerun of the page."""
    kept = st.session_state.pop(f"flash.{page}", None)
    if kept:
        level, message = kept
        getattr(container or st, level)(message)
        if toast:
            st.toast(message, icon=":material/check_circle:")


def save_and_flash(
    ctx: Context,
    page: str,
    message: str | Callable[[Any], str],
    action: Callable[..., Any],
    *args: Any,
    **kwargs: Any,
) -> None:
    """Run a core write: on refusal list every problem (nothing was saved) and go on drawing; on success keep
    `message` (or `message(result)`) for the next run of `page` and rerun."""
    try:
        result = action(*args, **kwargs)
    except ValidationError as exc:
        show_validation(ctx, exc)
        return
    flash(page, message(result) if callable(message) else message)
    st.rerun()


def field_errors(ctx: Context, errors: list[FieldError], field: str) -> None:
    """The messages for one field, shown under its widget."""
    for error in errors:
        if error.field == field:
            st.caption(f":red[{ctx.t(error.key, **error.params)}]")


def download_xlsx(ctx: Context, label_key: str, sheets: dict[str, pd.DataFrame], filename: str, key: str) -> None:
    """A download button for an Excel export (formula-escaped by core.kernel.excel).

    The file is built when the button is clicked (a callable), not on every run of the page: a
    large table's workbook would otherwise cost seconds on each rerun.
    """
    st.download_button(
        ctx.t(label_key),
        data=lambda: excel.to_xlsx(sheets),
        file_name=filename,
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=key,
        icon=":material/download:",
    )


def pct(value: float | None, digits: int = 1) -> str:
    """A stored fraction shown as a percentage."""
    return "—" if value is None or pd.isna(value) else f"{value * 100:.{digits}f}%"


def query_int(name: str) -> int | None:
    """An integer query parameter, or None when absent or not a number."""
    raw = st.query_params.get(name)
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


def project_picker(
    ctx: Context,
    key: str,
    projects: list[dict] | None = None,
    *,
    live_first: bool = False,
    default_live: bool = False,
    with_status: bool = True,
    remember: bool = True,
    container: Any = None,
) -> dict:
    """The one project select box: a project of those the actor may see, or the page stops.

    `projects` defaults to every project the actor may see (merchants.list_projects); a page may pass
    its own narrower list. No project: an empty state. A `?project=` id not in the list (typed or
    tampered with in the URL): the same "not found" as a missing one, and nothing else is drawn.
    Otherwise the project asked for by the URL is preselected, else the first one (`live_first`
    lists live projects first; `default_live` keeps the order and preselects the first live one).
    `with_status` adds the project's status to its label; `remember` writes the choice back into
    `?project=` so a reload or a shared link opens it again. `container` is where the box is drawn
    (a column), the page itself by default.
    """
    if projects is None:
        from core.projects import merchants

        projects = merchants.list_projects(ctx.db, ctx.actor)
    if not projects:
        st.info(ctx.t("projects.empty"))
        st.stop()
    requested = query_int("project")
    if requested is not None and requested not in {p["id"] for p in projects}:
        st.error(ctx.t("msg.not_found"))
        st.stop()
    ordered = projects
    if live_first:
        ordered = sorted(projects, key=lambda p: (p["status"] != "live", p["merchant_name"], p["name"]))
    ids = [p["id"] for p in ordered]
    if requested is not None:
        default = requested
    elif default_live:
        default = next((p["id"] for p in ordered if p["status"] == "live"), ids[0])
    else:
        default = ids[0]
    labels = {
        p["id"]: f"{p['merchant_name']} · {p['name']}" + (f" ({ctx.t('status.' + p['status'])})" if with_status else "")
        for p in projects
    }
    chosen = (container or st).selectbox(
        ctx.t("projects.choose"), ids, index=ids.index(default), format_func=labels.get, key=key
    )
    if remember and chosen != requested:
        st.query_params["project"] = str(chosen)
    return next(p for p in projects if p["id"] == chosen)


def money_column(label: str) -> st.column_config.NumberColumn:
    """A money column of a table: numbers (they sort), thousands separators, two decimals, the yuan sign in the header.

    In the cells a printf format could only write "¥-20.00"; core.kernel.formatting writes money "-¥20.00",
    so the sign goes to the header and the cell reads -20.00.
    """
    return st.column_config.NumberColumn(f"{label} ({formatting.YUAN})", format=formatting.MONEY_COLUMN_FORMAT)


def count_column(label: str) -> st.column_config.NumberColumn:
    """A count column of a table: whole numbers with thousands separators."""
    return st.column_config.NumberColumn(label, format=formatting.COUNT_COLUMN_FORMAT)


def count_axis(figure, axis: str = "y"):
    """Integer ticks on a chart's count axis (no 0.2 complaints, no 0.5 projects); returns the figure."""
    update = figure.update_yaxes if axis == "y" else figure.update_xaxes
    update(tickformat=",d", rangemode="tozero")
    # plotly picks a step of 0.2 or 0.5 on small ranges; a step of 1 there keeps every tick a whole number.
    # The upper bound adds each trace's largest value, so stacked bars are covered too.
    upper = 0.0
    for trace in figure.data:
        values = [
            float(v)
            for v in list(getattr(trace, axis, None) if getattr(trace, axis, None) is not None else [])
            if _number(v)
        ]
        upper += max(values, default=0.0)
    if upper <= 10:
        update(dtick=1, tick0=0)
    return figure


def _number(value) -> bool:
    try:
        return value is not None and not isinstance(value, (str, bool)) and float(value) == float(value)
    except (TypeError, ValueError):
        return False
