"""Widgets of the billing pages: money, an invoice that opens line by line, document downloads."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core.billing import invoice_documents
from core.kernel import formatting
from ui.context import Context


def explanation(ctx: Context, data: dict[str, Any]) -> None:
    """What produced a line: the formula, the calculation, its inputs and the days behind it."""
    st.markdown(f"**{ctx.t('billing.formula')}** {ctx.t(data['formula'])}")
    if data.get("calc"):
        st.code(data["calc"], language=None)
    inputs = data.get("inputs") or []
    if inputs:
        st.dataframe(
            pd.DataFrame(
                {
                    ctx.t("billing.c.input"): [ctx.t(i["label"]) for i in inputs],
                    ctx.t("billing.c.value"): [invoice_documents.input_value(i, ctx.lang) for i in inputs],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    for table in data.get("tables") or []:
        if table["rows"]:
            st.caption(ctx.t(table["title"]))
            st.dataframe(
                pd.DataFrame(table["rows"], columns=[ctx.t(c) for c in table["columns"]]),
                hide_index=True,
                width="stretch",
            )


def invoice(ctx: Context, data: dict[str, Any], prefix: str = "") -> None:
    """An invoice: its figures, then every line, each opening to what produced it, and its downloads."""
    cols = st.columns(4)
    cols[0].metric(ctx.t("billing.c.total"), formatting.money(data["total"]), border=True)
    cols[1].metric(ctx.t("billing.c.status"), ctx.t(f"billing.status.{data['status']}"), border=True)
    cols[2].metric(ctx.t("billing.c.paid"), formatting.money(data["paid"]), border=True)
    cols[3].metric(ctx.t("billing.c.due_date"), data["due_date"] or "—", border=True)
    if data["overdue"]:
        st.error(ctx.t("billing.overdue_days", days=data["days_overdue"], amount=formatting.money(data["outstanding"])))
    st.caption(
        ctx.t(
            "billing.invoice_head",
            number=data["number"],
            merchant=data["merchant_name"],
            project=data["project_name"],
            contract=data["contract_number"],
            start=data["period_start"],
            end=data["period_end"],
            days=data["days"],
            month_days=data["month_days"],
        )
    )
    for line in data["lines"]:
        with st.expander(f"{invoice_documents.line_label(line, ctx.lang)} · {formatting.money(line['amount'])}"):
            explanation(ctx, line["explanation"])
    pdf_column, left, right = st.columns(3)
    pdf_column.download_button(
        ctx.t("pdf.download"),
        lambda: invoice_documents.invoice_pdf(data, ctx.lang),  # built when clicked
        file_name=f"{data['number']}.pdf",
        mime="application/pdf",
        key=f"{prefix}invoice_pdf_{data['id']}",
        icon=":material/picture_as_pdf:",
        type="primary",
    )
    with left:
        st.download_button(
            ctx.t("billing.download_html"),
            invoice_documents.invoice_html(data, ctx.lang),
            file_name=f"{data['number']}.html",
            mime="text/html",
            key=f"{prefix}invoice_html_{data['id']}",
            icon=":material/print:",
        )
    with right:
        from ui.widgets import download_xlsx

        download_xlsx(
            ctx,
            "billing.download_xlsx",
            invoice_documents.invoice_frames(data, ctx.lang),
            f"{data['number']}.xlsx",
            f"{prefix}invoice_xlsx_{data['id']}",
        )


def invoice_table(ctx: Context, found: list[dict[str, Any]]) -> pd.DataFrame:
    """Invoices as a table: number, merchant, project, month, status, total, paid, outstanding, due date, overdue
    days."""
    t = ctx.t
    return pd.DataFrame(
        {
            t("billing.c.number"): [i["number"] for i in found],
            t("billing.c.merchant"): [i["merchant_name"] for i in found],
            t("billing.c.project"): [i["project_name"] for i in found],
            t("billing.c.month"): [i["month"] for i in found],
            t("billing.c.status"): [t(f"billing.status.{i['status']}") for i in found],
            t("billing.c.total"): [float(i["total"]) for i in found],
            t("billing.c.paid"): [float(i["paid"]) for i in found],
            t("billing.c.outstanding"): [float(i["outstanding"]) for i in found],
            t("billing.c.due_date"): [i["due_date"] or "" for i in found],
            t("billing.c.overdue"): [
                t("billing.overdue_n", n=i["days_overdue"]) if i["overdue"] else "" for i in found
            ],
        }
    )
