"""Complaints (投诉): the list with filters, export and trend; logging; one complaint's life-cycle and links."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import plotly.express as px
import streamlit as st

from core.complaints import complaints
from core.kernel import config
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import can, is_merchant
from core.projects import merchants
from core.qa import access
from ui import charts, context
from ui.cache import cached, this_minute
from ui.qa_widgets import overdue_notice, period_picker
from ui.widgets import count_axis, download_xlsx, flash, query_int, save_and_flash, show_flash, show_validation

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("complaints.title"))
notice = st.empty()  # always drawn, so the elements below keep their place on the run after a save
show_flash("complaints", notice)
staff = not is_merchant(actor)
writer = can(actor, "complaint.write")
projects = merchants.list_projects(db, actor)
project_names = {p["id"]: f"{p['merchant_name']} · {p['name']}" for p in projects}


def label(prefix: str, value: str | None) -> str:
    return "—" if value is None else t(f"{prefix}.{value}")


selected = query_int("complaint")

if selected is None:
    # --- list --------------------------------------------------------------------------------------------------
    if not projects:
        st.info(t("projects.empty"))
        st.stop()
    c1, c2, c3, c4 = st.columns([3, 3, 2, 2])
    search = c1.text_input(t("search"), placeholder=t("complaints.search_hint"), key="c_search")
    requested_project = query_int("project")  # links from the home and project pages name the project
    project_options = [None, *project_names]
    if requested_project in project_names and st.session_state.get("c_project") != requested_project:
        st.session_state["c_project"] = requested_project
    if query_int("overdue") == 1:
        st.session_state["c_overdue"] = True
        del st.query_params["overdue"]
    project_id = c2.selectbox(
        t("qa.project"),
        project_options,
        key="c_project",
        format_func=lambda p: t("all") if p is None else project_names[p],
    )
    if project_id is None and "project" in st.query_params:
        del st.query_params["project"]
    elif project_id is not None and project_id != requested_project:
        st.query_params["project"] = str(project_id)
    status = c3.selectbox(
        t("complaints.status"),
        [None, *complaints.STATUSES],
        key="c_status",
        format_func=lambda s: t("all") if s is None else t(f"complaint.status.{s}"),
    )
    category = c4.selectbox(
        t("field.complaint.category"),
        [None, *complaints.CATEGORIES],
        key="c_category",
        format_func=lambda c: t("all") if c is None else t(f"complaint.category.{c}"),
    )
    c1, c2, c3 = st.columns([4, 3, 2])
    with c1:
        start, end = period_picker(ctx, "c_period")
    agent_id = None
    if staff and project_id is not None:
        team = access.team_agents(db, actor, project_id)
        agent_id = c2.selectbox(
            t("qa.agent"),
            [None, *[a["id"] for a in team]],
            key="c_agent",
            format_func=lambda i: t("all") if i is None else next(a["name"] for a in team if a["id"] == i),
        )
    overdue_only = c3.toggle(t("complaints.overdue_only"), key="c_overdue")
    minute = this_minute()
    every = cached(complaints.list_complaints)(db, actor, project_id=project_id, start=start, end=end, now=minute)
    narrowing = {
        "status": status,
        "category": category,
        "agent_id": agent_id,
        "overdue": True if overdue_only else None,
        "search": search.strip() or None,
    }
    narrowing = {name: value for name, value in narrowing.items() if value is not None}
    found = (
        cached(complaints.list_complaints)(
            db, actor, project_id=project_id, start=start, end=end, now=minute, **narrowing
        )
        if narrowing
        else every
    )
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("complaints.total"), len(every))
    c2.metric(t("complaints.open"), sum(1 for c in every if c["status"] in complaints.OPEN_STATUSES))
    c3.metric(t("complaints.overdue"), sum(1 for c in every if c["overdue"]))
    if staff:
        c4.metric(t("complaints.agent_responsible"), sum(1 for c in every if c.get("responsible") == 1))
    overdue_notice(ctx, project_id)
    if not found:
        st.info(t("complaints.empty"))
    else:
        rows = []
        for c in found:
            row = {
                t("complaints.number"): c["number"],
                t("complaints.logged_at"): c["logged_at"],
                t("qa.project"): c["project_name"],
                t("field.complaint.channel"): label("complaint.channel", c["channel"]),
                t("field.complaint.category"): label("complaint.category", c["category"]),
                t("field.complaint.severity"): label("complaint.severity", c["severity"]),
                t("complaints.status"): label("complaint.status", c["status"]),
                t("field.complaint.promised_at"): c["promised_at"],
                t("complaints.overdue"): "⚠" if c["overdue"] else "",
                t("field.complaint.buyer_id"): c["buyer_id"],
                t("field.complaint.order_no"): c["order_no"],
            }
            if staff:
                row[t("qa.agent")] = c["agent_name"] or ""
                row[t("complaints.responsible")] = {1: t("yes"), 0: t("no")}.get(c["responsible"], "")
            row[t("complaints.open_link")] = f"/complaints?complaint={c['id']}"
            rows.append(row)
        table = pd.DataFrame(rows)
        st.caption(t("complaints.count", n=len(found)))
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_config={
                t("complaints.open_link"): st.column_config.LinkColumn(display_text=t("complaints.open_link"))
            },
        )
        download_xlsx(
            ctx,
            "btn.export_excel",
            {"complaints": table.drop(columns=[t("complaints.open_link")])},
            "complaints.xlsx",
            "c_export",
        )
    trend = cached(complaints.trend)(db, actor, start, end, project_id)
    if trend:
        st.subheader(t("complaints.trend"))
        frame = pd.DataFrame(
            [
                {"week": r["week"], "category": t(f"complaint.category.{r['category']}"), "n": r["complaints"]}
                for r in trend
            ]
        )
        chart = px.bar(
            frame,
            x="week",
            y="n",
            color="category",
            labels={"week": t("qa.week"), "n": t("complaints.total"), "category": ""},
        )
        chart.update_layout(height=320, margin=dict(l=10, r=10, t=10, b=10), barmode="stack")
        charts.finish(
            ctx, chart, t("complaints.trend"), x=t("chart.week"), y=charts.axis(ctx, t("complaints.total"), "cases")
        )
        st.plotly_chart(count_axis(chart), width="stretch")

    if writer:
        with st.expander(t("complaints.new"), icon=":material/add:"):
            new_project = st.selectbox(
                t("qa.project"), list(project_names), format_func=project_names.get, key="c_new_project"
            )
            team = access.team_agents(db, actor, new_project)
            with st.form("c_new", clear_on_submit=False):
                c1, c2, c3 = st.columns(3)
                channel = c1.selectbox(
                    t("field.complaint.channel"), complaints.CHANNELS, format_func=lambda c: t(f"complaint.channel.{c}")
                )
                category_new = c2.selectbox(
                    t("field.complaint.category"),
                    complaints.CATEGORIES,
                    format_func=lambda c: t(f"complaint.category.{c}"),
                )
                severity = c3.selectbox(
                    t("field.complaint.severity"),
                    complaints.SEVERITIES,
                    index=1,
                    format_func=lambda s: t(f"complaint.severity.{s}"),
                )
                buyer = c1.text_input(t("field.complaint.buyer_id"))
                order_no = c2.text_input(t("field.complaint.order_no"))
                promised_day = c3.date_input(
                    t("field.complaint.promised_at"), value=None, min_value=config.today(), format="YYYY-MM-DD"
                )
                description = st.text_area(t("field.complaint.description"))
                c1, c2 = st.columns(2)
                # the agent chosen here is the agent concerned: saved whenever chosen, no second tick
                agent_new = c1.selectbox(
                    t("field.complaint.agent"),
                    [a["id"] for a in team],
                    index=None,
                    placeholder=t("complaints.no_agent"),
                    format_func=lambda i: next(f"{a['name']} · {a['sub_account']}" for a in team if a["id"] == i),
                )
                chat_date = c2.date_input(
                    t("field.complaint.chat_date"), value=None, max_value=config.today(), format="YYYY-MM-DD"
                )
                supervisor = next(p["manager_name"] for p in projects if p["id"] == new_project) or t(
                    "complaints.no_supervisor"
                )
                st.caption(
                    t(
                        "complaints.new_hint",
                        high=complaints.PROMISE_HOURS["high"],
                        medium=complaints.PROMISE_HOURS["medium"],
                        low=complaints.PROMISE_HOURS["low"],
                        supervisor=supervisor,
                        categories="、".join(t(f"complaint.category.{c}") for c in complaints.SUPERVISOR_CATEGORIES),
                    )
                )
                if st.form_submit_button(t("complaints.log"), type="primary"):
                    try:
                        new_id = complaints.log_complaint(
                            db,
                            actor,
                            {
                                "project_id": new_project,
                                "channel": channel,
                                "buyer_id": buyer,
                                "order_no": order_no,
                                "category": category_new,
                                "severity": severity,
                                "description": description,
                                "agent_id": agent_new,
                                "chat_date": chat_date,
                                "promised_at": datetime.combine(promised_day, datetime.max.time()).replace(
                                    microsecond=0
                                )
                                if promised_day
                                else None,
                            },
                        )
                    except ValidationError as exc:
                        show_validation(ctx, exc)
                    else:
                        flash("complaints", t("complaints.logged"))
                        st.query_params["complaint"] = str(new_id)
                        st.rerun()
else:
    # --- one complaint ------------------------------------------------------------------------------------------
    try:
        complaint = complaints.get_complaint(db, actor, selected)
    except NotFound:
        st.error(t("msg.not_found"))
        st.stop()
    if st.button(t("btn.back_to_list"), icon=":material/arrow_back:"):
        del st.query_params["complaint"]
        st.rerun()
    st.subheader(f"{complaint['number']} · {label('complaint.status', complaint['status'])}")
    if complaint["overdue"]:
        st.error(t("complaints.overdue_since", at=complaint["promised_at"]))
    st.caption(f"{complaint['merchant_name']} · {complaint['project_name']}")
    c1, c2, c3 = st.columns(3)
    c1.metric(t("field.complaint.category"), label("complaint.category", complaint["category"]))
    c2.metric(t("field.complaint.severity"), label("complaint.severity", complaint["severity"]))
    c3.metric(t("field.complaint.promised_at"), complaint["promised_at"][5:16])
    facts = [
        (t("field.complaint.channel"), label("complaint.channel", complaint["channel"])),
        (t("field.complaint.buyer_id"), complaint["buyer_id"]),
        (t("field.complaint.order_no"), complaint["order_no"] or "—"),
        (t("complaints.logged_at"), complaint["logged_at"]),
        (t("field.complaint.description"), complaint["description"]),
    ]
    if staff:
        facts += [
            (t("complaints.logged_by"), complaint["logged_by_name"] or "—"),
            (t("complaints.assignee"), complaint["assignee_name"] or "—"),
        ]
        if complaint["concerns_agent"]:
            facts += [
                (t("field.complaint.agent"), complaint["agent_name"] or "—"),
                (t("field.complaint.chat_date"), complaint["chat_date"] or "—"),
                (
                    t("complaints.responsible"),
                    {1: t("yes"), 0: t("no")}.get(complaint["responsible"], t("complaints.undecided")),
                ),
                (t("complaints.responsibility_note"), complaint["responsibility_note"] or "—"),
            ]
    st.dataframe(
        pd.DataFrame(facts, columns=[t("oc.field"), t("oc.value")]),
        hide_index=True,
        width="stretch",
        height=35 * (len(facts) + 1) + 3,
    )
    if staff and complaint["review_id"]:
        review_line = t(
            "complaints.review_line",
            status=t(f"qa.status.{complaint['review_status']}"),
            score="—" if complaint["review_score"] is None else f"{complaint['review_score']:g}",
        )
        if complaint["review_critical_failed"]:
            review_line += " · " + t("qa.critical_failed")
        st.page_link(
            "app_pages/qa.py",
            label=review_line,
            icon=":material/fact_check:",
            query_params={"project": complaint["project_id"], "review": complaint["review_id"]},
        )
    st.markdown(f"**{t('complaints.timeline')}**")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("history.at"): e["at"],
                    t("complaints.action"): t(f"complaint.action.{e['action']}"),
                    t("history.to"): label("complaint.status", e["to_status"]),
                    **(
                        {
                            t("history.by"): e["by_name"] or "—",
                            t("history.note"): t("complaints.auto") if e["note"] == "auto" else e["note"],
                        }
                        if staff
                        else {}
                    ),
                }
                for e in complaints.events(db, actor, selected)
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    if writer:
        options = complaints.allowed_actions(complaint["status"])
        with st.form(f"c_step_{selected}", clear_on_submit=True):
            c1, c2 = st.columns([1, 3])
            action = c1.selectbox(t("complaints.action"), options, format_func=lambda a: t(f"complaint.action.{a}"))
            note = c2.text_input(t("field.note"))
            if st.form_submit_button(t("complaints.apply"), type="primary"):
                save_and_flash(ctx, "complaints", t("msg.saved"), complaints.advance, db, actor, selected, action, note)
    if can(actor, "complaint.judge") and complaint["concerns_agent"] and complaint["status"] != "closed":
        with st.form(f"c_judge_{selected}"):
            st.markdown(f"**{t('complaints.finding')}**")
            responsible = st.radio(
                t("complaints.responsible"),
                [True, False],
                horizontal=True,
                format_func=lambda v: t("complaints.agent_at_fault") if v else t("complaints.agent_not_at_fault"),
            )
            note = st.text_input(t("field.note"), key=f"c_judge_note_{selected}")
            if st.form_submit_button(t("btn.save")):
                save_and_flash(
                    ctx,
                    "complaints",
                    t("msg.saved"),
                    complaints.set_responsibility,
                    db,
                    actor,
                    selected,
                    responsible,
                    note,
                )
