"""The raw tab of the data-import page: chat logs and order exports, mapped once, previewed, imported.

Reads the uploads into layouts (core.kpi.raw_store.raw_layout: saved template, canonical format or a
proposal), lets the user change every header's field and every sender / status value's meaning,
then checks and imports through core.kpi.raw_store. Numbers and rules live in core.kpi.raw_import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from core.kernel.errors import ValidationError
from core.kpi import raw_import, raw_store, templates
from ui.context import Context

_KINDS = {
    raw_import.KIND_MESSAGES: ("m", raw_import.MESSAGE_FIELDS, raw_import.SENDER_CLASSES),
    raw_import.KIND_ORDERS: ("o", raw_import.ORDER_FIELDS, raw_import.ORDER_STATUS_CHOICES),
}


def _layout_of(ctx: Context, project_id: int, kind: str, upload: Any) -> raw_import.Layout | None:
    """The upload's layout, read once per file and kept (with the user's changes) in the session."""
    tag = _KINDS[kind][0]
    key = f"raw_layout_{tag}"
    if upload is None:
        st.session_state.pop(key, None)
        return None
    ident = (project_id, upload.name, upload.size, getattr(upload, "file_id", None))
    stored = st.session_state.get(key)
    if stored and stored[0] == ident:
        return stored[1]
    try:
        layout = raw_store.raw_layout(ctx.db, ctx.actor, project_id, kind, upload.getvalue(), upload.name)
    except ValidationError as exc:
        _show_errors(ctx, exc)
        return None
    st.session_state[key] = (ident, layout)
    st.session_state.pop("raw_preview", None)
    return layout


def _value_label(ctx: Context, kind: str, value: str) -> str:
    if kind == raw_import.KIND_MESSAGES and value in ("<agent>", "<buyer>"):
        return ctx.t(f"raw.value.{value.strip('<>')}_names")
    return value or "(空)"


def _class_label(ctx: Context, kind: str, klass: str | None) -> str:
    if klass is None:
        return ctx.t("raw.class.none")
    return ctx.t(f"raw.class.{klass}" if kind == raw_import.KIND_MESSAGES else f"raw.status.{klass}")


def _editor(ctx: Context, project_id: int, layout: raw_import.Layout) -> raw_import.Layout:
    """The mapping of one file: source line, header → field selects, value → meaning selects."""
    t = ctx.t
    tag, fields, classes = _KINDS[layout.kind]
    st.markdown(
        f"**{t('raw.messages_layout' if layout.kind == raw_import.KIND_MESSAGES else 'raw.orders_layout')}** · "
        f"{layout.filename}"
    )
    st.caption(
        t("raw.encoding", encoding=layout.cells.encoding, rows=len(layout.cells.table), columns=len(layout.headers))
    )
    if layout.canonical:
        st.info(t("raw.source.canonical"))
        return layout
    if layout.source == "template":
        st.info(t("raw.source.template", name=layout.template_name))
    elif layout.source == "user":
        st.info(t("raw.source.user", name=f"“{layout.template_name}”" if layout.template_name else ""))
    else:
        st.info(t("raw.source.proposed"))
    sample = layout.cells.table.head(1)
    table = pd.DataFrame(
        [
            {
                t("raw.header"): h,
                t("raw.field"): t(f"raw.field.{layout.mapping[h]}") if layout.mapping[h] else t("raw.unused"),
                t("raw.sample"): str(sample[h].iloc[0]) if len(sample) else "",
            }
            for h in layout.headers
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch")
    if layout.unused():
        st.caption(t("raw.unused_list", names="、".join(h.strip() for h in layout.unused())))
    if layout.missing:
        st.error(t("raw.missing", names="、".join(t(f"raw.field.{m.split(':')[-1]}") for m in layout.missing)))
    for note in layout.notes:
        if not note.startswith("duplicate:"):
            st.caption(t(f"raw.note.{note}"))
    if layout.kind == raw_import.KIND_MESSAGES and layout.class_counts:
        c = layout.class_counts
        robot_as = layout.options.get("robot_as", "auto")
        st.caption(
            t(
                "raw.counts",
                buyer=c.get("buyer", 0),
                agent=c.get("agent", 0),
                auto=c.get("auto", 0),
                robot=c.get("robot", 0),
                robot_as=t(f"raw.class.{robot_as}"),
                system=c.get("system", 0),
                ignore=c.get("ignore", 0),
                counted_agent=c.get("counted_agent", 0),
                counted_auto=c.get("counted_auto", 0),
            )
        )
    if layout.unmapped:
        st.warning(
            t(
                "raw.unmapped",
                n=len(layout.unmapped),
                rows=sum(layout.unmapped.values()),
                values="、".join(f"{v}（{n}）" for v, n in list(layout.unmapped.items())[:20]),
            )
        )
    with st.form(f"raw_form_{tag}"):
        choice_fields = [None, *fields]
        chosen: dict[str, str | None] = {}
        columns = st.columns(3)
        for i, header in enumerate(layout.headers):
            with columns[i % 3]:
                chosen[header] = st.selectbox(
                    header.strip() or f"#{i + 1}",
                    choice_fields,
                    index=choice_fields.index(layout.mapping[header]),
                    format_func=lambda f: t("raw.unused") if f is None else t(f"raw.field.{f}"),
                    key=f"raw_{tag}_map_{i}",
                )
        values: dict[str, str] = {}
        if layout.value_counts:
            st.markdown(f"**{t('raw.values' if layout.kind == raw_import.KIND_MESSAGES else 'raw.status_values')}**")
            options = [None, *classes]
            for i, row in enumerate(layout.value_counts[:60]):
                if row["value"].startswith("<"):
                    st.caption(
                        f"{_value_label(ctx, layout.kind, row['value'])} · {row['count']} → "
                        f"{_class_label(ctx, layout.kind, row['class'])}"
                    )
                    continue
                picked = st.selectbox(
                    f"{_value_label(ctx, layout.kind, row['value'])} · {t('raw.count')} {row['count']}",
                    options,
                    index=options.index(row["class"]) if row["class"] in options else 0,
                    format_func=lambda k: _class_label(ctx, layout.kind, k),
                    key=f"raw_{tag}_val_{i}",
                )
                if picked is not None:
                    values[row["value"]] = picked
        extra: dict[str, Any] = {}
        if layout.kind == raw_import.KIND_MESSAGES:
            extra["robot_as"] = st.radio(
                t("raw.robot_as"),
                list(raw_import.ROBOT_AS),
                index=list(raw_import.ROBOT_AS).index(layout.options.get("robot_as", "auto")),
                format_func=lambda k: t(f"raw.robot_as.{k}"),
                horizontal=True,
                key=f"raw_{tag}_robot",
            )
            extra["sender_names"] = st.checkbox(
                t("raw.sender_names"), value=bool(layout.options.get("sender_names")), key=f"raw_{tag}_names"
            )
            extra["set_by_user"] = ["sender_names"]
        if st.form_submit_button(t("raw.apply")):
            key = "sender_map" if layout.kind == raw_import.KIND_MESSAGES else "status_map"
            layout = raw_import.with_choices(layout, chosen, {key: values, **extra})
            st.session_state[f"raw_layout_{tag}"] = (st.session_state[f"raw_layout_{tag}"][0], layout)
            st.session_state.pop("raw_preview", None)
            st.rerun()
    return layout


def _show_errors(ctx: Context, exc: ValidationError) -> None:
    t = ctx.t
    st.error(t("kpi.import.refused"))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("kpi.import.where"): e.field,
                    t("kpi.import.reason"): raw_store.translate_reason(e.params.get("reason", ""), ctx.lang),
                }
                for e in exc.errors[:500]
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    if len(exc.errors) > 500:
        st.caption(t("kpi.import.more_errors", n=len(exc.errors) - 500))


def _templates(ctx: Context, project_id: int) -> None:
    saved = [r for r in templates.list_templates(ctx.db, ctx.actor, project_id) if r["kind"] != "summary"]
    if not saved:
        return
    with st.expander(ctx.t("raw.templates")):
        for row in saved:
            left, right = st.columns([4, 1])
            left.write(f"{row['name']} · {ctx.t('raw.template_kind.' + row['kind'])} · {row['updated_at']}")
            if right.button(ctx.t("raw.template_delete"), key=f"raw_tpl_del_{row['id']}"):
                templates.delete_template(ctx.db, ctx.actor, row["id"])
                st.rerun()


def raw_import_tab(
    ctx: Context, project_id: int, agent_mapping: Callable[[list[str], str], None] | None = None
) -> None:
    """The whole raw tab: uploads, mappings, check, preview, import. `agent_mapping(names, key)`
    is the page's widget that ties unknown agent names to the roster."""
    t, db, actor = ctx.t, ctx.db, ctx.actor
    st.caption(t("raw.hint"))
    messages_file = st.file_uploader(t("kpi.import.messages_file"), type=["csv", "xlsx", "txt"], key="raw_messages")
    orders_file = st.file_uploader(t("kpi.import.orders_file"), type=["csv", "xlsx", "txt"], key="raw_orders")
    m_layout = _layout_of(ctx, project_id, raw_import.KIND_MESSAGES, messages_file)
    o_layout = _layout_of(ctx, project_id, raw_import.KIND_ORDERS, orders_file)
    if m_layout is not None:
        m_layout = _editor(ctx, project_id, m_layout)
    if o_layout is not None:
        o_layout = _editor(ctx, project_id, o_layout)
    if messages_file is not None and m_layout is not None and st.button(t("kpi.import.check"), key="raw_check"):
        st.session_state.pop("raw_preview", None)
        try:
            with st.spinner(t("kpi.import.checking")):
                st.session_state["raw_preview"] = (
                    project_id,
                    raw_store.preview_raw(
                        db,
                        actor,
                        project_id,
                        messages_file.getvalue(),
                        messages_file.name,
                        orders_file.getvalue() if orders_file else None,
                        orders_file.name if orders_file else None,
                        messages_layout=m_layout,
                        orders_layout=o_layout,
                    ),
                )
        except ValidationError as exc:
            _show_errors(ctx, exc)
    stored = st.session_state.get("raw_preview")
    if stored and stored[0] == project_id:
        preview = stored[1]
        st.success(
            t(
                "kpi.import.raw_ok",
                messages=len(preview.messages),
                orders=0 if preview.orders is None else len(preview.orders),
                start=preview.date_from.isoformat(),
                end=preview.date_to.isoformat(),
            )
        )
        counts = preview.sender_counts
        st.caption(
            t(
                "raw.senders_stored",
                buyer=counts.get("buyer", 0),
                agent=counts.get("agent", 0),
                auto=counts.get("auto", 0),
                system=counts.get("system", 0),
            )
        )
        if preview.orders_layout is not None and preview.orders_layout.column("buyer") is None:
            st.warning(t("raw.from_chats", n=preview.orders_from_chats, without=preview.orders_without_buyer))
        st.dataframe(preview.messages.head(20), hide_index=True, width="stretch")
        if agent_mapping is not None:
            agent_mapping(preview.unknown_agents, "raw")
        st.caption(t("kpi.import.replace_note", start=preview.date_from.isoformat(), end=preview.date_to.isoformat()))
        if st.button(t("kpi.import.go"), type="primary", key="raw_go"):
            bar = st.progress(0.0, text=t("kpi.import.progress"))
            import_id = raw_store.import_raw(
                db,
                actor,
                project_id,
                preview,
                lambda f, stage: bar.progress(min(1.0, f), text=t("kpi.import.progress")),
            )
            st.session_state.pop("raw_preview", None)
            st.success(t("kpi.import.done", id=import_id))
            st.page_link(
                "app_pages/kpi_dashboard.py",
                label=t("kpi.import.open_dashboard"),
                query_params={"project": project_id},
                icon=":material/monitoring:",
            )
    _templates(ctx, project_id)
