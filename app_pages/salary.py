"""Pay runs and schemes: run a month, open every statement line by line, approve, export; the charts; the schemes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.agents import directory
from core.kernel import config, formatting
from core.kernel.months import recent_months
from core.kernel.permissions import can
from core.projects import merchants
from core.salary import exports, payrun, schemes
from core.salary.charts import chart_frame, kpi_moves, month_over_month
from ui import context
from ui import salary_widgets as sw
from ui.widgets import download_xlsx, money_column, save_and_flash, show_flash

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("salary.title"))
show_flash("salary")


# the charts run only while their tab is open (a tab switch reruns): four Plotly figures were most of every run
tab_run, tab_charts, tab_schemes = st.tabs(
    [t("salary.tab.run"), t("salary.tab.charts"), t("salary.tab.schemes")], key="salary_tab", on_change="rerun"
)
runs = payrun.list_runs(db, actor)
months = recent_months(13)
default_month = runs[0]["month"] if runs and runs[0]["month"] in months else months[1]

# --- the month's run ---------------------------------------------------------------------------------------------
with tab_run:
    # the options' text stays the same whatever a run does, so the choice survives running or approving
    month = st.selectbox(t("salary.month"), months, index=months.index(default_month), key="salary_month")
    if runs:
        st.caption(
            t("salary.runs_overview") + " · ".join(f"{r['month']} {t('salary.status.' + r['status'])}" for r in runs)
        )
    run = payrun.get_run(db, actor, month)
    if run is None:
        st.info(t("salary.no_run", month=month))
        if st.button(t("salary.run"), type="primary", key="run_month", icon=":material/calculate:"):
            save_and_flash(ctx, "salary", t("salary.done.run", month=month), payrun.run_month, db, actor, month)
    else:
        if run["status"] == "approved":
            st.success(
                t("salary.run.approved", month=month, by=run["approved_by_name"] or "", at=run["approved_at"] or "")
            )
        else:
            st.warning(t("salary.run.draft", month=month, at=run["computed_at"], n=run["computations"]))
        c1, c2, c3 = st.columns(3)
        c1.metric(t("salary.c.agents"), run["agents"], border=True)
        c2.metric(t("salary.c.month_total"), formatting.money(run["total"]), border=True)
        c3.metric(t("salary.c.status"), t(f"salary.status.{run['status']}"), border=True)
        if run["status"] == "draft":
            left, right = st.columns(2)
            with left:
                st.caption(t("salary.rerun_hint"))
                if st.button(t("salary.rerun"), key="rerun_month", icon=":material/refresh:"):
                    save_and_flash(ctx, "salary", t("salary.done.run", month=month), payrun.run_month, db, actor, month)
            with right:
                sure = st.checkbox(t("salary.approve_confirm"), key=f"approve_sure_{month}")
                pending = payrun.pending_kpi_days(db, actor, month)
                accept_pending = False
                if pending:
                    st.warning(t("pending.warning", days="、".join(pending)))
                    accept_pending = st.checkbox(t("pending.accept"), key=f"approve_pending_{month}")
                if st.button(
                    t("salary.approve"),
                    type="primary",
                    disabled=not sure or (bool(pending) and not accept_pending),
                    key="approve_run",
                    icon=":material/lock:",
                ):
                    save_and_flash(
                        ctx,
                        "salary",
                        t("salary.done.approve", month=month),
                        payrun.approve_run,
                        db,
                        actor,
                        run["id"],
                        accept_pending,
                    )
        elif can(actor, "salary.reopen"):
            with st.expander(t("salary.reopen")):
                reason = st.text_area(t("salary.reason"), key=f"reopen_reason_{month}")
                sure = st.checkbox(t("salary.reopen_confirm"), key=f"reopen_sure_{month}")
                if st.button(t("salary.reopen"), disabled=not sure, key="reopen_run", icon=":material/lock_open:"):
                    save_and_flash(
                        ctx,
                        "salary",
                        t("salary.done.reopen", month=month),
                        payrun.reopen_run,
                        db,
                        actor,
                        run["id"],
                        reason,
                    )
        with st.expander(t("salary.history")):
            st.dataframe(
                pd.DataFrame(
                    {
                        t("salary.c.at"): [e["at"] for e in run["events"]],
                        t("salary.c.action"): [t(f"salary.event.{e['action']}") for e in run["events"]],
                        t("salary.c.by"): [e["by_name"] for e in run["events"]],
                        t("salary.c.note"): [e["note"] for e in run["events"]],
                    }
                ),
                hide_index=True,
                width="stretch",
            )

        st.subheader(t("salary.statements"))
        projects = merchants.list_projects(db, actor)
        f1, f2, f3 = st.columns([2, 2, 1])
        search = f1.text_input(t("search"), key="salary_search", placeholder=t("salary.search_hint"))
        # 0 and "" stand for "all": a None option would show as an empty choice
        project_id = f2.selectbox(
            t("salary.c.project"),
            [0, *[p["id"] for p in projects]],
            key="salary_project",
            format_func=lambda pid: (
                t("all") if not pid else next(f"{p['merchant_name']} · {p['name']}" for p in projects if p["id"] == pid)
            ),
        )
        grade = f3.selectbox(
            t("salary.c.grade"),
            ["", "gold", "silver", "bronze", "none"],
            key="salary_grade",
            format_func=lambda g: t("all") if not g else sw.grade_text(ctx, None if g == "none" else g),
        )
        found = payrun.run_statements(db, actor, run["id"], search, project_id or None, grade or None)
        if not found:
            st.info(t("salary.no_statements"))
        else:
            table = pd.DataFrame(
                {
                    t("salary.c.employee_no"): [s["employee_no"] for s in found],
                    t("salary.c.agent"): [s["agent_name"] for s in found],
                    t("salary.c.projects"): [s["projects"] for s in found],
                    t("salary.c.days"): [s["days"] for s in found],
                    t("salary.c.sales"): [s["sales"] for s in found],
                    t("salary.c.base"): [s["base"] for s in found],
                    t("salary.c.commission"): [s["commission"] for s in found],
                    t("salary.c.performance"): [s["performance"] for s in found],
                    t("salary.c.bonus"): [s["bonus"] for s in found],
                    t("salary.c.deductions"): [s["deductions"] for s in found],
                    t("salary.c.adjustments"): [s["adjustments"] for s in found],
                    t("salary.c.total"): [s["total"] for s in found],
                    t("salary.c.kpi_score"): [s["kpi_score"] for s in found],
                    t("salary.c.grade"): [sw.grade_text(ctx, s["grade"]) for s in found],
                }
            )
            money = {
                t(f"salary.c.{c}"): money_column(t(f"salary.c.{c}"))
                for c in ("sales", "base", "commission", "performance", "bonus", "deductions", "adjustments", "total")
            }
            st.dataframe(
                table,
                hide_index=True,
                width="stretch",
                column_config={**money, t("salary.c.kpi_score"): st.column_config.NumberColumn(format="%.2f")},
            )
            download_xlsx(
                ctx,
                "salary.export_payroll",
                exports.payroll_frames(db, actor, run["id"], ctx.lang),
                f"payroll-{month}.xlsx",
                "payroll_xlsx",
            )
            st.subheader(t("salary.statement"))
            ids = [s["agent_id"] for s in found]
            chosen = st.selectbox(
                t("salary.c.agent"),
                ids,
                key="salary_statement_agent",
                format_func=lambda a: next(
                    f"{s['employee_no']} · {s['agent_name']}" for s in found if s["agent_id"] == a
                ),
            )
            sw.statement(ctx, payrun.get_statement(db, actor, run["id"], chosen), key=f"{run['id']}_{chosen}")

# --- charts ------------------------------------------------------------------------------------------------------
with tab_charts:
    if tab_charts.open:
        run = payrun.get_run(db, actor, st.session_state.get("salary_month", default_month))
        if run is None:
            st.info(t("salary.no_run", month=st.session_state.get("salary_month", default_month)))
        else:
            st.caption(t("salary.charts_for", month=run["month"], status=t(f"salary.status.{run['status']}")))
            frame = chart_frame(db, actor, run["id"])
            left, right = st.columns(2)
            with left:
                sw.scatter(ctx, frame)
            with right:
                sw.distribution(ctx, frame)
            moves = month_over_month(db, actor, run["id"])
            kpis = kpi_moves(db, actor, run["id"])
            if moves.empty:
                st.info(t("salary.no_previous"))
            else:
                left, right = st.columns(2)
                with left:
                    sw.month_over_month(ctx, moves)
                with right:
                    sw.kpi_moves(ctx, kpis)

# --- schemes -----------------------------------------------------------------------------------------------------
with tab_schemes:
    st.caption(t("salary.schemes_hint"))
    search = st.text_input(t("search"), key="scheme_search")
    listed = schemes.list_schemes(db, actor, search)
    with st.expander(t("salary.scheme_new")):
        with st.form("scheme_new"):
            name = st.text_input(t("field.salary.scheme_name"))
            note = st.text_input(t("field.salary.scheme_note"))
            if st.form_submit_button(t("salary.scheme_create"), type="primary"):
                save_and_flash(
                    ctx,
                    "salary",
                    t("msg.saved"),
                    schemes.create_scheme,
                    db,
                    actor,
                    name,
                    schemes.default_scheme(),
                    note,
                )
    if not listed:
        st.info(t("salary.no_schemes"))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    t("field.salary.scheme_name"): [s["name"] for s in listed],
                    t("salary.c.version"): [s["version"] for s in listed],
                    t("salary.c.updated_at"): [s["updated_at"] for s in listed],
                    t("salary.c.assignments"): [s["assignments"] for s in listed],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        scheme_id = st.selectbox(
            t("salary.scheme_edit"),
            [s["id"] for s in listed],
            key="scheme_pick",
            format_func=lambda i: next(s["name"] for s in listed if s["id"] == i),
        )
        current = schemes.get_scheme(db, actor, scheme_id)
        form_data = schemes.to_form(current["data"])
        kpi_names = list(schemes.KPIS)
        with st.form(f"scheme_{scheme_id}_{current['version']}"):
            st.markdown(t("salary.scheme_version", version=current["version"], at=current["created_at"]))
            name = st.text_input(t("field.salary.scheme_name"), value=current["name"])
            note = st.text_input(t("salary.change_note"))
            st.markdown(f"**{t('salary.section.base')}**")
            a1, a2, a3 = st.columns(3)
            values = dict(form_data)
            values["base_amount"] = a1.number_input(
                t("field.salary.base_amount"),
                value=form_data["base_amount"],
                min_value=0.0,
                step=100.0,
                help=t("salary.help.base_amount"),
            )
            values["commission_mode"] = a2.selectbox(
                t("field.salary.commission_mode"),
                schemes.COMMISSION_MODES,
                index=schemes.COMMISSION_MODES.index(form_data["commission_mode"]),
                format_func=lambda m: t(f"salary.commission_mode.{m}"),
            )
            values["commission_rate"] = a3.number_input(
                t("field.salary.commission_rate"),
                value=form_data["commission_rate"],
                min_value=0.0,
                max_value=100.0,
                step=0.1,
                format="%.3f",
            )
            values["commission_tiers"] = st.data_editor(
                pd.DataFrame(form_data["commission_tiers"], columns=["from", "rate"]),
                num_rows="dynamic",
                key=f"ctiers_{scheme_id}",
                column_config={
                    "from": st.column_config.NumberColumn(t("salary.c.tier_from"), min_value=0, format="%.2f"),
                    "rate": st.column_config.NumberColumn(
                        t("salary.c.rate_pct"), min_value=0, max_value=100, format="%.3f"
                    ),
                },
                hide_index=True,
            ).to_dict("records")
            values["commission_cap"] = st.number_input(
                t("field.salary.commission_cap"), value=form_data["commission_cap"], min_value=0.0, step=100.0
            )
            st.markdown(f"**{t('salary.section.performance')}**")
            b1, b2 = st.columns(2)
            values["performance_amount"] = b1.number_input(
                t("field.salary.performance_amount"), value=form_data["performance_amount"], min_value=0.0, step=100.0
            )
            values["achievement_cap"] = b2.number_input(
                t("field.salary.achievement_cap"),
                value=form_data["achievement_cap"],
                min_value=100.0,
                max_value=300.0,
                step=5.0,
            )
            st.caption(t("salary.help.kpis"))
            values["kpis"] = st.data_editor(
                pd.DataFrame(form_data["kpis"], columns=["kpi", "weight", "target", "scoring"]),
                num_rows="dynamic",
                key=f"kpis_{scheme_id}",
                column_config={
                    "kpi": st.column_config.SelectboxColumn(
                        t("salary.c.kpi"), options=kpi_names, required=True, format_func=lambda k: t(f"salary.kpi.{k}")
                    ),
                    "weight": st.column_config.NumberColumn(
                        t("salary.c.weight_pct"), min_value=0, max_value=100, format="%.1f"
                    ),
                    "target": st.column_config.NumberColumn(t("salary.c.target_unit")),
                    "scoring": st.column_config.SelectboxColumn(
                        t("salary.c.scoring"),
                        options=list(schemes.SCORINGS),
                        format_func=lambda s: t(f"salary.scoring.{s}"),
                    ),
                },
                hide_index=True,
            ).to_dict("records")
            values["score_tiers"] = st.data_editor(
                pd.DataFrame(form_data["score_tiers"], columns=["from", "points"]),
                num_rows="dynamic",
                key=f"stiers_{scheme_id}",
                column_config={
                    "from": st.column_config.NumberColumn(t("salary.c.achievement_from"), min_value=0, format="%.1f"),
                    "points": st.column_config.NumberColumn(t("salary.c.points"), min_value=0, format="%.1f"),
                },
                hide_index=True,
            ).to_dict("records")
            st.markdown(f"**{t('salary.section.grades')}**")
            g = st.columns(6)
            for column, key in zip(
                g, ("grade_gold", "grade_silver", "grade_bronze", "bonus_gold", "bonus_silver", "bonus_bronze")
            ):
                values[key] = column.number_input(
                    t(f"field.salary.{key}"), value=form_data[key], min_value=0.0, step=10.0
                )
            st.markdown(f"**{t('salary.section.deductions')}**")
            d = st.columns(5)
            for column, key in zip(
                d, ("deduct_complaint", "deduct_critical", "deduct_absence", "deduct_late", "deduct_leave")
            ):
                values[key] = column.number_input(
                    t(f"field.salary.{key}"), value=form_data[key], min_value=0.0, step=10.0
                )
            st.markdown(f"**{t('salary.section.limits')}**")
            lim = st.columns(3)
            for column, key in zip(lim, ("deduction_cap", "total_floor", "total_cap")):
                values[key] = column.number_input(
                    t(f"field.salary.{key}"), value=form_data[key], min_value=0.0, step=100.0
                )
            st.markdown(f"**{t('salary.section.indices')}**")
            ix = st.columns(3)
            for column, key in zip(ix, ("complaint_coefficient", "absence_coefficient", "volume_target")):
                values[key] = column.number_input(
                    t(f"field.salary.{key}"), value=form_data[key], min_value=0.0, step=1.0
                )
            if st.form_submit_button(t("salary.scheme_save"), type="primary"):
                save_and_flash(
                    ctx,
                    "salary",
                    t("msg.saved"),
                    schemes.save_version,
                    db,
                    actor,
                    scheme_id,
                    schemes.from_form(values),
                    note,
                    name,
                )
        with st.expander(t("salary.versions")):
            for version in schemes.versions(db, actor, scheme_id):
                st.markdown(
                    f"**v{version['version']}** · {version['created_at']} · {version['created_by'] or ''} · "
                    f"{version['note']}"
                )

    st.subheader(t("salary.assignments"))
    st.caption(t("salary.assignments_hint"))
    choices = schemes.assignments(db, actor)
    if not choices:
        st.info(t("salary.no_assignments"))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    t("salary.c.level"): [t(f"salary.level.{c['level']}") for c in choices],
                    t("salary.c.applies_to"): [
                        c["agent_name"] or c["project_name"] or t("salary.level.company") for c in choices
                    ],
                    t("field.salary.scheme_name"): [c["scheme_name"] for c in choices],
                    t("field.salary.from_date"): [c["from_date"] for c in choices],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    if listed:
        with st.form("assign_scheme"):
            level = st.radio(
                t("salary.c.level"), schemes.LEVELS, format_func=lambda lv: t(f"salary.level.{lv}"), horizontal=True
            )
            c1, c2 = st.columns(2)
            projects = merchants.list_projects(db, actor)
            chosen_project = c1.selectbox(
                t("salary.c.project"),
                [p["id"] for p in projects],
                format_func=lambda pid: next(f"{p['merchant_name']} · {p['name']}" for p in projects if p["id"] == pid),
            )
            roster = directory.list_agents(db, actor)
            chosen_agent = c2.selectbox(
                t("salary.c.agent"),
                [a["id"] for a in roster],
                format_func=lambda aid: next(f"{a['employee_no']} · {a['name']}" for a in roster if a["id"] == aid),
            )
            c3, c4 = st.columns(2)
            chosen_scheme = c3.selectbox(
                t("field.salary.scheme_name"),
                [s["id"] for s in listed],
                format_func=lambda i: next(s["name"] for s in listed if s["id"] == i),
            )
            from_date = c4.date_input(
                t("field.salary.from_date"), value=config.today().replace(day=1), format="YYYY-MM-DD"
            )
            st.caption(t("salary.assign_hint"))
            if st.form_submit_button(t("salary.assign"), type="primary"):
                save_and_flash(
                    ctx,
                    "salary",
                    t("msg.saved"),
                    schemes.assign,
                    db,
                    actor,
                    chosen_scheme,
                    from_date,
                    chosen_project if level == "project" else None,
                    chosen_agent if level == "agent" else None,
                )
    if choices:
        with st.expander(t("salary.unassign")):
            target = st.selectbox(
                t("salary.assignments"),
                [c["id"] for c in choices],
                key="unassign_pick",
                format_func=lambda i: next(
                    f"{t('salary.level.' + c['level'])} · {c['agent_name'] or c['project_name'] or ''} · "
                    f"{c['scheme_name']} · {c['from_date']}"
                    for c in choices
                    if c["id"] == i
                ),
            )
            sure = st.checkbox(t("salary.unassign_confirm"), key="unassign_sure")
            if st.button(t("btn.delete"), disabled=not sure, key="unassign_go"):
                save_and_flash(ctx, "salary", t("msg.saved"), schemes.unassign, db, actor, target)
