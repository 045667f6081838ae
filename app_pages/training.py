"""Training and exams (服务之培训及考核): materials, the training plan, newcomers' tracks, exams and their results.

Staff work per project; the merchant sees, downloads and confirms its own materials and reads
its exams; an agent sees their own training record and the materials of their projects.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.express as px
import streamlit as st

from core.agents import directory
from core.kernel import config, uploads, workdays
from core.kernel.errors import ValidationError
from core.kernel.permissions import can, is_agent, is_merchant
from core.team import exams as team_exams
from core.team import funnel, materials, plans
from ui import charts, context
from ui.widgets import download_xlsx, flash, pct, project_picker, save_and_flash, show_flash, show_validation

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor
today = config.today()

st.title(t("team.training.title"))


def size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, round(size / 1024))} KB"


def exams_table(exams: list[dict], with_agent: bool = True) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("team.exam.date"): e["exam_date"],
                **(
                    {t("field.team.employee_no"): e["employee_no"], t("field.team.name"): e["agent_name"]}
                    if with_agent
                    else {}
                ),
                t("field.project_name"): e["project_name"] or t("team.exam.basic"),
                t("team.exam.type"): t(f"team.exam_type.{e['exam_type']}"),
                t("team.exam.score"): f"{e['score']:g}/{e['max_score']:g}",
                t("team.exam.percent"): pct(e["ratio"]),
                t("team.exam.pass_mark"): pct(e["pass_mark"], 0),
                t("team.exam.result"): t("team.exam.passed") if e["passed"] else t("team.exam.failed"),
                t("team.exam.examiner"): e["examiner"],
                t("field.notes"): e["notes"],
            }
            for e in exams
        ]
    )


def materials_section(project_id: int) -> None:
    """The project's materials: the order confirmation's word on them, the list, one material's versions."""
    if can(actor, "project.read"):
        status = materials.materials_status(db, actor, project_id)
        if not status["confirmed"]:
            st.info(t("oc.not_confirmed"))
        elif status["complete"]:
            st.success(t("team.materials.complete"), icon=":material/task_alt:")
        else:
            line = t("team.materials.incomplete", missing=status["missing"] or "—", due=status["due_date"] or "—")
            if status["overdue"]:
                st.error(line + " · " + t("team.materials.overdue"), icon=":material/event_busy:")
            else:
                st.warning(line, icon=":material/pending_actions:")
            if status["gap"]:
                st.caption(
                    t(
                        "team.gap_accepted",
                        note=status["gap"]["note"],
                        by=status["gap"]["by_name"] or "—",
                        at=status["gap"]["at"],
                    )
                )
        reviews = status["reviews"]
        st.caption(
            t(
                "team.materials.reviews",
                pending=reviews["pending"],
                confirmed=reviews["confirmed"],
                returned=reviews["returned"],
            )
        )
    c1, c2, c3 = st.columns([3, 2, 2])
    search = c1.text_input(t("search"), placeholder=t("team.materials.search_hint"), key=f"mat_search_{project_id}")
    category = c2.selectbox(
        t("field.category"),
        ["", *materials.CATEGORIES],
        key=f"mat_cat_{project_id}",
        format_func=lambda c: t(f"team.category.{c}") if c else t("all"),
    )
    review = c3.selectbox(
        t("field.team.review_status"),
        ["", *materials.REVIEW_STATUSES],
        key=f"mat_rev_{project_id}",
        format_func=lambda r: t(f"team.review.{r}") if r else t("all"),
    )
    listed = materials.list_materials(db, actor, project_id, search, category or None, review or None)
    if not listed:
        st.info(t("team.materials.empty"))
    else:
        table = pd.DataFrame(
            [
                {
                    t("field.team.title"): m["title"],
                    t("field.category"): t(f"team.category.{m['category']}"),
                    t("team.materials.version"): f"v{m['version']}",
                    t("field.team.review_status"): t(f"team.review.{m['review_status']}"),
                    t("field.team.review_comment"): m["review_comment"],
                    t("field.file"): m["original_name"],
                    t("team.materials.size"): size_text(m["size"]),
                    t("team.materials.uploader"): m["uploader"] or "—",
                    t("team.materials.uploaded_at"): m["uploaded_at"],
                }
                for m in listed
            ]
        )
        st.dataframe(table, hide_index=True, width="stretch")
        download_xlsx(
            ctx, "btn.export_excel", {"materials": table}, f"materials-{project_id}.xlsx", f"mat_export_{project_id}"
        )
        by_id = {m["id"]: m for m in listed}
        chosen = st.selectbox(
            t("team.materials.open"),
            list(by_id),
            key=f"mat_pick_{project_id}",
            format_func=lambda i: (
                f"{by_id[i]['title']} (v{by_id[i]['version']} · {t('team.review.' + by_id[i]['review_status'])})"
            ),
        )
        material_detail(by_id[chosen])
    if can(actor, "material.write"):
        with st.expander(t("team.materials.upload"), icon=":material/upload_file:"):
            st.caption(
                t(
                    "team.materials.allowed",
                    types=", ".join(uploads.allowed_extensions(db)),
                    mb=uploads.max_upload_mb(db),
                )
            )
            with st.form(f"mat_upload_{project_id}", clear_on_submit=True):
                file = st.file_uploader(t("field.file"), key=f"mat_file_{project_id}")
                c1, c2 = st.columns(2)
                title = c1.text_input(t("field.team.title"))
                category = c2.selectbox(
                    t("field.category"),
                    materials.CATEGORIES,
                    index=materials.CATEGORIES.index("courseware"),
                    format_func=lambda c: t(f"team.category.{c}"),
                )
                ask = st.checkbox(t("team.materials.ask_confirmation"), value=True, help=t("team.materials.ask_help"))
                if st.form_submit_button(t("team.materials.upload_button"), type="primary"):
                    save_and_flash(
                        ctx,
                        "training.materials",
                        t("team.materials.uploaded"),
                        materials.upload_material,
                        db,
                        actor,
                        project_id,
                        file.getvalue() if file else b"",
                        file.name if file else "",
                        title,
                        category,
                        file.type if file else "",
                        ask,
                    )
    show_flash("training.materials")


def material_detail(material: dict) -> None:
    """One material: its versions with downloads, and what the actor may do with it."""
    versions = materials.material_versions(db, actor, material["id"])
    with st.container(border=True):
        st.markdown(
            f"**{material['title']}** · {t('team.category.' + material['category'])} · "
            f"{t('team.review.' + material['review_status'])}"
        )
        if material["review_status"] == "returned" and material["review_comment"]:
            st.warning(
                t("team.materials.returned_with", comment=material["review_comment"], by=material["reviewer"] or "—")
            )
        for v in versions:
            name, data, mime = materials.material_file(db, actor, v["id"])
            c1, c2 = st.columns([4, 1])
            c1.caption(
                f"v{v['version']} · {v['original_name']} · {size_text(v['size'])} · {v['uploader'] or '—'} · "
                f"{v['uploaded_at']}"
                + (f" · {t('team.review.' + v['review_status'])}" if v["review_status"] != "not_required" else "")
                + (f"：{v['review_comment']}" if v["review_comment"] else "")
            )
            c2.download_button(
                t("team.materials.download"),
                data,
                file_name=name,
                mime=mime,
                key=f"dl_{v['id']}",
                icon=":material/download:",
            )
        if can(actor, "material.review") and material["review_status"] == "pending":
            with st.form(f"review_{material['id']}"):
                comment = st.text_area(t("field.team.review_comment"), placeholder=t("team.materials.comment_hint"))
                c1, c2 = st.columns(2)
                confirm = c1.form_submit_button(t("team.materials.confirm"), type="primary", icon=":material/check:")
                give_back = c2.form_submit_button(t("team.materials.return"), icon=":material/undo:")
                if confirm or give_back:
                    save_and_flash(
                        ctx,
                        "training.materials",
                        t("team.materials.reviewed"),
                        materials.review_material,
                        db,
                        actor,
                        material["id"],
                        "confirmed" if confirm else "returned",
                        comment,
                    )
        if can(actor, "material.write"):
            c1, c2 = st.columns([3, 1])
            with c1.popover(t("team.materials.new_version"), icon=":material/difference:"):
                with st.form(f"version_{material['id']}", clear_on_submit=True):
                    file = st.file_uploader(t("field.file"), key=f"ver_file_{material['id']}")
                    if st.form_submit_button(t("team.materials.upload_button"), type="primary"):
                        save_and_flash(
                            ctx,
                            "training.materials",
                            t("team.materials.uploaded"),
                            materials.upload_new_version,
                            db,
                            actor,
                            material["id"],
                            file.getvalue() if file else b"",
                            file.name if file else "",
                            file.type if file else "",
                        )
            if material["review_status"] in ("not_required", "returned") and c2.button(
                t("team.materials.send"), key=f"send_{material['id']}"
            ):
                materials.request_review(db, actor, material["id"])
                st.rerun()


# --- an agent: their own record --------------------------------------------------------------------------
if is_agent(actor):
    own = directory.my_agent(db, actor)
    if own is None:
        st.info(t("team.training.not_linked"))
        st.stop()
    record = plans.agent_training_history(db, actor, own["id"])
    st.subheader(t("team.training.mine"))
    for track in record["tracks"]:
        progress = track["progress"]
        current = (
            t(f"team.stage_name.{progress['current']['key']}") if progress["current"] else t("team.training.finished")
        )
        st.progress(
            progress["done"] / progress["total"],
            text=f"{t('team.track.' + track['track'])} · {progress['done']}/{progress['total']} · {current}",
        )
    if record["exams"]:
        st.dataframe(exams_table(list(reversed(record["exams"])), with_agent=False), hide_index=True, width="stretch")
    else:
        st.caption(t("team.exams.empty"))
    own_projects = directory.agent_projects(db, own["id"])
    if own_projects:
        st.subheader(t("team.materials.title"))
        for project_id in own_projects:
            for m in materials.list_materials(db, actor, project_id):
                name, data, mime = materials.material_file(db, actor, m["id"])
                c1, c2 = st.columns([4, 1])
                c1.caption(f"{m['title']} · v{m['version']} · {t('team.category.' + m['category'])}")
                c2.download_button(t("team.materials.download"), data, file_name=name, mime=mime, key=f"dl_{m['id']}")
    st.stop()

# --- staff and merchants: per project -----------------------------------------------------------------------
project_id = project_picker(ctx, "training_project")["id"]
staff = not is_merchant(actor)
names = [t("team.materials.title"), t("team.plan.title"), t("team.exams.title"), t("team.report.title")] + (
    [t("team.training.tracks")] if staff else []
)
tabs = st.tabs(names)

with tabs[0]:
    materials_section(project_id)
    if can(actor, "training.settings"):
        with st.expander(t("team.settings.uploads"), icon=":material/tune:"):
            with st.form("upload_settings"):
                types = st.text_input(
                    t("field.team.allowed_extensions"), value=", ".join(uploads.allowed_extensions(db))
                )
                mb = st.number_input(
                    t("field.team.max_upload_mb"),
                    min_value=1,
                    max_value=uploads.STREAMLIT_MAX_UPLOAD_MB,
                    step=1,
                    value=uploads.max_upload_mb(db),
                )
                if st.form_submit_button(t("btn.save")):
                    try:
                        uploads.set_upload_settings(db, actor, types, int(mb))
                    except ValidationError as exc:
                        show_validation(ctx, exc)
                    else:
                        st.success(t("msg.saved"))

# --- the plan -------------------------------------------------------------------------------------------------
with tabs[1]:
    plan = plans.get_plan(db, actor, project_id)
    days_off = workdays.extra_days_off(db)
    roster = {a["id"]: a for a in directory.list_agents(db, actor)} if staff else {}
    if plan:
        st.caption(
            t(
                "team.plan.line",
                method=t(f"team.method.{plan['method']}"),
                start=plan["start_date"],
                end=plan["end_date"],
                n=plans.plan_working_days(
                    date.fromisoformat(plan["start_date"]), date.fromisoformat(plan["end_date"]), days_off
                ),
                people=len(plan["participants"]),
            )
        )
        st.markdown(
            " ".join(
                f":green-badge[:material/check: {t('team.content.' + c)}]"
                if c in plan["content"]
                else f":gray-badge[{t('team.content.' + c)}]"
                for c in plans.CONTENT_ITEMS
            )
        )
        if plan["notes"]:
            st.caption(plan["notes"])
    else:
        st.info(t("team.plan.none"))
    if can(actor, "training.write"):
        with st.expander(t("team.plan.edit"), icon=":material/edit_calendar:", expanded=plan is None):
            start_default = date.fromisoformat(plan["start_date"]) if plan else today
            with st.form(f"plan_form_{project_id}"):
                c1, c2, c3 = st.columns(3)
                method = c1.selectbox(
                    t("team.plan.method"),
                    plans.METHODS,
                    format_func=lambda m: t(f"team.method.{m}"),
                    index=plans.METHODS.index(plan["method"]) if plan else 0,
                )
                start = c2.date_input(t("field.team.start_date"), value=start_default, format="YYYY-MM-DD")
                end = c3.date_input(
                    t("field.team.end_date"),
                    format="YYYY-MM-DD",
                    value=date.fromisoformat(plan["end_date"])
                    if plan
                    else plans.default_plan_end(start_default, days_off),
                )
                content = st.multiselect(
                    t("field.team.content"),
                    plans.CONTENT_ITEMS,
                    default=plan["content"] if plan else list(plans.CONTENT_ITEMS),
                    format_func=lambda c: t(f"team.content.{c}"),
                )
                default_people = plan["participants"] if plan else plans.default_participants(db, actor, project_id)
                people = st.multiselect(
                    t("field.team.participants"),
                    list(roster),
                    default=[a for a in default_people if a in roster],
                    format_func=lambda a: (
                        f"{roster[a]['employee_no']} · {roster[a]['name']} · "
                        f"{t('team.agent_status.' + roster[a]['status'])}"
                    ),
                    help=t("team.plan.participants_help"),
                )
                notes = st.text_input(t("field.notes"), value=plan["notes"] if plan else "")
                if st.form_submit_button(t("btn.save"), type="primary"):
                    try:
                        plans.save_plan(db, actor, project_id, method, start, end, content, people, notes)
                    except ValidationError as exc:
                        show_validation(ctx, exc)
                    else:
                        for warning in plans.plan_warnings(start, end, days_off):
                            st.session_state["plan_warning"] = t(warning.key, **warning.params)
                        st.rerun()
        warning = st.session_state.pop("plan_warning", None)
        if warning:
            st.warning(warning)
    sheet = plans.attendance(db, actor, project_id)
    if plan:
        st.markdown(f"**{t('team.plan.attendance')}**")
        if sheet["sessions"]:
            frame = pd.DataFrame(
                [
                    {
                        t("field.team.employee_no"): a["employee_no"],
                        t("field.team.name"): a["name"],
                        **{
                            f"{s['day']} {s['topic']}": (
                                "✓" if a["attended"][s["id"]] else ("✗" if a["attended"][s["id"]] is not None else "—")
                            )
                            for s in sheet["sessions"]
                        },
                        t("team.plan.rate"): pct(a["rate"], 0),
                    }
                    for a in sheet["agents"]
                ]
            )
            st.dataframe(frame, hide_index=True, width="stretch")
            download_xlsx(
                ctx,
                "btn.export_excel",
                {"attendance": frame},
                f"attendance-{project_id}.xlsx",
                f"att_export_{project_id}",
            )
        else:
            st.caption(t("team.plan.no_sessions"))
        if can(actor, "training.write") and plan["participants"]:
            with st.expander(t("team.plan.add_session"), icon=":material/event_available:"):
                with st.form(f"session_form_{project_id}"):
                    c1, c2 = st.columns([1, 2])
                    day = c1.date_input(t("field.team.day"), value=today, max_value=today, format="YYYY-MM-DD")
                    topic = c2.text_input(t("field.team.topic"))
                    present = st.multiselect(
                        t("field.team.present"),
                        plan["participants"],
                        default=plan["participants"],
                        format_func=lambda a: roster[a]["name"] if a in roster else str(a),
                    )
                    if st.form_submit_button(t("btn.save"), type="primary"):
                        try:
                            plans.add_session(db, actor, project_id, day, topic, present)
                        except ValidationError as exc:
                            show_validation(ctx, exc)
                        else:
                            st.rerun()

# --- exams --------------------------------------------------------------------------------------------------------
with tabs[2]:
    required = team_exams.required_exams(db, actor, project_id)
    st.caption(t("team.required_exams", types="、".join(t(f"team.exam_type.{x}") for x in required)))
    show_flash("training.exams")
    if can(actor, "exam.write"):
        pool = {c["agent_id"]: c for c in funnel.candidates(db, actor, project_id)}
        others = {a["id"]: a for a in directory.list_agents(db, actor) if a["status"] != "left" and a["id"] not in pool}
        with st.expander(t("team.exams.record"), icon=":material/grading:", expanded=True):
            basic = st.toggle(
                t("team.exams.basic_toggle"), key=f"exam_basic_{project_id}", help=t("team.exams.basic_help")
            )
            choices = list(others) if basic else list(pool)
            people = others if basic else pool
            if not choices:
                st.info(t("team.candidates.empty"))
            else:
                with st.form(f"exam_form_{project_id}_{int(basic)}", clear_on_submit=True):
                    c1, c2, c3 = st.columns([2, 2, 1])
                    agent_id = c1.selectbox(
                        t("field.team.agent_id"),
                        choices,
                        format_func=lambda a: (
                            f"{people[a]['employee_no']} · {people[a]['name']}"
                            + ("" if basic else (f" · {t('team.admitted_yes')}" if pool[a]["admitted"] else ""))
                        ),
                    )
                    types = team_exams.BASIC_EXAM_TYPES if basic else team_exams.EXAM_TYPES
                    exam_type = c2.selectbox(
                        t("field.team.exam_type"), types, format_func=lambda x: t(f"team.exam_type.{x}")
                    )
                    exam_date = c3.date_input(
                        t("field.team.exam_date"), value=today, max_value=today, format="YYYY-MM-DD"
                    )
                    score = c1.number_input(t("field.team.score"), min_value=0.0, step=1.0, value=None)
                    max_score = c2.number_input(t("field.team.max_score"), min_value=1.0, step=1.0, value=100.0)
                    examiner = c3.text_input(t("field.team.examiner"), placeholder=actor.display_name)
                    notes = st.text_input(t("field.notes"), placeholder=t("team.exams.notes_hint"))
                    if st.form_submit_button(t("team.exams.save"), type="primary"):
                        try:
                            team_exams.record_exam(
                                db,
                                actor,
                                {
                                    "agent_id": agent_id,
                                    "project_id": None if basic else project_id,
                                    "exam_type": exam_type,
                                    "score": score,
                                    "max_score": max_score,
                                    "examiner": examiner,
                                    "exam_date": exam_date,
                                    "notes": notes,
                                },
                            )
                        except ValidationError as exc:
                            show_validation(ctx, exc)
                        else:
                            name = people[agent_id]["name"]
                            if basic:
                                flash("training.exams", t("team.exams.saved", name=name))
                            else:
                                state = team_exams.admissions(db, actor, project_id, [agent_id])[agent_id]
                                flash(
                                    "training.exams",
                                    t("team.exams.admitted", name=name)
                                    if state["admitted"]
                                    else t(
                                        "team.exams.still_missing",
                                        name=name,
                                        types="、".join(t(f"team.exam_type.{x}") for x in state["missing"]),
                                    ),
                                    "success" if state["admitted"] else "warning",
                                )
                            st.rerun()
    c1, c2, c3 = st.columns([3, 2, 2])
    search = c1.text_input(t("search"), placeholder=t("team.exams.search_hint"), key=f"exam_search_{project_id}")
    exam_type = c2.selectbox(
        t("field.team.exam_type"),
        ["", *team_exams.EXAM_TYPES],
        key=f"exam_type_{project_id}",
        format_func=lambda x: t(f"team.exam_type.{x}") if x else t("all"),
    )
    result = c3.selectbox(
        t("team.exam.result"),
        ["", "passed", "failed"],
        key=f"exam_result_{project_id}",
        format_func=lambda r: t(f"team.exam.{r}") if r else t("all"),
    )
    exams = team_exams.list_exams(
        db,
        actor,
        project_id=project_id,
        exam_type=exam_type or None,
        passed=None if not result else result == "passed",
        search=search,
    )
    if not exams:
        st.info(t("team.exams.empty"))
    else:
        table = exams_table(exams)
        st.dataframe(table, hide_index=True, width="stretch")
        download_xlsx(
            ctx, "btn.export_excel", {"exams": table}, f"exams-{project_id}.xlsx", f"exam_export_{project_id}"
        )

# --- results -------------------------------------------------------------------------------------------------------
with tabs[3]:
    stats = team_exams.project_exam_stats(db, actor, project_id)
    if not stats["by_type"]:
        st.info(t("team.exams.empty"))
    else:
        frame = pd.DataFrame(
            [
                {
                    t("team.exam.type"): t(f"team.exam_type.{r['exam_type']}"),
                    t("team.report.attempts"): r["attempts"],
                    t("team.report.passed"): r["passed"],
                    t("team.report.pass_rate"): r["pass_rate"],
                    t("team.report.average"): r["average"],
                }
                for r in stats["by_type"]
            ]
        )
        chart = px.bar(
            frame, x=t("team.exam.type"), y=[t("team.report.pass_rate"), t("team.report.average")], barmode="group"
        )
        chart.update_layout(
            height=280, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis_tickformat=".0%", legend_title_text=""
        )
        charts.finish(
            ctx, chart, t("team.report.chart"), x=t("team.exam.type"), y=charts.axis(ctx, t("team.report.rates"), "pct")
        )
        st.plotly_chart(chart, width="stretch")
        shown = frame.copy()
        for column in (t("team.report.pass_rate"), t("team.report.average")):
            shown[column] = shown[column].map(pct)
        st.dataframe(shown, hide_index=True, width="stretch")
        st.markdown(f"**{t('team.report.failures')}**")
        if stats["failures"]:
            failures = pd.DataFrame(
                [
                    {
                        t("team.exam.date"): f["exam_date"],
                        t("field.team.employee_no"): f["employee_no"],
                        t("field.team.name"): f["agent_name"],
                        t("team.exam.type"): t(f"team.exam_type.{f['exam_type']}"),
                        t("team.exam.score"): f"{f['score']:g}/{f['max_score']:g}",
                        t("team.exam.pass_mark"): pct(f["pass_mark"], 0),
                        t("team.exam.examiner"): f["examiner"],
                        t("team.report.why"): f["notes"] or "—",
                    }
                    for f in stats["failures"]
                ]
            )
            st.dataframe(failures, hide_index=True, width="stretch")
            download_xlsx(
                ctx,
                "btn.export_excel",
                {"stats": shown, "failures": failures},
                f"exam-results-{project_id}.xlsx",
                f"stats_export_{project_id}",
            )
        else:
            st.caption(t("team.report.no_failures"))

# --- newcomers' tracks (staff) ----------------------------------------------------------------------------------------
if staff:
    with tabs[4]:
        open_only = st.toggle(t("team.tracks.open_only"), value=True, key="tracks_open")
        tracks = plans.list_tracks(db, actor, open_only=open_only)
        if not tracks:
            st.info(t("team.tracks.empty"))
        else:
            frame = pd.DataFrame(
                [
                    {
                        t("field.team.employee_no"): x["employee_no"],
                        t("field.team.name"): x["agent_name"],
                        t("team.tracks.track"): t(f"team.track.{x['track']}"),
                        t("field.team.start_date"): x["start_date"],
                        t("team.tracks.progress"): x["progress"]["done"] / x["progress"]["total"],
                        t("team.tracks.current"): t(f"team.stage_name.{x['progress']['current']['key']}")
                        if x["progress"]["current"]
                        else t("team.training.finished"),
                        t("team.tracks.stage_due"): x["progress"]["current"]["planned_end"].isoformat()
                        if x["progress"]["current"]
                        else (x["completed_on"] or ""),
                        t("team.tracks.behind"): "⚠" if x["progress"]["behind"] else "",
                    }
                    for x in tracks
                ]
            )
            st.dataframe(
                frame,
                hide_index=True,
                width="stretch",
                column_config={
                    t("team.tracks.progress"): st.column_config.ProgressColumn(
                        min_value=0, max_value=1, format="percent"
                    )
                },
            )
            download_xlsx(ctx, "btn.export_excel", {"tracks": frame}, "tracks.xlsx", "tracks_export")
        if can(actor, "training.write"):
            c1, c2 = st.columns(2)
            with c1.expander(t("team.tracks.start"), icon=":material/flag:"):
                busy = {x["agent_id"] for x in plans.list_tracks(db, actor, open_only=True)}
                free = {
                    a["id"]: a
                    for a in directory.list_agents(db, actor)
                    if a["status"] in ("candidate", "training") and a["id"] not in busy
                }
                if not free:
                    st.caption(t("team.tracks.nobody"))
                else:
                    with st.form("track_start"):
                        agent_id = st.selectbox(
                            t("field.team.agent_id"),
                            list(free),
                            format_func=lambda a: f"{free[a]['employee_no']} · {free[a]['name']}",
                        )
                        track = st.selectbox(
                            t("team.tracks.track"), list(plans.TRACKS), format_func=lambda x: t(f"team.track.{x}")
                        )
                        start = st.date_input(t("field.team.start_date"), value=today, format="YYYY-MM-DD")
                        if st.form_submit_button(t("btn.save"), type="primary"):
                            try:
                                plans.start_track(db, actor, agent_id, track, start)
                            except ValidationError as exc:
                                show_validation(ctx, exc)
                            else:
                                st.rerun()
            open_tracks = {x["id"]: x for x in plans.list_tracks(db, actor, open_only=True)}
            with c2.expander(t("team.tracks.complete"), icon=":material/done_all:"):
                if not open_tracks:
                    st.caption(t("team.tracks.empty"))
                else:
                    with st.form("track_stage"):
                        track_id = st.selectbox(
                            t("team.tracks.track"),
                            list(open_tracks),
                            format_func=lambda i: (
                                f"{open_tracks[i]['agent_name']} · {t('team.track.' + open_tracks[i]['track'])} · "
                                f"{t('team.stage_name.' + open_tracks[i]['progress']['current']['key'])}"
                            ),
                        )
                        on = st.date_input(
                            t("field.team.completed_on"), value=today, max_value=today, format="YYYY-MM-DD"
                        )
                        note = st.text_input(t("history.note"))
                        if st.form_submit_button(t("team.tracks.complete_button"), type="primary"):
                            try:
                                plans.complete_stage(db, actor, track_id, on, note)
                            except ValidationError as exc:
                                show_validation(ctx, exc)
                            else:
                                st.rerun()
