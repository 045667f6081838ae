"""The Monday meeting (每周例会): one page for the wall, section by section, with exports."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import plotly.express as px
import streamlit as st

from core.accounts import users
from core.kernel import config, documents, excel, formatting, i18n, weeks
from core.kernel.errors import ValidationError
from core.kernel.permissions import MERCHANT, can, is_admin
from core.kpi import daily_figures, hourly
from core.overview import meeting
from core.projects import merchants
from ui import charts, context
from ui.cache import cached
from ui.kpi_widgets import fmt, trend
from ui.widgets import show_validation

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor


def monday_pack(db_, actor_, monday_, project_id_, lang_):
    """The export tables of the week, cacheable (the language, not the translate function, is the key)."""
    return meeting.meeting_pack(db_, actor_, monday_, project_id_, lambda key, **params: i18n.t(key, lang_, **params))


SECTIONS = ("summary", "praise", "analysis", "qa", "complaints", "training", "actions")
COMPANY = 0  # the whole company in the scope picker (not None: a picker whose value is None shows "Choose an option")
state = st.session_state


def remembered(key: str, default):
    """A picker's last value: a widget not drawn in a run (on a slide) loses its state, so a copy is kept under `_key`.

    Given to the widget as its default (not written into its state: a selectbox whose value is
    set through the state before it is first drawn shows its first option in the browser).
    """
    return state.get(key, state.get(f"_{key}", default))


def start_presenting() -> None:
    state["monday_presenting"] = True
    state["monday_slide"] = 0


def stop_presenting() -> None:
    state["monday_presenting"] = False


projects = merchants.list_projects(db, actor, status="live")
names = {p["id"]: f"{p['merchant_name']} · {p['name']}" for p in projects}
options = [COMPANY, *names]
for key in ("monday_scope", "_monday_scope"):  # a project no longer live (or no longer visible) is not offered
    if key in state and state[key] not in options:
        del state[key]
presenting = state.get("monday_presenting", False)
if not presenting:  # on a slide nothing but the figures: no pickers
    c1, c2, c3 = st.columns([2, 3, 2])
    c1.date_input(
        t("monday.week"), value=remembered("monday_week", meeting.last_week()), format="YYYY-MM-DD", key="monday_week"
    )
    c2.selectbox(
        t("monday.scope"),
        options,
        index=options.index(remembered("monday_scope", meeting.default_scope(actor, projects) or COMPANY)),
        format_func=lambda i: t("monday.company") if i == COMPANY else names[i],
        key="monday_scope",
    )
    c3.toggle(t("monday.present"), key="monday_present", on_change=start_presenting)
    state["_monday_week"], state["_monday_scope"] = state["monday_week"], state["monday_scope"]
monday = weeks.week_of(state.get("_monday_week", meeting.last_week()))[0]
project_id = state.get("_monday_scope", COMPANY) or None
sunday = monday + timedelta(days=6)
scope_name = names[project_id] if project_id else t("monday.company")
if presenting:
    # a slide for the wall: the figures large, their labels and deltas smaller than the figures; no sidebar, no header
    st.markdown(
        "<style>.stMainBlockContainer{max-width:100%;padding-top:1rem}h1{font-size:2.2rem!important}h2{font-size:2.6rem!important}"
        "h3{font-size:1.9rem!important}.stMarkdown p,.stMarkdown li{font-size:1.6rem!important}"
        "[data-testid=stMetricValue],[data-testid=stMetricValue] "
        "div{font-size:4.6rem!important;line-height:1.1!important}"
        "[data-testid=stMetricLabel] p{font-size:1.3rem!important}[data-testid=stMetricDelta] "
        "div,[data-testid=stMetricDelta] p"
        "{font-size:1.2rem!important}[data-testid=stCaptionContainer] p{font-size:1.2rem!important}"
        "section[data-testid=stSidebar],header[data-testid=stHeader]{display:none}</style>",
        unsafe_allow_html=True,
    )
    st.title(f"{t('monday.title', start=monday.isoformat(), end=sunday.isoformat())} · {scope_name}")
else:
    st.title(t("monday.title", start=monday.isoformat(), end=sunday.isoformat()))

shown = SECTIONS
if presenting:
    index = state.get("monday_slide", 0) % len(SECTIONS)
    b1, b2, b3, b4 = st.columns([1, 6, 1, 1])
    if b1.button("◀", key="slide_prev", width="stretch"):
        state["monday_slide"] = (index - 1) % len(SECTIONS)
        st.rerun()
    if b3.button("▶", key="slide_next", width="stretch"):
        state["monday_slide"] = (index + 1) % len(SECTIONS)
        st.rerun()
    b4.button(t("monday.exit_present"), key="slide_exit", on_click=stop_presenting, width="stretch")
    b2.caption(f"{index + 1} / {len(SECTIONS)}")
    shown = (SECTIONS[index],)

needs_project = ("qa", "training")  # praise and analysis have a whole-company form; these two are a project's


def company_praise() -> None:
    """表扬及批评 across the firm: projects below their own targets, then the agents (each with its project)."""
    part = cached(meeting.company_praise)(db, actor, monday)
    st.subheader(t("monday.projects_below"))
    if not part["projects_below"]:
        st.caption(t("monday.all_projects_met"))
    for row in part["projects_below"]:
        st.markdown(
            f"❌ **{row['project']}** · "
            + "、".join(
                f"{t('kpi.m.' + m['kpi'])} **{fmt(m['kpi'], m['actual'])}** / {t('kpi.target')} "
                f"{fmt(m['kpi'], m['target'])}"
                for m in row["missed"]
            )
        )
    left, right = st.columns(2)
    left.subheader(t("monday.praise"))
    for r in part["improved"]:
        left.markdown(
            f"👍 **{r['agent']}**（{r['project']}）· {t('kpi.m.' + r['kpi'])} {fmt(r['kpi'], r['previous'])} → "
            f"**{fmt(r['kpi'], r['actual'])}**"
        )
    if not part["improved"]:
        left.caption(t("monday.none"))
    right.subheader(t("monday.criticism"))
    for r in part["below"]:
        right.markdown(
            f"⚠️ **{r['agent']}**（{r['project']}）· {t('kpi.m.' + r['kpi'])} **{fmt(r['kpi'], r['actual'])}** / "
            f"{t('kpi.target')} {fmt(r['kpi'], r['target'])}"
        )
    if not part["below"]:
        right.caption(t("monday.none"))
    more = sum(part["below_count"].values()) - len(part["below"])
    if more > 0:
        right.caption(t("monday.below_more", n=more))


def slide_sized(figure):
    """On a slide a chart is drawn taller with larger text (read from across the room); elsewhere as it is."""
    if presenting:
        # each font set on its own: Streamlit's chart theme sets the axes' fonts, so a layout-wide size would not
        # reach them
        figure.update_layout(height=460, font_size=18, title_font_size=26)
        figure.update_xaxes(tickfont_size=17, title_font_size=19)
        figure.update_yaxes(tickfont_size=17, title_font_size=19)
        figure.update_annotations(font_size=18)
    return figure


def hour_chart(load: pd.DataFrame, title: str):
    """Waits per hour of day as bars, titled, with units."""
    chart = px.bar(load, x="hour", y="waits")
    chart.update_layout(height=300, margin=dict(l=10, r=10, t=40, b=10))
    chart.update_xaxes(dtick=1)
    return slide_sized(
        charts.finish(
            ctx, chart, title, x=charts.axis(ctx, t("chart.hour"), "hour"), y=charts.axis(ctx, t("kpi.waits"), "times")
        )
    )


def company_analysis() -> None:
    """数据分析 across the firm: its waits by hour of day, and each project's worst day."""
    part = cached(meeting.company_analysis)(db, actor, monday)
    if part["hour_load"]:
        st.plotly_chart(hour_chart(pd.DataFrame(part["hour_load"]), t("monday.hour_load_company")), key="m_load")
    else:
        st.info(t("monday.no_hour_load"))
    st.subheader(t("monday.worst_days_company"))
    if not part["worst_days"]:
        st.caption(t("monday.no_worst_days"))
    for day in part["worst_days"]:
        with st.container(border=True):
            st.markdown(
                f"**{day['project']}** · {day['day']} · {t('monday.missed')}: "
                f"{'、'.join(t('kpi.m.' + k) for k in day['missed'])}"
            )
            st.caption(
                t(
                    "monday.why",
                    complaints=", ".join(
                        f"{c['number']}({t('complaint.category.' + c['category'])})" for c in day["complaints"]
                    )
                    or "—",
                    failures=len(day["qa_failures"]),
                )
            )


for section in shown:
    st.header(t(f"monday.s.{section}"))
    if section in needs_project and project_id is None:
        st.info(t("monday.pick_project"))
        continue
    if section == "praise" and project_id is None:
        company_praise()
        continue
    if section == "analysis" and project_id is None:
        company_analysis()
        continue
    if section == "summary":
        columns = st.columns(4)
        for i, row in enumerate(cached(meeting.work_summary)(db, actor, monday, project_id)):
            gap = formatting.kpi_gap(row["kpi"], row["delta"], t("kpi.points"), mean=row["kpi"] == "consultations")
            delta = None if gap is None else f"{gap} {t('monday.vs_last_week')}"
            label = t(f"kpi.m.{row['kpi']}") + (
                f" · {t('kpi.target')} {fmt(row['kpi'], row['target'])}" if row["target"] is not None else ""
            )
            icon = "" if row["ok"] is None else ("✅ " if row["ok"] else "❌ ")
            columns[i % 4].metric(
                icon + label,
                fmt(row["kpi"], row["actual"]),
                delta=delta,
                delta_color="normal" if daily_figures.TARGETS.get(row["kpi"], ("", True))[1] else "inverse",
                border=True,
            )
    elif section == "praise":
        pc = meeting.praise_and_criticism(db, actor, monday, project_id)
        left, right = st.columns(2)
        left.subheader(t("monday.praise"))
        if pc["improved"]:
            for r in pc["improved"]:
                left.markdown(
                    f"👍 **{r['agent']}** · {t('kpi.m.' + r['kpi'])} {fmt(r['kpi'], r['previous'])} → "
                    f"**{fmt(r['kpi'], r['actual'])}**"
                )
        else:
            left.caption(t("monday.none"))
        right.subheader(t("monday.criticism"))
        if pc["below"]:
            for r in pc["below"]:
                right.markdown(
                    f"⚠️ **{r['agent']}** · {t('kpi.m.' + r['kpi'])} **{fmt(r['kpi'], r['actual'])}** / "
                    f"{t('kpi.target')} {fmt(r['kpi'], r['target'])}"
                )
        else:
            right.caption(t("monday.none"))
    elif section == "analysis":
        shop = daily_figures.shop_days(db, actor, project_id, monday, sunday)
        goal = daily_figures.targets(db, actor, project_id)
        if shop.empty:
            st.info(t("kpi.no_data_period"))
        else:
            left, right = st.columns(2)
            left.plotly_chart(
                slide_sized(trend(ctx, shop, "response_30s_rate", goal.get("response_30s_rate"))), key="m_trend1"
            )
            right.plotly_chart(
                slide_sized(trend(ctx, shop, "conversion_rate", goal.get("conversion_rate"))), key="m_trend2"
            )
            load = cached(hourly.hourly_load)(db, actor, project_id, monday, sunday)
            if not load.empty:
                st.plotly_chart(
                    hour_chart(load.groupby("hour", as_index=False)["waits"].sum(), t("monday.hour_load")), key="m_load"
                )
        for day in meeting.worst_days(db, actor, monday, project_id):
            with st.container(border=True):
                st.markdown(
                    f"**{day['day']}** · {t('monday.missed')}: {'、'.join(t('kpi.m.' + k) for k in day['missed'])}"
                )
                st.caption(
                    t(
                        "monday.why",
                        complaints=", ".join(
                            f"{c['number']}({t('complaint.category.' + c['category'])})" for c in day["complaints"]
                        )
                        or "—",
                        failures=len(day["qa_failures"]),
                    )
                )
    elif section == "qa":
        part = meeting.qa_section(db, actor, monday, project_id)
        summary = part["summary"]
        c1, c2, c3 = st.columns(3)
        c1.metric(
            t("report.qa.mean_score"),
            "—" if summary["mean_score"] is None else f"{summary['mean_score']:.1f}",
            border=True,
        )
        c2.metric(t("report.qa.problem_cases"), summary["problem_cases"], border=True)
        c3.metric(t("report.qa.excellent_cases"), summary["excellent_cases"], border=True)
        if part["cases"]:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            t("kpi.day"): c.get("chat_date"),
                            t("kpi.agent"): c.get("agent_name"),
                            t("monday.case_type"): t(f"qa.case.{c.get('case_type')}"),
                            t("monday.case_status"): t(f"qa.case_status.{c.get('case_status')}"),
                            t("report.value"): c.get("score"),
                        }
                        for c in part["cases"]
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
        if part["lost_points"]:
            st.dataframe(
                pd.DataFrame(meeting.lost_points_rows(part["lost_points"], t)), hide_index=True, width="stretch"
            )
    elif section == "complaints":
        stats = cached(meeting.complaint_stats)(db, actor, monday, project_id)
        columns = st.columns(4)
        for column, key in zip(columns, ("new", "open", "overdue", "closed")):
            column.metric(t(f"monday.c.{key}"), stats[key], border=True)
        if stats["by_category"]:
            frame = pd.DataFrame(
                [{"category": t(f"complaint.category.{k}"), "n": v} for k, v in stats["by_category"].items()]
            )
            chart = px.bar(frame, x="category", y="n")
            chart.update_layout(height=300, margin=dict(l=10, r=10, t=40, b=10))
            slide_sized(
                charts.finish(
                    ctx,
                    chart,
                    t("monday.c.chart"),
                    x=t("monday.c.category"),
                    y=charts.axis(ctx, t("monday.c.new"), "cases"),
                )
            )
            st.plotly_chart(chart, key="m_complaints")
    elif section == "training":
        part = meeting.training_section(db, actor, monday, project_id)
        c1, c2, c3 = st.columns(3)
        c1.metric(t("monday.exams_passed"), part["passed"], border=True)
        c2.metric(t("monday.exams_failed"), part["failed"], border=True)
        c3.metric(t("monday.trainees"), len(part["trainees"]), border=True)
        materials = part["materials"]
        if materials.get("missing"):
            st.warning(t("monday.materials_line", missing=materials["missing"], due=materials.get("due_date") or "—"))
    elif section == "actions":
        actions = meeting.actions_for_week(db, actor, monday, project_id)
        if not actions:
            st.caption(t("monday.no_actions"))
        for action in actions:
            c1, c2 = st.columns([6, 1])
            flag = " ⏰" if action["overdue"] else ""
            carried = f" · {t('monday.carried')}" if action["carried_over"] else ""
            c1.markdown(
                f"{'✅' if action['status'] == 'done' else '⬜'} {action['text']} — {action['owner'] or '—'} · "
                f"{t('monday.due')} {action['due_date']}{flag}{carried}"
            )
            if can(actor, "meeting.write"):
                if c2.button(
                    t("monday.reopen") if action["status"] == "done" else t("monday.done"), key=f"act_{action['id']}"
                ):
                    meeting.set_action_done(db, actor, action["id"], action["status"] != "done")
                    st.rerun()
        st.subheader(t("monday.s.memos"))
        queued = meeting.memo_queue(db, actor, monday, project_id)
        if not queued:
            st.caption(t("monday.no_memos"))
        for memo in queued:
            carried = f" · {t('monday.carried')}" if memo.get("carried_over") else ""
            st.markdown(f"📝 **{memo.get('author_name')}**：{memo.get('text')}{carried}")
        if queued:
            st.page_link("app_pages/memos.py", label=t("monday.answer_memos"), icon=":material/sticky_note_2:")
        if can(actor, "meeting.write") and not presenting:
            staff = (
                [u for u in users.list_users(db, actor) if u["active"] and u["role"] != MERCHANT]
                if is_admin(actor)
                else []
            )
            owners = staff or merchants.managers(db)
            with st.form("new_action", clear_on_submit=True):
                text = st.text_input(t("monday.action"), key="action_text")
                c1, c2 = st.columns(2)
                owner = c1.selectbox(
                    t("monday.owner"),
                    [None, *[o["id"] for o in owners]],
                    key="action_owner",
                    format_func=lambda i: "—" if i is None else next(o["display_name"] for o in owners if o["id"] == i),
                )
                due = c2.date_input(t("monday.due"), value=config.today() + timedelta(days=7), format="YYYY-MM-DD")
                if st.form_submit_button(t("btn.add")):
                    try:
                        meeting.add_action(db, actor, monday, text, owner, due, project_id)
                    except ValidationError as exc:
                        show_validation(ctx, exc)
                    else:
                        st.rerun()
            with st.form("minutes"):
                notes = st.text_area(
                    t("monday.s.minutes"), value=meeting.minutes(db, actor, monday, project_id), height=160
                )
                if st.form_submit_button(t("btn.save")):
                    try:
                        meeting.save_minutes(db, actor, monday, notes, project_id)
                    except ValidationError as exc:
                        show_validation(ctx, exc)
                    else:
                        st.success(t("msg.saved"))

if not presenting:
    st.divider()
    pack = cached(monday_pack)(db, actor, monday, project_id, ctx.lang)
    heading = t("monday.title", start=monday.isoformat(), end=sunday.isoformat()) + (
        f" · {names[project_id]}" if project_id else ""
    )
    c1, c2 = st.columns(2)
    c1.download_button(
        t("report.download_xlsx"),
        excel.to_xlsx(pack),
        file_name=f"monday-{monday}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        key="monday_xlsx",
    )
    charts = {}
    if project_id is not None:
        shop = daily_figures.shop_days(db, actor, project_id, monday, sunday)
        if not shop.empty:
            goal = daily_figures.targets(db, actor, project_id)
            figure = trend(ctx, shop, "response_30s_rate", goal.get("response_30s_rate"))
            charts[t("monday.s.summary")] = figure.to_html(full_html=False, include_plotlyjs=True)
    c2.download_button(
        t("report.download_html"),
        documents.tables_document(
            heading, f"{config.COMPANY_NAME} · {config.now_text()}", pack, t("report.none"), charts
        ),
        file_name=f"monday-{monday}.html",
        mime="text/html",
        icon=":material/print:",
        key="monday_html",
    )
