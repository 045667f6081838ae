"""Monthly billing (月度账单): bill a month, open every line, approve, issue, record payments; credits; statements."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.billing import invoices, payments
from core.kernel import config, formatting
from core.kernel.months import recent_months
from core.kernel.permissions import can, is_merchant
from core.projects import merchants
from ui import billing_widgets as bw
from ui import context
from ui.widgets import download_xlsx, money_column, save_and_flash, show_flash

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("billing.billing.title"))
show_flash("billing")
staff = can(actor, "billing.run")
money = {t(f"billing.c.{c}"): money_column(t(f"billing.c.{c}")) for c in ("total", "paid", "outstanding", "balance")}


def invoice_actions(invoice: dict, prefix: str) -> None:
    """What the user may do with an invoice in its status (widget keys carry the list's prefix: two tabs may show one
    invoice)."""
    key = invoice["id"]
    if invoice["status"] == "draft" and can(actor, "billing.approve"):
        st.caption(t("billing.draft_hint"))
        c1, c2 = st.columns(2)
        with c1:
            if st.button(t("billing.recompute"), key=f"{prefix}_recompute_{key}", icon=":material/refresh:"):
                save_and_flash(
                    ctx,
                    "billing",
                    t("billing.done.recomputed"),
                    invoices.bill_contract,
                    db,
                    actor,
                    invoice["contract_id"],
                    invoice["month"],
                )
        with c2:
            sure = st.checkbox(t("billing.approve_confirm"), key=f"{prefix}_approve_sure_{key}")
            pending = invoices.pending_kpi_days(db, actor, key)
            accept_pending = False
            if pending:
                st.warning(t("pending.warning", days="、".join(pending)))
                accept_pending = st.checkbox(t("pending.accept"), key=f"{prefix}_approve_pending_{key}")
            if st.button(
                t("billing.approve"),
                type="primary",
                disabled=not sure or (bool(pending) and not accept_pending),
                key=f"{prefix}_approve_{key}",
                icon=":material/lock:",
            ):
                save_and_flash(
                    ctx, "billing", t("billing.done.approved"), invoices.approve, db, actor, key, accept_pending
                )
    if invoice["status"] == "approved" and can(actor, "billing.issue"):
        c1, c2 = st.columns(2)
        with c1:
            sure = st.checkbox(t("billing.issue_confirm"), key=f"{prefix}_issue_sure_{key}")
            if st.button(
                t("billing.issue"),
                type="primary",
                disabled=not sure,
                key=f"{prefix}_issue_{key}",
                icon=":material/outgoing_mail:",
            ):
                save_and_flash(ctx, "billing", t("billing.done.issued"), invoices.issue, db, actor, key)
        with c2:
            with st.expander(t("billing.reopen")):
                reason = st.text_input(t("billing.c.reason"), key=f"{prefix}_reopen_reason_{key}")
                if st.button(t("billing.reopen"), key=f"{prefix}_reopen_{key}", icon=":material/lock_open:"):
                    save_and_flash(ctx, "billing", t("billing.done.reopened"), invoices.reopen, db, actor, key, reason)
    if invoice["status"] == "issued":
        if can(actor, "billing.pay"):
            with st.form(f"{prefix}_pay_{key}"):
                st.markdown(f"**{t('billing.record_payment')}**")
                p1, p2 = st.columns(2)
                paid_on = p1.date_input(
                    t("billing.c.paid_on"),
                    value=config.today(),
                    max_value=config.today(),
                    key=f"{prefix}_paid_on_{key}",
                )
                amount = p2.number_input(
                    t("billing.c.paid_amount"),
                    min_value=0.0,
                    value=float(invoice["outstanding"]),
                    step=100.0,
                    format="%.2f",
                    key=f"{prefix}_paid_amount_{key}",
                )
                note = st.text_input(t("billing.c.payment_note"), key=f"{prefix}_payment_note_{key}")
                if st.form_submit_button(t("billing.mark_paid"), type="primary", icon=":material/paid:"):
                    save_and_flash(
                        ctx,
                        "billing",
                        t("billing.done.paid"),
                        payments.record_payment,
                        db,
                        actor,
                        key,
                        paid_on,
                        amount,
                        note,
                    )
        elif staff:
            st.caption(t("billing.pay_by_director"))
    if invoice["events"]:
        with st.expander(t("billing.history")):
            st.dataframe(
                pd.DataFrame(
                    {
                        t("billing.c.at"): [e["at"] for e in invoice["events"]],
                        t("billing.c.action"): [t(f"billing.event.{e['action']}") for e in invoice["events"]],
                        t("billing.c.by"): [e["by_name"] or "" for e in invoice["events"]],
                        t("billing.c.note"): [e["note"] for e in invoice["events"]],
                    }
                ),
                hide_index=True,
                width="stretch",
            )


def invoice_list(found: list[dict], key: str) -> None:
    """The invoices as a table with an Excel export, then the one picked, line by line."""
    if not found:
        st.info(t("billing.no_invoices"))
        return
    table = bw.invoice_table(ctx, found)
    st.dataframe(table, hide_index=True, width="stretch", column_config=money)
    download_xlsx(
        ctx, "billing.export_list", {t("billing.sheet.invoices"): table}, f"invoices-{key}.xlsx", f"invoices_xlsx_{key}"
    )
    # the options' text never carries the status: it stays the same whatever an action does, so the choice survives it
    chosen = st.selectbox(
        t("billing.open_invoice"),
        [i["id"] for i in found],
        key=f"invoice_pick_{key}",
        format_func=lambda i: next(
            f"{x['number']} · {x['merchant_name']} · {x['project_name']}" for x in found if x["id"] == i
        ),
    )
    invoice = invoices.get_invoice(db, actor, chosen)
    st.subheader(t("billing.invoice_title", month=invoice["month"], number=invoice["number"]))
    bw.invoice(ctx, invoice, key)
    invoice_actions(invoice, key)


def statement_view() -> None:
    """A merchant's statement: every issued invoice, payments and the running balance; Excel and printable."""
    if is_merchant(actor):
        merchant_id = actor.merchant_id
    else:
        billed = payments.merchants_billed(db, actor)
        if not billed:
            st.info(t("billing.no_contracts"))
            return
        merchant_id = st.selectbox(
            t("billing.c.merchant"),
            [m["id"] for m in billed],
            key="statement_merchant",
            format_func=lambda i: next(m["name"] for m in billed if m["id"] == i),
        )
    if merchant_id is None:
        st.info(t("billing.no_invoices"))
        return
    data = payments.statement(db, actor, merchant_id)
    st.subheader(t("billing.statement_title", merchant=data["merchant"]["name"], date=data["as_of"]))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("billing.c.total"), formatting.money(data["billed"]), border=True)
    c2.metric(t("billing.c.paid"), formatting.money(data["paid"]), border=True)
    c3.metric(t("billing.c.outstanding"), formatting.money(data["outstanding"]), border=True)
    c4.metric(t("billing.c.overdue"), formatting.money(data["overdue"]), border=True)
    frames = payments.statement_frames(data, ctx.lang)
    frame = next(iter(frames.values()))
    if frame.empty:
        st.info(t("billing.no_invoices"))
        return
    st.dataframe(frame, hide_index=True, width="stretch", column_config=money)
    d1, d2 = st.columns(2)
    with d1:
        st.download_button(
            t("billing.download_html"),
            payments.statement_html(data, ctx.lang),
            file_name=f"statement-{merchant_id}-{data['as_of']}.html",
            mime="text/html",
            key="statement_html",
            icon=":material/print:",
        )
    with d2:
        download_xlsx(
            ctx, "billing.download_xlsx", frames, f"statement-{merchant_id}-{data['as_of']}.xlsx", "statement_xlsx"
        )


if not staff:  # a merchant: its own issued invoices and its statement, read-only
    tab_invoices, tab_statement = st.tabs([t("billing.tab.invoices"), t("billing.tab.statement")])
    with tab_invoices:
        search = st.text_input(t("search"), key="invoice_search_merchant", placeholder=t("billing.search_invoices"))
        invoice_list(invoices.list_invoices(db, actor, search=search), "merchant")
    with tab_statement:
        statement_view()
    st.stop()

tab_month, tab_all, tab_statement = st.tabs([t("billing.tab.month"), t("billing.tab.all"), t("billing.tab.statement")])
with tab_month:
    months = recent_months(13)
    month = st.selectbox(t("billing.c.month"), months, index=1, key="billing_month")
    summary = invoices.month_summary(db, actor, month)
    c1, c2, c3, c4, c5 = st.columns([1, 2, 1, 1, 1])
    c1.metric(t("billing.c.invoices"), summary["count"], border=True)
    c2.metric(t("billing.c.month_total"), formatting.money(summary["total"]), border=True)
    c3.metric(t("billing.status.draft"), summary["draft"], border=True)
    c4.metric(t("billing.status.issued"), summary["issued"], border=True)
    c5.metric(t("billing.status.paid"), summary["paid"], border=True)
    st.caption(t("billing.run_hint"))
    if st.button(t("billing.run_month", month=month), type="primary", key="run_billing", icon=":material/calculate:"):
        save_and_flash(
            ctx,
            "billing",
            lambda result: t("billing.done.run", month=month, n=result["computed"], locked=result["locked"]),
            invoices.run_month,
            db,
            actor,
            month,
        )
    with st.expander(t("billing.credits")):
        credits = invoices.list_credits(db, actor, month)
        if credits:
            st.dataframe(
                pd.DataFrame(
                    {
                        t("billing.c.merchant"): [c["merchant_name"] for c in credits],
                        t("billing.c.project"): [c["project_name"] for c in credits],
                        t("billing.c.amount"): [c["amount"] for c in credits],
                        t("billing.c.reason"): [c["reason"] for c in credits],
                    }
                ),
                hide_index=True,
                width="stretch",
            )
        projects = merchants.list_projects(db, actor)
        with st.form(f"credit_{month}"):
            k1, k2 = st.columns(2)
            project_id = k1.selectbox(
                t("billing.c.project"),
                [p["id"] for p in projects],
                format_func=lambda i: next(f"{p['merchant_name']} · {p['name']}" for p in projects if p["id"] == i),
            )
            amount = k2.number_input(t("billing.c.credit_amount"), min_value=0.0, step=100.0, format="%.2f")
            reason = st.text_input(t("billing.c.reason"), key=f"credit_reason_{month}")
            if st.form_submit_button(t("billing.add_credit"), icon=":material/add:"):
                save_and_flash(
                    ctx,
                    "billing",
                    t("billing.done.credit"),
                    invoices.add_credit,
                    db,
                    actor,
                    project_id,
                    month,
                    amount,
                    reason,
                )
    f1, f2 = st.columns([3, 1])
    search = f1.text_input(t("search"), key="invoice_search_month", placeholder=t("billing.search_invoices"))
    status = f2.selectbox(
        t("billing.c.status"),
        ["", *invoices.INVOICE_STATUSES],
        key="invoice_status_month",
        format_func=lambda s: t("all") if not s else t(f"billing.status.{s}"),
    )
    invoice_list(invoices.list_invoices(db, actor, month=month, status=status or None, search=search), f"month_{month}")

with tab_all:
    g1, g2 = st.columns([3, 1])
    search = g1.text_input(t("search"), key="invoice_search_all", placeholder=t("billing.search_invoices"))
    overdue_only = g2.checkbox(t("billing.overdue_only"), key="invoice_overdue_only")
    invoice_list(invoices.list_invoices(db, actor, search=search, overdue_only=overdue_only), "all")

with tab_statement:
    statement_view()
