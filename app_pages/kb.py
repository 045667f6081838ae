"""Knowledge base (知识库): search mid-chat, a project's articles, this week's changes, reviews due; one article."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from core.kb import articles
from core.kernel import config, weeks
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import MERCHANT, can, page_allowed
from core.team import materials as team_materials
from ui import context
from ui.widgets import download_xlsx, flash, project_picker, query_int, save_and_flash, show_flash, show_validation

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("kb.title"))
notice = st.empty()  # drawn on every run, so the elements below keep their place after a save
show_flash("kb", notice)

mine = articles.my_overdue(db, actor)
if mine:
    st.warning(
        t("kb.my_overdue", n=len(mine), titles="、".join(a["title"] for a in mine[:5])), icon=":material/event_busy:"
    )


def open_article(article_id: int, project_id: int) -> None:
    st.query_params["project"] = str(project_id)
    st.query_params["article"] = str(article_id)
    st.rerun()


def category_label(category: str | None) -> str:
    return t(f"kb.cat.{category}") if category else "—"


def picked_row(event, frame: pd.DataFrame) -> int | None:
    """The article id of the row the user clicked in a selectable table."""
    selected = event.selection.rows if event is not None else []
    return int(frame.iloc[selected[0]]["id"]) if selected else None


def article_form(key: str, project_id: int, current: dict | None) -> dict | None:
    """The fields of an article; returns the entered data when the form is submitted."""
    staff = articles.owners(db)
    owner_ids = [o["id"] for o in staff]
    materials = team_materials.list_materials(db, actor, project_id) if can(actor, "material.read") else []
    material_ids = [None, *[m["id"] for m in materials]]
    current = current or {}
    with st.form(key):
        c1, c2 = st.columns([3, 1])
        title = c1.text_input(t("field.kb.title") + " *", value=current.get("title", ""))
        category = c2.selectbox(
            t("field.kb.category"),
            articles.CATEGORIES,
            format_func=category_label,
            index=articles.CATEGORIES.index(current["category"])
            if current.get("category") in articles.CATEGORIES
            else 0,
        )
        c1, c2 = st.columns(2)
        tags = c1.text_input(
            t("field.kb.tags"), value=(current.get("tags") or "").replace(",", "，"), help=t("kb.tags_help")
        )
        skus = c2.text_input(
            t("field.kb.skus"), value=(current.get("skus") or "").replace(",", "，"), help=t("kb.skus_help")
        )
        c1, c2, c3 = st.columns(3)
        owner_default = current.get("owner_id") or actor.id
        owner_id = c1.selectbox(
            t("field.kb.owner_id"),
            owner_ids,
            index=owner_ids.index(owner_default) if owner_default in owner_ids else 0,
            format_func=lambda i: next(o["display_name"] for o in staff if o["id"] == i),
        )
        review_default = current.get("review_by") or (config.today() + timedelta(days=articles.REVIEW_DAYS)).isoformat()
        review_by = c2.date_input(
            t("field.kb.review_by"), value=pd.Timestamp(review_default).date(), format="YYYY-MM-DD"
        )
        material_id = c3.selectbox(
            t("field.kb.source_material_id"),
            material_ids,
            index=material_ids.index(current.get("source_material_id"))
            if current.get("source_material_id") in material_ids
            else 0,
            format_func=lambda i: "—" if i is None else next(m["title"] for m in materials if m["id"] == i),
        )
        body = st.text_area(
            t("field.kb.body") + " *", value=current.get("body", ""), height=260, help=t("kb.body_help")
        )
        note = st.text_input(t("field.kb.note"), placeholder=t("kb.note_hint")) if current else ""
        if not st.form_submit_button(t("btn.save"), type="primary", icon=":material/save:"):
            return None
    return {
        "title": title,
        "category": category,
        "tags": tags,
        "skus": skus,
        "owner_id": owner_id,
        "review_by": review_by,
        "source_material_id": material_id,
        "body": body,
        "note": note,
    }


# --- one article ---------------------------------------------------------------------------------------
article_id = query_int("article")
if article_id is not None:
    try:
        article = articles.get_article(db, actor, article_id)
    except NotFound:
        st.error(t("msg.not_found"))
        st.stop()
    if st.button(t("btn.back_to_list"), icon=":material/arrow_back:"):
        del st.query_params["article"]
        st.rerun()
    st.header(article["title"])
    st.caption(
        t(
            "kb.article_line",
            project=f"{article['merchant_name']} · {article['project_name']}",
            category=category_label(article["category"]),
            version=article["version"],
            owner=article["owner_name"] or "—",
            review_by=article["review_by"] or "—",
            at=article["updated_at"],
            editor=article["editor_name"] or "—",
        )
    )
    if article["status"] != "active":
        st.warning(t("kb.archived"))
    if article["overdue"]:
        st.error(t("kb.overdue_flag", date=article["review_by"]), icon=":material/event_busy:")
        if article["owner_id"] == actor.id or can(actor, "kb.write"):
            with st.form("kb_reviewed"):
                next_review = st.date_input(
                    t("kb.next_review"),
                    value=config.today() + timedelta(days=articles.REVIEW_DAYS),
                    format="YYYY-MM-DD",
                )
                if st.form_submit_button(t("kb.mark_reviewed"), icon=":material/task_alt:"):
                    save_and_flash(
                        ctx, "kb", t("kb.reviewed_ok"), articles.mark_reviewed, db, actor, article_id, next_review
                    )
    if article["tags"]:
        st.markdown(
            " ".join(f":blue-badge[{articles.escape_text(tag)}]" for tag in article["tags"].split(",")),
            unsafe_allow_html=True,
        )
    if article["skus"]:
        st.caption(t("kb.skus_line", skus=article["skus"].replace(",", "、")))
    if article["source_material_title"]:
        st.caption(t("kb.source_line", title=article["source_material_title"]))
    with st.container(border=True):
        st.markdown(article["body"])  # Markdown written by staff; raw HTML in it is shown as text, never run

    labels = [t("kb.tab.comments"), t("kb.tab.versions")] + ([t("kb.tab.edit")] if can(actor, "kb.write") else [])
    tabs = st.tabs(labels)
    with tabs[0]:
        found = articles.comments(db, actor, article_id)
        if not found:
            st.info(t("kb.no_comments"))
        for comment in found:
            with st.chat_message("user" if comment["author_role"] != MERCHANT else "assistant"):
                st.caption(
                    f"{comment['author_name']} · {t('role.' + comment['author_role'])} · {comment['created_at']}"
                )
                st.text(comment["body"])
        if can(actor, "kb.comment"):
            with st.form("kb_comment", clear_on_submit=True):
                text = st.text_area(t("field.kb.comment"), placeholder=t("kb.comment_hint"))
                if st.form_submit_button(t("kb.add_comment"), icon=":material/comment:"):
                    save_and_flash(ctx, "kb", t("kb.comment_ok"), articles.add_comment, db, actor, article_id, text)
    with tabs[1]:
        history = articles.versions(db, actor, article_id)
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("kb.version"): f"v{v['version']}",
                        t("kb.edited_at"): v["edited_at"],
                        t("kb.editor"): v["editor_name"] or "—",
                        t("field.kb.title"): v["title"],
                        t("field.kb.review_by"): v["review_by"],
                        t("field.kb.note"): v["note"],
                    }
                    for v in history
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        if len(history) < 2:
            st.info(t("kb.one_version"))
        else:
            numbers = [v["version"] for v in history]
            c1, c2 = st.columns(2)
            old = c1.selectbox(t("kb.version_old"), numbers, index=1, format_func=lambda n: f"v{n}", key="kb_v_old")
            new = c2.selectbox(t("kb.version_new"), numbers, index=0, format_func=lambda n: f"v{n}", key="kb_v_new")
            change = articles.diff(db, actor, article_id, old, new)
            for field in change["fields"]:
                shown = category_label if field["field"] == "category" else (lambda v: "" if v is None else str(v))
                st.markdown(f"**{t('field.kb.' + field['field'])}**")
                st.code(f"- {shown(field['old'])}\n+ {shown(field['new'])}", language="diff")
            changed_lines = [f"{op} {line}" for op, line in change["body"] if op != " "]
            if changed_lines:
                st.markdown(f"**{t('field.kb.body')}**")
                st.code("\n".join(changed_lines), language="diff", wrap_lines=True)
            elif not change["fields"]:
                st.info(t("kb.no_differences"))
    if can(actor, "kb.write"):
        with tabs[2]:
            if article["status"] == "active":
                entered = article_form("kb_edit", article["project_id"], article)
                if entered is not None:
                    note = entered.pop("note")
                    save_and_flash(
                        ctx,
                        "kb",
                        lambda version: t("kb.saved_version" if version else "kb.nothing_changed"),
                        articles.update_article,
                        db,
                        actor,
                        article_id,
                        entered,
                        note,
                    )
                with st.expander(t("kb.archive"), icon=":material/archive:"):
                    sure = st.checkbox(t("kb.archive_confirm"), key="kb_archive_sure")
                    if st.button(t("kb.archive"), disabled=not sure, key="kb_archive_go"):
                        articles.archive_article(db, actor, article_id)
                        flash("kb", t("kb.archived_ok"))
                        del st.query_params["article"]
                        st.rerun()
    st.stop()

# --- a project's knowledge -----------------------------------------------------------------------------
projects = articles.projects(db, actor)
project = project_picker(ctx, "kb_project", projects, live_first=True)
project_id = project["id"]
writer = can(actor, "kb.write")
labels = [t("kb.tab.search"), t("kb.tab.articles"), t("kb.tab.changes"), t("kb.tab.overdue")] + (
    [t("kb.tab.new")] if writer else []
)
tabs = st.tabs(labels)

with tabs[0]:
    query = st.text_input(t("kb.search_label"), placeholder=t("kb.search_hint"), key="kb_q", icon=":material/search:")
    if query.strip():
        hits = articles.search(db, actor, query, project_id)
        if not hits:
            st.info(t("kb.no_hits"))
        for index, hit in enumerate(hits):
            if hit["related"] and (index == 0 or not hits[index - 1]["related"]):
                st.caption(t("kb.related_only" if index == 0 else "kb.related"))
            with st.container(border=True):
                if hit["kind"] == "article":
                    st.markdown(
                        f"**{hit['title_html']}** &nbsp; :gray-badge[{category_label(hit['category'])}]",
                        unsafe_allow_html=True,
                    )
                    st.markdown(hit["snippet_html"], unsafe_allow_html=True)
                    st.page_link(
                        "app_pages/kb.py",
                        label=t("kb.open"),
                        icon=":material/article:",
                        query_params={"project": hit["project_id"], "article": hit["ref_id"]},
                    )
                elif hit["kind"] == "faq":
                    st.markdown(
                        f"**{hit['title_html']}** &nbsp; :orange-badge[{t('kb.kind.faq')}]", unsafe_allow_html=True
                    )
                    st.markdown(
                        articles.highlight_html(hit["text"], articles.split_terms(query))
                        if not hit["related"]
                        else hit["snippet_html"],
                        unsafe_allow_html=True,
                    )
                    if page_allowed(actor.role, "projects"):
                        st.page_link(
                            "app_pages/projects.py",
                            label=t("kb.open_faq"),
                            icon=":material/quiz:",
                            query_params={"project": hit["project_id"]},
                        )
                else:
                    st.markdown(
                        f"**#{hit['number']} {articles.escape_text(hit['shortcut'] or '')}** · "
                        f"{articles.escape_text(hit['title'] or t('kb.phrase.no_group'))} &nbsp; "
                        f":green-badge[{t('kb.kind.phrase')}]",
                        unsafe_allow_html=True,
                    )
                    st.code(hit["text"], language=None, wrap_lines=True)

with tabs[1]:
    c1, c2, c3, c4 = st.columns([3, 2, 2, 1])
    search = c1.text_input(t("search"), placeholder=t("kb.list_search_hint"), key="kb_list_search")
    category = c2.selectbox(
        t("field.kb.category"),
        [None, *articles.CATEGORIES],
        key="kb_list_category",
        format_func=lambda c: t("all") if c is None else category_label(c),
    )
    staff = articles.owners(db)
    owner = c3.selectbox(
        t("field.kb.owner_id"),
        [None, *[o["id"] for o in staff]],
        key="kb_list_owner",
        format_func=lambda i: t("all") if i is None else next(o["display_name"] for o in staff if o["id"] == i),
    )
    overdue_only = c4.toggle(t("kb.overdue_only"), key="kb_list_overdue")
    found = articles.list_articles(
        db, actor, project_id, search=search, category=category, owner_id=owner, overdue_only=overdue_only
    )
    if not found:
        st.info(t("kb.no_articles"))
    else:
        frame = pd.DataFrame(
            [
                {
                    "id": a["id"],
                    t("field.kb.title"): a["title"],
                    t("field.kb.category"): category_label(a["category"]),
                    t("field.kb.tags"): a["tags"].replace(",", "、"),
                    t("field.kb.owner_id"): a["owner_name"] or "—",
                    t("field.kb.review_by"): a["review_by"],
                    t("kb.overdue"): "⚠" if a["overdue"] else "",
                    t("kb.version"): a["version"],
                    t("kb.updated_at"): a["updated_at"],
                }
                for a in found
            ]
        )
        st.caption(t("kb.count", n=len(found)) + " · " + t("kb.click_to_open"))
        event = st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            column_config={"id": None},
            on_select="rerun",
            selection_mode="single-row",
            key="kb_list_table",
        )
        picked = picked_row(event, frame)
        if picked is not None:
            open_article(picked, project_id)
        download_xlsx(ctx, "btn.export_excel", {"KB": frame.drop(columns=["id"])}, f"kb-{project_id}.xlsx", "kb_export")

with tabs[2]:
    day = st.date_input(t("kb.week_of"), value=config.today(), format="YYYY-MM-DD", key="kb_week")
    start = weeks.week_start(day)
    end = start + timedelta(days=6)
    st.caption(t("kb.week_range", start=start.isoformat(), end=end.isoformat()))
    changed = articles.changes(db, actor, start, end, project_id)
    if not changed:
        st.info(t("kb.no_changes"))
    else:
        frame = pd.DataFrame(
            [
                {
                    "id": c["article_id"],
                    t("kb.edited_at"): c["edited_at"],
                    t("field.kb.title"): c["title"],
                    t("kb.change"): t(f"kb.change.{c['change']}"),
                    t("kb.version"): f"v{c['version']}",
                    t("kb.editor"): c["editor_name"] or "—",
                    t("field.kb.note"): c["note"],
                }
                for c in changed
            ]
        )
        event = st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            column_config={"id": None},
            on_select="rerun",
            selection_mode="single-row",
            key="kb_changes_table",
        )
        picked = picked_row(event, frame)
        if picked is not None:
            open_article(picked, project_id)

with tabs[3]:
    late = articles.overdue(db, actor, project_id)
    if not late:
        st.success(t("kb.none_overdue"))
    else:
        today = config.today()
        frame = pd.DataFrame(
            [
                {
                    "id": a["id"],
                    t("field.kb.title"): a["title"],
                    t("field.kb.owner_id"): a["owner_name"] or "—",
                    t("field.kb.review_by"): a["review_by"],
                    t("kb.days_overdue"): (today - pd.Timestamp(a["review_by"]).date()).days,
                }
                for a in late
            ]
        )
        event = st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            column_config={"id": None},
            on_select="rerun",
            selection_mode="single-row",
            key="kb_overdue_table",
        )
        picked = picked_row(event, frame)
        if picked is not None:
            open_article(picked, project_id)

if writer:
    with tabs[4]:
        entered = article_form("kb_new", project_id, None)
        if entered is not None:
            entered.pop("note")
            try:
                new_id = articles.create_article(db, actor, project_id, entered)
            except ValidationError as exc:
                show_validation(ctx, exc)
            else:
                flash("kb", t("kb.created_ok"))
                open_article(new_id, project_id)
