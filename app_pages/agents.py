"""The agent roster (客服花名册): search, filters, Excel export; an agent's record, status changes and training
history."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from core.agents import directory
from core.kernel import config, formatting
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import can
from core.projects import merchants
from core.team import plans
from ui import charts, context
from ui.widgets import download_xlsx, money_column, pct, query_int, show_validation

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("team.agents.title"))


def agent_form(key: str, initial: dict | None = None) -> dict | None:
    """The roster fields; returns the entered data when submitted."""
    initial = initial or {}
    personal = not initial or initial.get("personal", False)  # an agent's pay and phone: only for who may see them
    logins = directory.linkable_users(db, actor, initial.get("id"))
    login_ids = [0, *[u["id"] for u in logins]]
    login_names = {u["id"]: f"{u['username']} · {u['display_name']}" for u in logins}
    with st.form(key):
        c1, c2 = st.columns(2)
        name = c1.text_input(t("field.team.name"), value=initial.get("name", ""))
        employee_no = c2.text_input(t("field.team.employee_no"), value=initial.get("employee_no", ""))
        phone = c1.text_input(t("field.team.phone"), value=initial.get("phone") or "") if personal else None
        skills = c2.text_input(
            t("field.team.skills"), value=initial.get("skills", ""), help=t("team.agents.skills_help")
        )
        salary = (
            c1.number_input(
                t("field.team.base_salary"),
                min_value=0.0,
                step=100.0,
                format="%.2f",
                value=float(initial.get("base_salary", 3500)),
            )
            if personal
            else None
        )
        user_id = c2.selectbox(
            t("field.team.user_id"),
            login_ids,
            index=login_ids.index(initial.get("user_id")) if initial.get("user_id") in login_ids else 0,
            format_func=lambda u: login_names[u] if u else "—",
        )
        status = None
        if not initial:
            status = c1.selectbox(
                t("field.status"), directory.AGENT_STATUSES[:4], format_func=lambda s: t(f"team.agent_status.{s}")
            )
        if st.form_submit_button(t("btn.save"), type="primary"):
            data = {"name": name, "employee_no": employee_no, "skills": skills, "user_id": user_id or None}
            if personal:
                data |= {"phone": phone, "base_salary": salary}
            return data | ({"status": status} if status else {})
    return None


selected = query_int("agent")

# --- the list -------------------------------------------------------------------------------------
if selected is None:
    projects = merchants.list_projects(db, actor)
    c1, c2, c3, c4 = st.columns([3, 2, 2, 3])
    search = c1.text_input(
        t("search"),
        key="ag_search",
        placeholder=t(
            "team.agents.search_hint" if can(actor, "agent.personal") else "team.agents.search_hint_no_phone"
        ),
    )
    status = c2.selectbox(
        t("field.status"),
        ["", *directory.AGENT_STATUSES],
        key="ag_status",
        format_func=lambda s: t(f"team.agent_status.{s}") if s else t("all"),
    )
    skill = c3.selectbox(
        t("field.team.skills"), ["", *directory.all_skills(db)], format_func=lambda s: s or t("all"), key="ag_skill"
    )
    project_id = c4.selectbox(
        t("field.project_name"),
        [0, *[p["id"] for p in projects]],
        key="ag_project",
        format_func=lambda p: (
            next(f"{x['merchant_name']} · {x['name']}" for x in projects if x["id"] == p) if p else t("all")
        ),
    )
    found = directory.list_agents(db, actor, search, status or None, skill or None, project_id or None)
    if not found:
        st.info(t("team.agents.empty"))
    else:
        personal = can(actor, "agent.personal")  # the columns at all; core leaves them empty for agents not one's own
        columns = {
            t("field.team.employee_no"): [a["employee_no"] for a in found],
            t("field.team.name"): [a["name"] for a in found],
            t("field.status"): [t(f"team.agent_status.{a['status']}") for a in found],
            t("team.agents.since"): [a["since"] for a in found],
            t("field.team.skills"): [a["skills"] for a in found],
            t("field.team.phone"): [a["phone"] if a["personal"] else "—" for a in found],
            t("team.agents.projects"): [a["projects"] or "" for a in found],
            t("team.agents.basic_passed"): [t("yes") if a["basic_passed"] else t("no") for a in found],
            t("field.team.base_salary"): [a["base_salary"] for a in found],
            t("field.team.user_id"): [a["username"] or "" for a in found],
            t("merchants.open"): [f"/agents?agent={a['id']}" for a in found],
        }
        if not personal:
            del columns[t("field.team.phone")], columns[t("field.team.base_salary")]
        table = pd.DataFrame(columns)
        st.caption(t("team.agents.count", n=len(found)))
        if personal and not all(a["personal"] for a in found):
            st.caption(t("team.agents.personal_hint"))
        column_config = {t("merchants.open"): st.column_config.LinkColumn(display_text=t("merchants.open"))}
        shown = table
        if personal and not all(a["personal"] for a in found):
            # another project's agent: "—", not "None" (the export keeps the numbers)
            shown = table.assign(
                **{t("field.team.base_salary"): table[t("field.team.base_salary")].map(formatting.money)}
            )
        else:
            column_config[t("field.team.base_salary")] = money_column(t("field.team.base_salary"))
        st.dataframe(shown, hide_index=True, width="stretch", column_config=column_config)
        download_xlsx(
            ctx, "btn.export_excel", {"agents": table.drop(columns=[t("merchants.open")])}, "agents.xlsx", "ag_export"
        )
    if can(actor, "agent.write"):
        with st.expander(t("team.agents.new"), icon=":material/person_add:"):
            data = agent_form("new_agent")
            if data is not None:
                try:
                    new_id = directory.create_agent(db, actor, data)
                except ValidationError as exc:
                    show_validation(ctx, exc)
                else:
                    st.query_params["agent"] = str(new_id)
                    st.rerun()
    st.stop()

# --- one agent ---------------------------------------------------------------------------------------
try:
    agent = directory.read_agent(db, actor, selected)
except NotFound:
    st.error(t("msg.not_found"))
    st.stop()
if st.button(t("btn.back_to_list"), icon=":material/arrow_back:"):
    del st.query_params["agent"]
    st.rerun()
st.subheader(f"{agent['name']} · {agent['employee_no']}")
history = directory.status_history(db, actor, selected)
record = plans.agent_training_history(db, actor, selected)
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("field.status"), t(f"team.agent_status.{agent['status']}"))
c2.metric(t("team.agents.since"), history[-1]["effective_on"] if history else "—")
c3.metric(
    t("team.agents.basic_passed"),
    t("yes") if any(e["project_id"] is None and e["passed"] for e in record["exams"]) else t("no"),
)
if agent["personal"]:
    c4.metric(t("field.team.base_salary"), formatting.money(agent["base_salary"]))
    st.caption(f"{t('field.team.phone')}: {agent['phone'] or '—'} · {t('field.team.skills')}: {agent['skills'] or '—'}")
else:
    st.caption(f"{t('field.team.skills')}: {agent['skills'] or '—'}")

tab_status, tab_projects, tab_training = st.tabs(
    [t("team.agents.tab.status"), t("team.agents.tab.projects"), t("team.agents.tab.training")]
)
with tab_status:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("team.agents.effective_on"): h["effective_on"],
                    t("history.from"): t(f"team.agent_status.{h['from_status']}") if h["from_status"] else "—",
                    t("history.to"): t(f"team.agent_status.{h['to_status']}"),
                    t("history.note"): h["note"],
                    t("history.by"): h["changed_by"] or "—",
                    t("history.at"): h["changed_at"],
                }
                for h in history
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    options = directory.allowed_status_changes(agent["status"])
    if can(actor, "agent.status") and options:
        with st.form(f"agent_status_{selected}"):
            c1, c2 = st.columns(2)
            to_status = c1.selectbox(t("projects.move_to"), options, format_func=lambda s: t(f"team.agent_status.{s}"))
            on = c2.date_input(
                t("team.agents.effective_on"), value=config.today(), max_value=config.today(), format="YYYY-MM-DD"
            )
            note = st.text_input(t("history.note"))
            if st.form_submit_button(t("projects.change_status"), type="primary"):
                try:
                    directory.change_status(db, actor, selected, to_status, note, on)
                except ValidationError as exc:
                    show_validation(ctx, exc)
                else:
                    st.rerun()
    if can(actor, "agent.write"):
        with st.expander(t("team.agents.edit"), icon=":material/edit:"):
            data = agent_form(f"edit_agent_{selected}", agent)
            if data is not None:
                try:
                    directory.update_agent(db, actor, selected, data)
                except ValidationError as exc:
                    show_validation(ctx, exc)
                else:
                    st.success(t("msg.saved"))
                    st.rerun()

with tab_projects:
    assigned = directory.assignments(db, actor, selected)
    if not assigned:
        st.info(t("team.agents.no_projects"))
    else:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("field.project_name"): f"{a['merchant_name']} · {a['project_name']}",
                        t("team.role"): t(f"team.role.{a['role']}"),
                        t("team.shift"): t(f"team.shift.{a['shift']}"),
                        t("team.from_date"): a["from_date"],
                        t("team.to_date"): a["to_date"] or "—",
                        t("team.sub_account"): a["sub_account"],
                    }
                    for a in assigned
                ]
            ),
            hide_index=True,
            width="stretch",
        )

with tab_training:
    st.markdown(f"**{t('team.training.tracks')}**")
    if not record["tracks"]:
        st.caption(t("team.training.no_tracks"))
    for track in record["tracks"]:
        progress = track["progress"]
        current = (
            t(f"team.stage_name.{progress['current']['key']}") if progress["current"] else t("team.training.finished")
        )
        st.progress(
            progress["done"] / progress["total"],
            text=f"{t('team.track.' + track['track'])} · {progress['done']}/{progress['total']} · {current}"
            + (f" · :red[{t('team.training.behind')}]" if progress["behind"] else ""),
        )
    st.markdown(f"**{t('team.training.plans')}**")
    if record["plans"]:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("field.project_name"): p["project_name"],
                        t("team.plan.method"): t(f"team.method.{p['method']}"),
                        t("team.plan.period"): f"{p['start_date']} ~ {p['end_date']}",
                        t("team.plan.attended"): f"{p['attended']}/{p['sessions']}",
                    }
                    for p in record["plans"]
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption(t("team.training.no_plans"))
    st.markdown(f"**{t('team.exams.title')}**")
    exams = record["exams"]
    if exams:
        frame = pd.DataFrame(
            [
                {
                    t("team.exam.date"): e["exam_date"],
                    t("field.project_name"): e["project_name"] or t("team.exam.basic"),
                    t("team.exam.type"): t(f"team.exam_type.{e['exam_type']}"),
                    "ratio": e["ratio"],
                    t("team.exam.score"): f"{e['score']:g}/{e['max_score']:g}",
                    t("team.exam.result"): t("team.exam.passed") if e["passed"] else t("team.exam.failed"),
                    t("team.exam.examiner"): e["examiner"],
                    t("field.notes"): e["notes"],
                }
                for e in exams
            ]
        )
        chart = px.line(
            frame,
            x=t("team.exam.date"),
            y="ratio",
            color=t("team.exam.type"),
            markers=True,
            labels={"ratio": t("team.exam.percent")},
        )
        chart.update_layout(height=260, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis_tickformat=".0%")
        charts.finish(
            ctx, chart, t("team.exam.chart"), x=t("team.exam.date"), y=charts.axis(ctx, t("team.exam.percent"), "pct")
        )
        st.plotly_chart(chart, width="stretch")
        frame[t("team.exam.percent")] = frame["ratio"].map(pct)
        st.dataframe(frame.drop(columns=["ratio"]).iloc[::-1], hide_index=True, width="stretch")
    else:
        st.caption(t("team.exams.empty"))
