"""QA analysis (质检分析): scores against the target, lost points, the case library, calibration, scorecards and
settings."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.kernel import config, formatting
from core.kernel.errors import ValidationError
from core.kernel.permissions import can
from core.qa import access, analytics, calibration, reviews, scorecards, scoring
from core.qa import cases as qa_cases
from core.qa import settings as qa_settings
from ui import context
from ui.qa_widgets import live_total, lost_chart, period_picker, ratings_input, score_chart, score_delta
from ui.widgets import download_xlsx, flash, project_picker, save_and_flash, show_flash, show_validation

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("qa.analysis_title"))
notice = st.empty()  # always drawn, so the elements below keep their place on the run after a save
show_flash("qa_analysis", notice)

project = project_picker(ctx, "qa_an_project", live_first=True)
project_id = project["id"]
settings = qa_settings.project_settings(db, project_id)

tab_trend, tab_cases, tab_calibration, tab_cards, tab_settings = st.tabs(
    [t("qa.tab.trend"), t("qa.tab.cases"), t("qa.tab.calibration"), t("qa.tab.scorecards"), t("qa.tab.settings")]
)

# --- scores against the target ------------------------------------------------------------------------------
with tab_trend:
    start, end = period_picker(ctx, "qa_an_period")
    per_agent = analytics.agent_scores(db, actor, project_id, start, end)
    if not per_agent:
        st.info(t("qa.no_reviews"))
    else:
        summary = analytics.qa_summary(db, actor, project_id, start, end)
        c1, c2, c3, c4 = st.columns(4)
        c1.metric(t("qa.reviews"), summary["reviews"])
        c2.metric(
            t("qa.mean_score"),
            f"{summary['mean_score']:g}",
            delta=score_delta(ctx, summary),
        )
        c3.metric(t("qa.at_target"), formatting.percent(summary["at_target_rate"]))
        c4.metric(t("qa.critical_failures"), summary["critical_failures"])
        names = {a["agent_id"]: a["agent_name"] for a in per_agent}
        chosen = st.multiselect(
            t("qa.compare_agents"),
            list(names),
            format_func=names.get,
            key="qa_an_agents",
            placeholder=t("qa.choose_agents"),
        )
        series = analytics.score_series(db, actor, project_id, start, end)
        lines = [{**row, "agent": t("qa.project_mean")} for row in series]
        for agent_id in chosen:
            lines += [
                {**row, "agent": names[agent_id]}
                for row in analytics.score_series(db, actor, project_id, start, end, agent_id=agent_id)
            ]
        st.subheader(t("qa.chart.score_over_time"))
        st.plotly_chart(score_chart(ctx, lines, settings["target"], by_agent=True), width="stretch")
        left, right = st.columns([3, 2])
        with left:
            st.subheader(t("qa.agent_table"))
            table = pd.DataFrame(
                [
                    {
                        t("qa.agent"): a["agent_name"],
                        t("qa.reviews"): a["reviews"],
                        t("qa.iqs"): a["iqs"],
                        t("qa.below_target"): "●" if a["iqs"] < settings["target"] else "",
                        t("qa.critical_failures"): a["critical_failures"],
                        t("qa.problem_cases"): a["problem_cases"],
                        t("qa.excellent_cases"): a["excellent_cases"],
                    }
                    for a in per_agent
                ]
            )
            st.dataframe(table, hide_index=True, width="stretch")
            download_xlsx(ctx, "btn.export_excel", {"iqs": table}, f"qa-iqs-{project_id}.xlsx", "qa_an_export")
        with right:
            st.subheader(t("qa.chart.lost_points"))
            focus = st.selectbox(
                t("qa.agent"),
                [None, *names],
                format_func=lambda i: t("all") if i is None else names[i],
                key="qa_an_lost_agent",
            )
            st.plotly_chart(
                lost_chart(ctx, analytics.lost_points(db, actor, project_id, start, end, focus)), width="stretch"
            )

# --- case library ---------------------------------------------------------------------------------------------
with tab_cases:
    c1, c2 = st.columns(2)
    case_type = c1.selectbox(
        t("field.qa.case_type"),
        [None, *reviews.CASE_TYPES],
        key="qa_an_case_type",
        format_func=lambda c: t("all") if c is None else t(f"qa.case.{c}"),
    )
    case_status = c2.selectbox(
        t("field.qa.case_status"),
        [None, *qa_cases.CASE_STATUSES],
        key="qa_an_case_status",
        format_func=lambda s: t("all") if s is None else t(f"qa.case_status.{s}"),
    )
    cases = qa_cases.case_library(db, actor, project_id, case_type, case_status)
    if not cases:
        st.info(t("qa.no_cases"))
    else:
        table = pd.DataFrame(
            [
                {
                    "#": c["id"],
                    t("field.qa.case_type"): t(f"qa.case.{c['case_type']}"),
                    t("qa.chat_date"): c["chat_date"],
                    t("qa.agent"): c["agent_name"],
                    t("qa.score"): c["score"],
                    t("field.qa.case_status"): t(f"qa.case_status.{c['case_status']}"),
                    t("field.qa.case_discussed_on"): c["case_discussed_on"] or "",
                    t("field.qa.comment"): c["comment"],
                    t("field.qa.case_note"): c["case_note"],
                }
                for c in cases
            ]
        )
        st.dataframe(table, hide_index=True, width="stretch")
        download_xlsx(ctx, "btn.export_excel", {"cases": table}, f"qa-cases-{project_id}.xlsx", "qa_an_cases_export")
        if can(actor, "qa.case_write"):
            with st.form("qa_case_status"):
                st.markdown(f"**{t('qa.mark_case')}**")
                pick = st.selectbox(
                    t("qa.case"),
                    [c["id"] for c in cases],
                    format_func=lambda i: next(
                        f"#{c['id']} · {c['agent_name']} · {c['chat_date']} · {t('qa.case.' + c['case_type'])}"
                        for c in cases
                        if c["id"] == i
                    ),
                )
                c1, c2 = st.columns(2)
                new_status = c1.selectbox(
                    t("field.qa.case_status"),
                    qa_cases.CASE_STATUSES,
                    index=1,
                    format_func=lambda s: t(f"qa.case_status.{s}"),
                )
                on = c2.date_input(
                    t("field.qa.case_discussed_on"), value=config.today(), max_value=config.today(), format="YYYY-MM-DD"
                )
                note = st.text_input(t("field.qa.case_note"))
                if st.form_submit_button(t("btn.save"), type="primary"):
                    save_and_flash(
                        ctx,
                        "qa_analysis",
                        t("msg.saved"),
                        qa_cases.mark_case,
                        db,
                        actor,
                        pick,
                        new_status,
                        on if new_status == "discussed" else None,
                        note or None,
                    )

# --- calibration ------------------------------------------------------------------------------------------------
with tab_calibration:
    sessions = calibration.list_calibrations(db, actor, project_id)
    if can(actor, "qa.calibrate"):
        with st.expander(t("qa.new_calibration"), icon=":material/add:"):
            team = access.team_agents(db, actor, project_id)
            with st.form("qa_new_calibration"):
                title = st.text_input(t("field.qa.title"))
                c1, c2, c3 = st.columns(3)
                agent_id = c1.selectbox(
                    t("field.qa.agent"),
                    [a["id"] for a in team],
                    index=None,
                    placeholder=t("qa.choose_agent"),
                    format_func=lambda i: next(a["name"] for a in team if a["id"] == i),
                )
                chat_date = c2.date_input(t("field.qa.chat_date"), max_value=config.today(), format="YYYY-MM-DD")
                buyer = c3.text_input(t("field.qa.chat_buyer_id"))
                transcript = st.text_area(t("field.qa.transcript"))
                if st.form_submit_button(t("btn.create"), type="primary"):
                    save_and_flash(
                        ctx,
                        "qa_analysis",
                        t("msg.saved"),
                        calibration.create_calibration,
                        db,
                        actor,
                        {
                            "project_id": project_id,
                            "agent_id": agent_id,
                            "chat_date": chat_date,
                            "chat_buyer_id": buyer,
                            "transcript": transcript,
                            "title": title,
                        },
                    )
    if not sessions:
        st.info(t("qa.no_calibrations"))
    else:
        pick = st.selectbox(
            t("qa.calibration"),
            [s["id"] for s in sessions],
            key="qa_an_calibration",
            format_func=lambda i: next(
                f"{s['title'] or '#' + str(s['id'])} · {s['agent_name']} · {s['chat_date']} "
                f"({t('qa.scorings', n=s['scorings'])})"
                for s in sessions
                if s["id"] == i
            ),
        )
        spread = calibration.calibration_spread(db, actor, pick)
        if spread["session"]["transcript"]:
            with st.expander(t("field.qa.transcript")):
                st.text(spread["session"]["transcript"])
        if spread["scorings"]:
            total = spread["total"]
            c1, c2, c3 = st.columns(3)
            c1.metric(t("qa.inspectors"), len(spread["scorings"]))
            c2.metric(t("qa.total_spread"), f"{total['spread']:.1f}")
            c3.metric(t("qa.total_range"), f"{total['min']:g} – {total['max']:g}")
            inspectors = [s["inspector_name"] for s in spread["scorings"]]
            table = pd.DataFrame(
                [
                    {
                        t("qa.category"): i["category"],
                        t("qa.item"): i["name"],
                        **{
                            name: "N/A" if i["scores"].get(name) is None else f"{i['scores'][name]:.0f}"
                            for name in inspectors
                        },
                        t("qa.spread"): None if i["spread"] is None else round(i["spread"], 1),
                        t("qa.stdev"): None if i["stdev"] is None else round(i["stdev"], 1),
                    }
                    for i in spread["items"]
                ]
            )
            st.dataframe(
                table,
                hide_index=True,
                width="stretch",
                column_config={
                    t("qa.spread"): st.column_config.ProgressColumn(
                        t("qa.spread"), min_value=0, max_value=100, format="%.0f"
                    )
                },
            )
            st.caption(t("qa.spread_hint"))
        else:
            st.info(t("qa.no_scorings"))
        if can(actor, "qa.score"):
            with st.expander(t("qa.score_calibration"), icon=":material/fact_check:"):
                card = scorecards.load_card(db, spread["session"]["scorecard_id"])
                mine = next((s for s in spread["scorings"] if s["inspector_id"] == actor.id), None)
                ratings = ratings_input(
                    ctx, card, f"qa_cal_{pick}", reviews.current_ratings(db, mine["id"]) if mine else None
                )
                live_total(ctx, card, ratings)
                comment = st.text_input(t("field.qa.comment"), key=f"qa_cal_comment_{pick}")
                if st.button(t("qa.save_review"), key=f"qa_cal_save_{pick}", type="primary"):
                    save_and_flash(
                        ctx,
                        "qa_analysis",
                        t("qa.review_saved"),
                        calibration.score_calibration,
                        db,
                        actor,
                        pick,
                        ratings,
                        comment,
                    )

# --- scorecards ---------------------------------------------------------------------------------------------------
with tab_cards:
    standard = scorecards.merchant_standard(db, project_id)
    own_id = scorecards.project_scorecard_id(db, project_id)
    if own_id is None and standard["merchant"]:
        st.warning(t("qa.merchant_standard_missing"))
        if can(actor, "qa.scorecard_write") and st.button(
            t("qa.build_from_standard"), type="primary", icon=":material/build:"
        ):
            try:
                _card_id, parsed = scorecards.build_from_merchant_standard(db, actor, project_id)
            except ValidationError as exc:
                show_validation(ctx, exc)
            else:
                flash("qa_analysis", t("qa.built_parsed" if parsed else "qa.built_copied"))
                st.rerun()
    card_id = own_id or scorecards.default_scorecard_id(db)
    card = scorecards.get_scorecard(db, actor, card_id)
    st.markdown(
        t(
            "qa.scorecard_line",
            name=card["name"],
            version=card["version"],
            source=t(f"qa.source.{card['source']}"),
            mode=t(f"qa.critical_mode.{card['critical_mode']}"),
            cap=f"{card['critical_cap']:g}",
            bonus=f"{card['bonus_cap']:g}",
        )
    )
    columns = {
        "category": st.column_config.TextColumn(t("qa.category"), required=True),
        "name": st.column_config.TextColumn(t("qa.item"), required=True, width="medium"),
        "scale": st.column_config.SelectboxColumn(
            t("field.qa.item_scale"), options=list(scoring.SCALES), required=True
        ),
        "kind": st.column_config.SelectboxColumn(
            t("field.qa.item_kind"), options=list(scoring.ITEM_KINDS), required=True
        ),
        "weight": st.column_config.NumberColumn(t("field.qa.item_weight"), min_value=0.0, step=1.0),
        "points": st.column_config.NumberColumn(t("field.qa.item_points"), min_value=0.0, step=1.0),
        "critical": st.column_config.CheckboxColumn(t("field.qa.item_critical")),
        "allow_na": st.column_config.CheckboxColumn(t("field.qa.item_allow_na")),
        "description": st.column_config.TextColumn(t("field.qa.item_description"), width="medium"),
    }
    frame = pd.DataFrame(
        [{k: (bool(i[k]) if k in ("critical", "allow_na") else i[k]) for k in columns} for i in card["items"]],
        columns=list(columns),
    )
    editable = can(actor, "qa.scorecard_write") and (own_id is not None or can(actor, "qa.settings"))
    if editable:
        st.caption(t("qa.scorecard_edit_hint") if own_id else t("qa.scorecard_ours_hint"))
        edited = st.data_editor(
            frame, column_config=columns, hide_index=True, num_rows="dynamic", width="stretch", key=f"qa_card_{card_id}"
        )
        with st.form(f"qa_card_form_{card_id}"):
            c1, c2, c3, c4 = st.columns(4)
            name = c1.text_input(t("field.qa.scorecard_name"), value=card["name"])
            mode = c2.selectbox(
                t("field.qa.critical_mode"),
                scoring.CRITICAL_MODES,
                index=scoring.CRITICAL_MODES.index(card["critical_mode"]),
                format_func=lambda m: t(f"qa.critical_mode.{m}"),
            )
            cap = c3.number_input(t("field.qa.critical_cap"), value=float(card["critical_cap"]), step=5.0)
            bonus = c4.number_input(t("field.qa.bonus_cap"), value=float(card["bonus_cap"]), step=1.0)
            if st.form_submit_button(t("qa.save_scorecard"), type="primary"):
                save_and_flash(
                    ctx,
                    "qa_analysis",
                    t("qa.scorecard_saved"),
                    scorecards.save_scorecard,
                    db,
                    actor,
                    card["project_id"],
                    name,
                    edited.to_dict("records"),
                    mode,
                    cap,
                    bonus,
                    card["source"],
                    card["upload_id"],
                )
    else:
        st.dataframe(frame, column_config=columns, hide_index=True, width="stretch")
    st.download_button(
        t("qa.download_scorecard"),
        scorecards.scorecard_xlsx(db, actor, card_id),
        file_name=f"scorecard-{card_id}.xlsx",
        key="qa_card_download",
        icon=":material/download:",
    )
    if can(actor, "qa.scorecard_write"):
        with st.expander(t("qa.import_scorecard"), icon=":material/upload:"):
            st.caption(t("qa.import_scorecard_hint"))
            file = st.file_uploader(t("faq.import_file"), type=["xlsx", "csv"], key="qa_card_import")
            if file is not None and st.button(t("faq.import_go"), key="qa_card_import_go"):
                try:
                    items = scorecards.parse_scorecard_table(file.getvalue(), file.name)
                    scorecards.save_scorecard(
                        db,
                        actor,
                        project_id,
                        f"{project['name']} · {t('qa.source.merchant')}",
                        items,
                        source="merchant",
                        upload_id=standard["upload_id"],
                    )
                except ValidationError as exc:
                    show_validation(ctx, exc)
                else:
                    flash("qa_analysis", t("qa.scorecard_saved"))
                    st.rerun()

# --- settings --------------------------------------------------------------------------------------------------------
with tab_settings:
    st.caption(t("qa.target_hint"))
    with st.form("qa_settings"):
        c1, c2 = st.columns(2)
        target = c1.number_input(
            t("field.qa.target"), value=float(settings["target"]), step=1.0, disabled=not can(actor, "qa.settings")
        )
        per_week = c2.number_input(
            t("field.qa.reviews_per_week"),
            value=int(settings["reviews_per_week"]),
            step=1,
            disabled=not can(actor, "qa.settings"),
        )
        if st.form_submit_button(t("btn.save"), disabled=not can(actor, "qa.settings")):
            save_and_flash(
                ctx,
                "qa_analysis",
                t("msg.saved"),
                qa_settings.set_project_settings,
                db,
                actor,
                project_id,
                float(target),
                int(per_week),
            )
