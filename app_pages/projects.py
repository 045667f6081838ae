"""A project: its status and history, the order confirmation form, versions, and the FAQ table."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core.golive import gate
from core.kernel import config, uploads, workdays
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import can
from core.projects import faq, merchants
from core.projects import order_confirmation as oc
from ui import context
from ui.widgets import field_errors, flash, project_picker, show_flash, show_validation

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("projects.title"))

project_id = project_picker(ctx, "project_pick")["id"]
try:
    project = merchants.get_project(db, actor, project_id)
except NotFound:
    st.error(t("msg.not_found"))
    st.stop()

writer = can(actor, "project.write")
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("field.merchant"), project["merchant_name"])
c2.metric(t("field.platform"), t(f"platform.{project['platform']}"))
c3.metric(t("field.status"), t(f"status.{project['status']}"))
c4.metric(t("field.manager"), project["manager_name"] or "—")
if not writer:
    st.caption(t("projects.read_only"))

tab_oc, tab_faq, tab_versions, tab_status = st.tabs(
    [t("projects.tab.order_confirmation"), t("projects.tab.faq"), t("projects.tab.versions"), t("projects.tab.status")]
)

# --- order confirmation ------------------------------------------------------------------------
with tab_oc:
    current = oc.current(db, actor, project_id)
    confirmed = oc.latest_confirmed(db, actor, project_id)
    if current is None:
        st.info(t("oc.none_yet"))
    else:
        state = t("oc.state.draft") if current["status"] == "draft" else t("oc.state.confirmed")
        st.caption(t("oc.version_line", version=current["version"], state=state, at=current["updated_at"]))
    can_edit = can(actor, "order_confirmation.write")
    if not can_edit:
        if confirmed is None:
            st.info(t("oc.not_confirmed"))
        else:
            st.caption(t("oc.confirmed_line", version=confirmed["version"], at=confirmed["confirmed_at"]))
            for section in oc.SECTIONS:
                st.markdown(f"**{t('oc.section.' + section)}**")
                shown = [
                    (t(f"field.{f.name}"), oc.display_value(f, confirmed["data"].get(f.name), t))
                    for f in oc.FIELDS
                    if f.section == section
                ]
                st.dataframe(
                    pd.DataFrame(shown, columns=[t("oc.field"), t("oc.value")]), hide_index=True, width="stretch"
                )
    else:
        data = dict(current["data"]) if current else oc.default_data(project["platform"])
        errors = st.session_state.get(f"oc_errors_{project_id}", [])
        requested = date.fromisoformat(data["golive_requested_date"]) if data.get("golive_requested_date") else None
        proposal, warnings = oc.golive_proposal(config.today(), requested, workdays.extra_days_off(db))
        st.info(
            t(
                "oc.golive_proposal",
                date=proposal.isoformat(),
                n=oc.MIN_GOLIVE_WORKING_DAYS,
                m=oc.MAX_GOLIVE_WORKING_DAYS,
            )
        )
        for warning in warnings:
            st.warning(t(warning.key, **warning.params))
        if data.get("golive_committed_date") is None:
            data["golive_committed_date"] = proposal.isoformat()
        with st.form(f"oc_form_{project_id}"):
            entered: dict = {}
            for section in oc.SECTIONS:
                st.markdown(f"#### {t('oc.section.' + section)}")
                columns = st.columns(2)
                for index, f in enumerate(x for x in oc.FIELDS if x.section == section):
                    with columns[index % 2] if f.kind not in ("long_text",) else st.container():
                        label = t(f"field.{f.name}") + (" *" if f.required else "")
                        value = data.get(f.name)
                        key = f"oc_{project_id}_{f.name}"
                        if f.kind == "text":
                            entered[f.name] = st.text_input(label, value=value or "", key=key)
                        elif f.kind == "long_text":
                            entered[f.name] = st.text_area(label, value=value or "", key=key)
                        elif f.kind == "int":
                            entered[f.name] = st.number_input(
                                label, value=None if value is None else int(value), step=1, key=key
                            )
                        elif f.kind in ("seconds", "money"):
                            entered[f.name] = st.number_input(
                                label,
                                value=None if value is None else float(value),
                                step=1.0,
                                format="%.2f" if f.kind == "money" else "%.0f",
                                key=key,
                            )
                        elif f.kind == "rate":
                            shown = oc.fraction_to_percent(value)
                            entered[f.name] = oc.percent_to_fraction(
                                st.number_input(label + " (%)", value=shown, step=0.1, format="%.1f", key=key)
                            )
                        elif f.kind == "choice":
                            options = list(f.choices)
                            entered[f.name] = st.selectbox(
                                label,
                                options,
                                index=options.index(str(value)) if str(value) in options else 0,
                                format_func=lambda v, n=f.name: t(f"choice.{n}.{v}"),
                                key=key,
                            )
                        elif f.kind == "bool":
                            entered[f.name] = st.checkbox(label, value=bool(value), key=key)
                        elif f.kind == "date":
                            entered[f.name] = st.date_input(
                                label, value=date.fromisoformat(value) if value else None, key=key, format="YYYY-MM-DD"
                            )
                        elif f.kind == "time":
                            entered[f.name] = st.text_input(label, value=value or "", placeholder="08:00", key=key)
                        field_errors(ctx, errors, f.name)
                if section == "qa":
                    qa_file = st.file_uploader(t("oc.qa_upload"), key=f"oc_qa_{project_id}")
                    if current and current.get("qa_standard_upload_id"):
                        st.caption(
                            t("oc.qa_uploaded", name=uploads.get(db, current["qa_standard_upload_id"])["original_name"])
                        )
            b1, b2 = st.columns(2)
            save = b1.form_submit_button(t("oc.save_draft"), icon=":material/save:")
            confirm = b2.form_submit_button(t("oc.confirm"), type="primary", icon=":material/verified:")
        if save or confirm:
            try:
                upload_id = None
                if qa_file is not None:
                    upload_id = uploads.store(db, actor, qa_file.getvalue(), qa_file.name, qa_file.type or "")
                if confirm:
                    oc.confirm(db, actor, project_id, entered, upload_id)
                else:
                    oc.save_draft(db, actor, project_id, entered, upload_id)
            except ValidationError as exc:
                st.session_state[f"oc_errors_{project_id}"] = exc.errors
                show_validation(ctx, exc)
            else:
                st.session_state.pop(f"oc_errors_{project_id}", None)
                flash("projects", t("oc.confirmed_ok" if confirm else "oc.saved_ok"))
                st.rerun()
        show_flash("projects")

# --- FAQ ----------------------------------------------------------------------------------------
with tab_faq:
    answered, total = faq.progress(db, actor, project_id)
    st.progress(answered / total if total else 0.0, text=t("faq.progress", answered=answered, total=total))
    search = st.text_input(t("search"), key=f"faq_search_{project_id}", placeholder=t("faq.search_hint"))
    items = faq.list_items(db, actor, project_id, search)
    frame = pd.DataFrame(
        [{"id": i["id"], "question": i["question"], "answer": i["answer"]} for i in items],
        columns=["id", "question", "answer"],
    )
    faq_writer = can(actor, "faq.write")
    columns = {
        "id": None,
        "question": st.column_config.TextColumn(t("faq.question"), width="medium", required=True),
        "answer": st.column_config.TextColumn(t("faq.answer"), width="large"),
    }
    if faq_writer:
        edited = st.data_editor(
            frame,
            column_config=columns,
            hide_index=True,
            num_rows="dynamic",
            width="stretch",
            key=f"faq_editor_{project_id}",
        )
        if st.button(t("btn.save"), type="primary", key=f"faq_save_{project_id}"):
            try:
                changed = faq.save_items(db, actor, project_id, edited.to_dict("records"))
            except ValidationError as exc:
                show_validation(ctx, exc)
            else:
                st.success(t("faq.saved", n=changed))
                st.rerun()
    else:
        st.dataframe(frame, column_config=columns, hide_index=True, width="stretch")
    st.download_button(
        t("btn.export_excel"),
        faq.export_xlsx(db, actor, project_id, (t("faq.question"), t("faq.answer"))),
        file_name=f"faq-{project_id}.xlsx",
        key=f"faq_export_{project_id}",
        icon=":material/download:",
    )
    if faq_writer:
        with st.expander(t("faq.import"), icon=":material/upload:"):
            st.caption(t("faq.import_hint"))
            file = st.file_uploader(t("faq.import_file"), type=["xlsx", "csv"], key=f"faq_import_{project_id}")
            if file is not None and st.button(t("faq.import_go"), key=f"faq_import_go_{project_id}"):
                try:
                    changed = faq.import_xlsx(db, actor, project_id, file.getvalue(), file.name)
                except ValidationError as exc:
                    show_validation(ctx, exc)
                else:
                    st.success(t("faq.imported", n=changed))
        own = [i for i in faq.list_items(db, actor, project_id) if not i["is_standard"]]
        if own:
            with st.expander(t("faq.delete"), icon=":material/delete:"):
                victim = st.selectbox(
                    t("faq.question"),
                    [i["id"] for i in own],
                    format_func=lambda i: next(o["question"] for o in own if o["id"] == i),
                    key=f"faq_del_pick_{project_id}",
                )
                sure = st.checkbox(t("confirm_delete"), key=f"faq_del_sure_{project_id}")
                if st.button(t("btn.delete"), disabled=not sure, key=f"faq_del_{project_id}"):
                    faq.delete_item(db, actor, project_id, victim)
                    st.rerun()

# --- versions -------------------------------------------------------------------------------------
with tab_versions:
    all_versions = oc.versions(db, actor, project_id)
    if not can(actor, "order_confirmation.write"):
        all_versions = [v for v in all_versions if v["status"] == "confirmed"]
    if len(all_versions) < 2:
        st.info(t("oc.versions_need_two"))
    else:
        numbers = [v["version"] for v in all_versions]
        c1, c2 = st.columns(2)
        a = c1.selectbox(t("oc.version_a"), numbers, index=1, format_func=lambda n: f"v{n}", key=f"va_{project_id}")
        b = c2.selectbox(t("oc.version_b"), numbers, index=0, format_func=lambda n: f"v{n}", key=f"vb_{project_id}")
        only_changed = st.toggle(t("oc.only_changed"), value=True, key=f"vonly_{project_id}")
        rows = oc.compare(db, actor, project_id, a, b)
        table = pd.DataFrame(
            [
                {
                    t("oc.section"): t(f"oc.section.{r['section']}"),
                    t("oc.field"): t(f"field.{r['field']}"),
                    f"v{a}": oc.display_value(oc.FIELDS_BY_NAME[r["field"]], r["a"], t),
                    f"v{b}": oc.display_value(oc.FIELDS_BY_NAME[r["field"]], r["b"], t),
                    t("oc.changed"): "●" if r["changed"] else "",
                }
                for r in rows
                if r["changed"] or not only_changed
            ]
        )
        if table.empty:
            st.info(t("oc.no_differences"))
        else:
            st.dataframe(table, hide_index=True, width="stretch")

# --- status -----------------------------------------------------------------------------------------
with tab_status:
    history = merchants.status_history(db, actor, project_id)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("history.at"): h["changed_at"],
                    t("history.from"): t(f"status.{h['from_status']}") if h["from_status"] else "—",
                    t("history.to"): t(f"status.{h['to_status']}"),
                    t("history.by"): h["changed_by"] or "—",
                    t("history.note"): h["note"],
                }
                for h in history
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    options = tuple(o for o in merchants.allowed_transitions(project["status"]) if o != "live")
    if writer and "live" in merchants.allowed_transitions(project["status"]):
        st.page_link(
            "app_pages/team.py",
            label=t("projects.go_live_via_team"),
            query_params={"project": project_id},
            icon=":material/rocket_launch:",
        )
    if writer and options:
        with st.form(f"status_form_{project_id}"):
            to_status = st.selectbox(t("projects.move_to"), options, format_func=lambda s: t(f"status.{s}"))
            note = st.text_input(t("history.note"))
            if st.form_submit_button(t("projects.change_status"), type="primary"):
                try:
                    gate.change_status(db, actor, project_id, to_status, note)
                except ValidationError as exc:
                    show_validation(ctx, exc)
                else:
                    st.rerun()
