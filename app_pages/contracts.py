"""Contracts (合同): an accepted quote becomes the project's terms; amendments with their effective dates; the terms of
any day."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
import streamlit as st

from core.billing import contracts
from core.kernel import config, formatting, money
from core.kernel.permissions import can
from ui import context
from ui.widgets import download_xlsx, money_column, save_and_flash, show_flash

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("billing.contracts.title"))
show_flash("contracts")
staff = can(actor, "billing.contract")


def terms_table(history: list[dict]) -> pd.DataFrame:
    """Every terms row of a contract: the original and each amendment, with its effective date."""
    return pd.DataFrame(
        {
            t("billing.c.seq"): [
                t("billing.original") if r["seq"] == 0 else t("billing.amendment_n", n=r["seq"]) for r in history
            ],
            t("billing.c.effective_from"): [r["effective_from"] for r in history],
            t("billing.c.seats"): [r["terms"]["seats"] for r in history],
            t("billing.c.service_type"): [t(f"billing.service.{r['terms']['service_type']}") for r in history],
            t("billing.c.hours"): [f"{r['terms']['hours_start']}–{r['terms']['hours_end']}" for r in history],
            t("billing.c.seat_price"): [float(r["terms"]["seat_price"]) for r in history],
            t("billing.c.discount_pct"): [money.fmt_pct(r["terms"].get("discount") or 0) for r in history],
            t("billing.c.commission_rate"): [money.fmt_pct(r["terms"]["commission_rate"]) for r in history],
            t("billing.c.minimum_fee"): [float(r["terms"]["minimum_fee"]) for r in history],
            t("billing.c.note"): [r["note"] for r in history],
            t("billing.c.created_by"): [r.get("created_by_name") or "" for r in history],
        }
    )


def terms_view(terms: dict) -> None:
    """One set of terms as the merchant reads them."""
    rows = [
        (t("billing.c.seats"), terms["seats"]),
        (t("billing.c.service_type"), t(f"billing.service.{terms['service_type']}")),
        (t("billing.c.hours"), f"{terms['hours_start']}–{terms['hours_end']}"),
        (t("billing.c.weekends"), t("yes") if terms.get("weekends") else t("no")),
        (t("billing.c.seat_price"), formatting.money(terms["seat_price"])),
        (t("billing.c.night_surcharge_pct"), money.fmt_pct(terms.get("night_surcharge") or 0)),
        (t("billing.c.weekend_surcharge_pct"), money.fmt_pct(terms.get("weekend_surcharge") or 0)),
        (t("billing.c.discount_pct"), money.fmt_pct(terms.get("discount") or 0)),
        (t("billing.c.commission_rate"), money.fmt_pct(terms["commission_rate"])),
        (t("billing.c.minimum_fee"), formatting.money(terms["minimum_fee"])),
    ]
    for kpi, target in (terms.get("kpi_targets") or {}).items():
        rows.append(
            (
                t("billing.target_of", kpi=t(f"kpi.m.{kpi}")),
                f"{target:g} s" if kpi.endswith("_s") else money.fmt_pct(target),
            )
        )
    for rebate in terms.get("rebates") or []:
        rows.append((t("billing.rebate_of", kpi=t(f"kpi.m.{rebate['kpi']}")), money.fmt_pct(rebate["rate"])))
    st.dataframe(
        pd.DataFrame(rows, columns=[t("billing.c.item"), t("billing.c.value")]).astype(str),
        hide_index=True,
        width="stretch",
    )


# --- a new contract from an accepted quote -------------------------------------------------------------------------
if staff:
    ready = contracts.acceptable_quotes(db, actor)
    with st.expander(t("billing.new_contract"), expanded=bool(ready)):
        if not ready:
            st.info(t("billing.no_accepted_quotes"))
        else:
            quote_id = st.selectbox(
                t("billing.c.quote"),
                [q["id"] for q in ready],
                key="contract_quote",
                format_func=lambda i: next(
                    f"{q['number']} v{q['version']} · {q['merchant_name']} · {q['project_name']}"
                    for q in ready
                    if q["id"] == i
                ),
            )
            chosen = next(q for q in ready if q["id"] == quote_id)
            targets = contracts.kpi_targets(db, actor, chosen["project_id"])
            with st.form(f"contract_new_{quote_id}"):
                months = int(json.loads(chosen["request"]).get("term_months") or 12)
                c1, c2 = st.columns(2)
                start = c1.date_input(t("billing.c.start_date"), value=config.today())
                end = c2.date_input(t("billing.c.end_date"), value=config.today() + timedelta(days=30 * months))
                c3, c4, c5 = st.columns(3)
                terms = c3.selectbox(
                    t("billing.c.payment_terms"),
                    contracts.PAYMENT_TERMS,
                    format_func=lambda p: t(f"billing.payment.{p}"),
                )
                days = c4.number_input(
                    t("billing.c.payment_days"),
                    min_value=0,
                    max_value=90,
                    value=contracts.DEFAULT_PAYMENT_DAYS["prepaid"],
                )
                mode = c5.selectbox(
                    t("billing.c.handover"),
                    ["", *contracts.HANDOVER_MODES],
                    format_func=lambda m: t("billing.handover.auto") if not m else t(f"billing.handover.{m}"),
                )
                plan = st.text_area(t("billing.c.handover_plan"), placeholder=t("billing.help.handover"))
                st.caption(t("billing.targets_from_oc", targets="、".join(t(f"kpi.m.{k}") for k in targets) or "—"))
                r1, r2 = st.columns(2)
                rebate_kpi = r1.selectbox(
                    t("billing.c.rebate_kpi"),
                    ["", *[k for k in contracts.REBATE_KPIS if k in targets]],
                    format_func=lambda k: t("billing.no_rebate") if not k else t(f"kpi.m.{k}"),
                )
                rebate_rate = r2.number_input(
                    t("billing.c.rebate_rate_pct"), min_value=0.0, max_value=50.0, value=5.0, step=0.5
                )
                if st.form_submit_button(t("billing.create_contract"), type="primary", icon=":material/handshake:"):
                    rebates = [{"kpi": rebate_kpi, "rate": rebate_rate / 100}] if rebate_kpi else []
                    save_and_flash(
                        ctx,
                        "contracts",
                        t("billing.done.contract"),
                        contracts.create_contract,
                        db,
                        actor,
                        quote_id,
                        start,
                        end,
                        terms,
                        int(days),
                        mode or None,
                        plan,
                        rebates,
                    )

# --- the contracts -------------------------------------------------------------------------------------------------
search = st.text_input(t("search"), key="contract_search", placeholder=t("billing.search_contracts"))
found = contracts.list_contracts(db, actor, search)
if not found:
    st.info(t("billing.no_contracts"))
    st.stop()
today = config.today()
table = pd.DataFrame(
    {
        t("billing.c.contract"): [c["number"] for c in found],
        t("billing.c.merchant"): [c["merchant_name"] for c in found],
        t("billing.c.project"): [c["project_name"] for c in found],
        t("billing.c.start_date"): [c["start_date"] for c in found],
        t("billing.c.end_date"): [c["end_date"] for c in found],
        t("billing.c.payment_terms"): [t(f"billing.payment.{c['payment_terms']}") for c in found],
        t("billing.c.amendments"): [c["amendments"] for c in found],
        t("billing.c.running"): [
            t("yes") if c["start_date"] <= today.isoformat() <= c["end_date"] else t("no") for c in found
        ],
    }
)
st.dataframe(table, hide_index=True, width="stretch")
download_xlsx(ctx, "billing.export_list", {t("billing.nav.contracts"): table}, "contracts.xlsx", "contracts_xlsx")
contract_id = st.selectbox(
    t("billing.open_contract"),
    [c["id"] for c in found],
    key="contract_pick",
    format_func=lambda i: next(
        f"{c['number']} · {c['merchant_name']} · {c['project_name']}" for c in found if c["id"] == i
    ),
)
contract = contracts.get_contract(db, actor, contract_id)
st.subheader(f"{contract['number']} · {contract['merchant_name']} · {contract['project_name']}")
st.caption(
    t(
        "billing.contract_meta",
        quote=f"{contract['quote_number']} v{contract['quote_version']}",
        start=contract["start_date"],
        end=contract["end_date"],
        terms=t(f"billing.payment.{contract['payment_terms']}"),
        days=contract["payment_days"],
        handover=t(f"billing.handover.{contract['handover']['mode']}"),
    )
)
if contract["handover"].get("text"):
    st.markdown(f"**{t('billing.c.handover_plan')}** {contract['handover']['text']}")
st.caption(
    t(
        "billing.notice_rules",
        rules="；".join(
            t("billing.notice_rule", rise=money.fmt_pct(r["rise"], 0), days=r["days"]) for r in contract["notice_rules"]
        ),
    )
)
day = st.date_input(
    t("billing.terms_on_day"),
    value=min(max(today, pd.Timestamp(contract["start_date"]).date()), pd.Timestamp(contract["end_date"]).date()),
    key=f"terms_day_{contract_id}",
)
terms_view(contracts.terms_on(db, actor, contract_id, day))
st.markdown(f"**{t('billing.terms_history')}**")
st.dataframe(
    terms_table(contract["terms_history"]),
    hide_index=True,
    width="stretch",
    column_config={
        t("billing.c.seat_price"): money_column(t("billing.c.seat_price")),
        t("billing.c.minimum_fee"): money_column(t("billing.c.minimum_fee")),
    },
)

if staff:
    current = contracts.terms_on(db, actor, contract_id, today)
    with st.expander(t("billing.amend")):
        st.caption(t("billing.help.amend"))
        with st.form(f"amend_{contract_id}"):
            a1, a2, a3 = st.columns(3)
            effective = a1.date_input(t("billing.c.effective_from"), value=today)
            seats = a2.number_input(t("billing.c.seats"), min_value=1, max_value=500, value=int(current["seats"]))
            price = a3.number_input(
                t("billing.c.seat_price"), min_value=0.0, value=float(current["seat_price"]), step=100.0
            )
            b1, b2, b3 = st.columns(3)
            commission = b1.number_input(
                t("billing.c.commission_rate_pct"),
                min_value=0.0,
                max_value=99.0,
                value=float(current["commission_rate"]) * 100,
                step=0.1,
                format="%.2f",
            )
            start = b2.text_input(t("billing.c.hours_start"), value=current["hours_start"])
            end = b3.text_input(t("billing.c.hours_end"), value=current["hours_end"])
            note = st.text_input(t("billing.c.amend_note"))
            if st.form_submit_button(t("billing.save_amendment"), type="primary", icon=":material/edit_note:"):
                proposed = {
                    "seats": int(seats),
                    "seat_price": float(price),
                    "commission_rate": commission / 100,
                    "hours_start": start.strip(),
                    "hours_end": end.strip(),
                }
                changes = {
                    k: v
                    for k, v in proposed.items()
                    if v != current.get(k) and not (isinstance(v, float) and abs(v - float(current.get(k) or 0)) < 1e-9)
                }
                save_and_flash(
                    ctx,
                    "contracts",
                    t("billing.done.amended"),
                    contracts.amend,
                    db,
                    actor,
                    contract_id,
                    effective,
                    changes,
                    note,
                )
