"""The memo (备忘录): an agent notes a question or idea in seconds; supervisors answer now or queue it for Monday."""

from __future__ import annotations

import streamlit as st

from core.kb import articles, memos
from core.kernel import weeks
from core.kernel.errors import ValidationError
from core.kernel.permissions import can
from ui import context
from ui.widgets import flash, show_flash, show_validation

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("kb.memo.title"))
notice = st.empty()
show_flash("memos", notice)
supervisor = can(actor, "memo.answer")


def status_badge(memo: dict) -> str:
    colour = {"open": "gray", "queued": "orange", "answered": "green"}[memo["status"]]
    badge = f":{colour}-badge[{t('kb.memo.status.' + memo['status'])}]"
    return badge + (f" :red-badge[{t('kb.memo.new_answer')}]" if memo["is_new"] else "")


def quick_note() -> None:
    projects = articles.projects(db, actor, "memo.write")
    if not projects:
        st.info(t("kb.memo.no_projects"))
        return
    with st.form("memo_note", clear_on_submit=True, border=True):
        c1, c2 = st.columns([3, 2])
        project_id = c1.selectbox(
            t("kb.memo.project"),
            [p["id"] for p in projects],
            format_func=lambda i: next(f"{p['merchant_name']} · {p['name']}" for p in projects if p["id"] == i),
        )
        kind = c2.radio(
            t("field.kb.memo_kind"), memos.KINDS, horizontal=True, format_func=lambda k: t(f"kb.memo.kind.{k}")
        )
        text = st.text_area(t("field.kb.memo_text"), placeholder=t("kb.memo.text_hint"), height=90)
        chat_ref = st.text_input(t("field.kb.chat_ref"), placeholder=t("kb.memo.chat_ref_hint"))
        if st.form_submit_button(t("kb.memo.note_go"), type="primary", icon=":material/edit_note:"):
            try:
                memos.note(db, actor, project_id, text, kind, chat_ref)
            except ValidationError as exc:
                show_validation(ctx, exc)
            else:
                flash("memos", t("kb.memo.noted"))
                st.rerun()


def my_list() -> None:
    mine = memos.my_memos(db, actor)
    # An answer stays "new" for the whole visit (session), though it is marked seen at once:
    # a rerun of the page must not take the badge away while the agent is looking at it.
    shown_new = st.session_state.setdefault("memo_new_this_visit", set())
    shown_new |= {m["id"] for m in mine if m["is_new"]}
    for memo in mine:
        memo["is_new"] = memo["id"] in shown_new
    unread = sum(m["is_new"] for m in mine)
    if unread:
        st.info(t("kb.memo.unread", n=unread), icon=":material/mark_chat_unread:")
    if not mine:
        st.info(t("kb.memo.none_yet"))
    for memo in mine[:50]:
        with st.container(border=True):
            st.markdown(
                f"{status_badge(memo)} &nbsp; {articles.escape_text(memo['merchant_name'])} · {memo['created_at']}",
                unsafe_allow_html=True,
            )
            st.text(memo["text"])
            if memo["chat_ref"]:
                st.caption(t("kb.memo.chat_ref_line", ref=memo["chat_ref"]))
            if memo["status"] == "answered":
                st.markdown(
                    f"**{t('kb.memo.answer_from', name=memo['answered_by_name'] or '—', at=memo['answered_at'])}**"
                )
                st.text(memo["answer"])
                if memo["article_id"]:
                    st.page_link(
                        "app_pages/kb.py",
                        label=t("kb.memo.see_article"),
                        icon=":material/article:",
                        query_params={"project": memo["project_id"], "article": memo["article_id"]},
                    )
                if memo["phrase_id"]:
                    st.caption(t("kb.memo.became_phrase"))
    if unread:
        memos.mark_seen(db, actor)  # the next visit shows them as read


def answer_box(memo: dict) -> None:
    """One waiting memo with the supervisor's four actions: answer, queue, make an article, make a phrase."""
    with st.container(border=True):
        st.markdown(
            f"{status_badge(memo)} &nbsp; **{articles.escape_text(memo['author_name'])}** · "
            f"{articles.escape_text(memo['merchant_name'])} · "
            f"{memo['created_at']} · {t('kb.memo.kind.' + memo['kind'])}",
            unsafe_allow_html=True,
        )
        st.text(memo["text"])
        if memo["chat_ref"]:
            st.caption(t("kb.memo.chat_ref_line", ref=memo["chat_ref"]))
        with st.form(f"memo_answer_{memo['id']}"):
            answer = st.text_area(t("field.kb.answer"), value=memo["answer"], key=f"memo_a_{memo['id']}")
            c1, c2, c3, c4 = st.columns(4)
            title = c1.text_input(
                t("kb.memo.article_title"), placeholder=memos.default_title(memo), key=f"memo_t_{memo['id']}"
            )
            category = c2.selectbox(
                t("field.kb.category"),
                articles.CATEGORIES,
                index=articles.CATEGORIES.index("faq"),
                format_func=lambda c: t(f"kb.cat.{c}"),
                key=f"memo_c_{memo['id']}",
            )
            shortcut = c3.text_input(t("field.kb.shortcut"), placeholder="/fh", key=f"memo_s_{memo['id']}")
            group = c4.text_input(t("field.kb.group_name"), key=f"memo_g_{memo['id']}")
            b1, b2, b3, b4 = st.columns(4)
            go_answer = b1.form_submit_button(t("kb.memo.answer_go"), type="primary", icon=":material/reply:")
            go_queue = b2.form_submit_button(
                t("kb.memo.queue_go"), icon=":material/groups:", disabled=memo["status"] != "open"
            )
            go_article = b3.form_submit_button(
                t("kb.memo.article_go"), icon=":material/article:", disabled=not can(actor, "kb.write")
            )
            go_phrase = b4.form_submit_button(
                t("kb.memo.phrase_go"), icon=":material/bolt:", disabled=not can(actor, "phrase.write")
            )
        if go_answer or go_queue or go_article or go_phrase:
            try:
                if go_answer:
                    memos.answer(db, actor, memo["id"], answer)
                elif go_queue:
                    memos.queue(db, actor, memo["id"])
                elif go_article:
                    memos.to_article(db, actor, memo["id"], answer, title, category)
                else:
                    memos.to_phrase(db, actor, memo["id"], shortcut, group, answer_text=answer)
            except ValidationError as exc:
                show_validation(ctx, exc)
            else:
                flash(
                    "memos",
                    t(
                        "kb.memo.answered_ok"
                        if go_answer
                        else "kb.memo.queued_ok"
                        if go_queue
                        else "kb.memo.article_ok"
                        if go_article
                        else "kb.memo.phrase_ok"
                    ),
                )
                st.rerun()


if can(actor, "memo.write"):
    with st.expander(t("kb.memo.note_title"), expanded=not supervisor, icon=":material/edit_note:"):
        quick_note()

if not supervisor:
    st.subheader(t("kb.memo.mine"))
    my_list()
    st.stop()

counts = memos.summary(db, actor)
c1, c2, c3 = st.columns(3)
c1.metric(t("kb.memo.count_open"), counts["open"])
c2.metric(t("kb.memo.count_queued"), counts["queued"])
c3.metric(t("kb.memo.count_answered"), counts["answered_7d"])
tab_open, tab_queue, tab_done, tab_mine = st.tabs(
    [t("kb.memo.tab.open"), t("kb.memo.tab.queue"), t("kb.memo.tab.answered"), t("kb.memo.mine")]
)
with tab_open:
    search = st.text_input(t("search"), key="memo_search", placeholder=t("kb.memo.search_hint"))
    waiting = memos.inbox(db, actor, statuses=("open",), search=search)
    if not waiting:
        st.info(t("kb.memo.inbox_empty"))
    for memo in waiting[:30]:
        answer_box(memo)
with tab_queue:
    queued = memos.queue_for_meeting(db, actor, weeks.week_start())
    st.caption(t("kb.memo.queue_hint"))
    if not queued:
        st.info(t("kb.memo.queue_empty"))
    for memo in queued[:30]:
        answer_box(memo)
with tab_done:
    answered = memos.inbox(db, actor, statuses=("answered",))
    if not answered:
        st.info(t("kb.memo.none_answered"))
    for memo in answered[:50]:
        with st.container(border=True):
            st.markdown(
                f"**{articles.escape_text(memo['author_name'])}** · {articles.escape_text(memo['merchant_name'])} · "
                f"{memo['created_at']}",
                unsafe_allow_html=True,
            )
            st.text(memo["text"])
            st.caption(t("kb.memo.answer_from", name=memo["answered_by_name"] or "—", at=memo["answered_at"]))
            st.text(memo["answer"])
            if memo["article_id"]:
                st.page_link(
                    "app_pages/kb.py",
                    label=t("kb.memo.see_article"),
                    icon=":material/article:",
                    query_params={"project": memo["project_id"], "article": memo["article_id"]},
                )
with tab_mine:
    my_list()
