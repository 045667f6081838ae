"""A project's team (服务之团队组建): the staffing funnel, go-live readiness, candidates, the team, settings."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from core.agents import directory
from core.golive import gate
from core.kernel import config
from core.kernel.errors import ValidationError
from core.kernel.permissions import can, is_merchant
from core.projects import merchants
from core.team import exams as team_exams
from core.team import funnel as team
from core.team import materials as team_materials
from ui import context
from ui.team_widgets import exam_cell, funnel_chart, funnel_metrics, readiness_list
from ui.widgets import download_xlsx, project_picker, save_and_flash, show_flash, show_validation

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("team.team.title"))
project_id = project_picker(ctx, "team_project")["id"]
project = merchants.get_project(db, actor, project_id)
today = config.today()

# --- a merchant's view: its team, nothing of our staffing decisions (core returns no more) ------------
if not can(actor, "team.internal"):
    st.caption(t("team.merchant.caption"))
    members = team.team(db, actor, project_id)
    if not members:
        st.info(t("team.merchant.empty"))
    else:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("field.team.name"): m["name"],
                        t("team.role"): t(f"team.role.{m['role']}"),
                        t("team.shift"): t(f"team.shift.{m['shift']}"),
                        t("team.from_date"): m["from_date"],
                        t("team.to_date"): m["to_date"] or "—",
                    }
                    for m in members
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    st.stop()

# --- the funnel -------------------------------------------------------------------------------------
result = team.funnel(db, actor, project_id)
if result["required"] is None:
    st.info(t("team.no_confirmed_order"))
else:
    if result["short"]:
        st.error(
            t(
                "team.funnel_short",
                stages="、".join(t(f"team.stage.{s['stage']}") for s in result["stages"] if s["short"]),
            ),
            icon=":material/warning:",
        )
    st.caption(t("team.required_line", n=result["required"]))
    funnel_metrics(ctx, result)
    funnel_chart(ctx, result)
    screening = result["screening"]
    if screening["due"]:
        line = t(
            "team.screening_line",
            requested=screening["requested_on"].isoformat(),
            days=screening["days"],
            due=screening["due"].isoformat(),
        )
        if screening["reached_on"]:
            line += " · " + t("team.screening_reached", on=screening["reached_on"].isoformat())
        if screening["late"]:
            st.warning(line + " · " + t("team.screening_late"), icon=":material/schedule:")
        else:
            st.caption(line)

tab_ready, tab_candidates, tab_team, tab_settings = st.tabs(
    [t("team.tab.readiness"), t("team.tab.candidates"), t("team.tab.team"), t("team.tab.settings")]
)

# --- readiness ----------------------------------------------------------------------------------------
with tab_ready:
    missing = gate.readiness(db, actor, project_id)
    if not missing:
        st.success(t("team.ready_all"), icon=":material/verified:")
    readiness_list(ctx, missing)
    if not is_merchant(actor):
        materials = team_materials.materials_status(db, actor, project_id)
        if materials["gap"]:
            st.caption(
                t(
                    "team.gap_accepted",
                    note=materials["gap"]["note"],
                    by=materials["gap"]["by_name"] or "—",
                    at=materials["gap"]["at"],
                )
            )
        if can(actor, "team.write") and materials["confirmed"] and not materials["complete"]:
            with st.expander(t("team.gap.title"), icon=":material/rule:"):
                if materials["gap"]:
                    if st.button(t("team.gap.withdraw"), key=f"gap_withdraw_{project_id}"):
                        team.withdraw_materials_gap(db, actor, project_id)
                        st.rerun()
                else:
                    with st.form(f"gap_form_{project_id}"):
                        note = st.text_area(t("field.team.materials_gap_note"), placeholder=t("team.gap.hint"))
                        if st.form_submit_button(t("team.gap.accept")):
                            try:
                                team.accept_materials_gap(db, actor, project_id, note)
                            except ValidationError as exc:
                                show_validation(ctx, exc)
                            else:
                                st.rerun()
    if can(actor, "project.write") and "live" in merchants.allowed_transitions(project["status"]):
        st.divider()
        with st.form(f"go_live_{project_id}"):
            st.markdown(f"**{t('team.go_live.title')}**")
            reason = ""
            if missing and can(actor, "go_live.override"):
                reason = st.text_area(t("field.team.override_reason"), help=t("team.go_live.override_help"))
            elif missing:
                st.caption(t("team.go_live.blocked"))
            if st.form_submit_button(
                t("team.go_live.button"), type="primary", disabled=bool(missing) and not can(actor, "go_live.override")
            ):
                save_and_flash(
                    ctx,
                    "team",
                    lambda overridden: t("team.go_live.done_override" if overridden else "team.go_live.done"),
                    gate.go_live,
                    db,
                    actor,
                    project_id,
                    reason,
                )
    show_flash("team")
    history = gate.overrides(db, actor, project_id)
    if history:
        st.markdown(f"**{t('team.overrides')}**")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("history.at"): o["created_at"],
                        t("history.by"): o["by_name"],
                        t("field.team.override_reason"): o["reason"],
                        t("team.overridden"): "；".join(
                            t(m["key"], **{k: v for k, v in m.items() if k != "key"}) for m in o["missing"]
                        ),
                    }
                    for o in history
                ]
            ),
            hide_index=True,
            width="stretch",
        )

# --- candidates ----------------------------------------------------------------------------------------------
with tab_candidates:
    required = team_exams.required_exams(db, actor, project_id)
    st.caption(t("team.required_exams", types="、".join(t(f"team.exam_type.{x}") for x in required)))
    found = team.candidates(db, actor, project_id)
    if not found:
        st.info(t("team.candidates.empty"))
    else:
        table = pd.DataFrame(
            [
                {
                    t("field.team.employee_no"): c["employee_no"],
                    t("field.team.name"): c["name"],
                    t("field.status"): t(f"team.agent_status.{c['status']}"),
                    t("team.matched_on"): c["matched_on"],
                    **{t(f"team.exam_type.{x}"): exam_cell(ctx, c["results"].get(x)) for x in required},
                    t("team.admitted"): t("team.admitted_yes")
                    if c["admitted"]
                    else t("team.missing_exams", types="、".join(t(f"team.exam_type.{x}") for x in c["missing"])),
                    t("team.tab.team"): t(f"team.role.{c['team'].split(':')[0]}") if c["team"] else "—",
                }
                for c in found
            ]
        )
        st.caption(t("team.candidates.count", n=len(found), admitted=sum(1 for c in found if c["admitted"])))
        st.dataframe(table, hide_index=True, width="stretch")
        download_xlsx(
            ctx, "btn.export_excel", {"candidates": table}, f"candidates-{project_id}.xlsx", f"cand_export_{project_id}"
        )
    if can(actor, "team.screen") and result["required"] is not None:
        with st.expander(t("team.screen.title"), icon=":material/person_search:"):
            skill = st.selectbox(
                t("field.team.skills"),
                ["", *directory.all_skills(db)],
                format_func=lambda s: s or t("all"),
                key=f"screen_skill_{project_id}",
            )
            eligible = team.eligible_agents(db, actor, project_id, skill or None)
            if not eligible:
                st.info(t("team.screen.none"))
            else:
                names = {
                    a[
                        "id"
                    ]: f"{a['employee_no']} · {a['name']} · {t('team.agent_status.' + a['status'])} · {a['skills']}"
                    for a in eligible
                }
                with st.form(f"screen_form_{project_id}"):
                    chosen = st.multiselect(t("field.team.agent_ids"), list(names), format_func=names.get)
                    on = st.date_input(t("team.matched_on"), value=today, max_value=today, format="YYYY-MM-DD")
                    if st.form_submit_button(t("team.screen.match"), type="primary"):
                        save_and_flash(
                            ctx,
                            "team.candidates",
                            lambda added: t("team.screen.done", n=added),
                            team.match_candidates,
                            db,
                            actor,
                            project_id,
                            chosen,
                            on,
                        )
        if found:
            with st.expander(t("team.withdraw.title"), icon=":material/person_remove:"):
                with st.form(f"withdraw_form_{project_id}"):
                    who = st.selectbox(
                        t("field.team.name"),
                        [c["agent_id"] for c in found],
                        format_func=lambda a: next(
                            f"{c['employee_no']} · {c['name']}" for c in found if c["agent_id"] == a
                        ),
                    )
                    note = st.text_input(t("history.note"))
                    sure = st.checkbox(t("team.withdraw.confirm"))
                    if st.form_submit_button(t("team.withdraw.button")):
                        if not sure:
                            st.warning(t("team.confirm_first"))
                        else:
                            try:
                                team.withdraw_candidate(db, actor, project_id, who, note)
                            except ValidationError as exc:
                                show_validation(ctx, exc)
                            else:
                                st.rerun()
    show_flash("team.candidates")

# --- the team ----------------------------------------------------------------------------------------------------
with tab_team:
    members = team.team(db, actor, project_id)
    if not members:
        st.info(t("team.team.empty"))
    else:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("field.team.employee_no"): m["employee_no"],
                        t("field.team.name"): m["name"],
                        t("team.role"): t(f"team.role.{m['role']}"),
                        t("team.shift"): t(f"team.shift.{m['shift']}"),
                        t("team.from_date"): m["from_date"],
                        t("team.to_date"): m["to_date"] or "—",
                        t("team.sub_account"): m["sub_account"],
                        t("team.admitted"): t("team.admitted_yes")
                        if m["admitted"]
                        else t("team.missing_exams", types="、".join(t(f"team.exam_type.{x}") for x in m["missing"])),
                    }
                    for m in members
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    if can(actor, "team.write"):
        pool = {c["agent_id"]: c for c in team.candidates(db, actor, project_id)}
        with st.expander(t("team.assign.title"), icon=":material/group_add:"):
            if not pool:
                st.info(t("team.assign.no_candidates"))
            else:
                with st.form(f"assign_form_{project_id}"):
                    c1, c2 = st.columns(2)
                    agent_id = c1.selectbox(
                        t("field.team.name"),
                        sorted(pool, key=lambda a: (not pool[a]["admitted"], pool[a]["employee_no"])),
                        format_func=lambda a: (
                            f"{pool[a]['employee_no']} · {pool[a]['name']}"
                            + ("" if pool[a]["admitted"] else f" ({t('team.not_admitted')})")
                        ),
                    )
                    role = c2.selectbox(t("team.role"), directory.TEAM_ROLES, format_func=lambda r: t(f"team.role.{r}"))
                    shift = c1.selectbox(t("team.shift"), directory.SHIFTS, format_func=lambda s: t(f"team.shift.{s}"))
                    from_date = c2.date_input(t("team.from_date"), value=today, format="YYYY-MM-DD")
                    sub_account = c1.text_input(t("team.sub_account"), help=t("team.sub_account_help"))
                    if st.form_submit_button(t("btn.add"), type="primary"):
                        try:
                            team.add_to_team(db, actor, project_id, agent_id, role, shift, from_date, sub_account)
                        except ValidationError as exc:
                            show_validation(ctx, exc)
                        else:
                            st.rerun()
        if members:
            with st.expander(t("team.end.title"), icon=":material/logout:"):
                with st.form(f"end_form_{project_id}"):
                    assignment = st.selectbox(
                        t("field.team.name"),
                        [m["assignment_id"] for m in members],
                        format_func=lambda a: next(
                            f"{m['employee_no']} · {m['name']} · {t('team.role.' + m['role'])}"
                            for m in members
                            if m["assignment_id"] == a
                        ),
                    )
                    last_day = st.date_input(t("team.to_date"), value=today - timedelta(days=1), format="YYYY-MM-DD")
                    sure = st.checkbox(t("team.end.confirm"))
                    if st.form_submit_button(t("team.end.button")):
                        if not sure:
                            st.warning(t("team.confirm_first"))
                        else:
                            try:
                                directory.end_assignment(db, actor, assignment, last_day)
                            except ValidationError as exc:
                                show_validation(ctx, exc)
                            else:
                                st.rerun()

# --- settings -------------------------------------------------------------------------------------------------------
with tab_settings:
    current = team.settings(db, actor, project_id)
    marks = team_exams.pass_marks(db, project_id)
    writer = can(actor, "team.write")
    with st.form(f"settings_form_{project_id}"):
        c1, c2, c3 = st.columns(3)
        screen = c1.number_input(
            t("field.team.screen_ratio"),
            min_value=0.1,
            max_value=10.0,
            step=0.5,
            value=current["screen_ratio"],
            disabled=not writer,
        )
        admit = c2.number_input(
            t("field.team.admit_ratio"),
            min_value=0.1,
            max_value=10.0,
            step=0.5,
            value=current["admit_ratio"],
            disabled=not writer,
        )
        schedule = c3.number_input(
            t("field.team.schedule_ratio"),
            min_value=0.1,
            max_value=10.0,
            step=0.25,
            value=current["schedule_ratio"],
            disabled=not writer,
        )
        days = c1.number_input(
            t("field.team.screening_days"),
            min_value=1,
            max_value=3,
            step=1,
            value=current["screening_days"],
            disabled=not writer,
        )
        requested = c2.date_input(
            t("field.team.screening_requested_on"),
            format="YYYY-MM-DD",
            disabled=not writer,
            value=date.fromisoformat(current["screening_requested_on"]) if current["screening_requested_on"] else None,
            help=t("team.settings.requested_help"),
        )
        exams = st.multiselect(
            t("field.team.required_exams"),
            team_exams.EXAM_TYPES,
            default=list(required),
            disabled=not writer,
            format_func=lambda x: t(f"team.exam_type.{x}"),
            help=t("team.settings.required_help"),
        )
        st.markdown(f"**{t('team.settings.pass_marks')}**")
        mark_columns = st.columns(len(team_exams.EXAM_TYPES))
        new_marks = {
            x: col.number_input(
                t(f"team.exam_type.{x}") + " (%)",
                min_value=1.0,
                max_value=100.0,
                step=5.0,
                disabled=not writer,
                value=round(marks[x] * 100, 1),
                key=f"mark_{project_id}_{x}",
            )
            for x, col in zip(team_exams.EXAM_TYPES, mark_columns)
        }
        if writer and st.form_submit_button(t("btn.save"), type="primary"):
            try:
                team.save_settings(
                    db,
                    actor,
                    project_id,
                    {"screen_ratio": screen, "admit_ratio": admit, "schedule_ratio": schedule},
                    int(days),
                    requested,
                    exams,
                    {x: round(v / 100, 4) for x, v in new_marks.items()},
                )
            except ValidationError as exc:
                show_validation(ctx, exc)
            else:
                st.success(t("msg.saved"))
                st.rerun()
    if not writer:
        st.caption(t("projects.read_only"))
