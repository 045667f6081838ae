"""After-sales registers (售后登记): reissues with the day-end warehouse export, cashbacks, and cases with their
checklists."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.complaints import aftersales
from core.kernel import config, formatting
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import can
from core.qa import access
from ui import context
from ui.widgets import download_xlsx, flash, project_picker, show_flash, show_validation

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("as.title"))
notice = st.empty()  # always drawn, so the elements below keep their place on the run after a save
show_flash("aftersales", notice)

project = project_picker(ctx, "as_project", access.projects_for(db, actor, "aftersales.read"), live_first=True)
project_id = project["id"]
writer = can(actor, "aftersales.write")
if not writer:
    st.caption(t("projects.read_only"))


def reason_label(reason: str) -> str:
    return t(f"as.reissue_reason.{reason}") if reason else "—"


tab_reissue, tab_cashback, tab_cases = st.tabs([t("as.tab.reissue"), t("as.tab.cashback"), t("as.tab.cases")])

# --- reissues ---------------------------------------------------------------------------------------------------
with tab_reissue:
    c1, c2 = st.columns([1, 3])
    day = c1.date_input(t("as.day"), value=config.today(), max_value=config.today(), format="YYYY-MM-DD", key="as_day")
    search = c2.text_input(t("search"), placeholder=t("as.search_hint"), key="as_r_search")
    found = aftersales.list_reissues(db, actor, project_id=project_id, day=day, search=search)
    if not found:
        st.info(t("as.no_reissues"))
    else:
        table = pd.DataFrame(
            [
                {
                    "#": r["id"],
                    t("field.reissue.order_no"): r["order_no"],
                    t("field.reissue.buyer_id"): r["buyer_id"],
                    t("field.reissue.items"): r["items"],
                    t("field.reissue.reason"): reason_label(r["reason"]),
                    t("field.reissue.note"): r["note"],
                    t("as.logged_by"): r["logged_by_name"] or "",
                    t("as.missing"): "、".join(t(f"field.reissue.{m}") for m in r["missing"]),
                }
                for r in found
            ]
        )
        st.dataframe(table, hide_index=True, width="stretch")
        incomplete = [r for r in found if not r["complete"]]
        if incomplete:
            st.warning(t("as.incomplete_warning", n=len(incomplete), ids=", ".join(f"#{r['id']}" for r in incomplete)))
    export = aftersales.warehouse_export(
        db,
        actor,
        project_id,
        day,
        {k: t(f"field.reissue.{k}") for k in ("order_no", "buyer_id", "items", "reason", "note")},
        {r: t(f"as.reissue_reason.{r}") for r in aftersales.REISSUE_REASONS},
    )
    st.download_button(
        t("as.warehouse_export", n=len(export["complete"])),
        export["xlsx"],
        file_name=f"reissue-{project_id}-{day.isoformat()}.xlsx",
        key="as_export",
        icon=":material/local_shipping:",
        disabled=not export["complete"],
    )
    if writer:
        with st.expander(t("as.new_reissue"), icon=":material/add:"):
            with st.form("as_new_reissue", clear_on_submit=True):
                c1, c2, c3 = st.columns(3)
                order_no = c1.text_input(t("field.reissue.order_no"))
                buyer = c2.text_input(t("field.reissue.buyer_id"))
                reason = c3.selectbox(
                    t("field.reissue.reason"), ["", *aftersales.REISSUE_REASONS], format_func=reason_label
                )
                items = st.text_input(t("field.reissue.items"))
                note = st.text_input(t("field.reissue.note"))
                st.caption(t("as.incomplete_hint"))
                if st.form_submit_button(t("btn.add"), type="primary"):
                    try:
                        aftersales.add_reissue(
                            db,
                            actor,
                            project_id,
                            {"order_no": order_no, "buyer_id": buyer, "items": items, "reason": reason, "note": note},
                            day=day,
                        )
                    except ValidationError as exc:
                        show_validation(ctx, exc)
                    else:
                        flash("aftersales", t("msg.saved"))
                        st.rerun()
        if found:
            with st.expander(t("as.edit_reissue"), icon=":material/edit:"):
                ids = [r["id"] for r in found]
                first = next((r["id"] for r in found if not r["complete"]), ids[0])
                pick = st.selectbox(
                    "#",
                    ids,
                    index=ids.index(first),
                    key="as_edit_pick",
                    format_func=lambda i: next(
                        f"#{r['id']} · {r['order_no'] or r['buyer_id']}" for r in found if r["id"] == i
                    ),
                )
                row = next(r for r in found if r["id"] == pick)
                with st.form(f"as_edit_{pick}"):
                    c1, c2, c3 = st.columns(3)
                    order_no = c1.text_input(t("field.reissue.order_no"), value=row["order_no"])
                    buyer = c2.text_input(t("field.reissue.buyer_id"), value=row["buyer_id"])
                    options = ["", *aftersales.REISSUE_REASONS]
                    reason = c3.selectbox(
                        t("field.reissue.reason"), options, index=options.index(row["reason"]), format_func=reason_label
                    )
                    items = st.text_input(t("field.reissue.items"), value=row["items"])
                    note = st.text_input(t("field.reissue.note"), value=row["note"])
                    if st.form_submit_button(t("btn.save"), type="primary"):
                        try:
                            aftersales.update_reissue(
                                db,
                                actor,
                                pick,
                                {
                                    "order_no": order_no,
                                    "buyer_id": buyer,
                                    "items": items,
                                    "reason": reason,
                                    "note": note,
                                },
                            )
                        except ValidationError as exc:
                            show_validation(ctx, exc)
                        else:
                            flash("aftersales", t("msg.saved"))
                            st.rerun()
                sure = st.checkbox(t("confirm_delete"), key=f"as_del_sure_{pick}")
                if st.button(t("btn.delete"), disabled=not sure, key=f"as_del_{pick}"):
                    aftersales.delete_reissue(db, actor, pick)
                    flash("aftersales", t("msg.saved"))
                    st.rerun()

# --- cashbacks ----------------------------------------------------------------------------------------------------
with tab_cashback:
    c1, c2, c3 = st.columns([2, 2, 3])
    status = c1.selectbox(
        t("as.cashback_status"),
        [None, *aftersales.CASHBACK_STATUSES],
        key="as_c_status",
        format_func=lambda s: t("all") if s is None else t(f"as.cashback_status.{s}"),
    )
    reason_filter = c2.selectbox(
        t("field.cashback.reason"),
        [None, *aftersales.CASHBACK_REASONS],
        key="as_c_reason",
        format_func=lambda r: t("all") if r is None else t(f"as.cashback_reason.{r}"),
    )
    search = c3.text_input(t("search"), placeholder=t("as.search_hint"), key="as_c_search")
    cashbacks = aftersales.list_cashbacks(
        db, actor, project_id=project_id, status=status, reason=reason_filter, search=search
    )
    totals = aftersales.cashback_totals(cashbacks)
    c1, c2, c3 = st.columns(3)
    c1.metric(t("as.cashback_count"), len(cashbacks))
    c2.metric(t("as.to_pay_total"), formatting.money(totals["to_pay"]))
    c3.metric(t("as.paid_total"), formatting.money(totals["paid"]))
    if not cashbacks:
        st.info(t("as.no_cashbacks"))
    else:
        table = pd.DataFrame(
            [
                {
                    "#": c["id"],
                    t("as.logged_at"): c["logged_at"],
                    t("field.cashback.order_no"): c["order_no"],
                    t("field.cashback.buyer_id"): c["buyer_id"],
                    t("field.cashback.amount"): f"{c['amount']:.2f}",
                    t("field.cashback.reason"): t(f"as.cashback_reason.{c['reason']}"),
                    t("as.cashback_status"): t(f"as.cashback_status.{c['status']}"),
                    t("field.cashback.note"): c["note"],
                    t("as.paid_at"): c["paid_at"] or "",
                    t("as.paid_by"): c["paid_by_name"] or "",
                }
                for c in cashbacks
            ]
        )
        st.dataframe(table, hide_index=True, width="stretch")
        download_xlsx(ctx, "btn.export_excel", {"cashbacks": table}, f"cashbacks-{project_id}.xlsx", "as_c_export")
    to_pay = [c for c in cashbacks if c["status"] == "to_pay"]
    if to_pay and can(actor, "aftersales.settle"):
        with st.form("as_settle"):
            st.markdown(f"**{t('as.settle')}**")
            c1, c2 = st.columns([2, 3])
            pick = c1.selectbox(
                t("as.cashback"),
                [c["id"] for c in to_pay],
                format_func=lambda i: next(
                    f"#{c['id']} · {c['order_no']} · {formatting.money(c['amount'])}" for c in to_pay if c["id"] == i
                ),
            )
            note = c2.text_input(t("field.note"))
            if st.form_submit_button(t("as.mark_paid"), type="primary"):
                try:
                    aftersales.settle_cashback(db, actor, pick, note)
                except (ValidationError, NotFound) as exc:
                    if isinstance(exc, ValidationError):
                        show_validation(ctx, exc)
                    else:
                        st.error(t("msg.not_found"))
                else:
                    flash("aftersales", t("msg.saved"))
                    st.rerun()
    if writer:
        with st.expander(t("as.new_cashback"), icon=":material/add:"):
            with st.form("as_new_cashback", clear_on_submit=True):
                c1, c2, c3, c4 = st.columns(4)
                order_no = c1.text_input(t("field.cashback.order_no"))
                buyer = c2.text_input(t("field.cashback.buyer_id"))
                amount = c3.number_input(t("field.cashback.amount"), min_value=0.0, value=3.0, step=1.0, format="%.2f")
                reason = c4.selectbox(
                    t("field.cashback.reason"),
                    aftersales.CASHBACK_REASONS,
                    format_func=lambda r: t(f"as.cashback_reason.{r}"),
                )
                note = st.text_input(t("field.cashback.note"))
                if st.form_submit_button(t("btn.add"), type="primary"):
                    try:
                        aftersales.add_cashback(
                            db,
                            actor,
                            project_id,
                            {
                                "order_no": order_no,
                                "buyer_id": buyer,
                                "amount": f"{amount:.2f}",
                                "reason": reason,
                                "note": note,
                            },
                        )
                    except ValidationError as exc:
                        show_validation(ctx, exc)
                    else:
                        flash("aftersales", t("msg.saved"))
                        st.rerun()

# --- after-sales cases ------------------------------------------------------------------------------------------------
with tab_cases:
    c1, c2, c3 = st.columns([2, 2, 3])
    case_type = c1.selectbox(
        t("field.as_case.case_type"),
        [None, *aftersales.CASE_TYPES],
        key="as_k_type",
        format_func=lambda c: t("all") if c is None else t(f"as.case_type.{c}"),
    )
    case_status = c2.selectbox(
        t("as.case_status"),
        [None, *aftersales.CASE_STATUSES],
        key="as_k_status",
        format_func=lambda s: t("all") if s is None else t(f"as.case_status.{s}"),
    )
    search = c3.text_input(t("search"), placeholder=t("as.search_hint"), key="as_k_search")
    cases = aftersales.list_cases(
        db, actor, project_id=project_id, status=case_status, case_type=case_type, search=search
    )
    if not cases:
        st.info(t("as.no_cases"))
    else:
        table = pd.DataFrame(
            [
                {
                    "#": c["id"],
                    t("as.logged_at"): c["logged_at"],
                    t("field.as_case.case_type"): t(f"as.case_type.{c['case_type']}"),
                    t("field.as_case.order_no"): c["order_no"],
                    t("field.as_case.buyer_id"): c["buyer_id"],
                    t("field.as_case.description"): c["description"],
                    t("as.progress"): f"{len(c['steps_done'])}/{c['steps_total']}",
                    t("as.case_status"): t(f"as.case_status.{c['status']}"),
                }
                for c in cases
            ]
        )
        st.dataframe(table, hide_index=True, width="stretch")
        download_xlsx(ctx, "btn.export_excel", {"cases": table}, f"aftersales-cases-{project_id}.xlsx", "as_k_export")
        pick = st.selectbox(
            t("as.open_case"),
            [c["id"] for c in cases],
            key="as_k_pick",
            format_func=lambda i: next(
                f"#{c['id']} · {t('as.case_type.' + c['case_type'])} · {c['order_no'] or c['buyer_id']}"
                for c in cases
                if c["id"] == i
            ),
        )
        case = next(c for c in cases if c["id"] == pick)
        st.markdown(f"**{t('as.checklist')}**")
        ticked = []
        for number, key in enumerate(aftersales.steps_of(case["case_type"]), start=1):
            if st.checkbox(
                f"{number}. {t(key)}",
                value=number in case["steps_done"],
                key=f"as_step_{pick}_{number}",
                disabled=not writer or case["status"] == "done",
            ):
                ticked.append(number)
        if writer and case["status"] == "open":
            c1, c2 = st.columns(2)
            if c1.button(t("as.save_steps"), key=f"as_steps_save_{pick}"):
                try:
                    aftersales.set_steps(db, actor, pick, ticked)
                except ValidationError as exc:
                    show_validation(ctx, exc)
                else:
                    flash("aftersales", t("msg.saved"))
                    st.rerun()
            if c2.button(t("as.mark_done"), type="primary", key=f"as_done_{pick}"):
                try:
                    aftersales.set_steps(db, actor, pick, ticked)
                    aftersales.close_case(db, actor, pick)
                except ValidationError as exc:
                    show_validation(ctx, exc)
                else:
                    flash("aftersales", t("msg.saved"))
                    st.rerun()
    if writer:
        with st.expander(t("as.new_case"), icon=":material/add:"):
            with st.form("as_new_case", clear_on_submit=True):
                c1, c2, c3 = st.columns(3)
                new_type = c1.selectbox(
                    t("field.as_case.case_type"), aftersales.CASE_TYPES, format_func=lambda c: t(f"as.case_type.{c}")
                )
                order_no = c2.text_input(t("field.as_case.order_no"))
                buyer = c3.text_input(t("field.as_case.buyer_id"))
                description = st.text_area(t("field.as_case.description"))
                if st.form_submit_button(t("btn.add"), type="primary"):
                    try:
                        aftersales.open_case(
                            db,
                            actor,
                            project_id,
                            {
                                "case_type": new_type,
                                "order_no": order_no,
                                "buyer_id": buyer,
                                "description": description,
                            },
                        )
                    except ValidationError as exc:
                        show_validation(ctx, exc)
                    else:
                        flash("aftersales", t("msg.saved"))
                        st.rerun()
