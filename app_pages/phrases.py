"""Quick phrases (快捷短语): copy one with a click; flags and the meeting's rewrites; bulk import/export; editing."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.kb import articles, phrases
from core.kernel import weeks
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import can
from ui import context
from ui.widgets import flash, project_picker, show_flash, show_validation

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("kb.phrases.title"))
notice = st.empty()
show_flash("phrases", notice)

project = project_picker(ctx, "ph_project", articles.projects(db, actor, "phrase.read"), live_first=True)
project_id = project["id"]
writer = can(actor, "phrase.write")
flagger = can(actor, "phrase.flag")
decider = can(actor, "phrase.decide")


def phrase_label(p: dict) -> str:
    return f"#{p['number']} {p['shortcut']} · {p['text'][:30]}"


every = phrases.list_phrases(db, actor, project_id)
labels = [t("kb.phrases.tab.list"), t("kb.phrases.tab.flags"), t("kb.phrases.tab.bulk")] + (
    [t("kb.phrases.tab.edit")] if writer else []
)
tabs = st.tabs(labels)

# --- the set, to copy from ----------------------------------------------------------------------------
with tabs[0]:
    c1, c2 = st.columns([3, 2])
    search = c1.text_input(t("search"), placeholder=t("kb.phrases.search_hint"), key="ph_search")
    group_names = phrases.groups(db, actor, project_id)
    group = c2.selectbox(
        t("field.kb.group_name"),
        [None, *group_names],
        key="ph_group",
        format_func=lambda g: t("all") if g is None else (g or t("kb.phrase.no_group")),
    )
    shown = phrases.list_phrases(db, actor, project_id, search=search, group=group)
    if not shown:
        st.info(t("kb.phrases.empty"))
    st.caption(t("kb.phrases.copy_hint"))
    for name in dict.fromkeys(p["group_name"] for p in shown):
        st.subheader(name or t("kb.phrase.no_group"), divider="gray")
        for p in (x for x in shown if x["group_name"] == name):
            left, right = st.columns([1, 5])
            left.markdown(f"**#{p['number']}** `{p['shortcut']}`")
            if p["open_flags"]:
                left.badge(t("kb.phrases.flagged", n=p["open_flags"]), color="orange", icon=":material/flag:")
            with right:
                st.code(p["text"], language=None, wrap_lines=True)

# --- QA flags and the Monday meeting's rewrites ---------------------------------------------------------------
with tabs[1]:
    if flagger and every:
        with st.expander(t("kb.phrases.flag_new"), icon=":material/flag:"):
            with st.form("ph_flag", clear_on_submit=True):
                phrase_id = st.selectbox(
                    t("kb.phrases.phrase"),
                    [p["id"] for p in every],
                    format_func=lambda i: phrase_label(next(p for p in every if p["id"] == i)),
                )
                reason = st.radio(
                    t("field.kb.reason"), phrases.FLAG_REASONS, horizontal=True, format_func=lambda r: t(f"kb.flag.{r}")
                )
                note = st.text_area(t("field.kb.flag_note"), placeholder=t("kb.phrases.flag_hint"))
                if st.form_submit_button(t("kb.phrases.flag_go"), icon=":material/flag:"):
                    try:
                        phrases.flag(db, actor, phrase_id, reason, note)
                    except ValidationError as exc:
                        show_validation(ctx, exc)
                    else:
                        flash("phrases", t("kb.phrases.flag_ok"))
                        st.rerun()
    open_flags = phrases.flags(db, actor, project_id, ("open",))
    meeting = phrases.rewrite_list(db, actor, project_id)
    st.subheader(t("kb.phrases.meeting_list", n=len(meeting)))
    if not meeting:
        st.info(t("kb.phrases.meeting_empty"))
    for f in meeting:
        with st.container(border=True):
            st.markdown(
                f"**#{f['number']}** `{f['shortcut']}` · :orange-badge[{t('kb.flag.' + f['reason'])}] · "
                f"{articles.escape_text(f['flagged_by_name'] or '—')} {f['flagged_at']}",
                unsafe_allow_html=True,
            )
            st.text(t("kb.phrases.flag_says", note=f["note"]))
            st.code(f["text"], language=None, wrap_lines=True)
            if decider and writer:
                with st.form(f"ph_decide_{f['id']}"):
                    new_text = st.text_area(t("kb.phrases.new_text"), value=f["text"], key=f"ph_dt_{f['id']}")
                    decision = st.text_input(
                        t("field.kb.resolution"), placeholder=t("kb.phrases.decision_hint"), key=f"ph_dn_{f['id']}"
                    )
                    if st.form_submit_button(
                        t("kb.phrases.apply_decision"), type="primary", icon=":material/edit_note:"
                    ):
                        try:
                            version = phrases.apply_decision(db, actor, f["phrase_id"], {"text": new_text}, decision)
                        except ValidationError as exc:
                            show_validation(ctx, exc)
                        else:
                            flash("phrases", t("kb.phrases.decision_ok", version=version))
                            st.rerun()
    st.subheader(t("kb.phrases.open_flags", n=len(open_flags)))
    if not open_flags:
        st.info(t("kb.phrases.no_open_flags"))
    for f in open_flags:
        with st.container(border=True):
            st.markdown(
                f"**#{f['number']}** `{f['shortcut']}` · :orange-badge[{t('kb.flag.' + f['reason'])}] · "
                f"{articles.escape_text(f['flagged_by_name'] or '—')} {f['flagged_at']}",
                unsafe_allow_html=True,
            )
            st.text(t("kb.phrases.flag_says", note=f["note"]))
            st.code(f["text"], language=None, wrap_lines=True)
            if decider:
                c1, c2, c3 = st.columns([2, 3, 1])
                if c1.button(t("kb.phrases.to_meeting"), key=f"ph_meet_{f['id']}", icon=":material/groups:"):
                    phrases.put_on_meeting_list(db, actor, f["id"])
                    flash("phrases", t("kb.phrases.listed_ok"))
                    st.rerun()
                why = c2.text_input(
                    t("kb.phrases.dismiss_note"),
                    key=f"ph_why_{f['id']}",
                    label_visibility="collapsed",
                    placeholder=t("kb.phrases.dismiss_note"),
                )
                if c3.button(t("kb.phrases.dismiss"), key=f"ph_dismiss_{f['id']}"):
                    try:
                        phrases.dismiss_flag(db, actor, f["id"], why)
                    except ValidationError as exc:
                        show_validation(ctx, exc)
                    else:
                        flash("phrases", t("kb.phrases.dismissed_ok"))
                        st.rerun()
    summary = phrases.flag_summary(db, actor, project_id)
    if summary:
        st.subheader(t("kb.phrases.usage"))
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("kb.phrases.number"): s["number"],
                        t("field.kb.shortcut"): s["shortcut"],
                        t("field.kb.text"): s["text"],
                        t("kb.flag.wrong"): s["wrong"],
                        t("kb.flag.outdated"): s["outdated"],
                        t("kb.phrases.still_open"): s["still_open"],
                        t("kb.phrases.last_change"): s["updated_at"],
                    }
                    for s in summary
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    closed = phrases.flags(db, actor, project_id, ("resolved", "dismissed"))
    if closed:
        with st.expander(t("kb.phrases.closed_flags", n=len(closed))):
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            t("kb.phrases.number"): f["number"],
                            t("field.kb.shortcut"): f["shortcut"],
                            t("field.kb.reason"): t(f"kb.flag.{f['reason']}"),
                            t("field.kb.flag_note"): f["note"],
                            t("kb.phrases.flag_status"): t(f"kb.flag_status.{f['status']}"),
                            t("field.kb.resolution"): f["resolution"],
                            t("kb.phrases.resolved_at"): f["resolved_at"],
                            t("kb.version"): f["resolved_version"],
                        }
                        for f in closed
                    ]
                ),
                hide_index=True,
                width="stretch",
            )

# --- bulk import / export in the shop backend's layout ----------------------------------------------------------
with tabs[2]:
    st.caption(t("kb.phrases.bulk_hint"))
    c1, c2 = st.columns(2)
    c1.download_button(
        t("kb.phrases.export_xlsx"),
        phrases.export_xlsx(db, actor, project_id),
        file_name=f"quick-phrases-{project_id}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="ph_export_xlsx",
        icon=":material/download:",
    )
    c2.download_button(
        t("kb.phrases.export_csv"),
        phrases.export_csv(db, actor, project_id),
        file_name=f"quick-phrases-{project_id}.csv",
        mime="text/csv",
        key="ph_export_csv",
        icon=":material/download:",
    )
    since = weeks.week_start()
    recent = phrases.recent_changes(db, actor, project_id, f"{since.isoformat()} 00:00:00")
    st.subheader(t("kb.phrases.changed_this_week", start=since.isoformat()))
    if not recent:
        st.info(t("kb.phrases.none_changed"))
    else:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("kb.phrases.changed_at"): v["changed_at"],
                        t("kb.phrases.number"): v["number"],
                        t("field.kb.shortcut"): v["shortcut"],
                        t("field.kb.text"): v["text"],
                        t("kb.phrases.source"): t(f"kb.source.{v['source']}"),
                        t("kb.editor"): v["editor_name"] or "—",
                        t("field.kb.note"): v["note"],
                    }
                    for v in recent
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    if writer:
        st.subheader(t("kb.phrases.import"))
        file = st.file_uploader(t("kb.phrases.import_file"), type=["xlsx", "csv"], key="ph_import_file")
        replace = st.toggle(t("kb.phrases.replace"), help=t("kb.phrases.replace_help"), key="ph_replace")
        sure = st.checkbox(t("kb.phrases.replace_confirm"), key="ph_replace_sure") if replace else True
        if st.button(
            t("kb.phrases.import_go"), disabled=file is None or not sure, key="ph_import_go", icon=":material/upload:"
        ):
            try:
                counts = phrases.import_file(db, actor, project_id, file.getvalue(), file.name, replace=replace)
            except ValidationError as exc:
                show_validation(ctx, exc)
            else:
                flash("phrases", t("kb.phrases.imported", **counts))
                st.rerun()

# --- editing, with each phrase's dated history ---------------------------------------------------------------
if writer:
    with tabs[3]:
        options = [None, *[p["id"] for p in every]]
        chosen = st.selectbox(
            t("kb.phrases.phrase"),
            options,
            key="ph_edit_pick",
            format_func=lambda i: (
                t("kb.phrases.new") if i is None else phrase_label(next(p for p in every if p["id"] == i))
            ),
        )
        current = next((p for p in every if p["id"] == chosen), None) or {}
        with st.form(f"ph_edit_{chosen}"):
            c1, c2 = st.columns(2)
            group_name = c1.text_input(t("field.kb.group_name"), value=current.get("group_name", ""))
            shortcut = c2.text_input(
                t("field.kb.shortcut") + " *",
                value=current.get("shortcut", ""),
                placeholder="/fh",
                help=t("kb.phrases.shortcut_help"),
            )
            text = st.text_area(t("field.kb.text") + " *", value=current.get("text", ""), max_chars=phrases.MAX_TEXT)
            note = st.text_input(t("field.kb.note"), placeholder=t("kb.note_hint")) if current else ""
            if st.form_submit_button(t("btn.save"), type="primary", icon=":material/save:"):
                data = {"group_name": group_name, "shortcut": shortcut, "text": text}
                try:
                    if current:
                        version = phrases.update_phrase(db, actor, chosen, data, note)
                    else:
                        phrases.create_phrase(db, actor, project_id, data)
                        version = 1
                except ValidationError as exc:
                    show_validation(ctx, exc)
                else:
                    flash("phrases", t("kb.phrases.saved" if version else "kb.nothing_changed"))
                    st.rerun()
        if current:
            try:
                versions = phrases.history(db, actor, chosen)
            except NotFound:
                versions = []
            st.markdown(f"**{t('kb.phrases.history')}**")
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            t("kb.version"): f"v{v['version']}",
                            t("kb.phrases.changed_at"): v["changed_at"],
                            t("kb.editor"): v["editor_name"] or "—",
                            t("kb.phrases.source"): t(f"kb.source.{v['source']}"),
                            t("field.kb.shortcut"): v["shortcut"],
                            t("field.kb.text"): v["text"],
                            t("kb.phrases.active"): t("yes") if v["active"] else t("no"),
                            t("field.kb.note"): v["note"],
                        }
                        for v in versions
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
            with st.expander(t("kb.phrases.remove"), icon=":material/delete:"):
                sure = st.checkbox(t("confirm_delete"), key=f"ph_remove_sure_{chosen}")
                if st.button(t("btn.delete"), disabled=not sure, key=f"ph_remove_{chosen}"):
                    phrases.remove_phrase(db, actor, chosen)
                    st.session_state.pop("ph_edit_pick", None)
                    flash("phrases", t("kb.phrases.removed"))
                    st.rerun()
