"""Quotes (报价): from the shop's facts to seats and a price; send, accept or decline, versions; the price list."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from core.billing import quotes, rules
from core.kernel import config, formatting, money
from core.kernel.errors import ValidationError
from core.kernel.permissions import can
from core.projects import merchants
from ui import context
from ui.widgets import download_xlsx, money_column, save_and_flash, show_flash, show_validation

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("billing.quotes.title"))
show_flash("quotes")
staff = can(actor, "billing.quote")
PERCENT = 100.0


def request_form(key: str, base: dict, valid_until, note: str) -> tuple[dict, object, str, str | None]:
    """The quote request form; returns (request, valid until, note, the button pressed)."""
    with st.form(key):
        a1, a2, a3 = st.columns(3)
        inquiries = a1.number_input(
            t("billing.c.avg_daily_inquiries"), min_value=0, step=50, value=int(base["avg_daily_inquiries"] or 0)
        )
        promo = a2.selectbox(
            t("billing.c.promotion_frequency"),
            merchants.PROMOTION_FREQUENCIES,
            index=merchants.PROMOTION_FREQUENCIES.index(base.get("promotion_frequency") or "none"),
            format_func=lambda p: t(f"promo.{p}"),
        )
        agents_now = a3.number_input(
            t("billing.c.current_agents"), min_value=0, step=1, value=int(base.get("current_presales_agents") or 0)
        )
        b1, b2, b3, b4 = st.columns(4)
        service = b1.selectbox(
            t("billing.c.service_type"),
            rules.SERVICE_TYPES,
            index=rules.SERVICE_TYPES.index(base["service_type"]),
            format_func=lambda s: t(f"billing.service.{s}"),
        )
        start = b2.text_input(t("billing.c.hours_start"), value=base["hours_start"], help=t("billing.help.hours"))
        end = b3.text_input(t("billing.c.hours_end"), value=base["hours_end"])
        weekends = b4.checkbox(t("billing.c.weekends"), value=bool(base.get("weekends", True)))
        c1, c2, c3 = st.columns(3)
        term = c1.number_input(
            t("billing.c.term_months"), min_value=1, max_value=60, step=1, value=int(base.get("term_months") or 12)
        )
        seats = c2.number_input(
            t("billing.c.seats_override"),
            min_value=0,
            max_value=500,
            step=1,
            value=int(base.get("seats") or 0),
            help=t("billing.help.seats_override"),
        )
        until = c3.date_input(t("billing.c.valid_until"), value=valid_until, min_value=config.today())
        text = st.text_input(t("billing.c.note"), value=note)
        left, right = st.columns(2)
        pressed = None
        if left.form_submit_button(t("billing.preview"), icon=":material/calculate:"):
            pressed = "preview"
        if right.form_submit_button(t("billing.save_draft"), type="primary", icon=":material/save:"):
            pressed = "save"
    request = {
        "category": base.get("category", ""),
        "current_presales_agents": int(agents_now),
        "avg_daily_inquiries": int(inquiries),
        "promotion_frequency": promo,
        "service_type": service,
        "hours_start": start.strip(),
        "hours_end": end.strip(),
        "weekends": weekends,
        "term_months": int(term),
        "seats": int(seats) or None,
    }
    return request, until, text, pressed


def proposal_view(proposal: dict) -> None:
    """Seats and the month's lines of a proposal."""
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("billing.c.seats_proposed"), proposal["seats_proposed"], border=True)
    c2.metric(t("billing.c.seats"), proposal["seats"], border=True)
    c3.metric(t("billing.c.seat_price"), formatting.money(proposal["terms"]["seat_price"]), border=True)
    c4.metric(t("billing.c.monthly_total"), formatting.money(proposal["monthly_total"]), border=True)
    st.caption(
        t(
            "billing.seat_calc",
            calc=proposal["seat_calc"],
            per_hour=formatting.count(proposal["inquiries_per_hour"]),
            band=proposal["band"],
        )
    )
    st.caption(t(f"billing.seat_method.{proposal.get('seat_method') or 'capacity'}"))
    st.dataframe(
        pd.DataFrame(
            {
                t("billing.c.item"): [t(f"billing.qline.{line['kind']}") for line in proposal["lines"]],
                t("billing.c.calc"): [line["calc"] for line in proposal["lines"]],
                t("billing.c.amount"): [float(line["amount"]) for line in proposal["lines"]],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={t("billing.c.amount"): money_column(t("billing.c.amount"))},
    )
    st.caption(
        t(
            "billing.commission_note",
            rate=money.fmt_pct(proposal["terms"]["commission_rate"]),
            minimum=formatting.money(proposal["terms"]["minimum_fee"]),
        )
    )


def open_new(action, *args) -> int:
    """Run a core action that makes a quote and show that quote after the rerun."""
    quote_id = action(*args)
    st.session_state["quote_open"] = quote_id
    return quote_id


tab_names = [t("billing.tab.quotes")] + ([t("billing.tab.new_quote"), t("billing.tab.prices")] if staff else [])
tabs = st.tabs(tab_names)

# --- the list and one quote ----------------------------------------------------------------------------------------
with tabs[0]:
    f1, f2 = st.columns([3, 1])
    search = f1.text_input(t("search"), key="quote_search", placeholder=t("billing.search_quotes"))
    statuses = [s for s in quotes.QUOTE_STATUSES if staff or s != "draft"]
    status = f2.selectbox(
        t("billing.c.status"),
        ["", *statuses],
        key="quote_status",
        format_func=lambda s: t("all") if not s else t(f"billing.quote_status.{s}"),
    )
    found = quotes.list_quotes(db, actor, search, status or None)
    if not found:
        st.info(t("billing.no_quotes"))
    else:
        table = pd.DataFrame(
            {
                t("billing.c.number"): [f"{q['number']} v{q['version']}" for q in found],
                t("billing.c.merchant"): [q["merchant_name"] for q in found],
                t("billing.c.project"): [q["project_name"] for q in found],
                t("billing.c.status"): [t(f"billing.quote_status.{q['status']}") for q in found],
                t("billing.c.seats"): [q["proposal"]["seats"] for q in found],
                t("billing.c.monthly_total"): [q["monthly_total"] for q in found],
                t("billing.c.valid_until"): [q["valid_until"] for q in found],
                t("billing.c.created_at"): [q["created_at"] for q in found],
            }
        )
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_config={t("billing.c.monthly_total"): money_column(t("billing.c.monthly_total"))},
        )
        download_xlsx(ctx, "billing.export_list", {t("billing.tab.quotes"): table}, "quotes.xlsx", "quotes_xlsx")
        opened = st.session_state.pop("quote_open", None)  # a quote just made is the one shown
        if opened in {q["id"] for q in found}:
            st.session_state["quote_pick"] = opened
        chosen = st.selectbox(
            t("billing.open_quote"),
            [q["id"] for q in found],
            key="quote_pick",
            format_func=lambda i: next(
                f"{q['number']} v{q['version']} · {q['merchant_name']} · {q['project_name']}"
                for q in found
                if q["id"] == i
            ),
        )
        quote = quotes.get_quote(db, actor, chosen)
        st.subheader(t("billing.quote_title", number=quote["number"], version=quote["version"]))
        st.caption(
            t(
                "billing.quote_meta",
                status=t(f"billing.quote_status.{quote['status']}"),
                until=quote["valid_until"],
                by=quote["created_by_name"] or "",
                at=quote["created_at"],
                prices=quote["price_list_from"],
            )
        )
        proposal_view(quote["proposal"])
        d1, d2 = st.columns(2)
        with d1:
            st.download_button(
                t("billing.download_html"),
                quotes.document_html(quote, ctx.lang),
                file_name=f"{quote['number']}-v{quote['version']}.html",
                mime="text/html",
                key="quote_html",
                icon=":material/print:",
            )
        with d2:
            download_xlsx(
                ctx,
                "billing.download_xlsx",
                quotes.document_frames(quote, ctx.lang),
                f"{quote['number']}-v{quote['version']}.xlsx",
                "quote_xlsx",
            )
        if staff:
            if quote["status"] == "draft":
                if st.button(t("billing.send"), type="primary", key="quote_send", icon=":material/send:"):
                    save_and_flash(ctx, "quotes", t("billing.done.sent"), quotes.send_quote, db, actor, quote["id"])
                with st.expander(t("billing.edit_draft")):
                    request, until, note, pressed = request_form(
                        f"quote_edit_{quote['id']}",
                        quote["request"],
                        pd.Timestamp(quote["valid_until"]).date(),
                        quote["note"],
                    )
                    if pressed:
                        save_and_flash(
                            ctx,
                            "quotes",
                            t("msg.saved"),
                            quotes.update_draft,
                            db,
                            actor,
                            quote["id"],
                            request,
                            until,
                            note,
                        )
            if quote["status"] == "sent":
                sure = st.checkbox(t("billing.decision_confirm"), key=f"quote_sure_{quote['id']}")
                a1, a2 = st.columns(2)
                if a1.button(
                    t("billing.accept"),
                    type="primary",
                    disabled=not sure,
                    key="quote_accept",
                    icon=":material/check_circle:",
                ):
                    save_and_flash(
                        ctx, "quotes", t("billing.done.accepted"), quotes.accept_quote, db, actor, quote["id"]
                    )
                if a2.button(t("billing.decline"), disabled=not sure, key="quote_decline", icon=":material/cancel:"):
                    save_and_flash(
                        ctx, "quotes", t("billing.done.declined"), quotes.decline_quote, db, actor, quote["id"]
                    )
            if quote["status"] in ("sent", "declined"):
                if st.button(t("billing.new_version"), key="quote_new_version", icon=":material/content_copy:"):
                    save_and_flash(
                        ctx,
                        "quotes",
                        t("billing.done.new_version"),
                        open_new,
                        quotes.new_version,
                        db,
                        actor,
                        quote["id"],
                    )
            if quote["status"] == "accepted":
                st.page_link("app_pages/contracts.py", label=t("billing.to_contract"), icon=":material/handshake:")

# --- a new quote ---------------------------------------------------------------------------------------------------
if staff:
    with tabs[1]:
        projects = [p for p in merchants.list_projects(db, actor) if p["status"] != "ended"]
        if not projects:
            st.info(t("projects.empty"))
        else:
            project_id = st.selectbox(
                t("billing.c.project"),
                [p["id"] for p in projects],
                key="new_quote_project",
                format_func=lambda i: next(f"{p['merchant_name']} · {p['name']}" for p in projects if p["id"] == i),
            )
            base = quotes.request_defaults(db, actor, project_id)
            st.caption(
                t(
                    "billing.facts_hint",
                    category=base["category"] or "—",
                    agents=base["current_presales_agents"],
                    inquiries=base["avg_daily_inquiries"],
                    promo=t(f"promo.{base['promotion_frequency']}"),
                )
            )
            validity = quotes.price_list_on(db, config.today())["data"]["validity_days"]
            request, until, note, pressed = request_form(
                f"quote_new_{project_id}", base, config.today() + timedelta(days=validity), ""
            )
            if pressed == "preview":
                try:
                    proposal_view(quotes.preview(db, actor, project_id, request))
                except ValidationError as exc:
                    show_validation(ctx, exc)
            elif pressed == "save":
                save_and_flash(
                    ctx,
                    "quotes",
                    t("billing.done.quote_created"),
                    open_new,
                    quotes.create_quote,
                    db,
                    actor,
                    project_id,
                    request,
                    until,
                    note,
                )

    # --- the price list -----------------------------------------------------------------------------------------------
    with tabs[2]:
        current = quotes.price_list_on(db, config.today())
        data = current["data"]
        st.caption(t("billing.prices_current", date=current["effective_from"]))
        with st.form("price_list"):
            st.markdown(f"**{t('billing.seat_prices')}**")
            grid = pd.DataFrame(
                [
                    {
                        "service": t(f"billing.service.{s}"),
                        **{f"{b}h": data["seat_prices"][s][str(b)] for b in rules.HOURS_BANDS},
                    }
                    for s in rules.SERVICE_TYPES
                ]
            )
            edited = st.data_editor(
                grid,
                hide_index=True,
                disabled=["service"],
                key="seat_price_grid",
                column_config={
                    "service": st.column_config.TextColumn(t("billing.c.service_type")),
                    **{
                        f"{b}h": st.column_config.NumberColumn(t("billing.band", hours=b), min_value=0, format="%.2f")
                        for b in rules.HOURS_BANDS
                    },
                },
            )
            p1, p2, p3 = st.columns(3)
            night = p1.number_input(
                t("billing.c.night_surcharge_pct"), 0.0, 100.0, data["night_surcharge"] * PERCENT, 1.0
            )
            weekend = p2.number_input(
                t("billing.c.weekend_surcharge_pct"), 0.0, 100.0, data["weekend_surcharge"] * PERCENT, 1.0
            )
            commission = p3.number_input(
                t("billing.c.commission_rate_pct"), 0.0, 100.0, data["commission_rate"] * PERCENT, 0.1, format="%.2f"
            )
            q1, q2, q3 = st.columns(3)
            minimum = q1.number_input(t("billing.c.minimum_fee"), 0.0, None, float(data["minimum_fee"]), 100.0)
            capacity = q2.number_input(
                t("billing.c.seat_daily_capacity"),
                1.0,
                None,
                float(data["seat_daily_capacity"]),
                10.0,
                help=t("billing.help.capacity"),
            )
            validity_days = q3.number_input(t("billing.c.validity_days"), 1, 365, int(data["validity_days"]), 1)
            st.markdown(f"**{t('billing.term_discounts')}**")
            discounts = st.data_editor(
                pd.DataFrame(
                    [{"months": d["months"], "rate": d["rate"] * PERCENT} for d in data["term_discounts"]],
                    columns=["months", "rate"],
                ),
                num_rows="dynamic",
                hide_index=True,
                key="discount_grid",
                column_config={
                    "months": st.column_config.NumberColumn(t("billing.c.term_months"), min_value=1, step=1),
                    "rate": st.column_config.NumberColumn(t("billing.c.discount_pct"), min_value=0, max_value=99),
                },
            )
            r1, r2 = st.columns(2)
            effective = r1.date_input(t("billing.c.effective_from"), value=config.today())
            note = r2.text_input(t("billing.c.note"), key="price_note")
            if st.form_submit_button(t("billing.save_prices"), type="primary", icon=":material/save:"):
                new = {
                    "seat_prices": {
                        s: {str(b): edited.iloc[i][f"{b}h"] for b in rules.HOURS_BANDS}
                        for i, s in enumerate(rules.SERVICE_TYPES)
                    },
                    "night_surcharge": night / PERCENT,
                    "weekend_surcharge": weekend / PERCENT,
                    "commission_rate": commission / PERCENT,
                    "minimum_fee": minimum,
                    "seat_daily_capacity": capacity,
                    "validity_days": validity_days,
                    "promotion_uplift": data.get("promotion_uplift"),
                    "term_discounts": [
                        {"months": d["months"], "rate": (d["rate"] / PERCENT) if pd.notna(d["rate"]) else None}
                        for d in discounts.to_dict("records")
                        if pd.notna(d["months"]) or pd.notna(d["rate"])
                    ],
                }
                save_and_flash(
                    ctx, "quotes", t("billing.done.prices"), quotes.save_price_list, db, actor, new, effective, note
                )
        history = quotes.list_price_lists(db, actor)
        st.markdown(f"**{t('billing.price_history')}**")
        st.dataframe(
            pd.DataFrame(
                {
                    t("billing.c.effective_from"): [p["effective_from"] for p in history],
                    t("billing.c.created_at"): [p["created_at"] for p in history],
                    t("billing.c.created_by"): [p["created_by_name"] or "" for p in history],
                    t("billing.c.note"): [p["note"] for p in history],
                }
            ),
            hide_index=True,
            width="stretch",
        )
