"""Receivables (应收账款) for the director: what each merchant owes, what is overdue and for how long."""

from __future__ import annotations

import streamlit as st

from core.billing import payments
from core.kernel import config, formatting
from ui import billing_widgets as bw
from ui import context
from ui.widgets import download_xlsx, money_column

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("billing.receivables.title"))
today = config.today()
found = payments.receivables(db, actor, today)
st.caption(t("billing.receivables_hint", date=today.isoformat()))
if not found:
    st.info(t("billing.no_receivables"))
    st.stop()
totals = payments.receivables_totals(found)
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("billing.r.billed"), formatting.money(totals["billed"]), border=True)
c2.metric(t("billing.r.outstanding"), formatting.money(totals["outstanding"]), border=True)
c3.metric(t("billing.r.overdue_total"), formatting.money(totals["overdue"]), border=True)
c4.metric(t("billing.r.merchants_overdue"), totals["merchants_overdue"], border=True)
search = st.text_input(t("search"), key="receivables_search", placeholder=t("billing.search_merchant"))
shown = payments.matching_merchants(found, search)
frame = payments.receivables_frame(shown, ctx.lang)
money_columns = ("billed", "paid", "outstanding", "not_due", "overdue_1", "overdue_31", "overdue_61")
st.dataframe(
    frame,
    hide_index=True,
    width="stretch",
    column_config={t(f"billing.r.{c}"): money_column(t(f"billing.r.{c}")) for c in money_columns},
)
download_xlsx(
    ctx,
    "billing.export_list",
    {t("billing.nav.receivables"): frame},
    f"receivables-{today.isoformat()}.xlsx",
    "receivables_xlsx",
)

st.subheader(t("billing.overdue_invoices"))
late = payments.overdue_invoices(db, actor, today)
if not late:
    st.success(t("billing.none_overdue"))
else:
    st.dataframe(
        bw.invoice_table(ctx, late),
        hide_index=True,
        width="stretch",
        column_config={
            t(f"billing.c.{c}"): money_column(t(f"billing.c.{c}")) for c in ("total", "paid", "outstanding")
        },
    )
    st.page_link("app_pages/billing.py", label=t("billing.to_billing"), icon=":material/receipt:")
