"""Home: what needs attention today, per role."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import plotly.express as px
import streamlit as st

from core.kernel import config
from core.kernel.permissions import can, is_agent, is_merchant, is_qa, is_trainer
from core.overview import home
from core.projects import merchants
from core.reports import merchant_report
from core.schedule import shift_requests
from core.team import plans
from ui import charts, context
from ui.cache import cached, this_minute
from ui.kpi_widgets import fmt
from ui.widgets import count_axis

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("home.title", name=actor.display_name))
ALERT_PAGES = {
    "below_target": "app_pages/kpi_dashboard.py",
    "overdue_complaints": "app_pages/complaints.py",
    "short_funnel": "app_pages/team.py",
    "materials_overdue": "app_pages/training.py",
    "draft": "app_pages/projects.py",
    "pay_run": "app_pages/salary.py",
    "overdue_invoice": "app_pages/billing.py",
    "shift_requests": "app_pages/schedule.py",
    "roster_short": "app_pages/schedule.py",
    "reconcile": "app_pages/reconcile.py",
}


if is_agent(actor):
    mine = home.agent_today(db, actor)
    if mine["yesterday"]["agent"] is None:
        st.info(t("kpi.mine.not_linked"))
    for label, block in ((t("kpi.period.yesterday"), mine["yesterday"]), (t("home.this_week"), mine["week"])):
        for project in block["projects"]:
            st.subheader(f"{label} · {project['project']}")
            columns = st.columns(4)
            for column, name in zip(
                columns, ("consultations", "response_30s_rate", "avg_response_s", "conversion_rate")
            ):
                column.metric(t(f"kpi.m.{name}"), fmt(name, project["figures"].get(name)), border=True)
    st.subheader(t("home.open_disputes"))
    if mine["open_disputes"]:
        for dispute in mine["open_disputes"]:
            st.markdown(f"- #{dispute.get('review_id')} · {dispute.get('reason', '')}")
    else:
        st.caption(t("home.none"))
    st.page_link("app_pages/my_kpi.py", label=t("nav.my_kpi"), icon=":material/person_check:")
    st.subheader(t("schedule.home.my_shift"))
    shifts = (
        shift_requests.my_roster(db, actor, config.today(), config.today())
        if mine["yesterday"]["agent"] is not None
        else []
    )
    st.markdown(
        "\n".join(
            f"- {c['merchant_name']} · {c['project']}：{t('schedule.cell.' + c['shift'])} {c['hours']}" for c in shifts
        )
        or t("myschedule.off_today")
    )
    st.page_link("app_pages/my_schedule.py", label=t("schedule.nav.my_schedule"), icon=":material/event_note:")
    st.stop()

if is_merchant(actor):
    projects = merchants.list_projects(db, actor)
    if not projects:
        st.info(t("home.merchant_empty"))
        st.stop()
    yesterday = config.today() - timedelta(days=1)
    for project in projects:
        report = merchant_report.build(db, actor, project["id"], "daily", yesterday)
        st.subheader(merchant_report.title(report, t))
        outlook = home.data_outlook(db, actor, project["id"], yesterday)
        if outlook is not None:  # no figures for yesterday: say why and when they come, not a row of dashes
            st.info(home.outlook_text(outlook, t), icon=":material/schedule:")
        else:
            columns = st.columns(4)
            for index, item in enumerate(report["headline"][:8]):
                label = t(f"kpi.m.{item['kpi']}") + (
                    f" · {t('kpi.target')} {fmt(item['kpi'], item['target'])}" if item["target"] is not None else ""
                )
                columns[index % 4].metric(label, fmt(item["kpi"], item["actual"]), border=True)
        st.page_link(
            "app_pages/reports.py",
            label=t("home.open_reports"),
            query_params={"project": project["id"]},
            icon=":material/summarize:",
        )
    st.stop()

if is_qa(actor):
    st.subheader(t("home.qa_due"))
    due = home.qa_due_today(db, actor)
    if not due:
        st.success(t("home.qa_nothing_due"))
    for entry in due:
        st.markdown(
            t(
                "home.qa_line",
                project=entry["project"],
                agents="、".join(a.get("agent_name", a.get("name", "")) for a in entry["due"]) or "—",
                tasks=entry["tasks"],
            )
        )
    st.page_link("app_pages/qa.py", label=t("home.open_qa"), icon=":material/fact_check:")

if is_trainer(actor):
    st.subheader(t("home.trainees"))
    tracks = plans.list_tracks(db, actor, open_only=True)
    if not tracks:
        st.caption(t("home.none"))
    else:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("report.name"): tr["agent_name"],
                        t("home.track"): t(f"team.track.{tr['track']}"),
                        t("home.progress"): f"{tr['progress']['done']}/{tr['progress']['total']}",
                        t("home.planned_end"): str(tr["progress"]["planned_end"]),
                        t("home.behind"): "⚠️" if tr["progress"]["behind"] else "",
                    }
                    for tr in tracks
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    st.page_link("app_pages/training.py", label=t("home.open_training"), icon=":material/school:")

if can(actor, "kpi.company"):
    st.subheader(t("home.alerts"))
    minute = this_minute()
    found = cached(home.alerts)(db, actor, today=minute.date(), now=minute)
    if not found:
        st.success(t("home.no_alerts"))
    for alert in found:
        query = {"project": alert["project_id"]} if alert["project_id"] else None
        if alert["kind"] == "reconcile":
            query["day"] = alert["day"]  # the reconciliation opens on the day the alert is about
        st.page_link(
            ALERT_PAGES[alert["kind"]], label=home.alert_text(alert, t), query_params=query, icon=":material/warning:"
        )

summary = merchants.home_summary(db, actor)
if not summary["projects"]:
    st.info(t("home.empty"))
    st.stop()

c1, c2, c3, c4 = st.columns(4)
c1.metric(t("home.merchants"), summary["merchants"])
c2.metric(t("home.projects"), len(summary["projects"]))
c3.metric(t("status.live"), summary["by_status"]["live"])
c4.metric(t("home.in_preparation"), summary["by_status"]["signed"] + summary["by_status"]["training"])

left, right = st.columns([3, 2])
with left:
    st.subheader(t("home.by_status"))
    frame = pd.DataFrame(
        {
            "status": [t(f"status.{s}") for s in merchants.PROJECT_STATUSES],
            "n": [summary["by_status"][s] for s in merchants.PROJECT_STATUSES],
        }
    )
    chart = px.bar(frame, x="status", y="n", labels={"status": t("field.status"), "n": t("home.projects")}, text="n")
    chart.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=10))
    charts.finish(
        ctx, chart, t("home.by_status"), x=t("field.status"), y=charts.axis(ctx, t("home.projects"), "projects")
    )
    st.plotly_chart(count_axis(chart), width="stretch")
with right:
    st.subheader(t("home.golives"))
    if summary["golives"]:
        for g in summary["golives"]:
            st.page_link(
                "app_pages/projects.py",
                label=f"{g['golive']} · {g['merchant_name']} · {g['name']}",
                query_params={"project": g["project_id"]},
                icon=":material/rocket_launch:",
            )
    else:
        st.caption(t("home.no_golives"))

st.subheader(t("home.projects"))
st.dataframe(
    pd.DataFrame(
        [
            {
                t("field.merchant"): p["merchant_name"],
                t("field.project_name"): p["name"],
                t("field.platform"): t(f"platform.{p['platform']}"),
                t("field.status"): t(f"status.{p['status']}"),
                t("field.manager"): p["manager_name"] or "—",
                t("merchants.open"): f"/projects?project={p['id']}",
            }
            for p in summary["projects"]
        ]
    ),
    hide_index=True,
    width="stretch",
    column_config={t("merchants.open"): st.column_config.LinkColumn(display_text=t("merchants.open"))},
)
