"""QA (质检): inspectors record and score reviews, managers settle disputes; an agent sees its own reviews; a merchant
its project's summary."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from core.kernel import config, formatting
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import PermissionDenied, can
from core.qa import access, analytics, cases, reviews, scorecards
from core.qa import chats as qa_chats
from core.qa import disputes as qa_disputes
from core.qa import settings as qa_settings
from ui import context
from ui.qa_widgets import live_total, lost_chart, period_picker, ratings_input, score_chart, score_delta
from ui.widgets import download_xlsx, flash, project_picker, query_int, save_and_flash, show_flash, show_validation

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("qa.title"))
notice = st.empty()  # always drawn, so the elements below keep their place on the run after a save
show_flash("qa", notice)


def fmt_score(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def review_items_table(review: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("qa.category"): i["category"],
                t("qa.item"): i["name"],
                t("qa.rating"): "N/A"
                if i["rating"] is None
                else (
                    (t("qa.pass") if i["rating"] == 1 else t("qa.fail"))
                    if i["scale"] == "pass_fail"
                    else str(i["rating"])
                ),
                t("qa.item_score"): "—" if i["score"] is None else f"{i['score']:.0f}",
                t("qa.critical"): "●" if i["critical"] else "",
            }
            for i in review["items"]
        ]
    )


def history_table(review: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("history.at"): h["at"],
                t("qa.event"): t(f"qa.event.{h['event']}"),
                t("qa.score"): fmt_score(h["score"]),
                t("qa.critical_failed"): t("yes") if h["critical_failed"] else "",
                t("history.by"): h["by_name"] or "—",
                t("history.note"): h["note"],
            }
            for h in review["history"]
        ]
    )


def show_review(review: dict) -> None:
    """The review as its agent and the staff read it."""
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("qa.score"), fmt_score(review["score"]))
    c2.metric(t("qa.status"), t(f"qa.status.{review['status']}"))
    c3.metric(t("qa.chat_date"), review["chat_date"])
    c4.metric(t("qa.inspector"), review["inspector_name"] or "—")
    if review["critical_failed"]:
        st.error(t("qa.critical_failed_banner"))
    if review["complaint"]:
        c = review["complaint"]
        if can(actor, "complaint.read"):
            st.page_link(
                "app_pages/complaints.py",
                label=t("qa.from_complaint", number=c["number"]),
                query_params={"complaint": c["id"]},
                icon=":material/report:",
            )
        else:
            st.caption(t("qa.from_complaint", number=c["number"]))
    if review["items"]:
        st.dataframe(
            review_items_table(review), hide_index=True, width="stretch", height=35 * (len(review["items"]) + 1) + 3
        )
    if review["comment"]:
        st.markdown(f"**{t('field.qa.comment')}**: {review['comment']}")
    if review["transcript"]:
        with st.expander(t("field.qa.transcript")):
            st.text(review["transcript"])
    with st.expander(t("qa.history")):
        st.dataframe(history_table(review), hide_index=True, width="stretch")
    for d in review["disputes"]:
        st.info(
            t(
                "qa.dispute_line",
                at=d["raised_at"],
                reason=d["reason"],
                status=t(f"qa.dispute.{d['status']}"),
                comment=d["resolution_comment"] or "—",
            )
        )


# --- merchant: the project's QA summary, numbers only ------------------------------------------------------
if not can(actor, "qa.read") and not can(actor, "qa.own"):
    project = project_picker(ctx, "qa_m_project", live_first=True)
    start, end = period_picker(ctx, "qa_m_period")
    try:
        summary = analytics.qa_summary(db, actor, project["id"], start, end)
    except (NotFound, PermissionDenied):
        st.error(t("msg.not_found"))
        st.stop()
    st.caption(t("qa.merchant_intro"))
    if not summary["reviews"]:
        st.info(t("qa.no_reviews"))
        st.stop()
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric(t("qa.reviews"), summary["reviews"])
    c2.metric(
        t("qa.mean_score"),
        fmt_score(summary["mean_score"]),
        delta=score_delta(ctx, summary),
    )
    c3.metric(t("qa.at_target"), formatting.percent(summary["at_target_rate"]))
    c4.metric(t("qa.problem_cases"), summary["problem_cases"])
    c5.metric(t("qa.excellent_cases"), summary["excellent_cases"])
    st.subheader(t("qa.chart.score_over_time"))
    st.plotly_chart(
        score_chart(ctx, [{**w, "agent": None} for w in summary["weekly"]], summary["target"]), width="stretch"
    )
    st.subheader(t("qa.chart.lost_points"))
    st.plotly_chart(lost_chart(ctx, summary["lost_points"]), width="stretch")
    st.stop()

# --- agent: my reviews and disputes ------------------------------------------------------------------------
if can(actor, "qa.own"):
    own = access.own_agent_id(db, actor)
    if own is None:
        st.info(t("qa.agent_not_linked"))
        st.stop()
    start, end = period_picker(ctx, "qa_a_period", days=30)
    mine = reviews.list_reviews(db, actor, start=start, end=end)
    scored = [r for r in mine if r["status"] != "task"]
    c1, c2, c3 = st.columns(3)
    c1.metric(t("qa.my_iqs"), fmt_score(analytics.agent_iqs(db, actor, own, start, end)))
    c2.metric(t("qa.reviews"), len(scored))
    c3.metric(t("qa.critical_failures"), len(analytics.critical_failures(db, actor, own, start, end)))
    if not scored:
        st.info(t("qa.no_reviews"))
        st.stop()
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("qa.chat_date"): r["chat_date"],
                    t("qa.project"): r["project_name"],
                    t("field.qa.chat_buyer_id"): r["chat_buyer_id"],
                    t("qa.score"): r["score"],
                    t("qa.critical_failed"): t("yes") if r["critical_failed"] else "",
                    t("qa.status"): t(f"qa.status.{r['status']}"),
                    t("qa.dispute"): t(f"qa.dispute.{r['dispute_status']}") if r["dispute_status"] else "",
                }
                for r in scored
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    ids = [r["id"] for r in scored]
    pick = st.selectbox(
        t("qa.open_review"),
        ids,
        key="qa_a_pick",
        format_func=lambda i: next(
            f"{r['chat_date']} · {r['chat_buyer_id']} · {fmt_score(r['score'])}" for r in scored if r["id"] == i
        ),
    )
    review = reviews.get_review(db, actor, pick)
    show_review(review)
    if review["status"] == "scored":
        with st.form(f"dispute_{pick}"):
            st.markdown(f"**{t('qa.raise_dispute')}**")
            reason = st.text_area(t("field.qa.dispute_reason"))
            if st.form_submit_button(t("qa.raise_dispute"), type="primary"):
                save_and_flash(ctx, "qa", t("qa.dispute_raised"), qa_disputes.raise_dispute, db, actor, pick, reason)
    elif review["status"] == "locked":
        st.caption(t("qa.locked_hint"))
    st.stop()

# --- QA staff ----------------------------------------------------------------------------------------------
project = project_picker(ctx, "qa_project", live_first=True)
project_id = project["id"]
scorer = can(actor, "qa.score")
raw_logs = qa_chats.has_raw_logs(db, project_id)
tab_todo, tab_record, tab_list, tab_disputes = st.tabs(
    [t("qa.tab.todo"), t("qa.tab.record"), t("qa.tab.list"), t("qa.tab.disputes")], key="qa_tabs", on_change="rerun"
)


def sample(agent_id: int, day) -> None:
    """From the sampling list to the entry form, with the day and the agent chosen (a button's callback: before the
    run)."""
    n = st.session_state.get("qa_form_n", 0)
    st.session_state.pop(f"qa_task_{n}", None)  # back to its default: a new sample, not a task
    st.session_state[f"qa_date_{n}"] = day
    st.session_state[f"qa_agent_{n}"] = agent_id
    st.session_state.pop(f"qa_chat_{n}", None)
    st.session_state["qa_tabs"] = t("qa.tab.record")


def transcript_table(messages: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("kpi.time"): m["time"][11:19],
                t("kpi.sender"): t(f"kpi.sender.{m['sender']}"),
                t("kpi.content"): m["content"],
            }
            for m in messages
        ],
        columns=[t("kpi.time"), t("kpi.sender"), t("kpi.content")],
    )


with tab_todo:
    st.subheader(t("qa.tasks"))
    open_tasks = reviews.tasks(db, actor, project_id)
    if open_tasks:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "#": r["id"],
                        t("qa.complaint"): r["complaint_number"] or "",
                        t("qa.agent"): r["agent_name"],
                        t("qa.chat_date"): r["chat_date"],
                        t("field.qa.chat_buyer_id"): r["chat_buyer_id"],
                        t("qa.created_at"): r["created_at"],
                    }
                    for r in open_tasks
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        if scorer:
            st.caption(t("qa.tasks_hint"))
    else:
        st.info(t("qa.no_tasks"))
    st.subheader(t("qa.sampling"))
    day = st.date_input(
        t("qa.sampling_day"),
        value=config.today() - timedelta(days=1),
        max_value=config.today(),
        format="YYYY-MM-DD",
        key="qa_sampling_day",
    )
    proposal = analytics.sampling_proposal(db, actor, project_id, day)
    settings = qa_settings.project_settings(db, project_id)
    st.caption(t("qa.sampling_hint", n=settings["reviews_per_week"]))
    if proposal:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("qa.agent"): p["agent_name"],
                        t("qa.sub_account"): p["sub_account"],
                        t("qa.reviews_this_week"): p["reviews_this_week"],
                        t("qa.pace"): p["pace"],
                        t("qa.remaining"): p["remaining"],
                        t("qa.due"): "●" if p["due"] else "",
                        t("qa.last_reviewed"): p["last_reviewed_chat"] or "—",
                    }
                    for p in proposal
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        if scorer:
            c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
            chosen = c1.selectbox(
                t("qa.sample_agent"),
                [p["agent_id"] for p in proposal],
                key="qa_sample_agent",
                format_func=lambda i: next(
                    f"{p['agent_name']} · {p['sub_account']}" + (" ●" if p["due"] else "")
                    for p in proposal
                    if p["agent_id"] == i
                ),
            )
            c2.button(
                t("qa.sample_go"), key="qa_sample_go", icon=":material/fact_check:", on_click=sample, args=(chosen, day)
            )
    else:
        st.info(t("qa.no_online_agents"))

with tab_record:
    if not scorer:
        st.info(t("qa.only_inspectors"))
    else:
        counter = st.session_state.setdefault("qa_form_n", 0)
        task_ids = [r["id"] for r in reviews.tasks(db, actor, project_id)]
        task_labels = {
            r["id"]: f"#{r['id']} · {r['complaint_number'] or ''} · {r['agent_name']} · {r['chat_date']}"
            for r in reviews.tasks(db, actor, project_id)
        }
        requested_task = query_int("review")
        options = [None, *task_ids]
        task_id = st.selectbox(
            t("qa.score_task"),
            options,
            index=options.index(requested_task) if requested_task in options else 0,
            format_func=lambda i: t("qa.new_review") if i is None else task_labels[i],
            key=f"qa_task_{counter}",
        )
        card = None
        try:
            card = scorecards.load_card(db, scorecards.effective_scorecard_id(db, project_id))
        except ValidationError as exc:
            show_validation(ctx, exc)
        if card is not None:
            st.caption(t("qa.using_scorecard", name=card.name))
            c1, c2, c3 = st.columns(3)
            messages: list[dict] = []
            if task_id is None:
                st.session_state.setdefault(
                    f"qa_date_{counter}", config.today() - timedelta(days=1)
                )  # or the sampling list's day
                chat_date = c1.date_input(
                    t("field.qa.chat_date"), max_value=config.today(), format="YYYY-MM-DD", key=f"qa_date_{counter}"
                )
                team = access.team_agents(db, actor, project_id, chat_date)
                agent_id = c2.selectbox(
                    t("field.qa.agent"),
                    [a["id"] for a in team],
                    index=None,
                    placeholder=t("qa.choose_agent"),
                    format_func=lambda i: next(f"{a['name']} · {a['sub_account']}" for a in team if a["id"] == i),
                    key=f"qa_agent_{counter}",
                )
                if raw_logs:  # the chat is one of the agent's stored chats of that day, never typed
                    chats = (
                        qa_chats.agent_chats(db, actor, project_id, chat_date, agent_id) if agent_id is not None else []
                    )
                    chat_labels = {
                        c["buyer"]: t("qa.chat_label", at=c["first_at"][11:16], buyer=c["buyer"], n=c["messages"])
                        for c in chats
                    }
                    buyer = c3.selectbox(
                        t("qa.chat"),
                        list(chat_labels),
                        index=None,
                        format_func=chat_labels.get,
                        key=f"qa_chat_{counter}",
                        placeholder=t("qa.choose_chat")
                        if chats
                        else t("qa.no_chats")
                        if agent_id is not None
                        else t("qa.choose_agent_first"),
                    )
                    if buyer is not None:
                        messages = qa_chats.chat_messages(db, actor, project_id, chat_date, agent_id, buyer)
                else:
                    buyer = c3.text_input(t("field.qa.chat_buyer_id"), key=f"qa_buyer_{counter}")
            else:
                task = reviews.get_review(db, actor, task_id)
                c1.text_input(
                    t("field.qa.agent"), value=task["agent_name"], disabled=True, key=f"qa_agent_ro_{counter}"
                )
                c2.text_input(
                    t("field.qa.chat_date"), value=task["chat_date"], disabled=True, key=f"qa_date_ro_{counter}"
                )
                c3.text_input(
                    t("field.qa.chat_buyer_id"),
                    value=task["chat_buyer_id"],
                    disabled=True,
                    key=f"qa_buyer_ro_{counter}",
                )
                if raw_logs:
                    messages = qa_chats.chat_messages(
                        db,
                        actor,
                        project_id,
                        date.fromisoformat(task["chat_date"]),
                        task["agent_id"],
                        task["chat_buyer_id"],
                    )
            transcript = None
            if raw_logs:
                left, right = st.columns([2, 3])
                with left:
                    st.markdown(f"**{t('qa.transcript_of_chat')}**")
                    if messages:
                        st.dataframe(
                            transcript_table(messages),
                            hide_index=True,
                            width="stretch",
                            height=min(560, 35 * (len(messages) + 1) + 3),
                        )
                        transcript = qa_chats.transcript_text(messages, actor.language)
                    else:
                        st.info(t("qa.pick_chat_hint") if task_id is None else t("qa.task_chat_missing"))
                scorecard_area = right
            else:
                transcript = st.text_area(t("field.qa.transcript"), key=f"qa_transcript_{counter}", height=120)
                scorecard_area = st.container()
            with scorecard_area:
                st.markdown(f"**{t('qa.items')}**")
                ratings = ratings_input(ctx, card, f"qa_r_{counter}")
                live_total(ctx, card, ratings)
            c1, c2 = st.columns([1, 3])
            case_type = c1.selectbox(
                t("field.qa.case_type"),
                [None, *reviews.CASE_TYPES],
                key=f"qa_case_{counter}",
                format_func=lambda c: t("qa.case.none") if c is None else t(f"qa.case.{c}"),
            )
            comment = c2.text_area(t("field.qa.comment"), key=f"qa_comment_{counter}", height=80)
            if st.button(t("qa.save_review"), type="primary", key=f"qa_save_{counter}", icon=":material/fact_check:"):
                try:
                    if task_id is None:
                        reviews.record_review(
                            db,
                            actor,
                            {
                                "project_id": project_id,
                                "agent_id": agent_id,
                                "chat_buyer_id": buyer,
                                "chat_date": chat_date,
                                "transcript": transcript,
                                "comment": comment,
                                "case_type": case_type,
                            },
                            ratings,
                        )
                    else:
                        reviews.score_review(
                            db, actor, task_id, ratings, comment, case_type or "", transcript if transcript else None
                        )
                except ValidationError as exc:
                    show_validation(ctx, exc)
                else:
                    st.session_state["qa_form_n"] = counter + 1
                    flash("qa", t("qa.review_saved"))
                    if "review" in st.query_params:
                        del st.query_params["review"]
                    st.rerun()

with tab_list:
    team = access.team_agents(db, actor, project_id)
    c1, c2, c3, c4 = st.columns([2, 2, 2, 3])
    agent_filter = c1.selectbox(
        t("qa.agent"),
        [None, *[a["id"] for a in team]],
        key="qa_l_agent",
        format_func=lambda i: t("all") if i is None else next(a["name"] for a in team if a["id"] == i),
    )
    status_filter = c2.selectbox(
        t("qa.status"),
        [None, *reviews.REVIEW_STATUSES],
        key="qa_l_status",
        format_func=lambda s: t("all") if s is None else t(f"qa.status.{s}"),
    )
    case_filter = c3.selectbox(
        t("field.qa.case_type"),
        [None, *reviews.CASE_TYPES],
        key="qa_l_case",
        format_func=lambda c: t("all") if c is None else t(f"qa.case.{c}"),
    )
    search = c4.text_input(t("search"), placeholder=t("qa.search_hint"), key="qa_l_search")
    c1, c2 = st.columns([3, 1])
    with c1:
        start, end = period_picker(ctx, "qa_l_period", days=30)
    critical_only = c2.toggle(t("qa.critical_only"), key="qa_l_critical")
    found = reviews.list_reviews(
        db,
        actor,
        project_id=project_id,
        agent_id=agent_filter,
        status=status_filter,
        case_type=case_filter,
        start=start,
        end=end,
        critical_only=critical_only,
        search=search,
    )
    if not found:
        st.info(t("qa.no_reviews"))
    else:
        table = pd.DataFrame(
            [
                {
                    "#": r["id"],
                    t("qa.chat_date"): r["chat_date"],
                    t("qa.agent"): r["agent_name"],
                    t("field.qa.chat_buyer_id"): r["chat_buyer_id"],
                    t("qa.score"): r["score"],
                    t("qa.critical_failed"): t("yes") if r["critical_failed"] else "",
                    t("qa.status"): t(f"qa.status.{r['status']}"),
                    t("qa.inspector"): r["inspector_name"] or "",
                    t("field.qa.case_type"): t(f"qa.case.{r['case_type']}") if r["case_type"] else "",
                    t("qa.complaint"): r["complaint_number"] or "",
                    t("field.qa.comment"): r["comment"],
                }
                for r in found
            ]
        )
        st.caption(t("qa.count", n=len(found)))
        st.dataframe(table, hide_index=True, width="stretch")
        download_xlsx(ctx, "btn.export_excel", {"reviews": table}, f"qa-reviews-{project_id}.xlsx", "qa_l_export")
        ids = [r["id"] for r in found]
        requested = query_int("review")
        pick = st.selectbox(
            t("qa.open_review"),
            ids,
            index=ids.index(requested) if requested in ids else 0,
            key="qa_l_pick",
            format_func=lambda i: next(
                f"#{r['id']} · {r['chat_date']} · {r['agent_name']} · {r['chat_buyer_id']} · {fmt_score(r['score'])}"
                for r in found
                if r["id"] == i
            ),
        )
        review = reviews.get_review(db, actor, pick)
        show_review(review)
        if scorer and review["status"] == "scored":
            with st.expander(t("qa.rescore"), icon=":material/edit:"):
                rcard = scorecards.load_card(db, review["scorecard_id"])
                new_ratings = ratings_input(ctx, rcard, f"qa_rs_{pick}", reviews.current_ratings(db, pick))
                live_total(ctx, rcard, new_ratings)
                note = st.text_input(t("field.note"), key=f"qa_rs_note_{pick}")
                if st.button(t("qa.save_review"), key=f"qa_rs_save_{pick}"):
                    save_and_flash(
                        ctx, "qa", t("qa.review_saved"), reviews.score_review, db, actor, pick, new_ratings, note=note
                    )
            with st.expander(t("qa.case_tag"), icon=":material/bookmark:"):
                with st.form(f"qa_case_form_{pick}"):
                    new_case = st.selectbox(
                        t("field.qa.case_type"),
                        [None, *reviews.CASE_TYPES],
                        index=[None, *reviews.CASE_TYPES].index(review["case_type"]),
                        format_func=lambda c: t("qa.case.none") if c is None else t(f"qa.case.{c}"),
                    )
                    case_note = st.text_input(t("field.qa.case_note"), value=review["case_note"])
                    if st.form_submit_button(t("btn.save")):
                        save_and_flash(ctx, "qa", t("msg.saved"), cases.set_case, db, actor, pick, new_case, case_note)

with tab_disputes:
    disputes = qa_disputes.list_disputes(db, actor, project_id=project_id)
    open_ones = [d for d in disputes if d["status"] == "open"]
    if not disputes:
        st.info(t("qa.no_disputes"))
    else:
        table = pd.DataFrame(
            [
                {
                    "#": d["id"],
                    t("qa.raised_at"): d["raised_at"],
                    t("qa.agent"): d["agent_name"],
                    t("qa.inspector"): d["inspector_name"] or "",
                    t("field.qa.dispute_reason"): d["reason"],
                    t("qa.status"): t(f"qa.dispute.{d['status']}"),
                    t("qa.score_before"): fmt_score(d["score_before"]),
                    t("qa.score_after"): fmt_score(d["score_after"]) if d["resolved_at"] else "",
                    t("qa.resolved_at"): d["resolved_at"] or "",
                    t("field.qa.resolution_comment"): d["resolution_comment"],
                }
                for d in disputes
            ]
        )
        st.dataframe(table, hide_index=True, width="stretch")
        download_xlsx(ctx, "btn.export_excel", {"disputes": table}, f"qa-disputes-{project_id}.xlsx", "qa_d_export")
    if open_ones and can(actor, "qa.resolve_dispute"):
        st.subheader(t("qa.resolve"))
        dispute_id = st.selectbox(
            t("qa.dispute"),
            [d["id"] for d in open_ones],
            key="qa_d_pick",
            format_func=lambda i: next(
                f"#{d['id']} · {d['agent_name']} · {d['chat_date']}" for d in open_ones if d["id"] == i
            ),
        )
        dispute = next(d for d in open_ones if d["id"] == dispute_id)
        review = reviews.get_review(db, actor, dispute["review_id"])
        st.markdown(f"**{t('field.qa.dispute_reason')}**: {dispute['reason']}")
        outcome = st.radio(
            t("field.qa.outcome"),
            qa_disputes.DISPUTE_OUTCOMES,
            horizontal=True,
            key=f"qa_d_outcome_{dispute_id}",
            format_func=lambda o: t(f"qa.dispute.{o}"),
        )
        new_ratings = None
        if outcome != "rejected":
            rcard = scorecards.load_card(db, review["scorecard_id"])
            new_ratings = ratings_input(ctx, rcard, f"qa_d_r_{dispute_id}", reviews.current_ratings(db, review["id"]))
            live_total(ctx, rcard, new_ratings)
        else:
            st.dataframe(review_items_table(review), hide_index=True, width="stretch")
            st.caption(t("qa.reject_locks"))
        comment = st.text_area(t("field.qa.resolution_comment"), key=f"qa_d_comment_{dispute_id}")
        if st.button(t("qa.resolve"), type="primary", key=f"qa_d_go_{dispute_id}"):
            save_and_flash(
                ctx,
                "qa",
                t("qa.dispute_resolved"),
                qa_disputes.resolve_dispute,
                db,
                actor,
                dispute_id,
                outcome,
                comment,
                new_ratings,
            )
    st.subheader(t("qa.dispute_stats"))
    stats = qa_disputes.dispute_stats(db, actor)
    if stats:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("qa.inspector"): s["inspector_name"] or "—",
                        t("qa.disputes"): s["disputes"],
                        t("qa.dispute.open"): s["open"],
                        t("qa.dispute.accepted"): s["accepted"],
                        t("qa.dispute.partly_accepted"): s["partly_accepted"],
                        t("qa.dispute.rejected"): s["rejected"],
                        t("qa.mean_resolution_h"): "—"
                        if s["mean_resolution_s"] is None
                        else f"{s['mean_resolution_s'] / 3600:.1f}",
                    }
                    for s in stats
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption(t("qa.no_disputes"))
