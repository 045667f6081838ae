"""Widgets of the salary pages: a statement that opens line by line, its printable download, the pay charts."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.express as px
import streamlit as st

from core.kernel import formatting, money
from core.salary import explain, exports
from core.salary.statement import fmt_value
from ui import charts
from ui.context import Context

GRADE_COLORS = {"gold": "#f59f00", "silver": "#868e96", "bronze": "#a0522d", "none": "#ced4da"}


def grade_text(ctx: Context, grade: str | None) -> str:
    return ctx.t(f"salary.grade.{grade}") if grade else ctx.t("salary.grade.none")


def _explanation(ctx: Context, explanation: dict[str, Any]) -> None:
    st.markdown(f"**{ctx.t('salary.formula')}** {ctx.t(explanation['formula'])}")
    if explanation.get("calc"):
        st.code(explanation["calc"], language=None)
    inputs = explanation.get("inputs") or []
    if inputs:
        st.dataframe(
            pd.DataFrame(
                {
                    ctx.t("salary.c.input"): [ctx.t(i["label"]) for i in inputs],
                    ctx.t("salary.c.value"): [explain.input_text(i, ctx.lang) for i in inputs],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    for table in explanation.get("tables") or []:
        if not table["rows"]:
            continue
        st.caption(ctx.t(table["title"]))
        columns = [ctx.t(c) for c in table["columns"]]
        st.dataframe(
            pd.DataFrame([[explain.cell_text(v, ctx.lang) for v in row] for row in table["rows"]], columns=columns),
            hide_index=True,
            width="stretch",
        )
    for note in explanation.get("notes") or []:
        st.caption(f"{ctx.t(note['label'])}: {note['calc']}")


def statement(ctx: Context, data: dict[str, Any], key: str) -> None:
    """A statement: the totals, then every line, each opening to what produced it; and the printable page."""
    cols = st.columns(5)
    cols[0].metric(ctx.t("salary.c.total"), formatting.money(data["total"]), border=True)
    cols[1].metric(ctx.t("salary.c.base"), formatting.money(data["base"]), border=True)
    cols[2].metric(ctx.t("salary.c.commission"), formatting.money(data["commission"]), border=True)
    cols[3].metric(ctx.t("salary.c.performance"), formatting.money(data["performance"] + data["bonus"]), border=True)
    cols[4].metric(
        ctx.t("salary.c.deductions_adjustments"), formatting.money(data["deduction"] + data["adjustment"]), border=True
    )
    st.markdown(
        ctx.t(
            "salary.statement.head",
            agent=data["agent_name"],
            no=data["employee_no"],
            projects=data["projects"],
            days=data["days"],
            month_days=data["month_days"],
            score=money.fmt_num(data["kpi_score"]),
            grade=grade_text(ctx, data.get("grade")),
        )
    )
    notes = explain.statement_notes(ctx.db, data)
    days_note, index_notes = notes[0], [n for n in notes if n["key"] == "salary.note.index_missing"]
    grade_notes = [n for n in notes if n is not days_note and n not in index_notes]
    st.caption("\n\n".join(explain.note_text(n, ctx.lang) for n in [days_note, *grade_notes]))
    for index, line in enumerate(data["lines"]):
        with st.expander(f"{explain.line_label(line, ctx.lang)} · {formatting.money(line['amount'])}"):
            _explanation(ctx, line["explanation"])
    indices = data["summary"].get("indices") or {}
    if indices:
        st.caption(ctx.t("salary.indices"))
        st.dataframe(
            pd.DataFrame(
                {
                    ctx.t("salary.c.kpi"): [ctx.t(f"salary.kpi.{k}") for k in indices],
                    ctx.t("salary.c.value"): [
                        fmt_value("pct" if k == "volume_index" else "points", money.dec(v["value"]))
                        if v["value"] is not None
                        else ctx.t("salary.no_data_index")
                        for k, v in indices.items()
                    ],
                    ctx.t("salary.c.calc"): [v["calc"] for v in indices.values()],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        for note in index_notes:  # why a figure is missing and what that does to pay
            st.caption(explain.note_text(note, ctx.lang))
    st.download_button(
        ctx.t("salary.download_statement"),
        data=exports.statement_html(data, ctx.lang).encode("utf-8"),
        file_name=f"statement-{data['month']}-{data['employee_no']}.html",
        mime="text/html",
        key=f"html_{key}",
        icon=":material/print:",
    )


def scatter(ctx: Context, frame: pd.DataFrame) -> None:
    """Pay against KPI score, one dot per agent, coloured by grade."""
    figure = px.scatter(
        frame.assign(grade_label=[grade_text(ctx, g if g != "none" else None) for g in frame["grade"]]),
        x="kpi_score",
        y="total",
        color="grade",
        hover_name="agent",
        hover_data={"project": True, "grade": False},
        color_discrete_map=GRADE_COLORS,
        labels={
            "kpi_score": ctx.t("salary.c.kpi_score"),
            "total": ctx.t("salary.c.total"),
            "project": ctx.t("salary.c.project"),
        },
    )
    figure.for_each_trace(
        lambda trace: trace.update(name=grade_text(ctx, trace.name if trace.name != "none" else None))
    )
    figure.update_layout(height=340, margin=dict(l=10, r=10, t=30, b=10), legend_title_text="")
    charts.finish(
        ctx,
        figure,
        ctx.t("salary.chart.scatter"),
        x=charts.axis(ctx, ctx.t("salary.c.kpi_score"), "points"),
        y=charts.axis(ctx, ctx.t("salary.c.total"), "yuan"),
    )
    st.plotly_chart(figure, width="stretch", key="salary_scatter")


def distribution(ctx: Context, frame: pd.DataFrame) -> None:
    """The totals of each project as a box with every agent's dot."""
    figure = px.box(
        frame.assign(project=frame["project"].str.replace(" · ", "<br>", regex=False)),
        x="project",
        y="total",
        points="all",
        hover_name="agent",
        labels={"project": "", "total": ctx.t("salary.c.total")},
    )
    figure.update_layout(height=340, margin=dict(l=10, r=10, t=30, b=10))
    charts.finish(
        ctx,
        figure,
        ctx.t("salary.chart.distribution"),
        x=ctx.t("salary.c.project"),
        y=charts.axis(ctx, ctx.t("salary.c.total"), "yuan"),
    )
    st.plotly_chart(figure, width="stretch", key="salary_distribution")


def month_over_month(ctx: Context, frame: pd.DataFrame) -> None:
    """Each agent's change of total since last month, rises green, falls red."""
    ordered = frame.sort_values("change")
    figure = px.bar(
        ordered,
        x="change",
        y="agent",
        orientation="h",
        color=ordered["change"] >= 0,
        color_discrete_map={True: "#2f9e44", False: "#e03131"},
        hover_data={"total": ":.2f", "previous": ":.2f"},
        labels={
            "change": ctx.t("salary.c.change"),
            "agent": "",
            "total": ctx.t("salary.c.total"),
            "previous": ctx.t("salary.c.previous"),
        },
    )
    figure.update_layout(height=max(260, 24 * len(frame)), margin=dict(l=10, r=10, t=30, b=10), showlegend=False)
    charts.finish(ctx, figure, ctx.t("salary.chart.mom"), x=ctx.t("salary.c.change"), y=ctx.t("chart.agent"))
    st.plotly_chart(figure, width="stretch", key="salary_mom")


def kpi_moves(ctx: Context, frame: pd.DataFrame) -> None:
    """Per agent, the KPI that moved its performance pay most, and by how much."""
    shown = frame.assign(kpi_label=[ctx.t(f"salary.kpi.{k}") for k in frame["kpi"]]).sort_values("change")
    figure = px.bar(
        shown,
        x="change",
        y="agent",
        color="kpi_label",
        orientation="h",
        labels={"change": ctx.t("salary.c.change"), "agent": "", "kpi_label": ctx.t("salary.c.kpi")},
    )
    figure.update_layout(height=max(260, 24 * len(frame)), margin=dict(l=10, r=10, t=30, b=10))
    charts.finish(ctx, figure, ctx.t("salary.chart.kpi_moves"), x=ctx.t("salary.c.change"), y=ctx.t("chart.agent"))
    st.plotly_chart(figure, width="stretch", key="salary_kpi_moves")
