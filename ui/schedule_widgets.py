"""Widgets of the scheduling pages: the period picker, the roster table, conflicts, coverage chart, handover notes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd
import plotly.express as px
import streamlit as st

from core.kernel import config
from core.kernel.weeks import week_start
from core.schedule import handover, shift_settings, shifts
from ui import charts
from ui.context import Context
from ui.widgets import save_and_flash

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def period_picker(ctx: Context, key: str) -> tuple[date, date]:
    """A week or four weeks from a Monday (default: this week)."""
    today = config.today()
    c1, c2 = st.columns([1, 2])
    first = c1.date_input(ctx.t("schedule.from"), value=week_start(today), key=f"{key}_from")
    weeks = c2.radio(
        ctx.t("schedule.length"),
        (1, 2, 4),
        format_func=lambda n: ctx.t("schedule.weeks", n=n),
        horizontal=True,
        key=f"{key}_weeks",
    )
    return first, first + timedelta(days=7 * weeks - 1)


def day_label(ctx: Context, day: date) -> str:
    """'12-01 周二'."""
    return f"{day.strftime('%m-%d')} {ctx.t('schedule.wd.' + WEEKDAY_KEYS[day.weekday()])}"


def cell_label(ctx: Context, value: Any) -> str:
    """How a roster cell reads: 白班 / 晚班 / 休 / 假, empty for nothing."""
    return ctx.t(f"schedule.cell.{value}") if value in shifts.CELL_VALUES else "—"


def cell_labels(ctx: Context) -> dict[str, str]:
    """label → stored value of every cell choice ('—' is an empty cell)."""
    return {cell_label(ctx, v): v for v in ("", *shifts.CELL_VALUES)}


def roster_frame(ctx: Context, members: list[dict], start: date, end: date) -> tuple[pd.DataFrame, dict[str, str]]:
    """The roster as a table (agent facts, then one column per day, cells as their labels) and {column label: ISO
    day}."""
    day_columns = {day_label(ctx, d): d.isoformat() for d in shifts.days_of(start, end)}
    records = []
    for m in members:
        record = {
            ctx.t("schedule.c.employee_no"): m["employee_no"],
            ctx.t("schedule.c.agent"): m["name"],
            ctx.t("schedule.c.role"): ctx.t(f"schedule.role.{m['role']}")
            if m["role"] in ("online", "reserve")
            else "—",
            ctx.t("schedule.c.home_shift"): ctx.t(f"schedule.shift.{m['shift']}")
            if m["shift"] in shift_settings.WORK_SHIFTS
            else "—",
            ctx.t("schedule.c.admitted"): ctx.t("yes") if m["admitted"] else ctx.t("no"),
        }
        for label, day in day_columns.items():
            record[label] = cell_label(ctx, m["days"][day])
        records.append(record)
    return pd.DataFrame(records), day_columns


def conflict_table(ctx: Context, found: list[dict]) -> None:
    """The roster's conflicts, one line each."""
    st.dataframe(
        pd.DataFrame(
            [
                {
                    ctx.t("schedule.c.day"): c["day"],
                    ctx.t("schedule.c.kind"): ctx.t(f"schedule.conflict.{c['kind']}"),
                    ctx.t("schedule.c.agent"): c["name"],
                    ctx.t("schedule.c.shift"): ctx.t(f"schedule.shift.{c['shift']}") if c["shift"] else "",
                    ctx.t("schedule.c.detail"): ctx.t(f"schedule.conflict_detail.{c['kind']}", detail=c["detail"]),
                }
                for c in found
            ]
        ),
        hide_index=True,
        width="stretch",
    )


def coverage_chart(ctx: Context, cover: list[dict]) -> None:
    """Staffed minus required by day and hour: red hours under-staffed, blue over."""
    frame = pd.DataFrame(cover)
    grid = frame.pivot(index="day", columns="hour", values="gap")
    limit = max(1, int(frame["gap"].abs().max()))
    days = [day_label(ctx, date.fromisoformat(d)) for d in grid.index]
    heat = px.imshow(
        grid.values,
        x=[f"{h:02d}" for h in grid.columns],
        y=days,
        aspect="auto",
        zmin=-limit,
        zmax=limit,
        color_continuous_scale="RdBu",
        text_auto=True,
        labels={"x": ctx.t("schedule.c.hour"), "y": ctx.t("schedule.c.day"), "color": ctx.t("schedule.c.gap")},
    )
    heat.update_layout(height=120 + 24 * len(grid.index), margin={"t": 30, "b": 10})
    heat.update_xaxes(type="category")
    heat.update_yaxes(type="category")
    charts.finish(
        ctx,
        heat,
        ctx.t("schedule.coverage_title"),
        x=charts.axis(ctx, ctx.t("chart.hour"), "hour"),
        y=ctx.t("chart.day"),
        color=charts.axis(ctx, ctx.t("schedule.c.gap"), "agents"),
    )
    st.plotly_chart(heat, width="stretch", key="coverage_heat")


def handover_list(ctx: Context, notes: list[dict], empty_key: str) -> None:
    """Handover notes, newest first, as cards."""
    if not notes:
        st.caption(ctx.t(empty_key))
        return
    for note in notes:
        with st.container(border=True):
            st.markdown(
                f"**{note['day']} · {ctx.t('schedule.shift.' + note['shift'])}** · {note.get('author') or ''} · "
                f"{note['created_at'][11:16]}"
            )
            for field in ("marked_buyers", "unresolved", "note"):
                if note[field]:
                    st.markdown(f"*{ctx.t('field.schedule.' + field)}*")
                    st.text(note[field])


def handover_form(ctx: Context, key: str, page: str, target: Callable[[], tuple[int, date, str]]) -> None:
    """The outgoing shift's notes (saved with a message for `page`): `target` draws the project/day/shift pickers
    inside the form and returns them."""
    with st.form(key, clear_on_submit=True):
        project_id, day, shift = target()
        texts = [
            st.text_area(ctx.t(f"field.schedule.{name}"), max_chars=handover.MAX_TEXT)
            for name in ("marked_buyers", "unresolved", "note")
        ]
        if st.form_submit_button(ctx.t("btn.save")):
            save_and_flash(
                ctx,
                page,
                ctx.t("msg.saved"),
                lambda: handover.add_handover(ctx.db, ctx.actor, project_id, day, shift, *texts),
            )
